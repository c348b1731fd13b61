#include "finance-svc/store/memo_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

constexpr int kPending = 1, kIssued = 2, kSettled = 3, kVoided = 4;

constexpr char kMemoColumns[] =
    "id, COALESCE(number, ''), customer_id, rep_id, org_unit_id, invoice_id, source, return_id, order_id, "
    "COALESCE(source_event_id, ''), currency, net_total_minor, tax_total_minor, total_minor, unapplied_minor, "
    "state, memo_date, reason, void_reason, version, created_at, updated_at";

absl::StatusOr<v1::CreditMemo> ReadMemo(db::Transaction& tx, const db::Row& r) {
  v1::CreditMemo m;
  m.set_id(r.Int(0));
  m.set_number(r.Str(1));
  m.set_customer_id(r.Int(2));
  m.set_rep_id(r.Int(3));
  m.set_org_unit_id(r.Int(4));
  m.set_invoice_id(r.Int(5));
  m.set_source(static_cast<v1::CreditMemoSource>(r.Int(6)));
  m.set_return_id(r.Int(7));
  m.set_order_id(r.Int(8));
  m.set_source_event_id(r.Str(9));
  const std::string cur = r.Str(10);
  *m.mutable_net_total() = MakeMoney(r.Int(11), cur);
  *m.mutable_tax_total() = MakeMoney(r.Int(12), cur);
  *m.mutable_total() = MakeMoney(r.Int(13), cur);
  *m.mutable_unapplied() = MakeMoney(r.Int(14), cur);
  m.set_state(static_cast<v1::MemoState>(r.Int(15)));
  if (!r.IsNull(16)) *m.mutable_memo_date() = ParseDbDate(r.Str(16));
  m.set_reason(r.Str(17));
  m.set_void_reason(r.Str(18));
  m.set_etag(MakeEtag(r.Int(19)));
  *m.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str(20)));
  *m.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str(21)));
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query("SELECT id, invoice_line_id, product_id, product_line_id, quantity, "
                                              "description, net_minor, tax_rate_bp, tax_minor, gross_minor "
                                              "FROM memo_lines WHERE memo_kind = 'CM' AND memo_id = ? ORDER BY id",
                                              {m.id()}));
  for (const auto& l : lines) {
    auto* o = m.add_lines();
    o->set_id(l.Int(0));
    o->set_invoice_line_id(l.Int(1));
    o->set_product_id(l.Int(2));
    o->set_product_line_id(l.Int(3));
    o->set_quantity(l.Int(4));
    o->set_description(l.Str(5));
    *o->mutable_net_amount() = MakeMoney(l.Int(6), cur);
    o->set_tax_rate_bp(static_cast<int32_t>(l.Int(7)));
    *o->mutable_tax_amount() = MakeMoney(l.Int(8), cur);
    *o->mutable_gross_amount() = MakeMoney(l.Int(9), cur);
  }
  return m;
}

}  // namespace

absl::StatusOr<int64_t> MemoStore::InsertCreditMemo(db::Transaction& tx, const NewCreditMemo& m, absl::Time now) {
  int64_t net_total = 0, tax_total = 0;
  for (const auto& l : m.lines) {
    net_total += l.net_minor;
    tax_total += l.tax_minor >= 0 ? l.tax_minor : TaxHalfUp(l.net_minor, l.tax_rate_bp);
  }
  db::Param event = m.source_event_id.empty() ? db::Param(nullptr) : db::Param(m.source_event_id);
  auto st = tx.Exec("INSERT INTO credit_memos (customer_id, rep_id, org_unit_id, invoice_id, source, return_id, "
                    "order_id, source_event_id, currency, net_total_minor, tax_total_minor, total_minor, state, "
                    "reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    {m.customer_id, m.rep_id, m.org_unit_id, m.invoice_id, int64_t{m.source}, m.return_id, m.order_id,
                     event, m.currency, net_total, tax_total, net_total + tax_total, m.reason.substr(0, 500),
                     FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError("a credit memo exists for this return"), "MEMO_EXISTS",
                         "finance.sales");
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
  return ReadMemo(tx, rows[0]);
}

absl::StatusOr<std::vector<v1::CreditMemo>> MemoStore::ListCreditMemos(db::Transaction& tx,
                                                                      const v1::ListCreditMemosRequest& req,
                                                                      const std::string& scope_sql,
                                                                      const db::Params& scope_params,
                                                                      int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kMemoColumns, " FROM credit_memos WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) { sql += " AND customer_id = ?"; p.push_back(req.customer_id()); }
  if (req.invoice_id()) { sql += " AND invoice_id = ?"; p.push_back(req.invoice_id()); }
  if (req.rep_id()) { sql += " AND rep_id = ?"; p.push_back(req.rep_id()); }
  if (req.source()) { sql += " AND source = ?"; p.push_back(int64_t{req.source()}); }
  if (req.states_size()) {
    std::string in;
    for (int s : req.states()) {
      absl::StrAppend(&in, in.empty() ? "?" : ", ?");
      p.push_back(int64_t{s});
    }
    absl::StrAppend(&sql, " AND state IN (", in, ")");
  }
  if (req.has_memo_dates()) {
    if (req.memo_dates().has_start()) { sql += " AND memo_date >= ?"; p.push_back(FormatDbDate(req.memo_dates().start())); }
    if (req.memo_dates().has_end()) { sql += " AND memo_date <= ?"; p.push_back(FormatDbDate(req.memo_dates().end())); }
  }
  sql += scope_sql;
  p.insert(p.end(), scope_params.begin(), scope_params.end());
  absl::StrAppend(&sql, " ORDER BY id LIMIT ", limit + 1);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::CreditMemo> out;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(auto m, ReadMemo(tx, r));
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<std::pair<int, int64_t>> MemoStore::LockCreditMemo(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT state, version FROM credit_memos WHERE id = ? FOR UPDATE", {id}));
  if (rows.empty()) return NotFound("credit memo", id);
  return std::make_pair(static_cast<int>(rows[0].Int(0)), rows[0].Int(1));
}

absl::StatusOr<std::vector<v1::CreditApplication>> MemoStore::Issue(db::Transaction& tx, Outbox& outbox,
                                                                    const CallContext& call, int64_t id,
                                                                    absl::CivilDay memo_date, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto lock, LockCreditMemo(tx, id));
  if (lock.first != kPending) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("credit memo ", id, " is not PENDING")),
                         "MEMO_NOT_PENDING", "finance.sales");
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
    if (inv.balance > 0 && inv.state >= 5 && inv.state <= 7) {
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
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE credit_memos SET number = ?, number_year = ?, number_sequence = ?, state = ?, "
                                "memo_date = ?, unapplied_minor = ?, version = version + 1, updated_at = ? WHERE id = ?",
                                {number, int64_t{year}, seq, int64_t{unapplied == 0 ? kSettled : kIssued},
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
                         "MEMO_NOT_PENDING", "finance.sales");
  }
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE credit_memos SET state = ?, void_reason = ?, version = version + 1, "
                                "updated_at = ? WHERE id = ?",
                                {int64_t{kVoided}, reason.substr(0, 500), FormatDbTime(now), id})
                            .status());
  return AuditStore::Record(tx, call, "CreditMemo", id, "VOID", "PENDING", "VOIDED", reason, now);
}

}  // namespace sales::finance
