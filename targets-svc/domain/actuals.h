// Turning the facts other services publish into actual entries (domain.md
// §3 Progress: actuals arrive as events from orders and finance, attributed
// to the credited rep and the product line). Pure: event in, rows out.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "sales/common/v1/event.pb.h"
#include "sales/targets/v1/actuals.pb.h"

namespace sales::targets {

// One line's contribution to the monthly actuals; amounts are signed deltas.
struct ActualDelta {
  std::string source_ref;  // unique per event line: "<event_id>/<line>"
  v1::ActualEntryKind kind = v1::ACTUAL_ENTRY_KIND_UNSPECIFIED;
  absl::CivilDay business_date;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;  // 0: the rep's unit when the entry is applied
  int64_t product_line_id = 0;
  int64_t customer_id = 0;
  int64_t sales_amount = 0;
  int64_t collected_amount = 0;
  int64_t gross_profit = 0;
  int64_t quantity = 0;
  int64_t new_customers = 0;
  int64_t booked_amount = 0;
  int64_t returned_amount = 0;
  // What the entry traces back to (0 when not applicable): the order, the
  // shipment or return receipt, the payment and the invoice it paid.
  int64_t order_id = 0;
  int64_t shipment_id = 0;
  int64_t payment_id = 0;
  int64_t invoice_id = 0;
};

// The deltas an orders or finance event carries; an event type targets does
// not count (an invoice, a hold) gives none. INVALID_ARGUMENT when the
// payload cannot be read.
absl::StatusOr<std::vector<ActualDelta>> ActualsFromEvent(const common::v1::Event& event);

// The service whose fact an entry of `kind` records: "orders" for booked,
// shipped, returned and cancelled, "finance" for collected, "import" for
// history.
const char* SourceServiceOf(v1::ActualEntryKind kind);

}  // namespace sales::targets
