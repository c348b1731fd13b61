// The full gRPC name of an OrdersService method, as the server, logs,
// metrics and idempotency records name it.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"

namespace sales::orders {

inline std::string OrdersMethod(const char* method) { return absl::StrCat("/sales.orders.v1.OrdersService/", method); }

}  // namespace sales::orders
