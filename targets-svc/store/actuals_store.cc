#include "targets-svc/store/actuals_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/decomposition_source.h"
#include "targets-svc/store/progress_store.h"

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

// An import row as an IMPORTED entry, dated the first day of its month, so
// that history is traced like live actuals. Progress reads imported figures
// from the monthly cells only: the sums below leave these entries out.
constexpr char kInsertImportedEntry[] =
    "INSERT INTO actual_entries (source_ref, kind, business_date, rep_id, org_unit_id, product_line_id, "
    "sales_amount, collected_amount, gross_profit, quantity, new_customers, created_at) "
    "VALUES (?, 'IMPORTED', ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
constexpr char kDeleteImportedEntry[] = "DELETE FROM actual_entries WHERE source_ref = ? AND kind = 'IMPORTED'";

constexpr char kSelectCells[] =
    "SELECT fiscal_year, fiscal_month, rep_id, org_unit_id, product_line_id, sales_amount, collected_amount, "
    "gross_profit, quantity, new_customers, booked_amount, returned_amount FROM actual_cells "
    "WHERE (fiscal_year * 100 + fiscal_month) BETWEEN ? AND ?";
constexpr char kCellsAfter[] =
    " AND (fiscal_year, fiscal_month, org_unit_id, rep_id, product_line_id) > (?, ?, ?, ?, ?)";
constexpr char kCellsOrder[] = " ORDER BY fiscal_year, fiscal_month, org_unit_id, rep_id, product_line_id LIMIT ?";

constexpr char kSelectEntries[] =
    "SELECT id, kind, business_date, rep_id, org_unit_id, product_line_id, customer_id, sales_amount, "
    "collected_amount, gross_profit, quantity, new_customers, booked_amount, source_ref, order_id, shipment_id, "
    "payment_id, invoice_id, created_at FROM actual_entries WHERE id > ?";

absl::Status InsertImportedEntry(db::Transaction& tx, const v1::HistoricalActualRow& r,
                                 const std::array<int64_t, 7>& v) {
  auto inserted =
      tx.Exec(kInsertImportedEntry, {r.row_key(), Day(absl::CivilDay(r.fiscal_year(), r.fiscal_month(), 1)), r.rep_id(),
                                     r.org_unit_id(), r.product_line_id(), v[0], v[1], v[2], v[3], v[4]});
  if (absl::IsAlreadyExists(inserted.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("row_key '", r.row_key(),
                                                               "' is the source ref of a live actual entry; "
                                                               "choose another key")),
                         "ROW_KEY_EXISTS", kTargetsDomain, {{"row_key", r.row_key()}});
  }
  return inserted.status();
}

// A LIKE pattern matching `prefix` literally followed by anything; '!'
// escapes (set with ESCAPE, whatever the server's sql_mode).
std::string LiteralPrefixPattern(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '!' || c == '%' || c == '_') out.push_back('!');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

v1::ActualCell CellFromRow(const db::Row& r, v1::SalesRecognition recognition, const std::string& currency) {
  v1::ActualCell c;
  c.set_rep_id(r.Int("rep_id"));
  c.set_org_unit_id(r.Int("org_unit_id"));
  c.set_product_line_id(r.Int("product_line_id"));
  c.set_fiscal_year(static_cast<int32_t>(r.Int("fiscal_year")));
  c.set_fiscal_month(static_cast<int32_t>(r.Int("fiscal_month")));
  bool on_booking = recognition == v1::SALES_RECOGNITION_ON_BOOKING;
  *c.mutable_sales_amount() = MakeMoney(r.Int(on_booking ? "booked_amount" : "sales_amount"), currency);
  *c.mutable_collected_amount() = MakeMoney(r.Int("collected_amount"), currency);
  *c.mutable_gross_profit() = MakeMoney(r.Int("gross_profit"), currency);
  c.set_quantity(r.Int("quantity"));
  c.set_new_customers(r.Int("new_customers"));
  *c.mutable_booked_amount() = MakeMoney(r.Int("booked_amount"), currency);
  *c.mutable_returned_amount() = MakeMoney(r.Int("returned_amount"), currency);
  return c;
}

v1::ActualEntry EntryFromRow(const db::Row& r, const std::string& currency) {
  v1::ActualEntry e;
  e.set_id(r.Int("id"));
  e.set_kind(EnumParse<v1::ActualEntryKind>(r.Str("kind")));
  e.set_rep_id(r.Int("rep_id"));
  e.set_org_unit_id(r.Int("org_unit_id"));
  e.set_product_line_id(r.Int("product_line_id"));
  e.set_customer_id(r.Int("customer_id"));
  *e.mutable_business_date() = ParseDbDate(r.Str("business_date"));
  *e.mutable_booked_amount() = MakeMoney(r.Int("booked_amount"), currency);
  // The sales column holds shipped value net of returns (and imported sales).
  *e.mutable_shipped_amount() = MakeMoney(r.Int("sales_amount"), currency);
  *e.mutable_collected_amount() = MakeMoney(r.Int("collected_amount"), currency);
  *e.mutable_gross_profit() = MakeMoney(r.Int("gross_profit"), currency);
  e.set_quantity(r.Int("quantity"));
  e.set_new_customers(r.Int("new_customers"));
  e.set_source_service(SourceServiceOf(e.kind()));
  e.set_source_ref(r.Str("source_ref"));
  e.set_order_id(r.Int("order_id"));
  e.set_shipment_id(r.Int("shipment_id"));
  e.set_payment_id(r.Int("payment_id"));
  e.set_invoice_id(r.Int("invoice_id"));
  *e.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return e;
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
      SALES_RETURN_IF_ERROR(tx.Exec(kDeleteImportedEntry, {r.row_key()}).status());
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
    SALES_RETURN_IF_ERROR(InsertImportedEntry(tx, r, now_v));
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
      "order_id, shipment_id, payment_id, invoice_id, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {d.source_ref, EnumShort(d.kind), Day(d.business_date), d.rep_id, unit, d.product_line_id, d.customer_id,
       d.sales_amount, d.collected_amount, d.gross_profit, d.quantity, d.new_customers, d.booked_amount,
       d.returned_amount, d.order_id, d.shipment_id, d.payment_id, d.invoice_id, FormatDbTime(now)});
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
                                   "), 0) AS total FROM actual_entries WHERE kind <> 'IMPORTED' AND "
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
                                   "), 0) AS total FROM actual_entries WHERE kind <> 'IMPORTED' AND "
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

absl::StatusOr<std::vector<v1::ActualCell>> ActualsStore::ListCells(db::Transaction& tx, const ActualCellFilter& filter,
                                                                    const ActualCellKey* after,
                                                                    v1::SalesRecognition recognition,
                                                                    const std::string& currency, int limit) {
  std::string sql = kSelectCells;
  db::Params params = {static_cast<int64_t>(filter.first_month), static_cast<int64_t>(filter.last_month)};
  AppendRecordScopeSql(filter.scope, &sql, &params);
  if (filter.product_line_id != 0) {
    sql += " AND product_line_id = ?";
    params.push_back(filter.product_line_id);
  }
  if (after != nullptr) {
    sql += kCellsAfter;
    params.insert(params.end(), {static_cast<int64_t>(after->fiscal_year), static_cast<int64_t>(after->fiscal_month),
                                 after->org_unit_id, after->rep_id, after->product_line_id});
  }
  sql += kCellsOrder;
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::ActualCell> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(CellFromRow(r, recognition, currency));
  return out;
}

absl::StatusOr<std::vector<v1::ActualEntry>> ActualsStore::ListEntries(db::Transaction& tx,
                                                                       const ActualEntryFilter& filter,
                                                                       int64_t after_id, const std::string& currency,
                                                                       int limit) {
  std::string sql = kSelectEntries;
  db::Params params = {after_id};
  AppendRecordScopeSql(filter.scope, &sql, &params);
  for (auto [column, value] : {std::pair{" AND product_line_id = ?", filter.product_line_id},
                               {" AND customer_id = ?", filter.customer_id},
                               {" AND order_id = ?", filter.order_id}}) {
    if (value == 0) continue;
    sql += column;
    params.push_back(value);
  }
  if (filter.kind != v1::ACTUAL_ENTRY_KIND_UNSPECIFIED) {
    sql += " AND kind = ?";
    params.push_back(EnumShort(filter.kind));
  }
  if (filter.dates.has_start()) {
    sql += " AND business_date >= ?";
    params.push_back(FormatDbDate(filter.dates.start()));
  }
  if (filter.dates.has_end()) {
    sql += " AND business_date <= ?";
    params.push_back(FormatDbDate(filter.dates.end()));
  }
  if (!filter.source_ref.empty()) {
    sql += " AND (source_ref = ? OR source_ref LIKE ? ESCAPE '!')";
    params.push_back(filter.source_ref);
    params.push_back(LiteralPrefixPattern(filter.source_ref + "/"));
  }
  sql += " ORDER BY id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::ActualEntry> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(EntryFromRow(r, currency));
  return out;
}

}  // namespace sales::targets
