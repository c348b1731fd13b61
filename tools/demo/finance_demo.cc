// The demo company's finance part (see demo.h): payments from bank notices,
// invoices for what orders shipped (the billable lines arrive on finance's
// copy of the orders feed, so they are waited for), partial payments, one
// invoice left overdue for the collections ladder, statements for the last
// half-year; then the collections and commissions part.
#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "tools/demo/demo.h"
#include "tools/demo/finance_collections_demo.h"

namespace demo {
namespace {

std::unique_ptr<grpc::ClientContext> AsFinance() { return CtxAs("finance", "FINANCE"); }
std::unique_ptr<grpc::ClientContext> AsClerk() { return CtxAs("clerk", "SALES_CLERK"); }
std::unique_ptr<grpc::ClientContext> AsDirector() { return CtxAs("director", "SALES_DIRECTOR"); }

// Every billable line finance knows, in any state (so a second load sees
// the same set and repeats the same requests).
std::vector<fv1::BillableLine> AllBillableLines(DemoWorld& w) {
  std::vector<fv1::BillableLine> out;
  std::string token;
  do {
    fv1::ListBillableLinesRequest req;
    req.set_page_size(500);
    req.set_page_token(token);
    req.add_states(fv1::BILLABLE_LINE_STATE_UNBILLED);
    req.add_states(fv1::BILLABLE_LINE_STATE_PARTIALLY_BILLED);
    req.add_states(fv1::BILLABLE_LINE_STATE_BILLED);
    fv1::ListBillableLinesResponse resp;
    Must(w.finance->ListBillableLines(AsFinance().get(), req, &resp), "ListBillableLines");
    out.insert(out.end(), resp.billable_lines().begin(), resp.billable_lines().end());
    token = resp.next_page_token();
  } while (!token.empty());
  return out;
}

// Waits until the orders feed has delivered the shipments (the count stops
// growing for a second), at most ~30 s.
std::vector<fv1::BillableLine> WaitForShipments(DemoWorld& w) {
  std::vector<fv1::BillableLine> lines;
  size_t stable_for = 0, last = 0;
  for (int i = 0; i < 150 && stable_for < 5; ++i) {
    lines = AllBillableLines(w);
    stable_for = (!lines.empty() && lines.size() == last) ? stable_for + 1 : 0;
    last = lines.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return lines;
}

}  // namespace

void LoadFinanceDemo(DemoWorld& w) {
  const absl::CivilDay today = sales::BusinessDay(absl::Now());
  for (int i = 0; i < 24; ++i) {
    fv1::RecordPaymentRequest req;
    req.set_request_id(absl::StrCat("demo-payment-", i));
    auto* p = req.mutable_payment();
    p->set_customer_id(w.customer_ids[(i * 13) % w.customer_ids.size()]);
    *p->mutable_amount() = sales::MakeMoney(50'000'00 + i * 3'217'45);
    bool bill = i % 6 == 5;
    p->set_method(bill ? fv1::PAYMENT_METHOD_BANK_ACCEPTANCE_BILL
                       : (i % 4 == 3 ? fv1::PAYMENT_METHOD_CHEQUE : fv1::PAYMENT_METHOD_TRANSFER));
    p->set_bank_reference(absl::StrFormat("DEMO-BANK-2026-%04d", i + 1));
    *p->mutable_received_on() = Day(2026, 1 + i % 11, 1 + (i * 5) % 28);
    if (bill) *p->mutable_maturity_on() = Day(2027, 1 + i % 11, 1 + (i * 5) % 28);
    fv1::RecordPaymentResponse resp;
    Must(w.finance->RecordPayment(AsFinance().get(), req, &resp), absl::StrCat("RecordPayment ", i));
  }
  w.summary.push_back("24 payments recorded");

  // One invoice per customer and credited rep over everything shipped:
  // requested by the clerk, reviewed by the director, issued by finance.
  std::vector<fv1::BillableLine> lines = WaitForShipments(w);
  std::map<std::pair<int64_t, int64_t>, std::vector<fv1::BillableLine>> groups;
  for (const auto& l : lines) groups[{l.customer_id(), l.rep_id()}].push_back(l);
  int issued = 0, partly_paid = 0, overdue = 0, signed_for = 0;
  int g = 0;
  for (auto& [key, group] : groups) {
    std::sort(group.begin(), group.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
    std::string tag = absl::StrCat(group.front().id());
    fv1::RequestInvoiceRequest rq;
    rq.set_request_id(absl::StrCat("demo-invoice-request-", tag));
    rq.set_customer_id(key.first);
    for (const auto& l : group) {
      auto* il = rq.add_lines();
      il->set_billable_line_id(l.id());
      il->set_quantity(l.shipped_quantity());
    }
    rq.set_note("monthly invoice for shipped goods");
    fv1::RequestInvoiceResponse rr;
    grpc::Status st = w.finance->RequestInvoice(AsClerk().get(), rq, &rr);
    if (!st.ok()) {
      // A line returned or invoiced outside the demo is left alone.
      std::fprintf(stderr, "demo-loader: invoice for customer %lld skipped: %s\n", static_cast<long long>(key.first),
                   st.error_message().c_str());
      continue;
    }
    // A second load (maybe on another day) finds the invoice further along
    // and only does what is still missing.
    auto current = [&]() {
      fv1::GetInvoiceRequest gi;
      gi.set_id(rr.invoice().id());
      fv1::GetInvoiceResponse gr;
      Must(w.finance->GetInvoice(AsFinance().get(), gi, &gr), "GetInvoice");
      return gr.invoice();
    };
    fv1::Invoice inv = current();
    if (inv.state() == fv1::INVOICE_STATE_REQUESTED) {
      fv1::ReviewInvoiceRequest rv;
      rv.set_request_id(absl::StrCat("demo-invoice-review-", tag));
      rv.set_id(inv.id());
      rv.set_etag(inv.etag());
      rv.set_comment("quantities match the outbound notes");
      fv1::ReviewInvoiceResponse rvr;
      Must(w.finance->ReviewInvoice(AsDirector().get(), rv, &rvr), "ReviewInvoice");
      inv = rvr.invoice();
    }
    // The first invoice is dated three months back so it is overdue for the
    // collections ladder; the others are dated today.
    bool make_overdue = g == 0;
    ++g;
    if (inv.state() == fv1::INVOICE_STATE_REVIEWED) {
      fv1::IssueInvoiceRequest is;
      is.set_request_id(absl::StrCat("demo-invoice-issue-", tag));
      is.set_id(inv.id());
      is.set_etag(inv.etag());
      *is.mutable_invoice_date() = sales::FromCivilDay(make_overdue ? today - 90 : today);
      fv1::IssueInvoiceResponse ir;
      Must(w.finance->IssueInvoice(AsFinance().get(), is, &ir), "IssueInvoice");
      inv = ir.invoice();
    }
    if (inv.number().empty()) continue;
    ++issued;
    overdue += make_overdue ? 1 : 0;
    if (g % 2 == 1 && !inv.has_receipt_signed_on()) {
      fv1::RecordInvoiceReceiptRequest rc;
      rc.set_request_id(absl::StrCat("demo-invoice-receipt-", tag));
      rc.set_id(inv.id());
      rc.set_etag(inv.etag());
      *rc.mutable_signed_on() = sales::FromCivilDay(std::min(today, sales::ToCivilDay(inv.invoice_date()) + 2));
      rc.set_signed_by("customer's receiving clerk");
      fv1::RecordInvoiceReceiptResponse rcr;
      Must(w.finance->RecordInvoiceReceipt(AsClerk().get(), rc, &rcr), "RecordInvoiceReceipt");
      inv = rcr.invoice();
    }
    signed_for += inv.has_receipt_signed_on() ? 1 : 0;
    // Every other recent invoice gets a partial payment by bank transfer,
    // applied to it explicitly.
    if (!make_overdue && g % 2 == 0 && inv.paid_amount().minor_units() == 0 && inv.balance().minor_units() > 1) {
      fv1::RecordPaymentRequest pay;
      pay.set_request_id(absl::StrCat("demo-invoice-payment-", tag));
      auto* p = pay.mutable_payment();
      p->set_customer_id(key.first);
      int64_t part = inv.balance().minor_units() * 6 / 10;
      *p->mutable_amount() = sales::MakeMoney(part);
      p->set_method(fv1::PAYMENT_METHOD_TRANSFER);
      p->set_bank_reference(absl::StrCat("DEMO-BANK-INV-", inv.number()));
      *p->mutable_received_on() = sales::FromCivilDay(today);
      pay.set_apply_mode(fv1::APPLY_MODE_EXPLICIT);
      auto* a = pay.add_allocations();
      a->set_invoice_id(inv.id());
      *a->mutable_amount() = sales::MakeMoney(part);
      fv1::RecordPaymentResponse pr;
      Must(w.finance->RecordPayment(AsFinance().get(), pay, &pr), "RecordPayment for invoice");
    }
    partly_paid += (g % 2 == 0 && !make_overdue) ? 1 : 0;
  }
  w.summary.push_back(absl::StrFormat(
      "%d billable lines from the orders feed; %d invoices issued (%d overdue, %d partly paid, %d signed for)",
      lines.size(), issued, overdue, partly_paid, signed_for));

  // Statements of account for the last closed half-year.
  fv1::GenerateStatementsRequest gs;
  gs.set_request_id("demo-statements");
  fv1::GenerateStatementsResponse gsr;
  Must(w.finance->GenerateStatements(AsFinance().get(), gs, &gsr), "GenerateStatements");
  w.summary.push_back(
      absl::StrFormat("%d customer statements for the last half-year", gsr.created_count() + gsr.skipped_count()));

  LoadFinanceCollectionsDemo(w);
}

}  // namespace demo
