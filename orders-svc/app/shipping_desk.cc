#include "orders-svc/app/shipping_desk.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {
namespace {

// Fills each line from its order line (product, the one warehouse it is
// reserved in when none is named); INVALID_ARGUMENT names the bad lines.
absl::Status CompleteLines(const OrderWithReservations& order, v1::ShipmentRequisition& in) {
  const v1::SalesOrder& o = order.record.order;
  std::vector<FieldViolation> bad;
  for (int i = 0; i < in.lines_size(); ++i) {
    auto* l = in.mutable_lines(i);
    const std::string f = absl::StrCat("shipment_requisition.lines[", i, "]");
    const v1::OrderLine* ol = FindLine(o, l->order_line_id());
    if (ol == nullptr) {
      bad.push_back({f + ".order_line_id", absl::StrCat("not a line of order ", o.id())});
      continue;
    }
    if (l->warehouse_id() == 0) {
      std::set<int64_t> whs;
      for (const auto& r : order.reservations) {
        if (r.order_line_id() == ol->id() && r.status() == v1::RESERVATION_STATUS_ACTIVE) whs.insert(r.warehouse_id());
      }
      if (whs.size() > 1) {
        bad.push_back({f + ".warehouse_id", "the line is reserved in several warehouses; name one"});
        continue;
      }
      if (whs.size() == 1) l->set_warehouse_id(*whs.begin());
    }
    l->set_product_id(ol->product_id());
    l->set_sku(ol->sku());
    l->set_shipped_quantity(0);
    l->clear_id();
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  return absl::OkStatus();
}

absl::Status CheckRequested(OrderBook& book, const OrderWithReservations& order, const v1::ShipmentRequisition& in) {
  const v1::SalesOrder& o = order.record.order;
  SALES_ASSIGN_OR_RETURN(auto open_requested, book.OpenRequested(o.id()));
  std::map<std::pair<int64_t, int64_t>, int64_t> in_this_request;
  for (int i = 0; i < in.lines_size(); ++i) {
    const auto& l = in.lines(i);
    const v1::OrderLine* ol = FindLine(o, l.order_line_id());
    auto key = std::make_pair(l.order_line_id(), l.warehouse_id());
    RequestableLine rl;
    rl.ordered = ol->quantity();
    rl.shipped = ol->shipped_quantity();
    rl.reserved_open = l.warehouse_id() == 0 ? 0 : OpenReserved(order, ol->id(), l.warehouse_id());
    rl.requested_unshipped = open_requested[key] + in_this_request[key];
    SALES_RETURN_IF_ERROR(
        CheckRequestQuantity(rl, l.quantity(), absl::StrCat("shipment_requisition.lines[", i, "].quantity")));
    in_this_request[key] += l.quantity();
  }
  return absl::OkStatus();
}

absl::Status NotShippable(const v1::SalesOrder& o) {
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("order ", o.order_number(), " is ", v1::OrderStatus_Name(o.status()))),
      "ORDER_NOT_SHIPPABLE", kOrdersDomain, {{"status", EnumShort(o.status())}});
}

absl::Status CheckDeliverable(const v1::Shipment& s) {
  if (s.kind() != v1::SHIPMENT_KIND_OUTBOUND) {
    return WithErrorInfo(absl::FailedPreconditionError("a return receipt is not signed for by the customer"),
                         "NOT_OUTBOUND", kOrdersDomain);
  }
  if (s.status() == v1::SHIPMENT_STATUS_DELIVERED) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("shipment ", s.shipment_number(), " is already delivered")),
        "ALREADY_DELIVERED", kOrdersDomain);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::RequestShipmentResponse> ShippingDesk::Request(OrderBook& book, const CallContext& call,
                                                                  const v1::RequestShipmentRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleRep, kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin},
                                    "request shipments"));
  v1::ShipmentRequisition in = req.shipment_requisition();
  // The order row lock serializes every requisition and posting of the
  // order, so two requests cannot both take the last reserved units.
  SALES_ASSIGN_OR_RETURN(auto order, LoadOrderInScope(book, call.principal, in.order_id(), /*for_update=*/true));
  const v1::SalesOrder& o = order.record.order;
  if (!OrderAcceptsShipment(o.status())) return NotShippable(o);
  SALES_RETURN_IF_ERROR(CompleteLines(order, in));
  SALES_RETURN_IF_ERROR(CheckRequested(book, order, in));
  if (!in.has_planned_ship_date()) {
    *in.mutable_planned_ship_date() = o.has_ship_due_date() ? o.ship_due_date() : FromCivilDay(BusinessDay(now));
  }
  if (in.ship_to_address().empty()) in.set_ship_to_address(o.ship_to_address());
  SALES_ASSIGN_OR_RETURN(int64_t id, book.InsertRequisition(in, call.principal, now));
  v1::ApprovalStep step;
  step.set_level(v1::APPROVAL_LEVEL_MANAGER);
  step.add_triggers(v1::APPROVAL_TRIGGER_SHIPMENT_REQUISITION);
  step.set_status(v1::APPROVAL_STEP_STATUS_PENDING);
  SALES_RETURN_IF_ERROR(book.InsertApprovalStep(v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, id, step, call.principal, now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, id, "SHIPMENT_REQUESTED", "",
                                     "PENDING_APPROVAL", in.notes(), now));
  v1::RequestShipmentResponse out;
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadRequisition(id, false));
  *out.mutable_shipment_requisition() = std::move(rec.requisition);
  return out;
}

absl::StatusOr<v1::RecordDeliveryResponse> ShippingDesk::RecordDelivery(OrderBook& book, const CallContext& call,
                                                                        const v1::RecordDeliveryRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(
      RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin}, "record deliveries"));
  SALES_ASSIGN_OR_RETURN(auto probe, book.LoadShipment(req.shipment_id(), false));
  SALES_ASSIGN_OR_RETURN(auto order, book.LoadOrderWithReservations(probe.shipment.order_id(), true));
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadShipment(req.shipment_id(), true));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, call.principal));
  SALES_RETURN_IF_ERROR(CheckSees(scope, order.record));
  const v1::Shipment& s = rec.shipment;
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.version, "shipment", s.id()));
  SALES_RETURN_IF_ERROR(CheckDeliverable(s));
  SALES_RETURN_IF_ERROR(CheckDelivery(req.delivery(), ToCivilDay(s.ship_date())));
  SALES_RETURN_IF_ERROR(book.SaveDelivery(s.id(), req.delivery(), call.principal, now));
  v1::SalesOrder& o = order.record.order;
  for (const auto& l : s.lines()) {
    SALES_RETURN_IF_ERROR(book.AddLineDelivered(l.order_line_id(), l.quantity()));
    for (auto& ol : *o.mutable_lines()) {
      if (ol.id() == l.order_line_id()) ol.set_delivered_quantity(ol.delivered_quantity() + l.quantity());
    }
  }
  SALES_ASSIGN_OR_RETURN(bool all_delivered, book.AllOutboundDelivered(o.id()));
  v1::OrderStatus order_status = o.status();
  if (o.status() == v1::ORDER_STATUS_SHIPPED || o.status() == v1::ORDER_STATUS_PARTIALLY_SHIPPED) {
    order_status = OrderStatusAfterDelivery(ProgressOf(o), all_delivered);
  }
  if (order_status != o.status()) {
    SALES_RETURN_IF_ERROR(book.SetOrderStatus(o.id(), order_status, "", now));
    SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_ORDER, o.id(), "ORDER_DELIVERED",
                                       EnumShort(o.status()), EnumShort(order_status), s.shipment_number(), now));
  }
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_SHIPMENT, s.id(), "SHIPMENT_DELIVERED", "POSTED",
                                     "DELIVERED", req.delivery().signed_by(), now));
  SALES_ASSIGN_OR_RETURN(auto after, book.LoadShipment(s.id(), false));
  v1::OrderDeliveredEvent event;
  *event.mutable_order() = EventHeaderOf(o);
  event.set_shipment_id(s.id());
  event.set_shipment_number(s.shipment_number());
  *event.mutable_delivery() = after.shipment.delivery();
  *event.mutable_total_amount() = s.total_amount();
  event.set_order_fully_delivered(order_status == v1::ORDER_STATUS_DELIVERED);
  SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), event, call.request_id));
  v1::RecordDeliveryResponse out;
  *out.mutable_shipment() = std::move(after.shipment);
  out.set_order_status(order_status);
  return out;
}

}  // namespace sales::orders
