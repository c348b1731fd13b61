#include "orders-svc/store/stock_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kReservationColumns[] =
    "SELECT id, order_id, order_line_id, warehouse_id, product_id, quantity, shipped_quantity, "
    "released_quantity, status, created_at FROM reservations ";

v1::Reservation ReservationFromRow(const db::Row& r) {
  v1::Reservation out;
  out.set_id(r.Int("id"));
  out.set_order_id(r.Int("order_id"));
  out.set_order_line_id(r.Int("order_line_id"));
  out.set_warehouse_id(r.Int("warehouse_id"));
  out.set_product_id(r.Int("product_id"));
  out.set_quantity(r.Int("quantity"));
  out.set_shipped_quantity(r.Int("shipped_quantity"));
  out.set_released_quantity(r.Int("released_quantity"));
  out.set_status(EnumParse<v1::ReservationStatus>(r.Str("status")));
  *out.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return out;
}

absl::Status WriteMovement(db::Transaction& tx, int64_t warehouse_id, int64_t product_id, int64_t delta,
                           int64_t on_hand_after, const MovementContext& ctx, v1::StockMovementKind kind) {
  return tx
      .Exec(
          "INSERT INTO stock_movements (warehouse_id, product_id, kind, quantity_delta, on_hand_after, "
          "adjustment_reason, reason, reference, movement_date, actor_user, actor_role, actor_rep, actor_unit, "
          "request_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
          {warehouse_id, product_id, EnumShort(kind), delta, on_hand_after,
           ctx.adjustment_reason == v1::STOCK_ADJUSTMENT_REASON_UNSPECIFIED ? std::string()
                                                                            : EnumShort(ctx.adjustment_reason),
           ctx.reason.substr(0, 1000), ctx.reference.substr(0, 100), FormatDbDate(FromCivilDay(ctx.movement_date)),
           ctx.actor.user_id, ctx.actor.role, ctx.actor.rep_id, ctx.actor.org_unit_id, ctx.request_id,
           FormatDbTime(ctx.now)})
      .status();
}

absl::StatusOr<int64_t> OnHand(db::Transaction& tx, int64_t warehouse_id, int64_t product_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT on_hand FROM stock_levels WHERE warehouse_id = ? AND "
                                             "product_id = ?",
                                             {warehouse_id, product_id}));
  return rows.empty() ? 0 : rows[0].Int("on_hand");
}

absl::Status EnsureRow(db::Transaction& tx, int64_t warehouse_id, int64_t product_id, absl::Time now) {
  return tx
      .Exec(
          "INSERT IGNORE INTO stock_levels (warehouse_id, product_id, on_hand, reserved, version, updated_at) "
          "VALUES (?, ?, 0, 0, 1, ?)",
          {warehouse_id, product_id, FormatDbTime(now)})
      .status();
}

v1::StockLevel LevelFromRow(const db::Row& r) {
  v1::StockLevel l;
  l.set_warehouse_id(r.Int("warehouse_id"));
  l.set_product_id(r.Int("product_id"));
  l.set_sku(r.Str("sku"));
  l.set_on_hand(r.Int("on_hand"));
  l.set_reserved(r.Int("reserved"));
  l.set_available(r.Int("on_hand") - r.Int("reserved"));
  l.set_etag(MakeEtag(r.Int("version")));
  *l.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return l;
}

constexpr char kLevelColumns[] =
    "SELECT s.warehouse_id, s.product_id, p.sku, s.on_hand, s.reserved, s.version, s.updated_at "
    "FROM stock_levels s JOIN products p ON p.id = s.product_id ";

}  // namespace

absl::StatusOr<OrderWithReservations> StockStore::LoadOrder(db::Transaction& tx, int64_t order_id, bool for_update) {
  OrderWithReservations out;
  SALES_ASSIGN_OR_RETURN(out.record, OrderStore::Load(tx, order_id, for_update));
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kReservationColumns) + "WHERE order_id = ? ORDER BY id", {order_id}));
  for (const auto& r : rows) out.reservations.push_back(ReservationFromRow(r));
  return out;
}

absl::Status StockStore::ConsumeReservation(db::Transaction& tx, int64_t order_line_id, int64_t warehouse_id,
                                            int64_t quantity, const MovementContext& ctx) {
  if (quantity <= 0) return InvalidField("quantity", "must be > 0");
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kReservationColumns) +
                                      "WHERE order_line_id = ? AND warehouse_id = ? AND status = 'ACTIVE' ORDER BY id "
                                      "FOR UPDATE",
                                  {order_line_id, warehouse_id}));
  int64_t open = 0;
  int64_t product_id = 0;
  for (const auto& r : rows) {
    auto res = ReservationFromRow(r);
    open += res.quantity() - res.shipped_quantity() - res.released_quantity();
    product_id = res.product_id();
  }
  if (rows.empty() || open < quantity) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("order line ", order_line_id, " has ", open,
                                                                    " reserved in warehouse ", warehouse_id,
                                                                    ", asked to ship ", quantity)),
                         "EXCEEDS_RESERVED", kOrdersDomain,
                         {{"order_line_id", absl::StrCat(order_line_id)},
                          {"warehouse_id", absl::StrCat(warehouse_id)},
                          {"reserved", absl::StrCat(open)},
                          {"requested", absl::StrCat(quantity)}});
  }
  SALES_ASSIGN_OR_RETURN(
      int64_t n, tx.Exec("UPDATE stock_levels SET on_hand = on_hand - ?, reserved = reserved - ?, "
                         "version = version + 1, updated_at = ? "
                         "WHERE warehouse_id = ? AND product_id = ? AND reserved >= ? AND on_hand >= ?",
                         {quantity, quantity, FormatDbTime(ctx.now), warehouse_id, product_id, quantity, quantity}));
  if (n != 1) {
    return absl::InternalError(absl::StrCat("stock row of warehouse ", warehouse_id, " product ", product_id,
                                            " holds less than its reservations"));
  }
  int64_t left = quantity;
  for (const auto& r : rows) {
    if (left == 0) break;
    auto res = ReservationFromRow(r);
    int64_t open_here = res.quantity() - res.shipped_quantity() - res.released_quantity();
    int64_t take = std::min(left, open_here);
    if (take <= 0) continue;
    left -= take;
    SALES_RETURN_IF_ERROR(
        tx.Exec("UPDATE reservations SET shipped_quantity = shipped_quantity + ?, "
                "status = IF(quantity - shipped_quantity - released_quantity = 0, 'CONSUMED', 'ACTIVE'), "
                "updated_at = ? WHERE id = ?",
                {take, FormatDbTime(ctx.now), res.id()})
            .status());
  }
  SALES_ASSIGN_OR_RETURN(int64_t after, OnHand(tx, warehouse_id, product_id));
  return WriteMovement(tx, warehouse_id, product_id, -quantity, after, ctx,
                       ctx.kind == v1::STOCK_MOVEMENT_KIND_UNSPECIFIED ? v1::STOCK_MOVEMENT_KIND_SHIPMENT : ctx.kind);
}

absl::StatusOr<int64_t> StockStore::PutBack(db::Transaction& tx, int64_t warehouse_id, int64_t product_id,
                                            int64_t quantity, const MovementContext& ctx) {
  if (quantity <= 0) return InvalidField("quantity", "must be > 0");
  SALES_RETURN_IF_ERROR(EnsureRow(tx, warehouse_id, product_id, ctx.now));
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE stock_levels SET on_hand = on_hand + ?, version = version + 1, "
                                "updated_at = ? WHERE warehouse_id = ? AND product_id = ?",
                                {quantity, FormatDbTime(ctx.now), warehouse_id, product_id})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t after, OnHand(tx, warehouse_id, product_id));
  SALES_RETURN_IF_ERROR(
      WriteMovement(tx, warehouse_id, product_id, quantity, after, ctx,
                    ctx.kind == v1::STOCK_MOVEMENT_KIND_UNSPECIFIED ? v1::STOCK_MOVEMENT_KIND_RETURN : ctx.kind));
  return after;
}

absl::StatusOr<std::vector<WarehouseStock>> StockStore::LockAvailable(db::Transaction& tx,
                                                                      std::vector<int64_t> product_ids) {
  std::sort(product_ids.begin(), product_ids.end());
  product_ids.erase(std::unique(product_ids.begin(), product_ids.end()), product_ids.end());
  std::vector<WarehouseStock> out;
  if (product_ids.empty()) return out;
  auto in = db::InList(product_ids);
  // Which warehouses may be reserved from is read without locks; the stock
  // rows are then locked in primary-key order (warehouse, product), the same
  // order every reserving transaction uses, so concurrent confirmations queue
  // instead of deadlocking. The conditional UPDATE in Reserve stays the guard.
  SALES_ASSIGN_OR_RETURN(auto whs, tx.Query("SELECT id, allocation_priority FROM warehouses "
                                            "WHERE kind = 'REGULAR' AND active = 1"));
  std::map<int64_t, int32_t> priority;
  for (const auto& w : whs) priority[w.Int("id")] = static_cast<int32_t>(w.Int("allocation_priority"));
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT warehouse_id, product_id, on_hand - reserved AS available "
                                               "FROM stock_levels WHERE product_id IN (",
                                               in.marks, ") ORDER BY warehouse_id, product_id FOR UPDATE"),
                                  in.params));
  for (const auto& r : rows) {
    auto it = priority.find(r.Int("warehouse_id"));
    if (it == priority.end()) continue;
    out.push_back({r.Int("warehouse_id"), it->second, r.Int("product_id"), r.Int("available")});
  }
  return out;
}

absl::StatusOr<v1::Reservation> StockStore::Reserve(db::Transaction& tx, int64_t order_id, int64_t order_line_id,
                                                    int64_t warehouse_id, int64_t product_id, int64_t quantity,
                                                    absl::Time now) {
  SALES_ASSIGN_OR_RETURN(
      int64_t n, tx.Exec("UPDATE stock_levels SET reserved = reserved + ?, version = version + 1, updated_at = ? "
                         "WHERE warehouse_id = ? AND product_id = ? AND on_hand - reserved >= ?",
                         {quantity, FormatDbTime(now), warehouse_id, product_id, quantity}));
  if (n != 1) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("warehouse ", warehouse_id, " no longer has ",
                                                                    quantity, " of product ", product_id)),
                         "INSUFFICIENT_STOCK", kOrdersDomain,
                         {{"warehouse_id", absl::StrCat(warehouse_id)}, {"product_id", absl::StrCat(product_id)}});
  }
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO reservations (order_id, order_line_id, warehouse_id, product_id, "
              "quantity, status, created_at, updated_at) VALUES (?,?,?,?,?,'ACTIVE',?,?)",
              {order_id, order_line_id, warehouse_id, product_id, quantity, FormatDbTime(now), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kReservationColumns) + "WHERE id = ?", {id}));
  return ReservationFromRow(rows.at(0));
}

absl::StatusOr<std::vector<v1::Reservation>> StockStore::ReserveAll(db::Transaction& tx, int64_t order_id,
                                                                    const std::vector<StockAllocation>& allocations,
                                                                    absl::Time now) {
  std::vector<v1::Reservation> out;
  if (allocations.empty()) return out;
  // Two lines of one product draw on the same row: the row takes their sum.
  std::map<std::pair<int64_t, int64_t>, int64_t> per_row;
  for (const auto& a : allocations) per_row[{a.warehouse_id, a.product_id}] += a.quantity;
  const std::string when = FormatDbTime(now);
  std::string amount = "CASE";
  db::Params amount_params;
  std::string keys;
  db::Params key_params;
  for (const auto& [key, quantity] : per_row) {
    absl::StrAppend(&amount, " WHEN warehouse_id = ? AND product_id = ? THEN ?");
    amount_params.insert(amount_params.end(), {key.first, key.second, quantity});
    absl::StrAppend(&keys, keys.empty() ? "" : ",", "(?,?)");
    key_params.insert(key_params.end(), {key.first, key.second});
  }
  absl::StrAppend(&amount, " END");
  db::Params params = amount_params;
  params.push_back(when);
  params.insert(params.end(), key_params.begin(), key_params.end());
  params.insert(params.end(), amount_params.begin(), amount_params.end());
  SALES_ASSIGN_OR_RETURN(
      int64_t updated,
      tx.Exec(absl::StrCat("UPDATE stock_levels SET reserved = reserved + ", amount,
                           ", version = version + 1, updated_at = ? WHERE (warehouse_id, "
                           "product_id) IN (",
                           keys, ") AND on_hand - reserved >= ", amount, " ORDER BY warehouse_id, product_id"),
              params));
  if (updated != static_cast<int64_t>(per_row.size())) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat(per_row.size() - static_cast<size_t>(updated), " of the order's ",
                                          per_row.size(), " stock rows no longer have the quantity to reserve")),
                         "INSUFFICIENT_STOCK", kOrdersDomain);
  }
  std::string rows;
  db::Params row_params;
  for (const auto& a : allocations) {
    absl::StrAppend(&rows, rows.empty() ? "" : ",", "(?,?,?,?,?,'ACTIVE',?,?)");
    row_params.insert(row_params.end(),
                      {order_id, a.order_line_id, a.warehouse_id, a.product_id, a.quantity, when, when});
  }
  SALES_RETURN_IF_ERROR(tx.Exec(absl::StrCat("INSERT INTO reservations (order_id, order_line_id, warehouse_id, "
                                             "product_id, quantity, status, created_at, updated_at) VALUES ",
                                             rows),
                                row_params)
                            .status());
  // The first id of the statement's rows; the rows themselves are read back
  // by the order (ix_reservations_order), insertion order.
  SALES_ASSIGN_OR_RETURN(int64_t first_id, tx.LastInsertId());
  SALES_ASSIGN_OR_RETURN(auto read, tx.Query(std::string(kReservationColumns) + "WHERE order_id = ? AND id >= ? "
                                                                                "ORDER BY id",
                                             {order_id, first_id}));
  for (const auto& r : read) out.push_back(ReservationFromRow(r));
  return out;
}

absl::StatusOr<int64_t> StockStore::ReleaseOrder(db::Transaction& tx, int64_t order_id, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kReservationColumns) + "WHERE order_id = ? AND status = 'ACTIVE' "
                                                                     "ORDER BY warehouse_id, product_id, id FOR UPDATE",
                                  {order_id}));
  int64_t total = 0;
  for (const auto& r : rows) {
    auto res = ReservationFromRow(r);
    int64_t open = res.quantity() - res.shipped_quantity() - res.released_quantity();
    if (open <= 0) continue;
    SALES_ASSIGN_OR_RETURN(int64_t n,
                           tx.Exec("UPDATE stock_levels SET reserved = reserved - ?, version = version + 1, "
                                   "updated_at = ? WHERE warehouse_id = ? AND product_id = ? AND reserved >= ?",
                                   {open, FormatDbTime(now), res.warehouse_id(), res.product_id(), open}));
    if (n != 1) return absl::InternalError("stock row holds less than its reservations");
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE reservations SET released_quantity = released_quantity + ?, "
                                  "status = 'RELEASED', updated_at = ? WHERE id = ?",
                                  {open, FormatDbTime(now), res.id()})
                              .status());
    total += open;
  }
  return total;
}

absl::StatusOr<std::vector<v1::Reservation>> StockStore::ListReservations(db::Transaction& tx, int64_t order_id,
                                                                          int64_t warehouse_id, int64_t product_id,
                                                                          bool active_only, int64_t after_id,
                                                                          int limit) {
  std::string sql = std::string(kReservationColumns) + "WHERE id > ?";
  db::Params p{after_id};
  if (order_id > 0) {
    sql += " AND order_id = ?";
    p.push_back(order_id);
  }
  if (warehouse_id > 0) {
    sql += " AND warehouse_id = ?";
    p.push_back(warehouse_id);
  }
  if (product_id > 0) {
    sql += " AND product_id = ?";
    p.push_back(product_id);
  }
  if (active_only) sql += " AND status = 'ACTIVE'";
  sql += " ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Reservation> out;
  for (const auto& r : rows) out.push_back(ReservationFromRow(r));
  return out;
}

absl::StatusOr<v1::StockLevel> StockStore::MoveOnHand(db::Transaction& tx, int64_t warehouse_id, int64_t product_id,
                                                      int64_t delta, int64_t expected_version,
                                                      const MovementContext& ctx) {
  SALES_RETURN_IF_ERROR(EnsureRow(tx, warehouse_id, product_id, ctx.now));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT on_hand, reserved, version FROM stock_levels "
                                             "WHERE warehouse_id = ? AND product_id = ? FOR UPDATE",
                                             {warehouse_id, product_id}));
  if (rows.empty()) return absl::InternalError("stock row vanished");
  int64_t on_hand = rows[0].Int("on_hand"), reserved = rows[0].Int("reserved"), version = rows[0].Int("version");
  if (expected_version > 0 && expected_version != version) {
    return StaleEtag("stock level", product_id, MakeEtag(expected_version), MakeEtag(version));
  }
  // Checked: a delta that would wrap on-hand is refused, not stored.
  SALES_ASSIGN_OR_RETURN(int64_t after, CheckedAdd(on_hand, delta, "quantity"));
  if (after < reserved || after < 0) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("on-hand ", on_hand, " of product ", product_id, " in warehouse ",
                                                   warehouse_id, " cannot change by ", delta, ": ", reserved,
                                                   " are reserved")),
        "STOCK_BELOW_RESERVED", kOrdersDomain,
        {{"on_hand", absl::StrCat(on_hand)}, {"reserved", absl::StrCat(reserved)}, {"delta", absl::StrCat(delta)}});
  }
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE stock_levels SET on_hand = on_hand + ?, version = version + 1, "
                                "updated_at = ? WHERE warehouse_id = ? AND product_id = ?",
                                {delta, FormatDbTime(ctx.now), warehouse_id, product_id})
                            .status());
  SALES_RETURN_IF_ERROR(WriteMovement(tx, warehouse_id, product_id, delta, after, ctx, ctx.kind));
  return GetLevel(tx, warehouse_id, product_id);
}

absl::StatusOr<v1::StockLevel> StockStore::GetLevel(db::Transaction& tx, int64_t warehouse_id, int64_t product_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kLevelColumns) + "WHERE s.warehouse_id = ? AND s.product_id = ?",
                                  {warehouse_id, product_id}));
  if (rows.empty()) return NotFound("stock level", product_id);
  return LevelFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::StockLevel>> StockStore::ListLevels(db::Transaction& tx, int64_t warehouse_id,
                                                                   int64_t product_id, bool nonzero_only,
                                                                   int64_t offset, int limit) {
  std::string sql = std::string(kLevelColumns) + "WHERE 1=1";
  db::Params p;
  if (warehouse_id > 0) {
    sql += " AND s.warehouse_id = ?";
    p.push_back(warehouse_id);
  }
  if (product_id > 0) {
    sql += " AND s.product_id = ?";
    p.push_back(product_id);
  }
  if (nonzero_only) sql += " AND (s.on_hand <> 0 OR s.reserved <> 0)";
  sql += " ORDER BY s.warehouse_id, s.product_id LIMIT ? OFFSET ?";
  p.push_back(static_cast<int64_t>(limit));
  p.push_back(offset);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::StockLevel> out;
  for (const auto& r : rows) out.push_back(LevelFromRow(r));
  return out;
}

namespace {
absl::StatusOr<std::vector<v1::StockMovement>> QueryMovements(db::Transaction& tx, const std::string& where,
                                                              const db::Params& p) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT id, warehouse_id, product_id, kind, quantity_delta, on_hand_after, adjustment_reason, reason, "
               "reference, movement_date, actor_user, actor_role, actor_rep, actor_unit, created_at, request_id "
               "FROM stock_movements " +
                   where,
               p));
  std::vector<v1::StockMovement> out;
  for (const auto& r : rows) {
    v1::StockMovement m;
    m.set_id(r.Int("id"));
    m.set_warehouse_id(r.Int("warehouse_id"));
    m.set_product_id(r.Int("product_id"));
    m.set_kind(EnumParse<v1::StockMovementKind>(r.Str("kind")));
    m.set_quantity_delta(r.Int("quantity_delta"));
    m.set_on_hand_after(r.Int("on_hand_after"));
    m.set_adjustment_reason(EnumParse<v1::StockAdjustmentReason>(r.Str("adjustment_reason")));
    m.set_reason(r.Str("reason"));
    m.set_reference(r.Str("reference"));
    *m.mutable_movement_date() = ParseDbDate(r.Str("movement_date"));
    m.mutable_actor()->set_user_id(r.Str("actor_user"));
    m.mutable_actor()->set_role(r.Str("actor_role"));
    m.mutable_actor()->set_rep_id(r.Int("actor_rep"));
    m.mutable_actor()->set_org_unit_id(r.Int("actor_unit"));
    *m.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
    m.set_request_id(r.Str("request_id"));
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace

absl::StatusOr<std::vector<v1::StockMovement>> StockStore::ListMovements(db::Transaction& tx, int64_t warehouse_id,
                                                                         int64_t product_id, int64_t after_id,
                                                                         int limit) {
  std::string sql = "WHERE id > ?";
  db::Params p{after_id};
  if (warehouse_id > 0) {
    sql += " AND warehouse_id = ?";
    p.push_back(warehouse_id);
  }
  if (product_id > 0) {
    sql += " AND product_id = ?";
    p.push_back(product_id);
  }
  sql += " ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  return QueryMovements(tx, sql, p);
}

absl::StatusOr<std::vector<v1::StockMovement>> StockStore::MovementsOfRequest(db::Transaction& tx,
                                                                              const std::string& request_id) {
  return QueryMovements(tx, "WHERE request_id = ? ORDER BY id", {request_id});
}

}  // namespace sales::orders
