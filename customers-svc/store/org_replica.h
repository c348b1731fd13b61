// customers-svc's copy of the sales organization, fed by targets-svc events.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/event.pb.h"

namespace sales::customers {

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
};

}  // namespace sales::customers
