#include "platform/config.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sales {

absl::StatusOr<Config> Config::FromArgs(int argc, const char* const* argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    }
    auto eq = arg.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("flag '", arg, "' needs --key=value"));
    }
    config.flags_[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  return config;
}

Config Config::FromMap(std::map<std::string, std::string> values) {
  Config config;
  config.flags_ = std::move(values);
  config.use_env_ = false;
  return config;
}

bool Config::Lookup(const std::string& key, std::string* out) const {
  if (auto it = flags_.find(key); it != flags_.end()) {
    *out = it->second;
    return true;
  }
  if (!use_env_) return false;
  std::string env_name = "SALES_" + absl::AsciiStrToUpper(key);
  if (const char* v = std::getenv(env_name.c_str())) {
    *out = v;
    return true;
  }
  return false;
}

std::string Config::GetString(const std::string& key, const std::string& def) const {
  std::string v;
  if (!Lookup(key, &v)) v = def;
  effective_[key] = v;
  return v;
}

absl::StatusOr<int64_t> Config::GetInt(const std::string& key, int64_t def) const {
  std::string raw;
  if (!Lookup(key, &raw)) {
    effective_[key] = absl::StrCat(def);
    return def;
  }
  int64_t v;
  if (!absl::SimpleAtoi(raw, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("config ", key, "='", raw, "' is not an integer"));
  }
  effective_[key] = raw;
  return v;
}

absl::StatusOr<bool> Config::GetBool(const std::string& key, bool def) const {
  std::string raw;
  if (!Lookup(key, &raw)) {
    effective_[key] = def ? "true" : "false";
    return def;
  }
  bool v;
  if (!absl::SimpleAtob(raw, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("config ", key, "='", raw, "' is not a boolean"));
  }
  effective_[key] = raw;
  return v;
}

absl::StatusOr<absl::Duration> Config::GetDuration(const std::string& key, absl::Duration def) const {
  std::string raw;
  if (!Lookup(key, &raw)) {
    effective_[key] = absl::FormatDuration(def);
    return def;
  }
  absl::Duration d;
  if (!absl::ParseDuration(raw, &d)) {
    return absl::InvalidArgumentError(absl::StrCat("config ", key, "='", raw, "' is not a duration like 500ms or 5s"));
  }
  effective_[key] = raw;
  return d;
}

absl::StatusOr<std::string> Config::GetSecret(const std::string& key, const std::string& def) const {
  secrets_.insert(key);
  std::string v;
  if (Lookup(key, &v)) {
    effective_[key] = v;
    return v;
  }
  std::string file;
  if (Lookup(key + "_file", &file)) {
    std::ifstream in(file);
    if (!in) return absl::NotFoundError(absl::StrCat("secret file for ", key, " not readable: ", file));
    std::stringstream ss;
    ss << in.rdbuf();
    v = ss.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    effective_[key] = v;
    return v;
  }
  effective_[key] = def;
  return def;
}

std::string Config::EffectiveConfigJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : effective_) {
    j[k] = secrets_.count(k) ? (v.empty() ? "" : "****") : v;
  }
  // Values are whatever bytes a flag or the environment held; dump() throws
  // on invalid UTF-8, which would abort the process as it starts.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sales
