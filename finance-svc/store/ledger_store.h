// Gap-free document numbers, the customer ledger (往来账) and the audit
// trail: the three records every posting writes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/common/v1/date.pb.h"

namespace sales::finance {

class NumberingStore {
 public:
  // The next number of `kind` ("INV", "CM", "DM") for `year`, taken under a
  // lock on the year's counter row held to the end of the caller's
  // transaction: a rollback returns the number, concurrent issues queue.
  static absl::StatusOr<int64_t> Next(db::Transaction& tx, const std::string& kind, int year);

  // How the invoice numbers of one year were used.
  struct YearUsage {
    int64_t year = 0;
    int64_t numbered = 0;  // invoices with a number
    int64_t distinct = 0;  // distinct sequence numbers among them
    int64_t lowest = 0, highest = 0;
  };
  // Per number year, ascending: invoices numbered and the sequences used.
  static absl::StatusOr<std::vector<YearUsage>> InvoiceNumberUsage(db::Transaction& tx);
  // The invoice counter's last sequence per year.
  static absl::StatusOr<std::map<int64_t, int64_t>> InvoiceCounters(db::Transaction& tx);
};

// DocumentKind values of receivable.proto.
enum class LedgerKind { kInvoice = 1, kDebitMemo = 2, kCreditMemo = 3, kPayment = 4, kRefund = 5 };

// One ledger_entries row.
struct LedgerEntryRow {
  int64_t id = 0;
  common::v1::Date entry_date;
  int kind = 0;  // LedgerKind
  int64_t document_id = 0;
  std::string reference;
  int64_t debit = 0, credit = 0;
  std::string description;
  absl::Time posted_at;
};

class LedgerStore {
 public:
  // debit raises what the customer owes, credit lowers it.
  static absl::Status Post(db::Transaction& tx, int64_t customer_id, absl::CivilDay date, LedgerKind kind,
                           int64_t document_id, const std::string& reference, int64_t debit, int64_t credit,
                           const std::string& description, absl::Time now);
  // The customer's balance (debits less credits) before the range and the
  // entries in it, in (entry_date, id) order. An open start or end takes
  // in everything on that side.
  struct Page {
    int64_t opening = 0;
    std::vector<LedgerEntryRow> entries;
  };
  static absl::StatusOr<Page> Entries(db::Transaction& tx, int64_t customer_id, const common::v1::DateRange& dates);
};

class AuditStore {
 public:
  static absl::Status Record(db::Transaction& tx, const CallContext& call, const std::string& record_type,
                             int64_t record_id, const std::string& action, const std::string& from_state,
                             const std::string& to_state, const std::string& reason, absl::Time now);
  // The trail of one record, oldest first, after entry `after_id`: up to
  // limit+1 entries. `with_applications` adds the trail of the payment's
  // applications (record_id is then a payment id).
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> Trail(db::Transaction& tx, const std::string& record_type,
                                                                   int64_t record_id, bool with_applications,
                                                                   int64_t after_id, int limit);
};

std::string DbDay(absl::CivilDay d);
absl::CivilDay ParseDay(const std::string& s);

}  // namespace sales::finance
