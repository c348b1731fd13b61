// Customer statements (对帐单): generated for the half-year, sent, confirmed
// or disputed by the customer in writing, disputes resolved by finance.
// Generating and recording the customer's answer are app/statements.
#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/statements.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/statement_store.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

using statement_state::kDisputed;
using statement_state::kDraft;
using statement_state::kResolved;
using statement_state::kSent;

// The owning rep reconciles with the customer; finance may always act.
absl::Status OwnerOrFinance(const Principal& p, int64_t rep_id) {
  if (IsFinanceStaff(p)) return absl::OkStatus();
  if (p.role == kRoleRep && p.rep_id != 0 && p.rep_id == rep_id) return absl::OkStatus();
  return Denied("the owning rep or finance records statement steps");
}

absl::Status DateNotFuture(const common::v1::Date& d, const char* field, absl::Time now) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  if (ToCivilDay(d) > BusinessDay(now)) return InvalidField(field, "must not be in the future");
  return absl::OkStatus();
}

absl::Status ValidateGenerateStatements(const CallContext& call, const v1::GenerateStatementsRequest& req,
                                        const Clock& clock) {
  if (!IsFinanceStaff(call.principal)) return Denied("finance generates statements");
  std::vector<FieldViolation> v;
  if (req.has_period()) {
    const auto& p = req.period();
    if (!p.has_start() || !p.has_end()) {
      v.push_back({"period", "start and end are both required when a period is given"});
    } else {
      for (auto& fv : FieldViolationsOf(ValidateDate(p.start(), "period.start"))) v.push_back(fv);
      for (auto& fv : FieldViolationsOf(ValidateDate(p.end(), "period.end"))) v.push_back(fv);
      if (v.empty() && ToCivilDay(p.end()) < ToCivilDay(p.start())) v.push_back({"period.end", "before start"});
      if (v.empty() && ToCivilDay(p.end()) > BusinessDay(clock.Now())) {
        v.push_back({"period.end", "must not be in the future"});
      }
    }
  }
  for (int i = 0; i < req.customer_ids_size(); ++i) {
    if (req.customer_ids(i) <= 0) v.push_back({absl::StrCat("customer_ids[", i, "]"), "must be > 0"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateStatementConfirmation(const v1::RecordStatementConfirmationRequest& req, const Clock& clock) {
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  if (!req.has_confirmed_on()) {
    v.push_back({"confirmed_on", "required"});
  } else {
    for (auto& fv : FieldViolationsOf(DateNotFuture(req.confirmed_on(), "confirmed_on", clock.Now()))) {
      v.push_back(fv);
    }
  }
  if (req.confirmed_by().empty() || req.confirmed_by().size() > 128) {
    v.push_back({"confirmed_by", "required, 1..128 characters (name and title of the signatory)"});
  }
  if (!req.agreed() && !req.has_customer_stated_balance()) {
    v.push_back({"customer_stated_balance", "required when the customer disputes the balance"});
  }
  if (req.has_customer_stated_balance()) {
    for (auto& fv :
         FieldViolationsOf(ValidateMoney(req.customer_stated_balance(), "customer_stated_balance", Sign::kAny))) {
      v.push_back(fv);
    }
  }
  if (req.customer_comment().size() > 1000) v.push_back({"customer_comment", "at most 1000 characters"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status FinanceApi::GenerateStatements(grpc::ServerContext* ctx, const v1::GenerateStatementsRequest* req,
                                            v1::GenerateStatementsResponse* resp) {
  return ServeMutation<v1::GenerateStatementsRequest, v1::GenerateStatementsResponse>(
      ctx, FinanceMethod("GenerateStatements"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateGenerateStatements(call, *req, *rt_.clock); },
      [&](db::Transaction& tx, CallContext& call) {
        return Statements(*rt_.clock, *rt_.outbox).Generate(tx, call, *req);
      });
}

grpc::Status FinanceApi::GetStatement(grpc::ServerContext* ctx, const v1::GetStatementRequest* req,
                                      v1::GetStatementResponse* resp) {
  return ServeRead<v1::GetStatementResponse>(
      ctx, FinanceMethod("GetStatement"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetStatementResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        v1::GetStatementResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_statement(), StatementStore::Get(tx, req->id(), true));
        if (!scope.all) {
          SALES_ASSIGN_OR_RETURN(bool visible, StatementStore::Visible(tx, req->id(), scope));
          if (!visible) return NotFound("statement", req->id());
        }
        return out;
      });
}

grpc::Status FinanceApi::ListStatements(grpc::ServerContext* ctx, const v1::ListStatementsRequest* req,
                                        v1::ListStatementsResponse* resp) {
  return ServeRead<v1::ListStatementsResponse>(
      ctx, FinanceMethod("ListStatements"), rt_, resp,
      [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListStatementsResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto items, StatementStore::List(tx, *req, scope, after, size));
        v1::ListStatementsResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListStatementsResponse* r) { return r->add_statements(); });
        return out;
      });
}

grpc::Status FinanceApi::MarkStatementSent(grpc::ServerContext* ctx, const v1::MarkStatementSentRequest* req,
                                           v1::MarkStatementSentResponse* resp) {
  return ServeMutation<v1::MarkStatementSentRequest, v1::MarkStatementSentResponse>(
      ctx, FinanceMethod("MarkStatementSent"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (!req->has_sent_on()) {
          v.push_back({"sent_on", "required"});
        } else {
          for (auto& fv : FieldViolationsOf(DateNotFuture(req->sent_on(), "sent_on", rt_.clock->Now())))
            v.push_back(fv);
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MarkStatementSentResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto lock, StatementStore::Lock(tx, req->id()));
        auto [state, version, rep] = lock;
        SALES_RETURN_IF_ERROR(OwnerOrFinance(call.principal, rep));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), version, "statement", req->id()));
        SALES_RETURN_IF_ERROR(CheckStatementState(state, kDraft, "DRAFT"));
        SALES_ASSIGN_OR_RETURN(auto cur, StatementStore::Get(tx, req->id(), false));
        if (ToCivilDay(req->sent_on()) < ToCivilDay(cur.period().end())) {
          return InvalidField("sent_on", "must not be before the period ends");
        }
        SALES_RETURN_IF_ERROR(StatementStore::SaveSent(tx, req->id(), kSent, req->sent_on(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Statement", req->id(), "SEND", "DRAFT", "SENT", "", now));
        v1::MarkStatementSentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_statement(), StatementStore::Get(tx, req->id(), true));
        return out;
      });
}

grpc::Status FinanceApi::RecordStatementConfirmation(grpc::ServerContext* ctx,
                                                     const v1::RecordStatementConfirmationRequest* req,
                                                     v1::RecordStatementConfirmationResponse* resp) {
  return ServeMutation<v1::RecordStatementConfirmationRequest, v1::RecordStatementConfirmationResponse>(
      ctx, FinanceMethod("RecordStatementConfirmation"), rt_, *req, resp,
      [&](CallContext&) { return ValidateStatementConfirmation(*req, *rt_.clock); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordStatementConfirmationResponse> {
        SALES_ASSIGN_OR_RETURN(auto lock, StatementStore::Lock(tx, req->id()));
        auto [state, version, rep] = lock;
        SALES_RETURN_IF_ERROR(OwnerOrFinance(call.principal, rep));
        return Statements(*rt_.clock, *rt_.outbox).RecordConfirmation(tx, call, *req, state, version);
      });
}

grpc::Status FinanceApi::ResolveStatementDispute(grpc::ServerContext* ctx,
                                                 const v1::ResolveStatementDisputeRequest* req,
                                                 v1::ResolveStatementDisputeResponse* resp) {
  return ServeMutation<v1::ResolveStatementDisputeRequest, v1::ResolveStatementDisputeResponse>(
      ctx, FinanceMethod("ResolveStatementDispute"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance resolves statement disputes");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->resolution().empty() || req->resolution().size() > 1000) {
          v.push_back({"resolution", "required, 1..1000 characters"});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ResolveStatementDisputeResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto lock, StatementStore::Lock(tx, req->id()));
        auto [state, version, rep] = lock;
        (void)rep;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), version, "statement", req->id()));
        SALES_RETURN_IF_ERROR(CheckStatementState(state, kDisputed, "DISPUTED"));
        SALES_RETURN_IF_ERROR(StatementStore::SaveResolution(tx, req->id(), kResolved, req->resolution(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Statement", req->id(), "RESOLVE", "DISPUTED", "RESOLVED",
                                                 req->resolution(), now));
        v1::ResolveStatementDisputeResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_statement(), StatementStore::Get(tx, req->id(), true));
        return out;
      });
}

}  // namespace sales::finance
