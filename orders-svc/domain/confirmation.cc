#include "orders-svc/domain/confirmation.h"

#include <cstdint>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"

namespace sales::orders {

v1::CreditCheck EvaluateCredit(const CreditInputs& in, absl::Time now) {
  v1::CreditCheck c;
  const std::string& cur = in.currency;
  c.set_customer_on_hold(in.customer_hold || in.finance_hold);
  std::string reason = in.customer_hold_reason;
  if (in.finance_hold) {
    reason = reason.empty() ? in.finance_hold_reason : absl::StrCat(reason, "; ", in.finance_hold_reason);
  }
  c.set_hold_reason(reason);
  // Summed in 128 bits: the parts come from three services and no sum of
  // them may wrap into a small exposure that passes. The comparison below is
  // exact; the amounts shown are clamped to int64 (they never reach it for
  // amounts within the 10^15 bound).
  absl::int128 receivables_wide = absl::int128(in.finance_exposure) + in.shipped_unbilled;
  absl::int128 exposure_wide = receivables_wide + in.confirmed_unshipped + in.this_order;
  auto clamp = [](absl::int128 v) {
    if (v > absl::int128(INT64_MAX)) return INT64_MAX;
    if (v < absl::int128(INT64_MIN)) return INT64_MIN;
    return static_cast<int64_t>(v);
  };
  int64_t receivables = clamp(receivables_wide);
  int64_t exposure = clamp(exposure_wide);
  *c.mutable_credit_limit() = MakeMoney(in.credit_limit, cur);
  *c.mutable_open_receivables() = MakeMoney(receivables, cur);
  *c.mutable_unbilled_confirmed_orders() = MakeMoney(in.confirmed_unshipped, cur);
  *c.mutable_this_order() = MakeMoney(in.this_order, cur);
  *c.mutable_exposure() = MakeMoney(exposure, cur);
  *c.mutable_headroom() = MakeMoney(clamp(absl::int128(in.credit_limit) - exposure_wide), cur);
  *c.mutable_check_time() = ToTimestamp(now);
  if (c.customer_on_hold()) c.add_failures(v1::CREDIT_CHECK_FAILURE_CUSTOMER_ON_HOLD);
  if (in.this_order > 0 && exposure_wide > in.credit_limit) c.add_failures(v1::CREDIT_CHECK_FAILURE_OVER_CREDIT_LIMIT);
  c.set_passed(c.failures().empty());
  return c;
}

bool IsWorkingDay(absl::CivilDay day, const v1::OrderPolicy& policy) {
  common::v1::Date d = FromCivilDay(day);
  auto same = [&](const common::v1::Date& x) {
    return x.year() == d.year() && x.month() == d.month() && x.day() == d.day();
  };
  for (const auto& x : policy.extra_working_days()) {
    if (same(x)) return true;
  }
  for (const auto& x : policy.holidays()) {
    if (same(x)) return false;
  }
  // absl::Weekday: monday = 0 … sunday = 6; ISO 1 … 7.
  int iso = static_cast<int>(absl::GetWeekday(day)) + 1;
  if (policy.weekend_days().empty()) return iso < 6;
  for (int w : policy.weekend_days()) {
    if (w == iso) return false;
  }
  return true;
}

absl::CivilDay ShipDueDate(absl::CivilDay confirm_day, const v1::OrderPolicy& policy) {
  int days = policy.ship_within_working_days() > 0 ? policy.ship_within_working_days() : 1;
  absl::CivilDay d = confirm_day;
  int guard = 0;
  while (days > 0 && guard++ < 3660) {
    d += 1;
    if (IsWorkingDay(d, policy)) --days;
  }
  return d;
}

}  // namespace sales::orders
