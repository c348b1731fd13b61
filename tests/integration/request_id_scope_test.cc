// A request id belongs to its caller and method (AIP-155): the two attacks
// that keying idempotency by request id alone allowed, tried against the
// real customers-svc over gRPC and MariaDB.
//  1. A rep occupies the daily sweep's request id first: the CronJob's sweep
//     must still run.
//  2. A rep repeats another rep's request id and body: they must not get the
//     first rep's stored answer (it skipped their scope checks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "tests/testing/org_seed.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::SeedOrgUnit;
using ::sales::testing::SeedRep;
using ::sales::testing::StartService;
namespace v1 = ::sales::customers::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "request-id-scope-secret";
constexpr int64_t kCompany = 1, kEast = 2, kRepA = 11, kRepB = 12;

const Principal kRepZhang{"张三", "SALES_REP", kRepA, kEast};
const Principal kRepLi{"李四", "SALES_REP", kRepB, kEast};
const Principal kCron{"service:cronjob", "SERVICE", 0, 0};

class RequestIdScope : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("rid_scope");
    app_ = StartService(customers::MakeServiceDefinition(), db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::CustomersService::NewStub(Loopback(app_->port()));
    db::Pool& pool = *app_->pool();
    SeedOrgUnit(pool, clock_.Now(), kCompany, 0, "HQ");
    SeedOrgUnit(pool, clock_.Now(), kEast, kCompany, "EAST");
    SeedRep(pool, clock_.Now(), kRepA, kEast, "张三");
    SeedRep(pool, clock_.Now(), kRepB, kEast, "李四");
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  v1::RegisterCustomerRequest Registration(const std::string& request_id, const std::string& name,
                                           const std::string& phone) {
    v1::RegisterCustomerRequest req;
    req.set_request_id(request_id);
    v1::Customer* c = req.mutable_customer();
    c->set_name(name);
    c->set_type(v1::CUSTOMER_TYPE_OUTLET_B);
    c->set_phone(phone);
    c->set_region("EAST");
    c->set_city("杭州");
    c->set_address("杭州市西湖区文三路 1 号");
    c->set_source_channel("WALK_IN");
    return req;
  }

  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 12, 7, 10, 0, 0), CompanyTimeZone())};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::CustomersService::Stub> stub_;
};

TEST_F(RequestIdScope, ARepCannotOccupyTheSweepsRequestId) {
  const std::string sweep_id = "sweep-lapse-2026-12-07";
  v1::RegisterCustomerResponse registered;
  ASSERT_TRUE(stub_
                  ->RegisterCustomer(CtxAs(kRepZhang, kSecret).get(),
                                     Registration(sweep_id, "杭州佳惠便利店", "+86 138-0013-8000"), &registered)
                  .ok());
  v1::RunLapseSweepRequest sweep;
  sweep.set_request_id(sweep_id);
  sweep.mutable_as_of()->set_year(2026);
  sweep.mutable_as_of()->set_month(12);
  sweep.mutable_as_of()->set_day(7);
  v1::RunLapseSweepResponse swept;
  grpc::Status st = stub_->RunLapseSweep(CtxAs(kCron, kSecret).get(), sweep, &swept);
  EXPECT_TRUE(st.ok()) << "the CronJob's sweep must not be blocked by a rep's id: " << st.error_message();
}

TEST_F(RequestIdScope, RepeatingAnotherCallersIdAndBodyDoesNotReturnTheirAnswer) {
  v1::RegisterCustomerRequest req = Registration("rid-shared-1", "宁波鑫达商行", "+86 139-0574-1234");
  v1::RegisterCustomerResponse zhang;
  ASSERT_TRUE(stub_->RegisterCustomer(CtxAs(kRepZhang, kSecret).get(), req, &zhang).ok());
  // 张三's own retry answers as before.
  v1::RegisterCustomerResponse zhang_again;
  ASSERT_TRUE(stub_->RegisterCustomer(CtxAs(kRepZhang, kSecret).get(), req, &zhang_again).ok());
  EXPECT_EQ(zhang_again.customer().id(), zhang.customer().id());
  EXPECT_EQ(zhang_again.customer().owner_rep_id(), kRepA);

  // 李四 sends the same id and body: a new request of their own, checked as
  // theirs — the customer is 张三's already, so it is a duplicate, not a
  // copy of 张三's answer with the owner and everything else in it.
  v1::RegisterCustomerResponse li;
  grpc::Status st = stub_->RegisterCustomer(CtxAs(kRepLi, kSecret).get(), req, &li);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS) << st.error_message();
  EXPECT_FALSE(li.has_customer());
  auto rows = app_->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(
        auto r, tx.Query("SELECT COUNT(*) FROM idempotency_keys WHERE request_id = ?", {std::string("rid-shared-1")}));
    return r[0].Int(0);
  });
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 1) << "李四's refused attempt records nothing";
}

}  // namespace
}  // namespace sales
