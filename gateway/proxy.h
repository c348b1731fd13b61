// The generic proxy: every method of the four services, by its full name,
// forwarded as raw bytes on the callback API (no thread per call).
#pragma once

#include <memory>

#include <grpcpp/generic/async_generic_service.h>

namespace sales::gateway {

class Gateway;

std::unique_ptr<grpc::CallbackGenericService> MakeProxyService(Gateway* gateway);

// The request id a call carries: the client's when it is well-formed,
// otherwise a fresh one.
std::string RequestIdFor(const grpc::CallbackServerContext& ctx);

}  // namespace sales::gateway
