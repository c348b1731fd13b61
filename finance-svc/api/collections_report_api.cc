// Reports the sales department files (domain.md §8) from finance's data:
// collections (回款) by rep, unit, customer or product line per week,
// month, quarter or year; open overdue cases by ladder stage; commission
// totals per rep and month. Scoped like every financial read.
#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "finance-svc/api/collections_api.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/collections_periods.h"
#include "finance-svc/store/collections_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr char kCurrency[] = "CNY";

// " AND <rep> = ? AND <unit> IN (...)" for a report scope.
std::string ScopeSql(const ReportScope& rs, const char* rep_col, const char* unit_col, db::Params* params) {
  std::string s;
  if (rs.rep_id != 0) {
    s += absl::StrCat(" AND ", rep_col, " = ?");
    params->push_back(rs.rep_id);
  }
  if (!rs.unit_ids.empty()) s += absl::StrCat(" AND ", unit_col, " IN (", db::AppendInList(rs.unit_ids, *params), ")");
  return s;
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
        std::string from = FormatDbDate(req->range().start()), to = FormatDbDate(req->range().end());
        std::map<std::pair<absl::CivilDay, Key>, CollectionsCell> cells;
        auto cell = [&](absl::CivilDay day, const Key& k) -> CollectionsCell& {
          return cells[{PeriodStart(kind, day), k}];
        };
        // Applications still in force (reversed ones are not collected).
        {
          db::Params p{from, to};
          std::string sql = by_line
                                ? "SELECT pa.rep_id, pa.org_unit_id, pa.customer_id, pal.product_line_id, pa.applied_on, "
                                  "pa.days_past_due, pal.amount_minor FROM payment_applications pa JOIN "
                                  "payment_application_lines pal ON pal.application_id = pa.id WHERE pa.state = 1 "
                                  "AND pa.applied_on BETWEEN ? AND ?"
                                : "SELECT pa.rep_id, pa.org_unit_id, pa.customer_id, 0, pa.applied_on, pa.days_past_due, "
                                  "pa.amount_minor FROM payment_applications pa WHERE pa.state = 1 "
                                  "AND pa.applied_on BETWEEN ? AND ?";
          sql += ScopeSql(rs, "pa.rep_id", "pa.org_unit_id", &p);
          if (req->customer_id() != 0) {
            sql += " AND pa.customer_id = ?";
            p.push_back(req->customer_id());
          }
          SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
          for (const auto& r : rows) {
            CollectionsCell& c = cell(*ParseDay(r, 4), KeyOf(group, r.Int(0), r.Int(1), r.Int(2), r.Int(3)));
            int64_t amount = r.Int(6);
            c.collected += amount;
            switch (BandOf(static_cast<int>(r.Int(5)))) {
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
          db::Params p{from, to};
          std::string sql = by_line
                                ? "SELECT i.rep_id, i.org_unit_id, i.customer_id, il.product_line_id, i.due_on, "
                                  "il.gross_minor FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id "
                                  "WHERE i.state IN (5, 6, 7) AND i.due_on BETWEEN ? AND ?"
                                : "SELECT i.rep_id, i.org_unit_id, i.customer_id, 0, i.due_on, i.gross_total_minor "
                                  "FROM invoices i WHERE i.state IN (5, 6, 7) AND i.due_on BETWEEN ? AND ?";
          sql += ScopeSql(rs, "i.rep_id", "i.org_unit_id", &p);
          if (req->customer_id() != 0) {
            sql += " AND i.customer_id = ?";
            p.push_back(req->customer_id());
          }
          SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
          for (const auto& r : rows) {
            cell(*ParseDay(r, 4), KeyOf(group, r.Int(0), r.Int(1), r.Int(2), r.Int(3))).fell_due += r.Int(5);
          }
        }
        // Payments received (by the payment's rep and customer; not split by
        // unit or product line, which a payment does not carry).
        if (group == v1::REPORT_GROUP_BY_REP || group == v1::REPORT_GROUP_BY_CUSTOMER) {
          db::Params p{from, to};
          std::string sql = "SELECT p.rep_id, p.customer_id, p.received_on, p.settlement_minor FROM payments p "
                            "WHERE p.state <> 4 AND p.received_on BETWEEN ? AND ?";
          if (rs.rep_id != 0) {
            sql += " AND p.rep_id = ?";
            p.push_back(rs.rep_id);
          }
          if (req->customer_id() != 0) {
            sql += " AND p.customer_id = ?";
            p.push_back(req->customer_id());
          }
          SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
          for (const auto& r : rows) {
            // Attach to an existing row of the same rep (and customer) so a
            // unit-scoped caller sees only reps already in scope.
            for (auto& [k, c] : cells) {
              const Key& key = k.second;
              if (k.first == PeriodStart(kind, *ParseDay(r, 2)) && std::get<0>(key) == r.Int(0) &&
                  (group == v1::REPORT_GROUP_BY_REP || std::get<2>(key) == r.Int(1))) {
                c.received += r.Int(3);
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
        db::Params p{DayText(as_of), DayText(as_of)};
        std::string sql =
            "SELECT stage, rep_id, org_unit_id, customer_id, overdue_minor, due_on, missed_confirmation + "
            "missed_first_notice + missed_second_notice > 0, closed_on FROM collection_cases WHERE due_on < ? "
            "AND (closed_on IS NULL OR closed_on > ?)";
        sql += ScopeSql(rs, "rep_id", "org_unit_id", &p);
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
        std::map<std::pair<int, Key>, v1::OverdueCasesReportRow> agg;
        int64_t total = 0;
        int32_t count = 0;
        for (const auto& r : rows) {
          int stage = static_cast<int>(r.Int(0));
          if (stage == v1::COLLECTION_STAGE_CLOSED) continue;  // closed after as_of: its stage then is not kept
          Key k = KeyOf(group, r.Int(1), r.Int(2), r.Int(3), 0);
          auto& row = agg[{stage, k}];
          row.set_stage(static_cast<v1::CollectionStage>(stage));
          row.set_rep_id(std::get<0>(k));
          row.set_org_unit_id(std::get<1>(k));
          row.set_customer_id(std::get<2>(k));
          row.set_case_count(row.case_count() + 1);
          *row.mutable_overdue_amount() = MakeMoney(row.overdue_amount().minor_units() + r.Int(4), kCurrency);
          if (r.Int(6) != 0) row.set_deadline_missed_count(row.deadline_missed_count() + 1);
          absl::CivilDay due = *ParseDay(r, 5);
          if (!row.has_oldest_due_on() || due < ToCivilDay(row.oldest_due_on())) *row.mutable_oldest_due_on() = FromCivilDay(due);
          total += r.Int(4);
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
        db::Params p{FormatDbDate(req->months().start()), FormatDbDate(req->months().end())};
        std::string sql =
            "SELECT s.rep_id, s.org_unit_id, s.month, s.attainment_bp, s.total_minor, s.payable_now_minor, "
            "s.held_back_minor, COALESCE((SELECT SUM(d.deducted_minor - d.returned_minor) FROM commission_deductions d "
            "WHERE d.rep_id = s.rep_id AND d.state = 1), 0) FROM commission_statements s WHERE s.month BETWEEN ? AND ?";
        sql += ScopeSql(rs, "s.rep_id", "s.org_unit_id", &p);
        sql += " ORDER BY s.month, s.rep_id";
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
        std::vector<v1::CommissionReportRow> list;
        for (const auto& r : rows) {
          v1::CommissionReportRow row;
          row.set_rep_id(r.Int(0));
          row.set_org_unit_id(r.Int(1));
          *row.mutable_month() = FromCivilDay(*ParseDay(r, 2));
          row.set_attainment_bp(static_cast<int32_t>(r.Int(3)));
          *row.mutable_total_commission() = MakeMoney(r.Int(4), kCurrency);
          *row.mutable_payable_now() = MakeMoney(r.Int(5), kCurrency);
          *row.mutable_held_back() = MakeMoney(r.Int(6), kCurrency);
          *row.mutable_outstanding_deductions() = MakeMoney(r.Int(7), kCurrency);
          list.push_back(std::move(row));
        }
        PageRows(std::move(list), offset, size, &out, [](auto* r) { return r->add_rows(); });
        return out;
      });
}

}  // namespace sales::finance
