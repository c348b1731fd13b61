#include "orders-svc/app/access.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {

std::string RoleOf(const Principal& p) { return p.authenticated() ? p.role : std::string(kRoleAdmin); }

bool HasRole(const Principal& p, std::initializer_list<const char*> roles) {
  const std::string role = RoleOf(p);
  return std::any_of(roles.begin(), roles.end(), [&](const char* r) { return role == r; });
}

absl::Status RequireRole(const Principal& p, std::initializer_list<const char*> roles, absl::string_view what) {
  if (HasRole(p, roles)) return absl::OkStatus();
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("role ", RoleOf(p), " may not ", what)),
                       "ROLE_NOT_ALLOWED", kOrdersDomain, {{"role", RoleOf(p)}});
}

bool Scope::SeesRep(int64_t rep, int64_t unit) const {
  if (all) return true;
  if (rep_id != 0) return rep == rep_id;
  return std::find(units.begin(), units.end(), unit) != units.end();
}

absl::StatusOr<Scope> ScopeOf(OrderBook& book, const Principal& p) {
  Scope s;
  if (HasRole(p, {kRoleAdmin, kRoleDirector, kRoleFinance, kRoleService, kRoleClerk, kRoleWarehouse})) {
    s.all = true;
    return s;
  }
  if (HasRole(p, {kRoleRep}) && p.rep_id != 0) {
    s.rep_id = p.rep_id;
    return s;
  }
  if (HasRole(p, {kRoleManager}) && p.org_unit_id != 0) {
    SALES_ASSIGN_OR_RETURN(s.units, book.OrgSubtree(p.org_unit_id));
    if (std::find(s.units.begin(), s.units.end(), p.org_unit_id) == s.units.end()) s.units.push_back(p.org_unit_id);
    return s;
  }
  return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("role ", RoleOf(p),
                                                                " sees no orders (a rep needs a rep id, a manager "
                                                                "an org unit)")),
                       "ROLE_NOT_ALLOWED", kOrdersDomain, {{"role", RoleOf(p)}});
}

absl::Status CheckSees(const Scope& s, const OrderRecord& o) {
  if (s.Sees(o)) return absl::OkStatus();
  return WithErrorInfo(
      absl::PermissionDeniedError(absl::StrCat("order ", o.order.id(), " is outside the caller's scope")),
      "OUT_OF_SCOPE", kOrdersDomain);
}

absl::StatusOr<bool> SeesOrder(const Scope& s, const std::map<int64_t, OrderScopeFacts>& orders, int64_t order_id) {
  auto it = orders.find(order_id);
  if (it == orders.end()) return NotFound("order", order_id);
  return s.Sees(it->second);
}

absl::StatusOr<OrderRecord> LoadVisibleOrder(OrderBook& book, const Principal& p, int64_t order_id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadOrder(order_id, for_update));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, p));
  SALES_RETURN_IF_ERROR(CheckSees(scope, rec));
  return rec;
}

absl::StatusOr<OrderWithReservations> LoadOrderInScope(OrderBook& book, const Principal& p, int64_t order_id,
                                                       bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto order, book.LoadOrderWithReservations(order_id, for_update));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, p));
  SALES_RETURN_IF_ERROR(CheckSees(scope, order.record));
  return order;
}

absl::StatusOr<QuoteRecord> LoadVisibleQuote(OrderBook& book, const Principal& p, int64_t quote_id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rec, for_update ? book.LockQuote(quote_id) : book.LoadQuote(quote_id));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, p));
  if (!scope.Sees(rec.quote.rep_id(), rec.quote.rep_id(), rec.quote.org_unit_id(), rec.quote.org_unit_id())) {
    return absl::PermissionDeniedError(absl::StrCat("quote ", quote_id, " is outside the caller's scope"));
  }
  return rec;
}

}  // namespace sales::orders
