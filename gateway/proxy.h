// The proxy: every method of the four services, by its full name, forwarded
// as raw bytes. It runs on gRPC's completion-queue API: a few threads, each
// owning one queue that carries both halves of its calls (the client's call
// into the gateway and the gateway's call to the service), so a forwarded
// call never hops threads and no thread waits on any one call.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sales::gateway {

class Gateway;

class Proxy {
 public:
  Proxy(Gateway* gateway, int threads);
  ~Proxy();
  // Before the server is built: claims the generic service and the queues.
  void Register(grpc::ServerBuilder& builder);
  // After the server started: arms the queues and starts their threads.
  void Start();
  // After the server has shut down: drains the queues and joins.
  void Stop();

 private:
  Gateway* gateway_;
  int threads_;
  grpc::AsyncGenericService service_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> workers_;
  bool started_ = false;
  // ProxyCalls alive (armed or in flight); Stop waits for them to drain.
  std::atomic<int> live_{0};
};

// The request id a call carries: the client's when it is well-formed,
// otherwise a fresh one.
std::string RequestIdFor(const grpc::ServerContextBase& ctx);

}  // namespace sales::gateway
