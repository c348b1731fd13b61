// SQL for products.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/orders/v1/product.pb.h"

namespace sales::orders {

class ProductStore {
 public:
  // ALREADY_EXISTS (SKU_TAKEN) when the SKU exists.
  static absl::StatusOr<v1::Product> Insert(db::Transaction& tx, const v1::Product& p, absl::Time now);
  static absl::StatusOr<v1::Product> Get(db::Transaction& tx, int64_t id);
};

}  // namespace sales::orders
