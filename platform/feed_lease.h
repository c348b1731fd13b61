// One active consumer per feed, whatever the replica count. Every replica
// of a service runs the consumer of a peer's feed, but only the holder of
// the feed's lease row (consumer_leases, in the consumer's own database)
// streams and applies; the others stand by and take the lease once it has
// expired by the database's clock (the holder died, hung, or lost the
// database). Each taking bumps the token; every apply transaction fences on
// it (Fence), so a holder that wakes from a pause after its lease was taken
// cannot apply another event. Two replicas applying neighbouring events
// concurrently would apply them out of feed order (a hold set and released
// in quick succession could end set).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"

namespace sales {

class FeedLease {
 public:
  // `holder` names this replica (unique per process: host, pid, a random part).
  FeedLease(db::Pool* pool, std::string consumer, std::string holder, absl::Duration ttl);

  // Takes the lease when nobody holds a live one, renews it when this
  // holder does; returns the token while held, 0 while another holder's
  // lease is live.
  absl::StatusOr<int64_t> Acquire();
  // Gives the lease up at once (a clean stop), so a standby need not wait
  // for it to expire. Nothing happens unless `token` still holds it.
  absl::Status Release(int64_t token);

  // Inside the transaction that applies an event and moves the cursor:
  // locks the cursor row and refuses (ABORTED, LEASE_LOST) unless `token`
  // is the newest token that moved it and still holds the lease. Token 0
  // (no lease: a test applying directly) passes until a lease was used.
  static absl::Status Fence(db::Transaction& tx, const std::string& consumer, int64_t token);

  // A holder name for this process: "<host>/<pid>/<random>".
  static std::string ProcessHolderName();

  const std::string& holder() const { return holder_; }
  absl::Duration ttl() const { return ttl_; }

 private:
  db::Pool* pool_;
  std::string consumer_;
  std::string holder_;
  absl::Duration ttl_;
};

}  // namespace sales
