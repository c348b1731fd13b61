#include "targets-svc/store/progress_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/store/actor_column.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets {
namespace {

constexpr char kExpenseColumns[] =
    "SELECT id, rep_id, org_unit_id, product_line_id, customer_id, expense_date, currency, amount, category, "
    "description, external_ref, state, reversal_reason, recorded_by, version, created_at, reversed_by, reversed_at, "
    "reversal_request_id FROM expenses";
// Keyset on (expense_date, id): the page token carries the last id and the
// statement looks its date up.
constexpr char kExpensesAfter[] =
    " AND (expense_date, id) > (SELECT a.expense_date, a.id FROM expenses a WHERE a.id = ?)";
constexpr char kReverseExpense[] =
    "UPDATE expenses SET state = 'REVERSED', reversal_reason = ?, reversed_by = ?, reversed_at = ?, "
    "reversal_request_id = ?, version = version + 1 WHERE id = ? AND state = 'POSTED'";

constexpr char kInsertReview[] =
    "INSERT INTO progress_reviews (rep_id, org_unit_id, period_kind, period_start, review_date, rep_summary, "
    "manager_comments, next_review_date, metric, progress_snapshot, reviewer, request_id, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertReviewAction[] = "INSERT INTO progress_review_actions (review_id, seq, action) VALUES (?, ?, ?)";
constexpr char kReviewColumns[] =
    "SELECT id, rep_id, org_unit_id, period_kind, period_start, review_date, rep_summary, manager_comments, "
    "next_review_date, progress_snapshot, reviewer, created_at FROM progress_reviews";
// Newest first, keyset on (review_date, id) as for expenses.
constexpr char kReviewsAfter[] =
    " AND (review_date, id) < (SELECT a.review_date, a.id FROM progress_reviews a WHERE a.id = ?)";

// WHERE fragments for the expenses charged to a node; columns are ours.
void ExpenseNodeSql(const v1::TargetNode& node, const std::vector<int64_t>& units, std::string* sql,
                    db::Params* params) {
  if (node.rep_id() != 0) {
    *sql += " AND rep_id = ?";
    params->push_back(node.rep_id());
  }
  if (!units.empty()) absl::StrAppend(sql, " AND org_unit_id IN (", db::AppendInList(units, *params), ")");
  if (node.product_line_id() != 0) {
    *sql += " AND product_line_id = ?";
    params->push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    *sql += " AND product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?)";
    params->push_back(EnumShort(node.portfolio_role()));
  }
  if (node.customer_id() != 0) {
    *sql += " AND customer_id = ?";
    params->push_back(node.customer_id());
  }
}

// WHERE fragments for the cells (assignments a) inside a node, shared by
// the target of a node and its named customers so both read the same cells.
// A role takes the cells split by that role and the cells of its lines.
void AssignmentNodeSql(const v1::TargetNode& node, std::string* sql, db::Params* params) {
  if (node.rep_id() != 0) {
    *sql += " AND a.rep_id = ?";
    params->push_back(node.rep_id());
  }
  if (node.product_line_id() != 0) {
    *sql += " AND a.product_line_id = ?";
    params->push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    *sql +=
        " AND (a.portfolio_role = ? OR a.product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?))";
    params->push_back(EnumShort(node.portfolio_role()));
    params->push_back(EnumShort(node.portfolio_role()));
  }
  if (node.customer_id() != 0) {
    *sql += " AND a.customer_id = ?";
    params->push_back(node.customer_id());
  }
}

void DateRangeSql(const common::v1::DateRange& range, const char* column, std::string* sql, db::Params* params) {
  if (range.has_start()) {
    absl::StrAppend(sql, " AND ", column, " >= ?");
    params->push_back(FormatDbDate(range.start()));
  }
  if (range.has_end()) {
    absl::StrAppend(sql, " AND ", column, " <= ?");
    params->push_back(FormatDbDate(range.end()));
  }
}

v1::ExpenseEntry ExpenseFromRow(const db::Row& r) {
  v1::ExpenseEntry e;
  e.set_id(r.Int("id"));
  e.set_rep_id(r.Int("rep_id"));
  e.set_org_unit_id(r.Int("org_unit_id"));
  e.set_product_line_id(r.Int("product_line_id"));
  e.set_customer_id(r.Int("customer_id"));
  *e.mutable_expense_date() = ParseDbDate(r.Str("expense_date"));
  *e.mutable_amount() = MakeMoney(r.Int("amount"), r.Str("currency"));
  e.set_category(EnumParse<v1::ExpenseCategory>(r.Str("category")));
  e.set_description(r.Str("description"));
  e.set_external_ref(r.Str("external_ref"));
  e.set_state(EnumParse<v1::ExpenseState>(r.Str("state")));
  e.set_reversal_reason(r.Str("reversal_reason"));
  if (!r.Str("recorded_by").empty()) *e.mutable_recorded_by() = DecodeActor(r.Str("recorded_by"));
  e.set_etag(MakeEtag(r.Int("version")));
  *e.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return e;
}

v1::ProgressReview ReviewFromRow(const db::Row& r) {
  v1::ProgressReview v;
  v.set_id(r.Int("id"));
  v.set_rep_id(r.Int("rep_id"));
  v.set_org_unit_id(r.Int("org_unit_id"));
  v.mutable_period()->set_kind(EnumParse<common::v1::PeriodKind>(r.Str("period_kind")));
  *v.mutable_period()->mutable_start() = ParseDbDate(r.Str("period_start"));
  *v.mutable_review_date() = ParseDbDate(r.Str("review_date"));
  v.set_rep_summary(r.Str("rep_summary"));
  v.set_manager_comments(r.Str("manager_comments"));
  if (!r.IsNull("next_review_date")) *v.mutable_next_review_date() = ParseDbDate(r.Str("next_review_date"));
  v.mutable_progress_snapshot()->ParseFromString(r.Str("progress_snapshot"));
  if (!r.Str("reviewer").empty()) *v.mutable_reviewer() = DecodeActor(r.Str("reviewer"));
  *v.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return v;
}

}  // namespace

void AppendRecordScopeSql(const RecordScope& scope, std::string* sql, db::Params* params) {
  if (scope.rep_id != 0) {
    *sql += " AND rep_id = ?";
    params->push_back(scope.rep_id);
  }
  // No units at all matches nothing ("IN (NULL)").
  if (!scope.all_units) absl::StrAppend(sql, " AND org_unit_id IN (", db::AppendInList(scope.units, *params), ")");
}

absl::StatusOr<std::vector<LeafCell>> ProgressStore::LeafCells(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                               const v1::TargetNode& node) {
  std::string sql =
      "SELECT a.period_kind, a.period_start, a.target, a.expense, a.org_unit_id, a.rep_id, "
      "COALESCE(r.org_unit_id, 0) AS rep_org_unit_id FROM assignments a LEFT JOIN reps r ON r.id = a.rep_id "
      "WHERE a.plan_id = ? AND a.plan_version = ? AND NOT EXISTS (SELECT 1 FROM assignments c WHERE "
      "c.plan_id = a.plan_id AND c.plan_version = a.plan_version AND c.parent_cell_no = a.cell_no)";
  db::Params params = {plan_id, static_cast<int64_t>(version)};
  AssignmentNodeSql(node, &sql, &params);
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
  v1::TargetNode node;
  node.set_rep_id(rep_id);
  return ExpenseUsed(tx, node, units, from, to);
}

absl::StatusOr<int64_t> ProgressStore::ExpenseUsed(db::Transaction& tx, const v1::TargetNode& node,
                                                   const std::vector<int64_t>& units, absl::CivilDay from,
                                                   absl::CivilDay to) {
  std::string sql =
      "SELECT COALESCE(SUM(amount), 0) AS expense_used FROM expenses WHERE state = 'POSTED' AND expense_date BETWEEN ? "
      "AND ?";
  db::Params params = {FormatDbDate(FromCivilDay(from)), FormatDbDate(FromCivilDay(to))};
  ExpenseNodeSql(node, units, &sql, &params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  return rows[0].Int("expense_used");
}

absl::StatusOr<std::vector<std::pair<v1::ExpenseCategory, int64_t>>> ProgressStore::ExpenseByCategory(
    db::Transaction& tx, const v1::TargetNode& node, const std::vector<int64_t>& units, absl::CivilDay from,
    absl::CivilDay to) {
  std::string sql =
      "SELECT category, COALESCE(SUM(amount), 0) AS amount FROM expenses WHERE state = 'POSTED' AND expense_date "
      "BETWEEN ? AND ?";
  db::Params params = {FormatDbDate(FromCivilDay(from)), FormatDbDate(FromCivilDay(to))};
  ExpenseNodeSql(node, units, &sql, &params);
  sql += " GROUP BY category";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::map<v1::ExpenseCategory, int64_t> by;  // proto order
  for (const auto& r : rows) by[EnumParse<v1::ExpenseCategory>(r.Str("category"))] += r.Int("amount");
  return std::vector<std::pair<v1::ExpenseCategory, int64_t>>(by.begin(), by.end());
}

absl::StatusOr<std::vector<int64_t>> ProgressStore::TargetCustomers(db::Transaction& tx, int64_t plan_id,
                                                                    int32_t version, const v1::TargetNode& node) {
  std::string sql =
      "SELECT DISTINCT a.customer_id FROM assignments a WHERE a.plan_id = ? AND a.plan_version = ? AND "
      "a.customer_id <> 0";
  db::Params params = {plan_id, static_cast<int64_t>(version)};
  AssignmentNodeSql(node, &sql, &params);
  sql += " ORDER BY a.customer_id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.Int("customer_id"));
  return out;
}

absl::StatusOr<int64_t> ProgressStore::CompanyUnitId(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units WHERE parent_id IS NULL"));
  return rows.empty() ? int64_t{0} : rows[0].Int("id");
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

absl::StatusOr<v1::ExpenseEntry> ExpenseStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat(kExpenseColumns, " WHERE id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("expense", id);
  return ExpenseFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::ExpenseEntry>> ExpenseStore::List(db::Transaction& tx, const ExpenseFilter& filter,
                                                                 int64_t after_id, int limit) {
  std::string sql = absl::StrCat(kExpenseColumns, " WHERE 1 = 1");
  db::Params params;
  AppendRecordScopeSql(filter.scope, &sql, &params);
  if (filter.category != v1::EXPENSE_CATEGORY_UNSPECIFIED) {
    sql += " AND category = ?";
    params.push_back(EnumShort(filter.category));
  }
  if (!filter.include_reversed) sql += " AND state = 'POSTED'";
  DateRangeSql(filter.dates, "expense_date", &sql, &params);
  if (after_id != 0) {
    sql += kExpensesAfter;
    params.push_back(after_id);
  }
  sql += " ORDER BY expense_date, id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::ExpenseEntry> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(ExpenseFromRow(r));
  return out;
}

absl::Status ExpenseStore::Reverse(db::Transaction& tx, int64_t id, const std::string& reason,
                                   const std::string& reversed_by, const std::string& request_id, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(int64_t changed,
                         tx.Exec(kReverseExpense, {reason, reversed_by, FormatDbTime(now), request_id, id}));
  if (changed != 1) return absl::AbortedError(absl::StrCat("expense ", id, " changed meanwhile"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<common::v1::AuditEntry>> ExpenseStore::AuditTrail(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat(kExpenseColumns, " WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("expense", id);
  const db::Row& r = rows[0];
  std::vector<common::v1::AuditEntry> out;
  common::v1::AuditEntry recorded;
  recorded.set_id(1);
  *recorded.mutable_at() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *recorded.mutable_actor() = DecodeActor(r.Str("recorded_by"));
  recorded.set_action("EXPENSE_RECORDED");
  recorded.set_to_value("POSTED");
  out.push_back(std::move(recorded));
  if (r.Str("state") == "REVERSED") {
    common::v1::AuditEntry reversed;
    reversed.set_id(2);
    // Reversed before reversals were recorded with their time: the time is unknown.
    if (!r.IsNull("reversed_at")) *reversed.mutable_at() = ToTimestamp(ParseDbTime(r.Str("reversed_at")));
    *reversed.mutable_actor() = DecodeActor(r.Str("reversed_by"));
    reversed.set_action("EXPENSE_REVERSED");
    reversed.set_from_value("POSTED");
    reversed.set_to_value("REVERSED");
    reversed.set_reason(r.Str("reversal_reason"));
    reversed.set_request_id(r.Str("reversal_request_id"));
    out.push_back(std::move(reversed));
  }
  return out;
}

absl::StatusOr<int64_t> ReviewStore::Insert(db::Transaction& tx, const v1::ProgressReview& review, v1::Metric metric,
                                            const std::string& reviewer, const std::string& request_id,
                                            absl::Time now) {
  db::Param next = nullptr;
  if (review.has_next_review_date()) next = FormatDbDate(review.next_review_date());
  SALES_RETURN_IF_ERROR(
      tx.Exec(kInsertReview,
              {review.rep_id(), review.org_unit_id(), EnumShort(review.period().kind()),
               FormatDbDate(review.period().start()), FormatDbDate(review.review_date()), review.rep_summary(),
               review.manager_comments(), next, EnumShort(metric),
               db::Bytes{review.progress_snapshot().SerializeAsString()}, reviewer, request_id, FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  for (int i = 0; i < review.action_items_size(); ++i) {
    SALES_RETURN_IF_ERROR(tx.Exec(kInsertReviewAction, {id, static_cast<int64_t>(i), review.action_items(i)}).status());
  }
  return id;
}

absl::StatusOr<std::vector<v1::ProgressReview>> ReviewStore::List(db::Transaction& tx, const ReviewFilter& filter,
                                                                  int64_t after_id, int limit) {
  std::string sql = absl::StrCat(kReviewColumns, " WHERE 1 = 1");
  db::Params params;
  AppendRecordScopeSql(filter.scope, &sql, &params);
  DateRangeSql(filter.dates, "review_date", &sql, &params);
  if (after_id != 0) {
    sql += kReviewsAfter;
    params.push_back(after_id);
  }
  sql += " ORDER BY review_date DESC, id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::ProgressReview> out;
  std::vector<int64_t> ids;
  std::map<int64_t, size_t> at;
  for (const auto& r : rows) {
    at[r.Int("id")] = out.size();
    ids.push_back(r.Int("id"));
    out.push_back(ReviewFromRow(r));
  }
  if (ids.empty()) return out;
  // The page's actions in one query.
  db::Params aparams;
  std::string asql = absl::StrCat("SELECT review_id, seq, action FROM progress_review_actions WHERE review_id IN (",
                                  db::AppendInList(ids, aparams), ") ORDER BY review_id, seq");
  SALES_ASSIGN_OR_RETURN(auto actions, tx.Query(asql, aparams));
  for (const auto& a : actions) out[at[a.Int("review_id")]].add_action_items(a.Str("action"));
  return out;
}

}  // namespace sales::targets
