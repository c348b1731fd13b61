// Baseline arithmetic (domain.md §3 "Baseline", seed 000 第二步): every
// expected figure below is worked out by hand in the comment next to it.
// Default weights throughout unless a row says otherwise: years [5000, 3000,
// 2000] (most recent first), growth own 5000 / industry 3000 / competitor 2000.
#include "targets-svc/domain/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::targets {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::nullopt_t kNone = std::nullopt;

struct BaselineCase {
  std::string name;
  BaselineInput in;
  std::vector<int32_t> used_weights_bp;
  std::vector<int32_t> year_growth_bp;
  std::vector<bool> year_growth_available;
  int64_t weighted_history;
  int32_t history_growth_bp;
  int32_t blended_growth_bp;
  int64_t proposed;
  bool clamped_at_zero = false;
  std::string step_containing = "";           // some step must mention this
  BaselineWeightsBp w = BaselineWeightsBp();  // set after the row where not the default
};

BaselineInput Planned2025(std::vector<YearActual> history, int32_t industry = 800, int32_t competitor = 1500) {
  BaselineInput in;
  in.fiscal_year = 2025;
  in.history = std::move(history);
  in.industry_growth_bp = industry;
  in.competitor_growth_bp = competitor;
  return in;
}

std::vector<BaselineCase> Cases() {
  std::vector<BaselineCase> c;

  // The worked example (industry +8%, competitor +15%):
  //   H = (1,200,000×5000 + 1,000,000×3000 + 800,000×2000) / 10000
  //     = (6,000,000,000 + 3,000,000,000 + 1,600,000,000) / 10000 = 1,060,000
  //   growth 2024/2023 = (1,200,000 − 1,000,000) × 10000 / 1,000,000 = 2000 bp
  //   growth 2023/2022 = (1,000,000 −   800,000) × 10000 /   800,000 = 2500 bp
  //   own = (2000×5000 + 2500×3000) / (5000+3000) = 17,500,000 / 8000
  //       = 2187.5 → 2188 (half away from zero)
  //   G = (2188×5000 + 800×3000 + 1500×2000) / 10000
  //     = (10,940,000 + 2,400,000 + 3,000,000) / 10000 = 1634 bp
  //   proposed = 1,060,000 × 11634 / 10000 = 12,332,040,000 / 10000 = 1,233,204
  c.push_back({"WorkedThreeYears",
               Planned2025({{2024, 1'200'000}, {2023, 1'000'000}, {2022, 800'000}}),
               {5000, 3000, 2000},
               {2000, 2500, 0},
               {true, true, false},
               1'060'000,
               2188,
               1634,
               1'233'204,
               false,
               "/ 8000 = 2188 bp"});

  // The same with an extra FY2021 entry: outside the 3-year window, ignored.
  c.push_back({"YearOutsideWindowIgnored",
               Planned2025({{2024, 1'200'000}, {2023, 1'000'000}, {2022, 800'000}, {2021, 1}}),
               {5000, 3000, 2000},
               {2000, 2500, 0},
               {true, true, false},
               1'060'000,
               2188,
               1634,
               1'233'204,
               false,
               "FY2021 ignored"});

  // One year: all 10000 bp on FY2024, no pair → own growth 0.
  //   H = 500,250 × 10000 / 10000 = 500,250
  //   G = (0×5000 + 800×3000 + 1500×2000) / 10000 = 5,400,000 / 10000 = 540
  //   proposed = 500,250 × 10540 / 10000 = 5,272,635,000 / 10000
  //            = 527,263.5 → 527,264 (half away from zero)
  c.push_back({"OneYear",
               Planned2025({{2024, 500'250}}),
               {10000, 0, 0},
               {0, 0, 0},
               {false, false, false},
               500'250,
               0,
               540,
               527'264,
               false,
               "own growth = 0 bp"});

  // Two years, the third explicitly without data: [5000, 3000] → ×10000/8000
  // = [6250, 3750] (exact).
  //   H = (300,000×6250 + 250,000×3750) / 10000
  //     = (1,875,000,000 + 937,500,000) / 10000 = 281,250
  //   growth 2024/2023 = 50,000 × 10000 / 250,000 = 2000; own = 2000×6250/6250 = 2000
  //   G = (2000×5000 + 800×3000 + 1500×2000) / 10000 = 15,400,000 / 10000 = 1540
  //   proposed = 281,250 × 11540 / 10000 = 3,245,625,000 / 10000
  //            = 324,562.5 → 324,563
  c.push_back({"TwoYears",
               Planned2025({{2024, 300'000}, {2023, 250'000}, {2022, kNone}}),
               {6250, 3750, 0},
               {2000, 0, 0},
               {true, false, false},
               281'250,
               2000,
               1540,
               324'563,
               false,
               "3000 × 10000 / 8000 → 3750 bp"});

  // Missing middle year: [5000, –, 2000] → ×10000/7000 = 7142.86, 2857.14 →
  // floors 7142 + 2857 = 9999, the leftover 1 bp to the larger remainder (.86)
  // → [7143, 0, 2857].
  //   H = (700,000×7143 + 350,001×2857) / 10000
  //     = (5,000,100,000 + 999,952,857) / 10000 = 600,005.2857 → 600,005
  //   no consecutive pair → own 0; G = 540 (as OneYear)
  //   proposed = 600,005 × 10540 / 10000 = 6,324,052,700 / 10000 = 632,405.27 → 632,405
  c.push_back({"MissingMiddleYear",
               Planned2025({{2024, 700'000}, {2023, kNone}, {2022, 350'001}}),
               {7143, 0, 2857},
               {0, 0, 0},
               {false, false, false},
               600'005,
               0,
               540,
               632'405,
               false,
               "FY2023: no data"});

  // The same gap expressed by leaving FY2023 out (order does not matter).
  c.push_back({"MissingMiddleYearOmitted",
               Planned2025({{2022, 350'001}, {2024, 700'000}}),
               {7143, 0, 2857},
               {0, 0, 0},
               {false, false, false},
               600'005,
               0,
               540,
               632'405});

  // Zero base year: FY2023 sold nothing.
  //   H = (100,000×5000 + 0×3000 + 50,000×2000) / 10000 = 600,000,000 / 10000 = 60,000
  //   growth 2024/2023: base 0 → skipped
  //   growth 2023/2022 = (0 − 50,000) × 10000 / 50,000 = −10000
  //   own = −10000×3000 / 3000 = −10000
  //   G = (−10000×5000 + 800×3000 + 1500×2000) / 10000 = −44,600,000 / 10000 = −4460
  //   proposed = 60,000 × 5540 / 10000 = 33,240
  c.push_back({"ZeroBaseYear",
               Planned2025({{2024, 100'000}, {2023, 0}, {2022, 50'000}}),
               {5000, 3000, 2000},
               {0, -10000, 0},
               {false, true, false},
               60'000,
               -10000,
               -4460,
               33'240,
               false,
               "base year FY2023 is 0"});

  // Shrinking node in a shrinking market (industry −5%, competitor −12%).
  //   H = (900,000×5000 + 1,000,000×3000 + 1,200,000×2000) / 10000 = 9,900,000,000 / 10000 = 990,000
  //   growth 2024/2023 = −100,000 × 10000 / 1,000,000 = −1000
  //   growth 2023/2022 = −200,000 × 10000 / 1,200,000 = −1666.67 → −1667
  //   own = (−1000×5000 + −1667×3000) / 8000 = −10,001,000 / 8000 = −1250.125 → −1250
  //   G = (−1250×5000 + −500×3000 + −1200×2000) / 10000 = −10,150,000 / 10000 = −1015
  //   proposed = 990,000 × 8985 / 10000 = 8,895,150,000 / 10000 = 889,515
  c.push_back({"NegativeGrowth",
               Planned2025({{2024, 900'000}, {2023, 1'000'000}, {2022, 1'200'000}}, -500, -1200),
               {5000, 3000, 2000},
               {-1000, -1667, 0},
               {true, true, false},
               990'000,
               -1250,
               -1015,
               889'515});

  // Negative halves round away from zero, not towards +infinity:
  //   G = (0×5000 + −5×3000 + 0×2000) / 10000 = −1.5 → −2
  //   proposed = 10,000 × 9998 / 10000 = 9,998
  c.push_back({"NegativeHalfRoundsAway",
               Planned2025({{2024, 10'000}}, -5, 0),
               {10000, 0, 0},
               {0, 0, 0},
               {false, false, false},
               10'000,
               0,
               -2,
               9'998});

  // Net returns exceeded sales last year: H < 0.
  //   H = −50,000; G = 540; −50,000 × 10540 / 10000 = −52,700 → clamped to 0
  c.push_back({"NegativeHistoryClampedAtZero",
               Planned2025({{2024, -50'000}}),
               {10000, 0, 0},
               {0, 0, 0},
               {false, false, false},
               -50'000,
               0,
               540,
               0,
               true,
               "clamped to 0"});

  // Positive H but G below −10000 (own collapse, industry and competitor −100%).
  //   used [6250, 3750, 0]; H = (−100,000×6250 + 200,000×3750) / 10000
  //     = (−625,000,000 + 750,000,000) / 10000 = 12,500
  //   growth 2024/2023 = (−100,000 − 200,000) × 10000 / 200,000 = −15000; own = −15000
  //   G = (−15000×5000 + −10000×3000 + −10000×2000) / 10000 = −125,000,000 / 10000 = −12500
  //   12,500 × (10000 − 12500) / 10000 = −3,125 → clamped to 0
  c.push_back({"GrowthBelowMinus100ClampedAtZero",
               Planned2025({{2024, -100'000}, {2023, 200'000}}, -10000, -10000),
               {6250, 3750, 0},
               {-15000, 0, 0},
               {true, false, false},
               12'500,
               -15000,
               -12500,
               0,
               true,
               "clamped to 0"});

  // Custom weights: a two-year window [6000, 4000], growth 10000/0/0 (own only).
  //   H = (1,000×6000 + 999×4000) / 10000 = 9,996,000 / 10000 = 999.6 → 1000
  //   growth 2024/2023 = 1 × 10000 / 999 = 10.01 → 10; own = 10; G = 10
  //   proposed = 1000 × 10010 / 10000 = 1001
  BaselineWeightsBp two_years;
  two_years.year_weights_bp = {6000, 4000};
  two_years.history_growth_weight_bp = 10000;
  two_years.industry_growth_weight_bp = 0;
  two_years.competitor_growth_weight_bp = 0;
  c.push_back({"CustomWeightsOwnGrowthOnly",
               Planned2025({{2024, 1'000}, {2023, 999}, {2022, 5'000'000}}),
               {6000, 4000},
               {10, 0},
               {true, false},
               1'000,
               10,
               10,
               1'001,
               false,
               "FY2022 ignored"});
  c.back().w = two_years;
  return c;
}

class BaselineTest : public ::testing::TestWithParam<BaselineCase> {};

TEST_P(BaselineTest, ComputesByHand) {
  const BaselineCase& c = GetParam();
  SALES_ASSERT_OK_AND_ASSIGN(BaselineResult r, ComputeBaseline(c.in, c.w));
  EXPECT_THAT(r.used_weights_bp, ElementsAreArray(c.used_weights_bp));
  EXPECT_THAT(r.year_growth_bp, ElementsAreArray(c.year_growth_bp));
  EXPECT_THAT(r.year_growth_available, ElementsAreArray(c.year_growth_available));
  EXPECT_EQ(r.weighted_history, c.weighted_history);
  EXPECT_EQ(r.history_growth_bp, c.history_growth_bp);
  EXPECT_EQ(r.blended_growth_bp, c.blended_growth_bp);
  EXPECT_EQ(r.proposed, c.proposed);
  EXPECT_EQ(r.clamped_at_zero, c.clamped_at_zero);
  EXPECT_FALSE(r.fell_back_to_equal_split);
  EXPECT_EQ(r.fallback_note, "");
  EXPECT_EQ(r.industry_growth_bp, c.in.industry_growth_bp);
  EXPECT_EQ(r.competitor_growth_bp, c.in.competitor_growth_bp);

  // Used weights of a computed baseline always sum to exactly 10000.
  int32_t sum = 0;
  for (int32_t wt : r.used_weights_bp) sum += wt;
  EXPECT_EQ(sum, 10000);
  // The window is the n years before the planned one, most recent first.
  ASSERT_EQ(r.window_years.size(), c.w.year_weights_bp.size());
  for (size_t k = 0; k < r.window_years.size(); ++k) {
    EXPECT_EQ(r.window_years[k], c.in.fiscal_year - 1 - static_cast<int32_t>(k));
  }
  // The arithmetic ends with the proposed figure (or its clamp).
  ASSERT_THAT(r.steps, Not(IsEmpty()));
  EXPECT_EQ(r.steps.back().value, r.proposed);
  EXPECT_THAT(r.steps.back().description, HasSubstr(c.clamped_at_zero ? "clamped to 0" : "proposed ="));
  if (!c.step_containing.empty()) {
    bool found = false;
    for (const BaselineStepOut& s : r.steps) found = found || absl::StrContains(s.description, c.step_containing);
    EXPECT_TRUE(found) << "no step mentions \"" << c.step_containing << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Baseline, BaselineTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BaselineCase>& info) { return info.param.name; });

// The worked example's steps, in order, with their numbers.
TEST(BaselineSteps, WorkedExampleShowsTheArithmetic) {
  SALES_ASSERT_OK_AND_ASSIGN(BaselineResult r,
                             ComputeBaseline(Planned2025({{2024, 1'200'000}, {2023, 1'000'000}, {2022, 800'000}}), {}));
  ASSERT_EQ(r.steps.size(), 9u);
  // Three years (value = actual, rate = weight), H, two growths, own, G, proposed.
  EXPECT_EQ(r.steps[0].value, 1'200'000);
  EXPECT_EQ(r.steps[0].rate_bp, 5000);
  EXPECT_EQ(r.steps[2].value, 800'000);
  EXPECT_EQ(r.steps[2].rate_bp, 2000);
  EXPECT_EQ(r.steps[3].value, 1'060'000);
  EXPECT_THAT(r.steps[3].description, HasSubstr("weighted history H"));
  EXPECT_EQ(r.steps[4].rate_bp, 2000);
  EXPECT_EQ(r.steps[5].rate_bp, 2500);
  EXPECT_EQ(r.steps[6].rate_bp, 2188);
  EXPECT_EQ(r.steps[7].rate_bp, 1634);
  EXPECT_THAT(r.steps[7].description, HasSubstr("industry 800 × 3000"));
  EXPECT_EQ(r.steps[8].value, 1'233'204);
  EXPECT_THAT(r.steps[8].description, HasSubstr("1060000 × 11634 / 10000"));
}

// ---------------------------------------------------------------------------
// No history: equal-split fall-back.

struct FallbackCase {
  std::string name;
  BaselineInput in;
  int64_t proposed;
  bool fell_back;
  std::string note_containing;
  BaselineWeightsBp w = BaselineWeightsBp();
};

std::vector<FallbackCase> FallbackCases() {
  BaselineWeightsBp recent_only;
  recent_only.year_weights_bp = {10000, 0, 0};

  BaselineInput with_parent = Planned2025({});
  with_parent.parent_proposed = 1'000'003;
  with_parent.sibling_count = 4;

  BaselineInput all_missing = Planned2025({{2024, kNone}, {2023, kNone}, {2022, kNone}});
  all_missing.parent_proposed = 900;
  all_missing.sibling_count = 1;

  BaselineInput zero_weight_years = Planned2025({{2023, 500}, {2022, 400}});
  zero_weight_years.parent_proposed = 100;
  zero_weight_years.sibling_count = 3;

  BaselineInput parent_figure_no_siblings = Planned2025({});
  parent_figure_no_siblings.parent_proposed = 5'000;  // sibling_count 0 = no parent

  std::vector<FallbackCase> c = {
      // 1,000,003 / 4 = 250,000.75 → 250,000; remainder 3 left to the decomposition.
      {"WithParentEqualShare", with_parent, 250'000, true, "remainder 3"},
      // Every window year explicitly without data; the only child gets it all: 900 / 1 = 900.
      {"AllYearsMissingOnlyChild", all_missing, 900, true, "equal share"},
      // Data only in years weighted 0: nothing to weigh; 100 / 3 = 33.3 → 33, remainder 1.
      {"DataOnlyInZeroWeightYears", zero_weight_years, 33, true, "configured weight of 0"},
      // No parent: proposed 0, not an equal split, but the note says why.
      {"NoParent", Planned2025({}), 0, false, "no parent figure"},
      {"ParentFigureButNoSiblings", parent_figure_no_siblings, 0, false, "no parent figure"},
  };
  c[2].w = recent_only;  // DataOnlyInZeroWeightYears
  return c;
}

class BaselineFallbackTest : public ::testing::TestWithParam<FallbackCase> {};

TEST_P(BaselineFallbackTest, FallsBack) {
  const FallbackCase& c = GetParam();
  SALES_ASSERT_OK_AND_ASSIGN(BaselineResult r, ComputeBaseline(c.in, c.w));
  EXPECT_EQ(r.proposed, c.proposed);
  EXPECT_EQ(r.fell_back_to_equal_split, c.fell_back);
  EXPECT_THAT(r.fallback_note, HasSubstr(c.note_containing));
  EXPECT_EQ(r.weighted_history, 0);
  EXPECT_EQ(r.history_growth_bp, 0);
  EXPECT_EQ(r.blended_growth_bp, 0);
  EXPECT_THAT(r.used_weights_bp, ElementsAre(0, 0, 0));
  ASSERT_THAT(r.steps, Not(IsEmpty()));
  EXPECT_EQ(r.steps.back().value, r.proposed);
}

INSTANTIATE_TEST_SUITE_P(Baseline, BaselineFallbackTest, ::testing::ValuesIn(FallbackCases()),
                         [](const ::testing::TestParamInfo<FallbackCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Weight validation.

struct WeightsCase {
  std::string name;
  std::vector<int32_t> years;
  int32_t own, industry, competitor;
  std::vector<std::string> fields;  // expected violation fields, in order; {} = valid
};

std::vector<WeightsCase> WeightsCases() {
  return {
      {"Default", {5000, 3000, 2000}, 5000, 3000, 2000, {}},
      {"OlderMayTieRecent", {4000, 4000, 2000}, 10000, 0, 0, {}},
      {"SingleYear", {10000}, 0, 0, 10000, {}},
      // 5000 + 3000 + 1000 = 9000 ≠ 10000
      {"YearSumNot10000", {5000, 3000, 1000}, 5000, 3000, 2000, {"weights.year_weights_bp"}},
      {"YearSumZero", {0, 0, 0}, 5000, 3000, 2000, {"weights.year_weights_bp"}},
      // Sums to 10000 but one is negative: the negative is reported, not the sum.
      {"YearNegative", {6000, 5000, -1000}, 5000, 3000, 2000, {"weights.year_weights_bp"}},
      // 3000 + 5000 + 2000 = 10000, but FY−2 (5000) outweighs FY−1 (3000).
      {"OlderHeavierThanRecent", {3000, 5000, 2000}, 5000, 3000, 2000, {"weights.year_weights_bp"}},
      // Two older years heavier: one violation each.
      {"TwoOlderHeavier", {2000, 4000, 4000}, 5000, 3000, 2000, {"weights.year_weights_bp", "weights.year_weights_bp"}},
      {"NoYears", {}, 5000, 3000, 2000, {"weights.year_weights_bp"}},
      {"ElevenYears", std::vector<int32_t>(11, 909), 5000, 3000, 2000, {"weights.year_weights_bp"}},
      // 5000 + 3000 + 1000 = 9000: reported on all three growth weights.
      {"GrowthSumNot10000",
       {5000, 3000, 2000},
       5000,
       3000,
       1000,
       {"weights.history_growth_weight_bp", "weights.industry_growth_weight_bp",
        "weights.competitor_growth_weight_bp"}},
      {"GrowthSumZero",
       {5000, 3000, 2000},
       0,
       0,
       0,
       {"weights.history_growth_weight_bp", "weights.industry_growth_weight_bp",
        "weights.competitor_growth_weight_bp"}},
      {"GrowthNegative", {5000, 3000, 2000}, -1000, 6000, 5000, {"weights.history_growth_weight_bp"}},
      {"BothWrong",
       {5000, 3000, 1000},
       5000,
       5000,
       -1,
       {"weights.year_weights_bp", "weights.competitor_growth_weight_bp"}},
  };
}

class BaselineWeightsTest : public ::testing::TestWithParam<WeightsCase> {};

TEST_P(BaselineWeightsTest, Validates) {
  const WeightsCase& c = GetParam();
  BaselineWeightsBp w;
  w.year_weights_bp = c.years;
  w.history_growth_weight_bp = c.own;
  w.industry_growth_weight_bp = c.industry;
  w.competitor_growth_weight_bp = c.competitor;
  absl::Status s = ValidateBaselineWeights(w);
  if (c.fields.empty()) {
    EXPECT_THAT(s, IsOk());
    return;
  }
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAreArray(c.fields));
  // ComputeBaseline refuses the same weights before any arithmetic.
  EXPECT_THAT(ComputeBaseline(Planned2025({{2024, 100}}), w), StatusIs(absl::StatusCode::kInvalidArgument));
}

INSTANTIATE_TEST_SUITE_P(Baseline, BaselineWeightsTest, ::testing::ValuesIn(WeightsCases()),
                         [](const ::testing::TestParamInfo<WeightsCase>& info) { return info.param.name; });

TEST(BaselineWeights, ZeroSumSaysSo) {
  BaselineWeightsBp w;
  w.year_weights_bp = {0, 0, 0};
  std::vector<FieldViolation> v = FieldViolationsOf(ValidateBaselineWeights(w));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].description, HasSubstr("sum to 0"));
}

// ---------------------------------------------------------------------------
// Input validation and range.

struct InputCase {
  std::string name;
  BaselineInput in;
  std::vector<std::string> fields;
};

std::vector<InputCase> InputCases() {
  BaselineInput bad_year = Planned2025({});
  bad_year.fiscal_year = 0;
  BaselineInput parent_negative = Planned2025({});
  parent_negative.parent_proposed = -1;
  BaselineInput siblings_negative = Planned2025({});
  siblings_negative.sibling_count = -2;
  return {
      {"FiscalYearZero", bad_year, {"fiscal_year"}},
      {"HistoryNotBeforePlannedYear", Planned2025({{2024, 1}, {2025, 1}}), {"history[1].fiscal_year"}},
      {"DuplicateYear", Planned2025({{2024, 1}, {2024, 2}}), {"history[1].fiscal_year"}},
      {"ActualTooLarge", Planned2025({{2024, 1'000'000'000'000'000}}), {"history[0].actual"}},
      {"IndustryBelowMinus100", Planned2025({{2024, 1}}, -10001, 0), {"industry_growth_bp"}},
      {"CompetitorBelowMinus100", Planned2025({{2024, 1}}, 0, -10001), {"competitor_growth_bp"}},
      {"ParentNegative", parent_negative, {"parent_proposed"}},
      {"SiblingsNegative", siblings_negative, {"sibling_count"}},
  };
}

class BaselineInputTest : public ::testing::TestWithParam<InputCase> {};

TEST_P(BaselineInputTest, Refuses) {
  const InputCase& c = GetParam();
  auto r = ComputeBaseline(c.in, {});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(r.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAreArray(c.fields));
}

INSTANTIATE_TEST_SUITE_P(Baseline, BaselineInputTest, ::testing::ValuesIn(InputCases()),
                         [](const ::testing::TestParamInfo<InputCase>& info) { return info.param.name; });

TEST(BaselineRange, MinusHundredPercentIsAllowed) {
  // G = (0×5000 + −10000×3000 + −10000×2000) / 10000 = −5000; 1,000 × 5000 / 10000 = 500
  EXPECT_THAT(ComputeBaseline(Planned2025({{2024, 1'000}}, -10000, -10000), {}), IsOk());
}

TEST(BaselineRange, ProposedAtOrAbove10To15IsOutOfRange) {
  // H = 10^15 − 1; G = (0 + 10000×3000 + 0) / 10000 = 3000; H × 13000 / 10000 ≈ 1.3×10^15
  EXPECT_THAT(ComputeBaseline(Planned2025({{2024, 999'999'999'999'999}}, 10000, 0), {}),
              StatusIs(absl::StatusCode::kOutOfRange));
}

}  // namespace
}  // namespace sales::targets
