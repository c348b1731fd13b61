// Configuration values (platform/config.h): flags as an operator or a
// manifest writes them, read as strings, integers, booleans, durations and
// secrets, and the effective configuration every process logs at start.
//   - FromArgs accepts exactly the argument lists of --key=value flags;
//   - each typed read either refuses with INVALID_ARGUMENT or returns a value
//     that reads back the same from its canonical text (int, bool, duration);
//   - a secret reads back as given (from a flag, or from its _file with the
//     trailing newline stripped) and never appears in EffectiveConfigJson,
//     which is always valid JSON, whatever bytes the values hold.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/config.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

const std::string& SecretFile() {
  static const std::string* path = [] {
    char name[] = "/tmp/sales-config-fuzz-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) std::abort();
    close(fd);
    return new std::string(name);
  }();
  return *path;
}

bool ValidUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string file_secret = in.ConsumeRandomLengthString(256);
  std::vector<std::string> args = absl::StrSplit(in.ConsumeRemainingBytesAsString(), '\n');
  if (args.size() > 32) args.resize(32);

  // A secret from its file.
  {
    std::ofstream out(SecretFile(), std::ios::binary | std::ios::trunc);
    out << file_secret;
  }
  auto from_file = sales::Config::FromMap({{"tls_key_file", SecretFile()}}).GetSecret("tls_key", "");
  std::string want = file_secret;
  while (!want.empty() && (want.back() == '\n' || want.back() == '\r')) want.pop_back();
  FUZZ_CHECK(from_file.ok() && *from_file == want, FuzzShow(file_secret));

  // argv holds C strings: an argument ends at its first NUL.
  for (auto& a : args) a = std::string(a.c_str());
  std::vector<const char*> argv = {"fuzz-svc"};
  bool well_formed = true;
  std::map<std::string, std::string> expected;  // the last of a repeated flag wins
  for (const auto& a : args) {
    argv.push_back(a.c_str());
    size_t eq = a.find('=');
    if (!absl::StartsWith(a, "--") || eq == std::string::npos) {
      well_formed = false;
      continue;
    }
    expected[a.substr(2, eq - 2)] = a.substr(eq + 1);
  }
  auto config = sales::Config::FromArgs(static_cast<int>(argv.size()), argv.data());
  FUZZ_CHECK(config.ok() == well_formed, config.status().ToString());
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument, config.status().ToString());
    return 0;
  }

  std::map<std::string, bool> secret;
  int i = 0;
  for (const auto& [key, value] : expected) {
    if (++i > 16) break;
    std::string ctx = FuzzShow(key) + "=" + FuzzShow(value);
    if (i % 3 == 0) {
      auto s = config->GetSecret(key, "default");
      FUZZ_CHECK(s.ok() && *s == value, ctx);
      secret[key] = true;
      continue;
    }
    secret[key] = false;
    FUZZ_CHECK(config->GetString(key, "default") == value, ctx);

    auto n = config->GetInt(key, 7);
    int64_t atoi_value;
    FUZZ_CHECK(n.ok() == absl::SimpleAtoi(value, &atoi_value), ctx);
    if (n.ok()) {
      FUZZ_CHECK(*n == atoi_value, ctx);
      auto again = sales::Config::FromMap({{key, absl::StrCat(*n)}}).GetInt(key, 7);
      FUZZ_CHECK(again.ok() && *again == *n, ctx);
    } else {
      FUZZ_CHECK(n.status().code() == absl::StatusCode::kInvalidArgument, ctx);
    }

    auto b = config->GetBool(key, false);
    if (b.ok()) {
      auto again = sales::Config::FromMap({{key, *b ? "true" : "false"}}).GetBool(key, !*b);
      FUZZ_CHECK(again.ok() && *again == *b, ctx);
    } else {
      FUZZ_CHECK(b.status().code() == absl::StatusCode::kInvalidArgument, ctx);
    }

    auto d = config->GetDuration(key, absl::Seconds(5));
    if (d.ok()) {
      std::string canonical = absl::FormatDuration(*d);
      auto again = sales::Config::FromMap({{key, canonical}}).GetDuration(key, absl::Seconds(5));
      FUZZ_CHECK(again.ok() && *again == *d, ctx + " canonical " + canonical);
    } else {
      FUZZ_CHECK(d.status().code() == absl::StatusCode::kInvalidArgument, ctx);
    }
  }

  std::string effective = config->EffectiveConfigJson();
  nlohmann::json j = nlohmann::json::parse(effective, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_object(), effective);
  for (const auto& [key, is_secret] : secret) {
    if (!ValidUtf8(key)) continue;  // shown with U+FFFD in place of the bad bytes
    FUZZ_CHECK(j.contains(key), effective);
    if (is_secret) {
      std::string shown = j[key].get<std::string>();
      FUZZ_CHECK(shown == (expected[key].empty() ? "" : "****"), effective);
    }
  }
  return 0;
}
