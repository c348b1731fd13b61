// Reads of the receivables ledger that other parts of finance-svc build on
// (collections ladder, commissions, reports), and the per-customer summary
// row (customer_accounts) that every posting keeps current in its own
// transaction. All amounts are minor units of the company currency.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/document_scope.h"
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

// A customer's account computed from the documents as of a date (the
// summary row is only "now"). Used by balances, statements and VerifyLedger.
struct DocumentTotals {
  int64_t invoiced = 0, credited = 0, debited = 0, applied = 0;
  int64_t received = 0, refunded = 0, credit_applied = 0;
  int64_t OnAccount() const { return received - applied - refunded; }
  int64_t UnappliedCredit() const { return credited - credit_applied; }
  // invoiced - credited + debited - applied (the proto's identity).
  int64_t OpenReceivable() const { return invoiced - credited + debited - applied; }
  // Sum of open document balances (before netting unapplied credit).
  int64_t OpenDocuments() const { return invoiced + debited - applied - credit_applied; }
};

// One group of an ageing report.
struct AgeingGroup {
  int64_t key = 0;  // customer, rep or unit id
  int64_t rep_id = 0, org_unit_id = 0;
  int64_t buckets[6] = {0, 0, 0, 0, 0, 0};
  int documents = 0;
};

enum class AgeingKey { kCustomer, kRep, kOrgUnit };

struct AgeingFilter {
  int64_t customer_id = 0, rep_id = 0, org_unit_id = 0;
  // Non-empty: only these customers (a page of a balance list read at once).
  std::vector<int64_t> customer_ids;
  DocumentScope scope{.all = true};  // on the documents' rep_id / org_unit_id
};

class ReceivableStore {
 public:
  // Open invoices and debit memos of a customer past due on `as_of` (due_on
  // < as_of), oldest due first. Locks nothing.
  static absl::StatusOr<std::vector<OpenDocument>> OverdueDocumentsOfCustomer(db::Transaction& tx, int64_t customer_id,
                                                                              absl::CivilDay as_of);
  // Only invoices (the collections ladder works per invoice).
  static absl::StatusOr<std::vector<OpenDocument>> OverdueInvoicesOfCustomer(db::Transaction& tx, int64_t customer_id,
                                                                             absl::CivilDay as_of);
  // All overdue invoices of all customers on `as_of`, by id after `after_id`
  // (keyset pages for the daily sweep), at most `limit`.
  static absl::StatusOr<std::vector<OpenDocument>> OverdueInvoices(db::Transaction& tx, absl::CivilDay as_of,
                                                                   int64_t after_id, int limit);
  // Open invoices (ISSUED, PARTIALLY_PAID) and ISSUED debit memos of the
  // customer, in no particular order, for applying a credit memo oldest due
  // first. Only kind, id, number, due_on and balance_minor are filled.
  // Locks nothing.
  static absl::StatusOr<std::vector<OpenDocument>> CreditableDocuments(db::Transaction& tx, int64_t customer_id);
  // Whether the customer has any open invoice or debit memo past due.
  static absl::StatusOr<bool> CustomerHasOverdue(db::Transaction& tx, int64_t customer_id, absl::CivilDay as_of);
  // One issued invoice (any state from ISSUED on), with balance and due date
  // (days_past_due as of `as_of`). NOT_FOUND when unknown or not issued.
  static absl::StatusOr<OpenDocument> IssuedInvoice(db::Transaction& tx, int64_t invoice_id, absl::CivilDay as_of);

  // Payment applications made (applied_on in [from, to]) or reversed
  // (reversed_on in [from, to]) in a period, split by product line; rep_id 0
  // means every rep. Ordered by application id.
  static absl::StatusOr<std::vector<CollectedAmount>> CollectionsInPeriod(db::Transaction& tx, absl::CivilDay from,
                                                                          absl::CivilDay to, int64_t rep_id);
  // Issued credit memo lines with memo_date in [from, to]; rep_id 0 = all.
  static absl::StatusOr<std::vector<CreditedAmount>> CreditsInPeriod(db::Transaction& tx, absl::CivilDay from,
                                                                     absl::CivilDay to, int64_t rep_id);

  // Totals from the documents as of `as_of` (inclusive), per customer;
  // customer_id 0 = every customer with any document.
  static absl::StatusOr<std::map<int64_t, DocumentTotals>> TotalsAsOf(db::Transaction& tx, int64_t customer_id,
                                                                      absl::CivilDay as_of);
  // The same for the customers named (a page of balances) in one statement
  // per kind of document, whatever their number; customers without any
  // document are absent; no customers reads nothing.
  static absl::StatusOr<std::map<int64_t, DocumentTotals>> TotalsAsOf(db::Transaction& tx,
                                                                      const std::vector<int64_t>& customer_ids,
                                                                      absl::CivilDay as_of);
  // Open invoice and debit memo balances as of `as_of`, bucketed by days
  // past due and grouped. Documents issued after as_of are left out;
  // payments and credits dated after it are not yet counted.
  static absl::StatusOr<std::vector<AgeingGroup>> Ageing(db::Transaction& tx, absl::CivilDay as_of, bool as_of_now,
                                                         AgeingKey key, const AgeingFilter& filter);
  // Open documents as of `as_of` (drill-down), by id after `after_id`.
  static absl::StatusOr<std::vector<OpenDocument>> OpenDocuments(db::Transaction& tx, absl::CivilDay as_of,
                                                                 bool as_of_now, const AgeingFilter& filter,
                                                                 int64_t after_id, int limit);
  // The earliest due date among each customer's open documents past due on
  // `as_of` (the documents OpenDocuments lists), in one statement for all
  // the customers named; customers with nothing past due are absent.
  static absl::StatusOr<std::map<int64_t, absl::CivilDay>> OldestOverdueDueOn(db::Transaction& tx, absl::CivilDay as_of,
                                                                              bool as_of_now,
                                                                              const std::vector<int64_t>& customer_ids);

  // Distinct (rep, customer) pairs of invoices with an open balance now, or
  // (as_of_now false) of invoices issued by `as_of` with a positive gross.
  static absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> RepCustomerPairs(db::Transaction& tx,
                                                                                   absl::CivilDay as_of,
                                                                                   bool as_of_now);
  // The maintained open balances of invoices plus debit memos, per
  // customer; customer_id 0 = every customer.
  static absl::StatusOr<std::map<int64_t, int64_t>> OpenBalances(db::Transaction& tx, int64_t customer_id);

  // Marks the customer's supply held or released on the summary row read by
  // the credit check (GetCustomerExposure). Called by the collections ladder
  // in the transaction that sets or releases the hold.
  static absl::Status SetCustomerHold(db::Transaction& tx, int64_t customer_id, bool on_hold, const std::string& reason,
                                      absl::Time now);
};

}  // namespace sales::finance
