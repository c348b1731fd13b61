#include "targets-svc/domain/org.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {

v1::OrgUnitKind RequiredParentKind(v1::OrgUnitKind kind) {
  switch (kind) {
    case v1::ORG_UNIT_KIND_BRANCH:
      return v1::ORG_UNIT_KIND_COMPANY;
    case v1::ORG_UNIT_KIND_OFFICE:
      return v1::ORG_UNIT_KIND_BRANCH;
    case v1::ORG_UNIT_KIND_TEAM:
      return v1::ORG_UNIT_KIND_OFFICE;
    default:
      return v1::ORG_UNIT_KIND_UNSPECIFIED;
  }
}

absl::Status ValidateNewOrgUnit(v1::OrgUnit& unit) {
  std::vector<FieldViolation> v;
  const std::string& code = unit.code();
  if (code.empty() || code.size() > 32) {
    v.push_back({"org_unit.code", "required, 1..32 characters"});
  } else {
    for (char c : code) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        v.push_back({"org_unit.code", "only A-Z, 0-9, '-' and '_'"});
        break;
      }
    }
  }
  if (unit.name().empty() || unit.name().size() > 100) {
    v.push_back({"org_unit.name", "required, at most 100 bytes"});
  }
  if (unit.kind() == v1::ORG_UNIT_KIND_UNSPECIFIED || !v1::OrgUnitKind_IsValid(unit.kind())) {
    v.push_back({"org_unit.kind", "required: COMPANY, BRANCH, OFFICE or TEAM"});
  } else if (unit.kind() == v1::ORG_UNIT_KIND_COMPANY && unit.parent_id() != 0) {
    v.push_back({"org_unit.parent_id", "the company has no parent"});
  } else if (unit.kind() != v1::ORG_UNIT_KIND_COMPANY && unit.parent_id() <= 0) {
    v.push_back({"org_unit.parent_id", "required for every unit but the company"});
  }
  if (unit.market_quality_bp() == 0) unit.set_market_quality_bp(10000);
  if (unit.market_quality_bp() < 1 || unit.market_quality_bp() > 100000) {
    v.push_back({"org_unit.market_quality_bp", "must be 1..100000 basis points"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status CheckParentFits(v1::OrgUnitKind child, v1::OrgUnitKind parent) {
  v1::OrgUnitKind want = RequiredParentKind(child);
  if (want == parent) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("a ", v1::OrgUnitKind_Name(child), " must sit under a ",
                                                 v1::OrgUnitKind_Name(want), ", not a ", v1::OrgUnitKind_Name(parent))),
      "PARENT_LEVEL_MISMATCH", kTargetsDomain);
}

}  // namespace sales::targets
