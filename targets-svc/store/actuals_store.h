// SQL for actuals: imported monthly history, live entries from events, and
// the sums progress reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/actuals.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/settings.pb.h"
#include "targets-svc/domain/actuals.h"
#include "targets-svc/domain/progress.h"

namespace sales::targets {

// The filters of ListActualCells, resolved: the scope, a line (0 = any)
// and the months [first, last] as year × 100 + month.
struct ActualCellFilter {
  RecordScope scope;
  int64_t product_line_id = 0;
  int32_t first_month = 0;
  int32_t last_month = 0;
};

// Where a page of cells ends, in the order the list has (year, month, unit,
// rep, line).
struct ActualCellKey {
  int32_t fiscal_year = 0;
  int32_t fiscal_month = 0;
  int64_t org_unit_id = 0;
  int64_t rep_id = 0;
  int64_t product_line_id = 0;
};

// The filters of ListActualEntries, resolved; 0, UNSPECIFIED, an unset
// date and "" mean any.
struct ActualEntryFilter {
  RecordScope scope;
  int64_t product_line_id = 0;
  int64_t customer_id = 0;
  int64_t order_id = 0;
  v1::ActualEntryKind kind = v1::ACTUAL_ENTRY_KIND_UNSPECIFIED;
  common::v1::DateRange dates;
  // An entry's source ref, or an event id matching every line of the event
  // ("<event id>/<line>").
  std::string source_ref;
};

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

  // Up to `limit` cells after `after` (none: from the first), in list order.
  // sales_amount is the recognised one (booked under ON_BOOKING); amounts
  // are in `currency`.
  static absl::StatusOr<std::vector<v1::ActualCell>> ListCells(db::Transaction& tx, const ActualCellFilter& filter,
                                                               const ActualCellKey* after,
                                                               v1::SalesRecognition recognition,
                                                               const std::string& currency, int limit);
  // Up to `limit` entries with id > after_id, by id; amounts in `currency`.
  static absl::StatusOr<std::vector<v1::ActualEntry>> ListEntries(db::Transaction& tx, const ActualEntryFilter& filter,
                                                                  int64_t after_id, const std::string& currency,
                                                                  int limit);
};

}  // namespace sales::targets
