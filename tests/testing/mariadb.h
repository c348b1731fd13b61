// A throwaway MariaDB server for one test binary: its own temporary data
// directory, socket and loopback port, removed when the object dies.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "platform/mysql.h"
#include "tests/testing/process.h"

namespace sales::testing {

class TestMariaDb {
 public:
  static absl::StatusOr<std::unique_ptr<TestMariaDb>> Start();
  ~TestMariaDb();

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Root over the socket (no database selected).
  db::PoolOptions RootOptions() const;
  // Creates a database and a user with rights on that database only, the
  // way the up-command does for each service; returns options to reach it.
  absl::StatusOr<db::PoolOptions> CreateDatabase(const std::string& name);
  // Runs one statement as root.
  absl::Status RootExec(const std::string& sql);

  // Stops the server (SIGTERM; SIGKILL when `crash`) and starts it again on
  // the same port and data; Stop/Resume are the two halves.
  absl::Status Stop(bool crash = false);
  absl::Status Resume();

 private:
  TestMariaDb() = default;
  absl::Status Launch();
  absl::Status WaitReady();

  std::string dir_;
  int port_ = 0;
  ChildProcess server_;
  std::unique_ptr<db::Pool> root_;
};

}  // namespace sales::testing
