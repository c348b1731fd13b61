#include "tests/testing/fleet.h"

#include <grpcpp/generic/generic_stub.h>
#include <jwt.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/channel.h"
#include "platform/parallel_calls.h"
#include "tests/testing/db_fixture.h"

namespace sales::testing {
namespace {

constexpr char kKid[] = "fleet-key";
constexpr char kIssuer[] = "sales-fleet";
constexpr char kAudience[] = "sales-gateway";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HealthName(const std::string& process) {
  if (process == "gateway") return "";
  return absl::StrCat("sales.", process, ".v1.", std::string(1, static_cast<char>(process[0] - 'a' + 'A')),
                      process.substr(1), "Service");
}

std::string Binary(const std::string& process) {
  if (process == "gateway") return absl::StrCat(SALES_BIN_DIR, "/gateway/gateway");
  return absl::StrCat(SALES_BIN_DIR, "/", process, "-svc/", process, "-svc");
}

}  // namespace

bool HealthServing(int port, const std::string& service, absl::Duration timeout) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  std::string bytes;
  if (!service.empty()) bytes = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  {
    PendingCalls calls;
    stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                   calls.Track(&status));
    calls.Wait();
  }
  if (!status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out == std::string("\x08\x01", 2);
}

Fleet::~Fleet() { Stop(); }

absl::Status Fleet::Start(const FleetOptions& options) {
  options_ = options;
  dir_ = MakeTempDir("sales-fleet");
  if (dir_.empty()) return absl::InternalError("no temp dir");
  std::string keygen =
      absl::StrCat("mkdir -p ", dir_, "/public && openssl ecparam -name prime256v1 -genkey -noout ",
                   "2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out ", dir_, "/key.pem && openssl pkey -in ", dir_,
                   "/key.pem -pubout -out ", dir_, "/public/", kKid, ".pem");
  if (std::system(keygen.c_str()) != 0) return absl::InternalError("openssl key generation failed");
  private_pem_ = ReadAll(dir_ + "/key.pem");
  for (const auto& [service, n] : options_.replicas) {
    dbs_[service] = FreshDatabase(absl::StrCat("fleet_", service));
    auto& list = replicas_[service];
    for (int i = 0; i < n; ++i) {
      Replica r;
      r.process = service;
      r.index = i;
      r.port = FreeLoopbackPort();
      r.log = absl::StrCat(dir_, "/", service, "-", i, ".log");
      list.push_back(std::move(r));
    }
  }
  auto& gateways = replicas_["gateway"];
  for (int i = 0; i < options_.gateways; ++i) {
    Replica r;
    r.process = "gateway";
    r.index = i;
    r.port = FreeLoopbackPort();
    r.log = absl::StrCat(dir_, "/gateway-", i, ".log");
    gateways.push_back(std::move(r));
  }
  if (options_.proxied) {
    for (const auto& [caller, callers] : replicas_) {
      for (const auto& [callee, replicas] : replicas_) {
        if (callee == "gateway" || callee == caller) continue;
        for (const auto& r : replicas) {
          auto p = FaultProxy::Start(r.port, 256);
          if (!p.ok()) return p.status();
          edges_[caller][callee].push_back(std::move(p).value());
        }
      }
      if (caller != "gateway") {
        // Two replicas' pools and the test's own sessions.
        auto p = FaultProxy::Start(dbs_.at(caller).port, 512);
        if (!p.ok()) return p.status();
        database_edges_[caller] = std::move(p).value();
      }
    }
    for (const auto& r : replicas_["gateway"]) {
      auto p = FaultProxy::Start(r.port, 256);
      if (!p.ok()) return p.status();
      client_edges_.push_back(std::move(p).value());
    }
  }
  for (auto& [process, list] : replicas_) {
    for (auto& r : list) r.argv = ArgvFor(process, r.index);
  }
  // Services first (each migrates its schema under a lock; replicas wait
  // for the first), then the gateways.
  for (const char* phase : {"services", "gateway"}) {
    for (auto& [process, list] : replicas_) {
      if ((process == "gateway") != (std::string(phase) == "gateway")) continue;
      for (auto& r : list) {
        auto deferred = options_.deferred.find(process);
        if (deferred != options_.deferred.end() &&
            std::find(deferred->second.begin(), deferred->second.end(), r.index) != deferred->second.end()) {
          continue;
        }
        r.child = std::make_unique<ChildProcess>();
        if (auto st = r.child->Start(r.argv, r.log); !st.ok()) return st;
      }
      for (auto& r : list) {
        if (r.child == nullptr) continue;
        if (auto st = WaitServing(r, absl::Seconds(90)); !st.ok()) return st;
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> Fleet::ArgvFor(const std::string& process, int index) {
  const Replica& r = replicas_.at(process).at(index);
  std::vector<std::string> argv = {Binary(process), absl::StrCat("--listen=127.0.0.1:", r.port), "--metrics_listen=off",
                                   absl::StrCat("--principal_hmac_secret=", principal_secret()), "--drain_deadline=2s"};
  if (process == "gateway") {
    argv.push_back(absl::StrCat("--jwt_public_keys_dir=", dir_, "/public"));
    argv.push_back(absl::StrCat("--jwt_issuer=", kIssuer));
    argv.push_back(absl::StrCat("--jwt_audience=", kAudience));
    argv.push_back(absl::StrCat("--policy_file=", SALES_SOURCE_DIR, "/gateway/policy.json"));
    argv.push_back("--rate_limit_per_second=0");
  } else {
    const db::PoolOptions& db = dbs_.at(process);
    argv.push_back("--mysql_host=127.0.0.1");
    argv.push_back(absl::StrCat("--mysql_port=", options_.proxied ? database_edges_.at(process)->port() : db.port));
    argv.push_back(absl::StrCat("--mysql_user=", db.user));
    argv.push_back(absl::StrCat("--mysql_password=", db.password));
    argv.push_back(absl::StrCat("--mysql_database=", db.database));
  }
  for (const auto& [peer, list] : replicas_) {
    if (peer == "gateway" || peer == process || list.empty()) continue;
    std::string target = Target(peer);
    if (options_.proxied) {
      std::vector<std::string> addresses;
      for (const auto& p : edges_.at(process).at(peer)) addresses.push_back(absl::StrCat("127.0.0.1:", p->port()));
      target = absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
    }
    argv.push_back(absl::StrCat("--", peer, "_address=", target));
  }
  argv.insert(argv.end(), options_.common_flags.begin(), options_.common_flags.end());
  auto it = options_.flags.find(process);
  if (it != options_.flags.end()) argv.insert(argv.end(), it->second.begin(), it->second.end());
  return argv;
}

absl::Status Fleet::WaitServing(Replica& r, absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  const std::string health = HealthName(r.process);
  while (!HealthServing(r.port, health)) {
    if (!r.child->running()) {
      return absl::InternalError(
          absl::StrCat(r.process, "-", r.index, " exited at start:\n", LogTail(r.process, r.index)));
    }
    if (absl::Now() > until) {
      return absl::DeadlineExceededError(
          absl::StrCat(r.process, "-", r.index, " never served:\n", LogTail(r.process, r.index)));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::OkStatus();
}

void Fleet::Stop() {
  for (const char* phase : {"gateway", "services"}) {
    for (auto& [process, list] : replicas_) {
      if ((process == "gateway") != (std::string(phase) == "gateway")) continue;
      for (auto& r : list) {
        if (r.child != nullptr && r.child->running()) r.child->Signal(SIGCONT);
        if (r.child != nullptr) r.child->Stop(absl::Seconds(10));
      }
    }
  }
  replicas_.clear();
  edges_.clear();
  database_edges_.clear();
  client_edges_.clear();
  if (!dir_.empty()) {
    if (keep_logs_) {
      std::fprintf(stderr, "fleet logs kept in %s\n", dir_.c_str());
    } else {
      RemoveTree(dir_);
    }
    dir_.clear();
  }
}

absl::Status Fleet::StartReplica(const std::string& process, int index) {
  Replica& r = replica(process, index);
  if (r.running()) return absl::FailedPreconditionError("already running");
  r.child = std::make_unique<ChildProcess>();
  if (auto st = r.child->Start(r.argv, r.log); !st.ok()) return st;
  return WaitServing(r, absl::Seconds(60));
}

void Fleet::Signal(const std::string& process, int index, int sig) {
  Replica& r = replica(process, index);
  if (r.child == nullptr) return;
  r.child->Signal(sig);
  if (sig == SIGKILL) (void)r.child->Wait(absl::Seconds(10));
}

int Fleet::replica_count(const std::string& process) const {
  auto it = replicas_.find(process);
  return it == replicas_.end() ? 0 : static_cast<int>(it->second.size());
}

std::string Fleet::Target(const std::string& process) const {
  std::vector<std::string> addresses;
  for (const auto& r : replicas_.at(process)) addresses.push_back(absl::StrCat("127.0.0.1:", r.port));
  return absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
}

std::shared_ptr<grpc::Channel> Fleet::GatewayChannel() const {
  if (!client_edges_.empty()) {
    std::vector<std::string> addresses;
    for (const auto& p : client_edges_) addresses.push_back(absl::StrCat("127.0.0.1:", p->port()));
    return CreateBalancedChannel(absl::StrCat("ipv4:", absl::StrJoin(addresses, ",")), ChannelSettings{});
  }
  return CreateBalancedChannel(Target("gateway"), ChannelSettings{});
}

std::vector<FaultProxy*> Fleet::Edge(const std::string& caller, const std::string& callee) const {
  std::vector<FaultProxy*> out;
  auto c = edges_.find(caller);
  if (c == edges_.end()) return out;
  auto e = c->second.find(callee);
  if (e == c->second.end()) return out;
  for (const auto& p : e->second) out.push_back(p.get());
  return out;
}

FaultProxy* Fleet::DatabaseEdge(const std::string& service) const {
  auto it = database_edges_.find(service);
  return it == database_edges_.end() ? nullptr : it->second.get();
}

FaultProxy* Fleet::ClientEdge(int index) const {
  return index >= 0 && index < static_cast<int>(client_edges_.size()) ? client_edges_[index].get() : nullptr;
}

void Fleet::ClearAllFaults() {
  for (auto& [caller, callees] : edges_) {
    for (auto& [callee, list] : callees) {
      for (auto& p : list) p->ClearFaults();
    }
  }
  for (auto& [service, p] : database_edges_) p->ClearFaults();
  for (auto& p : client_edges_) p->ClearFaults();
}

std::shared_ptr<grpc::Channel> Fleet::Channel(const std::string& process, int index) const {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", replicas_.at(process).at(index).port),
                             grpc::InsecureChannelCredentials());
}

std::string Fleet::Token(const std::string& user, const std::string& role, int64_t rep_id, int64_t org_unit_id) const {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) return "";
  int64_t now = absl::ToUnixSeconds(absl::Now());
  jwt_add_header(jwt, "kid", kKid);
  jwt_add_grant(jwt, "sub", user.c_str());
  jwt_add_grant(jwt, "role", role.c_str());
  jwt_add_grant(jwt, "iss", kIssuer);
  jwt_add_grant(jwt, "aud", kAudience);
  if (rep_id) jwt_add_grant_int(jwt, "rep_id", rep_id);
  if (org_unit_id) jwt_add_grant_int(jwt, "org_unit_id", org_unit_id);
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "nbf", now);
  jwt_add_grant_int(jwt, "exp", now + 3 * 3600);
  jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(private_pem_.data()),
              static_cast<int>(private_pem_.size()));
  char* s = jwt_encode_str(jwt);
  jwt_free(jwt);
  std::string out = s ? s : "";
  free(s);
  return out;
}

std::string Fleet::LogTail(const std::string& process, int index, size_t bytes) const {
  std::string text = ReadAll(replicas_.at(process).at(index).log);
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

int Fleet::CountLogLines(const std::string& process, int index, const std::string& needle) const {
  std::ifstream in(replicas_.at(process).at(index).log);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace sales::testing
