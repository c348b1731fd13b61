#include "platform/call.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales {
namespace {

std::string Header(grpc::ServerContextBase* ctx, const char* key) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

bool ValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

absl::Status ReadCallContext(grpc::ServerContextBase* ctx, absl::string_view method, const PrincipalVerifier& verifier,
                             CallContext* out) {
  out->method = std::string(method);
  out->server_context = ctx;
  std::string rid = Header(ctx, kRequestIdHeader);
  out->request_id = ValidRequestId(rid) ? rid : RandomHexId();
  std::string principal = Header(ctx, kPrincipalHeader);
  if (principal.empty()) {
    if (verifier.enforcing()) {
      return WithErrorInfo(absl::UnauthenticatedError("no caller identity; call through the gateway"),
                           "PRINCIPAL_MISSING", "sales");
    }
    return absl::OkStatus();
  }
  // The MAC covers the request id as sent, so verify against the raw header.
  SALES_RETURN_IF_ERROR(verifier.Verify(principal, Header(ctx, kPrincipalMacHeader), rid, method, "", absl::Now()));
  if (!Principal::Decode(principal, &out->principal)) {
    return WithErrorInfo(absl::UnauthenticatedError("malformed caller identity"), "PRINCIPAL_MALFORMED", "sales");
  }
  return absl::OkStatus();
}

void AttachServiceIdentity(grpc::ClientContext* ctx, absl::string_view service, absl::string_view request_id) {
  std::string rid = ValidRequestId(request_id) ? std::string(request_id) : RandomHexId();
  Principal who;
  who.user_id = absl::StrCat("service:", service);
  who.role = "SERVICE";
  std::string encoded = who.Encode();
  ctx->AddMetadata(kRequestIdHeader, rid);
  ctx->AddMetadata(kPrincipalHeader, encoded);
}

void LogCall(const CallContext& call, const absl::Status& status, absl::Duration elapsed) {
  LogLevel level = status.ok() ? LogLevel::kInfo
                   : status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown
                       ? LogLevel::kError
                       : LogLevel::kWarn;
  Log(level, "call",
      {{"method", call.method},
       {"request_id", call.request_id},
       {"principal", call.principal.user_id},
       {"role", call.principal.role},
       {"code", absl::StatusCodeToString(status.code())},
       {"error", std::string(status.message())},
       {"ms", absl::ToDoubleMilliseconds(elapsed)}});
}

grpc::Status FinishCall(CallContext& call, const absl::Status& status, absl::Time start) {
  if (call.server_context != nullptr) {
    call.server_context->AddTrailingMetadata(kRequestIdHeader, call.request_id);
  }
  // The log keeps the whole story; the client gets what it may see.
  LogCall(call, status, absl::Now() - start);
  return ToGrpcStatus(ClientFacing(status, call.request_id));
}

}  // namespace sales
