// gRPC handlers of finance-svc for the collections ladder (超期帐款管理),
// credit holds, commissions (提成) and the collections reports. FinanceApi
// (invoices, payments, receivables) derives from this class so one service
// object serves the whole FinanceService.
#pragma once

#include "platform/service_app.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::finance {

class CollectionsApi : public v1::FinanceService::Service {
 public:
  explicit CollectionsApi(ServiceRuntime& rt) : rt_(rt) {}

 protected:
  ServiceRuntime& rt_;
};

}  // namespace sales::finance
