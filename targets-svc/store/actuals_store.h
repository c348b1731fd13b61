// SQL for actuals: imported monthly history, live entries from events, and
// the sums progress reads.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/targets/v1/actuals.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/domain/actuals.h"

namespace sales::targets {

class ActualsStore {
 public:
  struct ImportCounts {
    int32_t inserted = 0, duplicates = 0, replaced = 0;
  };
  // Rows must be validated. A row_key seen before with the same figures is a
  // duplicate; with other figures it replaces them when `replace` (the cell
  // moves by the difference) and is ALREADY_EXISTS otherwise.
  static absl::StatusOr<ImportCounts> Import(db::Transaction& tx, const std::vector<v1::HistoricalActualRow>& rows,
                                             bool replace);
  // Applies one delta unless its source_ref was applied before (returns false).
  static absl::StatusOr<bool> Apply(db::Transaction& tx, const ActualDelta& d, absl::Time now);

  // The actual of a node for [from, to] (inclusive days). Whole months come
  // from the monthly cells, a partly covered month from the dated entries.
  static absl::StatusOr<int64_t> Sum(db::Transaction& tx, v1::Metric metric, v1::SalesRecognition recognition,
                                     const v1::TargetNode& node, const std::vector<int64_t>& units, absl::CivilDay from,
                                     absl::CivilDay to);
};

}  // namespace sales::targets
