// Consuming another service's event feed exactly once in effect: each event
// is applied in one transaction together with the consumer's cursor and the
// processed event id, so a crash at any point neither loses nor doubles it.
// With many replicas only the holder of the feed's lease (feed_lease.h)
// streams and applies, one event at a time in feed order; the others stand
// by and take over within about a lease period when it stops renewing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

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
  explicit GrpcFeedSource(std::shared_ptr<grpc::Channel> channel)
      : stub_(Service::NewStub(std::move(channel))) {}
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
};

class EventConsumer {
 public:
  // Applies one event's effect inside the consumer's transaction. A handler
  // answering INVALID_ARGUMENT says the event can never apply: it goes to
  // dead_letters (its partial effect rolled back) and the cursor moves on;
  // any other error is retried.
  using Handler = std::function<absl::Status(db::Transaction&, const common::v1::Event&)>;

  // Sets up each feed call before it opens (the caller's identity).
  using PrepareCall = std::function<void(grpc::ClientContext*)>;

  using Options = ConsumerOptions;

  EventConsumer(std::string name, db::Pool* pool, std::unique_ptr<FeedSource> source,
                Handler handler, PrepareCall prepare = nullptr, Options options = ConsumerOptions());
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

 private:
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
