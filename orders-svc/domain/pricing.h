// Prices and discount approval (domain.md §5 Products and prices, Discounts
// need approval; 目录价格 [002 5.9], 不得私自降低销售价格 [001]). Pure rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "sales/orders/v1/pricing.pb.h"
#include "sales/orders/v1/quote.pb.h"

namespace sales::orders {

// A price list's period for one product, as the overlap check and the price
// lookup see it. `to` empty = open-ended; both ends inclusive.
struct PricePeriod {
  int64_t price_list_id = 0;
  std::string code;
  absl::CivilDay from;
  std::optional<absl::CivilDay> to;
  int64_t list_price_minor = 0;
};

bool PeriodsOverlap(const PricePeriod& a, const PricePeriod& b);
bool PeriodCovers(const PricePeriod& p, absl::CivilDay day);

// The period in force on `day` among non-overlapping active periods; nullopt
// when none covers it (NO_PRICE_IN_FORCE).
std::optional<PricePeriod> PriceInForce(const std::vector<PricePeriod>& periods, absl::CivilDay day);

// list × (10000 − discount_bp) / 10000 rounded half up to the minor unit.
// Computed in 128 bits; for a list price >= 0 and a discount within
// 0..10000 (what validation lets through) the result lies in 0..list.
int64_t NetUnitPrice(int64_t list_price_minor, int32_t discount_bp);

// A line's amount: unit price × quantity, refused (INVALID_ARGUMENT naming
// `field`, the line's quantity) when it would overflow or leave the 10^15
// bound every amount keeps (platform/money.h) — never a wrapped total.
absl::StatusOr<int64_t> LineAmount(int64_t unit_price_minor, int64_t quantity, const std::string& field);

// Discount limits per role, from the order policy.
struct DiscountLimits {
  int32_t rep_bp = 0;
  int32_t manager_bp = 0;
  int32_t director_bp = 0;
  int32_t clerk_bp = 0;  // a clerk enters orders for reps: defaults to the rep limit
  // The limit of the role a caller acts in ("SALES_REP", "SALES_MANAGER",
  // ...). Company-wide admin acts with the director's authority.
  int32_t ForRole(const std::string& role) const;
};

DiscountLimits LimitsOf(const v1::OrderPolicy& policy);

// What one line needs: within the requester's limit → NONE; beyond it but
// within the manager's → MANAGER; beyond the manager's → DIRECTOR; a net
// price below the floor → DIRECTOR whatever the discount.
struct LineApproval {
  v1::ApprovalLevel level = v1::APPROVAL_LEVEL_NONE;
  std::vector<v1::ApprovalTrigger> triggers;
};
LineApproval RouteLine(int32_t discount_bp, int64_t net_unit_price_minor, int64_t floor_price_minor,
                       const std::string& requester_role, const DiscountLimits& limits);

// The steps a whole document needs, one per level (manager before
// director): lines beyond limits, special fees (manager), and for quotes a
// total above the director threshold. A level the requester holds
// themselves is not asked of them again (a manager's own discount within
// the manager limit needs nobody).
struct DocLine {
  int64_t line_id = 0;
  LineApproval approval;
};
struct RoutedStep {
  v1::ApprovalLevel level = v1::APPROVAL_LEVEL_NONE;
  std::vector<v1::ApprovalTrigger> triggers;
  std::vector<int64_t> line_ids;
  std::vector<int64_t> fee_ids;
};
std::vector<RoutedStep> RouteDocument(const std::vector<DocLine>& lines, const std::vector<int64_t>& fee_ids,
                                      bool total_over_threshold, const std::string& requester_role);

// Policy checks: every limit 0..10000, the three sales roles present once,
// rep ≤ manager ≤ director, threshold ≥ 0.
absl::Status ValidatePolicy(const v1::OrderPolicy& policy);
v1::OrderPolicy DefaultPolicy();
// A policy as entered, its unset settings given the defaults: CNY, quotes
// valid 30 days, ship within 1 working day, Saturday and Sunday off, peers
// answer within 2 s.
v1::OrderPolicy WithPolicyDefaults(v1::OrderPolicy p);
// "rep 500bp, manager 1000bp, director 2000bp" for the audit trail.
std::string LimitsText(const DiscountLimits& limits);

// A stored quote's total, recomputed: each line's unit price × quantity
// and the fees, every step checked. INVALID_ARGUMENT naming the line, as at
// creation, so the preparer knows what to fix.
absl::StatusOr<int64_t> QuoteTotal(const v1::Quote& q);

}  // namespace sales::orders
