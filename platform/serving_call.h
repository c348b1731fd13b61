// The call a thread is serving, for code far below the handler that should
// stop when its caller has gone: a handler's transaction checks before each
// statement, so a long sweep, import or report whose client cancelled (or
// whose deadline passed) stops at its next statement and rolls back instead
// of running on against the database for nobody.
#pragma once

#include <grpcpp/server_context.h>

namespace sales {

class ServingCall {
 public:
  // Marks `ctx` as the call this thread serves until the scope ends (Serve
  // does this around every handler body). Scopes nest; null is no call.
  explicit ServingCall(const grpc::ServerContextBase* ctx) : previous_(current_) { current_ = ctx; }
  ~ServingCall() { current_ = previous_; }
  ServingCall(const ServingCall&) = delete;
  ServingCall& operator=(const ServingCall&) = delete;

  // True when this thread serves a call that its client cancelled or whose
  // deadline passed; false outside any call (consumers, housekeeping).
  static bool Cancelled() { return current_ != nullptr && current_->IsCancelled(); }

 private:
  static inline thread_local const grpc::ServerContextBase* current_ = nullptr;
  const grpc::ServerContextBase* previous_;
};

}  // namespace sales
