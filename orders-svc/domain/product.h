// Rules for products (domain.md §5 Products and prices).
#pragma once

#include "absl/status/status.h"
#include "sales/orders/v1/product.pb.h"

namespace sales::orders {

// Field checks of a new product; cost and floor share one currency.
absl::Status ValidateNewProduct(const v1::Product& p);

}  // namespace sales::orders
