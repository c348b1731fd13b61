// The gateway's cost per call, measured against the two things it replaces:
// calling the service directly, and nginx's grpc_pass in front of it.
//
//   gateway_proxy_driver [--seconds=10] [--concurrency=1,16,64] [--channels=4]
//                        [--gateway_flag=--proxy_threads=1 ...]
//
// One run, three paths to the same backend, each at 1, 16 and 64 calls in
// flight: targets GetRep answered from memory by an in-process callback
// server (so the table shows proxy cost, not MariaDB's), reached
//   direct   — client → backend
//   gateway  — client → gateway (the real binary, ES256 token verified and
//              cached, policy, rate limiter off, principal signed) → backend
//   nginx    — client → nginx grpc_pass (Debian's, started here on loopback
//              with a generated config, upstream keepalive) → backend
// The client is the callback API over a few channels: 64 calls in flight
// need no 64 threads. Everything shares this machine's cores, as it would
// on one node; throughput and latency ratios are what to compare.
//
// The last line of stdout is the one bench/run_all.sh collects (issue 16),
// for each --concurrency level N:
//   bench gateway: gw_over_nginx_N=… gw_over_direct_N=… gw_p99_over_direct_N_ms=… ... errors=…
// gw_over_nginx_N / gw_over_direct_N: the gateway's calls/s over nginx's and
// over the direct path's with N calls in flight (1.00 = as fast; issue 16
// compares nginx at 1, 16, 64 and direct at 16); gw_p99_over_direct_N_ms:
// what the gateway adds to the direct path's p99, in ms; errors: the calls
// that failed in all the cells. With --flood it follows the flood's line.
#include <grpcpp/grpcpp.h>
#include <jwt.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_support.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/testing/process.h"

namespace {

namespace tv1 = sales::targets::v1;
using sales::testing::ChildProcess;
using sales::testing::FreeLoopbackPort;
using Clock = std::chrono::steady_clock;

// GetRep from memory, on the callback API (no thread per call).
class MemoryTargets final : public tv1::TargetsService::CallbackService {
  grpc::ServerUnaryReactor* GetRep(grpc::CallbackServerContext* ctx, const tv1::GetRepRequest* req,
                                   tv1::GetRepResponse* resp) override {
    auto* rep = resp->mutable_rep();
    rep->set_id(req->id());
    rep->set_user_id("rep1");
    rep->set_name("张伟");
    rep->set_org_unit_id(12);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Run(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

// CPU seconds (user + system) a process has used so far.
double CpuSeconds(pid_t pid) {
  std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> f = absl::StrSplit(stat.substr(close + 2), ' ');
  // Fields after the name start at 3 (state); utime and stime are 14, 15.
  if (f.size() < 13) return 0;
  double ticks = std::atof(f[11].c_str()) + std::atof(f[12].c_str());
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string MintToken(const std::string& key_pem, const std::string& sub = "bench-admin") {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  int64_t now = absl::ToUnixSeconds(absl::Now());
  jwt_add_header(jwt, "kid", "bench");
  jwt_add_grant(jwt, "iss", "bench-issuer");
  jwt_add_grant(jwt, "aud", "bench-gateway");
  jwt_add_grant(jwt, "sub", sub.c_str());
  jwt_add_grant(jwt, "role", "ADMIN");
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + 3600);
  jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(key_pem.data()),
              static_cast<int>(key_pem.size()));
  char* s = jwt_encode_str(jwt);
  jwt_free(jwt);
  std::string out = s ? s : "";
  free(s);
  return out;
}

struct CellResult {
  double calls_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  int64_t errors = 0;
};

// Keeps `concurrency` GetRep calls in flight for warmup + measure.
class LoadRun {
 public:
  LoadRun(std::vector<std::unique_ptr<tv1::TargetsService::Stub>>* stubs, std::string token, int concurrency)
      : LoadRun(stubs, std::vector<std::string>{std::move(token)}, concurrency) {}
  // Each call takes the next of `tokens` (a flood of distinct bad tokens).
  LoadRun(std::vector<std::unique_ptr<tv1::TargetsService::Stub>>* stubs, std::vector<std::string> tokens,
          int concurrency, bool quiet = false)
      : stubs_(stubs), tokens_(std::move(tokens)), slots_(static_cast<size_t>(concurrency)), quiet_(quiet) {}

  // Calls answered with an error while measuring.
  int64_t errors() const {
    int64_t n = 0;
    for (const auto& s : slots_) n += s.errors;
    return n;
  }

  CellResult Go(absl::Duration warmup, absl::Duration measure) {
    active_ = static_cast<int>(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].latencies_us.reserve(1 << 16);
      Launch(i);
    }
    absl::SleepFor(warmup);
    auto t0 = Clock::now();
    measuring_.store(true);
    absl::SleepFor(measure);
    measuring_.store(false);
    auto t1 = Clock::now();
    stopping_.store(true);
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return active_ == 0; });
    }
    std::vector<double> all;
    CellResult r;
    for (auto& s : slots_) {
      all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
      r.errors += s.errors;
    }
    std::sort(all.begin(), all.end());
    double secs = std::chrono::duration<double>(t1 - t0).count();
    r.calls_per_s = static_cast<double>(all.size()) / secs;
    r.p50_us = sales::bench::PercentileOfSorted(all, 50);
    r.p99_us = sales::bench::PercentileOfSorted(all, 99);
    return r;
  }

 private:
  struct Slot {
    std::unique_ptr<grpc::ClientContext> ctx;
    tv1::GetRepRequest req;
    tv1::GetRepResponse resp;
    Clock::time_point start;
    std::vector<double> latencies_us;
    int64_t errors = 0;
  };

  void Launch(size_t i) {
    Slot& s = slots_[i];
    s.ctx = std::make_unique<grpc::ClientContext>();
    s.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    s.ctx->AddMetadata("authorization", tokens_[next_token_.fetch_add(1, std::memory_order_relaxed) % tokens_.size()]);
    s.req.set_id(static_cast<int64_t>(i + 1));
    s.resp.Clear();
    s.start = Clock::now();
    (*stubs_)[i % stubs_->size()]->async()->GetRep(s.ctx.get(), &s.req, &s.resp,
                                                   [this, i](grpc::Status st) { Done(i, st); });
  }

  void Done(size_t i, const grpc::Status& st) {
    Slot& s = slots_[i];
    double us = std::chrono::duration<double, std::micro>(Clock::now() - s.start).count();
    if (measuring_.load(std::memory_order_relaxed)) {
      if (st.ok()) {
        s.latencies_us.push_back(us);
      } else {
        ++s.errors;
        if (s.errors == 1 && !quiet_) {
          std::fprintf(stderr, "call failed: %d %s\n", st.error_code(), st.error_message().c_str());
        }
      }
    }
    if (!stopping_.load(std::memory_order_relaxed)) {
      Launch(i);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) cv_.notify_all();
  }

  std::vector<std::unique_ptr<tv1::TargetsService::Stub>>* stubs_;
  std::vector<std::string> tokens_;
  std::atomic<uint64_t> next_token_{0};
  std::vector<Slot> slots_;
  bool quiet_ = false;
  std::atomic<bool> measuring_{false}, stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;
};

// An attacker sending bad tokens at a fixed rate (open loop, as a flood
// arrives whatever the gateway answers), each token distinct so no cache
// helps. Counts what was refused by the per-address limit.
class PacedFlood {
 public:
  PacedFlood(tv1::TargetsService::Stub* stub, std::vector<std::string> tokens, int per_second)
      : stub_(stub), tokens_(std::move(tokens)), per_second_(per_second) {}
  ~PacedFlood() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      auto next = Clock::now();
      const auto gap = std::chrono::nanoseconds(1'000'000'000 / per_second_);
      uint64_t n = 0;
      while (!stop_.load()) {
        next += gap;
        std::this_thread::sleep_until(next);
        if (in_flight_.load() > 4096) continue;  // never an unbounded backlog here
        auto* call = new Call;
        call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        call->ctx.AddMetadata("authorization", tokens_[n++ % tokens_.size()]);
        in_flight_.fetch_add(1);
        stub_->async()->GetRep(&call->ctx, &call->req, &call->resp, [this, call](grpc::Status st) {
          if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) limited_.fetch_add(1);
          sent_.fetch_add(1);
          delete call;
          in_flight_.fetch_sub(1);
        });
      }
    });
  }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    while (in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int64_t sent() const { return sent_.load(); }
  int64_t limited() const { return limited_.load(); }

 private:
  struct Call {
    grpc::ClientContext ctx;
    tv1::GetRepRequest req;
    tv1::GetRepResponse resp;
  };
  tv1::TargetsService::Stub* stub_;
  std::vector<std::string> tokens_;
  int per_second_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> in_flight_{0}, sent_{0}, limited_{0};
};

std::vector<std::unique_ptr<tv1::TargetsService::Stub>> Stubs(int port, int channels) {
  std::vector<std::unique_ptr<tv1::TargetsService::Stub>> out;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("bench.channel", i);  // one connection each
    out.push_back(tv1::TargetsService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args)));
  }
  return out;
}

bool WaitReady(int port, const std::string& token) {
  for (int i = 0; i < 200; ++i) {
    auto stub = tv1::TargetsService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    ctx.AddMetadata("authorization", token);
    tv1::GetRepRequest req;
    tv1::GetRepResponse resp;
    if (stub->GetRep(&ctx, req, &resp).ok()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // The client and backend here take the same fast mutex path as the
  // gateway (see gateway/main.cc), so the paths differ only in the hop.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  int seconds = 10;
  int channels = 4;
  std::vector<int> levels = {1, 16, 64};
  std::vector<std::string> gateway_flags;
  bool flood = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--flood") {
      flood = true;
    } else if (a.rfind("--seconds=", 0) == 0) {
      seconds = std::atoi(a.c_str() + 10);
    } else if (a.rfind("--channels=", 0) == 0) {
      channels = std::atoi(a.c_str() + 11);
    } else if (a.rfind("--gateway_flag=", 0) == 0) {
      gateway_flags.push_back(a.substr(15));
    } else if (a.rfind("--concurrency=", 0) == 0) {
      levels.clear();
      for (auto p : absl::StrSplit(a.substr(14), ',')) {
        int v = 0;
        if (absl::SimpleAtoi(p, &v) && v > 0) levels.push_back(v);
      }
    } else {
      std::fprintf(stderr,
                   "usage: gateway_proxy_driver [--seconds=10] [--concurrency=1,16,64] [--channels=4] "
                   "[--gateway_flag=--key=value ...] [--flood]\n");
      return 2;
    }
  }
  std::string dir = sales::testing::MakeTempDir("gateway-bench");
  std::string keys = dir + "/keys";
  if (!Run("mkdir -p " + keys + " " + dir + "/nginx") ||
      !Run("openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out " + dir +
           "/signing.pem") ||
      !Run("openssl pkey -in " + dir + "/signing.pem -pubout -out " + keys + "/bench.pem")) {
    std::fprintf(stderr, "openssl failed\n");
    return 1;
  }
  std::string token = "Bearer " + MintToken(ReadAll(dir + "/signing.pem"));

  MemoryTargets backend;
  int backend_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &backend_port);
  builder.RegisterService(&backend);
  auto server = builder.BuildAndStart();

  int gw_port = FreeLoopbackPort();
  ChildProcess gateway;
  std::vector<std::string> gw_argv = {absl::StrCat(SALES_BIN_DIR, "/gateway/gateway"),
                                      absl::StrCat("--listen=127.0.0.1:", gw_port),
                                      absl::StrCat("--targets_address=127.0.0.1:", backend_port),
                                      "--jwt_public_keys_dir=" + keys,
                                      "--jwt_issuer=bench-issuer",
                                      "--jwt_audience=bench-gateway",
                                      absl::StrCat("--policy_file=", SALES_SOURCE_DIR, "/gateway/policy.json"),
                                      "--principal_hmac_secret=bench-secret",
                                      "--rate_limit_per_second=0",
                                      "--access_log=none"};
  gw_argv.insert(gw_argv.end(), gateway_flags.begin(), gateway_flags.end());
  auto st = gateway.Start(gw_argv, dir + "/gateway.log");
  int nginx_port = FreeLoopbackPort();
  std::string conf = dir + "/nginx/nginx.conf";
  {
    std::ofstream out(conf);
    out << (geteuid() == 0 ? "user root;\n" : "") << "worker_processes auto;\n"
        << "daemon off;\nerror_log " << dir << "/nginx/error.log warn;\npid " << dir << "/nginx/nginx.pid;\n"
        << "events { worker_connections 4096; }\n"
        << "http {\n  access_log off;\n"
        << "  client_body_temp_path " << dir << "/nginx/body;\n  proxy_temp_path " << dir << "/nginx/proxy;\n"
        << "  fastcgi_temp_path " << dir << "/nginx/fcgi;\n  uwsgi_temp_path " << dir << "/nginx/uwsgi;\n"
        << "  scgi_temp_path " << dir << "/nginx/scgi;\n"
        << "  upstream backend {\n    server 127.0.0.1:" << backend_port << ";\n    keepalive 128;\n  }\n"
        << "  server {\n    listen 127.0.0.1:" << nginx_port << " http2;\n"
        << "    http2_max_concurrent_streams 1024;\n"
        << "    location / { grpc_pass grpc://backend; }\n  }\n}\n";
  }
  ChildProcess nginx;
  auto nst = nginx.Start({"/usr/sbin/nginx", "-p", dir + "/nginx", "-c", conf}, dir + "/nginx.log");
  if (!st.ok() || !nst.ok() || !WaitReady(gw_port, token) || !WaitReady(nginx_port, token)) {
    std::fprintf(stderr, "gateway or nginx did not come up; see %s\n%s\n%s\n", dir.c_str(),
                 ReadAll(dir + "/gateway.log").c_str(), ReadAll(dir + "/nginx/error.log").c_str());
    return 1;
  }

  struct Path {
    const char* name;
    int port;
  };
  const Path paths[] = {{"direct", backend_port}, {"gateway", gw_port}, {"nginx", nginx_port}};
  std::printf("GetRep from memory, %d s per cell (+1 s warmup), %d client channels, %ld cores\n", seconds, channels,
              sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%-8s %6s %12s %10s %10s %7s %14s\n", "path", "calls", "calls/s", "p50 us", "p99 us", "errors",
              "gw cpu us/call");
  std::vector<std::vector<CellResult>> results(3);
  for (int level : levels) {
    for (int p = 0; p < 3; ++p) {
      auto stubs = Stubs(paths[p].port, channels);
      LoadRun run(&stubs, token, level);
      double cpu0 = CpuSeconds(gateway.pid());
      CellResult r = run.Go(absl::Seconds(1), absl::Seconds(seconds));
      double cpu = CpuSeconds(gateway.pid()) - cpu0;
      results[static_cast<size_t>(p)].push_back(r);
      std::string gw_cpu = "";
      if (p == 1) {
        // Over warmup + measurement; calls counted in the measurement only.
        gw_cpu = absl::StrCat(static_cast<int>(1e6 * cpu / (r.calls_per_s * (seconds + 1))));
      }
      std::printf("%-8s %6d %12.0f %10.0f %10.0f %7lld %14s\n", paths[p].name, level, r.calls_per_s, r.p50_us, r.p99_us,
                  static_cast<long long>(r.errors), gw_cpu.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\n%6s %22s %22s %18s %18s\n", "calls", "gateway/direct calls/s", "gateway/nginx calls/s",
              "gateway/direct p50", "gateway/nginx p50");
  for (size_t i = 0; i < levels.size(); ++i) {
    const CellResult &d = results[0][i], &g = results[1][i], &n = results[2][i];
    std::printf("%6d %22.2f %22.2f %18.2f %18.2f\n", levels[i], g.calls_per_s / d.calls_per_s,
                g.calls_per_s / n.calls_per_s, g.p50_us / d.p50_us, g.p50_us / n.p50_us);
  }
  if (flood) {
    // Signed-in throughput while bad tokens arrive (well-formed, under the
    // trusted kid, signed by a stranger's key, each distinct so no cache
    // helps): with the gateway's per-address limit on signature checks, and
    // on a second gateway with that limit off.
    if (!Run("openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out " + dir +
             "/stranger.pem")) {
      return 1;
    }
    std::vector<std::string> bad;
    std::string stranger = ReadAll(dir + "/stranger.pem");
    for (int i = 0; i < 256; ++i) bad.push_back("Bearer " + MintToken(stranger, absl::StrCat("mallory-", i)));
    int open_port = FreeLoopbackPort();
    ChildProcess open_gw;
    std::vector<std::string> open_argv = gw_argv;
    open_argv[1] = absl::StrCat("--listen=127.0.0.1:", open_port);
    open_argv.push_back("--token_checks_per_second_per_address=0");
    if (!open_gw.Start(open_argv, dir + "/gateway-open.log").ok() || !WaitReady(open_port, token)) {
      std::fprintf(stderr, "second gateway did not come up\n");
      return 1;
    }
    // One flood rate, open loop: far more new tokens a second than the
    // per-address limit admits, as an attacker's script sends them.
    const int flood_rate = 2000;
    auto measure = [&](int port, bool with_flood, int64_t* limited) {
      auto stubs = Stubs(port, channels);
      auto flood_stubs = Stubs(port, 1);
      LoadRun legit(&stubs, token, 16);
      PacedFlood attack(flood_stubs[0].get(), bad, flood_rate);
      if (with_flood) attack.Start();
      CellResult r = legit.Go(absl::Seconds(1), absl::Seconds(seconds));
      attack.Stop();
      if (limited != nullptr) *limited = attack.limited();
      return r;
    };
    int64_t limited = 0, open_limited = 0;
    CellResult quiet = measure(gw_port, false, nullptr);
    CellResult flooded = measure(gw_port, true, &limited);
    CellResult open_quiet = measure(open_port, false, nullptr);
    CellResult open_flooded = measure(open_port, true, &open_limited);
    std::printf("\nsigned-in GetRep at 16 in flight, against %d bad tokens a second\n", flood_rate);
    std::printf("%-28s %12s %12s %8s %14s\n", "gateway", "quiet/s", "flooded/s", "ratio", "flood limited");
    std::printf("%-28s %12.0f %12.0f %8.2f %14lld\n", "limited per address (50/s)", quiet.calls_per_s,
                flooded.calls_per_s, flooded.calls_per_s / quiet.calls_per_s, static_cast<long long>(limited));
    std::printf("%-28s %12.0f %12.0f %8.2f %14lld\n", "no limit", open_quiet.calls_per_s, open_flooded.calls_per_s,
                open_flooded.calls_per_s / open_quiet.calls_per_s, static_cast<long long>(open_limited));
    std::printf("bench gateway_flood: flood_per_s=%d limited_ratio=%.2f unlimited_ratio=%.2f quiet_calls_s=%.0f\n",
                flood_rate, flooded.calls_per_s / quiet.calls_per_s, open_flooded.calls_per_s / open_quiet.calls_per_s,
                quiet.calls_per_s);
    open_gw.Stop();
  }
  std::string by_nginx, by_direct, p99_added;
  int64_t errors = 0;
  for (size_t i = 0; i < levels.size(); ++i) {
    const CellResult &d = results[0][i], &g = results[1][i], &n = results[2][i];
    absl::StrAppendFormat(&by_nginx, " gw_over_nginx_%d=%.2f", levels[i], g.calls_per_s / n.calls_per_s);
    absl::StrAppendFormat(&by_direct, " gw_over_direct_%d=%.2f", levels[i], g.calls_per_s / d.calls_per_s);
    absl::StrAppendFormat(&p99_added, " gw_p99_over_direct_%d_ms=%.3f", levels[i], (g.p99_us - d.p99_us) / 1000);
    errors += d.errors + g.errors + n.errors;
  }
  std::printf("bench gateway: seconds=%d%s%s%s errors=%lld\n", seconds, by_nginx.c_str(), by_direct.c_str(),
              p99_added.c_str(), static_cast<long long>(errors));
  std::fflush(stdout);
  gateway.Stop();
  nginx.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  sales::testing::RemoveTree(dir);
  return 0;
}
