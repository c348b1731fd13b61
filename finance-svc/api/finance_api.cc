#include "finance-svc/api/finance_api.h"

#include "absl/strings/str_cat.h"
#include "finance-svc/store/billing_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"

std::vector<sales::MigrationFile> FinanceMigrations();

namespace sales::finance {
namespace {
constexpr char kService[] = "sales.finance.v1.FinanceService";
}  // namespace

std::string FinanceMethod(const char* name) { return absl::StrCat("/", kService, "/", name); }

grpc::ServerWriteReactor<v1::StreamEventsResponse>* FinanceApi::StreamEvents(grpc::CallbackServerContext* ctx,
                                                                             const v1::StreamEventsRequest* req) {
  return rt_.feeds->Open<v1::StreamEventsRequest, v1::StreamEventsResponse>(ctx, FinanceMethod("StreamEvents"), *req);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def = DefineService<FinanceApi>("finance", 50064, FinanceMigrations(), kService);
  // Managers' scope and rep checks read a copy of the org tree from targets.
  def.shared_migrations.push_back(OrgReplicaMigrations());
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    SALES_RETURN_IF_ERROR(KeepOrgReplica(rt));
    // Shipments become billable lines and returns credit memos, each event
    // exactly once (the consumer commits the cursor with the effect).
    const Clock* clock = rt.clock;
    auto billing = [clock](db::Transaction& tx, const common::v1::Event& e) {
      return BillingStore::ApplyOrdersEvent(tx, e, clock->Now());
    };
    SALES_RETURN_IF_ERROR(
        (rt.FollowFeed<orders::v1::OrdersService, orders::v1::StreamEventsRequest, orders::v1::StreamEventsResponse>(
            "finance", "orders", billing)));
    return services;
  };
  return def;
}

}  // namespace sales::finance
