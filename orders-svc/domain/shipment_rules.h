// Pure shipping rules (domain.md §5 Stock and shipping, [001 发货流程],
// [001 第7条 一个工作日内组织发货]): how much may be requested and posted,
// the shipment requisition's life, the order's state as goods leave and are
// signed for, and the working-day calendar behind the late rule. No I/O.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "orders-svc/domain/errors.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/shipment.pb.h"

namespace sales::orders {

// What one order line allows in one warehouse when a requisition is raised.
struct RequestableLine {
  int64_t ordered = 0;              // order line quantity
  int64_t shipped = 0;              // already posted on outbound notes
  int64_t reserved_open = 0;        // open reservation of the line in the warehouse
  int64_t requested_unshipped = 0;  // on open requisitions, not yet posted (same warehouse)
};
// The quantity still requestable: open reservation not yet on a requisition,
// never beyond what is ordered and not shipped.
int64_t RequestableQuantity(const RequestableLine& l);
// OK, or FAILED_PRECONDITION EXCEEDS_RESERVED naming `field`.
absl::Status CheckRequestQuantity(const RequestableLine& l, int64_t quantity, const std::string& field);

// What bounds one posting of a requisition line.
struct PostableLine {
  int64_t requested = 0;            // requisition line quantity
  int64_t requisition_shipped = 0;  // already posted against this requisition line
  int64_t ordered = 0;              // order line quantity
  int64_t order_shipped = 0;        // already posted for the order line (all requisitions)
  int64_t reserved_open = 0;        // open reservation of the line in the posting warehouse
};
// OK, or FAILED_PRECONDITION with reason EXCEEDS_REQUESTED, EXCEEDS_ORDERED
// or EXCEEDS_RESERVED (checked in that order; the first bound hit wins).
absl::Status CheckPostQuantity(const PostableLine& l, int64_t quantity, const std::string& field);

// Shipment requisition life: PENDING_APPROVAL → APPROVED | REJECTED |
// CANCELLED; APPROVED → PARTIALLY_SHIPPED | SHIPPED | CANCELLED;
// PARTIALLY_SHIPPED → SHIPPED | CANCELLED (rest closed short).
enum class RequisitionAction { kApprove, kReject, kCancel, kPost };
// OK or FAILED_PRECONDITION (REQUISITION_NOT_PENDING / REQUISITION_NOT_APPROVED
// / REQUISITION_CLOSED).
absl::Status CheckRequisitionAction(v1::ShipmentRequisitionStatus from, RequisitionAction action);
// State after posting, from the requisition lines' requested and posted totals.
v1::ShipmentRequisitionStatus RequisitionStatusAfterPost(int64_t requested_total, int64_t shipped_total);

// Order states a requisition may be raised against.
bool OrderAcceptsShipment(v1::OrderStatus s);

// One order line as shipping sees it.
struct LineProgress {
  int64_t ordered = 0;
  int64_t shipped = 0;
  int64_t delivered = 0;
};
// PARTIALLY_SHIPPED while any positive line has less shipped than ordered,
// SHIPPED when every one is complete. Lines with quantity <= 0 (corrections)
// do not ship.
v1::OrderStatus OrderStatusAfterShipment(const std::vector<LineProgress>& lines);
// DELIVERED when fully shipped and `all_outbound_delivered`; otherwise the
// shipping state unchanged.
v1::OrderStatus OrderStatusAfterDelivery(const std::vector<LineProgress>& lines, bool all_outbound_delivered);
bool FullyShipped(const std::vector<LineProgress>& lines);

// The working calendar of the order policy.
struct WorkingCalendar {
  std::set<int> weekend_days = {6, 7};  // ISO weekdays, 1 = Monday
  std::set<absl::CivilDay> holidays;
  std::set<absl::CivilDay> extra_working_days;  // 调休: weekend days worked
  bool IsWorkingDay(absl::CivilDay d) const;
};
// The day `n` working days after `from` (n >= 0; n = 0 gives `from` itself
// when it is a working day, else the next working day).
absl::CivilDay AddWorkingDays(const WorkingCalendar& cal, absl::CivilDay from, int n);
// Ship-by date: `ship_within` working days after the confirmation day
// (confirmed Friday, 1 day → Monday).
absl::CivilDay ShipDueDate(const WorkingCalendar& cal, absl::CivilDay confirm_day, int ship_within);
// Working days in (due, day]: how late an order is on `day`; 0 when on time.
int WorkingDaysLate(const WorkingCalendar& cal, absl::CivilDay due, absl::CivilDay day);
// Late as of `as_of`: nothing shipped and as_of is past the due day, or the
// first shipment left after the due day.
bool IsLate(absl::CivilDay due, const absl::CivilDay* first_ship_day, absl::CivilDay as_of);

// Delivery input check: signer required, date not before the ship date.
absl::Status CheckDelivery(const v1::DeliveryReceipt& d, absl::CivilDay ship_day);

}  // namespace sales::orders
