#include "customers-svc/store/sql_customer_book.h"

#include "customers-svc/store/settings_store.h"
#include "platform/status.h"

namespace sales::customers {

absl::StatusOr<v1::CustomersSettings> SqlCustomerBook::Settings() { return LoadCustomerSettings(tx_); }

absl::StatusOr<std::optional<RepInfo>> SqlCustomerBook::Rep(int64_t rep_id) { return OrgReplica::Rep(tx_, rep_id); }

absl::StatusOr<CustomerRecord> SqlCustomerBook::LockCustomer(int64_t customer_id) {
  return CustomerStore::Lock(tx_, customer_id);
}

absl::StatusOr<std::vector<int64_t>> SqlCustomerBook::FamilyMembers(int64_t primary_id) {
  return CustomerStore::FamilyMembers(tx_, primary_id);
}

absl::StatusOr<v1::OwnershipRecord> SqlCustomerBook::ChangeOwner(const CustomerStore::OwnerChange& change,
                                                                 absl::Time now) {
  return CustomerStore::ChangeOwner(tx_, change, now);
}

absl::StatusOr<int64_t> SqlCustomerBook::CountOwnedProspects() { return CustomerStore::CountOwnedProspects(tx_); }

absl::StatusOr<std::vector<CustomerRecord>> SqlCustomerBook::LapsedProspects(absl::CivilDay base_before,
                                                                             int64_t after_id, int limit) {
  return CustomerStore::LapsedProspects(tx_, base_before, after_id, limit);
}

absl::StatusOr<bool> SqlCustomerBook::LockLapseSweep() { return CustomerStore::LockLapseSweep(tx_); }

absl::Status SqlCustomerBook::Audit(int64_t customer_id, const Who& who, const std::string& action,
                                    const std::string& from, const std::string& to, const std::string& reason,
                                    const std::string& request_id, absl::Time now) {
  return AuditStore::Append(tx_, customer_id, who, action, from, to, reason, request_id, now);
}

absl::Status SqlCustomerBook::Publish(const std::string& aggregate_type, const std::string& aggregate_id,
                                      const google::protobuf::Message& event, const std::string& request_id) {
  if (outbox_ == nullptr) return absl::InternalError("a read-only customer book cannot publish");
  return outbox_->Append(tx_, aggregate_type, aggregate_id, event, request_id);
}

absl::Status SqlCustomerBooks::InTransaction(const std::function<absl::Status(CustomerBook&)>& work) {
  return pool_.Transact([&](db::Transaction& tx) -> absl::Status {
    SqlCustomerBook book(tx, &outbox_);
    return work(book);
  });
}

}  // namespace sales::customers
