// MySQL access on Connector/C++ 1.1: a bounded pool, prepared statements
// only, transactions that roll back unless committed, and one place that
// turns driver exceptions into absl::Status (no exception leaves this file's
// implementation).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace sales::db {

// Binary column value (BLOB); bound with setBlob so NUL bytes survive.
struct Bytes {
  std::string data;
};

using Param = std::variant<std::nullptr_t, int64_t, std::string, Bytes>;
using Params = std::vector<Param>;

// One materialised result row; columns by 0-based index.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
  // 0 for NULL.
  int64_t Int(size_t i) const;
  // "" for NULL.
  const std::string& Str(size_t i) const;
  size_t size() const { return cells_.size(); }

 private:
  std::vector<std::optional<std::string>> cells_;
};

struct PoolOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string unix_socket;  // used instead of host:port when set
  std::string user;
  std::string password;
  std::string database;
  int max_connections = 16;
  absl::Duration acquire_timeout = absl::Seconds(2);
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration read_timeout = absl::Seconds(30);
  int lock_wait_timeout_seconds = 10;
  // Deadlocks and lock-wait timeouts are retried this many times in total.
  int max_attempts = 5;
};

struct PoolStats {
  int open = 0;
  int in_use = 0;
  int64_t waits = 0;
  int64_t wait_micros = 0;
  int64_t replaced = 0;
};

class Pool;

// A live session to the server. Caches prepared statements by SQL text.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql, const Params& params = {});
  // Returns the affected row count.
  absl::StatusOr<int64_t> Exec(absl::string_view sql, const Params& params = {});
  absl::StatusOr<int64_t> LastInsertId();
  absl::Status Commit();
  absl::Status Rollback();

  // True once the server side is gone; the pool drops such connections.
  bool broken() const { return broken_; }
  // True when the last failure is worth retrying the whole transaction for.
  bool last_error_retryable() const { return last_error_retryable_; }
  void clear_error_flags() { last_error_retryable_ = false; }

 private:
  friend class Pool;
  explicit Connection(std::unique_ptr<sql::Connection> conn);
  absl::Status MapError(int code, const std::string& state, const std::string& what,
                        absl::string_view sql);
  template <typename Fn>
  auto Run(absl::string_view sql, const Params& params, Fn&& fn)
      -> absl::StatusOr<std::invoke_result_t<Fn, sql::PreparedStatement*>>;

  std::unique_ptr<sql::Connection> conn_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  bool broken_ = false;
  bool last_error_retryable_ = false;
  bool open_work_ = false;
};

// A borrowed connection; returns to the pool (or is dropped when broken)
// when destroyed. Any open transaction is rolled back on return.
class Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection* operator->() { return conn_.get(); }
  Connection& operator*() { return *conn_; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

// A unit of work on one connection. Statements run inside the transaction;
// hooks registered with OnCommit run after a successful commit.
class Transaction {
 public:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql, const Params& params = {}) {
    return conn_->Query(sql, params);
  }
  absl::StatusOr<int64_t> Exec(absl::string_view sql, const Params& params = {}) {
    return conn_->Exec(sql, params);
  }
  absl::StatusOr<int64_t> LastInsertId() { return conn_->LastInsertId(); }
  // Runs after commit, in registration order, on the committing thread.
  void OnCommit(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
  Connection& connection() { return *conn_; }

 private:
  friend class Pool;
  Connection* conn_;
  std::vector<std::function<void()>> hooks_;
};

class Pool {
 public:
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);
  ~Pool();

  // Waits at most acquire_timeout for a free connection, then UNAVAILABLE.
  absl::StatusOr<Lease> Acquire();

  // Runs `fn` in a transaction and commits when it returns OK. Deadlocks,
  // lock-wait timeouts and a connection lost before COMMIT are retried with
  // a fresh start (fn must be safe to run again); past max_attempts the
  // result is ABORTED. A connection lost during COMMIT is UNAVAILABLE with
  // reason COMMIT_OUTCOME_UNKNOWN, never retried here.
  absl::Status Transact(const std::function<absl::Status(Transaction&)>& fn);

  template <typename T>
  absl::StatusOr<T> Transact(const std::function<absl::StatusOr<T>(Transaction&)>& fn) {
    std::optional<T> out;
    absl::Status st = Transact([&](Transaction& tx) -> absl::Status {
      auto r = fn(tx);
      if (!r.ok()) return r.status();
      out = std::move(r).value();
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    return std::move(*out);
  }

  PoolStats Stats() const;
  const PoolOptions& options() const { return options_; }

 private:
  friend class Lease;
  explicit Pool(PoolOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::unique_ptr<Connection>> Open();
  void Release(std::unique_ptr<Connection> conn);

  PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
  int in_use_ = 0;
  int64_t waits_ = 0;
  int64_t wait_micros_ = 0;
  int64_t replaced_ = 0;
};

// Quotes nothing: identifiers in SQL text are constants of our own code. This
// checks a schema or user name from configuration before it is spliced into
// DDL that cannot take placeholders (CREATE DATABASE, GRANT).
bool IsSafeIdentifier(absl::string_view name);

}  // namespace sales::db
