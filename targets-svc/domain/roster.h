// Rules for reps and product lines (domain.md §3 Sales organization).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/org.pb.h"
#include "sales/targets/v1/org_messages.pb.h"
#include "sales/targets/v1/product_line.pb.h"
#include "sales/targets/v1/rep.pb.h"
#include "targets-svc/domain/org.h"

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

// What an UpdateRep asks to change; an empty optional keeps the stored
// value.
struct RepEdit {
  std::optional<std::string> name;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> employee_code;
  std::optional<common::v1::Date> hire_date;
};

// Reads the request against its update_mask (no I/O). A named field takes
// the value sent, blank included: a blank phone or e-mail is cleared, a
// blank name, employee code or hire date refused. An empty mask applies the
// fields that are set and keeps the blank ones. INVALID_ARGUMENT with one
// violation per bad field, or on update_mask.paths[i].
absl::StatusOr<RepEdit> RepEditOf(const v1::UpdateRepRequest& request);

// `rep` with the edit applied (status_since is the caller's: see
// CheckHireDateCorrection).
v1::Rep EditedRep(const v1::Rep& rep, const RepEdit& edit);

// A rep who has left is history: FAILED_PRECONDITION (REP_STATUS).
absl::Status CheckRepEditable(const v1::Rep& rep);

// A corrected hire date opens the rep's history, so it may not fall after
// the first change since hiring (a move or status change from
// `first_change`, when there was one): FAILED_PRECONDITION
// (HIRE_DATE_AFTER_HISTORY).
absl::Status CheckHireDateCorrection(const common::v1::Date& hire_date,
                                     const std::optional<common::v1::Date>& first_change);

std::vector<MasterDataChange> RepChanges(const v1::Rep& before, const v1::Rep& after);

// What an UpdateProductLine asks to change; an empty optional keeps the
// stored value.
struct ProductLineEdit {
  std::optional<std::string> code;
  std::optional<std::string> name;
  std::optional<v1::PortfolioRole> portfolio_role;
  std::optional<bool> commissionable;
  std::optional<std::string> description;
};

// Reads the request against its update_mask (no I/O). A named field takes
// the value sent, blank included: a blank description is cleared, a blank
// code, name or role refused. An empty mask applies the fields that are
// set, keeps the blank ones and sets commissionable as sent — what
// UpdateProductLine did before it had a mask.
absl::StatusOr<ProductLineEdit> ProductLineEditOf(const v1::UpdateProductLineRequest& request);

v1::ProductLine EditedProductLine(const v1::ProductLine& line, const ProductLineEdit& edit);

// A retired line is history: FAILED_PRECONDITION (LINE_RETIRED).
absl::Status CheckLineActive(const v1::ProductLine& line);

// ACTIVE → RETIRED, unless a plan still being negotiated (DRAFT or ISSUED)
// carries the line — `unsigned_plans` of them: it would be targeted on a
// line nobody sells any more. Signed plans keep their cells on the line,
// as history. FAILED_PRECONDITION (LINE_RETIRED, LINE_IN_UNSIGNED_PLAN).
absl::Status CheckRetirable(const v1::ProductLine& line, int64_t unsigned_plans);

std::vector<MasterDataChange> ProductLineChanges(const v1::ProductLine& before, const v1::ProductLine& after);

}  // namespace sales::targets
