// The gateway's policy file (gateway/policy.h): operators edit it by hand
// and the gateway re-reads it live, so any text must either be refused with
// INVALID_ARGUMENT or give exactly the documented decisions:
//   - a method matching an internal_methods pattern is internal, open to
//     internal_roles only;
//   - otherwise a role may call a method one of its allow patterns matches
//     and none of its deny patterns does; a role not in the file, nothing.
// The decisions are checked against that rule, computed here from the JSON
// with GlobMatches, for the file's own roles and patterns and real method
// names; and the file re-serialised gives the same decisions.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "gateway/policy.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using sales::gateway::GlobMatches;
using sales::gateway::Policy;

std::vector<std::string> Patterns(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& p : j) {
      if (p.is_string()) out.push_back(p.get<std::string>());
    }
  }
  return out;
}

bool Any(const std::vector<std::string>& patterns, const std::string& method) {
  for (const auto& p : patterns) {
    if (GlobMatches(p, method)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto policy = Policy::Parse(text);
  if (!policy.ok()) {
    FUZZ_CHECK(policy.status().code() == absl::StatusCode::kInvalidArgument, policy.status().ToString());
    return 0;
  }
  // Accepted: it is a JSON object, and the rule below is read from it.
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_object() && j.contains("roles") && j["roles"].is_object(), FuzzShow(text));
  std::vector<std::string> internal_methods = Patterns(j.value("internal_methods", nlohmann::json()));
  std::vector<std::string> internal_roles = Patterns(j.value("internal_roles", nlohmann::json()));
  FUZZ_CHECK(policy->role_count() == j["roles"].size(), FuzzShow(text));

  std::set<std::string> roles = {"SALES_REP", "ADMIN", "SERVICE", "", "nobody"};
  std::set<std::string> methods = {"sales.customers.v1.CustomersService/ListCustomers",
                                   "sales.customers.v1.CustomersService/ListCustomerAudit",
                                   "sales.orders.v1.OrdersService/StreamEvents",
                                   "sales.finance.v1.FinanceService/RunCollectionsSweep",
                                   "sales.targets.v1.TargetsService/GetRep",
                                   "",
                                   "/"};
  for (const auto& r : internal_roles) roles.insert(r);
  for (const auto& p : internal_methods) methods.insert(p);
  for (auto it = j["roles"].begin(); it != j["roles"].end(); ++it) {
    roles.insert(it.key());
    for (const char* field : {"allow", "deny"}) {
      for (const auto& p : Patterns(it.value().value(field, nlohmann::json()))) methods.insert(p);
    }
  }
  while (roles.size() > 24) roles.erase(std::prev(roles.end()));
  while (methods.size() > 48) methods.erase(std::prev(methods.end()));

  auto reparsed = Policy::Parse(j.dump());
  FUZZ_CHECK(reparsed.ok(), FuzzShow(text) + " re-serialised: " + reparsed.status().ToString());

  for (const auto& m : methods) {
    bool internal = Any(internal_methods, m);
    FUZZ_CHECK(policy->IsInternal(m) == internal, FuzzShow(m));
    for (const auto& r : roles) {
      bool want;
      if (internal) {
        want = std::find(internal_roles.begin(), internal_roles.end(), r) != internal_roles.end();
      } else {
        auto rules = j["roles"].find(r);
        want = rules != j["roles"].end() && Any(Patterns(rules->value("allow", nlohmann::json())), m) &&
               !Any(Patterns(rules->value("deny", nlohmann::json())), m);
      }
      std::string ctx = "role " + FuzzShow(r) + " method " + FuzzShow(m) + " policy " + FuzzShow(text);
      FUZZ_CHECK(policy->Allows(r, m) == want, ctx);
      FUZZ_CHECK(reparsed->Allows(r, m) == want, ctx);
    }
  }
  return 0;
}
