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
  SALES_FINANCE_CORE_RPC(ListPayments);
  SALES_FINANCE_CORE_RPC(ApplyPayment);
  SALES_FINANCE_CORE_RPC(ReversePaymentApplication);
  SALES_FINANCE_CORE_RPC(ListPaymentApplications);
  SALES_FINANCE_CORE_RPC(RefundPayment);
  SALES_FINANCE_CORE_RPC(ListRefunds);
  SALES_FINANCE_CORE_RPC(MarkPaymentDishonored);
  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;
  // Billable shipments, invoices, tax rates, credit memos (finance_invoice_api.cc)
  SALES_FINANCE_CORE_RPC(ListBillableLines);
  SALES_FINANCE_CORE_RPC(GetBillableLine);
  SALES_FINANCE_CORE_RPC(GetOrdersFeedStatus);
  SALES_FINANCE_CORE_RPC(RequestInvoice);
  SALES_FINANCE_CORE_RPC(UpdateInvoice);
  SALES_FINANCE_CORE_RPC(WithdrawInvoice);
  SALES_FINANCE_CORE_RPC(ReviewInvoice);
  SALES_FINANCE_CORE_RPC(RejectInvoice);
  SALES_FINANCE_CORE_RPC(IssueInvoice);
  SALES_FINANCE_CORE_RPC(RecordInvoiceReceipt);
  SALES_FINANCE_CORE_RPC(CancelInvoice);
  SALES_FINANCE_CORE_RPC(GetInvoice);
  SALES_FINANCE_CORE_RPC(GetInvoiceByNumber);
  SALES_FINANCE_CORE_RPC(ListInvoices);
  SALES_FINANCE_CORE_RPC(CreateTaxRate);
  SALES_FINANCE_CORE_RPC(ListTaxRates);
  SALES_FINANCE_CORE_RPC(CreateCreditMemo);
  SALES_FINANCE_CORE_RPC(IssueCreditMemo);
  SALES_FINANCE_CORE_RPC(VoidCreditMemo);
  SALES_FINANCE_CORE_RPC(GetCreditMemo);
  SALES_FINANCE_CORE_RPC(ListCreditMemos);
  SALES_FINANCE_CORE_RPC(ApplyCreditMemo);
  SALES_FINANCE_CORE_RPC(CreateDebitMemo);
  SALES_FINANCE_CORE_RPC(IssueDebitMemo);
  SALES_FINANCE_CORE_RPC(VoidDebitMemo);
  SALES_FINANCE_CORE_RPC(GetDebitMemo);
  SALES_FINANCE_CORE_RPC(ListDebitMemos);
  // Receivables (finance_receivable_api.cc)
  SALES_FINANCE_CORE_RPC(GetCustomerExposure);
  SALES_FINANCE_CORE_RPC(BatchGetCustomerExposures);
  SALES_FINANCE_CORE_RPC(GetCustomerBalance);
  SALES_FINANCE_CORE_RPC(ListCustomerBalances);
  SALES_FINANCE_CORE_RPC(ListRepBalances);
  SALES_FINANCE_CORE_RPC(GetAgeingReport);
  SALES_FINANCE_CORE_RPC(ListOpenItems);
  SALES_FINANCE_CORE_RPC(ListLedgerEntries);
  SALES_FINANCE_CORE_RPC(VerifyLedger);
  // Invoicing report (finance_report_api.cc)
  SALES_FINANCE_CORE_RPC(GetInvoicingReport);
  // Audit trail (finance_audit_api.cc)
  SALES_FINANCE_CORE_RPC(ListAuditEntries);
  // Statements (finance_statement_api.cc)
  SALES_FINANCE_CORE_RPC(GenerateStatements);
  SALES_FINANCE_CORE_RPC(GetStatement);
  SALES_FINANCE_CORE_RPC(ListStatements);
  SALES_FINANCE_CORE_RPC(MarkStatementSent);
  SALES_FINANCE_CORE_RPC(RecordStatementConfirmation);
  SALES_FINANCE_CORE_RPC(ResolveStatementDispute);
#undef SALES_FINANCE_CORE_RPC
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::finance
