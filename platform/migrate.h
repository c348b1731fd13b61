// Versioned schema migrations. Files are named V001__what.sql and embedded
// into the binary at build time, so an image needs no SQL files beside it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "platform/mysql.h"

namespace sales {

struct MigrationFile {
  std::string name;  // e.g. "V001__customers.sql"
  std::string sql;
};

// A named, ordered series of migrations ("platform" objects shared by every
// service: outbox, idempotency, consumer cursors; then the service's own).
struct MigrationSet {
  std::string scope;
  std::vector<MigrationFile> files;
};

// The platform's own tables, applied before a service's files.
MigrationSet PlatformMigrations();

// Applies what is missing, in order, under a named lock so that replicas
// starting together migrate once. Refuses (FAILED_PRECONDITION) when an
// applied file was edited or removed, or a previous run failed half-way
// (the dirty flag), and names the file.
absl::Status Migrate(db::Pool& pool, const std::vector<MigrationSet>& sets,
                     absl::Duration lock_timeout = absl::Seconds(60));

// Splits a SQL script into statements on ';' outside quotes and comments.
std::vector<std::string> SplitSqlStatements(const std::string& script);

}  // namespace sales
