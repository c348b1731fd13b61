#include "gateway/policy.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/log.h"

namespace sales::gateway {
namespace {

absl::Status Strings(const nlohmann::json& j, const std::string& where, std::vector<std::string>* out) {
  if (j.is_null()) return absl::OkStatus();
  if (!j.is_array()) return absl::InvalidArgumentError(absl::StrCat(where, " must be a list of patterns"));
  for (const auto& v : j) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " holds a non-string or empty pattern"));
    }
    // "\u0000" is legal JSON, but fnmatch would read "a\u0000b" as "a".
    if (v.get<std::string>().find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, " holds a pattern with a NUL character"));
    }
    out->push_back(v.get<std::string>());
  }
  return absl::OkStatus();
}

bool AnyMatches(const std::vector<std::string>& patterns, const std::string& text) {
  for (const auto& p : patterns) {
    if (GlobMatches(p, text)) return true;
  }
  return false;
}

}  // namespace

bool GlobMatches(absl::string_view pattern, absl::string_view text) {
  // fnmatch stops at a NUL, so "abc" would match "abc\0anything": a NUL is
  // in no method name, and a text or pattern holding one matches nothing.
  if (absl::StrContains(pattern, '\0') || absl::StrContains(text, '\0')) return false;
  std::string p(pattern), t(text);
  return fnmatch(p.c_str(), t.c_str(), 0) == 0;
}

absl::StatusOr<Policy> Policy::Parse(absl::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("policy is not a JSON object");
  Policy p;
  absl::Status st = Strings(j.value("internal_methods", nlohmann::json()), "internal_methods", &p.internal_methods_);
  if (!st.ok()) return st;
  st = Strings(j.value("internal_roles", nlohmann::json()), "internal_roles", &p.internal_roles_);
  if (!st.ok()) return st;
  auto roles = j.find("roles");
  if (roles == j.end() || !roles->is_object()) return absl::InvalidArgumentError("policy needs a \"roles\" object");
  for (auto it = roles->begin(); it != roles->end(); ++it) {
    if (!it.value().is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("roles.", it.key(), " must be an object with allow/deny"));
    }
    for (auto f = it.value().begin(); f != it.value().end(); ++f) {
      if (f.key() != "allow" && f.key() != "deny" && f.key() != "comment") {
        return absl::InvalidArgumentError(absl::StrCat("roles.", it.key(), ": unknown field '", f.key(), "'"));
      }
    }
    RoleRules r;
    r.role = it.key();
    st = Strings(it.value().value("allow", nlohmann::json()), absl::StrCat("roles.", it.key(), ".allow"), &r.allow);
    if (!st.ok()) return st;
    st = Strings(it.value().value("deny", nlohmann::json()), absl::StrCat("roles.", it.key(), ".deny"), &r.deny);
    if (!st.ok()) return st;
    p.roles_.push_back(std::move(r));
  }
  return p;
}

bool Policy::IsInternal(absl::string_view method) const { return AnyMatches(internal_methods_, std::string(method)); }

bool Policy::Allows(absl::string_view role, absl::string_view method_name) const {
  std::string method(method_name);
  if (AnyMatches(internal_methods_, method)) {
    for (const auto& r : internal_roles_) {
      if (r == role) return true;
    }
    return false;
  }
  for (const auto& r : roles_) {
    if (r.role != role) continue;
    return AnyMatches(r.allow, method) && !AnyMatches(r.deny, method);
  }
  return false;
}

absl::Status PolicyFile::Refresh() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (policy_ != nullptr) return absl::OkStatus();  // keep the last good one
    return absl::NotFoundError(absl::StrCat("policy file ", path_, " is not readable"));
  }
  std::string stamp = absl::StrCat(st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ":", st.st_ino);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stamp == stamp_ && policy_ != nullptr) return absl::OkStatus();
  }
  std::ifstream in(path_);
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = Policy::Parse(ss.str());
  std::lock_guard<std::mutex> lock(mu_);
  stamp_ = stamp;
  if (!parsed.ok()) {
    LogError("policy file refused; previous policy stays in force",
             {{"file", path_}, {"error", parsed.status().ToString()}});
    if (policy_ != nullptr) return absl::OkStatus();
    return parsed.status();
  }
  policy_ = std::make_shared<const Policy>(std::move(*parsed));
  LogInfo("policy loaded", {{"file", path_}, {"roles", static_cast<long>(policy_->role_count())}});
  return absl::OkStatus();
}

std::shared_ptr<const Policy> PolicyFile::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

}  // namespace sales::gateway
