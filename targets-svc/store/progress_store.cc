#include "targets-svc/store/progress_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets {

absl::StatusOr<std::vector<LeafCell>> ProgressStore::LeafCells(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                               const v1::TargetNode& node) {
  std::string sql =
      "SELECT a.period_kind, a.period_start, a.target, a.expense, a.org_unit_id, a.rep_id, "
      "COALESCE(r.org_unit_id, 0) AS rep_org_unit_id FROM assignments a LEFT JOIN reps r ON r.id = a.rep_id "
      "WHERE a.plan_id = ? AND a.plan_version = ? AND NOT EXISTS (SELECT 1 FROM assignments c WHERE "
      "c.plan_id = a.plan_id AND c.plan_version = a.plan_version AND c.parent_cell_no = a.cell_no)";
  db::Params params = {plan_id, static_cast<int64_t>(version)};
  if (node.rep_id() != 0) {
    sql += " AND a.rep_id = ?";
    params.push_back(node.rep_id());
  }
  if (node.product_line_id() != 0) {
    sql += " AND a.product_line_id = ?";
    params.push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    sql +=
        " AND (a.portfolio_role = ? OR a.product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?))";
    params.push_back(EnumShort(node.portfolio_role()));
    params.push_back(EnumShort(node.portfolio_role()));
  }
  if (node.customer_id() != 0) {
    sql += " AND a.customer_id = ?";
    params.push_back(node.customer_id());
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<LeafCell> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    LeafCell c;
    c.period.set_kind(EnumParse<common::v1::PeriodKind>(r.Str("period_kind")));
    *c.period.mutable_start() = ParseDbDate(r.Str("period_start"));
    c.target = r.Int("target");
    c.expense = r.Int("expense");
    c.org_unit_id = r.Int("org_unit_id");
    c.rep_org_unit_id = r.Int("rep_org_unit_id");
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<int64_t> ProgressStore::ExpenseUsed(db::Transaction& tx, int64_t rep_id,
                                                   const std::vector<int64_t>& units, absl::CivilDay from,
                                                   absl::CivilDay to) {
  std::string sql =
      "SELECT COALESCE(SUM(amount), 0) AS expense_used FROM expenses WHERE state = 'POSTED' AND expense_date BETWEEN ? "
      "AND ?";
  db::Params params = {FormatDbDate(FromCivilDay(from)), FormatDbDate(FromCivilDay(to))};
  if (rep_id != 0) {
    sql += " AND rep_id = ?";
    params.push_back(rep_id);
  }
  if (!units.empty()) sql += absl::StrCat(" AND org_unit_id IN (", db::AppendInList(units, params), ")");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  return rows[0].Int("expense_used");
}

absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> ProgressStore::HistoryByYear(
    db::Transaction& tx, v1::Metric metric, const v1::TargetNode& node, const std::vector<int64_t>& units,
    int first_month, int months, const std::vector<int32_t>& years) {
  std::string sql = absl::StrCat("SELECT c.fiscal_year, SUM(c.", MetricColumn(metric),
                                 ") AS amount FROM actual_cells c WHERE c.fiscal_month >= ? AND c.fiscal_month < ?");
  db::Params params = {static_cast<int64_t>(first_month), static_cast<int64_t>(first_month + months)};
  if (!units.empty()) absl::StrAppend(&sql, " AND c.org_unit_id IN (", db::AppendInList(units, params), ")");
  if (node.rep_id() != 0) {
    absl::StrAppend(&sql, " AND c.rep_id = ?");
    params.push_back(node.rep_id());
  }
  if (node.product_line_id() != 0) {
    absl::StrAppend(&sql, " AND c.product_line_id = ?");
    params.push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    absl::StrAppend(&sql, " AND c.product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?)");
    params.push_back(EnumShort(node.portfolio_role()));
  }
  absl::StrAppend(&sql, " AND c.fiscal_year IN (", db::AppendInList(years, params), ") GROUP BY c.fiscal_year");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<std::pair<int32_t, int64_t>> out;
  for (const auto& r : rows) out.emplace_back(static_cast<int32_t>(r.Int("fiscal_year")), r.Int("amount"));
  return out;
}

absl::StatusOr<int64_t> ExpenseStore::Insert(db::Transaction& tx, const v1::ExpenseEntry& e, int64_t org_unit_id,
                                             const std::string& recorded_by, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO expenses (rep_id, org_unit_id, product_line_id, customer_id, expense_date, currency, "
              "amount, category, description, external_ref, state, recorded_by, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'POSTED', ?, ?)",
              {e.rep_id(), org_unit_id, e.product_line_id(), e.customer_id(), FormatDbDate(e.expense_date()),
               e.amount().currency_code(), e.amount().minor_units(), EnumShort(e.category()), e.description(),
               e.external_ref(), recorded_by, FormatDbTime(now)})
          .status());
  return tx.LastInsertId();
}

}  // namespace sales::targets
