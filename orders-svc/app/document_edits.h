// Editing a quote or an order before it is decided (修改报价/订单): the
// document as stored, row-locked and in the caller's scope, takes the
// fields the update_mask names (platform/field_mask.h; every field when the
// mask is empty), is checked and priced again for its date, its pending
// approvals are withdrawn and it is a DRAFT again, audited.
//
// Works on the stores directly for what is not on the OrderBook port
// (app/order_book.h): writing a document's content and withdrawing its
// approvals; the scope check and the audit row go through the book the
// caller passes, as in every other use case.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/orders/v1/order_messages.pb.h"
#include "sales/orders/v1/quote_messages.pb.h"

namespace sales::orders {

class DocumentEdits {
 public:
  explicit DocumentEdits(const Clock& clock) : clock_(clock) {}

  // Each `request` is well formed and the caller's role checked (api/: the
  // id, the mask, and the content when the mask is empty); `paths` are its
  // update_mask's as UpdatePaths gave them. With a mask, the document as it
  // will be stored is what is checked. The customer and currency never
  // change; approval steps are the service's record, never content.

  // FAILED_PRECONDITION unless the quote is DRAFT or REJECTED.
  absl::StatusOr<v1::UpdateQuoteResponse> EditQuote(db::Transaction& tx, OrderBook& book, const CallContext& call,
                                                    const v1::UpdateQuoteRequest& request,
                                                    const std::vector<std::string>& paths);
  // FAILED_PRECONDITION unless the order is DRAFT. Its kind, original
  // order, quote and taking rep never change either.
  absl::StatusOr<v1::UpdateOrderResponse> EditOrder(db::Transaction& tx, OrderBook& book, const CallContext& call,
                                                    const v1::UpdateOrderRequest& request,
                                                    const std::vector<std::string>& paths);

 private:
  const Clock& clock_;
};

}  // namespace sales::orders
