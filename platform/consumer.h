// Consuming another service's event feed exactly once in effect: each event
// is applied in one transaction together with the consumer's cursor and the
// processed event id, so a crash at any point neither loses nor doubles it.
// With many replicas only the holder of the feed's lease (feed_lease.h)
// streams and applies, one event at a time in feed order; the others stand
// by and take over within about a lease period when it stops renewing.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/feed_lease.h"
#include "platform/mysql.h"
#include "sales/common/v1/event.pb.h"

namespace sales {

// One open StreamEvents call.
class FeedReader {
 public:
  virtual ~FeedReader() = default;
  // Next batch; false when the stream ended (then call Finish).
  virtual bool Read(std::vector<common::v1::Event>* batch) = 0;
  virtual grpc::Status Finish() = 0;
};

// Opens a producer's feed from a cursor.
class FeedSource {
 public:
  virtual ~FeedSource() = default;
  virtual std::unique_ptr<FeedReader> Open(grpc::ClientContext* ctx, int64_t after) = 0;
};

// Adapts any generated stub with the house StreamEvents shape.
template <typename Service, typename Request, typename Response>
class GrpcFeedSource final : public FeedSource {
 public:
  explicit GrpcFeedSource(std::shared_ptr<grpc::Channel> channel) : stub_(Service::NewStub(std::move(channel))) {}
  std::unique_ptr<FeedReader> Open(grpc::ClientContext* ctx, int64_t after) override {
    Request req;
    req.set_after_position(after);
    req.set_max_batch(200);
    class Reader final : public FeedReader {
     public:
      explicit Reader(std::unique_ptr<grpc::ClientReader<Response>> r) : r_(std::move(r)) {}
      bool Read(std::vector<common::v1::Event>* batch) override {
        Response resp;
        if (!r_->Read(&resp)) return false;
        batch->assign(resp.events().begin(), resp.events().end());
        return true;
      }
      grpc::Status Finish() override { return r_->Finish(); }

     private:
      std::unique_ptr<grpc::ClientReader<Response>> r_;
    };
    return std::make_unique<Reader>(stub_->StreamEvents(ctx, req));
  }

 private:
  std::unique_ptr<typename Service::Stub> stub_;
};

// How a consumer shares its feed with the other replicas.
struct ConsumerOptions {
  // How long a lease lives without renewal: a standby takes over at most
  // this plus a third of it after the holder died or hung.
  absl::Duration lease_ttl = absl::Seconds(6);
  // This replica's name in the lease row (FeedLease::ProcessHolderName()).
  std::string holder;
  // An event whose effect keeps failing with an error that waiting will
  // not cure (anything but UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED,
  // RESOURCE_EXHAUSTED, CANCELLED) is parked in dead_letters once it has
  // failed `park_after_attempts` times over at least `park_after`, so one
  // bad event does not stop every event behind it. The wait lets a fault
  // that only looks permanent (a lock, a restart) pass first.
  absl::Duration park_after = absl::Seconds(60);
  int park_after_attempts = 5;
};

// True for the codes a feed apply retries forever: the database or a peer
// is away or busy, or the transaction lost a race. Anything else comes from
// the event itself and is parked after ConsumerOptions::park_after.
bool IsTransientApplyFailure(absl::StatusCode code);

class EventConsumer {
 public:
  // Applies one event's effect inside the consumer's transaction. A handler
  // answering INVALID_ARGUMENT says the event can never apply: it goes to
  // dead_letters (its partial effect rolled back) and the cursor moves on.
  // A transient error (IsTransientApplyFailure) is retried for as long as
  // it lasts; any other is retried until ConsumerOptions::park_after, then
  // parked the same way.
  using Handler = std::function<absl::Status(db::Transaction&, const common::v1::Event&)>;

  // Sets up each feed call before it opens (the caller's identity).
  using PrepareCall = std::function<void(grpc::ClientContext*)>;

  using Options = ConsumerOptions;

  EventConsumer(std::string name, db::Pool* pool, std::unique_ptr<FeedSource> source, Handler handler,
                PrepareCall prepare = nullptr, Options options = ConsumerOptions());
  ~EventConsumer();

  void Start();
  void Stop();

  // The last position applied (0 before the first event).
  absl::StatusOr<int64_t> Cursor();
  // Applies one event exactly once; a duplicate only moves the cursor.
  // Returns true when the effect ran, false for a duplicate. Fenced by the
  // lease token this process holds (0 when it holds none).
  absl::StatusOr<bool> Apply(const common::v1::Event& event) { return Apply(event, lease_token_.load()); }
  absl::StatusOr<bool> Apply(const common::v1::Event& event, int64_t lease_token);
  // Parks an event without applying it: dead_letters gets it with `error`,
  // the cursor moves past it. Fenced like Apply.
  absl::Status Park(const common::v1::Event& event, int64_t lease_token, const absl::Status& error);
  // Deletes up to `batch` processed-event records applied before `before`
  // (and at or below the cursor); returns how many went. The feed never
  // sends an event at or below the cursor again (StreamOnce refuses any
  // position but cursor + 1), so old records only serve operators.
  absl::StatusOr<int64_t> PruneProcessed(absl::Time before, int batch = 5000);
  // Whether this replica holds the feed's lease (is the active consumer).
  bool active() const { return lease_token_.load() != 0; }
  // Events applied by this process (not counting duplicates).
  int64_t applied() const { return applied_.load(); }
  const std::string& name() const { return name_; }
  // For metrics: when the last event this process's loop applied was
  // committed at the producer and when it was applied here (unix micros;
  // 0 before the first).
  int64_t last_event_occurred_micros() const { return last_occurred_micros_.load(); }
  int64_t last_event_applied_micros() const { return last_applied_micros_.load(); }
  // Since when (unix micros) this consumer has been failing — its last
  // apply failed or its stream could not be read — 0 while healthy. A
  // failure is cleared by the next event applied or a batch read.
  int64_t failing_since_micros() const { return failing_since_micros_.load(); }
  // Applies that failed (and were retried or parked) in this process.
  int64_t apply_failures() const { return apply_failures_.load(); }
  // Events this process parked in dead_letters (any reason).
  int64_t parked() const { return parked_.load(); }
  // Events in dead_letters for this consumer (from every replica, ever).
  absl::StatusOr<int64_t> DeadLetters();

 private:
  // Apply, or with `park` set dead-letter the event with that error
  // instead of running the handler.
  absl::StatusOr<bool> ApplyOrPark(const common::v1::Event& event, int64_t lease_token, const absl::Status* park);
  // Counts a failed apply of `event`; true when it is time to park it.
  bool FailedShouldPark(const common::v1::Event& event, const absl::Status& error);
  void Healthy();
  void Failing();
  void Loop();
  // Takes and renews the lease every ttl/3; drops it (and cancels the
  // stream) when a renewal fails for longer than the ttl or another
  // replica has it.
  void KeepLease();
  // Streams from the cursor while `token` holds the lease.
  void StreamOnce(int64_t token, std::chrono::milliseconds* backoff);

  std::string name_;
  db::Pool* pool_;
  std::unique_ptr<FeedSource> source_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> last_occurred_micros_{0};
  std::atomic<int64_t> last_applied_micros_{0};
  std::atomic<int64_t> failing_since_micros_{0};
  std::atomic<int64_t> apply_failures_{0};
  std::atomic<int64_t> parked_{0};
  // The event whose apply keeps failing (loop thread only).
  std::string failing_event_id_;
  int failing_attempts_ = 0;
  absl::Time failing_event_since_ = absl::InfinitePast();
  std::mutex ctx_mu_;
  grpc::ClientContext* current_ctx_ = nullptr;
  PrepareCall prepare_;
  Options options_;
  std::unique_ptr<FeedLease> lease_;
  std::atomic<int64_t> lease_token_{0};
  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  std::thread thread_;
  std::thread keeper_;
};

}  // namespace sales
