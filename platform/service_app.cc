#include "platform/service_app.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "platform/idempotency.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceRuntime::PeerChannel(const std::string& peer) const {
  std::string address = config->GetString(peer + "_address", "");
  if (address.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("config ", peer, "_address is not set"));
  }
  std::lock_guard<std::mutex> lock(peer_channels->mu);
  auto& channel = peer_channels->by_peer[peer];
  if (channel == nullptr) {
    // Every peer call carries this service's identity, signed per call by
    // the interceptor (the proof binds the method, known only there).
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(MakePrincipalSigningInterceptor(signing_keys));
    channel = CreateBalancedChannel(address, channel_settings, std::move(interceptors));
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> ServiceRuntime::PeerContext(const CallContext* call,
                                                                 absl::Duration timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
  if (call != nullptr && call->server_context != nullptr) {
    deadline = std::min(deadline, call->server_context->deadline());
  }
  ctx->set_deadline(deadline);
  AttachServiceIdentity(ctx.get(), service_name, call != nullptr ? call->request_id : "");
  return ctx;
}

absl::StatusOr<db::PoolOptions> PoolOptionsFromConfig(const Config& config, const std::string& name) {
  db::PoolOptions o;
  o.host = config.GetString("mysql_host", "127.0.0.1");
  SALES_ASSIGN_OR_RETURN(int64_t port, config.GetInt("mysql_port", 3306));
  o.port = static_cast<int>(port);
  o.unix_socket = config.GetString("mysql_socket", "");
  o.database = config.GetString("mysql_database", name);
  o.user = config.GetString("mysql_user", name);
  SALES_ASSIGN_OR_RETURN(o.password, config.GetSecret("mysql_password", ""));
  SALES_ASSIGN_OR_RETURN(int64_t size, config.GetInt("mysql_pool_size", 16));
  o.max_connections = static_cast<int>(size);
  SALES_ASSIGN_OR_RETURN(o.acquire_timeout, config.GetDuration("mysql_acquire_timeout", absl::Seconds(2)));
  SALES_ASSIGN_OR_RETURN(o.connect_timeout, config.GetDuration("mysql_connect_timeout", absl::Seconds(2)));
  // Prepared statements kept per connection; the server holds
  // mysql_pool_size × this per process against its max_prepared_stmt_count.
  SALES_ASSIGN_OR_RETURN(int64_t cache, config.GetInt("statement_cache_size", o.statement_cache_size));
  if (cache < 1 || cache > 1048576) {
    return absl::InvalidArgumentError(
        absl::StrCat("config statement_cache_size=", cache, " must be between 1 and 1048576"));
  }
  o.statement_cache_size = static_cast<int>(cache);
  return o;
}

ServiceApp::ServiceApp(ServiceDefinition def, Config config, const Clock* clock)
    : def_(std::move(def)), config_(std::move(config)), clock_(clock ? clock : &system_clock_) {}

ServiceApp::~ServiceApp() { Shutdown(); }

absl::Status ServiceApp::Start() {
  SALES_ASSIGN_OR_RETURN(auto pool_options, PoolOptionsFromConfig(config_, def_.name));
  SALES_ASSIGN_OR_RETURN(PrincipalVerifier keys, PrincipalVerifier::FromConfig(config_));
  verifier_ = std::make_shared<PrincipalVerifier>(std::move(keys));
  SALES_ASSIGN_OR_RETURN(pool_, db::Pool::Create(pool_options));
  std::vector<MigrationSet> sets = {PlatformMigrations()};
  sets.insert(sets.end(), def_.shared_migrations.begin(), def_.shared_migrations.end());
  sets.push_back(MigrationSet{def_.name, def_.migrations});
  SALES_RETURN_IF_ERROR(Migrate(*pool_, sets));
  outbox_ = std::make_unique<Outbox>(pool_.get(), clock_, def_.name);
  SALES_ASSIGN_OR_RETURN(int64_t feed_threads, config_.GetInt("feed_threads", 4));
  SALES_ASSIGN_OR_RETURN(int64_t worker_threads, config_.GetInt("worker_threads", 16));
  if (feed_threads < 1 || feed_threads > 256 || worker_threads < 1 || worker_threads > 1024) {
    return absl::InvalidArgumentError("config feed_threads must be 1..256 and worker_threads 1..1024");
  }
  feeds_ = std::make_unique<FeedServer>(outbox_.get(), verifier_.get(), static_cast<int>(feed_threads));
  workers_ = std::make_unique<WorkPool>("workers", static_cast<int>(worker_threads));
  SALES_ASSIGN_OR_RETURN(runtime_.channel_settings, ChannelSettingsFromConfig(config_));
  SALES_ASSIGN_OR_RETURN(runtime_.consumer_options.lease_ttl,
                         config_.GetDuration("feed_lease_ttl", runtime_.consumer_options.lease_ttl));
  if (runtime_.consumer_options.lease_ttl < absl::Seconds(1) ||
      runtime_.consumer_options.lease_ttl > absl::Minutes(10)) {
    return absl::InvalidArgumentError("config feed_lease_ttl must be between 1s and 10m");
  }
  SALES_ASSIGN_OR_RETURN(runtime_.consumer_options.park_after,
                         config_.GetDuration("feed_park_after", runtime_.consumer_options.park_after));
  if (runtime_.consumer_options.park_after < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("config feed_park_after must not be negative");
  }
  runtime_.consumer_options.holder = FeedLease::ProcessHolderName();

  runtime_.service_name = def_.name;
  runtime_.config = &config_;
  runtime_.pool = pool_.get();
  runtime_.outbox = outbox_.get();
  runtime_.feeds = feeds_.get();
  runtime_.workers = workers_.get();
  runtime_.clock = clock_;
  runtime_.verifier = verifier_.get();
  runtime_.signing_keys = verifier_;
  SALES_ASSIGN_OR_RETURN(services_, def_.build(runtime_));

  ServerOptions so;
  so.listen_address = config_.GetString("listen", absl::StrCat("127.0.0.1:", def_.default_port));
  SALES_ASSIGN_OR_RETURN(int64_t threads, config_.GetInt("max_threads", 32));
  so.max_threads = static_cast<int>(threads);
  SALES_RETURN_IF_ERROR(ConnectionAgeFromConfig(config_, &so));
  SALES_ASSIGN_OR_RETURN(so.drain_deadline, config_.GetDuration("drain_deadline", absl::Seconds(10)));
  metrics_ = Metrics::Create(def_.name, MetricsListenAddress(config_, so.listen_address));
  metrics_->WatchPool(pool_.get());
  metrics_->WatchOutbox(outbox_.get());
  for (auto& c : runtime_.consumers) metrics_->WatchConsumer(c.get());
  LogInfo("effective config", {{"config", config_.EffectiveConfigJson()}});
  host_ = std::make_unique<ServerHost>(so);
  metrics_->Instrument(*host_);
  for (auto& s : services_) host_->AddService(s.service.get(), s.health_name);
  host_->OnDrain([this] { feeds_->BeginDrain(); });
  SALES_RETURN_IF_ERROR(host_->Start());
  outbox_->Start();
  for (auto& c : runtime_.consumers) c->Start();
  SALES_ASSIGN_OR_RETURN(Retention retention, RetentionFromConfig(config_));
  housekeeper_ = std::thread([this, retention] { Housekeeping(retention); });
  return absl::OkStatus();
}

absl::StatusOr<ServiceApp::Retention> ServiceApp::RetentionFromConfig(const Config& config) {
  Retention r;
  SALES_ASSIGN_OR_RETURN(r.every, config.GetDuration("housekeeping_interval", r.every));
  SALES_ASSIGN_OR_RETURN(r.idempotency, config.GetDuration("idempotency_retention", r.idempotency));
  SALES_ASSIGN_OR_RETURN(r.outbox, config.GetDuration("outbox_retention", r.outbox));
  SALES_ASSIGN_OR_RETURN(r.processed_events, config.GetDuration("processed_events_retention", r.processed_events));
  // An outbox kept shorter than the idempotency window would let a retry
  // answered from its record point at an event a lagging consumer can no
  // longer read.
  if (r.every <= absl::ZeroDuration() || r.idempotency <= absl::ZeroDuration() || r.outbox < r.idempotency ||
      r.processed_events <= absl::ZeroDuration()) {
    return InvalidField("outbox_retention",
                        "retentions must be positive and outbox_retention at least idempotency_retention");
  }
  return r;
}

int64_t ServiceApp::HousekeepOnce(const Retention& retention) {
  int64_t total = 0;
  const absl::Time now = clock_->Now();
  // Batches keep each delete short; a backlog drains over a few rounds, and
  // a round that deletes less than a batch has reached the end.
  constexpr int kBatch = 5000;
  auto drain = [&](const char* what, const std::function<absl::StatusOr<int64_t>()>& once) {
    for (int round = 0; round < 20; ++round) {
      auto purged = once();
      if (!purged.ok()) {
        LogWarn("housekeeping failed", {{"what", what}, {"error", std::string(purged.status().message())}});
        return;
      }
      if (*purged > 0) LogInfo("housekeeping pruned", {{"what", what}, {"count", static_cast<long long>(*purged)}});
      total += *purged;
      if (*purged < kBatch) return;
    }
  };
  drain("idempotency_keys", [&] { return PurgeIdempotencyKeys(*pool_, now - retention.idempotency, kBatch); });
  drain("outbox", [&] { return outbox_->Prune(now - retention.outbox, kBatch); });
  for (auto& c : runtime_.consumers) {
    drain("processed_events", [&] { return c->PruneProcessed(now - retention.processed_events, kBatch); });
  }
  return total;
}

void ServiceApp::Housekeeping(Retention retention) {
  std::unique_lock<std::mutex> lock(housekeeping_mu_);
  while (!housekeeping_stop_) {
    lock.unlock();
    HousekeepOnce(retention);
    lock.lock();
    housekeeping_cv_.wait_for(lock, absl::ToChronoMilliseconds(retention.every), [this] { return housekeeping_stop_; });
  }
}

void ServiceApp::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(housekeeping_mu_);
    housekeeping_stop_ = true;
    housekeeping_cv_.notify_all();
  }
  if (housekeeper_.joinable()) housekeeper_.join();
  for (auto& c : runtime_.consumers) c->Stop();
  if (host_) host_->Shutdown();
  // After the server: its callback calls may still be finishing on these.
  if (feeds_) feeds_->Stop();
  if (workers_) workers_->Stop();
  if (outbox_) outbox_->Stop();
}

int RunServiceMain(int argc, char** argv, ServiceDefinition def) {
  BlockTerminationSignals();
  SetLogService(def.name + "-svc");
  auto config = Config::FromArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\nusage: %s [--key=value ...] (see README)\n",
                 std::string(config.status().message()).c_str(), argv[0]);
    return 2;
  }
  if (config->GetString("log_level", "info") == "debug") SetLogLevel(LogLevel::kDebug);
  ServiceApp app(def, *config);
  absl::Status st = app.Start();
  if (!st.ok()) {
    LogError("cannot start", {{"error", st.ToString()}});
    return 1;
  }
  int sig = WaitForTerminationSignal();
  LogInfo("signal received; draining", {{"signal", sig}});
  app.Shutdown();
  return 0;
}

}  // namespace sales
