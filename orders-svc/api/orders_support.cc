#include "orders-svc/api/orders_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/sql_order_book.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::orders {

absl::StatusOr<Scope> ScopeOf(db::Transaction& tx, const Principal& p) {
  SqlOrderBook book(tx, nullptr);
  return ScopeOf(book, p);
}

absl::StatusOr<OrderRecord> LoadVisibleOrder(db::Transaction& tx, const Principal& p, int64_t order_id,
                                             bool for_update) {
  SqlOrderBook book(tx, nullptr);
  return LoadVisibleOrder(book, p, order_id, for_update);
}

absl::StatusOr<OrderWithReservations> LoadOrderInScope(db::Transaction& tx, const Principal& p, int64_t order_id,
                                                       bool for_update) {
  SqlOrderBook book(tx, nullptr);
  return LoadOrderInScope(book, p, order_id, for_update);
}

absl::StatusOr<ListUnits> ListUnitsFor(db::Transaction& tx, const Scope& scope, int64_t org_unit_id) {
  ListUnits out;
  if (!scope.all && scope.rep_id == 0) {
    out.restrict = true;
    out.units = scope.units;
  }
  if (org_unit_id > 0) {
    SALES_ASSIGN_OR_RETURN(auto sub, OrgReplica::Subtree(tx, org_unit_id));
    if (sub.empty()) sub.push_back(org_unit_id);
    if (out.restrict) {
      std::vector<int64_t> both;
      for (int64_t u : sub) {
        if (std::find(scope.units.begin(), scope.units.end(), u) != scope.units.end()) both.push_back(u);
      }
      sub = both;
    }
    out.restrict = true;
    out.units = std::move(sub);
  }
  return out;
}

absl::StatusOr<TakingRep> ResolveTakingRep(db::Transaction& tx, const Principal& p, int64_t on_behalf_of_rep_id) {
  TakingRep t;
  if (on_behalf_of_rep_id != 0) {
    if (on_behalf_of_rep_id < 0) return InvalidField("on_behalf_of_rep_id", "must be > 0");
    if (p.role == kRoleRep && on_behalf_of_rep_id != p.rep_id) {
      return absl::PermissionDeniedError("a rep may not enter documents for another rep");
    }
    SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, on_behalf_of_rep_id));
    if (!rep.has_value()) return InvalidField("on_behalf_of_rep_id", "unknown rep");
    if (rep->left()) return InvalidField("on_behalf_of_rep_id", "the rep has left");
    t.rep_id = rep->id;
    t.org_unit_id = rep->org_unit_id;
    return t;
  }
  if (p.rep_id == 0) {
    return InvalidField("on_behalf_of_rep_id", "required when the caller is not a rep");
  }
  t.rep_id = p.rep_id;
  t.org_unit_id = p.org_unit_id;
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, p.rep_id));
  if (rep.has_value() && rep->org_unit_id != 0) t.org_unit_id = rep->org_unit_id;
  return t;
}

absl::Status CheckApprover(db::Transaction& tx, const Principal& approver, v1::ApprovalLevel level,
                           int64_t requester_unit, const std::string& requester_user) {
  if (!approver.user_id.empty() && approver.user_id == requester_user) {
    return absl::PermissionDeniedError("nobody approves their own document");
  }
  if (HasRole(approver, {kRoleDirector, kRoleAdmin})) return absl::OkStatus();
  if (level == v1::APPROVAL_LEVEL_DIRECTOR) {
    return absl::PermissionDeniedError("this step needs the sales director");
  }
  if (approver.role != kRoleManager) {
    return absl::PermissionDeniedError(absl::StrCat("role ", approver.role, " does not approve discounts"));
  }
  SALES_ASSIGN_OR_RETURN(auto chain, OrgReplica::Chain(tx, requester_unit));
  if (chain.empty()) chain.push_back(requester_unit);  // unit unknown to the replica: only its own manager
  if (std::find(chain.begin(), chain.end(), approver.org_unit_id) == chain.end()) {
    return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("manager of unit ", approver.org_unit_id,
                                                                  " is not in the chain of unit ", requester_unit)),
                         "NOT_IN_CHAIN", kOrdersDomain);
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredStep> StepForCaller(const std::vector<StoredStep>& steps, const Principal& p) {
  const StoredStep* manager = nullptr;
  const StoredStep* director = nullptr;
  for (const auto& s : steps) {
    if (s.step.status() != v1::APPROVAL_STEP_STATUS_PENDING) continue;
    if (s.step.level() == v1::APPROVAL_LEVEL_MANAGER && manager == nullptr) manager = &s;
    if (s.step.level() == v1::APPROVAL_LEVEL_DIRECTOR && director == nullptr) director = &s;
  }
  const StoredStep* pick = nullptr;
  if (HasRole(p, {kRoleDirector, kRoleAdmin})) {
    pick = director != nullptr ? director : manager;
  } else if (p.role == kRoleManager) {
    pick = manager;
  }
  if (pick == nullptr) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("no pending approval step awaits role ", p.role)),
                         "NO_STEP_FOR_CALLER", kOrdersDomain);
  }
  return *pick;
}

bool AnyPending(const std::vector<StoredStep>& steps) {
  for (const auto& s : steps) {
    if (s.step.status() == v1::APPROVAL_STEP_STATUS_PENDING) return true;
  }
  return false;
}

absl::Status CheckDecider(db::Transaction& tx, const Principal& decider, const std::string& requester_user,
                          int64_t requester_unit) {
  if (decider.authenticated() && decider.user_id == requester_user) {
    return WithErrorInfo(absl::PermissionDeniedError("nobody approves their own request"), "OWN_REQUEST",
                         kOrdersDomain);
  }
  if (HasRole(decider, {kRoleAdmin, kRoleDirector})) return absl::OkStatus();
  if (HasRole(decider, {kRoleManager}) && decider.org_unit_id > 0) {
    SALES_ASSIGN_OR_RETURN(bool within, OrgReplica::IsWithin(tx, requester_unit, decider.org_unit_id));
    if (within) return absl::OkStatus();
    return WithErrorInfo(absl::PermissionDeniedError(
                             absl::StrCat("unit ", requester_unit, " is not under your unit ", decider.org_unit_id)),
                         "NOT_IN_CHAIN", kOrdersDomain);
  }
  return WithErrorInfo(absl::PermissionDeniedError("only a manager in the requester's chain, the director or an "
                                                   "admin decides this"),
                       "ROLE_NOT_ALLOWED", kOrdersDomain);
}

absl::Status OpenApprovalSteps(db::Transaction& tx, v1::SubjectType type, int64_t id,
                               const std::vector<RoutedStep>& steps, const Principal& requester, absl::Time now) {
  for (const auto& s : steps) {
    v1::ApprovalStep step;
    step.set_level(s.level);
    for (auto t : s.triggers) step.add_triggers(t);
    for (auto line_id : s.line_ids) step.add_line_ids(line_id);
    for (auto fee_id : s.fee_ids) step.add_special_fee_ids(fee_id);
    SALES_RETURN_IF_ERROR(ApprovalStore::Insert(tx, type, id, step, requester, now));
  }
  return absl::OkStatus();
}

absl::Status OpenManagerStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalTrigger trigger,
                             const Principal& requester, absl::Time now) {
  v1::ApprovalStep step;
  step.set_level(v1::APPROVAL_LEVEL_MANAGER);
  step.add_triggers(trigger);
  step.set_status(v1::APPROVAL_STEP_STATUS_PENDING);
  return ApprovalStore::Insert(tx, type, id, step, requester, now);
}

absl::Status DecidePendingStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalStepStatus status,
                               const Principal& by, absl::string_view reason, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubject(tx, type, id));
  for (const auto& s : steps) {
    if (s.step.status() == v1::APPROVAL_STEP_STATUS_PENDING) {
      return ApprovalStore::Decide(tx, s.step.id(), status, by, reason, now);
    }
  }
  return absl::OkStatus();
}

absl::Status Audit(db::Transaction& tx, v1::SubjectType type, int64_t id, const std::string& action,
                   const std::string& from, const std::string& to, const std::string& reason, const CallContext& call,
                   absl::Time now) {
  AuditRecord rec;
  rec.subject_type = type;
  rec.subject_id = id;
  rec.action = action;
  rec.from_value = from;
  rec.to_value = to;
  rec.reason = reason;
  return AuditStore::Append(tx, rec, call.principal, call.request_id, now);
}

absl::StatusOr<ShippingPolicy> LoadShippingPolicy(db::Transaction& tx) {
  ShippingPolicy out;
  SALES_ASSIGN_OR_RETURN(v1::OrderPolicy p, PolicyStore::Get(tx));
  if (p.ship_within_working_days() > 0) out.ship_within_working_days = p.ship_within_working_days();
  if (p.weekend_days_size() > 0) out.calendar.weekend_days = {p.weekend_days().begin(), p.weekend_days().end()};
  for (const auto& d : p.holidays()) out.calendar.holidays.insert(ToCivilDay(d));
  for (const auto& d : p.extra_working_days()) out.calendar.extra_working_days.insert(ToCivilDay(d));
  return out;
}

absl::Status RequireReason(const std::string& reason, const std::string& field) {
  if (reason.empty()) return InvalidField(field, "required");
  if (reason.size() > 1000) return InvalidField(field, "at most 1000 characters");
  return absl::OkStatus();
}

}  // namespace sales::orders
