#include "platform/money.h"

#include <algorithm>
#include <numeric>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales {

constexpr int64_t kMaxMinorUnits = 1'000'000'000'000'000;  // 10^15

absl::Status ValidateMoney(const common::v1::Money& m, absl::string_view field, Sign sign) {
  std::vector<FieldViolation> v;
  const std::string& cur = m.currency_code();
  bool cur_ok = cur.size() == 3 && std::all_of(cur.begin(), cur.end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!cur_ok) v.push_back({absl::StrCat(field, ".currency_code"), "ISO-4217 code like CNY"});
  int64_t u = m.minor_units();
  if (u >= kMaxMinorUnits || u <= -kMaxMinorUnits) {
    v.push_back({absl::StrCat(field, ".minor_units"), "out of range (|amount| < 10^15 minor units)"});
  } else if (sign == Sign::kPositive && u <= 0) {
    v.push_back({absl::StrCat(field, ".minor_units"), "must be > 0"});
  } else if (sign == Sign::kNonNegative && u < 0) {
    v.push_back({absl::StrCat(field, ".minor_units"), "must be >= 0"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

common::v1::Money MakeMoney(int64_t minor_units, absl::string_view currency) {
  common::v1::Money m;
  m.set_currency_code(std::string(currency));
  m.set_minor_units(minor_units);
  return m;
}

absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total,
                                                             const std::vector<int64_t>& weights) {
  return AllocateLargestRemainder(total, std::vector<absl::int128>(weights.begin(), weights.end()));
}

absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total,
                                                             const std::vector<absl::int128>& weights) {
  if (weights.empty()) return absl::InvalidArgumentError("nothing to split into");
  // |total| < 2^50 (above any money we accept) and weights < 2^76 keep
  // every t * w inside int128.
  if (total >= (int64_t{1} << 50) || total <= -(int64_t{1} << 50)) {
    return absl::InvalidArgumentError("total too large to split");
  }
  absl::int128 sum = 0;
  for (const absl::int128& w : weights) {
    if (w < 0) return absl::InvalidArgumentError("weights must be >= 0");
    if (w >= (absl::int128(1) << 76)) return absl::InvalidArgumentError("weight too large");
    sum += w;
  }
  std::vector<absl::int128> w = weights;
  if (sum == 0) {
    std::fill(w.begin(), w.end(), 1);
    sum = static_cast<int64_t>(w.size());
  }
  // Work on |total| and restore the sign so negative totals split symmetrically.
  bool negative = total < 0;
  absl::int128 t = negative ? -absl::int128(total) : absl::int128(total);
  std::vector<int64_t> parts(w.size());
  std::vector<absl::int128> rem(w.size());
  absl::int128 assigned = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    absl::int128 num = t * w[i];
    parts[i] = static_cast<int64_t>(num / sum);
    rem[i] = num % sum;
    assigned += parts[i];
  }
  std::vector<size_t> order(w.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  int64_t left = static_cast<int64_t>(t - assigned);
  for (size_t k = 0; k < order.size() && left > 0; ++k, --left) ++parts[order[k]];
  if (negative) {
    for (auto& p : parts) p = -p;
  }
  return parts;
}

}  // namespace sales
