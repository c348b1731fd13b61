#include "platform/channel.h"

#include "absl/strings/str_cat.h"

namespace sales {

absl::StatusOr<ChannelSettings> ChannelSettingsFromConfig(const Config& config) {
  ChannelSettings s;
  s.load_balancing = config.GetString("load_balancing", s.load_balancing);
  if (s.load_balancing != "round_robin" && s.load_balancing != "pick_first") {
    return absl::InvalidArgumentError(
        absl::StrCat("config load_balancing=", s.load_balancing, " must be round_robin or pick_first"));
  }
  return s;
}

grpc::ChannelArguments ClientChannelArguments(const ChannelSettings& settings) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName(settings.load_balancing);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Keep pinging an idle connection (the default stops after two pings
  // without data, and a connection to a vanished pod would then linger).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A replaced pod is dialled again within 2 s, not after gRPC's 120 s cap.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetMaxReceiveMessageSize(settings.max_message_bytes);
  args.SetMaxSendMessageSize(settings.max_message_bytes);
  return args;
}

std::shared_ptr<grpc::Channel> CreateBalancedChannel(
    const std::string& target, const ChannelSettings& settings,
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors) {
  grpc::ChannelArguments args = ClientChannelArguments(settings);
  if (interceptors.empty()) return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, grpc::InsecureChannelCredentials(), args,
                                                                 std::move(interceptors));
}

}  // namespace sales
