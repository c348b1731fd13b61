// The platform's database plumbing against a real MariaDB: the pool and its
// failure handling, migrations, idempotency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "platform/idempotency.h"
#include "platform/migrate.h"
#include "platform/money.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/common/v1/money.pb.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
using ::sales::testing::SharedMariaDb;
using ::sales::testing::StatusIs;

std::unique_ptr<db::Pool> MakePool(db::PoolOptions o, int size = 4) {
  o.max_connections = size;
  o.acquire_timeout = absl::Milliseconds(500);
  auto p = db::Pool::Create(o);
  EXPECT_TRUE(p.ok());
  return std::move(p).value();
}

absl::Status Exec(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  return pool.Transact([&](db::Transaction& tx) { return tx.Exec(sql, params).status(); });
}

absl::StatusOr<int64_t> ScalarInt(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  return pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    if (rows.empty()) return absl::NotFoundError("no row");
    return rows[0].Int(0);
  });
}

// ---------------------------------------------------------------- pool

TEST(Pool, RoundTripsTypesAndBinary) {
  auto pool = MakePool(FreshDatabase());
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY, s VARCHAR(20) NULL, b LONGBLOB)"), IsOk());
  std::string binary("a\0b\xff\x01", 5);
  ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (?, ?, ?)", {int64_t{9007199254740993}, nullptr, db::Bytes{binary}}),
              IsOk());
  auto rows =
      pool->Transact<std::vector<db::Row>>([](db::Transaction& tx) { return tx.Query("SELECT id, s, b FROM t"); });
  ASSERT_THAT(rows.status(), IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Int(0), 9007199254740993);
  EXPECT_TRUE((*rows)[0].IsNull(1));
  EXPECT_EQ((*rows)[0].Str(2), binary);
}

TEST(Pool, DuplicateKeyIsAlreadyExistsAndRollsBack) {
  auto pool = MakePool(FreshDatabase());
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY)"), IsOk());
  ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (1)"), IsOk());
  absl::Status st = pool->Transact([](db::Transaction& tx) -> absl::Status {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO t VALUES (2)").status());
    return tx.Exec("INSERT INTO t VALUES (1)").status();
  });
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ErrorReason(st), "DUPLICATE_KEY");
  // The transaction rolled back: row 2 is not there.
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM t"), 1);
}

TEST(Pool, ExhaustionIsUnavailableAfterTheWait) {
  auto pool = MakePool(FreshDatabase(), /*size=*/1);
  auto held = pool->Acquire();
  ASSERT_THAT(held.status(), IsOk());
  absl::Time start = absl::Now();
  auto second = pool->Acquire();
  EXPECT_THAT(second.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(second.status()), "POOL_EXHAUSTED");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
}

TEST(Pool, ReplacesAKilledConnectionWithoutFailingTheCall) {
  auto pool = MakePool(FreshDatabase(), /*size=*/1);
  auto id = ScalarInt(*pool, "SELECT CONNECTION_ID()");
  ASSERT_THAT(id.status(), IsOk());
  ASSERT_THAT(SharedMariaDb().RootExec(absl::StrCat("KILL CONNECTION ", *id)), IsOk());
  // The pooled session is dead; the next call notices, replaces it, retries.
  auto again = ScalarInt(*pool, "SELECT CONNECTION_ID()");
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_NE(*again, *id);
  EXPECT_GE(pool->Stats().replaced, 1);
  EXPECT_EQ(pool->Stats().open, 1);
}

TEST(Pool, DeadlocksAreRetriedUntilBothCommit) {
  auto pool = MakePool(FreshDatabase(), 4);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE acct (id INT PRIMARY KEY, n INT) ENGINE=InnoDB"), IsOk());
  ASSERT_THAT(Exec(*pool, "INSERT INTO acct VALUES (1, 0), (2, 0)"), IsOk());
  absl::Barrier* barrier = new absl::Barrier(2);
  std::atomic<int> attempts{0};
  auto worker = [&](int first, int second) {
    return pool->Transact([&](db::Transaction& tx) -> absl::Status {
      int attempt = ++attempts;
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE acct SET n = n + 1 WHERE id = ?", {int64_t{first}}).status());
      // Only the first round meets at the barrier, which forces the lock cycle.
      if (attempt <= 2 && barrier != nullptr && barrier->Block()) {
        delete barrier;
        barrier = nullptr;
      }
      return tx.Exec("UPDATE acct SET n = n + 1 WHERE id = ?", {int64_t{second}}).status();
    });
  };
  absl::Status a, b;
  std::thread t1([&] { a = worker(1, 2); });
  std::thread t2([&] { b = worker(2, 1); });
  t1.join();
  t2.join();
  EXPECT_THAT(a, IsOk());
  EXPECT_THAT(b, IsOk());
  EXPECT_GE(attempts.load(), 3) << "one side must have been retried";
  EXPECT_EQ(*ScalarInt(*pool, "SELECT SUM(n) FROM acct"), 4);
}

// ---------------------------------------------------------------- migrations

MigrationSet Demo(std::vector<MigrationFile> files) { return MigrationSet{"demo", std::move(files)}; }

TEST(Migrations, TwoConcurrentStartersApplyOnce) {
  auto opts = FreshDatabase();
  // Not idempotent on purpose: running it twice would fail or insert twice.
  auto set = Demo({{"V001__things.sql",
                    "CREATE TABLE things (id INT PRIMARY KEY);\n"
                    "INSERT INTO things VALUES (1);"},
                   {"V002__more.sql", "INSERT INTO things VALUES (2);"}});
  auto p1 = MakePool(opts), p2 = MakePool(opts);
  absl::Status s1, s2;
  std::thread a([&] { s1 = Migrate(*p1, {PlatformMigrations(), set}); });
  std::thread b([&] { s2 = Migrate(*p2, {PlatformMigrations(), set}); });
  a.join();
  b.join();
  EXPECT_THAT(s1, IsOk());
  EXPECT_THAT(s2, IsOk());
  EXPECT_EQ(*ScalarInt(*p1, "SELECT COUNT(*) FROM things"), 2);
  // Every platform migration and two of the demo set, each recorded once.
  EXPECT_EQ(*ScalarInt(*p1, "SELECT COUNT(*) FROM schema_history WHERE success = 1"),
            static_cast<int64_t>(PlatformMigrations().files.size()) + 2);
  // A third start is a no-op.
  EXPECT_THAT(Migrate(*p1, {PlatformMigrations(), set}), IsOk());
  EXPECT_EQ(*ScalarInt(*p1, "SELECT COUNT(*) FROM things"), 2);
}

TEST(Migrations, RefusesAnEditedOrMissingFile) {
  auto pool = MakePool(FreshDatabase());
  auto set = Demo({{"V001__things.sql", "CREATE TABLE things (id INT PRIMARY KEY);"}});
  ASSERT_THAT(Migrate(*pool, {set}), IsOk());
  auto edited = Demo({{"V001__things.sql", "CREATE TABLE things (id BIGINT PRIMARY KEY);"}});
  absl::Status st = Migrate(*pool, {edited});
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(st), "MIGRATION_EDITED");
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("V001__things.sql"));
  st = Migrate(*pool, {Demo({})});
  EXPECT_EQ(ErrorReason(st), "MIGRATION_MISSING");
}

TEST(Migrations, AFailureLeavesTheSchemaDirtyAndStopsLaterStarts) {
  auto pool = MakePool(FreshDatabase());
  auto broken = Demo({{"V001__ok.sql", "CREATE TABLE a (id INT PRIMARY KEY);"},
                      {"V002__broken.sql", "CREATE TABLE b (id INT PRIMARY KEY);\nTHIS IS NOT SQL;"}});
  absl::Status st = Migrate(*pool, {broken});
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(st), "MIGRATION_FAILED");
  auto fixed = Demo({{"V001__ok.sql", "CREATE TABLE a (id INT PRIMARY KEY);"},
                     {"V002__broken.sql", "CREATE TABLE b (id INT PRIMARY KEY);"}});
  st = Migrate(*pool, {fixed});
  EXPECT_EQ(ErrorReason(st), "MIGRATION_DIRTY");
}

TEST(Migrations, RejectsBadFileNamesAndOrder) {
  auto pool = MakePool(FreshDatabase());
  EXPECT_THAT(Migrate(*pool, {Demo({{"001_things.sql", "SELECT 1"}})}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Migrate(*pool, {Demo({{"V002__b.sql", "SELECT 1"}, {"V001__a.sql", "SELECT 1"}})}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------- idempotency

class Idempotency : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = MakePool(FreshDatabase(), 40);
    ASSERT_THAT(Migrate(*pool_, {PlatformMigrations()}), IsOk());
    ASSERT_THAT(Exec(*pool_,
                     "CREATE TABLE effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                     "amount BIGINT NOT NULL)"),
                IsOk());
  }

  // The "mutation": books an effect row and answers with its id.
  absl::StatusOr<common::v1::Money> Book(const std::string& request_id, int64_t amount,
                                         const std::string& caller = "张三",
                                         const std::string& method = "/test.v1.Test/Book") {
    common::v1::Money req = MakeMoney(amount);
    return RunIdempotent<common::v1::Money>(
        *pool_, caller, method, request_id, req, [&](db::Transaction& tx) -> absl::StatusOr<common::v1::Money> {
          SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO effects (amount) VALUES (?)", {amount}).status());
          SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
          return MakeMoney(id, "EFF");
        });
  }

  int64_t Effects() { return *ScalarInt(*pool_, "SELECT COUNT(*) FROM effects"); }

  std::unique_ptr<db::Pool> pool_;
};

TEST_F(Idempotency, RepeatReturnsTheFirstResponse) {
  auto first = Book("req-1", 100);
  ASSERT_THAT(first.status(), IsOk());
  auto again = Book("req-1", 100);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->minor_units(), first->minor_units());
  EXPECT_EQ(Effects(), 1);
}

// A request id belongs to its caller and method: another caller sending the
// same id (and even the same body) neither occupies it nor reads the first
// caller's answer, and the same caller's id on another method is its own.
TEST_F(Idempotency, RequestIdsBelongToTheirCallerAndMethod) {
  auto mine = Book("sweep-lapse-2026-12-07", 100, "service:cronjob");
  ASSERT_THAT(mine.status(), IsOk());
  auto theirs = Book("sweep-lapse-2026-12-07", 100, "rep-李四");
  ASSERT_THAT(theirs.status(), IsOk());
  EXPECT_NE(theirs->minor_units(), mine->minor_units()) << "another caller must not get the first caller's answer";
  auto other_body = Book("sweep-lapse-2026-12-07", 999, "rep-李四-2");
  EXPECT_THAT(other_body.status(), IsOk()) << "another caller's id does not block this one";
  auto other_method = Book("sweep-lapse-2026-12-07", 5, "service:cronjob", "/test.v1.Test/Other");
  EXPECT_THAT(other_method.status(), IsOk());
  auto replay = Book("sweep-lapse-2026-12-07", 100, "service:cronjob");
  ASSERT_THAT(replay.status(), IsOk());
  EXPECT_EQ(replay->minor_units(), mine->minor_units());
  EXPECT_EQ(Effects(), 4);
}

// Records written before keys were per caller (caller '') still answer a
// retry that arrives after the upgrade, so nothing is applied twice.
TEST_F(Idempotency, ARequestAnsweredBeforeTheUpgradeIsNotAppliedAgain) {
  auto first = Book("legacy-1", 100, "");
  ASSERT_THAT(first.status(), IsOk());
  auto retry = Book("legacy-1", 100, "张三");
  ASSERT_THAT(retry.status(), IsOk());
  EXPECT_EQ(retry->minor_units(), first->minor_units());
  EXPECT_EQ(Effects(), 1);
}

TEST_F(Idempotency, ReuseWithAnotherBodyIsRefused) {
  ASSERT_THAT(Book("req-1", 100).status(), IsOk());
  auto other = Book("req-1", 200);
  EXPECT_THAT(other.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorReason(other.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(Effects(), 1);
}

TEST_F(Idempotency, MissingOrOversizedRequestIdIsRefused) {
  EXPECT_THAT(Book("", 1).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Book(std::string(65, 'x'), 1).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Book("has space", 1).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Effects(), 0);
}

TEST_F(Idempotency, AFailedMutationRecordsNothing) {
  common::v1::Money req = MakeMoney(1);
  auto failed = RunIdempotent<common::v1::Money>(
      *pool_, "张三", "/test.v1.Test/Book", "req-f", req,
      [&](db::Transaction& tx) -> absl::StatusOr<common::v1::Money> {
        SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO effects (amount) VALUES (1)").status());
        return absl::FailedPreconditionError("business rule says no");
      });
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Effects(), 0);
  // The same request_id may be used again: nothing was recorded.
  EXPECT_THAT(Book("req-f", 1).status(), IsOk());
  EXPECT_EQ(Effects(), 1);
}

TEST_F(Idempotency, ThirtyTwoRacersSameBodyOneEffectOneAnswer) {
  constexpr int kRacers = 32;
  std::vector<absl::StatusOr<common::v1::Money>> results(kRacers, absl::UnknownError(""));
  absl::Barrier start(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      results[i] = Book("race", 500);
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> answers;
  for (const auto& r : results) {
    // A racer may be told to retry (ABORTED) but never sees a second effect.
    if (r.ok()) {
      answers.insert(r->minor_units());
    } else {
      EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kAborted));
    }
  }
  EXPECT_EQ(answers.size(), 1u);
  EXPECT_EQ(Effects(), 1);
  auto after = Book("race", 500);
  ASSERT_THAT(after.status(), IsOk());
  EXPECT_EQ(after->minor_units(), *answers.begin());
}

TEST_F(Idempotency, ThirtyTwoRacersMixedBodiesOnlyOneBodyWins) {
  constexpr int kRacers = 32;
  std::vector<absl::StatusOr<common::v1::Money>> results(kRacers, absl::UnknownError(""));
  absl::Barrier start(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      results[i] = Book("mixed", i % 2 == 0 ? 100 : 200);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(Effects(), 1);
  int64_t winner_amount = *ScalarInt(*pool_, "SELECT amount FROM effects");
  for (int i = 0; i < kRacers; ++i) {
    int64_t amount = i % 2 == 0 ? 100 : 200;
    if (amount == winner_amount) {
      if (!results[i].ok()) {
        EXPECT_THAT(results[i].status(), StatusIs(absl::StatusCode::kAborted));
      }
    } else {
      EXPECT_THAT(results[i].status(), StatusIs(absl::StatusCode::kInvalidArgument)) << i;
    }
  }
}

TEST_F(Idempotency, OldRecordsArePurgedAndTheirIdsBecomeNew) {
  ASSERT_THAT(Book("old", 1).status(), IsOk());
  ASSERT_THAT(Exec(*pool_, "UPDATE idempotency_keys SET created_at = '2020-01-01 00:00:00' WHERE request_id = 'old'"),
              IsOk());
  ASSERT_THAT(Book("recent", 2).status(), IsOk());
  auto purged = PurgeIdempotencyKeys(*pool_, absl::Now() - absl::Hours(24));
  ASSERT_THAT(purged.status(), IsOk());
  EXPECT_EQ(*purged, 1);
  // The recent one still answers from its record; the old id is free again.
  auto again = Book("recent", 2);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(Effects(), 2);
  ASSERT_THAT(Book("old", 99).status(), IsOk());
  EXPECT_EQ(Effects(), 3);
}

// ------------------------------------------------- database restart (last:
// it stops the shared server and brings it back)

// ------------------------------------------------------- statement cache

// The server's count of open prepared statements, read on a session of its
// own (its one statement is open before and after, so deltas are exact).
int64_t ServerPreparedStatements(db::Pool& observer) {
  auto n = observer.Transact<int64_t>([](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'"));
    if (rows.empty()) return absl::NotFoundError("no Prepared_stmt_count");
    return rows[0].Int(1);
  });
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? *n : -1;
}

TEST(StatementCache, KeepsTheMostRecentlyUsedAndClosesEvictedOnTheServer) {
  db::PoolOptions o = FreshDatabase();
  auto observer = MakePool(o, 1);
  o.statement_cache_size = 4;
  auto pool = MakePool(o, 1);
  const int64_t before = ServerPreparedStatements(*observer);

  auto lease = pool->Acquire();
  ASSERT_THAT(lease.status(), IsOk());
  db::Connection& conn = **lease;
  // Ten distinct texts through a cache of four: the session's own start-up
  // statements and the first six go, each closed on the server.
  for (int i = 1; i <= 10; ++i) {
    auto rows = conn.Query(absl::StrCat("SELECT ", i, ", '张三'"));
    ASSERT_THAT(rows.status(), IsOk());
    EXPECT_EQ((*rows)[0].Int(0), i);
  }
  EXPECT_EQ(conn.cached_statements(), 4u);
  const int64_t prepared = conn.statements_prepared();
  EXPECT_EQ(ServerPreparedStatements(*observer) - before, 4);

  // A hit prepares nothing and makes the text the most recent: "SELECT 7"
  // survives the next miss, "SELECT 8" (now the oldest) does not.
  ASSERT_THAT(conn.Query("SELECT 7, '张三'").status(), IsOk());
  EXPECT_EQ(conn.statements_prepared(), prepared);
  ASSERT_THAT(conn.Query("SELECT 11, '张三'").status(), IsOk());
  EXPECT_EQ(conn.statements_prepared(), prepared + 1);
  ASSERT_THAT(conn.Query("SELECT 7, '张三'").status(), IsOk());
  EXPECT_EQ(conn.statements_prepared(), prepared + 1);
  ASSERT_THAT(conn.Query("SELECT 8, '张三'").status(), IsOk());
  EXPECT_EQ(conn.statements_prepared(), prepared + 2);
  EXPECT_EQ(conn.cached_statements(), 4u);
  EXPECT_EQ(conn.statements_evicted(), conn.statements_prepared() - 4);
  EXPECT_EQ(ServerPreparedStatements(*observer) - before, 4);

  // A reused statement binds fresh parameters each time.
  for (int64_t v : {int64_t{INT64_MAX}, int64_t{INT64_MIN}, int64_t{0}}) {
    auto rows = conn.Query("SELECT ?", {v});
    ASSERT_THAT(rows.status(), IsOk());
    EXPECT_EQ((*rows)[0].Str(0), absl::StrCat(v));
  }
}

TEST(StatementCache, ManyDistinctTextsOnEveryConnectionStayWithinTheBound) {
  db::PoolOptions o = FreshDatabase();
  auto observer = MakePool(o, 1);
  o.statement_cache_size = 8;
  auto pool = MakePool(o, 4);
  const int64_t before = ServerPreparedStatements(*observer);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        absl::Status st = pool->Transact([&](db::Transaction& tx) {
          return tx.Query(absl::StrCat("SELECT ", t * 1000 + i, " FROM DUAL WHERE ? = ?"), {int64_t{i}, int64_t{i}})
              .status();
        });
        if (!st.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(ServerPreparedStatements(*observer) - before, 4 * 8);
  pool.reset();  // closing the sessions frees their statements
  // The server frees a closed session's statements when it notices the
  // disconnect, just after.
  int64_t after = ServerPreparedStatements(*observer);
  for (int i = 0; i < 100 && after != before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    after = ServerPreparedStatements(*observer);
  }
  EXPECT_EQ(after, before);
}

TEST(StatementCache, AFailedStatementIsDroppedAndPreparedAfresh) {
  db::PoolOptions o = FreshDatabase();
  o.statement_cache_size = 2;
  auto pool = MakePool(o, 1);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY)"), IsOk());
  ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (?)", {int64_t{1}}), IsOk());
  EXPECT_THAT(Exec(*pool, "INSERT INTO t VALUES (?)", {int64_t{1}}), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Exec(*pool, "INSERT INTO t VALUES (?)", {int64_t{2}}), IsOk());
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM t"), 2);
}

TEST(StatementCache, ASizeBelowOneIsRefused) {
  db::PoolOptions o;
  o.statement_cache_size = 0;
  EXPECT_THAT(db::Pool::Create(o).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ------------------------------------------------------------ list filters

TEST(InList, DropsDuplicatesAndRoundsUpToAPowerOfTwo) {
  auto in = db::InList(std::vector<int64_t>{5, 3, 5, 9, INT64_MAX, INT64_MIN});
  EXPECT_EQ(in.marks, "?,?,?,?,?,?,?,?");
  ASSERT_EQ(in.params.size(), 8u);
  std::vector<int64_t> got;
  for (const auto& p : in.params) got.push_back(std::get<int64_t>(p));
  EXPECT_THAT(got, ::testing::ElementsAre(INT64_MIN, 3, 5, 9, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX));

  EXPECT_EQ(db::InList(std::vector<int>{7}).marks, "?");
  EXPECT_EQ(db::InList(std::vector<int>{7, 7, 7}).marks, "?");
  EXPECT_EQ(db::InList(std::vector<int>{1, 2, 3}).marks, "?,?,?,?");
  EXPECT_EQ(db::InList(std::vector<int64_t>{}).marks, "NULL");
  EXPECT_TRUE(db::InList(std::vector<int64_t>{}).params.empty());

  auto names = db::InList(std::vector<std::string>{"张三", "李四", "张三"});
  EXPECT_EQ(names.marks, "?,?");
}

TEST(InList, EveryLengthUpToTheCapSharesAFewTexts) {
  std::set<std::string> texts;
  std::vector<int64_t> values;
  for (size_t n = 1; n <= db::kMaxListFilterValues; ++n) {
    values.push_back(static_cast<int64_t>(n * 7919));
    texts.insert(db::InList(values).marks);
  }
  EXPECT_LE(texts.size(), 10u);  // 1, 2, 4, ..., 512
}

TEST(InList, PaddedListsMatchTheSameRows) {
  auto pool = MakePool(FreshDatabase());
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(40))"), IsOk());
  for (int64_t id = 1; id <= 9; ++id) {
    ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (?, ?)", {id, absl::StrCat("客户", id)}), IsOk());
  }
  for (const std::vector<int64_t>& ids : std::vector<std::vector<int64_t>>{{3}, {3, 5, 5}, {1, 2, 3, 4, 9}, {8, 8}}) {
    db::Params p;
    std::string sql = absl::StrCat("SELECT COUNT(*) FROM t WHERE id IN (", db::AppendInList(ids, p), ")");
    std::set<int64_t> distinct(ids.begin(), ids.end());
    EXPECT_EQ(*ScalarInt(*pool, sql, p), static_cast<int64_t>(distinct.size()));
  }
  db::Params p;
  std::string sql = absl::StrCat("SELECT COUNT(*) FROM t WHERE name IN (",
                                 db::AppendInList(std::vector<std::string>{"客户2", "客户7", "客户2"}, p), ")");
  EXPECT_EQ(*ScalarInt(*pool, sql, p), 2);
}

TEST(InList, ARepeatedFieldBeyondTheCapNamesTheField) {
  EXPECT_THAT(db::CheckListFilterSize("statuses", db::kMaxListFilterValues), IsOk());
  absl::Status st = db::CheckListFilterSize("statuses", db::kMaxListFilterValues + 1);
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  auto v = FieldViolationsOf(st);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "statuses");
}

TEST(ZzDatabaseRestart, CallsFailUnavailableWhileDownAndRecoverAfter) {
  auto opts = FreshDatabase();
  auto pool = MakePool(opts, 2);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id INT PRIMARY KEY)"), IsOk());
  ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (1)"), IsOk());
  ASSERT_THAT(SharedMariaDb().Stop(), IsOk());
  absl::Time start = absl::Now();
  auto down = ScalarInt(*pool, "SELECT COUNT(*) FROM t");
  EXPECT_THAT(down.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << "a dead database must fail fast";
  ASSERT_THAT(SharedMariaDb().Resume(), IsOk());
  // Same pool, same process: the next call opens a fresh session.
  auto up = ScalarInt(*pool, "SELECT COUNT(*) FROM t");
  ASSERT_THAT(up.status(), IsOk());
  EXPECT_EQ(*up, 1);
}

TEST(ZzDatabaseRestart, APoolOfDeadSessionsServesTheFirstCallAfterACrash) {
  auto opts = FreshDatabase();
  auto pool = MakePool(opts, 8);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id INT PRIMARY KEY)"), IsOk());
  ASSERT_THAT(Exec(*pool, "INSERT INTO t VALUES (1)"), IsOk());
  // Eight sessions open at once, then idle in the pool.
  std::vector<std::thread> warm;
  for (int i = 0; i < 8; ++i) {
    warm.emplace_back([&] { EXPECT_THAT(ScalarInt(*pool, "SELECT SLEEP(0.3)").status(), IsOk()); });
  }
  for (auto& t : warm) t.join();
  ASSERT_EQ(pool->Stats().open, 8);
  // The server crashes (SIGKILL) and comes back: every idle session is dead.
  ASSERT_THAT(SharedMariaDb().Stop(/*crash=*/true), IsOk());
  ASSERT_THAT(SharedMariaDb().Resume(), IsOk());
  // The first call after the restart succeeds (one dead session found, the
  // rest dropped with it), and so does every call after it.
  for (int i = 0; i < 8; ++i) {
    auto up = ScalarInt(*pool, "SELECT COUNT(*) FROM t");
    ASSERT_THAT(up.status(), IsOk()) << "call " << i << " after the restart";
    EXPECT_EQ(*up, 1);
  }
  EXPECT_LE(pool->Stats().open, 8);
}

}  // namespace
}  // namespace sales
