// SQL of commissions: plan versions, monthly statements, deductions and
// holdback releases, and the month's facts read from the receivables
// tables (V002): commissionable collections, credits and long-unpaid
// invoices of a rep.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/commission_rules.h"
#include "platform/mysql.h"
#include "sales/finance/v1/commission.pb.h"
#include "sales/finance/v1/commission_messages.pb.h"
#include "sales/finance/v1/memo.pb.h"

namespace sales::finance {

struct PlanRecord {
  v1::CommissionPlan plan;  // id, version, state, etag and times filled in
  int64_t row_version = 0;
};

struct StatementRecord {
  v1::CommissionStatement statement;  // with lines; id, state, etag, times filled in
  int64_t row_version = 0;
};

struct DeductionRecord {
  int64_t id = 0;
  int64_t rep_id = 0;
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t amount_minor = 0;
  int64_t deducted_minor = 0;
  int64_t returned_minor = 0;
  v1::CommissionDeductionState state = v1::COMMISSION_DEDUCTION_STATE_UNSPECIFIED;
  absl::CivilDay started_month;
  std::optional<absl::CivilDay> returned_month;
};

class CommissionStore {
 public:
  // Plans.
  static absl::StatusOr<int64_t> InsertPlan(db::Transaction& tx, const v1::CommissionPlan& plan, absl::Time now);
  static absl::StatusOr<PlanRecord> GetPlan(db::Transaction& tx, int64_t id, bool for_update);
  // Writes the plan's body, state and dates; bumps the row version.
  static absl::Status UpdatePlan(db::Transaction& tx, PlanRecord& rec, absl::Time now);
  static absl::StatusOr<std::vector<PlanRecord>> ListPlans(db::Transaction& tx,
                                                           const v1::ListCommissionPlansRequest& req, int64_t after_id,
                                                           int limit);
  // ACTIVE plans in force on `day`.
  static absl::StatusOr<std::vector<PlanRecord>> PlansInForce(db::Transaction& tx, absl::CivilDay day);
  // Whether any APPROVED or PAID statement falls in [from, to] (to open =
  // no end), optionally only those computed with plan `plan_id`.
  static absl::StatusOr<bool> ApprovedMonthsIn(db::Transaction& tx, absl::CivilDay from,
                                               std::optional<absl::CivilDay> to, int64_t plan_id);

  // Statements.
  static absl::StatusOr<StatementRecord> GetStatement(db::Transaction& tx, int64_t id, bool for_update);
  static absl::StatusOr<std::optional<StatementRecord>> StatementOf(db::Transaction& tx, int64_t rep_id,
                                                                    absl::CivilDay month, bool for_update);
  // Inserts a new DRAFT or replaces the draft of the same rep and month.
  static absl::StatusOr<int64_t> SaveDraft(db::Transaction& tx, const v1::CommissionStatement& s, absl::Time now);
  // Writes state, paid_on and the body of an existing statement.
  static absl::Status UpdateStatement(db::Transaction& tx, StatementRecord& rec, absl::Time now);
  static absl::StatusOr<std::vector<StatementRecord>> ListStatements(db::Transaction& tx,
                                                                     const v1::ListCommissionStatementsRequest& req,
                                                                     int64_t rep_id, const std::vector<int64_t>& units,
                                                                     int64_t after_id, int limit);

  // Facts of a month for one rep.
  static absl::StatusOr<std::vector<CollectionFact>> Collections(db::Transaction& tx, int64_t rep_id,
                                                                 absl::CivilDay from, absl::CivilDay to,
                                                                 const std::vector<int64_t>& product_lines);
  static absl::StatusOr<std::vector<CreditFact>> Credits(db::Transaction& tx, int64_t rep_id, absl::CivilDay from,
                                                         absl::CivilDay to, const std::vector<int64_t>& product_lines);
  // Long-unpaid invoices of the rep (due more than late_months before
  // as_of) merged with the rep's outstanding deductions.
  static absl::StatusOr<std::vector<DeductionFact>> Deductions(db::Transaction& tx, int64_t rep_id,
                                                               absl::CivilDay as_of, int late_months);
  // Commissionable collections of every rep of `units` (reversals not
  // included), for manager commission on the unit's total.
  static absl::StatusOr<std::vector<CollectionFact>> UnitCollections(db::Transaction& tx,
                                                                     const std::vector<int64_t>& units,
                                                                     absl::CivilDay from, absl::CivilDay to,
                                                                     const std::vector<int64_t>& product_lines);
  // Reps with commission activity in the month (collections, reversals,
  // credits), open or withheld amounts, or a holdback release to carry.
  static absl::StatusOr<std::vector<int64_t>> ActiveReps(db::Transaction& tx, absl::CivilDay from, absl::CivilDay to);
  // The rep's org unit: the replica's, else the latest posting's.
  static absl::StatusOr<int64_t> RepUnit(db::Transaction& tx, int64_t rep_id);
  // The reps of these units in the org replica, in no particular order.
  static absl::StatusOr<std::vector<int64_t>> RepsOfUnits(db::Transaction& tx, const std::vector<int64_t>& units);

  // Deduction bookkeeping of a statement.
  static absl::Status UndoDeductionMoves(db::Transaction& tx, int64_t statement_id, absl::Time now);
  static absl::Status ApplyDeductionChanges(db::Transaction& tx, int64_t statement_id, int64_t rep_id,
                                            absl::CivilDay month, const std::vector<DeductionChange>& changes,
                                            absl::Time now);
  static absl::StatusOr<std::vector<DeductionRecord>> ListDeductions(db::Transaction& tx, int64_t rep_id,
                                                                     v1::CommissionDeductionState state,
                                                                     const std::vector<int64_t>& reps_in_scope,
                                                                     bool scoped, int64_t after_id, int limit);

  // Holdback.
  static absl::StatusOr<int64_t> HeldBackInYear(db::Transaction& tx, int64_t rep_id, int year);
  static absl::StatusOr<bool> HoldbackReleased(db::Transaction& tx, int64_t rep_id, int year);
  static absl::Status InsertHoldbackRelease(db::Transaction& tx, int year, int64_t rep_id, absl::CivilDay month,
                                            int64_t amount, absl::Time now);
  static absl::StatusOr<int64_t> HoldbackReleaseFor(db::Transaction& tx, int64_t rep_id, absl::CivilDay month);
  // Reps with approved or paid statements in the year.
  static absl::StatusOr<std::vector<int64_t>> RepsWithStatements(db::Transaction& tx, int year);
};

v1::CommissionDeduction DeductionToProto(const DeductionRecord& d, const std::string& currency);

}  // namespace sales::finance
