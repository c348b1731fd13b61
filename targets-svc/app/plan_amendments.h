// Amending a signed plan (domain.md §3): a manager asks for new figures for
// some cells, the level above decides; approval copies the plan into a new
// signed version with the figures applied (the old version stays readable,
// SUPERSEDED), rejection or the requester's withdrawal leaves the plan as it
// is. Every step is in the plan's audit trail and the amendment's own.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/targets/v1/plan_messages.pb.h"

namespace sales::targets {

class PlanAmendments {
 public:
  PlanAmendments(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // `request` is well formed (api/: the plan, at least one change, a
  // reason). One pending amendment per plan; the changed cells must be the
  // caller's to manage and the figures must conserve (tried, then rolled
  // back). The approver is the level above the owner of the highest changed
  // cell — above the requester's own level for a manager.
  absl::StatusOr<v1::RequestPlanAmendmentResponse> Request(db::Transaction& tx, const CallContext& call,
                                                           const v1::RequestPlanAmendmentRequest& request);
  // The approver (never the requester) applies it to a new version;
  // FAILED_PRECONDITION (PLAN_CHANGED) when the plan moved since the request.
  absl::StatusOr<v1::ApprovePlanAmendmentResponse> Approve(db::Transaction& tx, const CallContext& call,
                                                           const v1::ApprovePlanAmendmentRequest& request);
  absl::StatusOr<v1::RejectPlanAmendmentResponse> Reject(db::Transaction& tx, const CallContext& call,
                                                         const v1::RejectPlanAmendmentRequest& request);
  // The requester (or an admin) takes back a PENDING_APPROVAL amendment;
  // who, when and why are kept on it and in its audit trail.
  absl::StatusOr<v1::WithdrawPlanAmendmentResponse> Withdraw(db::Transaction& tx, const CallContext& call,
                                                             const v1::WithdrawPlanAmendmentRequest& request);
  // `request` is well formed (api/: the page checked). Newest first, below
  // `before_id` (0 = from the newest), the amendments of plans the caller
  // may read (as GetPlanAmendment); NOT_FOUND or PERMISSION_DENIED for a
  // plan_id filter naming a plan that is unknown or out of scope.
  absl::StatusOr<v1::ListPlanAmendmentsResponse> List(db::Transaction& tx, const CallContext& call,
                                                      const v1::ListPlanAmendmentsRequest& request, int64_t before_id,
                                                      int page_size) const;

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
