// The decomposition engine's view of the world, loaded from this service's
// tables once per decomposition: the org tree, reps, product lines and the
// monthly history of one metric, with sums per coordinate shape cached so a
// million-cell split asks nothing of the database while it runs.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/mysql.h"
#include "sales/targets/v1/metric.pb.h"
#include "targets-svc/domain/decomposition.h"

namespace sales::targets {

// The SQL column that holds a metric in actual_cells / actual_entries.
const char* MetricColumn(v1::Metric metric);

class LoadedSource final : public DecompositionSource {
 public:
  struct HistoryRow {
    int32_t year;
    int32_t month;
    int64_t rep_id;
    int64_t org_unit_id;
    int64_t product_line_id;
    int64_t amount;
  };

  // Loads what a decomposition of `metric` for `fiscal_year` may look at.
  static absl::StatusOr<std::unique_ptr<LoadedSource>> Load(db::Transaction& tx, v1::Metric metric, int32_t fiscal_year,
                                                            int32_t max_years);
  // For tests and benchmarks: an explicit world.
  LoadedSource() = default;
  void AddUnit(int64_t id, int64_t parent, v1::OrgUnitKind kind, int32_t quality_bp);
  void AddRep(int64_t id, int64_t unit, v1::RepStatus status);
  void AddProductLine(int64_t id, v1::PortfolioRole role);
  void AddHistory(const HistoryRow& row);

  std::vector<int64_t> ChildUnits(int64_t unit_id) const override;
  v1::OrgUnitKind UnitKind(int64_t unit_id) const override;
  int32_t MarketQualityBp(int64_t unit_id) const override;
  std::vector<RepInfo> RepsIn(int64_t unit_id) const override;
  std::vector<int64_t> ProductLines(v1::PortfolioRole role) const override;
  int64_t History(const CellCoordinates& at, int32_t fiscal_year, int32_t years) const override;

  v1::PortfolioRole RoleOf(int64_t line) const;
  int64_t ParentOf(int64_t unit) const;

 private:
  struct Unit {
    int64_t parent = 0;
    v1::OrgUnitKind kind = v1::ORG_UNIT_KIND_UNSPECIFIED;
    int32_t quality_bp = 10000;
    std::vector<int64_t> children;
    std::vector<RepInfo> reps;  // directly in this unit
  };
  // A history query's shape: which coordinates it fixes.
  struct Shape {
    int period_kind;  // 2 month, 3 quarter, 4 year
    bool unit, rep, role, line;
    int32_t years;
    bool operator<(const Shape& o) const {
      return std::tie(period_kind, unit, rep, role, line, years) <
             std::tie(o.period_kind, o.unit, o.rep, o.role, o.line, o.years);
    }
  };
  struct KeyHash {
    size_t operator()(const std::array<int64_t, 5>& k) const {
      size_t h = 1469598103934665603ull;
      for (int64_t v : k) h = (h ^ static_cast<size_t>(v)) * 1099511628211ull;
      return h;
    }
  };
  using Sums = std::unordered_map<std::array<int64_t, 5>, int64_t, KeyHash>;
  const Sums& SumsFor(const Shape& shape, int32_t fiscal_year) const;

  std::map<int64_t, Unit> units_;
  std::map<int64_t, v1::PortfolioRole> lines_;
  std::vector<HistoryRow> history_;
  mutable std::mutex mu_;
  mutable std::map<std::pair<Shape, int32_t>, Sums> cache_;
};

}  // namespace sales::targets
