#include "finance-svc/app/commission_plans.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "finance-svc/app/commission_run.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::finance {

absl::StatusOr<v1::ActivateCommissionPlanResponse> CommissionPlans::Activate(
    CommissionBook& book, const CallContext& call, const v1::ActivateCommissionPlanRequest& request) {
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(PlanRecord rec, book.GetPlan(request.id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.row_version, "commission plan", rec.plan.id()));
  if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_DRAFT) {
    return CommissionPrecondition("only a DRAFT plan can be activated", "PLAN_NOT_DRAFT");
  }
  absl::CivilDay from = ToCivilDay(rec.plan.effective_from());
  std::optional<absl::CivilDay> to;
  if (rec.plan.has_effective_to()) to = ToCivilDay(rec.plan.effective_to());
  SALES_ASSIGN_OR_RETURN(bool approved, book.ApprovedMonthsIn(from, to, 0));
  if (approved) {
    return CommissionPrecondition("months the plan covers already have approved statements", "MONTHS_APPROVED");
  }
  const Actor actor = CommissionActor(call);
  v1::ActivateCommissionPlanResponse out;
  // Earlier ACTIVE versions of the same name end the day before.
  v1::ListCommissionPlansRequest same;
  same.set_name(rec.plan.name());
  same.set_state(v1::COMMISSION_PLAN_STATE_ACTIVE);
  SALES_ASSIGN_OR_RETURN(auto earlier, book.ListPlans(same, 0, 1000));
  for (auto& e : earlier) {
    SALES_ASSIGN_OR_RETURN(PlanRecord locked, book.GetPlan(e.plan.id(), true));
    absl::CivilDay end = from - 1;
    if (ToCivilDay(locked.plan.effective_from()) > end) {
      locked.plan.set_state(v1::COMMISSION_PLAN_STATE_RETIRED);  // wholly replaced
    }
    if (!locked.plan.has_effective_to() || ToCivilDay(locked.plan.effective_to()) > end) {
      *locked.plan.mutable_effective_to() = FromCivilDay(std::max(end, ToCivilDay(locked.plan.effective_from())));
    }
    SALES_RETURN_IF_ERROR(book.UpdatePlan(locked, now));
    SALES_RETURN_IF_ERROR(book.Audit("CommissionPlan", locked.plan.id(), "PLAN_SUPERSEDED", "ACTIVE",
                                     v1::CommissionPlanState_Name(locked.plan.state()),
                                     absl::StrCat("superseded by plan ", rec.plan.id()), actor, now));
    out.add_superseded_plan_ids(locked.plan.id());
  }
  rec.plan.set_state(v1::COMMISSION_PLAN_STATE_ACTIVE);
  SALES_RETURN_IF_ERROR(book.UpdatePlan(rec, now));
  SALES_RETURN_IF_ERROR(
      book.Audit("CommissionPlan", rec.plan.id(), "PLAN_ACTIVATED", "DRAFT", "ACTIVE", request.reason(), actor, now));
  SALES_ASSIGN_OR_RETURN(PlanRecord saved, book.GetPlan(rec.plan.id(), false));
  *out.mutable_commission_plan() = saved.plan;
  return out;
}

}  // namespace sales::finance
