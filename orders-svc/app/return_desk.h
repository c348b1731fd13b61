// Returns (退货(换货)流程 [001]): the rep raises the request against shipped
// quantities, someone checks name, spec, quantity and genuineness
// (verification), the manager approves (api/), and the warehouse receives
// the goods as negative shipments (红字出库单), one per destination
// warehouse: intact goods back on hand where they left from (or a named
// regular warehouse), damaged and defective goods into quarantine.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "orders-svc/domain/return_rules.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/orders/v1/return_messages.pb.h"

namespace sales::orders {

// A return and its order, the order row locked first (the lock order of
// shipping), with the etag and the transition checked.
struct ReturnInHand {
  OrderWithReservations order;
  ReturnRecord ret;
  // The unit whose chain decides the return.
  int64_t RequesterUnit() const {
    return ret.requester.org_unit_id ? ret.requester.org_unit_id : ret.credited_org_unit_id;
  }
};
absl::StatusOr<ReturnInHand> LoadReturnForChange(OrderBook& book, int64_t return_id, const std::string& etag,
                                                 ReturnAction action);

class ReturnDesk {
 public:
  explicit ReturnDesk(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/). INVALID_ARGUMENT naming the line for a
  // line not on the order or a shipment it did not leave on;
  // FAILED_PRECONDITION beyond what was shipped and not yet returned or
  // pending on other returns.
  absl::StatusOr<v1::CreateReturnResponse> Create(OrderBook& book, const CallContext& call,
                                                  const v1::CreateReturnRequest& request);
  // One result per return line; goods that are not ours count 0. Nothing
  // accepted closes the return; otherwise a manager step opens.
  absl::StatusOr<v1::VerifyReturnResponse> Verify(OrderBook& book, const CallContext& call,
                                                  const v1::VerifyReturnRequest& request);
  // The warehouse receives an approved return (limits re-checked: other
  // returns may have been received since).
  absl::StatusOr<v1::ReceiveReturnResponse> Receive(OrderBook& book, const CallContext& call,
                                                    const v1::ReceiveReturnRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::orders
