// The two shapes every handler takes, so that a handler states only its
// rules: a mutation (request_id checked, validated, applied at most once in
// one transaction) and a read (one transaction, no idempotency record).
#pragma once

#include <functional>

#include "platform/call.h"
#include "platform/convert.h"
#include "platform/idempotency.h"
#include "platform/service_app.h"
#include "platform/status.h"

namespace sales {

template <typename Request, typename Response>
grpc::Status ServeMutation(grpc::ServerContextBase* ctx, absl::string_view method, ServiceRuntime& rt,
                           const Request& req, Response* resp,
                           const std::function<absl::Status(CallContext&)>& validate,
                           const std::function<absl::StatusOr<Response>(db::Transaction&, CallContext&)>& apply) {
  return Serve(ctx, method, *rt.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
    SALES_RETURN_IF_ERROR(validate(call));
    SALES_ASSIGN_OR_RETURN(*resp,
                           RunIdempotent<Response>(*rt.pool, call.principal.user_id, call.method, req.request_id(), req,
                                                   [&](db::Transaction& tx) { return apply(tx, call); }));
    return absl::OkStatus();
  });
}

template <typename Response>
grpc::Status ServeRead(grpc::ServerContextBase* ctx, absl::string_view method, ServiceRuntime& rt, Response* resp,
                       const std::function<absl::Status(CallContext&)>& validate,
                       const std::function<absl::StatusOr<Response>(db::Transaction&, CallContext&)>& read) {
  return Serve(ctx, method, *rt.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(validate(call));
    SALES_ASSIGN_OR_RETURN(*resp, rt.pool->Transact<Response>([&](db::Transaction& tx) { return read(tx, call); }));
    return absl::OkStatus();
  });
}

// A unary callback method whose body blocks (a transaction, peers asked
// and waited for): the body runs on the service's worker pool and the gRPC
// thread that received the call is free at once. A burst beyond the pool
// queues there instead of exhausting the server's request threads.
template <typename Body>
grpc::ServerUnaryReactor* ServeOnWorkers(grpc::CallbackServerContext* ctx, ServiceRuntime& rt, Body body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (!rt.workers->Post([reactor, body = std::move(body)]() mutable { reactor->Finish(body()); })) {
    reactor->Finish(ToGrpcStatus(WithErrorInfo(
        absl::ResourceExhaustedError("too many calls are waiting; retry shortly"), "WORKERS_BUSY", "sales")));
  }
  return reactor;
}

// Keyset pages: asks the store for one row more than the page to know
// whether another page exists, then sets next_page_token.
template <typename Item, typename Response, typename AddFn>
void FillPage(std::vector<Item> items, int page_size, Response* resp, AddFn add) {
  bool more = static_cast<int>(items.size()) > page_size;
  if (more) items.pop_back();
  int64_t last = items.empty() ? 0 : items.back().id();
  for (auto& item : items) *add(resp) = std::move(item);
  if (more) resp->set_next_page_token(EncodePageToken(last));
}

}  // namespace sales
