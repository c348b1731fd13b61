// Calls to peer services started together and waited for together, under
// one deadline: N peers cost the slowest answer, not the sum. A typed peer
// client (customers_peer.h, finance_peer.h, targets_peer.h) starts each
// call in a batch with the generated stub's callback API and writes its
// mapped answer before the batch's Wait returns; a fake answers at once.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/call.h"

namespace sales::peers {

class PeerBatch {
 public:
  // `call` is the call being served (null for a background job): its
  // request id travels with each peer call and its remaining deadline caps
  // the batch's. Every call in the batch ends by now + `timeout`.
  PeerBatch(const CallContext* call, absl::Duration timeout) : call_(call), deadline_(absl::Now() + timeout) {
    if (call != nullptr && call->server_context != nullptr) {
      deadline_ = std::min(deadline_, absl::FromChrono(call->server_context->deadline()));
    }
  }
  PeerBatch(const PeerBatch&) = delete;
  PeerBatch& operator=(const PeerBatch&) = delete;
  // Waits for what is still running: a call's state must outlive it.
  ~PeerBatch() { Wait(); }

  const CallContext* call() const { return call_; }
  absl::Time deadline() const { return deadline_; }

  // Returns once every call started in the batch has completed and its
  // answer is written (each has the batch's deadline, so this ends).
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
  }

  // For clients: starts one call. `start(ctx, &req, &resp, on_done)` begins
  // it with the stub's callback API; `done(status, resp)` maps the answer
  // (on gRPC's thread, before Wait returns). The batch keeps the context,
  // request and response alive until it is destroyed.
  template <typename Req, typename Resp, typename Start, typename Done>
  void Call(std::unique_ptr<grpc::ClientContext> ctx, Req req, Start start, Done done) {
    auto state = std::make_shared<State<Req, Resp>>();
    state->ctx = std::move(ctx);
    state->ctx->set_deadline(absl::ToChronoTime(deadline_));
    state->req = std::move(req);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++pending_;
      kept_.push_back(state);
    }
    start(state->ctx.get(), &state->req, &state->resp, [this, state, done = std::move(done)](grpc::Status st) {
      done(st, state->resp);
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) cv_.notify_all();
    });
  }

 private:
  template <typename Req, typename Resp>
  struct State {
    std::unique_ptr<grpc::ClientContext> ctx;
    Req req;
    Resp resp;
  };

  const CallContext* call_;
  absl::Time deadline_;
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_ = 0;
  std::vector<std::shared_ptr<void>> kept_;
};

// One question alone, waited for: `ask(batch, &out)` starts it in a batch
// of its own under `timeout`.
template <typename T, typename Ask>
absl::StatusOr<T> AskAlone(const CallContext* call, absl::Duration timeout, Ask ask) {
  absl::StatusOr<T> out;
  PeerBatch batch(call, timeout);
  ask(batch, &out);
  batch.Wait();
  return out;
}

}  // namespace sales::peers
