#include "orders-svc/app/shipment_posting.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

// The quantities to post per requisition line (a line named twice is
// summed) and the request field each came from.
struct Posting {
  std::map<int64_t, int64_t> quantity;  // requisition line id → quantity
  std::map<int64_t, std::string> field;
  std::map<int64_t, const v1::ShipmentRequisitionLine*> line;
};

absl::StatusOr<Posting> ReadPosting(const v1::ShipmentRequisition& r, const v1::PostShipmentRequest& req) {
  Posting p;
  std::map<int64_t, const v1::ShipmentRequisitionLine*> by_id;
  for (const auto& l : r.lines()) by_id[l.id()] = &l;
  std::vector<FieldViolation> bad;
  for (int i = 0; i < req.lines_size(); ++i) {
    const auto& pl = req.lines(i);
    std::string f = absl::StrCat("lines[", i, "]");
    auto it = by_id.find(pl.shipment_requisition_line_id());
    if (it == by_id.end()) {
      bad.push_back({f + ".shipment_requisition_line_id", absl::StrCat("not a line of requisition ", r.id())});
      continue;
    }
    if (it->second->warehouse_id() != req.warehouse_id()) {
      bad.push_back({f + ".shipment_requisition_line_id",
                     absl::StrCat("ships from warehouse ", it->second->warehouse_id(), ", not ", req.warehouse_id())});
      continue;
    }
    p.quantity[pl.shipment_requisition_line_id()] += pl.quantity();
    p.field.emplace(pl.shipment_requisition_line_id(), f + ".quantity");
    p.line[pl.shipment_requisition_line_id()] = it->second;
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  return p;
}

// Every line's quantity against what was requested, ordered and reserved,
// checked before anything is written so a refusal posts nothing.
absl::Status CheckQuantities(const Posting& p, const OrderWithReservations& order, int64_t warehouse_id) {
  std::map<int64_t, int64_t> posting;  // the same order line on two requisition lines
  for (const auto& [rl_id, q] : p.quantity) {
    const auto* rl = p.line.at(rl_id);
    const v1::OrderLine* ol = FindLine(order.record.order, rl->order_line_id());
    if (ol == nullptr) return absl::InternalError("requisition line of a vanished order line");
    PostableLine pl;
    pl.requested = rl->quantity();
    pl.requisition_shipped = rl->shipped_quantity();
    pl.ordered = ol->quantity();
    pl.order_shipped = ol->shipped_quantity() + posting[ol->id()];
    pl.reserved_open = OpenReserved(order, ol->id(), warehouse_id) - posting[ol->id()];
    SALES_RETURN_IF_ERROR(CheckPostQuantity(pl, q, p.field.at(rl_id)));
    posting[ol->id()] += q;
  }
  return absl::OkStatus();
}

// The shipment line and the event line of `q` of order line `ol`.
absl::Status AddLine(const v1::OrderLine& ol, int64_t rl_id, int64_t q, int64_t unit_cost, const std::string& currency,
                     const std::string& field, std::vector<NewShipmentLine>* lines, v1::OrderShippedEvent* event) {
  NewShipmentLine nl;
  nl.requisition_line_id = rl_id;
  SALES_ASSIGN_OR_RETURN(nl.line, ShipmentLineOf(ol, q, unit_cost, currency, field));
  *event->add_lines() = EventLineOf(ol, nl.line);
  lines->push_back(std::move(nl));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::PostShipmentResponse> ShipmentPosting::Post(OrderBook& book, const CallContext& call,
                                                               const v1::PostShipmentRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleWarehouse, kRoleAdmin}, "post shipments"));
  // The order is locked before its requisition, as every writer of both does.
  SALES_ASSIGN_OR_RETURN(auto probe, book.LoadRequisition(req.shipment_requisition_id(), false));
  SALES_ASSIGN_OR_RETURN(auto order, book.LoadOrderWithReservations(probe.requisition.order_id(), true));
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadRequisition(req.shipment_requisition_id(), true));
  const auto& r = rec.requisition;
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.version, "shipment requisition", r.id()));
  SALES_RETURN_IF_ERROR(CheckRequisitionAction(r.status(), RequisitionAction::kPost));
  v1::SalesOrder& o = order.record.order;
  if (!OrderAcceptsShipment(o.status())) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("order ", o.order_number(), " is ", v1::OrderStatus_Name(o.status()))),
                         "ORDER_NOT_SHIPPABLE", kOrdersDomain);
  }
  SALES_ASSIGN_OR_RETURN(Posting posting, ReadPosting(r, req));
  SALES_RETURN_IF_ERROR(CheckQuantities(posting, order, req.warehouse_id()));

  const absl::CivilDay ship_day = req.has_ship_date() ? ToCivilDay(req.ship_date()) : BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(auto unit_costs, book.LineUnitCosts(o.id()));
  MovementContext mc;
  mc.kind = v1::STOCK_MOVEMENT_KIND_SHIPMENT;
  mc.reference = r.requisition_number();
  mc.movement_date = ship_day;
  mc.actor = call.principal;
  mc.request_id = call.request_id;
  mc.now = now;
  std::vector<NewShipmentLine> lines;
  v1::OrderShippedEvent event;
  for (const auto& [rl_id, q] : posting.quantity) {
    v1::OrderLine* ol = nullptr;
    for (auto& l : *o.mutable_lines()) {
      if (l.id() == posting.line.at(rl_id)->order_line_id()) ol = &l;
    }
    SALES_RETURN_IF_ERROR(book.ConsumeReservation(ol->id(), req.warehouse_id(), q, mc));
    SALES_RETURN_IF_ERROR(book.AddRequisitionShipped(rl_id, q));
    SALES_RETURN_IF_ERROR(book.AddLineShipped(ol->id(), q));
    ol->set_shipped_quantity(ol->shipped_quantity() + q);
    SALES_RETURN_IF_ERROR(
        AddLine(*ol, rl_id, q, unit_costs[ol->id()], o.currency_code(), posting.field.at(rl_id), &lines, &event));
  }
  v1::Shipment s;
  s.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  s.set_order_id(o.id());
  s.set_shipment_requisition_id(r.id());
  s.set_warehouse_id(req.warehouse_id());
  s.set_customer_id(o.customer_id());
  s.set_credited_rep_id(o.credited_rep_id());
  *s.mutable_ship_date() = FromCivilDay(ship_day);
  SALES_ASSIGN_OR_RETURN(
      s, book.InsertShipment(s, std::move(lines), o.credited_org_unit_id(), o.currency_code(), call.principal, now));

  int64_t requested_total = 0, shipped_total = 0;
  for (const auto& l : r.lines()) {
    requested_total += l.quantity();
    auto it = posting.quantity.find(l.id());
    shipped_total += l.shipped_quantity() + (it != posting.quantity.end() ? it->second : 0);
  }
  v1::ShipmentRequisitionStatus req_status = RequisitionStatusAfterPost(requested_total, shipped_total);
  if (req_status != r.status()) SALES_RETURN_IF_ERROR(book.SetRequisitionStatus(r.id(), req_status, "", now));
  v1::OrderStatus order_status = OrderStatusAfterShipment(ProgressOf(o));
  if (order_status != o.status()) {
    SALES_RETURN_IF_ERROR(book.SetOrderStatus(o.id(), order_status, "", now));
    SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_ORDER, o.id(), "ORDER_SHIPPED",
                                       EnumShort(o.status()), EnumShort(order_status), s.shipment_number(), now));
  }
  AmountSum cost;
  for (const auto& l : s.lines()) SALES_RETURN_IF_ERROR(cost.Add(l.cost_amount().minor_units()));
  SALES_RETURN_IF_ERROR(book.AddOrderShippedAmount(o.id(), s.total_amount().minor_units(), now));
  v1::PostShipmentResponse out;
  SALES_ASSIGN_OR_RETURN(
      *out.mutable_outbound_note(),
      book.CreateDocument(v1::DOCUMENT_TYPE_OUTBOUND_NOTE, s.shipment_number(), o.id(), r.id(), s.id(), now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_SHIPMENT, s.id(), "SHIPMENT_POSTED", "", "POSTED",
                                     r.requisition_number(), now));
  *event.mutable_order() = EventHeaderOf(o);
  event.set_shipment_id(s.id());
  event.set_shipment_number(s.shipment_number());
  event.set_warehouse_id(s.warehouse_id());
  *event.mutable_ship_date() = s.ship_date();
  *event.mutable_total_amount() = s.total_amount();
  *event.mutable_cost_amount() = MakeMoney(cost.value(), o.currency_code());
  *event.mutable_deposit_amount() = o.deposit_amount();
  event.set_order_fully_shipped(FullyShipped(ProgressOf(o)));
  event.set_order_status(order_status);
  SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), event, call.request_id));
  *out.mutable_shipment() = std::move(s);
  SALES_ASSIGN_OR_RETURN(auto after, book.LoadRequisition(r.id(), false));
  *out.mutable_shipment_requisition() = std::move(after.requisition);
  out.set_order_status(order_status);
  return out;
}

}  // namespace sales::orders
