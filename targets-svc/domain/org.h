// Rules of the sales organization tree (domain.md §3): company → branch/
// region → office → team, one company, codes unique, market quality in bp;
// editing a unit after it is set up, its manager, and the tree as read.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sales/targets/v1/org.pb.h"
#include "sales/targets/v1/org_messages.pb.h"
#include "sales/targets/v1/rep.pb.h"

namespace sales::targets {

// The kind a parent must have for a child of `kind`; UNSPECIFIED for the
// company (which has no parent).
v1::OrgUnitKind RequiredParentKind(v1::OrgUnitKind kind);

// Field checks of a new unit (no I/O): code, name, kind, parent, market
// quality. Fills defaults (market quality 10000).
absl::Status ValidateNewOrgUnit(v1::OrgUnit& unit);

// The parent's kind must fit the child's level.
absl::Status CheckParentFits(v1::OrgUnitKind child, v1::OrgUnitKind parent);

// Codes of units, reps and product lines: 1..32 of A-Z, 0-9, '-', '_'.
bool IsCode(const std::string& code);

// One changed field of a master-data record, as its audit entry tells it.
struct MasterDataChange {
  std::string action;  // e.g. NAME_CHANGED
  std::string from;
  std::string to;
};

// What an UpdateOrgUnit asks to change; an empty optional keeps the stored
// value. manager_rep_id 0 removes the manager.
struct OrgUnitEdit {
  std::optional<std::string> code;
  std::optional<std::string> name;
  std::optional<int32_t> market_quality_bp;
  std::optional<int64_t> manager_rep_id;
};

// Reads the request against its update_mask (no I/O). A named field takes
// the value sent, blank included (a blank code, name or market quality is
// refused; manager 0 removes the manager). An empty mask applies the
// fields that are set and keeps the blank ones, clear_manager removing the
// manager — what UpdateOrgUnit did before it had a mask. INVALID_ARGUMENT
// with one violation per bad field, or on update_mask.paths[i].
absl::StatusOr<OrgUnitEdit> OrgUnitEditOf(const v1::UpdateOrgUnitRequest& request);

// `unit` with the edit applied.
v1::OrgUnit EditedOrgUnit(const v1::OrgUnit& unit, const OrgUnitEdit& edit);

// A closed unit is read-only history: FAILED_PRECONDITION (UNIT_CLOSED).
absl::Status CheckUnitOpen(const v1::OrgUnit& unit);

// A unit is managed by a rep in service (on probation or active, not on
// leave or gone) who belongs to the unit itself or to a unit above it
// (`unit_ancestors`, nearest first): the manager answers for the unit from
// inside the line above it. FAILED_PRECONDITION (MANAGER_NOT_IN_LINE,
// MANAGER_NOT_IN_SERVICE) otherwise.
absl::Status CheckUnitManager(const v1::OrgUnit& unit, const std::vector<int64_t>& unit_ancestors,
                              const v1::Rep& manager);

// The fields that differ between `before` and `after`, for the audit trail.
std::vector<MasterDataChange> OrgUnitChanges(const v1::OrgUnit& before, const v1::OrgUnit& after);

// What GetOrgTree asks for: the root, how many levels below it (0 = all),
// and whether closed units are shown.
struct OrgTreeRequest {
  int64_t root_id = 0;
  int32_t max_depth = 0;
  bool include_closed = false;
};

// The tree below `request.root_id` in depth-first pre-order, children by
// code, each node with its depth and ancestor_ids (company first). `units`
// carry the parent they had on the date the tree is read for; `closed`
// names the units closed by then (left out with their subtrees unless
// include_closed; the root is always shown). `visible` (when given) limits
// the walk to the units the caller may see. rep_ids are the caller's to
// fill.
std::vector<v1::OrgTreeNode> WalkOrgTree(const std::vector<v1::OrgUnit>& units, const std::set<int64_t>& closed,
                                         const OrgTreeRequest& request, const std::set<int64_t>* visible);

}  // namespace sales::targets
