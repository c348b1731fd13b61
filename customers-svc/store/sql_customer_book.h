// The customer book on MariaDB: each operation is the store's statement run
// in the caller's transaction; events go to the service's outbox in it too.
#pragma once

#include "customers-svc/app/customer_book.h"
#include "platform/mysql.h"
#include "platform/outbox.h"

namespace sales::customers {

class SqlCustomerBook final : public CustomerBook {
 public:
  // `outbox` may be null for a book that only reads.
  SqlCustomerBook(db::Transaction& tx, Outbox* outbox) : tx_(tx), outbox_(outbox) {}

  absl::StatusOr<v1::CustomersSettings> Settings() override;
  absl::StatusOr<std::optional<RepInfo>> Rep(int64_t rep_id) override;
  absl::StatusOr<CustomerRecord> LockCustomer(int64_t customer_id) override;
  absl::StatusOr<std::vector<int64_t>> FamilyMembers(int64_t primary_id) override;
  absl::StatusOr<v1::OwnershipRecord> ChangeOwner(const CustomerStore::OwnerChange& change, absl::Time now) override;
  absl::StatusOr<int64_t> CountOwnedProspects() override;
  absl::StatusOr<std::vector<CustomerRecord>> LapsedProspects(absl::CivilDay base_before, int64_t after_id,
                                                              int limit) override;
  absl::StatusOr<bool> LockLapseSweep() override;
  absl::Status Audit(int64_t customer_id, const Who& who, const std::string& action, const std::string& from,
                     const std::string& to, const std::string& reason, const std::string& request_id,
                     absl::Time now) override;
  absl::Status Publish(const std::string& aggregate_type, const std::string& aggregate_id,
                       const google::protobuf::Message& event, const std::string& request_id) override;

 private:
  db::Transaction& tx_;
  Outbox* outbox_;
};

// Each unit of work in a pool transaction of its own.
class SqlCustomerBooks final : public CustomerBooks {
 public:
  SqlCustomerBooks(db::Pool& pool, Outbox& outbox) : pool_(pool), outbox_(outbox) {}

  absl::Status InTransaction(const std::function<absl::Status(CustomerBook&)>& work) override;

 private:
  db::Pool& pool_;
  Outbox& outbox_;
};

}  // namespace sales::customers
