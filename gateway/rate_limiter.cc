#include "gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string_view>

namespace sales::gateway {

absl::Duration RateLimiter::Take(absl::string_view who, absl::Time now) {
  if (!enabled()) return absl::ZeroDuration();
  Shard& shard = shards_[std::hash<std::string_view>()(std::string_view(who.data(), who.size())) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(std::string(who));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxBucketsPerShard) {
      // Forget buckets that have refilled completely: they hold no state
      // a fresh bucket would not have.
      absl::Duration full = absl::Seconds(limit_.burst / limit_.rate_per_second);
      std::erase_if(shard.buckets, [&](const auto& kv) { return now - kv.second.refreshed >= full; });
    }
    it = shard.buckets.emplace(std::string(who), Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.refreshed) {
    b.tokens = std::min(limit_.burst, b.tokens + absl::ToDoubleSeconds(now - b.refreshed) * limit_.rate_per_second);
    b.refreshed = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return absl::ZeroDuration();
  }
  double wait_s = (1.0 - b.tokens) / limit_.rate_per_second;
  return std::max(absl::Milliseconds(1), absl::Milliseconds(std::ceil(wait_s * 1000)));
}

}  // namespace sales::gateway
