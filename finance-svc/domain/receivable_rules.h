// Pure money rules of the receivables core (domain.md §6): VAT per line,
// ageing buckets, oldest-due-first allocation, product-line splits and the
// gap-free document number format. No I/O; every date is passed in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace sales::finance {

inline constexpr int32_t kDefaultVatBp = 1300;  // 13 % unless a tax rate says otherwise

// net x rate_bp / 10000 rounded half up to the fen. Tax is rounded per line
// (the way the printed VAT invoice shows it), never on the total. A negative
// net (a correction) rounds its magnitude, so +x and -x give opposite taxes.
int64_t TaxHalfUp(int64_t net_minor, int32_t rate_bp);

// quantity x unit price; INVALID_ARGUMENT when it would overflow the 10^15
// bound every amount keeps.
absl::StatusOr<int64_t> LineNet(int64_t quantity, int64_t unit_price_minor);

// Value of shipped-but-unbilled quantity for the credit check: net plus tax
// at the default rate, rounded like an invoice line would be.
int64_t UnbilledValue(int64_t quantity, int64_t unit_price_minor, int32_t rate_bp);

// (Named apart from the ladder's DaysPastDue, which means the same.)
// Days from due date to `as_of`: 0 on the due date, 1 the day after,
// negative before it.
int DaysPastDueOn(absl::CivilDay due_on, absl::CivilDay as_of);

// Ageing buckets by days past due (AgeingBucket numbering of the proto).
// A document due on the report date is current; a day later it is 1-30.
enum class Bucket { kCurrent = 1, kDays1To30, kDays31To60, kDays61To90, kDays91To180, kOver180 };
Bucket BucketOf(int days_past_due);
// The last day of each bucket but the open-ended last: bucket i holds days
// past due in (bound[i-1], bound[i]]. Reports that aggregate in SQL build
// their CASE from these, so one table decides every bucket.
inline constexpr int kBucketLastDay[5] = {0, 30, 60, 90, 180};

// Amounts per bucket; total is always the sum of the six.
struct Ageing {
  int64_t current = 0, d1_30 = 0, d31_60 = 0, d61_90 = 0, d91_180 = 0, over_180 = 0;
  int64_t Total() const { return current + d1_30 + d31_60 + d61_90 + d91_180 + over_180; }
  void Add(Bucket b, int64_t amount);
  void Add(const Ageing& other);
  int64_t Overdue() const { return Total() - current; }
};

// A document competing for a payment in oldest-first allocation.
struct OpenItemRef {
  int64_t key = 0;  // caller's index or id
  absl::CivilDay due_on;
  std::string number;  // tie-break: document number
  int64_t balance_minor = 0;
};

// Pays `remainder` over `items` oldest due date first (ties by number, then
// key) until the remainder or the items run out. Returns amounts per item
// in the order paid, zero-amount items omitted.
struct ItemAmount {
  int64_t key = 0;
  int64_t amount_minor = 0;
};
std::vector<ItemAmount> AllocateOldestDueFirst(int64_t remainder, std::vector<OpenItemRef> items);

// Splits an amount over product lines in proportion to the document's line
// gross amounts (largest remainder, ties by product line id) so the parts
// sum exactly to `amount`. Lines of one product line are merged first.
struct LineWeight {
  int64_t product_line_id = 0;
  int64_t gross_minor = 0;
  int64_t commissionable_gross_minor = 0;
};
struct LineSplit {
  int64_t product_line_id = 0;
  int64_t amount_minor = 0;
  int64_t commissionable_minor = 0;
};
absl::StatusOr<std::vector<LineSplit>> SplitByProductLine(int64_t amount, const std::vector<LineWeight>& lines);

// "INV-2026-000123": prefix, year, six-digit gap-free sequence.
std::string DocumentNumber(const std::string& prefix, int year, int64_t sequence);

// Amount in the company currency of a foreign payment: amount x rate_bp /
// 10000 rounded half up. INVALID_ARGUMENT on overflow.
absl::StatusOr<int64_t> ConvertHalfUp(int64_t amount_minor, int32_t rate_bp);

// The default statement period ending on or before `today`: the half-year
// ending 30 June or 31 December [001 第13条].
struct Period {
  absl::CivilDay start, end;
};
Period DefaultStatementPeriod(absl::CivilDay today);

}  // namespace sales::finance
