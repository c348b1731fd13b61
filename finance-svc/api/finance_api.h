// gRPC handlers of finance-svc's receivables core: payments, billable
// shipments, invoices, memos, receivables and ageing, statements. The
// collections ladder and commissions live in CollectionsApi, which this
// class extends so one service object serves the whole FinanceService.
#pragma once

#include "finance-svc/api/collections_api.h"
#include "platform/service_app.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::finance {

class FinanceApi final : public CollectionsApi {
 public:
  explicit FinanceApi(ServiceRuntime& runtime) : CollectionsApi(runtime) {}

#define SALES_FINANCE_CORE_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Payments (finance_payment_api.cc)
  SALES_FINANCE_CORE_RPC(RecordPayment);
  SALES_FINANCE_CORE_RPC(GetPayment);
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::StreamEventsResponse>* writer) override;
  // Receivables (finance_receivable_api.cc)
  SALES_FINANCE_CORE_RPC(GetCustomerExposure);
  SALES_FINANCE_CORE_RPC(BatchGetCustomerExposures);
#undef SALES_FINANCE_CORE_RPC
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::finance
