// Gap-free document numbers, the customer ledger (往来账) and the audit
// trail: the three records every posting writes.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"

namespace sales::finance {

class NumberingStore {
 public:
  // The next number of `kind` ("INV", "CM", "DM") for `year`, taken under a
  // lock on the year's counter row held to the end of the caller's
  // transaction: a rollback returns the number, concurrent issues queue.
  static absl::StatusOr<int64_t> Next(db::Transaction& tx, const std::string& kind, int year);
};

// DocumentKind values of receivable.proto.
enum class LedgerKind { kInvoice = 1, kDebitMemo = 2, kCreditMemo = 3, kPayment = 4, kRefund = 5 };

class LedgerStore {
 public:
  // debit raises what the customer owes, credit lowers it.
  static absl::Status Post(db::Transaction& tx, int64_t customer_id, absl::CivilDay date, LedgerKind kind,
                           int64_t document_id, const std::string& reference, int64_t debit, int64_t credit,
                           const std::string& description, absl::Time now);
};

class AuditStore {
 public:
  static absl::Status Record(db::Transaction& tx, const CallContext& call, const std::string& record_type,
                             int64_t record_id, const std::string& action, const std::string& from_state,
                             const std::string& to_state, const std::string& reason, absl::Time now);
};

std::string DbDay(absl::CivilDay d);
absl::CivilDay ParseDay(const std::string& s);

}  // namespace sales::finance
