// Keeping the sales organization up to date after it is set up (issue 17):
// editing a unit (code, name, market quality, manager), reading the tree as
// it stands or stood on a date and a unit's placements, editing reps and
// product lines, retiring a line. Every edit is checked by domain/org.h and
// domain/roster.h, leaves one audit entry per changed field (org_audit) and
// publishes the resource's updated event; an edit that changes nothing
// writes nothing.
//
// Works on the stores directly, as app/target_reductions.h does.
#pragma once

#include <set>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/targets/v1/org_messages.pb.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/org.h"
#include "targets-svc/domain/roster.h"

namespace sales::targets {

// The part of the org a caller reads: all of it for those who read
// everywhere and for company-wide roles (no unit of their own); otherwise
// the subtree of the caller's own unit — a manager's, a rep's (the unit
// the rep belongs to now), an office receptionist's. Nothing for a caller
// whose unit is unknown.
struct OrgReadScope {
  bool all = false;
  int64_t home_unit = 0;    // where an unscoped request starts; 0 = the company
  std::set<int64_t> units;  // the visible subtree unless `all`
  bool Sees(int64_t unit) const { return all || units.count(unit) > 0; }
};
absl::StatusOr<OrgReadScope> OrgReadScopeOf(db::Transaction& tx, const Viewer& viewer);

class OrgUpkeep {
 public:
  OrgUpkeep(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // ADMIN or the director. NOT_FOUND, ABORTED (stale etag), UNIT_CLOSED; a
  // new manager must exist (INVALID_ARGUMENT on manager_rep_id) and be in
  // service in the unit or above it (domain CheckUnitManager); a taken code
  // is ALREADY_EXISTS. Publishes OrgUnitUpdatedEvent.
  absl::StatusOr<v1::UpdateOrgUnitResponse> UpdateOrgUnit(db::Transaction& tx, const CallContext& call,
                                                          const v1::UpdateOrgUnitRequest& request,
                                                          const OrgUnitEdit& edit);
  // The subtree below root_id (0: the caller's home unit, the company for
  // those who see all) as it stands, or as it stood on as_of: parents and
  // members from the placement and rep histories. NOT_FOUND for a root
  // unknown (or not yet placed on as_of); PERMISSION_DENIED outside the
  // caller's scope.
  absl::StatusOr<v1::GetOrgTreeResponse> OrgTree(db::Transaction& tx, const CallContext& call,
                                                 const v1::GetOrgTreeRequest& request);
  // One page of a unit's placements, oldest first. NOT_FOUND when unknown;
  // PERMISSION_DENIED outside the caller's scope.
  absl::StatusOr<v1::ListOrgUnitPlacementsResponse> Placements(db::Transaction& tx, const CallContext& call,
                                                               const v1::ListOrgUnitPlacementsRequest& request,
                                                               int page_size, int64_t after_id);
  // ADMIN, or a manager inside their subtree. NOT_FOUND, ABORTED, REP_STATUS
  // (the rep left), HIRE_DATE_AFTER_HISTORY; a taken employee code is
  // ALREADY_EXISTS. A corrected hire date also moves the start of the rep's
  // first history interval (and status_since while the rep's status never
  // changed). Publishes RepUpdatedEvent.
  absl::StatusOr<v1::UpdateRepResponse> UpdateRep(db::Transaction& tx, const CallContext& call,
                                                  const v1::UpdateRepRequest& request, const RepEdit& edit);
  // ADMIN or the director (master data). NOT_FOUND, ABORTED, LINE_RETIRED;
  // a taken code is ALREADY_EXISTS. A new role applies to plans made
  // afterwards (cells keep the role they were cut with). Publishes
  // ProductLineUpdatedEvent.
  absl::StatusOr<v1::UpdateProductLineResponse> UpdateProductLine(db::Transaction& tx, const CallContext& call,
                                                                  const v1::UpdateProductLineRequest& request,
                                                                  const ProductLineEdit& edit);
  // ACTIVE → RETIRED, with the reason in the audit trail: no new
  // assignments (decomposition takes active lines only); signed plans and
  // actuals keep the line as history. LINE_RETIRED, LINE_IN_UNSIGNED_PLAN.
  // Publishes ProductLineUpdatedEvent.
  absl::StatusOr<v1::RetireProductLineResponse> RetireProductLine(db::Transaction& tx, const CallContext& call,
                                                                  const v1::RetireProductLineRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::targets
