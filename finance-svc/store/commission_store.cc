#include "finance-svc/store/commission_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/document_scope.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/memo.pb.h"
#include "sales/finance/v1/payment.pb.h"

namespace sales::finance {
namespace {

constexpr char kPlanColumns[] =
    "id, name, plan_version, state, effective_from, effective_to, org_unit_id, rep_grade, body, version, "
    "created_at, updated_at";

absl::StatusOr<PlanRecord> PlanFromRow(const db::Row& r) {
  PlanRecord rec;
  if (!rec.plan.ParseFromString(r.Str("body"))) return absl::InternalError("commission plan body is unreadable");
  v1::CommissionPlan& p = rec.plan;
  p.set_id(r.Int("id"));
  p.set_name(r.Str("name"));
  p.set_version(static_cast<int32_t>(r.Int("plan_version")));
  p.set_state(EnumParse<v1::CommissionPlanState>(r.Str("state")));
  *p.mutable_effective_from() = FromCivilDay(*ParseDay(r, "effective_from"));
  if (auto to = ParseDay(r, "effective_to")) {
    *p.mutable_effective_to() = FromCivilDay(*to);
  } else {
    p.clear_effective_to();
  }
  p.set_org_unit_id(r.Int("org_unit_id"));
  p.set_rep_grade(r.Str("rep_grade"));
  rec.row_version = r.Int("version");
  p.set_etag(MakeEtag(rec.row_version));
  *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *p.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

std::string PlanBody(const v1::CommissionPlan& plan) {
  v1::CommissionPlan body = plan;
  // Identity and lifecycle live in columns.
  body.clear_id();
  body.clear_etag();
  body.clear_create_time();
  body.clear_update_time();
  return body.SerializeAsString();
}

constexpr char kStatementColumns[] =
    "id, rep_id, org_unit_id, month, plan_id, state, body, paid_on, version, computed_at, updated_at";

absl::StatusOr<StatementRecord> StatementFromRow(const db::Row& r) {
  StatementRecord rec;
  v1::CommissionStatement& s = rec.statement;
  if (!s.ParseFromString(r.Str("body"))) return absl::InternalError("commission statement body is unreadable");
  s.set_id(r.Int("id"));
  s.set_rep_id(r.Int("rep_id"));
  s.set_org_unit_id(r.Int("org_unit_id"));
  *s.mutable_month() = FromCivilDay(*ParseDay(r, "month"));
  s.set_commission_plan_id(r.Int("plan_id"));
  s.set_state(EnumParse<v1::CommissionStatementState>(r.Str("state")));
  if (auto paid = ParseDay(r, "paid_on")) *s.mutable_paid_on() = FromCivilDay(*paid);
  rec.row_version = r.Int("version");
  s.set_etag(MakeEtag(rec.row_version));
  *s.mutable_compute_time() = ToTimestamp(ParseDbTime(r.Str("computed_at")));
  *s.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

bool LineAllowed(const std::vector<int64_t>& lines, int64_t line) {
  return lines.empty() || std::find(lines.begin(), lines.end(), line) != lines.end();
}

DeductionRecord DeductionFromRow(const db::Row& r) {
  DeductionRecord d;
  d.id = r.Int("id");
  d.rep_id = r.Int("rep_id");
  d.invoice_id = r.Int("invoice_id");
  d.customer_id = r.Int("customer_id");
  d.amount_minor = r.Int("amount_minor");
  d.deducted_minor = r.Int("deducted_minor");
  d.returned_minor = r.Int("returned_minor");
  d.state = EnumParse<v1::CommissionDeductionState>(r.Str("state"));
  d.started_month = *ParseDay(r, "started_month");
  d.returned_month = ParseDay(r, "returned_month");
  return d;
}

constexpr char kDeductionColumns[] =
    "id, rep_id, invoice_id, customer_id, amount_minor, deducted_minor, returned_minor, state, started_month, "
    "returned_month";

}  // namespace

absl::StatusOr<int64_t> CommissionStore::InsertPlan(db::Transaction& tx, const v1::CommissionPlan& plan,
                                                    absl::Time now) {
  // Versions count per name; the name's rows are locked so two creates of
  // one name take different numbers.
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT COALESCE(MAX(plan_version), 0) AS last_plan_version FROM commission_plans "
                                  "WHERE name = ? FOR UPDATE",
                                  {plan.name()}));
  int64_t version = rows[0].Int("last_plan_version") + 1;
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO commission_plans (name, plan_version, state, effective_from, effective_to, org_unit_id, "
              "rep_grade, body, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {plan.name(), version, EnumShort(v1::COMMISSION_PLAN_STATE_DRAFT), FormatDbDate(plan.effective_from()),
               plan.has_effective_to() ? db::Param(FormatDbDate(plan.effective_to())) : db::Param(nullptr),
               plan.org_unit_id(), plan.rep_grade(), db::Bytes{PlanBody(plan)}, FormatDbTime(now), FormatDbTime(now)})
          .status());
  return tx.LastInsertId();
}

absl::StatusOr<PlanRecord> CommissionStore::GetPlan(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kPlanColumns, " FROM commission_plans WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("commission plan", id);
  return PlanFromRow(rows[0]);
}

absl::Status CommissionStore::UpdatePlan(db::Transaction& tx, PlanRecord& rec, absl::Time now) {
  const v1::CommissionPlan& p = rec.plan;
  SALES_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("UPDATE commission_plans SET state = ?, effective_from = ?, effective_to = ?, org_unit_id = ?, "
              "rep_grade = ?, body = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
              {EnumShort(p.state()), FormatDbDate(p.effective_from()),
               p.has_effective_to() ? db::Param(FormatDbDate(p.effective_to())) : db::Param(nullptr), p.org_unit_id(),
               p.rep_grade(), db::Bytes{PlanBody(p)}, FormatDbTime(now), p.id(), rec.row_version}));
  if (n != 1) return absl::AbortedError(absl::StrCat("commission plan ", p.id(), " changed underneath"));
  ++rec.row_version;
  rec.plan.set_etag(MakeEtag(rec.row_version));
  *rec.plan.mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlanRecord>> CommissionStore::ListPlans(db::Transaction& tx,
                                                                   const v1::ListCommissionPlansRequest& req,
                                                                   int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kPlanColumns, " FROM commission_plans WHERE id > ?");
  db::Params params{after_id};
  if (req.state() != v1::COMMISSION_PLAN_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.push_back(EnumShort(req.state()));
  }
  if (!req.name().empty()) {
    sql += " AND name = ?";
    params.push_back(req.name());
  }
  if (req.has_in_force_on()) {
    sql += " AND state = ? AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)";
    params.push_back(EnumShort(v1::COMMISSION_PLAN_STATE_ACTIVE));
    params.push_back(FormatDbDate(req.in_force_on()));
    params.push_back(FormatDbDate(req.in_force_on()));
  }
  sql += " ORDER BY id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<PlanRecord> out;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(auto rec, PlanFromRow(r));
    out.push_back(std::move(rec));
  }
  return out;
}

absl::StatusOr<std::vector<PlanRecord>> CommissionStore::PlansInForce(db::Transaction& tx, absl::CivilDay day) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kPlanColumns,
                                               " FROM commission_plans WHERE state = ? AND effective_from <= ? "
                                               "AND (effective_to IS NULL OR effective_to >= ?) ORDER BY id"),
                                  {EnumShort(v1::COMMISSION_PLAN_STATE_ACTIVE), DayText(day), DayText(day)}));
  std::vector<PlanRecord> out;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(auto rec, PlanFromRow(r));
    out.push_back(std::move(rec));
  }
  return out;
}

absl::StatusOr<bool> CommissionStore::ApprovedMonthsIn(db::Transaction& tx, absl::CivilDay from,
                                                       std::optional<absl::CivilDay> to, int64_t plan_id) {
  std::string sql =
      "SELECT COUNT(*) AS approved FROM commission_statements WHERE state IN ('APPROVED', 'PAID') "
      "AND month >= ?";
  // A statement's month is its first day; a range starting mid-month still
  // covers that month.
  db::Params params{DayText(absl::CivilDay(absl::CivilMonth(from)))};
  if (to) {
    sql += " AND month <= ?";
    params.push_back(DayText(*to));
  }
  if (plan_id != 0) {
    sql += " AND plan_id = ?";
    params.push_back(plan_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  return rows[0].Int("approved") > 0;
}

absl::StatusOr<StatementRecord> CommissionStore::GetStatement(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kStatementColumns, " FROM commission_statements WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("commission statement", id);
  return StatementFromRow(rows[0]);
}

absl::StatusOr<std::optional<StatementRecord>> CommissionStore::StatementOf(db::Transaction& tx, int64_t rep_id,
                                                                            absl::CivilDay month, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kStatementColumns,
                                                          " FROM commission_statements WHERE rep_id = ? AND month = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {rep_id, DayText(month)}));
  if (rows.empty()) return std::optional<StatementRecord>();
  SALES_ASSIGN_OR_RETURN(auto rec, StatementFromRow(rows[0]));
  return std::optional<StatementRecord>(std::move(rec));
}

absl::StatusOr<int64_t> CommissionStore::SaveDraft(db::Transaction& tx, const v1::CommissionStatement& s,
                                                   absl::Time now) {
  v1::CommissionStatement body = s;
  body.clear_id();
  body.clear_etag();
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO commission_statements (rep_id, org_unit_id, month, plan_id, state, attainment_bp, "
              "total_minor, payable_now_minor, held_back_minor, holdback_released_minor, body, version, computed_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
              "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), org_unit_id = VALUES(org_unit_id), "
              "plan_id = VALUES(plan_id), attainment_bp = VALUES(attainment_bp), total_minor = VALUES(total_minor), "
              "payable_now_minor = VALUES(payable_now_minor), held_back_minor = VALUES(held_back_minor), "
              "holdback_released_minor = VALUES(holdback_released_minor), body = VALUES(body), "
              "version = version + 1, computed_at = VALUES(computed_at), updated_at = VALUES(updated_at)",
              {s.rep_id(), s.org_unit_id(), FormatDbDate(s.month()), s.commission_plan_id(),
               EnumShort(v1::COMMISSION_STATEMENT_STATE_DRAFT), static_cast<int64_t>(s.attainment_bp()),
               s.total_commission().minor_units(), s.payable_now().minor_units(), s.held_back().minor_units(),
               s.holdback_released().minor_units(), db::Bytes{body.SerializeAsString()}, FormatDbTime(now),
               FormatDbTime(now)})
          .status());
  return tx.LastInsertId();
}

absl::Status CommissionStore::UpdateStatement(db::Transaction& tx, StatementRecord& rec, absl::Time now) {
  const v1::CommissionStatement& s = rec.statement;
  v1::CommissionStatement body = s;
  body.clear_id();
  body.clear_etag();
  SALES_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("UPDATE commission_statements SET state = ?, paid_on = ?, total_minor = ?, payable_now_minor = ?, "
              "held_back_minor = ?, holdback_released_minor = ?, body = ?, version = version + 1, updated_at = ? "
              "WHERE id = ? AND version = ?",
              {EnumShort(s.state()), s.has_paid_on() ? db::Param(FormatDbDate(s.paid_on())) : db::Param(nullptr),
               s.total_commission().minor_units(), s.payable_now().minor_units(), s.held_back().minor_units(),
               s.holdback_released().minor_units(), db::Bytes{body.SerializeAsString()}, FormatDbTime(now), s.id(),
               rec.row_version}));
  if (n != 1) return absl::AbortedError(absl::StrCat("commission statement ", s.id(), " changed underneath"));
  ++rec.row_version;
  rec.statement.set_etag(MakeEtag(rec.row_version));
  *rec.statement.mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StatementRecord>> CommissionStore::ListStatements(
    db::Transaction& tx, const v1::ListCommissionStatementsRequest& req, int64_t rep_id,
    const std::vector<int64_t>& units, int64_t after_id, int limit) {
  // Newest month first; the page token carries the last id and pages go by
  // id descending within that order's key (month, id) folded into id order
  // for simplicity: statements are created month by month.
  std::string sql = absl::StrCat("SELECT ", kStatementColumns, " FROM commission_statements WHERE id < ?");
  db::Params params{after_id == 0 ? int64_t{INT64_MAX} : after_id};
  if (rep_id != 0) {
    sql += " AND rep_id = ?";
    params.push_back(rep_id);
  }
  if (!units.empty()) sql += absl::StrCat(" AND org_unit_id IN (", db::AppendInList(units, params), ")");
  sql += DateRangeSql(req.months(), "month", &params);
  if (req.state() != v1::COMMISSION_STATEMENT_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.push_back(EnumShort(req.state()));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<StatementRecord> out;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(auto rec, StatementFromRow(r));
    out.push_back(std::move(rec));
  }
  return out;
}

absl::StatusOr<std::vector<CollectionFact>> CommissionStore::Collections(db::Transaction& tx, int64_t rep_id,
                                                                         absl::CivilDay from, absl::CivilDay to,
                                                                         const std::vector<int64_t>& product_lines) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          "SELECT pa.id, COALESCE(pa.invoice_id, 0) AS invoice_id, pa.customer_id, pal.product_line_id, "
          "pa.due_on, "
          "pa.applied_on, pal.commissionable_minor, pa.state, pa.reversed_on "
          "FROM payment_applications pa JOIN payment_application_lines pal ON pal.application_id = pa.id "
          "WHERE pa.rep_id = ? AND pal.commissionable_minor > 0 AND ((pa.applied_on BETWEEN ? AND ?) "
          "OR (pa.state = ? AND pa.reversed_on BETWEEN ? AND ?)) ORDER BY pa.id, pal.product_line_id",
          {rep_id, DayText(from), DayText(to), EnumShort(v1::APPLICATION_STATE_REVERSED), DayText(from), DayText(to)}));
  std::vector<CollectionFact> out;
  for (const auto& r : rows) {
    if (!LineAllowed(product_lines, r.Int("product_line_id"))) continue;
    CollectionFact f{.application_id = r.Int("id"),
                     .invoice_id = r.Int("invoice_id"),
                     .customer_id = r.Int("customer_id"),
                     .product_line_id = r.Int("product_line_id"),
                     .due_on = *ParseDay(r, "due_on"),
                     .collected_on = *ParseDay(r, "applied_on"),
                     .amount_minor = r.Int("commissionable_minor")};
    if (f.collected_on >= from && f.collected_on <= to) out.push_back(f);
    auto reversed_on = ParseDay(r, "reversed_on");
    if (EnumParse<v1::ApplicationState>(r.Str("state")) == v1::APPLICATION_STATE_REVERSED && reversed_on &&
        *reversed_on >= from && *reversed_on <= to) {
      f.reversed = true;
      out.push_back(f);
    }
  }
  return out;
}

absl::StatusOr<std::vector<CollectionFact>> CommissionStore::UnitCollections(
    db::Transaction& tx, const std::vector<int64_t>& units, absl::CivilDay from, absl::CivilDay to,
    const std::vector<int64_t>& product_lines) {
  std::vector<CollectionFact> out;
  if (units.empty()) return out;
  db::InListSql in = db::InList(units);
  db::Params params = in.params;
  params.insert(params.end(), {EnumShort(v1::APPLICATION_STATE_ACTIVE), DayText(from), DayText(to)});
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT pa.id, COALESCE(pa.invoice_id, 0) AS invoice_id, pa.customer_id, "
                                       "pal.product_line_id, pa.due_on, "
                                       "pa.applied_on, pal.commissionable_minor FROM payment_applications pa "
                                       "JOIN payment_application_lines pal ON pal.application_id = pa.id "
                                       "WHERE pa.org_unit_id IN (",
                                       in.marks,
                                       ") AND pal.commissionable_minor > 0 "
                                       "AND pa.state = ? AND pa.applied_on BETWEEN ? AND ? ORDER BY pa.id"),
                          params));
  for (const auto& r : rows) {
    if (!LineAllowed(product_lines, r.Int("product_line_id"))) continue;
    out.push_back(CollectionFact{.application_id = r.Int("id"),
                                 .invoice_id = r.Int("invoice_id"),
                                 .customer_id = r.Int("customer_id"),
                                 .product_line_id = r.Int("product_line_id"),
                                 .due_on = *ParseDay(r, "due_on"),
                                 .collected_on = *ParseDay(r, "applied_on"),
                                 .amount_minor = r.Int("commissionable_minor")});
  }
  return out;
}

absl::StatusOr<std::vector<CreditFact>> CommissionStore::Credits(db::Transaction& tx, int64_t rep_id,
                                                                 absl::CivilDay from, absl::CivilDay to,
                                                                 const std::vector<int64_t>& product_lines) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          "SELECT cm.id, cm.invoice_id, cm.customer_id, cm.source, ml.product_line_id, "
          "SUM(ml.gross_minor) AS gross_minor, "
          "cm.memo_date FROM credit_memos cm JOIN memo_lines ml ON ml.memo_kind = 'CM' AND ml.memo_id = cm.id "
          "WHERE cm.rep_id = ? AND cm.state IN (?, ?) AND cm.memo_date BETWEEN ? AND ? "
          "AND ml.commissionable = 1 AND cm.invoice_id <> 0 "
          "GROUP BY cm.id, cm.invoice_id, cm.customer_id, cm.source, ml.product_line_id, cm.memo_date "
          "ORDER BY cm.id, ml.product_line_id",
          {rep_id, EnumShort(v1::MEMO_STATE_ISSUED), EnumShort(v1::MEMO_STATE_SETTLED), DayText(from), DayText(to)}));
  std::vector<CreditFact> out;
  std::map<int64_t, int64_t> room;  // memo → commission still reversible
  for (const auto& r : rows) {
    if (!LineAllowed(product_lines, r.Int("product_line_id"))) continue;
    int64_t memo = r.Int("id");
    if (!room.count(memo)) {
      // Only what had been collected earned commission: a memo crediting an
      // unpaid balance (e.g. a cancellation) takes nothing back.
      SALES_ASSIGN_OR_RETURN(
          auto paid, tx.Query("SELECT COALESCE(SUM(pal.commissionable_minor), 0) AS commissionable_minor "
                              "FROM payment_applications pa "
                              "JOIN payment_application_lines pal ON pal.application_id = pa.id "
                              "WHERE pa.invoice_id = ? AND pa.state = ? AND pa.applied_on <= ?",
                              {r.Int("invoice_id"), EnumShort(v1::APPLICATION_STATE_ACTIVE), r.Str("memo_date")}));
      room[memo] = paid[0].Int("commissionable_minor");
    }
    int64_t amount = std::min(r.Int("gross_minor"), room[memo]);
    if (amount <= 0) continue;
    room[memo] -= amount;
    out.push_back(
        CreditFact{.credit_memo_id = memo,
                   .invoice_id = r.Int("invoice_id"),
                   .customer_id = r.Int("customer_id"),
                   .product_line_id = r.Int("product_line_id"),
                   .is_return = EnumParse<v1::CreditMemoSource>(r.Str("source")) == v1::CREDIT_MEMO_SOURCE_RETURN,
                   .amount_minor = amount,
                   .credit_bp = 10000});
  }
  return out;
}

absl::StatusOr<std::vector<DeductionFact>> CommissionStore::Deductions(db::Transaction& tx, int64_t rep_id,
                                                                       absl::CivilDay as_of, int late_months) {
  std::map<int64_t, DeductionFact> by_invoice;
  SALES_ASSIGN_OR_RETURN(
      auto inv, tx.Query("SELECT i.id, i.customer_id, i.balance_minor, i.gross_total_minor, i.due_on, "
                         "(SELECT COALESCE(SUM(il.gross_minor), 0) FROM invoice_lines il WHERE il.invoice_id = i.id "
                         "AND il.commissionable = 1) AS commissionable_gross_minor FROM invoices i WHERE i.rep_id = ? "
                         "AND i.state IN ('ISSUED', 'PARTIALLY_PAID') "
                         "AND i.balance_minor > 0 AND i.due_on < ? ORDER BY i.id",
                         {rep_id, DayText(as_of)}));
  for (const auto& r : inv) {
    absl::CivilDay due = *ParseDay(r, "due_on");
    if (as_of <= AddMonths(due, late_months)) continue;
    int64_t gross = r.Int("gross_total_minor");
    int64_t commissionable = r.Int("commissionable_gross_minor");
    if (gross <= 0 || commissionable <= 0) continue;
    // The commissionable share of what is still unpaid (rounded down: the
    // rep is never held for more than the share).
    int64_t outstanding = static_cast<int64_t>(absl::int128(r.Int("balance_minor")) * commissionable / gross);
    by_invoice[r.Int("id")] =
        DeductionFact{.invoice_id = r.Int("id"), .customer_id = r.Int("customer_id"), .outstanding_minor = outstanding};
  }
  SALES_ASSIGN_OR_RETURN(auto held,
                         tx.Query("SELECT id, invoice_id, customer_id, deducted_minor - returned_minor AS held_minor "
                                  "FROM commission_deductions WHERE rep_id = ? AND state = ?",
                                  {rep_id, EnumShort(v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING)}));
  for (const auto& r : held) {
    DeductionFact& f = by_invoice[r.Int("invoice_id")];  // absent: collected or credited since → outstanding 0
    f.deduction_id = r.Int("id");
    f.invoice_id = r.Int("invoice_id");
    f.customer_id = r.Int("customer_id");
    f.held_minor = r.Int("held_minor");
  }
  std::vector<DeductionFact> out;
  for (auto& [id, f] : by_invoice) out.push_back(f);
  return out;
}

absl::StatusOr<std::vector<int64_t>> CommissionStore::ActiveReps(db::Transaction& tx, absl::CivilDay from,
                                                                 absl::CivilDay to) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT rep_id FROM payment_applications WHERE (applied_on BETWEEN ? AND ?) OR "
               "(state = ? AND reversed_on BETWEEN ? AND ?) "
               "UNION SELECT rep_id FROM credit_memos WHERE state IN (?, ?) AND memo_date BETWEEN ? AND ? "
               "UNION SELECT rep_id FROM commission_deductions WHERE state = ? "
               "UNION SELECT rep_id FROM invoices WHERE state IN ('ISSUED', 'PARTIALLY_PAID') "
               "AND balance_minor > 0 AND due_on < ? "
               "UNION SELECT rep_id FROM commission_holdback_releases WHERE release_month = ?",
               {DayText(from), DayText(to), EnumShort(v1::APPLICATION_STATE_REVERSED), DayText(from), DayText(to),
                EnumShort(v1::MEMO_STATE_ISSUED), EnumShort(v1::MEMO_STATE_SETTLED), DayText(from), DayText(to),
                EnumShort(v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING), DayText(to), DayText(from)}));
  std::set<int64_t> reps;
  for (const auto& r : rows) {
    if (r.Int("rep_id") != 0) reps.insert(r.Int("rep_id"));
  }
  return std::vector<int64_t>(reps.begin(), reps.end());
}

absl::StatusOr<int64_t> CommissionStore::RepUnit(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT org_unit_id FROM reps_replica WHERE id = ?", {rep_id}));
  if (!rows.empty() && rows[0].Int("org_unit_id") != 0) return rows[0].Int("org_unit_id");
  // Not in the org copy (targets' feed not followed yet): the unit of the
  // rep's latest document or collection.
  SALES_ASSIGN_OR_RETURN(
      auto inv, tx.Query("SELECT org_unit_id FROM invoices WHERE rep_id = ? ORDER BY id DESC LIMIT 1", {rep_id}));
  if (!inv.empty()) return inv[0].Int("org_unit_id");
  SALES_ASSIGN_OR_RETURN(auto app, tx.Query("SELECT org_unit_id FROM payment_applications WHERE rep_id = ? "
                                            "ORDER BY id DESC LIMIT 1",
                                            {rep_id}));
  return app.empty() ? int64_t{0} : app[0].Int("org_unit_id");
}

absl::StatusOr<std::vector<int64_t>> CommissionStore::RepsOfUnits(db::Transaction& tx,
                                                                  const std::vector<int64_t>& units) {
  std::vector<int64_t> out;
  if (units.empty()) return out;
  db::Params p;
  std::string in = db::AppendInList(units, p);
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT id FROM reps_replica WHERE org_unit_id IN (", in, ")"), p));
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::Status CommissionStore::UndoDeductionMoves(db::Transaction& tx, int64_t statement_id, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto moves, tx.Query("SELECT deduction_id, deducted_minor, returned_minor FROM "
                                              "commission_deduction_moves WHERE statement_id = ?",
                                              {statement_id}));
  for (const auto& m : moves) {
    SALES_RETURN_IF_ERROR(
        tx.Exec("UPDATE commission_deductions SET deducted_minor = deducted_minor - ?, "
                "returned_minor = returned_minor - ?, state = ?, returned_month = NULL, "
                "updated_at = ? WHERE id = ?",
                {m.Int("deducted_minor"), m.Int("returned_minor"),
                 EnumShort(v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING), FormatDbTime(now), m.Int("deduction_id")})
            .status());
  }
  return tx.Exec("DELETE FROM commission_deduction_moves WHERE statement_id = ?", {statement_id}).status();
}

absl::Status CommissionStore::ApplyDeductionChanges(db::Transaction& tx, int64_t statement_id, int64_t rep_id,
                                                    absl::CivilDay month, const std::vector<DeductionChange>& changes,
                                                    absl::Time now) {
  for (const auto& c : changes) {
    int64_t id = c.deduction_id;
    if (id == 0) {
      SALES_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO commission_deductions (rep_id, invoice_id, customer_id, amount_minor, state, "
                  "started_month, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                  "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), state = VALUES(state), "
                  "updated_at = VALUES(updated_at)",
                  {rep_id, c.invoice_id, c.customer_id, c.outstanding_minor,
                   EnumShort(v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING), DayText(month), FormatDbTime(now)})
              .status());
      SALES_ASSIGN_OR_RETURN(id, tx.LastInsertId());
    }
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE commission_deductions SET deducted_minor = deducted_minor + ?, "
                                  "returned_minor = returned_minor + ?, updated_at = ? WHERE id = ?",
                                  {c.deducted_minor, c.returned_minor, FormatDbTime(now), id})
                              .status());
    if (c.outstanding_minor == 0) {
      // Collected (or credited): once everything held is back, it is done.
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE commission_deductions SET state = ?, returned_month = ? "
                                    "WHERE id = ? AND deducted_minor = returned_minor",
                                    {EnumShort(v1::COMMISSION_DEDUCTION_STATE_RETURNED), DayText(month), id})
                                .status());
    }
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO commission_deduction_moves (statement_id, deduction_id, deducted_minor, "
                                  "returned_minor) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                                  "deducted_minor = deducted_minor + VALUES(deducted_minor), "
                                  "returned_minor = returned_minor + VALUES(returned_minor)",
                                  {statement_id, id, c.deducted_minor, c.returned_minor})
                              .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DeductionRecord>> CommissionStore::ListDeductions(db::Transaction& tx, int64_t rep_id,
                                                                             v1::CommissionDeductionState state,
                                                                             const std::vector<int64_t>& reps_in_scope,
                                                                             bool scoped, int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kDeductionColumns, " FROM commission_deductions WHERE id > ?");
  db::Params params{after_id};
  if (rep_id != 0) {
    sql += " AND rep_id = ?";
    params.push_back(rep_id);
  }
  if (scoped) {
    if (reps_in_scope.empty()) return std::vector<DeductionRecord>{};
    sql += absl::StrCat(" AND rep_id IN (", db::AppendInList(reps_in_scope, params), ")");
  }
  if (state != v1::COMMISSION_DEDUCTION_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.push_back(EnumShort(state));
  }
  sql += " ORDER BY id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<DeductionRecord> out;
  for (const auto& r : rows) out.push_back(DeductionFromRow(r));
  return out;
}

absl::StatusOr<int64_t> CommissionStore::HeldBackInYear(db::Transaction& tx, int64_t rep_id, int year) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT COALESCE(SUM(held_back_minor), 0) AS held_back_minor "
                          "FROM commission_statements "
                          "WHERE rep_id = ? AND month BETWEEN ? AND ? AND state IN ('APPROVED', 'PAID')",
                          {rep_id, DayText(absl::CivilDay(year, 1, 1)), DayText(absl::CivilDay(year, 12, 31))}));
  return rows[0].Int("held_back_minor");
}

absl::StatusOr<bool> CommissionStore::HoldbackReleased(db::Transaction& tx, int64_t rep_id, int year) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS releases FROM commission_holdback_releases "
                                             "WHERE year = ? AND "
                                             "rep_id = ?",
                                             {int64_t{year}, rep_id}));
  return rows[0].Int("releases") > 0;
}

absl::Status CommissionStore::InsertHoldbackRelease(db::Transaction& tx, int year, int64_t rep_id, absl::CivilDay month,
                                                    int64_t amount, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO commission_holdback_releases (year, rep_id, release_month, amount_minor, created_at) "
          "VALUES (?, ?, ?, ?, ?)",
          {int64_t{year}, rep_id, DayText(month), amount, FormatDbTime(now)})
      .status();
}

absl::StatusOr<int64_t> CommissionStore::HoldbackReleaseFor(db::Transaction& tx, int64_t rep_id, absl::CivilDay month) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COALESCE(SUM(amount_minor), 0) AS amount_minor "
                                             "FROM commission_holdback_releases "
                                             "WHERE rep_id = ? AND release_month = ?",
                                             {rep_id, DayText(month)}));
  return rows[0].Int("amount_minor");
}

absl::StatusOr<std::vector<int64_t>> CommissionStore::RepsWithStatements(db::Transaction& tx, int year) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT DISTINCT rep_id FROM commission_statements WHERE month BETWEEN ? "
                                  "AND ? AND state IN ('APPROVED', 'PAID') ORDER BY rep_id",
                                  {DayText(absl::CivilDay(year, 1, 1)), DayText(absl::CivilDay(year, 12, 31))}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("rep_id"));
  return out;
}

v1::CommissionDeduction DeductionToProto(const DeductionRecord& d, const std::string& currency) {
  v1::CommissionDeduction p;
  p.set_id(d.id);
  p.set_rep_id(d.rep_id);
  p.set_invoice_id(d.invoice_id);
  p.set_customer_id(d.customer_id);
  *p.mutable_amount() = MakeMoney(d.amount_minor, currency);
  *p.mutable_deducted() = MakeMoney(d.deducted_minor, currency);
  *p.mutable_returned() = MakeMoney(d.returned_minor, currency);
  p.set_state(d.state);
  *p.mutable_started_month() = FromCivilDay(d.started_month);
  if (d.returned_month) *p.mutable_returned_month() = FromCivilDay(*d.returned_month);
  return p;
}

}  // namespace sales::finance
