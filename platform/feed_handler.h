// The StreamEvents handler body every service shares.
#pragma once

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "platform/call.h"
#include "platform/outbox.h"

namespace sales {

template <typename Request, typename Response>
grpc::Status ServeEventFeed(grpc::ServerContext* ctx, absl::string_view method,
                            const PrincipalVerifier& verifier, Outbox& outbox,
                            const Request& request, grpc::ServerWriter<Response>* writer) {
  return Serve(ctx, method, verifier, [&](CallContext&) {
    return outbox.Stream(ctx, request.after_position(), request.max_batch(),
                         [&](std::vector<common::v1::Event>&& events) {
                           Response resp;
                           for (auto& e : events) *resp.add_events() = std::move(e);
                           return writer->Write(resp);
                         });
  });
}

}  // namespace sales
