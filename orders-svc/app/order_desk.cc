#include "orders-svc/app/order_desk.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/allocation.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {

absl::StatusOr<std::vector<RoutedStep>> RouteOrder(OrderBook& book, const v1::SalesOrder& o,
                                                   const v1::OrderPolicy& policy, const std::string& role) {
  DiscountLimits limits = LimitsOf(policy);
  std::map<int64_t, int32_t> quoted;  // quote line id → discount
  if (o.quote_id() > 0) {
    SALES_ASSIGN_OR_RETURN(auto q, book.LoadQuote(o.quote_id()));
    for (const auto& ql : q.quote.lines()) quoted[ql.id()] = ql.discount_bp();
  }
  std::vector<DocLine> lines;
  bool deviation = false;
  std::vector<int64_t> deviating;
  // The lines that need routing, then their products in one read.
  std::vector<const v1::OrderLine*> routed;
  std::vector<int64_t> product_ids;
  for (const auto& l : o.lines()) {
    if (l.quantity() < 0) continue;  // reversals at the original price need no discount approval
    auto q = quoted.find(l.quote_line_id());
    if (q != quoted.end() && l.discount_bp() <= q->second) continue;
    if (q != quoted.end()) {
      deviation = true;
      deviating.push_back(l.id());
    }
    routed.push_back(&l);
    product_ids.push_back(l.product_id());
  }
  SALES_ASSIGN_OR_RETURN(auto products, book.LoadProducts(product_ids));
  for (const v1::OrderLine* l : routed) {
    lines.push_back({l->id(), RouteLine(l->discount_bp(), l->unit_price().minor_units(),
                                        products.at(l->product_id()).floor_price().minor_units(), role, limits)});
  }
  std::vector<int64_t> fee_ids;
  for (const auto& f : o.special_fees()) {
    if (!f.approved()) fee_ids.push_back(f.id());
  }
  auto steps = RouteDocument(lines, fee_ids, false, role);
  if (deviation && role != kRoleManager && role != kRoleDirector && role != kRoleAdmin) {
    auto it = std::find_if(steps.begin(), steps.end(),
                           [](const RoutedStep& s) { return s.level == v1::APPROVAL_LEVEL_MANAGER; });
    if (it == steps.end()) {
      steps.insert(steps.begin(), RoutedStep{v1::APPROVAL_LEVEL_MANAGER, {}, {}, {}});
      it = steps.begin();
    }
    it->triggers.push_back(v1::APPROVAL_TRIGGER_QUOTE_DEVIATION);
    for (int64_t id : deviating) it->line_ids.push_back(id);
  }
  return steps;
}

absl::Status RefuseBlacklisted(const customers::v1::Customer& c) {
  if (c.status() != customers::v1::CUSTOMER_STATUS_BLACKLISTED) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", c.id(), " is blacklisted")),
                       "CUSTOMER_BLACKLISTED", kOrdersDomain, {{"customer_id", absl::StrCat(c.id())}});
}

absl::Status ApprovalsPending(const std::string& why) {
  return WithErrorInfo(absl::FailedPreconditionError(why), "APPROVALS_PENDING", kOrdersDomain);
}

absl::StatusOr<std::vector<v1::Reservation>> ReserveOrder(OrderBook& book, const v1::SalesOrder& o, absl::Time now) {
  std::vector<LineDemand> demand;
  std::vector<int64_t> products;
  for (const auto& l : o.lines()) {
    if (l.quantity() <= 0) continue;
    demand.push_back({l.id(), l.product_id(), l.quantity()});
    products.push_back(l.product_id());
  }
  std::vector<v1::Reservation> out;
  if (demand.empty()) return out;
  SALES_ASSIGN_OR_RETURN(auto stock, book.LockAvailable(products));
  AllocationPlan plan = AllocateStock(demand, stock);
  if (!plan.complete()) {
    std::map<std::string, std::string> meta;
    std::string text;
    for (const auto& s : plan.shortages) {
      meta[absl::StrCat("line_", s.order_line_id)] =
          absl::StrCat("requested ", s.requested, ", available ", s.available);
      absl::StrAppend(&text, text.empty() ? "" : "; ", "line ", s.order_line_id, ": ", s.requested, " requested, ",
                      s.available, " available");
    }
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("insufficient stock: ", text)),
                         "INSUFFICIENT_STOCK", kOrdersDomain, meta);
  }
  // Reserve in (warehouse, product) order, the order the rows were locked in.
  std::sort(plan.allocations.begin(), plan.allocations.end(), [](const StockAllocation& a, const StockAllocation& b) {
    return std::tie(a.warehouse_id, a.product_id, a.order_line_id) <
           std::tie(b.warehouse_id, b.product_id, b.order_line_id);
  });
  return book.ReserveAll(o.id(), plan.allocations, now);
}

int64_t OpenReserved(const OrderWithReservations& o, int64_t order_line_id, int64_t warehouse_id) {
  int64_t open = 0;
  for (const auto& r : o.reservations) {
    if (r.order_line_id() == order_line_id && r.warehouse_id() == warehouse_id &&
        r.status() == v1::RESERVATION_STATUS_ACTIVE) {
      open += r.quantity() - r.shipped_quantity() - r.released_quantity();
    }
  }
  return open;
}

std::vector<LineProgress> ProgressOf(const v1::SalesOrder& o) {
  std::vector<LineProgress> out;
  for (const auto& l : o.lines()) out.push_back({l.quantity(), l.shipped_quantity(), l.delivered_quantity()});
  return out;
}

const v1::OrderLine* FindLine(const v1::SalesOrder& o, int64_t order_line_id) {
  for (const auto& l : o.lines()) {
    if (l.id() == order_line_id) return &l;
  }
  return nullptr;
}

absl::StatusOr<v1::ShipmentLine> ShipmentLineOf(const v1::OrderLine& ol, int64_t quantity, int64_t unit_cost,
                                                const std::string& currency, const std::string& field) {
  v1::ShipmentLine sl;
  sl.set_order_line_id(ol.id());
  sl.set_product_id(ol.product_id());
  sl.set_sku(ol.sku());
  sl.set_product_line_id(ol.product_line_id());
  sl.set_quantity(quantity);
  *sl.mutable_unit_price() = ol.unit_price();
  SALES_ASSIGN_OR_RETURN(int64_t net, AmountMul(quantity, ol.unit_price().minor_units(), field));
  SALES_ASSIGN_OR_RETURN(int64_t cost, AmountMul(quantity, unit_cost, field));
  *sl.mutable_net_amount() = MakeMoney(net, currency);
  *sl.mutable_cost_amount() = MakeMoney(cost, currency);
  return sl;
}

v1::EventLine EventLineOf(const v1::OrderLine& ol, const v1::ShipmentLine& sl) {
  v1::EventLine el;
  el.set_order_line_id(ol.id());
  el.set_product_id(ol.product_id());
  el.set_sku(ol.sku());
  el.set_product_line_id(ol.product_line_id());
  el.set_commissionable(ol.commissionable());
  el.set_unit(ol.unit());
  el.set_quantity(sl.quantity());
  *el.mutable_list_price() = ol.list_price();
  el.set_discount_bp(ol.discount_bp());
  *el.mutable_unit_price() = ol.unit_price();
  *el.mutable_net_amount() = sl.net_amount();
  *el.mutable_cost_amount() = sl.cost_amount();
  return el;
}

absl::Status AuditSubject(OrderBook& book, const CallContext& call, v1::SubjectType type, int64_t id,
                          const std::string& action, const std::string& from, const std::string& to,
                          const std::string& reason, absl::Time now) {
  return book.Audit({type, id, action, from, to, reason}, call.principal, call.request_id, now);
}

absl::Status AuditOrder(OrderBook& book, const CallContext& call, int64_t order_id, const std::string& action,
                        v1::OrderStatus from, v1::OrderStatus to, const std::string& reason, absl::Time now) {
  return book.Audit({v1::SUBJECT_TYPE_ORDER, order_id, action,
                     from == v1::ORDER_STATUS_UNSPECIFIED ? "" : EnumShort(from), EnumShort(to), reason},
                    call.principal, call.request_id, now);
}

v1::OrderConfirmedEvent ConfirmedEvent(const v1::SalesOrder& o, bool released, const std::string& release_reason) {
  v1::OrderConfirmedEvent e;
  *e.mutable_order() = EventHeaderOf(o);
  for (auto& l : EventLinesOf(o)) *e.add_lines() = std::move(l);
  *e.mutable_total_amount() = o.total_amount();
  *e.mutable_deposit_amount() = o.deposit_amount();
  *e.mutable_confirm_date() = o.confirm_date();
  if (o.has_requested_delivery_date()) *e.mutable_requested_delivery_date() = o.requested_delivery_date();
  e.set_released_from_credit_hold(released);
  e.set_release_reason(release_reason);
  e.set_ownership_collision(o.ownership_collision());
  for (const auto& f : o.special_fees()) {
    if (f.approved()) *e.add_special_fees() = f;
  }
  return e;
}

absl::Status NothingShipped(const v1::SalesOrder& o) {
  for (const auto& l : o.lines()) {
    if (l.shipped_quantity() != 0) {
      return WithErrorInfo(absl::FailedPreconditionError("something has shipped on this order"),
                           "ORDER_NOT_CANCELLABLE", kOrdersDomain);
    }
  }
  return absl::OkStatus();
}

v1::OrderCancelledEvent CancelledEvent(const v1::SalesOrder& o, absl::CivilDay day, const std::string& reason) {
  v1::OrderCancelledEvent e;
  *e.mutable_order() = EventHeaderOf(o);
  for (auto& l : EventLinesOf(o)) *e.add_lines() = std::move(l);
  *e.mutable_total_amount() = o.total_amount();
  e.set_previous_status(o.status());
  e.set_was_confirmed(o.status() == v1::ORDER_STATUS_CONFIRMED);
  *e.mutable_cancel_date() = FromCivilDay(day);
  e.set_reason(reason);
  return e;
}

}  // namespace sales::orders
