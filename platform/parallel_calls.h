// Peer calls made together and waited for together: each is started with
// the generated stub's callback API (stub->async()->Method(ctx, &req,
// &resp, calls.Track(&status))), so N peers cost the slowest answer, not
// the sum, under the one deadline their contexts share.
#pragma once

#include <grpcpp/support/status.h>

#include <condition_variable>
#include <functional>
#include <mutex>

namespace sales {

class PendingCalls {
 public:
  PendingCalls() = default;
  PendingCalls(const PendingCalls&) = delete;
  PendingCalls& operator=(const PendingCalls&) = delete;
  ~PendingCalls() { Wait(); }

  // The completion of one more call; its status lands in *status, which
  // must outlive Wait().
  std::function<void(grpc::Status)> Track(grpc::Status* status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++pending_;
    }
    return [this, status](grpc::Status st) {
      *status = std::move(st);
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) cv_.notify_all();
    };
  }

  // Returns once every tracked call has completed (each has a deadline).
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_ = 0;
};

}  // namespace sales
