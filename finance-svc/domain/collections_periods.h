// Reporting periods of the collections reports (domain.md §8: weekly and
// monthly statistics) and the lateness bands of a collection. Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "sales/common/v1/date.pb.h"

namespace sales::finance {

// First day of the period of `kind` containing `day`: ISO weeks start on
// Monday; quarters and years follow the calendar (fiscal year = calendar
// year, domain.md §2).
absl::CivilDay PeriodStart(common::v1::PeriodKind kind, absl::CivilDay day);
// The period starts covering [from, to], in order.
std::vector<absl::CivilDay> PeriodStarts(common::v1::PeriodKind kind, absl::CivilDay from, absl::CivilDay to);

enum class CollectionBand { kOnTime, kLate, kVeryLate };
// On or before the due date; 1..90 days late; more than 90 days late.
CollectionBand BandOf(int days_past_due);

// collected / fell_due in basis points, rounded half up; 0 when nothing fell due.
int32_t CollectionRateBp(int64_t collected, int64_t fell_due);

}  // namespace sales::finance
