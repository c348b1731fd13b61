// Baseline arithmetic of one node and period (domain.md §3 "Baseline"; seed
// 000 第二步, 表3): next period's proposed figure from the same period of the
// last years (weighted, most recent heaviest), the node's own growth, the
// industry growth rate and the benchmark competitor's growth rate, blended
// with configurable weights. Pure: no clock, no I/O; integers and basis
// points only, intermediate products in absl::int128.
//
// The formula, step by step (settings.proto BaselineWeights states the same):
//
//  1. Window. The weighted window is the n = year_weights_bp.size() fiscal
//     years before the planned one: window[k] is fiscal year
//     (in.fiscal_year − 1 − k), k = 0 the most recent. A history entry is
//     placed by its fiscal_year, not by its position; entries older than the
//     window are ignored (and a step says so); a window year without an entry
//     or with actual == nullopt has no data. A year with data whose actual is
//     0 is data (the node sold nothing), not a missing year.
//
//  2. Used weights. The configured weights of the years with data are
//     renormalised to sum to exactly 10000 with platform
//     AllocateLargestRemainder (floor shares, the leftover basis points to
//     the largest remainders, ties to the more recent year); years without
//     data get 0. With every year present this is the identity.
//     E.g. [5000, (missing), 2000] → 5000×10000/7000 = 7142.86 and
//     2000×10000/7000 = 2857.14 → floors 7142 + 2857 = 9999 → the leftover
//     1 bp goes to the larger remainder → [7143, 0, 2857].
//
//  3. Weighted history H = Σ used_weight_k × actual_k / 10000, rounded half
//     away from zero. The used (displayed) weights are the ones applied, so
//     a reader can redo the sum from the response.
//
//  4. Year-on-year growth of window[k] over window[k+1], when both have data:
//     (a_k − a_{k+1}) × 10000 / a_{k+1} bp, rounded half away from zero,
//     clamped into int32 (only an absurd ratio such as 1 → 10^14 reaches the
//     clamp). A pair whose base year a_{k+1} is 0 or negative is skipped: a
//     rate over a zero or negative base means nothing. A missing year breaks
//     the chain: no growth over a two-year gap is invented.
//
//  5. Own history growth = Σ used_weight_k × growth_k / Σ used_weight_k over
//     the pairs computed in 4 (each pair weighted by the used weight of its
//     more recent year), rounded half away from zero; 0 when no pair exists
//     (fewer than two consecutive years with a positive base) or when those
//     weights sum to 0. 0 is the conservative "flat" assumption: it still
//     takes its history_growth_weight_bp share in 6.
//
//  6. Blended growth G = (own × history_growth_weight_bp + industry ×
//     industry_growth_weight_bp + competitor × competitor_growth_weight_bp)
//     / 10000, rounded half away from zero.
//
//  7. Proposed = H × (10000 + G) / 10000, rounded half away from zero, then
//     clamped at 0: a target is never negative. Only a negative H (net returns
//     exceeding sales) or a G below −10000 (own growth from a negative year)
//     can reach the clamp; a step says when it does. A result of 10^15 or
//     more is OUT_OF_RANGE (money above what platform/money.h accepts).
//
//  Fallback. When no year of the window has data (or every year with data has
//  a configured weight of 0), there is nothing to weigh:
//   - with a parent (sibling_count > 0), proposed = floor(parent_proposed /
//     sibling_count), fell_back_to_equal_split = true and fallback_note says
//     so. The floor leaves parent_proposed mod sibling_count unassigned here;
//     the decomposition hands it out by largest remainder (§2) so the
//     siblings still add up to the parent exactly. Growth is not applied
//     again: the parent's figure already includes it.
//   - without a parent, proposed = 0, fell_back_to_equal_split = false and
//     fallback_note says why.
//  H, own growth and G are 0 in both cases.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/status.h"

namespace sales::targets {

// The weights of the baseline formula (settings.proto BaselineWeights); the
// defaults are the seeded TargetSettings.baseline_weights [000 表3].
struct BaselineWeightsBp {
  // Most recent year first; each >= 0; must sum to 10000; index 0 must be >=
  // every other entry ("most recent heaviest"); 1..kMaxBaselineYears entries.
  std::vector<int32_t> year_weights_bp = {5000, 3000, 2000};
  // Each >= 0; the three must sum to 10000.
  int32_t history_growth_weight_bp = 5000;
  int32_t industry_growth_weight_bp = 3000;
  int32_t competitor_growth_weight_bp = 2000;
};

// Longest weighted window accepted (years of history).
inline constexpr int32_t kMaxBaselineYears = 10;
// Largest |actual| / parent_proposed / proposed accepted, as for money
// (platform/money.h): 10^15 minor units.
inline constexpr int64_t kMaxBaselineAmount = 1'000'000'000'000'000;

// INVALID_ARGUMENT with one field violation per problem, named
// "weights.year_weights_bp", "weights.history_growth_weight_bp",
// "weights.industry_growth_weight_bp" and "weights.competitor_growth_weight_bp".
// Refused: no year weights or more than kMaxBaselineYears; a negative weight;
// year weights whose sum is 0 or not 10000; an older year weighted more than
// the most recent; growth weights whose sum is not 10000 (reported on each of
// the three growth fields, since any of them may be the one to fix). Sum
// checks are skipped while a weight is negative, to report the cause once.
absl::Status ValidateBaselineWeights(const BaselineWeightsBp& w);
// The same checks, appended to `out` (for callers collecting several).
void AppendBaselineWeightViolations(const BaselineWeightsBp& w, std::vector<FieldViolation>& out);

// The node's actual for the same period of one past fiscal year.
struct YearActual {
  int32_t fiscal_year = 0;
  std::optional<int64_t> actual;  // nullopt = no data; may be negative (net of returns)
};

struct BaselineInput {
  int32_t fiscal_year = 0;  // the year being planned, 1..9999
  // Same period of previous years, most recent first by convention (placed
  // by fiscal_year, see 1. above); each fiscal_year before the planned one,
  // no duplicates; |actual| < kMaxBaselineAmount.
  std::vector<YearActual> history;
  int32_t industry_growth_bp = 0;    // e.g. 800 = +8%; >= -10000
  int32_t competitor_growth_bp = 0;  // >= -10000
  // For the equal-split fall-back: the parent's proposed figure (0 <= x <
  // kMaxBaselineAmount) and how many children of the parent share it, this
  // node included (0 = no parent).
  int64_t parent_proposed = 0;
  int32_t sibling_count = 0;
};

// One step of the arithmetic, for display (baseline.proto BaselineStep):
// `value` is set by value-producing steps, `rate_bp` by rate-producing ones
// (and to the weight on per-year steps); the other is 0.
struct BaselineStepOut {
  std::string description;
  int64_t value = 0;
  int32_t rate_bp = 0;
};

struct BaselineResult {
  // The window, most recent first: window_years[k] = fiscal_year − 1 − k.
  // Every vector below indexed by window position has this size.
  std::vector<int32_t> window_years;
  // The actual of each window year (nullopt = no data).
  std::vector<std::optional<int64_t>> window_actuals;
  // Weight applied per window year, renormalised over the years with data
  // (0 for years without); sums to 10000 unless the node fell back.
  std::vector<int32_t> used_weights_bp;
  // Growth of window[k] over window[k+1] (0 where not computed, see
  // year_growth_available; the oldest year never has one).
  std::vector<int32_t> year_growth_bp;
  std::vector<bool> year_growth_available;
  int64_t weighted_history = 0;   // H
  int32_t history_growth_bp = 0;  // own weighted growth
  int32_t industry_growth_bp = 0;
  int32_t competitor_growth_bp = 0;
  int32_t blended_growth_bp = 0;  // G
  int64_t proposed = 0;           // >= 0
  bool clamped_at_zero = false;
  bool fell_back_to_equal_split = false;
  std::string fallback_note;           // "" when the node's own history was used
  std::vector<BaselineStepOut> steps;  // the arithmetic in words and numbers, in order
};

// Validates `in` and `w` together (INVALID_ARGUMENT listing every field
// violation: weights.* as above, "fiscal_year", "history[i].fiscal_year",
// "history[i].actual", "industry_growth_bp", "competitor_growth_bp",
// "parent_proposed", "sibling_count"), then applies the formula above.
// OUT_OF_RANGE when the proposed figure reaches kMaxBaselineAmount.
absl::StatusOr<BaselineResult> ComputeBaseline(const BaselineInput& in, const BaselineWeightsBp& w);

}  // namespace sales::targets
