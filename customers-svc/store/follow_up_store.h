// SQL for follow-ups (客户跟踪表): immutable rows, evidence for ownership.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/follow_up.pb.h"

namespace sales::customers {

class FollowUpStore {
 public:
  static absl::StatusOr<v1::FollowUp> Insert(db::Transaction& tx, const v1::FollowUp& f, int64_t org_unit_id,
                                             absl::Time now);
  static absl::StatusOr<v1::FollowUp> Get(db::Transaction& tx, int64_t id);
  struct Filter {
    int64_t before_id = 0;  // keyset: newest first by (date, id) approximated by id within the filter
    int limit = 100;
    int64_t customer_id = 0;
    int64_t rep_id = 0;
    std::optional<absl::CivilDay> from, to;
    std::vector<int64_t> channels;
    std::vector<int64_t> units;  // org_unit_id filter
    bool all_visible = true;
    std::vector<int64_t> visible_units;
    int64_t visible_rep = 0;
  };
  static absl::StatusOr<std::vector<v1::FollowUp>> List(db::Transaction& tx, const Filter& f);
};

}  // namespace sales::customers
