// Progress broken down, progress reviews (述职), the expense ledger and the
// actuals behind progress; the workflows are app/progress_reading,
// app/progress_reviews and app/expense_ledger.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/expense_ledger.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/progress_reviews.h"
#include "targets-svc/domain/progress.h"

namespace sales::targets {
namespace {

void AppendDateViolations(const common::v1::Date& d, const std::string& field, std::vector<FieldViolation>& v) {
  for (auto& f : FieldViolationsOf(ValidateDate(d, field))) v.push_back(std::move(f));
}

// An inclusive range whose ends may each be unset (open), in order.
void AppendDateRangeViolations(const common::v1::DateRange& r, std::vector<FieldViolation>& v) {
  size_t before = v.size();
  if (r.has_start()) AppendDateViolations(r.start(), "date_range.start", v);
  if (r.has_end()) AppendDateViolations(r.end(), "date_range.end", v);
  if (v.size() == before && r.has_start() && r.has_end() && ToCivilDay(r.end()) < ToCivilDay(r.start())) {
    v.push_back({"date_range.end", "must not be before date_range.start"});
  }
}

// Filter ids: 0 for none, never negative.
void AppendIdViolations(std::initializer_list<std::pair<const char*, int64_t>> ids, std::vector<FieldViolation>& v) {
  for (const auto& [field, id] : ids) {
    if (id < 0) v.push_back({field, "must be > 0, or 0 for any"});
  }
}

absl::Status Violations(std::vector<FieldViolation> v) {
  return v.empty() ? absl::OkStatus() : InvalidFields(std::move(v));
}

void AppendNodeViolations(const v1::TargetNode& n, std::vector<FieldViolation>& v) {
  AppendIdViolations({{"node.org_unit_id", n.org_unit_id()},
                      {"node.rep_id", n.rep_id()},
                      {"node.product_line_id", n.product_line_id()},
                      {"node.customer_id", n.customer_id()}},
                     v);
}

absl::Status ValidateListProgress(const v1::ListProgressRequest& req) {
  std::vector<FieldViolation> v;
  AppendNodeViolations(req.node(), v);
  if (!req.has_period()) v.push_back({"period", "required"});
  if (!req.has_as_of()) {
    v.push_back({"as_of", "required"});
  } else {
    AppendDateViolations(req.as_of(), "as_of", v);
  }
  if (req.plan_id() < 0) v.push_back({"plan_id", "must be > 0, or 0 to pick by metric"});
  if (req.metric() == v1::METRIC_UNSPECIFIED && req.plan_id() == 0) {
    v.push_back({"metric", "required unless plan_id is set"});
  }
  if (req.group_by() == v1::PROGRESS_GROUP_BY_UNSPECIFIED) v.push_back({"group_by", "required"});
  return Violations(std::move(v));
}

absl::Status ValidateCreateProgressReview(const v1::CreateProgressReviewRequest& req, absl::CivilDay today) {
  if (!req.has_review()) return InvalidField("review", "required");
  std::vector<FieldViolation> v;
  AppendReviewViolations(req.review(), today, v);
  return Violations(std::move(v));
}

absl::Status ValidateListProgressReviews(const v1::ListProgressReviewsRequest& req) {
  std::vector<FieldViolation> v;
  AppendIdViolations({{"rep_id", req.rep_id()}, {"org_unit_id", req.org_unit_id()}}, v);
  AppendDateRangeViolations(req.date_range(), v);
  return Violations(std::move(v));
}

absl::Status ValidateListExpenses(const v1::ListExpensesRequest& req) {
  std::vector<FieldViolation> v;
  AppendIdViolations({{"rep_id", req.rep_id()}, {"org_unit_id", req.org_unit_id()}}, v);
  AppendDateRangeViolations(req.date_range(), v);
  return Violations(std::move(v));
}

absl::Status ValidateReverseExpense(const v1::ReverseExpenseRequest& req) {
  std::vector<FieldViolation> v;
  if (req.id() <= 0) v.push_back({"id", "required, > 0"});
  if (req.etag().empty()) v.push_back({"etag", "required: the etag of the expense as read"});
  if (req.reason().empty()) v.push_back({"reason", "required: why the expense is reversed"});
  return Violations(std::move(v));
}

absl::Status ValidateGetExpenseSummary(const v1::GetExpenseSummaryRequest& req) {
  std::vector<FieldViolation> v;
  AppendNodeViolations(req.node(), v);
  if (!req.has_period()) v.push_back({"period", "required"});
  if (req.has_as_of()) AppendDateViolations(req.as_of(), "as_of", v);
  return Violations(std::move(v));
}

// A MONTH period: its kind, then its start (the first of a month).
void AppendMonthViolations(const common::v1::Period& p, const char* field, std::vector<FieldViolation>& v) {
  if (p.kind() != common::v1::PERIOD_KIND_MONTH) {
    v.push_back({absl::StrCat(field, ".kind"), "MONTH"});
    return;
  }
  for (auto& f : FieldViolationsOf(SpanOf(p, field).status())) v.push_back(std::move(f));
}

absl::Status ValidateListActualCells(const v1::ListActualCellsRequest& req) {
  std::vector<FieldViolation> v;
  AppendIdViolations(
      {{"rep_id", req.rep_id()}, {"org_unit_id", req.org_unit_id()}, {"product_line_id", req.product_line_id()}}, v);
  size_t before = v.size();
  if (!req.has_from_period()) {
    v.push_back({"from_period", "required"});
  } else {
    AppendMonthViolations(req.from_period(), "from_period", v);
  }
  if (!req.has_to_period()) {
    v.push_back({"to_period", "required"});
  } else {
    AppendMonthViolations(req.to_period(), "to_period", v);
  }
  if (v.size() == before && ToCivilDay(req.to_period().start()) < ToCivilDay(req.from_period().start())) {
    v.push_back({"to_period", "must not be before from_period"});
  }
  return Violations(std::move(v));
}

absl::Status ValidateListActualEntries(const v1::ListActualEntriesRequest& req) {
  std::vector<FieldViolation> v;
  AppendIdViolations({{"rep_id", req.rep_id()},
                      {"org_unit_id", req.org_unit_id()},
                      {"product_line_id", req.product_line_id()},
                      {"customer_id", req.customer_id()},
                      {"order_id", req.order_id()}},
                     v);
  AppendDateRangeViolations(req.date_range(), v);
  return Violations(std::move(v));
}

}  // namespace

grpc::Status TargetsApi::ListProgress(grpc::ServerContext* ctx, const v1::ListProgressRequest* req,
                                      v1::ListProgressResponse* resp) {
  return ServeRead<v1::ListProgressResponse>(
      ctx, TargetsMethod("ListProgress"), rt_, resp, [&](CallContext&) { return ValidateListProgress(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ProgressReading(*rt_.clock).Breakdown(tx, call, *req); });
}

grpc::Status TargetsApi::CreateProgressReview(grpc::ServerContext* ctx, const v1::CreateProgressReviewRequest* req,
                                              v1::CreateProgressReviewResponse* resp) {
  return ServeMutation<v1::CreateProgressReviewRequest, v1::CreateProgressReviewResponse>(
      ctx, TargetsMethod("CreateProgressReview"), rt_, *req, resp,
      [&](CallContext&) { return ValidateCreateProgressReview(*req, BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) { return ProgressReviews(*rt_.clock).Create(tx, call, *req); });
}

grpc::Status TargetsApi::ListProgressReviews(grpc::ServerContext* ctx, const v1::ListProgressReviewsRequest* req,
                                             v1::ListProgressReviewsResponse* resp) {
  return ServeRead<v1::ListProgressReviewsResponse>(
      ctx, TargetsMethod("ListProgressReviews"), rt_, resp,
      [&](CallContext&) { return ValidateListProgressReviews(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ProgressReviews(*rt_.clock).List(tx, call, *req); });
}

grpc::Status TargetsApi::ListExpenses(grpc::ServerContext* ctx, const v1::ListExpensesRequest* req,
                                      v1::ListExpensesResponse* resp) {
  return ServeRead<v1::ListExpensesResponse>(
      ctx, TargetsMethod("ListExpenses"), rt_, resp, [&](CallContext&) { return ValidateListExpenses(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ExpenseLedger(*rt_.clock).List(tx, call, *req); });
}

grpc::Status TargetsApi::ReverseExpense(grpc::ServerContext* ctx, const v1::ReverseExpenseRequest* req,
                                        v1::ReverseExpenseResponse* resp) {
  return ServeMutation<v1::ReverseExpenseRequest, v1::ReverseExpenseResponse>(
      ctx, TargetsMethod("ReverseExpense"), rt_, *req, resp, [&](CallContext&) { return ValidateReverseExpense(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ExpenseLedger(*rt_.clock).Reverse(tx, call, *req); });
}

grpc::Status TargetsApi::GetExpenseSummary(grpc::ServerContext* ctx, const v1::GetExpenseSummaryRequest* req,
                                           v1::GetExpenseSummaryResponse* resp) {
  return ServeRead<v1::GetExpenseSummaryResponse>(
      ctx, TargetsMethod("GetExpenseSummary"), rt_, resp, [&](CallContext&) { return ValidateGetExpenseSummary(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ExpenseLedger(*rt_.clock).Summary(tx, call, *req); });
}

grpc::Status TargetsApi::ListActualCells(grpc::ServerContext* ctx, const v1::ListActualCellsRequest* req,
                                         v1::ListActualCellsResponse* resp) {
  return ServeRead<v1::ListActualCellsResponse>(
      ctx, TargetsMethod("ListActualCells"), rt_, resp, [&](CallContext&) { return ValidateListActualCells(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ActualsReading::Cells(tx, call, *req); });
}

grpc::Status TargetsApi::ListActualEntries(grpc::ServerContext* ctx, const v1::ListActualEntriesRequest* req,
                                           v1::ListActualEntriesResponse* resp) {
  return ServeRead<v1::ListActualEntriesResponse>(
      ctx, TargetsMethod("ListActualEntries"), rt_, resp, [&](CallContext&) { return ValidateListActualEntries(*req); },
      [&](db::Transaction& tx, CallContext& call) { return ActualsReading::Entries(tx, call, *req); });
}

}  // namespace sales::targets
