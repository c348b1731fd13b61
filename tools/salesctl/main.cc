// salesctl: the command-line client for people and cron jobs.
//
//   salesctl call <service>/<Method> '<json>'   any method, JSON in and out
//   salesctl health                             every process's health
//   salesctl methods [service]                  list callable methods
//
// Every proto of the suite is compiled in (as a descriptor set), so JSON ↔
// protobuf needs no server support (no reflection round trip).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

extern "C" const char sales_descriptor_set[];
extern "C" const char sales_descriptor_set_end[];

namespace {

namespace pb = google::protobuf;

struct ServiceInfo {
  const char* alias;
  const char* full_name;
  const char* default_address;
};

constexpr ServiceInfo kServices[] = {
    {"targets", "sales.targets.v1.TargetsService", "127.0.0.1:50061"},
    {"customers", "sales.customers.v1.CustomersService", "127.0.0.1:50062"},
    {"orders", "sales.orders.v1.OrdersService", "127.0.0.1:50063"},
    {"finance", "sales.finance.v1.FinanceService", "127.0.0.1:50064"},
};

constexpr char kGatewayAddress[] = "127.0.0.1:50060";

// The pool built from the embedded descriptor set; well-known types come
// from the generated pool underneath.
const pb::DescriptorPool* Pool() {
  static const pb::DescriptorPool* pool = [] {
    pb::FileDescriptorSet set;
    if (!set.ParseFromArray(sales_descriptor_set,
                            static_cast<int>(sales_descriptor_set_end - sales_descriptor_set))) {
      std::fprintf(stderr, "error: embedded descriptors are unreadable\n");
      std::exit(3);
    }
    auto* db = new pb::SimpleDescriptorDatabase();
    for (const auto& file : set.file()) db->Add(file);
    return new pb::DescriptorPool(db);
  }();
  return pool;
}

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  salesctl call <service>/<Method> '<json>'|-  [--addr=HOST:PORT] [--timeout=SECONDS]\n"
               "  salesctl health\n"
               "  salesctl methods [service]\n"
               "services: targets customers orders finance (or the full name, e.g. "
               "sales.orders.v1.OrdersService)\n"
               "addresses: SALES_<SERVICE>_ADDRESS, e.g. SALES_ORDERS_ADDRESS=127.0.0.1:50063\n");
  return 2;
}

std::string EnvOr(const std::string& name, const std::string& def) {
  const char* v = std::getenv(name.c_str());
  return v && *v ? v : def;
}

std::string AddressFor(const ServiceInfo& s) {
  return EnvOr(absl::StrCat("SALES_", absl::AsciiStrToUpper(s.alias), "_ADDRESS"), s.default_address);
}

const ServiceInfo* FindService(const std::string& name) {
  for (const auto& s : kServices) {
    if (name == s.alias || name == s.full_name) return &s;
  }
  return nullptr;
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kNames[c] : "UNKNOWN";
}

std::string ToJson(const pb::Message& m, bool pretty) {
  pb::util::JsonPrintOptions opts;
  opts.add_whitespace = pretty;
  opts.preserve_proto_field_names = true;
  std::string out;
  (void)pb::util::MessageToJsonString(m, &out, opts);
  return out;
}

// Prints a failed call: code, message and every google.rpc detail we know.
int ReportFailure(const grpc::Status& st) {
  std::string details;
  google::rpc::Status rpc;
  if (!st.error_details().empty() && rpc.ParseFromString(st.error_details())) {
    for (const auto& any : rpc.details()) {
      google::rpc::BadRequest bad;
      google::rpc::ErrorInfo info;
      google::rpc::RetryInfo retry;
      if (any.UnpackTo(&bad)) {
        for (const auto& fv : bad.field_violations()) {
          absl::StrAppend(&details, "  field ", fv.field(), ": ", fv.description(), "\n");
        }
      } else if (any.UnpackTo(&info)) {
        absl::StrAppend(&details, "  reason ", info.reason(), " (", info.domain(), ")");
        for (const auto& [k, v] : info.metadata()) absl::StrAppend(&details, " ", k, "=", v);
        absl::StrAppend(&details, "\n");
      } else if (any.UnpackTo(&retry)) {
        absl::StrAppend(&details, "  retry after ", retry.retry_delay().seconds(), "s ",
                        retry.retry_delay().nanos() / 1000000, "ms\n");
      }
    }
  }
  std::fprintf(stderr, "error: %s: %s\n%s", CodeName(st.error_code()), st.error_message().c_str(),
               details.c_str());
  return 1;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buf) {
  std::vector<grpc::Slice> slices;
  (void)buf.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

int Call(int argc, char** argv) {
  if (argc < 4) return Usage();
  std::string target = argv[2];
  std::string body = argv[3];
  std::string addr;
  int timeout_s = 30;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--addr=")) {
      addr = a.substr(7);
    } else if (absl::StartsWith(a, "--timeout=")) {
      timeout_s = std::atoi(a.substr(10).c_str());
    } else {
      std::fprintf(stderr, "error: unknown option '%s'\n", a.c_str());
      return Usage();
    }
  }
  std::vector<std::string> parts = absl::StrSplit(target, absl::MaxSplits('/', 1));
  if (parts.size() != 2 || parts[1].empty()) {
    std::fprintf(stderr, "error: '%s' is not <service>/<Method>\n", target.c_str());
    return 2;
  }
  const ServiceInfo* info = FindService(parts[0]);
  if (info == nullptr) {
    std::fprintf(stderr, "error: unknown service '%s' (targets, customers, orders, finance)\n",
                 parts[0].c_str());
    return 2;
  }
  const pb::ServiceDescriptor* service =
      Pool()->FindServiceByName(info->full_name);
  const pb::MethodDescriptor* method = service ? service->FindMethodByName(parts[1]) : nullptr;
  if (method == nullptr) {
    std::fprintf(stderr, "error: %s has no method '%s'; try: salesctl methods %s\n",
                 info->full_name, parts[1].c_str(), info->alias);
    return 2;
  }
  if (method->client_streaming()) {
    std::fprintf(stderr, "error: client-streaming methods are not supported here\n");
    return 2;
  }
  if (body == "-") body.assign(std::istreambuf_iterator<char>(std::cin), {});
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> request(factory.GetPrototype(method->input_type())->New());
  pb::util::JsonParseOptions popts;
  auto parsed = pb::util::JsonStringToMessage(body, request.get(), popts);
  if (!parsed.ok()) {
    std::fprintf(stderr, "error: INVALID_ARGUMENT: request is not a valid %s: %s\n",
                 method->input_type()->full_name().c_str(), parsed.ToString().c_str());
    return 2;
  }
  if (addr.empty()) addr = AddressFor(*info);
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  std::string path = absl::StrCat("/", info->full_name, "/", method->name());
  grpc::CompletionQueue cq;
  void* tag;
  bool ok;
  std::unique_ptr<pb::Message> response(factory.GetPrototype(method->output_type())->New());
  if (!method->server_streaming()) {
    grpc::ByteBuffer req_buf = ToBuffer(request->SerializeAsString());
    auto call = stub.PrepareUnaryCall(&ctx, path, req_buf, &cq);
    call->StartCall();
    grpc::ByteBuffer resp_buf;
    grpc::Status status;
    call->Finish(&resp_buf, &status, reinterpret_cast<void*>(1));
    cq.Next(&tag, &ok);
    if (!status.ok()) return ReportFailure(status);
    if (!response->ParseFromString(FromBuffer(resp_buf))) {
      std::fprintf(stderr, "error: DATA_LOSS: unreadable response\n");
      return 1;
    }
    std::printf("%s\n", ToJson(*response, true).c_str());
    return 0;
  }
  // Server streaming: one JSON object per line until the stream ends or the
  // timeout passes (a feed follows forever; the timeout ends it cleanly).
  auto call = stub.PrepareCall(&ctx, path, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  if (ok) {
    grpc::ByteBuffer req_buf = ToBuffer(request->SerializeAsString());
    call->Write(req_buf, reinterpret_cast<void*>(2));
    cq.Next(&tag, &ok);
    call->WritesDone(reinterpret_cast<void*>(3));
    cq.Next(&tag, &ok);
    while (true) {
      grpc::ByteBuffer resp_buf;
      call->Read(&resp_buf, reinterpret_cast<void*>(4));
      cq.Next(&tag, &ok);
      if (!ok) break;
      response->Clear();
      response->ParseFromString(FromBuffer(resp_buf));
      std::printf("%s\n", ToJson(*response, false).c_str());
      std::fflush(stdout);
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return 0;
  if (!status.ok()) return ReportFailure(status);
  return 0;
}

// grpc.health.v1.Health/Check with a hand-encoded request, so that the
// health protos need not be vendored.
std::string HealthOf(const std::string& addr) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer req = ToBuffer("");
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", req, &cq);
  call->StartCall();
  grpc::ByteBuffer resp;
  grpc::Status status;
  call->Finish(&resp, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  if (!status.ok()) return absl::StrCat("DOWN (", CodeName(status.error_code()), ")");
  std::string bytes = FromBuffer(resp);
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  uint32_t value = 0;
  if (in.ReadTag() == 8 && in.ReadVarint32(&value)) {
    return value == 1 ? "SERVING" : value == 2 ? "NOT_SERVING" : "UNKNOWN";
  }
  return "UNKNOWN";
}

int Health() {
  bool all = true;
  std::string gw = EnvOr("SALES_GATEWAY_ADDRESS", kGatewayAddress);
  std::string h = HealthOf(gw);
  all = all && h == "SERVING";
  std::printf("%-10s %-22s %s\n", "gateway", gw.c_str(), h.c_str());
  for (const auto& s : kServices) {
    std::string addr = AddressFor(s);
    h = HealthOf(addr);
    all = all && h == "SERVING";
    std::printf("%-10s %-22s %s\n", s.alias, addr.c_str(), h.c_str());
  }
  return all ? 0 : 1;
}

int Methods(int argc, char** argv) {
  for (const auto& s : kServices) {
    if (argc >= 3 && FindService(argv[2]) != &s) continue;
    const auto* svc = Pool()->FindServiceByName(s.full_name);
    if (svc == nullptr) continue;
    for (int i = 0; i < svc->method_count(); ++i) {
      std::printf("%s/%s\n", s.alias, svc->method(i)->name().c_str());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  if (cmd == "call") return Call(argc, argv);
  if (cmd == "health") return Health();
  if (cmd == "methods") return Methods(argc, argv);
  std::fprintf(stderr, "error: unknown command '%s'\n", cmd.c_str());
  return Usage();
}
