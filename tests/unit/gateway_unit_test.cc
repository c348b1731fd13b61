// The gateway's pure parts: the shipped policy per role, glob rules,
// token buckets and which methods are safe to retry.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/method_table.h"
#include "gateway/policy.h"
#include "gateway/rate_limiter.h"
#include "platform/call.h"

namespace sales::gateway {
namespace {

Policy ShippedPolicy() {
  std::ifstream in(std::string(SALES_SOURCE_DIR) + "/gateway/policy.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto p = Policy::Parse(ss.str());
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Policy();
}

TEST(GatewayPolicy, ShippedPolicyGivesEachRoleItsWork) {
  Policy p = ShippedPolicy();
  struct Case {
    const char* role;
    const char* method;
    bool allowed;
  };
  const Case cases[] = {
      {"ADMIN", "sales.finance.v1.FinanceService/RunCollectionsSweep", true},
      {"SERVICE", "sales.orders.v1.OrdersService/StreamEvents", true},
      {"SALES_DIRECTOR", "sales.orders.v1.OrdersService/StreamEvents", false},
      {"SALES_DIRECTOR", "sales.targets.v1.TargetsService/SignPlan", true},
      {"SALES_DIRECTOR", "sales.finance.v1.FinanceService/GetAgeingReport", true},
      {"SALES_DIRECTOR", "sales.finance.v1.FinanceService/RecordPayment", false},
      {"SALES_DIRECTOR", "sales.finance.v1.FinanceService/GetCustomerExposure", false},
      {"SALES_MANAGER", "sales.targets.v1.TargetsService/DecomposePlan", true},
      {"SALES_MANAGER", "sales.targets.v1.TargetsService/SignPlan", false},
      {"SALES_MANAGER", "sales.orders.v1.OrdersService/ApproveQuote", true},
      {"SALES_MANAGER", "sales.customers.v1.CustomersService/ReviewCollision", true},
      {"SALES_MANAGER", "sales.customers.v1.CustomersService/RunLapseSweep", false},
      {"SALES_REP", "sales.customers.v1.CustomersService/RegisterCustomer", true},
      {"SALES_REP", "sales.customers.v1.CustomersService/ListCustomers", true},
      {"SALES_REP", "sales.orders.v1.OrdersService/CreateQuote", true},
      {"SALES_REP", "sales.orders.v1.OrdersService/ApproveQuote", false},
      {"SALES_REP", "sales.finance.v1.FinanceService/GetAgeingReport", false},
      {"SALES_REP", "sales.finance.v1.FinanceService/RecordPayment", false},
      {"SALES_REP", "sales.finance.v1.FinanceService/GetCommissionStatement", true},
      {"SALES_REP", "sales.targets.v1.TargetsService/AcceptAssignment", true},
      {"SALES_REP", "sales.targets.v1.TargetsService/DecomposePlan", false},
      {"SALES_REP", "sales.customers.v1.CustomersService/ListCustomerAudit", false},
      {"FINANCE", "sales.finance.v1.FinanceService/RecordPayment", true},
      {"FINANCE", "sales.finance.v1.FinanceService/GetAgeingReport", true},
      {"FINANCE", "sales.finance.v1.FinanceService/RunCollectionsSweep", false},
      {"FINANCE", "sales.customers.v1.CustomersService/SetCreditHold", true},
      {"FINANCE", "sales.orders.v1.OrdersService/CreateOrder", false},
      {"RECEPTIONIST", "sales.customers.v1.CustomersService/RegisterLead", true},
      {"RECEPTIONIST", "sales.customers.v1.CustomersService/ListCustomers", false},
      {"RECEPTIONIST", "sales.orders.v1.OrdersService/GetOrder", false},
      {"WAREHOUSE", "sales.orders.v1.OrdersService/PostShipment", true},
      {"SALES_CLERK", "sales.orders.v1.OrdersService/RequestShipment", true},
      {"SALES_CLERK", "sales.finance.v1.FinanceService/RequestInvoice", true},
      {"SALES_CLERK", "sales.finance.v1.FinanceService/IssueInvoice", false},
      {"WAREHOUSE", "sales.orders.v1.OrdersService/ApproveOrder", false},
      {"WAREHOUSE", "sales.finance.v1.FinanceService/GetInvoice", false},
      {"NOBODY", "sales.targets.v1.TargetsService/GetRep", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(p.Allows(c.role, c.method), c.allowed) << c.role << " " << c.method;
  }
}

TEST(GatewayPolicy, EveryPublicMethodIsReachableBySomeWorkingRole) {
  Policy p = ShippedPolicy();
  auto table = MethodTable::Build(DefaultBackends(), {}, absl::Seconds(30));
  ASSERT_TRUE(table.ok());
  const char* roles[] = {"SALES_DIRECTOR", "MANAGER", "SALES_REP", "FINANCE", "RECEPTIONIST", "WAREHOUSE"};
  for (const auto& r : table->routes()) {
    if (p.IsInternal(r->name)) {
      EXPECT_TRUE(p.Allows("SERVICE", r->name)) << r->name;
      continue;
    }
    bool someone = false;
    for (const char* role : roles) someone = someone || p.Allows(role, r->name);
    // Master data and settings are ADMIN's alone; everything else has a
    // business role that does it.
    if (!someone) {
      EXPECT_TRUE(p.Allows("ADMIN", r->name)) << r->name;
    }
  }
  EXPECT_TRUE(p.IsInternal("sales.customers.v1.CustomersService/RunDormancySweep"));
  EXPECT_TRUE(p.IsInternal("sales.finance.v1.FinanceService/BatchGetCustomerExposures"));
}

TEST(GatewayPolicy, RefusesMalformedFiles) {
  EXPECT_FALSE(Policy::Parse("[]").ok());
  EXPECT_FALSE(Policy::Parse(R"({"roles": []})").ok());
  EXPECT_FALSE(Policy::Parse(R"({"roles": {"ADMIN": {"alow": ["*"]}}})").ok());
  EXPECT_FALSE(Policy::Parse(R"({"roles": {"ADMIN": {"allow": "*"}}})").ok());
  EXPECT_FALSE(Policy::Parse(R"({"roles": {"ADMIN": {"allow": [""]}}})").ok());
  auto p = Policy::Parse(R"({"roles": {"X": {"allow": ["a.S/Get*"], "deny": ["a.S/GetSecret"]}}})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Allows("X", "a.S/GetThing"));
  EXPECT_FALSE(p->Allows("X", "a.S/GetSecret"));
  EXPECT_FALSE(p->Allows("X", "a.S/ListThings"));
}

TEST(GatewayRateLimiter, BurstThenSteadyRatePerPrincipal) {
  RateLimiter limiter(RateLimit{10, 3});
  absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t0), absl::ZeroDuration());
  absl::Duration wait = limiter.Take("a", t0);
  EXPECT_EQ(wait, absl::Milliseconds(100));
  EXPECT_EQ(limiter.Take("b", t0), absl::ZeroDuration()) << "another principal has its own bucket";
  EXPECT_EQ(limiter.Take("a", t0 + absl::Milliseconds(100)), absl::ZeroDuration());
  EXPECT_GT(limiter.Take("a", t0 + absl::Milliseconds(100)), absl::ZeroDuration());
  // Refill stops at the burst.
  absl::Time later = t0 + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", later), absl::ZeroDuration());
  EXPECT_GT(limiter.Take("a", later), absl::ZeroDuration());
  RateLimiter off(RateLimit{0, 1});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(off.Take("a", t0), absl::ZeroDuration());
}

TEST(GatewayMethods, RetryOnlyReadsAndRequestIdMethods) {
  auto caps = ParseDeadlineCaps("*/StreamEvents=24h, sales.targets.v1.TargetsService/Get*=2s");
  ASSERT_TRUE(caps.ok());
  auto table = MethodTable::Build(DefaultBackends(), *caps, absl::Seconds(30));
  ASSERT_TRUE(table.ok());
  struct Case {
    const char* path;
    bool retryable;
    bool streaming;
    absl::Duration cap;
  };
  const Case cases[] = {
      {"/sales.targets.v1.TargetsService/GetRep", true, false, absl::Seconds(2)},
      {"/sales.targets.v1.TargetsService/CreateOrgUnit", true, false, absl::Seconds(30)},
      {"/sales.targets.v1.TargetsService/ComputeBaseline", false, false, absl::Seconds(30)},
      {"/sales.finance.v1.FinanceService/VerifyLedger", false, false, absl::Seconds(30)},
      {"/sales.orders.v1.OrdersService/StreamEvents", true, true, absl::Hours(24)},
      {"/sales.customers.v1.CustomersService/ResolveCreditedRep", true, false, absl::Seconds(30)},
  };
  for (const auto& c : cases) {
    const MethodRoute* r = table->Find(c.path);
    ASSERT_NE(r, nullptr) << c.path;
    EXPECT_EQ(r->retryable, c.retryable) << c.path;
    EXPECT_EQ(r->server_streaming, c.streaming) << c.path;
    EXPECT_EQ(r->max_deadline, c.cap) << c.path;
  }
  EXPECT_EQ(table->Find("/sales.targets.v1.TargetsService/Nope"), nullptr);
  size_t methods = 0;
  for (const auto& b : DefaultBackends()) {
    methods += static_cast<size_t>(
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(b.service_name)->method_count());
  }
  EXPECT_EQ(table->routes().size(), methods) << "every method of the four services";
  EXPECT_GT(methods, 300u);
  EXPECT_FALSE(IsReadMethodName("Getaway"));
  EXPECT_FALSE(ParseDeadlineCaps("x").ok());
  EXPECT_FALSE(ParseDeadlineCaps("*/X=-1s").ok());
  EXPECT_THAT(table->RetryServiceConfig(0), ::testing::HasSubstr("\"UNAVAILABLE\""));
  EXPECT_THAT(table->RetryServiceConfig(0), ::testing::Not(::testing::HasSubstr("ComputeBaseline")));
}

// The gateway signs with the key that signs (the first), and the services
// verify with every key they accept.
TEST(GatewaySigner, SignsExactlyAsTheServicesVerify) {
  const absl::Time now = absl::Now();
  for (std::string secret : {"s", "a-longer-shared-secret-0123456789-0123456789-0123456789-0123456789"}) {
    PrincipalVerifier signer(secret);
    PrincipalVerifier verifier(std::vector<PrincipalKey>{{"k0", "other"}, {"k1", secret}});
    for (std::string principal :
         {"user=rep1;role=SALES_REP;rep=3;unit=12", "", "user=%E5%BC%A0;role=ADMIN;rep=0;unit=0"}) {
      for (std::string rid : {"0123456789abcdef0123456789abcdef", "", "r"}) {
        std::string mac = signer.Sign(principal, rid, "/sales.targets.v1.TargetsService/GetRep", now);
        EXPECT_TRUE(
            verifier.Verify(principal, mac, rid, "/sales.targets.v1.TargetsService/GetRep", "targets", now).ok())
            << secret << " " << principal << " " << rid;
      }
    }
  }
  EXPECT_EQ(PrincipalVerifier("").Sign("user=a;role=B;rep=0;unit=0", "r", "/x/y", now), "");
}

}  // namespace
}  // namespace sales::gateway
