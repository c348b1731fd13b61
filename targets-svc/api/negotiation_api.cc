// Issue, answer, revise, sign, cancel and amend plans.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/api/plan_support.h"
#include "targets-svc/api/revision.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/api/viewer.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_user_id(p.user_id);
  a.set_role(p.role);
  a.set_rep_id(p.rep_id);
  a.set_org_unit_id(p.org_unit_id);
  return a;
}

absl::Status RequireReason(const std::string& reason, const char* field = "reason") {
  if (reason.empty()) return InvalidField(field, "required");
  if (reason.size() > 2000) return InvalidField(field, "at most 2000 bytes");
  return absl::OkStatus();
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
                         "NOT_NEGOTIABLE", "targets.sales");
  }
  if (v.act_everywhere && !v.principal.authenticated()) return absl::OkStatus();
  if (rec.a.dimension() == v1::DIMENSION_REP) {
    if (v.principal.role == kRoleRep && v.principal.rep_id == rec.a.rep_id()) return absl::OkStatus();
  } else if (v.principal.role == kRoleManager && v.principal.org_unit_id == rec.a.org_unit_id()) {
    return absl::OkStatus();
  }
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("only the assignee of assignment ", rec.a.id(),
                                                                " may answer it")),
                       "NOT_ASSIGNEE", "targets.sales");
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
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("assignment ", id, " belongs to version ",
                                                                    cell.a.plan_version(), "; the plan is at version ",
                                                                    plan.plan.version())),
                         "OLD_VERSION", "targets.sales");
  }
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), action));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, cell.version, "assignment", id));
  return Locked{std::move(plan), std::move(cell)};
}

std::vector<TargetChange> ToChanges(const v1::Plan& plan, const google::protobuf::RepeatedPtrField<v1::AssignmentChange>& in,
                                    absl::Status* status) {
  std::vector<TargetChange> out;
  for (int i = 0; i < in.size(); ++i) {
    const auto& c = in[i];
    TargetChange tc;
    tc.assignment_id = c.assignment_id();
    auto v = FromMetricValue(plan.metric(), plan.currency_code(), c.new_target(), absl::StrCat("changes[", i, "].new_target"));
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

}  // namespace

grpc::Status TargetsApi::IssuePlan(grpc::ServerContext* ctx, const v1::IssuePlanRequest* req,
                                   v1::IssuePlanResponse* resp) {
  return ServeMutation<v1::IssuePlanRequest, v1::IssuePlanResponse>(
      ctx, TargetsMethod("IssuePlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->has_response_deadline()) return ValidateDate(req->response_deadline(), "response_deadline");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::IssuePlanResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->id(), req->etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kIssue));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
        if (plan.plan.assignment_count() == 0) {
          return WithErrorInfo(absl::FailedPreconditionError(
                                   "decompose the plan down to units or reps before issuing it"),
                               "NOT_DECOMPOSED", "targets.sales");
        }
        int32_t version = plan.plan.version();
        SALES_RETURN_IF_ERROR(AssignmentStore::SetStates(tx, plan.plan.id(), version, v1::ASSIGNMENT_STATE_DRAFT,
                                                         v1::ASSIGNMENT_STATE_ISSUED, rt_.clock->Now())
                                  .status());
        plan.plan.set_state(v1::PLAN_STATE_ISSUED);
        *plan.plan.mutable_issue_time() = ToTimestamp(rt_.clock->Now());
        if (req->has_response_deadline()) *plan.plan.mutable_response_deadline() = req->response_deadline();
        if (!req->note().empty()) plan.plan.set_note(req->note());
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, 0, call.principal, "PLAN_ISSUED", "DRAFT",
                                               "ISSUED", req->note(), call.request_id, rt_.clock->Now()));
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
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
        v1::IssuePlanResponse out;
        *out.mutable_plan() = after.plan;
        return out;
      });
}

grpc::Status TargetsApi::AcceptAssignment(grpc::ServerContext* ctx, const v1::AcceptAssignmentRequest* req,
                                          v1::AcceptAssignmentResponse* resp) {
  return ServeMutation<v1::AcceptAssignmentRequest, v1::AcceptAssignmentResponse>(
      ctx, TargetsMethod("AcceptAssignment"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::AcceptAssignmentResponse> {
        SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, req->id(), req->etag(), PlanAction::kRespond));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckAssignee(tx, viewer, l.cell));
        SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kAccept));
        std::string from = v1::AssignmentState_Name(l.cell.a.state());
        l.cell.a.set_state(next);
        SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(),
                                               call.principal, "ACCEPTED", from, "ACCEPTED", req->comment(),
                                               call.request_id, rt_.clock->Now()));
        SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, req->id(), false));
        v1::AssignmentAcceptedEvent e;
        e.set_plan_id(after.a.plan_id());
        e.set_plan_version(after.a.plan_version());
        e.set_assignment_id(after.a.id());
        e.set_assignee_rep_id(after.a.assignee_rep_id());
        e.set_org_unit_id(after.a.org_unit_id());
        *e.mutable_target() = after.a.target();
        *e.mutable_expense_budget() = after.a.expense_budget();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
        v1::AcceptAssignmentResponse out;
        *out.mutable_assignment() = after.a;
        return out;
      });
}

grpc::Status TargetsApi::CounterProposeAssignment(grpc::ServerContext* ctx,
                                                  const v1::CounterProposeAssignmentRequest* req,
                                                  v1::CounterProposeAssignmentResponse* resp) {
  return ServeMutation<v1::CounterProposeAssignmentRequest, v1::CounterProposeAssignmentResponse>(
      ctx, TargetsMethod("CounterProposeAssignment"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (!req->has_proposed_target()) return InvalidField("proposed_target", "required");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CounterProposeAssignmentResponse> {
        SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, req->id(), req->etag(), PlanAction::kRespond));
        SALES_ASSIGN_OR_RETURN(int64_t proposed, FromMetricValue(l.plan.plan.metric(), l.plan.plan.currency_code(),
                                                                 req->proposed_target(), "proposed_target"));
        SALES_RETURN_IF_ERROR(ValidateCounterProposal(l.cell.target, proposed, req->reason()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckAssignee(tx, viewer, l.cell));
        SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kCounter));
        l.cell.a.set_state(next);
        auto* cp = l.cell.a.mutable_counter_proposal();
        *cp->mutable_proposed_target() = ToMetricValue(l.plan.plan.metric(), l.plan.plan.currency_code(), proposed);
        if (req->has_proposed_expense_budget()) {
          SALES_RETURN_IF_ERROR(ValidateMoney(req->proposed_expense_budget(), "proposed_expense_budget", Sign::kNonNegative));
          if (req->proposed_expense_budget().currency_code() != l.plan.plan.currency_code()) {
            return InvalidField("proposed_expense_budget.currency_code", "must be the plan's currency");
          }
          *cp->mutable_proposed_expense_budget() = req->proposed_expense_budget();
        }
        cp->set_reason(req->reason());
        *cp->mutable_proposed_by() = ActorOf(call.principal);
        SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(),
                                               call.principal, "COUNTER_PROPOSED", absl::StrCat(l.cell.target),
                                               absl::StrCat(proposed), req->reason(), call.request_id,
                                               rt_.clock->Now()));
        SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, req->id(), false));
        v1::AssignmentCounterProposedEvent e;
        e.set_plan_id(after.a.plan_id());
        e.set_plan_version(after.a.plan_version());
        e.set_assignment_id(after.a.id());
        e.set_assignee_rep_id(after.a.assignee_rep_id());
        e.set_org_unit_id(after.a.org_unit_id());
        *e.mutable_current_target() = after.a.target();
        *e.mutable_counter_proposal() = after.a.counter_proposal();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
        v1::CounterProposeAssignmentResponse out;
        *out.mutable_assignment() = after.a;
        return out;
      });
}

grpc::Status TargetsApi::DeclineCounterProposal(grpc::ServerContext* ctx, const v1::DeclineCounterProposalRequest* req,
                                                v1::DeclineCounterProposalResponse* resp) {
  return ServeMutation<v1::DeclineCounterProposalRequest, v1::DeclineCounterProposalResponse>(
      ctx, TargetsMethod("DeclineCounterProposal"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::DeclineCounterProposalResponse> {
        SALES_ASSIGN_OR_RETURN(Locked l, LockAssignment(tx, req->id(), req->etag(), PlanAction::kRevise));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto parent, AssignmentStore::GetByCell(tx, l.plan.plan.id(), l.plan.plan.version(),
                                                                       l.cell.parent_cell_no, false));
        if (!CanManage(viewer, parent.a.org_unit_id())) return OutOfScope(absl::StrCat("assignment ", req->id()));
        SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(l.cell.a.state(), AssignmentAction::kDeclineCounter));
        l.cell.a.set_state(next);
        l.cell.a.clear_counter_proposal();
        SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx, l.cell, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, l.plan.plan.id(), l.plan.plan.version(), l.cell.a.id(),
                                               call.principal, "COUNTER_DECLINED", "COUNTER_PROPOSED", "ISSUED",
                                               req->reason(), call.request_id, rt_.clock->Now()));
        SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Get(tx, req->id(), false));
        v1::CounterProposalDeclinedEvent e;
        e.set_plan_id(after.a.plan_id());
        e.set_plan_version(after.a.plan_version());
        e.set_assignment_id(after.a.id());
        e.set_assignee_rep_id(after.a.assignee_rep_id());
        *e.mutable_target() = after.a.target();
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Assignment", absl::StrCat(after.a.id()), e, call.request_id));
        v1::DeclineCounterProposalResponse out;
        *out.mutable_assignment() = after.a;
        return out;
      });
}

grpc::Status TargetsApi::ReviseAssignments(grpc::ServerContext* ctx, const v1::ReviseAssignmentsRequest* req,
                                           v1::ReviseAssignmentsResponse* resp) {
  return ServeMutation<v1::ReviseAssignmentsRequest, v1::ReviseAssignmentsResponse>(
      ctx, TargetsMethod("ReviseAssignments"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->plan_id() <= 0) return InvalidField("plan_id", "required, > 0");
        if (req->changes().empty()) return InvalidField("changes", "at least one change is required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReviseAssignmentsResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->plan_id(), req->etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kRevise));
        SALES_ASSIGN_OR_RETURN(auto parent, CellOfPlan(tx, plan, req->parent_assignment_id(), "parent_assignment_id",
                                                       /*for_update=*/true));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, parent.a.org_unit_id())) {
          return OutOfScope(absl::StrCat("cell ", parent.a.key().empty() ? "(root)" : parent.a.key()));
        }
        absl::Status conv;
        std::vector<TargetChange> changes = ToChanges(plan.plan, req->changes(), &conv);
        SALES_RETURN_IF_ERROR(conv);
        // A revision moves figures between siblings; the parent stays as is.
        SALES_ASSIGN_OR_RETURN(auto children, AssignmentStore::Children(tx, plan.plan.id(), plan.plan.version(),
                                                                        parent.cell_no, false));
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
                                                               /*reissue=*/true, rt_.clock->Now(), &told));
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), plan.plan.version(), parent.a.id(), call.principal,
                                               "REVISED", "", absl::StrCat(deltas.size(), " cells"), req->reason(),
                                               call.request_id, rt_.clock->Now()));
        v1::ReviseAssignmentsResponse out;
        v1::AssignmentsRevisedEvent e;
        e.set_plan_id(plan.plan.id());
        e.set_plan_version(plan.plan.version());
        e.set_parent_assignment_id(parent.a.id());
        e.set_reason(req->reason());
        for (const auto& d : deltas) {
          *out.add_deltas() = d;
          *e.add_deltas() = d;
        }
        SALES_ASSIGN_OR_RETURN(auto after, AssignmentStore::Children(tx, plan.plan.id(), plan.plan.version(),
                                                                     parent.cell_no, false));
        for (auto& a : after) *out.add_assignments() = std::move(a.a);
        for (int64_t rep : told) e.add_assignee_rep_ids(rep);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::SignPlan(grpc::ServerContext* ctx, const v1::SignPlanRequest* req, v1::SignPlanResponse* resp) {
  return ServeMutation<v1::SignPlanRequest, v1::SignPlanResponse>(
      ctx, TargetsMethod("SignPlan"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SignPlanResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->id(), req->etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kSign));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
        SALES_RETURN_IF_ERROR(
            CheckCanSign(plan.plan.mode(), plan.plan.pending_count(), plan.plan.counter_proposed_count()));
        SALES_ASSIGN_OR_RETURN(int64_t open_reductions, ReductionStore::CountPending(tx, plan.plan.id(), 0));
        if (open_reductions > 0) {
          return WithErrorInfo(absl::FailedPreconditionError("a target reduction awaits a decision"),
                               "REDUCTION_PENDING", "targets.sales");
        }
        int32_t version = plan.plan.version();
        absl::Time now = rt_.clock->Now();
        for (auto from : {v1::ASSIGNMENT_STATE_ISSUED, v1::ASSIGNMENT_STATE_ACCEPTED}) {
          SALES_RETURN_IF_ERROR(
              AssignmentStore::SetStates(tx, plan.plan.id(), version, from, v1::ASSIGNMENT_STATE_SIGNED, now).status());
        }
        plan.plan.set_state(v1::PLAN_STATE_SIGNED);
        *plan.plan.mutable_sign_time() = ToTimestamp(now);
        *plan.plan.mutable_signed_by() = ActorOf(call.principal);
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, now));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, 0, call.principal, "PLAN_SIGNED", "ISSUED",
                                               "SIGNED", req->comment(), call.request_id, now));
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
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
        v1::SignPlanResponse out;
        *out.mutable_plan() = after.plan;
        return out;
      });
}

grpc::Status TargetsApi::CancelPlan(grpc::ServerContext* ctx, const v1::CancelPlanRequest* req,
                                    v1::CancelPlanResponse* resp) {
  return ServeMutation<v1::CancelPlanRequest, v1::CancelPlanResponse>(
      ctx, TargetsMethod("CancelPlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelPlanResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->id(), req->etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kCancel));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, plan.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", plan.plan.id()));
        std::string from = v1::PlanState_Name(plan.plan.state());
        plan.plan.set_state(v1::PLAN_STATE_CANCELLED);
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), plan.plan.version(), 0, call.principal,
                                               "PLAN_CANCELLED", from, "CANCELLED", req->reason(), call.request_id,
                                               rt_.clock->Now()));
        v1::PlanCancelledEvent e;
        e.set_plan_id(plan.plan.id());
        e.set_plan_version(plan.plan.version());
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
        SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
        v1::CancelPlanResponse out;
        *out.mutable_plan() = after.plan;
        return out;
      });
}

// ------------------------------------------------------------ amendments

grpc::Status TargetsApi::RequestPlanAmendment(grpc::ServerContext* ctx, const v1::RequestPlanAmendmentRequest* req,
                                              v1::RequestPlanAmendmentResponse* resp) {
  return ServeMutation<v1::RequestPlanAmendmentRequest, v1::RequestPlanAmendmentResponse>(
      ctx, TargetsMethod("RequestPlanAmendment"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        const auto& a = req->amendment();
        if (a.plan_id() <= 0) return InvalidField("amendment.plan_id", "required, > 0");
        if (a.changes().empty()) return InvalidField("amendment.changes", "at least one change is required");
        if (a.has_effective_date()) SALES_RETURN_IF_ERROR(ValidateDate(a.effective_date(), "amendment.effective_date"));
        return RequireReason(a.reason(), "amendment.reason");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RequestPlanAmendmentResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->amendment().plan_id(), req->plan_etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kAmend));
        SALES_ASSIGN_OR_RETURN(bool pending, AmendmentStore::AnyPending(tx, plan.plan.id()));
        if (pending) {
          return WithErrorInfo(absl::FailedPreconditionError("another amendment of this plan awaits a decision"),
                               "AMENDMENT_PENDING", "targets.sales");
        }
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        absl::Status conv;
        std::vector<TargetChange> changes = ToChanges(plan.plan, req->amendment().changes(), &conv);
        SALES_RETURN_IF_ERROR(conv);
        // The approver is the level above whoever owns the highest changed
        // cell: that cell's parent belongs to the manager who issued it (the
        // requester's level), so the unit above that one decides; for the
        // plan total, the unit above the plan's. The company level means the
        // director (0).
        const AssignmentRecord* highest = nullptr;
        std::vector<AssignmentRecord> cells;
        for (const auto& c : changes) {
          SALES_ASSIGN_OR_RETURN(auto cell, CellOfPlan(tx, plan, c.assignment_id, "amendment.changes.assignment_id"));
          if (!CanManage(viewer, cell.a.org_unit_id()) && !CanManage(viewer, plan.plan.org_unit_id())) {
            return OutOfScope(absl::StrCat("cell ", cell.a.key()));
          }
          cells.push_back(std::move(cell));
        }
        for (const auto& c : cells) {
          if (highest == nullptr || c.a.depth() < highest->a.depth()) highest = &c;
        }
        int64_t owner_unit = plan.plan.org_unit_id();
        if (highest->parent_cell_no >= 0) {
          SALES_ASSIGN_OR_RETURN(auto parent, AssignmentStore::GetByCell(tx, plan.plan.id(), plan.plan.version(),
                                                                         highest->parent_cell_no, false));
          owner_unit = parent.a.org_unit_id();
        }
        SALES_ASSIGN_OR_RETURN(auto owner, OrgStore::Get(tx, owner_unit));
        int64_t approving_unit = owner.parent_id();
        // A manager's own request goes to the level above the manager, so
        // nobody approves their own change.
        if (call.principal.role == kRoleManager && call.principal.org_unit_id != 0) {
          SALES_ASSIGN_OR_RETURN(auto mine, OrgStore::Get(tx, call.principal.org_unit_id));
          approving_unit = mine.parent_id();
        }
        int64_t approver = 0;
        if (approving_unit != 0) {
          SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, approving_unit));
          approver = unit.kind() == v1::ORG_UNIT_KIND_COMPANY ? 0 : approving_unit;
        }
        // The figures must conserve; try them and roll the trial back.
        SALES_RETURN_IF_ERROR(tx.Exec("SAVEPOINT amendment_trial").status());
        auto trial = ApplyTargetChanges(tx, plan.plan.id(), plan.plan.version(), changes, false, rt_.clock->Now());
        // A deadlock or lost connection already ended the transaction (and
        // the savepoint); hand it back so the whole call is retried.
        if (absl::IsAborted(trial.status()) || absl::IsUnavailable(trial.status())) return trial.status();
        SALES_RETURN_IF_ERROR(tx.Exec("ROLLBACK TO SAVEPOINT amendment_trial").status());
        SALES_RETURN_IF_ERROR(trial.status());
        v1::PlanAmendment a = req->amendment();
        a.set_base_version(plan.plan.version());
        a.set_approver_org_unit_id(approver);
        a.set_state(v1::AMENDMENT_STATE_PENDING_APPROVAL);
        SALES_ASSIGN_OR_RETURN(auto stored, AmendmentStore::Insert(tx, a, call.principal, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), plan.plan.version(), 0, call.principal,
                                               "AMENDMENT_REQUESTED", "", absl::StrCat("amendment ", stored.id()),
                                               a.reason(), call.request_id, rt_.clock->Now()));
        v1::PlanAmendmentRequestedEvent e;
        *e.mutable_amendment() = stored;
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
        v1::RequestPlanAmendmentResponse out;
        *out.mutable_amendment() = stored;
        return out;
      });
}

grpc::Status TargetsApi::GetPlanAmendment(grpc::ServerContext* ctx, const v1::GetPlanAmendmentRequest* req,
                                          v1::GetPlanAmendmentResponse* resp) {
  return ServeRead<v1::GetPlanAmendmentResponse>(
      ctx, TargetsMethod("GetPlanAmendment"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetPlanAmendmentResponse> {
        v1::GetPlanAmendmentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_amendment(), AmendmentStore::Get(tx, req->id(), false));
        SALES_ASSIGN_OR_RETURN(auto plan, PlanStore::Get(tx, out.amendment().plan_id(), 0, false));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(bool readable, CanReadPlan(tx, viewer, plan.plan));
        if (!readable) return OutOfScope(absl::StrCat("amendment ", req->id()));
        return out;
      });
}

namespace {

// The approver: the director for the company level, else a manager whose
// subtree holds the approving unit — never the requester's own level.
absl::Status CheckApprover(const Viewer& v, const v1::PlanAmendment& a) {
  if (v.principal.authenticated() && v.principal.user_id == a.requested_by().user_id()) {
    return RoleNotAllowed(v, "approve their own amendment");
  }
  if (a.approver_org_unit_id() == 0) {
    if (v.act_everywhere) return absl::OkStatus();
    return RoleNotAllowed(v, "approve a change at the company level (the director does)");
  }
  // The requester's own level sits below the approving unit, so a manager
  // there cannot reach it: only the level above (or the director) can.
  if (CanManage(v, a.approver_org_unit_id())) return absl::OkStatus();
  return OutOfScope(absl::StrCat("amendment ", a.id(), " (approved by org unit ", a.approver_org_unit_id(), ")"));
}

absl::StatusOr<v1::PlanAmendment> LockPending(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(auto a, AmendmentStore::Get(tx, id, /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, a.etag(), "plan amendment", id));
  if (a.state() != v1::AMENDMENT_STATE_PENDING_APPROVAL) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("amendment ", id, " is ",
                                                                    v1::AmendmentState_Name(a.state()))),
                         "AMENDMENT_STATE", "targets.sales");
  }
  return a;
}

}  // namespace

grpc::Status TargetsApi::ApprovePlanAmendment(grpc::ServerContext* ctx, const v1::ApprovePlanAmendmentRequest* req,
                                              v1::ApprovePlanAmendmentResponse* resp) {
  return ServeMutation<v1::ApprovePlanAmendmentRequest, v1::ApprovePlanAmendmentResponse>(
      ctx, TargetsMethod("ApprovePlanAmendment"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApprovePlanAmendmentResponse> {
        SALES_ASSIGN_OR_RETURN(auto a, LockPending(tx, req->id(), req->etag()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckApprover(viewer, a));
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, a.plan_id(), ""));
        if (plan.plan.version() != a.base_version() || plan.plan.state() != v1::PLAN_STATE_SIGNED) {
          return WithErrorInfo(absl::FailedPreconditionError("the plan changed since the amendment was requested"),
                               "PLAN_CHANGED", "targets.sales");
        }
        absl::Time now = rt_.clock->Now();
        int32_t base = plan.plan.version();
        int32_t next = base + 1;
        SALES_RETURN_IF_ERROR(PlanStore::CopyVersion(tx, plan.plan.id(), base, next, now));
        // Cell numbers are the same in both versions: map the changes over.
        std::vector<TargetChange> changes;
        absl::Status conv;
        changes = ToChanges(plan.plan, a.changes(), &conv);
        SALES_RETURN_IF_ERROR(conv);
        for (auto& c : changes) {
          SALES_ASSIGN_OR_RETURN(auto old_cell, AssignmentStore::Get(tx, c.assignment_id, false));
          SALES_ASSIGN_OR_RETURN(auto new_cell, AssignmentStore::GetByCell(tx, plan.plan.id(), next,
                                                                           old_cell.cell_no, false));
          c.assignment_id = new_cell.a.id();
        }
        SALES_ASSIGN_OR_RETURN(auto deltas, ApplyTargetChanges(tx, plan.plan.id(), next, changes,
                                                               /*reissue=*/false, now));
        // The old version stays readable as it was signed, marked superseded.
        plan.plan.set_state(v1::PLAN_STATE_SUPERSEDED);
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, now));
        SALES_ASSIGN_OR_RETURN(PlanRecord fresh, PlanStore::Get(tx, plan.plan.id(), next, true));
        SALES_ASSIGN_OR_RETURN(auto root, AssignmentStore::GetByCell(tx, plan.plan.id(), next, 0, false));
        fresh.total = root.target;
        fresh.expense = root.expense;
        fresh.plan.set_state(v1::PLAN_STATE_SIGNED);
        fresh.plan.set_amendment_id(a.id());
        *fresh.plan.mutable_sign_time() = ToTimestamp(now);
        *fresh.plan.mutable_signed_by() = ActorOf(call.principal);
        SALES_RETURN_IF_ERROR(PlanStore::Save(tx, fresh, now));
        a.set_state(v1::AMENDMENT_STATE_APPROVED);
        a.set_new_version(next);
        a.set_decision_reason(req->reason());
        if (!a.has_effective_date()) *a.mutable_effective_date() = FromCivilDay(BusinessDay(now));
        for (const auto& d : deltas) *a.add_deltas() = d;
        SALES_RETURN_IF_ERROR(AmendmentStore::Decide(tx, a, call.principal, now));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), next, 0, call.principal, "AMENDMENT_APPROVED",
                                               absl::StrCat("v", base), absl::StrCat("v", next), req->reason(),
                                               call.request_id, now));
        SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
        v1::PlanAmendedEvent e;
        e.set_plan_id(after.plan.id());
        e.set_previous_version(base);
        e.set_new_version(next);
        e.set_amendment_id(a.id());
        e.set_fiscal_year(after.plan.fiscal_year());
        e.set_metric(after.plan.metric());
        e.set_reason(a.reason());
        *e.mutable_approved_by() = ActorOf(call.principal);
        *e.mutable_effective_date() = a.effective_date();
        *e.mutable_total_target() = after.plan.total_target();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
        v1::ApprovePlanAmendmentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_amendment(), AmendmentStore::Get(tx, a.id(), false));
        *out.mutable_plan() = after.plan;
        return out;
      });
}

grpc::Status TargetsApi::RejectPlanAmendment(grpc::ServerContext* ctx, const v1::RejectPlanAmendmentRequest* req,
                                             v1::RejectPlanAmendmentResponse* resp) {
  return ServeMutation<v1::RejectPlanAmendmentRequest, v1::RejectPlanAmendmentResponse>(
      ctx, TargetsMethod("RejectPlanAmendment"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectPlanAmendmentResponse> {
        SALES_ASSIGN_OR_RETURN(auto a, LockPending(tx, req->id(), req->etag()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckApprover(viewer, a));
        a.set_state(v1::AMENDMENT_STATE_REJECTED);
        a.set_decision_reason(req->reason());
        SALES_RETURN_IF_ERROR(AmendmentStore::Decide(tx, a, call.principal, rt_.clock->Now()));
        SALES_ASSIGN_OR_RETURN(auto stored, AmendmentStore::Get(tx, a.id(), false));
        v1::PlanAmendmentRejectedEvent e;
        *e.mutable_amendment() = stored;
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Plan", absl::StrCat(a.plan_id()), e, call.request_id));
        v1::RejectPlanAmendmentResponse out;
        *out.mutable_amendment() = stored;
        return out;
      });
}

}  // namespace sales::targets
