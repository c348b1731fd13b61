// The per-customer summary row (customer_accounts): moved by deltas in the
// same transaction as every posting, read by the credit check without
// scanning documents.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/document_scope.h"
#include "platform/mysql.h"

namespace sales::finance {

// Changes to one customer's totals, in minor units of the company currency.
struct AccountDelta {
  int64_t invoiced = 0;
  int64_t credited = 0;
  int64_t debited = 0;
  int64_t applied = 0;
  int64_t open_receivable = 0;
  int64_t payments_received = 0;
  int64_t on_account = 0;
  int64_t refunded = 0;
  int64_t unapplied_credit = 0;
  int64_t shipped_unbilled = 0;
  int open_documents = 0;
};

struct AccountRow {
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  std::string currency = "CNY";
  int64_t invoiced = 0, credited = 0, debited = 0, applied = 0, open_receivable = 0;
  int64_t payments_received = 0, on_account = 0, refunded = 0, unapplied_credit = 0;
  int64_t shipped_unbilled = 0;
  int open_documents = 0;
  bool on_hold = false;
  std::string hold_reason;
  absl::Time updated_at = absl::UnixEpoch();
};

// Which summary rows a balance list covers.
struct AccountFilter {
  int64_t rep_id = 0, org_unit_id = 0;  // 0 = any
  bool on_hold_only = false;
  // Only rows with an open receivable or money on account (the maintained
  // figures, so only meaningful for "now").
  bool non_zero_only = false;
  // Only customers with an invoice balance due before this day.
  std::optional<absl::CivilDay> overdue_before;
  DocumentScope scope{.all = true};  // on the row's rep_id / org_unit_id
};

class AccountStore {
 public:
  // Adds `d` to the customer's row, creating it at zero first. rep_id and
  // org_unit_id, when non-zero, become the row's rep (the latest posting's).
  static absl::Status Post(db::Transaction& tx, int64_t customer_id, int64_t rep_id, int64_t org_unit_id,
                           const AccountDelta& d, absl::Time now);
  static absl::StatusOr<std::optional<AccountRow>> Get(db::Transaction& tx, int64_t customer_id);
  static absl::StatusOr<std::map<int64_t, AccountRow>> GetMany(db::Transaction& tx,
                                                               const std::vector<int64_t>& customer_ids);
  // Part of the customer's open document balances due before `as_of`, and
  // the earliest such due date. Uses the (customer, balance, due) indexes,
  // so it reads only the customer's open documents.
  struct Overdue {
    int64_t amount = 0;
    std::optional<absl::CivilDay> oldest_due_on;
  };
  static absl::StatusOr<std::map<int64_t, Overdue>> OverdueOf(db::Transaction& tx,
                                                              const std::vector<int64_t>& customer_ids,
                                                              absl::CivilDay as_of);
  // Customers with a summary row matching `f`, ascending after `after_id`:
  // up to limit+1 ids.
  static absl::StatusOr<std::vector<int64_t>> ListCustomerIds(db::Transaction& tx, const AccountFilter& f,
                                                              int64_t after_id, int limit);
  // Every customer with a summary row, ascending.
  static absl::StatusOr<std::vector<int64_t>> AllCustomerIds(db::Transaction& tx);
};

}  // namespace sales::finance
