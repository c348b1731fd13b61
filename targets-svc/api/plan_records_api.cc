// A plan's records: editing a draft, the lists and withdrawal of reduction
// and amendment requests, market outlooks, audit trails and the sales plan
// report; the workflows are app/plan_records, app/target_reductions and
// app/plan_amendments.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_amendments.h"
#include "targets-svc/app/plan_records.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/target_reductions.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {
namespace {

absl::Status ValidateWithdrawal(int64_t id, const std::string& reason) {
  if (id <= 0) return InvalidField("id", "required, > 0");
  return reason.size() > 2000 ? InvalidField("reason", "at most 2000 bytes") : absl::OkStatus();
}

// The filters the lists of reduction and amendment requests share.
template <typename Request>
absl::Status ValidateRequestFilters(const Request& req, bool state_valid) {
  std::vector<FieldViolation> v;
  if (req.plan_id() < 0) v.push_back({"plan_id", "must be >= 0"});
  if (!state_valid) v.push_back({"state", "unknown value"});
  if (req.approver_org_unit_id() < 0) v.push_back({"approver_org_unit_id", "must be >= 0"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateListAuditEntries(const v1::ListAuditEntriesRequest& req) {
  auto type = req.subject_type();
  if (type == v1::AUDIT_SUBJECT_TYPE_UNSPECIFIED || !v1::AuditSubjectType_IsValid(type)) {
    return InvalidField("subject_type", "required");
  }
  // Settings and imports are singletons (id 0); every other record has one.
  bool singleton = type == v1::AUDIT_SUBJECT_TYPE_SETTINGS || type == v1::AUDIT_SUBJECT_TYPE_ACTUALS_IMPORT;
  if (req.subject_id() < 0 || (req.subject_id() == 0 && !singleton)) {
    return InvalidField("subject_id", "required, > 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateGetSalesPlanReport(const v1::GetSalesPlanReportRequest& req) {
  std::vector<FieldViolation> v;
  auto kind = req.period().kind();
  if (kind != common::v1::PERIOD_KIND_WEEK && kind != common::v1::PERIOD_KIND_MONTH) {
    v.push_back({"period.kind", "WEEK or MONTH (the department's weekly and monthly plans)"});
  }
  if (req.org_unit_id() < 0) v.push_back({"org_unit_id", "must be >= 0"});
  if (!v1::Metric_IsValid(req.metric())) v.push_back({"metric", "unknown value"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status TargetsApi::UpdatePlan(grpc::ServerContext* ctx, const v1::UpdatePlanRequest* req,
                                    v1::UpdatePlanResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdatePlanRequest, v1::UpdatePlanResponse>(
      ctx, TargetsMethod("UpdatePlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(paths, UpdatePlanPaths(*req));
        return ValidateUpdatePlan(*req, paths);
      },
      [&](db::Transaction& tx, CallContext& call) { return PlanRecords(*rt_.clock).Update(tx, call, *req, paths); });
}

grpc::Status TargetsApi::ListTargetReductions(grpc::ServerContext* ctx, const v1::ListTargetReductionsRequest* req,
                                              v1::ListTargetReductionsResponse* resp) {
  int size = 0;
  int64_t before = 0;
  return ServeRead<v1::ListTargetReductionsResponse>(
      ctx, TargetsMethod("ListTargetReductions"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        return ValidateRequestFilters(*req, v1::TargetReductionState_IsValid(req->state()));
      },
      [&](db::Transaction& tx, CallContext& call) {
        return TargetReductions(*rt_.clock, *rt_.outbox).List(tx, call, *req, before, size);
      });
}

grpc::Status TargetsApi::WithdrawTargetReduction(grpc::ServerContext* ctx,
                                                 const v1::WithdrawTargetReductionRequest* req,
                                                 v1::WithdrawTargetReductionResponse* resp) {
  return ServeMutation<v1::WithdrawTargetReductionRequest, v1::WithdrawTargetReductionResponse>(
      ctx, TargetsMethod("WithdrawTargetReduction"), rt_, *req, resp,
      [&](CallContext&) { return ValidateWithdrawal(req->id(), req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return TargetReductions(*rt_.clock, *rt_.outbox).Withdraw(tx, call, *req);
      });
}

grpc::Status TargetsApi::ListPlanAmendments(grpc::ServerContext* ctx, const v1::ListPlanAmendmentsRequest* req,
                                            v1::ListPlanAmendmentsResponse* resp) {
  int size = 0;
  int64_t before = 0;
  return ServeRead<v1::ListPlanAmendmentsResponse>(
      ctx, TargetsMethod("ListPlanAmendments"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        return ValidateRequestFilters(*req, v1::AmendmentState_IsValid(req->state()));
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanAmendments(*rt_.clock, *rt_.outbox).List(tx, call, *req, before, size);
      });
}

grpc::Status TargetsApi::WithdrawPlanAmendment(grpc::ServerContext* ctx, const v1::WithdrawPlanAmendmentRequest* req,
                                               v1::WithdrawPlanAmendmentResponse* resp) {
  return ServeMutation<v1::WithdrawPlanAmendmentRequest, v1::WithdrawPlanAmendmentResponse>(
      ctx, TargetsMethod("WithdrawPlanAmendment"), rt_, *req, resp,
      [&](CallContext&) { return ValidateWithdrawal(req->id(), req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanAmendments(*rt_.clock, *rt_.outbox).Withdraw(tx, call, *req);
      });
}

// Market outlooks are published figures every role may read, as the
// settings they sit beside (GetTargetSettings).
grpc::Status TargetsApi::ListMarketOutlooks(grpc::ServerContext* ctx, const v1::ListMarketOutlooksRequest* req,
                                            v1::ListMarketOutlooksResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListMarketOutlooksResponse>(
      ctx, TargetsMethod("ListMarketOutlooks"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->fiscal_year() != 0 && (req->fiscal_year() < 2000 || req->fiscal_year() > 2100)) {
          return InvalidField("fiscal_year", "0 or 2000..2100");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListMarketOutlooksResponse> {
        SALES_ASSIGN_OR_RETURN(auto items, SettingsStore::ListOutlooks(tx, req->fiscal_year(), after, size + 1));
        v1::ListMarketOutlooksResponse out;
        FillPage(std::move(items), size, &out, [](auto* r) { return r->add_outlooks(); });
        return out;
      });
}

grpc::Status TargetsApi::ListAuditEntries(grpc::ServerContext* ctx, const v1::ListAuditEntriesRequest* req,
                                          v1::ListAuditEntriesResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListAuditEntriesResponse>(
      ctx, TargetsMethod("ListAuditEntries"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return ValidateListAuditEntries(*req);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanRecords(*rt_.clock).AuditTrail(tx, call, *req, after, size);
      });
}

grpc::Status TargetsApi::GetSalesPlanReport(grpc::ServerContext* ctx, const v1::GetSalesPlanReportRequest* req,
                                            v1::GetSalesPlanReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetSalesPlanReportResponse>(
      ctx, TargetsMethod("GetSalesPlanReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfPlanCells));
        // The rows are computed, not stored: the token counts the rows
        // already sent.
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return ValidateGetSalesPlanReport(*req);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanRecords(*rt_.clock).SalesPlan(tx, call, *req, offset, size);
      });
}

}  // namespace sales::targets
