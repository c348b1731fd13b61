#include "finance-svc/store/memo_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/document_scope.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

constexpr int kPending = v1::MEMO_STATE_PENDING, kIssued = v1::MEMO_STATE_ISSUED, kSettled = v1::MEMO_STATE_SETTLED;

constexpr char kMemoColumns[] =
    "id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, invoice_id, source, return_id, order_id, "
    "COALESCE(source_event_id, '') AS source_event_id, currency, net_total_minor, tax_total_minor, total_minor, "
    "unapplied_minor, state, memo_date, reason, void_reason, version, created_at, updated_at";

// The credit memo header of one row; its lines come from ReadMemos.
v1::CreditMemo ReadMemo(const db::Row& r) {
  v1::CreditMemo m;
  m.set_id(r.Int("id"));
  m.set_number(r.Str("number"));
  m.set_customer_id(r.Int("customer_id"));
  m.set_rep_id(r.Int("rep_id"));
  m.set_org_unit_id(r.Int("org_unit_id"));
  m.set_invoice_id(r.Int("invoice_id"));
  m.set_source(EnumParse<v1::CreditMemoSource>(r.Str("source")));
  m.set_return_id(r.Int("return_id"));
  m.set_order_id(r.Int("order_id"));
  m.set_source_event_id(r.Str("source_event_id"));
  const std::string cur = r.Str("currency");
  *m.mutable_net_total() = MakeMoney(r.Int("net_total_minor"), cur);
  *m.mutable_tax_total() = MakeMoney(r.Int("tax_total_minor"), cur);
  *m.mutable_total() = MakeMoney(r.Int("total_minor"), cur);
  *m.mutable_unapplied() = MakeMoney(r.Int("unapplied_minor"), cur);
  m.set_state(EnumParse<v1::MemoState>(r.Str("state")));
  if (!r.IsNull("memo_date")) *m.mutable_memo_date() = ParseDbDate(r.Str("memo_date"));
  m.set_reason(r.Str("reason"));
  m.set_void_reason(r.Str("void_reason"));
  m.set_etag(MakeEtag(r.Int("version")));
  *m.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *m.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return m;
}

// A memo line as AttachMemoLines selects it.
void ReadMemoLine(const db::Row& l, const std::string& cur, v1::MemoLine& o) {
  o.set_id(l.Int("id"));
  o.set_invoice_line_id(l.Int("invoice_line_id"));
  o.set_product_id(l.Int("product_id"));
  o.set_product_line_id(l.Int("product_line_id"));
  o.set_quantity(l.Int("quantity"));
  o.set_description(l.Str("description"));
  *o.mutable_net_amount() = MakeMoney(l.Int("net_minor"), cur);
  o.set_tax_rate_bp(static_cast<int32_t>(l.Int("tax_rate_bp")));
  *o.mutable_tax_amount() = MakeMoney(l.Int("tax_minor"), cur);
  *o.mutable_gross_amount() = MakeMoney(l.Int("gross_minor"), cur);
}

// Adds their lines to memos of one kind ("CM" or "DM"), each in id order,
// in one statement however many memos a page holds. `currencies[i]` is
// memos[i]'s currency.
template <typename Memo>
absl::Status AttachMemoLines(db::Transaction& tx, const char* kind, const std::vector<std::string>& currencies,
                             std::vector<Memo>& memos) {
  if (memos.empty()) return absl::OkStatus();
  std::map<int64_t, size_t> index_of;
  std::vector<int64_t> ids;
  for (size_t i = 0; i < memos.size(); ++i) {
    index_of[memos[i].id()] = i;
    ids.push_back(memos[i].id());
  }
  db::Params p = {std::string(kind)};
  std::string in = db::AppendInList(ids, p);
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query(absl::StrCat("SELECT memo_id, id, invoice_line_id, product_id, "
                                                           "product_line_id, quantity, description, net_minor, "
                                                           "tax_rate_bp, tax_minor, gross_minor FROM memo_lines "
                                                           "WHERE memo_kind = ? AND memo_id IN (",
                                                           in, ") ORDER BY memo_id, id"),
                                              p));
  for (const auto& l : lines) {
    auto it = index_of.find(l.Int("memo_id"));
    if (it != index_of.end()) ReadMemoLine(l, currencies[it->second], *memos[it->second].add_lines());
  }
  return absl::OkStatus();
}

// The credit memos of `rows`, in their order, with their lines.
absl::StatusOr<std::vector<v1::CreditMemo>> ReadMemos(db::Transaction& tx, const std::vector<db::Row>& rows) {
  std::vector<v1::CreditMemo> out;
  std::vector<std::string> currencies;
  for (const auto& r : rows) {
    out.push_back(ReadMemo(r));
    currencies.push_back(r.Str("currency"));
  }
  SALES_RETURN_IF_ERROR(AttachMemoLines(tx, "CM", currencies, out));
  return out;
}

}  // namespace

absl::StatusOr<int64_t> MemoStore::InsertCreditMemo(db::Transaction& tx, const NewCreditMemo& m, absl::Time now) {
  int64_t net_total = 0, tax_total = 0;
  for (const auto& l : m.lines) {
    net_total += l.net_minor;
    tax_total += l.tax_minor >= 0 ? l.tax_minor : TaxHalfUp(l.net_minor, l.tax_rate_bp);
  }
  db::Param event = m.source_event_id.empty() ? db::Param(nullptr) : db::Param(m.source_event_id);
  auto st = tx.Exec(
      "INSERT INTO credit_memos (customer_id, rep_id, org_unit_id, invoice_id, source, return_id, "
      "order_id, source_event_id, currency, net_total_minor, tax_total_minor, total_minor, state, "
      "reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)",
      {m.customer_id, m.rep_id, m.org_unit_id, m.invoice_id, EnumShort(static_cast<v1::CreditMemoSource>(m.source)),
       m.return_id, m.order_id, event, m.currency, net_total, tax_total, net_total + tax_total, m.reason.substr(0, 500),
       FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError("a credit memo exists for this return"), "MEMO_EXISTS",
                         kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(st.status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  for (const auto& l : m.lines) {
    int64_t tax = l.tax_minor >= 0 ? l.tax_minor : TaxHalfUp(l.net_minor, l.tax_rate_bp);
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO memo_lines (memo_kind, memo_id, invoice_line_id, billable_line_id, product_id, "
                "product_line_id, commissionable, quantity, description, net_minor, tax_rate_bp, tax_minor, "
                "gross_minor) VALUES ('CM', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {id, l.invoice_line_id, l.billable_line_id, l.product_id, l.product_line_id,
                 int64_t{l.commissionable ? 1 : 0}, l.quantity, l.description.substr(0, 200), l.net_minor,
                 int64_t{l.tax_rate_bp}, tax, l.net_minor + tax})
            .status());
  }
  return id;
}

absl::StatusOr<v1::CreditMemo> MemoStore::GetCreditMemo(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kMemoColumns, " FROM credit_memos WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("credit memo", id);
  SALES_ASSIGN_OR_RETURN(auto memos, ReadMemos(tx, rows));
  return std::move(memos[0]);
}

absl::StatusOr<std::vector<v1::CreditMemo>> MemoStore::ListCreditMemos(db::Transaction& tx,
                                                                       const v1::ListCreditMemosRequest& req,
                                                                       const DocumentScope& scope, int64_t after_id,
                                                                       int limit) {
  std::string sql = absl::StrCat("SELECT ", kMemoColumns, " FROM credit_memos WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.invoice_id()) {
    sql += " AND invoice_id = ?";
    p.push_back(req.invoice_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  if (req.source()) {
    sql += " AND source = ?";
    p.push_back(EnumShort(req.source()));
  }
  if (req.states_size()) {
    std::string in = db::AppendInList(EnumShortNames<v1::MemoState>(req.states()), p);
    absl::StrAppend(&sql, " AND state IN (", in, ")");
  }
  sql += DateRangeSql(req.memo_dates(), "memo_date", &p);
  sql += ScopeSql(scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return ReadMemos(tx, rows);
}

absl::StatusOr<std::pair<int, int64_t>> MemoStore::LockCreditMemo(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT state, version FROM credit_memos WHERE id = ? FOR UPDATE", {id}));
  if (rows.empty()) return NotFound("credit memo", id);
  return std::make_pair(static_cast<int>(EnumParse<v1::MemoState>(rows[0].Str("state"))), rows[0].Int("version"));
}

absl::StatusOr<std::vector<v1::CreditApplication>> MemoStore::Issue(db::Transaction& tx, Outbox& outbox,
                                                                    const CallContext& call, int64_t id,
                                                                    absl::CivilDay memo_date, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto lock, LockCreditMemo(tx, id));
  if (lock.first != kPending) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("credit memo ", id, " is not PENDING")),
                         "MEMO_NOT_PENDING", kFinanceDomain);
  }
  SALES_ASSIGN_OR_RETURN(v1::CreditMemo memo, GetCreditMemo(tx, id));
  const int year = static_cast<int>(memo_date.year());
  SALES_ASSIGN_OR_RETURN(int64_t seq, NumberingStore::Next(tx, "CM", year));
  std::string number = DocumentNumber("CM", year, seq);
  int64_t total = memo.total().minor_units();
  int64_t applied = 0;
  std::vector<v1::CreditApplication> apps;
  if (memo.invoice_id() != 0) {
    SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, memo.invoice_id()));
    if (inv.balance > 0 && inv.state >= v1::INVOICE_STATE_ISSUED && inv.state <= v1::INVOICE_STATE_PAID) {
      applied = std::min(total, inv.balance);
      SALES_RETURN_IF_ERROR(InvoiceStore::Settle(tx, inv, 0, applied, now));
      SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO credit_applications (credit_memo_id, customer_id, invoice_id, "
                                    "currency, amount_minor, applied_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    {id, memo.customer_id(), inv.id, memo.total().currency_code(), applied,
                                     DbDay(memo_date), FormatDbTime(now)})
                                .status());
      SALES_ASSIGN_OR_RETURN(int64_t app_id, tx.LastInsertId());
      v1::CreditApplication a;
      a.set_id(app_id);
      a.set_credit_memo_id(id);
      a.set_invoice_id(inv.id);
      *a.mutable_amount() = MakeMoney(applied, memo.total().currency_code());
      *a.mutable_applied_on() = FromCivilDay(memo_date);
      *a.mutable_create_time() = ToTimestamp(now);
      apps.push_back(a);
    }
    for (const auto& l : memo.lines()) {
      if (l.invoice_line_id() == 0) continue;
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE invoice_lines SET credited_minor = credited_minor + ? WHERE id = ?",
                                    {l.gross_amount().minor_units(), l.invoice_line_id()})
                                .status());
    }
  }
  int64_t unapplied = total - applied;
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE credit_memos SET number = ?, number_year = ?, number_sequence = ?, state = ?, "
              "memo_date = ?, unapplied_minor = ?, version = version + 1, updated_at = ? WHERE id = ?",
              {number, int64_t{year}, seq, EnumShort(unapplied == 0 ? v1::MEMO_STATE_SETTLED : v1::MEMO_STATE_ISSUED),
               DbDay(memo_date), unapplied, FormatDbTime(now), id})
          .status());
  AccountDelta d;
  d.credited = total;
  d.unapplied_credit = unapplied;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, memo.customer_id(), 0, 0, d, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, memo.customer_id(), memo_date, LedgerKind::kCreditMemo, id, number, 0,
                                          total, absl::StrCat("credit memo ", number, ": ", memo.reason()), now));
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "CreditMemo", id, "ISSUE", "PENDING",
                                           unapplied == 0 ? "SETTLED" : "ISSUED", "", now));
  v1::CreditMemoIssuedEvent ev;
  ev.set_credit_memo_id(id);
  ev.set_number(number);
  ev.set_customer_id(memo.customer_id());
  ev.set_rep_id(memo.rep_id());
  ev.set_org_unit_id(memo.org_unit_id());
  ev.set_invoice_id(memo.invoice_id());
  ev.set_source(memo.source());
  ev.set_return_id(memo.return_id());
  ev.set_order_id(memo.order_id());
  *ev.mutable_memo_date() = FromCivilDay(memo_date);
  *ev.mutable_net_total() = memo.net_total();
  *ev.mutable_total() = memo.total();
  std::vector<LineWeight> weights;
  for (const auto& l : memo.lines()) weights.push_back({l.product_line_id(), l.gross_amount().minor_units(), 0});
  SALES_ASSIGN_OR_RETURN(auto split, SplitByProductLine(total, weights));
  for (const auto& s : split) {
    auto* pl = ev.add_product_line_amounts();
    pl->set_product_line_id(s.product_line_id);
    *pl->mutable_amount() = MakeMoney(s.amount_minor, memo.total().currency_code());
  }
  *ev.mutable_lines() = memo.lines();
  ev.set_reason(memo.reason());
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "CreditMemo", absl::StrCat(id), ev, call.request_id));
  return apps;
}

absl::Status MemoStore::Void(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& reason,
                             absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto lock, LockCreditMemo(tx, id));
  if (lock.first != kPending) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("credit memo ", id, " is not PENDING")),
                         "MEMO_NOT_PENDING", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE credit_memos SET state = ?, void_reason = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ?",
                                {EnumShort(v1::MEMO_STATE_VOIDED), reason.substr(0, 500), FormatDbTime(now), id})
                            .status());
  return AuditStore::Record(tx, call, "CreditMemo", id, "VOID", "PENDING", "VOIDED", reason, now);
}

}  // namespace sales::finance

namespace sales::finance {
namespace {

constexpr char kDebitColumns[] =
    "id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, invoice_id, source, currency, "
    "net_total_minor, tax_total_minor, total_minor, paid_minor, balance_minor, state, memo_date, due_on, reason, "
    "void_reason, version, created_at, updated_at";

// The debit memo header of one row; its lines come from ReadDebits.
v1::DebitMemo ReadDebit(const db::Row& r) {
  v1::DebitMemo m;
  m.set_id(r.Int("id"));
  m.set_number(r.Str("number"));
  m.set_customer_id(r.Int("customer_id"));
  m.set_rep_id(r.Int("rep_id"));
  m.set_org_unit_id(r.Int("org_unit_id"));
  m.set_invoice_id(r.Int("invoice_id"));
  m.set_source(EnumParse<v1::DebitMemoSource>(r.Str("source")));
  const std::string cur = r.Str("currency");
  *m.mutable_net_total() = MakeMoney(r.Int("net_total_minor"), cur);
  *m.mutable_tax_total() = MakeMoney(r.Int("tax_total_minor"), cur);
  *m.mutable_total() = MakeMoney(r.Int("total_minor"), cur);
  *m.mutable_paid_amount() = MakeMoney(r.Int("paid_minor"), cur);
  *m.mutable_balance() = MakeMoney(r.Int("balance_minor"), cur);
  m.set_state(EnumParse<v1::MemoState>(r.Str("state")));
  if (!r.IsNull("memo_date")) *m.mutable_memo_date() = ParseDbDate(r.Str("memo_date"));
  if (!r.IsNull("due_on")) *m.mutable_due_on() = ParseDbDate(r.Str("due_on"));
  m.set_reason(r.Str("reason"));
  m.set_void_reason(r.Str("void_reason"));
  m.set_etag(MakeEtag(r.Int("version")));
  *m.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *m.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return m;
}

// The debit memos of `rows`, in their order, with their lines.
absl::StatusOr<std::vector<v1::DebitMemo>> ReadDebits(db::Transaction& tx, const std::vector<db::Row>& rows) {
  std::vector<v1::DebitMemo> out;
  std::vector<std::string> currencies;
  for (const auto& r : rows) {
    out.push_back(ReadDebit(r));
    currencies.push_back(r.Str("currency"));
  }
  SALES_RETURN_IF_ERROR(AttachMemoLines(tx, "DM", currencies, out));
  return out;
}

}  // namespace

absl::StatusOr<int64_t> MemoStore::CreditUnapplied(db::Transaction& tx, int64_t memo_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT unapplied_minor FROM credit_memos WHERE id = ?", {memo_id}));
  if (rows.empty()) return NotFound("credit memo", memo_id);
  return rows[0].Int("unapplied_minor");
}

absl::StatusOr<v1::CreditApplication> MemoStore::ApplyCredit(db::Transaction& tx, int64_t memo_id, int64_t customer_id,
                                                             int64_t invoice_id, int64_t debit_memo_id, int64_t amount,
                                                             absl::CivilDay on, absl::Time now) {
  if (invoice_id != 0) {
    SALES_ASSIGN_OR_RETURN(InvoiceRow inv, InvoiceStore::Lock(tx, invoice_id));
    SALES_RETURN_IF_ERROR(InvoiceStore::Settle(tx, inv, 0, amount, now));
  } else {
    SALES_ASSIGN_OR_RETURN(auto rows, LockDebitMemos(tx, {debit_memo_id}));
    if (rows.empty()) return NotFound("debit memo", debit_memo_id);
    SALES_RETURN_IF_ERROR(SettleDebitMemo(tx, rows[0], amount, now));
  }
  db::Param inv = invoice_id ? db::Param(invoice_id) : db::Param(nullptr);
  db::Param dm = debit_memo_id ? db::Param(debit_memo_id) : db::Param(nullptr);
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO credit_applications (credit_memo_id, customer_id, invoice_id, "
                                "debit_memo_id, currency, amount_minor, applied_on, created_at) "
                                "VALUES (?, ?, ?, ?, 'CNY', ?, ?, ?)",
                                {memo_id, customer_id, inv, dm, amount, DbDay(on), FormatDbTime(now)})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t app_id, tx.LastInsertId());
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE credit_memos SET unapplied_minor = unapplied_minor - ?, state = "
              "IF(unapplied_minor = 0, 'SETTLED', 'ISSUED'), version = version + 1, updated_at = ? WHERE id = ?",
              {amount, FormatDbTime(now), memo_id})
          .status());
  AccountDelta d;
  d.unapplied_credit = -amount;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, customer_id, 0, 0, d, now));
  v1::CreditApplication a;
  a.set_id(app_id);
  a.set_credit_memo_id(memo_id);
  if (invoice_id) a.set_invoice_id(invoice_id);
  if (debit_memo_id) a.set_debit_memo_id(debit_memo_id);
  *a.mutable_amount() = MakeMoney(amount);
  *a.mutable_applied_on() = FromCivilDay(on);
  *a.mutable_create_time() = ToTimestamp(now);
  return a;
}

absl::StatusOr<int64_t> MemoStore::InsertDebitMemo(db::Transaction& tx, const NewDebitMemo& m, absl::Time now) {
  int64_t net_total = 0, tax_total = 0;
  for (const auto& l : m.lines) {
    net_total += l.net_minor;
    tax_total += TaxHalfUp(l.net_minor, l.tax_rate_bp);
  }
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO debit_memos (customer_id, rep_id, org_unit_id, invoice_id, source, currency, "
              "net_total_minor, tax_total_minor, total_minor, state, reason, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)",
              {m.customer_id, m.rep_id, m.org_unit_id, m.invoice_id,
               EnumShort(static_cast<v1::DebitMemoSource>(m.source)), m.currency, net_total, tax_total,
               net_total + tax_total, m.reason.substr(0, 500), FormatDbTime(now), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  for (const auto& l : m.lines) {
    int64_t tax = TaxHalfUp(l.net_minor, l.tax_rate_bp);
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO memo_lines (memo_kind, memo_id, invoice_line_id, product_id, product_line_id, "
                "commissionable, quantity, description, net_minor, tax_rate_bp, tax_minor, gross_minor) "
                "VALUES ('DM', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {id, l.invoice_line_id, l.product_id, l.product_line_id, int64_t{l.commissionable ? 1 : 0}, l.quantity,
                 l.description.substr(0, 200), l.net_minor, int64_t{l.tax_rate_bp}, tax, l.net_minor + tax})
            .status());
  }
  return id;
}

absl::StatusOr<v1::DebitMemo> MemoStore::GetDebitMemo(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kDebitColumns, " FROM debit_memos WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("debit memo", id);
  SALES_ASSIGN_OR_RETURN(auto memos, ReadDebits(tx, rows));
  return std::move(memos[0]);
}

absl::StatusOr<std::vector<v1::DebitMemo>> MemoStore::ListDebitMemos(db::Transaction& tx,
                                                                     const v1::ListDebitMemosRequest& req,
                                                                     const DocumentScope& scope, int64_t after_id,
                                                                     int limit) {
  std::string sql = absl::StrCat("SELECT ", kDebitColumns, " FROM debit_memos WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  if (req.states_size()) {
    std::string in = db::AppendInList(EnumShortNames<v1::MemoState>(req.states()), p);
    absl::StrAppend(&sql, " AND state IN (", in, ")");
  }
  sql += DateRangeSql(req.memo_dates(), "memo_date", &p);
  sql += ScopeSql(scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return ReadDebits(tx, rows);
}

absl::StatusOr<std::vector<DebitRow>> MemoStore::LockDebitMemos(db::Transaction& tx, std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<DebitRow> out;
  if (ids.empty()) return out;
  db::Params p;
  std::string in = db::AppendInList(ids, p);
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT id, customer_id, rep_id, org_unit_id, "
                                               "COALESCE(number, '') AS number, state, total_minor, paid_minor, "
                                               "balance_minor, due_on, version FROM debit_memos WHERE id IN (",
                                               in, ") ORDER BY id FOR UPDATE"),
                                  p));
  for (const auto& r : rows) {
    DebitRow d;
    d.id = r.Int("id");
    d.customer_id = r.Int("customer_id");
    d.rep_id = r.Int("rep_id");
    d.org_unit_id = r.Int("org_unit_id");
    d.number = r.Str("number");
    d.state = EnumParse<v1::MemoState>(r.Str("state"));
    d.total = r.Int("total_minor");
    d.paid = r.Int("paid_minor");
    d.balance = r.Int("balance_minor");
    if (!r.IsNull("due_on")) d.due_on = ParseDay(r.Str("due_on"));
    d.version = r.Int("version");
    out.push_back(d);
  }
  return out;
}

absl::Status MemoStore::IssueDebitMemo(db::Transaction& tx, Outbox& outbox, const CallContext& call, int64_t id,
                                       absl::CivilDay memo_date, int32_t terms, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, LockDebitMemos(tx, {id}));
  if (rows.empty()) return NotFound("debit memo", id);
  if (rows[0].state != kPending) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("debit memo ", id, " is not PENDING")),
                         "MEMO_NOT_PENDING", kFinanceDomain);
  }
  const DebitRow& d = rows[0];
  const int year = static_cast<int>(memo_date.year());
  SALES_ASSIGN_OR_RETURN(int64_t seq, NumberingStore::Next(tx, "DM", year));
  std::string number = DocumentNumber("DM", year, seq);
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE debit_memos SET number = ?, number_year = ?, number_sequence = ?, state = 'ISSUED', "
              "memo_date = ?, payment_terms_days = ?, due_on = ?, balance_minor = total_minor, "
              "version = version + 1, updated_at = ? WHERE id = ?",
              {number, int64_t{year}, seq, DbDay(memo_date), int64_t{terms}, DbDay(memo_date + terms),
               FormatDbTime(now), id})
          .status());
  AccountDelta delta;
  delta.debited = d.total;
  delta.open_receivable = d.total;
  delta.open_documents = 1;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, d.customer_id, 0, 0, delta, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, d.customer_id, memo_date, LedgerKind::kDebitMemo, id, number, d.total, 0,
                                          absl::StrCat("debit memo ", number), now));
  SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "DebitMemo", id, "ISSUE", "PENDING", "ISSUED", number, now));
  v1::DebitMemoIssuedEvent ev;
  SALES_ASSIGN_OR_RETURN(*ev.mutable_debit_memo(), GetDebitMemo(tx, id));
  return outbox.Append(tx, "DebitMemo", absl::StrCat(id), ev, call.request_id);
}

absl::Status MemoStore::VoidDebitMemo(db::Transaction& tx, const CallContext& call, int64_t id,
                                      const std::string& reason, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, LockDebitMemos(tx, {id}));
  if (rows.empty()) return NotFound("debit memo", id);
  if (rows[0].state != kPending) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("debit memo ", id, " is not PENDING")),
                         "MEMO_NOT_PENDING", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE debit_memos SET state = 'VOIDED', void_reason = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ?",
                                {reason.substr(0, 500), FormatDbTime(now), id})
                            .status());
  return AuditStore::Record(tx, call, "DebitMemo", id, "VOID", "PENDING", "VOIDED", reason, now);
}

absl::Status MemoStore::SettleDebitMemo(db::Transaction& tx, DebitRow& d, int64_t paid_delta, absl::Time now) {
  int64_t old_balance = d.balance;
  int64_t paid = d.paid + paid_delta;
  int64_t balance = d.total - paid;
  if (balance < 0 || paid < 0) {
    return WithErrorInfo(
        absl::InvalidArgumentError(absl::StrCat("debit memo ", d.number, " has a balance of ", old_balance)),
        "EXCEEDS_DOCUMENT_BALANCE", kFinanceDomain);
  }
  int state = balance == 0 ? kSettled : kIssued;
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE debit_memos SET paid_minor = ?, balance_minor = ?, state = ?, "
                                "version = version + 1, updated_at = ? WHERE id = ?",
                                {paid, balance, EnumShort(static_cast<v1::MemoState>(state)), FormatDbTime(now), d.id})
                            .status());
  AccountDelta delta;
  delta.open_receivable = balance - old_balance;
  delta.open_documents = (balance > 0 ? 1 : 0) - (old_balance > 0 ? 1 : 0);
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, d.customer_id, 0, 0, delta, now));
  d.paid = paid;
  d.balance = balance;
  d.state = state;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LineWeight>> MemoStore::DebitWeights(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT product_line_id, SUM(gross_minor) AS gross_minor, "
                                  "SUM(IF(commissionable = 1, gross_minor, 0)) AS commissionable_gross_minor "
                                  "FROM memo_lines "
                                  "WHERE memo_kind = 'DM' AND memo_id = ? GROUP BY product_line_id "
                                  "ORDER BY product_line_id",
                                  {id}));
  std::vector<LineWeight> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("product_line_id"), r.Int("gross_minor"), r.Int("commissionable_gross_minor")});
  }
  return out;
}

}  // namespace sales::finance
