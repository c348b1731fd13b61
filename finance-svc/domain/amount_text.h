// Amounts as finance's step details and audit reasons write them.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace sales::finance {

// 12345 fen as "123.45" (yuan with two decimals, fen exact; "-" below zero).
inline std::string FormatFen(int64_t minor) {
  // Negated as unsigned so the most negative amount has a magnitude too.
  uint64_t a = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  return absl::StrCat(minor < 0 ? "-" : "", a / 100, ".", (a % 100) / 10, a % 10);
}

}  // namespace sales::finance
