// gRPC handlers of finance-svc for the collections ladder (超期帐款管理),
// credit holds, commissions (提成) and the collections reports. FinanceApi
// (invoices, payments, receivables) derives from this class so one service
// object serves the whole FinanceService.
#pragma once

#include <memory>

#include "platform/peers/customers_peer.h"
#include "platform/peers/targets_peer.h"
#include "platform/service_app.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::finance {

class CollectionsApi : public v1::FinanceService::WithCallbackMethod_StreamEvents<v1::FinanceService::Service> {
 public:
  explicit CollectionsApi(ServiceRuntime& rt)
      : rt_(rt),
        customers_(std::make_unique<peers::GrpcCustomersPeer>(rt)),
        targets_(std::make_unique<peers::GrpcTargetsPeer>(rt)) {}

#define SALES_FINANCE_COLLECTIONS_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Collections ladder and holds (collections_api.cc)
  SALES_FINANCE_COLLECTIONS_RPC(RunCollectionsSweep);
  SALES_FINANCE_COLLECTIONS_RPC(GetCollectionCase);
  SALES_FINANCE_COLLECTIONS_RPC(ListCollectionCases);
  SALES_FINANCE_COLLECTIONS_RPC(RecordOverdueConfirmation);
  SALES_FINANCE_COLLECTIONS_RPC(RecordDunningNotice);
  SALES_FINANCE_COLLECTIONS_RPC(RecordRepaymentPlan);
  SALES_FINANCE_COLLECTIONS_RPC(StartLegalPreparation);
  SALES_FINANCE_COLLECTIONS_RPC(RecordLegalFileReady);
  SALES_FINANCE_COLLECTIONS_RPC(CloseCollectionCase);
  SALES_FINANCE_COLLECTIONS_RPC(SetCreditHold);
  SALES_FINANCE_COLLECTIONS_RPC(ReleaseCreditHold);
  SALES_FINANCE_COLLECTIONS_RPC(GetCreditHold);
  SALES_FINANCE_COLLECTIONS_RPC(ListCreditHolds);
  // Commissions (commission_api.cc)
  SALES_FINANCE_COLLECTIONS_RPC(CreateCommissionPlan);
  SALES_FINANCE_COLLECTIONS_RPC(UpdateCommissionPlan);
  SALES_FINANCE_COLLECTIONS_RPC(ActivateCommissionPlan);
  SALES_FINANCE_COLLECTIONS_RPC(RetireCommissionPlan);
  SALES_FINANCE_COLLECTIONS_RPC(GetCommissionPlan);
  SALES_FINANCE_COLLECTIONS_RPC(ListCommissionPlans);
  SALES_FINANCE_COLLECTIONS_RPC(CalculateCommissions);
  SALES_FINANCE_COLLECTIONS_RPC(GetCommissionStatement);
  SALES_FINANCE_COLLECTIONS_RPC(ListCommissionStatements);
  SALES_FINANCE_COLLECTIONS_RPC(ApproveCommissionStatement);
  SALES_FINANCE_COLLECTIONS_RPC(MarkCommissionStatementPaid);
  SALES_FINANCE_COLLECTIONS_RPC(ReleaseCommissionHoldback);
  SALES_FINANCE_COLLECTIONS_RPC(ListCommissionDeductions);
  // Reports (collections_report_api.cc)
  SALES_FINANCE_COLLECTIONS_RPC(GetCollectionsReport);
  SALES_FINANCE_COLLECTIONS_RPC(GetOverdueCasesReport);
  SALES_FINANCE_COLLECTIONS_RPC(GetCommissionReport);
#undef SALES_FINANCE_COLLECTIONS_RPC

 protected:
  ServiceRuntime& rt_;
  // The peers finance asks: payment terms (customers), attainment and
  // managers for commissions (targets).
  std::unique_ptr<peers::CustomersPeer> customers_;
  std::unique_ptr<peers::TargetsPeer> targets_;
};

}  // namespace sales::finance
