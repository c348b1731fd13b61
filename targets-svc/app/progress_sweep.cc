#include "targets-svc/app/progress_sweep.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/cancellation.h"
#include "platform/convert.h"
#include "platform/idempotency.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/progress_sweep_store.h"

namespace sales::targets {
namespace {

using SweepStep = std::function<absl::StatusOr<v1::RunDailyProgressSweepResponse>(db::Transaction&)>;

common::v1::Period MonthPeriod(absl::CivilMonth m) {
  common::v1::Period p;
  p.set_kind(common::v1::PERIOD_KIND_MONTH);
  *p.mutable_start() = FromCivilDay(absl::CivilDay(m));
  return p;
}

absl::CivilDay LastDay(absl::CivilMonth m) { return absl::CivilDay(m + 1) - 1; }

int64_t ValueOf(const v1::MetricValue& v) { return v.has_amount() ? v.amount().minor_units() : v.count(); }

// part × 10000 / whole, halves away from zero (as progress.h rounds
// attainment); 0 when nothing was asked.
int32_t AttainmentBp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  absl::int128 num = absl::int128(part) * 10000;
  absl::int128 half = absl::int128(whole) / 2, q = num >= 0 ? (num + half) / whole : (num - half) / whole;
  return static_cast<int32_t>(std::clamp<absl::int128>(q, INT32_MIN, INT32_MAX));
}

v1::TargetNode NodeOf(const SweepNode& n) {
  v1::TargetNode t;
  if (n.rep_id != 0) {
    t.set_rep_id(n.rep_id);
  } else {
    t.set_org_unit_id(n.org_unit_id);
  }
  return t;
}

std::string NodeKey(int64_t plan_id, const SweepNode& n, absl::CivilMonth m) {
  return absl::StrCat(plan_id, n.rep_id != 0 ? ":rep-" : ":unit-", n.rep_id != 0 ? n.rep_id : n.org_unit_id, ":",
                      absl::FormatCivilTime(m));
}

absl::StatusOr<std::vector<PlanRecord>> SignedPlans(db::Transaction& tx, int32_t year) {
  v1::ListPlansRequest f;
  f.set_fiscal_year(year);
  f.set_state(v1::PLAN_STATE_SIGNED);
  std::vector<PlanRecord> out;
  int64_t after = 0;
  for (;;) {
    SALES_ASSIGN_OR_RETURN(auto page, PlanStore::List(tx, f, after, 500));
    if (page.empty()) break;
    for (auto& p : page) {
      after = std::max(after, p.plan.id());
      out.push_back(std::move(p));
    }
    if (page.size() < 500) break;
  }
  return out;
}

// A node the existing progress code cannot evaluate any more (a unit closed
// and emptied, a rep's record gone) is skipped, not a reason to fail the
// whole sweep; anything else (the database) fails it.
bool Skippable(const absl::Status& s) { return absl::IsNotFound(s) || absl::IsFailedPrecondition(s); }

// One step of the sweep, idempotent on a key derived from the request
// (method#step + request_id + as_of): a retry after a crash redoes only the
// steps that did not commit. The key is what replays match on — keep it.
absl::StatusOr<v1::RunDailyProgressSweepResponse> RunStep(db::Pool& pool, const CallContext& call,
                                                          const v1::RunDailyProgressSweepRequest& req,
                                                          const std::string& name, const SweepStep& fn) {
  const std::string method = absl::StrCat(call.method, "#", name);
  return RunIdempotent<v1::RunDailyProgressSweepResponse>(pool, call.principal.user_id, method,
                                                          RequestHash(method, req), req, fn);
}

void AddUp(v1::RunDailyProgressSweepResponse& total, const v1::RunDailyProgressSweepResponse& r) {
  total.set_evaluated_count(total.evaluated_count() + r.evaluated_count());
  total.set_status_changed_count(total.status_changed_count() + r.status_changed_count());
  total.mutable_status_changed_rep_ids()->MergeFrom(r.status_changed_rep_ids());
  total.mutable_status_changed_org_unit_ids()->MergeFrom(r.status_changed_org_unit_ids());
  total.set_attainment_published_count(total.attainment_published_count() + r.attainment_published_count());
  total.mutable_attainment_rep_ids()->MergeFrom(r.attainment_rep_ids());
}

// The answer: the sum of the steps, ids once each, ascending.
v1::RunDailyProgressSweepResponse Summary(const v1::RunDailyProgressSweepResponse& total, bool swept_before) {
  v1::RunDailyProgressSweepResponse out;
  out.set_evaluated_count(total.evaluated_count());
  out.set_status_changed_count(total.status_changed_count());
  out.set_attainment_published_count(total.attainment_published_count());
  auto unique = [](const google::protobuf::RepeatedField<int64_t>& in, google::protobuf::RepeatedField<int64_t>* dst) {
    std::set<int64_t> s(in.begin(), in.end());
    for (int64_t v : s) dst->Add(v);
  };
  unique(total.status_changed_rep_ids(), out.mutable_status_changed_rep_ids());
  unique(total.status_changed_org_unit_ids(), out.mutable_status_changed_org_unit_ids());
  unique(total.attainment_rep_ids(), out.mutable_attainment_rep_ids());
  // Effective-dated changes: MoveRep, ActivateRep, PlaceRepOnLeave and
  // OffboardRep apply at once and keep the effective date in rep_history;
  // nothing is stored as pending, so nothing becomes due here.
  out.set_scheduled_changes_applied_count(0);
  out.set_already_swept(swept_before && out.status_changed_count() == 0 && out.attainment_published_count() == 0);
  return out;
}

}  // namespace

absl::StatusOr<v1::RunDailyProgressSweepResponse> ProgressSweep::Run(const CallContext& call,
                                                                     const v1::RunDailyProgressSweepRequest& req) {
  SALES_RETURN_IF_ERROR(Authorize(call));
  const absl::CivilDay day = ToCivilDay(req.as_of());
  const absl::CivilMonth month(day);
  const absl::CivilMonth last_closed = month - 1;

  // The work runs in one transaction per plan and step so a company-wide
  // sweep never holds one huge transaction. Each step is idempotent on a
  // key derived from the request (method#step + request_id + as_of): a
  // retry after a crash redoes only the steps that did not commit, and a
  // replay of a finished sweep changes nothing and answers as before.
  SALES_ASSIGN_OR_RETURN(auto plan_list, PlansToSweep(call, req, day, last_closed));
  v1::RunDailyProgressSweepResponse total;
  for (const auto& listed : plan_list.plans()) {
    // Each plan's step commits on its own; a caller that gave up stops
    // the rest (a rerun with the same request id finishes it).
    SALES_RETURN_IF_ERROR(StopIfCancelled(call));
    // ---- status of every node of the plan for as_of's month
    if (listed.fiscal_year() != day.year()) continue;
    SALES_ASSIGN_OR_RETURN(auto part,
                           RunStep(pool_, call, req, absl::StrCat("status-", listed.id()),
                                   [&](db::Transaction& tx) { return SweepStatuses(tx, call, listed.id(), day); }));
    AddUp(total, part);
  }
  for (const auto& listed : plan_list.plans()) {
    // Each plan's step commits on its own; a caller that gave up stops
    // the rest (a rerun with the same request id finishes it).
    SALES_RETURN_IF_ERROR(StopIfCancelled(call));
    // ---- attainment of the closed months of the fiscal year that holds
    // the last closed month: each published once, and again (revision + 1)
    // when its figures moved since. YTD needs every month from January, so
    // all of them are evaluated anyway.
    if (listed.fiscal_year() != last_closed.year()) continue;
    SALES_ASSIGN_OR_RETURN(
        auto part, RunStep(pool_, call, req, absl::StrCat("attainment-", listed.id()), [&](db::Transaction& tx) {
          return PublishAttainments(tx, call, listed.id(), last_closed);
        }));
    AddUp(total, part);
  }

  // The request's own record closes the sweep: marks the date and answers
  // with the sum of the steps.
  return RunIdempotent<v1::RunDailyProgressSweepResponse>(
      pool_, call.principal.user_id, call.method, req.request_id(), req,
      [&](db::Transaction& tx) -> absl::StatusOr<v1::RunDailyProgressSweepResponse> {
        SALES_ASSIGN_OR_RETURN(bool swept_before,
                               ProgressSweepStore::MarkSwept(tx, day, req.request_id(), clock_.Now()));
        return Summary(total, swept_before);
      });
}

absl::Status ProgressSweep::Authorize(const CallContext& call) {
  return pool_.Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
    const std::string& role = call.principal.role;
    if (call.principal.authenticated() && role != kRoleService && role != kRoleAdmin) {
      return RoleNotAllowed(viewer, "run the daily progress sweep");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ListPlansResponse> ProgressSweep::PlansToSweep(const CallContext& call,
                                                                  const v1::RunDailyProgressSweepRequest& req,
                                                                  absl::CivilDay day, absl::CivilMonth last_closed) {
  // Fixed by the first attempt so a retry sweeps the same set (a plan
  // signed in between waits for the next day).
  const std::string method = absl::StrCat(call.method, "#plans");
  return RunIdempotent<v1::ListPlansResponse>(
      pool_, call.principal.user_id, method, RequestHash(method, req), req,
      [&](db::Transaction& tx) -> absl::StatusOr<v1::ListPlansResponse> {
        v1::ListPlansResponse out;
        std::set<int32_t> years = {static_cast<int32_t>(day.year()), static_cast<int32_t>(last_closed.year())};
        for (int32_t y : years) {
          SALES_ASSIGN_OR_RETURN(auto plans, SignedPlans(tx, y));
          for (const auto& p : plans) {
            auto* q = out.add_plans();
            q->set_id(p.plan.id());
            q->set_fiscal_year(p.plan.fiscal_year());
          }
        }
        return out;
      });
}

absl::StatusOr<v1::RunDailyProgressSweepResponse> ProgressSweep::SweepStatuses(db::Transaction& tx,
                                                                               const CallContext& call, int64_t plan_id,
                                                                               absl::CivilDay day) {
  const absl::CivilMonth month(day);
  v1::RunDailyProgressSweepResponse out;
  const absl::Time now = clock_.Now();
  // The plan's row lock makes two sweeps of it take turns (another
  // CronJob pod, a manual run under another request id): the second
  // then reads the statuses the first saved and publishes nothing
  // again. The status rows cannot do it themselves: a node's first
  // status of a month has no row yet to lock, so both runs saw none
  // and both published the change.
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, PlanStore::Get(tx, plan_id, 0, /*for_update=*/true));
  if (plan.plan.state() != v1::PLAN_STATE_SIGNED) return out;  // cancelled meanwhile
  const v1::Plan& pl = plan.plan;
  const ProgressReading reading(clock_);
  SALES_ASSIGN_OR_RETURN(auto nodes, ProgressSweepStore::Nodes(tx, pl.id(), pl.version(), pl.org_unit_id(),
                                                               absl::CivilDay(month), LastDay(month)));
  for (const SweepNode& n : nodes) {
    auto p = reading.ProgressOf(tx, NodeOf(n), MonthPeriod(month), FromCivilDay(day), v1::PROGRESS_WINDOW_FULL_PERIOD,
                                pl.metric(), pl.id());
    if (!p.ok()) {
      if (Skippable(p.status())) continue;
      return p.status();
    }
    out.set_evaluated_count(out.evaluated_count() + 1);
    SALES_ASSIGN_OR_RETURN(auto last, ProgressSweepStore::GetStatus(tx, pl.id(), n, absl::CivilDay(month)));
    // A later date was already judged: sweeping an earlier one again
    // must not roll the status back.
    if (last.has_value() && last->as_of > day) continue;
    v1::ProgressStatus from = v1::PROGRESS_STATUS_UNSPECIFIED;
    if (last.has_value()) {
      from = last->status;
    } else if (month.month() != 1) {
      // A new month continues from where the node ended the last one,
      // so the first day of a month is not a change by itself.
      SALES_ASSIGN_OR_RETURN(auto prev, ProgressSweepStore::GetStatus(tx, pl.id(), n, absl::CivilDay(month - 1)));
      if (prev.has_value()) from = prev->status;
    }
    const v1::ProgressStatus to = p->status();
    if (last.has_value() && last->status == to && last->as_of == day) continue;
    SALES_RETURN_IF_ERROR(
        ProgressSweepStore::SaveStatus(tx, pl.id(), pl.version(), pl.metric(), n, absl::CivilDay(month), to, day, now));
    if (from == to) continue;
    v1::ProgressStatusChangedEvent e;
    *e.mutable_progress() = *p;
    e.set_from_status(from);
    e.set_to_status(to);
    SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Progress", NodeKey(pl.id(), n, month), e, call.request_id));
    out.set_status_changed_count(out.status_changed_count() + 1);
    if (n.rep_id != 0) {
      out.add_status_changed_rep_ids(n.rep_id);
    } else {
      out.add_status_changed_org_unit_ids(n.org_unit_id);
    }
  }
  return out;
}

absl::StatusOr<v1::RunDailyProgressSweepResponse> ProgressSweep::PublishAttainments(db::Transaction& tx,
                                                                                    const CallContext& call,
                                                                                    int64_t plan_id,
                                                                                    absl::CivilMonth last_closed) {
  const absl::CivilMonth january(last_closed.year(), 1);
  v1::RunDailyProgressSweepResponse out;
  const absl::Time now = clock_.Now();
  // Locked as in the status step: a month's first attainment has no
  // row to lock either.
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, PlanStore::Get(tx, plan_id, 0, /*for_update=*/true));
  if (plan.plan.state() != v1::PLAN_STATE_SIGNED) return out;
  const v1::Plan& pl = plan.plan;
  const std::string& cur = pl.currency_code();
  const ProgressReading reading(clock_);
  SALES_ASSIGN_OR_RETURN(auto nodes, ProgressSweepStore::Nodes(tx, pl.id(), pl.version(), pl.org_unit_id(),
                                                               absl::CivilDay(january), LastDay(last_closed)));
  for (const SweepNode& n : nodes) {
    int64_t ytd_target = 0, ytd_actual = 0;
    for (absl::CivilMonth m = january; m <= last_closed; ++m) {
      auto p = reading.ProgressOf(tx, NodeOf(n), MonthPeriod(m), FromCivilDay(LastDay(m)),
                                  v1::PROGRESS_WINDOW_FULL_PERIOD, pl.metric(), pl.id());
      if (!p.ok()) {
        if (Skippable(p.status())) break;
        return p.status();
      }
      const int64_t target = ValueOf(p->target()), actual = ValueOf(p->actual());
      ytd_target += target;
      ytd_actual += actual;
      SALES_ASSIGN_OR_RETURN(auto published, ProgressSweepStore::GetAttainment(tx, pl.id(), n, absl::CivilDay(m)));
      // A month the node had nothing in has nothing to announce.
      if (!published.has_value() && target == 0 && actual == 0) continue;
      if (published.has_value() && published->target == target && published->actual == actual &&
          published->ytd_target == ytd_target && published->ytd_actual == ytd_actual) {
        continue;
      }
      PublishedAttainment a;
      a.plan_version = pl.version();
      a.target = target;
      a.actual = actual;
      a.ytd_target = ytd_target;
      a.ytd_actual = ytd_actual;
      a.revision = published.has_value() ? published->revision + 1 : 1;
      SALES_RETURN_IF_ERROR(ProgressSweepStore::SaveAttainment(tx, pl.id(), pl.metric(), n, absl::CivilDay(m), a, now));
      v1::MonthlyAttainmentEvent e;
      e.set_rep_id(n.rep_id);
      if (n.rep_id != 0) {
        SALES_ASSIGN_OR_RETURN(int64_t unit, ProgressSweepStore::RepUnitOn(tx, n.rep_id, LastDay(m)));
        e.set_org_unit_id(unit);
      } else {
        e.set_org_unit_id(n.org_unit_id);
      }
      *e.mutable_period() = MonthPeriod(m);
      e.set_metric(pl.metric());
      e.set_plan_id(pl.id());
      e.set_plan_version(pl.version());
      *e.mutable_target() = p->target();
      *e.mutable_actual() = p->actual();
      e.set_attainment_bp(p->attainment_bp());
      *e.mutable_ytd_target() = ToMetricValue(pl.metric(), cur, ytd_target);
      *e.mutable_ytd_actual() = ToMetricValue(pl.metric(), cur, ytd_actual);
      e.set_ytd_attainment_bp(AttainmentBp(ytd_actual, ytd_target));
      e.set_revision(a.revision);
      SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Attainment", NodeKey(pl.id(), n, m), e, call.request_id));
      out.set_attainment_published_count(out.attainment_published_count() + 1);
      if (n.rep_id != 0) out.add_attainment_rep_ids(n.rep_id);
    }
  }
  return out;
}

}  // namespace sales::targets
