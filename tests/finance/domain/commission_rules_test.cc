// Commission arithmetic (提成 [003]) on worked examples. Every expected
// figure is computed by hand in the comment beside it; lines round half up
// once each, so the comments show the unrounded value and the rounding.
//
// The plan of the examples: tiers 0 % → 2 %, 80 % → 3 %, 100 % → 4 %,
// 120 % → 5 % of credited collections; 90 % paid with the month, 10 % held;
// full credit within 3 months after due, 50 % within 6, nothing after;
// base pay 3,000.00 in full at 100 % attainment, in proportion below but not
// under 50 %.
#include "finance-svc/domain/commission_rules.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/time/civil_time.h"

namespace sales::finance {
namespace {

using Day = absl::CivilDay;

CommissionRules Plan() {
  CommissionRules r;
  r.tiers = {{0, 200}, {8000, 300}, {10000, 400}, {12000, 500}};
  r.payable_now_bp = 9000;
  r.holdback_bp = 1000;
  r.full_credit_months = 3;
  r.late_credit_months = 6;
  r.late_credit_bp = 5000;
  r.deduct_uncollected = true;
  r.attainment_floor_bp = 10000;
  r.base_floor_bp = 5000;
  r.base_pay_minor = 300'000;
  r.manager_rate_bp = 50;
  r.manager_threshold_bp = 10000;
  r.manager_excess_rate_bp = 100;
  return r;
}

TEST(CommissionRounding, HalfUpOncePerLine) {
  EXPECT_EQ(ApplyBp(5, 5000), 3);    // 2.5 → 3
  EXPECT_EQ(ApplyBp(-5, 5000), -3);  // mirror of the positive line
  EXPECT_EQ(ApplyBp(4, 5000), 2);
  EXPECT_EQ(ApplyBp(1'234'567, 9000), 1'111'110);  // 1,111,110.3 → 1,111,110
  EXPECT_EQ(ApplyTwoBp(12'345, 10000, 400), 494);  // 493.8 → 494
  EXPECT_EQ(ApplyTwoBp(12'337, 5000, 400), 247);   // 246.74 → 247
  EXPECT_EQ(ApplyTwoBp(25, 5000, 200), 0);         // 0.25 → 0
  // Large amounts do not overflow: 10^14 fen × 100 % × 50 %.
  EXPECT_EQ(ApplyTwoBp(100'000'000'000'000, 10000, 5000), 50'000'000'000'000);
}

TEST(CommissionTiers, RateAtEachEdge) {
  const auto tiers = Plan().tiers;
  struct Row {
    int32_t attainment;
    int32_t rate;
  };
  for (const Row& r : std::vector<Row>{{0, 200},
                                       {7999, 200},
                                       {8000, 300},
                                       {9999, 300},
                                       {10000, 400},
                                       {11999, 400},
                                       {12000, 500},
                                       {30000, 500},
                                       {-100, 0}}) {
    EXPECT_EQ(TierRate(tiers, r.attainment), r.rate) << r.attainment;
  }
}

TEST(CommissionLateness, CalendarMonthsAfterDue) {
  EXPECT_EQ(AddMonths(Day(2025, 1, 31), 1), Day(2025, 2, 28));
  EXPECT_EQ(AddMonths(Day(2024, 1, 31), 1), Day(2024, 2, 29));
  EXPECT_EQ(AddMonths(Day(2024, 11, 30), 3), Day(2025, 2, 28));
  EXPECT_EQ(AddMonths(Day(2024, 8, 31), 6), Day(2025, 2, 28));
  const CommissionRules p = Plan();
  struct Row {
    Day due, collected;
    int32_t credit;
  };
  for (const Row& r : std::vector<Row>{
           {Day(2025, 1, 15), Day(2025, 1, 10), 10000},   // early
           {Day(2024, 12, 10), Day(2025, 3, 10), 10000},  // exactly 3 months: still full
           {Day(2024, 12, 10), Day(2025, 3, 11), 5000},   // one day more: half
           {Day(2024, 9, 10), Day(2025, 3, 10), 5000},    // exactly 6 months: still half
           {Day(2024, 9, 10), Day(2025, 3, 11), 0},       // after 6 months: nothing
       }) {
    EXPECT_EQ(CollectionCreditBp(p, r.due, r.collected), r.credit)
        << absl::FormatCivilTime(r.due) << " " << absl::FormatCivilTime(r.collected);
  }
}

TEST(CommissionBasePay, ProportionalUnderTheFloorNotBelowHalf) {
  const CommissionRules p = Plan();
  EXPECT_EQ(BasePayShareBp(p, 10500), 10000);
  EXPECT_EQ(BasePayShareBp(p, 10000), 10000);
  EXPECT_EQ(BasePayShareBp(p, 7000), 7000);  // 70 % of target → 70 % of base
  EXPECT_EQ(BasePayShareBp(p, 5000), 5000);
  EXPECT_EQ(BasePayShareBp(p, 3000), 5000);  // floored at 50 %
  EXPECT_EQ(BasePayShareBp(p, 0), 5000);
}

// March 2025, a rep at 105 % of target (tier 4 %):
//  a) 12,345.67 collected 03-10 on an invoice due 01-15 (on time):
//     1,234,567 × 100 % × 4 % = 49,382.68 → 49,383
//  b) 5,000.01 collected 03-10, due 2024-11-30 (3 months end 02-28, 6 months
//     05-30): late, 50 %: 500,001 × 50 % × 4 % = 10,000.02 → 10,000
//  c) 3,000.00 collected 03-10, due 2024-08-31 (6 months end 02-28): counts 0
//  d) a return credits 1,000.00 that had counted in full:
//     -(100,000 × 100 % × 4 %) = -4,000
// commission 49,383 + 10,000 + 0 = 59,383; reversals -4,000; total 55,383;
// payable now 55,383 × 90 % = 49,844.7 → 49,845; held back 5,538.
// collected 1,234,567 + 500,001 + 300,000 = 2,034,568; credited base
// 1,234,567 + 250,000.5 → 250,001 + 0 = 1,484,568. Base pay in full: 300,000.
TEST(CommissionStatement, WorkedMonthWithLateCollectionsAndAReturn) {
  StatementInput in;
  in.attainment_bp = 10500;
  in.collections = {
      {.application_id = 1,
       .invoice_id = 10,
       .customer_id = 7,
       .product_line_id = 3,
       .due_on = Day(2025, 1, 15),
       .collected_on = Day(2025, 3, 10),
       .amount_minor = 1'234'567},
      {.application_id = 2,
       .invoice_id = 11,
       .customer_id = 7,
       .product_line_id = 3,
       .due_on = Day(2024, 11, 30),
       .collected_on = Day(2025, 3, 10),
       .amount_minor = 500'001},
      {.application_id = 3,
       .invoice_id = 12,
       .customer_id = 8,
       .product_line_id = 4,
       .due_on = Day(2024, 8, 31),
       .collected_on = Day(2025, 3, 10),
       .amount_minor = 300'000},
  };
  in.credits = {{.credit_memo_id = 5,
                 .invoice_id = 10,
                 .customer_id = 7,
                 .product_line_id = 3,
                 .is_return = true,
                 .amount_minor = 100'000,
                 .credit_bp = 10000}};
  StatementFigures f = ComputeStatement(Plan(), in, "CNY").value();
  EXPECT_EQ(f.tier_rate_bp, 400);
  ASSERT_GE(f.lines.size(), 4u);
  EXPECT_EQ(f.lines[0].kind(), v1::COMMISSION_LINE_KIND_COLLECTION);
  EXPECT_EQ(f.lines[0].amount().minor_units(), 49'383);
  EXPECT_EQ(f.lines[1].kind(), v1::COMMISSION_LINE_KIND_LATE_COLLECTION);
  EXPECT_EQ(f.lines[1].credit_bp(), 5000);
  EXPECT_EQ(f.lines[1].amount().minor_units(), 10'000);
  EXPECT_EQ(f.lines[2].kind(), v1::COMMISSION_LINE_KIND_VERY_LATE_COLLECTION);
  EXPECT_EQ(f.lines[2].amount().minor_units(), 0);
  EXPECT_EQ(f.lines[3].kind(), v1::COMMISSION_LINE_KIND_RETURN_REVERSAL);
  EXPECT_EQ(f.lines[3].amount().minor_units(), -4'000);
  EXPECT_EQ(f.collected, 2'034'568);
  EXPECT_EQ(f.credited_base, 1'484'568);
  EXPECT_EQ(f.commission, 59'383);
  EXPECT_EQ(f.reversals, -4'000);
  EXPECT_EQ(f.total_commission, 55'383);
  EXPECT_EQ(f.payable_now, 49'845);
  EXPECT_EQ(f.held_back, 5'538);
  EXPECT_EQ(f.payable_now + f.held_back, f.total_commission);
  EXPECT_EQ(f.base_pay, 300'000);
  // The statement is the sum of its lines (holdback and base pay are shown
  // but are not part of the commission total).
  int64_t sum = 0;
  for (const auto& l : f.lines) {
    if (l.kind() != v1::COMMISSION_LINE_KIND_HOLDBACK && l.kind() != v1::COMMISSION_LINE_KIND_BASE_PAY) {
      sum += l.amount().minor_units();
    }
  }
  EXPECT_EQ(sum, f.total_commission);
}

// A rep at 70 % (tier 2 %, base pay 70 %: 300,000 × 70 % = 210,000) with an
// invoice of 300.00 uncollected more than 6 months after due, over three
// months:
//  month 1: collects 5,000.00 on time → 500,000 × 2 % = 10,000; the
//           deduction can take only what the month earns: -10,000; total 0.
//  month 2: collects 25,000.00 → 50,000; deducts the remaining 20,000;
//           total 30,000, payable 27,000, held 3,000.
//  month 3: the 300.00 is collected: the 30,000 held is returned; no other
//           commission → total 30,000.
TEST(CommissionStatement, UncollectedAmountIsDeductedUntilCollectedThenReturned) {
  CommissionRules p = Plan();
  StatementInput m1;
  m1.attainment_bp = 7000;
  m1.collections = {
      {.application_id = 1, .due_on = Day(2025, 3, 31), .collected_on = Day(2025, 4, 2), .amount_minor = 500'000}};
  m1.deductions = {
      {.deduction_id = 0, .invoice_id = 99, .customer_id = 9, .outstanding_minor = 30'000, .held_minor = 0}};
  StatementFigures f1 = ComputeStatement(p, m1, "CNY").value();
  EXPECT_EQ(f1.commission, 10'000);
  EXPECT_EQ(f1.deductions, -10'000);
  EXPECT_EQ(f1.total_commission, 0);
  EXPECT_EQ(f1.payable_now, 0);
  EXPECT_EQ(f1.base_pay, 210'000);
  ASSERT_EQ(f1.deduction_changes.size(), 1u);
  EXPECT_EQ(f1.deduction_changes[0].deducted_minor, 10'000);

  StatementInput m2 = m1;
  m2.collections[0].amount_minor = 2'500'000;
  m2.deductions[0].deduction_id = 1;
  m2.deductions[0].held_minor = 10'000;
  StatementFigures f2 = ComputeStatement(p, m2, "CNY").value();
  EXPECT_EQ(f2.commission, 50'000);
  EXPECT_EQ(f2.deductions, -20'000);
  EXPECT_EQ(f2.total_commission, 30'000);
  EXPECT_EQ(f2.payable_now, 27'000);
  EXPECT_EQ(f2.held_back, 3'000);

  StatementInput m3;
  m3.attainment_bp = 3000;  // base pay floored at 50 %: 150,000
  m3.deductions = {
      {.deduction_id = 1, .invoice_id = 99, .customer_id = 9, .outstanding_minor = 0, .held_minor = 30'000}};
  StatementFigures f3 = ComputeStatement(p, m3, "CNY").value();
  EXPECT_EQ(f3.deductions, 30'000);
  EXPECT_EQ(f3.total_commission, 30'000);
  EXPECT_EQ(f3.payable_now, 27'000);
  EXPECT_EQ(f3.base_pay, 150'000);
  ASSERT_EQ(f3.deduction_changes.size(), 1u);
  EXPECT_EQ(f3.deduction_changes[0].returned_minor, 30'000);
}

// A reversed application takes back exactly what it earned: 12,345.67 late
// (50 %) at 3 % → 1,234,567 × 50 % × 3 % = 18,518.505 → 18,519, reversed
// -18,519. A month with only the reversal is negative and held back nothing.
// Ten thousand collections at the largest amount an amount may hold add up
// past int64: the month is refused (OUT_OF_RANGE), never a wrapped total.
TEST(CommissionStatement, TotalsPastInt64AreRefusedNotWrapped) {
  StatementInput in;
  in.attainment_bp = 10500;
  for (int i = 0; i < 10'000; ++i) {
    in.collections.push_back({.application_id = i + 1,
                              .invoice_id = 10,
                              .customer_id = 7,
                              .product_line_id = 3,
                              .due_on = Day(2025, 3, 1),
                              .collected_on = Day(2025, 3, 10),
                              .amount_minor = 1'000'000'000'000'000});
  }
  auto f = ComputeStatement(Plan(), in, "CNY");
  EXPECT_EQ(f.status().code(), absl::StatusCode::kOutOfRange);
  in.collections.resize(9'000);  // 9.0e18 fits
  EXPECT_TRUE(ComputeStatement(Plan(), in, "CNY").ok());
}

TEST(CommissionStatement, ReversalMirrorsTheCollection) {
  StatementInput in;
  in.attainment_bp = 9000;
  in.collections = {{.application_id = 4,
                     .due_on = Day(2025, 1, 1),
                     .collected_on = Day(2025, 4, 15),
                     .amount_minor = 1'234'567,
                     .reversed = true}};
  StatementFigures f = ComputeStatement(Plan(), in, "CNY").value();
  EXPECT_EQ(f.reversals, -18'519);
  EXPECT_EQ(f.total_commission, -18'519);
  EXPECT_EQ(f.payable_now, -18'519);
  EXPECT_EQ(f.held_back, 0);
}

// A manager whose unit reached 102 % of a 98,000.00 target with 100,000.00
// credited: 10,000,000 × 0.5 % = 50,000 on the unit; excess 200,000 × 1 % =
// 2,000. At 99.99 % nothing.
TEST(CommissionStatement, ManagerOnTheUnitTotalWhenTheUnitHitsTarget) {
  StatementInput in;
  in.attainment_bp = 10000;
  in.manager = ManagerFact{.unit_credited_minor = 10'000'000,
                           .unit_attainment_bp = 10200,
                           .unit_target_minor = 9'800'000,
                           .unit_actual_minor = 10'000'000};
  StatementFigures f = ComputeStatement(Plan(), in, "CNY").value();
  EXPECT_EQ(f.manager_commission, 52'000);
  EXPECT_EQ(f.total_commission, 52'000);
  EXPECT_EQ(f.payable_now, 46'800);  // 52,000 × 90 %
  in.manager->unit_attainment_bp = 9999;
  EXPECT_EQ(ComputeStatement(Plan(), in, "CNY")->manager_commission, 0);
}

TEST(CommissionPlanValidation, TiersSplitsAndFloors) {
  v1::CommissionPlan plan;
  plan.set_name("2025 reps");
  plan.set_reason("annual plan");
  plan.set_attainment_metric(v1::ATTAINMENT_METRIC_COLLECTED_AMOUNT);
  auto* t0 = plan.add_tiers();
  t0->set_min_attainment_bp(0);
  t0->set_rate_bp(200);
  auto* t1 = plan.add_tiers();
  t1->set_min_attainment_bp(10000);
  t1->set_rate_bp(400);
  plan.set_payable_now_bp(9000);
  plan.set_holdback_bp(1000);
  plan.set_full_credit_months(3);
  plan.set_late_credit_months(6);
  plan.set_late_credit_bp(5000);
  plan.set_attainment_floor_bp(10000);
  plan.set_base_floor_bp(5000);
  plan.mutable_base_pay()->set_currency_code("CNY");
  plan.mutable_base_pay()->set_minor_units(300'000);
  EXPECT_TRUE(ValidateCommissionPlan(plan).ok());
  v1::CommissionPlan bad = plan;
  bad.mutable_tiers(1)->set_min_attainment_bp(0);  // not increasing
  EXPECT_FALSE(ValidateCommissionPlan(bad).ok());
  bad = plan;
  bad.set_holdback_bp(1500);  // 9000 + 1500 != 10000
  EXPECT_FALSE(ValidateCommissionPlan(bad).ok());
  bad = plan;
  bad.set_base_floor_bp(10001);
  EXPECT_FALSE(ValidateCommissionPlan(bad).ok());
  bad = plan;
  bad.mutable_tiers(0)->set_min_attainment_bp(100);  // first tier must start at 0
  EXPECT_FALSE(ValidateCommissionPlan(bad).ok());
}

}  // namespace
}  // namespace sales::finance
