#include "orders-svc/domain/allocation.h"

#include <algorithm>
#include <tuple>

namespace sales::orders {

AllocationPlan AllocateStock(const std::vector<LineDemand>& lines, std::vector<WarehouseStock> stock) {
  std::sort(stock.begin(), stock.end(), [](const WarehouseStock& a, const WarehouseStock& b) {
    return std::tie(a.allocation_priority, a.warehouse_id, a.product_id) <
           std::tie(b.allocation_priority, b.warehouse_id, b.product_id);
  });
  AllocationPlan plan;
  for (const auto& line : lines) {
    if (line.quantity <= 0) continue;
    std::vector<WarehouseStock*> candidates;
    int64_t total = 0;
    for (auto& s : stock) {
      if (s.product_id != line.product_id || s.available <= 0) continue;
      candidates.push_back(&s);
      total += s.available;
    }
    if (total < line.quantity) {
      plan.shortages.push_back({line.order_line_id, line.product_id, line.quantity, total});
      continue;
    }
    auto whole = std::find_if(candidates.begin(), candidates.end(),
                              [&](const WarehouseStock* s) { return s->available >= line.quantity; });
    if (whole != candidates.end()) {
      (*whole)->available -= line.quantity;
      plan.allocations.push_back({line.order_line_id, (*whole)->warehouse_id, line.product_id, line.quantity});
      continue;
    }
    int64_t left = line.quantity;
    for (auto* s : candidates) {
      if (left == 0) break;
      int64_t take = std::min(left, s->available);
      s->available -= take;
      left -= take;
      plan.allocations.push_back({line.order_line_id, s->warehouse_id, line.product_id, take});
    }
  }
  if (!plan.shortages.empty()) plan.allocations.clear();
  return plan;
}

}  // namespace sales::orders
