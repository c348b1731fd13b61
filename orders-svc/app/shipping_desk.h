// The shipping desk around a posting (app/shipment_posting.h): asking for a
// shipment (需货申请单, which then waits for a manager) and recording the
// customer's receipt (客户确认单), after which an order whose goods all
// arrived is DELIVERED.
#pragma once

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/orders/v1/shipment_messages.pb.h"

namespace sales::orders {

class ShippingDesk {
 public:
  explicit ShippingDesk(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/). Each line is checked against what is
  // ordered, shipped, reserved in its warehouse and already requested; a
  // line reserved in several warehouses must name one.
  absl::StatusOr<v1::RequestShipmentResponse> Request(OrderBook& book, const CallContext& call,
                                                      const v1::RequestShipmentRequest& request);
  // FAILED_PRECONDITION for a return receipt or a shipment already delivered.
  absl::StatusOr<v1::RecordDeliveryResponse> RecordDelivery(OrderBook& book, const CallContext& call,
                                                            const v1::RecordDeliveryRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::orders
