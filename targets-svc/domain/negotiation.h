// Negotiation and sign-off (domain.md §3 "Negotiation, then sign-off";
// seed 000 第三步/第四步: targets go down, objections come up, the manager
// weighs them, and the signed target is a written pledge 军令状).
//
// Plan:        DRAFT → ISSUED → SIGNED → (amendment) SUPERSEDED
//              DRAFT | ISSUED → CANCELLED
// Assignment:  DRAFT → ISSUED → ACCEPTED | COUNTER_PROPOSED
//              COUNTER_PROPOSED → ISSUED (manager revises or declines)
//              ACCEPTED → ISSUED (a revision changed its figure)
//              ISSUED | ACCEPTED → SIGNED when the plan is signed
// Directive mode (指令式分解) takes no feedback: ISSUED → SIGNED.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sales/targets/v1/plan.pb.h"

namespace sales::targets {

enum class PlanAction {
  kUpdate,  // edit title, totals, deadline
  kDecompose,
  kIssue,
  kRespond,           // an assignee accepts or counter-proposes
  kRevise,            // the manager revises figures
  kRequestReduction,  // ask the level above for a lower parent total
  kSign,
  kCancel,
  kAmend,  // request an amendment of a signed plan
};

// FAILED_PRECONDITION (reason PLAN_STATE) when `action` is not allowed in
// `state` for `mode`; says which state would allow it.
absl::Status CheckPlanAction(v1::PlanState state, v1::PlanMode mode, PlanAction action);

enum class AssignmentAction { kIssue, kAccept, kCounter, kDeclineCounter, kRevise, kSign };

// The state after `action`, or FAILED_PRECONDITION (reason ASSIGNMENT_STATE).
absl::StatusOr<v1::AssignmentState> NextAssignmentState(v1::AssignmentState from, AssignmentAction action);

// A negotiated plan signs when every negotiable assignment has accepted;
// FAILED_PRECONDITION (reason NOT_ALL_ACCEPTED) names how many are open.
absl::Status CheckCanSign(v1::PlanMode mode, int32_t pending, int32_t counter_proposed);

// The revision rule: the revised children of a parent must still add up to
// the parent's target. When they do not, FAILED_PRECONDITION (reason
// REVISION_CHANGES_PARENT) tells the manager to raise siblings or to ask
// the level above for a lower parent total (RequestTargetReduction).
absl::Status CheckRevisionHoldsParent(int64_t parent_target, const std::vector<int64_t>& children_after);

// Re-splits a changed cell's children in their previous proportions
// (largest remainder; previous all-zero → equal shares), so that a revision
// keeps every level below conserved.
absl::StatusOr<std::vector<int64_t>> RescaleChildren(int64_t new_total, const std::vector<int64_t>& old_children);

// Field checks of a new plan; fills defaults (NEGOTIATED mode, the settings'
// currency for money metrics).
absl::Status ValidateNewPlan(v1::Plan& plan, const std::string& default_currency);

// A counter-proposal carries a reason and a figure that differs from the
// current one and is not negative.
absl::Status ValidateCounterProposal(int64_t current_target, int64_t proposed_target, const std::string& reason);

}  // namespace sales::targets
