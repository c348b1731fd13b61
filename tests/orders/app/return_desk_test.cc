// ReturnDesk without a database or a server: a shipped two-line order whose
// goods left on two outbound shipments, returns raised, verified and received
// against the in-memory order book. Amounts are in fen; "now" is Tuesday
// 2026-03-10 10:00 in Shanghai.
#include "orders-svc/app/return_desk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Order line 1: 10 bolts at 120.00 (cost 70.00), all shipped, 2 already
// returned. Order line 2: 4 panels at 500.00 (cost 300.00), all shipped.
// 14 units shipped less the 2 bolts back: 2,960.00.
constexpr int64_t kShippedAmount = 10 * kBoltPrice + 4 * kPanelPrice - 2 * kBoltPrice;

// Outbound shipment 11 took bolts from warehouse 1; shipment 12 took the
// other bolts and the panels from warehouse 2.
constexpr int64_t kShipment11 = 11;
constexpr int64_t kShipment12 = 12;
// Regular warehouses 1 and 2 (active) and 3 (closed). Quarantine
// warehouses 6 (priority 3), 7 (priority 0, closed), 8 and 9 (priority 1):
// the first active quarantine by priority then id is 8.
constexpr int64_t kClosedRegular = 3;
constexpr int64_t kQuarantine = 8;

constexpr char kReason[] = "包装破损，客户拒收";

// Reps here sit in 上海销售部 (100), the order's credited unit; the
// confirmation tests' reps carry no unit, so this one is not shared.
Principal Rep(int64_t rep) { return {.user_id = "chen.jie", .role = kRoleRep, .rep_id = rep, .org_unit_id = 100}; }

// An order line shipped and delivered in full, `returned` of it already back.
v1::OrderLine ShippedLine(int64_t id, int64_t product, int64_t quantity, int64_t unit_price, int64_t returned) {
  v1::OrderLine l = Line(id, product, quantity, unit_price);
  l.set_shipped_quantity(quantity);
  l.set_delivered_quantity(quantity);
  l.set_returned_quantity(returned);
  return l;
}

v1::ReturnLine ReturnLine(int64_t id, int64_t order_line, int64_t shipment, int64_t requested,
                          v1::ItemCondition claimed) {
  v1::ReturnLine l;
  l.set_id(id);
  l.set_order_line_id(order_line);
  l.set_product_id(order_line == 1 ? kBolts : kPanels);
  l.set_sku(absl::StrCat("SKU-", l.product_id()));
  l.set_shipment_id(shipment);
  l.set_requested_quantity(requested);
  l.set_claimed_condition(claimed);
  *l.mutable_unit_price() = MakeMoney(order_line == 1 ? kBoltPrice : kPanelPrice);
  return l;
}

// The field an ErrorInfo names in its metadata ("" when none).
std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  google::rpc::ErrorInfo info;
  if (!payload.has_value() || !info.ParseFromString(std::string(*payload))) return "";
  auto it = info.metadata().find("field");
  return it == info.metadata().end() ? "" : it->second;
}

class ReturnDeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OrderRecord& rec = book.orders[kOrderId].record;
    v1::SalesOrder& o = rec.order;
    o = CreditedOrderHead();
    *o.add_lines() = ShippedLine(1, kBolts, 10, kBoltPrice, 2);
    *o.add_lines() = ShippedLine(2, kPanels, 4, kPanelPrice, 0);
    *o.mutable_total_amount() = MakeMoney(kOrderTotal);
    *o.mutable_shipped_amount() = MakeMoney(kShippedAmount);
    o.set_status(v1::ORDER_STATUS_SHIPPED);
    rec.version = 5;
    rec.taking_org_unit_id = 101;
    book.unit_costs[kOrderId] = {{1, kBoltCost}, {2, kPanelCost}};

    book.warehouses = {{1, {1, "REGULAR", true}},    {2, {2, "REGULAR", true}},     {3, {3, "REGULAR", false}},
                       {6, {6, "QUARANTINE", true}}, {7, {7, "QUARANTINE", false}}, {8, {8, "QUARANTINE", true}},
                       {9, {9, "QUARANTINE", true}}};
    book.warehouse_priorities = {{1, 1}, {2, 2}, {3, 3}, {6, 3}, {7, 0}, {8, 1}, {9, 1}};
    book.shipped_from = {
        {{1, kShipment11}, kWarehouse1}, {{1, kShipment12}, kWarehouse2}, {{2, kShipment12}, kWarehouse2}};
    book.stock = {{kWarehouse1, 1, kBolts, 20}, {kWarehouse2, 2, kBolts, 5}, {kWarehouse2, 2, kPanels, 7}};
  }

  CallContext Call(const Principal& p, const std::string& method) {
    return {.method = "/sales.orders.v1.OrdersService/" + method, .request_id = "req-" + method, .principal = p};
  }
  const v1::OrderLine& StoredLine(int i) { return book.orders[kOrderId].record.order.lines(i); }

  FakeClock clock{kNow};
  FakeOrderBook book;
  ReturnDesk desk{clock};
};

// ---- Create ----

// Other returns of the order: REQUESTED (3 bolts pending), VERIFIED (4
// asked, 1 accepted: 1 pending), REJECTED and RECEIVED (nothing pending; the
// received 2 are the line's returned_quantity). Left to return: bolts
// 10 − 2 − 3 − 1 = 4, panels 4.
class CreateReturnTest : public ReturnDeskTest {
 protected:
  void SetUp() override {
    ReturnDeskTest::SetUp();
    Seed(500, v1::RETURN_STATUS_REQUESTED, 3, 0, false);
    Seed(501, v1::RETURN_STATUS_VERIFIED, 4, 1, true);
    Seed(502, v1::RETURN_STATUS_REJECTED, 5, 0, false);
    Seed(503, v1::RETURN_STATUS_RECEIVED, 2, 2, true);
  }
  void Seed(int64_t id, v1::ReturnStatus status, int64_t requested, int64_t verified, bool is_verified) {
    ReturnRecord& r = book.returns[id];
    r.request.set_id(id);
    r.request.set_order_id(kOrderId);
    r.request.set_status(status);
    auto* l = r.request.add_lines();
    *l = ReturnLine(id * 10 + 1, 1, kShipment12, requested, v1::ITEM_CONDITION_INTACT);
    l->set_verified_quantity(verified);
    r.verified[l->id()] = is_verified;
    r.version = 2;
  }

  v1::CreateReturnRequest Request(std::vector<v1::ReturnLine> lines) {
    v1::CreateReturnRequest req;
    req.set_request_id("create-1");
    req.mutable_return_request()->set_order_id(kOrderId);
    req.mutable_return_request()->set_reason(kReason);
    for (auto& l : lines) *req.mutable_return_request()->add_lines() = std::move(l);
    return req;
  }
  static v1::ReturnLine Asked(int64_t order_line, int64_t shipment, int64_t quantity, v1::ItemCondition claimed) {
    v1::ReturnLine l;
    l.set_order_line_id(order_line);
    l.set_shipment_id(shipment);
    l.set_requested_quantity(quantity);
    l.set_claimed_condition(claimed);
    return l;
  }
  absl::StatusOr<v1::CreateReturnResponse> CreateAs(const Principal& p, const v1::CreateReturnRequest& req) {
    return desk.Create(book, Call(p, "CreateReturn"), req);
  }

  void ExpectNothingCreated() {
    EXPECT_EQ(book.returns.size(), 4u);
    EXPECT_TRUE(book.audits.empty());
    EXPECT_TRUE(book.events.empty());
  }
};

TEST_F(CreateReturnTest, AReturnUpToWhatIsLeftIsRaisedAtTheOrdersPrices) {
  // The client's product and price are not believed: the order's are taken.
  v1::ReturnLine bolts = Asked(1, kShipment11, 4, v1::ITEM_CONDITION_DAMAGED);
  bolts.set_product_id(999);
  *bolts.mutable_unit_price() = MakeMoney(1);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp,
                             CreateAs(Rep(kCreditedRep), Request({bolts, Asked(2, 0, 1, v1::ITEM_CONDITION_INTACT)})));

  const v1::ReturnRequest& r = resp.return_request();
  EXPECT_EQ(r.request_number(), "RR-2026-000001");
  EXPECT_EQ(r.status(), v1::RETURN_STATUS_REQUESTED);
  EXPECT_EQ(r.order_id(), kOrderId);
  EXPECT_EQ(r.customer_id(), kCustomerId);
  EXPECT_EQ(r.credited_rep_id(), kCreditedRep);
  EXPECT_EQ(r.reason(), kReason);
  EXPECT_EQ(r.etag(), "v1");
  EXPECT_EQ(r.requested_by().user_id(), "chen.jie");
  ASSERT_EQ(r.lines_size(), 2);
  EXPECT_EQ(r.lines(0).order_line_id(), 1);
  EXPECT_EQ(r.lines(0).product_id(), kBolts);
  EXPECT_EQ(r.lines(0).sku(), "SKU-501");
  EXPECT_EQ(r.lines(0).shipment_id(), kShipment11);
  EXPECT_EQ(r.lines(0).requested_quantity(), 4);
  EXPECT_EQ(r.lines(0).claimed_condition(), v1::ITEM_CONDITION_DAMAGED);
  EXPECT_EQ(r.lines(0).unit_price().minor_units(), kBoltPrice);
  EXPECT_EQ(r.lines(0).amount().minor_units(), 4 * kBoltPrice);
  EXPECT_EQ(r.lines(1).order_line_id(), 2);
  EXPECT_EQ(r.lines(1).product_id(), kPanels);
  EXPECT_EQ(r.lines(1).shipment_id(), 0);
  EXPECT_EQ(r.lines(1).unit_price().minor_units(), kPanelPrice);
  EXPECT_EQ(r.total_amount().minor_units(), 4 * kBoltPrice + kPanelPrice);
  EXPECT_EQ(r.total_amount().currency_code(), "CNY");

  const ReturnRecord& stored = book.returns.at(r.id());
  EXPECT_EQ(stored.credited_org_unit_id, kCreditedUnit);
  EXPECT_EQ(stored.requester.user_id, "chen.jie");
  EXPECT_EQ(stored.request.reason(), kReason);

  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].action, "RETURN_REQUESTED");
  EXPECT_EQ(book.audits[0].subject_type, v1::SUBJECT_TYPE_RETURN_REQUEST);
  EXPECT_EQ(book.audits[0].subject_id, r.id());
  EXPECT_EQ(book.audits[0].from_value, "");
  EXPECT_EQ(book.audits[0].to_value, "REQUESTED");
  EXPECT_EQ(book.audits[0].reason, kReason);

  // Raising a return moves nothing yet.
  EXPECT_TRUE(book.approval_steps.empty());
  EXPECT_TRUE(book.movements.empty());
  EXPECT_TRUE(book.events.empty());
  EXPECT_EQ(StoredLine(0).returned_quantity(), 2);
}

TEST_F(CreateReturnTest, OneMoreThanIsLeftIsRefusedNamingTheQuantity) {
  auto resp = CreateAs(Rep(kCreditedRep), Request({Asked(1, kShipment11, 5, v1::ITEM_CONDITION_DAMAGED)}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_SHIPPED");
  EXPECT_EQ(ErrorField(resp.status()), "return_request.lines[0].requested_quantity");
  EXPECT_THAT(resp.status().message(), HasSubstr("only 4 may come back"));
  ExpectNothingCreated();
}

TEST_F(CreateReturnTest, TwoLinesOfOneOrderLineShareWhatIsLeft) {
  // 3 + 2 bolts against the 4 left: the second line is the one over.
  auto resp = CreateAs(Rep(kCreditedRep), Request({Asked(1, kShipment11, 3, v1::ITEM_CONDITION_DAMAGED),
                                                   Asked(1, kShipment12, 2, v1::ITEM_CONDITION_INTACT)}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_SHIPPED");
  EXPECT_EQ(ErrorField(resp.status()), "return_request.lines[1].requested_quantity");
  EXPECT_THAT(resp.status().message(), HasSubstr("only 1 may come back"));
  ExpectNothingCreated();
}

TEST_F(CreateReturnTest, ALineNotOnTheOrderAndAShipmentTheLineDidNotLeaveOnAreNamed) {
  // Line 99 is not on the order; the panels never left on shipment 11.
  auto resp = CreateAs(Rep(kCreditedRep), Request({Asked(99, 0, 1, v1::ITEM_CONDITION_INTACT),
                                                   Asked(2, kShipment11, 1, v1::ITEM_CONDITION_INTACT)}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].field, "return_request.lines[0].order_line_id");
  EXPECT_THAT(violations[0].description, HasSubstr("not a line of order 42"));
  EXPECT_EQ(violations[1].field, "return_request.lines[1].shipment_id");
  ExpectNothingCreated();
}

TEST_F(CreateReturnTest, ARepOutsideTheOrderOrTheWarehouseMayNotRaiseIt) {
  auto other_rep = CreateAs(Rep(8), Request({Asked(2, 0, 1, v1::ITEM_CONDITION_INTACT)}));
  EXPECT_THAT(other_rep, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ErrorReason(other_rep.status()), "OUT_OF_SCOPE");

  auto warehouse = CreateAs(Storekeeper(), Request({Asked(2, 0, 1, v1::ITEM_CONDITION_INTACT)}));
  EXPECT_THAT(warehouse, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ErrorReason(warehouse.status()), "ROLE_NOT_ALLOWED");
  ExpectNothingCreated();
}

// ---- Verify ----

// Return 600, REQUESTED by rep 7: 3 bolts (line 6001) and 2 panels (6002).
class VerifyReturnTest : public ReturnDeskTest {
 protected:
  void SetUp() override {
    ReturnDeskTest::SetUp();
    ReturnRecord& r = book.returns[600];
    r.request.set_id(600);
    r.request.set_request_number("RR-2026-000600");
    r.request.set_order_id(kOrderId);
    r.request.set_customer_id(kCustomerId);
    r.request.set_credited_rep_id(kCreditedRep);
    r.request.set_reason(kReason);
    r.request.set_status(v1::RETURN_STATUS_REQUESTED);
    *r.request.add_lines() = ReturnLine(6001, 1, kShipment11, 3, v1::ITEM_CONDITION_DAMAGED);
    *r.request.add_lines() = ReturnLine(6002, 2, kShipment12, 2, v1::ITEM_CONDITION_INTACT);
    r.verified = {{6001, false}, {6002, false}};
    r.version = 1;
    r.credited_org_unit_id = kCreditedUnit;
    r.requester = Rep(kCreditedRep);
  }

  struct Result {
    int64_t line;
    int64_t quantity;
    v1::ItemCondition condition;
  };
  v1::VerifyReturnRequest Request(std::vector<Result> results) {
    v1::VerifyReturnRequest req;
    req.set_request_id("verify-1");
    req.set_return_request_id(600);
    req.set_etag("v1");
    req.set_notes("核对品名、规格、数量、真伪");
    for (const auto& r : results) {
      auto* v = req.add_lines();
      v->set_return_line_id(r.line);
      v->set_verified_quantity(r.quantity);
      v->set_verified_condition(r.condition);
    }
    return req;
  }
  absl::StatusOr<v1::VerifyReturnResponse> VerifyAs(const Principal& p, const v1::VerifyReturnRequest& req) {
    return desk.Verify(book, Call(p, "VerifyReturn"), req);
  }

  void ExpectUnverified() {
    const ReturnRecord& r = book.returns.at(600);
    EXPECT_EQ(r.request.status(), v1::RETURN_STATUS_REQUESTED);
    EXPECT_EQ(r.version, 1);
    EXPECT_FALSE(r.verified.at(6001));
    EXPECT_FALSE(r.verified.at(6002));
    EXPECT_TRUE(book.approval_steps.empty());
    EXPECT_TRUE(book.audits.empty());
  }
};

TEST_F(VerifyReturnTest, EveryLineNeedsAResult) {
  auto resp = VerifyAs(Clerk(), Request({{6001, 3, v1::ITEM_CONDITION_DAMAGED}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines");
  EXPECT_THAT(violations[0].description, HasSubstr("return line 6002 has no result"));
  ExpectUnverified();
}

TEST_F(VerifyReturnTest, ALineGivenTwiceIsNamed) {
  auto resp = VerifyAs(Clerk(), Request({{6001, 3, v1::ITEM_CONDITION_DAMAGED},
                                         {6001, 2, v1::ITEM_CONDITION_INTACT},
                                         {6002, 2, v1::ITEM_CONDITION_INTACT}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[1].return_line_id");
  EXPECT_EQ(violations[0].description, "given twice");
  ExpectUnverified();
}

TEST_F(VerifyReturnTest, MoreThanRequestedIsNamed) {
  auto resp = VerifyAs(Clerk(), Request({{6001, 3, v1::ITEM_CONDITION_DAMAGED}, {6002, 3, v1::ITEM_CONDITION_INTACT}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  auto violations = FieldViolationsOf(resp.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "lines[1].verified_quantity");
  ExpectUnverified();
}

TEST_F(VerifyReturnTest, GoodsNotOursCountZeroAndTheRestGoesToTheManager) {
  // The 3 bolts are counterfeit; 1 of the 2 panels came back, damaged.
  SALES_ASSERT_OK_AND_ASSIGN(
      auto resp,
      VerifyAs(Clerk(), Request({{6001, 3, v1::ITEM_CONDITION_NOT_GENUINE}, {6002, 1, v1::ITEM_CONDITION_DAMAGED}})));

  const v1::ReturnRequest& r = resp.return_request();
  EXPECT_EQ(r.status(), v1::RETURN_STATUS_VERIFIED);
  EXPECT_EQ(r.etag(), "v2");
  ASSERT_EQ(r.lines_size(), 2);
  EXPECT_EQ(r.lines(0).verified_quantity(), 0);
  EXPECT_EQ(r.lines(0).verified_condition(), v1::ITEM_CONDITION_NOT_GENUINE);
  EXPECT_EQ(r.lines(1).verified_quantity(), 1);
  EXPECT_EQ(r.lines(1).verified_condition(), v1::ITEM_CONDITION_DAMAGED);
  EXPECT_EQ(r.total_amount().minor_units(), kPanelPrice);
  EXPECT_EQ(r.verification_notes(), "核对品名、规格、数量、真伪");
  EXPECT_EQ(r.verified_by().user_id(), "wang.fang");
  EXPECT_EQ(r.status_reason(), "");
  EXPECT_EQ(r.approval().level(), v1::APPROVAL_LEVEL_MANAGER);
  EXPECT_EQ(r.approval().status(), v1::APPROVAL_STEP_STATUS_PENDING);

  // The manager's step, asked for by the rep who raised the return.
  ASSERT_EQ(book.approval_steps.size(), 1u);
  const auto& step = book.approval_steps[0];
  EXPECT_EQ(step.subject_type, v1::SUBJECT_TYPE_RETURN_REQUEST);
  EXPECT_EQ(step.subject_id, 600);
  EXPECT_EQ(step.step.level(), v1::APPROVAL_LEVEL_MANAGER);
  EXPECT_THAT(step.step.triggers(), ElementsAre(v1::APPROVAL_TRIGGER_RETURN));
  EXPECT_EQ(step.requester.user_id, "chen.jie");

  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].action, "RETURN_VERIFIED");
  EXPECT_EQ(book.audits[0].subject_id, 600);
  EXPECT_EQ(book.audits[0].from_value, "REQUESTED");
  EXPECT_EQ(book.audits[0].to_value, "VERIFIED");
  EXPECT_EQ(book.audits[0].reason, "核对品名、规格、数量、真伪");
}

TEST_F(VerifyReturnTest, NothingAcceptedClosesTheReturnWithoutAStep) {
  // No bolts found, and the panels (2 counted) are not ours.
  SALES_ASSERT_OK_AND_ASSIGN(
      auto resp,
      VerifyAs(Clerk(), Request({{6001, 0, v1::ITEM_CONDITION_DAMAGED}, {6002, 2, v1::ITEM_CONDITION_NOT_GENUINE}})));

  const v1::ReturnRequest& r = resp.return_request();
  EXPECT_EQ(r.status(), v1::RETURN_STATUS_REJECTED);
  EXPECT_EQ(r.status_reason(), "nothing accepted at verification");
  EXPECT_EQ(r.lines(1).verified_quantity(), 0);
  EXPECT_EQ(r.total_amount().minor_units(), 0);
  EXPECT_FALSE(r.has_approval());
  EXPECT_TRUE(book.approval_steps.empty());
  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].action, "RETURN_VERIFIED");
  EXPECT_EQ(book.audits[0].to_value, "REJECTED");
}

TEST_F(VerifyReturnTest, OnlyARequestedReturnIsVerified) {
  book.returns[600].request.set_status(v1::RETURN_STATUS_APPROVED);

  auto resp = VerifyAs(Clerk(), Request({{6001, 3, v1::ITEM_CONDITION_DAMAGED}, {6002, 2, v1::ITEM_CONDITION_INTACT}}));

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "RETURN_WRONG_STATE");
  EXPECT_TRUE(book.approval_steps.empty());
  EXPECT_TRUE(book.audits.empty());
}

// ---- Receive ----

// Return 700, APPROVED: 3 intact bolts that left on shipment 11 (warehouse
// 1) and 1 damaged panel (of 2 asked) that left on shipment 12.
class ReceiveReturnTest : public ReturnDeskTest {
 protected:
  void SetUp() override {
    ReturnDeskTest::SetUp();
    ReturnRecord& r = book.returns[700];
    r.request.set_id(700);
    r.request.set_request_number("RR-2026-000700");
    r.request.set_order_id(kOrderId);
    r.request.set_customer_id(kCustomerId);
    r.request.set_credited_rep_id(kCreditedRep);
    r.request.set_reason(kReason);
    r.request.set_status(v1::RETURN_STATUS_APPROVED);
    *r.request.add_lines() = ReturnLine(7001, 1, kShipment11, 3, v1::ITEM_CONDITION_INTACT);
    *r.request.add_lines() = ReturnLine(7002, 2, kShipment12, 2, v1::ITEM_CONDITION_DAMAGED);
    Verified(0, 3, v1::ITEM_CONDITION_INTACT);
    Verified(1, 1, v1::ITEM_CONDITION_DAMAGED);
    r.version = 4;
    r.credited_org_unit_id = kCreditedUnit;
    r.requester = Rep(kCreditedRep);
  }
  void Verified(int i, int64_t quantity, v1::ItemCondition condition) {
    ReturnRecord& r = book.returns[700];
    auto* l = r.request.mutable_lines(i);
    l->set_verified_quantity(quantity);
    l->set_verified_condition(condition);
    r.verified[l->id()] = true;
  }

  v1::ReceiveReturnRequest Request(int64_t warehouse_id = 0) {
    v1::ReceiveReturnRequest req;
    req.set_request_id("receive-1");
    req.set_return_request_id(700);
    req.set_etag(MakeEtag(book.returns[700].version));
    req.set_warehouse_id(warehouse_id);
    return req;
  }
  absl::StatusOr<v1::ReceiveReturnResponse> ReceiveAs(const Principal& p, const v1::ReceiveReturnRequest& req) {
    return desk.Receive(book, Call(p, "ReceiveReturn"), req);
  }

  void ExpectNothingReceived() {
    EXPECT_TRUE(book.shipments.empty());
    EXPECT_TRUE(book.movements.empty());
    EXPECT_TRUE(book.events.empty());
    EXPECT_TRUE(book.audits.empty());
    EXPECT_TRUE(book.documents.empty());
    EXPECT_EQ(book.stock.size(), 3u);
    EXPECT_EQ(book.Available(kWarehouse1, kBolts), 20);
    EXPECT_EQ(StoredLine(0).returned_quantity(), 2);
    EXPECT_EQ(StoredLine(1).returned_quantity(), 0);
    EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), kShippedAmount);
    EXPECT_EQ(book.orders[kOrderId].record.version, 5);
    const ReturnRecord& r = book.returns.at(700);
    EXPECT_EQ(r.request.status(), v1::RETURN_STATUS_APPROVED);
    EXPECT_EQ(r.request.return_shipment_id(), 0);
    EXPECT_EQ(r.version, 4);
  }
};

TEST_F(ReceiveReturnTest, IntactGoodsGoBackWhereTheyLeftAndDamagedOnesToQuarantine) {
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ReceiveAs(Storekeeper(), Request()));

  // One red-ink receipt per destination, warehouse 1 before 8.
  ASSERT_EQ(resp.return_shipments_size(), 2);
  const v1::Shipment& back = resp.return_shipments(0);
  EXPECT_EQ(back.shipment_number(), "RET-2026-000001");
  EXPECT_EQ(back.kind(), v1::SHIPMENT_KIND_RETURN);
  EXPECT_EQ(back.status(), v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(back.order_id(), kOrderId);
  EXPECT_EQ(back.return_request_id(), 700);
  EXPECT_EQ(back.warehouse_id(), kWarehouse1);
  EXPECT_EQ(back.customer_id(), kCustomerId);
  EXPECT_EQ(back.credited_rep_id(), kCreditedRep);
  EXPECT_EQ(ToCivilDay(back.ship_date()), kToday);
  EXPECT_EQ(back.total_amount().minor_units(), -3 * kBoltPrice);
  ASSERT_EQ(back.lines_size(), 1);
  EXPECT_EQ(back.lines(0).order_line_id(), 1);
  EXPECT_EQ(back.lines(0).product_id(), kBolts);
  EXPECT_EQ(back.lines(0).quantity(), -3);
  EXPECT_EQ(back.lines(0).unit_price().minor_units(), kBoltPrice);
  EXPECT_EQ(back.lines(0).net_amount().minor_units(), -36'000);
  EXPECT_EQ(back.lines(0).cost_amount().minor_units(), -21'000);
  EXPECT_EQ(back.lines(0).condition(), v1::ITEM_CONDITION_INTACT);

  const v1::Shipment& quarantined = resp.return_shipments(1);
  EXPECT_EQ(quarantined.shipment_number(), "RET-2026-000002");
  EXPECT_EQ(quarantined.warehouse_id(), kQuarantine);
  EXPECT_EQ(quarantined.total_amount().minor_units(), -kPanelPrice);
  ASSERT_EQ(quarantined.lines_size(), 1);
  EXPECT_EQ(quarantined.lines(0).order_line_id(), 2);
  EXPECT_EQ(quarantined.lines(0).quantity(), -1);
  EXPECT_EQ(quarantined.lines(0).net_amount().minor_units(), -50'000);
  EXPECT_EQ(quarantined.lines(0).cost_amount().minor_units(), -30'000);
  EXPECT_EQ(quarantined.lines(0).condition(), v1::ITEM_CONDITION_DAMAGED);

  // The return, received on the first receipt.
  EXPECT_EQ(resp.return_request().status(), v1::RETURN_STATUS_RECEIVED);
  EXPECT_EQ(resp.return_request().return_shipment_id(), back.id());
  EXPECT_EQ(resp.return_request().etag(), "v5");
  EXPECT_EQ(resp.order_status(), v1::ORDER_STATUS_SHIPPED);

  // Stock back on hand where it went, with RETURN ledger rows.
  EXPECT_EQ(book.Available(kWarehouse1, kBolts), 23);
  EXPECT_EQ(book.Available(kQuarantine, kPanels), 1);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 5);
  EXPECT_EQ(book.Available(kWarehouse2, kPanels), 7);
  ASSERT_EQ(book.movements.size(), 2u);
  EXPECT_EQ(book.movements[0].warehouse_id, kWarehouse1);
  EXPECT_EQ(book.movements[0].product_id, kBolts);
  EXPECT_EQ(book.movements[0].quantity, -3);
  EXPECT_EQ(book.movements[0].kind, v1::STOCK_MOVEMENT_KIND_RETURN);
  EXPECT_EQ(book.movements[0].reference, "RR-2026-000700");
  EXPECT_EQ(book.movements[1].warehouse_id, kQuarantine);
  EXPECT_EQ(book.movements[1].quantity, -1);

  // The order: returned quantities up, shipped value down by 860.00.
  EXPECT_EQ(StoredLine(0).returned_quantity(), 5);
  EXPECT_EQ(StoredLine(1).returned_quantity(), 1);
  EXPECT_EQ(book.orders[kOrderId].record.order.shipped_amount().minor_units(), kShippedAmount - 86'000);

  ASSERT_EQ(book.documents.size(), 2u);
  EXPECT_EQ(book.documents[0].type(), v1::DOCUMENT_TYPE_RETURN_RECEIPT);
  EXPECT_EQ(book.documents[0].document_number(), "RET-2026-000001");
  EXPECT_EQ(book.documents[1].shipment_id(), quarantined.id());

  auto returned = book.EventsOf<v1::OrderReturnedEvent>();
  ASSERT_EQ(returned.size(), 2u);
  EXPECT_EQ(book.events[0].aggregate_type, "SalesOrder");
  EXPECT_EQ(book.events[0].aggregate_id, kOrderId);
  EXPECT_EQ(returned[0].order().order_id(), kOrderId);
  EXPECT_EQ(returned[0].order().customer_name(), "上海浦东新区华强贸易有限公司");
  EXPECT_EQ(returned[0].return_request_id(), 700);
  EXPECT_EQ(returned[0].return_shipment_id(), back.id());
  EXPECT_EQ(returned[0].shipment_number(), "RET-2026-000001");
  EXPECT_THAT(returned[0].original_shipment_ids(), ElementsAre(kShipment11));
  EXPECT_EQ(returned[0].warehouse_id(), kWarehouse1);
  EXPECT_EQ(ToCivilDay(returned[0].return_date()), kToday);
  EXPECT_EQ(returned[0].total_amount().minor_units(), -36'000);
  EXPECT_EQ(returned[0].reason(), kReason);
  ASSERT_EQ(returned[0].lines_size(), 1);
  EXPECT_EQ(returned[0].lines(0).quantity(), -3);
  EXPECT_EQ(returned[0].lines(0).net_amount().minor_units(), -36'000);
  EXPECT_EQ(returned[0].lines(0).cost_amount().minor_units(), -21'000);
  EXPECT_EQ(returned[0].lines(0).unit(), "箱");
  EXPECT_EQ(returned[1].return_shipment_id(), quarantined.id());
  EXPECT_THAT(returned[1].original_shipment_ids(), ElementsAre(kShipment12));
  EXPECT_EQ(returned[1].warehouse_id(), kQuarantine);
  EXPECT_EQ(returned[1].total_amount().minor_units(), -50'000);

  auto audits = book.AuditsOf("RETURN_RECEIVED");
  ASSERT_EQ(audits.size(), 3u);
  EXPECT_EQ(audits[0].subject_type, v1::SUBJECT_TYPE_SHIPMENT);
  EXPECT_EQ(audits[0].subject_id, back.id());
  EXPECT_EQ(audits[0].to_value, "DELIVERED");
  EXPECT_EQ(audits[0].reason, "RR-2026-000700");
  EXPECT_EQ(audits[1].subject_id, quarantined.id());
  EXPECT_EQ(audits[2].subject_type, v1::SUBJECT_TYPE_RETURN_REQUEST);
  EXPECT_EQ(audits[2].subject_id, 700);
  EXPECT_EQ(audits[2].from_value, "APPROVED");
  EXPECT_EQ(audits[2].to_value, "RECEIVED");
}

TEST_F(ReceiveReturnTest, ANamedRegularWarehouseTakesTheIntactGoods) {
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ReceiveAs(Storekeeper(), Request(kWarehouse2)));

  ASSERT_EQ(resp.return_shipments_size(), 2);
  EXPECT_EQ(resp.return_shipments(0).warehouse_id(), kWarehouse2);
  EXPECT_EQ(resp.return_shipments(1).warehouse_id(), kQuarantine);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 8);
  EXPECT_EQ(book.Available(kWarehouse1, kBolts), 20);
}

TEST_F(ReceiveReturnTest, WithoutAShipmentTheLinesLatestOutboundTakesItBack) {
  // The bolts' latest outbound was shipment 12, from warehouse 2.
  book.returns[700].request.mutable_lines(0)->set_shipment_id(0);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ReceiveAs(Storekeeper(), Request()));

  ASSERT_EQ(resp.return_shipments_size(), 2);
  EXPECT_EQ(resp.return_shipments(0).warehouse_id(), kWarehouse2);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 8);
}

TEST_F(ReceiveReturnTest, IntactGoodsNeedNoQuarantineWarehouse) {
  for (auto& [id, w] : book.warehouses) {
    if (w.kind == "QUARANTINE") w.active = false;
  }
  Verified(1, 1, v1::ITEM_CONDITION_INTACT);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ReceiveAs(Storekeeper(), Request()));

  // The panel goes back to warehouse 2, where shipment 12 took it from.
  ASSERT_EQ(resp.return_shipments_size(), 2);
  EXPECT_EQ(resp.return_shipments(1).warehouse_id(), kWarehouse2);
  EXPECT_EQ(book.Available(kWarehouse2, kPanels), 8);
}

TEST_F(ReceiveReturnTest, DamagedGoodsWithNoActiveQuarantineWarehouseAreRefused) {
  for (auto& [id, w] : book.warehouses) {
    if (w.kind == "QUARANTINE") w.active = false;
  }

  auto resp = ReceiveAs(Storekeeper(), Request());

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "NO_QUARANTINE_WAREHOUSE");
  ExpectNothingReceived();
}

TEST_F(ReceiveReturnTest, ANamedWarehouseMustBeAnActiveRegularOne) {
  for (int64_t wh : {kQuarantine, kClosedRegular}) {
    auto resp = ReceiveAs(Storekeeper(), Request(wh));

    EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument)) << wh;
    auto violations = FieldViolationsOf(resp.status());
    ASSERT_EQ(violations.size(), 1u) << wh;
    EXPECT_EQ(violations[0].field, "warehouse_id");
  }
  EXPECT_THAT(ReceiveAs(Storekeeper(), Request(99)), StatusIs(absl::StatusCode::kNotFound));
  ExpectNothingReceived();
}

TEST_F(ReceiveReturnTest, MoreThanIsStillOutIsRefused) {
  // Other returns brought 8 of the 10 bolts back since: 3 more cannot come.
  book.orders[kOrderId].record.order.mutable_lines(0)->set_returned_quantity(8);

  auto resp = ReceiveAs(Storekeeper(), Request());

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "EXCEEDS_SHIPPED");
  EXPECT_EQ(ErrorField(resp.status()), "order line 1");
  EXPECT_TRUE(book.shipments.empty());
  EXPECT_TRUE(book.movements.empty());
  EXPECT_TRUE(book.events.empty());
  EXPECT_EQ(book.returns.at(700).request.status(), v1::RETURN_STATUS_APPROVED);
}

TEST_F(ReceiveReturnTest, OnlyTheWarehouseOrAnAdminReceives) {
  auto resp = ReceiveAs(Rep(kCreditedRep), Request());

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ErrorReason(resp.status()), "ROLE_NOT_ALLOWED");
  ExpectNothingReceived();

  Principal admin{.user_id = "admin", .role = kRoleAdmin};
  EXPECT_THAT(ReceiveAs(admin, Request()), IsOk());
}

TEST_F(ReceiveReturnTest, AStaleEtagIsRefused) {
  v1::ReceiveReturnRequest req = Request();
  req.set_etag("v3");

  auto resp = ReceiveAs(Storekeeper(), req);

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ErrorReason(resp.status()), "STALE_ETAG");
  ExpectNothingReceived();
}

}  // namespace
}  // namespace sales::orders
