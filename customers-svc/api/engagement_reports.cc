// The department's periodic reports (domain.md §8, seed 001 第16条) from the
// data that exists: rep activity, customer base, the target customer list
// and market notes. Customers, follow-ups and ownership records belong to
// the core side; they are read here, in the same database, never written.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/engagement_api.h"
#include "customers-svc/api/engagement_visits.h"
#include "customers-svc/store/report_store.h"
#include "customers-svc/store/settings_store.h"
#include "customers-svc/store/visit_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"

namespace sales::customers {

using engagement::Denied;
using engagement::LoadViewer;
using engagement::Method;
using engagement::Viewer;

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
      SALES_ASSIGN_OR_RETURN(bool known, engagement::OrgKnown(tx));
      if (known) return NotFound("org unit", unit_filter);
    }
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, false, units));
  } else if (v.read_all) {
    s.all = true;
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, true, {}));
  } else if (v.IsManager()) {
    SALES_ASSIGN_OR_RETURN(s.reps, VisitStore::RepsOfUnits(tx, false, v.UnitList()));
  } else if (v.principal.rep_id != 0) {
    SALES_ASSIGN_OR_RETURN(int64_t unit, engagement::RepUnit(tx, v.principal.rep_id));
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
      SALES_ASSIGN_OR_RETURN(unit, engagement::RepUnit(tx, rep_filter));
    }
    s.all = false;
    s.reps = {{rep_filter, unit}};
  }
  return s;
}

absl::StatusOr<int64_t> OffsetOf(const std::string& token) {
  if (token.empty()) return int64_t{0};
  return DecodePageToken(token);
}

}  // namespace

grpc::Status EngagementApi::GetRepActivityReport(grpc::ServerContext* ctx, const v1::GetRepActivityReportRequest* req,
                                                 v1::GetRepActivityReportResponse* resp) {
  engagement::Span span;
  return ServeRead<v1::GetRepActivityReportResponse>(
      ctx, Method("GetRepActivityReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, engagement::SpanOf(req->period(), "period"));
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        if (req->rep_id() < 0) return InvalidField("rep_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetRepActivityReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, req->org_unit_id(), req->rep_id()));
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
        SALES_ASSIGN_OR_RETURN(auto compliance,
                               engagement::ComputeCompliance(tx, reps_for_compliance, span, BusinessDay(rt_.clock->Now()),
                                                             VisitRulesFromProto(settings.visit_rules())));
        v1::GetRepActivityReportResponse out;
        *out.mutable_dates() = engagement::RangeOf(span);
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
      });
}

grpc::Status EngagementApi::GetCustomerBaseReport(grpc::ServerContext* ctx,
                                                  const v1::GetCustomerBaseReportRequest* req,
                                                  v1::GetCustomerBaseReportResponse* resp) {
  engagement::Span span;
  return ServeRead<v1::GetCustomerBaseReportResponse>(
      ctx, Method("GetCustomerBaseReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, engagement::SpanOf(req->period(), "period"));
        if (!v1::CustomerGrouping_IsValid(req->grouping())) return InvalidField("grouping", "unknown grouping");
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCustomerBaseReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, req->org_unit_id(), 0));
        SALES_ASSIGN_OR_RETURN(auto rows,
                               ReportStore::CustomerBase(tx, scope.Reps(), req->grouping(), span.start, span.end));
        v1::GetCustomerBaseReportResponse out;
        *out.mutable_dates() = engagement::RangeOf(span);
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
      });
}

grpc::Status EngagementApi::GetTargetCustomerList(grpc::ServerContext* ctx,
                                                  const v1::GetTargetCustomerListRequest* req,
                                                  v1::GetTargetCustomerListResponse* resp) {
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetTargetCustomerListResponse>(
      ctx, Method("GetTargetCustomerList"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_as_of()) return InvalidField("as_of", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        for (int i = 0; i < req->demand_grades_size(); ++i) {
          if (req->demand_grades(i) == v1::DEMAND_GRADE_UNSPECIFIED || !v1::DemandGrade_IsValid(req->demand_grades(i))) {
            return InvalidField(absl::StrCat("demand_grades[", i, "]"), "A, B or C");
          }
        }
        for (int i = 0; i < req->statuses_size(); ++i) {
          if (req->statuses(i) == v1::CUSTOMER_STATUS_UNSPECIFIED || !v1::CustomerStatus_IsValid(req->statuses(i))) {
            return InvalidField(absl::StrCat("statuses[", i, "]"), "a customer status");
          }
        }
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(offset, OffsetOf(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetTargetCustomerListResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, req->org_unit_id(), req->rep_id()));
        SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
        TargetCustomerFilter f;
        f.scope = scope.Reps();
        f.as_of = ToCivilDay(req->as_of());
        f.grades.assign(req->demand_grades().begin(), req->demand_grades().end());
        if (f.grades.empty()) f.grades = {v1::DEMAND_GRADE_A, v1::DEMAND_GRADE_B};
        f.statuses.assign(req->statuses().begin(), req->statuses().end());
        if (f.statuses.empty()) f.statuses = {v1::CUSTOMER_STATUS_PROSPECT, v1::CUSTOMER_STATUS_ACTIVE};
        f.limit = page + 1;
        f.offset = offset;
        SALES_ASSIGN_OR_RETURN(auto rows, ReportStore::TargetCustomers(tx, f));
        v1::GetTargetCustomerListResponse out;
        for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) {
          const TargetCustomer& t = rows[i];
          v1::TargetCustomerRow* row = out.add_rows();
          *row = t.row;
          if (row->status() == v1::CUSTOMER_STATUS_PROSPECT && row->owner_rep_id() != 0 &&
              t.protection_base.has_value()) {
            *row->mutable_protected_until() = FromCivilDay(*t.protection_base + settings.protection_days());
          }
        }
        if (static_cast<int>(rows.size()) > page) out.set_next_page_token(EncodePageToken(offset + page));
        return out;
      });
}

grpc::Status EngagementApi::GetMarketNotesReport(grpc::ServerContext* ctx, const v1::GetMarketNotesReportRequest* req,
                                                 v1::GetMarketNotesReportResponse* resp) {
  engagement::Span span;
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetMarketNotesReportResponse>(
      ctx, Method("GetMarketNotesReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, engagement::SpanOf(req->period(), "period"));
        if (req->region().size() > 32) return InvalidField("region", "at most 32 bytes");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(offset, OffsetOf(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetMarketNotesReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeFor(tx, v, req->org_unit_id(), 0));
        MarketNoteFilter f;
        f.scope = scope.Reps();
        f.from = span.start;
        f.to = span.end;
        f.region = req->region();
        f.limit = page + 1;
        f.offset = offset;
        SALES_ASSIGN_OR_RETURN(auto rows, ReportStore::MarketNotes(tx, f));
        v1::GetMarketNotesReportResponse out;
        for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) *out.add_rows() = rows[i];
        if (static_cast<int>(rows.size()) > page) out.set_next_page_token(EncodePageToken(offset + page));
        return out;
      });
}

}  // namespace sales::customers
