#include "finance-svc/store/receivable_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/finance/v1/memo.pb.h"
#include "sales/finance/v1/payment.pb.h"

namespace sales::finance {
namespace {

// Open documents as of a date: one row per invoice or debit memo with its
// balance on that date. "now" reads the maintained balance; a past date
// takes back payments and credits dated after it (a reversal dated after
// it still counted on it).
std::string OpenDocumentsSql(bool now, db::Params* p, const std::string& day) {
  if (now) {
    return "SELECT 1 AS kind, id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, invoice_date AS "
           "ddate, due_on, gross_total_minor AS gross, balance_minor AS bal FROM invoices WHERE balance_minor > 0 "
           "UNION ALL SELECT 2, id, COALESCE(number, ''), customer_id, rep_id, org_unit_id, memo_date, due_on, "
           "total_minor, balance_minor FROM debit_memos WHERE balance_minor > 0";
  }
  for (int i = 0; i < 4; ++i) p->push_back(day);
  std::string inv =
      "SELECT 1 AS kind, i.id, COALESCE(i.number, '') AS number, i.customer_id, i.rep_id, i.org_unit_id, "
      "i.invoice_date AS ddate, i.due_on, i.gross_total_minor AS gross, i.gross_total_minor - "
      "COALESCE((SELECT SUM(a.amount_minor) FROM payment_applications a WHERE a.invoice_id = i.id AND "
      "a.applied_on <= ? AND (a.state = 'ACTIVE' OR a.reversed_on > ?)), 0) - COALESCE((SELECT SUM(c.amount_minor) "
      "FROM credit_applications c WHERE c.invoice_id = i.id AND c.applied_on <= ?), 0) AS bal FROM invoices i "
      "WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') AND i.invoice_date <= ?";
  for (int i = 0; i < 4; ++i) p->push_back(day);
  std::string dm =
      "SELECT 2, d.id, COALESCE(d.number, ''), d.customer_id, d.rep_id, d.org_unit_id, d.memo_date, d.due_on, "
      "d.total_minor, d.total_minor - COALESCE((SELECT SUM(a.amount_minor) FROM payment_applications a WHERE "
      "a.debit_memo_id = d.id AND a.applied_on <= ? AND (a.state = 'ACTIVE' OR a.reversed_on > ?)), 0) - "
      "COALESCE((SELECT SUM(c.amount_minor) FROM credit_applications c WHERE c.debit_memo_id = d.id AND "
      "c.applied_on <= ?), 0) FROM debit_memos d WHERE d.state IN ('ISSUED', 'SETTLED') AND d.memo_date <= ?";
  return absl::StrCat(inv, " UNION ALL ", dm);
}

std::string FilterSql(const AgeingFilter& f, db::Params* p) {
  std::string s;
  if (f.customer_id) {
    s += " AND customer_id = ?";
    p->push_back(f.customer_id);
  }
  if (!f.customer_ids.empty()) absl::StrAppend(&s, " AND customer_id IN (", db::AppendInList(f.customer_ids, *p), ")");
  if (f.rep_id) {
    s += " AND rep_id = ?";
    p->push_back(f.rep_id);
  }
  if (f.org_unit_id) {
    s += " AND org_unit_id = ?";
    p->push_back(f.org_unit_id);
  }
  s += ScopeSql(f.scope, "rep_id", "org_unit_id", p);
  return s;
}

// Columns labelled as OpenDocumentsSql labels them.
OpenDocument ReadDoc(const db::Row& r, absl::CivilDay as_of) {
  OpenDocument d;
  d.kind = r.Int("kind") == 1 ? OpenDocument::Kind::kInvoice : OpenDocument::Kind::kDebitMemo;
  d.id = r.Int("id");
  d.number = r.Str("number");
  d.customer_id = r.Int("customer_id");
  d.rep_id = r.Int("rep_id");
  d.org_unit_id = r.Int("org_unit_id");
  if (!r.IsNull("ddate")) d.document_date = ParseDay(r.Str("ddate"));
  if (!r.IsNull("due_on")) d.due_on = ParseDay(r.Str("due_on"));
  d.gross_minor = r.Int("gross");
  d.balance_minor = r.Int("bal");
  d.days_past_due = DaysPastDueOn(d.due_on, as_of);
  return d;
}

constexpr char kOverdueColumns[] =
    "1 AS kind, id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, invoice_date AS ddate, due_on, "
    "gross_total_minor AS gross, balance_minor AS bal";

}  // namespace

absl::StatusOr<std::vector<OpenDocument>> ReceivableStore::OverdueInvoicesOfCustomer(db::Transaction& tx,
                                                                                     int64_t customer_id,
                                                                                     absl::CivilDay as_of) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kOverdueColumns,
                                                          " FROM invoices WHERE "
                                                          "customer_id = ? AND balance_minor > 0 AND due_on < ? "
                                                          "ORDER BY due_on, number, id"),
                                             {customer_id, DbDay(as_of)}));
  std::vector<OpenDocument> out;
  for (const auto& r : rows) out.push_back(ReadDoc(r, as_of));
  return out;
}

absl::StatusOr<std::vector<OpenDocument>> ReceivableStore::OverdueDocumentsOfCustomer(db::Transaction& tx,
                                                                                      int64_t customer_id,
                                                                                      absl::CivilDay as_of) {
  SALES_ASSIGN_OR_RETURN(auto out, OverdueInvoicesOfCustomer(tx, customer_id, as_of));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT 2 AS kind, id, COALESCE(number, '') AS number, customer_id, "
                                             "rep_id, org_unit_id, memo_date AS ddate, due_on, total_minor AS gross, "
                                             "balance_minor AS bal FROM debit_memos WHERE "
                                             "customer_id = ? AND balance_minor > 0 AND due_on < ? "
                                             "ORDER BY due_on, number, id",
                                             {customer_id, DbDay(as_of)}));
  for (const auto& r : rows) out.push_back(ReadDoc(r, as_of));
  std::stable_sort(out.begin(), out.end(),
                   [](const OpenDocument& a, const OpenDocument& b) { return a.due_on < b.due_on; });
  return out;
}

absl::StatusOr<std::vector<OpenDocument>> ReceivableStore::OverdueInvoices(db::Transaction& tx, absl::CivilDay as_of,
                                                                           int64_t after_id, int limit) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kOverdueColumns,
                                               " FROM invoices WHERE state IN ('ISSUED', 'PARTIALLY_PAID') "
                                               "AND balance_minor > 0 AND due_on < ? AND id > ? ORDER BY id LIMIT ?"),
                                  {DbDay(as_of), after_id, static_cast<int64_t>(limit)}));
  std::vector<OpenDocument> out;
  for (const auto& r : rows) out.push_back(ReadDoc(r, as_of));
  return out;
}

absl::StatusOr<std::vector<OpenDocument>> ReceivableStore::CreditableDocuments(db::Transaction& tx,
                                                                               int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT 1 AS kind, id, COALESCE(number, '') AS number, due_on, balance_minor "
                          "FROM invoices "
                          "WHERE customer_id = ? AND balance_minor > 0 AND state IN ('ISSUED', 'PARTIALLY_PAID') "
                          "UNION ALL SELECT 2, id, COALESCE(number, ''), due_on, balance_minor "
                          "FROM debit_memos WHERE customer_id = ? AND balance_minor > 0 "
                          "AND state = 'ISSUED'",
                          {customer_id, customer_id}));
  std::vector<OpenDocument> out;
  for (const auto& r : rows) {
    OpenDocument d;
    d.kind = r.Int("kind") == 1 ? OpenDocument::Kind::kInvoice : OpenDocument::Kind::kDebitMemo;
    d.id = r.Int("id");
    d.number = r.Str("number");
    d.due_on = ParseDay(r.Str("due_on"));
    d.balance_minor = r.Int("balance_minor");
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<bool> ReceivableStore::CustomerHasOverdue(db::Transaction& tx, int64_t customer_id,
                                                         absl::CivilDay as_of) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT EXISTS(SELECT 1 FROM invoices WHERE customer_id = ? AND "
                                  "balance_minor > 0 AND due_on < ?) OR EXISTS(SELECT 1 FROM debit_memos "
                                  "WHERE customer_id = ? AND balance_minor > 0 AND due_on < ?) AS has_overdue",
                                  {customer_id, DbDay(as_of), customer_id, DbDay(as_of)}));
  return !rows.empty() && rows[0].Int("has_overdue") != 0;
}

absl::StatusOr<OpenDocument> ReceivableStore::IssuedInvoice(db::Transaction& tx, int64_t invoice_id,
                                                            absl::CivilDay as_of) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kOverdueColumns,
                                               " FROM invoices WHERE id = ? "
                                               "AND state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED')"),
                                  {invoice_id}));
  if (rows.empty()) return NotFound("issued invoice", invoice_id);
  return ReadDoc(rows[0], as_of);
}

absl::StatusOr<std::vector<CollectedAmount>> ReceivableStore::CollectionsInPeriod(db::Transaction& tx,
                                                                                  absl::CivilDay from,
                                                                                  absl::CivilDay to, int64_t rep_id) {
  std::string sql =
      "SELECT a.id, a.payment_id, a.customer_id, a.rep_id, a.org_unit_id, COALESCE(a.invoice_id, 0) AS invoice_id, "
      "COALESCE(a.debit_memo_id, 0) AS debit_memo_id, a.applied_on, a.due_on, a.days_past_due, a.state, a.reversed_on, "
      "l.product_line_id, l.amount_minor, l.commissionable_minor FROM payment_applications a "
      "JOIN payment_application_lines l ON l.application_id = a.id "
      "WHERE ((a.applied_on BETWEEN ? AND ?) OR (a.state = 'REVERSED' AND a.reversed_on BETWEEN ? AND ?))";
  db::Params p = {DbDay(from), DbDay(to), DbDay(from), DbDay(to)};
  if (rep_id != 0) {
    sql += " AND a.rep_id = ?";
    p.push_back(rep_id);
  }
  sql += " ORDER BY a.id, l.product_line_id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CollectedAmount> out;
  for (const auto& r : rows) {
    CollectedAmount c;
    c.application_id = r.Int("id");
    c.payment_id = r.Int("payment_id");
    c.customer_id = r.Int("customer_id");
    c.rep_id = r.Int("rep_id");
    c.org_unit_id = r.Int("org_unit_id");
    c.invoice_id = r.Int("invoice_id");
    c.debit_memo_id = r.Int("debit_memo_id");
    c.applied_on = ParseDay(r.Str("applied_on"));
    c.due_on = ParseDay(r.Str("due_on"));
    c.days_past_due = static_cast<int>(r.Int("days_past_due"));
    c.reversed = EnumParse<v1::ApplicationState>(r.Str("state")) == v1::APPLICATION_STATE_REVERSED;
    if (!r.IsNull("reversed_on")) c.reversed_on = ParseDay(r.Str("reversed_on"));
    c.product_line_id = r.Int("product_line_id");
    c.amount_minor = r.Int("amount_minor");
    c.commissionable_minor = r.Int("commissionable_minor");
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<CreditedAmount>> ReceivableStore::CreditsInPeriod(db::Transaction& tx, absl::CivilDay from,
                                                                             absl::CivilDay to, int64_t rep_id) {
  std::string sql =
      "SELECT m.id, m.invoice_id, m.customer_id, m.rep_id, m.org_unit_id, m.source, m.memo_date, l.product_line_id, "
      "l.commissionable, l.net_minor, l.gross_minor FROM credit_memos m JOIN memo_lines l ON l.memo_kind = 'CM' AND "
      "l.memo_id = m.id WHERE m.state IN ('ISSUED', 'SETTLED') AND m.memo_date BETWEEN ? AND ?";
  db::Params p = {DbDay(from), DbDay(to)};
  if (rep_id != 0) {
    sql += " AND m.rep_id = ?";
    p.push_back(rep_id);
  }
  sql += " ORDER BY m.id, l.id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CreditedAmount> out;
  for (const auto& r : rows) {
    CreditedAmount c;
    c.credit_memo_id = r.Int("id");
    c.invoice_id = r.Int("invoice_id");
    c.customer_id = r.Int("customer_id");
    c.rep_id = r.Int("rep_id");
    c.org_unit_id = r.Int("org_unit_id");
    c.source = EnumParse<v1::CreditMemoSource>(r.Str("source"));
    c.memo_date = ParseDay(r.Str("memo_date"));
    c.product_line_id = r.Int("product_line_id");
    c.commissionable = r.Int("commissionable") != 0;
    c.net_minor = r.Int("net_minor");
    c.gross_minor = r.Int("gross_minor");
    out.push_back(c);
  }
  return out;
}

namespace {

// The seven sums behind DocumentTotals as of `as_of`, per customer, each
// narrowed by `cf` (SQL appended to the WHERE; its parameters are
// `customer_params`): one statement per kind of document.
absl::StatusOr<std::map<int64_t, DocumentTotals>> SumTotals(db::Transaction& tx, absl::CivilDay as_of,
                                                            const std::string& cf, const db::Params& customer_params) {
  std::string day = DbDay(as_of);
  auto params = [&](std::initializer_list<db::Param> base) {
    db::Params p(base);
    p.insert(p.end(), customer_params.begin(), customer_params.end());
    return p;
  };
  std::map<int64_t, DocumentTotals> out;
  auto collect = [&](const std::string& sql, const db::Params& p, int64_t DocumentTotals::*field) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
    for (const auto& r : rows) out[r.Int("customer_id")].*field += r.Int("total");
    return absl::OkStatus();
  };
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(gross_total_minor) AS total FROM invoices WHERE state IN "
                           "('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') AND invoice_date <= ?",
                           cf, " GROUP BY customer_id"),
              params({day}), &DocumentTotals::invoiced));
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(total_minor) AS total FROM credit_memos WHERE state IN "
                           "('ISSUED', 'SETTLED') AND memo_date <= ?",
                           cf, " GROUP BY customer_id"),
              params({day}), &DocumentTotals::credited));
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(total_minor) AS total FROM debit_memos WHERE state IN "
                           "('ISSUED', 'SETTLED') AND memo_date <= ?",
                           cf, " GROUP BY customer_id"),
              params({day}), &DocumentTotals::debited));
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(amount_minor) AS total FROM payment_applications WHERE "
                           "applied_on <= ? AND (state = 'ACTIVE' OR reversed_on > ?)",
                           cf, " GROUP BY customer_id"),
              params({day, day}), &DocumentTotals::applied));
  SALES_RETURN_IF_ERROR(collect(absl::StrCat("SELECT customer_id, SUM(settlement_minor) AS total FROM payments WHERE "
                                             "received_on <= ? AND (state <> 'DISHONORED' OR dishonored_on > ?)",
                                             cf, " GROUP BY customer_id"),
                                params({day, day}), &DocumentTotals::received));
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(amount_minor) AS total FROM refunds WHERE refunded_on <= ?", cf,
                           " GROUP BY customer_id"),
              params({day}), &DocumentTotals::refunded));
  SALES_RETURN_IF_ERROR(
      collect(absl::StrCat("SELECT customer_id, SUM(amount_minor) AS total FROM credit_applications WHERE "
                           "applied_on <= ?",
                           cf, " GROUP BY customer_id"),
              params({day}), &DocumentTotals::credit_applied));
  return out;
}

}  // namespace

absl::StatusOr<std::map<int64_t, DocumentTotals>> ReceivableStore::TotalsAsOf(db::Transaction& tx, int64_t customer_id,
                                                                              absl::CivilDay as_of) {
  if (customer_id == 0) return SumTotals(tx, as_of, "", {});
  return SumTotals(tx, as_of, " AND customer_id = ?", {customer_id});
}

absl::StatusOr<std::map<int64_t, DocumentTotals>> ReceivableStore::TotalsAsOf(db::Transaction& tx,
                                                                              const std::vector<int64_t>& customer_ids,
                                                                              absl::CivilDay as_of) {
  if (customer_ids.empty()) return std::map<int64_t, DocumentTotals>();
  db::InListSql in = db::InList(customer_ids);
  return SumTotals(tx, as_of, absl::StrCat(" AND customer_id IN (", in.marks, ")"), in.params);
}

namespace {

// The labels of the six bucket sums, current first.
constexpr const char* kBucketLabels[6] = {"ageing_current_minor", "ageing_1_30_minor",   "ageing_31_60_minor",
                                          "ageing_61_90_minor",   "ageing_91_180_minor", "ageing_over_180_minor"};

// Six bucket sums over `dpd` (an SQL expression) with edges from the domain.
std::string BucketSums(const std::string& dpd, const std::string& bal, db::Params* p) {
  std::string sums;
  for (int b = 0; b < 6; ++b) {
    if (b == 0) {
      absl::StrAppend(&sums, "SUM(IF(", dpd, " <= ?, ", bal, ", 0)) AS ", kBucketLabels[b]);
      p->push_back(int64_t{kBucketLastDay[0]});
    } else if (b < 5) {
      absl::StrAppend(&sums, ", SUM(IF(", dpd, " > ? AND ", dpd, " <= ?, ", bal, ", 0)) AS ", kBucketLabels[b]);
      p->push_back(int64_t{kBucketLastDay[b - 1]});
      p->push_back(int64_t{kBucketLastDay[b]});
    } else {
      absl::StrAppend(&sums, ", SUM(IF(", dpd, " > ?, ", bal, ", 0)) AS ", kBucketLabels[b]);
      p->push_back(int64_t{kBucketLastDay[4]});
    }
  }
  return sums;
}

// Rows of the ageing aggregates: the `group` column, the highest rep and
// unit, the bucket sums and the document count.
void MergeGroups(const std::vector<db::Row>& rows, const char* group, std::map<int64_t, AgeingGroup>* out) {
  for (const auto& r : rows) {
    AgeingGroup& g = (*out)[r.Int(group)];
    g.key = r.Int(group);
    g.rep_id = std::max(g.rep_id, r.Int("max_rep_id"));
    g.org_unit_id = std::max(g.org_unit_id, r.Int("max_org_unit_id"));
    for (int b = 0; b < 6; ++b) g.buckets[b] += r.Int(kBucketLabels[b]);
    g.documents += static_cast<int>(r.Int("documents"));
  }
}

}  // namespace

absl::StatusOr<std::vector<AgeingGroup>> ReceivableStore::Ageing(db::Transaction& tx, absl::CivilDay as_of,
                                                                 bool as_of_now, AgeingKey key,
                                                                 const AgeingFilter& filter) {
  std::string day = DbDay(as_of);
  const char* group = key == AgeingKey::kCustomer ? "customer_id" : key == AgeingKey::kRep ? "rep_id" : "org_unit_id";
  std::map<int64_t, AgeingGroup> groups;
  if (as_of_now) {
    // Today or later: the maintained balances answer, one aggregate per
    // document table straight over its rows (no union to materialise).
    for (const char* table : {"invoices", "debit_memos"}) {
      db::Params p;
      std::string sums = BucketSums("DATEDIFF(?, due_on)", "balance_minor", &p);
      // Each DATEDIFF placeholder takes the date: insert it before each edge.
      db::Params q;
      size_t edge = 0;
      for (int b = 0; b < 6; ++b) {
        int n = (b == 0 || b == 5) ? 1 : 2;
        for (int k = 0; k < n; ++k) {
          q.push_back(day);
          q.push_back(p[edge++]);
        }
      }
      std::string where = FilterSql(filter, &q);
      std::string sql =
          absl::StrCat("SELECT ", group, ", MAX(rep_id) AS max_rep_id, MAX(org_unit_id) AS max_org_unit_id, ", sums,
                       ", COUNT(*) AS documents FROM ", table, " WHERE balance_minor > 0", where, " GROUP BY ", group);
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, q));
      MergeGroups(rows, group, &groups);
    }
  } else {
    // A past date: balances rebuilt from applications dated up to it; days
    // past due computed once per document in the inner query.
    db::Params p;
    std::string sums = BucketSums("dpd", "bal", &p);
    p.push_back(day);
    std::string docs = OpenDocumentsSql(false, &p, day);
    std::string where = FilterSql(filter, &p);
    std::string sql =
        absl::StrCat("SELECT ", group, ", MAX(rep_id) AS max_rep_id, MAX(org_unit_id) AS max_org_unit_id, ", sums,
                     ", COUNT(*) AS documents FROM (SELECT customer_id, rep_id, org_unit_id, bal, "
                     "DATEDIFF(?, due_on) "
                     "AS dpd FROM (",
                     docs, ") o WHERE bal > 0", where, ") x GROUP BY ", group);
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
    MergeGroups(rows, group, &groups);
  }
  std::vector<AgeingGroup> out;
  out.reserve(groups.size());
  for (auto& [k, g] : groups) out.push_back(g);
  return out;
}

absl::StatusOr<std::vector<OpenDocument>> ReceivableStore::OpenDocuments(db::Transaction& tx, absl::CivilDay as_of,
                                                                         bool as_of_now, const AgeingFilter& filter,
                                                                         int64_t after_id, int limit) {
  db::Params p;
  std::string docs = OpenDocumentsSql(as_of_now, &p, DbDay(as_of));
  std::string where = FilterSql(filter, &p);
  // Invoices and debit memos share one id space in the listing: kind*10^15 + id.
  p.push_back(after_id);
  std::string sql = absl::StrCat(
      "SELECT kind, id, number, customer_id, rep_id, org_unit_id, ddate, due_on, gross, bal "
      "FROM (",
      docs, ") o WHERE bal > 0", where, " AND kind * 1000000000000000 + id > ? ORDER BY kind, id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<OpenDocument> out;
  for (const auto& r : rows) out.push_back(ReadDoc(r, as_of));
  return out;
}

absl::StatusOr<std::map<int64_t, absl::CivilDay>> ReceivableStore::OldestOverdueDueOn(
    db::Transaction& tx, absl::CivilDay as_of, bool as_of_now, const std::vector<int64_t>& customer_ids) {
  std::map<int64_t, absl::CivilDay> out;
  if (customer_ids.empty()) return out;
  std::string day = DbDay(as_of);
  db::Params p;
  std::string docs = OpenDocumentsSql(as_of_now, &p, day);
  AgeingFilter f;
  f.customer_ids = customer_ids;
  std::string where = FilterSql(f, &p);
  // Past due: days past due (DaysPastDueOn) above zero, i.e. due before the day.
  p.push_back(day);
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT customer_id, MIN(due_on) AS oldest_due_on FROM (", docs,
                                               ") o WHERE bal > 0", where, " AND due_on < ? GROUP BY customer_id"),
                                  p));
  for (const auto& r : rows) {
    if (!r.IsNull("oldest_due_on")) out[r.Int("customer_id")] = ParseDay(r.Str("oldest_due_on"));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ReceivableStore::RepCustomerPairs(db::Transaction& tx,
                                                                                           absl::CivilDay as_of,
                                                                                           bool as_of_now) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT DISTINCT rep_id, customer_id FROM invoices WHERE balance_minor > 0 OR "
                                  "(state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') AND invoice_date <= ? "
                                  "AND gross_total_minor > 0 AND ? = 0)",
                                  {DbDay(as_of), int64_t{as_of_now ? 1 : 0}}));
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& r : rows) out.emplace_back(r.Int("rep_id"), r.Int("customer_id"));
  return out;
}

absl::StatusOr<std::map<int64_t, int64_t>> ReceivableStore::OpenBalances(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT customer_id, SUM(b) AS open_balance FROM (SELECT customer_id, "
                                               "balance_minor b FROM invoices UNION ALL SELECT customer_id, "
                                               "balance_minor FROM debit_memos) d",
                                               customer_id ? " WHERE customer_id = ?" : "", " GROUP BY customer_id"),
                                  customer_id ? db::Params{customer_id} : db::Params{}));
  std::map<int64_t, int64_t> out;
  for (const auto& r : rows) out[r.Int("customer_id")] = r.Int("open_balance");
  return out;
}

absl::Status ReceivableStore::SetCustomerHold(db::Transaction& tx, int64_t customer_id, bool on_hold,
                                              const std::string& reason, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO customer_accounts (customer_id, on_hold, hold_reason, updated_at) VALUES (?, ?, ?, ?) "
          "ON DUPLICATE KEY UPDATE on_hold = VALUES(on_hold), hold_reason = VALUES(hold_reason), "
          "version = version + 1, updated_at = VALUES(updated_at)",
          {customer_id, int64_t{on_hold ? 1 : 0}, on_hold ? reason.substr(0, 500) : std::string(), FormatDbTime(now)})
      .status();
}

}  // namespace sales::finance
