// The progress read model: a node's target against its actual for a period
// as of a date (what GetProgress, GetRanking, the weekly and monthly reports
// and the daily sweep all show), and the report row built on it.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/progress.pb.h"
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

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
