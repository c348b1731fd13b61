// Report rules: period boundaries, the change column, and how booked,
// shipped and returned facts add up per period and group.
#include "orders-svc/domain/report_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "platform/convert.h"

namespace sales::orders {
namespace {

using common::v1::PERIOD_KIND_MONTH;
using common::v1::PERIOD_KIND_QUARTER;
using common::v1::PERIOD_KIND_WEEK;
using common::v1::PERIOD_KIND_YEAR;

TEST(ReportPeriods, StartsAndNexts) {
  struct Case {
    common::v1::PeriodKind kind;
    absl::CivilDay day, start, next;
  };
  const Case cases[] = {
      {PERIOD_KIND_WEEK, absl::CivilDay(2026, 11, 23), absl::CivilDay(2026, 11, 23), absl::CivilDay(2026, 11, 30)},
      {PERIOD_KIND_WEEK, absl::CivilDay(2026, 11, 29), absl::CivilDay(2026, 11, 23), absl::CivilDay(2026, 11, 30)},
      {PERIOD_KIND_WEEK, absl::CivilDay(2027, 1, 1), absl::CivilDay(2026, 12, 28), absl::CivilDay(2027, 1, 4)},
      {PERIOD_KIND_MONTH, absl::CivilDay(2026, 2, 28), absl::CivilDay(2026, 2, 1), absl::CivilDay(2026, 3, 1)},
      {PERIOD_KIND_MONTH, absl::CivilDay(2026, 12, 31), absl::CivilDay(2026, 12, 1), absl::CivilDay(2027, 1, 1)},
      {PERIOD_KIND_QUARTER, absl::CivilDay(2026, 6, 30), absl::CivilDay(2026, 4, 1), absl::CivilDay(2026, 7, 1)},
      {PERIOD_KIND_QUARTER, absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 10, 1), absl::CivilDay(2027, 1, 1)},
      {PERIOD_KIND_YEAR, absl::CivilDay(2026, 7, 4), absl::CivilDay(2026, 1, 1), absl::CivilDay(2027, 1, 1)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PeriodStart(c.kind, c.day), c.start) << c.day;
    EXPECT_EQ(NextPeriodStart(c.kind, c.start), c.next) << c.day;
  }
}

TEST(ReportPeriods, ChangeInBasisPoints) {
  struct Case {
    int64_t prev, cur;
    int32_t bp;
  };
  const Case cases[] = {{0, 500, 0},  {100, 150, 5000},   {100, 50, -5000}, {3, 4, 3333},
                        {3, 5, 6667}, {-100, 100, 20000}, {100, 100, 0},    {1, 1'000'000'000'000, 2147483647}};
  for (const auto& c : cases) EXPECT_EQ(ChangeBp(c.prev, c.cur), c.bp) << c.prev << "→" << c.cur;
}

SalesFact F(SalesFact::Kind k, absl::CivilDay d, int64_t order, int64_t group, int64_t amount, int64_t cost,
            int64_t qty) {
  SalesFact f;
  f.kind = k;
  f.day = d;
  f.order_id = order;
  f.group = group;
  f.amount = amount;
  f.cost = cost;
  f.quantity = qty;
  return f;
}

TEST(SalesReport, NetsReturnsPerPeriodAndGroupWithTotals) {
  using K = SalesFact::Kind;
  std::vector<SalesFact> facts = {
      // October (only feeds the change column).
      F(K::kShipped, absl::CivilDay(2026, 10, 5), 1, 11, 1000, 600, 10),
      // November: rep 11 books 2 orders, ships 1500, takes back 300.
      F(K::kBooked, absl::CivilDay(2026, 11, 2), 2, 11, 1200, 700, 12),
      F(K::kBooked, absl::CivilDay(2026, 11, 3), 3, 11, 300, 200, 3),
      F(K::kShipped, absl::CivilDay(2026, 11, 4), 2, 11, 1500, 900, 15),
      F(K::kReturned, absl::CivilDay(2026, 11, 20), 2, 11, 300, 180, 3),
      // rep 12 ships more in November.
      F(K::kShipped, absl::CivilDay(2026, 11, 9), 4, 12, 2000, 1000, 20),
  };
  auto r = BuildSalesReport(facts, PERIOD_KIND_MONTH, absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 12, 1),
                            v1::SALES_BASIS_SHIPPED, GroupField::kRep, "CNY");
  ASSERT_EQ(r.rows.size(), 2u) << "December has no rows";
  EXPECT_EQ(r.rows[0].rep_id(), 12) << "net sales descending";
  const auto& a = r.rows[1];
  EXPECT_EQ(a.rep_id(), 11);
  EXPECT_EQ(a.booked_amount().minor_units(), 1500);
  EXPECT_EQ(a.shipped_amount().minor_units(), 1500);
  EXPECT_EQ(a.returned_amount().minor_units(), 300);
  EXPECT_EQ(a.net_sales_amount().minor_units(), 1200);
  EXPECT_EQ(a.net_quantity(), 12);
  EXPECT_EQ(a.gross_profit().minor_units(), 1200 - (900 - 180));
  EXPECT_EQ(a.order_count(), 2);
  EXPECT_EQ(a.change_vs_previous_bp(), 2000) << "1000 → 1200";
  ASSERT_EQ(r.totals.size(), 2u) << "a total per period, empty ones included";
  EXPECT_EQ(r.totals[0].net_sales_amount().minor_units(), 3200);
  EXPECT_EQ(r.totals[1].net_sales_amount().minor_units(), 0);
  EXPECT_EQ(r.totals[1].change_vs_previous_bp(), -10000);
  EXPECT_EQ(ToCivilDay(r.totals[1].period().start()), absl::CivilDay(2026, 12, 1));

  auto booked = BuildSalesReport(facts, PERIOD_KIND_MONTH, absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 11, 1),
                                 v1::SALES_BASIS_BOOKED, GroupField::kRep, "CNY");
  ASSERT_EQ(booked.rows.size(), 2u);
  EXPECT_EQ(booked.rows[0].rep_id(), 11) << "on bookings rep 11 leads";
  EXPECT_EQ(booked.rows[0].net_sales_amount().minor_units(), 1500 - 300);
  EXPECT_EQ(booked.rows[0].gross_profit().minor_units(), 1200 - (900 - 180));
  EXPECT_EQ(booked.rows[0].net_quantity(), 15 - 3);
}

}  // namespace
}  // namespace sales::orders
