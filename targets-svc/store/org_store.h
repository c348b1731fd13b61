// SQL for the org tree.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/org.pb.h"

namespace sales::targets {

class OrgStore {
 public:
  // Inserts a validated unit; ALREADY_EXISTS on a taken code or second root.
  static absl::StatusOr<v1::OrgUnit> Insert(db::Transaction& tx, const v1::OrgUnit& unit, absl::Time now);
  // NOT_FOUND when absent. `for_update` locks the row.
  static absl::StatusOr<v1::OrgUnit> Get(db::Transaction& tx, int64_t id, bool for_update = false);
  // Units with id > after_id, ordered by id; parent_id 0 = all.
  static absl::StatusOr<std::vector<v1::OrgUnit>> List(db::Transaction& tx, int64_t parent_id, int64_t after_id,
                                                       int limit);
  // Parents upward, nearest first (the company last).
  // Every org unit id, in id order.
  static absl::StatusOr<std::vector<int64_t>> AllIds(db::Transaction& tx);
  static absl::StatusOr<std::vector<int64_t>> Ancestors(db::Transaction& tx, int64_t id);
  static absl::Status SetParent(db::Transaction& tx, int64_t id, int64_t parent, absl::Time now);
  static absl::Status Close(db::Transaction& tx, int64_t id, const common::v1::Date& date, absl::Time now);
  // Active child units and reps who have not left.
  static absl::StatusOr<std::pair<int64_t, int64_t>> ActiveChildrenAndReps(db::Transaction& tx, int64_t id);
  // Ends the current placement and opens one under `parent` from `from`.
  static absl::Status RecordPlacement(db::Transaction& tx, int64_t id, int64_t parent, const common::v1::Date& from,
                                      const std::string& reason, const std::string& actor, absl::Time now);
};

}  // namespace sales::targets
