// The real binaries as an operator runs them: a service started from its
// executable drains an in-flight call on SIGTERM, and salesctl gives clear
// errors for bad JSON, an unknown method and a wrong type.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::ChildProcess;
using ::sales::testing::Ctx;
using ::sales::testing::FreeLoopbackPort;
using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
using ::sales::testing::Loopback;
using ::testing::HasSubstr;
namespace tv1 = ::sales::targets::v1;

std::string Bin(const std::string& rel) { return absl::StrCat(SALES_BIN_DIR, "/", rel); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TargetsProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("proc");
    port_ = FreeLoopbackPort();
    dir_ = ::sales::testing::MakeTempDir("sales-proc");
    // The password travels in the environment, as in Kubernetes.
    setenv("SALES_MYSQL_PASSWORD", db_.password.c_str(), 1);
    ASSERT_THAT(proc_.Start({Bin("targets-svc/targets-svc"), absl::StrCat("--listen=127.0.0.1:", port_),
                             "--mysql_host=127.0.0.1", absl::StrCat("--mysql_port=", db_.port),
                             absl::StrCat("--mysql_user=", db_.user), absl::StrCat("--mysql_database=", db_.database),
                             "--drain_deadline=20s", "--allow_unsigned_principals=true"},
                            dir_ + "/targets.log"),
                IsOk());
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      // A fresh channel per probe: a failed one would back off for seconds.
      stub_ = tv1::TargetsService::NewStub(Loopback(port_));
      tv1::ListOrgUnitsRequest req;
      tv1::ListOrgUnitsResponse resp;
      if (stub_->ListOrgUnits(Ctx(absl::Seconds(1)).get(), req, &resp).ok()) return;
      ASSERT_TRUE(proc_.running()) << ReadFile(dir_ + "/targets.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "targets-svc did not serve: " << ReadFile(dir_ + "/targets.log");
  }

  void TearDown() override {
    // An idle client connection makes the server's graceful GOAWAY wait
    // seconds for a ping ack; close ours first so tests stay quick.
    stub_.reset();
    proc_.Stop();
    ::sales::testing::RemoveTree(dir_);
  }

  int Salesctl(const std::vector<std::string>& args, std::string* output) {
    ChildProcess ctl;
    std::string log = absl::StrCat(dir_, "/salesctl-", ++runs_, ".log");
    std::vector<std::string> argv = {Bin("tools/salesctl/salesctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(absl::StrCat("--addr=127.0.0.1:", port_));
    EXPECT_THAT(ctl.Start(argv, log), IsOk());
    auto code = ctl.Wait(absl::Seconds(30));
    *output = ReadFile(log);
    return code.ok() ? *code : -1;
  }

  db::PoolOptions db_;
  int port_ = 0;
  int runs_ = 0;
  std::string dir_;
  ChildProcess proc_;
  std::unique_ptr<tv1::TargetsService::Stub> stub_;
};

TEST_F(TargetsProcess, SigtermDrainsAnInFlightCallBeforeExit) {
  // Hold a table lock so the next call blocks inside MySQL.
  auto pool = std::move(db::Pool::Create(db_)).value();
  auto lock = pool->Acquire();
  ASSERT_THAT(lock.status(), IsOk());
  ASSERT_THAT((*lock)->Exec("LOCK TABLES org_units WRITE").status(), IsOk());

  grpc::Status call_status;
  tv1::CreateOrgUnitResponse created;
  std::thread call([&] {
    tv1::CreateOrgUnitRequest req;
    req.set_request_id("drain-1");
    req.mutable_org_unit()->set_code("CO");
    req.mutable_org_unit()->set_name("公司");
    req.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
    call_status = stub_->CreateOrgUnit(Ctx(absl::Seconds(30)).get(), req, &created);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  proc_.Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_TRUE(proc_.running()) << "the process must wait for the in-flight call";
  ASSERT_THAT((*lock)->Exec("UNLOCK TABLES").status(), IsOk());
  call.join();
  EXPECT_TRUE(call_status.ok()) << call_status.error_message();
  EXPECT_EQ(created.org_unit().code(), "CO");
  auto code = proc_.Wait(absl::Seconds(20));
  ASSERT_THAT(code.status(), IsOk());
  EXPECT_EQ(*code, 0);
  std::string log = ReadFile(dir_ + "/targets.log");
  EXPECT_THAT(log, HasSubstr("\"msg\":\"draining\""));
  EXPECT_THAT(log, HasSubstr("\"msg\":\"stopped\""));
}

// No silent development mode: without a principal key a service refuses to
// start (a blank or whitespace-only secret is no key), and the explicit flag
// that allows it is shouted in the log.
TEST_F(TargetsProcess, RefusesToStartWithoutAPrincipalKeyUnlessToldToLoudly) {
  for (const std::string secret_flag : {"", "--principal_hmac_secret=", "--principal_hmac_secret=   "}) {
    ChildProcess svc;
    std::string log = absl::StrCat(dir_, "/nosecret-", ++runs_, ".log");
    std::vector<std::string> argv = {Bin("targets-svc/targets-svc"),
                                     absl::StrCat("--listen=127.0.0.1:", FreeLoopbackPort()),
                                     "--mysql_host=127.0.0.1",
                                     absl::StrCat("--mysql_port=", db_.port),
                                     absl::StrCat("--mysql_user=", db_.user),
                                     absl::StrCat("--mysql_database=", db_.database)};
    if (!secret_flag.empty()) argv.push_back(secret_flag);
    ASSERT_THAT(svc.Start(argv, log), IsOk());
    auto code = svc.Wait(absl::Seconds(20));
    ASSERT_THAT(code.status(), IsOk()) << "must exit, not serve: " << secret_flag;
    EXPECT_NE(*code, 0) << secret_flag;
    EXPECT_THAT(ReadFile(log), HasSubstr("principal_hmac_secret is missing or blank")) << secret_flag;
  }
  EXPECT_THAT(ReadFile(dir_ + "/targets.log"), HasSubstr("DEVELOPMENT MODE"));
}

TEST_F(TargetsProcess, SalesctlCallsAnyMethodAndExplainsFailures) {
  std::string out;
  EXPECT_EQ(
      Salesctl({"call", "targets/CreateOrgUnit",
                R"({"request_id":"ctl-1","org_unit":{"code":"CO","name":"公司","kind":"ORG_UNIT_KIND_COMPANY"}})"},
               &out),
      0)
      << out;
  EXPECT_THAT(out, HasSubstr("\"code\": \"CO\""));

  EXPECT_EQ(Salesctl({"call", "targets/ListOrgUnits", "{}"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"org_units\""));

  EXPECT_EQ(Salesctl({"call", "targets/GetOrgUnit", "{\"id\": "}, &out), 2);
  EXPECT_THAT(out, HasSubstr("not a valid sales.targets.v1.GetOrgUnitRequest"));

  EXPECT_EQ(Salesctl({"call", "targets/NoSuchMethod", "{}"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("has no method 'NoSuchMethod'"));

  EXPECT_EQ(Salesctl({"call", "nosuch/GetOrgUnit", "{}"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("unknown service"));

  EXPECT_EQ(Salesctl({"call", "targets/GetOrgUnit", R"({"id": "abc"})"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));

  EXPECT_EQ(Salesctl({"call", "targets/GetOrgUnit", R"({"idd": 1})"}, &out), 2);

  EXPECT_EQ(Salesctl({"call", "targets/GetOrgUnit", R"({"id": 999})"}, &out), 1);
  EXPECT_THAT(out, HasSubstr("error: NOT_FOUND"));
  EXPECT_THAT(out, HasSubstr("reason NOT_FOUND"));

  EXPECT_EQ(Salesctl({"call", "targets/CreateOrgUnit", R"({"request_id":"ctl-2","org_unit":{"code":"x y"}})"}, &out),
            1);
  EXPECT_THAT(out, HasSubstr("error: INVALID_ARGUMENT"));
  EXPECT_THAT(out, HasSubstr("field org_unit.code"));
}

}  // namespace
}  // namespace sales
