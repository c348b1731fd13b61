// Bearer-token authentication: JWTs signed RS256 or ES256 by a key the
// gateway knows by its `kid`. Keys live as <kid>.pem public keys in one
// directory that operators rotate by adding and removing files; the gateway
// re-reads it when it changes, so rotation needs no restart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/call.h"

namespace sales::gateway {

// One verification key: the PEM text libjwt reads and the one algorithm it
// may be used with (a key is never accepted under another algorithm: an RSA
// public key taken as an HMAC secret would let anyone forge tokens).
struct VerificationKey {
  std::string kid;
  std::string pem;
  std::string alg;  // "RS256" or "ES256"
};

// The keys of a directory of <kid>.pem files, replaced whole on reload.
class KeyDirectory {
 public:
  explicit KeyDirectory(std::string dir) : dir_(std::move(dir)) {}
  // Re-reads the directory when a file was added, removed or changed since
  // the last read; returns true when the key set changed. A file that does
  // not hold an RSA or P-256 public key is skipped and logged.
  bool Refresh();
  std::shared_ptr<const VerificationKey> Find(absl::string_view kid) const;
  // Bumped on every change, so cached verdicts of removed keys die with them.
  uint64_t generation() const;
  size_t size() const;

 private:
  std::string dir_;
  mutable std::mutex mu_;
  std::string fingerprint_;  // names, sizes and mtimes of the last read
  std::map<std::string, std::shared_ptr<const VerificationKey>, std::less<>> keys_;
  uint64_t generation_ = 0;
};

struct JwtOptions {
  std::string issuer;
  std::string audience;
  absl::Duration clock_skew = absl::Seconds(30);
  // Longest lifetime (exp - iat, or exp - now) a token may claim.
  absl::Duration max_lifetime = absl::Hours(24);
  size_t cache_entries = 8192;  // 0: verify every time
};

// Verifies tokens; remembers verified ones until they expire (the signature
// check is the expensive part and a client sends the same token every call).
class JwtVerifier {
 public:
  JwtVerifier(const KeyDirectory* keys, JwtOptions options) : keys_(keys), options_(std::move(options)) {}
  // The principal a valid token vouches for, or UNAUTHENTICATED with an
  // ErrorInfo reason (TOKEN_MISSING, TOKEN_MALFORMED, TOKEN_UNKNOWN_KEY,
  // TOKEN_BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, TOKEN_WRONG_ISSUER,
  // TOKEN_WRONG_AUDIENCE, TOKEN_BAD_CLAIMS).
  //
  // `admit`, when given, runs before a token that is not in the cache has
  // its signature checked (the expensive part) and may refuse: the gateway
  // rate-limits those checks per client address, so a flood of bad tokens
  // costs a map look-up each, not a signature verification.
  using AdmitCheck = std::function<absl::Status()>;
  absl::StatusOr<Principal> Verify(absl::string_view token, absl::Time now, const AdmitCheck& admit = nullptr) const;
  // From an `authorization` header value ("Bearer <token>").
  absl::StatusOr<Principal> VerifyHeader(absl::string_view authorization, absl::Time now,
                                         const AdmitCheck& admit = nullptr) const;

 private:
  absl::StatusOr<Principal> VerifyUncached(absl::string_view token, absl::Time now, absl::Time* expires) const;
  struct Cached {
    Principal principal;
    absl::Time expires;
    uint64_t generation;
  };
  const KeyDirectory* keys_;
  JwtOptions options_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Cached> cache_;
};

// The roles a token may carry.
bool KnownRole(absl::string_view role);

}  // namespace sales::gateway
