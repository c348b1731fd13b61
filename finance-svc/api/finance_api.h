// gRPC handlers of finance-svc: validate, authorize, call the store, map errors.
#pragma once

#include "platform/service_app.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::finance {

class FinanceApi final : public v1::FinanceService::Service {
 public:
  explicit FinanceApi(ServiceRuntime& runtime) : rt_(runtime) {}

  grpc::Status RecordPayment(grpc::ServerContext* ctx, const v1::RecordPaymentRequest* req,
                             v1::RecordPaymentResponse* resp) override;
  grpc::Status GetPayment(grpc::ServerContext* ctx, const v1::GetPaymentRequest* req,
                          v1::GetPaymentResponse* resp) override;
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;

 private:
  ServiceRuntime& rt_;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::finance
