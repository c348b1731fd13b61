// What the benchmark drivers measure alike: a generous client deadline, the
// percentile of a latency sample, and the "one call at a time, then many
// callers" measurement whose baseline/large-table ratio every driver prints.
// One copy, so that two drivers' p99 is computed the same way and their
// numbers compare.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

namespace sales::bench {

// A client context for a driver's call: the deadline is far off because a
// driver measures slow calls too (a sweep over a million rows) and must not
// turn them into DEADLINE_EXCEEDED.
inline std::unique_ptr<grpc::ClientContext> LongCallContext(std::chrono::seconds deadline = std::chrono::seconds(600)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

// The `pct`-th percentile (0..100) of an already sorted sample; 0 when the
// sample is empty. Nearest-rank below: index n*pct/100, capped at the last.
inline double PercentileOfSorted(const std::vector<double>& sorted, int pct) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, sorted.size() * static_cast<size_t>(pct) / 100)];
}

// The same for an unsorted sample (sorts a copy).
inline double Percentile(std::vector<double> sample, int pct) {
  std::sort(sample.begin(), sample.end());
  return PercentileOfSorted(sample, pct);
}

struct Stats {
  double p50_ms = 0, p99_ms = 0, per_sec = 0;
  int errors = 0;
};

// `calls` calls one at a time for latency (p50/p99), then 2 x `calls` more
// shared by `threads` callers for throughput. `call(i)` gets a distinct i for
// every call of the run and returns false on an error.
template <typename Call>
Stats Measure(int calls, int threads, Call call) {
  Stats s;
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(calls));
  for (int i = 0; i < calls; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (!call(i)) ++s.errors;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  s.p50_ms = PercentileOfSorted(ms, 50);
  s.p99_ms = PercentileOfSorted(ms, 99);
  std::atomic<int> next{calls};
  std::atomic<int> errors{0};
  int total = calls * 2;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = next++; i < calls + total; i = next++) {
        if (!call(i)) ++errors;
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.per_sec = total / secs;
  s.errors += errors;
  return s;
}

// One line: the baseline and the large-table run side by side, and their
// ratios (the number a driver exists to show). `width` pads the label.
inline void PrintVersus(const char* what, const Stats& base, const Stats& big, int width = 26) {
  std::printf(
      "%-*s p50 %7.2f ms  p99 %7.2f ms  %8.0f/s  |  p50 %7.2f ms  p99 %7.2f ms  %8.0f/s  | p50 x%.2f  "
      "rate x%.2f  errors %d/%d\n",
      width, what, base.p50_ms, base.p99_ms, base.per_sec, big.p50_ms, big.p99_ms, big.per_sec,
      big.p50_ms / base.p50_ms, big.per_sec / base.per_sec, base.errors, big.errors);
  std::fflush(stdout);
}

}  // namespace sales::bench
