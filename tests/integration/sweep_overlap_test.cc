// Overlapping sweeps give the result of one (issue 13). Every daily sweep the
// CronJobs run (k8s/base/sweeps/cronjobs.yaml: salesctl sweep <job>, request
// id "sweep-<job>-<day>") runs against its real service and MariaDB over the
// same seed three times:
//   1. alone, then once more for the same day under another request id — an
//      operator's manual run after the schedule's: the reference;
//   2. twice at once under the same request id — two CronJob pods for one
//      day: both callers get OK and the same body, the state is that of one run;
//   3. twice at once under different request ids — the CronJob and the manual
//      run overlapping: both OK, the two answers are the reference's two, and
//      the state (rows changed, outbox events per aggregate) is the reference's.
// "At once" is made certain, not hoped for: a gate transaction holds a lock
// the sweep needs, both calls go out, and the gate opens only once the server
// shows two of the service's transactions waiting (on the gate, or the second
// run behind the first).
//
// Last, the outbox sequencer with two replicas: two Outbox instances on one
// database number the rows several writers append while both sequence; every
// committed row gets exactly one position, 1..N without gaps, and a reader
// following the feed meanwhile sees them in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <latch>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "orders-svc/api/orders_api.h"
#include "platform/clock.h"
#include "platform/consumer.h"
#include "platform/convert.h"
#include "platform/migrate.h"
#include "platform/money.h"
#include "platform/outbox.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/customers/v1/events.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/testing/org_seed.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace cv1 = ::sales::customers::v1;
namespace fv1 = ::sales::finance::v1;
namespace ov1 = ::sales::orders::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "sweep-overlap-secret";

// The CronJobs' identity, and the people who run a day by hand: an operator
// (ADMIN) for most sweeps, finance for the collections ladder.
const Principal kCron{"sweeps", kRoleService, 0, 0};
const Principal kOperator{"运维-王工", kRoleAdmin, 0, 0};
const Principal kFinanceClerk{"财务-李会计", kRoleFinance, 0, 0};

common::v1::Date Day(int y, int m, int d) { return FromCivilDay(absl::CivilDay(y, m, d)); }

absl::Status Sql(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  return pool.Transact([&](db::Transaction& tx) { return tx.Exec(sql, params).status(); });
}

// The rows of `sql`, one line each, cells joined by '|': state to compare.
std::string Dump(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  std::string out;
  absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
    out.clear();
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    for (const auto& r : rows) {
      for (size_t i = 0; i < r.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : "|", r.IsNull(i) ? "NULL" : r.Str(i));
      out += "\n";
    }
    return absl::OkStatus();
  });
  EXPECT_THAT(st, IsOk()) << sql;
  return out;
}

// Events per aggregate and type (not who caused them: the runs' callers and
// request ids differ by design).
std::string OutboxState(db::Pool& pool) {
  return Dump(pool,
              "SELECT aggregatetype, aggregateid, type, COUNT(*) FROM outbox "
              "GROUP BY aggregatetype, aggregateid, type ORDER BY aggregatetype, aggregateid, type");
}

// Statements on `database` that have been running for over 200 ms: on this
// seed, statements waiting for a lock (read as root from the server's
// process list; MariaDB's INNODB_TRX shows a lock wait as RUNNING).
int64_t StatementsWaiting(const std::string& database) {
  static db::Pool* root = [] {
    auto pool = db::Pool::Create(testing::SharedMariaDb().RootOptions());
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? pool->release() : nullptr;
  }();
  if (root == nullptr) return -1;
  auto n = root->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows,
                           tx.Query("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                    "WHERE DB = ? AND COMMAND <> 'Sleep' AND INFO IS NOT NULL AND TIME_MS > 200",
                                    {database}));
    return rows[0].Int(0);
  });
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? *n : -1;
}

// Holds a lock in a transaction of its own until Open(), then rolls back
// (so the seed is as it was): both runs reach the statement that needs the
// lock and wait there, or the second waits behind the first.
class Gate {
 public:
  Gate(db::Pool* pool, std::function<absl::Status(db::Transaction&)> lock) {
    thread_ = std::thread([this, pool, lock = std::move(lock)] {
      (void)pool->Transact([&](db::Transaction& tx) -> absl::Status {
        absl::Status locked = lock(tx);
        std::unique_lock<std::mutex> l(mu_);
        held_ = locked.ok() ? 1 : -1;
        cv_.notify_all();
        if (!locked.ok()) return locked;
        cv_.wait(l, [&] { return open_; });
        return absl::CancelledError("the gate rolls back");
      });
    });
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return held_ != 0; });
    EXPECT_EQ(held_, 1) << "the gate could not take its lock";
  }
  ~Gate() { Open(); }
  void Open() {
    {
      std::lock_guard<std::mutex> l(mu_);
      open_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int held_ = 0;
  bool open_ = false;
  std::thread thread_;
};

// One sweep as the driver below runs it.
template <typename Response>
struct SweepUnderTest {
  std::string job;              // as salesctl names it: "lapse"
  std::string day;              // the business day swept, "2026-03-13"
  Principal manual;             // who runs the day by hand
  std::function<void()> start;  // a fresh database and service, seeded
  std::function<void()> stop;
  std::function<db::Pool*()> pool;
  std::function<std::string()> database;
  std::function<grpc::Status(const Principal&, const std::string& request_id, Response*)> run;
  std::function<absl::Status(db::Transaction&)> gate;
  std::function<std::string()> state;
  // Clears what an answer may say differently without any effect differing.
  std::function<void(Response*)> comparable = [](Response*) {};
};

template <typename Response>
struct Overlap {
  grpc::Status status[2];
  Response response[2];
};

template <typename Response>
Overlap<Response> Together(SweepUnderTest<Response>& s, const std::function<grpc::Status(int, Response*)>& call) {
  Overlap<Response> out;
  Gate gate(s.pool(), s.gate);
  std::latch go(2);
  std::thread runs[2];
  for (int i = 0; i < 2; ++i) {
    runs[i] = std::thread([&, i] {
      go.arrive_and_wait();
      out.status[i] = call(i, &out.response[i]);
    });
  }
  bool overlapped = false;
  for (absl::Time deadline = absl::Now() + absl::Seconds(8); absl::Now() < deadline;) {
    if (StatementsWaiting(s.database()) >= 2) {
      overlapped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  gate.Open();
  for (auto& t : runs) t.join();
  EXPECT_TRUE(overlapped) << "the two runs were never in flight together";
  return out;
}

template <typename Response>
std::string Comparable(Response r, const SweepUnderTest<Response>& s) {
  s.comparable(&r);
  return r.ShortDebugString();
}

// The three rounds of the header comment; `check_one` says what the single
// run must have done, so a seed the sweep ignores cannot pass unnoticed.
template <typename Response>
void ExpectOverlapGivesTheResultOfOne(SweepUnderTest<Response>& s,
                                      const std::function<void(const Response&)>& check_one) {
  const std::string cron_id = absl::StrCat("sweep-", s.job, "-", s.day);  // as salesctl sends it
  const std::string manual_id = absl::StrCat("manual-", s.job, "-", s.day);
  auto run_ok = [&](const Principal& who, const std::string& rid, Response* out) {
    grpc::Status st = s.run(who, rid, out);
    EXPECT_TRUE(st.ok()) << who.user_id << " " << rid << ": " << st.error_code() << " " << st.error_message();
  };
  Response one, again;
  std::string seeded, after_one, after_both;
  {
    SCOPED_TRACE("one run, then another for the same day under a new request id");
    s.start();
    if (::testing::Test::HasFatalFailure()) return;
    seeded = s.state();
    run_ok(kCron, cron_id, &one);
    after_one = s.state();
    run_ok(s.manual, manual_id, &again);
    after_both = s.state();
    s.stop();
    ASSERT_NE(seeded, after_one) << "the sweep had nothing to do: the test would prove nothing";
    check_one(one);
  }
  {
    SCOPED_TRACE("the same request id twice at once (two CronJob pods)");
    s.start();
    if (::testing::Test::HasFatalFailure()) return;
    auto both = Together<Response>(s, [&](int, Response* out) { return s.run(kCron, cron_id, out); });
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(both.status[i].ok()) << "run " << i << ": " << both.status[i].error_code() << " "
                                       << both.status[i].error_message();
    }
    EXPECT_EQ(both.response[0].ShortDebugString(), both.response[1].ShortDebugString());
    EXPECT_EQ(Comparable(both.response[0], s), Comparable(one, s));
    EXPECT_EQ(s.state(), after_one);
    s.stop();
  }
  {
    SCOPED_TRACE("two request ids at once (the CronJob and a manual run)");
    s.start();
    if (::testing::Test::HasFatalFailure()) return;
    auto both = Together<Response>(
        s, [&](int i, Response* out) { return i == 0 ? s.run(kCron, cron_id, out) : s.run(s.manual, manual_id, out); });
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(both.status[i].ok()) << "run " << i << ": " << both.status[i].error_code() << " "
                                       << both.status[i].error_message();
    }
    // One of them did the day's work, the other found it done — whichever
    // came first.
    std::multiset<std::string> got{Comparable(both.response[0], s), Comparable(both.response[1], s)};
    std::multiset<std::string> want{Comparable(one, s), Comparable(again, s)};
    EXPECT_EQ(got, want);
    EXPECT_EQ(s.state(), after_both);
    s.stop();
  }
}

class SweepOverlap : public ::testing::Test {
 protected:
  // Shutting a service down is quick; destroying one took ~1.5 s here, so
  // the three rounds' services are destroyed at the end, together.
  void TearDown() override {
    Stop();
    std::vector<std::thread> going;
    for (auto& app : retired_) going.emplace_back([app = std::move(app)]() mutable { app.reset(); });
    for (auto& t : going) t.join();
  }

  void Start(ServiceDefinition def) {
    db_ = FreshDatabase("sweep_overlap");
    app_ = StartService(std::move(def), db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(app_, nullptr);
  }
  void Stop() {
    if (app_) app_->Shutdown();
    if (app_) retired_.push_back(std::move(app_));
  }
  db::Pool& Pool() { return *app_->pool(); }
  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret, absl::Seconds(60)); }
  void Exec(const std::string& sql, const db::Params& params = {}) {
    absl::Status st = Sql(Pool(), sql, params);
    ASSERT_THAT(st, IsOk()) << sql;
  }

  template <typename Response>
  SweepUnderTest<Response> Under(std::string job, std::string day, Principal manual) {
    SweepUnderTest<Response> s;
    s.job = std::move(job);
    s.day = std::move(day);
    s.manual = std::move(manual);
    s.stop = [this] { Stop(); };
    s.pool = [this] { return app_->pool(); };
    s.database = [this] { return db_.database; };
    return s;
  }

  FakeClock clock_{absl::UnixEpoch()};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::vector<std::unique_ptr<ServiceApp>> retired_;
};

// ---------------------------------------------------------------- orders-svc

class OrdersSweeps : public SweepOverlap {
 protected:
  // Monday 2026-11-23, 10:00 in Shanghai.
  void StartOrders() {
    clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 0, 0), CompanyTimeZone()));
    Start(orders::MakeServiceDefinition());
    if (HasFatalFailure()) return;
    stub_ = ov1::OrdersService::NewStub(Loopback(app_->port()));
    const std::string now = FormatDbTime(clock_.Now());
    // Quotes 1-30 ran out on 11-20 (every status the sweep expires, the
    // pending ones with an open approval step); 31-33 are valid to 11-30;
    // 34-36 became orders before they ran out.
    const char* expiring[] = {"DRAFT", "PENDING_APPROVAL", "APPROVED", "REJECTED"};
    for (int i = 1; i <= 36; ++i) {
      std::string status = i <= 30 ? expiring[i % 4] : i <= 33 ? "APPROVED" : "CONVERTED";
      std::string valid_until = i <= 30 ? "2026-11-20" : i <= 33 ? "2026-11-30" : "2026-11-01";
      Exec(
          "INSERT INTO quotes (quote_number, customer_id, rep_id, org_unit_id, created_by_user, quote_date, "
          "valid_until, currency, lines_total_minor, special_fees_total_minor, total_minor, status, notes, "
          "created_at, updated_at) VALUES (?, ?, 11, 2, 'rep11', '2026-10-21', ?, 'CNY', 50000, 0, 50000, ?, ?, ?, ?)",
          {absl::StrFormat("QT-2026-%06d", i), int64_t{100} + i, valid_until, status,
           absl::StrCat("上海联华超市第", i, "分店 春节备货报价"), now, now});
      if (status == "PENDING_APPROVAL") {
        Exec(
            "INSERT INTO approval_steps (subject_type, subject_id, level, triggers, status, requester_user, "
            "requester_rep, requested_at) VALUES ('QUOTE', ?, 'MANAGER', 'AMOUNT_OVER_THRESHOLD', 'PENDING', "
            "'rep11', 11, ?)",
            {int64_t{i}, now});
      }
    }
    // Orders 1-20 were due to ship by 11-20 and nothing has left; 21-23 are
    // due tomorrow; 24-26 shipped part; 27-28 are drafts.
    for (int i = 1; i <= 28; ++i) {
      std::string status = i <= 26 ? "CONFIRMED" : "DRAFT";
      db::Param due = i <= 20 || (i >= 24 && i <= 26) ? db::Param(std::string("2026-11-20"))
                      : i <= 23                       ? db::Param(std::string("2026-11-24"))
                                                      : db::Param(nullptr);
      Exec(
          "INSERT INTO sales_orders (order_number, kind, customer_id, customer_name, customer_type, taking_rep_id, "
          "taking_org_unit_id, created_by_user, credited_rep_id, credited_org_unit_id, order_date, currency, "
          "lines_total_minor, total_minor, status, confirm_date, ship_due_date, created_at, updated_at) "
          "VALUES (?, 'NORMAL', ?, ?, 'OUTLET_A', 11, 2, 'rep11', 11, 2, '2026-11-18', 'CNY', 50000, 50000, ?, "
          "'2026-11-19', ?, ?, ?)",
          {absl::StrFormat("SO-2026-%06d", i), int64_t{100} + i, absl::StrCat("杭州佳惠便利店", i, "号店"), status, due,
           now, now});
      Exec(
          "INSERT INTO order_lines (order_id, line_no, product_id, sku, product_line_id, unit, quantity, "
          "list_price_minor, price_list_id, discount_bp, unit_price_minor, net_amount_minor, unit_cost_minor, "
          "cost_amount_minor, required_approval, shipped_quantity) VALUES (?, 1, 1, 'MILK-1L', 1, '箱', 5, 10000, 1, "
          "0, 10000, 50000, 4000, 20000, 'NONE', ?)",
          {int64_t{i}, int64_t{i >= 24 && i <= 26 ? 2 : 0}});
    }
  }

  std::string AuditState() {
    return Dump(Pool(),
                "SELECT subject_type, subject_id, action, from_value, to_value, reason, COUNT(*) FROM audit_entries "
                "GROUP BY subject_type, subject_id, action, from_value, to_value, reason ORDER BY 1, 2, 3, 4, 5, 6");
  }

  std::unique_ptr<ov1::OrdersService::Stub> stub_;
};

TEST_F(OrdersSweeps, QuoteExpiry) {
  auto s = Under<ov1::ExpireQuotesResponse>("quotes", "2026-11-23", kOperator);
  s.start = [this] { StartOrders(); };
  s.run = [this](const Principal& who, const std::string& rid, ov1::ExpireQuotesResponse* out) {
    ov1::ExpireQuotesRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = Day(2026, 11, 23);
    return stub_->ExpireQuotes(As(who).get(), req, out);
  };
  s.gate = [](db::Transaction& tx) { return tx.Query("SELECT id FROM quotes WHERE id = 1 FOR UPDATE").status(); };
  s.state = [this] {
    return Dump(Pool(), "SELECT id, status, status_reason, version FROM quotes ORDER BY id") +
           Dump(Pool(), "SELECT id, subject_id, status FROM approval_steps ORDER BY id") + AuditState() +
           OutboxState(Pool());
  };
  ExpectOverlapGivesTheResultOfOne<ov1::ExpireQuotesResponse>(
      s, [](const ov1::ExpireQuotesResponse& one) { EXPECT_EQ(one.expired_count(), 30); });
}

TEST_F(OrdersSweeps, LateOrders) {
  auto s = Under<ov1::MarkLateOrdersResponse>("late-orders", "2026-11-23", kOperator);
  s.start = [this] { StartOrders(); };
  s.run = [this](const Principal& who, const std::string& rid, ov1::MarkLateOrdersResponse* out) {
    ov1::MarkLateOrdersRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = Day(2026, 11, 23);
    return stub_->MarkLateOrders(As(who).get(), req, out);
  };
  s.gate = [](db::Transaction& tx) { return tx.Query("SELECT id FROM sales_orders WHERE id = 1 FOR UPDATE").status(); };
  s.state = [this] {
    return Dump(Pool(), "SELECT id, status, late, version FROM sales_orders ORDER BY id") + AuditState() +
           OutboxState(Pool());
  };
  ExpectOverlapGivesTheResultOfOne<ov1::MarkLateOrdersResponse>(
      s, [](const ov1::MarkLateOrdersResponse& one) { EXPECT_EQ(one.flagged_count(), 20); });
}

// ------------------------------------------------------------- customers-svc

class CustomersSweeps : public SweepOverlap {
 protected:
  static constexpr int64_t kCompany = 1, kEast = 2, kRepA = 11, kRepB = 12;
  static constexpr int kLapsing = 520;  // more than one batch of the lapse sweep (500)

  // Friday 2026-03-13, 10:00 in Shanghai; protection lasts 7 days, dormancy
  // comes after 180 days without a purchase.
  void StartCustomers() {
    clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 3, 13, 10, 0, 0), CompanyTimeZone()));
    Start(customers::MakeServiceDefinition());
    if (HasFatalFailure()) return;
    stub_ = cv1::CustomersService::NewStub(Loopback(app_->port()));
    testing::SeedOrgUnit(Pool(), clock_.Now(), kCompany, 0, "HQ");
    testing::SeedOrgUnit(Pool(), clock_.Now(), kEast, kCompany, "EAST");
    testing::SeedRep(Pool(), clock_.Now(), kRepA, kEast, "张三");
    testing::SeedRep(Pool(), clock_.Now(), kRepB, kEast, "李四");
    const std::string now = FormatDbTime(clock_.Now());
    // Prospects: the first kLapsing last followed up on 03-01 (protected
    // through 03-08), ten more on 03-12. Accounts: sixty last bought in
    // June 2025, ten in February 2026.
    struct Kind {
      int count;
      const char* status;  // stored by name (customers-svc V021)
      const char* base_or_purchase;
      const char* name;
    };
    const Kind kinds[] = {{kLapsing, "PROSPECT", "2026-03-01", "上海联华超市第%d分店"},
                          {10, "PROSPECT", "2026-03-12", "苏州好又多便利%d号"},
                          {60, "ACTIVE", "2025-06-01", "杭州佳惠便利店%d号店"},
                          {10, "ACTIVE", "2026-02-01", "南京苏果超市%d号店"}};
    int phone = 0;
    for (const Kind& k : kinds) {
      std::string sql =
          "INSERT INTO customers (name, normalized_name, type, status, phone, normalized_phone, region, city, "
          "owner_rep_id, registered_at, updated_at, protection_base_date, last_purchase_date, registered_by_user) "
          "VALUES ";
      db::Params p;
      for (int i = 1; i <= k.count; ++i) {
        std::string name = absl::StrFormat(k.name, i);
        std::string tel = absl::StrFormat("1380013%04d", ++phone);
        absl::StrAppend(&sql, i == 1 ? "" : ", ",
                        "(?, ?, 'OUTLET_A', ?, ?, ?, 'EAST', '上海', ?, ?, ?, ?, ?, 'rep11')");
        bool prospect = std::string(k.status) == "PROSPECT";
        p.insert(p.end(), {name, name, std::string(k.status), tel, tel, i % 2 ? kRepA : kRepB, now, now,
                           prospect ? db::Param(std::string(k.base_or_purchase)) : db::Param(std::string("2026-01-05")),
                           prospect ? db::Param(nullptr) : db::Param(std::string(k.base_or_purchase))});
      }
      Exec(sql, p);
    }
    Exec(
        "INSERT INTO ownership_records (customer_id, from_rep_id, to_rep_id, kind, effective_time, reason) "
        "SELECT id, 0, owner_rep_id, 'REGISTERED', registered_at, '登记' FROM customers ORDER BY id");
  }

  std::string CustomersState() {
    return Dump(Pool(),
                "SELECT id, status, owner_rep_id, previous_owner_rep_id, protection_base_date, pool_entry_time, "
                "version FROM customers ORDER BY id") +
           Dump(Pool(),
                "SELECT customer_id, from_rep_id, to_rep_id, kind, reason, end_time IS NULL FROM ownership_records "
                "ORDER BY customer_id, id") +
           Dump(Pool(),
                "SELECT customer_id, action, from_value, to_value, reason, COUNT(*) FROM customer_audit "
                "GROUP BY customer_id, action, from_value, to_value, reason ORDER BY 1, 2, 3, 4, 5") +
           OutboxState(Pool());
  }

  std::unique_ptr<cv1::CustomersService::Stub> stub_;
};

TEST_F(CustomersSweeps, LapseToThePool) {
  auto s = Under<cv1::RunLapseSweepResponse>("lapse", "2026-03-13", kOperator);
  s.start = [this] { StartCustomers(); };
  s.run = [this](const Principal& who, const std::string& rid, cv1::RunLapseSweepResponse* out) {
    cv1::RunLapseSweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = Day(2026, 3, 13);
    return stub_->RunLapseSweep(As(who).get(), req, out);
  };
  s.gate = [](db::Transaction& tx) { return tx.Query("SELECT id FROM customers WHERE id = 1 FOR UPDATE").status(); };
  s.state = [this] {
    // The summary events too: a day's lapsed prospects are announced once,
    // by one run (a run that found nothing announces nothing lapsed).
    std::string summaries;
    auto rows = Pool().Transact<std::vector<db::Row>>([](db::Transaction& tx) {
      return tx.Query("SELECT payload FROM outbox WHERE type = 'LapseSweepCompletedEvent'");
    });
    EXPECT_TRUE(rows.ok());
    std::multiset<std::string> each;
    for (const auto& r : rows.ok() ? *rows : std::vector<db::Row>{}) {
      cv1::LapseSweepCompletedEvent e;
      EXPECT_TRUE(e.ParseFromString(r.Str(0)));
      each.insert(e.ShortDebugString());
    }
    return CustomersState() + absl::StrJoin(each, "\n");
  };
  ExpectOverlapGivesTheResultOfOne<cv1::RunLapseSweepResponse>(
      s, [](const cv1::RunLapseSweepResponse& one) { EXPECT_EQ(one.lapsed_count(), kLapsing); });
}

TEST_F(CustomersSweeps, Dormancy) {
  auto s = Under<cv1::RunDormancySweepResponse>("dormancy", "2026-03-13", kOperator);
  s.start = [this] { StartCustomers(); };
  s.run = [this](const Principal& who, const std::string& rid, cv1::RunDormancySweepResponse* out) {
    cv1::RunDormancySweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = Day(2026, 3, 13);
    return stub_->RunDormancySweep(As(who).get(), req, out);
  };
  // The first account the sweep will turn dormant.
  s.gate = [](db::Transaction& tx) {
    return tx.Query("SELECT id FROM customers WHERE status = 'ACTIVE' ORDER BY id LIMIT 1 FOR UPDATE").status();
  };
  s.state = [this] { return CustomersState(); };
  ExpectOverlapGivesTheResultOfOne<cv1::RunDormancySweepResponse>(
      s, [](const cv1::RunDormancySweepResponse& one) { EXPECT_EQ(one.dormant_count(), 60); });
}

// --------------------------------------------------------------- finance-svc

class FinanceSweeps : public SweepOverlap {
 protected:
  static constexpr int64_t kRep = 11, kUnit = 3;

  void Today(int y, int m, int d) { clock_.Set(StartOfBusinessDay(absl::CivilDay(y, m, d)) + absl::Hours(10)); }

  // An issued invoice as the receivables core leaves it (seeded with SQL as
  // finance_collections_test does: issuing one over gRPC needs the orders
  // feed and customers-svc), with the customer summary it keeps.
  void SeedInvoice(int64_t customer, int n, int64_t gross, absl::CivilDay due) {
    const std::string now = FormatDbTime(clock_.Now());
    Exec(
        "INSERT INTO invoices (number, number_year, number_sequence, customer_id, rep_id, org_unit_id, state, "
        "currency, net_total_minor, tax_total_minor, gross_total_minor, balance_minor, invoice_date, "
        "payment_terms_days, due_on, created_at, updated_at, issued_at) "
        "VALUES (?, 2025, ?, ?, ?, ?, 'ISSUED', 'CNY', ?, 0, ?, ?, ?, 30, ?, ?, ?, ?)",
        {absl::StrFormat("INV-2025-%06d", n), int64_t{n}, customer, kRep, kUnit, gross, gross, gross,
         absl::FormatCivilTime(due - 30), absl::FormatCivilTime(due), now, now, now});
    Exec(
        "INSERT INTO customer_accounts (customer_id, rep_id, org_unit_id, invoiced_minor, open_receivable_minor, "
        "open_document_count, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON DUPLICATE KEY UPDATE "
        "invoiced_minor = invoiced_minor + VALUES(invoiced_minor), "
        "open_receivable_minor = open_receivable_minor + VALUES(open_receivable_minor), "
        "open_document_count = open_document_count + 1",
        {customer, kRep, kUnit, gross, gross, now});
  }

  grpc::Status Sweep(const Principal& who, const std::string& rid, common::v1::Date as_of,
                     fv1::RunCollectionsSweepResponse* out) {
    fv1::RunCollectionsSweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = as_of;
    return stub_->RunCollectionsSweep(As(who).get(), req, out);
  }

  // Swept already on 01-15 and 01-25: 7 (due 12-01) is at the supply stop
  // with a hold, 1 (due 01-10) had its first notice, 2 (due 01-12) is open.
  // Since then 2 and 7 were settled without the payment hook closing their
  // cases; 3-6 (due 01-28) became overdue; 8 is not due before June. The
  // day swept is 02-20: 1 reaches the supply stop, 3-6 open (with their
  // late first notice), 2 and 7 close, and 7's customer is released.
  void StartFinance() {
    Today(2025, 1, 2);
    Start(finance::MakeServiceDefinition());
    if (HasFatalFailure()) return;
    stub_ = fv1::FinanceService::NewStub(Loopback(app_->port()));
    SeedInvoice(601, 1, 1'130'000, absl::CivilDay(2025, 1, 10));
    SeedInvoice(602, 2, 226'000, absl::CivilDay(2025, 1, 12));
    for (int n = 3; n <= 6; ++n) SeedInvoice(600 + n, n, 100'000 * n, absl::CivilDay(2025, 1, 28));
    SeedInvoice(607, 7, 88'000, absl::CivilDay(2024, 12, 1));
    SeedInvoice(608, 8, 50'000, absl::CivilDay(2025, 6, 30));
    for (int day : {15, 25}) {
      Today(2025, 1, day);
      fv1::RunCollectionsSweepResponse earlier;
      grpc::Status st = Sweep(kCron, absl::StrCat("sweep-collections-2025-01-", day), Day(2025, 1, day), &earlier);
      ASSERT_TRUE(st.ok()) << st.error_message();
      ASSERT_EQ(earlier.opened_count(), day == 15 ? 3 : 0);
      ASSERT_EQ(earlier.holds_set_count(), day == 15 ? 0 : 1);
    }
    Exec(
        "UPDATE invoices SET balance_minor = 0, state = 'PAID' "
        "WHERE number IN ('INV-2025-000002', 'INV-2025-000007')");
    Today(2025, 2, 20);
  }

  std::unique_ptr<fv1::FinanceService::Stub> stub_;
};

TEST_F(FinanceSweeps, CollectionsLadder) {
  auto s = Under<fv1::RunCollectionsSweepResponse>("collections", "2025-02-20", kFinanceClerk);
  s.start = [this] { StartFinance(); };
  s.run = [this](const Principal& who, const std::string& rid, fv1::RunCollectionsSweepResponse* out) {
    return Sweep(who, rid, Day(2025, 2, 20), out);
  };
  // The first settled case the sweep closes.
  s.gate = [](db::Transaction& tx) {
    return tx
        .Query(
            "SELECT c.id FROM collection_cases c JOIN invoices i ON i.id = c.invoice_id "
            "WHERE i.number = 'INV-2025-000007' FOR UPDATE")
        .status();
  };
  s.state = [this] {
    return Dump(Pool(),
                "SELECT invoice_id, stage, overdue_minor, days_past_due, last_swept_on, first_notice_on, "
                "second_notice_on, missed_confirmation, missed_first_notice, missed_second_notice, credit_hold_id, "
                "closed_on, close_reason, version FROM collection_cases ORDER BY invoice_id") +
           Dump(Pool(),
                "SELECT c.invoice_id, s.sequence, s.kind, s.effective_on, s.deadline_on, s.from_stage, s.to_stage, "
                "s.detail FROM collection_steps s JOIN collection_cases c ON c.id = s.case_id "
                "ORDER BY c.invoice_id, s.sequence") +
           Dump(Pool(),
                "SELECT id, customer_id, active_customer_id, state, overdue_minor, set_on, released_on, "
                "release_reason, version FROM credit_holds ORDER BY id") +
           Dump(Pool(), "SELECT hold_id, case_id FROM credit_hold_cases ORDER BY hold_id, case_id") +
           Dump(Pool(),
                "SELECT record_type, record_id, action, from_state, to_state, reason, COUNT(*) FROM finance_audit "
                "GROUP BY record_type, record_id, action, from_state, to_state, reason ORDER BY 1, 2, 3, 4, 5, 6") +
           OutboxState(Pool());
  };
  ExpectOverlapGivesTheResultOfOne<fv1::RunCollectionsSweepResponse>(s,
                                                                     [](const fv1::RunCollectionsSweepResponse& one) {
                                                                       EXPECT_EQ(one.opened_count(), 4);     // 3-6
                                                                       EXPECT_EQ(one.closed_count(), 2);     // 2 and 7
                                                                       EXPECT_EQ(one.holds_set_count(), 1);  // 601
                                                                       EXPECT_EQ(one.holds_released_count(), 1);  // 607
                                                                     });
}

// --------------------------------------------------------------- targets-svc

class TargetsSweeps : public SweepOverlap {
 protected:
  std::string Rid() { return absl::StrCat("seed-", ++rid_); }

  int64_t Unit(const std::string& code, const std::string& name, tv1::OrgUnitKind kind, int64_t parent) {
    tv1::CreateOrgUnitRequest req;
    req.set_request_id(Rid());
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    tv1::CreateOrgUnitResponse resp;
    grpc::Status st = stub_->CreateOrgUnit(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.org_unit().id();
  }
  int64_t Rep(const std::string& code, const std::string& name, int64_t unit) {
    tv1::CreateRepRequest req;
    req.set_request_id(Rid());
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_name(name);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    *req.mutable_rep()->mutable_hire_date() = Day(2020, 1, 1);
    tv1::CreateRepResponse resp;
    grpc::Status st = stub_->CreateRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep().id();
  }
  // An order shipped for a rep, fed in as targets-svc's orders consumer would.
  void Ship(int64_t order_id, int64_t rep, common::v1::Date day, int64_t fen) {
    orders::v1::OrderShippedEvent shipped;
    shipped.mutable_order()->set_order_id(order_id);
    shipped.mutable_order()->set_credited_rep_id(rep);
    shipped.mutable_order()->set_currency_code("CNY");
    *shipped.mutable_ship_date() = day;
    auto* line = shipped.add_lines();
    line->set_order_line_id(order_id);
    line->set_product_line_id(line_);
    line->set_quantity(1);
    *line->mutable_net_amount() = MakeMoney(fen);
    *line->mutable_cost_amount() = MakeMoney(fen / 2);
    common::v1::Event e;
    e.set_event_id(absl::StrCat("orders-", order_id));
    e.set_position(order_id);
    e.set_event_type("OrderShippedEvent");
    e.mutable_payload()->PackFrom(shipped);
    EventConsumer consumer("targets<-orders", app_->pool(), nullptr,
                           [this](db::Transaction& tx, const common::v1::Event& ev) {
                             return targets::ApplyActualsEvent(tx, ev, clock_.Now());
                           });
    ASSERT_THAT(consumer.Apply(e).status(), IsOk());
  }

  // A Shanghai office with two reps and a signed 2027 plan (120 000 yuan,
  // 3:1 by 2026's history, months equal), actuals shipped in January and
  // February. Swept on 2027-02-03: February's first statuses and January's
  // attainment (a closed month) are due.
  void StartTargets() {
    rid_ = 0;
    clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 1, 15, 2, 0, 0), absl::UTCTimeZone()));
    Start(targets::MakeServiceDefinition());
    if (HasFatalFailure()) return;
    stub_ = tv1::TargetsService::NewStub(Loopback(app_->port()));
    int64_t co = Unit("CO", "光明乳业", tv1::ORG_UNIT_KIND_COMPANY, 0);
    int64_t east = Unit("EAST", "华东大区", tv1::ORG_UNIT_KIND_BRANCH, co);
    int64_t sh = Unit("SH", "上海办事处", tv1::ORG_UNIT_KIND_OFFICE, east);
    tv1::CreateProductLineRequest pl;
    pl.set_request_id(Rid());
    pl.mutable_product_line()->set_code("MILK");
    pl.mutable_product_line()->set_name("纯牛奶");
    pl.mutable_product_line()->set_portfolio_role(tv1::PORTFOLIO_ROLE_TRAFFIC);
    tv1::CreateProductLineResponse plr;
    ASSERT_TRUE(stub_->CreateProductLine(As(admin_).get(), pl, &plr).ok());
    line_ = plr.product_line().id();
    r1_ = Rep("E1", "张三", sh);
    int64_t r2 = Rep("E2", "李四", sh);
    Principal rep1{"张三", kRoleRep, r1_, sh}, rep2{"李四", kRoleRep, r2, sh},
        director{"总监-赵", kRoleDirector, 0, co};
    tv1::ImportActualsRequest imp;
    imp.set_request_id(Rid());
    for (int m = 1; m <= 12; ++m) {
      for (auto [rep, fen] : {std::pair{r1_, int64_t{3000'00}}, std::pair{r2, int64_t{1000'00}}}) {
        auto* r = imp.add_rows();
        r->set_row_key(absl::StrCat("h-", rep, "-", m));
        r->set_rep_id(rep);
        r->set_org_unit_id(sh);
        r->set_product_line_id(line_);
        r->set_fiscal_year(2026);
        r->set_fiscal_month(m);
        *r->mutable_sales_amount() = MakeMoney(fen);
      }
    }
    tv1::ImportActualsResponse impr;
    grpc::Status st = stub_->ImportActuals(As(admin_).get(), imp, &impr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    tv1::CreatePlanRequest cp;
    cp.set_request_id(Rid());
    cp.mutable_plan()->set_title("2027 上海办销售额");
    cp.mutable_plan()->set_fiscal_year(2027);
    cp.mutable_plan()->set_metric(tv1::METRIC_SALES_AMOUNT);
    cp.mutable_plan()->set_org_unit_id(sh);
    *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(120000'00);
    tv1::CreatePlanResponse cpr;
    st = stub_->CreatePlan(As(director).get(), cp, &cpr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    plan_ = cpr.plan().id();
    tv1::DecomposePlanRequest dp;
    dp.set_request_id(Rid());
    dp.set_plan_id(plan_);
    auto* l1 = dp.add_levels();
    l1->set_dimension(tv1::DIMENSION_REP);
    l1->set_method(tv1::DECOMPOSITION_METHOD_HISTORY_SHARE);
    auto* l2 = dp.add_levels();
    l2->set_dimension(tv1::DIMENSION_MONTH);
    l2->set_method(tv1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    tv1::DecomposePlanResponse dpr;
    st = stub_->DecomposePlan(As(director).get(), dp, &dpr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    tv1::IssuePlanRequest ip;
    ip.set_request_id(Rid());
    ip.set_id(plan_);
    tv1::IssuePlanResponse ipr;
    st = stub_->IssuePlan(As(director).get(), ip, &ipr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    tv1::ListAssignmentsRequest la;
    la.set_plan_id(plan_);
    la.set_page_size(1000);
    tv1::ListAssignmentsResponse lar;
    ASSERT_TRUE(stub_->ListAssignments(As(director).get(), la, &lar).ok());
    for (const auto& c : lar.assignments()) {
      if (c.dimension() != tv1::DIMENSION_REP) continue;
      tv1::AcceptAssignmentRequest acc;
      acc.set_request_id(Rid());
      acc.set_id(c.id());
      acc.set_etag(c.etag());
      tv1::AcceptAssignmentResponse accr;
      st = stub_->AcceptAssignment(As(c.rep_id() == r1_ ? rep1 : rep2).get(), acc, &accr);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
    tv1::SignPlanRequest sp;
    sp.set_request_id(Rid());
    sp.set_id(plan_);
    tv1::SignPlanResponse spr;
    st = stub_->SignPlan(As(director).get(), sp, &spr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(spr.plan().state(), tv1::PLAN_STATE_SIGNED);
    Ship(1, r1_, Day(2027, 1, 10), 3750'00);
    Ship(2, r2, Day(2027, 1, 20), 2500'00);
    Ship(3, r1_, Day(2027, 2, 2), 1000'00);
    clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 2, 3, 2, 0, 0), absl::UTCTimeZone()));
  }

  std::unique_ptr<tv1::TargetsService::Stub> stub_;
  Principal admin_{"admin", kRoleAdmin, 0, 0};
  int rid_ = 0;
  int64_t line_ = 0, plan_ = 0, r1_ = 0;
};

TEST_F(TargetsSweeps, DailyProgress) {
  auto s = Under<tv1::RunDailyProgressSweepResponse>("progress", "2027-02-03", kOperator);
  s.start = [this] { StartTargets(); };
  s.run = [this](const Principal& who, const std::string& rid, tv1::RunDailyProgressSweepResponse* out) {
    tv1::RunDailyProgressSweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = Day(2027, 2, 3);
    return stub_->RunDailyProgressSweep(As(who).get(), req, out);
  };
  // Holds the place of the first rep's February status, uncommitted: a run
  // reading it waits, and finds it gone when the gate rolls back.
  s.gate = [this](db::Transaction& tx) {
    return tx
        .Exec(
            "INSERT INTO progress_status_last (plan_id, rep_id, org_unit_id, month_start, metric, plan_version, "
            "status, as_of, updated_at) VALUES (?, ?, 0, '2027-02-01', 'SALES_AMOUNT', 1, 'AHEAD', '2027-02-01', "
            "'2027-02-01')",
            {plan_, r1_})
        .status();
  };
  s.state = [this] {
    return Dump(Pool(),
                "SELECT plan_id, rep_id, org_unit_id, month_start, status, as_of FROM progress_status_last "
                "ORDER BY plan_id, rep_id, org_unit_id, month_start") +
           Dump(Pool(),
                "SELECT plan_id, rep_id, org_unit_id, month_start, target, actual, ytd_target, ytd_actual, revision "
                "FROM monthly_attainment_published ORDER BY plan_id, rep_id, org_unit_id, month_start") +
           Dump(Pool(), "SELECT as_of, run_count FROM progress_sweeps ORDER BY as_of") + OutboxState(Pool());
  };
  // already_swept says whether the date had been swept before this run and
  // this run changed nothing; of two overlapping runs the one that found the
  // work done may finish before the other has marked the date.
  s.comparable = [](tv1::RunDailyProgressSweepResponse* r) { r->clear_already_swept(); };
  ExpectOverlapGivesTheResultOfOne<tv1::RunDailyProgressSweepResponse>(
      s, [](const tv1::RunDailyProgressSweepResponse& one) {
        EXPECT_EQ(one.evaluated_count(), 3);             // two reps and the office
        EXPECT_EQ(one.status_changed_count(), 3);        // February's first statuses
        EXPECT_EQ(one.attainment_published_count(), 3);  // January, closed
      });
}

// ------------------------------------------------------------ outbox sequencer

// Two replicas of one service: each its own pool and Outbox on the same
// database, both sequencing while eight writers append (some of them in
// transactions that roll back), and a reader follows the feed meanwhile.
TEST(OutboxSequencer, TwoReplicasGiveEveryCommittedRowOnePositionGapFreeInOrder) {
  db::PoolOptions db = FreshDatabase("outbox_replicas");
  db.max_connections = 12;
  auto pool_a = db::Pool::Create(db);
  auto pool_b = db::Pool::Create(db);
  ASSERT_TRUE(pool_a.ok() && pool_b.ok());
  ASSERT_THAT(Migrate(**pool_a, {PlatformMigrations()}), IsOk());
  SystemClock clock;
  Outbox replica_a(pool_a->get(), &clock, "replica-a");
  Outbox replica_b(pool_b->get(), &clock, "replica-b");
  std::atomic<int64_t> published_a{0}, published_b{0};
  replica_a.OnPublished(
      [&](const std::vector<Outbox::Published>& p) { published_a += static_cast<int64_t>(p.size()); });
  replica_b.OnPublished(
      [&](const std::vector<Outbox::Published>& p) { published_b += static_cast<int64_t>(p.size()); });

  constexpr int kWriters = 8, kTransactions = 40;
  std::atomic<bool> writing{true};
  std::atomic<int64_t> committed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      db::Pool* pool = (w % 2 ? pool_a : pool_b)->get();
      Outbox& outbox = w % 2 ? replica_a : replica_b;
      for (int t = 0; t < kTransactions; ++t) {
        const int rows = 1 + (w + t) % 3;
        const bool roll_back = t % 7 == 3;
        absl::Status st = pool->Transact([&](db::Transaction& tx) -> absl::Status {
          for (int r = 0; r < rows; ++r) {
            tv1::OrgUnitCreatedEvent e;
            e.mutable_org_unit()->set_code(absl::StrCat("W", w, "-", t, "-", r));
            e.mutable_org_unit()->set_name(absl::StrCat("华东大区第", w, "分部"));
            SALES_RETURN_IF_ERROR(
                outbox.Append(tx, "OrgUnit", absl::StrCat(w, "-", t, "-", r), e, absl::StrCat("req-", w, "-", t)));
          }
          if (roll_back) return absl::AbortedError("rolled back on purpose");
          return absl::OkStatus();
        });
        if (roll_back) {
          EXPECT_FALSE(st.ok());
        } else {
          EXPECT_THAT(st, IsOk());
          committed += rows;
        }
      }
    });
  }
  // Both replicas sequence flat out, each from two threads besides, while
  // the writers run.
  std::vector<std::thread> sequencers;
  for (Outbox* o : {&replica_a, &replica_b, &replica_a, &replica_b}) {
    sequencers.emplace_back([&, o] {
      while (writing) {
        auto n = o->SequenceOnce();
        EXPECT_TRUE(n.ok()) << n.status();
      }
    });
  }
  // A reader following the feed sees positions 1, 2, 3, ... and never a gap
  // it would have to come back for.
  std::vector<common::v1::Event> seen;
  std::thread reader([&] {
    int64_t cursor = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(40);
    while ((writing || cursor < committed.load()) && absl::Now() < give_up) {
      auto batch = replica_b.Read(cursor, 100);
      ASSERT_TRUE(batch.ok()) << batch.status();
      for (auto& e : *batch) {
        EXPECT_EQ(e.position(), cursor + 1) << "the feed skipped or repeated a position";
        cursor = e.position();
        seen.push_back(std::move(e));
      }
      if (batch->empty()) {
        if (!writing) (void)replica_a.SequenceOnce();  // the tail after the writers stopped
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  });
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : sequencers) t.join();
  reader.join();

  // Every committed row, and only those (the rolled-back ones left no row).
  const int64_t n = committed.load();
  ASSERT_GT(n, 0);
  EXPECT_EQ(*replica_a.Backlog(), 0);
  EXPECT_EQ(*replica_b.LastPosition(), n);
  EXPECT_EQ(published_a + published_b, n) << "each row is published once, by one replica";
  EXPECT_GT(published_a.load(), 0);
  EXPECT_GT(published_b.load(), 0);
  EXPECT_EQ(
      Dump(**pool_a,
           "SELECT COUNT(*), COUNT(position), COUNT(DISTINCT position), MIN(position), MAX(position) FROM outbox"),
      absl::StrCat(n, "|", n, "|", n, "|1|", n, "\n"));
  ASSERT_EQ(static_cast<int64_t>(seen.size()), n);
  std::set<std::string> ids;
  for (const auto& e : seen) ids.insert(e.aggregate_id());
  EXPECT_EQ(static_cast<int64_t>(ids.size()), n) << "every committed row read exactly once";
}

}  // namespace
}  // namespace sales
