#include "targets-svc/app/plan_amendments.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/plan_negotiation.h"
#include "targets-svc/app/plan_records.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/revision.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {
namespace {

// The cells an amendment changes, each the caller's to manage (or the
// plan's unit is).
absl::StatusOr<std::vector<AssignmentRecord>> ChangedCells(db::Transaction& tx, const PlanRecord& plan,
                                                           const Viewer& viewer,
                                                           const std::vector<TargetChange>& changes) {
  std::vector<AssignmentRecord> cells;
  for (const auto& c : changes) {
    SALES_ASSIGN_OR_RETURN(auto cell, CellOfPlan(tx, plan, c.assignment_id, "amendment.changes.assignment_id"));
    if (!CanManage(viewer, cell.a.org_unit_id()) && !CanManage(viewer, plan.plan.org_unit_id())) {
      return OutOfScope(absl::StrCat("cell ", cell.a.key()));
    }
    cells.push_back(std::move(cell));
  }
  return cells;
}

// The approver is the level above whoever owns the highest changed cell:
// that cell's parent belongs to the manager who issued it (the requester's
// level), so the unit above that one decides; for the plan total, the unit
// above the plan's. The company level means the director (0).
absl::StatusOr<int64_t> ApproverOf(db::Transaction& tx, const PlanRecord& plan,
                                   const std::vector<AssignmentRecord>& cells, const Principal& requester) {
  const AssignmentRecord* highest = nullptr;
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
  if (requester.role == kRoleManager && requester.org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto mine, OrgStore::Get(tx, requester.org_unit_id));
    approving_unit = mine.parent_id();
  }
  int64_t approver = 0;
  if (approving_unit != 0) {
    SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, approving_unit));
    approver = unit.kind() == v1::ORG_UNIT_KIND_COMPANY ? 0 : approving_unit;
  }
  return approver;
}

// The figures must conserve; try them and roll the trial back.
absl::Status CheckConserves(db::Transaction& tx, const PlanRecord& plan, const std::vector<TargetChange>& changes,
                            absl::Time now) {
  SALES_RETURN_IF_ERROR(PlanStore::BeginTrial(tx));
  auto trial = ApplyTargetChanges(tx, plan.plan.id(), plan.plan.version(), changes, false, now);
  // A deadlock or lost connection already ended the transaction (and
  // the savepoint); hand it back so the whole call is retried.
  if (absl::IsAborted(trial.status()) || absl::IsUnavailable(trial.status())) return trial.status();
  SALES_RETURN_IF_ERROR(PlanStore::RollBackTrial(tx));
  return trial.status();
}

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

// An amendment's audit entries belong to its plan and to its own trail.
PlanStore::Request AboutAmendment(int64_t id) {
  PlanStore::Request about;
  about.amendment_id = id;
  return about;
}

absl::StatusOr<v1::PlanAmendment> LockPending(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(auto a, AmendmentStore::Get(tx, id, /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, a.etag(), "plan amendment", id));
  if (a.state() != v1::AMENDMENT_STATE_PENDING_APPROVAL) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("amendment ", id, " is ", v1::AmendmentState_Name(a.state()))),
        "AMENDMENT_STATE", kTargetsDomain);
  }
  return a;
}

// The amendment's changes as cells of version `next`: cell numbers are the
// same in both versions, so the changes map over by number.
absl::StatusOr<std::vector<TargetChange>> ChangesOnVersion(db::Transaction& tx, const v1::Plan& plan,
                                                           const v1::PlanAmendment& a, int32_t next) {
  std::vector<TargetChange> changes;
  absl::Status conv;
  changes = ToChanges(plan, a.changes(), &conv);
  SALES_RETURN_IF_ERROR(conv);
  for (auto& c : changes) {
    SALES_ASSIGN_OR_RETURN(auto old_cell, AssignmentStore::Get(tx, c.assignment_id, false));
    SALES_ASSIGN_OR_RETURN(auto new_cell, AssignmentStore::GetByCell(tx, plan.id(), next, old_cell.cell_no, false));
    c.assignment_id = new_cell.a.id();
  }
  return changes;
}

}  // namespace

absl::StatusOr<v1::RequestPlanAmendmentResponse> PlanAmendments::Request(
    db::Transaction& tx, const CallContext& call, const v1::RequestPlanAmendmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, request.amendment().plan_id(), request.plan_etag()));
  SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kAmend));
  SALES_ASSIGN_OR_RETURN(bool pending, AmendmentStore::AnyPending(tx, plan.plan.id()));
  if (pending) {
    return WithErrorInfo(absl::FailedPreconditionError("another amendment of this plan awaits a decision"),
                         "AMENDMENT_PENDING", kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  absl::Status conv;
  std::vector<TargetChange> changes = ToChanges(plan.plan, request.amendment().changes(), &conv);
  SALES_RETURN_IF_ERROR(conv);
  SALES_ASSIGN_OR_RETURN(std::vector<AssignmentRecord> cells, ChangedCells(tx, plan, viewer, changes));
  SALES_ASSIGN_OR_RETURN(int64_t approver, ApproverOf(tx, plan, cells, call.principal));
  SALES_RETURN_IF_ERROR(CheckConserves(tx, plan, changes, clock_.Now()));
  v1::PlanAmendment a = request.amendment();
  a.set_base_version(plan.plan.version());
  a.set_approver_org_unit_id(approver);
  a.set_state(v1::AMENDMENT_STATE_PENDING_APPROVAL);
  SALES_ASSIGN_OR_RETURN(auto stored, AmendmentStore::Insert(tx, a, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(
      tx, plan.plan.id(), plan.plan.version(), AboutAmendment(stored.id()), call.principal, "AMENDMENT_REQUESTED", "",
      absl::StrCat("amendment ", stored.id()), a.reason(), call.request_id, clock_.Now()));
  v1::PlanAmendmentRequestedEvent e;
  *e.mutable_amendment() = stored;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(plan.plan.id()), e, call.request_id));
  v1::RequestPlanAmendmentResponse out;
  *out.mutable_amendment() = stored;
  return out;
}

absl::StatusOr<v1::ApprovePlanAmendmentResponse> PlanAmendments::Approve(
    db::Transaction& tx, const CallContext& call, const v1::ApprovePlanAmendmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto a, LockPending(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckApprover(viewer, a));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, a.plan_id(), ""));
  if (plan.plan.version() != a.base_version() || plan.plan.state() != v1::PLAN_STATE_SIGNED) {
    return WithErrorInfo(absl::FailedPreconditionError("the plan changed since the amendment was requested"),
                         "PLAN_CHANGED", kTargetsDomain);
  }
  absl::Time now = clock_.Now();
  int32_t base = plan.plan.version();
  int32_t next = base + 1;
  SALES_RETURN_IF_ERROR(PlanStore::CopyVersion(tx, plan.plan.id(), base, next, now));
  SALES_ASSIGN_OR_RETURN(std::vector<TargetChange> changes, ChangesOnVersion(tx, plan.plan, a, next));
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
  a.set_decision_reason(request.reason());
  if (!a.has_effective_date()) *a.mutable_effective_date() = FromCivilDay(BusinessDay(now));
  for (const auto& d : deltas) *a.add_deltas() = d;
  SALES_RETURN_IF_ERROR(AmendmentStore::Decide(tx, a, call.principal, now));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, plan.plan.id(), next, AboutAmendment(a.id()), call.principal,
                                                "AMENDMENT_APPROVED", absl::StrCat("v", base), absl::StrCat("v", next),
                                                request.reason(), call.request_id, now));
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
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(after.plan.id()), e, call.request_id));
  v1::ApprovePlanAmendmentResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_amendment(), AmendmentStore::Get(tx, a.id(), false));
  *out.mutable_plan() = after.plan;
  return out;
}

absl::StatusOr<v1::RejectPlanAmendmentResponse> PlanAmendments::Reject(db::Transaction& tx, const CallContext& call,
                                                                       const v1::RejectPlanAmendmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto a, LockPending(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckApprover(viewer, a));
  a.set_state(v1::AMENDMENT_STATE_REJECTED);
  a.set_decision_reason(request.reason());
  SALES_RETURN_IF_ERROR(AmendmentStore::Decide(tx, a, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, a.plan_id(), a.base_version(), AboutAmendment(a.id()),
                                                call.principal, "AMENDMENT_REJECTED", "PENDING_APPROVAL", "REJECTED",
                                                request.reason(), call.request_id, clock_.Now()));
  SALES_ASSIGN_OR_RETURN(auto stored, AmendmentStore::Get(tx, a.id(), false));
  v1::PlanAmendmentRejectedEvent e;
  *e.mutable_amendment() = stored;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Plan", absl::StrCat(a.plan_id()), e, call.request_id));
  v1::RejectPlanAmendmentResponse out;
  *out.mutable_amendment() = stored;
  return out;
}

absl::StatusOr<v1::WithdrawPlanAmendmentResponse> PlanAmendments::Withdraw(
    db::Transaction& tx, const CallContext& call, const v1::WithdrawPlanAmendmentRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto a, AmendmentStore::Get(tx, request.id(), /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckMayWithdraw(viewer, a.requested_by(), absl::StrCat("amendment ", a.id())));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), a.etag(), "plan amendment", a.id()));
  if (a.state() != v1::AMENDMENT_STATE_PENDING_APPROVAL) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("amendment ", a.id(), " is ", v1::AmendmentState_Name(a.state()),
                                                   "; only a PENDING_APPROVAL amendment can be withdrawn")),
        "AMENDMENT_STATE", kTargetsDomain);
  }
  // The requester's own decision: who withdrew it, when and why are kept
  // where an approver's would be; the signed version stays in force.
  a.set_state(v1::AMENDMENT_STATE_WITHDRAWN);
  a.set_decision_reason(request.reason());
  SALES_RETURN_IF_ERROR(AmendmentStore::Decide(tx, a, call.principal, clock_.Now()));
  SALES_RETURN_IF_ERROR(PlanStore::AuditRequest(tx, a.plan_id(), a.base_version(), AboutAmendment(a.id()),
                                                call.principal, "AMENDMENT_WITHDRAWN", "PENDING_APPROVAL", "WITHDRAWN",
                                                request.reason(), call.request_id, clock_.Now()));
  v1::WithdrawPlanAmendmentResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_amendment(), AmendmentStore::Get(tx, a.id(), false));
  return out;
}

absl::StatusOr<v1::ListPlanAmendmentsResponse> PlanAmendments::List(db::Transaction& tx, const CallContext& call,
                                                                    const v1::ListPlanAmendmentsRequest& request,
                                                                    int64_t before_id, int page_size) const {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  PlanReadability plans(viewer);
  if (request.plan_id() != 0) SALES_RETURN_IF_ERROR(plans.Require(tx, request.plan_id()));
  SALES_ASSIGN_OR_RETURN(
      auto items, ReadablePage<v1::PlanAmendment>(tx, plans, before_id, page_size, [&](int64_t before, int limit) {
        return AmendmentStore::List(tx, request, before, limit);
      }));
  v1::ListPlanAmendmentsResponse out;
  FillPage(std::move(items), page_size, &out, [](auto* r) { return r->add_amendments(); });
  return out;
}

}  // namespace sales::targets
