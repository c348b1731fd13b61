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
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

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

// The column labels of one result set, shared by its rows. A label that
// appears twice (two joined tables' `id`) is ambiguous and cannot be read by
// name: the statement must alias one of them.
class Columns {
 public:
  explicit Columns(std::vector<std::string> labels);
  // 0-based index of `label`. Asking for a label the statement does not
  // select, or selects twice, is a programming error in the store that
  // names it; it throws std::out_of_range naming the label (like Row's
  // index access does for a bad index), which the first test that runs the
  // statement reports.
  size_t IndexOf(absl::string_view label) const;
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::unordered_map<std::string, size_t> index_;  // ambiguous labels map to npos
};

// One materialised result row. Stores read columns by the label the
// statement gives them (`r.Int("credit_limit")`), so adding a column to a
// SELECT never renumbers the mapping; index access remains for rows built
// by hand and for statements whose shape is positional by nature.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells, std::shared_ptr<const Columns> columns = nullptr)
      : cells_(std::move(cells)), columns_(std::move(columns)) {}
  bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
  bool IsNull(absl::string_view label) const { return IsNull(IndexOf(label)); }
  // 0 for NULL.
  int64_t Int(size_t i) const;
  int64_t Int(absl::string_view label) const { return Int(IndexOf(label)); }
  // "" for NULL.
  const std::string& Str(size_t i) const;
  const std::string& Str(absl::string_view label) const { return Str(IndexOf(label)); }
  size_t size() const { return cells_.size(); }

 private:
  size_t IndexOf(absl::string_view label) const;

  std::vector<std::optional<std::string>> cells_;
  std::shared_ptr<const Columns> columns_;
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
  // Prepared statements kept open per connection, least recently used
  // closed first. The server holds every open statement (and refuses new
  // ones past max_prepared_stmt_count for the whole instance), so this
  // bounds what one process can hold there: max_connections × this.
  int statement_cache_size = 256;
};

struct PoolStats {
  int open = 0;
  int in_use = 0;
  int64_t waits = 0;
  int64_t wait_micros = 0;
  int64_t replaced = 0;
};

class Pool;

// A live session to the server. Keeps the most recently used prepared
// statements by SQL text (at most PoolOptions::statement_cache_size).
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

  // Prepared statements open on this session right now.
  size_t cached_statements() const { return statement_index_.size(); }
  // Statements this session prepared, and closed to make room, so far.
  int64_t statements_prepared() const { return statements_prepared_; }
  int64_t statements_evicted() const { return statements_evicted_; }

 private:
  // COMMIT / ROLLBACK as a statement whose failure is seen (see mysql.cc).
  absl::Status Control(const char* statement);
  friend class Pool;
  Connection(std::unique_ptr<sql::Connection> conn, size_t statement_cache_size);
  struct CachedStatement {
    std::string sql;
    std::unique_ptr<sql::PreparedStatement> statement;
  };
  using StatementList = std::list<CachedStatement>;
  // The cached statement for `sql`, now the most recently used; prepares it
  // (closing the least recently used one when full) on a miss. Throws what
  // the driver throws.
  sql::PreparedStatement* Statement(absl::string_view sql);
  void DropStatement(absl::string_view sql);
  static void CloseStatement(CachedStatement& entry);
  absl::Status MapError(int code, const std::string& state, const std::string& what, absl::string_view sql);
  template <typename Fn>
  auto Run(absl::string_view sql, const Params& params, Fn&& fn)
      -> absl::StatusOr<std::invoke_result_t<Fn, sql::PreparedStatement*>>;

  std::unique_ptr<sql::Connection> conn_;
  // Most recently used first. The index's keys view the list nodes' own
  // strings (list nodes never move), so a hit allocates nothing.
  StatementList statements_;
  std::unordered_map<std::string_view, StatementList::iterator> statement_index_;
  size_t statement_cache_size_;
  int64_t statements_prepared_ = 0;
  int64_t statements_evicted_ = 0;
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
  absl::StatusOr<int64_t> Exec(absl::string_view sql, const Params& params = {}) { return conn_->Exec(sql, params); }
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

// ------------------------------------------------------------ list filters
//
// Statement text must not follow request input, or every distinct page size
// or list length becomes one more prepared statement on every connection of
// every replica. LIMIT/OFFSET are always "?" parameters; "IN (...)" lists go
// through InList, whose text takes only a handful of shapes.

// The most values a repeated request field may carry into one list filter.
inline constexpr size_t kMaxListFilterValues = 500;

// OK, or INVALID_ARGUMENT naming `field` when a repeated request field has
// more than `cap` values (checked before any SQL is built from it).
absl::Status CheckListFilterSize(absl::string_view field, size_t count, size_t cap = kMaxListFilterValues);

// The inside of "IN (...)" and its parameters.
struct InListSql {
  std::string marks;  // "?,?,?,?"; "NULL" for no values (matches nothing)
  Params params;
  void AppendTo(Params& out) const { out.insert(out.end(), params.begin(), params.end()); }
};

// Duplicates are dropped and the count is rounded up to the next power of
// two by repeating the last value, so lists of 1..n values share about
// log2(n) statement texts; the rows matched are the same.
InListSql IntInList(std::vector<int64_t> values);
InListSql StringInList(std::vector<std::string> values);

// Any range of integers, enums or strings (std::vector, std::set, protobuf
// repeated fields).
template <typename Range>
InListSql InList(const Range& values) {
  using T = std::decay_t<decltype(*std::begin(values))>;
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    std::vector<int64_t> v;
    v.reserve(static_cast<size_t>(std::distance(std::begin(values), std::end(values))));
    for (const auto& x : values) v.push_back(static_cast<int64_t>(x));
    return IntInList(std::move(v));
  } else {
    std::vector<std::string> v;
    v.reserve(static_cast<size_t>(std::distance(std::begin(values), std::end(values))));
    for (const auto& x : values) v.emplace_back(x);
    return StringInList(std::move(v));
  }
}

// Appends the list's parameters to `params` and returns its marks, for
// building "col IN (" + marks + ")" where the parameters go in text order.
template <typename Range>
std::string AppendInList(const Range& values, Params& params) {
  InListSql in = InList(values);
  in.AppendTo(params);
  return std::move(in.marks);
}

// Quotes nothing: identifiers in SQL text are constants of our own code. This
// checks a schema or user name from configuration before it is spliced into
// DDL that cannot take placeholders (CREATE DATABASE, GRANT).
bool IsSafeIdentifier(absl::string_view name);

}  // namespace sales::db
