// Progress arithmetic of one node and period (domain.md §3 "Progress";
// seed 000 第六步, 003 监控销售进展): target against actual as of a date,
// attainment, time progress, gap, run-rate still needed, straight-line
// forecast, pace and status. Pure: the date comes in as `as_of`, never from a
// clock; integers and basis points only, intermediate products in int128.
//
// Rounding, stated once for every figure below:
//   - "half away" = to the nearest integer, halves away from zero (what
//     progress.proto calls "half up", in the BigDecimal HALF_UP sense, so a
//     net-negative actual rounds symmetrically with a positive one);
//   - "ceil" = up to the next integer (only applied to positive quotients).
// Every *_bp figure is clamped into int32 (the proto field type) after
// rounding; only an absurd ratio (e.g. actual 10^14 against target 1) can
// reach the clamp.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/status.h"
#include "sales/targets/v1/progress.pb.h"
#include "sales/targets/v1/rep.pb.h"

namespace sales::targets {

// Pace thresholds in basis points of pace (10000 = exactly on pace); the
// defaults are the seeded TargetSettings.status_thresholds.
struct StatusThresholdsBp {
  int32_t ahead_min_pace_bp = 11000;
  int32_t on_track_min_pace_bp = 9500;
  int32_t at_risk_min_pace_bp = 8000;
};

// Each threshold must be 1..100000 and ahead >= on_track >= at_risk, as
// settings.proto StatusThresholds states (equal thresholds are allowed: they
// simply empty the band between them). INVALID_ARGUMENT with one field
// violation per offending field, named "status_thresholds.<field>".
absl::Status ValidateThresholds(const StatusThresholdsBp& t);
// The same checks, appended to `out` (for callers collecting several).
void AppendThresholdViolations(const StatusThresholdsBp& t, std::vector<FieldViolation>& out);

// Longest period accepted: ten years. Periods are at most a fiscal year; the
// bound keeps days_in_period an int32 and the forecast (|actual| < 10^15
// times days_in_period) inside int64.
inline constexpr int32_t kMaxProgressPeriodDays = 3660;
// Largest |target| / |actual| accepted, as for money (platform/money.h).
inline constexpr int64_t kMaxProgressAmount = 1'000'000'000'000'000;  // 10^15

struct ProgressInput {
  int64_t target = 0;           // minor units or a count; 0 <= target < 10^15
  int64_t actual = 0;           // may be negative after returns; |actual| < 10^15
  absl::CivilDay period_start;  // first day, inclusive
  absl::CivilDay period_end;    // last day, inclusive
  absl::CivilDay as_of;         // figures are "at the end of this day"
};

// With D = days_in_period, E = days_elapsed:
struct ProgressFigures {
  // actual × 10000 / target, half away. 0 when target is 0 (progress.proto:
  // "0 when target is 0"; the status rule below covers that case).
  int32_t attainment_bp = 0;
  // clamp(as_of − period_start + 1, 0, D): 0 before the period, D after it.
  int32_t days_elapsed = 0;
  // period_end − period_start + 1.
  int32_t days_in_period = 0;
  // E × 10000 / D, half up (never negative).
  int32_t time_progress_bp = 0;
  // target − actual; negative when the target is exceeded (surplus).
  int64_t gap = 0;
  // D − E: whole days after as_of.
  int32_t days_remaining = 0;
  // ceil(gap / days_remaining) when gap > 0 and days remain; 0 when gap <= 0
  // and, as progress.proto states, 0 when no days remain (the period is over
  // and no rate can close the gap; `gap` still shows what was missed).
  int64_t daily_run_rate_needed = 0;
  // Straight line: actual × D / E, half away, when E > 0; 0 before the
  // period starts. After the period it equals actual.
  int64_t forecast = 0;
  // forecast × 10000 / target, half away; 0 when target is 0.
  int32_t forecast_attainment_bp = 0;
  // attainment_bp × 10000 / time_progress_bp, half away, computed from the
  // two rounded figures so a reader can recompute it from the response; 0
  // before the period starts and when target is 0.
  int32_t pace_bp = 0;
  // Before the period starts (E == 0): ON_TRACK, nothing can be judged yet.
  // Target 0: ON_TRACK when actual >= 0 (nothing was asked and nothing is
  // owed), BEHIND when net returns left actual < 0 (gap > 0).
  // Otherwise by pace, each bound inclusive: AHEAD when pace >= ahead_min,
  // ON_TRACK when >= on_track_min, AT_RISK when >= at_risk_min, else BEHIND
  // (e.g. BEHIND when attainment < 80 % of time progress).
  v1::ProgressStatus status = v1::PROGRESS_STATUS_UNSPECIFIED;
};

// INVALID_ARGUMENT with field violations for: "target" (< 0 or >= 10^15),
// "actual" (|actual| >= 10^15), "period_start" / "period_end" / "as_of"
// (year outside 1900..9999, the common.v1.Date range), "period_end" (before
// period_start, or a period longer than kMaxProgressPeriodDays), and the
// thresholds as in ValidateThresholds. Within those bounds no product
// overflows and every figure fits its field.
absl::StatusOr<ProgressFigures> ComputeProgress(const ProgressInput& in, const StatusThresholdsBp& t);

// The status for a pace, by the inclusive thresholds (no special cases).
v1::ProgressStatus StatusForPace(int32_t pace_bp, const StatusThresholdsBp& t);

// part × 10000 / whole, clamped into int32; 0 when whole <= 0 (a share of
// no budget or of no sales is not a figure). Rounded half up for part >= 0;
// a negative part (a growth below last year) is rounded as
// (2 × part × 10000 + whole) / (2 × whole) truncates, as the reports always
// have. The ratio Progress and ExpenseSummary show for expenses.
int32_t ShareBp(int64_t part, int64_t whole);

// Expense used against the budget issued with the target and against sales
// (seed 000 第五步: 费用指标 goes out with the sales target; 费用率 =
// expense / sales).
struct ExpenseFigures {
  int64_t budget = 0;
  int64_t used = 0;       // POSTED expenses only: a reversal gives the budget back
  int64_t remaining = 0;  // budget − used; negative when overspent
  int32_t used_bp = 0;    // ShareBp(used, budget)
  // ShareBp(used, sales): 0 without sales, as Progress.expense_to_sales_bp.
  int32_t expense_to_sales_bp = 0;
};
// Amounts are sums of validated money (|x| < 10^15 each), so the difference
// cannot overflow.
ExpenseFigures ComputeExpenseFigures(int64_t budget, int64_t used, int64_t sales);

// An expense is reversed once: POSTED → REVERSED, and REVERSED is final.
// FAILED_PRECONDITION (EXPENSE_REVERSED) for an expense no longer POSTED.
absl::Status CheckReversible(v1::ExpenseState state, int64_t expense_id);

// A progress review (述职督导, seed 000 第六步) is of a rep still with the
// company: FAILED_PRECONDITION (REP_LEFT) for one who has left.
absl::Status CheckReviewable(v1::RepStatus status, int64_t rep_id);

// The fields of a review as submitted, named "review.<field>": the rep,
// a WEEK or MONTH period, a review date not after `today` (a review records
// a meeting that took place), both accounts, no empty action and a next
// review not before this one. The period's start is checked against its
// kind where the period is turned into days.
void AppendReviewViolations(const v1::ProgressReview& review, absl::CivilDay today, std::vector<FieldViolation>& out);

// Which records a list answers (expenses, reviews, actuals): one rep's,
// those booked to some units, or both narrowed together.
struct RecordScope {
  int64_t rep_id = 0;     // only this rep's records; 0 = any rep
  bool all_units = true;  // false: only records booked to `units`
  std::vector<int64_t> units;
};

}  // namespace sales::targets
