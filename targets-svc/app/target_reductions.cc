#include "targets-svc/app/target_reductions.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/plan_records.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/revision.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {
namespace {

absl::StatusOr<int64_t> Value(const v1::Plan& plan, const v1::MetricValue& v, const std::string& field) {
  return FromMetricValue(plan.metric(), plan.currency_code(), v, field);
}

// A request's audit entries belong to its parent cell and to its own trail.
PlanStore::Request AboutReduction(const v1::TargetReduction& r) {
  PlanStore::Request about;
  about.assignment_id = r.parent_assignment_id();
  about.reduction_id = r.id();
  return about;
}

// The unit that decides on lowering `cell`: the owner of its parent cell,
// or above the plan's unit for the root; the company level is 0 (director).
absl::StatusOr<int64_t> ApproverFor(db::Transaction& tx, const PlanRecord& plan, const AssignmentRecord& cell) {
  int64_t unit = 0;
  if (cell.parent_cell_no >= 0) {
    SALES_ASSIGN_OR_RETURN(
        auto parent, AssignmentStore::GetByCell(tx, plan.plan.id(), plan.plan.version(), cell.parent_cell_no, false));
    unit = parent.a.org_unit_id();
  } else {
    SALES_ASSIGN_OR_RETURN(auto owner, OrgStore::Get(tx, plan.plan.org_unit_id()));
    unit = owner.parent_id();
  }
  if (unit == 0) return int64_t{0};
  SALES_ASSIGN_OR_RETURN(auto u, OrgStore::Get(tx, unit));
  return u.kind() == v1::ORG_UNIT_KIND_COMPANY ? 0 : unit;
}

absl::Status CheckDecider(const Viewer& v, int64_t approver_unit, int64_t id) {
  if (approver_unit == 0) {
    return v.act_everywhere ? absl::OkStatus() : RoleNotAllowed(v, "decide on the company level (the director does)");
  }
  return CanManage(v, approver_unit) ? absl::OkStatus() : OutOfScope(absl::StrCat("target reduction ", id));
}

absl::StatusOr<v1::TargetReduction> LockPendingReduction(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(auto r, ReductionStore::Get(tx, id, /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, r.etag(), "target reduction", id));
  if (r.state() != v1::TARGET_REDUCTION_STATE_PENDING) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("target reduction ", id, " is ", v1::TargetReductionState_Name(r.state()))),
                         "REDUCTION_STATE", kTargetsDomain);
  }
  return r;
}

// The children's figures after the request (those it does not name keep
// theirs), summed.
absl::StatusOr<int64_t> RequestedTotal(const v1::Plan& plan, const std::vector<AssignmentRecord>& children,
                                       const v1::RequestTargetReductionRequest& req) {
  std::map<int64_t, int64_t> after;
  for (const auto& c : children) after[c.a.id()] = c.target;
  for (int i = 0; i < req.child_changes_size(); ++i) {
    const auto& c = req.child_changes(i);
    if (!after.count(c.assignment_id())) {
      return InvalidField(absl::StrCat("child_changes[", i, "].assignment_id"), "not a child of the parent cell");
    }
    SALES_ASSIGN_OR_RETURN(after[c.assignment_id()],
                           Value(plan, c.new_target(), absl::StrCat("child_changes[", i, "].new_target")));
  }
  int64_t requested = 0;
  for (const auto& [id, v] : after) requested += v;
  return requested;
}

// The level above passes the question on: a reduction of the grandparent by
// as much as `r` lowers the parent, decided one level higher.
absl::StatusOr<v1::TargetReduction> Escalate(db::Transaction& tx, const CallContext& call, const PlanRecord& plan,
                                             const AssignmentRecord& parent, const v1::TargetReduction& r,
                                             int64_t requested, absl::Time now) {
  if (parent.parent_cell_no < 0) {
    return WithErrorInfo(absl::FailedPreconditionError("the plan total has no level above to escalate to"),
                         "NOTHING_ABOVE", kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(
      auto grand, AssignmentStore::GetByCell(tx, plan.plan.id(), plan.plan.version(), parent.parent_cell_no, false));
  v1::TargetReduction up;
  up.set_plan_id(plan.plan.id());
  up.set_plan_version(plan.plan.version());
  up.set_parent_assignment_id(grand.a.id());
  auto* change = up.add_child_changes();
  change->set_assignment_id(parent.a.id());
  *change->mutable_new_target() = r.requested_target();
  *up.mutable_current_target() = grand.a.target();
  int64_t grand_requested = grand.target - (parent.target - requested);
  *up.mutable_requested_target() = ToMetricValue(plan.plan.metric(), plan.plan.currency_code(), grand_requested);
  up.set_reason(absl::StrCat("escalated: ", r.reason()));
  SALES_ASSIGN_OR_RETURN(int64_t approver, ApproverFor(tx, plan, grand));
  up.set_approver_org_unit_id(approver);
  SALES_ASSIGN_OR_RETURN(auto stored,
                         ReductionStore::Insert(tx, up, grand.target, grand_requested, call.principal, now));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, plan.plan.id(), plan.plan.version(), AboutReduction(stored),
                                                call.principal, "REDUCTION_REQUESTED", absl::StrCat(grand.target),
                                                absl::StrCat(grand_requested), up.reason(), call.request_id, now));
  return stored;
}

// What approving `r` changes: the parent and its named children, the
// figures of the requests escalated into this one (a rep's lower target
// started it; they take effect too, and are added to `below`), and the
// siblings the approver raises so the grandparent holds.
absl::StatusOr<std::vector<TargetChange>> ApprovedChanges(db::Transaction& tx, const Viewer& viewer,
                                                          const PlanRecord& plan, const AssignmentRecord& parent,
                                                          const v1::TargetReduction& r, int64_t requested,
                                                          const v1::ApproveTargetReductionRequest& req,
                                                          std::vector<v1::TargetReduction>* below) {
  std::vector<TargetChange> changes;
  changes.push_back({parent.a.id(), requested, std::nullopt});
  for (const auto& c : r.child_changes()) {
    SALES_ASSIGN_OR_RETURN(int64_t v, Value(plan.plan, c.new_target(), "child_changes.new_target"));
    changes.push_back({c.assignment_id(), v, std::nullopt});
  }
  SALES_ASSIGN_OR_RETURN(int64_t from, ReductionStore::EscalatedFrom(tx, r.id()));
  while (from != 0) {
    SALES_ASSIGN_OR_RETURN(auto earlier, ReductionStore::Get(tx, from, true));
    for (const auto& c : earlier.child_changes()) {
      SALES_ASSIGN_OR_RETURN(int64_t v, Value(plan.plan, c.new_target(), "child_changes.new_target"));
      changes.push_back({c.assignment_id(), v, std::nullopt});
    }
    below->push_back(earlier);
    SALES_ASSIGN_OR_RETURN(from, ReductionStore::EscalatedFrom(tx, from));
  }
  for (int i = 0; i < req.sibling_changes_size(); ++i) {
    const auto& c = req.sibling_changes(i);
    auto sibling = AssignmentStore::Get(tx, c.assignment_id(), false);
    if (!sibling.ok() || sibling->a.plan_id() != plan.plan.id() || sibling->a.plan_version() != plan.plan.version() ||
        sibling->parent_cell_no != parent.parent_cell_no || sibling->cell_no == parent.cell_no) {
      return InvalidField(absl::StrCat("sibling_changes[", i, "].assignment_id"),
                          "must be a sibling of the reduced cell");
    }
    if (!CanManage(viewer, sibling->a.org_unit_id()) && r.approver_org_unit_id() != 0) {
      return OutOfScope(absl::StrCat("cell ", sibling->a.key()));
    }
    SALES_ASSIGN_OR_RETURN(int64_t v,
                           Value(plan.plan, c.new_target(), absl::StrCat("sibling_changes[", i, "].new_target")));
    changes.push_back({c.assignment_id(), v, std::nullopt});
  }
  return changes;
}

}  // namespace

absl::StatusOr<v1::RequestTargetReductionResponse> TargetReductions::Request(
    db::Transaction& tx, const CallContext& call, const v1::RequestTargetReductionRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.plan_id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kRequestReduction));
  SALES_ASSIGN_OR_RETURN(auto parent, CellOfPlan(tx, plan, request.parent_assignment_id(), "parent_assignment_id",
                                                 /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, parent.a.org_unit_id())) return OutOfScope(absl::StrCat("cell ", parent.a.key()));
  SALES_ASSIGN_OR_RETURN(int64_t pending, ReductionStore::CountPending(tx, plan.plan.id(), parent.a.id()));
  if (pending > 0) {
    return WithErrorInfo(absl::FailedPreconditionError("a reduction of this cell already awaits a decision"),
                         "REDUCTION_PENDING", kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto children,
                         AssignmentStore::Children(tx, plan.plan.id(), plan.plan.version(), parent.cell_no, false));
  SALES_ASSIGN_OR_RETURN(int64_t requested, RequestedTotal(plan.plan, children, request));
  if (requested >= parent.target) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             "the revised parts are not below the parent; revise them among themselves instead"),
                         "NOT_A_REDUCTION", kTargetsDomain);
  }
  v1::TargetReduction r;
  r.set_plan_id(plan.plan.id());
  r.set_plan_version(plan.plan.version());
  r.set_parent_assignment_id(parent.a.id());
  *r.mutable_child_changes() = request.child_changes();
  *r.mutable_current_target() = parent.a.target();
  *r.mutable_requested_target() = ToMetricValue(plan.plan.metric(), plan.plan.currency_code(), requested);
  r.set_reason(request.reason());
  SALES_ASSIGN_OR_RETURN(int64_t approver, ApproverFor(tx, plan, parent));
  r.set_approver_org_unit_id(approver);
  SALES_ASSIGN_OR_RETURN(auto stored,
                         ReductionStore::Insert(tx, r, parent.target, requested, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(
      tx, plan.plan.id(), plan.plan.version(), AboutReduction(stored), call.principal, "REDUCTION_REQUESTED",
      absl::StrCat(parent.target), absl::StrCat(requested), request.reason(), call.request_id, clock_.Now()));
  v1::TargetReductionRequestedEvent e;
  *e.mutable_target_reduction() = stored;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
  v1::RequestTargetReductionResponse out;
  *out.mutable_target_reduction() = stored;
  return out;
}

absl::StatusOr<v1::ApproveTargetReductionResponse> TargetReductions::Approve(
    db::Transaction& tx, const CallContext& call, const v1::ApproveTargetReductionRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto r, LockPendingReduction(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckDecider(viewer, r.approver_org_unit_id(), r.id()));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, r.plan_id(), ""));
  if (plan.plan.version() != r.plan_version() || plan.plan.state() != v1::PLAN_STATE_ISSUED) {
    return WithErrorInfo(absl::FailedPreconditionError("the plan changed since the request"), "PLAN_CHANGED",
                         kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto parent, AssignmentStore::Get(tx, r.parent_assignment_id(), true));
  SALES_ASSIGN_OR_RETURN(int64_t requested, Value(plan.plan, r.requested_target(), "requested_target"));
  absl::Time now = clock_.Now();
  v1::ApproveTargetReductionResponse out;
  if (request.escalate()) {
    SALES_ASSIGN_OR_RETURN(auto stored, Escalate(tx, call, plan, parent, r, requested, now));
    r.set_state(v1::TARGET_REDUCTION_STATE_ESCALATED);
    r.set_escalated_to_id(stored.id());
    *out.mutable_escalated() = stored;
  } else {
    // Apply: at the root, the plan total itself goes down.
    std::vector<v1::TargetReduction> below;
    SALES_ASSIGN_OR_RETURN(std::vector<TargetChange> changes,
                           ApprovedChanges(tx, viewer, plan, parent, r, requested, request, &below));
    SALES_ASSIGN_OR_RETURN(auto deltas, ApplyTargetChanges(tx, plan.plan.id(), plan.plan.version(), changes,
                                                           /*reissue=*/true, now));
    if (parent.parent_cell_no < 0) {
      plan.total = requested;
      plan.plan.mutable_total_target()->CopyFrom(r.requested_target());
    }
    for (const auto& d : deltas) {
      if (d.assignment_id() != parent.a.id()) *r.add_sibling_deltas() = d;
    }
    r.set_state(v1::TARGET_REDUCTION_STATE_APPROVED);
    for (auto& earlier : below) {
      earlier.set_state(v1::TARGET_REDUCTION_STATE_APPROVED);
      earlier.set_decision_reason(absl::StrCat("approved above as reduction ", r.id()));
      SALES_RETURN_IF_ERROR(ReductionStore::Decide(tx, earlier, call.principal, now));
      SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, plan.plan.id(), plan.plan.version(), AboutReduction(earlier),
                                                    call.principal, "REDUCTION_APPROVED", "ESCALATED", "APPROVED",
                                                    earlier.decision_reason(), call.request_id, now));
    }
    v1::AssignmentsRevisedEvent revised;
    revised.set_plan_id(plan.plan.id());
    revised.set_plan_version(plan.plan.version());
    revised.set_parent_assignment_id(parent.a.id());
    revised.set_reason(r.reason());
    for (const auto& d : deltas) *revised.add_deltas() = d;
    SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), revised, call.request_id));
  }
  r.set_decision_reason(request.reason());
  SALES_RETURN_IF_ERROR(ReductionStore::Decide(tx, r, call.principal, now));
  SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, now));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(
      tx, plan.plan.id(), plan.plan.version(), AboutReduction(r), call.principal,
      request.escalate() ? "REDUCTION_ESCALATED" : "REDUCTION_APPROVED", absl::StrCat(parent.target),
      absl::StrCat(requested), request.reason(), call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto decided, ReductionStore::Get(tx, r.id(), false));
  v1::TargetReductionDecidedEvent e;
  *e.mutable_target_reduction() = decided;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
  *out.mutable_target_reduction() = decided;
  return out;
}

absl::StatusOr<v1::RejectTargetReductionResponse> TargetReductions::Reject(
    db::Transaction& tx, const CallContext& call, const v1::RejectTargetReductionRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto r, LockPendingReduction(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckDecider(viewer, r.approver_org_unit_id(), r.id()));
  r.set_state(v1::TARGET_REDUCTION_STATE_REJECTED);
  r.set_decision_reason(request.reason());
  SALES_RETURN_IF_ERROR(ReductionStore::Decide(tx, r, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, r.plan_id(), r.plan_version(), AboutReduction(r), call.principal,
                                                "REDUCTION_REJECTED", "PENDING", "REJECTED", request.reason(),
                                                call.request_id, clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto decided, ReductionStore::Get(tx, r.id(), false));
  v1::TargetReductionDecidedEvent e;
  *e.mutable_target_reduction() = decided;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(r.plan_id()), e, call.request_id));
  v1::RejectTargetReductionResponse out;
  *out.mutable_target_reduction() = decided;
  return out;
}

absl::StatusOr<v1::WithdrawTargetReductionResponse> TargetReductions::Withdraw(
    db::Transaction& tx, const CallContext& call, const v1::WithdrawTargetReductionRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto r, ReductionStore::Get(tx, request.id(), /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckMayWithdraw(viewer, r.requested_by(), absl::StrCat("target reduction ", r.id())));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), r.etag(), "target reduction", r.id()));
  if (r.state() != v1::TARGET_REDUCTION_STATE_PENDING) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("target reduction ", r.id(), " is ",
                                                                    v1::TargetReductionState_Name(r.state()),
                                                                    "; only a PENDING request can be withdrawn")),
                         "REDUCTION_STATE", kTargetsDomain);
  }
  // The requester's own decision: who withdrew it, when and why are kept
  // where a decider's would be.
  r.set_state(v1::TARGET_REDUCTION_STATE_WITHDRAWN);
  r.set_decision_reason(request.reason());
  SALES_RETURN_IF_ERROR(ReductionStore::Decide(tx, r, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, r.plan_id(), r.plan_version(), AboutReduction(r), call.principal,
                                                "REDUCTION_WITHDRAWN", "PENDING", "WITHDRAWN", request.reason(),
                                                call.request_id, clock_.Now()));
  v1::WithdrawTargetReductionResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_target_reduction(), ReductionStore::Get(tx, r.id(), false));
  return out;
}

absl::StatusOr<v1::ListTargetReductionsResponse> TargetReductions::List(db::Transaction& tx, const CallContext& call,
                                                                        const v1::ListTargetReductionsRequest& request,
                                                                        int64_t before_id, int page_size) const {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  PlanReadability plans(viewer);
  if (request.plan_id() != 0) SALES_RETURN_IF_ERROR(plans.Require(tx, request.plan_id()));
  SALES_ASSIGN_OR_RETURN(
      auto items, ReadablePage<v1::TargetReduction>(tx, plans, before_id, page_size, [&](int64_t before, int limit) {
        return ReductionStore::List(tx, request, before, limit);
      }));
  v1::ListTargetReductionsResponse out;
  FillPage(std::move(items), page_size, &out, [](auto* r) { return r->add_target_reductions(); });
  return out;
}

}  // namespace sales::targets
