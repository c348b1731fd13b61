// Visit plans (拜访制度): visits due per rep and the manager's compliance
// report (app/visit_planning.h); and the company settings that drive them.
#include <set>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/visit_planning.h"
#include "customers-svc/store/settings_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

// An as_of day, a look-ahead of 0..30 days, ids >= 0, and the page (size
// into `page`, offset into `offset`); every bad field at once.
absl::Status ValidateListVisitsDue(const v1::ListVisitsDueRequest& request, int& page, int64_t& offset) {
  std::vector<FieldViolation> v;
  if (!request.has_as_of()) {
    v.push_back({"as_of", "required"});
  } else {
    for (auto& f : FieldViolationsOf(ValidateDate(request.as_of(), "as_of"))) v.push_back(f);
  }
  if (request.look_ahead_days() < 0 || request.look_ahead_days() > kMaxVisitLookAheadDays) {
    v.push_back({"look_ahead_days", "must be 0..30"});
  }
  if (request.rep_id() < 0) v.push_back({"rep_id", "must be >= 0"});
  if (request.org_unit_id() < 0) v.push_back({"org_unit_id", "must be >= 0"});
  auto size = PageSize(request.page_size(), kPageOfRecords);
  if (!size.ok()) {
    for (auto& f : FieldViolationsOf(size.status())) v.push_back(f);
  } else {
    page = *size;
  }
  if (!request.page_token().empty()) {
    auto t = DecodePageToken(request.page_token());
    if (!t.ok()) {
      v.push_back({"page_token", "malformed"});
    } else {
      offset = *t;
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

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
    if (in.protection_days() < 1 || in.protection_days() > 90) {
      v.push_back({"settings.protection_days", "must be 1..90"});
    }
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
  static const auto* paths = new std::set<std::string>{"protection_days",        "dormancy_days", "visit_rules",
                                                       "visit_look_ahead_days",  "regions",       "source_channels",
                                                       "max_rotation_party_size"};
  return *paths;
}

// The fields named by the update mask (each once, each settable), an etag
// and a reason, and the new values checked as they would be applied.
absl::Status ValidateUpdateSettings(const v1::UpdateSettingsRequest& request) {
  std::vector<FieldViolation> v;
  if (!request.has_settings()) v.push_back({"settings", "required"});
  if (request.update_mask().paths().empty()) v.push_back({"update_mask", "name the fields to change"});
  std::set<std::string> seen;
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    const std::string& p = request.update_mask().paths(i);
    if (SettablePaths().count(p) == 0) {
      v.push_back({absl::StrCat("update_mask.paths[", i, "]"), absl::StrCat("unknown or read-only field ", p)});
    } else if (!seen.insert(p).second) {
      v.push_back({absl::StrCat("update_mask.paths[", i, "]"), "appears twice"});
    }
  }
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (request.reason().empty() || request.reason().size() > 1000) {
    v.push_back({"reason", "required, at most 1000 bytes"});
  }
  if (v.empty()) {
    v1::CustomersSettings scratch = DefaultCustomerSettings();
    for (const auto& p : request.update_mask().paths()) ApplyMasked(request.settings(), p, scratch, v);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::ListVisitsDue(grpc::ServerContext* ctx, const v1::ListVisitsDueRequest* req,
                                         v1::ListVisitsDueResponse* resp) {
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::ListVisitsDueResponse>(
      ctx, CustomersMethod("ListVisitsDue"), rt_, resp,
      [&](CallContext&) { return ValidateListVisitsDue(*req, page, offset); },
      [&](db::Transaction& tx, CallContext& call) {
        return VisitPlanning(*rt_.clock).VisitsDue(tx, call, *req, page, offset);
      });
}

grpc::Status CustomersApi::GetVisitComplianceReport(grpc::ServerContext* ctx,
                                                    const v1::GetVisitComplianceReportRequest* req,
                                                    v1::GetVisitComplianceReportResponse* resp) {
  Span span;
  return ServeRead<v1::GetVisitComplianceReportResponse>(
      ctx, CustomersMethod("GetVisitComplianceReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, SpanOf(req->period(), "period"));
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return VisitPlanning(*rt_.clock).ComplianceReport(tx, call, *req, span);
      });
}

// ---- Settings ------------------------------------------------------------------

grpc::Status CustomersApi::GetSettings(grpc::ServerContext* ctx, const v1::GetSettingsRequest*,
                                       v1::GetSettingsResponse* resp) {
  return ServeRead<v1::GetSettingsResponse>(
      ctx, CustomersMethod("GetSettings"), rt_, resp, [](CallContext&) { return absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetSettingsResponse> {
        v1::GetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), LoadCustomerSettings(tx));
        return out;
      });
}

grpc::Status CustomersApi::UpdateSettings(grpc::ServerContext* ctx, const v1::UpdateSettingsRequest* req,
                                          v1::UpdateSettingsResponse* resp) {
  return ServeMutation<v1::UpdateSettingsRequest, v1::UpdateSettingsResponse>(
      ctx, CustomersMethod("UpdateSettings"), rt_, *req, resp,
      [&](CallContext&) { return ValidateUpdateSettings(*req); },
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
