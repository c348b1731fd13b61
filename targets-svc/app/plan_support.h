// Steps shared by the plan handlers: locking a plan with its etag, finding
// a cell of the current version, history for a node.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/decomposition.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {

std::string TargetsMethod(const char* name);

// The current version, locked; ABORTED (STALE_ETAG) unless `etag` is empty
// or current.
absl::StatusOr<PlanRecord> LockPlan(db::Transaction& tx, int64_t id, const std::string& etag);

// assignment_id 0 = the root cell; otherwise the cell must belong to the
// plan's current version (INVALID_ARGUMENT on `field` when not).
absl::StatusOr<AssignmentRecord> CellOfPlan(db::Transaction& tx, const PlanRecord& plan, int64_t assignment_id,
                                            const char* field, bool for_update = false);

Cell CellFromRecord(const AssignmentRecord& rec);

// ALREADY_EXISTS (PLAN_EXISTS) when a plan that is not cancelled covers the
// same unit, year and metric.
absl::Status CheckNoLivePlan(db::Transaction& tx, const v1::Plan& plan);

// Actuals of a node (unit subtree, rep, role, line; 0 = any) in the months
// [first_month, first_month + months) of each of `years`, by year.
absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> HistoryByYear(db::Transaction& tx, v1::Metric metric,
                                                                       const v1::TargetNode& node, int first_month,
                                                                       int months, const std::vector<int32_t>& years);

// Who may read a plan's header: those who read everywhere, managers whose
// subtree holds the plan's unit or who were issued a piece of it (the
// plan's unit is above theirs), and reps with a cell in it.
absl::StatusOr<bool> CanReadPlan(db::Transaction& tx, const Viewer& v, const v1::Plan& plan);

// The baseline's proposed figure for a plan's unit and year.
absl::StatusOr<int64_t> BaselineTotal(db::Transaction& tx, const v1::Plan& plan, const v1::TargetSettings& settings);

}  // namespace sales::targets
