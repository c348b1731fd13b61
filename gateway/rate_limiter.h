// Per-principal token buckets: each caller may burst up to `burst` calls and
// then sustain `rate_per_second`. One busy caller exhausts only its own
// bucket, never anyone else's. Time comes in as an argument (tests drive it).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sales::gateway {

struct RateLimit {
  double rate_per_second = 200;
  double burst = 400;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}
  // Takes one token for `who`. Returns zero when allowed, otherwise how long
  // until a token will be there (what RetryInfo tells the caller).
  absl::Duration Take(absl::string_view who, absl::Time now);
  bool enabled() const { return limit_.rate_per_second > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refreshed;
  };
  // Sharded so callers on different principals rarely share a lock.
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxBucketsPerShard = 65536;
  RateLimit limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sales::gateway
