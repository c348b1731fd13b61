// Who is calling, and the gateway's proof of it.
//
// The gateway authenticates a user's token and then vouches for the caller to
// the services with two headers: the principal (user, role, rep, unit) and a
// proof. Both must be legal HTTP/2 header values whatever the user's name is:
// Chinese identity providers issue names such as "张三", which gRPC refuses
// as raw header bytes (and aborts the process when a client adds one), so the
// principal's text fields travel percent-encoded and are decoded on arrival.
//
// The proof is an HMAC under a shared key that binds the principal to one
// call: the request id, the full method name, the service it is meant for and
// the time it was issued. A captured header set is therefore useless on any
// other method or service, and after `kPrincipalProofValidity` anywhere.
// Keys carry an id so a new key can be rolled out (accepted everywhere first,
// then used for signing, then the old one removed) without stopping the suite.
#pragma once

#include <grpcpp/support/client_interceptor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sales {

class Config;

// Metadata keys shared by the gateway, the services and salesctl.
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kPrincipalHeader[] = "x-sales-principal";
inline constexpr char kPrincipalMacHeader[] = "x-sales-principal-mac";

// How long a proof is accepted after it was issued (and how far a signer's
// clock may run ahead). Retries of one call within this window carry the same
// proof; a call that starts later is signed afresh.
inline constexpr absl::Duration kPrincipalProofValidity = absl::Seconds(60);
inline constexpr absl::Duration kPrincipalProofFutureSkew = absl::Seconds(5);

// Longest user id the suite carries (bytes, before encoding): identity
// providers' subjects are short; a longer one is refused at the gateway
// rather than blowing up every header it would travel in.
inline constexpr size_t kMaxUserIdBytes = 256;

// The authenticated caller as the gateway vouches for it.
struct Principal {
  std::string user_id;  // "" when anonymous; any UTF-8 text
  std::string role;     // e.g. "SALES_REP", "ADMIN", "SERVICE"
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  bool authenticated() const { return !user_id.empty(); }
  // "user=<pct>;role=<pct>;rep=<n>;unit=<n>": printable ASCII only, so it is
  // always a legal header value.
  std::string Encode() const;
  // Strict inverse of Encode: refuses raw non-ASCII, bad escapes, unknown
  // keys, non-numeric ids, an empty user or role and over-long fields.
  static bool Decode(absl::string_view text, Principal* out);
};

// RFC 3986 percent-encoding of every byte outside [A-Za-z0-9-_.~:@], and its
// strict inverse (false on a malformed escape or a byte that should have
// been escaped).
std::string PercentEncode(absl::string_view raw);
bool PercentDecode(absl::string_view encoded, std::string* out);

// "orders" for "/sales.orders.v1.OrdersService/CreateOrder": the service a
// method belongs to, which a proof names as its audience.
std::string TargetServiceOf(absl::string_view full_method);

// One shared key with its id ([A-Za-z0-9_-], 1..32 characters).
struct PrincipalKey {
  std::string id;
  std::string secret;
};

// Signs and verifies principal proofs. Without keys it is in development
// mode: nothing is signed and principals are accepted as sent — which a
// process only allows when started with the explicit flag (see FromConfig).
class PrincipalVerifier {
 public:
  // Development mode (no keys).
  PrincipalVerifier();
  // One key, id "k1": the common single-key deployment and the tests. An
  // empty or whitespace-only secret means development mode.
  explicit PrincipalVerifier(std::string secret);
  // Signs with `keys[0]`, accepts every key in `keys`.
  explicit PrincipalVerifier(std::vector<PrincipalKey> keys);
  ~PrincipalVerifier();
  PrincipalVerifier(PrincipalVerifier&&) noexcept;
  PrincipalVerifier& operator=(PrincipalVerifier&&) noexcept;

  // From config: principal_hmac_secret / principal_hmac_key_id (signs and is
  // accepted), principal_hmac_also_accept_secret /
  // principal_hmac_also_accept_key_id (accepted only; the other half of a
  // rotation). With no secret the process refuses to start unless
  // allow_unsigned_principals=true, which is logged as a warning at start.
  static absl::StatusOr<PrincipalVerifier> FromConfig(const Config& config);

  bool enforcing() const;
  const std::string& signing_key_id() const;

  // The proof header value "v2.<key id>.<unix seconds>.<hex mac>" for a call
  // of `full_method` ("/pkg.Service/Method") issued at `now`; "" in
  // development mode.
  std::string Sign(absl::string_view principal, absl::string_view request_id, absl::string_view full_method,
                   absl::Time now) const;
  // UNAUTHENTICATED (ErrorInfo PRINCIPAL_UNVERIFIED, PRINCIPAL_KEY_UNKNOWN or
  // PRINCIPAL_PROOF_EXPIRED) unless `proof` is this call's: same principal,
  // request id, method, audience `service` ("" derives it from the method),
  // issued within the validity window around `now`, under an accepted key.
  absl::Status Verify(absl::string_view principal, absl::string_view proof, absl::string_view request_id,
                      absl::string_view full_method, absl::string_view service, absl::Time now) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A client interceptor that signs every call carrying a principal header
// and no proof yet: it knows the method being called, which the code that
// prepares a ClientContext does not. Channels that carry identities (the
// gateway's, service-to-service, the demo loader, tests) are built with it.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakePrincipalSigningInterceptor(
    std::shared_ptr<const PrincipalVerifier> keys);

}  // namespace sales
