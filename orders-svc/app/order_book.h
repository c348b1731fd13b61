// What an orders use case reads and writes inside its one transaction: the
// seam between app/ (the workflows) and store/ (the SQL). SqlOrderBook
// (store/sql_order_book.h) answers on MariaDB inside a db::Transaction; the
// application tests answer from memory (tests/orders/app/fake_order_book.h).
// Each method is one store operation; the rules stay in app/ and domain/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "orders-svc/domain/allocation.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/quote_store.h"
#include "orders-svc/store/return_store.h"
#include "orders-svc/store/shipment_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/principal.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/pricing.pb.h"
#include "sales/orders/v1/product.pb.h"
#include "sales/orders/v1/shipment.pb.h"
#include "sales/orders/v1/stock.pb.h"

namespace sales::orders {

class OrderBook {
 public:
  virtual ~OrderBook() = default;

  // ---- The org replica (who sits above and below whom) ----
  // The unit and every unit below it.
  virtual absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) = 0;
  // The unit and every unit above it, nearest first.
  virtual absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) = 0;

  // ---- Orders, the policy and what an order was made from ----
  // NOT_FOUND when unknown; `for_update` row-locks the order first.
  virtual absl::StatusOr<OrderRecord> LoadOrder(int64_t order_id, bool for_update) = 0;
  // The order with its reservations (fulfilment).
  virtual absl::StatusOr<OrderWithReservations> LoadOrderWithReservations(int64_t order_id, bool for_update) = 0;
  virtual absl::StatusOr<v1::OrderPolicy> Policy() = 0;
  virtual absl::StatusOr<QuoteRecord> LoadQuote(int64_t quote_id) = 0;
  // The quote row-locked, for a change of its state.
  virtual absl::StatusOr<QuoteRecord> LockQuote(int64_t quote_id) = 0;
  virtual absl::Status SetQuoteStatus(int64_t quote_id, v1::QuoteStatus status, const std::string& reason,
                                      int64_t order_id, absl::Time now) = 0;
  // Numbers and stores a DRAFT order; its id.
  virtual absl::StatusOr<int64_t> InsertOrder(const v1::SalesOrder& o, const std::string& created_by_user,
                                              int64_t taking_org_unit_id, absl::Time now) = 0;
  virtual absl::StatusOr<v1::Product> LoadProduct(int64_t product_id) = 0;
  // The products of `ids` by id; NOT_FOUND for the first unknown one. A book
  // may read them at once (SqlOrderBook: one statement).
  virtual absl::StatusOr<std::map<int64_t, v1::Product>> LoadProducts(const std::vector<int64_t>& ids) {
    std::map<int64_t, v1::Product> out;
    for (int64_t id : ids) {
      auto p = LoadProduct(id);
      if (!p.ok()) return p.status();
      out[id] = *std::move(p);
    }
    return out;
  }
  virtual absl::Status ApproveSpecialFees(int64_t order_id) = 0;
  // Serializes confirmations of one customer's orders (their exposure).
  virtual absl::Status LockCustomerCredit(int64_t customer_id) = 0;
  // Confirmed value not yet shipped for the customer, other orders only.
  virtual absl::StatusOr<int64_t> ConfirmedUnshipped(int64_t customer_id, int64_t excluding_order_id) = 0;
  // Writes status, reason, credited rep and unit, dates and credit check.
  virtual absl::Status SaveConfirmation(const v1::SalesOrder& o, const std::string& release_reason, absl::Time now) = 0;
  virtual absl::Status SetOrderStatus(int64_t order_id, v1::OrderStatus status, const std::string& reason,
                                      absl::Time now) = 0;

  // ---- Stock ----
  // Locks and returns the stock rows of the products in every active
  // regular warehouse (ascending warehouse, product).
  virtual absl::StatusOr<std::vector<WarehouseStock>> LockAvailable(const std::vector<int64_t>& product_ids) = 0;
  // FAILED_PRECONDITION (INSUFFICIENT_STOCK) when the stock is gone.
  virtual absl::StatusOr<v1::Reservation> Reserve(int64_t order_id, int64_t order_line_id, int64_t warehouse_id,
                                                  int64_t product_id, int64_t quantity, absl::Time now) = 0;
  // Reserves every allocation of one order (sorted by warehouse, product,
  // the order the rows were locked in) with Reserve's guarantees; returns
  // the reservations in that order. A book may do it in fewer statements
  // (SqlOrderBook: one stock update, one insert), since the rows are locked
  // until commit.
  virtual absl::StatusOr<std::vector<v1::Reservation>> ReserveAll(int64_t order_id,
                                                                  const std::vector<StockAllocation>& allocations,
                                                                  absl::Time now) {
    std::vector<v1::Reservation> out;
    for (const auto& a : allocations) {
      auto r = Reserve(order_id, a.order_line_id, a.warehouse_id, a.product_id, a.quantity, now);
      if (!r.ok()) return r.status();
      out.push_back(*std::move(r));
    }
    return out;
  }
  // Ships `quantity` of the line's open reservation out of the warehouse;
  // FAILED_PRECONDITION (EXCEEDS_RESERVED) when less is reserved there.
  virtual absl::Status ConsumeReservation(int64_t order_line_id, int64_t warehouse_id, int64_t quantity,
                                          const MovementContext& movement) = 0;

  // ---- Shipments ----
  virtual absl::StatusOr<RequisitionRecord> LoadRequisition(int64_t requisition_id, bool for_update) = 0;
  // Quantity requested and not yet shipped per (order line, warehouse) on
  // the order's open requisitions.
  virtual absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> OpenRequested(int64_t order_id) = 0;
  // Numbers and stores a requisition waiting for approval; its id.
  virtual absl::StatusOr<int64_t> InsertRequisition(const v1::ShipmentRequisition& r, const Principal& requester,
                                                    absl::Time now) = 0;
  virtual absl::StatusOr<ShipmentRecord> LoadShipment(int64_t shipment_id, bool for_update) = 0;
  // The customer's receipt (客户确认单) on an outbound shipment.
  virtual absl::Status SaveDelivery(int64_t shipment_id, const v1::DeliveryReceipt& delivery, const Principal& by,
                                    absl::Time now) = 0;
  virtual absl::Status AddLineDelivered(int64_t order_line_id, int64_t quantity) = 0;
  virtual absl::StatusOr<bool> AllOutboundDelivered(int64_t order_id) = 0;
  virtual absl::Status AddRequisitionShipped(int64_t requisition_line_id, int64_t quantity) = 0;
  virtual absl::Status SetRequisitionStatus(int64_t requisition_id, v1::ShipmentRequisitionStatus status,
                                            const std::string& reason, absl::Time now) = 0;
  virtual absl::Status AddLineShipped(int64_t order_line_id, int64_t quantity) = 0;
  virtual absl::Status AddOrderShippedAmount(int64_t order_id, int64_t delta_minor, absl::Time now) = 0;
  // Unit cost per order line, as priced at entry.
  virtual absl::StatusOr<std::map<int64_t, int64_t>> LineUnitCosts(int64_t order_id) = 0;
  // Numbers the shipment, fills ids and totals, returns it.
  virtual absl::StatusOr<v1::Shipment> InsertShipment(v1::Shipment s, std::vector<NewShipmentLine> lines,
                                                      int64_t credited_org_unit_id, const std::string& currency,
                                                      const Principal& posted_by, absl::Time now) = 0;
  // A controlled document (出库单, 提货证明单), unprinted.
  virtual absl::StatusOr<v1::ShippingDocument> CreateDocument(v1::DocumentType type, const std::string& number,
                                                              int64_t order_id, int64_t requisition_id,
                                                              int64_t shipment_id, absl::Time now) = 0;

  // ---- Returns (退货) ----
  virtual absl::StatusOr<ReturnRecord> LoadReturn(int64_t return_id, bool for_update) = 0;
  // Numbers the return (RR-YYYY-NNNNNN) and stores it REQUESTED; its id.
  virtual absl::StatusOr<int64_t> InsertReturn(const v1::ReturnRequest& r, int64_t credited_org_unit_id,
                                               const std::string& currency, int year, const Principal& requester,
                                               absl::Time now) = 0;
  // Quantity per order line on the order's open returns, but `excluding_return_id`.
  virtual absl::StatusOr<std::map<int64_t, int64_t>> PendingReturnsByLine(int64_t order_id,
                                                                          int64_t excluding_return_id) = 0;
  virtual absl::Status SaveReturnVerification(int64_t return_id,
                                              const std::map<int64_t, v1::ReturnLineVerification>& results,
                                              const std::string& notes, const Principal& by, v1::ReturnStatus status,
                                              absl::Time now) = 0;
  virtual absl::Status SetReturnStatus(int64_t return_id, v1::ReturnStatus status, const std::string& reason,
                                       int64_t return_shipment_id, absl::Time now) = 0;
  // A warehouse as a destination of returned goods; nullopt when unknown.
  virtual absl::StatusOr<std::optional<WarehouseInfo>> LoadWarehouse(int64_t warehouse_id) = 0;
  // The first active quarantine warehouse by priority then id.
  virtual absl::StatusOr<std::optional<WarehouseInfo>> FirstQuarantineWarehouse() = 0;
  // The warehouse an order line's goods left from (that shipment's, else the
  // line's latest outbound); 0 when none.
  virtual absl::StatusOr<int64_t> ShippedFrom(int64_t order_line_id, int64_t shipment_id) = 0;
  // Puts `quantity` (> 0) back on hand (not reserved) with a RETURN ledger row.
  virtual absl::Status PutBack(int64_t warehouse_id, int64_t product_id, int64_t quantity,
                               const MovementContext& movement) = 0;
  virtual absl::Status AddLineReturned(int64_t order_line_id, int64_t quantity) = 0;

  // ---- Approvals ----
  // Opens a pending step of the subject.
  virtual absl::Status InsertApprovalStep(v1::SubjectType subject_type, int64_t subject_id,
                                          const v1::ApprovalStep& step, const Principal& requester, absl::Time now) = 0;

  // ---- The audit trail and the feed ----
  virtual absl::Status Audit(const AuditRecord& record, const Principal& actor, const std::string& request_id,
                             absl::Time now) = 0;
  // Appends `event` to the orders feed, in this transaction.
  virtual absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id,
                               const google::protobuf::Message& event, const std::string& request_id) = 0;
};

}  // namespace sales::orders
