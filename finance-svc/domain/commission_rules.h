// Commission (提成 [003 销售方案]) arithmetic as pure functions: the tier rate
// from attainment, the credit of late collections, reversals, the
// uncollected-amount deduction and its return, the proportional base pay,
// manager commission and the 90/10 split. No I/O; the store gathers the
// month's facts and these functions turn them into statement lines.
//
// Money is int64 fen. Every line is rounded once, half up (half away from
// zero: a reversal is the exact negative of the line it mirrors), and the
// statement's figures are sums of its lines, so a statement always adds up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "sales/finance/v1/commission.pb.h"

namespace sales::finance {

struct TierRule {
  int32_t min_attainment_bp = 0;
  int32_t rate_bp = 0;
};

// The plan's numbers (CommissionPlan without identity and lifecycle).
struct CommissionRules {
  std::vector<TierRule> tiers;  // strictly increasing minima, first 0
  int32_t payable_now_bp = 9000;
  int32_t holdback_bp = 1000;
  int32_t full_credit_months = 3;
  int32_t late_credit_months = 6;
  int32_t late_credit_bp = 5000;
  bool deduct_uncollected = true;
  int32_t attainment_floor_bp = 10000;
  int32_t base_floor_bp = 5000;
  int64_t base_pay_minor = 0;
  int32_t manager_rate_bp = 0;
  int32_t manager_threshold_bp = 10000;
  int32_t manager_excess_rate_bp = 0;
};

CommissionRules RulesOf(const v1::CommissionPlan& plan);
// INVALID_ARGUMENT with every violated field of a plan's numbers.
absl::Status ValidateCommissionPlan(const v1::CommissionPlan& plan);

// amount × bp / 10000, rounded half up (half away from zero).
int64_t ApplyBp(int64_t amount, int64_t bp);
// amount × bp1 × bp2 / 10^8 with a single rounding, half away from zero.
int64_t ApplyTwoBp(int64_t amount, int64_t bp1, int64_t bp2);
// `day` plus `months` calendar months, clamped to the month's last day
// (Jan 31 + 1 month = Feb 28/29).
absl::CivilDay AddMonths(absl::CivilDay day, int months);
// The rate of the highest tier whose minimum the attainment reaches.
int32_t TierRate(const std::vector<TierRule>& tiers, int32_t attainment_bp);
// The share of a collection that counts: 10000 when collected within
// full_credit_months after due, late_credit_bp up to late_credit_months,
// 0 after that.
int32_t CollectionCreditBp(const CommissionRules& rules, absl::CivilDay due_on, absl::CivilDay collected_on);
// Share of base pay: 10000 at or above the attainment floor, otherwise in
// proportion to attainment but never below base_floor_bp.
int32_t BasePayShareBp(const CommissionRules& rules, int32_t attainment_bp);

// One commissionable collection (or its reversal) of the month.
struct CollectionFact {
  int64_t application_id = 0;
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t product_line_id = 0;
  absl::CivilDay due_on;
  absl::CivilDay collected_on;
  int64_t amount_minor = 0;  // commissionable part, > 0
  bool reversed = false;     // a reversal posted this month of an earlier application
};

// A credit memo line that takes back commission already earned: the
// commissionable amount credited that had been collected.
struct CreditFact {
  int64_t credit_memo_id = 0;
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t product_line_id = 0;
  bool is_return = false;
  int64_t amount_minor = 0;   // > 0
  int32_t credit_bp = 10000;  // the share the collection had counted
};

// An invoice more than late_credit_months past due and still (partly)
// unpaid, with what has been deducted for it so far.
struct DeductionFact {
  int64_t deduction_id = 0;  // 0: not deducted before
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t outstanding_minor = 0;  // commissionable part still unpaid now (0 once collected)
  int64_t held_minor = 0;         // deducted minus returned so far
};

struct ManagerFact {
  int64_t unit_credited_minor = 0;  // unit's credited collections this month
  int32_t unit_attainment_bp = 0;
  int64_t unit_target_minor = 0;
  int64_t unit_actual_minor = 0;
};

struct StatementInput {
  int32_t attainment_bp = 0;
  std::vector<CollectionFact> collections;
  std::vector<CreditFact> credits;
  std::vector<DeductionFact> deductions;
  std::optional<ManagerFact> manager;
  int64_t holdback_release_minor = 0;  // year-end release carried by this month
};

struct DeductionChange {
  int64_t deduction_id = 0;
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t outstanding_minor = 0;
  int64_t deducted_minor = 0;  // this month
  int64_t returned_minor = 0;  // this month
};

struct StatementFigures {
  int32_t tier_rate_bp = 0;
  int64_t collected = 0;
  int64_t credited_base = 0;
  int64_t commission = 0;
  int64_t reversals = 0;
  int64_t deductions = 0;
  int64_t manager_commission = 0;
  int64_t base_pay = 0;
  int64_t total_commission = 0;
  int64_t payable_now = 0;
  int64_t held_back = 0;
  int64_t holdback_released = 0;
  std::vector<v1::CommissionLine> lines;  // amounts in fen; currency set by the caller
  std::vector<DeductionChange> deduction_changes;
};

// The month's statement of one rep from its facts.
// OUT_OF_RANGE when a running total would not fit an amount.
absl::StatusOr<StatementFigures> ComputeStatement(const CommissionRules& rules, const StatementInput& in,
                                                  const std::string& currency);

}  // namespace sales::finance
