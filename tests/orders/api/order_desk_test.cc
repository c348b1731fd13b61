// orders-svc core over gRPC against MariaDB, with REAL customers-svc and
// finance-svc started in-process on their own databases: price lists and the
// price in force, quotes through manager approval into an order (once), the
// credit check putting an order in CREDIT_HOLD and finance releasing it, 50
// concurrent orders competing for the last 10 units, finance-svc stopped
// during confirmation (UNAVAILABLE, then one confirmation on retry with the
// same request_id), and bad input that changes nothing.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "orders-svc/api/orders_api.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace ov1 = ::sales::orders::v1;
namespace cv1 = ::sales::customers::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "orders-core-secret";
constexpr int64_t kCompany = 1, kEast = 2, kNorth = 3;
constexpr int64_t kRepA = 11, kRepB = 12, kRepNorth = 21;

Principal Rep(int64_t id, int64_t unit) { return {absl::StrCat("rep", id), "SALES_REP", id, unit}; }
const Principal kAdmin{"admin", "ADMIN", 0, 0};
const Principal kManagerEast{"mgr-east", "SALES_MANAGER", 0, kEast};
const Principal kManagerNorth{"mgr-north", "SALES_MANAGER", 0, kNorth};
const Principal kFinance{"fin", "FINANCE", 0, 0};
const Principal kDirector{"dir", "SALES_DIRECTOR", 0, kCompany};

common::v1::Date D(int y, int m, int d) {
  common::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

std::string Reason(const grpc::Status& st) { return ErrorReason(FromGrpcStatus(st)); }
std::vector<std::string> Fields(const grpc::Status& st) {
  std::vector<std::string> out;
  for (const auto& v : FieldViolationsOf(FromGrpcStatus(st))) out.push_back(v.field);
  return out;
}

class OrdersCore : public ::testing::Test {
 protected:
  // Monday 2026-11-23 10:00 in Shanghai.
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 0, 0), CompanyTimeZone())};

  void SetUp() override {
    cust_db_ = FreshDatabase("ord_cust");
    fin_db_ = FreshDatabase("ord_fin");
    ord_db_ = FreshDatabase("ord_core");
    // 50 clients confirm at once below: every server gets threads for them.
    customers_ = StartService(customers::MakeServiceDefinition(), cust_db_, &clock_,
                              {{"principal_hmac_secret", kSecret}, {"max_threads", "160"}});
    ASSERT_NE(customers_, nullptr);
    std::string cust_addr = absl::StrCat("127.0.0.1:", customers_->port());
    finance_port_ = testing::FreeLoopbackPort();
    StartFinance();
    ASSERT_NE(finance_, nullptr);
    orders_ = StartService(orders::MakeServiceDefinition(), ord_db_, &clock_,
                           {{"principal_hmac_secret", kSecret},
                            {"max_threads", "160"},
                            {"customers_address", cust_addr},
                            {"finance_address", absl::StrCat("127.0.0.1:", finance_port_)}});
    ASSERT_NE(orders_, nullptr);
    orders_stub_ = ov1::OrdersService::NewStub(Loopback(orders_->port()));
    cust_stub_ = cv1::CustomersService::NewStub(Loopback(customers_->port()));
    for (ServiceApp* app : {customers_.get(), orders_.get(), finance_.get()}) {
      Unit(app, kCompany, 0, "HQ");
      Unit(app, kEast, kCompany, "EAST");
      Unit(app, kNorth, kCompany, "NORTH");
      RepIn(app, kRepA, kEast);
      RepIn(app, kRepB, kEast);
      RepIn(app, kRepNorth, kNorth);
    }
    SeedCatalog();
  }
  void TearDown() override {
    if (orders_) orders_->Shutdown();
    if (finance_) finance_->Shutdown();
    if (customers_) customers_->Shutdown();
  }

  void StartFinance() {
    finance_ = StartService(finance::MakeServiceDefinition(), fin_db_, &clock_,
                            {{"principal_hmac_secret", kSecret},
                             {"max_threads", "160"},
                             {"listen", absl::StrCat("127.0.0.1:", finance_port_)},
                             {"customers_address", absl::StrCat("127.0.0.1:", customers_->port())}});
  }

  void Apply(ServiceApp* app, const google::protobuf::Message& m, const std::string& type) {
    common::v1::Event e;
    e.set_event_type(type);
    e.mutable_payload()->PackFrom(m);
    ASSERT_TRUE(
        app->pool()->Transact([&](db::Transaction& tx) { return OrgReplica::Apply(tx, e, clock_.Now()); }).ok());
  }
  void Unit(ServiceApp* app, int64_t id, int64_t parent, const std::string& code) {
    tv1::OrgUnitCreatedEvent e;
    e.mutable_org_unit()->set_id(id);
    e.mutable_org_unit()->set_parent_id(parent);
    e.mutable_org_unit()->set_code(code);
    e.mutable_org_unit()->set_name(code);
    e.mutable_org_unit()->set_kind(parent == 0 ? tv1::ORG_UNIT_KIND_COMPANY : tv1::ORG_UNIT_KIND_OFFICE);
    Apply(app, e, "OrgUnitCreatedEvent");
  }
  void RepIn(ServiceApp* app, int64_t id, int64_t unit) {
    tv1::RepCreatedEvent e;
    e.mutable_rep()->set_id(id);
    e.mutable_rep()->set_org_unit_id(unit);
    e.mutable_rep()->set_name(absl::StrCat("rep", id));
    e.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    Apply(app, e, "RepCreatedEvent");
  }

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret, absl::Seconds(20)); }
  std::string Rid() { return absl::StrCat("rid-", ++rid_); }

  // ---- customers-svc ----
  int64_t Customer(const std::string& name, const std::string& phone, int64_t limit_minor, int64_t owner = kRepA,
                   int64_t owner_unit = kEast) {
    cv1::RegisterCustomerRequest req;
    req.set_request_id(Rid());
    auto* c = req.mutable_customer();
    c->set_name(name);
    c->set_type(cv1::CUSTOMER_TYPE_OUTLET_B);
    c->set_phone(phone);
    c->set_region("EAST");
    c->set_city("上海");
    c->set_address("上海市南京路1号");
    c->set_source_channel("WALK_IN");
    cv1::RegisterCustomerResponse resp;
    grpc::Status st = cust_stub_->RegisterCustomer(As(Rep(owner, owner_unit)).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    int64_t id = resp.customer().id();
    cv1::GetCreditProfileRequest g;
    g.set_customer_id(id);
    cv1::GetCreditProfileResponse gr;
    EXPECT_TRUE(cust_stub_->GetCreditProfile(As(kFinance).get(), g, &gr).ok());
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(Rid());
    up.set_customer_id(id);
    *up.mutable_credit_limit() = MakeMoney(limit_minor);
    up.set_payment_terms_days(30);
    up.set_rating(cv1::CREDIT_RATING_A);
    up.set_reason("credit review");
    up.set_etag(gr.profile().etag());
    cv1::UpdateCreditProfileResponse ur;
    st = cust_stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return id;
  }

  // ---- orders-svc catalog ----
  void SeedCatalog() {
    milk_ = Product("MILK-1L", 4000, 6500, true);
    yog_ = Product("YOG-200", 1000, 1500, false);
    ov1::CreatePriceListRequest pl;
    pl.set_request_id(Rid());
    auto* l = pl.mutable_price_list();
    l->set_code("CN-2026H2");
    l->set_name("2026 下半年目录价");
    l->set_currency_code("CNY");
    *l->mutable_effective_from() = D(2026, 7, 1);
    *l->mutable_effective_to() = D(2026, 12, 31);
    auto* e = l->add_entries();
    e->set_product_id(milk_);
    *e->mutable_list_price() = MakeMoney(10000);  // ¥100.00
    e = l->add_entries();
    e->set_product_id(yog_);
    *e->mutable_list_price() = MakeMoney(2000);
    ov1::CreatePriceListResponse plr;
    grpc::Status st = orders_stub_->CreatePriceList(As(kAdmin).get(), pl, &plr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    price_list_ = plr.price_list().id();
    wh_main_ = Warehouse("WH-SH-01", 0);
    wh_back_ = Warehouse("WH-SH-02", 1);
    Receive(wh_main_, milk_, 100);
    Receive(wh_main_, yog_, 100);
  }
  int64_t Product(const std::string& sku, int64_t cost, int64_t floor, bool commissionable) {
    ov1::CreateProductRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_product();
    p->set_sku(sku);
    p->set_name(sku);
    p->set_product_line_id(5);
    p->set_unit("CASE");
    *p->mutable_unit_cost() = MakeMoney(cost);
    *p->mutable_floor_price() = MakeMoney(floor);
    p->set_commissionable(commissionable);
    ov1::CreateProductResponse resp;
    grpc::Status st = orders_stub_->CreateProduct(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.product().id();
  }
  int64_t Warehouse(const std::string& code, int priority) {
    ov1::CreateWarehouseRequest req;
    req.set_request_id(Rid());
    req.mutable_warehouse()->set_code(code);
    req.mutable_warehouse()->set_name(code);
    req.mutable_warehouse()->set_kind(ov1::WAREHOUSE_KIND_REGULAR);
    req.mutable_warehouse()->set_allocation_priority(priority);
    ov1::CreateWarehouseResponse resp;
    grpc::Status st = orders_stub_->CreateWarehouse(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.warehouse().id();
  }
  void Receive(int64_t wh, int64_t product, int64_t qty) {
    ov1::RecordStockReceiptRequest req;
    req.set_request_id(Rid());
    req.set_warehouse_id(wh);
    auto* l = req.add_lines();
    l->set_product_id(product);
    l->set_quantity(qty);
    req.set_reference("PRD-IN");
    ov1::RecordStockReceiptResponse resp;
    grpc::Status st = orders_stub_->RecordStockReceipt(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  ov1::StockLevel Level(int64_t wh, int64_t product) {
    ov1::ListStockLevelsRequest req;
    req.set_warehouse_id(wh);
    req.set_product_id(product);
    req.set_include_empty(true);
    ov1::ListStockLevelsResponse resp;
    EXPECT_TRUE(orders_stub_->ListStockLevels(As(kAdmin).get(), req, &resp).ok());
    return resp.stock_levels_size() ? resp.stock_levels(0) : ov1::StockLevel();
  }

  // ---- orders ----
  grpc::Status NewOrder(const Principal& who, int64_t customer,
                        std::vector<std::tuple<int64_t, int64_t, int32_t>> lines, ov1::SalesOrder* out) {
    ov1::CreateOrderRequest req;
    req.set_request_id(Rid());
    req.mutable_order()->set_customer_id(customer);
    for (auto [product, qty, bp] : lines) {
      auto* l = req.mutable_order()->add_lines();
      l->set_product_id(product);
      l->set_quantity(qty);
      l->set_discount_bp(bp);
    }
    ov1::CreateOrderResponse resp;
    grpc::Status st = orders_stub_->CreateOrder(As(who).get(), req, &resp);
    if (out) *out = resp.order();
    return st;
  }
  grpc::Status Confirm(const Principal& who, const ov1::SalesOrder& o, ov1::ConfirmOrderResponse* out,
                       const std::string& rid = "") {
    ov1::ConfirmOrderRequest req;
    req.set_request_id(rid.empty() ? Rid() : rid);
    req.set_order_id(o.id());
    req.set_etag(o.etag());
    ov1::ConfirmOrderResponse resp;
    grpc::Status st = orders_stub_->ConfirmOrder(As(who).get(), req, &resp);
    if (out) *out = resp;
    return st;
  }
  ov1::SalesOrder GetOrder(int64_t id) {
    ov1::GetOrderRequest req;
    req.set_order_id(id);
    ov1::GetOrderResponse resp;
    EXPECT_TRUE(orders_stub_->GetOrder(As(kAdmin).get(), req, &resp).ok());
    return resp.order();
  }
  int CountEvents(const std::string& type) {
    auto n = orders_->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) FROM outbox WHERE type = ?", {type}));
      return rows[0].Int(0);
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? static_cast<int>(*n) : -1;
  }

  db::PoolOptions cust_db_, fin_db_, ord_db_;
  std::unique_ptr<ServiceApp> customers_, finance_, orders_;
  int finance_port_ = 0;
  std::unique_ptr<ov1::OrdersService::Stub> orders_stub_;
  std::unique_ptr<cv1::CustomersService::Stub> cust_stub_;
  int64_t milk_ = 0, yog_ = 0, price_list_ = 0, wh_main_ = 0, wh_back_ = 0;
  std::atomic<int> rid_{0};
};

TEST_F(OrdersCore, PriceInForceAndOverlappingListRefused) {
  ov1::ResolvePriceRequest rp;
  rp.set_product_id(milk_);
  *rp.mutable_price_date() = D(2026, 12, 31);  // last day of the list, inclusive
  rp.set_discount_bp(600);
  ov1::ResolvePriceResponse rr;
  ASSERT_TRUE(orders_stub_->ResolvePrice(As(Rep(kRepA, kEast)).get(), rp, &rr).ok());
  EXPECT_EQ(rr.price().price_list_code(), "CN-2026H2");
  EXPECT_EQ(rr.price().list_price().minor_units(), 10000);
  EXPECT_EQ(rr.price().unit_price().minor_units(), 9400);
  EXPECT_EQ(rr.price().caller_limit_bp(), 500);
  EXPECT_EQ(rr.price().required_approval(), ov1::APPROVAL_LEVEL_MANAGER);
  *rp.mutable_price_date() = D(2027, 1, 1);
  EXPECT_EQ(Reason(orders_stub_->ResolvePrice(As(Rep(kRepA, kEast)).get(), rp, &rr)), "NO_PRICE_IN_FORCE");

  // A 2027 list starting on the old list's last day overlaps; from Jan 1 it does not.
  ov1::CreatePriceListRequest pl;
  pl.set_request_id(Rid());
  auto* l = pl.mutable_price_list();
  l->set_code("CN-2027");
  l->set_name("2027");
  l->set_currency_code("CNY");
  *l->mutable_effective_from() = D(2026, 12, 31);
  auto* e = l->add_entries();
  e->set_product_id(milk_);
  *e->mutable_list_price() = MakeMoney(10500);
  ov1::CreatePriceListResponse plr;
  grpc::Status st = orders_stub_->CreatePriceList(As(kAdmin).get(), pl, &plr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "PRICE_LIST_OVERLAP");
  EXPECT_THAT(st.error_message(), ::testing::HasSubstr("CN-2026H2"));
  pl.set_request_id(Rid());
  *l->mutable_effective_from() = D(2027, 1, 1);
  ASSERT_TRUE(orders_stub_->CreatePriceList(As(kAdmin).get(), pl, &plr).ok());
  *rp.mutable_price_date() = D(2027, 1, 1);
  ASSERT_TRUE(orders_stub_->ResolvePrice(As(Rep(kRepA, kEast)).get(), rp, &rr).ok());
  EXPECT_EQ(rr.price().price_list_code(), "CN-2027");
  EXPECT_EQ(rr.price().list_price().minor_units(), 10500);
  // A rep may not write price lists.
  pl.set_request_id(Rid());
  l->set_code("CN-X");
  EXPECT_EQ(orders_stub_->CreatePriceList(As(Rep(kRepA, kEast)).get(), pl, &plr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OrdersCore, QuoteNeedsManagerInChainAndConvertsOnce) {
  int64_t cust = Customer("华联超市", "13800000001", 10'000'000);
  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(cust);
  auto* ql = cq.mutable_quote()->add_lines();
  ql->set_product_id(milk_);
  ql->set_quantity(10);
  ql->set_discount_bp(1000);  // 10% > rep's 5%, within the manager's 15%
  ov1::CreateQuoteResponse cr;
  grpc::Status st = orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(cr.quote().lines(0).unit_price().minor_units(), 9000);
  EXPECT_EQ(cr.quote().total_amount().minor_units(), 90000);
  EXPECT_EQ(cr.quote().lines(0).required_approval(), ov1::APPROVAL_LEVEL_MANAGER);

  ov1::SubmitQuoteRequest sq;
  sq.set_request_id(Rid());
  sq.set_quote_id(cr.quote().id());
  sq.set_etag(cr.quote().etag());
  ov1::SubmitQuoteResponse sr;
  ASSERT_TRUE(orders_stub_->SubmitQuote(As(Rep(kRepA, kEast)).get(), sq, &sr).ok());
  ASSERT_EQ(sr.quote().status(), ov1::QUOTE_STATUS_PENDING_APPROVAL);
  ASSERT_EQ(sr.quote().approvals_size(), 1);
  EXPECT_EQ(sr.quote().approvals(0).level(), ov1::APPROVAL_LEVEL_MANAGER);

  // The manager's inbox shows it; North's does not.
  ov1::ListPendingApprovalsRequest lp;
  ov1::ListPendingApprovalsResponse lr;
  ASSERT_TRUE(orders_stub_->ListPendingApprovals(As(kManagerEast).get(), lp, &lr).ok());
  ASSERT_EQ(lr.tasks_size(), 1);
  EXPECT_EQ(lr.tasks(0).subject_id(), cr.quote().id());
  ASSERT_TRUE(orders_stub_->ListPendingApprovals(As(kManagerNorth).get(), lp, &lr).ok());
  EXPECT_EQ(lr.tasks_size(), 0);

  ov1::ApproveQuoteRequest aq;
  aq.set_request_id(Rid());
  aq.set_quote_id(cr.quote().id());
  aq.set_etag(sr.quote().etag());
  aq.set_reason("大客户");
  ov1::ApproveQuoteResponse ar;
  EXPECT_EQ(orders_stub_->ApproveQuote(As(Rep(kRepB, kEast)).get(), aq, &ar).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  aq.set_request_id(Rid());
  EXPECT_EQ(orders_stub_->ApproveQuote(As(kManagerNorth).get(), aq, &ar).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  aq.set_request_id(Rid());
  ASSERT_TRUE(orders_stub_->ApproveQuote(As(kManagerEast).get(), aq, &ar).ok());
  EXPECT_EQ(ar.quote().status(), ov1::QUOTE_STATUS_APPROVED);
  EXPECT_EQ(ar.quote().approvals(0).decided_by().user_id(), "mgr-east");

  ov1::ConvertQuoteToOrderRequest cv;
  cv.set_request_id(Rid());
  cv.set_quote_id(cr.quote().id());
  cv.set_etag(ar.quote().etag());
  ov1::ConvertQuoteToOrderResponse cvr;
  st = orders_stub_->ConvertQuoteToOrder(As(Rep(kRepA, kEast)).get(), cv, &cvr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(cvr.quote().status(), ov1::QUOTE_STATUS_CONVERTED);
  EXPECT_EQ(cvr.order().quote_id(), cr.quote().id());
  EXPECT_EQ(cvr.order().total_amount().minor_units(), 90000);
  // The converted order needs no second approval: it confirms directly.
  ov1::ConfirmOrderResponse conf;
  st = Confirm(Rep(kRepA, kEast), cvr.order(), &conf);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(conf.order().status(), ov1::ORDER_STATUS_CONFIRMED);
  // Converting again is refused.
  cv.set_request_id(Rid());
  cv.set_etag("");
  st = orders_stub_->ConvertQuoteToOrder(As(Rep(kRepA, kEast)).get(), cv, &cvr);
  EXPECT_EQ(Reason(st), "QUOTE_ALREADY_CONVERTED");

  // An approved quote past valid_until cannot convert.
  cq.set_request_id(Rid());
  cq.mutable_quote()->mutable_lines(0)->set_discount_bp(0);
  *cq.mutable_quote()->mutable_quote_date() = D(2026, 11, 1);
  *cq.mutable_quote()->mutable_valid_until() = D(2026, 11, 20);
  ASSERT_TRUE(orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr).ok());
  sq.set_request_id(Rid());
  sq.set_quote_id(cr.quote().id());
  sq.set_etag(cr.quote().etag());
  ASSERT_TRUE(orders_stub_->SubmitQuote(As(Rep(kRepA, kEast)).get(), sq, &sr).ok());
  EXPECT_EQ(sr.quote().status(), ov1::QUOTE_STATUS_APPROVED);  // within the rep's authority
  cv.set_request_id(Rid());
  cv.set_quote_id(cr.quote().id());
  st = orders_stub_->ConvertQuoteToOrder(As(Rep(kRepA, kEast)).get(), cv, &cvr);
  EXPECT_EQ(Reason(st), "QUOTE_EXPIRED");
}

TEST_F(OrdersCore, OverCreditLimitGoesToCreditHoldAndFinanceReleasesIt) {
  int64_t cust = Customer("联华便利", "13800000002", 100'000);  // ¥1,000.00
  ov1::SalesOrder first, second;
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 8, 0}}, &first).ok());  // ¥800
  ov1::ConfirmOrderResponse c1;
  grpc::Status st = Confirm(Rep(kRepA, kEast), first, &c1);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(c1.order().status(), ov1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(c1.order().credited_rep_id(), kRepA);
  EXPECT_EQ(c1.order().credited_org_unit_id(), kEast);
  EXPECT_EQ(c1.credit_check().headroom().minor_units(), 20'000);
  ASSERT_EQ(c1.reservations_size(), 1);
  EXPECT_EQ(c1.reservations(0).warehouse_id(), wh_main_);

  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{yog_, 15, 0}}, &second).ok());  // ¥300
  ov1::ConfirmOrderResponse c2;
  st = Confirm(Rep(kRepA, kEast), second, &c2);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(c2.order().status(), ov1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_FALSE(c2.credit_check().passed());
  EXPECT_EQ(c2.credit_check().credit_limit().minor_units(), 100'000);
  EXPECT_EQ(c2.credit_check().unbilled_confirmed_orders().minor_units(), 80'000);
  EXPECT_EQ(c2.credit_check().this_order().minor_units(), 30'000);
  EXPECT_EQ(c2.credit_check().exposure().minor_units(), 110'000);
  EXPECT_EQ(c2.credit_check().headroom().minor_units(), -10'000);
  EXPECT_EQ(c2.reservations_size(), 0);
  EXPECT_EQ(Level(wh_main_, yog_).reserved(), 0);
  EXPECT_EQ(CountEvents("OrderCreditHeldEvent"), 1);

  // A rep cannot release; a manager of another chain cannot; finance can.
  ov1::ReleaseCreditHoldRequest rel;
  rel.set_request_id(Rid());
  rel.set_order_id(second.id());
  rel.set_etag(c2.order().etag());
  rel.set_reason("客户已付订金");
  ov1::ReleaseCreditHoldResponse rr;
  EXPECT_EQ(orders_stub_->ReleaseCreditHold(As(Rep(kRepA, kEast)).get(), rel, &rr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  rel.set_request_id(Rid());
  EXPECT_EQ(orders_stub_->ReleaseCreditHold(As(kManagerNorth).get(), rel, &rr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  rel.set_request_id(Rid());
  st = orders_stub_->ReleaseCreditHold(As(kFinance).get(), rel, &rr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rr.order().status(), ov1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(rr.reservations_size(), 1);
  EXPECT_EQ(Level(wh_main_, yog_).reserved(), 15);
  EXPECT_EQ(CountEvents("OrderConfirmedEvent"), 2);

  // The audit trail of the held order: created, held, released.
  ov1::ListAuditEntriesRequest al;
  al.set_subject_type(ov1::SUBJECT_TYPE_ORDER);
  al.set_subject_id(second.id());
  ov1::ListAuditEntriesResponse alr;
  ASSERT_TRUE(orders_stub_->ListAuditEntries(As(kManagerEast).get(), al, &alr).ok());
  ASSERT_EQ(alr.entries_size(), 3);
  EXPECT_EQ(alr.entries(1).action(), "ORDER_CREDIT_HELD");
  EXPECT_EQ(alr.entries(2).action(), "ORDER_CREDIT_HOLD_RELEASED");
  EXPECT_EQ(alr.entries(2).actor().user_id(), "fin");

  // Cancelling releases the reservation and publishes OrderCancelled.
  ov1::CancelOrderRequest cx;
  cx.set_request_id(Rid());
  cx.set_order_id(second.id());
  cx.set_etag(rr.order().etag());
  cx.set_reason("客户取消");
  ov1::CancelOrderResponse cxr;
  ASSERT_TRUE(orders_stub_->CancelOrder(As(Rep(kRepA, kEast)).get(), cx, &cxr).ok());
  EXPECT_EQ(cxr.released_quantity(), 15);
  EXPECT_EQ(Level(wh_main_, yog_).reserved(), 0);
  EXPECT_EQ(CountEvents("OrderCancelledEvent"), 1);
}

TEST_F(OrdersCore, FiftyConcurrentOrdersForTheLastTenUnitsReserveExactlyTen) {
  int64_t cust = Customer("物美", "13800000003", 1'000'000'000);
  int64_t scarce = Product("CHEESE-1KG", 3000, 5000, true);
  ov1::UpdatePriceListRequest up;
  ov1::GetPriceListRequest gp;
  gp.set_price_list_id(price_list_);
  ov1::GetPriceListResponse gpr;
  ASSERT_TRUE(orders_stub_->GetPriceList(As(kAdmin).get(), gp, &gpr).ok());
  up.set_request_id(Rid());
  *up.mutable_price_list() = gpr.price_list();
  auto* e = up.mutable_price_list()->add_entries();
  e->set_product_id(scarce);
  *e->mutable_list_price() = MakeMoney(8000);
  up.set_etag(gpr.price_list().etag());
  up.set_reason("新品上市");
  ov1::UpdatePriceListResponse upr;
  ASSERT_TRUE(orders_stub_->UpdatePriceList(As(kAdmin).get(), up, &upr).ok());
  Receive(wh_main_, scarce, 6);
  Receive(wh_back_, scarce, 4);

  std::vector<ov1::SalesOrder> orders(50);
  for (auto& o : orders) ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{scarce, 1, 0}}, &o).ok());
  std::atomic<int> confirmed{0}, short_stock{0}, other{0};
  std::vector<std::thread> threads;
  for (const auto& o : orders) {
    threads.emplace_back([&, o] {
      ov1::ConfirmOrderResponse r;
      grpc::Status st = Confirm(Rep(kRepA, kEast), o, &r);
      if (st.ok() && r.order().status() == ov1::ORDER_STATUS_CONFIRMED) {
        ++confirmed;
      } else if (Reason(st) == "INSUFFICIENT_STOCK") {
        ++short_stock;
      } else {
        ++other;
        ADD_FAILURE() << st.error_code() << " " << st.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(confirmed.load(), 10);
  EXPECT_EQ(short_stock.load(), 40);
  EXPECT_EQ(other.load(), 0);
  auto main = Level(wh_main_, scarce), back = Level(wh_back_, scarce);
  EXPECT_EQ(main.reserved() + back.reserved(), 10);
  EXPECT_EQ(main.reserved(), 6);
  EXPECT_EQ(back.reserved(), 4);
  EXPECT_EQ(main.on_hand(), 6);
  EXPECT_EQ(back.available(), 0);
  ov1::ListReservationsRequest lr;
  lr.set_product_id(scarce);
  ov1::ListReservationsResponse lrr;
  ASSERT_TRUE(orders_stub_->ListReservations(As(kAdmin).get(), lr, &lrr).ok());
  int64_t sum = 0;
  for (const auto& r : lrr.reservations()) sum += r.quantity();
  EXPECT_EQ(sum, 10);
}

TEST_F(OrdersCore, FinanceDownGivesUnavailableAndTheRetryConfirmsOnce) {
  int64_t cust = Customer("家乐福", "13800000004", 10'000'000);
  ov1::SalesOrder o;
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 3, 0}}, &o).ok());
  finance_->Shutdown();
  finance_.reset();
  ov1::ConfirmOrderResponse r;
  grpc::Status st = Confirm(Rep(kRepA, kEast), o, &r, "confirm-1");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  ov1::SalesOrder still = GetOrder(o.id());
  EXPECT_EQ(still.status(), ov1::ORDER_STATUS_DRAFT);
  EXPECT_EQ(still.etag(), o.etag());
  EXPECT_EQ(Level(wh_main_, milk_).reserved(), 0);
  EXPECT_EQ(CountEvents("OrderConfirmedEvent"), 0);

  StartFinance();
  ASSERT_NE(finance_, nullptr);
  // The channel to finance reconnects with backoff; the client retries with
  // the same request id until it answers, as a client after UNAVAILABLE does.
  for (int attempt = 0; attempt < 100; ++attempt) {
    st = Confirm(Rep(kRepA, kEast), o, &r, "confirm-1");
    if (st.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r.order().status(), ov1::ORDER_STATUS_CONFIRMED);
  // The same request again answers the same, and nothing happens twice.
  ov1::ConfirmOrderResponse again;
  ASSERT_TRUE(Confirm(Rep(kRepA, kEast), o, &again, "confirm-1").ok());
  EXPECT_EQ(again.order().etag(), r.order().etag());
  EXPECT_EQ(Level(wh_main_, milk_).reserved(), 3);
  EXPECT_EQ(CountEvents("OrderConfirmedEvent"), 1);
  // A new request to confirm again is refused.
  st = Confirm(Rep(kRepA, kEast), r.order(), &again);
  EXPECT_EQ(Reason(st), "ORDER_ALREADY_CONFIRMED");
}

TEST_F(OrdersCore, BadInputIsRefusedPreciselyAndChangesNothing) {
  int64_t cust = Customer("大润发", "13800000005", 10'000'000);
  ov1::SalesOrder o;
  grpc::Status st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 0, 0}}, &o);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, -2, 0}}, &o);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  st = NewOrder(Rep(kRepA, kEast), cust, {{9999, 1, 0}}, &o);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].product_id"));
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1, 10001}}, &o);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].discount_bp"));
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1, 3500}}, &o);  // beyond the director's 30%
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].discount_bp"));
  st = NewOrder(Rep(kRepA, kEast), 987654, {{milk_, 1, 0}}, &o);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);

  // A discount beyond the rep's limit cannot confirm before approval.
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 2, 800}}, &o).ok());
  st = Confirm(Rep(kRepA, kEast), o, nullptr);
  EXPECT_EQ(Reason(st), "APPROVALS_PENDING");
  // A stale etag is ABORTED.
  ov1::SalesOrder stale = o;
  stale.set_etag("v99");
  EXPECT_EQ(Confirm(Rep(kRepA, kEast), stale, nullptr).error_code(), grpc::StatusCode::ABORTED);
  // Another rep cannot even see it.
  EXPECT_EQ(Confirm(Rep(kRepNorth, kNorth), o, nullptr).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Blacklisted customer: creation and confirmation refused.
  ov1::SalesOrder ok;
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1, 0}}, &ok).ok());
  cv1::GetCustomerRequest gc;
  gc.set_id(cust);
  cv1::GetCustomerResponse gcr;
  ASSERT_TRUE(cust_stub_->GetCustomer(As(kManagerEast).get(), gc, &gcr).ok());
  cv1::BlacklistCustomerRequest bl;
  bl.set_request_id(Rid());
  bl.set_customer_id(cust);
  bl.set_reason("恶意拖欠");
  bl.set_etag(gcr.customer().etag());
  cv1::BlacklistCustomerResponse blr;
  st = cust_stub_->BlacklistCustomer(As(kManagerEast).get(), bl, &blr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1, 0}}, &o);
  EXPECT_EQ(Reason(st), "CUSTOMER_BLACKLISTED");
  st = Confirm(Rep(kRepA, kEast), ok, nullptr);
  EXPECT_EQ(Reason(st), "CUSTOMER_BLACKLISTED");

  EXPECT_EQ(Level(wh_main_, milk_).reserved(), 0);
  EXPECT_EQ(CountEvents("OrderConfirmedEvent"), 0);
  EXPECT_EQ(GetOrder(ok.id()).status(), ov1::ORDER_STATUS_DRAFT);
}

TEST_F(OrdersCore, DirectorThresholdLateSweepStockGuardsAndCorrections) {
  int64_t cust = Customer("沃尔玛", "13800000006", 1'000'000'000);
  // The policy: quotes over ¥500 need the director.
  ov1::GetOrderPolicyResponse pol;
  ASSERT_TRUE(orders_stub_->GetOrderPolicy(As(kAdmin).get(), ov1::GetOrderPolicyRequest(), &pol).ok());
  ov1::UpdateOrderPolicyRequest up;
  up.set_request_id(Rid());
  *up.mutable_policy() = pol.policy();
  *up.mutable_policy()->mutable_director_quote_threshold() = MakeMoney(50'000);
  up.set_etag(pol.policy().etag());
  up.set_reason("重大比价门槛");
  ov1::UpdateOrderPolicyResponse upr;
  EXPECT_EQ(orders_stub_->UpdateOrderPolicy(As(kManagerEast).get(), up, &upr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  up.set_request_id(Rid());
  ASSERT_TRUE(orders_stub_->UpdateOrderPolicy(As(kDirector).get(), up, &upr).ok());

  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(cust);
  cq.mutable_quote()->set_is_bid(true);
  auto* ql = cq.mutable_quote()->add_lines();
  ql->set_product_id(milk_);
  ql->set_quantity(6);  // ¥600 > ¥500, no discount
  ov1::CreateQuoteResponse cr;
  ASSERT_TRUE(orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr).ok());
  ov1::SubmitQuoteRequest sq;
  sq.set_request_id(Rid());
  sq.set_quote_id(cr.quote().id());
  sq.set_etag(cr.quote().etag());
  ov1::SubmitQuoteResponse sr;
  ASSERT_TRUE(orders_stub_->SubmitQuote(As(Rep(kRepA, kEast)).get(), sq, &sr).ok());
  ASSERT_EQ(sr.quote().approvals_size(), 1);
  EXPECT_EQ(sr.quote().approvals(0).level(), ov1::APPROVAL_LEVEL_DIRECTOR);
  EXPECT_EQ(sr.quote().approvals(0).triggers(0), ov1::APPROVAL_TRIGGER_AMOUNT_OVER_THRESHOLD);
  ov1::ApproveQuoteRequest aq;
  aq.set_request_id(Rid());
  aq.set_quote_id(cr.quote().id());
  ov1::ApproveQuoteResponse ar;
  EXPECT_EQ(Reason(orders_stub_->ApproveQuote(As(kManagerEast).get(), aq, &ar)), "NO_STEP_FOR_CALLER");
  ov1::RejectQuoteRequest rq;
  rq.set_request_id(Rid());
  rq.set_quote_id(cr.quote().id());
  ov1::RejectQuoteResponse rqr;
  EXPECT_THAT(Fields(orders_stub_->RejectQuote(As(kDirector).get(), rq, &rqr)), ::testing::ElementsAre("reason"));
  aq.set_request_id(Rid());
  ASSERT_TRUE(orders_stub_->ApproveQuote(As(kDirector).get(), aq, &ar).ok());
  EXPECT_EQ(ar.quote().status(), ov1::QUOTE_STATUS_APPROVED);

  // The expiry sweep, safe to run twice: the approved quote is valid 30 days.
  ov1::ExpireQuotesRequest ex;
  ex.set_request_id(Rid());
  *ex.mutable_as_of() = D(2027, 1, 1);
  ov1::ExpireQuotesResponse exr;
  ASSERT_TRUE(orders_stub_->ExpireQuotes(As(kAdmin).get(), ex, &exr).ok());
  EXPECT_EQ(exr.expired_count(), 1);
  ex.set_request_id(Rid());
  ASSERT_TRUE(orders_stub_->ExpireQuotes(As(kAdmin).get(), ex, &exr).ok());
  EXPECT_EQ(exr.expired_count(), 0);

  // Confirmed Monday: due Tuesday. Late on Wednesday, flagged once.
  ov1::SalesOrder o;
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 5, 0}}, &o).ok());
  ov1::ConfirmOrderResponse conf;
  ASSERT_TRUE(Confirm(Rep(kRepA, kEast), o, &conf).ok());
  EXPECT_EQ(conf.order().ship_due_date().day(), 24);
  ov1::MarkLateOrdersRequest ml;
  ml.set_request_id(Rid());
  *ml.mutable_as_of() = D(2026, 11, 24);
  ov1::MarkLateOrdersResponse mlr;
  ASSERT_TRUE(orders_stub_->MarkLateOrders(As(kAdmin).get(), ml, &mlr).ok());
  EXPECT_EQ(mlr.flagged_count(), 0);  // still due that day
  ml.set_request_id(Rid());
  *ml.mutable_as_of() = D(2026, 11, 25);
  ASSERT_TRUE(orders_stub_->MarkLateOrders(As(kAdmin).get(), ml, &mlr).ok());
  EXPECT_EQ(mlr.flagged_count(), 1);
  ml.set_request_id(Rid());
  ASSERT_TRUE(orders_stub_->MarkLateOrders(As(kAdmin).get(), ml, &mlr).ok());
  EXPECT_EQ(mlr.flagged_count(), 0);
  EXPECT_TRUE(GetOrder(o.id()).late());
  EXPECT_EQ(CountEvents("OrderLateEvent"), 1);

  // Stock under reservation cannot be adjusted away; a count correction with
  // a reason is fine.
  ov1::AdjustStockRequest adj;
  adj.set_request_id(Rid());
  adj.set_warehouse_id(wh_main_);
  adj.set_product_id(milk_);
  adj.set_quantity_delta(-96);  // 100 on hand, 5 reserved
  adj.set_adjustment_reason(ov1::STOCK_ADJUSTMENT_REASON_DAMAGE);
  adj.set_reason("叉车撞坏");
  ov1::AdjustStockResponse adjr;
  EXPECT_EQ(Reason(orders_stub_->AdjustStock(As(kAdmin).get(), adj, &adjr)), "STOCK_BELOW_RESERVED");
  adj.set_request_id(Rid());
  adj.set_quantity_delta(-95);
  ASSERT_TRUE(orders_stub_->AdjustStock(As(kAdmin).get(), adj, &adjr).ok());
  EXPECT_EQ(adjr.stock_level().available(), 0);
  EXPECT_EQ(adjr.movement().quantity_delta(), -95);
  EXPECT_EQ(adjr.movement().adjustment_reason(), ov1::STOCK_ADJUSTMENT_REASON_DAMAGE);

  // A negative correction order may not take back more than shipped (nothing yet).
  ov1::CreateOrderRequest corr;
  corr.set_request_id(Rid());
  corr.mutable_order()->set_kind(ov1::ORDER_KIND_CORRECTION);
  corr.mutable_order()->set_customer_id(cust);
  corr.mutable_order()->set_original_order_id(o.id());
  auto* cl = corr.mutable_order()->add_lines();
  cl->set_product_id(milk_);
  cl->set_quantity(-1);
  ov1::CreateOrderResponse corr_r;
  EXPECT_EQ(Reason(orders_stub_->CreateOrder(As(Rep(kRepA, kEast)).get(), corr, &corr_r)), "EXCEEDS_SHIPPED");
  corr.set_request_id(Rid());
  corr.mutable_order()->set_original_order_id(0);
  EXPECT_THAT(Fields(orders_stub_->CreateOrder(As(Rep(kRepA, kEast)).get(), corr, &corr_r)),
              ::testing::ElementsAre("order.original_order_id"));
}

// ---- Money can't wrap; bounded documents (issue 12) ------------------------

// Rows of a table in the orders database (to show a refusal wrote nothing).
int64_t CountRows(ServiceApp* app, const std::string& table) {
  auto n = app->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) FROM " + table, {}));
    return rows[0].Int(0);
  });
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? *n : -1;
}

TEST_F(OrdersCore, AnOrderForTwoToTheSixtyTwoUnitsIsRefusedAndWritesNothing) {
  int64_t cust = Customer("永辉超市（福州）有限公司", "13800000071", 1'000'000'000);
  int64_t orders_before = CountRows(orders_.get(), "sales_orders");
  int64_t lines_before = CountRows(orders_.get(), "order_lines");
  // ¥100.00 × 4,611,686,018,427,387,904 = 2^66 fen, which wrapped to a DRAFT with total 0.
  ov1::SalesOrder o;
  grpc::Status st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, int64_t{4'611'686'018'427'387'904}, 0}}, &o);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  EXPECT_EQ(o.id(), 0);
  // INT64_MAX units, and a reversal line of INT64_MIN on a correction, alike.
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, std::numeric_limits<int64_t>::max(), 0}}, &o);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  ov1::CreateOrderRequest corr;
  corr.set_request_id(Rid());
  corr.mutable_order()->set_kind(ov1::ORDER_KIND_CORRECTION);
  corr.mutable_order()->set_customer_id(cust);
  corr.mutable_order()->set_original_order_id(1);
  auto* cl = corr.mutable_order()->add_lines();
  cl->set_product_id(milk_);
  cl->set_quantity(std::numeric_limits<int64_t>::min());
  ov1::CreateOrderResponse corr_r;
  st = orders_stub_->CreateOrder(As(Rep(kRepA, kEast)).get(), corr, &corr_r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  EXPECT_EQ(CountRows(orders_.get(), "sales_orders"), orders_before);
  EXPECT_EQ(CountRows(orders_.get(), "order_lines"), lines_before);

  // The business maximum itself is an ordinary order: 10^9 cases at ¥100.00.
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1'000'000'000, 0}}, &o);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(o.total_amount().minor_units(), 10'000'000'000'000);
  st = NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1'000'000'001, 0}}, &o);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines[0].quantity"));
  EXPECT_EQ(CountRows(orders_.get(), "sales_orders"), orders_before + 1);
}

TEST_F(OrdersCore, AQuoteWhoseTotalWrapsIsNeverApprovedAtSubmission) {
  int64_t cust = Customer("家乐福（上海）", "13800000072", 1'000'000'000);
  // 182,622,766,329,724,561 × ¥100.00 ≡ 16 fen (mod 2^64): a ¥0.16 quote
  // below the director's ¥500,000 threshold, approved at submission.
  constexpr int64_t kWrapsToSixteenFen = 182'622'766'329'724'561;
  int64_t quotes_before = CountRows(orders_.get(), "quotes");
  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(cust);
  cq.mutable_quote()->set_notes(std::string(1500, 'x'));
  auto* ql = cq.mutable_quote()->add_lines();
  ql->set_product_id(milk_);
  ql->set_quantity(kWrapsToSixteenFen);
  ov1::CreateQuoteResponse cr;
  grpc::Status st = orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("quote.lines[0].quantity"));
  EXPECT_EQ(CountRows(orders_.get(), "quotes"), quotes_before);

  // A quote stored with a wrapped total (written before totals were
  // checked): submission recomputes it and refuses, the quote stays a DRAFT.
  ql->set_quantity(3);
  cq.set_request_id(Rid());
  st = orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  int64_t id = cr.quote().id();
  ASSERT_TRUE(
      orders_->pool()
          ->Transact([&](db::Transaction& tx) -> absl::Status {
            SALES_RETURN_IF_ERROR(tx.Exec("UPDATE quote_lines SET quantity = ?, net_amount_minor = 16 "
                                          "WHERE quote_id = ?",
                                          {kWrapsToSixteenFen, id})
                                      .status());
            return tx.Exec("UPDATE quotes SET lines_total_minor = 16, total_minor = 16 WHERE id = ?", {id}).status();
          })
          .ok());
  ov1::SubmitQuoteRequest sq;
  sq.set_request_id(Rid());
  sq.set_quote_id(id);
  sq.set_etag(cr.quote().etag());
  ov1::SubmitQuoteResponse sr;
  st = orders_stub_->SubmitQuote(As(Rep(kRepA, kEast)).get(), sq, &sr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("quote.lines[0].quantity"));
  ov1::GetQuoteRequest gq;
  gq.set_quote_id(id);
  ov1::GetQuoteResponse gr;
  ASSERT_TRUE(orders_stub_->GetQuote(As(kAdmin).get(), gq, &gr).ok());
  EXPECT_EQ(gr.quote().status(), ov1::QUOTE_STATUS_DRAFT);
  EXPECT_EQ(gr.quote().approvals_size(), 0);
  // Nor can it be converted into an order.
  ov1::ConvertQuoteToOrderRequest cv;
  cv.set_request_id(Rid());
  cv.set_quote_id(id);
  cv.set_etag(gr.quote().etag());
  ov1::ConvertQuoteToOrderResponse cvr;
  EXPECT_NE(orders_stub_->ConvertQuoteToOrder(As(Rep(kRepA, kEast)).get(), cv, &cvr).error_code(),
            grpc::StatusCode::OK);
}

TEST_F(OrdersCore, DocumentsCarryAtMostTwoHundredLines) {
  int64_t cust = Customer("联华超市股份有限公司", "13800000073", 1'000'000'000);
  int64_t orders_before = CountRows(orders_.get(), "sales_orders");
  std::vector<std::tuple<int64_t, int64_t, int32_t>> lines(201, {yog_, 1, 0});
  ov1::SalesOrder o;
  grpc::Status st = NewOrder(Rep(kRepA, kEast), cust, lines, &o);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines"));
  EXPECT_EQ(CountRows(orders_.get(), "sales_orders"), orders_before);
  lines.pop_back();
  st = NewOrder(Rep(kRepA, kEast), cust, lines, &o);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(o.lines_size(), 200);
  EXPECT_EQ(o.total_amount().minor_units(), 200 * 2000);
  // Updating to 201 lines is refused too, and leaves the 200.
  ov1::UpdateOrderRequest uo;
  uo.set_request_id(Rid());
  *uo.mutable_order() = o;
  uo.mutable_order()->add_lines()->CopyFrom(o.lines(0));
  uo.set_etag(o.etag());
  ov1::UpdateOrderResponse ur;
  st = orders_stub_->UpdateOrder(As(Rep(kRepA, kEast)).get(), uo, &ur);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("order.lines"));
  EXPECT_EQ(GetOrder(o.id()).lines_size(), 200);

  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(cust);
  for (int i = 0; i < 201; ++i) {
    auto* ql = cq.mutable_quote()->add_lines();
    ql->set_product_id(yog_);
    ql->set_quantity(1);
  }
  ov1::CreateQuoteResponse cr;
  st = orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("quote.lines"));

  // Repeated filters and movement lines are capped as well.
  ov1::ListOrdersRequest lo;
  for (int i = 0; i < 21; ++i) lo.add_statuses(ov1::ORDER_STATUS_DRAFT);
  ov1::ListOrdersResponse lr;
  st = orders_stub_->ListOrders(As(kAdmin).get(), lo, &lr);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("statuses"));
  ov1::AdjustStockRequest adj;
  adj.set_request_id(Rid());
  adj.set_warehouse_id(wh_main_);
  adj.set_product_id(milk_);
  adj.set_quantity_delta(std::numeric_limits<int64_t>::min());
  adj.set_adjustment_reason(ov1::STOCK_ADJUSTMENT_REASON_COUNT_CORRECTION);
  adj.set_reason("盘点差异");
  ov1::AdjustStockResponse ar;
  st = orders_stub_->AdjustStock(As(kAdmin).get(), adj, &ar);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("quantity_delta"));
  EXPECT_EQ(Level(wh_main_, milk_).on_hand(), 100);
}

// ListOrders reads a page in four statements (issue 15: not one load per
// order): every listed order must still be exactly what GetOrder answers —
// lines with reserved quantities, fees, approval steps — in id order, newest
// first, each once across pages.
TEST_F(OrdersCore, AListedPageHoldsEachOrderAsGetOrderReadsIt) {
  int64_t cust = Customer("苏果超市（南京）有限公司", "13800000073", 1'000'000'000);
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ov1::SalesOrder o;
    ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 1 + i, 0}, {yog_, 2, i == 3 ? 2500 : 0}}, &o).ok());
    ids.push_back(o.id());
    if (i == 1) {  // reserves stock
      ASSERT_TRUE(Confirm(Rep(kRepA, kEast), o, nullptr).ok());
    }
    if (i == 3) {  // a discount that needs approval
      ov1::SubmitOrderRequest sub;
      sub.set_request_id(Rid());
      sub.set_order_id(o.id());
      sub.set_etag(o.etag());
      ov1::SubmitOrderResponse sr;
      ASSERT_TRUE(orders_stub_->SubmitOrder(As(Rep(kRepA, kEast)).get(), sub, &sr).ok());
      ASSERT_GT(sr.order().approvals_size(), 0);
    }
  }
  std::vector<int64_t> listed;
  ov1::ListOrdersRequest req;
  req.set_customer_id(cust);
  req.set_page_size(2);
  for (int pages = 0; pages < 10; ++pages) {
    ov1::ListOrdersResponse resp;
    grpc::Status st = orders_stub_->ListOrders(As(kAdmin).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_LE(resp.orders_size(), 2);
    for (const auto& o : resp.orders()) {
      listed.push_back(o.id());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(o, GetOrder(o.id())))
          << "listed: " << o.DebugString() << "\ngot: " << GetOrder(o.id()).DebugString();
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  std::vector<int64_t> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(listed, expected);
}

// ListProducts reads a page in one statement and ListPriceLists with entries
// in two (issue 15: not one load per row): every listed product and price list
// must still be exactly what GetProduct / GetPriceList answers — entries by
// SKU within each list — in id order, each once across pages.
TEST_F(OrdersCore, ListedProductsAndPriceListsAreEachAsTheirGetReadsThem) {
  using google::protobuf::util::MessageDifferencer;
  std::vector<int64_t> products = {milk_, yog_};
  std::map<std::string, int64_t> by_sku;
  for (auto [sku, name] : {std::pair{"TEA-500", "茉莉花茶 500 克"}, std::pair{"RICE-5KG", "东北大米 5 公斤"},
                           std::pair{"OIL-1L", "压榨花生油 1 升"}, std::pair{"SALT-400", "加碘精制食盐"}}) {
    ov1::CreateProductRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_product();
    p->set_sku(sku);
    p->set_name(name);
    p->set_product_line_id(6);
    p->set_unit("箱");
    *p->mutable_unit_cost() = MakeMoney(800);
    *p->mutable_floor_price() = MakeMoney(1200);
    p->set_specification(absl::StrCat(name, "，每箱十二件，常温保存"));
    ov1::CreateProductResponse resp;
    grpc::Status st = orders_stub_->CreateProduct(As(kAdmin).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    products.push_back(resp.product().id());
    by_sku[sku] = resp.product().id();
  }
  auto get_product = [&](int64_t id) {
    ov1::GetProductRequest g;
    g.set_id(id);
    ov1::GetProductResponse gr;
    grpc::Status st = orders_stub_->GetProduct(As(kAdmin).get(), g, &gr);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return gr.product();
  };

  // Price lists over periods that do not overlap, entries sent out of SKU
  // order; one open-ended, one retired.
  std::vector<int64_t> lists = {price_list_};
  auto make_list = [&](const std::string& code, const std::string& name, common::v1::Date from,
                       std::optional<common::v1::Date> to, std::vector<int64_t> entries) {
    ov1::CreatePriceListRequest req;
    req.set_request_id(Rid());
    auto* l = req.mutable_price_list();
    l->set_code(code);
    l->set_name(name);
    l->set_currency_code("CNY");
    *l->mutable_effective_from() = from;
    if (to) *l->mutable_effective_to() = *to;
    int64_t price = 1500;
    for (int64_t product : entries) {
      auto* e = l->add_entries();
      e->set_product_id(product);
      *e->mutable_list_price() = MakeMoney(price += 100);
    }
    ov1::CreatePriceListResponse resp;
    grpc::Status st = orders_stub_->CreatePriceList(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    lists.push_back(resp.price_list().id());
    return resp.price_list();
  };
  make_list("CN-2027Q1", "2027 一季度目录价", D(2027, 1, 1), D(2027, 3, 31),
            {by_sku["TEA-500"], by_sku["SALT-400"], by_sku["RICE-5KG"], by_sku["OIL-1L"]});
  make_list("CN-2027Q2", "2027 二季度目录价", D(2027, 4, 1), D(2027, 6, 30), {by_sku["TEA-500"], milk_});
  make_list("CN-2027H2", "2027 下半年起目录价", D(2027, 7, 1), std::nullopt, {yog_, by_sku["RICE-5KG"]});
  ov1::PriceList old = make_list("CN-2025", "2025 旧目录价", D(2025, 1, 1), D(2025, 12, 31), {by_sku["OIL-1L"]});
  ov1::RetirePriceListRequest rp;
  rp.set_request_id(Rid());
  rp.set_price_list_id(old.id());
  rp.set_etag(old.etag());
  rp.set_reason("已被新目录取代");
  ov1::RetirePriceListResponse rpr;
  grpc::Status st = orders_stub_->RetirePriceList(As(kAdmin).get(), rp, &rpr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // A discontinued product keeps its reason.
  ov1::DiscontinueProductRequest dp;
  dp.set_request_id(Rid());
  dp.set_product_id(by_sku["OIL-1L"]);
  dp.set_etag(get_product(by_sku["OIL-1L"]).etag());
  dp.set_reason("厂家停产，库存售完为止");
  ov1::DiscontinueProductResponse dpr;
  st = orders_stub_->DiscontinueProduct(As(kAdmin).get(), dp, &dpr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // Products, two a page.
  std::vector<int64_t> listed;
  int pages = 0;
  ov1::ListProductsRequest lp;
  lp.set_page_size(2);
  while (++pages <= 10) {
    ov1::ListProductsResponse resp;
    st = orders_stub_->ListProducts(As(Rep(kRepA, kEast)).get(), lp, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_LE(resp.products_size(), 2);
    for (const auto& p : resp.products()) {
      listed.push_back(p.id());
      ov1::Product got = get_product(p.id());
      EXPECT_TRUE(MessageDifferencer::Equals(p, got))
          << "listed: " << p.DebugString() << "\ngot: " << got.DebugString();
    }
    if (resp.next_page_token().empty()) break;
    lp.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(listed, products);
  EXPECT_EQ(pages, 3) << "six products, two a page";
  // Filters still apply to the whole rows.
  ov1::ListProductsRequest by_text;
  by_text.set_text("大米");
  ov1::ListProductsResponse text_resp;
  ASSERT_TRUE(orders_stub_->ListProducts(As(kAdmin).get(), by_text, &text_resp).ok());
  ASSERT_EQ(text_resp.products_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(text_resp.products(0), get_product(by_sku["RICE-5KG"])));
  ov1::ListProductsRequest by_status;
  by_status.set_status(ov1::PRODUCT_STATUS_DISCONTINUED);
  ov1::ListProductsResponse status_resp;
  ASSERT_TRUE(orders_stub_->ListProducts(As(kAdmin).get(), by_status, &status_resp).ok());
  ASSERT_EQ(status_resp.products_size(), 1);
  EXPECT_EQ(status_resp.products(0).status_reason(), "厂家停产，库存售完为止");
  EXPECT_TRUE(MessageDifferencer::Equals(status_resp.products(0), get_product(by_sku["OIL-1L"])));

  // Price lists with entries, two a page; then without entries.
  for (bool with_entries : {true, false}) {
    listed.clear();
    ov1::ListPriceListsRequest lr;
    lr.set_page_size(2);
    lr.set_include_entries(with_entries);
    pages = 0;
    while (++pages <= 10) {
      ov1::ListPriceListsResponse resp;
      st = orders_stub_->ListPriceLists(As(kAdmin).get(), lr, &resp);
      ASSERT_TRUE(st.ok()) << st.error_message();
      EXPECT_LE(resp.price_lists_size(), 2);
      for (const auto& pl : resp.price_lists()) {
        listed.push_back(pl.id());
        ov1::GetPriceListRequest g;
        g.set_price_list_id(pl.id());
        ov1::GetPriceListResponse gr;
        ASSERT_TRUE(orders_stub_->GetPriceList(As(kAdmin).get(), g, &gr).ok());
        ov1::PriceList expected = gr.price_list();
        if (with_entries) {
          EXPECT_GT(pl.entries_size(), 0);
          for (int i = 1; i < pl.entries_size(); ++i) EXPECT_LT(pl.entries(i - 1).sku(), pl.entries(i).sku());
        } else {
          expected.clear_entries();
        }
        EXPECT_TRUE(MessageDifferencer::Equals(pl, expected))
            << "listed: " << pl.DebugString() << "\ngot: " << expected.DebugString();
      }
      if (resp.next_page_token().empty()) break;
      lr.set_page_token(resp.next_page_token());
    }
    EXPECT_EQ(listed, lists);
    EXPECT_EQ(pages, 3) << "five lists, two a page";
  }
  // The product filter with entries: the lists holding the oil, whole.
  ov1::ListPriceListsRequest oil;
  oil.set_product_id(by_sku["OIL-1L"]);
  oil.set_include_entries(true);
  ov1::ListPriceListsResponse oil_resp;
  ASSERT_TRUE(orders_stub_->ListPriceLists(As(kAdmin).get(), oil, &oil_resp).ok());
  ASSERT_EQ(oil_resp.price_lists_size(), 2);
  EXPECT_EQ(oil_resp.price_lists(0).entries_size(), 4);
  EXPECT_EQ(oil_resp.price_lists(0).entries(0).sku(), "OIL-1L");
  EXPECT_EQ(oil_resp.price_lists(1).id(), old.id());
  EXPECT_EQ(oil_resp.price_lists(1).status_reason(), "已被新目录取代");
  ASSERT_EQ(oil_resp.price_lists(1).entries_size(), 1);
  EXPECT_EQ(oil_resp.price_lists(1).entries(0).list_price().minor_units(), 1600);
}

// Issue 15 (update_mask on every update): a mask changes the fields it names
// and keeps the rest as stored, even fields the request sets otherwise or
// leaves blank; a path the method does not change is refused by position
// and writes nothing; no mask changes everything, as before masks.
TEST_F(OrdersCore, CatalogAndWarehouseUpdatesChangeOnlyTheMaskedFields) {
  // Product: the name changes, the specification sent alongside does not.
  ov1::GetProductRequest gp;
  gp.set_id(milk_);
  ov1::GetProductResponse gpr;
  ASSERT_TRUE(orders_stub_->GetProduct(As(kAdmin).get(), gp, &gpr).ok());
  ov1::UpdateProductRequest up;
  up.set_request_id(Rid());
  up.mutable_product()->set_id(milk_);
  up.mutable_product()->set_name("特级纯牛奶 1L");
  up.mutable_product()->set_specification("1L×12盒");
  up.mutable_update_mask()->add_paths("name");
  up.set_etag(gpr.product().etag());
  ov1::UpdateProductResponse upr;
  grpc::Status st = orders_stub_->UpdateProduct(As(kAdmin).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.product().name(), "特级纯牛奶 1L");
  EXPECT_EQ(upr.product().specification(), "");
  EXPECT_EQ(upr.product().unit(), "CASE");
  EXPECT_EQ(upr.product().floor_price().minor_units(), 6500);
  // The SKU is not a field UpdateProduct changes.
  up.set_request_id(Rid());
  up.mutable_product()->set_sku("MILK-2L");
  up.mutable_update_mask()->set_paths(0, "sku");
  up.set_etag(upr.product().etag());
  st = orders_stub_->UpdateProduct(As(kAdmin).get(), up, &upr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  ASSERT_TRUE(orders_stub_->GetProduct(As(kAdmin).get(), gp, &gpr).ok());
  EXPECT_EQ(gpr.product().sku(), "MILK-1L");
  EXPECT_EQ(gpr.product().etag(), up.etag());
  // No mask: the whole product as sent, as before.
  up.set_request_id(Rid());
  *up.mutable_product() = gpr.product();
  up.mutable_product()->set_specification("1L×12盒");
  up.clear_update_mask();
  st = orders_stub_->UpdateProduct(As(kAdmin).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.product().specification(), "1L×12盒");
  EXPECT_EQ(upr.product().name(), "特级纯牛奶 1L");

  // Price list: the name changes; the cleared entries and the new end date
  // sent alongside do not.
  ov1::GetPriceListRequest gl;
  gl.set_price_list_id(price_list_);
  ov1::GetPriceListResponse glr;
  ASSERT_TRUE(orders_stub_->GetPriceList(As(kAdmin).get(), gl, &glr).ok());
  ov1::UpdatePriceListRequest ul;
  ul.set_request_id(Rid());
  ul.mutable_price_list()->set_id(price_list_);
  ul.mutable_price_list()->set_name("2026 下半年目录价（修订）");
  *ul.mutable_price_list()->mutable_effective_to() = D(2026, 9, 30);
  ul.mutable_update_mask()->add_paths("name");
  ul.set_etag(glr.price_list().etag());
  ul.set_reason("更正名称");
  ov1::UpdatePriceListResponse ulr;
  st = orders_stub_->UpdatePriceList(As(kAdmin).get(), ul, &ulr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ulr.price_list().name(), "2026 下半年目录价（修订）");
  EXPECT_EQ(ulr.price_list().effective_to().month(), 12);
  EXPECT_EQ(ulr.price_list().entries_size(), 2);
  ul.set_request_id(Rid());
  ul.mutable_update_mask()->set_paths(0, "currency_code");
  ul.set_etag(ulr.price_list().etag());
  st = orders_stub_->UpdatePriceList(As(kAdmin).get(), ul, &ulr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  ASSERT_TRUE(orders_stub_->GetPriceList(As(kAdmin).get(), gl, &glr).ok());
  EXPECT_EQ(glr.price_list().etag(), ul.etag());
  ul.set_request_id(Rid());
  *ul.mutable_price_list() = glr.price_list();
  *ul.mutable_price_list()->mutable_effective_to() = D(2026, 12, 30);
  ul.clear_update_mask();
  st = orders_stub_->UpdatePriceList(As(kAdmin).get(), ul, &ulr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ulr.price_list().effective_to().day(), 30);
  EXPECT_EQ(ulr.price_list().entries_size(), 2);

  // Order policy: the threshold changes; the shipping deadline sent
  // alongside, and the discount limits left out, do not.
  ov1::GetOrderPolicyResponse pol;
  ASSERT_TRUE(orders_stub_->GetOrderPolicy(As(kAdmin).get(), ov1::GetOrderPolicyRequest(), &pol).ok());
  ov1::UpdateOrderPolicyRequest uy;
  uy.set_request_id(Rid());
  *uy.mutable_policy()->mutable_director_quote_threshold() = MakeMoney(50'000);
  uy.mutable_policy()->set_ship_within_working_days(5);
  uy.mutable_update_mask()->add_paths("director_quote_threshold");
  uy.set_etag(pol.policy().etag());
  uy.set_reason("重大比价门槛");
  ov1::UpdateOrderPolicyResponse uyr;
  st = orders_stub_->UpdateOrderPolicy(As(kDirector).get(), uy, &uyr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uyr.policy().director_quote_threshold().minor_units(), 50'000);
  EXPECT_EQ(uyr.policy().ship_within_working_days(), pol.policy().ship_within_working_days());
  EXPECT_EQ(uyr.policy().discount_limits_size(), pol.policy().discount_limits_size());
  uy.set_request_id(Rid());
  uy.mutable_update_mask()->set_paths(0, "etag");
  uy.set_etag(uyr.policy().etag());
  st = orders_stub_->UpdateOrderPolicy(As(kDirector).get(), uy, &uyr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  ASSERT_TRUE(orders_stub_->GetOrderPolicy(As(kAdmin).get(), ov1::GetOrderPolicyRequest(), &pol).ok());
  EXPECT_EQ(pol.policy().etag(), uy.etag());
  uy.set_request_id(Rid());
  *uy.mutable_policy() = pol.policy();
  uy.mutable_policy()->set_ship_within_working_days(2);
  uy.clear_update_mask();
  st = orders_stub_->UpdateOrderPolicy(As(kDirector).get(), uy, &uyr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uyr.policy().ship_within_working_days(), 2);
  EXPECT_EQ(uyr.policy().director_quote_threshold().minor_units(), 50'000);

  // Warehouse: the address changes; the blank name and the priority sent
  // alongside do not.
  ov1::GetWarehouseRequest gw;
  gw.set_warehouse_id(wh_back_);
  ov1::GetWarehouseResponse gwr;
  ASSERT_TRUE(orders_stub_->GetWarehouse(As(kAdmin).get(), gw, &gwr).ok());
  ov1::UpdateWarehouseRequest uw;
  uw.set_request_id(Rid());
  uw.mutable_warehouse()->set_id(wh_back_);
  uw.mutable_warehouse()->set_address("上海市浦东新区物流园8号");
  uw.mutable_warehouse()->set_allocation_priority(9);
  uw.mutable_update_mask()->add_paths("address");
  uw.set_etag(gwr.warehouse().etag());
  ov1::UpdateWarehouseResponse uwr;
  st = orders_stub_->UpdateWarehouse(As(kAdmin).get(), uw, &uwr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uwr.warehouse().address(), "上海市浦东新区物流园8号");
  EXPECT_EQ(uwr.warehouse().name(), "WH-SH-02");
  EXPECT_EQ(uwr.warehouse().allocation_priority(), 1);
  EXPECT_TRUE(uwr.warehouse().active());
  uw.set_request_id(Rid());
  uw.mutable_update_mask()->set_paths(0, "code");
  uw.set_etag(uwr.warehouse().etag());
  st = orders_stub_->UpdateWarehouse(As(kAdmin).get(), uw, &uwr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  ASSERT_TRUE(orders_stub_->GetWarehouse(As(kAdmin).get(), gw, &gwr).ok());
  EXPECT_EQ(gwr.warehouse().etag(), uw.etag());
  uw.set_request_id(Rid());
  *uw.mutable_warehouse() = gwr.warehouse();
  uw.mutable_warehouse()->set_name("浦东备用仓");
  uw.clear_update_mask();
  st = orders_stub_->UpdateWarehouse(As(kAdmin).get(), uw, &uwr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uwr.warehouse().name(), "浦东备用仓");
  EXPECT_EQ(uwr.warehouse().address(), "上海市浦东新区物流园8号");
}

TEST_F(OrdersCore, QuoteAndOrderUpdatesChangeOnlyTheMaskedFields) {
  int64_t cust = Customer("华润万家", "13800000081", 1'000'000'000);

  // Quote: the notes change; the lines and the bid flag sent alongside do not.
  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(cust);
  cq.mutable_quote()->set_notes("送货上门");
  auto* ql = cq.mutable_quote()->add_lines();
  ql->set_product_id(milk_);
  ql->set_quantity(2);
  ov1::CreateQuoteResponse cr;
  grpc::Status st = orders_stub_->CreateQuote(As(Rep(kRepA, kEast)).get(), cq, &cr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ov1::UpdateQuoteRequest uq;
  uq.set_request_id(Rid());
  uq.mutable_quote()->set_id(cr.quote().id());
  uq.mutable_quote()->set_notes("请于周五前送达");
  uq.mutable_quote()->set_is_bid(true);
  auto* l = uq.mutable_quote()->add_lines();
  l->set_product_id(milk_);
  l->set_quantity(9);
  uq.mutable_update_mask()->add_paths("notes");
  uq.set_etag(cr.quote().etag());
  ov1::UpdateQuoteResponse uqr;
  st = orders_stub_->UpdateQuote(As(Rep(kRepA, kEast)).get(), uq, &uqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uqr.quote().notes(), "请于周五前送达");
  EXPECT_FALSE(uqr.quote().is_bid());
  ASSERT_EQ(uqr.quote().lines_size(), 1);
  EXPECT_EQ(uqr.quote().lines(0).quantity(), 2);
  EXPECT_EQ(uqr.quote().total_amount().minor_units(), 2 * 10000);
  EXPECT_EQ(uqr.quote().valid_until().day(), cr.quote().valid_until().day());
  uq.set_request_id(Rid());
  uq.mutable_update_mask()->set_paths(0, "customer_id");
  uq.set_etag(uqr.quote().etag());
  st = orders_stub_->UpdateQuote(As(Rep(kRepA, kEast)).get(), uq, &uqr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  ov1::GetQuoteRequest gq;
  gq.set_quote_id(cr.quote().id());
  ov1::GetQuoteResponse gqr;
  ASSERT_TRUE(orders_stub_->GetQuote(As(Rep(kRepA, kEast)).get(), gq, &gqr).ok());
  EXPECT_EQ(gqr.quote().etag(), uq.etag());
  uq.set_request_id(Rid());
  *uq.mutable_quote() = gqr.quote();
  uq.mutable_quote()->mutable_lines(0)->set_quantity(3);
  uq.clear_update_mask();
  st = orders_stub_->UpdateQuote(As(Rep(kRepA, kEast)).get(), uq, &uqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uqr.quote().lines(0).quantity(), 3);
  EXPECT_EQ(uqr.quote().notes(), "请于周五前送达");

  // Order: the customer's reference changes; the notes sent alongside, and
  // the lines left out, do not.
  ov1::SalesOrder o;
  ASSERT_TRUE(NewOrder(Rep(kRepA, kEast), cust, {{milk_, 2, 0}, {yog_, 5, 0}}, &o).ok());
  ov1::UpdateOrderRequest uo;
  uo.set_request_id(Rid());
  uo.mutable_order()->set_id(o.id());
  uo.mutable_order()->set_customer_reference("采购合同 HR-2026-088");
  uo.mutable_order()->set_notes("加急");
  uo.mutable_update_mask()->add_paths("customer_reference");
  uo.set_etag(o.etag());
  ov1::UpdateOrderResponse uor;
  st = orders_stub_->UpdateOrder(As(Rep(kRepA, kEast)).get(), uo, &uor);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uor.order().customer_reference(), "采购合同 HR-2026-088");
  EXPECT_EQ(uor.order().notes(), "");
  ASSERT_EQ(uor.order().lines_size(), 2);
  EXPECT_EQ(uor.order().lines(1).quantity(), 5);
  EXPECT_EQ(uor.order().total_amount().minor_units(), o.total_amount().minor_units());
  uo.set_request_id(Rid());
  uo.mutable_update_mask()->set_paths(0, "status");
  uo.set_etag(uor.order().etag());
  st = orders_stub_->UpdateOrder(As(Rep(kRepA, kEast)).get(), uo, &uor);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  EXPECT_EQ(GetOrder(o.id()).etag(), uo.etag());
  uo.set_request_id(Rid());
  *uo.mutable_order() = GetOrder(o.id());
  uo.mutable_order()->set_notes("请走货梯");
  uo.clear_update_mask();
  st = orders_stub_->UpdateOrder(As(Rep(kRepA, kEast)).get(), uo, &uor);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uor.order().notes(), "请走货梯");
  EXPECT_EQ(uor.order().customer_reference(), "采购合同 HR-2026-088");
}

}  // namespace
}  // namespace sales
