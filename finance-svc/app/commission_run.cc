#include "finance-svc/app/commission_run.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/amount_text.h"
#include "finance-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/peers/peer_batch.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::finance {
namespace {

absl::CivilDay LastDayOf(absl::CivilDay first) { return absl::CivilDay(absl::CivilMonth(first) + 1) - 1; }

// The plan for a rep: the ACTIVE plan in force whose unit is nearest above
// the rep's unit; a company-wide plan (unit 0) applies last. Plans for a
// rep grade are not chosen automatically (finance-svc does not know grades).
absl::StatusOr<std::optional<PlanRecord>> PlanFor(CommissionBook& book, const std::vector<PlanRecord>& plans,
                                                  int64_t unit_id) {
  std::vector<int64_t> chain;
  if (unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(chain, book.OrgChain(unit_id));
    if (chain.empty()) chain.push_back(unit_id);
  }
  std::optional<PlanRecord> best;
  size_t best_rank = SIZE_MAX;
  for (const auto& p : plans) {
    if (!p.plan.rep_grade().empty()) continue;
    size_t rank = SIZE_MAX - 1;  // company-wide
    if (p.plan.org_unit_id() != 0) {
      auto it = std::find(chain.begin(), chain.end(), p.plan.org_unit_id());
      if (it == chain.end()) continue;
      rank = static_cast<size_t>(it - chain.begin());
    }
    if (rank < best_rank || (rank == best_rank && best && p.plan.id() > best->plan.id())) {
      best = p;
      best_rank = rank;
    }
  }
  return best;
}

targets::v1::Metric MetricOf(v1::AttainmentMetric m) {
  return m == v1::ATTAINMENT_METRIC_COLLECTED_AMOUNT ? targets::v1::METRIC_COLLECTED_AMOUNT
                                                     : targets::v1::METRIC_SALES_AMOUNT;
}

targets::v1::GetProgressRequest ProgressQuestion(const targets::v1::TargetNode& node, absl::CivilDay month,
                                                 targets::v1::Metric metric) {
  targets::v1::GetProgressRequest req;
  *req.mutable_node() = node;
  req.mutable_period()->set_kind(common::v1::PERIOD_KIND_MONTH);
  *req.mutable_period()->mutable_start() = FromCivilDay(month);
  *req.mutable_as_of() = FromCivilDay(LastDayOf(month));
  req.set_metric(metric);
  return req;
}

v1::CommissionStatement BuildStatement(const RepRun& run, absl::CivilDay month, const StatementFigures& f,
                                       absl::Time now) {
  v1::CommissionStatement s;
  s.set_rep_id(run.rep_id);
  s.set_org_unit_id(run.unit_id);
  *s.mutable_month() = FromCivilDay(month);
  s.set_commission_plan_id(run.plan.plan.id());
  s.set_commission_plan_version(run.plan.plan.version());
  *s.mutable_target() = MakeMoney(run.target_minor, kCommissionCurrency);
  *s.mutable_actual() = MakeMoney(run.actual_minor, kCommissionCurrency);
  s.set_attainment_bp(run.attainment_bp);
  s.set_tier_rate_bp(f.tier_rate_bp);
  *s.mutable_collected() = MakeMoney(f.collected, kCommissionCurrency);
  *s.mutable_credited_base() = MakeMoney(f.credited_base, kCommissionCurrency);
  *s.mutable_commission() = MakeMoney(f.commission, kCommissionCurrency);
  *s.mutable_reversals() = MakeMoney(f.reversals, kCommissionCurrency);
  *s.mutable_deductions() = MakeMoney(f.deductions, kCommissionCurrency);
  *s.mutable_manager_commission() = MakeMoney(f.manager_commission, kCommissionCurrency);
  *s.mutable_base_pay() = MakeMoney(f.base_pay, kCommissionCurrency);
  *s.mutable_total_commission() = MakeMoney(f.total_commission, kCommissionCurrency);
  *s.mutable_payable_now() = MakeMoney(f.payable_now, kCommissionCurrency);
  *s.mutable_held_back() = MakeMoney(f.held_back, kCommissionCurrency);
  *s.mutable_holdback_released() = MakeMoney(f.holdback_released, kCommissionCurrency);
  for (const auto& l : f.lines) *s.add_lines() = l;
  s.set_state(v1::COMMISSION_STATEMENT_STATE_DRAFT);
  *s.mutable_compute_time() = ToTimestamp(now);
  *s.mutable_update_time() = ToTimestamp(now);
  return s;
}

// Attainment given in the request (a dry run's what-if), by rep.
std::map<int64_t, int32_t> GivenAttainment(const v1::CalculateCommissionsRequest& request) {
  std::map<int64_t, int32_t> given;
  for (const auto& a : request.attainments()) given[a.rep_id()] = a.attainment_bp();
  return given;
}

// The manager's pay base: what the managed units' reps collected in the
// month, each collection credited by its lateness under the manager's plan.
absl::Status SumUnitCollections(CommissionBook& book, RepRun& run, const CommissionRules& rules, absl::CivilDay month,
                                const std::vector<int64_t>& lines) {
  std::vector<int64_t> subtree;
  for (int64_t unit : run.managed_units) {
    SALES_ASSIGN_OR_RETURN(auto s, book.OrgSubtree(unit));
    if (s.empty()) s.push_back(unit);
    subtree.insert(subtree.end(), s.begin(), s.end());
  }
  SALES_ASSIGN_OR_RETURN(auto unit_collections, book.UnitCollections(subtree, month, LastDayOf(month), lines));
  for (const auto& c : unit_collections) {
    int64_t credited = ApplyBp(c.amount_minor, CollectionCreditBp(rules, c.due_on, c.collected_on));
    if (__builtin_add_overflow(run.manager->unit_credited_minor, credited, &run.manager->unit_credited_minor)) {
      return absl::OutOfRangeError("the unit's credited collections exceed what an amount can hold");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CommissionPrecondition(const std::string& what, const char* reason) {
  return WithErrorInfo(absl::FailedPreconditionError(what), reason, kFinanceDomain);
}

Actor CommissionActor(const CallContext& call) {
  Actor actor;
  actor.user_id = call.principal.user_id.empty() ? std::string("anonymous") : call.principal.user_id;
  actor.role = call.principal.role;
  actor.request_id = call.request_id;
  return actor;
}

absl::StatusOr<PreparedRun> CommissionRun::Prepare(const CommissionReads& read, const CallContext& call,
                                                   const v1::CalculateCommissionsRequest& request) {
  PreparedRun prepared;
  const absl::CivilDay month = ToCivilDay(request.month());
  prepared.month = month;
  prepared.as_of = request.has_as_of() ? ToCivilDay(request.as_of()) : LastDayOf(month);
  absl::CivilDay today = BusinessDay(clock_.Now());
  if (LastDayOf(month) >= today) return CommissionPrecondition("the month has not ended", "MONTH_NOT_ENDED");
  // 1. Reps, their units and plans (one read transaction).
  SALES_RETURN_IF_ERROR(read([&](CommissionBook& book) -> absl::Status {
    prepared.runs.clear();
    SALES_ASSIGN_OR_RETURN(auto plans, book.PlansInForce(month));
    if (plans.empty()) {
      return CommissionPrecondition("no commission plan is in force for the month", "NO_PLAN_IN_FORCE");
    }
    std::vector<int64_t> reps(request.rep_ids().begin(), request.rep_ids().end());
    if (reps.empty()) {
      SALES_ASSIGN_OR_RETURN(reps, book.ActiveReps(month, LastDayOf(month)));
    }
    for (int64_t rep : reps) {
      RepRun run;
      run.rep_id = rep;
      SALES_ASSIGN_OR_RETURN(run.unit_id, book.RepUnit(rep));
      SALES_ASSIGN_OR_RETURN(auto plan, PlanFor(book, plans, run.unit_id));
      if (!plan) continue;  // no plan covers the rep
      run.plan = *plan;
      prepared.runs.push_back(std::move(run));
    }
    return absl::OkStatus();
  }));
  // 2. Managers of the units concerned, when their plan pays on the unit.
  bool managers = request.include_managers() || request.rep_ids().empty();
  if (managers && targets_configured_) SALES_RETURN_IF_ERROR(AddManagers(read, call, request, prepared));
  // 3. Attainment of each rep (and managed unit).
  SALES_RETURN_IF_ERROR(AskAttainment(call, request, prepared));
  return prepared;
}

absl::Status CommissionRun::AddManagers(const CommissionReads& read, const CallContext& call,
                                        const v1::CalculateCommissionsRequest& request, PreparedRun& prepared) {
  std::vector<RepRun>& runs = prepared.runs;
  std::set<int64_t> units;
  for (const auto& r : runs) {
    if (r.unit_id != 0 && (r.plan.plan.manager_rate_bp() > 0 || r.plan.plan.manager_excess_rate_bp() > 0)) {
      units.insert(r.unit_id);
    }
  }
  // Every unit's manager asked at once.
  std::map<int64_t, absl::StatusOr<std::optional<targets::v1::OrgUnit>>> answers;
  {
    peers::PeerBatch batch(&call, targets_.deadline());
    for (int64_t unit : units) targets_.GetOrgUnit(batch, unit, &answers[unit]);
    batch.Wait();
  }
  for (int64_t unit : units) {
    SALES_ASSIGN_OR_RETURN(auto org_unit, std::move(answers[unit]));
    int64_t manager = org_unit.has_value() ? org_unit->manager_rep_id() : 0;
    if (manager == 0) continue;
    auto it = std::find_if(runs.begin(), runs.end(), [&](const RepRun& r) { return r.rep_id == manager; });
    if (it == runs.end()) {
      if (!request.rep_ids().empty()) continue;  // only the reps asked for
      RepRun run;
      run.rep_id = manager;
      SALES_RETURN_IF_ERROR(read([&](CommissionBook& book) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(run.unit_id, book.RepUnit(manager));
        SALES_ASSIGN_OR_RETURN(auto plans, book.PlansInForce(prepared.month));
        SALES_ASSIGN_OR_RETURN(auto plan, PlanFor(book, plans, run.unit_id));
        if (plan) run.plan = *plan;
        return absl::OkStatus();
      }));
      if (run.plan.plan.id() == 0) continue;
      runs.push_back(std::move(run));
      it = runs.end() - 1;
    }
    it->managed_units.push_back(unit);
  }
  return absl::OkStatus();
}

absl::Status CommissionRun::AskAttainment(const CallContext& call, const v1::CalculateCommissionsRequest& request,
                                          PreparedRun& prepared) {
  std::vector<RepRun>& runs = prepared.runs;
  std::map<int64_t, int32_t> given = GivenAttainment(request);
  // All asked at once under one deadline; the first failure in run order wins.
  std::vector<absl::StatusOr<targets::v1::Progress>> reps(runs.size());
  std::vector<std::vector<absl::StatusOr<targets::v1::Progress>>> units(runs.size());
  {
    peers::PeerBatch batch(&call, targets_.deadline());
    for (size_t i = 0; i < runs.size(); ++i) {
      auto metric = MetricOf(runs[i].plan.plan.attainment_metric());
      if (!given.count(runs[i].rep_id)) {
        targets::v1::TargetNode node;
        node.set_rep_id(runs[i].rep_id);
        targets_.GetProgress(batch, ProgressQuestion(node, prepared.month, metric), &reps[i]);
      }
      units[i].resize(runs[i].managed_units.size());
      for (size_t u = 0; u < runs[i].managed_units.size(); ++u) {
        targets::v1::TargetNode node;
        node.set_org_unit_id(runs[i].managed_units[u]);
        targets_.GetProgress(batch, ProgressQuestion(node, prepared.month, metric), &units[i][u]);
      }
    }
    batch.Wait();
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    auto& run = runs[i];
    if (given.count(run.rep_id)) {
      run.attainment_bp = given[run.rep_id];
    } else {
      SALES_ASSIGN_OR_RETURN(auto progress, std::move(reps[i]));
      run.attainment_bp = progress.attainment_bp();
      run.target_minor = progress.target().amount().minor_units();
      run.actual_minor = progress.actual().amount().minor_units();
    }
    for (auto& answer : units[i]) {
      SALES_ASSIGN_OR_RETURN(auto progress, std::move(answer));
      ManagerFact m;
      m.unit_attainment_bp = progress.attainment_bp();
      m.unit_target_minor = progress.target().amount().minor_units();
      m.unit_actual_minor = progress.actual().amount().minor_units();
      run.manager = m;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CalculateCommissionsResponse> CommissionRun::Calculate(CommissionBook& book, PreparedRun& prepared,
                                                                          bool dry_run) {
  const absl::Time now = clock_.Now();
  const absl::CivilDay month = prepared.month;
  v1::CalculateCommissionsResponse out;
  for (auto& run : prepared.runs) {
    SALES_ASSIGN_OR_RETURN(auto existing, book.StatementOf(run.rep_id, month, /*for_update=*/true));
    if (existing && existing->statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
      out.set_skipped_count(out.skipped_count() + 1);  // approved months are frozen
      continue;
    }
    if (existing) SALES_RETURN_IF_ERROR(book.UndoDeductionMoves(existing->statement.id(), now));
    CommissionRules rules = RulesOf(run.plan.plan);
    std::vector<int64_t> lines(run.plan.plan.commissionable_product_line_ids().begin(),
                               run.plan.plan.commissionable_product_line_ids().end());
    StatementInput in;
    in.attainment_bp = run.attainment_bp;
    SALES_ASSIGN_OR_RETURN(in.collections, book.Collections(run.rep_id, month, LastDayOf(month), lines));
    SALES_ASSIGN_OR_RETURN(in.credits, book.Credits(run.rep_id, month, LastDayOf(month), lines));
    SALES_ASSIGN_OR_RETURN(in.deductions, book.Deductions(run.rep_id, prepared.as_of, rules.late_credit_months));
    SALES_ASSIGN_OR_RETURN(in.holdback_release_minor, book.HoldbackReleaseFor(run.rep_id, month));
    if (run.manager.has_value()) {
      SALES_RETURN_IF_ERROR(SumUnitCollections(book, run, rules, month, lines));
      in.manager = run.manager;
    }
    SALES_ASSIGN_OR_RETURN(StatementFigures f, ComputeStatement(rules, in, kCommissionCurrency));
    v1::CommissionStatement s = BuildStatement(run, month, f, now);
    SALES_ASSIGN_OR_RETURN(int64_t id, book.SaveDraft(s, now));
    SALES_RETURN_IF_ERROR(book.ApplyDeductionChanges(id, run.rep_id, month, f.deduction_changes, now));
    for (const auto& d : f.deduction_changes) {
      if (d.deduction_id == 0) out.set_deductions_started_count(out.deductions_started_count() + 1);
      if (d.returned_minor > 0 && d.outstanding_minor == 0) {
        out.set_deductions_returned_count(out.deductions_returned_count() + 1);
      }
    }
    if (existing) {
      out.set_recomputed_count(out.recomputed_count() + 1);
    } else {
      out.set_created_count(out.created_count() + 1);
    }
    if (dry_run) {
      // Rolled back by the caller: the statement as it would be stored, no id to keep.
      SALES_ASSIGN_OR_RETURN(StatementRecord saved, book.GetStatement(id, false));
      *out.add_dry_run_statements() = saved.statement;
    } else {
      out.add_statement_ids(id);
    }
  }
  return out;
}

absl::StatusOr<v1::ApproveCommissionStatementResponse> CommissionRun::Approve(
    CommissionBook& book, const CallContext& call, const v1::ApproveCommissionStatementRequest& request) {
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(StatementRecord rec, book.GetStatement(request.id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.row_version, "commission statement", request.id()));
  if (rec.statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
    return CommissionPrecondition("only a DRAFT statement can be approved", "STATEMENT_NOT_DRAFT");
  }
  rec.statement.set_state(v1::COMMISSION_STATEMENT_STATE_APPROVED);
  SALES_RETURN_IF_ERROR(book.UpdateStatement(rec, now));
  SALES_RETURN_IF_ERROR(book.Audit("CommissionStatement", rec.statement.id(), "APPROVED", "DRAFT", "APPROVED",
                                   request.comment(), CommissionActor(call), now));
  v1::CommissionStatementApprovedEvent ev;
  *ev.mutable_statement() = rec.statement;
  SALES_RETURN_IF_ERROR(book.Publish("CommissionStatement", rec.statement.id(), ev, call.request_id, now));
  v1::ApproveCommissionStatementResponse out;
  *out.mutable_statement() = rec.statement;
  return out;
}

absl::StatusOr<v1::ReleaseCommissionHoldbackResponse> CommissionRun::ReleaseHoldback(
    CommissionBook& book, const CallContext& call, const v1::ReleaseCommissionHoldbackRequest& request) {
  const absl::Time now = clock_.Now();
  const int year = request.year();
  absl::CivilDay month = ToCivilDay(request.release_month());
  if (month < absl::CivilDay(year, 12, 1)) {
    return InvalidField("release_month", "the year's holdback is released at year end (December or later)");
  }
  std::vector<int64_t> reps(request.rep_ids().begin(), request.rep_ids().end());
  if (reps.empty()) {
    SALES_ASSIGN_OR_RETURN(reps, book.RepsWithStatements(year));
  }
  v1::ReleaseCommissionHoldbackResponse out;
  for (int64_t rep : reps) {
    SALES_ASSIGN_OR_RETURN(bool done, book.HoldbackReleased(rep, year));
    if (done) {
      return CommissionPrecondition(absl::StrCat("the ", year, " holdback of rep ", rep, " was already released"),
                                    "HOLDBACK_RELEASED");
    }
    SALES_ASSIGN_OR_RETURN(auto carrier, book.StatementOf(rep, month, true));
    if (carrier && carrier->statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
      return CommissionPrecondition(
          absl::StrCat("rep ", rep, "'s statement for ", FormatDbDate(request.release_month()), " is already approved"),
          "STATEMENT_NOT_DRAFT");
    }
    SALES_ASSIGN_OR_RETURN(int64_t amount, book.HeldBackInYear(rep, year));
    SALES_RETURN_IF_ERROR(book.InsertHoldbackRelease(year, rep, month, amount, now));
    if (amount != 0) out.set_released_count(out.released_count() + 1);
    if (carrier && amount != 0) {
      // The draft of the release month carries the line now; a
      // recalculation of that month keeps it (it reads the release).
      v1::CommissionStatement& s = carrier->statement;
      v1::CommissionLine* l = s.add_lines();
      l->set_sequence(s.lines_size());
      l->set_kind(v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE);
      *l->mutable_base_amount() = MakeMoney(amount, kCommissionCurrency);
      l->set_credit_bp(10000);
      l->set_rate_bp(10000);
      *l->mutable_amount() = MakeMoney(amount, kCommissionCurrency);
      l->set_description(absl::StrCat("release of the ", year, " holdback"));
      *s.mutable_holdback_released() = MakeMoney(s.holdback_released().minor_units() + amount, kCommissionCurrency);
      SALES_RETURN_IF_ERROR(book.UpdateStatement(*carrier, now));
      out.add_statement_ids(s.id());
    }
    SALES_RETURN_IF_ERROR(book.Audit("CommissionStatement", carrier ? carrier->statement.id() : 0, "HOLDBACK_RELEASED",
                                     "", "", absl::StrCat(year, " holdback ", FormatFen(amount), " for rep ", rep),
                                     CommissionActor(call), now));
  }
  return out;
}

}  // namespace sales::finance
