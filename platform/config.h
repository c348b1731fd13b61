// Configuration from flags (--key=value) and environment (SALES_KEY), with
// secrets from the environment or from files (SALES_KEY_FILE). Flags win
// over environment, environment over defaults.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sales {

class Config {
 public:
  // Parses argv (skipping argv[0]) and reads the environment lazily.
  // Unknown flags are kept; a flag without '=' is refused.
  static absl::StatusOr<Config> FromArgs(int argc, const char* const* argv);
  // For tests: explicit values only, no environment.
  static Config FromMap(std::map<std::string, std::string> values);

  // Declares a key with its default; secrets are masked when printed.
  std::string GetString(const std::string& key, const std::string& def) const;
  absl::StatusOr<int64_t> GetInt(const std::string& key, int64_t def) const;
  absl::StatusOr<bool> GetBool(const std::string& key, bool def) const;
  absl::StatusOr<absl::Duration> GetDuration(const std::string& key, absl::Duration def) const;
  // A secret: from --key, SALES_KEY, or the file named by SALES_KEY_FILE /
  // --key_file (trailing newline stripped).
  absl::StatusOr<std::string> GetSecret(const std::string& key, const std::string& def) const;

  // Every key read so far with its effective value, secrets as "****".
  std::string EffectiveConfigJson() const;

 private:
  bool Lookup(const std::string& key, std::string* out) const;
  std::map<std::string, std::string> flags_;
  bool use_env_ = true;
  mutable std::map<std::string, std::string> effective_;
  mutable std::set<std::string> secrets_;
};

}  // namespace sales
