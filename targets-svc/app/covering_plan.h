// Which signed plan a figure is measured against when the caller names
// none. Progress, the expense budget beside it and the sales plan report
// all pick it this way, so a unit's target reads the same in each.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {

// The most specific SIGNED plan of `year` and `metric` covering `unit`: of
// the plans whose unit's subtree holds it, the one with the smallest
// subtree. Unit 0 is the whole company, covered only by a plan of the
// company itself. FAILED_PRECONDITION (NO_SIGNED_PLAN) when none covers
// it; `what` names the unit in the message ("node", "scope").
inline absl::StatusOr<PlanRecord> SignedPlanCovering(db::Transaction& tx, int32_t year, v1::Metric metric, int64_t unit,
                                                     const char* what) {
  v1::ListPlansRequest f;
  f.set_fiscal_year(year);
  f.set_metric(metric);
  f.set_state(v1::PLAN_STATE_SIGNED);
  SALES_ASSIGN_OR_RETURN(auto plans, PlanStore::ListHeads(tx, f, 0, 1000));
  const PlanRecord* best = nullptr;
  size_t best_size = SIZE_MAX;
  for (const auto& p : plans) {
    SALES_ASSIGN_OR_RETURN(auto subtree, SubtreeOf(tx, p.plan.org_unit_id()));
    bool covers = std::find(subtree.begin(), subtree.end(), unit) != subtree.end();
    if (unit == 0) {
      SALES_ASSIGN_OR_RETURN(auto owner, OrgStore::Get(tx, p.plan.org_unit_id()));
      covers = owner.parent_id() == 0;
    }
    if (covers && subtree.size() < best_size) {
      best = &p;
      best_size = subtree.size();
    }
  }
  if (best == nullptr) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("no signed ", v1::Metric_Name(metric),
                                                                    " plan covers this ", what, " in ", year)),
                         "NO_SIGNED_PLAN", kTargetsDomain);
  }
  return *best;
}

}  // namespace sales::targets
