// gRPC handlers of customers-svc's core: customers, duplicates, ownership
// and protection, follow-ups, credit. The engagement half (visit plans,
// rotation, complaints, reports, settings) lives in EngagementApi, which
// this class extends so that one gRPC service serves both.
#pragma once

#include "customers-svc/api/engagement_api.h"
#include "platform/service_app.h"
#include "sales/common/v1/event.pb.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class CustomersApi final : public EngagementApi {
 public:
  explicit CustomersApi(ServiceRuntime& runtime) : EngagementApi(runtime) {}

#define CUSTOMERS_CORE_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Customers and duplicates.
  CUSTOMERS_CORE_RPC(RegisterCustomer);
  CUSTOMERS_CORE_RPC(GetCustomer);
  CUSTOMERS_CORE_RPC(BatchGetCustomers);
  CUSTOMERS_CORE_RPC(CheckDuplicate);
  CUSTOMERS_CORE_RPC(ListCustomerAudit);
  // Credit profile and holds.
  CUSTOMERS_CORE_RPC(GetCreditProfile);
  CUSTOMERS_CORE_RPC(BatchGetCreditProfiles);
  CUSTOMERS_CORE_RPC(UpdateCreditProfile);
  CUSTOMERS_CORE_RPC(RecordCreditInvestigation);
  CUSTOMERS_CORE_RPC(ListCreditInvestigations);
  CUSTOMERS_CORE_RPC(SetCreditHold);
  CUSTOMERS_CORE_RPC(ReleaseCreditHold);
  CUSTOMERS_CORE_RPC(ListCreditHolds);
  // Credit for orders and collisions.
  CUSTOMERS_CORE_RPC(ResolveCreditedRep);
  CUSTOMERS_CORE_RPC(ListCollisions);
  CUSTOMERS_CORE_RPC(ReviewCollision);
#undef CUSTOMERS_CORE_RPC

  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;

 private:
  // The owner must be a rep the organization copy knows and who has not left.
  absl::Status CheckOwner(db::Transaction& tx, int64_t rep_id, const std::string& field);
};

// Feed consumers (exposed for tests): finance's hold events and orders'
// purchase events, applied exactly once by the platform's consumer.
absl::Status ApplyFinanceEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);
absl::Status ApplyOrdersEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::customers
