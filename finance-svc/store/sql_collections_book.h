// The collections book on MariaDB: each operation is the store's statement
// in the caller's transaction; events go to the outbox (or, without one —
// the settlement hook's bare transaction — straight to its table).
#pragma once

#include "finance-svc/app/collections_book.h"
#include "platform/mysql.h"
#include "platform/outbox.h"

namespace sales::finance {

class SqlCollectionsBook final : public CollectionsBook {
 public:
  SqlCollectionsBook(db::Transaction& tx, Outbox* outbox) : tx_(tx), outbox_(outbox) {}

  absl::Status TakeSweepTurn() override;
  absl::StatusOr<std::vector<int64_t>> SettledOpenCases(int64_t customer_id) override;
  absl::StatusOr<std::vector<LadderInvoice>> OverdueInvoices(absl::CivilDay as_of, int64_t customer_id) override;
  absl::StatusOr<std::vector<int64_t>> CustomersOnCollectionsHold(int64_t customer_id) override;
  absl::StatusOr<CaseRecord> GetCase(int64_t case_id, bool for_update) override;
  absl::StatusOr<std::optional<CaseRecord>> CaseOfInvoice(int64_t invoice_id, bool for_update) override;
  absl::StatusOr<int64_t> InsertCase(const CaseRecord& c, absl::Time now) override;
  absl::Status UpdateCase(CaseRecord& c, absl::Time now) override;
  absl::Status AppendStep(int64_t case_id, const StepRecord& step, const Actor& actor, absl::Time now) override;
  absl::StatusOr<LadderInvoice> Invoice(int64_t invoice_id) override;
  absl::StatusOr<std::optional<HoldRecord>> ActiveHold(int64_t customer_id, bool for_update) override;
  absl::StatusOr<int64_t> InsertHold(const HoldRecord& h, absl::Time now) override;
  absl::Status LinkHoldCase(int64_t hold_id, int64_t case_id) override;
  absl::Status ReleaseHold(HoldRecord& h, absl::CivilDay on, const std::string& reason, absl::Time now) override;
  absl::Status SetCustomerOnHold(int64_t customer_id, bool on_hold, const std::string& reason, absl::Time now) override;
  absl::StatusOr<bool> CustomerHasOverdue(int64_t customer_id, absl::CivilDay today) override;
  absl::StatusOr<int64_t> CustomerOverdueMinor(int64_t customer_id, absl::CivilDay today) override;
  absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                     const std::string& from, const std::string& to, const std::string& reason, const Actor& actor,
                     absl::Time now) override;
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id, absl::Time now) override;

 private:
  db::Transaction& tx_;
  Outbox* outbox_;
};

}  // namespace sales::finance
