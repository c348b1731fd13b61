#include "targets-svc/app/viewer.h"

#include "platform/status.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {

absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& principal) {
  Viewer v;
  v.principal = principal;
  const std::string& role = principal.role;
  if (!principal.authenticated() || role == kRoleAdmin || role == kRoleDirector) {
    v.act_everywhere = v.read_everywhere = true;
    return v;
  }
  if (role == kRoleFinance || role == kRoleService) {
    v.read_everywhere = true;
    return v;
  }
  if (role == kRoleManager && principal.org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto units, SubtreeOf(tx, principal.org_unit_id));
    v.units.insert(units.begin(), units.end());
    v1::ListRepsRequest all;
    all.set_include_left(true);
    SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, all, 0, 1000000));
    for (const auto& r : reps) v.reps.insert(r.id());
  }
  if (role == kRoleRep && principal.rep_id != 0) v.reps.insert(principal.rep_id);
  return v;
}

CellScope ScopeOf(const Viewer& v) {
  CellScope s;
  s.all = v.read_everywhere;
  if (!s.all) {
    s.units.assign(v.units.begin(), v.units.end());
    s.reps.assign(v.reps.begin(), v.reps.end());
  }
  return s;
}

}  // namespace sales::targets
