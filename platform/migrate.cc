#include "platform/migrate.h"

#include <map>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {
namespace {

constexpr char kDomain[] = "migrations.sales";

struct Parsed {
  int version;
  std::string description;
  const MigrationFile* file;
};

absl::StatusOr<std::vector<Parsed>> ParseSet(const MigrationSet& set) {
  static const std::regex kName(R"(^V(\d{3,})__([A-Za-z0-9_]+)\.sql$)");
  std::vector<Parsed> out;
  for (const auto& f : set.files) {
    std::smatch m;
    if (!std::regex_match(f.name, m, kName)) {
      return absl::InvalidArgumentError(absl::StrCat("migration file '", f.name, "' is not named V<nnn>__<what>.sql"));
    }
    int v = 0;
    (void)absl::SimpleAtoi(m[1].str(), &v);
    if (!out.empty() && v <= out.back().version) {
      return absl::InvalidArgumentError(absl::StrCat("migration ", f.name, " is out of order or repeats a version"));
    }
    out.push_back({v, m[2].str(), &f});
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitSqlStatements(const std::string& script) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    char next = i + 1 < script.size() ? script[i + 1] : '\0';
    if (quote) {
      cur.push_back(c);
      if (c == '\\' && quote != '`' && next) {
        cur.push_back(next);
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '-' && next == '-') {
      while (i < script.size() && script[i] != '\n') ++i;
      cur.push_back('\n');
      continue;
    }
    if (c == '#') {
      while (i < script.size() && script[i] != '\n') ++i;
      cur.push_back('\n');
      continue;
    }
    if (c == '/' && next == '*') {
      i += 2;
      while (i + 1 < script.size() && !(script[i] == '*' && script[i + 1] == '/')) ++i;
      ++i;
      cur.push_back(' ');
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') quote = c;
    if (c == ';') {
      std::string s(absl::StripAsciiWhitespace(cur));
      if (!s.empty()) out.push_back(s);
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  std::string s(absl::StripAsciiWhitespace(cur));
  if (!s.empty()) out.push_back(s);
  return out;
}

MigrationSet PlatformMigrations() {
  MigrationSet set{"platform", {}};
  set.files.push_back({"V001__outbox_idempotency_consumers.sql", R"SQL(
-- Transactional outbox, shaped like Debezium's outbox event router expects
-- (id, aggregatetype, aggregateid, type, payload), plus the feed position the
-- sequencer assigns once the row is visible (committed).
CREATE TABLE outbox (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  aggregatetype VARCHAR(64)  NOT NULL,
  aggregateid   VARCHAR(64)  NOT NULL,
  type          VARCHAR(128) NOT NULL,
  payload_type  VARCHAR(255) NOT NULL,
  payload       LONGBLOB     NOT NULL,
  request_id    VARCHAR(64)  NOT NULL DEFAULT '',
  created_at    DATETIME(6)  NOT NULL,
  position      BIGINT NULL,
  UNIQUE KEY uk_outbox_position (position)
) ENGINE=InnoDB;

CREATE TABLE outbox_sequencer (
  id            TINYINT NOT NULL PRIMARY KEY,
  last_position BIGINT  NOT NULL
) ENGINE=InnoDB;
INSERT INTO outbox_sequencer (id, last_position) VALUES (1, 0);

-- One row per mutating request_id: the request's hash and the response,
-- written in the same transaction as the change.
CREATE TABLE idempotency_keys (
  request_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
  method       VARCHAR(160) NOT NULL,
  request_hash CHAR(64)     NOT NULL,
  response     LONGBLOB     NULL,
  created_at   DATETIME(6)  NOT NULL,
  KEY ix_idempotency_created (created_at)
) ENGINE=InnoDB;

-- Where each consumer of another service's feed has got to, and which
-- events it has applied (the effect, the cursor and this row commit together).
CREATE TABLE consumer_cursors (
  consumer  VARCHAR(64) NOT NULL PRIMARY KEY,
  position  BIGINT      NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE processed_events (
  consumer   VARCHAR(64)  NOT NULL,
  event_id   VARCHAR(96)  NOT NULL,
  position   BIGINT       NOT NULL,
  applied_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB;
)SQL"});
  set.files.push_back({"V002__dead_letters.sql", R"SQL(
-- Events a consumer could not apply because they can never apply (a payload
-- it cannot read, a rule the event breaks): kept for an operator, skipped
-- so that the events behind them still flow.
CREATE TABLE dead_letters (
  id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  consumer   VARCHAR(64)   NOT NULL,
  event_id   VARCHAR(96)   NOT NULL,
  position   BIGINT        NOT NULL,
  event_type VARCHAR(128)  NOT NULL,
  error      VARCHAR(2000) NOT NULL,
  event      LONGBLOB      NOT NULL,
  created_at DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_dead_letters (consumer, event_id)
) ENGINE=InnoDB;
)SQL"});
  set.files.push_back({"V003__idempotency_per_caller.sql", R"SQL(
-- A request id belongs to its caller: the key is (caller, method, request
-- id), as AIP-155 and Stripe scope theirs. Keyed by request id alone, a rep
-- who sent the CronJob's "sweep-lapse-<day>" first made the sweep fail, and
-- a caller repeating another's id and body got that caller's stored answer.
-- Rows written before this have caller '' (see RunIdempotentRaw).
ALTER TABLE idempotency_keys
  ADD COLUMN caller VARCHAR(256) NOT NULL DEFAULT '' FIRST,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (caller, method, request_id);
)SQL"});
  set.files.push_back({"V004__feed_leases.sql", R"SQL(
-- One active consumer per feed (platform/feed_lease.h): the replica holding
-- a live lease streams and applies; the token grows with every taking and
-- is stored with the cursor by each apply, so an older holder cannot apply.
CREATE TABLE consumer_leases (
  consumer    VARCHAR(64)  NOT NULL PRIMARY KEY,
  holder      VARCHAR(300) NOT NULL,
  token       BIGINT       NOT NULL,
  expires_at  DATETIME(6)  NOT NULL,
  acquired_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB;
ALTER TABLE consumer_cursors ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
-- The order events were applied in (one holder applies one at a time, so
-- this follows feed position; operators and tests can check that it does).
ALTER TABLE processed_events
  ADD COLUMN applied_seq BIGINT NOT NULL AUTO_INCREMENT,
  ADD UNIQUE KEY uk_processed_events_applied_seq (applied_seq);
)SQL"});
  set.files.push_back({"V005__feed_retention.sql", R"SQL(
-- Housekeeping prunes each consumer's processed events oldest first, by
-- position (EventConsumer::PruneProcessed): a short range delete instead of
-- a scan of the consumer's whole history.
ALTER TABLE processed_events ADD KEY ix_processed_events_position (consumer, position);
)SQL"});
  return set;
}

absl::Status Migrate(db::Pool& pool, const std::vector<MigrationSet>& sets, absl::Duration lock_timeout) {
  std::vector<std::pair<const MigrationSet*, std::vector<Parsed>>> parsed;
  for (const auto& set : sets) {
    auto p = ParseSet(set);
    if (!p.ok()) return p.status();
    parsed.emplace_back(&set, std::move(p).value());
  }
  SALES_ASSIGN_OR_RETURN(db::Lease lease, pool.Acquire());
  db::Connection& conn = *lease;
  const std::string lock_name = absl::StrCat("sales_migrate:", pool.options().database);
  SALES_ASSIGN_OR_RETURN(auto got,
                         conn.Query("SELECT GET_LOCK(?, ?)", {lock_name, absl::ToInt64Seconds(lock_timeout)}));
  if (got.empty() || got[0].Int(0) != 1) {
    return WithErrorInfo(absl::UnavailableError("another replica is migrating; timed out waiting"),
                         "MIGRATION_LOCK_TIMEOUT", kDomain);
  }
  struct Unlock {
    db::Connection& c;
    std::string name;
    ~Unlock() {
      (void)c.Query("SELECT RELEASE_LOCK(?)", {name});
      (void)c.Commit();
    }
  } unlock{conn, lock_name};

  SALES_RETURN_IF_ERROR(conn.Exec(R"SQL(
CREATE TABLE IF NOT EXISTS schema_history (
  scope       VARCHAR(32)  NOT NULL,
  version     INT          NOT NULL,
  description VARCHAR(200) NOT NULL,
  checksum    CHAR(64)     NOT NULL,
  success     TINYINT      NOT NULL,
  applied_at  DATETIME(6)  NOT NULL,
  PRIMARY KEY (scope, version)
) ENGINE=InnoDB)SQL")
                            .status());
  SALES_RETURN_IF_ERROR(conn.Commit());

  for (auto& [set, files] : parsed) {
    SALES_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT version, checksum, success, description FROM schema_history "
                                                 "WHERE scope = ? ORDER BY version",
                                                 {set->scope}));
    SALES_RETURN_IF_ERROR(conn.Commit());
    std::map<int, const db::Row*> applied;
    for (const auto& r : rows) applied[static_cast<int>(r.Int(0))] = &r;
    for (const auto& [version, row] : applied) {
      if (row->Int(2) == 0) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                 "migration ", set->scope, "/V", version, "__", row->Str(3),
                                 " failed half-way earlier (dirty); repair the schema by hand, then delete its "
                                 "schema_history row")),
                             "MIGRATION_DIRTY", kDomain, {{"version", absl::StrCat(version)}});
      }
      const Parsed* match = nullptr;
      for (const auto& p : files) {
        if (p.version == version) match = &p;
      }
      if (match == nullptr) {
        return WithErrorInfo(
            absl::FailedPreconditionError(absl::StrCat("applied migration ", set->scope, "/V", version,
                                                       " is missing from this build; refusing to start")),
            "MIGRATION_MISSING", kDomain);
      }
      if (Sha256Hex(match->file->sql) != row->Str(1)) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                 "applied migration ", set->scope, "/", match->file->name,
                                 " was edited after it ran (checksum differs); add a new migration instead")),
                             "MIGRATION_EDITED", kDomain, {{"file", match->file->name}});
      }
    }
    for (const auto& p : files) {
      if (applied.count(p.version)) continue;
      LogInfo("applying migration", {{"scope", set->scope}, {"file", p.file->name}});
      SALES_RETURN_IF_ERROR(
          conn.Exec("INSERT INTO schema_history (scope, version, description, checksum, success, "
                    "applied_at) VALUES (?, ?, ?, ?, 0, UTC_TIMESTAMP(6))",
                    {set->scope, static_cast<int64_t>(p.version), p.description, Sha256Hex(p.file->sql)})
              .status());
      SALES_RETURN_IF_ERROR(conn.Commit());
      for (const auto& stmt : SplitSqlStatements(p.file->sql)) {
        auto st = conn.Exec(stmt);
        if (!st.ok()) {
          LogError("migration failed; schema left dirty",
                   {{"file", p.file->name}, {"error", std::string(st.status().message())}});
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("migration ", set->scope, "/", p.file->name,
                                                                          " failed: ", st.status().message())),
                               "MIGRATION_FAILED", kDomain, {{"file", p.file->name}});
        }
      }
      SALES_RETURN_IF_ERROR(conn.Exec("UPDATE schema_history SET success = 1 WHERE scope = ? AND version = ?",
                                      {set->scope, static_cast<int64_t>(p.version)})
                                .status());
      SALES_RETURN_IF_ERROR(conn.Commit());
    }
  }
  return absl::OkStatus();
}

}  // namespace sales
