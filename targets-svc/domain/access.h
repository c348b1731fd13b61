// Who may see and do what in targets (domain.md §1): a rep sees and answers
// only their own targets; a manager acts inside their unit's subtree; the
// director and admin see and act on everything; finance reads everything.
#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "platform/call.h"
#include "platform/roles.h"

namespace sales::targets {

struct Viewer {
  Principal principal;
  bool act_everywhere = false;   // admin, director; a development caller without identity
  bool read_everywhere = false;  // the above plus finance and services
  std::set<int64_t> units;       // a manager's subtree
  std::set<int64_t> reps;        // reps in that subtree, or the rep themself
};

bool CanSee(const Viewer& v, int64_t org_unit_id, int64_t rep_id);
bool CanManage(const Viewer& v, int64_t org_unit_id);
// PERMISSION_DENIED with reason OUT_OF_SCOPE, naming what was refused.
absl::Status OutOfScope(const std::string& what);
// PERMISSION_DENIED with reason ROLE_NOT_ALLOWED.
absl::Status RoleNotAllowed(const Viewer& v, const std::string& what);

}  // namespace sales::targets
