// A plan's cell tree (seed 000 第二步; domain/decomposition.h splits the
// figures): a plan starts as its root cell, the total for a unit, year and
// metric, and is decomposed level by level — units, reps, product lines,
// months — into the cells that are negotiated and signed.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/targets/v1/plan_messages.pb.h"

namespace sales::targets {

class PlanDecomposition {
 public:
  explicit PlanDecomposition(const Clock& clock) : clock_(clock) {}

  // `request` carries a plan (api/). The manager of an open unit drafts its
  // plan: the total as given or from the baseline, the expense budget in
  // the plan's currency; ALREADY_EXISTS (PLAN_EXISTS) when a live plan
  // covers the same unit, year and metric.
  absl::StatusOr<v1::CreatePlanResponse> Create(db::Transaction& tx, const CallContext& call,
                                                const v1::CreatePlanRequest& request);
  // `request` is well formed (api/). Splits one cell of a draft plan (the
  // root for assignment_id 0) into the requested levels; a decomposed cell
  // is redone only with replace_existing. validate_only answers what would
  // be created and writes nothing.
  absl::StatusOr<v1::DecomposePlanResponse> Decompose(db::Transaction& tx, const CallContext& call,
                                                      const v1::DecomposePlanRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
