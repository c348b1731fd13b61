// The daily progress sweep (RunDailyProgressSweep), called by a Kubernetes
// CronJob once per business day; the workflow is app/progress_sweep.
#include "platform/call.h"
#include "platform/convert.h"
#include "platform/idempotency.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/progress_sweep.h"

namespace sales::targets {
namespace {

absl::Status ValidateRunDailyProgressSweep(const v1::RunDailyProgressSweepRequest& req, const Clock& clock) {
  SALES_RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  if (!req.has_as_of()) return InvalidField("as_of", "required");
  SALES_RETURN_IF_ERROR(ValidateDate(req.as_of(), "as_of"));
  // A day not over yet may be swept (the CronJob runs during it); a later
  // one has no actuals and would freeze wrong statuses.
  if (ToCivilDay(req.as_of()) > BusinessDay(clock.Now())) {
    return InvalidField("as_of", "must not be after today (company time)");
  }
  return absl::OkStatus();
}

}  // namespace

// Not ServeMutation: the sweep is not one transaction but one per plan and
// step, each idempotent on its own (app/progress_sweep.h).
grpc::Status TargetsApi::RunDailyProgressSweep(grpc::ServerContext* ctx, const v1::RunDailyProgressSweepRequest* req,
                                               v1::RunDailyProgressSweepResponse* resp) {
  return Serve(ctx, TargetsMethod("RunDailyProgressSweep"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(ValidateRunDailyProgressSweep(*req, *rt_.clock));
    SALES_ASSIGN_OR_RETURN(*resp, ProgressSweep(*rt_.pool, *rt_.clock, *rt_.outbox).Run(call, *req));
    return absl::OkStatus();
  });
}

}  // namespace sales::targets
