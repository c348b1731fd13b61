// gateway: the one entry point for internal clients. In this first cut it
// serves health and reflection; routing, authentication and authorization
// arrive with the gateway issue.
#include "absl/strings/str_cat.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  sales::BlockTerminationSignals();
  sales::SetLogService("gateway");
  auto config = sales::Config::FromArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  sales::ServerOptions options;
  options.listen_address = config->GetString("listen", "127.0.0.1:50060");
  sales::ServerHost host(options);
  auto st = host.Start();
  sales::LogInfo("effective config", {{"config", config->EffectiveConfigJson()}});
  if (!st.ok()) {
    sales::LogError("cannot start", {{"error", st.ToString()}});
    return 1;
  }
  int sig = sales::WaitForTerminationSignal();
  sales::LogInfo("signal received; draining", {{"signal", sig}});
  host.Shutdown();
  return 0;
}
