// A service's read-only copy of the sales organization (units and reps), fed
// by targets-svc's event feed: customers, orders and finance need to know
// which reps exist, where they sit, who is above whom and who has left,
// without reading another service's tables.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/migrate.h"
#include "platform/mysql.h"
#include "platform/service_app.h"
#include "sales/common/v1/event.pb.h"

namespace sales {

struct RepInfo {
  int64_t id = 0;
  int64_t org_unit_id = 0;
  int32_t status = 0;  // sales.targets.v1.RepStatus
  bool left() const;
};

class OrgReplica {
 public:
  // Applies an org or rep event from the targets feed; other events are
  // ignored. Idempotent: the latest state wins.
  static absl::Status Apply(db::Transaction& tx, const common::v1::Event& event, absl::Time now);
  static absl::StatusOr<std::optional<RepInfo>> Rep(db::Transaction& tx, int64_t rep_id);
  // The unit and every unit below it, from the copy.
  static absl::StatusOr<std::vector<int64_t>> Subtree(db::Transaction& tx, int64_t unit_id);
  // The unit and every unit above it, nearest first (a requester's chain of
  // command for approvals).
  static absl::StatusOr<std::vector<int64_t>> Chain(db::Transaction& tx, int64_t unit_id);
  // Whether `unit_id` is `ancestor_id` or lies below it.
  static absl::StatusOr<bool> IsWithin(db::Transaction& tx, int64_t unit_id, int64_t ancestor_id);
};

// The replica's tables, as a migration set of its own ("org_replica").
MigrationSet OrgReplicaMigrations();

// Keeps the copy in `rt`'s database from targets' feed (when
// "targets_address" is configured), through a consumer "<self><-targets".
absl::Status KeepOrgReplica(ServiceRuntime& rt);

}  // namespace sales
