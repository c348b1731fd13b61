#include "orders-svc/app/return_desk.h"

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {
namespace {

absl::StatusOr<v1::ReturnRequest> Reloaded(OrderBook& book, int64_t return_id) {
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadReturn(return_id, false));
  return std::move(rec.request);
}

// Where the goods of a receipt go: a named regular warehouse (else where
// they left from) and, when any are damaged or defective, a quarantine one
// (named, else the first active).
struct Destinations {
  std::optional<WarehouseInfo> regular, quarantine;
};

absl::StatusOr<Destinations> ChooseDestinations(OrderBook& book, const v1::ReturnRequest& ret,
                                                const v1::ReceiveReturnRequest& req) {
  Destinations d;
  if (req.warehouse_id() != 0) {
    SALES_ASSIGN_OR_RETURN(d.regular, book.LoadWarehouse(req.warehouse_id()));
    if (!d.regular) return NotFound("warehouse", req.warehouse_id());
    if (d.regular->kind != "REGULAR" || !d.regular->active) {
      return InvalidField("warehouse_id", "must be an active regular warehouse");
    }
  }
  bool needs_quarantine = false;
  for (const auto& rl : ret.lines()) {
    if (rl.verified_quantity() > 0 && GoesToQuarantine(rl.verified_condition())) needs_quarantine = true;
  }
  if (!needs_quarantine) return d;
  if (req.quarantine_warehouse_id() != 0) {
    SALES_ASSIGN_OR_RETURN(d.quarantine, book.LoadWarehouse(req.quarantine_warehouse_id()));
    if (!d.quarantine) return NotFound("warehouse", req.quarantine_warehouse_id());
    if (d.quarantine->kind != "QUARANTINE" || !d.quarantine->active) {
      return InvalidField("quarantine_warehouse_id", "must be an active quarantine warehouse");
    }
    return d;
  }
  SALES_ASSIGN_OR_RETURN(d.quarantine, book.FirstQuarantineWarehouse());
  if (!d.quarantine) {
    return WithErrorInfo(absl::FailedPreconditionError("damaged or defective goods need a quarantine warehouse and "
                                                       "none is active"),
                         "NO_QUARANTINE_WAREHOUSE", kOrdersDomain);
  }
  return d;
}

// The negative shipment lines of a receipt, by destination warehouse, and
// the outbound shipments the goods came back from.
struct ReceiptLines {
  std::map<int64_t, std::vector<NewShipmentLine>> by_warehouse;
  std::map<int64_t, std::set<int64_t>> origins;
};

absl::StatusOr<ReceiptLines> PlanReceipt(OrderBook& book, const v1::SalesOrder& o, const v1::ReturnRequest& ret,
                                         const Destinations& d) {
  SALES_ASSIGN_OR_RETURN(auto unit_costs, book.LineUnitCosts(o.id()));
  ReceiptLines out;
  for (const auto& rl : ret.lines()) {
    if (rl.verified_quantity() <= 0) continue;
    const v1::OrderLine* ol = FindLine(o, rl.order_line_id());
    int64_t wh = 0;
    if (GoesToQuarantine(rl.verified_condition())) {
      wh = d.quarantine->id;
    } else if (d.regular) {
      wh = d.regular->id;
    } else {
      SALES_ASSIGN_OR_RETURN(wh, book.ShippedFrom(rl.order_line_id(), rl.shipment_id()));
    }
    if (wh == 0) return absl::InternalError("returned goods with no warehouse they shipped from");
    NewShipmentLine nl;
    nl.return_line_id = rl.id();
    SALES_ASSIGN_OR_RETURN(nl.line,
                           ShipmentLineOf(*ol, -rl.verified_quantity(), unit_costs[ol->id()], o.currency_code(),
                                          absl::StrCat("return line ", rl.id(), " verified_quantity")));
    nl.line.set_condition(rl.verified_condition());
    out.by_warehouse[wh].push_back(nl);
    if (rl.shipment_id() != 0) out.origins[wh].insert(rl.shipment_id());
  }
  return out;
}

}  // namespace

absl::StatusOr<ReturnInHand> LoadReturnForChange(OrderBook& book, int64_t return_id, const std::string& etag,
                                                 ReturnAction action) {
  SALES_ASSIGN_OR_RETURN(auto probe, book.LoadReturn(return_id, false));
  ReturnInHand out;
  SALES_ASSIGN_OR_RETURN(out.order, book.LoadOrderWithReservations(probe.request.order_id(), true));
  SALES_ASSIGN_OR_RETURN(out.ret, book.LoadReturn(return_id, true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, out.ret.version, "return request", return_id));
  SALES_RETURN_IF_ERROR(CheckReturnAction(out.ret.request.status(), action));
  return out;
}

absl::StatusOr<v1::CreateReturnResponse> ReturnDesk::Create(OrderBook& book, const CallContext& call,
                                                            const v1::CreateReturnRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(
      RequireRole(call.principal, {kRoleRep, kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin}, "raise returns"));
  v1::ReturnRequest in = req.return_request();
  SALES_ASSIGN_OR_RETURN(auto order, LoadOrderInScope(book, call.principal, in.order_id(), /*for_update=*/true));
  const v1::SalesOrder& o = order.record.order;
  SALES_ASSIGN_OR_RETURN(auto pending, book.PendingReturnsByLine(o.id(), 0));
  std::vector<FieldViolation> bad;
  for (int i = 0; i < in.lines_size(); ++i) {
    const std::string f = absl::StrCat("return_request.lines[", i, "]");
    if (FindLine(o, in.lines(i).order_line_id()) == nullptr) {
      bad.push_back({f + ".order_line_id", absl::StrCat("not a line of order ", o.id())});
    }
    if (in.lines(i).shipment_id() != 0) {
      SALES_ASSIGN_OR_RETURN(int64_t wh, book.ShippedFrom(in.lines(i).order_line_id(), in.lines(i).shipment_id()));
      if (wh == 0) bad.push_back({f + ".shipment_id", "no outbound shipment of this line"});
    }
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  std::map<int64_t, int64_t> in_this_request;
  for (int i = 0; i < in.lines_size(); ++i) {
    auto* l = in.mutable_lines(i);
    const v1::OrderLine* ol = FindLine(o, l->order_line_id());
    ReturnableLine rl{ol->shipped_quantity(), ol->returned_quantity(), pending[ol->id()] + in_this_request[ol->id()]};
    SALES_RETURN_IF_ERROR(CheckReturnQuantity(rl, l->requested_quantity(),
                                              absl::StrCat("return_request.lines[", i, "].requested_quantity")));
    in_this_request[ol->id()] += l->requested_quantity();
    l->set_product_id(ol->product_id());
    l->set_sku(ol->sku());
    *l->mutable_unit_price() = ol->unit_price();
  }
  in.set_customer_id(o.customer_id());
  in.set_credited_rep_id(o.credited_rep_id());
  SALES_ASSIGN_OR_RETURN(int64_t id, book.InsertReturn(in, o.credited_org_unit_id(), o.currency_code(),
                                                       static_cast<int>(BusinessDay(now).year()), call.principal, now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_RETURN_REQUEST, id, "RETURN_REQUESTED", "",
                                     "REQUESTED", in.reason(), now));
  v1::CreateReturnResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_return_request(), Reloaded(book, id));
  return out;
}

absl::StatusOr<v1::VerifyReturnResponse> ReturnDesk::Verify(OrderBook& book, const CallContext& call,
                                                            const v1::VerifyReturnRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(RequireRole(call.principal,
                                    {kRoleRep, kRoleClerk, kRoleWarehouse, kRoleManager, kRoleDirector, kRoleAdmin},
                                    "verify returns"));
  SALES_ASSIGN_OR_RETURN(auto l, LoadReturnForChange(book, req.return_request_id(), req.etag(), ReturnAction::kVerify));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, call.principal));
  SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
  std::map<int64_t, const v1::ReturnLine*> by_id;
  for (const auto& rl : l.ret.request.lines()) by_id[rl.id()] = &rl;
  std::map<int64_t, v1::ReturnLineVerification> results;
  std::vector<FieldViolation> bad;
  for (int i = 0; i < req.lines_size(); ++i) {
    const auto& v = req.lines(i);
    std::string f = absl::StrCat("lines[", i, "]");
    auto it = by_id.find(v.return_line_id());
    if (it == by_id.end()) {
      bad.push_back({f + ".return_line_id", "not a line of this return"});
      continue;
    }
    if (results.count(v.return_line_id())) {
      bad.push_back({f + ".return_line_id", "given twice"});
      continue;
    }
    if (auto st = CheckVerification(it->second->requested_quantity(), v.verified_quantity(), v.verified_condition(), f);
        !st.ok()) {
      for (auto& fv : FieldViolationsOf(st)) bad.push_back(fv);
      continue;
    }
    v1::ReturnLineVerification stored = v;
    // Goods that are not ours are not taken back, whatever was counted.
    if (!Acceptable(v.verified_condition())) stored.set_verified_quantity(0);
    results[v.return_line_id()] = stored;
  }
  for (const auto& [id, line] : by_id) {
    if (!results.count(id) && bad.empty()) bad.push_back({"lines", absl::StrCat("return line ", id, " has no result")});
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  bool nothing = true;
  for (const auto& [id, v] : results) {
    if (v.verified_quantity() > 0) nothing = false;
  }
  const int64_t id = l.ret.request.id();
  v1::ReturnStatus to = ReturnStatusAfter(ReturnAction::kVerify, nothing);
  SALES_RETURN_IF_ERROR(book.SaveReturnVerification(id, results, req.notes(), call.principal, to, now));
  if (to == v1::RETURN_STATUS_VERIFIED) {
    v1::ApprovalStep step;
    step.set_level(v1::APPROVAL_LEVEL_MANAGER);
    step.add_triggers(v1::APPROVAL_TRIGGER_RETURN);
    step.set_status(v1::APPROVAL_STEP_STATUS_PENDING);
    SALES_RETURN_IF_ERROR(book.InsertApprovalStep(v1::SUBJECT_TYPE_RETURN_REQUEST, id, step, l.ret.requester, now));
  } else {
    SALES_RETURN_IF_ERROR(book.SetReturnStatus(id, to, "nothing accepted at verification", 0, now));
  }
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_RETURN_REQUEST, id, "RETURN_VERIFIED", "REQUESTED",
                                     EnumShort(to), req.notes(), now));
  v1::VerifyReturnResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_return_request(), Reloaded(book, id));
  return out;
}

absl::StatusOr<v1::ReceiveReturnResponse> ReturnDesk::Receive(OrderBook& book, const CallContext& call,
                                                              const v1::ReceiveReturnRequest& req) {
  const absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleWarehouse, kRoleAdmin}, "receive returns"));
  SALES_ASSIGN_OR_RETURN(auto l,
                         LoadReturnForChange(book, req.return_request_id(), req.etag(), ReturnAction::kReceive));
  v1::SalesOrder& o = l.order.record.order;
  const auto& ret = l.ret.request;
  SALES_ASSIGN_OR_RETURN(Destinations dest, ChooseDestinations(book, ret, req));
  // Re-check the limit at receipt: other returns may have been received
  // since this one was raised.
  std::map<int64_t, int64_t> per_line;
  for (const auto& rl : ret.lines()) per_line[rl.order_line_id()] += rl.verified_quantity();
  for (const auto& [line_id, q] : per_line) {
    if (q == 0) continue;
    const v1::OrderLine* ol = FindLine(o, line_id);
    SALES_RETURN_IF_ERROR(CheckReturnQuantity({ol->shipped_quantity(), ol->returned_quantity(), 0}, q,
                                              absl::StrCat("order line ", line_id)));
  }
  SALES_ASSIGN_OR_RETURN(ReceiptLines plan, PlanReceipt(book, o, ret, dest));
  const absl::CivilDay day = req.has_return_date() ? ToCivilDay(req.return_date()) : BusinessDay(now);
  MovementContext mc;
  mc.kind = v1::STOCK_MOVEMENT_KIND_RETURN;
  mc.reference = ret.request_number();
  mc.reason = ret.reason();
  mc.movement_date = day;
  mc.actor = call.principal;
  mc.request_id = call.request_id;
  mc.now = now;
  v1::ReceiveReturnResponse out;
  int64_t first_shipment = 0;
  for (auto& [wh, lines] : plan.by_warehouse) {
    v1::OrderReturnedEvent event;
    for (const auto& nl : lines) {
      SALES_RETURN_IF_ERROR(book.PutBack(wh, nl.line.product_id(), -nl.line.quantity(), mc));
      SALES_RETURN_IF_ERROR(book.AddLineReturned(nl.line.order_line_id(), -nl.line.quantity()));
      *event.add_lines() = EventLineOf(*FindLine(o, nl.line.order_line_id()), nl.line);
    }
    v1::Shipment s;
    s.set_kind(v1::SHIPMENT_KIND_RETURN);
    s.set_order_id(o.id());
    s.set_return_request_id(ret.id());
    s.set_warehouse_id(wh);
    s.set_customer_id(o.customer_id());
    s.set_credited_rep_id(o.credited_rep_id());
    *s.mutable_ship_date() = FromCivilDay(day);
    SALES_ASSIGN_OR_RETURN(
        s, book.InsertShipment(s, lines, o.credited_org_unit_id(), o.currency_code(), call.principal, now));
    if (first_shipment == 0) first_shipment = s.id();
    SALES_RETURN_IF_ERROR(
        book.CreateDocument(v1::DOCUMENT_TYPE_RETURN_RECEIPT, s.shipment_number(), o.id(), 0, s.id(), now).status());
    SALES_RETURN_IF_ERROR(book.AddOrderShippedAmount(o.id(), s.total_amount().minor_units(), now));
    SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_SHIPMENT, s.id(), "RETURN_RECEIVED", "",
                                       "DELIVERED", ret.request_number(), now));
    *event.mutable_order() = EventHeaderOf(o);
    event.set_return_request_id(ret.id());
    event.set_return_shipment_id(s.id());
    event.set_shipment_number(s.shipment_number());
    for (int64_t sid : plan.origins[wh]) event.add_original_shipment_ids(sid);
    event.set_warehouse_id(wh);
    *event.mutable_return_date() = s.ship_date();
    *event.mutable_total_amount() = s.total_amount();
    event.set_reason(ret.reason());
    SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), event, call.request_id));
    *out.add_return_shipments() = std::move(s);
  }
  SALES_RETURN_IF_ERROR(book.SetReturnStatus(ret.id(), v1::RETURN_STATUS_RECEIVED, "", first_shipment, now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_RETURN_REQUEST, ret.id(), "RETURN_RECEIVED",
                                     "APPROVED", "RECEIVED", "", now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_return_request(), Reloaded(book, ret.id()));
  out.set_order_status(o.status());
  return out;
}

}  // namespace sales::orders
