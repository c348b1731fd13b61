#include "finance-svc/app/access.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/errors.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::finance {

bool HasRole(const Principal& p, std::initializer_list<const char*> roles) {
  if (!p.authenticated()) return true;
  if (p.role == kRoleAdmin) return true;
  for (const char* r : roles) {
    if (p.role == r) return true;
  }
  return false;
}

bool IsFinanceStaff(const Principal& p) { return HasRole(p, {kRoleFinance}); }

bool SeesAllFinancials(const Principal& p) { return HasRole(p, {kRoleFinance, kRoleDirector, kRoleService}); }

absl::Status Denied(const std::string& what) {
  return WithErrorInfo(absl::PermissionDeniedError(what), "ROLE_NOT_ALLOWED", kFinanceDomain);
}

bool FinanceScope::Allows(int64_t rep, int64_t unit) const {
  if (all) return true;
  if (rep_id != 0 && rep == rep_id) return true;
  return std::find(units.begin(), units.end(), unit) != units.end();
}

absl::StatusOr<FinanceScope> LoadScope(db::Transaction& tx, const Principal& p) {
  FinanceScope s;
  if (SeesAllFinancials(p)) {
    s.all = true;
    return s;
  }
  if (p.role == kRoleManager && p.org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(s.units, OrgReplica::Subtree(tx, p.org_unit_id));
    if (s.units.empty()) s.units.push_back(p.org_unit_id);
    return s;
  }
  if (p.role == kRoleRep && p.rep_id != 0) {
    s.rep_id = p.rep_id;
    return s;
  }
  // Clerks, receptionists and the warehouse see no receivables.
  return Denied(absl::StrCat("role ", p.role, " does not see receivables"));
}

}  // namespace sales::finance
