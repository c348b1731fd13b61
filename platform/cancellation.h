// Long handlers (sweeps, decompositions, imports, statement runs) work in
// batches; between batches they ask whether anyone still waits for the
// answer, so a client that cancels (or whose deadline passes) stops the work
// instead of leaving it running against the database.
#pragma once

#include "absl/status/status.h"
#include "platform/call.h"

namespace sales {

// CANCELLED once the caller has cancelled the call or its deadline passed;
// OK otherwise, and always OK outside a call (background jobs). Batches
// already committed stay: each is idempotent, and the next run finishes the
// rest.
inline absl::Status StopIfCancelled(const CallContext& call) {
  if (call.server_context != nullptr && call.server_context->IsCancelled()) {
    return absl::CancelledError("the caller cancelled the call; batches already committed stay, nothing else is done");
  }
  return absl::OkStatus();
}

}  // namespace sales
