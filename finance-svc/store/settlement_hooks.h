// Hooks the receivables core calls inside its posting transactions so that
// the collections ladder can react in the same transaction. Declared by the
// core (finance_api / payment application); defined by the collections part
// in settlement_hooks.cc.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "platform/mysql.h"

namespace sales::finance {

// Called after each payment or credit application that leaves the invoice's
// balance at zero, in the same transaction, after the invoice row and the
// customer summary are updated: closes the invoice's collection case and,
// when nothing else of the customer is overdue, releases the credit hold.
// An error rolls the whole application back.
absl::Status OnInvoiceSettled(db::Transaction& tx, int64_t invoice_id, absl::Time now);

}  // namespace sales::finance
