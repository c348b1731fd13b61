#include "finance-svc/domain/collections_periods.h"

#include "absl/numeric/int128.h"

namespace sales::finance {

absl::CivilDay PeriodStart(common::v1::PeriodKind kind, absl::CivilDay day) {
  switch (kind) {
    case common::v1::PERIOD_KIND_WEEK: {
      int back = (static_cast<int>(absl::GetWeekday(day)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
      return day - back;
    }
    case common::v1::PERIOD_KIND_QUARTER:
      return absl::CivilDay(day.year(), ((day.month() - 1) / 3) * 3 + 1, 1);
    case common::v1::PERIOD_KIND_YEAR:
      return absl::CivilDay(day.year(), 1, 1);
    case common::v1::PERIOD_KIND_MONTH:
    default:
      return absl::CivilDay(day.year(), day.month(), 1);
  }
}

std::vector<absl::CivilDay> PeriodStarts(common::v1::PeriodKind kind, absl::CivilDay from, absl::CivilDay to) {
  std::vector<absl::CivilDay> out;
  for (absl::CivilDay d = PeriodStart(kind, from); d <= to;) {
    out.push_back(d);
    switch (kind) {
      case common::v1::PERIOD_KIND_WEEK:
        d += 7;
        break;
      case common::v1::PERIOD_KIND_QUARTER:
        d = absl::CivilDay(absl::CivilMonth(d) + 3);
        break;
      case common::v1::PERIOD_KIND_YEAR:
        d = absl::CivilDay(absl::CivilYear(d) + 1);
        break;
      default:
        d = absl::CivilDay(absl::CivilMonth(d) + 1);
        break;
    }
  }
  return out;
}

CollectionBand BandOf(int days_past_due) {
  if (days_past_due <= 0) return CollectionBand::kOnTime;
  if (days_past_due <= 90) return CollectionBand::kLate;
  return CollectionBand::kVeryLate;
}

int32_t CollectionRateBp(int64_t collected, int64_t fell_due) {
  if (fell_due <= 0) return 0;
  absl::int128 v = (absl::int128(collected) * 10000 * 2 + fell_due) / (absl::int128(fell_due) * 2);
  return static_cast<int32_t>(v);
}

}  // namespace sales::finance
