// What the gateway spends per call before forwarding: the cached token
// check, the policy decision and signing the principal (Google Benchmark).
//
//   gateway_admission_bench
#include <benchmark/benchmark.h>
#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/jwt_verifier.h"
#include "gateway/policy.h"
#include "platform/call.h"
#include "tests/testing/process.h"

namespace {

using namespace sales::gateway;  // NOLINT

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct World {
  std::string dir = sales::testing::MakeTempDir("gw-admission");
  std::unique_ptr<KeyDirectory> keys;
  std::unique_ptr<JwtVerifier> verifier;
  std::string token;
  Policy policy;
  World() {
    std::system(("mkdir -p " + dir +
                 "/keys && openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | "
                 "openssl pkcs8 -topk8 -nocrypt -out " +
                 dir + "/k.pem && openssl pkey -in " + dir + "/k.pem -pubout -out " + dir + "/keys/k1.pem")
                    .c_str());
    keys = std::make_unique<KeyDirectory>(dir + "/keys");
    keys->Refresh();
    JwtOptions o;
    o.issuer = "i";
    o.audience = "a";
    verifier = std::make_unique<JwtVerifier>(keys.get(), o);
    std::string pem = ReadAll(dir + "/k.pem");
    jwt_t* jwt = nullptr;
    jwt_new(&jwt);
    jwt_add_header(jwt, "kid", "k1");
    jwt_add_grant(jwt, "iss", "i");
    jwt_add_grant(jwt, "aud", "a");
    jwt_add_grant(jwt, "sub", "rep1");
    jwt_add_grant(jwt, "role", "SALES_REP");
    jwt_add_grant_int(jwt, "rep_id", 3);
    jwt_add_grant_int(jwt, "exp", absl::ToUnixSeconds(absl::Now()) + 3600);
    jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()));
    char* s = jwt_encode_str(jwt);
    token = s;
    free(s);
    jwt_free(jwt);
    policy = *Policy::Parse(ReadAll(std::string(SALES_SOURCE_DIR) + "/gateway/policy.json"));
  }
  ~World() { sales::testing::RemoveTree(dir); }
};

World& W() {
  static World w;
  return w;
}

void BM_VerifyTokenCached(benchmark::State& state) {
  auto& w = W();
  std::string header = "Bearer " + w.token;
  for (auto _ : state) benchmark::DoNotOptimize(w.verifier->VerifyHeader(header, absl::Now()));
}
BENCHMARK(BM_VerifyTokenCached);

void BM_VerifyTokenUncached(benchmark::State& state) {
  auto& w = W();
  JwtOptions o;
  o.issuer = "i";
  o.audience = "a";
  o.cache_entries = 0;
  JwtVerifier fresh(w.keys.get(), o);
  for (auto _ : state) benchmark::DoNotOptimize(fresh.Verify(w.token, absl::Now()));
}
BENCHMARK(BM_VerifyTokenUncached);

void BM_PolicyDecision(benchmark::State& state) {
  auto& w = W();
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.policy.Allows("SALES_REP", "sales.finance.v1.FinanceService/ListCommissionStatements"));
  }
}
BENCHMARK(BM_PolicyDecision);

void BM_SignPrincipal(benchmark::State& state) {
  sales::PrincipalVerifier signer("a-shared-secret-of-some-length");
  std::string principal = "user=rep1;role=SALES_REP;rep=3;unit=12";
  absl::Time now = absl::Now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        signer.Sign(principal, "0123456789abcdef0123456789abcdef", "/sales.targets.v1.TargetsService/GetRep", now));
  }
}
BENCHMARK(BM_SignPrincipal);

}  // namespace

BENCHMARK_MAIN();
