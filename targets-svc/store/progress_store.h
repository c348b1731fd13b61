// What progress reads beyond the plan: the leaf cells of a node's target,
// the expenses booked against it, the history of actuals behind a baseline,
// the expense ledger itself and the progress reviews (述职).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/metric.pb.h"
#include "sales/targets/v1/progress.pb.h"
#include "targets-svc/domain/progress.h"

namespace sales::targets {

// A leaf cell (no cell below it) of a plan version.
struct LeafCell {
  common::v1::Period period;
  int64_t target = 0;
  int64_t expense = 0;
  int64_t org_unit_id = 0;      // the cell's unit
  int64_t rep_org_unit_id = 0;  // the rep's unit now (0 for a unit cell)
};

class ProgressStore {
 public:
  // The leaf cells of the plan version inside the node's rep, product line,
  // portfolio role and customer (units are filtered by the caller).
  static absl::StatusOr<std::vector<LeafCell>> LeafCells(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                         const v1::TargetNode& node);
  // Posted expenses between the days, of the rep (0 = any) in the units
  // (empty = any).
  static absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, int64_t rep_id, const std::vector<int64_t>& units,
                                             absl::CivilDay from, absl::CivilDay to);
  // Posted expenses between the days charged to the node: its rep, product
  // line (or the lines of its portfolio role) and customer; units as above.
  // An expense supporting no line counts for no line's node.
  static absl::StatusOr<int64_t> ExpenseUsed(db::Transaction& tx, const v1::TargetNode& node,
                                             const std::vector<int64_t>& units, absl::CivilDay from, absl::CivilDay to);
  // The same per category, categories in proto order, those with none left
  // out.
  static absl::StatusOr<std::vector<std::pair<v1::ExpenseCategory, int64_t>>> ExpenseByCategory(
      db::Transaction& tx, const v1::TargetNode& node, const std::vector<int64_t>& units, absl::CivilDay from,
      absl::CivilDay to);
  // The named customers (outlet targets) of a plan version's leaf cells
  // inside the node's rep, line and role, by id.
  static absl::StatusOr<std::vector<int64_t>> TargetCustomers(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                              const v1::TargetNode& node);
  // The company: the unit at the root of the tree; 0 before there is one.
  static absl::StatusOr<int64_t> CompanyUnitId(db::Transaction& tx);
  // Actuals of the metric per fiscal year over fiscal months
  // [first_month, first_month + months) of the node (units: the node's
  // subtree, empty for a company-wide node).
  static absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> HistoryByYear(db::Transaction& tx, v1::Metric metric,
                                                                                const v1::TargetNode& node,
                                                                                const std::vector<int64_t>& units,
                                                                                int first_month, int months,
                                                                                const std::vector<int32_t>& years);
};

// " AND rep_id = ?" / " AND org_unit_id IN (...)" for a list's scope; the
// table's columns carry those names.
void AppendRecordScopeSql(const RecordScope& scope, std::string* sql, db::Params* params);

// The filters of ListExpenses, resolved.
struct ExpenseFilter {
  RecordScope scope;
  v1::ExpenseCategory category = v1::EXPENSE_CATEGORY_UNSPECIFIED;  // any
  common::v1::DateRange dates;                                      // an unset end is open
  bool include_reversed = false;
};

class ExpenseStore {
 public:
  // Posts an expense booked to `org_unit_id`; its id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::ExpenseEntry& e, int64_t org_unit_id,
                                        const std::string& recorded_by, absl::Time now);
  // NOT_FOUND when absent; `for_update` locks the row.
  static absl::StatusOr<v1::ExpenseEntry> Get(db::Transaction& tx, int64_t id, bool for_update = false);
  // Up to `limit` expenses after the one with id `after_id` (0: from the
  // first) in list order: expense date, then id.
  static absl::StatusOr<std::vector<v1::ExpenseEntry>> List(db::Transaction& tx, const ExpenseFilter& filter,
                                                            int64_t after_id, int limit);
  // POSTED → REVERSED with the reason, who and under which request; the row
  // stays (a reversal is a record, not a delete) and its version moves on.
  static absl::Status Reverse(db::Transaction& tx, int64_t id, const std::string& reason,
                              const std::string& reversed_by, const std::string& request_id, absl::Time now);
  // The expense's audit trail, oldest first: EXPENSE_RECORDED ("" →
  // POSTED) and, once reversed, EXPENSE_REVERSED (POSTED → REVERSED, with
  // the reason). For ListAuditEntries (AUDIT_SUBJECT_TYPE_EXPENSE).
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditTrail(db::Transaction& tx, int64_t id);
};

// The filters of ListProgressReviews, resolved.
struct ReviewFilter {
  RecordScope scope;
  common::v1::DateRange dates;  // on the review date; an unset end is open
};

class ReviewStore {
 public:
  // Records a review with its snapshot, reviewer (an encoded principal) and
  // actions; its id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::ProgressReview& review, v1::Metric metric,
                                        const std::string& reviewer, const std::string& request_id, absl::Time now);
  // Up to `limit` reviews after the one with id `after_id` (0: from the
  // newest) in list order: newest review date first, then newest id.
  static absl::StatusOr<std::vector<v1::ProgressReview>> List(db::Transaction& tx, const ReviewFilter& filter,
                                                              int64_t after_id, int limit);
};

}  // namespace sales::targets
