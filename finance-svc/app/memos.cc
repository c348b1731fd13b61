#include "finance-svc/app/memos.h"

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
namespace {

// What a credit or debit memo takes from its request, and the rep and unit
// of the customer's account it is booked to.
template <typename MemoRequest, typename NewMemo>
absl::Status FillMemoHeader(db::Transaction& tx, const MemoRequest& m, NewMemo& memo) {
  memo.customer_id = m.customer_id();
  memo.invoice_id = m.invoice_id();
  memo.source = m.source();
  memo.reason = m.reason();
  SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, m.customer_id()));
  if (acct) {
    memo.rep_id = acct->rep_id;
    memo.org_unit_id = acct->org_unit_id;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CreateCreditMemoResponse> Memos::CreateCreditMemo(db::Transaction& tx, const CallContext& call,
                                                                     const v1::CreateCreditMemoRequest& request) {
  absl::Time now = clock_.Now();
  const auto& m = request.credit_memo();
  NewCreditMemo memo;
  SALES_RETURN_IF_ERROR(FillMemoHeader(tx, m, memo));
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
      if (!found)
        v.push_back({absl::StrCat("credit_memo.lines[", i, "].invoice_line_id"), "not a line of the invoice"});
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
    v.push_back({"credit_memo.lines",
                 absl::StrCat("total ", total, " exceeds the invoice's balance ", inv.balance().minor_units())});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  SALES_ASSIGN_OR_RETURN(int64_t id, MemoStore::InsertCreditMemo(tx, memo, now));
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "CreditMemo", id, "CREATE", "", "PENDING", m.reason(), now));
  v1::CreateCreditMemoResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, id));
  return out;
}

absl::StatusOr<v1::ApplyCreditMemoResponse> Memos::ApplyCreditMemo(db::Transaction& tx, const CallContext& call,
                                                                   const v1::ApplyCreditMemoRequest& request) {
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(auto lock, MemoStore::LockCreditMemo(tx, request.id()));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), lock.second, "credit memo", request.id()));
  if (lock.first != 2) {
    return WithErrorInfo(absl::FailedPreconditionError("the credit memo is not ISSUED with credit left"),
                         "MEMO_NOT_ISSUED", kFinanceDomain);
  }
  SALES_ASSIGN_OR_RETURN(v1::CreditMemo memo, MemoStore::GetCreditMemo(tx, request.id()));
  int64_t left = memo.unapplied().minor_units();
  // Documents are locked invoices first, then debit memos, each by id.
  std::vector<std::tuple<int64_t, int64_t, int64_t, std::string>> plan;  // invoice, debit memo, amount, field
  std::vector<FieldViolation> v;
  if (request.mode() == v1::APPLY_MODE_OLDEST_DUE_FIRST) {
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
    for (int i = 0; i < request.allocations_size(); ++i) {
      const auto& a = request.allocations(i);
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
      if (customer != memo.customer_id())
        v.push_back({field + (inv_id ? ".invoice_id" : ".debit_memo_id"), "another customer's document"});
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
    SALES_ASSIGN_OR_RETURN(*out.add_applications(), MemoStore::ApplyCredit(tx, memo.id(), memo.customer_id(), inv_id,
                                                                           dm_id, amount, today, now));
  }
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "CreditMemo", memo.id(), "APPLY", "", "", "", now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_credit_memo(), MemoStore::GetCreditMemo(tx, memo.id()));
  return out;
}

absl::StatusOr<v1::CreateDebitMemoResponse> Memos::CreateDebitMemo(db::Transaction& tx, const CallContext& call,
                                                                   const v1::CreateDebitMemoRequest& request) {
  absl::Time now = clock_.Now();
  const auto& m = request.debit_memo();
  NewDebitMemo memo;
  SALES_RETURN_IF_ERROR(FillMemoHeader(tx, m, memo));
  if (m.invoice_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto inv, InvoiceStore::Get(tx, m.invoice_id()));
    if (inv.customer_id() != m.customer_id())
      return InvalidField("debit_memo.invoice_id", "belongs to another customer");
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
}

}  // namespace sales::finance
