// Each service proves the whole stack — handler → rules → store → MySQL —
// with its first resource over real gRPC on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "orders-svc/api/orders_api.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::Ctx;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<std::string> ViolatedFields(const grpc::Status& st) {
  std::vector<std::string> out;
  for (const auto& fv : FieldViolationsOf(FromGrpcStatus(st))) out.push_back(fv.field);
  return out;
}

// ------------------------------------------------------------ targets

class TargetsSvc : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = StartService(targets::MakeServiceDefinition(), FreshDatabase("targets"));
    ASSERT_NE(app_, nullptr);
    stub_ = targets::v1::TargetsService::NewStub(Loopback(app_->port()));
  }
  grpc::Status Create(const std::string& rid, const std::string& code, targets::v1::OrgUnitKind kind, int64_t parent,
                      targets::v1::CreateOrgUnitResponse* resp) {
    targets::v1::CreateOrgUnitRequest req;
    req.set_request_id(rid);
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(absl::StrCat(code, " 名称"));
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    return stub_->CreateOrgUnit(Ctx().get(), req, resp);
  }
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<targets::v1::TargetsService::Stub> stub_;
};

TEST_F(TargetsSvc, BuildsTheTreeAndReadsItBack) {
  using namespace targets::v1;
  CreateOrgUnitResponse company, east, sh, again;
  ASSERT_TRUE(Create("r1", "CO", ORG_UNIT_KIND_COMPANY, 0, &company).ok());
  ASSERT_TRUE(Create("r2", "EAST", ORG_UNIT_KIND_BRANCH, company.org_unit().id(), &east).ok());
  ASSERT_TRUE(Create("r3", "EAST-SH", ORG_UNIT_KIND_OFFICE, east.org_unit().id(), &sh).ok());
  EXPECT_EQ(sh.org_unit().market_quality_bp(), 10000);
  EXPECT_EQ(sh.org_unit().etag(), "v1");

  // Idempotent repeat: same answer, no second unit.
  ASSERT_TRUE(Create("r3", "EAST-SH", ORG_UNIT_KIND_OFFICE, east.org_unit().id(), &again).ok());
  EXPECT_EQ(again.org_unit().id(), sh.org_unit().id());

  GetOrgUnitRequest get;
  get.set_id(sh.org_unit().id());
  GetOrgUnitResponse got;
  ASSERT_TRUE(stub_->GetOrgUnit(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.org_unit().code(), "EAST-SH");
  EXPECT_EQ(got.org_unit().parent_id(), east.org_unit().id());

  ListOrgUnitsRequest list;
  list.set_page_size(2);
  ListOrgUnitsResponse page1, page2;
  ASSERT_TRUE(stub_->ListOrgUnits(Ctx().get(), list, &page1).ok());
  EXPECT_EQ(page1.org_units_size(), 2);
  ASSERT_FALSE(page1.next_page_token().empty());
  list.set_page_token(page1.next_page_token());
  ASSERT_TRUE(stub_->ListOrgUnits(Ctx().get(), list, &page2).ok());
  EXPECT_EQ(page2.org_units_size(), 1);
  EXPECT_TRUE(page2.next_page_token().empty());
}

TEST_F(TargetsSvc, RefusesBadInputAndChangesNothing) {
  using namespace targets::v1;
  CreateOrgUnitResponse company, resp;
  ASSERT_TRUE(Create("r1", "CO", ORG_UNIT_KIND_COMPANY, 0, &company).ok());

  grpc::Status st = Create("r2", "bad code", ORG_UNIT_KIND_UNSPECIFIED, 0, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("org_unit.code"));
  EXPECT_THAT(ViolatedFields(st), Contains("org_unit.kind"));

  st = Create("r3", "CO2", ORG_UNIT_KIND_COMPANY, 0, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "COMPANY_EXISTS");

  st = Create("r4", "TEAM1", ORG_UNIT_KIND_TEAM, company.org_unit().id(), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  st = Create("r5", "X", ORG_UNIT_KIND_BRANCH, 999, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("org_unit.parent_id"));

  st = Create("", "Y", ORG_UNIT_KIND_BRANCH, company.org_unit().id(), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("request_id"));

  // Same request_id, different body.
  st = Create("r1", "OTHER", ORG_UNIT_KIND_BRANCH, company.org_unit().id(), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REQUEST_ID_REUSED");

  GetOrgUnitRequest get;
  get.set_id(424242);
  GetOrgUnitResponse got;
  EXPECT_EQ(stub_->GetOrgUnit(Ctx().get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  ListOrgUnitsRequest list;
  list.set_page_token("not-a-token");
  ListOrgUnitsResponse units;
  EXPECT_EQ(stub_->ListOrgUnits(Ctx().get(), list, &units).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  list.clear_page_token();
  ASSERT_TRUE(stub_->ListOrgUnits(Ctx().get(), list, &units).ok());
  EXPECT_EQ(units.org_units_size(), 1) << "nothing but the company may exist";
}

TEST_F(TargetsSvc, RequestIdComesBackInTrailers) {
  targets::v1::GetOrgUnitRequest get;
  get.set_id(1);
  targets::v1::GetOrgUnitResponse got;
  auto ctx = Ctx();
  ctx->AddMetadata("x-request-id", "trace-me-123");
  (void)stub_->GetOrgUnit(ctx.get(), get, &got);
  auto it = ctx->GetServerTrailingMetadata().find("x-request-id");
  ASSERT_NE(it, ctx->GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "trace-me-123");
}

TEST_F(TargetsSvc, RepsLiveInOneUnitAndListBySubtree) {
  using namespace targets::v1;
  CreateOrgUnitResponse company, east, sh, team, north;
  ASSERT_TRUE(Create("u1", "CO", ORG_UNIT_KIND_COMPANY, 0, &company).ok());
  ASSERT_TRUE(Create("u2", "EAST", ORG_UNIT_KIND_BRANCH, company.org_unit().id(), &east).ok());
  ASSERT_TRUE(Create("u3", "EAST-SH", ORG_UNIT_KIND_OFFICE, east.org_unit().id(), &sh).ok());
  ASSERT_TRUE(Create("u4", "EAST-SH-T1", ORG_UNIT_KIND_TEAM, sh.org_unit().id(), &team).ok());
  ASSERT_TRUE(Create("u5", "NORTH", ORG_UNIT_KIND_BRANCH, company.org_unit().id(), &north).ok());

  auto rep = [&](const std::string& code, int64_t unit, CreateRepResponse* resp) {
    CreateRepRequest req;
    req.set_request_id("rep-" + code);
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_name("代表 " + code);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->mutable_hire_date()->set_year(2024);
    req.mutable_rep()->mutable_hire_date()->set_month(3);
    req.mutable_rep()->mutable_hire_date()->set_day(1);
    return stub_->CreateRep(Ctx().get(), req, resp);
  };
  CreateRepResponse a, b, c, bad;
  ASSERT_TRUE(rep("E1", team.org_unit().id(), &a).ok());
  EXPECT_EQ(a.rep().status(), REP_STATUS_PROBATION);
  EXPECT_EQ(a.rep().status_since().year(), 2024);
  ASSERT_TRUE(rep("E2", sh.org_unit().id(), &b).ok());
  ASSERT_TRUE(rep("N1", north.org_unit().id(), &c).ok());

  EXPECT_EQ(rep("X1", company.org_unit().id(), &bad).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  grpc::Status st = rep("X2", 999, &bad);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("rep.org_unit_id"));
  EXPECT_EQ(rep("E1", team.org_unit().id(), &bad).error_code(), grpc::StatusCode::OK)
      << "same request_id and body: the first answer again";
  CreateRepRequest dup;
  dup.set_request_id("rep-E1-again");
  *dup.mutable_rep() = a.rep();
  dup.mutable_rep()->clear_status();
  EXPECT_EQ(stub_->CreateRep(Ctx().get(), dup, &bad).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  ListRepsRequest list;
  list.set_org_unit_id(east.org_unit().id());
  list.set_include_subtree(true);
  ListRepsResponse reps;
  ASSERT_TRUE(stub_->ListReps(Ctx().get(), list, &reps).ok());
  ASSERT_EQ(reps.reps_size(), 2);
  EXPECT_EQ(reps.reps(0).employee_code(), "E1");
  EXPECT_EQ(reps.reps(1).employee_code(), "E2");
  list.set_include_subtree(false);
  ASSERT_TRUE(stub_->ListReps(Ctx().get(), list, &reps).ok());
  EXPECT_EQ(reps.reps_size(), 0);

  CreateProductLineRequest line;
  line.set_request_id("line-1");
  line.mutable_product_line()->set_code("PURE-MILK");
  line.mutable_product_line()->set_name("纯牛奶");
  CreateProductLineResponse made;
  st = stub_->CreateProductLine(Ctx().get(), line, &made);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("product_line.portfolio_role"));
  line.mutable_product_line()->set_portfolio_role(PORTFOLIO_ROLE_TRAFFIC);
  line.set_request_id("line-2");
  ASSERT_TRUE(stub_->CreateProductLine(Ctx().get(), line, &made).ok());
  EXPECT_EQ(made.product_line().state(), PRODUCT_LINE_STATE_ACTIVE);
  ListProductLinesRequest by_role;
  by_role.set_portfolio_role(PORTFOLIO_ROLE_PROFIT);
  ListProductLinesResponse lines;
  ASSERT_TRUE(stub_->ListProductLines(Ctx().get(), by_role, &lines).ok());
  EXPECT_EQ(lines.product_lines_size(), 0);
  by_role.set_portfolio_role(PORTFOLIO_ROLE_TRAFFIC);
  ASSERT_TRUE(stub_->ListProductLines(Ctx().get(), by_role, &lines).ok());
  EXPECT_EQ(lines.product_lines_size(), 1);
}

// ------------------------------------------------------------ customers

class CustomersSvc : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = StartService(customers::MakeServiceDefinition(), FreshDatabase("customers"));
    ASSERT_NE(app_, nullptr);
    stub_ = customers::v1::CustomersService::NewStub(Loopback(app_->port()));
  }
  customers::v1::RegisterCustomerRequest Req(const std::string& rid, const std::string& name, const std::string& phone,
                                             int64_t rep) {
    customers::v1::RegisterCustomerRequest req;
    req.set_request_id(rid);
    req.set_owner_rep_id(rep);
    auto* c = req.mutable_customer();
    c->set_name(name);
    c->set_type(customers::v1::CUSTOMER_TYPE_OUTLET_A);
    c->set_phone(phone);
    c->set_region("EAST");
    c->set_city("上海");
    return req;
  }
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<customers::v1::CustomersService::Stub> stub_;
};

TEST_F(CustomersSvc, RegistersAndRefusesTheSameCustomerTypedDifferently) {
  customers::v1::RegisterCustomerResponse resp;
  ASSERT_TRUE(stub_->RegisterCustomer(Ctx().get(), Req("c1", "上海华联超市有限公司", "138-0013-8000", 7), &resp).ok());
  EXPECT_EQ(resp.customer().status(), customers::v1::CUSTOMER_STATUS_PROSPECT);
  EXPECT_EQ(resp.customer().owner_rep_id(), 7);
  EXPECT_EQ(resp.customer().normalized_phone(), "13800138000");

  customers::v1::RegisterCustomerResponse dup;
  grpc::Status st = stub_->RegisterCustomer(Ctx().get(), Req("c2", "上海 华联超市", "+86 139 0000 0000", 8), &dup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  absl::Status back = FromGrpcStatus(st);
  EXPECT_EQ(ErrorReason(back), "CUSTOMER_EXISTS");
  EXPECT_THAT(st.error_message(), HasSubstr("held by rep 7"));
  EXPECT_THAT(st.error_message(), ::testing::Not(HasSubstr("13800138000")));

  st = stub_->RegisterCustomer(Ctx().get(), Req("c3", "别的店", "12345", 8), &dup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("customer.phone"));

  customers::v1::GetCustomerRequest get;
  get.set_id(resp.customer().id());
  customers::v1::GetCustomerResponse got;
  ASSERT_TRUE(stub_->GetCustomer(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.customer().name(), "上海华联超市有限公司");
}

TEST_F(CustomersSvc, TwoRepsRegisteringAtOnceExactlyOneWins) {
  constexpr int kReps = 8;
  absl::Barrier start(kReps);
  std::vector<grpc::Status> results(kReps);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReps; ++i) {
    threads.emplace_back([&, i] {
      auto stub = customers::v1::CustomersService::NewStub(Loopback(app_->port()));
      customers::v1::RegisterCustomerResponse resp;
      auto req = Req(absl::StrCat("race-", i), "永辉超市", "13912345678", 100 + i);
      start.Block();
      results[i] = stub->RegisterCustomer(Ctx().get(), req, &resp);
    });
  }
  for (auto& t : threads) t.join();
  int wins = 0, told = 0;
  for (const auto& st : results) {
    if (st.ok()) ++wins;
    if (st.error_code() == grpc::StatusCode::ALREADY_EXISTS) ++told;
  }
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(told, kReps - 1);
}

TEST(CustomersFollowTargets, OwnersMustBeRepsTheOrganizationKnows) {
  auto targets_app = StartService(targets::MakeServiceDefinition(), FreshDatabase("org_src"));
  ASSERT_NE(targets_app, nullptr);
  auto customers_app = StartService(customers::MakeServiceDefinition(), FreshDatabase("org_copy"), nullptr,
                                    {{"targets_address", absl::StrCat("127.0.0.1:", targets_app->port())}});
  ASSERT_NE(customers_app, nullptr);
  auto tstub = targets::v1::TargetsService::NewStub(Loopback(targets_app->port()));
  auto cstub = customers::v1::CustomersService::NewStub(Loopback(customers_app->port()));
  auto unit = [&](const std::string& code, targets::v1::OrgUnitKind kind, int64_t parent) {
    targets::v1::CreateOrgUnitRequest req;
    req.set_request_id("u-" + code);
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(code);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    targets::v1::CreateOrgUnitResponse resp;
    EXPECT_TRUE(tstub->CreateOrgUnit(Ctx().get(), req, &resp).ok());
    return resp.org_unit().id();
  };
  int64_t co = unit("CO", targets::v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = unit("EAST", targets::v1::ORG_UNIT_KIND_BRANCH, co);
  targets::v1::CreateRepRequest rep;
  rep.set_request_id("rep-1");
  rep.mutable_rep()->set_employee_code("E1");
  rep.mutable_rep()->set_name("张伟");
  rep.mutable_rep()->set_org_unit_id(east);
  rep.mutable_rep()->mutable_hire_date()->set_year(2024);
  rep.mutable_rep()->mutable_hire_date()->set_month(1);
  rep.mutable_rep()->mutable_hire_date()->set_day(2);
  targets::v1::CreateRepResponse repr;
  ASSERT_TRUE(tstub->CreateRep(Ctx().get(), rep, &repr).ok());
  int64_t r1 = repr.rep().id();

  auto reg = [&](const std::string& rid, const std::string& phone, int64_t owner) {
    customers::v1::RegisterCustomerRequest req;
    req.set_request_id(rid);
    req.set_owner_rep_id(owner);
    req.mutable_customer()->set_name("客户" + phone);
    req.mutable_customer()->set_type(customers::v1::CUSTOMER_TYPE_OUTLET_B);
    req.mutable_customer()->set_phone(phone);
    req.mutable_customer()->set_region("EAST");
    req.mutable_customer()->set_city("上海");
    customers::v1::RegisterCustomerResponse resp;
    return cstub->RegisterCustomer(Ctx().get(), req, &resp);
  };
  // The rep arrives through the feed; until then the owner is unknown.
  grpc::Status st;
  for (int i = 0; i < 100; ++i) {
    st = reg(absl::StrCat("c-", i), "13800000001", r1);
    if (st.ok()) break;
    ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = reg("c-unknown", "13800000002", 9999);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("owner_rep_id"));

  // When the rep leaves, new customers cannot be given to them.
  targets::v1::OffboardRepRequest off;
  off.set_request_id("off-1");
  off.set_id(r1);
  off.set_reason("resigned");
  targets::v1::OffboardRepResponse offr;
  ASSERT_TRUE(tstub->OffboardRep(Ctx().get(), off, &offr).ok());
  for (int i = 0; i < 100; ++i) {
    st = reg(absl::StrCat("c-left-", i), "13800000003", r1);
    if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REP_LEFT");
  customers_app->Shutdown();
  targets_app->Shutdown();
}

// ------------------------------------------------------------ orders

TEST(OrdersSvc, CreatesAndReadsAProduct) {
  auto app = StartService(orders::MakeServiceDefinition(), FreshDatabase("orders"));
  ASSERT_NE(app, nullptr);
  auto stub = orders::v1::OrdersService::NewStub(Loopback(app->port()));
  orders::v1::CreateProductRequest req;
  req.set_request_id("p1");
  auto* p = req.mutable_product();
  p->set_sku("MILK-1L-12");
  p->set_name("纯牛奶 1L×12");
  p->set_product_line_id(1);
  p->set_unit("CASE");
  *p->mutable_unit_cost() = MakeMoney(4200);
  *p->mutable_floor_price() = MakeMoney(5500);
  p->set_commissionable(true);
  orders::v1::CreateProductResponse resp;
  ASSERT_TRUE(stub->CreateProduct(Ctx().get(), req, &resp).ok());
  orders::v1::GetProductRequest get;
  get.set_id(resp.product().id());
  orders::v1::GetProductResponse got;
  ASSERT_TRUE(stub->GetProduct(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.product().floor_price().minor_units(), 5500);
  EXPECT_EQ(got.product().floor_price().currency_code(), "CNY");
  EXPECT_TRUE(got.product().commissionable());

  req.set_request_id("p2");
  grpc::Status st = stub->CreateProduct(Ctx().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "SKU_TAKEN");

  req.set_request_id("p3");
  req.mutable_product()->set_sku("OTHER");
  req.mutable_product()->mutable_unit_cost()->set_minor_units(-1);
  st = stub->CreateProduct(Ctx().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("product.unit_cost.minor_units"));
}

// ------------------------------------------------------------ finance

TEST(FinanceSvc, RecordsAPaymentOnceFromABankNotice) {
  auto app = StartService(finance::MakeServiceDefinition(), FreshDatabase("finance"));
  ASSERT_NE(app, nullptr);
  auto stub = finance::v1::FinanceService::NewStub(Loopback(app->port()));
  finance::v1::RecordPaymentRequest req;
  req.set_request_id("pay-1");
  auto* p = req.mutable_payment();
  p->set_customer_id(7);
  *p->mutable_amount() = MakeMoney(12345678);
  p->set_method(finance::v1::PAYMENT_METHOD_BANK_ACCEPTANCE_BILL);
  p->set_bank_reference("BOC-0001");
  p->mutable_received_on()->set_year(2026);
  p->mutable_received_on()->set_month(11);
  p->mutable_received_on()->set_day(20);
  p->mutable_maturity_on()->set_year(2027);
  p->mutable_maturity_on()->set_month(5);
  p->mutable_maturity_on()->set_day(20);
  finance::v1::RecordPaymentResponse resp;
  ASSERT_TRUE(stub->RecordPayment(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.payment().unapplied().minor_units(), 12345678);

  finance::v1::GetPaymentRequest get;
  get.set_id(resp.payment().id());
  finance::v1::GetPaymentResponse got;
  ASSERT_TRUE(stub->GetPayment(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.payment().maturity_on().month(), 5);
  EXPECT_EQ(got.payment().received_on().day(), 20);

  req.set_request_id("pay-2");
  grpc::Status st = stub->RecordPayment(Ctx().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "BANK_REFERENCE_RECORDED");

  req.set_request_id("pay-3");
  req.mutable_payment()->set_bank_reference("BOC-0002");
  req.mutable_payment()->mutable_received_on()->set_day(31);  // 31 November
  st = stub->RecordPayment(Ctx().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(st), Contains("payment.received_on.day"));
}

}  // namespace
}  // namespace sales
