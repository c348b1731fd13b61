// Metric values: money metrics (sales, collected, gross profit) carry Money
// in the plan's currency; counts (quantity, new customers) a plain number.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sales/targets/v1/metric.pb.h"

namespace sales::targets {

bool IsMoneyMetric(v1::Metric metric);
v1::MetricValue ToMetricValue(v1::Metric metric, absl::string_view currency, int64_t value);
// The integer behind a value; INVALID_ARGUMENT (on `field`) when the kind,
// currency or sign does not fit the metric.
absl::StatusOr<int64_t> FromMetricValue(v1::Metric metric, absl::string_view currency, const v1::MetricValue& value,
                                        absl::string_view field);

}  // namespace sales::targets
