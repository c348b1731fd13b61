#include "customers-svc/domain/visits.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

bool YearInRange(absl::CivilDay d) { return d.year() >= 1900 && d.year() <= 9999; }

void AppendRuleViolations(const VisitRules& rules, std::vector<FieldViolation>& out) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const VisitRule& r = rules[i];
    const std::string at = absl::StrCat("visit_rules[", i, "].");
    if (r.type == v1::CUSTOMER_TYPE_UNSPECIFIED || !v1::CustomerType_IsValid(r.type)) {
      out.push_back({at + "customer_type", "must be a customer type"});
    } else {
      for (size_t j = 0; j < i; ++j) {
        if (rules[j].type == r.type) {
          out.push_back({at + "customer_type", absl::StrCat("duplicates visit_rules[", j, "]: one rule per type")});
          break;
        }
      }
    }
    const bool days = r.period_days != 0;
    const bool months = r.period_months != 0;
    if (days == months) {
      out.push_back({at + "period_days", "set exactly one of period_days and period_months"});
    } else if (days && (r.period_days < 1 || r.period_days > kMaxVisitPeriodDays)) {
      out.push_back({at + "period_days", absl::StrCat("must be 1..", kMaxVisitPeriodDays)});
    } else if (months && (r.period_months < 1 || r.period_months > kMaxVisitPeriodMonths)) {
      out.push_back({at + "period_months", absl::StrCat("must be 1..", kMaxVisitPeriodMonths)});
    }
    if (r.visits_required < 1) {
      out.push_back({at + "visits_required", "must be >= 1"});
    } else if (months && r.visits_required != 1) {
      // Months have unequal lengths, so "k per month" has no fixed gap.
      out.push_back({at + "visits_required", "must be 1 with period_months"});
    } else if (days && r.period_days >= 1 && r.visits_required > r.period_days) {
      // The gap floor(P / k) would be 0 days: due on the day of the visit.
      out.push_back({at + "visits_required", "must not exceed period_days"});
    }
  }
}

}  // namespace

VisitRules DefaultVisitRules() {
  return {
      {v1::CUSTOMER_TYPE_OUTLET_KA, 1, 7, 0},          {v1::CUSTOMER_TYPE_OUTLET_A, 2, 21, 0},
      {v1::CUSTOMER_TYPE_OUTLET_B, 1, 30, 0},          {v1::CUSTOMER_TYPE_OUTLET_C, 1, 30, 0},
      {v1::CUSTOMER_TYPE_COMMUNITY_STATION, 1, 30, 0}, {v1::CUSTOMER_TYPE_DISTRIBUTOR, 1, 30, 0},
      {v1::CUSTOMER_TYPE_WHOLESALER, 1, 60, 0},
  };
}

VisitRules VisitRulesFromProto(const google::protobuf::RepeatedPtrField<v1::VisitFrequencyRule>& rules) {
  VisitRules out;
  out.reserve(rules.size());
  for (const v1::VisitFrequencyRule& r : rules) {
    out.push_back({r.customer_type(), r.visits_required(), r.period_days(), 0});
  }
  return out;
}

absl::Status ValidateVisitRules(const VisitRules& rules) {
  std::vector<FieldViolation> violations;
  AppendRuleViolations(rules, violations);
  if (!violations.empty()) return InvalidFields(std::move(violations));
  return absl::OkStatus();
}

const VisitRule* FindVisitRule(const VisitRules& rules, v1::CustomerType type) {
  for (const VisitRule& r : rules) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months) {
  // absl::CivilDay(y, m, 31) would roll Feb 31 over into March; clamp to the
  // target month's last day instead (the day before the next month's 1st).
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const absl::CivilDay last_of_target = absl::CivilDay(target + 1) - 1;
  return std::min(absl::CivilDay(target.year(), target.month(), day.day()), last_of_target);
}

absl::CivilDay DueAfter(absl::CivilDay from, const VisitRule& rule) {
  if (rule.period_months > 0) return AddMonthsClamped(from, rule.period_months);
  return from + rule.period_days / rule.visits_required;
}

absl::StatusOr<std::optional<absl::CivilDay>> NextVisitDue(v1::CustomerType type,
                                                           std::optional<absl::CivilDay> last_visit,
                                                           absl::CivilDay since_day, const VisitRules& rules) {
  if (absl::Status s = ValidateVisitRules(rules); !s.ok()) return s;
  const VisitRule* rule = FindVisitRule(rules, type);
  if (rule == nullptr) return std::optional<absl::CivilDay>();
  const absl::CivilDay base = last_visit.has_value() ? std::max(*last_visit, since_day) : since_day;
  return std::optional<absl::CivilDay>(DueAfter(base, *rule));
}

absl::StatusOr<VisitDueView> ClassifyVisit(v1::CustomerType type, std::optional<absl::CivilDay> last_visit,
                                           absl::CivilDay since_day, absl::CivilDay as_of, int look_ahead_days,
                                           const VisitRules& rules) {
  std::vector<FieldViolation> violations;
  if (look_ahead_days < 0 || look_ahead_days > kMaxVisitLookAheadDays) {
    violations.push_back({"look_ahead_days", absl::StrCat("must be 0..", kMaxVisitLookAheadDays, " days")});
  }
  if (!YearInRange(as_of)) violations.push_back({"as_of", "year must be 1900..9999"});
  if (!YearInRange(since_day)) violations.push_back({"since_day", "year must be 1900..9999"});
  if (last_visit.has_value() && !YearInRange(*last_visit)) {
    violations.push_back({"last_visit_date", "year must be 1900..9999"});
  } else if (last_visit.has_value() && *last_visit > as_of) {
    // Follow-ups are never dated in the future (follow_up.proto).
    violations.push_back({"last_visit_date", "must not be after as_of"});
  }
  AppendRuleViolations(rules, violations);
  if (!violations.empty()) return InvalidFields(std::move(violations));

  VisitDueView view;
  const VisitRule* rule = FindVisitRule(rules, type);
  if (rule == nullptr) return view;  // kNotRequired
  // "Never visited since it became the rep's customer" (follow_up.proto):
  // a visit before since_day was the previous owner's.
  const bool never_visited = !last_visit.has_value() || *last_visit < since_day;
  const absl::CivilDay base = never_visited ? since_day : *last_visit;
  const absl::CivilDay due = DueAfter(base, *rule);
  view.due_date = due;
  if (due < as_of) {
    view.standing = VisitStanding::kOverdue;
    view.days_overdue = static_cast<int>(as_of - due);
    view.status = never_visited ? v1::VISIT_DUE_STATUS_NEVER_VISITED : v1::VISIT_DUE_STATUS_OVERDUE;
  } else if (due - as_of <= look_ahead_days) {
    view.standing = VisitStanding::kDue;
    view.status = never_visited ? v1::VISIT_DUE_STATUS_NEVER_VISITED : v1::VISIT_DUE_STATUS_DUE;
  } else {
    view.standing = VisitStanding::kOk;
  }
  return view;
}

int VisitsRequiredOver(const VisitRule& rule, absl::CivilDay from, absl::CivilDay to) {
  if (to < from) return 0;
  if (rule.period_months > 0) {
    int steps = 0;
    // A step [from + i*n months, from + (i+1)*n months) fits when it ends by
    // `to`; bounded by the days in the range.
    while (AddMonthsClamped(from, rule.period_months * (steps + 1)) - 1 <= to) ++steps;
    return steps * rule.visits_required;
  }
  const int64_t days = static_cast<int64_t>(to - from) + 1;
  return static_cast<int>(days * rule.visits_required / rule.period_days);
}

int32_t ComplianceBp(int64_t made, int64_t required) {
  if (required <= 0) return 10000;
  if (made >= required) return 10000;
  if (made <= 0) return 0;
  return static_cast<int32_t>(made * 10000 / required);
}

}  // namespace sales::customers
