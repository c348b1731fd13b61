// Posting an outbound note (销售出库单) against an approved shipment
// requisition: partial quantities allowed, every line checked before anything
// is written; stock leaves the warehouse from the line's reservation, the
// requisition and the order move on (partially or fully shipped), the
// outbound note is opened and OrderShipped goes to the feed with each line's
// price and cost.
#pragma once

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/orders/v1/shipment_messages.pb.h"

namespace sales::orders {

class ShipmentPosting {
 public:
  explicit ShipmentPosting(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/ checked ids, quantities and the date).
  // PERMISSION_DENIED unless warehouse or admin; INVALID_ARGUMENT naming the
  // line for a line not on the requisition or of another warehouse;
  // FAILED_PRECONDITION for a requisition not approved, an order that does
  // not ship, or more than requested, ordered or reserved.
  absl::StatusOr<v1::PostShipmentResponse> Post(OrderBook& book, const CallContext& call,
                                                const v1::PostShipmentRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::orders
