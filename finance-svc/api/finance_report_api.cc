// The invoicing report (domain.md §8): invoices and credits per week or
// month by rep, unit, customer or product line, with what was shipped but
// not yet invoiced at each period's end. app/sales_reports groups the rows.
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/sales_reports.h"
#include "finance-svc/store/report_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

absl::Status ValidateInvoicingReport(const v1::GetInvoicingReportRequest& req) {
  std::vector<FieldViolation> v;
  if (req.period_kind() == common::v1::PERIOD_KIND_UNSPECIFIED || !common::v1::PeriodKind_IsValid(req.period_kind())) {
    v.push_back({"period_kind", "required"});
  }
  if (!req.range().has_start() || !req.range().has_end()) {
    v.push_back({"range", "start and end are required"});
  } else {
    for (auto& fv : FieldViolationsOf(ValidateDate(req.range().start(), "range.start"))) v.push_back(fv);
    for (auto& fv : FieldViolationsOf(ValidateDate(req.range().end(), "range.end"))) v.push_back(fv);
    if (v.empty() && ToCivilDay(req.range().end()) < ToCivilDay(req.range().start())) {
      v.push_back({"range.end", "before start"});
    }
    if (v.empty() && ToCivilDay(req.range().end()) - ToCivilDay(req.range().start()) > 3 * 366) {
      v.push_back({"range", "at most three years"});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return PageSize(req.page_size(), kPageOfLedgerRows).status();
}

// The request's grouping and filters within the caller's scope.
InvoicingFilter InvoicingFilterOf(const v1::GetInvoicingReportRequest& req, const FinanceScope& scope) {
  const auto by = req.group_by();
  InvoicingFilter f;
  f.key = by == v1::REPORT_GROUP_BY_ORG_UNIT       ? InvoicingKey::kOrgUnit
          : by == v1::REPORT_GROUP_BY_CUSTOMER     ? InvoicingKey::kCustomer
          : by == v1::REPORT_GROUP_BY_PRODUCT_LINE ? InvoicingKey::kProductLine
                                                   : InvoicingKey::kRep;
  f.rep_id = req.rep_id();
  f.org_unit_id = req.org_unit_id();
  f.scope = scope;
  return f;
}

}  // namespace

grpc::Status FinanceApi::GetInvoicingReport(grpc::ServerContext* ctx, const v1::GetInvoicingReportRequest* req,
                                            v1::GetInvoicingReportResponse* resp) {
  return ServeRead<v1::GetInvoicingReportResponse>(
      ctx, FinanceMethod("GetInvoicingReport"), rt_, resp, [&](CallContext&) { return ValidateInvoicingReport(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetInvoicingReportResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size(), kPageOfLedgerRows));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        return SalesReports(*rt_.clock).InvoicingReport(tx, *req, InvoicingFilterOf(*req, scope), after, size);
      });
}

}  // namespace sales::finance
