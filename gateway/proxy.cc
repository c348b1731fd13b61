#include "gateway/proxy.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "gateway/request_check.h"
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
         key == "user-agent" || key == "te" || key == "content-type" || key == "host" || key == kPrincipalHeader ||
         key == kPrincipalMacHeader || key == kRequestIdHeader;
}

// Whether gRPC will carry `key: value` at all. Adding a header it considers
// illegal aborts the process (validate_metadata), so a client's header that
// is not legal HTTP/2 for gRPC (a non-ASCII value in a text header, an
// upper-case or odd key) is dropped here instead of forwarded.
bool LegalHeader(absl::string_view key, absl::string_view value) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  if (absl::EndsWith(key, "-bin")) return true;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool DropResponseHeader(absl::string_view key) {
  return absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":") || key == "content-type" ||
         key == kRequestIdHeader;
}

// One forwarded call. Every event of it arrives on its one queue, handled
// by that queue's one thread, so it needs no lock. It frees itself once
// no operation of it is outstanding and it has finished.
class ProxyCall {
 public:
  enum Step {
    kRequested,
    kDone,  // the server call ended (finished or cancelled)
    kReadRequest,
    kBackendUnaryDone,
    kBackendStarted,
    kBackendWrote,
    kBackendHalfClosed,
    kBackendRead,
    kClientWrote,
    kBackendFinished,
    kFinished,
    kSteps
  };
  struct Tag {
    ProxyCall* call;
    Step step;
  };

  ProxyCall(Gateway* gw, grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* cq, std::atomic<int>* live)
      : gw_(gw), service_(service), cq_(cq), live_(live), stream_(&ctx_) {
    for (int i = 0; i < kSteps; ++i) tags_[i] = Tag{this, static_cast<Step>(i)};
    live_->fetch_add(1);
  }
  ~ProxyCall() { live_->fetch_sub(1); }

  void Arm() {
    ctx_.AsyncNotifyWhenDone(Post(kDone));
    service_->RequestCall(&ctx_, &stream_, cq_, cq_, Post(kRequested));
  }

  void Proceed(Step step, bool ok) {
    --pending_;
    switch (step) {
      case kRequested:
        if (!ok) {
          // The server is shutting down; this call never began, so its
          // done notification will not come either.
          --pending_;
          break;
        }
        (new ProxyCall(gw_, service_, cq_, live_))->Arm();
        Begin();
        break;
      case kDone:
        if (ctx_.IsCancelled() && backend_active_) backend_ctx_.TryCancel();
        break;
      case kReadRequest:
        if (!ok) {
          Reject(absl::InvalidArgumentError("the call carried no request message"));
        } else if (absl::Status shape = CheckProxiedRequest(*route_, request_); !shape.ok()) {
          Reject(shape);  // malformed: the caller's fault, never forwarded
        } else {
          StartBackend();
        }
        break;
      case kBackendUnaryDone:
        backend_active_ = false;
        CopyBackendInitialMetadata();
        Complete(backend_status_.ok());
        break;
      case kBackendStarted:
        if (ok) {
          bstream_->Write(request_, Post(kBackendWrote));
        } else {
          FinishBackendStream();
        }
        break;
      case kBackendWrote:
        if (ok) {
          bstream_->WritesDone(Post(kBackendHalfClosed));
        } else {
          FinishBackendStream();
        }
        break;
      case kBackendHalfClosed:
        bstream_->Read(&message_, Post(kBackendRead));
        break;
      case kBackendRead:
        if (ok) {
          if (!sent_initial_) {
            sent_initial_ = true;
            CopyBackendInitialMetadata();
          }
          stream_.Write(message_, Post(kClientWrote));
        } else {
          FinishBackendStream();
        }
        break;
      case kClientWrote:
        if (ok) {
          bstream_->Read(&message_, Post(kBackendRead));
        } else {
          // The client is gone: stop the backend and end on its status.
          backend_ctx_.TryCancel();
          FinishBackendStream();
        }
        break;
      case kBackendFinished:
        backend_active_ = false;
        Complete(false);
        break;
      case kFinished:
        finished_ = true;
        break;
      case kSteps:
        break;
    }
    if (pending_ == 0) delete this;
  }

 private:
  void* Post(Step step) {
    ++pending_;
    return &tags_[step];
  }

  void Begin() {
    start_ = absl::Now();
    route_ = gw_->methods().Find(ctx_.method());
    if (route_ == nullptr) {
      request_id_ = RequestIdFor(ctx_);
      Reject(absl::UnimplementedError(absl::StrCat("no service here serves ", ctx_.method())));
      return;
    }
    if (route_->client_streaming) {
      request_id_ = RequestIdFor(ctx_);
      Reject(absl::UnimplementedError("client-streaming methods are not forwarded"));
      return;
    }
    absl::Status admitted = Admit(*gw_, ctx_, route_->name, &who_);
    request_id_ = who_.request_id;
    if (!admitted.ok()) {
      Reject(admitted);
      return;
    }
    stream_.Read(&request_, Post(kReadRequest));
  }

  void StartBackend() {
    auto now = std::chrono::system_clock::now();
    auto client_deadline = ctx_.deadline();
    auto cap = now + absl::ToChronoNanoseconds(route_->max_deadline);
    bool client_has_deadline = client_deadline < now + std::chrono::hours(24 * 365);
    if (client_has_deadline && client_deadline <= now) {
      Reject(absl::DeadlineExceededError("the call's deadline passed before it reached the gateway"));
      return;
    }
    backend_ctx_.set_deadline(client_has_deadline
                                  ? std::min(client_deadline, cap)
                                  : std::min(cap, now + absl::ToChronoNanoseconds(gw_->options().default_deadline)));
    for (const auto& [k, v] : ctx_.client_metadata()) {
      std::string key = ToString(k);
      std::string value = ToString(v);
      if (!DropRequestHeader(key) && LegalHeader(key, value)) backend_ctx_.AddMetadata(key, value);
    }
    AttachIdentity(*gw_, who_, route_->path, &backend_ctx_);
    grpc::GenericStub* stub = gw_->Stub(route_->backend);
    backend_active_ = true;
    if (route_->server_streaming) {
      bstream_ = stub->PrepareCall(&backend_ctx_, route_->path, cq_);
      bstream_->StartCall(Post(kBackendStarted));
      return;
    }
    unary_ = stub->PrepareUnaryCall(&backend_ctx_, route_->path, request_, cq_);
    unary_->StartCall();
    unary_->Finish(&response_, &backend_status_, Post(kBackendUnaryDone));
  }

  void FinishBackendStream() { bstream_->Finish(&backend_status_, Post(kBackendFinished)); }

  // The backend's initial metadata, once it has arrived (a message or the
  // status has been received).
  void CopyBackendInitialMetadata() {
    for (const auto& [k, v] : backend_ctx_.GetServerInitialMetadata()) {
      std::string key = ToString(k);
      std::string value = ToString(v);
      if (!DropResponseHeader(key) && LegalHeader(key, value)) ctx_.AddInitialMetadata(key, value);
    }
  }

  void Complete(bool with_message) {
    for (const auto& [k, v] : backend_ctx_.GetServerTrailingMetadata()) {
      std::string key = ToString(k);
      std::string value = ToString(v);
      if (!DropResponseHeader(key) && LegalHeader(key, value)) ctx_.AddTrailingMetadata(key, value);
    }
    ctx_.AddTrailingMetadata(kRequestIdHeader, request_id_);
    Log(backend_status_);
    if (with_message) {
      stream_.WriteAndFinish(response_, grpc::WriteOptions(), backend_status_, Post(kFinished));
    } else {
      stream_.Finish(backend_status_, Post(kFinished));
    }
  }

  void Reject(const absl::Status& status) {
    ctx_.AddTrailingMetadata(kRequestIdHeader, request_id_);
    grpc::Status st = ToGrpcStatus(status);
    Log(st);
    stream_.Finish(st, Post(kFinished));
  }

  void Log(const grpc::Status& status) {
    AccessLog mode = gw_->options().access_log;
    if (mode == AccessLog::kNone || (mode == AccessLog::kErrors && status.ok())) return;
    sales::Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarn, "call",
               {{"method", ctx_.method()},
                {"request_id", request_id_},
                {"principal", who_.principal.user_id},
                {"role", who_.principal.role},
                {"code", static_cast<int>(status.error_code())},
                {"error", status.error_message()},
                {"ms", absl::ToDoubleMilliseconds(absl::Now() - start_)}});
  }

  Gateway* gw_;
  grpc::AsyncGenericService* service_;
  grpc::ServerCompletionQueue* cq_;
  std::atomic<int>* live_;
  grpc::GenericServerContext ctx_;
  grpc::GenericServerAsyncReaderWriter stream_;
  Tag tags_[kSteps];
  int pending_ = 0;
  bool finished_ = false;
  bool backend_active_ = false;
  bool sent_initial_ = false;
  const MethodRoute* route_ = nullptr;
  Admission who_;
  std::string request_id_;
  absl::Time start_;
  grpc::ByteBuffer request_, response_, message_;
  grpc::ClientContext backend_ctx_;
  grpc::Status backend_status_;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> unary_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> bstream_;
};

void Drive(grpc::ServerCompletionQueue* cq) {
  void* raw = nullptr;
  bool ok = false;
  while (cq->Next(&raw, &ok)) {
    auto* tag = static_cast<ProxyCall::Tag*>(raw);
    tag->call->Proceed(tag->step, ok);
  }
}

// Calls waiting on each queue for a client to arrive; each one that is
// taken re-arms another, so this only sizes bursts.
constexpr int kArmedPerQueue = 32;

}  // namespace

Proxy::Proxy(Gateway* gateway, int threads) : gateway_(gateway), threads_(threads) {}

Proxy::~Proxy() { Stop(); }

void Proxy::Register(grpc::ServerBuilder& builder) {
  builder.RegisterAsyncGenericService(&service_);
  for (int i = 0; i < threads_; ++i) queues_.push_back(builder.AddCompletionQueue());
}

void Proxy::Start() {
  started_ = true;
  for (auto& q : queues_) {
    for (int i = 0; i < kArmedPerQueue; ++i) (new ProxyCall(gateway_, &service_, q.get(), &live_))->Arm();
    workers_.emplace_back(Drive, q.get());
  }
}

void Proxy::Stop() {
  if (!started_) return;
  started_ = false;
  // A call still finishing its backend half starts new operations on its
  // queue (finish the backend stream, then the client's); one started on a
  // queue already shut down aborts the process. The server has shut down, so
  // every call is ending: let them drain before the queues close.
  absl::Time until = absl::Now() + absl::Seconds(10);
  while (live_.load() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
  for (auto& q : queues_) q->Shutdown();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

std::string RequestIdFor(const grpc::ServerContextBase& ctx) {
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
