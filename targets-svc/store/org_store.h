// SQL for the org tree.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "platform/principal.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/org.pb.h"

namespace sales::targets {

class OrgStore {
 public:
  // Inserts a validated unit; ALREADY_EXISTS on a taken code or second root.
  // A new unit has no manager yet (manager_rep_id is not stored here: the
  // manager is checked against the unit's line, see UpdateOrgUnit).
  static absl::StatusOr<v1::OrgUnit> Insert(db::Transaction& tx, const v1::OrgUnit& unit, absl::Time now);
  // NOT_FOUND when absent. `for_update` locks the row.
  static absl::StatusOr<v1::OrgUnit> Get(db::Transaction& tx, int64_t id, bool for_update = false);
  // Units with id > after_id, ordered by id; parent_id 0 = all.
  static absl::StatusOr<std::vector<v1::OrgUnit>> List(db::Transaction& tx, int64_t parent_id, int64_t after_id,
                                                       int limit);
  // Every unit, in id order (the org tree is read whole: a few hundred).
  static absl::StatusOr<std::vector<v1::OrgUnit>> All(db::Transaction& tx);
  // Stores the unit's code, name, market quality and manager (0 = none);
  // ALREADY_EXISTS (CODE_TAKEN) when the code belongs to another unit.
  static absl::Status Update(db::Transaction& tx, const v1::OrgUnit& unit, absl::Time now);
  // The units `rep_id` manages.
  static absl::StatusOr<std::vector<int64_t>> ManagedBy(db::Transaction& tx, int64_t rep_id);
  // Where every unit with a placement history hung on `date`: its parent
  // then (0 for the company), or nullopt when it was not placed yet. Units
  // without any history (created before history was kept) are absent.
  static absl::StatusOr<std::map<int64_t, std::optional<int64_t>>> ParentsOn(db::Transaction& tx,
                                                                             const common::v1::Date& date);
  // The unit's placements with id > after_id, oldest first; `ids` gets
  // each one's id (for the page token).
  static absl::StatusOr<std::vector<v1::OrgUnitPlacement>> Placements(db::Transaction& tx, int64_t id, int64_t after_id,
                                                                      int limit, std::vector<int64_t>* ids);
  // Every org unit id, in id order.
  static absl::StatusOr<std::vector<int64_t>> AllIds(db::Transaction& tx);
  // Parents upward, nearest first (the company last).
  static absl::StatusOr<std::vector<int64_t>> Ancestors(db::Transaction& tx, int64_t id);
  static absl::Status SetParent(db::Transaction& tx, int64_t id, int64_t parent, absl::Time now);
  static absl::Status Close(db::Transaction& tx, int64_t id, const common::v1::Date& date, absl::Time now);
  // Active child units and reps who have not left.
  static absl::StatusOr<std::pair<int64_t, int64_t>> ActiveChildrenAndReps(db::Transaction& tx, int64_t id);
  // Ends the current placement and opens one under `parent` from `from`.
  static absl::Status RecordPlacement(db::Transaction& tx, int64_t id, int64_t parent, const common::v1::Date& from,
                                      const std::string& reason, const std::string& actor, absl::Time now);
};

// The audit trail of the organization's master data (table org_audit): one
// entry per changed field of an org unit, rep or product line, and one per
// retirement. ListAuditEntries reads it (AuditTrailStore::OfOrg).
class OrgAuditStore {
 public:
  // `subject_type` is the AuditSubjectType short name (ORG_UNIT, REP,
  // PRODUCT_LINE).
  static absl::Status Append(db::Transaction& tx, absl::string_view subject_type, int64_t subject_id,
                             const Principal& actor, absl::string_view action, absl::string_view from,
                             absl::string_view to, absl::string_view reason, absl::string_view request_id,
                             absl::Time now);
};

}  // namespace sales::targets
