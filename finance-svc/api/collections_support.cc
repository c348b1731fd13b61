#include "finance-svc/api/collections_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::finance {

LadderContext LadderContextOf(const ServiceRuntime& rt, const CallContext& call) {
  LadderContext lc;
  lc.outbox = rt.outbox;
  lc.actor.user_id = call.principal.user_id.empty() ? std::string("anonymous") : call.principal.user_id;
  lc.actor.role = call.principal.role;
  lc.actor.request_id = call.request_id;
  lc.now = rt.clock->Now();
  lc.today = BusinessDay(lc.now);
  return lc;
}

absl::StatusOr<ReportScope> ReportScopeOf(db::Transaction& tx, const FinanceScope& scope, int64_t org_unit_id,
                                          int64_t rep_id) {
  ReportScope out;
  out.rep_id = rep_id;
  if (org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(out.unit_ids, OrgReplica::Subtree(tx, org_unit_id));
    if (out.unit_ids.empty()) out.unit_ids.push_back(org_unit_id);
  }
  if (scope.all) return out;
  if (scope.rep_id != 0) {
    // A rep sees only their own figures, whatever they ask for.
    if (rep_id != 0 && rep_id != scope.rep_id) out.none = true;
    out.rep_id = scope.rep_id;
    return out;
  }
  if (out.unit_ids.empty()) {
    out.unit_ids = scope.units;
  } else {
    std::vector<int64_t> both;
    for (int64_t u : out.unit_ids) {
      if (std::find(scope.units.begin(), scope.units.end(), u) != scope.units.end()) both.push_back(u);
    }
    out.unit_ids = std::move(both);
  }
  if (out.unit_ids.empty()) out.none = true;
  return out;
}

absl::StatusOr<bool> NarrowToScope(db::Transaction& tx, const FinanceScope& scope, int64_t org_unit_id, CaseFilter* f) {
  SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, org_unit_id, f->rep_id));
  if (rs.none) return false;
  f->rep_id = rs.rep_id;
  f->org_unit_ids = rs.unit_ids;
  return true;
}

}  // namespace sales::finance
