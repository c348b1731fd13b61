#include "platform/status.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sales {
namespace {

constexpr char kTypePrefix[] = "type.googleapis.com/";

template <typename Msg>
std::string TypeUrl() {
  return absl::StrCat(kTypePrefix, Msg::descriptor()->full_name());
}

template <typename Msg>
bool ReadPayload(const absl::Status& status, Msg* out) {
  auto payload = status.GetPayload(TypeUrl<Msg>());
  if (!payload.has_value()) return false;
  return out->ParseFromString(std::string(*payload));
}

}  // namespace

absl::Status InvalidFields(std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad;
  std::string message = "invalid request:";
  for (const auto& v : violations) {
    auto* fv = bad.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
    absl::StrAppend(&message, " ", v.field, ": ", v.description, ";");
  }
  if (!violations.empty()) message.pop_back();
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(TypeUrl<google::rpc::BadRequest>(), absl::Cord(bad.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  return InvalidFields({FieldViolation{std::move(field), std::move(description)}});
}

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason, absl::string_view domain,
                           const std::map<std::string, std::string>& metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(domain));
  for (const auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  status.SetPayload(TypeUrl<google::rpc::ErrorInfo>(), absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithRetryDelay(absl::Status status, int64_t retry_after_ms) {
  if (status.ok()) return status;
  google::rpc::RetryInfo info;
  *info.mutable_retry_delay() = google::protobuf::util::TimeUtil::MillisecondsToDuration(retry_after_ms);
  status.SetPayload(TypeUrl<google::rpc::RetryInfo>(), absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return ReadPayload(status, &info) ? info.reason() : std::string();
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  google::rpc::BadRequest bad;
  std::vector<FieldViolation> out;
  if (!ReadPayload(status, &bad)) return out;
  for (const auto& fv : bad.field_violations()) out.push_back({fv.field(), fv.description()});
  return out;
}

namespace {

// The message and details travel as trailers, and clients refuse metadata
// over 8 KiB by default: a request with hundreds of bad rows must still get
// its INVALID_ARGUMENT, so both are kept well under that.
constexpr size_t kMaxMessageBytes = 1024;
constexpr int kMaxFieldViolations = 40;

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxMessageBytes) return std::string(message);
  size_t cut = kMaxMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 only
  return absl::StrCat(message.substr(0, cut), " … (", message.size() - cut, " more bytes; see details)");
}

std::string BoundedPayload(absl::string_view type_url, const absl::Cord& payload) {
  std::string value(payload);
  if (type_url != TypeUrl<google::rpc::BadRequest>()) return value;
  google::rpc::BadRequest bad;
  if (!bad.ParseFromString(value) || bad.field_violations_size() <= kMaxFieldViolations) return value;
  int dropped = bad.field_violations_size() - kMaxFieldViolations;
  bad.mutable_field_violations()->DeleteSubrange(kMaxFieldViolations, dropped);
  auto* more = bad.add_field_violations();
  more->set_field("");
  more->set_description(absl::StrCat("and ", dropped, " more violations of the same request"));
  return bad.SerializeAsString();
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  std::string message = BoundedMessage(status.message());
  rpc_status.set_message(message);
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(BoundedPayload(type_url, payload));
  });
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rpc_status.details_size() > 0 ? rpc_status.SerializeAsString() : "");
}

absl::Status ClientFacing(const absl::Status& status, absl::string_view request_id) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  bool from_db = ReadPayload(status, &info) && info.domain() == "db.sales";
  absl::StatusCode code = status.code();
  if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown) {
    absl::Status out(
        absl::StatusCode::kInternal,
        absl::StrCat("the request failed inside the service; quote request id ", request_id, " to the operator"));
    google::rpc::ErrorInfo scrubbed;
    scrubbed.set_reason(from_db || info.reason().empty() ? "INTERNAL" : info.reason());
    scrubbed.set_domain("sales");
    (*scrubbed.mutable_metadata())["request_id"] = std::string(request_id);
    out.SetPayload(TypeUrl<google::rpc::ErrorInfo>(), absl::Cord(scrubbed.SerializeAsString()));
    return out;
  }
  if (!from_db) return status;
  std::string message;
  switch (code) {
    case absl::StatusCode::kAlreadyExists:
      message = "a record with the same identifying values already exists";
      break;
    case absl::StatusCode::kAborted:
      message = "the change conflicted with a concurrent one; retry with the same request id";
      break;
    case absl::StatusCode::kUnavailable:
      message = "the database is unavailable; retry with the same request id";
      break;
    default:
      message = "the database refused the request";
      break;
  }
  absl::Status out(code, message);
  google::rpc::ErrorInfo scrubbed;
  scrubbed.set_reason(info.reason());
  scrubbed.set_domain(info.domain());
  out.SetPayload(TypeUrl<google::rpc::ErrorInfo>(), absl::Cord(scrubbed.SerializeAsString()));
  // Retry advice and the like carry no database text: keep them.
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    if (type_url != TypeUrl<google::rpc::ErrorInfo>()) out.SetPayload(type_url, payload);
  });
  return out;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

absl::Status NotFound(absl::string_view kind, int64_t id) {
  return WithErrorInfo(absl::NotFoundError(absl::StrCat(kind, " ", id, " not found")), "NOT_FOUND", "sales",
                       {{"kind", std::string(kind)}, {"id", absl::StrCat(id)}});
}

absl::Status StaleEtag(absl::string_view kind, int64_t id, absl::string_view sent, absl::string_view current) {
  return WithErrorInfo(absl::AbortedError(absl::StrCat(kind, " ", id, " was changed by someone else (etag ", sent,
                                                       ", current ", current, "); read it again")),
                       "STALE_ETAG", "sales", {{"current_etag", std::string(current)}});
}

}  // namespace sales
