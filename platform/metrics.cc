#include "platform/metrics.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/config.h"
#include "platform/consumer.h"
#include "platform/log.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "platform/server.h"

namespace sales {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Business facts, each an event type of one producer; counted when the
// producer's sequencer publishes the event. `enum_field`/`enum_value` narrow
// a type to the events whose payload has that enum value (a lapse is one
// kind of owner change).
struct BusinessFact {
  const char* process;
  const char* event_type;
  const char* metric;
  const char* help;
  std::map<std::string, std::string> labels;
  const char* enum_field = nullptr;
  const char* enum_value = nullptr;
};

const std::vector<BusinessFact>& BusinessFacts() {
  static const auto* facts = new std::vector<BusinessFact>{
      {"orders", "OrderConfirmedEvent", "sales_orders_confirmed_total", "Orders confirmed.", {}},
      {"orders",
       "OrderCreditHeldEvent",
       "sales_orders_credit_held_total",
       "Orders held for credit review on confirmation.",
       {}},
      {"orders", "OrderShippedEvent", "sales_orders_shipped_total", "Shipments made against orders.", {}},
      {"orders", "OrderCancelledEvent", "sales_orders_cancelled_total", "Orders cancelled.", {}},
      {"orders", "OrderReturnedEvent", "sales_orders_returned_total", "Returns received against orders.", {}},
      {"finance", "InvoiceIssuedEvent", "sales_invoices_issued_total", "Invoices issued.", {}},
      {"finance",
       "PaymentAppliedEvent",
       "sales_payments_applied_total",
       "Payments applied to invoices (one per application).",
       {}},
      {"finance", "CustomerHoldSetEvent", "sales_holds_set_total", "Customer holds set.", {{"source", "finance"}}},
      {"finance",
       "CustomerHoldReleasedEvent",
       "sales_holds_released_total",
       "Customer holds released.",
       {{"source", "finance"}}},
      {"customers", "CreditHoldSetEvent", "sales_holds_set_total", "Customer holds set.", {{"source", "customers"}}},
      {"customers",
       "CreditHoldReleasedEvent",
       "sales_holds_released_total",
       "Customer holds released.",
       {{"source", "customers"}}},
      {"customers", "CustomerRegisteredEvent", "sales_customers_registered_total", "Customers registered.", {}},
      {"customers",
       "CustomerOwnerChangedEvent",
       "sales_customers_lapsed_total",
       "Prospects whose protection ran out and who went back to the pool.",
       {},
       "kind",
       "OWNERSHIP_CHANGE_KIND_LAPSED"},
      {"targets", "PlanSignedEvent", "sales_plans_signed_total", "Target plans signed.", {}},
  };
  return *facts;
}

const char* TypeName(grpc::experimental::ServerRpcInfo::Type t) {
  switch (t) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return "unary";
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kNames[c] : "UNKNOWN";
}

// "/sales.orders.v1.OrdersService/GetOrder" → {"sales.orders.v1.OrdersService", "GetOrder"}.
std::pair<std::string, std::string> SplitMethod(const char* full) {
  std::string m = full ? full : "";
  if (!m.empty() && m[0] == '/') m.erase(0, 1);
  auto slash = m.find('/');
  if (slash == std::string::npos) return {"unknown", m};
  return {m.substr(0, slash), m.substr(slash + 1)};
}

ClientMetric GaugeSample(std::map<std::string, std::string> labels, double v) {
  ClientMetric m;
  for (auto& [k, val] : labels) m.label.push_back({k, val});
  m.gauge.value = v;
  return m;
}

ClientMetric CounterSample(std::map<std::string, std::string> labels, double v) {
  ClientMetric m;
  for (auto& [k, val] : labels) m.label.push_back({k, val});
  m.counter.value = v;
  return m;
}

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// Gauges read from their sources when Prometheus scrapes.
class ScrapeTimeCollectable : public prometheus::Collectable {
 public:
  explicit ScrapeTimeCollectable(std::string process) : process_(std::move(process)) {}

  void AddPool(db::Pool* p) {
    std::lock_guard<std::mutex> lock(mu_);
    pools_.push_back(p);
  }
  void AddOutbox(Outbox* o) {
    std::lock_guard<std::mutex> lock(mu_);
    outboxes_.push_back(o);
  }
  void AddConsumer(EventConsumer* c) {
    std::lock_guard<std::mutex> lock(mu_);
    consumers_.push_back(c);
  }

  std::vector<MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<MetricFamily> out;
    if (!pools_.empty()) {
      auto max = Family("sales_db_pool_max_connections", "Connections the MySQL pool may open.", MetricType::Gauge);
      auto open = Family("sales_db_pool_connections_open", "MySQL connections open.", MetricType::Gauge);
      auto used = Family("sales_db_pool_connections_in_use", "MySQL connections lent out.", MetricType::Gauge);
      auto waits =
          Family("sales_db_pool_waits_total", "Acquires that had to wait for a free connection.", MetricType::Counter);
      auto waited =
          Family("sales_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", MetricType::Counter);
      auto replaced = Family("sales_db_pool_connections_replaced_total", "Broken connections dropped and replaced.",
                             MetricType::Counter);
      for (auto* p : pools_) {
        db::PoolStats s = p->Stats();
        std::map<std::string, std::string> l = {{"database", p->options().database}};
        max.metric.push_back(GaugeSample(l, p->options().max_connections));
        open.metric.push_back(GaugeSample(l, s.open));
        used.metric.push_back(GaugeSample(l, s.in_use));
        waits.metric.push_back(CounterSample(l, static_cast<double>(s.waits)));
        waited.metric.push_back(CounterSample(l, static_cast<double>(s.wait_micros) / 1e6));
        replaced.metric.push_back(CounterSample(l, static_cast<double>(s.replaced)));
      }
      for (auto* f : {&max, &open, &used, &waits, &waited, &replaced}) out.push_back(std::move(*f));
    }
    if (!outboxes_.empty()) {
      auto backlog =
          Family("sales_outbox_backlog", "Committed outbox rows not yet given a feed position.", MetricType::Gauge);
      auto position =
          Family("sales_outbox_position", "The last position of this service's event feed.", MetricType::Gauge);
      for (auto* o : outboxes_) {
        std::map<std::string, std::string> l = {{"producer", process_}};
        if (auto b = o->Backlog(); b.ok()) backlog.metric.push_back(GaugeSample(l, static_cast<double>(*b)));
        if (auto p = o->LastPosition(); p.ok()) position.metric.push_back(GaugeSample(l, static_cast<double>(*p)));
      }
      out.push_back(std::move(backlog));
      out.push_back(std::move(position));
    }
    if (!consumers_.empty()) {
      auto position = Family("sales_consumer_position",
                             "The last feed position this consumer has applied (its cursor). Lag in events: "
                             "the producer's sales_outbox_position minus this.",
                             MetricType::Gauge);
      auto applied = Family("sales_consumer_events_applied_total",
                            "Events applied by this process (duplicates not counted).", MetricType::Counter);
      auto delay = Family("sales_consumer_last_event_delay_seconds",
                          "For the last event applied: time from its commit at the producer to its "
                          "application here.",
                          MetricType::Gauge);
      auto idle = Family("sales_consumer_seconds_since_last_event",
                         "Time since this consumer last applied an event (grows while the feed is quiet "
                         "or the consumer is stuck).",
                         MetricType::Gauge);
      auto active = Family("sales_consumer_active",
                           "1 on the one replica holding this feed's lease (it applies the events), 0 on "
                           "standbys; the sum over replicas is 1 while the feed is consumed.",
                           MetricType::Gauge);
      auto failing = Family("sales_consumer_failing_seconds",
                            "How long this consumer has been failing to apply its next event or to read its "
                            "feed (0 while healthy). A transient fault clears itself; an event that keeps "
                            "failing with its own error is parked after the consumer's park_after.",
                            MetricType::Gauge);
      auto failures =
          Family("sales_consumer_apply_failures_total",
                 "Applies that failed in this process (each is retried, or parked at last).", MetricType::Counter);
      auto parked = Family("sales_consumer_events_parked_total",
                           "Events this process parked in dead_letters: they will not apply and need an "
                           "operator.",
                           MetricType::Counter);
      auto dead = Family("sales_consumer_dead_letters",
                         "Events in this consumer's dead_letters table (all replicas, all time).", MetricType::Gauge);
      double now = NowSeconds();
      for (auto* c : consumers_) {
        std::vector<std::string> parts = absl::StrSplit(c->name(), absl::MaxSplits("<-", 1));
        std::map<std::string, std::string> l = {{"consumer", c->name()},
                                                {"producer", parts.size() == 2 ? parts[1] : ""}};
        if (auto cur = c->Cursor(); cur.ok()) position.metric.push_back(GaugeSample(l, static_cast<double>(*cur)));
        applied.metric.push_back(CounterSample(l, static_cast<double>(c->applied())));
        active.metric.push_back(GaugeSample(l, c->active() ? 1 : 0));
        int64_t since = c->failing_since_micros();
        failing.metric.push_back(
            GaugeSample(l, since == 0 ? 0.0 : std::max(0.0, now - static_cast<double>(since) / 1e6)));
        failures.metric.push_back(CounterSample(l, static_cast<double>(c->apply_failures())));
        parked.metric.push_back(CounterSample(l, static_cast<double>(c->parked())));
        if (auto d = c->DeadLetters(); d.ok()) dead.metric.push_back(GaugeSample(l, static_cast<double>(*d)));
        int64_t occurred = c->last_event_occurred_micros();
        int64_t at = c->last_event_applied_micros();
        if (at > 0) {
          delay.metric.push_back(GaugeSample(l, static_cast<double>(at - occurred) / 1e6));
          idle.metric.push_back(GaugeSample(l, now - static_cast<double>(at) / 1e6));
        }
      }
      for (auto* f : {&position, &applied, &delay, &idle, &active, &failing, &failures, &parked, &dead}) {
        out.push_back(std::move(*f));
      }
    }
    return out;
  }

 private:
  std::string process_;
  mutable std::mutex mu_;
  std::vector<db::Pool*> pools_;
  std::vector<Outbox*> outboxes_;
  std::vector<EventConsumer*> consumers_;
};

struct Metrics::Impl {
  std::string process;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<ScrapeTimeCollectable> scrape_time;

  prometheus::Family<prometheus::Counter>* started = nullptr;
  prometheus::Family<prometheus::Counter>* handled = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;
  prometheus::Family<prometheus::Gauge>* in_flight = nullptr;
  prometheus::Family<prometheus::Counter>* published = nullptr;
  // Business counters by event type (several facts may share a type).
  std::multimap<std::string, std::pair<const BusinessFact*, prometheus::Counter*>> facts;

  // Declared last so it stops serving before anything it reads goes away.
  std::unique_ptr<prometheus::Exposer> exposer;
};

namespace {

// Counts one call: started and in flight from creation, handled and latency
// when its status is sent, in flight until the call is released.
class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(Metrics::Impl* m, grpc::experimental::ServerRpcInfo* info) : m_(m) {
    auto [service, method] = SplitMethod(info->method());
    labels_ = {{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", TypeName(info->type())}};
    m_->started->Add(labels_).Increment();
    in_flight_ = &m_->in_flight->Add({{"grpc_service", service}, {"grpc_method", method}});
    in_flight_->Increment();
    start_ = std::chrono::steady_clock::now();
  }
  ~CallInterceptor() override {
    // A call cancelled before any status was sent still ends here.
    if (!done_) Finish(grpc::StatusCode::CANCELLED);
    in_flight_->Decrement();
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!done_ && methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Finish(grpc::StatusCode code) {
    done_ = true;
    auto l = labels_;
    l["grpc_code"] = CodeName(code);
    m_->handled->Add(l).Increment();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    m_->latency->Add(labels_, kBuckets).Observe(seconds);
  }

  Metrics::Impl* m_;
  std::map<std::string, std::string> labels_;
  prometheus::Gauge* in_flight_ = nullptr;
  std::chrono::steady_clock::time_point start_;
  bool done_ = false;
};

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(Metrics::Impl* m) : m_(m) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(m_, info);
  }

 private:
  Metrics::Impl* m_;
};

}  // namespace

Metrics::Metrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Metrics::~Metrics() {
  // Stop serving scrapes first: they read the registry and the sources.
  if (impl_) impl_->exposer.reset();
}

std::unique_ptr<Metrics> Metrics::Create(std::string process, const std::string& listen) {
  auto impl = std::make_unique<Impl>();
  impl->process = process;
  auto& r = *impl->registry;
  impl->started = &prometheus::BuildCounter()
                       .Name("grpc_server_started_total")
                       .Help("gRPC calls started on the server, by service and method.")
                       .Register(r);
  impl->handled = &prometheus::BuildCounter()
                       .Name("grpc_server_handled_total")
                       .Help("gRPC calls completed on the server, by service, method and status code.")
                       .Register(r);
  impl->latency = &prometheus::BuildHistogram()
                       .Name("grpc_server_handling_seconds")
                       .Help("Time from a call's start to its status, by service and method.")
                       .Register(r);
  impl->in_flight = &prometheus::BuildGauge()
                         .Name("grpc_server_in_flight_calls")
                         .Help("gRPC calls being served now, by service and method.")
                         .Register(r);
  impl->published = &prometheus::BuildCounter()
                         .Name("sales_events_published_total")
                         .Help("Events this service's feed published (given a position), by event type.")
                         .Register(r);
  std::map<std::string, prometheus::Family<prometheus::Counter>*> fact_families;
  for (const auto& f : BusinessFacts()) {
    if (process != f.process) continue;
    auto& fam = fact_families[f.metric];
    if (fam == nullptr) fam = &prometheus::BuildCounter().Name(f.metric).Help(f.help).Register(r);
    impl->facts.emplace(f.event_type, std::make_pair(&f, &fam->Add(f.labels)));
  }
  impl->scrape_time = std::make_shared<ScrapeTimeCollectable>(process);
  auto* build =
      &prometheus::BuildGauge().Name("sales_process_info").Help("Always 1; labels name the process.").Register(r);
  build->Add({{"process", process}}).Set(1);

  if (!listen.empty()) {
    try {
      impl->exposer = std::make_unique<prometheus::Exposer>(listen, 2);
      impl->exposer->RegisterCollectable(impl->registry);
      impl->exposer->RegisterCollectable(impl->scrape_time);
      LogInfo("metrics serving",
              {{"address", listen},
               {"port", impl->exposer->GetListeningPorts().empty() ? 0 : impl->exposer->GetListeningPorts()[0]}});
    } catch (const std::exception& e) {
      // Metrics are not worth refusing service for; Prometheus will see the
      // target down and say so.
      impl->exposer.reset();
      LogError("metrics endpoint not served", {{"address", listen}, {"error", std::string(e.what())}});
    }
  }
  return std::unique_ptr<Metrics>(new Metrics(std::move(impl)));
}

int Metrics::port() const {
  if (!impl_->exposer) return 0;
  auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

std::string Metrics::Scrape() const {
  auto families = impl_->registry->Collect();
  for (auto& f : impl_->scrape_time->Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Metrics::NewInterceptorFactory() {
  return std::make_unique<CallInterceptorFactory>(impl_.get());
}

void Metrics::Instrument(ServerHost& host) { host.AddInterceptorFactory(NewInterceptorFactory()); }

void Metrics::WatchPool(db::Pool* pool) { impl_->scrape_time->AddPool(pool); }

void Metrics::WatchOutbox(Outbox* outbox) {
  impl_->scrape_time->AddOutbox(outbox);
  outbox->OnPublished(
      [this](const std::vector<Outbox::Published>& events) {
        for (const auto& e : events) EventPublished(e.type, e.payload_type, e.payload);
      },
      [this](absl::string_view type) { return WantsPayload(type); });
}

void Metrics::WatchConsumer(EventConsumer* consumer) { impl_->scrape_time->AddConsumer(consumer); }

bool Metrics::WantsPayload(absl::string_view type) const {
  auto range = impl_->facts.equal_range(std::string(type));
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.first->enum_field != nullptr) return true;
  }
  return false;
}

void Metrics::EventPublished(absl::string_view type, absl::string_view payload_type, absl::string_view payload) {
  impl_->published->Add({{"type", std::string(type)}}).Increment();
  auto range = impl_->facts.equal_range(std::string(type));
  for (auto it = range.first; it != range.second; ++it) {
    const BusinessFact& fact = *it->second.first;
    if (fact.enum_field != nullptr) {
      // Decoded through the generated pool: the producer links its own
      // event messages, so no service code is involved.
      const auto* desc =
          google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(std::string(payload_type));
      if (desc == nullptr) continue;
      const auto* field = desc->FindFieldByName(fact.enum_field);
      if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_ENUM) continue;
      const auto* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(desc);
      if (prototype == nullptr) continue;
      std::unique_ptr<google::protobuf::Message> msg(prototype->New());
      if (!msg->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) continue;
      if (msg->GetReflection()->GetEnum(*msg, field)->name() != fact.enum_value) continue;
    }
    it->second.second->Increment();
  }
}

std::string MetricsListenAddress(const Config& config, const std::string& grpc_listen) {
  std::string fallback = "127.0.0.1:0";
  int port = 0;
  auto colon = grpc_listen.rfind(':');
  if (colon != std::string::npos && absl::SimpleAtoi(grpc_listen.substr(colon + 1), &port) && port > 0 &&
      port + 1000 <= 65535) {
    fallback = absl::StrCat("127.0.0.1:", port + 1000);
  }
  std::string configured = config.GetString("metrics_listen", fallback);
  if (configured == "off") return "";
  return configured.empty() ? fallback : configured;
}

std::unique_ptr<Metrics> StartProcessMetrics(const Config& config, const std::string& process,
                                             const std::string& grpc_listen, ServerHost& host) {
  auto metrics = Metrics::Create(process, MetricsListenAddress(config, grpc_listen));
  metrics->Instrument(host);
  return metrics;
}

}  // namespace sales
