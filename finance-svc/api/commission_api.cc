// Commissions (提成 [003]) over gRPC: plans as effective-dated configuration,
// the monthly calculation from collections, credits, deductions and the
// rep's attainment (targets-svc), statements with every line, approval
// (CommissionStatementApprovedEvent), payment and the year-end holdback.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/collections_api.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/commission_rules.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/commission_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::finance {
namespace {

constexpr char kCurrency[] = "CNY";  // commissions are paid in the company currency

absl::Status FirstOfMonth(const common::v1::Date& d, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  return d.day() == 1 ? absl::OkStatus() : InvalidField(field, "must be the first day of a month");
}

absl::CivilDay LastDayOf(absl::CivilDay first) { return absl::CivilDay(absl::CivilMonth(first) + 1) - 1; }

absl::Status Precondition(const std::string& what, const char* reason) {
  return WithErrorInfo(absl::FailedPreconditionError(what), reason, kFinanceDomain);
}

// Fields of a plan a client may set; the rest is the server's.
absl::Status ValidatePlanInput(const v1::CommissionPlan& p) {
  SALES_RETURN_IF_ERROR(ValidateCommissionPlan(p));
  SALES_RETURN_IF_ERROR(FirstOfMonth(p.effective_from(), "commission_plan.effective_from"));
  if (p.has_effective_to()) {
    SALES_RETURN_IF_ERROR(ValidateDate(p.effective_to(), "commission_plan.effective_to"));
    if (ToCivilDay(p.effective_to()) < ToCivilDay(p.effective_from())) {
      return InvalidField("commission_plan.effective_to", "before effective_from");
    }
  }
  if (p.base_pay().currency_code() != kCurrency) {
    return InvalidField("commission_plan.base_pay.currency_code", "commissions are paid in CNY");
  }
  return absl::OkStatus();
}

// What one rep's calculation needs from outside the database.
struct RepRun {
  int64_t rep_id = 0;
  int64_t unit_id = 0;
  PlanRecord plan;
  int32_t attainment_bp = 0;
  int64_t target_minor = 0;
  int64_t actual_minor = 0;
  std::optional<ManagerFact> manager;
  std::vector<int64_t> managed_units;  // subtree of the unit the rep manages
};

// The plan for a rep: the ACTIVE plan in force whose unit is nearest above
// the rep's unit; a company-wide plan (unit 0) applies last. Plans for a
// rep grade are not chosen automatically (finance-svc does not know grades).
absl::StatusOr<std::optional<PlanRecord>> PlanFor(db::Transaction& tx, const std::vector<PlanRecord>& plans,
                                                  int64_t unit_id) {
  std::vector<int64_t> chain;
  if (unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(chain, OrgReplica::Chain(tx, unit_id));
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
  *s.mutable_target() = MakeMoney(run.target_minor, kCurrency);
  *s.mutable_actual() = MakeMoney(run.actual_minor, kCurrency);
  s.set_attainment_bp(run.attainment_bp);
  s.set_tier_rate_bp(f.tier_rate_bp);
  *s.mutable_collected() = MakeMoney(f.collected, kCurrency);
  *s.mutable_credited_base() = MakeMoney(f.credited_base, kCurrency);
  *s.mutable_commission() = MakeMoney(f.commission, kCurrency);
  *s.mutable_reversals() = MakeMoney(f.reversals, kCurrency);
  *s.mutable_deductions() = MakeMoney(f.deductions, kCurrency);
  *s.mutable_manager_commission() = MakeMoney(f.manager_commission, kCurrency);
  *s.mutable_base_pay() = MakeMoney(f.base_pay, kCurrency);
  *s.mutable_total_commission() = MakeMoney(f.total_commission, kCurrency);
  *s.mutable_payable_now() = MakeMoney(f.payable_now, kCurrency);
  *s.mutable_held_back() = MakeMoney(f.held_back, kCurrency);
  *s.mutable_holdback_released() = MakeMoney(f.holdback_released, kCurrency);
  for (const auto& l : f.lines) *s.add_lines() = l;
  s.set_state(v1::COMMISSION_STATEMENT_STATE_DRAFT);
  *s.mutable_compute_time() = ToTimestamp(now);
  *s.mutable_update_time() = ToTimestamp(now);
  return s;
}

// Rep and unit lists a caller may see statements of.
absl::StatusOr<ReportScope> StatementScope(db::Transaction& tx, const Principal& p, int64_t org_unit_id,
                                           int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, p));
  return ReportScopeOf(tx, scope, org_unit_id, rep_id);
}

bool StatementVisible(const ReportScope& rs, const v1::CommissionStatement& s) {
  if (rs.none) return false;
  if (rs.rep_id != 0 && s.rep_id() != rs.rep_id) return false;
  if (!rs.unit_ids.empty() &&
      std::find(rs.unit_ids.begin(), rs.unit_ids.end(), s.org_unit_id()) == rs.unit_ids.end()) {
    return false;
  }
  return true;
}

}  // namespace

grpc::Status CollectionsApi::CreateCommissionPlan(grpc::ServerContext* ctx,
                                                  const v1::CreateCommissionPlanRequest* req,
                                                  v1::CreateCommissionPlanResponse* resp) {
  return ServeMutation<v1::CreateCommissionPlanRequest, v1::CreateCommissionPlanResponse>(
      ctx, CollectionsMethod("CreateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleDirector})) return Denied("finance or the director");
        if (!req->has_commission_plan()) return InvalidField("commission_plan", "required");
        return ValidatePlanInput(req->commission_plan());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t id, CommissionStore::InsertPlan(tx, req->commission_plan(), now));
        LadderContext lc = LadderContextOf(rt_, call);
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", id, "PLAN_CREATED", "", "DRAFT",
                                                      req->commission_plan().reason(), lc.actor, now));
        v1::CreateCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, id, false));
        *out.mutable_commission_plan() = rec.plan;
        return out;
      });
}

grpc::Status CollectionsApi::UpdateCommissionPlan(grpc::ServerContext* ctx,
                                                  const v1::UpdateCommissionPlanRequest* req,
                                                  v1::UpdateCommissionPlanResponse* resp) {
  return ServeMutation<v1::UpdateCommissionPlanRequest, v1::UpdateCommissionPlanResponse>(
      ctx, CollectionsMethod("UpdateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleDirector})) return Denied("finance or the director");
        if (!req->has_commission_plan()) return InvalidField("commission_plan", "required");
        if (req->commission_plan().id() <= 0) return InvalidField("commission_plan.id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        return ValidatePlanInput(req->commission_plan());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->commission_plan().id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission plan", rec.plan.id()));
        if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_DRAFT) return Precondition("only a DRAFT plan can change", "PLAN_NOT_DRAFT");
        if (req->commission_plan().name() != rec.plan.name()) {
          return InvalidField("commission_plan.name", "a new name is a new plan (CreateCommissionPlan)");
        }
        v1::CommissionPlan next = req->commission_plan();
        next.set_id(rec.plan.id());
        next.set_version(rec.plan.version());
        next.set_state(v1::COMMISSION_PLAN_STATE_DRAFT);
        *next.mutable_create_time() = rec.plan.create_time();
        rec.plan = next;
        SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", rec.plan.id(), "PLAN_UPDATED", "DRAFT",
                                                      "DRAFT", next.reason(), LadderContextOf(rt_, call).actor, now));
        v1::UpdateCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord saved, CommissionStore::GetPlan(tx, rec.plan.id(), false));
        *out.mutable_commission_plan() = saved.plan;
        return out;
      });
}

grpc::Status CollectionsApi::ActivateCommissionPlan(grpc::ServerContext* ctx,
                                                    const v1::ActivateCommissionPlanRequest* req,
                                                    v1::ActivateCommissionPlanResponse* resp) {
  return ServeMutation<v1::ActivateCommissionPlanRequest, v1::ActivateCommissionPlanResponse>(
      ctx, CollectionsMethod("ActivateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleDirector})) return Denied("only the director puts a plan in force");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ActivateCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission plan", rec.plan.id()));
        if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_DRAFT) return Precondition("only a DRAFT plan can be activated", "PLAN_NOT_DRAFT");
        absl::CivilDay from = ToCivilDay(rec.plan.effective_from());
        std::optional<absl::CivilDay> to;
        if (rec.plan.has_effective_to()) to = ToCivilDay(rec.plan.effective_to());
        SALES_ASSIGN_OR_RETURN(bool approved, CommissionStore::ApprovedMonthsIn(tx, from, to, 0));
        if (approved) return Precondition("months the plan covers already have approved statements", "MONTHS_APPROVED");
        LadderContext lc = LadderContextOf(rt_, call);
        v1::ActivateCommissionPlanResponse out;
        // Earlier ACTIVE versions of the same name end the day before.
        v1::ListCommissionPlansRequest same;
        same.set_name(rec.plan.name());
        same.set_state(v1::COMMISSION_PLAN_STATE_ACTIVE);
        SALES_ASSIGN_OR_RETURN(auto earlier, CommissionStore::ListPlans(tx, same, 0, 1000));
        for (auto& e : earlier) {
          SALES_ASSIGN_OR_RETURN(PlanRecord locked, CommissionStore::GetPlan(tx, e.plan.id(), true));
          absl::CivilDay end = from - 1;
          if (ToCivilDay(locked.plan.effective_from()) > end) {
            locked.plan.set_state(v1::COMMISSION_PLAN_STATE_RETIRED);  // wholly replaced
          }
          if (!locked.plan.has_effective_to() || ToCivilDay(locked.plan.effective_to()) > end) {
            *locked.plan.mutable_effective_to() = FromCivilDay(std::max(end, ToCivilDay(locked.plan.effective_from())));
          }
          SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, locked, now));
          SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", locked.plan.id(), "PLAN_SUPERSEDED",
                                                        "ACTIVE", v1::CommissionPlanState_Name(locked.plan.state()),
                                                        absl::StrCat("superseded by plan ", rec.plan.id()), lc.actor, now));
          out.add_superseded_plan_ids(locked.plan.id());
        }
        rec.plan.set_state(v1::COMMISSION_PLAN_STATE_ACTIVE);
        SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", rec.plan.id(), "PLAN_ACTIVATED", "DRAFT",
                                                      "ACTIVE", req->reason(), lc.actor, now));
        SALES_ASSIGN_OR_RETURN(PlanRecord saved, CommissionStore::GetPlan(tx, rec.plan.id(), false));
        *out.mutable_commission_plan() = saved.plan;
        return out;
      });
}

grpc::Status CollectionsApi::RetireCommissionPlan(grpc::ServerContext* ctx,
                                                  const v1::RetireCommissionPlanRequest* req,
                                                  v1::RetireCommissionPlanResponse* resp) {
  return ServeMutation<v1::RetireCommissionPlanRequest, v1::RetireCommissionPlanResponse>(
      ctx, CollectionsMethod("RetireCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleDirector})) return Denied("only the director retires a plan");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->effective_to(), "effective_to"));
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RetireCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission plan", rec.plan.id()));
        if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_ACTIVE) return Precondition("only an ACTIVE plan can be retired", "PLAN_NOT_ACTIVE");
        absl::CivilDay to = ToCivilDay(req->effective_to());
        if (to < ToCivilDay(rec.plan.effective_from()) - 1) return InvalidField("effective_to", "before effective_from");
        // Months after the new end must not already be approved on this plan.
        SALES_ASSIGN_OR_RETURN(bool approved, CommissionStore::ApprovedMonthsIn(tx, to + 1, std::nullopt, rec.plan.id()));
        if (approved) return Precondition("months after effective_to are already approved on this plan", "MONTHS_APPROVED");
        rec.plan.set_state(v1::COMMISSION_PLAN_STATE_RETIRED);
        *rec.plan.mutable_effective_to() = req->effective_to();
        SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", rec.plan.id(), "PLAN_RETIRED", "ACTIVE",
                                                      "RETIRED", req->reason(), LadderContextOf(rt_, call).actor, now));
        v1::RetireCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord saved, CommissionStore::GetPlan(tx, rec.plan.id(), false));
        *out.mutable_commission_plan() = saved.plan;
        return out;
      });
}

grpc::Status CollectionsApi::GetCommissionPlan(grpc::ServerContext* ctx, const v1::GetCommissionPlanRequest* req,
                                               v1::GetCommissionPlanResponse* resp) {
  return ServeRead<v1::GetCommissionPlanResponse>(
      ctx, CollectionsMethod("GetCommissionPlan"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetCommissionPlanResponse> {
        // Plans are the published scheme: every sales and finance role reads them.
        v1::GetCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->id(), false));
        *out.mutable_commission_plan() = rec.plan;
        return out;
      });
}

grpc::Status CollectionsApi::ListCommissionPlans(grpc::ServerContext* ctx, const v1::ListCommissionPlansRequest* req,
                                                 v1::ListCommissionPlansResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionPlansResponse>(
      ctx, CollectionsMethod("ListCommissionPlans"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->has_in_force_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->in_force_on(), "in_force_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListCommissionPlansResponse> {
        SALES_ASSIGN_OR_RETURN(auto recs, CommissionStore::ListPlans(tx, *req, after, size + 1));
        std::vector<v1::CommissionPlan> plans;
        for (auto& r : recs) plans.push_back(std::move(r.plan));
        v1::ListCommissionPlansResponse out;
        FillPage(std::move(plans), size, &out, [](auto* r) { return r->add_commission_plans(); });
        return out;
      });
}

grpc::Status CollectionsApi::CalculateCommissions(grpc::ServerContext* ctx, const v1::CalculateCommissionsRequest* req,
                                                  v1::CalculateCommissionsResponse* resp) {
  absl::CivilDay month, as_of;
  std::vector<RepRun> runs;
  // Everything that needs targets-svc is asked before the writing
  // transaction opens, so no row lock waits on a network call.
  auto prepare = [&](CallContext& call) -> absl::Status {
    if (!IsFinanceStaff(call.principal)) return Denied("only finance calculates commissions");
    SALES_RETURN_IF_ERROR(FirstOfMonth(req->month(), "month"));
    month = ToCivilDay(req->month());
    as_of = LastDayOf(month);
    if (req->has_as_of()) {
      SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
      as_of = ToCivilDay(req->as_of());
      if (as_of < month) return InvalidField("as_of", "before the month");
    }
    if (!req->attainments().empty() && !req->dry_run()) {
      return InvalidField("attainments", "explicit attainment is only accepted for a dry run");
    }
    std::map<int64_t, int32_t> given;
    for (const auto& a : req->attainments()) {
      if (a.rep_id() <= 0 || a.attainment_bp() < 0) return InvalidField("attainments", "rep_id > 0, attainment_bp >= 0");
      given[a.rep_id()] = a.attainment_bp();
    }
    for (int64_t id : req->rep_ids()) {
      if (id <= 0) return InvalidField("rep_ids", "must be > 0");
    }
    absl::CivilDay today = BusinessDay(rt_.clock->Now());
    if (LastDayOf(month) >= today) return Precondition("the month has not ended", "MONTH_NOT_ENDED");
    bool managers = req->include_managers() || req->rep_ids().empty();
    // 1. Reps, their units and plans (one read transaction).
    SALES_RETURN_IF_ERROR(rt_.pool->Transact([&](db::Transaction& tx) -> absl::Status {
      runs.clear();
      SALES_ASSIGN_OR_RETURN(auto plans, CommissionStore::PlansInForce(tx, month));
      if (plans.empty()) return Precondition("no commission plan is in force for the month", "NO_PLAN_IN_FORCE");
      std::vector<int64_t> reps(req->rep_ids().begin(), req->rep_ids().end());
      if (reps.empty()) {
        SALES_ASSIGN_OR_RETURN(reps, CommissionStore::ActiveReps(tx, month, LastDayOf(month)));
      }
      for (int64_t rep : reps) {
        RepRun run;
        run.rep_id = rep;
        SALES_ASSIGN_OR_RETURN(run.unit_id, CommissionStore::RepUnit(tx, rep));
        SALES_ASSIGN_OR_RETURN(auto plan, PlanFor(tx, plans, run.unit_id));
        if (!plan) continue;  // no plan covers the rep: reported as skipped
        run.plan = *plan;
        runs.push_back(std::move(run));
      }
      return absl::OkStatus();
    }));
    // 2. Managers of the units concerned, when their plan pays on the unit.
    if (managers && rt_.HasPeer("targets")) {
      std::set<int64_t> units;
      for (const auto& r : runs) {
        if (r.unit_id != 0 && (r.plan.plan.manager_rate_bp() > 0 || r.plan.plan.manager_excess_rate_bp() > 0)) {
          units.insert(r.unit_id);
        }
      }
      // Every unit's manager asked at once.
      std::map<int64_t, absl::StatusOr<std::optional<targets::v1::OrgUnit>>> answers;
      {
        peers::PeerBatch batch(&call, targets_->deadline());
        for (int64_t unit : units) targets_->GetOrgUnit(batch, unit, &answers[unit]);
        batch.Wait();
      }
      for (int64_t unit : units) {
        SALES_ASSIGN_OR_RETURN(auto org_unit, std::move(answers[unit]));
        int64_t manager = org_unit.has_value() ? org_unit->manager_rep_id() : 0;
        if (manager == 0) continue;
        auto it = std::find_if(runs.begin(), runs.end(), [&](const RepRun& r) { return r.rep_id == manager; });
        if (it == runs.end()) {
          if (!req->rep_ids().empty()) continue;  // only the reps asked for
          RepRun run;
          run.rep_id = manager;
          SALES_RETURN_IF_ERROR(rt_.pool->Transact([&](db::Transaction& tx) -> absl::Status {
            SALES_ASSIGN_OR_RETURN(run.unit_id, CommissionStore::RepUnit(tx, manager));
            SALES_ASSIGN_OR_RETURN(auto plans, CommissionStore::PlansInForce(tx, month));
            SALES_ASSIGN_OR_RETURN(auto plan, PlanFor(tx, plans, run.unit_id));
            if (plan) run.plan = *plan;
            return absl::OkStatus();
          }));
          if (run.plan.plan.id() == 0) continue;
          runs.push_back(std::move(run));
          it = runs.end() - 1;
        }
        it->managed_units.push_back(unit);
      }
    }
    // 3. Attainment of each rep (and managed unit) from targets-svc, all
    // asked at once under one deadline; the first failure in run order wins.
    std::vector<absl::StatusOr<targets::v1::Progress>> reps(runs.size());
    std::vector<std::vector<absl::StatusOr<targets::v1::Progress>>> units(runs.size());
    {
      peers::PeerBatch batch(&call, targets_->deadline());
      for (size_t i = 0; i < runs.size(); ++i) {
        auto metric = MetricOf(runs[i].plan.plan.attainment_metric());
        if (!given.count(runs[i].rep_id)) {
          targets::v1::TargetNode node;
          node.set_rep_id(runs[i].rep_id);
          targets_->GetProgress(batch, ProgressQuestion(node, month, metric), &reps[i]);
        }
        units[i].resize(runs[i].managed_units.size());
        for (size_t u = 0; u < runs[i].managed_units.size(); ++u) {
          targets::v1::TargetNode node;
          node.set_org_unit_id(runs[i].managed_units[u]);
          targets_->GetProgress(batch, ProgressQuestion(node, month, metric), &units[i][u]);
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
  };
  auto compute = [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::CalculateCommissionsResponse> {
    absl::Time now = rt_.clock->Now();
    v1::CalculateCommissionsResponse out;
    for (auto& run : runs) {
      SALES_ASSIGN_OR_RETURN(auto existing, CommissionStore::StatementOf(tx, run.rep_id, month, /*for_update=*/true));
      if (existing && existing->statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
        out.set_skipped_count(out.skipped_count() + 1);  // approved months are frozen
        continue;
      }
      if (existing) SALES_RETURN_IF_ERROR(CommissionStore::UndoDeductionMoves(tx, existing->statement.id(), now));
      CommissionRules rules = RulesOf(run.plan.plan);
      std::vector<int64_t> lines(run.plan.plan.commissionable_product_line_ids().begin(),
                                 run.plan.plan.commissionable_product_line_ids().end());
      StatementInput in;
      in.attainment_bp = run.attainment_bp;
      SALES_ASSIGN_OR_RETURN(in.collections, CommissionStore::Collections(tx, run.rep_id, month, LastDayOf(month), lines));
      SALES_ASSIGN_OR_RETURN(in.credits, CommissionStore::Credits(tx, run.rep_id, month, LastDayOf(month), lines));
      SALES_ASSIGN_OR_RETURN(in.deductions, CommissionStore::Deductions(tx, run.rep_id, as_of, rules.late_credit_months));
      SALES_ASSIGN_OR_RETURN(in.holdback_release_minor, CommissionStore::HoldbackReleaseFor(tx, run.rep_id, month));
      if (run.manager.has_value()) {
        std::vector<int64_t> subtree;
        for (int64_t unit : run.managed_units) {
          SALES_ASSIGN_OR_RETURN(auto s, OrgReplica::Subtree(tx, unit));
          if (s.empty()) s.push_back(unit);
          subtree.insert(subtree.end(), s.begin(), s.end());
        }
        SALES_ASSIGN_OR_RETURN(auto unit_collections,
                               CommissionStore::UnitCollections(tx, subtree, month, LastDayOf(month), lines));
        for (const auto& c : unit_collections) {
          int64_t credited = ApplyBp(c.amount_minor, CollectionCreditBp(rules, c.due_on, c.collected_on));
          if (__builtin_add_overflow(run.manager->unit_credited_minor, credited, &run.manager->unit_credited_minor)) {
            return absl::OutOfRangeError("the unit's credited collections exceed what an amount can hold");
          }
        }
        in.manager = run.manager;
      }
      SALES_ASSIGN_OR_RETURN(StatementFigures f, ComputeStatement(rules, in, kCurrency));
      v1::CommissionStatement s = BuildStatement(run, month, f, now);
      SALES_ASSIGN_OR_RETURN(int64_t id, CommissionStore::SaveDraft(tx, s, now));
      SALES_RETURN_IF_ERROR(CommissionStore::ApplyDeductionChanges(tx, id, run.rep_id, month, f.deduction_changes, now));
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
      out.add_statement_ids(id);
      if (req->dry_run()) {
        SALES_ASSIGN_OR_RETURN(StatementRecord saved, CommissionStore::GetStatement(tx, id, false));
        *out.add_dry_run_statements() = saved.statement;
      }
    }
    return out;
  };
  if (!req->dry_run()) {
    return ServeMutation<v1::CalculateCommissionsRequest, v1::CalculateCommissionsResponse>(
        ctx, CollectionsMethod("CalculateCommissions"), rt_, *req, resp, prepare, compute);
  }
  return Serve(ctx, CollectionsMethod("CalculateCommissions"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(prepare(call));
    SALES_RETURN_IF_ERROR(DryRun<v1::CalculateCommissionsResponse>(
        rt_, [&](db::Transaction& tx) { return compute(tx, call); }, resp));
    resp->clear_statement_ids();  // nothing was stored
    return absl::OkStatus();
  });
}

grpc::Status CollectionsApi::GetCommissionStatement(grpc::ServerContext* ctx,
                                                    const v1::GetCommissionStatementRequest* req,
                                                    v1::GetCommissionStatementResponse* resp) {
  return ServeRead<v1::GetCommissionStatementResponse>(
      ctx, CollectionsMethod("GetCommissionStatement"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() < 0) return InvalidField("id", "must be >= 0");
        if (req->id() == 0) {
          if (req->rep_id() <= 0) return InvalidField("rep_id", "required when id is 0");
          return FirstOfMonth(req->month(), "month");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCommissionStatementResponse> {
        StatementRecord rec;
        if (req->id() != 0) {
          SALES_ASSIGN_OR_RETURN(rec, CommissionStore::GetStatement(tx, req->id(), false));
        } else {
          SALES_ASSIGN_OR_RETURN(auto found, CommissionStore::StatementOf(tx, req->rep_id(), ToCivilDay(req->month()), false));
          if (!found) {
            return WithErrorInfo(absl::NotFoundError(absl::StrCat("no statement for rep ", req->rep_id(), " and ",
                                                                  FormatDbDate(req->month()))),
                                 "NOT_COMPUTED", kFinanceDomain);
          }
          rec = std::move(*found);
        }
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, 0, 0));
        if (!StatementVisible(rs, rec.statement)) return NotFound("commission statement", rec.statement.id());
        v1::GetCommissionStatementResponse out;
        *out.mutable_statement() = rec.statement;
        return out;
      });
}

grpc::Status CollectionsApi::ListCommissionStatements(grpc::ServerContext* ctx,
                                                      const v1::ListCommissionStatementsRequest* req,
                                                      v1::ListCommissionStatementsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionStatementsResponse>(
      ctx, CollectionsMethod("ListCommissionStatements"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCommissionStatementsResponse> {
        v1::ListCommissionStatementsResponse out;
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, req->org_unit_id(), req->rep_id()));
        if (rs.none) return out;
        SALES_ASSIGN_OR_RETURN(auto recs, CommissionStore::ListStatements(tx, *req, rs.rep_id, rs.unit_ids, after, size + 1));
        std::vector<v1::CommissionStatement> list;
        for (auto& r : recs) {
          r.statement.clear_lines();  // lists come without lines
          list.push_back(std::move(r.statement));
        }
        bool more = static_cast<int>(list.size()) > size;
        if (more) list.pop_back();
        for (auto& s : list) *out.add_statements() = std::move(s);
        if (more) out.set_next_page_token(EncodePageToken(out.statements().rbegin()->id()));
        return out;
      });
}

grpc::Status CollectionsApi::ApproveCommissionStatement(grpc::ServerContext* ctx,
                                                        const v1::ApproveCommissionStatementRequest* req,
                                                        v1::ApproveCommissionStatementResponse* resp) {
  return ServeMutation<v1::ApproveCommissionStatementRequest, v1::ApproveCommissionStatementResponse>(
      ctx, CollectionsMethod("ApproveCommissionStatement"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance approves statements");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return req->etag().empty() ? InvalidField("etag", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveCommissionStatementResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(StatementRecord rec, CommissionStore::GetStatement(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission statement", req->id()));
        if (rec.statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
          return Precondition("only a DRAFT statement can be approved", "STATEMENT_NOT_DRAFT");
        }
        rec.statement.set_state(v1::COMMISSION_STATEMENT_STATE_APPROVED);
        SALES_RETURN_IF_ERROR(CommissionStore::UpdateStatement(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionStatement", rec.statement.id(), "APPROVED",
                                                      "DRAFT", "APPROVED", req->comment(),
                                                      LadderContextOf(rt_, call).actor, now));
        v1::CommissionStatementApprovedEvent ev;
        *ev.mutable_statement() = rec.statement;
        SALES_RETURN_IF_ERROR(
            AppendFinanceEvent(tx, rt_.outbox, "CommissionStatement", rec.statement.id(), ev, call.request_id, now));
        v1::ApproveCommissionStatementResponse out;
        *out.mutable_statement() = rec.statement;
        return out;
      });
}

grpc::Status CollectionsApi::MarkCommissionStatementPaid(grpc::ServerContext* ctx,
                                                         const v1::MarkCommissionStatementPaidRequest* req,
                                                         v1::MarkCommissionStatementPaidResponse* resp) {
  return ServeMutation<v1::MarkCommissionStatementPaidRequest, v1::MarkCommissionStatementPaidResponse>(
      ctx, CollectionsMethod("MarkCommissionStatementPaid"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance records commission payments");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        return ValidateDate(req->paid_on(), "paid_on");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MarkCommissionStatementPaidResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(StatementRecord rec, CommissionStore::GetStatement(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission statement", req->id()));
        if (rec.statement.state() != v1::COMMISSION_STATEMENT_STATE_APPROVED) {
          return Precondition("only an APPROVED statement can be paid", "STATEMENT_NOT_APPROVED");
        }
        if (ToCivilDay(req->paid_on()) < ToCivilDay(rec.statement.month())) {
          return InvalidField("paid_on", "before the statement's month");
        }
        if (ToCivilDay(req->paid_on()) > BusinessDay(now)) return InvalidField("paid_on", "in the future");
        rec.statement.set_state(v1::COMMISSION_STATEMENT_STATE_PAID);
        *rec.statement.mutable_paid_on() = req->paid_on();
        SALES_RETURN_IF_ERROR(CommissionStore::UpdateStatement(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionStatement", rec.statement.id(), "PAID", "APPROVED",
                                                      "PAID", FormatDbDate(req->paid_on()),
                                                      LadderContextOf(rt_, call).actor, now));
        v1::MarkCommissionStatementPaidResponse out;
        *out.mutable_statement() = rec.statement;
        return out;
      });
}

grpc::Status CollectionsApi::ReleaseCommissionHoldback(grpc::ServerContext* ctx,
                                                       const v1::ReleaseCommissionHoldbackRequest* req,
                                                       v1::ReleaseCommissionHoldbackResponse* resp) {
  return ServeMutation<v1::ReleaseCommissionHoldbackRequest, v1::ReleaseCommissionHoldbackResponse>(
      ctx, CollectionsMethod("ReleaseCommissionHoldback"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance releases the holdback");
        if (req->year() < 2000 || req->year() > 2100) return InvalidField("year", "a fiscal year");
        return FirstOfMonth(req->release_month(), "release_month");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReleaseCommissionHoldbackResponse> {
        absl::Time now = rt_.clock->Now();
        absl::CivilDay month = ToCivilDay(req->release_month());
        if (month < absl::CivilDay(req->year(), 12, 1)) {
          return InvalidField("release_month", "the year's holdback is released at year end (December or later)");
        }
        std::vector<int64_t> reps(req->rep_ids().begin(), req->rep_ids().end());
        if (reps.empty()) {
          SALES_ASSIGN_OR_RETURN(reps, CommissionStore::RepsWithStatements(tx, req->year()));
        }
        v1::ReleaseCommissionHoldbackResponse out;
        for (int64_t rep : reps) {
          SALES_ASSIGN_OR_RETURN(bool done, CommissionStore::HoldbackReleased(tx, rep, req->year()));
          if (done) {
            return Precondition(absl::StrCat("the ", req->year(), " holdback of rep ", rep, " was already released"),
                                "HOLDBACK_RELEASED");
          }
          SALES_ASSIGN_OR_RETURN(auto carrier, CommissionStore::StatementOf(tx, rep, month, true));
          if (carrier && carrier->statement.state() != v1::COMMISSION_STATEMENT_STATE_DRAFT) {
            return Precondition(absl::StrCat("rep ", rep, "'s statement for ", FormatDbDate(req->release_month()),
                                             " is already approved"),
                                "STATEMENT_NOT_DRAFT");
          }
          SALES_ASSIGN_OR_RETURN(int64_t amount, CommissionStore::HeldBackInYear(tx, rep, req->year()));
          SALES_RETURN_IF_ERROR(CommissionStore::InsertHoldbackRelease(tx, req->year(), rep, month, amount, now));
          if (amount != 0) out.set_released_count(out.released_count() + 1);
          if (carrier && amount != 0) {
            // The draft of the release month carries the line now; a
            // recalculation of that month keeps it (it reads the release).
            v1::CommissionStatement& s = carrier->statement;
            v1::CommissionLine* l = s.add_lines();
            l->set_sequence(s.lines_size());
            l->set_kind(v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE);
            *l->mutable_base_amount() = MakeMoney(amount, kCurrency);
            l->set_credit_bp(10000);
            l->set_rate_bp(10000);
            *l->mutable_amount() = MakeMoney(amount, kCurrency);
            l->set_description(absl::StrCat("release of the ", req->year(), " holdback"));
            *s.mutable_holdback_released() = MakeMoney(s.holdback_released().minor_units() + amount, kCurrency);
            SALES_RETURN_IF_ERROR(CommissionStore::UpdateStatement(tx, *carrier, now));
            out.add_statement_ids(s.id());
          }
          SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionStatement", carrier ? carrier->statement.id() : 0,
                                                        "HOLDBACK_RELEASED", "", "",
                                                        absl::StrCat(req->year(), " holdback ", FormatFen(amount),
                                                                     " for rep ", rep),
                                                        LadderContextOf(rt_, call).actor, now));
        }
        return out;
      });
}

grpc::Status CollectionsApi::ListCommissionDeductions(grpc::ServerContext* ctx,
                                                      const v1::ListCommissionDeductionsRequest* req,
                                                      v1::ListCommissionDeductionsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionDeductionsResponse>(
      ctx, CollectionsMethod("ListCommissionDeductions"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 500));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCommissionDeductionsResponse> {
        v1::ListCommissionDeductionsResponse out;
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, 0, req->rep_id()));
        if (rs.none) return out;
        std::vector<int64_t> reps;
        bool scoped = !rs.unit_ids.empty();
        if (scoped) {
          // A manager: the reps of their units, from the org copy.
          SALES_ASSIGN_OR_RETURN(reps, CommissionStore::RepsOfUnits(tx, rs.unit_ids));
        }
        SALES_ASSIGN_OR_RETURN(auto list, CommissionStore::ListDeductions(tx, rs.rep_id, req->state(), reps, scoped,
                                                                          after, size + 1));
        std::vector<v1::CommissionDeduction> protos;
        for (const auto& d : list) protos.push_back(DeductionToProto(d, kCurrency));
        FillPage(std::move(protos), size, &out, [](auto* r) { return r->add_deductions(); });
        return out;
      });
}

}  // namespace sales::finance
