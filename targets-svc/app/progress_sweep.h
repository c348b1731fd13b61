// The daily progress sweep (RunDailyProgressSweep), called by a Kubernetes
// CronJob once per business day: every node's status for the month as of the
// date, published when it changes, and each closed month's attainment
// published once (again only as a restatement when late actuals or an
// amended plan changed the figures). Safe to run twice for one date.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "sales/targets/v1/progress_messages.pb.h"

namespace sales::targets {

class ProgressSweep {
 public:
  // The sweep runs its own transactions (one per plan and step), hence the
  // pool rather than a transaction.
  ProgressSweep(db::Pool& pool, const Clock& clock, Outbox& outbox) : pool_(pool), clock_(clock), outbox_(outbox) {}

  // `request` is well formed (api/: request_id, an as_of not after today).
  // PERMISSION_DENIED unless a service or admin calls. Each step is
  // idempotent on a key derived from the request, so a rerun with the same
  // request id after a crash or a cancellation finishes the rest, and a
  // replay of a finished sweep changes nothing and answers as before.
  absl::StatusOr<v1::RunDailyProgressSweepResponse> Run(const CallContext& call,
                                                        const v1::RunDailyProgressSweepRequest& request);

 private:
  absl::Status Authorize(const CallContext& call);
  // The plans to sweep, fixed by the first attempt.
  absl::StatusOr<v1::ListPlansResponse> PlansToSweep(const CallContext& call,
                                                     const v1::RunDailyProgressSweepRequest& request,
                                                     absl::CivilDay day, absl::CivilMonth last_closed);
  // Status of every node of one plan for the month of `day`.
  absl::StatusOr<v1::RunDailyProgressSweepResponse> SweepStatuses(db::Transaction& tx, const CallContext& call,
                                                                  int64_t plan_id, absl::CivilDay day);
  // Attainment of the months of the fiscal year up to `last_closed`.
  absl::StatusOr<v1::RunDailyProgressSweepResponse> PublishAttainments(db::Transaction& tx, const CallContext& call,
                                                                       int64_t plan_id, absl::CivilMonth last_closed);

  db::Pool& pool_;
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
