// What the collections ladder reads and writes inside its one transaction:
// the seam between app/collections_ladder (the workflow) and store/ (the
// SQL). SqlCollectionsBook (store/sql_collections_book.h) answers on
// MariaDB; the application tests answer from memory
// (tests/finance/app/fake_collections_book.h). One store operation each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/collections_store.h"
#include "google/protobuf/message.h"

namespace sales::finance {

class CollectionsBook {
 public:
  virtual ~CollectionsBook() = default;

  // ---- The daily sweep ----
  // Takes the sweep's turn (one run at a time; a second waits for the first
  // to commit). FAILED_PRECONDITION when the turn's row is missing.
  virtual absl::Status TakeSweepTurn() = 0;
  // Open cases whose invoice no longer has an open balance (0 = every customer).
  virtual absl::StatusOr<std::vector<int64_t>> SettledOpenCases(int64_t customer_id) = 0;
  // Invoices overdue on `as_of` with an open balance (0 = every customer).
  virtual absl::StatusOr<std::vector<LadderInvoice>> OverdueInvoices(absl::CivilDay as_of, int64_t customer_id) = 0;
  // Customers under an active collections hold (0 = every customer).
  virtual absl::StatusOr<std::vector<int64_t>> CustomersOnCollectionsHold(int64_t customer_id) = 0;

  // ---- Cases ----
  virtual absl::StatusOr<CaseRecord> GetCase(int64_t case_id, bool for_update) = 0;
  virtual absl::StatusOr<std::optional<CaseRecord>> CaseOfInvoice(int64_t invoice_id, bool for_update) = 0;
  virtual absl::StatusOr<int64_t> InsertCase(const CaseRecord& c, absl::Time now) = 0;
  // Writes every mutable column and bumps the version.
  virtual absl::Status UpdateCase(CaseRecord& c, absl::Time now) = 0;
  virtual absl::Status AppendStep(int64_t case_id, const StepRecord& step, const Actor& actor, absl::Time now) = 0;
  virtual absl::StatusOr<LadderInvoice> Invoice(int64_t invoice_id) = 0;

  // ---- Holds (supply stops) ----
  virtual absl::StatusOr<std::optional<HoldRecord>> ActiveHold(int64_t customer_id, bool for_update) = 0;
  virtual absl::StatusOr<int64_t> InsertHold(const HoldRecord& h, absl::Time now) = 0;
  virtual absl::Status LinkHoldCase(int64_t hold_id, int64_t case_id) = 0;
  virtual absl::Status ReleaseHold(HoldRecord& h, absl::CivilDay on, const std::string& reason, absl::Time now) = 0;
  // The on-hold flag of the customer's credit-check summary.
  virtual absl::Status SetCustomerOnHold(int64_t customer_id, bool on_hold, const std::string& reason,
                                         absl::Time now) = 0;
  // Whether anything of the customer is overdue on `today`, not counting
  // invoices whose case finance closed by hand.
  virtual absl::StatusOr<bool> CustomerHasOverdue(int64_t customer_id, absl::CivilDay today) = 0;
  virtual absl::StatusOr<int64_t> CustomerOverdueMinor(int64_t customer_id, absl::CivilDay today) = 0;

  // ---- The audit trail and the feed ----
  virtual absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                             const std::string& from, const std::string& to, const std::string& reason,
                             const Actor& actor, absl::Time now) = 0;
  virtual absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id,
                               const google::protobuf::Message& event, const std::string& request_id,
                               absl::Time now) = 0;
};

}  // namespace sales::finance
