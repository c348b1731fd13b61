// Per-call plumbing for every handler: request id and caller identity are
// read once, the handler runs with exceptions contained, the result is
// mapped to gRPC in one place and one JSON line is logged.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sales {

// Metadata keys shared by the gateway, the services and salesctl.
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kPrincipalHeader[] = "x-sales-principal";
inline constexpr char kPrincipalMacHeader[] = "x-sales-principal-mac";

// The authenticated caller as the gateway vouches for it.
struct Principal {
  std::string user_id;    // "" when anonymous
  std::string role;       // e.g. "SALES_REP", "ADMIN", "SERVICE"
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  bool authenticated() const { return !user_id.empty(); }
  std::string Encode() const;
  static bool Decode(absl::string_view text, Principal* out);
};

// Checks the gateway's HMAC over the principal and request id.
class PrincipalVerifier {
 public:
  explicit PrincipalVerifier(std::string secret) : secret_(std::move(secret)) {}
  // The MAC the gateway attaches; exposed for the gateway and tests.
  std::string Sign(absl::string_view principal, absl::string_view request_id) const;
  // With a secret configured, a principal without a valid MAC is refused
  // (UNAUTHENTICATED). Without one, principals are accepted as sent: that
  // mode is for local development only and is logged as such at start.
  absl::Status Verify(absl::string_view principal, absl::string_view mac,
                      absl::string_view request_id) const;
  bool enforcing() const { return !secret_.empty(); }

 private:
  std::string secret_;
};

// Marks an outgoing call as made by service `service` on behalf of the call
// with `request_id` (so one request id follows a request through every hop):
// sets the request id and a SERVICE principal signed with the shared secret.
// Services answer other services' calls in full (no rep scope), which is why
// only holders of the secret can claim it.
void AttachServiceIdentity(grpc::ClientContext* ctx, const PrincipalVerifier& verifier,
                           absl::string_view service, absl::string_view request_id);

struct CallContext {
  std::string method;
  std::string request_id;
  Principal principal;
  grpc::ServerContext* server_context = nullptr;
};

// Builds the context; fails when the principal does not verify.
absl::Status ReadCallContext(grpc::ServerContext* ctx, absl::string_view method,
                             const PrincipalVerifier& verifier, CallContext* out);

void LogCall(const CallContext& call, const absl::Status& status, absl::Duration elapsed);
grpc::Status FinishCall(CallContext& call, const absl::Status& status, absl::Time start);

// Runs `fn(CallContext&) -> absl::Status` as a gRPC handler body.
template <typename Fn>
grpc::Status Serve(grpc::ServerContext* ctx, absl::string_view method,
                   const PrincipalVerifier& verifier, Fn&& fn) {
  absl::Time start = absl::Now();
  CallContext call;
  absl::Status st = ReadCallContext(ctx, method, verifier, &call);
  if (st.ok()) {
    try {
      st = fn(call);
    } catch (const std::exception& e) {
      st = absl::InternalError(std::string("unexpected: ") + e.what());
    } catch (...) {
      st = absl::InternalError("unexpected non-standard exception");
    }
  }
  return FinishCall(call, st, start);
}

}  // namespace sales
