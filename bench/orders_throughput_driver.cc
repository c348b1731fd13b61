// Confirmed orders per second: each operation creates a 5-line order and
// confirms it, through three paths measured in the same run so that their
// ratios compare:
//   service — CreateOrder + ConfirmOrder over gRPC (credited rep, customer
//             and credit profile from customers-svc, exposure from
//             finance-svc, unbilled exposure, stock reserved, confirmation,
//             event, audit, idempotency records), request logging on as in
//             production;
//   direct  — the service's own store functions issued straight into the
//             orders database (today's SQL, no gRPC, no peers);
//   ideal   — the least SQL that confirms such an order correctly: the order
//             and its lines in two multi-row statements, then the five stock
//             rows reserved in one ordered statement (the CHECK on
//             stock_levels refuses a negative), the status, one outbox row.
// Two workloads: "hot5", today's worst case (every order on the same five
// SKUs, one customer per client), and "realistic" (2,000 SKUs in 3
// warehouses with Zipf-like popularity, 1,000 customers, 5 distinct lines).
// Clients 1, 8, 32 and 64. Then the long-history check: confirmation time for
// a customer with --history open, unbilled orders against one with none, and
// a page of 200 orders once the run has filled the table.
//
//   orders_throughput_driver [--seconds=N] [--clients=1,8,32,64]
//                            [--workloads=hot5,realistic] [--history=1000]
//                            [--max_threads=N --worker_threads=N --mysql_pool_size=N]
//
// Ends with one line for comparing runs:
//   bench orders: service_8=… service_32=… ideal_8=… ideal_32=… p99_32_ms=… …
// (realistic workload; the hot5 figures carry a hot5_ prefix.)
//
// One throwaway MariaDB (tests/testing/mariadb.h), three databases; the three
// services run in-process on loopback as in the integration tests.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/bench_support.h"
#include "customers-svc/api/customers_api.h"
#include "finance-svc/api/finance_api.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/outbox.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "tests/testing/mariadb.h"
#include "tests/testing/service_fixture.h"

namespace sales::orders {
namespace {

namespace cv1 = ::sales::customers::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "orders-bench-secret";
constexpr int64_t kCompany = 1, kEast = 2, kRep = 11;
constexpr int kLines = 5;
const Principal kAdmin{"bench-admin", "ADMIN", 0, 0};
const Principal kFinance{"bench-fin", "FINANCE", 0, 0};
const Principal kRepP{"bench-rep", "SALES_REP", kRep, kEast};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "orders_throughput_driver: %s\n", what.c_str());
  std::exit(1);
}
void Check(const absl::Status& st, const std::string& what) {
  if (!st.ok()) Die(what + ": " + st.ToString());
}
void Check(const grpc::Status& st, const std::string& what) {
  if (!st.ok()) Die(absl::StrCat(what, ": ", st.error_code(), " ", st.error_message()));
}

std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return sales::testing::CtxAs(p, kSecret); }

// Pool sizes of every service in the run (flags --max_threads,
// --worker_threads, --mysql_pool_size): the k8s ConfigMaps' values come
// from comparing runs of this driver (k8s/README.md, "Pool sizes").
std::map<std::string, std::string>& PoolFlags() {
  static std::map<std::string, std::string> flags = {
      {"max_threads", "32"}, {"worker_threads", "16"}, {"mysql_pool_size", "16"}};
  return flags;
}

std::unique_ptr<ServiceApp> Start(ServiceDefinition def, const db::PoolOptions& db, const Clock* clock,
                                  std::map<std::string, std::string> extra) {
  extra["principal_hmac_secret"] = kSecret;
  // Confirmations run on the worker pool, off the request threads, so the
  // default quota (max_threads 32) no longer sheds the 32-client level.
  for (const auto& [k, v] : PoolFlags()) extra[k] = v;
  auto app = std::make_unique<ServiceApp>(std::move(def), sales::testing::ServiceConfig(db, extra), clock);
  Check(app->Start(), "start " + db.database);
  return app;
}

void ApplyOrg(ServiceApp* app, const google::protobuf::Message& m, const std::string& type, absl::Time now) {
  common::v1::Event e;
  e.set_event_type(type);
  e.mutable_payload()->PackFrom(m);
  Check(app->pool()->Transact([&](db::Transaction& tx) { return OrgReplica::Apply(tx, e, now); }), "org replica");
}

struct World {
  std::vector<int64_t> products;  // index = SKU number
  std::vector<int64_t> product_lines;
  std::vector<int64_t> list_prices;
  std::vector<int64_t> costs;
  std::vector<int64_t> warehouse_of;  // the one warehouse that stocks the SKU
  std::vector<int64_t> warehouses;
  int64_t price_list = 0;
  std::vector<int64_t> customers;
  std::vector<double> zipf_cdf;  // popularity of SKU i ∝ 1/(i+1)
};

// One order's lines: SKU numbers (distinct) and quantities.
struct OrderShape {
  int64_t customer = 0;
  int customer_index = 0;
  std::vector<int> skus;
  std::vector<int64_t> quantities;
};

// A small deterministic generator per client (splitmix64).
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
};

OrderShape ShapeOf(const World& w, bool realistic, int client, Rng& rng) {
  OrderShape s;
  if (!realistic) {
    s.customer_index = client;
    for (int i = 0; i < kLines; ++i) {
      s.skus.push_back(i);
      s.quantities.push_back(1 + i);
    }
  } else {
    s.customer_index = static_cast<int>(rng.Next() % w.customers.size());
    while (static_cast<int>(s.skus.size()) < kLines) {
      double u = rng.Uniform();
      int sku = static_cast<int>(std::lower_bound(w.zipf_cdf.begin(), w.zipf_cdf.end(), u) - w.zipf_cdf.begin());
      sku = std::min<int>(sku, static_cast<int>(w.products.size()) - 1);
      if (std::find(s.skus.begin(), s.skus.end(), sku) != s.skus.end()) continue;
      s.skus.push_back(sku);
      s.quantities.push_back(1 + static_cast<int64_t>(rng.Next() % 3));
    }
  }
  s.customer = w.customers[s.customer_index];
  return s;
}

struct Result {
  int clients = 0;
  int64_t ops = 0;
  int64_t errors = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  double per_second() const { return seconds > 0 ? ops / seconds : 0; }
};

template <typename Op>
Result Measure(int clients, double seconds, Op op) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(clients);
  std::vector<int64_t> errors(clients, 0);
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Rng rng{static_cast<uint64_t>(c) * 7919 + static_cast<uint64_t>(t0.time_since_epoch().count())};
      while (!stop.load(std::memory_order_relaxed)) {
        auto a = std::chrono::steady_clock::now();
        bool ok = op(c, rng);
        auto b = std::chrono::steady_clock::now();
        if (ok) {
          lat[c].push_back(std::chrono::duration<double, std::milli>(b - a).count());
        } else {
          ++errors[c];
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> all;
  Result r;
  r.clients = clients;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), lat[c].begin(), lat[c].end());
    r.errors += errors[c];
  }
  std::sort(all.begin(), all.end());
  r.ops = static_cast<int64_t>(all.size());
  r.seconds = elapsed;
  r.p50_ms = bench::PercentileOfSorted(all, 50);
  r.p99_ms = bench::PercentileOfSorted(all, 99);
  return r;
}

// Runs `fn(i)` for i in [0, n) on `threads` threads.
template <typename Fn>
void Parallel(int n, int threads, Fn fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : ts) t.join();
}

std::vector<int> ParseList(const char* text) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v) || v <= 0) Die(absl::StrCat("bad number in list: ", text));
    out.push_back(v);
  }
  return out;
}

}  // namespace
}  // namespace sales::orders

int main(int argc, char** argv) {
  using namespace sales;
  using namespace sales::orders;
  double seconds = 3;
  std::vector<int> levels = {1, 8, 32, 64};
  std::vector<std::string> workloads = {"hot5", "realistic"};
  int history = 1000;
  int skus = 2000, warehouses = 3, customer_count = 1000;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--seconds=")) {
      if (!absl::SimpleAtod(arg, &seconds) || seconds <= 0) Die("bad --seconds");
    } else if (absl::ConsumePrefix(&arg, "--clients=")) {
      levels = ParseList(std::string(arg).c_str());
    } else if (absl::ConsumePrefix(&arg, "--workloads=")) {
      workloads = absl::StrSplit(arg, ',');
    } else if (absl::ConsumePrefix(&arg, "--history=")) {
      if (!absl::SimpleAtoi(arg, &history) || history < 0) Die("bad --history");
    } else if (absl::ConsumePrefix(&arg, "--skus=")) {
      if (!absl::SimpleAtoi(arg, &skus) || skus < kLines) Die("bad --skus");
    } else if (absl::ConsumePrefix(&arg, "--customers=")) {
      if (!absl::SimpleAtoi(arg, &customer_count) || customer_count < 1) Die("bad --customers");
    } else {
      bool known = false;
      for (const char* key : {"max_threads", "worker_threads", "mysql_pool_size"}) {
        std::string prefix = absl::StrCat("--", key, "=");
        if (absl::StartsWith(arg, prefix)) {
          PoolFlags()[key] = std::string(arg.substr(prefix.size()));
          known = true;
        }
      }
      if (!known) Die(absl::StrCat("unknown flag ", arg));
    }
  }
  const int max_clients = *std::max_element(levels.begin(), levels.end());
  customer_count = std::max(customer_count, max_clients);

  auto server = sales::testing::TestMariaDb::Start();
  Check(server.status(), "start MariaDB");
  auto cust_db = (*server)->CreateDatabase("bench_cust");
  auto fin_db = (*server)->CreateDatabase("bench_fin");
  auto ord_db = (*server)->CreateDatabase("bench_ord");
  Check(cust_db.status(), "db");
  Check(fin_db.status(), "db");
  Check(ord_db.status(), "db");
  SystemClock clock;
  auto customers = Start(customers::MakeServiceDefinition(), *cust_db, &clock, {});
  auto finance = Start(finance::MakeServiceDefinition(), *fin_db, &clock, {});
  auto orders = Start(MakeServiceDefinition(), *ord_db, &clock,
                      {{"customers_address", absl::StrCat("127.0.0.1:", customers->port())},
                       {"finance_address", absl::StrCat("127.0.0.1:", finance->port())}});
  for (ServiceApp* app : {customers.get(), finance.get(), orders.get()}) {
    tv1::OrgUnitCreatedEvent u;
    u.mutable_org_unit()->set_id(kCompany);
    u.mutable_org_unit()->set_code("HQ");
    u.mutable_org_unit()->set_name("总公司");
    u.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
    ApplyOrg(app, u, "OrgUnitCreatedEvent", clock.Now());
    u.mutable_org_unit()->set_id(kEast);
    u.mutable_org_unit()->set_parent_id(kCompany);
    u.mutable_org_unit()->set_code("EAST");
    u.mutable_org_unit()->set_name("华东办事处");
    u.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_OFFICE);
    ApplyOrg(app, u, "OrgUnitCreatedEvent", clock.Now());
    tv1::RepCreatedEvent r;
    r.mutable_rep()->set_id(kRep);
    r.mutable_rep()->set_org_unit_id(kEast);
    r.mutable_rep()->set_name("压测业务员");
    r.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    ApplyOrg(app, r, "RepCreatedEvent", clock.Now());
  }
  auto ord = v1::OrdersService::NewStub(sales::testing::Loopback(orders->port()));
  auto cust = cv1::CustomersService::NewStub(sales::testing::Loopback(customers->port()));

  // Master data through the public API.
  auto setup_start = std::chrono::steady_clock::now();
  World w;
  std::atomic<int> rid{0};
  auto Rid = [&] { return absl::StrCat("bench-", ++rid); };
  for (int h = 0; h < warehouses; ++h) {
    v1::CreateWarehouseRequest req;
    req.set_request_id(Rid());
    req.mutable_warehouse()->set_code(absl::StrCat("WH-", h));
    req.mutable_warehouse()->set_name(absl::StrCat("压测仓库", h));
    req.mutable_warehouse()->set_kind(v1::WAREHOUSE_KIND_REGULAR);
    req.mutable_warehouse()->set_active(true);
    v1::CreateWarehouseResponse resp;
    Check(ord->CreateWarehouse(As(kAdmin).get(), req, &resp), "CreateWarehouse");
    w.warehouses.push_back(resp.warehouse().id());
  }
  w.products.assign(skus, 0);
  w.product_lines.assign(skus, 0);
  w.list_prices.assign(skus, 0);
  w.costs.assign(skus, 0);
  w.warehouse_of.assign(skus, 0);
  Parallel(skus, 8, [&](int i) {
    v1::CreateProductRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_product();
    p->set_sku(absl::StrCat("BENCH-", i));
    p->set_name(absl::StrCat("压测商品", i));
    p->set_product_line_id(100 + i % 40);
    p->set_unit("箱");
    *p->mutable_unit_cost() = MakeMoney(40'00 + i % 100);
    *p->mutable_floor_price() = MakeMoney(40'00 + i % 100);
    v1::CreateProductResponse resp;
    Check(ord->CreateProduct(As(kAdmin).get(), req, &resp), "CreateProduct");
    w.products[i] = resp.product().id();
    w.product_lines[i] = 100 + i % 40;
    w.list_prices[i] = 100'00 + (i % 50) * 10'00;
    w.costs[i] = 40'00 + i % 100;
    w.warehouse_of[i] = w.warehouses[i % warehouses];
  });
  {
    v1::CreatePriceListRequest req;
    req.set_request_id(Rid());
    auto* l = req.mutable_price_list();
    l->set_code("BENCH");
    l->set_name("压测价目表");
    l->set_currency_code("CNY");
    *l->mutable_effective_from() = FromCivilDay(absl::CivilDay(2000, 1, 1));
    for (int i = 0; i < skus; ++i) {
      auto* e = l->add_entries();
      e->set_product_id(w.products[i]);
      *e->mutable_list_price() = MakeMoney(w.list_prices[i]);
    }
    v1::CreatePriceListResponse resp;
    Check(ord->CreatePriceList(As(kAdmin).get(), req, &resp), "CreatePriceList");
    w.price_list = resp.price_list().id();
  }
  for (int h = 0; h < warehouses; ++h) {
    // Each SKU in one warehouse, so the ideal path knows where it is; the
    // service finds it there. A receipt takes at most 500 lines.
    std::vector<int> here;
    for (int i = h; i < skus; i += warehouses) here.push_back(i);
    for (size_t from = 0; from < here.size(); from += 500) {
      v1::RecordStockReceiptRequest rr;
      rr.set_request_id(Rid());
      rr.set_warehouse_id(w.warehouses[h]);
      rr.set_reference("bench");
      rr.set_reason("压测入库");
      for (size_t k = from; k < std::min(here.size(), from + 500); ++k) {
        auto* q = rr.add_lines();
        q->set_product_id(w.products[here[k]]);
        q->set_quantity(1'000'000'000);
      }
      v1::RecordStockReceiptResponse rresp;
      Check(ord->RecordStockReceipt(As(kAdmin).get(), rr, &rresp), "RecordStockReceipt");
    }
  }
  double total_weight = 0;
  for (int i = 0; i < skus; ++i) total_weight += 1.0 / (i + 1);
  double acc = 0;
  for (int i = 0; i < skus; ++i) {
    acc += 1.0 / (i + 1) / total_weight;
    w.zipf_cdf.push_back(acc);
  }
  // One more customer than the run uses: the long-history check's own.
  w.customers.assign(customer_count + 1, 0);
  Parallel(customer_count + 1, 8, [&](int c) {
    cv1::RegisterCustomerRequest req;
    req.set_request_id(Rid());
    auto* cu = req.mutable_customer();
    cu->set_name(absl::StrCat("压测客户", c));
    cu->set_type(cv1::CUSTOMER_TYPE_DISTRIBUTOR);
    cu->set_phone(absl::StrCat("139", 10000000 + c));
    cu->set_region("EAST");
    cu->set_city("上海");
    cu->set_address(absl::StrCat("上海市测试路", c, "号"));
    cu->set_source_channel("WALK_IN");
    cv1::RegisterCustomerResponse resp;
    Check(cust->RegisterCustomer(As(kRepP).get(), req, &resp), "RegisterCustomer");
    w.customers[c] = resp.customer().id();
    cv1::GetCreditProfileRequest g;
    g.set_customer_id(resp.customer().id());
    cv1::GetCreditProfileResponse gr;
    Check(cust->GetCreditProfile(As(kFinance).get(), g, &gr), "GetCreditProfile");
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(Rid());
    up.set_customer_id(resp.customer().id());
    *up.mutable_credit_limit() = MakeMoney(int64_t{1'000'000'000'000});
    up.set_payment_terms_days(30);
    up.set_reason("压测额度");
    up.set_etag(gr.profile().etag());
    cv1::UpdateCreditProfileResponse upr;
    Check(cust->UpdateCreditProfile(As(kFinance).get(), up, &upr), "UpdateCreditProfile");
  });
  const int64_t history_customer = w.customers.back();
  w.customers.pop_back();
  std::printf("setup: %d SKUs in %d warehouses, %zu customers in %.0f s\n", skus, warehouses, w.customers.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count());

  // ---- through the service ----
  std::atomic<int64_t> op_seq{0};
  std::mutex error_mu;
  std::map<std::string, int64_t> failures;  // "path CODE reason" → count, reported with the table
  auto note = [&](const std::string& path, const std::string& what) {
    std::lock_guard<std::mutex> lock(error_mu);
    ++failures[absl::StrCat(path, ": ", what.substr(0, 100))];
  };
  auto note_grpc = [&](const grpc::Status& st) {
    note("service", absl::StrCat(st.error_code(), " ", ErrorReason(FromGrpcStatus(st)), " ", st.error_message()));
  };
  // Creates and confirms one order; its confirmation latency in ms goes to
  // `confirm_ms` when given.
  auto service_order = [&](const OrderShape& shape, double* confirm_ms) -> bool {
    int64_t n = ++op_seq;
    v1::CreateOrderRequest cr;
    cr.set_request_id(absl::StrCat("bench-order-", n));
    auto* o = cr.mutable_order();
    o->set_customer_id(shape.customer);
    for (size_t i = 0; i < shape.skus.size(); ++i) {
      auto* l = o->add_lines();
      l->set_product_id(w.products[shape.skus[i]]);
      l->set_quantity(shape.quantities[i]);
    }
    v1::CreateOrderResponse cresp;
    grpc::Status cst = ord->CreateOrder(As(kRepP).get(), cr, &cresp);
    if (!cst.ok()) {
      note_grpc(cst);
      return false;
    }
    v1::ConfirmOrderRequest co;
    co.set_request_id(absl::StrCat("bench-confirm-", n));
    co.set_order_id(cresp.order().id());
    co.set_etag(cresp.order().etag());
    v1::ConfirmOrderResponse coresp;
    auto t0 = std::chrono::steady_clock::now();
    grpc::Status st = ord->ConfirmOrder(As(kRepP).get(), co, &coresp);
    if (confirm_ms)
      *confirm_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!st.ok()) note_grpc(st);
    return st.ok() && coresp.order().status() == v1::ORDER_STATUS_CONFIRMED;
  };

  // ---- today's SQL, no gRPC ----
  db::PoolOptions direct = *ord_db;
  direct.max_connections = max_clients + 8;
  auto pool_or = db::Pool::Create(direct);
  Check(pool_or.status(), "direct pool");
  db::Pool& pool = **pool_or;
  Outbox& outbox = *orders->outbox();
  auto direct_order = [&](const OrderShape& shape) -> bool {
    int64_t n = ++op_seq;
    absl::Time now = clock.Now();
    v1::SalesOrder o;
    o.set_kind(v1::ORDER_KIND_NORMAL);
    o.set_customer_id(shape.customer);
    o.set_customer_name(absl::StrCat("压测客户", shape.customer_index));
    o.set_taking_rep_id(kRep);
    *o.mutable_order_date() = FromCivilDay(BusinessDay(now));
    o.set_currency_code("CNY");
    int64_t total = 0;
    for (size_t i = 0; i < shape.skus.size(); ++i) {
      int k = shape.skus[i];
      auto* l = o.add_lines();
      l->set_product_id(w.products[k]);
      l->set_sku(absl::StrCat("BENCH-", k));
      l->set_product_line_id(w.product_lines[k]);
      l->set_unit("箱");
      l->set_quantity(shape.quantities[i]);
      *l->mutable_list_price() = MakeMoney(w.list_prices[k]);
      l->set_price_list_id(w.price_list);
      *l->mutable_unit_price() = MakeMoney(w.list_prices[k]);
      *l->mutable_net_amount() = MakeMoney(w.list_prices[k] * shape.quantities[i]);
      *l->mutable_cost_amount() = MakeMoney(w.costs[k] * shape.quantities[i]);
      l->set_required_approval(v1::APPROVAL_LEVEL_NONE);
      total += w.list_prices[k] * shape.quantities[i];
    }
    *o.mutable_lines_total() = MakeMoney(total);
    *o.mutable_total_amount() = MakeMoney(total);
    auto id = pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(int64_t oid, OrderStore::Insert(tx, o, kRepP.user_id, kEast, now));
      AuditRecord a{v1::SUBJECT_TYPE_ORDER, oid, "ORDER_CREATED", "", "DRAFT", ""};
      SALES_RETURN_IF_ERROR(AuditStore::Append(tx, a, kRepP, absl::StrCat("direct-", n), now));
      return oid;
    });
    if (!id.ok()) {
      note("direct", std::string(id.status().message()));
      return false;
    }
    absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, *id, true));
      v1::SalesOrder& c = rec.order;
      SALES_ASSIGN_OR_RETURN(auto open, OrderStore::ConfirmedUnshipped(tx, c.customer_id(), c.id()));
      (void)open;
      std::vector<int64_t> products;
      for (const auto& l : c.lines()) products.push_back(l.product_id());
      SALES_ASSIGN_OR_RETURN(auto stock, StockStore::LockAvailable(tx, products));
      (void)stock;
      for (int i = 0; i < c.lines_size(); ++i) {
        const auto& l = c.lines(i);
        SALES_RETURN_IF_ERROR(
            StockStore::Reserve(tx, c.id(), l.id(), w.warehouse_of[shape.skus[i]], l.product_id(), l.quantity(), now)
                .status());
      }
      c.set_status(v1::ORDER_STATUS_CONFIRMED);
      c.set_credited_rep_id(kRep);
      c.set_credited_org_unit_id(kEast);
      *c.mutable_confirm_time() = ToTimestamp(now);
      *c.mutable_confirm_date() = FromCivilDay(BusinessDay(now));
      *c.mutable_ship_due_date() = FromCivilDay(BusinessDay(now) + 1);
      SALES_RETURN_IF_ERROR(OrderStore::SaveConfirmation(tx, c, "", now));
      v1::OrderConfirmedEvent e;
      *e.mutable_order() = EventHeaderOf(c);
      for (auto& l : EventLinesOf(c)) *e.add_lines() = std::move(l);
      *e.mutable_total_amount() = c.total_amount();
      SALES_RETURN_IF_ERROR(outbox.Append(tx, "SalesOrder", absl::StrCat(c.id()), e, absl::StrCat("direct-c-", n)));
      AuditRecord a{v1::SUBJECT_TYPE_ORDER, c.id(), "ORDER_CONFIRMED", "DRAFT", "CONFIRMED", ""};
      return AuditStore::Append(tx, a, kRepP, absl::StrCat("direct-c-", n), now);
    });
    if (!st.ok()) note("direct", std::string(st.message()));
    return st.ok();
  };

  // ---- the least SQL that confirms the order correctly ----
  auto ideal_order = [&](const OrderShape& shape) -> bool {
    int64_t n = ++op_seq;
    absl::Time now = clock.Now();
    const std::string when = FormatDbTime(now);
    const std::string day = FormatDbDate(FromCivilDay(BusinessDay(now)));
    int64_t total = 0;
    for (size_t i = 0; i < shape.skus.size(); ++i) total += w.list_prices[shape.skus[i]] * shape.quantities[i];
    auto id = pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO sales_orders (order_number, kind, customer_id, customer_name, taking_rep_id, "
                  "taking_org_unit_id, created_by_user, order_date, currency, lines_total_minor, total_minor, status, "
                  "version, created_at, updated_at) VALUES (?, 'NORMAL', ?, ?, ?, ?, ?, ?, 'CNY', ?, ?, 'DRAFT', 1, ?, "
                  "?)",
                  {absl::StrCat("IDEAL-", n), shape.customer, absl::StrCat("压测客户", shape.customer_index), kRep,
                   kEast, kRepP.user_id, day, total, total, when, when})
              .status());
      SALES_ASSIGN_OR_RETURN(int64_t oid, tx.LastInsertId());
      std::string sql =
          "INSERT INTO order_lines (order_id, line_no, product_id, sku, product_line_id, unit, quantity, "
          "list_price_minor, price_list_id, discount_bp, unit_price_minor, net_amount_minor, unit_cost_minor, "
          "cost_amount_minor, required_approval) VALUES ";
      db::Params params;
      for (size_t i = 0; i < shape.skus.size(); ++i) {
        int k = shape.skus[i];
        absl::StrAppend(&sql, i ? "," : "", "(?,?,?,?,?,'箱',?,?,?,0,?,?,?,?,'NONE')");
        for (db::Param v : std::initializer_list<db::Param>{
                 oid, static_cast<int64_t>(i + 1), w.products[k], absl::StrCat("BENCH-", k), w.product_lines[k],
                 shape.quantities[i], w.list_prices[k], w.price_list, w.list_prices[k],
                 w.list_prices[k] * shape.quantities[i], w.costs[k], w.costs[k] * shape.quantities[i]}) {
          params.push_back(std::move(v));
        }
      }
      SALES_RETURN_IF_ERROR(tx.Exec(sql, params).status());
      return oid;
    });
    if (!id.ok()) {
      note("ideal", std::string(id.status().message()));
      return false;
    }
    absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
      // The five stock rows, reserved in one statement in key order.
      std::vector<std::pair<int64_t, int64_t>> keys;  // (warehouse, product) → quantity below
      std::map<std::pair<int64_t, int64_t>, int64_t> qty;
      for (size_t i = 0; i < shape.skus.size(); ++i) {
        qty[{w.warehouse_of[shape.skus[i]], w.products[shape.skus[i]]}] += shape.quantities[i];
      }
      std::string sql = "UPDATE stock_levels SET reserved = reserved + CASE";
      db::Params params;
      for (const auto& [key, q] : qty) {
        absl::StrAppend(&sql, " WHEN warehouse_id = ? AND product_id = ? THEN ?");
        params.push_back(key.first);
        params.push_back(key.second);
        params.push_back(q);
      }
      absl::StrAppend(&sql, " END, version = version + 1, updated_at = ? WHERE (warehouse_id, product_id) IN (");
      params.push_back(when);
      bool first = true;
      for (const auto& [key, q] : qty) {
        absl::StrAppend(&sql, first ? "" : ",", "(?,?)");
        first = false;
        params.push_back(key.first);
        params.push_back(key.second);
      }
      absl::StrAppend(&sql, ") ORDER BY warehouse_id, product_id");
      SALES_ASSIGN_OR_RETURN(int64_t reserved, tx.Exec(sql, params));
      if (reserved != static_cast<int64_t>(qty.size())) return absl::FailedPreconditionError("stock row missing");
      SALES_ASSIGN_OR_RETURN(
          int64_t confirmed,
          tx.Exec("UPDATE sales_orders SET status = 'CONFIRMED', credited_rep_id = ?, credited_org_unit_id = ?, "
                  "confirm_time = ?, confirm_date = ?, version = version + 1, updated_at = ? WHERE id = ? AND "
                  "status = 'DRAFT'",
                  {kRep, kEast, when, day, when, *id}));
      if (confirmed != 1) return absl::FailedPreconditionError("not a draft");
      v1::OrderConfirmedEvent e;
      e.mutable_order()->set_order_id(*id);
      e.mutable_order()->set_customer_id(shape.customer);
      *e.mutable_total_amount() = MakeMoney(total);
      return outbox.Append(tx, "SalesOrder", absl::StrCat(*id), e, absl::StrCat("ideal-", n));
    });
    if (!st.ok()) note("ideal", std::string(st.message()));
    return st.ok();
  };

  // Statements the server has run so far (all databases, all clients).
  auto statements = [&]() -> int64_t {
    int64_t n = 0;
    Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SHOW GLOBAL STATUS LIKE 'Questions'"));
      if (!rows.empty() && !absl::SimpleAtoi(rows[0].Str("Value"), &n)) return absl::InternalError("Questions");
      return absl::OkStatus();
    }),
          "read the server's statement count");
    return n;
  };
  {
    // One warm-up order per path so the first measurement does not pay for
    // channels and statement caches.
    Rng rng{1};
    OrderShape shape = ShapeOf(w, false, 0, rng);
    if (!service_order(shape, nullptr)) Die("warm-up order through gRPC failed");
    if (!direct_order(shape)) Die("warm-up order through SQL failed");
    if (!ideal_order(shape)) Die("warm-up order through the ideal SQL failed");
  }

  std::printf(
      "orders_throughput_driver: %d-line orders created and confirmed, %.0f s per measurement; every "
      "service with max_threads=%s worker_threads=%s mysql_pool_size=%s\n",
      kLines, seconds, PoolFlags()["max_threads"].c_str(), PoolFlags()["worker_threads"].c_str(),
      PoolFlags()["mysql_pool_size"].c_str());
  std::map<std::string, std::string> line;  // the final `bench orders:` keys
  auto fmt = [](double v) { return absl::StrFormat("%.1f", v); };
  for (const std::string& workload : workloads) {
    const bool realistic = workload == "realistic";
    if (!realistic && workload != "hot5") Die("unknown workload " + workload);
    const std::string prefix = realistic ? "" : "hot5_";
    std::printf("\nworkload %s\n", workload.c_str());
    std::printf("%-8s | %-28s | %-28s | %-28s | %s\n", "", "service (gRPC, peers)", "direct (today's SQL)", "ideal SQL",
                "service/ideal");
    std::printf("%-8s | %9s %8s %9s | %9s %8s %9s | %9s %8s %9s |\n", "clients", "orders/s", "p50 ms", "p99 ms",
                "orders/s", "p50 ms", "p99 ms", "orders/s", "p50 ms", "p99 ms");
    for (int clients : levels) {
      const int64_t q0 = statements();
      Result g = Measure(clients, seconds,
                         [&](int c, Rng& rng) { return service_order(ShapeOf(w, realistic, c, rng), nullptr); });
      const int64_t q1 = statements();
      Result d =
          Measure(clients, seconds, [&](int c, Rng& rng) { return direct_order(ShapeOf(w, realistic, c, rng)); });
      const int64_t q2 = statements();
      Result i = Measure(clients, seconds, [&](int c, Rng& rng) { return ideal_order(ShapeOf(w, realistic, c, rng)); });
      const int64_t q3 = statements();
      std::printf(
          "%-8d | %9.1f %8.2f %9.2f | %9.1f %8.2f %9.2f | %9.1f %8.2f %9.2f | %.2f%s\n", clients, g.per_second(),
          g.p50_ms, g.p99_ms, d.per_second(), d.p50_ms, d.p99_ms, i.per_second(), i.p50_ms, i.p99_ms,
          i.per_second() > 0 ? g.per_second() / i.per_second() : 0,
          (g.errors || d.errors || i.errors)
              ? absl::StrCat("  (failed: service ", g.errors, ", direct ", d.errors, ", ideal ", i.errors, ")").c_str()
              : "");
      std::fflush(stdout);
      line[absl::StrCat(prefix, "service_", clients)] = fmt(g.per_second());
      line[absl::StrCat(prefix, "direct_", clients)] = fmt(d.per_second());
      line[absl::StrCat(prefix, "ideal_", clients)] = fmt(i.per_second());
      line[absl::StrCat(prefix, "p99_", clients, "_ms")] = fmt(g.p99_ms);
      line[absl::StrCat(prefix, "errors_", clients)] = absl::StrCat(g.errors);
      // Statements the database ran per order (every service's, peers
      // included; the sequencer's too): the cost the service adds in the
      // one resource all paths share.
      if (clients == levels.front()) {
        auto per = [](int64_t n, const Result& r) { return r.ops ? static_cast<double>(n) / r.ops : 0.0; };
        line[absl::StrCat(prefix, "service_statements")] = fmt(per(q1 - q0, g));
        line[absl::StrCat(prefix, "direct_statements")] = fmt(per(q2 - q1, d));
        line[absl::StrCat(prefix, "ideal_statements")] = fmt(per(q3 - q2, i));
        std::printf("statements per order at %d client(s): service %.1f, direct %.1f, ideal %.1f\n", clients,
                    per(q1 - q0, g), per(q2 - q1, d), per(q3 - q2, i));
      }
    }
  }

  // ---- long history: a customer with many open, unbilled orders ----
  if (history > 0) {
    auto confirm_p50 = [&](int samples) {
      std::vector<double> ms;
      Rng rng{42};
      for (int k = 0; k < samples; ++k) {
        OrderShape shape = ShapeOf(w, true, 0, rng);
        shape.customer = history_customer;
        shape.customer_index = customer_count;
        double t = 0;
        if (service_order(shape, &t)) ms.push_back(t);
      }
      return bench::Percentile(ms, 50);
    };
    double fresh = confirm_p50(40);
    auto fill_start = std::chrono::steady_clock::now();
    std::atomic<int> filled{0};
    Parallel(history, 8, [&](int k) {
      Rng rng{static_cast<uint64_t>(k) + 1000};
      OrderShape shape = ShapeOf(w, true, 0, rng);
      shape.customer = history_customer;
      shape.customer_index = customer_count;
      if (direct_order(shape)) ++filled;
    });
    double grown = confirm_p50(40);
    std::printf(
        "\nlong history: confirmation p50 %.2f ms with no open orders, %.2f ms with %d open (x%.2f; filled in %.0f "
        "s)\n",
        fresh, grown, filled.load(), fresh > 0 ? grown / fresh : 0,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count());
    line["confirm_open0_ms"] = fmt(fresh);
    line[absl::StrCat("confirm_open", history, "_ms")] = fmt(grown);
    line["history_ratio"] = absl::StrFormat("%.2f", fresh > 0 ? grown / fresh : 0);
  }
  {
    // A page of 200 orders once the run has filled the table.
    int64_t count = 0;
    Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS n FROM sales_orders"));
      count = rows[0].Int("n");
      return absl::OkStatus();
    }),
          "count orders");
    std::vector<double> ms;
    std::string token;
    for (int k = 0; k < 10; ++k) {
      v1::ListOrdersRequest req;
      req.set_page_size(200);
      req.set_page_token(token);
      v1::ListOrdersResponse resp;
      auto t0 = std::chrono::steady_clock::now();
      Check(ord->ListOrders(As(kAdmin).get(), req, &resp), "ListOrders");
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      token = resp.next_page_token();
      if (token.empty()) break;
    }
    double p50 = bench::Percentile(ms, 50);
    std::printf("a page of 200 orders at %lld orders: p50 %.1f ms\n", static_cast<long long>(count), p50);
    line["list200_ms"] = fmt(p50);
    line["orders_in_table"] = absl::StrCat(count);
  }
  for (const auto& [what, n] : failures) std::printf("failures: %lld × %s\n", static_cast<long long>(n), what.c_str());
  std::string out = "bench orders:";
  for (const auto& [k, v] : line) absl::StrAppend(&out, " ", k, "=", v);
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
  orders->Shutdown();
  finance->Shutdown();
  customers->Shutdown();
  return 0;
}
