// How much one request may carry (issue 12: money can't wrap; bounded
// resources per caller). Each bound is a business answer, not a technical
// one: it is far above anything a sales department enters, and low enough
// that no product or sum built from it can leave int64 or the 10^15 bound
// every amount keeps (platform/money.h). Pure rules, no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::orders {

// Units on one document line (order, quote, shipment, return, stock
// movement). A billion units is more than a large dairy or FMCG plant ships
// in a year of one SKU; a line beyond it is a typo or an attack (the issue's
// 2^62-unit order). With it, a line's amount only leaves the 10^15 bound for
// unit prices above 10^6 yuan, which AmountMul refuses by name.
inline constexpr int64_t kMaxLineQuantity = 1'000'000'000;

// Lines on one order or quote. Paper contracts [002 5.9] and printed
// outbound notes run to a few dozen lines; 200 leaves room for a
// distributor's full-range order while keeping one request's pricing,
// approval routing and stock allocation bounded.
inline constexpr int kMaxDocumentLines = 200;

// Special fees on one order or quote (slotting, promotion, freight...): a
// customer asks for a handful; each needs approval [001].
inline constexpr int kMaxSpecialFees = 20;

// Approval steps echoed back on an order or quote sent for update: the
// service ignores them, but a client that sends back what it read must not
// be refused (a document collects at most a few per submission).
inline constexpr int kMaxEchoedApprovals = 100;

// Lines of one stock receipt or transfer: a truck's manifest.
inline constexpr int kMaxStockLines = 500;

// Entries of one price list: one per product of the catalog.
inline constexpr int kMaxPriceListEntries = 10'000;

// Filters by status: there are fewer than 20 statuses of any document.
inline constexpr int kMaxStatusFilters = 20;

// Policy calendars: weekend days (ISO 1..7), holidays and extra working days
// for a few years ahead.
inline constexpr int kMaxWeekendDays = 7;
inline constexpr int kMaxCalendarDays = 1'000;
// One discount limit per sales role.
inline constexpr int kMaxDiscountLimits = 10;

// INVALID_ARGUMENT naming `field` when a repeated field has more than `max`
// entries; checked before anything is read from the entries.
inline absl::Status CheckRepeatedCap(int size, int max, const std::string& field) {
  if (size <= max) return absl::OkStatus();
  return InvalidField(field, absl::StrCat("at most ", max, " entries (", size, " sent)"));
}

// A quantity within 1..kMaxLineQuantity, or with `allow_negative` (a
// correction order's reversal) within -kMaxLineQuantity..kMaxLineQuantity
// and not 0. The description says what is expected.
inline bool QuantityInRange(int64_t quantity, bool allow_negative) {
  if (quantity == 0) return false;
  if (quantity < 0) return allow_negative && quantity >= -kMaxLineQuantity;
  return quantity <= kMaxLineQuantity;
}
inline std::string QuantityRule(bool allow_negative) {
  return allow_negative ? absl::StrCat("must not be 0 and |quantity| at most ", kMaxLineQuantity)
                        : absl::StrCat("must be within 1..", kMaxLineQuantity);
}

}  // namespace sales::orders
