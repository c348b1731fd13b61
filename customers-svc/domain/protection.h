// Protection of prospects and credit for orders (domain.md §4 "Ownership and
// protection"; seed 001 客户登记制度, 客户追踪制度, 首问负责制, 业绩归属).
// Pure: instants and business dates come in as arguments, never from a clock.
//
// The rule, in business dates (company time zone, see BusinessDay): a
// prospect followed up (or registered) on day L with window W is protected
// through day L + W inclusive ("never more than W days apart": a follow-up on
// L + W still keeps it) and lapsed from L + W + 1 on. With the default W = 7,
// a follow-up on Mar 1 protects through Mar 8; Mar 9 is lapsed.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/convert.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/ownership.pb.h"

namespace sales::customers {

// settings.proto protection_days: default 7, 1..90.
inline constexpr int kDefaultProtectionDays = 7;
inline constexpr int kMinProtectionDays = 1;
inline constexpr int kMaxProtectionDays = 90;
// customer_messages.proto lapsing_within_days: 0..90.
inline constexpr int kMaxLapsingWithinDays = 90;

// Business days are the platform's (company time zone, UTC+8).
using ::sales::BusinessDay;
using ::sales::CompanyTimeZone;
using ::sales::StartOfBusinessDay;

// INVALID_ARGUMENT, field "protection_days", unless 1..90.
absl::Status ValidateProtectionDays(int window_days);

// The window in force: the configured protection_days, or the default
// (7) when the stored setting is outside 1..90.
int ProtectionWindow(int configured_days);

// Last business day still protected: last follow-up (or registration) day +
// window. Precondition: ValidateProtectionDays(window_days) is OK.
absl::CivilDay ProtectedUntil(absl::CivilDay last_follow_up_or_registration, int window_days);

// Whether the prospect has lapsed on `as_of`: as_of > ProtectedUntil(...).
// The lapse sweep for as_of D moves exactly the prospects for which this
// holds, so running it twice for D finds nothing new the second time.
bool LapsedOn(absl::CivilDay last_follow_up_or_registration, int window_days, absl::CivilDay as_of);

// Finer than the proto's ProtectionState, which has no "lapsing soon".
enum class ProtectionStanding {
  kProtected,    // protected, and not within the lapsing-soon horizon
  kLapsingSoon,  // still protected, but protected_until < as_of + lapsing_within_days
  kLapsed,       // as_of > protected_until: due for the pool
};

struct ProtectionView {
  ProtectionStanding standing = ProtectionStanding::kProtected;
  absl::CivilDay protected_until;
  // protected_until - as_of: 0 on the last protected day, negative once
  // lapsed (-1 on the first lapsed day).
  int days_left = 0;
};

// Classifies a prospect as of a date. lapsing_within_days follows
// customer_messages.proto: with k > 0, "lapsing soon" is
// as_of <= protected_until < as_of + k (k = 1: the last protected day is
// as_of itself); k = 0 never reports lapsing soon. INVALID_ARGUMENT with
// field violations "protection_days" (1..90), "lapsing_within_days" (0..90),
// "as_of" (before the last follow-up day: a follow-up cannot lie in the
// future of the evaluation date).
absl::StatusOr<ProtectionView> ClassifyProtection(absl::CivilDay last_follow_up_or_registration, int window_days,
                                                  absl::CivilDay as_of, int lapsing_within_days);

// The proto state of a prospect: PROTECTED while protected (lapsing soon or
// not), IN_POOL once lapsed (what the sweep will make it).
v1::ProtectionState ToProtectionState(ProtectionStanding standing);

// ---------------------------------------------------------------------------
// Credit for orders (业绩归属): ResolveCreditedRep.

// One interval of the ownership history (ownership.proto OwnershipRecord).
struct OwnershipInterval {
  int64_t rep_id = 0;            // to_rep_id; 0 while in the pool
  absl::Time from;               // effective_time, inclusive
  std::optional<absl::Time> to;  // end_time, exclusive; nullopt while current
  v1::OwnershipChangeKind kind = v1::OWNERSHIP_CHANGE_KIND_UNSPECIFIED;
};

struct CreditQuery {
  // The customer's history in commit order (id order); when two intervals
  // cover the same instant the later one in the vector wins, as ties are
  // decided by id (ownership.proto effective_time).
  std::vector<OwnershipInterval> history;
  absl::CivilDay order_date;  // business date of the order
  int64_t taking_rep_id = 0;  // the rep who took the order, > 0
  // Business date of the customer's first purchase, if any. An order dated
  // after it is an account's order (ACCOUNT_OWNER); the first purchase
  // itself and everything before it are a prospect's (PROTECTING_OWNER).
  std::optional<absl::CivilDay> first_purchase_date;
  // The history is the primary customer's, followed through a family link
  // (直系亲属视为同一客户): the basis is then FAMILY_PRIMARY_OWNER.
  bool via_family_link = false;
};

struct CreditResolution {
  int64_t credited_rep_id = 0;
  // The owner on the order date; 0 when the customer was in the pool or not
  // yet registered.
  int64_t owner_rep_id = 0;
  // 撞单: an owner existed and someone else took the order. The owner is
  // still credited; the caller records the collision for the manager.
  bool collision = false;
  v1::CreditBasis basis = v1::CREDIT_BASIS_UNSPECIFIED;
};

// The owner at an instant: the rep of the covering interval (the last one
// in the vector when several cover it); 0 when none covers it or it is a
// pool interval.
int64_t OwnerAt(const std::vector<OwnershipInterval>& history, absl::Time at);

// Who is credited for an order. The owner "on the order date" is the owner
// at the end of that business day (the last instant before the next day's
// 00:00 UTC+8), so that a change committed during the day counts for the
// day: a lapse swept on the morning after protected_until frees orders of
// that day, a registration or claim in the morning covers an order in the
// afternoon, and a transfer during the day credits the new owner.
//   - owner > 0: the owner is credited (PROTECTING_OWNER for a prospect,
//     ACCOUNT_OWNER once bought, FAMILY_PRIMARY_OWNER through a link);
//     collision when taking_rep_id differs;
//   - no owner (pool, or not yet registered): the taking rep, TAKING_REP,
//     never a collision.
// MANAGER_RULING is never produced here: it is the manager's decision on a
// recorded collision. INVALID_ARGUMENT with field violations
// "taking_rep_id" (<= 0), "history[i].rep_id" (< 0), "history[i].to"
// (not after from), "order_date" (year outside 1900..9999).
absl::StatusOr<CreditResolution> ResolveCreditedRep(const CreditQuery& query);

// ---------------------------------------------------------------------------
// Referrals (seed 001 业绩归属 6: 老客户介绍的新客户必须...先行登记, 否则一律按新
// 客户处理).

// A referral counts for the referrer's rep only when it was registered
// strictly before the referred person's first visit, and the person was not
// already a registered customer. A referral registered at the very instant
// of the visit does not count ("先行" means before).
bool ReferralCounts(absl::Time referral_register_time, absl::Time first_visit_time, bool already_registered_customer);

// The referral's status: NOT_COUNTED when the person was already a
// customer; PENDING while no visit is known; then COUNTED or NOT_COUNTED by
// ReferralCounts. (CANCELLED is a user action, not derived here.)
v1::ReferralStatus ReferralOutcome(absl::Time referral_register_time, std::optional<absl::Time> first_visit_time,
                                   bool already_registered_customer);

}  // namespace sales::customers
