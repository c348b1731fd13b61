// The chaos harness's fault proxy (issue 14) against the real things it
// sits in front of: a MariaDB reached through platform/mysql's pool, and a
// gRPC server reached through a channel. Every fault must show in what the
// caller sees and in the proxy's own counters.
#include "tests/testing/fault_proxy.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/idempotency.h"
#include "platform/migrate.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::FaultProxy;
using ::sales::testing::FreshDatabase;
using ::sales::testing::IsMySqlCommit;
using ::sales::testing::IsOk;
using ::sales::testing::SharedMariaDb;
using ::sales::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;

absl::Status Exec(db::Pool& pool, const std::string& sql, const db::Params& params = {}) {
  return pool.Transact([&](db::Transaction& tx) { return tx.Exec(sql, params).status(); });
}

absl::StatusOr<int64_t> ScalarInt(db::Pool& pool, const std::string& sql) {
  return pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql));
    if (rows.empty()) return absl::NotFoundError("no row");
    return rows[0].Int(0);
  });
}

// A fresh database, a proxy in front of the test server and a pool that
// reaches the database only through the proxy.
class FaultProxyDb : public ::testing::Test {
 protected:
  void SetUp() override {
    direct_ = FreshDatabase("fp");
    auto proxy = FaultProxy::Start(SharedMariaDb().port());
    ASSERT_THAT(proxy.status(), IsOk());
    proxy_ = std::move(proxy).value();
    ASSERT_EQ(proxy_->upstream(), SharedMariaDb().port());
  }

  std::unique_ptr<db::Pool> PoolThroughProxy(int size = 2, absl::Duration timeouts = absl::Seconds(5)) {
    db::PoolOptions o = direct_;
    o.port = proxy_->port();
    o.max_connections = size;
    o.acquire_timeout = absl::Seconds(2);
    o.connect_timeout = timeouts;
    o.read_timeout = timeouts;
    auto p = db::Pool::Create(o);
    EXPECT_THAT(p.status(), IsOk());
    return std::move(p).value();
  }

  // Beside the proxy, to check what the server really holds.
  std::unique_ptr<db::Pool> DirectPool() {
    auto p = db::Pool::Create(direct_);
    EXPECT_THAT(p.status(), IsOk());
    return std::move(p).value();
  }

  db::PoolOptions direct_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST(IsMySqlCommit, WholeWordAfterSpacesAndComments) {
  EXPECT_TRUE(IsMySqlCommit("COMMIT"));
  EXPECT_TRUE(IsMySqlCommit("commit"));
  EXPECT_TRUE(IsMySqlCommit("  \n\tCoMmIt;"));
  EXPECT_TRUE(IsMySqlCommit("/* app=orders */ COMMIT"));
  EXPECT_TRUE(IsMySqlCommit("-- why\n# and why not\nCOMMIT WORK"));
  EXPECT_TRUE(IsMySqlCommit("COMMIT AND CHAIN"));
  EXPECT_FALSE(IsMySqlCommit("COMMITTED"));
  EXPECT_FALSE(IsMySqlCommit("ROLLBACK"));
  EXPECT_FALSE(IsMySqlCommit("SELECT 'COMMIT'"));
  EXPECT_FALSE(IsMySqlCommit("/* COMMIT"));
  EXPECT_FALSE(IsMySqlCommit("--COMMIT"));
  EXPECT_FALSE(IsMySqlCommit(""));
}

TEST_F(FaultProxyDb, ForwardsTransactionsAndSeesTheirCommits) {
  auto pool = PoolThroughProxy();
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY, b LONGBLOB NULL)"), IsOk());
  for (int64_t i = 1; i <= 20; ++i) ASSERT_THAT(Exec(*pool, "INSERT INTO t (id) VALUES (?)", {i}), IsOk());
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM t"), 20);
  EXPECT_EQ(*ScalarInt(*DirectPool(), "SELECT COUNT(*) FROM t"), 20);

  // A 300 KB parameter crosses many reads; the packet after it must still
  // be recognised as the COMMIT it is.
  int64_t commits_before = proxy_->Stats().commits_seen;
  proxy_->ClearMySqlCommands();
  ASSERT_THAT(Exec(*pool, "UPDATE t SET b = ? WHERE id = 1", {db::Bytes{std::string(300 * 1024, 'x')}}), IsOk());
  EXPECT_EQ(proxy_->Stats().commits_seen, commits_before + 1);
  // What Connector/C++ 1.1 sends for one Transact: the statement prepared
  // and executed, then commit() as a plain COM_QUERY "COMMIT".
  std::vector<std::string> seen = proxy_->MySqlCommands();
  std::printf("MySQL commands of one Transact: %s\n", absl::StrJoin(seen, " | ").c_str());
  EXPECT_THAT(seen, Contains(HasSubstr("COM_STMT_PREPARE UPDATE t SET b = ?")));
  EXPECT_THAT(seen, Contains("COM_STMT_EXECUTE"));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), "COM_QUERY COMMIT");

  auto s = proxy_->Stats();
  EXPECT_GE(s.accepted, 1);
  EXPECT_EQ(s.refused, 0);
  EXPECT_GT(s.bytes_to_upstream, 300 * 1024);
  EXPECT_GT(s.bytes_to_client, 0);
  EXPECT_EQ(s.cut, 0);
  EXPECT_EQ(s.commits_cut, 0);
  EXPECT_EQ(s.held_bytes, 0);
}

TEST_F(FaultProxyDb, DelayAddsLatencyEachWayAndKeepsOrder) {
  auto pool = PoolThroughProxy(1);
  auto lease = pool->Acquire();
  ASSERT_THAT(lease.status(), IsOk());
  ASSERT_THAT((*lease)->Query("SELECT ?", {int64_t{1}}).status(), IsOk());  // prepared and cached

  constexpr absl::Duration kDelay = absl::Milliseconds(200);
  proxy_->SetDelay(kDelay);
  // One round trip: the execute one way, the result set back.
  absl::Time start = absl::Now();
  auto rows = (*lease)->Query("SELECT ?", {int64_t{7}});
  absl::Duration took = absl::Now() - start;
  ASSERT_THAT(rows.status(), IsOk());
  EXPECT_EQ((*rows)[0].Int(0), 7);
  EXPECT_GE(took, 2 * kDelay);
  EXPECT_LT(took, 2 * kDelay + absl::Seconds(2));

  // Several statements in a row, each answered in its turn.
  for (int64_t i = 0; i < 2; ++i) {
    auto r = (*lease)->Query("SELECT ?", {i});
    ASSERT_THAT(r.status(), IsOk());
    EXPECT_EQ((*r)[0].Int(0), i);
  }

  proxy_->SetDelay(absl::ZeroDuration());
  start = absl::Now();
  ASSERT_THAT((*lease)->Query("SELECT ?", {int64_t{8}}).status(), IsOk());
  EXPECT_LT(absl::Now() - start, 2 * kDelay);
}

TEST_F(FaultProxyDb, StallHoldsConnectionsSilentlyUntilCleared) {
  auto pool = PoolThroughProxy(1, absl::Seconds(1));
  ASSERT_THAT(ScalarInt(*pool, "SELECT 1").status(), IsOk());  // a warm session

  proxy_->SetStall(true);
  int64_t delivered_up = proxy_->Stats().bytes_to_upstream;
  absl::Time start = absl::Now();
  auto r = ScalarInt(*pool, "SELECT 2");
  absl::Duration took = absl::Now() - start;
  // The read timeout ended it, not a reset: a reset fails at once.
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(took, absl::Seconds(1));
  EXPECT_LT(took, absl::Seconds(10));
  auto s = proxy_->Stats();
  EXPECT_EQ(s.bytes_to_upstream, delivered_up);  // nothing got through
  EXPECT_GT(s.held_bytes, 0);                    // the query reached the proxy and stayed there
  EXPECT_GE(s.open, 1);                          // its connection held, not reset
  EXPECT_EQ(s.cut, 0);

  proxy_->SetStall(false);
  EXPECT_THAT(ScalarInt(*pool, "SELECT 3"), IsOk());
  EXPECT_EQ(*ScalarInt(*pool, "SELECT 4"), 4);
  EXPECT_GT(proxy_->Stats().bytes_to_upstream, delivered_up);
}

TEST_F(FaultProxyDb, CutAndDropReplaceThePoolsDeadSessions) {
  auto pool = PoolThroughProxy(2);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY)"), IsOk());
  {
    // Two sessions open and idle.
    auto a = pool->Acquire();
    auto b = pool->Acquire();
    ASSERT_THAT(a.status(), IsOk());
    ASSERT_THAT(b.status(), IsOk());
  }
  ASSERT_EQ(pool->Stats().open, 2);
  ASSERT_EQ(proxy_->Stats().accepted, 2);

  proxy_->CutAll();
  EXPECT_EQ(proxy_->Stats().cut, 2);
  EXPECT_THAT(Exec(*pool, "INSERT INTO t VALUES (1)"), IsOk());
  EXPECT_GE(pool->Stats().replaced, 2);
  EXPECT_EQ(proxy_->Stats().accepted, 3);
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM t"), 1);

  proxy_->SetDrop(true);
  EXPECT_EQ(proxy_->Stats().cut, 3);  // the session in the pool went too
  absl::Status dropped = Exec(*pool, "INSERT INTO t VALUES (2)");
  EXPECT_THAT(dropped, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(proxy_->Stats().refused, 1);

  proxy_->SetDrop(false);
  EXPECT_THAT(Exec(*pool, "INSERT INTO t VALUES (2)"), IsOk());
  EXPECT_EQ(*ScalarInt(*DirectPool(), "SELECT COUNT(*) FROM t"), 2);
}

TEST_F(FaultProxyDb, NewConnectionsFollowSetUpstream) {
  // Nothing listens there: the proxy resets the client, as a router would.
  proxy_->SetUpstream(::sales::testing::FreeLoopbackPort());
  auto pool = PoolThroughProxy(1);
  EXPECT_THAT(ScalarInt(*pool, "SELECT 1"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(proxy_->Stats().refused, 1);
  EXPECT_EQ(proxy_->Stats().accepted, 0);

  proxy_->SetUpstream(SharedMariaDb().port());
  EXPECT_EQ(proxy_->upstream(), SharedMariaDb().port());
  EXPECT_EQ(*ScalarInt(*pool, "SELECT 5"), 5);
  EXPECT_EQ(proxy_->Stats().accepted, 1);
}

TEST_F(FaultProxyDb, CutAfterCommitLeavesTheOutcomeUnknownButCommitted) {
  auto pool = PoolThroughProxy(1);
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY)"), IsOk());

  proxy_->ClearMySqlCommands();
  proxy_->CutAfterCommit(1);
  absl::Status st = Exec(*pool, "INSERT INTO t VALUES (1)");
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(st), "COMMIT_OUTCOME_UNKNOWN") << st;
  std::vector<std::string> seen = proxy_->MySqlCommands();
  std::printf("MySQL commands up to the cut: %s\n", absl::StrJoin(seen, " | ").c_str());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), "COM_QUERY COMMIT");
  EXPECT_EQ(proxy_->Stats().commits_cut, 1);

  // The commit reached the server before the cut: the row is in.
  EXPECT_EQ(*ScalarInt(*DirectPool(), "SELECT COUNT(*) FROM t WHERE id = 1"), 1);

  // One cut was armed: the next commits go through.
  EXPECT_THAT(Exec(*pool, "INSERT INTO t VALUES (2)"), IsOk());
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM t"), 2);
  EXPECT_EQ(proxy_->Stats().commits_cut, 1);
}

// The other side of "unknown": a COMMIT the server never received must not
// be reported as committed either. (Connector/C++ 1.1.12's commit() throws
// nothing when mysql_commit() fails, so the platform cannot rely on it.)
TEST_F(FaultProxyDb, ACommitThatNeverArrivedIsNotReportedCommitted) {
  auto pool = PoolThroughProxy(1, absl::Seconds(1));
  ASSERT_THAT(Exec(*pool, "CREATE TABLE t (id BIGINT PRIMARY KEY)"), IsOk());
  absl::Status st = pool->Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO t VALUES (1)").status());
    proxy_->SetStall(true);  // the COMMIT will be held, then its wait times out
    return absl::OkStatus();
  });
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(st), "COMMIT_OUTCOME_UNKNOWN") << st;
  // The held COMMIT is thrown away with its connection: the server rolls
  // the transaction back.
  proxy_->CutAll();
  proxy_->SetStall(false);
  EXPECT_EQ(*ScalarInt(*DirectPool(), "SELECT COUNT(*) FROM t"), 0);
  EXPECT_EQ(proxy_->Stats().commits_cut, 0);
}

TEST_F(FaultProxyDb, TheIdempotencyRecordAnswersTheRetryAfterAnUnknownCommit) {
  auto pool = PoolThroughProxy(1);
  ASSERT_THAT(Migrate(*pool, {PlatformMigrations()}), IsOk());
  ASSERT_THAT(Exec(*pool, "CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20))"), IsOk());
  int runs = 0;
  auto place = [&] {
    return RunIdempotentRaw(*pool, "tester", "FaultProxy/PlaceOrder", "req-1", "hash-of-req-1",
                            [&](db::Transaction& tx) -> absl::StatusOr<std::string> {
                              ++runs;
                              SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO orders (note) VALUES ('x')").status());
                              SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
                              return absl::StrCat("order ", id);
                            });
  };

  proxy_->CutAfterCommit(1);
  auto first = place();
  EXPECT_THAT(first.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(first.status()), "COMMIT_OUTCOME_UNKNOWN");
  EXPECT_EQ(proxy_->Stats().commits_cut, 1);
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM orders"), 1);

  // The caller retries with the same request id: the record answers.
  auto retry = place();
  ASSERT_THAT(retry.status(), IsOk());
  EXPECT_EQ(*retry, "order 1");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(*ScalarInt(*pool, "SELECT COUNT(*) FROM orders"), 1);
}

// ------------------------------------------------------------------ gRPC

class FaultProxyGrpc : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    // A server needs one service of its own before it starts; this one
    // answers UNIMPLEMENTED to everything but the health check.
    builder.RegisterCallbackGenericService(&unimplemented_);
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    server_->GetHealthCheckService()->SetServingStatus(true);
    auto proxy = FaultProxy::Start(port);
    ASSERT_THAT(proxy.status(), IsOk());
    proxy_ = std::move(proxy).value();
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", proxy_->port()), grpc::InsecureChannelCredentials());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  void TearDown() override {
    if (proxy_ != nullptr) proxy_->ClearFaults();
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  // grpc.health.v1.Health/Check for the whole server; OK only when it
  // answered SERVING.
  grpc::Status Check(absl::Duration deadline, bool wait_for_ready = false) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
    ctx.set_wait_for_ready(wait_for_ready);
    grpc::Slice none("", 0);
    grpc::ByteBuffer request(&none, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub_->UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                     [&](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status s = done.get_future().get();
    if (!s.ok()) return s;
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    std::string bytes;
    for (const auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    if (bytes != std::string("\x08\x01", 2)) return grpc::Status(grpc::StatusCode::INTERNAL, "not SERVING");
    return s;
  }

  grpc::CallbackGenericService unimplemented_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<FaultProxy> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

TEST_F(FaultProxyGrpc, StallTimesCallsOutAndACutChannelReconnects) {
  grpc::Status ok = Check(absl::Seconds(5));
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  ASSERT_EQ(proxy_->Stats().accepted, 1);
  EXPECT_GT(proxy_->Stats().bytes_to_client, 0);

  proxy_->SetStall(true);
  absl::Time start = absl::Now();
  grpc::Status stalled = Check(absl::Seconds(1));
  EXPECT_EQ(stalled.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << stalled.error_message();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_GT(proxy_->Stats().held_bytes, 0);

  // Cleared, the held connection carries on.
  proxy_->SetStall(false);
  ok = Check(absl::Seconds(5));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(proxy_->Stats().accepted, 1);

  // Cut: the channel sees its connection reset and opens a new one.
  ASSERT_EQ(channel_->GetState(false), GRPC_CHANNEL_READY);
  proxy_->CutAll();
  EXPECT_EQ(proxy_->Stats().cut, 1);
  EXPECT_TRUE(
      channel_->WaitForStateChange(GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(5)));
  ok = Check(absl::Seconds(5), /*wait_for_ready=*/true);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(proxy_->Stats().accepted, 2);
}

}  // namespace
}  // namespace sales
