#include "targets-svc/app/progress_reviews.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/app/plan_negotiation.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/progress.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

// The rep's manager or above reviews; a manager does not review themself.
absl::Status CheckReviewer(const Viewer& viewer, const v1::Rep& rep) {
  if (!CanManage(viewer, rep.org_unit_id())) {
    if (viewer.principal.role == kRoleManager) return OutOfScope(absl::StrCat("rep ", rep.id()));
    return RoleNotAllowed(viewer, "record a progress review (the rep's manager does)");
  }
  if (!viewer.act_everywhere && viewer.principal.rep_id == rep.id()) {
    return RoleNotAllowed(viewer, "review their own progress (the level above does)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CreateProgressReviewResponse> ProgressReviews::Create(
    db::Transaction& tx, const CallContext& call, const v1::CreateProgressReviewRequest& request) const {
  const v1::ProgressReview& asked = request.review();
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(v1::Rep rep, RepStore::Get(tx, asked.rep_id()));
  SALES_RETURN_IF_ERROR(CheckReviewer(viewer, rep));
  SALES_RETURN_IF_ERROR(CheckReviewable(rep.status(), rep.id()));
  SALES_RETURN_IF_ERROR(SpanOf(asked.period(), "review.period").status());
  v1::Metric metric = request.metric() == v1::METRIC_UNSPECIFIED ? v1::METRIC_SALES_AMOUNT : request.metric();
  v1::TargetNode node;
  node.set_rep_id(rep.id());
  // The figures as they stand on the review date, stored by value.
  SALES_ASSIGN_OR_RETURN(v1::Progress snapshot,
                         ProgressReading(clock_).ProgressOf(tx, node, asked.period(), asked.review_date(),
                                                            v1::PROGRESS_WINDOW_FULL_PERIOD, metric, 0));
  snapshot.set_label(rep.name());
  v1::ProgressReview review;
  review.set_rep_id(rep.id());
  review.set_org_unit_id(rep.org_unit_id());
  *review.mutable_period() = asked.period();
  *review.mutable_review_date() = asked.review_date();
  review.set_rep_summary(asked.rep_summary());
  review.set_manager_comments(asked.manager_comments());
  *review.mutable_action_items() = asked.action_items();
  if (asked.has_next_review_date()) *review.mutable_next_review_date() = asked.next_review_date();
  *review.mutable_progress_snapshot() = std::move(snapshot);
  if (call.principal.authenticated()) *review.mutable_reviewer() = ActorOf(call.principal);
  absl::Time now = clock_.Now();
  *review.mutable_create_time() = ToTimestamp(now);
  SALES_ASSIGN_OR_RETURN(
      int64_t id, ReviewStore::Insert(tx, review, metric, call.principal.authenticated() ? call.principal.Encode() : "",
                                      call.request_id, now));
  review.set_id(id);
  v1::CreateProgressReviewResponse out;
  *out.mutable_review() = std::move(review);
  return out;
}

absl::StatusOr<v1::ListProgressReviewsResponse> ProgressReviews::List(
    db::Transaction& tx, const CallContext& call, const v1::ListProgressReviewsRequest& request) const {
  SALES_ASSIGN_OR_RETURN(int page, PageSize(request.page_size(), kPageOfRecords));
  SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(request.page_token()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  ReviewFilter filter;
  SALES_ASSIGN_OR_RETURN(filter.scope,
                         ListScopeOf(tx, viewer, request.rep_id(), request.org_unit_id(), "progress reviews"));
  filter.dates = request.date_range();
  SALES_ASSIGN_OR_RETURN(auto reviews, ReviewStore::List(tx, filter, after, page + 1));
  v1::ListProgressReviewsResponse out;
  FillPage(std::move(reviews), page, &out, [](v1::ListProgressReviewsResponse* r) { return r->add_reviews(); });
  return out;
}

}  // namespace sales::targets
