// Rules for reps and product lines (domain.md §3 Sales organization).
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sales/targets/v1/org.pb.h"
#include "sales/targets/v1/product_line.pb.h"
#include "sales/targets/v1/rep.pb.h"

namespace sales::targets {

// A new rep: code, name, unit, hire date; starts on probation unless
// created ACTIVE (an experienced hire). Fills status defaults.
absl::Status ValidateNewRep(v1::Rep& rep);

// Reps sit in a branch, office or team, never directly in the company.
absl::Status CheckRepUnit(const v1::OrgUnit& unit);

// A new product line: code, name and a portfolio role.
absl::Status ValidateNewProductLine(v1::ProductLine& line);

enum class RepStatusAction { kActivate, kPlaceOnLeave, kOffboard };

// The rep status machine: PROBATION → ACTIVE (passes probation), ACTIVE |
// PROBATION → ON_LEAVE, ON_LEAVE → ACTIVE (returns), any → LEFT (terminal).
// FAILED_PRECONDITION (REP_STATUS) otherwise.
absl::StatusOr<v1::RepStatus> NextRepStatus(v1::RepStatus from, RepStatusAction action);

// Moving `unit` under `new_parent`: refused when the new parent is the unit
// itself or one of its descendants (a cycle), given the new parent's
// ancestors (nearest first, ending at the company).
absl::Status CheckNoCycle(int64_t unit, int64_t new_parent, const std::vector<int64_t>& new_parent_ancestors);

}  // namespace sales::targets
