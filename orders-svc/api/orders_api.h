// gRPC handlers of orders-svc: validate, authorize, call the store, map errors.
#pragma once

#include "platform/service_app.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"

namespace sales::orders {

class OrdersApi final : public v1::OrdersService::Service {
 public:
  explicit OrdersApi(ServiceRuntime& runtime) : rt_(runtime) {}

  grpc::Status CreateProduct(grpc::ServerContext* ctx, const v1::CreateProductRequest* req,
                             v1::CreateProductResponse* resp) override;
  grpc::Status GetProduct(grpc::ServerContext* ctx, const v1::GetProductRequest* req,
                          v1::GetProductResponse* resp) override;
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;

 private:
  ServiceRuntime& rt_;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::orders
