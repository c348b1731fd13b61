#include "customers-svc/domain/field_limits.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sales::customers {
namespace {

bool Continues(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

template <typename Message>
struct TextField {
  absl::string_view name;
  size_t max;
  const std::string& (Message::*get)() const;
};

// Checks the fields of `table` named in `paths` (all when empty).
template <typename Message, size_t N>
bool CheckFields(const TextField<Message> (&table)[N], const Message& m, absl::string_view prefix,
                 const std::vector<std::string>& paths, std::vector<FieldViolation>* out) {
  bool any = false;
  for (const auto& f : table) {
    bool wanted = paths.empty();
    for (const auto& p : paths) wanted = wanted || p == f.name;
    if (wanted) any = CheckLength((m.*f.get)(), f.max, absl::StrCat(prefix, f.name), out) || any;
  }
  return any;
}

// The text fields of Customer a caller sets, with their columns' sizes.
constexpr TextField<v1::Customer> kCustomerFields[] = {
    {"name", kMaxCustomerNameChars, &v1::Customer::name},
    {"phone", kMaxPhoneChars, &v1::Customer::phone},
    {"region", kMaxRegionChars, &v1::Customer::region},
    {"city", kMaxCityChars, &v1::Customer::city},
    {"address", kMaxAddressChars, &v1::Customer::address},
    {"source_channel", kMaxSourceChannelChars, &v1::Customer::source_channel},
    {"notes", kMaxCustomerNotesChars, &v1::Customer::notes},
};

constexpr TextField<v1::Contact> kContactFields[] = {
    {"name", kMaxContactNameChars, &v1::Contact::name},   {"title", kMaxContactTitleChars, &v1::Contact::title},
    {"phone", kMaxPhoneChars, &v1::Contact::phone},       {"email", kMaxContactEmailChars, &v1::Contact::email},
    {"im_id", kMaxContactImIdChars, &v1::Contact::im_id}, {"notes", kMaxContactNotesChars, &v1::Contact::notes},
};

}  // namespace

size_t CharCount(absl::string_view utf8) {
  size_t n = 0;
  for (char b : utf8) n += Continues(b) ? 0 : 1;
  return n;
}

bool CheckLength(absl::string_view value, size_t max, absl::string_view field, std::vector<FieldViolation>* out) {
  // Bytes bound characters from above: most texts need no counting.
  if (value.size() <= max || CharCount(value) <= max) return false;
  out->push_back({std::string(field), absl::StrCat("at most ", max, " characters")});
  return true;
}

absl::Status CheckLength(absl::string_view value, size_t max, absl::string_view field) {
  std::vector<FieldViolation> v;
  if (CheckLength(value, max, field, &v)) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

std::string ClipChars(absl::string_view utf8, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
    if (Continues(utf8[i])) continue;
    if (chars == max) return std::string(utf8.substr(0, i));
    ++chars;
  }
  return std::string(utf8);
}

void CheckCustomerLengths(const v1::Customer& c, absl::string_view prefix, const std::vector<std::string>& paths,
                          std::vector<FieldViolation>* out) {
  CheckFields(kCustomerFields, c, prefix, paths, out);
}

bool CheckContactLengths(const v1::Contact& c, absl::string_view prefix, const std::vector<std::string>& paths,
                         std::vector<FieldViolation>* out) {
  return CheckFields(kContactFields, c, prefix, paths, out);
}

}  // namespace sales::customers
