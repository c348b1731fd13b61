#include "targets-svc/app/plan_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "targets-svc/domain/baseline.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/decomposition_source.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {

std::string TargetsMethod(const char* name) { return absl::StrCat("/sales.targets.v1.TargetsService/", name); }

absl::StatusOr<PlanRecord> LockPlan(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(PlanRecord rec, PlanStore::Get(tx, id, 0, /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rec.row_version, "plan", id));
  return rec;
}

absl::StatusOr<AssignmentRecord> CellOfPlan(db::Transaction& tx, const PlanRecord& plan, int64_t assignment_id,
                                            const char* field, bool for_update) {
  if (assignment_id == 0) {
    return AssignmentStore::GetByCell(tx, plan.plan.id(), plan.plan.version(), 0, for_update);
  }
  auto rec = AssignmentStore::Get(tx, assignment_id, for_update);
  if (absl::IsNotFound(rec.status())) return InvalidField(field, "no such assignment");
  SALES_RETURN_IF_ERROR(rec.status());
  if (rec->a.plan_id() != plan.plan.id() || rec->a.plan_version() != plan.plan.version()) {
    return InvalidField(field, absl::StrCat("assignment ", assignment_id, " is not in version ", plan.plan.version(),
                                            " of plan ", plan.plan.id()));
  }
  return rec;
}

Cell CellFromRecord(const AssignmentRecord& rec) {
  Cell c;
  c.depth = rec.a.depth();
  c.dimension = rec.a.dimension();
  c.key = rec.a.key();
  c.target = rec.target;
  c.expense = rec.expense;
  c.at.period_kind = rec.a.period().kind();
  c.at.period_start = ToCivilDay(rec.a.period().start());
  c.at.org_unit_id = rec.a.org_unit_id();
  c.at.rep_id = rec.a.rep_id();
  c.at.portfolio_role = rec.a.portfolio_role();
  c.at.product_line_id = rec.a.product_line_id();
  c.at.customer_id = rec.a.customer_id();
  return c;
}

absl::Status CheckNoLivePlan(db::Transaction& tx, const v1::Plan& plan) {
  SALES_ASSIGN_OR_RETURN(auto live, PlanStore::LivePlanCovering(tx, plan));
  if (!live.has_value()) return absl::OkStatus();
  return WithErrorInfo(
      absl::AlreadyExistsError(absl::StrCat("plan ", *live, " already covers unit ", plan.org_unit_id(), ", ",
                                            plan.fiscal_year(), ", ", v1::Metric_Name(plan.metric()))),
      "PLAN_EXISTS", kTargetsDomain, {{"plan_id", absl::StrCat(*live)}});
}

absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> HistoryByYear(db::Transaction& tx, v1::Metric metric,
                                                                       const v1::TargetNode& node, int first_month,
                                                                       int months, const std::vector<int32_t>& years) {
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
    if (units.empty()) return NotFound("org unit", node.org_unit_id());
  }
  return ProgressStore::HistoryByYear(tx, metric, node, units, first_month, months, years);
}

absl::StatusOr<bool> CanReadPlan(db::Transaction& tx, const Viewer& v, const v1::Plan& plan) {
  if (v.read_everywhere) return true;
  if (v.principal.role == kRoleManager) {
    if (v.units.count(plan.org_unit_id())) return true;
    SALES_ASSIGN_OR_RETURN(auto below, SubtreeOf(tx, plan.org_unit_id()));
    return std::find(below.begin(), below.end(), v.principal.org_unit_id) != below.end();
  }
  if (v.principal.role == kRoleRep && v.principal.rep_id != 0) {
    return PlanStore::RepHasCell(tx, v.principal.rep_id, plan.id());
  }
  return false;
}

absl::StatusOr<int64_t> BaselineTotal(db::Transaction& tx, const v1::Plan& plan, const v1::TargetSettings& settings) {
  BaselineWeightsBp weights;
  const auto& w = settings.baseline_weights();
  weights.year_weights_bp.assign(w.year_weights_bp().begin(), w.year_weights_bp().end());
  weights.history_growth_weight_bp = w.history_growth_weight_bp();
  weights.industry_growth_weight_bp = w.industry_growth_weight_bp();
  weights.competitor_growth_weight_bp = w.competitor_growth_weight_bp();
  std::vector<int32_t> years;
  for (size_t i = 1; i <= weights.year_weights_bp.size(); ++i)
    years.push_back(plan.fiscal_year() - static_cast<int32_t>(i));
  v1::TargetNode node;
  node.set_org_unit_id(plan.org_unit_id());
  SALES_ASSIGN_OR_RETURN(auto by_year, HistoryByYear(tx, plan.metric(), node, 1, 12, years));
  BaselineInput in;
  in.fiscal_year = plan.fiscal_year();
  for (int32_t y : years) {
    YearActual ya{y, std::nullopt};
    for (const auto& [year, amount] : by_year) {
      if (year == y) ya.actual = amount;
    }
    in.history.push_back(ya);
  }
  SALES_ASSIGN_OR_RETURN(auto outlook, SettingsStore::Outlook(tx, plan.fiscal_year(), 0));
  in.industry_growth_bp = outlook.industry_growth_bp();
  in.competitor_growth_bp = outlook.competitor_growth_bp();
  SALES_ASSIGN_OR_RETURN(auto result, ComputeBaseline(in, weights));
  return result.proposed;
}

}  // namespace sales::targets
