// Read-only SQL over the core side's customers, ownership records and
// follow-ups (same database) for visit plans: who owns which customer since
// when, and the in-person visits made.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {

struct PlanCustomer {
  int64_t id = 0;
  std::string name;
  v1::CustomerType type = v1::CUSTOMER_TYPE_UNSPECIFIED;
  int64_t owner_rep_id = 0;
  std::string city;
  absl::CivilDay since_day;                  // the day it became the owner's
  std::optional<absl::CivilDay> last_visit;  // latest VISIT follow-up on or before as_of
};

class VisitStore {
 public:
  // Customers that are not blacklisted (prospects, accounts, dormant)
  // owned by these reps as of now, with since_day and last visit <= as_of.
  static absl::StatusOr<std::vector<PlanCustomer>> PlanCustomers(db::Transaction& tx, const std::vector<int64_t>& reps,
                                                                 absl::CivilDay as_of);
  // Dates of VISIT follow-ups within [from, to] per customer, made by the
  // customer's current owner, for the customers of these reps.
  static absl::StatusOr<std::map<int64_t, std::vector<absl::CivilDay>>> VisitsBetween(db::Transaction& tx,
                                                                                      const std::vector<int64_t>& reps,
                                                                                      absl::CivilDay from,
                                                                                      absl::CivilDay to);
  // Reps of these org units from the org copy (all reps when `units` is
  // empty and `all`), with their unit.
  static absl::StatusOr<std::map<int64_t, int64_t>> RepsOfUnits(db::Transaction& tx, bool all,
                                                                const std::vector<int64_t>& units);
};

}  // namespace sales::customers
