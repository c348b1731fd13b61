#include "customers-svc/app/engagement_reports.h"

#include <map>
#include <vector>

#include "customers-svc/app/viewer.h"
#include "customers-svc/app/visit_planning.h"
#include "customers-svc/store/report_store.h"
#include "customers-svc/store/rotation_store.h"
#include "customers-svc/store/settings_store.h"
#include "customers-svc/store/visit_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// Whose data a report covers: `all`, or the reps listed (rep → unit).
struct ReportScope {
  bool all = false;
  std::map<int64_t, int64_t> reps;
  std::vector<int64_t> RepIds() const {
    std::vector<int64_t> out;
    for (const auto& [r, u] : reps) out.push_back(r);
    return out;
  }
  // The store's view: whose rows to count.
  ReportReps Reps() const { return {all, RepIds()}; }
};

absl::StatusOr<ReportScope> ScopeFor(db::Transaction& tx, const Viewer& v, int64_t unit_filter, int64_t rep_filter) {
  ReportScope s;
  if (unit_filter != 0) {
    if (!v.SeesUnit(unit_filter)) return Denied(v, "report on another unit");
    SALES_ASSIGN_OR_RETURN(auto units, OrgReplica::Subtree(tx, unit_filter));
    if (units.empty()) {
      SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
      if (known) return NotFound("org unit", unit_filter);
    }
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, false, units));
  } else if (v.ReadsAll()) {
    s.all = true;
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, true, {}));
  } else if (v.IsManager()) {
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, false, v.units));
  } else if (v.principal.rep_id != 0) {
    SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, v.principal.rep_id));
    s.reps[v.principal.rep_id] = unit;
  } else {
    return Denied(v, "read sales reports");
  }
  if (rep_filter != 0) {
    const bool own = rep_filter == v.principal.rep_id;
    auto it = s.reps.find(rep_filter);
    if (it == s.reps.end() && !(own || (s.all && unit_filter == 0))) return Denied(v, "report on this rep");
    int64_t unit = it != s.reps.end() ? it->second : 0;
    if (it == s.reps.end()) {
      SALES_ASSIGN_OR_RETURN(unit, UnitOfRep(tx, rep_filter));
    }
    s.all = false;
    s.reps = {{rep_filter, unit}};
  }
  return s;
}

}  // namespace

absl::StatusOr<v1::GetRepActivityReportResponse> EngagementReports::RepActivity(
    db::Transaction& tx, const CallContext& call, const v1::GetRepActivityReportRequest& request, const Span& span) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, request.org_unit_id(), request.rep_id()));
  std::map<int64_t, v1::RepActivityRow> rows;
  for (const auto& [rep, unit] : scope.reps) {
    rows[rep].set_rep_id(rep);
    rows[rep].set_org_unit_id(unit);
  }
  auto row = [&](int64_t rep) -> v1::RepActivityRow& {
    auto& r = rows[rep];
    r.set_rep_id(rep);
    return r;
  };
  const ReportReps reps = scope.Reps();
  SALES_ASSIGN_OR_RETURN(auto follow_ups, ReportStore::FollowUpsByRep(tx, reps, span.start, span.end));
  for (const auto& c : follow_ups) {
    auto& x = row(c.rep_id);
    x.set_visits(static_cast<int32_t>(c.visits));
    x.set_phone_follow_ups(static_cast<int32_t>(c.phone));
    x.set_other_follow_ups(static_cast<int32_t>(c.other));
    x.set_customers_followed_up(static_cast<int32_t>(c.customers));
  }
  // New customers and claims for the receiving rep; lapses against the
  // rep who lost the customer.
  SALES_ASSIGN_OR_RETURN(auto gains, ReportStore::GainsByRep(tx, reps, span.start, span.end));
  for (const auto& g : gains) {
    row(g.rep_id).set_new_customers(static_cast<int32_t>(g.new_customers));
    row(g.rep_id).set_claims(static_cast<int32_t>(g.claims));
  }
  SALES_ASSIGN_OR_RETURN(auto lapses, ReportStore::LapsesByRep(tx, reps, span.start, span.end));
  for (const auto& c : lapses) row(c.rep_id).set_lapses(static_cast<int32_t>(c.count));
  SALES_ASSIGN_OR_RETURN(auto converted, ReportStore::ConversionsByRep(tx, reps, span.start, span.end));
  for (const auto& c : converted) row(c.rep_id).set_converted_customers(static_cast<int32_t>(c.count));
  SALES_ASSIGN_OR_RETURN(auto leads, ReportStore::LeadsByRep(tx, reps, span.start, span.end));
  for (const auto& c : leads) row(c.rep_id).set_leads_received(static_cast<int32_t>(c.count));
  SALES_ASSIGN_OR_RETURN(auto collisions, ReportStore::CollisionsByTaker(tx, reps, span.start, span.end));
  for (const auto& c : collisions) row(c.rep_id).set_collisions_as_taker(static_cast<int32_t>(c.count));
  std::map<int64_t, int64_t> reps_for_compliance;
  for (auto& [rep, r] : rows) {
    if (r.org_unit_id() == 0) {
      auto it = scope.reps.find(rep);
      if (it != scope.reps.end()) r.set_org_unit_id(it->second);
    }
    reps_for_compliance[rep] = r.org_unit_id();
  }
  SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
  SALES_ASSIGN_OR_RETURN(auto compliance, ComputeCompliance(tx, reps_for_compliance, span, BusinessDay(clock_.Now()),
                                                            VisitRulesFromProto(settings.visit_rules())));
  v1::GetRepActivityReportResponse out;
  *out.mutable_dates() = RangeOf(span);
  v1::RepActivityRow total;
  for (auto& [rep, r] : rows) {
    r.set_visit_compliance_bp(compliance.by_rep[rep].compliance_bp());
    total.set_visits(total.visits() + r.visits());
    total.set_phone_follow_ups(total.phone_follow_ups() + r.phone_follow_ups());
    total.set_other_follow_ups(total.other_follow_ups() + r.other_follow_ups());
    total.set_customers_followed_up(total.customers_followed_up() + r.customers_followed_up());
    total.set_new_customers(total.new_customers() + r.new_customers());
    total.set_converted_customers(total.converted_customers() + r.converted_customers());
    total.set_leads_received(total.leads_received() + r.leads_received());
    total.set_claims(total.claims() + r.claims());
    total.set_lapses(total.lapses() + r.lapses());
    total.set_collisions_as_taker(total.collisions_as_taker() + r.collisions_as_taker());
    *out.add_rows() = r;
  }
  total.set_visit_compliance_bp(compliance.total.compliance_bp());
  *out.mutable_total() = total;
  return out;
}

absl::StatusOr<v1::GetCustomerBaseReportResponse> EngagementReports::CustomerBase(
    db::Transaction& tx, const CallContext& call, const v1::GetCustomerBaseReportRequest& request, const Span& span) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, request.org_unit_id(), 0));
  SALES_ASSIGN_OR_RETURN(auto rows,
                         ReportStore::CustomerBase(tx, scope.Reps(), request.grouping(), span.start, span.end));
  v1::GetCustomerBaseReportResponse out;
  *out.mutable_dates() = RangeOf(span);
  v1::CustomerBaseRow total;
  for (auto& r : rows) {
    v1::CustomerBaseRow* row = out.add_rows();
    *row = std::move(r);
    total.set_prospects(total.prospects() + row->prospects());
    total.set_active(total.active() + row->active());
    total.set_dormant(total.dormant() + row->dormant());
    total.set_blacklisted(total.blacklisted() + row->blacklisted());
    total.set_registered_in_period(total.registered_in_period() + row->registered_in_period());
    total.set_converted_in_period(total.converted_in_period() + row->converted_in_period());
    total.set_went_dormant_in_period(total.went_dormant_in_period() + row->went_dormant_in_period());
  }
  *out.mutable_total() = total;
  return out;
}

absl::StatusOr<v1::GetTargetCustomerListResponse> EngagementReports::TargetCustomers(
    db::Transaction& tx, const CallContext& call, const v1::GetTargetCustomerListRequest& request, int page,
    int64_t offset) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, request.org_unit_id(), request.rep_id()));
  SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
  TargetCustomerFilter f;
  f.scope = scope.Reps();
  f.as_of = ToCivilDay(request.as_of());
  f.grades.assign(request.demand_grades().begin(), request.demand_grades().end());
  if (f.grades.empty()) f.grades = {v1::DEMAND_GRADE_A, v1::DEMAND_GRADE_B};
  f.statuses.assign(request.statuses().begin(), request.statuses().end());
  if (f.statuses.empty()) f.statuses = {v1::CUSTOMER_STATUS_PROSPECT, v1::CUSTOMER_STATUS_ACTIVE};
  f.limit = page + 1;
  f.offset = offset;
  SALES_ASSIGN_OR_RETURN(auto rows, ReportStore::TargetCustomers(tx, f));
  v1::GetTargetCustomerListResponse out;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) {
    const TargetCustomer& t = rows[i];
    v1::TargetCustomerRow* row = out.add_rows();
    *row = t.row;
    if (row->status() == v1::CUSTOMER_STATUS_PROSPECT && row->owner_rep_id() != 0 && t.protection_base.has_value()) {
      *row->mutable_protected_until() = FromCivilDay(*t.protection_base + settings.protection_days());
    }
  }
  if (static_cast<int>(rows.size()) > page) out.set_next_page_token(EncodePageToken(offset + page));
  return out;
}

absl::StatusOr<v1::GetMarketNotesReportResponse> EngagementReports::MarketNotes(
    db::Transaction& tx, const CallContext& call, const v1::GetMarketNotesReportRequest& request, const Span& span,
    int page, int64_t offset) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, request.org_unit_id(), 0));
  MarketNoteFilter f;
  f.scope = scope.Reps();
  f.from = span.start;
  f.to = span.end;
  f.region = request.region();
  f.limit = page + 1;
  f.offset = offset;
  SALES_ASSIGN_OR_RETURN(auto rows, ReportStore::MarketNotes(tx, f));
  v1::GetMarketNotesReportResponse out;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) *out.add_rows() = rows[i];
  if (static_cast<int>(rows.size()) > page) out.set_next_page_token(EncodePageToken(offset + page));
  return out;
}

absl::StatusOr<v1::GetReceptionReportResponse> EngagementReports::Reception(
    db::Transaction& tx, const CallContext& call, const v1::GetReceptionReportRequest& request, absl::CivilDay from,
    absl::CivilDay to) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  if (v.IsRep()) return Denied(v, "read reception counts");
  std::vector<int64_t> offices;
  if (request.office_id() != 0) {
    if (!v.SeesUnit(request.office_id())) return Denied(v, "read another office's reception counts");
    SALES_RETURN_IF_ERROR(CheckOffice(tx, request.office_id(), "office_id"));
    offices.push_back(request.office_id());
  } else {
    SALES_ASSIGN_OR_RETURN(offices, OfficesInScope(tx, v));
  }
  SALES_ASSIGN_OR_RETURN(auto counts, ReceptionReportStore::Counts(tx, offices, from, to));
  v1::GetReceptionReportResponse out;
  for (int64_t office : offices) {
    v1::ReceptionDay total;
    total.set_office_id(office);
    for (absl::CivilDay d = from; d <= to; ++d) {
      v1::ReceptionDay* day = out.add_days();
      day->set_office_id(office);
      *day->mutable_date() = FromCivilDay(d);
      auto it = counts.find({office, d});
      if (it != counts.end()) {
        const ReceptionCounts& c = it->second;
        day->set_walk_in_leads(c.walk_in);
        day->set_hotline_leads(c.hotline);
        day->set_calls(c.calls);
        day->set_new_customer_calls(c.new_customer_calls);
        day->set_routed_to_owner(c.routed);
        day->set_market_surveys(c.surveys);
      }
      total.set_walk_in_leads(total.walk_in_leads() + day->walk_in_leads());
      total.set_hotline_leads(total.hotline_leads() + day->hotline_leads());
      total.set_calls(total.calls() + day->calls());
      total.set_new_customer_calls(total.new_customer_calls() + day->new_customer_calls());
      total.set_routed_to_owner(total.routed_to_owner() + day->routed_to_owner());
      total.set_market_surveys(total.market_surveys() + day->market_surveys());
    }
    *out.add_office_totals() = total;
  }
  return out;
}

}  // namespace sales::customers
