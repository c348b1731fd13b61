// The real binaries as a person uses them: salesctl signs in as a demo user
// with the local dev key, and its calls go through the gateway binary to a
// service that only trusts principals the gateway signed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "orders-svc/api/orders_api.h"
#include "targets-svc/api/targets_api.h"
#include "tests/integration/gateway_support.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales::gateway {
namespace {

using namespace ::sales::gateway::testing;  // NOLINT
using ::sales::testing::ChildProcess;
using ::sales::testing::FreeLoopbackPort;
using ::sales::testing::IsOk;
using ::testing::HasSubstr;

std::string Bin(const std::string& rel) { return absl::StrCat(SALES_BIN_DIR, "/", rel); }

class GatewayLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::sales::testing::MakeTempDir("gateway-login");
    auth_ = dir_ + "/auth";
    Sh(absl::StrCat("mkdir -p ", auth_, "/keys && openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null",
                    " | openssl pkcs8 -topk8 -nocrypt -out ", auth_, "/signing-key.pem && openssl pkey -in ", auth_,
                    "/signing-key.pem -pubout -out ", auth_, "/keys/dev-1.pem"));
    WriteAll(auth_ + "/users.json", R"({"issuer": "sales-dev", "audience": "sales-gateway", "alg": "ES256",
      "kid": "dev-1", "signing_key": "signing-key.pem",
      "users": {"admin": {"role": "ADMIN"}, "reception": {"role": "RECEPTIONIST"},
                "rep1": {"role": "SALES_REP", "rep_user_id": "rep1"}}})");
    WriteAll(dir_ + "/secret", "login-test-secret\n");
    db_ = ::sales::testing::FreshDatabase("gwlogin");
    targets_ = ::sales::testing::StartService(targets::MakeServiceDefinition(), db_, nullptr,
                                              {{"principal_hmac_secret", "login-test-secret"}});
    ASSERT_NE(targets_, nullptr);
    gw_port_ = FreeLoopbackPort();
    setenv("SALES_PRINCIPAL_HMAC_SECRET_FILE", (dir_ + "/secret").c_str(), 1);
    ASSERT_THAT(
        gateway_.Start(
            {Bin("gateway/gateway"), absl::StrCat("--listen=127.0.0.1:", gw_port_),
             absl::StrCat("--targets_address=127.0.0.1:", targets_->port()), "--jwt_public_keys_dir=" + auth_ + "/keys",
             absl::StrCat("--policy_file=", SALES_SOURCE_DIR, "/gateway/policy.json"), "--drain_deadline=1s"},
            dir_ + "/gateway.log"),
        IsOk());
    unsetenv("SALES_PRINCIPAL_HMAC_SECRET_FILE");
    setenv("SALES_AUTH_DIR", auth_.c_str(), 1);
    setenv("SALES_GATEWAY_ADDRESS", absl::StrCat("127.0.0.1:", gw_port_).c_str(), 1);
    std::string out;
    // Until the gateway answers: `salesctl health` exits 1 while nothing
    // listens yet (a sanitizer build starts slower than the test's first call).
    for (int i = 0; i < 200 && Salesctl({"health"}, &out) != 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  void TearDown() override {
    gateway_.Stop();
    unsetenv("SALES_AUTH_DIR");
    unsetenv("SALES_GATEWAY_ADDRESS");
    targets_.reset();
    ::sales::testing::RemoveTree(dir_);
  }

  int Salesctl(const std::vector<std::string>& args, std::string* output) {
    ChildProcess ctl;
    std::string log = absl::StrCat(dir_, "/salesctl-", ++runs_, ".log");
    std::vector<std::string> argv = {Bin("tools/salesctl/salesctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_THAT(ctl.Start(argv, log), IsOk());
    auto code = ctl.Wait(absl::Seconds(30));
    *output = ReadAll(log);
    return code.ok() ? *code : -1;
  }

  std::string dir_, auth_;
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> targets_;
  ChildProcess gateway_;
  int gw_port_ = 0;
  int runs_ = 0;
};

TEST_F(GatewayLogin, SalesctlSignsInAndCallsThroughTheGateway) {
  std::string out;
  // Not signed in: the gateway refuses and salesctl says how to sign in.
  EXPECT_EQ(Salesctl({"call", "targets/ListOrgUnits", "{}"}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(out, HasSubstr("salesctl login"));

  EXPECT_EQ(Salesctl({"login", "nobody"}, &out), 2) << out;
  EXPECT_EQ(Salesctl({"login", "--list"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("reception"));

  ASSERT_EQ(Salesctl({"login", "admin"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("signed in as admin (ADMIN)"));
  EXPECT_EQ(
      Salesctl({"call", "targets/CreateOrgUnit",
                R"({"request_id":"login-1","org_unit":{"code":"CO","name":"公司","kind":"ORG_UNIT_KIND_COMPANY"}})"},
               &out),
      0)
      << out;
  EXPECT_EQ(
      Salesctl(
          {"call", "targets/CreateOrgUnit",
           R"({"request_id":"login-1b","org_unit":{"code":"EAST","name":"华东区","kind":"ORG_UNIT_KIND_BRANCH","parent_id":1}})"},
          &out),
      0)
      << out;
  EXPECT_EQ(Salesctl({"call", "targets/CreateRep",
                      R"({"request_id":"login-2","rep":{"employee_code":"E1","user_id":"rep1","name":"张伟",
                          "org_unit_id":2,"hire_date":{"year":2020,"month":1,"day":1},"status":"REP_STATUS_ACTIVE"}})"},
                     &out),
            0)
      << out;

  // A rep's token carries the rep id that targets-svc knows for the user.
  ASSERT_EQ(Salesctl({"login", "rep1"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("signed in as rep1 (SALES_REP, rep 1"));
  EXPECT_EQ(Salesctl({"call", "targets/GetRep", R"({"id": 1})"}, &out), 0) << out;
  EXPECT_EQ(Salesctl({"call", "finance/GetAgeingReport", "{}"}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("reason METHOD_NOT_ALLOWED"));

  // The receptionist may not create org units; the policy says so at the gateway.
  ASSERT_EQ(Salesctl({"login", "reception"}, &out), 0) << out;
  EXPECT_EQ(Salesctl({"call", "targets/CreateOrgUnit", R"({"request_id":"login-3","org_unit":{"code":"X"}})"}, &out),
            1);
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));

  // Straight to the service, salesctl's token means nothing: the service
  // wants the gateway's signature.
  EXPECT_EQ(Salesctl({"call", "targets/ListOrgUnits", "{}", absl::StrCat("--addr=127.0.0.1:", targets_->port())}, &out),
            1);
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED"));
  // A scheduler holding the suite's secret (the sweep CronJobs) calls the
  // service itself, signed as a SERVICE.
  setenv("SALES_PRINCIPAL_HMAC_SECRET_FILE", (dir_ + "/secret").c_str(), 1);
  setenv("SALES_TARGETS_ADDRESS", absl::StrCat("127.0.0.1:", targets_->port()).c_str(), 1);
  EXPECT_EQ(Salesctl({"call", "targets/ListOrgUnits", "{}"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"code\": \"EAST\""));
  unsetenv("SALES_TARGETS_ADDRESS");
  unsetenv("SALES_PRINCIPAL_HMAC_SECRET_FILE");
}

// The daily jobs as a CronJob runs them: salesctl holding the suite's secret
// calls each service's sweep for one business day; a second run that day
// answers the first run's results instead of sweeping again.
TEST_F(GatewayLogin, SalesctlRunsTheDailySweepsForADay) {
  auto config = [&](const std::string& prefix) {
    return std::make_pair(::sales::testing::FreshDatabase(prefix),
                          std::map<std::string, std::string>{{"principal_hmac_secret", "login-test-secret"}});
  };
  auto [cdb, cconf] = config("gwsweep_c");
  auto [odb, oconf] = config("gwsweep_o");
  auto [fdb, fconf] = config("gwsweep_f");
  auto customers = ::sales::testing::StartService(customers::MakeServiceDefinition(), cdb, nullptr, cconf);
  auto orders = ::sales::testing::StartService(orders::MakeServiceDefinition(), odb, nullptr, oconf);
  auto finance = ::sales::testing::StartService(finance::MakeServiceDefinition(), fdb, nullptr, fconf);
  ASSERT_TRUE(customers && orders && finance);
  setenv("SALES_CUSTOMERS_ADDRESS", absl::StrCat("127.0.0.1:", customers->port()).c_str(), 1);
  setenv("SALES_ORDERS_ADDRESS", absl::StrCat("127.0.0.1:", orders->port()).c_str(), 1);
  setenv("SALES_FINANCE_ADDRESS", absl::StrCat("127.0.0.1:", finance->port()).c_str(), 1);
  setenv("SALES_TARGETS_ADDRESS", absl::StrCat("127.0.0.1:", targets_->port()).c_str(), 1);
  std::string out;
  // Without the secret the services refuse the scheduler.
  EXPECT_EQ(Salesctl({"sweep", "lapse"}, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED"));
  setenv("SALES_PRINCIPAL_HMAC_SECRET_FILE", (dir_ + "/secret").c_str(), 1);
  EXPECT_EQ(Salesctl({"sweep", "weekly"}, &out), 2) << out;
  EXPECT_EQ(Salesctl({"sweep", "all", "--as_of=2026-13-01"}, &out), 2) << out;
  const std::string day = absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600)));
  ASSERT_EQ(Salesctl({"sweep", "all", "--as_of=" + day}, &out), 0) << out;
  for (const char* job : {"lapse", "dormancy", "collections", "quotes", "late-orders", "progress"}) {
    EXPECT_THAT(out, HasSubstr(absl::StrCat("sweep ", job, " ("))) << out;
  }
  std::string again;
  ASSERT_EQ(Salesctl({"sweep", "all"}, &again), 0) << again;
  EXPECT_EQ(again, out) << "the same day's jobs answer as the first run did";
  for (const char* env : {"SALES_CUSTOMERS_ADDRESS", "SALES_ORDERS_ADDRESS", "SALES_FINANCE_ADDRESS",
                          "SALES_TARGETS_ADDRESS", "SALES_PRINCIPAL_HMAC_SECRET_FILE"}) {
    unsetenv(env);
  }
}

}  // namespace
}  // namespace sales::gateway
