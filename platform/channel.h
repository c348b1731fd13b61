// How one process dials another. Every outgoing channel (service → peer,
// gateway → service, salesctl → gateway) spreads its calls over every
// address its target resolves to: on Kubernetes the target is
// dns:///<service>-headless:<port>, which resolves to one address per ready
// pod, and round_robin keeps a connection to each. With the default
// pick_first every call would ride one connection to one pod, and pods an
// autoscaler adds would get nothing until something reconnected. Servers
// end connections after max_connection_age (ServerOptions) so that clients
// resolve again and find new pods.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/config.h"

namespace sales {

struct ChannelSettings {
  // "round_robin" (every address) or "pick_first" (one address at a time).
  std::string load_balancing = "round_robin";
  int max_message_bytes = 4 * 1024 * 1024;
};

// Reads "load_balancing" (round_robin | pick_first).
absl::StatusOr<ChannelSettings> ChannelSettingsFromConfig(const Config& config);

// The arguments every outgoing channel carries: the balancing policy,
// keepalive pings every 30 s that every server here permits (servers accept
// pings 10 s apart, also without calls), a quick reconnect after a pod
// restarts, and the message size bound.
grpc::ChannelArguments ClientChannelArguments(const ChannelSettings& settings);

// A plaintext channel to `target` ("dns:///orders-headless:50063",
// "ipv4:127.0.0.1:1,127.0.0.1:2", "127.0.0.1:50063") with those arguments.
std::shared_ptr<grpc::Channel> CreateBalancedChannel(
    const std::string& target, const ChannelSettings& settings,
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors = {});

}  // namespace sales
