// The department's periodic reports (domain.md §8, seed 001 第16条) from the
// data that exists: rep activity, customer base, the target customer list
// and market notes. Customers, follow-ups and ownership records belong to
// the core side; they are read here, in the same database, never written.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/engagement_api.h"
#include "customers-svc/api/engagement_visits.h"
#include "customers-svc/store/rotation_store.h"
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

// "AND <column> IN (...)" for a scope that is not everything.
void ScopeClause(const ReportScope& s, const char* column, std::string& sql, db::Params& params) {
  if (s.all) return;
  if (s.reps.empty()) {
    absl::StrAppend(&sql, " AND 0 = 1");
    return;
  }
  std::vector<int64_t> reps;
  reps.reserve(s.reps.size());
  for (const auto& [r, u] : s.reps) reps.push_back(r);
  absl::StrAppend(&sql, " AND ", column, " IN (", db::AppendInList(reps, params), ")");
}

std::string Day(absl::CivilDay d) { return FormatDbDate(FromCivilDay(d)); }
std::string DayStart(absl::CivilDay d) { return FormatDbTime(StartOfBusinessDay(d)); }

// Runs a "rep_id, count..." query and adds each count to the rows.
template <typename Add>
absl::Status CountByRep(db::Transaction& tx, const std::string& sql, const db::Params& params, Add add) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) add(r.Int(0), r);
  return absl::OkStatus();
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
        const std::string from = Day(span.start), to = Day(span.end);
        const std::string t0 = DayStart(span.start), t1 = DayStart(span.end + 1);
        {
          std::string sql =
              "SELECT rep_id, SUM(channel = 1), SUM(channel = 2), SUM(channel IN (3, 4)), COUNT(DISTINCT customer_id) "
              "FROM follow_ups WHERE date BETWEEN ? AND ?";
          db::Params p{from, to};
          ScopeClause(scope, "rep_id", sql, p);
          absl::StrAppend(&sql, " GROUP BY rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, sql, p, [&](int64_t rep, const db::Row& r) {
            auto& x = row(rep);
            x.set_visits(static_cast<int32_t>(r.Int(1)));
            x.set_phone_follow_ups(static_cast<int32_t>(r.Int(2)));
            x.set_other_follow_ups(static_cast<int32_t>(r.Int(3)));
            x.set_customers_followed_up(static_cast<int32_t>(r.Int(4)));
          }));
        }
        {
          // New customers: first ownership records (registration or a
          // rotation lead); claims; lapses (counted against the rep who lost it).
          std::string sql =
              "SELECT to_rep_id, SUM(kind IN (1, 2) AND from_rep_id = 0), SUM(kind = 4) FROM ownership_records "
              "WHERE effective_time >= ? AND effective_time < ? AND to_rep_id <> 0";
          db::Params p{t0, t1};
          ScopeClause(scope, "to_rep_id", sql, p);
          absl::StrAppend(&sql, " GROUP BY to_rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, sql, p, [&](int64_t rep, const db::Row& r) {
            row(rep).set_new_customers(static_cast<int32_t>(r.Int(1)));
            row(rep).set_claims(static_cast<int32_t>(r.Int(2)));
          }));
          std::string lapses =
              "SELECT from_rep_id, COUNT(*) FROM ownership_records WHERE kind = 3 AND effective_time >= ? "
              "AND effective_time < ? AND from_rep_id <> 0";
          db::Params lp{t0, t1};
          ScopeClause(scope, "from_rep_id", lapses, lp);
          absl::StrAppend(&lapses, " GROUP BY from_rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, lapses, lp, [&](int64_t rep, const db::Row& r) {
            row(rep).set_lapses(static_cast<int32_t>(r.Int(1)));
          }));
        }
        {
          std::string sql =
              "SELECT owner_rep_id, COUNT(*) FROM customers WHERE first_purchase_date BETWEEN ? AND ? "
              "AND owner_rep_id IS NOT NULL";
          db::Params p{from, to};
          ScopeClause(scope, "owner_rep_id", sql, p);
          absl::StrAppend(&sql, " GROUP BY owner_rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, sql, p, [&](int64_t rep, const db::Row& r) {
            row(rep).set_converted_customers(static_cast<int32_t>(r.Int(1)));
          }));
        }
        {
          std::string sql =
              "SELECT assigned_rep_id, COUNT(*) FROM leads WHERE business_date BETWEEN ? AND ? AND assigned_rep_id <> 0";
          db::Params p{from, to};
          ScopeClause(scope, "assigned_rep_id", sql, p);
          absl::StrAppend(&sql, " GROUP BY assigned_rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, sql, p, [&](int64_t rep, const db::Row& r) {
            row(rep).set_leads_received(static_cast<int32_t>(r.Int(1)));
          }));
        }
        {
          std::string sql = "SELECT taking_rep_id, COUNT(*) FROM collisions WHERE order_date BETWEEN ? AND ?";
          db::Params p{from, to};
          ScopeClause(scope, "taking_rep_id", sql, p);
          absl::StrAppend(&sql, " GROUP BY taking_rep_id");
          SALES_RETURN_IF_ERROR(CountByRep(tx, sql, p, [&](int64_t rep, const db::Row& r) {
            row(rep).set_collisions_as_taker(static_cast<int32_t>(r.Int(1)));
          }));
        }
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
        const char* key = "COALESCE(c.owner_rep_id, 0)";
        switch (req->grouping()) {
          case v1::CUSTOMER_GROUPING_BY_REGION: key = "c.region"; break;
          case v1::CUSTOMER_GROUPING_BY_TYPE: key = "c.type"; break;
          case v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE: key = "c.demand_grade"; break;
          case v1::CUSTOMER_GROUPING_BY_SOURCE_CHANNEL: key = "c.source_channel"; break;
          default: break;
        }
        // Status counts are as of now (the customer table keeps the current
        // status only); registrations, conversions and dormancy are counted
        // within the period from their dates and the audit trail.
        std::string sql = absl::StrCat(
            "SELECT ", key, ", SUM(c.status = 1), SUM(c.status = 2), SUM(c.status = 3), SUM(c.status = 4), "
            "SUM(c.registered_at >= ? AND c.registered_at < ?), "
            "SUM(c.first_purchase_date IS NOT NULL AND c.first_purchase_date BETWEEN ? AND ?), "
            "SUM(EXISTS (SELECT 1 FROM customer_audit a WHERE a.customer_id = c.id AND a.action = 'STATUS_CHANGED' "
            "AND a.to_value = 'CUSTOMER_STATUS_DORMANT' AND a.at >= ? AND a.at < ?)) "
            "FROM customers c WHERE c.registered_at < ?");
        db::Params p{DayStart(span.start), DayStart(span.end + 1), Day(span.start), Day(span.end),
                     DayStart(span.start), DayStart(span.end + 1), DayStart(span.end + 1)};
        ScopeClause(scope, "c.owner_rep_id", sql, p);
        absl::StrAppend(&sql, " GROUP BY 1 ORDER BY 1");
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
        v1::GetCustomerBaseReportResponse out;
        *out.mutable_dates() = engagement::RangeOf(span);
        v1::CustomerBaseRow total;
        for (const auto& r : rows) {
          v1::CustomerBaseRow* row = out.add_rows();
          std::string group = r.Str(0);
          if (req->grouping() == v1::CUSTOMER_GROUPING_BY_TYPE) {
            group = v1::CustomerType_Name(static_cast<v1::CustomerType>(r.Int(0)));
          } else if (req->grouping() == v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE) {
            group = v1::DemandGrade_Name(static_cast<v1::DemandGrade>(r.Int(0)));
          }
          row->set_group_key(group);
          row->set_prospects(static_cast<int32_t>(r.Int(1)));
          row->set_active(static_cast<int32_t>(r.Int(2)));
          row->set_dormant(static_cast<int32_t>(r.Int(3)));
          row->set_blacklisted(static_cast<int32_t>(r.Int(4)));
          row->set_registered_in_period(static_cast<int32_t>(r.Int(5)));
          row->set_converted_in_period(static_cast<int32_t>(r.Int(6)));
          row->set_went_dormant_in_period(static_cast<int32_t>(r.Int(7)));
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
        const absl::CivilDay as_of = ToCivilDay(req->as_of());
        std::vector<int64_t> grades(req->demand_grades().begin(), req->demand_grades().end());
        if (grades.empty()) grades = {v1::DEMAND_GRADE_A, v1::DEMAND_GRADE_B};
        std::vector<int64_t> statuses(req->statuses().begin(), req->statuses().end());
        if (statuses.empty()) statuses = {v1::CUSTOMER_STATUS_PROSPECT, v1::CUSTOMER_STATUS_ACTIVE};
        const db::InListSql grades_in = db::InList(grades);
        const db::InListSql statuses_in = db::InList(statuses);
        std::string sql = absl::StrCat(
            "SELECT c.id, c.name, c.type, c.demand_grade, c.status, COALESCE(c.owner_rep_id, 0), c.city, "
            "c.protection_base_date, f.intent_level, f.date, f.next_step, f.next_step_date "
            "FROM customers c LEFT JOIN follow_ups f ON f.id = (SELECT f2.id FROM follow_ups f2 "
            "WHERE f2.customer_id = c.id AND f2.date <= ? ORDER BY f2.date DESC, f2.id DESC LIMIT 1) "
            "WHERE c.registered_at < ? AND c.demand_grade IN (", grades_in.marks, ") AND c.status IN (",
            statuses_in.marks, ")");
        db::Params p{Day(as_of), DayStart(as_of + 1)};
        grades_in.AppendTo(p);
        statuses_in.AppendTo(p);
        ScopeClause(scope, "c.owner_rep_id", sql, p);
        absl::StrAppend(&sql,
                        " ORDER BY c.demand_grade, COALESCE(f.intent_level, 0) DESC, f.next_step_date IS NULL, "
                        "f.next_step_date, c.id LIMIT ? OFFSET ?");
        p.push_back(static_cast<int64_t>(page + 1));
        p.push_back(offset);
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
        v1::GetTargetCustomerListResponse out;
        for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) {
          const auto& r = rows[i];
          v1::TargetCustomerRow* row = out.add_rows();
          row->set_customer_id(r.Int(0));
          row->set_customer_name(r.Str(1));
          row->set_customer_type(static_cast<v1::CustomerType>(r.Int(2)));
          row->set_demand_grade(static_cast<v1::DemandGrade>(r.Int(3)));
          row->set_status(static_cast<v1::CustomerStatus>(r.Int(4)));
          row->set_owner_rep_id(r.Int(5));
          row->set_city(r.Str(6));
          if (row->status() == v1::CUSTOMER_STATUS_PROSPECT && row->owner_rep_id() != 0 && !r.IsNull(7)) {
            *row->mutable_protected_until() =
                FromCivilDay(ToCivilDay(ParseDbDate(r.Str(7))) + settings.protection_days());
          }
          if (!r.IsNull(8)) row->set_intent_level(static_cast<v1::IntentLevel>(r.Int(8)));
          if (!r.IsNull(9)) *row->mutable_last_follow_up_date() = ParseDbDate(r.Str(9));
          row->set_next_step(r.Str(10));
          if (!r.IsNull(11)) *row->mutable_next_step_date() = ParseDbDate(r.Str(11));
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
        std::string sql =
            "SELECT f.id, f.date, f.rep_id, f.customer_id, c.name, c.region, f.market_note FROM follow_ups f "
            "JOIN customers c ON c.id = f.customer_id WHERE f.market_note <> '' AND f.date BETWEEN ? AND ?";
        db::Params p{Day(span.start), Day(span.end)};
        if (!req->region().empty()) {
          absl::StrAppend(&sql, " AND c.region = ?");
          p.push_back(req->region());
        }
        ScopeClause(scope, "f.rep_id", sql, p);
        absl::StrAppend(&sql, " ORDER BY f.date DESC, f.id DESC LIMIT ? OFFSET ?");
        p.push_back(static_cast<int64_t>(page + 1));
        p.push_back(offset);
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
        v1::GetMarketNotesReportResponse out;
        for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page; ++i) {
          const auto& r = rows[i];
          v1::MarketNoteRow* row = out.add_rows();
          row->set_follow_up_id(r.Int(0));
          *row->mutable_date() = ParseDbDate(r.Str(1));
          row->set_rep_id(r.Int(2));
          row->set_customer_id(r.Int(3));
          row->set_customer_name(r.Str(4));
          row->set_region(r.Str(5));
          row->set_note(r.Str(6));
        }
        if (static_cast<int>(rows.size()) > page) out.set_next_page_token(EncodePageToken(offset + page));
        return out;
      });
}

}  // namespace sales::customers
