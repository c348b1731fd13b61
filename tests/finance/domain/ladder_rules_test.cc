// The collections ladder's day arithmetic (超期帐款管理制度 [000]), driven by an
// injected clock: each row sets "today", runs the sweep rules on the facts
// recorded so far and checks the steps taken, the stage and the next action.
// The invoice falls due on 2025-03-10, so day 1 overdue is 03-11, the
// confirmation deadline (day 7) is 03-17, the first-notice deadline (day 14)
// 03-24; a first notice on 03-24 makes the second notice due 04-03, and
// legal preparation starts 04-04.
#include "finance-svc/domain/ladder_rules.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "finance-svc/domain/collections_periods.h"
#include "platform/clock.h"
#include "platform/convert.h"

namespace sales::finance {
namespace {

using Day = absl::CivilDay;
using K = LadderActionKind;

const Day kDue(2025, 3, 10);

// Noon in the company time zone of a business day, as the scheduler's clock
// would read it.
absl::Time NoonOf(Day d) { return StartOfBusinessDay(d) + absl::Hours(12); }

std::vector<K> Kinds(const std::vector<LadderAction>& actions) {
  std::vector<K> out;
  for (const auto& a : actions) out.push_back(a.kind);
  return out;
}

TEST(LadderDays, DayCountingFromTheDueDate) {
  EXPECT_EQ(DaysPastDue(kDue, kDue), 0);
  EXPECT_EQ(DaysPastDue(kDue, Day(2025, 3, 11)), 1);
  EXPECT_EQ(FirstOverdueDay(kDue), Day(2025, 3, 11));
  EXPECT_EQ(ConfirmationDeadline(kDue), Day(2025, 3, 17));
  EXPECT_EQ(FirstNoticeDeadline(kDue), Day(2025, 3, 24));
  EXPECT_EQ(SecondNoticeDay(Day(2025, 3, 24)), Day(2025, 4, 3));
  // Month and year ends carry over like any other day.
  EXPECT_EQ(FirstNoticeDeadline(Day(2025, 12, 25)), Day(2026, 1, 8));
  EXPECT_EQ(SecondNoticeDay(Day(2024, 2, 25)), Day(2024, 3, 6));  // leap February
}

// A case nobody touches by hand: the daily sweep alone walks it up the
// ladder. Each row is one day the clock is moved to.
TEST(LadderSweep, DailySweepWalksAnUntouchedCase) {
  struct Row {
    Day today;
    std::vector<K> steps;
    v1::CollectionStage stage;
    std::string next;
    std::optional<Day> next_due;
  };
  const std::vector<Row> rows = {
      {Day(2025, 3, 10), {}, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "CONFIRMATION", Day(2025, 3, 17)},
      {Day(2025, 3, 11), {}, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "CONFIRMATION", Day(2025, 3, 17)},
      {Day(2025, 3, 17), {}, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "CONFIRMATION", Day(2025, 3, 17)},
      // Day 8: the 确认函 deadline has passed; flagged once.
      {Day(2025, 3, 18),
       {K::kConfirmationMissed},
       v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
       "FIRST_NOTICE",
       Day(2025, 3, 24)},
      {Day(2025, 3, 23), {}, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "FIRST_NOTICE", Day(2025, 3, 24)},
      // Day 14: the first notice goes out, on time.
      {Day(2025, 3, 24), {K::kFirstNotice}, v1::COLLECTION_STAGE_FIRST_NOTICE, "SECOND_NOTICE", Day(2025, 4, 3)},
      {Day(2025, 4, 2), {}, v1::COLLECTION_STAGE_FIRST_NOTICE, "SECOND_NOTICE", Day(2025, 4, 3)},
      // Tenth day after the first notice: second notice and supply stop.
      {Day(2025, 4, 3), {K::kSecondNotice}, v1::COLLECTION_STAGE_SUPPLY_STOPPED, "LEGAL_PREPARATION", Day(2025, 4, 4)},
      {Day(2025, 4, 4), {K::kStartLegal}, v1::COLLECTION_STAGE_LEGAL_PREPARATION, "LEGAL_FILE", std::nullopt},
      {Day(2025, 6, 30), {}, v1::COLLECTION_STAGE_LEGAL_PREPARATION, "LEGAL_FILE", std::nullopt},
  };
  FakeClock clock(NoonOf(kDue));
  LadderFacts facts{.due_on = kDue};
  for (const auto& row : rows) {
    clock.Set(NoonOf(row.today));
    Day as_of = BusinessDay(clock.Now());
    ASSERT_EQ(as_of, row.today);
    auto actions = DueLadderActions(facts, as_of);
    EXPECT_EQ(Kinds(actions), row.steps) << absl::FormatCivilTime(row.today);
    for (const auto& a : actions) {
      EXPECT_EQ(a.effective_on, as_of);
      ApplyLadderAction(facts, a);
    }
    // Safe to run twice: the same day again takes no step.
    EXPECT_TRUE(DueLadderActions(facts, as_of).empty()) << absl::FormatCivilTime(row.today);
    EXPECT_EQ(StageOf(facts), row.stage) << absl::FormatCivilTime(row.today);
    NextAction next = NextActionOf(facts);
    EXPECT_EQ(next.action, row.next) << absl::FormatCivilTime(row.today);
    EXPECT_EQ(next.due_on, row.next_due) << absl::FormatCivilTime(row.today);
  }
}

// Steps recorded by hand on time leave the sweep nothing to do but legal
// preparation; their dates, not the sweep's, drive the next deadline.
TEST(LadderSweep, StepsRecordedByHandOnTime) {
  LadderFacts facts{.due_on = kDue};
  facts.confirmed_on = Day(2025, 3, 15);  // day 5
  EXPECT_EQ(StageOf(facts), v1::COLLECTION_STAGE_CONFIRMED);
  EXPECT_TRUE(DueLadderActions(facts, Day(2025, 3, 19)).empty());  // confirmed: no flag
  facts.first_notice_on = Day(2025, 3, 20);                        // day 10, early
  EXPECT_EQ(NextActionOf(facts).due_on, Day(2025, 3, 30));
  EXPECT_TRUE(DueLadderActions(facts, Day(2025, 3, 29)).empty());
  EXPECT_EQ(Kinds(DueLadderActions(facts, Day(2025, 3, 30))), std::vector<K>{K::kSecondNotice});
  facts.second_notice_on = Day(2025, 3, 30);
  EXPECT_TRUE(DueLadderActions(facts, Day(2025, 3, 30)).empty());
  EXPECT_EQ(Kinds(DueLadderActions(facts, Day(2025, 3, 31))), std::vector<K>{K::kStartLegal});
}

// A sweep that first runs long after the due date (the scheduler was down)
// climbs every rung due in one go and flags each deadline it could not keep.
TEST(LadderSweep, CatchUpClimbsSeveralRungsAndFlagsLateness) {
  LadderFacts facts{.due_on = kDue};
  auto actions = DueLadderActions(facts, Day(2025, 3, 26));  // day 16
  EXPECT_EQ(Kinds(actions), (std::vector<K>{K::kConfirmationMissed, K::kFirstNotice, K::kFirstNoticeMissed}));
  EXPECT_EQ(actions[1].deadline_on, Day(2025, 3, 24));
  EXPECT_EQ(actions[1].effective_on, Day(2025, 3, 26));
  for (const auto& a : actions) ApplyLadderAction(facts, a);
  // The second notice counts from the day the first actually went out.
  EXPECT_EQ(NextActionOf(facts).due_on, Day(2025, 4, 5));

  LadderFacts fresh{.due_on = kDue};
  auto all = DueLadderActions(fresh, Day(2025, 5, 1));
  // Everything on one day: the second notice is due ten days after a first
  // notice sent today, so it is not yet due.
  EXPECT_EQ(Kinds(all), (std::vector<K>{K::kConfirmationMissed, K::kFirstNotice, K::kFirstNoticeMissed}));
}

TEST(LadderSweep, NothingBeforeOverdueOrAfterClosing) {
  LadderFacts facts{.due_on = kDue};
  EXPECT_TRUE(DueLadderActions(facts, Day(2025, 3, 1)).empty());
  EXPECT_TRUE(DueLadderActions(facts, kDue).empty());
  facts.closed_on = Day(2025, 3, 12);
  EXPECT_TRUE(DueLadderActions(facts, Day(2025, 9, 1)).empty());
  EXPECT_EQ(StageOf(facts), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(NextActionOf(facts).action, "");
}

TEST(LadderSweep, LateSecondNoticeIsFlagged) {
  LadderFacts facts{.due_on = kDue, .confirmed_on = Day(2025, 3, 12), .first_notice_on = Day(2025, 3, 24)};
  auto actions = DueLadderActions(facts, Day(2025, 4, 5));
  EXPECT_EQ(Kinds(actions), (std::vector<K>{K::kSecondNotice, K::kSecondNoticeMissed}));
  EXPECT_EQ(actions[0].deadline_on, Day(2025, 4, 3));
}

TEST(LadderDocuments, DatesOfRecordedLetters) {
  const Day today(2025, 4, 1);
  EXPECT_NE(CheckLadderDocumentDate(kDue, kDue, today), "");              // not yet overdue that day
  EXPECT_NE(CheckLadderDocumentDate(kDue, Day(2025, 3, 1), today), "");   // before due
  EXPECT_EQ(CheckLadderDocumentDate(kDue, Day(2025, 3, 11), today), "");  // first overdue day
  EXPECT_EQ(CheckLadderDocumentDate(kDue, today, today), "");
  EXPECT_NE(CheckLadderDocumentDate(kDue, Day(2025, 4, 2), today), "");  // future
}

}  // namespace
}  // namespace sales::finance

// Report periods and lateness bands of the collections report (domain.md §8).
namespace sales::finance {
namespace {

TEST(CollectionsPeriods, WeeksStartOnMondayMonthsQuartersYearsOnTheFirst) {
  using common::v1::PERIOD_KIND_MONTH;
  using common::v1::PERIOD_KIND_QUARTER;
  using common::v1::PERIOD_KIND_WEEK;
  using common::v1::PERIOD_KIND_YEAR;
  EXPECT_EQ(PeriodStart(PERIOD_KIND_WEEK, Day(2025, 3, 10)), Day(2025, 3, 10));  // a Monday
  EXPECT_EQ(PeriodStart(PERIOD_KIND_WEEK, Day(2025, 3, 16)), Day(2025, 3, 10));  // its Sunday
  EXPECT_EQ(PeriodStart(PERIOD_KIND_WEEK, Day(2025, 1, 1)), Day(2024, 12, 30));  // across the year
  EXPECT_EQ(PeriodStart(PERIOD_KIND_MONTH, Day(2024, 2, 29)), Day(2024, 2, 1));
  EXPECT_EQ(PeriodStart(PERIOD_KIND_QUARTER, Day(2025, 6, 30)), Day(2025, 4, 1));
  EXPECT_EQ(PeriodStart(PERIOD_KIND_YEAR, Day(2025, 6, 30)), Day(2025, 1, 1));
  EXPECT_EQ(PeriodStarts(PERIOD_KIND_WEEK, Day(2025, 3, 1), Day(2025, 3, 17)),
            (std::vector<Day>{Day(2025, 2, 24), Day(2025, 3, 3), Day(2025, 3, 10), Day(2025, 3, 17)}));
  EXPECT_EQ(PeriodStarts(PERIOD_KIND_MONTH, Day(2025, 11, 15), Day(2026, 1, 1)),
            (std::vector<Day>{Day(2025, 11, 1), Day(2025, 12, 1), Day(2026, 1, 1)}));
}

TEST(CollectionsPeriods, BandsAndCollectionRate) {
  EXPECT_EQ(BandOf(-3), CollectionBand::kOnTime);
  EXPECT_EQ(BandOf(0), CollectionBand::kOnTime);
  EXPECT_EQ(BandOf(1), CollectionBand::kLate);
  EXPECT_EQ(BandOf(90), CollectionBand::kLate);
  EXPECT_EQ(BandOf(91), CollectionBand::kVeryLate);
  EXPECT_EQ(CollectionRateBp(0, 0), 0);
  EXPECT_EQ(CollectionRateBp(50, 100), 5000);
  EXPECT_EQ(CollectionRateBp(1, 3), 3333);   // 3333.33 → 3333
  EXPECT_EQ(CollectionRateBp(2, 3), 6667);   // 6666.67 → 6667
  EXPECT_EQ(CollectionRateBp(1, 20000), 1);  // 0.5 → 1 (half up)
}

}  // namespace
}  // namespace sales::finance
