// The department's periodic reports (domain.md §8, seed 001 第16条): rep
// activity, customer base, the target customer list and market notes
// (app/engagement_reports.h). Customers, follow-ups and ownership records
// are read here, never written.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/engagement_reports.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

absl::StatusOr<int64_t> OffsetOf(const std::string& token) {
  if (token.empty()) return int64_t{0};
  return DecodePageToken(token);
}

// An as_of day, known grades and statuses, and the page (size into `page`,
// offset into `offset`).
absl::Status ValidateGetTargetCustomerList(const v1::GetTargetCustomerListRequest& request, int& page,
                                           int64_t& offset) {
  if (!request.has_as_of()) return InvalidField("as_of", "required");
  SALES_RETURN_IF_ERROR(ValidateDate(request.as_of(), "as_of"));
  for (int i = 0; i < request.demand_grades_size(); ++i) {
    const int grade = request.demand_grades(i);
    if (grade == v1::DEMAND_GRADE_UNSPECIFIED || !v1::DemandGrade_IsValid(grade)) {
      return InvalidField(absl::StrCat("demand_grades[", i, "]"), "A, B or C");
    }
  }
  for (int i = 0; i < request.statuses_size(); ++i) {
    if (request.statuses(i) == v1::CUSTOMER_STATUS_UNSPECIFIED || !v1::CustomerStatus_IsValid(request.statuses(i))) {
      return InvalidField(absl::StrCat("statuses[", i, "]"), "a customer status");
    }
  }
  SALES_ASSIGN_OR_RETURN(page, PageSize(request.page_size(), kPageOfRecords));
  SALES_ASSIGN_OR_RETURN(offset, OffsetOf(request.page_token()));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::GetRepActivityReport(grpc::ServerContext* ctx, const v1::GetRepActivityReportRequest* req,
                                                v1::GetRepActivityReportResponse* resp) {
  Span span;
  return ServeRead<v1::GetRepActivityReportResponse>(
      ctx, CustomersMethod("GetRepActivityReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, SpanOf(req->period(), "period"));
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        if (req->rep_id() < 0) return InvalidField("rep_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return EngagementReports(*rt_.clock).RepActivity(tx, call, *req, span);
      });
}

grpc::Status CustomersApi::GetCustomerBaseReport(grpc::ServerContext* ctx, const v1::GetCustomerBaseReportRequest* req,
                                                 v1::GetCustomerBaseReportResponse* resp) {
  Span span;
  return ServeRead<v1::GetCustomerBaseReportResponse>(
      ctx, CustomersMethod("GetCustomerBaseReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, SpanOf(req->period(), "period"));
        if (!v1::CustomerGrouping_IsValid(req->grouping())) return InvalidField("grouping", "unknown grouping");
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return EngagementReports(*rt_.clock).CustomerBase(tx, call, *req, span);
      });
}

grpc::Status CustomersApi::GetTargetCustomerList(grpc::ServerContext* ctx, const v1::GetTargetCustomerListRequest* req,
                                                 v1::GetTargetCustomerListResponse* resp) {
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetTargetCustomerListResponse>(
      ctx, CustomersMethod("GetTargetCustomerList"), rt_, resp,
      [&](CallContext&) { return ValidateGetTargetCustomerList(*req, page, offset); },
      [&](db::Transaction& tx, CallContext& call) {
        return EngagementReports(*rt_.clock).TargetCustomers(tx, call, *req, page, offset);
      });
}

grpc::Status CustomersApi::GetMarketNotesReport(grpc::ServerContext* ctx, const v1::GetMarketNotesReportRequest* req,
                                                v1::GetMarketNotesReportResponse* resp) {
  Span span;
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetMarketNotesReportResponse>(
      ctx, CustomersMethod("GetMarketNotesReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_period()) return InvalidField("period", "required");
        SALES_ASSIGN_OR_RETURN(span, SpanOf(req->period(), "period"));
        if (req->region().size() > 32) return InvalidField("region", "at most 32 bytes");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(offset, OffsetOf(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return EngagementReports(*rt_.clock).MarketNotes(tx, call, *req, span, page, offset);
      });
}

}  // namespace sales::customers
