// The gateway against real tokens, a real targets-svc on MariaDB, and a
// scripted fake backend for the transport behaviours (retries, deadlines,
// streams) that a real service cannot be made to show on demand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "platform/call.h"
#include "platform/status.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/gateway/v1/gateway_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/integration/gateway_support.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales::gateway {
namespace {

using namespace ::sales::gateway::testing;  // NOLINT
using ::sales::testing::FreshDatabase;
using ::sales::testing::IsOk;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
using ::testing::HasSubstr;
namespace tv1 = ::sales::targets::v1;
namespace fv1 = ::sales::finance::v1;

constexpr char kSecret[] = "gateway-test-secret";

std::string Header(grpc::ServerContext* ctx, const char* key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
}

// A targets backend whose answers the test scripts.
class FakeTargets final : public tv1::TargetsService::Service {
 public:
  std::atomic<int> get_rep_calls{0}, create_calls{0}, baseline_calls{0};
  std::atomic<int> get_rep_failures{0}, create_failures{0};
  std::atomic<bool> saw_cancel{false};
  std::mutex mu;
  std::string last_principal, last_mac, last_request_id, last_authorization, last_custom;
  absl::Duration last_deadline_left;

  grpc::Status GetRep(grpc::ServerContext* ctx, const tv1::GetRepRequest* req, tv1::GetRepResponse* resp) override {
    Record(ctx);
    if (get_rep_calls.fetch_add(1) < get_rep_failures.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "peer down");
    }
    resp->mutable_rep()->set_id(req->id());
    resp->mutable_rep()->set_user_id("rep-from-fake");
    ctx->AddTrailingMetadata("x-backend-note", "hello");
    return grpc::Status::OK;
  }
  grpc::Status CreateOrgUnit(grpc::ServerContext* ctx, const tv1::CreateOrgUnitRequest*,
                             tv1::CreateOrgUnitResponse* resp) override {
    Record(ctx);
    if (create_calls.fetch_add(1) < create_failures.load()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "x");
    resp->mutable_org_unit()->set_id(7);
    return grpc::Status::OK;
  }
  grpc::Status ComputeBaseline(grpc::ServerContext* ctx, const tv1::ComputeBaselineRequest*,
                               tv1::ComputeBaselineResponse*) override {
    Record(ctx);
    baseline_calls.fetch_add(1);
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "always down");
  }
  // Waits until the call is cancelled or its deadline passes.
  grpc::Status GetOrgUnit(grpc::ServerContext* ctx, const tv1::GetOrgUnitRequest*, tv1::GetOrgUnitResponse*) override {
    Record(ctx);
    while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    saw_cancel = true;
    return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
  }
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const tv1::StreamEventsRequest* req,
                            grpc::ServerWriter<tv1::StreamEventsResponse>* writer) override {
    Record(ctx);
    for (int i = 1; i <= 3; ++i) {
      tv1::StreamEventsResponse r;
      auto* e = r.add_events();
      e->set_position(req->after_position() + i);
      e->set_event_type("test.Event");
      if (!writer->Write(r)) break;
    }
    return grpc::Status::OK;
  }

 private:
  void Record(grpc::ServerContext* ctx) {
    std::lock_guard<std::mutex> lock(mu);
    last_principal = Header(ctx, kPrincipalHeader);
    last_mac = Header(ctx, kPrincipalMacHeader);
    last_request_id = Header(ctx, kRequestIdHeader);
    last_authorization = Header(ctx, "authorization");
    last_custom = Header(ctx, "x-client-note");
    last_deadline_left = absl::FromChrono(ctx->deadline()) - absl::Now();
  }
};

class GatewaySecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::sales::testing::MakeTempDir("gateway-sec"));
    Sh(absl::StrCat("mkdir -p ", *dir_, "/keys"));
    es_ = new KeyPair(MakeKey(*dir_, "es", "ES256"));
    rs_ = new KeyPair(MakeKey(*dir_, "rs", "RS256"));
    stranger_ = new KeyPair(MakeKey(*dir_, "stranger", "ES256"));
    WriteAll(*dir_ + "/keys/k1.pem", es_->public_pem);
    WriteAll(*dir_ + "/keys/k2.pem", rs_->public_pem);
    db_ = new db::PoolOptions(FreshDatabase("gwsec"));
    targets_ =
        StartService(targets::MakeServiceDefinition(), *db_, nullptr, {{"principal_hmac_secret", kSecret}}).release();
    fake_ = new FakeTargets();
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &fake_port_);
    b.RegisterService(fake_);
    fake_server_ = b.BuildAndStart().release();
  }
  static void TearDownTestSuite() {
    fake_server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    delete fake_server_;
    delete fake_;
    delete targets_;
    ::sales::testing::RemoveTree(*dir_);
  }

  // A gateway in front of the real targets-svc (or the fake).
  std::unique_ptr<Gateway> Gw(bool fake = false, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> v = {
        {"jwt_public_keys_dir", *dir_ + "/keys"},
        {"principal_hmac_secret", kSecret},
        {"targets_address", absl::StrCat("127.0.0.1:", fake ? fake_port_ : targets_->port())},
        // Nothing listens here: finance-only methods must be refused before
        // any forwarding is tried.
        {"finance_address", "127.0.0.1:1"},
    };
    for (auto& [k, val] : extra) v[k] = val;
    return StartGateway(v);
  }

  std::string Admin(const std::string& sub = "alice") {
    TokenSpec t;
    t.sub = sub;
    return Sign(*es_, "k1", t);
  }

  static std::string* dir_;
  static KeyPair *es_, *rs_, *stranger_;
  static db::PoolOptions* db_;
  static ServiceApp* targets_;
  static FakeTargets* fake_;
  static grpc::Server* fake_server_;
  static int fake_port_;
};

std::string* GatewaySecurity::dir_;
KeyPair* GatewaySecurity::es_;
KeyPair* GatewaySecurity::rs_;
KeyPair* GatewaySecurity::stranger_;
db::PoolOptions* GatewaySecurity::db_;
ServiceApp* GatewaySecurity::targets_;
FakeTargets* GatewaySecurity::fake_;
grpc::Server* GatewaySecurity::fake_server_;
int GatewaySecurity::fake_port_;

std::string ReasonOf(const grpc::Status& st) { return ErrorReason(FromGrpcStatus(st)); }

grpc::Status ListUnits(int port, const std::string& token, tv1::ListOrgUnitsResponse* resp = nullptr) {
  auto stub = tv1::TargetsService::NewStub(Loopback(port));
  tv1::ListOrgUnitsResponse local;
  return stub->ListOrgUnits(Bearer(token).get(), tv1::ListOrgUnitsRequest(), resp ? resp : &local);
}

TEST_F(GatewaySecurity, ForwardsAnAdminsCallsToTheRealServiceWithASignedPrincipal) {
  auto gw = Gw();
  ASSERT_NE(gw, nullptr);
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  tv1::CreateOrgUnitRequest req;
  req.set_request_id("gw-create-1");
  req.mutable_org_unit()->set_code("CO");
  req.mutable_org_unit()->set_name("公司");
  req.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
  tv1::CreateOrgUnitResponse created;
  auto ctx = Bearer(Admin());
  ctx->AddMetadata(kRequestIdHeader, "client-chosen-id-1");
  grpc::Status st = stub->CreateOrgUnit(ctx.get(), req, &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(created.org_unit().code(), "CO");
  // The client's request id comes back in the trailers.
  EXPECT_EQ(Trailer(*ctx, kRequestIdHeader), "client-chosen-id-1");

  tv1::ListOrgUnitsResponse units;
  auto lctx = Bearer(Admin());
  ASSERT_TRUE(stub->ListOrgUnits(lctx.get(), tv1::ListOrgUnitsRequest(), &units).ok());
  EXPECT_GE(units.org_units_size(), 1);
  // Without one, the gateway makes one up and still returns it.
  EXPECT_EQ(Trailer(*lctx, kRequestIdHeader).size(), 32u);

  // RS256 keys work too.
  TokenSpec t;
  EXPECT_TRUE(ListUnits(gw->port(), Sign(*rs_, "k2", t)).ok());

  // The service's own errors (with details) come back unchanged.
  tv1::GetOrgUnitRequest missing;
  missing.set_id(999999);
  tv1::GetOrgUnitResponse got;
  grpc::Status nf = stub->GetOrgUnit(Bearer(Admin()).get(), missing, &got);
  EXPECT_EQ(nf.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(nf), "NOT_FOUND");
}

TEST_F(GatewaySecurity, RefusesCallsWithoutAValidToken) {
  auto gw = Gw();
  ASSERT_NE(gw, nullptr);
  struct Case {
    const char* name;
    std::string token;
    const char* reason;
  };
  TokenSpec expired;
  expired.expires_in = absl::Seconds(-120);  // past the 30 s skew
  TokenSpec future;
  future.not_before_in = absl::Minutes(5);
  TokenSpec wrong_iss;
  wrong_iss.iss = "someone-else";
  TokenSpec wrong_aud;
  wrong_aud.aud = "another-gateway";
  TokenSpec bad_role;
  bad_role.role = "EMPEROR";
  TokenSpec rep_without_id;
  rep_without_id.role = "SALES_REP";
  std::string good = Admin();
  std::string tampered = good.substr(0, good.rfind('.') - 4) + "AAAA" + good.substr(good.rfind('.'));
  std::vector<Case> cases = {
      {"no token", "", "TOKEN_MISSING"},
      {"garbage", "not-a-jwt", "TOKEN_MALFORMED"},
      {"expired", Sign(*es_, "k1", expired), "TOKEN_EXPIRED"},
      {"not yet valid", Sign(*es_, "k1", future), "TOKEN_NOT_YET_VALID"},
      {"wrong signature (stranger's key under a trusted kid)", Sign(*stranger_, "k1", TokenSpec()),
       "TOKEN_BAD_SIGNATURE"},
      {"tampered claims", tampered, "TOKEN_BAD_SIGNATURE"},
      {"ES256 token under the RS256 key's kid", Sign(*es_, "k2", TokenSpec()), "TOKEN_BAD_SIGNATURE"},
      {"wrong issuer", Sign(*es_, "k1", wrong_iss), "TOKEN_WRONG_ISSUER"},
      {"wrong audience", Sign(*es_, "k1", wrong_aud), "TOKEN_WRONG_AUDIENCE"},
      {"unknown kid", Sign(*es_, "k9", TokenSpec()), "TOKEN_UNKNOWN_KEY"},
      {"unknown role", Sign(*es_, "k1", bad_role), "TOKEN_BAD_CLAIMS"},
      {"rep without rep_id", Sign(*es_, "k1", rep_without_id), "TOKEN_BAD_CLAIMS"},
  };
  for (const auto& c : cases) {
    grpc::Status st = ListUnits(gw->port(), c.token);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << c.name << ": " << st.error_message();
    EXPECT_EQ(ReasonOf(st), c.reason) << c.name;
  }
  // A hand-made "alg: none" token is refused before any key is consulted.
  std::string none = absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none","kid":"k1"})"), ".",
                                  absl::WebSafeBase64Escape(R"({"sub":"x","role":"ADMIN"})"), ".");
  EXPECT_EQ(ListUnits(gw->port(), none).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewaySecurity, KeysRotateWithoutRestart) {
  auto gw = Gw();
  ASSERT_NE(gw, nullptr);
  KeyPair next = MakeKey(*dir_, "next", "ES256");
  TokenSpec t;
  std::string new_token = Sign(next, "k3", t);
  std::string old_token = Admin();
  ASSERT_TRUE(ListUnits(gw->port(), old_token).ok());
  EXPECT_EQ(ReasonOf(ListUnits(gw->port(), new_token)), "TOKEN_UNKNOWN_KEY");

  WriteAll(*dir_ + "/keys/k3.pem", next.public_pem);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!ListUnits(gw->port(), new_token).ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(ListUnits(gw->port(), new_token).ok()) << "the new key is trusted without a restart";

  // Retiring k1 refuses its tokens, even ones already verified and cached.
  ASSERT_EQ(std::rename((*dir_ + "/keys/k1.pem").c_str(), (*dir_ + "/k1.retired").c_str()), 0);
  deadline = absl::Now() + absl::Seconds(5);
  while (ListUnits(gw->port(), old_token).ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  grpc::Status st = ListUnits(gw->port(), old_token);
  EXPECT_EQ(ReasonOf(st), "TOKEN_UNKNOWN_KEY");
  ASSERT_EQ(std::rename((*dir_ + "/k1.retired").c_str(), (*dir_ + "/keys/k1.pem").c_str()), 0);
  std::remove((*dir_ + "/keys/k3.pem").c_str());
  deadline = absl::Now() + absl::Seconds(5);
  while (!ListUnits(gw->port(), old_token).ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
}

TEST_F(GatewaySecurity, PolicyDecidesPerRoleAndInternalMethodsStayInternal) {
  auto gw = Gw();
  ASSERT_NE(gw, nullptr);
  TokenSpec rep;
  rep.sub = "rep1";
  rep.role = "SALES_REP";
  rep.rep_id = 1;
  std::string rep_token = Sign(*es_, "k1", rep);
  auto finance = fv1::FinanceService::NewStub(Loopback(gw->port()));
  fv1::GetAgeingReportResponse ageing;
  grpc::Status st = finance->GetAgeingReport(Bearer(rep_token).get(), fv1::GetAgeingReportRequest(), &ageing);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_EQ(ReasonOf(st), "METHOD_NOT_ALLOWED");
  // The same rep may list org units (a read their role has).
  EXPECT_TRUE(ListUnits(gw->port(), rep_token).ok());

  // Internal methods: a director may read everything but not follow feeds.
  TokenSpec director;
  director.sub = "boss";
  director.role = "SALES_DIRECTOR";
  auto targets = tv1::TargetsService::NewStub(Loopback(gw->port()));
  auto ctx = Bearer(Sign(*es_, "k1", director));
  auto reader = targets->StreamEvents(ctx.get(), tv1::StreamEventsRequest());
  tv1::StreamEventsResponse ev;
  EXPECT_FALSE(reader->Read(&ev));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The policy file is re-read when it changes.
  std::string path = *dir_ + "/policy.json";
  WriteAll(path, ReadAll(DefaultPolicyPath()));
  auto gw2 = Gw(false, {{"policy_file", path}});
  ASSERT_NE(gw2, nullptr);
  EXPECT_TRUE(ListUnits(gw2->port(), rep_token).ok());
  WriteAll(path, R"({"roles": {"ADMIN": {"allow": ["*"]}}})");
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ListUnits(gw2->port(), rep_token).ok() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(ListUnits(gw2->port(), rep_token).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A broken edit keeps the last good policy in force.
  WriteAll(path, "{ not json");
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(ListUnits(gw2->port(), Admin()).ok());
}

TEST_F(GatewaySecurity, ServicesRefuseForgedPrincipalsAndTheGatewayStripsThem) {
  // Straight to the service: a principal without the gateway's MAC.
  Principal forged;
  forged.user_id = "mallory";
  forged.role = "ADMIN";
  auto direct = tv1::TargetsService::NewStub(Loopback(targets_->port()));
  tv1::ListOrgUnitsResponse units;
  auto ctx = ::sales::testing::Ctx();
  ctx->AddMetadata(kRequestIdHeader, "forged-1");
  ctx->AddMetadata(kPrincipalHeader, forged.Encode());
  ctx->AddMetadata(::sales::testing::kTestSigningSecretHeader, "guessed-secret");
  grpc::Status st = direct->ListOrgUnits(ctx.get(), tv1::ListOrgUnitsRequest(), &units);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(st), "PRINCIPAL_UNVERIFIED");
  EXPECT_EQ(direct->ListOrgUnits(::sales::testing::Ctx().get(), tv1::ListOrgUnitsRequest(), &units).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Through the gateway: whatever identity the client asserts is replaced
  // by the token's, signed; the token itself does not travel on.
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  TokenSpec rep;
  rep.sub = "rep7";
  rep.role = "SALES_REP";
  rep.rep_id = 7;
  rep.org_unit_id = 3;
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  auto gctx = Bearer(Sign(*es_, "k1", rep));
  gctx->AddMetadata(kPrincipalHeader, forged.Encode());
  gctx->AddMetadata(kPrincipalMacHeader, "00");
  gctx->AddMetadata("x-client-note", "kept");
  tv1::GetRepRequest req;
  req.set_id(7);
  tv1::GetRepResponse got;
  ASSERT_TRUE(stub->GetRep(gctx.get(), req, &got).ok());
  std::lock_guard<std::mutex> lock(fake_->mu);
  EXPECT_EQ(fake_->last_principal, "user=rep7;role=SALES_REP;rep=7;unit=3");
  EXPECT_THAT(PrincipalVerifier(kSecret).Verify(fake_->last_principal, fake_->last_mac, fake_->last_request_id,
                                                "/sales.targets.v1.TargetsService/GetRep", "targets", absl::Now()),
              IsOk());
  EXPECT_EQ(fake_->last_authorization, "");
  EXPECT_EQ(fake_->last_custom, "kept");
  EXPECT_EQ(Trailer(*gctx, "x-backend-note"), "hello");
  EXPECT_EQ(Trailer(*gctx, kRequestIdHeader), fake_->last_request_id);
}

// A signed token whose subject is Chinese (as Chinese identity providers
// issue them), hostile or huge never aborts the gateway, on any kind of path:
// a proxied call, a view, a stream and an error answer. Names are carried
// percent-encoded and arrive intact; names that are not names are refused.
TEST_F(GatewaySecurity, AnyUserNameReachesTheServicesIntactOrIsRefusedNeverFatal) {
  auto gw = Gw(true, {{"rate_limit_per_second", "1"}, {"rate_limit_burst", "3"}});
  ASSERT_NE(gw, nullptr);
  auto targets = tv1::TargetsService::NewStub(Loopback(gw->port()));
  auto views = ::sales::gateway::v1::GatewayService::NewStub(Loopback(gw->port()));
  struct Case {
    std::string sub;
    bool accepted;
  };
  std::vector<Case> cases = {{"张三", true},
                             {"欧阳·娜娜;role=ADMIN;rep=1", true},
                             {"o'brien=%41", true},
                             {"a\tb", false},
                             {"a\nb", false},
                             {std::string(4096, 'x'), false},
                             {std::string(100, '\xE5'), false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sub.substr(0, 40));
    TokenSpec t;
    t.sub = c.sub;
    t.role = "SALES_REP";
    t.rep_id = 7;
    t.org_unit_id = 3;
    std::string token = Sign(*es_, "k1", t);
    // Proxied call.
    tv1::GetRepRequest req;
    req.set_id(7);
    tv1::GetRepResponse got;
    grpc::Status st = targets->GetRep(Bearer(token).get(), req, &got);
    if (!c.accepted) {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
      continue;
    }
    ASSERT_TRUE(st.ok()) << st.error_message();
    {
      std::lock_guard<std::mutex> lock(fake_->mu);
      Principal arrived;
      ASSERT_TRUE(Principal::Decode(fake_->last_principal, &arrived)) << fake_->last_principal;
      EXPECT_EQ(arrived.user_id, c.sub);
      EXPECT_EQ(arrived.role, "SALES_REP") << "a name cannot smuggle a role";
      EXPECT_EQ(arrived.rep_id, 7);
    }
    // Stream.
    tv1::StreamEventsRequest sreq;
    auto sctx = Bearer(token);
    auto reader = targets->StreamEvents(sctx.get(), sreq);
    tv1::StreamEventsResponse ev;
    while (reader->Read(&ev)) {
    }
    grpc::Status sst = reader->Finish();
    EXPECT_NE(sst.error_code(), grpc::StatusCode::INTERNAL) << sst.error_message();
    // View: its parts fail (nothing serves customers here) but it answers.
    ::sales::gateway::v1::RepDashboardRequest vreq;
    ::sales::gateway::v1::RepDashboardResponse vresp;
    grpc::Status vst = views->RepDashboard(Bearer(token).get(), vreq, &vresp);
    EXPECT_NE(vst.error_code(), grpc::StatusCode::INTERNAL) << vst.error_message();
    EXPECT_NE(vst.error_code(), grpc::StatusCode::UNAVAILABLE) << vst.error_message();
    // Error answer naming the caller: the rate limit's message.
    grpc::Status limited;
    for (int i = 0; i < 6 && limited.ok(); ++i) limited = targets->GetRep(Bearer(token).get(), req, &got);
    EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(limited.error_message(), HasSubstr(c.sub)) << "the name is shown as written";
  }
  // After all of it the gateway still serves.
  tv1::GetRepRequest req;
  req.set_id(7);
  tv1::GetRepResponse got;
  EXPECT_TRUE(targets->GetRep(Bearer(Admin("还在")).get(), req, &got).ok());
}

// Client metadata whose value gRPC would not carry (raw UTF-8 in a text
// header), sent as a raw HTTP/2 client can: the gateway drops that header
// and serves the call instead of aborting when it forwards it.
TEST_F(GatewaySecurity, NonAsciiClientMetadataIsDroppedNotFatal) {
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  tv1::GetRepRequest req;
  req.set_id(7);
  std::string body = req.SerializeAsString();
  std::string frame(5, '\0');
  frame[4] = static_cast<char>(body.size());
  frame += body;
  std::string path = *dir_ + "/getrep.bin";
  WriteAll(path, frame);
  for (int i = 0; i < 3; ++i) {
    std::string cmd =
        absl::StrCat("curl -sS --max-time 5 --http2-prior-knowledge -o /dev/null -D ", *dir_, "/curl-headers.txt ",
                     "-H 'content-type: application/grpc' -H 'te: trailers' ", "-H 'authorization: Bearer ",
                     Admin("张三"), "' ", "-H 'x-client-note: 张三 的备注' -H 'x-tab: a\tb' ", "--data-binary @", path,
                     " http://127.0.0.1:", gw->port(), "/sales.targets.v1.TargetsService/GetRep");
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  tv1::GetRepResponse got;
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  ASSERT_TRUE(stub->GetRep(Bearer(Admin()).get(), req, &got).ok()) << "the gateway is still up";
  std::lock_guard<std::mutex> lock(fake_->mu);
  EXPECT_EQ(fake_->last_custom, "");
}

// A captured principal and proof are useless on another method, or once
// they are older than the proof's validity.
TEST_F(GatewaySecurity, CapturedProofsCannotBeReplayedElsewhereOrLater) {
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  TokenSpec admin;
  admin.sub = "张三";
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  tv1::GetRepRequest req;
  req.set_id(7);
  tv1::GetRepResponse got;
  ASSERT_TRUE(stub->GetRep(Bearer(Sign(*es_, "k1", admin)).get(), req, &got).ok());
  std::string principal, mac, rid;
  {
    std::lock_guard<std::mutex> lock(fake_->mu);
    principal = fake_->last_principal;
    mac = fake_->last_mac;
    rid = fake_->last_request_id;
  }
  auto direct = tv1::TargetsService::NewStub(Loopback(targets_->port()));
  auto replay = [&](const std::string& proof) {
    auto ctx = ::sales::testing::Ctx();
    ctx->AddMetadata(kRequestIdHeader, rid);
    ctx->AddMetadata(kPrincipalHeader, principal);
    ctx->AddMetadata(kPrincipalMacHeader, proof);
    return ctx;
  };
  // The same call on the real service is what the proof was made for.
  EXPECT_NE(direct->GetRep(replay(mac).get(), req, &got).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  tv1::ListOrgUnitsResponse units;
  grpc::Status other_method = direct->ListOrgUnits(replay(mac).get(), tv1::ListOrgUnitsRequest(), &units);
  EXPECT_EQ(other_method.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(other_method), "PRINCIPAL_UNVERIFIED");
  std::string stale = PrincipalVerifier(kSecret).Sign(principal, rid, "/sales.targets.v1.TargetsService/GetRep",
                                                      absl::Now() - absl::Seconds(61));
  grpc::Status late = direct->GetRep(replay(stale).get(), req, &got);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(late), "PRINCIPAL_PROOF_EXPIRED");
  std::string other_key = PrincipalVerifier(std::vector<PrincipalKey>{{"k9", kSecret}})
                              .Sign(principal, rid, "/sales.targets.v1.TargetsService/GetRep", absl::Now());
  EXPECT_EQ(ReasonOf(direct->GetRep(replay(other_key).get(), req, &got)), "PRINCIPAL_KEY_UNKNOWN");
}

// A flood of bad tokens from one address is refused before any signature is
// checked; signed-in users (their tokens verified once, then cached) go on.
TEST_F(GatewaySecurity, BadTokenFloodsAreLimitedPerAddressBeforeTheSignatureCheck) {
  auto gw = Gw(true, {{"token_checks_per_second_per_address", "5"}, {"token_checks_burst_per_address", "10"}});
  ASSERT_NE(gw, nullptr);
  std::string good = Admin("王五");
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  tv1::GetRepRequest req;
  req.set_id(7);
  tv1::GetRepResponse got;
  ASSERT_TRUE(stub->GetRep(Bearer(good).get(), req, &got).ok());
  int limited = 0, refused = 0;
  for (int i = 0; i < 60; ++i) {
    TokenSpec t;
    t.sub = absl::StrCat("mallory-", i);
    grpc::Status st = stub->GetRep(Bearer(Sign(*stranger_, "k1", t)).get(), req, &got);
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      EXPECT_EQ(ReasonOf(st), "TOKEN_CHECKS_RATE_LIMITED");
      ++limited;
    } else {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      ++refused;
    }
  }
  EXPECT_GE(limited, 40) << "most of the flood never reaches the signature check";
  EXPECT_LE(refused, 20);
  EXPECT_TRUE(stub->GetRep(Bearer(good).get(), req, &got).ok()) << "the signed-in user is not limited";
}

TEST_F(GatewaySecurity, OversizedMessagesAreRefused) {
  auto gw = Gw(false, {{"max_message_bytes", "65536"}});
  ASSERT_NE(gw, nullptr);
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  tv1::CreateOrgUnitRequest req;
  req.set_request_id("big-1");
  req.mutable_org_unit()->set_code("BIG");
  req.mutable_org_unit()->set_name(std::string(100 * 1024, 'x'));
  tv1::CreateOrgUnitResponse resp;
  grpc::Status st = stub->CreateOrgUnit(Bearer(Admin()).get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
}

TEST_F(GatewaySecurity, AFloodFromOnePrincipalIsLimitedWhileOthersCarryOn) {
  auto gw = Gw(false, {{"rate_limit_per_second", "5"}, {"rate_limit_burst", "5"}});
  ASSERT_NE(gw, nullptr);
  std::string flooder = Admin("flooder");
  std::string other = Admin("bystander");
  int limited = 0;
  grpc::Status last_limited;
  for (int i = 0; i < 25; ++i) {
    grpc::Status st = ListUnits(gw->port(), flooder);
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++limited;
      last_limited = st;
    }
  }
  EXPECT_GE(limited, 15);
  EXPECT_EQ(ReasonOf(last_limited), "RATE_LIMITED");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(last_limited.error_details()));
  bool has_retry = false;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) {
      has_retry = true;
      EXPECT_GT(retry.retry_delay().seconds() * 1000 + retry.retry_delay().nanos() / 1000000, 0);
    }
  }
  EXPECT_TRUE(has_retry) << "RESOURCE_EXHAUSTED carries google.rpc.RetryInfo";
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ListUnits(gw->port(), other).ok()) << "the bystander is not limited";
}

TEST_F(GatewaySecurity, DeadlinesAreCappedPerMethodAndCancellationPassesThrough) {
  auto gw = Gw(true, {{"method_max_deadlines", "sales.targets.v1.TargetsService/GetOrgUnit=300ms"}});
  ASSERT_NE(gw, nullptr);
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  fake_->saw_cancel = false;
  tv1::GetOrgUnitResponse resp;
  absl::Time start = absl::Now();
  grpc::Status st = stub->GetOrgUnit(Bearer(Admin(), absl::Seconds(20)).get(), tv1::GetOrgUnitRequest(), &resp);
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(took, absl::Seconds(3));
  {
    std::lock_guard<std::mutex> lock(fake_->mu);
    // grpc-timeout is rounded up on the wire; the cap still rules.
    EXPECT_LE(fake_->last_deadline_left, absl::Milliseconds(350));
  }
  // Without a client deadline the default applies.
  auto gw2 = Gw(true, {{"default_deadline", "200ms"}});
  ASSERT_NE(gw2, nullptr);
  auto stub2 = tv1::TargetsService::NewStub(Loopback(gw2->port()));
  grpc::ClientContext no_deadline;
  no_deadline.AddMetadata("authorization", "Bearer " + Admin());
  EXPECT_EQ(stub2->GetOrgUnit(&no_deadline, tv1::GetOrgUnitRequest(), &resp).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);

  // A client that gives up cancels the backend call.
  fake_->saw_cancel = false;
  grpc::ClientContext cancelled;
  cancelled.AddMetadata("authorization", "Bearer " + Admin());
  cancelled.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    cancelled.TryCancel();
  });
  auto gw3 = Gw(true, {{"default_deadline", "20s"}});
  ASSERT_NE(gw3, nullptr);
  auto stub4 = tv1::TargetsService::NewStub(Loopback(gw3->port()));
  EXPECT_EQ(stub4->GetOrgUnit(&cancelled, tv1::GetOrgUnitRequest(), &resp).error_code(), grpc::StatusCode::CANCELLED);
  canceller.join();
  absl::Time deadline = absl::Now() + absl::Seconds(3);
  while (!fake_->saw_cancel && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(fake_->saw_cancel) << "the backend call was cancelled with the client's";
}

TEST_F(GatewaySecurity, UnavailableIsRetriedOnlyForReadsAndRequestIdMethods) {
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  fake_->get_rep_calls = 0;
  fake_->get_rep_failures = 2;
  tv1::GetRepResponse rep;
  grpc::Status st = stub->GetRep(Bearer(Admin()).get(), tv1::GetRepRequest(), &rep);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(fake_->get_rep_calls.load(), 3) << "a read is retried";

  fake_->create_calls = 0;
  fake_->create_failures = 1;
  tv1::CreateOrgUnitRequest create;
  create.set_request_id("retry-1");
  tv1::CreateOrgUnitResponse created;
  EXPECT_TRUE(stub->CreateOrgUnit(Bearer(Admin()).get(), create, &created).ok());
  EXPECT_EQ(fake_->create_calls.load(), 2) << "a mutation with a request_id is retried";

  fake_->baseline_calls = 0;
  tv1::ComputeBaselineResponse baseline;
  EXPECT_EQ(stub->ComputeBaseline(Bearer(Admin()).get(), tv1::ComputeBaselineRequest(), &baseline).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(fake_->baseline_calls.load(), 1) << "no request_id and not a read: never sent twice";

  // A backend that is down answers UNAVAILABLE (after the retries).
  auto down = Gw(false, {{"targets_address", "127.0.0.1:1"}});
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(ListUnits(down->port(), Admin()).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewaySecurity, ServerStreamsFlowThroughTheGateway) {
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  TokenSpec svc;
  svc.sub = "service:finance";
  svc.role = "SERVICE";
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  auto ctx = Bearer(Sign(*es_, "k1", svc));
  tv1::StreamEventsRequest req;
  req.set_after_position(10);
  auto reader = stub->StreamEvents(ctx.get(), req);
  std::vector<int64_t> positions;
  tv1::StreamEventsResponse r;
  while (reader->Read(&r)) positions.push_back(r.events(0).position());
  grpc::Status st = reader->Finish();
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(positions, (std::vector<int64_t>{11, 12, 13}));
  EXPECT_FALSE(Trailer(*ctx, kRequestIdHeader).empty());

  // And the real service's feed, as a following service reads it.
  auto real = Gw(false);
  ASSERT_NE(real, nullptr);
  auto rstub = tv1::TargetsService::NewStub(Loopback(real->port()));
  tv1::CreateOrgUnitRequest create;
  create.set_request_id("gw-stream-unit");
  create.mutable_org_unit()->set_code("STREAMCO");
  create.mutable_org_unit()->set_name("流");
  create.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
  tv1::CreateOrgUnitResponse created;
  grpc::Status cst = rstub->CreateOrgUnit(Bearer(Admin()).get(), create, &created);
  ASSERT_TRUE(cst.ok() || cst.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
              cst.error_code() == grpc::StatusCode::ALREADY_EXISTS)
      << cst.error_message();
  auto rctx = Bearer(Sign(*es_, "k1", svc), absl::Seconds(3));
  auto rreader = rstub->StreamEvents(rctx.get(), tv1::StreamEventsRequest());
  EXPECT_TRUE(rreader->Read(&r)) << "the real feed delivers its first batch through the gateway";
  rctx->TryCancel();
  rreader->Finish();
}

TEST_F(GatewaySecurity, UnknownMethodsAreUnimplemented) {
  auto gw = Gw();
  ASSERT_NE(gw, nullptr);
  grpc::GenericStub stub(Loopback(gw->port()));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  ctx.AddMetadata("authorization", "Bearer " + Admin());
  grpc::Slice empty("");
  grpc::ByteBuffer req(&empty, 1), resp;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&ctx, "/sales.targets.v1.TargetsService/NoSuchMethod", grpc::StubOptions(), &req, &resp,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   result = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_EQ(result.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

// Raw bytes to the gateway's own views: bytes that do not parse as the
// view's request are the caller's INVALID_ARGUMENT, like a proxied call's
// (a typed callback method would have answered UNIMPLEMENTED), and a good
// request still gets its view.
TEST_F(GatewaySecurity, ViewsRefuseBytesThatDoNotParse) {
  auto gw = Gw(true);
  ASSERT_NE(gw, nullptr);
  grpc::GenericStub stub(Loopback(gw->port()));
  auto call = [&](const std::string& method, const std::string& bytes, grpc::ByteBuffer* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ctx.AddMetadata("authorization", "Bearer " + Admin("张三"));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer req(&slice, 1);
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, resp, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      result = s;
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result;
  };
  for (const char* view : {"Customer360", "RepDashboard", "ManagerDashboard"}) {
    SCOPED_TRACE(view);
    std::string method = absl::StrCat("/sales.gateway.v1.GatewayService/", view);
    grpc::ByteBuffer resp;
    grpc::Status truncated = call(method, std::string("\x08", 1), &resp);
    EXPECT_EQ(truncated.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << truncated.error_message();
    grpc::Status garbage = call(method, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11), &resp);
    EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << garbage.error_message();
  }
  // A well-formed RepDashboard for rep 7: its parts fail (nothing serves
  // them here) but the view answers, through the raw path.
  ::sales::gateway::v1::RepDashboardRequest good;
  good.set_rep_id(7);
  grpc::ByteBuffer resp;
  grpc::Status st = call("/sales.gateway.v1.GatewayService/RepDashboard", good.SerializeAsString(), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(resp.Dump(&slices).ok());
  std::string bytes;
  for (const auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  ::sales::gateway::v1::RepDashboardResponse view;
  ASSERT_TRUE(view.ParseFromString(bytes));
  EXPECT_EQ(view.rep_id(), 7);
  EXPECT_GT(view.failed_parts_size(), 0);
}

TEST_F(GatewaySecurity, MutualTlsForClients) {
  std::string d = *dir_ + "/tls";
  Sh("mkdir -p " + d);
  Sh(absl::StrCat("cd ", d, " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca",
                  " -keyout ca.key -out ca.crt 2>/dev/null"));
  Sh(absl::StrCat("cd ", d, " && openssl req -newkey rsa:2048 -nodes -subj /CN=gateway -keyout server.key",
                  " -out server.csr 2>/dev/null && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext",
                  " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2",
                  " -extfile san.ext -out server.crt 2>/dev/null"));
  Sh(absl::StrCat("cd ", d, " && openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key",
                  " -out client.csr 2>/dev/null && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key",
                  " -CAcreateserial -days 2 -out client.crt 2>/dev/null"));
  auto gw = Gw(false, {{"tls_cert_file", d + "/server.crt"},
                       {"tls_key_file", d + "/server.key"},
                       {"tls_client_ca_file", d + "/ca.crt"}});
  ASSERT_NE(gw, nullptr);
  std::string target = absl::StrCat("127.0.0.1:", gw->port());
  auto call = [&](const grpc::SslCredentialsOptions& opts) {
    auto stub = tv1::TargetsService::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(opts)));
    tv1::ListOrgUnitsResponse resp;
    return stub->ListOrgUnits(Bearer(Admin(), absl::Seconds(5)).get(), tv1::ListOrgUnitsRequest(), &resp);
  };
  grpc::SslCredentialsOptions with_cert;
  with_cert.pem_root_certs = ReadAll(d + "/ca.crt");
  with_cert.pem_cert_chain = ReadAll(d + "/client.crt");
  with_cert.pem_private_key = ReadAll(d + "/client.key");
  grpc::Status ok = call(with_cert);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  grpc::SslCredentialsOptions without_cert;
  without_cert.pem_root_certs = ReadAll(d + "/ca.crt");
  EXPECT_FALSE(call(without_cert).ok()) << "a client without a certificate is refused";
  // Plain text is refused too.
  EXPECT_FALSE(ListUnits(gw->port(), Admin()).ok());
}

TEST_F(GatewaySecurity, MutualTlsTowardsTheServices) {
  std::string d = *dir_ + "/backend-tls";
  Sh("mkdir -p " + d);
  Sh(absl::StrCat("cd ", d, " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=svc-ca",
                  " -keyout ca.key -out ca.crt 2>/dev/null"));
  Sh(absl::StrCat("cd ", d, " && openssl req -newkey rsa:2048 -nodes -subj /CN=targets -keyout svc.key",
                  " -out svc.csr 2>/dev/null && printf 'subjectAltName=IP:127.0.0.1,DNS:targets' > san.ext",
                  " && openssl x509 -req -in svc.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2",
                  " -extfile san.ext -out svc.crt 2>/dev/null"));
  Sh(absl::StrCat("cd ", d, " && openssl req -newkey rsa:2048 -nodes -subj /CN=gateway -keyout gw.key",
                  " -out gw.csr 2>/dev/null && openssl x509 -req -in gw.csr -CA ca.crt -CAkey ca.key",
                  " -CAcreateserial -days 2 -out gw.crt 2>/dev/null"));
  // A service that takes only callers with a certificate from its CA.
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ReadAll(d + "/ca.crt");
  ssl.pem_key_cert_pairs.push_back({ReadAll(d + "/svc.key"), ReadAll(d + "/svc.crt")});
  FakeTargets tls_fake;
  int tls_port = 0;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &tls_port);
  b.RegisterService(&tls_fake);
  auto server = b.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::string backend = absl::StrCat("127.0.0.1:", tls_port);

  auto gw = Gw(true, {{"targets_address", backend},
                      {"backend_ca_file", d + "/ca.crt"},
                      {"backend_cert_file", d + "/gw.crt"},
                      {"backend_key_file", d + "/gw.key"}});
  ASSERT_NE(gw, nullptr);
  auto stub = tv1::TargetsService::NewStub(Loopback(gw->port()));
  tv1::GetRepRequest req;
  req.set_id(3);
  tv1::GetRepResponse rep;
  grpc::Status st = stub->GetRep(Bearer(Admin()).get(), req, &rep);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rep.rep().id(), 3);

  // Without its certificate the gateway is not let in.
  auto anonymous = Gw(true, {{"targets_address", backend}, {"backend_ca_file", d + "/ca.crt"}});
  ASSERT_NE(anonymous, nullptr);
  auto stub2 = tv1::TargetsService::NewStub(Loopback(anonymous->port()));
  EXPECT_EQ(stub2->GetRep(Bearer(Admin(), absl::Seconds(3)).get(), req, &rep).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

}  // namespace
}  // namespace sales::gateway
