// Reads of the org copy (reps_replica, org_units_replica; platform/org) that
// OrgReplica does not answer: whether the copy holds anything yet, unit
// kinds, rep names and the reps of a set of units. Read-only here: the copy
// is written by OrgReplica::Apply from targets' feed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/mysql.h"

namespace sales::customers {

class OrgCopyStore {
 public:
  // Whether the copy holds any rep (none before targets' feed arrives).
  static absl::StatusOr<bool> AnyRep(db::Transaction& tx);
  // Whether the copy holds any org unit.
  static absl::StatusOr<bool> AnyUnit(db::Transaction& tx);
  // The unit's kind (sales.targets.v1.OrgUnitKind); nullopt for an unknown unit.
  static absl::StatusOr<std::optional<int64_t>> UnitKind(db::Transaction& tx, int64_t unit_id);
  // The units of this kind, by id.
  static absl::StatusOr<std::vector<int64_t>> UnitsOfKind(db::Transaction& tx, int64_t kind);
  // The rep's name; nullopt for an unknown rep.
  static absl::StatusOr<std::optional<std::string>> RepName(db::Transaction& tx, int64_t rep_id);
  // The reps sitting in any of `units` (none for no units), in no particular order.
  static absl::StatusOr<std::vector<int64_t>> RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units);
};

}  // namespace sales::customers
