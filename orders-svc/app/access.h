// Who may do what in orders-svc, and what they see: the caller's role, the
// one data scope over quotes and orders (a rep's own, a manager's org
// subtree, everything for the desks), and loading an order only when it is
// in the caller's scope. Every handler and use case asks here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "orders-svc/app/order_book.h"
#include "orders-svc/store/shipment_store.h"
#include "platform/principal.h"

namespace sales::orders {

// The role the caller acts in. Without principal_hmac_secret (local
// development only) an anonymous caller acts as ADMIN, as in every service;
// with a secret the platform refuses anonymous calls before they get here.
std::string RoleOf(const Principal& p);
bool HasRole(const Principal& p, std::initializer_list<const char*> roles);
// PERMISSION_DENIED (ROLE_NOT_ALLOWED) unless the caller acts in one of `roles`.
absl::Status RequireRole(const Principal& p, std::initializer_list<const char*> roles, absl::string_view what);

// What the caller may see: everything (director, finance, admin, clerk,
// warehouse, service), a rep's own documents (taking or credited), or a
// manager's org subtree (taking or credited unit in it).
struct Scope {
  bool all = false;
  int64_t rep_id = 0;          // a rep: own documents only
  std::vector<int64_t> units;  // a manager: these units
  bool SeesRep(int64_t rep, int64_t unit) const;
  bool Sees(int64_t rep_a, int64_t rep_b, int64_t unit_a, int64_t unit_b) const {
    return SeesRep(rep_a, unit_a) || SeesRep(rep_b, unit_b);
  }
  bool Sees(const OrderRecord& o) const {
    return Sees(o.order.credited_rep_id(), o.order.taking_rep_id(), o.order.credited_org_unit_id(),
                o.taking_org_unit_id);
  }
  bool Sees(const OrderScopeFacts& o) const {
    return Sees(o.credited_rep_id, o.taking_rep_id, o.credited_org_unit_id, o.taking_org_unit_id);
  }
};
absl::StatusOr<Scope> ScopeOf(OrderBook& book, const Principal& p);
// PERMISSION_DENIED (OUT_OF_SCOPE) when `o` is outside the scope.
absl::Status CheckSees(const Scope& s, const OrderRecord& o);
// Whether the scope sees order `order_id`, by the scope facts a list page
// loaded for its rows' orders; NOT_FOUND when the order is not among them,
// as loading the order itself would answer.
absl::StatusOr<bool> SeesOrder(const Scope& s, const std::map<int64_t, OrderScopeFacts>& orders, int64_t order_id);

// The order (row-locked when `for_update`), PERMISSION_DENIED when it is
// outside the caller's scope: what every handler checks before it reads or
// changes an order or one of its documents.
absl::StatusOr<OrderRecord> LoadVisibleOrder(OrderBook& book, const Principal& p, int64_t order_id, bool for_update);
absl::StatusOr<OrderWithReservations> LoadOrderInScope(OrderBook& book, const Principal& p, int64_t order_id,
                                                       bool for_update);
// The quote (row-locked when `for_update`), PERMISSION_DENIED when it is
// outside the caller's scope (no ErrorInfo, as the quote handlers have
// always answered).
absl::StatusOr<QuoteRecord> LoadVisibleQuote(OrderBook& book, const Principal& p, int64_t quote_id, bool for_update);

}  // namespace sales::orders
