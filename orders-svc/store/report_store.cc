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
    l.order_id = r.Int(0);
    l.day = Day(r.Str(1));
    l.rep_id = r.Int(2);
    l.org_unit_id = r.Int(3);
    l.customer_id = r.Int(4);
    l.customer_name = r.Str(5);
    l.customer_type = r.Str(6);
    l.product_line_id = r.Int(7);
    l.amount = r.Int(8);
    l.cost = r.Int(9);
    l.quantity = r.Int(10);
    l.currency = r.Str(11);
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
    l.kind = r.Str(0) == "RETURN" ? 2 : 1;
    l.day = Day(r.Str(1));
    l.order_id = r.Int(2);
    l.rep_id = r.Int(3);
    l.org_unit_id = r.Int(4);
    l.customer_id = r.Int(5);
    l.customer_name = r.Str(6);
    l.customer_type = r.Str(7);
    l.product_line_id = r.Int(8);
    l.amount = std::abs(r.Int(9));
    l.cost = std::abs(r.Int(10));
    l.quantity = std::abs(r.Int(11));
    l.currency = r.Str(12);
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
      "IF(o.credited_rep_id = 0, o.taking_rep_id, o.credited_rep_id), "
      "IF(o.credited_rep_id = 0, o.taking_org_unit_id, o.credited_org_unit_id), o.status, o.order_date, "
      "o.requested_delivery_date, o.confirm_date, o.ship_due_date, "
      "(SELECT MIN(s.ship_date) FROM shipments s WHERE s.order_id = o.id AND s.kind = 'OUTBOUND'), o.late, "
      "o.total_minor, "
      "(SELECT COALESCE(SUM(GREATEST(l.quantity - l.shipped_quantity, 0) * l.unit_price_minor), 0) "
      " FROM order_lines l WHERE l.order_id = o.id AND l.quantity > 0), "
      "(SELECT COALESCE(SUM((l.shipped_quantity - l.delivered_quantity) * l.unit_price_minor), 0) "
      " FROM order_lines l WHERE l.order_id = o.id), o.currency "
      "FROM sales_orders o WHERE o.status IN (", in, ")");
  if (customer_id) {
    sql += " AND o.customer_id = ?";
    p.push_back(customer_id);
  }
  sql += " ORDER BY o.order_date, o.id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<OrderProgressRow> out;
  for (const auto& r : rows) {
    OrderProgressRow o;
    o.order_id = r.Int(0);
    o.order_number = r.Str(1);
    o.customer_id = r.Int(2);
    o.customer_name = r.Str(3);
    o.rep_id = r.Int(4);
    o.org_unit_id = r.Int(5);
    o.status = r.Str(6);
    o.order_date = r.Str(7);
    o.requested_delivery_date = r.Str(8);
    o.confirm_date = r.Str(9);
    o.ship_due_date = r.Str(10);
    o.first_ship_date = r.Str(11);
    o.late = r.Int(12) != 0;
    o.total = r.Int(13);
    o.unshipped = r.Int(14);
    o.undelivered = r.Int(15);
    o.currency = r.Str(16);
    out.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReportStore::ChildUnits(db::Transaction& tx, int64_t parent_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units_replica WHERE parent_id = ? AND id <> ? "
                                             "ORDER BY id",
                                             {parent_id, parent_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int(0));
  return out;
}

absl::StatusOr<int64_t> ReportStore::RootUnit(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units_replica WHERE parent_id = 0 ORDER BY id LIMIT 1"));
  return rows.empty() ? int64_t{0} : rows[0].Int(0);
}

}  // namespace sales::orders
