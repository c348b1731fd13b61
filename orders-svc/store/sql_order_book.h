// The order book on MariaDB: each operation is the store's statement run in
// the caller's transaction; events go to the service's outbox in it too.
#pragma once

#include "orders-svc/app/order_book.h"
#include "platform/mysql.h"
#include "platform/outbox.h"

namespace sales::orders {

class SqlOrderBook final : public OrderBook {
 public:
  // `outbox` may be null for a book that only reads.
  SqlOrderBook(db::Transaction& tx, Outbox* outbox) : tx_(tx), outbox_(outbox) {}

  absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) override;
  absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) override;
  absl::StatusOr<OrderRecord> LoadOrder(int64_t order_id, bool for_update) override;
  absl::StatusOr<OrderWithReservations> LoadOrderWithReservations(int64_t order_id, bool for_update) override;
  absl::StatusOr<v1::OrderPolicy> Policy() override;
  absl::StatusOr<QuoteRecord> LoadQuote(int64_t quote_id) override;
  absl::StatusOr<v1::Product> LoadProduct(int64_t product_id) override;
  absl::StatusOr<std::map<int64_t, v1::Product>> LoadProducts(const std::vector<int64_t>& ids) override;
  absl::StatusOr<QuoteRecord> LockQuote(int64_t quote_id) override;
  absl::Status SetQuoteStatus(int64_t quote_id, v1::QuoteStatus status, const std::string& reason, int64_t order_id,
                              absl::Time now) override;
  absl::StatusOr<int64_t> InsertOrder(const v1::SalesOrder& o, const std::string& created_by_user,
                                      int64_t taking_org_unit_id, absl::Time now) override;
  absl::Status ApproveSpecialFees(int64_t order_id) override;
  absl::Status LockCustomerCredit(int64_t customer_id) override;
  absl::StatusOr<int64_t> ConfirmedUnshipped(int64_t customer_id, int64_t excluding_order_id) override;
  absl::Status SaveConfirmation(const v1::SalesOrder& o, const std::string& release_reason, absl::Time now) override;
  absl::Status SetOrderStatus(int64_t order_id, v1::OrderStatus status, const std::string& reason,
                              absl::Time now) override;
  absl::StatusOr<std::vector<WarehouseStock>> LockAvailable(const std::vector<int64_t>& product_ids) override;
  absl::StatusOr<std::vector<v1::Reservation>> ReserveAll(int64_t order_id,
                                                          const std::vector<StockAllocation>& allocations,
                                                          absl::Time now) override;
  absl::StatusOr<v1::Reservation> Reserve(int64_t order_id, int64_t order_line_id, int64_t warehouse_id,
                                          int64_t product_id, int64_t quantity, absl::Time now) override;
  absl::Status ConsumeReservation(int64_t order_line_id, int64_t warehouse_id, int64_t quantity,
                                  const MovementContext& movement) override;
  absl::StatusOr<RequisitionRecord> LoadRequisition(int64_t requisition_id, bool for_update) override;
  absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> OpenRequested(int64_t order_id) override;
  absl::StatusOr<int64_t> InsertRequisition(const v1::ShipmentRequisition& r, const Principal& requester,
                                            absl::Time now) override;
  absl::StatusOr<ShipmentRecord> LoadShipment(int64_t shipment_id, bool for_update) override;
  absl::Status SaveDelivery(int64_t shipment_id, const v1::DeliveryReceipt& delivery, const Principal& by,
                            absl::Time now) override;
  absl::Status AddLineDelivered(int64_t order_line_id, int64_t quantity) override;
  absl::StatusOr<bool> AllOutboundDelivered(int64_t order_id) override;
  absl::Status AddRequisitionShipped(int64_t requisition_line_id, int64_t quantity) override;
  absl::Status SetRequisitionStatus(int64_t requisition_id, v1::ShipmentRequisitionStatus status,
                                    const std::string& reason, absl::Time now) override;
  absl::Status AddLineShipped(int64_t order_line_id, int64_t quantity) override;
  absl::Status AddOrderShippedAmount(int64_t order_id, int64_t delta_minor, absl::Time now) override;
  absl::StatusOr<std::map<int64_t, int64_t>> LineUnitCosts(int64_t order_id) override;
  absl::StatusOr<v1::Shipment> InsertShipment(v1::Shipment s, std::vector<NewShipmentLine> lines,
                                              int64_t credited_org_unit_id, const std::string& currency,
                                              const Principal& posted_by, absl::Time now) override;
  absl::StatusOr<v1::ShippingDocument> CreateDocument(v1::DocumentType type, const std::string& number,
                                                      int64_t order_id, int64_t requisition_id, int64_t shipment_id,
                                                      absl::Time now) override;
  absl::StatusOr<ReturnRecord> LoadReturn(int64_t return_id, bool for_update) override;
  absl::StatusOr<int64_t> InsertReturn(const v1::ReturnRequest& r, int64_t credited_org_unit_id,
                                       const std::string& currency, int year, const Principal& requester,
                                       absl::Time now) override;
  absl::StatusOr<std::map<int64_t, int64_t>> PendingReturnsByLine(int64_t order_id,
                                                                  int64_t excluding_return_id) override;
  absl::Status SaveReturnVerification(int64_t return_id, const std::map<int64_t, v1::ReturnLineVerification>& results,
                                      const std::string& notes, const Principal& by, v1::ReturnStatus status,
                                      absl::Time now) override;
  absl::Status SetReturnStatus(int64_t return_id, v1::ReturnStatus status, const std::string& reason,
                               int64_t return_shipment_id, absl::Time now) override;
  absl::StatusOr<std::optional<WarehouseInfo>> LoadWarehouse(int64_t warehouse_id) override;
  absl::StatusOr<std::optional<WarehouseInfo>> FirstQuarantineWarehouse() override;
  absl::StatusOr<int64_t> ShippedFrom(int64_t order_line_id, int64_t shipment_id) override;
  absl::Status PutBack(int64_t warehouse_id, int64_t product_id, int64_t quantity,
                       const MovementContext& movement) override;
  absl::Status AddLineReturned(int64_t order_line_id, int64_t quantity) override;
  absl::Status InsertApprovalStep(v1::SubjectType subject_type, int64_t subject_id, const v1::ApprovalStep& step,
                                  const Principal& requester, absl::Time now) override;
  absl::Status Audit(const AuditRecord& record, const Principal& actor, const std::string& request_id,
                     absl::Time now) override;
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id) override;

 private:
  db::Transaction& tx_;
  Outbox* outbox_;
};

}  // namespace sales::orders
