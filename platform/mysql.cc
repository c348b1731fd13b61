#include "platform/mysql.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "platform/log.h"
#include "platform/serving_call.h"
#include "platform/status.h"

namespace sales::db {
namespace {

constexpr char kDomain[] = "db.sales";

sql::mysql::MySQL_Driver* Driver() {
  // The driver is a process-wide singleton inside Connector/C++; creating it
  // is not thread-safe, so it happens exactly once here.
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

// Connector/C++ needs every thread that uses it registered with the client
// library, and unregistered at thread exit to free its per-thread state.
struct ThreadRegistration {
  ThreadRegistration() { Driver()->threadInit(); }
  ~ThreadRegistration() { Driver()->threadEnd(); }
};

void RegisterThisThread() { thread_local ThreadRegistration registration; }

bool IsConnectionError(int code, const std::string& state) {
  switch (code) {
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 1152:  // aborted connection
    case 1927:  // connection was killed (MariaDB)
    case 2002:  // can't connect through socket
    case 2003:  // can't connect to server
    case 2005:  // unknown host
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 2055:  // lost connection at reading initial packet
    case 4031:  // disconnected by the server because of inactivity
      return true;
    default:
      return state.rfind("08", 0) == 0;
  }
}

}  // namespace

Columns::Columns(std::vector<std::string> labels) : labels_(std::move(labels)) {
  index_.reserve(labels_.size());
  for (size_t i = 0; i < labels_.size(); ++i) {
    auto [it, inserted] = index_.emplace(labels_[i], i);
    if (!inserted) it->second = std::string::npos;
  }
}

size_t Columns::IndexOf(absl::string_view label) const {
  auto it = index_.find(std::string(label));
  if (it == index_.end()) {
    throw std::out_of_range(absl::StrCat("result has no column labelled ", label));
  }
  if (it->second == std::string::npos) {
    throw std::out_of_range(absl::StrCat("result has two columns labelled ", label, "; alias one"));
  }
  return it->second;
}

size_t Row::IndexOf(absl::string_view label) const {
  if (!columns_) throw std::out_of_range(absl::StrCat("row has no labels to find ", label));
  return columns_->IndexOf(label);
}

int64_t Row::Int(size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) return 0;
  int64_t v = 0;
  if (!absl::SimpleAtoi(*c, &v)) {
    // DECIMAL sums come back as "123.00"; integral money never has a fraction.
    double d = 0;
    if (absl::SimpleAtod(*c, &d)) v = static_cast<int64_t>(d);
  }
  return v;
}

const std::string& Row::Str(size_t i) const {
  static const std::string* empty = new std::string();
  const auto& c = cells_.at(i);
  return c ? *c : *empty;
}

Connection::Connection(std::unique_ptr<sql::Connection> conn, size_t statement_cache_size)
    : conn_(std::move(conn)), statement_cache_size_(std::max<size_t>(1, statement_cache_size)) {
  statement_index_.reserve(statement_cache_size_);
}

Connection::~Connection() {
  statement_index_.clear();
  for (auto& entry : statements_) CloseStatement(entry);
  statements_.clear();
  try {
    conn_.reset();
  } catch (...) {
  }
}

absl::Status Connection::MapError(int code, const std::string& state, const std::string& what, absl::string_view sql) {
  last_error_retryable_ = false;
  std::map<std::string, std::string> meta = {{"mysql_errno", absl::StrCat(code)}};
  if (code == 1062) {
    return WithErrorInfo(absl::AlreadyExistsError(what), "DUPLICATE_KEY", kDomain, meta);
  }
  if (code == 1213 || code == 1205) {
    last_error_retryable_ = true;
    return WithErrorInfo(absl::AbortedError(what), code == 1213 ? "DEADLOCK" : "LOCK_WAIT_TIMEOUT", kDomain, meta);
  }
  if (IsConnectionError(code, state)) {
    broken_ = true;
    last_error_retryable_ = true;
    return WithErrorInfo(absl::UnavailableError(absl::StrCat("database unavailable: ", what)), "DATABASE_UNAVAILABLE",
                         kDomain, meta);
  }
  LogError("sql error",
           {{"errno", code}, {"sqlstate", state}, {"what", what}, {"sql", std::string(sql.substr(0, 200))}});
  return WithErrorInfo(absl::InternalError(absl::StrCat("database error ", code, ": ", what)), "DATABASE_ERROR",
                       kDomain, meta);
}

void Connection::CloseStatement(CachedStatement& entry) {
  // Closing frees the statement on the server (COM_STMT_CLOSE); a session
  // already gone has nothing left to free, so failures are of no interest.
  try {
    if (entry.statement != nullptr) entry.statement->close();
  } catch (...) {
  }
  try {
    entry.statement.reset();
  } catch (...) {
  }
}

sql::PreparedStatement* Connection::Statement(absl::string_view sql) {
  std::string_view key(sql.data(), sql.size());
  if (auto it = statement_index_.find(key); it != statement_index_.end()) {
    // A hit moves the node to the front; nothing is copied or allocated.
    statements_.splice(statements_.begin(), statements_, it->second);
    return it->second->statement.get();
  }
  if (statement_index_.size() >= statement_cache_size_) {
    CachedStatement& oldest = statements_.back();
    statement_index_.erase(std::string_view(oldest.sql));
    CloseStatement(oldest);
    statements_.pop_back();
    ++statements_evicted_;
  }
  std::string text(sql);
  std::unique_ptr<sql::PreparedStatement> ps(conn_->prepareStatement(text));
  ++statements_prepared_;
  statements_.push_front(CachedStatement{std::move(text), std::move(ps)});
  statement_index_.emplace(std::string_view(statements_.front().sql), statements_.begin());
  return statements_.front().statement.get();
}

void Connection::DropStatement(absl::string_view sql) {
  auto it = statement_index_.find(std::string_view(sql.data(), sql.size()));
  if (it == statement_index_.end()) return;
  StatementList::iterator node = it->second;
  statement_index_.erase(it);
  CloseStatement(*node);
  statements_.erase(node);
}

template <typename Fn>
auto Connection::Run(absl::string_view sql, const Params& params, Fn&& fn)
    -> absl::StatusOr<std::invoke_result_t<Fn, sql::PreparedStatement*>> {
  if (broken_) {
    last_error_retryable_ = true;
    return WithErrorInfo(absl::UnavailableError("database connection lost"), "DATABASE_UNAVAILABLE", kDomain);
  }
  if (ServingCall::Cancelled()) {
    // Nobody waits for the answer: stop here, and the transaction rolls back.
    last_error_retryable_ = false;
    return absl::CancelledError("the caller cancelled the call or its deadline passed; nothing of it is kept");
  }
  RegisterThisThread();
  try {
    sql::PreparedStatement* ps = Statement(sql);
    ps->clearParameters();
    std::vector<std::unique_ptr<std::istringstream>> blobs;
    for (size_t i = 0; i < params.size(); ++i) {
      unsigned idx = static_cast<unsigned>(i + 1);
      const Param& p = params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        ps->setNull(idx, 0);
      } else if (const auto* v = std::get_if<int64_t>(&p)) {
        ps->setInt64(idx, *v);
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        ps->setString(idx, *s);
      } else {
        blobs.push_back(std::make_unique<std::istringstream>(std::get<Bytes>(p).data));
        ps->setBlob(idx, blobs.back().get());
      }
    }
    open_work_ = true;
    return fn(ps);
  } catch (const sql::SQLException& e) {
    // A statement that failed may be unusable (e.g. its table changed);
    // the next use prepares it afresh.
    DropStatement(sql);
    return MapError(e.getErrorCode(), e.getSQLState(), e.what(), sql);
  } catch (const std::exception& e) {
    broken_ = true;
    return WithErrorInfo(absl::InternalError(absl::StrCat("database client error: ", e.what())), "DATABASE_ERROR",
                         kDomain);
  }
}

absl::StatusOr<std::vector<Row>> Connection::Query(absl::string_view sql, const Params& params) {
  return Run(sql, params, [](sql::PreparedStatement* ps) {
    std::unique_ptr<sql::ResultSet> rs(ps->executeQuery());
    std::vector<Row> rows;
    sql::ResultSetMetaData* meta = rs->getMetaData();
    unsigned cols = meta->getColumnCount();
    std::vector<std::string> labels;
    labels.reserve(cols);
    for (unsigned c = 1; c <= cols; ++c) labels.push_back(meta->getColumnLabel(c).asStdString());
    auto columns = std::make_shared<const Columns>(std::move(labels));
    while (rs->next()) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(cols);
      for (unsigned c = 1; c <= cols; ++c) {
        std::string v = rs->getString(c).asStdString();
        if (rs->wasNull()) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(std::move(v));
        }
      }
      rows.emplace_back(std::move(cells), columns);
    }
    return rows;
  });
}

absl::StatusOr<int64_t> Connection::Exec(absl::string_view sql, const Params& params) {
  return Run(sql, params, [](sql::PreparedStatement* ps) { return static_cast<int64_t>(ps->executeUpdate()); });
}

absl::StatusOr<int64_t> Connection::LastInsertId() {
  auto rows = Query("SELECT LAST_INSERT_ID()");
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : (*rows)[0].Int(0);
}

// Connector/C++ 1.1.12's commit() and rollback() ignore the result of the
// statement they send, so a COMMIT whose connection was lost (or that never
// reached the server) was reported as committed, and the call acknowledged
// a write the database rolled back. A plain statement sends the same
// COM_QUERY and throws what went wrong.
absl::Status Connection::Control(const char* statement) {
  RegisterThisThread();
  try {
    std::unique_ptr<sql::Statement> st(conn_->createStatement());
    st->execute(statement);
    open_work_ = false;
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    return MapError(e.getErrorCode(), e.getSQLState(), e.what(), statement);
  } catch (const std::exception& e) {
    broken_ = true;
    return WithErrorInfo(absl::UnavailableError(absl::StrCat("database client error: ", e.what())),
                         "DATABASE_UNAVAILABLE", kDomain);
  }
}

absl::Status Connection::Commit() {
  if (broken_) return absl::UnavailableError("database connection lost");
  return Control("COMMIT");
}

absl::Status Connection::Rollback() {
  if (broken_) return absl::OkStatus();  // the server rolled back when it dropped us
  return Control("ROLLBACK");
}

Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (options.max_connections < 1) return absl::InvalidArgumentError("pool needs >= 1 connection");
  if (options.statement_cache_size < 1) {
    return absl::InvalidArgumentError("statement_cache_size must be at least 1");
  }
  Driver();
  return std::unique_ptr<Pool>(new Pool(std::move(options)));
}

Pool::~Pool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Open() {
  RegisterThisThread();
  try {
    sql::ConnectOptionsMap opts;
    if (!options_.unix_socket.empty()) {
      opts["hostName"] = sql::SQLString("unix://" + options_.unix_socket);
    } else {
      opts["hostName"] = sql::SQLString(options_.host);
      opts["port"] = options_.port;
    }
    opts["userName"] = sql::SQLString(options_.user);
    opts["password"] = sql::SQLString(options_.password);
    if (!options_.database.empty()) opts["schema"] = sql::SQLString(options_.database);
    opts["OPT_CONNECT_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options_.connect_timeout));
    opts["OPT_READ_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options_.read_timeout));
    opts["OPT_WRITE_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(options_.read_timeout));
    opts["OPT_RECONNECT"] = false;
    opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    std::unique_ptr<sql::Connection> raw(Driver()->connect(opts));
    raw->setAutoCommit(false);
    auto conn =
        std::unique_ptr<Connection>(new Connection(std::move(raw), static_cast<size_t>(options_.statement_cache_size)));
    // Session settings every service relies on: UTC timestamps, strict
    // types, READ COMMITTED (locking reads decide; fewer gap-lock deadlocks).
    for (const char* stmt :
         {"SET time_zone = '+00:00'",
          "SET SESSION sql_mode = "
          "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
          "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"}) {
      auto st = conn->Exec(stmt);
      if (!st.ok()) return st.status();
    }
    auto st = conn->Exec("SET SESSION innodb_lock_wait_timeout = ?",
                         {static_cast<int64_t>(options_.lock_wait_timeout_seconds)});
    if (!st.ok()) return st.status();
    auto c = conn->Commit();
    if (!c.ok()) return c;
    return conn;
  } catch (const sql::SQLException& e) {
    return WithErrorInfo(absl::UnavailableError(absl::StrCat("cannot connect to database: ", e.what())),
                         "DATABASE_UNAVAILABLE", kDomain, {{"mysql_errno", absl::StrCat(e.getErrorCode())}});
  }
}

absl::StatusOr<Lease> Pool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::microseconds(absl::ToInt64Microseconds(options_.acquire_timeout));
  bool waited = false;
  auto wait_start = std::chrono::steady_clock::now();
  while (idle_.empty() && open_ >= options_.max_connections) {
    waited = true;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      ++waits_;
      return WithRetryDelay(
          WithErrorInfo(absl::UnavailableError("database pool exhausted; try again"), "POOL_EXHAUSTED", kDomain), 100);
    }
  }
  if (waited) {
    ++waits_;
    wait_micros_ +=
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - wait_start).count();
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.front());
    idle_.pop_front();
    ++in_use_;
    return Lease(this, std::move(conn));
  }
  ++open_;
  ++in_use_;
  lock.unlock();
  auto conn = Open();
  if (!conn.ok()) {
    lock.lock();
    --open_;
    --in_use_;
    cv_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  if (!conn->broken() && conn->open_work_) (void)conn->Rollback();
  conn->clear_error_flags();
  std::lock_guard<std::mutex> lock(mu_);
  --in_use_;
  if (conn->broken()) {
    // Never hand a dead session out again; a fresh one is opened on demand.
    --open_;
    ++replaced_;
    conn.reset();
    // A lost session almost always means the server went away (a restart,
    // a failover): every idle session is dead with it. Handing them out one
    // by one failed a call per two of them after a restart; open afresh.
    replaced_ += static_cast<int64_t>(idle_.size());
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
  } else {
    idle_.push_front(std::move(conn));
  }
  cv_.notify_one();
}

absl::Status Pool::Transact(const std::function<absl::Status(Transaction&)>& fn) {
  absl::Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto lease = Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    Transaction tx(&conn);
    conn.clear_error_flags();
    absl::Status st = fn(tx);
    if (st.ok()) {
      absl::Status c = conn.Commit();
      if (c.ok()) {
        for (auto& hook : tx.hooks_) hook();
        return absl::OkStatus();
      }
      if (conn.broken()) {
        return WithErrorInfo(absl::UnavailableError("database connection lost during commit; the outcome is "
                                                    "unknown, retry with the same request_id"),
                             "COMMIT_OUTCOME_UNKNOWN", kDomain);
      }
      st = c;
    }
    bool retry = conn.last_error_retryable();
    (void)conn.Rollback();
    if (!retry) return st;
    last = st;
    // Connection loss while the server is down is not worth hammering: give
    // up after one fresh attempt so callers see UNAVAILABLE quickly.
    if (conn.broken() && attempt >= 2) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt * attempt));
  }
  if (last.code() == absl::StatusCode::kUnavailable) return last;
  return WithErrorInfo(
      absl::AbortedError(absl::StrCat("transaction kept conflicting with others (", last.message(), "); retry")),
      "TRANSACTION_CONFLICT", kDomain);
}

PoolStats Pool::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return PoolStats{open_, in_use_, waits_, wait_micros_, replaced_};
}

absl::Status CheckListFilterSize(absl::string_view field, size_t count, size_t cap) {
  if (count <= cap) return absl::OkStatus();
  return InvalidField(std::string(field), absl::StrCat("at most ", cap, " values (got ", count, ")"));
}

namespace {

// Rounds the distinct values up to the next power of two by repeating the
// last one: "x IN (a, b, c, c)" matches exactly what "x IN (a, b, c)" does.
template <typename T>
InListSql BucketedInList(std::vector<T> values) {
  InListSql out;
  if (values.empty()) {
    out.marks = "NULL";
    return out;
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  size_t n = 1;
  while (n < values.size()) n <<= 1;
  out.params.reserve(n);
  for (auto& v : values) out.params.emplace_back(std::move(v));
  while (out.params.size() < n) out.params.push_back(out.params.back());
  out.marks.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) out.marks.append(i == 0 ? "?" : ",?");
  return out;
}

}  // namespace

InListSql IntInList(std::vector<int64_t> values) { return BucketedInList(std::move(values)); }

InListSql StringInList(std::vector<std::string> values) { return BucketedInList(std::move(values)); }

bool IsSafeIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace sales::db
