// The gateway's bar for malformed requests (issue 12): every proxied call's
// bytes are parsed as its method's input type and checked against the
// contract's shape (platform/request_shape.h) before anything is forwarded,
// so a truncated message, a string that is not UTF-8, an unknown enum
// number or an over-long field is the caller's INVALID_ARGUMENT naming the
// field, and never reaches a service's deserializer or SQL.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/method_table.h"

namespace sales::gateway {

// OK, or the INVALID_ARGUMENT to answer instead of forwarding. A method
// whose input type the gateway does not know (no such route) passes: the
// route table refuses those itself.
absl::Status CheckProxiedRequest(const MethodRoute& route, const grpc::ByteBuffer& request);

// The same for a request the gateway serves itself (its views): parses
// `request` into `out`, the method's typed request, and checks its shape.
absl::Status ParseCheckedRequest(const grpc::ByteBuffer& request, google::protobuf::Message* out);

// The same on bytes already in one piece (for tests and benchmarks);
// `path` as on the wire, "/sales.orders.v1.OrdersService/GetOrder".
absl::Status CheckRequestBytes(absl::string_view path, absl::string_view bytes);

}  // namespace sales::gateway
