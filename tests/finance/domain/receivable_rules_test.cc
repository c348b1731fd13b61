// Pure receivables rules: VAT rounding per line, ageing bucket edges,
// oldest-due-first allocation, product-line splits, numbering, statement
// periods.
#include "finance-svc/domain/receivable_rules.h"

#include <gtest/gtest.h>

namespace sales::finance {
namespace {

TEST(TaxHalfUp, RoundsEachLineHalfUpInFen) {
  struct Case {
    int64_t net;
    int32_t bp;
    int64_t tax;
  } cases[] = {
      {12340, 1300, 1604},  // 1604.20 -> down
      {2997, 1300, 390},    // 389.61 -> up
      {50, 1300, 7},        // 6.5 exactly -> half up to 7
      {49, 1300, 6},        // 6.37
      {1, 1300, 0},         // 0.13
      {4, 1300, 1},         // 0.52
      {0, 1300, 0},
      {100, 0, 0},
      {100, 10000, 100},
      {-50, 1300, -7},                           // a correction mirrors its positive
      {999'999'999'999, 1300, 130'000'000'000},  // 129999999999.87 -> up, no overflow
      {11, 600, 1},                              // 0.66
      {25, 200, 1},                              // 0.5 -> half up
  };
  for (const auto& c : cases) {
    EXPECT_EQ(TaxHalfUp(c.net, c.bp), c.tax) << c.net << " @ " << c.bp;
  }
}

TEST(TaxHalfUp, PerLineRoundingCanDifferFromRoundingTheTotal) {
  // Two lines of 0.5 fen tax each round to 1 each: the invoice's tax is 2,
  // not round(1.0) = 1. Rounding per line is what the printed invoice shows.
  EXPECT_EQ(TaxHalfUp(25, 200) + TaxHalfUp(25, 200), 2);
  EXPECT_EQ(TaxHalfUp(50, 200), 1);
}

TEST(LineNet, RefusesOverflow) {
  EXPECT_EQ(*LineNet(12, 1234), 14808);
  EXPECT_FALSE(LineNet(1'000'000'000, 1'000'000'000).ok());
}

TEST(Ageing, BucketEdges) {
  struct Case {
    absl::CivilDay due, as_of;
    int days;
    Bucket bucket;
  } cases[] = {
      {absl::CivilDay(2026, 3, 25), absl::CivilDay(2026, 3, 25), 0, Bucket::kCurrent},   // due today
      {absl::CivilDay(2026, 3, 26), absl::CivilDay(2026, 3, 25), -1, Bucket::kCurrent},  // not yet due
      {absl::CivilDay(2026, 3, 24), absl::CivilDay(2026, 3, 25), 1, Bucket::kDays1To30},
      {absl::CivilDay(2026, 2, 23), absl::CivilDay(2026, 3, 25), 30, Bucket::kDays1To30},
      {absl::CivilDay(2026, 2, 22), absl::CivilDay(2026, 3, 25), 31, Bucket::kDays31To60},
      {absl::CivilDay(2026, 1, 24), absl::CivilDay(2026, 3, 25), 60, Bucket::kDays31To60},
      {absl::CivilDay(2026, 1, 23), absl::CivilDay(2026, 3, 25), 61, Bucket::kDays61To90},
      {absl::CivilDay(2025, 12, 25), absl::CivilDay(2026, 3, 25), 90, Bucket::kDays61To90},
      {absl::CivilDay(2025, 12, 24), absl::CivilDay(2026, 3, 25), 91, Bucket::kDays91To180},
      {absl::CivilDay(2025, 9, 26), absl::CivilDay(2026, 3, 25), 180, Bucket::kDays91To180},
      {absl::CivilDay(2025, 9, 25), absl::CivilDay(2026, 3, 25), 181, Bucket::kOver180},
      {absl::CivilDay(2020, 1, 1), absl::CivilDay(2026, 3, 25), 2275, Bucket::kOver180},
      // Across a leap day: 2024-02-29 exists.
      {absl::CivilDay(2024, 1, 30), absl::CivilDay(2024, 2, 29), 30, Bucket::kDays1To30},
  };
  for (const auto& c : cases) {
    int d = DaysPastDueOn(c.due, c.as_of);
    EXPECT_EQ(d, c.days) << c.due << " as of " << c.as_of;
    EXPECT_EQ(BucketOf(d), c.bucket) << d;
  }
}

TEST(Ageing, BucketsSumToTotal) {
  Ageing a;
  int64_t sum = 0;
  for (int d = -5; d < 400; d += 7) {
    a.Add(BucketOf(d), d + 1000);
    sum += d + 1000;
  }
  EXPECT_EQ(a.Total(), sum);
  EXPECT_EQ(a.Overdue(), sum - a.current);
}

TEST(AllocateOldestDueFirst, PaysOldestFirstTiesByNumber) {
  std::vector<OpenItemRef> items = {
      {1, absl::CivilDay(2026, 3, 1), "INV-2026-000003", 500},
      {2, absl::CivilDay(2026, 1, 1), "INV-2026-000001", 300},
      {3, absl::CivilDay(2026, 3, 1), "INV-2026-000002", 400},
      {4, absl::CivilDay(2026, 4, 1), "INV-2026-000004", 100},
  };
  auto out = AllocateOldestDueFirst(1000, items);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].key, 2);
  EXPECT_EQ(out[0].amount_minor, 300);
  EXPECT_EQ(out[1].key, 3);  // same due date: lower number first
  EXPECT_EQ(out[1].amount_minor, 400);
  EXPECT_EQ(out[2].key, 1);
  EXPECT_EQ(out[2].amount_minor, 300);  // partial: the remainder ran out
}

TEST(AllocateOldestDueFirst, Edges) {
  std::vector<OpenItemRef> items = {{1, absl::CivilDay(2026, 1, 1), "A", 100}, {2, absl::CivilDay(2026, 1, 2), "B", 0}};
  EXPECT_TRUE(AllocateOldestDueFirst(0, items).empty());
  auto exact = AllocateOldestDueFirst(100, items);
  ASSERT_EQ(exact.size(), 1u);  // zero-balance items are skipped
  EXPECT_EQ(exact[0].amount_minor, 100);
  auto more = AllocateOldestDueFirst(1000, items);  // more money than receivable: the rest stays on account
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].amount_minor, 100);
  EXPECT_TRUE(AllocateOldestDueFirst(50, {}).empty());
}

TEST(SplitByProductLine, ConservesAndMergesLines) {
  auto s = SplitByProductLine(1000, {{2, 333, 333}, {1, 333, 0}, {2, 334, 334}});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].product_line_id, 1);
  EXPECT_EQ((*s)[1].product_line_id, 2);
  EXPECT_EQ((*s)[0].amount_minor + (*s)[1].amount_minor, 1000);
  EXPECT_EQ((*s)[1].amount_minor, 667);
  EXPECT_EQ((*s)[0].commissionable_minor, 0);
  EXPECT_EQ((*s)[1].commissionable_minor, 667);
  // Ties go to the lower product line id.
  auto t = SplitByProductLine(1, {{5, 10, 0}, {4, 10, 0}});
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].product_line_id, 4);
}

TEST(DocumentNumber, GapFreeFormat) {
  EXPECT_EQ(DocumentNumber("INV", 2026, 1), "INV-2026-000001");
  EXPECT_EQ(DocumentNumber("CM", 2025, 123456), "CM-2025-123456");
}

TEST(ConvertHalfUp, ForeignPayments) {
  EXPECT_EQ(*ConvertHalfUp(10000, 71234), 71234);
  EXPECT_EQ(*ConvertHalfUp(1, 5000), 1);  // 0.5 -> 1
  EXPECT_EQ(*ConvertHalfUp(1, 4999), 0);
}

TEST(StatementPeriod, HalfYearsEndingJuneAndDecember) {
  auto p = DefaultStatementPeriod(absl::CivilDay(2026, 7, 15));
  EXPECT_EQ(p.start, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(p.end, absl::CivilDay(2026, 6, 30));
  p = DefaultStatementPeriod(absl::CivilDay(2026, 6, 30));
  EXPECT_EQ(p.end, absl::CivilDay(2026, 6, 30));
  p = DefaultStatementPeriod(absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(p.start, absl::CivilDay(2025, 7, 1));
  EXPECT_EQ(p.end, absl::CivilDay(2025, 12, 31));
  p = DefaultStatementPeriod(absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(p.start, absl::CivilDay(2026, 7, 1));
}

}  // namespace
}  // namespace sales::finance
