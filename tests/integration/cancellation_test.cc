// Long handlers stop when their client cancels or its deadline passes: every
// statement of a handler's transaction first asks whether anyone still waits
// (platform/serving_call.h), so the work stops at the next statement and
// rolls back. A real gRPC server on loopback and a real MariaDB.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
namespace tv1 = ::sales::targets::v1;

constexpr int kRows = 200000;  // minutes of work if nothing stopped it

// A "sweep" that inserts kRows rows in one transaction, the way long
// handlers work through their batches.
class LongHandler final : public tv1::TargetsService::Service {
 public:
  explicit LongHandler(db::Pool* pool) : pool_(pool) {}
  grpc::Status GetRep(grpc::ServerContext* ctx, const tv1::GetRepRequest*, tv1::GetRepResponse*) override {
    grpc::Status out = Serve(ctx, "/sales.targets.v1.TargetsService/GetRep", verifier_, [&](CallContext&) {
      return pool_->Transact([&](db::Transaction& tx) -> absl::Status {
        for (int i = 0; i < kRows; ++i) {
          SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO work (n) VALUES (?)", {static_cast<int64_t>(i)}).status());
          statements.fetch_add(1);
        }
        return absl::OkStatus();
      });
    });
    finished_with = out.error_code();
    finished.store(true);
    return out;
  }
  std::atomic<int> statements{0};
  std::atomic<bool> finished{false};
  std::atomic<grpc::StatusCode> finished_with{grpc::StatusCode::OK};

 private:
  db::Pool* pool_;
  PrincipalVerifier verifier_;  // development mode: no identity needed here
};

TEST(Cancellation, ALongHandlerStopsWhenItsCallerGoesAndKeepsNothing) {
  auto opts = FreshDatabase("cancel");
  auto pool = std::move(db::Pool::Create(opts)).value();
  ASSERT_THAT(
      pool->Transact([](db::Transaction& tx) { return tx.Exec("CREATE TABLE work (n BIGINT NOT NULL)").status(); }),
      IsOk());
  LongHandler handler(pool.get());
  int port = 0;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&handler);
  auto server = b.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto stub = tv1::TargetsService::NewStub(::sales::testing::Loopback(port));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(400)));
  tv1::GetRepResponse resp;
  grpc::Status st = stub->GetRep(&ctx, tv1::GetRepRequest(), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  absl::Time until = absl::Now() + absl::Seconds(20);
  while (!handler.finished.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_TRUE(handler.finished.load()) << "the handler ran on for nobody";
  EXPECT_EQ(handler.finished_with.load(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(handler.statements.load(), kRows);
  auto rows = pool->Transact<int64_t>([](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT COUNT(*) FROM work"));
    return r[0].Int(0);
  });
  ASSERT_THAT(rows.status(), IsOk());
  EXPECT_EQ(*rows, 0) << "a cancelled transaction keeps nothing";

  // Outside a call (a consumer, housekeeping) nothing is ever cancelled.
  EXPECT_FALSE(ServingCall::Cancelled());
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

}  // namespace
}  // namespace sales
