// salesctl: the command-line client for people and cron jobs.
//
//   salesctl login <user>                       sign in as a demo user (local dev key)
//   salesctl call <service>/<Method> '<json>'   any method, JSON in and out,
//                                               through the gateway with the token
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
#include <jwt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "json_request.h"
#include "platform/channel.h"
#include "platform/crypto.h"
#include "platform/principal.h"

namespace {

namespace pb = google::protobuf;
using salesctl::Pool;

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
    // The gateway's own views (Customer360, RepDashboard, ManagerDashboard).
    {"gateway", "sales.gateway.v1.GatewayService", "127.0.0.1:50060"},
};

constexpr char kGatewayAddress[] = "127.0.0.1:50060";

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  salesctl login <user> [--ttl=HOURS]   (demo users: salesctl login --list)\n"
               "  salesctl call <service>/<Method> '<json>'|-  [--addr=HOST:PORT] [--direct] [--timeout=SECONDS]\n"
               "  salesctl sweep <lapse|dormancy|collections|quotes|late-orders|progress|all> [--as_of=YYYY-MM-DD]\n"
               "                [call options]   (the daily jobs; as_of defaults to today, UTC+8)\n"
               "  salesctl health\n"
               "  salesctl methods [service]\n"
               "services: targets customers orders finance gateway (or the full name, e.g. "
               "sales.orders.v1.OrdersService)\n"
               "calls go through the gateway (SALES_GATEWAY_ADDRESS, default 127.0.0.1:50060) with the\n"
               "token of the last login (or SALES_TOKEN); --direct or SALES_<SERVICE>_ADDRESS, e.g.\n"
               "SALES_ORDERS_ADDRESS=127.0.0.1:50063, call the service itself (signed as a SERVICE\n"
               "when SALES_PRINCIPAL_HMAC_SECRET or ..._FILE holds the suite's principal secret).\n"
               "auth files: SALES_AUTH_DIR, default .run/auth of the checkout\n");
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
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
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
  std::fprintf(stderr, "error: %s: %s\n%s", CodeName(st.error_code()), st.error_message().c_str(), details.c_str());
  if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED && absl::StrContains(details, "reason TOKEN_")) {
    std::fprintf(stderr, "  sign in first: salesctl login <user> (salesctl login --list)\n");
  }
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

// ---------------------------------------------------------------- auth
// The local auth folder up.sh writes: the dev signing key, the demo users
// and the token of the last login.
std::string AuthDir() {
  std::string dir = EnvOr("SALES_AUTH_DIR", "");
  if (!dir.empty()) return dir;
  std::string run = EnvOr("SALES_RUN_DIR", "");
  if (!run.empty()) return run + "/auth";
  struct stat st {};
  // The checkout this binary was built in (build*/tools/salesctl/salesctl),
  // then the working directory and its parents.
  std::vector<std::string> starts;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) starts.emplace_back(exe, static_cast<size_t>(n));
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) != nullptr) starts.emplace_back(std::string(cwd) + "/x");
  for (std::string path : starts) {
    while (true) {
      size_t slash = path.find_last_of('/');
      if (slash == std::string::npos || slash == 0) break;
      path = path.substr(0, slash);
      std::string candidate = path + "/.run/auth";
      if (stat(candidate.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return candidate;
    }
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.config/salesctl";
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The suite's shared principal secret, when this process was given it
// (SALES_PRINCIPAL_HMAC_SECRET, or a file named by ..._FILE): schedulers
// calling a service's sweep directly sign as a SERVICE, as services do.
std::string PrincipalSecret() {
  std::string secret = EnvOr("SALES_PRINCIPAL_HMAC_SECRET", "");
  if (secret.empty()) {
    std::string file = EnvOr("SALES_PRINCIPAL_HMAC_SECRET_FILE", "");
    if (!file.empty()) secret = ReadText(file);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  return secret;
}

// The principal headers the services verify (platform/principal.h): a
// SERVICE principal with a proof bound to this one call (request id, method,
// service, issue time), under the key id the services expect
// (SALES_PRINCIPAL_HMAC_KEY_ID, "k1" by default).
void SignAsService(grpc::ClientContext* ctx, const std::string& secret, const std::string& path) {
  sales::Principal who;
  who.user_id = "service:salesctl";
  who.role = "SERVICE";
  std::string encoded = who.Encode();
  std::string rid = sales::RandomHexId();
  sales::PrincipalVerifier keys(std::vector<sales::PrincipalKey>{{EnvOr("SALES_PRINCIPAL_HMAC_KEY_ID", "k1"), secret}});
  ctx->AddMetadata(sales::kRequestIdHeader, rid);
  ctx->AddMetadata(sales::kPrincipalHeader, encoded);
  ctx->AddMetadata(sales::kPrincipalMacHeader, keys.Sign(encoded, rid, path, absl::Now()));
}

std::string StoredToken() {
  std::string token = EnvOr("SALES_TOKEN", "");
  if (token.empty()) token = std::string(absl::StripAsciiWhitespace(ReadText(AuthDir() + "/token")));
  return token;
}

struct Claims {
  std::string sub;
  std::string role;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
};

// Signs a token for `c` with the local dev key (never a production issuer:
// whoever holds this key can be anyone).
std::string Mint(const nlohmann::json& auth, const Claims& c, int64_t ttl_s, std::string* error) {
  std::string dir = AuthDir();
  std::string key_path = auth.value("signing_key", "signing-key.pem");
  if (!key_path.empty() && key_path[0] != '/') key_path = dir + "/" + key_path;
  std::string key = ReadText(key_path);
  if (key.empty()) {
    *error = "no signing key at " + key_path + " (scripts/up.sh creates it)";
    return "";
  }
  std::string alg = auth.value("alg", "ES256");
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) {
    *error = "out of memory";
    return "";
  }
  int64_t now = absl::ToUnixSeconds(absl::Now());
  int rc = 0;
  rc |= jwt_add_header(jwt, "kid", auth.value("kid", "").c_str());
  rc |= jwt_add_grant(jwt, "iss", auth.value("issuer", "sales-dev").c_str());
  rc |= jwt_add_grant(jwt, "aud", auth.value("audience", "sales-gateway").c_str());
  rc |= jwt_add_grant(jwt, "sub", c.sub.c_str());
  rc |= jwt_add_grant(jwt, "role", c.role.c_str());
  if (c.rep_id > 0) rc |= jwt_add_grant_int(jwt, "rep_id", c.rep_id);
  if (c.org_unit_id > 0) rc |= jwt_add_grant_int(jwt, "org_unit_id", c.org_unit_id);
  rc |= jwt_add_grant_int(jwt, "iat", now);
  rc |= jwt_add_grant_int(jwt, "nbf", now);
  rc |= jwt_add_grant_int(jwt, "exp", now + ttl_s);
  rc |= jwt_set_alg(jwt, jwt_str_alg(alg.c_str()), reinterpret_cast<const unsigned char*>(key.data()),
                    static_cast<int>(key.size()));
  char* encoded = rc == 0 ? jwt_encode_str(jwt) : nullptr;
  jwt_free(jwt);
  if (encoded == nullptr) {
    *error = "cannot sign a token with " + key_path;
    return "";
  }
  std::string out(encoded);
  free(encoded);
  return out;
}

// A channel to the gateway (or a service): round_robin over every address
// the target resolves to — with dns:///gateway-headless:50060 one per
// gateway pod — so a sweep's calls spread over the replicas
// (SALES_LOAD_BALANCING=pick_first to pin one).
std::shared_ptr<grpc::Channel> Dial(const std::string& addr) {
  sales::ChannelSettings settings;
  std::string lb = EnvOr("SALES_LOAD_BALANCING", settings.load_balancing);
  if (lb != "pick_first" && lb != "round_robin") {
    // Refused as the services refuse it: a typo must not quietly pin a
    // sweep to one gateway.
    std::fprintf(stderr, "error: SALES_LOAD_BALANCING=%s must be round_robin or pick_first\n", lb.c_str());
    std::exit(2);
  }
  settings.load_balancing = lb;
  return sales::CreateBalancedChannel(addr, settings);
}

// One unary call by JSON, for the lookups login makes.
grpc::Status CallJson(const std::string& addr, const std::string& token, const std::string& service,
                      const std::string& method_name, const std::string& json_in, nlohmann::json* out) {
  const pb::MethodDescriptor* method = Pool()->FindServiceByName(service)->FindMethodByName(method_name);
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> request(factory.GetPrototype(method->input_type())->New());
  (void)pb::util::JsonStringToMessage(json_in, request.get());
  auto channel = Dial(addr);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::CompletionQueue cq;
  grpc::ByteBuffer req_buf = ToBuffer(request->SerializeAsString());
  auto call = stub.PrepareUnaryCall(&ctx, absl::StrCat("/", service, "/", method_name), req_buf, &cq);
  call->StartCall();
  grpc::ByteBuffer resp_buf;
  grpc::Status status;
  call->Finish(&resp_buf, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  if (!status.ok()) return status;
  std::unique_ptr<pb::Message> response(factory.GetPrototype(method->output_type())->New());
  response->ParseFromString(FromBuffer(resp_buf));
  *out = nlohmann::json::parse(ToJson(*response, false), nullptr, false);
  return status;
}

int Login(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string user = argv[2];
  int64_t ttl_h = 8;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--ttl=")) {
      ttl_h = std::atoll(a.substr(6).c_str());
      if (ttl_h < 1 || ttl_h > 24) {
        std::fprintf(stderr, "error: --ttl is 1..24 hours\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "error: unknown option '%s'\n", a.c_str());
      return Usage();
    }
  }
  std::string dir = AuthDir();
  nlohmann::json auth = nlohmann::json::parse(ReadText(dir + "/users.json"), nullptr, false);
  if (!auth.is_object() || !auth.contains("users") || !auth["users"].is_object()) {
    std::fprintf(stderr, "error: no demo users in %s/users.json (scripts/up.sh writes them)\n", dir.c_str());
    return 2;
  }
  if (user == "--list") {
    for (auto it = auth["users"].begin(); it != auth["users"].end(); ++it) {
      std::printf("%-14s %s\n", it.key().c_str(), it.value().value("role", "").c_str());
    }
    return 0;
  }
  if (!auth["users"].contains(user)) {
    std::fprintf(stderr, "error: no demo user '%s'; try: salesctl login --list\n", user.c_str());
    return 2;
  }
  const nlohmann::json& entry = auth["users"][user];
  Claims claims;
  claims.sub = user;
  claims.role = entry.value("role", "");
  claims.rep_id = entry.value("rep_id", int64_t{0});
  claims.org_unit_id = entry.value("org_unit_id", int64_t{0});
  std::string error;
  std::string gw = EnvOr("SALES_GATEWAY_ADDRESS", kGatewayAddress);
  // Reps and managers get their ids from targets-svc, asked as ADMIN with
  // the same local key, so the token matches what the demo loader made.
  std::string rep_user = entry.value("rep_user_id", "");
  std::string unit_code = entry.value("org_unit_code", "");
  if (!rep_user.empty() || !unit_code.empty()) {
    Claims admin{"salesctl-login", "ADMIN", 0, 0};
    std::string admin_token = Mint(auth, admin, 300, &error);
    if (admin_token.empty()) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
    if (!rep_user.empty()) {
      nlohmann::json out;
      grpc::Status st = CallJson(gw, admin_token, "sales.targets.v1.TargetsService", "ListReps",
                                 nlohmann::json({{"user_id", rep_user}}).dump(), &out);
      if (!st.ok()) return ReportFailure(st);
      if (!out.contains("reps") || out["reps"].empty()) {
        std::fprintf(stderr, "error: NOT_FOUND: no rep with user id '%s' (is the demo loaded?)\n", rep_user.c_str());
        return 1;
      }
      claims.rep_id = std::stoll(out["reps"][0].value("id", std::string("0")));
      claims.org_unit_id = std::stoll(out["reps"][0].value("org_unit_id", std::string("0")));
    }
    if (!unit_code.empty()) {
      std::string page;
      bool found = false;
      do {
        nlohmann::json out;
        grpc::Status st = CallJson(gw, admin_token, "sales.targets.v1.TargetsService", "ListOrgUnits",
                                   nlohmann::json({{"page_size", 500}, {"page_token", page}}).dump(), &out);
        if (!st.ok()) return ReportFailure(st);
        for (const auto& u : out.value("org_units", nlohmann::json::array())) {
          if (u.value("code", "") == unit_code) {
            claims.org_unit_id = std::stoll(u.value("id", std::string("0")));
            found = true;
          }
        }
        page = out.value("next_page_token", "");
      } while (!found && !page.empty());
      if (!found) {
        std::fprintf(stderr, "error: NOT_FOUND: no org unit '%s' (is the demo loaded?)\n", unit_code.c_str());
        return 1;
      }
    }
  }
  std::string token = Mint(auth, claims, ttl_h * 3600, &error);
  if (token.empty()) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  std::string path = dir + "/token";
  mkdir(dir.c_str(), 0700);
  {
    std::ofstream out(path, std::ios::trunc);
    out << token << "\n";
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  chmod(path.c_str(), 0600);
  std::printf("signed in as %s (%s", user.c_str(), claims.role.c_str());
  if (claims.rep_id > 0) std::printf(", rep %lld", static_cast<long long>(claims.rep_id));
  if (claims.org_unit_id > 0) std::printf(", unit %lld", static_cast<long long>(claims.org_unit_id));
  std::printf(") for %lld h; token in %s\n", static_cast<long long>(ttl_h), path.c_str());
  return 0;
}

int Call(int argc, char** argv) {
  if (argc < 4) return Usage();
  std::string target = argv[2];
  std::string body = argv[3];
  std::string addr;
  bool direct = false;
  int timeout_s = 30;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--direct") {
      direct = true;
    } else if (absl::StartsWith(a, "--addr=")) {
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
    std::fprintf(stderr, "error: unknown service '%s' (targets, customers, orders, finance, gateway)\n",
                 parts[0].c_str());
    return 2;
  }
  const pb::ServiceDescriptor* service = Pool()->FindServiceByName(info->full_name);
  const pb::MethodDescriptor* method = service ? service->FindMethodByName(parts[1]) : nullptr;
  if (method == nullptr) {
    std::fprintf(stderr, "error: %s has no method '%s'; try: salesctl methods %s\n", info->full_name, parts[1].c_str(),
                 info->alias);
    return 2;
  }
  if (method->client_streaming()) {
    std::fprintf(stderr, "error: client-streaming methods are not supported here\n");
    return 2;
  }
  if (body == "-") body.assign(std::istreambuf_iterator<char>(std::cin), {});
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> request(factory.GetPrototype(method->input_type())->New());
  std::string parse_error = salesctl::RequestFromJson(body, request.get());
  if (!parse_error.empty()) {
    std::fprintf(stderr, "error: INVALID_ARGUMENT: request is not a valid %s: %s\n",
                 method->input_type()->full_name().c_str(), parse_error.c_str());
    return 2;
  }
  // The gateway by default; the service itself when asked to (--direct,
  // or an address for it in the environment).
  bool service_env = !EnvOr(absl::StrCat("SALES_", absl::AsciiStrToUpper(info->alias), "_ADDRESS"), "").empty();
  if (addr.empty()) addr = direct || service_env ? AddressFor(*info) : EnvOr("SALES_GATEWAY_ADDRESS", kGatewayAddress);
  auto channel = Dial(addr);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  std::string token = StoredToken();
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  bool to_gateway = addr == EnvOr("SALES_GATEWAY_ADDRESS", kGatewayAddress);
  std::string secret = to_gateway ? "" : PrincipalSecret();
  std::string path = absl::StrCat("/", info->full_name, "/", method->name());
  if (!secret.empty()) SignAsService(&ctx, secret, path);
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
  auto channel = Dial(addr);
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
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
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
    if (std::string(s.alias) == "gateway") continue;  // checked above
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

// The daily jobs a scheduler (the Kubernetes CronJobs) runs for one business
// day. Each request id is "sweep-<job>-<day>", so a Job retried or run twice
// that day gets the first answer back instead of sweeping again.
struct DailyJob {
  const char* name;
  const char* method;  // <service>/<Method>
};
constexpr DailyJob kDailyJobs[] = {
    {"lapse", "customers/RunLapseSweep"},            // prospects without follow-up go to the pool
    {"dormancy", "customers/RunDormancySweep"},      // accounts without orders turn dormant
    {"collections", "finance/RunCollectionsSweep"},  // the overdue ladder, up to supply stop
    {"quotes", "orders/ExpireQuotes"},               // quotes past their validity
    {"late-orders", "orders/MarkLateOrders"},        // orders not shipped a working day after confirmation
    {"progress", "targets/RunDailyProgressSweep"},   // progress status changes, closed months' attainment
};

int Sweep(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string which = argv[2];
  // The company's business day (UTC+8, as the services reckon it).
  absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600));
  std::vector<std::string> passthrough;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--as_of=")) {
      if (!absl::ParseCivilTime(a.substr(8), &day)) {
        std::fprintf(stderr, "error: --as_of must be YYYY-MM-DD, not '%s'\n", a.substr(8).c_str());
        return 2;
      }
    } else {
      passthrough.push_back(a);
    }
  }
  std::vector<const DailyJob*> jobs;
  for (const auto& j : kDailyJobs) {
    if (which == "all" || which == j.name) jobs.push_back(&j);
  }
  if (jobs.empty()) {
    std::fprintf(stderr, "error: unknown sweep '%s'\n", which.c_str());
    return Usage();
  }
  int worst = 0;
  for (const DailyJob* j : jobs) {
    std::string body = absl::StrCat("{\"request_id\": \"sweep-", j->name, "-", absl::FormatCivilTime(day),
                                    "\", \"as_of\": {\"year\": ", day.year(), ", \"month\": ", day.month(),
                                    ", \"day\": ", day.day(), "}}");
    std::fprintf(stderr, "sweep %s (%s) as of %s\n", j->name, j->method, absl::FormatCivilTime(day).c_str());
    std::vector<std::string> args = {argv[0], "call", j->method, body};
    args.insert(args.end(), passthrough.begin(), passthrough.end());
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    int rc = Call(static_cast<int>(cargs.size()), cargs.data());
    // Every job runs even when one fails; the exit code is the worst.
    worst = std::max(worst, rc);
  }
  return worst;
}

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  if (cmd == "call") return Call(argc, argv);
  if (cmd == "login") return Login(argc, argv);
  if (cmd == "sweep") return Sweep(argc, argv);
  if (cmd == "health") return Health();
  if (cmd == "methods") return Methods(argc, argv);
  std::fprintf(stderr, "error: unknown command '%s'\n", cmd.c_str());
  return Usage();
}
