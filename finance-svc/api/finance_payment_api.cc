// Payments (回款): record from bank notices, apply to invoices, reverse,
// refund, dishonor. FINANCE posts; reps and managers read in scope.
#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/domain/payment.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/payment_store.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

absl::Status MustBeFinance(const CallContext& call) {
  return IsFinanceStaff(call.principal) ? absl::OkStatus() : Denied("only finance posts payments");
}

// Allocations as the store takes them; every field checked up front.
absl::StatusOr<std::vector<AllocationRequest>> ReadAllocations(
    const google::protobuf::RepeatedPtrField<v1::Allocation>& in, v1::ApplyMode mode) {
  std::vector<AllocationRequest> out;
  std::vector<FieldViolation> v;
  if (mode == v1::APPLY_MODE_EXPLICIT && in.empty()) v.push_back({"allocations", "required for EXPLICIT"});
  if (mode != v1::APPLY_MODE_EXPLICIT && !in.empty()) v.push_back({"allocations", "only with EXPLICIT"});
  if (in.size() > 500) v.push_back({"allocations", "at most 500"});
  for (int i = 0; i < in.size(); ++i) {
    const auto& a = in[i];
    std::string f = absl::StrCat("allocations[", i, "]");
    AllocationRequest r;
    r.field = f;
    r.invoice_id = a.invoice_id();
    r.debit_memo_id = a.debit_memo_id();
    if (a.target_case() == v1::Allocation::TARGET_NOT_SET || (r.invoice_id <= 0 && r.debit_memo_id <= 0)) {
      v.push_back({absl::StrCat(f, ".invoice_id"), "an invoice_id or debit_memo_id > 0 is required"});
    }
    if (!a.has_amount()) {
      v.push_back({absl::StrCat(f, ".amount"), "required"});
    } else {
      for (auto& fv : FieldViolationsOf(ValidateMoney(a.amount(), absl::StrCat(f, ".amount"), Sign::kPositive))) {
        v.push_back(fv);
      }
      if (a.amount().currency_code() != kCompanyCurrency) {
        v.push_back({absl::StrCat(f, ".amount.currency_code"), "allocations are in the company currency CNY"});
      }
      r.amount = a.amount().minor_units();
    }
    out.push_back(r);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return out;
}

absl::Status CheckNotFuture(const common::v1::Date& d, const char* field, absl::Time now) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  if (ToCivilDay(d) > BusinessDay(now)) return InvalidField(field, "must not be in the future");
  return absl::OkStatus();
}

absl::Status ValidateRefundPayment(const CallContext& call, const v1::RefundPaymentRequest& req, const Clock& clock) {
  SALES_RETURN_IF_ERROR(MustBeFinance(call));
  std::vector<FieldViolation> v;
  if (req.payment_id() <= 0) v.push_back({"payment_id", "required, > 0"});
  const v1::Refund& r = req.refund();
  if (!req.has_refund()) {
    v.push_back({"refund", "required"});
  } else {
    if (!r.has_amount()) {
      v.push_back({"refund.amount", "required"});
    } else {
      for (auto& fv : FieldViolationsOf(ValidateMoney(r.amount(), "refund.amount", Sign::kPositive))) v.push_back(fv);
      if (r.amount().currency_code() != kCompanyCurrency) {
        v.push_back({"refund.amount.currency_code", "refunds are in the company currency CNY"});
      }
    }
    if (!r.has_refunded_on()) {
      v.push_back({"refund.refunded_on", "required"});
    } else {
      for (auto& fv : FieldViolationsOf(CheckNotFuture(r.refunded_on(), "refund.refunded_on", clock.Now()))) {
        v.push_back(fv);
      }
    }
    if (r.bank_reference().empty() || r.bank_reference().size() > 64) {
      v.push_back({"refund.bank_reference", "required, 1..64 characters"});
    }
    if (r.reason().empty() || r.reason().size() > 500) v.push_back({"refund.reason", "required, 1..500 characters"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status FinanceApi::RecordPayment(grpc::ServerContext* ctx, const v1::RecordPaymentRequest* req,
                                       v1::RecordPaymentResponse* resp) {
  return ServeMutation<v1::RecordPaymentRequest, v1::RecordPaymentResponse>(
      ctx, FinanceMethod("RecordPayment"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(MustBeFinance(call));
        if (!req->has_payment()) return InvalidField("payment", "required");
        SALES_RETURN_IF_ERROR(ValidateNewPayment(req->payment()));
        if (ToCivilDay(req->payment().received_on()) > BusinessDay(rt_.clock->Now())) {
          return InvalidField("payment.received_on", "must not be in the future");
        }
        return ReadAllocations(req->allocations(), req->apply_mode()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordPaymentResponse> {
        absl::Time now = rt_.clock->Now();
        const v1::Payment& p = req->payment();
        int64_t settlement = p.amount().minor_units();
        if (p.amount().currency_code() != kCompanyCurrency) {
          SALES_ASSIGN_OR_RETURN(settlement, ConvertHalfUp(p.amount().minor_units(), p.exchange_rate_bp()));
        }
        v1::RecordPaymentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Insert(tx, p, settlement, now));
        v1::PaymentRecordedEvent event;
        *event.mutable_payment() = out.payment();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "Payment", absl::StrCat(out.payment().id()), event, call.request_id));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Payment", out.payment().id(), "RECORD", "", "UNAPPLIED",
                                                 p.bank_reference(), now));
        if (req->apply_mode() == v1::APPLY_MODE_OLDEST_DUE_FIRST || req->apply_mode() == v1::APPLY_MODE_EXPLICIT) {
          SALES_ASSIGN_OR_RETURN(auto allocations, ReadAllocations(req->allocations(), req->apply_mode()));
          SALES_ASSIGN_OR_RETURN(PaymentRow row, PaymentStore::Lock(tx, out.payment().id()));
          SALES_ASSIGN_OR_RETURN(
              auto apps, PaymentStore::Apply(tx, *rt_.outbox, call, row, req->apply_mode(), allocations, 0, now));
          for (auto& a : apps) *out.add_applications() = std::move(a);
          SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, row.id));
        }
        return out;
      });
}

grpc::Status FinanceApi::GetPayment(grpc::ServerContext* ctx, const v1::GetPaymentRequest* req,
                                    v1::GetPaymentResponse* resp) {
  return ServeRead<v1::GetPaymentResponse>(
      ctx, FinanceMethod("GetPayment"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetPaymentResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        v1::GetPaymentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, req->id()));
        // A payment belongs to the customer's rep; reps and managers see it
        // through that rep and the rep's unit on the customer's account.
        if (!scope.all) {
          SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, out.payment().customer_id()));
          if (!scope.Allows(out.payment().rep_id(), acct ? acct->org_unit_id : 0))
            return NotFound("payment", req->id());
        }
        return out;
      });
}

grpc::Status FinanceApi::ListPayments(grpc::ServerContext* ctx, const v1::ListPaymentsRequest* req,
                                      v1::ListPaymentsResponse* resp) {
  return ServeRead<v1::ListPaymentsResponse>(
      ctx, FinanceMethod("ListPayments"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPaymentsResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto items, PaymentStore::List(tx, *req, scope, after, size));
        v1::ListPaymentsResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListPaymentsResponse* r) { return r->add_payments(); });
        return out;
      });
}

grpc::Status FinanceApi::ApplyPayment(grpc::ServerContext* ctx, const v1::ApplyPaymentRequest* req,
                                      v1::ApplyPaymentResponse* resp) {
  return ServeMutation<v1::ApplyPaymentRequest, v1::ApplyPaymentResponse>(
      ctx, FinanceMethod("ApplyPayment"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(MustBeFinance(call));
        std::vector<FieldViolation> v;
        if (req->payment_id() <= 0) v.push_back({"payment_id", "required, > 0"});
        if (req->mode() != v1::APPLY_MODE_OLDEST_DUE_FIRST && req->mode() != v1::APPLY_MODE_EXPLICIT) {
          v.push_back({"mode", "OLDEST_DUE_FIRST or EXPLICIT"});
        }
        if (req->has_max_amount()) {
          for (auto& fv : FieldViolationsOf(ValidateMoney(req->max_amount(), "max_amount", Sign::kPositive))) {
            v.push_back(fv);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return ReadAllocations(req->allocations(), req->mode()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApplyPaymentResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto allocations, ReadAllocations(req->allocations(), req->mode()));
        SALES_ASSIGN_OR_RETURN(PaymentRow row, PaymentStore::Lock(tx, req->payment_id()));
        if (!req->etag().empty()) SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), row.version, "payment", row.id));
        SALES_ASSIGN_OR_RETURN(auto apps,
                               PaymentStore::Apply(tx, *rt_.outbox, call, row, req->mode(), allocations,
                                                   req->has_max_amount() ? req->max_amount().minor_units() : 0, now));
        v1::ApplyPaymentResponse out;
        for (auto& a : apps) *out.add_applications() = std::move(a);
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, row.id));
        return out;
      });
}

grpc::Status FinanceApi::ReversePaymentApplication(grpc::ServerContext* ctx,
                                                   const v1::ReversePaymentApplicationRequest* req,
                                                   v1::ReversePaymentApplicationResponse* resp) {
  return ServeMutation<v1::ReversePaymentApplicationRequest, v1::ReversePaymentApplicationResponse>(
      ctx, FinanceMethod("ReversePaymentApplication"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(MustBeFinance(call));
        std::vector<FieldViolation> v;
        if (req->application_id() <= 0) v.push_back({"application_id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReversePaymentApplicationResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto app, PaymentStore::GetApplication(tx, req->application_id()));
        SALES_ASSIGN_OR_RETURN(PaymentRow row, PaymentStore::Lock(tx, app.payment_id()));
        if (!req->etag().empty()) SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), row.version, "payment", row.id));
        v1::ReversePaymentApplicationResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_application(),
                               PaymentStore::Reverse(tx, *rt_.outbox, call, row, req->application_id(), req->reason(),
                                                     BusinessDay(now), now));
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, row.id));
        return out;
      });
}

grpc::Status FinanceApi::ListPaymentApplications(grpc::ServerContext* ctx,
                                                 const v1::ListPaymentApplicationsRequest* req,
                                                 v1::ListPaymentApplicationsResponse* resp) {
  return ServeRead<v1::ListPaymentApplicationsResponse>(
      ctx, FinanceMethod("ListPaymentApplications"), rt_, resp,
      [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPaymentApplicationsResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto items, PaymentStore::ListApplications(tx, *req, scope, after, size));
        v1::ListPaymentApplicationsResponse out;
        FillPage(std::move(items), size, &out,
                 [](v1::ListPaymentApplicationsResponse* r) { return r->add_applications(); });
        return out;
      });
}

grpc::Status FinanceApi::RefundPayment(grpc::ServerContext* ctx, const v1::RefundPaymentRequest* req,
                                       v1::RefundPaymentResponse* resp) {
  return ServeMutation<v1::RefundPaymentRequest, v1::RefundPaymentResponse>(
      ctx, FinanceMethod("RefundPayment"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateRefundPayment(call, *req, *rt_.clock); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RefundPaymentResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PaymentRow row, PaymentStore::Lock(tx, req->payment_id()));
        if (!req->etag().empty()) SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), row.version, "payment", row.id));
        v1::RefundPaymentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_refund(),
                               PaymentStore::Refund(tx, *rt_.outbox, call, row, req->refund(), now));
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Payment", row.id, "REFUND", "", "", req->refund().reason(), now));
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, row.id));
        return out;
      });
}

grpc::Status FinanceApi::ListRefunds(grpc::ServerContext* ctx, const v1::ListRefundsRequest* req,
                                     v1::ListRefundsResponse* resp) {
  return ServeRead<v1::ListRefundsResponse>(
      ctx, FinanceMethod("ListRefunds"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        if (!SeesAllFinancials(call.principal)) return Denied("refunds are for finance");
        return PageSize(req->page_size()).status();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListRefundsResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto items, PaymentStore::ListRefunds(tx, *req, after, size));
        v1::ListRefundsResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListRefundsResponse* r) { return r->add_refunds(); });
        return out;
      });
}

grpc::Status FinanceApi::MarkPaymentDishonored(grpc::ServerContext* ctx, const v1::MarkPaymentDishonoredRequest* req,
                                               v1::MarkPaymentDishonoredResponse* resp) {
  return ServeMutation<v1::MarkPaymentDishonoredRequest, v1::MarkPaymentDishonoredResponse>(
      ctx, FinanceMethod("MarkPaymentDishonored"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(MustBeFinance(call));
        std::vector<FieldViolation> v;
        if (req->payment_id() <= 0) v.push_back({"payment_id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (req->has_dishonored_on()) {
          for (auto& fv : FieldViolationsOf(CheckNotFuture(req->dishonored_on(), "dishonored_on", rt_.clock->Now()))) {
            v.push_back(fv);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MarkPaymentDishonoredResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PaymentRow row, PaymentStore::Lock(tx, req->payment_id()));
        if (!req->etag().empty()) SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), row.version, "payment", row.id));
        absl::CivilDay on = req->has_dishonored_on() ? ToCivilDay(req->dishonored_on()) : BusinessDay(now);
        v1::MarkPaymentDishonoredResponse out;
        SALES_ASSIGN_OR_RETURN(auto reversed,
                               PaymentStore::Dishonor(tx, *rt_.outbox, call, row, req->reason(), on, now));
        for (auto& a : reversed) *out.add_reversed_applications() = std::move(a);
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Payment", row.id, "DISHONOR", "", "DISHONORED", req->reason(), now));
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, row.id));
        return out;
      });
}

}  // namespace sales::finance
