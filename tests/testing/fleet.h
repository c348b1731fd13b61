// A fleet of real processes on loopback, as an operator runs them: N
// replicas of each service (the real binaries, sharing their service's
// database as pods do), a gateway with its own signing key, and the tokens
// of the company's identity provider. Every replica's port is chosen up
// front, so a service's target lists all its replicas
// ("ipv4:127.0.0.1:A,127.0.0.1:B,127.0.0.1:C", standing in for the DNS
// name of a headless Service) even while some are not started.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "tests/testing/fault_proxy.h"
#include "tests/testing/process.h"

namespace sales::testing {

struct FleetOptions {
  // Replicas per service ("targets", "customers", "orders", "finance");
  // services not named are not run (their peers get no address for them).
  std::map<std::string, int> replicas;
  // Replicas of the gateway (0: none).
  int gateways = 1;
  // Flags every process gets (e.g. "--max_connection_age=3s").
  std::vector<std::string> common_flags;
  // Flags by process name ("targets", "gateway", ...).
  std::map<std::string, std::vector<std::string>> flags;
  // Replicas not started by Start (service → indexes), for "a replica
  // started later".
  std::map<std::string, std::vector<int>> deferred;
  // Every edge through its own FaultProxy (chaos): each caller process
  // reaches each replica of each peer through a proxy of its own (so one
  // caller's edge to one peer can be slowed or cut alone), each service
  // reaches MariaDB through one, and clients reach each gateway through
  // one (GatewayChannel).
  bool proxied = false;
};

class Fleet {
 public:
  struct Replica {
    std::string process;  // "targets", ..., "gateway"
    int index = 0;
    int port = 0;
    std::string log;
    std::vector<std::string> argv;
    std::unique_ptr<ChildProcess> child;
    bool running() const { return child != nullptr && child->running(); }
  };

  Fleet() = default;
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;
  ~Fleet();

  // Fresh databases, keys, and every replica not deferred, each waited for
  // until it answers health SERVING.
  absl::Status Start(const FleetOptions& options);
  // Stops every process (SIGTERM, then SIGKILL), gateways first.
  void Stop();

  // (Re)starts a replica with the same arguments; waits until SERVING.
  absl::Status StartReplica(const std::string& process, int index);
  // Sends `sig` (SIGKILL, SIGSTOP, SIGCONT, ...); after SIGKILL waits for
  // the process to be gone.
  void Signal(const std::string& process, int index, int sig);

  Replica& replica(const std::string& process, int index) { return replicas_.at(process).at(index); }
  int replica_count(const std::string& process) const;
  // "ipv4:127.0.0.1:A,127.0.0.1:B,..." over every replica of `process`.
  std::string Target(const std::string& process) const;
  const db::PoolOptions& database(const std::string& service) const { return dbs_.at(service); }
  // A channel to every gateway replica (round_robin), and one to a single replica.
  std::shared_ptr<grpc::Channel> GatewayChannel() const;
  std::shared_ptr<grpc::Channel> Channel(const std::string& process, int index) const;
  // An ES256 token signed by the fleet's identity provider.
  std::string Token(const std::string& user, const std::string& role, int64_t rep_id = 0,
                    int64_t org_unit_id = 0) const;
  // The shared secret processes sign principals with (tests calling a
  // service directly attach it with CtxAs).
  static const char* principal_secret() { return "fleet-principal-secret-0123456789abcdef"; }
  const std::string& dir() const { return dir_; }

  // With FleetOptions::proxied (null otherwise): the proxies `caller`
  // ("orders", "gateway"...) reaches `callee`'s replicas through, one per
  // replica; the one between `service` and MariaDB; the one clients reach
  // gateway replica `index` through.
  std::vector<FaultProxy*> Edge(const std::string& caller, const std::string& callee) const;
  FaultProxy* DatabaseEdge(const std::string& service) const;
  FaultProxy* ClientEdge(int index) const;
  // Every proxy: faults off.
  void ClearAllFaults();
  // Leaves the logs and keys in dir() after Stop (a failed test's evidence).
  void KeepLogs() { keep_logs_ = true; }
  // The last `bytes` of a replica's log (for failure messages).
  std::string LogTail(const std::string& process, int index, size_t bytes = 3000) const;
  // How many log lines of a replica contain `needle`.
  int CountLogLines(const std::string& process, int index, const std::string& needle) const;

 private:
  std::vector<std::string> ArgvFor(const std::string& process, int index);
  absl::Status WaitServing(Replica& r, absl::Duration timeout);

  FleetOptions options_;
  std::string dir_;
  bool keep_logs_ = false;
  std::string private_pem_;
  std::map<std::string, db::PoolOptions> dbs_;
  std::map<std::string, std::vector<Replica>> replicas_;
  // caller → callee → one proxy per callee replica.
  std::map<std::string, std::map<std::string, std::vector<std::unique_ptr<FaultProxy>>>> edges_;
  std::map<std::string, std::unique_ptr<FaultProxy>> database_edges_;
  std::vector<std::unique_ptr<FaultProxy>> client_edges_;
};

// Health of one address: grpc.health.v1 SERVING for `service` ("" = server).
bool HealthServing(int port, const std::string& service, absl::Duration timeout = absl::Seconds(2));

}  // namespace sales::testing
