// Per-call plumbing for every handler: request id and caller identity are
// read once, the handler runs with exceptions contained, the result is
// mapped to gRPC in one place and one JSON line is logged.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/principal.h"
#include "platform/serving_call.h"

namespace sales {

// Marks an outgoing call as made by service `service` on behalf of the call
// with `request_id` (so one request id follows a request through every hop):
// sets the request id and a SERVICE principal; the channel's signing
// interceptor (MakePrincipalSigningInterceptor) adds the proof, since only it
// knows the method. Services answer other services' calls in full (no rep
// scope), which is why only holders of the key can claim it.
void AttachServiceIdentity(grpc::ClientContext* ctx, absl::string_view service, absl::string_view request_id);

struct CallContext {
  std::string method;
  std::string request_id;
  Principal principal;
  grpc::ServerContextBase* server_context = nullptr;
};

// Builds the context; fails when the principal does not verify as this
// call's (the proof binds `method`, the full "/pkg.Service/Method" name).
absl::Status ReadCallContext(grpc::ServerContextBase* ctx, absl::string_view method, const PrincipalVerifier& verifier,
                             CallContext* out);

void LogCall(const CallContext& call, const absl::Status& status, absl::Duration elapsed);
grpc::Status FinishCall(CallContext& call, const absl::Status& status, absl::Time start);

// Runs `fn(CallContext&) -> absl::Status` as a gRPC handler body.
template <typename Fn>
grpc::Status Serve(grpc::ServerContextBase* ctx, absl::string_view method, const PrincipalVerifier& verifier, Fn&& fn) {
  absl::Time start = absl::Now();
  CallContext call;
  absl::Status st = ReadCallContext(ctx, method, verifier, &call);
  if (st.ok()) {
    // Statements run for this call stop once its caller has gone.
    ServingCall serving(ctx);
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
