#include "targets-svc/domain/baseline.h"

#include <limits>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/money.h"

namespace sales::targets {
namespace {

constexpr int32_t kBp = 10000;

// num / den rounded to the nearest integer, halves away from zero; den > 0.
absl::int128 DivRoundHalfAway(absl::int128 num, absl::int128 den) {
  bool negative = num < 0;
  absl::int128 a = negative ? -num : num;
  absl::int128 q = a / den;
  if ((a % den) * 2 >= den) ++q;
  return negative ? -q : q;
}

// Rates are int32 in the protos; only an absurd ratio gets here out of range.
int32_t ClampToInt32(absl::int128 v) {
  if (v > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (v < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(v);
}

std::string Fy(int32_t year) { return absl::StrCat("FY", year); }

void AppendInputViolations(const BaselineInput& in, std::vector<FieldViolation>& out) {
  if (in.fiscal_year < 1 || in.fiscal_year > 9999) {
    out.push_back({"fiscal_year", "must be 1..9999"});
  }
  for (size_t i = 0; i < in.history.size(); ++i) {
    const YearActual& h = in.history[i];
    std::string prefix = absl::StrCat("history[", i, "]");
    if (h.fiscal_year >= in.fiscal_year) {
      out.push_back({prefix + ".fiscal_year", absl::StrCat("must be before the planned year ", in.fiscal_year)});
    }
    for (size_t j = 0; j < i; ++j) {
      if (in.history[j].fiscal_year == h.fiscal_year) {
        out.push_back({prefix + ".fiscal_year",
                       absl::StrCat("fiscal year ", h.fiscal_year, " given twice (also history[", j, "])")});
        break;
      }
    }
    if (h.actual.has_value() && (*h.actual >= kMaxBaselineAmount || *h.actual <= -kMaxBaselineAmount)) {
      out.push_back({prefix + ".actual", "|actual| must be below 10^15"});
    }
  }
  if (in.industry_growth_bp < -kBp) {
    out.push_back({"industry_growth_bp", "must be >= -10000 (a fall of at most 100%)"});
  }
  if (in.competitor_growth_bp < -kBp) {
    out.push_back({"competitor_growth_bp", "must be >= -10000 (a fall of at most 100%)"});
  }
  if (in.parent_proposed < 0 || in.parent_proposed >= kMaxBaselineAmount) {
    out.push_back({"parent_proposed", "must be 0 <= parent_proposed < 10^15"});
  }
  if (in.sibling_count < 0) out.push_back({"sibling_count", "must be >= 0 (0 = no parent)"});
}

}  // namespace

void AppendBaselineWeightViolations(const BaselineWeightsBp& w, std::vector<FieldViolation>& out) {
  const std::string years = "weights.year_weights_bp";
  const auto& yw = w.year_weights_bp;
  if (yw.empty() || yw.size() > static_cast<size_t>(kMaxBaselineYears)) {
    out.push_back({years, absl::StrCat("must have 1..", kMaxBaselineYears, " entries, has ", yw.size())});
  } else {
    bool negative = false;
    int64_t sum = 0;
    for (size_t i = 0; i < yw.size(); ++i) {
      if (yw[i] < 0) {
        out.push_back({years, absl::StrCat("entry ", i, " is ", yw[i], "; weights must be >= 0")});
        negative = true;
      }
      sum += yw[i];
    }
    if (!negative) {
      if (sum == 0) {
        out.push_back({years, "weights sum to 0; they must sum to 10000"});
      } else if (sum != kBp) {
        out.push_back({years, absl::StrCat("weights sum to ", sum, "; they must sum to 10000")});
      }
    }
    // Most recent heaviest [domain.md §3]: an older year may tie the most
    // recent one but never outweigh it.
    for (size_t i = 1; i < yw.size(); ++i) {
      if (yw[i] > yw[0]) {
        out.push_back({years, absl::StrCat("entry ", i, " (", yw[i], ") outweighs the most recent year (", yw[0],
                                           "); the most recent year must be the heaviest")});
      }
    }
  }

  const std::pair<const char*, int32_t> growth[] = {
      {"weights.history_growth_weight_bp", w.history_growth_weight_bp},
      {"weights.industry_growth_weight_bp", w.industry_growth_weight_bp},
      {"weights.competitor_growth_weight_bp", w.competitor_growth_weight_bp},
  };
  bool negative = false;
  int64_t sum = 0;
  for (const auto& [field, value] : growth) {
    if (value < 0) {
      out.push_back({field, absl::StrCat("is ", value, "; must be >= 0")});
      negative = true;
    }
    sum += value;
  }
  if (!negative && sum != kBp) {
    // Reported on all three: any of them may be the one to fix.
    for (const auto& g : growth) {
      out.push_back({g.first, absl::StrCat("the three growth weights sum to ", sum, "; they must sum to 10000")});
    }
  }
}

absl::Status ValidateBaselineWeights(const BaselineWeightsBp& w) {
  std::vector<FieldViolation> v;
  AppendBaselineWeightViolations(w, v);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::StatusOr<BaselineResult> ComputeBaseline(const BaselineInput& in, const BaselineWeightsBp& w) {
  {
    std::vector<FieldViolation> v;
    AppendBaselineWeightViolations(w, v);
    AppendInputViolations(in, v);
    if (!v.empty()) return InvalidFields(std::move(v));
  }

  BaselineResult r;
  r.industry_growth_bp = in.industry_growth_bp;
  r.competitor_growth_bp = in.competitor_growth_bp;
  auto step = [&r](std::string description, int64_t value, int32_t rate_bp) {
    r.steps.push_back({std::move(description), value, rate_bp});
  };

  // 1. Window: place each entry by its fiscal year.
  const size_t n = w.year_weights_bp.size();
  r.window_years.resize(n);
  r.window_actuals.assign(n, std::nullopt);
  for (size_t k = 0; k < n; ++k) r.window_years[k] = in.fiscal_year - 1 - static_cast<int32_t>(k);
  std::vector<int32_t> ignored;  // older than the window, reported after the window's years
  for (const YearActual& h : in.history) {
    int64_t k = int64_t{in.fiscal_year} - 1 - h.fiscal_year;  // >= 0 after validation
    if (k >= static_cast<int64_t>(n)) {
      ignored.push_back(h.fiscal_year);
      continue;
    }
    r.window_actuals[k] = h.actual;
  }
  auto report_ignored = [&] {
    for (int32_t y : ignored) step(absl::StrCat(Fy(y), " ignored: outside the ", n, "-year window"), 0, 0);
  };

  // 2. Used weights over the years with data.
  std::vector<int64_t> present_weights(n, 0);
  int64_t present_sum = 0;
  bool any_data = false;
  for (size_t k = 0; k < n; ++k) {
    if (!r.window_actuals[k].has_value()) continue;
    any_data = true;
    present_weights[k] = w.year_weights_bp[k];
    present_sum += w.year_weights_bp[k];
  }
  r.used_weights_bp.assign(n, 0);
  r.year_growth_bp.assign(n, 0);
  r.year_growth_available.assign(n, false);

  if (present_sum == 0) {
    // Fallback: nothing to weigh.
    for (size_t k = 0; k < n; ++k) {
      if (r.window_actuals[k].has_value()) {
        step(absl::StrCat(Fy(r.window_years[k]), ": actual ", *r.window_actuals[k], ", configured weight 0 bp"),
             *r.window_actuals[k], 0);
      } else {
        step(absl::StrCat(Fy(r.window_years[k]), ": no data"), 0, 0);
      }
    }
    report_ignored();
    std::string why = any_data ? "the years with data all carry a configured weight of 0"
                               : absl::StrCat("no history in the ", n, "-year window");
    if (in.sibling_count > 0) {
      r.proposed = in.parent_proposed / in.sibling_count;
      r.fell_back_to_equal_split = true;
      r.fallback_note =
          absl::StrCat("No usable history (", why, "): proposed an equal share of the parent's ", in.parent_proposed,
                       " among ", in.sibling_count, " siblings, ", in.parent_proposed, " / ", in.sibling_count, " = ",
                       r.proposed, " rounded down; the remainder ", in.parent_proposed % in.sibling_count,
                       " is handed out by the decomposition's largest remainder.");
      step(absl::StrCat("equal split: ", in.parent_proposed, " / ", in.sibling_count, " = ", r.proposed,
                        " (rounded down; remainder ", in.parent_proposed % in.sibling_count,
                        " left to the decomposition); no growth applied, the parent's figure includes it"),
           r.proposed, 0);
    } else {
      r.proposed = 0;
      r.fallback_note = absl::StrCat("No usable history (", why,
                                     ") and no parent figure to share: proposed 0; set the target by hand.");
      step("no history and no parent figure: proposed = 0", 0, 0);
    }
    return r;
  }

  SALES_ASSIGN_OR_RETURN(std::vector<int64_t> used, AllocateLargestRemainder(kBp, present_weights));
  for (size_t k = 0; k < n; ++k) r.used_weights_bp[k] = static_cast<int32_t>(used[k]);
  const bool renormalised = present_sum != kBp;
  for (size_t k = 0; k < n; ++k) {
    if (!r.window_actuals[k].has_value()) {
      step(absl::StrCat(Fy(r.window_years[k]), ": no data; its weight ", w.year_weights_bp[k],
                        " bp goes to the years with data"),
           0, 0);
      continue;
    }
    std::string weight = renormalised ? absl::StrCat(w.year_weights_bp[k], " × 10000 / ", present_sum, " → ",
                                                     r.used_weights_bp[k], " bp")
                                      : absl::StrCat(r.used_weights_bp[k], " bp");
    step(absl::StrCat(Fy(r.window_years[k]), ": actual ", *r.window_actuals[k], ", weight ", weight),
         *r.window_actuals[k], r.used_weights_bp[k]);
  }
  report_ignored();
  if (renormalised) {
    step(absl::StrCat("weights renormalised over the years with data (sum ", present_sum,
                      " → 10000, leftover basis points by largest remainder)"),
         0, 0);
  }

  // 3. Weighted history.
  absl::int128 h_num = 0;
  std::string terms;
  for (size_t k = 0; k < n; ++k) {
    if (!r.window_actuals[k].has_value() || r.used_weights_bp[k] == 0) continue;
    h_num += absl::int128(*r.window_actuals[k]) * r.used_weights_bp[k];
    absl::StrAppend(&terms, terms.empty() ? "" : " + ", *r.window_actuals[k], " × ", r.used_weights_bp[k]);
  }
  r.weighted_history = static_cast<int64_t>(DivRoundHalfAway(h_num, kBp));  // |H| < 10^15
  step(absl::StrCat("weighted history H = (", terms, ") / 10000 = ", r.weighted_history,
                    " (rounded half away from zero)"),
       r.weighted_history, 0);

  // 4. Year-on-year growth of consecutive years with data.
  absl::int128 g_num = 0;
  int64_t g_den = 0;
  for (size_t k = 0; k + 1 < n; ++k) {
    const auto& cur = r.window_actuals[k];
    const auto& base = r.window_actuals[k + 1];
    if (!cur.has_value() || !base.has_value()) continue;  // a gap breaks the chain
    const std::string pair = absl::StrCat(Fy(r.window_years[k]), " over ", Fy(r.window_years[k + 1]));
    if (*base <= 0) {
      step(absl::StrCat("growth ", pair, " skipped: base year ", Fy(r.window_years[k + 1]), " is ",
                        *base == 0 ? "0" : "negative", ", a rate over it means nothing"),
           0, 0);
      continue;
    }
    int32_t g = ClampToInt32(DivRoundHalfAway((absl::int128(*cur) - *base) * kBp, *base));
    r.year_growth_bp[k] = g;
    r.year_growth_available[k] = true;
    g_num += absl::int128(g) * r.used_weights_bp[k];
    g_den += r.used_weights_bp[k];
    step(absl::StrCat("growth ", pair, " = (", *cur, " − ", *base, ") × 10000 / ", *base, " = ", g, " bp"), 0, g);
  }

  // 5. Own history growth.
  if (g_den > 0) {
    r.history_growth_bp = ClampToInt32(DivRoundHalfAway(g_num, g_den));
    std::string gterms;
    for (size_t k = 0; k < n; ++k) {
      if (!r.year_growth_available[k]) continue;
      absl::StrAppend(&gterms, gterms.empty() ? "" : " + ", r.year_growth_bp[k], " × ", r.used_weights_bp[k]);
    }
    step(absl::StrCat("own growth = (", gterms, ") / ", g_den, " = ", r.history_growth_bp, " bp"), 0,
         r.history_growth_bp);
  } else {
    r.history_growth_bp = 0;
    step("own growth = 0 bp: fewer than two consecutive years with data over a positive base", 0, 0);
  }

  // 6. Blended growth.
  absl::int128 b_num = absl::int128(r.history_growth_bp) * w.history_growth_weight_bp +
                       absl::int128(in.industry_growth_bp) * w.industry_growth_weight_bp +
                       absl::int128(in.competitor_growth_bp) * w.competitor_growth_weight_bp;
  r.blended_growth_bp = ClampToInt32(DivRoundHalfAway(b_num, kBp));
  step(
      absl::StrCat("blended growth G = (own ", r.history_growth_bp, " × ", w.history_growth_weight_bp, " + industry ",
                   in.industry_growth_bp, " × ", w.industry_growth_weight_bp, " + competitor ", in.competitor_growth_bp,
                   " × ", w.competitor_growth_weight_bp, ") / 10000 = ", r.blended_growth_bp, " bp"),
      0, r.blended_growth_bp);

  // 7. Proposed figure. |H| < 10^15 and |10000 + G| < 2^32 keep the product
  // inside int128; the range check comes before any narrowing.
  absl::int128 p = DivRoundHalfAway(absl::int128(r.weighted_history) * (absl::int128(kBp) + r.blended_growth_bp), kBp);
  const std::string formula = absl::StrCat("proposed = H × (10000 + G) / 10000 = ", r.weighted_history, " × ",
                                           int64_t{kBp} + r.blended_growth_bp, " / 10000");
  if (p >= kMaxBaselineAmount) {
    return absl::OutOfRangeError(absl::StrCat(formula, " reaches 10^15; check the history and growth rates"));
  }
  if (p < 0) {
    // Only a negative H or a G below -10000 gets here.
    r.clamped_at_zero = true;
    step(absl::StrCat(formula, " is negative; clamped to 0 (a target is never negative)"), 0, r.blended_growth_bp);
    p = 0;
  } else {
    step(absl::StrCat(formula, " = ", static_cast<int64_t>(p), " (rounded half away from zero)"),
         static_cast<int64_t>(p), r.blended_growth_bp);
  }
  r.proposed = static_cast<int64_t>(p);
  return r;
}

}  // namespace sales::targets
