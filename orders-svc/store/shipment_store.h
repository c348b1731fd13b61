// SQL of shipment requisitions (需货申请单) and shipments (outbound notes and
// return receipts), and the fulfilment counters on orders and order lines
// (shipped, delivered, returned quantities; net shipped amount). Callers
// lock the order first (StockStore::LoadOrder for_update) so that every
// change to one order's fulfilment serializes on that row.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/shipment.pb.h"
#include "sales/orders/v1/shipment_messages.pb.h"

namespace sales::orders {

struct RequisitionRecord {
  v1::ShipmentRequisition requisition;  // lines carry warehouse and shipped quantities
  int64_t version = 0;
  Principal requester;
};

struct ShipmentRecord {
  v1::Shipment shipment;
  int64_t version = 0;
  int64_t credited_org_unit_id = 0;
  std::string currency;
  int64_t cost_minor = 0;
  // Per shipment line: the requisition line or return line it came from.
  std::map<int64_t, int64_t> requisition_line_of;  // shipment line id → requisition line id
};

// What decides who sees an order and its fulfilment documents (Scope::Sees):
// its credited and taking reps and their org units.
struct OrderScopeFacts {
  int64_t credited_rep_id = 0;
  int64_t taking_rep_id = 0;
  int64_t credited_org_unit_id = 0;
  int64_t taking_org_unit_id = 0;
};

// One line to write on a shipment (quantities and amounts already signed).
struct NewShipmentLine {
  v1::ShipmentLine line;
  int64_t requisition_line_id = 0;
  int64_t return_line_id = 0;
};

class ShipmentStore {
 public:
  // ---- Requisitions ----
  static absl::StatusOr<RequisitionRecord> LoadRequisition(db::Transaction& tx, int64_t id, bool for_update);
  // Inserts a PENDING_APPROVAL requisition (number SR-YYYY-NNNNNN by the
  // planned date's year) with its lines; returns the id.
  static absl::StatusOr<int64_t> InsertRequisition(db::Transaction& tx, const v1::ShipmentRequisition& r,
                                                   const Principal& requester, absl::Time now);
  static absl::Status SetRequisitionStatus(db::Transaction& tx, int64_t id, v1::ShipmentRequisitionStatus status,
                                           absl::string_view reason, absl::Time now);
  // Adds `quantity` to a requisition line's posted quantity, guarded so it
  // never exceeds the requested quantity (FAILED_PRECONDITION otherwise).
  static absl::Status AddRequisitionShipped(db::Transaction& tx, int64_t requisition_line_id, int64_t quantity);
  // requested − shipped on the order's open requisitions (PENDING_APPROVAL,
  // APPROVED, PARTIALLY_SHIPPED), keyed by (order line, warehouse).
  static absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> OpenRequested(db::Transaction& tx,
                                                                                      int64_t order_id);
  struct RequisitionFilter {
    int64_t order_id = 0;
    int64_t warehouse_id = 0;
    std::string status;  // short name, "" = all
    std::string from_date, to_date;
    int64_t after_id = 0;
  };
  // Requisitions by id after the cursor, with the lines and latest approval
  // step of the whole page in two more statements.
  static absl::StatusOr<std::vector<RequisitionRecord>> ListRequisitions(db::Transaction& tx,
                                                                         const RequisitionFilter& f, int limit);

  // ---- Shipments ----
  // Inserts a shipment with its lines (number OUT-/RET-YYYY-NNNNNN by the
  // ship date's year); fills ids, number, totals; returns the shipment.
  static absl::StatusOr<v1::Shipment> InsertShipment(db::Transaction& tx, v1::Shipment s,
                                                     std::vector<NewShipmentLine> lines, int64_t credited_org_unit_id,
                                                     const std::string& currency, const Principal& posted_by,
                                                     absl::Time now);
  static absl::StatusOr<ShipmentRecord> LoadShipment(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status SaveDelivery(db::Transaction& tx, int64_t shipment_id, const v1::DeliveryReceipt& d,
                                   const Principal& by, absl::Time now);
  struct ShipmentFilter {
    int64_t order_id = 0;
    int64_t customer_id = 0;
    int64_t warehouse_id = 0;
    std::string kind, status;
    std::string from_date, to_date;
    int64_t before_id = 0;  // newest first
  };
  // Shipments newest first before the cursor, with the lines of the whole
  // page in one more statement.
  static absl::StatusOr<std::vector<v1::Shipment>> ListShipments(db::Transaction& tx, const ShipmentFilter& f,
                                                                 int limit);
  // Whether every outbound shipment of the order has been signed for.
  static absl::StatusOr<bool> AllOutboundDelivered(db::Transaction& tx, int64_t order_id);

  // ---- Order counters (fulfilment owns them) ----
  static absl::Status AddLineShipped(db::Transaction& tx, int64_t order_line_id, int64_t quantity);
  static absl::Status AddLineDelivered(db::Transaction& tx, int64_t order_line_id, int64_t quantity);
  static absl::Status AddLineReturned(db::Transaction& tx, int64_t order_line_id, int64_t quantity);
  // Net shipped less returned on the order header, and a version bump so an
  // etag read before the shipment goes stale.
  static absl::Status AddOrderShippedAmount(db::Transaction& tx, int64_t order_id, int64_t delta_minor, absl::Time now);
  // Unit cost of each order line (minor units per unit), for shipment costs.
  static absl::StatusOr<std::map<int64_t, int64_t>> LineUnitCosts(db::Transaction& tx, int64_t order_id);

  // ---- Scope of list pages ----
  // The scope facts of the orders `order_ids` by order id (unknown ids left
  // out): one statement for a whole page of documents, none for no ids.
  static absl::StatusOr<std::map<int64_t, OrderScopeFacts>> OrderScopes(db::Transaction& tx,
                                                                        const std::vector<int64_t>& order_ids);
};

}  // namespace sales::orders
