// The reports the sales department files from finance's data (domain.md §8):
// invoicing (invoices, credits and what was shipped but not yet invoiced) per
// week or month; collections (回款) per week, month, quarter or year, each by
// rep, unit, customer or product line; open overdue cases by ladder stage;
// commission totals per rep and month. ReportStore reads the rows; here they
// are grouped into periods, totalled and paged.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "finance-svc/store/report_store.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

class SalesReports {
 public:
  explicit SalesReports(const Clock& clock) : clock_(clock) {}

  // Each `request` is well formed (api/ checked periods, ranges and page
  // sizes); `filter` is already narrowed to what the caller may see.

  // Rows after position `after` (the page token), `size` of them.
  absl::StatusOr<v1::GetInvoicingReportResponse> InvoicingReport(db::Transaction& tx,
                                                                 const v1::GetInvoicingReportRequest& request,
                                                                 const InvoicingFilter& filter, int64_t after,
                                                                 int size) const;
  // The three below are computed whole (reports are small, periods × reps,
  // and must add up over the whole selection) and paged by position: `size`
  // rows from `offset`.
  absl::StatusOr<v1::GetCollectionsReportResponse> CollectionsReport(db::Transaction& tx,
                                                                     const v1::GetCollectionsReportRequest& request,
                                                                     const ReportFilter& filter, int64_t offset,
                                                                     int size) const;
  // Cases open on the request's as_of, today when it names none.
  absl::StatusOr<v1::GetOverdueCasesReportResponse> OverdueCasesReport(db::Transaction& tx,
                                                                       const v1::GetOverdueCasesReportRequest& request,
                                                                       const ReportFilter& filter, int64_t offset,
                                                                       int size) const;
  absl::StatusOr<v1::GetCommissionReportResponse> CommissionReport(db::Transaction& tx,
                                                                   const v1::GetCommissionReportRequest& request,
                                                                   const ReportFilter& filter, int64_t offset,
                                                                   int size) const;

 private:
  const Clock& clock_;
};

}  // namespace sales::finance
