// orders-svc fulfilment over gRPC against MariaDB, with REAL customers-svc and
// finance-svc in-process on their own databases: quote → approval → order →
// credit check → reservation → shipment requisition → approval → partial
// shipments → signed deliveries → return into stock and quarantine, with the
// stock figures and outbox events checked at each step; bad input refused
// precisely with nothing written; shipping more than reserved refused under
// concurrency; the pick-up certificate printed once, then only approved
// duplicates. Callers are signed principals.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <tuple>
#include <vector>

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

constexpr char kSecret[] = "orders-flow-secret";
constexpr int64_t kCompany = 1, kEast = 2, kNorth = 3;
constexpr int64_t kRepA = 11, kRepNorth = 21;

const Principal kRep{"rep11", "SALES_REP", kRepA, kEast};
const Principal kRepOfNorth{"rep21", "SALES_REP", kRepNorth, kNorth};
const Principal kManager{"mgr-east", "SALES_MANAGER", 0, kEast};
const Principal kManagerNorth{"mgr-north", "SALES_MANAGER", 0, kNorth};
const Principal kClerk{"clerk", "SALES_CLERK", 0, kEast};
const Principal kKeeper{"keeper", "WAREHOUSE", 0, 0};
const Principal kFinance{"fin", "FINANCE", 0, 0};
const Principal kAdmin{"admin", "ADMIN", 0, 0};
const Principal kDirector{"director", "SALES_DIRECTOR", 0, kCompany};
const Principal kService{"flow-test", "SERVICE", 0, 0};

common::v1::Date D(int y, int m, int d) { return FromCivilDay(absl::CivilDay(y, m, d)); }

struct Level {
  int64_t on_hand = -1, reserved = -1;
  bool operator==(const Level& o) const { return on_hand == o.on_hand && reserved == o.reserved; }
};
std::ostream& operator<<(std::ostream& os, const Level& l) {
  return os << "{on_hand " << l.on_hand << ", reserved " << l.reserved << "}";
}

class OrdersFlow : public ::testing::Test {
 protected:
  // Monday 2026-11-23 10:00 in Shanghai.
  OrdersFlow() : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 0, 0), CompanyTimeZone())) {}

  void SetUp() override {
    cust_db_ = FreshDatabase("flow_cust");
    fin_db_ = FreshDatabase("flow_fin");
    ord_db_ = FreshDatabase("flow_ord");
    customers_ =
        StartService(customers::MakeServiceDefinition(), cust_db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(customers_, nullptr);
    finance_ = StartService(finance::MakeServiceDefinition(), fin_db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(finance_, nullptr);
    orders_ = StartService(orders::MakeServiceDefinition(), ord_db_, &clock_,
                           {{"principal_hmac_secret", kSecret},
                            {"customers_address", absl::StrCat("127.0.0.1:", customers_->port())},
                            {"finance_address", absl::StrCat("127.0.0.1:", finance_->port())}});
    ASSERT_NE(orders_, nullptr);
    cust_ = cv1::CustomersService::NewStub(Loopback(customers_->port()));
    ord_ = ov1::OrdersService::NewStub(Loopback(orders_->port()));
    // The organization as targets-svc would publish it, in every replica.
    for (ServiceApp* app : {customers_.get(), finance_.get(), orders_.get()}) {
      Unit(app, kCompany, 0, "HQ");
      Unit(app, kEast, kCompany, "EAST");
      Unit(app, kNorth, kCompany, "NORTH");
      RepIn(app, kRepA, kEast);
      RepIn(app, kRepNorth, kNorth);
    }
    MasterData();
  }
  void TearDown() override {
    for (auto* app : {orders_.get(), finance_.get(), customers_.get()}) {
      if (app) app->Shutdown();
    }
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

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret); }
  std::string Rid() { return absl::StrCat("flow-", ++rid_); }

  // Products, a price list, a regular and a quarantine warehouse with stock,
  // and a distributor owned by rep 11 with a credit limit.
  void MasterData() {
    p1_ = Product("BJ-500", 7, 60'00);
    p2_ = Product("BJ-250", 8, 30'00);
    ov1::CreatePriceListRequest pl;
    pl.set_request_id(Rid());
    auto* l = pl.mutable_price_list();
    l->set_code("PL-2026");
    l->set_name("2026 目录价格");
    l->set_currency_code("CNY");
    *l->mutable_effective_from() = D(2026, 1, 1);
    for (auto [id, price] : {std::pair{p1_, int64_t{100'00}}, std::pair{p2_, int64_t{50'00}}}) {
      auto* e = l->add_entries();
      e->set_product_id(id);
      *e->mutable_list_price() = MakeMoney(price);
    }
    ov1::CreatePriceListResponse plr;
    grpc::Status st = ord_->CreatePriceList(As(kAdmin).get(), pl, &plr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    wh_ = Warehouse("WH-SH", ov1::WAREHOUSE_KIND_REGULAR);
    quarantine_ = Warehouse("WH-QC", ov1::WAREHOUSE_KIND_QUARANTINE);
    ov1::RecordStockReceiptRequest rr;
    rr.set_request_id(Rid());
    rr.set_warehouse_id(wh_);
    rr.set_reference("PO-1");
    rr.set_reason("opening stock");
    for (auto [id, q] : {std::pair{p1_, int64_t{100}}, std::pair{p2_, int64_t{50}}}) {
      auto* sq = rr.add_lines();
      sq->set_product_id(id);
      sq->set_quantity(q);
    }
    ov1::RecordStockReceiptResponse rresp;
    st = ord_->RecordStockReceipt(As(kKeeper).get(), rr, &rresp);
    ASSERT_TRUE(st.ok()) << st.error_message();

    cv1::RegisterCustomerRequest reg;
    reg.set_request_id(Rid());
    auto* c = reg.mutable_customer();
    c->set_name("上海金华经销部");
    c->set_type(cv1::CUSTOMER_TYPE_DISTRIBUTOR);
    c->set_phone("13900000001");
    c->set_region("EAST");
    c->set_city("上海");
    c->set_address("上海市南京路1号");
    c->set_source_channel("WALK_IN");
    cv1::RegisterCustomerResponse regr;
    st = cust_->RegisterCustomer(As(kRep).get(), reg, &regr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    customer_ = regr.customer().id();
    cv1::GetCreditProfileRequest gp;
    gp.set_customer_id(customer_);
    cv1::GetCreditProfileResponse gpr;
    st = cust_->GetCreditProfile(As(kFinance).get(), gp, &gpr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(Rid());
    up.set_customer_id(customer_);
    *up.mutable_credit_limit() = MakeMoney(1'000'000'00);
    up.set_payment_terms_days(30);
    up.set_reason("annual review");
    up.set_etag(gpr.profile().etag());
    cv1::UpdateCreditProfileResponse upr;
    st = cust_->UpdateCreditProfile(As(kFinance).get(), up, &upr);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  int64_t Product(const std::string& sku, int64_t line, int64_t cost) {
    ov1::CreateProductRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_product();
    p->set_sku(sku);
    p->set_name(sku);
    p->set_product_line_id(line);
    p->set_unit("箱");
    *p->mutable_unit_cost() = MakeMoney(cost);
    *p->mutable_floor_price() = MakeMoney(cost);
    p->set_commissionable(true);
    ov1::CreateProductResponse resp;
    grpc::Status st = ord_->CreateProduct(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.product().id();
  }
  int64_t Warehouse(const std::string& code, ov1::WarehouseKind kind) {
    ov1::CreateWarehouseRequest req;
    req.set_request_id(Rid());
    auto* w = req.mutable_warehouse();
    w->set_code(code);
    w->set_name(code);
    w->set_kind(kind);
    w->set_active(true);
    ov1::CreateWarehouseResponse resp;
    grpc::Status st = ord_->CreateWarehouse(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.warehouse().id();
  }

  Level StockOf(int64_t warehouse, int64_t product) {
    ov1::ListStockLevelsRequest req;
    req.set_warehouse_id(warehouse);
    req.set_product_id(product);
    req.set_include_empty(true);
    ov1::ListStockLevelsResponse resp;
    grpc::Status st = ord_->ListStockLevels(As(kKeeper).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (const auto& l : resp.stock_levels()) {
      if (l.warehouse_id() == warehouse && l.product_id() == product) return {l.on_hand(), l.reserved()};
    }
    return {0, 0};
  }

  // Events of the orders feed after `after`, as a service reads them.
  std::vector<common::v1::Event> EventsAfter(int64_t after, const std::string& type) {
    std::vector<common::v1::Event> out;
    // The outbox sequencer assigns positions shortly after commit.
    for (int attempt = 0; attempt < 50; ++attempt) {
      out.clear();
      ov1::StreamEventsRequest req;
      req.set_after_position(after);
      req.set_max_batch(1000);
      auto ctx = CtxAs(kService, kSecret, absl::Milliseconds(300));
      auto reader = ord_->StreamEvents(ctx.get(), req);
      ov1::StreamEventsResponse batch;
      while (reader->Read(&batch)) {
        for (const auto& e : batch.events()) {
          last_position_ = std::max(last_position_, e.position());
          if (e.event_type() == type) out.push_back(e);
        }
      }
      reader->Finish();
      if (!out.empty()) return out;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return out;
  }

  // quote (discount beyond the rep's limit) → manager approval → order →
  // confirmation with credit check and reservation.
  ov1::SalesOrder ConfirmedOrder(int64_t q1, int64_t q2) {
    ov1::CreateQuoteRequest cq;
    cq.set_request_id(Rid());
    auto* q = cq.mutable_quote();
    q->set_customer_id(customer_);
    *q->mutable_quote_date() = D(2026, 11, 23);
    for (auto [id, n] : {std::pair{p1_, q1}, std::pair{p2_, q2}}) {
      if (n == 0) continue;
      auto* l = q->add_lines();
      l->set_product_id(id);
      l->set_quantity(n);
      l->set_discount_bp(800);  // beyond the rep's 5%: the manager approves
    }
    ov1::CreateQuoteResponse cqr;
    grpc::Status st = ord_->CreateQuote(As(kRep).get(), cq, &cqr);
    EXPECT_TRUE(st.ok()) << "CreateQuote: " << st.error_message();
    ov1::SubmitQuoteRequest sq;
    sq.set_request_id(Rid());
    sq.set_quote_id(cqr.quote().id());
    sq.set_etag(cqr.quote().etag());
    ov1::SubmitQuoteResponse sqr;
    st = ord_->SubmitQuote(As(kRep).get(), sq, &sqr);
    EXPECT_TRUE(st.ok()) << "SubmitQuote: " << st.error_message();
    EXPECT_EQ(sqr.quote().status(), ov1::QUOTE_STATUS_PENDING_APPROVAL);
    ov1::ApproveQuoteRequest aq;
    aq.set_request_id(Rid());
    aq.set_quote_id(cqr.quote().id());
    aq.set_etag(sqr.quote().etag());
    aq.set_reason("volume customer");
    ov1::ApproveQuoteResponse aqr;
    st = ord_->ApproveQuote(As(kManager).get(), aq, &aqr);
    EXPECT_TRUE(st.ok()) << "ApproveQuote: " << st.error_message();
    EXPECT_EQ(aqr.quote().status(), ov1::QUOTE_STATUS_APPROVED);
    ov1::ConvertQuoteToOrderRequest cv;
    cv.set_request_id(Rid());
    cv.set_quote_id(cqr.quote().id());
    cv.set_etag(aqr.quote().etag());
    *cv.mutable_order_date() = D(2026, 11, 23);
    ov1::ConvertQuoteToOrderResponse cvr;
    st = ord_->ConvertQuoteToOrder(As(kRep).get(), cv, &cvr);
    EXPECT_TRUE(st.ok()) << "ConvertQuoteToOrder: " << st.error_message();
    ov1::ConfirmOrderRequest co;
    co.set_request_id(Rid());
    co.set_order_id(cvr.order().id());
    co.set_etag(cvr.order().etag());
    ov1::ConfirmOrderResponse cor;
    st = ord_->ConfirmOrder(As(kRep).get(), co, &cor);
    EXPECT_TRUE(st.ok()) << "ConfirmOrder: " << st.error_message();
    EXPECT_EQ(cor.order().status(), ov1::ORDER_STATUS_CONFIRMED) << cor.order().status_reason();
    EXPECT_TRUE(cor.credit_check().passed());
    return cor.order();
  }
  int64_t LineOf(const ov1::SalesOrder& o, int64_t product) {
    for (const auto& l : o.lines()) {
      if (l.product_id() == product) return l.id();
    }
    return 0;
  }
  ov1::SalesOrder Order(int64_t id) {
    ov1::GetOrderRequest req;
    req.set_order_id(id);
    ov1::GetOrderResponse resp;
    grpc::Status st = ord_->GetOrder(As(kAdmin).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.order();
  }

  grpc::Status Request(const Principal& who, int64_t order, std::vector<std::pair<int64_t, int64_t>> lines,
                       ov1::ShipmentRequisition* out, const std::string& rid = "") {
    ov1::RequestShipmentRequest req;
    req.set_request_id(rid.empty() ? Rid() : rid);
    auto* r = req.mutable_shipment_requisition();
    r->set_order_id(order);
    r->set_carrier("德邦物流");
    for (auto [line, q] : lines) {
      auto* l = r->add_lines();
      l->set_order_line_id(line);
      l->set_quantity(q);
    }
    ov1::RequestShipmentResponse resp;
    grpc::Status st = ord_->RequestShipment(As(who).get(), req, &resp);
    if (out) *out = resp.shipment_requisition();
    return st;
  }
  ov1::ApproveShipmentRequisitionResponse Approve(const ov1::ShipmentRequisition& r) {
    ov1::ApproveShipmentRequisitionRequest req;
    req.set_request_id(Rid());
    req.set_shipment_requisition_id(r.id());
    req.set_etag(r.etag());
    ov1::ApproveShipmentRequisitionResponse resp;
    grpc::Status st = ord_->ApproveShipmentRequisition(As(kManager).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }
  int64_t ReqLine(const ov1::ShipmentRequisition& r, int64_t order_line) {
    for (const auto& l : r.lines()) {
      if (l.order_line_id() == order_line) return l.id();
    }
    return 0;
  }
  grpc::Status Post(const ov1::ShipmentRequisition& r, std::vector<std::pair<int64_t, int64_t>> lines,
                    ov1::PostShipmentResponse* out, const std::string& etag, const std::string& rid = "") {
    ov1::PostShipmentRequest req;
    req.set_request_id(rid.empty() ? Rid() : rid);
    req.set_shipment_requisition_id(r.id());
    req.set_etag(etag);
    req.set_warehouse_id(wh_);
    for (auto [rl, q] : lines) {
      auto* l = req.add_lines();
      l->set_shipment_requisition_line_id(rl);
      l->set_quantity(q);
    }
    ov1::PostShipmentResponse resp;
    grpc::Status st = ord_->PostShipment(As(kKeeper).get(), req, &resp);
    if (out) *out = resp;
    return st;
  }
  ov1::RecordDeliveryResponse Deliver(const ov1::Shipment& s) {
    ov1::RecordDeliveryRequest req;
    req.set_request_id(Rid());
    req.set_shipment_id(s.id());
    req.set_etag(s.etag());
    *req.mutable_delivery()->mutable_delivery_date() = s.ship_date();
    req.mutable_delivery()->set_signed_by("王经理");
    req.mutable_delivery()->set_document_reference("SCAN-1");
    ov1::RecordDeliveryResponse resp;
    grpc::Status st = ord_->RecordDelivery(As(kClerk).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  FakeClock clock_;
  db::PoolOptions cust_db_, fin_db_, ord_db_;
  std::unique_ptr<ServiceApp> customers_, finance_, orders_;
  std::unique_ptr<cv1::CustomersService::Stub> cust_;
  std::unique_ptr<ov1::OrdersService::Stub> ord_;
  int64_t p1_ = 0, p2_ = 0, wh_ = 0, quarantine_ = 0, customer_ = 0;
  int64_t last_position_ = 0;
  int rid_ = 0;
};

TEST_F(OrdersFlow, QuoteToReturnWithStockAndEventsAtEachStep) {
  ov1::SalesOrder o = ConfirmedOrder(10, 4);
  ASSERT_EQ(o.status(), ov1::ORDER_STATUS_CONFIRMED);
  const int64_t l1 = LineOf(o, p1_), l2 = LineOf(o, p2_);
  const int64_t up1 = 92'00, up2 = 46'00;  // list less 8%
  EXPECT_EQ(StockOf(wh_, p1_), (Level{100, 10}));
  EXPECT_EQ(StockOf(wh_, p2_), (Level{50, 4}));
  EXPECT_EQ(o.ship_due_date().day(), 24) << "one working day after Monday's confirmation";
  EventsAfter(0, "OrderConfirmedEvent");
  const int64_t before_shipping = last_position_;

  // The rep asks for part of the order; the manager approves and the
  // pick-up certificate appears.
  ov1::ShipmentRequisition r1;
  grpc::Status st = Request(kRep, o.id(), {{l1, 6}, {l2, 4}}, &r1);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r1.status(), ov1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL);
  EXPECT_EQ(r1.approval().status(), ov1::APPROVAL_STEP_STATUS_PENDING);
  auto a1 = Approve(r1);
  EXPECT_EQ(a1.shipment_requisition().status(), ov1::SHIPMENT_REQUISITION_STATUS_APPROVED);
  EXPECT_EQ(a1.pickup_certificate().type(), ov1::DOCUMENT_TYPE_PICKUP_CERTIFICATE);
  EXPECT_EQ(a1.pickup_certificate().print_count(), 0);
  EXPECT_EQ(StockOf(wh_, p1_), (Level{100, 10})) << "approval moves no stock";

  // First outbound note: 6 of P1 and 2 of the 4 P2 requested.
  ov1::PostShipmentResponse s1;
  st = Post(a1.shipment_requisition(), {{ReqLine(r1, l1), 6}, {ReqLine(r1, l2), 2}}, &s1,
            a1.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(s1.order_status(), ov1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(s1.shipment_requisition().status(), ov1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(s1.shipment().total_amount().minor_units(), 6 * up1 + 2 * up2);
  EXPECT_EQ(s1.outbound_note().document_number(), s1.shipment().shipment_number());
  EXPECT_EQ(StockOf(wh_, p1_), (Level{94, 4}));
  EXPECT_EQ(StockOf(wh_, p2_), (Level{48, 2}));
  auto shipped = EventsAfter(before_shipping, "OrderShippedEvent");
  ASSERT_EQ(shipped.size(), 1u);
  ov1::OrderShippedEvent se;
  ASSERT_TRUE(shipped[0].payload().UnpackTo(&se));
  EXPECT_EQ(se.order().order_id(), o.id());
  EXPECT_EQ(se.order().credited_rep_id(), kRepA);
  EXPECT_EQ(se.order().credited_org_unit_id(), kEast);
  EXPECT_EQ(se.order().customer_id(), customer_);
  ASSERT_EQ(se.lines_size(), 2);
  EXPECT_EQ(se.total_amount().minor_units(), 6 * up1 + 2 * up2);
  EXPECT_EQ(se.cost_amount().minor_units(), 6 * 60'00 + 2 * 30'00);
  EXPECT_FALSE(se.order_fully_shipped());
  for (const auto& l : se.lines()) {
    EXPECT_EQ(l.product_line_id(), l.product_id() == p1_ ? 7 : 8);
    EXPECT_EQ(l.net_amount().minor_units(), l.quantity() * l.unit_price().minor_units());
  }

  // The rest of the requisition, then a second requisition for the rest.
  ov1::PostShipmentResponse s2;
  st = Post(s1.shipment_requisition(), {{ReqLine(r1, l2), 2}}, &s2, s1.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(s2.shipment_requisition().status(), ov1::SHIPMENT_REQUISITION_STATUS_SHIPPED);
  EXPECT_EQ(s2.order_status(), ov1::ORDER_STATUS_PARTIALLY_SHIPPED);
  ov1::ShipmentRequisition r2;
  ASSERT_TRUE(Request(kRep, o.id(), {{l1, 4}}, &r2).ok());
  auto a2 = Approve(r2);
  ov1::PostShipmentResponse s3;
  st = Post(a2.shipment_requisition(), {{ReqLine(r2, l1), 4}}, &s3, a2.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(s3.order_status(), ov1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(StockOf(wh_, p1_), (Level{90, 0}));
  EXPECT_EQ(StockOf(wh_, p2_), (Level{46, 0}));
  shipped = EventsAfter(before_shipping, "OrderShippedEvent");
  ASSERT_EQ(shipped.size(), 3u);
  ASSERT_TRUE(shipped[2].payload().UnpackTo(&se));
  EXPECT_TRUE(se.order_fully_shipped());
  EXPECT_EQ(se.order_status(), ov1::ORDER_STATUS_SHIPPED);
  ov1::SalesOrder after = Order(o.id());
  EXPECT_EQ(after.shipped_amount().minor_units(), 10 * up1 + 4 * up2);

  // Signed receipts: the order is DELIVERED once every note is signed.
  EXPECT_EQ(Deliver(s1.shipment()).order_status(), ov1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(Deliver(s2.shipment()).order_status(), ov1::ORDER_STATUS_SHIPPED);
  auto d3 = Deliver(s3.shipment());
  EXPECT_EQ(d3.order_status(), ov1::ORDER_STATUS_DELIVERED);
  EXPECT_EQ(d3.shipment().status(), ov1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(d3.shipment().delivery().signed_by(), "王经理");
  auto delivered = EventsAfter(before_shipping, "OrderDeliveredEvent");
  ASSERT_EQ(delivered.size(), 3u);
  ov1::OrderDeliveredEvent de;
  ASSERT_TRUE(delivered[2].payload().UnpackTo(&de));
  EXPECT_TRUE(de.order_fully_delivered());

  // A return: 2 intact and 1 damaged of P1 → verification → approval →
  // receipt into the regular warehouse and quarantine.
  ov1::CreateReturnRequest cr;
  cr.set_request_id(Rid());
  auto* rr = cr.mutable_return_request();
  rr->set_order_id(o.id());
  rr->set_reason("客户库存积压，部分破损");
  auto* rl1 = rr->add_lines();
  rl1->set_order_line_id(l1);
  rl1->set_requested_quantity(2);
  rl1->set_claimed_condition(ov1::ITEM_CONDITION_INTACT);
  auto* rl2 = rr->add_lines();
  rl2->set_order_line_id(l1);
  rl2->set_requested_quantity(1);
  rl2->set_claimed_condition(ov1::ITEM_CONDITION_DAMAGED);
  ov1::CreateReturnResponse crr;
  st = ord_->CreateReturn(As(kRep).get(), cr, &crr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const ov1::ReturnRequest& ret = crr.return_request();
  EXPECT_EQ(ret.status(), ov1::RETURN_STATUS_REQUESTED);
  EXPECT_EQ(ret.total_amount().minor_units(), 3 * up1);
  ov1::VerifyReturnRequest vr;
  vr.set_request_id(Rid());
  vr.set_return_request_id(ret.id());
  vr.set_etag(ret.etag());
  vr.set_notes("品名、规格、数量、真伪已核对");
  for (const auto& l : ret.lines()) {
    auto* v = vr.add_lines();
    v->set_return_line_id(l.id());
    v->set_verified_quantity(l.requested_quantity());
    v->set_verified_condition(l.claimed_condition());
  }
  ov1::VerifyReturnResponse vrr;
  st = ord_->VerifyReturn(As(kClerk).get(), vr, &vrr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(vrr.return_request().status(), ov1::RETURN_STATUS_VERIFIED);
  ov1::ApproveReturnRequest ar;
  ar.set_request_id(Rid());
  ar.set_return_request_id(ret.id());
  ar.set_etag(vrr.return_request().etag());
  ov1::ApproveReturnResponse arr;
  // Not the other region's manager.
  EXPECT_EQ(ord_->ApproveReturn(As(kManagerNorth).get(), ar, &arr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ar.set_request_id(Rid());
  st = ord_->ApproveReturn(As(kManager).get(), ar, &arr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(arr.return_request().status(), ov1::RETURN_STATUS_APPROVED);
  EXPECT_EQ(StockOf(wh_, p1_), (Level{90, 0})) << "nothing moves before receipt";
  ov1::ReceiveReturnRequest rcv;
  rcv.set_request_id(Rid());
  rcv.set_return_request_id(ret.id());
  rcv.set_etag(arr.return_request().etag());
  ov1::ReceiveReturnResponse rcvr;
  st = ord_->ReceiveReturn(As(kKeeper).get(), rcv, &rcvr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rcvr.return_request().status(), ov1::RETURN_STATUS_RECEIVED);
  ASSERT_EQ(rcvr.return_shipments_size(), 2) << "one return receipt per warehouse";
  for (const auto& s : rcvr.return_shipments()) {
    EXPECT_EQ(s.kind(), ov1::SHIPMENT_KIND_RETURN);
    EXPECT_LT(s.total_amount().minor_units(), 0);
  }
  EXPECT_EQ(StockOf(wh_, p1_), (Level{92, 0}));
  EXPECT_EQ(StockOf(quarantine_, p1_), (Level{1, 0}));
  auto returned = EventsAfter(before_shipping, "OrderReturnedEvent");
  ASSERT_EQ(returned.size(), 2u);
  int64_t returned_total = 0;
  for (const auto& e : returned) {
    ov1::OrderReturnedEvent re;
    ASSERT_TRUE(e.payload().UnpackTo(&re));
    EXPECT_EQ(re.return_request_id(), ret.id());
    EXPECT_EQ(re.order().credited_rep_id(), kRepA);
    for (const auto& l : re.lines()) {
      EXPECT_LT(l.quantity(), 0);
      EXPECT_EQ(l.product_line_id(), 7);
    }
    returned_total += re.total_amount().minor_units();
  }
  EXPECT_EQ(returned_total, -3 * up1);
  after = Order(o.id());
  EXPECT_EQ(after.shipped_amount().minor_units(), 7 * up1 + 4 * up2);
  EXPECT_EQ(LineOf(after, p1_), l1);
  for (const auto& l : after.lines()) {
    if (l.id() == l1) {
      EXPECT_EQ(l.shipped_quantity(), 10);
      EXPECT_EQ(l.returned_quantity(), 3);
      EXPECT_EQ(l.delivered_quantity(), 10);
    }
  }

  // Reports: the rep's month nets shipments less the return.
  ov1::GetSalesByRepReportRequest rep;
  rep.set_period_kind(common::v1::PERIOD_KIND_MONTH);
  *rep.mutable_date_range()->mutable_start() = D(2026, 11, 1);
  *rep.mutable_date_range()->mutable_end() = D(2026, 11, 30);
  ov1::GetSalesByRepReportResponse repr;
  st = ord_->GetSalesByRepReport(As(kManager).get(), rep, &repr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(repr.rows_size(), 1);
  EXPECT_EQ(repr.rows(0).rep_id(), kRepA);
  EXPECT_EQ(repr.rows(0).shipped_amount().minor_units(), 10 * up1 + 4 * up2);
  EXPECT_EQ(repr.rows(0).returned_amount().minor_units(), 3 * up1);
  EXPECT_EQ(repr.rows(0).net_sales_amount().minor_units(), 7 * up1 + 4 * up2);
  EXPECT_EQ(repr.rows(0).net_quantity(), 11);
  EXPECT_EQ(repr.rows(0).booked_amount().minor_units(), 10 * up1 + 4 * up2);
  EXPECT_EQ(repr.rows(0).order_count(), 1);
  ov1::GetDistributorPurchasesReportRequest dist;
  dist.set_period_kind(common::v1::PERIOD_KIND_WEEK);
  *dist.mutable_date_range() = rep.date_range();
  ov1::GetDistributorPurchasesReportResponse distr;
  ASSERT_TRUE(ord_->GetDistributorPurchasesReport(As(kManager).get(), dist, &distr).ok());
  ASSERT_EQ(distr.rows_size(), 1);
  EXPECT_EQ(distr.rows(0).customer_id(), customer_);
  EXPECT_EQ(distr.rows(0).net_sales_amount().minor_units(), 7 * up1 + 4 * up2);
  // By region (the company's offices) and by product line, for the director.
  ov1::GetSalesByRegionReportRequest region;
  region.set_period_kind(common::v1::PERIOD_KIND_MONTH);
  *region.mutable_date_range() = rep.date_range();
  ov1::GetSalesByRegionReportResponse regionr;
  ASSERT_TRUE(ord_->GetSalesByRegionReport(As(kDirector).get(), region, &regionr).ok());
  ASSERT_EQ(regionr.rows_size(), 1);
  EXPECT_EQ(regionr.rows(0).org_unit_id(), kEast);
  EXPECT_EQ(regionr.rows(0).net_sales_amount().minor_units(), 7 * up1 + 4 * up2);
  ov1::GetSalesByProductLineReportRequest byline;
  byline.set_period_kind(common::v1::PERIOD_KIND_MONTH);
  *byline.mutable_date_range() = rep.date_range();
  ov1::GetSalesByProductLineReportResponse byliner;
  ASSERT_TRUE(ord_->GetSalesByProductLineReport(As(kDirector).get(), byline, &byliner).ok());
  ASSERT_EQ(byliner.rows_size(), 2);
  EXPECT_EQ(byliner.rows(0).product_line_id(), 7);
  EXPECT_EQ(byliner.rows(0).net_sales_amount().minor_units(), 7 * up1);
  EXPECT_EQ(byliner.rows(0).gross_profit().minor_units(), 7 * (up1 - 60'00));
  EXPECT_EQ(byliner.rows(1).product_line_id(), 8);
  EXPECT_EQ(byliner.period_totals(0).net_sales_amount().minor_units(), 7 * up1 + 4 * up2);
  // Another region's manager sees nothing of it; a rep may not ask for a unit.
  ASSERT_TRUE(ord_->GetSalesByRepReport(As(kManagerNorth).get(), rep, &repr).ok());
  EXPECT_EQ(repr.rows_size(), 0);
  rep.set_org_unit_id(kEast);
  EXPECT_EQ(ord_->GetSalesByRepReport(As(kRepOfNorth).get(), rep, &repr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(OrdersFlow, BadInputIsRefusedPreciselyAndNothingIsWritten) {
  ov1::SalesOrder o = ConfirmedOrder(10, 4);
  ASSERT_EQ(o.status(), ov1::ORDER_STATUS_CONFIRMED);
  const int64_t l1 = LineOf(o, p1_), l2 = LineOf(o, p2_);

  // Asking for more than reserved, for a line of no order, for nothing.
  ov1::ShipmentRequisition r;
  grpc::Status st = Request(kRep, o.id(), {{l1, 11}}, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "EXCEEDS_RESERVED");
  st = Request(kRep, o.id(), {{l1, 0}, {999999, 1}}, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto fv = FieldViolationsOf(FromGrpcStatus(st));
  ASSERT_EQ(fv.size(), 1u);
  EXPECT_EQ(fv[0].field, "shipment_requisition.lines[0].quantity");
  st = Request(kRep, o.id(), {{999999, 1}}, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(st)).at(0).field, "shipment_requisition.lines[0].order_line_id");
  // Another region's rep may not ship this order.
  EXPECT_EQ(Request(kRepOfNorth, o.id(), {{l1, 1}}, &r).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(Request(kRep, o.id(), {{l1, 5}, {l2, 4}}, &r).ok());
  // Posting before approval.
  st = Post(r, {{ReqLine(r, l1), 1}}, nullptr, r.etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REQUISITION_NOT_APPROVED");
  // The rep may not approve; the manager approves with the etag read.
  ov1::ApproveShipmentRequisitionRequest ap;
  ap.set_request_id(Rid());
  ap.set_shipment_requisition_id(r.id());
  ap.set_etag(r.etag());
  ov1::ApproveShipmentRequisitionResponse apr;
  EXPECT_EQ(ord_->ApproveShipmentRequisition(As(kRep).get(), ap, &apr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ord_->ApproveShipmentRequisition(As(kManagerNorth).get(), ap, &apr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto a = Approve(r);
  const auto& ar = a.shipment_requisition();

  // More than requested on one line, with a valid second line: nothing posts.
  st = Post(ar, {{ReqLine(r, l2), 4}, {ReqLine(r, l1), 6}}, nullptr, ar.etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "EXCEEDS_REQUESTED");
  // A stale etag.
  st = Post(ar, {{ReqLine(r, l1), 1}}, nullptr, r.etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  // A line of another requisition, a wrong warehouse, a zero quantity.
  st = Post(ar, {{123456, 1}, {ReqLine(r, l1), 0}}, nullptr, ar.etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(st)).at(0).field, "lines[1].quantity");
  st = Post(ar, {{123456, 1}}, nullptr, ar.etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(st)).at(0).field, "lines[0].shipment_requisition_line_id");
  // Only the warehouse posts.
  ov1::PostShipmentRequest as_rep;
  as_rep.set_request_id(Rid());
  as_rep.set_shipment_requisition_id(r.id());
  as_rep.set_warehouse_id(wh_);
  auto* pl = as_rep.add_lines();
  pl->set_shipment_requisition_line_id(ReqLine(r, l1));
  pl->set_quantity(1);
  ov1::PostShipmentResponse ignored;
  EXPECT_EQ(ord_->PostShipment(As(kRep).get(), as_rep, &ignored).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(StockOf(wh_, p1_), (Level{100, 10})) << "nothing shipped";
  ov1::ListShipmentsRequest ls;
  ls.set_order_id(o.id());
  ov1::ListShipmentsResponse lsr;
  ASSERT_TRUE(ord_->ListShipments(As(kAdmin).get(), ls, &lsr).ok());
  EXPECT_EQ(lsr.shipments_size(), 0);
  EXPECT_EQ(Order(o.id()).status(), ov1::ORDER_STATUS_CONFIRMED);

  // Ship 5; a return of 6 is more than shipped.
  ov1::PostShipmentResponse s;
  ASSERT_TRUE(Post(ar, {{ReqLine(r, l1), 5}}, &s, ar.etag()).ok());
  ov1::CreateReturnRequest cr;
  cr.set_request_id(Rid());
  cr.mutable_return_request()->set_order_id(o.id());
  cr.mutable_return_request()->set_reason("质量问题");
  auto* rl = cr.mutable_return_request()->add_lines();
  rl->set_order_line_id(l1);
  rl->set_requested_quantity(6);
  rl->set_claimed_condition(ov1::ITEM_CONDITION_DEFECTIVE);
  ov1::CreateReturnResponse crr;
  st = ord_->CreateReturn(As(kRep).get(), cr, &crr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "EXCEEDS_SHIPPED");
  // Nothing of P2 has shipped.
  cr.set_request_id(Rid());
  rl->set_order_line_id(l2);
  rl->set_requested_quantity(1);
  EXPECT_EQ(ord_->CreateReturn(As(kRep).get(), cr, &crr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Missing condition and reason.
  cr.set_request_id(Rid());
  cr.mutable_return_request()->clear_reason();
  rl->set_claimed_condition(ov1::ITEM_CONDITION_UNSPECIFIED);
  st = ord_->CreateReturn(As(kRep).get(), cr, &crr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(st)).size(), 2u);
  // 3 pending, then 3 more is too many (5 shipped).
  cr.set_request_id(Rid());
  cr.mutable_return_request()->set_reason("质量问题");
  rl->set_order_line_id(l1);
  rl->set_requested_quantity(3);
  rl->set_claimed_condition(ov1::ITEM_CONDITION_DEFECTIVE);
  ASSERT_TRUE(ord_->CreateReturn(As(kRep).get(), cr, &crr).ok());
  cr.set_request_id(Rid());
  st = ord_->CreateReturn(As(kRep).get(), cr, &crr);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "EXCEEDS_SHIPPED");
  ov1::ListReturnsRequest lr;
  lr.set_order_id(o.id());
  ov1::ListReturnsResponse lrr;
  ASSERT_TRUE(ord_->ListReturns(As(kRep).get(), lr, &lrr).ok());
  EXPECT_EQ(lrr.return_requests_size(), 1);
  EXPECT_EQ(StockOf(wh_, p1_), (Level{95, 5}));
}

TEST_F(OrdersFlow, ShippingMoreThanReservedIsRefusedUnderConcurrency) {
  ov1::SalesOrder o = ConfirmedOrder(10, 0);
  ASSERT_EQ(o.status(), ov1::ORDER_STATUS_CONFIRMED);
  const int64_t l1 = LineOf(o, p1_);
  // Eight clerks ask for all 10 reserved at once: exactly one gets them.
  constexpr int kRacers = 8;
  std::atomic<int> ok{0}, exceeded{0};
  std::vector<std::thread> threads;
  std::vector<ov1::ShipmentRequisition> won(kRacers);
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      grpc::Status st = Request(kClerk, o.id(), {{l1, 10}}, &won[i], absl::StrCat("race-req-", i));
      if (st.ok()) {
        ++ok;
      } else if (ErrorReason(FromGrpcStatus(st)) == "EXCEEDS_RESERVED") {
        ++exceeded;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exceeded.load(), kRacers - 1);
  ov1::ShipmentRequisition r;
  for (const auto& w : won) {
    if (w.id() != 0) r = w;
  }
  auto a = Approve(r);
  // Eight keepers post the whole requisition at once (no etag, distinct
  // request ids): exactly one outbound note, stock leaves once.
  threads.clear();
  std::atomic<int> posted{0}, winner{-1};
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      grpc::Status st =
          Post(a.shipment_requisition(), {{ReqLine(r, l1), 10}}, nullptr, "", absl::StrCat("race-post-", i));
      if (st.ok()) {
        ++posted;
        winner = i;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(posted.load(), 1);
  EXPECT_EQ(StockOf(wh_, p1_), (Level{90, 0}));
  ov1::ListShipmentsRequest ls;
  ls.set_order_id(o.id());
  ov1::ListShipmentsResponse lsr;
  ASSERT_TRUE(ord_->ListShipments(As(kAdmin).get(), ls, &lsr).ok());
  ASSERT_EQ(lsr.shipments_size(), 1);
  EXPECT_EQ(lsr.shipments(0).lines(0).quantity(), 10);
  EXPECT_EQ(Order(o.id()).status(), ov1::ORDER_STATUS_SHIPPED);
  // A retry of the winning request id answers the same note, posting nothing.
  ov1::PostShipmentResponse again;
  ASSERT_TRUE(
      Post(a.shipment_requisition(), {{ReqLine(r, l1), 10}}, &again, "", absl::StrCat("race-post-", winner.load()))
          .ok());
  EXPECT_EQ(again.shipment().id(), lsr.shipments(0).id());
  EXPECT_EQ(StockOf(wh_, p1_), (Level{90, 0}));
}

TEST_F(OrdersFlow, PickUpCertificatePrintsOnceThenOnlyApprovedDuplicates) {
  ov1::SalesOrder o = ConfirmedOrder(2, 0);
  ASSERT_EQ(o.status(), ov1::ORDER_STATUS_CONFIRMED);
  ov1::ShipmentRequisition r;
  ASSERT_TRUE(Request(kRep, o.id(), {{LineOf(o, p1_), 2}}, &r).ok());
  auto a = Approve(r);
  const int64_t doc = a.pickup_certificate().id();
  ov1::PrintDocumentRequest pr;
  pr.set_request_id(Rid());
  pr.set_document_id(doc);
  ov1::PrintDocumentResponse out;
  ASSERT_TRUE(ord_->PrintDocument(As(kClerk).get(), pr, &out).ok());
  EXPECT_FALSE(out.output().duplicate());
  EXPECT_EQ(out.output().copy_number(), 1);
  EXPECT_THAT(out.output().content(), ::testing::HasSubstr("提货证明单"));
  // A retry of the same request is the same print, not a second one.
  ASSERT_TRUE(ord_->PrintDocument(As(kClerk).get(), pr, &out).ok());
  EXPECT_EQ(out.document().print_count(), 1);
  pr.set_request_id(Rid());
  grpc::Status st = ord_->PrintDocument(As(kClerk).get(), pr, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "ALREADY_PRINTED");

  ov1::RequestReprintRequest rq;
  rq.set_request_id(Rid());
  rq.set_document_id(doc);
  rq.set_reason("客户遗失");
  ov1::RequestReprintResponse rqr;
  ASSERT_TRUE(ord_->RequestReprint(As(kClerk).get(), rq, &rqr).ok());
  EXPECT_EQ(rqr.reprint_request().status(), ov1::REPRINT_REQUEST_STATUS_PENDING_APPROVAL);
  rq.set_request_id(Rid());
  EXPECT_EQ(ord_->RequestReprint(As(kClerk).get(), rq, &rqr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Not yet approved: still refused.
  pr.set_request_id(Rid());
  pr.set_reprint_request_id(rqr.reprint_request().id());
  st = ord_->PrintDocument(As(kClerk).get(), pr, &out);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REPRINT_NOT_APPROVED");
  ov1::ApproveReprintRequest apr;
  apr.set_request_id(Rid());
  apr.set_reprint_request_id(rqr.reprint_request().id());
  apr.set_etag(rqr.reprint_request().etag());
  ov1::ApproveReprintResponse aprr;
  ASSERT_TRUE(ord_->ApproveReprint(As(kManager).get(), apr, &aprr).ok());
  pr.set_request_id(Rid());
  ASSERT_TRUE(ord_->PrintDocument(As(kClerk).get(), pr, &out).ok());
  EXPECT_TRUE(out.output().duplicate());
  EXPECT_EQ(out.output().copy_number(), 2);
  EXPECT_THAT(out.output().content(), ::testing::HasSubstr("DUPLICATE"));
  EXPECT_EQ(out.document().print_count(), 2);
  // The approval is used up.
  pr.set_request_id(Rid());
  st = ord_->PrintDocument(As(kClerk).get(), pr, &out);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REPRINT_NOT_APPROVED");
  ov1::ListDocumentsRequest ld;
  ld.set_order_id(o.id());
  ov1::ListDocumentsResponse ldr;
  ASSERT_TRUE(ord_->ListDocuments(As(kClerk).get(), ld, &ldr).ok());
  ASSERT_EQ(ldr.documents_size(), 1);
  EXPECT_EQ(ldr.documents(0).print_count(), 2);
  EXPECT_EQ(ldr.documents(0).reprints_available(), 0);
}

TEST_F(OrdersFlow, UnshippedOrdersAreLateAfterOneWorkingDaySkippingTheWeekend) {
  // Confirmed Friday 2026-11-27: due Monday the 30th.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 11, 27, 10, 0, 0), CompanyTimeZone()));
  ov1::SalesOrder o = ConfirmedOrder(1, 0);
  ASSERT_EQ(o.status(), ov1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(ToCivilDay(o.ship_due_date()), absl::CivilDay(2026, 11, 30));
  auto late_on = [&](common::v1::Date as_of) {
    ov1::GetLateShipmentsReportRequest req;
    *req.mutable_as_of() = as_of;
    ov1::GetLateShipmentsReportResponse resp;
    grpc::Status st = ord_->GetLateShipmentsReport(As(kManager).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  };
  EXPECT_EQ(late_on(D(2026, 11, 29)).rows_size(), 0) << "Sunday: not yet due";
  EXPECT_EQ(late_on(D(2026, 11, 30)).rows_size(), 0) << "due day";
  auto tue = late_on(D(2026, 12, 1));
  ASSERT_EQ(tue.rows_size(), 1);
  EXPECT_EQ(tue.rows(0).working_days_late(), 1);
  EXPECT_EQ(tue.rows(0).unshipped_amount().minor_units(), 92'00);
  EXPECT_EQ(late_on(D(2026, 12, 7)).rows(0).working_days_late(), 5);
  ov1::GetLateShipmentsReportRequest bad;
  ov1::GetLateShipmentsReportResponse ignored;
  grpc::Status st = ord_->GetLateShipmentsReport(As(kManager).get(), bad, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(st)).at(0).field, "as_of");
  ov1::GetOpenOrdersReportRequest open;
  *open.mutable_as_of() = D(2026, 12, 1);
  ov1::GetOpenOrdersReportResponse openr;
  ASSERT_TRUE(ord_->GetOpenOrdersReport(As(kRep).get(), open, &openr).ok());
  ASSERT_EQ(openr.rows_size(), 1);
  EXPECT_TRUE(openr.rows(0).late());
  EXPECT_EQ(openr.rows(0).age_days(), 8);
  EXPECT_EQ(openr.rows(0).unshipped_amount().minor_units(), 92'00);
}

// Every page of a list method, two items a page: `call(req, &resp)` reads a
// page and `take(resp)` keeps its items. Returns the number of pages read.
template <typename Resp, typename Req, typename Call, typename Take>
int ListAllPages(Req req, Call call, Take take) {
  req.set_page_size(2);
  for (int pages = 1; pages <= 20; ++pages) {
    Resp resp;
    grpc::Status st = call(req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (!st.ok()) return pages;
    take(resp);
    if (resp.next_page_token().empty()) return pages;
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << "more than 20 pages";
  return 0;
}

template <typename M>
::testing::AssertionResult SameAs(const M& listed, const M& expected) {
  if (google::protobuf::util::MessageDifferencer::Equals(listed, expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "listed: " << listed.DebugString()
                                       << "\nexpected: " << expected.DebugString();
}

template <typename M>
std::vector<int64_t> IdsOf(const std::vector<M>& items) {
  std::vector<int64_t> out;
  for (const auto& m : items) out.push_back(m.id());
  return out;
}

// The fulfilment list pages read their rows' lines and approval steps for a
// whole page at once, and a caller's scope from one read of the page's orders
// (issue 15: not one load per row). Every listed requisition, shipment and
// return must still be exactly what its Get answers (and what was created,
// where nothing changed since), in the list's order, each once across pages;
// each caller still sees exactly the rows of their scope.
TEST_F(OrdersFlow, ListedRequisitionsShipmentsAndReturnsAreEachAsTheirGetReadsThem) {
  ov1::SalesOrder o1 = ConfirmedOrder(10, 4);
  ov1::SalesOrder o2 = ConfirmedOrder(6, 2);
  ASSERT_EQ(o1.status(), ov1::ORDER_STATUS_CONFIRMED);
  ASSERT_EQ(o2.status(), ov1::ORDER_STATUS_CONFIRMED);
  const int64_t a1 = LineOf(o1, p1_), a2 = LineOf(o1, p2_), b1 = LineOf(o2, p1_), b2 = LineOf(o2, p2_);

  // Requisitions: two approved and shipped from, two left pending.
  ov1::ShipmentRequisition r1, r2, r3, r4;
  ASSERT_TRUE(Request(kRep, o1.id(), {{a1, 3}, {a2, 2}}, &r1).ok());
  ASSERT_TRUE(Request(kRep, o1.id(), {{a1, 2}}, &r2).ok());
  ASSERT_TRUE(Request(kRep, o2.id(), {{b1, 6}, {b2, 2}}, &r3).ok());
  ASSERT_TRUE(Request(kRep, o1.id(), {{a1, 1}, {a2, 1}}, &r4).ok());
  auto ap1 = Approve(r1);
  auto ap3 = Approve(r3);

  // Outbound notes: two from the first requisition (one signed for), one
  // from the third.
  ov1::PostShipmentResponse s1, s2, s3;
  grpc::Status st = Post(ap1.shipment_requisition(), {{ReqLine(r1, a1), 3}}, &s1, ap1.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = Post(s1.shipment_requisition(), {{ReqLine(r1, a2), 2}}, &s2, s1.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = Post(ap3.shipment_requisition(), {{ReqLine(r3, b1), 6}, {ReqLine(r3, b2), 2}}, &s3,
            ap3.shipment_requisition().etag());
  ASSERT_TRUE(st.ok()) << st.error_message();
  Deliver(s1.shipment());

  // Returns: one requested, one verified (its approval pending), one
  // approved and received into stock (a return receipt).
  auto create_return = [&](int64_t order, const std::string& reason,
                           std::vector<std::tuple<int64_t, int64_t, ov1::ItemCondition>> lines) {
    ov1::CreateReturnRequest cr;
    cr.set_request_id(Rid());
    cr.mutable_return_request()->set_order_id(order);
    cr.mutable_return_request()->set_reason(reason);
    for (auto [line, qty, condition] : lines) {
      auto* l = cr.mutable_return_request()->add_lines();
      l->set_order_line_id(line);
      l->set_requested_quantity(qty);
      l->set_claimed_condition(condition);
    }
    ov1::CreateReturnResponse resp;
    grpc::Status created = ord_->CreateReturn(As(kRep).get(), cr, &resp);
    EXPECT_TRUE(created.ok()) << created.error_message();
    return resp.return_request();
  };
  auto verify = [&](const ov1::ReturnRequest& ret) {
    ov1::VerifyReturnRequest vr;
    vr.set_request_id(Rid());
    vr.set_return_request_id(ret.id());
    vr.set_etag(ret.etag());
    vr.set_notes("外包装受潮，数量已清点");
    for (const auto& l : ret.lines()) {
      auto* v = vr.add_lines();
      v->set_return_line_id(l.id());
      v->set_verified_quantity(l.requested_quantity());
      v->set_verified_condition(l.claimed_condition());
    }
    ov1::VerifyReturnResponse resp;
    grpc::Status verified = ord_->VerifyReturn(As(kClerk).get(), vr, &resp);
    EXPECT_TRUE(verified.ok()) << verified.error_message();
    return resp.return_request();
  };
  ov1::ReturnRequest ret1 = create_return(o1.id(), "包装破损，客户拒收", {{a1, 1, ov1::ITEM_CONDITION_INTACT}});
  ov1::ReturnRequest ret2 = verify(create_return(
      o2.id(), "临期产品退回", {{b1, 2, ov1::ITEM_CONDITION_INTACT}, {b2, 1, ov1::ITEM_CONDITION_DAMAGED}}));
  ov1::ReturnRequest ret3 = verify(create_return(o2.id(), "客户多订", {{b1, 1, ov1::ITEM_CONDITION_INTACT}}));
  ASSERT_EQ(ret2.status(), ov1::RETURN_STATUS_VERIFIED);
  ov1::ApproveReturnRequest ar;
  ar.set_request_id(Rid());
  ar.set_return_request_id(ret3.id());
  ar.set_etag(ret3.etag());
  ar.set_reason("同意退货");
  ov1::ApproveReturnResponse arr;
  st = ord_->ApproveReturn(As(kManager).get(), ar, &arr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ov1::ReceiveReturnRequest rcv;
  rcv.set_request_id(Rid());
  rcv.set_return_request_id(ret3.id());
  rcv.set_etag(arr.return_request().etag());
  ov1::ReceiveReturnResponse rcvr;
  st = ord_->ReceiveReturn(As(kKeeper).get(), rcv, &rcvr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rcvr.return_shipments_size(), 1);

  // Requisitions, oldest first.
  auto list_requisitions = [&](const Principal& who, int* page_count) {
    std::vector<ov1::ShipmentRequisition> out;
    *page_count = ListAllPages<ov1::ListShipmentRequisitionsResponse>(
        ov1::ListShipmentRequisitionsRequest(),
        [&](const auto& req, auto* resp) { return ord_->ListShipmentRequisitions(As(who).get(), req, resp); },
        [&](const auto& resp) {
          EXPECT_LE(resp.shipment_requisitions_size(), 2);
          out.insert(out.end(), resp.shipment_requisitions().begin(), resp.shipment_requisitions().end());
        });
    return out;
  };
  int pages = 0;
  auto requisitions = list_requisitions(kAdmin, &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(IdsOf(requisitions), (std::vector<int64_t>{r1.id(), r2.id(), r3.id(), r4.id()}));
  for (const auto& r : requisitions) {
    ov1::GetShipmentRequisitionRequest g;
    g.set_shipment_requisition_id(r.id());
    ov1::GetShipmentRequisitionResponse gr;
    ASSERT_TRUE(ord_->GetShipmentRequisition(As(kAdmin).get(), g, &gr).ok());
    EXPECT_TRUE(SameAs(r, gr.shipment_requisition()));
  }
  ASSERT_EQ(requisitions.size(), 4u);
  EXPECT_TRUE(SameAs(requisitions[1], r2)) << "untouched since requested";
  EXPECT_TRUE(SameAs(requisitions[3], r4)) << "untouched since requested";
  EXPECT_EQ(requisitions[0].status(), ov1::SHIPMENT_REQUISITION_STATUS_SHIPPED);
  EXPECT_EQ(requisitions[0].approval().status(), ov1::APPROVAL_STEP_STATUS_APPROVED);
  ASSERT_EQ(requisitions[0].lines_size(), 2);
  EXPECT_EQ(requisitions[0].lines(0).shipped_quantity(), 3);
  EXPECT_EQ(requisitions[0].lines(1).shipped_quantity(), 2);
  EXPECT_EQ(requisitions[1].approval().status(), ov1::APPROVAL_STEP_STATUS_PENDING);
  EXPECT_EQ(requisitions[2].lines_size(), 2);
  EXPECT_EQ(requisitions[2].carrier(), "德邦物流");
  // The same rows for the rep and the manager of the order, none elsewhere.
  for (const Principal& who : {kRep, kManager}) {
    auto seen = list_requisitions(who, &pages);
    ASSERT_EQ(seen.size(), requisitions.size()) << who.user_id;
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(SameAs(seen[i], requisitions[i])) << who.user_id;
  }
  EXPECT_TRUE(list_requisitions(kRepOfNorth, &pages).empty());
  EXPECT_TRUE(list_requisitions(kManagerNorth, &pages).empty());

  // Shipments, newest first: the return receipt, then the outbound notes.
  auto list_shipments = [&](const Principal& who, int* page_count) {
    std::vector<ov1::Shipment> out;
    *page_count = ListAllPages<ov1::ListShipmentsResponse>(
        ov1::ListShipmentsRequest(),
        [&](const auto& req, auto* resp) { return ord_->ListShipments(As(who).get(), req, resp); },
        [&](const auto& resp) {
          EXPECT_LE(resp.shipments_size(), 2);
          out.insert(out.end(), resp.shipments().begin(), resp.shipments().end());
        });
    return out;
  };
  auto shipments = list_shipments(kAdmin, &pages);
  EXPECT_EQ(pages, 2);
  const int64_t receipt = rcvr.return_shipments(0).id();
  EXPECT_EQ(IdsOf(shipments),
            (std::vector<int64_t>{receipt, s3.shipment().id(), s2.shipment().id(), s1.shipment().id()}));
  for (const auto& s : shipments) {
    ov1::GetShipmentRequest g;
    g.set_shipment_id(s.id());
    ov1::GetShipmentResponse gr;
    ASSERT_TRUE(ord_->GetShipment(As(kAdmin).get(), g, &gr).ok());
    EXPECT_TRUE(SameAs(s, gr.shipment()));
  }
  ASSERT_EQ(shipments.size(), 4u);
  EXPECT_EQ(shipments[0].kind(), ov1::SHIPMENT_KIND_RETURN);
  ASSERT_EQ(shipments[0].lines_size(), 1);
  EXPECT_EQ(shipments[0].lines(0).quantity(), -1);
  for (int i = 1; i <= 3; ++i) {
    const ov1::Shipment& posted = (i == 1 ? s3 : i == 2 ? s2 : s1).shipment();
    ASSERT_EQ(shipments[i].lines_size(), posted.lines_size());
    for (int j = 0; j < posted.lines_size(); ++j) {
      EXPECT_EQ(shipments[i].lines(j).id(), posted.lines(j).id());
      EXPECT_EQ(shipments[i].lines(j).quantity(), posted.lines(j).quantity());
      EXPECT_EQ(shipments[i].lines(j).net_amount().minor_units(), posted.lines(j).net_amount().minor_units());
    }
  }
  EXPECT_EQ(shipments[3].delivery().signed_by(), "王经理");
  for (const Principal& who : {kRep, kManager}) {
    auto seen = list_shipments(who, &pages);
    ASSERT_EQ(seen.size(), shipments.size()) << who.user_id;
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(SameAs(seen[i], shipments[i])) << who.user_id;
  }
  EXPECT_TRUE(list_shipments(kRepOfNorth, &pages).empty());
  EXPECT_TRUE(list_shipments(kManagerNorth, &pages).empty());

  // Returns, newest first.
  auto list_returns = [&](const Principal& who, int* page_count) {
    std::vector<ov1::ReturnRequest> out;
    *page_count = ListAllPages<ov1::ListReturnsResponse>(
        ov1::ListReturnsRequest(),
        [&](const auto& req, auto* resp) { return ord_->ListReturns(As(who).get(), req, resp); },
        [&](const auto& resp) {
          EXPECT_LE(resp.return_requests_size(), 2);
          out.insert(out.end(), resp.return_requests().begin(), resp.return_requests().end());
        });
    return out;
  };
  auto returns = list_returns(kAdmin, &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(IdsOf(returns), (std::vector<int64_t>{ret3.id(), ret2.id(), ret1.id()}));
  for (const auto& r : returns) {
    ov1::GetReturnRequest g;
    g.set_return_request_id(r.id());
    ov1::GetReturnResponse gr;
    ASSERT_TRUE(ord_->GetReturn(As(kAdmin).get(), g, &gr).ok());
    EXPECT_TRUE(SameAs(r, gr.return_request()));
  }
  ASSERT_EQ(returns.size(), 3u);
  EXPECT_TRUE(SameAs(returns[1], ret2)) << "untouched since verified";
  EXPECT_TRUE(SameAs(returns[2], ret1)) << "untouched since requested";
  EXPECT_EQ(returns[0].status(), ov1::RETURN_STATUS_RECEIVED);
  EXPECT_EQ(returns[0].approval().status(), ov1::APPROVAL_STEP_STATUS_APPROVED);
  EXPECT_EQ(returns[1].approval().status(), ov1::APPROVAL_STEP_STATUS_PENDING);
  EXPECT_EQ(returns[1].lines_size(), 2);
  EXPECT_EQ(returns[1].verification_notes(), "外包装受潮，数量已清点");
  EXPECT_FALSE(returns[2].has_approval());
  EXPECT_EQ(returns[2].reason(), "包装破损，客户拒收");
  for (const Principal& who : {kRep, kManager}) {
    auto seen = list_returns(who, &pages);
    ASSERT_EQ(seen.size(), returns.size()) << who.user_id;
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(SameAs(seen[i], returns[i])) << who.user_id;
  }
  EXPECT_TRUE(list_returns(kRepOfNorth, &pages).empty());

  // Documents (pick-up certificates, outbound notes, the return receipt):
  // the rep of the orders sees every one the desk does, the other region's
  // rep none.
  auto list_documents = [&](const Principal& who, int* page_count) {
    std::vector<ov1::ShippingDocument> out;
    *page_count = ListAllPages<ov1::ListDocumentsResponse>(
        ov1::ListDocumentsRequest(),
        [&](const auto& req, auto* resp) { return ord_->ListDocuments(As(who).get(), req, resp); },
        [&](const auto& resp) {
          EXPECT_LE(resp.documents_size(), 2);
          out.insert(out.end(), resp.documents().begin(), resp.documents().end());
        });
    return out;
  };
  auto documents = list_documents(kClerk, &pages);
  EXPECT_GE(documents.size(), 6u) << "two certificates, three notes, one receipt";
  EXPECT_GE(pages, 3);
  auto seen = list_documents(kRep, &pages);
  ASSERT_EQ(seen.size(), documents.size());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(SameAs(seen[i], documents[i]));
  EXPECT_TRUE(list_documents(kRepOfNorth, &pages).empty());
}

}  // namespace
}  // namespace sales
