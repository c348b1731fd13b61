// SQL for warehouses (成品仓库).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/orders/v1/stock.pb.h"

namespace sales::orders {

class WarehouseStore {
 public:
  // ALREADY_EXISTS (WAREHOUSE_CODE_TAKEN).
  static absl::StatusOr<v1::Warehouse> Insert(db::Transaction& tx, const v1::Warehouse& w, absl::Time now);
  static absl::StatusOr<v1::Warehouse> Get(db::Transaction& tx, int64_t id, bool for_update = false);
  static absl::StatusOr<v1::Warehouse> Update(db::Transaction& tx, const v1::Warehouse& w, absl::Time now);
  static absl::StatusOr<std::vector<v1::Warehouse>> List(db::Transaction& tx, v1::WarehouseKind kind,
                                                         bool include_inactive, int64_t after_id, int limit);
  // Open reserved quantity held in the warehouse (deactivation check).
  static absl::StatusOr<int64_t> Reserved(db::Transaction& tx, int64_t id);
};

}  // namespace sales::orders
