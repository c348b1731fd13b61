#include "platform/peers/peer_status.h"

#include "absl/strings/str_cat.h"
#include "platform/config.h"
#include "platform/status.h"

namespace sales::peers {

absl::Status PeerFailure(absl::string_view self, absl::string_view peer, absl::string_view method,
                         const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsCancelled(s) || absl::IsUnknown(s) ||
      absl::IsInternal(s) || absl::IsResourceExhausted(s)) {
    return WithErrorInfo(absl::UnavailableError(absl::StrCat(peer, "-svc did not answer ", method, ": ", s.message())),
                         "DEPENDENCY_UNAVAILABLE", absl::StrCat(self, ".sales"),
                         {{"peer", std::string(peer)}, {"method", std::string(method)}});
  }
  return s;
}

absl::Duration PeerDeadline(const ServiceRuntime& rt) {
  absl::Duration d = absl::Seconds(2);
  if (rt.config != nullptr) {
    auto configured = rt.config->GetDuration("peer_deadline", d);
    if (configured.ok() && *configured > absl::ZeroDuration()) d = *configured;
  }
  return d;
}

PeerLink::PeerLink(const ServiceRuntime& rt, std::string peer)
    : rt_(rt), peer_(std::move(peer)), deadline_(PeerDeadline(rt)) {}

absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerLink::Channel() const {
  auto ch = rt_.PeerChannel(peer_);
  if (!ch.ok()) {
    return WithErrorInfo(absl::UnavailableError(absl::StrCat(peer_, "-svc is not configured: ", ch.status().message())),
                         "DEPENDENCY_UNAVAILABLE", absl::StrCat(rt_.service_name, ".sales"), {{"peer", peer_}});
  }
  return ch;
}

std::unique_ptr<grpc::ClientContext> PeerLink::Context(const CallContext* call) const {
  // The batch sets the deadline; this one only bounds a context used alone.
  return rt_.PeerContext(call, deadline_);
}

absl::Status PeerLink::Failure(absl::string_view method, const grpc::Status& status) const {
  return PeerFailure(rt_.service_name, peer_, method, status);
}

}  // namespace sales::peers
