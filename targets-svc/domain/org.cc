#include "targets-svc/domain/org.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/field_mask.h"
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

bool IsCode(const std::string& code) {
  if (code.empty() || code.size() > 32) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

absl::StatusOr<OrgUnitEdit> OrgUnitEditOf(const v1::UpdateOrgUnitRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto paths,
                         UpdatePaths(request.update_mask(), {"code", "name", "market_quality_bp", "manager_rep_id"}));
  const bool masked = !request.update_mask().paths().empty();
  std::vector<FieldViolation> v;
  OrgUnitEdit edit;
  if (Touches(paths, "code") && (masked || !request.code().empty())) {
    if (!IsCode(request.code())) v.push_back({"code", "1..32 of A-Z, 0-9, '-', '_'"});
    edit.code = request.code();
  }
  if (Touches(paths, "name") && (masked || !request.name().empty())) {
    if (request.name().empty()) v.push_back({"name", "must not be blank"});
    edit.name = request.name();
  }
  if (Touches(paths, "market_quality_bp") && (masked || request.market_quality_bp() != 0)) {
    if (request.market_quality_bp() < 1 || request.market_quality_bp() > 100000) {
      v.push_back({"market_quality_bp", "must be 1..100000 basis points"});
    }
    edit.market_quality_bp = request.market_quality_bp();
  }
  if (request.manager_rep_id() < 0) v.push_back({"manager_rep_id", "must be a rep id, or 0"});
  if (request.clear_manager() && masked) {
    v.push_back({"clear_manager", "only with an empty update_mask: name manager_rep_id and send 0"});
  } else if (request.clear_manager() && request.manager_rep_id() != 0) {
    v.push_back({"clear_manager", "remove the manager or name a new one, not both"});
  }
  if (Touches(paths, "manager_rep_id") && (masked || request.manager_rep_id() != 0 || request.clear_manager())) {
    edit.manager_rep_id = request.manager_rep_id();
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return edit;
}

v1::OrgUnit EditedOrgUnit(const v1::OrgUnit& unit, const OrgUnitEdit& edit) {
  v1::OrgUnit out = unit;
  if (edit.code) out.set_code(*edit.code);
  if (edit.name) out.set_name(*edit.name);
  if (edit.market_quality_bp) out.set_market_quality_bp(*edit.market_quality_bp);
  if (edit.manager_rep_id) out.set_manager_rep_id(*edit.manager_rep_id);
  return out;
}

absl::Status CheckUnitOpen(const v1::OrgUnit& unit) {
  if (unit.state() != v1::ORG_UNIT_STATE_CLOSED) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("org unit ", unit.id(), " is closed")), "UNIT_CLOSED",
                       kTargetsDomain);
}

absl::Status CheckUnitManager(const v1::OrgUnit& unit, const std::vector<int64_t>& unit_ancestors,
                              const v1::Rep& manager) {
  if (manager.status() != v1::REP_STATUS_PROBATION && manager.status() != v1::REP_STATUS_ACTIVE) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("rep ", manager.id(), " is ", v1::RepStatus_Name(manager.status()),
                                                   ": only a rep in service manages a unit")),
        "MANAGER_NOT_IN_SERVICE", kTargetsDomain, {{"status", v1::RepStatus_Name(manager.status())}});
  }
  bool in_line = manager.org_unit_id() == unit.id() ||
                 std::find(unit_ancestors.begin(), unit_ancestors.end(), manager.org_unit_id()) != unit_ancestors.end();
  if (in_line) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("rep ", manager.id(), " belongs to unit ", manager.org_unit_id(),
                                                 ", neither unit ", unit.id(), " nor a unit above it")),
      "MANAGER_NOT_IN_LINE", kTargetsDomain, {{"rep_org_unit_id", absl::StrCat(manager.org_unit_id())}});
}

std::vector<MasterDataChange> OrgUnitChanges(const v1::OrgUnit& before, const v1::OrgUnit& after) {
  std::vector<MasterDataChange> out;
  if (before.code() != after.code()) out.push_back({"CODE_CHANGED", before.code(), after.code()});
  if (before.name() != after.name()) out.push_back({"NAME_CHANGED", before.name(), after.name()});
  if (before.market_quality_bp() != after.market_quality_bp()) {
    out.push_back(
        {"MARKET_QUALITY_CHANGED", absl::StrCat(before.market_quality_bp()), absl::StrCat(after.market_quality_bp())});
  }
  if (before.manager_rep_id() != after.manager_rep_id()) {
    // A unit without a manager shows "" rather than rep 0.
    auto rep = [](int64_t id) { return id == 0 ? std::string() : absl::StrCat(id); };
    out.push_back({"MANAGER_CHANGED", rep(before.manager_rep_id()), rep(after.manager_rep_id())});
  }
  return out;
}

std::vector<v1::OrgTreeNode> WalkOrgTree(const std::vector<v1::OrgUnit>& units, const std::set<int64_t>& closed,
                                         const OrgTreeRequest& request, const std::set<int64_t>* visible) {
  std::map<int64_t, const v1::OrgUnit*> by_id;
  std::map<int64_t, std::vector<const v1::OrgUnit*>> children;
  for (const auto& u : units) {
    by_id[u.id()] = &u;
    if (u.parent_id() != 0) children[u.parent_id()].push_back(&u);
  }
  std::vector<v1::OrgTreeNode> out;
  auto root = by_id.find(request.root_id);
  if (root == by_id.end()) return out;
  for (auto& [parent, kids] : children) {
    std::sort(kids.begin(), kids.end(), [](const v1::OrgUnit* a, const v1::OrgUnit* b) {
      return a->code() != b->code() ? a->code() < b->code() : a->id() < b->id();
    });
  }
  // The root's ancestors, company first; the guard stops at a (corrupt)
  // cycle instead of looping.
  std::vector<int64_t> above_root;
  for (int64_t at = root->second->parent_id(); at != 0 && above_root.size() < by_id.size();) {
    above_root.insert(above_root.begin(), at);
    auto p = by_id.find(at);
    at = p == by_id.end() ? 0 : p->second->parent_id();
  }
  // Depth first with an explicit stack; children are pushed in reverse so
  // they come out by code. Each entry carries its ancestors (a handful).
  struct Entry {
    const v1::OrgUnit* unit;
    int32_t depth;
    std::vector<int64_t> ancestors;
  };
  std::vector<Entry> stack = {{root->second, 0, above_root}};
  std::set<int64_t> seen;
  while (!stack.empty()) {
    Entry e = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(e.unit->id()).second) continue;
    v1::OrgTreeNode node;
    *node.mutable_org_unit() = *e.unit;
    node.mutable_org_unit()->clear_ancestor_ids();
    for (int64_t a : e.ancestors) node.mutable_org_unit()->add_ancestor_ids(a);
    node.set_depth(e.depth);
    out.push_back(std::move(node));
    if (request.max_depth > 0 && e.depth >= request.max_depth) continue;
    auto kids = children.find(e.unit->id());
    if (kids == children.end()) continue;
    std::vector<int64_t> below = e.ancestors;
    below.push_back(e.unit->id());
    for (auto it = kids->second.rbegin(); it != kids->second.rend(); ++it) {
      const v1::OrgUnit* kid = *it;
      if (!request.include_closed && closed.count(kid->id())) continue;
      if (visible != nullptr && !visible->count(kid->id())) continue;
      stack.push_back({kid, e.depth + 1, below});
    }
  }
  return out;
}

}  // namespace sales::targets
