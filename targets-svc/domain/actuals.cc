#include "targets-svc/domain/actuals.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::targets {
namespace {

namespace ov1 = ::sales::orders::v1;
namespace fv1 = ::sales::finance::v1;

template <typename Msg>
absl::StatusOr<Msg> Unpack(const common::v1::Event& e) {
  Msg m;
  if (!e.payload().UnpackTo(&m)) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", e.event_id(), " does not hold a ", Msg::descriptor()->full_name()));
  }
  return m;
}

ActualDelta FromLine(const common::v1::Event& e, const ov1::OrderEventHeader& h, const ov1::EventLine& line,
                     v1::ActualEntryKind kind, const common::v1::Date& date) {
  ActualDelta d;
  d.source_ref = absl::StrCat(e.event_id(), "/", line.order_line_id());
  d.kind = kind;
  d.business_date = ToCivilDay(date.year() != 0 ? date : h.order_date());
  d.rep_id = h.credited_rep_id();
  d.org_unit_id = h.credited_org_unit_id();
  d.product_line_id = line.product_line_id();
  d.customer_id = h.customer_id();
  d.order_id = h.order_id();
  return d;
}

}  // namespace

absl::StatusOr<std::vector<ActualDelta>> ActualsFromEvent(const common::v1::Event& e) {
  std::vector<ActualDelta> out;
  const std::string& type = e.event_type();
  if (type == "OrderConfirmedEvent") {
    auto m = Unpack<ov1::OrderConfirmedEvent>(e);
    if (!m.ok()) return m.status();
    for (const auto& line : m->lines()) {
      ActualDelta d = FromLine(e, m->order(), line, v1::ACTUAL_ENTRY_KIND_BOOKED, m->confirm_date());
      d.booked_amount = line.net_amount().minor_units();
      out.push_back(d);
    }
  } else if (type == "OrderShippedEvent") {
    auto m = Unpack<ov1::OrderShippedEvent>(e);
    if (!m.ok()) return m.status();
    for (const auto& line : m->lines()) {
      ActualDelta d = FromLine(e, m->order(), line, v1::ACTUAL_ENTRY_KIND_SHIPPED, m->ship_date());
      d.shipment_id = m->shipment_id();
      d.sales_amount = line.net_amount().minor_units();
      d.quantity = line.quantity();
      d.gross_profit = line.net_amount().minor_units() - line.cost_amount().minor_units();
      out.push_back(d);
    }
  } else if (type == "OrderReturnedEvent") {
    // A return is a negative shipment (红字): it takes back sales, quantity
    // and margin in the month it is received.
    auto m = Unpack<ov1::OrderReturnedEvent>(e);
    if (!m.ok()) return m.status();
    for (const auto& line : m->lines()) {
      ActualDelta d = FromLine(e, m->order(), line, v1::ACTUAL_ENTRY_KIND_RETURNED, m->return_date());
      d.shipment_id = m->return_shipment_id();
      int64_t net = std::abs(line.net_amount().minor_units());
      int64_t cost = std::abs(line.cost_amount().minor_units());
      d.sales_amount = -net;
      d.quantity = -std::abs(line.quantity());
      d.gross_profit = -(net - cost);
      d.returned_amount = net;
      d.booked_amount = -net;  // also when sales count at booking
      out.push_back(d);
    }
  } else if (type == "OrderCancelledEvent") {
    auto m = Unpack<ov1::OrderCancelledEvent>(e);
    if (!m.ok()) return m.status();
    if (!m->was_confirmed()) return out;  // never booked, nothing to take back
    for (const auto& line : m->lines()) {
      ActualDelta d = FromLine(e, m->order(), line, v1::ACTUAL_ENTRY_KIND_CANCELLED, m->cancel_date());
      d.booked_amount = -line.net_amount().minor_units();
      out.push_back(d);
    }
  } else if (type == "PaymentAppliedEvent" || type == "PaymentApplicationReversedEvent") {
    bool reversed = type == "PaymentApplicationReversedEvent";
    int64_t rep = 0, unit = 0, customer = 0, payment = 0, invoice = 0, order = 0;
    common::v1::Date date;
    google::protobuf::RepeatedPtrField<fv1::ProductLineAmount> lines;
    if (reversed) {
      auto m = Unpack<fv1::PaymentApplicationReversedEvent>(e);
      if (!m.ok()) return m.status();
      rep = m->rep_id();
      unit = m->org_unit_id();
      customer = m->customer_id();
      date = m->reversed_on();
      lines = m->product_line_amounts();
      payment = m->payment_id();
      if (m->document_kind() == fv1::DOCUMENT_KIND_INVOICE) invoice = m->document_id();
    } else {
      auto m = Unpack<fv1::PaymentAppliedEvent>(e);
      if (!m.ok()) return m.status();
      rep = m->rep_id();
      unit = m->org_unit_id();
      customer = m->customer_id();
      date = m->applied_on();
      lines = m->product_line_amounts();
      payment = m->payment_id();
      if (m->document_kind() == fv1::DOCUMENT_KIND_INVOICE) invoice = m->document_id();
      // An application names its orders; one order is what a trace can show.
      if (m->order_ids_size() == 1) order = m->order_ids(0);
    }
    for (const auto& pl : lines) {
      ActualDelta d;
      d.source_ref = absl::StrCat(e.event_id(), "/", pl.product_line_id());
      d.kind = v1::ACTUAL_ENTRY_KIND_COLLECTED;
      d.business_date = ToCivilDay(date);
      d.rep_id = rep;
      d.org_unit_id = unit;
      d.product_line_id = pl.product_line_id();
      d.customer_id = customer;
      d.collected_amount = reversed ? -pl.amount().minor_units() : pl.amount().minor_units();
      d.payment_id = payment;
      d.invoice_id = invoice;
      d.order_id = order;
      out.push_back(d);
    }
  }
  // An event without a business date counts on the day it happened, in the
  // company's time zone (China Standard Time has no daylight saving).
  for (auto& d : out) {
    if (d.business_date.year() < 1900) {
      absl::Time at = absl::FromUnixSeconds(e.occurred_at().seconds());
      d.business_date = BusinessDay(at);
    }
  }
  return out;
}

const char* SourceServiceOf(v1::ActualEntryKind kind) {
  switch (kind) {
    case v1::ACTUAL_ENTRY_KIND_COLLECTED:
      return "finance";
    case v1::ACTUAL_ENTRY_KIND_IMPORTED:
      return "import";
    case v1::ACTUAL_ENTRY_KIND_UNSPECIFIED:
      return "";
    default:
      return "orders";
  }
}

}  // namespace sales::targets
