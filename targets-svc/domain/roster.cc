#include "targets-svc/domain/roster.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {
namespace {

bool IsCode(const std::string& code) {
  if (code.empty() || code.size() > 32) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateNewRep(v1::Rep& rep) {
  std::vector<FieldViolation> v;
  if (!IsCode(rep.employee_code())) v.push_back({"rep.employee_code", "required: 1..32 of A-Z, 0-9, '-', '_'"});
  if (rep.name().empty() || rep.name().size() > 100) v.push_back({"rep.name", "required, at most 100 bytes"});
  if (rep.user_id().size() > 64) v.push_back({"rep.user_id", "at most 64 characters"});
  if (rep.org_unit_id() <= 0) v.push_back({"rep.org_unit_id", "required, > 0"});
  if (rep.phone().size() > 40) v.push_back({"rep.phone", "at most 40 characters"});
  if (rep.email().size() > 120) v.push_back({"rep.email", "at most 120 characters"});
  if (!rep.has_hire_date()) {
    v.push_back({"rep.hire_date", "required"});
  } else {
    for (auto& fv : FieldViolationsOf(ValidateDate(rep.hire_date(), "rep.hire_date"))) v.push_back(fv);
  }
  if (rep.status() == v1::REP_STATUS_UNSPECIFIED) rep.set_status(v1::REP_STATUS_PROBATION);
  if (rep.status() != v1::REP_STATUS_PROBATION && rep.status() != v1::REP_STATUS_ACTIVE) {
    v.push_back({"rep.status", "a new rep starts PROBATION or ACTIVE"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  *rep.mutable_status_since() = rep.hire_date();
  return absl::OkStatus();
}

absl::Status CheckRepUnit(const v1::OrgUnit& unit) {
  if (unit.kind() == v1::ORG_UNIT_KIND_COMPANY) {
    return WithErrorInfo(
        absl::FailedPreconditionError("a rep belongs to a branch, office or team, not to the company itself"),
        "REP_UNIT_LEVEL", kTargetsDomain);
  }
  return absl::OkStatus();
}

absl::Status ValidateNewProductLine(v1::ProductLine& line) {
  std::vector<FieldViolation> v;
  if (!IsCode(line.code())) v.push_back({"product_line.code", "required: 1..32 of A-Z, 0-9, '-', '_'"});
  if (line.name().empty() || line.name().size() > 100) {
    v.push_back({"product_line.name", "required, at most 100 bytes"});
  }
  if (line.portfolio_role() == v1::PORTFOLIO_ROLE_UNSPECIFIED || !v1::PortfolioRole_IsValid(line.portfolio_role())) {
    v.push_back({"product_line.portfolio_role", "required: TRAFFIC, VOLUME, PROFIT or IMAGE"});
  }
  if (line.description().size() > 500) v.push_back({"product_line.description", "at most 500 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  line.set_state(v1::PRODUCT_LINE_STATE_ACTIVE);
  return absl::OkStatus();
}

absl::StatusOr<v1::RepStatus> NextRepStatus(v1::RepStatus from, RepStatusAction action) {
  auto refuse = [&](const char* what) -> absl::Status {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("cannot ", what, " a rep who is ", v1::RepStatus_Name(from))),
        "REP_STATUS", kTargetsDomain, {{"status", v1::RepStatus_Name(from)}});
  };
  if (from == v1::REP_STATUS_LEFT) return refuse("change");
  switch (action) {
    case RepStatusAction::kActivate:
      if (from == v1::REP_STATUS_PROBATION || from == v1::REP_STATUS_ON_LEAVE) return v1::REP_STATUS_ACTIVE;
      return refuse("activate");
    case RepStatusAction::kPlaceOnLeave:
      if (from == v1::REP_STATUS_PROBATION || from == v1::REP_STATUS_ACTIVE) return v1::REP_STATUS_ON_LEAVE;
      return refuse("place on leave");
    case RepStatusAction::kOffboard:
      return v1::REP_STATUS_LEFT;
  }
  return absl::InternalError("unknown rep action");
}

absl::Status CheckNoCycle(int64_t unit, int64_t new_parent, const std::vector<int64_t>& new_parent_ancestors) {
  bool cycle = unit == new_parent;
  for (int64_t a : new_parent_ancestors) cycle = cycle || a == unit;
  if (!cycle) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("moving unit ", unit, " under ", new_parent,
                                                                  " would put it inside its own subtree")),
                       "ORG_CYCLE", kTargetsDomain);
}

}  // namespace sales::targets
