// States and kinds are stored as the proto enum name without its prefix
// ("CONFIRMED" for ORDER_STATUS_CONFIRMED): readable in SQL, stable when
// enum values are added, and the same convention in every service.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sales {

namespace enum_names_internal {
// "ORDER_STATUS_" from "ORDER_STATUS_UNSPECIFIED" (value 0 of every enum in protos/).
inline std::string Prefix(const google::protobuf::EnumDescriptor* d) {
  std::string zero(d->value(0)->name());
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  return zero.substr(0, zero.size() - kUnspecified.size());
}
}  // namespace enum_names_internal

template <typename E>
std::string EnumShort(E value) {
  const auto* d = google::protobuf::GetEnumDescriptor<E>();
  const auto* v = d->FindValueByNumber(static_cast<int>(value));
  if (v == nullptr) return "";
  std::string name(v->name());
  return name.substr(enum_names_internal::Prefix(d).size());
}

// Unknown names read as value 0 (UNSPECIFIED).
template <typename E>
E EnumParse(absl::string_view short_name) {
  const auto* d = google::protobuf::GetEnumDescriptor<E>();
  const auto* v = d->FindValueByName(enum_names_internal::Prefix(d) + std::string(short_name));
  return static_cast<E>(v == nullptr ? 0 : v->number());
}

// The stored names of enum values given by number (a request's repeated
// enum field, or a filter's ints), for a "<col> IN (...)" filter on a column
// stored by name. A number the enum does not know becomes "", which no row
// holds.
template <typename E, typename Range>
std::vector<std::string> EnumShortNames(const Range& values) {
  std::vector<std::string> names;
  for (auto v : values) names.push_back(EnumShort(static_cast<E>(v)));
  return names;
}

}  // namespace sales
