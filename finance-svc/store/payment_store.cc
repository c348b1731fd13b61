#include "finance-svc/store/payment_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/document_scope.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

constexpr int kUnapplied = v1::PAYMENT_STATE_UNAPPLIED, kPartiallyApplied = v1::PAYMENT_STATE_PARTIALLY_APPLIED,
              kSettled = v1::PAYMENT_STATE_SETTLED, kDishonored = v1::PAYMENT_STATE_DISHONORED;

constexpr char kPaymentColumns[] =
    "id, customer_id, currency, amount_minor, unapplied_minor, method, bank_reference, received_on, maturity_on, "
    "version, created_at, state, exchange_rate_bp, settlement_currency, settlement_minor, applied_minor, "
    "refunded_minor, payer_name, payer_account, instrument_number, note, rep_id, dishonor_reason, updated_at";

// A payment carries no unit: scoped lists take the unit on the customer's
// summary row.
constexpr char kPaymentUnitColumn[] =
    "(SELECT org_unit_id FROM customer_accounts ca WHERE ca.customer_id = payments.customer_id)";

v1::Payment ReadPayment(const db::Row& r) {
  v1::Payment p;
  p.set_id(r.Int("id"));
  p.set_customer_id(r.Int("customer_id"));
  *p.mutable_amount() = MakeMoney(r.Int("amount_minor"), r.Str("currency"));
  const std::string sc = r.Str("settlement_currency");
  *p.mutable_unapplied() = MakeMoney(r.Int("unapplied_minor"), sc);
  p.set_method(EnumParse<v1::PaymentMethod>(r.Str("method")));
  p.set_bank_reference(r.Str("bank_reference"));
  *p.mutable_received_on() = ParseDbDate(r.Str("received_on"));
  if (!r.IsNull("maturity_on")) *p.mutable_maturity_on() = ParseDbDate(r.Str("maturity_on"));
  p.set_etag(MakeEtag(r.Int("version")));
  *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  p.set_state(EnumParse<v1::PaymentState>(r.Str("state")));
  p.set_exchange_rate_bp(static_cast<int32_t>(r.Int("exchange_rate_bp")));
  *p.mutable_settlement_amount() = MakeMoney(r.Int("settlement_minor"), sc);
  *p.mutable_applied() = MakeMoney(r.Int("applied_minor"), sc);
  *p.mutable_refunded() = MakeMoney(r.Int("refunded_minor"), sc);
  p.set_payer_name(r.Str("payer_name"));
  p.set_payer_account(r.Str("payer_account"));
  p.set_instrument_number(r.Str("instrument_number"));
  p.set_note(r.Str("note"));
  p.set_rep_id(r.Int("rep_id"));
  p.set_dishonor_reason(r.Str("dishonor_reason"));
  *p.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return p;
}

int StateOf(const PaymentRow& p) {
  if (p.state == kDishonored) return kDishonored;
  if (p.unapplied == 0) return kSettled;
  return p.applied + p.refunded > 0 ? kPartiallyApplied : kUnapplied;
}

absl::Status SavePayment(db::Transaction& tx, PaymentRow& p, absl::Time now) {
  p.state = StateOf(p);
  p.version += 1;
  return tx
      .Exec(
          "UPDATE payments SET applied_minor = ?, unapplied_minor = ?, refunded_minor = ?, state = ?, "
          "version = ?, updated_at = ? WHERE id = ?",
          {p.applied, p.unapplied, p.refunded, EnumShort(static_cast<v1::PaymentState>(p.state)), p.version,
           FormatDbTime(now), p.id})
      .status();
}

constexpr char kApplicationColumns[] =
    "id, payment_id, customer_id, rep_id, org_unit_id, invoice_id, debit_memo_id, currency, amount_minor, "
    "applied_on, due_on, days_past_due, state, reversal_reason, reversed_on, created_at";

// The application of one row; its product-line split comes from
// ReadApplications.
v1::PaymentApplication ReadApplication(const db::Row& r) {
  v1::PaymentApplication a;
  a.set_id(r.Int("id"));
  a.set_payment_id(r.Int("payment_id"));
  a.set_customer_id(r.Int("customer_id"));
  a.set_rep_id(r.Int("rep_id"));
  a.set_org_unit_id(r.Int("org_unit_id"));
  if (!r.IsNull("invoice_id")) a.set_invoice_id(r.Int("invoice_id"));
  if (!r.IsNull("debit_memo_id")) a.set_debit_memo_id(r.Int("debit_memo_id"));
  const std::string cur = r.Str("currency");
  *a.mutable_amount() = MakeMoney(r.Int("amount_minor"), cur);
  *a.mutable_applied_on() = ParseDbDate(r.Str("applied_on"));
  *a.mutable_due_on() = ParseDbDate(r.Str("due_on"));
  a.set_days_past_due(static_cast<int32_t>(r.Int("days_past_due")));
  a.set_state(EnumParse<v1::ApplicationState>(r.Str("state")));
  a.set_reversal_reason(r.Str("reversal_reason"));
  if (!r.IsNull("reversed_on")) *a.mutable_reversed_on() = ParseDbDate(r.Str("reversed_on"));
  *a.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return a;
}

// The applications of `rows`, in their order, each with its product-line
// split by product line: one statement for the splits of every row, however
// many a page holds.
absl::StatusOr<std::vector<v1::PaymentApplication>> ReadApplications(db::Transaction& tx,
                                                                     const std::vector<db::Row>& rows) {
  auto page = ReadPageOfDocuments<v1::PaymentApplication>(rows, ReadApplication);
  if (page.records.empty()) return std::move(page.records);
  db::Params p;
  std::string in = db::AppendInList(page.ids, p);
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query(absl::StrCat("SELECT application_id, product_line_id, amount_minor "
                                                           "FROM payment_application_lines WHERE application_id IN (",
                                                           in, ") ORDER BY application_id, product_line_id"),
                                              p));
  for (const auto& l : lines) {
    auto it = page.index_of.find(l.Int("application_id"));
    if (it == page.index_of.end()) continue;
    auto* pl = page.records[it->second].add_product_line_amounts();
    pl->set_product_line_id(l.Int("product_line_id"));
    *pl->mutable_amount() = MakeMoney(l.Int("amount_minor"), page.currencies[it->second]);
  }
  return std::move(page.records);
}

absl::Status NoRemainder(const PaymentRow& p) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("payment ", p.id, " has nothing left to apply")),
                       "PAYMENT_NO_REMAINDER", kFinanceDomain);
}

absl::Status IsDishonored(const PaymentRow& p) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("payment ", p.id, " was dishonored")),
                       "PAYMENT_DISHONORED", kFinanceDomain);
}

// Applies `amount` of the payment to one locked invoice: the application
// row with its product-line split, the invoice balance, the payment, the
// summary, the event.
// A document being paid: an invoice or a debit memo, locked.
struct Payable {
  InvoiceRow* invoice = nullptr;
  DebitRow* debit = nullptr;
  int64_t id() const { return invoice ? invoice->id : debit->id; }
  int64_t customer_id() const { return invoice ? invoice->customer_id : debit->customer_id; }
  int64_t rep_id() const { return invoice ? invoice->rep_id : debit->rep_id; }
  int64_t org_unit_id() const { return invoice ? invoice->org_unit_id : debit->org_unit_id; }
  const std::string& number() const { return invoice ? invoice->number : debit->number; }
  int64_t balance() const { return invoice ? invoice->balance : debit->balance; }
  std::optional<absl::CivilDay> due_on() const { return invoice ? invoice->due_on : debit->due_on; }
};

absl::StatusOr<v1::PaymentApplication> ApplyOne(db::Transaction& tx, Outbox& outbox, const CallContext& call,
                                                PaymentRow& p, Payable doc, int64_t amount, absl::Time now) {
  absl::CivilDay due = doc.due_on().value_or(p.received_on);
  int dpd = DaysPastDueOn(due, p.received_on);
  db::Param inv_id = doc.invoice ? db::Param(doc.id()) : db::Param(nullptr);
  db::Param dm_id = doc.debit ? db::Param(doc.id()) : db::Param(nullptr);
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO payment_applications (payment_id, customer_id, rep_id, org_unit_id, "
                                "invoice_id, debit_memo_id, currency, amount_minor, applied_on, due_on, days_past_due, "
                                "state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?)",
                                {p.id, doc.customer_id(), doc.rep_id(), doc.org_unit_id(), inv_id, dm_id, p.currency,
                                 amount, DbDay(p.received_on), DbDay(due), int64_t{dpd}, FormatDbTime(now)})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t app_id, tx.LastInsertId());
  std::vector<LineWeight> weights;
  if (doc.invoice) {
    SALES_ASSIGN_OR_RETURN(weights, InvoiceStore::Weights(tx, doc.id()));
  } else {
    SALES_ASSIGN_OR_RETURN(weights, MemoStore::DebitWeights(tx, doc.id()));
  }
  SALES_ASSIGN_OR_RETURN(auto split, SplitByProductLine(amount, weights));
  for (const auto& s : split) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO payment_application_lines (application_id, product_line_id, "
                                  "amount_minor, commissionable_minor) VALUES (?, ?, ?, ?)",
                                  {app_id, s.product_line_id, s.amount_minor, s.commissionable_minor})
                              .status());
  }
  if (doc.invoice) {
    SALES_RETURN_IF_ERROR(InvoiceStore::Settle(tx, *doc.invoice, amount, 0, now));
  } else {
    SALES_RETURN_IF_ERROR(MemoStore::SettleDebitMemo(tx, *doc.debit, amount, now));
  }
  p.applied += amount;
  p.unapplied -= amount;
  AccountDelta d;
  d.applied = amount;
  d.on_account = -amount;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, p.customer_id, 0, 0, d, now));

  v1::PaymentAppliedEvent ev;
  ev.set_application_id(app_id);
  ev.set_payment_id(p.id);
  ev.set_customer_id(doc.customer_id());
  ev.set_rep_id(doc.rep_id());
  ev.set_org_unit_id(doc.org_unit_id());
  ev.set_document_kind(doc.invoice ? v1::DOCUMENT_KIND_INVOICE : v1::DOCUMENT_KIND_DEBIT_MEMO);
  ev.set_document_id(doc.id());
  ev.set_document_number(doc.number());
  *ev.mutable_amount() = MakeMoney(amount, p.currency);
  for (const auto& s : split) {
    auto* pl = ev.add_product_line_amounts();
    pl->set_product_line_id(s.product_line_id);
    *pl->mutable_amount() = MakeMoney(s.amount_minor, p.currency);
    if (s.commissionable_minor > 0) {
      auto* c = ev.add_commissionable_amounts();
      c->set_product_line_id(s.product_line_id);
      *c->mutable_amount() = MakeMoney(s.commissionable_minor, p.currency);
    }
  }
  if (doc.invoice) {
    SALES_ASSIGN_OR_RETURN(auto orders, InvoiceStore::OrderIds(tx, doc.id()));
    for (int64_t o : orders) ev.add_order_ids(o);
  }
  *ev.mutable_applied_on() = FromCivilDay(p.received_on);
  *ev.mutable_due_on() = FromCivilDay(due);
  ev.set_days_past_due(dpd);
  ev.set_payment_method(static_cast<v1::PaymentMethod>(p.method));
  *ev.mutable_document_balance_after() = MakeMoney(doc.balance(), p.currency);
  SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, p.customer_id));
  *ev.mutable_customer_open_receivable_after() = MakeMoney(acct ? acct->open_receivable : 0, p.currency);
  SALES_ASSIGN_OR_RETURN(auto overdue, AccountStore::OverdueOf(tx, {p.customer_id}, BusinessDay(now)));
  *ev.mutable_customer_overdue_after() =
      MakeMoney(overdue.count(p.customer_id) ? overdue[p.customer_id].amount : 0, p.currency);
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "Payment", absl::StrCat(p.id), ev, call.request_id));

  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kApplicationColumns, " FROM payment_applications WHERE id = ?"), {app_id}));
  SALES_ASSIGN_OR_RETURN(auto apps, ReadApplications(tx, rows));
  return std::move(apps[0]);
}

}  // namespace

absl::StatusOr<v1::Payment> PaymentStore::Insert(db::Transaction& tx, const v1::Payment& p, int64_t settlement,
                                                 absl::Time now) {
  db::Param maturity = p.has_maturity_on() ? db::Param(FormatDbDate(p.maturity_on())) : db::Param(nullptr);
  SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, p.customer_id()));
  int64_t rep = acct ? acct->rep_id : 0;
  auto st = tx.Exec(
      "INSERT INTO payments (customer_id, currency, amount_minor, unapplied_minor, state, method, bank_reference, "
      "received_on, maturity_on, version, created_at, updated_at, exchange_rate_bp, settlement_currency, "
      "settlement_minor, payer_name, payer_account, instrument_number, note, rep_id) "
      "VALUES (?, ?, ?, ?, 'UNAPPLIED', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {p.customer_id(), p.amount().currency_code(), p.amount().minor_units(), settlement, EnumShort(p.method()),
       p.bank_reference(), FormatDbDate(p.received_on()), maturity, FormatDbTime(now), FormatDbTime(now),
       int64_t{p.exchange_rate_bp()}, std::string(kCompanyCurrency), settlement, p.payer_name(), p.payer_account(),
       p.instrument_number(), p.note(), rep});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat("bank notice '", p.bank_reference(), "' was already recorded")),
        "BANK_REFERENCE_RECORDED", kFinanceDomain, {{"bank_reference", p.bank_reference()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  AccountDelta d;
  d.payments_received = settlement;
  d.on_account = settlement;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, p.customer_id(), 0, 0, d, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, p.customer_id(), ToCivilDay(p.received_on()), LedgerKind::kPayment, id,
                                          p.bank_reference(), 0, settlement,
                                          absl::StrCat("payment ", p.bank_reference()), now));
  return Get(tx, id);
}

absl::StatusOr<v1::Payment> PaymentStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kPaymentColumns, " FROM payments WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("payment", id);
  return ReadPayment(rows[0]);
}

absl::StatusOr<PaymentRow> PaymentStore::Lock(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, customer_id, rep_id, state, method, settlement_currency, "
                                             "settlement_minor, applied_minor, unapplied_minor, refunded_minor, "
                                             "received_on, version FROM payments WHERE id = ? FOR UPDATE",
                                             {id}));
  if (rows.empty()) return NotFound("payment", id);
  const auto& r = rows[0];
  PaymentRow p;
  p.id = r.Int("id");
  p.customer_id = r.Int("customer_id");
  p.rep_id = r.Int("rep_id");
  p.state = EnumParse<v1::PaymentState>(r.Str("state"));
  p.method = EnumParse<v1::PaymentMethod>(r.Str("method"));
  p.currency = r.Str("settlement_currency");
  p.settlement = r.Int("settlement_minor");
  p.applied = r.Int("applied_minor");
  p.unapplied = r.Int("unapplied_minor");
  p.refunded = r.Int("refunded_minor");
  p.received_on = ParseDay(r.Str("received_on"));
  p.version = r.Int("version");
  return p;
}

absl::StatusOr<std::vector<v1::Payment>> PaymentStore::List(db::Transaction& tx, const v1::ListPaymentsRequest& req,
                                                            const DocumentScope& scope, int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kPaymentColumns, " FROM payments WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  if (req.method()) {
    sql += " AND method = ?";
    p.push_back(EnumShort(req.method()));
  }
  if (!req.bank_reference().empty()) {
    sql += " AND bank_reference = ?";
    p.push_back(req.bank_reference());
  }
  if (req.states_size()) {
    std::string in = db::AppendInList(EnumShortNames<v1::PaymentState>(req.states()), p);
    absl::StrAppend(&sql, " AND state IN (", in, ")");
  }
  auto range = [&](const common::v1::DateRange& r, const char* col) {
    if (r.has_start()) {
      absl::StrAppend(&sql, " AND ", col, " >= ?");
      p.push_back(FormatDbDate(r.start()));
    }
    if (r.has_end()) {
      absl::StrAppend(&sql, " AND ", col, " <= ?");
      p.push_back(FormatDbDate(r.end()));
    }
  };
  if (req.has_received()) range(req.received(), "received_on");
  if (req.has_maturing()) range(req.maturing(), "maturity_on");
  sql += ScopeSql(scope, "rep_id", kPaymentUnitColumn, &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Payment> out;
  for (const auto& r : rows) out.push_back(ReadPayment(r));
  return out;
}

absl::StatusOr<std::vector<v1::PaymentApplication>> PaymentStore::Apply(
    db::Transaction& tx, Outbox& outbox, const CallContext& call, PaymentRow& p, v1::ApplyMode mode,
    const std::vector<AllocationRequest>& allocations, int64_t max_amount, absl::Time now) {
  if (p.state == kDishonored) return IsDishonored(p);
  if (p.unapplied <= 0) return NoRemainder(p);
  std::vector<v1::PaymentApplication> out;
  if (mode == v1::APPLY_MODE_OLDEST_DUE_FIRST) {
    // Candidates are read without locks, then locked in the fixed order
    // (invoices by id, then debit memos by id) and re-read, so the
    // allocation works on balances no one else can move.
    SALES_ASSIGN_OR_RETURN(auto ids, tx.Query("SELECT id FROM invoices WHERE customer_id = ? AND balance_minor > 0 "
                                              "AND state IN ('ISSUED', 'PARTIALLY_PAID')",
                                              {p.customer_id}));
    std::vector<int64_t> idv;
    for (const auto& r : ids) idv.push_back(r.Int("id"));
    SALES_ASSIGN_OR_RETURN(auto dm_ids, tx.Query("SELECT id FROM debit_memos WHERE customer_id = ? AND "
                                                 "balance_minor > 0 AND state = 'ISSUED'",
                                                 {p.customer_id}));
    std::vector<int64_t> dmv;
    for (const auto& r : dm_ids) dmv.push_back(r.Int("id"));
    SALES_ASSIGN_OR_RETURN(auto invoices, InvoiceStore::LockMany(tx, idv));
    SALES_ASSIGN_OR_RETURN(auto debits, MemoStore::LockDebitMemos(tx, dmv));
    std::vector<OpenItemRef> items;
    std::map<int64_t, Payable> by_key;  // invoices by id, debit memos by -id
    for (auto& inv : invoices) {
      if (inv.balance <= 0 ||
          (inv.state != v1::INVOICE_STATE_ISSUED && inv.state != v1::INVOICE_STATE_PARTIALLY_PAID)) {
        continue;
      }
      items.push_back({inv.id, inv.due_on.value_or(absl::CivilDay(1970, 1, 1)), inv.number, inv.balance});
      by_key[inv.id] = Payable{&inv, nullptr};
    }
    for (auto& d : debits) {
      if (d.balance <= 0 || d.state != v1::MEMO_STATE_ISSUED) continue;
      items.push_back({-d.id, d.due_on.value_or(absl::CivilDay(1970, 1, 1)), d.number, d.balance});
      by_key[-d.id] = Payable{nullptr, &d};
    }
    int64_t budget = max_amount > 0 ? std::min(max_amount, p.unapplied) : p.unapplied;
    for (const auto& a : AllocateOldestDueFirst(budget, items)) {
      SALES_ASSIGN_OR_RETURN(auto app, ApplyOne(tx, outbox, call, p, by_key[a.key], a.amount_minor, now));
      out.push_back(std::move(app));
    }
  } else {
    std::vector<FieldViolation> v;
    int64_t total = 0;
    std::vector<int64_t> ids, dm_ids;
    for (const auto& a : allocations) {
      total += a.amount;
      if (a.invoice_id != 0) ids.push_back(a.invoice_id);
      if (a.debit_memo_id != 0) dm_ids.push_back(a.debit_memo_id);
    }
    if (total > p.unapplied) {
      v.push_back(
          {"allocations", absl::StrCat("allocations total ", total, " exceeds the payment's remainder ", p.unapplied)});
    }
    if (!v.empty()) return InvalidFields(std::move(v));
    SALES_ASSIGN_OR_RETURN(auto invoices, InvoiceStore::LockMany(tx, ids));
    SALES_ASSIGN_OR_RETURN(auto debits, MemoStore::LockDebitMemos(tx, dm_ids));
    std::map<int64_t, Payable> by_key;
    for (auto& inv : invoices) by_key[inv.id] = Payable{&inv, nullptr};
    for (auto& d : debits) by_key[-d.id] = Payable{nullptr, &d};
    std::map<int64_t, int64_t> asked;
    for (const auto& a : allocations) {
      int64_t key = a.invoice_id != 0 ? a.invoice_id : -a.debit_memo_id;
      const char* id_field = a.invoice_id != 0 ? ".invoice_id" : ".debit_memo_id";
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        return a.invoice_id != 0 ? NotFound("invoice", a.invoice_id) : NotFound("debit memo", a.debit_memo_id);
      }
      const Payable& doc = it->second;
      if (doc.customer_id() != p.customer_id) {
        v.push_back(
            {absl::StrCat(a.field, id_field), absl::StrCat("document ", doc.id(), " belongs to customer ",
                                                           doc.customer_id(), ", the payment to ", p.customer_id)});
        continue;
      }
      bool issued =
          doc.invoice
              ? (doc.invoice->state >= v1::INVOICE_STATE_ISSUED && doc.invoice->state != v1::INVOICE_STATE_CANCELLED)
              : (doc.debit->state == v1::MEMO_STATE_ISSUED || doc.debit->state == v1::MEMO_STATE_SETTLED);
      if (!issued) {
        return WithErrorInfo(
            absl::FailedPreconditionError(absl::StrCat("document ", doc.id(), " is not an issued open document")),
            "DOCUMENT_NOT_ISSUED", kFinanceDomain);
      }
      asked[key] += a.amount;
      if (asked[key] > doc.balance()) {
        v.push_back({absl::StrCat(a.field, ".amount"),
                     absl::StrCat("exceeds the open balance ", doc.balance(), " of ", doc.number())});
      }
    }
    if (!v.empty()) return InvalidFields(std::move(v));
    for (const auto& a : allocations) {
      int64_t key = a.invoice_id != 0 ? a.invoice_id : -a.debit_memo_id;
      SALES_ASSIGN_OR_RETURN(auto app, ApplyOne(tx, outbox, call, p, by_key[key], a.amount, now));
      out.push_back(std::move(app));
    }
  }
  SALES_RETURN_IF_ERROR(SavePayment(tx, p, now));
  return out;
}

absl::StatusOr<v1::PaymentApplication> PaymentStore::Reverse(db::Transaction& tx, Outbox& outbox,
                                                             const CallContext& call, PaymentRow& p,
                                                             int64_t application_id, const std::string& reason,
                                                             absl::CivilDay on, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kApplicationColumns,
                                                          " FROM payment_applications WHERE id = ? FOR UPDATE"),
                                             {application_id}));
  if (rows.empty() || rows[0].Int("payment_id") != p.id) return NotFound("payment application", application_id);
  SALES_ASSIGN_OR_RETURN(auto apps, ReadApplications(tx, rows));
  v1::PaymentApplication app = std::move(apps[0]);
  if (app.state() != v1::APPLICATION_STATE_ACTIVE) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("application ", application_id, " is already reversed")),
        "APPLICATION_REVERSED", kFinanceDomain);
  }
  int64_t amount = app.amount().minor_units();
  if (app.invoice_id() != 0) {
    SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, app.invoice_id()));
    SALES_RETURN_IF_ERROR(InvoiceStore::Settle(tx, inv, -amount, 0, now));
  } else {
    SALES_ASSIGN_OR_RETURN(auto debits, MemoStore::LockDebitMemos(tx, {app.debit_memo_id()}));
    if (debits.empty()) return NotFound("debit memo", app.debit_memo_id());
    SALES_RETURN_IF_ERROR(MemoStore::SettleDebitMemo(tx, debits[0], -amount, now));
  }
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE payment_applications SET state = 'REVERSED', reversal_reason = ?, reversed_on = ? "
              "WHERE id = ?",
              {reason.substr(0, 500), DbDay(on), application_id})
          .status());
  p.applied -= amount;
  p.unapplied += amount;
  AccountDelta d;
  d.applied = -amount;
  d.on_account = amount;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, p.customer_id, 0, 0, d, now));
  SALES_RETURN_IF_ERROR(SavePayment(tx, p, now));
  v1::PaymentApplicationReversedEvent ev;
  ev.set_application_id(application_id);
  ev.set_payment_id(p.id);
  ev.set_customer_id(app.customer_id());
  ev.set_rep_id(app.rep_id());
  ev.set_org_unit_id(app.org_unit_id());
  ev.set_document_kind(app.invoice_id() != 0 ? v1::DOCUMENT_KIND_INVOICE : v1::DOCUMENT_KIND_DEBIT_MEMO);
  ev.set_document_id(app.invoice_id() != 0 ? app.invoice_id() : app.debit_memo_id());
  *ev.mutable_amount() = app.amount();
  *ev.mutable_product_line_amounts() = app.product_line_amounts();
  *ev.mutable_applied_on() = app.applied_on();
  *ev.mutable_reversed_on() = FromCivilDay(on);
  ev.set_reason(reason);
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "Payment", absl::StrCat(p.id), ev, call.request_id));
  SALES_RETURN_IF_ERROR(
      AuditStore::Record(tx, call, "PaymentApplication", application_id, "REVERSE", "ACTIVE", "REVERSED", reason, now));
  return GetApplication(tx, application_id);
}

absl::StatusOr<v1::Refund> PaymentStore::Refund(db::Transaction& tx, Outbox& outbox, const CallContext& call,
                                                PaymentRow& p, const v1::Refund& r, absl::Time now) {
  if (p.state == kDishonored) return IsDishonored(p);
  int64_t amount = r.amount().minor_units();
  if (amount > p.unapplied) {
    return InvalidField("refund.amount", absl::StrCat("exceeds the payment's remainder ", p.unapplied));
  }
  auto st = tx.Exec(
      "INSERT INTO refunds (payment_id, customer_id, currency, amount_minor, refunded_on, "
      "bank_reference, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {p.id, p.customer_id, p.currency, amount, FormatDbDate(r.refunded_on()), r.bank_reference(), r.reason(),
       FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat("refund reference '", r.bank_reference(), "' was already recorded")),
        "BANK_REFERENCE_RECORDED", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(st.status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  p.unapplied -= amount;
  p.refunded += amount;
  SALES_RETURN_IF_ERROR(SavePayment(tx, p, now));
  AccountDelta d;
  d.on_account = -amount;
  d.refunded = amount;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, p.customer_id, 0, 0, d, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, p.customer_id, ToCivilDay(r.refunded_on()), LedgerKind::kRefund, id,
                                          r.bank_reference(), amount, 0, absl::StrCat("refund: ", r.reason()), now));
  v1::Refund out = r;
  out.set_id(id);
  out.set_payment_id(p.id);
  out.set_customer_id(p.customer_id);
  *out.mutable_amount() = MakeMoney(amount, p.currency);
  *out.mutable_create_time() = ToTimestamp(now);
  v1::PaymentRefundedEvent ev;
  *ev.mutable_refund() = out;
  *ev.mutable_payment_unapplied_after() = MakeMoney(p.unapplied, p.currency);
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "Payment", absl::StrCat(p.id), ev, call.request_id));
  return out;
}

absl::StatusOr<std::vector<v1::PaymentApplication>> PaymentStore::Dishonor(db::Transaction& tx, Outbox& outbox,
                                                                           const CallContext& call, PaymentRow& p,
                                                                           const std::string& reason, absl::CivilDay on,
                                                                           absl::Time now) {
  if (p.state == kDishonored) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("payment ", p.id, " is already dishonored")),
                         "PAYMENT_DISHONORED", kFinanceDomain);
  }
  if (p.refunded > 0) {
    return WithErrorInfo(absl::FailedPreconditionError("a partly refunded payment cannot be dishonored"),
                         "PAYMENT_REFUNDED", kFinanceDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id FROM payment_applications WHERE payment_id = ? AND state = 'ACTIVE' "
                                  "ORDER BY invoice_id IS NULL, invoice_id, debit_memo_id, id",
                                  {p.id}));
  std::vector<v1::PaymentApplication> reversed;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(auto app,
                           Reverse(tx, outbox, call, p, r.Int("id"), absl::StrCat("dishonored: ", reason), on, now));
    reversed.push_back(std::move(app));
  }
  int64_t s = p.settlement;
  p.unapplied = 0;
  p.state = kDishonored;
  p.version += 1;
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE payments SET unapplied_minor = 0, state = 'DISHONORED', dishonor_reason = ?, "
                                "dishonored_on = ?, version = ?, updated_at = ? WHERE id = ?",
                                {reason.substr(0, 500), DbDay(on), p.version, FormatDbTime(now), p.id})
                            .status());
  AccountDelta d;
  d.payments_received = -s;
  d.on_account = -s;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, p.customer_id, 0, 0, d, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, p.customer_id, on, LedgerKind::kPayment, p.id, "dishonored", s, 0,
                                          absl::StrCat("dishonored: ", reason), now));
  SALES_ASSIGN_OR_RETURN(v1::Payment stored, Get(tx, p.id));
  v1::PaymentDishonoredEvent ev;
  *ev.mutable_payment() = stored;
  for (const auto& a : reversed) ev.add_reversed_application_ids(a.id());
  *ev.mutable_dishonored_on() = FromCivilDay(on);
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "Payment", absl::StrCat(p.id), ev, call.request_id));
  return reversed;
}

absl::StatusOr<v1::PaymentApplication> PaymentStore::GetApplication(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kApplicationColumns, " FROM payment_applications WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("payment application", id);
  SALES_ASSIGN_OR_RETURN(auto apps, ReadApplications(tx, rows));
  return std::move(apps[0]);
}

absl::StatusOr<std::vector<v1::PaymentApplication>> PaymentStore::ListApplications(
    db::Transaction& tx, const v1::ListPaymentApplicationsRequest& req, const DocumentScope& scope, int64_t after_id,
    int limit) {
  std::string sql = absl::StrCat("SELECT ", kApplicationColumns, " FROM payment_applications WHERE id > ?");
  db::Params p = {after_id};
  if (req.payment_id()) {
    sql += " AND payment_id = ?";
    p.push_back(req.payment_id());
  }
  if (req.invoice_id()) {
    sql += " AND invoice_id = ?";
    p.push_back(req.invoice_id());
  }
  if (req.debit_memo_id()) {
    sql += " AND debit_memo_id = ?";
    p.push_back(req.debit_memo_id());
  }
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  if (!req.include_reversed()) sql += " AND state = 'ACTIVE'";
  sql += DateRangeSql(req.applied(), "applied_on", &p);
  sql += ScopeSql(scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return ReadApplications(tx, rows);
}

absl::StatusOr<std::vector<v1::Refund>> PaymentStore::ListRefunds(db::Transaction& tx,
                                                                  const v1::ListRefundsRequest& req, int64_t after_id,
                                                                  int limit) {
  std::string sql =
      "SELECT id, payment_id, customer_id, currency, amount_minor, refunded_on, bank_reference, reason, "
      "created_at FROM refunds WHERE id > ?";
  db::Params p = {after_id};
  if (req.payment_id()) {
    sql += " AND payment_id = ?";
    p.push_back(req.payment_id());
  }
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  sql += DateRangeSql(req.refunded(), "refunded_on", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Refund> out;
  for (const auto& r : rows) {
    v1::Refund f;
    f.set_id(r.Int("id"));
    f.set_payment_id(r.Int("payment_id"));
    f.set_customer_id(r.Int("customer_id"));
    *f.mutable_amount() = MakeMoney(r.Int("amount_minor"), r.Str("currency"));
    *f.mutable_refunded_on() = ParseDbDate(r.Str("refunded_on"));
    f.set_bank_reference(r.Str("bank_reference"));
    f.set_reason(r.Str("reason"));
    *f.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sales::finance
