#include "orders-svc/store/sql_order_book.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/shipment_document_store.h"
#include "platform/org/org_replica.h"

namespace sales::orders {

absl::StatusOr<std::vector<int64_t>> SqlOrderBook::OrgSubtree(int64_t unit_id) {
  return OrgReplica::Subtree(tx_, unit_id);
}
absl::StatusOr<std::vector<int64_t>> SqlOrderBook::OrgChain(int64_t unit_id) { return OrgReplica::Chain(tx_, unit_id); }

absl::StatusOr<OrderRecord> SqlOrderBook::LoadOrder(int64_t order_id, bool for_update) {
  return OrderStore::Load(tx_, order_id, for_update);
}
absl::StatusOr<OrderWithReservations> SqlOrderBook::LoadOrderWithReservations(int64_t order_id, bool for_update) {
  return StockStore::LoadOrder(tx_, order_id, for_update);
}
absl::StatusOr<v1::OrderPolicy> SqlOrderBook::Policy() { return PolicyStore::Get(tx_); }
absl::StatusOr<QuoteRecord> SqlOrderBook::LoadQuote(int64_t quote_id) { return QuoteStore::Load(tx_, quote_id, false); }
absl::StatusOr<v1::Product> SqlOrderBook::LoadProduct(int64_t product_id) { return ProductStore::Get(tx_, product_id); }
absl::StatusOr<std::map<int64_t, v1::Product>> SqlOrderBook::LoadProducts(const std::vector<int64_t>& ids) {
  SALES_ASSIGN_OR_RETURN(auto found, ProductStore::GetMany(tx_, ids));
  for (int64_t id : ids) {
    if (found.count(id) == 0) return NotFound("product", id);
  }
  return found;
}
absl::StatusOr<QuoteRecord> SqlOrderBook::LockQuote(int64_t quote_id) { return QuoteStore::Load(tx_, quote_id, true); }
absl::Status SqlOrderBook::SetQuoteStatus(int64_t quote_id, v1::QuoteStatus status, const std::string& reason,
                                          int64_t order_id, absl::Time now) {
  return QuoteStore::SetStatus(tx_, quote_id, status, reason, order_id, now);
}
absl::StatusOr<int64_t> SqlOrderBook::InsertOrder(const v1::SalesOrder& o, const std::string& created_by_user,
                                                  int64_t taking_org_unit_id, absl::Time now) {
  return OrderStore::Insert(tx_, o, created_by_user, taking_org_unit_id, now);
}
absl::Status SqlOrderBook::ApproveSpecialFees(int64_t order_id) {
  return OrderStore::ApproveSpecialFees(tx_, order_id);
}
absl::Status SqlOrderBook::LockCustomerCredit(int64_t customer_id) {
  return OrderStore::LockCustomerCredit(tx_, customer_id);
}
absl::StatusOr<int64_t> SqlOrderBook::ConfirmedUnshipped(int64_t customer_id, int64_t excluding_order_id) {
  SALES_ASSIGN_OR_RETURN(auto open, OrderStore::ConfirmedUnshipped(tx_, customer_id, excluding_order_id));
  return open.amount;
}
absl::Status SqlOrderBook::SaveConfirmation(const v1::SalesOrder& o, const std::string& release_reason,
                                            absl::Time now) {
  return OrderStore::SaveConfirmation(tx_, o, release_reason, now);
}
absl::Status SqlOrderBook::SetOrderStatus(int64_t order_id, v1::OrderStatus status, const std::string& reason,
                                          absl::Time now) {
  return OrderStore::SetStatus(tx_, order_id, status, reason, now);
}

absl::StatusOr<std::vector<WarehouseStock>> SqlOrderBook::LockAvailable(const std::vector<int64_t>& product_ids) {
  return StockStore::LockAvailable(tx_, product_ids);
}
absl::StatusOr<v1::Reservation> SqlOrderBook::Reserve(int64_t order_id, int64_t order_line_id, int64_t warehouse_id,
                                                      int64_t product_id, int64_t quantity, absl::Time now) {
  return StockStore::Reserve(tx_, order_id, order_line_id, warehouse_id, product_id, quantity, now);
}
absl::StatusOr<std::vector<v1::Reservation>> SqlOrderBook::ReserveAll(int64_t order_id,
                                                                      const std::vector<StockAllocation>& allocations,
                                                                      absl::Time now) {
  return StockStore::ReserveAll(tx_, order_id, allocations, now);
}
absl::Status SqlOrderBook::ConsumeReservation(int64_t order_line_id, int64_t warehouse_id, int64_t quantity,
                                              const MovementContext& movement) {
  return StockStore::ConsumeReservation(tx_, order_line_id, warehouse_id, quantity, movement);
}

absl::StatusOr<RequisitionRecord> SqlOrderBook::LoadRequisition(int64_t requisition_id, bool for_update) {
  return ShipmentStore::LoadRequisition(tx_, requisition_id, for_update);
}
absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> SqlOrderBook::OpenRequested(int64_t order_id) {
  return ShipmentStore::OpenRequested(tx_, order_id);
}
absl::StatusOr<int64_t> SqlOrderBook::InsertRequisition(const v1::ShipmentRequisition& r, const Principal& requester,
                                                        absl::Time now) {
  return ShipmentStore::InsertRequisition(tx_, r, requester, now);
}
absl::StatusOr<ShipmentRecord> SqlOrderBook::LoadShipment(int64_t shipment_id, bool for_update) {
  return ShipmentStore::LoadShipment(tx_, shipment_id, for_update);
}
absl::Status SqlOrderBook::SaveDelivery(int64_t shipment_id, const v1::DeliveryReceipt& delivery, const Principal& by,
                                        absl::Time now) {
  return ShipmentStore::SaveDelivery(tx_, shipment_id, delivery, by, now);
}
absl::Status SqlOrderBook::AddLineDelivered(int64_t order_line_id, int64_t quantity) {
  return ShipmentStore::AddLineDelivered(tx_, order_line_id, quantity);
}
absl::StatusOr<bool> SqlOrderBook::AllOutboundDelivered(int64_t order_id) {
  return ShipmentStore::AllOutboundDelivered(tx_, order_id);
}
absl::Status SqlOrderBook::AddRequisitionShipped(int64_t requisition_line_id, int64_t quantity) {
  return ShipmentStore::AddRequisitionShipped(tx_, requisition_line_id, quantity);
}
absl::Status SqlOrderBook::SetRequisitionStatus(int64_t requisition_id, v1::ShipmentRequisitionStatus status,
                                                const std::string& reason, absl::Time now) {
  return ShipmentStore::SetRequisitionStatus(tx_, requisition_id, status, reason, now);
}
absl::Status SqlOrderBook::AddLineShipped(int64_t order_line_id, int64_t quantity) {
  return ShipmentStore::AddLineShipped(tx_, order_line_id, quantity);
}
absl::Status SqlOrderBook::AddOrderShippedAmount(int64_t order_id, int64_t delta_minor, absl::Time now) {
  return ShipmentStore::AddOrderShippedAmount(tx_, order_id, delta_minor, now);
}
absl::StatusOr<std::map<int64_t, int64_t>> SqlOrderBook::LineUnitCosts(int64_t order_id) {
  return ShipmentStore::LineUnitCosts(tx_, order_id);
}
absl::StatusOr<v1::Shipment> SqlOrderBook::InsertShipment(v1::Shipment s, std::vector<NewShipmentLine> lines,
                                                          int64_t credited_org_unit_id, const std::string& currency,
                                                          const Principal& posted_by, absl::Time now) {
  return ShipmentStore::InsertShipment(tx_, std::move(s), std::move(lines), credited_org_unit_id, currency, posted_by,
                                       now);
}
absl::StatusOr<v1::ShippingDocument> SqlOrderBook::CreateDocument(v1::DocumentType type, const std::string& number,
                                                                  int64_t order_id, int64_t requisition_id,
                                                                  int64_t shipment_id, absl::Time now) {
  return ShipmentDocumentStore::Create(tx_, type, number, order_id, requisition_id, shipment_id, now);
}

absl::StatusOr<ReturnRecord> SqlOrderBook::LoadReturn(int64_t return_id, bool for_update) {
  return ReturnStore::Load(tx_, return_id, for_update);
}
absl::StatusOr<int64_t> SqlOrderBook::InsertReturn(const v1::ReturnRequest& r, int64_t credited_org_unit_id,
                                                   const std::string& currency, int year, const Principal& requester,
                                                   absl::Time now) {
  return ReturnStore::Insert(tx_, r, credited_org_unit_id, currency, year, requester, now);
}
absl::StatusOr<std::map<int64_t, int64_t>> SqlOrderBook::PendingReturnsByLine(int64_t order_id,
                                                                              int64_t excluding_return_id) {
  return ReturnStore::PendingByLine(tx_, order_id, excluding_return_id);
}
absl::Status SqlOrderBook::SaveReturnVerification(int64_t return_id,
                                                  const std::map<int64_t, v1::ReturnLineVerification>& results,
                                                  const std::string& notes, const Principal& by,
                                                  v1::ReturnStatus status, absl::Time now) {
  return ReturnStore::SaveVerification(tx_, return_id, results, notes, by, status, now);
}
absl::Status SqlOrderBook::SetReturnStatus(int64_t return_id, v1::ReturnStatus status, const std::string& reason,
                                           int64_t return_shipment_id, absl::Time now) {
  return ReturnStore::SetStatus(tx_, return_id, status, reason, return_shipment_id, now);
}
absl::StatusOr<std::optional<WarehouseInfo>> SqlOrderBook::LoadWarehouse(int64_t warehouse_id) {
  return ReturnDestinationStore::Warehouse(tx_, warehouse_id);
}
absl::StatusOr<std::optional<WarehouseInfo>> SqlOrderBook::FirstQuarantineWarehouse() {
  return ReturnDestinationStore::FirstQuarantine(tx_);
}
absl::StatusOr<int64_t> SqlOrderBook::ShippedFrom(int64_t order_line_id, int64_t shipment_id) {
  return ReturnDestinationStore::ShippedFrom(tx_, order_line_id, shipment_id);
}
absl::Status SqlOrderBook::PutBack(int64_t warehouse_id, int64_t product_id, int64_t quantity,
                                   const MovementContext& movement) {
  return StockStore::PutBack(tx_, warehouse_id, product_id, quantity, movement).status();
}
absl::Status SqlOrderBook::AddLineReturned(int64_t order_line_id, int64_t quantity) {
  return ShipmentStore::AddLineReturned(tx_, order_line_id, quantity);
}
absl::Status SqlOrderBook::InsertApprovalStep(v1::SubjectType subject_type, int64_t subject_id,
                                              const v1::ApprovalStep& step, const Principal& requester,
                                              absl::Time now) {
  return ApprovalStore::Insert(tx_, subject_type, subject_id, step, requester, now);
}

absl::Status SqlOrderBook::Audit(const AuditRecord& record, const Principal& actor, const std::string& request_id,
                                 absl::Time now) {
  return AuditStore::Append(tx_, record, actor, request_id, now);
}
absl::Status SqlOrderBook::Publish(const std::string& aggregate_type, int64_t aggregate_id,
                                   const google::protobuf::Message& event, const std::string& request_id) {
  if (outbox_ == nullptr) return absl::InternalError("a read-only order book publishes nothing");
  return outbox_->Append(tx_, aggregate_type, absl::StrCat(aggregate_id), event, request_id);
}

}  // namespace sales::orders
