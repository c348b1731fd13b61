// The transactional outbox and its feed, end to end: a real targets-svc
// produces events, a consumer in another database applies them through the
// gRPC feed, is stopped and restarted, and sees every committed event
// exactly once in feed order — including one whose transaction took an
// earlier id but committed later — and never a rolled-back one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "platform/config.h"
#include "platform/consumer.h"
#include "platform/metrics.h"
#include "platform/migrate.h"
#include "platform/service_app.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::Ctx;
using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace tv1 = ::sales::targets::v1;

using TargetsFeed = GrpcFeedSource<tv1::TargetsService, tv1::StreamEventsRequest, tv1::StreamEventsResponse>;

// A producer's feed as a script: each Open answers the next list of
// batches (the last list repeats), whatever cursor it is opened from; the
// cursors asked for are recorded.
class ScriptedFeed final : public FeedSource {
 public:
  explicit ScriptedFeed(std::vector<std::vector<std::vector<common::v1::Event>>> opens,
                        std::vector<int64_t>* opened_after)
      : opens_(std::move(opens)), opened_after_(opened_after) {}
  std::unique_ptr<FeedReader> Open(grpc::ClientContext*, int64_t after) override {
    opened_after_->push_back(after);
    auto batches = opens_[std::min(next_++, opens_.size() - 1)];
    class Reader final : public FeedReader {
     public:
      explicit Reader(std::vector<std::vector<common::v1::Event>> b) : batches_(std::move(b)) {}
      bool Read(std::vector<common::v1::Event>* batch) override {
        if (at_ >= batches_.size()) return false;
        *batch = batches_[at_++];
        return true;
      }
      grpc::Status Finish() override { return grpc::Status::OK; }

     private:
      std::vector<std::vector<common::v1::Event>> batches_;
      size_t at_ = 0;
    };
    return std::make_unique<Reader>(std::move(batches));
  }

 private:
  std::vector<std::vector<std::vector<common::v1::Event>>> opens_;
  size_t next_ = 0;
  std::vector<int64_t>* opened_after_;
};

common::v1::Event UnitEvent(int64_t position, const std::string& code) {
  common::v1::Event e;
  e.set_event_id(absl::StrCat("scripted-", position));
  e.set_position(position);
  e.set_event_type("sales.targets.v1.OrgUnitCreatedEvent");
  tv1::OrgUnitCreatedEvent payload;
  payload.mutable_org_unit()->set_code(code);
  e.mutable_payload()->PackFrom(payload);
  return e;
}

// A handler that records each org unit event in `seen` (in the consumer's
// transaction), then answers `then(code)` (OK when not given).
EventConsumer::Handler RecordSeen(std::function<absl::Status(const std::string& code)> then = nullptr) {
  return [then](db::Transaction& tx, const common::v1::Event& e) -> absl::Status {
    tv1::OrgUnitCreatedEvent payload;
    if (!e.payload().UnpackTo(&payload)) return absl::InternalError("bad payload");
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO seen (event_id, position, code) VALUES (?, ?, ?)",
                                  {e.event_id(), e.position(), payload.org_unit().code()})
                              .status());
    return then ? then(payload.org_unit().code()) : absl::OkStatus();
  };
}

class OutboxFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = StartService(targets::MakeServiceDefinition(), FreshDatabase("producer"));
    ASSERT_NE(app_, nullptr);
    stub_ = tv1::TargetsService::NewStub(Loopback(app_->port()));
    auto consumer_db = FreshDatabase("consumer");
    consumer_db.max_connections = 4;
    consumer_pool_ = std::move(db::Pool::Create(consumer_db)).value();
    ASSERT_THAT(Migrate(*consumer_pool_, {PlatformMigrations(),
                                          MigrationSet{"test",
                                                       {{"V001__seen.sql",
                                                         "CREATE TABLE seen (seq BIGINT AUTO_INCREMENT PRIMARY KEY, "
                                                         "event_id VARCHAR(96) NOT NULL, position BIGINT NOT NULL, "
                                                         "code VARCHAR(64) NOT NULL)"}}}}),
                IsOk());
  }

  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  // A consumer whose handler answers `fail(code)` for the unit named
  // POISON (OK: it applies).
  std::unique_ptr<EventConsumer> PoisonConsumer(std::function<absl::Status()> fail, ConsumerOptions options) {
    return std::make_unique<EventConsumer>(
        "targets-feed-test", consumer_pool_.get(), std::make_unique<TargetsFeed>(Loopback(app_->port())),
        RecordSeen([fail](const std::string& code) { return code == "POISON" ? fail() : absl::OkStatus(); }), nullptr,
        std::move(options));
  }

  bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<EventConsumer> MakeConsumer() {
    return std::make_unique<EventConsumer>("targets-feed-test", consumer_pool_.get(),
                                           std::make_unique<TargetsFeed>(Loopback(app_->port())), RecordSeen());
  }

  // Creates a branch under the company through the public API.
  void CreateUnit(const std::string& code, int64_t parent) {
    tv1::CreateOrgUnitRequest req;
    req.set_request_id(absl::StrCat("create-", code));
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(code);
    req.mutable_org_unit()->set_kind(parent == 0 ? tv1::ORG_UNIT_KIND_COMPANY : tv1::ORG_UNIT_KIND_BRANCH);
    req.mutable_org_unit()->set_parent_id(parent);
    tv1::CreateOrgUnitResponse resp;
    auto ctx = Ctx();
    grpc::Status st = stub_->CreateOrgUnit(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    if (parent == 0) company_ = resp.org_unit().id();
  }

  int64_t Count(const std::string& sql) {
    return *consumer_pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql));
      return rows[0].Int(0);
    });
  }

  bool WaitForSeen(int64_t n, absl::Duration timeout = absl::Seconds(20)) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Count("SELECT COUNT(*) FROM seen") >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<tv1::TargetsService::Stub> stub_;
  std::unique_ptr<db::Pool> consumer_pool_;
  int64_t company_ = 0;
};

TEST_F(OutboxFeed, EveryCommittedEventExactlyOnceInOrderAcrossRestarts) {
  CreateUnit("CO", 0);
  for (int i = 0; i < 5; ++i) CreateUnit(absl::StrCat("B", i), company_);

  auto consumer = MakeConsumer();
  consumer->Start();
  ASSERT_TRUE(WaitForSeen(6));
  consumer->Stop();

  // While the consumer is down: a transaction takes an outbox id first and
  // commits last; another rolls back.
  std::mutex mu;
  std::condition_variable cv;
  bool appended = false, release = false;
  std::thread slow([&] {
    auto st = app_->pool()->Transact([&](db::Transaction& tx) -> absl::Status {
      tv1::OrgUnitCreatedEvent e;
      e.mutable_org_unit()->set_code("LATE");
      SALES_RETURN_IF_ERROR(app_->outbox()->Append(tx, "OrgUnit", "late", e, "req-late"));
      {
        std::unique_lock<std::mutex> lock(mu);
        appended = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      }
      return absl::OkStatus();
    });
    EXPECT_THAT(st, IsOk());
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return appended; });
  }
  auto rolled_back = app_->pool()->Transact([&](db::Transaction& tx) -> absl::Status {
    tv1::OrgUnitCreatedEvent e;
    e.mutable_org_unit()->set_code("NEVER");
    SALES_RETURN_IF_ERROR(app_->outbox()->Append(tx, "OrgUnit", "never", e, "req-never"));
    return absl::AbortedError("roll it back");
  });
  EXPECT_FALSE(rolled_back.ok());
  CreateUnit("B5", company_);  // a later id that commits before LATE
  CreateUnit("B6", company_);
  // Give the sequencer time to number B5 and B6 while LATE is still open.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  slow.join();
  CreateUnit("B7", company_);

  auto restarted = MakeConsumer();
  restarted->Start();
  ASSERT_TRUE(WaitForSeen(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing more may arrive
  restarted->Stop();

  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen"), 10);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT event_id) FROM seen"), 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen WHERE code = 'NEVER'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen WHERE code = 'LATE'"), 1);
  // Feed order is position order, positions are 1..10 without gaps, and
  // LATE was numbered after B5 and B6 although its row id is smaller.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen a JOIN seen b ON b.seq = a.seq + 1 "
                  "WHERE b.position <> a.position + 1"),
            0);
  EXPECT_EQ(Count("SELECT MIN(position) FROM seen"), 1);
  EXPECT_EQ(Count("SELECT MAX(position) FROM seen"), 10);
  EXPECT_GT(Count("SELECT position FROM seen WHERE code = 'LATE'"),
            Count("SELECT position FROM seen WHERE code = 'B6'"));
  EXPECT_EQ(*restarted->Cursor(), 10);
}

TEST_F(OutboxFeed, ARedeliveredEventOnlyMovesTheCursor) {
  CreateUnit("CO", 0);
  auto events = app_->outbox()->Read(0, 10);
  for (int i = 0; i < 50 && events.ok() && events->empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    events = app_->outbox()->Read(0, 10);
  }
  ASSERT_THAT(events.status(), IsOk());
  ASSERT_EQ(events->size(), 1u);
  auto consumer = MakeConsumer();
  auto first = consumer->Apply((*events)[0]);
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_TRUE(*first);
  auto second = consumer->Apply((*events)[0]);
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_FALSE(*second);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen"), 1);
  EXPECT_EQ(*consumer->Cursor(), 1);
}

TEST_F(OutboxFeed, AnEventThatCanNeverApplyIsParkedAndTheFeedMovesOn) {
  CreateUnit("CO", 0);
  CreateUnit("POISON", company_);
  CreateUnit("B1", company_);
  auto consumer = std::make_unique<EventConsumer>(
      "targets-feed-test", consumer_pool_.get(), std::make_unique<TargetsFeed>(Loopback(app_->port())),
      RecordSeen([](const std::string& code) {
        return code == "POISON" ? InvalidField("code", "this consumer refuses it") : absl::OkStatus();
      }));
  consumer->Start();
  ASSERT_TRUE(WaitForSeen(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  consumer->Stop();
  // The poison's own insert was rolled back; the events around it applied.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen WHERE code = 'POISON'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters WHERE consumer = 'targets-feed-test'"), 1);
  EXPECT_EQ(*consumer->Cursor(), 3);
}

// Issue 14: a handler error other than INVALID_ARGUMENT used to be retried
// forever, so one event that could never apply stopped every event behind
// it. Now it is retried for park_after, then parked, counted, and the feed
// moves on.
TEST_F(OutboxFeed, AnEventFailingWithItsOwnErrorIsParkedAfterItsGraceAndTheFeedMovesOn) {
  CreateUnit("CO", 0);
  CreateUnit("POISON", company_);
  CreateUnit("B1", company_);
  ConsumerOptions options;
  options.park_after = absl::Milliseconds(600);
  options.park_after_attempts = 3;
  absl::Time started = absl::Now();
  auto consumer = PoisonConsumer([] { return absl::FailedPreconditionError("订单 42 的客户不存在（测试）"); }, options);
  consumer->Start();
  ASSERT_TRUE(WaitFor([&] { return consumer->failing_since_micros() != 0; }));
  // Failing, not parked yet: the grace has not passed.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters"), 0);
  ASSERT_TRUE(WaitFor([&] { return Count("SELECT COUNT(*) FROM seen WHERE code = 'B1'") == 1; }));
  EXPECT_GE(absl::Now() - started, options.park_after);
  consumer->Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen WHERE code = 'POISON'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters WHERE consumer = 'targets-feed-test' AND position = 2 AND "
                  "error LIKE 'FAILED_PRECONDITION: %'"),
            1);
  EXPECT_EQ(*consumer->Cursor(), 3);
  EXPECT_EQ(consumer->parked(), 1);
  EXPECT_GE(consumer->apply_failures(), 3);
  EXPECT_EQ(*consumer->DeadLetters(), 1);
  EXPECT_EQ(consumer->failing_since_micros(), 0) << "healthy again once the feed moved on";
}

// The database or a peer being away is never a reason to skip an event,
// however long it lasts.
TEST_F(OutboxFeed, ATransientFailureIsRetriedUntilItPassesAndNeverParked) {
  CreateUnit("CO", 0);
  CreateUnit("POISON", company_);
  CreateUnit("B1", company_);
  ConsumerOptions options;
  options.park_after = absl::ZeroDuration();
  options.park_after_attempts = 1;
  std::atomic<int> failures{0};
  auto consumer = PoisonConsumer(
      [&]() -> absl::Status {
        if (failures.load() < 4) {
          ++failures;
          return failures % 2 ? absl::UnavailableError("database away") : absl::AbortedError("deadlock");
        }
        return absl::OkStatus();
      },
      options);
  consumer->Start();
  ASSERT_TRUE(WaitFor([&] { return Count("SELECT COUNT(*) FROM seen WHERE code = 'B1'") == 1; }));
  consumer->Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen WHERE code = 'POISON'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters"), 0);
  EXPECT_EQ(consumer->parked(), 0);
  EXPECT_EQ(consumer->apply_failures(), 4);
  EXPECT_EQ(*consumer->Cursor(), 3);
}

// Housekeeping prunes the outbox, idempotency records and processed events
// by retention; a consumer whose next event was pruned is told so
// (OUT_OF_RANGE, FEED_PRUNED) and shows as failing, instead of skipping
// events or waiting on an empty feed.
TEST_F(OutboxFeed, RetentionPrunesTheFeedAndAConsumerBehindItIsToldNotSkipped) {
  CreateUnit("CO", 0);
  for (int i = 0; i < 4; ++i) CreateUnit(absl::StrCat("B", i), company_);
  auto consumer = MakeConsumer();
  consumer->Start();
  ASSERT_TRUE(WaitForSeen(5));
  consumer->Stop();
  auto producer_count = [&](const std::string& sql) {
    return *app_->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql));
      return rows[0].Int(0);
    });
  };
  ASSERT_EQ(producer_count("SELECT COUNT(*) FROM idempotency_keys"), 5);

  // Nothing is old enough under the default retention.
  EXPECT_EQ(app_->HousekeepOnce(ServiceApp::Retention{}), 0);
  EXPECT_EQ(*consumer->PruneProcessed(absl::Now() - absl::Hours(1)), 0);
  // Everything is, a moment later; the newest event stays.
  ServiceApp::Retention now;
  now.idempotency = now.outbox = now.processed_events = absl::Microseconds(1);
  absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(app_->HousekeepOnce(now), 5 + 4);
  EXPECT_EQ(producer_count("SELECT COUNT(*) FROM idempotency_keys"), 0);
  EXPECT_EQ(producer_count("SELECT COUNT(*) FROM outbox"), 1);
  EXPECT_EQ(producer_count("SELECT MIN(position) FROM outbox"), 5);
  EXPECT_EQ(*consumer->PruneProcessed(absl::Now()), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_events"), 0);

  // Positions go on from the sequencer; a consumer at its cursor carries on.
  CreateUnit("B4", company_);
  auto restarted = MakeConsumer();
  restarted->Start();
  ASSERT_TRUE(WaitForSeen(6));
  restarted->Stop();
  EXPECT_EQ(Count("SELECT MAX(position) FROM seen"), 6);

  // A reader from before the pruned range is refused, not fed past the gap.
  auto old = app_->outbox()->Read(0, 10);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kOutOfRange);
  auto ctx = Ctx(absl::Seconds(5));
  tv1::StreamEventsRequest req;
  req.set_after_position(2);
  auto reader = stub_->StreamEvents(ctx.get(), req);
  tv1::StreamEventsResponse resp;
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  // A fresh consumer (cursor 0) is failing and applies nothing.
  auto fresh = std::make_unique<EventConsumer>(
      "targets-feed-test-2", consumer_pool_.get(), std::make_unique<TargetsFeed>(Loopback(app_->port())),
      [](db::Transaction&, const common::v1::Event&) { return absl::OkStatus(); });
  fresh->Start();
  EXPECT_TRUE(WaitFor([&] { return fresh->failing_since_micros() != 0; }));
  fresh->Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_events WHERE consumer = 'targets-feed-test-2'"), 0);
  // Retentions that would let a retry outlive its feed event are refused.
  Config bad = Config::FromMap({{"outbox_retention", "1h"}, {"idempotency_retention", "2h"}});
  EXPECT_EQ(ServiceApp::RetentionFromConfig(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

// Chaos regression (issue 14): a feed that skips a position (a producer
// bug, a proxy replaying a stale stream) must not be applied past — the
// consumer reopens from its cursor and applies every position in order.
TEST_F(OutboxFeed, AnEventOutOfSequenceIsNeverAppliedPastTheGap) {
  std::vector<int64_t> opened_after;
  auto consumer =
      std::make_unique<EventConsumer>("scripted-feed", consumer_pool_.get(),
                                      std::make_unique<ScriptedFeed>(
                                          std::vector<std::vector<std::vector<common::v1::Event>>>{
                                              {{UnitEvent(1, "A"), UnitEvent(3, "C")}},  // 2 missing
                                              {{UnitEvent(2, "B"), UnitEvent(3, "C")}, {UnitEvent(4, "D")}}},
                                          &opened_after),
                                      RecordSeen());
  consumer->Start();
  ASSERT_TRUE(WaitForSeen(4));
  consumer->Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen a JOIN seen b ON b.seq = a.seq + 1 WHERE b.position <> a.position + 1"), 0)
      << "applied out of feed order";
  ASSERT_GE(opened_after.size(), 2u);
  EXPECT_EQ(opened_after[0], 0);
  EXPECT_EQ(opened_after[1], 1) << "reopened from the cursor after the gap";
}

// Chaos regression (issue 14): a claim that conflicts with some other row
// (here a unique key the test adds) is not "already applied" — before the
// fix the event was skipped and the cursor moved past it.
TEST_F(OutboxFeed, AClaimConflictWithAnotherEventsRowIsNotTakenForADuplicate) {
  ASSERT_TRUE(consumer_pool_
                  ->Transact([](db::Transaction& tx) -> absl::Status {
                    SALES_RETURN_IF_ERROR(
                        tx.Exec("ALTER TABLE processed_events ADD UNIQUE KEY uk_test_position (position)").status());
                    return tx
                        .Exec(
                            "INSERT INTO processed_events (consumer, event_id, position, applied_at) VALUES "
                            "('another-consumer', 'another-1', 1, UTC_TIMESTAMP(6))")
                        .status();
                  })
                  .ok());
  auto consumer = MakeConsumer();
  auto r = consumer->Apply(UnitEvent(1, "A"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seen"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM consumer_cursors WHERE consumer = 'targets-feed-test'"), 0)
      << "the cursor moved past an event that was never applied";
}

// Chaos regression (issue 14): a consumer whose producer is down backs off
// up to 5 s between tries; a drain (SIGTERM) must not wait that out — a
// service with dead peers stayed SERVING 6-8 s after SIGTERM.
TEST_F(OutboxFeed, StoppingAConsumerDoesNotWaitOutItsRetryBackoff) {
  auto consumer = std::make_unique<EventConsumer>(
      "unreachable-feed", consumer_pool_.get(), std::make_unique<TargetsFeed>(Loopback(testing::FreeLoopbackPort())),
      [](db::Transaction&, const common::v1::Event&) { return absl::OkStatus(); });
  consumer->Start();
  // 100+200+...+3200 ms of backoff: the next wait is the 5 s ceiling.
  absl::SleepFor(absl::Milliseconds(6500));
  EXPECT_NE(consumer->failing_since_micros(), 0) << "a producer it cannot reach shows as failing";
  absl::Time before = absl::Now();
  consumer->Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
}

// The feed alerts (k8s/base/monitoring/alerts.yaml) name metrics; each must
// be one a real process exports, or the alert can never fire.
TEST_F(OutboxFeed, EveryMetricTheFeedAlertsUseIsExported) {
  CreateUnit("CO", 0);
  auto consumer = MakeConsumer();
  consumer->Start();
  ASSERT_TRUE(WaitForSeen(1));
  auto metrics = Metrics::Create("targets", "");
  metrics->WatchPool(consumer_pool_.get());
  metrics->WatchOutbox(app_->outbox());
  metrics->WatchConsumer(consumer.get());
  const std::string scrape = metrics->Scrape();
  std::ifstream in(std::string(SALES_SOURCE_DIR) + "/k8s/base/monitoring/alerts.yaml");
  ASSERT_TRUE(in.good());
  std::stringstream rules;
  rules << in.rdbuf();
  std::set<std::string> names;
  std::regex metric(R"(\bsales_[a-z_]+)");
  const std::string text = rules.str();
  for (std::sregex_iterator it(text.begin(), text.end(), metric), end; it != end; ++it) names.insert(it->str());
  EXPECT_GE(names.size(), 5u);
  for (const auto& name : names) {
    EXPECT_NE(scrape.find("\n" + name + "{"), std::string::npos) << name << " is used by an alert but not exported";
  }
  consumer->Stop();
}

TEST_F(OutboxFeed, StreamRejectsBadCursorArguments) {
  tv1::StreamEventsRequest req;
  req.set_after_position(-1);
  auto ctx = Ctx(absl::Seconds(5));
  auto reader = stub_->StreamEvents(ctx.get(), req);
  tv1::StreamEventsResponse resp;
  EXPECT_FALSE(reader->Read(&resp));
  grpc::Status st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sales
