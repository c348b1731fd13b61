// Transactional outbox: the rows the event feed (feed_stream.h) serves.
//
// Producers append events inside the transaction that makes the change. A
// sequencer then gives committed rows gap-free feed positions in the order
// they became visible: a transaction that took an earlier row id but
// committed later gets a later position instead of being skipped by readers
// that have moved past its id. Rows keep Debezium's outbox shape (id,
// aggregatetype, aggregateid, type, payload), so a log-based relay could
// take over delivery without changing producers.
#pragma once

#include <google/protobuf/message.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/common/v1/event.pb.h"

namespace sales {

class Outbox {
 public:
  // `source` names the producing service in event ids ("orders-17").
  Outbox(db::Pool* pool, const Clock* clock, std::string source);
  ~Outbox();

  // Writes `payload` as an event of the aggregate inside `tx`. The event type
  // is the payload's message name without package.
  absl::Status Append(db::Transaction& tx, absl::string_view aggregate_type, absl::string_view aggregate_id,
                      const google::protobuf::Message& payload, absl::string_view request_id);

  // Starts/stops the background sequencer (one per process; the database row
  // lock makes replicas take turns).
  void Start();
  void Stop();

  // Assigns positions to every committed, unsequenced row; returns how many.
  absl::StatusOr<int64_t> SequenceOnce();

  // Up to `max` events with position > after, in feed order. OUT_OF_RANGE
  // (ErrorInfo FEED_PRUNED) when the events right after `after` are gone
  // by retention (Prune): the consumer must be rebuilt, not silently skip.
  absl::StatusOr<std::vector<common::v1::Event>> Read(int64_t after, int max);

  // Deletes up to `batch` of the oldest sequenced events created before
  // `before`; returns how many went. The newest event is always kept, so a
  // reader behind it still learns it is behind (Read's OUT_OF_RANGE) rather
  // than waiting on an empty feed. Positions are never reused (the
  // sequencer row keeps counting).
  absl::StatusOr<int64_t> Prune(absl::Time before, int batch = 5000);

  // Rows not yet given a position (the sequencer's backlog).
  absl::StatusOr<int64_t> Backlog();
  absl::StatusOr<int64_t> LastPosition();

  // Told, on the sequencer's thread, the last position it has just given
  // out (the event feed wakes its subscribers). Set before Start().
  void OnSequenced(std::function<void(int64_t last_position)> observer);

  // Told about the events the sequencer has just given positions to, after
  // that transaction commits (metrics count business facts here, without
  // touching producers). `payload_type`/`payload` are filled only for types
  // `wants_payload` asks for. Set before Start().
  struct Published {
    std::string type;
    std::string payload_type;
    std::string payload;
  };
  void OnPublished(std::function<void(const std::vector<Published>&)> observer,
                   std::function<bool(absl::string_view type)> wants_payload = nullptr);

 private:
  void SequencerLoop();

  db::Pool* pool_;
  const Clock* clock_;
  std::string source_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable sequencer_cv_;
  uint64_t pending_notifications_ = 0;
  int64_t last_sequenced_ = 0;  // sequencer thread only
  std::thread sequencer_;
  std::function<void(const std::vector<Published>&)> published_observer_;
  std::function<bool(absl::string_view)> wants_payload_;
  std::function<void(int64_t)> sequenced_observer_;
};

}  // namespace sales
