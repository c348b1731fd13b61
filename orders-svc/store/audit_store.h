// The audit trail of quotes, orders, price lists, stock and the policy
// (domain.md §1: who, when, from which state to which, and why). Written in
// the same transaction as the change it records.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/orders/v1/approval.pb.h"

namespace sales::orders {

struct AuditRecord {
  v1::SubjectType subject_type = v1::SUBJECT_TYPE_UNSPECIFIED;
  int64_t subject_id = 0;
  std::string action;      // e.g. "ORDER_CONFIRMED"
  std::string from_value;  // state before ("" when created)
  std::string to_value;    // state after
  std::string reason;
};

class AuditStore {
 public:
  static absl::Status Append(db::Transaction& tx, const AuditRecord& rec, const Principal& actor,
                             absl::string_view request_id, absl::Time now);
  // Oldest first, keyset-paged by id (page_size + 1 rows to detect more).
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> List(db::Transaction& tx, v1::SubjectType type,
                                                                  int64_t subject_id, int64_t after_id, int limit);
};

common::v1::Actor ActorOf(const Principal& p);

}  // namespace sales::orders
