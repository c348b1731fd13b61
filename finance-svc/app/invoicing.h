// Issuing an invoice (财务部开票, with the customer's payment terms asked of
// customers-svc before the transaction) and cancelling an issued one: a
// credit memo for the open balance, line by line, and the unpaid lines
// billable again.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "finance-svc/store/invoice_store.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

namespace invoice_state {
// InvoiceRow::state: the InvoiceState number (the table stores its name).
inline constexpr int kRequested = v1::INVOICE_STATE_REQUESTED, kReviewed = v1::INVOICE_STATE_REVIEWED,
                     kRejected = v1::INVOICE_STATE_REJECTED, kWithdrawn = v1::INVOICE_STATE_WITHDRAWN,
                     kIssued = v1::INVOICE_STATE_ISSUED, kPaid = v1::INVOICE_STATE_PAID,
                     kCancelled = v1::INVOICE_STATE_CANCELLED;
}  // namespace invoice_state

// FAILED_PRECONDITION INVOICE_STATE naming the state found and the one expected.
absl::Status WrongState(const InvoiceRow& inv, const char* expected);

class Invoicing {
 public:
  Invoicing(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed and the caller's role checked (api/).
  absl::StatusOr<v1::IssueInvoiceResponse> IssueInvoice(db::Transaction& tx, const CallContext& call,
                                                        const v1::IssueInvoiceRequest& request, int32_t terms);
  // `terms`: the customer's payment terms asked before the transaction, or
  // -1 when the invoice was not REVIEWED then (ABORTED if it is now).
  absl::StatusOr<v1::CancelInvoiceResponse> CancelInvoice(db::Transaction& tx, const CallContext& call,
                                                          const v1::CancelInvoiceRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::finance
