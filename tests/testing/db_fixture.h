// One MariaDB server per test binary, one fresh database per test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/mariadb.h"

namespace sales::testing {

inline TestMariaDb*& SharedMariaDbHolder() {
  static TestMariaDb* holder = nullptr;
  return holder;
}

// The binary's server; started on first use, stopped at exit.
inline TestMariaDb& SharedMariaDb() {
  static TestMariaDb* server = [] {
    auto s = TestMariaDb::Start();
    if (!s.ok()) {
      std::fprintf(stderr, "cannot start test MariaDB: %s\n", s.status().ToString().c_str());
      std::abort();
    }
    TestMariaDb* raw = s->release();
    // Destroyed at exit so the data directory is removed.
    std::atexit([] { delete SharedMariaDbHolder(); });
    SharedMariaDbHolder() = raw;
    return raw;
  }();
  return *server;
}

// A fresh database and its own user, named after the running test.
inline db::PoolOptions FreshDatabase(const std::string& prefix = "t") {
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat(prefix, "_", ++counter);
  auto opts = SharedMariaDb().CreateDatabase(name);
  if (!opts.ok()) {
    ADD_FAILURE() << opts.status();
    return {};
  }
  return *opts;
}

}  // namespace sales::testing
