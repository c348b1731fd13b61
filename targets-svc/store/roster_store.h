// SQL for reps and product lines.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/org_messages.pb.h"
#include "sales/targets/v1/product_line.pb.h"
#include "sales/targets/v1/rep.pb.h"

namespace sales::targets {

class RepStore {
 public:
  static absl::StatusOr<v1::Rep> Insert(db::Transaction& tx, const v1::Rep& rep, absl::Time now);
  static absl::StatusOr<v1::Rep> Get(db::Transaction& tx, int64_t id);
  // Row-locks the rep (its changes take turns); NOT_FOUND is left to Get.
  static absl::Status Lock(db::Transaction& tx, int64_t id);
  // Every rep id (an import checks its rows without a query per row).
  static absl::StatusOr<std::set<int64_t>> AllIds(db::Transaction& tx);
  // Filters of ListRepsRequest; units are the resolved unit ids (empty = all).
  static absl::StatusOr<std::vector<v1::Rep>> List(db::Transaction& tx, const std::vector<int64_t>& units,
                                                   const v1::ListRepsRequest& filter, int64_t after_id, int limit);
  // Stores the rep's name, phone, e-mail, employee code, hire date and
  // status_since; ALREADY_EXISTS (REP_EXISTS) when the employee code
  // belongs to another rep.
  static absl::Status Update(db::Transaction& tx, const v1::Rep& rep, absl::Time now);
  // The ids of the reps who have not left, by unit, in id order: today's
  // (`date` unset) or as the rep history has them on `date`.
  static absl::StatusOr<std::map<int64_t, std::vector<int64_t>>> MembersByUnit(
      db::Transaction& tx, const std::optional<common::v1::Date>& date);
};

class RepHistoryStore {
 public:
  // Ends the open history row and opens one for the rep's new unit/status.
  static absl::Status Record(db::Transaction& tx, int64_t rep_id, int64_t unit, v1::RepStatus status,
                             const common::v1::Date& from, const std::string& reason, const std::string& actor,
                             absl::Time now);
  static absl::StatusOr<std::vector<v1::RepHistoryEntry>> List(db::Transaction& tx, int64_t rep_id, int64_t after_id,
                                                               int limit, std::vector<int64_t>* ids);
  static absl::Status SetRep(db::Transaction& tx, int64_t rep_id, int64_t unit, v1::RepStatus status,
                             const common::v1::Date& since, absl::Time now);
  // The rep's intervals as (history id, valid_from), in the order they
  // were recorded: the first opened at hiring.
  static absl::StatusOr<std::vector<std::pair<int64_t, common::v1::Date>>> Openings(db::Transaction& tx,
                                                                                    int64_t rep_id);
  // Moves the start of one interval (a corrected hire date).
  static absl::Status SetValidFrom(db::Transaction& tx, int64_t history_id, const common::v1::Date& from);
};

class ProductLineStore {
 public:
  static absl::StatusOr<std::set<int64_t>> AllIds(db::Transaction& tx);
  static absl::StatusOr<v1::ProductLine> Insert(db::Transaction& tx, const v1::ProductLine& line, absl::Time now);
  static absl::StatusOr<v1::ProductLine> Get(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<v1::ProductLine>> List(db::Transaction& tx, v1::PortfolioRole role,
                                                           bool include_retired, int64_t after_id, int limit);
  // Row-locks the line (its changes take turns); NOT_FOUND is left to Get.
  static absl::Status Lock(db::Transaction& tx, int64_t id);
  // Stores the line's code, name, role, commissionable flag and
  // description; ALREADY_EXISTS (CODE_TAKEN) when the code is taken.
  static absl::Status Update(db::Transaction& tx, const v1::ProductLine& line, absl::Time now);
  static absl::Status Retire(db::Transaction& tx, int64_t id, absl::Time now);
  // How many plans still in negotiation (current version DRAFT or ISSUED)
  // have a cell on the line.
  static absl::StatusOr<int64_t> UnsignedPlansWith(db::Transaction& tx, int64_t line_id);
};

// The unit and every unit below it.
absl::StatusOr<std::vector<int64_t>> SubtreeOf(db::Transaction& tx, int64_t unit_id);

}  // namespace sales::targets
