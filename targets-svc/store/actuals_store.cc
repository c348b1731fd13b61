#include "targets-svc/store/actuals_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets {
namespace {

std::string Day(absl::CivilDay d) { return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day()); }

absl::Status AddToCell(db::Transaction& tx, int32_t year, int32_t month, int64_t rep, int64_t unit, int64_t line,
                       const std::array<int64_t, 7>& v) {
  return tx
      .Exec(
          "INSERT INTO actual_cells (fiscal_year, fiscal_month, rep_id, org_unit_id, product_line_id, "
          "sales_amount, collected_amount, gross_profit, quantity, new_customers, booked_amount, "
          "returned_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "sales_amount = sales_amount + VALUES(sales_amount), "
          "collected_amount = collected_amount + VALUES(collected_amount), "
          "gross_profit = gross_profit + VALUES(gross_profit), quantity = quantity + VALUES(quantity), "
          "new_customers = new_customers + VALUES(new_customers), "
          "booked_amount = booked_amount + VALUES(booked_amount), "
          "returned_amount = returned_amount + VALUES(returned_amount)",
          {static_cast<int64_t>(year), static_cast<int64_t>(month), rep, unit, line, v[0], v[1], v[2], v[3], v[4], v[5],
           v[6]})
      .status();
}

std::array<int64_t, 7> Figures(const v1::HistoricalActualRow& r) {
  return {r.sales_amount().minor_units(),
          r.collected_amount().minor_units(),
          r.gross_profit().minor_units(),
          r.quantity(),
          r.new_customers(),
          0,
          0};
}

const char* SumColumn(v1::Metric metric, v1::SalesRecognition recognition) {
  if (metric == v1::METRIC_SALES_AMOUNT && recognition == v1::SALES_RECOGNITION_ON_BOOKING) return "booked_amount";
  return MetricColumn(metric);
}

// WHERE fragments for a node; the column names are our constants.
void NodeFilter(const v1::TargetNode& node, const std::vector<int64_t>& units, std::string* sql, db::Params* params) {
  if (!units.empty()) {
    absl::StrAppend(sql, " AND org_unit_id IN (", db::AppendInList(units, *params), ")");
  }
  if (node.rep_id() != 0) {
    absl::StrAppend(sql, " AND rep_id = ?");
    params->push_back(node.rep_id());
  }
  if (node.product_line_id() != 0) {
    absl::StrAppend(sql, " AND product_line_id = ?");
    params->push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    absl::StrAppend(sql, " AND product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?)");
    params->push_back(EnumShort(node.portfolio_role()));
  }
}

}  // namespace

absl::StatusOr<ActualsStore::ImportCounts> ActualsStore::Import(db::Transaction& tx,
                                                                const std::vector<v1::HistoricalActualRow>& rows,
                                                                bool replace) {
  ImportCounts counts;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(
        auto existing, tx.Query("SELECT fiscal_year, fiscal_month, rep_id, org_unit_id, product_line_id, sales_amount, "
                                "collected_amount, gross_profit, quantity, new_customers FROM imported_actual_rows "
                                "WHERE row_key = ? FOR UPDATE",
                                {r.row_key()}));
    auto now_v = Figures(r);
    if (!existing.empty()) {
      const auto& e = existing[0];
      std::array<int64_t, 7> old_v = {e.Int("sales_amount"),
                                      e.Int("collected_amount"),
                                      e.Int("gross_profit"),
                                      e.Int("quantity"),
                                      e.Int("new_customers"),
                                      0,
                                      0};
      bool same_cell = e.Int("fiscal_year") == r.fiscal_year() && e.Int("fiscal_month") == r.fiscal_month() &&
                       e.Int("rep_id") == r.rep_id() && e.Int("org_unit_id") == r.org_unit_id() &&
                       e.Int("product_line_id") == r.product_line_id();
      if (same_cell && old_v == now_v) {
        ++counts.duplicates;
        continue;
      }
      if (!replace) {
        return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("row_key '", r.row_key(),
                                                                   "' was imported with other figures; set "
                                                                   "replace_existing to correct it")),
                             "ROW_KEY_EXISTS", kTargetsDomain, {{"row_key", r.row_key()}});
      }
      // Take the old figures out of their cell before putting the new ones in.
      std::array<int64_t, 7> minus;
      for (size_t i = 0; i < 7; ++i) minus[i] = -old_v[i];
      SALES_RETURN_IF_ERROR(AddToCell(tx, static_cast<int32_t>(e.Int("fiscal_year")),
                                      static_cast<int32_t>(e.Int("fiscal_month")), e.Int("rep_id"),
                                      e.Int("org_unit_id"), e.Int("product_line_id"), minus));
      SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM imported_actual_rows WHERE row_key = ?", {r.row_key()}).status());
      ++counts.replaced;
    } else {
      ++counts.inserted;
    }
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO imported_actual_rows (row_key, fiscal_year, fiscal_month, rep_id, org_unit_id, "
                "product_line_id, sales_amount, collected_amount, gross_profit, quantity, new_customers) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {r.row_key(), static_cast<int64_t>(r.fiscal_year()), static_cast<int64_t>(r.fiscal_month()), r.rep_id(),
                 r.org_unit_id(), r.product_line_id(), now_v[0], now_v[1], now_v[2], now_v[3], now_v[4]})
            .status());
    SALES_RETURN_IF_ERROR(
        AddToCell(tx, r.fiscal_year(), r.fiscal_month(), r.rep_id(), r.org_unit_id(), r.product_line_id(), now_v));
  }
  return counts;
}

absl::StatusOr<bool> ActualsStore::Apply(db::Transaction& tx, const ActualDelta& d, absl::Time now) {
  int64_t unit = d.org_unit_id;
  if (unit == 0 && d.rep_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT org_unit_id FROM reps WHERE id = ?", {d.rep_id}));
    if (!rows.empty()) unit = rows[0].Int("org_unit_id");
  }
  auto inserted = tx.Exec(
      "INSERT INTO actual_entries (source_ref, kind, business_date, rep_id, org_unit_id, product_line_id, customer_id, "
      "sales_amount, collected_amount, gross_profit, quantity, new_customers, booked_amount, returned_amount, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {d.source_ref, EnumShort(d.kind), Day(d.business_date), d.rep_id, unit, d.product_line_id, d.customer_id,
       d.sales_amount, d.collected_amount, d.gross_profit, d.quantity, d.new_customers, d.booked_amount,
       d.returned_amount, FormatDbTime(now)});
  if (absl::IsAlreadyExists(inserted.status())) return false;
  SALES_RETURN_IF_ERROR(inserted.status());
  SALES_RETURN_IF_ERROR(AddToCell(tx, static_cast<int32_t>(d.business_date.year()), d.business_date.month(), d.rep_id,
                                  unit, d.product_line_id,
                                  {d.sales_amount, d.collected_amount, d.gross_profit, d.quantity, d.new_customers,
                                   d.booked_amount, d.returned_amount}));
  return true;
}

absl::StatusOr<int64_t> ActualsStore::Sum(db::Transaction& tx, v1::Metric metric, v1::SalesRecognition recognition,
                                          const v1::TargetNode& node, const std::vector<int64_t>& units,
                                          absl::CivilDay from, absl::CivilDay to) {
  if (to < from) return int64_t{0};
  const char* col = SumColumn(metric, recognition);
  int64_t total = 0;
  if (node.customer_id() != 0) {
    // Monthly cells carry no customer: an outlet's actual comes from the
    // dated entries alone.
    std::string sql = absl::StrCat("SELECT COALESCE(SUM(", col,
                                   "), 0) AS total FROM actual_entries WHERE "
                                   "business_date BETWEEN ? AND ? AND customer_id = ?");
    db::Params params = {Day(from), Day(to), node.customer_id()};
    NodeFilter(node, units, &sql, &params);
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    return rows[0].Int("total");
  }
  // Whole months inside [from, to] from the cells.
  absl::CivilMonth first(from);
  if (from != absl::CivilDay(first)) first += 1;
  absl::CivilMonth last(to);
  if (absl::CivilDay(last + 1) - 1 != to) last -= 1;
  if (first <= last) {
    std::string sql = absl::StrCat("SELECT COALESCE(SUM(", col, "), 0) AS total FROM actual_cells WHERE ",
                                   "(fiscal_year * 100 + fiscal_month) BETWEEN ? AND ?");
    db::Params params = {first.year() * 100 + first.month(), last.year() * 100 + last.month()};
    NodeFilter(node, units, &sql, &params);
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    total += rows[0].Int("total");
  }
  // Partly covered months at either end from the dated entries.
  auto add_entries = [&](absl::CivilDay a, absl::CivilDay b) -> absl::Status {
    if (b < a) return absl::OkStatus();
    std::string sql = absl::StrCat("SELECT COALESCE(SUM(", col,
                                   "), 0) AS total FROM actual_entries WHERE "
                                   "business_date BETWEEN ? AND ?");
    db::Params params = {Day(a), Day(b)};
    NodeFilter(node, units, &sql, &params);
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    total += rows[0].Int("total");
    return absl::OkStatus();
  };
  if (first > last) {
    SALES_RETURN_IF_ERROR(add_entries(from, to));
  } else {
    SALES_RETURN_IF_ERROR(add_entries(from, absl::CivilDay(first) - 1));
    SALES_RETURN_IF_ERROR(add_entries(absl::CivilDay(last + 1), to));
  }
  return total;
}

}  // namespace sales::targets
