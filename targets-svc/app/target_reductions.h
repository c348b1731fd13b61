// Asking the level above for a lower parent total (the second branch of the
// revision rule) and deciding it: approve with sibling raises, lower the
// plan total at the root, or escalate one level up — or withdraw it. Every
// step is audited on the parent cell and in the request's own trail.
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

class TargetReductions {
 public:
  TargetReductions(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // `request` is well formed (api/: the plan, at least one child change, a
  // reason). The manager of the parent cell asks for its children's new
  // figures; FAILED_PRECONDITION (NOT_A_REDUCTION) unless they sum below the
  // parent, (REDUCTION_PENDING) while another one for the cell waits.
  absl::StatusOr<v1::RequestTargetReductionResponse> Request(db::Transaction& tx, const CallContext& call,
                                                             const v1::RequestTargetReductionRequest& request);
  // The deciding level approves — the parent, the named children, what
  // reductions escalated into this one asked for, and the siblings it raises
  // change together — or escalates it as a reduction of the grandparent.
  absl::StatusOr<v1::ApproveTargetReductionResponse> Approve(db::Transaction& tx, const CallContext& call,
                                                             const v1::ApproveTargetReductionRequest& request);
  absl::StatusOr<v1::RejectTargetReductionResponse> Reject(db::Transaction& tx, const CallContext& call,
                                                           const v1::RejectTargetReductionRequest& request);
  // The requester (or an admin) takes back a PENDING request; who, when and
  // why are kept on it and in its audit trail.
  absl::StatusOr<v1::WithdrawTargetReductionResponse> Withdraw(db::Transaction& tx, const CallContext& call,
                                                               const v1::WithdrawTargetReductionRequest& request);
  // `request` is well formed (api/: the page checked). Newest first, below
  // `before_id` (0 = from the newest), the requests of plans the caller may
  // read (as GetPlanAmendment: CanReadPlan); NOT_FOUND or PERMISSION_DENIED
  // for a plan_id filter naming a plan that is unknown or out of scope.
  absl::StatusOr<v1::ListTargetReductionsResponse> List(db::Transaction& tx, const CallContext& call,
                                                        const v1::ListTargetReductionsRequest& request,
                                                        int64_t before_id, int page_size) const;

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
