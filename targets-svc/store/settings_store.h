// SQL for the targets settings row and market outlooks.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/targets/v1/settings.pb.h"

namespace sales::targets {

class SettingsStore {
 public:
  static absl::StatusOr<v1::TargetSettings> Get(db::Transaction& tx, bool for_update = false);
  static absl::Status Save(db::Transaction& tx, const v1::TargetSettings& s, absl::Time now);
  // Growth rates for a year and line (line 0 = all lines); falls back from
  // the line to all lines; nullopt-like zero rates when none is recorded.
  static absl::StatusOr<v1::MarketOutlook> Outlook(db::Transaction& tx, int32_t fiscal_year, int64_t product_line_id);
  static absl::StatusOr<v1::MarketOutlook> SaveOutlook(db::Transaction& tx, const v1::MarketOutlook& o, absl::Time now);
  // Outlooks by fiscal year, then product line, after the outlook
  // `after_id` in that order (0 = from the first); one year unless 0.
  // INVALID_ARGUMENT on page_token when `after_id` names no outlook.
  static absl::StatusOr<std::vector<v1::MarketOutlook>> ListOutlooks(db::Transaction& tx, int32_t fiscal_year,
                                                                     int64_t after_id, int limit);
};

}  // namespace sales::targets
