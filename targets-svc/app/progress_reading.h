// The progress read model: a node's target against its actual for a period
// as of a date (what GetProgress, GetRanking, the weekly and monthly reports
// and the daily sweep all show), the report row built on it, a node's
// progress broken down (ListProgress), and the actuals behind it as lists
// (ListActualCells, ListActualEntries).
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "sales/targets/v1/progress.pb.h"
#include "sales/targets/v1/progress_messages.pb.h"
#include "sales/targets/v1/report.pb.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/progress.h"

namespace sales::targets {

// The first and last day of a period.
struct PeriodSpan {
  absl::CivilDay start, end;
};

// A WEEK, MONTH, QUARTER or YEAR period as days; INVALID_ARGUMENT on
// `field`.start for a start its kind does not allow, on `field`.kind for
// another kind.
absl::StatusOr<PeriodSpan> SpanOf(const common::v1::Period& p, const char* field);

// The settings' status thresholds as the progress rule takes them.
StatusThresholdsBp ThresholdsOf(const v1::TargetSettings& s);

// PERMISSION_DENIED (OUT_OF_SCOPE) unless the viewer may see the node's
// figures: everyone who reads everywhere, a manager for a unit of their
// subtree, anyone for a rep they see.
absl::Status CheckNodeVisible(const Viewer& v, const v1::TargetNode& node);

// NOT_FOUND when the node names a unit, rep or product line that does not
// exist (customers live in customers-svc and are not checked).
absl::Status CheckNodeExists(db::Transaction& tx, const v1::TargetNode& node);

// Which records of a list (expenses, progress reviews, actuals) the viewer
// may see, narrowed by the request's rep and unit filters (0 = none; a unit
// means its subtree): a rep their own (another rep's are refused), a
// manager those booked to their subtree (a unit outside it is refused),
// finance, services, the director and ADMIN everything; other roles are
// refused. NOT_FOUND for a filter naming an unknown rep or unit. `what`
// names the records in a refusal.
absl::StatusOr<RecordScope> ListScopeOf(db::Transaction& tx, const Viewer& v, int64_t rep_filter, int64_t unit_filter,
                                        const std::string& what);

// ListActualCells pages: 1..5000 cells, 500 when unset (the contract's
// figures: a year of one unit's reps × lines in a page or two).
inline constexpr PageLimits kPageOfActualCells{500, 5000};

class ProgressReading {
 public:
  explicit ProgressReading(const Clock& clock) : clock_(clock) {}

  // Target vs actual of a node for a period as of a date (today, company
  // time, when `as_of` is unset), against `plan_id` or else the most
  // specific SIGNED plan covering the node. FAILED_PRECONDITION
  // (NO_SIGNED_PLAN) when no signed plan covers it; NOT_FOUND for a unit
  // that does not exist.
  absl::StatusOr<v1::Progress> ProgressOf(db::Transaction& tx, const v1::TargetNode& node,
                                          const common::v1::Period& period, const common::v1::Date& as_of,
                                          v1::ProgressWindow window, v1::Metric metric, int64_t plan_id) const;

  // One target-vs-actual row of the weekly/monthly reports: the period as of
  // today (or its end), the period before, the same period last year and
  // the year to date.
  absl::StatusOr<v1::TargetVsActualRow> ReportRow(db::Transaction& tx, const v1::TargetNode& node,
                                                  const std::string& label, const common::v1::Period& period,
                                                  v1::Metric metric, int64_t plan_id) const;

  // `request` is well formed (api/). The node's own figures, exactly what
  // GetProgress answers for it, and one row per group (child unit, rep,
  // portfolio role, product line, month or named customer) against the same
  // plan, in key order, those in `request.status` only. Scoped as
  // GetProgress; INVALID_ARGUMENT on group_by for a breakdown the node has
  // none of (a rep's child units, a week's months).
  absl::StatusOr<v1::ListProgressResponse> Breakdown(db::Transaction& tx, const CallContext& call,
                                                     const v1::ListProgressRequest& request) const;

  // The expense budget (费用指标) of a node for the days of `span`, from
  // the SIGNED plan covering the node in the span's year — the sales-amount
  // plan first, then the other metrics in proto order — prorated as the
  // target is; 0 when no signed plan covers it.
  absl::StatusOr<int64_t> ExpenseBudgetOf(db::Transaction& tx, const v1::TargetNode& node,
                                          const PeriodSpan& span) const;

 private:
  const Clock& clock_;
};

// The actuals behind progress (monthly cells and the credited entries), for
// what the caller may see (ListScopeOf).
class ActualsReading {
 public:
  // `request` is well formed (api/: two MONTH periods, in order).
  static absl::StatusOr<v1::ListActualCellsResponse> Cells(db::Transaction& tx, const CallContext& call,
                                                           const v1::ListActualCellsRequest& request);
  // `request` is well formed (api/).
  static absl::StatusOr<v1::ListActualEntriesResponse> Entries(db::Transaction& tx, const CallContext& call,
                                                               const v1::ListActualEntriesRequest& request);
};

}  // namespace sales::targets
