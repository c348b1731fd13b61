// Reads behind the reports (domain.md §8): the invoicing report's invoices,
// credits and shipped-but-unbilled value by day, and the collections,
// overdue-case and commission reports. Read-only; the handlers group the
// rows into periods.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "finance-svc/store/document_scope.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"

namespace sales::finance {

// What the invoicing report groups by.
enum class InvoicingKey { kRep, kOrgUnit, kCustomer, kProductLine };

struct InvoicingFilter {
  InvoicingKey key = InvoicingKey::kRep;
  int64_t rep_id = 0, org_unit_id = 0;  // the request's; 0 = any
  DocumentScope scope{.all = true};     // the caller's, on the documents' rep_id / org_unit_id
};

// Invoices issued on one day under one key.
struct InvoicedDay {
  int64_t key = 0;
  absl::CivilDay day;
  int64_t invoices = 0;  // distinct invoices
  int64_t net = 0, tax = 0;
  int64_t rep_id = 0, org_unit_id = 0;  // the highest of the day's documents
};

// Credit memos issued on one day under one key.
struct CreditedDay {
  int64_t key = 0;
  absl::CivilDay day;
  int64_t gross = 0;
  int64_t rep_id = 0, org_unit_id = 0;  // the highest of the day's memos
};

// A value (net + default VAT) moved on one day under one key.
struct ValueOnDay {
  int64_t key = 0;
  absl::CivilDay day;
  int64_t amount = 0;
};

// The reps and units a collections report covers (already narrowed to the
// caller) and the customer asked for.
struct ReportFilter {
  int64_t rep_id = 0;             // 0 = any
  std::vector<int64_t> unit_ids;  // empty = any
  int64_t customer_id = 0;        // 0 = any
};

// A payment application in force, or (by product line) one of its parts.
struct AppliedAmount {
  int64_t rep_id = 0, org_unit_id = 0, customer_id = 0;
  int64_t product_line_id = 0;  // 0 unless split by product line
  absl::CivilDay applied_on;
  int days_past_due = 0;
  int64_t amount = 0;
};

// An issued invoice, or (by product line) one of its lines, falling due.
struct DueAmount {
  int64_t rep_id = 0, org_unit_id = 0, customer_id = 0;
  int64_t product_line_id = 0;  // 0 unless split by product line
  absl::CivilDay due_on;
  int64_t amount = 0;  // gross
};

// A payment received and not dishonored.
struct ReceivedPayment {
  int64_t rep_id = 0, customer_id = 0;
  absl::CivilDay received_on;
  int64_t amount = 0;  // settlement amount
};

// A collection case as the last sweep left it.
struct CaseSnapshot {
  int stage = 0;  // CollectionStage
  int64_t rep_id = 0, org_unit_id = 0, customer_id = 0;
  int64_t overdue_minor = 0;
  absl::CivilDay due_on;
  bool deadline_missed = false;  // a confirmation or notice deadline passed
};

// One commission statement's figures.
struct CommissionMonth {
  int64_t rep_id = 0, org_unit_id = 0;
  absl::CivilDay month;
  int32_t attainment_bp = 0;
  int64_t total = 0, payable_now = 0, held_back = 0;
  int64_t outstanding_deductions = 0;  // the rep's open deductions now
};

class ReportStore {
 public:
  // Invoices issued (cancelled ones too) with invoice_date in [from, to], per
  // key and day; by product line the sums come from the invoice lines.
  static absl::StatusOr<std::vector<InvoicedDay>> InvoicedByDay(db::Transaction& tx, absl::CivilDay from,
                                                                absl::CivilDay to, const InvoicingFilter& f);
  // Issued or settled credit memos with memo_date in [from, to], per key and
  // day; by product line the sums come from the memo lines.
  static absl::StatusOr<std::vector<CreditedDay>> CreditedByDay(db::Transaction& tx, absl::CivilDay from,
                                                                absl::CivilDay to, const InvoicingFilter& f);
  // Billable quantities shipped and kept (less returns) up to `to`, valued
  // at net plus the default VAT rounded per line, per key and ship day.
  static absl::StatusOr<std::vector<ValueOnDay>> ShippedValueByDay(db::Transaction& tx, absl::CivilDay to,
                                                                   const InvoicingFilter& f);
  // The same valuation of billable quantities on issued, partly paid or paid
  // invoices dated up to `to`, per key (of the billable line) and invoice day.
  static absl::StatusOr<std::vector<ValueOnDay>> InvoicedValueByDay(db::Transaction& tx, absl::CivilDay to,
                                                                    const InvoicingFilter& f);

  // Payment applications in force applied within `range`; split by product
  // line when `by_line`.
  static absl::StatusOr<std::vector<AppliedAmount>> AppliedInRange(db::Transaction& tx,
                                                                   const common::v1::DateRange& range, bool by_line,
                                                                   const ReportFilter& f);
  // Issued, partly paid or paid invoices due within `range`; split by
  // product line when `by_line`.
  static absl::StatusOr<std::vector<DueAmount>> DueInRange(db::Transaction& tx, const common::v1::DateRange& range,
                                                           bool by_line, const ReportFilter& f);
  // Payments received within `range`, not dishonored. A payment carries no
  // unit, so only the filter's rep and customer apply.
  static absl::StatusOr<std::vector<ReceivedPayment>> ReceivedInRange(db::Transaction& tx,
                                                                      const common::v1::DateRange& range,
                                                                      const ReportFilter& f);
  // Cases of invoices due before `as_of` and not closed on it (including
  // those closed later, whose stage is CLOSED now). The customer is not
  // filtered.
  static absl::StatusOr<std::vector<CaseSnapshot>> CasesOpenOn(db::Transaction& tx, absl::CivilDay as_of,
                                                               const ReportFilter& f);
  // Commission statements of the months in `months`, by month then rep. The
  // customer is not filtered.
  static absl::StatusOr<std::vector<CommissionMonth>> CommissionMonths(db::Transaction& tx,
                                                                       const common::v1::DateRange& months,
                                                                       const ReportFilter& f);
};

}  // namespace sales::finance
