#include "orders-svc/app/catalog_upkeep.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/domain/product.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/warehouse_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {

absl::Status ValidatePriceList(const v1::PriceList& pl, bool is_new) {
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(pl.entries_size(), kMaxPriceListEntries, "price_list.entries"));
  std::vector<FieldViolation> v;
  if (is_new && (pl.code().empty() || pl.code().size() > 64))
    v.push_back({"price_list.code", "required, 1..64 characters"});
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

absl::Status CheckPriceListEntries(db::Transaction& tx, const v1::PriceList& pl, int64_t self_id) {
  std::vector<int64_t> ids;
  for (const auto& e : pl.entries()) ids.push_back(e.product_id());
  std::sort(ids.begin(), ids.end());
  std::vector<FieldViolation> unknown;
  for (int64_t id : ids) {
    auto p = ProductStore::Get(tx, id, /*for_update=*/true);
    if (absl::IsNotFound(p.status())) {
      for (int i = 0; i < pl.entries_size(); ++i) {
        if (pl.entries(i).product_id() == id) {
          unknown.push_back(
              {absl::StrCat("price_list.entries[", i, "].product_id"), absl::StrCat("unknown product ", id)});
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

std::string PriceListPeriodText(const v1::PriceList& pl) {
  return absl::StrCat(FormatDbDate(pl.effective_from()), "..",
                      pl.has_effective_to() && pl.effective_to().year() != 0 ? FormatDbDate(pl.effective_to()) : "");
}

absl::Status ValidateWarehouse(const v1::Warehouse& w, bool is_new) {
  std::vector<FieldViolation> v;
  if (is_new && (w.code().empty() || w.code().size() > 32))
    v.push_back({"warehouse.code", "required, 1..32 characters"});
  if (w.name().empty() || w.name().size() > 200) v.push_back({"warehouse.name", "required, at most 200 bytes"});
  if (w.kind() == v1::WAREHOUSE_KIND_UNSPECIFIED) v.push_back({"warehouse.kind", "required"});
  if (w.address().size() > 500) v.push_back({"warehouse.address", "at most 500 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status CatalogUpkeep::CheckProductChange(db::Pool& pool, peers::TargetsPeer& targets, const CallContext& call,
                                               const v1::UpdateProductRequest& req,
                                               const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole product, checked as sent
  // (api/), as before masks.
  const bool whole = req.update_mask().paths().empty();
  // A changed product line must exist in targets-svc; asked before the
  // transaction, UNAVAILABLE when targets cannot answer.
  auto current =
      pool.Transact<v1::Product>([&](db::Transaction& tx) { return ProductStore::Get(tx, req.product().id()); });
  if (!current.ok()) return current.status();
  v1::Product next = *current;
  ApplyUpdatePaths(paths, req.product(), &next);
  // With a mask, what must be valid is the product as it will be
  // stored: a field the mask does not name keeps its stored value.
  if (!whole) SALES_RETURN_IF_ERROR(ValidateNewProduct(next));
  if (current->product_line_id() == next.product_line_id()) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(auto line, targets.FetchProductLine(&call, next.product_line_id()));
  if (!line.has_value()) return InvalidField("product.product_line_id", "unknown product line");
  return absl::OkStatus();
}

absl::StatusOr<v1::UpdateProductResponse> CatalogUpkeep::UpdateProduct(db::Transaction& tx, const CallContext& call,
                                                                       const v1::UpdateProductRequest& req,
                                                                       const std::vector<std::string>& paths) {
  const bool whole = req.update_mask().paths().empty();
  SALES_ASSIGN_OR_RETURN(auto current, ProductStore::Get(tx, req.product().id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), current.etag(), "product", current.id()));
  if (whole && req.product().sku() != current.sku()) {
    return InvalidField("product.sku", "a SKU cannot change");
  }
  v1::Product p = current;
  ApplyUpdatePaths(paths, req.product(), &p);
  // Checked again on the row as locked: sent without an etag, the
  // update may meet a product changed since the check before the
  // transaction.
  if (!whole) SALES_RETURN_IF_ERROR(ValidateNewProduct(p));
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(ProductStore::Update(tx, current.id(), p, now));
  v1::UpdateProductResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Get(tx, current.id()));
  v1::ProductUpdatedEvent e;
  *e.mutable_product() = out.product();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Product", absl::StrCat(current.id()), e, call.request_id));
  SALES_RETURN_IF_ERROR(AuditStore::Append(
      tx,
      {v1::SUBJECT_TYPE_PRODUCT, current.id(), "PRODUCT_CHANGED",
       absl::StrCat("cost ", current.unit_cost().minor_units(), ", floor ", current.floor_price().minor_units()),
       absl::StrCat("cost ", p.unit_cost().minor_units(), ", floor ", p.floor_price().minor_units()), ""},
      call.principal, call.request_id, now));
  return out;
}

absl::StatusOr<v1::UpdatePriceListResponse> CatalogUpkeep::UpdatePriceList(db::Transaction& tx, const CallContext& call,
                                                                           const v1::UpdatePriceListRequest& req,
                                                                           const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole list, checked as sent (api/).
  const bool whole = req.update_mask().paths().empty();
  // With a mask the stored entries are needed: they stay unless the
  // mask names them.
  SALES_ASSIGN_OR_RETURN(auto current, PriceListStore::Get(tx, req.price_list().id(), !whole, true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), current.etag(), "price list", current.id()));
  if (current.status() == v1::PRICE_LIST_STATUS_RETIRED) {
    return WithErrorInfo(absl::FailedPreconditionError("a retired price list cannot change"), "PRICE_LIST_RETIRED",
                         kOrdersDomain);
  }
  v1::PriceList next = req.price_list();
  if (!whole) {
    next = current;
    ApplyUpdatePaths(paths, req.price_list(), &next);
    // The list as it will be stored is what must be valid: a field
    // the mask does not name keeps its stored value.
    SALES_RETURN_IF_ERROR(ValidatePriceList(next, false));
  }
  next.set_currency_code(current.currency_code());
  SALES_RETURN_IF_ERROR(CheckPriceListEntries(tx, next, current.id()));
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(PriceListStore::Replace(tx, next, now));
  v1::UpdatePriceListResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_price_list(), PriceListStore::Get(tx, current.id()));
  v1::PriceListChangedEvent changed;
  *changed.mutable_price_list() = out.price_list();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "PriceList", absl::StrCat(current.id()), changed, call.request_id));
  SALES_RETURN_IF_ERROR(
      AuditStore::Append(tx,
                         {v1::SUBJECT_TYPE_PRICE_LIST, current.id(), "PRICE_LIST_CHANGED", PriceListPeriodText(current),
                          PriceListPeriodText(out.price_list()), req.reason()},
                         call.principal, call.request_id, now));
  return out;
}

absl::StatusOr<v1::UpdateOrderPolicyResponse> CatalogUpkeep::UpdateOrderPolicy(db::Transaction& tx,
                                                                               const CallContext& call,
                                                                               const v1::UpdateOrderPolicyRequest& req,
                                                                               const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole policy, checked as sent (api/).
  const bool whole = req.update_mask().paths().empty();
  SALES_ASSIGN_OR_RETURN(auto current, PolicyStore::Get(tx, true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), current.etag(), "order policy", 1));
  v1::OrderPolicy requested = req.policy();
  if (!whole) {
    requested = current;
    ApplyUpdatePaths(paths, req.policy(), &requested);
    // The policy as it will be stored is what must be valid: a field
    // the mask does not name keeps its stored value.
    SALES_RETURN_IF_ERROR(ValidatePolicy(requested));
  }
  v1::OrderPolicy next = WithPolicyDefaults(requested);
  absl::Time now = clock_.Now();
  v1::UpdateOrderPolicyResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_policy(), PolicyStore::Put(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx,
                                           {v1::SUBJECT_TYPE_ORDER_POLICY, 1, "ORDER_POLICY_CHANGED",
                                            LimitsText(LimitsOf(current)), LimitsText(LimitsOf(next)), req.reason()},
                                           call.principal, call.request_id, now));
  return out;
}

absl::StatusOr<v1::UpdateWarehouseResponse> CatalogUpkeep::UpdateWarehouse(db::Transaction& tx, const CallContext& call,
                                                                           const v1::UpdateWarehouseRequest& req,
                                                                           const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole warehouse, checked as sent (api/).
  const bool whole = req.update_mask().paths().empty();
  SALES_ASSIGN_OR_RETURN(auto current, WarehouseStore::Get(tx, req.warehouse().id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), current.etag(), "warehouse", current.id()));
  v1::Warehouse next = req.warehouse();
  if (!whole) {
    next = current;
    ApplyUpdatePaths(paths, req.warehouse(), &next);
    // The warehouse as it will be stored is what must be valid: a
    // field the mask does not name keeps its stored value.
    SALES_RETURN_IF_ERROR(ValidateWarehouse(next, false));
  }
  if (current.active() && !next.active()) {
    SALES_ASSIGN_OR_RETURN(int64_t reserved, WarehouseStore::Reserved(tx, current.id()));
    if (reserved > 0) {
      return WithErrorInfo(absl::FailedPreconditionError(
                               absl::StrCat("warehouse ", current.code(), " holds ", reserved, " reserved units")),
                           "WAREHOUSE_HAS_RESERVATIONS", kOrdersDomain);
    }
  }
  if (current.kind() != next.kind()) {
    SALES_ASSIGN_OR_RETURN(int64_t reserved, WarehouseStore::Reserved(tx, current.id()));
    if (reserved > 0) {
      return WithErrorInfo(absl::FailedPreconditionError("cannot change the kind of a warehouse holding reservations"),
                           "WAREHOUSE_HAS_RESERVATIONS", kOrdersDomain);
    }
  }
  absl::Time now = clock_.Now();
  v1::UpdateWarehouseResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_warehouse(), WarehouseStore::Update(tx, next, now));
  SALES_RETURN_IF_ERROR(
      AuditStore::Append(tx,
                         {v1::SUBJECT_TYPE_WAREHOUSE, current.id(), "WAREHOUSE_CHANGED",
                          absl::StrCat(EnumShort(current.kind()), current.active() ? " active" : " inactive"),
                          absl::StrCat(EnumShort(next.kind()), next.active() ? " active" : " inactive"), ""},
                         call.principal, call.request_id, now));
  return out;
}

}  // namespace sales::orders
