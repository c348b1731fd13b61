// gRPC handlers of customers-svc: validate, authorize, call the store, map errors.
#pragma once

#include "platform/service_app.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class CustomersApi final : public v1::CustomersService::Service {
 public:
  explicit CustomersApi(ServiceRuntime& runtime) : rt_(runtime) {}

  grpc::Status RegisterCustomer(grpc::ServerContext* ctx, const v1::RegisterCustomerRequest* req,
                                v1::RegisterCustomerResponse* resp) override;
  grpc::Status GetCustomer(grpc::ServerContext* ctx, const v1::GetCustomerRequest* req,
                           v1::GetCustomerResponse* resp) override;
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;

 private:
  // The owner must be a rep the organization copy knows and who has not left.
  absl::Status CheckOwner(db::Transaction& tx, int64_t rep_id);
  ServiceRuntime& rt_;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::customers
