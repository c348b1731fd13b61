// What the commission use cases (提成 [003]) read and write: the seam
// between app/ (CommissionRun, CommissionPlans) and store/ (the SQL).
// SqlCommissionBook (store/sql_commission_book.h) answers on MariaDB inside
// a db::Transaction; the application tests answer from memory
// (tests/finance/app/fake_commission_book.h). Each method is one store
// operation; the rules stay in app/ and domain/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/commission_rules.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/commission_store.h"
#include "google/protobuf/message.h"
#include "sales/finance/v1/commission.pb.h"
#include "sales/finance/v1/commission_messages.pb.h"

namespace sales::finance {

class CommissionBook {
 public:
  virtual ~CommissionBook() = default;

  // ---- The org replica (who sits above and below whom) ----
  // The unit and every unit above it, nearest first (empty when unknown).
  virtual absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) = 0;
  // The unit and every unit below it (empty when unknown).
  virtual absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) = 0;

  // ---- Plans ----
  // NOT_FOUND when unknown; `for_update` row-locks the plan first.
  virtual absl::StatusOr<PlanRecord> GetPlan(int64_t id, bool for_update) = 0;
  // Writes the plan's body, state and dates; bumps the row version (ABORTED
  // when it moved underneath).
  virtual absl::Status UpdatePlan(PlanRecord& rec, absl::Time now) = 0;
  virtual absl::StatusOr<std::vector<PlanRecord>> ListPlans(const v1::ListCommissionPlansRequest& filter,
                                                            int64_t after_id, int limit) = 0;
  // ACTIVE plans in force on `day`, by id.
  virtual absl::StatusOr<std::vector<PlanRecord>> PlansInForce(absl::CivilDay day) = 0;
  // Whether an APPROVED or PAID statement falls in [from, to] (no `to`: no
  // end), only those of plan `plan_id` unless it is 0.
  virtual absl::StatusOr<bool> ApprovedMonthsIn(absl::CivilDay from, std::optional<absl::CivilDay> to,
                                                int64_t plan_id) = 0;

  // ---- Statements ----
  virtual absl::StatusOr<StatementRecord> GetStatement(int64_t id, bool for_update) = 0;
  // The rep's statement of the month, if any.
  virtual absl::StatusOr<std::optional<StatementRecord>> StatementOf(int64_t rep_id, absl::CivilDay month,
                                                                     bool for_update) = 0;
  // Inserts a new DRAFT or replaces the draft of the same rep and month; its id.
  virtual absl::StatusOr<int64_t> SaveDraft(const v1::CommissionStatement& statement, absl::Time now) = 0;
  // Writes state, paid_on and the body of an existing statement.
  virtual absl::Status UpdateStatement(StatementRecord& rec, absl::Time now) = 0;

  // ---- The month's facts of a rep ----
  virtual absl::StatusOr<std::vector<CollectionFact>> Collections(int64_t rep_id, absl::CivilDay from,
                                                                  absl::CivilDay to,
                                                                  const std::vector<int64_t>& product_lines) = 0;
  virtual absl::StatusOr<std::vector<CreditFact>> Credits(int64_t rep_id, absl::CivilDay from, absl::CivilDay to,
                                                          const std::vector<int64_t>& product_lines) = 0;
  // Invoices of the rep unpaid more than late_months after due on `as_of`,
  // merged with the rep's outstanding deductions.
  virtual absl::StatusOr<std::vector<DeductionFact>> Deductions(int64_t rep_id, absl::CivilDay as_of,
                                                                int late_months) = 0;
  // Commissionable collections of every rep of `units` (no reversals).
  virtual absl::StatusOr<std::vector<CollectionFact>> UnitCollections(const std::vector<int64_t>& units,
                                                                      absl::CivilDay from, absl::CivilDay to,
                                                                      const std::vector<int64_t>& product_lines) = 0;
  // Reps with commission activity in [from, to], open or withheld amounts,
  // or a holdback release to carry; ascending.
  virtual absl::StatusOr<std::vector<int64_t>> ActiveReps(absl::CivilDay from, absl::CivilDay to) = 0;
  // The rep's org unit (0 when finance knows none).
  virtual absl::StatusOr<int64_t> RepUnit(int64_t rep_id) = 0;

  // ---- Deduction bookkeeping of a statement ----
  // Takes back what the statement deducted and returned when it was last computed.
  virtual absl::Status UndoDeductionMoves(int64_t statement_id, absl::Time now) = 0;
  virtual absl::Status ApplyDeductionChanges(int64_t statement_id, int64_t rep_id, absl::CivilDay month,
                                             const std::vector<DeductionChange>& changes, absl::Time now) = 0;

  // ---- The year-end holdback ----
  // What the rep's APPROVED and PAID statements of the year held back.
  virtual absl::StatusOr<int64_t> HeldBackInYear(int64_t rep_id, int year) = 0;
  virtual absl::StatusOr<bool> HoldbackReleased(int64_t rep_id, int year) = 0;
  // ALREADY_EXISTS when the rep's year was released before.
  virtual absl::Status InsertHoldbackRelease(int year, int64_t rep_id, absl::CivilDay month, int64_t amount,
                                             absl::Time now) = 0;
  // The release the month's statement carries (0 when none).
  virtual absl::StatusOr<int64_t> HoldbackReleaseFor(int64_t rep_id, absl::CivilDay month) = 0;
  // Reps with APPROVED or PAID statements in the year, ascending.
  virtual absl::StatusOr<std::vector<int64_t>> RepsWithStatements(int year) = 0;

  // ---- The audit trail and the feed ----
  virtual absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                             const std::string& from, const std::string& to, const std::string& reason,
                             const Actor& actor, absl::Time now) = 0;
  // Appends `event` to the finance feed, in this transaction.
  virtual absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id,
                               const google::protobuf::Message& event, const std::string& request_id,
                               absl::Time now) = 0;
};

// Runs `fn` over a book in a transaction of its own, for the reads a
// workflow makes before its writing transaction (between questions to
// peers, so no row lock is held while a peer answers).
using CommissionReads = std::function<absl::Status(const std::function<absl::Status(CommissionBook&)>&)>;

}  // namespace sales::finance
