// At-most-once effects for mutating calls. A request id belongs to its
// caller and method: the key is (caller, method, request_id), so one caller
// can neither occupy nor read another's. The key's row, the request's
// hash and the response are written in the same transaction as the change:
// a repeat returns the stored response, a reuse with another body is
// INVALID_ARGUMENT (ErrorInfo REQUEST_ID_REUSED), and a concurrent repeat
// waits on the first one's row lock, then sees its committed answer.
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "platform/status.h"

namespace sales {

// Checks the request_id field: required, 1..64 printable ASCII characters.
absl::Status ValidateRequestId(absl::string_view request_id, absl::string_view field = "request_id");

// Hash of the method name plus the request's deterministic serialization.
std::string RequestHash(absl::string_view method, const google::protobuf::Message& request);

// Deletes up to `batch` idempotency records older than `before`; returns how
// many went. Repeats after that window are treated as new requests, so the
// window must outlast any client's retries (default 7 days).
absl::StatusOr<int64_t> PurgeIdempotencyKeys(db::Pool& pool, absl::Time before, int batch = 5000);

// Core: `fn` produces the serialized response inside the transaction.
// `caller` is the principal's user id ("" in development mode).
absl::StatusOr<std::string> RunIdempotentRaw(db::Pool& pool, absl::string_view caller, absl::string_view method,
                                             absl::string_view request_id, const std::string& request_hash,
                                             const std::function<absl::StatusOr<std::string>(db::Transaction&)>& fn);

template <typename Response>
absl::StatusOr<Response> RunIdempotent(db::Pool& pool, absl::string_view caller, absl::string_view method,
                                       absl::string_view request_id, const google::protobuf::Message& request,
                                       const std::function<absl::StatusOr<Response>(db::Transaction&)>& fn) {
  SALES_RETURN_IF_ERROR(ValidateRequestId(request_id));
  auto raw = RunIdempotentRaw(pool, caller, method, request_id, RequestHash(method, request),
                              [&](db::Transaction& tx) -> absl::StatusOr<std::string> {
                                auto r = fn(tx);
                                if (!r.ok()) return r.status();
                                return r->SerializeAsString();
                              });
  if (!raw.ok()) return raw.status();
  Response out;
  if (!out.ParseFromString(*raw)) return absl::InternalError("stored response is unreadable");
  return out;
}

}  // namespace sales
