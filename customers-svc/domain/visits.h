// Visit plans (domain.md §4 "Visit plans"; seed 000 销售主管查店、拜访制度):
// the required visit frequency per customer type, the next due date and the
// due/overdue classification as of a date. Pure: dates are arguments.
//
// Decisions, stated once:
//   - A rule "k visits per P days" (settings.proto VisitFrequencyRule) is
//     read as "at least k visits in every window of P consecutive days". The
//     longest gap that guarantees it from the last visit alone is
//     floor(P / k) days, so the next visit is due on last + floor(P / k):
//     KA 1/7 → 7, class A 2/21 → 10 (visits 11 days apart would leave
//     the window day 1..21 with one visit only), B/C/community/distributor
//     1/30 → 30, wholesaler 1/60 → 60.
//   - The defaults are the ones settings.proto documents (monthly = 30
//     days, every two months = 60 days), because that is the stored
//     contract. A rule may instead use calendar months (period_months, only
//     with k = 1): last + n months, clamped to the month's end
//     (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year).
//   - End customers (and UNSPECIFIED) have no rule: no visits are required
//     (settings.proto: "types without a rule need no visits").
//   - Never visited: due on since_day + interval, where since_day is the day
//     the customer became the rep's (registration, claim or transfer).
//   - The due day itself is DUE, not overdue; overdue counts the days after
//     it (as_of = due + 3 → 3 days overdue).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/follow_up.pb.h"

namespace sales::customers {

// settings.proto visit_look_ahead_days: 0..30, default 7.
inline constexpr int kDefaultVisitLookAheadDays = 7;
inline constexpr int kMaxVisitLookAheadDays = 30;
// Bounds of one rule, generous but keeping day arithmetic trivially safe.
inline constexpr int kMaxVisitPeriodDays = 366;
inline constexpr int kMaxVisitPeriodMonths = 12;

struct VisitRule {
  v1::CustomerType type = v1::CUSTOMER_TYPE_UNSPECIFIED;
  int visits_required = 1;  // k >= 1
  // Exactly one of the two is > 0.
  int period_days = 0;    // P in days
  int period_months = 0;  // calendar months; only with visits_required = 1
};

using VisitRules = std::vector<VisitRule>;

// KA 1/7, A 2/21, B 1/30, C 1/30, community station 1/30, distributor 1/30,
// wholesaler 1/60; no rule for end customers.
VisitRules DefaultVisitRules();

// From the settings' repeated VisitFrequencyRule (days only). Not validated:
// pass the result to ValidateVisitRules.
VisitRules VisitRulesFromProto(const google::protobuf::RepeatedPtrField<v1::VisitFrequencyRule>& rules);

// INVALID_ARGUMENT with one violation per offending field, named
// "visit_rules[i].customer_type" (UNSPECIFIED, or the same type twice),
// "visit_rules[i].visits_required" (< 1, more visits than days, or > 1 with
// months), "visit_rules[i].period_days" (neither or both periods set, or
// not 1..366), "visit_rules[i].period_months" (not 1..12).
absl::Status ValidateVisitRules(const VisitRules& rules);

// The rule for a type; nullptr when the type needs no visits.
const VisitRule* FindVisitRule(const VisitRules& rules, v1::CustomerType type);

// day + months, clamped to the last day of the target month.
absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months);

// The day the next visit is due after `from` under `rule`: from +
// floor(P / k) days, or from + n calendar months (clamped).
absl::CivilDay DueAfter(absl::CivilDay from, const VisitRule& rule);

// The next visit's due date, counted from max(last visit, since_day): a
// customer taken over keeps the previous rep's visits, but the new rep is
// not overdue for days before the customer became theirs. nullopt when the
// type needs no visits. INVALID_ARGUMENT with the rules' violations when
// the rules are not valid.
absl::StatusOr<std::optional<absl::CivilDay>> NextVisitDue(v1::CustomerType type,
                                                           std::optional<absl::CivilDay> last_visit,
                                                           absl::CivilDay since_day, const VisitRules& rules);

enum class VisitStanding {
  kNotRequired,  // no rule for the type
  kOk,           // due later than the look-ahead
  kDue,          // as_of <= due <= as_of + look_ahead
  kOverdue,      // due < as_of
};

struct VisitDueView {
  VisitStanding standing = VisitStanding::kNotRequired;
  std::optional<absl::CivilDay> due_date;  // unset when not required
  // as_of - due when overdue, else 0 (VisitDue.days_overdue).
  int days_overdue = 0;
  // VisitDue.status: DUE / OVERDUE, or NEVER_VISITED instead of either when
  // there is no visit on or after since_day (an earlier visit was the
  // previous owner's); UNSPECIFIED when OK or not required (not listed).
  v1::VisitDueStatus status = v1::VISIT_DUE_STATUS_UNSPECIFIED;
};

// Classifies one customer as of a date (due date as in NextVisitDue).
// INVALID_ARGUMENT with field violations "look_ahead_days" (0..30),
// "as_of" / "since_day" / "last_visit_date" (year outside 1900..9999),
// "last_visit_date" (after as_of), and the rules' violations.
absl::StatusOr<VisitDueView> ClassifyVisit(v1::CustomerType type, std::optional<absl::CivilDay> last_visit,
                                           absl::CivilDay since_day, absl::CivilDay as_of, int look_ahead_days,
                                           const VisitRules& rules);

// Visits `rule` requires over the days [from, to] (both inclusive), for the
// compliance report: floor(k * D / P) for D days (a 31-day month needs one
// monthly visit, four weekly ones, two of "2 per 21 days"); for a
// calendar-month rule, one per whole n-month step that fits. 0 when to <
// from.
int VisitsRequiredOver(const VisitRule& rule, absl::CivilDay from, absl::CivilDay to);

// made / required in basis points, capped at 10000; 10000 when nothing was
// required (VisitComplianceRow.compliance_bp).
int32_t ComplianceBp(int64_t made, int64_t required);

}  // namespace sales::customers
