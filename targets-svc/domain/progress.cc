#include "targets-svc/domain/progress.h"

#include <limits>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {
namespace {

// num / den to the nearest integer, halves away from zero. den > 0.
absl::int128 DivHalfAway(absl::int128 num, absl::int128 den) {
  bool negative = num < 0;
  absl::int128 n = negative ? -num : num;
  absl::int128 q = n / den;
  if ((n % den) * 2 >= den) ++q;
  return negative ? -q : q;
}

// num / den rounded up. num > 0, den > 0.
absl::int128 DivCeil(absl::int128 num, absl::int128 den) { return (num + den - 1) / den; }

int32_t ClampToInt32(absl::int128 v) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  if (v > kMax) return kMax;
  if (v < kMin) return kMin;
  return static_cast<int32_t>(v);
}

// value × 10000 / target, half away, clamped; 0 for a zero target.
int32_t RatioBp(int64_t value, int64_t target) {
  if (target == 0) return 0;
  return ClampToInt32(DivHalfAway(absl::int128(value) * 10000, target));
}

bool YearInDateRange(const absl::CivilDay& d) { return d.year() >= 1900 && d.year() <= 9999; }

}  // namespace

void AppendThresholdViolations(const StatusThresholdsBp& t, std::vector<FieldViolation>& out) {
  auto in_range = [](int32_t v) { return v >= 1 && v <= 100000; };
  const bool ahead_ok = in_range(t.ahead_min_pace_bp);
  const bool on_track_ok = in_range(t.on_track_min_pace_bp);
  const bool at_risk_ok = in_range(t.at_risk_min_pace_bp);
  constexpr const char* kRange = "must be 1..100000 basis points of pace";
  if (!ahead_ok) out.push_back({"status_thresholds.ahead_min_pace_bp", kRange});
  if (!on_track_ok) out.push_back({"status_thresholds.on_track_min_pace_bp", kRange});
  if (!at_risk_ok) out.push_back({"status_thresholds.at_risk_min_pace_bp", kRange});
  // Order is only judged between values that are themselves valid, so one
  // bad number yields one violation, not three.
  if (ahead_ok && on_track_ok && t.ahead_min_pace_bp < t.on_track_min_pace_bp) {
    out.push_back({"status_thresholds.ahead_min_pace_bp", "must be >= on_track_min_pace_bp"});
  }
  if (on_track_ok && at_risk_ok && t.on_track_min_pace_bp < t.at_risk_min_pace_bp) {
    out.push_back({"status_thresholds.on_track_min_pace_bp", "must be >= at_risk_min_pace_bp"});
  }
}

absl::Status ValidateThresholds(const StatusThresholdsBp& t) {
  std::vector<FieldViolation> v;
  AppendThresholdViolations(t, v);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

v1::ProgressStatus StatusForPace(int32_t pace_bp, const StatusThresholdsBp& t) {
  if (pace_bp >= t.ahead_min_pace_bp) return v1::PROGRESS_STATUS_AHEAD;
  if (pace_bp >= t.on_track_min_pace_bp) return v1::PROGRESS_STATUS_ON_TRACK;
  if (pace_bp >= t.at_risk_min_pace_bp) return v1::PROGRESS_STATUS_AT_RISK;
  return v1::PROGRESS_STATUS_BEHIND;
}

absl::StatusOr<ProgressFigures> ComputeProgress(const ProgressInput& in, const StatusThresholdsBp& t) {
  std::vector<FieldViolation> v;
  if (in.target < 0) {
    v.push_back({"target", "must be >= 0"});
  } else if (in.target >= kMaxProgressAmount) {
    v.push_back({"target", "out of range (< 10^15)"});
  }
  if (in.actual >= kMaxProgressAmount || in.actual <= -kMaxProgressAmount) {
    v.push_back({"actual", "out of range (|actual| < 10^15)"});
  }
  const bool dates_ok = YearInDateRange(in.period_start) && YearInDateRange(in.period_end) && YearInDateRange(in.as_of);
  if (!YearInDateRange(in.period_start)) v.push_back({"period_start", "year must be 1900..9999"});
  if (!YearInDateRange(in.period_end)) v.push_back({"period_end", "year must be 1900..9999"});
  if (!YearInDateRange(in.as_of)) v.push_back({"as_of", "year must be 1900..9999"});
  // Years 1900..9999 keep every day difference far inside int64.
  if (dates_ok) {
    const int64_t span = in.period_end - in.period_start + 1;
    if (span < 1) {
      v.push_back({"period_end", "must not be before period_start"});
    } else if (span > kMaxProgressPeriodDays) {
      v.push_back({"period_end", absl::StrCat("period longer than ", kMaxProgressPeriodDays, " days")});
    }
  }
  AppendThresholdViolations(t, v);
  if (!v.empty()) return InvalidFields(std::move(v));

  ProgressFigures f;
  const int64_t d = in.period_end - in.period_start + 1;  // 1..kMaxProgressPeriodDays
  int64_t e = in.as_of - in.period_start + 1;
  if (e < 0) e = 0;
  if (e > d) e = d;
  f.days_in_period = static_cast<int32_t>(d);
  f.days_elapsed = static_cast<int32_t>(e);
  f.days_remaining = static_cast<int32_t>(d - e);
  // e <= d <= 3660, so e × 10000 fits and the result is 0..10000.
  f.time_progress_bp = static_cast<int32_t>(DivHalfAway(absl::int128(e) * 10000, d));

  f.attainment_bp = RatioBp(in.actual, in.target);
  // |target|, |actual| < 10^15: the difference stays < 2 × 10^15.
  f.gap = in.target - in.actual;
  if (f.gap > 0 && f.days_remaining > 0) {
    f.daily_run_rate_needed = static_cast<int64_t>(DivCeil(f.gap, f.days_remaining));
  }
  if (e > 0) {
    // |actual| × d < 10^15 × 3660 < 2^63: fits int64 by the input bounds.
    f.forecast = static_cast<int64_t>(DivHalfAway(absl::int128(in.actual) * d, e));
  }
  f.forecast_attainment_bp = RatioBp(f.forecast, in.target);

  if (e == 0) {
    f.status = v1::PROGRESS_STATUS_ON_TRACK;
  } else if (in.target == 0) {
    f.status = in.actual >= 0 ? v1::PROGRESS_STATUS_ON_TRACK : v1::PROGRESS_STATUS_BEHIND;
  } else {
    // e >= 1 and d <= 3660 give time_progress_bp >= 3, never 0.
    f.pace_bp = ClampToInt32(DivHalfAway(absl::int128(f.attainment_bp) * 10000, f.time_progress_bp));
    f.status = StatusForPace(f.pace_bp, t);
  }
  return f;
}

int32_t ShareBp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return ClampToInt32((absl::int128(part) * 20000 + whole) / (absl::int128(whole) * 2));
}

ExpenseFigures ComputeExpenseFigures(int64_t budget, int64_t used, int64_t sales) {
  ExpenseFigures f;
  f.budget = budget;
  f.used = used;
  f.remaining = budget - used;
  f.used_bp = ShareBp(used, budget);
  f.expense_to_sales_bp = ShareBp(used, sales);
  return f;
}

absl::Status CheckReversible(v1::ExpenseState state, int64_t expense_id) {
  if (state == v1::EXPENSE_STATE_POSTED) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("expense ", expense_id, " is ", v1::ExpenseState_Name(state),
                                                 "; only a POSTED expense can be reversed")),
      "EXPENSE_REVERSED", kTargetsDomain);
}

absl::Status CheckReviewable(v1::RepStatus status, int64_t rep_id) {
  if (status != v1::REP_STATUS_LEFT) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " has left; a progress review is of a serving rep")),
      "REP_LEFT", kTargetsDomain);
}

void AppendReviewViolations(const v1::ProgressReview& review, absl::CivilDay today, std::vector<FieldViolation>& out) {
  if (review.rep_id() <= 0) out.push_back({"review.rep_id", "required, > 0"});
  auto kind = review.period().kind();
  if (!review.has_period()) {
    out.push_back({"review.period", "required"});
  } else if (kind != common::v1::PERIOD_KIND_WEEK && kind != common::v1::PERIOD_KIND_MONTH) {
    out.push_back({"review.period.kind", "WEEK or MONTH (the period a 述职 reports on)"});
  }
  bool review_date_ok = false;
  if (!review.has_review_date()) {
    out.push_back({"review.review_date", "required"});
  } else if (auto bad = FieldViolationsOf(ValidateDate(review.review_date(), "review.review_date")); !bad.empty()) {
    out.insert(out.end(), bad.begin(), bad.end());
  } else if (ToCivilDay(review.review_date()) > today) {
    out.push_back({"review.review_date", "must not be in the future: a review records a meeting held"});
  } else {
    review_date_ok = true;
  }
  if (review.rep_summary().empty()) out.push_back({"review.rep_summary", "required"});
  if (review.manager_comments().empty()) out.push_back({"review.manager_comments", "required"});
  for (int i = 0; i < review.action_items_size(); ++i) {
    if (review.action_items(i).empty()) out.push_back({absl::StrCat("review.action_items[", i, "]"), "empty"});
  }
  if (review.has_next_review_date()) {
    auto bad = FieldViolationsOf(ValidateDate(review.next_review_date(), "review.next_review_date"));
    if (!bad.empty()) {
      out.insert(out.end(), bad.begin(), bad.end());
    } else if (review_date_ok && ToCivilDay(review.next_review_date()) < ToCivilDay(review.review_date())) {
      out.push_back({"review.next_review_date", "must not be before review_date"});
    }
  }
}

}  // namespace sales::targets
