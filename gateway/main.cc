// gateway: the one entry point for clients. Authenticates bearer tokens,
// applies the method policy and rate limits, and forwards every method of
// the four services to the service that owns it (see gateway.h).
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "gateway/gateway.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  // Debian's Abseil checks every mutex acquisition (gRPC's included) for
  // lock-order cycles, recording stack traces: a fifth of the proxy's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sales::BlockTerminationSignals();
  sales::SetLogService("gateway");
  auto config = sales::Config::FromArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  auto options = sales::gateway::GatewayOptions::FromConfig(*config);
  sales::LogInfo("effective config", {{"config", config->EffectiveConfigJson()}});
  if (!options.ok()) {
    sales::LogError("bad configuration", {{"error", options.status().ToString()}});
    return 2;
  }
  sales::gateway::Gateway gateway(std::move(*options));
  auto st = gateway.Start();
  if (!st.ok()) {
    sales::LogError("cannot start", {{"error", st.ToString()}});
    return 1;
  }
  int sig = sales::WaitForTerminationSignal();
  sales::LogInfo("signal received; draining", {{"signal", sig}});
  gateway.Shutdown();
  return 0;
}
