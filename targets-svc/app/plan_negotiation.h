// Negotiating a plan (seed 000 第三步/第四步; domain/negotiation.h holds the
// state machines): the manager issues the decomposed plan, each assignee
// accepts their cell or counter-proposes, the manager declines a
// counter-proposal or revises the figures among siblings, and the plan is
// signed — or cancelled before that. Every step writes the plan's audit
// trail and an event.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/targets/v1/plan.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "targets-svc/app/revision.h"

namespace sales::targets {

// The caller as events and plans record who acted.
common::v1::Actor ActorOf(const Principal& p);

// The request's changes as integer figures in the plan's metric; on a value
// that does not fit the metric, sets `status` (INVALID_ARGUMENT naming
// changes[i].new_target) and returns nothing.
std::vector<TargetChange> ToChanges(const v1::Plan& plan,
                                    const google::protobuf::RepeatedPtrField<v1::AssignmentChange>& in,
                                    absl::Status* status);

class PlanNegotiation {
 public:
  PlanNegotiation(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, required fields and
  // reasons). Plans and cells are locked and their etags checked first;
  // FAILED_PRECONDITION when the plan's or the cell's state does not allow
  // the step.

  // The manager of the plan's unit sends a decomposed plan out for answers.
  absl::StatusOr<v1::IssuePlanResponse> Issue(db::Transaction& tx, const CallContext& call,
                                              const v1::IssuePlanRequest& request);
  // The assignee (or, for a rep who left, the manager of the rep's unit)
  // takes their cell's figure.
  absl::StatusOr<v1::AcceptAssignmentResponse> Accept(db::Transaction& tx, const CallContext& call,
                                                      const v1::AcceptAssignmentRequest& request);
  // The assignee objects with another figure and a reason.
  absl::StatusOr<v1::CounterProposeAssignmentResponse> CounterPropose(
      db::Transaction& tx, const CallContext& call, const v1::CounterProposeAssignmentRequest& request);
  // The manager above the cell keeps the figure; the cell is ISSUED again.
  absl::StatusOr<v1::DeclineCounterProposalResponse> DeclineCounterProposal(
      db::Transaction& tx, const CallContext& call, const v1::DeclineCounterProposalRequest& request);
  // The manager moves figures among the children of one cell (the revision
  // rule: the parent stays); changed negotiable cells are ISSUED again.
  absl::StatusOr<v1::ReviseAssignmentsResponse> Revise(db::Transaction& tx, const CallContext& call,
                                                       const v1::ReviseAssignmentsRequest& request);
  // The manager signs once every negotiable cell accepted and no reduction
  // awaits a decision: the cells become the signed targets (军令状).
  absl::StatusOr<v1::SignPlanResponse> Sign(db::Transaction& tx, const CallContext& call,
                                            const v1::SignPlanRequest& request);
  absl::StatusOr<v1::CancelPlanResponse> Cancel(db::Transaction& tx, const CallContext& call,
                                                const v1::CancelPlanRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
