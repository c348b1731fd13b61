// Page tokens, page sizes and business dates: what a client sends in every
// List call (platform/convert.h).
//   - DecodePageToken(EncodePageToken(id)) == id for every id >= 0; a
//     negative id's token is refused; tokens are URL-safe text.
//   - any token either decodes to an id >= 0 that re-encodes to a token
//     decoding to the same id, or is INVALID_ARGUMENT naming page_token.
//   - PageSize is def for 0, the request for 1..max, INVALID_ARGUMENT else.
//   - a date ValidateDate accepts survives FormatDbDate → ParseDbDate.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool NamesPageToken(const absl::Status& st) {
  if (st.code() != absl::StatusCode::kInvalidArgument) return false;
  for (const auto& v : sales::FieldViolationsOf(st)) {
    if (v.field == "page_token") return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  int64_t id = in.ConsumeIntegral<int64_t>();
  int32_t requested = in.ConsumeIntegral<int32_t>();
  int max = in.ConsumeIntegralInRange<int>(1, 10000);
  int def = in.ConsumeIntegralInRange<int>(1, max);
  sales::common::v1::Date date;
  date.set_year(in.ConsumeIntegral<int32_t>());
  date.set_month(in.ConsumeIntegral<int32_t>());
  date.set_day(in.ConsumeIntegral<int32_t>());
  std::string token = in.ConsumeRemainingBytesAsString();

  // Our own tokens.
  std::string mine = sales::EncodePageToken(id);
  for (char c : mine) {
    FUZZ_CHECK(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_', mine);
  }
  auto back = sales::DecodePageToken(mine);
  if (id >= 0) {
    FUZZ_CHECK(back.ok() && *back == id, absl::StrCat(id, " -> ", mine));
  } else {
    FUZZ_CHECK(!back.ok() && NamesPageToken(back.status()), absl::StrCat(id, " -> ", mine));
  }

  // Whatever a client sends.
  auto decoded = sales::DecodePageToken(token);
  if (decoded.ok()) {
    FUZZ_CHECK(*decoded >= 0, FuzzShow(token));
    FUZZ_CHECK(!token.empty() || *decoded == 0, "the empty token is the first page");
    auto again = sales::DecodePageToken(sales::EncodePageToken(*decoded));
    FUZZ_CHECK(again.ok() && *again == *decoded, FuzzShow(token));
  } else {
    FUZZ_CHECK(NamesPageToken(decoded.status()), FuzzShow(token) + " " + decoded.status().ToString());
  }

  auto page = sales::PageSize(requested, sales::PageLimits{def, max});
  if (requested == 0) {
    FUZZ_CHECK(page.ok() && *page == def, absl::StrCat(requested));
  } else if (requested >= 1 && requested <= max) {
    FUZZ_CHECK(page.ok() && *page == requested, absl::StrCat(requested));
  } else {
    FUZZ_CHECK(!page.ok() && page.status().code() == absl::StatusCode::kInvalidArgument,
               absl::StrCat(requested, " max ", max));
  }

  if (sales::ValidateDate(date, "as_of").ok()) {
    std::string text = sales::FormatDbDate(date);
    auto parsed = sales::ParseDbDate(text);
    FUZZ_CHECK(parsed.year() == date.year() && parsed.month() == date.month() && parsed.day() == date.day(), text);
    FUZZ_CHECK(sales::FromCivilDay(sales::ToCivilDay(date)).SerializeAsString() == date.SerializeAsString(), text);
  } else {
    FUZZ_CHECK(sales::ValidateDate(date, "as_of").code() == absl::StatusCode::kInvalidArgument,
               date.ShortDebugString());
  }
  return 0;
}
