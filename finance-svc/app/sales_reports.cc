#include "finance-svc/app/sales_reports.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "finance-svc/domain/collections_periods.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr char kCurrency[] = "CNY";

// One period and key of the invoicing report.
struct InvoicingCell {
  int64_t rep_id = 0, org_unit_id = 0;
  int invoices = 0;
  int64_t net = 0, tax = 0, credited = 0, unbilled = 0;
};

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

v1::ReportGroupBy GroupOrRep(v1::ReportGroupBy g) {
  return g == v1::REPORT_GROUP_BY_UNSPECIFIED ? v1::REPORT_GROUP_BY_REP : g;
}

struct CollectionsCell {
  int64_t collected = 0, on_time = 0, late = 0, very_late = 0, received = 0, fell_due = 0;
  int32_t count = 0;
};

}  // namespace

absl::StatusOr<v1::GetInvoicingReportResponse> SalesReports::InvoicingReport(
    db::Transaction& tx, const v1::GetInvoicingReportRequest& request, const InvoicingFilter& f, int64_t after,
    int size) const {
  const auto kind = request.period_kind();
  absl::CivilDay from = PeriodStart(kind, ToCivilDay(request.range().start()));
  std::vector<absl::CivilDay> starts = PeriodStarts(kind, from, ToCivilDay(request.range().end()));
  absl::CivilDay end = ToCivilDay(request.range().end());
  if (!starts.empty()) {
    absl::CivilDay last = starts.back();
    // The last period runs to its natural end, so each row is a whole period.
    std::vector<absl::CivilDay> next = PeriodStarts(kind, last, last + 400);
    if (next.size() > 1) end = next[1] - 1;
  }
  const auto by = request.group_by();
  std::map<std::pair<absl::CivilDay, int64_t>, InvoicingCell> cells;
  auto cell = [&](absl::CivilDay day, int64_t k) -> InvoicingCell& { return cells[{PeriodStart(kind, day), k}]; };

  // Invoices issued in the range (cancelled ones were issued too).
  SALES_ASSIGN_OR_RETURN(auto invoiced, ReportStore::InvoicedByDay(tx, from, end, f));
  for (const auto& d : invoiced) {
    InvoicingCell& c = cell(d.day, d.key);
    c.invoices += static_cast<int>(d.invoices);
    c.net += d.net;
    c.tax += d.tax;
    c.rep_id = std::max(c.rep_id, d.rep_id);
    c.org_unit_id = std::max(c.org_unit_id, d.org_unit_id);
  }
  // Credit memos issued in the range.
  SALES_ASSIGN_OR_RETURN(auto credited, ReportStore::CreditedByDay(tx, from, end, f));
  for (const auto& d : credited) {
    InvoicingCell& c = cell(d.day, d.key);
    c.credited += d.gross;
    c.rep_id = std::max(c.rep_id, d.rep_id);
    c.org_unit_id = std::max(c.org_unit_id, d.org_unit_id);
  }
  // Shipped but not invoiced at each period's end: what was shipped
  // (and kept) by then less what was invoiced by then, each valued at
  // net plus the default VAT, rounded per line.
  std::map<int64_t, std::map<absl::CivilDay, int64_t>> moves;  // key -> day -> delta
  SALES_ASSIGN_OR_RETURN(auto shipped, ReportStore::ShippedValueByDay(tx, end, f));
  for (const auto& d : shipped) moves[d.key][d.day] += d.amount;
  SALES_ASSIGN_OR_RETURN(auto billed, ReportStore::InvoicedValueByDay(tx, end, f));
  for (const auto& d : billed) moves[d.key][d.day] -= d.amount;
  for (const auto& [k, by_day] : moves) {
    int64_t running = 0;
    auto it = by_day.begin();
    for (size_t i = 0; i < starts.size(); ++i) {
      absl::CivilDay period_end = i + 1 < starts.size() ? starts[i + 1] - 1 : end;
      while (it != by_day.end() && it->first <= period_end) running += (it++)->second;
      if (running != 0) cells[{starts[i], k}].unbilled = running;
    }
  }

  v1::GetInvoicingReportResponse out;
  int64_t index = 0;
  for (const auto& [pk, c] : cells) {
    if (pk.first < from || pk.first > starts.back()) continue;
    ++index;
    if (index <= after) continue;
    if (out.rows_size() == size) {
      out.set_next_page_token(EncodePageToken(index - 1));
      break;
    }
    auto* row = out.add_rows();
    row->mutable_period()->set_kind(kind);
    *row->mutable_period()->mutable_start() = FromCivilDay(pk.first);
    switch (by) {
      case v1::REPORT_GROUP_BY_ORG_UNIT:
        row->set_org_unit_id(pk.second);
        break;
      case v1::REPORT_GROUP_BY_CUSTOMER:
        row->set_customer_id(pk.second);
        row->set_rep_id(c.rep_id);
        row->set_org_unit_id(c.org_unit_id);
        break;
      case v1::REPORT_GROUP_BY_PRODUCT_LINE:
        row->set_product_line_id(pk.second);
        break;
      default:
        row->set_rep_id(pk.second);
        row->set_org_unit_id(c.org_unit_id);
    }
    row->set_invoice_count(c.invoices);
    *row->mutable_net_invoiced() = MakeMoney(c.net);
    *row->mutable_tax_invoiced() = MakeMoney(c.tax);
    *row->mutable_credited() = MakeMoney(c.credited);
    *row->mutable_shipped_unbilled() = MakeMoney(c.unbilled);
  }
  return out;
}

absl::StatusOr<v1::GetCollectionsReportResponse> SalesReports::CollectionsReport(
    db::Transaction& tx, const v1::GetCollectionsReportRequest& request, const ReportFilter& f, int64_t offset,
    int size) const {
  const auto kind = request.period_kind();
  const auto group = GroupOrRep(request.group_by());
  const bool by_line = group == v1::REPORT_GROUP_BY_PRODUCT_LINE;
  std::map<std::pair<absl::CivilDay, Key>, CollectionsCell> cells;
  auto cell = [&](absl::CivilDay day, const Key& k) -> CollectionsCell& { return cells[{PeriodStart(kind, day), k}]; };
  // Applications still in force (reversed ones are not collected).
  {
    SALES_ASSIGN_OR_RETURN(auto applied, ReportStore::AppliedInRange(tx, request.range(), by_line, f));
    for (const auto& a : applied) {
      CollectionsCell& c = cell(a.applied_on, KeyOf(group, a.rep_id, a.org_unit_id, a.customer_id, a.product_line_id));
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
    SALES_ASSIGN_OR_RETURN(auto due, ReportStore::DueInRange(tx, request.range(), by_line, f));
    for (const auto& d : due) {
      Key k = KeyOf(group, d.rep_id, d.org_unit_id, d.customer_id, d.product_line_id);
      cell(d.due_on, k).fell_due += d.amount;
    }
  }
  // Payments received (by the payment's rep and customer; not split by
  // unit or product line, which a payment does not carry).
  if (group == v1::REPORT_GROUP_BY_REP || group == v1::REPORT_GROUP_BY_CUSTOMER) {
    SALES_ASSIGN_OR_RETURN(auto payments, ReportStore::ReceivedInRange(tx, request.range(), f));
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
  v1::GetCollectionsReportResponse out;
  *out.mutable_total_collected() = MakeMoney(total, kCurrency);
  PageRows(std::move(rows), offset, size, &out, [](auto* r) { return r->add_rows(); });
  return out;
}

absl::StatusOr<v1::GetOverdueCasesReportResponse> SalesReports::OverdueCasesReport(
    db::Transaction& tx, const v1::GetOverdueCasesReportRequest& request, const ReportFilter& f, int64_t offset,
    int size) const {
  absl::CivilDay as_of = request.has_as_of() ? ToCivilDay(request.as_of()) : BusinessDay(clock_.Now());
  const auto group = GroupOrRep(request.group_by());
  // Cases as the last sweep left them, open on as_of: opened before it
  // and not closed by then.
  SALES_ASSIGN_OR_RETURN(auto cases, ReportStore::CasesOpenOn(tx, as_of, f));
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
    if (!row.has_oldest_due_on() || due < ToCivilDay(row.oldest_due_on())) {
      *row.mutable_oldest_due_on() = FromCivilDay(due);
    }
    total += r.overdue_minor;
    ++count;
  }
  std::vector<v1::OverdueCasesReportRow> list;
  for (auto& [k, row] : agg) list.push_back(std::move(row));
  v1::GetOverdueCasesReportResponse out;
  *out.mutable_total_overdue() = MakeMoney(total, kCurrency);
  out.set_total_case_count(count);
  PageRows(std::move(list), offset, size, &out, [](auto* r) { return r->add_rows(); });
  return out;
}

absl::StatusOr<v1::GetCommissionReportResponse> SalesReports::CommissionReport(
    db::Transaction& tx, const v1::GetCommissionReportRequest& request, const ReportFilter& f, int64_t offset,
    int size) const {
  SALES_ASSIGN_OR_RETURN(auto months, ReportStore::CommissionMonths(tx, request.months(), f));
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
  v1::GetCommissionReportResponse out;
  PageRows(std::move(list), offset, size, &out, [](auto* r) { return r->add_rows(); });
  return out;
}

}  // namespace sales::finance
