#include "platform/convert.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/status.h"

namespace sales {

std::string FormatDbTime(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone()); }

absl::Time ParseDbTime(absl::string_view s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", std::string(s), absl::UTCTimeZone(), &t, &err)) {
    return absl::UnixEpoch();
  }
  return t;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t secs = absl::ToUnixSeconds(t);
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(secs)) / absl::Nanoseconds(1)));
  return ts;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::TimeZone CompanyTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

absl::CivilDay BusinessDay(absl::Time t) { return absl::ToCivilDay(t, CompanyTimeZone()); }

absl::Time StartOfBusinessDay(absl::CivilDay day) { return absl::FromCivil(day, CompanyTimeZone()); }

absl::Status ValidateDate(const common::v1::Date& d, absl::string_view field) {
  if (d.year() < 1900 || d.year() > 9999) {
    return InvalidField(absl::StrCat(field, ".year"), "must be 1900..9999");
  }
  if (d.month() < 1 || d.month() > 12) {
    return InvalidField(absl::StrCat(field, ".month"), "must be 1..12");
  }
  absl::CivilDay day(d.year(), d.month(), d.day());
  if (d.day() < 1 || day.day() != d.day() || day.month() != d.month()) {
    return InvalidField(absl::StrCat(field, ".day"), "is not a day of that month");
  }
  return absl::OkStatus();
}

std::string FormatDbDate(const common::v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

common::v1::Date ParseDbDate(absl::string_view s) {
  absl::CivilDay day;
  common::v1::Date d;
  if (absl::ParseCivilTime(s.substr(0, 10), &day)) d = FromCivilDay(day);
  return d;
}

absl::CivilDay ToCivilDay(const common::v1::Date& d) { return absl::CivilDay(d.year(), d.month(), d.day()); }

common::v1::Date FromCivilDay(absl::CivilDay day) {
  common::v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::string MakeEtag(int64_t version) { return absl::StrCat("v", version); }

absl::Status CheckEtag(absl::string_view sent, int64_t version, absl::string_view kind, int64_t id) {
  if (sent.empty() || sent == MakeEtag(version)) return absl::OkStatus();
  return StaleEtag(kind, id, sent, MakeEtag(version));
}

absl::Status CheckEtag(absl::string_view sent, absl::string_view current, absl::string_view kind, int64_t id) {
  if (sent.empty() || sent == current) return absl::OkStatus();
  return StaleEtag(kind, id, sent, current);
}

std::string EncodePageToken(int64_t last_id) { return absl::WebSafeBase64Escape(absl::StrCat("after:", last_id)); }

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token) {
  if (token.empty()) return 0;
  std::string raw;
  int64_t id = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("after:", 0) != 0 ||
      !absl::SimpleAtoi(absl::string_view(raw).substr(6), &id) || id < 0) {
    return InvalidField("page_token", "not a token this service issued");
  }
  return id;
}

absl::StatusOr<int> PageSize(int32_t requested, PageLimits limits) {
  if (requested == 0) return limits.default_size;
  if (requested < 0 || requested > limits.max_size) {
    return InvalidField("page_size", absl::StrCat("must be 0..", limits.max_size));
  }
  return requested;
}

}  // namespace sales
