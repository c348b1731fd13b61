#include "finance-svc/app/invoicing.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "finance-svc/app/access.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/billing_store.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {

using invoice_state::kCancelled;
using invoice_state::kIssued;
using invoice_state::kReviewed;

absl::Status WrongState(const InvoiceRow& inv, const char* expected) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                           "invoice ", inv.id, " is ", InvoiceStateName(inv.state), "; expected ", expected)),
                       "INVOICE_STATE", kFinanceDomain, {{"state", InvoiceStateName(inv.state)}});
}

absl::StatusOr<v1::IssueInvoiceResponse> Invoicing::IssueInvoice(db::Transaction& tx, const CallContext& call,
                                                                 const v1::IssueInvoiceRequest& request,
                                                                 int32_t terms) {
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, request.id()));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), inv.version, "invoice", inv.id));
  if (inv.state != kReviewed) return WrongState(inv, "REVIEWED");
  if (terms < 0) return absl::AbortedError("the invoice changed while payment terms were fetched; retry");
  absl::CivilDay date = request.has_invoice_date() ? ToCivilDay(request.invoice_date()) : BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(std::string number, InvoiceStore::Issue(tx, inv, date, terms, call.principal.rep_id, now));
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "ISSUE", "REVIEWED", "ISSUED", number, now));
  v1::IssueInvoiceResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_invoice(), InvoiceStore::Get(tx, inv.id));
  v1::InvoiceIssuedEvent ev;
  *ev.mutable_invoice() = out.invoice();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Invoice", absl::StrCat(inv.id), ev, call.request_id));
  return out;
}

absl::StatusOr<v1::CancelInvoiceResponse> Invoicing::CancelInvoice(db::Transaction& tx, const CallContext& call,
                                                                   const v1::CancelInvoiceRequest& request) {
  absl::Time now = clock_.Now();
  absl::CivilDay on = request.has_cancelled_on() ? ToCivilDay(request.cancelled_on()) : BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, request.id()));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), inv.version, "invoice", inv.id));
  if (inv.state < kIssued || inv.state >= kCancelled) return WrongState(inv, "issued and not cancelled");
  if (inv.paid > 0) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("invoice ", inv.number, " has payments applied; reverse them first")),
                         "INVOICE_HAS_PAYMENTS", kFinanceDomain);
  }
  if (inv.balance <= 0) {
    return WithErrorInfo(absl::FailedPreconditionError("nothing is open on the invoice to cancel"), "INVOICE_SETTLED",
                         kFinanceDomain);
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
  memo.reason = absl::StrCat("cancellation of ", inv.number, ": ", request.reason());
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
  SALES_RETURN_IF_ERROR(MemoStore::Issue(tx, outbox_, call, memo_id, on, now).status());
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
  SALES_RETURN_IF_ERROR(InvoiceStore::MarkCancelled(tx, inv.id, request.reason(), memo_id, now));
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Invoice", inv.id, "CANCEL", InvoiceStateName(inv.state),
                                           "CANCELLED", request.reason(), now));
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
  ev.set_reason(request.reason());
  *ev.mutable_cancelled_on() = FromCivilDay(on);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Invoice", absl::StrCat(inv.id), ev, call.request_id));
  return out;
}

}  // namespace sales::finance
