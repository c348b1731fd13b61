// What the order desk's use cases share: routing an order to the approvals
// it needs, reserving its stock, its audit rows and its confirmed event.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "orders-svc/app/order_book.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/domain/shipment_rules.h"
#include "platform/call.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {

// The approval steps an order needs, as `role` would submit it. Lines
// taken over from an approved quote need nothing more unless their discount
// grew (与原报价发生偏离 → manager).
absl::StatusOr<std::vector<RoutedStep>> RouteOrder(OrderBook& book, const v1::SalesOrder& o,
                                                   const v1::OrderPolicy& policy, const std::string& role);

// FAILED_PRECONDITION (CUSTOMER_BLACKLISTED) for a blacklisted customer.
absl::Status RefuseBlacklisted(const customers::v1::Customer& c);

// FAILED_PRECONDITION (APPROVALS_PENDING).
absl::Status ApprovalsPending(const std::string& why);

// Reserves every positive line (warehouses chosen by domain/allocation);
// FAILED_PRECONDITION (INSUFFICIENT_STOCK, nothing reserved: the
// transaction rolls back) names the short lines.
absl::StatusOr<std::vector<v1::Reservation>> ReserveOrder(OrderBook& book, const v1::SalesOrder& o, absl::Time now);

// Open reservation of an order line in a warehouse.
int64_t OpenReserved(const OrderWithReservations& o, int64_t order_line_id, int64_t warehouse_id);
// Each line's ordered, shipped and delivered quantity (domain/shipment_rules).
std::vector<LineProgress> ProgressOf(const v1::SalesOrder& o);
// The line of the order, or null.
const v1::OrderLine* FindLine(const v1::SalesOrder& o, int64_t order_line_id);

// A shipment line of `quantity` (negative on a return receipt) of an order
// line at its price, net and cost amounts checked (INVALID_ARGUMENT naming
// `field` beyond the amount bound, never a wrapped amount).
absl::StatusOr<v1::ShipmentLine> ShipmentLineOf(const v1::OrderLine& ol, int64_t quantity, int64_t unit_cost,
                                                const std::string& currency, const std::string& field);
// The feed's view of a shipment line (OrderShipped, OrderReturned).
v1::EventLine EventLineOf(const v1::OrderLine& ol, const v1::ShipmentLine& sl);

// One audit row of a state change of any subject (order, shipment, return…).
absl::Status AuditSubject(OrderBook& book, const CallContext& call, v1::SubjectType type, int64_t id,
                          const std::string& action, const std::string& from, const std::string& to,
                          const std::string& reason, absl::Time now);
// One audit row of an order's state change.
absl::Status AuditOrder(OrderBook& book, const CallContext& call, int64_t order_id, const std::string& action,
                        v1::OrderStatus from, v1::OrderStatus to, const std::string& reason, absl::Time now);

// The event of an order confirmed, directly or on release of a credit hold.
v1::OrderConfirmedEvent ConfirmedEvent(const v1::SalesOrder& o, bool released, const std::string& release_reason);

// FAILED_PRECONDITION (ORDER_NOT_CANCELLABLE) once anything has shipped.
absl::Status NothingShipped(const v1::SalesOrder& o);
// The event of an order cancelled on `day` (its reservations released).
v1::OrderCancelledEvent CancelledEvent(const v1::SalesOrder& o, absl::CivilDay day, const std::string& reason);

}  // namespace sales::orders
