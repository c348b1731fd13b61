// Pure rules of the §8 sales reports: which period a business date falls in,
// and how booked, shipped and returned facts add up into per-period rows
// with totals and the change against the previous period. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "sales/common/v1/date.pb.h"
#include "sales/orders/v1/report.pb.h"

namespace sales::orders {

// First day of the period containing `day` (weeks start on Monday, ISO).
absl::CivilDay PeriodStart(common::v1::PeriodKind kind, absl::CivilDay day);
// First day of the next period.
absl::CivilDay NextPeriodStart(common::v1::PeriodKind kind, absl::CivilDay start);
// (cur − prev) / |prev| in basis points, half away from zero; 0 when prev is 0.
int32_t ChangeBp(int64_t prev, int64_t cur);

// One fact a report counts: a confirmed order line (booked), an outbound
// shipment line or a return receipt line. Amounts and quantities positive.
struct SalesFact {
  enum class Kind { kBooked, kShipped, kReturned };
  Kind kind = Kind::kShipped;
  absl::CivilDay day;
  int64_t order_id = 0;
  int64_t group = 0;          // the report's key: rep, unit, product line or customer
  std::string customer_name;  // distributor report
  int64_t rep_id = 0;         // distributor report: the credited rep
  int64_t amount = 0;
  int64_t cost = 0;
  int64_t quantity = 0;
};

enum class GroupField { kRep, kOrgUnit, kProductLine, kCustomer };

// Rows per (period, group) for periods starting in [first, last_start],
// ordered by period then net sales descending (ties by group), and one total
// row per period. Facts before `first` only feed change_vs_previous_bp.
struct SalesReport {
  std::vector<v1::SalesReportRow> rows;
  std::vector<v1::SalesReportRow> totals;
};
SalesReport BuildSalesReport(const std::vector<SalesFact>& facts, common::v1::PeriodKind kind, absl::CivilDay first,
                             absl::CivilDay last_start, v1::SalesBasis basis, GroupField field,
                             const std::string& currency);

}  // namespace sales::orders
