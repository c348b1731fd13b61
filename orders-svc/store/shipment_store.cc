#include "orders-svc/store/shipment_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kRequisitionColumns[] =
    "SELECT id, requisition_number, order_id, planned_ship_date, ship_to_address, carrier, notes, status, "
    "status_reason, requester_user, requester_role, requester_rep, requester_unit, version, created_at, "
    "updated_at FROM shipment_requisitions ";

constexpr char kShipmentColumns[] =
    "SELECT id, shipment_number, kind, order_id, requisition_id, return_request_id, warehouse_id, customer_id, "
    "credited_rep_id, credited_org_unit_id, currency, total_minor, cost_minor, ship_date, status, delivery_date, "
    "signed_by, document_reference, delivery_remarks, recorded_user, recorded_role, recorded_rep, "
    "recorded_unit, recorded_at, posted_user, posted_role, posted_rep, posted_unit, version, created_at, "
    "updated_at FROM shipments ";

common::v1::Actor MakeActor(const std::string& user, const std::string& role, int64_t rep, int64_t unit) {
  common::v1::Actor a;
  a.set_user_id(user);
  a.set_role(role);
  a.set_rep_id(rep);
  a.set_org_unit_id(unit);
  return a;
}

RequisitionRecord RequisitionFromRow(const db::Row& r) {
  RequisitionRecord rec;
  auto& q = rec.requisition;
  q.set_id(r.Int("id"));
  q.set_requisition_number(r.Str("requisition_number"));
  q.set_order_id(r.Int("order_id"));
  *q.mutable_planned_ship_date() = ParseDbDate(r.Str("planned_ship_date"));
  q.set_ship_to_address(r.Str("ship_to_address"));
  q.set_carrier(r.Str("carrier"));
  q.set_notes(r.Str("notes"));
  q.set_status(EnumParse<v1::ShipmentRequisitionStatus>(r.Str("status")));
  q.set_status_reason(r.Str("status_reason"));
  rec.requester.user_id = r.Str("requester_user");
  rec.requester.role = r.Str("requester_role");
  rec.requester.rep_id = r.Int("requester_rep");
  rec.requester.org_unit_id = r.Int("requester_unit");
  *q.mutable_requested_by() =
      MakeActor(r.Str("requester_user"), r.Str("requester_role"), r.Int("requester_rep"), r.Int("requester_unit"));
  rec.version = r.Int("version");
  q.set_etag(MakeEtag(rec.version));
  *q.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *q.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

// The lines and the latest approval step of every requisition in `recs`:
// two statements for any number of requisitions.
absl::Status FillRequisitions(db::Transaction& tx, std::vector<RequisitionRecord>& recs) {
  if (recs.empty()) return absl::OkStatus();
  std::map<int64_t, v1::ShipmentRequisition*> by_id;
  std::vector<int64_t> ids;
  for (auto& rec : recs) {
    by_id[rec.requisition.id()] = &rec.requisition;
    ids.push_back(rec.requisition.id());
  }
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query(absl::StrCat("SELECT requisition_id, id, order_line_id, product_id, sku, "
                                                           "warehouse_id, quantity, shipped_quantity "
                                                           "FROM shipment_requisition_lines WHERE requisition_id IN (",
                                                           in, ") ORDER BY requisition_id, id"),
                                              params));
  for (const auto& r : lines) {
    auto it = by_id.find(r.Int("requisition_id"));
    if (it == by_id.end()) continue;
    auto* l = it->second->add_lines();
    l->set_id(r.Int("id"));
    l->set_order_line_id(r.Int("order_line_id"));
    l->set_product_id(r.Int("product_id"));
    l->set_sku(r.Str("sku"));
    l->set_warehouse_id(r.Int("warehouse_id"));
    l->set_quantity(r.Int("quantity"));
    l->set_shipped_quantity(r.Int("shipped_quantity"));
  }
  // Steps come by requisition then id: the last one of each is its latest.
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubjects(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, ids));
  for (auto& step : steps) {
    auto it = by_id.find(step.subject_id);
    if (it != by_id.end()) *it->second->mutable_approval() = std::move(step.step);
  }
  return absl::OkStatus();
}

ShipmentRecord ShipmentFromRow(const db::Row& r) {
  ShipmentRecord rec;
  auto& s = rec.shipment;
  const std::string cur = r.Str("currency");
  rec.currency = cur;
  s.set_id(r.Int("id"));
  s.set_shipment_number(r.Str("shipment_number"));
  s.set_kind(EnumParse<v1::ShipmentKind>(r.Str("kind")));
  s.set_order_id(r.Int("order_id"));
  s.set_shipment_requisition_id(r.Int("requisition_id"));
  s.set_return_request_id(r.Int("return_request_id"));
  s.set_warehouse_id(r.Int("warehouse_id"));
  s.set_customer_id(r.Int("customer_id"));
  s.set_credited_rep_id(r.Int("credited_rep_id"));
  rec.credited_org_unit_id = r.Int("credited_org_unit_id");
  *s.mutable_total_amount() = MakeMoney(r.Int("total_minor"), cur);
  rec.cost_minor = r.Int("cost_minor");
  *s.mutable_ship_date() = ParseDbDate(r.Str("ship_date"));
  s.set_status(EnumParse<v1::ShipmentStatus>(r.Str("status")));
  if (!r.IsNull("delivery_date")) {
    auto* d = s.mutable_delivery();
    *d->mutable_delivery_date() = ParseDbDate(r.Str("delivery_date"));
    d->set_signed_by(r.Str("signed_by"));
    d->set_document_reference(r.Str("document_reference"));
    d->set_remarks(r.Str("delivery_remarks"));
    *d->mutable_recorded_by() =
        MakeActor(r.Str("recorded_user"), r.Str("recorded_role"), r.Int("recorded_rep"), r.Int("recorded_unit"));
    if (!r.IsNull("recorded_at")) *d->mutable_record_time() = ToTimestamp(ParseDbTime(r.Str("recorded_at")));
  }
  *s.mutable_posted_by() =
      MakeActor(r.Str("posted_user"), r.Str("posted_role"), r.Int("posted_rep"), r.Int("posted_unit"));
  rec.version = r.Int("version");
  s.set_etag(MakeEtag(rec.version));
  *s.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *s.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

// The lines of every shipment in `recs`: one statement for any number of
// shipments.
absl::Status FillShipmentLines(db::Transaction& tx, std::vector<ShipmentRecord>& recs) {
  if (recs.empty()) return absl::OkStatus();
  std::map<int64_t, ShipmentRecord*> by_id;
  std::vector<int64_t> ids;
  for (auto& rec : recs) {
    by_id[rec.shipment.id()] = &rec;
    ids.push_back(rec.shipment.id());
  }
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(
      auto lines, tx.Query(absl::StrCat("SELECT shipment_id, id, order_line_id, product_id, sku, product_line_id, "
                                        "quantity, unit_price_minor, net_amount_minor, cost_amount_minor, "
                                        "item_condition, requisition_line_id FROM shipment_lines "
                                        "WHERE shipment_id IN (",
                                        in, ") ORDER BY shipment_id, id"),
                           params));
  for (const auto& r : lines) {
    auto it = by_id.find(r.Int("shipment_id"));
    if (it == by_id.end()) continue;
    ShipmentRecord& rec = *it->second;
    auto* l = rec.shipment.add_lines();
    l->set_id(r.Int("id"));
    l->set_order_line_id(r.Int("order_line_id"));
    l->set_product_id(r.Int("product_id"));
    l->set_sku(r.Str("sku"));
    l->set_product_line_id(r.Int("product_line_id"));
    l->set_quantity(r.Int("quantity"));
    *l->mutable_unit_price() = MakeMoney(r.Int("unit_price_minor"), rec.currency);
    *l->mutable_net_amount() = MakeMoney(r.Int("net_amount_minor"), rec.currency);
    *l->mutable_cost_amount() = MakeMoney(r.Int("cost_amount_minor"), rec.currency);
    l->set_condition(EnumParse<v1::ItemCondition>(r.Str("item_condition")));
    rec.requisition_line_of[l->id()] = r.Int("requisition_line_id");
  }
  return absl::OkStatus();
}

absl::Status ExpectOneRow(absl::StatusOr<int64_t> n, absl::string_view what) {
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::InternalError(absl::StrCat(what, ": expected one row, changed ", *n));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RequisitionRecord> ShipmentStore::LoadRequisition(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat(kRequisitionColumns, "WHERE id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("shipment requisition", id);
  std::vector<RequisitionRecord> one = {RequisitionFromRow(rows[0])};
  SALES_RETURN_IF_ERROR(FillRequisitions(tx, one));
  return std::move(one[0]);
}

absl::StatusOr<int64_t> ShipmentStore::InsertRequisition(db::Transaction& tx, const v1::ShipmentRequisition& r,
                                                         const Principal& requester, absl::Time now) {
  int year = r.planned_ship_date().year();
  SALES_ASSIGN_OR_RETURN(int64_t n, OrderStore::NextNumber(tx, "SR", year));
  std::string number = absl::StrFormat("SR-%04d-%06d", year, n);
  std::string ts = FormatDbTime(now);
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO shipment_requisitions (requisition_number, order_id, planned_ship_date, "
              "ship_to_address, carrier, notes, status, requester_user, requester_role, requester_rep, "
              "requester_unit, created_at, updated_at) VALUES (?,?,?,?,?,?,'PENDING_APPROVAL',?,?,?,?,?,?)",
              {number, r.order_id(), FormatDbDate(r.planned_ship_date()), r.ship_to_address(), r.carrier(), r.notes(),
               requester.user_id, requester.role, requester.rep_id, requester.org_unit_id, ts, ts})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  for (const auto& l : r.lines()) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO shipment_requisition_lines (requisition_id, order_line_id, "
                                  "product_id, sku, warehouse_id, quantity) VALUES (?,?,?,?,?,?)",
                                  {id, l.order_line_id(), l.product_id(), l.sku(), l.warehouse_id(), l.quantity()})
                              .status());
  }
  return id;
}

absl::Status ShipmentStore::SetRequisitionStatus(db::Transaction& tx, int64_t id, v1::ShipmentRequisitionStatus status,
                                                 absl::string_view reason, absl::Time now) {
  return ExpectOneRow(tx.Exec("UPDATE shipment_requisitions SET status = ?, status_reason = ?, "
                              "version = version + 1, updated_at = ? WHERE id = ?",
                              {EnumShort(status), std::string(reason), FormatDbTime(now), id}),
                      "requisition status");
}

absl::Status ShipmentStore::AddRequisitionShipped(db::Transaction& tx, int64_t requisition_line_id, int64_t quantity) {
  SALES_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE shipment_requisition_lines SET shipped_quantity = "
                                            "shipped_quantity + ? WHERE id = ? AND shipped_quantity + ? <= quantity",
                                            {quantity, requisition_line_id, quantity}));
  if (n != 1) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("requisition line ", requisition_line_id,
                                                                    " has less than ", quantity, " left")),
                         "EXCEEDS_REQUESTED", kOrdersDomain);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> ShipmentStore::OpenRequested(db::Transaction& tx,
                                                                                            int64_t order_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT l.order_line_id, l.warehouse_id, SUM(l.quantity - l.shipped_quantity) "
                          "AS open_quantity "
                          "FROM shipment_requisition_lines l JOIN shipment_requisitions r ON r.id = l.requisition_id "
                          "WHERE r.order_id = ? AND r.status IN ('PENDING_APPROVAL','APPROVED','PARTIALLY_SHIPPED') "
                          "GROUP BY l.order_line_id, l.warehouse_id",
                          {order_id}));
  std::map<std::pair<int64_t, int64_t>, int64_t> out;
  for (const auto& r : rows) out[{r.Int("order_line_id"), r.Int("warehouse_id")}] = r.Int("open_quantity");
  return out;
}

absl::StatusOr<std::vector<RequisitionRecord>> ShipmentStore::ListRequisitions(db::Transaction& tx,
                                                                               const RequisitionFilter& f, int limit) {
  std::string sql = absl::StrCat(kRequisitionColumns, "WHERE id > ?");
  db::Params p = {f.after_id};
  if (f.order_id) {
    sql += " AND order_id = ?";
    p.push_back(f.order_id);
  }
  if (f.warehouse_id) {
    sql += " AND id IN (SELECT requisition_id FROM shipment_requisition_lines WHERE warehouse_id = ?)";
    p.push_back(f.warehouse_id);
  }
  if (!f.status.empty()) {
    sql += " AND status = ?";
    p.push_back(f.status);
  }
  if (!f.from_date.empty()) {
    sql += " AND planned_ship_date >= ?";
    p.push_back(f.from_date);
  }
  if (!f.to_date.empty()) {
    sql += " AND planned_ship_date <= ?";
    p.push_back(f.to_date);
  }
  sql += " ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<RequisitionRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(RequisitionFromRow(r));
  SALES_RETURN_IF_ERROR(FillRequisitions(tx, out));
  return out;
}

absl::StatusOr<v1::Shipment> ShipmentStore::InsertShipment(db::Transaction& tx, v1::Shipment s,
                                                           std::vector<NewShipmentLine> lines,
                                                           int64_t credited_org_unit_id, const std::string& currency,
                                                           const Principal& posted_by, absl::Time now) {
  const bool is_return = s.kind() == v1::SHIPMENT_KIND_RETURN;
  int year = s.ship_date().year();
  SALES_ASSIGN_OR_RETURN(int64_t n, OrderStore::NextNumber(tx, is_return ? "RET" : "OUT", year));
  s.set_shipment_number(absl::StrFormat("%s-%04d-%06d", is_return ? "RET" : "OUT", year, n));
  int64_t total = 0, cost = 0;
  for (const auto& l : lines) {
    total += l.line.net_amount().minor_units();
    cost += l.line.cost_amount().minor_units();
  }
  // Return receipts are signed for by the warehouse that takes the goods in.
  s.set_status(is_return ? v1::SHIPMENT_STATUS_DELIVERED : v1::SHIPMENT_STATUS_POSTED);
  std::string ts = FormatDbTime(now);
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO shipments (shipment_number, kind, order_id, requisition_id, return_request_id, "
              "warehouse_id, customer_id, credited_rep_id, credited_org_unit_id, currency, total_minor, cost_minor, "
              "ship_date, status, posted_user, posted_role, posted_rep, posted_unit, created_at, updated_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
              {s.shipment_number(),
               EnumShort(s.kind()),
               s.order_id(),
               s.shipment_requisition_id(),
               s.return_request_id(),
               s.warehouse_id(),
               s.customer_id(),
               s.credited_rep_id(),
               credited_org_unit_id,
               currency,
               total,
               cost,
               FormatDbDate(s.ship_date()),
               EnumShort(s.status()),
               posted_by.user_id,
               posted_by.role,
               posted_by.rep_id,
               posted_by.org_unit_id,
               ts,
               ts})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  s.set_id(id);
  s.clear_lines();
  for (auto& nl : lines) {
    const auto& l = nl.line;
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO shipment_lines (shipment_id, order_line_id, requisition_line_id, return_line_id, "
                "product_id, sku, product_line_id, quantity, unit_price_minor, net_amount_minor, cost_amount_minor, "
                "item_condition) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                {id, l.order_line_id(), nl.requisition_line_id, nl.return_line_id, l.product_id(), l.sku(),
                 l.product_line_id(), l.quantity(), l.unit_price().minor_units(), l.net_amount().minor_units(),
                 l.cost_amount().minor_units(),
                 l.condition() == v1::ITEM_CONDITION_UNSPECIFIED ? std::string() : EnumShort(l.condition())})
            .status());
    SALES_ASSIGN_OR_RETURN(int64_t line_id, tx.LastInsertId());
    nl.line.set_id(line_id);
    *s.add_lines() = nl.line;
  }
  *s.mutable_total_amount() = MakeMoney(total, currency);
  *s.mutable_posted_by() = ActorOf(posted_by);
  s.set_etag(MakeEtag(1));
  *s.mutable_create_time() = ToTimestamp(now);
  *s.mutable_update_time() = ToTimestamp(now);
  return s;
}

absl::StatusOr<ShipmentRecord> ShipmentStore::LoadShipment(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat(kShipmentColumns, "WHERE id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("shipment", id);
  std::vector<ShipmentRecord> one = {ShipmentFromRow(rows[0])};
  SALES_RETURN_IF_ERROR(FillShipmentLines(tx, one));
  return std::move(one[0]);
}

absl::Status ShipmentStore::SaveDelivery(db::Transaction& tx, int64_t shipment_id, const v1::DeliveryReceipt& d,
                                         const Principal& by, absl::Time now) {
  return ExpectOneRow(
      tx.Exec("UPDATE shipments SET status = 'DELIVERED', delivery_date = ?, signed_by = ?, document_reference = ?, "
              "delivery_remarks = ?, recorded_user = ?, recorded_role = ?, recorded_rep = ?, recorded_unit = ?, "
              "recorded_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'POSTED'",
              {FormatDbDate(d.delivery_date()), d.signed_by(), d.document_reference(), d.remarks(), by.user_id, by.role,
               by.rep_id, by.org_unit_id, FormatDbTime(now), FormatDbTime(now), shipment_id}),
      "delivery");
}

absl::StatusOr<std::vector<v1::Shipment>> ShipmentStore::ListShipments(db::Transaction& tx, const ShipmentFilter& f,
                                                                       int limit) {
  std::string sql = absl::StrCat(kShipmentColumns, "WHERE 1=1");
  db::Params p;
  if (f.before_id) {
    sql += " AND id < ?";
    p.push_back(f.before_id);
  }
  auto eq = [&](const char* col, int64_t v) {
    if (v) {
      absl::StrAppend(&sql, " AND ", col, " = ?");
      p.push_back(v);
    }
  };
  eq("order_id", f.order_id);
  eq("customer_id", f.customer_id);
  eq("warehouse_id", f.warehouse_id);
  if (!f.kind.empty()) {
    sql += " AND kind = ?";
    p.push_back(f.kind);
  }
  if (!f.status.empty()) {
    sql += " AND status = ?";
    p.push_back(f.status);
  }
  if (!f.from_date.empty()) {
    sql += " AND ship_date >= ?";
    p.push_back(f.from_date);
  }
  if (!f.to_date.empty()) {
    sql += " AND ship_date <= ?";
    p.push_back(f.to_date);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<ShipmentRecord> recs;
  recs.reserve(rows.size());
  for (const auto& r : rows) recs.push_back(ShipmentFromRow(r));
  SALES_RETURN_IF_ERROR(FillShipmentLines(tx, recs));
  std::vector<v1::Shipment> out;
  out.reserve(recs.size());
  for (auto& rec : recs) out.push_back(std::move(rec.shipment));
  return out;
}

absl::StatusOr<bool> ShipmentStore::AllOutboundDelivered(db::Transaction& tx, int64_t order_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS undelivered_shipments FROM shipments "
                                             "WHERE order_id = ? AND kind = 'OUTBOUND' AND status <> 'DELIVERED'",
                                             {order_id}));
  return rows[0].Int("undelivered_shipments") == 0;
}

absl::Status ShipmentStore::AddLineShipped(db::Transaction& tx, int64_t order_line_id, int64_t quantity) {
  // Guarded: a line never ships more than ordered, whatever the caller did.
  SALES_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE order_lines SET shipped_quantity = shipped_quantity + ? "
                                            "WHERE id = ? AND shipped_quantity + ? <= quantity",
                                            {quantity, order_line_id, quantity}));
  if (n != 1) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("order line ", order_line_id, " has less than ", quantity, " left to ship")),
                         "EXCEEDS_ORDERED", kOrdersDomain);
  }
  return absl::OkStatus();
}

absl::Status ShipmentStore::AddLineDelivered(db::Transaction& tx, int64_t order_line_id, int64_t quantity) {
  return ExpectOneRow(tx.Exec("UPDATE order_lines SET delivered_quantity = delivered_quantity + ? WHERE id = ? "
                              "AND delivered_quantity + ? <= shipped_quantity",
                              {quantity, order_line_id, quantity}),
                      "delivered quantity");
}

absl::Status ShipmentStore::AddLineReturned(db::Transaction& tx, int64_t order_line_id, int64_t quantity) {
  SALES_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE order_lines SET returned_quantity = returned_quantity + ? "
                                            "WHERE id = ? AND returned_quantity + ? <= shipped_quantity",
                                            {quantity, order_line_id, quantity}));
  if (n != 1) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("order line ", order_line_id, " has less than ",
                                                                    quantity, " shipped and not returned")),
                         "EXCEEDS_SHIPPED", kOrdersDomain);
  }
  return absl::OkStatus();
}

absl::Status ShipmentStore::AddOrderShippedAmount(db::Transaction& tx, int64_t order_id, int64_t delta_minor,
                                                  absl::Time now) {
  return ExpectOneRow(tx.Exec("UPDATE sales_orders SET shipped_amount_minor = shipped_amount_minor + ?, "
                              "version = version + 1, updated_at = ? WHERE id = ?",
                              {delta_minor, FormatDbTime(now), order_id}),
                      "order shipped amount");
}

absl::StatusOr<std::map<int64_t, int64_t>> ShipmentStore::LineUnitCosts(db::Transaction& tx, int64_t order_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id, unit_cost_minor FROM order_lines WHERE order_id = ?", {order_id}));
  std::map<int64_t, int64_t> out;
  for (const auto& r : rows) out[r.Int("id")] = r.Int("unit_cost_minor");
  return out;
}

absl::StatusOr<std::map<int64_t, OrderScopeFacts>> ShipmentStore::OrderScopes(db::Transaction& tx,
                                                                              const std::vector<int64_t>& order_ids) {
  std::map<int64_t, OrderScopeFacts> out;
  if (order_ids.empty()) return out;
  db::Params params;
  std::string in = db::AppendInList(order_ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT id, credited_rep_id, taking_rep_id, "
                                                          "credited_org_unit_id, taking_org_unit_id "
                                                          "FROM sales_orders WHERE id IN (",
                                                          in, ")"),
                                             params));
  for (const auto& r : rows) {
    out[r.Int("id")] = {r.Int("credited_rep_id"), r.Int("taking_rep_id"), r.Int("credited_org_unit_id"),
                        r.Int("taking_org_unit_id")};
  }
  return out;
}

}  // namespace sales::orders
