// The commission book on MariaDB: each operation is the store's statement
// run in the caller's transaction; events go to the finance outbox in it too.
#pragma once

#include "finance-svc/app/commission_book.h"
#include "platform/mysql.h"
#include "platform/outbox.h"

namespace sales::finance {

class SqlCommissionBook final : public CommissionBook {
 public:
  // `outbox` may be null for a book that only reads.
  SqlCommissionBook(db::Transaction& tx, Outbox* outbox) : tx_(tx), outbox_(outbox) {}

  absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) override;
  absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) override;
  absl::StatusOr<PlanRecord> GetPlan(int64_t id, bool for_update) override;
  absl::Status UpdatePlan(PlanRecord& rec, absl::Time now) override;
  absl::StatusOr<std::vector<PlanRecord>> ListPlans(const v1::ListCommissionPlansRequest& filter, int64_t after_id,
                                                    int limit) override;
  absl::StatusOr<std::vector<PlanRecord>> PlansInForce(absl::CivilDay day) override;
  absl::StatusOr<bool> ApprovedMonthsIn(absl::CivilDay from, std::optional<absl::CivilDay> to,
                                        int64_t plan_id) override;
  absl::StatusOr<StatementRecord> GetStatement(int64_t id, bool for_update) override;
  absl::StatusOr<std::optional<StatementRecord>> StatementOf(int64_t rep_id, absl::CivilDay month,
                                                             bool for_update) override;
  absl::StatusOr<int64_t> SaveDraft(const v1::CommissionStatement& statement, absl::Time now) override;
  absl::Status UpdateStatement(StatementRecord& rec, absl::Time now) override;
  absl::StatusOr<std::vector<CollectionFact>> Collections(int64_t rep_id, absl::CivilDay from, absl::CivilDay to,
                                                          const std::vector<int64_t>& product_lines) override;
  absl::StatusOr<std::vector<CreditFact>> Credits(int64_t rep_id, absl::CivilDay from, absl::CivilDay to,
                                                  const std::vector<int64_t>& product_lines) override;
  absl::StatusOr<std::vector<DeductionFact>> Deductions(int64_t rep_id, absl::CivilDay as_of, int late_months) override;
  absl::StatusOr<std::vector<CollectionFact>> UnitCollections(const std::vector<int64_t>& units, absl::CivilDay from,
                                                              absl::CivilDay to,
                                                              const std::vector<int64_t>& product_lines) override;
  absl::StatusOr<std::vector<int64_t>> ActiveReps(absl::CivilDay from, absl::CivilDay to) override;
  absl::StatusOr<int64_t> RepUnit(int64_t rep_id) override;
  absl::Status UndoDeductionMoves(int64_t statement_id, absl::Time now) override;
  absl::Status ApplyDeductionChanges(int64_t statement_id, int64_t rep_id, absl::CivilDay month,
                                     const std::vector<DeductionChange>& changes, absl::Time now) override;
  absl::StatusOr<int64_t> HeldBackInYear(int64_t rep_id, int year) override;
  absl::StatusOr<bool> HoldbackReleased(int64_t rep_id, int year) override;
  absl::Status InsertHoldbackRelease(int year, int64_t rep_id, absl::CivilDay month, int64_t amount,
                                     absl::Time now) override;
  absl::StatusOr<int64_t> HoldbackReleaseFor(int64_t rep_id, absl::CivilDay month) override;
  absl::StatusOr<std::vector<int64_t>> RepsWithStatements(int year) override;
  absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                     const std::string& from, const std::string& to, const std::string& reason, const Actor& actor,
                     absl::Time now) override;
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id, absl::Time now) override;

 private:
  db::Transaction& tx_;
  Outbox* outbox_;
};

// The reads of a workflow before its writing transaction: each call of the
// result runs its function over a read-only book in a new transaction of `pool`.
CommissionReads SqlCommissionReads(db::Pool& pool);

}  // namespace sales::finance
