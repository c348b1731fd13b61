#include "targets-svc/domain/metric.h"

#include "absl/strings/str_cat.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::targets {

bool IsMoneyMetric(v1::Metric metric) {
  return metric == v1::METRIC_SALES_AMOUNT || metric == v1::METRIC_COLLECTED_AMOUNT ||
         metric == v1::METRIC_GROSS_PROFIT;
}

v1::MetricValue ToMetricValue(v1::Metric metric, absl::string_view currency, int64_t value) {
  v1::MetricValue v;
  if (IsMoneyMetric(metric)) {
    *v.mutable_amount() = MakeMoney(value, currency);
  } else {
    v.set_count(value);
  }
  return v;
}

absl::StatusOr<int64_t> FromMetricValue(v1::Metric metric, absl::string_view currency, const v1::MetricValue& value,
                                        absl::string_view field) {
  if (IsMoneyMetric(metric)) {
    if (!value.has_amount()) return InvalidField(absl::StrCat(field, ".amount"), "required for a money metric");
    SALES_RETURN_IF_ERROR(ValidateMoney(value.amount(), absl::StrCat(field, ".amount"), Sign::kNonNegative));
    if (value.amount().currency_code() != currency) {
      return InvalidField(absl::StrCat(field, ".amount.currency_code"),
                          absl::StrCat("must be the plan's currency ", currency));
    }
    return value.amount().minor_units();
  }
  if (value.has_amount()) return InvalidField(absl::StrCat(field, ".count"), "a count metric takes count, not amount");
  if (value.count() < 0 || value.count() >= 1'000'000'000'000'000) {
    return InvalidField(absl::StrCat(field, ".count"), "must be 0..10^15");
  }
  return value.count();
}

}  // namespace sales::targets
