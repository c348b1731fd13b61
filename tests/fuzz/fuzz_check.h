// What every fuzz target uses to state a property: FUZZ_CHECK aborts with
// the broken property and some context, so libFuzzer keeps the input as a
// crash. It is not assert(): the targets build with NDEBUG and must check.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"

#define FUZZ_CHECK(cond, context)                                                                           \
  do {                                                                                                      \
    if (!(cond)) {                                                                                          \
      std::fprintf(stderr, "\nproperty broken: %s\n  at %s:%d\n  context: %s\n", #cond, __FILE__, __LINE__, \
                   std::string(context).c_str());                                                           \
      std::abort();                                                                                         \
    }                                                                                                       \
  } while (0)

// Bytes shown printably in a property report.
inline std::string FuzzShow(const std::string& bytes) { return "\"" + absl::CHexEscape(bytes) + "\""; }
