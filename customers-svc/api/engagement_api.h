// gRPC handlers of customers-svc's engagement side: visit plans, duty
// rotation and reception, complaints, reports and settings. CustomersApi
// (customers, ownership, follow-ups, credit) derives from this class so that
// one gRPC service serves both halves.
#pragma once

#include "platform/service_app.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class EngagementApi : public v1::CustomersService::Service {
 public:
  explicit EngagementApi(ServiceRuntime& runtime) : rt_(runtime) {}
  ~EngagementApi() override = default;

 protected:
  ServiceRuntime& rt_;
};

}  // namespace sales::customers
