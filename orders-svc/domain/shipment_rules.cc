#include "orders-svc/domain/shipment_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::Status Refuse(absl::string_view reason, std::string message, const std::string& field) {
  return WithErrorInfo(absl::FailedPreconditionError(std::move(message)), reason, kOrdersDomain, {{"field", field}});
}

int IsoWeekday(absl::CivilDay d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 0;
}

}  // namespace

int64_t RequestableQuantity(const RequestableLine& l) {
  int64_t by_reservation = l.reserved_open - l.requested_unshipped;
  int64_t by_order = l.ordered - l.shipped - l.requested_unshipped;
  return std::max<int64_t>(0, std::min(by_reservation, by_order));
}

absl::Status CheckRequestQuantity(const RequestableLine& l, int64_t quantity, const std::string& field) {
  if (quantity <= 0) return InvalidField(field, "must be > 0");
  int64_t can = RequestableQuantity(l);
  if (quantity > can) {
    return Refuse(
        "EXCEEDS_RESERVED",
        absl::StrCat("requested ", quantity, " but only ", can, " is reserved and not yet requested (reserved ",
                     l.reserved_open, ", on open requisitions ", l.requested_unshipped, ")"),
        field);
  }
  return absl::OkStatus();
}

absl::Status CheckPostQuantity(const PostableLine& l, int64_t quantity, const std::string& field) {
  if (quantity <= 0) return InvalidField(field, "must be > 0");
  if (quantity > l.requested - l.requisition_shipped) {
    return Refuse("EXCEEDS_REQUESTED",
                  absl::StrCat("posting ", quantity, " but the requisition line has ",
                               l.requested - l.requisition_shipped, " left to ship"),
                  field);
  }
  if (quantity > l.ordered - l.order_shipped) {
    return Refuse(
        "EXCEEDS_ORDERED",
        absl::StrCat("posting ", quantity, " but the order line has ", l.ordered - l.order_shipped, " left to ship"),
        field);
  }
  if (quantity > l.reserved_open) {
    return Refuse("EXCEEDS_RESERVED",
                  absl::StrCat("posting ", quantity, " but only ", l.reserved_open,
                               " is reserved for the line in this warehouse"),
                  field);
  }
  return absl::OkStatus();
}

absl::Status CheckRequisitionAction(v1::ShipmentRequisitionStatus from, RequisitionAction action) {
  const std::string state = v1::ShipmentRequisitionStatus_Name(from);
  switch (action) {
    case RequisitionAction::kApprove:
    case RequisitionAction::kReject:
      if (from == v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL) return absl::OkStatus();
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("requisition is ", state)),
                           "REQUISITION_NOT_PENDING", kOrdersDomain, {{"status", state}});
    case RequisitionAction::kPost:
      if (from == v1::SHIPMENT_REQUISITION_STATUS_APPROVED ||
          from == v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED) {
        return absl::OkStatus();
      }
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("requisition is ", state)),
                           "REQUISITION_NOT_APPROVED", kOrdersDomain, {{"status", state}});
    case RequisitionAction::kCancel:
      if (from == v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL ||
          from == v1::SHIPMENT_REQUISITION_STATUS_APPROVED ||
          from == v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED) {
        return absl::OkStatus();
      }
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("requisition is ", state)), "REQUISITION_CLOSED",
                           kOrdersDomain, {{"status", state}});
  }
  return absl::InternalError("unknown requisition action");
}

v1::ShipmentRequisitionStatus RequisitionStatusAfterPost(int64_t requested_total, int64_t shipped_total) {
  if (shipped_total <= 0) return v1::SHIPMENT_REQUISITION_STATUS_APPROVED;
  return shipped_total >= requested_total ? v1::SHIPMENT_REQUISITION_STATUS_SHIPPED
                                          : v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED;
}

bool OrderAcceptsShipment(v1::OrderStatus s) {
  return s == v1::ORDER_STATUS_CONFIRMED || s == v1::ORDER_STATUS_PARTIALLY_SHIPPED;
}

bool FullyShipped(const std::vector<LineProgress>& lines) {
  bool any = false;
  for (const auto& l : lines) {
    if (l.ordered <= 0) continue;
    any = true;
    if (l.shipped < l.ordered) return false;
  }
  return any;
}

v1::OrderStatus OrderStatusAfterShipment(const std::vector<LineProgress>& lines) {
  return FullyShipped(lines) ? v1::ORDER_STATUS_SHIPPED : v1::ORDER_STATUS_PARTIALLY_SHIPPED;
}

v1::OrderStatus OrderStatusAfterDelivery(const std::vector<LineProgress>& lines, bool all_outbound_delivered) {
  if (FullyShipped(lines) && all_outbound_delivered) return v1::ORDER_STATUS_DELIVERED;
  return OrderStatusAfterShipment(lines);
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay d) const {
  if (holidays.count(d)) return false;
  if (extra_working_days.count(d)) return true;
  return weekend_days.count(IsoWeekday(d)) == 0;
}

absl::CivilDay AddWorkingDays(const WorkingCalendar& cal, absl::CivilDay from, int n) {
  absl::CivilDay d = from;
  // A calendar with every weekday off would loop for ever; 7 weekend days
  // plus holidays is a configuration error the policy validation refuses,
  // so bound the walk to stay total.
  int guard = 0;
  while (!cal.IsWorkingDay(d) && guard++ < 3660) ++d;
  for (int i = 0; i < n && guard < 3660; ++guard) {
    ++d;
    if (cal.IsWorkingDay(d)) ++i;
  }
  return d;
}

absl::CivilDay ShipDueDate(const WorkingCalendar& cal, absl::CivilDay confirm_day, int ship_within) {
  // Confirmation on a non-working day counts from the next working day:
  // the clerk's "one working day" starts when the office is open.
  return AddWorkingDays(cal, confirm_day, std::max(0, ship_within));
}

int WorkingDaysLate(const WorkingCalendar& cal, absl::CivilDay due, absl::CivilDay day) {
  int n = 0;
  for (absl::CivilDay d = due + 1; d <= day && n < 3660; ++d) {
    if (cal.IsWorkingDay(d)) ++n;
  }
  return n;
}

bool IsLate(absl::CivilDay due, const absl::CivilDay* first_ship_day, absl::CivilDay as_of) {
  if (first_ship_day != nullptr) return *first_ship_day > due;
  return as_of > due;
}

absl::Status CheckDelivery(const v1::DeliveryReceipt& d, absl::CivilDay ship_day) {
  std::vector<FieldViolation> v;
  if (d.signed_by().empty()) v.push_back({"delivery.signed_by", "required: who signed the receipt"});
  if (!d.has_delivery_date()) {
    v.push_back({"delivery.delivery_date", "required"});
  } else if (auto st = ValidateDate(d.delivery_date(), "delivery.delivery_date"); !st.ok()) {
    return st;
  } else if (ToCivilDay(d.delivery_date()) < ship_day) {
    v.push_back({"delivery.delivery_date", "before the ship date"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace sales::orders
