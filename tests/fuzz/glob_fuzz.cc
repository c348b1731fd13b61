// The policy's glob matching (gateway/policy.h GlobMatches) against what
// "shell glob over <package>.<Service>/<Method>" promises:
//   - a pattern without * ? [ \ matches exactly itself;
//   - "*" matches every method name; "<literal>*" exactly the names starting
//     with it; "*<literal>*" exactly those containing it;
//   - a text with every character escaped matches exactly that text.
// Texts and patterns may hold any byte; one holding a NUL matches nothing.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "gateway/policy.h"
#include "tests/fuzz/fuzz_check.h"

using sales::gateway::GlobMatches;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string pattern = in.ConsumeRandomLengthString(256);
  std::string text = in.ConsumeRandomLengthString(256);
  std::string ctx = "pattern " + FuzzShow(pattern) + " text " + FuzzShow(text);

  bool matched = GlobMatches(pattern, text);
  FUZZ_CHECK(GlobMatches(pattern, text) == matched, ctx);  // deterministic

  // A NUL is in no method name, and C's fnmatch would stop reading at it
  // (so "a\0b" would pass for "a"): it never matches.
  bool has_nul = pattern.find('\0') != std::string::npos || text.find('\0') != std::string::npos;
  if (has_nul) {
    FUZZ_CHECK(!matched, ctx);
    return 0;
  }
  bool literal = pattern.find_first_of("*?[\\") == std::string::npos;
  if (literal) {
    FUZZ_CHECK(matched == (pattern == text), ctx);
    FUZZ_CHECK(GlobMatches(pattern + "*", text) == absl::StartsWith(text, pattern), ctx);
    FUZZ_CHECK(GlobMatches("*" + pattern + "*", text) == absl::StrContains(text, pattern), ctx);
  }
  FUZZ_CHECK(GlobMatches("*", text), ctx);

  std::string escaped;
  for (char c : text) {
    escaped.push_back('\\');
    escaped.push_back(c);
  }
  FUZZ_CHECK(GlobMatches(escaped, text), ctx);
  FUZZ_CHECK(!GlobMatches(escaped, text + "x"), ctx);
  return 0;
}
