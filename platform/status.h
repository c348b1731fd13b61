// Error plumbing shared by every process: absl::Status inside, grpc::Status
// with google.rpc details at the edge (ToGrpcStatus is the one mapping).
#pragma once

#include <grpcpp/support/status.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sales {

#define SALES_STATUS_CONCAT_INNER_(a, b) a##b
#define SALES_STATUS_CONCAT_(a, b) SALES_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` is not OK.
#define SALES_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status sales_status_ = (expr);         \
    if (!sales_status_.ok()) return sales_status_; \
  } while (0)

// `lhs = value of statusor_expr`, or returns its error.
#define SALES_ASSIGN_OR_RETURN(lhs, expr) \
  SALES_ASSIGN_OR_RETURN_IMPL_(SALES_STATUS_CONCAT_(sales_sor_, __LINE__), lhs, expr)
#define SALES_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// A field path and why its value is refused.
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT carrying a google.rpc.BadRequest with every violation.
absl::Status InvalidFields(std::vector<FieldViolation> violations);
absl::Status InvalidField(std::string field, std::string description);

// Attaches a google.rpc.ErrorInfo{reason, domain, metadata} to `status`.
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason, absl::string_view domain,
                           const std::map<std::string, std::string>& metadata = {});

// Attaches a google.rpc.RetryInfo telling the client when to retry.
absl::Status WithRetryDelay(absl::Status status, int64_t retry_after_ms);

// Reads the ErrorInfo reason back ("" when none), for tests and callers.
std::string ErrorReason(const absl::Status& status);
// Reads back the BadRequest violations ({} when none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// The single absl → gRPC mapping. Payloads become google.rpc.Status details
// in the grpc-status-details-bin trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// What a client may see of `status`: errors say what, not how. A database
// error (ErrorInfo domain "db.sales") keeps its code and reason but its
// driver text, SQL, key and column names are replaced by a plain sentence;
// INTERNAL and UNKNOWN say only that the request failed, under which request
// id, so an operator finds the detail in the log. Everything else is the
// service's own wording and passes unchanged.
absl::Status ClientFacing(const absl::Status& status, absl::string_view request_id);
// The reverse, for clients of other services: keeps code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Convenience builders in the house style.
absl::Status NotFound(absl::string_view kind, int64_t id);
absl::Status StaleEtag(absl::string_view kind, int64_t id, absl::string_view sent, absl::string_view current);

}  // namespace sales
