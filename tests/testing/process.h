// Child processes for tests: real servers started from their binaries.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sales::testing {

// A free TCP port on 127.0.0.1 (bound then released).
int FreeLoopbackPort();

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Starts argv[0] with argv; stdout and stderr go to `log_path`.
  absl::Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  // Sends `sig`.
  void Signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), or
  // DEADLINE_EXCEEDED.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL.
  void Stop(absl::Duration grace = absl::Seconds(10));
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// Directory of the running test binary (to find sibling binaries).
std::string BuildDir();
// A fresh temporary directory, removed by RemoveTree.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);

}  // namespace sales::testing
