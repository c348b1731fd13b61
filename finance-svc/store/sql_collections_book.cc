#include "finance-svc/store/sql_collections_book.h"

namespace sales::finance {

absl::Status SqlCollectionsBook::TakeSweepTurn() { return CollectionsStore::TakeSweepTurn(tx_); }
absl::StatusOr<std::vector<int64_t>> SqlCollectionsBook::SettledOpenCases(int64_t customer_id) {
  return CollectionsStore::SettledOpenCases(tx_, customer_id);
}
absl::StatusOr<std::vector<LadderInvoice>> SqlCollectionsBook::OverdueInvoices(absl::CivilDay as_of,
                                                                               int64_t customer_id) {
  return CollectionsStore::OverdueInvoices(tx_, as_of, customer_id);
}
absl::StatusOr<std::vector<int64_t>> SqlCollectionsBook::CustomersOnCollectionsHold(int64_t customer_id) {
  return CollectionsStore::CustomersOnCollectionsHold(tx_, customer_id);
}
absl::StatusOr<CaseRecord> SqlCollectionsBook::GetCase(int64_t case_id, bool for_update) {
  return CollectionsStore::GetCase(tx_, case_id, for_update);
}
absl::StatusOr<std::optional<CaseRecord>> SqlCollectionsBook::CaseOfInvoice(int64_t invoice_id, bool for_update) {
  return CollectionsStore::CaseOfInvoice(tx_, invoice_id, for_update);
}
absl::StatusOr<int64_t> SqlCollectionsBook::InsertCase(const CaseRecord& c, absl::Time now) {
  return CollectionsStore::InsertCase(tx_, c, now);
}
absl::Status SqlCollectionsBook::UpdateCase(CaseRecord& c, absl::Time now) {
  return CollectionsStore::UpdateCase(tx_, c, now);
}
absl::Status SqlCollectionsBook::AppendStep(int64_t case_id, const StepRecord& step, const Actor& actor,
                                            absl::Time now) {
  return CollectionsStore::AppendStep(tx_, case_id, step, actor, now);
}
absl::StatusOr<LadderInvoice> SqlCollectionsBook::Invoice(int64_t invoice_id) {
  return CollectionsStore::Invoice(tx_, invoice_id);
}
absl::StatusOr<std::optional<HoldRecord>> SqlCollectionsBook::ActiveHold(int64_t customer_id, bool for_update) {
  return CollectionsStore::ActiveHold(tx_, customer_id, for_update);
}
absl::StatusOr<int64_t> SqlCollectionsBook::InsertHold(const HoldRecord& h, absl::Time now) {
  return CollectionsStore::InsertHold(tx_, h, now);
}
absl::Status SqlCollectionsBook::LinkHoldCase(int64_t hold_id, int64_t case_id) {
  return CollectionsStore::LinkHoldCase(tx_, hold_id, case_id);
}
absl::Status SqlCollectionsBook::ReleaseHold(HoldRecord& h, absl::CivilDay on, const std::string& reason,
                                             absl::Time now) {
  return CollectionsStore::ReleaseHold(tx_, h, on, reason, now);
}
absl::Status SqlCollectionsBook::SetCustomerOnHold(int64_t customer_id, bool on_hold, const std::string& reason,
                                                   absl::Time now) {
  return CollectionsStore::SetCustomerOnHold(tx_, customer_id, on_hold, reason, now);
}
absl::StatusOr<bool> SqlCollectionsBook::CustomerHasOverdue(int64_t customer_id, absl::CivilDay today) {
  return CollectionsStore::CustomerHasOverdue(tx_, customer_id, today);
}
absl::StatusOr<int64_t> SqlCollectionsBook::CustomerOverdueMinor(int64_t customer_id, absl::CivilDay today) {
  return CollectionsStore::CustomerOverdueMinor(tx_, customer_id, today);
}
absl::Status SqlCollectionsBook::Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                                       const std::string& from, const std::string& to, const std::string& reason,
                                       const Actor& actor, absl::Time now) {
  return CollectionsStore::Audit(tx_, record_type, record_id, action, from, to, reason, actor, now);
}
absl::Status SqlCollectionsBook::Publish(const std::string& aggregate_type, int64_t aggregate_id,
                                         const google::protobuf::Message& event, const std::string& request_id,
                                         absl::Time now) {
  return AppendFinanceEvent(tx_, outbox_, aggregate_type, aggregate_id, event, request_id, now);
}

}  // namespace sales::finance
