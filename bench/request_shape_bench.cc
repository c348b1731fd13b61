// The gateway's per-call cost of refusing malformed requests: parsing the
// raw bytes as the method's input type and checking their shape
// (gateway/request_check.h), on requests the way clients send them.
//
//   request_shape_bench
#include <benchmark/benchmark.h>

#include "absl/strings/str_cat.h"
#include "gateway/request_check.h"
#include "platform/request_shape.h"
#include "sales/customers/v1/customer_messages.pb.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/orders/v1/order_messages.pb.h"

namespace {

namespace cv1 = ::sales::customers::v1;
namespace ov1 = ::sales::orders::v1;

// A read: the duplicate check a rep runs before registering.
std::string CheckDuplicateBytes() {
  cv1::CheckDuplicateRequest r;
  r.set_name("上海华联超市有限公司");
  r.set_phone("138 0013 8000");
  return r.SerializeAsString();
}

// A mutation with nested fields: registering a customer with two contacts.
std::string RegisterCustomerBytes() {
  cv1::RegisterCustomerRequest r;
  r.set_request_id("7f3c2a9e4b1d4c6a8e0f1a2b3c4d5e6f");
  auto* c = r.mutable_customer();
  c->set_name("杭州联华华商集团有限公司");
  c->set_type(cv1::CUSTOMER_TYPE_END_CUSTOMER);
  c->set_phone("0571-8888 6666");
  c->set_tax_id("91330100MA2B3C4D5E");
  c->set_region("EAST");
  c->set_city("杭州");
  c->set_address("浙江省杭州市西湖区文三路 398 号东信大厦 12 楼");
  c->set_source_channel("EXHIBITION");
  c->set_notes("2024 年春季糖酒会上结识，采购部王经理对新品线感兴趣，约定下月回访。");
  for (int i = 0; i < 2; ++i) {
    auto* k = c->add_contacts();
    k->set_name(i ? "王芳" : "李强");
    k->set_title("采购经理");
    k->set_phone("13800138000");
    k->set_email("buyer@example.cn");
  }
  return r.SerializeAsString();
}

// A large mutation: an order of 50 lines.
std::string CreateOrderBytes(int lines) {
  ov1::CreateOrderRequest r;
  r.set_request_id("order-2024-000123");
  auto* o = r.mutable_order();
  o->set_customer_id(123456);
  o->set_notes("节前备货，请优先发货。");
  o->set_ship_to_address("上海市浦东新区张江路 88 号 3 号仓库");
  for (int i = 0; i < lines; ++i) {
    auto* l = o->add_lines();
    l->set_product_id(1000 + i);
    l->set_sku(absl::StrCat("SKU-", 100000 + i));
    l->set_unit("箱");
    l->set_quantity(24);
    l->mutable_unit_price()->set_currency_code("CNY");
    l->mutable_unit_price()->set_minor_units(12800);
  }
  return r.SerializeAsString();
}

void Run(benchmark::State& state, const char* path, const std::string& bytes) {
  for (auto _ : state) {
    absl::Status st = sales::gateway::CheckRequestBytes(path, bytes);
    benchmark::DoNotOptimize(st);
    if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
  state.counters["request_bytes"] = static_cast<double>(bytes.size());
}

void BM_CheckDuplicate(benchmark::State& state) {
  Run(state, "/sales.customers.v1.CustomersService/CheckDuplicate", CheckDuplicateBytes());
}
void BM_RegisterCustomer(benchmark::State& state) {
  Run(state, "/sales.customers.v1.CustomersService/RegisterCustomer", RegisterCustomerBytes());
}
void BM_CreateOrder10Lines(benchmark::State& state) {
  Run(state, "/sales.orders.v1.OrdersService/CreateOrder", CreateOrderBytes(10));
}
void BM_CreateOrder200Lines(benchmark::State& state) {
  Run(state, "/sales.orders.v1.OrdersService/CreateOrder", CreateOrderBytes(200));
}
// A refusal costs no more than an acceptance: a 1 MiB name.
void BM_RefuseMebibyteName(benchmark::State& state) {
  cv1::CheckDuplicateRequest r;
  r.set_name(std::string(1 << 20, 'n'));
  std::string bytes = r.SerializeAsString();
  for (auto _ : state) {
    absl::Status st = sales::gateway::CheckRequestBytes("/sales.customers.v1.CustomersService/CheckDuplicate", bytes);
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
}

BENCHMARK(BM_CheckDuplicate);
BENCHMARK(BM_RegisterCustomer);
BENCHMARK(BM_CreateOrder10Lines);
BENCHMARK(BM_CreateOrder200Lines);
BENCHMARK(BM_RefuseMebibyteName);

}  // namespace
