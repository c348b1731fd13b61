// Malformed requests are the caller's fault (issue 12): raw bytes sent
// through a real gateway to a real customers-svc on MariaDB — truncated,
// not UTF-8, an unknown enum number, a 1 MiB name — answer INVALID_ARGUMENT
// naming the field, never INTERNAL; and the service's own interceptor
// refuses the same shapes when called directly.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "tests/integration/gateway_support.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/service_fixture.h"

namespace sales::gateway {
namespace {

using namespace ::sales::gateway::testing;  // NOLINT
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace cv1 = ::sales::customers::v1;

constexpr char kSecret[] = "request-shape-test-secret";
constexpr char kCheckDuplicate[] = "/sales.customers.v1.CustomersService/CheckDuplicate";
constexpr char kListCustomers[] = "/sales.customers.v1.CustomersService/ListCustomers";

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

std::vector<std::string> Fields(const grpc::Status& st) {
  std::vector<std::string> out;
  for (const auto& v : FieldViolationsOf(FromGrpcStatus(st))) out.push_back(v.field);
  return out;
}

class RequestShapeThroughTheGateway : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::sales::testing::MakeTempDir("request-shape"));
    Sh(absl::StrCat("mkdir -p ", *dir_, "/keys"));
    key_ = new KeyPair(MakeKey(*dir_, "es", "ES256"));
    WriteAll(*dir_ + "/keys/k1.pem", key_->public_pem);
    db_ = new db::PoolOptions(FreshDatabase("request_shape"));
    customers_ =
        StartService(customers::MakeServiceDefinition(), *db_, nullptr, {{"principal_hmac_secret", kSecret}}).release();
    ASSERT_NE(customers_, nullptr);
    gw_ = StartGateway({{"jwt_public_keys_dir", *dir_ + "/keys"},
                        {"principal_hmac_secret", kSecret},
                        {"customers_address", absl::StrCat("127.0.0.1:", customers_->port())}})
              .release();
    ASSERT_NE(gw_, nullptr);
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete customers_;
    ::sales::testing::RemoveTree(*dir_);
  }

  // One token for every call, as a client holds one (the gateway limits
  // how many new tokens an address may present).
  static const std::string& Admin() {
    static const std::string* token = [] {
      TokenSpec t;
      t.sub = "张三";
      return new std::string(Sign(*key_, "k1", t));
    }();
    return *token;
  }

  // `bytes` as the request of `method`, through the gateway, unparsed.
  static grpc::Status SendRaw(int port, const std::string& method, const std::string& bytes, bool with_token = true) {
    grpc::GenericStub stub(Loopback(port));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (with_token) ctx.AddMetadata("authorization", "Bearer " + Admin());
    grpc::Slice slice(bytes);
    grpc::ByteBuffer req(&slice, 1), resp;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      result = std::move(s);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result;
  }

  static std::string* dir_;
  static KeyPair* key_;
  static db::PoolOptions* db_;
  static ServiceApp* customers_;
  static Gateway* gw_;
};

std::string* RequestShapeThroughTheGateway::dir_;
KeyPair* RequestShapeThroughTheGateway::key_;
db::PoolOptions* RequestShapeThroughTheGateway::db_;
ServiceApp* RequestShapeThroughTheGateway::customers_;
Gateway* RequestShapeThroughTheGateway::gw_;

TEST_F(RequestShapeThroughTheGateway, AWellFormedRequestIsForwarded) {
  cv1::CheckDuplicateRequest req;
  req.set_name(Repeat("华", 200));  // exactly customers.name VARCHAR(200)
  grpc::Status st = SendRaw(gw_->port(), kCheckDuplicate, req.SerializeAsString());
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
}

TEST_F(RequestShapeThroughTheGateway, TruncatedBytesAreInvalidArgumentNamingTheField) {
  cv1::CheckDuplicateRequest req;
  req.set_name("上海华联超市有限公司");
  std::string bytes = req.SerializeAsString();
  bytes.resize(bytes.size() - 2);
  grpc::Status st = SendRaw(gw_->port(), kCheckDuplicate, bytes);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("could not be parsed as sales.customers.v1.CheckDuplicateRequest"));
  EXPECT_THAT(Fields(st), ElementsAre("name"));
}

TEST_F(RequestShapeThroughTheGateway, InvalidUtf8IsInvalidArgumentNamingTheField) {
  // CheckDuplicateRequest{name: "上" + half of "华"}, written by hand: a
  // client library would refuse to serialize it.
  std::string name = "上\xE5\x8D";
  std::string bytes = absl::StrCat("\x0A", std::string(1, static_cast<char>(name.size())), name);
  grpc::Status st = SendRaw(gw_->port(), kCheckDuplicate, bytes);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("name"));
  EXPECT_THAT(st.error_message(), HasSubstr("not valid UTF-8"));
}

TEST_F(RequestShapeThroughTheGateway, UnknownEnumNumbersAreRefusedNotReadAsTheDefault) {
  cv1::ListCustomersRequest req;
  req.add_statuses(cv1::CUSTOMER_STATUS_PROSPECT);
  req.add_statuses(static_cast<cv1::CustomerStatus>(999));
  grpc::Status st = SendRaw(gw_->port(), kListCustomers, req.SerializeAsString());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("statuses[1]"));
  EXPECT_THAT(st.error_message(), HasSubstr("999 is not a value of sales.customers.v1.CustomerStatus"));
}

TEST_F(RequestShapeThroughTheGateway, AMebibyteNameIsRefusedByTheDuplicateCheckAsByRegistration) {
  cv1::CheckDuplicateRequest req;
  req.set_name(std::string(1 << 20, 'n'));
  grpc::Status st = SendRaw(gw_->port(), kCheckDuplicate, req.SerializeAsString());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("name"));
  EXPECT_THAT(st.error_message(), HasSubstr("at most 200 characters (1048576 sent)"));
  // One character over the column, in Chinese, is refused the same way.
  req.set_name(Repeat("华", 201));
  EXPECT_THAT(Fields(SendRaw(gw_->port(), kCheckDuplicate, req.SerializeAsString())), ElementsAre("name"));
}

TEST_F(RequestShapeThroughTheGateway, RandomPayloadsAreNeverInternal) {
  // Random bytes either are no request at all (INVALID_ARGUMENT at the
  // gateway) or happen to parse — unknown fields are skipped — into a
  // request the service answers; nothing else.
  std::mt19937 rng(20240612);
  std::map<grpc::StatusCode, int> codes;
  for (int i = 0; i < 320; ++i) {
    std::string bytes(1 + rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    grpc::Status st = SendRaw(gw_->port(), i % 2 ? kCheckDuplicate : kListCustomers, bytes);
    ++codes[st.error_code()];
    EXPECT_TRUE(st.ok() || st.error_code() == grpc::StatusCode::INVALID_ARGUMENT)
        << i << ": " << st.error_code() << " " << st.error_message();
  }
  EXPECT_GT(codes[grpc::StatusCode::INVALID_ARGUMENT], 100);
  EXPECT_EQ(codes[grpc::StatusCode::INTERNAL], 0);
  EXPECT_EQ(codes[grpc::StatusCode::UNKNOWN], 0);
}

TEST_F(RequestShapeThroughTheGateway, TheServiceRefusesBadShapesItselfBeforeItsHandler) {
  // Directly to the service, without the gateway and without a principal:
  // a request in shape is refused for its missing identity, one out of
  // shape for its shape (the handler's body never runs).
  auto stub = cv1::CustomersService::NewStub(Loopback(customers_->port()));
  cv1::ListCustomersRequest good;
  good.add_statuses(cv1::CUSTOMER_STATUS_PROSPECT);
  cv1::ListCustomersResponse list;
  EXPECT_EQ(stub->ListCustomers(::sales::testing::Ctx().get(), good, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  cv1::ListCustomersRequest bad = good;
  bad.add_statuses(static_cast<cv1::CustomerStatus>(999));
  grpc::Status st = stub->ListCustomers(::sales::testing::Ctx().get(), bad, &list);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("statuses[1]"));

  cv1::CheckDuplicateRequest dup;
  dup.set_name(Repeat("华", 201));
  cv1::CheckDuplicateResponse found;
  st = stub->CheckDuplicate(::sales::testing::Ctx().get(), dup, &found);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("name"));

  cv1::RegisterCustomerRequest reg;
  reg.set_request_id("shape-reg-1");
  reg.mutable_customer()->set_name("上海华联超市");
  reg.mutable_customer()->set_type(static_cast<cv1::CustomerType>(999));
  cv1::RegisterCustomerResponse registered;
  st = stub->RegisterCustomer(::sales::testing::Ctx().get(), reg, &registered);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(Fields(st), ElementsAre("customer.type"));
  EXPECT_EQ(registered.customer().id(), 0) << "no body comes back with a refusal";
}

}  // namespace
}  // namespace sales::gateway
