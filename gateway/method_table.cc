#include "gateway/method_table.h"

#include <google/protobuf/descriptor.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/policy.h"
// Linked for their descriptors: including a generated header registers the
// file with the generated pool.
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/finance/v1/finance_service.pb.h"
#include "sales/orders/v1/orders_service.pb.h"
#include "sales/targets/v1/targets_service.pb.h"

namespace sales::gateway {

namespace pb = google::protobuf;

const std::vector<BackendSpec>& DefaultBackends() {
  static const std::vector<BackendSpec> kBackends = {
      {"targets", "sales.targets.v1.TargetsService"},
      {"customers", "sales.customers.v1.CustomersService"},
      {"orders", "sales.orders.v1.OrdersService"},
      {"finance", "sales.finance.v1.FinanceService"},
  };
  return kBackends;
}

bool IsReadMethodName(absl::string_view method) {
  static constexpr absl::string_view kReadPrefixes[] = {"Get",     "List",    "BatchGet", "Check",
                                                        "Preview", "Resolve", "Stream"};
  for (auto p : kReadPrefixes) {
    // "Get" must start a word: "Getaway" is no read.
    if (absl::StartsWith(method, p) && method.size() > p.size() && absl::ascii_isupper(method[p.size()])) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<MethodTable> MethodTable::Build(const std::vector<BackendSpec>& backends,
                                               const std::vector<std::pair<std::string, absl::Duration>>& deadline_caps,
                                               absl::Duration default_cap) {
  // Touch a message of each service file so the linker keeps the files
  // (and their registration with the generated pool).
  (void)sales::targets::v1::CreateOrgUnitRequest::descriptor();
  (void)sales::customers::v1::RegisterCustomerRequest::descriptor();
  (void)sales::orders::v1::CreateProductRequest::descriptor();
  (void)sales::finance::v1::RecordPaymentRequest::descriptor();
  MethodTable table;
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (size_t b = 0; b < backends.size(); ++b) {
    const pb::ServiceDescriptor* svc = pool->FindServiceByName(backends[b].service_name);
    if (svc == nullptr) {
      return absl::InternalError(absl::StrCat("no descriptor for ", backends[b].service_name));
    }
    for (int i = 0; i < svc->method_count(); ++i) {
      const pb::MethodDescriptor* m = svc->method(i);
      auto route = std::make_unique<MethodRoute>();
      route->name = absl::StrCat(svc->full_name(), "/", m->name());
      route->path = absl::StrCat("/", route->name);
      route->backend = static_cast<int>(b);
      route->server_streaming = m->server_streaming();
      route->client_streaming = m->client_streaming();
      const pb::FieldDescriptor* rid = m->input_type()->FindFieldByName("request_id");
      bool carries_request_id = rid != nullptr && rid->type() == pb::FieldDescriptor::TYPE_STRING;
      route->retryable = carries_request_id || IsReadMethodName(m->name());
      route->max_deadline = default_cap;
      for (const auto& [glob, cap] : deadline_caps) {
        if (GlobMatches(glob, route->name)) {
          route->max_deadline = cap;
          break;
        }
      }
      table.by_path_[route->path] = route.get();
      table.routes_.push_back(std::move(route));
    }
  }
  return table;
}

const MethodRoute* MethodTable::Find(absl::string_view path) const {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? nullptr : it->second;
}

std::string MethodTable::RetryServiceConfig(int backend) const {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& r : routes_) {
    // A stream is retried by gRPC only before its first message anyway;
    // feeds resume from their cursor, so leave them to the client.
    if (r->backend != backend || !r->retryable || r->server_streaming || r->client_streaming) continue;
    std::pair<std::string, std::string> sm = absl::StrSplit(r->name, absl::MaxSplits('/', 1));
    names.push_back({{"service", sm.first}, {"method", sm.second}});
  }
  nlohmann::json config = {{"methodConfig", nlohmann::json::array()}};
  if (!names.empty()) {
    config["methodConfig"].push_back({{"name", names},
                                      {"retryPolicy",
                                       {{"maxAttempts", 3},
                                        {"initialBackoff", "0.05s"},
                                        {"maxBackoff", "0.5s"},
                                        {"backoffMultiplier", 2},
                                        {"retryableStatusCodes", {"UNAVAILABLE"}}}}});
  }
  return config.dump();
}

absl::StatusOr<std::vector<std::pair<std::string, absl::Duration>>> ParseDeadlineCaps(absl::string_view text) {
  std::vector<std::pair<std::string, absl::Duration>> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    absl::Duration d;
    std::string glob(absl::StripAsciiWhitespace(kv.first));
    if (glob.empty() || !absl::ParseDuration(absl::StripAsciiWhitespace(kv.second), &d) || d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("method deadline '", item, "' is not <glob>=<duration>, e.g. */StreamEvents=24h"));
    }
    out.emplace_back(std::move(glob), d);
  }
  return out;
}

}  // namespace sales::gateway
