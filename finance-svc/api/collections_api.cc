// The collections ladder (超期帐款管理制度 [000]) and credit holds over gRPC:
// validate, authorize, run the workflow in collections_engine, map errors.
#include "finance-svc/api/collections_api.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/ladder_rules.h"
#include "finance-svc/app/collections_ladder.h"
#include "finance-svc/store/sql_collections_book.h"
#include "finance-svc/store/collections_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

// The case's rep may record the customer's letters and the notices they
// deliver; everything else on a case is finance's.
bool MayRecordOnCase(const Principal& p, const CaseRecord& c) {
  return IsFinanceStaff(p) || (p.role == kRoleRep && p.rep_id != 0 && p.rep_id == c.rep_id);
}

absl::Status RequireEtag(const std::string& etag) {
  return etag.empty() ? InvalidField("etag", "required") : absl::OkStatus();
}

// Locks a case for a change: NOT_FOUND when unknown or outside the caller's
// scope, PERMISSION_DENIED when the role may not do it, ABORTED when stale,
// FAILED_PRECONDITION when closed.
absl::StatusOr<CaseRecord> LockCase(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& etag,
                                    bool rep_may) {
  SALES_ASSIGN_OR_RETURN(CaseRecord c, CollectionsStore::GetCase(tx, id, /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
  if (!scope.Allows(c.rep_id, c.org_unit_id)) return NotFound("collection case", id);
  if (rep_may ? !MayRecordOnCase(call.principal, c) : !IsFinanceStaff(call.principal)) {
    return Denied(rep_may ? "only finance or the case's rep may record this" : "only finance may do this");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(etag, c.version, "collection case", id));
  if (c.facts.closed_on.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("collection case ", id, " is closed")),
                         "CASE_CLOSED", kFinanceDomain);
  }
  return c;
}

absl::Status CheckDocumentDate(const CaseRecord& c, const common::v1::Date& d, const std::string& field,
                               absl::CivilDay today) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  std::string why = CheckLadderDocumentDate(c.facts.due_on, ToCivilDay(d), today);
  return why.empty() ? absl::OkStatus() : InvalidField(field, why);
}

absl::Status CheckText(const std::string& value, const std::string& field, size_t max, bool required) {
  if (required && value.empty()) return InvalidField(field, "required");
  if (value.size() > max) return InvalidField(field, absl::StrCat("at most ", max, " characters"));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CollectionsApi::RunCollectionsSweep(grpc::ServerContext* ctx, const v1::RunCollectionsSweepRequest* req,
                                                 v1::RunCollectionsSweepResponse* resp) {
  auto validate = [&](CallContext& call) -> absl::Status {
    if (!HasRole(call.principal, {kRoleFinance, kRoleService})) return Denied("the sweep is run by finance or the scheduler");
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
        ctx, CollectionsMethod("RunCollectionsSweep"), rt_, *req, resp, validate, run);
  }
  // A dry run computes the same answer in a transaction that is always
  // rolled back, so nothing is recorded and no event leaves.
  return Serve(ctx, CollectionsMethod("RunCollectionsSweep"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(validate(call));
    return DryRun<v1::RunCollectionsSweepResponse>(rt_, [&](db::Transaction& tx) { return run(tx, call); }, resp);
  });
}

grpc::Status CollectionsApi::GetCollectionCase(grpc::ServerContext* ctx, const v1::GetCollectionCaseRequest* req,
                                               v1::GetCollectionCaseResponse* resp) {
  return ServeRead<v1::GetCollectionCaseResponse>(
      ctx, CollectionsMethod("GetCollectionCase"), rt_, resp,
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

grpc::Status CollectionsApi::ListCollectionCases(grpc::ServerContext* ctx,
                                                 const v1::ListCollectionCasesRequest* req,
                                                 v1::ListCollectionCasesResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCollectionCasesResponse>(
      ctx, CollectionsMethod("ListCollectionCases"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 500));
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

grpc::Status CollectionsApi::RecordOverdueConfirmation(grpc::ServerContext* ctx,
                                                       const v1::RecordOverdueConfirmationRequest* req,
                                                       v1::RecordOverdueConfirmationResponse* resp) {
  return ServeMutation<v1::RecordOverdueConfirmationRequest, v1::RecordOverdueConfirmationResponse>(
      ctx, CollectionsMethod("RecordOverdueConfirmation"), rt_, *req, resp,
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
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordOverdueConfirmationResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/true));
        const auto& conf = req->confirmation();
        SALES_RETURN_IF_ERROR(CheckDocumentDate(c, conf.signed_on(), "confirmation.signed_on", lc.today));
        if (conf.confirmed_amount().currency_code() != c.currency) {
          return InvalidField("confirmation.confirmed_amount.currency_code", "must be the invoice's currency");
        }
        if (c.facts.confirmed_on.has_value()) {
          return WithErrorInfo(absl::FailedPreconditionError("the confirmation letter is already recorded"),
                               "ALREADY_CONFIRMED", kFinanceDomain);
        }
        c.facts.confirmed_on = ToCivilDay(conf.signed_on());
        c.confirmed_minor = conf.confirmed_amount().minor_units();
        c.confirmed_by = conf.signed_by();
        c.confirmation_reference = conf.document_reference();
        std::string detail = absl::StrCat("confirmed ", FormatFen(c.confirmed_minor), " signed by ", conf.signed_by());
        if (c.confirmed_minor != c.overdue_minor) {
          absl::StrAppend(&detail, " (our figure ", FormatFen(c.overdue_minor), ")");
        }
        SALES_RETURN_IF_ERROR(ladder.RecordStep(c,
                                         StepRecord{.kind = v1::COLLECTION_STEP_KIND_CONFIRMATION_RECORDED,
                                                    .effective_on = *c.facts.confirmed_on,
                                                    .deadline_on = ConfirmationDeadline(c.facts.due_on),
                                                    .detail = detail}));
        SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
        v1::RecordOverdueConfirmationResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::RecordDunningNotice(grpc::ServerContext* ctx, const v1::RecordDunningNoticeRequest* req,
                                                 v1::RecordDunningNoticeResponse* resp) {
  return ServeMutation<v1::RecordDunningNoticeRequest, v1::RecordDunningNoticeResponse>(
      ctx, CollectionsMethod("RecordDunningNotice"), rt_, *req, resp,
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
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordDunningNoticeResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/true));
        const auto& n = req->notice();
        SALES_RETURN_IF_ERROR(CheckDocumentDate(c, n.sent_on(), "notice.sent_on", lc.today));
        absl::CivilDay sent = ToCivilDay(n.sent_on());
        v1::RecordDunningNoticeResponse out;
        if (n.kind() == v1::DUNNING_NOTICE_KIND_FIRST) {
          if (c.facts.first_notice_on.has_value()) {
            return WithErrorInfo(absl::FailedPreconditionError("the first notice is already recorded"),
                                 "NOTICE_ALREADY_RECORDED", kFinanceDomain);
          }
          c.facts.first_notice_on = sent;
          c.first_notice_minor = c.overdue_minor;
          c.first_notice_method = n.delivery_method();
          c.first_notice_reference = n.document_reference();
          SALES_RETURN_IF_ERROR(ladder.RecordStep(
              c,
              StepRecord{.kind = v1::COLLECTION_STEP_KIND_FIRST_NOTICE,
                         .effective_on = sent,
                         .deadline_on = FirstNoticeDeadline(c.facts.due_on),
                         .detail = absl::StrCat("first notice for ", FormatFen(c.overdue_minor),
                                                ": written repayment plan requested; supply stops unless settled by ",
                                                DayText(SecondNoticeDay(sent)))}));
        } else {
          if (!c.facts.first_notice_on.has_value()) {
            return WithErrorInfo(absl::FailedPreconditionError("the first notice is not recorded yet"),
                                 "FIRST_NOTICE_MISSING", kFinanceDomain);
          }
          if (sent < *c.facts.first_notice_on) return InvalidField("notice.sent_on", "before the first notice");
          if (c.facts.second_notice_on.has_value()) {
            return WithErrorInfo(absl::FailedPreconditionError("the second notice is already recorded"),
                                 "NOTICE_ALREADY_RECORDED", kFinanceDomain);
          }
          c.facts.second_notice_on = sent;
          c.second_notice_minor = c.overdue_minor;
          c.second_notice_method = n.delivery_method();
          c.second_notice_reference = n.document_reference();
          SALES_RETURN_IF_ERROR(ladder.RecordStep(c,
                                           StepRecord{.kind = v1::COLLECTION_STEP_KIND_SECOND_NOTICE,
                                                      .effective_on = sent,
                                                      .deadline_on = SecondNoticeDay(*c.facts.first_notice_on),
                                                      .detail = absl::StrCat("second notice for ",
                                                                             FormatFen(c.overdue_minor))}));
          SALES_ASSIGN_OR_RETURN(auto hold, ladder.StopSupply(c, sent));
          out.set_credit_hold_id(hold.first);
        }
        SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::RecordRepaymentPlan(grpc::ServerContext* ctx, const v1::RecordRepaymentPlanRequest* req,
                                                 v1::RecordRepaymentPlanResponse* resp) {
  return ServeMutation<v1::RecordRepaymentPlanRequest, v1::RecordRepaymentPlanResponse>(
      ctx, CollectionsMethod("RecordRepaymentPlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        if (!req->has_plan()) return InvalidField("plan", "required");
        const auto& plan = req->plan();
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
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordRepaymentPlanResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/true));
        const auto& plan = req->plan();
        SALES_RETURN_IF_ERROR(CheckDocumentDate(c, plan.received_on(), "plan.received_on", lc.today));
        int64_t sum = 0;
        for (const auto& in : plan.installments()) {
          if (in.amount().currency_code() != c.currency) {
            return InvalidField("plan.installments.amount.currency_code", "must be the invoice's currency");
          }
          sum += in.amount().minor_units();
        }
        if (sum > c.overdue_minor) {
          return InvalidField("plan.installments",
                              absl::StrCat("instalments total ", FormatFen(sum), " exceeds the overdue amount ",
                                           FormatFen(c.overdue_minor)));
        }
        bool replaces = c.plan_received_on.has_value();
        c.plan_received_on = ToCivilDay(plan.received_on());
        c.plan_signed_by = plan.signed_by();
        c.plan_reference = plan.document_reference();
        SALES_RETURN_IF_ERROR(CollectionsStore::ReplacePlan(tx, c.id, plan));
        SALES_RETURN_IF_ERROR(ladder.RecordStep(
            c,
            StepRecord{.kind = v1::COLLECTION_STEP_KIND_REPAYMENT_PLAN_RECORDED,
                       .effective_on = *c.plan_received_on,
                       .detail = absl::StrCat(replaces ? "revised " : "", "repayment plan: ",
                                              plan.installments_size(), " instalments totalling ", FormatFen(sum),
                                              ", last due ", FormatDbDate(plan.installments().rbegin()->due_on()))}));
        SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
        v1::RecordRepaymentPlanResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::StartLegalPreparation(grpc::ServerContext* ctx,
                                                   const v1::StartLegalPreparationRequest* req,
                                                   v1::StartLegalPreparationResponse* resp) {
  return ServeMutation<v1::StartLegalPreparationRequest, v1::StartLegalPreparationResponse>(
      ctx, CollectionsMethod("StartLegalPreparation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->started_on(), "started_on"));
        return CheckText(req->note(), "note", 500, false);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::StartLegalPreparationResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/false));
        if (!c.facts.second_notice_on.has_value()) {
          return WithErrorInfo(absl::FailedPreconditionError("the second notice is not recorded yet"),
                               "SECOND_NOTICE_MISSING", kFinanceDomain);
        }
        if (c.facts.legal_started_on.has_value()) {
          return WithErrorInfo(absl::FailedPreconditionError("legal preparation already started"),
                               "LEGAL_ALREADY_STARTED", kFinanceDomain);
        }
        absl::CivilDay on = ToCivilDay(req->started_on());
        if (on < *c.facts.second_notice_on) return InvalidField("started_on", "before the second notice");
        if (on > lc.today) return InvalidField("started_on", "in the future");
        c.facts.legal_started_on = on;
        SALES_RETURN_IF_ERROR(ladder.RecordStep(c,
                                         StepRecord{.kind = v1::COLLECTION_STEP_KIND_LEGAL_PREPARATION_STARTED,
                                                    .effective_on = on,
                                                    .detail = req->note().empty() ? "legal preparation started"
                                                                                  : req->note()}));
        SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
        v1::StartLegalPreparationResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::RecordLegalFileReady(grpc::ServerContext* ctx, const v1::RecordLegalFileReadyRequest* req,
                                                  v1::RecordLegalFileReadyResponse* resp) {
  return ServeMutation<v1::RecordLegalFileReadyRequest, v1::RecordLegalFileReadyResponse>(
      ctx, CollectionsMethod("RecordLegalFileReady"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->ready_on(), "ready_on"));
        return CheckText(req->legal_file_reference(), "legal_file_reference", 128, true);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordLegalFileReadyResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/false));
        if (c.stage != v1::COLLECTION_STAGE_LEGAL_PREPARATION) {
          return WithErrorInfo(absl::FailedPreconditionError("the case is not in legal preparation"),
                               "NOT_IN_LEGAL_PREPARATION", kFinanceDomain);
        }
        absl::CivilDay on = ToCivilDay(req->ready_on());
        if (on < *c.facts.legal_started_on) return InvalidField("ready_on", "before legal preparation started");
        if (on > lc.today) return InvalidField("ready_on", "in the future");
        c.facts.legal_ready_on = on;
        c.legal_file_reference = req->legal_file_reference();
        SALES_RETURN_IF_ERROR(ladder.RecordStep(c,
                                         StepRecord{.kind = v1::COLLECTION_STEP_KIND_LEGAL_READY,
                                                    .effective_on = on,
                                                    .detail = absl::StrCat("legal file ", c.legal_file_reference)}));
        SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
        v1::RecordLegalFileReadyResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::CloseCollectionCase(grpc::ServerContext* ctx, const v1::CloseCollectionCaseRequest* req,
                                                 v1::CloseCollectionCaseResponse* resp) {
  return ServeMutation<v1::CloseCollectionCaseRequest, v1::CloseCollectionCaseResponse>(
      ctx, CollectionsMethod("CloseCollectionCase"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->case_id() <= 0) return InvalidField("case_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(ValidateDate(req->closed_on(), "closed_on"));
        return CheckText(req->reason(), "reason", 500, true);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CloseCollectionCaseResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, req->case_id(), req->etag(), /*rep_may=*/false));
        absl::CivilDay on = ToCivilDay(req->closed_on());
        if (on > lc.today) return InvalidField("closed_on", "in the future");
        SALES_RETURN_IF_ERROR(ladder.CloseCase(c, on, v1::CASE_CLOSE_REASON_MANUAL, req->reason()));
        v1::CloseCollectionCaseResponse out;
        SALES_ASSIGN_OR_RETURN(int64_t released, ladder.ReleaseHoldIfClear(c.customer_id, "NOTHING_OVERDUE"));
        out.set_released_credit_hold_id(released);
        SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
        return out;
      });
}

grpc::Status CollectionsApi::SetCreditHold(grpc::ServerContext* ctx, const v1::SetCreditHoldRequest* req,
                                           v1::SetCreditHoldResponse* resp) {
  return ServeMutation<v1::SetCreditHoldRequest, v1::SetCreditHoldResponse>(
      ctx, CollectionsMethod("SetCreditHold"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleManager})) return Denied("finance or the owner's manager");
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_RETURN_IF_ERROR(CheckText(req->reason(), "reason", 500, true));
        if (req->has_set_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->set_on(), "set_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SetCreditHoldResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        absl::CivilDay on = req->has_set_on() ? ToCivilDay(req->set_on()) : lc.today;
        if (on > lc.today) return InvalidField("set_on", "in the future");
        HoldRecord h;
        h.customer_id = req->customer_id();
        SALES_ASSIGN_OR_RETURN(h.rep_id, CollectionsStore::CustomerRep(tx, h.customer_id));
        if (call.principal.role == kRoleManager) {
          // A manager stops supply only to customers of reps in their unit.
          SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
          SALES_ASSIGN_OR_RETURN(int64_t unit, CollectionsStore::CustomerUnit(tx, h.customer_id));
          if (!scope.Allows(0, unit)) return Denied("the customer's owner is outside your unit");
        }
        h.source = v1::CREDIT_HOLD_SOURCE_MANUAL;
        h.reason = req->reason();
        SALES_ASSIGN_OR_RETURN(h.overdue_minor, CollectionsStore::CustomerOverdueMinor(tx, h.customer_id, on));
        h.set_on = on;
        SALES_ASSIGN_OR_RETURN(h.id, CollectionsStore::InsertHold(tx, h, lc.now));
        SALES_RETURN_IF_ERROR(CollectionsStore::SetCustomerOnHold(tx, h.customer_id, true, h.reason, lc.now));
        SALES_RETURN_IF_ERROR(
            CollectionsStore::Audit(tx, "CreditHold", h.id, "HOLD_SET", "", "ACTIVE", h.reason, lc.actor, lc.now));
        v1::CustomerHoldSetEvent ev;
        ev.set_credit_hold_id(h.id);
        ev.set_customer_id(h.customer_id);
        ev.set_rep_id(h.rep_id);
        ev.set_source(v1::CREDIT_HOLD_SOURCE_MANUAL);
        ev.set_reason(h.reason);
        *ev.mutable_set_on() = FromCivilDay(on);
        *ev.mutable_overdue_amount() = MakeMoney(h.overdue_minor, h.currency);
        SALES_RETURN_IF_ERROR(AppendFinanceEvent(tx, rt_.outbox, "CreditHold", h.id, ev, call.request_id, lc.now));
        v1::SetCreditHoldResponse out;
        SALES_ASSIGN_OR_RETURN(HoldRecord saved, CollectionsStore::GetHold(tx, h.id, false));
        *out.mutable_credit_hold() = HoldToProto(saved);
        return out;
      });
}

grpc::Status CollectionsApi::ReleaseCreditHold(grpc::ServerContext* ctx, const v1::ReleaseCreditHoldRequest* req,
                                               v1::ReleaseCreditHoldResponse* resp) {
  return ServeMutation<v1::ReleaseCreditHoldRequest, v1::ReleaseCreditHoldResponse>(
      ctx, CollectionsMethod("ReleaseCreditHold"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance releases a hold");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireEtag(req->etag()));
        SALES_RETURN_IF_ERROR(CheckText(req->reason(), "reason", 500, true));
        if (req->has_released_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->released_on(), "released_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReleaseCreditHoldResponse> {
        LadderContext lc = LadderContextOf(rt_, call);
        SqlCollectionsBook book(tx, rt_.outbox);
        CollectionsLadder ladder(book, lc);
        SALES_ASSIGN_OR_RETURN(HoldRecord h, CollectionsStore::GetHold(tx, req->id(), /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), h.version, "credit hold", h.id));
        if (h.state != v1::CREDIT_HOLD_STATE_ACTIVE) {
          return WithErrorInfo(absl::FailedPreconditionError("the hold is already released"), "HOLD_RELEASED",
                               kFinanceDomain);
        }
        absl::CivilDay on = req->has_released_on() ? ToCivilDay(req->released_on()) : lc.today;
        if (on > lc.today) return InvalidField("released_on", "in the future");
        if (on < h.set_on) return InvalidField("released_on", "before the hold was set");
        SALES_RETURN_IF_ERROR(ladder.ReleaseHoldNow(h, on, req->reason()));
        v1::ReleaseCreditHoldResponse out;
        *out.mutable_credit_hold() = HoldToProto(h);
        return out;
      });
}

grpc::Status CollectionsApi::GetCreditHold(grpc::ServerContext* ctx, const v1::GetCreditHoldRequest* req,
                                           v1::GetCreditHoldResponse* resp) {
  return ServeRead<v1::GetCreditHoldResponse>(
      ctx, CollectionsMethod("GetCreditHold"), rt_, resp,
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

grpc::Status CollectionsApi::ListCreditHolds(grpc::ServerContext* ctx, const v1::ListCreditHoldsRequest* req,
                                             v1::ListCreditHoldsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCreditHoldsResponse>(
      ctx, CollectionsMethod("ListCreditHolds"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCreditHoldsResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        // Holds are few; scope them after reading a page-sized batch.
        std::vector<v1::CreditHold> holds;
        int64_t cursor = after;
        while (static_cast<int>(holds.size()) <= size) {
          SALES_ASSIGN_OR_RETURN(auto batch, CollectionsStore::ListHolds(tx, *req, cursor, size + 1));
          if (batch.empty()) break;
          for (const auto& h : batch) {
            cursor = h.id;
            SALES_ASSIGN_OR_RETURN(int64_t unit, CollectionsStore::CustomerUnit(tx, h.customer_id));
            if (scope.Allows(h.rep_id, unit)) holds.push_back(HoldToProto(h));
            if (static_cast<int>(holds.size()) > size) break;
          }
        }
        v1::ListCreditHoldsResponse out;
        FillPage(std::move(holds), size, &out, [](auto* r) { return r->add_credit_holds(); });
        return out;
      });
}

}  // namespace sales::finance
