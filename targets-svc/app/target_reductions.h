// Asking the level above for a lower parent total (the second branch of the
// revision rule) and deciding it: approve with sibling raises, lower the
// plan total at the root, or escalate one level up.
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

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
