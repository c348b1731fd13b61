// Pure platform rules: SQL splitting, error mapping, config, principals,
// money allocation, dates and page tokens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "platform/call.h"
#include "platform/config.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/migrate.h"
#include "platform/money.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "platform/work_pool.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;

TEST(SplitSqlStatements, HonoursQuotesAndComments) {
  auto stmts = SplitSqlStatements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (x VARCHAR(10) DEFAULT 'a;b');\n"
      "/* block; comment */ INSERT INTO a VALUES ('it''s; fine');\n"
      "# hash comment;\n"
      "UPDATE a SET x = \"q;\" ;  ;\n");
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0], "CREATE TABLE a (x VARCHAR(10) DEFAULT 'a;b')");
  EXPECT_EQ(stmts[1], "INSERT INTO a VALUES ('it''s; fine')");
  EXPECT_EQ(stmts[2], "UPDATE a SET x = \"q;\"");
}

TEST(SplitSqlStatements, PlatformMigrationSplitsIntoItsTables) {
  auto set = PlatformMigrations();
  ASSERT_EQ(set.files.size(), 5u);
  EXPECT_EQ(SplitSqlStatements(set.files[0].sql).size(), 6u);
  EXPECT_EQ(SplitSqlStatements(set.files[1].sql).size(), 1u);
  EXPECT_EQ(SplitSqlStatements(set.files[2].sql).size(), 1u);  // idempotency keys per caller
  EXPECT_EQ(SplitSqlStatements(set.files[3].sql).size(), 3u);  // feed leases, cursor token, applied order
  EXPECT_EQ(SplitSqlStatements(set.files[4].sql).size(), 1u);  // processed events by position (retention)
}

TEST(WorkPool, RunsQueuedTasksInOrderRefusesBeyondItsQueueAndFinishesThemOnStop) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<int> ran;
  WorkPool pool("test", 1, 3);
  // The one thread is held, so the next three wait in the queue.
  ASSERT_TRUE(pool.Post([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  }));
  absl::Time until = absl::Now() + absl::Seconds(5);
  while (pool.queued() != 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(1));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(pool.Post([&, i] {
      std::lock_guard<std::mutex> lock(mu);
      ran.push_back(i);
    }));
  }
  EXPECT_FALSE(pool.Post([] {})) << "a full queue must refuse (the caller answers RESOURCE_EXHAUSTED)";
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.Stop();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(pool.Post([] {})) << "a stopped pool refuses";
}

TEST(Row, ReadsColumnsByTheLabelTheStatementGives) {
  auto columns =
      std::make_shared<const db::Columns>(std::vector<std::string>{"id", "名称", "credit_limit", "id", "note"});
  db::Row row({"7", "华东一区", "9223372036854775807", "8", std::nullopt}, columns);
  EXPECT_EQ(row.Str("名称"), "华东一区");
  EXPECT_EQ(row.Int("credit_limit"), INT64_MAX);
  EXPECT_TRUE(row.IsNull("note"));
  EXPECT_EQ(row.Str("note"), "");
  EXPECT_EQ(row.Int(size_t{0}), 7);
  // Two joined tables' `id`: reading it by name is a mistake the store must
  // fix with an alias, not a silent pick of either.
  EXPECT_THROW(row.Int("id"), std::out_of_range);
  EXPECT_THROW(row.Int("missing"), std::out_of_range);
  db::Row unlabelled({"1"});
  EXPECT_THROW(unlabelled.Int("id"), std::out_of_range);
}

TEST(UpdateMask, CopiesOnlyTheNamedFieldsAndRefusesOthers) {
  google::rpc::ErrorInfo stored, requested;
  stored.set_reason("旧的原因");
  stored.set_domain("orders.sales");
  (*stored.mutable_metadata())["a"] = "1";
  requested.set_reason("新的原因");
  requested.set_domain("");
  (*requested.mutable_metadata())["b"] = "2";

  google::protobuf::FieldMask mask;
  mask.add_paths("reason");
  auto paths = UpdatePaths(mask, {"reason", "domain", "metadata"});
  ASSERT_THAT(paths.status(), IsOk());
  EXPECT_TRUE(Touches(*paths, "reason"));
  EXPECT_FALSE(Touches(*paths, "domain"));
  google::rpc::ErrorInfo merged = stored;
  ApplyUpdatePaths(*paths, requested, &merged);
  EXPECT_EQ(merged.reason(), "新的原因");
  EXPECT_EQ(merged.domain(), "orders.sales");  // not named: kept even though the request cleared it
  EXPECT_EQ(merged.metadata().size(), 1u);

  // An empty mask is every changeable field; maps and messages are replaced whole.
  auto all = UpdatePaths(google::protobuf::FieldMask(), {"reason", "domain", "metadata"});
  ASSERT_THAT(all.status(), IsOk());
  merged = stored;
  ApplyUpdatePaths(*all, requested, &merged);
  EXPECT_EQ(merged.domain(), "");
  EXPECT_EQ(merged.metadata().size(), 1u);
  EXPECT_EQ(merged.metadata().at("b"), "2");

  mask.add_paths("version");
  mask.add_paths("reason");
  absl::Status refused = UpdatePaths(mask, {"reason", "domain"}).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(refused);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].field, "update_mask.paths[1]");
  EXPECT_EQ(violations[1].field, "update_mask.paths[2]");
}

TEST(ToGrpcStatus, CarriesFieldViolationsAndErrorInfo) {
  absl::Status st = WithErrorInfo(InvalidFields({{"a.b", "bad"}, {"c", "worse"}}), "WHY", "test.sales", {{"k", "v"}});
  grpc::Status g = ToGrpcStatus(st);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.code(), 3);
  ASSERT_EQ(rpc.details_size(), 2);
  google::rpc::BadRequest bad;
  google::rpc::ErrorInfo info;
  for (const auto& any : rpc.details()) {
    if (any.Is<google::rpc::BadRequest>()) {
      ASSERT_TRUE(any.UnpackTo(&bad));
    }
    if (any.Is<google::rpc::ErrorInfo>()) {
      ASSERT_TRUE(any.UnpackTo(&info));
    }
  }
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "a.b");
  EXPECT_EQ(info.reason(), "WHY");
  EXPECT_EQ(info.metadata().at("k"), "v");

  absl::Status back = FromGrpcStatus(g);
  EXPECT_THAT(back, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorReason(back), "WHY");
  EXPECT_EQ(FieldViolationsOf(back).size(), 2u);
}

TEST(ToGrpcStatus, AThousandBadRowsStillFitTheTrailers) {
  std::vector<FieldViolation> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back({absl::StrCat("rows[", i, "].rep_id"), "required, > 0; the rep must exist in the org"});
  }
  std::string message;
  for (int i = 0; i < 300; ++i) absl::StrAppend(&message, "行", i, " 无效; ");
  absl::Status st = InvalidFields(many);
  absl::Status long_message(absl::StatusCode::kInvalidArgument, message);
  st.ForEachPayload([&](absl::string_view url, const absl::Cord& p) { long_message.SetPayload(url, p); });
  grpc::Status g = ToGrpcStatus(long_message);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Well under the 8 KiB clients accept, whole UTF-8 characters only.
  EXPECT_LT(g.error_message().size() + g.error_details().size(), 6000u);
  EXPECT_THAT(g.error_message(), ::testing::HasSubstr("more bytes"));
  EXPECT_EQ(g.error_message().rfind("行0 无效", 0), 0u);
  auto back = FieldViolationsOf(FromGrpcStatus(g));
  ASSERT_EQ(back.size(), 41u);
  EXPECT_EQ(back[0].field, "rows[0].rep_id");
  EXPECT_EQ(back[40].description, "and 960 more violations of the same request");
}

TEST(ToGrpcStatus, OkAndPlainErrors) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  grpc::Status g = ToGrpcStatus(absl::NotFoundError("nope"));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(g.error_message(), "nope");
  EXPECT_TRUE(g.error_details().empty());
}

TEST(Config, FlagsBeatDefaultsAndSecretsAreMasked) {
  const char* argv[] = {"svc", "--listen=127.0.0.1:1", "--max_threads=8", "--mysql_password=hunter2",
                        "--drain_deadline=250ms"};
  auto c = Config::FromArgs(5, argv);
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->GetString("listen", "x"), "127.0.0.1:1");
  EXPECT_EQ(*c->GetInt("max_threads", 32), 8);
  EXPECT_EQ(*c->GetDuration("drain_deadline", absl::Seconds(1)), absl::Milliseconds(250));
  EXPECT_EQ(*c->GetSecret("mysql_password", ""), "hunter2");
  std::string printed = c->EffectiveConfigJson();
  EXPECT_EQ(printed.find("hunter2"), std::string::npos);
  EXPECT_NE(printed.find("****"), std::string::npos);
}

TEST(Config, RejectsMalformedFlagsAndValues) {
  const char* bad[] = {"svc", "--listen"};
  EXPECT_THAT(Config::FromArgs(2, bad).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  const char* bad2[] = {"svc", "positional"};
  EXPECT_THAT(Config::FromArgs(2, bad2).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  auto c = Config::FromMap({{"n", "x1"}, {"d", "soon"}});
  EXPECT_THAT(c.GetInt("n", 1).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(c.GetDuration("d", absl::Seconds(1)).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Principal, RoundTripsAndVerifies) {
  Principal p{"alice", "SALES_REP", 12, 3};
  Principal back;
  ASSERT_TRUE(Principal::Decode(p.Encode(), &back));
  EXPECT_EQ(back.user_id, "alice");
  EXPECT_EQ(back.rep_id, 12);
  EXPECT_EQ(back.org_unit_id, 3);
  EXPECT_FALSE(Principal::Decode("user=;role=X", &back));
  EXPECT_FALSE(Principal::Decode("user=a;role=X;rep=abc", &back));
  EXPECT_FALSE(Principal::Decode("user=a;role=X;evil=1", &back));

  const std::string kMethod = "/sales.orders.v1.OrdersService/CreateOrder";
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  PrincipalVerifier v("secret");
  std::string mac = v.Sign(p.Encode(), "req-1", kMethod, now);
  EXPECT_THAT(v.Verify(p.Encode(), mac, "req-1", kMethod, "", now), IsOk());
  EXPECT_THAT(v.Verify(p.Encode(), mac, "req-2", kMethod, "", now), StatusIs(absl::StatusCode::kUnauthenticated));
  Principal forged = p;
  forged.role = "ADMIN";
  EXPECT_THAT(v.Verify(forged.Encode(), mac, "req-1", kMethod, "", now), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(v.Verify(p.Encode(), "", "req-1", kMethod, "", now), StatusIs(absl::StatusCode::kUnauthenticated));
}

// Names as Chinese identity providers issue them, and every byte a claim can
// hold, travel as legal header text and come back exactly.
TEST(Principal, CarriesAnyUserNameAsHeaderSafeText) {
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  for (std::string user : {std::string("张三"), std::string("a\tb"), std::string("a\nb"), std::string("x;role=ADMIN"),
                           std::string("o'brien=1%41"), std::string(256, 'z'), all_bytes.substr(0, 255)}) {
    Principal p{user, "SALES_REP", 7, 2};
    std::string encoded = p.Encode();
    for (unsigned char c : encoded) EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << "not header-safe: " << encoded;
    Principal back;
    ASSERT_TRUE(Principal::Decode(encoded, &back)) << encoded;
    EXPECT_EQ(back.user_id, user);
    EXPECT_EQ(back.role, "SALES_REP");
    EXPECT_EQ(back.rep_id, 7);
  }
  Principal back;
  EXPECT_FALSE(Principal::Decode("user=张三;role=X", &back)) << "raw non-ASCII is not an encoding";
  EXPECT_FALSE(Principal::Decode("user=a%2;role=X", &back));
  EXPECT_FALSE(Principal::Decode("user=a%zz;role=X", &back));
  EXPECT_FALSE(Principal::Decode("user=a;role=X;user=b", &back)) << "a repeated key smuggles a second identity";
  EXPECT_FALSE(Principal::Decode(absl::StrCat("user=", std::string(257, 'a'), ";role=X"), &back));
  EXPECT_FALSE(Principal::Decode("user=a;role=X;rep=99999999999999999999", &back));
}

// A captured header set is useless on another method, another service, for
// another request or after its validity; keys rotate with both accepted.
TEST(PrincipalProof, BindsMethodServiceRequestAndTime) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  const std::string create = "/sales.orders.v1.OrdersService/CreateOrder";
  Principal p{"张三", "SALES_REP", 3, 12};
  PrincipalVerifier v("k1-secret");
  std::string proof = v.Sign(p.Encode(), "rid-1", create, t0);
  EXPECT_THAT(v.Verify(p.Encode(), proof, "rid-1", create, "", t0 + absl::Seconds(59)), IsOk());
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", "/sales.orders.v1.OrdersService/CancelOrder", "", t0)),
            "PRINCIPAL_UNVERIFIED");
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", create, "finance", t0)), "PRINCIPAL_UNVERIFIED")
      << "another audience";
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", "/sales.finance.v1.FinanceService/CreateOrder", "", t0)),
            "PRINCIPAL_UNVERIFIED");
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", create, "", t0 + absl::Seconds(61))),
            "PRINCIPAL_PROOF_EXPIRED");
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", create, "", t0 - absl::Seconds(30))),
            "PRINCIPAL_PROOF_EXPIRED")
      << "issued in the future";
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), "v2.k1.x.y", "rid-1", create, "", t0)), "PRINCIPAL_UNVERIFIED");
  // Issue times at the ends of int64 (only a key holder can sign them) are
  // expired, not arithmetic overflow.
  for (absl::Time edge : {absl::InfinitePast(), absl::InfiniteFuture()}) {
    std::string odd = v.Sign(p.Encode(), "rid-1", create, edge);
    EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), odd, "rid-1", create, "", t0)), "PRINCIPAL_PROOF_EXPIRED");
    EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), proof, "rid-1", create, "", edge)), "PRINCIPAL_PROOF_EXPIRED");
  }
  EXPECT_EQ(ErrorReason(v.Verify(p.Encode(), "v2.k1.1800000000.", "rid-1", create, "", t0)), "PRINCIPAL_UNVERIFIED");

  // Rotation: the new key signs, the old one is still accepted, then removed.
  PrincipalVerifier old_only(std::vector<PrincipalKey>{{"k1", "k1-secret"}});
  PrincipalVerifier both(std::vector<PrincipalKey>{{"k2", "k2-secret"}, {"k1", "k1-secret"}});
  PrincipalVerifier new_only(std::vector<PrincipalKey>{{"k2", "k2-secret"}});
  std::string by_old = old_only.Sign(p.Encode(), "r", create, t0);
  std::string by_new = both.Sign(p.Encode(), "r", create, t0);
  EXPECT_EQ(both.signing_key_id(), "k2");
  EXPECT_THAT(both.Verify(p.Encode(), by_old, "r", create, "", t0), IsOk());
  EXPECT_THAT(both.Verify(p.Encode(), by_new, "r", create, "", t0), IsOk());
  EXPECT_EQ(ErrorReason(new_only.Verify(p.Encode(), by_old, "r", create, "", t0)), "PRINCIPAL_KEY_UNKNOWN");
  EXPECT_EQ(ErrorReason(old_only.Verify(p.Encode(), by_new, "r", create, "", t0)), "PRINCIPAL_KEY_UNKNOWN");
  // The same key id with another secret is no key at all.
  PrincipalVerifier impostor(std::vector<PrincipalKey>{{"k2", "guessed"}});
  EXPECT_EQ(ErrorReason(both.Verify(p.Encode(), impostor.Sign(p.Encode(), "r", create, t0), "r", create, "", t0)),
            "PRINCIPAL_UNVERIFIED");
}

TEST(PrincipalProof, NoSilentDevelopmentMode) {
  for (std::string secret : {"", "   ", "\t\n"}) {
    auto refused = PrincipalVerifier::FromConfig(Config::FromMap({{"principal_hmac_secret", secret}}));
    EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kFailedPrecondition)) << "'" << secret << "'";
  }
  auto dev = PrincipalVerifier::FromConfig(Config::FromMap({{"allow_unsigned_principals", "true"}}));
  ASSERT_THAT(dev.status(), IsOk());
  EXPECT_FALSE(dev->enforcing());
  auto rotated = PrincipalVerifier::FromConfig(Config::FromMap({{"principal_hmac_secret", "new"},
                                                                {"principal_hmac_key_id", "k2"},
                                                                {"principal_hmac_also_accept_secret", "old"},
                                                                {"principal_hmac_also_accept_key_id", "k1"}}));
  ASSERT_THAT(rotated.status(), IsOk());
  EXPECT_EQ(rotated->signing_key_id(), "k2");
  EXPECT_FALSE(PrincipalVerifier::FromConfig(
                   Config::FromMap({{"principal_hmac_secret", "s"}, {"principal_hmac_key_id", "bad.id"}}))
                   .ok());
}

// Errors say what, not how: database text never reaches a client.
TEST(ClientFacing, ScrubsDatabaseTextAndInternalDetail) {
  absl::Status dup = WithErrorInfo(absl::AlreadyExistsError("Duplicate entry '138' for key 'uk_customers_phone'"),
                                   "DUPLICATE_KEY", "db.sales", {{"mysql_errno", "1062"}});
  absl::Status out = ClientFacing(dup, "rid-9");
  EXPECT_EQ(out.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(out), "DUPLICATE_KEY");
  EXPECT_THAT(std::string(out.message()), ::testing::Not(::testing::HasSubstr("uk_customers_phone")));
  absl::Status internal =
      ClientFacing(absl::InternalError("database error 1406: Data too long for column 'name'"), "rid-9");
  EXPECT_EQ(internal.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(internal.message()), ::testing::HasSubstr("rid-9"));
  EXPECT_THAT(std::string(internal.message()), ::testing::Not(::testing::HasSubstr("column")));
  absl::Status own = InvalidField("customer.name", "at most 100 characters");
  EXPECT_EQ(ClientFacing(own, "r").message(), own.message());
}

struct AllocationCase {
  int64_t total;
  std::vector<int64_t> weights;
  std::vector<int64_t> expected;
};

class AllocationTest : public ::testing::TestWithParam<AllocationCase> {};

TEST_P(AllocationTest, ConservesTotalExactly) {
  const auto& c = GetParam();
  auto parts = AllocateLargestRemainder(c.total, c.weights);
  ASSERT_THAT(parts.status(), IsOk());
  EXPECT_EQ(*parts, c.expected);
  int64_t sum = 0;
  for (auto p : *parts) sum += p;
  EXPECT_EQ(sum, c.total);
}

INSTANTIATE_TEST_SUITE_P(Edges, AllocationTest,
                         ::testing::Values(
                             // 1 fen over 3 equal parts: ties go to the lowest index.
                             AllocationCase{1, {1, 1, 1}, {1, 0, 0}}, AllocationCase{2, {1, 1, 1}, {1, 1, 0}},
                             AllocationCase{100, {1, 1, 1}, {34, 33, 33}},
                             // Largest remainder wins, not the first index.
                             AllocationCase{10, {1, 2, 3}, {2, 3, 5}},
                             // All-zero weights fall back to an equal split.
                             AllocationCase{7, {0, 0}, {4, 3}},
                             // A zero weight gets nothing.
                             AllocationCase{5, {0, 1}, {0, 5}},
                             // Negative totals (correction orders) split symmetrically.
                             AllocationCase{-100, {1, 1, 1}, {-34, -33, -33}}, AllocationCase{0, {3, 4}, {0, 0}},
                             // 12 months of 100 000.01 yuan.
                             AllocationCase{120000012,
                                            std::vector<int64_t>(12, 1),
                                            {10000001, 10000001, 10000001, 10000001, 10000001, 10000001, 10000001,
                                             10000001, 10000001, 10000001, 10000001, 10000001}},
                             // Huge totals and weights do not overflow.
                             AllocationCase{999999999999999, {999999999, 1}, {999999998999999, 1000000}}));

TEST(Allocation, RejectsBadWeights) {
  EXPECT_THAT(AllocateLargestRemainder(1, std::vector<int64_t>{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AllocateLargestRemainder(1, std::vector<int64_t>{1, -1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Money, Validation) {
  EXPECT_THAT(ValidateMoney(MakeMoney(1), "m", Sign::kPositive), IsOk());
  EXPECT_THAT(ValidateMoney(MakeMoney(0), "m", Sign::kPositive), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateMoney(MakeMoney(0), "m", Sign::kNonNegative), IsOk());
  EXPECT_THAT(ValidateMoney(MakeMoney(-1), "m", Sign::kNonNegative), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateMoney(MakeMoney(-1), "m", Sign::kAny), IsOk());
  EXPECT_THAT(ValidateMoney(MakeMoney(1, "cny"), "m", Sign::kAny), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateMoney(MakeMoney(1'000'000'000'000'000), "m", Sign::kAny),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto v = FieldViolationsOf(ValidateMoney(MakeMoney(-5, "X"), "amount", Sign::kPositive));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].field, "amount.currency_code");
  EXPECT_EQ(v[1].field, "amount.minor_units");
}

TEST(Convert, DatesTimesTokensEtags) {
  common::v1::Date d;
  d.set_year(2024);
  d.set_month(2);
  d.set_day(29);
  EXPECT_THAT(ValidateDate(d, "d"), IsOk());
  d.set_year(2023);
  EXPECT_THAT(ValidateDate(d, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  d.set_month(13);
  EXPECT_THAT(ValidateDate(d, "d"), StatusIs(absl::StatusCode::kInvalidArgument));

  absl::Time t = absl::FromUnixMicros(1700000000123456);
  EXPECT_EQ(ParseDbTime(FormatDbTime(t)), t);
  EXPECT_EQ(FromTimestamp(ToTimestamp(t)), t);

  EXPECT_EQ(*DecodePageToken(EncodePageToken(42)), 42);
  EXPECT_EQ(*DecodePageToken(""), 0);
  EXPECT_THAT(DecodePageToken("garbage!").status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageSize(0).status(), IsOk());
  EXPECT_EQ(*PageSize(0), 100);
  EXPECT_THAT(PageSize(501).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageSize(-1).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*PageSize(0, kPageOfDocuments), 50);
  EXPECT_EQ(*PageSize(200, kPageOfDocuments), 200);
  EXPECT_THAT(PageSize(201, kPageOfDocuments).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*PageSize(0, kPageOfReportRows), 200);
  EXPECT_EQ(*PageSize(1000, kPageOfLedgerRows), 1000);

  EXPECT_THAT(CheckEtag("", 3, "x", 1), IsOk());
  EXPECT_THAT(CheckEtag("v3", 3, "x", 1), IsOk());
  absl::Status stale = CheckEtag("v2", 3, "x", 1);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ErrorReason(stale), "STALE_ETAG");
}

}  // namespace
}  // namespace sales
