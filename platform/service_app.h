// The one wiring of a database service: config → pool → migrations →
// outbox → handlers → server → consumers, and the reverse on drain. Each
// service's main.cc only describes itself (ServiceDefinition).
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/channel.h"
#include "platform/clock.h"
#include "platform/config.h"
#include "platform/consumer.h"
#include "platform/feed_stream.h"
#include "platform/metrics.h"
#include "platform/migrate.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "platform/server.h"
#include "platform/work_pool.h"

namespace sales {

// What a service's handlers get to work with.
struct ServiceRuntime {
  std::string service_name;  // "orders": the identity on calls to peers
  const Config* config = nullptr;
  db::Pool* pool = nullptr;
  Outbox* outbox = nullptr;
  const Clock* clock = nullptr;
  const PrincipalVerifier* verifier = nullptr;
  // The same keys, shared with the signing interceptor of peer channels.
  std::shared_ptr<const PrincipalVerifier> signing_keys;
  // Serves this service's StreamEvents (FeedServer::Open) off the request
  // threads, from "feed_threads" threads.
  FeedServer* feeds = nullptr;
  // Runs callback methods' blocking bodies (a confirmation asking its peers
  // and writing) off the request threads: "worker_threads" threads.
  WorkPool* workers = nullptr;
  // How this process dials its peers ("load_balancing").
  ChannelSettings channel_settings;
  // Lease settings of every consumer this process runs ("feed_lease_ttl").
  EventConsumer::Options consumer_options;
  // Consumers registered while building; started once the server is up.
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  struct PeerChannels {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<grpc::Channel>> by_peer;
  };
  std::shared_ptr<PeerChannels> peer_channels = std::make_shared<PeerChannels>();
  // A channel to a peer service whose address is config "<peer>_address";
  // one per peer, made on first use and shared by every call after.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerChannel(const std::string& peer) const;
  bool HasPeer(const std::string& peer) const { return !config->GetString(peer + "_address", "").empty(); }
  // The context of a call to a peer made while serving `call` (null when
  // not serving one, e.g. a background job): the deadline is `timeout` or
  // the caller's remaining deadline, whichever ends first; the request id
  // is the caller's; the identity is this service's.
  std::unique_ptr<grpc::ClientContext> PeerContext(const CallContext* call, absl::Duration timeout) const;

  // Follows a peer's event feed when "<peer>_address" is configured: each
  // event reaches `apply` once, through a consumer named "<self><-<peer>"
  // that starts with the server.
  template <typename Service, typename Request, typename Response>
  absl::Status FollowFeed(const std::string& self, const std::string& peer, EventConsumer::Handler apply) {
    if (!HasPeer(peer)) return absl::OkStatus();
    auto channel = PeerChannel(peer);
    if (!channel.ok()) return channel.status();
    consumers.push_back(std::make_unique<EventConsumer>(
        self + "<-" + peer, pool, std::make_unique<GrpcFeedSource<Service, Request, Response>>(*channel),
        std::move(apply), [this](grpc::ClientContext* ctx) { AttachServiceIdentity(ctx, service_name, ""); },
        consumer_options));
    return absl::OkStatus();
  }
};

struct BuiltService {
  std::unique_ptr<grpc::Service> service;
  std::string health_name;  // the full service name, e.g. "sales.orders.v1.OrdersService"
};

struct ServiceDefinition {
  std::string name;  // "orders": log name, default database and user
  int default_port = 0;
  std::vector<MigrationFile> migrations;
  // Shared schema pieces the service also keeps (e.g. OrgReplicaMigrations()),
  // applied after the platform's and before the service's own.
  std::vector<MigrationSet> shared_migrations;
  std::function<absl::StatusOr<std::vector<BuiltService>>(ServiceRuntime&)> build;
};

// The usual definition: one gRPC service class built from the runtime.
template <typename Api>
ServiceDefinition DefineService(std::string name, int default_port, std::vector<MigrationFile> migrations,
                                std::string health_name) {
  ServiceDefinition def;
  def.name = std::move(name);
  def.default_port = default_port;
  def.migrations = std::move(migrations);
  def.build = [health_name](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    std::vector<BuiltService> out;
    out.push_back({std::make_unique<Api>(rt), health_name});
    return out;
  };
  return def;
}

class ServiceApp {
 public:
  // `clock` may be null for the system clock (tests pass a FakeClock).
  ServiceApp(ServiceDefinition def, Config config, const Clock* clock = nullptr);
  ~ServiceApp();

  absl::Status Start();
  int port() const { return host_ ? host_->port() : 0; }
  db::Pool* pool() { return pool_.get(); }
  Outbox* outbox() { return outbox_.get(); }
  // Prometheus metrics (config "metrics_listen"); null before Start.
  Metrics* metrics() { return metrics_.get(); }
  void Shutdown();

  // How long the bookkeeping tables keep their rows, and how often they are
  // pruned (config keys in RetentionFromConfig). Replays stay safe: a retry
  // within `idempotency` gets its first answer, a consumer at most
  // `outbox` behind still finds its next event, and processed events are
  // only ever consulted at the cursor.
  struct Retention {
    absl::Duration every = absl::Hours(1);                  // housekeeping_interval
    absl::Duration idempotency = absl::Hours(24 * 7);       // idempotency_retention
    absl::Duration outbox = absl::Hours(24 * 30);           // outbox_retention
    absl::Duration processed_events = absl::Hours(24 * 7);  // processed_events_retention
  };
  static absl::StatusOr<Retention> RetentionFromConfig(const Config& config);
  // One housekeeping round (every replica runs them; deletes are
  // idempotent): idempotency records, the outbox, each consumer's processed
  // events. Returns the rows deleted. Public for tests with a FakeClock.
  int64_t HousekeepOnce(const Retention& retention);

 private:
  ServiceDefinition def_;
  Config config_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::shared_ptr<PrincipalVerifier> verifier_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<FeedServer> feeds_;
  std::unique_ptr<WorkPool> workers_;
  ServiceRuntime runtime_;
  std::vector<BuiltService> services_;
  std::unique_ptr<ServerHost> host_;
  bool stopped_ = false;
  // Housekeeping rounds in the background until Shutdown.
  void Housekeeping(Retention retention);
  std::thread housekeeper_;
  std::mutex housekeeping_mu_;
  std::condition_variable housekeeping_cv_;
  bool housekeeping_stop_ = false;
  // Last: destroyed first, so no scrape reads the pool, outbox or consumers
  // while they go away.
  std::unique_ptr<Metrics> metrics_;
};

// Reads the pool settings "mysql_*" of `config` (database and user default
// to `name`).
absl::StatusOr<db::PoolOptions> PoolOptionsFromConfig(const Config& config, const std::string& name);

// main() of a service: blocks signals, reads flags and environment, prints
// the effective config, starts, waits for SIGTERM/SIGINT, drains, exits.
int RunServiceMain(int argc, char** argv, ServiceDefinition def);

}  // namespace sales
