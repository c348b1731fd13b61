// SQL for customer complaints and their history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/customers/v1/complaint.pb.h"

namespace sales::customers {

struct ComplaintRecord {
  v1::Complaint complaint;
  int64_t version = 0;
};

class ComplaintStore {
 public:
  static absl::StatusOr<ComplaintRecord> Insert(db::Transaction& tx, const v1::Complaint& c,
                                                const common::v1::Actor& who, absl::Time now);
  static absl::StatusOr<ComplaintRecord> Get(db::Transaction& tx, int64_t id, bool for_update);
  // Writes the mutable fields (status, handler, resolution, answer,
  // escalation, close time), bumping the version.
  static absl::Status Save(db::Transaction& tx, const v1::Complaint& c, absl::Time now);
  static absl::Status AppendHistory(db::Transaction& tx, int64_t complaint_id, const std::string& action,
                                    v1::ComplaintStatus from, v1::ComplaintStatus to, const common::v1::Actor& who,
                                    const std::string& reason, const std::string& request_id, absl::Time now);
  struct Filter {
    bool all = true;
    std::vector<int64_t> units;  // scope: complaints of customers owned in these units
    int64_t scope_rep_id = 0;    // scope: owner or handler
    int64_t customer_id = 0;
    std::vector<int64_t> statuses;
    bool open_only = false;
    std::vector<int64_t> severities;
    int64_t handler_rep_id = 0;
    std::vector<int64_t> org_units;  // org_unit_id filter (subtree)
    std::optional<absl::CivilDay> from, to;
    bool escalated_only = false;
    int64_t before_id = 0;
    int limit = 100;
  };
  static absl::StatusOr<std::vector<v1::Complaint>> List(db::Transaction& tx, const Filter& f);
  // Complaints not yet closed per customer (Customer.open_complaint_count),
  // for the core side's presentation of customers; customers without any
  // are absent from the map.
  static absl::StatusOr<std::map<int64_t, int32_t>> OpenCountFor(db::Transaction& tx,
                                                                 const std::vector<int64_t>& customer_ids);
};

}  // namespace sales::customers
