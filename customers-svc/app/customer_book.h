// What the lapse sweep (app/lapse_sweep.h) reads and writes: the seam
// between app/ and store/ for moving customers between owners and the pool.
// SqlCustomerBook (store/sql_customer_book.h) answers on MariaDB inside a
// db::Transaction; the application tests answer from memory
// (tests/customers/app/fake_customer_book.h). Each method is one store
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
#include "customers-svc/store/customer_store.h"
#include "google/protobuf/message.h"
#include "platform/org/org_replica.h"
#include "sales/customers/v1/ownership.pb.h"
#include "sales/customers/v1/settings.pb.h"

namespace sales::customers {

class CustomerBook {
 public:
  virtual ~CustomerBook() = default;

  // ---- Settings and the org copy ----
  // The company settings, defaults filled in (LoadCustomerSettings).
  virtual absl::StatusOr<v1::CustomersSettings> Settings() = 0;
  // A rep from the org copy; nullopt when the copy does not know them.
  virtual absl::StatusOr<std::optional<RepInfo>> Rep(int64_t rep_id) = 0;

  // ---- Customers and their owners ----
  // The customer row-locked (NOT_FOUND when unknown): every change of a
  // customer starts here.
  virtual absl::StatusOr<CustomerRecord> LockCustomer(int64_t customer_id) = 0;
  // The members linked to a primary customer, by id.
  virtual absl::StatusOr<std::vector<int64_t>> FamilyMembers(int64_t primary_id) = 0;
  // Closes the customer's open ownership record, opens the new one and
  // stores the owner (0: the pool) and the protection base; the new record.
  virtual absl::StatusOr<v1::OwnershipRecord> ChangeOwner(const CustomerStore::OwnerChange& change, absl::Time now) = 0;

  // ---- The lapse sweep ----
  // Prospects with an owner, family members included (what the sweep examines).
  virtual absl::StatusOr<int64_t> CountOwnedProspects() = 0;
  // Owned prospects, not family members, whose protection base is before
  // `base_before`, with ids above `after_id`, row-locked, at most `limit`,
  // by id.
  virtual absl::StatusOr<std::vector<CustomerRecord>> LapsedProspects(absl::CivilDay base_before, int64_t after_id,
                                                                      int limit) = 0;
  // Takes the sweep's turn (its lock row) until the transaction ends; false
  // when the row is missing.
  virtual absl::StatusOr<bool> LockLapseSweep() = 0;

  // ---- The audit trail and the feed ----
  virtual absl::Status Audit(int64_t customer_id, const Who& who, const std::string& action, const std::string& from,
                             const std::string& to, const std::string& reason, const std::string& request_id,
                             absl::Time now) = 0;
  // Appends `event` to the customers feed, in this transaction.
  virtual absl::Status Publish(const std::string& aggregate_type, const std::string& aggregate_id,
                               const google::protobuf::Message& event, const std::string& request_id) = 0;
};

// Books over transactions of their own: the lapse sweep commits its moves
// in batches beside the transaction that holds its turn, so a million
// prospects never sit in one transaction.
class CustomerBooks {
 public:
  virtual ~CustomerBooks() = default;
  // Runs `work` against a book in a new transaction, committed when `work`
  // returns OK and rolled back otherwise. `work` may run again after a
  // deadlock (it must be safe to repeat).
  virtual absl::Status InTransaction(const std::function<absl::Status(CustomerBook&)>& work) = 0;
};

}  // namespace sales::customers
