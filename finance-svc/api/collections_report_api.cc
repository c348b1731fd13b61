// Reports the sales department files (domain.md §8) from finance's data:
// collections (回款) by rep, unit, customer or product line per week,
// month, quarter or year; open overdue cases by ladder stage; commission
// totals per rep and month. Scoped like every financial read.
#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_join.h"
#include "finance-svc/api/collections_api.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/collections_periods.h"
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

// Rows are computed whole and paged by position: reports are small
// (periods × reps) and must add up over the whole selection.
template <typename Row, typename Response, typename AddFn>
void PageRows(std::vector<Row> rows, int64_t offset, int size, Response* out, AddFn add) {
  for (int64_t i = offset; i < static_cast<int64_t>(rows.size()) && i < offset + size; ++i) *add(out) = rows[i];
  if (offset + size < static_cast<int64_t>(rows.size())) out->set_next_page_token(EncodePageToken(offset + size));
}

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t>;  // rep, unit, customer, product line

Key KeyOf(v1::ReportGroupBy g, int64_t rep, int64_t unit, int64_t customer, int64_t line) {
  switch (g) {
    case v1::REPORT_GROUP_BY_ORG_UNIT:
      return {0, unit, 0, 0};
    case v1::REPORT_GROUP_BY_CUSTOMER:
      return {rep, unit, customer, 0};
    case v1::REPORT_GROUP_BY_PRODUCT_LINE:
      return {0, 0, 0, line};
    default:
      return {rep, unit, 0, 0};
  }
}

struct CollectionsCell {
  int64_t collected = 0, on_time = 0, late = 0, very_late = 0, received = 0, fell_due = 0;
  int32_t count = 0;
};

}  // namespace

grpc::Status CollectionsApi::GetCollectionsReport(grpc::ServerContext* ctx, const v1::GetCollectionsReportRequest* req,
                                                  v1::GetCollectionsReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetCollectionsReportResponse>(
      ctx, CollectionsMethod("GetCollectionsReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->period_kind() == common::v1::PERIOD_KIND_UNSPECIFIED || !common::v1::PeriodKind_IsValid(req->period_kind())) {
          return InvalidField("period_kind", "WEEK, MONTH, QUARTER or YEAR");
        }
        if (!req->has_range()) return InvalidField("range", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->range().start(), "range.start"));
        SALES_RETURN_IF_ERROR(ValidateDate(req->range().end(), "range.end"));
        if (ToCivilDay(req->range().end()) < ToCivilDay(req->range().start())) return InvalidField("range.end", "before range.start");
        if (ToCivilDay(req->range().end()) - ToCivilDay(req->range().start()) > 3 * 366) {
          return InvalidField("range", "at most three years");
        }
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 200, 1000));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCollectionsReportResponse> {
        v1::GetCollectionsReportResponse out;
        *out.mutable_total_collected() = MakeMoney(0, kCurrency);
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) return out;
        const auto kind = req->period_kind();
        const auto group = req->group_by() == v1::REPORT_GROUP_BY_UNSPECIFIED ? v1::REPORT_GROUP_BY_REP : req->group_by();
        const bool by_line = group == v1::REPORT_GROUP_BY_PRODUCT_LINE;
        const ReportFilter f = FilterOf(rs, req->customer_id());
        std::map<std::pair<absl::CivilDay, Key>, CollectionsCell> cells;
        auto cell = [&](absl::CivilDay day, const Key& k) -> CollectionsCell& {
          return cells[{PeriodStart(kind, day), k}];
        };
        // Applications still in force (reversed ones are not collected).
        {
          SALES_ASSIGN_OR_RETURN(auto applied, ReportStore::AppliedInRange(tx, req->range(), by_line, f));
          for (const auto& a : applied) {
            CollectionsCell& c =
                cell(a.applied_on, KeyOf(group, a.rep_id, a.org_unit_id, a.customer_id, a.product_line_id));
            int64_t amount = a.amount;
            c.collected += amount;
            switch (BandOf(a.days_past_due)) {
              case CollectionBand::kOnTime:
                c.on_time += amount;
                break;
              case CollectionBand::kLate:
                c.late += amount;
                break;
              case CollectionBand::kVeryLate:
                c.very_late += amount;
                break;
            }
            ++c.count;
          }
        }
        // What fell due in the period (the denominator of 回款率).
        {
          SALES_ASSIGN_OR_RETURN(auto due, ReportStore::DueInRange(tx, req->range(), by_line, f));
          for (const auto& d : due) {
            Key k = KeyOf(group, d.rep_id, d.org_unit_id, d.customer_id, d.product_line_id);
            cell(d.due_on, k).fell_due += d.amount;
          }
        }
        // Payments received (by the payment's rep and customer; not split by
        // unit or product line, which a payment does not carry).
        if (group == v1::REPORT_GROUP_BY_REP || group == v1::REPORT_GROUP_BY_CUSTOMER) {
          SALES_ASSIGN_OR_RETURN(auto payments, ReportStore::ReceivedInRange(tx, req->range(), f));
          for (const auto& r : payments) {
            // Attach to an existing row of the same rep (and customer) so a
            // unit-scoped caller sees only reps already in scope.
            for (auto& [k, c] : cells) {
              const Key& key = k.second;
              if (k.first == PeriodStart(kind, r.received_on) && std::get<0>(key) == r.rep_id &&
                  (group == v1::REPORT_GROUP_BY_REP || std::get<2>(key) == r.customer_id)) {
                c.received += r.amount;
                break;
              }
            }
          }
        }
        std::vector<v1::CollectionsReportRow> rows;
        int64_t total = 0;
        for (const auto& [k, c] : cells) {
          v1::CollectionsReportRow row;
          row.mutable_period()->set_kind(kind);
          *row.mutable_period()->mutable_start() = FromCivilDay(k.first);
          row.set_rep_id(std::get<0>(k.second));
          row.set_org_unit_id(std::get<1>(k.second));
          row.set_customer_id(std::get<2>(k.second));
          row.set_product_line_id(std::get<3>(k.second));
          *row.mutable_collected() = MakeMoney(c.collected, kCurrency);
          *row.mutable_collected_on_time() = MakeMoney(c.on_time, kCurrency);
          *row.mutable_collected_late() = MakeMoney(c.late, kCurrency);
          *row.mutable_collected_very_late() = MakeMoney(c.very_late, kCurrency);
          *row.mutable_received() = MakeMoney(c.received, kCurrency);
          row.set_application_count(c.count);
          *row.mutable_fell_due() = MakeMoney(c.fell_due, kCurrency);
          row.set_collection_rate_bp(CollectionRateBp(c.collected, c.fell_due));
          total += c.collected;
          rows.push_back(std::move(row));
        }
        *out.mutable_total_collected() = MakeMoney(total, kCurrency);
        PageRows(std::move(rows), offset, size, &out, [](auto* r) { return r->add_rows(); });
        return out;
      });
}

grpc::Status CollectionsApi::GetOverdueCasesReport(grpc::ServerContext* ctx,
                                                   const v1::GetOverdueCasesReportRequest* req,
                                                   v1::GetOverdueCasesReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetOverdueCasesReportResponse>(
      ctx, CollectionsMethod("GetOverdueCasesReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 200, 1000));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetOverdueCasesReportResponse> {
        v1::GetOverdueCasesReportResponse out;
        *out.mutable_total_overdue() = MakeMoney(0, kCurrency);
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) return out;
        absl::CivilDay as_of = req->has_as_of() ? ToCivilDay(req->as_of()) : BusinessDay(rt_.clock->Now());
        const auto group = req->group_by() == v1::REPORT_GROUP_BY_UNSPECIFIED ? v1::REPORT_GROUP_BY_REP : req->group_by();
        // Cases as the last sweep left them, open on as_of: opened before it
        // and not closed by then.
        SALES_ASSIGN_OR_RETURN(auto cases, ReportStore::CasesOpenOn(tx, as_of, FilterOf(rs, 0)));
        std::map<std::pair<int, Key>, v1::OverdueCasesReportRow> agg;
        int64_t total = 0;
        int32_t count = 0;
        for (const auto& r : cases) {
          int stage = r.stage;
          if (stage == v1::COLLECTION_STAGE_CLOSED) continue;  // closed after as_of: its stage then is not kept
          Key k = KeyOf(group, r.rep_id, r.org_unit_id, r.customer_id, 0);
          auto& row = agg[{stage, k}];
          row.set_stage(static_cast<v1::CollectionStage>(stage));
          row.set_rep_id(std::get<0>(k));
          row.set_org_unit_id(std::get<1>(k));
          row.set_customer_id(std::get<2>(k));
          row.set_case_count(row.case_count() + 1);
          *row.mutable_overdue_amount() = MakeMoney(row.overdue_amount().minor_units() + r.overdue_minor, kCurrency);
          if (r.deadline_missed) row.set_deadline_missed_count(row.deadline_missed_count() + 1);
          absl::CivilDay due = r.due_on;
          if (!row.has_oldest_due_on() || due < ToCivilDay(row.oldest_due_on())) *row.mutable_oldest_due_on() = FromCivilDay(due);
          total += r.overdue_minor;
          ++count;
        }
        std::vector<v1::OverdueCasesReportRow> list;
        for (auto& [k, row] : agg) list.push_back(std::move(row));
        *out.mutable_total_overdue() = MakeMoney(total, kCurrency);
        out.set_total_case_count(count);
        PageRows(std::move(list), offset, size, &out, [](auto* r) { return r->add_rows(); });
        return out;
      });
}

grpc::Status CollectionsApi::GetCommissionReport(grpc::ServerContext* ctx, const v1::GetCommissionReportRequest* req,
                                                 v1::GetCommissionReportResponse* resp) {
  int size = 0;
  int64_t offset = 0;
  return ServeRead<v1::GetCommissionReportResponse>(
      ctx, CollectionsMethod("GetCommissionReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_months()) return InvalidField("months", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->months().start(), "months.start"));
        SALES_RETURN_IF_ERROR(ValidateDate(req->months().end(), "months.end"));
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 200, 1000));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCommissionReportResponse> {
        v1::GetCommissionReportResponse out;
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(ReportScope rs, ReportScopeOf(tx, scope, req->org_unit_id(), req->rep_id()));
        if (rs.none) return out;
        SALES_ASSIGN_OR_RETURN(auto months, ReportStore::CommissionMonths(tx, req->months(), FilterOf(rs, 0)));
        std::vector<v1::CommissionReportRow> list;
        for (const auto& m : months) {
          v1::CommissionReportRow row;
          row.set_rep_id(m.rep_id);
          row.set_org_unit_id(m.org_unit_id);
          *row.mutable_month() = FromCivilDay(m.month);
          row.set_attainment_bp(m.attainment_bp);
          *row.mutable_total_commission() = MakeMoney(m.total, kCurrency);
          *row.mutable_payable_now() = MakeMoney(m.payable_now, kCurrency);
          *row.mutable_held_back() = MakeMoney(m.held_back, kCurrency);
          *row.mutable_outstanding_deductions() = MakeMoney(m.outstanding_deductions, kCurrency);
          list.push_back(std::move(row));
        }
        PageRows(std::move(list), offset, size, &out, [](auto* r) { return r->add_rows(); });
        return out;
      });
}

}  // namespace sales::finance
