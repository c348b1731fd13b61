// What every handler file of customers-svc shares: the method names, and
// the request-shape checks several methods use. Who the caller is and how a
// customer is presented to them are app/viewer.h and app/customers_support.h,
// included here for the handlers' reads.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/domain/field_limits.h"
#include "sales/common/v1/date.pb.h"

namespace sales::customers {

inline constexpr char kCustomersService[] = "sales.customers.v1.CustomersService";

// The full gRPC name of a CustomersService method, as the server, logs,
// metrics and idempotency records name it.
inline std::string CustomersMethod(absl::string_view method) {
  return absl::StrCat("/", kCustomersService, "/", method);
}

// A required free-text reason: non-blank, at most `max` characters (the
// size of its column, field_limits.h).
absl::Status RequireText(const std::string& text, const std::string& field, size_t max = 1000);

// A required id (`id_field`, > 0) and a required reason of at most `max`
// characters, every violation reported at once.
absl::Status ValidateIdAndReason(int64_t id, const char* id_field, const std::string& reason,
                                 size_t max = kMaxReasonChars);

// Validates a Date field that must not be after `today`.
absl::Status NotInFuture(const common::v1::Date& d, absl::string_view field, absl::CivilDay today);

// The business days of a request's date range: both ends valid dates
// (`<field>.start`, `<field>.end`) and the end not before the start.
struct DayRange {
  absl::CivilDay from, to;
};
absl::StatusOr<DayRange> ReadDayRange(const common::v1::DateRange& range, const std::string& field);

}  // namespace sales::customers
