// SQL for plans, their versions and their cells (assignments).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/convert.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/plan.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "targets-svc/domain/decomposition.h"

namespace sales::targets {

// Pages of a plan's cells and of the report rows built from them
// (ListAssignments, GetSalesPlanReport): the contracts say "1..5000; 0
// means 500", more than the platform's kinds of page allow.
inline constexpr PageLimits kPageOfPlanCells{500, 5000};

// A plan version as stored, plus the head's concurrency data.
struct PlanRecord {
  v1::Plan plan;            // counts filled by PlanStore::Get and List
  int64_t row_version = 0;  // the head's etag number
  int32_t current_version = 0;
  int32_t next_cell_no = 1;
  int64_t total = 0;  // plan.total_target as an integer
  int64_t expense = 0;
  // Cells an assignee answers (plan.assignment_count counts every cell):
  // a plan is decomposed far enough to issue once it has one.
  int32_t negotiable_count = 0;
};

// An assignment as stored, with its tree numbers.
struct AssignmentRecord {
  v1::Assignment a;
  int32_t cell_no = 0;
  int32_t parent_cell_no = -1;
  int64_t target = 0;
  int64_t expense = 0;
  int64_t version = 0;
};

class PlanStore {
 public:
  // Creates the plan head, version 1 and its root cell (cell 0).
  static absl::StatusOr<int64_t> Create(db::Transaction& tx, const v1::Plan& plan, int64_t total, int64_t expense,
                                        const Principal& owner, absl::Time now);
  // version 0 = the current one. NOT_FOUND when absent.
  static absl::StatusOr<PlanRecord> Get(db::Transaction& tx, int64_t id, int32_t version, bool for_update);
  // Latest versions with id > after_id, ordered by id, counts filled.
  static absl::StatusOr<std::vector<PlanRecord>> List(db::Transaction& tx, const v1::ListPlansRequest& filter,
                                                      int64_t after_id, int limit);
  // The same without the counts, for finding a plan rather than showing it
  // (the covering plan of a progress figure): no cell is counted.
  static absl::StatusOr<std::vector<PlanRecord>> ListHeads(db::Transaction& tx, const v1::ListPlansRequest& filter,
                                                           int64_t after_id, int limit);
  static absl::StatusOr<std::vector<PlanRecord>> Versions(db::Transaction& tx, int64_t id);
  // Writes a version's mutable columns and bumps the head's etag.
  static absl::Status Save(db::Transaction& tx, const PlanRecord& rec, absl::Time now);
  // Copies version `from` (row and cells) to `to` and makes it current.
  static absl::Status CopyVersion(db::Transaction& tx, int64_t id, int32_t from, int32_t to, absl::Time now);
  // The live (not cancelled) plan already covering the plan's unit, fiscal
  // year and metric, if any.
  static absl::StatusOr<std::optional<int64_t>> LivePlanCovering(db::Transaction& tx, const v1::Plan& plan);
  // Whether the rep holds a cell of the plan (any version).
  static absl::StatusOr<bool> RepHasCell(db::Transaction& tx, int64_t rep_id, int64_t plan_id);
  // A trial of changes the caller will roll back (the conservation check of
  // an amendment): a savepoint, and back to it.
  static absl::Status BeginTrial(db::Transaction& tx);
  static absl::Status RollBackTrial(db::Transaction& tx);
  // Appends to the plan's audit trail; `assignment_id` names the cell the
  // entry is about (0 for the plan itself). Values longer than their
  // columns are cut at a character boundary.
  static absl::Status Audit(db::Transaction& tx, int64_t plan_id, int32_t version, int64_t assignment_id,
                            const Principal& actor, absl::string_view action, absl::string_view from,
                            absl::string_view to, absl::string_view reason, absl::string_view request_id,
                            absl::Time now);
  // The same for an entry about an amendment or a reduction request, which
  // then also belongs to that request's own trail.
  struct Request {
    int64_t assignment_id = 0;
    int64_t amendment_id = 0;
    int64_t reduction_id = 0;
  };
  static absl::Status AuditRequest(db::Transaction& tx, int64_t plan_id, int32_t version, const Request& about,
                                   const Principal& actor, absl::string_view action, absl::string_view from,
                                   absl::string_view to, absl::string_view reason, absl::string_view request_id,
                                   absl::Time now);
};

// Which cells a caller may see: all, or those of some units or reps.
struct CellScope {
  bool all = true;
  std::vector<int64_t> units;
  std::vector<int64_t> reps;
};

class AssignmentStore {
 public:
  // Multi-row inserts of cells[1..] (cells[0] is the cell decomposed from,
  // already stored as `from_cell_no`); numbers cells from `first_cell_no`.
  static absl::Status InsertCells(db::Transaction& tx, int64_t plan_id, int32_t version, const std::vector<Cell>& cells,
                                  int32_t from_cell_no, int32_t first_cell_no, v1::AssignmentState state,
                                  absl::Time now, int rows_per_statement = 400);
  static absl::StatusOr<AssignmentRecord> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::StatusOr<AssignmentRecord> GetByCell(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                    int32_t cell_no, bool for_update);
  static absl::StatusOr<std::vector<AssignmentRecord>> Children(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                                int32_t cell_no, bool for_update);
  static absl::StatusOr<std::vector<AssignmentRecord>> List(db::Transaction& tx,
                                                            const v1::ListAssignmentsRequest& filter, int32_t version,
                                                            const CellScope& scope, int64_t after_id, int limit);
  // Removes every cell below `cell_key` ("" = everything but the root).
  static absl::StatusOr<int64_t> DeleteBelow(db::Transaction& tx, int64_t plan_id, int32_t version,
                                             const std::string& cell_key);
  static absl::Status Update(db::Transaction& tx, const AssignmentRecord& rec, absl::Time now);
  // Moves every cell of a version from one state to another.
  static absl::StatusOr<int64_t> SetStates(db::Transaction& tx, int64_t plan_id, int32_t version,
                                           v1::AssignmentState from, v1::AssignmentState to, absl::Time now);
  struct Counts {
    int32_t cells = 0;                               // every cell of the version, the root included
    int32_t negotiable = 0;                          // the cells an assignee answers
    int32_t pending = 0, accepted = 0, counter = 0;  // negotiable cells ISSUED, ACCEPTED, COUNTER_PROPOSED
  };
  static absl::StatusOr<Counts> Count(db::Transaction& tx, int64_t plan_id, int32_t version);
  // The counts of the current version of each plan (absent: no cells).
  static absl::StatusOr<std::map<int64_t, Counts>> CountCurrent(db::Transaction& tx,
                                                                const std::vector<int64_t>& plan_ids);

  // A rep's leaf cell (nothing below it): what the rep must sell of a line
  // (of a customer) in the cell's period.
  struct RepLeaf {
    int64_t rep_id = 0;
    std::string rep_name;
    int64_t cell_org_unit_id = 0;  // the cell's unit
    int64_t rep_org_unit_id = 0;   // the rep's unit now
    int64_t product_line_id = 0;
    std::string product_line_name;
    int64_t customer_id = 0;
    common::v1::Period period;
    int64_t target = 0;
    int64_t expense = 0;
  };
  // The leaf cells of reps in a version (of one rep unless 0), by rep, line
  // and period.
  static absl::StatusOr<std::vector<RepLeaf>> RepLeaves(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                        int64_t rep_id);
};

class AmendmentStore {
 public:
  static absl::StatusOr<v1::PlanAmendment> Insert(db::Transaction& tx, const v1::PlanAmendment& a,
                                                  const Principal& requester, absl::Time now);
  static absl::StatusOr<v1::PlanAmendment> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status Decide(db::Transaction& tx, const v1::PlanAmendment& a, const Principal& decider, absl::Time now);
  static absl::StatusOr<bool> AnyPending(db::Transaction& tx, int64_t plan_id);
  // Newest first: ids below `before_id` (0 = from the newest) that match the
  // request's plan, state and approver filters.
  static absl::StatusOr<std::vector<v1::PlanAmendment>> List(db::Transaction& tx,
                                                             const v1::ListPlanAmendmentsRequest& filter,
                                                             int64_t before_id, int limit);
};

class ReductionStore {
 public:
  static absl::StatusOr<v1::TargetReduction> Insert(db::Transaction& tx, const v1::TargetReduction& r, int64_t current,
                                                    int64_t requested, const Principal& requester, absl::Time now);
  static absl::StatusOr<v1::TargetReduction> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status Decide(db::Transaction& tx, const v1::TargetReduction& r, const Principal& decider,
                             absl::Time now);
  // The request that was escalated into `id`, if any (0 when none).
  static absl::StatusOr<int64_t> EscalatedFrom(db::Transaction& tx, int64_t id);
  // Pending requests of a plan, or of one parent cell when it is not 0.
  static absl::StatusOr<int64_t> CountPending(db::Transaction& tx, int64_t plan_id, int64_t parent_assignment_id);
  // Newest first: ids below `before_id` (0 = from the newest) that match the
  // request's plan, state and approver filters.
  static absl::StatusOr<std::vector<v1::TargetReduction>> List(db::Transaction& tx,
                                                               const v1::ListTargetReductionsRequest& filter,
                                                               int64_t before_id, int limit);
};

// The audit trails ListAuditEntries reads: plan_audit for a plan and what
// belongs to it, org_audit for the organization's master data.
class AuditTrailStore {
 public:
  // Which plan_audit rows a trail holds: every entry of a plan, or those
  // about one cell, amendment or reduction request (the first id set wins,
  // in that order).
  struct PlanSubject {
    int64_t plan_id = 0;
    int64_t assignment_id = 0;
    int64_t amendment_id = 0;
    int64_t reduction_id = 0;
  };
  // Oldest first, ids above `after_id`. Entries about cells `scope` does
  // not cover are left out; entries about the plan itself stay.
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> OfPlan(db::Transaction& tx, const PlanSubject& subject,
                                                                    const CellScope& scope, int64_t after_id,
                                                                    int limit);
  // org_audit rows of a unit, rep or product line (`subject_type` is the
  // AuditSubjectType short name: ORG_UNIT, REP, PRODUCT_LINE), oldest first.
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> OfOrg(db::Transaction& tx, const std::string& subject_type,
                                                                   int64_t subject_id, int64_t after_id, int limit);
};

}  // namespace sales::targets
