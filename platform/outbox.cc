#include "platform/outbox.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {

Outbox::Outbox(db::Pool* pool, const Clock* clock, std::string source)
    : pool_(pool), clock_(clock), source_(std::move(source)) {}

Outbox::~Outbox() { Stop(); }

absl::Status Outbox::Append(db::Transaction& tx, absl::string_view aggregate_type, absl::string_view aggregate_id,
                            const google::protobuf::Message& payload, absl::string_view request_id) {
  auto st = tx.Exec(
      "INSERT INTO outbox (aggregatetype, aggregateid, type, payload_type, payload, request_id, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {std::string(aggregate_type), std::string(aggregate_id), std::string(payload.GetDescriptor()->name()),
       std::string(payload.GetDescriptor()->full_name()), db::Bytes{payload.SerializeAsString()},
       std::string(request_id), FormatDbTime(clock_->Now())});
  if (!st.ok()) return st.status();
  tx.OnCommit([this] {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_notifications_;
    sequencer_cv_.notify_one();
  });
  return absl::OkStatus();
}

void Outbox::Start() {
  if (sequencer_.joinable()) return;
  stopping_ = false;
  sequencer_ = std::thread([this] { SequencerLoop(); });
}

void Outbox::Stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sequencer_cv_.notify_all();
  }
  if (sequencer_.joinable()) sequencer_.join();
}

void Outbox::SequencerLoop() {
  absl::Duration backoff = absl::Milliseconds(50);
  while (!stopping_) {
    auto n = SequenceOnce();
    if (!n.ok()) {
      LogWarn("outbox sequencer failed; retrying", {{"error", std::string(n.status().message())}});
      std::unique_lock<std::mutex> lock(mu_);
      sequencer_cv_.wait_for(lock, absl::ToChronoMilliseconds(backoff), [&] { return stopping_.load(); });
      backoff = std::min(backoff * 2, absl::Seconds(2));
      continue;
    }
    backoff = absl::Milliseconds(50);
    if (*n > 0) {
      if (sequenced_observer_) sequenced_observer_(last_sequenced_);
      continue;  // there may be more
    }
    std::unique_lock<std::mutex> lock(mu_);
    // Poll anyway: other replicas append rows this process is not told about.
    bool told = sequencer_cv_.wait_for(lock, std::chrono::milliseconds(100),
                                       [&] { return stopping_.load() || pending_notifications_ > 0; });
    if (told && !stopping_) {
      // Under load commits arrive every few hundred microseconds: a moment's
      // wait lets one sequencing transaction (five statements and a commit)
      // take all of them instead of one each. Events reach the feed 2 ms
      // later at most.
      sequencer_cv_.wait_for(lock, std::chrono::milliseconds(2), [&] { return stopping_.load(); });
    }
    pending_notifications_ = 0;
  }
}

void Outbox::OnSequenced(std::function<void(int64_t)> observer) { sequenced_observer_ = std::move(observer); }

void Outbox::OnPublished(std::function<void(const std::vector<Published>&)> observer,
                         std::function<bool(absl::string_view type)> wants_payload) {
  published_observer_ = std::move(observer);
  wants_payload_ = std::move(wants_payload);
}

absl::StatusOr<int64_t> Outbox::SequenceOnce() {
  std::vector<Published> published;
  auto sequenced = pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    published.clear();  // a retried transaction starts over
    // The sequencer row lock makes every sequencer, in every replica, take turns.
    SALES_ASSIGN_OR_RETURN(auto seq, tx.Query("SELECT last_position FROM outbox_sequencer WHERE id = 1 FOR UPDATE"));
    if (seq.empty()) return absl::FailedPreconditionError("outbox_sequencer row missing");
    int64_t last = seq[0].Int(0);
    // READ COMMITTED: only rows of committed transactions are visible here.
    SALES_ASSIGN_OR_RETURN(auto rows,
                           tx.Query("SELECT id, type FROM outbox WHERE position IS NULL ORDER BY id LIMIT 500"));
    if (rows.empty()) return int64_t{0};
    for (const auto& r : rows) {
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE outbox SET position = ? WHERE id = ?", {++last, r.Int("id")}).status());
      if (published_observer_) {
        Published p{r.Str("type"), "", ""};
        if (wants_payload_ && wants_payload_(p.type)) {
          SALES_ASSIGN_OR_RETURN(auto body,
                                 tx.Query("SELECT payload_type, payload FROM outbox WHERE id = ?", {r.Int("id")}));
          if (!body.empty()) {
            p.payload_type = body[0].Str("payload_type");
            p.payload = body[0].Str("payload");
          }
        }
        published.push_back(std::move(p));
      }
    }
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE outbox_sequencer SET last_position = ? WHERE id = 1", {last}).status());
    last_sequenced_ = last;
    return static_cast<int64_t>(rows.size());
  });
  if (sequenced.ok() && published_observer_ && !published.empty()) published_observer_(published);
  return sequenced;
}

absl::StatusOr<std::vector<common::v1::Event>> Outbox::Read(int64_t after, int max) {
  if (max <= 0) max = 100;
  if (max > 1000) max = 1000;
  return pool_->Transact<std::vector<common::v1::Event>>([&](db::Transaction& tx)
                                                             -> absl::StatusOr<std::vector<common::v1::Event>> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, aggregatetype, aggregateid, type, payload_type, payload, "
                                               "request_id, created_at, position FROM outbox WHERE position > ? "
                                               "ORDER BY position LIMIT ?",
                                               {after, static_cast<int64_t>(max)}));
    // Visible positions have no gaps, so a first row past after + 1
    // means the ones between were pruned.
    if (!rows.empty() && rows[0].Int("position") != after + 1) {
      return WithErrorInfo(
          absl::OutOfRangeError(absl::StrCat("events after position ", after, " up to ", rows[0].Int("position") - 1,
                                             " are past the feed's retention; rebuild the consumer")),
          "FEED_PRUNED", "sales");
    }
    std::vector<common::v1::Event> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
      common::v1::Event e;
      e.set_event_id(absl::StrCat(source_, "-", r.Int("id")));
      e.set_aggregate_type(r.Str("aggregatetype"));
      e.set_aggregate_id(r.Str("aggregateid"));
      e.set_event_type(r.Str("type"));
      e.mutable_payload()->set_type_url(absl::StrCat("type.googleapis.com/", r.Str("payload_type")));
      e.mutable_payload()->set_value(r.Str("payload"));
      e.set_request_id(r.Str("request_id"));
      *e.mutable_occurred_at() = ToTimestamp(ParseDbTime(r.Str("created_at")));
      e.set_position(r.Int("position"));
      out.push_back(std::move(e));
    }
    return out;
  });
}

absl::StatusOr<int64_t> Outbox::Prune(absl::Time before, int batch) {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    // The oldest `batch` events by position (uk_outbox_position), cut at the
    // last one created before `before` and short of the newest event.
    SALES_ASSIGN_OR_RETURN(auto rows,
                           tx.Query("SELECT position, created_at < ? AS old FROM outbox WHERE position IS NOT NULL "
                                    "AND position < (SELECT last_position FROM outbox_sequencer WHERE id = 1) "
                                    "ORDER BY position LIMIT ?",
                                    {FormatDbTime(before), static_cast<int64_t>(batch)}));
    int64_t upto = -1;
    for (const auto& r : rows) {
      if (r.Int("old") == 0) break;
      upto = r.Int("position");
    }
    if (upto < 0) return int64_t{0};
    return tx.Exec("DELETE FROM outbox WHERE position IS NOT NULL AND position <= ?", {upto});
  });
}

absl::StatusOr<int64_t> Outbox::Backlog() {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) FROM outbox WHERE position IS NULL"));
    return rows[0].Int(0);
  });
}

absl::StatusOr<int64_t> Outbox::LastPosition() {
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT last_position FROM outbox_sequencer WHERE id = 1"));
    return rows.empty() ? 0 : rows[0].Int(0);
  });
}

}  // namespace sales
