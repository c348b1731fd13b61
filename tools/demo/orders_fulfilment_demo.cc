// The demo company's fulfilment: on the first four confirmed orders (by id,
// so a second load picks the same ones and changes nothing):
//   1. shipped whole, signed for, pick-up certificate printed, then a damaged
//      case returned and received into the quarantine warehouse;
//   2. shipped in part (half of the first line) — PARTIALLY_SHIPPED;
//   3. shipped whole and signed for, then a return of 2 intact cases verified
//      and waiting for the manager;
//   4. a shipment requisition waiting for the manager.
// Requisitions and returns are raised by the credited rep, approved by the
// director, posted by the warehouse and verified by the clerk, as in the
// handbook's 发货流程 and 退货流程.
#include "tools/demo/orders_fulfilment_demo.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace demo {
namespace {

std::unique_ptr<grpc::ClientContext> As(const sales::Principal& who) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::string rid = sales::RandomHexId();
  ctx->AddMetadata(sales::kRequestIdHeader, rid);
  ctx->AddMetadata(sales::kPrincipalHeader, who.Encode());
  if (!DemoSecret().empty()) {
  }
  return ctx;
}

const sales::Principal kDirector{"demo-director", "SALES_DIRECTOR", 0, 0};
const sales::Principal kKeeper{"demo-keeper", "WAREHOUSE", 0, 0};
const sales::Principal kClerk{"demo-clerk", "SALES_CLERK", 0, 0};

sales::Principal RepOf(const ov1::SalesOrder& o) {
  return {absl::StrCat("rep-", o.credited_rep_id()), "SALES_REP", o.credited_rep_id(), o.credited_org_unit_id()};
}

std::string Key(const ov1::SalesOrder& o, const char* step) { return absl::StrCat("demo-ful-", o.id(), "-", step); }

// A requisition for everything reserved for the order, approved by the
// director unless `leave_pending`.
ov1::ShipmentRequisition Requisition(DemoWorld& w, const ov1::SalesOrder& o, bool leave_pending) {
  ov1::RequestShipmentRequest req;
  req.set_request_id(Key(o, "req"));
  auto* r = req.mutable_shipment_requisition();
  r->set_order_id(o.id());
  r->set_carrier("德邦物流");
  r->set_notes("按合同发货");
  // From the reservations as made at confirmation (their quantity never
  // changes), so a second load sends the same body under the same key.
  ov1::ListReservationsRequest lr;
  lr.set_order_id(o.id());
  lr.set_page_size(200);
  ov1::ListReservationsResponse lresp;
  Must(w.orders->ListReservations(Ctx().get(), lr, &lresp), "ListReservations");
  std::map<std::pair<int64_t, int64_t>, int64_t> reserved;
  for (const auto& res : lresp.reservations()) reserved[{res.order_line_id(), res.warehouse_id()}] += res.quantity();
  for (const auto& [key, q] : reserved) {
    auto* rl = r->add_lines();
    rl->set_order_line_id(key.first);
    rl->set_warehouse_id(key.second);
    rl->set_quantity(q);
  }
  ov1::RequestShipmentResponse resp;
  Must(w.orders->RequestShipment(As(RepOf(o)).get(), req, &resp), "RequestShipment");
  if (leave_pending) return resp.shipment_requisition();
  ov1::ApproveShipmentRequisitionRequest ap;
  ap.set_request_id(Key(o, "req-approve"));
  ap.set_shipment_requisition_id(resp.shipment_requisition().id());
  ap.set_etag(resp.shipment_requisition().etag());
  ap.set_reason("合同已审核");
  ov1::ApproveShipmentRequisitionResponse apr;
  Must(w.orders->ApproveShipmentRequisition(As(kDirector).get(), ap, &apr), "ApproveShipmentRequisition");
  return apr.shipment_requisition();
}

// Posts the requisition, whole or only half of its first line.
ov1::PostShipmentResponse Post(DemoWorld& w, const ov1::SalesOrder& o, const ov1::ShipmentRequisition& r,
                               bool partial) {
  ov1::PostShipmentRequest req;
  req.set_request_id(Key(o, "post"));
  req.set_shipment_requisition_id(r.id());
  req.set_etag(r.etag());
  req.set_warehouse_id(r.lines(0).warehouse_id());
  for (const auto& l : r.lines()) {
    if (l.warehouse_id() != req.warehouse_id()) continue;
    auto* pl = req.add_lines();
    pl->set_shipment_requisition_line_id(l.id());
    pl->set_quantity(partial ? std::max<int64_t>(1, l.quantity() / 2) : l.quantity());
    if (partial) break;
  }
  ov1::PostShipmentResponse resp;
  Must(w.orders->PostShipment(As(kKeeper).get(), req, &resp), "PostShipment");
  return resp;
}

void Deliver(DemoWorld& w, const ov1::SalesOrder& o, const ov1::Shipment& s) {
  ov1::RecordDeliveryRequest req;
  req.set_request_id(Key(o, "deliver"));
  req.set_shipment_id(s.id());
  req.set_etag(s.etag());
  *req.mutable_delivery()->mutable_delivery_date() = s.ship_date();
  req.mutable_delivery()->set_signed_by("收货人");
  req.mutable_delivery()->set_document_reference(absl::StrCat("CONF-", s.shipment_number()));
  ov1::RecordDeliveryResponse resp;
  Must(w.orders->RecordDelivery(As(kClerk).get(), req, &resp), "RecordDelivery");
}

// A verified return of `quantity` of the first shipped line; approved and
// received when `receive`.
void Return(DemoWorld& w, const ov1::SalesOrder& o, const ov1::Shipment& s, int64_t quantity,
            ov1::ItemCondition condition, bool receive) {
  ov1::CreateReturnRequest req;
  req.set_request_id(Key(o, "return"));
  auto* r = req.mutable_return_request();
  r->set_order_id(o.id());
  r->set_reason(condition == ov1::ITEM_CONDITION_INTACT ? "客户库存积压，申请退货" : "运输途中外箱破损");
  auto* l = r->add_lines();
  l->set_order_line_id(s.lines(0).order_line_id());
  l->set_shipment_id(s.id());
  l->set_requested_quantity(std::min(quantity, s.lines(0).quantity()));
  l->set_claimed_condition(condition);
  ov1::CreateReturnResponse cr;
  Must(w.orders->CreateReturn(As(RepOf(o)).get(), req, &cr), "CreateReturn");
  ov1::VerifyReturnRequest vr;
  vr.set_request_id(Key(o, "return-verify"));
  vr.set_return_request_id(cr.return_request().id());
  vr.set_etag(cr.return_request().etag());
  vr.set_notes("品名、规格、数量、真伪已核对");
  for (const auto& rl : cr.return_request().lines()) {
    auto* v = vr.add_lines();
    v->set_return_line_id(rl.id());
    v->set_verified_quantity(rl.requested_quantity());
    v->set_verified_condition(rl.claimed_condition());
  }
  ov1::VerifyReturnResponse vresp;
  Must(w.orders->VerifyReturn(As(kClerk).get(), vr, &vresp), "VerifyReturn");
  if (!receive) return;
  ov1::ApproveReturnRequest ar;
  ar.set_request_id(Key(o, "return-approve"));
  ar.set_return_request_id(cr.return_request().id());
  ar.set_etag(vresp.return_request().etag());
  ov1::ApproveReturnResponse aresp;
  Must(w.orders->ApproveReturn(As(kDirector).get(), ar, &aresp), "ApproveReturn");
  ov1::ReceiveReturnRequest rr;
  rr.set_request_id(Key(o, "return-receive"));
  rr.set_return_request_id(cr.return_request().id());
  rr.set_etag(aresp.return_request().etag());
  ov1::ReceiveReturnResponse rresp;
  Must(w.orders->ReceiveReturn(As(kKeeper).get(), rr, &rresp), "ReceiveReturn");
}

}  // namespace

void LoadOrdersFulfilmentDemo(DemoWorld& w) {
  // Every order, oldest first; the first four that were ever confirmed.
  std::vector<ov1::SalesOrder> orders;
  ov1::ListOrdersRequest lr;
  lr.set_page_size(200);
  for (;;) {
    ov1::ListOrdersResponse resp;
    Must(w.orders->ListOrders(Ctx().get(), lr, &resp), "ListOrders");
    for (const auto& o : resp.orders()) {
      if (o.has_confirm_date() && o.kind() == ov1::ORDER_KIND_NORMAL && o.status() != ov1::ORDER_STATUS_CANCELLED) {
        orders.push_back(o);
      }
    }
    if (resp.next_page_token().empty()) break;
    lr.set_page_token(resp.next_page_token());
  }
  std::sort(orders.begin(), orders.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  if (orders.size() > 4) orders.resize(4);
  // Read each in full (lines with reservations).
  for (auto& o : orders) {
    ov1::GetOrderRequest g;
    g.set_order_id(o.id());
    ov1::GetOrderResponse gr;
    Must(w.orders->GetOrder(Ctx().get(), g, &gr), "GetOrder");
    o = gr.order();
  }
  int shipments = 0, delivered = 0, returns = 0;
  for (size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    if (i == 3) {
      Requisition(w, o, /*leave_pending=*/true);
      continue;
    }
    ov1::ShipmentRequisition r = Requisition(w, o, false);
    ov1::PostShipmentResponse s = Post(w, o, r, /*partial=*/i == 1);
    ++shipments;
    if (i == 1) continue;
    if (i == 0) {
      ov1::PrintDocumentRequest pr;
      pr.set_request_id(Key(o, "print-pickup"));
      ov1::ListDocumentsRequest ld;
      ld.set_shipment_requisition_id(r.id());
      ld.set_type(ov1::DOCUMENT_TYPE_PICKUP_CERTIFICATE);
      ov1::ListDocumentsResponse ldr;
      Must(w.orders->ListDocuments(As(kClerk).get(), ld, &ldr), "ListDocuments");
      if (ldr.documents_size() > 0) {
        pr.set_document_id(ldr.documents(0).id());
        ov1::PrintDocumentResponse presp;
        Must(w.orders->PrintDocument(As(kClerk).get(), pr, &presp), "PrintDocument");
      }
    }
    Deliver(w, o, s.shipment());
    ++delivered;
    Return(w, o, s.shipment(), i == 0 ? 1 : 2, i == 0 ? ov1::ITEM_CONDITION_DAMAGED : ov1::ITEM_CONDITION_INTACT,
           /*receive=*/i == 0);
    ++returns;
  }
  w.summary.push_back(absl::StrCat(shipments, " shipments (1 partial), ", delivered, " signed for, ", returns,
                                   " returns (1 damaged into quarantine, 1 awaiting approval), 1 requisition "
                                   "awaiting approval"));
}

}  // namespace demo
