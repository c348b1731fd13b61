// SQL of the daily progress sweep: the nodes a plan targets in a span, the
// last status seen per node and month, the monthly attainment as published,
// and the dates already swept (migration V005).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/targets/v1/progress.pb.h"

namespace sales::targets {

// One node of a plan: a rep (org_unit_id 0) or a unit total (rep_id 0).
struct SweepNode {
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
};

struct LastStatus {
  v1::ProgressStatus status = v1::PROGRESS_STATUS_UNSPECIFIED;
  absl::CivilDay as_of;
};

struct PublishedAttainment {
  int32_t plan_version = 0;
  int64_t target = 0, actual = 0, ytd_target = 0, ytd_actual = 0;
  int32_t revision = 0;
};

class ProgressSweepStore {
 public:
  // Reps and units with a cell of the plan version whose period overlaps
  // [from, to], plus the plan's own unit; reps first, each ordered by id.
  static absl::StatusOr<std::vector<SweepNode>> Nodes(db::Transaction& tx, int64_t plan_id, int32_t plan_version,
                                                      int64_t plan_unit, absl::CivilDay from, absl::CivilDay to);

  // Locks and reads the last status of a node for a month (nullopt: never
  // evaluated).
  static absl::StatusOr<std::optional<LastStatus>> GetStatus(db::Transaction& tx, int64_t plan_id,
                                                             const SweepNode& node, absl::CivilDay month_start);
  static absl::Status SaveStatus(db::Transaction& tx, int64_t plan_id, int32_t plan_version, v1::Metric metric,
                                 const SweepNode& node, absl::CivilDay month_start, v1::ProgressStatus status,
                                 absl::CivilDay as_of, absl::Time now);

  // Locks and reads the attainment last published for a node and month.
  static absl::StatusOr<std::optional<PublishedAttainment>> GetAttainment(db::Transaction& tx, int64_t plan_id,
                                                                          const SweepNode& node,
                                                                          absl::CivilDay month_start);
  static absl::Status SaveAttainment(db::Transaction& tx, int64_t plan_id, v1::Metric metric, const SweepNode& node,
                                     absl::CivilDay month_start, const PublishedAttainment& a, absl::Time now);

  // The unit a rep belonged to on `day` (rep_history), or their current unit
  // when the history does not reach back that far.
  static absl::StatusOr<int64_t> RepUnitOn(db::Transaction& tx, int64_t rep_id, absl::CivilDay day);

  // Records a sweep of `as_of`; returns whether the date had been swept
  // before. Two sweeps of one date at once: the second waits on the
  // first's row and counts as a repeat.
  static absl::StatusOr<bool> MarkSwept(db::Transaction& tx, absl::CivilDay as_of, const std::string& request_id,
                                        absl::Time now);
};

}  // namespace sales::targets
