// The demo company's orders part (see demo.h): products, a past and a
// current price list (目录价格), warehouses with stock, the discount policy,
// quotes (one waiting for its manager), confirmed orders for the first
// customers and one order held for credit. Fulfilment (shipments, deliveries,
// returns) builds on these orders in its own part.
#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "tools/demo/demo.h"
#if __has_include("tools/demo/orders_fulfilment_demo.h")
#include "tools/demo/orders_fulfilment_demo.h"
#define SALES_DEMO_HAS_FULFILMENT 1
#endif

namespace demo {
namespace {

// A call made as a given person rather than as the loader's ADMIN: quotes are
// prepared by reps, so their discounts are routed by the rep's limit.
std::unique_ptr<grpc::ClientContext> CtxAs(const sales::Principal& who) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::string rid = sales::RandomHexId();
  ctx->AddMetadata(sales::kRequestIdHeader, rid);
  ctx->AddMetadata(sales::kPrincipalHeader, who.Encode());
  if (!DemoSecret().empty()) {
  }
  return ctx;
}

// Order calls reach customers-svc and finance-svc; right after start-up a
// peer may not answer yet, which the service reports as UNAVAILABLE without
// changing anything — so the loader simply asks again.
template <typename Call>
grpc::Status Retrying(Call call) {
  grpc::Status st;
  for (int attempt = 0; attempt < 50; ++attempt) {
    st = call();
    if (st.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return st;
}

}  // namespace

void LoadOrdersDemo(DemoWorld& w) {
  struct P {
    const char* sku;
    const char* name;
    const char* line;
    const char* unit;
    int64_t cost;
    int64_t floor;
  };
  const P all[] = {
      {"PM-250-24", "纯牛奶 250ml×24", "PURE-MILK", "CASE", 4200, 5200},
      {"PM-1L-12", "纯牛奶 1L×12", "PURE-MILK", "CASE", 7800, 9600},
      {"YG-200-12", "常温酸奶 200g×12", "YOGURT", "CASE", 3900, 4800},
      {"YG-200-24", "常温酸奶 200g×24", "YOGURT", "CASE", 7500, 9200},
      {"FM-2L-6", "家庭装鲜奶 2L×6", "FAMILY", "CASE", 6600, 7900},
      {"FM-1.5L-8", "家庭装 1.5L×8", "FAMILY", "CASE", 7100, 8500},
      {"MD-250-24", "乳饮料 250ml×24", "MILK-DRINK", "CASE", 2800, 3500},
      {"MD-450-15", "乳饮料 450ml×15", "MILK-DRINK", "CASE", 3300, 4100},
      {"OG-250-12", "有机纯牛奶 250ml×12", "ORGANIC", "CASE", 5400, 7200},
      {"OG-1L-6", "有机纯牛奶 1L×6", "ORGANIC", "CASE", 6800, 8900},
      {"KD-190-15", "儿童成长奶 190ml×15", "KIDS", "CASE", 4500, 6000},
      {"KD-125-20", "儿童成长奶 125ml×20", "KIDS", "CASE", 4100, 5600},
      {"GB-PREMIUM", "臻享礼盒", "GIFT-BOX", "BOX", 9800, 13800},
      {"GB-FESTIVAL", "节日礼盒", "GIFT-BOX", "BOX", 8600, 11800},
      {"CH-STICK-20", "儿童奶酪棒 20支", "CHEESE", "BAG", 2400, 3200},
      {"CH-SLICE-12", "再制干酪片 12片", "CHEESE", "BAG", 1900, 2600},
  };
  std::map<std::string, int64_t> sku_ids;
  std::map<std::string, int64_t> floors;
  for (const auto& p : all) {
    ov1::CreateProductRequest req;
    req.set_request_id(absl::StrCat("demo-sku-", p.sku));
    auto* prod = req.mutable_product();
    prod->set_sku(p.sku);
    prod->set_name(p.name);
    prod->set_product_line_id(w.lines.at(p.line));
    prod->set_unit(p.unit);
    *prod->mutable_unit_cost() = sales::MakeMoney(p.cost);
    *prod->mutable_floor_price() = sales::MakeMoney(p.floor);
    prod->set_commissionable(std::string(p.line) != "CHEESE");
    ov1::CreateProductResponse resp;
    Must(w.orders->CreateProduct(Ctx().get(), req, &resp), absl::StrCat("CreateProduct ", p.sku));
    sku_ids[p.sku] = resp.product().id();
    floors[p.sku] = p.floor;
  }
  w.summary.push_back(absl::StrCat(std::size(all), " products"));

  // Price lists: the first half-year's list (past) and the current one from
  // July on, about 5% dearer. List prices sit 25% / 31% above the floor.
  const int y = w.this_year;
  struct L {
    std::string code, name;
    sales::common::v1::Date from;
    bool open;
    int64_t pct;
  };
  const L lists[] = {{absl::StrCat("CN-", y, "H1"), absl::StrCat(y, " 上半年目录价"), Day(y, 1, 1), false, 125},
                     {absl::StrCat("CN-", y, "H2"), absl::StrCat(y, " 下半年目录价"), Day(y, 7, 1), true, 131}};
  std::map<std::string, int64_t> current_price;
  for (const auto& l : lists) {
    ov1::CreatePriceListRequest req;
    req.set_request_id(absl::StrCat("demo-pricelist-", l.code));
    auto* pl = req.mutable_price_list();
    pl->set_code(l.code);
    pl->set_name(l.name);
    pl->set_currency_code("CNY");
    *pl->mutable_effective_from() = l.from;
    if (!l.open) *pl->mutable_effective_to() = Day(y, 6, 30);
    for (const auto& p : all) {
      auto* e = pl->add_entries();
      e->set_product_id(sku_ids[p.sku]);
      int64_t price = (p.floor * l.pct + 50) / 100;
      *e->mutable_list_price() = sales::MakeMoney(price);
      current_price[p.sku] = price;
    }
    ov1::CreatePriceListResponse resp;
    Must(w.orders->CreatePriceList(Ctx().get(), req, &resp), absl::StrCat("CreatePriceList ", l.code));
  }

  // Discount authority: rep 5%, manager 15%, director 30%; quotes over
  // ¥200,000 go to the director (重大比价或投标).
  {
    ov1::GetOrderPolicyResponse current;
    Must(w.orders->GetOrderPolicy(Ctx().get(), ov1::GetOrderPolicyRequest(), &current), "GetOrderPolicy");
    ov1::UpdateOrderPolicyRequest req;
    req.set_request_id("demo-order-policy");
    auto* p = req.mutable_policy();
    auto add = [&](ov1::SalesRole r, int32_t bp) {
      auto* d = p->add_discount_limits();
      d->set_role(r);
      d->set_max_discount_bp(bp);
    };
    add(ov1::SALES_ROLE_SALES_REP, 500);
    add(ov1::SALES_ROLE_SALES_MANAGER, 1500);
    add(ov1::SALES_ROLE_SALES_DIRECTOR, 3000);
    add(ov1::SALES_ROLE_SALES_CLERK, 500);
    *p->mutable_director_quote_threshold() = sales::MakeMoney(20'000'000);
    p->set_ship_within_working_days(1);
    p->set_default_quote_validity_days(30);
    req.set_reason("销售部价格折扣权限 (demo)");
    req.set_etag(current.policy().etag());
    // A reload meets the policy it already set, now under a newer etag: the
    // same request id with that etag would be a different request, which the
    // service rightly refuses, so only a policy that differs is updated.
    const ov1::OrderPolicy& have = current.policy();
    bool same = have.discount_limits_size() == p->discount_limits_size() &&
                have.director_quote_threshold().minor_units() == p->director_quote_threshold().minor_units() &&
                have.ship_within_working_days() == p->ship_within_working_days() &&
                have.default_quote_validity_days() == p->default_quote_validity_days();
    for (int i = 0; same && i < p->discount_limits_size(); ++i) {
      same = have.discount_limits(i).role() == p->discount_limits(i).role() &&
             have.discount_limits(i).max_discount_bp() == p->discount_limits(i).max_discount_bp();
    }
    if (!same) {
      ov1::UpdateOrderPolicyResponse resp;
      Must(w.orders->UpdateOrderPolicy(Ctx().get(), req, &resp), "UpdateOrderPolicy");
    }
  }

  // Warehouses: Shanghai first, Beijing second, and a quarantine store for
  // damaged returns. Every SKU is received into both regular ones.
  struct Wh {
    const char* code;
    const char* name;
    ov1::WarehouseKind kind;
    int prio;
    int64_t stock;
  };
  const Wh whs[] = {{"WH-SH-01", "上海成品仓", ov1::WAREHOUSE_KIND_REGULAR, 0, 600},
                    {"WH-BJ-01", "北京成品仓", ov1::WAREHOUSE_KIND_REGULAR, 1, 400},
                    {"WH-QA-01", "退货待检仓", ov1::WAREHOUSE_KIND_QUARANTINE, 9, 0}};
  for (const auto& wh : whs) {
    ov1::CreateWarehouseRequest req;
    req.set_request_id(absl::StrCat("demo-wh-", wh.code));
    req.mutable_warehouse()->set_code(wh.code);
    req.mutable_warehouse()->set_name(wh.name);
    req.mutable_warehouse()->set_kind(wh.kind);
    req.mutable_warehouse()->set_allocation_priority(wh.prio);
    ov1::CreateWarehouseResponse resp;
    Must(w.orders->CreateWarehouse(Ctx().get(), req, &resp), absl::StrCat("CreateWarehouse ", wh.code));
    if (wh.stock == 0) continue;
    ov1::RecordStockReceiptRequest rec;
    rec.set_request_id(absl::StrCat("demo-receipt-", wh.code));
    rec.set_warehouse_id(resp.warehouse().id());
    rec.set_reference(absl::StrCat("PRD-", y, "-OPENING"));
    rec.set_reason("期初库存");
    for (const auto& p : all) {
      auto* l = rec.add_lines();
      l->set_product_id(sku_ids[p.sku]);
      l->set_quantity(wh.stock);
    }
    ov1::RecordStockReceiptResponse rr;
    Must(w.orders->RecordStockReceipt(Ctx().get(), rec, &rr), absl::StrCat("RecordStockReceipt ", wh.code));
  }

  // Customers without a credit limit get a working one so that orders can
  // confirm (customers-svc's own demo part may already have set terms).
  const size_t n_customers = std::min<size_t>(w.customer_ids.size(), 9);
  for (size_t i = 0; i < n_customers; ++i) {
    cv1::GetCreditProfileRequest g;
    g.set_customer_id(w.customer_ids[i]);
    cv1::GetCreditProfileResponse gr;
    Must(w.customers->GetCreditProfile(Ctx().get(), g, &gr), "GetCreditProfile");
    if (gr.profile().credit_limit().minor_units() > 0) continue;
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(absl::StrCat("demo-orders-credit-", i));
    up.set_customer_id(w.customer_ids[i]);
    *up.mutable_credit_limit() = sales::MakeMoney(i == 8 ? 500'000 : 50'000'000);  // ¥5,000 or ¥500,000
    up.set_payment_terms_days(30);
    up.set_rating(i == 8 ? cv1::CREDIT_RATING_C : cv1::CREDIT_RATING_A);
    up.set_reason("首次授信 (demo)");
    up.set_etag(gr.profile().etag());
    cv1::UpdateCreditProfileResponse ur;
    Must(w.customers->UpdateCreditProfile(Ctx().get(), up, &ur), "UpdateCreditProfile");
  }

  auto owner = [&](size_t i) { return w.rep_ids[i % w.rep_ids.size()]; };
  auto rep_principal = [&](int64_t rep) {
    sales::Principal p;
    p.user_id = absl::StrCat("rep-", rep);
    p.role = "SALES_REP";
    p.rep_id = rep;
    p.org_unit_id = w.rep_units[rep];
    return p;
  };

  // Quotes by the owning reps: one within the rep's 5% (approved at once),
  // one at 12% waiting for the rep's manager.
  int quotes = 0;
  for (size_t i = 0; i < std::min<size_t>(n_customers, 2); ++i) {
    sales::Principal rep = rep_principal(owner(i));
    ov1::CreateQuoteRequest req;
    req.set_request_id(absl::StrCat("demo-quote-", i));
    req.mutable_quote()->set_customer_id(w.customer_ids[i]);
    req.mutable_quote()->set_notes("含运费，款到发货");
    for (const char* sku : {"PM-250-24", "YG-200-12"}) {
      auto* l = req.mutable_quote()->add_lines();
      l->set_product_id(sku_ids[sku]);
      l->set_quantity(40);
      l->set_discount_bp(i == 0 ? 300 : 1200);
    }
    ov1::CreateQuoteResponse cr;
    Must(Retrying([&] { return w.orders->CreateQuote(CtxAs(rep).get(), req, &cr); }), "CreateQuote");
    ov1::SubmitQuoteRequest sub;
    sub.set_request_id(absl::StrCat("demo-quote-submit-", i));
    sub.set_quote_id(cr.quote().id());
    sub.set_etag(cr.quote().etag());
    ov1::SubmitQuoteResponse sr;
    Must(w.orders->SubmitQuote(CtxAs(rep).get(), sub, &sr), "SubmitQuote");
    ++quotes;
  }

  // Orders for the first customers, entered for their owning reps and
  // confirmed: credit checked with customers-svc and finance-svc, stock
  // reserved from Shanghai first.
  int confirmed = 0, held = 0;
  const char* mix[][2] = {{"PM-250-24", "MD-250-24"}, {"YG-200-24", "KD-190-15"}, {"FM-2L-6", "OG-250-12"}};
  for (size_t i = 2; i < n_customers; ++i) {
    bool hold = i == 8;  // the small-limit customer: over its credit limit
    int64_t qty = 10 + static_cast<int64_t>(i) * 2;
    if (hold) {
      // Enough cases to pass whatever limit the customer holds.
      cv1::GetCreditProfileRequest g;
      g.set_customer_id(w.customer_ids[i]);
      cv1::GetCreditProfileResponse gr;
      Must(w.customers->GetCreditProfile(Ctx().get(), g, &gr), "GetCreditProfile");
      int64_t per_case = current_price[mix[i % 3][0]] + current_price[mix[i % 3][1]];
      qty = gr.profile().credit_limit().minor_units() / per_case + 1;  // at list price, no discount
    }
    ov1::CreateOrderRequest req;
    req.set_request_id(absl::StrCat("demo-order-", i));
    req.set_on_behalf_of_rep_id(owner(i));
    auto* o = req.mutable_order();
    o->set_customer_id(w.customer_ids[i]);
    o->set_customer_reference(absl::StrFormat("PO-%d-%04d", y, 100 + i));
    *o->mutable_requested_delivery_date() = Day(y, 12, 1);
    for (const char* sku : mix[i % 3]) {
      auto* l = o->add_lines();
      l->set_product_id(sku_ids[sku]);
      l->set_quantity(qty);
      l->set_discount_bp(i % 2 == 0 && !hold ? 200 : 0);
    }
    *o->mutable_deposit_amount() = sales::MakeMoney(hold ? 0 : 50000);
    ov1::CreateOrderResponse cr;
    Must(Retrying([&] { return w.orders->CreateOrder(Ctx().get(), req, &cr); }), "CreateOrder");
    // A reload finds the order past DRAFT already (confirmed, or held for
    // credit and so still confirmable under a newer etag, which orders-svc
    // checks before it looks up the stored answer): only a draft is confirmed.
    ov1::GetOrderRequest get;
    get.set_order_id(cr.order().id());
    ov1::GetOrderResponse now;
    Must(w.orders->GetOrder(Ctx().get(), get, &now), "GetOrder");
    ov1::SalesOrder order = now.order();
    if (order.status() == ov1::ORDER_STATUS_DRAFT) {
      ov1::ConfirmOrderRequest conf;
      conf.set_request_id(absl::StrCat("demo-order-confirm-", i));
      conf.set_order_id(cr.order().id());
      conf.set_etag(cr.order().etag());
      ov1::ConfirmOrderResponse resp;
      Must(Retrying([&] { return w.orders->ConfirmOrder(Ctx().get(), conf, &resp); }), "ConfirmOrder");
      order = resp.order();
    }
    if (order.status() == ov1::ORDER_STATUS_CREDIT_HOLD) {
      ++held;
    } else {
      ++confirmed;
    }
  }
  w.summary.push_back(absl::StrCat("2 price lists, 3 warehouses, ", quotes, " quotes (1 awaiting approval), ",
                                   confirmed, " orders confirmed, ", held, " in credit hold"));
#ifdef SALES_DEMO_HAS_FULFILMENT
  LoadOrdersFulfilmentDemo(w);
#endif
}

}  // namespace demo
