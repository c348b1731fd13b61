// Money checks and arithmetic shared by every service (domain.md §2):
// integer minor units with an ISO-4217 currency, never floating point.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sales/common/v1/money.pb.h"

namespace sales {

enum class Sign { kPositive, kNonNegative, kAny };

// The largest magnitude any amount may take: |amount| < 10^15 minor units
// (ten trillion yuan, far beyond any order, invoice or target we run), so a
// sum of a few thousand of them still fits int64 with room to spare.
inline constexpr int64_t kMaxAmountMinorUnits = 1'000'000'000'000'000;  // 10^15, exclusive

// ---- Checked arithmetic (domain.md §2: money never wraps) ----
// Every product and sum of money, quantities and basis points that comes
// from request input goes through these. They never wrap: an int64 overflow
// answers INVALID_ARGUMENT naming `field` (the request field the operand
// came from, so the caller learns what to fix), or OUT_OF_RANGE when
// `field` is empty (an internal total with no single field to blame).

// a + b, a - b, a × b in int64.
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view field = "");
absl::StatusOr<int64_t> CheckedSub(int64_t a, int64_t b, absl::string_view field = "");
absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view field = "");

// amount × bp / 10000 rounded half away from zero (the magnitude rounded
// half up, the sign restored, so +x and -x give opposite results, as tax
// and commission have always been rounded). Any int64 amount and bp are
// computed exactly in 128 bits; only a result outside int64 is refused.
absl::StatusOr<int64_t> ApplyBasisPoints(int64_t amount, int64_t bp, absl::string_view field = "");

// The same results, but also refused when |result| >= kMaxAmountMinorUnits:
// what a money amount built from quantities and prices must respect.
absl::StatusOr<int64_t> AmountAdd(int64_t a, int64_t b, absl::string_view field = "");
absl::StatusOr<int64_t> AmountMul(int64_t a, int64_t b, absl::string_view field = "");
// INVALID_ARGUMENT naming `field` (OUT_OF_RANGE without one) unless
// |amount| < kMaxAmountMinorUnits.
absl::Status CheckAmount(int64_t amount, absl::string_view field = "");

// A running money total: each Add is checked and bounded like AmountAdd.
// Used where a handler sums lines, fees, allocations or buckets.
class AmountSum {
 public:
  explicit AmountSum(std::string field = "", int64_t start = 0) : field_(std::move(field)), value_(start) {}
  absl::Status Add(int64_t v);
  absl::Status Sub(int64_t v);
  int64_t value() const { return value_; }

 private:
  std::string field_;
  int64_t value_;
};

// Currency must be three upper-case letters; the amount must respect `sign`
// and stay below 10^15 minor units so sums of many cannot overflow int64.
absl::Status ValidateMoney(const common::v1::Money& m, absl::string_view field, Sign sign);

common::v1::Money MakeMoney(int64_t minor_units, absl::string_view currency = "CNY");

// Splits `total` into parts proportional to `weights`, conserving it exactly:
// floor shares, then the remainder one unit at a time to the largest
// fractional remainders, ties to the lower index. All-zero weights split
// equally. Weights must be >= 0.
absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total, const std::vector<int64_t>& weights);
// The same with wide weights (history × quality × policy can pass 2^63).
absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total, const std::vector<absl::int128>& weights);

}  // namespace sales
