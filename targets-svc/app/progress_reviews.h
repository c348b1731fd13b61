// Progress reviews (述职督导, seed 000 第六步): the manager's record of a
// rep's account of their progress and the actions agreed, kept with the
// figures the review judged — a snapshot taken on the review date, so that
// later actuals, amendments or moves never rewrite what was discussed.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/targets/v1/progress_messages.pb.h"

namespace sales::targets {

class ProgressReviews {
 public:
  explicit ProgressReviews(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/: the review's fields, a WEEK or MONTH
  // period). The rep's manager — a manager whose subtree holds the rep's
  // unit — or above (the director, ADMIN); never the rep, and a manager's
  // own review is held by the level above. NOT_FOUND for an unknown rep;
  // FAILED_PRECONDITION (REP_LEFT) when the rep has left, and
  // (NO_SIGNED_PLAN) when no signed plan gives the rep a target to review
  // against. The review keeps the rep's unit of the day and the progress of
  // the period as of the review date, in `request.metric` (default
  // SALES_AMOUNT).
  absl::StatusOr<v1::CreateProgressReviewResponse> Create(db::Transaction& tx, const CallContext& call,
                                                          const v1::CreateProgressReviewRequest& request) const;

  // `request` is well formed (api/). Reviews of the caller's scope
  // (ListScopeOf: a rep their own) narrowed by the filters, newest first.
  absl::StatusOr<v1::ListProgressReviewsResponse> List(db::Transaction& tx, const CallContext& call,
                                                       const v1::ListProgressReviewsRequest& request) const;

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
