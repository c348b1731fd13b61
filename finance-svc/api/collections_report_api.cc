// Reports the sales department files (domain.md §8) from finance's data:
// collections (回款) by rep, unit, customer or product line per week,
// month, quarter or year; open overdue cases by ladder stage; commission
// totals per rep and month. Scoped like every financial read; app/sales_reports
// groups, totals and pages the rows.
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/sales_reports.h"
#include "finance-svc/store/report_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr char kCurrency[] = "CNY";

// The store's filter for a report scope and the customer asked for.
ReportFilter FilterOf(const ReportScope& rs, int64_t customer_id) {
  ReportFilter f;
  f.rep_id = rs.rep_id;
  f.unit_ids = rs.unit_ids;
  f.customer_id = customer_id;
  return f;
}

absl::Status ValidateCollectionsReport(const v1::GetCollectionsReportRequest& req) {
  if (req.period_kind() == common::v1::PERIOD_KIND_UNSPECIFIED || !common::v1::PeriodKind_IsValid(req.period_kind())) {
    return InvalidField("period_kind", "WEEK, MONTH, QUARTER or YEAR");
  }
  if (!req.has_range()) return InvalidField("range", "required");
  SALES_RETURN_IF_ERROR(ValidateDate(req.range().start(), "range.start"));
  SALES_RETURN_IF_ERROR(ValidateDate(req.range().end(), "range.end"));
  if (ToCivilDay(req.range().end()) < ToCivilDay(req.range().start())) {
    return InvalidField("range.end", "before range.start");
  }
  if (ToCivilDay(req.range().end()) - ToCivilDay(req.range().start()) > 3 * 366) {
    return InvalidField("range", "at most three years");
  }
  return absl::OkStatus();
}

absl::Status ValidateCommissionReport(const v1::GetCommissionReportRequest& req) {
  if (!req.has_months()) return InvalidField("months", "required");
  SALES_RETURN_IF_ERROR(ValidateDate(req.months().start(), "months.start"));
  return ValidateDate(req.months().end(), "months.end");
}

}  // namespace

grpc::Status FinanceApi::GetCollectionsReport(grpc::ServerContext* ctx, const v1::GetCollectionsReportRequest* req,
                                              v1::GetCollectionsReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetCollectionsReportResponse>(
      ctx, FinanceMethod("GetCollectionsReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(ValidateCollectionsReport(*req));
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfReportRows));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCollectionsReportResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) {
          v1::GetCollectionsReportResponse out;
          *out.mutable_total_collected() = MakeMoney(0, kCurrency);
          return out;
        }
        return SalesReports(*rt_.clock).CollectionsReport(tx, *req, FilterOf(rs, req->customer_id()), offset, size);
      });
}

grpc::Status FinanceApi::GetOverdueCasesReport(grpc::ServerContext* ctx, const v1::GetOverdueCasesReportRequest* req,
                                               v1::GetOverdueCasesReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetOverdueCasesReportResponse>(
      ctx, FinanceMethod("GetOverdueCasesReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfReportRows));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetOverdueCasesReportResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) {
          v1::GetOverdueCasesReportResponse out;
          *out.mutable_total_overdue() = MakeMoney(0, kCurrency);
          return out;
        }
        return SalesReports(*rt_.clock).OverdueCasesReport(tx, *req, FilterOf(rs, 0), offset, size);
      });
}

grpc::Status FinanceApi::GetCommissionReport(grpc::ServerContext* ctx, const v1::GetCommissionReportRequest* req,
                                             v1::GetCommissionReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetCommissionReportResponse>(
      ctx, FinanceMethod("GetCommissionReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(ValidateCommissionReport(*req));
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfReportRows));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCommissionReportResponse> {
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) return v1::GetCommissionReportResponse();
        return SalesReports(*rt_.clock).CommissionReport(tx, *req, FilterOf(rs, 0), offset, size);
      });
}

}  // namespace sales::finance
