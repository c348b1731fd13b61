// Reads of the receivables ledger that other parts of finance-svc build on
// (collections ladder, commissions, reports), and the per-customer summary
// row (customer_accounts) that every posting keeps current in its own
// transaction. All amounts are minor units of the company currency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"

namespace sales::finance {

// An issued invoice or debit memo with an open balance.
struct OpenDocument {
  enum class Kind { kInvoice, kDebitMemo };
  Kind kind = Kind::kInvoice;
  int64_t id = 0;
  std::string number;
  int64_t customer_id = 0;
  int64_t rep_id = 0;       // credited rep
  int64_t org_unit_id = 0;  // the rep's unit at sale
  std::string currency;
  absl::CivilDay document_date;
  absl::CivilDay due_on;
  int64_t gross_minor = 0;    // original amount
  int64_t balance_minor = 0;  // open balance now
  int days_past_due = 0;      // as of the date asked; <= 0 when not due
};

// One active (or reversed) payment application split by product line:
// one row per (application, product line). Rows of one application sum to
// its amount.
struct CollectedAmount {
  int64_t application_id = 0;
  int64_t payment_id = 0;
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  int64_t invoice_id = 0;     // 0 when a debit memo was paid
  int64_t debit_memo_id = 0;  // 0 when an invoice was paid
  absl::CivilDay applied_on;  // the payment's received date
  absl::CivilDay due_on;
  int days_past_due = 0;  // applied_on - due_on
  bool reversed = false;
  std::optional<absl::CivilDay> reversed_on;
  int64_t product_line_id = 0;
  int64_t amount_minor = 0;
  int64_t commissionable_minor = 0;  // part from commissionable lines
};

// One issued credit memo line (returns, cancellations, adjustments), for
// commission reversal.
struct CreditedAmount {
  int64_t credit_memo_id = 0;
  int64_t invoice_id = 0;
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  int source = 0;  // CreditMemoSource
  absl::CivilDay memo_date;
  int64_t product_line_id = 0;
  bool commissionable = false;
  int64_t net_minor = 0;
  int64_t gross_minor = 0;
};

class ReceivableStore {
 public:
  // Open invoices and debit memos of a customer past due on `as_of` (due_on
  // < as_of), oldest due first. Locks nothing.
  static absl::StatusOr<std::vector<OpenDocument>> OverdueDocumentsOfCustomer(db::Transaction& tx,
                                                                              int64_t customer_id,
                                                                              absl::CivilDay as_of);
  // Only invoices (the collections ladder works per invoice).
  static absl::StatusOr<std::vector<OpenDocument>> OverdueInvoicesOfCustomer(db::Transaction& tx,
                                                                             int64_t customer_id,
                                                                             absl::CivilDay as_of);
  // All overdue invoices of all customers on `as_of`, by id after `after_id`
  // (keyset pages for the daily sweep), at most `limit`.
  static absl::StatusOr<std::vector<OpenDocument>> OverdueInvoices(db::Transaction& tx, absl::CivilDay as_of,
                                                                   int64_t after_id, int limit);
  // Whether the customer has any open invoice or debit memo past due.
  static absl::StatusOr<bool> CustomerHasOverdue(db::Transaction& tx, int64_t customer_id, absl::CivilDay as_of);
  // One issued invoice (any state from ISSUED on), with balance and due date
  // (days_past_due as of `as_of`). NOT_FOUND when unknown or not issued.
  static absl::StatusOr<OpenDocument> IssuedInvoice(db::Transaction& tx, int64_t invoice_id, absl::CivilDay as_of);

  // Payment applications made (applied_on in [from, to]) or reversed
  // (reversed_on in [from, to]) in a period, split by product line; rep_id 0
  // means every rep. Ordered by application id.
  static absl::StatusOr<std::vector<CollectedAmount>> CollectionsInPeriod(db::Transaction& tx,
                                                                         absl::CivilDay from, absl::CivilDay to,
                                                                         int64_t rep_id);
  // Issued credit memo lines with memo_date in [from, to]; rep_id 0 = all.
  static absl::StatusOr<std::vector<CreditedAmount>> CreditsInPeriod(db::Transaction& tx, absl::CivilDay from,
                                                                    absl::CivilDay to, int64_t rep_id);

  // Marks the customer's supply held or released on the summary row read by
  // the credit check (GetCustomerExposure). Called by the collections ladder
  // in the transaction that sets or releases the hold.
  static absl::Status SetCustomerHold(db::Transaction& tx, int64_t customer_id, bool on_hold,
                                      const std::string& reason, absl::Time now);
};

}  // namespace sales::finance
