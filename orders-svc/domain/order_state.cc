#include "orders-svc/domain/order_state.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

bool In(v1::OrderStatus s, std::initializer_list<v1::OrderStatus> set) {
  for (auto x : set) {
    if (x == s) return true;
  }
  return false;
}

bool InQ(v1::QuoteStatus s, std::initializer_list<v1::QuoteStatus> set) {
  for (auto x : set) {
    if (x == s) return true;
  }
  return false;
}

}  // namespace

const char* OrderActionName(OrderAction a) {
  switch (a) {
    case OrderAction::kEdit:
      return "edit";
    case OrderAction::kSubmit:
      return "submit";
    case OrderAction::kApprove:
      return "approve";
    case OrderAction::kReject:
      return "reject";
    case OrderAction::kConfirm:
      return "confirm";
    case OrderAction::kCreditHold:
      return "hold for credit";
    case OrderAction::kReleaseHold:
      return "release from credit hold";
    case OrderAction::kShipPartial:
      return "ship part of";
    case OrderAction::kShipAll:
      return "ship";
    case OrderAction::kDeliver:
      return "deliver";
    case OrderAction::kClose:
      return "close";
    case OrderAction::kCancel:
      return "cancel";
  }
  return "?";
}

absl::StatusOr<v1::OrderStatus> NextOrderStatus(v1::OrderStatus from, OrderAction action) {
  using S = v1::OrderStatus;
  const S kDraft = v1::ORDER_STATUS_DRAFT, kPending = v1::ORDER_STATUS_PENDING_APPROVAL,
          kConfirmed = v1::ORDER_STATUS_CONFIRMED, kHold = v1::ORDER_STATUS_CREDIT_HOLD,
          kPartial = v1::ORDER_STATUS_PARTIALLY_SHIPPED, kShipped = v1::ORDER_STATUS_SHIPPED,
          kDelivered = v1::ORDER_STATUS_DELIVERED, kClosed = v1::ORDER_STATUS_CLOSED,
          kCancelled = v1::ORDER_STATUS_CANCELLED;
  std::optional<S> to;
  switch (action) {
    case OrderAction::kEdit:
      if (from == kDraft) to = kDraft;
      break;
    case OrderAction::kSubmit:
      if (from == kDraft) to = kPending;
      break;
    case OrderAction::kApprove:
      if (from == kPending) to = kPending;
      break;
    case OrderAction::kReject:
      if (from == kPending) to = kDraft;
      break;
    case OrderAction::kConfirm:
      if (In(from, {kDraft, kPending, kHold})) to = kConfirmed;
      break;
    case OrderAction::kCreditHold:
      if (In(from, {kDraft, kPending, kHold})) to = kHold;
      break;
    case OrderAction::kReleaseHold:
      if (from == kHold) to = kConfirmed;
      break;
    case OrderAction::kShipPartial:
      if (In(from, {kConfirmed, kPartial})) to = kPartial;
      break;
    case OrderAction::kShipAll:
      if (In(from, {kConfirmed, kPartial})) to = kShipped;
      break;
    case OrderAction::kDeliver:
      if (from == kShipped) to = kDelivered;
      break;
    case OrderAction::kClose:
      if (from == kDelivered) to = kClosed;
      break;
    case OrderAction::kCancel:
      if (In(from, {kDraft, kPending, kConfirmed, kHold})) to = kCancelled;
      break;
  }
  if (to.has_value()) return *to;
  std::string reason = "ORDER_STATE_CONFLICT";
  if (action == OrderAction::kConfirm && In(from, {kConfirmed, kPartial, kShipped, kDelivered, kClosed})) {
    reason = "ORDER_ALREADY_CONFIRMED";
  } else if (action == OrderAction::kCancel && In(from, {kPartial, kShipped, kDelivered})) {
    reason = "ORDER_NOT_CANCELLABLE";
  }
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("cannot ", OrderActionName(action),
                                                                  " an order in state ", v1::OrderStatus_Name(from))),
                       reason, kOrdersDomain, {{"status", v1::OrderStatus_Name(from)}});
}

const char* QuoteActionName(QuoteAction a) {
  switch (a) {
    case QuoteAction::kEdit:
      return "edit";
    case QuoteAction::kSubmit:
      return "submit";
    case QuoteAction::kApprove:
      return "approve";
    case QuoteAction::kReject:
      return "reject";
    case QuoteAction::kCancel:
      return "cancel";
    case QuoteAction::kConvert:
      return "convert";
    case QuoteAction::kExpire:
      return "expire";
  }
  return "?";
}

absl::Status CheckQuoteAction(v1::QuoteStatus from, QuoteAction action) {
  const auto kDraft = v1::QUOTE_STATUS_DRAFT, kPending = v1::QUOTE_STATUS_PENDING_APPROVAL,
             kApproved = v1::QUOTE_STATUS_APPROVED, kRejected = v1::QUOTE_STATUS_REJECTED;
  bool ok = false;
  switch (action) {
    case QuoteAction::kEdit:
      ok = InQ(from, {kDraft, kRejected});
      break;
    case QuoteAction::kSubmit:
      ok = from == kDraft;
      break;
    case QuoteAction::kApprove:
    case QuoteAction::kReject:
      ok = from == kPending;
      break;
    case QuoteAction::kCancel:
    case QuoteAction::kExpire:
      ok = InQ(from, {kDraft, kPending, kApproved, kRejected});
      break;
    case QuoteAction::kConvert:
      ok = from == kApproved;
      break;
  }
  if (ok) return absl::OkStatus();
  std::string reason = "QUOTE_STATE_CONFLICT";
  if (from == v1::QUOTE_STATUS_CONVERTED) reason = "QUOTE_ALREADY_CONVERTED";
  if (from == v1::QUOTE_STATUS_EXPIRED) reason = "QUOTE_EXPIRED";
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("cannot ", QuoteActionName(action),
                                                                  " a quote in state ", v1::QuoteStatus_Name(from))),
                       reason, kOrdersDomain, {{"status", v1::QuoteStatus_Name(from)}});
}

}  // namespace sales::orders
