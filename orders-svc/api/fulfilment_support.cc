#include "orders-svc/api/fulfilment_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/pricing.pb.h"

namespace sales::orders::fulfilment {
namespace {

// Without a configured principal secret (local development) an anonymous
// caller acts as ADMIN, as everywhere in the suite.
std::string RoleOf(const Principal& p) { return p.authenticated() ? p.role : std::string(kRoleAdmin); }

}  // namespace

bool IsRole(const Principal& p, std::initializer_list<const char*> roles) {
  const std::string role = RoleOf(p);
  return std::any_of(roles.begin(), roles.end(), [&](const char* r) { return role == r; });
}

absl::Status Require(const Principal& p, std::initializer_list<const char*> roles, absl::string_view what) {
  if (IsRole(p, roles)) return absl::OkStatus();
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("role ", RoleOf(p), " may not ", what)),
                       "ROLE_NOT_ALLOWED", kOrdersDomain, {{"role", RoleOf(p)}});
}

bool OrderScope::SeesRep(int64_t rep, int64_t unit) const {
  if (all) return true;
  if (rep_id != 0) return rep == rep_id;
  return std::find(units.begin(), units.end(), unit) != units.end();
}

bool OrderScope::Sees(const OrderRecord& o) const {
  return SeesRep(o.order.credited_rep_id(), o.order.credited_org_unit_id()) ||
         SeesRep(o.order.taking_rep_id(), o.taking_org_unit_id);
}

absl::StatusOr<OrderScope> ScopeFor(db::Transaction& tx, const Principal& p) {
  OrderScope s;
  if (IsRole(p, {kRoleAdmin, kRoleDirector, kRoleFinance, kRoleClerk, kRoleWarehouse, kRoleService})) {
    s.all = true;
  } else if (IsRole(p, {kRoleManager})) {
    SALES_ASSIGN_OR_RETURN(s.units, OrgReplica::Subtree(tx, p.org_unit_id));
  } else if (IsRole(p, {kRoleRep}) && p.rep_id > 0) {
    s.rep_id = p.rep_id;
  } else {
    return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("role ", RoleOf(p), " sees no orders")),
                         "ROLE_NOT_ALLOWED", kOrdersDomain);
  }
  return s;
}

absl::Status CheckSees(const OrderScope& s, const OrderRecord& o) {
  if (s.Sees(o)) return absl::OkStatus();
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("order ", o.order.id(), " is outside your scope")),
                       "OUT_OF_SCOPE", kOrdersDomain);
}

absl::StatusOr<OrderWithReservations> LoadOrderInScope(db::Transaction& tx, const Principal& p, int64_t order_id,
                                                       bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto order, StockStore::LoadOrder(tx, order_id, for_update));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeFor(tx, p));
  SALES_RETURN_IF_ERROR(CheckSees(scope, order.record));
  return order;
}

absl::Status CheckDecider(db::Transaction& tx, const Principal& decider, const std::string& requester_user,
                          int64_t requester_unit) {
  if (decider.authenticated() && decider.user_id == requester_user) {
    return WithErrorInfo(absl::PermissionDeniedError("nobody approves their own request"), "OWN_REQUEST",
                         kOrdersDomain);
  }
  if (IsRole(decider, {kRoleAdmin, kRoleDirector})) return absl::OkStatus();
  if (IsRole(decider, {kRoleManager}) && decider.org_unit_id > 0) {
    SALES_ASSIGN_OR_RETURN(bool within, OrgReplica::IsWithin(tx, requester_unit, decider.org_unit_id));
    if (within) return absl::OkStatus();
    return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("unit ", requester_unit,
                                                                  " is not under your unit ", decider.org_unit_id)),
                         "NOT_IN_CHAIN", kOrdersDomain);
  }
  return WithErrorInfo(absl::PermissionDeniedError("only a manager in the requester's chain, the director or an "
                                                   "admin decides this"),
                       "ROLE_NOT_ALLOWED", kOrdersDomain);
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

int64_t OpenReserved(const OrderWithReservations& o, int64_t order_line_id, int64_t warehouse_id) {
  int64_t open = 0;
  for (const auto& r : o.reservations) {
    if (r.order_line_id() == order_line_id && r.warehouse_id() == warehouse_id &&
        r.status() == v1::RESERVATION_STATUS_ACTIVE) {
      open += r.quantity() - r.shipped_quantity() - r.released_quantity();
    }
  }
  return open;
}

const v1::OrderLine* FindLine(const v1::SalesOrder& o, int64_t order_line_id) {
  for (const auto& l : o.lines()) {
    if (l.id() == order_line_id) return &l;
  }
  return nullptr;
}

absl::Status RequireReason(const std::string& reason, const std::string& field) {
  if (reason.empty()) return InvalidField(field, "required");
  if (reason.size() > 1000) return InvalidField(field, "at most 1000 characters");
  return absl::OkStatus();
}

}  // namespace sales::orders::fulfilment
