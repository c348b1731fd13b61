#include "platform/consumer.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {

EventConsumer::EventConsumer(std::string name, db::Pool* pool, std::unique_ptr<FeedSource> source, Handler handler,
                             PrepareCall prepare, Options options)
    : name_(std::move(name)),
      pool_(pool),
      source_(std::move(source)),
      handler_(std::move(handler)),
      prepare_(std::move(prepare)),
      options_(std::move(options)) {
  if (options_.holder.empty()) options_.holder = FeedLease::ProcessHolderName();
  lease_ = std::make_unique<FeedLease>(pool_, name_, options_.holder, options_.lease_ttl);
}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  keeper_ = std::thread([this] { KeepLease(); });
  thread_ = std::thread([this] { Loop(); });
}

void EventConsumer::Stop() {
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    stopping_ = true;
  }
  lease_cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    if (current_ctx_ != nullptr) current_ctx_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
  if (keeper_.joinable()) keeper_.join();
  // Handing over at once: a standby takes the lease on its next try
  // instead of waiting for it to expire.
  int64_t token = lease_token_.exchange(0);
  if (token != 0) {
    if (auto st = lease_->Release(token); !st.ok()) {
      LogWarn("feed lease not released; it will expire", {{"consumer", name_}, {"error", std::string(st.message())}});
    }
  }
}

void EventConsumer::KeepLease() {
  const absl::Duration every = options_.lease_ttl / 3;
  absl::Time last_renewed = absl::InfinitePast();
  std::unique_lock<std::mutex> lock(lease_mu_);
  while (!stopping_) {
    lock.unlock();
    auto token = lease_->Acquire();
    int64_t held = lease_token_.load();
    int64_t now_held = held;
    if (token.ok()) {
      now_held = *token;
      if (*token != 0) last_renewed = absl::Now();
    } else if (held != 0 && absl::Now() - last_renewed >= options_.lease_ttl) {
      // It has expired by now; another replica may hold it.
      now_held = 0;
    }
    if (!token.ok()) {
      LogWarn("feed lease not renewed", {{"consumer", name_}, {"error", std::string(token.status().message())}});
    }
    if (now_held != held) {
      lease_token_ = now_held;
      LogInfo(now_held != 0 ? "feed lease taken: this replica consumes" : "feed lease lost: standing by",
              {{"consumer", name_}, {"holder", options_.holder}, {"token", static_cast<long long>(now_held)}});
      if (held != 0) {
        // Stop streaming under the old token (its applies would be fenced).
        std::lock_guard<std::mutex> ctx_lock(ctx_mu_);
        if (current_ctx_ != nullptr) current_ctx_->TryCancel();
      }
    }
    lock.lock();
    lease_cv_.notify_all();
    lease_cv_.wait_for(lock, absl::ToChronoMilliseconds(every), [this] { return stopping_.load(); });
  }
}

absl::StatusOr<int64_t> EventConsumer::Cursor() {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT position FROM consumer_cursors WHERE consumer = ?", {name_}));
    return rows.empty() ? 0 : rows[0].Int(0);
  });
}

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status DeadLetter(db::Transaction& tx, const std::string& consumer, const common::v1::Event& event,
                        const absl::Status& error) {
  return tx
      .Exec(
          "INSERT INTO dead_letters (consumer, event_id, position, event_type, error, event, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
          {consumer, event.event_id(), event.position(), event.event_type(),
           absl::StrCat(absl::StatusCodeToString(error.code()), ": ", error.message().substr(0, 1900)),
           db::Bytes{event.SerializeAsString()}})
      .status();
}

}  // namespace

bool IsTransientApplyFailure(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<bool> EventConsumer::Apply(const common::v1::Event& event, int64_t lease_token) {
  return ApplyOrPark(event, lease_token, nullptr);
}

absl::Status EventConsumer::Park(const common::v1::Event& event, int64_t lease_token, const absl::Status& error) {
  return ApplyOrPark(event, lease_token, &error).status();
}

absl::StatusOr<bool> EventConsumer::ApplyOrPark(const common::v1::Event& event, int64_t lease_token,
                                                const absl::Status* park) {
  bool parked = false;
  auto result = pool_->Transact<bool>([&](db::Transaction& tx) -> absl::StatusOr<bool> {
    parked = false;
    SALES_RETURN_IF_ERROR(FeedLease::Fence(tx, name_, lease_token));
    auto claimed = tx.Exec(
        "INSERT INTO processed_events (consumer, event_id, position, applied_at) "
        "VALUES (?, ?, ?, UTC_TIMESTAMP(6))",
        {name_, event.event_id(), event.position()});
    bool fresh = true;
    if (!claimed.ok()) {
      if (claimed.status().code() != absl::StatusCode::kAlreadyExists) return claimed.status();
      // Only this event's own row makes it a duplicate; any other key
      // conflict must not be mistaken for one (the effect would be skipped
      // and the cursor moved past it).
      SALES_ASSIGN_OR_RETURN(auto seen, tx.Query("SELECT position FROM processed_events WHERE consumer = ? AND "
                                                 "event_id = ?",
                                                 {name_, event.event_id()}));
      if (seen.empty()) {
        LogError(
            "event claim conflicted with another row; retrying",
            {{"consumer", name_}, {"event_id", event.event_id()}, {"error", std::string(claimed.status().message())}});
        return absl::AbortedError(
            absl::StrCat("claim of ", event.event_id(), " conflicted: ", claimed.status().message()));
      }
      fresh = false;
    }
    if (fresh && park != nullptr) {
      SALES_RETURN_IF_ERROR(DeadLetter(tx, name_, event, *park));
      parked = true;
      fresh = false;
    } else if (fresh) {
      SALES_RETURN_IF_ERROR(tx.Exec("SAVEPOINT before_effect").status());
      absl::Status effect = handler_(tx, event);
      if (effect.code() == absl::StatusCode::kInvalidArgument) {
        // It will never apply: park it and let the feed move on.
        SALES_RETURN_IF_ERROR(tx.Exec("ROLLBACK TO SAVEPOINT before_effect").status());
        SALES_RETURN_IF_ERROR(DeadLetter(tx, name_, event, effect));
        parked = true;
        fresh = false;
      } else {
        SALES_RETURN_IF_ERROR(effect);
      }
    }
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO consumer_cursors (consumer, position, updated_at, lease_token) "
                                  "VALUES (?, ?, UTC_TIMESTAMP(6), ?) ON DUPLICATE KEY UPDATE "
                                  "position = GREATEST(position, VALUES(position)), updated_at = VALUES(updated_at), "
                                  "lease_token = GREATEST(lease_token, VALUES(lease_token))",
                                  {name_, event.position(), lease_token})
                              .status());
    return fresh;
  });
  if (result.ok() && parked) {
    ++parked_;
    LogError("event parked in dead_letters; the feed moves on",
             {{"consumer", name_},
              {"event_id", event.event_id()},
              {"request_id", event.request_id()},
              {"position", static_cast<long long>(event.position())}});
  }
  return result;
}

bool EventConsumer::FailedShouldPark(const common::v1::Event& event, const absl::Status& error) {
  ++apply_failures_;
  Failing();
  // The clock for parking runs only while the failure is the event's own:
  // a transient failure starts it again.
  const bool transient = IsTransientApplyFailure(error.code());
  if (transient || failing_event_id_ != event.event_id()) {
    failing_event_id_ = event.event_id();
    failing_attempts_ = 0;
    failing_event_since_ = absl::Now();
  }
  if (transient) return false;
  ++failing_attempts_;
  return failing_attempts_ >= options_.park_after_attempts && absl::Now() - failing_event_since_ >= options_.park_after;
}

void EventConsumer::Healthy() {
  failing_since_micros_ = 0;
  failing_event_id_.clear();
  failing_attempts_ = 0;
}

void EventConsumer::Failing() {
  int64_t zero = 0;
  failing_since_micros_.compare_exchange_strong(zero, NowMicros());
}

absl::StatusOr<int64_t> EventConsumer::DeadLetters() {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) FROM dead_letters WHERE consumer = ?", {name_}));
    return rows.empty() ? 0 : rows[0].Int(0);
  });
}

absl::StatusOr<int64_t> EventConsumer::PruneProcessed(absl::Time before, int batch) {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    // Walk the oldest `batch` records by position and cut at the last one
    // applied before `before`: one short range delete on
    // ix_processed_events_position, never a scan of the whole history.
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT p.position, p.applied_at < ? AS old FROM processed_events p "
                                               "JOIN consumer_cursors c ON c.consumer = p.consumer "
                                               "WHERE p.consumer = ? AND p.position <= c.position "
                                               "ORDER BY p.position LIMIT ?",
                                               {FormatDbTime(before), name_, static_cast<int64_t>(batch)}));
    int64_t upto = -1;
    for (const auto& r : rows) {
      if (r.Int("old") == 0) break;
      upto = r.Int("position");
    }
    if (upto < 0) return int64_t{0};
    SALES_ASSIGN_OR_RETURN(auto deleted,
                           tx.Exec("DELETE FROM processed_events WHERE consumer = ? AND position <= ?", {name_, upto}));
    return deleted;
  });
}

void EventConsumer::Loop() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    int64_t token = lease_token_.load();
    if (token == 0) {
      // A standby: wait for the keeper to take the lease.
      std::unique_lock<std::mutex> lock(lease_mu_);
      lease_cv_.wait_for(lock, std::chrono::seconds(1),
                         [this] { return stopping_.load() || lease_token_.load() != 0; });
      continue;
    }
    StreamOnce(token, &backoff);
    if (stopping_) break;
    {
      // Interrupted by Stop: a drain must not wait out a retry backoff.
      std::unique_lock<std::mutex> lock(lease_mu_);
      lease_cv_.wait_for(lock, backoff, [this] { return stopping_.load(); });
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

void EventConsumer::StreamOnce(int64_t token, std::chrono::milliseconds* backoff) {
  auto cursor = Cursor();
  if (!cursor.ok()) return;
  grpc::ClientContext ctx;
  // Long-lived, but still bounded: the stream is reopened from the cursor.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  if (prepare_) prepare_(&ctx);
  {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    current_ctx_ = &ctx;
  }
  // Stopped, or the lease moved, between reading the token and publishing ctx.
  if (stopping_ || lease_token_.load() != token) ctx.TryCancel();
  auto reader = source_->Open(&ctx, *cursor);
  std::vector<common::v1::Event> batch;
  bool failed = false;
  // Positions are gap-free: the next event must be the one after the
  // last applied. Anything else (a gap, a repeat) is never applied past:
  // the stream is reopened from the cursor instead of skipping an event.
  int64_t expected = *cursor + 1;
  while (!failed && reader->Read(&batch)) {
    // The producer answered: a stream failure before this is over.
    if (failing_event_id_.empty()) failing_since_micros_ = 0;
    for (const auto& e : batch) {
      if (lease_token_.load() != token) {
        failed = true;
        ctx.TryCancel();
        break;
      }
      if (e.position() != expected) {
        LogError("feed out of sequence; reopening from the cursor", {{"consumer", name_},
                                                                     {"expected", static_cast<long long>(expected)},
                                                                     {"position", static_cast<long long>(e.position())},
                                                                     {"event_id", e.event_id()}});
        failed = true;
        ctx.TryCancel();
        break;
      }
      auto r = Apply(e, token);
      if (!r.ok() && FailedShouldPark(e, r.status())) {
        // Retried long enough; its error is its own, not the database's.
        auto parked = ApplyOrPark(e, token, &r.status());
        r = parked.ok() ? absl::StatusOr<bool>(false) : parked.status();
      }
      if (!r.ok()) {
        LogError("event not applied; will retry from cursor",
                 {{"consumer", name_},
                  {"event_id", e.event_id()},
                  {"request_id", e.request_id()},
                  {"code", std::string(absl::StatusCodeToString(r.status().code()))},
                  {"error", std::string(r.status().message())}});
        failed = true;
        ctx.TryCancel();
        break;
      }
      Healthy();
      if (*r) ++applied_;
      expected = e.position() + 1;
      last_occurred_micros_ = e.occurred_at().seconds() * 1000000 + e.occurred_at().nanos() / 1000;
      last_applied_micros_ = NowMicros();
      *backoff = std::chrono::milliseconds(100);
    }
  }
  grpc::Status st = reader->Finish();
  {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    current_ctx_ = nullptr;
  }
  if (!st.ok() && !stopping_ && st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
      st.error_code() != grpc::StatusCode::CANCELLED) {
    // The producer is away, or refuses the cursor (OUT_OF_RANGE: the
    // events after it were pruned) — failing until a batch arrives.
    Failing();
    LogWarn("feed stream ended",
            {{"consumer", name_}, {"code", static_cast<int>(st.error_code())}, {"error", st.error_message()}});
  }
}

}  // namespace sales
