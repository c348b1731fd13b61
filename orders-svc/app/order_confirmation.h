// Confirming an order (销售订单确认) and releasing it from credit hold: the
// look before the transaction, the questions to customers-svc and
// finance-svc asked together outside it (no row lock waits on a peer), then
// in one transaction the credit check (§5.2), either the hold or the stock
// reservation (domain/allocation), the order's new state, its audit row and
// its event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/peers/customers_peer.h"
#include "platform/peers/finance_peer.h"
#include "sales/orders/v1/order_messages.pb.h"

namespace sales::orders {

// Everything confirmation learns from the other services.
struct ConfirmFacts {
  customers::v1::Customer customer;
  customers::v1::ResolveCreditedRepResponse credited;
  customers::v1::CreditProfile profile;  // limit 0, no hold, when the customer has none
  finance::v1::CustomerExposure exposure;
};

// What the look before the transaction found: the order and its policy, and
// whether the peers are worth asking (no: the transaction decides alone — a
// repeat answered from its idempotency record, or a refusal).
struct ConfirmLook {
  OrderRecord order;
  v1::OrderPolicy policy;
  bool ask_peers = false;
};

class OrderConfirmation {
 public:
  OrderConfirmation(const Clock& clock, peers::CustomersPeer& customers, peers::FinancePeer& finance)
      : clock_(clock), customers_(customers), finance_(finance) {}

  // The order (in the caller's scope) and the policy, read without locks;
  // nothing decided (a credit check may be asked of any order).
  absl::StatusOr<ConfirmLook> Peek(OrderBook& book, const CallContext& call, int64_t order_id);
  // Peek, then whether confirmation can go on. FAILED_PRECONDITION (APPROVALS_PENDING) when the
  // order waits for an approval or needs one (a draft that must be
  // submitted first).
  absl::StatusOr<ConfirmLook> Look(OrderBook& book, const CallContext& call, int64_t order_id, const std::string& etag);
  // Asks the four questions together under the policy's dependency
  // deadline; FAILED_PRECONDITION (CUSTOMER_BLACKLISTED) for a blacklisted
  // customer, UNAVAILABLE when a peer does not answer.
  absl::StatusOr<ConfirmFacts> Gather(const CallContext& call, const ConfirmLook& look);

  // The confirming transaction. `facts` is empty when the look decided not to
  // ask: then only a refusal (state, etag, approvals) or ABORTED comes back.
  absl::StatusOr<v1::ConfirmOrderResponse> Confirm(OrderBook& book, const CallContext& call, int64_t order_id,
                                                   const std::string& etag, const std::optional<ConfirmFacts>& facts);

  // A finance user, the director, or a manager in the credited rep's chain
  // lets a held order through: stock is reserved and it is confirmed now.
  absl::StatusOr<v1::ReleaseCreditHoldResponse> ReleaseHold(OrderBook& book, const CallContext& call, int64_t order_id,
                                                            const std::string& etag, const std::string& reason);

  // The credit check as confirmation would run it now, nothing written.
  absl::StatusOr<v1::CreditCheck> CheckCredit(OrderBook& book, const v1::SalesOrder& o, const ConfirmFacts& facts);

 private:
  const Clock& clock_;
  peers::CustomersPeer& customers_;
  peers::FinancePeer& finance_;
};

}  // namespace sales::orders
