#include "platform/feed_lease.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "platform/crypto.h"
#include "platform/status.h"

namespace sales {

FeedLease::FeedLease(db::Pool* pool, std::string consumer, std::string holder, absl::Duration ttl)
    : pool_(pool), consumer_(std::move(consumer)), holder_(std::move(holder)), ttl_(ttl) {}

std::string FeedLease::ProcessHolderName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host, "/", static_cast<long>(getpid()), "/", RandomHexId().substr(0, 8));
}

absl::StatusOr<int64_t> FeedLease::Acquire() {
  const int64_t ttl_micros = absl::ToInt64Microseconds(ttl_);
  return pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
    // WAIT 2: a holder paused inside its own renewal must not stall the
    // standbys for innodb_lock_wait_timeout; they try again next round.
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT holder, token, expires_at > UTC_TIMESTAMP(6) AS live "
                                               "FROM consumer_leases WHERE consumer = ? FOR UPDATE WAIT 2",
                                               {consumer_}));
    if (rows.empty()) {
      auto inserted = tx.Exec(
          "INSERT INTO consumer_leases (consumer, holder, token, expires_at, acquired_at) "
          "VALUES (?, ?, 1, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, UTC_TIMESTAMP(6))",
          {consumer_, holder_, ttl_micros});
      if (!inserted.ok()) {
        // Another replica created it first: it holds the lease.
        if (absl::IsAlreadyExists(inserted.status())) return int64_t{0};
        return inserted.status();
      }
      return int64_t{1};
    }
    const std::string current = rows[0].Str("holder");
    const int64_t token = rows[0].Int("token");
    const bool live = rows[0].Int("live") != 0;
    if (live && current == holder_) {
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE consumer_leases SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? "
                                    "MICROSECOND WHERE consumer = ?",
                                    {ttl_micros, consumer_})
                                .status());
      return token;
    }
    if (live) return int64_t{0};
    // Expired (or released): take it with a new token, even if this holder
    // had it before, so anything it began under the old token is fenced off.
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE consumer_leases SET holder = ?, token = token + 1, expires_at = "
                                  "UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND, acquired_at = UTC_TIMESTAMP(6) "
                                  "WHERE consumer = ?",
                                  {holder_, ttl_micros, consumer_})
                              .status());
    return token + 1;
  });
}

absl::Status FeedLease::Release(int64_t token) {
  return pool_
      ->Transact<int64_t>([&](db::Transaction& tx) {
        return tx.Exec(
            "UPDATE consumer_leases SET expires_at = UTC_TIMESTAMP(6) "
            "WHERE consumer = ? AND holder = ? AND token = ?",
            {consumer_, holder_, token});
      })
      .status();
}

absl::Status FeedLease::Fence(db::Transaction& tx, const std::string& consumer, int64_t token) {
  auto lost = [&](const std::string& why) {
    return WithErrorInfo(absl::AbortedError(absl::StrCat("consumer ", consumer, " lost its lease: ", why)),
                         "LEASE_LOST", "sales", {{"consumer", consumer}});
  };
  // The cursor row lock orders this apply after any other holder's, and the
  // token stored with the cursor shows whether a newer holder moved it.
  SALES_ASSIGN_OR_RETURN(auto cursor, tx.Query("SELECT lease_token FROM consumer_cursors WHERE consumer = ? "
                                               "FOR UPDATE",
                                               {consumer}));
  if (!cursor.empty() && cursor[0].Int(0) > token) {
    return lost(absl::StrCat("token ", token, " is older than ", cursor[0].Int(0)));
  }
  if (token == 0) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(auto lease, tx.Query("SELECT token FROM consumer_leases WHERE consumer = ?", {consumer}));
  if (lease.empty() || lease[0].Int(0) != token) return lost(absl::StrCat("token ", token, " was replaced"));
  return absl::OkStatus();
}

}  // namespace sales
