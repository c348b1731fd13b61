// The fixture numbers the orders application tests share: one two-line
// order (42, of customer 9001) over two warehouses, "now", and the people
// who act on it. Each test file puts the order in its own state (awaiting
// confirmation, confirmed, shipped) on top of these. Amounts are in fen;
// "now" is Tuesday 2026-03-10 10:00 in Shanghai.
#pragma once

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/money.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "sales/orders/v1/order.pb.h"

namespace sales::orders::testing_fixtures {

// 10:00 in Shanghai (02:00 UTC): the business day is Tuesday 2026-03-10.
inline const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 2, 0, 0), absl::UTCTimeZone());
inline constexpr absl::CivilDay kToday(2026, 3, 10);

inline constexpr int64_t kOrderId = 42;
inline constexpr int64_t kCustomerId = 9001;
inline constexpr char kCustomerName[] = "上海浦东新区华强贸易有限公司";
inline constexpr int64_t kTakingRep = 5;       // entered the order, in 浦东销售组
inline constexpr int64_t kCreditedRep = 7;     // owns the customer, in 上海销售部
inline constexpr int64_t kCreditedUnit = 100;  // 上海销售部
inline constexpr int64_t kWarehouse1 = 1;
inline constexpr int64_t kWarehouse2 = 2;
// Order line 1: 10 bolts at 120.00 (cost 70.00). Order line 2: 4 panels at
// 500.00 (cost 300.00).
inline constexpr int64_t kBolts = 501;
inline constexpr int64_t kPanels = 502;
inline constexpr int64_t kBoltPrice = 12'000;
inline constexpr int64_t kBoltCost = 7'000;
inline constexpr int64_t kPanelPrice = 50'000;
inline constexpr int64_t kPanelCost = 30'000;
inline constexpr int64_t kOrderTotal = 10 * kBoltPrice + 4 * kPanelPrice;  // 3,200.00

inline Principal Clerk() { return {.user_id = "wang.fang", .role = kRoleClerk}; }
inline Principal Storekeeper() { return {.user_id = "赵强", .role = kRoleWarehouse}; }

// Order line `id` (also its line number): `quantity` boxes of `product` at
// `unit_price`, commissionable, nothing shipped yet.
inline v1::OrderLine Line(int64_t id, int64_t product, int64_t quantity, int64_t unit_price) {
  v1::OrderLine l;
  l.set_id(id);
  l.set_line_no(static_cast<int32_t>(id));
  l.set_product_id(product);
  l.set_sku(absl::StrCat("SKU-", product));
  l.set_unit("箱");
  l.set_quantity(quantity);
  *l.mutable_list_price() = MakeMoney(unit_price);
  *l.mutable_unit_price() = MakeMoney(unit_price);
  *l.mutable_net_amount() = MakeMoney(quantity * unit_price);
  l.set_commissionable(true);
  return l;
}

// The head of order 42 once its credit has been settled: the customer by id
// and name, taken by rep 5, credited to rep 7 in 上海销售部, in CNY. No
// lines, amounts or status: those are each test's own.
inline v1::SalesOrder CreditedOrderHead() {
  v1::SalesOrder o;
  o.set_id(kOrderId);
  o.set_order_number("SO-2026-000042");
  o.set_customer_id(kCustomerId);
  o.set_customer_name(kCustomerName);
  o.set_taking_rep_id(kTakingRep);
  o.set_credited_rep_id(kCreditedRep);
  o.set_credited_org_unit_id(kCreditedUnit);
  o.set_currency_code("CNY");
  return o;
}

}  // namespace sales::orders::testing_fixtures
