#include "gateway/request_check.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/request_shape.h"
#include "platform/status.h"

namespace sales::gateway {
namespace {

namespace pb = google::protobuf;

// The generated default instance of each method's input type, by wire
// path, built once from the generated pool (the gateway links every
// service's proto library). Generated classes parse faster than
// DynamicMessage and need no factory of their own.
const std::unordered_map<std::string, const pb::Message*>& Prototypes() {
  static const auto* prototypes = [] {
    auto* out = new std::unordered_map<std::string, const pb::Message*>();
    const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
    for (const BackendSpec& backend : DefaultBackends()) {
      const pb::ServiceDescriptor* svc = pool->FindServiceByName(backend.service_name);
      if (svc == nullptr) continue;
      for (int i = 0; i < svc->method_count(); ++i) {
        const pb::MethodDescriptor* m = svc->method(i);
        const pb::Message* proto = pb::MessageFactory::generated_factory()->GetPrototype(m->input_type());
        if (proto != nullptr) (*out)[absl::StrCat("/", svc->full_name(), "/", m->name())] = proto;
      }
    }
    return out;
  }();
  return *prototypes;
}

// The request's bytes in one piece: a request arrives in one slice unless
// it is large, and only then is it copied.
bool OneSlice(const grpc::ByteBuffer& request, grpc::Slice* slice) {
  return request.TrySingleSlice(slice).ok() || request.DumpToSingleSlice(slice).ok();
}

absl::string_view View(const grpc::Slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

absl::Status Check(const pb::Message& prototype, absl::string_view bytes) {
  // Most requests are a few hundred bytes: parse them into a block on the
  // stack rather than the heap.
  alignas(8) char block[4096];
  pb::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = sizeof block;
  pb::Arena arena(options);
  pb::Message* request = prototype.New(&arena);
  absl::Status parsed = ParseRequest(prototype.GetDescriptor(), bytes, request);
  if (!parsed.ok()) return parsed;
  return CheckRequestShape(*request);
}

}  // namespace

absl::Status CheckRequestBytes(absl::string_view path, absl::string_view bytes) {
  const auto& prototypes = Prototypes();
  auto it = prototypes.find(std::string(path));
  if (it == prototypes.end()) return absl::OkStatus();
  return Check(*it->second, bytes);
}

absl::Status CheckProxiedRequest(const MethodRoute& route, const grpc::ByteBuffer& request) {
  const auto& prototypes = Prototypes();
  auto it = prototypes.find(route.path);
  if (it == prototypes.end()) return absl::OkStatus();
  grpc::Slice slice;
  if (!OneSlice(request, &slice)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request message could not be parsed as ", it->second->GetDescriptor()->full_name()));
  }
  return Check(*it->second, View(slice));
}

absl::Status ParseCheckedRequest(const grpc::ByteBuffer& request, google::protobuf::Message* out) {
  grpc::Slice slice;
  if (!OneSlice(request, &slice)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request message could not be parsed as ", out->GetDescriptor()->full_name()));
  }
  SALES_RETURN_IF_ERROR(ParseRequest(out->GetDescriptor(), View(slice), out));
  return CheckRequestShape(*out);
}

}  // namespace sales::gateway
