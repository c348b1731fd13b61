#include "targets-svc/app/plan_negotiation.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {

common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_user_id(p.user_id);
  a.set_role(p.role);
  a.set_rep_id(p.rep_id);
  a.set_org_unit_id(p.org_unit_id);
  return a;
}

std::vector<TargetChange> ToChanges(const v1::Plan& plan,
                                    const google::protobuf::RepeatedPtrField<v1::AssignmentChange>& in,
                                    absl::Status* status) {
  std::vector<TargetChange> out;
  for (int i = 0; i < in.size(); ++i) {
    const auto& c = in[i];
    TargetChange tc;
    tc.assignment_id = c.assignment_id();
    auto v = FromMetricValue(plan.metric(), plan.currency_code(), c.new_target(),
                             absl::StrCat("changes[", i, "].new_target"));
    if (!v.ok()) {
      *status = v.status();
      return {};
    }
    tc.new_target = *v;
    if (c.has_new_expense_budget()) tc.new_expense = c.new_expense_budget().minor_units();
    out.push_back(tc);
  }
  return out;
}

namespace {

// An assignment event with the cell it is about: plan, version, cell, assignee.
template <typename Event>
Event AssignmentEvent(const v1::Assignment& a) {
  Event e;
  e.set_plan_id(a.plan_id());
  e.set_plan_version(a.plan_version());
  e.set_assignment_id(a.id());
  e.set_assignee_rep_id(a.assignee_rep_id());
  return e;
}

// The assignee answers for their own cell: the rep for a rep's cell, the
// unit's manager for a unit's cell. For a rep who has left, the manager of
// the rep's unit answers, so a departure cannot block the signature.
absl::Status CheckAssignee(db::Transaction& tx, const Viewer& v, const AssignmentRecord& rec) {
  if (rec.a.negotiable() && rec.a.dimension() == v1::DIMENSION_REP) {
    auto rep = RepStore::Get(tx, rec.a.rep_id());
    if (rep.ok() && rep->status() == v1::REP_STATUS_LEFT && CanManage(v, rep->org_unit_id()) &&
        v.principal.authenticated()) {
      return absl::OkStatus();
    }
  }
  if (!rec.a.negotiable()) {
    return WithErrorInfo(absl::FailedPreconditionError("this cell is not negotiated; its parent's assignee answers"),
                         "NOT_NEGOTIABLE", kTargetsDomain);
  }
  if (v.act_everywhere && !v.principal.authenticated()) return absl::OkStatus();
  if (rec.a.dimension() == v1::DIMENSION_REP) {
    if (v.principal.role == kRoleRep && v.principal.rep_id == rec.a.rep_id()) return absl::OkStatus();
  } else if (v.principal.role == kRoleManager && v.principal.org_unit_id == rec.a.org_unit_id()) {
    return absl::OkStatus();
  }
  return WithErrorInfo(
      absl::PermissionDeniedError(absl::StrCat("only the assignee of assignment ", rec.a.id(), " may answer it")),
      "NOT_ASSIGNEE", kTargetsDomain);
}

// Loads and locks an assignment of the plan's current version, with the
// plan checked for `action`.
struct Locked {
  PlanRecord plan;
  AssignmentRecord cell;
};

absl::StatusOr<Locked> LockAssignment(db::Transaction& tx, int64_t id, const std::string& etag, PlanAction action) {
  SALES_ASSIGN_OR_RETURN(auto cell, AssignmentStore::Get(tx, id, /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(auto plan, PlanStore::Get(tx, cell.a.plan_id(), 0, /*for_update=*/true));
  if (plan.plan.version() != cell.a.plan_version()) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("assignment ", id, " belongs to version ", cell.a.plan_version(),
                                                   "; the plan is at version ", plan.plan.version())),
        "OLD_VERSION", kTargetsDomain);
  }
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), action));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, cell.version, "assignment", id));
  return Locked{std::move(plan), std::move(cell)};
}

}  // namespace

absl::StatusOr<v1::IssuePlanResponse> PlanNegotiation::Issue(db::Transaction& tx, const CallContext& call,
                                                             const v1::IssuePlanRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kIssue));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
  if (plan.negotiable_count == 0) {
    return WithErrorInfo(absl::FailedPreconditionError("decompose the plan down to units or reps before issuing it"),
                         "NOT_DECOMPOSED", kTargetsDomain);
  }
  int32_t version = plan.plan.version();
  SALES_RETURN_IF_ERROR(AssignmentStore::SetStates(tx, plan.plan.id(), version, v1::ASSIGNMENT_STATE_DRAFT,
                                                   v1::ASSIGNMENT_STATE_ISSUED, clock_.Now())
                            .status());
  plan.plan.set_state(v1::PLAN_STATE_ISSUED);
  *plan.plan.mutable_issue_time() = ToTimestamp(clock_.Now());
  if (request.has_response_deadline()) *plan.plan.mutable_response_deadline() = request.response_deadline();
  if (!request.note().empty()) plan.plan.set_note(request.note());
  SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, 0, call.principal, "PLAN_ISSUED", "DRAFT",
                                         "ISSUED", request.note(), call.request_id, clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
  v1::PlanIssuedEvent e;
  e.set_plan_id(after.plan.id());
  e.set_plan_version(version);
  e.set_title(after.plan.title());
  e.set_fiscal_year(after.plan.fiscal_year());
  e.set_metric(after.plan.metric());
  e.set_mode(after.plan.mode());
  e.set_org_unit_id(after.plan.org_unit_id());
  *e.mutable_total_target() = after.plan.total_target();
  v1::ListAssignmentsRequest reps;
  reps.set_plan_id(after.plan.id());
  reps.set_negotiable_only(true);
  SALES_ASSIGN_OR_RETURN(auto cells, AssignmentStore::List(tx, reps, version, CellScope{}, 0, 100000));
  for (const auto& c : cells) {
    if (c.a.assignee_rep_id() != 0) e.add_assignee_rep_ids(c.a.assignee_rep_id());
  }
  if (after.plan.has_response_deadline()) *e.mutable_response_deadline() = after.plan.response_deadline();
  *e.mutable_issued_by() = ActorOf(call.principal);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
  v1::IssuePlanResponse out;
  *out.mutable_plan() = after.plan;
  return out;
}

absl::StatusOr<v1::AcceptAssignmentResponse> PlanNegotiation::Accept(db::Transaction& tx, const CallContext& call,
                                                                     const v1::AcceptAssignmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, request.id(), request.etag(), PlanAction::kRespond));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckAssignee(tx, viewer, l.cell));
  SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kAccept));
  std::string from = v1::AssignmentState_Name(l.cell.a.state());
  l.cell.a.set_state(next);
  SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(), call.principal,
                                         "ACCEPTED", from, "ACCEPTED", request.comment(), call.request_id,
                                         clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, request.id(), false));
  auto e = AssignmentEvent<v1::AssignmentAcceptedEvent>(after.a);
  e.set_org_unit_id(after.a.org_unit_id());
  *e.mutable_target() = after.a.target();
  *e.mutable_expense_budget() = after.a.expense_budget();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
  v1::AcceptAssignmentResponse out;
  *out.mutable_assignment() = after.a;
  return out;
}

absl::StatusOr<v1::CounterProposeAssignmentResponse> PlanNegotiation::CounterPropose(
    db::Transaction& tx, const CallContext& call, const v1::CounterProposeAssignmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, request.id(), request.etag(), PlanAction::kRespond));
  SALES_ASSIGN_OR_RETURN(int64_t proposed, FromMetricValue(l.plan.plan.metric(), l.plan.plan.currency_code(),
                                                           request.proposed_target(), "proposed_target"));
  SALES_RETURN_IF_ERROR(ValidateCounterProposal(l.cell.target, proposed, request.reason()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckAssignee(tx, viewer, l.cell));
  SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kCounter));
  l.cell.a.set_state(next);
  auto* cp = l.cell.a.mutable_counter_proposal();
  *cp->mutable_proposed_target() = ToMetricValue(l.plan.plan.metric(), l.plan.plan.currency_code(), proposed);
  if (request.has_proposed_expense_budget()) {
    SALES_RETURN_IF_ERROR(
        ValidateMoney(request.proposed_expense_budget(), "proposed_expense_budget", Sign::kNonNegative));
    if (request.proposed_expense_budget().currency_code() != l.plan.plan.currency_code()) {
      return InvalidField("proposed_expense_budget.currency_code", "must be the plan's currency");
    }
    *cp->mutable_proposed_expense_budget() = request.proposed_expense_budget();
  }
  cp->set_reason(request.reason());
  *cp->mutable_proposed_by() = ActorOf(call.principal);
  SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(), call.principal,
                                         "COUNTER_PROPOSED", absl::StrCat(l.cell.target), absl::StrCat(proposed),
                                         request.reason(), call.request_id, clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, request.id(), false));
  auto e = AssignmentEvent<v1::AssignmentCounterProposedEvent>(after.a);
  e.set_org_unit_id(after.a.org_unit_id());
  *e.mutable_current_target() = after.a.target();
  *e.mutable_counter_proposal() = after.a.counter_proposal();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
  v1::CounterProposeAssignmentResponse out;
  *out.mutable_assignment() = after.a;
  return out;
}

absl::StatusOr<v1::DeclineCounterProposalResponse> PlanNegotiation::DeclineCounterProposal(
    db::Transaction& tx, const CallContext& call, const v1::DeclineCounterProposalRequest& request) {
  SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, request.id(), request.etag(), PlanAction::kRevise));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto parent, AssignmentStore::GetByCell(tx, l.plan.plan.id(), l.plan.plan.version(),
                                                                 l.cell.parent_cell_no, false));
  if (!CanManage(viewer, parent.a.org_unit_id())) return OutOfScope(absl::StrCat("assignment ", request.id()));
  SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kDeclineCounter));
  l.cell.a.set_state(next);
  l.cell.a.clear_counter_proposal();
  SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(), call.principal,
                                         "COUNTER_DECLINED", "COUNTER_PROPOSED", "ISSUED", request.reason(),
                                         call.request_id, clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, request.id(), false));
  auto e = AssignmentEvent<v1::CounterProposalDeclinedEvent>(after.a);
  *e.mutable_target() = after.a.target();
  e.set_reason(request.reason());
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
  v1::DeclineCounterProposalResponse out;
  *out.mutable_assignment() = after.a;
  return out;
}

absl::StatusOr<v1::ReviseAssignmentsResponse> PlanNegotiation::Revise(db::Transaction& tx, const CallContext& call,
                                                                      const v1::ReviseAssignmentsRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.plan_id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kRevise));
  SALES_ASSIGN_OR_RETURN(auto parent, CellOfPlan(tx, plan, request.parent_assignment_id(), "parent_assignment_id",
                                                 /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, parent.a.org_unit_id())) {
    return OutOfScope(absl::StrCat("cell ", parent.a.key().empty() ? "(root)" : parent.a.key()));
  }
  absl::Status conv;
  std::vector<TargetChange> changes = ToChanges(plan.plan, request.changes(), &conv);
  SALES_RETURN_IF_ERROR(conv);
  // A revision moves figures between siblings; the parent stays as is.
  SALES_ASSIGN_OR_RETURN(auto children,
                         AssignmentStore::Children(tx, plan.plan.id(), plan.plan.version(), parent.cell_no, false));
  for (const auto& c : changes) {
    bool child = false;
    for (const auto& ch : children) child = child || ch.a.id() == c.assignment_id;
    if (!child) {
      return InvalidField("changes.assignment_id",
                          absl::StrCat(c.assignment_id, " is not a child of the parent being revised"));
    }
  }
  std::set<int64_t> told;
  SALES_ASSIGN_OR_RETURN(auto deltas, ApplyTargetChanges(tx, plan.plan.id(), plan.plan.version(), changes,
                                                         /*reissue=*/true, clock_.Now(), &told));
  SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), plan.plan.version(), parent.a.id(), call.principal,
                                         "REVISED", "", absl::StrCat(deltas.size(), " cells"), request.reason(),
                                         call.request_id, clock_.Now()));
  v1::ReviseAssignmentsResponse out;
  v1::AssignmentsRevisedEvent e;
  e.set_plan_id(plan.plan.id());
  e.set_plan_version(plan.plan.version());
  e.set_parent_assignment_id(parent.a.id());
  e.set_reason(request.reason());
  for (const auto& d : deltas) {
    *out.add_deltas() = d;
    *e.add_deltas() = d;
  }
  SALES_ASSIGN_OR_RETURN(auto after,
                         AssignmentStore::Children(tx, plan.plan.id(), plan.plan.version(), parent.cell_no, false));
  for (auto& a : after) *out.add_assignments() = std::move(a.a);
  for (int64_t rep : told) e.add_assignee_rep_ids(rep);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
  return out;
}

absl::StatusOr<v1::SignPlanResponse> PlanNegotiation::Sign(db::Transaction& tx, const CallContext& call,
                                                           const v1::SignPlanRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kSign));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
  SALES_RETURN_IF_ERROR(CheckCanSign(plan.plan.mode(), plan.plan.pending_count(), plan.plan.counter_proposed_count()));
  SALES_ASSIGN_OR_RETURN(int64_t open_reductions, ReductionStore::CountPending(tx, plan.plan.id(), 0));
  if (open_reductions > 0) {
    return WithErrorInfo(absl::FailedPreconditionError("a target reduction awaits a decision"), "REDUCTION_PENDING",
                         kTargetsDomain);
  }
  int32_t version = plan.plan.version();
  absl::Time now = clock_.Now();
  for (auto from : {v1::ASSIGNMENT_STATE_ISSUED, v1::ASSIGNMENT_STATE_ACCEPTED}) {
    SALES_RETURN_IF_ERROR(
        AssignmentStore::SetStates(tx, plan.plan.id(), version, from, v1::ASSIGNMENT_STATE_SIGNED, now).status());
  }
  plan.plan.set_state(v1::PLAN_STATE_SIGNED);
  *plan.plan.mutable_sign_time() = ToTimestamp(now);
  *plan.plan.mutable_signed_by() = ActorOf(call.principal);
  SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, now));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, 0, call.principal, "PLAN_SIGNED", "ISSUED",
                                         "SIGNED", request.comment(), call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
  v1::PlanSignedEvent e;
  e.set_plan_id(after.plan.id());
  e.set_plan_version(version);
  e.set_fiscal_year(after.plan.fiscal_year());
  e.set_metric(after.plan.metric());
  e.set_mode(after.plan.mode());
  e.set_org_unit_id(after.plan.org_unit_id());
  *e.mutable_total_target() = after.plan.total_target();
  *e.mutable_expense_budget() = after.plan.expense_budget();
  v1::ListAssignmentsRequest negotiable;
  negotiable.set_plan_id(after.plan.id());
  negotiable.set_negotiable_only(true);
  SALES_ASSIGN_OR_RETURN(auto cells, AssignmentStore::List(tx, negotiable, version, CellScope{}, 0, 100000));
  for (const auto& c : cells) {
    auto* line = e.add_lines();
    line->set_rep_id(c.a.rep_id());
    line->set_org_unit_id(c.a.org_unit_id());
    *line->mutable_period() = c.a.period();
    *line->mutable_target() = c.a.target();
    *line->mutable_expense_budget() = c.a.expense_budget();
  }
  *e.mutable_signed_by() = ActorOf(call.principal);
  *e.mutable_signed_date() = FromCivilDay(BusinessDay(now));
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
  v1::SignPlanResponse out;
  *out.mutable_plan() = after.plan;
  return out;
}

absl::StatusOr<v1::CancelPlanResponse> PlanNegotiation::Cancel(db::Transaction& tx, const CallContext& call,
                                                               const v1::CancelPlanRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kCancel));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
  std::string from = v1::PlanState_Name(plan.plan.state());
  plan.plan.set_state(v1::PLAN_STATE_CANCELLED);
  SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), plan.plan.version(), 0, call.principal, "PLAN_CANCELLED",
                                         from, "CANCELLED", request.reason(), call.request_id, clock_.Now()));
  v1::PlanCancelledEvent e;
  e.set_plan_id(plan.plan.id());
  e.set_plan_version(plan.plan.version());
  e.set_reason(request.reason());
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
  SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
  v1::CancelPlanResponse out;
  *out.mutable_plan() = after.plan;
  return out;
}

}  // namespace sales::targets
