// Controlled documents (提货证明单不允许重新打印 [002]): the first print is the
// original; a lost document is reprinted only against a reprint request a
// manager approved (经领导核准之后, 由专人补开), stamped as a duplicate and
// counted.
#include <optional>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/document_print.h"
#include "orders-svc/store/shipment_document_store.h"
#include "orders-svc/store/shipment_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/handlers.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {

namespace {

absl::StatusOr<OrderWithReservations> OrderInScope(db::Transaction& tx, const CallContext& call, int64_t order_id) {
  return LoadOrderInScope(tx, call.principal, order_id, /*for_update=*/false);
}

absl::StatusOr<DocumentContent> ContentOf(db::Transaction& tx, const v1::ShippingDocument& d,
                                          const OrderWithReservations& order) {
  DocumentContent c;
  c.type = d.type();
  c.document_number = d.document_number();
  c.order_number = order.record.order.order_number();
  c.customer_name = order.record.order.customer_name();
  if (d.shipment_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto s, ShipmentStore::LoadShipment(tx, d.shipment_id(), false));
    c.date = FormatDbDate(s.shipment.ship_date());
    c.warehouse = absl::StrCat(s.shipment.warehouse_id());
    for (const auto& l : s.shipment.lines()) c.lines.push_back({l.sku(), l.quantity()});
  } else if (d.shipment_requisition_id() != 0) {
    SALES_ASSIGN_OR_RETURN(auto r, ShipmentStore::LoadRequisition(tx, d.shipment_requisition_id(), false));
    c.date = FormatDbDate(r.requisition.planned_ship_date());
    for (const auto& l : r.requisition.lines()) {
      c.lines.push_back({l.sku(), l.quantity()});
      if (c.warehouse.empty()) c.warehouse = absl::StrCat(l.warehouse_id());
    }
  }
  return c;
}

// Up to page + 1 documents after the filter's cursor that the caller's scope
// sees, by their orders' scope facts, read for a whole batch in one
// statement. Batches are fetched until the page is full.
absl::StatusOr<std::vector<v1::ShippingDocument>> VisibleDocuments(db::Transaction& tx, const Scope& scope,
                                                                   ShipmentDocumentStore::Filter f, int page) {
  std::vector<v1::ShippingDocument> items;
  while (static_cast<int>(items.size()) <= page) {
    SALES_ASSIGN_OR_RETURN(auto batch, ShipmentDocumentStore::List(tx, f, page + 1));
    std::vector<int64_t> order_ids;
    for (const auto& d : batch) {
      if (!scope.all) order_ids.push_back(d.order_id());
    }
    SALES_ASSIGN_OR_RETURN(auto orders, ShipmentStore::OrderScopes(tx, order_ids));
    for (auto& d : batch) {
      f.after_id = d.id();
      if (!scope.all) {
        SALES_ASSIGN_OR_RETURN(bool sees, SeesOrder(scope, orders, d.order_id()));
        if (!sees) continue;
      }
      items.push_back(std::move(d));
      if (static_cast<int>(items.size()) > page) break;
    }
    if (static_cast<int>(batch.size()) < page + 1) break;
  }
  return items;
}

}  // namespace

grpc::Status OrdersApi::ListDocuments(grpc::ServerContext* ctx, const v1::ListDocumentsRequest* req,
                                      v1::ListDocumentsResponse* resp) {
  return ServeRead<v1::ListDocumentsResponse>(
      ctx, OrdersMethod("ListDocuments"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(PageSize(req->page_size(), kPageOfDocuments).status());
        return DecodePageToken(req->page_token()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListDocumentsResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        ShipmentDocumentStore::Filter f;
        f.order_id = req->order_id();
        f.requisition_id = req->shipment_requisition_id();
        f.shipment_id = req->shipment_id();
        if (req->type() != v1::DOCUMENT_TYPE_UNSPECIFIED) f.type = EnumShort(req->type());
        SALES_ASSIGN_OR_RETURN(f.after_id, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto items, VisibleDocuments(tx, scope, f, page));
        v1::ListDocumentsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_documents(); });
        return out;
      });
}

namespace {

// The approved reprint a print is made under, if the request names one
// (row-locked: one reprint, one copy).
absl::StatusOr<std::optional<OfferedReprint>> OfferedReprintOf(db::Transaction& tx, int64_t reprint_request_id) {
  if (reprint_request_id == 0) return std::optional<OfferedReprint>();
  SALES_ASSIGN_OR_RETURN(auto rr, ShipmentDocumentStore::LoadReprint(tx, reprint_request_id, true));
  return std::optional<OfferedReprint>(OfferedReprint{rr.request.id(), rr.request.document_id(), rr.request.status()});
}

}  // namespace

grpc::Status OrdersApi::PrintDocument(grpc::ServerContext* ctx, const v1::PrintDocumentRequest* req,
                                      v1::PrintDocumentResponse* resp) {
  return ServeMutation<v1::PrintDocumentRequest, v1::PrintDocumentResponse>(
      ctx, OrdersMethod("PrintDocument"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->document_id() <= 0) return InvalidField("document_id", "required");
        if (req->reprint_request_id() < 0) return InvalidField("reprint_request_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::PrintDocumentResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(
            RequireRole(call.principal, {kRoleClerk, kRoleWarehouse, kRoleRep, kRoleManager, kRoleDirector, kRoleAdmin},
                        "print shipping documents"));
        SALES_ASSIGN_OR_RETURN(auto doc, ShipmentDocumentStore::Load(tx, req->document_id(), true));
        SALES_ASSIGN_OR_RETURN(auto order, OrderInScope(tx, call, doc.order_id()));
        SALES_ASSIGN_OR_RETURN(auto offered, OfferedReprintOf(tx, req->reprint_request_id()));
        SALES_ASSIGN_OR_RETURN(PrintDecision d,
                               DecidePrint(doc.id(), doc.print_count(), offered ? &*offered : nullptr));
        SALES_RETURN_IF_ERROR(ShipmentDocumentStore::RecordPrint(tx, doc.id(), d, req->reprint_request_id(),
                                                                 call.principal, call.request_id, now));
        SALES_ASSIGN_OR_RETURN(auto content, ContentOf(tx, doc, order));
        SALES_RETURN_IF_ERROR(Audit(
            tx, v1::SUBJECT_TYPE_DOCUMENT, doc.id(), d.duplicate ? "DOCUMENT_REPRINTED" : "DOCUMENT_PRINTED",
            absl::StrCat(doc.print_count()), absl::StrCat(d.copy_number),
            d.duplicate ? absl::StrCat("reprint request ", req->reprint_request_id()) : std::string(), call, now));
        v1::PrintDocumentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_document(), ShipmentDocumentStore::Load(tx, doc.id(), false));
        auto* o = out.mutable_output();
        o->set_content(RenderDocument(content, d));
        o->set_content_type("text/plain; charset=utf-8");
        o->set_duplicate(d.duplicate);
        o->set_copy_number(d.copy_number);
        return out;
      });
}

grpc::Status OrdersApi::RequestReprint(grpc::ServerContext* ctx, const v1::RequestReprintRequest* req,
                                       v1::RequestReprintResponse* resp) {
  return ServeMutation<v1::RequestReprintRequest, v1::RequestReprintResponse>(
      ctx, OrdersMethod("RequestReprint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->document_id() <= 0) return InvalidField("document_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RequestReprintResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(
            RequireRole(call.principal, {kRoleClerk, kRoleWarehouse, kRoleRep, kRoleManager, kRoleDirector, kRoleAdmin},
                        "ask for reprints"));
        // The document row lock makes "one pending request" hold under races.
        SALES_ASSIGN_OR_RETURN(auto doc, ShipmentDocumentStore::Load(tx, req->document_id(), true));
        SALES_ASSIGN_OR_RETURN(auto order, OrderInScope(tx, call, doc.order_id()));
        SALES_ASSIGN_OR_RETURN(bool pending, ShipmentDocumentStore::HasPendingReprint(tx, doc.id()));
        SALES_RETURN_IF_ERROR(CheckReprintRequest(doc.print_count(), pending));
        SALES_ASSIGN_OR_RETURN(int64_t id,
                               ShipmentDocumentStore::InsertReprint(tx, doc.id(), req->reason(), call.principal, now));
        SALES_RETURN_IF_ERROR(OpenManagerStep(tx, v1::SUBJECT_TYPE_REPRINT_REQUEST, id, v1::APPROVAL_TRIGGER_REPRINT,
                                              call.principal, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_REPRINT_REQUEST, id, "REPRINT_REQUESTED", "",
                                    "PENDING_APPROVAL", req->reason(), call, now));
        v1::RequestReprintResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ShipmentDocumentStore::LoadReprint(tx, id, false));
        *out.mutable_reprint_request() = std::move(rec.request);
        return out;
      });
}

namespace {

template <typename Req>
absl::StatusOr<v1::ReprintRequest> DecideReprint(ServiceRuntime& rt, db::Transaction& tx, CallContext& call,
                                                 const Req& req, ReprintAction action) {
  const absl::Time now = rt.clock->Now();
  SALES_ASSIGN_OR_RETURN(auto rec, ShipmentDocumentStore::LoadReprint(tx, req.reprint_request_id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.version, "reprint request", rec.request.id()));
  SALES_RETURN_IF_ERROR(CheckReprintAction(rec.request.status(), action));
  SALES_ASSIGN_OR_RETURN(auto doc, ShipmentDocumentStore::Load(tx, rec.request.document_id(), false));
  SALES_ASSIGN_OR_RETURN(auto order, StockStore::LoadOrder(tx, doc.order_id(), false));
  int64_t unit = rec.requester.org_unit_id ? rec.requester.org_unit_id : order.record.order.credited_org_unit_id();
  SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, rec.requester.user_id, unit));
  const bool approve = action == ReprintAction::kApprove;
  SALES_RETURN_IF_ERROR(
      DecidePendingStep(tx, v1::SUBJECT_TYPE_REPRINT_REQUEST, rec.request.id(),
                        approve ? v1::APPROVAL_STEP_STATUS_APPROVED : v1::APPROVAL_STEP_STATUS_REJECTED, call.principal,
                        req.reason(), now));
  v1::ReprintRequestStatus to = approve ? v1::REPRINT_REQUEST_STATUS_APPROVED : v1::REPRINT_REQUEST_STATUS_REJECTED;
  SALES_RETURN_IF_ERROR(ShipmentDocumentStore::SetReprintStatus(tx, rec.request.id(), to, now));
  SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_REPRINT_REQUEST, rec.request.id(),
                              approve ? "REPRINT_APPROVED" : "REPRINT_REJECTED", "PENDING_APPROVAL", EnumShort(to),
                              req.reason(), call, now));
  SALES_ASSIGN_OR_RETURN(auto after, ShipmentDocumentStore::LoadReprint(tx, rec.request.id(), false));
  return std::move(after.request);
}

}  // namespace

grpc::Status OrdersApi::ApproveReprint(grpc::ServerContext* ctx, const v1::ApproveReprintRequest* req,
                                       v1::ApproveReprintResponse* resp) {
  return ServeMutation<v1::ApproveReprintRequest, v1::ApproveReprintResponse>(
      ctx, OrdersMethod("ApproveReprint"), rt_, *req, resp,
      [&](CallContext&) {
        return req->reprint_request_id() > 0 ? absl::OkStatus() : InvalidField("reprint_request_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveReprintResponse> {
        v1::ApproveReprintResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_reprint_request(),
                               DecideReprint(rt_, tx, call, *req, ReprintAction::kApprove));
        return out;
      });
}

grpc::Status OrdersApi::RejectReprint(grpc::ServerContext* ctx, const v1::RejectReprintRequest* req,
                                      v1::RejectReprintResponse* resp) {
  return ServeMutation<v1::RejectReprintRequest, v1::RejectReprintResponse>(
      ctx, OrdersMethod("RejectReprint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->reprint_request_id() <= 0) return InvalidField("reprint_request_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectReprintResponse> {
        v1::RejectReprintResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_reprint_request(),
                               DecideReprint(rt_, tx, call, *req, ReprintAction::kReject));
        return out;
      });
}

}  // namespace sales::orders
