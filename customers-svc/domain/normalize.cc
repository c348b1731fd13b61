#include "customers-svc/domain/normalize.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// Decodes UTF-8 into code points; invalid bytes become U+FFFD.
std::vector<char32_t> Decode(absl::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void Encode(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Full-width forms (U+FF01..U+FF5E) and the ideographic space fold to ASCII.
char32_t ToHalfWidth(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;
  if (cp == 0x3000) return ' ';
  return cp;
}

bool IsSeparator(char32_t cp) {
  if (cp < 0x80) return !absl::ascii_isalnum(static_cast<unsigned char>(cp));
  // CJK punctuation: 、。（）【】《》·—
  switch (cp) {
    case 0x3001:
    case 0x3002:
    case 0x3008:
    case 0x3009:
    case 0x300A:
    case 0x300B:
    case 0x3010:
    case 0x3011:
    case 0x00B7:
    case 0x2014:
    case 0x2018:
    case 0x2019:
    case 0x201C:
    case 0x201D:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::string> NormalizePhone(absl::string_view phone) {
  std::string digits;
  for (char32_t cp : Decode(phone)) {
    cp = ToHalfWidth(cp);
    if (cp >= '0' && cp <= '9') {
      digits.push_back(static_cast<char>(cp));
    } else if (cp == '+' || cp == '-' || cp == ' ' || cp == '(' || cp == ')' || cp == '.') {
      continue;
    } else {
      return InvalidField("customer.phone", "may contain only digits, spaces, +, -, ( and )");
    }
  }
  if (absl::StartsWith(digits, "0086")) {
    digits = digits.substr(4);
  } else if (absl::StartsWith(digits, "86") && digits.size() >= 12) {
    digits = digits.substr(2);
  }
  // A landline written with its country code loses the area code's 0.
  if (digits.size() >= 9 && digits[0] != '0' && digits[0] != '1') digits.insert(digits.begin(), '0');
  bool mobile = digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
  bool landline = digits.size() >= 10 && digits.size() <= 12 && digits[0] == '0' && digits[1] != '0';
  if (!mobile && !landline) {
    return InvalidField("customer.phone", "not a Chinese mobile (11 digits, 1x) or landline (area code + number)");
  }
  return digits;
}

std::string NormalizeName(absl::string_view name) {
  std::string out;
  for (char32_t cp : Decode(name)) {
    cp = ToHalfWidth(cp);
    if (IsSeparator(cp)) continue;
    if (cp < 0x80) cp = absl::ascii_tolower(static_cast<unsigned char>(cp));
    Encode(cp, &out);
  }
  // Longest suffixes first so 股份有限公司 is not left as 股份.
  static constexpr absl::string_view kSuffixes[] = {"股份有限公司", "有限责任公司", "有限公司", "集团公司",
                                                    "公司",         "coltd",        "limited",  "ltd"};
  absl::string_view view(out);
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (absl::string_view suffix : kSuffixes) {
      if (view.size() > suffix.size() && absl::EndsWith(view, suffix)) {
        view.remove_suffix(suffix.size());
        stripped = true;
        break;
      }
    }
  }
  return std::string(view);
}

absl::StatusOr<std::string> NormalizeTaxId(absl::string_view tax_id) {
  std::string out;
  for (char32_t cp : Decode(tax_id)) {
    cp = ToHalfWidth(cp);
    if (cp == ' ' || cp == '-') continue;
    if (cp >= 'a' && cp <= 'z') cp = cp - 'a' + 'A';
    if (!((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z'))) {
      return InvalidField("customer.tax_id", "only digits and letters");
    }
    out.push_back(static_cast<char>(cp));
  }
  if (out.size() != 15 && out.size() != 18) {
    return InvalidField("customer.tax_id", "must be 15 or 18 characters");
  }
  return out;
}

std::string MaskPhone(absl::string_view p) {
  if (p.size() < 7) return std::string(p.size(), '*');
  return absl::StrCat(p.substr(0, 3), std::string(p.size() - 7, '*'), p.substr(p.size() - 4));
}

}  // namespace sales::customers
