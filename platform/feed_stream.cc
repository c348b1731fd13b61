#include "platform/feed_stream.h"

#include <algorithm>

#include "platform/log.h"

namespace sales {

FeedServer::FeedServer(Outbox* outbox, const PrincipalVerifier* verifier, int threads)
    : outbox_(outbox), verifier_(verifier), pool_("feed", threads) {
  // The sequencer of this replica wakes subscribers at once.
  outbox_->OnSequenced([this](int64_t last_position) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++generation_;
    }
    WakeBelow(last_position);
  });
  ticker_ = std::thread([this] { Tick(); });
}

FeedServer::~FeedServer() { Stop(); }

void FeedServer::BeginDrain() {
  draining_ = true;
  std::vector<FeedSubscription*> parked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    parked.swap(parked_);
    ++generation_;
  }
  for (auto* s : parked) {
    s->End(
        WithErrorInfo(absl::UnavailableError("server is draining; reconnect from your cursor"), "DRAINING", "sales"));
  }
}

void FeedServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  pool_.Stop();
}

uint64_t FeedServer::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

bool FeedServer::Park(FeedSubscription* s, uint64_t seen_generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation_ != seen_generation || draining_.load() || stopping_) return false;
  parked_.push_back(s);
  return true;
}

bool FeedServer::TakeParked(FeedSubscription* s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(parked_.begin(), parked_.end(), s);
  if (it == parked_.end()) return false;
  *it = parked_.back();
  parked_.pop_back();
  return true;
}

void FeedServer::WakeBelow(int64_t position) {
  std::vector<FeedSubscription*> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto keep =
        std::partition(parked_.begin(), parked_.end(), [&](FeedSubscription* s) { return s->cursor() >= position; });
    woken.assign(keep, parked_.end());
    parked_.erase(keep, parked_.end());
  }
  // Taken out of the set under the lock: this thread owns their next step.
  for (auto* s : woken) s->Resume();
}

void FeedServer::Tick() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    tick_cv_.wait_for(lock, std::chrono::milliseconds(250));
    if (stopping_ || parked_.empty()) continue;
    lock.unlock();
    // One query for all parked subscribers: has any replica's sequencer
    // given out positions beyond where they wait?
    auto last = outbox_->LastPosition();
    if (last.ok()) {
      WakeBelow(*last);
    } else {
      LogWarn("event feed cannot read the last position", {{"error", std::string(last.status().message())}});
    }
    lock.lock();
  }
}

}  // namespace sales
