// Visit plans (拜访制度): visits due per rep and the manager's compliance
// report; and the company settings that drive them.
#include "customers-svc/api/engagement_visits.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/engagement_api.h"
#include "customers-svc/store/settings_store.h"
#include "customers-svc/store/visit_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {

using engagement::ActorOf;
using engagement::Denied;
using engagement::kDomain;
using engagement::LoadViewer;
using engagement::Method;
using engagement::Viewer;

namespace engagement {

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

}  // namespace engagement

namespace {

// Reps of a unit's subtree (rep → unit); NOT_FOUND for a unit unknown to a
// populated org copy.
absl::StatusOr<std::map<int64_t, int64_t>> RepsOfUnit(db::Transaction& tx, int64_t unit) {
  SALES_ASSIGN_OR_RETURN(auto units, OrgReplica::Subtree(tx, unit));
  if (units.empty()) {
    SALES_ASSIGN_OR_RETURN(bool known, engagement::OrgKnown(tx));
    if (known) return NotFound("org unit", unit);
    return std::map<int64_t, int64_t>();
  }
  return VisitStore::RepsOfUnits(tx, false, units);
}

}  // namespace

grpc::Status EngagementApi::ListVisitsDue(grpc::ServerContext* ctx, const v1::ListVisitsDueRequest* req,
                                          v1::ListVisitsDueResponse* resp) {
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::ListVisitsDueResponse>(
      ctx, Method("ListVisitsDue"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (!req->has_as_of()) {
          v.push_back({"as_of", "required"});
        } else {
          for (auto& f : FieldViolationsOf(ValidateDate(req->as_of(), "as_of"))) v.push_back(f);
        }
        if (req->look_ahead_days() < 0 || req->look_ahead_days() > kMaxVisitLookAheadDays) {
          v.push_back({"look_ahead_days", "must be 0..30"});
        }
        if (req->rep_id() < 0) v.push_back({"rep_id", "must be >= 0"});
        if (req->org_unit_id() < 0) v.push_back({"org_unit_id", "must be >= 0"});
        auto size = PageSize(req->page_size(), 100, 500);
        if (!size.ok()) {
          for (auto& f : FieldViolationsOf(size.status())) v.push_back(f);
        } else {
          page = *size;
        }
        if (!req->page_token().empty()) {
          auto t = DecodePageToken(req->page_token());
          if (!t.ok()) {
            v.push_back({"page_token", "malformed"});
          } else {
            offset = *t;
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListVisitsDueResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        std::map<int64_t, int64_t> reps;
        if (req->org_unit_id() != 0) {
          if (!v.SeesUnit(req->org_unit_id())) return Denied(v, "list the visits of another unit");
          SALES_ASSIGN_OR_RETURN(reps, RepsOfUnit(tx, req->org_unit_id()));
          if (req->rep_id() != 0) {
            auto it = reps.find(req->rep_id());
            if (it == reps.end()) return InvalidField("rep_id", "not a rep of org_unit_id");
            reps = {{it->first, it->second}};
          }
        } else {
          const int64_t rep = req->rep_id() != 0 ? req->rep_id() : v.principal.rep_id;
          if (rep == 0) return InvalidField("rep_id", "required when the caller is not a rep (or set org_unit_id)");
          SALES_ASSIGN_OR_RETURN(auto info, engagement::KnownRep(tx, rep));
          const int64_t unit = info.has_value() ? info->org_unit_id : 0;
          if (rep != v.principal.rep_id && !v.SeesUnit(unit)) return Denied(v, "list another rep's visits");
          reps[rep] = unit;
        }
        SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
        const VisitRules rules = VisitRulesFromProto(settings.visit_rules());
        const int look_ahead = req->look_ahead_days() != 0 ? req->look_ahead_days() : settings.visit_look_ahead_days();
        const absl::CivilDay as_of = ToCivilDay(req->as_of());
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
          if (req->overdue_only() && !overdue) continue;
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
      });
}

grpc::Status EngagementApi::GetVisitComplianceReport(grpc::ServerContext* ctx,
                                                     const v1::GetVisitComplianceReportRequest* req,
                                                     v1::GetVisitComplianceReportResponse* resp) {
  engagement::Span span;
  return ServeRead<v1::GetVisitComplianceReportResponse>(
      ctx, Method("GetVisitComplianceReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, engagement::SpanOf(req->period(), "period"));
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetVisitComplianceReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        const int64_t unit = req->org_unit_id() != 0 ? req->org_unit_id() : v.principal.org_unit_id;
        if (unit == 0) return InvalidField("org_unit_id", "required when the caller has no unit");
        if (!v.read_all && !(v.IsManager() && v.SeesUnit(unit))) {
          return Denied(v, "read the visit compliance of this unit (its manager or the director)");
        }
        SALES_ASSIGN_OR_RETURN(auto reps, RepsOfUnit(tx, unit));
        SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
        SALES_ASSIGN_OR_RETURN(auto c, engagement::ComputeCompliance(tx, reps, span, BusinessDay(rt_.clock->Now()),
                                                                     VisitRulesFromProto(settings.visit_rules())));
        v1::GetVisitComplianceReportResponse out;
        *out.mutable_dates() = engagement::RangeOf(span);
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
      });
}

// ---- Settings ------------------------------------------------------------------

grpc::Status EngagementApi::GetSettings(grpc::ServerContext* ctx, const v1::GetSettingsRequest*,
                                        v1::GetSettingsResponse* resp) {
  return ServeRead<v1::GetSettingsResponse>(
      ctx, Method("GetSettings"), rt_, resp, [](CallContext&) { return absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetSettingsResponse> {
        v1::GetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), LoadCustomerSettings(tx));
        return out;
      });
}

namespace {

bool IsCode(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char ch : s) {
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) return false;
  }
  return true;
}

// Applies the masked fields of `in` onto `s`, collecting violations.
void ApplyMasked(const v1::CustomersSettings& in, const std::string& path, v1::CustomersSettings& s,
                 std::vector<FieldViolation>& v) {
  if (path == "protection_days") {
    if (in.protection_days() < 1 || in.protection_days() > 90) v.push_back({"settings.protection_days", "must be 1..90"});
    s.set_protection_days(in.protection_days());
  } else if (path == "dormancy_days") {
    if (in.dormancy_days() < 30 || in.dormancy_days() > 1095) {
      v.push_back({"settings.dormancy_days", "must be 30..1095"});
    }
    s.set_dormancy_days(in.dormancy_days());
  } else if (path == "visit_rules") {
    if (in.visit_rules().empty()) v.push_back({"settings.visit_rules", "at least one rule"});
    for (auto& f : FieldViolationsOf(ValidateVisitRules(VisitRulesFromProto(in.visit_rules())))) {
      v.push_back({"settings." + f.field, f.description});
    }
    *s.mutable_visit_rules() = in.visit_rules();
  } else if (path == "visit_look_ahead_days") {
    if (in.visit_look_ahead_days() < 0 || in.visit_look_ahead_days() > kMaxVisitLookAheadDays) {
      v.push_back({"settings.visit_look_ahead_days", "must be 0..30"});
    }
    s.set_visit_look_ahead_days(in.visit_look_ahead_days());
  } else if (path == "regions") {
    if (in.regions().empty()) v.push_back({"settings.regions", "at least one region"});
    std::set<std::string> seen;
    for (int i = 0; i < in.regions().size(); ++i) {
      const auto& r = in.regions(i);
      if (!IsCode(r.code())) v.push_back({absl::StrCat("settings.regions[", i, "].code"), "1..32 of A-Z 0-9 _ -"});
      if (!seen.insert(r.code()).second) v.push_back({absl::StrCat("settings.regions[", i, "].code"), "appears twice"});
      if (r.name().empty() || r.name().size() > 64) {
        v.push_back({absl::StrCat("settings.regions[", i, "].name"), "required, at most 64 bytes"});
      }
    }
    *s.mutable_regions() = in.regions();
  } else if (path == "source_channels") {
    if (in.source_channels().empty()) v.push_back({"settings.source_channels", "at least one channel"});
    std::set<std::string> seen;
    for (int i = 0; i < in.source_channels().size(); ++i) {
      const std::string& c = in.source_channels(i);
      if (!IsCode(c)) v.push_back({absl::StrCat("settings.source_channels[", i, "]"), "1..32 of A-Z 0-9 _ -"});
      if (!seen.insert(c).second) v.push_back({absl::StrCat("settings.source_channels[", i, "]"), "appears twice"});
    }
    *s.mutable_source_channels() = in.source_channels();
  } else if (path == "max_rotation_party_size") {
    if (in.max_rotation_party_size() < 1 || in.max_rotation_party_size() > 100) {
      v.push_back({"settings.max_rotation_party_size", "must be 1..100"});
    }
    s.set_max_rotation_party_size(in.max_rotation_party_size());
  }
}

const std::set<std::string>& SettablePaths() {
  static const auto* paths = new std::set<std::string>{
      "protection_days", "dormancy_days", "visit_rules", "visit_look_ahead_days",
      "regions", "source_channels", "max_rotation_party_size"};
  return *paths;
}

}  // namespace

grpc::Status EngagementApi::UpdateSettings(grpc::ServerContext* ctx, const v1::UpdateSettingsRequest* req,
                                           v1::UpdateSettingsResponse* resp) {
  return ServeMutation<v1::UpdateSettingsRequest, v1::UpdateSettingsResponse>(
      ctx, Method("UpdateSettings"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (!req->has_settings()) v.push_back({"settings", "required"});
        if (req->update_mask().paths().empty()) v.push_back({"update_mask", "name the fields to change"});
        std::set<std::string> seen;
        for (int i = 0; i < req->update_mask().paths_size(); ++i) {
          const std::string& p = req->update_mask().paths(i);
          if (SettablePaths().count(p) == 0) {
            v.push_back({absl::StrCat("update_mask.paths[", i, "]"), absl::StrCat("unknown or read-only field ", p)});
          } else if (!seen.insert(p).second) {
            v.push_back({absl::StrCat("update_mask.paths[", i, "]"), "appears twice"});
          }
        }
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (req->reason().empty() || req->reason().size() > 1000) v.push_back({"reason", "required, at most 1000 bytes"});
        if (v.empty()) {
          v1::CustomersSettings scratch = DefaultCustomerSettings();
          for (const auto& p : req->update_mask().paths()) ApplyMasked(req->settings(), p, scratch, v);
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateSettingsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (!v.all) return Denied(v, "change the customers settings (ADMIN or the director)");
        SALES_ASSIGN_OR_RETURN(auto current, SettingsStore::Get(tx, /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "settings", 1));
        std::vector<FieldViolation> ignored;
        v1::CustomersSettings next = current;
        for (const auto& p : req->update_mask().paths()) ApplyMasked(req->settings(), p, next, ignored);
        std::vector<std::string> fields(req->update_mask().paths().begin(), req->update_mask().paths().end());
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(SettingsStore::Save(tx, next, fields, req->reason(), call.principal.user_id,
                                                  call.principal.role, call.request_id, now));
        v1::UpdateSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), SettingsStore::Get(tx));
        v1::CustomersSettingsChangedEvent e;
        *e.mutable_settings() = out.settings();
        for (const auto& f : fields) e.add_changed_fields(f);
        e.set_reason(req->reason());
        *e.mutable_actor() = ActorOf(call.principal);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "CustomersSettings", "1", e, call.request_id));
        return out;
      });
}

}  // namespace sales::customers
