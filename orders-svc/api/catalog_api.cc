// Products, price lists (目录价格), the price in force, and the order policy.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/domain/product.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/enum_names.h"
#include "orders-svc/store/product_store.h"
#include "sales/orders/v1/events.pb.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::orders {
namespace {

absl::Status ValidatePriceList(const v1::PriceList& pl, bool is_new) {
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(pl.entries_size(), kMaxPriceListEntries, "price_list.entries"));
  std::vector<FieldViolation> v;
  if (is_new && (pl.code().empty() || pl.code().size() > 64)) v.push_back({"price_list.code", "required, 1..64 characters"});
  if (pl.name().empty() || pl.name().size() > 200) v.push_back({"price_list.name", "required, at most 200 bytes"});
  if (is_new) {
    const std::string& c = pl.currency_code();
    if (c.size() != 3 || !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      v.push_back({"price_list.currency_code", "three upper-case letters"});
    }
  }
  if (!pl.has_effective_from()) {
    v.push_back({"price_list.effective_from", "required"});
  } else if (auto st = ValidateDate(pl.effective_from(), "price_list.effective_from"); !st.ok()) {
    for (auto& f : FieldViolationsOf(st)) v.push_back(f);
  }
  bool has_to = pl.has_effective_to() && pl.effective_to().year() != 0;
  if (has_to) {
    if (auto st = ValidateDate(pl.effective_to(), "price_list.effective_to"); !st.ok()) {
      for (auto& f : FieldViolationsOf(st)) v.push_back(f);
    } else if (pl.has_effective_from() && ToCivilDay(pl.effective_to()) < ToCivilDay(pl.effective_from())) {
      v.push_back({"price_list.effective_to", "before effective_from"});
    }
  }
  if (pl.entries().empty()) v.push_back({"price_list.entries", "required, at least one"});
  std::set<int64_t> seen;
  for (int i = 0; i < pl.entries_size(); ++i) {
    const auto& e = pl.entries(i);
    std::string f = absl::StrCat("price_list.entries[", i, "]");
    if (e.product_id() <= 0) v.push_back({f + ".product_id", "required"});
    if (!seen.insert(e.product_id()).second) v.push_back({f + ".product_id", "product listed twice"});
    if (!e.has_list_price()) {
      v.push_back({f + ".list_price", "required"});
    } else {
      for (auto& fv : FieldViolationsOf(ValidateMoney(e.list_price(), f + ".list_price", Sign::kPositive))) {
        v.push_back(fv);
      }
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// Checks entries against products and other lists, with the products locked
// (ascending id) so two lists for one SKU cannot slip past each other.
absl::Status CheckEntries(db::Transaction& tx, const v1::PriceList& pl, int64_t self_id) {
  std::vector<int64_t> ids;
  for (const auto& e : pl.entries()) ids.push_back(e.product_id());
  std::sort(ids.begin(), ids.end());
  std::vector<FieldViolation> unknown;
  for (int64_t id : ids) {
    auto p = ProductStore::Get(tx, id, /*for_update=*/true);
    if (absl::IsNotFound(p.status())) {
      for (int i = 0; i < pl.entries_size(); ++i) {
        if (pl.entries(i).product_id() == id) {
          unknown.push_back({absl::StrCat("price_list.entries[", i, "].product_id"), absl::StrCat("unknown product ", id)});
        }
      }
      continue;
    }
    if (!p.ok()) return p.status();
  }
  if (!unknown.empty()) return InvalidFields(std::move(unknown));
  for (int i = 0; i < pl.entries_size(); ++i) {
    const auto& e = pl.entries(i);
    if (e.list_price().currency_code() != pl.currency_code()) {
      return InvalidField(absl::StrCat("price_list.entries[", i, "].list_price.currency_code"),
                          "must be the list's currency");
    }
    PricePeriod mine;
    mine.from = ToCivilDay(pl.effective_from());
    if (pl.has_effective_to() && pl.effective_to().year() != 0) mine.to = ToCivilDay(pl.effective_to());
    SALES_ASSIGN_OR_RETURN(auto others, PriceListStore::Periods(tx, e.product_id(), pl.currency_code(), self_id));
    for (const auto& o : others) {
      if (!PeriodsOverlap(mine, o)) continue;
      SALES_ASSIGN_OR_RETURN(auto product, ProductStore::Get(tx, e.product_id()));
      return WithErrorInfo(
          absl::FailedPreconditionError(absl::StrCat("SKU ", product.sku(), " is already priced by list ", o.code,
                                                     " over an overlapping period")),
          "PRICE_LIST_OVERLAP", kOrdersDomain,
          {{"overlapping_price_list_id", absl::StrCat(o.price_list_id)},
           {"overlapping_price_list_code", o.code},
           {"sku", product.sku()},
           {"field", absl::StrCat("price_list.entries[", i, "]")}});
    }
  }
  return absl::OkStatus();
}

std::string DateRangeText(const v1::PriceList& pl) {
  return absl::StrCat(FormatDbDate(pl.effective_from()), "..",
                      pl.has_effective_to() && pl.effective_to().year() != 0 ? FormatDbDate(pl.effective_to()) : "");
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
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, {v1::SUBJECT_TYPE_PRODUCT, out.product().id(), "PRODUCT_CREATED",
                                                      "", "ACTIVE", ""},
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
  return ServeMutation<v1::UpdateProductRequest, v1::UpdateProductResponse>(
      ctx, OrdersMethod("UpdateProduct"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "change products"));
        if (!req->has_product() || req->product().id() <= 0) return InvalidField("product.id", "required");
        SALES_RETURN_IF_ERROR(ValidateNewProduct(req->product()));
        // A changed product line must exist in targets-svc; asked before the
        // transaction, UNAVAILABLE when targets cannot answer.
        auto current = rt_.pool->Transact<v1::Product>(
            [&](db::Transaction& tx) { return ProductStore::Get(tx, req->product().id()); });
        if (!current.ok()) return current.status();
        if (current->product_line_id() == req->product().product_line_id()) return absl::OkStatus();
        SALES_ASSIGN_OR_RETURN(auto line, targets_->FetchProductLine(&call, req->product().product_line_id()));
        if (!line.has_value()) return InvalidField("product.product_line_id", "unknown product line");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateProductResponse> {
        SALES_ASSIGN_OR_RETURN(auto current, ProductStore::Get(tx, req->product().id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "product", current.id()));
        const v1::Product& p = req->product();
        if (p.sku() != current.sku()) return InvalidField("product.sku", "a SKU cannot change");
        absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(ProductStore::Update(tx, current.id(), p, now));
        v1::UpdateProductResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Get(tx, current.id()));
        v1::ProductUpdatedEvent e;
        *e.mutable_product() = out.product();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Product", absl::StrCat(current.id()), e, call.request_id));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx,
            {v1::SUBJECT_TYPE_PRODUCT, current.id(), "PRODUCT_CHANGED",
             absl::StrCat("cost ", current.unit_cost().minor_units(), ", floor ", current.floor_price().minor_units()),
             absl::StrCat("cost ", p.unit_cost().minor_units(), ", floor ", p.floor_price().minor_units()), ""},
            call.principal, call.request_id, now));
        return out;
      });
}

grpc::Status OrdersApi::ListProducts(grpc::ServerContext* ctx, const v1::ListProductsRequest* req,
                                     v1::ListProductsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListProductsResponse>(
      ctx, OrdersMethod("ListProducts"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListProductsResponse> {
        v1::ListProductsResponse out;
        SALES_ASSIGN_OR_RETURN(auto items, ProductStore::List(tx, req->product_line_id(), req->status(), req->text(),
                                                              after, page + 1));
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
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("product ", p.sku(), " is already ",
                                                                          EnumShort(to))),
                               "PRODUCT_STATE_CONFLICT", kOrdersDomain);
        }
        absl::Time now = rt.clock->Now();
        SALES_RETURN_IF_ERROR(ProductStore::SetStatus(tx, p.id(), to, req->reason(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, {v1::SUBJECT_TYPE_PRODUCT, p.id(), "PRODUCT_STATUS_CHANGED",
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
        SALES_RETURN_IF_ERROR(CheckEntries(tx, req->price_list(), 0));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t id, PriceListStore::Insert(tx, req->price_list(), now));
        v1::CreatePriceListResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, id));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, {v1::SUBJECT_TYPE_PRICE_LIST, id, "PRICE_LIST_CREATED", "",
                                                      DateRangeText(out.price_list()), ""},
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
  return ServeMutation<v1::UpdatePriceListRequest, v1::UpdatePriceListResponse>(
      ctx, OrdersMethod("UpdatePriceList"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "change price lists"));
        if (!req->has_price_list() || req->price_list().id() <= 0) return InvalidField("price_list.id", "required");
        if (req->reason().empty()) return InvalidField("reason", "required");
        return ValidatePriceList(req->price_list(), false);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdatePriceListResponse> {
        SALES_ASSIGN_OR_RETURN(auto current, PriceListStore::Get(tx, req->price_list().id(), false, true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "price list", current.id()));
        if (current.status() == v1::PRICE_LIST_STATUS_RETIRED) {
          return WithErrorInfo(absl::FailedPreconditionError("a retired price list cannot change"),
                               "PRICE_LIST_RETIRED", kOrdersDomain);
        }
        v1::PriceList next = req->price_list();
        next.set_currency_code(current.currency_code());
        SALES_RETURN_IF_ERROR(CheckEntries(tx, next, current.id()));
        absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(PriceListStore::Replace(tx, next, now));
        v1::UpdatePriceListResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, current.id()));
        v1::PriceListChangedEvent changed;
        *changed.mutable_price_list() = out.price_list();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "PriceList", absl::StrCat(current.id()), changed, call.request_id));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, {v1::SUBJECT_TYPE_PRICE_LIST, current.id(), "PRICE_LIST_CHANGED",
                                                      DateRangeText(current), DateRangeText(out.price_list()),
                                                      req->reason()},
                                                 call.principal, call.request_id, now));
        return out;
      });
}

grpc::Status OrdersApi::ListPriceLists(grpc::ServerContext* ctx, const v1::ListPriceListsRequest* req,
                                       v1::ListPriceListsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListPriceListsResponse>(
      ctx, OrdersMethod("ListPriceLists"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->has_effective_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->effective_on(), "effective_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListPriceListsResponse> {
        v1::ListPriceListsResponse out;
        SALES_ASSIGN_OR_RETURN(
            auto items,
            PriceListStore::List(tx, req->product_id(), req->has_effective_on() ? FormatDbDate(req->effective_on()) : "",
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
      ctx, OrdersMethod("ResolvePrice"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->product_id() <= 0) v.push_back({"product_id", "required"});
        if (req->discount_bp() < 0 || req->discount_bp() > 10000) v.push_back({"discount_bp", "must be within 0..10000"});
        if (req->has_price_date()) {
          for (auto& f : FieldViolationsOf(ValidateDate(req->price_date(), "price_date"))) v.push_back(f);
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
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
  return ServeMutation<v1::UpdateOrderPolicyRequest, v1::UpdateOrderPolicyResponse>(
      ctx, OrdersMethod("UpdateOrderPolicy"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleDirector}, "change the order policy"));
        if (req->reason().empty()) return InvalidField("reason", "required");
        const v1::OrderPolicy& p = req->policy();
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.discount_limits_size(), kMaxDiscountLimits, "policy.discount_limits"));
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.weekend_days_size(), kMaxWeekendDays, "policy.weekend_days"));
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(p.holidays_size(), kMaxCalendarDays, "policy.holidays"));
        SALES_RETURN_IF_ERROR(
            CheckRepeatedCap(p.extra_working_days_size(), kMaxCalendarDays, "policy.extra_working_days"));
        return ValidatePolicy(p);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateOrderPolicyResponse> {
        SALES_ASSIGN_OR_RETURN(auto current, PolicyStore::Get(tx, true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "order policy", 1));
        v1::OrderPolicy next = WithPolicyDefaults(req->policy());
        absl::Time now = rt_.clock->Now();
        v1::UpdateOrderPolicyResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_policy(), PolicyStore::Put(tx, next, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx,
                                                 {v1::SUBJECT_TYPE_ORDER_POLICY, 1, "ORDER_POLICY_CHANGED",
                                                  LimitsText(LimitsOf(current)), LimitsText(LimitsOf(next)),
                                                  req->reason()},
                                                 call.principal, call.request_id, now));
        return out;
      });
}

}  // namespace sales::orders
