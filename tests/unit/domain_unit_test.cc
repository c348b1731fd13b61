// Pure domain rules of the first resources: org tree levels, customer
// normalisation, product and payment checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "customers-svc/domain/normalize.h"
#include "finance-svc/domain/payment.h"
#include "orders-svc/domain/product.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/org.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;

// ---- org tree ----

TEST(OrgRules, ParentLevels) {
  using namespace targets::v1;
  EXPECT_EQ(targets::RequiredParentKind(ORG_UNIT_KIND_BRANCH), ORG_UNIT_KIND_COMPANY);
  EXPECT_EQ(targets::RequiredParentKind(ORG_UNIT_KIND_OFFICE), ORG_UNIT_KIND_BRANCH);
  EXPECT_EQ(targets::RequiredParentKind(ORG_UNIT_KIND_TEAM), ORG_UNIT_KIND_OFFICE);
  EXPECT_THAT(targets::CheckParentFits(ORG_UNIT_KIND_TEAM, ORG_UNIT_KIND_OFFICE), IsOk());
  EXPECT_THAT(targets::CheckParentFits(ORG_UNIT_KIND_TEAM, ORG_UNIT_KIND_BRANCH),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(targets::CheckParentFits(ORG_UNIT_KIND_BRANCH, ORG_UNIT_KIND_TEAM),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(OrgRules, NewUnitValidation) {
  using namespace targets::v1;
  OrgUnit u;
  u.set_code("EAST");
  u.set_name("华东区");
  u.set_kind(ORG_UNIT_KIND_BRANCH);
  u.set_parent_id(1);
  EXPECT_THAT(targets::ValidateNewOrgUnit(u), IsOk());
  EXPECT_EQ(u.market_quality_bp(), 10000);

  OrgUnit company = u;
  company.set_kind(ORG_UNIT_KIND_COMPANY);
  EXPECT_THAT(targets::ValidateNewOrgUnit(company), StatusIs(absl::StatusCode::kInvalidArgument));
  company.set_parent_id(0);
  EXPECT_THAT(targets::ValidateNewOrgUnit(company), IsOk());

  OrgUnit bad;
  bad.set_code("east lower");
  bad.set_market_quality_bp(-1);
  auto st = targets::ValidateNewOrgUnit(bad);
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (auto& v : FieldViolationsOf(st)) fields.push_back(v.field);
  EXPECT_THAT(fields,
              ::testing::ElementsAre("org_unit.code", "org_unit.name", "org_unit.kind", "org_unit.market_quality_bp"));
}

// ---- customer normalisation ----

struct PhoneCase {
  const char* input;
  const char* expected;  // nullptr = refused
};

class PhoneTest : public ::testing::TestWithParam<PhoneCase> {};

TEST_P(PhoneTest, Normalizes) {
  auto r = customers::NormalizePhone(GetParam().input);
  if (GetParam().expected == nullptr) {
    EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument)) << GetParam().input;
  } else {
    ASSERT_THAT(r.status(), IsOk()) << GetParam().input;
    EXPECT_EQ(*r, GetParam().expected) << GetParam().input;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, PhoneTest,
    ::testing::Values(PhoneCase{"13800138000", "13800138000"}, PhoneCase{"138-0013-8000", "13800138000"},
                      PhoneCase{"138 0013 8000", "13800138000"}, PhoneCase{"+86 138 0013 8000", "13800138000"},
                      PhoneCase{"+86-13800138000", "13800138000"}, PhoneCase{"008613800138000", "13800138000"},
                      PhoneCase{"8613800138000", "13800138000"},
                      PhoneCase{"（+86）138-0013-8000", "13800138000"},    // full-width brackets fold
                      PhoneCase{"１３８００１３８０００", "13800138000"},  // full-width digits
                      PhoneCase{"(86) 159 1234 5678", "15912345678"}, PhoneCase{"021-61234567", "02161234567"},
                      PhoneCase{"(021) 6123 4567", "02161234567"}, PhoneCase{"+86 21 6123 4567", "02161234567"},
                      PhoneCase{"0086-21-61234567", "02161234567"}, PhoneCase{"010-8888 6666", "01088886666"},
                      PhoneCase{"0755-2345-6789", "075523456789"}, PhoneCase{"0571.8765.4321", "057187654321"},
                      PhoneCase{"12345", nullptr}, PhoneCase{"1380013800", nullptr},  // 10-digit mobile
                      PhoneCase{"23800138000", "023800138000"},  // no leading 0: treated as landline with area code 23
                      PhoneCase{"12800138000", nullptr},         // 12x is not a mobile prefix
                      PhoneCase{"138001380001", nullptr},        // too long for a mobile
                      PhoneCase{"tel:13800138000", nullptr},
                      PhoneCase{"61234567", nullptr},  // local number without area code
                      PhoneCase{"", nullptr}));

struct NameCase {
  const char* a;
  const char* b;
  bool same;
};

class NameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(NameTest, Collides) {
  auto a = customers::NormalizeName(GetParam().a);
  auto b = customers::NormalizeName(GetParam().b);
  EXPECT_EQ(a == b, GetParam().same) << GetParam().a << " vs " << GetParam().b << " → " << a << " / " << b;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, NameTest,
    ::testing::Values(NameCase{"上海华联超市有限公司", "上海华联超市", true},
                      NameCase{"上海华联超市有限责任公司", "上海华联超市有限公司", true},
                      NameCase{"上海华联超市股份有限公司", "上海 华联 超市", true},
                      NameCase{"上海　华联超市", "上海华联超市", true},  // ideographic space
                      NameCase{"（上海）华联超市", "(上海)华联超市", true}, NameCase{"ＡＢＣ贸易公司", "abc贸易", true},
                      NameCase{"ABC Trading Co., Ltd.", "abc trading", true},
                      NameCase{"ABC Trading Limited", "ABC TRADING", true},
                      NameCase{"ABC-Trading Ltd", "abc trading", true},
                      NameCase{"北京永辉超市", "北京永辉超市有限公司", true},
                      NameCase{"北京永辉超市", "上海永辉超市", false}, NameCase{"华联超市", "华联商厦", false},
                      NameCase{"王小明", "王 小明", true}, NameCase{"王小明", "王小名", false},
                      NameCase{"公司", "公司", true}));  // a bare suffix is not stripped to nothing

struct TaxCase {
  const char* input;
  const char* expected;
};

class TaxIdTest : public ::testing::TestWithParam<TaxCase> {};

TEST_P(TaxIdTest, Normalizes) {
  auto r = customers::NormalizeTaxId(GetParam().input);
  if (GetParam().expected == nullptr) {
    EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument)) << GetParam().input;
  } else {
    ASSERT_THAT(r.status(), IsOk());
    EXPECT_EQ(*r, GetParam().expected);
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, TaxIdTest,
                         ::testing::Values(TaxCase{"91310000MA1FL1234X", "91310000MA1FL1234X"},
                                           TaxCase{"91310000ma1fl1234x", "91310000MA1FL1234X"},
                                           TaxCase{"9131 0000 MA1F L123 4X", "91310000MA1FL1234X"},
                                           TaxCase{"９１３１００００ＭＡ１ＦＬ１２３４Ｘ", "91310000MA1FL1234X"},
                                           TaxCase{"310101123456789", "310101123456789"},
                                           TaxCase{"3101011234567", nullptr}, TaxCase{"91310000MA1FL1234X1", nullptr},
                                           TaxCase{"91310000MA1FL123#X", nullptr}));

TEST(MaskPhone, KeepsHeadAndTail) {
  EXPECT_EQ(customers::MaskPhone("13800138000"), "138****8000");
  EXPECT_EQ(customers::MaskPhone("02161234567"), "021****4567");
  EXPECT_EQ(customers::MaskPhone("123"), "***");
}

// ---- products and payments ----

orders::v1::Product GoodProduct() {
  orders::v1::Product p;
  p.set_sku("MILK-1L-12");
  p.set_name("纯牛奶 1L×12");
  p.set_product_line_id(3);
  p.set_unit("CASE");
  *p.mutable_unit_cost() = MakeMoney(4200);
  *p.mutable_floor_price() = MakeMoney(5500);
  return p;
}

TEST(ProductRules, Validation) {
  EXPECT_THAT(orders::ValidateNewProduct(GoodProduct()), IsOk());
  auto p = GoodProduct();
  p.set_sku("has space");
  *p.mutable_floor_price() = MakeMoney(-1, "USD");
  auto v = FieldViolationsOf(orders::ValidateNewProduct(p));
  std::vector<std::string> fields;
  for (auto& f : v) fields.push_back(f.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("product.sku", "product.floor_price.minor_units",
                                             "product.floor_price.currency_code"));
}

finance::v1::Payment GoodPayment() {
  finance::v1::Payment p;
  p.set_customer_id(7);
  *p.mutable_amount() = MakeMoney(1'000'00);
  p.set_method(finance::v1::PAYMENT_METHOD_TRANSFER);
  p.set_bank_reference("ICBC-20261123-0001");
  p.mutable_received_on()->set_year(2026);
  p.mutable_received_on()->set_month(11);
  p.mutable_received_on()->set_day(23);
  return p;
}

TEST(PaymentRules, Validation) {
  EXPECT_THAT(finance::ValidateNewPayment(GoodPayment()), IsOk());
  auto bill = GoodPayment();
  bill.set_method(finance::v1::PAYMENT_METHOD_BANK_ACCEPTANCE_BILL);
  EXPECT_THAT(finance::ValidateNewPayment(bill), StatusIs(absl::StatusCode::kInvalidArgument));
  *bill.mutable_maturity_on() = bill.received_on();
  EXPECT_THAT(finance::ValidateNewPayment(bill), IsOk());
  bill.mutable_maturity_on()->set_day(22);
  EXPECT_THAT(finance::ValidateNewPayment(bill), StatusIs(absl::StatusCode::kInvalidArgument));
  auto zero = GoodPayment();
  *zero.mutable_amount() = MakeMoney(0);
  EXPECT_THAT(finance::ValidateNewPayment(zero), StatusIs(absl::StatusCode::kInvalidArgument));
  auto transfer_with_maturity = GoodPayment();
  *transfer_with_maturity.mutable_maturity_on() = transfer_with_maturity.received_on();
  EXPECT_THAT(finance::ValidateNewPayment(transfer_with_maturity), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace sales
