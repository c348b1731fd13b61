#include "targets-svc/app/plan_decomposition.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/decomposition.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/decomposition_source.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {
namespace {

// The split of `from` as the request asks it, the settings filling in the
// expense split, the policy for inactive reps and the years of history.
DecomposeRequest SplitOf(const PlanRecord& plan, const AssignmentRecord& from, const v1::DecomposePlanRequest& req,
                         const v1::TargetSettings& settings) {
  DecomposeRequest dr;
  dr.from = CellFromRecord(from);
  dr.fiscal_year = plan.plan.fiscal_year();
  dr.levels.assign(req.levels().begin(), req.levels().end());
  dr.expense_split =
      req.expense_split() == v1::EXPENSE_SPLIT_UNSPECIFIED ? v1::EXPENSE_SPLIT_PROPORTIONAL : req.expense_split();
  const auto& policy = req.has_inactive_rep_policy() ? req.inactive_rep_policy() : settings.inactive_rep_policy();
  dr.policy = {policy.probation_share_bp(), policy.on_leave_share_bp()};
  dr.default_history_years = std::max(1, settings.baseline_weights().year_weights_bp_size());
  return dr;
}

// What the split creates: counts, the equal-split fallbacks and the reps
// the inactive-rep policy reduced (both capped to keep the answer small).
void Summarise(const DecomposeResult& result, const AssignmentRecord& from, v1::DecomposePlanResponse& out) {
  out.set_created_count(static_cast<int32_t>(result.cells.size() - 1));
  out.set_max_depth(result.max_depth);
  for (size_t i = 1; i < result.cells.size(); ++i) {
    const Cell& c = result.cells[i];
    if (c.equal_split_fallback && out.fallbacks_size() < 200 && result.cells[c.parent].key != "~") {
      auto* f = out.add_fallbacks();
      f->set_parent_assignment_id(c.parent == 0 ? from.a.id() : 0);
      f->set_dimension(c.dimension);
      f->set_note(absl::StrCat(c.key, ": no history for any sibling, split equally"));
    }
    if (c.reduced_by_policy && c.at.rep_id != 0 && out.reduced_rep_ids_size() < 10000) {
      out.add_reduced_rep_ids(c.at.rep_id);
    }
  }
}

}  // namespace

absl::StatusOr<v1::CreatePlanResponse> PlanDecomposition::Create(db::Transaction& tx, const CallContext& call,
                                                                 const v1::CreatePlanRequest& request) {
  v1::Plan plan = request.plan();
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_RETURN_IF_ERROR(ValidateNewPlan(plan, settings.default_currency_code()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  auto unit = OrgStore::Get(tx, plan.org_unit_id(), /*for_update=*/true);  // serialises creates per unit
  if (absl::IsNotFound(unit.status())) return InvalidField("plan.org_unit_id", "no such org unit");
  SALES_RETURN_IF_ERROR(unit.status());
  if (unit->state() == v1::ORG_UNIT_STATE_CLOSED) {
    return WithErrorInfo(absl::FailedPreconditionError("the unit is closed"), "UNIT_CLOSED", kTargetsDomain);
  }
  if (!CanManage(viewer, plan.org_unit_id())) return OutOfScope(absl::StrCat("org unit ", plan.org_unit_id()));
  int64_t total = 0;
  if (plan.has_total_target()) {
    SALES_ASSIGN_OR_RETURN(
        total, FromMetricValue(plan.metric(), plan.currency_code(), plan.total_target(), "plan.total_target"));
  } else if (!request.total_from_baseline()) {
    return InvalidField("plan.total_target", "required unless total_from_baseline");
  }
  int64_t expense = 0;
  if (plan.has_expense_budget()) {
    SALES_RETURN_IF_ERROR(ValidateMoney(plan.expense_budget(), "plan.expense_budget", Sign::kNonNegative));
    if (plan.expense_budget().currency_code() != plan.currency_code()) {
      return InvalidField("plan.expense_budget.currency_code", "must be the plan's currency");
    }
    expense = plan.expense_budget().minor_units();
  }
  SALES_RETURN_IF_ERROR(CheckNoLivePlan(tx, plan));
  if (request.total_from_baseline()) {
    SALES_ASSIGN_OR_RETURN(total, BaselineTotal(tx, plan, settings));
  }
  SALES_ASSIGN_OR_RETURN(int64_t id, PlanStore::Create(tx, plan, total, expense, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, id, 1, 0, call.principal, "PLAN_CREATED", "", "DRAFT", plan.title(),
                                         call.request_id, clock_.Now()));
  v1::CreatePlanResponse out;
  SALES_ASSIGN_OR_RETURN(auto rec, PlanStore::Get(tx, id, 0, false));
  *out.mutable_plan() = rec.plan;
  return out;
}

absl::StatusOr<v1::DecomposePlanResponse> PlanDecomposition::Decompose(db::Transaction& tx, const CallContext& call,
                                                                       const v1::DecomposePlanRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.plan_id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kDecompose));
  int32_t version = plan.plan.version();
  SALES_ASSIGN_OR_RETURN(AssignmentRecord from, CellOfPlan(tx, plan, request.assignment_id(), "assignment_id"));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, from.a.org_unit_id())) {
    return OutOfScope(absl::StrCat("cell ", from.a.key().empty() ? "(root)" : from.a.key()));
  }
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  DecomposeRequest dr = SplitOf(plan, from, request, settings);
  SALES_RETURN_IF_ERROR(ValidateLevels(dr.levels, dr.from.at));
  SALES_ASSIGN_OR_RETURN(auto source, LoadedSource::Load(tx, plan.plan.metric(), dr.fiscal_year, 5));
  SALES_ASSIGN_OR_RETURN(DecomposeResult result, targets::Decompose(dr, *source));

  v1::DecomposePlanResponse out;
  SALES_ASSIGN_OR_RETURN(auto existing, AssignmentStore::Children(tx, plan.plan.id(), version, from.cell_no, false));
  if (!existing.empty() && !request.replace_existing()) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("the cell is already decomposed into ", existing.size(),
                                                   " parts; set replace_existing to redo it")),
        "ALREADY_DECOMPOSED", kTargetsDomain);
  }
  Summarise(result, from, out);
  if (!request.validate_only()) {
    if (!existing.empty()) {
      SALES_ASSIGN_OR_RETURN(int64_t removed, AssignmentStore::DeleteBelow(tx, plan.plan.id(), version, from.a.key()));
      out.set_removed_count(static_cast<int32_t>(removed));
    }
    SALES_RETURN_IF_ERROR(AssignmentStore::InsertCells(tx, plan.plan.id(), version, result.cells, from.cell_no,
                                                       plan.next_cell_no, v1::ASSIGNMENT_STATE_DRAFT, clock_.Now()));
    plan.next_cell_no += static_cast<int32_t>(result.cells.size() - 1);
    if (request.assignment_id() == 0) {
      plan.plan.clear_decomposition();
      for (const auto& l : request.levels()) *plan.plan.add_decomposition() = l;
    }
    SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, clock_.Now()));
    SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, from.a.id(), call.principal, "DECOMPOSED",
                                           from.a.key(), absl::StrCat(out.created_count(), " cells"), "",
                                           call.request_id, clock_.Now()));
    SALES_ASSIGN_OR_RETURN(auto first, AssignmentStore::Children(tx, plan.plan.id(), version, from.cell_no, false));
    for (auto& a : first) *out.add_first_level() = std::move(a.a);
  }
  SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
  *out.mutable_plan() = after.plan;
  return out;
}

}  // namespace sales::targets
