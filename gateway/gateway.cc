#include "gateway/gateway.h"

#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gateway/proxy.h"
#include "gateway/views.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales::gateway {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " file ", path, " is not readable"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Header(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// "ipv4:10.1.2.3:5555" -> "ipv4:10.1.2.3", "ipv6:[::1]:5555" -> "ipv6:[::1]":
// the caller's address without its (per-connection) port.
std::string ClientAddress(const grpc::ServerContextBase& ctx) {
  std::string peer = ctx.peer();
  size_t colon = peer.rfind(':');
  size_t scheme = peer.find(':');
  if (colon != std::string::npos && colon != scheme) peer.resize(colon);
  return peer;
}

constexpr char kDefaultDeadlineCaps[] =
    "*/StreamEvents=24h,*/Run*Sweep=10m,*/DecomposePlan=5m,*/ImportActuals=5m,"
    "*/GenerateStatements=5m,*/CalculateCommissions=5m,*/HandOverCustomers=2m";

}  // namespace

absl::StatusOr<GatewayOptions> GatewayOptions::FromConfig(const Config& config) {
  GatewayOptions o;
  o.listen = config.GetString("listen", "127.0.0.1:50060");
  o.metrics_listen = MetricsListenAddress(config, o.listen);
  const char* defaults[] = {"127.0.0.1:50061", "127.0.0.1:50062", "127.0.0.1:50063", "127.0.0.1:50064"};
  const auto& backends = DefaultBackends();
  for (size_t i = 0; i < backends.size(); ++i) {
    o.backend_addresses.push_back(config.GetString(backends[i].name + "_address", defaults[i]));
  }
  SALES_ASSIGN_OR_RETURN(int64_t channels, config.GetInt("channels_per_backend", 4));
  if (channels < 1 || channels > 64) return absl::InvalidArgumentError("channels_per_backend must be 1..64");
  o.channels_per_backend = static_cast<int>(channels);
  SALES_ASSIGN_OR_RETURN(o.backend_channels, ChannelSettingsFromConfig(config));
  SALES_RETURN_IF_ERROR(ConnectionAgeFromConfig(config, &o.connection_age));
  SALES_ASSIGN_OR_RETURN(int64_t threads,
                         config.GetInt("proxy_threads", std::max(2u, std::thread::hardware_concurrency())));
  if (threads < 1 || threads > 256) return absl::InvalidArgumentError("proxy_threads must be 1..256");
  o.proxy_threads = static_cast<int>(threads);
  SALES_ASSIGN_OR_RETURN(o.retry_unavailable, config.GetBool("retry_unavailable", true));
  o.keys_dir = config.GetString("jwt_public_keys_dir", "");
  o.jwt.issuer = config.GetString("jwt_issuer", "sales-dev");
  o.jwt.audience = config.GetString("jwt_audience", "sales-gateway");
  SALES_ASSIGN_OR_RETURN(o.jwt.clock_skew, config.GetDuration("jwt_clock_skew", absl::Seconds(30)));
  SALES_ASSIGN_OR_RETURN(o.jwt.max_lifetime, config.GetDuration("jwt_max_lifetime", absl::Hours(24)));
  o.policy_file = config.GetString("policy_file", "");
  SALES_ASSIGN_OR_RETURN(o.reload_interval, config.GetDuration("reload_interval", absl::Seconds(1)));
  SALES_ASSIGN_OR_RETURN(PrincipalVerifier keys, PrincipalVerifier::FromConfig(config));
  o.principal_keys = std::make_shared<PrincipalVerifier>(std::move(keys));
  SALES_ASSIGN_OR_RETURN(o.allow_unsigned_principals, config.GetBool("allow_unsigned_principals", false));
  SALES_ASSIGN_OR_RETURN(int64_t rate, config.GetInt("rate_limit_per_second", 200));
  SALES_ASSIGN_OR_RETURN(int64_t burst, config.GetInt("rate_limit_burst", 400));
  if (rate < 0 || burst < 1)
    return absl::InvalidArgumentError("rate_limit_per_second >= 0 (0: off), rate_limit_burst >= 1");
  o.rate_limit.rate_per_second = static_cast<double>(rate);
  o.rate_limit.burst = static_cast<double>(burst);
  SALES_ASSIGN_OR_RETURN(int64_t checks, config.GetInt("token_checks_per_second_per_address", 50));
  SALES_ASSIGN_OR_RETURN(int64_t checks_burst, config.GetInt("token_checks_burst_per_address", 100));
  if (checks < 0 || checks_burst < 1) {
    return absl::InvalidArgumentError(
        "token_checks_per_second_per_address >= 0 (0: off), token_checks_burst_per_address >= 1");
  }
  o.token_check_limit.rate_per_second = static_cast<double>(checks);
  o.token_check_limit.burst = static_cast<double>(checks_burst);
  SALES_ASSIGN_OR_RETURN(int64_t max_msg, config.GetInt("max_message_bytes", 4 * 1024 * 1024));
  if (max_msg < 1024 || max_msg > (1 << 30)) return absl::InvalidArgumentError("max_message_bytes must be 1KiB..1GiB");
  o.max_message_bytes = static_cast<int>(max_msg);
  SALES_ASSIGN_OR_RETURN(o.default_deadline, config.GetDuration("default_deadline", absl::Seconds(15)));
  SALES_ASSIGN_OR_RETURN(o.max_deadline, config.GetDuration("max_deadline", absl::Seconds(60)));
  SALES_ASSIGN_OR_RETURN(o.method_deadline_caps,
                         ParseDeadlineCaps(config.GetString("method_max_deadlines", kDefaultDeadlineCaps)));
  SALES_ASSIGN_OR_RETURN(o.drain_deadline, config.GetDuration("drain_deadline", absl::Seconds(10)));
  std::string access = config.GetString("access_log", "errors");
  if (access == "none") {
    o.access_log = AccessLog::kNone;
  } else if (access == "errors") {
    o.access_log = AccessLog::kErrors;
  } else if (access == "all") {
    o.access_log = AccessLog::kAll;
  } else {
    return absl::InvalidArgumentError("access_log must be none, errors or all");
  }
  o.tls_cert_file = config.GetString("tls_cert_file", "");
  o.tls_key_file = config.GetString("tls_key_file", "");
  o.tls_client_ca_file = config.GetString("tls_client_ca_file", "");
  o.backend_ca_file = config.GetString("backend_ca_file", "");
  o.backend_cert_file = config.GetString("backend_cert_file", "");
  o.backend_key_file = config.GetString("backend_key_file", "");
  o.backend_tls_server_name = config.GetString("backend_tls_server_name", "");
  SALES_ASSIGN_OR_RETURN(o.view_part_deadline, config.GetDuration("view_part_deadline", absl::Seconds(3)));
  if (o.keys_dir.empty()) return absl::InvalidArgumentError("jwt_public_keys_dir is required");
  if (o.policy_file.empty()) return absl::InvalidArgumentError("policy_file is required");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("tls_cert_file and tls_key_file go together");
  }
  if (!o.tls_client_ca_file.empty() && o.tls_cert_file.empty()) {
    return absl::InvalidArgumentError("tls_client_ca_file needs tls_cert_file and tls_key_file");
  }
  if (o.backend_cert_file.empty() != o.backend_key_file.empty()) {
    return absl::InvalidArgumentError("backend_cert_file and backend_key_file go together");
  }
  if (!o.backend_cert_file.empty() && o.backend_ca_file.empty()) {
    return absl::InvalidArgumentError("backend_cert_file needs backend_ca_file");
  }
  return o;
}

Gateway::Gateway(GatewayOptions options) : options_(std::move(options)) {}

Gateway::~Gateway() { Shutdown(); }

void Gateway::AddService(std::unique_ptr<grpc::Service> service) { extra_services_.push_back(std::move(service)); }

absl::Status Gateway::Start() {
  SALES_ASSIGN_OR_RETURN(MethodTable table,
                         MethodTable::Build(DefaultBackends(), options_.method_deadline_caps, options_.max_deadline));
  methods_ = std::make_unique<MethodTable>(std::move(table));
  keys_ = std::make_unique<KeyDirectory>(options_.keys_dir);
  keys_->Refresh();
  if (keys_->size() == 0)
    LogWarn("no token keys yet; every call is refused until one appears", {{"dir", options_.keys_dir}});
  jwt_ = std::make_unique<JwtVerifier>(keys_.get(), options_.jwt);
  policy_file_ = std::make_unique<PolicyFile>(options_.policy_file);
  SALES_RETURN_IF_ERROR(policy_file_->Refresh());
  limiter_ = std::make_unique<RateLimiter>(options_.rate_limit);
  token_check_limiter_ = std::make_unique<RateLimiter>(options_.token_check_limit);
  if (options_.principal_keys == nullptr) options_.principal_keys = std::make_shared<PrincipalVerifier>();
  if (!options_.principal_keys->enforcing() && !options_.allow_unsigned_principals) {
    return absl::FailedPreconditionError(
        "no principal keys: the services could not tell the gateway's callers from anyone else's. Set "
        "principal_hmac_secret, or allow_unsigned_principals=true for local development only");
  }

  std::shared_ptr<grpc::ChannelCredentials> backend_creds = grpc::InsecureChannelCredentials();
  if (!options_.backend_ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    SALES_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options_.backend_ca_file, "backend CA"));
    if (!options_.backend_cert_file.empty()) {
      SALES_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(options_.backend_cert_file, "backend certificate"));
      SALES_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(options_.backend_key_file, "backend key"));
    }
    backend_creds = grpc::SslCredentials(ssl);
  }
  for (size_t b = 0; b < options_.backend_addresses.size(); ++b) {
    auto backend = std::make_unique<Backend>();
    std::string service_config = methods_->RetryServiceConfig(static_cast<int>(b));
    for (int i = 0; i < options_.channels_per_backend; ++i) {
      ChannelSettings settings = options_.backend_channels;
      settings.max_message_bytes = options_.max_message_bytes;
      // round_robin over every address the backend's target resolves to
      // (one per pod behind a headless Service), keepalive, quick reconnect.
      grpc::ChannelArguments args = ClientChannelArguments(settings);
      // Distinct arguments keep each channel on its own connection (gRPC
      // shares subchannels between channels with equal arguments).
      args.SetInt("sales.gateway.channel_index", i);
      if (options_.retry_unavailable) {
        args.SetServiceConfigJSON(service_config);
        args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
      } else {
        args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
      }
      if (!options_.backend_tls_server_name.empty()) {
        args.SetSslTargetNameOverride(options_.backend_tls_server_name);
      }
      auto channel = grpc::CreateCustomChannel(options_.backend_addresses[b], backend_creds, args);
      backend->stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
      backend->channels.push_back(std::move(channel));
    }
    backends_.push_back(std::move(backend));
  }

  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!options_.tls_cert_file.empty()) {
    grpc::SslServerCredentialsOptions ssl(options_.tls_client_ca_file.empty()
                                              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    SALES_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(options_.tls_cert_file, "server certificate"));
    SALES_ASSIGN_OR_RETURN(pair.private_key, ReadPem(options_.tls_key_file, "server key"));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    if (!options_.tls_client_ca_file.empty()) {
      SALES_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options_.tls_client_ca_file, "client CA"));
    }
    creds = grpc::SslServerCredentials(ssl);
  }

  proxy_ = std::make_unique<Proxy>(this, options_.proxy_threads);
  extra_services_.push_back(MakeAggregateViews(this));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  metrics_ = Metrics::Create("gateway", options_.metrics_listen);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(metrics_->NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.AddListeningPort(options_.listen, creds, &port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  ApplyServerConnectionArguments(builder, options_.connection_age);
  for (auto& s : extra_services_) builder.RegisterService(s.get());
  proxy_->Register(builder);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  proxy_->Start();
  server_->GetHealthCheckService()->SetServingStatus(true);
  reloader_ = std::thread([this] { ReloadLoop(); });
  LogInfo("serving", {{"address", options_.listen},
                      {"port", port_},
                      {"methods", static_cast<long>(methods_->routes().size())},
                      {"tls", options_.tls_cert_file.empty()        ? "off"
                              : options_.tls_client_ca_file.empty() ? "server"
                                                                    : "mutual"}});
  return absl::OkStatus();
}

void Gateway::ReloadLoop() {
  std::unique_lock<std::mutex> lock(reload_mu_);
  while (!stopping_) {
    reload_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.reload_interval));
    if (stopping_) break;
    lock.unlock();
    keys_->Refresh();
    (void)policy_file_->Refresh();
    lock.lock();
  }
}

void Gateway::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
    LogInfo("draining", {{"deadline_ms", absl::ToDoubleMilliseconds(options_.drain_deadline)}});
    server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_deadline));
    server_->Wait();
    // The queues go after the server: calls cut off at the deadline still
    // deliver their last events to them.
    proxy_->Stop();
    LogInfo("stopped");
  }
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    stopping_ = true;
  }
  reload_cv_.notify_all();
  if (reloader_.joinable()) reloader_.join();
}

grpc::GenericStub* Gateway::Stub(int backend) {
  Backend& b = *backends_[static_cast<size_t>(backend)];
  uint64_t n = b.next.fetch_add(1, std::memory_order_relaxed);
  return b.stubs[n % b.stubs.size()].get();
}

absl::Status Admit(Gateway& gw, const grpc::ServerContextBase& ctx, absl::string_view method_name, Admission* out) {
  out->request_id = RequestIdFor(ctx);
  absl::Time now = absl::Now();
  auto admit_check = [&]() -> absl::Status {
    std::string address = ClientAddress(ctx);
    absl::Duration wait = gw.token_check_limiter().Take(address, now);
    if (wait <= absl::ZeroDuration()) return absl::OkStatus();
    int64_t ms = absl::ToInt64Milliseconds(wait);
    return WithRetryDelay(WithErrorInfo(absl::ResourceExhaustedError(
                                            absl::StrCat("too many new tokens from this address; retry in ", ms, "ms")),
                                        "TOKEN_CHECKS_RATE_LIMITED", "gateway.sales"),
                          ms);
  };
  SALES_ASSIGN_OR_RETURN(out->principal, gw.verifier().VerifyHeader(Header(ctx, "authorization"), now, admit_check));
  auto policy = gw.policy();
  if (policy == nullptr || !policy->Allows(out->principal.role, method_name)) {
    return WithErrorInfo(
        absl::PermissionDeniedError(absl::StrCat("role ", out->principal.role, " may not call ", method_name)),
        "METHOD_NOT_ALLOWED", "gateway.sales", {{"role", out->principal.role}, {"method", std::string(method_name)}});
  }
  absl::Duration wait = gw.limiter().Take(out->principal.user_id, now);
  if (wait > absl::ZeroDuration()) {
    int64_t ms = absl::ToInt64Milliseconds(wait);
    return WithRetryDelay(WithErrorInfo(absl::ResourceExhaustedError(absl::StrCat(
                                            "too many calls from ", out->principal.user_id, "; retry in ", ms, "ms")),
                                        "RATE_LIMITED", "gateway.sales", {{"principal", out->principal.user_id}}),
                          ms);
  }
  return absl::OkStatus();
}

void AttachIdentity(const Gateway& gw, const Admission& who, absl::string_view path, grpc::ClientContext* ctx) {
  std::string encoded = who.principal.Encode();
  ctx->AddMetadata(kRequestIdHeader, who.request_id);
  ctx->AddMetadata(kPrincipalHeader, encoded);
  if (gw.signer().enforcing()) {
    ctx->AddMetadata(kPrincipalMacHeader, gw.signer().Sign(encoded, who.request_id, path, absl::Now()));
  }
}

}  // namespace sales::gateway
