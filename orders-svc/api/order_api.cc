// Sales orders (销售合同/订单): entry and pricing, approval, confirmation with
// the credit check and stock reservation, credit hold and its release,
// cancellation, exposure, approvals inbox and the audit trail.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/domain/allocation.h"
#include "orders-svc/domain/confirmation.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/enum_names.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/quote_store.h"
#include "orders-svc/store/return_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

// The caps on an order's repeated fields, checked before anything reads
// the entries (and before an update takes the order's row lock).
absl::Status CapOrderRepeated(const v1::SalesOrder& o) {
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(o.lines_size(), kMaxDocumentLines, "order.lines"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(o.special_fees_size(), kMaxSpecialFees, "order.special_fees"));
  return CheckRepeatedCap(o.approvals_size(), kMaxEchoedApprovals, "order.approvals");
}

absl::Status ValidateOrderContent(const v1::SalesOrder& o, bool is_new) {
  SALES_RETURN_IF_ERROR(CapOrderRepeated(o));
  std::vector<FieldViolation> v;
  bool correction = o.kind() == v1::ORDER_KIND_CORRECTION;
  if (is_new && o.customer_id() <= 0) v.push_back({"order.customer_id", "required"});
  if (is_new && correction && o.original_order_id() <= 0) {
    v.push_back({"order.original_order_id", "required on a CORRECTION order"});
  }
  if (is_new && !correction && o.original_order_id() != 0) {
    v.push_back({"order.original_order_id", "only CORRECTION orders reference an original"});
  }
  if (o.lines().empty()) v.push_back({"order.lines", "required, at least one"});
  for (int i = 0; i < o.lines_size(); ++i) {
    const auto& l = o.lines(i);
    std::string f = absl::StrCat("order.lines[", i, "]");
    if (l.product_id() <= 0) v.push_back({f + ".product_id", "required"});
    if (!QuantityInRange(l.quantity(), correction)) v.push_back({f + ".quantity", QuantityRule(correction)});
    if (l.discount_bp() < 0 || l.discount_bp() > 10000) v.push_back({f + ".discount_bp", "must be within 0..10000"});
  }
  AppendFeeViolations(o.special_fees(), "order", &v);
  if (o.has_deposit_amount()) {
    for (auto& fv : FieldViolationsOf(ValidateMoney(o.deposit_amount(), "order.deposit_amount", Sign::kNonNegative))) {
      v.push_back(fv);
    }
  }
  if (o.has_order_date()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(o.order_date(), "order.order_date"))) v.push_back(fv);
  }
  if (o.has_requested_delivery_date()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(o.requested_delivery_date(), "order.requested_delivery_date"))) {
      v.push_back(fv);
    }
  }
  if (o.notes().size() > 2000) v.push_back({"order.notes", "at most 2000 bytes"});
  if (o.ship_to_address().size() > 500) v.push_back({"order.ship_to_address", "at most 500 bytes"});
  if (o.customer_reference().size() > 100) v.push_back({"order.customer_reference", "at most 100 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// Prices an order's lines for its date. Negative lines of a correction take
// the unit price of the original order's line for the product (a 负数订单
// reverses what was sold, at the price it was sold for) and may not exceed
// what the original shipped less what came back.
absl::Status PriceOrder(db::Transaction& tx, v1::SalesOrder& o, const v1::OrderPolicy& policy,
                        const std::string& role, absl::Time now) {
  DiscountLimits limits = LimitsOf(policy);
  absl::CivilDay day = DayOr(o.order_date(), now);
  *o.mutable_order_date() = FromCivilDay(day);
  if (o.currency_code().empty()) o.set_currency_code(policy.default_currency_code());
  const std::string cur = o.currency_code();
  std::optional<OrderRecord> original;
  if (o.kind() == v1::ORDER_KIND_CORRECTION) {
    auto orig = OrderStore::Load(tx, o.original_order_id(), false);
    if (absl::IsNotFound(orig.status())) return orig.status();
    if (!orig.ok()) return orig.status();
    if (orig->order.customer_id() != o.customer_id()) {
      return InvalidField("order.original_order_id", "belongs to another customer");
    }
    original = std::move(*orig);
  }
  // Every amount below is checked: a total that would leave the 10^15
  // bound refuses the order (INVALID_ARGUMENT naming the field) before
  // anything is written, instead of storing a wrapped total.
  AmountSum total("order.lines");
  for (int i = 0; i < o.lines_size(); ++i) {
    auto* l = o.mutable_lines(i);
    std::string f = absl::StrCat("order.lines[", i, "]");
    SALES_RETURN_IF_ERROR(WithinDirectorLimit(l->discount_bp(), limits, f));
    l->set_line_no(i + 1);
    if (l->quantity() < 0) {
      const v1::OrderLine* from = nullptr;
      int64_t shipped_back = 0;
      for (const auto& ol : original->order.lines()) {
        if (ol.product_id() != l->product_id() || ol.quantity() <= 0) continue;
        if (from == nullptr) from = &ol;
        shipped_back += ol.shipped_quantity() - ol.returned_quantity();
      }
      if (from == nullptr) return InvalidField(f + ".product_id", "not on the original order");
      if (-l->quantity() > shipped_back) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("correction of ", -l->quantity(), " ",
                                                                        from->sku(), " exceeds the ", shipped_back,
                                                                        " shipped less returned on the original")),
                             "EXCEEDS_SHIPPED", kOrdersDomain, {{"field", f + ".quantity"}});
      }
      SALES_ASSIGN_OR_RETURN(auto product, ProductStore::Get(tx, l->product_id()));
      l->set_sku(from->sku());
      l->set_product_line_id(from->product_line_id());
      l->set_unit(from->unit());
      l->set_commissionable(from->commissionable());
      *l->mutable_list_price() = from->list_price();
      l->set_price_list_id(from->price_list_id());
      l->set_discount_bp(from->discount_bp());
      *l->mutable_unit_price() = from->unit_price();
      SALES_ASSIGN_OR_RETURN(int64_t net, LineAmount(from->unit_price().minor_units(), l->quantity(), f + ".quantity"));
      SALES_ASSIGN_OR_RETURN(int64_t cost, LineAmount(product.unit_cost().minor_units(), l->quantity(), f + ".quantity"));
      *l->mutable_net_amount() = MakeMoney(net, cur);
      *l->mutable_cost_amount() = MakeMoney(cost, cur);
      l->set_required_approval(v1::APPROVAL_LEVEL_NONE);
      SALES_RETURN_IF_ERROR(total.Add(net));
      continue;
    }
    SALES_ASSIGN_OR_RETURN(auto p, PriceLine(tx, f, l->product_id(), l->quantity(), l->discount_bp(), day, cur, role,
                                             limits, false));
    l->set_sku(p.sku);
    l->set_product_line_id(p.product_line_id);
    l->set_unit(p.unit);
    l->set_commissionable(p.commissionable);
    *l->mutable_list_price() = MakeMoney(p.list_price, cur);
    l->set_price_list_id(p.price_list_id);
    *l->mutable_unit_price() = MakeMoney(p.unit_price, cur);
    *l->mutable_net_amount() = MakeMoney(p.net_amount, cur);
    *l->mutable_cost_amount() = MakeMoney(p.cost_amount, cur);
    l->set_required_approval(p.approval.level);
    SALES_RETURN_IF_ERROR(total.Add(p.net_amount));
  }
  SALES_ASSIGN_OR_RETURN(int64_t fees, TotalSpecialFees(o.mutable_special_fees(), cur, "order"));
  *o.mutable_lines_total() = MakeMoney(total.value(), cur);
  *o.mutable_special_fees_total() = MakeMoney(fees, cur);
  *o.mutable_total_amount() = MakeMoney(total.value(), cur);
  if (!o.has_deposit_amount()) *o.mutable_deposit_amount() = MakeMoney(0, cur);
  if (o.deposit_amount().currency_code() != cur) {
    return InvalidField("order.deposit_amount.currency_code", "must be the order's currency");
  }
  if (o.deposit_amount().minor_units() > std::max<int64_t>(total.value(), 0)) {
    return InvalidField("order.deposit_amount", "above the order total");
  }
  return absl::OkStatus();
}

absl::StatusOr<OrderRecord> LoadVisibleOrder(db::Transaction& tx, const Principal& p, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, id, for_update));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, p));
  if (!scope.Sees(rec.order.taking_rep_id(), rec.order.credited_rep_id(), rec.taking_org_unit_id,
                  rec.order.credited_org_unit_id())) {
    return absl::PermissionDeniedError(absl::StrCat("order ", id, " is outside the caller's scope"));
  }
  return rec;
}

absl::Status AuditOrder(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& action,
                        v1::OrderStatus from, v1::OrderStatus to, const std::string& reason, absl::Time now) {
  return AuditStore::Append(tx,
                            {v1::SUBJECT_TYPE_ORDER, id, action,
                             from == v1::ORDER_STATUS_UNSPECIFIED ? "" : EnumShort(from), EnumShort(to), reason},
                            call.principal, call.request_id, now);
}

absl::Status RequireOrderWriter(const Principal& p) {
  return RequireRole(p, {kRoleRep, kRoleManager, kRoleDirector, kRoleClerk, kRoleAdmin}, "enter orders");
}

// The approval steps an order needs, as `role` would submit it. Lines
// taken over from an approved quote need nothing more unless their discount
// grew (与原报价发生偏离 → manager).
absl::StatusOr<std::vector<RoutedStep>> RouteOrder(db::Transaction& tx, const v1::SalesOrder& o,
                                                   const v1::OrderPolicy& policy, const std::string& role) {
  DiscountLimits limits = LimitsOf(policy);
  std::map<int64_t, int32_t> quoted;  // quote line id → discount
  if (o.quote_id() > 0) {
    SALES_ASSIGN_OR_RETURN(auto q, QuoteStore::Load(tx, o.quote_id(), false));
    for (const auto& ql : q.quote.lines()) quoted[ql.id()] = ql.discount_bp();
  }
  std::vector<DocLine> lines;
  bool deviation = false;
  std::vector<int64_t> deviating;
  for (const auto& l : o.lines()) {
    if (l.quantity() < 0) continue;  // reversals at the original price need no discount approval
    auto q = quoted.find(l.quote_line_id());
    if (q != quoted.end() && l.discount_bp() <= q->second) continue;
    if (q != quoted.end()) {
      deviation = true;
      deviating.push_back(l.id());
    }
    SALES_ASSIGN_OR_RETURN(auto product, ProductStore::Get(tx, l.product_id()));
    lines.push_back({l.id(), RouteLine(l.discount_bp(), l.unit_price().minor_units(),
                                       product.floor_price().minor_units(), role, limits)});
  }
  std::vector<int64_t> fee_ids;
  for (const auto& f : o.special_fees()) {
    if (!f.approved()) fee_ids.push_back(f.id());
  }
  auto steps = RouteDocument(lines, fee_ids, false, role);
  if (deviation && role != kRoleManager && role != kRoleDirector && role != kRoleAdmin) {
    auto it = std::find_if(steps.begin(), steps.end(),
                           [](const RoutedStep& s) { return s.level == v1::APPROVAL_LEVEL_MANAGER; });
    if (it == steps.end()) {
      steps.insert(steps.begin(), RoutedStep{v1::APPROVAL_LEVEL_MANAGER, {}, {}, {}});
      it = steps.begin();
    }
    it->triggers.push_back(v1::APPROVAL_TRIGGER_QUOTE_DEVIATION);
    for (int64_t id : deviating) it->line_ids.push_back(id);
  }
  return steps;
}

absl::Status ApprovalsPending(const std::string& why) {
  return WithErrorInfo(absl::FailedPreconditionError(why), "APPROVALS_PENDING", kOrdersDomain);
}

// Everything confirmation learns from the other services, gathered before
// the local transaction (no row lock is held across a remote call).
struct ConfirmFacts {
  customers::v1::Customer customer;
  customers::v1::ResolveCreditedRepResponse credited;
  customers::v1::CreditProfile profile;
  finance::v1::CustomerExposure exposure;
};

absl::StatusOr<ConfirmFacts> GatherConfirmFacts(peers::CustomersPeer& customers, peers::FinancePeer& finance,
                                                const CallContext& call, const v1::SalesOrder& o,
                                                absl::Duration deadline) {
  // The four questions are independent: asked together, under one deadline.
  customers::v1::ResolveCreditedRepRequest credited;
  credited.set_customer_id(o.customer_id());
  *credited.mutable_order_date() = o.order_date();
  credited.set_taking_rep_id(o.taking_rep_id());
  credited.set_order_id(o.id());
  absl::StatusOr<customers::v1::Customer> customer;
  absl::StatusOr<customers::v1::ResolveCreditedRepResponse> credit;
  absl::StatusOr<std::optional<customers::v1::CreditProfile>> profile;
  absl::StatusOr<finance::v1::CustomerExposure> exposure;
  {
    peers::PeerBatch batch(&call, deadline);
    customers.GetCustomer(batch, o.customer_id(), &customer);
    customers.ResolveCreditedRep(batch, credited, &credit);
    customers.GetCreditProfile(batch, o.customer_id(), &profile);
    finance.GetCustomerExposure(batch, o.customer_id(), &exposure);
    batch.Wait();
  }
  ConfirmFacts f;
  SALES_ASSIGN_OR_RETURN(f.customer, std::move(customer));
  SALES_RETURN_IF_ERROR(RefuseBlacklisted(f.customer));
  SALES_ASSIGN_OR_RETURN(f.credited, std::move(credit));
  SALES_ASSIGN_OR_RETURN(auto known, std::move(profile));
  // A customer without a credit profile has no credit: limit 0, no hold.
  if (known.has_value()) {
    f.profile = *known;
  } else {
    f.profile.set_customer_id(o.customer_id());
  }
  SALES_ASSIGN_OR_RETURN(f.exposure, std::move(exposure));
  return f;
}

absl::StatusOr<v1::CreditCheck> RunCreditCheck(db::Transaction& tx, const v1::SalesOrder& o, const ConfirmFacts& f,
                                               absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto open, OrderStore::ConfirmedUnshipped(tx, o.customer_id(), o.id()));
  CreditInputs in;
  in.currency = o.currency_code();
  in.customer_hold = f.profile.hold().on_hold();
  in.customer_hold_reason = f.profile.hold().reason();
  in.credit_limit = f.profile.credit_limit().minor_units();
  in.finance_hold = f.exposure.on_hold();
  in.finance_hold_reason = f.exposure.hold_reason();
  in.finance_exposure = f.exposure.exposure().minor_units();
  in.shipped_unbilled = f.exposure.shipped_unbilled().minor_units();
  in.confirmed_unshipped = open.amount;
  in.this_order = o.total_amount().minor_units();
  return EvaluateCredit(in, now);
}

// The region of a unit: the unit directly below the root of its chain.
absl::StatusOr<int64_t> RegionOf(db::Transaction& tx, int64_t unit) {
  SALES_ASSIGN_OR_RETURN(auto chain, OrgReplica::Chain(tx, unit));
  if (chain.size() >= 2) return chain[chain.size() - 2];
  return unit;
}

// Reserves every positive line; INSUFFICIENT_STOCK (nothing reserved: the
// transaction rolls back) names the short lines.
absl::StatusOr<std::vector<v1::Reservation>> ReserveOrder(db::Transaction& tx, const v1::SalesOrder& o, absl::Time now) {
  std::vector<LineDemand> demand;
  std::vector<int64_t> products;
  for (const auto& l : o.lines()) {
    if (l.quantity() <= 0) continue;
    demand.push_back({l.id(), l.product_id(), l.quantity()});
    products.push_back(l.product_id());
  }
  std::vector<v1::Reservation> out;
  if (demand.empty()) return out;
  SALES_ASSIGN_OR_RETURN(auto stock, StockStore::LockAvailable(tx, products));
  AllocationPlan plan = AllocateStock(demand, stock);
  if (!plan.complete()) {
    std::map<std::string, std::string> meta;
    std::string text;
    for (const auto& s : plan.shortages) {
      meta[absl::StrCat("line_", s.order_line_id)] = absl::StrCat("requested ", s.requested, ", available ", s.available);
      absl::StrAppend(&text, text.empty() ? "" : "; ", "line ", s.order_line_id, ": ", s.requested, " requested, ",
                      s.available, " available");
    }
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("insufficient stock: ", text)),
                         "INSUFFICIENT_STOCK", kOrdersDomain, meta);
  }
  // Reserve in (warehouse, product) order, the order the rows were locked in.
  std::sort(plan.allocations.begin(), plan.allocations.end(), [](const StockAllocation& a, const StockAllocation& b) {
    return std::tie(a.warehouse_id, a.product_id, a.order_line_id) < std::tie(b.warehouse_id, b.product_id, b.order_line_id);
  });
  for (const auto& a : plan.allocations) {
    SALES_ASSIGN_OR_RETURN(auto r, StockStore::Reserve(tx, o.id(), a.order_line_id, a.warehouse_id, a.product_id,
                                                       a.quantity, now));
    out.push_back(std::move(r));
  }
  return out;
}

v1::OrderConfirmedEvent ConfirmedEvent(const v1::SalesOrder& o, bool released, const std::string& release_reason) {
  v1::OrderConfirmedEvent e;
  *e.mutable_order() = EventHeaderOf(o);
  for (auto& l : EventLinesOf(o)) *e.add_lines() = std::move(l);
  *e.mutable_total_amount() = o.total_amount();
  *e.mutable_deposit_amount() = o.deposit_amount();
  *e.mutable_confirm_date() = o.confirm_date();
  if (o.has_requested_delivery_date()) *e.mutable_requested_delivery_date() = o.requested_delivery_date();
  e.set_released_from_credit_hold(released);
  e.set_release_reason(release_reason);
  e.set_ownership_collision(o.ownership_collision());
  for (const auto& f : o.special_fees()) {
    if (f.approved()) *e.add_special_fees() = f;
  }
  return e;
}

absl::Duration DependencyDeadline(const v1::OrderPolicy& p) {
  return absl::Milliseconds(p.dependency_deadline_ms() > 0 ? p.dependency_deadline_ms() : 2000);
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
        SALES_ASSIGN_OR_RETURN(int64_t id, OrderStore::Insert(tx, o, call.principal.user_id, taking.org_unit_id, now));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, id, "ORDER_CREATED", v1::ORDER_STATUS_UNSPECIFIED,
                                         v1::ORDER_STATUS_DRAFT,
                                         o.kind() == v1::ORDER_KIND_CORRECTION
                                             ? absl::StrCat("correction of order ", o.original_order_id())
                                             : "",
                                         now));
        v1::CreateOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, id, false));
        *out.mutable_order() = rec.order;
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
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
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
        for (int64_t id : ids) {
          SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, id, false));
          *out.add_orders() = std::move(rec.order);
        }
        if (more) out.set_next_page_token(EncodePageToken(ids.back()));
        return out;
      });
}

grpc::Status OrdersApi::UpdateOrder(grpc::ServerContext* ctx, const v1::UpdateOrderRequest* req,
                                    v1::UpdateOrderResponse* resp) {
  return ServeMutation<v1::UpdateOrderRequest, v1::UpdateOrderResponse>(
      ctx, OrdersMethod("UpdateOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        if (!req->has_order() || req->order().id() <= 0) return InvalidField("order.id", "required");
        return CapOrderRepeated(req->order());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order().id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.order.etag(), "order", rec.order.id()));
        SALES_RETURN_IF_ERROR(NextOrderStatus(rec.order.status(), OrderAction::kEdit).status());
        v1::SalesOrder o = req->order();
        o.set_kind(rec.order.kind());
        o.set_customer_id(rec.order.customer_id());
        o.set_original_order_id(rec.order.original_order_id());
        o.set_quote_id(rec.order.quote_id());
        o.set_currency_code(rec.order.currency_code());
        o.set_taking_rep_id(rec.order.taking_rep_id());
        if (!o.has_order_date()) *o.mutable_order_date() = rec.order.order_date();
        SALES_RETURN_IF_ERROR(ValidateOrderContent(o, false));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SALES_RETURN_IF_ERROR(PriceOrder(tx, o, policy, RoleOf(call.principal), now));
        SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_ORDER, o.id(), now));
        SALES_RETURN_IF_ERROR(OrderStore::ReplaceContent(tx, o, now));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_EDITED", rec.order.status(), v1::ORDER_STATUS_DRAFT, "", now));
        v1::UpdateOrderResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        return out;
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
        SALES_ASSIGN_OR_RETURN(auto steps, RouteOrder(tx, o, policy, RoleOf(call.principal)));
        for (const auto& s : steps) {
          v1::ApprovalStep step;
          step.set_level(s.level);
          for (auto t : s.triggers) step.add_triggers(t);
          for (auto id : s.line_ids) step.add_line_ids(id);
          for (auto id : s.fee_ids) step.add_special_fee_ids(id);
          SALES_RETURN_IF_ERROR(ApprovalStore::Insert(tx, v1::SUBJECT_TYPE_ORDER, o.id(), step, call.principal, now));
        }
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
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), approve ? OrderAction::kApprove : OrderAction::kReject));
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

grpc::ServerUnaryReactor* OrdersApi::ConfirmOrder(grpc::CallbackServerContext* ctx,
                                                  const v1::ConfirmOrderRequest* req,
                                                  v1::ConfirmOrderResponse* resp) {
  return ServeOnWorkers(ctx, rt_, [this, ctx, req, resp] { return ConfirmOrderNow(ctx, req, resp); });
}

grpc::Status OrdersApi::ConfirmOrderNow(grpc::ServerContextBase* ctx, const v1::ConfirmOrderRequest* req,
                                        v1::ConfirmOrderResponse* resp) {
  std::optional<ConfirmFacts> facts;
  return ServeMutation<v1::ConfirmOrderRequest, v1::ConfirmOrderResponse>(
      ctx, OrdersMethod("ConfirmOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireOrderWriter(call.principal));
        if (req->order_id() <= 0) return InvalidField("order_id", "required");
        // A first look without locks: whether this order can be confirmed at
        // all, and its approvals. Only then are the other services asked —
        // before the transaction, so no lock waits on them. A repeat of a
        // confirmation that already went through skips this and gets the
        // stored answer from the idempotency record.
        struct Look {
          OrderRecord rec;
          v1::OrderPolicy policy;
          std::vector<RoutedStep> draft_steps;
        };
        SALES_ASSIGN_OR_RETURN(auto look, rt_.pool->Transact<Look>([&](db::Transaction& tx) -> absl::StatusOr<Look> {
          Look l;
          SALES_ASSIGN_OR_RETURN(l.rec, LoadVisibleOrder(tx, call.principal, req->order_id(), false));
          SALES_ASSIGN_OR_RETURN(l.policy, PolicyStore::Get(tx));
          if (l.rec.order.status() == v1::ORDER_STATUS_DRAFT) {
            SALES_ASSIGN_OR_RETURN(l.draft_steps, RouteOrder(tx, l.rec.order, l.policy, RoleOf(call.principal)));
          }
          return l;
        }));
        const v1::SalesOrder& o = look.rec.order;
        if (!NextOrderStatus(o.status(), OrderAction::kConfirm).ok()) return absl::OkStatus();
        // A stale etag may be a repeat of a confirmation that changed the
        // order (e.g. put it on credit hold): the transaction answers it from
        // the idempotency record, or refuses it as stale.
        if (!CheckEtag(req->etag(), o.etag(), "order", o.id()).ok()) return absl::OkStatus();
        if (!look.draft_steps.empty()) {
          return ApprovalsPending("the order needs approval: submit it first");
        }
        for (const auto& s : o.approvals()) {
          if (s.status() == v1::APPROVAL_STEP_STATUS_PENDING) {
            return ApprovalsPending(absl::StrCat("approval step ", s.id(), " (", EnumShort(s.level()), ") is pending"));
          }
        }
        SALES_ASSIGN_OR_RETURN(facts, GatherConfirmFacts(*customers_, *finance_, call, o, DependencyDeadline(look.policy)));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ConfirmOrderResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(tx, call.principal, req->order_id(), true));
        v1::SalesOrder o = rec.order;
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kConfirm));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        for (const auto& s : o.approvals()) {
          if (s.status() == v1::APPROVAL_STEP_STATUS_PENDING) return ApprovalsPending("an approval step is pending");
        }
        if (!facts.has_value()) return absl::AbortedError("the order changed while it was being confirmed; retry");
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        if (o.status() == v1::ORDER_STATUS_DRAFT) {
          // Confirming a draft that needs no approval submits it implicitly.
          SALES_ASSIGN_OR_RETURN(auto steps, RouteOrder(tx, o, policy, RoleOf(call.principal)));
          if (!steps.empty()) return ApprovalsPending("the order needs approval: submit it first");
          SALES_RETURN_IF_ERROR(OrderStore::ApproveSpecialFees(tx, o.id()));
          for (auto& f : *o.mutable_special_fees()) f.set_approved(true);
        }
        const ConfirmFacts& f = *facts;
        o.set_customer_name(f.customer.name());
        o.set_customer_type(f.customer.type());
        if (o.ship_to_address().empty()) o.set_ship_to_address(f.customer.address());
        o.set_credited_rep_id(f.credited.credited_rep_id() != 0 ? f.credited.credited_rep_id() : o.taking_rep_id());
        int64_t credited_unit = f.credited.credited_org_unit_id() != 0 ? f.credited.credited_org_unit_id()
                                                                       : rec.taking_org_unit_id;
        o.set_credited_org_unit_id(credited_unit);
        SALES_ASSIGN_OR_RETURN(int64_t region, RegionOf(tx, credited_unit));
        o.set_region_org_unit_id(region);
        o.set_ownership_collision(o.credited_rep_id() != o.taking_rep_id());
        SALES_RETURN_IF_ERROR(OrderStore::LockCustomerCredit(tx, o.customer_id()));
        SALES_ASSIGN_OR_RETURN(auto check, RunCreditCheck(tx, o, f, now));
        *o.mutable_last_credit_check() = check;
        v1::ConfirmOrderResponse out;
        if (!check.passed()) {
          SALES_ASSIGN_OR_RETURN(to, NextOrderStatus(o.status(), OrderAction::kCreditHold));
          o.set_status(to);
          std::string why = absl::StrCat(check.customer_on_hold() ? "customer on hold; " : "",
                                         "exposure ", check.exposure().minor_units(), " vs credit limit ",
                                         check.credit_limit().minor_units());
          o.set_status_reason(why);
          SALES_RETURN_IF_ERROR(OrderStore::SaveConfirmation(tx, o, "", now));
          v1::OrderCreditHeldEvent e;
          *e.mutable_order() = EventHeaderOf(o);
          *e.mutable_total_amount() = o.total_amount();
          *e.mutable_credit_check() = check;
          SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), e, call.request_id));
          SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_CREDIT_HELD", rec.order.status(), to, why, now));
        } else {
          SALES_ASSIGN_OR_RETURN(auto reservations, ReserveOrder(tx, o, now));
          absl::CivilDay today = BusinessDay(now);
          o.set_status(to);
          o.set_status_reason("");
          *o.mutable_confirm_time() = ToTimestamp(now);
          *o.mutable_confirm_date() = FromCivilDay(today);
          *o.mutable_ship_due_date() = FromCivilDay(ShipDueDate(today, policy));
          SALES_RETURN_IF_ERROR(OrderStore::SaveConfirmation(tx, o, "", now));
          SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), ConfirmedEvent(o, false, ""),
                                                   call.request_id));
          SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_CONFIRMED", rec.order.status(), to,
                                           absl::StrCat("credited rep ", o.credited_rep_id(), ", headroom ",
                                                        check.headroom().minor_units()),
                                           now));
          for (auto& r : reservations) *out.add_reservations() = std::move(r);
        }
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        *out.mutable_credit_check() = check;
        return out;
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
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReleaseCreditHoldResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, req->order_id(), true));
        v1::SalesOrder o = rec.order;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), o.etag(), "order", o.id()));
        SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kReleaseHold));
        if (RoleOf(call.principal) == kRoleManager) {
          // A manager releases only within their chain of command.
          SALES_ASSIGN_OR_RETURN(auto chain, OrgReplica::Chain(tx, o.credited_org_unit_id() != 0
                                                                       ? o.credited_org_unit_id()
                                                                       : rec.taking_org_unit_id));
          if (std::find(chain.begin(), chain.end(), call.principal.org_unit_id) == chain.end()) {
            return absl::PermissionDeniedError("the manager is not in the credited rep's chain");
          }
        }
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SALES_ASSIGN_OR_RETURN(auto reservations, ReserveOrder(tx, o, now));
        absl::CivilDay today = BusinessDay(now);
        std::string release = absl::StrCat(call.principal.user_id, " (", RoleOf(call.principal), "): ", req->reason());
        o.set_status(to);
        o.set_status_reason(req->reason());
        *o.mutable_confirm_time() = ToTimestamp(now);
        *o.mutable_confirm_date() = FromCivilDay(today);
        *o.mutable_ship_due_date() = FromCivilDay(ShipDueDate(today, policy));
        SALES_RETURN_IF_ERROR(OrderStore::SaveConfirmation(tx, o, release, now));
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), ConfirmedEvent(o, true, release),
                                                 call.request_id));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_CREDIT_HOLD_RELEASED", rec.order.status(), to,
                                         req->reason(), now));
        v1::ReleaseCreditHoldResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
        *out.mutable_order() = after.order;
        for (auto& r : reservations) *out.add_reservations() = std::move(r);
        return out;
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
        for (const auto& l : o.lines()) {
          if (l.shipped_quantity() != 0) {
            return WithErrorInfo(absl::FailedPreconditionError("something has shipped on this order"),
                                 "ORDER_NOT_CANCELLABLE", kOrdersDomain);
          }
        }
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t released, StockStore::ReleaseOrder(tx, o.id(), now));
        SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_ORDER, o.id(), now));
        SALES_RETURN_IF_ERROR(OrderStore::SetStatus(tx, o.id(), to, req->reason(), now));
        v1::OrderCancelledEvent e;
        *e.mutable_order() = EventHeaderOf(o);
        for (auto& l : EventLinesOf(o)) *e.add_lines() = std::move(l);
        *e.mutable_total_amount() = o.total_amount();
        e.set_previous_status(o.status());
        e.set_was_confirmed(o.status() == v1::ORDER_STATUS_CONFIRMED);
        *e.mutable_cancel_date() = FromCivilDay(BusinessDay(now));
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), e, call.request_id));
        SALES_RETURN_IF_ERROR(AuditOrder(tx, call, o.id(), "ORDER_CANCELLED", o.status(), to,
                                         absl::StrCat(req->reason(), released > 0 ? absl::StrCat(" (released ", released,
                                                                                                 " reserved)")
                                                                                  : ""),
                                         now));
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
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin},
                                          "close orders"));
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
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), e, call.request_id));
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
          SALES_RETURN_IF_ERROR(AuditStore::Append(
              tx, {v1::SUBJECT_TYPE_ORDER, id, "ORDER_LATE", "", "late",
                   absl::StrCat("nothing shipped by ", FormatDbDate(rec.order.ship_due_date()))},
              call.principal, call.request_id, now));
          out.add_flagged_order_ids(id);
        }
        out.set_flagged_count(out.flagged_order_ids_size());
        return out;
      });
}

grpc::ServerUnaryReactor* OrdersApi::CheckOrderCredit(grpc::CallbackServerContext* ctx, const v1::CheckOrderCreditRequest* req,
                                            v1::CheckOrderCreditResponse* resp) {
  return ServeOnWorkers(ctx, rt_, [this, ctx, req, resp] { return CheckOrderCreditNow(ctx, req, resp); });
}

grpc::Status OrdersApi::CheckOrderCreditNow(grpc::ServerContextBase* ctx, const v1::CheckOrderCreditRequest* req,
                                  v1::CheckOrderCreditResponse* resp) {
  return Serve(ctx, OrdersMethod("CheckOrderCredit"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    if (req->order_id() <= 0) return InvalidField("order_id", "required");
    struct Look {
      OrderRecord rec;
      v1::OrderPolicy policy;
    };
    SALES_ASSIGN_OR_RETURN(auto look, rt_.pool->Transact<Look>([&](db::Transaction& tx) -> absl::StatusOr<Look> {
      Look l;
      SALES_ASSIGN_OR_RETURN(l.rec, LoadVisibleOrder(tx, call.principal, req->order_id(), false));
      SALES_ASSIGN_OR_RETURN(l.policy, PolicyStore::Get(tx));
      return l;
    }));
    SALES_ASSIGN_OR_RETURN(auto f, GatherConfirmFacts(*customers_, *finance_, call, look.rec.order, DependencyDeadline(look.policy)));
    SALES_ASSIGN_OR_RETURN(auto check, rt_.pool->Transact<v1::CreditCheck>([&](db::Transaction& tx) {
      return RunCreditCheck(tx, look.rec.order, f, rt_.clock->Now());
    }));
    *resp->mutable_credit_check() = check;
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
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPendingApprovalsResponse> {
        v1::ListPendingApprovalsResponse out;
        const Principal& p = call.principal;
        if (!HasRole(p, {kRoleManager, kRoleDirector, kRoleAdmin})) return out;
        if (req->subject_type() != v1::SUBJECT_TYPE_UNSPECIFIED && req->subject_type() != v1::SUBJECT_TYPE_QUOTE &&
            req->subject_type() != v1::SUBJECT_TYPE_ORDER) {
          return out;
        }
        // Scan pending steps in id order until a page of decidable ones is
        // found (a manager's inbox skips other chains).
        int64_t cursor = after;
        for (int rounds = 0; rounds < 50 && out.tasks_size() <= page; ++rounds) {
          SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::Pending(tx, req->subject_type(), cursor, 200));
          if (steps.empty()) break;
          for (auto& s : steps) {
            cursor = s.step.id();
            if (s.subject_type != v1::SUBJECT_TYPE_QUOTE && s.subject_type != v1::SUBJECT_TYPE_ORDER) continue;
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
            if (p.role == kRoleManager && s.step.level() != v1::APPROVAL_LEVEL_MANAGER) continue;
            if (!CheckApprover(tx, p, s.step.level(), unit, s.requester_user).ok()) continue;
            task.set_subject_type(s.subject_type);
            task.set_subject_id(s.subject_id);
            *task.mutable_step() = s.step;
            task.mutable_requested_by()->set_user_id(s.requester_user);
            task.mutable_requested_by()->set_rep_id(s.requester_rep);
            *out.add_tasks() = std::move(task);
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
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 100, 500));
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
