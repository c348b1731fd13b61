// The gateway: one address for every client. It authenticates bearer
// tokens, applies the method policy and per-caller rate limits, and forwards
// each call's raw bytes to the service that owns the method, vouching for
// the caller with the signed principal headers the services verify.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/jwt_verifier.h"
#include "gateway/method_table.h"
#include "gateway/policy.h"
#include "gateway/proxy.h"
#include "gateway/rate_limiter.h"
#include "platform/call.h"
#include "platform/channel.h"
#include "platform/config.h"
#include "platform/metrics.h"
#include "platform/server.h"

namespace sales::gateway {

enum class AccessLog { kNone, kErrors, kAll };

struct GatewayOptions {
  std::string listen = "127.0.0.1:50060";
  // Prometheus endpoint (config metrics_listen; see MetricsListenAddress).
  std::string metrics_listen;
  std::vector<std::string> backend_addresses;  // in DefaultBackends() order
  int channels_per_backend = 4;
  // How backend channels spread calls over a backend's addresses
  // (config load_balancing; platform/channel.h).
  ChannelSettings backend_channels;
  // Client connections end after this (GOAWAY) so clients re-resolve the
  // gateway's replicas (config max_connection_age, _grace; platform/server.h).
  ServerOptions connection_age;
  // Threads (each with its own completion queue) forwarding calls.
  int proxy_threads = 2;
  // Retry UNAVAILABLE for reads and request_id methods (off: never retry).
  bool retry_unavailable = true;
  std::string keys_dir;
  JwtOptions jwt;
  std::string policy_file;
  absl::Duration reload_interval = absl::Seconds(1);
  // Keys that sign the principals sent to the services (config
  // principal_hmac_*; see platform/principal.h). Null: development mode.
  std::shared_ptr<const PrincipalVerifier> principal_keys;
  // Development only: send principals unsigned when there are no keys
  // (config allow_unsigned_principals; Start refuses no keys without it).
  bool allow_unsigned_principals = false;
  RateLimit rate_limit;
  // Signature checks of tokens not yet verified, per client address (the
  // cached tokens of signed-in users are not counted).
  RateLimit token_check_limit{50, 100};
  int max_message_bytes = 4 * 1024 * 1024;
  absl::Duration default_deadline = absl::Seconds(15);
  absl::Duration max_deadline = absl::Seconds(60);
  std::vector<std::pair<std::string, absl::Duration>> method_deadline_caps;
  absl::Duration drain_deadline = absl::Seconds(10);
  AccessLog access_log = AccessLog::kErrors;
  // Client-facing TLS; with a client CA, clients must present a certificate.
  std::string tls_cert_file, tls_key_file, tls_client_ca_file;
  // TLS towards the services; with a cert and key, the gateway presents them.
  std::string backend_ca_file, backend_cert_file, backend_key_file, backend_tls_server_name;
  // Aggregate views: how long each part may take.
  absl::Duration view_part_deadline = absl::Seconds(3);

  static absl::StatusOr<GatewayOptions> FromConfig(const Config& config);
};

class Gateway {
 public:
  explicit Gateway(GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Registers another service (e.g. the aggregate views) before Start.
  void AddService(std::unique_ptr<grpc::Service> service);
  absl::Status Start();
  int port() const { return port_; }
  // Health NOT_SERVING, then in-flight calls get the drain deadline.
  void Shutdown();

  // For the proxy's calls (the parts below are what every call consults).
  const GatewayOptions& options() const { return options_; }
  // Calls counted by method and code (null before Start).
  const Metrics* metrics() const { return metrics_.get(); }
  const MethodTable& methods() const { return *methods_; }
  const JwtVerifier& verifier() const { return *jwt_; }
  std::shared_ptr<const Policy> policy() const { return policy_file_->current(); }
  RateLimiter& limiter() { return *limiter_; }
  RateLimiter& token_check_limiter() { return *token_check_limiter_; }
  const PrincipalVerifier& signer() const { return *options_.principal_keys; }
  // A stub to `backend`, round-robin over its channels.
  grpc::GenericStub* Stub(int backend);

 private:
  void ReloadLoop();

  GatewayOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<MethodTable> methods_;
  std::unique_ptr<KeyDirectory> keys_;
  std::unique_ptr<JwtVerifier> jwt_;
  std::unique_ptr<PolicyFile> policy_file_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RateLimiter> token_check_limiter_;
  struct Backend {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
    std::atomic<uint64_t> next{0};
  };
  std::vector<std::unique_ptr<Backend>> backends_;
  std::unique_ptr<Proxy> proxy_;
  std::vector<std::unique_ptr<grpc::Service>> extra_services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
  std::mutex reload_mu_;
  std::condition_variable reload_cv_;
  bool stopping_ = false;
  std::thread reloader_;
};

// The one call path shared by the proxy and the aggregate views: who is
// calling, may they, and under which request id.
struct Admission {
  std::string request_id;
  Principal principal;
};
// Fills `out` as far as it gets (the principal is known even when the
// policy or the rate limit refuses), for the access log.
absl::Status Admit(Gateway& gw, const grpc::ServerContextBase& ctx, absl::string_view method_name, Admission* out);

// Adds the request id and the principal, signed for the call of `path`
// ("/pkg.Service/Method"), to an outgoing call.
void AttachIdentity(const Gateway& gw, const Admission& who, absl::string_view path, grpc::ClientContext* ctx);

}  // namespace sales::gateway
