// Shipping: requisition (需货申请单) → manager approval with the pick-up
// certificate (提货证明单) → outbound note (销售出库单) posted by the warehouse
// → the customer's signed receipt (客户确认单).
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/app/shipment_posting.h"
#include "orders-svc/app/shipping_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/shipment_document_store.h"
#include "orders-svc/store/shipment_store.h"
#include "orders-svc/store/sql_order_book.h"
#include "orders-svc/store/stock_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {

namespace {

// The shape of a posting: ids, at least one line, quantities in range, a
// real date. The lines are checked against the requisition in app/.
absl::Status ValidatePostShipment(const v1::PostShipmentRequest& req) {
  std::vector<FieldViolation> v;
  if (req.shipment_requisition_id() <= 0) v.push_back({"shipment_requisition_id", "required"});
  if (req.warehouse_id() <= 0) v.push_back({"warehouse_id", "required"});
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(req.lines_size(), kMaxDocumentLines, "lines"));
  if (req.lines().empty()) v.push_back({"lines", "at least one line"});
  for (int i = 0; i < req.lines_size(); ++i) {
    if (req.lines(i).shipment_requisition_line_id() <= 0) {
      v.push_back({absl::StrCat("lines[", i, "].shipment_requisition_line_id"), "required"});
    }
    if (!QuantityInRange(req.lines(i).quantity(), false)) {
      v.push_back({absl::StrCat("lines[", i, "].quantity"), QuantityRule(false)});
    }
  }
  if (req.has_ship_date()) {
    if (auto st = ValidateDate(req.ship_date(), "ship_date"); !st.ok()) {
      for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateRequisitionInput(const v1::RequestShipmentRequest& req) {
  std::vector<FieldViolation> v;
  if (!req.has_shipment_requisition()) return InvalidField("shipment_requisition", "required");
  const auto& r = req.shipment_requisition();
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(r.lines_size(), kMaxDocumentLines, "shipment_requisition.lines"));
  if (r.order_id() <= 0) v.push_back({"shipment_requisition.order_id", "required"});
  if (r.lines().empty()) v.push_back({"shipment_requisition.lines", "at least one line"});
  for (int i = 0; i < r.lines_size(); ++i) {
    const auto& l = r.lines(i);
    std::string f = absl::StrCat("shipment_requisition.lines[", i, "]");
    if (l.order_line_id() <= 0) v.push_back({f + ".order_line_id", "required"});
    if (!QuantityInRange(l.quantity(), false)) v.push_back({f + ".quantity", QuantityRule(false)});
    if (l.warehouse_id() < 0) v.push_back({f + ".warehouse_id", "must be >= 0"});
  }
  if (r.has_planned_ship_date()) {
    if (auto st = ValidateDate(r.planned_ship_date(), "shipment_requisition.planned_ship_date"); !st.ok()) {
      for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
    }
  }
  if (r.notes().size() > 2000) v.push_back({"shipment_requisition.notes", "at most 2000 characters"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status OrdersApi::RequestShipment(grpc::ServerContext* ctx, const v1::RequestShipmentRequest* req,
                                        v1::RequestShipmentResponse* resp) {
  return ServeMutation<v1::RequestShipmentRequest, v1::RequestShipmentResponse>(
      ctx, OrdersMethod("RequestShipment"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRequisitionInput(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ShippingDesk(*rt_.clock).Request(book, call, *req);
      });
}

grpc::Status OrdersApi::GetShipmentRequisition(grpc::ServerContext* ctx, const v1::GetShipmentRequisitionRequest* req,
                                               v1::GetShipmentRequisitionResponse* resp) {
  return ServeRead<v1::GetShipmentRequisitionResponse>(
      ctx, OrdersMethod("GetShipmentRequisition"), rt_, resp,
      [&](CallContext&) {
        return req->shipment_requisition_id() > 0 ? absl::OkStatus()
                                                  : InvalidField("shipment_requisition_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetShipmentRequisitionResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, ShipmentStore::LoadRequisition(tx, req->shipment_requisition_id(), false));
        SALES_ASSIGN_OR_RETURN(auto order, LoadOrderInScope(tx, call.principal, rec.requisition.order_id(), false));
        v1::GetShipmentRequisitionResponse out;
        *out.mutable_shipment_requisition() = std::move(rec.requisition);
        return out;
      });
}

namespace {

// Up to page + 1 requisitions after the filter's cursor that the caller's
// scope sees. Scope filtering reads the scope facts of a batch's orders in
// one statement; batches are fetched until the page is full so a rep's page
// is never short.
absl::StatusOr<std::vector<v1::ShipmentRequisition>> VisibleRequisitions(db::Transaction& tx, const Scope& scope,
                                                                         ShipmentStore::RequisitionFilter f, int page) {
  std::vector<v1::ShipmentRequisition> items;
  while (static_cast<int>(items.size()) <= page) {
    SALES_ASSIGN_OR_RETURN(auto batch, ShipmentStore::ListRequisitions(tx, f, page + 1));
    std::vector<int64_t> order_ids;
    for (const auto& r : batch) {
      if (!scope.all) order_ids.push_back(r.requisition.order_id());
    }
    SALES_ASSIGN_OR_RETURN(auto orders, ShipmentStore::OrderScopes(tx, order_ids));
    for (auto& r : batch) {
      f.after_id = r.requisition.id();
      if (!scope.all) {
        SALES_ASSIGN_OR_RETURN(bool sees, SeesOrder(scope, orders, r.requisition.order_id()));
        if (!sees) continue;
      }
      items.push_back(std::move(r.requisition));
      if (static_cast<int>(items.size()) > page) break;
    }
    if (static_cast<int>(batch.size()) < page + 1) break;
  }
  return items;
}

}  // namespace

grpc::Status OrdersApi::ListShipmentRequisitions(grpc::ServerContext* ctx,
                                                 const v1::ListShipmentRequisitionsRequest* req,
                                                 v1::ListShipmentRequisitionsResponse* resp) {
  return ServeRead<v1::ListShipmentRequisitionsResponse>(
      ctx, OrdersMethod("ListShipmentRequisitions"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(PageSize(req->page_size(), kPageOfDocuments).status());
        return DecodePageToken(req->page_token()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListShipmentRequisitionsResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        ShipmentStore::RequisitionFilter f;
        f.order_id = req->order_id();
        f.warehouse_id = req->warehouse_id();
        if (req->status() != v1::SHIPMENT_REQUISITION_STATUS_UNSPECIFIED) f.status = EnumShort(req->status());
        if (req->has_planned_ship_dates()) {
          if (req->planned_ship_dates().has_start()) f.from_date = FormatDbDate(req->planned_ship_dates().start());
          if (req->planned_ship_dates().has_end()) f.to_date = FormatDbDate(req->planned_ship_dates().end());
        }
        SALES_ASSIGN_OR_RETURN(f.after_id, DecodePageToken(req->page_token()));
        v1::ListShipmentRequisitionsResponse out;
        SALES_ASSIGN_OR_RETURN(auto items, VisibleRequisitions(tx, scope, f, page));
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_shipment_requisitions(); });
        return out;
      });
}

grpc::Status OrdersApi::ApproveShipmentRequisition(grpc::ServerContext* ctx,
                                                   const v1::ApproveShipmentRequisitionRequest* req,
                                                   v1::ApproveShipmentRequisitionResponse* resp) {
  return ServeMutation<v1::ApproveShipmentRequisitionRequest, v1::ApproveShipmentRequisitionResponse>(
      ctx, OrdersMethod("ApproveShipmentRequisition"), rt_, *req, resp,
      [&](CallContext&) {
        return req->shipment_requisition_id() > 0 ? absl::OkStatus()
                                                  : InvalidField("shipment_requisition_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveShipmentRequisitionResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, ShipmentStore::LoadRequisition(tx, req->shipment_requisition_id(), true));
        const auto& r = rec.requisition;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.version, "shipment requisition", r.id()));
        SALES_RETURN_IF_ERROR(CheckRequisitionAction(r.status(), RequisitionAction::kApprove));
        SALES_ASSIGN_OR_RETURN(auto order, StockStore::LoadOrder(tx, r.order_id(), false));
        int64_t unit =
            rec.requester.org_unit_id ? rec.requester.org_unit_id : order.record.order.credited_org_unit_id();
        SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, rec.requester.user_id, unit));
        SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, r.id(),
                                                v1::APPROVAL_STEP_STATUS_APPROVED, call.principal, req->reason(), now));
        SALES_RETURN_IF_ERROR(ShipmentStore::SetRequisitionStatus(tx, r.id(), v1::SHIPMENT_REQUISITION_STATUS_APPROVED,
                                                                  req->reason(), now));
        // The pick-up certificate shares the requisition's running number.
        std::string number = "PU" + r.requisition_number().substr(2);
        v1::ApproveShipmentRequisitionResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_pickup_certificate(),
                               ShipmentDocumentStore::Create(tx, v1::DOCUMENT_TYPE_PICKUP_CERTIFICATE, number,
                                                             r.order_id(), r.id(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, r.id(), "SHIPMENT_REQUISITION_APPROVED",
                                    "PENDING_APPROVAL", "APPROVED", req->reason(), call, now));
        SALES_ASSIGN_OR_RETURN(auto after, ShipmentStore::LoadRequisition(tx, r.id(), false));
        *out.mutable_shipment_requisition() = std::move(after.requisition);
        return out;
      });
}

namespace {

// Reject and cancel share everything but the rule and the target state.
template <typename Req>
absl::StatusOr<v1::ShipmentRequisition> CloseRequisition(ServiceRuntime& rt, db::Transaction& tx, CallContext& call,
                                                         const Req& req, RequisitionAction action) {
  const absl::Time now = rt.clock->Now();
  SALES_ASSIGN_OR_RETURN(auto probe, ShipmentStore::LoadRequisition(tx, req.shipment_requisition_id(), false));
  // Lock order first, then the requisition: the same order as posting.
  SALES_ASSIGN_OR_RETURN(auto order, StockStore::LoadOrder(tx, probe.requisition.order_id(), true));
  SALES_ASSIGN_OR_RETURN(auto rec, ShipmentStore::LoadRequisition(tx, req.shipment_requisition_id(), true));
  const auto& r = rec.requisition;
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.version, "shipment requisition", r.id()));
  SALES_RETURN_IF_ERROR(CheckRequisitionAction(r.status(), action));
  int64_t unit = rec.requester.org_unit_id ? rec.requester.org_unit_id : order.record.order.credited_org_unit_id();
  v1::ShipmentRequisitionStatus to = v1::SHIPMENT_REQUISITION_STATUS_CANCELLED;
  std::string verb = "SHIPMENT_REQUISITION_CANCELLED";
  if (action == RequisitionAction::kReject) {
    SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, rec.requester.user_id, unit));
    SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, r.id(),
                                            v1::APPROVAL_STEP_STATUS_REJECTED, call.principal, req.reason(), now));
    to = v1::SHIPMENT_REQUISITION_STATUS_REJECTED;
    verb = "SHIPMENT_REQUISITION_REJECTED";
  } else {
    // The requester withdraws their own; clerks, managers over them and
    // admins may close any.
    bool own = call.principal.authenticated() && call.principal.user_id == rec.requester.user_id;
    if (!own) {
      SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin},
                                        "cancel another's shipment requisition"));
      SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
      SALES_RETURN_IF_ERROR(CheckSees(scope, order.record));
    }
    SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, r.id(), now));
  }
  SALES_RETURN_IF_ERROR(ShipmentStore::SetRequisitionStatus(tx, r.id(), to, req.reason(), now));
  SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_SHIPMENT_REQUISITION, r.id(), verb, EnumShort(r.status()),
                              EnumShort(to), req.reason(), call, now));
  SALES_ASSIGN_OR_RETURN(auto after, ShipmentStore::LoadRequisition(tx, r.id(), false));
  return std::move(after.requisition);
}

}  // namespace

grpc::Status OrdersApi::RejectShipmentRequisition(grpc::ServerContext* ctx,
                                                  const v1::RejectShipmentRequisitionRequest* req,
                                                  v1::RejectShipmentRequisitionResponse* resp) {
  return ServeMutation<v1::RejectShipmentRequisitionRequest, v1::RejectShipmentRequisitionResponse>(
      ctx, OrdersMethod("RejectShipmentRequisition"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->shipment_requisition_id() <= 0) return InvalidField("shipment_requisition_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectShipmentRequisitionResponse> {
        v1::RejectShipmentRequisitionResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_shipment_requisition(),
                               CloseRequisition(rt_, tx, call, *req, RequisitionAction::kReject));
        return out;
      });
}

grpc::Status OrdersApi::CancelShipmentRequisition(grpc::ServerContext* ctx,
                                                  const v1::CancelShipmentRequisitionRequest* req,
                                                  v1::CancelShipmentRequisitionResponse* resp) {
  return ServeMutation<v1::CancelShipmentRequisitionRequest, v1::CancelShipmentRequisitionResponse>(
      ctx, OrdersMethod("CancelShipmentRequisition"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->shipment_requisition_id() <= 0) return InvalidField("shipment_requisition_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelShipmentRequisitionResponse> {
        v1::CancelShipmentRequisitionResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_shipment_requisition(),
                               CloseRequisition(rt_, tx, call, *req, RequisitionAction::kCancel));
        return out;
      });
}

grpc::Status OrdersApi::PostShipment(grpc::ServerContext* ctx, const v1::PostShipmentRequest* req,
                                     v1::PostShipmentResponse* resp) {
  return ServeMutation<v1::PostShipmentRequest, v1::PostShipmentResponse>(
      ctx, OrdersMethod("PostShipment"), rt_, *req, resp, [&](CallContext&) { return ValidatePostShipment(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ShipmentPosting(*rt_.clock).Post(book, call, *req);
      });
}

grpc::Status OrdersApi::GetShipment(grpc::ServerContext* ctx, const v1::GetShipmentRequest* req,
                                    v1::GetShipmentResponse* resp) {
  return ServeRead<v1::GetShipmentResponse>(
      ctx, OrdersMethod("GetShipment"), rt_, resp,
      [&](CallContext&) { return req->shipment_id() > 0 ? absl::OkStatus() : InvalidField("shipment_id", "required"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetShipmentResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, ShipmentStore::LoadShipment(tx, req->shipment_id(), false));
        SALES_ASSIGN_OR_RETURN(auto order, LoadOrderInScope(tx, call.principal, rec.shipment.order_id(), false));
        v1::GetShipmentResponse out;
        *out.mutable_shipment() = std::move(rec.shipment);
        return out;
      });
}

namespace {

// Up to page + 1 shipments before the filter's cursor that the caller's scope
// sees: a shipment credited to the caller's rep directly, any other by its
// order, whose scope facts are read for the whole batch in one statement.
// Batches are fetched until the page is full.
absl::StatusOr<std::vector<v1::Shipment>> VisibleShipments(db::Transaction& tx, const Scope& scope,
                                                           ShipmentStore::ShipmentFilter f, int page) {
  std::vector<v1::Shipment> items;
  while (static_cast<int>(items.size()) <= page) {
    SALES_ASSIGN_OR_RETURN(auto batch, ShipmentStore::ListShipments(tx, f, page + 1));
    std::vector<int64_t> order_ids;
    for (const auto& s : batch) {
      if (!scope.all && !scope.SeesRep(s.credited_rep_id(), 0)) order_ids.push_back(s.order_id());
    }
    SALES_ASSIGN_OR_RETURN(auto orders, ShipmentStore::OrderScopes(tx, order_ids));
    for (auto& s : batch) {
      f.before_id = s.id();
      if (!scope.all && !scope.SeesRep(s.credited_rep_id(), 0)) {
        SALES_ASSIGN_OR_RETURN(bool sees, SeesOrder(scope, orders, s.order_id()));
        if (!sees) continue;
      }
      items.push_back(std::move(s));
      if (static_cast<int>(items.size()) > page) break;
    }
    if (static_cast<int>(batch.size()) < page + 1) break;
  }
  return items;
}

}  // namespace

grpc::Status OrdersApi::ListShipments(grpc::ServerContext* ctx, const v1::ListShipmentsRequest* req,
                                      v1::ListShipmentsResponse* resp) {
  return ServeRead<v1::ListShipmentsResponse>(
      ctx, OrdersMethod("ListShipments"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(PageSize(req->page_size(), kPageOfDocuments).status());
        return DecodePageToken(req->page_token()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListShipmentsResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        ShipmentStore::ShipmentFilter f;
        f.order_id = req->order_id();
        f.customer_id = req->customer_id();
        f.warehouse_id = req->warehouse_id();
        if (req->kind() != v1::SHIPMENT_KIND_UNSPECIFIED) f.kind = EnumShort(req->kind());
        if (req->status() != v1::SHIPMENT_STATUS_UNSPECIFIED) f.status = EnumShort(req->status());
        if (req->ship_dates().has_start()) f.from_date = FormatDbDate(req->ship_dates().start());
        if (req->ship_dates().has_end()) f.to_date = FormatDbDate(req->ship_dates().end());
        SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto items, VisibleShipments(tx, scope, f, page));
        v1::ListShipmentsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_shipments(); });
        return out;
      });
}

grpc::Status OrdersApi::RecordDelivery(grpc::ServerContext* ctx, const v1::RecordDeliveryRequest* req,
                                       v1::RecordDeliveryResponse* resp) {
  return ServeMutation<v1::RecordDeliveryRequest, v1::RecordDeliveryResponse>(
      ctx, OrdersMethod("RecordDelivery"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->shipment_id() <= 0) return InvalidField("shipment_id", "required");
        if (!req->has_delivery()) return InvalidField("delivery", "required");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ShippingDesk(*rt_.clock).RecordDelivery(book, call, *req);
      });
}

}  // namespace sales::orders
