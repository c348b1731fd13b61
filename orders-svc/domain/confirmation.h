// The credit check at confirmation and the shipping deadline (domain.md §5
// Sales orders; 一个工作日内组织发货 [001 第7条]). Pure: the handler gathers the
// numbers from customers-svc, finance-svc and this service first.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/pricing.pb.h"

namespace sales::orders {

struct CreditInputs {
  std::string currency = "CNY";
  // customers-svc credit profile.
  bool customer_hold = false;
  std::string customer_hold_reason;
  int64_t credit_limit = 0;
  // finance-svc exposure: open receivable net of unapplied credit, plus what
  // shipped but is not invoiced yet (finance counts from shipment on).
  bool finance_hold = false;
  std::string finance_hold_reason;
  int64_t finance_exposure = 0;
  int64_t shipped_unbilled = 0;
  // This service: confirmed orders not yet shipped (excluding this one).
  int64_t confirmed_unshipped = 0;
  // This order's value.
  int64_t this_order = 0;
};

// Passed when neither service holds the customer and
// finance_exposure + shipped_unbilled + confirmed_unshipped + this_order <=
// credit_limit. An order of value <= 0 (a negative correction) adds no
// exposure, so only a hold can stop it.
v1::CreditCheck EvaluateCredit(const CreditInputs& in, absl::Time now);

// The last business day by which the first shipment is due: `working_days`
// working days after `confirm_day` under the policy's calendar (weekend
// days, holidays, extra working days). 0 means the same day.
absl::CivilDay ShipDueDate(absl::CivilDay confirm_day, const v1::OrderPolicy& policy);
bool IsWorkingDay(absl::CivilDay day, const v1::OrderPolicy& policy);

}  // namespace sales::orders
