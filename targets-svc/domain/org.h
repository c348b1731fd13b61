// Rules of the sales organization tree (domain.md §3): company → branch/
// region → office → team, one company, codes unique, market quality in bp.
#pragma once

#include "absl/status/status.h"
#include "sales/targets/v1/org.pb.h"

namespace sales::targets {

// The kind a parent must have for a child of `kind`; UNSPECIFIED for the
// company (which has no parent).
v1::OrgUnitKind RequiredParentKind(v1::OrgUnitKind kind);

// Field checks of a new unit (no I/O): code, name, kind, parent, market
// quality. Fills defaults (market quality 10000).
absl::Status ValidateNewOrgUnit(v1::OrgUnit& unit);

// The parent's kind must fit the child's level.
absl::Status CheckParentFits(v1::OrgUnitKind child, v1::OrgUnitKind parent);

}  // namespace sales::targets
