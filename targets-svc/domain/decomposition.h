// Target decomposition (domain.md §3 "Decomposition"; seed 000 第一步–第四步):
// a cell's figure is split down a chosen sequence of dimensions, each level
// by its method, and every part sums exactly to its parent in minor units
// (largest remainder, ties to the lower key). Pure: everything the engine
// needs from the world comes through DecompositionSource.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/decomposition.pb.h"
#include "sales/targets/v1/org.pb.h"
#include "sales/targets/v1/product_line.pb.h"
#include "sales/targets/v1/rep.pb.h"

namespace sales::targets {

// Where a cell sits: a period and, as levels add them, a unit, rep, role,
// product line, customer.
struct CellCoordinates {
  common::v1::PeriodKind period_kind = common::v1::PERIOD_KIND_YEAR;
  absl::CivilDay period_start;
  int64_t org_unit_id = 0;
  int64_t rep_id = 0;
  v1::PortfolioRole portfolio_role = v1::PORTFOLIO_ROLE_UNSPECIFIED;
  int64_t product_line_id = 0;
  int64_t customer_id = 0;
};

// One node of the target tree.
struct Cell {
  int32_t parent = -1;  // index into the result; -1 for the cell decomposed from
  int32_t depth = 0;
  v1::Dimension dimension = v1::DIMENSION_UNSPECIFIED;
  v1::DecompositionMethod method = v1::DECOMPOSITION_METHOD_UNSPECIFIED;
  CellCoordinates at;
  std::string key;       // stable path, e.g. "M03/U12/L4/R77"
  int64_t target = 0;    // minor units or a count
  int64_t expense = 0;   // minor units
  int64_t weight = 0;    // the weight the split used (after policy)
  int64_t history = 0;   // the history behind it (HISTORY/MARKET_QUALITY)
  int32_t share_bp = 0;  // of the parent's target, half up
  bool reduced_by_policy = false;
  bool equal_split_fallback = false;
};

struct RepInfo {
  int64_t rep_id = 0;
  v1::RepStatus status = v1::REP_STATUS_ACTIVE;
};

// The world as the engine sees it; lists come back ordered by id.
class DecompositionSource {
 public:
  virtual ~DecompositionSource() = default;
  virtual std::vector<int64_t> ChildUnits(int64_t unit_id) const = 0;
  virtual v1::OrgUnitKind UnitKind(int64_t unit_id) const = 0;
  virtual int32_t MarketQualityBp(int64_t unit_id) const = 0;
  // Reps of the unit's whole subtree who have not left.
  virtual std::vector<RepInfo> RepsIn(int64_t unit_id) const = 0;
  // Product lines of a role; UNSPECIFIED for every active line.
  virtual std::vector<int64_t> ProductLines(v1::PortfolioRole role) const = 0;
  // Actuals of the same coordinates summed over the `years` fiscal years
  // before `fiscal_year` (the same period of each year).
  virtual int64_t History(const CellCoordinates& at, int32_t fiscal_year, int32_t years) const = 0;
};

// Shares of a probation or on-leave rep's weight, in basis points of an
// active rep's (domain.md: "reduced or zero share by policy").
struct InactiveRepPolicyBp {
  int32_t probation_share_bp = 5000;
  int32_t on_leave_share_bp = 0;
};

struct DecomposeRequest {
  Cell from;  // the cell to split: coordinates, target, expense, key, depth
  int32_t fiscal_year = 0;
  std::vector<v1::DecompositionLevel> levels;
  v1::ExpenseSplit expense_split = v1::EXPENSE_SPLIT_PROPORTIONAL;
  InactiveRepPolicyBp policy;
  int32_t default_history_years = 3;
};

struct DecomposeResult {
  // `from` first (index 0, unchanged), then every created cell; a parent
  // always precedes its children.
  std::vector<Cell> cells;
  int32_t max_depth = 0;
};

// Checks a level sequence before any work: no dimension twice, months not
// before quarters, explicit ratios >= 0 and not all zero, down_to_kind for
// org levels, history_years 0..5, customers only by explicit ratios.
absl::Status ValidateLevels(const std::vector<v1::DecompositionLevel>& levels, const CellCoordinates& from);

absl::StatusOr<DecomposeResult> Decompose(const DecomposeRequest& request, const DecompositionSource& source);

}  // namespace sales::targets
