#include "tests/testing/mariadb.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::testing {
namespace {

std::string Find(const char* a, const char* b) {
  if (access(a, X_OK) == 0) return a;
  return b;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestMariaDb>> TestMariaDb::Start() {
  std::unique_ptr<TestMariaDb> db(new TestMariaDb());
  db->dir_ = MakeTempDir("sales-test-mariadb");
  if (db->dir_.empty()) return absl::InternalError("cannot create temp dir");
  db->port_ = FreeLoopbackPort();
  // A private tmpdir: concurrent bootstraps sharing /tmp trip over each
  // other's temporary tables.
  std::filesystem::create_directories(db->dir_ + "/tmp");
  {
    std::ofstream cnf(db->dir_ + "/my.cnf");
    cnf << "[mysqld]\ntmpdir=" << db->dir_ << "/tmp\n";
  }
  std::string install =
      absl::StrCat(Find("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"), " --defaults-file=", db->dir_,
                   "/my.cnf --datadir=", db->dir_, "/data --auth-root-authentication-method=normal", " --skip-test-db",
                   geteuid() == 0 ? " --user=root" : "", " > ", db->dir_, "/install.log 2>&1");
  if (std::system(install.c_str()) != 0) {
    std::ifstream in(db->dir_ + "/install.log");
    std::stringstream log;
    log << in.rdbuf();
    return absl::InternalError(absl::StrCat("mariadb-install-db failed:\n", log.str()));
  }
  SALES_RETURN_IF_ERROR(db->Launch());
  return db;
}

absl::Status TestMariaDb::Launch() {
  std::vector<std::string> argv = {Find("/usr/sbin/mariadbd", "/usr/sbin/mysqld"),
                                   absl::StrCat("--defaults-file=", dir_, "/my.cnf"),
                                   absl::StrCat("--datadir=", dir_, "/data"),
                                   absl::StrCat("--socket=", dir_, "/mysqld.sock"),
                                   absl::StrCat("--port=", port_),
                                   "--bind-address=127.0.0.1",
                                   absl::StrCat("--pid-file=", dir_, "/mysqld.pid"),
                                   "--skip-name-resolve",
                                   "--innodb-buffer-pool-size=128M",
                                   "--max-connections=500",
                                   "--skip-log-bin"};
  if (geteuid() == 0) argv.push_back("--user=root");
  SALES_RETURN_IF_ERROR(server_.Start(argv, absl::StrCat(dir_, "/mysqld.log")));
  return WaitReady();
}

absl::Status TestMariaDb::WaitReady() {
  root_.reset();
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    if (!server_.running()) {
      return absl::InternalError(absl::StrCat("mariadbd exited; see ", dir_, "/mysqld.log"));
    }
    auto pool = db::Pool::Create(RootOptions());
    if (pool.ok()) {
      auto lease = (*pool)->Acquire();
      if (lease.ok()) {
        root_ = std::move(pool).value();
        return absl::OkStatus();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError("mariadbd did not become ready in 60s");
}

TestMariaDb::~TestMariaDb() {
  root_.reset();
  server_.Stop(absl::Seconds(20));
  if (std::getenv("SALES_KEEP_TEST_DB") == nullptr) RemoveTree(dir_);
}

db::PoolOptions TestMariaDb::RootOptions() const {
  db::PoolOptions o;
  o.unix_socket = absl::StrCat(dir_, "/mysqld.sock");
  o.user = "root";
  o.max_connections = 4;
  return o;
}

absl::Status TestMariaDb::RootExec(const std::string& sql) {
  if (!root_) return absl::FailedPreconditionError("server is stopped");
  SALES_ASSIGN_OR_RETURN(db::Lease lease, root_->Acquire());
  SALES_RETURN_IF_ERROR(lease->Exec(sql).status());
  return lease->Commit();
}

absl::StatusOr<db::PoolOptions> TestMariaDb::CreateDatabase(const std::string& name) {
  if (!db::IsSafeIdentifier(name)) return absl::InvalidArgumentError("bad database name");
  std::string password = absl::StrCat(name, "_pw");
  SALES_RETURN_IF_ERROR(
      RootExec(absl::StrCat("CREATE DATABASE `", name, "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")));
  SALES_RETURN_IF_ERROR(RootExec(absl::StrCat("CREATE USER '", name, "'@'127.0.0.1' IDENTIFIED BY '", password, "'")));
  SALES_RETURN_IF_ERROR(RootExec(absl::StrCat("GRANT ALL PRIVILEGES ON `", name, "`.* TO '", name, "'@'127.0.0.1'")));
  db::PoolOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.user = name;
  o.password = password;
  o.database = name;
  return o;
}

absl::Status TestMariaDb::Stop(bool crash) {
  root_.reset();
  if (crash) {
    server_.Signal(SIGKILL);
    SALES_RETURN_IF_ERROR(server_.Wait(absl::Seconds(20)).status());
  } else {
    server_.Stop(absl::Seconds(30));
  }
  return absl::OkStatus();
}

absl::Status TestMariaDb::Resume() { return Launch(); }

}  // namespace sales::testing
