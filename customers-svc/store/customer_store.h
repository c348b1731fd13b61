// SQL for customers.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {

class CustomerStore {
 public:
  // Inserts a normalised customer; ALREADY_EXISTS when a unique key collides.
  static absl::StatusOr<v1::Customer> Insert(db::Transaction& tx, const v1::Customer& c,
                                             absl::Time now);
  static absl::StatusOr<v1::Customer> Get(db::Transaction& tx, int64_t id);
  // The existing customer that collides with `c` on phone, name or tax id.
  static absl::StatusOr<std::optional<v1::Customer>> FindDuplicate(db::Transaction& tx,
                                                                   const v1::Customer& c);
};

}  // namespace sales::customers
