#include "targets-svc/domain/access.h"

#include "absl/strings/str_cat.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {

bool CanSee(const Viewer& v, int64_t org_unit_id, int64_t rep_id) {
  if (v.read_everywhere) return true;
  if (rep_id != 0 && v.reps.count(rep_id)) return true;
  return v.principal.role == kRoleManager && org_unit_id != 0 && v.units.count(org_unit_id);
}

bool CanManage(const Viewer& v, int64_t org_unit_id) {
  if (v.act_everywhere) return true;
  return v.principal.role == kRoleManager && v.units.count(org_unit_id);
}

absl::Status OutOfScope(const std::string& what) {
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat(what, " is outside your scope")), "OUT_OF_SCOPE",
                       kTargetsDomain);
}

absl::Status RoleNotAllowed(const Viewer& v, const std::string& what) {
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat(
                           "role ", v.principal.role.empty() ? "(none)" : v.principal.role, " may not ", what)),
                       "ROLE_NOT_ALLOWED", kTargetsDomain, {{"role", v.principal.role}});
}

}  // namespace sales::targets
