// Chaos, short run (issue 14): two replicas of every service and two
// gateways (the real binaries) over one MariaDB, a workload of whole
// business flows through the gateways with role tokens, and a nemesis that
// every few seconds SIGKILLs a service or gateway replica (restarted a
// moment later), SIGKILLs MariaDB (restarted), kills random database
// sessions, or pauses a process (SIGSTOP). Every operation is retried with
// its own request id until it gets a definite answer. Once everything is
// quiet (every consumer caught up with its producer), the invariants:
//  - every acknowledged operation had exactly one effect (orders, shipments,
//    holds and releases counted in the databases equal the acknowledgements);
//  - each outbox's positions run 1..N with no gap or duplicate;
//  - every consumer processed exactly its producer's events, none twice,
//    none dead-lettered;
//  - stock is conserved: on hand = Σ movements, reserved = Σ open
//    reservations, never negative.
//
//   SALES_CHAOS_SECONDS=1800 SALES_CHAOS_SEED=7 ./tests/chaos_test   (a long run)
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/fleet.h"
#include "tests/testing/fleet_company.h"

namespace sales {
namespace {

using ::sales::testing::Fleet;
using ::sales::testing::FleetCompany;
using ::sales::testing::FleetOptions;
using ::sales::testing::SharedMariaDb;
namespace ov1 = ::sales::orders::v1;

int64_t EnvInt(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  int64_t out = def;
  if (v == nullptr || !absl::SimpleAtoi(v, &out)) return def;
  return out;
}

std::unique_ptr<db::Pool> PoolFor(const db::PoolOptions& options) {
  db::PoolOptions o = options;
  o.max_connections = 4;
  auto pool = db::Pool::Create(o);
  return pool.ok() ? std::move(pool).value() : nullptr;
}

// Rows of one query as integers (NULL as 0); empty on error.
std::vector<std::vector<int64_t>> Rows(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  auto rows = pool.Transact<std::vector<std::vector<int64_t>>>(
      [&](db::Transaction& tx) -> absl::StatusOr<std::vector<std::vector<int64_t>>> {
        SALES_ASSIGN_OR_RETURN(auto result, tx.Query(sql, params));
        std::vector<std::vector<int64_t>> out;
        for (const auto& r : result) {
          std::vector<int64_t> row;
          for (size_t i = 0; i < r.size(); ++i) row.push_back(r.Int(i));
          out.push_back(std::move(row));
        }
        return out;
      });
  return rows.ok() ? *rows : std::vector<std::vector<int64_t>>{};
}

int64_t One(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  auto rows = Rows(pool, sql, params);
  return rows.empty() || rows[0].empty() ? -1 : rows[0][0];
}

// What the workload had acknowledged.
struct Journal {
  std::atomic<int64_t> orders{0}, confirmations{0}, credit_held{0}, shipments{0}, holds{0}, releases{0};
  std::atomic<int64_t> failed_steps{0};
  std::mutex mu;
  std::map<int64_t, std::string> shipment_ids;  // acknowledged shipment → its PostShipment request id
  std::map<int64_t, std::string> hold_ids;      // acknowledged hold → its SetCreditHold request id
};

TEST(Chaos, NothingLostNothingDoubledWhileProcessesAndTheDatabaseDie) {
  const int64_t seconds = EnvInt("SALES_CHAOS_SECONDS", 120);
  const uint64_t seed = static_cast<uint64_t>(EnvInt("SALES_CHAOS_SEED", 20261207));
  std::printf("[chaos] seed %llu, %lld s of faults (replay: SALES_CHAOS_SEED=%llu SALES_CHAOS_SECONDS=%lld)\n",
              static_cast<unsigned long long>(seed), static_cast<long long>(seconds),
              static_cast<unsigned long long>(seed), static_cast<long long>(seconds));
  std::fflush(stdout);
  Fleet fleet;
  FleetOptions o;
  o.replicas = {{"targets", 2}, {"customers", 2}, {"orders", 2}, {"finance", 2}};
  o.gateways = 2;
  // A killed holder's feed moves within a few seconds.
  o.common_flags = {"--feed_lease_ttl=3s"};
  ASSERT_TRUE(fleet.Start(o).ok());
  FleetCompany company(fleet, "chaos");
  ASSERT_TRUE(company.Seed(6, 1000000)) << company.error();
  std::map<std::string, std::unique_ptr<db::Pool>> dbs;
  for (const char* s : {"targets", "customers", "orders", "finance"}) {
    dbs[s] = PoolFor(fleet.database(s));
    ASSERT_TRUE(dbs[s] != nullptr);
  }

  // ---- the workload: three order desks running whole flows
  Journal journal;
  std::atomic<bool> stop{false};
  std::vector<std::thread> desks;
  for (int d = 0; d < 3; ++d) {
    desks.emplace_back([&, d] {
      const auto& ids = company.customer_ids();
      for (int i = 0; !stop.load(); ++i) {
        // Each desk has its own two customers (two desks stopping one
        // customer's supply at once is a business conflict, not a fault).
        int64_t customer = ids[(d * 2 + i % 2) % ids.size()];
        ov1::SalesOrder order, confirmed;
        if (!company.EnterOrder(customer, 1 + i % 3, &order)) {
          ++journal.failed_steps;
          continue;
        }
        ++journal.orders;
        if (!company.Confirm(order, &confirmed)) {
          ++journal.failed_steps;
          continue;
        }
        if (confirmed.status() == ov1::ORDER_STATUS_CREDIT_HOLD) {
          ++journal.credit_held;
        } else {
          ++journal.confirmations;
          if (i % 2 == 0) {
            int64_t shipment = 0;
            std::string rid;
            if (company.Ship(confirmed, &shipment, &rid)) {
              ++journal.shipments;
              std::lock_guard<std::mutex> lock(journal.mu);
              journal.shipment_ids[shipment] = rid;
            } else {
              ++journal.failed_steps;
            }
          }
        }
        if (i % 4 == d % 4) {
          finance::v1::CreditHold hold;
          std::string hold_rid;
          if (!company.SetHold(customer, absl::StrCat("第", i, "次逾期，停止供货"), &hold, &hold_rid)) {
            ++journal.failed_steps;
            continue;
          }
          ++journal.holds;
          {
            std::lock_guard<std::mutex> lock(journal.mu);
            journal.hold_ids[hold.id()] = hold_rid;
          }
          if (company.ReleaseHold(hold, "已收款，恢复供货")) {
            ++journal.releases;
          } else {
            ++journal.failed_steps;
          }
        }
      }
    });
  }

  // ---- the nemesis
  enum Fault { kKillService, kKillGateway, kKillDatabase, kKillSessions, kPause };
  const char* kFaultNames[] = {"SIGKILL service", "SIGKILL gateway", "SIGKILL MariaDB", "KILL CONNECTION",
                               "SIGSTOP 5 s"};
  std::map<Fault, int> faults;
  std::mt19937_64 rng(seed);
  const char* services[] = {"targets", "customers", "orders", "finance"};
  absl::Time end = absl::Now() + absl::Seconds(seconds);
  int n = 0;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(1000 + rng() % 1500));
    // A schedule that always has service and database kills: every third
    // fault kills a service, every fifth MariaDB; the rest are drawn.
    Fault f = n % 3 == 0 ? kKillService : n % 5 == 1 ? kKillDatabase : static_cast<Fault>(rng() % 5);
    ++n;
    switch (f) {
      case kKillService:
      case kKillGateway:
      case kPause: {
        std::string process = f == kKillGateway ? "gateway" : services[rng() % 4];
        int r = static_cast<int>(rng() % 2);
        if (f == kPause) {
          fleet.Signal(process, r, SIGSTOP);
          absl::SleepFor(absl::Seconds(5));
          fleet.Signal(process, r, SIGCONT);
        } else {
          fleet.Signal(process, r, SIGKILL);
          absl::SleepFor(absl::Milliseconds(500 + rng() % 1500));
          auto st = fleet.StartReplica(process, r);
          ASSERT_TRUE(st.ok()) << process << "-" << r << " did not come back: " << st;
        }
        break;
      }
      case kKillDatabase: {
        ASSERT_TRUE(SharedMariaDb().Stop(/*crash=*/true).ok());
        absl::SleepFor(absl::Milliseconds(200 + rng() % 1000));
        ASSERT_TRUE(SharedMariaDb().Resume().ok());
        break;
      }
      case kKillSessions: {
        auto root = db::Pool::Create(SharedMariaDb().RootOptions());
        if (!root.ok()) break;
        auto ids = Rows(**root,
                        "SELECT id FROM information_schema.processlist WHERE user LIKE 'fleet_%' AND id <> "
                        "CONNECTION_ID()");
        int killed = 0;
        for (const auto& row : ids) {
          if (rng() % 3 != 0) continue;
          (void)(*root)->Transact([&](db::Transaction& tx) {
            return tx.Exec(absl::StrCat("KILL CONNECTION ", row[0])).status();
          });
          ++killed;
        }
        break;
      }
    }
    ++faults[f];
  }
  stop = true;
  for (auto& t : desks) t.join();
  int total_faults = 0;
  std::vector<std::string> by_kind;
  for (const auto& [f, count] : faults) {
    total_faults += count;
    by_kind.push_back(absl::StrCat(kFaultNames[f], " ", count));
  }
  std::printf("[chaos] %d faults: %s\n", total_faults, absl::StrJoin(by_kind, ", ").c_str());
  std::printf("[chaos] acknowledged: %lld orders, %lld confirmed, %lld in credit hold, %lld shipments, %lld holds "
              "set, %lld lifted; %d calls retried; %lld steps never answered\n",
              static_cast<long long>(journal.orders.load()), static_cast<long long>(journal.confirmations.load()),
              static_cast<long long>(journal.credit_held.load()), static_cast<long long>(journal.shipments.load()),
              static_cast<long long>(journal.holds.load()), static_cast<long long>(journal.releases.load()),
              company.retries(), static_cast<long long>(journal.failed_steps.load()));
  std::fflush(stdout);
  if (seconds >= 120) {
    // The short run's promise: at least 30 faults, 3 of them MariaDB
    // crashes and 5 service kills.
    EXPECT_GE(total_faults, 30);
    EXPECT_GE(faults[kKillDatabase], 3);
    EXPECT_GE(faults[kKillService], 5);
  }
  EXPECT_EQ(journal.failed_steps.load(), 0) << company.error();
  EXPECT_GT(journal.orders.load(), 0);

  // ---- quiet: every consumer has caught up with its producer
  struct Consumer {
    std::string service, name, producer;
  };
  std::vector<Consumer> consumers;
  for (const char* s : services) {
    auto rows = dbs[s]->Transact<std::vector<std::string>>(
        [&](db::Transaction& tx) -> absl::StatusOr<std::vector<std::string>> {
          SALES_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT consumer FROM consumer_cursors"));
          std::vector<std::string> out;
          for (const auto& row : r) out.push_back(row.Str(0));
          return out;
        });
    ASSERT_TRUE(rows.ok());
    for (const auto& name : *rows) {
      auto at = name.find("<-");
      ASSERT_NE(at, std::string::npos);
      consumers.push_back({s, name, name.substr(at + 2)});
    }
  }
  absl::Time until = absl::Now() + absl::Seconds(120);
  bool quiet = false;
  while (!quiet && absl::Now() < until) {
    quiet = true;
    for (const auto& c : consumers) {
      int64_t backlog = One(*dbs[c.producer], "SELECT COUNT(*) FROM outbox WHERE position IS NULL");
      int64_t last = One(*dbs[c.producer], "SELECT last_position FROM outbox_sequencer WHERE id = 1");
      int64_t cursor = One(*dbs[c.service], "SELECT position FROM consumer_cursors WHERE consumer = ?", {c.name});
      if (backlog != 0 || cursor != last) quiet = false;
    }
    if (!quiet) absl::SleepFor(absl::Milliseconds(250));
  }
  ASSERT_TRUE(quiet) << "the consumers did not catch up within 120 s of the last fault";

  // ---- invariants
  int checked = 0;
  // 1. Every acknowledged operation had exactly one effect.
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM sales_orders"), journal.orders.load()) << "orders";
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM shipments"), journal.shipments.load()) << "shipments";
  for (const auto& [id, rid] : journal.hold_ids) {
    EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM credit_holds WHERE id = ?", {id}), 1)
        << "acknowledged credit hold " << id << " (SetCreditHold request " << rid << ") is not in the database";
  }
  for (const auto& [id, rid] : journal.shipment_ids) {
    EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM shipments WHERE id = ?", {id}), 1)
        << "acknowledged shipment " << id << " (PostShipment request " << rid << ") is not in the database";
  }
  EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM credit_holds WHERE source = ?", {static_cast<int64_t>(finance::v1::CREDIT_HOLD_SOURCE_MANUAL)}), journal.holds.load())
      << "holds";
  checked += 3;
  // 2. Each outbox: positions 1..N, no gap, no duplicate, none unsequenced.
  for (const char* s : services) {
    auto r = Rows(*dbs[s], "SELECT COUNT(*), COUNT(DISTINCT position), COALESCE(MIN(position), 1), "
                           "COALESCE(MAX(position), 0), SUM(position IS NULL) FROM outbox");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0][0], r[0][1]) << s << ": duplicate positions";
    EXPECT_EQ(r[0][2], 1) << s;
    EXPECT_EQ(r[0][3], r[0][0]) << s << ": gaps in the feed";
    EXPECT_EQ(r[0][4], 0) << s << ": unsequenced rows";
    EXPECT_EQ(One(*dbs[s], "SELECT last_position FROM outbox_sequencer WHERE id = 1"), r[0][3]) << s;
    ++checked;
  }
  // 3. Every consumer: exactly its producer's events, once each, none parked.
  for (const auto& c : consumers) {
    int64_t last = One(*dbs[c.producer], "SELECT last_position FROM outbox_sequencer WHERE id = 1");
    EXPECT_EQ(One(*dbs[c.service], "SELECT COUNT(*) FROM processed_events WHERE consumer = ?", {c.name}), last)
        << c.name;
    EXPECT_EQ(One(*dbs[c.service],
                  "SELECT COUNT(DISTINCT position) FROM processed_events WHERE consumer = ? AND position BETWEEN 1 "
                  "AND ?",
                  {c.name, last}),
              last)
        << c.name;
    EXPECT_EQ(One(*dbs[c.service], "SELECT COUNT(*) FROM dead_letters WHERE consumer = ?", {c.name}), 0) << c.name;
    // On a failure, name what is missing so the logs can be searched.
    auto seen = Rows(*dbs[c.service], "SELECT position FROM processed_events WHERE consumer = ? ORDER BY position",
                     {c.name});
    int64_t expect = 1;
    for (const auto& row : seen) {
      for (; expect < row[0]; ++expect) {
        auto missing = dbs[c.producer]->Transact<std::string>([&](db::Transaction& tx) -> absl::StatusOr<std::string> {
          SALES_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT id, type, request_id FROM outbox WHERE position = ?", {expect}));
          return r.empty() ? std::string("?") : absl::StrCat("outbox id ", r[0].Str(0), " ", r[0].Str(1), " request ", r[0].Str(2));
        });
        ADD_FAILURE() << c.name << " never applied position " << expect << ": " << (missing.ok() ? *missing : "?");
      }
      expect = row[0] + 1;
    }
    ++checked;
  }
  // 4. Stock is conserved.
  auto levels = Rows(*dbs["orders"], "SELECT warehouse_id, product_id, on_hand, reserved FROM stock_levels");
  ASSERT_FALSE(levels.empty());
  for (const auto& l : levels) {
    EXPECT_EQ(One(*dbs["orders"],
                  "SELECT COALESCE(SUM(quantity_delta), 0) FROM stock_movements WHERE warehouse_id = ? AND "
                  "product_id = ?",
                  {l[0], l[1]}),
              l[2])
        << "on hand of product " << l[1] << " is not the sum of its movements";
    EXPECT_EQ(One(*dbs["orders"],
                  "SELECT COALESCE(SUM(quantity - shipped_quantity - released_quantity), 0) FROM reservations "
                  "WHERE warehouse_id = ? AND product_id = ?",
                  {l[0], l[1]}),
              l[3])
        << "reserved of product " << l[1] << " is not its open reservations";
    EXPECT_GE(l[3], 0);
    EXPECT_LE(l[3], l[2]);
    ++checked;
  }
  if (HasFailure()) fleet.KeepLogs();
  std::printf("[chaos] %d invariants checked over %zu consumers and %zu stock rows: lost 0, duplicated 0%s\n",
              checked, consumers.size(), levels.size(), HasFailure() ? " — FAILED (see above)" : "");
}

}  // namespace
}  // namespace sales
