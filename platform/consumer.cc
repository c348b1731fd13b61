#include "platform/consumer.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {

EventConsumer::EventConsumer(std::string name, db::Pool* pool, std::unique_ptr<FeedSource> source,
                             Handler handler, PrepareCall prepare)
    : name_(std::move(name)),
      pool_(pool),
      source_(std::move(source)),
      handler_(std::move(handler)),
      prepare_(std::move(prepare)) {}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void EventConsumer::Stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    if (current_ctx_ != nullptr) current_ctx_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int64_t> EventConsumer::Cursor() {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows,
                           tx.Query("SELECT position FROM consumer_cursors WHERE consumer = ?", {name_}));
    return rows.empty() ? 0 : rows[0].Int(0);
  });
}

absl::StatusOr<bool> EventConsumer::Apply(const common::v1::Event& event) {
  return pool_->Transact<bool>([&](db::Transaction& tx) -> absl::StatusOr<bool> {
    auto claimed = tx.Exec(
        "INSERT INTO processed_events (consumer, event_id, position, applied_at) "
        "VALUES (?, ?, ?, UTC_TIMESTAMP(6))",
        {name_, event.event_id(), event.position()});
    bool fresh = true;
    if (!claimed.ok()) {
      if (claimed.status().code() != absl::StatusCode::kAlreadyExists) return claimed.status();
      fresh = false;
    }
    if (fresh) {
      SALES_RETURN_IF_ERROR(tx.Exec("SAVEPOINT before_effect").status());
      absl::Status effect = handler_(tx, event);
      if (effect.code() == absl::StatusCode::kInvalidArgument) {
        // It will never apply: park it and let the feed move on.
        SALES_RETURN_IF_ERROR(tx.Exec("ROLLBACK TO SAVEPOINT before_effect").status());
        SALES_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO dead_letters (consumer, event_id, position, event_type, error, event, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
                    {name_, event.event_id(), event.position(), event.event_type(),
                     std::string(effect.message().substr(0, 2000)), db::Bytes{event.SerializeAsString()}})
                .status());
        LogError("event dead-lettered", {{"consumer", name_}, {"event_id", event.event_id()}, {"request_id", event.request_id()},
                                         {"error", std::string(effect.message())}});
        fresh = false;
      } else {
        SALES_RETURN_IF_ERROR(effect);
      }
    }
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO consumer_cursors (consumer, position, updated_at) "
                "VALUES (?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE "
                "position = GREATEST(position, VALUES(position)), updated_at = VALUES(updated_at)",
                {name_, event.position()})
            .status());
    return fresh;
  });
}

void EventConsumer::Loop() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    auto cursor = Cursor();
    if (cursor.ok()) {
      grpc::ClientContext ctx;
      // Long-lived, but still bounded: the stream is reopened from the cursor.
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
      if (prepare_) prepare_(&ctx);
      {
        std::lock_guard<std::mutex> lock(ctx_mu_);
        current_ctx_ = &ctx;
      }
      if (stopping_) ctx.TryCancel();
      auto reader = source_->Open(&ctx, *cursor);
      std::vector<common::v1::Event> batch;
      bool failed = false;
      while (!failed && reader->Read(&batch)) {
        for (const auto& e : batch) {
          auto r = Apply(e);
          if (!r.ok()) {
            LogError("event not applied; will retry from cursor",
                     {{"consumer", name_}, {"event_id", e.event_id()}, {"request_id", e.request_id()},
                      {"error", std::string(r.status().message())}});
            failed = true;
            ctx.TryCancel();
            break;
          }
          if (*r) ++applied_;
          last_occurred_micros_ = e.occurred_at().seconds() * 1000000 + e.occurred_at().nanos() / 1000;
          last_applied_micros_ = std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
          backoff = std::chrono::milliseconds(100);
        }
      }
      grpc::Status st = reader->Finish();
      {
        std::lock_guard<std::mutex> lock(ctx_mu_);
        current_ctx_ = nullptr;
      }
      if (!st.ok() && !stopping_ && st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        LogWarn("feed stream ended", {{"consumer", name_}, {"code", static_cast<int>(st.error_code())},
                                      {"error", st.error_message()}});
      }
    }
    if (stopping_) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace sales
