// The collections ladder (超期帐款管理制度 [000]) and credit holds over gRPC:
// validate, authorize, and hand the work to app/ — the daily sweep to
// CollectionsLadder, the hand-recorded steps and holds to CollectionsDesk
// (which goes through the ladder) — or read cases and holds from the store.
#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/collections_desk.h"
#include "finance-svc/app/collections_ladder.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/ladder_rules.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/sql_collections_book.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

absl::Status RequireEtag(const std::string& etag) {
  return etag.empty() ? InvalidField("etag", "required") : absl::OkStatus();
}

absl::Status CheckText(const std::string& value, const std::string& field, size_t max, bool required) {
  if (required && value.empty()) return InvalidField(field, "required");
  if (value.size() > max) return InvalidField(field, absl::StrCat("at most ", max, " characters"));
  return absl::OkStatus();
}

absl::Status ValidateRecordRepaymentPlan(const v1::RecordRepaymentPlanRequest& req) {
  if (req.case_id() <= 0) return InvalidField("case_id", "required, > 0");
  SALES_RETURN_IF_ERROR(RequireEtag(req.etag()));
  if (!req.has_plan()) return InvalidField("plan", "required");
  const auto& plan = req.plan();
  SALES_RETURN_IF_ERROR(ValidateDate(plan.received_on(), "plan.received_on"));
  SALES_RETURN_IF_ERROR(CheckText(plan.signed_by(), "plan.signed_by", 128, true));
  SALES_RETURN_IF_ERROR(CheckText(plan.document_reference(), "plan.document_reference", 128, false));
  if (plan.installments().empty() || plan.installments_size() > 60) {
    return InvalidField("plan.installments", "1..60 instalments");
  }
  std::vector<FieldViolation> bad;
  for (int i = 0; i < plan.installments_size(); ++i) {
    const auto& in = plan.installments(i);
    std::string f = absl::StrCat("plan.installments[", i, "]");
    if (!ValidateDate(in.due_on(), f + ".due_on").ok()) bad.push_back({f + ".due_on", "a valid date"});
    if (!in.has_amount() || !ValidateMoney(in.amount(), f + ".amount", Sign::kPositive).ok()) {
      bad.push_back({f + ".amount", "positive amount"});
    }
    if (i > 0 && bad.empty() && ToCivilDay(in.due_on()) < ToCivilDay(plan.installments(i - 1).due_on())) {
      bad.push_back({f + ".due_on", "instalments must be in date order"});
    }
  }
  return bad.empty() ? absl::OkStatus() : InvalidFields(std::move(bad));
}

}  // namespace

grpc::Status FinanceApi::RunCollectionsSweep(grpc::ServerContext* ctx, const v1::RunCollectionsSweepRequest* req,
                                             v1::RunCollectionsSweepResponse* resp) {
  auto validate = [&](CallContext& call) -> absl::Status {
    if (!HasRole(call.principal, {kRoleFinance, kRoleService}))
      return Denied("the sweep is run by finance or the scheduler");
    SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
    if (ToCivilDay(req->as_of()) > BusinessDay(rt_.clock->Now())) return InvalidField("as_of", "in the future");
    if (req->customer_id() < 0) return InvalidField("customer_id", "must be >= 0");
    return absl::OkStatus();
  };
  auto run = [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RunCollectionsSweepResponse> {
    SqlCollectionsBook book(tx, rt_.outbox);
    return CollectionsLadder(book, LadderContextOf(rt_, call)).Sweep(ToCivilDay(req->as_of()), req->customer_id());
  };
  if (!req->dry_run()) {
    return ServeMutation<v1::RunCollectionsSweepRequest, v1::RunCollectionsSweepResponse>(
        ctx, FinanceMethod("RunCollectionsSweep"), rt_, *req, resp, validate, run);
  }
  // A dry run computes the same answer in a transaction that is always
  // rolled back, so nothing is recorded and no event leaves.
  return Serve(ctx, FinanceMethod("RunCollectionsSweep"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(validate(call));
    return DryRun<v1::RunCollectionsSweepResponse>(
        rt_, [&](db::Transaction& tx) { return run(tx, call); }, resp);
  });
}

grpc::Status FinanceApi::GetCollectionCase(grpc::ServerContext* ctx, const v1::GetCollectionCaseRequest* req,
                                           v1::GetCollectionCaseResponse* resp) {
  return ServeRead<v1::GetCollectionCaseResponse>(
      ctx, FinanceMethod("GetCollectionCase"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCollectionCaseResponse> {
        SALES_ASSIGN_OR_RETURN(CaseRecord c, CollectionsStore::GetCase(tx, req->id(), false));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        if (!scope.Allows(c.rep_id, c.org_unit_id)) return NotFound("collection case", req->id());
        v1::GetCollectionCaseResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, /*with_details=*/true));
        return out;
      });
}

grpc::Status FinanceApi::ListCollectionCases(grpc::ServerContext* ctx, const v1::ListCollectionCasesRequest* req,
                                             v1::ListCollectionCasesResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCollectionCasesResponse>(
      ctx, FinanceMethod("ListCollectionCases"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->has_action_due_by()) SALES_RETURN_IF_ERROR(ValidateDate(req->action_due_by(), "action_due_by"));
        for (int s : req->stages()) {
          if (!v1::CollectionStage_IsValid(s) || s == v1::COLLECTION_STAGE_UNSPECIFIED) {
            return InvalidField("stages", "unknown stage");
          }
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCollectionCasesResponse> {
        v1::ListCollectionCasesResponse out;
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        CaseFilter f;
        f.rep_id = req->rep_id();
        f.customer_id = req->customer_id();
        f.invoice_id = req->invoice_id();
        for (int s : req->stages()) f.stages.push_back(s);
        if (req->has_action_due_by()) f.action_due_by = ToCivilDay(req->action_due_by());
        f.deadline_missed_only = req->deadline_missed_only();
        SALES_ASSIGN_OR_RETURN(bool any, NarrowToScope(tx, scope, req->org_unit_id(), &f));
        if (!any) return out;
        SALES_ASSIGN_OR_RETURN(auto cases, CollectionsStore::ListCases(tx, f, after, size + 1));
        std::vector<v1::CollectionCase> protos;
        for (const auto& c : cases) {
          SALES_ASSIGN_OR_RETURN(auto p, CaseToProto(tx, c, /*with_details=*/false));
          protos.push_back(std::move(p));
        }
        FillPage(std::move(protos), size, &out, [](auto* r) { return r->add_collection_cases(); });
        return out;
      });
}

grpc::Status FinanceApi::RecordOverdueConfirmation(grpc::ServerContext* ctx,
                                                   const v1::RecordOverdueConfirmationRequest* req,
                                                   v1::RecordOverdueConfirmationResponse* resp) {
  return ServeMutation<v1::RecordOverdueConfirmationRequest, v1::RecordOverdueConfirmationResponse>(
      ctx, FinanceMethod("RecordOverdueConfirmation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        if (!req->has_confirmation()) return InvalidField("confirmation", "required");
        const auto& conf = req->confirmation();
        SALES_RETURN_IF_ERROR(ValidateDate(conf.signed_on(), "confirmation.signed_on"));
        if (!conf.has_confirmed_amount()) return InvalidField("confirmation.confirmed_amount", "required");
        SALES_RETURN_IF_ERROR(ValidateMoney(conf.confirmed_amount(), "confirmation.confirmed_amount", Sign::kPositive));
        SALES_RETURN_IF_ERROR(CheckText(conf.signed_by(), "confirmation.signed_by", 128, true));
        return CheckText(conf.document_reference(), "confirmation.document_reference", 128, false);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).RecordOverdueConfirmation(tx, call, *req);
      });
}

grpc::Status FinanceApi::RecordDunningNotice(grpc::ServerContext* ctx, const v1::RecordDunningNoticeRequest* req,
                                             v1::RecordDunningNoticeResponse* resp) {
  return ServeMutation<v1::RecordDunningNoticeRequest, v1::RecordDunningNoticeResponse>(
      ctx, FinanceMethod("RecordDunningNotice"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        if (!req->has_notice()) return InvalidField("notice", "required");
        const auto& n = req->notice();
        if (n.kind() != v1::DUNNING_NOTICE_KIND_FIRST && n.kind() != v1::DUNNING_NOTICE_KIND_SECOND) {
          return InvalidField("notice.kind", "FIRST or SECOND");
        }
        SALES_RETURN_IF_ERROR(ValidateDate(n.sent_on(), "notice.sent_on"));
        SALES_RETURN_IF_ERROR(CheckText(n.delivery_method(), "notice.delivery_method", 32, false));
        return CheckText(n.document_reference(), "notice.document_reference", 128, false);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).RecordDunningNotice(tx, call, *req);
      });
}

grpc::Status FinanceApi::RecordRepaymentPlan(grpc::ServerContext* ctx, const v1::RecordRepaymentPlanRequest* req,
                                             v1::RecordRepaymentPlanResponse* resp) {
  return ServeMutation<v1::RecordRepaymentPlanRequest, v1::RecordRepaymentPlanResponse>(
      ctx, FinanceMethod("RecordRepaymentPlan"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRecordRepaymentPlan(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).RecordRepaymentPlan(tx, call, *req);
      });
}

grpc::Status FinanceApi::StartLegalPreparation(grpc::ServerContext* ctx, const v1::StartLegalPreparationRequest* req,
                                               v1::StartLegalPreparationResponse* resp) {
  return ServeMutation<v1::StartLegalPreparationRequest, v1::StartLegalPreparationResponse>(
      ctx, FinanceMethod("StartLegalPreparation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->started_on(), "started_on"));
        return CheckText(req->note(), "note", 500, false);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).StartLegalPreparation(tx, call, *req);
      });
}

grpc::Status FinanceApi::RecordLegalFileReady(grpc::ServerContext* ctx, const v1::RecordLegalFileReadyRequest* req,
                                              v1::RecordLegalFileReadyResponse* resp) {
  return ServeMutation<v1::RecordLegalFileReadyRequest, v1::RecordLegalFileReadyResponse>(
      ctx, FinanceMethod("RecordLegalFileReady"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->ready_on(), "ready_on"));
        return CheckText(req->legal_file_reference(), "legal_file_reference", 128, true);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).RecordLegalFileReady(tx, call, *req);
      });
}

grpc::Status FinanceApi::CloseCollectionCase(grpc::ServerContext* ctx, const v1::CloseCollectionCaseRequest* req,
                                             v1::CloseCollectionCaseResponse* resp) {
  return ServeMutation<v1::CloseCollectionCaseRequest, v1::CloseCollectionCaseResponse>(
      ctx, FinanceMethod("CloseCollectionCase"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->closed_on(), "closed_on"));
        return CheckText(req->reason(), "reason", 500, true);
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).CloseCollectionCase(tx, call, *req);
      });
}

grpc::Status FinanceApi::SetCreditHold(grpc::ServerContext* ctx, const v1::SetCreditHoldRequest* req,
                                       v1::SetCreditHoldResponse* resp) {
  return ServeMutation<v1::SetCreditHoldRequest, v1::SetCreditHoldResponse>(
      ctx, FinanceMethod("SetCreditHold"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleManager})) return Denied("finance or the owner's manager");
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_RETURN_IF_ERROR(CheckText(req->reason(), "reason", 500, true));
        if (req->has_set_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->set_on(), "set_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).SetCreditHold(tx, call, *req);
      });
}

grpc::Status FinanceApi::ReleaseCreditHold(grpc::ServerContext* ctx, const v1::ReleaseCreditHoldRequest* req,
                                           v1::ReleaseCreditHoldResponse* resp) {
  return ServeMutation<v1::ReleaseCreditHoldRequest, v1::ReleaseCreditHoldResponse>(
      ctx, FinanceMethod("ReleaseCreditHold"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance releases a hold");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(CheckText(req->reason(), "reason", 500, true));
        if (req->has_released_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->released_on(), "released_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CollectionsDesk(*rt_.clock, *rt_.outbox).ReleaseCreditHold(tx, call, *req);
      });
}

grpc::Status FinanceApi::GetCreditHold(grpc::ServerContext* ctx, const v1::GetCreditHoldRequest* req,
                                       v1::GetCreditHoldResponse* resp) {
  return ServeRead<v1::GetCreditHoldResponse>(
      ctx, FinanceMethod("GetCreditHold"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCreditHoldResponse> {
        SALES_ASSIGN_OR_RETURN(HoldRecord h, CollectionsStore::GetHold(tx, req->id(), false));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(int64_t unit, CollectionsStore::CustomerUnit(tx, h.customer_id));
        if (!scope.Allows(h.rep_id, unit)) return NotFound("credit hold", req->id());
        v1::GetCreditHoldResponse out;
        *out.mutable_credit_hold() = HoldToProto(h);
        return out;
      });
}

grpc::Status FinanceApi::ListCreditHolds(grpc::ServerContext* ctx, const v1::ListCreditHoldsRequest* req,
                                         v1::ListCreditHoldsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCreditHoldsResponse>(
      ctx, FinanceMethod("ListCreditHolds"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCreditHoldsResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        // Holds are few; scope them after reading a page-sized batch (cases
        // included); a narrowed scope reads the batch's units at once.
        std::vector<v1::CreditHold> holds;
        int64_t cursor = after;
        while (static_cast<int>(holds.size()) <= size) {
          SALES_ASSIGN_OR_RETURN(auto batch, CollectionsStore::ListHolds(tx, *req, cursor, size + 1));
          if (batch.empty()) break;
          std::map<int64_t, int64_t> units;  // customer -> unit
          if (!scope.all) {
            std::vector<int64_t> customers;
            for (const auto& h : batch) customers.push_back(h.customer_id);
            SALES_ASSIGN_OR_RETURN(units, CollectionsStore::CustomerUnits(tx, customers));
          }
          for (const auto& h : batch) {
            cursor = h.id;
            if (scope.Allows(h.rep_id, units[h.customer_id])) holds.push_back(HoldToProto(h));
            if (static_cast<int>(holds.size()) > size) break;
          }
          if (static_cast<int>(batch.size()) <= size) break;  // nothing after this batch
        }
        v1::ListCreditHoldsResponse out;
        FillPage(std::move(holds), size, &out, [](auto* r) { return r->add_credit_holds(); });
        return out;
      });
}

}  // namespace sales::finance
