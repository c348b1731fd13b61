// Which backend serves a method and how the gateway treats it, decided once
// at start from the generated descriptor pool (the gateway links the
// services' proto libraries for their descriptors only: it never parses a
// payload).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sales::gateway {

struct MethodRoute {
  std::string path;  // "/sales.orders.v1.OrdersService/GetOrder", as on the wire
  std::string name;  // "sales.orders.v1.OrdersService/GetOrder", as in the policy
  int backend = 0;   // index into the backend list
  bool server_streaming = false;
  bool client_streaming = false;
  // Safe to send again after UNAVAILABLE: a read, or a mutation the service
  // deduplicates by its request_id.
  bool retryable = false;
  absl::Duration max_deadline;
};

struct BackendSpec {
  std::string name;          // "targets"
  std::string service_name;  // "sales.targets.v1.TargetsService"
};

// The four services the gateway fronts, in backend index order.
const std::vector<BackendSpec>& DefaultBackends();

// A read by its name: what the services' contracts call Get/List/... .
bool IsReadMethodName(absl::string_view method);

class MethodTable {
 public:
  // `deadline_caps` are (glob over "<service>/<method>", cap) pairs, first
  // match wins; methods matching none get `default_cap`.
  static absl::StatusOr<MethodTable> Build(const std::vector<BackendSpec>& backends,
                                           const std::vector<std::pair<std::string, absl::Duration>>& deadline_caps,
                                           absl::Duration default_cap);
  const MethodRoute* Find(absl::string_view path) const;
  const std::vector<std::unique_ptr<MethodRoute>>& routes() const { return routes_; }
  // gRPC service config retrying UNAVAILABLE for the retryable methods of
  // one backend (the channel does the retrying, with backoff).
  std::string RetryServiceConfig(int backend) const;

 private:
  std::vector<std::unique_ptr<MethodRoute>> routes_;
  std::unordered_map<std::string, const MethodRoute*> by_path_;
};

// Parses "glob=duration,glob=duration" (e.g. "*/StreamEvents=24h").
absl::StatusOr<std::vector<std::pair<std::string, absl::Duration>>> ParseDeadlineCaps(absl::string_view text);

}  // namespace sales::gateway
