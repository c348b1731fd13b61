// OrderConfirmation without a database or a server: the order book, the
// customers and finance peers and the clock are fakes, so each test states
// the facts (stock, credit limit, exposure, the org tree) and checks what
// confirmation decided, wrote, audited and published. Amounts are in fen;
// "now" is Tuesday 2026-03-10 10:00 in Shanghai.
#include "orders-svc/app/order_confirmation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

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
#include "tests/testing/fake_peers.h"
#include "tests/testing/status_matchers.h"

namespace sales::orders {
namespace {

using namespace ::sales::orders::testing_fixtures;  // NOLINT
using ::sales::testing::FakeCustomersPeer;
using ::sales::testing::FakeFinancePeer;
using ::sales::testing::FakeOrderBook;
using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::HasSubstr;

// One working day after kToday (the default policy): Wednesday 2026-03-11.
const absl::CivilDay kShipDue(2026, 3, 11);

// The org tree: 总部 (1) → 华东大区 (10) → 上海销售部 (100), 浦东销售组 (101);
// 总部 (1) → 华南大区 (20).
constexpr int64_t kHeadOffice = 1;
constexpr int64_t kEastRegion = 10;
constexpr int64_t kShanghaiUnit = 100;
constexpr int64_t kPudongUnit = 101;
constexpr int64_t kSouthRegion = 20;

constexpr char kCustomerAddress[] = "上海市浦东新区张江路 88 号";

Principal Finance() { return {.user_id = "li.na", .role = kRoleFinance}; }
Principal Manager(int64_t unit) { return {.user_id = "zhou.min", .role = kRoleManager, .org_unit_id = unit}; }
Principal Rep(int64_t rep) { return {.user_id = "chen.jie", .role = kRoleRep, .rep_id = rep}; }

CallContext Call(const Principal& p) {
  return {.method = "/sales.orders.v1.OrdersService/ConfirmOrder", .request_id = "req-confirm-1", .principal = p};
}

class OrderConfirmationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.org_chains = {{kHeadOffice, {kHeadOffice}},
                       {kEastRegion, {kEastRegion, kHeadOffice}},
                       {kShanghaiUnit, {kShanghaiUnit, kEastRegion, kHeadOffice}},
                       {kPudongUnit, {kPudongUnit, kEastRegion, kHeadOffice}},
                       {kSouthRegion, {kSouthRegion, kHeadOffice}}};
    book.org_subtrees = {{kEastRegion, {kEastRegion, kShanghaiUnit, kPudongUnit}}, {kSouthRegion, {kSouthRegion}}};
    for (int64_t id : {kBolts, kPanels}) {
      v1::Product p;
      p.set_id(id);
      *p.mutable_floor_price() = MakeMoney(1'000);
      book.products[id] = p;
    }
    // Warehouse 1 goes first but has only 6 bolts; warehouse 2 has plenty.
    book.stock = {{kWarehouse1, 1, kBolts, 6}, {kWarehouse1, 1, kPanels, 100}, {kWarehouse2, 2, kBolts, 50}};

    OrderRecord& rec = book.orders[kOrderId].record;
    v1::SalesOrder& o = rec.order;
    o.set_id(kOrderId);
    o.set_order_number("SO-2026-000042");
    o.set_kind(v1::ORDER_KIND_NORMAL);
    o.set_customer_id(kCustomerId);
    o.set_taking_rep_id(kTakingRep);
    *o.mutable_order_date() = FromCivilDay(absl::CivilDay(2026, 3, 9));
    o.set_currency_code("CNY");
    *o.add_lines() = Line(1, kBolts, 10, kBoltPrice);
    *o.add_lines() = Line(2, kPanels, 4, kPanelPrice);
    *o.mutable_lines_total() = MakeMoney(kOrderTotal);
    *o.mutable_total_amount() = MakeMoney(kOrderTotal);
    // Submitted and approved by the manager: nothing pending.
    o.set_status(v1::ORDER_STATUS_PENDING_APPROVAL);
    auto* step = o.add_approvals();
    step->set_id(77);
    step->set_level(v1::APPROVAL_LEVEL_MANAGER);
    step->set_status(v1::APPROVAL_STEP_STATUS_APPROVED);
    rec.version = 3;
    rec.taking_org_unit_id = kPudongUnit;
    rec.created_by_user = "chen.jie";

    customers::v1::Customer c;
    c.set_id(kCustomerId);
    c.set_name(kCustomerName);
    c.set_type(customers::v1::CUSTOMER_TYPE_DISTRIBUTOR);
    c.set_status(customers::v1::CUSTOMER_STATUS_ACTIVE);
    c.set_address(kCustomerAddress);
    customers_svc.customers[kCustomerId] = c;
    customers::v1::ResolveCreditedRepResponse credited;
    credited.set_credited_rep_id(kCreditedRep);
    credited.set_credited_org_unit_id(kShanghaiUnit);
    customers_svc.credited[kCustomerId] = credited;
    customers::v1::CreditProfile profile;
    profile.set_customer_id(kCustomerId);
    *profile.mutable_credit_limit() = MakeMoney(1'000'000);  // 10,000.00
    customers_svc.profiles[kCustomerId] = profile;
    // 1,000.00 receivable + 300.00 shipped unbilled + 500.00 other orders
    // + this order's 3,200.00 = 5,000.00 of 10,000.00.
    SetExposure(100'000, 30'000);
    book.confirmed_unshipped[kCustomerId] = 50'000;
  }

  void SetExposure(int64_t exposure, int64_t shipped_unbilled) {
    finance::v1::CustomerExposure e;
    e.set_customer_id(kCustomerId);
    *e.mutable_exposure() = MakeMoney(exposure);
    *e.mutable_shipped_unbilled() = MakeMoney(shipped_unbilled);
    finance_svc.exposures[kCustomerId] = e;
  }
  v1::SalesOrder& Stored() { return book.orders[kOrderId].record.order; }
  std::string Etag() { return MakeEtag(book.orders[kOrderId].record.version); }

  // What the handler does: look, ask the peers when the look says so, then
  // the transaction.
  absl::StatusOr<v1::ConfirmOrderResponse> ConfirmAs(const Principal& p, const std::string& etag = "") {
    CallContext call = Call(p);
    SALES_ASSIGN_OR_RETURN(ConfirmLook look, confirmation.Look(book, call, kOrderId, etag));
    std::optional<ConfirmFacts> facts;
    if (look.ask_peers) {
      SALES_ASSIGN_OR_RETURN(facts, confirmation.Gather(call, look));
    }
    return confirmation.Confirm(book, call, kOrderId, etag, facts);
  }
  // Over the limit: 6,000.00 + 2,000.00 other orders + 3,200.00 = 11,200.00.
  void PutOverLimit() {
    SetExposure(600'000, 0);
    book.confirmed_unshipped[kCustomerId] = 200'000;
  }
  const v1::Reservation* ReservationOf(const google::protobuf::RepeatedPtrField<v1::Reservation>& rs, int64_t line) {
    for (const auto& r : rs) {
      if (r.order_line_id() == line) return &r;
    }
    return nullptr;
  }

  FakeClock clock{kNow};
  FakeCustomersPeer customers_svc;
  FakeFinancePeer finance_svc;
  FakeOrderBook book;
  OrderConfirmation confirmation{clock, customers_svc, finance_svc};
};

TEST_F(OrderConfirmationTest, CreditPassesSoTheOrderIsConfirmedAndReservedWhereStockSuffices) {
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ConfirmAs(Clerk(), Etag()));

  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_TRUE(resp.credit_check().passed());
  EXPECT_EQ(resp.credit_check().exposure().minor_units(), 500'000);
  EXPECT_EQ(resp.credit_check().headroom().minor_units(), 500'000);
  // Line 1 (10 bolts) goes whole to warehouse 2, the first that can fill it;
  // line 2 to warehouse 1.
  ASSERT_EQ(resp.reservations_size(), 2);
  const v1::Reservation* bolts = ReservationOf(resp.reservations(), 1);
  const v1::Reservation* panels = ReservationOf(resp.reservations(), 2);
  ASSERT_NE(bolts, nullptr);
  ASSERT_NE(panels, nullptr);
  EXPECT_EQ(bolts->warehouse_id(), kWarehouse2);
  EXPECT_EQ(bolts->quantity(), 10);
  EXPECT_EQ(panels->warehouse_id(), kWarehouse1);
  EXPECT_EQ(panels->quantity(), 4);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 40);
  EXPECT_EQ(book.Available(kWarehouse1, kBolts), 6);
  EXPECT_EQ(book.Available(kWarehouse1, kPanels), 96);
  EXPECT_EQ(book.orders[kOrderId].reservations.size(), 2u);
  EXPECT_EQ(resp.order().lines(0).reserved_quantity(), 10);
  EXPECT_EQ(resp.order().lines(1).reserved_quantity(), 4);

  const v1::SalesOrder& o = Stored();
  EXPECT_EQ(o.status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(ToCivilDay(o.confirm_date()), kToday);
  EXPECT_EQ(ToCivilDay(o.ship_due_date()), kShipDue);
  EXPECT_EQ(FromTimestamp(o.confirm_time()), kNow);
  // Credited as customers-svc says, not as taken; the region is the unit
  // below the head office in the credited unit's chain.
  EXPECT_EQ(o.credited_rep_id(), kCreditedRep);
  EXPECT_EQ(o.credited_org_unit_id(), kShanghaiUnit);
  EXPECT_EQ(o.region_org_unit_id(), kEastRegion);
  EXPECT_TRUE(o.ownership_collision());
  EXPECT_TRUE(o.last_credit_check().passed());
  EXPECT_EQ(book.credit_locks, 1);
  EXPECT_EQ(customers_svc.calls, 3);
  EXPECT_EQ(finance_svc.calls, 1);

  ASSERT_EQ(book.events.size(), 1u);
  EXPECT_EQ(book.events[0].aggregate_type, "SalesOrder");
  EXPECT_EQ(book.events[0].aggregate_id, kOrderId);
  EXPECT_EQ(book.events[0].request_id, "req-confirm-1");
  auto confirmed = book.EventsOf<v1::OrderConfirmedEvent>();
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_FALSE(confirmed[0].released_from_credit_hold());
  EXPECT_EQ(confirmed[0].order().credited_rep_id(), kCreditedRep);
  EXPECT_EQ(confirmed[0].order().taking_rep_id(), kTakingRep);
  EXPECT_EQ(confirmed[0].lines_size(), 2);
  EXPECT_EQ(confirmed[0].total_amount().minor_units(), kOrderTotal);
  EXPECT_EQ(ToCivilDay(confirmed[0].confirm_date()), kToday);
  EXPECT_TRUE(confirmed[0].ownership_collision());

  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].action, "ORDER_CONFIRMED");
  EXPECT_EQ(book.audits[0].subject_type, v1::SUBJECT_TYPE_ORDER);
  EXPECT_EQ(book.audits[0].subject_id, kOrderId);
  EXPECT_EQ(book.audits[0].from_value, "PENDING_APPROVAL");
  EXPECT_EQ(book.audits[0].to_value, "CONFIRMED");
  EXPECT_THAT(book.audits[0].reason, HasSubstr("credited rep 7"));
}

TEST_F(OrderConfirmationTest, DraftNeedingNoApprovalIsConfirmedAndItsFeesApproved) {
  // A regional manager's own draft with a freight fee: the fee is within
  // the manager's authority, so nothing needs approving first.
  v1::SalesOrder& o = Stored();
  o.set_status(v1::ORDER_STATUS_DRAFT);
  o.clear_approvals();
  auto* fee = o.add_special_fees();
  fee->set_id(31);
  fee->set_description("加急运费");
  *fee->mutable_amount() = MakeMoney(50'000);
  *o.mutable_special_fees_total() = MakeMoney(50'000);
  *o.mutable_total_amount() = MakeMoney(kOrderTotal + 50'000);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ConfirmAs(Manager(kEastRegion)));

  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(resp.reservations_size(), 2);
  ASSERT_EQ(Stored().special_fees_size(), 1);
  EXPECT_TRUE(Stored().special_fees(0).approved());
  auto confirmed = book.EventsOf<v1::OrderConfirmedEvent>();
  ASSERT_EQ(confirmed.size(), 1u);
  ASSERT_EQ(confirmed[0].special_fees_size(), 1);
  EXPECT_EQ(confirmed[0].special_fees(0).id(), 31);
  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].from_value, "DRAFT");
}

TEST_F(OrderConfirmationTest, OverTheCreditLimitTheOrderIsHeldAndNothingReserved) {
  PutOverLimit();

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ConfirmAs(Clerk()));

  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_FALSE(resp.credit_check().passed());
  EXPECT_EQ(resp.reservations_size(), 0);
  EXPECT_TRUE(book.orders[kOrderId].reservations.empty());
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 50);
  EXPECT_EQ(book.Available(kWarehouse1, kPanels), 100);
  EXPECT_EQ(Stored().status(), v1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_EQ(Stored().status_reason(), "exposure 1120000 vs credit limit 1000000");
  EXPECT_FALSE(Stored().has_confirm_date());
  EXPECT_FALSE(Stored().has_ship_due_date());

  EXPECT_TRUE(book.EventsOf<v1::OrderConfirmedEvent>().empty());
  auto held = book.EventsOf<v1::OrderCreditHeldEvent>();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].order().order_id(), kOrderId);
  EXPECT_EQ(held[0].total_amount().minor_units(), kOrderTotal);
  const v1::CreditCheck& check = held[0].credit_check();
  EXPECT_FALSE(check.passed());
  EXPECT_FALSE(check.customer_on_hold());
  ASSERT_EQ(check.failures_size(), 1);
  EXPECT_EQ(check.failures(0), v1::CREDIT_CHECK_FAILURE_OVER_CREDIT_LIMIT);
  EXPECT_EQ(check.exposure().minor_units(), 1'120'000);
  EXPECT_EQ(check.credit_limit().minor_units(), 1'000'000);
  EXPECT_EQ(check.headroom().minor_units(), -120'000);
  ASSERT_EQ(book.audits.size(), 1u);
  EXPECT_EQ(book.audits[0].action, "ORDER_CREDIT_HELD");
  EXPECT_EQ(book.audits[0].to_value, "CREDIT_HOLD");
}

TEST_F(OrderConfirmationTest, ACustomerOnHoldIsHeldWhateverTheHeadroom) {
  customers_svc.profiles[kCustomerId].mutable_hold()->set_on_hold(true);
  customers_svc.profiles[kCustomerId].mutable_hold()->set_reason("逾期未付款");

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ConfirmAs(Clerk()));

  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_EQ(Stored().status_reason(), "customer on hold; exposure 500000 vs credit limit 1000000");
  EXPECT_EQ(resp.credit_check().hold_reason(), "逾期未付款");
  EXPECT_TRUE(book.orders[kOrderId].reservations.empty());
}

TEST_F(OrderConfirmationTest, FinanceReleasesAHeldOrderWhichIsThenReservedAndConfirmed) {
  PutOverLimit();
  ASSERT_THAT(ConfirmAs(Clerk()), IsOk());
  ASSERT_EQ(Stored().status(), v1::ORDER_STATUS_CREDIT_HOLD);

  CallContext call = Call(Finance());
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, confirmation.ReleaseHold(book, call, kOrderId, Etag(), "预付款已到账"));

  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(resp.reservations_size(), 2);
  EXPECT_EQ(book.orders[kOrderId].reservations.size(), 2u);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 40);
  EXPECT_EQ(Stored().status_reason(), "预付款已到账");
  EXPECT_EQ(book.orders[kOrderId].record.release_reason, "li.na (FINANCE): 预付款已到账");
  EXPECT_EQ(ToCivilDay(Stored().confirm_date()), kToday);
  EXPECT_EQ(ToCivilDay(Stored().ship_due_date()), kShipDue);

  auto confirmed = book.EventsOf<v1::OrderConfirmedEvent>();
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_TRUE(confirmed[0].released_from_credit_hold());
  EXPECT_EQ(confirmed[0].release_reason(), "li.na (FINANCE): 预付款已到账");
  auto released = book.AuditsOf("ORDER_CREDIT_HOLD_RELEASED");
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].from_value, "CREDIT_HOLD");
  EXPECT_EQ(released[0].to_value, "CONFIRMED");
  EXPECT_EQ(released[0].reason, "预付款已到账");
}

TEST_F(OrderConfirmationTest, OnlyAManagerInTheCreditedChainMayRelease) {
  PutOverLimit();
  ASSERT_THAT(ConfirmAs(Clerk()), IsOk());
  const int64_t version = book.orders[kOrderId].record.version;

  // 华南大区 is not above 上海销售部.
  CallContext south = Call(Manager(kSouthRegion));
  EXPECT_THAT(confirmation.ReleaseHold(book, south, kOrderId, "", "客户承诺月底付款"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Stored().status(), v1::ORDER_STATUS_CREDIT_HOLD);
  EXPECT_EQ(book.orders[kOrderId].record.version, version);
  EXPECT_TRUE(book.orders[kOrderId].reservations.empty());
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 50);
  EXPECT_EQ(book.events.size(), 1u);
  EXPECT_EQ(book.audits.size(), 1u);

  // 华东大区 is.
  CallContext east = Call(Manager(kEastRegion));
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, confirmation.ReleaseHold(book, east, kOrderId, "", "客户承诺月底付款"));
  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(book.orders[kOrderId].record.release_reason, "zhou.min (SALES_MANAGER): 客户承诺月底付款");
}

TEST_F(OrderConfirmationTest, ReleasingAnOrderNotOnHoldIsRefused) {
  ASSERT_THAT(ConfirmAs(Clerk()), IsOk());
  CallContext call = Call(Finance());
  auto released = confirmation.ReleaseHold(book, call, kOrderId, "", "重复放行");
  EXPECT_THAT(released, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(book.events.size(), 1u);
}

TEST_F(OrderConfirmationTest, ShortStockRefusesAndReservesNothing) {
  // 6 + 3 bolts across both warehouses for a line of 10.
  book.stock = {{kWarehouse1, 1, kBolts, 6}, {kWarehouse1, 1, kPanels, 100}, {kWarehouse2, 2, kBolts, 3}};
  const int64_t version = book.orders[kOrderId].record.version;

  auto resp = ConfirmAs(Clerk());

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "INSUFFICIENT_STOCK");
  EXPECT_THAT(resp.status().message(), HasSubstr("line 1: 10 requested, 9 available"));
  EXPECT_TRUE(book.orders[kOrderId].reservations.empty());
  EXPECT_EQ(book.Available(kWarehouse1, kBolts), 6);
  EXPECT_EQ(book.Available(kWarehouse2, kBolts), 3);
  EXPECT_EQ(book.Available(kWarehouse1, kPanels), 100);
  EXPECT_EQ(Stored().status(), v1::ORDER_STATUS_PENDING_APPROVAL);
  EXPECT_EQ(book.orders[kOrderId].record.version, version);
  EXPECT_TRUE(book.events.empty());
  EXPECT_TRUE(book.audits.empty());
}

TEST_F(OrderConfirmationTest, ABlacklistedCustomerIsRefusedWhenTheFactsAreGathered) {
  customers_svc.customers[kCustomerId].set_status(customers::v1::CUSTOMER_STATUS_BLACKLISTED);
  CallContext call = Call(Clerk());
  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, ""));
  ASSERT_TRUE(look.ask_peers);

  auto facts = confirmation.Gather(call, look);

  EXPECT_THAT(facts, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(facts.status()), "CUSTOMER_BLACKLISTED");
}

TEST_F(OrderConfirmationTest, APeerThatDoesNotAnswerMakesGatherUnavailable) {
  CallContext call = Call(Clerk());
  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, ""));

  customers_svc.down = absl::UnavailableError("customers-svc: connection refused");
  EXPECT_THAT(confirmation.Gather(call, look), StatusIs(absl::StatusCode::kUnavailable));

  customers_svc.down = absl::OkStatus();
  finance_svc.down = absl::UnavailableError("finance-svc: deadline exceeded");
  EXPECT_THAT(confirmation.Gather(call, look), StatusIs(absl::StatusCode::kUnavailable));

  finance_svc.down = absl::OkStatus();
  SALES_ASSERT_OK_AND_ASSIGN(auto facts, confirmation.Gather(call, look));
  EXPECT_EQ(facts.credited.credited_rep_id(), kCreditedRep);
  EXPECT_EQ(facts.profile.credit_limit().minor_units(), 1'000'000);
  EXPECT_TRUE(book.events.empty());
}

TEST_F(OrderConfirmationTest, ACustomerWithoutACreditProfileHasNoLimit) {
  customers_svc.profiles.clear();
  CallContext call = Call(Clerk());
  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, ""));
  SALES_ASSERT_OK_AND_ASSIGN(auto facts, confirmation.Gather(call, look));
  EXPECT_EQ(facts.profile.customer_id(), kCustomerId);
  EXPECT_EQ(facts.profile.credit_limit().minor_units(), 0);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, confirmation.Confirm(book, call, kOrderId, "", facts));
  EXPECT_EQ(resp.order().status(), v1::ORDER_STATUS_CREDIT_HOLD);
}

TEST_F(OrderConfirmationTest, ConfirmWithoutFactsIsAborted) {
  CallContext call = Call(Clerk());
  const int64_t version = book.orders[kOrderId].record.version;

  auto resp = confirmation.Confirm(book, call, kOrderId, "", std::nullopt);

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Stored().status(), v1::ORDER_STATUS_PENDING_APPROVAL);
  EXPECT_EQ(book.orders[kOrderId].record.version, version);
  EXPECT_EQ(book.credit_locks, 0);
  EXPECT_TRUE(book.events.empty());
}

TEST_F(OrderConfirmationTest, AStaleEtagIsLeftToTheTransactionWhichRefusesIt) {
  CallContext call = Call(Clerk());
  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, "v2"));
  EXPECT_FALSE(look.ask_peers);

  auto resp = confirmation.Confirm(book, call, kOrderId, "v2", std::nullopt);

  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ErrorReason(resp.status()), "STALE_ETAG");
  EXPECT_EQ(customers_svc.calls, 0);
  EXPECT_TRUE(book.events.empty());
}

TEST_F(OrderConfirmationTest, ConfirmingAConfirmedOrderAgainIsRefusedWithoutAskingThePeers) {
  ASSERT_THAT(ConfirmAs(Clerk()), IsOk());
  const int calls = customers_svc.calls;
  CallContext call = Call(Clerk());

  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, ""));
  EXPECT_FALSE(look.ask_peers);
  auto again = confirmation.Confirm(book, call, kOrderId, "", std::nullopt);

  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(again.status()), "ORDER_ALREADY_CONFIRMED");
  EXPECT_EQ(customers_svc.calls, calls);
  EXPECT_EQ(book.events.size(), 1u);
  EXPECT_EQ(book.orders[kOrderId].reservations.size(), 2u);
}

TEST_F(OrderConfirmationTest, APendingApprovalStepStopsTheLookAndTheTransaction) {
  auto* step = Stored().add_approvals();
  step->set_id(78);
  step->set_level(v1::APPROVAL_LEVEL_DIRECTOR);
  step->set_status(v1::APPROVAL_STEP_STATUS_PENDING);
  CallContext call = Call(Clerk());

  auto look = confirmation.Look(book, call, kOrderId, "");
  EXPECT_THAT(look, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(look.status()), "APPROVALS_PENDING");
  EXPECT_THAT(look.status().message(), HasSubstr("approval step 78"));
  EXPECT_EQ(customers_svc.calls, 0);

  // Facts gathered before the step appeared change nothing.
  ConfirmFacts facts;
  facts.customer = customers_svc.customers[kCustomerId];
  auto resp = confirmation.Confirm(book, call, kOrderId, "", facts);
  EXPECT_EQ(ErrorReason(resp.status()), "APPROVALS_PENDING");
  EXPECT_TRUE(book.events.empty());
}

TEST_F(OrderConfirmationTest, ADraftThatNeedsApprovalMustBeSubmittedFirst) {
  // 8% off is beyond a rep's 5%.
  Stored().set_status(v1::ORDER_STATUS_DRAFT);
  Stored().clear_approvals();
  Stored().mutable_lines(0)->set_discount_bp(800);
  CallContext call = Call(Rep(kTakingRep));

  auto look = confirmation.Look(book, call, kOrderId, "");

  EXPECT_THAT(look, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(look.status()), "APPROVALS_PENDING");
  EXPECT_THAT(look.status().message(), HasSubstr("submit it first"));
}

TEST_F(OrderConfirmationTest, TheLookAsksThePeersOnlyWhenConfirmationCanGoOn) {
  CallContext call = Call(Clerk());
  SALES_ASSERT_OK_AND_ASSIGN(auto look, confirmation.Look(book, call, kOrderId, Etag()));
  EXPECT_TRUE(look.ask_peers);
  EXPECT_EQ(look.order.order.id(), kOrderId);
  EXPECT_EQ(look.policy.ship_within_working_days(), 1);

  Stored().set_status(v1::ORDER_STATUS_SHIPPED);
  SALES_ASSERT_OK_AND_ASSIGN(look, confirmation.Look(book, call, kOrderId, ""));
  EXPECT_FALSE(look.ask_peers);
}

TEST_F(OrderConfirmationTest, ARepConfirmsOnlyTheirOwnOrders) {
  CallContext other = Call(Rep(99));
  auto look = confirmation.Look(book, other, kOrderId, "");
  EXPECT_THAT(look, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ErrorReason(look.status()), "OUT_OF_SCOPE");

  CallContext own = Call(Rep(kTakingRep));
  EXPECT_THAT(confirmation.Look(book, own, kOrderId, ""), IsOk());
}

TEST_F(OrderConfirmationTest, AnUnknownOrderIsNotFound) {
  CallContext call = Call(Clerk());
  EXPECT_THAT(confirmation.Look(book, call, 4242, ""), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(confirmation.ReleaseHold(book, call, 4242, "", "x"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OrderConfirmationTest, TheChineseCustomerNameAndAddressFlowIntoTheSavedOrder) {
  ASSERT_TRUE(Stored().customer_name().empty());
  ASSERT_TRUE(Stored().ship_to_address().empty());

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, ConfirmAs(Clerk()));

  EXPECT_EQ(Stored().customer_name(), kCustomerName);
  EXPECT_EQ(Stored().customer_type(), customers::v1::CUSTOMER_TYPE_DISTRIBUTOR);
  EXPECT_EQ(Stored().ship_to_address(), kCustomerAddress);
  EXPECT_EQ(resp.order().customer_name(), kCustomerName);
  auto confirmed = book.EventsOf<v1::OrderConfirmedEvent>();
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0].order().customer_name(), kCustomerName);
}

TEST_F(OrderConfirmationTest, AShipToAddressOnTheOrderIsKept) {
  Stored().set_ship_to_address("江苏省苏州市工业园区星湖街 328 号");
  ASSERT_THAT(ConfirmAs(Clerk()), IsOk());
  EXPECT_EQ(Stored().ship_to_address(), "江苏省苏州市工业园区星湖街 328 号");
}

}  // namespace
}  // namespace sales::orders
