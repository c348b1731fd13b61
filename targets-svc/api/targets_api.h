// gRPC handlers of targets-svc: validate, authorize, call the store, map errors.
#pragma once

#include "platform/service_app.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::targets {

class TargetsApi final : public v1::TargetsService::Service {
 public:
  explicit TargetsApi(ServiceRuntime& runtime) : rt_(runtime) {}

  grpc::Status CreateOrgUnit(grpc::ServerContext* ctx, const v1::CreateOrgUnitRequest* req,
                             v1::CreateOrgUnitResponse* resp) override;
  grpc::Status GetOrgUnit(grpc::ServerContext* ctx, const v1::GetOrgUnitRequest* req,
                          v1::GetOrgUnitResponse* resp) override;
  grpc::Status ListOrgUnits(grpc::ServerContext* ctx, const v1::ListOrgUnitsRequest* req,
                            v1::ListOrgUnitsResponse* resp) override;
  grpc::Status CreateRep(grpc::ServerContext* ctx, const v1::CreateRepRequest* req,
                         v1::CreateRepResponse* resp) override;
  grpc::Status GetRep(grpc::ServerContext* ctx, const v1::GetRepRequest* req,
                      v1::GetRepResponse* resp) override;
  grpc::Status ListReps(grpc::ServerContext* ctx, const v1::ListRepsRequest* req,
                        v1::ListRepsResponse* resp) override;
  grpc::Status CreateProductLine(grpc::ServerContext* ctx, const v1::CreateProductLineRequest* req,
                                 v1::CreateProductLineResponse* resp) override;
  grpc::Status GetProductLine(grpc::ServerContext* ctx, const v1::GetProductLineRequest* req,
                              v1::GetProductLineResponse* resp) override;
  grpc::Status ListProductLines(grpc::ServerContext* ctx, const v1::ListProductLinesRequest* req,
                                v1::ListProductLinesResponse* resp) override;
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;

 private:
  ServiceRuntime& rt_;
};

// The service as the platform's ServiceApp runs it.
ServiceDefinition MakeServiceDefinition();

}  // namespace sales::targets
