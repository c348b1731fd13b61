#include "targets-svc/app/progress_reading.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/app/covering_plan.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/store/actuals_store.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {

absl::StatusOr<PeriodSpan> SpanOf(const common::v1::Period& p, const char* field) {
  SALES_RETURN_IF_ERROR(ValidateDate(p.start(), absl::StrCat(field, ".start")));
  absl::CivilDay start = ToCivilDay(p.start());
  switch (p.kind()) {
    case common::v1::PERIOD_KIND_WEEK:
      return PeriodSpan{start, start + 6};
    case common::v1::PERIOD_KIND_MONTH: {
      if (start.day() != 1) return InvalidField(absl::StrCat(field, ".start"), "a month starts on day 1");
      absl::CivilMonth m(start);
      return PeriodSpan{start, absl::CivilDay(m + 1) - 1};
    }
    case common::v1::PERIOD_KIND_QUARTER: {
      if (start.day() != 1 || (start.month() - 1) % 3 != 0) {
        return InvalidField(absl::StrCat(field, ".start"), "a quarter starts on Jan, Apr, Jul or Oct 1");
      }
      absl::CivilMonth m(start);
      return PeriodSpan{start, absl::CivilDay(m + 3) - 1};
    }
    case common::v1::PERIOD_KIND_YEAR: {
      if (start.day() != 1 || start.month() != 1) {
        return InvalidField(absl::StrCat(field, ".start"), "a year starts on Jan 1");
      }
      return PeriodSpan{start, absl::CivilDay(start.year() + 1, 1, 1) - 1};
    }
    default:
      return InvalidField(absl::StrCat(field, ".kind"), "WEEK, MONTH, QUARTER or YEAR");
  }
}

StatusThresholdsBp ThresholdsOf(const v1::TargetSettings& s) {
  StatusThresholdsBp t;
  t.ahead_min_pace_bp = s.status_thresholds().ahead_min_pace_bp();
  t.on_track_min_pace_bp = s.status_thresholds().on_track_min_pace_bp();
  t.at_risk_min_pace_bp = s.status_thresholds().at_risk_min_pace_bp();
  return t;
}

absl::Status CheckNodeVisible(const Viewer& v, const v1::TargetNode& node) {
  if (v.read_everywhere) return absl::OkStatus();
  if (node.rep_id() != 0 && v.reps.count(node.rep_id())) return absl::OkStatus();
  if (node.rep_id() == 0 && node.org_unit_id() != 0 && v.principal.role == kRoleManager &&
      v.units.count(node.org_unit_id())) {
    return absl::OkStatus();
  }
  return OutOfScope(node.rep_id() != 0 ? absl::StrCat("rep ", node.rep_id(), "'s figures")
                                       : absl::StrCat("org unit ", node.org_unit_id(), "'s figures"));
}

namespace {

// The company's calendar day for "now" (China Standard Time, no DST).
absl::CivilDay Today(const Clock& clock) { return BusinessDay(clock.Now()); }

// The SIGNED plan covering a node for a year and metric: the given one, or
// the most specific whose unit contains the node.
absl::StatusOr<PlanRecord> CoveringPlan(db::Transaction& tx, int64_t plan_id, int32_t year, v1::Metric metric,
                                        const v1::TargetNode& node) {
  if (plan_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto p, PlanStore::Get(tx, plan_id, 0, false));
    if (p.plan.state() != v1::PLAN_STATE_SIGNED) {
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("plan ", plan_id, " is not signed")),
                           "NO_SIGNED_PLAN", kTargetsDomain);
    }
    return p;
  }
  int64_t unit = node.org_unit_id();
  if (unit == 0 && node.rep_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, node.rep_id()));
    unit = rep.org_unit_id();
  }
  return SignedPlanCovering(tx, year, metric, unit, "node");
}

struct NodeTarget {
  int64_t target = 0;
  int64_t expense = 0;
};

// Target of a node in a period: the leaf cells inside the node, prorated by
// days where a leaf's period is longer than the one asked for.
absl::StatusOr<NodeTarget> TargetOf(db::Transaction& tx, const PlanRecord& plan, const v1::TargetNode& node,
                                    const std::vector<int64_t>& units, const PeriodSpan& span) {
  SALES_ASSIGN_OR_RETURN(auto cells, ProgressStore::LeafCells(tx, plan.plan.id(), plan.plan.version(), node));
  std::set<int64_t> unit_set(units.begin(), units.end());
  std::map<int64_t, std::set<int64_t>> below;  // unit → its subtree, cached
  NodeTarget out;
  for (const auto& cell : cells) {
    // A leaf counts for exactly one unit: its own, unless the decomposition
    // skipped the org levels (the cell's unit is above the rep's), then the
    // rep's. A rep who later moved elsewhere leaves the target where it was.
    int64_t cell_unit = cell.org_unit_id, rep_unit = cell.rep_org_unit_id, unit_of = cell_unit;
    if (rep_unit != 0 && rep_unit != cell_unit) {
      if (!below.count(cell_unit)) {
        SALES_ASSIGN_OR_RETURN(auto sub, SubtreeOf(tx, cell_unit));
        below[cell_unit] = std::set<int64_t>(sub.begin(), sub.end());
      }
      if (below[cell_unit].count(rep_unit)) unit_of = rep_unit;
    }
    if (!unit_set.empty() && !unit_set.count(unit_of)) continue;
    auto leaf = SpanOf(cell.period, "leaf");
    if (!leaf.ok()) continue;
    absl::CivilDay a = std::max(leaf->start, span.start), b = std::min(leaf->end, span.end);
    if (b < a) continue;
    int64_t overlap = (b - a) + 1, days = (leaf->end - leaf->start) + 1;
    auto prorate = [&](int64_t v) {
      absl::int128 num = absl::int128(v) * overlap * 2 + days;
      return static_cast<int64_t>(num / (absl::int128(days) * 2));
    };
    out.target += overlap == days ? cell.target : prorate(cell.target);
    out.expense += overlap == days ? cell.expense : prorate(cell.expense);
  }
  return out;
}

// The expenses charged to the node: its rep, line (or role) and customer
// as well as its units, so that the budget (from the node's own cells) and
// what was spent against it describe the same thing.
absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, const v1::TargetNode& node, const std::vector<int64_t>& units,
                                    absl::CivilDay from, absl::CivilDay to) {
  return ProgressStore::ExpenseUsed(tx, node, units, from, to);
}

}  // namespace

absl::StatusOr<v1::Progress> ProgressReading::ProgressOf(db::Transaction& tx, const v1::TargetNode& node,
                                                         const common::v1::Period& period,
                                                         const common::v1::Date& as_of_in, v1::ProgressWindow window,
                                                         v1::Metric metric, int64_t plan_id) const {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay as_of = as_of_in.year() != 0 ? ToCivilDay(as_of_in) : Today(clock_);
  const bool metric_named = metric != v1::METRIC_UNSPECIFIED;
  if (!metric_named) metric = v1::METRIC_SALES_AMOUNT;
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan,
                         CoveringPlan(tx, plan_id, static_cast<int32_t>(span.start.year()), metric, node));
  // A plan named by id decides the metric: its target and the actuals it is
  // measured against must be the same quantity.
  if (plan_id != 0 && !metric_named) metric = plan.plan.metric();
  if (plan_id != 0 && metric != plan.plan.metric()) {
    return InvalidField("metric", absl::StrCat("plan ", plan_id, " is a ", v1::Metric_Name(plan.plan.metric()),
                                               " plan; leave metric unset or name that one"));
  }
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
    if (units.empty()) return NotFound("org unit", node.org_unit_id());
  }
  SALES_ASSIGN_OR_RETURN(NodeTarget target, TargetOf(tx, plan, node, units, span));
  absl::CivilDay actual_to = std::min(as_of, span.end);
  SALES_ASSIGN_OR_RETURN(
      int64_t actual, ActualsStore::Sum(tx, metric, settings.sales_recognition(), node, units, span.start, actual_to));
  ProgressInput in;
  in.target = target.target;
  in.actual = actual;
  in.period_start = span.start;
  in.period_end = span.end;
  in.as_of = as_of;
  SALES_ASSIGN_OR_RETURN(ProgressFigures f, ComputeProgress(in, ThresholdsOf(settings)));
  const std::string& cur = plan.plan.currency_code();
  v1::Progress p;
  *p.mutable_node() = node;
  *p.mutable_period() = period;
  p.set_window(window == v1::PROGRESS_WINDOW_UNSPECIFIED ? v1::PROGRESS_WINDOW_FULL_PERIOD : window);
  *p.mutable_as_of() = FromCivilDay(as_of);
  p.set_metric(metric);
  p.set_plan_id(plan.plan.id());
  p.set_plan_version(plan.plan.version());
  int64_t shown_target = target.target;
  if (window == v1::PROGRESS_WINDOW_TO_DATE) {
    // The part of the target the elapsed days stand for.
    shown_target = static_cast<int64_t>((absl::int128(target.target) * f.days_elapsed * 2 + f.days_in_period) /
                                        (absl::int128(f.days_in_period) * 2));
  }
  *p.mutable_target() = ToMetricValue(metric, cur, shown_target);
  *p.mutable_actual() = ToMetricValue(metric, cur, actual);
  p.set_attainment_bp(f.attainment_bp);
  p.set_days_elapsed(f.days_elapsed);
  p.set_days_in_period(f.days_in_period);
  p.set_time_progress_bp(f.time_progress_bp);
  *p.mutable_gap() = ToMetricValue(metric, cur, f.gap);
  p.set_days_remaining(f.days_remaining);
  *p.mutable_daily_run_rate_needed() = ToMetricValue(metric, cur, f.daily_run_rate_needed);
  *p.mutable_forecast() = ToMetricValue(metric, cur, f.forecast);
  p.set_forecast_attainment_bp(f.forecast_attainment_bp);
  p.set_pace_bp(f.pace_bp);
  p.set_status(f.status);
  SALES_ASSIGN_OR_RETURN(int64_t used, ExpenseUsed(tx, node, units, span.start, actual_to));
  *p.mutable_expense_budget() = MakeMoney(target.expense, cur);
  *p.mutable_expense_used() = MakeMoney(used, cur);
  p.set_expense_used_bp(ShareBp(used, target.expense));
  if (metric == v1::METRIC_SALES_AMOUNT) p.set_expense_to_sales_bp(ShareBp(used, actual));
  return p;
}

absl::StatusOr<v1::TargetVsActualRow> ProgressReading::ReportRow(db::Transaction& tx, const v1::TargetNode& node,
                                                                 const std::string& label,
                                                                 const common::v1::Period& period, v1::Metric metric,
                                                                 int64_t plan_id) const {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay today = Today(clock_);
  common::v1::Date as_of = FromCivilDay(std::min(today, span.end));
  SALES_ASSIGN_OR_RETURN(v1::Progress p,
                         ProgressOf(tx, node, period, as_of, v1::PROGRESS_WINDOW_FULL_PERIOD, metric, plan_id));
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
  }
  const std::string cur = p.target().has_amount() ? p.target().amount().currency_code() : "";
  auto sum = [&](absl::CivilDay a, absl::CivilDay b) {
    return ActualsStore::Sum(tx, p.metric(), settings.sales_recognition(), node, units, a, b);
  };
  // The period before: the previous calendar month for a month, the week
  // before for a week.
  absl::CivilDay prev_start = period.kind() == common::v1::PERIOD_KIND_MONTH
                                  ? absl::CivilDay(absl::CivilMonth(span.start) - 1)
                                  : span.start - ((span.end - span.start) + 1);
  SALES_ASSIGN_OR_RETURN(int64_t previous, sum(prev_start, span.start - 1));
  absl::CivilDay ly_start(span.start.year() - 1, span.start.month(), span.start.day());
  absl::CivilDay ly_end(span.end.year() - 1, span.end.month(), span.end.day());
  SALES_ASSIGN_OR_RETURN(int64_t last_year, sum(ly_start, ly_end));
  absl::CivilDay year_start(span.start.year(), 1, 1);
  SALES_ASSIGN_OR_RETURN(int64_t ytd_actual, sum(year_start, std::min(today, span.end)));
  common::v1::Period year;
  year.set_kind(common::v1::PERIOD_KIND_YEAR);
  *year.mutable_start() = FromCivilDay(year_start);
  SALES_ASSIGN_OR_RETURN(v1::Progress y,
                         ProgressOf(tx, node, year, as_of, v1::PROGRESS_WINDOW_TO_DATE, p.metric(), p.plan_id()));
  v1::TargetVsActualRow row;
  row.set_rep_id(node.rep_id());
  row.set_org_unit_id(node.org_unit_id());
  row.set_label(label);
  *row.mutable_target() = p.target();
  *row.mutable_actual() = p.actual();
  row.set_attainment_bp(p.attainment_bp());
  *row.mutable_gap() = p.gap();
  *row.mutable_previous_period_actual() = ToMetricValue(p.metric(), cur, previous);
  *row.mutable_same_period_last_year_actual() = ToMetricValue(p.metric(), cur, last_year);
  int64_t actual = p.actual().has_amount() ? p.actual().amount().minor_units() : p.actual().count();
  if (last_year > 0) row.set_year_on_year_growth_bp(ShareBp(actual - last_year, last_year));
  *row.mutable_ytd_target() = y.target();
  *row.mutable_ytd_actual() = ToMetricValue(p.metric(), cur, ytd_actual);
  row.set_status(p.status());
  *row.mutable_expense_used() = p.expense_used();
  return row;
}

absl::Status CheckNodeExists(db::Transaction& tx, const v1::TargetNode& node) {
  if (node.org_unit_id() != 0) SALES_RETURN_IF_ERROR(OrgStore::Get(tx, node.org_unit_id()).status());
  if (node.rep_id() != 0) SALES_RETURN_IF_ERROR(RepStore::Get(tx, node.rep_id()).status());
  if (node.product_line_id() != 0) SALES_RETURN_IF_ERROR(ProductLineStore::Get(tx, node.product_line_id()).status());
  return absl::OkStatus();
}

absl::StatusOr<RecordScope> ListScopeOf(db::Transaction& tx, const Viewer& v, int64_t rep_filter, int64_t unit_filter,
                                        const std::string& what) {
  const bool as_rep = !v.read_everywhere && v.principal.role == kRoleRep && v.principal.rep_id != 0;
  const bool as_manager = !v.read_everywhere && v.principal.role == kRoleManager && !v.units.empty();
  if (!v.read_everywhere && !as_rep && !as_manager) return RoleNotAllowed(v, absl::StrCat("list ", what));
  RecordScope scope;
  if (as_rep) {
    if (rep_filter != 0 && rep_filter != v.principal.rep_id) {
      return OutOfScope(absl::StrCat("rep ", rep_filter, "'s ", what));
    }
    scope.rep_id = v.principal.rep_id;
  } else if (rep_filter != 0) {
    SALES_RETURN_IF_ERROR(RepStore::Get(tx, rep_filter).status());
    scope.rep_id = rep_filter;
  }
  if (unit_filter != 0) {
    if (as_manager && !v.units.count(unit_filter))
      return OutOfScope(absl::StrCat("org unit ", unit_filter, "'s ", what));
    SALES_ASSIGN_OR_RETURN(scope.units, SubtreeOf(tx, unit_filter));
    if (scope.units.empty()) return NotFound("org unit", unit_filter);
    scope.all_units = false;
  } else if (as_manager) {
    scope.units.assign(v.units.begin(), v.units.end());
    scope.all_units = false;
  }
  return scope;
}

namespace {

// One row of a breakdown: the node and period its figures are of, the key
// rows are ordered and paged by, and its label.
struct ProgressGroup {
  int64_t key = 0;
  v1::TargetNode node;
  common::v1::Period period;
  std::string label;
};

// How a node is named: its unit, rep, line, role and customer, as many as
// it combines.
absl::StatusOr<std::string> LabelOf(db::Transaction& tx, const v1::TargetNode& node) {
  std::vector<std::string> parts;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, node.org_unit_id()));
    parts.push_back(unit.name());
  }
  if (node.rep_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, node.rep_id()));
    parts.push_back(rep.name());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) parts.push_back(EnumShort(node.portfolio_role()));
  if (node.product_line_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto line, ProductLineStore::Get(tx, node.product_line_id()));
    parts.push_back(line.name());
  }
  if (node.customer_id() != 0) parts.push_back(absl::StrCat("customer ", node.customer_id()));
  return parts.empty() ? std::string("company") : absl::StrJoin(parts, " / ");
}

ProgressGroup GroupOf(const v1::ListProgressRequest& request, int64_t key, std::string label) {
  ProgressGroup g;
  g.key = key;
  g.node = request.node();
  g.period = request.period();
  g.label = std::move(label);
  return g;
}

absl::StatusOr<std::vector<ProgressGroup>> UnitGroups(db::Transaction& tx, const v1::ListProgressRequest& request) {
  if (request.node().rep_id() != 0) return InvalidField("group_by", "a rep has no child units");
  int64_t parent = request.node().org_unit_id();
  if (parent == 0) {
    SALES_ASSIGN_OR_RETURN(parent, ProgressStore::CompanyUnitId(tx));
  }
  std::vector<ProgressGroup> out;
  if (parent == 0) return out;
  SALES_ASSIGN_OR_RETURN(auto children, OrgStore::List(tx, parent, 0, 100000));
  for (const auto& u : children) {
    out.push_back(GroupOf(request, u.id(), u.name()));
    out.back().node.set_org_unit_id(u.id());
  }
  return out;
}

absl::StatusOr<std::vector<ProgressGroup>> RepGroups(db::Transaction& tx, const v1::ListProgressRequest& request) {
  std::vector<v1::Rep> reps;
  if (request.node().rep_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, request.node().rep_id()));
    reps.push_back(std::move(rep));
  } else {
    std::vector<int64_t> units;
    if (request.node().org_unit_id() != 0) {
      SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, request.node().org_unit_id()));
    }
    // Reps who left still answer for the period they served.
    v1::ListRepsRequest all;
    all.set_include_left(true);
    SALES_ASSIGN_OR_RETURN(reps, RepStore::List(tx, units, all, 0, 1000000));
  }
  std::vector<ProgressGroup> out;
  for (const auto& r : reps) {
    out.push_back(GroupOf(request, r.id(), r.name()));
    out.back().node.set_rep_id(r.id());
  }
  return out;
}

std::vector<ProgressGroup> RoleGroups(const v1::ListProgressRequest& request) {
  std::vector<ProgressGroup> out;
  for (auto role :
       {v1::PORTFOLIO_ROLE_TRAFFIC, v1::PORTFOLIO_ROLE_VOLUME, v1::PORTFOLIO_ROLE_PROFIT, v1::PORTFOLIO_ROLE_IMAGE}) {
    auto asked = request.node().portfolio_role();
    if (asked != v1::PORTFOLIO_ROLE_UNSPECIFIED && asked != role) continue;
    out.push_back(GroupOf(request, role, EnumShort(role)));
    out.back().node.set_portfolio_role(role);
  }
  return out;
}

absl::StatusOr<std::vector<ProgressGroup>> LineGroups(db::Transaction& tx, const v1::ListProgressRequest& request) {
  std::vector<v1::ProductLine> lines;
  if (request.node().product_line_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto line, ProductLineStore::Get(tx, request.node().product_line_id()));
    lines.push_back(std::move(line));
  } else {
    // Retired lines keep the figures of the periods they were sold in.
    SALES_ASSIGN_OR_RETURN(lines, ProductLineStore::List(tx, request.node().portfolio_role(), true, 0, 100000));
  }
  std::vector<ProgressGroup> out;
  for (const auto& l : lines) {
    out.push_back(GroupOf(request, l.id(), l.name()));
    out.back().node.set_product_line_id(l.id());
  }
  return out;
}

absl::StatusOr<std::vector<ProgressGroup>> MonthGroups(const v1::ListProgressRequest& request) {
  if (request.period().kind() == common::v1::PERIOD_KIND_WEEK) {
    return InvalidField("group_by", "a week has no months: use a MONTH, QUARTER or YEAR period");
  }
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(request.period(), "period"));
  std::vector<ProgressGroup> out;
  for (absl::CivilMonth m(span.start); m <= absl::CivilMonth(span.end); ++m) {
    out.push_back(GroupOf(request, m.year() * 100 + m.month(), absl::StrFormat("%04d-%02d", m.year(), m.month())));
    out.back().period.set_kind(common::v1::PERIOD_KIND_MONTH);
    *out.back().period.mutable_start() = FromCivilDay(absl::CivilDay(m));
  }
  return out;
}

absl::StatusOr<std::vector<ProgressGroup>> CustomerGroups(db::Transaction& tx, const v1::ListProgressRequest& request,
                                                          const v1::Progress& total) {
  std::vector<int64_t> customers;
  if (request.node().customer_id() != 0) {
    customers.push_back(request.node().customer_id());
  } else {
    SALES_ASSIGN_OR_RETURN(customers,
                           ProgressStore::TargetCustomers(tx, total.plan_id(), total.plan_version(), request.node()));
  }
  std::vector<ProgressGroup> out;
  for (int64_t c : customers) {
    out.push_back(GroupOf(request, c, absl::StrCat("customer ", c)));
    out.back().node.set_customer_id(c);
  }
  return out;
}

absl::StatusOr<std::vector<ProgressGroup>> GroupsOf(db::Transaction& tx, const v1::ListProgressRequest& request,
                                                    const v1::Progress& total) {
  switch (request.group_by()) {
    case v1::PROGRESS_GROUP_BY_CHILD_UNIT:
      return UnitGroups(tx, request);
    case v1::PROGRESS_GROUP_BY_REP:
      return RepGroups(tx, request);
    case v1::PROGRESS_GROUP_BY_PORTFOLIO_ROLE:
      return RoleGroups(request);
    case v1::PROGRESS_GROUP_BY_PRODUCT_LINE:
      return LineGroups(tx, request);
    case v1::PROGRESS_GROUP_BY_MONTH:
      return MonthGroups(request);
    case v1::PROGRESS_GROUP_BY_CUSTOMER:
      return CustomerGroups(tx, request, total);
    default:
      return InvalidField("group_by", "required");
  }
}

// The metrics an expense budget is looked up under, most telling first:
// the budget goes out with the sales target (seed 000 第五步).
constexpr v1::Metric kBudgetMetrics[] = {v1::METRIC_SALES_AMOUNT, v1::METRIC_COLLECTED_AMOUNT, v1::METRIC_QUANTITY,
                                         v1::METRIC_NEW_CUSTOMERS, v1::METRIC_GROSS_PROFIT};

// Page tokens of ListActualCells carry the last cell's list key.
std::string EncodeCellToken(const v1::ActualCell& c) {
  return absl::WebSafeBase64Escape(absl::StrCat("cell:", c.fiscal_year(), ",", c.fiscal_month(), ",", c.org_unit_id(),
                                                ",", c.rep_id(), ",", c.product_line_id()));
}

absl::StatusOr<ActualCellKey> DecodeCellToken(const std::string& token) {
  std::string raw;
  std::vector<int64_t> v;
  if (absl::WebSafeBase64Unescape(token, &raw) && absl::StartsWith(raw, "cell:")) {
    for (absl::string_view part : absl::StrSplit(raw.substr(5), ',')) {
      int64_t x = 0;
      if (!absl::SimpleAtoi(part, &x)) break;
      v.push_back(x);
    }
  }
  if (v.size() != 5 || v[0] < 0 || v[0] > 9999 || v[1] < 0 || v[1] > 12) {
    return InvalidField("page_token", "not a token this service issued");
  }
  return ActualCellKey{static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]), v[2], v[3], v[4]};
}

int32_t MonthKey(const common::v1::Period& p) { return p.start().year() * 100 + p.start().month(); }

}  // namespace

absl::StatusOr<v1::ListProgressResponse> ProgressReading::Breakdown(db::Transaction& tx, const CallContext& call,
                                                                    const v1::ListProgressRequest& request) const {
  SALES_ASSIGN_OR_RETURN(int page, PageSize(request.page_size(), kPageOfLedgerRows));
  SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(request.page_token()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, request.node()));
  SALES_RETURN_IF_ERROR(CheckNodeExists(tx, request.node()));
  v1::ListProgressResponse out;
  v1::Progress& total = *out.mutable_total();
  SALES_ASSIGN_OR_RETURN(total, ProgressOf(tx, request.node(), request.period(), request.as_of(), request.window(),
                                           request.metric(), request.plan_id()));
  SALES_ASSIGN_OR_RETURN(std::string label, LabelOf(tx, request.node()));
  total.set_label(label);
  SALES_ASSIGN_OR_RETURN(auto groups, GroupsOf(tx, request, total));
  int64_t last = 0;
  for (const auto& g : groups) {
    if (g.key <= after) continue;
    // Every row against the total's plan, so that the rows add up to it
    // even where a child unit has a signed plan of its own.
    SALES_ASSIGN_OR_RETURN(v1::Progress row, ProgressOf(tx, g.node, g.period, request.as_of(), request.window(),
                                                        total.metric(), total.plan_id()));
    if (request.status() != v1::PROGRESS_STATUS_UNSPECIFIED && row.status() != request.status()) continue;
    if (out.rows_size() == page) {
      out.set_next_page_token(EncodePageToken(last));
      break;
    }
    row.set_label(g.label);
    *out.add_rows() = std::move(row);
    last = g.key;
  }
  return out;
}

absl::StatusOr<int64_t> ProgressReading::ExpenseBudgetOf(db::Transaction& tx, const v1::TargetNode& node,
                                                         const PeriodSpan& span) const {
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
    if (units.empty()) return NotFound("org unit", node.org_unit_id());
  }
  for (v1::Metric metric : kBudgetMetrics) {
    auto plan = CoveringPlan(tx, 0, static_cast<int32_t>(span.start.year()), metric, node);
    if (absl::IsFailedPrecondition(plan.status())) continue;
    SALES_RETURN_IF_ERROR(plan.status());
    SALES_ASSIGN_OR_RETURN(NodeTarget target, TargetOf(tx, *plan, node, units, span));
    return target.expense;
  }
  return int64_t{0};
}

absl::StatusOr<v1::ListActualCellsResponse> ActualsReading::Cells(db::Transaction& tx, const CallContext& call,
                                                                  const v1::ListActualCellsRequest& request) {
  SALES_ASSIGN_OR_RETURN(int page, PageSize(request.page_size(), kPageOfActualCells));
  std::optional<ActualCellKey> after;
  if (!request.page_token().empty()) {
    SALES_ASSIGN_OR_RETURN(after, DecodeCellToken(request.page_token()));
  }
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  ActualCellFilter filter;
  SALES_ASSIGN_OR_RETURN(filter.scope, ListScopeOf(tx, viewer, request.rep_id(), request.org_unit_id(), "actuals"));
  if (request.product_line_id() != 0) {
    SALES_RETURN_IF_ERROR(ProductLineStore::Get(tx, request.product_line_id()).status());
  }
  filter.product_line_id = request.product_line_id();
  filter.first_month = MonthKey(request.from_period());
  filter.last_month = MonthKey(request.to_period());
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(auto cells,
                         ActualsStore::ListCells(tx, filter, after ? &*after : nullptr, settings.sales_recognition(),
                                                 settings.default_currency_code(), page + 1));
  v1::ListActualCellsResponse out;
  bool more = static_cast<int>(cells.size()) > page;
  if (more) cells.pop_back();
  if (more) out.set_next_page_token(EncodeCellToken(cells.back()));
  for (auto& c : cells) *out.add_cells() = std::move(c);
  return out;
}

absl::StatusOr<v1::ListActualEntriesResponse> ActualsReading::Entries(db::Transaction& tx, const CallContext& call,
                                                                      const v1::ListActualEntriesRequest& request) {
  SALES_ASSIGN_OR_RETURN(int page, PageSize(request.page_size(), kPageOfLedgerRows));
  SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(request.page_token()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  ActualEntryFilter filter;
  SALES_ASSIGN_OR_RETURN(filter.scope, ListScopeOf(tx, viewer, request.rep_id(), request.org_unit_id(), "actuals"));
  if (request.product_line_id() != 0) {
    SALES_RETURN_IF_ERROR(ProductLineStore::Get(tx, request.product_line_id()).status());
  }
  filter.product_line_id = request.product_line_id();
  filter.customer_id = request.customer_id();
  filter.order_id = request.order_id();
  filter.kind = request.kind();
  filter.dates = request.date_range();
  filter.source_ref = request.source_ref();
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(auto entries,
                         ActualsStore::ListEntries(tx, filter, after, settings.default_currency_code(), page + 1));
  v1::ListActualEntriesResponse out;
  FillPage(std::move(entries), page, &out, [](v1::ListActualEntriesResponse* r) { return r->add_entries(); });
  return out;
}

}  // namespace sales::targets
