// The one mapping of a peer's answer for our own caller. A peer that is not
// configured, not answering, overloaded or failing inside is UNAVAILABLE
// with ErrorInfo DEPENDENCY_UNAVAILABLE (domain "<self>.sales", metadata
// peer and method): never a guess, and retryable by the caller. A peer's
// own refusal (PERMISSION_DENIED, INVALID_ARGUMENT, FAILED_PRECONDITION...)
// keeps its code and details. NOT_FOUND is mapped by each client, since
// what a missing record means depends on the question.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/peers/peer_batch.h"
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

// The real client of one peer service: its stub over the shared channel,
// made once, and the one way each question is started in a batch and its
// answer mapped.
template <typename Service>
class GrpcPeer {
 protected:
  using Stub = typename Service::Stub;
  GrpcPeer(const ServiceRuntime& rt, std::string peer) : link_(rt, std::move(peer)) {}

  // Starts `method` with `request` in `batch`; *out gets `answer(response)`
  // on OK, `absent()` on NOT_FOUND when given, else the mapped failure.
  // `start(stub, ctx, &req, &resp, done)` calls the stub's callback API.
  template <typename Req, typename Resp, typename T, typename Start, typename Answer>
  void Ask(PeerBatch& batch, absl::string_view method, Req request, absl::StatusOr<T>* out, Start start, Answer answer,
           std::function<absl::StatusOr<std::type_identity_t<T>>()> absent = nullptr) {
    auto stub = GetStub();
    if (!stub.ok()) {
      *out = stub.status();
      return;
    }
    batch.Call<Req, Resp>(
        link_.Context(batch.call()), std::move(request),
        [s = *stub, start](grpc::ClientContext* ctx, const Req* rq, Resp* rs, std::function<void(grpc::Status)> done) {
          start(s, ctx, rq, rs, std::move(done));
        },
        [this, out, method = std::string(method), answer, absent](const grpc::Status& st, const Resp& resp) {
          if (st.error_code() == grpc::StatusCode::NOT_FOUND && absent) {
            *out = absent();
          } else if (!st.ok()) {
            *out = link_.Failure(method, st);
          } else {
            *out = answer(resp);
          }
        });
  }

  PeerLink link_;

 private:
  absl::StatusOr<Stub*> GetStub() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stub_ == nullptr) {
      auto channel = link_.Channel();
      if (!channel.ok()) return channel.status();
      stub_ = Service::NewStub(*channel);
    }
    return stub_.get();
  }
  std::mutex mu_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace sales::peers
