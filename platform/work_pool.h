// A fixed set of threads running posted tasks in order, with a bounded
// queue. Work that blocks (a database transaction, peers asked and waited
// for) runs here instead of on gRPC's request threads: a callback method
// posts its body and returns at once, so a burst of such calls queues here
// instead of exhausting the server's thread quota (RESOURCE_EXHAUSTED).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sales {

class WorkPool {
 public:
  // `threads` ≥ 1; at most `max_queued` tasks wait (beyond that Post refuses).
  WorkPool(std::string name, int threads, size_t max_queued = 10000);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false when the queue is full or the pool has stopped
  // (the caller answers RESOURCE_EXHAUSTED / UNAVAILABLE itself).
  bool Post(std::function<void()> task);
  // Runs every queued task, then joins the threads; later Posts refuse.
  void Stop();

  const std::string& name() const { return name_; }
  int threads() const { return static_cast<int>(threads_.size()); }
  size_t queued() const;

 private:
  void Run();

  std::string name_;
  size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sales
