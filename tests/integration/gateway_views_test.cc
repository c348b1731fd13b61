// The aggregate views against scripted services: parts run in parallel as
// the caller, each under its own deadline; what fails is named, what
// answers is returned; a rep sees only their own customer and dashboard.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "platform/call.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/gateway/v1/gateway_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/integration/gateway_support.h"
#include "tests/testing/service_fixture.h"

namespace sales::gateway {
namespace {

using namespace ::sales::gateway::testing;  // NOLINT
using ::sales::testing::Loopback;
using ::testing::UnorderedElementsAre;
namespace cv1 = ::sales::customers::v1;
namespace gv1 = ::sales::gateway::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "views-secret";

// Customers: customer 1 belongs to rep 5; credit profiles answer slowly
// when asked to; complaints are not implemented (the default).
class FakeCustomers final : public cv1::CustomersService::Service {
 public:
  std::atomic<int> credit_delay_ms{0};
  std::mutex mu;
  std::string last_principal;

  grpc::Status GetCustomer(grpc::ServerContext* ctx, const cv1::GetCustomerRequest* req,
                           cv1::GetCustomerResponse* resp) override {
    Remember(ctx);
    if (req->id() != 1) return grpc::Status(grpc::StatusCode::NOT_FOUND, "customer not found");
    resp->mutable_customer()->set_id(1);
    resp->mutable_customer()->set_name("杭州佳惠便利店");
    resp->mutable_customer()->set_owner_rep_id(5);
    return grpc::Status::OK;
  }
  grpc::Status GetCreditProfile(grpc::ServerContext* ctx, const cv1::GetCreditProfileRequest* req,
                                cv1::GetCreditProfileResponse* resp) override {
    Remember(ctx);
    auto until = absl::Now() + absl::Milliseconds(credit_delay_ms.load());
    while (absl::Now() < until && !ctx->IsCancelled()) absl::SleepFor(absl::Milliseconds(5));
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
    resp->mutable_profile()->set_customer_id(req->customer_id());
    return grpc::Status::OK;
  }
  grpc::Status ListVisitsDue(grpc::ServerContext* ctx, const cv1::ListVisitsDueRequest*,
                             cv1::ListVisitsDueResponse*) override {
    Remember(ctx);
    return grpc::Status::OK;
  }

 private:
  void Remember(grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find(kPrincipalHeader);
    std::lock_guard<std::mutex> lock(mu);
    last_principal = it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
  }
};

class FakeTargets final : public tv1::TargetsService::Service {
  grpc::Status GetProgress(grpc::ServerContext*, const tv1::GetProgressRequest*, tv1::GetProgressResponse*) override {
    return grpc::Status::OK;
  }
};

// "part:CODE" per failed part. A service that is down answers UNAVAILABLE,
// or DEADLINE_EXCEEDED when the part's deadline ends during the channel's
// reconnect backoff: both read "DOWN".
std::vector<std::string> FailedParts(const google::protobuf::RepeatedPtrField<gv1::PartFailure>& failures) {
  std::vector<std::string> out;
  for (const auto& f : failures) {
    bool down = f.code() == "UNAVAILABLE" || f.code() == "DEADLINE_EXCEEDED";
    out.push_back(absl::StrCat(f.part(), ":", down ? "DOWN" : f.code()));
  }
  return out;
}

class GatewayViews : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::sales::testing::MakeTempDir("gateway-views");
    Sh("mkdir -p " + dir_ + "/keys");
    key_ = MakeKey(dir_, "k", "ES256");
    WriteAll(dir_ + "/keys/k1.pem", key_.public_pem);
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &backend_port_);
    b.RegisterService(&customers_);
    b.RegisterService(&targets_);
    server_ = b.BuildAndStart();
    // orders and finance are down: their parts must fail by name.
    gw_ = StartGateway({{"jwt_public_keys_dir", dir_ + "/keys"},
                        {"principal_hmac_secret", kSecret},
                        {"customers_address", absl::StrCat("127.0.0.1:", backend_port_)},
                        {"targets_address", absl::StrCat("127.0.0.1:", backend_port_)},
                        {"orders_address", "127.0.0.1:1"},
                        {"finance_address", "127.0.0.1:1"},
                        {"view_part_deadline", "400ms"}});
    ASSERT_NE(gw_, nullptr);
    stub_ = gv1::GatewayService::NewStub(Loopback(gw_->port()));
  }
  void TearDown() override {
    stub_.reset();
    gw_.reset();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    ::sales::testing::RemoveTree(dir_);
  }

  std::string Token(const std::string& role, int64_t rep_id = 0, int64_t unit = 0) {
    TokenSpec t;
    t.sub = absl::StrCat(role, rep_id);
    t.role = role;
    t.rep_id = rep_id;
    t.org_unit_id = unit;
    return Sign(key_, "k1", t);
  }

  std::string dir_;
  KeyPair key_;
  FakeCustomers customers_;
  FakeTargets targets_;
  int backend_port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Gateway> gw_;
  std::unique_ptr<gv1::GatewayService::Stub> stub_;
};

TEST_F(GatewayViews, Customer360ReturnsWhatAnsweredAndNamesWhatFailed) {
  gv1::Customer360Request req;
  req.set_customer_id(1);
  gv1::Customer360Response resp;
  grpc::Status st = stub_->Customer360(Bearer(Token("ADMIN")).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.customer().customer().name(), "杭州佳惠便利店");
  EXPECT_TRUE(resp.has_credit_profile());
  EXPECT_FALSE(resp.has_orders());
  EXPECT_FALSE(resp.has_balance());
  EXPECT_THAT(FailedParts(resp.failed_parts()),
              UnorderedElementsAre("complaints:UNIMPLEMENTED", "orders:DOWN", "balance:DOWN", "collection_cases:DOWN"));
  for (const auto& f : resp.failed_parts()) {
    if (f.part() == "balance") {
      EXPECT_EQ(f.method(), "sales.finance.v1.FinanceService/GetCustomerBalance");
    }
  }
  std::lock_guard<std::mutex> lock(customers_.mu);
  EXPECT_EQ(customers_.last_principal, "user=ADMIN0;role=ADMIN;rep=0;unit=0") << "parts go as the caller";
}

TEST_F(GatewayViews, ARepSeesOnlyTheirOwnCustomer) {
  gv1::Customer360Request req;
  req.set_customer_id(1);
  gv1::Customer360Response resp;
  EXPECT_TRUE(stub_->Customer360(Bearer(Token("SALES_REP", 5, 2)).get(), req, &resp).ok());
  EXPECT_EQ(resp.customer().customer().owner_rep_id(), 5);
  gv1::Customer360Response other;
  grpc::Status st = stub_->Customer360(Bearer(Token("SALES_REP", 6, 2)).get(), req, &other);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(other.has_customer());
  req.set_customer_id(404);
  EXPECT_EQ(stub_->Customer360(Bearer(Token("ADMIN")).get(), req, &other).error_code(), grpc::StatusCode::NOT_FOUND);
  // A role without the view in its policy is refused at the gateway.
  req.set_customer_id(1);
  EXPECT_EQ(stub_->Customer360(Bearer(Token("WAREHOUSE")).get(), req, &other).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->Customer360(Bearer("").get(), req, &other).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayViews, ASlowPartFailsAloneAtItsDeadline) {
  customers_.credit_delay_ms = 3000;
  gv1::Customer360Request req;
  req.set_customer_id(1);
  gv1::Customer360Response resp;
  absl::Time start = absl::Now();
  ASSERT_TRUE(stub_->Customer360(Bearer(Token("ADMIN")).get(), req, &resp).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "the view does not wait for the slow part";
  EXPECT_TRUE(resp.has_customer());
  EXPECT_FALSE(resp.has_credit_profile());
  bool credit_timed_out = false;
  for (const auto& f : resp.failed_parts()) {
    credit_timed_out = credit_timed_out || (f.part() == "credit_profile" && f.code() == "DEADLINE_EXCEEDED");
  }
  EXPECT_TRUE(credit_timed_out);
  customers_.credit_delay_ms = 0;
}

TEST_F(GatewayViews, RepDashboardIsTheRepsOwn) {
  gv1::RepDashboardRequest req;
  gv1::RepDashboardResponse resp;
  grpc::Status st = stub_->RepDashboard(Bearer(Token("SALES_REP", 5, 2)).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.rep_id(), 5);
  EXPECT_TRUE(resp.has_progress());
  EXPECT_TRUE(resp.has_visits_due());
  EXPECT_THAT(FailedParts(resp.failed_parts()),
              UnorderedElementsAre("ranking:UNIMPLEMENTED", "quotes:DOWN", "orders:DOWN", "collection_cases:DOWN",
                                   "commission_statements:DOWN"));
  req.set_rep_id(6);
  EXPECT_EQ(stub_->RepDashboard(Bearer(Token("SALES_REP", 5, 2)).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A manager may look at a rep's dashboard (the services scope the parts).
  EXPECT_TRUE(stub_->RepDashboard(Bearer(Token("SALES_MANAGER", 0, 2)).get(), req, &resp).ok());
  EXPECT_EQ(resp.rep_id(), 6);
}

TEST_F(GatewayViews, ManagerDashboardNamesEveryPartThatFailed) {
  gv1::ManagerDashboardRequest req;
  gv1::ManagerDashboardResponse resp;
  grpc::Status st = stub_->ManagerDashboard(Bearer(Token("SALES_MANAGER", 0, 2)).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.org_unit_id(), 2);
  EXPECT_TRUE(resp.has_progress());
  EXPECT_THAT(FailedParts(resp.failed_parts()),
              UnorderedElementsAre("ranking:UNIMPLEMENTED", "pending_approvals:DOWN", "collisions:UNIMPLEMENTED",
                                   "ageing:DOWN", "collection_cases:DOWN"));
  // Reps have no manager dashboard.
  EXPECT_EQ(stub_->ManagerDashboard(Bearer(Token("SALES_REP", 5, 2)).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace sales::gateway
