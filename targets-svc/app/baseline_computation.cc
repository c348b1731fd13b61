#include "targets-svc/app/baseline_computation.h"

#include <optional>
#include <string>
#include <vector>

#include "platform/status.h"
#include "sales/targets/v1/baseline.pb.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {

BaselineWeightsBp WeightsOf(const v1::BaselineWeights& w) {
  BaselineWeightsBp out;
  out.year_weights_bp.assign(w.year_weights_bp().begin(), w.year_weights_bp().end());
  out.history_growth_weight_bp = w.history_growth_weight_bp();
  out.industry_growth_weight_bp = w.industry_growth_weight_bp();
  out.competitor_growth_weight_bp = w.competitor_growth_weight_bp();
  return out;
}

namespace {

// What every baseline of one call is computed with.
struct BaselineBasis {
  v1::TargetSettings settings;
  v1::BaselineWeights weights_proto;
  BaselineWeightsBp weights;
  int32_t industry = 0, competitor = 0;
  int first_month = 1, months = 12;
  std::vector<int32_t> years;  // the window, most recent first
};

// Managers for their subtree; the director and admin for anything, the
// whole company included.
absl::Status CheckMayCompute(db::Transaction& tx, const CallContext& call, const v1::TargetNode& node) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!viewer.act_everywhere && viewer.principal.role != kRoleManager) {
    return RoleNotAllowed(viewer, "compute baselines");
  }
  if (node.org_unit_id() != 0) {
    SALES_RETURN_IF_ERROR(OrgStore::Get(tx, node.org_unit_id()).status());
    if (!CanManage(viewer, node.org_unit_id())) return OutOfScope("that org unit");
  } else if (!viewer.act_everywhere) {
    return OutOfScope("the whole company");
  }
  return absl::OkStatus();
}

// The weights (the request's or the settings'), the growth rates (the
// request's override or the year's outlook) and the months of the period.
absl::StatusOr<BaselineBasis> LoadBasis(db::Transaction& tx, const v1::ComputeBaselineRequest& req) {
  BaselineBasis b;
  SALES_ASSIGN_OR_RETURN(b.settings, SettingsStore::Get(tx));
  b.weights_proto = req.has_weights() ? req.weights() : b.settings.baseline_weights();
  b.weights = WeightsOf(b.weights_proto);
  SALES_RETURN_IF_ERROR(ValidateBaselineWeights(b.weights));
  if (req.override_growth_rates()) {
    b.industry = req.industry_growth_bp();
    b.competitor = req.competitor_growth_bp();
  } else {
    SALES_ASSIGN_OR_RETURN(auto o, SettingsStore::Outlook(tx, req.fiscal_year(), req.node().product_line_id()));
    b.industry = o.industry_growth_bp();
    b.competitor = o.competitor_growth_bp();
  }
  if (req.has_period()) {
    common::v1::Period p = req.period();
    SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(p, "period"));
    if (span.start.year() != req.fiscal_year()) return InvalidField("period.start", "must lie in fiscal_year");
    b.first_month = span.start.month();
    b.months = p.kind() == common::v1::PERIOD_KIND_QUARTER ? 3 : p.kind() == common::v1::PERIOD_KIND_MONTH ? 1 : 12;
  }
  for (size_t i = 1; i <= b.weights.year_weights_bp.size(); ++i) {
    b.years.push_back(req.fiscal_year() - static_cast<int32_t>(i));
  }
  return b;
}

// One node's baseline with every step shown; a child with no history falls
// back to an equal share of `parent_proposed` among `siblings`.
absl::StatusOr<v1::Baseline> BaselineOf(db::Transaction& tx, const v1::ComputeBaselineRequest& req,
                                        const BaselineBasis& basis, const v1::TargetNode& node, int64_t parent_proposed,
                                        int32_t siblings) {
  SALES_ASSIGN_OR_RETURN(auto by_year,
                         HistoryByYear(tx, req.metric(), node, basis.first_month, basis.months, basis.years));
  BaselineInput in;
  in.fiscal_year = req.fiscal_year();
  for (int32_t y : basis.years) {
    YearActual ya{y, std::nullopt};
    for (const auto& [year, amount] : by_year) {
      if (year == y) ya.actual = amount;
    }
    in.history.push_back(ya);
  }
  in.industry_growth_bp = basis.industry;
  in.competitor_growth_bp = basis.competitor;
  in.parent_proposed = parent_proposed;
  in.sibling_count = siblings;
  SALES_ASSIGN_OR_RETURN(BaselineResult r, targets::ComputeBaseline(in, basis.weights));
  const std::string& cur = basis.settings.default_currency_code();
  v1::Baseline b;
  *b.mutable_node() = node;
  b.set_fiscal_year(req.fiscal_year());
  if (req.has_period()) *b.mutable_period() = req.period();
  b.set_metric(req.metric());
  *b.mutable_weights() = basis.weights_proto;
  for (size_t i = 0; i < r.window_years.size(); ++i) {
    auto* y = b.add_history();
    y->set_fiscal_year(r.window_years[i]);
    if (r.window_actuals[i].has_value()) *y->mutable_actual() = ToMetricValue(req.metric(), cur, *r.window_actuals[i]);
    if (i < r.used_weights_bp.size()) y->set_weight_bp(r.used_weights_bp[i]);
    if (i < r.year_growth_bp.size()) y->set_growth_bp(r.year_growth_bp[i]);
  }
  *b.mutable_weighted_history() = ToMetricValue(req.metric(), cur, r.weighted_history);
  b.set_history_growth_bp(r.history_growth_bp);
  b.set_industry_growth_bp(r.industry_growth_bp);
  b.set_competitor_growth_bp(r.competitor_growth_bp);
  b.set_blended_growth_bp(r.blended_growth_bp);
  *b.mutable_proposed() = ToMetricValue(req.metric(), cur, r.proposed);
  b.set_fallback(r.fell_back_to_equal_split ? v1::BASELINE_FALLBACK_EQUAL_SPLIT : v1::BASELINE_FALLBACK_NONE);
  b.set_fallback_note(r.fallback_note);
  for (const auto& s : r.steps) {
    auto* st = b.add_steps();
    st->set_description(s.description);
    *st->mutable_value() = ToMetricValue(req.metric(), cur, s.value);
    st->set_rate_bp(s.rate_bp);
  }
  return b;
}

// The node's children along `child_dimension` (none when unspecified): its
// child units, the reps of its subtree, or the product lines of its role.
absl::StatusOr<std::vector<v1::TargetNode>> ChildNodes(db::Transaction& tx, const v1::ComputeBaselineRequest& req) {
  std::vector<v1::TargetNode> children;
  if (req.child_dimension() == v1::DIMENSION_ORG_UNIT) {
    SALES_ASSIGN_OR_RETURN(auto units, OrgStore::List(tx, req.node().org_unit_id(), 0, 1000));
    for (const auto& u : units) {
      v1::TargetNode n = req.node();
      n.set_org_unit_id(u.id());
      children.push_back(n);
    }
  } else if (req.child_dimension() == v1::DIMENSION_REP) {
    std::vector<int64_t> units;
    if (req.node().org_unit_id() != 0) {
      SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, req.node().org_unit_id()));
    }
    v1::ListRepsRequest f;
    SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, f, 0, 10000));
    for (const auto& r : reps) {
      v1::TargetNode n = req.node();
      n.set_rep_id(r.id());
      children.push_back(n);
    }
  } else if (req.child_dimension() == v1::DIMENSION_PRODUCT_LINE) {
    SALES_ASSIGN_OR_RETURN(auto lines, ProductLineStore::List(tx, req.node().portfolio_role(), false, 0, 1000));
    for (const auto& l : lines) {
      v1::TargetNode n = req.node();
      n.set_product_line_id(l.id());
      children.push_back(n);
    }
  } else if (req.child_dimension() != v1::DIMENSION_UNSPECIFIED) {
    return InvalidField("child_dimension", "ORG_UNIT, REP or PRODUCT_LINE");
  }
  return children;
}

}  // namespace

absl::StatusOr<v1::ComputeBaselineResponse> BaselineComputation::Compute(
    db::Transaction& tx, const CallContext& call, const v1::ComputeBaselineRequest& request) const {
  SALES_RETURN_IF_ERROR(CheckMayCompute(tx, call, request.node()));
  SALES_ASSIGN_OR_RETURN(BaselineBasis basis, LoadBasis(tx, request));
  v1::ComputeBaselineResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_baseline(), BaselineOf(tx, request, basis, request.node(), 0, 0));
  int64_t parent = out.baseline().proposed().has_amount() ? out.baseline().proposed().amount().minor_units()
                                                          : out.baseline().proposed().count();
  SALES_ASSIGN_OR_RETURN(std::vector<v1::TargetNode> children, ChildNodes(tx, request));
  for (const auto& n : children) {
    SALES_ASSIGN_OR_RETURN(*out.add_children(),
                           BaselineOf(tx, request, basis, n, parent, static_cast<int32_t>(children.size())));
  }
  return out;
}

}  // namespace sales::targets
