// The demo company, shared by the loader's parts: each service's part lives in
// its own file (customers_demo.cc, orders_demo.cc, finance_demo.cc) and builds
// on what the parts before it made. Every call carries a fixed request_id, so
// loading again against the same data changes nothing.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/call.h"
#include "platform/crypto.h"
#include "sales/common/v1/date.pb.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace demo {

namespace tv1 = sales::targets::v1;
namespace cv1 = sales::customers::v1;
namespace ov1 = sales::orders::v1;
namespace fv1 = sales::finance::v1;

// The shared principal secret (config principal_hmac_secret), set once in
// main before the first call. The loader sets up the company as ADMIN and
// talks to the services directly, so when they enforce signed principals
// it signs its own, as the gateway does.
inline std::string& DemoSecret() {
  static std::string secret;
  return secret;
}

// A call as `role` (signed when the services enforce signed principals;
// without a secret the call carries no identity, as in development mode).
inline std::unique_ptr<grpc::ClientContext> CtxAs(const std::string& user, const std::string& role, int64_t rep_id = 0,
                                                  int64_t org_unit_id = 0) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!DemoSecret().empty()) {
    sales::Principal who;
    who.user_id = user;
    who.role = role;
    who.rep_id = rep_id;
    who.org_unit_id = org_unit_id;
    std::string rid = sales::RandomHexId();
    ctx->AddMetadata(sales::kRequestIdHeader, rid);
    ctx->AddMetadata(sales::kPrincipalHeader, who.Encode());
  }
  return ctx;
}

// The loader sets the company up as ADMIN.
inline std::unique_ptr<grpc::ClientContext> Ctx() { return CtxAs("demo-loader", "ADMIN"); }

inline void Must(const grpc::Status& st, const std::string& what) {
  if (st.ok()) return;
  std::fprintf(stderr, "demo-loader: %s failed: %d %s\n", what.c_str(), st.error_code(), st.error_message().c_str());
  std::exit(1);
}

inline sales::common::v1::Date Day(int y, int m, int d) {
  sales::common::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// What the parts have made so far, by business key.
struct DemoWorld {
  std::unique_ptr<tv1::TargetsService::Stub> targets;
  std::unique_ptr<cv1::CustomersService::Stub> customers;
  std::unique_ptr<ov1::OrdersService::Stub> orders;
  std::unique_ptr<fv1::FinanceService::Stub> finance;
  int32_t this_year = 0;
  std::map<std::string, int64_t> units;  // org unit code -> id
  std::map<std::string, int64_t> lines;  // product line code -> id
  std::vector<int64_t> rep_ids;
  std::map<int64_t, std::string> rep_region;  // rep id -> "EAST" / "NORTH"
  std::map<int64_t, int64_t> rep_units;       // rep id -> team id
  std::vector<int64_t> customer_ids;
  std::vector<int64_t> plans;
  int history_rows = 0;
  // One line per part for the loader's summary.
  std::vector<std::string> summary;
};

// The parts, in the order the loader runs them.
void LoadCustomersDemo(DemoWorld& w);
void LoadOrdersDemo(DemoWorld& w);
void LoadFinanceDemo(DemoWorld& w);

}  // namespace demo
