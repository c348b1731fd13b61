// Serving StreamEvents without a thread per subscriber. A subscriber's
// stream is a callback reactor that is, at any moment, in exactly one of
// three places: a read of the outbox queued or running on the feed pool (a
// few threads, config "feed_threads"), a batch being written to the client,
// or parked waiting for new events (holding nothing). Whoever moves it out of
// one place owns its next step, so it is finished exactly once; a parked
// subscriber is woken when this replica's sequencer gives out positions, and
// by a 250 ms tick that notices positions given out by other replicas. A
// sync handler instead holds one of the server's request threads for the
// whole life of every subscription, and enough subscribers starve every
// other call of threads (RESOURCE_EXHAUSTED).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "platform/call.h"
#include "platform/outbox.h"
#include "platform/status.h"
#include "platform/work_pool.h"

namespace sales {

// What FeedServer knows of a subscription.
class FeedSubscription {
 public:
  virtual ~FeedSubscription() = default;
  // The subscriber has read everything up to here.
  virtual int64_t cursor() const = 0;
  // Queues the next read (the caller owns the subscription's next step).
  virtual void Resume() = 0;
  // Ends the subscription with `status` (the caller owns its next step).
  virtual void End(const absl::Status& status) = 0;
};

class FeedServer {
 public:
  FeedServer(Outbox* outbox, const PrincipalVerifier* verifier, int threads);
  ~FeedServer();

  // A StreamEvents handler: `ctx` is the callback context of the call,
  // `method` its full name ("/sales.orders.v1.OrdersService/StreamEvents").
  template <typename Request, typename Response>
  grpc::ServerWriteReactor<Response>* Open(grpc::CallbackServerContext* ctx, absl::string_view method,
                                           const Request& request);

  // Parked subscriptions end at once with UNAVAILABLE (DRAINING) and the
  // others at their next step, so clients reconnect to another replica.
  void BeginDrain();
  // Joins the tick and the pool (after the gRPC server has shut down).
  void Stop();
  // Subscriptions open now (a gauge).
  int64_t open_subscriptions() const { return open_.load(); }

  // --- for the reactors ---
  Outbox& outbox() { return *outbox_; }
  bool draining() const { return draining_.load(); }
  bool Post(std::function<void()> task) { return pool_.Post(std::move(task)); }
  uint64_t generation() const;
  // Parks `s` unless new events arrived since `seen_generation` or the
  // server drains; false means the caller still owns `s`'s next step.
  bool Park(FeedSubscription* s, uint64_t seen_generation);
  // Takes `s` out of the parked set; true when it was parked (the caller
  // now owns its next step).
  bool TakeParked(FeedSubscription* s);
  void Opened() { ++open_; }
  void Closed() { --open_; }

 private:
  void Tick();
  void WakeBelow(int64_t position);

  Outbox* outbox_;
  const PrincipalVerifier* verifier_;
  WorkPool pool_;
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> open_{0};
  mutable std::mutex mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  std::vector<FeedSubscription*> parked_;
  std::thread ticker_;
};

namespace feed_internal {

template <typename Response>
class FeedReactor final : public grpc::ServerWriteReactor<Response>, public FeedSubscription {
 public:
  FeedReactor(FeedServer* server, CallContext call, absl::Time start, int64_t after, int max_batch)
      : server_(server), call_(std::move(call)), start_(start), cursor_(after), max_batch_(max_batch) {
    server_->Opened();
  }

  int64_t cursor() const override { return cursor_.load(); }

  void Resume() override {
    if (!server_->Post([this] { Fetch(); })) {
      End(absl::UnavailableError("the event feed is shutting down; reconnect from your cursor"));
    }
  }

  void End(const absl::Status& status) override { this->Finish(FinishCall(call_, status, start_)); }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(absl::CancelledError("the subscriber went away"));
      return;
    }
    cursor_ = pending_last_;
    Resume();
  }

  void OnCancel() override {
    cancelled_ = true;
    if (server_->TakeParked(this)) End(absl::CancelledError("the subscriber went away"));
  }

  void OnDone() override {
    server_->Closed();
    delete this;
  }

 private:
  void Fetch() {
    if (cancelled_.load()) return End(absl::CancelledError("the subscriber went away"));
    if (server_->draining()) return End(Draining());
    uint64_t generation = server_->generation();
    auto batch = server_->outbox().Read(cursor_.load(), max_batch_);
    if (!batch.ok()) return End(batch.status());
    if (batch->empty()) {
      if (server_->Park(this, generation)) return;
      if (server_->draining()) return End(Draining());
      return Resume();
    }
    pending_last_ = batch->back().position();
    response_.Clear();
    for (auto& e : *batch) *response_.add_events() = std::move(e);
    this->StartWrite(&response_);
  }

  static absl::Status Draining() {
    return WithErrorInfo(absl::UnavailableError("server is draining; reconnect from your cursor"), "DRAINING", "sales");
  }

  FeedServer* server_;
  CallContext call_;
  absl::Time start_;
  std::atomic<int64_t> cursor_;
  int max_batch_;
  int64_t pending_last_ = 0;
  std::atomic<bool> cancelled_{false};
  Response response_;
};

template <typename Response>
class RefusedFeed final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedFeed(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace feed_internal

template <typename Request, typename Response>
grpc::ServerWriteReactor<Response>* FeedServer::Open(grpc::CallbackServerContext* ctx, absl::string_view method,
                                                     const Request& request) {
  absl::Time start = absl::Now();
  CallContext call;
  absl::Status st = ReadCallContext(ctx, method, *verifier_, &call);
  if (st.ok() && request.after_position() < 0) st = InvalidField("after_position", "must be >= 0");
  if (st.ok() && (request.max_batch() < 0 || request.max_batch() > 1000)) {
    st = InvalidField("max_batch", "must be 0..1000");
  }
  if (st.ok() && draining()) {
    st = WithErrorInfo(absl::UnavailableError("server is draining; reconnect from your cursor"), "DRAINING", "sales");
  }
  if (!st.ok()) return new feed_internal::RefusedFeed<Response>(FinishCall(call, st, start));
  auto* reactor = new feed_internal::FeedReactor<Response>(this, std::move(call), start, request.after_position(),
                                                           request.max_batch());
  reactor->Resume();
  return reactor;
}

}  // namespace sales
