// What progress reads beyond the plan: the leaf cells of a node's target,
// the expenses booked against it, the history of actuals behind a baseline,
// and the expense ledger itself.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/progress.pb.h"

namespace sales::targets {

// A leaf cell (no cell below it) of a plan version.
struct LeafCell {
  common::v1::Period period;
  int64_t target = 0;
  int64_t expense = 0;
  int64_t org_unit_id = 0;      // the cell's unit
  int64_t rep_org_unit_id = 0;  // the rep's unit now (0 for a unit cell)
};

class ProgressStore {
 public:
  // The leaf cells of the plan version inside the node's rep, product line,
  // portfolio role and customer (units are filtered by the caller).
  static absl::StatusOr<std::vector<LeafCell>> LeafCells(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                         const v1::TargetNode& node);
  // Posted expenses between the days, of the rep (0 = any) in the units
  // (empty = any).
  static absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, int64_t rep_id, const std::vector<int64_t>& units,
                                             absl::CivilDay from, absl::CivilDay to);
  // Actuals of the metric per fiscal year over fiscal months
  // [first_month, first_month + months) of the node (units: the node's
  // subtree, empty for a company-wide node).
  static absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> HistoryByYear(db::Transaction& tx, v1::Metric metric,
                                                                                const v1::TargetNode& node,
                                                                                const std::vector<int64_t>& units,
                                                                                int first_month, int months,
                                                                                const std::vector<int32_t>& years);
};

class ExpenseStore {
 public:
  // Posts an expense booked to `org_unit_id`; its id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::ExpenseEntry& e, int64_t org_unit_id,
                                        const std::string& recorded_by, absl::Time now);
};

}  // namespace sales::targets
