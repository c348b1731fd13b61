// What the fulfilment handlers share: method names, roles, the caller's data
// scope over orders, who may decide a fulfilment approval, the working
// calendar of the order policy, and the audit/approval writes every state
// change makes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "orders-svc/api/method_name.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/approval.pb.h"
#include "sales/orders/v1/order.pb.h"

namespace sales::orders::fulfilment {

bool IsRole(const Principal& p, std::initializer_list<const char*> roles);
absl::Status Require(const Principal& p, std::initializer_list<const char*> roles, absl::string_view what);

// The orders a caller sees: all (director, finance, admin, clerk, warehouse,
// service), a rep's own (credited or taking), a manager's org subtree.
struct OrderScope {
  bool all = false;
  int64_t rep_id = 0;
  std::vector<int64_t> units;
  bool Sees(const OrderRecord& o) const;
  bool SeesRep(int64_t rep_id, int64_t unit_id) const;
};
absl::StatusOr<OrderScope> ScopeFor(db::Transaction& tx, const Principal& p);
// PERMISSION_DENIED when `o` is outside the caller's scope.
absl::Status CheckSees(const OrderScope& s, const OrderRecord& o);
// The order `order_id` (row-locked when `for_update`), PERMISSION_DENIED
// when it is outside the caller's scope: what every fulfilment handler
// checks before it reads or changes a document of the order.
absl::StatusOr<OrderWithReservations> LoadOrderInScope(db::Transaction& tx, const Principal& p, int64_t order_id,
                                                       bool for_update);

// A fulfilment approval (requisition, return, reprint) is decided by a
// manager whose unit is in the chain above `requester_unit`, or by the
// director or an admin; never by the requester.
absl::Status CheckDecider(db::Transaction& tx, const Principal& decider, const std::string& requester_user,
                          int64_t requester_unit);

// Inserts the MANAGER step of a fulfilment subject.
absl::Status OpenManagerStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalTrigger trigger,
                             const Principal& requester, absl::Time now);
// Decides the pending step of the subject, if one waits.
absl::Status DecidePendingStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalStepStatus status,
                               const Principal& by, absl::string_view reason, absl::Time now);

absl::Status Audit(db::Transaction& tx, v1::SubjectType type, int64_t id, const std::string& action,
                   const std::string& from, const std::string& to, const std::string& reason, const CallContext& call,
                   absl::Time now);

// The order policy's working calendar and shipping deadline.
struct ShippingPolicy {
  WorkingCalendar calendar;
  int ship_within_working_days = 1;
};
absl::StatusOr<ShippingPolicy> LoadShippingPolicy(db::Transaction& tx);

// Open reservation of an order line in a warehouse.
int64_t OpenReserved(const OrderWithReservations& o, int64_t order_line_id, int64_t warehouse_id);
const v1::OrderLine* FindLine(const v1::SalesOrder& o, int64_t order_line_id);

absl::Status RequireReason(const std::string& reason, const std::string& field = "reason");

}  // namespace sales::orders::fulfilment
