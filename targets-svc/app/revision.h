// Applying new figures to cells of a plan version so that every level stays
// conserved: the revision rule for siblings, proportional re-splits below.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/targets/v1/plan.pb.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {

struct TargetChange {
  int64_t assignment_id = 0;
  int64_t new_target = 0;
  std::optional<int64_t> new_expense;
};

// Applies `changes` to cells of (plan, version). Cells change in depth order;
// every parent whose children changed must still equal their sum (the
// revision rule), and the children of a changed cell that the change set
// does not name are re-split in their previous proportions. With
// `reissue`, negotiable changed cells go back to ISSUED for a new answer.
// Returns one delta per changed cell (named or re-split) and adds the reps
// whose cells changed to `assignees` (they must be told).
absl::StatusOr<std::vector<v1::AssignmentDelta>> ApplyTargetChanges(db::Transaction& tx, int64_t plan_id,
                                                                    int32_t version,
                                                                    const std::vector<TargetChange>& changes,
                                                                    bool reissue, absl::Time now,
                                                                    std::set<int64_t>* assignees = nullptr);

}  // namespace sales::targets
