#include "customers-svc/api/engagement_support.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/store/org_copy_store.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/convert.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::customers::engagement {
namespace {
constexpr int64_t kOfficeKind = 3;  // sales.targets.v1.ORG_UNIT_KIND_OFFICE
constexpr int32_t kRepActive = 2;   // REP_STATUS_ACTIVE
constexpr int32_t kRepProbation = 1;
}  // namespace

std::string Method(absl::string_view name) { return absl::StrCat("/sales.customers.v1.CustomersService/", name); }

bool Viewer::IsRep() const { return principal.role == kRoleRep; }
bool Viewer::IsManager() const { return principal.role == kRoleManager; }
bool Viewer::IsReceptionist() const { return principal.role == kRoleReceptionist; }
bool Viewer::IsDirectorOrAdmin() const { return all; }

absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& p) {
  Viewer v;
  v.principal = p;
  if (!p.authenticated() || p.role == kRoleAdmin || p.role == kRoleDirector) {
    v.all = v.read_all = true;
    return v;
  }
  if (p.role == kRoleService || p.role == kRoleFinance) v.read_all = true;
  if ((p.role == kRoleManager || p.role == kRoleReceptionist) && p.org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto units, OrgReplica::Subtree(tx, p.org_unit_id));
    v.units.insert(units.begin(), units.end());
    v.units.insert(p.org_unit_id);
  }
  return v;
}

absl::Status Denied(const Viewer& v, absl::string_view what) {
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("role ", v.principal.role.empty() ? "(none)" : v.principal.role,
                                                                " may not ", what)),
                       "PERMISSION_DENIED", kDomain, {{"role", v.principal.role}});
}

absl::StatusOr<DayRange> ReadDayRange(const common::v1::DateRange& range, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(range.start(), field + ".start"));
  SALES_RETURN_IF_ERROR(ValidateDate(range.end(), field + ".end"));
  DayRange d{ToCivilDay(range.start()), ToCivilDay(range.end())};
  if (d.to < d.from) return InvalidField(field + ".end", absl::StrCat("must not be before ", field, ".start"));
  return d;
}

common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_user_id(p.user_id);
  a.set_role(p.role);
  a.set_rep_id(p.rep_id);
  a.set_org_unit_id(p.org_unit_id);
  return a;
}

absl::StatusOr<bool> OrgKnown(db::Transaction& tx) {
  return OrgCopyStore::AnyUnit(tx);
}

absl::StatusOr<std::optional<RepInfo>> KnownRep(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  if (rep.has_value()) return rep;
  SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
  if (known) return NotFound("rep", rep_id);
  return std::optional<RepInfo>();
}

absl::StatusOr<int64_t> RepUnit(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  return rep.has_value() ? rep->org_unit_id : 0;
}

absl::Status CheckOffice(db::Transaction& tx, int64_t office_id, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(auto kind, OrgCopyStore::UnitKind(tx, office_id));
  if (!kind.has_value()) {
    SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
    if (known) return NotFound("office", office_id);
    return absl::OkStatus();
  }
  if (*kind != kOfficeKind) return InvalidField(std::string(field), "must be an org unit of kind OFFICE");
  return absl::OkStatus();
}

absl::Status CheckRepInOffice(db::Transaction& tx, int64_t rep_id, int64_t office_id, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(auto rep, KnownRep(tx, rep_id));
  if (!rep.has_value()) return absl::OkStatus();
  if (rep->status != kRepActive && rep->status != kRepProbation) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " is not active")),
                         "REP_NOT_ACTIVE", kDomain, {{"field", std::string(field)}});
  }
  SALES_ASSIGN_OR_RETURN(bool within, OrgReplica::IsWithin(tx, rep->org_unit_id, office_id));
  if (!within) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " does not belong to office ", office_id)),
        "REP_NOT_IN_OFFICE", kDomain, {{"field", std::string(field)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> OfficesInScope(db::Transaction& tx, const Viewer& v) {
  SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
  std::vector<int64_t> out;
  if (!known) {
    if (!v.read_all) return out;
    return ReceptionReportStore::KnownOffices(tx);
  }
  SALES_ASSIGN_OR_RETURN(auto offices, OrgCopyStore::UnitsOfKind(tx, kOfficeKind));
  for (int64_t office : offices) {
    if (v.SeesUnit(office)) out.push_back(office);
  }
  return out;
}

absl::StatusOr<Span> SpanOf(const common::v1::Period& p, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(p.start(), field + ".start"));
  absl::CivilDay start = ToCivilDay(p.start());
  switch (p.kind()) {
    case common::v1::PERIOD_KIND_WEEK:
      return Span{start, start + 6};
    case common::v1::PERIOD_KIND_MONTH:
      if (start.day() != 1) return InvalidField(field + ".start", "a month starts on day 1");
      return Span{start, absl::CivilDay(absl::CivilMonth(start) + 1) - 1};
    case common::v1::PERIOD_KIND_QUARTER:
      if (start.day() != 1 || (start.month() - 1) % 3 != 0) {
        return InvalidField(field + ".start", "a quarter starts on Jan, Apr, Jul or Oct 1");
      }
      return Span{start, absl::CivilDay(absl::CivilMonth(start) + 3) - 1};
    case common::v1::PERIOD_KIND_YEAR:
      if (start.day() != 1 || start.month() != 1) return InvalidField(field + ".start", "a year starts on Jan 1");
      return Span{start, absl::CivilDay(start.year() + 1, 1, 1) - 1};
    default:
      return InvalidField(field + ".kind", "WEEK, MONTH, QUARTER or YEAR");
  }
}

common::v1::DateRange RangeOf(const Span& s) {
  common::v1::DateRange r;
  *r.mutable_start() = FromCivilDay(s.start);
  *r.mutable_end() = FromCivilDay(s.end);
  return r;
}

}  // namespace sales::customers::engagement
