// The orders service object and its wiring: one OrdersApi (core handlers in
// catalog_api.cc, quote_api.cc, order_api.cc, stock_api.cc; fulfilment in
// the FulfilmentApi base) with the org replica kept from targets' feed, so
// approvals can check chains of command and managers see their subtree.
#include "orders-svc/api/orders_api.h"

#include "orders-svc/api/orders_support.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

std::vector<sales::MigrationFile> OrdersMigrations();

namespace sales::orders {

grpc::ServerWriteReactor<v1::StreamEventsResponse>* OrdersApi::StreamEvents(grpc::CallbackServerContext* ctx,
                                                                            const v1::StreamEventsRequest* req) {
  return rt_.feeds->Open<v1::StreamEventsRequest, v1::StreamEventsResponse>(ctx, OrdersMethod("StreamEvents"), *req);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def =
      DefineService<OrdersApi>("orders", 50063, OrdersMigrations(), "sales.orders.v1.OrdersService");
  def.shared_migrations.push_back(OrgReplicaMigrations());
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    SALES_RETURN_IF_ERROR(KeepOrgReplica(rt));
    return services;
  };
  return def;
}

}  // namespace sales::orders
