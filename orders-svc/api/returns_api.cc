// Returns (退货(换货)流程 [001]): the rep raises the request, someone checks
// name, spec, quantity and genuineness (verification), the manager approves,
// and the warehouse receives the goods as a negative shipment (红字出库单)
// that puts intact goods back on hand and damaged ones into quarantine.
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/app/return_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/return_rules.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/return_store.h"
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

absl::Status ValidateReturnInput(const v1::CreateReturnRequest& req) {
  if (!req.has_return_request()) return InvalidField("return_request", "required");
  const auto& r = req.return_request();
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(r.lines_size(), kMaxDocumentLines, "return_request.lines"));
  std::vector<FieldViolation> v;
  if (r.order_id() <= 0) v.push_back({"return_request.order_id", "required"});
  if (r.reason().empty()) v.push_back({"return_request.reason", "required: the customer's reason"});
  if (r.reason().size() > 1000) v.push_back({"return_request.reason", "at most 1000 characters"});
  if (r.lines().empty()) v.push_back({"return_request.lines", "at least one line"});
  for (int i = 0; i < r.lines_size(); ++i) {
    const auto& l = r.lines(i);
    std::string f = absl::StrCat("return_request.lines[", i, "]");
    if (l.order_line_id() <= 0) v.push_back({f + ".order_line_id", "required"});
    if (!QuantityInRange(l.requested_quantity(), false)) {
      v.push_back({f + ".requested_quantity", QuantityRule(false)});
    }
    if (l.claimed_condition() == v1::ITEM_CONDITION_UNSPECIFIED) v.push_back({f + ".claimed_condition", "required"});
    if (l.shipment_id() < 0) v.push_back({f + ".shipment_id", "must be >= 0"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status OrdersApi::CreateReturn(grpc::ServerContext* ctx, const v1::CreateReturnRequest* req,
                                     v1::CreateReturnResponse* resp) {
  return ServeMutation<v1::CreateReturnRequest, v1::CreateReturnResponse>(
      ctx, OrdersMethod("CreateReturn"), rt_, *req, resp, [&](CallContext&) { return ValidateReturnInput(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ReturnDesk(*rt_.clock).Create(book, call, *req);
      });
}

grpc::Status OrdersApi::GetReturn(grpc::ServerContext* ctx, const v1::GetReturnRequest* req,
                                  v1::GetReturnResponse* resp) {
  return ServeRead<v1::GetReturnResponse>(
      ctx, OrdersMethod("GetReturn"), rt_, resp,
      [&](CallContext&) {
        return req->return_request_id() > 0 ? absl::OkStatus() : InvalidField("return_request_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetReturnResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, req->return_request_id(), false));
        SALES_ASSIGN_OR_RETURN(auto order, LoadOrderInScope(tx, call.principal, rec.request.order_id(), false));
        v1::GetReturnResponse out;
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::ListReturns(grpc::ServerContext* ctx, const v1::ListReturnsRequest* req,
                                    v1::ListReturnsResponse* resp) {
  return ServeRead<v1::ListReturnsResponse>(
      ctx, OrdersMethod("ListReturns"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(PageSize(req->page_size(), kPageOfDocuments).status());
        return DecodePageToken(req->page_token()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListReturnsResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        ReturnStore::Filter f;
        f.order_id = req->order_id();
        f.customer_id = req->customer_id();
        f.rep_id = req->rep_id();
        if (req->status() != v1::RETURN_STATUS_UNSPECIFIED) f.status = EnumShort(req->status());
        if (req->create_dates().has_start()) {
          f.from_time = FormatDbTime(StartOfBusinessDay(ToCivilDay(req->create_dates().start())));
        }
        if (req->create_dates().has_end()) {
          f.to_time = FormatDbTime(StartOfBusinessDay(ToCivilDay(req->create_dates().end()) + 1));
        }
        if (!scope.all) {
          f.only_rep = scope.rep_id;
          if (scope.rep_id == 0) {
            f.restrict_units = true;
            f.units = scope.units;
          }
        }
        SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto rows, ReturnStore::List(tx, f, page + 1));
        std::vector<v1::ReturnRequest> items;
        for (auto& r : rows) items.push_back(std::move(r.request));
        v1::ListReturnsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_return_requests(); });
        return out;
      });
}

grpc::Status OrdersApi::VerifyReturn(grpc::ServerContext* ctx, const v1::VerifyReturnRequest* req,
                                     v1::VerifyReturnResponse* resp) {
  return ServeMutation<v1::VerifyReturnRequest, v1::VerifyReturnResponse>(
      ctx, OrdersMethod("VerifyReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(req->lines_size(), kMaxDocumentLines, "lines"));
        if (req->return_request_id() <= 0) v.push_back({"return_request_id", "required"});
        if (req->lines().empty()) v.push_back({"lines", "one result per return line"});
        if (req->notes().size() > 2000) v.push_back({"notes", "at most 2000 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ReturnDesk(*rt_.clock).Verify(book, call, *req);
      });
}

grpc::Status OrdersApi::ApproveReturn(grpc::ServerContext* ctx, const v1::ApproveReturnRequest* req,
                                      v1::ApproveReturnResponse* resp) {
  return ServeMutation<v1::ApproveReturnRequest, v1::ApproveReturnResponse>(
      ctx, OrdersMethod("ApproveReturn"), rt_, *req, resp,
      [&](CallContext&) {
        return req->return_request_id() > 0 ? absl::OkStatus() : InvalidField("return_request_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SqlOrderBook book(tx, nullptr);
        SALES_ASSIGN_OR_RETURN(
            auto l, LoadReturnForChange(book, req->return_request_id(), req->etag(), ReturnAction::kApprove));
        SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, l.ret.requester.user_id, l.RequesterUnit()));
        SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                v1::APPROVAL_STEP_STATUS_APPROVED, call.principal, req->reason(), now));
        SALES_RETURN_IF_ERROR(ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_APPROVED, "", 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(), "RETURN_APPROVED",
                                    "VERIFIED", "APPROVED", req->reason(), call, now));
        v1::ApproveReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::RejectReturn(grpc::ServerContext* ctx, const v1::RejectReturnRequest* req,
                                     v1::RejectReturnResponse* resp) {
  return ServeMutation<v1::RejectReturnRequest, v1::RejectReturnResponse>(
      ctx, OrdersMethod("RejectReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->return_request_id() <= 0) return InvalidField("return_request_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SqlOrderBook book(tx, nullptr);
        SALES_ASSIGN_OR_RETURN(auto l,
                               LoadReturnForChange(book, req->return_request_id(), req->etag(), ReturnAction::kReject));
        const auto from = l.ret.request.status();
        if (from == v1::RETURN_STATUS_VERIFIED) {
          // Past verification only the approving side refuses.
          SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, l.ret.requester.user_id, l.RequesterUnit()));
        } else {
          // At verification the verifier (clerk, warehouse) may refuse too.
          SALES_RETURN_IF_ERROR(RequireRole(
              call.principal, {kRoleClerk, kRoleWarehouse, kRoleManager, kRoleDirector, kRoleAdmin}, "reject returns"));
          SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
          SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
        }
        SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                v1::APPROVAL_STEP_STATUS_REJECTED, call.principal, req->reason(), now));
        SALES_RETURN_IF_ERROR(
            ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_REJECTED, req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(), "RETURN_REJECTED",
                                    EnumShort(from), "REJECTED", req->reason(), call, now));
        v1::RejectReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::CancelReturn(grpc::ServerContext* ctx, const v1::CancelReturnRequest* req,
                                     v1::CancelReturnResponse* resp) {
  return ServeMutation<v1::CancelReturnRequest, v1::CancelReturnResponse>(
      ctx, OrdersMethod("CancelReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->return_request_id() <= 0) return InvalidField("return_request_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SqlOrderBook book(tx, nullptr);
        SALES_ASSIGN_OR_RETURN(auto l,
                               LoadReturnForChange(book, req->return_request_id(), req->etag(), ReturnAction::kCancel));
        bool own = call.principal.authenticated() && call.principal.user_id == l.ret.requester.user_id;
        if (!own) {
          SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin},
                                            "withdraw another's return"));
          SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
          SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
        }
        SALES_RETURN_IF_ERROR(
            ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(), now));
        SALES_RETURN_IF_ERROR(
            ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_CANCELLED, req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(), "RETURN_CANCELLED",
                                    EnumShort(l.ret.request.status()), "CANCELLED", req->reason(), call, now));
        v1::CancelReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::ReceiveReturn(grpc::ServerContext* ctx, const v1::ReceiveReturnRequest* req,
                                      v1::ReceiveReturnResponse* resp) {
  return ServeMutation<v1::ReceiveReturnRequest, v1::ReceiveReturnResponse>(
      ctx, OrdersMethod("ReceiveReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->return_request_id() <= 0) v.push_back({"return_request_id", "required"});
        if (req->warehouse_id() < 0) v.push_back({"warehouse_id", "must be >= 0"});
        if (req->quarantine_warehouse_id() < 0) v.push_back({"quarantine_warehouse_id", "must be >= 0"});
        if (req->has_return_date()) {
          if (auto st = ValidateDate(req->return_date(), "return_date"); !st.ok()) {
            for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return ReturnDesk(*rt_.clock).Receive(book, call, *req);
      });
}

}  // namespace sales::orders
