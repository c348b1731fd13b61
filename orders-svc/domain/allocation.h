// Choosing warehouses for an order's lines at confirmation (查看各成品仓库可用
// 库存, 分配可发货仓库号 [002 1.1]). Pure: the store locks and reads the stock,
// this decides, the store writes.
#pragma once

#include <cstdint>
#include <vector>

namespace sales::orders {

// Available stock of one product in one active regular warehouse.
struct WarehouseStock {
  int64_t warehouse_id = 0;
  int32_t allocation_priority = 0;  // lower goes first; ties by warehouse_id
  int64_t product_id = 0;
  int64_t available = 0;  // on_hand − reserved
};

// What one order line needs.
struct LineDemand {
  int64_t order_line_id = 0;
  int64_t product_id = 0;
  int64_t quantity = 0;  // > 0
};

struct StockAllocation {
  int64_t order_line_id = 0;
  int64_t warehouse_id = 0;
  int64_t product_id = 0;
  int64_t quantity = 0;
};

struct StockShortage {
  int64_t order_line_id = 0;
  int64_t product_id = 0;
  int64_t requested = 0;
  int64_t available = 0;  // what was left for this line across warehouses
};

struct AllocationPlan {
  std::vector<StockAllocation> allocations;  // empty when any line is short
  std::vector<StockShortage> shortages;
  bool complete() const { return shortages.empty(); }
};

// Lines are served in the given order from a shared pool. For each line: the
// first warehouse (priority, id) that can fill the whole line takes it, so a
// customer gets one delivery where possible; otherwise the line is split
// over warehouses in (priority, id) order, each giving what it has. When any
// line cannot be filled the plan has no allocations and lists every short
// line (all or nothing: nothing is reserved for a short order).
// Deterministic for the same input whatever its order.
AllocationPlan AllocateStock(const std::vector<LineDemand>& lines, std::vector<WarehouseStock> stock);

}  // namespace sales::orders
