#include "finance-svc/store/sql_commission_book.h"

#include "platform/org/org_replica.h"

namespace sales::finance {

absl::StatusOr<std::vector<int64_t>> SqlCommissionBook::OrgChain(int64_t unit_id) {
  return OrgReplica::Chain(tx_, unit_id);
}
absl::StatusOr<std::vector<int64_t>> SqlCommissionBook::OrgSubtree(int64_t unit_id) {
  return OrgReplica::Subtree(tx_, unit_id);
}

absl::StatusOr<PlanRecord> SqlCommissionBook::GetPlan(int64_t id, bool for_update) {
  return CommissionStore::GetPlan(tx_, id, for_update);
}
absl::Status SqlCommissionBook::UpdatePlan(PlanRecord& rec, absl::Time now) {
  return CommissionStore::UpdatePlan(tx_, rec, now);
}
absl::StatusOr<std::vector<PlanRecord>> SqlCommissionBook::ListPlans(const v1::ListCommissionPlansRequest& filter,
                                                                     int64_t after_id, int limit) {
  return CommissionStore::ListPlans(tx_, filter, after_id, limit);
}
absl::StatusOr<std::vector<PlanRecord>> SqlCommissionBook::PlansInForce(absl::CivilDay day) {
  return CommissionStore::PlansInForce(tx_, day);
}
absl::StatusOr<bool> SqlCommissionBook::ApprovedMonthsIn(absl::CivilDay from, std::optional<absl::CivilDay> to,
                                                         int64_t plan_id) {
  return CommissionStore::ApprovedMonthsIn(tx_, from, to, plan_id);
}

absl::StatusOr<StatementRecord> SqlCommissionBook::GetStatement(int64_t id, bool for_update) {
  return CommissionStore::GetStatement(tx_, id, for_update);
}
absl::StatusOr<std::optional<StatementRecord>> SqlCommissionBook::StatementOf(int64_t rep_id, absl::CivilDay month,
                                                                              bool for_update) {
  return CommissionStore::StatementOf(tx_, rep_id, month, for_update);
}
absl::StatusOr<int64_t> SqlCommissionBook::SaveDraft(const v1::CommissionStatement& statement, absl::Time now) {
  return CommissionStore::SaveDraft(tx_, statement, now);
}
absl::Status SqlCommissionBook::UpdateStatement(StatementRecord& rec, absl::Time now) {
  return CommissionStore::UpdateStatement(tx_, rec, now);
}

absl::StatusOr<std::vector<CollectionFact>> SqlCommissionBook::Collections(int64_t rep_id, absl::CivilDay from,
                                                                           absl::CivilDay to,
                                                                           const std::vector<int64_t>& product_lines) {
  return CommissionStore::Collections(tx_, rep_id, from, to, product_lines);
}
absl::StatusOr<std::vector<CreditFact>> SqlCommissionBook::Credits(int64_t rep_id, absl::CivilDay from,
                                                                   absl::CivilDay to,
                                                                   const std::vector<int64_t>& product_lines) {
  return CommissionStore::Credits(tx_, rep_id, from, to, product_lines);
}
absl::StatusOr<std::vector<DeductionFact>> SqlCommissionBook::Deductions(int64_t rep_id, absl::CivilDay as_of,
                                                                         int late_months) {
  return CommissionStore::Deductions(tx_, rep_id, as_of, late_months);
}
absl::StatusOr<std::vector<CollectionFact>> SqlCommissionBook::UnitCollections(
    const std::vector<int64_t>& units, absl::CivilDay from, absl::CivilDay to,
    const std::vector<int64_t>& product_lines) {
  return CommissionStore::UnitCollections(tx_, units, from, to, product_lines);
}
absl::StatusOr<std::vector<int64_t>> SqlCommissionBook::ActiveReps(absl::CivilDay from, absl::CivilDay to) {
  return CommissionStore::ActiveReps(tx_, from, to);
}
absl::StatusOr<int64_t> SqlCommissionBook::RepUnit(int64_t rep_id) { return CommissionStore::RepUnit(tx_, rep_id); }

absl::Status SqlCommissionBook::UndoDeductionMoves(int64_t statement_id, absl::Time now) {
  return CommissionStore::UndoDeductionMoves(tx_, statement_id, now);
}
absl::Status SqlCommissionBook::ApplyDeductionChanges(int64_t statement_id, int64_t rep_id, absl::CivilDay month,
                                                      const std::vector<DeductionChange>& changes, absl::Time now) {
  return CommissionStore::ApplyDeductionChanges(tx_, statement_id, rep_id, month, changes, now);
}

absl::StatusOr<int64_t> SqlCommissionBook::HeldBackInYear(int64_t rep_id, int year) {
  return CommissionStore::HeldBackInYear(tx_, rep_id, year);
}
absl::StatusOr<bool> SqlCommissionBook::HoldbackReleased(int64_t rep_id, int year) {
  return CommissionStore::HoldbackReleased(tx_, rep_id, year);
}
absl::Status SqlCommissionBook::InsertHoldbackRelease(int year, int64_t rep_id, absl::CivilDay month, int64_t amount,
                                                      absl::Time now) {
  return CommissionStore::InsertHoldbackRelease(tx_, year, rep_id, month, amount, now);
}
absl::StatusOr<int64_t> SqlCommissionBook::HoldbackReleaseFor(int64_t rep_id, absl::CivilDay month) {
  return CommissionStore::HoldbackReleaseFor(tx_, rep_id, month);
}
absl::StatusOr<std::vector<int64_t>> SqlCommissionBook::RepsWithStatements(int year) {
  return CommissionStore::RepsWithStatements(tx_, year);
}

absl::Status SqlCommissionBook::Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                                      const std::string& from, const std::string& to, const std::string& reason,
                                      const Actor& actor, absl::Time now) {
  return CollectionsStore::Audit(tx_, record_type, record_id, action, from, to, reason, actor, now);
}
absl::Status SqlCommissionBook::Publish(const std::string& aggregate_type, int64_t aggregate_id,
                                        const google::protobuf::Message& event, const std::string& request_id,
                                        absl::Time now) {
  // Without an outbox the row is written the same way (AppendFinanceEvent).
  return AppendFinanceEvent(tx_, outbox_, aggregate_type, aggregate_id, event, request_id, now);
}

CommissionReads SqlCommissionReads(db::Pool& pool) {
  return [&pool](const std::function<absl::Status(CommissionBook&)>& fn) -> absl::Status {
    return pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SqlCommissionBook book(tx, nullptr);
      return fn(book);
    });
  };
}

}  // namespace sales::finance
