#include "platform/principal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "platform/config.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {
namespace {

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

constexpr size_t kMaxRoleBytes = 64;

// One key, ready to MAC: OpenSSL 3 looks the algorithm up on every one-shot
// HMAC, which costs more than the MAC itself, so each key keeps a keyed
// context and every signature works on a copy of it.
class MacKey {
 public:
  explicit MacKey(PrincipalKey key) : key_(std::move(key)) {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac_ != nullptr) keyed_ = EVP_MAC_CTX_new(mac_);
    if (keyed_ != nullptr) {
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(keyed_, reinterpret_cast<const unsigned char*>(key_.secret.data()), key_.secret.size(),
                       params) != 1) {
        EVP_MAC_CTX_free(keyed_);
        keyed_ = nullptr;
      }
    }
  }
  ~MacKey() {
    EVP_MAC_CTX_free(keyed_);
    EVP_MAC_free(mac_);
  }
  MacKey(const MacKey&) = delete;
  MacKey& operator=(const MacKey&) = delete;

  const std::string& id() const { return key_.id; }

  // Lower-case hex HMAC-SHA256 of the parts joined by '\n'.
  std::string Hex(std::initializer_list<absl::string_view> parts) const {
    EVP_MAC_CTX* ctx = keyed_ != nullptr ? EVP_MAC_CTX_dup(keyed_) : nullptr;
    if (ctx == nullptr) return HmacSha256Hex(key_.secret, Joined(parts));
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    static const unsigned char kNewline = '\n';
    bool ok = true;
    bool first = true;
    for (absl::string_view p : parts) {
      if (!first) ok = ok && EVP_MAC_update(ctx, &kNewline, 1) == 1;
      first = false;
      ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size()) == 1;
    }
    ok = ok && EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1;
    EVP_MAC_CTX_free(ctx);
    if (!ok) return HmacSha256Hex(key_.secret, Joined(parts));
    static const char kHex[] = "0123456789abcdef";
    std::string hex(len * 2, '0');
    for (size_t i = 0; i < len; ++i) {
      hex[2 * i] = kHex[out[i] >> 4];
      hex[2 * i + 1] = kHex[out[i] & 0xf];
    }
    return hex;
  }

 private:
  static std::string Joined(std::initializer_list<absl::string_view> parts) {
    std::string s;
    bool first = true;
    for (absl::string_view p : parts) {
      if (!first) s.push_back('\n');
      first = false;
      s.append(p.data(), p.size());
    }
    return s;
  }

  PrincipalKey key_;
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* keyed_ = nullptr;
};

absl::Status Unverified(absl::string_view why, absl::string_view reason) {
  return WithErrorInfo(absl::UnauthenticatedError(absl::StrCat("caller identity is not vouched for by the gateway (",
                                                               why, "); call through it")),
                       std::string(reason), "sales");
}

bool IsBlank(absl::string_view s) { return absl::StripAsciiWhitespace(s).empty(); }

}  // namespace

std::string PercentEncode(absl::string_view raw) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (Unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

bool PercentDecode(absl::string_view encoded, std::string* out) {
  std::string s;
  s.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(encoded[i]);
    if (c == '%') {
      if (i + 2 >= encoded.size()) return false;
      int hi = HexValue(encoded[i + 1]);
      int lo = HexValue(encoded[i + 2]);
      if (hi < 0 || lo < 0) return false;
      s.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (Unreserved(c)) {
      s.push_back(static_cast<char>(c));
    } else {
      return false;
    }
  }
  *out = std::move(s);
  return true;
}

std::string Principal::Encode() const {
  return absl::StrCat("user=", PercentEncode(user_id), ";role=", PercentEncode(role), ";rep=", rep_id,
                      ";unit=", org_unit_id);
}

bool Principal::Decode(absl::string_view text, Principal* out) {
  Principal p;
  bool seen_user = false, seen_role = false, seen_rep = false, seen_unit = false;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    bool* seen = nullptr;
    if (kv.first == "user") {
      seen = &seen_user;
      if (!PercentDecode(kv.second, &p.user_id) || p.user_id.size() > kMaxUserIdBytes) return false;
    } else if (kv.first == "role") {
      seen = &seen_role;
      if (!PercentDecode(kv.second, &p.role) || p.role.size() > kMaxRoleBytes) return false;
    } else if (kv.first == "rep") {
      seen = &seen_rep;
      if (!absl::SimpleAtoi(kv.second, &p.rep_id)) return false;
    } else if (kv.first == "unit") {
      seen = &seen_unit;
      if (!absl::SimpleAtoi(kv.second, &p.org_unit_id)) return false;
    } else {
      return false;
    }
    if (*seen) return false;  // a repeated key could smuggle a second identity
    *seen = true;
  }
  if (p.user_id.empty() || p.role.empty()) return false;
  *out = std::move(p);
  return true;
}

std::string TargetServiceOf(absl::string_view full_method) {
  // "/sales.orders.v1.OrdersService/CreateOrder" -> "orders"
  absl::string_view m = absl::StripPrefix(full_method, "/");
  std::vector<absl::string_view> parts = absl::StrSplit(m, '.');
  if (parts.size() >= 3 && parts[0] == "sales") return std::string(parts[1]);
  return "";
}

struct PrincipalVerifier::Impl {
  std::vector<std::unique_ptr<MacKey>> keys;  // [0] signs
  std::string signing_key_id;
};

PrincipalVerifier::PrincipalVerifier() : impl_(std::make_unique<Impl>()) {}

PrincipalVerifier::PrincipalVerifier(std::string secret) : impl_(std::make_unique<Impl>()) {
  if (!IsBlank(secret)) {
    impl_->keys.push_back(std::make_unique<MacKey>(PrincipalKey{"k1", std::move(secret)}));
    impl_->signing_key_id = "k1";
  }
}

PrincipalVerifier::PrincipalVerifier(std::vector<PrincipalKey> keys) : impl_(std::make_unique<Impl>()) {
  for (auto& k : keys) {
    if (IsBlank(k.secret)) continue;
    impl_->keys.push_back(std::make_unique<MacKey>(std::move(k)));
  }
  if (!impl_->keys.empty()) impl_->signing_key_id = impl_->keys[0]->id();
}

PrincipalVerifier::~PrincipalVerifier() = default;
PrincipalVerifier::PrincipalVerifier(PrincipalVerifier&&) noexcept = default;
PrincipalVerifier& PrincipalVerifier::operator=(PrincipalVerifier&&) noexcept = default;

absl::StatusOr<PrincipalVerifier> PrincipalVerifier::FromConfig(const Config& config) {
  SALES_ASSIGN_OR_RETURN(std::string secret, config.GetSecret("principal_hmac_secret", ""));
  std::string key_id = config.GetString("principal_hmac_key_id", "k1");
  SALES_ASSIGN_OR_RETURN(std::string also_secret, config.GetSecret("principal_hmac_also_accept_secret", ""));
  std::string also_id = config.GetString("principal_hmac_also_accept_key_id", "");
  SALES_ASSIGN_OR_RETURN(bool allow_unsigned, config.GetBool("allow_unsigned_principals", false));
  if (IsBlank(secret)) {
    if (!allow_unsigned) {
      return absl::FailedPreconditionError(
          "principal_hmac_secret is missing or blank: without it any client could claim any identity. "
          "Set it (SALES_PRINCIPAL_HMAC_SECRET or principal_hmac_secret_file), or start with "
          "--allow_unsigned_principals=true for local development only");
    }
    LogWarn(
        "DEVELOPMENT MODE: allow_unsigned_principals=true and no principal_hmac_secret — caller "
        "identities are NOT verified; never run this way where anyone else can reach the port");
    return PrincipalVerifier();
  }
  if (allow_unsigned) {
    LogWarn("allow_unsigned_principals is ignored: principal_hmac_secret is set, so identities are verified");
  }
  if (!ValidKeyId(key_id)) {
    return absl::InvalidArgumentError("principal_hmac_key_id must be 1..32 of [A-Za-z0-9_-]");
  }
  std::vector<PrincipalKey> keys = {{key_id, secret}};
  if (!IsBlank(also_secret)) {
    if (!ValidKeyId(also_id) || also_id == key_id) {
      return absl::InvalidArgumentError(
          "principal_hmac_also_accept_key_id must be 1..32 of [A-Za-z0-9_-] and differ from principal_hmac_key_id");
    }
    keys.push_back({also_id, also_secret});
  }
  return PrincipalVerifier(std::move(keys));
}

bool PrincipalVerifier::enforcing() const { return !impl_->keys.empty(); }

const std::string& PrincipalVerifier::signing_key_id() const { return impl_->signing_key_id; }

std::string PrincipalVerifier::Sign(absl::string_view principal, absl::string_view request_id,
                                    absl::string_view full_method, absl::Time now) const {
  if (impl_->keys.empty()) return "";
  const MacKey& key = *impl_->keys[0];
  std::string iat = absl::StrCat(absl::ToUnixSeconds(now));
  std::string service = TargetServiceOf(full_method);
  return absl::StrCat("v2.", key.id(), ".", iat, ".",
                      key.Hex({"v2", key.id(), principal, request_id, full_method, service, iat}));
}

absl::Status PrincipalVerifier::Verify(absl::string_view principal, absl::string_view proof,
                                       absl::string_view request_id, absl::string_view full_method,
                                       absl::string_view service, absl::Time now) const {
  if (impl_->keys.empty()) return absl::OkStatus();
  std::vector<absl::string_view> parts = absl::StrSplit(proof, '.');
  int64_t iat = 0;
  if (parts.size() != 4 || parts[0] != "v2" || !ValidKeyId(parts[1]) || !absl::SimpleAtoi(parts[2], &iat) ||
      parts[3].size() != 64) {
    return Unverified("no well-formed proof", "PRINCIPAL_UNVERIFIED");
  }
  const MacKey* key = nullptr;
  for (const auto& k : impl_->keys) {
    if (k->id() == parts[1]) key = k.get();
  }
  if (key == nullptr) return Unverified("signed with a key this service does not accept", "PRINCIPAL_KEY_UNKNOWN");
  std::string audience = service.empty() ? TargetServiceOf(full_method) : std::string(service);
  std::string expected = key->Hex({"v2", key->id(), principal, request_id, full_method, audience, parts[2]});
  if (!ConstantTimeEquals(expected, parts[3])) {
    return Unverified("the proof does not match this call", "PRINCIPAL_UNVERIFIED");
  }
  // Checked after the MAC so that only a genuine proof learns it is stale.
  // In 128 bits: an issue time anywhere in int64 cannot overflow the age.
  __int128 age = static_cast<__int128>(absl::ToUnixSeconds(now)) - iat;
  if (age > absl::ToInt64Seconds(kPrincipalProofValidity) || -age > absl::ToInt64Seconds(kPrincipalProofFutureSkew)) {
    return Unverified("the proof has expired", "PRINCIPAL_PROOF_EXPIRED");
  }
  return absl::OkStatus();
}

namespace {

class SigningInterceptor : public grpc::experimental::Interceptor {
 public:
  SigningInterceptor(const PrincipalVerifier* keys, std::string method) : keys_(keys), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      auto principal = md->find(kPrincipalHeader);
      if (principal != md->end() && md->find(kPrincipalMacHeader) == md->end() && keys_->enforcing()) {
        auto rid = md->find(kRequestIdHeader);
        std::string request_id;
        if (rid == md->end()) {
          request_id = RandomHexId();
          md->emplace(kRequestIdHeader, request_id);
        } else {
          request_id = rid->second;
        }
        md->emplace(kPrincipalMacHeader, keys_->Sign(principal->second, request_id, method_, absl::Now()));
      }
    }
    methods->Proceed();
  }

 private:
  const PrincipalVerifier* keys_;
  std::string method_;
};

class SigningInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit SigningInterceptorFactory(std::shared_ptr<const PrincipalVerifier> keys) : keys_(std::move(keys)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override {
    return new SigningInterceptor(keys_.get(), info->method() != nullptr ? info->method() : "");
  }

 private:
  std::shared_ptr<const PrincipalVerifier> keys_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakePrincipalSigningInterceptor(
    std::shared_ptr<const PrincipalVerifier> keys) {
  return std::make_unique<SigningInterceptorFactory>(std::move(keys));
}

}  // namespace sales
