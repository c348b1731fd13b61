// Turning an accepted quote into a draft order (报价转订单): the order keeps
// the quoted prices — the customer was promised them and the approvals were
// given for them — with costs from today's products, and the quote is
// CONVERTED, pointing at the order.
#pragma once

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/orders/v1/quote_messages.pb.h"

namespace sales::orders {

class QuoteConversion {
 public:
  explicit QuoteConversion(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/) and the customer was checked with
  // customers-svc before the transaction. FAILED_PRECONDITION (QUOTE_EXPIRED)
  // past its validity; INVALID_ARGUMENT when a stored total does not add up.
  absl::StatusOr<v1::ConvertQuoteToOrderResponse> Convert(OrderBook& book, const CallContext& call,
                                                          const v1::ConvertQuoteToOrderRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::orders
