#include "targets-svc/app/progress_reading.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
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
  v1::ListPlansRequest f;
  f.set_fiscal_year(year);
  f.set_metric(metric);
  f.set_state(v1::PLAN_STATE_SIGNED);
  SALES_ASSIGN_OR_RETURN(auto plans, PlanStore::List(tx, f, 0, 1000));
  int64_t unit = node.org_unit_id();
  if (unit == 0 && node.rep_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, node.rep_id()));
    unit = rep.org_unit_id();
  }
  const PlanRecord* best = nullptr;
  size_t best_size = SIZE_MAX;
  for (const auto& p : plans) {
    SALES_ASSIGN_OR_RETURN(auto subtree, SubtreeOf(tx, p.plan.org_unit_id()));
    bool covers = unit == 0 ? false : std::find(subtree.begin(), subtree.end(), unit) != subtree.end();
    if (unit == 0) {
      // The whole company is covered only by a plan of the company itself.
      SALES_ASSIGN_OR_RETURN(auto owner, OrgStore::Get(tx, p.plan.org_unit_id()));
      covers = owner.parent_id() == 0;
    }
    if (covers && subtree.size() < best_size) {
      best = &p;
      best_size = subtree.size();
    }
  }
  if (best == nullptr) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("no signed ", v1::Metric_Name(metric), " plan covers this node in ", year)),
                         "NO_SIGNED_PLAN", kTargetsDomain);
  }
  return *best;
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

absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, const v1::TargetNode& node, const std::vector<int64_t>& units,
                                    absl::CivilDay from, absl::CivilDay to) {
  return ProgressStore::ExpenseUsed(tx, node.rep_id(), units, from, to);
}

int32_t Bp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  absl::int128 v = (absl::int128(part) * 20000 + whole) / (absl::int128(whole) * 2);
  return static_cast<int32_t>(std::clamp<absl::int128>(v, INT32_MIN, INT32_MAX));
}

}  // namespace

absl::StatusOr<v1::Progress> ProgressReading::ProgressOf(db::Transaction& tx, const v1::TargetNode& node,
                                                         const common::v1::Period& period,
                                                         const common::v1::Date& as_of_in, v1::ProgressWindow window,
                                                         v1::Metric metric, int64_t plan_id) const {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay as_of = as_of_in.year() != 0 ? ToCivilDay(as_of_in) : Today(clock_);
  if (metric == v1::METRIC_UNSPECIFIED) metric = v1::METRIC_SALES_AMOUNT;
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan,
                         CoveringPlan(tx, plan_id, static_cast<int32_t>(span.start.year()), metric, node));
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
  p.set_expense_used_bp(Bp(used, target.expense));
  if (metric == v1::METRIC_SALES_AMOUNT) p.set_expense_to_sales_bp(Bp(used, actual));
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
  if (last_year > 0) row.set_year_on_year_growth_bp(Bp(actual - last_year, last_year));
  *row.mutable_ytd_target() = y.target();
  *row.mutable_ytd_actual() = ToMetricValue(p.metric(), cur, ytd_actual);
  row.set_status(p.status());
  *row.mutable_expense_used() = p.expense_used();
  return row;
}

}  // namespace sales::targets
