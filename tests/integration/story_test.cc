// The whole business of domain.md, end to end, through the gateway only:
// real MariaDB, the four services and the gateway on loopback, every caller
// holding a role token signed with a key the gateway knows. The services run
// in this process so that one injected clock can move the company through
// due dates and the collections ladder (the binaries read the system clock);
// everything between them crosses real gRPC and real event feeds.
//
// The story: the director plans the year from history and decomposes it; the
// sales manager issues it; a rep counters, the manager revises, all accept and
// it is signed. The receptionist registers a walk-in and the duty rotation
// assigns it; the rep follows up and quotes beyond their discount limit; the
// manager approves; the order passes the credit check, reserves stock, ships
// in part and is delivered. Finance invoices; a partial payment arrives; time
// passes the due date and the collections sweep walks the ladder to supply
// stop; the next order for that customer — taken by another rep — waits in
// CREDIT_HOLD; the final payment releases the hold and the order confirms.
// Targets progress credits both orders' shipments and the collections to the
// protecting owner, and the month's commission statement shows its lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "orders-svc/api/orders_api.h"
#include "platform/channel.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/integration/gateway_support.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::gateway::testing::Bearer;
using ::sales::gateway::testing::KeyPair;
using ::sales::gateway::testing::MakeKey;
using ::sales::gateway::testing::StartGateway;
using ::sales::gateway::testing::TokenSpec;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace tv1 = ::sales::targets::v1;
namespace cv1 = ::sales::customers::v1;
namespace ov1 = ::sales::orders::v1;
namespace fv1 = ::sales::finance::v1;

constexpr char kSecret[] = "story-secret";
constexpr char kKid[] = "story-key";

common::v1::Date D(absl::CivilDay d) { return FromCivilDay(d); }
int64_t Fen(const common::v1::Money& m) { return m.minor_units(); }

// Polls `done` until it holds (feeds deliver a moment after the change).
bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(20)) {
  absl::Time until = absl::Now() + limit;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

class Story : public ::testing::Test {
 protected:
  void SetUp() override {
    Today(absl::CivilDay(2027, 1, 4));  // a Monday
    key_dir_ = ::testing::TempDir() + "/story-keys-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p " + key_dir_ + "/public").c_str()), 0);
    key_ = MakeKey(key_dir_, kKid, "ES256");
    gateway::testing::WriteAll(key_dir_ + "/public/" + kKid + ".pem", key_.public_pem);
    admin_ = Token("admin", kRoleAdmin);

    int ports[4];
    for (int& p : ports) p = sales::testing::FreeLoopbackPort();
    auto addr = [](int port) { return absl::StrCat("127.0.0.1:", port); };
    const std::string targets = addr(ports[0]), customers = addr(ports[1]), orders = addr(ports[2]),
                      finance = addr(ports[3]);
    auto config = [&](const std::string& listen, std::map<std::string, std::string> peers) {
      peers["listen"] = listen;
      peers["principal_hmac_secret"] = kSecret;
      return peers;
    };
    targets_ = StartService(targets::MakeServiceDefinition(), FreshDatabase("story_targets"), &clock_,
                            config(targets, {{"orders_address", orders}, {"finance_address", finance}}));
    customers_ = StartService(
        customers::MakeServiceDefinition(), FreshDatabase("story_customers"), &clock_,
        config(customers, {{"targets_address", targets}, {"orders_address", orders}, {"finance_address", finance}}));
    orders_ = StartService(
        orders::MakeServiceDefinition(), FreshDatabase("story_orders"), &clock_,
        config(orders, {{"targets_address", targets}, {"customers_address", customers}, {"finance_address", finance}}));
    finance_ = StartService(
        finance::MakeServiceDefinition(), FreshDatabase("story_finance"), &clock_,
        config(finance, {{"targets_address", targets}, {"customers_address", customers}, {"orders_address", orders}}));
    ASSERT_TRUE(targets_ && customers_ && orders_ && finance_);
    // Services started before a peer tried it and failed; the connection
    // they share (gRPC pools subchannels by address and arguments) waits out
    // a reconnect backoff of up to 2 s, during which a call to that peer
    // fails at once. Wait until every peer is connected, as the services
    // see it, before the story starts.
    for (const std::string& address : {targets, customers, orders, finance}) {
      ASSERT_TRUE(CreateBalancedChannel(address, ChannelSettings{})
                      ->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)))
          << address;
    }
    gateway_ = StartGateway({{"targets_address", targets},
                             {"customers_address", customers},
                             {"orders_address", orders},
                             {"finance_address", finance},
                             {"jwt_public_keys_dir", key_dir_ + "/public"},
                             {"principal_hmac_secret", kSecret}});
    ASSERT_NE(gateway_, nullptr);
    auto channel = Loopback(gateway_->port());
    tgt_ = tv1::TargetsService::NewStub(channel);
    cust_ = cv1::CustomersService::NewStub(channel);
    ord_ = ov1::OrdersService::NewStub(channel);
    fin_ = fv1::FinanceService::NewStub(channel);
  }
  void TearDown() override {
    if (gateway_) gateway_->Shutdown();
    for (auto* app : {finance_.get(), orders_.get(), customers_.get(), targets_.get()}) {
      if (app) app->Shutdown();
    }
  }

  void Today(absl::CivilDay day) { clock_.Set(StartOfBusinessDay(day) + absl::Hours(10)); }
  absl::CivilDay Day() const { return BusinessDay(clock_.Now()); }

  // A role token as the company's identity provider would issue it.
  std::string Token(const std::string& user, const char* role, int64_t rep_id = 0, int64_t unit = 0) {
    TokenSpec t;
    t.sub = user;
    t.role = role;
    t.rep_id = rep_id;
    t.org_unit_id = unit;
    t.iss = "test-issuer";
    t.aud = "test-gateway";
    return gateway::testing::Sign(key_, kKid, t);
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& token) { return Bearer(token); }
  std::string Rid() { return absl::StrCat("story-", ++rid_); }

  // ---- targets helpers
  int64_t Unit(const std::string& code, tv1::OrgUnitKind kind, int64_t parent) {
    tv1::CreateOrgUnitRequest req;
    req.set_request_id(Rid());
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(code);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    tv1::CreateOrgUnitResponse resp;
    grpc::Status st = tgt_->CreateOrgUnit(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.org_unit().id();
  }
  int64_t Rep(const std::string& code, int64_t unit) {
    tv1::CreateRepRequest req;
    req.set_request_id(Rid());
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_user_id(absl::AsciiStrToLower(code));
    req.mutable_rep()->set_name(code);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    *req.mutable_rep()->mutable_hire_date() = D(absl::CivilDay(2020, 1, 1));
    tv1::CreateRepResponse resp;
    grpc::Status st = tgt_->CreateRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep().id();
  }
  std::vector<tv1::Assignment> Cells(int64_t plan, const std::string& who) {
    tv1::ListAssignmentsRequest req;
    req.set_plan_id(plan);
    req.set_page_size(1000);
    tv1::ListAssignmentsResponse resp;
    grpc::Status st = tgt_->ListAssignments(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.assignments().begin(), resp.assignments().end()};
  }
  static tv1::Assignment Cell(const std::vector<tv1::Assignment>& cells, tv1::Dimension dim, int64_t id) {
    for (const auto& c : cells) {
      if (c.dimension() == dim && (dim == tv1::DIMENSION_REP ? c.rep_id() : c.org_unit_id()) == id) return c;
    }
    ADD_FAILURE() << "no cell for " << id;
    return {};
  }
  grpc::Status Accept(const tv1::Assignment& a, const std::string& who) {
    tv1::AcceptAssignmentRequest req;
    req.set_request_id(Rid());
    req.set_id(a.id());
    req.set_etag(a.etag());
    tv1::AcceptAssignmentResponse resp;
    return tgt_->AcceptAssignment(As(who).get(), req, &resp);
  }
  tv1::Progress ProgressOf(int64_t rep, tv1::Metric metric, absl::CivilDay month) {
    tv1::GetProgressRequest req;
    req.mutable_node()->set_rep_id(rep);
    req.mutable_period()->set_kind(common::v1::PERIOD_KIND_MONTH);
    *req.mutable_period()->mutable_start() = D(month);
    *req.mutable_as_of() = D(absl::CivilDay(month.year(), month.month(), 28));
    req.set_metric(metric);
    tv1::GetProgressResponse resp;
    grpc::Status st = tgt_->GetProgress(As(director_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.progress();
  }

  // A plan signed without negotiation: issued by the manager, accepted as is.
  int64_t PlainSignedPlan(tv1::Metric metric, int64_t total_fen, int64_t east, int64_t sh, int64_t r1, int64_t r2,
                          const std::string& east_head) {
    tv1::CreatePlanRequest cp;
    cp.set_request_id(Rid());
    cp.mutable_plan()->set_title("2027 回款计划");
    cp.mutable_plan()->set_fiscal_year(2027);
    cp.mutable_plan()->set_metric(metric);
    cp.mutable_plan()->set_org_unit_id(co_);
    *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(total_fen);
    tv1::CreatePlanResponse cpr;
    grpc::Status st = tgt_->CreatePlan(As(director_).get(), cp, &cpr);
    EXPECT_TRUE(st.ok()) << st.error_message();
    tv1::DecomposePlanRequest dp;
    dp.set_request_id(Rid());
    dp.set_plan_id(cpr.plan().id());
    auto* l1 = dp.add_levels();
    l1->set_dimension(tv1::DIMENSION_ORG_UNIT);
    l1->set_method(tv1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    l1->set_down_to_kind(tv1::ORG_UNIT_KIND_OFFICE);
    auto* l2 = dp.add_levels();
    l2->set_dimension(tv1::DIMENSION_REP);
    l2->set_method(tv1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    auto* l3 = dp.add_levels();
    l3->set_dimension(tv1::DIMENSION_MONTH);
    l3->set_method(tv1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    tv1::DecomposePlanResponse dpr;
    st = tgt_->DecomposePlan(As(director_).get(), dp, &dpr);
    EXPECT_TRUE(st.ok()) << st.error_message();
    tv1::IssuePlanRequest ip;
    ip.set_request_id(Rid());
    ip.set_id(cpr.plan().id());
    tv1::IssuePlanResponse ipr;
    st = tgt_->IssuePlan(As(manager_).get(), ip, &ipr);
    EXPECT_TRUE(st.ok()) << st.error_message();
    auto cells = Cells(cpr.plan().id(), director_);
    EXPECT_TRUE(Accept(Cell(cells, tv1::DIMENSION_REP, r1), rep1_).ok());
    EXPECT_TRUE(Accept(Cell(cells, tv1::DIMENSION_REP, r2), rep2_).ok());
    EXPECT_TRUE(Accept(Cell(cells, tv1::DIMENSION_ORG_UNIT, sh), office_head_).ok());
    EXPECT_TRUE(Accept(Cell(cells, tv1::DIMENSION_ORG_UNIT, east), east_head).ok());
    tv1::SignPlanRequest sp;
    sp.set_request_id(Rid());
    sp.set_id(cpr.plan().id());
    tv1::SignPlanResponse spr;
    st = tgt_->SignPlan(As(director_).get(), sp, &spr);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return cpr.plan().id();
  }

  // ---- orders helpers
  ov1::SalesOrder Order(int64_t id) {
    ov1::GetOrderRequest req;
    req.set_order_id(id);
    ov1::GetOrderResponse resp;
    grpc::Status st = ord_->GetOrder(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.order();
  }
  // Requisition by the clerk, approval by the manager, outbound note by the
  // warehouse, signed receipt: the shipment of `qty` of the order's line.
  ov1::Shipment ShipAndDeliver(const ov1::SalesOrder& o, int64_t qty) {
    ov1::RequestShipmentRequest rq;
    rq.set_request_id(Rid());
    rq.mutable_shipment_requisition()->set_order_id(o.id());
    rq.mutable_shipment_requisition()->set_carrier("德邦物流");
    auto* l = rq.mutable_shipment_requisition()->add_lines();
    l->set_order_line_id(o.lines(0).id());
    l->set_quantity(qty);
    ov1::RequestShipmentResponse rqr;
    grpc::Status st = ord_->RequestShipment(As(clerk_).get(), rq, &rqr);
    EXPECT_TRUE(st.ok()) << "RequestShipment: " << st.error_message();
    ov1::ApproveShipmentRequisitionRequest ap;
    ap.set_request_id(Rid());
    ap.set_shipment_requisition_id(rqr.shipment_requisition().id());
    ap.set_etag(rqr.shipment_requisition().etag());
    ov1::ApproveShipmentRequisitionResponse apr;
    st = ord_->ApproveShipmentRequisition(As(manager_).get(), ap, &apr);
    EXPECT_TRUE(st.ok()) << "ApproveShipmentRequisition: " << st.error_message();
    ov1::PostShipmentRequest post;
    post.set_request_id(Rid());
    post.set_shipment_requisition_id(apr.shipment_requisition().id());
    post.set_etag(apr.shipment_requisition().etag());
    post.set_warehouse_id(warehouse_);
    auto* pl = post.add_lines();
    pl->set_shipment_requisition_line_id(apr.shipment_requisition().lines(0).id());
    pl->set_quantity(qty);
    ov1::PostShipmentResponse postr;
    st = ord_->PostShipment(As(keeper_).get(), post, &postr);
    EXPECT_TRUE(st.ok()) << "PostShipment: " << st.error_message();
    ov1::RecordDeliveryRequest dl;
    dl.set_request_id(Rid());
    dl.set_shipment_id(postr.shipment().id());
    dl.set_etag(postr.shipment().etag());
    *dl.mutable_delivery()->mutable_delivery_date() = D(Day());
    dl.mutable_delivery()->set_signed_by("周店长");
    dl.mutable_delivery()->set_document_reference("SIGNED-NOTE");
    ov1::RecordDeliveryResponse dlr;
    st = ord_->RecordDelivery(As(clerk_).get(), dl, &dlr);
    EXPECT_TRUE(st.ok()) << "RecordDelivery: " << st.error_message();
    return dlr.shipment();
  }
  int64_t StockReserved() {
    ov1::ListStockLevelsRequest req;
    req.set_warehouse_id(warehouse_);
    req.set_product_id(product_);
    req.set_include_empty(true);
    ov1::ListStockLevelsResponse resp;
    EXPECT_TRUE(ord_->ListStockLevels(As(keeper_).get(), req, &resp).ok());
    return resp.stock_levels_size() > 0 ? resp.stock_levels(0).reserved() : -1;
  }
  int64_t StockOnHand() {
    ov1::ListStockLevelsRequest req;
    req.set_warehouse_id(warehouse_);
    req.set_product_id(product_);
    req.set_include_empty(true);
    ov1::ListStockLevelsResponse resp;
    EXPECT_TRUE(ord_->ListStockLevels(As(keeper_).get(), req, &resp).ok());
    return resp.stock_levels_size() > 0 ? resp.stock_levels(0).on_hand() : -1;
  }

  // ---- finance helpers
  fv1::CustomerExposure Exposure() {
    fv1::GetCustomerExposureRequest req;
    req.set_customer_id(customer_);
    fv1::GetCustomerExposureResponse resp;
    grpc::Status st = fin_->GetCustomerExposure(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.exposure();
  }
  fv1::RecordPaymentResponse Pay(int64_t fen, const std::string& bank_ref) {
    fv1::RecordPaymentRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_payment();
    p->set_customer_id(customer_);
    *p->mutable_amount() = MakeMoney(fen);
    p->set_method(fv1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(bank_ref);
    *p->mutable_received_on() = D(Day());
    req.set_apply_mode(fv1::APPLY_MODE_OLDEST_DUE_FIRST);
    fv1::RecordPaymentResponse resp;
    grpc::Status st = fin_->RecordPayment(As(finance_clerk_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "RecordPayment: " << st.error_message();
    return resp;
  }
  fv1::CollectionCase CaseOfInvoice(int64_t invoice) {
    fv1::ListCollectionCasesRequest req;
    req.set_customer_id(customer_);
    req.add_stages(fv1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
    for (int s = fv1::COLLECTION_STAGE_CONFIRMED; s <= fv1::COLLECTION_STAGE_CLOSED; ++s) {
      req.add_stages(static_cast<fv1::CollectionStage>(s));
    }
    fv1::ListCollectionCasesResponse resp;
    grpc::Status st = fin_->ListCollectionCases(As(finance_clerk_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (const auto& c : resp.collection_cases()) {
      if (c.invoice_id() == invoice) return c;
    }
    return {};
  }
  fv1::RunCollectionsSweepResponse Sweep() {
    fv1::RunCollectionsSweepRequest req;
    req.set_request_id(Rid());
    *req.mutable_as_of() = D(Day());
    fv1::RunCollectionsSweepResponse resp;
    grpc::Status st = fin_->RunCollectionsSweep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << "RunCollectionsSweep: " << st.error_message();
    return resp;
  }
  bool CustomerOnHold() {
    cv1::GetCreditProfileRequest req;
    req.set_customer_id(customer_);
    cv1::GetCreditProfileResponse resp;
    grpc::Status st = cust_->GetCreditProfile(As(finance_clerk_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.profile().hold().on_hold();
  }

  FakeClock clock_{absl::UnixEpoch()};
  std::string key_dir_;
  KeyPair key_;
  std::unique_ptr<ServiceApp> targets_, customers_, orders_, finance_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<tv1::TargetsService::Stub> tgt_;
  std::unique_ptr<cv1::CustomersService::Stub> cust_;
  std::unique_ptr<ov1::OrdersService::Stub> ord_;
  std::unique_ptr<fv1::FinanceService::Stub> fin_;
  int rid_ = 0;
  // Tokens of the cast (reps' are made once their ids are known).
  std::string admin_, director_, manager_, office_head_, clerk_, keeper_, finance_clerk_, receptionist_, rep1_, rep2_;
  int64_t co_ = 0, product_ = 0, warehouse_ = 0, customer_ = 0;
};

TEST_F(Story, OrderToCashThroughTheGatewayWithTheFiguresAtEveryStep) {
  // ---------------------------------------------------------------- the org
  const int64_t co = co_ = Unit("CO", tv1::ORG_UNIT_KIND_COMPANY, 0);
  const int64_t east = Unit("EAST", tv1::ORG_UNIT_KIND_BRANCH, co);
  const int64_t sh = Unit("EAST-SH", tv1::ORG_UNIT_KIND_OFFICE, east);
  tv1::CreateProductLineRequest pl;
  pl.set_request_id(Rid());
  pl.mutable_product_line()->set_code("PURE-MILK");
  pl.mutable_product_line()->set_name("纯牛奶");
  pl.mutable_product_line()->set_portfolio_role(tv1::PORTFOLIO_ROLE_TRAFFIC);
  pl.mutable_product_line()->set_commissionable(true);
  tv1::CreateProductLineResponse plr;
  ASSERT_TRUE(tgt_->CreateProductLine(As(admin_).get(), pl, &plr).ok());
  const int64_t line = plr.product_line().id();
  const int64_t r1 = Rep("REP1", sh), r2 = Rep("REP2", sh);
  director_ = Token("director", kRoleDirector, 0, co);
  manager_ = Token("sales-manager", kRoleManager, 0, co);    // 销售经理: the company's sales manager
  office_head_ = Token("office-head", kRoleManager, 0, sh);  // 办事处主任
  clerk_ = Token("clerk", kRoleClerk, 0, sh);
  keeper_ = Token("keeper", kRoleWarehouse);
  finance_clerk_ = Token("ar-clerk", kRoleFinance);
  receptionist_ = Token("reception", kRoleReceptionist, 0, sh);
  rep1_ = Token("rep1", kRoleRep, r1, sh);
  rep2_ = Token("rep2", kRoleRep, r2, sh);

  // Three years of history: rep1 sells 3 000 yuan a month, rep2 1 000.
  tv1::ImportActualsRequest imp;
  imp.set_request_id("story-history");
  for (int y : {2024, 2025, 2026}) {
    for (int m = 1; m <= 12; ++m) {
      for (auto [rep, fen] : {std::pair{r1, int64_t{3000'00}}, std::pair{r2, int64_t{1000'00}}}) {
        auto* r = imp.add_rows();
        r->set_row_key(absl::StrCat("h-", rep, "-", y, "-", m));
        r->set_rep_id(rep);
        r->set_org_unit_id(sh);
        r->set_product_line_id(line);
        r->set_fiscal_year(y);
        r->set_fiscal_month(m);
        *r->mutable_sales_amount() = MakeMoney(fen);
      }
    }
  }
  tv1::ImportActualsResponse impr;
  grpc::Status st = tgt_->ImportActuals(As(admin_).get(), imp, &impr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(impr.inserted_count(), 72);

  // ------------------------------------------ the director plans the year
  tv1::CreatePlanRequest cp;
  cp.set_request_id(Rid());
  cp.mutable_plan()->set_title("2027 销售额计划");
  cp.mutable_plan()->set_fiscal_year(2027);
  cp.mutable_plan()->set_metric(tv1::METRIC_SALES_AMOUNT);
  cp.mutable_plan()->set_org_unit_id(co);
  cp.set_total_from_baseline(true);
  tv1::CreatePlanResponse cpr;
  st = tgt_->CreatePlan(As(director_).get(), cp, &cpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const int64_t plan = cpr.plan().id();
  EXPECT_EQ(Fen(cpr.plan().total_target().amount()), 48000'00) << "three flat years of 4 000 a month";
  tv1::DecomposePlanRequest dp;
  dp.set_request_id(Rid());
  dp.set_plan_id(plan);
  auto* l1 = dp.add_levels();
  l1->set_dimension(tv1::DIMENSION_ORG_UNIT);
  l1->set_method(tv1::DECOMPOSITION_METHOD_HISTORY_SHARE);
  l1->set_down_to_kind(tv1::ORG_UNIT_KIND_OFFICE);
  auto* l2 = dp.add_levels();
  l2->set_dimension(tv1::DIMENSION_REP);
  l2->set_method(tv1::DECOMPOSITION_METHOD_HISTORY_SHARE);
  auto* l3 = dp.add_levels();
  l3->set_dimension(tv1::DIMENSION_MONTH);
  l3->set_method(tv1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  tv1::DecomposePlanResponse dpr;
  st = tgt_->DecomposePlan(As(director_).get(), dp, &dpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto cells = Cells(plan, director_);
  EXPECT_EQ(Fen(Cell(cells, tv1::DIMENSION_REP, r1).target().amount()), 36000'00);
  EXPECT_EQ(Fen(Cell(cells, tv1::DIMENSION_REP, r2).target().amount()), 12000'00);

  // ------------------- the manager issues; rep2 counters; the manager revises
  tv1::IssuePlanRequest ip;
  ip.set_request_id(Rid());
  ip.set_id(plan);
  tv1::IssuePlanResponse ipr;
  st = tgt_->IssuePlan(As(manager_).get(), ip, &ipr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ipr.plan().state(), tv1::PLAN_STATE_ISSUED);
  cells = Cells(plan, director_);
  tv1::CounterProposeAssignmentRequest counter;
  counter.set_request_id(Rid());
  counter.set_id(Cell(cells, tv1::DIMENSION_REP, r2).id());
  *counter.mutable_proposed_target()->mutable_amount() = MakeMoney(10000'00);
  counter.set_reason("a key account closed in the district");
  tv1::CounterProposeAssignmentResponse counterr;
  st = tgt_->CounterProposeAssignment(As(rep2_).get(), counter, &counterr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  tv1::ReviseAssignmentsRequest rv;
  rv.set_request_id(Rid());
  rv.set_plan_id(plan);
  rv.set_parent_assignment_id(Cell(cells, tv1::DIMENSION_ORG_UNIT, sh).id());
  rv.set_reason("take part of rep2's objection; rep1 carries the difference");
  auto* ch1 = rv.add_changes();
  ch1->set_assignment_id(Cell(cells, tv1::DIMENSION_REP, r2).id());
  *ch1->mutable_new_target()->mutable_amount() = MakeMoney(11000'00);
  auto* ch2 = rv.add_changes();
  ch2->set_assignment_id(Cell(cells, tv1::DIMENSION_REP, r1).id());
  *ch2->mutable_new_target()->mutable_amount() = MakeMoney(37000'00);
  tv1::ReviseAssignmentsResponse rvr;
  st = tgt_->ReviseAssignments(As(manager_).get(), rv, &rvr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  cells = Cells(plan, director_);
  ASSERT_TRUE(Accept(Cell(cells, tv1::DIMENSION_REP, r1), rep1_).ok());
  ASSERT_TRUE(Accept(Cell(cells, tv1::DIMENSION_REP, r2), rep2_).ok());
  st = Accept(Cell(cells, tv1::DIMENSION_ORG_UNIT, sh), office_head_);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const std::string east_head = Token("east-head", kRoleManager, 0, east);
  st = Accept(Cell(cells, tv1::DIMENSION_ORG_UNIT, east), east_head);
  ASSERT_TRUE(st.ok()) << st.error_message();
  tv1::SignPlanRequest sp;
  sp.set_request_id(Rid());
  sp.set_id(plan);
  tv1::SignPlanResponse spr;
  st = tgt_->SignPlan(As(director_).get(), sp, &spr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(spr.plan().state(), tv1::PLAN_STATE_SIGNED);
  // Collections are planned too (40 000 yuan, split evenly), so that
  // progress can show them.
  PlainSignedPlan(tv1::METRIC_COLLECTED_AMOUNT, 40000'00, east, sh, r1, r2, east_head);

  // ------------------------------------------------ master data for selling
  ov1::CreateProductRequest prod;
  prod.set_request_id(Rid());
  prod.mutable_product()->set_sku("PM-250-24");
  prod.mutable_product()->set_name("纯牛奶 250ml×24");
  prod.mutable_product()->set_product_line_id(line);
  prod.mutable_product()->set_unit("箱");
  *prod.mutable_product()->mutable_unit_cost() = MakeMoney(60'00);
  *prod.mutable_product()->mutable_floor_price() = MakeMoney(70'00);
  prod.mutable_product()->set_commissionable(true);
  ov1::CreateProductResponse prodr;
  st = ord_->CreateProduct(As(admin_).get(), prod, &prodr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  product_ = prodr.product().id();
  ov1::CreatePriceListRequest prl;
  prl.set_request_id(Rid());
  prl.mutable_price_list()->set_code("PL-2027");
  prl.mutable_price_list()->set_name("2027 目录价格");
  prl.mutable_price_list()->set_currency_code("CNY");
  *prl.mutable_price_list()->mutable_effective_from() = D(absl::CivilDay(2027, 1, 1));
  auto* entry = prl.mutable_price_list()->add_entries();
  entry->set_product_id(product_);
  *entry->mutable_list_price() = MakeMoney(100'00);
  ov1::CreatePriceListResponse prlr;
  st = ord_->CreatePriceList(As(admin_).get(), prl, &prlr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ov1::CreateWarehouseRequest wh;
  wh.set_request_id(Rid());
  wh.mutable_warehouse()->set_code("WH-SH");
  wh.mutable_warehouse()->set_name("上海仓");
  wh.mutable_warehouse()->set_kind(ov1::WAREHOUSE_KIND_REGULAR);
  wh.mutable_warehouse()->set_active(true);
  ov1::CreateWarehouseResponse whr;
  st = ord_->CreateWarehouse(As(admin_).get(), wh, &whr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  warehouse_ = whr.warehouse().id();
  ov1::RecordStockReceiptRequest rcpt;
  rcpt.set_request_id(Rid());
  rcpt.set_warehouse_id(warehouse_);
  rcpt.set_reference("PO-2027-001");
  rcpt.set_reason("opening stock");
  auto* rl = rcpt.add_lines();
  rl->set_product_id(product_);
  rl->set_quantity(500);
  ov1::RecordStockReceiptResponse rcptr;
  st = ord_->RecordStockReceipt(As(keeper_).get(), rcpt, &rcptr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // ------------------------ a walk-in; the duty rotation gives it to rep1
  cv1::CreateRotationRequest rot;
  rot.set_request_id(Rid());
  rot.mutable_rotation()->set_office_id(sh);
  int pos = 0;
  for (int64_t r : {r1, r2}) {
    auto* m = rot.mutable_rotation()->add_members();
    m->set_rep_id(r);
    m->set_position(++pos * 10);
  }
  cv1::CreateRotationResponse rotr;
  // customers-svc learns of the reps from the targets feed a moment later.
  ASSERT_TRUE(Eventually([&] {
    rot.set_request_id(Rid());
    return cust_->CreateRotation(As(office_head_).get(), rot, &rotr).ok();
  })) << "rotation never accepted";
  cv1::RegisterLeadRequest lead;
  lead.set_request_id(Rid());
  lead.set_office_id(sh);
  lead.set_channel(cv1::LEAD_CHANNEL_WALK_IN);
  auto* c = lead.mutable_customer();
  c->set_name("上海佳惠便利店有限公司");
  c->set_type(cv1::CUSTOMER_TYPE_OUTLET_B);
  c->set_phone("+86 138-0013-8000");
  c->set_region("EAST");
  c->set_city("上海");
  c->set_address("上海市徐汇区漕溪北路 88 号");
  c->set_source_channel("WALK_IN");
  cv1::RegisterLeadResponse leadr;
  st = cust_->RegisterLead(As(receptionist_).get(), lead, &leadr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(leadr.lead().assigned_rep_id(), r1) << "rep1 is first in the rotation";
  customer_ = leadr.lead().customer_id();
  ASSERT_NE(customer_, 0);
  // A rep other than the owner cannot read the new customer's contacts.
  cv1::GetCustomerRequest gc;
  gc.set_id(customer_);
  cv1::GetCustomerResponse gcr;
  ASSERT_TRUE(cust_->GetCustomer(As(rep2_).get(), gc, &gcr).ok());
  EXPECT_NE(gcr.customer().phone(), "13800138000") << "masked for another rep";
  ASSERT_TRUE(cust_->GetCustomer(As(rep1_).get(), gc, &gcr).ok());
  EXPECT_EQ(gcr.customer().owner_rep_id(), r1);

  // rep1 follows up: protection runs 7 days from the follow-up.
  cv1::RecordFollowUpRequest fu;
  fu.set_request_id(Rid());
  fu.mutable_follow_up()->set_customer_id(customer_);
  *fu.mutable_follow_up()->mutable_date() = D(Day());
  fu.mutable_follow_up()->set_channel(cv1::FOLLOW_UP_CHANNEL_VISIT);
  fu.mutable_follow_up()->set_content("门店拜访，店长有意向铺货纯牛奶");
  fu.mutable_follow_up()->set_intent_level(cv1::INTENT_LEVEL_HIGH);
  fu.mutable_follow_up()->set_next_step("报价");
  *fu.mutable_follow_up()->mutable_next_step_date() = D(Day() + 1);
  cv1::RecordFollowUpResponse fur;
  st = cust_->RecordFollowUp(As(rep1_).get(), fu, &fur);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ToCivilDay(fur.follow_up().protected_until()), Day() + 7);

  // Finance grants credit: 20 000 yuan, 30 days.
  cv1::GetCreditProfileRequest gp;
  gp.set_customer_id(customer_);
  cv1::GetCreditProfileResponse gpr;
  ASSERT_TRUE(cust_->GetCreditProfile(As(finance_clerk_).get(), gp, &gpr).ok());
  cv1::UpdateCreditProfileRequest up;
  up.set_request_id(Rid());
  up.set_customer_id(customer_);
  *up.mutable_credit_limit() = MakeMoney(20000'00);
  up.set_payment_terms_days(30);
  up.set_reason("new account, store visited");
  up.set_etag(gpr.profile().etag());
  cv1::UpdateCreditProfileResponse upr;
  st = cust_->UpdateCreditProfile(As(finance_clerk_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // ---------- a quote beyond rep1's discount limit; the manager approves it
  Today(absl::CivilDay(2027, 1, 5));
  ov1::CreateQuoteRequest cq;
  cq.set_request_id(Rid());
  cq.mutable_quote()->set_customer_id(customer_);
  *cq.mutable_quote()->mutable_quote_date() = D(Day());
  auto* ql = cq.mutable_quote()->add_lines();
  ql->set_product_id(product_);
  ql->set_quantity(100);
  ql->set_discount_bp(800);  // 8 % off: beyond a rep's limit
  ov1::CreateQuoteResponse cqr;
  st = ord_->CreateQuote(As(rep1_).get(), cq, &cqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Fen(cqr.quote().total_amount()), 100 * 92'00);
  ov1::SubmitQuoteRequest sq;
  sq.set_request_id(Rid());
  sq.set_quote_id(cqr.quote().id());
  sq.set_etag(cqr.quote().etag());
  ov1::SubmitQuoteResponse sqr;
  st = ord_->SubmitQuote(As(rep1_).get(), sq, &sqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(sqr.quote().status(), ov1::QUOTE_STATUS_PENDING_APPROVAL);
  ov1::ApproveQuoteRequest aq;
  aq.set_request_id(Rid());
  aq.set_quote_id(cqr.quote().id());
  aq.set_etag(sqr.quote().etag());
  aq.set_reason("opening order of a new outlet");
  ov1::ApproveQuoteResponse aqr;
  // A rep cannot approve their own discount.
  EXPECT_EQ(ord_->ApproveQuote(As(rep1_).get(), aq, &aqr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  aq.set_request_id(Rid());
  st = ord_->ApproveQuote(As(office_head_).get(), aq, &aqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(aqr.quote().status(), ov1::QUOTE_STATUS_APPROVED);
  ov1::ConvertQuoteToOrderRequest cv;
  cv.set_request_id(Rid());
  cv.set_quote_id(cqr.quote().id());
  cv.set_etag(aqr.quote().etag());
  *cv.mutable_order_date() = D(Day());
  ov1::ConvertQuoteToOrderResponse cvr;
  st = ord_->ConvertQuoteToOrder(As(rep1_).get(), cv, &cvr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // ------------------- credit check, reservation, partial shipment, delivery
  ov1::ConfirmOrderRequest co1;
  co1.set_request_id(Rid());
  co1.set_order_id(cvr.order().id());
  co1.set_etag(cvr.order().etag());
  ov1::ConfirmOrderResponse co1r;
  st = ord_->ConfirmOrder(As(rep1_).get(), co1, &co1r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const ov1::SalesOrder first = co1r.order();
  EXPECT_EQ(first.status(), ov1::ORDER_STATUS_CONFIRMED) << first.status_reason();
  EXPECT_TRUE(co1r.credit_check().passed());
  EXPECT_EQ(Fen(co1r.credit_check().credit_limit()), 20000'00);
  EXPECT_EQ(Fen(co1r.credit_check().this_order()), 9200'00);
  EXPECT_EQ(first.credited_rep_id(), r1);
  EXPECT_EQ(StockReserved(), 100);
  ov1::Shipment shipped1 = ShipAndDeliver(first, 60);
  EXPECT_EQ(Fen(shipped1.total_amount()), 60 * 92'00);
  EXPECT_EQ(StockOnHand(), 440);
  EXPECT_EQ(StockReserved(), 40);
  EXPECT_EQ(Order(first.id()).status(), ov1::ORDER_STATUS_PARTIALLY_SHIPPED);
  // The first purchase made the prospect rep1's account.
  ASSERT_TRUE(Eventually([&] {
    cv1::GetCustomerResponse r;
    return cust_->GetCustomer(As(rep1_).get(), gc, &r).ok() && r.customer().status() == cv1::CUSTOMER_STATUS_ACTIVE;
  })) << "first purchase never turned the prospect into an account";

  // ------------------------------------------------ finance invoices it
  std::vector<fv1::BillableLine> billable;
  ASSERT_TRUE(Eventually([&] {
    fv1::ListBillableLinesRequest req;
    req.set_customer_id(customer_);
    req.add_states(fv1::BILLABLE_LINE_STATE_UNBILLED);
    fv1::ListBillableLinesResponse resp;
    if (!fin_->ListBillableLines(As(clerk_).get(), req, &resp).ok()) return false;
    billable.assign(resp.billable_lines().begin(), resp.billable_lines().end());
    return !billable.empty();
  })) << "the shipment never became billable";
  ASSERT_EQ(billable.size(), 1u);
  EXPECT_EQ(billable[0].shipped_quantity(), 60);
  EXPECT_EQ(billable[0].rep_id(), r1);
  fv1::RequestInvoiceRequest ri;
  ri.set_request_id(Rid());
  ri.set_customer_id(customer_);
  ri.add_lines()->set_billable_line_id(billable[0].id());
  fv1::RequestInvoiceResponse rir;
  st = fin_->RequestInvoice(As(clerk_).get(), ri, &rir);
  ASSERT_TRUE(st.ok()) << st.error_message();
  fv1::ReviewInvoiceRequest rvi;
  rvi.set_request_id(Rid());
  rvi.set_id(rir.invoice().id());
  rvi.set_etag(rir.invoice().etag());
  fv1::ReviewInvoiceResponse rvir;
  st = fin_->ReviewInvoice(As(office_head_).get(), rvi, &rvir);  // sales reviews: the rep's manager
  ASSERT_TRUE(st.ok()) << st.error_message();
  fv1::IssueInvoiceRequest ii;
  ii.set_request_id(Rid());
  ii.set_id(rir.invoice().id());
  ii.set_etag(rvir.invoice().etag());
  *ii.mutable_invoice_date() = D(Day());
  fv1::IssueInvoiceResponse iir;
  st = fin_->IssueInvoice(As(finance_clerk_).get(), ii, &iir);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const fv1::Invoice invoice = iir.invoice();
  // 5 520.00 net + 13 % VAT (717.60) = 6 237.60, due 30 days after issue.
  const int64_t gross = 5520'00 + 717'60;
  EXPECT_EQ(invoice.number(), "INV-2027-000001");
  EXPECT_EQ(Fen(invoice.gross_total()), gross);
  EXPECT_EQ(ToCivilDay(invoice.due_on()), absl::CivilDay(2027, 2, 4));

  // A partial payment arrives.
  Today(absl::CivilDay(2027, 1, 20));
  auto pay1 = Pay(2000'00, "ICBC-20270120-01");
  ASSERT_EQ(pay1.applications_size(), 1);
  EXPECT_EQ(Fen(pay1.applications(0).amount()), 2000'00);
  EXPECT_EQ(Fen(Exposure().open_receivable()), gross - 2000'00);

  // ------------------------------ time passes the due date: the ladder
  Today(absl::CivilDay(2027, 2, 5));  // one day overdue
  auto s1 = Sweep();
  EXPECT_EQ(s1.opened_count(), 1);
  fv1::CollectionCase kase = CaseOfInvoice(invoice.id());
  EXPECT_EQ(kase.stage(), fv1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  EXPECT_EQ(Fen(kase.overdue_amount()), gross - 2000'00);
  fv1::RecordOverdueConfirmationRequest conf;
  conf.set_request_id(Rid());
  conf.set_case_id(kase.id());
  conf.set_etag(kase.etag());
  *conf.mutable_confirmation()->mutable_signed_on() = D(Day());
  *conf.mutable_confirmation()->mutable_confirmed_amount() = kase.overdue_amount();
  conf.mutable_confirmation()->set_signed_by("周店长");
  fv1::RecordOverdueConfirmationResponse confr;
  st = fin_->RecordOverdueConfirmation(As(rep1_).get(), conf, &confr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  Today(absl::CivilDay(2027, 2, 18));  // day 14: first notice
  Sweep();
  EXPECT_EQ(CaseOfInvoice(invoice.id()).stage(), fv1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_FALSE(Exposure().on_hold());
  Today(absl::CivilDay(2027, 2, 28));  // ten days after the first notice
  auto s3 = Sweep();
  EXPECT_EQ(s3.holds_set_count(), 1);
  EXPECT_EQ(CaseOfInvoice(invoice.id()).stage(), fv1::COLLECTION_STAGE_SUPPLY_STOPPED);
  EXPECT_TRUE(Exposure().on_hold());
  ASSERT_TRUE(Eventually([&] { return CustomerOnHold(); })) << "customers-svc never held the customer";
  // Run twice: same state, nothing more.
  auto again = Sweep();
  EXPECT_EQ(again.opened_count() + again.advanced_count() + again.holds_set_count(), 0);

  // --------- the next order (taken by rep2) waits in CREDIT_HOLD
  Today(absl::CivilDay(2027, 3, 1));
  ov1::CreateOrderRequest cor;
  cor.set_request_id(Rid());
  cor.mutable_order()->set_customer_id(customer_);
  *cor.mutable_order()->mutable_order_date() = D(Day());
  auto* ol = cor.mutable_order()->add_lines();
  ol->set_product_id(product_);
  ol->set_quantity(10);
  ov1::CreateOrderResponse corr;
  st = ord_->CreateOrder(As(rep2_).get(), cor, &corr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ov1::ConfirmOrderRequest co2;
  co2.set_request_id(Rid());
  co2.set_order_id(corr.order().id());
  co2.set_etag(corr.order().etag());
  ov1::ConfirmOrderResponse co2r;
  st = ord_->ConfirmOrder(As(rep2_).get(), co2, &co2r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(co2r.order().status(), ov1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_TRUE(co2r.credit_check().customer_on_hold());
  EXPECT_FALSE(co2r.credit_check().passed());
  EXPECT_EQ(StockReserved(), 40) << "a held order reserves nothing";
  const ov1::ConfirmOrderRequest held_request = co2;

  // ---------------- the final payment releases the hold; the order confirms
  Today(absl::CivilDay(2027, 3, 2));
  auto pay2 = Pay(gross - 2000'00, "ICBC-20270302-07");
  ASSERT_EQ(pay2.applications_size(), 1);
  EXPECT_EQ(pay2.applications(0).days_past_due(), 26);
  EXPECT_EQ(CaseOfInvoice(invoice.id()).stage(), fv1::COLLECTION_STAGE_CLOSED);
  EXPECT_FALSE(Exposure().on_hold());
  EXPECT_EQ(Fen(Exposure().open_receivable()), 0);
  ASSERT_TRUE(Eventually([&] { return !CustomerOnHold(); })) << "customers-svc never released the hold";
  co2.set_request_id(Rid());
  co2.set_etag(co2r.order().etag());
  st = ord_->ConfirmOrder(As(rep2_).get(), co2, &co2r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const ov1::SalesOrder second = co2r.order();
  EXPECT_EQ(second.status(), ov1::ORDER_STATUS_CONFIRMED) << second.status_reason();
  EXPECT_TRUE(co2r.credit_check().passed());
  // The first confirmation sent again (a client retrying after a lost
  // answer) gets its first answer back, not a stale-etag refusal.
  ov1::ConfirmOrderResponse replayed;
  st = ord_->ConfirmOrder(As(rep2_).get(), held_request, &replayed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(replayed.order().status(), ov1::ORDER_STATUS_CREDIT_HOLD);
  // Taken by rep2, credited to the protecting owner.
  EXPECT_EQ(second.credited_rep_id(), r1);
  EXPECT_EQ(StockReserved(), 50);
  ov1::Shipment shipped2 = ShipAndDeliver(second, 10);
  EXPECT_EQ(Fen(shipped2.total_amount()), 10 * 100'00);

  // ------------ targets progress: shipments and collections, credited to rep1
  ASSERT_TRUE(Eventually([&] {
    return Fen(ProgressOf(r1, tv1::METRIC_SALES_AMOUNT, absl::CivilDay(2027, 3, 1)).actual().amount()) == 1000'00;
  })) << "March's shipment never reached rep1's progress";
  EXPECT_EQ(Fen(ProgressOf(r1, tv1::METRIC_SALES_AMOUNT, absl::CivilDay(2027, 1, 1)).actual().amount()), 5520'00);
  EXPECT_EQ(Fen(ProgressOf(r2, tv1::METRIC_SALES_AMOUNT, absl::CivilDay(2027, 3, 1)).actual().amount()), 0)
      << "rep2 took the order but is not credited";
  ASSERT_TRUE(Eventually([&] {
    return Fen(ProgressOf(r1, tv1::METRIC_COLLECTED_AMOUNT, absl::CivilDay(2027, 3, 1)).actual().amount()) ==
           gross - 2000'00;
  })) << "March's collection never reached rep1's progress";
  EXPECT_EQ(Fen(ProgressOf(r1, tv1::METRIC_COLLECTED_AMOUNT, absl::CivilDay(2027, 1, 1)).actual().amount()), 2000'00);

  // ------------------ the month's commission statement and its lines
  Today(absl::CivilDay(2027, 4, 2));
  fv1::CreateCommissionPlanRequest ccp;
  ccp.set_request_id(Rid());
  auto* cpl = ccp.mutable_commission_plan();
  cpl->set_name("2027 销售代表提成");
  *cpl->mutable_effective_from() = D(absl::CivilDay(2027, 1, 1));
  cpl->set_attainment_metric(fv1::ATTAINMENT_METRIC_SALES_AMOUNT);
  auto* t0 = cpl->add_tiers();
  t0->set_min_attainment_bp(0);
  t0->set_rate_bp(200);
  auto* t1 = cpl->add_tiers();
  t1->set_min_attainment_bp(10000);
  t1->set_rate_bp(400);
  cpl->set_payable_now_bp(9000);
  cpl->set_holdback_bp(1000);
  cpl->set_full_credit_months(3);
  cpl->set_late_credit_months(6);
  cpl->set_late_credit_bp(5000);
  cpl->set_deduct_uncollected(true);
  cpl->set_attainment_floor_bp(10000);
  cpl->set_base_floor_bp(5000);
  *cpl->mutable_base_pay() = MakeMoney(3000'00);
  cpl->set_reason("commission scheme 2027");
  fv1::CreateCommissionPlanResponse ccpr;
  st = fin_->CreateCommissionPlan(As(finance_clerk_).get(), ccp, &ccpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  fv1::ActivateCommissionPlanRequest acp;
  acp.set_request_id(Rid());
  acp.set_id(ccpr.commission_plan().id());
  acp.set_etag(ccpr.commission_plan().etag());
  acp.set_reason("signed by the general manager");
  fv1::ActivateCommissionPlanResponse acpr;
  st = fin_->ActivateCommissionPlan(As(director_).get(), acp, &acpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  fv1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(absl::CivilDay(2027, 3, 1));
  fv1::CalculateCommissionsResponse calcr;
  st = fin_->CalculateCommissions(As(finance_clerk_).get(), calc, &calcr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  fv1::GetCommissionStatementRequest gcs;
  gcs.set_rep_id(r1);
  *gcs.mutable_month() = D(absl::CivilDay(2027, 3, 1));
  fv1::GetCommissionStatementResponse gcsr;
  st = fin_->GetCommissionStatement(As(rep1_).get(), gcs, &gcsr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const fv1::CommissionStatement& statement = gcsr.statement();
  // March: 4 237.60 collected, 26 days late (full credit). Attainment is
  // March's 1 000.00 shipped against rep1's March target of 37 000 / 12,
  // about 32 %: the 2 % tier. 4 237.60 × 2 % = 84.75 (half up from 84.752).
  EXPECT_EQ(Fen(statement.collected()), gross - 2000'00);
  EXPECT_EQ(statement.tier_rate_bp(), 200);
  EXPECT_EQ(Fen(statement.commission()), 84'75);
  EXPECT_EQ(Fen(statement.payable_now()) + Fen(statement.held_back()), Fen(statement.total_commission()));
  // Under the attainment floor the base pay is proportional, but not below
  // half: 32 % of 3 000.00 is lifted to 1 500.00.
  EXPECT_EQ(Fen(statement.base_pay()), 1500'00);
  // Every figure comes from a line: the collection (4 237.60 at 2 %), 10 %
  // of it held to year end, and the base pay.
  ASSERT_EQ(statement.lines_size(), 3);
  EXPECT_EQ(statement.lines(0).kind(), fv1::COMMISSION_LINE_KIND_COLLECTION);
  EXPECT_EQ(statement.lines(0).payment_application_id(), pay2.applications(0).id());
  EXPECT_EQ(statement.lines(0).days_past_due(), 26);
  EXPECT_EQ(Fen(statement.lines(0).base_amount()), gross - 2000'00);
  EXPECT_EQ(Fen(statement.lines(0).amount()), 84'75);
  EXPECT_EQ(statement.lines(1).kind(), fv1::COMMISSION_LINE_KIND_HOLDBACK);
  EXPECT_EQ(Fen(statement.lines(1).amount()), -8'47);  // 8.475 held: the rep keeps the odd half fen
  EXPECT_EQ(Fen(statement.held_back()), 8'47);
  EXPECT_EQ(Fen(statement.payable_now()), 76'28);
  EXPECT_EQ(statement.lines(2).kind(), fv1::COMMISSION_LINE_KIND_BASE_PAY);
  EXPECT_EQ(Fen(statement.lines(2).amount()), 1500'00);
  // The gateway counted what it routed, by service, method and code (it
  // forwards every method as a generic stream, hence the type).
  const std::string scrape = gateway_->metrics()->Scrape();
  EXPECT_NE(scrape.find("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"ConfirmOrder\","
                        "grpc_service=\"sales.orders.v1.OrdersService\",grpc_type=\"bidi_stream\"} 4"),
            std::string::npos)
      << scrape.substr(0, 4000);
  // rep2 may not read rep1's statement, through the gateway or otherwise.
  EXPECT_NE(fin_->GetCommissionStatement(As(rep2_).get(), gcs, &gcsr).error_code(), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace sales
