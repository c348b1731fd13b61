// ShipmentPosting without a database or a server: a confirmed two-line order
// with its stock reserved in warehouse 1 and an approved requisition for all
// of it, posted in parts against the in-memory order book. Amounts are in
// fen; "now" is Tuesday 2026-03-10 10:00 in Shanghai.
#include "orders-svc/app/shipment_posting.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"
#include "tests/orders/app/fake_order_book.h"
#include "tests/orders/app/order_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace sales::orders {
namespace {

using namespace ::sales::orders::testing_fixtures;  // NOLINT
using ::sales::testing::FakeOrderBook;
using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kRequisitionId = 300;
// Order lines 1 (10 bolts at 120.00, cost 70.00) and 2 (4 panels at 500.00,
// cost 300.00), requested on requisition lines 3001 and 3002.
constexpr int64_t kBoltsLine = 3001;
constexpr int64_t kPanelsLine = 3002;

v1::Reservation ActiveReservation(int64_t id, int64_t line, int64_t warehouse, int64_t product, int64_t quantity) {
  v1::Reservation r;
  r.set_id(id);
  r.set_order_id(kOrderId);
  r.set_order_line_id(line);
  r.set_warehouse_id(warehouse);
  r.set_product_id(product);
  r.set_quantity(quantity);
  r.set_status(v1::RESERVATION_STATUS_ACTIVE);
  return r;
}

v1::ShipmentRequisitionLine RequisitionLine(int64_t id, int64_t order_line, int64_t product, int64_t warehouse,
                                            int64_t quantity) {
  v1::ShipmentRequisitionLine l;
  l.set_id(id);
  l.set_order_line_id(order_line);
  l.set_product_id(product);
  l.set_warehouse_id(warehouse);
  l.set_quantity(quantity);
  return l;
}

class ShipmentPostingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OrderRecord& rec = book.orders[kOrderId].record;
    v1::SalesOrder& o = rec.order;
    o = CreditedOrderHead();
    *o.add_lines() = Line(1, kBolts, 10, kBoltPrice);
    *o.add_lines() = Line(2, kPanels, 4, kPanelPrice);
    *o.mutable_total_amount() = MakeMoney(kOrderTotal);
    *o.mutable_deposit_amount() = MakeMoney(0);
    o.set_status(v1::ORDER_STATUS_CONFIRMED);
    rec.version = 5;
    book.orders[kOrderId].reservations = {ActiveReservation(11, 1, kWarehouse1, kBolts, 10),
                                          ActiveReservation(12, 2, kWarehouse1, kPanels, 4)};
    book.unit_costs[kOrderId] = {{1, kBoltCost}, {2, kPanelCost}};

    RequisitionRecord& r = book.requisitions[kRequisitionId];
    r.requisition.set_id(kRequisitionId);
    r.requisition.set_requisition_number("SR-2026-000300");
    r.requisition.set_order_id(kOrderId);
    r.requisition.set_status(v1::SHIPMENT_REQUISITION_STATUS_APPROVED);
    *r.requisition.add_lines() = RequisitionLine(kBoltsLine, 1, kBolts, kWarehouse1, 10);
    *r.requisition.add_lines() = RequisitionLine(kPanelsLine, 2, kPanels, kWarehouse1, 4);
    r.version = 2;
  }

  // A posting from warehouse 1 of {requisition line, quantity}..., against
  // the requisition as last read.
  v1::PostShipmentRequest Request(std::vector<std::pair<int64_t, int64_t>> lines) {
    v1::PostShipmentRequest req;
    req.set_request_id("post-1");
    req.set_shipment_requisition_id(kRequisitionId);
    req.set_etag(MakeEtag(book.requisitions[kRequisitionId].version));
    req.set_warehouse_id(kWarehouse1);
    for (const auto& [id, quantity] : lines) {
      auto* l = req.add_lines();
      l->set_shipment_requisition_line_id(id);
      l->set_quantity(quantity);
    }
    return req;
  }
  absl::StatusOr<v1::PostShipmentResponse> PostAs(const Principal& p, const v1::PostShipmentRequest& req) {
    CallContext call{
        .method = "/sales.orders.v1.OrdersService/PostShipment", .request_id = "req-post-1", .principal = p};
    return posting.Post(book, call, req);
  }
  const v1::OrderLine& StoredLine(int i) { return book.orders[kOrderId].record.order.lines(i); }
  const v1::ShipmentRequisition& Requisition() { return book.requisitions[kRequisitionId].requisition; }

  // A refused posting leaves every counter where it was and publishes nothing.
  void ExpectNothingPosted() {
    EXPECT_TRUE(book.events.empty());
    EXPECT_TRUE(book.audits.empty());
    EXPECT_TRUE(book.movements.empty());
    EXPECT_TRUE(book.shipments.empty());
    EXPECT_TRUE(book.documents.empty());
    for (const auto& r : book.orders[kOrderId].reservations) EXPECT_EQ(r.shipped_quantity(), 0) << r.id();
    EXPECT_EQ(StoredLine(0).shipped_quantity(), 0);
    EXPECT_EQ(StoredLine(1).shipped_quantity(), 0);
    for (const auto& l : Requisition().lines()) EXPECT_EQ(l.shipped_quantity(), 0) << l.id();
    EXPECT_EQ(book.requisitions[kRequisitionId].version, 2);
    EXPECT_EQ(book.orders[kOrderId].record.order.status(), v1::ORDER_STATUS_CONFIRMED);
    EXPECT_EQ(book.orders[kOrderId].record.version, 5);
  }

  FakeClock clock{kNow};
  FakeOrderBook book;
  ShipmentPosting posting{clock};
};

TEST_F(ShipmentPostingTest, PartOfOneLineShipsThenTheRestCompletesTheOrder) {
  SALES_ASSERT_OK_AND_ASSIGN(auto first, PostAs(Storekeeper(), Request({{kBoltsLine, 3}})));

  // The outbound note: 3 bolts, priced and costed per unit.
  const v1::Shipment& s = first.shipment();
  EXPECT_EQ(s.shipment_number(), "OUT-2026-000001");
  EXPECT_EQ(s.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(s.order_id(), kOrderId);
  EXPECT_EQ(s.shipment_requisition_id(), kRequisitionId);
  EXPECT_EQ(s.warehouse_id(), kWarehouse1);
  EXPECT_EQ(s.credited_rep_id(), 7);
  EXPECT_EQ(ToCivilDay(s.ship_date()), absl::CivilDay(2026, 3, 10));
  EXPECT_EQ(s.total_amount().minor_units(), 3 * kBoltPrice);
  EXPECT_EQ(s.total_amount().currency_code(), "CNY");
  ASSERT_EQ(s.lines_size(), 1);
  EXPECT_EQ(s.lines(0).order_line_id(), 1);
  EXPECT_EQ(s.lines(0).quantity(), 3);
  EXPECT_EQ(s.lines(0).net_amount().minor_units(), 3 * kBoltPrice);
  EXPECT_EQ(s.lines(0).cost_amount().minor_units(), 3 * kBoltCost);
  EXPECT_EQ(first.order_status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(first.shipment_requisition().status(), v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(first.shipment_requisition().lines(0).shipped_quantity(), 3);
  EXPECT_EQ(first.outbound_note().type(), v1::DOCUMENT_TYPE_OUTBOUND_NOTE);
  EXPECT_EQ(first.outbound_note().document_number(), "OUT-2026-000001");
  EXPECT_EQ(first.outbound_note().shipment_id(), s.id());
  EXPECT_NE(first.outbound_note().id(), 0);
  EXPECT_EQ(book.documents.size(), 1u);

  // What it did to the order, its reservation and the stock.
  EXPECT_EQ(book.orders[kOrderId].record.order.status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(StoredLine(0).shipped_quantity(), 3);
  EXPECT_EQ(StoredLine(1).shipped_quantity(), 0);
  EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), 3 * kBoltPrice);
  EXPECT_EQ(book.orders[kOrderId].reservations[0].shipped_quantity(), 3);
  EXPECT_EQ(book.orders[kOrderId].reservations[0].status(), v1::RESERVATION_STATUS_ACTIVE);
  EXPECT_EQ(book.orders[kOrderId].reservations[1].shipped_quantity(), 0);
  ASSERT_EQ(book.movements.size(), 1u);
  EXPECT_EQ(book.movements[0].warehouse_id, kWarehouse1);
  EXPECT_EQ(book.movements[0].product_id, kBolts);
  EXPECT_EQ(book.movements[0].quantity, 3);
  EXPECT_EQ(book.movements[0].reference, "SR-2026-000300");

  auto shipped = book.EventsOf<v1::OrderShippedEvent>();
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0].order().order_id(), kOrderId);
  EXPECT_EQ(shipped[0].order().customer_name(), "上海浦东新区华强贸易有限公司");
  EXPECT_EQ(shipped[0].shipment_id(), s.id());
  EXPECT_EQ(shipped[0].shipment_number(), "OUT-2026-000001");
  ASSERT_EQ(shipped[0].lines_size(), 1);
  EXPECT_EQ(shipped[0].lines(0).order_line_id(), 1);
  EXPECT_EQ(shipped[0].lines(0).quantity(), 3);
  EXPECT_EQ(shipped[0].lines(0).unit_price().minor_units(), kBoltPrice);
  EXPECT_EQ(shipped[0].lines(0).net_amount().minor_units(), 3 * kBoltPrice);
  EXPECT_EQ(shipped[0].lines(0).cost_amount().minor_units(), 3 * kBoltCost);
  EXPECT_EQ(shipped[0].total_amount().minor_units(), 3 * kBoltPrice);
  EXPECT_EQ(shipped[0].cost_amount().minor_units(), 3 * kBoltCost);
  EXPECT_FALSE(shipped[0].order_fully_shipped());
  EXPECT_EQ(shipped[0].order_status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);

  ASSERT_EQ(book.audits.size(), 2u);
  EXPECT_EQ(book.audits[0].action, "ORDER_SHIPPED");
  EXPECT_EQ(book.audits[0].subject_id, kOrderId);
  EXPECT_EQ(book.audits[0].from_value, "CONFIRMED");
  EXPECT_EQ(book.audits[0].to_value, "PARTIALLY_SHIPPED");
  EXPECT_EQ(book.audits[0].reason, "OUT-2026-000001");
  EXPECT_EQ(book.audits[1].action, "SHIPMENT_POSTED");
  EXPECT_EQ(book.audits[1].subject_type, v1::SUBJECT_TYPE_SHIPMENT);
  EXPECT_EQ(book.audits[1].subject_id, s.id());

  // The rest of both lines, against the requisition as the answer gave it.
  v1::PostShipmentRequest rest = Request({{kBoltsLine, 7}, {kPanelsLine, 4}});
  rest.set_etag(first.shipment_requisition().etag());
  SALES_ASSERT_OK_AND_ASSIGN(auto second, PostAs(Storekeeper(), rest));

  EXPECT_EQ(second.shipment().shipment_number(), "OUT-2026-000002");
  EXPECT_EQ(second.shipment().total_amount().minor_units(), 7 * kBoltPrice + 4 * kPanelPrice);
  EXPECT_EQ(second.order_status(), v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(second.shipment_requisition().status(), v1::SHIPMENT_REQUISITION_STATUS_SHIPPED);
  EXPECT_EQ(book.orders[kOrderId].record.order.status(), v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), 10 * kBoltPrice + 4 * kPanelPrice);
  EXPECT_EQ(StoredLine(0).shipped_quantity(), 10);
  EXPECT_EQ(StoredLine(1).shipped_quantity(), 4);
  for (const auto& r : book.orders[kOrderId].reservations) {
    EXPECT_EQ(r.status(), v1::RESERVATION_STATUS_CONSUMED) << r.id();
  }
  shipped = book.EventsOf<v1::OrderShippedEvent>();
  ASSERT_EQ(shipped.size(), 2u);
  EXPECT_TRUE(shipped[1].order_fully_shipped());
  EXPECT_EQ(shipped[1].order_status(), v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(shipped[1].lines_size(), 2);
  EXPECT_EQ(shipped[1].cost_amount().minor_units(), 7 * kBoltCost + 4 * kPanelCost);
  auto order_audits = book.AuditsOf("ORDER_SHIPPED");
  ASSERT_EQ(order_audits.size(), 2u);
  EXPECT_EQ(order_audits[1].from_value, "PARTIALLY_SHIPPED");
  EXPECT_EQ(order_audits[1].to_value, "SHIPPED");
  EXPECT_EQ(book.documents.size(), 2u);
}

TEST_F(ShipmentPostingTest, AnotherPartialPostingLeavesTheOrderPartiallyShippedWithoutANewOrderAudit) {
  ASSERT_THAT(PostAs(Storekeeper(), Request({{kBoltsLine, 3}})), IsOk());
  SALES_ASSERT_OK_AND_ASSIGN(auto second, PostAs(Storekeeper(), Request({{kPanelsLine, 1}})));

  EXPECT_EQ(second.order_status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(second.shipment_requisition().status(), v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(book.AuditsOf("ORDER_SHIPPED").size(), 1u);
  EXPECT_EQ(book.AuditsOf("SHIPMENT_POSTED").size(), 2u);
  EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), 3 * kBoltPrice + kPanelPrice);
}

TEST_F(ShipmentPostingTest, MoreThanRequestedIsRefusedAndNothingPosted) {
  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 11}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_REQUESTED");
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, MoreThanReservedIsRefusedAndNothingPosted) {
  // Only 5 of the 10 bolts are still reserved in warehouse 1.
  book.orders[kOrderId].reservations[0].set_quantity(5);

  // The panels line is fine; the bolts line refuses the whole posting.
  auto resp = PostAs(Storekeeper(), Request({{kPanelsLine, 4}, {kBoltsLine, 6}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_RESERVED");
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, TwoRequisitionLinesOfOneOrderLineShareItsReservation) {
  // Bolts requested on two lines (6 + 4) with only 8 reserved.
  auto& lines = *book.requisitions[kRequisitionId].requisition.mutable_lines();
  lines[0].set_quantity(6);
  lines.Add()->CopyFrom(RequisitionLine(3003, 1, kBolts, kWarehouse1, 4));
  book.orders[kOrderId].reservations[0].set_quantity(8);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 6}, {3003, 4}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_RESERVED");
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, ALineOfAnotherWarehouseIsNamed) {
  *book.requisitions[kRequisitionId].requisition.add_lines() = RequisitionLine(3003, 2, kPanels, kWarehouse2, 1);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 1}, {3003, 1}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[1].shipment_requisition_line_id");
  EXPECT_THAT(violations[0].description, HasSubstr("ships from warehouse 2, not 1"));
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, ALineNotOnTheRequisitionIsNamed) {
  auto resp = PostAs(Storekeeper(), Request({{9999, 1}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[0].shipment_requisition_line_id");
  EXPECT_THAT(violations[0].description, HasSubstr("not a line of requisition 300"));
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, OnlyTheWarehouseOrAnAdminPosts) {
  Principal rep{.user_id = "chen.jie", .role = kRoleRep, .rep_id = 7};

  auto resp = PostAs(rep, Request({{kBoltsLine, 3}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ErrorReason(resp.status()), "ROLE_NOT_ALLOWED");
  ExpectNothingPosted();

  Principal admin{.user_id = "admin", .role = kRoleAdmin};
  EXPECT_THAT(PostAs(admin, Request({{kBoltsLine, 3}})), IsOk());
}

TEST_F(ShipmentPostingTest, ARequisitionNotApprovedIsRefused) {
  book.requisitions[kRequisitionId].requisition.set_status(v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 3}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "REQUISITION_NOT_APPROVED");
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, AStaleRequisitionEtagIsRefused) {
  v1::PostShipmentRequest req = Request({{kBoltsLine, 3}});
  req.set_etag("v1");

  auto resp = PostAs(Storekeeper(), req);

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ErrorReason(resp.status()), "STALE_ETAG");
  ExpectNothingPosted();
}

TEST_F(ShipmentPostingTest, AnOrderOnCreditHoldDoesNotShip) {
  book.orders[kOrderId].record.order.set_status(v1::ORDER_STATUS_CREDIT_HOLD);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 3}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "ORDER_NOT_SHIPPABLE");
  EXPECT_TRUE(book.events.empty());
  EXPECT_TRUE(book.movements.empty());
}

// A line whose amount leaves int64 must be refused naming the quantity, not
// posted with a wrapped (here negative) total. The refusal comes after the
// line's stock writes, which the SQL transaction rolls back; the fake keeps
// them, so only what follows the refusal is checked here.
TEST_F(ShipmentPostingTest, AQuantityWhoseAmountOverflowsIsRefusedNotWrapped) {
  // 100,000 units at 10^14 fen: 10^19 overflows int64 (and would wrap to
  // about -8.4 × 10^18).
  constexpr int64_t kHuge = 100'000'000'000'000;
  auto& line = *book.orders[kOrderId].record.order.mutable_lines(0);
  line.set_quantity(100'000);
  *line.mutable_unit_price() = MakeMoney(kHuge);
  book.orders[kOrderId].reservations[0].set_quantity(100'000);
  book.requisitions[kRequisitionId].requisition.mutable_lines(0)->set_quantity(100'000);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 100'000}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[0].quantity");
  EXPECT_TRUE(book.shipments.empty());
  EXPECT_TRUE(book.events.empty());
  EXPECT_TRUE(book.documents.empty());
}

// 2 × 10^14 fen a unit: 5 units reach 10^15, the exclusive bound on any
// amount; 4 units stay below it.
constexpr int64_t kBoundPrice = 200'000'000'000'000;

TEST_F(ShipmentPostingTest, AnAmountAtTheBoundIsRefused) {
  *book.orders[kOrderId].record.order.mutable_lines(0)->mutable_unit_price() = MakeMoney(kBoundPrice);

  auto resp = PostAs(Storekeeper(), Request({{kBoltsLine, 5}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[0].quantity");
  EXPECT_TRUE(book.shipments.empty());
  EXPECT_TRUE(book.events.empty());
}

TEST_F(ShipmentPostingTest, AnAmountJustBelowTheBoundPosts) {
  *book.orders[kOrderId].record.order.mutable_lines(0)->mutable_unit_price() = MakeMoney(kBoundPrice);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, PostAs(Storekeeper(), Request({{kBoltsLine, 4}})));

  EXPECT_EQ(resp.shipment().total_amount().minor_units(), 4 * kBoundPrice);
  EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), 4 * kBoundPrice);
}

}  // namespace
}  // namespace sales::orders
