// The shape every request must have before any handler reads it (issue 12,
// "malformed requests are the caller's fault"): it parses as its type, its
// strings are valid UTF-8 and within their contract's length, its repeated
// fields within their count, and its enums hold values the enum defines.
// The limits are the contract's own: the (sales.common.v1.limits) option
// of each field (protos/sales/common/v1/field_limits.proto), with the
// defaults documented there. Every violation is INVALID_ARGUMENT naming
// the field (google.rpc.BadRequest), never INTERNAL.
//
// Checked at the gateway on the raw bytes of every proxied call and on the
// aggregate views' requests, and at each service by an interceptor on every
// typed method (NewRequestShapeInterceptorFactory), so that no method
// accepts a value another method or the database column behind it refuses.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sales {

// The defaults of field_limits.proto, for fields without the option.
inline constexpr int kDefaultMaxLength = 255;  // code points
inline constexpr int kDefaultMaxItems = 1000;

// OK, or INVALID_ARGUMENT with one field violation per problem found
// (paths like "customer.name", "lines[3].quantity", "labels[\"k\"]"):
// an enum number the enum does not define (proto3 enums keep unknown
// numbers), a string over its max_length code points or not valid UTF-8,
// a repeated field or map over its max_items. Walks nested messages,
// repeated fields, maps and oneofs; stops after a bounded number of
// violations so that a hostile request costs no more than a valid one.
absl::Status CheckRequestShape(const google::protobuf::Message& request);

// Parses `bytes` into `out` (a message of `type`). A failure is the
// caller's: INVALID_ARGUMENT "the request message could not be parsed as
// <type>", naming the field where the bytes went wrong when it can be
// found (a string that is not UTF-8, a field cut short). Does not check
// the shape; call CheckRequestShape on success.
absl::Status ParseRequest(const google::protobuf::Descriptor* type, absl::string_view bytes,
                          google::protobuf::Message* out);

// The number of code points in `text` when it is valid UTF-8 (no
// overlong forms, no surrogates, nothing above U+10FFFF); -1 otherwise.
int64_t Utf8CodePoints(absl::string_view text);

// A server interceptor checking the request of every call to the given
// typed services (full names, e.g. "sales.orders.v1.OrdersService") after
// gRPC has parsed it. A request with a bad shape never reaches the
// handler's body: the interceptor clears it, removes the caller's identity
// headers (so the call's context refuses it before the body runs), and
// answers the shape's INVALID_ARGUMENT in place of whatever the handler
// returned. Methods of other services (health, reflection, generic
// handlers) are not touched: their messages are not known to be protobuf.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewRequestShapeInterceptorFactory(
    std::vector<std::string> typed_services);

}  // namespace sales
