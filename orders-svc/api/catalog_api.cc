// Products, price lists (目录价格), the price in force, and the order policy.
#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/catalog_upkeep.h"
#include "orders-svc/app/document_entry.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/domain/product.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/product_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {
namespace {

// The request's product id and mask; without a mask the request carries
// the whole product, checked as sent (its sku included), as before masks.
absl::StatusOr<std::vector<std::string>> ValidateProductChange(const v1::UpdateProductRequest& req) {
  if (!req.has_product() || req.product().id() <= 0) return InvalidField("product.id", "required");
  SALES_ASSIGN_OR_RETURN(auto paths,
                         UpdatePaths(req.update_mask(), {"name", "product_line_id", "unit", "unit_cost", "floor_price",
                                                         "commissionable", "specification"}));
  if (req.update_mask().paths().empty()) SALES_RETURN_IF_ERROR(ValidateNewProduct(req.product()));
  return paths;
}

// The list's id, the reason and the mask; without a mask the request
// carries the whole list, checked as sent.
absl::StatusOr<std::vector<std::string>> ValidatePriceListChange(const v1::UpdatePriceListRequest& req) {
  if (!req.has_price_list() || req.price_list().id() <= 0) return InvalidField("price_list.id", "required");
  if (req.reason().empty()) return InvalidField("reason", "required");
  SALES_ASSIGN_OR_RETURN(auto paths,
                         UpdatePaths(req.update_mask(), {"name", "effective_from", "effective_to", "entries"}));
  if (req.update_mask().paths().empty()) SALES_RETURN_IF_ERROR(ValidatePriceList(req.price_list(), false));
  return paths;
}

// The product, a discount within 0..10000 and the date when one is given.
absl::Status ValidateResolvePrice(const v1::ResolvePriceRequest& req) {
  std::vector<FieldViolation> v;
  if (req.product_id() <= 0) v.push_back({"product_id", "required"});
  if (req.discount_bp() < 0 || req.discount_bp() > 10000) v.push_back({"discount_bp", "must be within 0..10000"});
  if (req.has_price_date()) {
    for (auto& f : FieldViolationsOf(ValidateDate(req.price_date(), "price_date"))) v.push_back(f);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The reason, the caps on the policy's lists and the mask; without a mask
// the request carries the whole policy, checked as sent.
absl::StatusOr<std::vector<std::string>> ValidatePolicyChange(const v1::UpdateOrderPolicyRequest& req) {
  if (req.reason().empty()) return InvalidField("reason", "required");
  const v1::OrderPolicy& p = req.policy();
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.discount_limits_size(), kMaxDiscountLimits, "policy.discount_limits"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.weekend_days_size(), kMaxWeekendDays, "policy.weekend_days"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.holidays_size(), kMaxCalendarDays, "policy.holidays"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.extra_working_days_size(), kMaxCalendarDays, "policy.extra_working_days"));
  SALES_ASSIGN_OR_RETURN(
      auto paths,
      UpdatePaths(req.update_mask(), {"discount_limits", "director_quote_threshold", "ship_within_working_days",
                                      "weekend_days", "holidays", "extra_working_days", "default_quote_validity_days",
                                      "default_currency_code", "dependency_deadline_ms"}));
  if (req.update_mask().paths().empty()) SALES_RETURN_IF_ERROR(ValidatePolicy(p));
  return paths;
}

}  // namespace

grpc::Status OrdersApi::CreateProduct(grpc::ServerContext* ctx, const v1::CreateProductRequest* req,
                                      v1::CreateProductResponse* resp) {
  return ServeMutation<v1::CreateProductRequest, v1::CreateProductResponse>(
      ctx, OrdersMethod("CreateProduct"), rt_, *req, resp,
      [&](CallContext& call) {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "create products"));
        return req->has_product() ? ValidateNewProduct(req->product()) : InvalidField("product", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateProductResponse> {
        v1::CreateProductResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Insert(tx, req->product(), rt_.clock->Now()));
        v1::ProductCreatedEvent event;
        *event.mutable_product() = out.product();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "Product", absl::StrCat(out.product().id()), event, call.request_id));
        SALES_RETURN_IF_ERROR(
            AuditStore::Append(tx, {v1::SUBJECT_TYPE_PRODUCT, out.product().id(), "PRODUCT_CREATED", "", "ACTIVE", ""},
                               call.principal, call.request_id, rt_.clock->Now()));
        return out;
      });
}

grpc::Status OrdersApi::GetProduct(grpc::ServerContext* ctx, const v1::GetProductRequest* req,
                                   v1::GetProductResponse* resp) {
  return ServeRead<v1::GetProductResponse>(
      ctx, OrdersMethod("GetProduct"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetProductResponse> {
        v1::GetProductResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status OrdersApi::UpdateProduct(grpc::ServerContext* ctx, const v1::UpdateProductRequest* req,
                                      v1::UpdateProductResponse* resp) {
  CatalogUpkeep upkeep(*rt_.clock, *rt_.outbox);
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateProductRequest, v1::UpdateProductResponse>(
      ctx, OrdersMethod("UpdateProduct"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "change products"));
        SALES_ASSIGN_OR_RETURN(paths, ValidateProductChange(*req));
        return upkeep.CheckProductChange(*rt_.pool, *targets_, call, *req, paths);
      },
      [&](db::Transaction& tx, CallContext& call) { return upkeep.UpdateProduct(tx, call, *req, paths); });
}

grpc::Status OrdersApi::ListProducts(grpc::ServerContext* ctx, const v1::ListProductsRequest* req,
                                     v1::ListProductsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListProductsResponse>(
      ctx, OrdersMethod("ListProducts"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListProductsResponse> {
        v1::ListProductsResponse out;
        SALES_ASSIGN_OR_RETURN(
            auto items, ProductStore::List(tx, req->product_line_id(), req->status(), req->text(), after, page + 1));
        FillPage(std::move(items), page, &out, [](v1::ListProductsResponse* r) { return r->add_products(); });
        return out;
      });
}

namespace {
template <typename Req, typename Resp>
grpc::Status ChangeProductStatus(ServiceRuntime& rt, grpc::ServerContext* ctx, const char* method, const Req* req,
                                 Resp* resp, v1::ProductStatus to) {
  return ServeMutation<Req, Resp>(
      ctx, OrdersMethod(method), rt, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "change products"));
        std::vector<FieldViolation> v;
        if (req->product_id() <= 0) v.push_back({"product_id", "required"});
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<Resp> {
        SALES_ASSIGN_OR_RETURN(auto p, ProductStore::Get(tx, req->product_id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), p.etag(), "product", p.id()));
        if (p.status() == to) {
          return WithErrorInfo(
              absl::FailedPreconditionError(absl::StrCat("product ", p.sku(), " is already ", EnumShort(to))),
              "PRODUCT_STATE_CONFLICT", kOrdersDomain);
        }
        absl::Time now = rt.clock->Now();
        SALES_RETURN_IF_ERROR(ProductStore::SetStatus(tx, p.id(), to, req->reason(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx,
                                                 {v1::SUBJECT_TYPE_PRODUCT, p.id(), "PRODUCT_STATUS_CHANGED",
                                                  EnumShort(p.status()), EnumShort(to), req->reason()},
                                                 call.principal, call.request_id, now));
        Resp out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Get(tx, p.id()));
        return out;
      });
}
}  // namespace

grpc::Status OrdersApi::DiscontinueProduct(grpc::ServerContext* ctx, const v1::DiscontinueProductRequest* req,
                                           v1::DiscontinueProductResponse* resp) {
  return ChangeProductStatus(rt_, ctx, "DiscontinueProduct", req, resp, v1::PRODUCT_STATUS_DISCONTINUED);
}

grpc::Status OrdersApi::ReactivateProduct(grpc::ServerContext* ctx, const v1::ReactivateProductRequest* req,
                                          v1::ReactivateProductResponse* resp) {
  return ChangeProductStatus(rt_, ctx, "ReactivateProduct", req, resp, v1::PRODUCT_STATUS_ACTIVE);
}

grpc::Status OrdersApi::CreatePriceList(grpc::ServerContext* ctx, const v1::CreatePriceListRequest* req,
                                        v1::CreatePriceListResponse* resp) {
  return ServeMutation<v1::CreatePriceListRequest, v1::CreatePriceListResponse>(
      ctx, OrdersMethod("CreatePriceList"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "create price lists"));
        if (!req->has_price_list()) return InvalidField("price_list", "required");
        return ValidatePriceList(req->price_list(), true);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreatePriceListResponse> {
        SALES_RETURN_IF_ERROR(CheckPriceListEntries(tx, req->price_list(), 0));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t id, PriceListStore::Insert(tx, req->price_list(), now));
        v1::CreatePriceListResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, id));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx, {v1::SUBJECT_TYPE_PRICE_LIST, id, "PRICE_LIST_CREATED", "", PriceListPeriodText(out.price_list()), ""},
            call.principal, call.request_id, now));
        return out;
      });
}

grpc::Status OrdersApi::GetPriceList(grpc::ServerContext* ctx, const v1::GetPriceListRequest* req,
                                     v1::GetPriceListResponse* resp) {
  return ServeRead<v1::GetPriceListResponse>(
      ctx, OrdersMethod("GetPriceList"), rt_, resp,
      [&](CallContext&) {
        return req->price_list_id() > 0 ? absl::OkStatus() : InvalidField("price_list_id", "required");
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetPriceListResponse> {
        v1::GetPriceListResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, req->price_list_id()));
        return out;
      });
}

grpc::Status OrdersApi::UpdatePriceList(grpc::ServerContext* ctx, const v1::UpdatePriceListRequest* req,
                                        v1::UpdatePriceListResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdatePriceListRequest, v1::UpdatePriceListResponse>(
      ctx, OrdersMethod("UpdatePriceList"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "change price lists"));
        SALES_ASSIGN_OR_RETURN(paths, ValidatePriceListChange(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CatalogUpkeep(*rt_.clock, *rt_.outbox).UpdatePriceList(tx, call, *req, paths);
      });
}

grpc::Status OrdersApi::ListPriceLists(grpc::ServerContext* ctx, const v1::ListPriceListsRequest* req,
                                       v1::ListPriceListsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListPriceListsResponse>(
      ctx, OrdersMethod("ListPriceLists"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->has_effective_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->effective_on(), "effective_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListPriceListsResponse> {
        v1::ListPriceListsResponse out;
        SALES_ASSIGN_OR_RETURN(
            auto items, PriceListStore::List(
                            tx, req->product_id(), req->has_effective_on() ? FormatDbDate(req->effective_on()) : "",
                            req->status() == v1::PRICE_LIST_STATUS_UNSPECIFIED ? "" : EnumShort(req->status()),
                            req->include_entries(), after, page + 1));
        FillPage(std::move(items), page, &out, [](v1::ListPriceListsResponse* r) { return r->add_price_lists(); });
        return out;
      });
}

grpc::Status OrdersApi::RetirePriceList(grpc::ServerContext* ctx, const v1::RetirePriceListRequest* req,
                                        v1::RetirePriceListResponse* resp) {
  return ServeMutation<v1::RetirePriceListRequest, v1::RetirePriceListResponse>(
      ctx, OrdersMethod("RetirePriceList"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "retire price lists"));
        std::vector<FieldViolation> v;
        if (req->price_list_id() <= 0) v.push_back({"price_list_id", "required"});
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RetirePriceListResponse> {
        SALES_ASSIGN_OR_RETURN(auto current, PriceListStore::Get(tx, req->price_list_id(), false, true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "price list", current.id()));
        if (current.status() == v1::PRICE_LIST_STATUS_RETIRED) {
          return WithErrorInfo(absl::FailedPreconditionError("price list is already retired"), "PRICE_LIST_RETIRED",
                               kOrdersDomain);
        }
        absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(PriceListStore::Retire(tx, current.id(), req->reason(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx, {v1::SUBJECT_TYPE_PRICE_LIST, current.id(), "PRICE_LIST_RETIRED", "ACTIVE", "RETIRED", req->reason()},
            call.principal, call.request_id, now));
        v1::RetirePriceListResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, current.id()));
        v1::PriceListChangedEvent changed;
        *changed.mutable_price_list() = out.price_list();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "PriceList", absl::StrCat(current.id()), changed, call.request_id));
        return out;
      });
}

grpc::Status OrdersApi::ResolvePrice(grpc::ServerContext* ctx, const v1::ResolvePriceRequest* req,
                                     v1::ResolvePriceResponse* resp) {
  return ServeRead<v1::ResolvePriceResponse>(
      ctx, OrdersMethod("ResolvePrice"), rt_, resp, [&](CallContext&) { return ValidateResolvePrice(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ResolvePriceResponse> {
        SALES_RETURN_IF_ERROR(ProductStore::Get(tx, req->product_id()).status());
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        DiscountLimits limits = LimitsOf(policy);
        absl::CivilDay day = DayOr(req->price_date(), rt_.clock->Now());
        std::string currency = policy.default_currency_code().empty() ? "CNY" : policy.default_currency_code();
        SALES_ASSIGN_OR_RETURN(auto line, PriceLine(tx, "product", req->product_id(), 1, req->discount_bp(), day,
                                                    currency, RoleOf(call.principal), limits, true));
        v1::ResolvePriceResponse out;
        auto* q = out.mutable_price();
        q->set_product_id(line.product_id);
        q->set_sku(line.sku);
        q->set_product_line_id(line.product_line_id);
        *q->mutable_price_date() = FromCivilDay(day);
        *q->mutable_list_price() = MakeMoney(line.list_price, currency);
        q->set_price_list_id(line.price_list_id);
        q->set_price_list_code(line.price_list_code);
        *q->mutable_floor_price() = MakeMoney(line.floor_price, currency);
        q->set_discount_bp(line.discount_bp);
        *q->mutable_unit_price() = MakeMoney(line.unit_price, currency);
        q->set_caller_limit_bp(limits.ForRole(RoleOf(call.principal)));
        q->set_required_approval(line.approval.level);
        for (auto t : line.approval.triggers) q->add_triggers(t);
        return out;
      });
}

grpc::Status OrdersApi::GetOrderPolicy(grpc::ServerContext* ctx, const v1::GetOrderPolicyRequest*,
                                       v1::GetOrderPolicyResponse* resp) {
  return ServeRead<v1::GetOrderPolicyResponse>(
      ctx, OrdersMethod("GetOrderPolicy"), rt_, resp, [](CallContext&) { return absl::OkStatus(); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetOrderPolicyResponse> {
        v1::GetOrderPolicyResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_policy(), PolicyStore::Get(tx));
        return out;
      });
}

grpc::Status OrdersApi::UpdateOrderPolicy(grpc::ServerContext* ctx, const v1::UpdateOrderPolicyRequest* req,
                                          v1::UpdateOrderPolicyResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateOrderPolicyRequest, v1::UpdateOrderPolicyResponse>(
      ctx, OrdersMethod("UpdateOrderPolicy"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "change the order policy"));
        SALES_ASSIGN_OR_RETURN(paths, ValidatePolicyChange(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CatalogUpkeep(*rt_.clock, *rt_.outbox).UpdateOrderPolicy(tx, call, *req, paths);
      });
}

}  // namespace sales::orders
