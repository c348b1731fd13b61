// Actuals, baselines, progress, rankings, expenses and settings.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/baseline_computation.h"
#include "targets-svc/app/expense_ledger.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/sales_reports.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/baseline.h"
#include "targets-svc/domain/progress.h"
#include "targets-svc/store/actuals_store.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {
namespace {

constexpr int kMaxImportRows = 5000;

absl::Status WeekOrMonth(const common::v1::Period& p) {
  if (p.kind() == common::v1::PERIOD_KIND_WEEK || p.kind() == common::v1::PERIOD_KIND_MONTH) return absl::OkStatus();
  return InvalidField("period.kind", "WEEK or MONTH (the department's weekly and monthly reports)");
}

absl::Status ValidateGetSalesByRegionReport(const v1::GetSalesByRegionReportRequest& req) {
  SALES_RETURN_IF_ERROR(WeekOrMonth(req.period()));
  auto k = req.group_kind();
  if (k != v1::ORG_UNIT_KIND_BRANCH && k != v1::ORG_UNIT_KIND_OFFICE && k != v1::ORG_UNIT_KIND_TEAM) {
    return InvalidField("group_kind", "BRANCH, OFFICE or TEAM");
  }
  return absl::OkStatus();
}

absl::Status ValidateGetRanking(const v1::GetRankingRequest& req) {
  if (req.org_unit_id() <= 0) return InvalidField("org_unit_id", "required, > 0");
  if (!req.has_period()) return InvalidField("period", "required");
  if (req.limit() < 0 || req.limit() > 1000) return InvalidField("limit", "must be 0..1000");
  return absl::OkStatus();
}

absl::Status ValidateImportActuals(const v1::ImportActualsRequest& req) {
  if (req.rows().empty()) return InvalidField("rows", "at least one row");
  if (req.rows_size() > kMaxImportRows) {
    return InvalidField("rows", absl::StrCat("at most ", kMaxImportRows, " per call"));
  }
  return absl::OkStatus();
}

// Every row against the reference data (loaded once, so thousands of rows
// need no query each) and the fields' ranges; up to 100 violations.
absl::Status CheckImportRows(db::Transaction& tx, const v1::ImportActualsRequest& req, int32_t this_year) {
  SALES_ASSIGN_OR_RETURN(auto units, OrgStore::AllIds(tx));
  const std::set<int64_t> unit_ids(units.begin(), units.end());
  SALES_ASSIGN_OR_RETURN(const std::set<int64_t> rep_ids, RepStore::AllIds(tx));
  SALES_ASSIGN_OR_RETURN(const std::set<int64_t> line_ids, ProductLineStore::AllIds(tx));
  std::vector<FieldViolation> bad;
  std::set<std::string> keys;
  for (int i = 0; i < req.rows_size() && bad.size() < 100; ++i) {
    const auto& r = req.rows(i);
    auto f = [&](const char* leaf) { return absl::StrCat("rows[", i, "].", leaf); };
    if (r.row_key().empty() || r.row_key().size() > 128) bad.push_back({f("row_key"), "required, 1..128 characters"});
    if (!keys.insert(r.row_key()).second) bad.push_back({f("row_key"), "repeated in this call"});
    if (!rep_ids.count(r.rep_id())) bad.push_back({f("rep_id"), "unknown rep"});
    if (!unit_ids.count(r.org_unit_id())) bad.push_back({f("org_unit_id"), "unknown org unit"});
    if (!line_ids.count(r.product_line_id())) bad.push_back({f("product_line_id"), "unknown product line"});
    if (r.fiscal_year() < 2000 || r.fiscal_year() >= this_year) {
      bad.push_back({f("fiscal_year"), "history is for past years only"});
    }
    if (r.fiscal_month() < 1 || r.fiscal_month() > 12) bad.push_back({f("fiscal_month"), "must be 1..12"});
    for (auto [m, name] : {std::pair{&r.sales_amount(), "sales_amount"},
                           {&r.collected_amount(), "collected_amount"},
                           {&r.gross_profit(), "gross_profit"}}) {
      if (m->minor_units() == 0 && m->currency_code().empty()) continue;
      Sign sign = name == std::string("gross_profit") ? Sign::kAny : Sign::kNonNegative;
      for (auto& v : FieldViolationsOf(ValidateMoney(*m, f(name), sign))) bad.push_back(v);
    }
    if (r.quantity() < 0 || r.quantity() >= 1'000'000'000'000'000) bad.push_back({f("quantity"), "must be 0..10^15"});
    if (r.new_customers() < 0 || r.new_customers() > 1'000'000) bad.push_back({f("new_customers"), "must be 0..10^6"});
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  return absl::OkStatus();
}

absl::Status ValidateComputeBaseline(const v1::ComputeBaselineRequest& req) {
  std::vector<FieldViolation> v;
  if (req.fiscal_year() < 2000 || req.fiscal_year() > 2100) v.push_back({"fiscal_year", "must be 2000..2100"});
  if (req.metric() == v1::METRIC_UNSPECIFIED) v.push_back({"metric", "required"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateRecordExpense(const v1::RecordExpenseRequest& req) {
  const v1::ExpenseEntry& e = req.expense();
  std::vector<FieldViolation> v;
  if (e.rep_id() <= 0) v.push_back({"expense.rep_id", "required, > 0"});
  if (!e.has_amount()) {
    v.push_back({"expense.amount", "required"});
  } else {
    for (auto& f : FieldViolationsOf(ValidateMoney(e.amount(), "expense.amount", Sign::kPositive))) v.push_back(f);
  }
  if (!e.has_expense_date()) {
    v.push_back({"expense.expense_date", "required"});
  } else {
    for (auto& f : FieldViolationsOf(ValidateDate(e.expense_date(), "expense.expense_date"))) v.push_back(f);
  }
  if (e.category() == v1::EXPENSE_CATEGORY_UNSPECIFIED || !v1::ExpenseCategory_IsValid(e.category())) {
    v.push_back({"expense.category", "required"});
  }
  if (e.description().size() > 500) v.push_back({"expense.description", "at most 500 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The settings fields UpdateTargetSettings changes: all but the etag and
// update_time, which are the server's.
absl::StatusOr<std::vector<std::string>> TargetSettingsPaths(const google::protobuf::FieldMask& mask) {
  return UpdatePaths(mask, {"default_currency_code", "time_zone", "fiscal_year_start_month", "baseline_weights",
                            "status_thresholds", "inactive_rep_policy", "sales_recognition"});
}

// Checks the settings fields `paths` names. Every rule concerns a single
// top-level field, and the fields not named stay as stored (checked when
// they were written), so this checks the settings the update leaves —
// without a read, and a field left out of the mask cannot fail because
// the request left it blank.
absl::Status ValidateUpdateTargetSettings(const v1::UpdateTargetSettingsRequest& req,
                                          const std::vector<std::string>& paths) {
  const auto& s = req.settings();
  std::vector<FieldViolation> v;
  if (Touches(paths, "baseline_weights")) {
    AppendBaselineWeightViolations(WeightsOf(s.baseline_weights()), v);
    for (auto& f : v) f.field = "settings.baseline_weights." + f.field.substr(f.field.find('.') + 1);
  }
  if (Touches(paths, "status_thresholds")) AppendThresholdViolations(ThresholdsOf(s), v);
  if (Touches(paths, "inactive_rep_policy")) {
    const auto& p = s.inactive_rep_policy();
    if (p.probation_share_bp() < 0 || p.probation_share_bp() > 10000) {
      v.push_back({"settings.inactive_rep_policy.probation_share_bp", "must be 0..10000"});
    }
    if (p.on_leave_share_bp() < 0 || p.on_leave_share_bp() > 10000) {
      v.push_back({"settings.inactive_rep_policy.on_leave_share_bp", "must be 0..10000"});
    }
  }
  if (Touches(paths, "default_currency_code") && s.default_currency_code().size() != 3) {
    v.push_back({"settings.default_currency_code", "ISO-4217 code"});
  }
  if (Touches(paths, "fiscal_year_start_month") && s.fiscal_year_start_month() != 1) {
    v.push_back({"settings.fiscal_year_start_month", "only calendar fiscal years (1) are supported"});
  }
  if (Touches(paths, "sales_recognition")) {
    if (s.sales_recognition() == v1::SALES_RECOGNITION_UNSPECIFIED) {
      v.push_back({"settings.sales_recognition", "required"});
    } else if (!v1::SalesRecognition_IsValid(s.sales_recognition())) {
      v.push_back({"settings.sales_recognition", "unknown value"});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return req.reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
}

absl::Status ValidateSetMarketOutlook(const v1::SetMarketOutlookRequest& req) {
  const auto& o = req.outlook();
  std::vector<FieldViolation> v;
  if (o.fiscal_year() < 2000 || o.fiscal_year() > 2100) v.push_back({"outlook.fiscal_year", "must be 2000..2100"});
  if (o.product_line_id() < 0) v.push_back({"outlook.product_line_id", "must be >= 0"});
  if (o.industry_growth_bp() < -10000 || o.industry_growth_bp() > 100000) {
    v.push_back({"outlook.industry_growth_bp", "must be -10000..100000"});
  }
  if (o.competitor_growth_bp() < -10000 || o.competitor_growth_bp() > 100000) {
    v.push_back({"outlook.competitor_growth_bp", "must be -10000..100000"});
  }
  if (o.has_as_of()) {
    for (auto& f : FieldViolationsOf(ValidateDate(o.as_of(), "outlook.as_of"))) v.push_back(f);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status TargetsApi::GetSalesByRepReport(grpc::ServerContext* ctx, const v1::GetSalesByRepReportRequest* req,
                                             v1::GetSalesByRepReportResponse* resp) {
  return ServeRead<v1::GetSalesByRepReportResponse>(
      ctx, TargetsMethod("GetSalesByRepReport"), rt_, resp, [&](CallContext&) { return WeekOrMonth(req->period()); },
      [&](db::Transaction& tx, CallContext& call) { return SalesReports(*rt_.clock).ByRep(tx, call, *req); });
}

grpc::Status TargetsApi::GetSalesByRegionReport(grpc::ServerContext* ctx, const v1::GetSalesByRegionReportRequest* req,
                                                v1::GetSalesByRegionReportResponse* resp) {
  return ServeRead<v1::GetSalesByRegionReportResponse>(
      ctx, TargetsMethod("GetSalesByRegionReport"), rt_, resp,
      [&](CallContext&) { return ValidateGetSalesByRegionReport(*req); },
      [&](db::Transaction& tx, CallContext& call) { return SalesReports(*rt_.clock).ByRegion(tx, call, *req); });
}

grpc::Status TargetsApi::GetProgress(grpc::ServerContext* ctx, const v1::GetProgressRequest* req,
                                     v1::GetProgressResponse* resp) {
  return ServeRead<v1::GetProgressResponse>(
      ctx, TargetsMethod("GetProgress"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        if (req->has_as_of()) return ValidateDate(req->as_of(), "as_of");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetProgressResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, req->node()));
        v1::GetProgressResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_progress(), ProgressReading(*rt_.clock)
                                                            .ProgressOf(tx, req->node(), req->period(), req->as_of(),
                                                                        req->window(), req->metric(), req->plan_id()));
        return out;
      });
}

grpc::Status TargetsApi::GetRanking(grpc::ServerContext* ctx, const v1::GetRankingRequest* req,
                                    v1::GetRankingResponse* resp) {
  return ServeRead<v1::GetRankingResponse>(
      ctx, TargetsMethod("GetRanking"), rt_, resp, [&](CallContext&) { return ValidateGetRanking(*req); },
      [&](db::Transaction& tx, CallContext& call) { return SalesReports(*rt_.clock).Ranking(tx, call, *req); });
}

grpc::Status TargetsApi::ImportActuals(grpc::ServerContext* ctx, const v1::ImportActualsRequest* req,
                                       v1::ImportActualsResponse* resp) {
  return ServeMutation<v1::ImportActualsRequest, v1::ImportActualsResponse>(
      ctx, TargetsMethod("ImportActuals"), rt_, *req, resp, [&](CallContext&) { return ValidateImportActuals(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ImportActualsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "import history");
        SALES_RETURN_IF_ERROR(CheckImportRows(tx, *req, static_cast<int32_t>(BusinessDay(rt_.clock->Now()).year())));
        v1::ImportActualsResponse out;
        if (req->validate_only()) {
          out.set_inserted_count(req->rows_size());
          return out;
        }
        std::vector<v1::HistoricalActualRow> rows(req->rows().begin(), req->rows().end());
        SALES_ASSIGN_OR_RETURN(auto counts, ActualsStore::Import(tx, rows, req->replace_existing()));
        out.set_inserted_count(counts.inserted);
        out.set_duplicate_count(counts.duplicates);
        out.set_replaced_count(counts.replaced);
        v1::ActualsImportedEvent e;
        e.set_import_request_id(req->request_id());
        e.set_inserted_count(counts.inserted);
        e.set_replaced_count(counts.replaced);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Actuals", req->request_id(), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::ComputeBaseline(grpc::ServerContext* ctx, const v1::ComputeBaselineRequest* req,
                                         v1::ComputeBaselineResponse* resp) {
  return ServeRead<v1::ComputeBaselineResponse>(
      ctx, TargetsMethod("ComputeBaseline"), rt_, resp, [&](CallContext&) { return ValidateComputeBaseline(*req); },
      [&](db::Transaction& tx, CallContext& call) { return BaselineComputation().Compute(tx, call, *req); });
}

grpc::Status TargetsApi::RecordExpense(grpc::ServerContext* ctx, const v1::RecordExpenseRequest* req,
                                       v1::RecordExpenseResponse* resp) {
  return ServeMutation<v1::RecordExpenseRequest, v1::RecordExpenseResponse>(
      ctx, TargetsMethod("RecordExpense"), rt_, *req, resp, [&](CallContext&) { return ValidateRecordExpense(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ExpenseLedger(*rt_.clock).Record(tx, call, *req); });
}

grpc::Status TargetsApi::GetTargetSettings(grpc::ServerContext* ctx, const v1::GetTargetSettingsRequest*,
                                           v1::GetTargetSettingsResponse* resp) {
  return ServeRead<v1::GetTargetSettingsResponse>(
      ctx, TargetsMethod("GetTargetSettings"), rt_, resp, [](CallContext&) { return absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetTargetSettingsResponse> {
        v1::GetTargetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), SettingsStore::Get(tx));
        return out;
      });
}

grpc::Status TargetsApi::UpdateTargetSettings(grpc::ServerContext* ctx, const v1::UpdateTargetSettingsRequest* req,
                                              v1::UpdateTargetSettingsResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateTargetSettingsRequest, v1::UpdateTargetSettingsResponse>(
      ctx, TargetsMethod("UpdateTargetSettings"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(paths, TargetSettingsPaths(req->update_mask()));
        return ValidateUpdateTargetSettings(*req, paths);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateTargetSettingsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "change target settings");
        SALES_ASSIGN_OR_RETURN(auto current, SettingsStore::Get(tx, /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->settings().etag(), current.etag(), "settings", 1));
        v1::TargetSettings s = current;
        ApplyUpdatePaths(paths, req->settings(), &s);
        if (s.time_zone().empty()) s.set_time_zone(current.time_zone());
        SALES_RETURN_IF_ERROR(SettingsStore::Save(tx, s, rt_.clock->Now()));
        v1::UpdateTargetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), SettingsStore::Get(tx));
        return out;
      });
}

grpc::Status TargetsApi::SetMarketOutlook(grpc::ServerContext* ctx, const v1::SetMarketOutlookRequest* req,
                                          v1::SetMarketOutlookResponse* resp) {
  return ServeMutation<v1::SetMarketOutlookRequest, v1::SetMarketOutlookResponse>(
      ctx, TargetsMethod("SetMarketOutlook"), rt_, *req, resp,
      [&](CallContext&) { return ValidateSetMarketOutlook(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SetMarketOutlookResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "set market outlooks");
        v1::SetMarketOutlookResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_outlook(),
                               SettingsStore::SaveOutlook(tx, req->outlook(), rt_.clock->Now()));
        return out;
      });
}

}  // namespace sales::targets
