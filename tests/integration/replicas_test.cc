// Many replicas of every process, as Kubernetes runs them (issue 13), with
// the real binaries on loopback. A multi-address target
// ("ipv4:127.0.0.1:A,127.0.0.1:B,127.0.0.1:C") stands in for the DNS name of
// a headless Service:
//  - the gateway spreads calls over every replica (round_robin), a replica
//    started later gets calls, a replica killed with SIGKILL loses no call
//    that carries a request_id, and servers end connections at their age;
//  - a service's consumer of a peer's feed runs in one replica at a time
//    (the lease holder), a standby takes over within 10 s of the holder
//    being killed or paused, and every event is applied once, in feed order;
//  - 300 open feed subscriptions and 64 concurrent confirmations do not
//    exhaust one orders-svc's request threads.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "platform/mysql.h"
#include "tests/testing/fleet.h"
#include "tests/testing/fleet_company.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::Fleet;
using ::sales::testing::FleetCompany;
using ::sales::testing::FleetOptions;
namespace tv1 = ::sales::targets::v1;
namespace ov1 = ::sales::orders::v1;

std::unique_ptr<grpc::ClientContext> Bearer(const std::string& token, absl::Duration deadline = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

// One integer from a service's database.
int64_t QueryInt(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  auto v = pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    return rows.empty() ? int64_t{-1} : rows[0].Int(0);
  });
  return v.ok() ? *v : -2;
}

std::unique_ptr<db::Pool> PoolFor(const Fleet& fleet, const std::string& service) {
  db::PoolOptions o = fleet.database(service);
  o.max_connections = 4;
  auto pool = db::Pool::Create(o);
  return pool.ok() ? std::move(pool).value() : nullptr;
}

// ------------------------------------------------------------ balancing

class BalancingTest : public ::testing::Test {
 protected:
  // Three targets-svc replicas (the third deferred when `defer_third`)
  // behind one gateway; servers end connections after 3 s.
  void StartFleet(bool defer_third) {
    FleetOptions o;
    o.replicas = {{"targets", 3}};
    o.common_flags = {"--max_connection_age=3s", "--max_connection_age_grace=1s"};
    if (defer_third) o.deferred = {{"targets", {2}}};
    ASSERT_TRUE(fleet_.Start(o).ok());
    admin_ = fleet_.Token("admin", kRoleAdmin);
    stub_ = tv1::TargetsService::NewStub(fleet_.GatewayChannel());
  }

  // Calls a replica has served (its log has one "call" line per call).
  int Served(int replica, const std::string& method) {
    return fleet_.CountLogLines("targets", replica, absl::StrCat("TargetsService/", method, "\",\"ms\":"));
  }

  // `n` reads through the gateway from `threads` threads; failures counted.
  int Reads(int n, int threads) {
    std::atomic<int> next{0}, failed{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        while (next.fetch_add(1) < n) {
          tv1::ListOrgUnitsRequest req;
          req.set_page_size(10);
          tv1::ListOrgUnitsResponse resp;
          if (!stub_->ListOrgUnits(Bearer(admin_).get(), req, &resp).ok()) ++failed;
        }
      });
    }
    for (auto& t : pool) t.join();
    return failed.load();
  }

  Fleet fleet_;
  std::string admin_;
  std::unique_ptr<tv1::TargetsService::Stub> stub_;
};

TEST_F(BalancingTest, CallsSpreadOverEveryReplica) {
  StartFleet(false);
  ASSERT_EQ(Reads(3000, 8), 0);
  int total = 0;
  int served[3];
  for (int r = 0; r < 3; ++r) total += served[r] = Served(r, "ListOrgUnits");
  std::printf("[replicas] 3000 calls through the gateway: %d / %d / %d per replica\n", served[0], served[1], served[2]);
  EXPECT_GE(total, 3000);
  for (int r = 0; r < 3; ++r) {
    EXPECT_GE(served[r] * 5, total) << "replica " << r << " served " << served[r] << " of " << total << " (under 20%)";
  }
}

TEST_F(BalancingTest, ReplicaStartedLaterReceivesCalls) {
  StartFleet(true);
  ASSERT_EQ(Reads(300, 4), 0);
  ASSERT_EQ(Served(2, "ListOrgUnits"), 0);
  ASSERT_TRUE(fleet_.StartReplica("targets", 2).ok()) << fleet_.LogTail("targets", 2);
  absl::Time started = absl::Now();
  // Within its connection-age period (3 s, + 10% jitter, + 1 s grace) the
  // new replica has a share of the calls.
  absl::Time until = started + absl::Seconds(10);
  while (Served(2, "ListOrgUnits") == 0 && absl::Now() < until) ASSERT_EQ(Reads(50, 4), 0);
  double after = absl::ToDoubleSeconds(absl::Now() - started);
  std::printf("[replicas] a replica started later served its first call after %.1f s\n", after);
  EXPECT_GT(Served(2, "ListOrgUnits"), 0) << "the late replica got no call in 10 s";
  int before = Served(2, "ListOrgUnits");
  ASSERT_EQ(Reads(600, 6), 0);
  EXPECT_GE((Served(2, "ListOrgUnits") - before) * 5, 600) << "the late replica has under 20% of new calls";
}

TEST_F(BalancingTest, KilledReplicaLosesNoCallWithRequestId) {
  StartFleet(false);
  tv1::CreateOrgUnitRequest co;
  co.set_request_id("company");
  co.mutable_org_unit()->set_code("CO");
  co.mutable_org_unit()->set_name("总公司");
  co.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
  tv1::CreateOrgUnitResponse cor;
  ASSERT_TRUE(stub_->CreateOrgUnit(Bearer(admin_).get(), co, &cor).ok());
  tv1::CreateOrgUnitRequest br;
  br.set_request_id("branch");
  br.mutable_org_unit()->set_code("EAST");
  br.mutable_org_unit()->set_name("华东大区");
  br.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_BRANCH);
  br.mutable_org_unit()->set_parent_id(cor.org_unit().id());
  tv1::CreateOrgUnitResponse brr;
  ASSERT_TRUE(stub_->CreateOrgUnit(Bearer(admin_).get(), br, &brr).ok());
  const int64_t branch = brr.org_unit().id();

  constexpr int kUnits = 400;
  std::atomic<int> next{0}, done{0}, failed{0}, retried{0};
  std::mutex mu;
  std::set<int64_t> ids;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < kUnits;) {
        tv1::CreateOrgUnitRequest req;
        req.set_request_id(absl::StrCat("office-", i));
        req.mutable_org_unit()->set_code(absl::StrCat("K", 1000 + i));
        req.mutable_org_unit()->set_name(absl::StrCat("第", i, "办事处"));
        req.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_OFFICE);
        req.mutable_org_unit()->set_parent_id(branch);
        tv1::CreateOrgUnitResponse resp;
        // As a client does: the same request id until a definite answer.
        grpc::Status st;
        for (int attempt = 0; attempt < 50; ++attempt) {
          st = stub_->CreateOrgUnit(Bearer(admin_).get(), req, &resp);
          if (st.error_code() != grpc::StatusCode::UNAVAILABLE && st.error_code() != grpc::StatusCode::ABORTED &&
              st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            break;
          }
          ++retried;
          absl::SleepFor(absl::Milliseconds(100));
        }
        std::lock_guard<std::mutex> lock(mu);
        if (st.ok()) {
          ids.insert(resp.org_unit().id());
        } else {
          ++failed;
          if (first_error.empty())
            first_error = absl::StrCat(static_cast<int>(st.error_code()), " ", st.error_message());
        }
        ++done;
      }
    });
  }
  while (done.load() < kUnits / 4) absl::SleepFor(absl::Milliseconds(5));
  int before[3];
  for (int r = 0; r < 3; ++r) before[r] = Served(r, "CreateOrgUnit");
  fleet_.Signal("targets", 1, SIGKILL);
  for (auto& t : threads) t.join();
  int after[3];
  for (int r = 0; r < 3; ++r) after[r] = Served(r, "CreateOrgUnit");
  std::printf(
      "[replicas] SIGKILL of replica 1 after %d creations: served before %d/%d/%d, after %d/%d/%d; "
      "%d retries\n",
      kUnits / 4, before[0], before[1], before[2], after[0], after[1], after[2], retried.load());
  EXPECT_EQ(failed.load(), 0) << first_error;
  EXPECT_EQ(static_cast<int>(ids.size()), kUnits);
  // Its share moved to the others.
  EXPECT_GT(after[0] - before[0], kUnits / 4);
  EXPECT_GT(after[2] - before[2], kUnits / 4);
  // Every created unit is there, once: as many offices as requests.
  std::set<std::string> codes;
  std::string page;
  do {
    tv1::ListOrgUnitsRequest req;
    req.set_page_size(500);
    req.set_page_token(page);
    tv1::ListOrgUnitsResponse resp;
    ASSERT_TRUE(stub_->ListOrgUnits(Bearer(admin_).get(), req, &resp).ok());
    for (const auto& u : resp.org_units()) {
      if (u.kind() == tv1::ORG_UNIT_KIND_OFFICE) {
        EXPECT_TRUE(codes.insert(u.code()).second) << u.code();
      }
    }
    page = resp.next_page_token();
  } while (!page.empty());
  EXPECT_EQ(static_cast<int>(codes.size()), kUnits);
}

TEST_F(BalancingTest, ServerEndsConnectionsAtItsMaximumAge) {
  StartFleet(false);
  // A channel to one replica: connected, then sent away within the age
  // (3 s + 10% jitter) so that a DNS client would resolve again.
  auto channel = fleet_.Channel("targets", 0);
  auto stub = tv1::TargetsService::NewStub(channel);
  tv1::ListOrgUnitsRequest req;
  tv1::ListOrgUnitsResponse resp;
  ASSERT_TRUE(
      stub->ListOrgUnits(testing::CtxAs(Principal{"admin", kRoleAdmin}, Fleet::principal_secret()).get(), req, &resp)
          .ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  absl::Time start = absl::Now();
  bool left_ready = channel->WaitForStateChange(GRPC_CHANNEL_READY, absl::ToChronoTime(start + absl::Seconds(6)));
  EXPECT_TRUE(left_ready) << "the connection outlived the server's maximum age";
  std::printf("[replicas] connection closed by the server after %.1f s (max_connection_age=3s)\n",
              absl::ToDoubleSeconds(absl::Now() - start));
}

// ------------------------------------------------------- feed consumers

class FeedReplicasTest : public ::testing::Test {
 protected:
  // The replica of `service` whose process holds `consumer`'s live lease, or -1.
  int Holder(db::Pool& pool, const std::string& service, const std::string& consumer) {
    auto holder = pool.Transact<std::string>([&](db::Transaction& tx) -> absl::StatusOr<std::string> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT holder FROM consumer_leases WHERE consumer = ? AND "
                                                 "expires_at > UTC_TIMESTAMP(6)",
                                                 {consumer}));
      return rows.empty() ? std::string() : rows[0].Str(0);
    });
    if (!holder.ok() || holder->empty()) return -1;
    std::vector<std::string> parts = absl::StrSplit(*holder, '/');
    int64_t pid = 0;
    if (parts.size() < 3 || !absl::SimpleAtoi(parts[1], &pid)) return -1;
    for (int r = 0; r < fleet_.replica_count(service); ++r) {
      auto& rep = fleet_.replica(service, r);
      if (rep.running() && rep.child->pid() == pid) return r;
    }
    return -1;
  }

  // Waits until a replica other than `old` holds the lease; the seconds it took.
  double TakeOver(db::Pool& pool, const std::string& consumer, int old, int* now_holder) {
    absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Seconds(20)) {
      int h = Holder(pool, "customers", consumer);
      if (h >= 0 && h != old) {
        *now_holder = h;
        return absl::ToDoubleSeconds(absl::Now() - start);
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    *now_holder = -1;
    return 1e9;
  }

  // Sends `sig` to the replica holding `consumer`'s lease and expects a
  // standby to take it within 10 s; the faulted replica, or -1.
  int FaultTheHolder(db::Pool& pool, const std::string& consumer, int sig) {
    int holder = Holder(pool, "customers", consumer);
    EXPECT_GE(holder, 0) << "nobody holds " << consumer;
    if (holder < 0) return -1;
    fleet_.Signal("customers", holder, sig);
    int next = -1;
    double took = TakeOver(pool, consumer, holder, &next);
    std::printf("[replicas] %s: holder %d %s, replica %d took over in %.1f s\n", consumer.c_str(), holder,
                sig == SIGKILL ? "killed (SIGKILL)" : "paused (SIGSTOP)", next, took);
    EXPECT_LE(took, 10.0);
    return holder;
  }

  Fleet fleet_;
};

TEST_F(FeedReplicasTest, OneActiveConsumerAppliesEveryEventOnceInFeedOrderThroughKills) {
  FleetOptions o;
  o.replicas = {{"targets", 1}, {"customers", 3}, {"orders", 1}, {"finance", 1}};
  ASSERT_TRUE(fleet_.Start(o).ok());
  FleetCompany company(fleet_, "lease");
  ASSERT_TRUE(company.Seed(4, 100000)) << company.error();
  auto customers_db = PoolFor(fleet_, "customers");
  auto orders_db = PoolFor(fleet_, "orders");
  auto finance_db = PoolFor(fleet_, "finance");
  ASSERT_TRUE(customers_db && orders_db && finance_db);

  // The business runs: orders entered, confirmed and some shipped; finance
  // stops supply and lifts it again at once, over and over.
  std::atomic<bool> stop{false};
  std::atomic<int> cycles{0}, failures{0}, held{0};
  std::thread workload([&] {
    const auto& ids = company.customer_ids();
    for (int i = 0; !stop.load(); ++i) {
      int64_t customer = ids[i % ids.size()];
      ov1::SalesOrder order, confirmed;
      if (!company.EnterOrder(customer, 1, &order) || !company.Confirm(order, &confirmed)) {
        ++failures;
        continue;
      }
      // A confirmation that met the stop of a moment ago (customers-svc had
      // not yet applied its lifting) rightly waits in CREDIT_HOLD.
      if (confirmed.status() == ov1::ORDER_STATUS_CREDIT_HOLD) ++held;
      if (i % 3 == 0 && confirmed.status() == ov1::ORDER_STATUS_CONFIRMED && !company.Ship(confirmed)) ++failures;
      finance::v1::CreditHold hold;
      if (!company.SetHold(customer, absl::StrCat("第", i, "次逾期未付款，停止供货"), &hold) ||
          !company.ReleaseHold(hold, "客户已付清欠款，恢复供货")) {
        ++failures;
      }
      ++cycles;
    }
  });

  // Exactly one replica consumes each feed.
  absl::SleepFor(absl::Seconds(5));
  int finance_holder = Holder(*customers_db, "customers", "customers<-finance");
  int orders_holder = Holder(*customers_db, "customers", "customers<-orders");
  ASSERT_GE(finance_holder, 0);
  ASSERT_GE(orders_holder, 0);

  // 1. The finance feed's consumer is killed; a standby takes over.
  finance_holder = FaultTheHolder(*customers_db, "customers<-finance", SIGKILL);
  ASSERT_GE(finance_holder, 0);
  ASSERT_TRUE(fleet_.StartReplica("customers", finance_holder).ok());
  absl::SleepFor(absl::Seconds(4));

  // 2. The orders feed's consumer is killed.
  orders_holder = FaultTheHolder(*customers_db, "customers<-orders", SIGKILL);
  ASSERT_GE(orders_holder, 0);
  ASSERT_TRUE(fleet_.StartReplica("customers", orders_holder).ok());
  absl::SleepFor(absl::Seconds(3));

  // 3. The finance feed's consumer hangs (SIGSTOP): a standby takes over;
  // when the old one wakes its lease is gone and it applies nothing.
  finance_holder = FaultTheHolder(*customers_db, "customers<-finance", SIGSTOP);
  ASSERT_GE(finance_holder, 0);
  absl::SleepFor(absl::Seconds(2));
  fleet_.Signal("customers", finance_holder, SIGCONT);
  absl::SleepFor(absl::Seconds(3));
  stop = true;
  workload.join();
  // The last word on the first customer: supply stopped.
  finance::v1::CreditHold last_hold;
  ASSERT_TRUE(company.SetHold(company.customer_ids()[0], "最终：停止供货", &last_hold)) << company.error();
  std::printf(
      "[replicas] %d business cycles (%d orders met a stop and wait in credit hold), %d failed steps, %d "
      "retried calls\n",
      cycles.load(), held.load(), failures.load(), company.retries());
  EXPECT_EQ(failures.load(), 0) << company.error();
  EXPECT_GT(cycles.load(), 5);

  // Quiet: every consumer has caught up with its producer.
  struct Feed {
    const char* consumer;
    db::Pool* producer;
  };
  for (Feed f : {Feed{"customers<-orders", orders_db.get()}, Feed{"customers<-finance", finance_db.get()}}) {
    int64_t last = 0, cursor = -1;
    absl::Time until = absl::Now() + absl::Seconds(60);
    do {
      last = QueryInt(*f.producer, "SELECT last_position FROM outbox_sequencer WHERE id = 1");
      cursor = QueryInt(*customers_db, "SELECT position FROM consumer_cursors WHERE consumer = ?", {f.consumer});
      if (cursor == last && QueryInt(*f.producer, "SELECT COUNT(*) FROM outbox WHERE position IS NULL") == 0) break;
      absl::SleepFor(absl::Milliseconds(200));
    } while (absl::Now() < until);
    ASSERT_EQ(cursor, last) << f.consumer << " did not catch up";
    // Every event applied exactly once (a missing one would leave a
    // position out, a doubled one cannot be recorded twice)...
    EXPECT_EQ(QueryInt(*customers_db, "SELECT COUNT(*) FROM processed_events WHERE consumer = ?", {f.consumer}), last)
        << f.consumer;
    EXPECT_EQ(
        QueryInt(*customers_db,
                 "SELECT COUNT(DISTINCT position) FROM processed_events WHERE consumer = ? AND position BETWEEN 1 "
                 "AND ?",
                 {f.consumer, last}),
        last)
        << f.consumer;
    EXPECT_EQ(QueryInt(*customers_db, "SELECT COUNT(*) FROM dead_letters WHERE consumer = ?", {f.consumer}), 0);
    // ...in feed order: no event applied after one that comes later in the feed.
    EXPECT_EQ(QueryInt(*customers_db,
                       "SELECT COUNT(*) FROM processed_events a JOIN processed_events b ON a.consumer = b.consumer "
                       "AND a.applied_seq < b.applied_seq AND a.position > b.position WHERE a.consumer = ?",
                       {f.consumer}),
              0)
        << f.consumer << " applied events out of feed order";
    std::printf("[replicas] %s: %lld events, each applied once, in feed order\n", f.consumer,
                static_cast<long long>(last));
  }
  // The final hold state is right: the first customer stopped, the others not.
  for (size_t i = 0; i < company.customer_ids().size(); ++i) {
    customers::v1::CreditProfile profile;
    ASSERT_TRUE(company.CreditProfile(company.customer_ids()[i], &profile)) << company.error();
    EXPECT_EQ(profile.hold().on_hold(), i == 0) << "customer " << company.customer_ids()[i];
  }
}

// ------------------------------------------------ threads never run out

TEST(ThreadsTest, FeedSubscriptionsAndConfirmationsDoNotExhaustRequestThreads) {
  Fleet fleet;
  FleetOptions o;
  o.replicas = {{"targets", 1}, {"customers", 1}, {"orders", 1}, {"finance", 1}};
  // The server's own bound: 32 request threads (the k8s default).
  o.flags["orders"] = {"--max_threads=32"};
  ASSERT_TRUE(fleet.Start(o).ok());
  FleetCompany company(fleet, "threads");
  ASSERT_TRUE(company.Seed(4, 100000)) << company.error();
  constexpr int kOrders = 64;
  std::vector<ov1::SalesOrder> drafts(kOrders);
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_TRUE(company.EnterOrder(company.customer_ids()[i % 4], 2, &drafts[i])) << company.error();
  }

  // 300 subscribers following orders-svc's feed, directly, as the
  // consumers of many replicas would.
  constexpr int kSubscribers = 300;
  auto channel = fleet.Channel("orders", 0);
  auto stub = ov1::OrdersService::NewStub(channel);
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientAsyncReader<ov1::StreamEventsResponse>>> streams;
  std::vector<ov1::StreamEventsResponse> first(kSubscribers);
  Principal service{"service:customers", kRoleService};
  for (int i = 0; i < kSubscribers; ++i) {
    contexts.push_back(testing::CtxAs(service, Fleet::principal_secret(), absl::Seconds(120)));
    ov1::StreamEventsRequest req;
    req.set_after_position(0);
    streams.push_back(stub->AsyncStreamEvents(contexts.back().get(), req, &cq, reinterpret_cast<void*>(i)));
  }
  // Every stream opens and delivers its first batch.
  int opened = 0, read = 0;
  absl::Time until = absl::Now() + absl::Seconds(60);
  while (read < kSubscribers && absl::Now() < until) {
    void* tag = nullptr;
    bool ok = false;
    auto next = cq.AsyncNext(&tag, &ok, absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    if (next != grpc::CompletionQueue::GOT_EVENT) continue;
    intptr_t i = reinterpret_cast<intptr_t>(tag);
    ASSERT_TRUE(ok) << "subscription " << (i % kSubscribers) << " failed";
    if (i < kSubscribers) {
      ++opened;
      streams[i]->Read(&first[i], reinterpret_cast<void*>(i + kSubscribers));
    } else {
      ++read;
    }
  }
  ASSERT_EQ(opened, kSubscribers);
  ASSERT_EQ(read, kSubscribers);

  // 64 confirmations at once, through the gateway, while they stay open.
  std::atomic<int> confirmed{0}, exhausted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kOrders; ++i) {
    threads.emplace_back([&, i] {
      ov1::SalesOrder out;
      grpc::StatusCode first_failure = grpc::StatusCode::OK;
      if (company.Confirm(drafts[i], &out, &first_failure) && out.status() == ov1::ORDER_STATUS_CONFIRMED) ++confirmed;
      if (first_failure == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
    });
  }
  for (auto& t : threads) t.join();
  std::printf(
      "[replicas] %d subscriptions open; %d of %d concurrent confirmations confirmed, %d saw "
      "RESOURCE_EXHAUSTED\n",
      kSubscribers, confirmed.load(), kOrders, exhausted.load());
  EXPECT_EQ(exhausted.load(), 0);
  EXPECT_EQ(confirmed.load(), kOrders) << company.error();

  for (auto& c : contexts) c->TryCancel();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace sales
