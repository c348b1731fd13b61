// The orders port in memory, for application tests without a database: the
// test fills the public maps, the use case reads and writes through the
// OrderBook interface, and the test asserts on the maps and on what was
// audited and published. Writes are applied the way the SQL stores apply
// them (guards included), so a use case that skips a check shows up here as
// a wrong state rather than a silently accepted write. There is no rollback:
// a use case that fails half way leaves its earlier writes in place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orders-svc/app/order_book.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/pricing.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::testing {

class FakeOrderBook final : public orders::OrderBook {
 public:
  // One message appended to the feed, kept serialized (read it back with
  // EventsOf<E>()).
  struct Event {
    std::string aggregate_type;
    int64_t aggregate_id = 0;
    std::string type;  // full proto name, e.g. "sales.orders.v1.OrderConfirmedEvent"
    std::string payload;
    std::string request_id;
  };
  // One stock ledger row, written by ConsumeReservation (goods leave) and
  // PutBack (goods come back).
  struct Movement {
    int64_t warehouse_id = 0;
    int64_t product_id = 0;
    int64_t quantity = 0;  // leaving the warehouse; negative when goods come back
    std::string reference;
    orders::v1::StockMovementKind kind = orders::v1::STOCK_MOVEMENT_KIND_SHIPMENT;
  };
  // One approval step opened by InsertApprovalStep.
  struct ApprovalStepRow {
    orders::v1::SubjectType subject_type = orders::v1::SUBJECT_TYPE_UNSPECIFIED;
    int64_t subject_id = 0;
    orders::v1::ApprovalStep step;  // id, PENDING and request_time filled in
    Principal requester;
  };

  // ---- What the test sets up (and reads back) ----
  std::map<int64_t, orders::OrderWithReservations> orders;  // by order id
  std::map<int64_t, orders::RequisitionRecord> requisitions;
  std::map<int64_t, orders::QuoteRecord> quotes;
  std::map<int64_t, orders::v1::Product> products;
  orders::v1::OrderPolicy policy = orders::DefaultPolicy();
  std::map<int64_t, std::vector<int64_t>> org_chains;        // unit → itself and above, nearest first
  std::map<int64_t, std::vector<int64_t>> org_subtrees;      // unit → itself and below
  std::vector<orders::WarehouseStock> stock;                 // `available` is on hand − reserved
  std::map<int64_t, std::map<int64_t, int64_t>> unit_costs;  // order → order line → unit cost
  std::map<int64_t, int64_t> confirmed_unshipped;            // by customer
  // Return requests by id. A seeded return in VERIFIED or APPROVED should
  // mark its lines in `verified`, as the store reads a NULL verified_quantity.
  std::map<int64_t, orders::ReturnRecord> returns;
  // Warehouses by id, for the destinations of returned goods. A warehouse
  // not listed here counts as an active regular one to LockAvailable (the
  // earlier tests list none); one listed as quarantine or inactive is not
  // reserved from, as StockStore::LockAvailable reads only active regular ones.
  std::map<int64_t, orders::WarehouseInfo> warehouses;
  std::map<int64_t, int32_t> warehouse_priorities;  // allocation_priority, 0 when missing
  // The warehouse an order line's goods left from, by {order line, outbound
  // shipment}. {line, 0} answers for "the line's latest outbound"; without
  // it the entry of the line's highest shipment id does (as ShippedFrom
  // orders by shipment id descending).
  std::map<std::pair<int64_t, int64_t>, int64_t> shipped_from;

  // ---- What the use case wrote ----
  std::vector<orders::AuditRecord> audits;
  std::vector<Event> events;
  std::vector<Movement> movements;
  std::vector<orders::v1::Shipment> shipments;
  std::vector<orders::v1::ShippingDocument> documents;
  std::vector<ApprovalStepRow> approval_steps;
  int credit_locks = 0;

  template <typename E>
  std::vector<E> EventsOf() const {
    std::vector<E> out;
    for (const auto& e : events) {
      if (e.type != E().GetTypeName()) continue;
      out.emplace_back();
      out.back().ParseFromString(e.payload);
    }
    return out;
  }
  std::vector<orders::AuditRecord> AuditsOf(const std::string& action) const {
    std::vector<orders::AuditRecord> out;
    for (const auto& a : audits) {
      if (a.action == action) out.push_back(a);
    }
    return out;
  }
  int64_t Available(int64_t warehouse_id, int64_t product_id) const {
    for (const auto& s : stock) {
      if (s.warehouse_id == warehouse_id && s.product_id == product_id) return s.available;
    }
    return 0;
  }

  // ---- OrderBook ----
  absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) override { return Find(org_subtrees, unit_id); }
  absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) override { return Find(org_chains, unit_id); }

  absl::StatusOr<orders::OrderRecord> LoadOrder(int64_t order_id, bool for_update) override {
    SALES_ASSIGN_OR_RETURN(auto o, LoadOrderWithReservations(order_id, for_update));
    return o.record;
  }
  absl::StatusOr<orders::OrderWithReservations> LoadOrderWithReservations(int64_t order_id, bool) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * o, Order(order_id));
    orders::OrderWithReservations out = *o;
    // As OrderStore::Load reads them: the etag from the version, each line's
    // reserved quantity as the open part of its active reservations.
    out.record.order.set_etag(MakeEtag(out.record.version));
    for (auto& l : *out.record.order.mutable_lines()) {
      int64_t open = 0;
      for (const auto& r : out.reservations) {
        if (r.order_line_id() == l.id() && r.status() == orders::v1::RESERVATION_STATUS_ACTIVE) {
          open += r.quantity() - r.shipped_quantity() - r.released_quantity();
        }
      }
      l.set_reserved_quantity(open);
    }
    return out;
  }
  absl::StatusOr<orders::v1::OrderPolicy> Policy() override { return policy; }
  absl::StatusOr<orders::QuoteRecord> LoadQuote(int64_t quote_id) override { return Get(quotes, quote_id, "quote"); }
  absl::StatusOr<orders::QuoteRecord> LockQuote(int64_t quote_id) override { return LoadQuote(quote_id); }
  absl::Status SetQuoteStatus(int64_t quote_id, orders::v1::QuoteStatus status, const std::string& reason,
                              int64_t order_id, absl::Time) override {
    auto it = quotes.find(quote_id);
    if (it == quotes.end()) return NotFound("quote", quote_id);
    it->second.quote.set_status(status);
    it->second.quote.set_status_reason(reason);
    if (order_id != 0) it->second.quote.set_order_id(order_id);
    return absl::OkStatus();
  }
  // A DRAFT order numbered SO-<year>-<n>, with ids for its lines.
  absl::StatusOr<int64_t> InsertOrder(const orders::v1::SalesOrder& o, const std::string& created_by_user,
                                      int64_t taking_org_unit_id, absl::Time now) override {
    const int64_t id = orders.empty() ? 1 : orders.rbegin()->first + 1;
    orders::OrderWithReservations rec;
    rec.record.order = o;
    rec.record.order.set_id(id);
    rec.record.order.set_status(orders::v1::ORDER_STATUS_DRAFT);
    int64_t n = ++numbers_[absl::StrCat("SO", o.order_date().year())];
    rec.record.order.set_order_number(absl::StrFormat("SO-%04d-%06d", o.order_date().year(), n));
    int64_t line_id = id * 100;
    for (auto& l : *rec.record.order.mutable_lines()) l.set_id(++line_id);
    *rec.record.order.mutable_create_time() = ToTimestamp(now);
    rec.record.version = 1;
    rec.record.created_by_user = created_by_user;
    rec.record.taking_org_unit_id = taking_org_unit_id;
    orders[id] = std::move(rec);
    return id;
  }
  absl::StatusOr<orders::v1::Product> LoadProduct(int64_t product_id) override {
    return Get(products, product_id, "product");
  }
  absl::Status ApproveSpecialFees(int64_t order_id) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * o, Order(order_id));
    for (auto& f : *o->record.order.mutable_special_fees()) f.set_approved(true);
    return absl::OkStatus();
  }
  absl::Status LockCustomerCredit(int64_t) override {
    ++credit_locks;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> ConfirmedUnshipped(int64_t customer_id, int64_t) override {
    auto it = confirmed_unshipped.find(customer_id);
    return it == confirmed_unshipped.end() ? 0 : it->second;
  }
  absl::Status SaveConfirmation(const orders::v1::SalesOrder& o, const std::string& release_reason,
                                absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * stored, Order(o.id()));
    stored->record.order = o;
    *stored->record.order.mutable_update_time() = ToTimestamp(now);
    stored->record.release_reason = release_reason;
    ++stored->record.version;
    return absl::OkStatus();
  }
  absl::Status SetOrderStatus(int64_t order_id, orders::v1::OrderStatus status, const std::string& reason,
                              absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * o, Order(order_id));
    o->record.order.set_status(status);
    o->record.order.set_status_reason(reason);
    *o->record.order.mutable_update_time() = ToTimestamp(now);
    ++o->record.version;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<orders::WarehouseStock>> LockAvailable(const std::vector<int64_t>& product_ids) override {
    std::vector<orders::WarehouseStock> out;
    for (const auto& s : stock) {
      if (!ReservableFrom(s.warehouse_id)) continue;
      if (std::find(product_ids.begin(), product_ids.end(), s.product_id) != product_ids.end()) out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const orders::WarehouseStock& a, const orders::WarehouseStock& b) {
      return std::make_pair(a.warehouse_id, a.product_id) < std::make_pair(b.warehouse_id, b.product_id);
    });
    return out;
  }
  absl::StatusOr<orders::v1::Reservation> Reserve(int64_t order_id, int64_t order_line_id, int64_t warehouse_id,
                                                  int64_t product_id, int64_t quantity, absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * o, Order(order_id));
    orders::WarehouseStock* s = nullptr;
    for (auto& x : stock) {
      if (x.warehouse_id == warehouse_id && x.product_id == product_id) s = &x;
    }
    if (s == nullptr || s->available < quantity) {
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("warehouse ", warehouse_id, " no longer has ",
                                                                      quantity, " of product ", product_id)),
                           "INSUFFICIENT_STOCK", orders::kOrdersDomain);
    }
    s->available -= quantity;
    orders::v1::Reservation r;
    r.set_id(next_reservation_id_++);
    r.set_order_id(order_id);
    r.set_order_line_id(order_line_id);
    r.set_warehouse_id(warehouse_id);
    r.set_product_id(product_id);
    r.set_quantity(quantity);
    r.set_status(orders::v1::RESERVATION_STATUS_ACTIVE);
    *r.mutable_create_time() = ToTimestamp(now);
    o->reservations.push_back(r);
    return r;
  }
  absl::Status ConsumeReservation(int64_t order_line_id, int64_t warehouse_id, int64_t quantity,
                                  const orders::MovementContext& movement) override {
    if (quantity <= 0) return InvalidField("quantity", "must be > 0");
    std::vector<orders::v1::Reservation*> open_rows;
    int64_t open = 0;
    for (auto& [id, o] : orders) {
      for (auto& r : o.reservations) {
        if (r.order_line_id() != order_line_id || r.warehouse_id() != warehouse_id ||
            r.status() != orders::v1::RESERVATION_STATUS_ACTIVE) {
          continue;
        }
        open_rows.push_back(&r);
        open += r.quantity() - r.shipped_quantity() - r.released_quantity();
      }
    }
    if (open_rows.empty() || open < quantity) {
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("order line ", order_line_id, " has ", open,
                                                                      " reserved in warehouse ", warehouse_id)),
                           "EXCEEDS_RESERVED", orders::kOrdersDomain);
    }
    int64_t left = quantity;
    for (auto* r : open_rows) {  // oldest first: reservations are kept by id
      int64_t take = std::min(left, r->quantity() - r->shipped_quantity() - r->released_quantity());
      r->set_shipped_quantity(r->shipped_quantity() + take);
      if (r->quantity() == r->shipped_quantity() + r->released_quantity()) {
        r->set_status(orders::v1::RESERVATION_STATUS_CONSUMED);
      }
      left -= take;
    }
    // on_hand and reserved drop together: what is available does not change.
    movements.push_back({warehouse_id, open_rows.front()->product_id(), quantity, movement.reference,
                         movement.kind == orders::v1::STOCK_MOVEMENT_KIND_UNSPECIFIED
                             ? orders::v1::STOCK_MOVEMENT_KIND_SHIPMENT
                             : movement.kind});
    return absl::OkStatus();
  }

  absl::StatusOr<orders::RequisitionRecord> LoadRequisition(int64_t requisition_id, bool) override {
    SALES_ASSIGN_OR_RETURN(auto out, Get(requisitions, requisition_id, "shipment requisition"));
    out.requisition.set_etag(MakeEtag(out.version));
    return out;
  }
  absl::Status AddRequisitionShipped(int64_t requisition_line_id, int64_t quantity) override {
    for (auto& [id, rec] : requisitions) {
      for (auto& l : *rec.requisition.mutable_lines()) {
        if (l.id() != requisition_line_id) continue;
        if (l.shipped_quantity() + quantity > l.quantity()) {
          return WithErrorInfo(absl::FailedPreconditionError("requisition line has less left"), "EXCEEDS_REQUESTED",
                               orders::kOrdersDomain);
        }
        l.set_shipped_quantity(l.shipped_quantity() + quantity);
        return absl::OkStatus();
      }
    }
    return NotFound("shipment requisition line", requisition_line_id);
  }
  absl::Status SetRequisitionStatus(int64_t requisition_id, orders::v1::ShipmentRequisitionStatus status,
                                    const std::string& reason, absl::Time now) override {
    auto it = requisitions.find(requisition_id);
    if (it == requisitions.end()) return NotFound("shipment requisition", requisition_id);
    it->second.requisition.set_status(status);
    it->second.requisition.set_status_reason(reason);
    *it->second.requisition.mutable_update_time() = ToTimestamp(now);
    ++it->second.version;
    return absl::OkStatus();
  }
  absl::Status AddLineShipped(int64_t order_line_id, int64_t quantity) override {
    for (auto& [id, o] : orders) {
      for (auto& l : *o.record.order.mutable_lines()) {
        if (l.id() != order_line_id) continue;
        if (l.shipped_quantity() + quantity > l.quantity()) {
          return WithErrorInfo(absl::FailedPreconditionError("order line has less left to ship"), "EXCEEDS_ORDERED",
                               orders::kOrdersDomain);
        }
        l.set_shipped_quantity(l.shipped_quantity() + quantity);
        return absl::OkStatus();
      }
    }
    return NotFound("order line", order_line_id);
  }
  absl::Status AddOrderShippedAmount(int64_t order_id, int64_t delta_minor, absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::OrderWithReservations * o, Order(order_id));
    auto& order = o->record.order;
    *order.mutable_shipped_amount() =
        MakeMoney(order.shipped_amount().minor_units() + delta_minor, order.currency_code());
    *order.mutable_update_time() = ToTimestamp(now);
    ++o->record.version;
    return absl::OkStatus();
  }
  absl::StatusOr<std::map<int64_t, int64_t>> LineUnitCosts(int64_t order_id) override {
    SALES_RETURN_IF_ERROR(Order(order_id).status());
    return unit_costs[order_id];
  }
  // Requested and not shipped per (order line, warehouse) on open requisitions.
  absl::StatusOr<std::map<std::pair<int64_t, int64_t>, int64_t>> OpenRequested(int64_t order_id) override {
    std::map<std::pair<int64_t, int64_t>, int64_t> out;
    for (const auto& [id, rec] : requisitions) {
      const auto st = rec.requisition.status();
      if (rec.requisition.order_id() != order_id || (st != orders::v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL &&
                                                     st != orders::v1::SHIPMENT_REQUISITION_STATUS_APPROVED &&
                                                     st != orders::v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED)) {
        continue;
      }
      for (const auto& l : rec.requisition.lines()) {
        out[{l.order_line_id(), l.warehouse_id()}] += l.quantity() - l.shipped_quantity();
      }
    }
    return out;
  }
  absl::StatusOr<int64_t> InsertRequisition(const orders::v1::ShipmentRequisition& r, const Principal& requester,
                                            absl::Time) override {
    const int64_t id = requisitions.empty() ? 1 : requisitions.rbegin()->first + 1;
    orders::RequisitionRecord rec;
    rec.requisition = r;
    rec.requisition.set_id(id);
    rec.requisition.set_status(orders::v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL);
    rec.requisition.set_requisition_number(absl::StrFormat("SR-%06d", id));
    int64_t line_id = id * 100;
    for (auto& l : *rec.requisition.mutable_lines()) l.set_id(++line_id);
    rec.version = 1;
    rec.requester = requester;
    requisitions[id] = std::move(rec);
    return id;
  }
  absl::StatusOr<orders::ShipmentRecord> LoadShipment(int64_t shipment_id, bool) override {
    for (const auto& s : shipments) {
      if (s.id() != shipment_id) continue;
      orders::ShipmentRecord rec;
      rec.shipment = s;
      rec.version = shipment_versions_[shipment_id] + 1;
      rec.shipment.set_etag(MakeEtag(rec.version));
      return rec;
    }
    return NotFound("shipment", shipment_id);
  }
  absl::Status SaveDelivery(int64_t shipment_id, const orders::v1::DeliveryReceipt& delivery, const Principal&,
                            absl::Time) override {
    for (auto& s : shipments) {
      if (s.id() != shipment_id) continue;
      s.set_status(orders::v1::SHIPMENT_STATUS_DELIVERED);
      *s.mutable_delivery() = delivery;
      ++shipment_versions_[shipment_id];
      return absl::OkStatus();
    }
    return NotFound("shipment", shipment_id);
  }
  absl::Status AddLineDelivered(int64_t order_line_id, int64_t quantity) override {
    for (auto& [id, o] : orders) {
      for (auto& l : *o.record.order.mutable_lines()) {
        if (l.id() == order_line_id) {
          l.set_delivered_quantity(l.delivered_quantity() + quantity);
          return absl::OkStatus();
        }
      }
    }
    return NotFound("order line", order_line_id);
  }
  absl::StatusOr<bool> AllOutboundDelivered(int64_t order_id) override {
    for (const auto& s : shipments) {
      if (s.order_id() == order_id && s.kind() == orders::v1::SHIPMENT_KIND_OUTBOUND &&
          s.status() != orders::v1::SHIPMENT_STATUS_DELIVERED) {
        return false;
      }
    }
    return true;
  }
  absl::StatusOr<orders::v1::Shipment> InsertShipment(orders::v1::Shipment s,
                                                      std::vector<orders::NewShipmentLine> lines, int64_t,
                                                      const std::string& currency, const Principal&,
                                                      absl::Time now) override {
    const bool is_return = s.kind() == orders::v1::SHIPMENT_KIND_RETURN;
    const char* series = is_return ? "RET" : "OUT";
    int64_t n = ++numbers_[absl::StrCat(series, s.ship_date().year())];
    s.set_shipment_number(absl::StrFormat("%s-%04d-%06d", series, s.ship_date().year(), n));
    s.set_id(next_shipment_id_++);
    s.set_status(is_return ? orders::v1::SHIPMENT_STATUS_DELIVERED : orders::v1::SHIPMENT_STATUS_POSTED);
    s.clear_lines();
    int64_t total = 0;
    for (auto& nl : lines) {
      nl.line.set_id(next_shipment_line_id_++);
      total += nl.line.net_amount().minor_units();
      *s.add_lines() = nl.line;
    }
    *s.mutable_total_amount() = MakeMoney(total, currency);
    s.set_etag(MakeEtag(1));
    *s.mutable_create_time() = ToTimestamp(now);
    shipments.push_back(s);
    return s;
  }
  absl::StatusOr<orders::v1::ShippingDocument> CreateDocument(orders::v1::DocumentType type, const std::string& number,
                                                              int64_t order_id, int64_t requisition_id,
                                                              int64_t shipment_id, absl::Time now) override {
    orders::v1::ShippingDocument d;
    d.set_id(static_cast<int64_t>(documents.size()) + 1);
    d.set_type(type);
    d.set_document_number(number);
    d.set_order_id(order_id);
    d.set_shipment_requisition_id(requisition_id);
    d.set_shipment_id(shipment_id);
    *d.mutable_create_time() = ToTimestamp(now);
    documents.push_back(d);
    return d;
  }

  // ---- Returns, as ReturnStore and ReturnDestinationStore answer ----
  absl::StatusOr<orders::ReturnRecord> LoadReturn(int64_t return_id, bool) override {
    SALES_ASSIGN_OR_RETURN(auto out, Get(returns, return_id, "return request"));
    // What ReturnStore::Load derives: the etag, each line's amount at the
    // verified (else requested) quantity, the total and the latest step.
    auto& q = out.request;
    q.set_etag(MakeEtag(out.version));
    const std::string cur = CurrencyOf(out);
    int64_t total = 0;
    for (auto& l : *q.mutable_lines()) {
      auto v = out.verified.find(l.id());
      const int64_t qty = v != out.verified.end() && v->second ? l.verified_quantity() : l.requested_quantity();
      *l.mutable_amount() = MakeMoney(qty * l.unit_price().minor_units(), cur);
      total += qty * l.unit_price().minor_units();
    }
    *q.mutable_total_amount() = MakeMoney(total, cur);
    q.clear_approval();
    for (const auto& row : approval_steps) {
      if (row.subject_type == orders::v1::SUBJECT_TYPE_RETURN_REQUEST && row.subject_id == return_id) {
        *q.mutable_approval() = row.step;
      }
    }
    return out;
  }
  absl::StatusOr<int64_t> InsertReturn(const orders::v1::ReturnRequest& r, int64_t credited_org_unit_id,
                                       const std::string& currency, int year, const Principal& requester,
                                       absl::Time now) override {
    // Only the columns ReturnStore::Insert writes; output-only fields the
    // caller left in `r` are not stored.
    orders::ReturnRecord rec;
    auto& q = rec.request;
    q.set_id(returns.empty() ? 1 : returns.rbegin()->first + 1);
    int64_t n = ++numbers_[absl::StrCat("RR", year)];
    q.set_request_number(absl::StrFormat("RR-%04d-%06d", year, n));
    q.set_order_id(r.order_id());
    q.set_customer_id(r.customer_id());
    q.set_credited_rep_id(r.credited_rep_id());
    q.set_reason(r.reason());
    q.set_status(orders::v1::RETURN_STATUS_REQUESTED);
    int64_t line_id = 0;
    for (const auto& [id, other] : returns) {
      for (const auto& l : other.request.lines()) line_id = std::max(line_id, l.id());
    }
    for (const auto& in : r.lines()) {
      auto* l = q.add_lines();
      l->set_id(++line_id);
      l->set_order_line_id(in.order_line_id());
      l->set_product_id(in.product_id());
      l->set_sku(in.sku());
      l->set_shipment_id(in.shipment_id());
      l->set_requested_quantity(in.requested_quantity());
      l->set_claimed_condition(in.claimed_condition());
      *l->mutable_unit_price() = MakeMoney(in.unit_price().minor_units(), currency);
      rec.verified[l->id()] = false;
    }
    rec.version = 1;
    rec.credited_org_unit_id = credited_org_unit_id;
    rec.requester = requester;
    *q.mutable_requested_by() = StoredActor(requester);
    *q.mutable_create_time() = ToTimestamp(now);
    *q.mutable_update_time() = ToTimestamp(now);
    return_currencies_[q.id()] = currency;
    const int64_t id = q.id();
    returns[id] = std::move(rec);
    return id;
  }
  absl::StatusOr<std::map<int64_t, int64_t>> PendingReturnsByLine(int64_t order_id,
                                                                  int64_t excluding_return_id) override {
    std::map<int64_t, int64_t> out;
    for (const auto& [id, rec] : returns) {
      const auto st = rec.request.status();
      if (rec.request.order_id() != order_id || id == excluding_return_id) continue;
      if (st != orders::v1::RETURN_STATUS_REQUESTED && st != orders::v1::RETURN_STATUS_VERIFIED &&
          st != orders::v1::RETURN_STATUS_APPROVED) {
        continue;
      }
      for (const auto& l : rec.request.lines()) {
        // REQUESTED counts what was asked; later states what verification
        // accepted (a line never verified counts 0, the SQL's COALESCE).
        auto v = rec.verified.find(l.id());
        const bool verified = v != rec.verified.end() && v->second;
        out[l.order_line_id()] += st == orders::v1::RETURN_STATUS_REQUESTED ? l.requested_quantity()
                                  : verified                                ? l.verified_quantity()
                                                                            : 0;
      }
    }
    return out;
  }
  absl::Status SaveReturnVerification(int64_t return_id,
                                      const std::map<int64_t, orders::v1::ReturnLineVerification>& results,
                                      const std::string& notes, const Principal& by, orders::v1::ReturnStatus status,
                                      absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::ReturnRecord * rec, Return(return_id));
    // As the UPDATE … WHERE id = ? AND return_request_id = ?: a result for a
    // line of another return changes nothing.
    for (auto& l : *rec->request.mutable_lines()) {
      auto it = results.find(l.id());
      if (it == results.end()) continue;
      l.set_verified_quantity(it->second.verified_quantity());
      l.set_verified_condition(it->second.verified_condition());
      rec->verified[l.id()] = true;
    }
    rec->request.set_status(status);
    rec->request.set_verification_notes(notes);
    *rec->request.mutable_verified_by() = StoredActor(by);
    *rec->request.mutable_update_time() = ToTimestamp(now);
    ++rec->version;
    return absl::OkStatus();
  }
  absl::Status SetReturnStatus(int64_t return_id, orders::v1::ReturnStatus status, const std::string& reason,
                               int64_t return_shipment_id, absl::Time now) override {
    SALES_ASSIGN_OR_RETURN(orders::ReturnRecord * rec, Return(return_id));
    rec->request.set_status(status);
    // Empty reason and 0 shipment keep what is there, as the SQL's IF()s.
    if (!reason.empty()) rec->request.set_status_reason(reason);
    if (return_shipment_id != 0) rec->request.set_return_shipment_id(return_shipment_id);
    *rec->request.mutable_update_time() = ToTimestamp(now);
    ++rec->version;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<orders::WarehouseInfo>> LoadWarehouse(int64_t warehouse_id) override {
    auto it = warehouses.find(warehouse_id);
    if (it == warehouses.end()) return std::optional<orders::WarehouseInfo>();
    orders::WarehouseInfo w = it->second;
    w.id = warehouse_id;  // the row's id, whatever the test left in the value
    return std::optional<orders::WarehouseInfo>(w);
  }
  absl::StatusOr<std::optional<orders::WarehouseInfo>> FirstQuarantineWarehouse() override {
    std::optional<orders::WarehouseInfo> best;
    int32_t best_priority = 0;
    for (const auto& [id, w] : warehouses) {  // ascending id: ties keep the lower id
      if (w.kind != "QUARANTINE" || !w.active) continue;
      const int32_t priority = PriorityOf(id);
      if (!best || priority < best_priority) {
        best = w;
        best->id = id;
        best_priority = priority;
      }
    }
    return best;
  }
  absl::StatusOr<int64_t> ShippedFrom(int64_t order_line_id, int64_t shipment_id) override {
    auto it = shipped_from.find({order_line_id, shipment_id});
    if (it != shipped_from.end()) return it->second;
    if (shipment_id != 0) return int64_t{0};
    int64_t latest = 0, warehouse = 0;
    for (const auto& [key, wh] : shipped_from) {
      if (key.first == order_line_id && key.second > latest) {
        latest = key.second;
        warehouse = wh;
      }
    }
    return warehouse;
  }
  absl::Status PutBack(int64_t warehouse_id, int64_t product_id, int64_t quantity,
                       const orders::MovementContext& movement) override {
    if (quantity <= 0) return InvalidField("quantity", "must be > 0");
    orders::WarehouseStock* s = nullptr;
    for (auto& x : stock) {
      if (x.warehouse_id == warehouse_id && x.product_id == product_id) s = &x;
    }
    if (s == nullptr) {  // the store creates the missing stock row
      stock.push_back({warehouse_id, PriorityOf(warehouse_id), product_id, 0});
      s = &stock.back();
    }
    // On hand only, not reserved: all of it is available again.
    s->available += quantity;
    movements.push_back({warehouse_id, product_id, -quantity, movement.reference,
                         movement.kind == orders::v1::STOCK_MOVEMENT_KIND_UNSPECIFIED
                             ? orders::v1::STOCK_MOVEMENT_KIND_RETURN
                             : movement.kind});
    return absl::OkStatus();
  }
  absl::Status AddLineReturned(int64_t order_line_id, int64_t quantity) override {
    for (auto& [id, o] : orders) {
      for (auto& l : *o.record.order.mutable_lines()) {
        if (l.id() != order_line_id) continue;
        if (l.returned_quantity() + quantity > l.shipped_quantity()) {
          return WithErrorInfo(
              absl::FailedPreconditionError(
                  absl::StrCat("order line ", order_line_id, " has less than ", quantity, " shipped and not returned")),
              "EXCEEDS_SHIPPED", orders::kOrdersDomain);
        }
        l.set_returned_quantity(l.returned_quantity() + quantity);
        return absl::OkStatus();
      }
    }
    return NotFound("order line", order_line_id);
  }

  absl::Status InsertApprovalStep(orders::v1::SubjectType subject_type, int64_t subject_id,
                                  const orders::v1::ApprovalStep& step, const Principal& requester,
                                  absl::Time now) override {
    // The columns ApprovalStore::Insert writes: always PENDING, undecided.
    ApprovalStepRow row{subject_type, subject_id, {}, requester};
    row.step.set_id(static_cast<int64_t>(approval_steps.size()) + 1);
    row.step.set_level(step.level());
    *row.step.mutable_triggers() = step.triggers();
    *row.step.mutable_line_ids() = step.line_ids();
    *row.step.mutable_special_fee_ids() = step.special_fee_ids();
    row.step.set_status(orders::v1::APPROVAL_STEP_STATUS_PENDING);
    *row.step.mutable_request_time() = ToTimestamp(now);
    approval_steps.push_back(std::move(row));
    return absl::OkStatus();
  }

  absl::Status Audit(const orders::AuditRecord& record, const Principal&, const std::string&, absl::Time) override {
    audits.push_back(record);
    return absl::OkStatus();
  }
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id) override {
    events.push_back({aggregate_type, aggregate_id, event.GetTypeName(), event.SerializeAsString(), request_id});
    return absl::OkStatus();
  }

 private:
  template <typename V>
  static absl::StatusOr<V> Get(const std::map<int64_t, V>& m, int64_t id, const char* kind) {
    auto it = m.find(id);
    if (it == m.end()) return NotFound(kind, id);
    return it->second;
  }
  absl::StatusOr<orders::ReturnRecord*> Return(int64_t return_id) {
    auto it = returns.find(return_id);
    if (it == returns.end()) return NotFound("return request", return_id);
    return &it->second;
  }
  // The return's currency: as inserted, else (a seeded return) its lines'.
  std::string CurrencyOf(const orders::ReturnRecord& rec) const {
    auto it = return_currencies_.find(rec.request.id());
    if (it != return_currencies_.end()) return it->second;
    for (const auto& l : rec.request.lines()) {
      if (!l.unit_price().currency_code().empty()) return l.unit_price().currency_code();
    }
    return "CNY";
  }
  int32_t PriorityOf(int64_t warehouse_id) const {
    auto it = warehouse_priorities.find(warehouse_id);
    return it == warehouse_priorities.end() ? 0 : it->second;
  }
  bool ReservableFrom(int64_t warehouse_id) const {
    auto it = warehouses.find(warehouse_id);
    return it == warehouses.end() || (it->second.kind == "REGULAR" && it->second.active);
  }
  // common::v1::Actor as the stores fill it (ActorOf), without linking them.
  static common::v1::Actor StoredActor(const Principal& p) {
    common::v1::Actor a;
    a.set_user_id(p.user_id);
    a.set_role(p.role);
    a.set_rep_id(p.rep_id);
    a.set_org_unit_id(p.org_unit_id);
    return a;
  }
  absl::StatusOr<orders::OrderWithReservations*> Order(int64_t order_id) {
    auto it = orders.find(order_id);
    if (it == orders.end()) return NotFound("order", order_id);
    return &it->second;
  }
  // An org unit the replica does not know has no chain and no subtree (as
  // OrgReplica answers).
  static std::vector<int64_t> Find(const std::map<int64_t, std::vector<int64_t>>& m, int64_t unit_id) {
    auto it = m.find(unit_id);
    return it == m.end() ? std::vector<int64_t>{} : it->second;
  }

  int64_t next_reservation_id_ = 1;
  int64_t next_shipment_id_ = 1;
  int64_t next_shipment_line_id_ = 1;
  std::map<std::string, int64_t> numbers_;  // "OUT2026", "RR2026" → last number
  std::map<int64_t, std::string> return_currencies_;
  std::map<int64_t, int64_t> shipment_versions_;  // changes since insert
};

}  // namespace sales::testing
