#include "customers-svc/app/viewer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::customers {

bool Viewer::IsRep() const { return principal.role == kRoleRep; }
bool Viewer::IsManager() const { return principal.role == kRoleManager; }
bool Viewer::IsReceptionist() const { return principal.role == kRoleReceptionist; }

bool Viewer::HasUnit(int64_t unit) const { return std::binary_search(units.begin(), units.end(), unit); }

MaskingViewer Viewer::Masking() const {
  MaskingViewer m;
  m.reads_all = ReadsAll();
  m.rep_id = rep ? rep_id : 0;
  if (manager) m.units = units;
  return m;
}

CustomerVisibility Viewer::VisibilityOf(const CustomerRecord& c) const {
  return sales::customers::VisibilityOf(c.customer, Masking());
}

bool Viewer::Sees(const CustomerRecord& c) const { return VisibilityOf(c) == CustomerVisibility::kFull; }

bool Viewer::Manages(const CustomerRecord& c) const {
  if (all) return true;
  if (!manager) return false;
  if (c.customer.owner_rep_id() == 0) return true;
  return ManagesUnit(c.owner_org_unit_id);
}

absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& principal) {
  Viewer v;
  v.principal = principal;
  v.who = Who::Of(principal);
  const std::string& role = principal.role;
  if (!principal.authenticated() || role == kRoleAdmin || role == kRoleDirector) {
    v.all = true;
    return v;
  }
  v.finance = role == kRoleFinance;
  v.service = role == kRoleService;
  v.receptionist = role == kRoleReceptionist;
  if ((role == kRoleManager || role == kRoleReceptionist) && principal.org_unit_id != 0) {
    v.manager = role == kRoleManager;
    SALES_ASSIGN_OR_RETURN(v.units, OrgReplica::Subtree(tx, principal.org_unit_id));
    v.units.push_back(principal.org_unit_id);
    std::sort(v.units.begin(), v.units.end());
    v.units.erase(std::unique(v.units.begin(), v.units.end()), v.units.end());
  }
  if (role == kRoleRep && principal.rep_id != 0) {
    v.rep = true;
    v.rep_id = principal.rep_id;
  }
  return v;
}

absl::Status Denied(const std::string& what) {
  return WithErrorInfo(absl::PermissionDeniedError(what), "NOT_ALLOWED", kCustomersDomain);
}

absl::Status Denied(const Viewer& v, absl::string_view what) {
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat(
                           "role ", v.principal.role.empty() ? "(none)" : v.principal.role, " may not ", what)),
                       "PERMISSION_DENIED", kCustomersDomain, {{"role", v.principal.role}});
}

absl::Status MayRunSweep(const Viewer& v) {
  if (v.service || (v.all && (v.principal.role == kRoleAdmin || !v.principal.authenticated()))) {
    return absl::OkStatus();
  }
  return Denied("sweeps run as a service identity or ADMIN");
}

common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_user_id(p.user_id);
  a.set_role(p.role);
  a.set_rep_id(p.rep_id);
  a.set_org_unit_id(p.org_unit_id);
  return a;
}

}  // namespace sales::customers
