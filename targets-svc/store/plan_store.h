// SQL for plans, their versions and their cells (assignments).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/targets/v1/plan.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "targets-svc/domain/decomposition.h"

namespace sales::targets {

// A plan version as stored, plus the head's concurrency data.
struct PlanRecord {
  v1::Plan plan;            // counts filled by PlanStore::Get
  int64_t row_version = 0;  // the head's etag number
  int32_t current_version = 0;
  int32_t next_cell_no = 1;
  int64_t total = 0;  // plan.total_target as an integer
  int64_t expense = 0;
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
  static absl::StatusOr<std::vector<PlanRecord>> List(db::Transaction& tx, const v1::ListPlansRequest& filter,
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
  static absl::Status Audit(db::Transaction& tx, int64_t plan_id, int32_t version, int64_t assignment_id,
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
    int32_t total = 0, pending = 0, accepted = 0, counter = 0;
  };
  static absl::StatusOr<Counts> CountNegotiable(db::Transaction& tx, int64_t plan_id, int32_t version);
};

class AmendmentStore {
 public:
  static absl::StatusOr<v1::PlanAmendment> Insert(db::Transaction& tx, const v1::PlanAmendment& a,
                                                  const Principal& requester, absl::Time now);
  static absl::StatusOr<v1::PlanAmendment> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status Decide(db::Transaction& tx, const v1::PlanAmendment& a, const Principal& decider, absl::Time now);
  static absl::StatusOr<bool> AnyPending(db::Transaction& tx, int64_t plan_id);
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
};

}  // namespace sales::targets
