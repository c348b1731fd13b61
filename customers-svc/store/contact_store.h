// SQL for contacts (联系人) and contact validation shared by registration
// and the contact handlers.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/contact.pb.h"

namespace sales::customers {

// Checks a contact's fields and fills its normalised phone; violations are
// reported under `field` (e.g. "contact" or "customer.contacts[0]").
absl::Status ValidateContact(v1::Contact& c, const std::string& field);

class ContactStore {
 public:
  static absl::StatusOr<v1::Contact> Insert(db::Transaction& tx, int64_t customer_id, const v1::Contact& c,
                                            absl::Time now);
  static absl::StatusOr<v1::Contact> Get(db::Transaction& tx, int64_t id, bool lock);
  static absl::Status Update(db::Transaction& tx, const v1::Contact& c, absl::Time now);
  static absl::Status Remove(db::Transaction& tx, int64_t id);
  // Clears the primary flag of the customer's other contacts.
  static absl::Status ClearPrimary(db::Transaction& tx, int64_t customer_id, int64_t except_id);
  // Primary first, then by id; keyset on id.
  static absl::StatusOr<std::vector<v1::Contact>> List(db::Transaction& tx, int64_t customer_id, int64_t after_id,
                                                       int limit);
};

}  // namespace sales::customers
