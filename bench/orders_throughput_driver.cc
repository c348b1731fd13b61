// Confirmed orders per second: each operation creates a 5-line order
// (CreateOrder) and confirms it (ConfirmOrder: credited rep and credit profile
// from customers-svc, open receivables from finance-svc, unbilled exposure,
// stock locked and reserved line by line, confirmation, event, audit), at 1, 8
// and 32 concurrent clients, with p50/p99 per operation.
//
// In the same run, the ceiling: the same two transactions issued by a C++
// client straight into the orders database with the service's own store
// functions (order insert; then order lock, unbilled exposure, stock lock and
// reservations, confirmation, outbox event, audit row) — no gRPC, no peer
// calls, no idempotency records. The ratio says what the service costs on top
// of its SQL.
//
//   orders_throughput_driver [--seconds=N]   (default 4 per measurement)
//
// One throwaway MariaDB (tests/testing/mariadb.h), three databases; the three
// services run in-process on loopback as in the integration tests. Each
// client has its own customer (credit limit far above what the run books) so
// clients contend only on stock rows, as order desks of different customers do.
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

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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
  std::vector<int64_t> products;
  std::vector<int64_t> product_lines;
  std::vector<int64_t> list_prices;
  std::vector<int64_t> costs;
  int64_t price_list = 0;
  int64_t warehouse = 0;
  std::vector<int64_t> customers;  // one per client
};

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
      int64_t seq = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto a = std::chrono::steady_clock::now();
        bool ok = op(c, seq++);
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

}  // namespace
}  // namespace sales::orders

int main(int argc, char** argv) {
  using namespace sales;
  using namespace sales::orders;
  double seconds = 4;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0 && !absl::SimpleAtod(argv[i] + 10, &seconds)) {
      Die("bad --seconds");
    }
    for (const char* key : {"max_threads", "worker_threads", "mysql_pool_size"}) {
      std::string prefix = absl::StrCat("--", key, "=");
      if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) PoolFlags()[key] = argv[i] + prefix.size();
    }
  }
  const std::vector<int> levels = {1, 8, 32};
  const int max_clients = 32;

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
    u.mutable_org_unit()->set_name("HQ");
    u.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_COMPANY);
    ApplyOrg(app, u, "OrgUnitCreatedEvent", clock.Now());
    u.mutable_org_unit()->set_id(kEast);
    u.mutable_org_unit()->set_parent_id(kCompany);
    u.mutable_org_unit()->set_code("EAST");
    u.mutable_org_unit()->set_kind(tv1::ORG_UNIT_KIND_OFFICE);
    ApplyOrg(app, u, "OrgUnitCreatedEvent", clock.Now());
    tv1::RepCreatedEvent r;
    r.mutable_rep()->set_id(kRep);
    r.mutable_rep()->set_org_unit_id(kEast);
    r.mutable_rep()->set_name("bench rep");
    r.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    ApplyOrg(app, r, "RepCreatedEvent", clock.Now());
  }
  auto ord = v1::OrdersService::NewStub(sales::testing::Loopback(orders->port()));
  auto cust = cv1::CustomersService::NewStub(sales::testing::Loopback(customers->port()));

  // Master data through the public API.
  World w;
  int rid = 0;
  auto Rid = [&] { return absl::StrCat("bench-", ++rid); };
  for (int i = 0; i < kLines; ++i) {
    v1::CreateProductRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_product();
    p->set_sku(absl::StrCat("BENCH-", i));
    p->set_name(p->sku());
    p->set_product_line_id(100 + i);
    p->set_unit("箱");
    *p->mutable_unit_cost() = MakeMoney(40'00 + i);
    *p->mutable_floor_price() = MakeMoney(40'00 + i);
    v1::CreateProductResponse resp;
    Check(ord->CreateProduct(As(kAdmin).get(), req, &resp), "CreateProduct");
    w.products.push_back(resp.product().id());
    w.product_lines.push_back(100 + i);
    w.list_prices.push_back(100'00 + i * 10'00);
    w.costs.push_back(40'00 + i);
  }
  {
    v1::CreatePriceListRequest req;
    req.set_request_id(Rid());
    auto* l = req.mutable_price_list();
    l->set_code("BENCH");
    l->set_name("bench");
    l->set_currency_code("CNY");
    *l->mutable_effective_from() = FromCivilDay(absl::CivilDay(2000, 1, 1));
    for (int i = 0; i < kLines; ++i) {
      auto* e = l->add_entries();
      e->set_product_id(w.products[i]);
      *e->mutable_list_price() = MakeMoney(w.list_prices[i]);
    }
    v1::CreatePriceListResponse resp;
    Check(ord->CreatePriceList(As(kAdmin).get(), req, &resp), "CreatePriceList");
    w.price_list = resp.price_list().id();
  }
  {
    v1::CreateWarehouseRequest req;
    req.set_request_id(Rid());
    req.mutable_warehouse()->set_code("WH-BENCH");
    req.mutable_warehouse()->set_name("bench");
    req.mutable_warehouse()->set_kind(v1::WAREHOUSE_KIND_REGULAR);
    req.mutable_warehouse()->set_active(true);
    v1::CreateWarehouseResponse resp;
    Check(ord->CreateWarehouse(As(kAdmin).get(), req, &resp), "CreateWarehouse");
    w.warehouse = resp.warehouse().id();
    v1::RecordStockReceiptRequest rr;
    rr.set_request_id(Rid());
    rr.set_warehouse_id(w.warehouse);
    rr.set_reference("bench");
    rr.set_reason("bench stock");
    for (int64_t p : w.products) {
      auto* q = rr.add_lines();
      q->set_product_id(p);
      q->set_quantity(1'000'000'000);
    }
    v1::RecordStockReceiptResponse rresp;
    Check(ord->RecordStockReceipt(As(kAdmin).get(), rr, &rresp), "RecordStockReceipt");
  }
  for (int c = 0; c < max_clients; ++c) {
    cv1::RegisterCustomerRequest req;
    req.set_request_id(Rid());
    auto* cu = req.mutable_customer();
    cu->set_name(absl::StrCat("压测客户", c));
    cu->set_type(cv1::CUSTOMER_TYPE_DISTRIBUTOR);
    cu->set_phone(absl::StrCat("1390000", 1000 + c));
    cu->set_region("EAST");
    cu->set_city("上海");
    cu->set_address(absl::StrCat("上海市测试路", c, "号"));
    cu->set_source_channel("WALK_IN");
    cv1::RegisterCustomerResponse resp;
    Check(cust->RegisterCustomer(As(kRepP).get(), req, &resp), "RegisterCustomer");
    w.customers.push_back(resp.customer().id());
    cv1::GetCreditProfileRequest g;
    g.set_customer_id(resp.customer().id());
    cv1::GetCreditProfileResponse gr;
    Check(cust->GetCreditProfile(As(kFinance).get(), g, &gr), "GetCreditProfile");
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(Rid());
    up.set_customer_id(resp.customer().id());
    *up.mutable_credit_limit() = MakeMoney(int64_t{1'000'000'000'000});
    up.set_payment_terms_days(30);
    up.set_reason("bench");
    up.set_etag(gr.profile().etag());
    cv1::UpdateCreditProfileResponse upr;
    Check(cust->UpdateCreditProfile(As(kFinance).get(), up, &upr), "UpdateCreditProfile");
  }

  // ---- through the service ----
  std::atomic<int64_t> op_seq{0};
  std::mutex error_mu;
  std::map<std::string, int64_t> grpc_errors;  // "CODE reason" → count, reported with the table
  auto note = [&](const grpc::Status& st) {
    std::lock_guard<std::mutex> lock(error_mu);
    ++grpc_errors[absl::StrCat(st.error_code(), " ", ErrorReason(FromGrpcStatus(st)), " ",
                               st.error_message().substr(0, 80))];
  };
  auto grpc_op = [&](int client, int64_t) -> bool {
    int64_t n = ++op_seq;
    v1::CreateOrderRequest cr;
    cr.set_request_id(absl::StrCat("bench-order-", n));
    auto* o = cr.mutable_order();
    o->set_customer_id(w.customers[client]);
    for (int i = 0; i < kLines; ++i) {
      auto* l = o->add_lines();
      l->set_product_id(w.products[i]);
      l->set_quantity(1 + i);
    }
    v1::CreateOrderResponse cresp;
    grpc::Status cst = ord->CreateOrder(As(kRepP).get(), cr, &cresp);
    if (!cst.ok()) {
      note(cst);
      return false;
    }
    v1::ConfirmOrderRequest co;
    co.set_request_id(absl::StrCat("bench-confirm-", n));
    co.set_order_id(cresp.order().id());
    co.set_etag(cresp.order().etag());
    v1::ConfirmOrderResponse coresp;
    grpc::Status st = ord->ConfirmOrder(As(kRepP).get(), co, &coresp);
    if (!st.ok()) note(st);
    return st.ok() && coresp.order().status() == v1::ORDER_STATUS_CONFIRMED;
  };
  {
    // One warm-up order so the first measurement does not pay for channels.
    if (!grpc_op(0, 0)) Die("warm-up order through gRPC failed");
  }

  // ---- the ceiling: the same SQL, no gRPC ----
  db::PoolOptions direct = *ord_db;
  direct.max_connections = 40;
  auto pool_or = db::Pool::Create(direct);
  Check(pool_or.status(), "direct pool");
  db::Pool& pool = **pool_or;
  Outbox& outbox = *orders->outbox();
  auto direct_op = [&](int client, int64_t) -> bool {
    int64_t n = ++op_seq;
    absl::Time now = clock.Now();
    v1::SalesOrder o;
    o.set_kind(v1::ORDER_KIND_NORMAL);
    o.set_customer_id(w.customers[client]);
    o.set_customer_name(absl::StrCat("压测客户", client));
    o.set_taking_rep_id(kRep);
    *o.mutable_order_date() = FromCivilDay(BusinessDay(now));
    o.set_currency_code("CNY");
    int64_t total = 0;
    for (int i = 0; i < kLines; ++i) {
      auto* l = o.add_lines();
      l->set_product_id(w.products[i]);
      l->set_sku(absl::StrCat("BENCH-", i));
      l->set_product_line_id(w.product_lines[i]);
      l->set_unit("箱");
      l->set_quantity(1 + i);
      *l->mutable_list_price() = MakeMoney(w.list_prices[i]);
      l->set_price_list_id(w.price_list);
      *l->mutable_unit_price() = MakeMoney(w.list_prices[i]);
      *l->mutable_net_amount() = MakeMoney(w.list_prices[i] * (1 + i));
      *l->mutable_cost_amount() = MakeMoney(w.costs[i] * (1 + i));
      l->set_required_approval(v1::APPROVAL_LEVEL_NONE);
      total += w.list_prices[i] * (1 + i);
    }
    *o.mutable_lines_total() = MakeMoney(total);
    *o.mutable_total_amount() = MakeMoney(total);
    auto id = pool.Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(int64_t oid, OrderStore::Insert(tx, o, kRepP.user_id, kEast, now));
      AuditRecord a{v1::SUBJECT_TYPE_ORDER, oid, "ORDER_CREATED", "", "DRAFT", ""};
      SALES_RETURN_IF_ERROR(AuditStore::Append(tx, a, kRepP, absl::StrCat("direct-", n), now));
      return oid;
    });
    if (!id.ok()) return false;
    absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_ASSIGN_OR_RETURN(auto rec, OrderStore::Load(tx, *id, true));
      v1::SalesOrder& c = rec.order;
      SALES_ASSIGN_OR_RETURN(auto open, OrderStore::ConfirmedUnshipped(tx, c.customer_id(), c.id()));
      (void)open;
      std::vector<int64_t> products;
      for (const auto& l : c.lines()) products.push_back(l.product_id());
      SALES_ASSIGN_OR_RETURN(auto stock, StockStore::LockAvailable(tx, products));
      (void)stock;
      for (const auto& l : c.lines()) {
        SALES_RETURN_IF_ERROR(
            StockStore::Reserve(tx, c.id(), l.id(), w.warehouse, l.product_id(), l.quantity(), now).status());
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
    return st.ok();
  };
  if (!direct_op(0, 0)) Die("warm-up order through SQL failed");

  std::printf(
      "orders_throughput_driver: %d-line orders created and confirmed, %.0f s per measurement; every "
      "service with max_threads=%s worker_threads=%s mysql_pool_size=%s\n",
      kLines, seconds, PoolFlags()["max_threads"].c_str(), PoolFlags()["worker_threads"].c_str(),
      PoolFlags()["mysql_pool_size"].c_str());
  std::printf("%-8s | %-34s | %-34s | %s\n", "", "gRPC (credit check + reservation)", "direct SQL (ceiling)", "ratio");
  std::printf("%-8s | %10s %10s %10s | %10s %10s %10s | %s\n", "clients", "orders/s", "p50 ms", "p99 ms", "orders/s",
              "p50 ms", "p99 ms", "gRPC/direct");
  for (int clients : levels) {
    Result g = Measure(clients, seconds, grpc_op);
    Result d = Measure(clients, seconds, direct_op);
    std::printf("%-8d | %10.1f %10.2f %10.2f | %10.1f %10.2f %10.2f | %.2f%s\n", clients, g.per_second(), g.p50_ms,
                g.p99_ms, d.per_second(), d.p50_ms, d.p99_ms, d.per_second() > 0 ? g.per_second() / d.per_second() : 0,
                (g.errors || d.errors)
                    ? absl::StrCat("  (failed ops: gRPC ", g.errors, ", direct ", d.errors, ")").c_str()
                    : "");
    std::fflush(stdout);
  }
  for (const auto& [what, n] : grpc_errors)
    std::printf("gRPC failures: %lld × %s\n", static_cast<long long>(n), what.c_str());
  orders->Shutdown();
  finance->Shutdown();
  customers->Shutdown();
  return 0;
}
