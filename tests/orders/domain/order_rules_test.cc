// Pure rules of orders-svc core (domain.md §5): the price in force at the
// edges of list periods, overlap of periods, net price rounding, discount
// routing at each limit, the order and quote state machines (every allowed
// and every refused transition), warehouse allocation choices, the credit
// check and the shipping deadline. Expected values are worked by hand.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "orders-svc/domain/allocation.h"
#include "orders-svc/domain/confirmation.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/domain/pricing.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

using Day = absl::CivilDay;

PricePeriod Period(int64_t id, Day from, std::optional<Day> to, int64_t price) {
  PricePeriod p;
  p.price_list_id = id;
  p.code = "PL" + std::to_string(id);
  p.from = from;
  p.to = to;
  p.list_price_minor = price;
  return p;
}

// ---- Price in force -------------------------------------------------------

TEST(PriceInForce, BoundaryDatesAreInclusive) {
  // H1 list Jan 1..Jun 30 at 98.00, H2 list Jul 1.. open at 105.00 (目录价格).
  std::vector<PricePeriod> periods = {Period(1, Day(2026, 1, 1), Day(2026, 6, 30), 9800),
                                      Period(2, Day(2026, 7, 1), std::nullopt, 10500)};
  struct Case {
    Day day;
    std::optional<int64_t> list;
  } cases[] = {
      {Day(2025, 12, 31), std::nullopt},  // before any list
      {Day(2026, 1, 1), 1},               // first day of H1
      {Day(2026, 4, 1), 1},               // 4/1 order takes the list in force [002 5.9]
      {Day(2026, 6, 30), 1},              // last day of H1, inclusive
      {Day(2026, 7, 1), 2},               // first day of H2
      {Day(2030, 1, 1), 2},               // open-ended
  };
  for (const auto& c : cases) {
    auto got = PriceInForce(periods, c.day);
    if (!c.list.has_value()) {
      EXPECT_FALSE(got.has_value()) << c.day;
    } else {
      ASSERT_TRUE(got.has_value()) << c.day;
      EXPECT_EQ(got->price_list_id, *c.list) << c.day;
    }
  }
}

TEST(PriceInForce, GapBetweenListsHasNoPrice) {
  std::vector<PricePeriod> periods = {Period(1, Day(2026, 1, 1), Day(2026, 1, 31), 100),
                                      Period(2, Day(2026, 2, 2), Day(2026, 2, 28), 110)};
  EXPECT_FALSE(PriceInForce(periods, Day(2026, 2, 1)).has_value());
  EXPECT_EQ(PriceInForce(periods, Day(2026, 2, 2))->list_price_minor, 110);
}

TEST(PeriodsOverlap, Table) {
  auto P = [](Day f, std::optional<Day> t) { return Period(0, f, t, 1); };
  struct Case {
    PricePeriod a, b;
    bool overlap;
  } cases[] = {
      {P(Day(2026, 1, 1), Day(2026, 6, 30)), P(Day(2026, 7, 1), std::nullopt), false},       // touching, no overlap
      {P(Day(2026, 1, 1), Day(2026, 6, 30)), P(Day(2026, 6, 30), Day(2026, 12, 31)), true},  // share one day
      {P(Day(2026, 1, 1), std::nullopt), P(Day(2027, 1, 1), std::nullopt), true},            // two open-ended
      {P(Day(2026, 3, 1), Day(2026, 3, 31)), P(Day(2026, 1, 1), Day(2026, 12, 31)), true},   // inside
      {P(Day(2026, 3, 1), Day(2026, 3, 1)), P(Day(2026, 3, 2), Day(2026, 3, 2)), false},     // single days
      {P(Day(2027, 1, 1), std::nullopt), P(Day(2026, 1, 1), Day(2026, 12, 31)), false},      // after a closed one
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PeriodsOverlap(c.a, c.b), c.overlap);
    EXPECT_EQ(PeriodsOverlap(c.b, c.a), c.overlap);
  }
}

TEST(NetUnitPrice, RoundsHalfUp) {
  EXPECT_EQ(NetUnitPrice(9800, 0), 9800);
  EXPECT_EQ(NetUnitPrice(9800, 500), 9310);  // 98.00 × 0.95 = 93.10
  EXPECT_EQ(NetUnitPrice(999, 1250), 874);   // 9.99 × 0.875 = 8.74125 → 8.74
  EXPECT_EQ(NetUnitPrice(1, 5000), 1);       // 0.005 → half up → 0.01
  EXPECT_EQ(NetUnitPrice(3, 5000), 2);       // 0.015 → 0.02
  EXPECT_EQ(NetUnitPrice(12345, 10000), 0);  // free
  // 123456789012 × 9667 / 10000 = 119345677937.9004 → 119345677938 (no overflow in the product)
  EXPECT_EQ(NetUnitPrice(123456789012, 333), 119345677938);
}

// ---- Discount routing -----------------------------------------------------

DiscountLimits Limits() {
  DiscountLimits l;
  l.rep_bp = 500;
  l.manager_bp = 1500;
  l.director_bp = 3000;
  l.clerk_bp = 500;
  return l;
}

TEST(RouteLine, AtEachLimit) {
  struct Case {
    std::string role;
    int32_t discount;
    int64_t net, floor;
    v1::ApprovalLevel level;
    std::vector<v1::ApprovalTrigger> triggers;
  } cases[] = {
      {"SALES_REP", 0, 100, 50, v1::APPROVAL_LEVEL_NONE, {}},
      {"SALES_REP", 500, 100, 50, v1::APPROVAL_LEVEL_NONE, {}},  // exactly the rep limit
      {"SALES_REP", 501, 100, 50, v1::APPROVAL_LEVEL_MANAGER, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}},
      {"SALES_REP", 1500, 100, 50, v1::APPROVAL_LEVEL_MANAGER, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}},
      {"SALES_REP", 1501, 100, 50, v1::APPROVAL_LEVEL_DIRECTOR, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}},
      {"SALES_REP", 0, 49, 50, v1::APPROVAL_LEVEL_DIRECTOR, {v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE}},
      {"SALES_REP", 0, 50, 50, v1::APPROVAL_LEVEL_NONE, {}},  // at the floor is allowed
      {"SALES_REP",
       600,
       49,
       50,
       v1::APPROVAL_LEVEL_DIRECTOR,
       {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT, v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE}},
      {"SALES_CLERK", 501, 100, 50, v1::APPROVAL_LEVEL_MANAGER, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}},
      {"SALES_MANAGER", 1500, 100, 50, v1::APPROVAL_LEVEL_NONE, {}},  // own authority
      {"SALES_MANAGER", 1501, 100, 50, v1::APPROVAL_LEVEL_DIRECTOR, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}},
      {"SALES_MANAGER", 0, 49, 50, v1::APPROVAL_LEVEL_DIRECTOR, {v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE}},
      {"SALES_DIRECTOR", 3000, 49, 50, v1::APPROVAL_LEVEL_NONE, {}},  // the director decides floor prices
  };
  for (const auto& c : cases) {
    auto got = RouteLine(c.discount, c.net, c.floor, c.role, Limits());
    EXPECT_EQ(got.level, c.level) << c.role << " " << c.discount << " " << c.net;
    EXPECT_EQ(got.triggers, c.triggers) << c.role << " " << c.discount << " " << c.net;
  }
}

TEST(RouteDocument, OneStepPerLevelWithCauses) {
  std::vector<DocLine> lines = {
      {11, {v1::APPROVAL_LEVEL_NONE, {}}},
      {12, {v1::APPROVAL_LEVEL_MANAGER, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}}},
      {13, {v1::APPROVAL_LEVEL_DIRECTOR, {v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE}}},
      {14, {v1::APPROVAL_LEVEL_MANAGER, {v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT}}},
  };
  auto steps = RouteDocument(lines, {7}, true, "SALES_REP");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].level, v1::APPROVAL_LEVEL_MANAGER);
  EXPECT_EQ(steps[0].line_ids, (std::vector<int64_t>{12, 14}));
  EXPECT_EQ(steps[0].fee_ids, (std::vector<int64_t>{7}));
  EXPECT_EQ(steps[0].triggers, (std::vector<v1::ApprovalTrigger>{v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT,
                                                                 v1::APPROVAL_TRIGGER_SPECIAL_FEE}));
  EXPECT_EQ(steps[1].level, v1::APPROVAL_LEVEL_DIRECTOR);
  EXPECT_EQ(steps[1].line_ids, (std::vector<int64_t>{13}));
  EXPECT_EQ(steps[1].triggers, (std::vector<v1::ApprovalTrigger>{v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE,
                                                                 v1::APPROVAL_TRIGGER_AMOUNT_OVER_THRESHOLD}));
  // Nothing beyond authority: no steps.
  EXPECT_TRUE(RouteDocument({{1, {v1::APPROVAL_LEVEL_NONE, {}}}}, {}, false, "SALES_REP").empty());
  // A quote over the threshold alone goes to the director.
  auto big = RouteDocument({{1, {v1::APPROVAL_LEVEL_NONE, {}}}}, {}, true, "SALES_REP");
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0].level, v1::APPROVAL_LEVEL_DIRECTOR);
  // A manager's own special fee needs nobody; the threshold still needs the director.
  auto mgr = RouteDocument({}, {5}, true, "SALES_MANAGER");
  ASSERT_EQ(mgr.size(), 1u);
  EXPECT_EQ(mgr[0].level, v1::APPROVAL_LEVEL_DIRECTOR);
  EXPECT_TRUE(RouteDocument({}, {5}, true, "SALES_DIRECTOR").empty());
}

TEST(ValidatePolicy, LimitsMustNotDecreaseAndStayInRange) {
  EXPECT_TRUE(ValidatePolicy(DefaultPolicy()).ok());
  v1::OrderPolicy p = DefaultPolicy();
  p.mutable_discount_limits(0)->set_max_discount_bp(2000);  // rep above manager
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p = DefaultPolicy();
  p.mutable_discount_limits(2)->set_max_discount_bp(10001);
  auto st = ValidatePolicy(p);
  ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(st)[0].field, "policy.discount_limits[2].max_discount_bp");
  p = DefaultPolicy();
  p.mutable_discount_limits()->RemoveLast();
  p.mutable_discount_limits()->RemoveLast();  // drops director (and clerk)
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p = DefaultPolicy();
  *p.add_discount_limits() = p.discount_limits(0);  // repeated role
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
}

// ---- Order state machine --------------------------------------------------

TEST(OrderStateMachine, EveryTransition) {
  using S = v1::OrderStatus;
  const std::vector<S> all = {v1::ORDER_STATUS_DRAFT,
                              v1::ORDER_STATUS_PENDING_APPROVAL,
                              v1::ORDER_STATUS_CONFIRMED,
                              v1::ORDER_STATUS_CREDIT_HOLD,
                              v1::ORDER_STATUS_PARTIALLY_SHIPPED,
                              v1::ORDER_STATUS_SHIPPED,
                              v1::ORDER_STATUS_DELIVERED,
                              v1::ORDER_STATUS_CLOSED,
                              v1::ORDER_STATUS_CANCELLED};
  // The allowed table (domain.md §5, order.proto); everything else refused.
  const std::map<std::pair<OrderAction, S>, S> allowed = {
      {{OrderAction::kEdit, v1::ORDER_STATUS_DRAFT}, v1::ORDER_STATUS_DRAFT},
      {{OrderAction::kSubmit, v1::ORDER_STATUS_DRAFT}, v1::ORDER_STATUS_PENDING_APPROVAL},
      {{OrderAction::kApprove, v1::ORDER_STATUS_PENDING_APPROVAL}, v1::ORDER_STATUS_PENDING_APPROVAL},
      {{OrderAction::kReject, v1::ORDER_STATUS_PENDING_APPROVAL}, v1::ORDER_STATUS_DRAFT},
      {{OrderAction::kConfirm, v1::ORDER_STATUS_DRAFT}, v1::ORDER_STATUS_CONFIRMED},
      {{OrderAction::kConfirm, v1::ORDER_STATUS_PENDING_APPROVAL}, v1::ORDER_STATUS_CONFIRMED},
      {{OrderAction::kConfirm, v1::ORDER_STATUS_CREDIT_HOLD}, v1::ORDER_STATUS_CONFIRMED},
      {{OrderAction::kCreditHold, v1::ORDER_STATUS_DRAFT}, v1::ORDER_STATUS_CREDIT_HOLD},
      {{OrderAction::kCreditHold, v1::ORDER_STATUS_PENDING_APPROVAL}, v1::ORDER_STATUS_CREDIT_HOLD},
      {{OrderAction::kCreditHold, v1::ORDER_STATUS_CREDIT_HOLD}, v1::ORDER_STATUS_CREDIT_HOLD},
      {{OrderAction::kReleaseHold, v1::ORDER_STATUS_CREDIT_HOLD}, v1::ORDER_STATUS_CONFIRMED},
      {{OrderAction::kShipPartial, v1::ORDER_STATUS_CONFIRMED}, v1::ORDER_STATUS_PARTIALLY_SHIPPED},
      {{OrderAction::kShipPartial, v1::ORDER_STATUS_PARTIALLY_SHIPPED}, v1::ORDER_STATUS_PARTIALLY_SHIPPED},
      {{OrderAction::kShipAll, v1::ORDER_STATUS_CONFIRMED}, v1::ORDER_STATUS_SHIPPED},
      {{OrderAction::kShipAll, v1::ORDER_STATUS_PARTIALLY_SHIPPED}, v1::ORDER_STATUS_SHIPPED},
      {{OrderAction::kDeliver, v1::ORDER_STATUS_SHIPPED}, v1::ORDER_STATUS_DELIVERED},
      {{OrderAction::kClose, v1::ORDER_STATUS_DELIVERED}, v1::ORDER_STATUS_CLOSED},
      {{OrderAction::kCancel, v1::ORDER_STATUS_DRAFT}, v1::ORDER_STATUS_CANCELLED},
      {{OrderAction::kCancel, v1::ORDER_STATUS_PENDING_APPROVAL}, v1::ORDER_STATUS_CANCELLED},
      {{OrderAction::kCancel, v1::ORDER_STATUS_CONFIRMED}, v1::ORDER_STATUS_CANCELLED},
      {{OrderAction::kCancel, v1::ORDER_STATUS_CREDIT_HOLD}, v1::ORDER_STATUS_CANCELLED},
  };
  const OrderAction actions[] = {OrderAction::kEdit,        OrderAction::kSubmit,      OrderAction::kApprove,
                                 OrderAction::kReject,      OrderAction::kConfirm,     OrderAction::kCreditHold,
                                 OrderAction::kReleaseHold, OrderAction::kShipPartial, OrderAction::kShipAll,
                                 OrderAction::kDeliver,     OrderAction::kClose,       OrderAction::kCancel};
  int allowed_seen = 0, refused_seen = 0;
  for (OrderAction a : actions) {
    for (S from : all) {
      auto got = NextOrderStatus(from, a);
      auto it = allowed.find({a, from});
      if (it != allowed.end()) {
        ASSERT_TRUE(got.ok()) << OrderActionName(a) << " from " << v1::OrderStatus_Name(from);
        EXPECT_EQ(*got, it->second) << OrderActionName(a) << " from " << v1::OrderStatus_Name(from);
        ++allowed_seen;
      } else {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition)
            << OrderActionName(a) << " from " << v1::OrderStatus_Name(from);
        ++refused_seen;
      }
    }
  }
  EXPECT_EQ(allowed_seen, static_cast<int>(allowed.size()));
  EXPECT_EQ(allowed_seen + refused_seen, 12 * 9);
}

TEST(OrderStateMachine, RefusalReasons) {
  EXPECT_EQ(ErrorReason(NextOrderStatus(v1::ORDER_STATUS_CONFIRMED, OrderAction::kConfirm).status()),
            "ORDER_ALREADY_CONFIRMED");
  EXPECT_EQ(ErrorReason(NextOrderStatus(v1::ORDER_STATUS_SHIPPED, OrderAction::kConfirm).status()),
            "ORDER_ALREADY_CONFIRMED");
  EXPECT_EQ(ErrorReason(NextOrderStatus(v1::ORDER_STATUS_PARTIALLY_SHIPPED, OrderAction::kCancel).status()),
            "ORDER_NOT_CANCELLABLE");
  EXPECT_EQ(ErrorReason(NextOrderStatus(v1::ORDER_STATUS_CANCELLED, OrderAction::kConfirm).status()),
            "ORDER_STATE_CONFLICT");
}

TEST(QuoteStateMachine, EveryTransition) {
  const std::vector<v1::QuoteStatus> all = {v1::QUOTE_STATUS_DRAFT,     v1::QUOTE_STATUS_PENDING_APPROVAL,
                                            v1::QUOTE_STATUS_APPROVED,  v1::QUOTE_STATUS_REJECTED,
                                            v1::QUOTE_STATUS_CONVERTED, v1::QUOTE_STATUS_EXPIRED,
                                            v1::QUOTE_STATUS_CANCELLED};
  const std::set<std::pair<QuoteAction, v1::QuoteStatus>> allowed = {
      {QuoteAction::kEdit, v1::QUOTE_STATUS_DRAFT},
      {QuoteAction::kEdit, v1::QUOTE_STATUS_REJECTED},
      {QuoteAction::kSubmit, v1::QUOTE_STATUS_DRAFT},
      {QuoteAction::kApprove, v1::QUOTE_STATUS_PENDING_APPROVAL},
      {QuoteAction::kReject, v1::QUOTE_STATUS_PENDING_APPROVAL},
      {QuoteAction::kConvert, v1::QUOTE_STATUS_APPROVED},
      {QuoteAction::kCancel, v1::QUOTE_STATUS_DRAFT},
      {QuoteAction::kCancel, v1::QUOTE_STATUS_PENDING_APPROVAL},
      {QuoteAction::kCancel, v1::QUOTE_STATUS_APPROVED},
      {QuoteAction::kCancel, v1::QUOTE_STATUS_REJECTED},
      {QuoteAction::kExpire, v1::QUOTE_STATUS_DRAFT},
      {QuoteAction::kExpire, v1::QUOTE_STATUS_PENDING_APPROVAL},
      {QuoteAction::kExpire, v1::QUOTE_STATUS_APPROVED},
      {QuoteAction::kExpire, v1::QUOTE_STATUS_REJECTED},
  };
  for (QuoteAction a : {QuoteAction::kEdit, QuoteAction::kSubmit, QuoteAction::kApprove, QuoteAction::kReject,
                        QuoteAction::kCancel, QuoteAction::kConvert, QuoteAction::kExpire}) {
    for (auto from : all) {
      absl::Status st = CheckQuoteAction(from, a);
      EXPECT_EQ(st.ok(), allowed.count({a, from}) == 1) << QuoteActionName(a) << " " << v1::QuoteStatus_Name(from);
    }
  }
  EXPECT_EQ(ErrorReason(CheckQuoteAction(v1::QUOTE_STATUS_CONVERTED, QuoteAction::kConvert)),
            "QUOTE_ALREADY_CONVERTED");
  EXPECT_EQ(ErrorReason(CheckQuoteAction(v1::QUOTE_STATUS_EXPIRED, QuoteAction::kConvert)), "QUOTE_EXPIRED");
}

// ---- Allocation -----------------------------------------------------------

using Alloc = std::tuple<int64_t, int64_t, int64_t>;  // line, warehouse, quantity

std::vector<Alloc> Flat(const AllocationPlan& p) {
  std::vector<Alloc> out;
  for (const auto& a : p.allocations) out.emplace_back(a.order_line_id, a.warehouse_id, a.quantity);
  return out;
}

TEST(AllocateStock, PrefersOneWarehouseThatFillsTheLine) {
  // Warehouse 1 (priority 0) has 5, warehouse 2 (priority 1) has 20: the line
  // of 8 goes wholly to 2 rather than split 5 + 3.
  auto plan = AllocateStock({{100, 7, 8}}, {{1, 0, 7, 5}, {2, 1, 7, 20}});
  ASSERT_TRUE(plan.complete());
  EXPECT_EQ(Flat(plan), (std::vector<Alloc>{{100, 2, 8}}));
}

TEST(AllocateStock, PriorityThenIdAmongWarehousesThatFill) {
  auto plan = AllocateStock({{100, 7, 4}}, {{3, 1, 7, 10}, {2, 0, 7, 10}, {1, 1, 7, 10}});
  EXPECT_EQ(Flat(plan), (std::vector<Alloc>{{100, 2, 4}}));  // priority 0 first
  auto tie = AllocateStock({{100, 7, 4}}, {{3, 1, 7, 10}, {1, 1, 7, 10}});
  EXPECT_EQ(Flat(tie), (std::vector<Alloc>{{100, 1, 4}}));  // tie by id
}

TEST(AllocateStock, SplitsInPriorityOrderWhenNoneFills) {
  auto plan = AllocateStock({{100, 7, 12}}, {{1, 2, 7, 5}, {2, 0, 7, 4}, {3, 1, 7, 6}});
  // Order by priority: 2 (4), 3 (6), 1 (5) → 4 + 6 + 2.
  EXPECT_EQ(Flat(plan), (std::vector<Alloc>{{100, 2, 4}, {100, 3, 6}, {100, 1, 2}}));
}

TEST(AllocateStock, LinesShareThePoolAndAShortLineReservesNothing) {
  // Two lines of the same product: 6 then 6 from a pool of 10 in one warehouse.
  auto plan = AllocateStock({{100, 7, 6}, {101, 7, 6}}, {{1, 0, 7, 10}});
  EXPECT_FALSE(plan.complete());
  EXPECT_TRUE(plan.allocations.empty());
  ASSERT_EQ(plan.shortages.size(), 1u);
  EXPECT_EQ(plan.shortages[0].order_line_id, 101);
  EXPECT_EQ(plan.shortages[0].available, 4);
  // Exactly enough: 6 + 4.
  auto ok = AllocateStock({{100, 7, 6}, {101, 7, 4}}, {{1, 0, 7, 10}});
  EXPECT_EQ(Flat(ok), (std::vector<Alloc>{{100, 1, 6}, {101, 1, 4}}));
}

TEST(AllocateStock, OtherProductsAndEmptyStockIgnored) {
  auto plan = AllocateStock({{100, 7, 3}}, {{1, 0, 8, 50}, {2, 0, 7, 0}, {3, 5, 7, 3}});
  EXPECT_EQ(Flat(plan), (std::vector<Alloc>{{100, 3, 3}}));
  auto none = AllocateStock({{100, 7, 1}}, {});
  EXPECT_FALSE(none.complete());
}

TEST(AllocateStock, DeterministicWhateverTheInputOrder) {
  std::vector<WarehouseStock> a = {{1, 1, 7, 3}, {2, 0, 7, 3}, {3, 0, 7, 3}};
  std::vector<WarehouseStock> b = {{3, 0, 7, 3}, {1, 1, 7, 3}, {2, 0, 7, 3}};
  EXPECT_EQ(Flat(AllocateStock({{1, 7, 7}}, a)), Flat(AllocateStock({{1, 7, 7}}, b)));
  EXPECT_EQ(Flat(AllocateStock({{1, 7, 7}}, a)), (std::vector<Alloc>{{1, 2, 3}, {1, 3, 3}, {1, 1, 1}}));
}

// ---- Credit check ---------------------------------------------------------

TEST(EvaluateCredit, LimitIsInclusiveAndEveryPartCounts) {
  CreditInputs in;
  in.credit_limit = 100'000;
  in.finance_exposure = 30'000;
  in.shipped_unbilled = 10'000;
  in.confirmed_unshipped = 20'000;
  in.this_order = 40'000;  // exactly at the limit
  auto c = EvaluateCredit(in, absl::UnixEpoch());
  EXPECT_TRUE(c.passed());
  EXPECT_EQ(c.exposure().minor_units(), 100'000);
  EXPECT_EQ(c.open_receivables().minor_units(), 40'000);
  EXPECT_EQ(c.headroom().minor_units(), 0);
  in.this_order = 40'001;
  c = EvaluateCredit(in, absl::UnixEpoch());
  EXPECT_FALSE(c.passed());
  ASSERT_EQ(c.failures_size(), 1);
  EXPECT_EQ(c.failures(0), v1::CREDIT_CHECK_FAILURE_OVER_CREDIT_LIMIT);
  EXPECT_EQ(c.headroom().minor_units(), -1);
}

TEST(EvaluateCredit, HoldFromEitherServiceFails) {
  CreditInputs in;
  in.credit_limit = 1'000'000;
  in.this_order = 1;
  in.finance_hold = true;
  in.finance_hold_reason = "second dunning notice";
  auto c = EvaluateCredit(in, absl::UnixEpoch());
  EXPECT_FALSE(c.passed());
  EXPECT_TRUE(c.customer_on_hold());
  EXPECT_EQ(c.hold_reason(), "second dunning notice");
  EXPECT_EQ(c.failures(0), v1::CREDIT_CHECK_FAILURE_CUSTOMER_ON_HOLD);
  in.finance_hold = false;
  in.customer_hold = true;
  EXPECT_FALSE(EvaluateCredit(in, absl::UnixEpoch()).passed());
}

TEST(EvaluateCredit, NegativeCorrectionIsNotStoppedByTheLimit) {
  CreditInputs in;
  in.credit_limit = 0;
  in.finance_exposure = 50'000;  // already over
  in.this_order = -10'000;
  EXPECT_TRUE(EvaluateCredit(in, absl::UnixEpoch()).passed());
}

// ---- Shipping deadline ----------------------------------------------------

TEST(ShipDueDate, OneWorkingDayWithWeekendsAndHolidays) {
  v1::OrderPolicy p = DefaultPolicy();
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 23), p), Day(2026, 11, 24));  // Mon → Tue
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 27), p), Day(2026, 11, 30));  // Fri → Mon
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 28), p), Day(2026, 11, 30));  // Sat → Mon
  auto* h = p.add_holidays();                                       // Tue Nov 24 a holiday
  h->set_year(2026);
  h->set_month(11);
  h->set_day(24);
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 23), p), Day(2026, 11, 25));
  auto* x = p.add_extra_working_days();  // Sat Nov 28 worked (调休)
  x->set_year(2026);
  x->set_month(11);
  x->set_day(28);
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 27), p), Day(2026, 11, 28));
  p.set_ship_within_working_days(3);
  EXPECT_EQ(ShipDueDate(Day(2026, 11, 23), p), Day(2026, 11, 27));  // Wed, Thu, Fri (Tue holiday)
}

}  // namespace
}  // namespace sales::orders
