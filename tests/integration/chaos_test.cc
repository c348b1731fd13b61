// Chaos, short run (issue 14): two replicas of every service and two
// gateways (the real binaries) over one MariaDB, every edge through its own
// fault proxy (each service to each peer replica, each service to MariaDB,
// clients to each gateway). Three desks run whole business flows through
// the gateways with role tokens — order or quote, confirm, ship, deliver or
// return a box, invoice, pay (and key the same bank slip in twice), set and
// lift supply stops — while the three daily sweeps run; every request has
// its own request id and is retried with it until the answer is definite.
// A seeded nemesis every few seconds SIGKILLs a service or gateway replica
// (restarted a moment later) or MariaDB (restarted), kills database
// sessions, SIGSTOPs a process for 5-15 s, cuts a service's connection
// right after its COMMIT, partitions a feed edge (black hole) for 10-40 s,
// adds 2 s latency on every edge into a service for 10-20 s, refuses a
// peer edge for 2-5 s, or cuts the clients' connections to a gateway.
// Then the nemesis is idle for 25 s under the same load, and once every
// consumer has caught up, the invariants:
//  1. every acknowledged operation had exactly one effect (orders, quotes,
//     shipments, deliveries, returns, invoices, payments, holds counted in
//     the databases equal the acknowledgements; each bank reference paid
//     once, for the acknowledged amount); a refused double payment none;
//  2. each outbox's positions run 1..N with no gap or duplicate;
//  3. every consumer processed exactly its producer's events, none twice,
//     none dead-lettered;
//  4. stock is conserved: on hand = sum of movements, reserved = open
//     reservations, never negative;
//  5. across services: finance's billable lines are orders' shipped lines,
//     returned boxes agree, invoice numbers run 1..N, finance's own
//     VerifyLedger is clean, targets' actuals equal the shipped, returned
//     and collected facts;
//  6. replaying the whole journal answers exactly as the first time and
//     changes nothing;
//  and no RESOURCE_EXHAUSTED while the nemesis was idle.
//
//   SALES_CHAOS_SECONDS=1800 SALES_CHAOS_SEED=7 ./tests/chaos_test   (a long run)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/fleet.h"
#include "tests/testing/fleet_company.h"

namespace sales {
namespace {

using ::sales::testing::FaultProxy;
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
  std::atomic<int64_t> orders{0}, quotes{0}, confirmations{0}, credit_held{0}, shipments{0}, deliveries{0}, invoices{0},
      payments{0}, returns{0}, holds{0}, releases{0}, sweeps{0};
  // Definite refusals (a bank reference paid twice) as expected, and any
  // other answer to them.
  std::atomic<int64_t> refusals{0}, wrong_refusals{0};
  std::atomic<int64_t> failed_steps{0};
  std::mutex mu;
  std::map<int64_t, std::string> shipment_ids;     // acknowledged shipment → its PostShipment request id
  std::map<int64_t, std::string> hold_ids;         // acknowledged hold → its SetCreditHold request id
  std::map<int64_t, std::string> invoice_numbers;  // acknowledged invoice → its number
  std::map<std::string, std::pair<int64_t, int64_t>> payments_by_ref;  // bank reference → (payment, amount)
  std::map<int64_t, int64_t> returned_boxes;                           // acknowledged return → boxes returned
};

// One desk's business: orders (every third from a quote), confirmed; every
// fourth shipped, delivered, invoiced and paid; every fourth (offset two)
// shipped, one box returned, the rest invoiced and paid; now and then a
// supply stop set and lifted.
void RunDesk(FleetCompany& company, Journal& journal, std::atomic<bool>& stop, int d, uint64_t seed) {
  const auto& ids = company.customer_ids();
  auto fail = [&] { ++journal.failed_steps; };
  for (int i = 0; !stop.load(); ++i) {
    // Each desk has its own two customers (two desks stopping one
    // customer's supply at once is a business conflict, not a fault).
    int64_t customer = ids[(d * 2 + i % 2) % ids.size()];
    const int flow = i % 4;
    const int64_t quantity = flow == 2 ? 2 + i % 2 : 1 + i % 3;
    ov1::SalesOrder order, confirmed;
    bool from_quote = i % 3 == 1;
    if (!(from_quote ? company.Quote(customer, quantity, &order) : company.EnterOrder(customer, quantity, &order))) {
      fail();
      continue;
    }
    ++journal.orders;
    if (from_quote) ++journal.quotes;
    if (!company.Confirm(order, &confirmed)) {
      fail();
      continue;
    }
    if (confirmed.status() == ov1::ORDER_STATUS_CREDIT_HOLD) {
      ++journal.credit_held;
    } else {
      ++journal.confirmations;
      if (flow == 0 || flow == 2) {
        ov1::Shipment shipment;
        std::string rid;
        if (!company.Ship(confirmed, &shipment, &rid)) {
          fail();
          continue;
        }
        ++journal.shipments;
        {
          std::lock_guard<std::mutex> lock(journal.mu);
          journal.shipment_ids[shipment.id()] = rid;
        }
        if (flow == 0) {
          if (!company.Deliver(shipment)) {
            fail();
            continue;
          }
          ++journal.deliveries;
        } else {
          ov1::ReturnRequest returned;
          if (!company.Return(confirmed, shipment.id(), 1, &returned)) {
            fail();
            continue;
          }
          ++journal.returns;
          std::lock_guard<std::mutex> lock(journal.mu);
          journal.returned_boxes[returned.id()] = 1;
        }
        finance::v1::Invoice invoice;
        if (!company.Invoice(shipment, &invoice)) {
          fail();
          continue;
        }
        ++journal.invoices;
        {
          std::lock_guard<std::mutex> lock(journal.mu);
          journal.invoice_numbers[invoice.id()] = invoice.number();
        }
        const std::string ref = absl::StrCat("CHAOS-", seed, "-", d, "-", i);
        finance::v1::Payment payment;
        if (!company.Pay(customer, invoice, ref, &payment)) {
          fail();
          continue;
        }
        ++journal.payments;
        {
          std::lock_guard<std::mutex> lock(journal.mu);
          journal.payments_by_ref[ref] = {payment.id(), payment.amount().minor_units()};
        }
        if (i % 8 == 0) {
          // The same bank slip keyed in twice: refused, and nothing paid twice.
          grpc::StatusCode again = company.PayTwice(customer, invoice, ref);
          if (again == grpc::StatusCode::ALREADY_EXISTS) {
            ++journal.refusals;
          } else {
            ++journal.wrong_refusals;
          }
        }
      }
    }
    if (i % 4 == d % 4) {
      finance::v1::CreditHold hold;
      std::string hold_rid;
      if (!company.SetHold(customer, absl::StrCat("第", i, "次逾期，停止供货"), &hold, &hold_rid)) {
        fail();
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
        fail();
      }
    }
  }
}

// Which service follows which feed (FollowFeed in each service's api/, and
// the org replica every service but targets keeps).
const std::vector<std::pair<std::string, std::string>> kFeedEdges = {
    {"customers", "finance"}, {"customers", "orders"},  {"finance", "orders"}, {"targets", "orders"},
    {"targets", "finance"},   {"customers", "targets"}, {"orders", "targets"}, {"finance", "targets"}};

TEST(Chaos, NothingLostNothingDoubledWhileProcessesAndTheDatabaseDie) {
  const int64_t seconds = EnvInt("SALES_CHAOS_SECONDS", 120);
  const uint64_t seed = static_cast<uint64_t>(EnvInt("SALES_CHAOS_SEED", 20261207));
  // Long runs (10 min and more) pause processes for up to 30 s and partition
  // feed edges for 30-90 s; the short run for up to 15 s and 10-40 s.
  const bool long_run = seconds >= 600;
  std::printf("[chaos] seed %llu, %lld s of faults (replay: SALES_CHAOS_SEED=%llu SALES_CHAOS_SECONDS=%lld)\n",
              static_cast<unsigned long long>(seed), static_cast<long long>(seconds),
              static_cast<unsigned long long>(seed), static_cast<long long>(seconds));
  std::fflush(stdout);
  Fleet fleet;
  FleetOptions o;
  o.replicas = {{"targets", 2}, {"customers", 2}, {"orders", 2}, {"finance", 2}};
  o.gateways = 2;
  // Every edge through a fault proxy: services to peers, services to
  // MariaDB, clients to gateways.
  o.proxied = true;
  // A killed holder's feed moves within a few seconds.
  o.common_flags = {"--feed_lease_ttl=3s"};
  ASSERT_TRUE(fleet.Start(o).ok());
  {
    // A crash of MariaDB loses nothing it acknowledged only when every
    // commit is flushed to the redo log (the default; checked, not assumed).
    auto root = db::Pool::Create(SharedMariaDb().RootOptions());
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(One(**root, "SELECT @@innodb_flush_log_at_trx_commit"), 1);
  }
  FleetCompany company(fleet, absl::StrCat("chaos", seed));
  ASSERT_TRUE(company.Seed(6, 1000000)) << company.error();
  std::map<std::string, std::unique_ptr<db::Pool>> dbs;
  for (const char* s : {"targets", "customers", "orders", "finance"}) {
    dbs[s] = PoolFor(fleet.database(s));
    ASSERT_TRUE(dbs[s] != nullptr);
  }

  // ---- the workload: three desks running whole flows, the daily sweeps
  Journal journal;
  std::atomic<bool> stop{false};
  std::vector<std::thread> desks;
  for (int d = 0; d < 3; ++d) {
    desks.emplace_back([&, d] { RunDesk(company, journal, stop, d, seed); });
  }
  desks.emplace_back([&] {
    while (!stop.load()) {
      if (company.RunSweeps()) {
        ++journal.sweeps;
      } else {
        ++journal.failed_steps;
      }
      for (int t = 0; t < 150 && !stop.load(); ++t) absl::SleepFor(absl::Milliseconds(100));
    }
  });

  // ---- the nemesis
  enum Fault {
    kKillService,
    kKillGateway,
    kKillDatabase,
    kKillSessions,
    kPause,
    kCutAfterCommit,
    kPartitionFeed,
    kLatency,
    kDropEdge,
    kCutClients,
    kFaultKinds
  };
  const char* kFaultNames[] = {
      "SIGKILL service",   "SIGKILL gateway",       "SIGKILL MariaDB", "KILL CONNECTION",
      "SIGSTOP",           "cut after COMMIT",      "feed partition",  "2 s latency into a service",
      "peer edge refused", "client connections cut"};
  std::map<Fault, int> faults;
  std::mt19937_64 rng(seed);
  const char* services[] = {"targets", "customers", "orders", "finance"};
  // Faults that last (a partition, latency): undone when their time is up.
  struct Lasting {
    absl::Time until;
    std::function<void()> undo;
  };
  std::vector<Lasting> lasting;
  bool partitioned = false, slowed = false;
  auto undo_due = [&](bool all) {
    for (auto it = lasting.begin(); it != lasting.end();) {
      if (all || absl::Now() >= it->until) {
        it->undo();
        it = lasting.erase(it);
      } else {
        ++it;
      }
    }
  };
  absl::Time end = absl::Now() + absl::Seconds(seconds);
  // One long partition from the start: targets hears nothing from orders
  // and finance for a third of the run (at most 10 min), so its consumers
  // fall thousands of events behind and must catch up exactly. (No desk
  // step waits on targets' feeds, so the workload runs on meanwhile.)
  {
    std::vector<FaultProxy*> cut = fleet.Edge("targets", "orders");
    for (auto* p : fleet.Edge("targets", "finance")) cut.push_back(p);
    for (auto* p : cut) p->SetStall(true);
    lasting.push_back({absl::Now() + std::min(absl::Seconds(seconds) / 3, absl::Minutes(10)), [cut] {
                         for (auto* p : cut) p->SetStall(false);
                       }});
  }
  int n = 0;
  std::vector<Fault> bag;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(1000 + rng() % 1500));
    undo_due(false);
    // A schedule that always has service and database kills: every third
    // fault kills a service, every fifth MariaDB; the rest come from a bag
    // holding every kind once, shuffled by the seed, so a short run still
    // has each kind.
    if (bag.empty()) {
      for (int k = 0; k < kFaultKinds; ++k) bag.push_back(static_cast<Fault>(k));
      std::shuffle(bag.begin(), bag.end(), rng);
    }
    Fault f = n % 3 == 0 ? kKillService : n % 5 == 1 ? kKillDatabase : bag.back();
    if (n % 3 != 0 && n % 5 != 1) bag.pop_back();
    ++n;
    switch (f) {
      case kKillService:
      case kKillGateway:
      case kPause: {
        std::string process = f == kKillGateway ? "gateway" : services[rng() % 4];
        int r = static_cast<int>(rng() % 2);
        if (f == kPause) {
          fleet.Signal(process, r, SIGSTOP);
          absl::SleepFor(absl::Seconds(5 + static_cast<int64_t>(rng() % (long_run ? 26 : 11))));
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
        for (const auto& row : ids) {
          if (rng() % 3 != 0) continue;
          (void)(*root)->Transact(
              [&](db::Transaction& tx) { return tx.Exec(absl::StrCat("KILL CONNECTION ", row[0])).status(); });
        }
        break;
      }
      case kCutAfterCommit: {
        // The commit happens, the service never hears of it.
        fleet.DatabaseEdge(services[rng() % 4])->CutAfterCommit(1 + static_cast<int>(rng() % 3));
        break;
      }
      case kPartitionFeed: {
        if (partitioned) break;
        const auto& [consumer, producer] = kFeedEdges[rng() % kFeedEdges.size()];
        auto edge = fleet.Edge(consumer, producer);
        for (auto* p : edge) p->SetStall(true);
        partitioned = true;
        const int64_t stretch =
            long_run ? 30 + static_cast<int64_t>(rng() % 61) : 10 + static_cast<int64_t>(rng() % 31);
        lasting.push_back({absl::Now() + absl::Seconds(stretch), [edge, &partitioned] {
                             for (auto* p : edge) p->SetStall(false);
                             partitioned = false;
                           }});
        break;
      }
      case kLatency: {
        if (slowed) break;
        std::vector<FaultProxy*> into;
        const std::string callee = services[rng() % 4];
        for (const char* caller : {"targets", "customers", "orders", "finance", "gateway"}) {
          for (auto* p : fleet.Edge(caller, callee)) into.push_back(p);
        }
        for (auto* p : into) p->SetDelay(absl::Seconds(2));
        slowed = true;
        lasting.push_back({absl::Now() + absl::Seconds(10 + static_cast<int64_t>(rng() % 11)), [into, &slowed] {
                             for (auto* p : into) p->SetDelay(absl::ZeroDuration());
                             slowed = false;
                           }});
        break;
      }
      case kDropEdge: {
        const std::string caller = rng() % 5 == 0 ? "gateway" : services[rng() % 4];
        std::string callee = services[rng() % 4];
        if (callee == caller) callee = callee == "orders" ? "finance" : "orders";
        auto edge = fleet.Edge(caller, callee);
        for (auto* p : edge) p->SetDrop(true);
        absl::SleepFor(absl::Seconds(2 + static_cast<int64_t>(rng() % 4)));
        for (auto* p : edge) p->SetDrop(false);
        break;
      }
      case kCutClients: {
        fleet.ClientEdge(static_cast<int>(rng() % 2))->CutAll();
        break;
      }
      case kFaultKinds:
        break;
    }
    ++faults[f];
  }
  undo_due(true);
  fleet.ClearAllFaults();
  testing::FaultProxyStats hits;
  for (const char* caller : {"targets", "customers", "orders", "finance", "gateway"}) {
    std::vector<FaultProxy*> proxies;
    for (const char* callee : services) {
      for (auto* p : fleet.Edge(caller, callee)) proxies.push_back(p);
    }
    if (std::string(caller) != "gateway") proxies.push_back(fleet.DatabaseEdge(caller));
    for (auto* p : proxies) {
      auto st = p->Stats();
      hits.cut += st.cut;
      hits.refused += st.refused;
      hits.commits_cut += st.commits_cut;
      hits.commits_seen += st.commits_seen;
    }
  }
  for (int g = 0; g < 2; ++g) hits.cut += fleet.ClientEdge(g)->Stats().cut;
  std::printf(
      "[chaos] the proxies saw %lld COMMITs, cut %lld right after theirs, reset %lld open connections and "
      "refused %lld new ones\n",
      static_cast<long long>(hits.commits_seen), static_cast<long long>(hits.commits_cut),
      static_cast<long long>(hits.cut), static_cast<long long>(hits.refused));
  // ---- the nemesis is idle: the fleet must carry the same load without
  // shedding any of it (no RESOURCE_EXHAUSTED once the faults are over).
  absl::SleepFor(absl::Seconds(10));
  const int64_t exhausted_before_idle = company.exhausted();
  absl::SleepFor(absl::Seconds(15));
  const int64_t exhausted_while_idle = company.exhausted() - exhausted_before_idle;
  stop = true;
  for (auto& t : desks) t.join();
  int total_faults = 0;
  std::vector<std::string> by_kind;
  for (const auto& [f, count] : faults) {
    total_faults += count;
    by_kind.push_back(absl::StrCat(kFaultNames[f], " ", count));
  }
  std::printf("[chaos] %d faults: %s\n", total_faults, absl::StrJoin(by_kind, ", ").c_str());
  std::printf(
      "[chaos] acknowledged: %lld orders (%lld from quotes), %lld confirmed, %lld in credit hold, %lld "
      "shipments, %lld deliveries, %lld returns, %lld invoices, %lld payments, %lld holds set, %lld lifted, "
      "%lld sweep rounds, %lld double payments refused; %d calls retried; %lld steps never answered; %zu journaled "
      "requests\n",
      static_cast<long long>(journal.orders.load()), static_cast<long long>(journal.quotes.load()),
      static_cast<long long>(journal.confirmations.load()), static_cast<long long>(journal.credit_held.load()),
      static_cast<long long>(journal.shipments.load()), static_cast<long long>(journal.deliveries.load()),
      static_cast<long long>(journal.returns.load()), static_cast<long long>(journal.invoices.load()),
      static_cast<long long>(journal.payments.load()), static_cast<long long>(journal.holds.load()),
      static_cast<long long>(journal.releases.load()), static_cast<long long>(journal.sweeps.load()),
      static_cast<long long>(journal.refusals.load()), company.retries(),
      static_cast<long long>(journal.failed_steps.load()), company.journal().size());
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
  EXPECT_GT(journal.payments.load(), 0);
  EXPECT_EQ(exhausted_while_idle, 0) << "RESOURCE_EXHAUSTED answers while no fault was active";
  EXPECT_EQ(journal.wrong_refusals.load(), 0) << "a bank reference paid twice was not refused with ALREADY_EXISTS";
  if (seconds >= 120) {
    for (int k = 0; k < kFaultKinds; ++k) EXPECT_GE(faults[static_cast<Fault>(k)], 1) << kFaultNames[k];
    EXPECT_GE(hits.commits_cut, 1) << "no COMMIT was cut: the fault never hit";
  }

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
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM shipments WHERE kind = 'OUTBOUND'"), journal.shipments.load())
      << "shipments";
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM quotes WHERE order_id IS NOT NULL AND order_id <> 0"),
            journal.quotes.load())
      << "quotes converted";
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM shipments WHERE kind = 'OUTBOUND' AND status = 'DELIVERED'"),
            journal.deliveries.load())
      << "deliveries";
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM return_requests WHERE status = 'RECEIVED'"),
            journal.returns.load())
      << "returns received";
  EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL"), journal.invoices.load())
      << "invoices issued";
  EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM payments"), journal.payments.load()) << "payments";
  for (const auto& [ref, payment] : journal.payments_by_ref) {
    // Each bank reference made exactly one payment, of the amount acknowledged.
    EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM payments WHERE bank_reference = ?", {ref}), 1) << ref;
    EXPECT_EQ(One(*dbs["finance"], "SELECT amount_minor FROM payments WHERE bank_reference = ?", {ref}), payment.second)
        << ref;
  }
  for (const auto& [id, number] : journal.invoice_numbers) {
    auto found = dbs["finance"]->Transact<std::string>([&](db::Transaction& tx) -> absl::StatusOr<std::string> {
      SALES_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT number FROM invoices WHERE id = ?", {id}));
      return r.empty() ? std::string() : r[0].Str(0);
    });
    EXPECT_TRUE(found.ok() && *found == number) << "acknowledged invoice " << id << " " << number;
  }
  checked += 7;
  for (const auto& [id, rid] : journal.hold_ids) {
    EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM credit_holds WHERE id = ?", {id}), 1)
        << "acknowledged credit hold " << id << " (SetCreditHold request " << rid << ") is not in the database";
  }
  for (const auto& [id, rid] : journal.shipment_ids) {
    EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM shipments WHERE id = ?", {id}), 1)
        << "acknowledged shipment " << id << " (PostShipment request " << rid << ") is not in the database";
  }
  EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM credit_holds WHERE source = 'MANUAL'"), journal.holds.load())
      << "holds";
  checked += 3;
  // 2. Each outbox: positions 1..N, no gap, no duplicate, none unsequenced.
  for (const char* s : services) {
    auto r = Rows(*dbs[s],
                  "SELECT COUNT(*), COUNT(DISTINCT position), COALESCE(MIN(position), 1), "
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
    auto seen =
        Rows(*dbs[c.service], "SELECT position FROM processed_events WHERE consumer = ? ORDER BY position", {c.name});
    int64_t expect = 1;
    for (const auto& row : seen) {
      for (; expect < row[0]; ++expect) {
        auto missing = dbs[c.producer]->Transact<std::string>([&](db::Transaction& tx) -> absl::StatusOr<std::string> {
          SALES_ASSIGN_OR_RETURN(auto r,
                                 tx.Query("SELECT id, type, request_id FROM outbox WHERE position = ?", {expect}));
          return r.empty() ? std::string("?")
                           : absl::StrCat("outbox id ", r[0].Str(0), " ", r[0].Str(1), " request ", r[0].Str(2));
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
  // 5. Across services. Finance bills exactly what orders shipped, per
  // outbound note and order line.
  auto shipped = Rows(*dbs["orders"],
                      "SELECT sl.shipment_id, sl.order_line_id, SUM(sl.quantity) FROM shipment_lines sl JOIN shipments "
                      "s ON s.id = sl.shipment_id WHERE s.kind = 'OUTBOUND' GROUP BY sl.shipment_id, sl.order_line_id "
                      "ORDER BY 1, 2");
  auto billable = Rows(*dbs["finance"],
                       "SELECT shipment_id, order_line_id, SUM(shipped_quantity) FROM billable_lines GROUP BY "
                       "shipment_id, order_line_id ORDER BY 1, 2");
  EXPECT_EQ(billable, shipped) << "finance's billable lines are not orders' shipped lines";
  EXPECT_EQ(shipped.size(), static_cast<size_t>(journal.shipments.load()));
  int64_t shipped_boxes = 0;
  for (const auto& line : shipped) shipped_boxes += line[2];
  // Returned boxes: orders' returned quantities are finance's (un-invoiced
  // returns reduce the billable line; invoiced ones make credit memos).
  EXPECT_EQ(One(*dbs["orders"], "SELECT COALESCE(SUM(returned_quantity), 0) FROM order_lines"),
            One(*dbs["finance"], "SELECT COALESCE(SUM(returned_quantity), 0) FROM billable_lines") +
                One(*dbs["finance"],
                    "SELECT COALESCE(SUM(ml.quantity), 0) FROM memo_lines ml JOIN credit_memos m ON "
                    "m.id = ml.memo_id WHERE ml.memo_kind = 'CM' AND m.state <> 'VOIDED'"));
  // Invoice numbers run 1..N in each year, no gap, no repeat.
  for (const auto& y : Rows(*dbs["finance"],
                            "SELECT number_year, COUNT(*), COUNT(DISTINCT number_sequence), "
                            "MIN(number_sequence), MAX(number_sequence) FROM invoices WHERE number "
                            "IS NOT NULL GROUP BY number_year")) {
    EXPECT_EQ(y[1], y[2]) << "repeated invoice numbers in " << y[0];
    EXPECT_EQ(y[3], 1) << y[0];
    EXPECT_EQ(y[4], y[1]) << "gaps in the invoice numbers of " << y[0];
  }
  // finance's own ledger identities (receivables, payments, numbering).
  finance::v1::VerifyLedgerResponse ledger;
  ASSERT_TRUE(company.VerifyLedger(&ledger)) << company.error();
  EXPECT_EQ(ledger.discrepancies_size(), 0) << ledger.DebugString();
  EXPECT_EQ(ledger.numbering_anomalies_size(), 0) << ledger.DebugString();
  EXPECT_GT(ledger.customers_checked(), 0);
  // Targets' actuals are the orders and finance facts: shipped and returned
  // boxes and amounts, and what was collected.
  EXPECT_EQ(One(*dbs["targets"], "SELECT COALESCE(SUM(quantity), 0) FROM actual_entries WHERE kind = 'SHIPPED'"),
            shipped_boxes)
      << "targets' shipped actuals";
  EXPECT_EQ(One(*dbs["targets"], "SELECT COALESCE(SUM(sales_amount), 0) FROM actual_entries WHERE kind = 'SHIPPED'"),
            One(*dbs["orders"],
                "SELECT COALESCE(SUM(sl.net_amount_minor), 0) FROM shipment_lines sl JOIN shipments "
                "s ON s.id = sl.shipment_id WHERE s.kind = 'OUTBOUND'"))
      << "targets' shipped sales";
  EXPECT_EQ(One(*dbs["targets"], "SELECT COALESCE(SUM(quantity), 0) FROM actual_entries WHERE kind = 'RETURNED'"),
            One(*dbs["orders"],
                "SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON "
                "s.id = sl.shipment_id WHERE s.kind = 'RETURN'"))
      << "targets' returned actuals";
  EXPECT_EQ(
      One(*dbs["targets"], "SELECT COALESCE(SUM(collected_amount), 0) FROM actual_entries WHERE kind = 'COLLECTED'"),
      One(*dbs["finance"], "SELECT COALESCE(SUM(amount_minor), 0) FROM payment_applications WHERE state = 'ACTIVE'"))
      << "targets' collected actuals";
  checked += 8;
  // 6. Replaying the whole journal (every acknowledged request, same id,
  // same caller) answers exactly what it answered the first time and
  // changes nothing.
  const int64_t orders_before_replay = One(*dbs["orders"], "SELECT COUNT(*) FROM sales_orders");
  const int64_t payments_before_replay = One(*dbs["finance"], "SELECT COUNT(*) FROM payments");
  std::string mismatch;
  EXPECT_TRUE(company.Replay(&mismatch)) << mismatch;
  EXPECT_EQ(One(*dbs["orders"], "SELECT COUNT(*) FROM sales_orders"), orders_before_replay);
  EXPECT_EQ(One(*dbs["finance"], "SELECT COUNT(*) FROM payments"), payments_before_replay);
  ++checked;
  if (HasFailure()) fleet.KeepLogs();
  std::printf(
      "[chaos] %d invariants checked over %zu consumers, %zu stock rows and %zu journaled requests "
      "replayed: lost 0, duplicated 0%s\n",
      checked, consumers.size(), levels.size(), company.journal().size(), HasFailure() ? " — FAILED (see above)" : "");
}

}  // namespace
}  // namespace sales
