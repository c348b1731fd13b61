#include "orders-svc/domain/return_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/shipment_rules.h"
#include "platform/status.h"

namespace sales::orders {

int64_t ReturnableQuantity(const ReturnableLine& l) { return std::max<int64_t>(0, l.shipped - l.returned - l.pending); }

absl::Status CheckReturnQuantity(const ReturnableLine& l, int64_t quantity, const std::string& field) {
  if (quantity <= 0) return InvalidField(field, "must be > 0");
  int64_t can = ReturnableQuantity(l);
  if (quantity > can) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("returning ", quantity, " but only ", can, " may come back (shipped ",
                                          l.shipped, ", returned ", l.returned, ", on open returns ", l.pending, ")")),
                         "EXCEEDS_SHIPPED", kOrdersDomain, {{"field", field}});
  }
  return absl::OkStatus();
}

absl::Status CheckReturnAction(v1::ReturnStatus from, ReturnAction action) {
  bool ok = false;
  switch (action) {
    case ReturnAction::kVerify:
      ok = from == v1::RETURN_STATUS_REQUESTED;
      break;
    case ReturnAction::kApprove:
      ok = from == v1::RETURN_STATUS_VERIFIED;
      break;
    case ReturnAction::kReject:
      ok = from == v1::RETURN_STATUS_REQUESTED || from == v1::RETURN_STATUS_VERIFIED;
      break;
    case ReturnAction::kCancel:
      ok = from == v1::RETURN_STATUS_REQUESTED || from == v1::RETURN_STATUS_VERIFIED ||
           from == v1::RETURN_STATUS_APPROVED;
      break;
    case ReturnAction::kReceive:
      ok = from == v1::RETURN_STATUS_APPROVED;
      break;
  }
  if (ok) return absl::OkStatus();
  const std::string state = v1::ReturnStatus_Name(from);
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("return request is ", state)), "RETURN_WRONG_STATE",
                       kOrdersDomain, {{"status", state}});
}

v1::ReturnStatus ReturnStatusAfter(ReturnAction action, bool nothing_accepted) {
  switch (action) {
    case ReturnAction::kVerify:
      return nothing_accepted ? v1::RETURN_STATUS_REJECTED : v1::RETURN_STATUS_VERIFIED;
    case ReturnAction::kApprove:
      return v1::RETURN_STATUS_APPROVED;
    case ReturnAction::kReject:
      return v1::RETURN_STATUS_REJECTED;
    case ReturnAction::kCancel:
      return v1::RETURN_STATUS_CANCELLED;
    case ReturnAction::kReceive:
      return v1::RETURN_STATUS_RECEIVED;
  }
  return v1::RETURN_STATUS_UNSPECIFIED;
}

bool Acceptable(v1::ItemCondition c) {
  return c == v1::ITEM_CONDITION_INTACT || c == v1::ITEM_CONDITION_DAMAGED || c == v1::ITEM_CONDITION_DEFECTIVE;
}

bool GoesToQuarantine(v1::ItemCondition c) {
  return c == v1::ITEM_CONDITION_DAMAGED || c == v1::ITEM_CONDITION_DEFECTIVE;
}

absl::Status CheckVerification(int64_t requested, int64_t verified, v1::ItemCondition condition,
                               const std::string& field) {
  std::vector<FieldViolation> v;
  if (verified < 0 || verified > requested) {
    v.push_back({field + ".verified_quantity", absl::StrCat("must be 0..", requested, " (the requested quantity)")});
  }
  if (condition == v1::ITEM_CONDITION_UNSPECIFIED) v.push_back({field + ".verified_condition", "required"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace sales::orders
