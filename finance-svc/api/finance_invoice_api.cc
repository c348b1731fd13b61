// Billable shipments and invoices (开票流程: 开票申请 → 销售部审核 → 财务部开票
// → 客户签收), VAT rates, credit memos.
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/invoicing.h"
#include "finance-svc/app/memos.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/billing_store.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

using invoice_state::kCancelled;
using invoice_state::kIssued;
using invoice_state::kPaid;
using invoice_state::kRejected;
using invoice_state::kRequested;
using invoice_state::kReviewed;
using invoice_state::kWithdrawn;

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

// What UpdateInvoice may change; an empty mask means both.
absl::StatusOr<std::vector<std::string>> InvoiceUpdatePaths(const google::protobuf::FieldMask& mask) {
  return UpdatePaths(mask, {"lines", "note"});
}

// UpdateInvoice's shape: only the fields the mask names are checked; the
// others stay as stored.
absl::Status ValidateUpdateInvoice(const v1::UpdateInvoiceRequest& req) {
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  auto paths = InvoiceUpdatePaths(req.update_mask());
  for (auto& fv : FieldViolationsOf(paths.status())) v.push_back(fv);
  if (paths.ok() && Touches(*paths, "note") && req.note().size() > 1000) {
    v.push_back({"note", "at most 1000 characters"});
  }
  if (paths.ok() && Touches(*paths, "lines")) {
    for (auto& fv : FieldViolationsOf(ReadLines(req.lines(), "lines").status())) v.push_back(fv);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// RecordInvoiceReceipt's shape: a real signing day no later than `today`
// and who signed.
absl::Status ValidateInvoiceReceipt(const v1::RecordInvoiceReceiptRequest& req, absl::CivilDay today) {
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  if (!req.has_signed_on()) {
    v.push_back({"signed_on", "required"});
  } else if (auto st = ValidateDate(req.signed_on(), "signed_on"); !st.ok()) {
    for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
  } else if (ToCivilDay(req.signed_on()) > today) {
    v.push_back({"signed_on", "must not be in the future"});
  }
  if (req.signed_by().empty() || req.signed_by().size() > 128) {
    v.push_back({"signed_by", "required, 1..128 characters"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// Sees the invoice: everything financial, or the rep's / unit's own.
absl::Status InScope(db::Transaction& tx, const Principal& p, int64_t rep, int64_t unit, const char* kind, int64_t id) {
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

absl::Status ValidateCancelInvoice(const CallContext& call, const v1::CancelInvoiceRequest& req, const Clock& clock) {
  if (!IsFinanceStaff(call.principal)) return Denied("finance cancels invoices");
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  if (req.reason().empty() || req.reason().size() > 500) v.push_back({"reason", "required, 1..500 characters"});
  if (req.has_cancelled_on()) {
    if (auto st = ValidateDate(req.cancelled_on(), "cancelled_on"); !st.ok()) {
      for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
    } else if (ToCivilDay(req.cancelled_on()) > BusinessDay(clock.Now())) {
      v.push_back({"cancelled_on", "must not be in the future"});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// What every credit or debit memo line must carry: a description, a
// positive net amount in CNY and a VAT rate within 0..100%.
template <typename MemoLine>
void AppendMemoLineViolations(const MemoLine& l, const std::string& f, std::vector<FieldViolation>& v) {
  if (l.description().empty() || l.description().size() > 200)
    v.push_back({f + ".description", "required, 1..200 characters"});
  if (!l.has_net_amount()) {
    v.push_back({f + ".net_amount", "required"});
  } else {
    for (auto& fv : FieldViolationsOf(ValidateMoney(l.net_amount(), f + ".net_amount", Sign::kPositive)))
      v.push_back(fv);
    if (l.net_amount().currency_code() != "CNY") v.push_back({f + ".net_amount.currency_code", "must be CNY"});
  }
  if (l.tax_rate_bp() < 0 || l.tax_rate_bp() > 10000) v.push_back({f + ".tax_rate_bp", "must be within 0..10000"});
}

absl::Status ValidateCreateCreditMemo(const CallContext& call, const v1::CreateCreditMemoRequest& req) {
  if (!IsFinanceStaff(call.principal)) return Denied("finance creates credit memos");
  const auto& m = req.credit_memo();
  std::vector<FieldViolation> v;
  if (m.customer_id() <= 0) v.push_back({"credit_memo.customer_id", "required, > 0"});
  if (m.source() != v1::CREDIT_MEMO_SOURCE_PRICE_ADJUSTMENT && m.source() != v1::CREDIT_MEMO_SOURCE_OTHER) {
    v.push_back(
        {"credit_memo.source", "PRICE_ADJUSTMENT or OTHER (returns and cancellations are made by the service)"});
  }
  if (m.reason().empty() || m.reason().size() > 500) v.push_back({"credit_memo.reason", "required, 1..500 characters"});
  if (m.lines().empty() || m.lines_size() > 500) v.push_back({"credit_memo.lines", "1..500 lines required"});
  for (int i = 0; i < m.lines_size(); ++i) {
    const auto& l = m.lines(i);
    std::string f = absl::StrCat("credit_memo.lines[", i, "]");
    AppendMemoLineViolations(l, f, v);
    if (l.quantity() < 0) v.push_back({f + ".quantity", "must be >= 0"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateApplyCreditMemo(const CallContext& call, const v1::ApplyCreditMemoRequest& req) {
  if (!IsFinanceStaff(call.principal)) return Denied("finance applies credit memos");
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  if (req.mode() != v1::APPLY_MODE_OLDEST_DUE_FIRST && req.mode() != v1::APPLY_MODE_EXPLICIT) {
    v.push_back({"mode", "OLDEST_DUE_FIRST or EXPLICIT"});
  }
  if (req.mode() == v1::APPLY_MODE_EXPLICIT && req.allocations().empty()) {
    v.push_back({"allocations", "required for EXPLICIT"});
  }
  if (req.mode() != v1::APPLY_MODE_EXPLICIT && !req.allocations().empty()) {
    v.push_back({"allocations", "only with EXPLICIT"});
  }
  for (int i = 0; i < req.allocations_size(); ++i) {
    const auto& a = req.allocations(i);
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
}

absl::Status ValidateCreateDebitMemo(const CallContext& call, const v1::CreateDebitMemoRequest& req) {
  if (!IsFinanceStaff(call.principal)) return Denied("finance creates debit memos");
  const auto& m = req.debit_memo();
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
    AppendMemoLineViolations(l, f, v);
    if (l.product_id() != 0 && l.product_line_id() <= 0)
      v.push_back({f + ".product_line_id", "required with a product"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

// ---- Billable shipments ----

grpc::Status FinanceApi::ListBillableLines(grpc::ServerContext* ctx, const v1::ListBillableLinesRequest* req,
                                           v1::ListBillableLinesResponse* resp) {
  return ServeRead<v1::ListBillableLinesResponse>(
      ctx, FinanceMethod("ListBillableLines"), rt_, resp,
      [&](CallContext&) { return PageSize(req->page_size()).status(); },
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
        FillPage(std::move(items), size, &out,
                 [](v1::ListBillableLinesResponse* r) { return r->add_billable_lines(); });
        return out;
      });
}

grpc::Status FinanceApi::GetBillableLine(grpc::ServerContext* ctx, const v1::GetBillableLineRequest* req,
                                         v1::GetBillableLineResponse* resp) {
  return ServeRead<v1::GetBillableLineResponse>(
      ctx, FinanceMethod("GetBillableLine"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
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
      ctx, FinanceMethod("GetOrdersFeedStatus"), rt_, resp,
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
      ctx, FinanceMethod("RequestInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance}))
          return Denied("the sales clerk or finance requests invoices");
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
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Invoice", id, "REQUEST", "", "REQUESTED", req->note(), now));
        v1::RequestInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, id));
        return out;
      });
}

grpc::Status FinanceApi::UpdateInvoice(grpc::ServerContext* ctx, const v1::UpdateInvoiceRequest* req,
                                       v1::UpdateInvoiceResponse* resp) {
  return ServeMutation<v1::UpdateInvoiceRequest, v1::UpdateInvoiceResponse>(
      ctx, FinanceMethod("UpdateInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance}))
          return Denied("the requester or finance edits requests");
        return ValidateUpdateInvoice(*req);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateInvoiceResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto paths, InvoiceUpdatePaths(req->update_mask()));
        SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, req->id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), inv.version, "invoice", inv.id));
        if (inv.state != kRequested) return WrongState(inv, "REQUESTED");
        if (Touches(paths, "lines")) {
          std::string note = req->note();
          if (!Touches(paths, "note")) {
            SALES_ASSIGN_OR_RETURN(v1::Invoice stored, InvoiceStore::Get(tx, inv.id));
            note = stored.note();
          }
          SALES_ASSIGN_OR_RETURN(auto lines, ReadLines(req->lines(), "lines"));
          SALES_RETURN_IF_ERROR(
              InvoiceStore::WriteRequest(tx, inv.id, inv.customer_id, lines, note, "lines", 0, now).status());
        } else {
          SALES_RETURN_IF_ERROR(InvoiceStore::SetNote(tx, inv.id, req->note(), now));
        }
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Invoice", inv.id, "UPDATE", "REQUESTED", "REQUESTED", "", now));
        v1::UpdateInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::WithdrawInvoice(grpc::ServerContext* ctx, const v1::WithdrawInvoiceRequest* req,
                                         v1::WithdrawInvoiceResponse* resp) {
  return ServeMutation<v1::WithdrawInvoiceRequest, v1::WithdrawInvoiceResponse>(
      ctx, FinanceMethod("WithdrawInvoice"), rt_, *req, resp,
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
      ctx, FinanceMethod("ReviewInvoice"), rt_, *req, resp,
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
        SALES_RETURN_IF_ERROR(
            InvoiceStore::SetState(tx, inv.id, kReviewed, "", "reviewed_by", call.principal.rep_id, now));
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
      ctx, FinanceMethod("RejectInvoice"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleManager, kRoleDirector, kRoleFinance}))
          return Denied("reviewers or finance reject");
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
      ctx, FinanceMethod("IssueInvoice"), rt_, *req, resp,
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
      [&](db::Transaction& tx, CallContext& call) {
        return Invoicing(*rt_.clock, *rt_.outbox).IssueInvoice(tx, call, *req, terms);
      });
}

grpc::Status FinanceApi::RecordInvoiceReceipt(grpc::ServerContext* ctx, const v1::RecordInvoiceReceiptRequest* req,
                                              v1::RecordInvoiceReceiptResponse* resp) {
  return ServeMutation<v1::RecordInvoiceReceiptRequest, v1::RecordInvoiceReceiptResponse>(
      ctx, FinanceMethod("RecordInvoiceReceipt"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleClerk, kRoleFinance}))
          return Denied("the clerk or finance records receipts");
        return ValidateInvoiceReceipt(*req, BusinessDay(rt_.clock->Now()));
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
        SALES_RETURN_IF_ERROR(
            AuditStore::Record(tx, call, "Invoice", inv.id, "RECEIPT", "", "", req->signed_by(), now));
        v1::RecordInvoiceReceiptResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
        return out;
      });
}

grpc::Status FinanceApi::CancelInvoice(grpc::ServerContext* ctx, const v1::CancelInvoiceRequest* req,
                                       v1::CancelInvoiceResponse* resp) {
  return ServeMutation<v1::CancelInvoiceRequest, v1::CancelInvoiceResponse>(
      ctx, FinanceMethod("CancelInvoice"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateCancelInvoice(call, *req, *rt_.clock); },
      [&](db::Transaction& tx, CallContext& call) {
        return Invoicing(*rt_.clock, *rt_.outbox).CancelInvoice(tx, call, *req);
      });
}

grpc::Status FinanceApi::GetInvoice(grpc::ServerContext* ctx, const v1::GetInvoiceRequest* req,
                                    v1::GetInvoiceResponse* resp) {
  return ServeRead<v1::GetInvoiceResponse>(
      ctx, FinanceMethod("GetInvoice"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetInvoiceResponse> {
        v1::GetInvoiceResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, req->id()));
        SALES_RETURN_IF_ERROR(
            InScope(tx, call.principal, out.invoice().rep_id(), out.invoice().org_unit_id(), "invoice", req->id()));
        return out;
      });
}

grpc::Status FinanceApi::GetInvoiceByNumber(grpc::ServerContext* ctx, const v1::GetInvoiceByNumberRequest* req,
                                            v1::GetInvoiceByNumberResponse* resp) {
  return ServeRead<v1::GetInvoiceByNumberResponse>(
      ctx, FinanceMethod("GetInvoiceByNumber"), rt_, resp,
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
      ctx, FinanceMethod("ListInvoices"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
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
      ctx, FinanceMethod("CreateTaxRate"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance or admin sets tax rates");
        std::vector<FieldViolation> v;
        const auto& t = req->tax_rate();
        if (t.rate_bp() < 0 || t.rate_bp() > 10000) v.push_back({"tax_rate.rate_bp", "must be within 0..10000"});
        if (t.product_line_id() < 0) v.push_back({"tax_rate.product_line_id", "must be >= 0"});
        if (!t.has_effective_from()) {
          v.push_back({"tax_rate.effective_from", "required"});
        } else {
          for (auto& fv : FieldViolationsOf(ValidateDate(t.effective_from(), "tax_rate.effective_from")))
            v.push_back(fv);
        }
        if (t.reason().empty() || t.reason().size() > 500)
          v.push_back({"tax_rate.reason", "required, 1..500 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateTaxRateResponse> {
        absl::Time now = rt_.clock->Now();
        v1::CreateTaxRateResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_tax_rate(),
                               TaxStore::Insert(tx, req->tax_rate(), call.principal.rep_id, now));
        SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "TaxRate", out.tax_rate().id(), "CREATE", "", "",
                                                 req->tax_rate().reason(), now));
        return out;
      });
}

grpc::Status FinanceApi::ListTaxRates(grpc::ServerContext* ctx, const v1::ListTaxRatesRequest* req,
                                      v1::ListTaxRatesResponse* resp) {
  return ServeRead<v1::ListTaxRatesResponse>(
      ctx, FinanceMethod("ListTaxRates"), rt_, resp, [&](CallContext&) { return PageSize(req->page_size()).status(); },
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
      ctx, FinanceMethod("CreateCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateCreateCreditMemo(call, *req); },
      [&](db::Transaction& tx, CallContext& call) {
        return Memos(*rt_.clock, *rt_.outbox).CreateCreditMemo(tx, call, *req);
      });
}

grpc::Status FinanceApi::IssueCreditMemo(grpc::ServerContext* ctx, const v1::IssueCreditMemoRequest* req,
                                         v1::IssueCreditMemoResponse* resp) {
  return ServeMutation<v1::IssueCreditMemoRequest, v1::IssueCreditMemoResponse>(
      ctx, FinanceMethod("IssueCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance issues credit memos");
        SALES_RETURN_IF_ERROR(CheckIdEtag(req->id()));
        if (req->has_memo_date()) {
          SALES_RETURN_IF_ERROR(ValidateDate(req->memo_date(), "memo_date"));
          if (ToCivilDay(req->memo_date()) > BusinessDay(rt_.clock->Now()))
            return InvalidField("memo_date", "must not be in the future");
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
      ctx, FinanceMethod("VoidCreditMemo"), rt_, *req, resp,
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
      ctx, FinanceMethod("GetCreditMemo"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
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
      ctx, FinanceMethod("ListCreditMemos"), rt_, resp,
      [&](CallContext&) { return PageSize(req->page_size()).status(); },
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
      ctx, FinanceMethod("ApplyCreditMemo"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateApplyCreditMemo(call, *req); },
      [&](db::Transaction& tx, CallContext& call) {
        return Memos(*rt_.clock, *rt_.outbox).ApplyCreditMemo(tx, call, *req);
      });
}

// ---- Debit memos ----

grpc::Status FinanceApi::CreateDebitMemo(grpc::ServerContext* ctx, const v1::CreateDebitMemoRequest* req,
                                         v1::CreateDebitMemoResponse* resp) {
  return ServeMutation<v1::CreateDebitMemoRequest, v1::CreateDebitMemoResponse>(
      ctx, FinanceMethod("CreateDebitMemo"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateCreateDebitMemo(call, *req); },
      [&](db::Transaction& tx, CallContext& call) {
        return Memos(*rt_.clock, *rt_.outbox).CreateDebitMemo(tx, call, *req);
      });
}

grpc::Status FinanceApi::IssueDebitMemo(grpc::ServerContext* ctx, const v1::IssueDebitMemoRequest* req,
                                        v1::IssueDebitMemoResponse* resp) {
  int32_t terms = -1;
  return ServeMutation<v1::IssueDebitMemoRequest, v1::IssueDebitMemoResponse>(
      ctx, FinanceMethod("IssueDebitMemo"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance issues debit memos");
        SALES_RETURN_IF_ERROR(CheckIdEtag(req->id()));
        if (req->has_memo_date()) {
          SALES_RETURN_IF_ERROR(ValidateDate(req->memo_date(), "memo_date"));
          if (ToCivilDay(req->memo_date()) > BusinessDay(rt_.clock->Now()))
            return InvalidField("memo_date", "must not be in the future");
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
      ctx, FinanceMethod("VoidDebitMemo"), rt_, *req, resp,
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
      ctx, FinanceMethod("GetDebitMemo"), rt_, resp, [&](CallContext&) { return CheckIdEtag(req->id()); },
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
      ctx, FinanceMethod("ListDebitMemos"), rt_, resp,
      [&](CallContext&) { return PageSize(req->page_size()).status(); },
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
