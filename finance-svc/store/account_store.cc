#include "finance-svc/store/account_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr char kAccountColumns[] =
    "customer_id, rep_id, org_unit_id, currency, invoiced_minor, credited_minor, debited_minor, "
    "applied_minor, open_receivable_minor, payments_received_minor, on_account_minor, refunded_minor, "
    "unapplied_credit_minor, shipped_unbilled_minor, open_document_count, on_hold, hold_reason, updated_at";

AccountRow ReadAccount(const db::Row& r) {
  AccountRow a;
  a.customer_id = r.Int("customer_id");
  a.rep_id = r.Int("rep_id");
  a.org_unit_id = r.Int("org_unit_id");
  a.currency = r.Str("currency");
  a.invoiced = r.Int("invoiced_minor");
  a.credited = r.Int("credited_minor");
  a.debited = r.Int("debited_minor");
  a.applied = r.Int("applied_minor");
  a.open_receivable = r.Int("open_receivable_minor");
  a.payments_received = r.Int("payments_received_minor");
  a.on_account = r.Int("on_account_minor");
  a.refunded = r.Int("refunded_minor");
  a.unapplied_credit = r.Int("unapplied_credit_minor");
  a.shipped_unbilled = r.Int("shipped_unbilled_minor");
  a.open_documents = static_cast<int>(r.Int("open_document_count"));
  a.on_hold = r.Int("on_hold") != 0;
  a.hold_reason = r.Str("hold_reason");
  a.updated_at = ParseDbTime(r.Str("updated_at"));
  return a;
}

}  // namespace

absl::Status AccountStore::Post(db::Transaction& tx, int64_t customer_id, int64_t rep_id, int64_t org_unit_id,
                                const AccountDelta& d, absl::Time now) {
  // One statement: insert at the delta or add the delta to the row. The row
  // lock it takes serialises postings per customer, which keeps the summary
  // equal to the documents under any concurrency.
  auto st = tx.Exec(
      "INSERT INTO customer_accounts (customer_id, rep_id, org_unit_id, invoiced_minor, credited_minor, "
      "debited_minor, applied_minor, open_receivable_minor, payments_received_minor, on_account_minor, "
      "refunded_minor, unapplied_credit_minor, shipped_unbilled_minor, open_document_count, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE "
      "rep_id = IF(VALUES(rep_id) <> 0, VALUES(rep_id), rep_id), "
      "org_unit_id = IF(VALUES(rep_id) <> 0, VALUES(org_unit_id), org_unit_id), "
      "invoiced_minor = invoiced_minor + VALUES(invoiced_minor), "
      "credited_minor = credited_minor + VALUES(credited_minor), "
      "debited_minor = debited_minor + VALUES(debited_minor), "
      "applied_minor = applied_minor + VALUES(applied_minor), "
      "open_receivable_minor = open_receivable_minor + VALUES(open_receivable_minor), "
      "payments_received_minor = payments_received_minor + VALUES(payments_received_minor), "
      "on_account_minor = on_account_minor + VALUES(on_account_minor), "
      "refunded_minor = refunded_minor + VALUES(refunded_minor), "
      "unapplied_credit_minor = unapplied_credit_minor + VALUES(unapplied_credit_minor), "
      "shipped_unbilled_minor = shipped_unbilled_minor + VALUES(shipped_unbilled_minor), "
      "open_document_count = open_document_count + VALUES(open_document_count), "
      "version = version + 1, updated_at = VALUES(updated_at)",
      {customer_id, rep_id, org_unit_id, d.invoiced, d.credited, d.debited, d.applied, d.open_receivable,
       d.payments_received, d.on_account, d.refunded, d.unapplied_credit, d.shipped_unbilled,
       static_cast<int64_t>(d.open_documents), FormatDbTime(now)});
  return st.status();
}

absl::StatusOr<std::optional<AccountRow>> AccountStore::Get(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kAccountColumns, " FROM customer_accounts WHERE customer_id = ?"),
                          {customer_id}));
  if (rows.empty()) return std::optional<AccountRow>();
  return std::optional<AccountRow>(ReadAccount(rows[0]));
}

absl::StatusOr<std::map<int64_t, AccountRow>> AccountStore::GetMany(db::Transaction& tx,
                                                                    const std::vector<int64_t>& ids) {
  std::map<int64_t, AccountRow> out;
  if (ids.empty()) return out;
  db::InListSql in = db::InList(ids);
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kAccountColumns, " FROM customer_accounts WHERE customer_id IN (",
                                       in.marks, ")"),
                          in.params));
  for (const auto& r : rows) {
    AccountRow a = ReadAccount(r);
    out[a.customer_id] = a;
  }
  return out;
}

absl::StatusOr<std::map<int64_t, AccountStore::Overdue>> AccountStore::OverdueOf(db::Transaction& tx,
                                                                                 const std::vector<int64_t>& ids,
                                                                                 absl::CivilDay as_of) {
  std::map<int64_t, Overdue> out;
  if (ids.empty()) return out;
  db::InListSql id_list = db::InList(ids);
  const std::string& in = id_list.marks;
  std::string day = absl::StrFormat("%04d-%02d-%02d", as_of.year(), as_of.month(), as_of.day());
  db::Params params;
  id_list.AppendTo(params);
  params.push_back(day);
  id_list.AppendTo(params);
  params.push_back(day);
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT customer_id, SUM(b) AS overdue_minor, MIN(d) AS oldest_due_on FROM ("
                                       "SELECT customer_id, balance_minor AS b, due_on AS d FROM invoices "
                                       "WHERE customer_id IN (",
                                       in,
                                       ") AND balance_minor > 0 AND due_on < ? "
                                       "UNION ALL SELECT customer_id, balance_minor, due_on FROM debit_memos "
                                       "WHERE customer_id IN (",
                                       in,
                                       ") AND balance_minor > 0 AND due_on < ?) o "
                                       "GROUP BY customer_id"),
                          params));
  for (const auto& r : rows) {
    Overdue o;
    o.amount = r.Int("overdue_minor");
    if (!r.IsNull("oldest_due_on")) o.oldest_due_on = ToCivilDay(ParseDbDate(r.Str("oldest_due_on")));
    out[r.Int("customer_id")] = o;
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> AccountStore::ListCustomerIds(db::Transaction& tx, const AccountFilter& f,
                                                                   int64_t after_id, int limit) {
  db::Params p = {after_id};
  std::string sql = "SELECT customer_id FROM customer_accounts WHERE customer_id > ?";
  if (f.rep_id) {
    sql += " AND rep_id = ?";
    p.push_back(f.rep_id);
  }
  if (f.org_unit_id) {
    sql += " AND org_unit_id = ?";
    p.push_back(f.org_unit_id);
  }
  if (f.on_hold_only) sql += " AND on_hold = 1";
  if (f.non_zero_only) sql += " AND (open_receivable_minor <> 0 OR on_account_minor <> 0)";
  if (f.overdue_before) {
    sql += " AND customer_id IN (SELECT customer_id FROM invoices WHERE balance_minor > 0 AND due_on < ?)";
    p.push_back(DbDay(*f.overdue_before));
  }
  sql += ScopeSql(f.scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY customer_id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.Int("customer_id"));
  return ids;
}

absl::StatusOr<std::vector<int64_t>> AccountStore::AllCustomerIds(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT customer_id FROM customer_accounts ORDER BY customer_id"));
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.Int("customer_id"));
  return ids;
}

}  // namespace sales::finance
