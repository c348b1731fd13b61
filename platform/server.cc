#include "platform/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <csignal>

#include "absl/strings/str_cat.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/request_shape.h"
#include "platform/status.h"

namespace sales {

ServerHost::ServerHost(ServerOptions options) : options_(std::move(options)) {}

ServerHost::~ServerHost() { Shutdown(); }

void ServerHost::AddService(grpc::Service* service, std::string health_name) {
  services_.emplace_back(service, std::move(health_name));
}

void ServerHost::AddCallbackGenericService(grpc::CallbackGenericService* service) { generic_.push_back(service); }

void ServerHost::OnDrain(std::function<void()> hook) { drain_hooks_.push_back(std::move(hook)); }

void ServerHost::AddInterceptorFactory(std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory) {
  interceptors_.push_back(std::move(factory));
}

absl::Status ServerHost::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, grpc::InsecureServerCredentials(), &port_);
  grpc::ResourceQuota quota("sales-server");
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);
  // Idle sync pollers wake this often; it bounds how long Shutdown waits
  // for them once the last call has finished.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 200);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  ApplyServerConnectionArguments(builder, options_);
  for (auto& [svc, name] : services_) builder.RegisterService(svc);
  for (auto* g : generic_) builder.RegisterCallbackGenericService(g);
  // First, so that every other interceptor (metrics) sees its answer.
  std::vector<std::string> typed;
  for (auto& [svc, name] : services_) typed.push_back(name);
  interceptors_.insert(interceptors_.begin(), NewRequestShapeInterceptorFactory(std::move(typed)));
  if (!interceptors_.empty()) builder.experimental().SetInterceptorCreators(std::move(interceptors_));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen_address));
  }
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (auto& [svc, name] : services_) health->SetServingStatus(name, true);
  LogInfo("serving", {{"address", options_.listen_address}, {"port", port_}});
  return absl::OkStatus();
}

void ServerHost::Shutdown() {
  if (server_ == nullptr || shut_down_) return;
  shut_down_ = true;
  auto* health = server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(false);
    for (auto& [svc, name] : services_) health->SetServingStatus(name, false);
  }
  LogInfo("draining", {{"deadline_ms", absl::ToDoubleMilliseconds(options_.drain_deadline)}});
  for (auto& hook : drain_hooks_) hook();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_deadline));
  server_->Wait();
  LogInfo("stopped");
}

absl::Status ConnectionAgeFromConfig(const Config& config, ServerOptions* options) {
  SALES_ASSIGN_OR_RETURN(options->max_connection_age,
                         config.GetDuration("max_connection_age", options->max_connection_age));
  SALES_ASSIGN_OR_RETURN(options->max_connection_age_grace,
                         config.GetDuration("max_connection_age_grace", options->max_connection_age_grace));
  if (options->max_connection_age < absl::Seconds(1) || options->max_connection_age > absl::Hours(24)) {
    return absl::InvalidArgumentError("config max_connection_age must be between 1s and 24h");
  }
  if (options->max_connection_age_grace < absl::ZeroDuration() || options->max_connection_age_grace > absl::Hours(1)) {
    return absl::InvalidArgumentError("config max_connection_age_grace must be between 0s and 1h");
  }
  return absl::OkStatus();
}

void ApplyServerConnectionArguments(grpc::ServerBuilder& builder, const ServerOptions& options) {
  // Clients (platform/channel.cc) ping every 30 s, also when idle; accept
  // pings 10 s apart so no client is sent away for pinging too often.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(options.max_connection_age)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(options.max_connection_age_grace)));
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace sales
