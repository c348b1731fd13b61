// Prometheus metrics of one process (prometheus-cpp, Debian's
// prometheus-cpp-dev), served as text on their own HTTP port, config
// "metrics_listen":
//   - gRPC server calls: started, handled (by code), latency, in flight —
//     by service and method, from a server interceptor, so handlers are
//     untouched;
//   - the MySQL pool: size, in use, waits and time waited;
//   - the outbox: backlog, last feed position, and events published by type
//     as the sequencer makes them visible (exactly once across replicas,
//     since each row is sequenced once), with business names on top
//     (orders confirmed, invoices issued, customers lapsed...);
//   - each feed consumer: cursor, events applied, age of the last event
//     applied (how far behind the producer it runs).
// Nothing here is on a request's critical path except the interceptor's
// counters; database-backed gauges are read when Prometheus scrapes.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sales {

class Config;
class EventConsumer;
class Outbox;
class ServerHost;
namespace db {
class Pool;
}

class Metrics {
 public:
  // `process` names the process ("orders", "gateway"): it selects which
  // business counters exist. `listen` is "host:port" for the HTTP endpoint
  // (port 0 picks a free one); empty serves no endpoint (the registry still
  // counts, and Scrape() still answers).
  static std::unique_ptr<Metrics> Create(std::string process, const std::string& listen);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The endpoint's port (0 when none is served).
  int port() const;
  // The exposition text, as GET /metrics answers it.
  std::string Scrape() const;

  // Counts every call `host` serves (call before host.Start()).
  void Instrument(ServerHost& host);
  // A fresh interceptor factory, for a server not built by ServerHost.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // Sources read at scrape time; each must outlive this object (or be
  // forgotten by destroying this first).
  void WatchPool(db::Pool* pool);
  // Also counts events as `outbox`'s sequencer publishes them.
  void WatchOutbox(Outbox* outbox);
  void WatchConsumer(EventConsumer* consumer);

  // What the outbox sequencer reports per event made visible; public for
  // tests. `payload` may be empty for types no business counter decodes.
  void EventPublished(absl::string_view type, absl::string_view payload_type, absl::string_view payload);
  // Whether EventPublished needs the payload of events of this type.
  bool WantsPayload(absl::string_view type) const;

  struct Impl;

 private:
  explicit Metrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "metrics_listen" of `config`; unset → "127.0.0.1:<grpc port + 1000>" when
// `grpc_listen` names a fixed port, or "127.0.0.1:0" when it asks for any
// free port (tests); "off" → "" (no endpoint).
std::string MetricsListenAddress(const Config& config, const std::string& grpc_listen);

// The whole wiring for a process that builds its own ServerHost (the
// gateway): reads metrics_listen, serves the endpoint, counts the host's
// calls. Keep the result alive as long as the host.
//   auto metrics = sales::StartProcessMetrics(*config, "gateway", options.listen_address, host);
std::unique_ptr<Metrics> StartProcessMetrics(const Config& config, const std::string& process,
                                             const std::string& grpc_listen, ServerHost& host);

}  // namespace sales
