// sales.gateway.v1.GatewayService: views that gather one screen from
// several services in parallel, as the caller, each part under its own
// deadline, naming the parts that failed (see gateway_service.proto).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

namespace sales::gateway {

class Gateway;

std::unique_ptr<grpc::Service> MakeAggregateViews(Gateway* gateway);

}  // namespace sales::gateway
