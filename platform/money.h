// Money checks and arithmetic shared by every service (domain.md §2):
// integer minor units with an ISO-4217 currency, never floating point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sales/common/v1/money.pb.h"

namespace sales {

enum class Sign { kPositive, kNonNegative, kAny };

// Currency must be three upper-case letters; the amount must respect `sign`
// and stay below 10^15 minor units so sums of many cannot overflow int64.
absl::Status ValidateMoney(const common::v1::Money& m, absl::string_view field, Sign sign);

common::v1::Money MakeMoney(int64_t minor_units, absl::string_view currency = "CNY");

// Splits `total` into parts proportional to `weights`, conserving it exactly:
// floor shares, then the remainder one unit at a time to the largest
// fractional remainders, ties to the lower index. All-zero weights split
// equally. Weights must be >= 0.
absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total,
                                                             const std::vector<int64_t>& weights);
// The same with wide weights (history × quality × policy can pass 2^63).
absl::StatusOr<std::vector<int64_t>> AllocateLargestRemainder(int64_t total,
                                                             const std::vector<absl::int128>& weights);

}  // namespace sales
