// The life of a sales order and of a quote as pure state machines
// (domain.md §5; order.proto and quote.proto list the transitions). Every
// handler asks here before changing a state, so the refusals are the same
// everywhere and tested in one table.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/quote.pb.h"

namespace sales::orders {

enum class OrderAction {
  kEdit,         // UpdateOrder: DRAFT → DRAFT
  kSubmit,       // DRAFT → PENDING_APPROVAL
  kApprove,      // an approval step decided: PENDING_APPROVAL stays
  kReject,       // PENDING_APPROVAL → DRAFT
  kConfirm,      // credit passed and stock reserved: DRAFT | PENDING_APPROVAL | CREDIT_HOLD → CONFIRMED
  kCreditHold,   // credit failed: DRAFT | PENDING_APPROVAL | CREDIT_HOLD → CREDIT_HOLD
  kReleaseHold,  // finance or a manager releases: CREDIT_HOLD → CONFIRMED
  kShipPartial,  // CONFIRMED | PARTIALLY_SHIPPED → PARTIALLY_SHIPPED
  kShipAll,      // CONFIRMED | PARTIALLY_SHIPPED → SHIPPED
  kDeliver,      // SHIPPED → DELIVERED
  kClose,        // DELIVERED → CLOSED
  kCancel,       // DRAFT | PENDING_APPROVAL | CONFIRMED | CREDIT_HOLD → CANCELLED
};

const char* OrderActionName(OrderAction a);

// The state after `action`, or FAILED_PRECONDITION naming both; the reason
// is ORDER_ALREADY_CONFIRMED when confirming an order that is past
// confirmation, ORDER_NOT_CANCELLABLE when cancelling after shipment, and
// ORDER_STATE_CONFLICT otherwise.
absl::StatusOr<v1::OrderStatus> NextOrderStatus(v1::OrderStatus from, OrderAction action);

enum class QuoteAction {
  kEdit,     // DRAFT | REJECTED → DRAFT
  kSubmit,   // DRAFT → PENDING_APPROVAL (or APPROVED when nothing is needed)
  kApprove,  // PENDING_APPROVAL → PENDING_APPROVAL | APPROVED (last step)
  kReject,   // PENDING_APPROVAL → REJECTED
  kCancel,   // DRAFT | PENDING_APPROVAL | APPROVED | REJECTED → CANCELLED
  kConvert,  // APPROVED → CONVERTED
  kExpire,   // DRAFT | PENDING_APPROVAL | APPROVED | REJECTED → EXPIRED
};

const char* QuoteActionName(QuoteAction a);

// Whether `action` is allowed in `from`; FAILED_PRECONDITION otherwise
// (QUOTE_ALREADY_CONVERTED, QUOTE_EXPIRED or QUOTE_STATE_CONFLICT).
absl::Status CheckQuoteAction(v1::QuoteStatus from, QuoteAction action);

}  // namespace sales::orders
