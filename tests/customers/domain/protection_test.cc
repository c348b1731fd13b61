// Protection, credit and visit plans of customers-svc (domain.md §4
// "Ownership and protection", "Visit plans"): the protection window at its
// edges (day 7 vs day 8, follow-ups around midnight UTC+8), the configurable
// window, who is credited for an order during and after protection, after a
// transfer and from the pool, the referral rule, every customer type's due
// date, month-end arithmetic and overdue counts. Every expected value is
// worked out by hand in the comment next to it.
#include "customers-svc/domain/protection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "customers-svc/domain/visits.h"
#include "platform/status.h"
#include "sales/customers/v1/settings.pb.h"
#include "tests/testing/status_matchers.h"

namespace sales::customers {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAreArray;

using Day = absl::CivilDay;

// An instant given in UTC.
absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const FieldViolation& v : FieldViolationsOf(s)) out.push_back(v.field);
  return out;
}

// ---------------------------------------------------------------------------
// Business days in UTC+8.

struct BusinessDayCase {
  const char* name;
  absl::Time t;
  Day want;
};

TEST(BusinessDay, MidnightInUtcPlus8) {
  const BusinessDayCase cases[] = {
      // 15:59Z + 8h = 23:59 local, still Mar 1.
      {"2359_local", Utc(2026, 3, 1, 15, 59), Day(2026, 3, 1)},
      // 15:59:59Z = 23:59:59 local, the last second of Mar 1.
      {"last_second", Utc(2026, 3, 1, 15, 59, 59), Day(2026, 3, 1)},
      // 16:00Z = 00:00 local Mar 2: the new day starts exactly here.
      {"0000_local", Utc(2026, 3, 1, 16, 0), Day(2026, 3, 2)},
      // 16:01Z = 00:01 local Mar 2.
      {"0001_local", Utc(2026, 3, 1, 16, 1), Day(2026, 3, 2)},
      // 00:00Z = 08:00 local, same calendar day.
      {"utc_midnight", Utc(2026, 3, 2, 0, 0), Day(2026, 3, 2)},
      // Feb 28 16:00Z = Mar 1 00:00 local (2026 is not a leap year).
      {"month_turn", Utc(2026, 2, 28, 16, 0), Day(2026, 3, 1)},
      // Dec 31 16:00Z = Jan 1 00:00 local: the year turns in UTC+8 first.
      {"year_turn", Utc(2025, 12, 31, 16, 0), Day(2026, 1, 1)},
      // Mid-summer: no DST in China, still +8 (15:59Z = 23:59 local).
      {"summer_no_dst", Utc(2026, 7, 15, 15, 59), Day(2026, 7, 15)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(BusinessDay(c.t), c.want) << c.name;
  }
}

TEST(BusinessDay, StartOfBusinessDayIs1600ZTheDayBefore) {
  // Mar 2 00:00 local = Mar 1 16:00Z.
  EXPECT_EQ(StartOfBusinessDay(Day(2026, 3, 2)), Utc(2026, 3, 1, 16, 0));
  EXPECT_EQ(BusinessDay(StartOfBusinessDay(Day(2026, 3, 2))), Day(2026, 3, 2));
  EXPECT_EQ(BusinessDay(StartOfBusinessDay(Day(2026, 3, 2)) - absl::Nanoseconds(1)), Day(2026, 3, 1));
}

// ---------------------------------------------------------------------------
// The protection window.

struct WindowCase {
  const char* name;
  Day last;
  int window;
  Day as_of;
  Day want_until;
  bool want_lapsed;
};

TEST(Protection, WindowEdges) {
  const WindowCase cases[] = {
      // Default 7: Mar 1 + 7 = Mar 8 is the last protected day.
      {"day0", Day(2026, 3, 1), 7, Day(2026, 3, 1), Day(2026, 3, 8), false},
      {"day6", Day(2026, 3, 1), 7, Day(2026, 3, 7), Day(2026, 3, 8), false},
      // Day 7 after the follow-up: still protected (7 days apart is allowed).
      {"day7", Day(2026, 3, 1), 7, Day(2026, 3, 8), Day(2026, 3, 8), false},
      // Day 8: lapsed (连续7天以上没有进行跟踪).
      {"day8", Day(2026, 3, 1), 7, Day(2026, 3, 9), Day(2026, 3, 8), true},
      {"day30", Day(2026, 3, 1), 7, Day(2026, 3, 31), Day(2026, 3, 8), true},
      // Across February: 2026-02-25 + 3 = Feb 28, + 4 = Mar 4.
      {"feb_2026", Day(2026, 2, 25), 7, Day(2026, 3, 4), Day(2026, 3, 4), false},
      {"feb_2026_day8", Day(2026, 2, 25), 7, Day(2026, 3, 5), Day(2026, 3, 4), true},
      // Leap year: 2024-02-25 + 4 = Feb 29, + 3 = Mar 3.
      {"feb_2024_leap", Day(2024, 2, 25), 7, Day(2024, 3, 3), Day(2024, 3, 3), false},
      {"feb_2024_day8", Day(2024, 2, 25), 7, Day(2024, 3, 4), Day(2024, 3, 3), true},
      // Across the year: Dec 28 + 7 = Jan 4.
      {"year_end", Day(2025, 12, 28), 7, Day(2026, 1, 4), Day(2026, 1, 4), false},
      // Configurable: window 1 → Mar 2 protected, Mar 3 lapsed.
      {"w1_day1", Day(2026, 3, 1), 1, Day(2026, 3, 2), Day(2026, 3, 2), false},
      {"w1_day2", Day(2026, 3, 1), 1, Day(2026, 3, 3), Day(2026, 3, 2), true},
      // Window 14: Mar 1 + 14 = Mar 15; Mar 9 (day 8) still protected.
      {"w14_day8", Day(2026, 3, 1), 14, Day(2026, 3, 9), Day(2026, 3, 15), false},
      {"w14_day15", Day(2026, 3, 1), 14, Day(2026, 3, 16), Day(2026, 3, 15), true},
      // Window 90: Mar 1 + 30 = Mar 31, + 30 = Apr 30, + 30 = May 30.
      {"w90_last", Day(2026, 3, 1), 90, Day(2026, 5, 30), Day(2026, 5, 30), false},
      {"w90_lapsed", Day(2026, 3, 1), 90, Day(2026, 5, 31), Day(2026, 5, 30), true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ProtectedUntil(c.last, c.window), c.want_until) << c.name;
    EXPECT_EQ(LapsedOn(c.last, c.window, c.as_of), c.want_lapsed) << c.name;
  }
}

TEST(Protection, FollowUpAt2359Versus0001Local) {
  // 15:59Z = Mar 1 23:59 local → protected through Mar 1 + 7 = Mar 8.
  const Day before = BusinessDay(Utc(2026, 3, 1, 15, 59));
  // 16:01Z = Mar 2 00:01 local → protected through Mar 2 + 7 = Mar 9.
  const Day after = BusinessDay(Utc(2026, 3, 1, 16, 1));
  EXPECT_EQ(ProtectedUntil(before, 7), Day(2026, 3, 8));
  EXPECT_EQ(ProtectedUntil(after, 7), Day(2026, 3, 9));
  // Two minutes apart in UTC, a day apart in protection: on Mar 9 the first
  // has lapsed (day 8) and the second is on its last day (day 7).
  EXPECT_TRUE(LapsedOn(before, 7, Day(2026, 3, 9)));
  EXPECT_FALSE(LapsedOn(after, 7, Day(2026, 3, 9)));
  EXPECT_TRUE(LapsedOn(after, 7, Day(2026, 3, 10)));
}

TEST(Protection, ValidateProtectionDays) {
  const struct {
    int days;
    bool ok;
  } cases[] = {{-1, false}, {0, false}, {1, true}, {7, true}, {90, true}, {91, false}};
  for (const auto& c : cases) {
    const absl::Status s = ValidateProtectionDays(c.days);
    EXPECT_EQ(s.ok(), c.ok) << c.days;
    if (!c.ok) {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(Fields(s), ElementsAreArray({"protection_days"}));
    }
  }
}

struct ClassifyCase {
  const char* name;
  Day as_of;
  int lapsing_within;
  ProtectionStanding want;
  int want_days_left;
};

TEST(Protection, ClassifyLapsingSoon) {
  // Last follow-up Mar 1, window 7 → protected_until Mar 8;
  // days_left = Mar 8 - as_of; lapsing soon when days_left < k.
  const ClassifyCase cases[] = {
      // k = 1: only the last protected day (Mar 8: 0 < 1).
      {"k1_last_day", Day(2026, 3, 8), 1, ProtectionStanding::kLapsingSoon, 0},
      {"k1_day_before", Day(2026, 3, 7), 1, ProtectionStanding::kProtected, 1},
      // k = 3: Mar 6 (2 < 3) soon, Mar 5 (3 < 3 false) not.
      {"k3_mar6", Day(2026, 3, 6), 3, ProtectionStanding::kLapsingSoon, 2},
      {"k3_mar5", Day(2026, 3, 5), 3, ProtectionStanding::kProtected, 3},
      // k = 0: no filter, never "soon".
      {"k0_last_day", Day(2026, 3, 8), 0, ProtectionStanding::kProtected, 0},
      // Day 8 lapses whatever k is: days_left = -1.
      {"k3_day8", Day(2026, 3, 9), 3, ProtectionStanding::kLapsed, -1},
      {"k0_day8", Day(2026, 3, 9), 0, ProtectionStanding::kLapsed, -1},
      // Mar 20: 8 - 20 = -12.
      {"long_gone", Day(2026, 3, 20), 7, ProtectionStanding::kLapsed, -12},
      // The follow-up day itself with k = 8: 7 < 8 → soon.
      {"k8_day0", Day(2026, 3, 1), 8, ProtectionStanding::kLapsingSoon, 7},
  };
  for (const auto& c : cases) {
    SALES_ASSERT_OK_AND_ASSIGN(ProtectionView v, ClassifyProtection(Day(2026, 3, 1), 7, c.as_of, c.lapsing_within));
    EXPECT_EQ(v.standing, c.want) << c.name;
    EXPECT_EQ(v.days_left, c.want_days_left) << c.name;
    EXPECT_EQ(v.protected_until, Day(2026, 3, 8)) << c.name;
  }
}

TEST(Protection, ClassifyRefusesBadInput) {
  // Window 0, k 91 and as_of before the follow-up: three violations at once.
  const auto r = ClassifyProtection(Day(2026, 3, 5), 0, Day(2026, 3, 4), 91);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(r.status()), ElementsAreArray({"protection_days", "lapsing_within_days", "as_of"}));
  EXPECT_THAT(ClassifyProtection(Day(2026, 3, 5), 7, Day(2026, 3, 5), 90), IsOk());
}

TEST(Protection, ToProtectionState) {
  EXPECT_EQ(ToProtectionState(ProtectionStanding::kProtected), v1::PROTECTION_STATE_PROTECTED);
  EXPECT_EQ(ToProtectionState(ProtectionStanding::kLapsingSoon), v1::PROTECTION_STATE_PROTECTED);
  EXPECT_EQ(ToProtectionState(ProtectionStanding::kLapsed), v1::PROTECTION_STATE_IN_POOL);
}

// ---------------------------------------------------------------------------
// ResolveCreditedRep.

constexpr int64_t kA = 101, kB = 102, kC = 103, kD = 104;

// Rep A registers on Mar 1 at 10:00 local (02:00Z); last follow-up Mar 1, so
// protected through Mar 8. The sweep for Mar 9 runs Mar 9 01:00 local
// (Mar 8 17:00Z) and moves it to the pool; rep C claims it on Mar 12 at
// 11:00 local (03:00Z).
std::vector<OwnershipInterval> LapseThenClaimHistory() {
  return {
      {kA, Utc(2026, 3, 1, 2, 0), Utc(2026, 3, 8, 17, 0), v1::OWNERSHIP_CHANGE_KIND_REGISTERED},
      {0, Utc(2026, 3, 8, 17, 0), Utc(2026, 3, 12, 3, 0), v1::OWNERSHIP_CHANGE_KIND_LAPSED},
      {kC, Utc(2026, 3, 12, 3, 0), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_CLAIMED},
  };
}

// Rep A registers Mar 1 (02:00Z), first purchase on Mar 5 makes it an
// account; a manager transfers it to D on Apr 1 at 14:00 local (06:00Z).
std::vector<OwnershipInterval> TransferHistory() {
  return {
      {kA, Utc(2026, 3, 1, 2, 0), Utc(2026, 4, 1, 6, 0), v1::OWNERSHIP_CHANGE_KIND_REGISTERED},
      {kD, Utc(2026, 4, 1, 6, 0), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_TRANSFERRED},
  };
}

struct CreditCase {
  const char* name;
  std::vector<OwnershipInterval> history;
  Day order_date;
  int64_t taking;
  std::optional<Day> first_purchase;
  bool family;
  int64_t want_credited;
  int64_t want_owner;
  bool want_collision;
  v1::CreditBasis want_basis;
};

TEST(Credit, ResolveCreditedRep) {
  const std::vector<CreditCase> cases = {
      // During protection, B takes the order: A is credited, 撞单.
      {"protected_non_owner", LapseThenClaimHistory(), Day(2026, 3, 5), kB, std::nullopt, false, kA, kA, true,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // The owner takes it himself: no collision.
      {"protected_owner", LapseThenClaimHistory(), Day(2026, 3, 5), kA, std::nullopt, false, kA, kA, false,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // Mar 8, day 7, the last protected day: still A's.
      {"last_protected_day", LapseThenClaimHistory(), Day(2026, 3, 8), kB, std::nullopt, false, kA, kA, true,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // Mar 9, day 8: lapsed into the pool (swept Mar 9 01:00 local), B
      // takes it and is credited; no collision.
      {"after_lapse", LapseThenClaimHistory(), Day(2026, 3, 9), kB, std::nullopt, false, kB, 0, false,
       v1::CREDIT_BASIS_TAKING_REP},
      {"in_pool", LapseThenClaimHistory(), Day(2026, 3, 11), kB, std::nullopt, false, kB, 0, false,
       v1::CREDIT_BASIS_TAKING_REP},
      // Mar 12: C claimed at 11:00 local, an order that day by B is C's.
      {"claim_day", LapseThenClaimHistory(), Day(2026, 3, 12), kB, std::nullopt, false, kC, kC, true,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // Before registration (Feb 28): nobody owned it, the taker is credited.
      {"before_registration", LapseThenClaimHistory(), Day(2026, 2, 28), kB, std::nullopt, false, kB, 0, false,
       v1::CREDIT_BASIS_TAKING_REP},
      {"empty_history", {}, Day(2026, 3, 5), kB, std::nullopt, false, kB, 0, false, v1::CREDIT_BASIS_TAKING_REP},
      // Transfer: Mar 31 still A's account (first purchase Mar 5 < Mar 31).
      {"account_before_transfer", TransferHistory(), Day(2026, 3, 31), kA, Day(2026, 3, 5), false, kA, kA, false,
       v1::CREDIT_BASIS_ACCOUNT_OWNER},
      // Transfer day Apr 1 (14:00 local): the end-of-day owner D is
      // credited even though A took the order: a collision.
      {"transfer_day", TransferHistory(), Day(2026, 4, 1), kA, Day(2026, 3, 5), false, kD, kD, true,
       v1::CREDIT_BASIS_ACCOUNT_OWNER},
      {"after_transfer", TransferHistory(), Day(2026, 4, 2), kD, Day(2026, 3, 5), false, kD, kD, false,
       v1::CREDIT_BASIS_ACCOUNT_OWNER},
      {"after_transfer_old_rep", TransferHistory(), Day(2026, 4, 20), kA, Day(2026, 3, 5), false, kD, kD, true,
       v1::CREDIT_BASIS_ACCOUNT_OWNER},
      // The first-purchase day itself is still the prospect's order.
      {"first_purchase_day", TransferHistory(), Day(2026, 3, 5), kB, Day(2026, 3, 5), false, kA, kA, true,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // Through a family link: the primary's owner, basis FAMILY.
      {"family_link", TransferHistory(), Day(2026, 3, 10), kB, std::nullopt, true, kA, kA, true,
       v1::CREDIT_BASIS_FAMILY_PRIMARY_OWNER},
      // Registered at 15:59Z = Mar 1 23:59 local: an order on Mar 1 is A's.
      {"registered_2359_local",
       {{kA, Utc(2026, 3, 1, 15, 59), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_REGISTERED}},
       Day(2026, 3, 1),
       kB,
       std::nullopt,
       false,
       kA,
       kA,
       true,
       v1::CREDIT_BASIS_PROTECTING_OWNER},
      // Registered at 16:01Z = Mar 2 00:01 local: on Mar 1 nobody owned it.
      {"registered_0001_local",
       {{kA, Utc(2026, 3, 1, 16, 1), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_REGISTERED}},
       Day(2026, 3, 1),
       kB,
       std::nullopt,
       false,
       kB,
       0,
       false,
       v1::CREDIT_BASIS_TAKING_REP},
  };
  for (const auto& c : cases) {
    CreditQuery q;
    q.history = c.history;
    q.order_date = c.order_date;
    q.taking_rep_id = c.taking;
    q.first_purchase_date = c.first_purchase;
    q.via_family_link = c.family;
    SALES_ASSERT_OK_AND_ASSIGN(CreditResolution r, ResolveCreditedRep(q));
    EXPECT_EQ(r.credited_rep_id, c.want_credited) << c.name;
    EXPECT_EQ(r.owner_rep_id, c.want_owner) << c.name;
    EXPECT_EQ(r.collision, c.want_collision) << c.name;
    EXPECT_EQ(r.basis, c.want_basis) << c.name;
  }
}

TEST(Credit, OwnerAtBoundariesAndTies) {
  const auto h = LapseThenClaimHistory();
  // from is inclusive, to exclusive: at 17:00Z on Mar 8 the pool has it.
  EXPECT_EQ(OwnerAt(h, Utc(2026, 3, 8, 17, 0) - absl::Microseconds(1)), kA);
  EXPECT_EQ(OwnerAt(h, Utc(2026, 3, 8, 17, 0)), 0);
  EXPECT_EQ(OwnerAt(h, Utc(2026, 3, 12, 3, 0)), kC);
  EXPECT_EQ(OwnerAt(h, Utc(2026, 3, 1, 1, 59)), 0);
  // Two open intervals from the same microsecond: the later record (higher
  // id) wins, as effective_time ties are decided by id.
  const std::vector<OwnershipInterval> tie = {
      {kA, Utc(2026, 3, 1, 2, 0), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_REGISTERED},
      {kB, Utc(2026, 3, 1, 2, 0), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_REASSIGNED},
  };
  EXPECT_EQ(OwnerAt(tie, Utc(2026, 3, 1, 2, 0)), kB);
}

TEST(Credit, RefusesBadInput) {
  CreditQuery q;
  q.history = {
      {-1, Utc(2026, 3, 1, 2, 0), std::nullopt, v1::OWNERSHIP_CHANGE_KIND_REGISTERED},
      // to == from: an empty interval.
      {kA, Utc(2026, 3, 2, 2, 0), Utc(2026, 3, 2, 2, 0), v1::OWNERSHIP_CHANGE_KIND_CLAIMED},
  };
  q.order_date = Day(1899, 12, 31);
  q.taking_rep_id = 0;
  const auto r = ResolveCreditedRep(q);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(r.status()),
              ElementsAreArray({"taking_rep_id", "history[0].rep_id", "history[1].to", "order_date"}));
}

// ---------------------------------------------------------------------------
// Referrals.

TEST(Referral, CountsOnlyWhenRegisteredBeforeTheVisit) {
  const absl::Time visit = Utc(2026, 3, 1, 2, 0);
  const struct {
    const char* name;
    absl::Time registered;
    bool already_customer;
    bool want;
  } cases[] = {
      {"day_before", visit - absl::Hours(24), false, true},
      {"one_second_before", visit - absl::Seconds(1), false, true},
      {"same_instant", visit, false, false},  // not "先行"
      {"after_visit", visit + absl::Minutes(5), false, false},
      {"already_customer", visit - absl::Hours(24), true, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ReferralCounts(c.registered, visit, c.already_customer), c.want) << c.name;
    EXPECT_EQ(ReferralOutcome(c.registered, visit, c.already_customer),
              c.want ? v1::REFERRAL_STATUS_COUNTED : v1::REFERRAL_STATUS_NOT_COUNTED)
        << c.name;
  }
  EXPECT_EQ(ReferralOutcome(visit, std::nullopt, false), v1::REFERRAL_STATUS_PENDING);
  EXPECT_EQ(ReferralOutcome(visit, std::nullopt, true), v1::REFERRAL_STATUS_NOT_COUNTED);
}

// ---------------------------------------------------------------------------
// Visit plans.

struct DueCase {
  v1::CustomerType type;
  std::optional<Day> want;
};

TEST(Visits, EveryTypesDueDateFromJan31) {
  // Last visit 2026-01-31 (2026 is not a leap year, February has 28 days).
  const DueCase cases[] = {
      // KA 1/7: + 7 = Feb 7.
      {v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 2, 7)},
      // A 2/21: + floor(21 / 2) = + 10 = Feb 10.
      {v1::CUSTOMER_TYPE_OUTLET_A, Day(2026, 2, 10)},
      // B, C, community station, distributor 1/30: + 28 = Feb 28, + 2 = Mar 2.
      {v1::CUSTOMER_TYPE_OUTLET_B, Day(2026, 3, 2)},
      {v1::CUSTOMER_TYPE_OUTLET_C, Day(2026, 3, 2)},
      {v1::CUSTOMER_TYPE_COMMUNITY_STATION, Day(2026, 3, 2)},
      {v1::CUSTOMER_TYPE_DISTRIBUTOR, Day(2026, 3, 2)},
      // Wholesaler 1/60: + 28 = Feb 28, + 31 = Mar 31, + 1 = Apr 1.
      {v1::CUSTOMER_TYPE_WHOLESALER, Day(2026, 4, 1)},
      // End customers and unset types need no visits.
      {v1::CUSTOMER_TYPE_END_CUSTOMER, std::nullopt},
      {v1::CUSTOMER_TYPE_UNSPECIFIED, std::nullopt},
  };
  for (const auto& c : cases) {
    SALES_ASSERT_OK_AND_ASSIGN(std::optional<Day> due,
                               NextVisitDue(c.type, Day(2026, 1, 31), Day(2026, 1, 1), DefaultVisitRules()));
    EXPECT_EQ(due, c.want) << v1::CustomerType_Name(c.type);
  }
}

TEST(Visits, ClassAIntervalKeepsTwoVisitsInEvery21DayWindow) {
  // Why 10 and not 11: with visits every s days from day 0, count the visits
  // in every window [w, w + 20] for w = 1..100.
  const auto min_in_window = [](int stride) {
    int min_count = 1000;
    for (int w = 1; w <= 100; ++w) {
      int n = 0;
      for (int v = 0; v <= 200; v += stride) n += (v >= w && v <= w + 20) ? 1 : 0;
      min_count = std::min(min_count, n);
    }
    return min_count;
  };
  // The rules must outlive the pointer into them (ASan caught a temporary).
  const VisitRules rules = DefaultVisitRules();
  const VisitRule* a = FindVisitRule(rules, v1::CUSTOMER_TYPE_OUTLET_A);
  ASSERT_NE(a, nullptr);
  const int stride = static_cast<int>(DueAfter(Day(2026, 1, 1), *a) - Day(2026, 1, 1));
  EXPECT_EQ(stride, 10);
  EXPECT_GE(min_in_window(stride), 2);  // days 10 and 20 fall in [1, 21]
  EXPECT_EQ(min_in_window(11), 1);      // only day 11 falls in [1, 21]
}

TEST(Visits, NeverVisitedAndTakenOver) {
  const VisitRules rules = DefaultVisitRules();
  // Never visited, registered Mar 1: KA due Mar 8.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, std::nullopt, Day(2026, 3, 1), rules),
            std::optional<Day>(Day(2026, 3, 8)));
  // Previous owner's visit Feb 20, taken over Mar 1: counted from Mar 1.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 2, 20), Day(2026, 3, 1), rules),
            std::optional<Day>(Day(2026, 3, 8)));
  // Visited Mar 3 after taking over: Mar 3 + 7 = Mar 10.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 3, 3), Day(2026, 3, 1), rules),
            std::optional<Day>(Day(2026, 3, 10)));
}

TEST(Visits, AddMonthsClampsToMonthEnd) {
  const struct {
    Day from;
    int months;
    Day want;
  } cases[] = {
      {Day(2026, 1, 31), 1, Day(2026, 2, 28)},                                             // Feb 2026 has 28 days
      {Day(2024, 1, 31), 1, Day(2024, 2, 29)},                                             // leap year
      {Day(2026, 1, 30), 1, Day(2026, 2, 28)},  {Day(2026, 1, 28), 1, Day(2026, 2, 28)},   // no clamp needed
      {Day(2026, 1, 15), 1, Day(2026, 2, 15)},  {Day(2026, 3, 31), 1, Day(2026, 4, 30)},   // April has 30
      {Day(2026, 2, 28), 1, Day(2026, 3, 28)},                                             // not "end of month" sticky
      {Day(2025, 12, 31), 2, Day(2026, 2, 28)},                                            // across the year
      {Day(2026, 8, 31), 6, Day(2027, 2, 28)},  {Day(2026, 3, 31), -1, Day(2026, 2, 28)},  // backwards clamps too
      {Day(2026, 5, 31), 12, Day(2027, 5, 31)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(AddMonthsClamped(c.from, c.months), c.want) << c.from << " + " << c.months;
  }
}

TEST(Visits, CalendarMonthRules) {
  // A configuration using calendar months instead of 30/60 days.
  const VisitRules rules = {
      {v1::CUSTOMER_TYPE_OUTLET_B, 1, 0, 1},
      {v1::CUSTOMER_TYPE_WHOLESALER, 1, 0, 2},
  };
  ASSERT_THAT(ValidateVisitRules(rules), IsOk());
  // Jan 31 + 1 month → Feb 28 (end of February), not Mar 3.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_B, Day(2026, 1, 31), Day(2026, 1, 1), rules),
            std::optional<Day>(Day(2026, 2, 28)));
  // Dec 31 + 2 months → Feb 28.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_WHOLESALER, Day(2025, 12, 31), Day(2025, 1, 1), rules),
            std::optional<Day>(Day(2026, 2, 28)));
  // KA has no rule in this table: no visits required.
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 1, 31), Day(2026, 1, 1), rules), std::nullopt);
}

struct ClassifyVisitCase {
  const char* name;
  v1::CustomerType type;
  std::optional<Day> last;
  Day since;
  Day as_of;
  int look_ahead;
  VisitStanding want;
  std::optional<Day> want_due;
  int want_overdue;
  v1::VisitDueStatus want_status;
};

TEST(Visits, ClassifyDueOverdueOk) {
  constexpr auto kKA = v1::CUSTOMER_TYPE_OUTLET_KA;
  constexpr auto kW = v1::CUSTOMER_TYPE_WHOLESALER;
  const Day since(2026, 1, 1);
  const ClassifyVisitCase cases[] = {
      // KA visited Mar 1 → due Mar 8.
      // as_of Mar 1, look-ahead 7: 8 - 1 = 7 <= 7 → due.
      {"ka_lookahead_edge", kKA, Day(2026, 3, 1), since, Day(2026, 3, 1), 7, VisitStanding::kDue, Day(2026, 3, 8), 0,
       v1::VISIT_DUE_STATUS_DUE},
      // Look-ahead 6: 7 > 6 → OK, not listed.
      {"ka_beyond_lookahead", kKA, Day(2026, 3, 1), since, Day(2026, 3, 1), 6, VisitStanding::kOk, Day(2026, 3, 8), 0,
       v1::VISIT_DUE_STATUS_UNSPECIFIED},
      // The due day itself: due, 0 days overdue.
      {"ka_due_day", kKA, Day(2026, 3, 1), since, Day(2026, 3, 8), 0, VisitStanding::kDue, Day(2026, 3, 8), 0,
       v1::VISIT_DUE_STATUS_DUE},
      // Mar 9 - Mar 8 = 1 day overdue.
      {"ka_one_day_late", kKA, Day(2026, 3, 1), since, Day(2026, 3, 9), 7, VisitStanding::kOverdue, Day(2026, 3, 8), 1,
       v1::VISIT_DUE_STATUS_OVERDUE},
      // Mar 20 - Mar 8 = 12.
      {"ka_12_days_late", kKA, Day(2026, 3, 1), since, Day(2026, 3, 20), 7, VisitStanding::kOverdue, Day(2026, 3, 8),
       12, v1::VISIT_DUE_STATUS_OVERDUE},
      // Wholesaler visited Jan 31 → due Apr 1. Mar 25: 7 days ahead → due.
      {"w_due", kW, Day(2026, 1, 31), since, Day(2026, 3, 25), 7, VisitStanding::kDue, Day(2026, 4, 1), 0,
       v1::VISIT_DUE_STATUS_DUE},
      // Mar 24: 8 days ahead → OK.
      {"w_ok", kW, Day(2026, 1, 31), since, Day(2026, 3, 24), 7, VisitStanding::kOk, Day(2026, 4, 1), 0,
       v1::VISIT_DUE_STATUS_UNSPECIFIED},
      // Apr 30 - Apr 1 = 29 days overdue.
      {"w_overdue", kW, Day(2026, 1, 31), since, Day(2026, 4, 30), 7, VisitStanding::kOverdue, Day(2026, 4, 1), 29,
       v1::VISIT_DUE_STATUS_OVERDUE},
      // Never visited since Mar 1: due Mar 8; Mar 10 is 2 days late.
      {"never_visited_late", kKA, std::nullopt, Day(2026, 3, 1), Day(2026, 3, 10), 7, VisitStanding::kOverdue,
       Day(2026, 3, 8), 2, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      {"never_visited_due", kKA, std::nullopt, Day(2026, 3, 1), Day(2026, 3, 3), 7, VisitStanding::kDue,
       Day(2026, 3, 8), 0, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      // Only the previous owner's visit (Feb 20 < since Mar 1): never
      // visited by the new rep; due Mar 8, Mar 9 is 1 day late.
      {"taken_over", kKA, Day(2026, 2, 20), Day(2026, 3, 1), Day(2026, 3, 9), 7, VisitStanding::kOverdue,
       Day(2026, 3, 8), 1, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      // End customer: nothing required, whatever the dates.
      {"end_customer", v1::CUSTOMER_TYPE_END_CUSTOMER, std::nullopt, since, Day(2026, 12, 31), 7,
       VisitStanding::kNotRequired, std::nullopt, 0, v1::VISIT_DUE_STATUS_UNSPECIFIED},
  };
  for (const auto& c : cases) {
    SALES_ASSERT_OK_AND_ASSIGN(VisitDueView v,
                               ClassifyVisit(c.type, c.last, c.since, c.as_of, c.look_ahead, DefaultVisitRules()));
    EXPECT_EQ(v.standing, c.want) << c.name;
    EXPECT_EQ(v.due_date, c.want_due) << c.name;
    EXPECT_EQ(v.days_overdue, c.want_overdue) << c.name;
    EXPECT_EQ(v.status, c.want_status) << c.name;
  }
}

TEST(Visits, RulesFromSettingsProtoMatchDefaults) {
  v1::CustomersSettings settings;
  for (const VisitRule& r : DefaultVisitRules()) {
    v1::VisitFrequencyRule* p = settings.add_visit_rules();
    p->set_customer_type(r.type);
    p->set_visits_required(r.visits_required);
    p->set_period_days(r.period_days);
  }
  const VisitRules back = VisitRulesFromProto(settings.visit_rules());
  const VisitRules defaults = DefaultVisitRules();
  ASSERT_EQ(back.size(), defaults.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].type, defaults[i].type);
    EXPECT_EQ(back[i].visits_required, defaults[i].visits_required);
    EXPECT_EQ(back[i].period_days, defaults[i].period_days);
    EXPECT_EQ(back[i].period_months, 0);
  }
  EXPECT_THAT(ValidateVisitRules(back), IsOk());
}

TEST(Visits, ConfiguredRuleChangesTheDueDate) {
  // A configured table: KA twice a week (2/7 → floor(7 / 2) = 3 days).
  const VisitRules rules = {{v1::CUSTOMER_TYPE_OUTLET_KA, 2, 7, 0}};
  EXPECT_EQ(*NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 3, 1), Day(2026, 1, 1), rules),
            std::optional<Day>(Day(2026, 3, 4)));
}

TEST(Visits, RefusesBadRules) {
  const VisitRules rules = {
      {v1::CUSTOMER_TYPE_OUTLET_KA, 1, 7, 0},            // [0] fine
      {v1::CUSTOMER_TYPE_OUTLET_KA, 1, 7, 0},            // [1] duplicate type
      {v1::CUSTOMER_TYPE_UNSPECIFIED, 1, 7, 0},          // [2] no type
      {v1::CUSTOMER_TYPE_OUTLET_A, 1, 21, 1},            // [3] both periods
      {v1::CUSTOMER_TYPE_OUTLET_B, 1, 0, 0},             // [4] no period
      {v1::CUSTOMER_TYPE_OUTLET_C, 0, 30, 0},            // [5] zero visits
      {v1::CUSTOMER_TYPE_DISTRIBUTOR, 2, 0, 1},          // [6] k > 1 with months
      {v1::CUSTOMER_TYPE_WHOLESALER, 8, 7, 0},           // [7] more visits than days
      {v1::CUSTOMER_TYPE_COMMUNITY_STATION, 1, 367, 0},  // [8] too long
      {v1::CUSTOMER_TYPE_END_CUSTOMER, 1, 0, 13},        // [9] too many months
  };
  const absl::Status s = ValidateVisitRules(rules);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(s), ElementsAreArray({
                             "visit_rules[1].customer_type",
                             "visit_rules[2].customer_type",
                             "visit_rules[3].period_days",
                             "visit_rules[4].period_days",
                             "visit_rules[5].visits_required",
                             "visit_rules[6].visits_required",
                             "visit_rules[7].visits_required",
                             "visit_rules[8].period_days",
                             "visit_rules[9].period_months",
                         }));
  EXPECT_THAT(NextVisitDue(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 3, 1), Day(2026, 1, 1), rules),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Visits, ClassifyRefusesBadInput) {
  // Look-ahead 31 and a visit after as_of.
  const auto r = ClassifyVisit(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 3, 10), Day(2026, 1, 1), Day(2026, 3, 9), 31,
                               DefaultVisitRules());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(r.status()), ElementsAreArray({"look_ahead_days", "last_visit_date"}));
  EXPECT_THAT(ClassifyVisit(v1::CUSTOMER_TYPE_OUTLET_KA, Day(2026, 3, 9), Day(2026, 1, 1), Day(2026, 3, 9), 30,
                            DefaultVisitRules()),
              IsOk());
}

}  // namespace
}  // namespace sales::customers
