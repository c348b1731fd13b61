// Actuals, baselines, progress, rankings, expenses and settings.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/api/plan_support.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/api/viewer.h"
#include "targets-svc/domain/baseline.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/progress.h"
#include "targets-svc/store/actuals_store.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {
namespace {

constexpr int kMaxImportRows = 5000;

// The company's calendar day for "now" (China Standard Time, no DST).
absl::CivilDay Today(const Clock& clock) { return BusinessDay(clock.Now()); }

struct PeriodSpan {
  absl::CivilDay start, end;
};

absl::StatusOr<PeriodSpan> SpanOf(const common::v1::Period& p, const char* field) {
  SALES_RETURN_IF_ERROR(ValidateDate(p.start(), absl::StrCat(field, ".start")));
  absl::CivilDay start = ToCivilDay(p.start());
  switch (p.kind()) {
    case common::v1::PERIOD_KIND_WEEK: return PeriodSpan{start, start + 6};
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
      if (start.day() != 1 || start.month() != 1) return InvalidField(absl::StrCat(field, ".start"), "a year starts on Jan 1");
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

BaselineWeightsBp WeightsOf(const v1::BaselineWeights& w) {
  BaselineWeightsBp out;
  out.year_weights_bp.assign(w.year_weights_bp().begin(), w.year_weights_bp().end());
  out.history_growth_weight_bp = w.history_growth_weight_bp();
  out.industry_growth_weight_bp = w.industry_growth_weight_bp();
  out.competitor_growth_weight_bp = w.competitor_growth_weight_bp();
  return out;
}

absl::Status CheckNodeVisible(const Viewer& v, const v1::TargetNode& node) {
  if (v.read_everywhere) return absl::OkStatus();
  if (node.rep_id() != 0 && v.reps.count(node.rep_id())) return absl::OkStatus();
  if (node.rep_id() == 0 && node.org_unit_id() != 0 && v.principal.role == kRoleManager && v.units.count(node.org_unit_id())) {
    return absl::OkStatus();
  }
  return OutOfScope(node.rep_id() != 0 ? absl::StrCat("rep ", node.rep_id(), "'s figures")
                                       : absl::StrCat("org unit ", node.org_unit_id(), "'s figures"));
}

// The SIGNED plan covering a node for a year and metric: the given one, or
// the most specific whose unit contains the node.
absl::StatusOr<PlanRecord> CoveringPlan(db::Transaction& tx, int64_t plan_id, int32_t year, v1::Metric metric,
                                        const v1::TargetNode& node) {
  if (plan_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto p, PlanStore::Get(tx, plan_id, 0, false));
    if (p.plan.state() != v1::PLAN_STATE_SIGNED) {
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("plan ", plan_id, " is not signed")),
                           "NO_SIGNED_PLAN", "targets.sales");
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
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("no signed ", v1::Metric_Name(metric),
                                                                    " plan covers this node in ", year)),
                         "NO_SIGNED_PLAN", "targets.sales");
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
  std::string sql =
      "SELECT a.period_kind, a.period_start, a.target, a.expense, a.org_unit_id, a.rep_id, "
      "COALESCE(r.org_unit_id, 0) FROM assignments a LEFT JOIN reps r ON r.id = a.rep_id "
      "WHERE a.plan_id = ? AND a.plan_version = ? AND NOT EXISTS (SELECT 1 FROM assignments c WHERE "
      "c.plan_id = a.plan_id AND c.plan_version = a.plan_version AND c.parent_cell_no = a.cell_no)";
  db::Params params = {plan.plan.id(), static_cast<int64_t>(plan.plan.version())};
  if (node.rep_id() != 0) {
    sql += " AND a.rep_id = ?";
    params.push_back(node.rep_id());
  }
  if (node.product_line_id() != 0) {
    sql += " AND a.product_line_id = ?";
    params.push_back(node.product_line_id());
  }
  if (node.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
    sql += " AND (a.portfolio_role = ? OR a.product_line_id IN (SELECT id FROM product_lines WHERE portfolio_role = ?))";
    params.push_back(static_cast<int64_t>(node.portfolio_role()));
    params.push_back(static_cast<int64_t>(node.portfolio_role()));
  }
  if (node.customer_id() != 0) {
    sql += " AND a.customer_id = ?";
    params.push_back(node.customer_id());
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::set<int64_t> unit_set(units.begin(), units.end());
  std::map<int64_t, std::set<int64_t>> below;  // unit → its subtree, cached
  NodeTarget out;
  for (const auto& r : rows) {
    // A leaf counts for exactly one unit: its own, unless the decomposition
    // skipped the org levels (the cell's unit is above the rep's), then the
    // rep's. A rep who later moved elsewhere leaves the target where it was.
    int64_t cell_unit = r.Int(4), rep_unit = r.Int(6), unit_of = cell_unit;
    if (rep_unit != 0 && rep_unit != cell_unit) {
      if (!below.count(cell_unit)) {
        SALES_ASSIGN_OR_RETURN(auto sub, SubtreeOf(tx, cell_unit));
        below[cell_unit] = std::set<int64_t>(sub.begin(), sub.end());
      }
      if (below[cell_unit].count(rep_unit)) unit_of = rep_unit;
    }
    if (!unit_set.empty() && !unit_set.count(unit_of)) continue;
    common::v1::Period p;
    p.set_kind(static_cast<common::v1::PeriodKind>(r.Int(0)));
    *p.mutable_start() = ParseDbDate(r.Str(1));
    auto leaf = SpanOf(p, "leaf");
    if (!leaf.ok()) continue;
    absl::CivilDay a = std::max(leaf->start, span.start), b = std::min(leaf->end, span.end);
    if (b < a) continue;
    int64_t overlap = (b - a) + 1, days = (leaf->end - leaf->start) + 1;
    auto prorate = [&](int64_t v) {
      absl::int128 num = absl::int128(v) * overlap * 2 + days;
      return static_cast<int64_t>(num / (absl::int128(days) * 2));
    };
    out.target += overlap == days ? r.Int(2) : prorate(r.Int(2));
    out.expense += overlap == days ? r.Int(3) : prorate(r.Int(3));
  }
  return out;
}

absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, const v1::TargetNode& node, const std::vector<int64_t>& units,
                                    absl::CivilDay from, absl::CivilDay to) {
  std::string sql = "SELECT COALESCE(SUM(amount), 0) FROM expenses WHERE state = 1 AND expense_date BETWEEN ? AND ?";
  db::Params params = {FormatDbDate(FromCivilDay(from)), FormatDbDate(FromCivilDay(to))};
  if (node.rep_id() != 0) {
    sql += " AND rep_id = ?";
    params.push_back(node.rep_id());
  }
  if (!units.empty()) {
    sql += absl::StrCat(" AND org_unit_id IN (", db::AppendInList(units, params), ")");
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  return rows[0].Int(0);
}

int32_t Bp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  absl::int128 v = (absl::int128(part) * 20000 + whole) / (absl::int128(whole) * 2);
  return static_cast<int32_t>(std::clamp<absl::int128>(v, INT32_MIN, INT32_MAX));
}

}  // namespace

absl::StatusOr<v1::Progress> TargetsApi::ProgressOf(db::Transaction& tx, const v1::TargetNode& node,
                                                    const common::v1::Period& period, const common::v1::Date& as_of_in,
                                                    v1::ProgressWindow window, v1::Metric metric, int64_t plan_id) {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay as_of = as_of_in.year() != 0 ? ToCivilDay(as_of_in) : Today(*rt_.clock);
  if (metric == v1::METRIC_UNSPECIFIED) metric = v1::METRIC_SALES_AMOUNT;
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, CoveringPlan(tx, plan_id, static_cast<int32_t>(span.start.year()), metric, node));
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
    if (units.empty()) return NotFound("org unit", node.org_unit_id());
  }
  SALES_ASSIGN_OR_RETURN(NodeTarget target, TargetOf(tx, plan, node, units, span));
  absl::CivilDay actual_to = std::min(as_of, span.end);
  SALES_ASSIGN_OR_RETURN(int64_t actual, ActualsStore::Sum(tx, metric, settings.sales_recognition(), node, units,
                                                           span.start, actual_to));
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

absl::StatusOr<v1::TargetVsActualRow> TargetsApi::ReportRow(db::Transaction& tx, const v1::TargetNode& node,
                                                             const std::string& label, const common::v1::Period& period,
                                                             v1::Metric metric, int64_t plan_id) {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay today = Today(*rt_.clock);
  common::v1::Date as_of = FromCivilDay(std::min(today, span.end));
  SALES_ASSIGN_OR_RETURN(v1::Progress p, ProgressOf(tx, node, period, as_of, v1::PROGRESS_WINDOW_FULL_PERIOD, metric,
                                                    plan_id));
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
  SALES_ASSIGN_OR_RETURN(v1::Progress y, ProgressOf(tx, node, year, as_of, v1::PROGRESS_WINDOW_TO_DATE, p.metric(),
                                                    p.plan_id()));
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

namespace {

absl::Status WeekOrMonth(const common::v1::Period& p) {
  if (p.kind() == common::v1::PERIOD_KIND_WEEK || p.kind() == common::v1::PERIOD_KIND_MONTH) return absl::OkStatus();
  return InvalidField("period.kind", "WEEK or MONTH (the department's weekly and monthly reports)");
}

void RankRows(std::vector<v1::TargetVsActualRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.attainment_bp() > b.attainment_bp(); });
  for (size_t i = 0; i < rows.size(); ++i) rows[i].set_rank(static_cast<int32_t>(i + 1));
}

}  // namespace

grpc::Status TargetsApi::GetSalesByRepReport(grpc::ServerContext* ctx, const v1::GetSalesByRepReportRequest* req,
                                             v1::GetSalesByRepReportResponse* resp) {
  return ServeRead<v1::GetSalesByRepReportResponse>(
      ctx, TargetsMethod("GetSalesByRepReport"), rt_, resp, [&](CallContext&) { return WeekOrMonth(req->period()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetSalesByRepReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        v1::TargetNode scope;
        int64_t unit = req->org_unit_id();
        if (unit == 0 && viewer.principal.role == kRoleManager) unit = viewer.principal.org_unit_id;
        scope.set_org_unit_id(unit);
        std::vector<v1::Rep> reps;
        if (viewer.principal.role == kRoleRep) {
          SALES_ASSIGN_OR_RETURN(auto me, RepStore::Get(tx, viewer.principal.rep_id));
          reps.push_back(me);
        } else {
          if (unit != 0) SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, scope));
          if (unit == 0 && !viewer.read_everywhere) return OutOfScope("the whole company");
          std::vector<int64_t> units;
          if (unit != 0) {
            SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, unit));
          }
          v1::ListRepsRequest f;
          SALES_ASSIGN_OR_RETURN(reps, RepStore::List(tx, units, f, 0, 100000));
        }
        std::vector<v1::TargetVsActualRow> rows;
        for (const auto& r : reps) {
          v1::TargetNode n;
          n.set_rep_id(r.id());
          n.set_product_line_id(req->product_line_id());
          auto row = ReportRow(tx, n, r.name(), req->period(), req->metric(), 0);
          if (absl::IsFailedPrecondition(row.status())) continue;  // no signed plan covers this rep
          SALES_RETURN_IF_ERROR(row.status());
          rows.push_back(*row);
        }
        RankRows(rows);
        v1::GetSalesByRepReportResponse out;
        for (auto& r : rows) *out.add_rows() = std::move(r);
        if (viewer.principal.role != kRoleRep) {
          scope.set_product_line_id(req->product_line_id());
          auto total = ReportRow(tx, scope, unit == 0 ? "company" : "total", req->period(), req->metric(), 0);
          if (total.ok()) *out.mutable_total() = *total;
        }
        return out;
      });
}

grpc::Status TargetsApi::GetSalesByRegionReport(grpc::ServerContext* ctx,
                                                const v1::GetSalesByRegionReportRequest* req,
                                                v1::GetSalesByRegionReportResponse* resp) {
  return ServeRead<v1::GetSalesByRegionReportResponse>(
      ctx, TargetsMethod("GetSalesByRegionReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(WeekOrMonth(req->period()));
        auto k = req->group_kind();
        if (k != v1::ORG_UNIT_KIND_BRANCH && k != v1::ORG_UNIT_KIND_OFFICE && k != v1::ORG_UNIT_KIND_TEAM) {
          return InvalidField("group_kind", "BRANCH, OFFICE or TEAM");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetSalesByRegionReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        int64_t unit = req->org_unit_id();
        if (unit == 0 && viewer.principal.role == kRoleManager) unit = viewer.principal.org_unit_id;
        v1::TargetNode scope;
        scope.set_org_unit_id(unit);
        if (unit != 0) {
          SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, scope));
        } else if (!viewer.read_everywhere) {
          return OutOfScope("the whole company");
        }
        std::vector<int64_t> units;
        if (unit != 0) {
          SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, unit));
        } else {
          SALES_ASSIGN_OR_RETURN(auto all, tx.Query("SELECT id FROM org_units"));
          for (const auto& r : all) units.push_back(r.Int(0));
        }
        std::vector<v1::TargetVsActualRow> rows;
        for (int64_t u : units) {
          SALES_ASSIGN_OR_RETURN(auto ou, OrgStore::Get(tx, u));
          if (ou.kind() != req->group_kind()) continue;
          v1::TargetNode n;
          n.set_org_unit_id(u);
          n.set_product_line_id(req->product_line_id());
          auto row = ReportRow(tx, n, ou.name(), req->period(), req->metric(), 0);
          if (absl::IsFailedPrecondition(row.status())) continue;
          SALES_RETURN_IF_ERROR(row.status());
          rows.push_back(*row);
        }
        RankRows(rows);
        v1::GetSalesByRegionReportResponse out;
        for (auto& r : rows) *out.add_rows() = std::move(r);
        scope.set_product_line_id(req->product_line_id());
        auto total = ReportRow(tx, scope, unit == 0 ? "company" : "total", req->period(), req->metric(), 0);
        if (total.ok()) *out.mutable_total() = *total;
        return out;
      });
}

grpc::Status TargetsApi::GetProgress(grpc::ServerContext* ctx, const v1::GetProgressRequest* req,
                                     v1::GetProgressResponse* resp) {
  return ServeRead<v1::GetProgressResponse>(
      ctx, TargetsMethod("GetProgress"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        if (req->has_as_of()) return ValidateDate(req->as_of(), "as_of");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetProgressResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, req->node()));
        v1::GetProgressResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_progress(), ProgressOf(tx, req->node(), req->period(), req->as_of(),
                                                                    req->window(), req->metric(), req->plan_id()));
        return out;
      });
}

grpc::Status TargetsApi::GetRanking(grpc::ServerContext* ctx, const v1::GetRankingRequest* req,
                                    v1::GetRankingResponse* resp) {
  return ServeRead<v1::GetRankingResponse>(
      ctx, TargetsMethod("GetRanking"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->org_unit_id() <= 0) return InvalidField("org_unit_id", "required, > 0");
        if (!req->has_period()) return InvalidField("period", "required");
        if (req->limit() < 0 || req->limit() > 1000) return InvalidField("limit", "must be 0..1000");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetRankingResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        v1::TargetNode unit_node;
        unit_node.set_org_unit_id(req->org_unit_id());
        // A rep may see the ranking board of their own unit (销售排行榜).
        bool own_unit = viewer.principal.role == kRoleRep && viewer.principal.org_unit_id == req->org_unit_id();
        if (!own_unit) SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, unit_node));
        std::vector<std::pair<v1::TargetNode, std::string>> nodes;
        if (req->rank_reps()) {
          v1::ListRepsRequest f;
          f.set_org_unit_id(req->org_unit_id());
          f.set_include_subtree(true);
          SALES_ASSIGN_OR_RETURN(auto units, SubtreeOf(tx, req->org_unit_id()));
          SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, f, 0, 10000));
          for (const auto& r : reps) {
            v1::TargetNode n;
            n.set_rep_id(r.id());
            nodes.emplace_back(n, r.name());
          }
        } else {
          SALES_ASSIGN_OR_RETURN(auto children, OrgStore::List(tx, req->org_unit_id(), 0, 1000));
          for (const auto& u : children) {
            v1::TargetNode n;
            n.set_org_unit_id(u.id());
            nodes.emplace_back(n, u.name());
          }
        }
        std::vector<v1::RankingEntry> entries;
        for (const auto& [node, label] : nodes) {
          auto p = ProgressOf(tx, node, req->period(), req->as_of(), req->window(), req->metric(), req->plan_id());
          if (!p.ok()) {
            if (p.status().code() == absl::StatusCode::kFailedPrecondition) continue;
            return p.status();
          }
          v1::RankingEntry e;
          e.set_rep_id(node.rep_id());
          e.set_org_unit_id(node.org_unit_id());
          e.set_label(label);
          *e.mutable_progress() = *p;
          entries.push_back(std::move(e));
        }
        std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
          return a.progress().attainment_bp() > b.progress().attainment_bp();
        });
        v1::GetRankingResponse out;
        int limit = req->limit() == 0 ? 1000 : req->limit();
        for (size_t i = 0; i < entries.size() && static_cast<int>(i) < limit; ++i) {
          entries[i].set_rank(static_cast<int32_t>(i + 1));
          *out.add_entries() = std::move(entries[i]);
        }
        return out;
      });
}

grpc::Status TargetsApi::ImportActuals(grpc::ServerContext* ctx, const v1::ImportActualsRequest* req,
                                       v1::ImportActualsResponse* resp) {
  return ServeMutation<v1::ImportActualsRequest, v1::ImportActualsResponse>(
      ctx, TargetsMethod("ImportActuals"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->rows().empty()) return InvalidField("rows", "at least one row");
        if (req->rows_size() > kMaxImportRows) return InvalidField("rows", absl::StrCat("at most ", kMaxImportRows, " per call"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ImportActualsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "import history");
        // Reference data once, so thousands of rows need no query each.
        SALES_ASSIGN_OR_RETURN(auto units, tx.Query("SELECT id FROM org_units"));
        SALES_ASSIGN_OR_RETURN(auto reps, tx.Query("SELECT id FROM reps"));
        SALES_ASSIGN_OR_RETURN(auto lines, tx.Query("SELECT id FROM product_lines"));
        std::set<int64_t> unit_ids, rep_ids, line_ids;
        for (const auto& r : units) unit_ids.insert(r.Int(0));
        for (const auto& r : reps) rep_ids.insert(r.Int(0));
        for (const auto& r : lines) line_ids.insert(r.Int(0));
        int32_t this_year = static_cast<int32_t>(Today(*rt_.clock).year());
        std::vector<FieldViolation> bad;
        std::set<std::string> keys;
        for (int i = 0; i < req->rows_size() && bad.size() < 100; ++i) {
          const auto& r = req->rows(i);
          auto f = [&](const char* leaf) { return absl::StrCat("rows[", i, "].", leaf); };
          if (r.row_key().empty() || r.row_key().size() > 128) bad.push_back({f("row_key"), "required, 1..128 characters"});
          if (!keys.insert(r.row_key()).second) bad.push_back({f("row_key"), "repeated in this call"});
          if (!rep_ids.count(r.rep_id())) bad.push_back({f("rep_id"), "unknown rep"});
          if (!unit_ids.count(r.org_unit_id())) bad.push_back({f("org_unit_id"), "unknown org unit"});
          if (!line_ids.count(r.product_line_id())) bad.push_back({f("product_line_id"), "unknown product line"});
          if (r.fiscal_year() < 2000 || r.fiscal_year() >= this_year) {
            bad.push_back({f("fiscal_year"), "history is for past years only"});
          }
          if (r.fiscal_month() < 1 || r.fiscal_month() > 12) bad.push_back({f("fiscal_month"), "must be 1..12"});
          for (auto [m, name] : {std::pair{&r.sales_amount(), "sales_amount"}, {&r.collected_amount(), "collected_amount"},
                                 {&r.gross_profit(), "gross_profit"}}) {
            if (m->minor_units() == 0 && m->currency_code().empty()) continue;
            for (auto& v : FieldViolationsOf(ValidateMoney(*m, f(name), name == std::string("gross_profit") ? Sign::kAny
                                                                                                          : Sign::kNonNegative))) {
              bad.push_back(v);
            }
          }
          if (r.quantity() < 0 || r.quantity() >= 1'000'000'000'000'000) bad.push_back({f("quantity"), "must be 0..10^15"});
          if (r.new_customers() < 0 || r.new_customers() > 1'000'000) bad.push_back({f("new_customers"), "must be 0..10^6"});
        }
        if (!bad.empty()) return InvalidFields(std::move(bad));
        v1::ImportActualsResponse out;
        if (req->validate_only()) {
          out.set_inserted_count(req->rows_size());
          return out;
        }
        std::vector<v1::HistoricalActualRow> rows(req->rows().begin(), req->rows().end());
        SALES_ASSIGN_OR_RETURN(auto counts, ActualsStore::Import(tx, rows, req->replace_existing()));
        out.set_inserted_count(counts.inserted);
        out.set_duplicate_count(counts.duplicates);
        out.set_replaced_count(counts.replaced);
        v1::ActualsImportedEvent e;
        e.set_import_request_id(req->request_id());
        e.set_inserted_count(counts.inserted);
        e.set_replaced_count(counts.replaced);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Actuals", req->request_id(), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::ComputeBaseline(grpc::ServerContext* ctx, const v1::ComputeBaselineRequest* req,
                                         v1::ComputeBaselineResponse* resp) {
  return ServeRead<v1::ComputeBaselineResponse>(
      ctx, TargetsMethod("ComputeBaseline"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->fiscal_year() < 2000 || req->fiscal_year() > 2100) v.push_back({"fiscal_year", "must be 2000..2100"});
        if (req->metric() == v1::METRIC_UNSPECIFIED) v.push_back({"metric", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ComputeBaselineResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere && viewer.principal.role != kRoleManager) {
          return RoleNotAllowed(viewer, "compute baselines");
        }
        if (req->node().org_unit_id() != 0) {
          SALES_RETURN_IF_ERROR(OrgStore::Get(tx, req->node().org_unit_id()).status());
          if (!CanManage(viewer, req->node().org_unit_id())) return OutOfScope("that org unit");
        } else if (!viewer.act_everywhere) {
          return OutOfScope("the whole company");
        }
        SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
        v1::BaselineWeights weights_proto = req->has_weights() ? req->weights() : settings.baseline_weights();
        BaselineWeightsBp weights = WeightsOf(weights_proto);
        SALES_RETURN_IF_ERROR(ValidateBaselineWeights(weights));
        int32_t industry = 0, competitor = 0;
        if (req->override_growth_rates()) {
          industry = req->industry_growth_bp();
          competitor = req->competitor_growth_bp();
        } else {
          SALES_ASSIGN_OR_RETURN(auto o, SettingsStore::Outlook(tx, req->fiscal_year(), req->node().product_line_id()));
          industry = o.industry_growth_bp();
          competitor = o.competitor_growth_bp();
        }
        int first_month = 1, months = 12;
        if (req->has_period()) {
          common::v1::Period p = req->period();
          SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(p, "period"));
          if (span.start.year() != req->fiscal_year()) return InvalidField("period.start", "must lie in fiscal_year");
          first_month = span.start.month();
          months = p.kind() == common::v1::PERIOD_KIND_QUARTER ? 3 : p.kind() == common::v1::PERIOD_KIND_MONTH ? 1 : 12;
        }
        std::vector<int32_t> years;
        for (size_t i = 1; i <= weights.year_weights_bp.size(); ++i) years.push_back(req->fiscal_year() - static_cast<int32_t>(i));
        auto baseline_of = [&](const v1::TargetNode& node, int64_t parent_proposed,
                               int32_t siblings) -> absl::StatusOr<v1::Baseline> {
          SALES_ASSIGN_OR_RETURN(auto by_year, HistoryByYear(tx, req->metric(), node, first_month, months, years));
          BaselineInput in;
          in.fiscal_year = req->fiscal_year();
          for (int32_t y : years) {
            YearActual ya{y, std::nullopt};
            for (const auto& [year, amount] : by_year) {
              if (year == y) ya.actual = amount;
            }
            in.history.push_back(ya);
          }
          in.industry_growth_bp = industry;
          in.competitor_growth_bp = competitor;
          in.parent_proposed = parent_proposed;
          in.sibling_count = siblings;
          SALES_ASSIGN_OR_RETURN(BaselineResult r, targets::ComputeBaseline(in, weights));
          const std::string& cur = settings.default_currency_code();
          v1::Baseline b;
          *b.mutable_node() = node;
          b.set_fiscal_year(req->fiscal_year());
          if (req->has_period()) *b.mutable_period() = req->period();
          b.set_metric(req->metric());
          *b.mutable_weights() = weights_proto;
          for (size_t i = 0; i < r.window_years.size(); ++i) {
            auto* y = b.add_history();
            y->set_fiscal_year(r.window_years[i]);
            if (r.window_actuals[i].has_value()) *y->mutable_actual() = ToMetricValue(req->metric(), cur, *r.window_actuals[i]);
            if (i < r.used_weights_bp.size()) y->set_weight_bp(r.used_weights_bp[i]);
            if (i < r.year_growth_bp.size()) y->set_growth_bp(r.year_growth_bp[i]);
          }
          *b.mutable_weighted_history() = ToMetricValue(req->metric(), cur, r.weighted_history);
          b.set_history_growth_bp(r.history_growth_bp);
          b.set_industry_growth_bp(r.industry_growth_bp);
          b.set_competitor_growth_bp(r.competitor_growth_bp);
          b.set_blended_growth_bp(r.blended_growth_bp);
          *b.mutable_proposed() = ToMetricValue(req->metric(), cur, r.proposed);
          b.set_fallback(r.fell_back_to_equal_split ? v1::BASELINE_FALLBACK_EQUAL_SPLIT : v1::BASELINE_FALLBACK_NONE);
          b.set_fallback_note(r.fallback_note);
          for (const auto& s : r.steps) {
            auto* st = b.add_steps();
            st->set_description(s.description);
            *st->mutable_value() = ToMetricValue(req->metric(), cur, s.value);
            st->set_rate_bp(s.rate_bp);
          }
          return b;
        };
        v1::ComputeBaselineResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_baseline(), baseline_of(req->node(), 0, 0));
        int64_t parent = out.baseline().proposed().has_amount() ? out.baseline().proposed().amount().minor_units()
                                                                 : out.baseline().proposed().count();
        std::vector<v1::TargetNode> children;
        if (req->child_dimension() == v1::DIMENSION_ORG_UNIT) {
          SALES_ASSIGN_OR_RETURN(auto units, OrgStore::List(tx, req->node().org_unit_id(), 0, 1000));
          for (const auto& u : units) {
            v1::TargetNode n = req->node();
            n.set_org_unit_id(u.id());
            children.push_back(n);
          }
        } else if (req->child_dimension() == v1::DIMENSION_REP) {
          std::vector<int64_t> units;
          if (req->node().org_unit_id() != 0) {
            SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, req->node().org_unit_id()));
          }
          v1::ListRepsRequest f;
          SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, f, 0, 10000));
          for (const auto& r : reps) {
            v1::TargetNode n = req->node();
            n.set_rep_id(r.id());
            children.push_back(n);
          }
        } else if (req->child_dimension() == v1::DIMENSION_PRODUCT_LINE) {
          SALES_ASSIGN_OR_RETURN(auto lines, ProductLineStore::List(tx, req->node().portfolio_role(), false, 0, 1000));
          for (const auto& l : lines) {
            v1::TargetNode n = req->node();
            n.set_product_line_id(l.id());
            children.push_back(n);
          }
        } else if (req->child_dimension() != v1::DIMENSION_UNSPECIFIED) {
          return InvalidField("child_dimension", "ORG_UNIT, REP or PRODUCT_LINE");
        }
        for (const auto& n : children) {
          SALES_ASSIGN_OR_RETURN(*out.add_children(), baseline_of(n, parent, static_cast<int32_t>(children.size())));
        }
        return out;
      });
}

grpc::Status TargetsApi::RecordExpense(grpc::ServerContext* ctx, const v1::RecordExpenseRequest* req,
                                       v1::RecordExpenseResponse* resp) {
  v1::ExpenseEntry e = req->expense();
  return ServeMutation<v1::RecordExpenseRequest, v1::RecordExpenseResponse>(
      ctx, TargetsMethod("RecordExpense"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (e.rep_id() <= 0) v.push_back({"expense.rep_id", "required, > 0"});
        if (!e.has_amount()) {
          v.push_back({"expense.amount", "required"});
        } else {
          for (auto& f : FieldViolationsOf(ValidateMoney(e.amount(), "expense.amount", Sign::kPositive))) v.push_back(f);
        }
        if (!e.has_expense_date()) {
          v.push_back({"expense.expense_date", "required"});
        } else {
          for (auto& f : FieldViolationsOf(ValidateDate(e.expense_date(), "expense.expense_date"))) v.push_back(f);
        }
        if (e.category() == v1::EXPENSE_CATEGORY_UNSPECIFIED || !v1::ExpenseCategory_IsValid(e.category())) {
          v.push_back({"expense.category", "required"});
        }
        if (e.description().size() > 500) v.push_back({"expense.description", "at most 500 bytes"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordExpenseResponse> {
        auto rep = RepStore::Get(tx, e.rep_id());
        if (absl::IsNotFound(rep.status())) return InvalidField("expense.rep_id", "no such rep");
        SALES_RETURN_IF_ERROR(rep.status());
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        bool own = viewer.principal.role == kRoleRep && viewer.principal.rep_id == e.rep_id();
        if (!own && !CanManage(viewer, rep->org_unit_id()) && viewer.principal.role != kRoleFinance) {
          return OutOfScope(absl::StrCat("rep ", e.rep_id(), "'s expenses"));
        }
        SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
        if (e.amount().currency_code() != settings.default_currency_code()) {
          return InvalidField("expense.amount.currency_code",
                              absl::StrCat("expenses are booked in ", settings.default_currency_code()));
        }
        // An expense is booked to the rep's own unit.
        if (e.org_unit_id() != 0 && e.org_unit_id() != rep->org_unit_id()) {
          return InvalidField("expense.org_unit_id", "must be the rep's own unit (or 0)");
        }
        int64_t unit = rep->org_unit_id();
        SALES_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO expenses (rep_id, org_unit_id, product_line_id, customer_id, expense_date, currency, "
                    "amount, category, description, external_ref, state, recorded_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    {e.rep_id(), unit, e.product_line_id(), e.customer_id(), FormatDbDate(e.expense_date()),
                     e.amount().currency_code(), e.amount().minor_units(), static_cast<int64_t>(e.category()),
                     e.description(), e.external_ref(), call.principal.authenticated() ? call.principal.Encode() : "",
                     FormatDbTime(rt_.clock->Now())})
                .status());
        SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
        v1::RecordExpenseResponse out;
        v1::ExpenseEntry stored = e;
        stored.set_id(id);
        stored.set_org_unit_id(unit);
        stored.set_state(v1::EXPENSE_STATE_POSTED);
        stored.set_etag(MakeEtag(1));
        *stored.mutable_create_time() = ToTimestamp(rt_.clock->Now());
        *out.mutable_expense() = stored;
        return out;
      });
}

grpc::Status TargetsApi::GetTargetSettings(grpc::ServerContext* ctx, const v1::GetTargetSettingsRequest*,
                                           v1::GetTargetSettingsResponse* resp) {
  return ServeRead<v1::GetTargetSettingsResponse>(
      ctx, TargetsMethod("GetTargetSettings"), rt_, resp, [](CallContext&) { return absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetTargetSettingsResponse> {
        v1::GetTargetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), SettingsStore::Get(tx));
        return out;
      });
}

grpc::Status TargetsApi::UpdateTargetSettings(grpc::ServerContext* ctx, const v1::UpdateTargetSettingsRequest* req,
                                              v1::UpdateTargetSettingsResponse* resp) {
  return ServeMutation<v1::UpdateTargetSettingsRequest, v1::UpdateTargetSettingsResponse>(
      ctx, TargetsMethod("UpdateTargetSettings"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        const auto& s = req->settings();
        std::vector<FieldViolation> v;
        AppendBaselineWeightViolations(WeightsOf(s.baseline_weights()), v);
        for (auto& f : v) f.field = "settings.baseline_weights." + f.field.substr(f.field.find('.') + 1);
        AppendThresholdViolations(ThresholdsOf(s), v);
        const auto& p = s.inactive_rep_policy();
        if (p.probation_share_bp() < 0 || p.probation_share_bp() > 10000) {
          v.push_back({"settings.inactive_rep_policy.probation_share_bp", "must be 0..10000"});
        }
        if (p.on_leave_share_bp() < 0 || p.on_leave_share_bp() > 10000) {
          v.push_back({"settings.inactive_rep_policy.on_leave_share_bp", "must be 0..10000"});
        }
        if (s.default_currency_code().size() != 3) v.push_back({"settings.default_currency_code", "ISO-4217 code"});
        if (s.fiscal_year_start_month() != 1) {
          v.push_back({"settings.fiscal_year_start_month", "only calendar fiscal years (1) are supported"});
        }
        if (s.sales_recognition() == v1::SALES_RECOGNITION_UNSPECIFIED) {
          v.push_back({"settings.sales_recognition", "required"});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateTargetSettingsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "change target settings");
        SALES_ASSIGN_OR_RETURN(auto current, SettingsStore::Get(tx, /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->settings().etag(), current.etag(), "settings", 1));
        v1::TargetSettings s = req->settings();
        if (s.time_zone().empty()) s.set_time_zone(current.time_zone());
        SALES_RETURN_IF_ERROR(SettingsStore::Save(tx, s, rt_.clock->Now()));
        v1::UpdateTargetSettingsResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_settings(), SettingsStore::Get(tx));
        return out;
      });
}

grpc::Status TargetsApi::SetMarketOutlook(grpc::ServerContext* ctx, const v1::SetMarketOutlookRequest* req,
                                          v1::SetMarketOutlookResponse* resp) {
  return ServeMutation<v1::SetMarketOutlookRequest, v1::SetMarketOutlookResponse>(
      ctx, TargetsMethod("SetMarketOutlook"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        const auto& o = req->outlook();
        std::vector<FieldViolation> v;
        if (o.fiscal_year() < 2000 || o.fiscal_year() > 2100) v.push_back({"outlook.fiscal_year", "must be 2000..2100"});
        if (o.product_line_id() < 0) v.push_back({"outlook.product_line_id", "must be >= 0"});
        if (o.industry_growth_bp() < -10000 || o.industry_growth_bp() > 100000) {
          v.push_back({"outlook.industry_growth_bp", "must be -10000..100000"});
        }
        if (o.competitor_growth_bp() < -10000 || o.competitor_growth_bp() > 100000) {
          v.push_back({"outlook.competitor_growth_bp", "must be -10000..100000"});
        }
        if (o.has_as_of()) {
          for (auto& f : FieldViolationsOf(ValidateDate(o.as_of(), "outlook.as_of"))) v.push_back(f);
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SetMarketOutlookResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "set market outlooks");
        v1::SetMarketOutlookResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_outlook(), SettingsStore::SaveOutlook(tx, req->outlook(), rt_.clock->Now()));
        return out;
      });
}

}  // namespace sales::targets
