// Migration file splitting (platform/migrate.h SplitSqlStatements): every
// migration an operator or developer writes goes through it before MariaDB.
//   - every statement is non-empty and has no surrounding whitespace;
//   - splitting is stable: joining the statements with ";\n" and splitting
//     again gives the same statements (a ';' inside a statement is always
//     inside a quote, so none is lost or invented);
//   - never more statements than ';'s + 1;
//   - without quotes, comments or escapes it is a plain split on ';'.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/migrate.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string script(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> statements = sales::SplitSqlStatements(script);

  size_t semicolons = 0;
  for (char c : script) semicolons += c == ';';
  FUZZ_CHECK(statements.size() <= semicolons + 1, FuzzShow(script));
  for (const auto& s : statements) {
    FUZZ_CHECK(!s.empty(), FuzzShow(script));
    FUZZ_CHECK(absl::StripAsciiWhitespace(s) == s, FuzzShow(s));
  }

  std::string joined = absl::StrJoin(statements, ";\n");
  std::vector<std::string> again = sales::SplitSqlStatements(joined);
  FUZZ_CHECK(again == statements, "script " + FuzzShow(script) + "\n  joined " + FuzzShow(joined) + "\n  split into " +
                                      std::to_string(statements.size()) + " then " + std::to_string(again.size()));

  if (script.find_first_of("'\"`-#/\\") == std::string::npos) {
    std::vector<std::string> plain;
    for (absl::string_view part : absl::StrSplit(script, ';')) {
      absl::string_view stripped = absl::StripAsciiWhitespace(part);
      if (!stripped.empty()) plain.emplace_back(stripped);
    }
    FUZZ_CHECK(plain == statements, FuzzShow(script));
  }
  return 0;
}
