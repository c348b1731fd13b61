// Rules for recording payments (domain.md §6 Payments).
#pragma once

#include "absl/status/status.h"
#include "sales/finance/v1/payment.pb.h"

namespace sales::finance {

// A payment must be positive, dated, and a bank acceptance bill carries a
// maturity date on or after the day it was received.
absl::Status ValidateNewPayment(const v1::Payment& p);

}  // namespace sales::finance
