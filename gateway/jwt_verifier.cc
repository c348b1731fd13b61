#include "gateway/jwt_verifier.h"

#include <dirent.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/log.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::gateway {
namespace {

absl::Status Refuse(absl::string_view reason, absl::string_view message) {
  return WithErrorInfo(absl::UnauthenticatedError(message), reason, "gateway.sales");
}

// "RS256" for an RSA public key, "ES256" for a P-256 one, "" otherwise.
std::string AlgorithmOf(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return "";
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return "";
  std::string alg;
  int type = EVP_PKEY_base_id(key);
  if (type == EVP_PKEY_RSA && EVP_PKEY_bits(key) >= 2048) {
    alg = "RS256";
  } else if (type == EVP_PKEY_EC) {
    char curve[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &len) == 1 &&
        (std::string(curve, len) == "prime256v1" || std::string(curve, len) == "P-256")) {
      alg = "ES256";
    }
  }
  EVP_PKEY_free(key);
  return alg;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};

// The JSON of one base64url segment of a compact JWT.
bool DecodeSegment(absl::string_view segment, nlohmann::json* out) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(segment, &raw)) return false;
  *out = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  return out->is_object();
}

bool AudienceMatches(const nlohmann::json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (aud.is_array()) {
    for (const auto& a : aud) {
      if (a.is_string() && a.get<std::string>() == want) return true;
    }
  }
  return false;
}

// A string member, "" when absent or of another type: the JSON is the
// sender's, and reading {"alg": 256} as a string would throw (and abort the
// gateway, before any signature is checked).
std::string StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// A NumericDate (RFC 7519: seconds since the epoch, maybe fractional) as a
// time; false when it is not a number or lies past the year 9999 either way
// (converting 1e300 to an integer is undefined behaviour).
bool NumericDate(const nlohmann::json& value, absl::Time* out) {
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(kMax)) return false;
    *out = absl::FromUnixSeconds(static_cast<int64_t>(value.get<uint64_t>()));
    return true;
  }
  if (value.is_number_integer()) {
    int64_t s = value.get<int64_t>();
    if (s < -kMax || s > kMax) return false;
    *out = absl::FromUnixSeconds(s);
    return true;
  }
  if (value.is_number_float()) {
    double s = value.get<double>();
    if (!(s >= -static_cast<double>(kMax) && s <= static_cast<double>(kMax))) return false;
    *out = absl::FromUnixSeconds(static_cast<int64_t>(std::floor(s)));
    return true;
  }
  return false;
}

bool IntClaim(const nlohmann::json& claims, const char* name, int64_t* out) {
  auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return true;  // absent: stays 0
  if (it->is_number_integer()) {
    *out = it->get<int64_t>();
    return *out >= 0;
  }
  // Some issuers write ids as strings; accept decimal digits only.
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), absl::ascii_isdigit)) return false;
    *out = std::stoll(s);
    return true;
  }
  return false;
}

}  // namespace

bool KnownRole(absl::string_view role) {
  // const, not constexpr: under -fsanitize=undefined GCC cannot fold the
  // null check string_view makes on each role's address, and the sanitizer
  // build (SALES_SANITIZE) would not compile.
  static const absl::string_view kRoles[] = {kRoleAdmin,        kRoleDirector,  kRoleManager, kRoleRep,    kRoleClerk,
                                             kRoleReceptionist, kRoleWarehouse, kRoleFinance, kRoleService};
  for (auto r : kRoles) {
    if (r == role) return true;
  }
  return false;
}

bool KeyDirectory::Refresh() {
  std::vector<std::string> names;
  std::string fingerprint;
  if (DIR* d = opendir(dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (absl::EndsWith(name, ".pem") && name.size() > 4) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    struct stat st {};
    if (stat(absl::StrCat(dir_, "/", n).c_str(), &st) != 0) continue;
    absl::StrAppend(&fingerprint, n, ":", st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ";");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fingerprint == fingerprint_ && generation_ > 0) return false;
  }
  std::map<std::string, std::shared_ptr<const VerificationKey>, std::less<>> keys;
  for (const auto& n : names) {
    auto key = std::make_shared<VerificationKey>();
    key->kid = n.substr(0, n.size() - 4);
    key->pem = ReadWhole(absl::StrCat(dir_, "/", n));
    key->alg = AlgorithmOf(key->pem);
    if (key->alg.empty()) {
      LogWarn("ignoring key file: not an RSA (2048+) or P-256 public key", {{"file", n}});
      continue;
    }
    keys[key->kid] = std::move(key);
  }
  std::lock_guard<std::mutex> lock(mu_);
  fingerprint_ = fingerprint;
  keys_ = std::move(keys);
  ++generation_;
  LogInfo("token keys loaded", {{"dir", dir_}, {"keys", static_cast<long>(keys_.size())}});
  return true;
}

std::shared_ptr<const VerificationKey> KeyDirectory::Find(absl::string_view kid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second;
}

uint64_t KeyDirectory::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

size_t KeyDirectory::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

absl::StatusOr<Principal> JwtVerifier::VerifyHeader(absl::string_view authorization, absl::Time now,
                                                    const AdmitCheck& admit) const {
  if (authorization.empty()) {
    return Refuse("TOKEN_MISSING",
                  "no bearer token; sign in (salesctl login <user>) and send "
                  "'authorization: Bearer <token>'");
  }
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return Refuse("TOKEN_MALFORMED", "the authorization header is not 'Bearer <token>'");
  }
  return Verify(absl::StripAsciiWhitespace(token), now, admit);
}

absl::StatusOr<Principal> JwtVerifier::Verify(absl::string_view token, absl::Time now, const AdmitCheck& admit) const {
  if (token.empty()) return Refuse("TOKEN_MISSING", "empty bearer token");
  if (token.size() > 8192) return Refuse("TOKEN_MALFORMED", "bearer token is too long");
  uint64_t generation = keys_->generation();
  std::string key(token);
  if (options_.cache_entries == 0) {
    if (admit) SALES_RETURN_IF_ERROR(admit());
    absl::Time expires;
    return VerifyUncached(token, now, &expires);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (it->second.generation == generation && now < it->second.expires + options_.clock_skew) {
        return it->second.principal;
      }
      cache_.erase(it);
    }
  }
  if (admit) SALES_RETURN_IF_ERROR(admit());
  absl::Time expires;
  auto principal = VerifyUncached(token, now, &expires);
  if (!principal.ok()) return principal;
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: when full, start over rather than track recency per hit.
  if (cache_.size() >= options_.cache_entries) cache_.clear();
  cache_[std::move(key)] = Cached{*principal, expires, generation};
  return principal;
}

absl::StatusOr<Principal> JwtVerifier::VerifyUncached(absl::string_view token, absl::Time now,
                                                      absl::Time* expires) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  nlohmann::json header;
  if (parts.size() != 3 || parts[2].empty() || !DecodeSegment(parts[0], &header)) {
    return Refuse("TOKEN_MALFORMED", "bearer token is not a signed JWT");
  }
  std::string alg = StringMember(header, "alg");
  std::string kid = StringMember(header, "kid");
  if (alg != "RS256" && alg != "ES256") {
    return Refuse("TOKEN_MALFORMED", absl::StrCat("token algorithm '", alg, "' is not accepted (RS256, ES256)"));
  }
  if (kid.empty()) return Refuse("TOKEN_UNKNOWN_KEY", "token names no key (kid)");
  auto vkey = keys_->Find(kid);
  if (vkey == nullptr) return Refuse("TOKEN_UNKNOWN_KEY", absl::StrCat("no key '", kid, "' is trusted"));
  if (vkey->alg != alg) {
    return Refuse("TOKEN_BAD_SIGNATURE", absl::StrCat("key '", kid, "' signs ", vkey->alg, ", not ", alg));
  }
  std::string text(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(vkey->pem.data()),
                      static_cast<int>(vkey->pem.size()));
  std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
  if (rc != 0 || jwt == nullptr || jwt_get_alg(jwt.get()) != jwt_str_alg(alg.c_str())) {
    return Refuse("TOKEN_BAD_SIGNATURE", "token signature does not verify");
  }
  // Claims are read from the verified payload only.
  nlohmann::json claims;
  if (!DecodeSegment(parts[1], &claims)) return Refuse("TOKEN_MALFORMED", "token claims are not JSON");
  auto exp = claims.find("exp");
  if (exp == claims.end() || !NumericDate(*exp, expires)) {
    return Refuse("TOKEN_BAD_CLAIMS", "token has no expiry (exp) or not a date");
  }
  if (now >= *expires + options_.clock_skew) return Refuse("TOKEN_EXPIRED", "token has expired");
  auto nbf = claims.find("nbf");
  if (nbf != claims.end()) {
    absl::Time not_before;
    if (!NumericDate(*nbf, &not_before)) return Refuse("TOKEN_BAD_CLAIMS", "nbf is not a date");
    if (now + options_.clock_skew < not_before) {
      return Refuse("TOKEN_NOT_YET_VALID", "token is not valid yet (nbf)");
    }
  }
  auto iat = claims.find("iat");
  absl::Time issued = now;
  absl::Time issued_at;
  if (iat != claims.end() && NumericDate(*iat, &issued_at)) issued = std::min(now, issued_at);
  if (*expires - issued > options_.max_lifetime + options_.clock_skew) {
    return Refuse("TOKEN_BAD_CLAIMS", "token lifetime exceeds what the gateway accepts");
  }
  if (StringMember(claims, "iss") != options_.issuer) {
    return Refuse("TOKEN_WRONG_ISSUER", "token was issued by someone the gateway does not trust");
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !AudienceMatches(*aud, options_.audience)) {
    return Refuse("TOKEN_WRONG_AUDIENCE", "token is not meant for this gateway (aud)");
  }
  Principal p;
  p.user_id = claims.contains("sub") && claims["sub"].is_string() ? claims["sub"].get<std::string>() : "";
  p.role = claims.contains("role") && claims["role"].is_string() ? claims["role"].get<std::string>() : "";
  // Any text a person's name can be (张三, O'Brien, a@b;c) is carried: the
  // principal header percent-encodes it. Control characters are not names,
  // and a subject past kMaxUserIdBytes would not fit the headers it rides in.
  bool control = false;
  for (unsigned char c : p.user_id) control = control || c < 0x20 || c == 0x7f;
  if (p.user_id.empty() || p.user_id.size() > kMaxUserIdBytes || control) {
    return Refuse("TOKEN_BAD_CLAIMS",
                  "token subject (sub) is missing, longer than 256 bytes or has control characters");
  }
  if (!KnownRole(p.role)) return Refuse("TOKEN_BAD_CLAIMS", absl::StrCat("unknown role '", p.role, "'"));
  if (!IntClaim(claims, "rep_id", &p.rep_id) || !IntClaim(claims, "org_unit_id", &p.org_unit_id)) {
    return Refuse("TOKEN_BAD_CLAIMS", "rep_id and org_unit_id must be non-negative integers");
  }
  if (p.role == kRoleRep && p.rep_id == 0) return Refuse("TOKEN_BAD_CLAIMS", "a SALES_REP token needs rep_id");
  if (p.role == kRoleManager && p.org_unit_id == 0) {
    return Refuse("TOKEN_BAD_CLAIMS", "a SALES_MANAGER token needs org_unit_id");
  }
  return p;
}

}  // namespace sales::gateway
