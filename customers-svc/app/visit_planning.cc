#include "customers-svc/app/visit_planning.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/store/settings_store.h"
#include "customers-svc/store/visit_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// Reps of a unit's subtree (rep → unit); NOT_FOUND for a unit unknown to a
// populated org copy.
absl::StatusOr<std::map<int64_t, int64_t>> RepsOfUnit(db::Transaction& tx, int64_t unit) {
  SALES_ASSIGN_OR_RETURN(auto units, OrgReplica::Subtree(tx, unit));
  if (units.empty()) {
    SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
    if (known) return NotFound("org unit", unit);
    return std::map<int64_t, int64_t>();
  }
  return VisitStore::RepsOfUnits(tx, false, units);
}

}  // namespace

absl::StatusOr<Compliance> ComputeCompliance(db::Transaction& tx, const std::map<int64_t, int64_t>& reps,
                                             const Span& span, absl::CivilDay today, const VisitRules& rules) {
  Compliance out;
  for (const auto& [rep, unit] : reps) {
    auto& row = out.by_rep[rep];
    row.set_rep_id(rep);
    row.set_org_unit_id(unit);
  }
  const absl::CivilDay end = std::min(span.end, today);
  std::vector<int64_t> rep_ids;
  for (const auto& [rep, unit] : reps) rep_ids.push_back(rep);
  if (end >= span.start && !rep_ids.empty()) {
    SALES_ASSIGN_OR_RETURN(auto customers, VisitStore::PlanCustomers(tx, rep_ids, end));
    SALES_ASSIGN_OR_RETURN(auto visits, VisitStore::VisitsBetween(tx, rep_ids, span.start, end));
    for (const PlanCustomer& c : customers) {
      const VisitRule* rule = FindVisitRule(rules, c.type);
      if (rule == nullptr) continue;
      const absl::CivilDay from = std::max(span.start, c.since_day);
      const int required = VisitsRequiredOver(*rule, from, end);
      int made = 0;
      if (auto it = visits.find(c.id); it != visits.end()) {
        for (absl::CivilDay d : it->second) made += d >= from ? 1 : 0;
      }
      made = std::min(made, required);
      SALES_ASSIGN_OR_RETURN(VisitDueView view, ClassifyVisit(c.type, c.last_visit, c.since_day, end, 0, rules));
      auto& row = out.by_rep[c.owner_rep_id];
      row.set_customers_in_plan(row.customers_in_plan() + 1);
      row.set_visits_required(row.visits_required() + required);
      row.set_visits_made(row.visits_made() + made);
      if (view.standing == VisitStanding::kOverdue) row.set_overdue_customers(row.overdue_customers() + 1);
      auto& t = out.by_type[c.type];
      t.set_customer_type(c.type);
      t.set_visits_required(t.visits_required() + required);
      t.set_visits_made(t.visits_made() + made);
    }
  }
  for (auto& [rep, row] : out.by_rep) {
    row.set_compliance_bp(ComplianceBp(row.visits_made(), row.visits_required()));
    out.total.set_customers_in_plan(out.total.customers_in_plan() + row.customers_in_plan());
    out.total.set_visits_required(out.total.visits_required() + row.visits_required());
    out.total.set_visits_made(out.total.visits_made() + row.visits_made());
    out.total.set_overdue_customers(out.total.overdue_customers() + row.overdue_customers());
  }
  for (auto& [type, t] : out.by_type) t.set_compliance_bp(ComplianceBp(t.visits_made(), t.visits_required()));
  out.total.set_compliance_bp(ComplianceBp(out.total.visits_made(), out.total.visits_required()));
  return out;
}

absl::StatusOr<v1::ListVisitsDueResponse> VisitPlanning::VisitsDue(db::Transaction& tx, const CallContext& call,
                                                                   const v1::ListVisitsDueRequest& request, int page,
                                                                   int64_t offset) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  std::map<int64_t, int64_t> reps;
  if (request.org_unit_id() != 0) {
    if (!v.SeesUnit(request.org_unit_id())) return Denied(v, "list the visits of another unit");
    SALES_ASSIGN_OR_RETURN(reps, RepsOfUnit(tx, request.org_unit_id()));
    if (request.rep_id() != 0) {
      auto it = reps.find(request.rep_id());
      if (it == reps.end()) return InvalidField("rep_id", "not a rep of org_unit_id");
      reps = {{it->first, it->second}};
    }
  } else {
    const int64_t rep = request.rep_id() != 0 ? request.rep_id() : v.principal.rep_id;
    if (rep == 0) return InvalidField("rep_id", "required when the caller is not a rep (or set org_unit_id)");
    SALES_ASSIGN_OR_RETURN(auto info, KnownRep(tx, rep));
    const int64_t unit = info.has_value() ? info->org_unit_id : 0;
    if (rep != v.principal.rep_id && !v.SeesUnit(unit)) return Denied(v, "list another rep's visits");
    reps[rep] = unit;
  }
  SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
  const VisitRules rules = VisitRulesFromProto(settings.visit_rules());
  const int look_ahead = request.look_ahead_days() != 0 ? request.look_ahead_days() : settings.visit_look_ahead_days();
  const absl::CivilDay as_of = ToCivilDay(request.as_of());
  std::vector<int64_t> rep_ids;
  for (const auto& [r, u] : reps) rep_ids.push_back(r);
  SALES_ASSIGN_OR_RETURN(auto customers, VisitStore::PlanCustomers(tx, rep_ids, as_of));
  std::vector<v1::VisitDue> due;
  v1::ListVisitsDueResponse out;
  for (const PlanCustomer& c : customers) {
    // A visit dated after as_of does not exist yet as of that date
    // (PlanCustomers only reads visits up to as_of).
    SALES_ASSIGN_OR_RETURN(VisitDueView view,
                           ClassifyVisit(c.type, c.last_visit, c.since_day, as_of, look_ahead, rules));
    if (view.standing != VisitStanding::kDue && view.standing != VisitStanding::kOverdue) continue;
    const bool overdue = view.standing == VisitStanding::kOverdue;
    if (overdue) {
      out.set_overdue_count(out.overdue_count() + 1);
    } else {
      out.set_due_count(out.due_count() + 1);
    }
    if (request.overdue_only() && !overdue) continue;
    v1::VisitDue d;
    d.set_customer_id(c.id);
    d.set_customer_name(c.name);
    d.set_customer_type(c.type);
    d.set_rep_id(c.owner_rep_id);
    if (c.last_visit.has_value()) *d.mutable_last_visit_date() = FromCivilDay(*c.last_visit);
    *d.mutable_due_date() = FromCivilDay(*view.due_date);
    d.set_status(view.status);
    d.set_days_overdue(view.days_overdue);
    d.set_city(c.city);
    due.push_back(std::move(d));
  }
  std::sort(due.begin(), due.end(), [](const v1::VisitDue& a, const v1::VisitDue& b) {
    if (a.days_overdue() != b.days_overdue()) return a.days_overdue() > b.days_overdue();
    auto da = ToCivilDay(a.due_date()), db = ToCivilDay(b.due_date());
    if (da != db) return da < db;
    return a.customer_id() < b.customer_id();
  });
  for (size_t i = static_cast<size_t>(offset); i < due.size() && i < static_cast<size_t>(offset + page); ++i) {
    *out.add_visits() = due[i];
  }
  if (static_cast<size_t>(offset + page) < due.size()) out.set_next_page_token(EncodePageToken(offset + page));
  return out;
}

absl::StatusOr<v1::GetVisitComplianceReportResponse> VisitPlanning::ComplianceReport(
    db::Transaction& tx, const CallContext& call, const v1::GetVisitComplianceReportRequest& request,
    const Span& span) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  const int64_t unit = request.org_unit_id() != 0 ? request.org_unit_id() : v.principal.org_unit_id;
  if (unit == 0) return InvalidField("org_unit_id", "required when the caller has no unit");
  if (!v.ReadsAll() && !(v.IsManager() && v.SeesUnit(unit))) {
    return Denied(v, "read the visit compliance of this unit (its manager or the director)");
  }
  SALES_ASSIGN_OR_RETURN(auto reps, RepsOfUnit(tx, unit));
  SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
  SALES_ASSIGN_OR_RETURN(auto c, ComputeCompliance(tx, reps, span, BusinessDay(clock_.Now()),
                                                   VisitRulesFromProto(settings.visit_rules())));
  v1::GetVisitComplianceReportResponse out;
  *out.mutable_dates() = RangeOf(span);
  std::vector<v1::VisitComplianceRow> rows;
  for (auto& [rep, row] : c.by_rep) rows.push_back(row);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.compliance_bp() != b.compliance_bp()) return a.compliance_bp() < b.compliance_bp();
    return a.rep_id() < b.rep_id();
  });
  for (auto& r : rows) *out.add_rows() = r;
  for (auto& [type, t] : c.by_type) *out.add_by_type() = t;
  *out.mutable_total() = c.total;
  out.mutable_total()->set_org_unit_id(unit);
  return out;
}

}  // namespace sales::customers
