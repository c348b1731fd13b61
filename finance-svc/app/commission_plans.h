// Commission plans (提成方案) put in force: the plan is configuration with
// effective dates, versioned by name, so activating a version ends the
// earlier ACTIVE versions of the same name the day before it starts.
#pragma once

#include "absl/status/statusor.h"
#include "finance-svc/app/commission_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/finance/v1/commission_messages.pb.h"

namespace sales::finance {

class CommissionPlans {
 public:
  explicit CommissionPlans(const Clock& clock) : clock_(clock) {}

  // The director activates a DRAFT plan (request well formed: id, etag,
  // reason): earlier ACTIVE versions of its name are cut back to end the
  // day before it (RETIRED when wholly replaced), each audited
  // PLAN_SUPERSEDED. FAILED_PRECONDITION PLAN_NOT_DRAFT, MONTHS_APPROVED
  // (months the plan covers already have approved statements); ABORTED on
  // a stale etag.
  absl::StatusOr<v1::ActivateCommissionPlanResponse> Activate(CommissionBook& book, const CallContext& call,
                                                              const v1::ActivateCommissionPlanRequest& request);

 private:
  const Clock& clock_;
};

}  // namespace sales::finance
