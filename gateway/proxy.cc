#include "gateway/proxy.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include <grpcpp/support/client_callback.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/gateway.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/status.h"

namespace sales::gateway {
namespace {

std::string ToString(const grpc::string_ref& s) { return std::string(s.data(), s.size()); }

// Client headers the gateway does not pass on: transport headers gRPC sets
// itself, the bearer token (the services trust the signed principal, not
// tokens), and any identity or request id the client tried to assert.
bool DropRequestHeader(absl::string_view key) {
  return absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":") || key == "authorization" ||
         key == "user-agent" || key == "te" || key == "content-type" || key == "host" ||
         key == kPrincipalHeader || key == kPrincipalMacHeader || key == kRequestIdHeader;
}

bool DropResponseHeader(absl::string_view key) {
  return absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":") || key == "content-type" ||
         key == kRequestIdHeader;
}

class ProxyCall;

// The backend half of a server-streaming call. gRPC's generic stub speaks
// streams as bidi; the one request is written and the write side closed.
class BackendStream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit BackendStream(ProxyCall* call) : call_(call) {}
  void Start(grpc::GenericStub* stub, const std::string& path, grpc::ClientContext* ctx,
             const grpc::ByteBuffer* request);
  void ReadNext() { StartRead(&in_); }
  void StopReading() { RemoveHold(); }
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;
  grpc::ByteBuffer* message() { return &in_; }

 private:
  ProxyCall* call_;
  grpc::ByteBuffer in_;
};

class ProxyCall final : public grpc::ServerGenericBidiReactor {
 public:
  ProxyCall(Gateway* gw, grpc::GenericCallbackServerContext* ctx) : gw_(gw), ctx_(ctx) {
    start_ = absl::Now();
    route_ = gw_->methods().Find(ctx_->method());
    if (route_ == nullptr) {
      request_id_ = RequestIdFor(*ctx_);
      Reject(absl::UnimplementedError(absl::StrCat("no service here serves ", ctx_->method())));
      return;
    }
    if (route_->client_streaming) {
      request_id_ = RequestIdFor(*ctx_);
      Reject(absl::UnimplementedError("client-streaming methods are not forwarded"));
      return;
    }
    auto admitted = Admit(*gw_, *ctx_, route_->name);
    if (!admitted.ok()) {
      request_id_ = RequestIdFor(*ctx_);
      Reject(admitted.status());
      return;
    }
    who_ = std::move(*admitted);
    request_id_ = who_.request_id;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Reject(absl::InvalidArgumentError("the call carried no request message"));
      return;
    }
    if (!PrepareBackendContext()) return;
    if (route_->server_streaming) {
      stream_ = std::make_unique<BackendStream>(this);
      refs_.fetch_add(1);
      stream_->Start(gw_->Stub(route_->backend), route_->path, &backend_ctx_, &request_);
      return;
    }
    refs_.fetch_add(1);
    gw_->Stub(route_->backend)
        ->UnaryCall(&backend_ctx_, route_->path, grpc::StubOptions(), &request_, &response_,
                    [this](grpc::Status status) {
                      CopyBackendMetadata();
                      Complete(status, /*with_message=*/status.ok());
                      Unref();
                    });
  }

  void OnWriteDone(bool ok) override {
    // Only stream writes come here: a unary answer goes with its status.
    if (stream_ == nullptr) return;
    if (ok) {
      stream_->ReadNext();
    } else {
      // The client is gone: stop the backend and end on its status.
      backend_ctx_.TryCancel();
      stream_->StopReading();
    }
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (backend_started_) backend_ctx_.TryCancel();
  }

  void OnDone() override { Unref(); }

  // From the backend stream.
  void RelayToClient(grpc::ByteBuffer* message) {
    if (!sent_initial_) {
      sent_initial_ = true;
      CopyBackendMetadata();
    }
    out_ = *message;
    StartWrite(&out_);
  }
  void BackendStreamDone(const grpc::Status& status) {
    Complete(status, false);
    Unref();
  }

 private:
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Deadline, metadata and identity for the backend call; false when the
  // call ended here (the client cancelled or its deadline has passed).
  bool PrepareBackendContext() {
    auto now = std::chrono::system_clock::now();
    auto client_deadline = ctx_->deadline();
    auto cap = now + absl::ToChronoNanoseconds(route_->max_deadline);
    bool client_has_deadline = client_deadline < now + std::chrono::hours(24 * 365);
    auto deadline = client_has_deadline
                        ? std::min(client_deadline, cap)
                        : std::min(cap, now + absl::ToChronoNanoseconds(gw_->options().default_deadline));
    if (client_has_deadline && client_deadline <= now) {
      Reject(absl::DeadlineExceededError("the call's deadline passed before it reached the gateway"));
      return false;
    }
    backend_ctx_.set_deadline(deadline);
    for (const auto& [k, v] : ctx_->client_metadata()) {
      std::string key = ToString(k);
      if (!DropRequestHeader(key)) backend_ctx_.AddMetadata(key, ToString(v));
    }
    AttachIdentity(*gw_, who_, &backend_ctx_);
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) {
      Reject(absl::CancelledError("the client cancelled the call"));
      return false;
    }
    backend_started_ = true;
    return true;
  }

  // The backend's initial metadata, once it has arrived (a message or the
  // status has been received).
  void CopyBackendMetadata() {
    for (const auto& [k, v] : backend_ctx_.GetServerInitialMetadata()) {
      std::string key = ToString(k);
      if (!DropResponseHeader(key)) ctx_->AddInitialMetadata(key, ToString(v));
    }
  }

  void Complete(const grpc::Status& status, bool with_message) {
    for (const auto& [k, v] : backend_ctx_.GetServerTrailingMetadata()) {
      std::string key = ToString(k);
      if (!DropResponseHeader(key)) ctx_->AddTrailingMetadata(key, ToString(v));
    }
    ctx_->AddTrailingMetadata(kRequestIdHeader, request_id_);
    Log(status);
    if (with_message) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
    } else {
      Finish(status);
    }
  }

  void Reject(const absl::Status& status) {
    ctx_->AddTrailingMetadata(kRequestIdHeader, request_id_);
    grpc::Status st = ToGrpcStatus(status);
    Log(st);
    Finish(st);
  }

  void Log(const grpc::Status& status) {
    AccessLog mode = gw_->options().access_log;
    if (mode == AccessLog::kNone || (mode == AccessLog::kErrors && status.ok())) return;
    sales::Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarn, "call",
               {{"method", std::string(ctx_->method())},
                {"request_id", request_id_},
                {"principal", who_.principal.user_id},
                {"role", who_.principal.role},
                {"code", static_cast<int>(status.error_code())},
                {"error", status.error_message()},
                {"ms", absl::ToDoubleMilliseconds(absl::Now() - start_)}});
  }

  Gateway* gw_;
  grpc::GenericCallbackServerContext* ctx_;
  const MethodRoute* route_ = nullptr;
  Admission who_;
  std::string request_id_;
  absl::Time start_;
  grpc::ByteBuffer request_, response_, out_;
  grpc::ClientContext backend_ctx_;
  std::unique_ptr<BackendStream> stream_;
  bool sent_initial_ = false;
  // One reference for the server side (dropped in OnDone), one while a
  // backend call is running: whichever ends last frees the call.
  std::atomic<int> refs_{1};
  std::mutex mu_;
  bool cancelled_ = false;
  bool backend_started_ = false;
};

void BackendStream::Start(grpc::GenericStub* stub, const std::string& path, grpc::ClientContext* ctx,
                          const grpc::ByteBuffer* request) {
  stub->PrepareBidiStreamingCall(ctx, path, grpc::StubOptions(), this);
  // Reads are started from the server side's write completions, outside
  // this reactor's callbacks: the hold keeps the stream open meanwhile.
  AddHold();
  StartWriteLast(request, grpc::WriteOptions());
  StartRead(&in_);
  StartCall();
}

void BackendStream::OnReadDone(bool ok) {
  if (ok) {
    call_->RelayToClient(&in_);
  } else {
    RemoveHold();
  }
}

void BackendStream::OnDone(const grpc::Status& status) { call_->BackendStreamDone(status); }

class ProxyService final : public grpc::CallbackGenericService {
 public:
  explicit ProxyService(Gateway* gw) : gw_(gw) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new ProxyCall(gw_, ctx);
  }

 private:
  Gateway* gw_;
};

}  // namespace

std::unique_ptr<grpc::CallbackGenericService> MakeProxyService(Gateway* gateway) {
  return std::make_unique<ProxyService>(gateway);
}

std::string RequestIdFor(const grpc::CallbackServerContext& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(kRequestIdHeader);
  if (it != md.end()) {
    std::string rid = ToString(it->second);
    bool valid = !rid.empty() && rid.size() <= 64;
    for (char c : rid) valid = valid && c >= 0x21 && c <= 0x7e;
    if (valid) return rid;
  }
  return RandomHexId();
}

}  // namespace sales::gateway
