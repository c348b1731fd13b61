// Pure return rules (domain.md §5 Returns, [001 退货(换货)流程]): how much
// of a line may come back, the return request's life (requested → verified
// → approved → received), and where returned goods go. No I/O.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "sales/orders/v1/return.pb.h"
#include "sales/orders/v1/shipment.pb.h"

namespace sales::orders {

// One order line as returns see it.
struct ReturnableLine {
  int64_t shipped = 0;   // posted on outbound notes
  int64_t returned = 0;  // received on return receipts
  int64_t pending = 0;   // on open returns (REQUESTED, VERIFIED, APPROVED), other than this one
};
// shipped − returned − pending, never below 0.
int64_t ReturnableQuantity(const ReturnableLine& l);
// OK, INVALID_ARGUMENT for quantity <= 0, or FAILED_PRECONDITION
// EXCEEDS_SHIPPED naming `field` and the numbers.
absl::Status CheckReturnQuantity(const ReturnableLine& l, int64_t quantity, const std::string& field);

enum class ReturnAction { kVerify, kApprove, kReject, kCancel, kReceive };
// REQUESTED: verify, reject, cancel. VERIFIED: approve, reject, cancel.
// APPROVED: receive, cancel. REJECTED, RECEIVED, CANCELLED: nothing.
// FAILED_PRECONDITION RETURN_WRONG_STATE otherwise.
absl::Status CheckReturnAction(v1::ReturnStatus from, ReturnAction action);
// The state an allowed action leads to (verify: VERIFIED, or REJECTED when
// `nothing_accepted`).
v1::ReturnStatus ReturnStatusAfter(ReturnAction action, bool nothing_accepted = false);

// Whether the goods may be returned at all (not genuine ones may not).
bool Acceptable(v1::ItemCondition c);
// Damaged and defective goods go to quarantine, intact ones back to stock.
bool GoesToQuarantine(v1::ItemCondition c);

// One verification result against its line.
absl::Status CheckVerification(int64_t requested, int64_t verified, v1::ItemCondition condition,
                               const std::string& field);

}  // namespace sales::orders
