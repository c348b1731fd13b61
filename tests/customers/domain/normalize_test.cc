// Normalisation tables for duplicate detection (domain.md §4 Duplicates): the
// same customer typed by two reps in different ways must give the same key,
// and malformed input must be refused with the field named.
#include "customers-svc/domain/normalize.h"

#include <gtest/gtest.h>

#include "customers-svc/api/customer_view.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

struct PhoneCase {
  const char* in;
  const char* want;  // nullptr: refused
};

TEST(NormalizePhone, RealWorldVariants) {
  const PhoneCase cases[] = {
      // Mobiles.
      {"13800138000", "13800138000"},
      {"138 0013 8000", "13800138000"},
      {"138-0013-8000", "13800138000"},
      {"+86 138 0013 8000", "13800138000"},
      {"+86-138-0013-8000", "13800138000"},
      {"0086 13800138000", "13800138000"},
      {"8613800138000", "13800138000"},
      {"(+86) 13800138000", "13800138000"},
      {"１３８００１３８０００", "13800138000"},  // full-width digits from a Chinese IME
      {"１３８－００１３－８０００", "13800138000"},
      {"199 1234 5678", "19912345678"},
      {"166.1234.5678", "16612345678"},
      // Landlines: the area code keeps its 0.
      {"021-61234567", "02161234567"},
      {"(021) 6123 4567", "02161234567"},
      {"+86 21 6123 4567", "02161234567"},
      {"0086-21-61234567", "02161234567"},
      {"010-8888 6666", "01088886666"},
      {"0512-65234567", "051265234567"},
      {"+86 512 6523 4567", "051265234567"},
      {"0755 2345 6789", "075523456789"},
      {"（０２１）６１２３４５６７", "02161234567"},
      // Refused.
      {"12345", nullptr},
      {"1380013800", nullptr},     // 10 digits, starts with 1
      {"138001380001", nullptr},   // 12 digits mobile
      {"12800138000", nullptr},    // 12x is not a mobile prefix
      {"138-0013-800O", nullptr},  // letter O
      {"tel:13800138000", nullptr},
      {"", nullptr},
      {"0021 61234567", nullptr},  // 00 is not an area code
      {"138 0013 8000 ext", nullptr},
  };
  for (const auto& c : cases) {
    auto got = NormalizePhone(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok()) << c.in << " -> " << (got.ok() ? *got : "");
      if (!got.ok()) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << c.in;
        auto fv = FieldViolationsOf(got.status());
        ASSERT_EQ(fv.size(), 1u) << c.in;
        EXPECT_EQ(fv[0].field, "customer.phone");
      }
    } else {
      ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
      EXPECT_EQ(*got, c.want) << c.in;
    }
  }
}

struct NameCase {
  const char* a;
  const char* b;
  bool same;
};

TEST(NormalizeName, SameCustomerTypedDifferently) {
  const NameCase cases[] = {
      {"上海华联超市有限公司", "上海华联超市", true},
      {"上海华联超市有限公司", "上海 华联 超市 有限公司", true},
      {"上海华联超市股份有限公司", "上海华联超市", true},
      {"上海华联超市有限责任公司", "上海华联超市公司", true},
      {"（上海）华联超市有限公司", "上海华联超市", true},
      {"上海华联超市有限公司", "上海华联超市有限公司　", true},  // ideographic space
      {"ＡＢＣ食品有限公司", "abc食品", true},                   // full-width Latin
      {"ABC Foods Co., Ltd.", "abc foods", true},
      {"ABC Foods Limited", "ABC FOODS", true},
      {"杭州·好邻居便利店", "杭州好邻居便利店", true},
      {"《北京》物美超市", "北京物美超市", true},
      {"德润食品经销有限公司", "德润食品经销集团公司", true},
      // Different customers stay different.
      {"上海华联超市", "上海联华超市", false},
      {"上海华联超市一号店", "上海华联超市二号店", false},
      {"华联超市", "上海华联超市", false},
  };
  for (const auto& c : cases) {
    std::string na = NormalizeName(c.a), nb = NormalizeName(c.b);
    EXPECT_EQ(na == nb, c.same) << c.a << " -> " << na << " | " << c.b << " -> " << nb;
  }
  // A name that is only a suffix keeps it (never normalises to empty).
  EXPECT_FALSE(NormalizeName("有限公司").empty());
  EXPECT_EQ(NormalizeName("  "), "");
}

struct TaxCase {
  const char* in;
  const char* want;
};

TEST(NormalizeTaxId, UnifiedSocialCreditCodes) {
  const TaxCase cases[] = {
      {"91310000MA1FL4XQ3K", "91310000MA1FL4XQ3K"},
      {"91310000ma1fl4xq3k", "91310000MA1FL4XQ3K"},
      {"9131 0000 MA1F L4XQ 3K", "91310000MA1FL4XQ3K"},
      {"91310000-MA1FL4XQ3K", "91310000MA1FL4XQ3K"},
      {"９１３１００００ＭＡ１ＦＬ４ＸＱ３Ｋ", "91310000MA1FL4XQ3K"},
      {"310104000123456", "310104000123456"},  // old 15-digit registration number
      {"3101 0400 0123 456", "310104000123456"},
      {"91310000MA1FL4XQ3", nullptr},    // 17
      {"91310000MA1FL4XQ3KK", nullptr},  // 19
      {"91310000MA1FL4XQ3/", nullptr},
      {"9131000０MA1FL4XQ_K", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    auto got = NormalizeTaxId(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok()) << c.in;
      if (!got.ok()) {
        EXPECT_EQ(FieldViolationsOf(got.status()).at(0).field, "customer.tax_id");
      }
    } else {
      ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
      EXPECT_EQ(*got, c.want) << c.in;
    }
  }
}

TEST(Masking, PhonesAndNamesOfOthersCustomers) {
  EXPECT_EQ(MaskPhone("13800138000"), "138****8000");
  EXPECT_EQ(MaskPhone("02161234567"), "021****4567");
  EXPECT_EQ(MaskPhone("051265234567"), "051*****4567");
  EXPECT_EQ(MaskPhone("12345"), "*****");
  EXPECT_EQ(MaskName("上海华联超市有限公司"), "上海华**有限公司");
  EXPECT_EQ(MaskName("华联超市"), "华**市");
  EXPECT_EQ(MaskName("华联"), "华*");
  EXPECT_EQ(MaskName(""), "");
  EXPECT_EQ(MaskName("ABC Foods Co Ltd"), "ABC** Ltd");
}

}  // namespace
}  // namespace sales::customers
