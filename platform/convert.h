// Conversions used by every store and handler: database times, protobuf
// timestamps and dates, etags and opaque page tokens.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sales/common/v1/date.pb.h"

namespace sales {

// DATETIME(6) text in UTC, e.g. "2026-11-23 19:05:07.123456".
std::string FormatDbTime(absl::Time t);
absl::Time ParseDbTime(absl::string_view s);
google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// The company time zone: Asia/Shanghai, a fixed UTC+8 (China has had no DST
// since 1991), so a fixed offset gives the same days without a tzdata lookup
// that could fail at run time.
absl::TimeZone CompanyTimeZone();
// The business day of an instant in the company time zone:
// 2026-03-01T15:59:00Z is Mar 1 (23:59 local), 16:01Z is Mar 2 (00:01).
absl::CivilDay BusinessDay(absl::Time t);
// The first instant of a business day (00:00 UTC+8 = 16:00Z the day before).
absl::Time StartOfBusinessDay(absl::CivilDay day);

// Business dates ("YYYY-MM-DD" in SQL DATE columns).
absl::Status ValidateDate(const common::v1::Date& d, absl::string_view field);
std::string FormatDbDate(const common::v1::Date& d);
common::v1::Date ParseDbDate(absl::string_view s);
absl::CivilDay ToCivilDay(const common::v1::Date& d);
common::v1::Date FromCivilDay(absl::CivilDay d);

// Etags are the row version; "" from a client means "don't check".
std::string MakeEtag(int64_t version);
// OK when `sent` is empty or names `version`; ABORTED (STALE_ETAG) otherwise.
absl::Status CheckEtag(absl::string_view sent, int64_t version, absl::string_view kind, int64_t id);
// The same against a resource's current etag as read back (etags are opaque).
absl::Status CheckEtag(absl::string_view sent, absl::string_view current, absl::string_view kind, int64_t id);

// Keyset pagination: the token carries the last id of the previous page.
std::string EncodePageToken(int64_t last_id);
absl::StatusOr<int64_t> DecodePageToken(absl::string_view token);
// What a page holds when the caller leaves page_size 0, and the most it may
// ask for. Every list names one of the kinds below, so the defaults and
// maxima the contracts document ("1..200; 0 means 50") live in one place.
struct PageLimits {
  int default_size;
  int max_size;
};
// Business documents a person pages through one by one: orders, quotes,
// shipments, returns, price lists, handovers, contacts, investigations.
inline constexpr PageLimits kPageOfDocuments{50, 200};
// Master data and everyday lists: customers, products, plans, entries.
inline constexpr PageLimits kPageOfRecords{100, 500};
// Rows of money read in bulk: the ledger, ageing and invoicing reports.
inline constexpr PageLimits kPageOfLedgerRows{100, 1000};
// Rows of a summary report or a stock listing, read by a spreadsheet.
inline constexpr PageLimits kPageOfReportRows{200, 1000};

// page_size 0 → the kind's default; 1..max accepted; otherwise
// INVALID_ARGUMENT on page_size.
absl::StatusOr<int> PageSize(int32_t requested, PageLimits limits = kPageOfRecords);

}  // namespace sales
