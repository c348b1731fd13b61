// SQL for products.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/orders/v1/product.pb.h"

namespace sales::orders {

class ProductStore {
 public:
  // ALREADY_EXISTS (SKU_TAKEN) when the SKU exists.
  static absl::StatusOr<v1::Product> Insert(db::Transaction& tx, const v1::Product& p, absl::Time now);
  static absl::StatusOr<v1::Product> Get(db::Transaction& tx, int64_t id, bool for_update = false);
  // The products of `ids` by id, in one statement; unknown ids are absent.
  static absl::StatusOr<std::map<int64_t, v1::Product>> GetMany(db::Transaction& tx, const std::vector<int64_t>& ids);
  // Writes what an update may change (not the SKU, not the status) and bumps
  // the version.
  static absl::Status Update(db::Transaction& tx, int64_t id, const v1::Product& p, absl::Time now);
  // Discontinues or reactivates, with the reason; bumps the version.
  static absl::Status SetStatus(db::Transaction& tx, int64_t id, v1::ProductStatus status, const std::string& reason,
                                absl::Time now);
  // Products by id after `after_id`, whole, in one statement; filters
  // 0/""/UNSPECIFIED = all.
  static absl::StatusOr<std::vector<v1::Product>> List(db::Transaction& tx, int64_t product_line_id,
                                                       v1::ProductStatus status, const std::string& text,
                                                       int64_t after_id, int limit);
};

}  // namespace sales::orders
