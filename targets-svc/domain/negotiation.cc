#include "targets-svc/domain/negotiation.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {
namespace {

const char* ActionName(PlanAction a) {
  switch (a) {
    case PlanAction::kUpdate:
      return "edit";
    case PlanAction::kDecompose:
      return "decompose";
    case PlanAction::kIssue:
      return "issue";
    case PlanAction::kRespond:
      return "accept or counter-propose";
    case PlanAction::kRevise:
      return "revise";
    case PlanAction::kRequestReduction:
      return "request a target reduction for";
    case PlanAction::kSign:
      return "sign";
    case PlanAction::kCancel:
      return "cancel";
    case PlanAction::kAmend:
      return "amend";
  }
  return "act on";
}

absl::Status WrongPlanState(v1::PlanState state, PlanAction action, const char* needs) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("cannot ", ActionName(action), " a plan in state ",
                                                                  v1::PlanState_Name(state), "; it must be ", needs)),
                       "PLAN_STATE", kTargetsDomain, {{"state", v1::PlanState_Name(state)}});
}

}  // namespace

absl::Status CheckPlanAction(v1::PlanState state, v1::PlanMode mode, PlanAction action) {
  switch (action) {
    case PlanAction::kUpdate:
    case PlanAction::kDecompose:
    case PlanAction::kIssue:
      return state == v1::PLAN_STATE_DRAFT ? absl::OkStatus() : WrongPlanState(state, action, "DRAFT");
    case PlanAction::kRespond:
    case PlanAction::kRequestReduction:
      if (state != v1::PLAN_STATE_ISSUED) return WrongPlanState(state, action, "ISSUED");
      if (mode == v1::PLAN_MODE_DIRECTIVE) {
        return WithErrorInfo(
            absl::FailedPreconditionError("a directive plan (指令式) takes no feedback round; it goes to signature"),
            "DIRECTIVE_PLAN", kTargetsDomain);
      }
      return absl::OkStatus();
    case PlanAction::kRevise:
    case PlanAction::kSign:
      return state == v1::PLAN_STATE_ISSUED ? absl::OkStatus() : WrongPlanState(state, action, "ISSUED");
    case PlanAction::kCancel:
      return state == v1::PLAN_STATE_DRAFT || state == v1::PLAN_STATE_ISSUED
                 ? absl::OkStatus()
                 : WrongPlanState(state, action, "DRAFT or ISSUED (a signed plan changes only by amendment)");
    case PlanAction::kAmend:
      return state == v1::PLAN_STATE_SIGNED ? absl::OkStatus() : WrongPlanState(state, action, "SIGNED");
  }
  return absl::InternalError("unknown plan action");
}

absl::StatusOr<v1::AssignmentState> NextAssignmentState(v1::AssignmentState from, AssignmentAction action) {
  using S = v1::AssignmentState;
  auto refuse = [&](const char* what) -> absl::Status {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("cannot ", what, " an assignment that is ", v1::AssignmentState_Name(from))),
                         "ASSIGNMENT_STATE", kTargetsDomain, {{"state", v1::AssignmentState_Name(from)}});
  };
  switch (action) {
    case AssignmentAction::kIssue:
      if (from == S::ASSIGNMENT_STATE_DRAFT) return S::ASSIGNMENT_STATE_ISSUED;
      return refuse("issue");
    case AssignmentAction::kAccept:
      if (from == S::ASSIGNMENT_STATE_ISSUED) return S::ASSIGNMENT_STATE_ACCEPTED;
      return refuse("accept");
    case AssignmentAction::kCounter:
      if (from == S::ASSIGNMENT_STATE_ISSUED) return S::ASSIGNMENT_STATE_COUNTER_PROPOSED;
      return refuse("counter-propose");
    case AssignmentAction::kDeclineCounter:
      if (from == S::ASSIGNMENT_STATE_COUNTER_PROPOSED) return S::ASSIGNMENT_STATE_ISSUED;
      return refuse("decline the counter-proposal of");
    case AssignmentAction::kRevise:
      // A new figure needs a new answer from the assignee.
      if (from == S::ASSIGNMENT_STATE_ISSUED || from == S::ASSIGNMENT_STATE_ACCEPTED ||
          from == S::ASSIGNMENT_STATE_COUNTER_PROPOSED) {
        return S::ASSIGNMENT_STATE_ISSUED;
      }
      return refuse("revise");
    case AssignmentAction::kSign:
      if (from == S::ASSIGNMENT_STATE_ISSUED || from == S::ASSIGNMENT_STATE_ACCEPTED) {
        return S::ASSIGNMENT_STATE_SIGNED;
      }
      return refuse("sign");
  }
  return absl::InternalError("unknown assignment action");
}

absl::Status CheckCanSign(v1::PlanMode mode, int32_t pending, int32_t counter_proposed) {
  if (mode == v1::PLAN_MODE_DIRECTIVE) return absl::OkStatus();
  if (pending == 0 && counter_proposed == 0) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("not every assignee has accepted: ", pending, " still to answer, ",
                                                 counter_proposed, " counter-proposals open")),
      "NOT_ALL_ACCEPTED", kTargetsDomain,
      {{"pending", absl::StrCat(pending)}, {"counter_proposed", absl::StrCat(counter_proposed)}});
}

absl::Status CheckRevisionHoldsParent(int64_t parent_target, const std::vector<int64_t>& children_after) {
  for (int64_t c : children_after) {
    if (c < 0) return InvalidField("changes.new_target", "must be >= 0");
  }
  // Checked: revised parts that wrap around int64 could otherwise "add up"
  // to the parent and pass.
  int64_t sum = 0;
  for (int64_t c : children_after) {
    SALES_ASSIGN_OR_RETURN(sum, CheckedAdd(sum, c, "changes.new_target"));
  }
  if (sum == parent_target) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(
                           absl::StrCat("the revised parts add up to ", sum, " but their parent is ", parent_target,
                                        "; ", sum < parent_target ? "raise other parts by " : "lower other parts by ",
                                        sum < parent_target ? parent_target - sum : sum - parent_target,
                                        " or ask the level above for a new parent total (RequestTargetReduction)")),
                       "REVISION_CHANGES_PARENT", kTargetsDomain,
                       {{"parent_target", absl::StrCat(parent_target)}, {"children_sum", absl::StrCat(sum)}});
}

absl::StatusOr<std::vector<int64_t>> RescaleChildren(int64_t new_total, const std::vector<int64_t>& old_children) {
  if (old_children.empty()) return std::vector<int64_t>{};
  std::vector<int64_t> weights = old_children;
  for (auto& w : weights) w = std::max<int64_t>(w, 0);
  return AllocateLargestRemainder(new_total, weights);
}

absl::Status ValidateNewPlan(v1::Plan& plan, const std::string& default_currency) {
  std::vector<FieldViolation> v;
  if (plan.title().empty() || plan.title().size() > 200) v.push_back({"plan.title", "required, at most 200 bytes"});
  if (plan.fiscal_year() < 2000 || plan.fiscal_year() > 2100) v.push_back({"plan.fiscal_year", "must be 2000..2100"});
  if (plan.metric() == v1::METRIC_UNSPECIFIED || !v1::Metric_IsValid(plan.metric())) {
    v.push_back({"plan.metric", "required"});
  }
  if (plan.mode() == v1::PLAN_MODE_UNSPECIFIED) plan.set_mode(v1::PLAN_MODE_NEGOTIATED);
  if (!v1::PlanMode_IsValid(plan.mode())) v.push_back({"plan.mode", "NEGOTIATED or DIRECTIVE"});
  if (plan.org_unit_id() <= 0) v.push_back({"plan.org_unit_id", "required, > 0"});
  if (plan.currency_code().empty()) plan.set_currency_code(default_currency);
  if (plan.note().size() > 2000) v.push_back({"plan.note", "at most 2000 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateCounterProposal(int64_t current_target, int64_t proposed_target, const std::string& reason) {
  std::vector<FieldViolation> v;
  if (reason.empty()) v.push_back({"reason", "a counter-proposal needs a reason"});
  if (reason.size() > 2000) v.push_back({"reason", "at most 2000 bytes"});
  if (proposed_target < 0) v.push_back({"proposed_target", "must be >= 0"});
  if (proposed_target == current_target) v.push_back({"proposed_target", "equals the current figure; accept instead"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace sales::targets
