// The baseline behind a target (seed 000 第二步): a node's proposed figure for
// a fiscal year or a period of it from the same months of the past years and
// the market outlook (domain/baseline.h does the arithmetic), and the same
// for each child of the node, an equal split of the parent's where a child
// has no history.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/domain/baseline.h"

namespace sales::targets {

// The settings' baseline weights as the baseline rule takes them.
BaselineWeightsBp WeightsOf(const v1::BaselineWeights& w);

class BaselineComputation {
 public:
  // `request` is well formed (api/: the year and the metric). Managers for
  // their subtree, the director and admin for anything; INVALID_ARGUMENT for
  // a period outside the year or an unknown child dimension.
  absl::StatusOr<v1::ComputeBaselineResponse> Compute(db::Transaction& tx, const CallContext& call,
                                                      const v1::ComputeBaselineRequest& request) const;
};

}  // namespace sales::targets
