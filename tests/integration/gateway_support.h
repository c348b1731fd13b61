// Shared pieces of the gateway tests: keys and certificates made with the
// openssl command line, tokens signed with libjwt, an in-process gateway.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/gateway.h"
#include "platform/config.h"
#include "tests/testing/process.h"

namespace sales::gateway::testing {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

inline void Sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << cmd;
}

// A key pair made by openssl: "ES256" (P-256) or "RS256" (RSA 2048).
struct KeyPair {
  std::string private_pem;
  std::string public_pem;
  std::string alg;
};

inline KeyPair MakeKey(const std::string& dir, const std::string& name, const std::string& alg) {
  std::string priv = absl::StrCat(dir, "/", name, ".key");
  std::string pub = absl::StrCat(dir, "/", name, ".pub");
  if (alg == "ES256") {
    Sh(absl::StrCat("openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out ",
                    priv));
  } else {
    Sh(absl::StrCat("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ", priv, " 2>/dev/null"));
  }
  Sh(absl::StrCat("openssl pkey -in ", priv, " -pubout -out ", pub));
  return {ReadAll(priv), ReadAll(pub), alg};
}

struct TokenSpec {
  std::string sub = "alice";
  std::string role = "ADMIN";
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  std::string iss = "test-issuer";
  std::string aud = "test-gateway";
  absl::Duration expires_in = absl::Minutes(10);
  absl::Duration not_before_in = absl::ZeroDuration();
};

inline std::string Sign(const KeyPair& key, const std::string& kid, const TokenSpec& t) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  int64_t now = absl::ToUnixSeconds(absl::Now());
  jwt_add_header(jwt, "kid", kid.c_str());
  jwt_add_grant(jwt, "sub", t.sub.c_str());
  jwt_add_grant(jwt, "role", t.role.c_str());
  jwt_add_grant(jwt, "iss", t.iss.c_str());
  jwt_add_grant(jwt, "aud", t.aud.c_str());
  if (t.rep_id) jwt_add_grant_int(jwt, "rep_id", t.rep_id);
  if (t.org_unit_id) jwt_add_grant_int(jwt, "org_unit_id", t.org_unit_id);
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "nbf", now + absl::ToInt64Seconds(t.not_before_in));
  jwt_add_grant_int(jwt, "exp", now + absl::ToInt64Seconds(t.expires_in));
  EXPECT_EQ(
      jwt_set_alg(jwt, jwt_str_alg(key.alg.c_str()), reinterpret_cast<const unsigned char*>(key.private_pem.data()),
                  static_cast<int>(key.private_pem.size())),
      0);
  char* s = jwt_encode_str(jwt);
  jwt_free(jwt);
  EXPECT_NE(s, nullptr);
  std::string out = s ? s : "";
  free(s);
  return out;
}

inline std::string DefaultPolicyPath() { return absl::StrCat(SALES_SOURCE_DIR, "/gateway/policy.json"); }

// A gateway on a free loopback port with the given settings over defaults.
inline std::unique_ptr<Gateway> StartGateway(std::map<std::string, std::string> values) {
  std::map<std::string, std::string> base = {
      {"listen", "127.0.0.1:0"},        {"jwt_issuer", "test-issuer"},
      {"jwt_audience", "test-gateway"}, {"policy_file", DefaultPolicyPath()},
      {"reload_interval", "100ms"},     {"drain_deadline", "1s"},
      {"channels_per_backend", "2"},    {"access_log", "all"},
  };
  // No secret given: the explicit development mode, as for services.
  if (!values.count("principal_hmac_secret")) base["allow_unsigned_principals"] = "true";
  for (auto& [k, v] : values) base[k] = v;
  auto options = GatewayOptions::FromConfig(Config::FromMap(base));
  if (!options.ok()) {
    ADD_FAILURE() << options.status();
    return nullptr;
  }
  auto gw = std::make_unique<Gateway>(std::move(*options));
  absl::Status st = gw->Start();
  if (!st.ok()) {
    ADD_FAILURE() << "gateway did not start: " << st;
    return nullptr;
  }
  return gw;
}

inline std::unique_ptr<grpc::ClientContext> Bearer(const std::string& token,
                                                   absl::Duration timeout = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

inline std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace sales::gateway::testing
