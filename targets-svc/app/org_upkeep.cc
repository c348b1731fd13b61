#include "targets-svc/app/org_upkeep.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

// The subject types of org_audit: AuditSubjectType's short names.
constexpr char kOrgUnitSubject[] = "ORG_UNIT";
constexpr char kRepSubject[] = "REP";
constexpr char kProductLineSubject[] = "PRODUCT_LINE";

absl::Status AuditChanges(db::Transaction& tx, const CallContext& call, const char* subject, int64_t id,
                          const std::vector<MasterDataChange>& changes, absl::Time now) {
  for (const auto& c : changes) {
    SALES_RETURN_IF_ERROR(
        OrgAuditStore::Append(tx, subject, id, call.principal, c.action, c.from, c.to, "", call.request_id, now));
  }
  return absl::OkStatus();
}

// A rep the request names as a unit's manager, locked so that the rep
// cannot move or leave while becoming one; a rep that does not exist is a
// bad argument, not a missing resource of the call.
absl::StatusOr<v1::Rep> LockNamedManager(db::Transaction& tx, int64_t rep_id) {
  SALES_RETURN_IF_ERROR(RepStore::Lock(tx, rep_id));
  auto rep = RepStore::Get(tx, rep_id);
  if (absl::IsNotFound(rep.status())) return InvalidField("manager_rep_id", "no such rep");
  return rep;
}

absl::StatusOr<v1::Rep> LockRep(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_RETURN_IF_ERROR(RepStore::Lock(tx, id));
  SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, id));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rep.etag(), "rep", id));
  return rep;
}

absl::StatusOr<v1::ProductLine> LockLine(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_RETURN_IF_ERROR(ProductLineStore::Lock(tx, id));
  SALES_ASSIGN_OR_RETURN(auto line, ProductLineStore::Get(tx, id));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, line.etag(), "product line", id));
  return line;
}

// The units as they hung on `as_of` (unset: as they hang now) and those
// closed by then. A unit with a placement history that was not yet placed
// on the date did not exist then; one without history (created before
// history was kept) is taken where it hangs now.
absl::Status UnitsOn(db::Transaction& tx, const v1::GetOrgTreeRequest& request, std::vector<v1::OrgUnit>* units,
                     std::set<int64_t>* closed) {
  SALES_ASSIGN_OR_RETURN(*units, OrgStore::All(tx));
  std::map<int64_t, std::optional<int64_t>> parents;
  if (request.has_as_of()) {
    SALES_ASSIGN_OR_RETURN(parents, OrgStore::ParentsOn(tx, request.as_of()));
  }
  std::vector<v1::OrgUnit> kept;
  for (auto& u : *units) {
    auto placed = parents.find(u.id());
    if (placed != parents.end()) {
      if (!placed->second) continue;
      u.set_parent_id(*placed->second);
    }
    bool closed_then =
        u.state() == v1::ORG_UNIT_STATE_CLOSED &&
        (!request.has_as_of() || !u.has_closed_date() || ToCivilDay(u.closed_date()) <= ToCivilDay(request.as_of()));
    if (closed_then) closed->insert(u.id());
    kept.push_back(std::move(u));
  }
  *units = std::move(kept);
  return absl::OkStatus();
}

// The company: the unit without a parent; 0 while the org is empty.
int64_t CompanyOf(const std::vector<v1::OrgUnit>& units) {
  for (const auto& u : units) {
    if (u.kind() == v1::ORG_UNIT_KIND_COMPANY) return u.id();
  }
  return 0;
}

}  // namespace

absl::StatusOr<OrgReadScope> OrgReadScopeOf(db::Transaction& tx, const Viewer& viewer) {
  OrgReadScope scope;
  const Principal& p = viewer.principal;
  if (viewer.read_everywhere) {
    scope.all = true;
    return scope;
  }
  if (p.role == kRoleManager) {
    scope.home_unit = p.org_unit_id;
    scope.units = viewer.units;
    return scope;
  }
  scope.home_unit = p.org_unit_id;
  if (p.role == kRoleRep && p.rep_id != 0) {
    // The unit the rep belongs to now, not the one the session was opened in.
    auto rep = RepStore::Get(tx, p.rep_id);
    if (!rep.ok() && !absl::IsNotFound(rep.status())) return rep.status();
    scope.home_unit = rep.ok() ? rep->org_unit_id() : 0;
  } else if (p.role != kRoleRep && p.org_unit_id == 0) {
    scope.all = true;  // a company-wide role (a receptionist of the head office)
    return scope;
  }
  if (scope.home_unit != 0) {
    SALES_ASSIGN_OR_RETURN(auto units, SubtreeOf(tx, scope.home_unit));
    scope.units.insert(units.begin(), units.end());
  }
  return scope;
}

absl::StatusOr<v1::UpdateOrgUnitResponse> OrgUpkeep::UpdateOrgUnit(db::Transaction& tx, const CallContext& call,
                                                                   const v1::UpdateOrgUnitRequest& request,
                                                                   const OrgUnitEdit& edit) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "edit org units");
  // The rep before the unit, in the order MoveRep locks them.
  std::optional<v1::Rep> manager;
  if (edit.manager_rep_id && *edit.manager_rep_id != 0) {
    SALES_ASSIGN_OR_RETURN(manager, LockNamedManager(tx, *edit.manager_rep_id));
  }
  SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, request.id(), /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), unit.etag(), "org unit", unit.id()));
  SALES_RETURN_IF_ERROR(CheckUnitOpen(unit));
  v1::OrgUnit next = EditedOrgUnit(unit, edit);
  if (manager && manager->id() != unit.manager_rep_id()) {
    SALES_ASSIGN_OR_RETURN(auto ancestors, OrgStore::Ancestors(tx, unit.id()));
    SALES_RETURN_IF_ERROR(CheckUnitManager(unit, ancestors, *manager));
  }
  v1::UpdateOrgUnitResponse out;
  std::vector<MasterDataChange> changes = OrgUnitChanges(unit, next);
  if (changes.empty()) {
    *out.mutable_org_unit() = unit;
    return out;
  }
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(OrgStore::Update(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditChanges(tx, call, kOrgUnitSubject, unit.id(), changes, now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(), OrgStore::Get(tx, unit.id()));
  v1::OrgUnitUpdatedEvent e;
  *e.mutable_org_unit() = out.org_unit();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "OrgUnit", absl::StrCat(unit.id()), e, call.request_id));
  return out;
}

absl::StatusOr<v1::GetOrgTreeResponse> OrgUpkeep::OrgTree(db::Transaction& tx, const CallContext& call,
                                                          const v1::GetOrgTreeRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(OrgReadScope scope, OrgReadScopeOf(tx, viewer));
  std::vector<v1::OrgUnit> units;
  std::set<int64_t> closed;
  SALES_RETURN_IF_ERROR(UnitsOn(tx, request, &units, &closed));
  int64_t root = request.root_id() != 0 ? request.root_id() : scope.all ? CompanyOf(units) : scope.home_unit;
  v1::GetOrgTreeResponse out;
  if (root == 0 && scope.all) return out;  // no company yet: an empty tree
  if (root == 0 || (request.root_id() == 0 && !scope.Sees(root))) return OutOfScope("the org tree");
  bool known = false;
  for (const auto& u : units) known = known || u.id() == root;
  if (!known) {
    SALES_RETURN_IF_ERROR(OrgStore::Get(tx, root).status());  // NOT_FOUND when unknown altogether
    return WithErrorInfo(
        absl::NotFoundError(absl::StrCat("org unit ", root, " did not exist on ", FormatDbDate(request.as_of()))),
        "NOT_PLACED_YET", kTargetsDomain);
  }
  if (!scope.Sees(root)) return OutOfScope(absl::StrCat("the tree of org unit ", root));
  OrgTreeRequest walk{root, request.max_depth(), request.include_closed()};
  auto nodes = WalkOrgTree(units, closed, walk, scope.all ? nullptr : &scope.units);
  std::optional<common::v1::Date> as_of;
  if (request.has_as_of()) as_of = request.as_of();
  SALES_ASSIGN_OR_RETURN(auto members, RepStore::MembersByUnit(tx, as_of));
  for (auto& node : nodes) {
    auto reps = members.find(node.org_unit().id());
    if (reps != members.end()) node.mutable_rep_ids()->Add(reps->second.begin(), reps->second.end());
    *out.add_nodes() = std::move(node);
  }
  return out;
}

absl::StatusOr<v1::ListOrgUnitPlacementsResponse> OrgUpkeep::Placements(db::Transaction& tx, const CallContext& call,
                                                                        const v1::ListOrgUnitPlacementsRequest& request,
                                                                        int page_size, int64_t after_id) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, request.org_unit_id()));
  SALES_ASSIGN_OR_RETURN(OrgReadScope scope, OrgReadScopeOf(tx, viewer));
  if (!scope.Sees(unit.id())) return OutOfScope(absl::StrCat("org unit ", unit.id(), "'s placements"));
  std::vector<int64_t> ids;
  SALES_ASSIGN_OR_RETURN(auto placements, OrgStore::Placements(tx, unit.id(), after_id, page_size + 1, &ids));
  v1::ListOrgUnitPlacementsResponse out;
  bool more = static_cast<int>(placements.size()) > page_size;
  if (more) placements.pop_back();
  for (auto& p : placements) *out.add_placements() = std::move(p);
  if (more) out.set_next_page_token(EncodePageToken(ids[page_size - 1]));
  return out;
}

absl::StatusOr<v1::UpdateRepResponse> OrgUpkeep::UpdateRep(db::Transaction& tx, const CallContext& call,
                                                           const v1::UpdateRepRequest& request, const RepEdit& edit) {
  SALES_ASSIGN_OR_RETURN(auto rep, LockRep(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, rep.org_unit_id())) return OutOfScope(absl::StrCat("rep ", rep.id()));
  SALES_RETURN_IF_ERROR(CheckRepEditable(rep));
  v1::Rep next = EditedRep(rep, edit);
  std::vector<MasterDataChange> changes = RepChanges(rep, next);
  v1::UpdateRepResponse out;
  if (changes.empty()) {
    *out.mutable_rep() = rep;
    return out;
  }
  if (edit.hire_date && ToCivilDay(*edit.hire_date) != ToCivilDay(rep.hire_date())) {
    // The first interval opened at hiring; any later one is a change since.
    SALES_ASSIGN_OR_RETURN(auto openings, RepHistoryStore::Openings(tx, rep.id()));
    std::optional<common::v1::Date> first_change;
    for (size_t i = 1; i < openings.size(); ++i) {
      if (!first_change || ToCivilDay(openings[i].second) < ToCivilDay(*first_change)) {
        first_change = openings[i].second;
      }
    }
    SALES_RETURN_IF_ERROR(CheckHireDateCorrection(next.hire_date(), first_change));
    if (!openings.empty()) {
      SALES_RETURN_IF_ERROR(RepHistoryStore::SetValidFrom(tx, openings[0].first, next.hire_date()));
    }
    if (!first_change && ToCivilDay(rep.status_since()) == ToCivilDay(rep.hire_date())) {
      *next.mutable_status_since() = next.hire_date();
    }
  }
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(RepStore::Update(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditChanges(tx, call, kRepSubject, rep.id(), changes, now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_rep(), RepStore::Get(tx, rep.id()));
  v1::RepUpdatedEvent e;
  *e.mutable_rep() = out.rep();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Rep", absl::StrCat(rep.id()), e, call.request_id));
  return out;
}

absl::StatusOr<v1::UpdateProductLineResponse> OrgUpkeep::UpdateProductLine(db::Transaction& tx, const CallContext& call,
                                                                           const v1::UpdateProductLineRequest& request,
                                                                           const ProductLineEdit& edit) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "edit product lines");
  SALES_ASSIGN_OR_RETURN(auto line, LockLine(tx, request.id(), request.etag()));
  SALES_RETURN_IF_ERROR(CheckLineActive(line));
  v1::ProductLine next = EditedProductLine(line, edit);
  std::vector<MasterDataChange> changes = ProductLineChanges(line, next);
  v1::UpdateProductLineResponse out;
  if (changes.empty()) {
    *out.mutable_product_line() = line;
    return out;
  }
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(ProductLineStore::Update(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditChanges(tx, call, kProductLineSubject, line.id(), changes, now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_product_line(), ProductLineStore::Get(tx, line.id()));
  v1::ProductLineUpdatedEvent e;
  *e.mutable_product_line() = out.product_line();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "ProductLine", absl::StrCat(line.id()), e, call.request_id));
  return out;
}

absl::StatusOr<v1::RetireProductLineResponse> OrgUpkeep::RetireProductLine(
    db::Transaction& tx, const CallContext& call, const v1::RetireProductLineRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "retire product lines");
  SALES_ASSIGN_OR_RETURN(auto line, LockLine(tx, request.id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(int64_t unsigned_plans, ProductLineStore::UnsignedPlansWith(tx, line.id()));
  SALES_RETURN_IF_ERROR(CheckRetirable(line, unsigned_plans));
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(ProductLineStore::Retire(tx, line.id(), now));
  SALES_RETURN_IF_ERROR(OrgAuditStore::Append(tx, kProductLineSubject, line.id(), call.principal, "RETIRED",
                                              EnumShort(line.state()), EnumShort(v1::PRODUCT_LINE_STATE_RETIRED),
                                              request.reason(), call.request_id, now));
  v1::RetireProductLineResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_product_line(), ProductLineStore::Get(tx, line.id()));
  v1::ProductLineUpdatedEvent e;
  *e.mutable_product_line() = out.product_line();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "ProductLine", absl::StrCat(line.id()), e, call.request_id));
  return out;
}

}  // namespace sales::targets
