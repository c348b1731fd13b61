#include "orders-svc/store/report_store.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::CivilDay Day(const std::string& s) { return ToCivilDay(ParseDbDate(s)); }
std::string Db(absl::CivilDay d) { return FormatDbDate(FromCivilDay(d)); }

}  // namespace

absl::StatusOr<std::vector<ReportLine>> ReportStore::Lines(db::Transaction& tx, absl::CivilDay from,
                                                           absl::CivilDay to) {
  std::vector<ReportLine> out;
  // Booked: confirmed order lines by confirmation date; an order cancelled
  // after confirmation no longer counts.
  SALES_ASSIGN_OR_RETURN(
      auto booked,
      tx.Query("SELECT o.id, o.confirm_date, o.credited_rep_id, o.credited_org_unit_id, o.customer_id, "
               "o.customer_name, o.customer_type, l.product_line_id, l.net_amount_minor, l.cost_amount_minor, "
               "l.quantity, o.currency FROM sales_orders o JOIN order_lines l ON l.order_id = o.id "
               "WHERE o.confirm_date BETWEEN ? AND ? AND o.status IN "
               "('CONFIRMED','PARTIALLY_SHIPPED','SHIPPED','DELIVERED','CLOSED')",
               {Db(from), Db(to)}));
  for (const auto& r : booked) {
    ReportLine l;
    l.kind = 0;
    l.order_id = r.Int("id");
    l.day = Day(r.Str("confirm_date"));
    l.rep_id = r.Int("credited_rep_id");
    l.org_unit_id = r.Int("credited_org_unit_id");
    l.customer_id = r.Int("customer_id");
    l.customer_name = r.Str("customer_name");
    l.customer_type = r.Str("customer_type");
    l.product_line_id = r.Int("product_line_id");
    l.amount = r.Int("net_amount_minor");
    l.cost = r.Int("cost_amount_minor");
    l.quantity = r.Int("quantity");
    l.currency = r.Str("currency");
    out.push_back(std::move(l));
  }
  SALES_ASSIGN_OR_RETURN(
      auto shipped,
      tx.Query("SELECT s.kind, s.ship_date, s.order_id, s.credited_rep_id, s.credited_org_unit_id, s.customer_id, "
               "o.customer_name, o.customer_type, l.product_line_id, l.net_amount_minor, l.cost_amount_minor, "
               "l.quantity, s.currency FROM shipments s JOIN shipment_lines l ON l.shipment_id = s.id "
               "JOIN sales_orders o ON o.id = s.order_id WHERE s.ship_date BETWEEN ? AND ?",
               {Db(from), Db(to)}));
  for (const auto& r : shipped) {
    ReportLine l;
    l.kind = r.Str("kind") == "RETURN" ? 2 : 1;
    l.day = Day(r.Str("ship_date"));
    l.order_id = r.Int("order_id");
    l.rep_id = r.Int("credited_rep_id");
    l.org_unit_id = r.Int("credited_org_unit_id");
    l.customer_id = r.Int("customer_id");
    l.customer_name = r.Str("customer_name");
    l.customer_type = r.Str("customer_type");
    l.product_line_id = r.Int("product_line_id");
    l.amount = std::abs(r.Int("net_amount_minor"));
    l.cost = std::abs(r.Int("cost_amount_minor"));
    l.quantity = std::abs(r.Int("quantity"));
    l.currency = r.Str("currency");
    out.push_back(std::move(l));
  }
  return out;
}

absl::StatusOr<std::vector<OrderProgressRow>> ReportStore::Orders(db::Transaction& tx,
                                                                  const std::vector<std::string>& statuses,
                                                                  int64_t customer_id) {
  if (statuses.empty()) return std::vector<OrderProgressRow>{};
  auto in_list = db::InList(statuses);
  const std::string& in = in_list.marks;
  db::Params p = in_list.params;
  std::string sql = absl::StrCat(
      "SELECT o.id, o.order_number, o.customer_id, o.customer_name, "
      "IF(o.credited_rep_id = 0, o.taking_rep_id, o.credited_rep_id) AS rep_id, "
      "IF(o.credited_rep_id = 0, o.taking_org_unit_id, o.credited_org_unit_id) AS org_unit_id, o.status, "
      "o.order_date, o.requested_delivery_date, o.confirm_date, o.ship_due_date, "
      "(SELECT MIN(s.ship_date) FROM shipments s WHERE s.order_id = o.id AND s.kind = 'OUTBOUND') "
      "AS first_ship_date, o.late, o.total_minor, "
      "(SELECT COALESCE(SUM(GREATEST(l.quantity - l.shipped_quantity, 0) * l.unit_price_minor), 0) "
      " FROM order_lines l WHERE l.order_id = o.id AND l.quantity > 0) AS unshipped_minor, "
      "(SELECT COALESCE(SUM((l.shipped_quantity - l.delivered_quantity) * l.unit_price_minor), 0) "
      " FROM order_lines l WHERE l.order_id = o.id) AS undelivered_minor, o.currency "
      "FROM sales_orders o WHERE o.status IN (",
      in, ")");
  if (customer_id) {
    sql += " AND o.customer_id = ?";
    p.push_back(customer_id);
  }
  sql += " ORDER BY o.order_date, o.id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<OrderProgressRow> out;
  for (const auto& r : rows) {
    OrderProgressRow o;
    o.order_id = r.Int("id");
    o.order_number = r.Str("order_number");
    o.customer_id = r.Int("customer_id");
    o.customer_name = r.Str("customer_name");
    o.rep_id = r.Int("rep_id");
    o.org_unit_id = r.Int("org_unit_id");
    o.status = r.Str("status");
    o.order_date = r.Str("order_date");
    o.requested_delivery_date = r.Str("requested_delivery_date");
    o.confirm_date = r.Str("confirm_date");
    o.ship_due_date = r.Str("ship_due_date");
    o.first_ship_date = r.Str("first_ship_date");
    o.late = r.Int("late") != 0;
    o.total = r.Int("total_minor");
    o.unshipped = r.Int("unshipped_minor");
    o.undelivered = r.Int("undelivered_minor");
    o.currency = r.Str("currency");
    out.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReportStore::ChildUnits(db::Transaction& tx, int64_t parent_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units_replica WHERE parent_id = ? AND id <> ? "
                                             "ORDER BY id",
                                             {parent_id, parent_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<int64_t> ReportStore::RootUnit(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id FROM org_units_replica WHERE parent_id = 0 ORDER BY id LIMIT 1"));
  return rows.empty() ? int64_t{0} : rows[0].Int("id");
}

}  // namespace sales::orders
