// Billable shipments and invoices (开票流程: 开票申请 → 销售部审核 → 财务部开票
// → 客户签收), VAT rates, credit memos.
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/billing_store.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

std::string M(const char* method) { return absl::StrCat("/sales.finance.v1.FinanceService/", method); }

constexpr int kRequested = 1, kReviewed = 2, kRejected = 3, kWithdrawn = 4, kIssued = 5, kPaid = 7, kCancelled = 8;

absl::Status WrongState(const InvoiceRow& inv, const char* expected) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("invoice ", inv.id, " is ",
                                                                  InvoiceStateName(inv.state), "; expected ",
                                                                  expected)),
                       "INVOICE_STATE", kFinanceDomain, {{"state", InvoiceStateName(inv.state)}});
}

absl::Status CheckIdEtag(int64_t id) { return id > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); }

absl::StatusOr<std::vector<RequestedLine>> ReadLines(const google::protobuf::RepeatedPtrField<v1::InvoiceLine>& in,
                                                     const char* field) {
  std::vector<FieldViolation> v;
  if (in.empty() || in.size() > 500) v.push_back({field, "1..500 lines required"});
  std::vector<RequestedLine> out;
  for (int i = 0; i < in.size(); ++i) {
    std::string f = absl::StrCat(field, "[", i, "]");
    if (in[i].billable_line_id() <= 0) v.push_back({absl::StrCat(f, ".billable_line_id"), "required, > 0"});
    if (in[i].quantity() < 0) v.push_back({absl::StrCat(f, ".quantity"), "must be positive (0 = all unbilled)"});
    if (in[i].tax_rate_bp() < 0 || in[i].tax_rate_bp() > 10000) {
      v.push_back({absl::StrCat(f, ".tax_rate_bp"), "must be within 0..10000"});
    }
    out.push_back({in[i].billable_line_id(), in[i].quantity(), in[i].tax_rate_bp(), in[i].description()});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return out;
}

// Sees the invoice: everything financial, or the rep's / unit's own.
absl::Status InScope(db::Transaction& tx, const Principal& p, int64_t rep, int64_t unit, const char* kind,
                     int64_t id) {
  if (SeesAllFinancials(p) || p.role == kRoleClerk) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, p));
  return scope.Allows(rep, unit) ? absl::OkStatus() : NotFound(kind, id);
}

// The customer's payment terms from customers-svc (UNAVAILABLE when it
// cannot answer: a due date is never guessed).
absl::StatusOr<int32_t> FetchPaymentTerms(peers::CustomersPeer& customers, const CallContext& call,
                                          int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto profile, customers.FetchCreditProfile(&call, customer_id));
  if (!profile.has_value()) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("customer ", customer_id, " is unknown to customers-svc")),
        "NO_CREDIT_PROFILE", kFinanceDomain);
  }
  int32_t terms = profile->payment_terms_days();
  if (terms < 0 || terms > 3650) return absl::InternalError("customers-svc answered impossible payment terms");
  return terms;
}

}  // namespace

// ---- Billable shipments ----

grpc::Status FinanceApi::ListBillableLines(grpc::ServerContext* ctx, const v1::ListBillableLinesRequest* req,
                                           v1::ListBillableLinesResponse* resp) {
  return ServeRead<v1::ListBillableLinesResponse>(
      ctx, M("ListBillableLines"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListBillableLinesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        FinanceScope scope;
        scope.all = true;
        if (!SeesAllFinancials(call.principal) && call.principal.role != kRoleClerk) {
          SALES_ASSIGN_OR_RETURN(scope, LoadScope(tx, call.principal));
        }
        SALES_ASSIGN_OR_RETURN(auto items, BillingStore::List(tx, *req, scope, after, size));
        v1::ListBillableLinesResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListBillableLinesResponse* r) { return r->add_billable_lines(); });
        return out;
      });
}

grpc::Status FinanceApi::GetBillableLine(grpc::ServerContext* ctx, const v1::GetBillableLineRequest* req,
                                         v1::GetBillableLineResponse* resp) {
  return ServeRead<v1::GetBillableLineResponse>(
      ctx, M("GetBillableLine"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetBillableLineResponse> {
        v1::GetBillableLineResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_billable_line(), BillingStore::Get(tx, req->id()));
        SALES_RETURN_IF_ERROR(InScope(tx, call.principal, out.billable_line().rep_id(),
                                      out.billable_line().org_unit_id(), "billable line", req->id()));
        return out;
      });
}

grpc::Status FinanceApi::GetOrdersFeedStatus(grpc::ServerContext* ctx, const v1::GetOrdersFeedStatusRequest*,
                                             v1::GetOrdersFeedStatusResponse* resp) {
  return ServeRead<v1::GetOrdersFeedStatusResponse>(
      ctx, M("GetOrdersFeedStatus"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        return HasRole(call.principal, {kRoleService}) ? absl::OkStatus() : Denied("feed status is for operators");
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetOrdersFeedStatusResponse> {
        v1::GetOrdersFeedStatusResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_status(), BillingStore::FeedStatus(tx));
        return out;
      });
}

// ---- Invoices ----

grpc::Status FinanceApi::RequestInvoice(grpc::ServerContext* ctx, const v1::RequestInvoiceRequest* req,
                                        v1::RequestInvoiceResponse* resp) {
  return ServeMutation<v1::RequestInvoiceRequest, v1::RequestInvoiceResponse>(
      ctx, M("RequestInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance})) return Denied("the sales clerk or finance requests invoices");
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (req->note().size() > 1000) v.push_back({"note", "at most 1000 characters"});
        for (auto& fv : FieldViolationsOf(ReadLines(req->lines(), "lines").status())) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RequestInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto lines, ReadLines(req->lines(), "lines"));
        SALES_ASSIGN_OR_RETURN(int64_t id, InvoiceStore::WriteRequest(tx, 0, req->customer_id(), lines, req->note(),
                                                                      "lines", call.principal.rep_id, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", id, "REQUEST", "", "REQUESTED", req->note(), now));
        v1::RequestInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, id));
        return out;
      });
}

grpc::Status FinanceApi::UpdateInvoice(grpc::ServerContext* ctx, const v1::UpdateInvoiceRequest* req,
                                       v1::UpdateInvoiceResponse* resp) {
  return ServeMutation<v1::UpdateInvoiceRequest, v1::UpdateInvoiceResponse>(
      ctx, M("UpdateInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance})) return Denied("the requester or finance edits requests");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->note().size() > 1000) v.push_back({"note", "at most 1000 characters"});
        for (auto& fv : FieldViolationsOf(ReadLines(req->lines(), "lines").status())) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kRequested) return WrongState(inv, "REQUESTED");
        SALES_ASSIGN_OR_RETURN(auto lines, ReadLines(req->lines(), "lines"));
        SALES_RETURN_IF_ERROR(
            InvoiceStore::WriteRequest(tx, inv.id, inv.customer_id, lines, req->note(), "lines", 0, now).status());
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "UPDATE", "REQUESTED", "REQUESTED", "", now));
        v1::UpdateInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::WithdrawInvoice(grpc::ServerContext* ctx, const v1::WithdrawInvoiceRequest* req,
                                         v1::WithdrawInvoiceResponse* resp) {
  return ServeMutation<v1::WithdrawInvoiceRequest, v1::WithdrawInvoiceResponse>(
      ctx, M("WithdrawInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance})) return Denied("the requester or finance withdraws");
        return CheckIdEtag(req->id());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::WithdrawInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kRequested && inv.state != kReviewed) return WrongState(inv, "REQUESTED or REVIEWED");
        SALES_RETURN_IF_ERROR(InvoiceStore::ReleaseLines(tx, inv.id, now));
        SALES_RETURN_IF_ERROR(InvoiceStore::SetState(tx, inv.id, kWithdrawn, req->reason(), nullptr, 0, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "WITHDRAW", InvoiceStateName(inv.state),
                                                 "WITHDRAWN", req->reason(), now));
        v1::WithdrawInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::ReviewInvoice(grpc::ServerContext* ctx, const v1::ReviewInvoiceRequest* req,
                                       v1::ReviewInvoiceResponse* resp) {
  return ServeMutation<v1::ReviewInvoiceRequest, v1::ReviewInvoiceResponse>(
      ctx, M("ReviewInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleManager, kRoleDirector})) {
          return Denied("sales reviews invoices: the rep's manager or the director");
        }
        return CheckIdEtag(req->id());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReviewInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        if (call.principal.authenticated() && call.principal.role == kRoleManager) {
          SALES_ASSIGN_OR_RETURN(bool within, OrgReplica::IsWithin(tx, inv.org_unit_id, call.principal.org_unit_id));
          if (!within) return Denied(absl::StrCat("invoice ", inv.id, " belongs to a rep outside your unit"));
        }
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kRequested) return WrongState(inv, "REQUESTED");
        SALES_RETURN_IF_ERROR(InvoiceStore::SetState(tx, inv.id, kReviewed, "", "reviewed_by", call.principal.rep_id, now));
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Invoice", inv.id, "REVIEW", "REQUESTED", "REVIEWED", req->comment(), now));
        v1::ReviewInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::RejectInvoice(grpc::ServerContext* ctx, const v1::RejectInvoiceRequest* req,
                                       v1::RejectInvoiceResponse* resp) {
  return ServeMutation<v1::RejectInvoiceRequest, v1::RejectInvoiceResponse>(
      ctx, M("RejectInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleManager, kRoleDirector, kRoleFinance})) return Denied("reviewers or finance reject");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kRequested && inv.state != kReviewed) return WrongState(inv, "REQUESTED or REVIEWED");
        SALES_RETURN_IF_ERROR(InvoiceStore::ReleaseLines(tx, inv.id, now));
        SALES_RETURN_IF_ERROR(InvoiceStore::SetState(tx, inv.id, kRejected, req->reason(), nullptr, 0, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "REJECT", InvoiceStateName(inv.state),
                                                 "REJECTED", req->reason(), now));
        v1::RejectInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::IssueInvoice(grpc::ServerContext* ctx, const v1::IssueInvoiceRequest* req,
                                      v1::IssueInvoiceResponse* resp) {
  int32_t terms = -1;
  return ServeMutation<v1::IssueInvoiceRequest, v1::IssueInvoiceResponse>(
      ctx, M("IssueInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance issues invoices");
        SALES_RETURN_IF_ERROR(CheckIdEtag(req->id()));
        if (req->has_invoice_date()) {
          SALES_RETURN_IF_ERROR(ValidateDate(req->invoice_date(), "invoice_date"));
          if (ToCivilDay(req->invoice_date()) > BusinessDay(rt_.clock->Now())) {
            return WithErrorInfo(absl::FailedPreconditionError("the invoice date is in the future"),
                                 "INVOICE_DATE_IN_FUTURE", kFinanceDomain);
          }
        }
        // The customer's payment terms come from customers-svc, asked before
        // the transaction so no lock is held across the network. Only a
        // REVIEWED invoice needs them; a replay or a wrong state is answered
        // inside without the call.
        using Head = std::pair<int, int64_t>;  // state, customer
        auto read_head = [&](db::Transaction& tx) -> absl::StatusOr<Head> {
          SALES_ASSIGN_OR_RETURN(auto inv, InvoiceStore::Get(tx, req->id()));
          return Head(static_cast<int>(inv.state()), inv.customer_id());
        };
        SALES_ASSIGN_OR_RETURN(Head head, rt_.pool->Transact<Head>(read_head));
        if (head.first != kReviewed) return absl::OkStatus();
        SALES_ASSIGN_OR_RETURN(terms, FetchPaymentTerms(*customers_, call, head.second));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::IssueInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kReviewed) return WrongState(inv, "REVIEWED");
        if (terms < 0) return absl::AbortedError("the invoice changed while payment terms were fetched; retry");
        absl::CivilDay date = req->has_invoice_date() ? ToCivilDay(req->invoice_date()) : BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(std::string number, InvoiceStore::Issue(tx, inv, date, terms, call.principal.rep_id, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "ISSUE", "REVIEWED", "ISSUED", number, now));
        v1::IssueInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        v1::InvoiceIssuedEvent ev;
        *ev.mutable_invoice() = out.invoice();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Invoice", absl::StrCat(inv.id), ev, call.request_id));
        return out;
      });
}

grpc::Status FinanceApi::RecordInvoiceReceipt(grpc::ServerContext* ctx, const v1::RecordInvoiceReceiptRequest* req,
                                              v1::RecordInvoiceReceiptResponse* resp) {
  return ServeMutation<v1::RecordInvoiceReceiptRequest, v1::RecordInvoiceReceiptResponse>(
      ctx, M("RecordInvoiceReceipt"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance})) return Denied("the clerk or finance records receipts");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (!req->has_signed_on()) {
          v.push_back({"signed_on", "required"});
        } else if (auto st = ValidateDate(req->signed_on(), "signed_on"); !st.ok()) {
          for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
        } else if (ToCivilDay(req->signed_on()) > BusinessDay(rt_.clock->Now())) {
          v.push_back({"signed_on", "must not be in the future"});
        }
        if (req->signed_by().empty() || req->signed_by().size() > 128) v.push_back({"signed_by", "required, 1..128 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordInvoiceReceiptResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state < kIssued || inv.state > kPaid) return WrongState(inv, "issued");
        SALES_ASSIGN_OR_RETURN(auto cur, InvoiceStore::Get(tx, inv.id));
        if (cur.has_receipt_signed_on()) {
          return WithErrorInfo(absl::FailedPreconditionError("the receipt was already recorded"), "RECEIPT_RECORDED",
                               kFinanceDomain);
        }
        if (inv.invoice_date && ToCivilDay(req->signed_on()) < *inv.invoice_date) {
          return InvalidField("signed_on", "must not be before the invoice date");
        }
        SALES_RETURN_IF_ERROR(InvoiceStore::RecordReceipt(tx, inv.id, req->signed_on(), req->signed_by(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "RECEIPT", "", "", req->signed_by(), now));
        v1::RecordInvoiceReceiptResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::CancelInvoice(grpc::ServerContext* ctx, const v1::CancelInvoiceRequest* req,
                                       v1::CancelInvoiceResponse* resp) {
  return ServeMutation<v1::CancelInvoiceRequest, v1::CancelInvoiceResponse>(
      ctx, M("CancelInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance cancels invoices");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (req->has_cancelled_on()) {
          if (auto st = ValidateDate(req->cancelled_on(), "cancelled_on"); !st.ok()) {
            for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
          } else if (ToCivilDay(req->cancelled_on()) > BusinessDay(rt_.clock->Now())) {
            v.push_back({"cancelled_on", "must not be in the future"});
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        absl::CivilDay on = req->has_cancelled_on() ? ToCivilDay(req->cancelled_on()) : BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state < kIssued || inv.state >= kCancelled) return WrongState(inv, "issued and not cancelled");
        if (inv.paid > 0) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                   "invoice ", inv.number, " has payments applied; reverse them first")),
                               "INVOICE_HAS_PAYMENTS", kFinanceDomain);
        }
        if (inv.balance <= 0) {
          return WithErrorInfo(absl::FailedPreconditionError("nothing is open on the invoice to cancel"),
                               "INVOICE_SETTLED", kFinanceDomain);
        }
        // The cancelling memo credits exactly the open balance, line by
        // line at each line's VAT rate; any rounding difference from earlier
        // partial credits goes to the last line.
        SALES_ASSIGN_OR_RETURN(auto current, InvoiceStore::Get(tx, inv.id));
        NewCreditMemo memo;
        memo.customer_id = inv.customer_id;
        memo.rep_id = inv.rep_id;
        memo.org_unit_id = inv.org_unit_id;
        memo.invoice_id = inv.id;
        memo.source = v1::CREDIT_MEMO_SOURCE_INVOICE_CANCELLATION;
        memo.currency = inv.currency;
        memo.reason = absl::StrCat("cancellation of ", inv.number, ": ", req->reason());
        int64_t sum = 0;
        for (const auto& l : current.lines()) {
          int64_t remaining = l.gross_amount().minor_units() - l.credited_amount().minor_units();
          if (remaining <= 0) continue;
          NewMemoLine ml;
          ml.invoice_line_id = l.id();
          ml.product_id = l.product_id();
          ml.product_line_id = l.product_line_id();
          ml.commissionable = l.commissionable();
          ml.description = absl::StrCat("cancel ", l.sku());
          int64_t tax = TaxHalfUp(remaining, 0);
          if (l.tax_rate_bp() > 0) {
            tax = remaining - static_cast<int64_t>((absl::int128(remaining) * 10000 + (10000 + l.tax_rate_bp()) / 2) /
                                                   (10000 + l.tax_rate_bp()));
          }
          ml.tax_rate_bp = l.tax_rate_bp();
          ml.tax_minor = tax;
          ml.net_minor = remaining - tax;
          sum += remaining;
          memo.lines.push_back(ml);
        }
        if (memo.lines.empty()) {
          NewMemoLine ml;
          ml.description = absl::StrCat("cancel ", inv.number);
          ml.tax_minor = 0;
          memo.lines.push_back(ml);
        }
        memo.lines.back().net_minor += inv.balance - sum;
        SALES_ASSIGN_OR_RETURN(int64_t memo_id, MemoStore::InsertCreditMemo(tx, memo, now));
        SALES_RETURN_IF_ERROR(MemoStore::Issue(tx, *rt_.outbox, call, memo_id, on, now).status());
        // The unpaid lines become billable again: their quantities, less
        // what returns already credited, go back to the shipment lines.
        SALES_ASSIGN_OR_RETURN(auto lines, InvoiceStore::UncreditedQuantities(tx, inv.id));
        std::vector<int64_t> ids;
        for (const auto& l : lines) ids.push_back(l.billable_line_id);
        SALES_ASSIGN_OR_RETURN(auto locked, BillingStore::LockLines(tx, ids));
        for (const auto& l : lines) {
          int64_t q = l.quantity;
          if (q <= 0) continue;
          for (const auto& b : locked) {
            if (b.id == l.billable_line_id) SALES_RETURN_IF_ERROR(BillingStore::AdjustQuantities(tx, b, -q, -q, now));
          }
        }
        SALES_RETURN_IF_ERROR(InvoiceStore::MarkCancelled(tx, inv.id, req->reason(), memo_id, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "CANCEL", InvoiceStateName(inv.state),
                                                 "CANCELLED", req->reason(), now));
        v1::CancelInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, memo_id));
        v1::InvoiceCancelledEvent ev;
        ev.set_invoice_id(inv.id);
        ev.set_invoice_number(inv.number);
        ev.set_customer_id(inv.customer_id);
        ev.set_rep_id(inv.rep_id);
        ev.set_credit_memo_id(memo_id);
        *ev.mutable_amount() = MakeMoney(inv.balance, inv.currency);
        ev.set_reason(req->reason());
        *ev.mutable_cancelled_on() = FromCivilDay(on);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Invoice", absl::StrCat(inv.id), ev, call.request_id));
        return out;
      });
}

grpc::Status FinanceApi::GetInvoice(grpc::ServerContext* ctx, const v1::GetInvoiceRequest* req,
                                    v1::GetInvoiceResponse* resp) {
  return ServeRead<v1::GetInvoiceResponse>(
      ctx, M("GetInvoice"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetInvoiceResponse> {
        v1::GetInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, req->id()));
        SALES_RETURN_IF_ERROR(InScope(tx, call.principal, out.invoice().rep_id(), out.invoice().org_unit_id(),
                                      "invoice", req->id()));
        return out;
      });
}

grpc::Status FinanceApi::GetInvoiceByNumber(grpc::ServerContext* ctx, const v1::GetInvoiceByNumberRequest* req,
                                            v1::GetInvoiceByNumberResponse* resp) {
  return ServeRead<v1::GetInvoiceByNumberResponse>(
      ctx, M("GetInvoiceByNumber"), rt_, resp,
      [&](CallContext&) { return req->number().empty() ? InvalidField("number", "required") : absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetInvoiceByNumberResponse> {
        v1::GetInvoiceByNumberResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::GetByNumber(tx, req->number()));
        SALES_RETURN_IF_ERROR(InScope(tx, call.principal, out.invoice().rep_id(), out.invoice().org_unit_id(),
                                      "invoice", out.invoice().id()));
        return out;
      });
}

grpc::Status FinanceApi::ListInvoices(grpc::ServerContext* ctx, const v1::ListInvoicesRequest* req,
                                      v1::ListInvoicesResponse* resp) {
  return ServeRead<v1::ListInvoicesResponse>(
      ctx, M("ListInvoices"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListInvoicesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        FinanceScope scope;
        scope.all = true;
        if (!SeesAllFinancials(call.principal) && call.principal.role != kRoleClerk) {
          SALES_ASSIGN_OR_RETURN(scope, LoadScope(tx, call.principal));
        }
        SALES_ASSIGN_OR_RETURN(auto items, InvoiceStore::List(tx, *req, scope, after, size));
        v1::ListInvoicesResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListInvoicesResponse* r) { return r->add_invoices(); });
        return out;
      });
}

grpc::Status FinanceApi::CreateTaxRate(grpc::ServerContext* ctx, const v1::CreateTaxRateRequest* req,
                                       v1::CreateTaxRateResponse* resp) {
  return ServeMutation<v1::CreateTaxRateRequest, v1::CreateTaxRateResponse>(
      ctx, M("CreateTaxRate"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance or admin sets tax rates");
        std::vector<FieldViolation> v;
        const auto& t = req->tax_rate();
        if (t.rate_bp() < 0 || t.rate_bp() > 10000) v.push_back({"tax_rate.rate_bp", "must be within 0..10000"});
        if (t.product_line_id() < 0) v.push_back({"tax_rate.product_line_id", "must be >= 0"});
        if (!t.has_effective_from()) {
          v.push_back({"tax_rate.effective_from", "required"});
        } else {
          for (auto& fv : FieldViolationsOf(ValidateDate(t.effective_from(), "tax_rate.effective_from"))) v.push_back(fv);
        }
        if (t.reason().empty() || t.reason().size() > 500) v.push_back({"tax_rate.reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateTaxRateResponse> {
        absl::Time now = rt_.clock->Now();
        v1::CreateTaxRateResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_tax_rate(), TaxStore::Insert(tx, req->tax_rate(), call.principal.rep_id, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "TaxRate", out.tax_rate().id(), "CREATE", "", "",
                                                 req->tax_rate().reason(), now));
        return out;
      });
}

grpc::Status FinanceApi::ListTaxRates(grpc::ServerContext* ctx, const v1::ListTaxRatesRequest* req,
                                      v1::ListTaxRatesResponse* resp) {
  return ServeRead<v1::ListTaxRatesResponse>(
      ctx, M("ListTaxRates"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListTaxRatesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto items, TaxStore::List(tx, *req, after, size));
        v1::ListTaxRatesResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListTaxRatesResponse* r) { return r->add_tax_rates(); });
        return out;
      });
}

// ---- Credit memos ----

grpc::Status FinanceApi::CreateCreditMemo(grpc::ServerContext* ctx, const v1::CreateCreditMemoRequest* req,
                                          v1::CreateCreditMemoResponse* resp) {
  return ServeMutation<v1::CreateCreditMemoRequest, v1::CreateCreditMemoResponse>(
      ctx, M("CreateCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance creates credit memos");
        const auto& m = req->credit_memo();
        std::vector<FieldViolation> v;
        if (m.customer_id() <= 0) v.push_back({"credit_memo.customer_id", "required, > 0"});
        if (m.source() != v1::CREDIT_MEMO_SOURCE_PRICE_ADJUSTMENT && m.source() != v1::CREDIT_MEMO_SOURCE_OTHER) {
          v.push_back({"credit_memo.source", "PRICE_ADJUSTMENT or OTHER (returns and cancellations are made by the service)"});
        }
        if (m.reason().empty() || m.reason().size() > 500) v.push_back({"credit_memo.reason", "required, 1..500 characters"});
        if (m.lines().empty() || m.lines_size() > 500) v.push_back({"credit_memo.lines", "1..500 lines required"});
        for (int i = 0; i < m.lines_size(); ++i) {
          const auto& l = m.lines(i);
          std::string f = absl::StrCat("credit_memo.lines[", i, "]");
          if (l.description().empty() || l.description().size() > 200) v.push_back({f + ".description", "required, 1..200 characters"});
          if (!l.has_net_amount()) {
            v.push_back({f + ".net_amount", "required"});
          } else {
            for (auto& fv : FieldViolationsOf(ValidateMoney(l.net_amount(), f + ".net_amount", Sign::kPositive))) v.push_back(fv);
            if (l.net_amount().currency_code() != "CNY") v.push_back({f + ".net_amount.currency_code", "must be CNY"});
          }
          if (l.tax_rate_bp() < 0 || l.tax_rate_bp() > 10000) v.push_back({f + ".tax_rate_bp", "must be within 0..10000"});
          if (l.quantity() < 0) v.push_back({f + ".quantity", "must be >= 0"});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateCreditMemoResponse> {
        absl::Time now = rt_.clock->Now();
        const auto& m = req->credit_memo();
        NewCreditMemo memo;
        memo.customer_id = m.customer_id();
        memo.invoice_id = m.invoice_id();
        memo.source = m.source();
        memo.reason = m.reason();
        SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, m.customer_id()));
        if (acct) {
          memo.rep_id = acct->rep_id;
          memo.org_unit_id = acct->org_unit_id;
        }
        int64_t total = 0;
        std::vector<FieldViolation> v;
        v1::Invoice inv;
        if (m.invoice_id() != 0) {
          SALES_ASSIGN_OR_RETURN(inv, InvoiceStore::Get(tx, m.invoice_id()));
          if (inv.customer_id() != m.customer_id()) {
            v.push_back({"credit_memo.invoice_id", "belongs to another customer"});
          }
          memo.rep_id = inv.rep_id();
          memo.org_unit_id = inv.org_unit_id();
        }
        for (int i = 0; i < m.lines_size(); ++i) {
          const auto& l = m.lines(i);
          NewMemoLine ml;
          ml.invoice_line_id = l.invoice_line_id();
          ml.product_id = l.product_id();
          ml.product_line_id = l.product_line_id();
          ml.quantity = l.quantity();
          ml.description = l.description();
          ml.net_minor = l.net_amount().minor_units();
          ml.tax_rate_bp = l.tax_rate_bp();
          if (l.invoice_line_id() != 0) {
            bool found = false;
            for (const auto& il : inv.lines()) {
              if (il.id() != l.invoice_line_id()) continue;
              found = true;
              if (ml.tax_rate_bp == 0) ml.tax_rate_bp = il.tax_rate_bp();
              ml.product_line_id = il.product_line_id();
              ml.commissionable = il.commissionable();
              int64_t gross = ml.net_minor + TaxHalfUp(ml.net_minor, ml.tax_rate_bp);
              if (gross > il.gross_amount().minor_units() - il.credited_amount().minor_units()) {
                v.push_back({absl::StrCat("credit_memo.lines[", i, "].net_amount"),
                             "would credit more than the invoice line's uncredited amount"});
              }
            }
            if (!found) v.push_back({absl::StrCat("credit_memo.lines[", i, "].invoice_line_id"), "not a line of the invoice"});
          }
          if (ml.tax_rate_bp == 0) ml.tax_rate_bp = kDefaultVatBp;
          {
            // Net plus tax, summed with checks (each net is within 10^15;
            // their sum over many lines must not wrap under the balance).
            std::string f = absl::StrCat("credit_memo.lines[", i, "].net_amount");
            SALES_ASSIGN_OR_RETURN(int64_t tax, ApplyBasisPoints(ml.net_minor, ml.tax_rate_bp, f));
            SALES_ASSIGN_OR_RETURN(int64_t gross, AmountAdd(ml.net_minor, tax, f));
            SALES_ASSIGN_OR_RETURN(total, AmountAdd(total, gross, "credit_memo.lines"));
          }
          memo.lines.push_back(ml);
        }
        if (m.invoice_id() != 0 && total > inv.balance().minor_units()) {
          v.push_back({"credit_memo.lines", absl::StrCat("total ", total, " exceeds the invoice's balance ",
                                                         inv.balance().minor_units())});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        SALES_ASSIGN_OR_RETURN(int64_t id, MemoStore::InsertCreditMemo(tx, memo, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "CreditMemo", id, "CREATE", "", "PENDING", m.reason(), now));
        v1::CreateCreditMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, id));
        return out;
      });
}

grpc::Status FinanceApi::IssueCreditMemo(grpc::ServerContext* ctx, const v1::IssueCreditMemoRequest* req,
                                         v1::IssueCreditMemoResponse* resp) {
  return ServeMutation<v1::IssueCreditMemoRequest, v1::IssueCreditMemoResponse>(
      ctx, M("IssueCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance issues credit memos");
        SALES_RETURN_IF_ERROR(CheckIdEtag(req->id()));
        if (req->has_memo_date()) {
          SALES_RETURN_IF_ERROR(ValidateDate(req->memo_date(), "memo_date"));
          if (ToCivilDay(req->memo_date()) > BusinessDay(rt_.clock->Now())) return InvalidField("memo_date", "must not be in the future");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::IssueCreditMemoResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto lock, MemoStore::LockCreditMemo(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), lock.second, "credit memo", req->id()));
        absl::CivilDay on = req->has_memo_date() ? ToCivilDay(req->memo_date()) : BusinessDay(now);
        v1::IssueCreditMemoResponse out;
        SALES_ASSIGN_OR_RETURN(auto apps, MemoStore::Issue(tx, *rt_.outbox, call, req->id(), on, now));
        for (auto& a : apps) *out.add_applications() = std::move(a);
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, req->id()));
        return out;
      });
}

grpc::Status FinanceApi::VoidCreditMemo(grpc::ServerContext* ctx, const v1::VoidCreditMemoRequest* req,
                                        v1::VoidCreditMemoResponse* resp) {
  return ServeMutation<v1::VoidCreditMemoRequest, v1::VoidCreditMemoResponse>(
      ctx, M("VoidCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance voids credit memos");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::VoidCreditMemoResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto lock, MemoStore::LockCreditMemo(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), lock.second, "credit memo", req->id()));
        SALES_RETURN_IF_ERROR(MemoStore::Void(tx, call, req->id(), req->reason(), now));
        v1::VoidCreditMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, req->id()));
        return out;
      });
}

grpc::Status FinanceApi::GetCreditMemo(grpc::ServerContext* ctx, const v1::GetCreditMemoRequest* req,
                                       v1::GetCreditMemoResponse* resp) {
  return ServeRead<v1::GetCreditMemoResponse>(
      ctx, M("GetCreditMemo"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCreditMemoResponse> {
        v1::GetCreditMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, req->id()));
        SALES_RETURN_IF_ERROR(InScope(tx, call.principal, out.credit_memo().rep_id(), out.credit_memo().org_unit_id(),
                                      "credit memo", req->id()));
        return out;
      });
}

grpc::Status FinanceApi::ListCreditMemos(grpc::ServerContext* ctx, const v1::ListCreditMemosRequest* req,
                                         v1::ListCreditMemosResponse* resp) {
  return ServeRead<v1::ListCreditMemosResponse>(
      ctx, M("ListCreditMemos"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCreditMemosResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto items, MemoStore::ListCreditMemos(tx, *req, scope, after, size));
        v1::ListCreditMemosResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListCreditMemosResponse* r) { return r->add_credit_memos(); });
        return out;
      });
}

grpc::Status FinanceApi::ApplyCreditMemo(grpc::ServerContext* ctx, const v1::ApplyCreditMemoRequest* req,
                                         v1::ApplyCreditMemoResponse* resp) {
  return ServeMutation<v1::ApplyCreditMemoRequest, v1::ApplyCreditMemoResponse>(
      ctx, M("ApplyCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance applies credit memos");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->mode() != v1::APPLY_MODE_OLDEST_DUE_FIRST && req->mode() != v1::APPLY_MODE_EXPLICIT) {
          v.push_back({"mode", "OLDEST_DUE_FIRST or EXPLICIT"});
        }
        if (req->mode() == v1::APPLY_MODE_EXPLICIT && req->allocations().empty()) {
          v.push_back({"allocations", "required for EXPLICIT"});
        }
        if (req->mode() != v1::APPLY_MODE_EXPLICIT && !req->allocations().empty()) {
          v.push_back({"allocations", "only with EXPLICIT"});
        }
        for (int i = 0; i < req->allocations_size(); ++i) {
          const auto& a = req->allocations(i);
          std::string f = absl::StrCat("allocations[", i, "]");
          if (a.invoice_id() <= 0 && a.debit_memo_id() <= 0) v.push_back({f + ".invoice_id", "a document is required"});
          if (!a.has_amount()) {
            v.push_back({f + ".amount", "required"});
          } else {
            for (auto& fv : FieldViolationsOf(ValidateMoney(a.amount(), f + ".amount", Sign::kPositive))) v.push_back(fv);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApplyCreditMemoResponse> {
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(auto lock, MemoStore::LockCreditMemo(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), lock.second, "credit memo", req->id()));
        if (lock.first != 2) {
          return WithErrorInfo(absl::FailedPreconditionError("the credit memo is not ISSUED with credit left"),
                               "MEMO_NOT_ISSUED", kFinanceDomain);
        }
        SALES_ASSIGN_OR_RETURN(v1::CreditMemo memo, MemoStore::GetCreditMemo(tx, req->id()));
        int64_t left = memo.unapplied().minor_units();
        // Documents are locked invoices first, then debit memos, each by id.
        std::vector<std::tuple<int64_t, int64_t, int64_t, std::string>> plan;  // invoice, debit memo, amount, field
        std::vector<FieldViolation> v;
        if (req->mode() == v1::APPLY_MODE_OLDEST_DUE_FIRST) {
          SALES_ASSIGN_OR_RETURN(auto docs, ReceivableStore::CreditableDocuments(tx, memo.customer_id()));
          std::vector<OpenItemRef> items;
          for (const auto& d : docs) {
            int64_t key = d.kind == OpenDocument::Kind::kInvoice ? d.id : -d.id;
            items.push_back({key, d.due_on, d.number, d.balance_minor});
          }
          for (const auto& a : AllocateOldestDueFirst(left, items)) {
            plan.emplace_back(a.key > 0 ? a.key : 0, a.key < 0 ? -a.key : 0, a.amount_minor, "");
          }
        } else {
          // Checked: many allocations must not wrap to a small total that
          // passes the comparison with the memo's credit.
          AmountSum total("allocations");
          for (int i = 0; i < req->allocations_size(); ++i) {
            const auto& a = req->allocations(i);
            SALES_RETURN_IF_ERROR(total.Add(a.amount().minor_units()));
            plan.emplace_back(a.invoice_id(), a.debit_memo_id(), a.amount().minor_units(),
                              absl::StrCat("allocations[", i, "]"));
          }
          if (total.value() > left) {
            return InvalidField("allocations", absl::StrCat("allocations total ", total.value(),
                                                            " exceeds the memo's unapplied credit ", left));
          }
          std::map<std::pair<int64_t, int64_t>, int64_t> asked;
          for (const auto& [inv_id, dm_id, amount, field] : plan) {
            int64_t customer = 0, balance = 0;
            if (inv_id) {
              SALES_ASSIGN_OR_RETURN(auto inv, InvoiceStore::Get(tx, inv_id));
              if (inv.state() < v1::INVOICE_STATE_ISSUED || inv.state() == v1::INVOICE_STATE_CANCELLED) {
                return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("invoice ", inv_id, " is not open")),
                                     "DOCUMENT_NOT_ISSUED", kFinanceDomain);
              }
              customer = inv.customer_id();
              balance = inv.balance().minor_units();
            } else {
              SALES_ASSIGN_OR_RETURN(auto dm, MemoStore::GetDebitMemo(tx, dm_id));
              if (dm.state() != v1::MEMO_STATE_ISSUED && dm.state() != v1::MEMO_STATE_SETTLED) {
                return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("debit memo ", dm_id, " is not issued")),
                                     "DOCUMENT_NOT_ISSUED", kFinanceDomain);
              }
              customer = dm.customer_id();
              balance = dm.balance().minor_units();
            }
            if (customer != memo.customer_id()) v.push_back({field + (inv_id ? ".invoice_id" : ".debit_memo_id"), "another customer's document"});
            if ((asked[{inv_id, dm_id}] += amount) > balance) {
              v.push_back({field + ".amount", absl::StrCat("exceeds the document's open balance ", balance)});
            }
          }
          if (!v.empty()) return InvalidFields(std::move(v));
        }
        std::sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) {
          if ((std::get<0>(a) == 0) != (std::get<0>(b) == 0)) return std::get<0>(a) != 0;
          return std::get<0>(a) != 0 ? std::get<0>(a) < std::get<0>(b) : std::get<1>(a) < std::get<1>(b);
        });
        v1::ApplyCreditMemoResponse out;
        for (const auto& [inv_id, dm_id, amount, field] : plan) {
          SALES_ASSIGN_OR_RETURN(*out.add_applications(), MemoStore::ApplyCredit(tx, memo.id(), memo.customer_id(),
                                                                                  inv_id, dm_id, amount, today, now));
        }
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "CreditMemo", memo.id(), "APPLY", "", "", "", now));
        SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, memo.id()));
        return out;
      });
}

// ---- Debit memos ----

grpc::Status FinanceApi::CreateDebitMemo(grpc::ServerContext* ctx, const v1::CreateDebitMemoRequest* req,
                                         v1::CreateDebitMemoResponse* resp) {
  return ServeMutation<v1::CreateDebitMemoRequest, v1::CreateDebitMemoResponse>(
      ctx, M("CreateDebitMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance creates debit memos");
        const auto& m = req->debit_memo();
        std::vector<FieldViolation> v;
        if (m.customer_id() <= 0) v.push_back({"debit_memo.customer_id", "required, > 0"});
        if (m.source() == v1::DEBIT_MEMO_SOURCE_UNSPECIFIED || !v1::DebitMemoSource_IsValid(m.source())) {
          v.push_back({"debit_memo.source", "required"});
        }
        if (m.reason().empty() || m.reason().size() > 500) v.push_back({"debit_memo.reason", "required, 1..500 characters"});
        if (m.lines().empty() || m.lines_size() > 500) v.push_back({"debit_memo.lines", "1..500 lines required"});
        for (int i = 0; i < m.lines_size(); ++i) {
          const auto& l = m.lines(i);
          std::string f = absl::StrCat("debit_memo.lines[", i, "]");
          if (l.description().empty() || l.description().size() > 200) v.push_back({f + ".description", "required, 1..200 characters"});
          if (!l.has_net_amount()) {
            v.push_back({f + ".net_amount", "required"});
          } else {
            for (auto& fv : FieldViolationsOf(ValidateMoney(l.net_amount(), f + ".net_amount", Sign::kPositive))) v.push_back(fv);
            if (l.net_amount().currency_code() != "CNY") v.push_back({f + ".net_amount.currency_code", "must be CNY"});
          }
          if (l.tax_rate_bp() < 0 || l.tax_rate_bp() > 10000) v.push_back({f + ".tax_rate_bp", "must be within 0..10000"});
          if (l.product_id() != 0 && l.product_line_id() <= 0) v.push_back({f + ".product_line_id", "required with a product"});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateDebitMemoResponse> {
        absl::Time now = rt_.clock->Now();
        const auto& m = req->debit_memo();
        NewDebitMemo memo;
        memo.customer_id = m.customer_id();
        memo.invoice_id = m.invoice_id();
        memo.source = m.source();
        memo.reason = m.reason();
        SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, m.customer_id()));
        if (acct) {
          memo.rep_id = acct->rep_id;
          memo.org_unit_id = acct->org_unit_id;
        }
        if (m.invoice_id() != 0) {
          SALES_ASSIGN_OR_RETURN(auto inv, InvoiceStore::Get(tx, m.invoice_id()));
          if (inv.customer_id() != m.customer_id()) return InvalidField("debit_memo.invoice_id", "belongs to another customer");
          memo.rep_id = inv.rep_id();
          memo.org_unit_id = inv.org_unit_id();
        }
        for (const auto& l : m.lines()) {
          NewMemoLine ml;
          ml.invoice_line_id = l.invoice_line_id();
          ml.product_id = l.product_id();
          ml.product_line_id = l.product_line_id();
          ml.quantity = l.quantity();
          ml.description = l.description();
          ml.net_minor = l.net_amount().minor_units();
          ml.tax_rate_bp = l.tax_rate_bp() != 0 ? l.tax_rate_bp() : kDefaultVatBp;
          memo.lines.push_back(ml);
        }
        SALES_ASSIGN_OR_RETURN(int64_t id, MemoStore::InsertDebitMemo(tx, memo, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "DebitMemo", id, "CREATE", "", "PENDING", m.reason(), now));
        v1::CreateDebitMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_debit_memo(), MemoStore::GetDebitMemo(tx, id));
        return out;
      });
}

grpc::Status FinanceApi::IssueDebitMemo(grpc::ServerContext* ctx, const v1::IssueDebitMemoRequest* req,
                                        v1::IssueDebitMemoResponse* resp) {
  int32_t terms = -1;
  return ServeMutation<v1::IssueDebitMemoRequest, v1::IssueDebitMemoResponse>(
      ctx, M("IssueDebitMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance issues debit memos");
        SALES_RETURN_IF_ERROR(CheckIdEtag(req->id()));
        if (req->has_memo_date()) {
          SALES_RETURN_IF_ERROR(ValidateDate(req->memo_date(), "memo_date"));
          if (ToCivilDay(req->memo_date()) > BusinessDay(rt_.clock->Now())) return InvalidField("memo_date", "must not be in the future");
        }
        using Head = std::pair<int, int64_t>;
        auto read_head = [&](db::Transaction& tx) -> absl::StatusOr<Head> {
          SALES_ASSIGN_OR_RETURN(auto dm, MemoStore::GetDebitMemo(tx, req->id()));
          return Head(static_cast<int>(dm.state()), dm.customer_id());
        };
        SALES_ASSIGN_OR_RETURN(Head head, rt_.pool->Transact<Head>(read_head));
        if (head.first != v1::MEMO_STATE_PENDING) return absl::OkStatus();
        SALES_ASSIGN_OR_RETURN(terms, FetchPaymentTerms(*customers_, call, head.second));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::IssueDebitMemoResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rows, MemoStore::LockDebitMemos(tx, {req->id()}));
        if (rows.empty()) return NotFound("debit memo", req->id());
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rows[0].version, "debit memo", req->id()));
        if (rows[0].state == v1::MEMO_STATE_PENDING && terms < 0) {
          return absl::AbortedError("the memo changed while payment terms were fetched; retry");
        }
        absl::CivilDay on = req->has_memo_date() ? ToCivilDay(req->memo_date()) : BusinessDay(now);
        SALES_RETURN_IF_ERROR(MemoStore::IssueDebitMemo(tx, *rt_.outbox, call, req->id(), on, terms, now));
        v1::IssueDebitMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_debit_memo(), MemoStore::GetDebitMemo(tx, req->id()));
        return out;
      });
}

grpc::Status FinanceApi::VoidDebitMemo(grpc::ServerContext* ctx, const v1::VoidDebitMemoRequest* req,
                                       v1::VoidDebitMemoResponse* resp) {
  return ServeMutation<v1::VoidDebitMemoRequest, v1::VoidDebitMemoResponse>(
      ctx, M("VoidDebitMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance voids debit memos");
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::VoidDebitMemoResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rows, MemoStore::LockDebitMemos(tx, {req->id()}));
        if (rows.empty()) return NotFound("debit memo", req->id());
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rows[0].version, "debit memo", req->id()));
        SALES_RETURN_IF_ERROR(MemoStore::VoidDebitMemo(tx, call, req->id(), req->reason(), now));
        v1::VoidDebitMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_debit_memo(), MemoStore::GetDebitMemo(tx, req->id()));
        return out;
      });
}

grpc::Status FinanceApi::GetDebitMemo(grpc::ServerContext* ctx, const v1::GetDebitMemoRequest* req,
                                      v1::GetDebitMemoResponse* resp) {
  return ServeRead<v1::GetDebitMemoResponse>(
      ctx, M("GetDebitMemo"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetDebitMemoResponse> {
        v1::GetDebitMemoResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_debit_memo(), MemoStore::GetDebitMemo(tx, req->id()));
        SALES_RETURN_IF_ERROR(InScope(tx, call.principal, out.debit_memo().rep_id(), out.debit_memo().org_unit_id(),
                                      "debit memo", req->id()));
        return out;
      });
}

grpc::Status FinanceApi::ListDebitMemos(grpc::ServerContext* ctx, const v1::ListDebitMemosRequest* req,
                                        v1::ListDebitMemosResponse* resp) {
  return ServeRead<v1::ListDebitMemosResponse>(
      ctx, M("ListDebitMemos"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListDebitMemosResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto items, MemoStore::ListDebitMemos(tx, *req, scope, after, size));
        v1::ListDebitMemosResponse out;
        FillPage(std::move(items), size, &out, [](v1::ListDebitMemosResponse* r) { return r->add_debit_memos(); });
        return out;
      });
}

}  // namespace sales::finance
