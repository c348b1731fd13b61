// The Prometheus endpoint of real services during a short workload: the
// counters Prometheus would scrape move by exactly what the workload did.
// targets and customers run in-process on a real MariaDB, customers follows
// targets' feed, and /metrics is read over HTTP as Prometheus reads it.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "customers-svc/api/customers_api.h"
#include "platform/metrics.h"
#include "platform/server.h"
#include "sales/customers/v1/events.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::Ctx;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
using Labels = std::map<std::string, std::string>;

// GET http://127.0.0.1:<port><path>; the body, or "" when unreachable.
std::string HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (::send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return "";
  }
  std::string resp;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto body = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.find(" 200 ") == std::string::npos || body == std::string::npos) return "";
  return resp.substr(body + 4);
}

// The sum of every sample of `name` whose labels include `want` (Prometheus
// text format); -1 when there is none.
double Sample(const std::string& text, const std::string& name, const Labels& want = {}) {
  double sum = 0;
  bool found = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto brace = line.find('{');
    auto space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    absl::string_view metric = line.substr(0, brace == absl::string_view::npos ? space : brace);
    if (metric != name) continue;
    Labels have;
    if (brace != absl::string_view::npos) {
      absl::string_view inner = line.substr(brace + 1, line.rfind('}') - brace - 1);
      for (absl::string_view kv : absl::StrSplit(inner, "\",", absl::SkipEmpty())) {
        auto eq = kv.find("=\"");
        if (eq == absl::string_view::npos) continue;
        std::string v(kv.substr(eq + 2));
        if (!v.empty() && v.back() == '"') v.pop_back();
        have[std::string(kv.substr(0, eq))] = v;
      }
    }
    bool match = true;
    for (const auto& [k, v] : want) {
      auto it = have.find(k);
      if (it == have.end() || it->second != v) match = false;
    }
    if (!match) continue;
    double v = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &v)) continue;
    sum += v;
    found = true;
  }
  return found ? sum : -1;
}

// Scrapes until `done` holds for the text (the sequencer and the feed run
// in the background), or gives up after 15 s and returns the last text.
template <typename Pred>
std::string ScrapeUntil(int port, Pred done) {
  std::string text;
  for (int i = 0; i < 150; ++i) {
    text = HttpGet(port, "/metrics");
    if (!text.empty() && done(text)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return text;
}

class DeployMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    targets_ = StartService(targets::MakeServiceDefinition(), FreshDatabase("m_targets"));
    ASSERT_NE(targets_, nullptr);
    customers_ = StartService(customers::MakeServiceDefinition(), FreshDatabase("m_customers"), nullptr,
                              {{"targets_address", absl::StrCat("127.0.0.1:", targets_->port())}});
    ASSERT_NE(customers_, nullptr);
    ASSERT_GT(targets_->metrics()->port(), 0);
    ASSERT_GT(customers_->metrics()->port(), 0);
    tstub_ = targets::v1::TargetsService::NewStub(Loopback(targets_->port()));
    cstub_ = customers::v1::CustomersService::NewStub(Loopback(customers_->port()));
  }

  int64_t CreateUnit(const std::string& code, targets::v1::OrgUnitKind kind, int64_t parent) {
    targets::v1::CreateOrgUnitRequest req;
    req.set_request_id("u-" + code);
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(code);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    targets::v1::CreateOrgUnitResponse resp;
    EXPECT_TRUE(tstub_->CreateOrgUnit(Ctx().get(), req, &resp).ok());
    return resp.org_unit().id();
  }

  int64_t CreateRep(int64_t unit) {
    targets::v1::CreateRepRequest rep;
    rep.set_request_id("rep-1");
    rep.mutable_rep()->set_employee_code("E1");
    rep.mutable_rep()->set_name("张伟");
    rep.mutable_rep()->set_org_unit_id(unit);
    rep.mutable_rep()->mutable_hire_date()->set_year(2024);
    rep.mutable_rep()->mutable_hire_date()->set_month(1);
    rep.mutable_rep()->mutable_hire_date()->set_day(2);
    targets::v1::CreateRepResponse resp;
    EXPECT_TRUE(tstub_->CreateRep(Ctx().get(), rep, &resp).ok());
    return resp.rep().id();
  }

  grpc::Status Register(const std::string& rid, const std::string& phone, int64_t owner) {
    customers::v1::RegisterCustomerRequest req;
    req.set_request_id(rid);
    req.set_owner_rep_id(owner);
    req.mutable_customer()->set_name("客户" + phone);
    req.mutable_customer()->set_type(customers::v1::CUSTOMER_TYPE_OUTLET_B);
    req.mutable_customer()->set_phone(phone);
    req.mutable_customer()->set_region("EAST");
    req.mutable_customer()->set_city("上海");
    customers::v1::RegisterCustomerResponse resp;
    return cstub_->RegisterCustomer(Ctx().get(), req, &resp);
  }

  std::unique_ptr<ServiceApp> targets_;
  std::unique_ptr<ServiceApp> customers_;
  std::unique_ptr<targets::v1::TargetsService::Stub> tstub_;
  std::unique_ptr<customers::v1::CustomersService::Stub> cstub_;
};

TEST_F(DeployMetrics, CountersMoveByExactlyWhatTheWorkloadDid) {
  const int tport = targets_->metrics()->port();
  const int cport = customers_->metrics()->port();
  int64_t co = CreateUnit("CO", targets::v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = CreateUnit("EAST", targets::v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t rep = CreateRep(east);

  // customers learns the rep from targets' feed: its cursor reaches targets'
  // last position (consumer lag 0).
  std::string ttext = ScrapeUntil(tport, [](const std::string& t) {
    return Sample(t, "sales_events_published_total", {{"type", "RepCreatedEvent"}}) == 1 &&
           Sample(t, "sales_outbox_backlog") == 0;
  });
  double head = Sample(ttext, "sales_outbox_position", {{"producer", "targets"}});
  ASSERT_GE(head, 3) << ttext;  // two units and a rep at least
  const Labels feed = {{"consumer", "customers<-targets"}, {"producer", "targets"}};
  std::string before =
      ScrapeUntil(cport, [&](const std::string& t) { return Sample(t, "sales_consumer_position", feed) == head; });
  ASSERT_EQ(Sample(before, "sales_consumer_position", feed), head) << before;
  EXPECT_EQ(Sample(before, "sales_consumer_events_applied_total", feed), head);
  EXPECT_GE(Sample(before, "sales_consumer_last_event_delay_seconds", feed), 0);
  EXPECT_EQ(
      Sample(
          ttext, "grpc_server_handled_total",
          {{"grpc_service", "sales.targets.v1.TargetsService"}, {"grpc_method", "CreateOrgUnit"}, {"grpc_code", "OK"}}),
      2);

  const Labels reg = {{"grpc_service", "sales.customers.v1.CustomersService"}, {"grpc_method", "RegisterCustomer"}};
  auto with = [](Labels l, const std::string& k, const std::string& v) {
    l[k] = v;
    return l;
  };
  auto zero_if_absent = [](double v) { return v < 0 ? 0 : v; };
  double started0 = zero_if_absent(Sample(before, "grpc_server_started_total", reg));
  double ok0 = zero_if_absent(Sample(before, "grpc_server_handled_total", with(reg, "grpc_code", "OK")));
  double bad0 = zero_if_absent(Sample(before, "grpc_server_handled_total", with(reg, "grpc_code", "INVALID_ARGUMENT")));
  double hist0 = zero_if_absent(Sample(before, "grpc_server_handling_seconds_count", reg));
  double events0 =
      zero_if_absent(Sample(before, "sales_events_published_total", {{"type", "CustomerRegisteredEvent"}}));
  double business0 = Sample(before, "sales_customers_registered_total");
  ASSERT_GE(business0, 0) << "the business counter exists from the start";

  // The workload: N registrations, one repeat of a request id (answered from
  // the idempotency record: a call, no new event), one refused call.
  const int kN = 7;
  for (int i = 0; i < kN; ++i) {
    grpc::Status st = Register(absl::StrCat("reg-", i), absl::StrCat("1380000", 1000 + i), rep);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  ASSERT_TRUE(Register("reg-0", "13800001000", rep).ok());
  EXPECT_EQ(Register("reg-bad", "", 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  std::string after = ScrapeUntil(cport, [&](const std::string& t) {
    return Sample(t, "sales_events_published_total", {{"type", "CustomerRegisteredEvent"}}) >= events0 + kN &&
           Sample(t, "sales_outbox_backlog") == 0;
  });
  EXPECT_EQ(Sample(after, "grpc_server_started_total", reg) - started0, kN + 2);
  EXPECT_EQ(Sample(after, "grpc_server_handled_total", with(reg, "grpc_code", "OK")) - ok0, kN + 1);
  EXPECT_EQ(Sample(after, "grpc_server_handled_total", with(reg, "grpc_code", "INVALID_ARGUMENT")) - bad0, 1);
  EXPECT_EQ(Sample(after, "grpc_server_handling_seconds_count", reg) - hist0, kN + 2);
  EXPECT_EQ(Sample(after, "grpc_server_in_flight_calls", reg), 0);
  EXPECT_EQ(Sample(after, "sales_events_published_total", {{"type", "CustomerRegisteredEvent"}}) - events0, kN);
  EXPECT_EQ(Sample(after, "sales_customers_registered_total") - business0, kN);
  EXPECT_EQ(Sample(after, "sales_outbox_backlog", {{"producer", "customers"}}), 0);

  // The pool as configured by the harness, idle again after the workload.
  EXPECT_EQ(Sample(after, "sales_db_pool_max_connections"), 16);
  EXPECT_GE(Sample(after, "sales_db_pool_connections_open"), 1);
  EXPECT_LE(Sample(after, "sales_db_pool_connections_in_use"), 1);  // a scrape may hold one
  EXPECT_GE(Sample(after, "sales_db_pool_waits_total"), 0);
  EXPECT_GE(Sample(after, "sales_db_pool_wait_seconds_total"), 0);

  // The exposition itself: typed families and the process it describes.
  EXPECT_THAT(after, ::testing::HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(after, ::testing::HasSubstr("sales_process_info{process=\"customers\"} 1"));

  // Business counters belong to their producer only.
  EXPECT_EQ(Sample(after, "sales_orders_confirmed_total"), -1);
  EXPECT_EQ(Sample(ttext, "sales_customers_registered_total"), -1);
  EXPECT_GE(Sample(ttext, "sales_plans_signed_total"), 0);
}

// A lapse is one kind of owner change: the business counter decodes the
// payload through the generated descriptors, so no service code is involved.
TEST(DeployMetricsFacts, CustomersLapsedCountsOnlyLapsedOwnerChanges) {
  auto m = Metrics::Create("customers", "");
  EXPECT_TRUE(m->WantsPayload("CustomerOwnerChangedEvent"));
  EXPECT_FALSE(m->WantsPayload("CustomerRegisteredEvent"));
  customers::v1::CustomerOwnerChangedEvent lapsed;
  lapsed.set_customer_id(1);
  lapsed.set_from_rep_id(3);
  lapsed.set_kind(customers::v1::OWNERSHIP_CHANGE_KIND_LAPSED);
  customers::v1::CustomerOwnerChangedEvent claimed = lapsed;
  claimed.set_kind(static_cast<customers::v1::OwnershipChangeKind>(customers::v1::OWNERSHIP_CHANGE_KIND_LAPSED + 1));
  const std::string type = "sales.customers.v1.CustomerOwnerChangedEvent";
  m->EventPublished("CustomerOwnerChangedEvent", type, lapsed.SerializeAsString());
  m->EventPublished("CustomerOwnerChangedEvent", type, lapsed.SerializeAsString());
  m->EventPublished("CustomerOwnerChangedEvent", type, claimed.SerializeAsString());
  m->EventPublished("CustomerOwnerChangedEvent", type, "not a protobuf \xff\xff");
  std::string text = m->Scrape();
  EXPECT_EQ(Sample(text, "sales_customers_lapsed_total"), 2) << text;
  EXPECT_EQ(Sample(text, "sales_events_published_total", {{"type", "CustomerOwnerChangedEvent"}}), 4);
  EXPECT_EQ(Sample(text, "sales_holds_set_total", {{"source", "customers"}}), 0);
  EXPECT_EQ(Sample(text, "sales_holds_set_total", {{"source", "finance"}}), -1);
}

TEST(DeployMetricsFacts, ListenAddressFollowsTheGrpcPortUnlessConfigured) {
  EXPECT_EQ(MetricsListenAddress(Config::FromMap({}), "127.0.0.1:50063"), "127.0.0.1:51063");
  EXPECT_EQ(MetricsListenAddress(Config::FromMap({}), "0.0.0.0:50063"), "127.0.0.1:51063");
  EXPECT_EQ(MetricsListenAddress(Config::FromMap({}), "127.0.0.1:0"), "127.0.0.1:0");
  EXPECT_EQ(MetricsListenAddress(Config::FromMap({{"metrics_listen", "0.0.0.0:9100"}}), "127.0.0.1:0"), "0.0.0.0:9100");
  EXPECT_EQ(MetricsListenAddress(Config::FromMap({{"metrics_listen", "off"}}), "127.0.0.1:50063"), "");
}

// The gateway's wiring: its own ServerHost, counted the same way.
TEST(DeployMetricsFacts, AProcessWithItsOwnServerHostIsCounted) {
  ServerOptions o;
  o.listen_address = "127.0.0.1:0";
  ServerHost host(o);
  auto metrics = StartProcessMetrics(Config::FromMap({}), "gateway", o.listen_address, host);
  ASSERT_TRUE(host.Start().ok());
  ASSERT_GT(metrics->port(), 0);
  auto channel = Loopback(host.port());
  // grpc.health.v1.Health/Check with an empty request (all services).
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice none("", 0);
  grpc::ByteBuffer empty(&none, 1);
  grpc::ByteBuffer resp;
  grpc::Status status;
  bool done = false;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &empty, &resp, [&](grpc::Status s) {
    status = s;
    done = true;
  });
  for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(done);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::string text = ScrapeUntil(metrics->port(), [](const std::string& t) {
    return Sample(t, "grpc_server_handled_total", {{"grpc_method", "Check"}}) >= 1;
  });
  EXPECT_EQ(Sample(text, "grpc_server_handled_total",
                   {{"grpc_service", "grpc.health.v1.Health"}, {"grpc_method", "Check"}, {"grpc_code", "OK"}}),
            1)
      << text;
  host.Shutdown();
}

}  // namespace
}  // namespace sales
