// Method-level authorization at the gateway: which roles may call which
// methods, from a JSON file operators edit and the gateway re-reads. The
// services still check data scope (a rep's own customers); the policy only
// decides whether a role may call a method at all.
//
// File format:
//   {
//     "internal_methods": ["*/StreamEvents", "*/Run*Sweep", ...],
//     "internal_roles":   ["SERVICE", "ADMIN"],
//     "roles": {
//       "SALES_REP": {"allow": ["sales.customers.v1.CustomersService/List*", ...],
//                     "deny":  ["sales.customers.v1.CustomersService/ListCustomerAudit"]},
//       ...
//     }
//   }
// Patterns are shell globs over "<package>.<Service>/<Method>". A method
// matching "internal_methods" is open to "internal_roles" only, whatever the
// role lists say; otherwise a role may call a method it allows and does not
// deny. A role missing from the file may call nothing.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sales::gateway {

class Policy {
 public:
  static absl::StatusOr<Policy> Parse(absl::string_view json);
  // `method` is "<package>.<Service>/<Method>".
  bool Allows(absl::string_view role, absl::string_view method) const;
  bool IsInternal(absl::string_view method) const;
  size_t role_count() const { return roles_.size(); }

 private:
  struct RoleRules {
    std::string role;
    std::vector<std::string> allow;
    std::vector<std::string> deny;
  };
  std::vector<std::string> internal_methods_;
  std::vector<std::string> internal_roles_;
  std::vector<RoleRules> roles_;
};

bool GlobMatches(absl::string_view pattern, absl::string_view text);

// The policy file, re-read when its modification time or size changes. A
// file that fails to parse leaves the previous policy in force (and is
// logged), so a typo cannot open or close the whole suite.
class PolicyFile {
 public:
  explicit PolicyFile(std::string path) : path_(std::move(path)) {}
  // Loads on first call (error when unreadable); later calls reload on change.
  absl::Status Refresh();
  std::shared_ptr<const Policy> current() const;

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::string stamp_;
  std::shared_ptr<const Policy> policy_;
};

}  // namespace sales::gateway
