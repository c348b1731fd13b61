// Bounded resources per caller (issue 12): one rep making 20,000 distinct
// list calls — page sizes, page tokens and filter lists of every length —
// through the real customers-svc handler must leave the server's count of
// open prepared statements within pool size × statement_cache_size, and no
// call may fail. Before the bound, every distinct SQL text stayed prepared
// on every connection until the server refused new ones instance-wide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/mysql.h"
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

constexpr char kSecret[] = "statement-bound-secret";
constexpr int kPoolSize = 16;
constexpr int kCacheSize = 8;
constexpr int64_t kCompany = 1, kEast = 2;
constexpr int64_t kRepA = 11, kRepB = 12;

Principal Rep(int64_t id, int64_t unit) { return {absl::StrCat("rep", id), "SALES_REP", id, unit}; }
const Principal kManagerEast{"mgr-east", "SALES_MANAGER", 0, kEast};

class StatementBound : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("stmt_bound");
    app_ = StartService(customers::MakeServiceDefinition(), db_, &clock_,
                        {{"principal_hmac_secret", kSecret},
                         {"mysql_pool_size", absl::StrCat(kPoolSize)},
                         {"statement_cache_size", absl::StrCat(kCacheSize)}});
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

  void Register(const Principal& who, int i) {
    v1::RegisterCustomerRequest req;
    req.set_request_id(absl::StrCat("reg-", i));
    v1::Customer* c = req.mutable_customer();
    c->set_name(absl::StrCat("上海浦东第", i, "号便利店有限公司"));
    c->set_type(i % 2 == 0 ? v1::CUSTOMER_TYPE_OUTLET_B : v1::CUSTOMER_TYPE_OUTLET_A);
    c->set_phone(absl::StrCat("1380000", 1000 + i));
    c->set_region("EAST");
    c->set_city("上海");
    c->set_address(absl::StrCat("上海市南京路", i, "号"));
    c->set_source_channel("WALK_IN");
    v1::RegisterCustomerResponse resp;
    grpc::Status st = stub_->RegisterCustomer(CtxAs(who, kSecret).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  int64_t PreparedStatementsOnServer() {
    auto n = app_->pool()->Transact<int64_t>([](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'"));
      if (rows.empty()) return absl::NotFoundError("no Prepared_stmt_count");
      return rows[0].Int(1);
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2024, 3, 15, 10, 0, 0), CompanyTimeZone())};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::CustomersService::Stub> stub_;
};

// A filter list of `n` values drawn (with repeats) from `pool`.
template <typename Add>
void FillList(std::mt19937_64& rng, const std::vector<int>& pool, int n, Add add) {
  for (int k = 0; k < n; ++k) add(pool[rng() % pool.size()]);
}

TEST_F(StatementBound, TwentyThousandDistinctListCallsKeepPreparedStatementsBounded) {
  for (int i = 0; i < 30; ++i) Register(i % 3 == 0 ? Rep(kRepB, kEast) : Rep(kRepA, kEast), i);

  const std::vector<int> types = {v1::CUSTOMER_TYPE_OUTLET_A, v1::CUSTOMER_TYPE_OUTLET_B};
  std::vector<int> grades, statuses;
  for (int g = 0; g <= 3; ++g) {
    if (v1::DemandGrade_IsValid(g)) grades.push_back(g);
  }
  for (int s = 1; s <= 8; ++s) {
    if (v1::CustomerStatus_IsValid(s)) statuses.push_back(s);
  }
  ASSERT_FALSE(grades.empty());
  ASSERT_FALSE(statuses.empty());

  constexpr int kCalls = 20000;
  constexpr int kThreads = 4;
  std::atomic<int> next{0}, failures{0}, rows_seen{0};
  std::atomic<int64_t> peak{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(20240315 + t);
      auto ch = Loopback(app_->port());
      auto stub = v1::CustomersService::NewStub(ch);
      std::string token;
      for (int i = next++; i < kCalls; i = next++) {
        v1::ListCustomersRequest req;
        // Every call differs: its page size, its token (offset), and the
        // lengths of three repeated filters (1..40 values, with repeats).
        req.set_page_size(1 + i % 500);
        if (i % 3 == 1 && !token.empty()) req.set_page_token(token);
        FillList(rng, types, 1 + static_cast<int>(rng() % 40),
                 [&](int v) { req.add_types(static_cast<v1::CustomerType>(v)); });
        FillList(rng, grades, 1 + static_cast<int>(rng() % 40),
                 [&](int v) { req.add_demand_grades(static_cast<v1::DemandGrade>(v)); });
        FillList(rng, statuses, 1 + static_cast<int>(rng() % 40),
                 [&](int v) { req.add_statuses(static_cast<v1::CustomerStatus>(v)); });
        if (i % 2 == 0) req.set_page_size(1 + i % 3);  // small pages have a next token
        v1::ListCustomersResponse resp;
        const Principal who = i % 5 == 0 ? kManagerEast : Rep(kRepA, kEast);
        grpc::Status st = stub->ListCustomers(CtxAs(who, kSecret, absl::Seconds(30)).get(), req, &resp);
        if (!st.ok()) {
          ++failures;
          std::lock_guard<std::mutex> lock(first_failure_mu);
          if (first_failure.empty()) first_failure = absl::StrCat(st.error_code(), ": ", st.error_message());
          continue;
        }
        rows_seen += resp.customers_size();
        token = resp.next_page_token();
        if (t == 0 && i % 2000 == 0) {
          int64_t now = PreparedStatementsOnServer();
          int64_t was = peak.load();
          while (now > was && !peak.compare_exchange_weak(was, now)) {
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t at_end = PreparedStatementsOnServer();
  std::printf("%d list calls in %.1f s; prepared statements on the server: peak %lld, at end %lld (bound %d)\n", kCalls,
              seconds, static_cast<long long>(peak.load()), static_cast<long long>(at_end), kPoolSize * kCacheSize);

  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(rows_seen.load(), 0);
  EXPECT_LE(peak.load(), kPoolSize * kCacheSize);
  EXPECT_LE(at_end, kPoolSize * kCacheSize);
  EXPECT_LT(seconds, 60);
}

TEST_F(StatementBound, ARepeatedFilterBeyondTheCapIsRefusedNamingTheField) {
  v1::ListCustomersRequest req;
  for (size_t i = 0; i <= db::kMaxListFilterValues; ++i) req.add_statuses(v1::CUSTOMER_STATUS_ACTIVE);
  v1::ListCustomersResponse resp;
  grpc::Status st = stub_->ListCustomers(CtxAs(Rep(kRepA, kEast), kSecret).get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_details(), ::testing::HasSubstr("statuses"));

  // At the cap, with every value repeated, the call answers.
  v1::ListCustomersRequest at_cap;
  for (size_t i = 0; i < db::kMaxListFilterValues; ++i) at_cap.add_statuses(v1::CUSTOMER_STATUS_ACTIVE);
  EXPECT_TRUE(stub_->ListCustomers(CtxAs(Rep(kRepA, kEast), kSecret).get(), at_cap, &resp).ok());
}

}  // namespace
}  // namespace sales
