// Invoices (销售发票) and their lines; VAT rates; the settlement of an
// invoice's balance by payments and credits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/document_scope.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/finance/v1/invoice.pb.h"
#include "sales/finance/v1/invoice_messages.pb.h"

namespace sales::finance {

struct InvoiceRow {
  int64_t id = 0;
  std::string number;
  int64_t customer_id = 0, rep_id = 0, org_unit_id = 0;
  int state = 0;  // InvoiceState
  std::string currency;
  int64_t gross = 0, paid = 0, credited = 0, balance = 0;
  std::optional<absl::CivilDay> invoice_date, due_on;
  int64_t version = 0;
  int64_t requested_by_rep = 0;
};

// An invoice line's quantity not yet credited by issued return memos.
struct UncreditedLine {
  int64_t billable_line_id = 0;
  int64_t quantity = 0;
};

// A requested line after validation against its billable line.
struct RequestedLine {
  int64_t billable_line_id = 0;
  int64_t quantity = 0;
  int32_t tax_rate_bp = 0;  // 0 = rate in force at issue
  std::string description;
};

class InvoiceStore {
 public:
  static absl::StatusOr<InvoiceRow> Lock(db::Transaction& tx, int64_t id);
  // Locks in ascending id order (the fixed order every posting uses).
  static absl::StatusOr<std::vector<InvoiceRow>> LockMany(db::Transaction& tx, std::vector<int64_t> ids);

  static absl::StatusOr<v1::Invoice> Get(db::Transaction& tx, int64_t id);
  static absl::StatusOr<v1::Invoice> GetByNumber(db::Transaction& tx, const std::string& number);
  // Filters of ListInvoicesRequest within `scope`; up to limit+1 after `after_id`.
  static absl::StatusOr<std::vector<v1::Invoice>> List(db::Transaction& tx, const v1::ListInvoicesRequest& req,
                                                       const DocumentScope& scope, int64_t after_id, int limit);

  // Validates lines against billable lines (locked), reserves their
  // quantities and writes a REQUESTED invoice (or replaces the lines of
  // `existing_id`). Field paths are prefixed with `field`.
  static absl::StatusOr<int64_t> WriteRequest(db::Transaction& tx, int64_t existing_id, int64_t customer_id,
                                              const std::vector<RequestedLine>& lines, const std::string& note,
                                              const std::string& field, int64_t requested_by, absl::Time now);
  // Replaces a requested invoice's note alone (UpdateInvoice with a mask
  // naming only `note`): its lines, their ids and preview rates stay.
  static absl::Status SetNote(db::Transaction& tx, int64_t invoice_id, const std::string& note, absl::Time now);
  // Gives a REQUESTED/REVIEWED invoice's quantities back to its billable lines.
  static absl::Status ReleaseLines(db::Transaction& tx, int64_t invoice_id, absl::Time now);
  static absl::Status SetState(db::Transaction& tx, int64_t id, int state, const std::string& reason,
                               const char* actor_column, int64_t actor, absl::Time now);

  // Issues a REVIEWED invoice (locked by the caller): re-checks every line
  // against what was shipped, takes the year's next number, fixes VAT per
  // line, the due date, posts the summary and ledger. Returns the number.
  static absl::StatusOr<std::string> Issue(db::Transaction& tx, const InvoiceRow& inv, absl::CivilDay invoice_date,
                                           int32_t payment_terms_days, int64_t issued_by, absl::Time now);

  // Reduces an issued invoice's balance by a payment (paid_delta) or a
  // credit (credited_delta); negative deltas reopen it (reversal). Moves the
  // state, the customer summary, and calls OnInvoiceSettled when the
  // balance reaches zero.
  static absl::Status Settle(db::Transaction& tx, InvoiceRow& inv, int64_t paid_delta, int64_t credited_delta,
                             absl::Time now);

  // Gross amounts per product line, for splitting collections.
  static absl::StatusOr<std::vector<LineWeight>> Weights(db::Transaction& tx, int64_t invoice_id);
  static absl::StatusOr<std::vector<int64_t>> OrderIds(db::Transaction& tx, int64_t invoice_id);

  // Records the customer's signed receipt of an issued invoice (locked by
  // the caller).
  static absl::Status RecordReceipt(db::Transaction& tx, int64_t id, const common::v1::Date& signed_on,
                                    const std::string& signed_by, absl::Time now);
  // Per line of the invoice, by billable line id: its quantity less what
  // issued return credit memos credited (what a cancellation gives back).
  static absl::StatusOr<std::vector<UncreditedLine>> UncreditedQuantities(db::Transaction& tx, int64_t invoice_id);
  // Marks an issued invoice (locked by the caller) CANCELLED by the credit
  // memo that credits its open balance.
  static absl::Status MarkCancelled(db::Transaction& tx, int64_t id, const std::string& reason, int64_t credit_memo_id,
                                    absl::Time now);
};

class TaxStore {
 public:
  // The rate in force on `day` for the product line (its own rate, else the
  // company default, else 13 %).
  static absl::StatusOr<int32_t> RateOn(db::Transaction& tx, int64_t product_line_id, absl::CivilDay day);
  static absl::StatusOr<v1::TaxRate> Insert(db::Transaction& tx, const v1::TaxRate& rate, int64_t by, absl::Time now);
  static absl::StatusOr<std::vector<v1::TaxRate>> List(db::Transaction& tx, const v1::ListTaxRatesRequest& req,
                                                       int64_t after_id, int limit);
};

const char* InvoiceStateName(int state);

}  // namespace sales::finance
