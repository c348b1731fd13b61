#include "platform/money.h"

#include <algorithm>
#include <numeric>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales {

constexpr int64_t kMaxMinorUnits = kMaxAmountMinorUnits;

namespace {

// The answer for a result that does not fit: the caller's field when there
// is one (their input made it), OUT_OF_RANGE otherwise.
absl::Status Overflow(absl::string_view field, absl::string_view what) {
  if (field.empty()) return absl::OutOfRangeError(absl::StrCat(what, " overflows"));
  return InvalidField(std::string(field), absl::StrCat(what, " is too large (the result would overflow)"));
}

absl::Status TooLarge(absl::string_view field, int64_t v) {
  std::string why = absl::StrCat("amount ", v, " is out of range (|amount| < 10^15 minor units)");
  if (field.empty()) return absl::OutOfRangeError(why);
  return InvalidField(std::string(field), std::move(why));
}

}  // namespace

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view field) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return Overflow(field, "the sum");
  return r;
}

absl::StatusOr<int64_t> CheckedSub(int64_t a, int64_t b, absl::string_view field) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return Overflow(field, "the difference");
  return r;
}

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view field) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return Overflow(field, "the product");
  return r;
}

absl::StatusOr<int64_t> ApplyBasisPoints(int64_t amount, int64_t bp, absl::string_view field) {
  // |amount| ≤ 2^63 and |bp| ≤ 2^63 keep the product below 2^126: exact in
  // int128. Work on magnitudes so halves round away from zero.
  bool negative = (amount < 0) != (bp < 0);
  absl::int128 a = amount < 0 ? -absl::int128(amount) : absl::int128(amount);
  absl::int128 b = bp < 0 ? -absl::int128(bp) : absl::int128(bp);
  absl::int128 r = (a * b + 5000) / 10000;
  if (negative) r = -r;
  if (r > absl::int128(INT64_MAX) || r < absl::int128(INT64_MIN)) {
    return Overflow(field, "the amount at this rate");
  }
  return static_cast<int64_t>(r);
}

absl::Status CheckAmount(int64_t amount, absl::string_view field) {
  if (amount >= kMaxAmountMinorUnits || amount <= -kMaxAmountMinorUnits) return TooLarge(field, amount);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> AmountAdd(int64_t a, int64_t b, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(int64_t r, CheckedAdd(a, b, field));
  SALES_RETURN_IF_ERROR(CheckAmount(r, field));
  return r;
}

absl::StatusOr<int64_t> AmountMul(int64_t a, int64_t b, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(int64_t r, CheckedMul(a, b, field));
  SALES_RETURN_IF_ERROR(CheckAmount(r, field));
  return r;
}

absl::Status AmountSum::Add(int64_t v) {
  SALES_ASSIGN_OR_RETURN(value_, AmountAdd(value_, v, field_));
  return absl::OkStatus();
}

absl::Status AmountSum::Sub(int64_t v) {
  SALES_ASSIGN_OR_RETURN(int64_t r, CheckedSub(value_, v, field_));
  SALES_RETURN_IF_ERROR(CheckAmount(r, field_));
  value_ = r;
  return absl::OkStatus();
}

absl::Status ValidateMoney(const common::v1::Money& m, absl::string_view field, Sign sign) {
  std::vector<FieldViolation> v;
  const std::string& cur = m.currency_code();
  bool cur_ok = cur.size() == 3 && std::all_of(cur.begin(), cur.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
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

absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total, const std::vector<int64_t>& weights) {
  return AllocateLargestRemainder(total, std::vector<absl::int128>(weights.begin(), weights.end()));
}

absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total, const std::vector<absl::int128>& weights) {
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
