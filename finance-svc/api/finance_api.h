// The gRPC surface of finance-svc: one class, its handlers split across
// files by resource — finance_payment_api.cc, finance_invoice_api.cc
// (billable shipments, invoices, tax rates, memos), finance_receivable_api.cc,
// finance_statement_api.cc, finance_report_api.cc, finance_audit_api.cc,
// collections_api.cc (the collections ladder and credit holds),
// commission_api.cc and collections_report_api.cc. A handler parses,
// authorizes, calls its use case (app/) or store, and converts.
#pragma once

#include <memory>
#include <string>

#include "platform/peers/customers_peer.h"
#include "platform/peers/targets_peer.h"
#include "platform/service_app.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::finance {

// "/sales.finance.v1.FinanceService/<name>": the one method-name helper.
std::string FinanceMethod(const char* name);

class FinanceApi final : public v1::FinanceService::WithCallbackMethod_StreamEvents<v1::FinanceService::Service> {
 public:
  explicit FinanceApi(ServiceRuntime& runtime)
      : rt_(runtime),
        customers_(std::make_unique<peers::GrpcCustomersPeer>(runtime)),
        targets_(std::make_unique<peers::GrpcTargetsPeer>(runtime)) {}

#define SALES_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Payments (finance_payment_api.cc)
  SALES_RPC(RecordPayment);
  SALES_RPC(GetPayment);
  SALES_RPC(ListPayments);
  SALES_RPC(ApplyPayment);
  SALES_RPC(ReversePaymentApplication);
  SALES_RPC(ListPaymentApplications);
  SALES_RPC(RefundPayment);
  SALES_RPC(ListRefunds);
  SALES_RPC(MarkPaymentDishonored);
  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;
  // Billable shipments, invoices, tax rates, credit memos (finance_invoice_api.cc)
  SALES_RPC(ListBillableLines);
  SALES_RPC(GetBillableLine);
  SALES_RPC(GetOrdersFeedStatus);
  SALES_RPC(RequestInvoice);
  SALES_RPC(UpdateInvoice);
  SALES_RPC(WithdrawInvoice);
  SALES_RPC(ReviewInvoice);
  SALES_RPC(RejectInvoice);
  SALES_RPC(IssueInvoice);
  SALES_RPC(RecordInvoiceReceipt);
  SALES_RPC(CancelInvoice);
  SALES_RPC(GetInvoice);
  SALES_RPC(GetInvoiceByNumber);
  SALES_RPC(ListInvoices);
  SALES_RPC(CreateTaxRate);
  SALES_RPC(ListTaxRates);
  SALES_RPC(CreateCreditMemo);
  SALES_RPC(IssueCreditMemo);
  SALES_RPC(VoidCreditMemo);
  SALES_RPC(GetCreditMemo);
  SALES_RPC(ListCreditMemos);
  SALES_RPC(ApplyCreditMemo);
  SALES_RPC(CreateDebitMemo);
  SALES_RPC(IssueDebitMemo);
  SALES_RPC(VoidDebitMemo);
  SALES_RPC(GetDebitMemo);
  SALES_RPC(ListDebitMemos);
  // Receivables (finance_receivable_api.cc)
  SALES_RPC(GetCustomerExposure);
  SALES_RPC(BatchGetCustomerExposures);
  SALES_RPC(GetCustomerBalance);
  SALES_RPC(ListCustomerBalances);
  SALES_RPC(ListRepBalances);
  SALES_RPC(GetAgeingReport);
  SALES_RPC(ListOpenItems);
  SALES_RPC(ListLedgerEntries);
  SALES_RPC(VerifyLedger);
  // Invoicing report (finance_report_api.cc)
  SALES_RPC(GetInvoicingReport);
  // Audit trail (finance_audit_api.cc)
  SALES_RPC(ListAuditEntries);
  // Statements (finance_statement_api.cc)
  SALES_RPC(GenerateStatements);
  SALES_RPC(GetStatement);
  SALES_RPC(ListStatements);
  SALES_RPC(MarkStatementSent);
  SALES_RPC(RecordStatementConfirmation);
  SALES_RPC(ResolveStatementDispute);
  // Collections ladder and holds (collections_api.cc)
  SALES_RPC(RunCollectionsSweep);
  SALES_RPC(GetCollectionCase);
  SALES_RPC(ListCollectionCases);
  SALES_RPC(RecordOverdueConfirmation);
  SALES_RPC(RecordDunningNotice);
  SALES_RPC(RecordRepaymentPlan);
  SALES_RPC(StartLegalPreparation);
  SALES_RPC(RecordLegalFileReady);
  SALES_RPC(CloseCollectionCase);
  SALES_RPC(SetCreditHold);
  SALES_RPC(ReleaseCreditHold);
  SALES_RPC(GetCreditHold);
  SALES_RPC(ListCreditHolds);
  // Commissions (commission_api.cc)
  SALES_RPC(CreateCommissionPlan);
  SALES_RPC(UpdateCommissionPlan);
  SALES_RPC(ActivateCommissionPlan);
  SALES_RPC(RetireCommissionPlan);
  SALES_RPC(GetCommissionPlan);
  SALES_RPC(ListCommissionPlans);
  SALES_RPC(CalculateCommissions);
  SALES_RPC(GetCommissionStatement);
  SALES_RPC(ListCommissionStatements);
  SALES_RPC(ApproveCommissionStatement);
  SALES_RPC(MarkCommissionStatementPaid);
  SALES_RPC(ReleaseCommissionHoldback);
  SALES_RPC(ListCommissionDeductions);
  // Reports (collections_report_api.cc)
  SALES_RPC(GetCollectionsReport);
  SALES_RPC(GetOverdueCasesReport);
  SALES_RPC(GetCommissionReport);
#undef SALES_RPC

 private:
  ServiceRuntime& rt_;
  // The peers finance asks: payment terms (customers), attainment and
  // managers for commissions (targets).
  std::unique_ptr<peers::CustomersPeer> customers_;
  std::unique_ptr<peers::TargetsPeer> targets_;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::finance
