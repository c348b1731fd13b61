// Shared by the two JWT targets: a key directory with a fixed test key pair
// (ES256, kid "fuzz-es") and an RSA public key (kid "fuzz-rs"), verifiers at
// a fixed instant, a signer that signs any payload bytes, and the properties
// every accepted token must have.
//
// The keys are test keys made for this harness only; the corpus in
// corpus/jwt_token holds tokens signed with them, valid at kNow.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/jwt_verifier.h"
#include "platform/log.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "tests/fuzz/fuzz_check.h"

namespace fuzz_jwt {

inline constexpr char kEsPrivate[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqzMOsA0Zt7NB8D9C
XNJR95cRQRY+JBed/IrGNPXv4TehRANCAASJ9lNxTzarjsgUmGIfl15vMtI/mAeS
l9zSQKdDskv7Wj7dIky+J066NxOCFRnYu/gZJGl4QwOQq8TiOmae+5kr
-----END PRIVATE KEY-----
)";
inline constexpr char kEsPublic[] = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEifZTcU82q47IFJhiH5debzLSP5gH
kpfc0kCnQ7JL+1o+3SJMvidOujcTghUZ2Lv4GSRpeEMDkKvE4jpmnvuZKw==
-----END PUBLIC KEY-----
)";
inline constexpr char kRsPublic[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApk1mDG37/9f2jc4D/fxh
fua1Z5CiRB49JIEEZyOkKEga1i4YN4kJkZ4JpYyn+hwoOXb8HZbut7R75EumuttY
P3IuIAI7GLbzeqUvFHR3QmemqsyywdAOsbGrqHCB7TKwrzZLKcMrQOKlx1cc/172
DM2oNuPOG7OfMF/FiL5e6lyu8sRvzYtKZaNZ740JomaL1UatkdKZl133nfpf0Oi1
NwgHfaUZ8QM6YnQN8AEBFN0RzMK1DIw7+aTYhRq6/1fR2FvY0Py3f840nbLMiOfr
XYu34nwvLEyf1MFEEqZWkHBI5lunGbw5zWNXx9x0FL6GCOXsekbePOUSMJz84nqj
LQIDAQAB
-----END PUBLIC KEY-----
)";

// 2027-01-15T08:00:00Z; the corpus tokens are valid around it.
inline const absl::Time kNow = absl::FromUnixSeconds(1800000000);
inline constexpr char kIssuer[] = "https://id.example.cn/销售";
inline constexpr char kAudience[] = "sales-gateway";
inline constexpr absl::Duration kSkew = absl::Seconds(30);

struct Fixture {
  Fixture() : keys(MakeKeyDir()), cached(&keys, Options(64)), uncached(&keys, Options(0)) {
    sales::SetLogLevel(sales::LogLevel::kError);
    keys.Refresh();
    if (keys.size() != 2) {
      std::fprintf(stderr, "fuzz fixture: expected 2 keys, loaded %zu\n", keys.size());
      std::abort();
    }
    BIO* bio = BIO_new_mem_buf(kEsPrivate, -1);
    signing_key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (signing_key == nullptr) std::abort();
  }

  static std::string MakeKeyDir() {
    char name[] = "/tmp/sales-jwt-fuzz-XXXXXX";
    if (mkdtemp(name) == nullptr) std::abort();
    std::ofstream(absl::StrCat(name, "/fuzz-es.pem")) << kEsPublic;
    std::ofstream(absl::StrCat(name, "/fuzz-rs.pem")) << kRsPublic;
    return name;
  }

  static sales::gateway::JwtOptions Options(size_t cache_entries) {
    sales::gateway::JwtOptions o;
    o.issuer = kIssuer;
    o.audience = kAudience;
    o.clock_skew = kSkew;
    o.max_lifetime = absl::Hours(24);
    o.cache_entries = cache_entries;
    return o;
  }

  // The JOSE ES256 signature (r || s, 32 bytes each) of `input`.
  std::string SignEs256(const std::string& input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, signing_key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
            1) {
      std::abort();
    }
    std::string der(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      std::abort();
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    if (sig == nullptr) std::abort();
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    unsigned char raw[64];
    BN_bn2binpad(r, raw, 32);
    BN_bn2binpad(s, raw + 32, 32);
    ECDSA_SIG_free(sig);
    return std::string(reinterpret_cast<char*>(raw), sizeof(raw));
  }

  // A compact JWT of exactly these header and payload bytes, signed.
  std::string Token(const std::string& header, const std::string& payload) const {
    std::string input = absl::StrCat(absl::WebSafeBase64Escape(header), ".", absl::WebSafeBase64Escape(payload));
    return absl::StrCat(input, ".", absl::WebSafeBase64Escape(SignEs256(input)));
  }

  sales::gateway::KeyDirectory keys;
  sales::gateway::JwtVerifier cached;    // as the gateway runs it
  sales::gateway::JwtVerifier uncached;  // every call verified afresh
  EVP_PKEY* signing_key = nullptr;
};

inline Fixture& Get() {
  static Fixture* f = new Fixture();
  return *f;
}

inline bool SamePrincipal(const sales::Principal& a, const sales::Principal& b) {
  return a.user_id == b.user_id && a.role == b.role && a.rep_id == b.rep_id && a.org_unit_id == b.org_unit_id;
}

// A refusal is UNAUTHENTICATED with one of the documented reasons.
inline void CheckRefusal(const absl::Status& st, const std::string& ctx) {
  static const std::set<std::string> kReasons = {"TOKEN_MISSING",       "TOKEN_MALFORMED",      "TOKEN_UNKNOWN_KEY",
                                                 "TOKEN_BAD_SIGNATURE", "TOKEN_EXPIRED",        "TOKEN_NOT_YET_VALID",
                                                 "TOKEN_WRONG_ISSUER",  "TOKEN_WRONG_AUDIENCE", "TOKEN_BAD_CLAIMS"};
  FUZZ_CHECK(st.code() == absl::StatusCode::kUnauthenticated, st.ToString() + " " + ctx);
  FUZZ_CHECK(kReasons.count(sales::ErrorReason(st)) == 1, st.ToString() + " " + ctx);
}

// Integral value of a claim the way a token may write it (number or decimal
// string); false when it is absent or not such a value.
inline bool ClaimInt(const nlohmann::json& claims, const char* name, int64_t* out) {
  auto it = claims.find(name);
  if (it == claims.end()) return false;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    *out = it->get<int64_t>();
    return true;
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(it->get<uint64_t>());
    return true;
  }
  return false;
}

// What an accepted token's claims must say, and what the principal must be.
inline void CheckAccepted(const sales::Principal& p, const std::string& token, const std::string& payload) {
  Fixture& f = Get();
  std::string ctx = "payload " + FuzzShow(payload);
  nlohmann::json claims = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(claims.is_object(), ctx);

  FUZZ_CHECK(claims.contains("iss") && claims["iss"].is_string() && claims["iss"].get<std::string>() == kIssuer, ctx);
  const auto& aud = claims["aud"];
  bool aud_ok = aud.is_string() && aud.get<std::string>() == kAudience;
  if (aud.is_array()) {
    for (const auto& a : aud) aud_ok = aud_ok || (a.is_string() && a.get<std::string>() == kAudience);
  }
  FUZZ_CHECK(aud_ok, ctx);

  FUZZ_CHECK(claims.contains("sub") && claims["sub"].is_string() && claims["sub"].get<std::string>() == p.user_id, ctx);
  FUZZ_CHECK(
      !p.user_id.empty() && p.user_id.find('\n') == std::string::npos && p.user_id.find('\0') == std::string::npos,
      ctx);
  FUZZ_CHECK(claims.contains("role") && claims["role"].is_string() && claims["role"].get<std::string>() == p.role, ctx);
  FUZZ_CHECK(sales::gateway::KnownRole(p.role), ctx);
  FUZZ_CHECK(p.rep_id >= 0 && p.org_unit_id >= 0, ctx);
  int64_t v = 0;
  if (ClaimInt(claims, "rep_id", &v)) FUZZ_CHECK(p.rep_id == v, ctx);
  if (!claims.contains("rep_id") || claims["rep_id"].is_null()) FUZZ_CHECK(p.rep_id == 0, ctx);
  if (ClaimInt(claims, "org_unit_id", &v)) FUZZ_CHECK(p.org_unit_id == v, ctx);
  if (p.role == sales::kRoleRep) FUZZ_CHECK(p.rep_id > 0, ctx);
  if (p.role == sales::kRoleManager) FUZZ_CHECK(p.org_unit_id > 0, ctx);

  // Time: exp must be a number the token is still within; past it (plus
  // skew) the same token is refused, and so it is before its nbf.
  FUZZ_CHECK(claims.contains("exp") && claims["exp"].is_number(), ctx);
  int64_t exp = 0;
  if (ClaimInt(claims, "exp", &exp) && exp > -(int64_t{1} << 40) && exp < (int64_t{1} << 40)) {
    absl::Time expires = absl::FromUnixSeconds(exp);
    FUZZ_CHECK(kNow < expires + kSkew, ctx);
    auto later = f.uncached.Verify(token, expires + kSkew);
    FUZZ_CHECK(!later.ok() && sales::ErrorReason(later.status()) == "TOKEN_EXPIRED",
               ctx + " later: " + later.status().ToString());
  }
  int64_t nbf = 0;
  if (ClaimInt(claims, "nbf", &nbf) && nbf > -(int64_t{1} << 40) && nbf < (int64_t{1} << 40)) {
    absl::Time not_before = absl::FromUnixSeconds(nbf);
    FUZZ_CHECK(not_before <= kNow + kSkew, ctx);
    auto earlier = f.uncached.Verify(token, not_before - kSkew - absl::Seconds(1));
    FUZZ_CHECK(!earlier.ok(), ctx);
  }
}

// Verifies `token` the ways the gateway can (cache miss, cache hit, no
// cache) and checks they agree and the verdict holds its properties.
inline void CheckToken(const std::string& token) {
  Fixture& f = Get();
  auto first = f.cached.Verify(token, kNow);
  auto hit = f.cached.Verify(token, kNow);
  auto fresh = f.uncached.Verify(token, kNow);
  std::string ctx = "token " + FuzzShow(token);
  FUZZ_CHECK(first.ok() == hit.ok() && first.ok() == fresh.ok(), ctx + " first " + first.status().ToString() + " hit " +
                                                                     hit.status().ToString() + " fresh " +
                                                                     fresh.status().ToString());
  if (!first.ok()) {
    CheckRefusal(first.status(), ctx);
    FUZZ_CHECK(sales::ErrorReason(first.status()) == sales::ErrorReason(fresh.status()), ctx);
    return;
  }
  FUZZ_CHECK(SamePrincipal(*first, *hit) && SamePrincipal(*first, *fresh), ctx);
  // Accepted: it is a compact JWT whose middle segment holds the claims.
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  FUZZ_CHECK(dot1 != std::string::npos && dot2 != std::string::npos, ctx);
  std::string payload;
  FUZZ_CHECK(absl::WebSafeBase64Unescape(absl::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1), &payload), ctx);
  CheckAccepted(*first, token, payload);
}

}  // namespace fuzz_jwt
