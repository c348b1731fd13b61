// Progress arithmetic (domain.md §3 "Progress"): every figure is checked
// against numbers worked out by hand, the status at and one basis point below
// each threshold, and the calendar edges (first/last day, before/after the
// period, leap February, one-day period).
#include "targets-svc/domain/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::targets {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAreArray;

constexpr auto kAhead = v1::PROGRESS_STATUS_AHEAD;
constexpr auto kOnTrack = v1::PROGRESS_STATUS_ON_TRACK;
constexpr auto kAtRisk = v1::PROGRESS_STATUS_AT_RISK;
constexpr auto kBehind = v1::PROGRESS_STATUS_BEHIND;
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();

using Day = absl::CivilDay;

// April 2025 has 30 days; as of the 24th, 24 have elapsed, time progress is
// 24 × 10000 / 30 = 8000 bp exactly and 6 days remain. With a target of
// 1,000,000 an actual of N × 100 is an attainment of N bp and the pace is
// N × 10000 / 8000 = N × 1.25, so the edges of the default thresholds are hit
// exactly: 8800 → 11000, 7600 → 9500, 6400 → 8000.
const Day kAprStart(2025, 4, 1), kAprEnd(2025, 4, 30), kApr24(2025, 4, 24);

struct Want {
  int32_t attainment_bp;
  int32_t days_elapsed;
  int32_t days_in_period;
  int32_t time_progress_bp;
  int64_t gap;
  int32_t days_remaining;
  int64_t daily_run_rate_needed;
  int64_t forecast;
  int32_t forecast_attainment_bp;
  int32_t pace_bp;
  v1::ProgressStatus status;
};

struct ProgressCase {
  std::string name;
  ProgressInput in;
  Want want;
  StatusThresholdsBp thresholds = {};
};

class ProgressFiguresTest : public ::testing::TestWithParam<ProgressCase> {};

TEST_P(ProgressFiguresTest, MatchesHandArithmetic) {
  const ProgressCase& c = GetParam();
  SALES_ASSERT_OK_AND_ASSIGN(ProgressFigures f, ComputeProgress(c.in, c.thresholds));
  EXPECT_EQ(f.attainment_bp, c.want.attainment_bp);
  EXPECT_EQ(f.days_elapsed, c.want.days_elapsed);
  EXPECT_EQ(f.days_in_period, c.want.days_in_period);
  EXPECT_EQ(f.time_progress_bp, c.want.time_progress_bp);
  EXPECT_EQ(f.gap, c.want.gap);
  EXPECT_EQ(f.days_remaining, c.want.days_remaining);
  EXPECT_EQ(f.daily_run_rate_needed, c.want.daily_run_rate_needed);
  EXPECT_EQ(f.forecast, c.want.forecast);
  EXPECT_EQ(f.forecast_attainment_bp, c.want.forecast_attainment_bp);
  EXPECT_EQ(f.pace_bp, c.want.pace_bp);
  EXPECT_EQ(v1::ProgressStatus_Name(f.status), v1::ProgressStatus_Name(c.want.status));
}

ProgressInput In(int64_t target, int64_t actual, Day start, Day end, Day as_of) {
  return ProgressInput{target, actual, start, end, as_of};
}

// Columns of Want: attainment, elapsed, in period, time progress, gap,
// remaining, run rate, forecast, forecast attainment, pace, status.
const ProgressCase kCases[] = {
    // ---- Status edges, default thresholds 11000 / 9500 / 8000, as of Apr 24.
    // 880,000: att 8800; gap 120,000 / 6 = 20,000; forecast 880,000 × 30 / 24
    // = 1,100,000 (11000 bp); pace 8800 × 1.25 = 11000 → AHEAD (inclusive).
    {"AheadExactlyAtEdge",
     In(1'000'000, 880'000, kAprStart, kAprEnd, kApr24),
     {8800, 24, 30, 8000, 120'000, 6, 20'000, 1'100'000, 11000, 11000, kAhead}},
    // 879,900: att 8799; gap 120,100 / 6 = 20,016.7 → ceil 20,017; forecast
    // 879,900 × 1.25 = 1,099,875 (10998.75 → 10999 bp); pace 8799 × 1.25 =
    // 10998.75 → 10999 → ON_TRACK.
    {"AheadOneBpBelow",
     In(1'000'000, 879'900, kAprStart, kAprEnd, kApr24),
     {8799, 24, 30, 8000, 120'100, 6, 20'017, 1'099'875, 10999, 10999, kOnTrack}},
    // 760,000: att 7600; gap 240,000 / 6 = 40,000; forecast 950,000; pace
    // 7600 × 1.25 = 9500 → ON_TRACK.
    {"OnTrackExactlyAtEdge",
     In(1'000'000, 760'000, kAprStart, kAprEnd, kApr24),
     {7600, 24, 30, 8000, 240'000, 6, 40'000, 950'000, 9500, 9500, kOnTrack}},
    // 759,900: att 7599; gap 240,100 / 6 = 40,016.7 → 40,017; forecast
    // 949,875 (9498.75 → 9499); pace 7599 × 1.25 = 9498.75 → 9499 → AT_RISK.
    {"OnTrackOneBpBelow",
     In(1'000'000, 759'900, kAprStart, kAprEnd, kApr24),
     {7599, 24, 30, 8000, 240'100, 6, 40'017, 949'875, 9499, 9499, kAtRisk}},
    // 640,000: att 6400; gap 360,000 / 6 = 60,000; forecast 800,000; pace
    // 6400 × 1.25 = 8000 → AT_RISK ("behind when attainment < 80 % of time
    // progress": exactly 80 % is not behind).
    {"AtRiskExactlyAtEdge",
     In(1'000'000, 640'000, kAprStart, kAprEnd, kApr24),
     {6400, 24, 30, 8000, 360'000, 6, 60'000, 800'000, 8000, 8000, kAtRisk}},
    // 639,900: att 6399; gap 360,100 / 6 = 60,016.7 → 60,017; forecast
    // 799,875 (7998.75 → 7999); pace 6399 × 1.25 = 7998.75 → 7999 → BEHIND.
    {"AtRiskOneBpBelow",
     In(1'000'000, 639'900, kAprStart, kAprEnd, kApr24),
     {6399, 24, 30, 8000, 360'100, 6, 60'017, 799'875, 7999, 7999, kBehind}},
    // Pace rounds half up: 879,800 → att 8798, pace 8798 × 1.25 = 10997.5 →
    // 10998; gap 120,200 / 6 = 20,033.3 → 20,034; forecast 1,099,750
    // (10997.5 → 10998).
    {"PaceRoundsHalfUp",
     In(1'000'000, 879'800, kAprStart, kAprEnd, kApr24),
     {8798, 24, 30, 8000, 120'200, 6, 20'034, 1'099'750, 10998, 10998, kOnTrack}},

    // ---- Custom thresholds, as of the last day (time progress 10000, so
    // pace = attainment). Equal AHEAD and ON_TRACK bounds empty ON_TRACK.
    // 10,000 of 10,000: att 10000 = pace → AHEAD at its edge.
    {"CustomAheadEqualsOnTrackAtEdge",
     In(10'000, 10'000, kAprStart, kAprEnd, kAprEnd),
     {10000, 30, 30, 10000, 0, 0, 0, 10'000, 10000, 10000, kAhead},
     {10000, 10000, 9000}},
    // 9,999: pace 9999 < 10000 → straight to AT_RISK (>= 9000). Gap 1 with no
    // days left: run rate 0.
    {"CustomOneBpBelowSkipsEmptyBand",
     In(10'000, 9'999, kAprStart, kAprEnd, kAprEnd),
     {9999, 30, 30, 10000, 1, 0, 0, 9'999, 9999, 9999, kAtRisk},
     {10000, 10000, 9000}},
    // 8,999: pace 8999 < 9000 → BEHIND.
    {"CustomAtRiskOneBpBelow",
     In(10'000, 8'999, kAprStart, kAprEnd, kAprEnd),
     {8999, 30, 30, 10000, 1'001, 0, 0, 8'999, 8999, 8999, kBehind},
     {10000, 10000, 9000}},

    // ---- Calendar edges: January 2025, 31 days, target 3,100,000.
    // First day: E 1, tp 10000 / 31 = 322.6 → 323, 30 left. 100,000: att
    // 1,000,000,000 / 3,100,000 = 322.6 → 323; gap 3,000,000 / 30 = 100,000;
    // forecast 100,000 × 31 / 1 = 3,100,000 (10000); pace 323 × 10000 / 323 =
    // 10000 → ON_TRACK.
    {"FirstDay",
     In(3'100'000, 100'000, Day(2025, 1, 1), Day(2025, 1, 31), Day(2025, 1, 1)),
     {323, 1, 31, 323, 3'000'000, 30, 100'000, 3'100'000, 10000, 10000, kOnTrack}},
    // Last day: E 31, tp 10000, 0 left. 2,945,000 × 10000 / 3,100,000 = 9500
    // exactly; gap 155,000 but no day left → run rate 0; forecast = actual.
    {"LastDay",
     In(3'100'000, 2'945'000, Day(2025, 1, 1), Day(2025, 1, 31), Day(2025, 1, 31)),
     {9500, 31, 31, 10000, 155'000, 0, 0, 2'945'000, 9500, 9500, kOnTrack}},
    // Day before the period: E 0, tp 0, all 31 days left. Early bookings
    // still count: 50,000 → att 161.3 → 161; gap 3,050,000 / 31 = 98,387.1 →
    // ceil 98,388; no forecast, no pace; ON_TRACK (nothing to judge yet).
    {"BeforeStart",
     In(3'100'000, 50'000, Day(2025, 1, 1), Day(2025, 1, 31), Day(2024, 12, 31)),
     {161, 0, 31, 0, 3'050'000, 31, 98'388, 0, 0, 0, kOnTrack}},
    // Well after the end: E clamps to 31, tp 10000, 0 left. 2,000,000 →
    // att 6451.6 → 6452 = pace → BEHIND; forecast = actual.
    {"AfterEnd",
     In(3'100'000, 2'000'000, Day(2025, 1, 1), Day(2025, 1, 31), Day(2025, 3, 15)),
     {6452, 31, 31, 10000, 1'100'000, 0, 0, 2'000'000, 6452, 6452, kBehind}},
    // Leap February 2024 has 29 days. As of the 15th: tp 150,000 / 29 =
    // 5172.4 → 5172, 14 left. 150,000 of 290,000: att 5172.4 → 5172; gap
    // 140,000 / 14 = 10,000; forecast 150,000 × 29 / 15 = 290,000 (10000);
    // pace 5172 × 10000 / 5172 = 10000 → ON_TRACK.
    {"LeapFebruaryMid",
     In(290'000, 150'000, Day(2024, 2, 1), Day(2024, 2, 29), Day(2024, 2, 15)),
     {5172, 15, 29, 5172, 140'000, 14, 10'000, 290'000, 10000, 10000, kOnTrack}},
    // As of Feb 28 2024 one day (the 29th) is still left: tp 280,000 / 29 =
    // 9655.2 → 9655. 270,000: att 9310.3 → 9310; gap 20,000 / 1 = 20,000;
    // forecast 270,000 × 29 / 28 = 279,642.9 → 279,643 (9642.9 → 9643);
    // pace 9310 × 10000 / 9655 = 9642.7 → 9643 → ON_TRACK.
    {"LeapFebruary28th",
     In(290'000, 270'000, Day(2024, 2, 1), Day(2024, 2, 29), Day(2024, 2, 28)),
     {9310, 28, 29, 9655, 20'000, 1, 20'000, 279'643, 9643, 9643, kOnTrack}},
    // The same date in 2025 is the last day of a 28-day February.
    {"NonLeapFebruary28th",
     In(280'000, 270'000, Day(2025, 2, 1), Day(2025, 2, 28), Day(2025, 2, 28)),
     {9643, 28, 28, 10000, 10'000, 0, 0, 270'000, 9643, 9643, kOnTrack}},
    // One-day period, on the day: E 1 of 1, tp 10000. 550 of 500: att 11000
    // = pace → AHEAD; surplus gap −50.
    {"OneDayPeriodOnTheDay",
     In(500, 550, Day(2025, 5, 1), Day(2025, 5, 1), Day(2025, 5, 1)),
     {11000, 1, 1, 10000, -50, 0, 0, 550, 11000, 11000, kAhead}},
    // One-day period, the day before: the whole 500 is needed on its one day.
    {"OneDayPeriodDayBefore",
     In(500, 0, Day(2025, 5, 1), Day(2025, 5, 1), Day(2025, 4, 30)),
     {0, 0, 1, 0, 500, 1, 500, 0, 0, 0, kOnTrack}},

    // ---- Target 0: attainment, forecast attainment and pace are 0
    // (progress.proto "0 when target is 0"); status by sign of actual.
    // 1,234 sold against nothing asked: surplus −1,234; forecast 1,234 × 30 /
    // 24 = 1,542.5 → 1,543; ON_TRACK.
    {"TargetZeroPositiveActual",
     In(0, 1'234, kAprStart, kAprEnd, kApr24),
     {0, 24, 30, 8000, -1'234, 6, 0, 1'543, 0, 0, kOnTrack}},
    {"TargetZeroZeroActual", In(0, 0, kAprStart, kAprEnd, kApr24), {0, 24, 30, 8000, 0, 6, 0, 0, 0, 0, kOnTrack}},
    // Net returns of 600 against a zero target: gap 600 / 6 = 100 a day;
    // forecast −600 × 1.25 = −750; BEHIND.
    {"TargetZeroNegativeActual",
     In(0, -600, kAprStart, kAprEnd, kApr24),
     {0, 24, 30, 8000, 600, 6, 100, -750, 0, 0, kBehind}},

    // ---- Negative actuals (returns exceed sales) and surplus.
    // −50,000 of 1,000,000: att −500; gap 1,050,000 / 6 = 175,000; forecast
    // −50,000 × 1.25 = −62,500 (−625); pace −500 × 1.25 = −625 → BEHIND.
    {"NegativeActual",
     In(1'000'000, -50'000, kAprStart, kAprEnd, kApr24),
     {-500, 24, 30, 8000, 1'050'000, 6, 175'000, -62'500, -625, -625, kBehind}},
    // Halves round away from zero, symmetric in sign. −2 of 7: att −2857.1 →
    // −2857; gap 9 / 6 = 1.5 → ceil 2; forecast −2 × 1.25 = −2.5 → −3 (−4285.7
    // → −4286); pace −2857 × 1.25 = −3571.25 → −3571.
    {"NegativeHalvesRoundAwayFromZero",
     In(7, -2, kAprStart, kAprEnd, kApr24),
     {-2857, 24, 30, 8000, 9, 6, 2, -3, -4286, -3571, kBehind}},
    // +2 of 7: att 2857; gap 5 / 6 → ceil 1; forecast 2.5 → 3 (4286); pace
    // 3571.25 → 3571.
    {"PositiveHalvesRoundAwayFromZero",
     In(7, 2, kAprStart, kAprEnd, kApr24),
     {2857, 24, 30, 8000, 5, 6, 1, 3, 4286, 3571, kBehind}},
    // 1,200,000 of 1,000,000 by Apr 24: surplus −200,000, no run rate;
    // forecast 1,500,000 (15000); pace 12000 × 1.25 = 15000 → AHEAD.
    {"SurplusNegativeGap",
     In(1'000'000, 1'200'000, kAprStart, kAprEnd, kApr24),
     {12000, 24, 30, 8000, -200'000, 6, 0, 1'500'000, 15000, 15000, kAhead}},

    // ---- Run-rate rounding: as of Apr 27, 27 of 30 days (tp 9000), 3 left.
    // 90 of 100: gap 10 / 3 = 3.33 → ceil 4; forecast 90 × 30 / 27 = 100;
    // pace 9000 × 10000 / 9000 = 10000.
    {"RunRateRoundsUp",
     In(100, 90, kAprStart, kAprEnd, Day(2025, 4, 27)),
     {9000, 27, 30, 9000, 10, 3, 4, 100, 10000, 10000, kOnTrack}},
    // 91 of 100: gap 9 / 3 = 3 exactly; forecast 91 × 30 / 27 = 101.1 → 101;
    // pace 9100 × 10000 / 9000 = 10111.1 → 10111.
    {"RunRateExactDivision",
     In(100, 91, kAprStart, kAprEnd, Day(2025, 4, 27)),
     {9100, 27, 30, 9000, 9, 3, 3, 101, 10100, 10111, kOnTrack}},

    // ---- Range: the largest accepted amounts and period.
    // 999,999,999,999,999 against 1: att ≈ 10^19 bp clamps to int32 max, and
    // so do forecast attainment and pace (as of the last day, tp 10000).
    {"HugeRatioClampsToInt32Max",
     In(1, 999'999'999'999'999, kAprStart, kAprEnd, kAprEnd),
     {kI32Max, 30, 30, 10000, -999'999'999'999'998, 0, 0, 999'999'999'999'999, kI32Max, kI32Max, kAhead}},
    {"HugeNegativeRatioClampsToInt32Min",
     In(1, -999'999'999'999'999, kAprStart, kAprEnd, kAprEnd),
     {kI32Min, 30, 30, 10000, 1'000'000'000'000'000, 0, 0, -999'999'999'999'999, kI32Min, kI32Min, kBehind}},
    // A 3660-day period, first day: tp 10000 / 3660 = 2.7 → 3. Forecast
    // (10^15 − 1) × 3660 = 3,659,999,999,999,996,340 still fits int64;
    // forecast attainment 3660 × 10000 = 36,600,000; pace 10000 × 10000 / 3 =
    // 33,333,333.3 → 33,333,333.
    {"LongestPeriodLargestActual",
     In(999'999'999'999'999, 999'999'999'999'999, Day(2020, 1, 1), Day(2020, 1, 1) + 3659, Day(2020, 1, 1)),
     {10000, 1, 3660, 3, 0, 3659, 0, 3'659'999'999'999'996'340, 36'600'000, 33'333'333, kAhead}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ProgressFiguresTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ProgressCase>& i) { return i.param.name; });

// ---- Refused inputs: INVALID_ARGUMENT naming each offending field.

struct InvalidCase {
  std::string name;
  ProgressInput in;
  StatusThresholdsBp thresholds;
  std::vector<std::string> fields;
};

class ProgressInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ProgressInvalidTest, NamesTheFields) {
  const InvalidCase& c = GetParam();
  absl::StatusOr<ProgressFigures> r = ComputeProgress(c.in, c.thresholds);
  ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(r.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAreArray(c.fields));
}

const InvalidCase kInvalid[] = {
    {"NegativeTarget", In(-1, 0, kAprStart, kAprEnd, kApr24), {}, {"target"}},
    {"TargetTooLarge", In(1'000'000'000'000'000, 0, kAprStart, kAprEnd, kApr24), {}, {"target"}},
    {"ActualTooLarge", In(1, 1'000'000'000'000'000, kAprStart, kAprEnd, kApr24), {}, {"actual"}},
    {"ActualTooNegative", In(1, -1'000'000'000'000'000, kAprStart, kAprEnd, kApr24), {}, {"actual"}},
    {"Int64ExtremesRefusedNotOverflowed",
     In(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), kAprStart, kAprEnd, kApr24),
     {},
     {"target", "actual"}},
    {"EndBeforeStart", In(100, 0, kAprEnd, kAprStart, kApr24), {}, {"period_end"}},
    {"PeriodTooLong", In(100, 0, Day(2020, 1, 1), Day(2020, 1, 1) + 3660, Day(2020, 1, 1)), {}, {"period_end"}},
    {"AsOfOutOfDateRange", In(100, 0, kAprStart, kAprEnd, Day(1899, 12, 31)), {}, {"as_of"}},
    {"StartOutOfDateRange", In(100, 0, Day(10000, 1, 1), kAprEnd, kApr24), {}, {"period_start"}},
    {"SeveralAtOnce", In(-5, 0, kAprEnd, kAprStart, kApr24), {}, {"target", "period_end"}},
    {"BadThresholds", In(100, 0, kAprStart, kAprEnd, kApr24), {0, 9500, 8000}, {"status_thresholds.ahead_min_pace_bp"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ProgressInvalidTest, ::testing::ValuesIn(kInvalid),
                         [](const ::testing::TestParamInfo<InvalidCase>& i) { return i.param.name; });

// ---- Threshold validation.

struct ThresholdCase {
  std::string name;
  StatusThresholdsBp t;
  std::vector<std::string> fields;  // empty = valid
};

class ThresholdValidationTest : public ::testing::TestWithParam<ThresholdCase> {};

TEST_P(ThresholdValidationTest, ChecksRangeAndOrder) {
  const ThresholdCase& c = GetParam();
  absl::Status st = ValidateThresholds(c.t);
  if (c.fields.empty()) {
    EXPECT_THAT(st, IsOk());
    return;
  }
  ASSERT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(st)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAreArray(c.fields));
}

const ThresholdCase kThresholds[] = {
    {"Defaults", {}, {}},
    {"AllEqualAllowed", {10000, 10000, 10000}, {}},
    {"RangeEdgesAllowed", {100000, 1, 1}, {}},
    {"AheadZero", {0, 9500, 8000}, {"status_thresholds.ahead_min_pace_bp"}},
    {"AheadAboveRange", {100001, 9500, 8000}, {"status_thresholds.ahead_min_pace_bp"}},
    {"OnTrackNegative",
     {11000, -5, -10},
     {"status_thresholds.on_track_min_pace_bp", "status_thresholds.at_risk_min_pace_bp"}},
    {"AtRiskZero", {11000, 9500, 0}, {"status_thresholds.at_risk_min_pace_bp"}},
    {"AheadBelowOnTrack", {9000, 9500, 8000}, {"status_thresholds.ahead_min_pace_bp"}},
    {"OnTrackBelowAtRisk", {11000, 7000, 8000}, {"status_thresholds.on_track_min_pace_bp"}},
    {"FullyReversed",
     {8000, 9500, 11000},
     {"status_thresholds.ahead_min_pace_bp", "status_thresholds.on_track_min_pace_bp"}},
    // An out-of-range value is reported once, not again as out of order.
    {"RangeErrorHidesOrder",
     {0, 9500, 9600},
     {"status_thresholds.ahead_min_pace_bp", "status_thresholds.on_track_min_pace_bp"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ThresholdValidationTest, ::testing::ValuesIn(kThresholds),
                         [](const ::testing::TestParamInfo<ThresholdCase>& i) { return i.param.name; });

// ---- The pace → status mapping alone, every edge inclusive.

TEST(StatusForPace, DefaultEdgesAreInclusive) {
  const StatusThresholdsBp t;
  struct Row {
    int32_t pace;
    v1::ProgressStatus want;
  };
  const Row rows[] = {{kI32Max, kAhead}, {11000, kAhead}, {10999, kOnTrack}, {9500, kOnTrack}, {9499, kAtRisk},
                      {8000, kAtRisk},   {7999, kBehind}, {0, kBehind},      {-1, kBehind},    {kI32Min, kBehind}};
  for (const Row& r : rows) {
    EXPECT_EQ(v1::ProgressStatus_Name(StatusForPace(r.pace, t)), v1::ProgressStatus_Name(r.want)) << "pace " << r.pace;
  }
}

TEST(ComputeProgress, NoClockEveryFigureComesFromAsOf) {
  // The same input twice gives the same figures; moving as_of one day moves
  // days_elapsed by one (Apr 24 → 25: 24 → 25, tp 8000 → 8333.3 → 8333).
  ProgressInput in = In(1'000'000, 880'000, kAprStart, kAprEnd, kApr24);
  SALES_ASSERT_OK_AND_ASSIGN(ProgressFigures a, ComputeProgress(in, {}));
  SALES_ASSERT_OK_AND_ASSIGN(ProgressFigures b, ComputeProgress(in, {}));
  EXPECT_EQ(a.pace_bp, b.pace_bp);
  in.as_of = Day(2025, 4, 25);
  SALES_ASSERT_OK_AND_ASSIGN(ProgressFigures c, ComputeProgress(in, {}));
  EXPECT_EQ(c.days_elapsed, 25);
  EXPECT_EQ(c.time_progress_bp, 8333);
  // pace 8800 × 10000 / 8333 = 10560.4 → 10560: no longer AHEAD.
  EXPECT_EQ(c.pace_bp, 10560);
  EXPECT_EQ(c.status, kOnTrack);
}

}  // namespace
}  // namespace sales::targets
