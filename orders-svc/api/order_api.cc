// Sales orders (销售合同/订单): entry and pricing, approval, confirmation with
// the credit check and stock reservation, credit hold and its release,
// cancellation, exposure, approvals inbox and the audit trail.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/document_edits.h"
#include "orders-svc/app/document_entry.h"
#include "orders-svc/app/order_confirmation.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/allocation.h"
#include "orders-svc/domain/confirmation.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/quote_store.h"
#include "orders-svc/store/return_store.h"
#include "orders-svc/store/sql_order_book.h"
#include "orders-svc/store/stock_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::Status AuditOrder(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& action,
                        v1::OrderStatus from, v1::OrderStatus to, const std::string& reason, absl::Time now) {
  SqlOrderBook book(tx, nullptr);
  return AuditOrder(book, call, id, action, from, to, reason, now);
}

// The order's id and the mask, and the caps on its repeated fields (the
// content is checked as it will be stored, in the transaction).
absl::StatusOr<std::vector<std::string>> ValidateOrderChange(const v1::UpdateOrderRequest& req) {
  if (!req.has_order() || req.order().id() <= 0) return InvalidField("order.id", "required");
  SALES_ASSIGN_OR_RETURN(auto paths, UpdatePaths(req.update_mask(), {"order_date", "requested_delivery_date",
                                                                     "ship_to_address", "customer_reference", "lines",
                                                                     "special_fees", "deposit_amount", "notes"}));
  SALES_RETURN_IF_ERROR(CapOrderRepeated(req.order()));
  return paths;
}

absl::Status RequireOrderWriter(const Principal& p) {
  return RequireRole(p, {kRoleRep, kRoleManager, kRoleDirector, kRoleClerk, kRoleAdmin}, "enter orders");
}

// Quotes and orders are decided in the order desk's inbox (fulfilment
// approvals have their own lists); `any` lets an unset filter through.
bool InOrderDeskInbox(v1::SubjectType type, bool any) {
  return type == v1::SUBJECT_TYPE_QUOTE || type == v1::SUBJECT_TYPE_ORDER ||
         (any && type == v1::SUBJECT_TYPE_UNSPECIFIED);
}

// The inbox task of a pending step of a quote or an order, and the unit
// whose chain of command decides it.
absl::StatusOr<std::pair<v1::ApprovalTask, int64_t>> TaskOf(db::Transaction& tx, const StoredStep& s) {
  v1::ApprovalTask task;
  int64_t unit = 0;
  if (s.subject_type == v1::SUBJECT_TYPE_QUOTE) {
    SALES_ASSIGN_OR_RETURN(auto q, QuoteStore::Load(tx, s.subject_id, false));
    unit = q.quote.org_unit_id();
    task.set_subject_number(q.quote.quote_number());
    task.set_customer_id(q.quote.customer_id());
    *task.mutable_amount() = q.quote.total_amount();
    task.set_subject_etag(q.quote.etag());
  } else {
    SALES_ASSIGN_OR_RETURN(auto o, OrderStore::Load(tx, s.subject_id, false));
    unit = o.taking_org_unit_id;
    task.set_subject_number(o.order.order_number());
    task.set_customer_id(o.order.customer_id());
    *task.mutable_amount() = o.order.total_amount();
    task.set_subject_etag(o.order.etag());
  }
  task.set_subject_type(s.subject_type);
  task.set_subject_id(s.subject_id);
  *task.mutable_step() = s.step;
  task.mutable_requested_by()->set_user_id(s.requester_user);
  task.mutable_requested_by()->set_rep_id(s.requester_rep);
  return std::make_pair(std::move(task), unit);
}

}  // namespace

grpc::ServerUnaryReactor* OrdersApi::CreateOrder(grpc::CallbackServerContext* ctx, const v1::CreateOrderRequest* req,
                                                 v1::CreateOrderResponse* resp) {
  return ServeOnWorkers(ctx, rt_, [this, ctx, req, resp] { return CreateOrderNow(ctx, req, resp); });
}

grpc::Status OrdersApi::CreateOrderNow(grpc::ServerContextBase* ctx, const v1::CreateOrderRequest* req,
                                       v1::CreateOrderResponse* resp) {
  return ServeMutation<v1::CreateOrderRequest, v1::CreateOrderResponse>(
      ctx, OrdersMethod("CreateOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        if (!req->has_order()) return InvalidField("order", "required");
        v1::SalesOrder o = req->order();
        if (o.kind() == v1::ORDER_KIND_UNSPECIFIED) o.set_kind(v1::ORDER_KIND_NORMAL);
        SALES_RETURN_IF_ERROR(ValidateOrderContent(o, true));
        SALES_ASSIGN_OR_RETURN(auto customer, customers_->FetchCustomer(&call, o.customer_id()));
        return RefuseBlacklisted(customer);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateOrderResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SALES_ASSIGN_OR_RETURN(auto taking, ResolveTakingRep(tx, call.principal, req->on_behalf_of_rep_id()));
        v1::SalesOrder o = req->order();
        if (o.kind() == v1::ORDER_KIND_UNSPECIFIED) o.set_kind(v1::ORDER_KIND_NORMAL);
        o.set_taking_rep_id(taking.rep_id);
        o.set_quote_id(0);
        SALES_RETURN_IF_ERROR(PriceOrder(tx, o, policy, RoleOf(call.principal), now));
        SALES_ASSIGN_OR_RETURN(int64_t id,
                               OrderStore::InsertUnnumbered(tx, o, call.principal.user_id, taking.org_unit_id, now));
        SALES_RETURN_IF_ERROR(AuditOrder(
            tx, call, id, "ORDER_CREATED", v1::ORDER_STATUS_UNSPECIFIED, v1::ORDER_STATUS_DRAFT,
            o.kind() == v1::ORDER_KIND_CORRECTION ? absl::StrCat("correction of order ", o.original_order_id()) : "",
            now));
        v1::CreateOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, id, false));
        *out.mutable_order() = rec.order;
        // Numbered last: the year's number row stays locked until commit.
        SALES_ASSIGN_OR_RETURN(*out.mutable_order()->mutable_order_number(),
                               OrderStore::AssignNumber(tx, id, static_cast<int>(o.order_date().year())));
        return out;
      });
}

grpc::Status OrdersApi::GetOrder(grpc::ServerContext* ctx, const v1::GetOrderRequest* req, v1::GetOrderResponse* resp) {
  return ServeRead<v1::GetOrderResponse>(
      ctx, OrdersMethod("GetOrder"), rt_, resp,
      [&](CallContext&) { return req->order_id() > 0 ? absl::OkStatus() : InvalidField("order_id", "required"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order_id(), false));
        v1::GetOrderResponse out;
        *out.mutable_order() = rec.order;
        return out;
      });
}

grpc::Status OrdersApi::ListOrders(grpc::ServerContext* ctx, const v1::ListOrdersRequest* req,
                                   v1::ListOrdersResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListOrdersResponse>(
      ctx, OrdersMethod("ListOrders"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        return CheckRepeatedCap(req->statuses_size(), kMaxStatusFilters, "statuses");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListOrdersResponse> {
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        OrderStore::ListFilter f;
        f.before_id = before;
        f.customer_id = req->customer_id();
        f.rep_id = req->rep_id();
        f.only_rep_scope = scope.rep_id;
        SALES_ASSIGN_OR_RETURN(auto units, ListUnitsFor(tx, scope, req->org_unit_id()));
        f.restrict_units = units.restrict;
        f.org_units = std::move(units.units);
        for (int s : req->statuses()) f.statuses.push_back(EnumShort(static_cast<v1::OrderStatus>(s)));
        if (req->has_order_dates()) {
          if (req->order_dates().has_start()) f.from_date = FormatDbDate(req->order_dates().start());
          if (req->order_dates().has_end()) f.to_date = FormatDbDate(req->order_dates().end());
        }
        if (req->kind() != v1::ORDER_KIND_UNSPECIFIED) f.kind = EnumShort(req->kind());
        f.late_only = req->late_only();
        SALES_ASSIGN_OR_RETURN(auto ids, OrderStore::ListIds(tx, f, page + 1));
        v1::ListOrdersResponse out;
        bool more = static_cast<int>(ids.size()) > page;
        if (more) ids.pop_back();
        SALES_ASSIGN_OR_RETURN(auto orders, OrderStore::LoadMany(tx, ids));
        for (auto& rec : orders) *out.add_orders() = std::move(rec.order);
        if (more) out.set_next_page_token(EncodePageToken(ids.back()));
        return out;
      });
}

grpc::Status OrdersApi::UpdateOrder(grpc::ServerContext* ctx, const v1::UpdateOrderRequest* req,
                                    v1::UpdateOrderResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateOrderRequest, v1::UpdateOrderResponse>(
      ctx, OrdersMethod("UpdateOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        SALES_ASSIGN_OR_RETURN(paths, ValidateOrderChange(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, nullptr);
        return DocumentEdits(*rt_.clock).EditOrder(tx, book, call, *req, paths);
      });
}

grpc::Status OrdersApi::SubmitOrder(grpc::ServerContext* ctx, const v1::SubmitOrderRequest* req,
                                    v1::SubmitOrderResponse* resp) {
  return ServeMutation<v1::SubmitOrderRequest, v1::SubmitOrderResponse>(
      ctx, OrdersMethod("SubmitOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        return req->order_id() > 0 ? absl::OkStatus() : InvalidField("order_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SubmitOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order_id(), true));
        const v1::SalesOrder& o = rec.order;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kSubmit));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SqlOrderBook book(tx, nullptr);
        SALES_ASSIGN_OR_RETURN(auto steps, RouteOrder(book, o, policy, RoleOf(call.principal)));
        SALES_RETURN_IF_ERROR(OpenApprovalSteps(tx, v1::SUBJECT_TYPE_ORDER, o.id(), steps, call.principal, now));
        if (steps.empty()) {
          SALES_RETURN_IF_ERROR(OrderStore::ApproveSpecialFees(tx, o.id()));
        }
        SALES_RETURN_IF_ERROR(OrderStore::SetStatus(tx, o.id(), to, "", now));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_SUBMITTED", o.status(), to,
                                         steps.empty() ? "no approval needed" : "", now));
        v1::SubmitOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        return out;
      });
}

namespace {

template <typename Req, typename Resp>
grpc::Status DecideOrder(ServiceRuntime& rt, grpc::ServerContext* ctx, const char* method, const Req* req, Resp* resp,
                         bool approve) {
  return ServeMutation<Req, Resp>(
      ctx, OrdersMethod(method), rt, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleManager, kRoleDirector, kRoleAdmin}, "decide orders"));
        std::vector<FieldViolation> v;
        if (req->order_id() <= 0) v.push_back({"order_id", "required"});
        if (!approve && req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<Resp> {
        SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, req->order_id(), true));
        const v1::SalesOrder& o = rec.order;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        SALES_ASSIGN_OR_RETURN(auto to,
                               NextOrderStatus(o.status(), approve ? OrderAction::kApprove : OrderAction::kReject));
        SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubject(tx, v1::SUBJECT_TYPE_ORDER, o.id()));
        SALES_ASSIGN_OR_RETURN(auto step, StepForCaller(steps, call.principal));
        SALES_RETURN_IF_ERROR(
            CheckApprover(tx, call.principal, step.step.level(), rec.taking_org_unit_id, step.requester_user));
        absl::Time now = rt.clock->Now();
        SALES_RETURN_IF_ERROR(ApprovalStore::Decide(
            tx, step.step.id(), approve ? v1::APPROVAL_STEP_STATUS_APPROVED : v1::APPROVAL_STEP_STATUS_REJECTED,
            call.principal, req->reason(), now));
        if (!approve) {
          SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_ORDER, o.id(), now));
        } else {
          SALES_ASSIGN_OR_RETURN(auto after_steps, ApprovalStore::ForSubject(tx, v1::SUBJECT_TYPE_ORDER, o.id()));
          if (!AnyPending(after_steps)) {
            SALES_RETURN_IF_ERROR(OrderStore::ApproveSpecialFees(tx, o.id()));
          }
        }
        SALES_RETURN_IF_ERROR(OrderStore::SetStatus(tx, o.id(), to, approve ? o.status_reason() : req->reason(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx,
            {v1::SUBJECT_TYPE_ORDER, o.id(),
             absl::StrCat(approve ? "ORDER_STEP_APPROVED_" : "ORDER_STEP_REJECTED_", EnumShort(step.step.level())),
             EnumShort(o.status()), EnumShort(to), req->reason()},
            call.principal, call.request_id, now));
        Resp out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        return out;
      });
}

}  // namespace

grpc::Status OrdersApi::ApproveOrder(grpc::ServerContext* ctx, const v1::ApproveOrderRequest* req,
                                     v1::ApproveOrderResponse* resp) {
  return DecideOrder(rt_, ctx, "ApproveOrder", req, resp, true);
}

grpc::Status OrdersApi::RejectOrder(grpc::ServerContext* ctx, const v1::RejectOrderRequest* req,
                                    v1::RejectOrderResponse* resp) {
  return DecideOrder(rt_, ctx, "RejectOrder", req, resp, false);
}

grpc::ServerUnaryReactor* OrdersApi::ConfirmOrder(grpc::CallbackServerContext* ctx, const v1::ConfirmOrderRequest* req,
                                                  v1::ConfirmOrderResponse* resp) {
  return ServeOnWorkers(ctx, rt_, [this, ctx, req, resp] { return ConfirmOrderNow(ctx, req, resp); });
}

grpc::Status OrdersApi::ConfirmOrderNow(grpc::ServerContextBase* ctx, const v1::ConfirmOrderRequest* req,
                                        v1::ConfirmOrderResponse* resp) {
  OrderConfirmation confirmation(*rt_.clock, *customers_, *finance_);
  std::optional<ConfirmFacts> facts;
  return ServeMutation<v1::ConfirmOrderRequest, v1::ConfirmOrderResponse>(
      ctx, OrdersMethod("ConfirmOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        if (req->order_id() <= 0) return InvalidField("order_id", "required");
        // A first look without locks, then the peers — before the transaction,
        // so no lock waits on them. A repeat gets its stored answer instead.
        SALES_ASSIGN_OR_RETURN(auto look, rt_.pool->Transact<ConfirmLook>([&](db::Transaction& tx) {
          SqlOrderBook book(tx, nullptr);
          return confirmation.Look(book, call, req->order_id(), req->etag());
        }));
        if (look.ask_peers) {
          SALES_ASSIGN_OR_RETURN(facts, confirmation.Gather(call, look));
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return confirmation.Confirm(book, call, req->order_id(), req->etag(), facts);
      });
}

grpc::Status OrdersApi::ReleaseCreditHold(grpc::ServerContext* ctx, const v1::ReleaseCreditHoldRequest* req,
                                          v1::ReleaseCreditHoldResponse* resp) {
  return ServeMutation<v1::ReleaseCreditHoldRequest, v1::ReleaseCreditHoldResponse>(
      ctx, OrdersMethod("ReleaseCreditHold"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleFinance, kRoleManager, kRoleDirector, kRoleAdmin},
                                          "release credit holds"));
        std::vector<FieldViolation> v;
        if (req->order_id() <= 0) v.push_back({"order_id", "required"});
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return OrderConfirmation(*rt_.clock, *customers_, *finance_)
            .ReleaseHold(book, call, req->order_id(), req->etag(), req->reason());
      });
}

grpc::Status OrdersApi::CancelOrder(grpc::ServerContext* ctx, const v1::CancelOrderRequest* req,
                                    v1::CancelOrderResponse* resp) {
  return ServeMutation<v1::CancelOrderRequest, v1::CancelOrderResponse>(
      ctx, OrdersMethod("CancelOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        std::vector<FieldViolation> v;
        if (req->order_id() <= 0) v.push_back({"order_id", "required"});
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order_id(), true));
        const v1::SalesOrder& o = rec.order;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kCancel));
        SALES_RETURN_IF_ERROR(NothingShipped(o));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t released, StockStore::ReleaseOrder(tx, o.id(), now));
        SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_ORDER, o.id(), now));
        SALES_RETURN_IF_ERROR(OrderStore::SetStatus(tx, o.id(), to, req->reason(), now));
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()),
                                                 CancelledEvent(o, BusinessDay(now), req->reason()), call.request_id));
        SALES_RETURN_IF_ERROR(AuditOrder(
            tx, call, o.id(), "ORDER_CANCELLED", o.status(), to,
            absl::StrCat(req->reason(), released > 0 ? absl::StrCat(" (released ", released, " reserved)") : ""), now));
        v1::CancelOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        out.set_released_quantity(released);
        return out;
      });
}

grpc::Status OrdersApi::CloseOrder(grpc::ServerContext* ctx, const v1::CloseOrderRequest* req,
                                   v1::CloseOrderResponse* resp) {
  return ServeMutation<v1::CloseOrderRequest, v1::CloseOrderResponse>(
      ctx, OrdersMethod("CloseOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(
            RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin}, "close orders"));
        return req->order_id() > 0 ? absl::OkStatus() : InvalidField("order_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CloseOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order_id(), true));
        const v1::SalesOrder& o = rec.order;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kClose));
        // An archived order must not have goods still on their way back.
        SALES_ASSIGN_OR_RETURN(auto pending, ReturnStore::PendingByLine(tx, o.id(), 0));
        for (const auto& [line, qty] : pending) {
          if (qty > 0) {
            return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("a return is open on line ", line)),
                                 "RETURN_OPEN", kOrdersDomain, {{"order_line_id", absl::StrCat(line)}});
          }
        }
        absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(OrderStore::SetStatus(tx, o.id(), to, req->reason(), now));
        v1::OrderClosedEvent e;
        *e.mutable_order() = EventHeaderOf(o);
        *e.mutable_net_shipped_amount() = o.shipped_amount();
        *e.mutable_close_date() = FromCivilDay(BusinessDay(now));
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()),
                                                 CancelledEvent(o, BusinessDay(now), req->reason()), call.request_id));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_CLOSED", o.status(), to, req->reason(), now));
        v1::CloseOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        return out;
      });
}

grpc::Status OrdersApi::MarkLateOrders(grpc::ServerContext* ctx, const v1::MarkLateOrdersRequest* req,
                                       v1::MarkLateOrdersResponse* resp) {
  return ServeMutation<v1::MarkLateOrdersRequest, v1::MarkLateOrdersResponse>(
      ctx, OrdersMethod("MarkLateOrders"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleService}, "run the late-order sweep"));
        if (!req->has_as_of()) return InvalidField("as_of", "required");
        return ValidateDate(req->as_of(), "as_of");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MarkLateOrdersResponse> {
        absl::Time now = rt_.clock->Now();
        // Flagged once: a second run finds them already late (一个工作日内组织发货).
        SALES_ASSIGN_OR_RETURN(auto ids, OrderStore::LateCandidates(tx, FormatDbDate(req->as_of())));
        v1::MarkLateOrdersResponse out;
        for (int64_t id : ids) {
          SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, id, false));
          SALES_RETURN_IF_ERROR(OrderStore::MarkLate(tx, id, now));
          v1::OrderLateEvent e;
          *e.mutable_order() = EventHeaderOf(rec.order);
          *e.mutable_ship_due_date() = rec.order.ship_due_date();
          *e.mutable_as_of() = req->as_of();
          SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(id), e, call.request_id));
          SALES_RETURN_IF_ERROR(
              AuditStore::Append(tx,
                                 {v1::SUBJECT_TYPE_ORDER, id, "ORDER_LATE", "", "late",
                                  absl::StrCat("nothing shipped by ", FormatDbDate(rec.order.ship_due_date()))},
                                 call.principal, call.request_id, now));
          out.add_flagged_order_ids(id);
        }
        out.set_flagged_count(out.flagged_order_ids_size());
        return out;
      });
}

grpc::ServerUnaryReactor* OrdersApi::CheckOrderCredit(grpc::CallbackServerContext* ctx,
                                                      const v1::CheckOrderCreditRequest* req,
                                                      v1::CheckOrderCreditResponse* resp) {
  return ServeOnWorkers(ctx, rt_, [this, ctx, req, resp] { return CheckOrderCreditNow(ctx, req, resp); });
}

grpc::Status OrdersApi::CheckOrderCreditNow(grpc::ServerContextBase* ctx, const v1::CheckOrderCreditRequest* req,
                                            v1::CheckOrderCreditResponse* resp) {
  OrderConfirmation confirmation(*rt_.clock, *customers_, *finance_);
  return Serve(ctx, OrdersMethod("CheckOrderCredit"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    if (req->order_id() <= 0) return InvalidField("order_id", "required");
    SALES_ASSIGN_OR_RETURN(auto look, rt_.pool->Transact<ConfirmLook>([&](db::Transaction& tx) {
      SqlOrderBook book(tx, nullptr);
      return confirmation.Peek(book, call, req->order_id());
    }));
    SALES_ASSIGN_OR_RETURN(auto facts, confirmation.Gather(call, look));
    SALES_ASSIGN_OR_RETURN(*resp->mutable_credit_check(), rt_.pool->Transact<v1::CreditCheck>([&](db::Transaction& tx) {
      SqlOrderBook book(tx, nullptr);
      return confirmation.CheckCredit(book, look.order.order, facts);
    }));
    return absl::OkStatus();
  });
}

grpc::Status OrdersApi::GetCustomerExposure(grpc::ServerContext* ctx, const v1::GetCustomerExposureRequest* req,
                                            v1::GetCustomerExposureResponse* resp) {
  return ServeRead<v1::GetCustomerExposureResponse>(
      ctx, OrdersMethod("GetCustomerExposure"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleService, kRoleFinance, kRoleAdmin, kRoleDirector},
                                          "read customer exposure"));
        return req->customer_id() > 0 ? absl::OkStatus() : InvalidField("customer_id", "required");
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetCustomerExposureResponse> {
        SALES_ASSIGN_OR_RETURN(auto open, OrderStore::ConfirmedUnshipped(tx, req->customer_id(), 0));
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        v1::GetCustomerExposureResponse out;
        auto* e = out.mutable_exposure();
        e->set_customer_id(req->customer_id());
        *e->mutable_unbilled_confirmed_orders() = MakeMoney(open.amount, policy.default_currency_code());
        e->set_order_count(open.orders);
        *e->mutable_credit_hold_orders() = MakeMoney(open.held_amount, policy.default_currency_code());
        return out;
      });
}

grpc::Status OrdersApi::ListPendingApprovals(grpc::ServerContext* ctx, const v1::ListPendingApprovalsRequest* req,
                                             v1::ListPendingApprovalsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListPendingApprovalsResponse>(
      ctx, OrdersMethod("ListPendingApprovals"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPendingApprovalsResponse> {
        v1::ListPendingApprovalsResponse out;
        const Principal& p = call.principal;
        if (!HasRole(p, {kRoleManager, kRoleDirector, kRoleAdmin})) return out;
        if (!InOrderDeskInbox(req->subject_type(), true)) return out;
        // Scan pending steps in id order until a page of decidable ones is
        // found (a manager's inbox skips other chains).
        int64_t cursor = after;
        for (int rounds = 0; rounds < 50 && out.tasks_size() <= page; ++rounds) {
          SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::Pending(tx, req->subject_type(), cursor, 200));
          if (steps.empty()) break;
          for (auto& s : steps) {
            cursor = s.step.id();
            if (!InOrderDeskInbox(s.subject_type, false)) continue;
            SALES_ASSIGN_OR_RETURN(auto task, TaskOf(tx, s));
            if (p.role == kRoleManager && s.step.level() != v1::APPROVAL_LEVEL_MANAGER) continue;
            if (!CheckApprover(tx, p, s.step.level(), task.second, s.requester_user).ok()) continue;
            *out.add_tasks() = std::move(task.first);
            if (out.tasks_size() > page) break;
          }
        }
        if (out.tasks_size() > page) {
          out.mutable_tasks()->RemoveLast();
          out.set_next_page_token(EncodePageToken(out.tasks(out.tasks_size() - 1).step().id()));
        }
        return out;
      });
}

grpc::Status OrdersApi::ListAuditEntries(grpc::ServerContext* ctx, const v1::ListAuditEntriesRequest* req,
                                         v1::ListAuditEntriesResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListAuditEntriesResponse>(
      ctx, OrdersMethod("ListAuditEntries"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        std::vector<FieldViolation> v;
        if (req->subject_type() == v1::SUBJECT_TYPE_UNSPECIFIED) v.push_back({"subject_type", "required"});
        if (req->subject_id() <= 0) v.push_back({"subject_id", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListAuditEntriesResponse> {
        if (req->subject_type() == v1::SUBJECT_TYPE_ORDER) {
          SALES_RETURN_IF_ERROR(LoadVisibleOrder(tx, call.principal, req->subject_id(), false).status());
        } else if (req->subject_type() == v1::SUBJECT_TYPE_QUOTE) {
          SALES_ASSIGN_OR_RETURN(auto q, QuoteStore::Load(tx, req->subject_id(), false));
          SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
          if (!scope.Sees(q.quote.rep_id(), q.quote.rep_id(), q.quote.org_unit_id(), q.quote.org_unit_id())) {
            return absl::PermissionDeniedError("quote outside the caller's scope");
          }
        }
        SALES_ASSIGN_OR_RETURN(auto items,
                               AuditStore::List(tx, req->subject_type(), req->subject_id(), after, page + 1));
        v1::ListAuditEntriesResponse out;
        FillPage(std::move(items), page, &out, [](v1::ListAuditEntriesResponse* r) { return r->add_entries(); });
        return out;
      });
}

}  // namespace sales::orders
