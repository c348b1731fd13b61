// Billable shipment lines from the orders-svc feed, and the credit memos
// that returns produce.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "finance-svc/store/document_scope.h"
#include "platform/mysql.h"
#include "sales/common/v1/event.pb.h"
#include "sales/finance/v1/billing.pb.h"
#include "sales/finance/v1/billing_messages.pb.h"

namespace sales::finance {

struct BillableRow {
  int64_t id = 0;
  int64_t customer_id = 0, rep_id = 0, org_unit_id = 0;
  int64_t order_id = 0, shipment_id = 0, product_id = 0, product_line_id = 0;
  std::string sku, unit, currency;
  bool commissionable = false;
  int64_t unit_price_minor = 0;
  int64_t shipped = 0, billed = 0, invoiced = 0, returned = 0;
  // Quantity neither on an invoice (request or issued) nor returned.
  int64_t Available() const { return shipped - billed - returned; }
};

class BillingStore {
 public:
  // Applies one orders-svc event (OrderShippedEvent → billable lines,
  // OrderReturnedEvent → unbilled quantity back or a PENDING return credit
  // memo); other events are ignored. Runs in the feed consumer's
  // transaction, which already guarantees exactly-once; the unique keys
  // make a replay a no-op besides.
  static absl::Status ApplyOrdersEvent(db::Transaction& tx, const common::v1::Event& e, absl::Time now);

  // Locks the lines (ascending id) for an invoice request or issue.
  static absl::StatusOr<std::vector<BillableRow>> LockLines(db::Transaction& tx, std::vector<int64_t> ids);
  // Moves billed/invoiced quantities of one line and the customer's
  // shipped-unbilled value with it.
  static absl::Status AdjustQuantities(db::Transaction& tx, const BillableRow& line, int64_t billed_delta,
                                       int64_t invoiced_delta, absl::Time now);

  static absl::StatusOr<v1::BillableLine> Get(db::Transaction& tx, int64_t id);
  // Filters of ListBillableLinesRequest within `scope` (the caller's reps
  // and units). Returns up to limit+1 rows after `after_id`.
  static absl::StatusOr<std::vector<v1::BillableLine>> List(db::Transaction& tx,
                                                            const v1::ListBillableLinesRequest& req,
                                                            const DocumentScope& scope, int64_t after_id, int limit);
  static absl::StatusOr<v1::OrdersFeedStatus> FeedStatus(db::Transaction& tx);
};

// The consumer name the feed cursor is stored under.
inline constexpr char kOrdersConsumer[] = "finance<-orders";

// Shipped-but-unbilled value of a line (net + default VAT), the part of the
// customer summary the line contributes.
int64_t UnbilledValueOf(const BillableRow& line);

}  // namespace sales::finance
