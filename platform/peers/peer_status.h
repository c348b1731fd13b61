// The one mapping of a peer's answer for our own caller. A peer that is not
// configured, not answering, overloaded or failing inside is UNAVAILABLE
// with ErrorInfo DEPENDENCY_UNAVAILABLE (domain "<self>.sales", metadata
// peer and method): never a guess, and retryable by the caller. A peer's
// own refusal (PERMISSION_DENIED, INVALID_ARGUMENT, FAILED_PRECONDITION...)
// keeps its code and details. NOT_FOUND is mapped by each client, since
// what a missing record means depends on the question.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/service_app.h"

namespace sales::peers {

absl::Status PeerFailure(absl::string_view self, absl::string_view peer, absl::string_view method,
                         const grpc::Status& status);

// What every typed client shares: which peer, on whose behalf, how long it
// may take (config "peer_deadline", 2 s).
class PeerLink {
 public:
  PeerLink(const ServiceRuntime& rt, std::string peer);
  const std::string& peer() const { return peer_; }
  absl::Duration deadline() const { return deadline_; }
  // The peer's channel; UNAVAILABLE (DEPENDENCY_UNAVAILABLE) when
  // "<peer>_address" is not configured.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel() const;
  // A context carrying the caller's request id and this service's identity.
  std::unique_ptr<grpc::ClientContext> Context(const CallContext* call) const;
  absl::Status Failure(absl::string_view method, const grpc::Status& status) const;

 private:
  const ServiceRuntime& rt_;
  std::string peer_;
  absl::Duration deadline_;
};

// The peer deadline a runtime is configured with ("peer_deadline", 2 s).
absl::Duration PeerDeadline(const ServiceRuntime& rt);

}  // namespace sales::peers
