// Rules for reps and product lines (domain.md §3 Sales organization).
#pragma once

#include "absl/status/status.h"
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

}  // namespace sales::targets
