// Server bootstrap shared by the four services and the gateway: health,
// reflection, keepalive, a bounded handler pool, and SIGTERM → NOT_SERVING →
// drain in-flight calls until a deadline → exit.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sales {

class Config;

struct ServerOptions {
  std::string listen_address = "127.0.0.1:0";
  // Upper bound on threads serving calls (sync API; MySQL calls block).
  int max_threads = 32;
  absl::Duration drain_deadline = absl::Seconds(10);
  int max_message_bytes = 4 * 1024 * 1024;
  // A connection is closed (GOAWAY) after this long, plus up to 10% jitter
  // gRPC adds, so clients resolve their target again and spread onto pods
  // that started since; calls still open then get `grace` to finish — as
  // long as the longest unary call the gateway allows (a sweep, 10 min), so
  // an aged connection never cuts one. New calls go to a new connection at
  // once; on SIGTERM drain_deadline applies whatever a connection's age.
  absl::Duration max_connection_age = absl::Seconds(60);
  absl::Duration max_connection_age_grace = absl::Minutes(10);
};

// Reads "max_connection_age" and "max_connection_age_grace" into `options`.
absl::Status ConnectionAgeFromConfig(const Config& config, ServerOptions* options);

// The keepalive and connection-age arguments every server here sets (the
// services through ServerHost, the gateway directly).
void ApplyServerConnectionArguments(grpc::ServerBuilder& builder, const ServerOptions& options);

class ServerHost {
 public:
  explicit ServerHost(ServerOptions options);
  ~ServerHost();

  // Registers a service and the name its health status is reported under.
  void AddService(grpc::Service* service, std::string health_name);
  void AddCallbackGenericService(grpc::CallbackGenericService* service);
  // Runs before the server stops accepting (e.g. wake long-lived streams).
  void OnDrain(std::function<void()> hook);
  // Sees every call (e.g. metrics); add before Start.
  void AddInterceptorFactory(std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory);

  absl::Status Start();
  int port() const { return port_; }

  // Health NOT_SERVING, drain hooks, then Shutdown with the drain deadline:
  // in-flight calls finish, calls still running at the deadline are cancelled.
  void Shutdown();
  grpc::Server* server() { return server_.get(); }

 private:
  ServerOptions options_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::vector<grpc::CallbackGenericService*> generic_;
  std::vector<std::function<void()>> drain_hooks_;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Blocks SIGTERM/SIGINT in this and every later thread; call first in main.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT (after BlockTerminationSignals); returns it.
int WaitForTerminationSignal();

}  // namespace sales
