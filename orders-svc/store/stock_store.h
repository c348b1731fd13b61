// Stock levels, reservations and the stock ledger (domain.md §5 Stock and
// shipping). Shared with the fulfilment part of the service: shipments
// consume reservations, return receipts put stock back.
//
// Invariants kept by every function here, also under concurrency:
//   0 <= reserved <= on_hand per (warehouse, product), and
//   reserved = Σ open reservation quantity of that (warehouse, product)
// where open = quantity − shipped_quantity − released_quantity. Every write
// is a conditional UPDATE (… WHERE on_hand - reserved >= ? …) whose affected
// row count is checked, so two transactions can never both take the last
// units; stock rows are touched in ascending (warehouse_id, product_id)
// order to keep lock order fixed. Every change of on_hand writes one
// stock_movements row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "orders-svc/domain/allocation.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/stock.pb.h"

namespace sales::orders {

// An order as stored, with what the proto does not carry.
struct OrderRecord {
  v1::SalesOrder order;            // lines carry reserved_quantity
  int64_t version = 0;             // etag counter
  std::string created_by_user;     // principal who entered it
  int64_t taking_org_unit_id = 0;  // org unit of the taking rep at entry
  std::string release_reason;      // set when released from CREDIT_HOLD
};

// An order with its reservations, for shipment and return handling.
struct OrderWithReservations {
  OrderRecord record;
  std::vector<v1::Reservation> reservations;  // by id
};

// Who and why for a ledger row.
struct MovementContext {
  v1::StockMovementKind kind = v1::STOCK_MOVEMENT_KIND_UNSPECIFIED;
  v1::StockAdjustmentReason adjustment_reason = v1::STOCK_ADJUSTMENT_REASON_UNSPECIFIED;
  std::string reason;
  std::string reference;  // shipment id, receipt reference, counterpart warehouse
  absl::CivilDay movement_date;
  Principal actor;
  std::string request_id;
  absl::Time now;
};

class StockStore {
 public:
  // ---- For fulfilment ----

  // Reads an order with lines and reservations. `for_update` locks the
  // order row first (SELECT … FOR UPDATE), so state changes of one order
  // serialize. NOT_FOUND when unknown.
  static absl::StatusOr<OrderWithReservations> LoadOrder(db::Transaction& tx, int64_t order_id, bool for_update);

  // A posted outbound note: takes `quantity` of order line `order_line_id`
  // out of `warehouse_id`. The line's open reservations there are consumed
  // oldest first (shipped_quantity up, CONSUMED when nothing stays open),
  // and on_hand and reserved drop together in one conditional UPDATE that
  // never lets either go below zero. Writes a SHIPMENT ledger row (kind is
  // taken from ctx when set). FAILED_PRECONDITION (EXCEEDS_RESERVED) when the
  // line holds less open reservation in that warehouse — nothing changes.
  // Does NOT touch order_lines.shipped_quantity or the order's state: the
  // shipment code owns those.
  static absl::Status ConsumeReservation(db::Transaction& tx, int64_t order_line_id, int64_t warehouse_id,
                                         int64_t quantity, const MovementContext& ctx);

  // A posted return receipt (红字): puts `quantity` (> 0) of a product back
  // on hand in `warehouse_id` (not reserved) and writes a RETURN ledger row.
  // The stock row is created when missing. Returns on_hand after.
  static absl::StatusOr<int64_t> PutBack(db::Transaction& tx, int64_t warehouse_id, int64_t product_id,
                                         int64_t quantity, const MovementContext& ctx);

  // ---- Reservations (core) ----

  // Locks the stock rows of `product_ids` in every active regular warehouse
  // (ascending warehouse, product) and returns them as allocation input.
  static absl::StatusOr<std::vector<WarehouseStock>> LockAvailable(db::Transaction& tx,
                                                                   std::vector<int64_t> product_ids);

  // Reserves `quantity` of `product_id` in `warehouse_id` for an order line:
  // a conditional UPDATE (available >= quantity) then a reservation row.
  // FAILED_PRECONDITION (INSUFFICIENT_STOCK) when the stock is no longer
  // there. Returns the reservation.
  static absl::StatusOr<v1::Reservation> Reserve(db::Transaction& tx, int64_t order_id, int64_t order_line_id,
                                                 int64_t warehouse_id, int64_t product_id, int64_t quantity,
                                                 absl::Time now);

  // Reserve for all of one order's allocations, in three statements
  // whatever their number: one conditional UPDATE of the stock rows in key
  // order, one multi-row INSERT of the reservations, one read of them back.
  // FAILED_PRECONDITION (INSUFFICIENT_STOCK) when any row no longer has its
  // quantity (nothing is then written: the caller's transaction rolls back).
  static absl::StatusOr<std::vector<v1::Reservation>> ReserveAll(db::Transaction& tx, int64_t order_id,
                                                                 const std::vector<StockAllocation>& allocations,
                                                                 absl::Time now);

  // Releases every open reservation of the order (cancellation); returns the
  // total quantity released.
  static absl::StatusOr<int64_t> ReleaseOrder(db::Transaction& tx, int64_t order_id, absl::Time now);

  static absl::StatusOr<std::vector<v1::Reservation>> ListReservations(db::Transaction& tx, int64_t order_id,
                                                                       int64_t warehouse_id, int64_t product_id,
                                                                       bool active_only, int64_t after_id, int limit);

  // ---- Levels and ledger ----

  // Changes on_hand by `delta` (receipt > 0, adjustment ±, transfer ±) with a
  // ledger row. FAILED_PRECONDITION (STOCK_BELOW_RESERVED) when on_hand
  // would fall below reserved or zero; `expected_version` > 0 checks the
  // stock row's etag (ABORTED when stale). Returns the level after.
  static absl::StatusOr<v1::StockLevel> MoveOnHand(db::Transaction& tx, int64_t warehouse_id, int64_t product_id,
                                                   int64_t delta, int64_t expected_version, const MovementContext& ctx);

  static absl::StatusOr<v1::StockLevel> GetLevel(db::Transaction& tx, int64_t warehouse_id, int64_t product_id);
  // Levels ordered by (warehouse_id, product_id); filters 0 = all. Paged by
  // the (warehouse, product) of the last row: after_key = warehouse * 2^32 + product
  // is avoided — callers page by `offset`.
  static absl::StatusOr<std::vector<v1::StockLevel>> ListLevels(db::Transaction& tx, int64_t warehouse_id,
                                                                int64_t product_id, bool nonzero_only, int64_t offset,
                                                                int limit);
  static absl::StatusOr<std::vector<v1::StockMovement>> ListMovements(db::Transaction& tx, int64_t warehouse_id,
                                                                      int64_t product_id, int64_t after_id, int limit);
  // The ledger rows written under one request id, in order.
  static absl::StatusOr<std::vector<v1::StockMovement>> MovementsOfRequest(db::Transaction& tx,
                                                                           const std::string& request_id);
};

}  // namespace sales::orders
