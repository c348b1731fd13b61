#include "targets-svc/domain/roster.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {

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

absl::StatusOr<RepEdit> RepEditOf(const v1::UpdateRepRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto paths,
                         UpdatePaths(request.update_mask(), {"name", "phone", "email", "employee_code", "hire_date"}));
  const bool masked = !request.update_mask().paths().empty();
  std::vector<FieldViolation> v;
  RepEdit edit;
  if (Touches(paths, "name") && (masked || !request.name().empty())) {
    if (request.name().empty()) v.push_back({"name", "must not be blank"});
    edit.name = request.name();
  }
  if (Touches(paths, "phone") && (masked || !request.phone().empty())) edit.phone = request.phone();
  if (Touches(paths, "email") && (masked || !request.email().empty())) edit.email = request.email();
  if (Touches(paths, "employee_code") && (masked || !request.employee_code().empty())) {
    if (!IsCode(request.employee_code())) v.push_back({"employee_code", "1..32 of A-Z, 0-9, '-', '_'"});
    edit.employee_code = request.employee_code();
  }
  if (Touches(paths, "hire_date") && (masked || request.has_hire_date())) {
    if (!request.has_hire_date()) {
      v.push_back({"hire_date", "required when update_mask names it"});
    } else {
      for (auto& fv : FieldViolationsOf(ValidateDate(request.hire_date(), "hire_date"))) v.push_back(fv);
    }
    edit.hire_date = request.hire_date();
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return edit;
}

v1::Rep EditedRep(const v1::Rep& rep, const RepEdit& edit) {
  v1::Rep out = rep;
  if (edit.name) out.set_name(*edit.name);
  if (edit.phone) out.set_phone(*edit.phone);
  if (edit.email) out.set_email(*edit.email);
  if (edit.employee_code) out.set_employee_code(*edit.employee_code);
  if (edit.hire_date) *out.mutable_hire_date() = *edit.hire_date;
  return out;
}

absl::Status CheckRepEditable(const v1::Rep& rep) {
  if (rep.status() != v1::REP_STATUS_LEFT) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("rep ", rep.id(), " has left")), "REP_STATUS",
                       kTargetsDomain, {{"status", v1::RepStatus_Name(rep.status())}});
}

absl::Status CheckHireDateCorrection(const common::v1::Date& hire_date,
                                     const std::optional<common::v1::Date>& first_change) {
  if (!first_change || ToCivilDay(hire_date) <= ToCivilDay(*first_change)) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the hire date ", FormatDbDate(hire_date),
                                                                  " falls after the rep's first change on ",
                                                                  FormatDbDate(*first_change))),
                       "HIRE_DATE_AFTER_HISTORY", kTargetsDomain, {{"first_change", FormatDbDate(*first_change)}});
}

std::vector<MasterDataChange> RepChanges(const v1::Rep& before, const v1::Rep& after) {
  std::vector<MasterDataChange> out;
  if (before.name() != after.name()) out.push_back({"NAME_CHANGED", before.name(), after.name()});
  if (before.phone() != after.phone()) out.push_back({"PHONE_CHANGED", before.phone(), after.phone()});
  if (before.email() != after.email()) out.push_back({"EMAIL_CHANGED", before.email(), after.email()});
  if (before.employee_code() != after.employee_code()) {
    out.push_back({"EMPLOYEE_CODE_CHANGED", before.employee_code(), after.employee_code()});
  }
  if (ToCivilDay(before.hire_date()) != ToCivilDay(after.hire_date())) {
    out.push_back({"HIRE_DATE_CORRECTED", FormatDbDate(before.hire_date()), FormatDbDate(after.hire_date())});
  }
  return out;
}

absl::StatusOr<ProductLineEdit> ProductLineEditOf(const v1::UpdateProductLineRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto paths, UpdatePaths(request.update_mask(),
                                                 {"name", "portfolio_role", "commissionable", "description", "code"}));
  const bool masked = !request.update_mask().paths().empty();
  std::vector<FieldViolation> v;
  ProductLineEdit edit;
  if (Touches(paths, "code") && (masked || !request.code().empty())) {
    if (!IsCode(request.code())) v.push_back({"code", "1..32 of A-Z, 0-9, '-', '_'"});
    edit.code = request.code();
  }
  if (Touches(paths, "name") && (masked || !request.name().empty())) {
    if (request.name().empty()) v.push_back({"name", "must not be blank"});
    edit.name = request.name();
  }
  if (Touches(paths, "portfolio_role") && (masked || request.portfolio_role() != v1::PORTFOLIO_ROLE_UNSPECIFIED)) {
    if (request.portfolio_role() == v1::PORTFOLIO_ROLE_UNSPECIFIED ||
        !v1::PortfolioRole_IsValid(request.portfolio_role())) {
      v.push_back({"portfolio_role", "TRAFFIC, VOLUME, PROFIT or IMAGE"});
    }
    edit.portfolio_role = request.portfolio_role();
  }
  // Without a mask commissionable is always applied: the request has no
  // way to say "keep it" (send the current value).
  if (Touches(paths, "commissionable")) edit.commissionable = request.commissionable();
  if (Touches(paths, "description") && (masked || !request.description().empty())) {
    edit.description = request.description();
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return edit;
}

v1::ProductLine EditedProductLine(const v1::ProductLine& line, const ProductLineEdit& edit) {
  v1::ProductLine out = line;
  if (edit.code) out.set_code(*edit.code);
  if (edit.name) out.set_name(*edit.name);
  if (edit.portfolio_role) out.set_portfolio_role(*edit.portfolio_role);
  if (edit.commissionable) out.set_commissionable(*edit.commissionable);
  if (edit.description) out.set_description(*edit.description);
  return out;
}

absl::Status CheckLineActive(const v1::ProductLine& line) {
  if (line.state() != v1::PRODUCT_LINE_STATE_RETIRED) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("product line ", line.id(), " is retired")),
                       "LINE_RETIRED", kTargetsDomain);
}

absl::Status CheckRetirable(const v1::ProductLine& line, int64_t unsigned_plans) {
  SALES_RETURN_IF_ERROR(CheckLineActive(line));
  if (unsigned_plans == 0) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("product line ", line.id(), " is in ", unsigned_plans,
                                                 " plan(s) not yet signed: sign or cancel them first")),
      "LINE_IN_UNSIGNED_PLAN", kTargetsDomain, {{"plans", absl::StrCat(unsigned_plans)}});
}

std::vector<MasterDataChange> ProductLineChanges(const v1::ProductLine& before, const v1::ProductLine& after) {
  std::vector<MasterDataChange> out;
  auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
  if (before.code() != after.code()) out.push_back({"CODE_CHANGED", before.code(), after.code()});
  if (before.name() != after.name()) out.push_back({"NAME_CHANGED", before.name(), after.name()});
  if (before.portfolio_role() != after.portfolio_role()) {
    out.push_back({"PORTFOLIO_ROLE_CHANGED", EnumShort(before.portfolio_role()), EnumShort(after.portfolio_role())});
  }
  if (before.commissionable() != after.commissionable()) {
    out.push_back({"COMMISSIONABLE_CHANGED", yes_no(before.commissionable()), yes_no(after.commissionable())});
  }
  if (before.description() != after.description()) {
    out.push_back({"DESCRIPTION_CHANGED", before.description(), after.description()});
  }
  return out;
}

}  // namespace sales::targets
