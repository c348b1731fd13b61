#include "finance-svc/store/report_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

// The grouping column of a document table aliased `t` (product lines come
// from the line table `l` where the document has lines).
std::string KeyColumn(InvoicingKey key, const char* t) {
  switch (key) {
    case InvoicingKey::kOrgUnit:
      return absl::StrCat(t, ".org_unit_id");
    case InvoicingKey::kCustomer:
      return absl::StrCat(t, ".customer_id");
    case InvoicingKey::kProductLine:
      return absl::StrCat(t, ".product_line_id");
    case InvoicingKey::kRep:
      break;
  }
  return absl::StrCat(t, ".rep_id");
}

// The request's rep and unit and the caller's scope on table `t`.
std::string InvoicingFilterSql(const InvoicingFilter& f, const char* t, db::Params* p) {
  std::string s;
  if (f.rep_id) {
    s += absl::StrCat(" AND ", t, ".rep_id = ?");
    p->push_back(f.rep_id);
  }
  if (f.org_unit_id) {
    s += absl::StrCat(" AND ", t, ".org_unit_id = ?");
    p->push_back(f.org_unit_id);
  }
  s += ScopeSql(f.scope, absl::StrCat(t, ".rep_id").c_str(), absl::StrCat(t, ".org_unit_id").c_str(), p);
  return s;
}

// " AND <rep> = ? AND <unit> IN (...)" for a report filter.
std::string ReportScopeSql(const ReportFilter& f, const char* rep_col, const char* unit_col, db::Params* params) {
  std::string s;
  if (f.rep_id != 0) {
    s += absl::StrCat(" AND ", rep_col, " = ?");
    params->push_back(f.rep_id);
  }
  if (!f.unit_ids.empty()) s += absl::StrCat(" AND ", unit_col, " IN (", db::AppendInList(f.unit_ids, *params), ")");
  return s;
}

}  // namespace

absl::StatusOr<std::vector<InvoicedDay>> ReportStore::InvoicedByDay(db::Transaction& tx, absl::CivilDay from,
                                                                    absl::CivilDay to, const InvoicingFilter& f) {
  const bool by_line = f.key == InvoicingKey::kProductLine;
  std::string k = by_line ? "l.product_line_id" : KeyColumn(f.key, "i");
  db::Params p = {DbDay(from), DbDay(to)};
  std::string sql =
      by_line
          ? absl::StrCat("SELECT ", k,
                         " AS report_key, i.invoice_date, COUNT(DISTINCT i.id) AS invoices, "
                         "SUM(l.net_minor) AS net_minor, SUM(l.tax_minor) AS tax_minor, MAX(i.rep_id) AS max_rep_id, "
                         "MAX(i.org_unit_id) AS max_org_unit_id FROM invoices i JOIN invoice_lines l ON "
                         "l.invoice_id = i.id WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') "
                         "AND i.invoice_date BETWEEN ? AND ?")
          : absl::StrCat("SELECT ", k,
                         " AS report_key, i.invoice_date, COUNT(*) AS invoices, "
                         "SUM(i.net_total_minor) AS net_minor, SUM(i.tax_total_minor) AS tax_minor, "
                         "MAX(i.rep_id) AS max_rep_id, MAX(i.org_unit_id) AS max_org_unit_id FROM invoices i "
                         "WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') "
                         "AND i.invoice_date BETWEEN ? AND ?");
  sql += InvoicingFilterSql(f, "i", &p);
  absl::StrAppend(&sql, " GROUP BY ", k, ", i.invoice_date");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<InvoicedDay> out;
  for (const auto& r : rows) {
    InvoicedDay d;
    d.key = r.Int("report_key");
    d.day = ParseDay(r.Str("invoice_date"));
    d.invoices = r.Int("invoices");
    d.net = r.Int("net_minor");
    d.tax = r.Int("tax_minor");
    d.rep_id = r.Int("max_rep_id");
    d.org_unit_id = r.Int("max_org_unit_id");
    out.push_back(d);
  }
  return out;
}

absl::StatusOr<std::vector<CreditedDay>> ReportStore::CreditedByDay(db::Transaction& tx, absl::CivilDay from,
                                                                    absl::CivilDay to, const InvoicingFilter& f) {
  const bool by_line = f.key == InvoicingKey::kProductLine;
  std::string k = by_line ? "l.product_line_id" : KeyColumn(f.key, "m");
  db::Params p = {DbDay(from), DbDay(to)};
  std::string sql =
      by_line ? absl::StrCat("SELECT ", k,
                             " AS report_key, m.memo_date, SUM(l.gross_minor) AS gross_minor, "
                             "MAX(m.rep_id) AS max_rep_id, MAX(m.org_unit_id) AS max_org_unit_id FROM credit_memos m "
                             "JOIN memo_lines l ON l.memo_kind = 'CM' AND l.memo_id = m.id "
                             "WHERE m.state IN ('ISSUED', 'SETTLED') "
                             "AND m.memo_date BETWEEN ? AND ?")
              : absl::StrCat("SELECT ", k,
                             " AS report_key, m.memo_date, SUM(m.total_minor) AS gross_minor, "
                             "MAX(m.rep_id) AS max_rep_id, MAX(m.org_unit_id) AS max_org_unit_id FROM credit_memos m "
                             "WHERE m.state IN ('ISSUED', 'SETTLED') AND m.memo_date BETWEEN ? AND ?");
  sql += InvoicingFilterSql(f, "m", &p);
  absl::StrAppend(&sql, " GROUP BY ", k, ", m.memo_date");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CreditedDay> out;
  for (const auto& r : rows) {
    CreditedDay d;
    d.key = r.Int("report_key");
    d.day = ParseDay(r.Str("memo_date"));
    d.gross = r.Int("gross_minor");
    d.rep_id = r.Int("max_rep_id");
    d.org_unit_id = r.Int("max_org_unit_id");
    out.push_back(d);
  }
  return out;
}

absl::StatusOr<std::vector<ValueOnDay>> ReportStore::ShippedValueByDay(db::Transaction& tx, absl::CivilDay to,
                                                                       const InvoicingFilter& f) {
  std::string k = KeyColumn(f.key, "b");
  db::Params p = {int64_t{kDefaultVatBp}, DbDay(to)};
  std::string sql = absl::StrCat("SELECT ", k,
                                 " AS report_key, b.shipped_on, SUM((b.shipped_quantity - "
                                 "b.returned_quantity) * b.unit_price_minor + ((b.shipped_quantity - "
                                 "b.returned_quantity) * b.unit_price_minor * ? + 5000) DIV 10000) AS value_minor "
                                 "FROM billable_lines b "
                                 "WHERE b.shipped_on <= ?");
  sql += InvoicingFilterSql(f, "b", &p);
  absl::StrAppend(&sql, " GROUP BY ", k, ", b.shipped_on");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<ValueOnDay> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("report_key"), ParseDay(r.Str("shipped_on")), r.Int("value_minor")});
  }
  return out;
}

absl::StatusOr<std::vector<ValueOnDay>> ReportStore::InvoicedValueByDay(db::Transaction& tx, absl::CivilDay to,
                                                                        const InvoicingFilter& f) {
  std::string k = KeyColumn(f.key, "b");
  db::Params p = {int64_t{kDefaultVatBp}, DbDay(to)};
  std::string sql = absl::StrCat("SELECT ", k,
                                 " AS report_key, i.invoice_date, SUM(l.quantity * l.unit_price_minor + "
                                 "(l.quantity * l.unit_price_minor * ? + 5000) DIV 10000) AS value_minor "
                                 "FROM invoice_lines l "
                                 "JOIN invoices i ON i.id = l.invoice_id JOIN billable_lines b ON "
                                 "b.id = l.billable_line_id WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID') "
                                 "AND i.invoice_date <= ?");
  sql += InvoicingFilterSql(f, "b", &p);
  absl::StrAppend(&sql, " GROUP BY ", k, ", i.invoice_date");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<ValueOnDay> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("report_key"), ParseDay(r.Str("invoice_date")), r.Int("value_minor")});
  }
  return out;
}

absl::StatusOr<std::vector<AppliedAmount>> ReportStore::AppliedInRange(db::Transaction& tx,
                                                                       const common::v1::DateRange& range, bool by_line,
                                                                       const ReportFilter& f) {
  db::Params p{FormatDbDate(range.start()), FormatDbDate(range.end())};
  std::string sql = by_line
                        ? "SELECT pa.rep_id, pa.org_unit_id, pa.customer_id, pal.product_line_id, pa.applied_on, "
                          "pa.days_past_due, pal.amount_minor FROM payment_applications pa JOIN "
                          "payment_application_lines pal ON pal.application_id = pa.id WHERE pa.state = 'ACTIVE' "
                          "AND pa.applied_on BETWEEN ? AND ?"
                        : "SELECT pa.rep_id, pa.org_unit_id, pa.customer_id, 0 AS product_line_id, pa.applied_on, "
                          "pa.days_past_due, pa.amount_minor FROM payment_applications pa WHERE pa.state = 'ACTIVE' "
                          "AND pa.applied_on BETWEEN ? AND ?";
  sql += ReportScopeSql(f, "pa.rep_id", "pa.org_unit_id", &p);
  if (f.customer_id != 0) {
    sql += " AND pa.customer_id = ?";
    p.push_back(f.customer_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<AppliedAmount> out;
  for (const auto& r : rows) {
    AppliedAmount a;
    a.rep_id = r.Int("rep_id");
    a.org_unit_id = r.Int("org_unit_id");
    a.customer_id = r.Int("customer_id");
    a.product_line_id = r.Int("product_line_id");
    a.applied_on = *ParseDay(r, "applied_on");  // NOT NULL column
    a.days_past_due = static_cast<int>(r.Int("days_past_due"));
    a.amount = r.Int("amount_minor");
    out.push_back(a);
  }
  return out;
}

absl::StatusOr<std::vector<DueAmount>> ReportStore::DueInRange(db::Transaction& tx, const common::v1::DateRange& range,
                                                               bool by_line, const ReportFilter& f) {
  db::Params p{FormatDbDate(range.start()), FormatDbDate(range.end())};
  std::string sql = by_line ? "SELECT i.rep_id, i.org_unit_id, i.customer_id, il.product_line_id, i.due_on, "
                              "il.gross_minor FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id "
                              "WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID') AND i.due_on BETWEEN ? AND ?"
                            : "SELECT i.rep_id, i.org_unit_id, i.customer_id, 0 AS product_line_id, i.due_on, "
                              "i.gross_total_minor AS gross_minor "
                              "FROM invoices i WHERE i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID') "
                              "AND i.due_on BETWEEN ? AND ?";
  sql += ReportScopeSql(f, "i.rep_id", "i.org_unit_id", &p);
  if (f.customer_id != 0) {
    sql += " AND i.customer_id = ?";
    p.push_back(f.customer_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<DueAmount> out;
  for (const auto& r : rows) {
    DueAmount d;
    d.rep_id = r.Int("rep_id");
    d.org_unit_id = r.Int("org_unit_id");
    d.customer_id = r.Int("customer_id");
    d.product_line_id = r.Int("product_line_id");
    d.due_on = *ParseDay(r, "due_on");  // the range condition excludes NULL
    d.amount = r.Int("gross_minor");
    out.push_back(d);
  }
  return out;
}

absl::StatusOr<std::vector<ReceivedPayment>> ReportStore::ReceivedInRange(db::Transaction& tx,
                                                                          const common::v1::DateRange& range,
                                                                          const ReportFilter& f) {
  db::Params p{FormatDbDate(range.start()), FormatDbDate(range.end())};
  std::string sql =
      "SELECT p.rep_id, p.customer_id, p.received_on, p.settlement_minor FROM payments p "
      "WHERE p.state <> 'DISHONORED' AND p.received_on BETWEEN ? AND ?";
  if (f.rep_id != 0) {
    sql += " AND p.rep_id = ?";
    p.push_back(f.rep_id);
  }
  if (f.customer_id != 0) {
    sql += " AND p.customer_id = ?";
    p.push_back(f.customer_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<ReceivedPayment> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("rep_id"), r.Int("customer_id"), *ParseDay(r, "received_on"),  // NOT NULL column
                   r.Int("settlement_minor")});
  }
  return out;
}

absl::StatusOr<std::vector<CaseSnapshot>> ReportStore::CasesOpenOn(db::Transaction& tx, absl::CivilDay as_of,
                                                                   const ReportFilter& f) {
  db::Params p{DayText(as_of), DayText(as_of)};
  std::string sql =
      "SELECT stage, rep_id, org_unit_id, customer_id, overdue_minor, due_on, missed_confirmation + "
      "missed_first_notice + missed_second_notice > 0 AS deadline_missed, closed_on FROM collection_cases "
      "WHERE due_on < ? "
      "AND (closed_on IS NULL OR closed_on > ?)";
  sql += ReportScopeSql(f, "rep_id", "org_unit_id", &p);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CaseSnapshot> out;
  for (const auto& r : rows) {
    CaseSnapshot c;
    c.stage = EnumParse<v1::CollectionStage>(r.Str("stage"));
    c.rep_id = r.Int("rep_id");
    c.org_unit_id = r.Int("org_unit_id");
    c.customer_id = r.Int("customer_id");
    c.overdue_minor = r.Int("overdue_minor");
    c.due_on = *ParseDay(r, "due_on");  // NOT NULL column
    c.deadline_missed = r.Int("deadline_missed") != 0;
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<CommissionMonth>> ReportStore::CommissionMonths(db::Transaction& tx,
                                                                           const common::v1::DateRange& months,
                                                                           const ReportFilter& f) {
  db::Params p{FormatDbDate(months.start()), FormatDbDate(months.end())};
  std::string sql =
      "SELECT s.rep_id, s.org_unit_id, s.month, s.attainment_bp, s.total_minor, s.payable_now_minor, "
      "s.held_back_minor, COALESCE((SELECT SUM(d.deducted_minor - d.returned_minor) FROM commission_deductions d "
      "WHERE d.rep_id = s.rep_id AND d.state = 'OUTSTANDING'), 0) AS outstanding_deductions_minor "
      "FROM commission_statements s WHERE s.month BETWEEN ? AND ?";
  sql += ReportScopeSql(f, "s.rep_id", "s.org_unit_id", &p);
  sql += " ORDER BY s.month, s.rep_id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CommissionMonth> out;
  for (const auto& r : rows) {
    CommissionMonth m;
    m.rep_id = r.Int("rep_id");
    m.org_unit_id = r.Int("org_unit_id");
    m.month = *ParseDay(r, "month");  // NOT NULL column
    m.attainment_bp = static_cast<int32_t>(r.Int("attainment_bp"));
    m.total = r.Int("total_minor");
    m.payable_now = r.Int("payable_now_minor");
    m.held_back = r.Int("held_back_minor");
    m.outstanding_deductions = r.Int("outstanding_deductions_minor");
    out.push_back(m);
  }
  return out;
}

}  // namespace sales::finance
