// Payments (回款) from bank notices, their applications to invoices (核销),
// refunds and dishonor. Lock order in every posting: the payment row, then
// documents by ascending id, then the customer summary row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/document_scope.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/payment.pb.h"
#include "sales/finance/v1/payment_messages.pb.h"

namespace sales::finance {

inline constexpr char kCompanyCurrency[] = "CNY";

struct PaymentRow {
  int64_t id = 0, customer_id = 0, rep_id = 0;
  int state = 0;  // PaymentState
  int method = 0;
  std::string currency;  // settlement currency
  int64_t settlement = 0, applied = 0, unapplied = 0, refunded = 0;
  absl::CivilDay received_on;
  int64_t version = 0;
};

// One requested allocation, with the request field path for violations.
struct AllocationRequest {
  int64_t invoice_id = 0;
  int64_t debit_memo_id = 0;
  int64_t amount = 0;
  std::string field;
};

class PaymentStore {
 public:
  // ALREADY_EXISTS (BANK_REFERENCE_RECORDED) when the notice was booked.
  // Posts the customer summary (received, on account) and the ledger.
  static absl::StatusOr<v1::Payment> Insert(db::Transaction& tx, const v1::Payment& p, int64_t settlement_minor,
                                            absl::Time now);
  static absl::StatusOr<v1::Payment> Get(db::Transaction& tx, int64_t id);
  static absl::StatusOr<PaymentRow> Lock(db::Transaction& tx, int64_t id);
  // Filters of ListPaymentsRequest within `scope` (the payment's rep, or the
  // unit on the customer's summary row); up to limit+1 after `after_id`.
  static absl::StatusOr<std::vector<v1::Payment>> List(db::Transaction& tx, const v1::ListPaymentsRequest& req,
                                                       const DocumentScope& scope, int64_t after_id, int limit);

  // Applies a locked payment's remainder: oldest due first (up to
  // max_amount when > 0) or as allocated. Publishes PaymentAppliedEvent per
  // application. Nothing is posted when any allocation is refused.
  static absl::StatusOr<std::vector<v1::PaymentApplication>> Apply(db::Transaction& tx, Outbox& outbox,
                                                                   const CallContext& call, PaymentRow& payment,
                                                                   v1::ApplyMode mode,
                                                                   const std::vector<AllocationRequest>& allocations,
                                                                   int64_t max_amount, absl::Time now);

  static absl::StatusOr<v1::PaymentApplication> Reverse(db::Transaction& tx, Outbox& outbox, const CallContext& call,
                                                        PaymentRow& payment, int64_t application_id,
                                                        const std::string& reason, absl::CivilDay on, absl::Time now);
  static absl::StatusOr<v1::Refund> Refund(db::Transaction& tx, Outbox& outbox, const CallContext& call,
                                           PaymentRow& payment, const v1::Refund& refund, absl::Time now);
  static absl::StatusOr<std::vector<v1::PaymentApplication>> Dishonor(db::Transaction& tx, Outbox& outbox,
                                                                      const CallContext& call, PaymentRow& payment,
                                                                      const std::string& reason, absl::CivilDay on,
                                                                      absl::Time now);

  static absl::StatusOr<v1::PaymentApplication> GetApplication(db::Transaction& tx, int64_t id);
  // Filters of ListPaymentApplicationsRequest within `scope`; up to limit+1
  // after `after_id`.
  static absl::StatusOr<std::vector<v1::PaymentApplication>> ListApplications(
      db::Transaction& tx, const v1::ListPaymentApplicationsRequest& req, const DocumentScope& scope, int64_t after_id,
      int limit);
  static absl::StatusOr<std::vector<v1::Refund>> ListRefunds(db::Transaction& tx, const v1::ListRefundsRequest& req,
                                                             int64_t after_id, int limit);
};

}  // namespace sales::finance
