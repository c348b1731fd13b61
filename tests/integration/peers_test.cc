// The typed peer clients (issue 15) against a real gRPC server on loopback:
// several questions in one batch run at once under one deadline, a peer
// that does not answer in time or is not configured is UNAVAILABLE with
// DEPENDENCY_UNAVAILABLE, NOT_FOUND becomes what the question makes of it,
// and a peer's own refusal keeps its code. The fakes answer like the real
// client for application tests.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "platform/config.h"
#include "platform/peers/customers_peer.h"
#include "platform/peers/finance_peer.h"
#include "platform/peers/targets_peer.h"
#include "platform/principal.h"
#include "platform/service_app.h"
#include "platform/status.h"
#include "tests/testing/fake_peers.h"

namespace sales {
namespace {

namespace cv1 = ::sales::customers::v1;

// customers-svc's three questions. Each answer waits until all three have
// arrived (at most 3 s): asked one after another, the first would time out.
class ParallelCustomers final : public cv1::CustomersService::Service {
 public:
  grpc::Status GetCustomer(grpc::ServerContext* ctx, const cv1::GetCustomerRequest* req,
                           cv1::GetCustomerResponse* resp) override {
    if (req->id() == 404) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such customer");
    if (req->id() == 403) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours");
    if (req->id() == 408) {
      // Never answers in time.
      while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
    }
    if (!AllArrived()) return grpc::Status(grpc::StatusCode::INTERNAL, "asked alone");
    resp->mutable_customer()->set_id(req->id());
    resp->mutable_customer()->set_name("上海佳惠便利店有限公司");
    return grpc::Status::OK;
  }
  grpc::Status ResolveCreditedRep(grpc::ServerContext*, const cv1::ResolveCreditedRepRequest* req,
                                  cv1::ResolveCreditedRepResponse* resp) override {
    if (!AllArrived()) return grpc::Status(grpc::StatusCode::INTERNAL, "asked alone");
    resp->set_credited_rep_id(req->taking_rep_id() + 1);
    return grpc::Status::OK;
  }
  grpc::Status GetCreditProfile(grpc::ServerContext*, const cv1::GetCreditProfileRequest* req,
                                cv1::GetCreditProfileResponse* resp) override {
    if (req->customer_id() == 404) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no profile");
    if (!AllArrived()) return grpc::Status(grpc::StatusCode::INTERNAL, "asked alone");
    resp->mutable_profile()->set_customer_id(req->customer_id());
    resp->mutable_profile()->set_payment_terms_days(30);
    return grpc::Status::OK;
  }

 private:
  bool AllArrived() {
    std::unique_lock<std::mutex> lock(mu_);
    ++arrived_;
    cv_.notify_all();
    return cv_.wait_for(lock, std::chrono::seconds(3), [this] { return arrived_ % 3 == 0; });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
};

class Peers : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(&customers_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    config_ = Config::FromMap({{"customers_address", absl::StrCat("127.0.0.1:", port_)}});
    rt_.service_name = "orders";
    rt_.config = &config_;
    // Development mode (no secret): calls carry the identity unsigned.
    rt_.signing_keys = std::make_shared<PrincipalVerifier>();
  }
  void TearDown() override { server_->Shutdown(); }

  ParallelCustomers customers_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  Config config_ = Config::FromMap({});
  ServiceRuntime rt_;
};

TEST_F(Peers, QuestionsInOneBatchAreAskedAtOnceAndAnsweredBeforeWaitReturns) {
  peers::GrpcCustomersPeer customers(rt_);
  peers::PeerBatch batch(nullptr, absl::Seconds(5));
  absl::StatusOr<cv1::Customer> customer;
  absl::StatusOr<cv1::ResolveCreditedRepResponse> credited;
  absl::StatusOr<std::optional<cv1::CreditProfile>> profile;
  cv1::ResolveCreditedRepRequest creq;
  creq.set_customer_id(7);
  creq.set_taking_rep_id(41);
  customers.GetCustomer(batch, 7, &customer);
  customers.ResolveCreditedRep(batch, creq, &credited);
  customers.GetCreditProfile(batch, 7, &profile);
  batch.Wait();
  ASSERT_TRUE(customer.ok()) << customer.status();
  EXPECT_EQ(customer->name(), "上海佳惠便利店有限公司");
  ASSERT_TRUE(credited.ok()) << credited.status();
  EXPECT_EQ(credited->credited_rep_id(), 42);
  ASSERT_TRUE(profile.ok()) << profile.status();
  ASSERT_TRUE(profile->has_value());
  EXPECT_EQ((*profile)->payment_terms_days(), 30);
}

TEST_F(Peers, NotFoundIsWhatTheQuestionMakesOfItAndARefusalKeepsItsCode) {
  peers::GrpcCustomersPeer customers(rt_);
  auto missing = customers.FetchCustomer(nullptr, 404);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto no_profile = customers.FetchCreditProfile(nullptr, 404);
  ASSERT_TRUE(no_profile.ok()) << no_profile.status();
  EXPECT_FALSE(no_profile->has_value()) << "a customer without a profile has none, not an error";
  auto refused = customers.FetchCustomer(nullptr, 403);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(Peers, APeerThatDoesNotAnswerInTimeIsUnavailableWithinTheDeadline) {
  peers::GrpcCustomersPeer customers(rt_);
  absl::Time start = absl::Now();
  peers::PeerBatch batch(nullptr, absl::Milliseconds(300));
  absl::StatusOr<cv1::Customer> slow;
  customers.GetCustomer(batch, 408, &slow);
  batch.Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kUnavailable) << slow.status();
  EXPECT_EQ(ErrorReason(slow.status()), "DEPENDENCY_UNAVAILABLE");
}

TEST_F(Peers, APeerNotConfiguredIsUnavailableAndNothingIsSent) {
  peers::GrpcFinancePeer finance(rt_);
  peers::PeerBatch batch(nullptr, absl::Seconds(1));
  absl::StatusOr<finance::v1::CustomerExposure> exposure;
  finance.GetCustomerExposure(batch, 7, &exposure);
  batch.Wait();
  EXPECT_EQ(exposure.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(exposure.status()), "DEPENDENCY_UNAVAILABLE");
}

TEST(PeerFailure, TransportAndInternalFailuresAreUnavailableRefusalsPassThrough) {
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::INTERNAL,
                    grpc::StatusCode::UNKNOWN, grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::CANCELLED}) {
    absl::Status s = peers::PeerFailure("orders", "customers", "GetCustomer", grpc::Status(code, "boom"));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << static_cast<int>(code);
    EXPECT_EQ(ErrorReason(s), "DEPENDENCY_UNAVAILABLE");
  }
  for (auto code : {grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::INVALID_ARGUMENT,
                    grpc::StatusCode::FAILED_PRECONDITION}) {
    absl::Status s = peers::PeerFailure("orders", "customers", "GetCustomer", grpc::Status(code, "refused"));
    EXPECT_EQ(static_cast<int>(s.code()), static_cast<int>(code));
  }
}

TEST(FakePeers, AnswerFromTheirMapsOrAsDown) {
  testing::FakeCustomersPeer customers;
  customers.customers[7].set_name("张三的客户");
  peers::PeerBatch batch(nullptr, absl::Seconds(1));
  absl::StatusOr<cv1::Customer> found, missing;
  absl::StatusOr<std::optional<cv1::CreditProfile>> profile;
  customers.GetCustomer(batch, 7, &found);
  customers.GetCustomer(batch, 8, &missing);
  customers.GetCreditProfile(batch, 7, &profile);
  batch.Wait();
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name(), "张三的客户");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(profile.ok());
  EXPECT_FALSE(profile->has_value());
  customers.down = absl::UnavailableError("customers-svc down");
  EXPECT_EQ(customers.FetchCustomer(nullptr, 7).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(customers.calls, 4);
}

}  // namespace
}  // namespace sales
