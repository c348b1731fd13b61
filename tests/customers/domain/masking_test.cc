// The masking rule (domain.md §1: a customer owned by someone else shows name
// and city only) and the length limits of customers-svc's texts (each the
// size of its column, counted in characters as VARCHAR in utf8mb4 counts
// them).
#include "customers-svc/domain/masking.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "customers-svc/domain/field_limits.h"
#include "google/protobuf/util/message_differencer.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr int64_t kEast = 2, kNorth = 3;
constexpr int64_t kRepA = 11, kRepB = 12;

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Every field of Customer set, so that a field leaking through the mask
// shows up.
v1::Customer Everything() {
  v1::Customer c;
  c.set_id(INT64_MAX);
  c.set_name("上海华联超市有限公司");
  c.set_type(v1::CUSTOMER_TYPE_OUTLET_KA);
  c.set_status(v1::CUSTOMER_STATUS_ACTIVE);
  c.set_phone("+86 138-0013-8000");
  c.set_tax_id("91310000MA1FL4XX0X");
  c.set_region("EAST");
  c.set_city("上海");
  c.set_address("上海市黄浦区南京东路1号");
  c.set_source_channel("WALK_IN");
  c.set_owner_rep_id(kRepA);
  c.set_etag("v7");
  c.mutable_register_time()->set_seconds(1767225600);
  c.mutable_update_time()->set_seconds(1767225601);
  c.set_normalized_phone("13800138000");
  c.set_normalized_name("上海华联超市");
  c.set_demand_grade(v1::DEMAND_GRADE_A);
  c.add_contacts()->set_name("王建国");
  c.set_normalized_tax_id("91310000MA1FL4XX0X");
  c.set_owner_org_unit_id(kEast);
  c.set_primary_customer_id(INT64_MAX - 1);
  c.set_protection_state(v1::PROTECTION_STATE_ACCOUNT);
  c.mutable_protected_until()->set_year(2026);
  c.mutable_last_follow_up_date()->set_year(2026);
  c.mutable_first_purchase_date()->set_year(2025);
  c.mutable_last_purchase_date()->set_year(2026);
  c.set_referrer_customer_id(42);
  c.mutable_pool_entry_time()->set_seconds(1);
  c.set_blacklist_reason("拖欠货款");
  c.set_credit_hold(true);
  c.set_open_complaint_count(3);
  c.set_lead_id(INT64_MIN + 1);
  c.mutable_registered_by()->set_user_id("张三");
  c.set_notes("每周三送货");
  return c;
}

MaskingViewer RepViewer(int64_t rep) {
  MaskingViewer v;
  v.rep_id = rep;
  return v;
}
MaskingViewer ManagerOf(std::vector<int64_t> units) {
  MaskingViewer v;
  v.units = std::move(units);
  return v;
}
MaskingViewer AllReader() {
  MaskingViewer v;
  v.reads_all = true;
  return v;
}

TEST(MaskForViewer, EveryFieldOfCustomerIsSetInTheFixture) {
  // The fixture must cover the message, or a new field could leak unseen.
  v1::Customer c = Everything();
  const auto* d = c.GetDescriptor();
  const auto* r = c.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->name() == "masked") continue;
    EXPECT_TRUE(f->is_repeated() ? r->FieldSize(c, f) > 0 : r->HasField(c, f)) << f->name();
  }
}

TEST(MaskForViewer, AnotherRepsCustomerShowsIdNameAndCityOnly) {
  v1::Customer got = MaskForViewer(Everything(), RepViewer(kRepB));
  v1::Customer want;
  want.set_id(INT64_MAX);
  want.set_name("上海华联超市有限公司");
  want.set_city("上海");
  want.set_masked(true);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, want)) << got.DebugString();
}

TEST(MaskForViewer, ManagerOfAnotherUnitSeesNameAndCityOnly) {
  v1::Customer got = MaskForViewer(Everything(), ManagerOf({kNorth}));
  EXPECT_TRUE(got.masked());
  EXPECT_EQ(got.name(), "上海华联超市有限公司");
  EXPECT_EQ(got.city(), "上海");
  EXPECT_EQ(got.owner_rep_id(), 0);
  EXPECT_EQ(got.status(), v1::CUSTOMER_STATUS_UNSPECIFIED);
  EXPECT_FALSE(got.credit_hold());
  EXPECT_EQ(VisibilityOf(Everything(), ManagerOf({kNorth})), CustomerVisibility::kNameAndCity);
}

TEST(MaskForViewer, OwnerManagerOfTheSubtreeAndAllReadersSeeEverything) {
  const v1::Customer c = Everything();
  for (const MaskingViewer& v : {RepViewer(kRepA), ManagerOf({1, kEast}), AllReader()}) {
    EXPECT_EQ(VisibilityOf(c, v), CustomerVisibility::kFull);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(MaskForViewer(c, v), c));
  }
}

TEST(MaskForViewer, OwnerWithUnknownUnitIsInNobodysSubtree) {
  v1::Customer c = Everything();
  c.set_owner_org_unit_id(0);
  MaskingViewer m = ManagerOf({0, kEast});  // even a stray 0 in a subtree
  EXPECT_EQ(VisibilityOf(c, m), CustomerVisibility::kNameAndCity);
  EXPECT_EQ(VisibilityOf(c, RepViewer(kRepA)), CustomerVisibility::kFull);
}

TEST(MaskForViewer, NobodysViewerIsNotTheOwnerOfAPoolOrZeroRep) {
  // A caller without a rep id (rep_id 0) never matches an owner.
  v1::Customer c = Everything();
  EXPECT_EQ(VisibilityOf(c, MaskingViewer{}), CustomerVisibility::kNameAndCity);
}

TEST(MaskForViewer, PoolCustomerHidesOnlyTheWaysToReachIt) {
  v1::Customer c = Everything();
  c.set_owner_rep_id(0);
  c.set_owner_org_unit_id(0);
  for (const MaskingViewer& v : {RepViewer(kRepB), ManagerOf({kEast})}) {
    ASSERT_EQ(VisibilityOf(c, v), CustomerVisibility::kPool);
    v1::Customer got = MaskForViewer(c, v);
    EXPECT_TRUE(got.masked());
    EXPECT_EQ(got.phone(), "138****8000");
    EXPECT_EQ(got.normalized_phone(), "138****8000");
    EXPECT_TRUE(got.tax_id().empty());
    EXPECT_TRUE(got.normalized_tax_id().empty());
    EXPECT_TRUE(got.address().empty());
    EXPECT_EQ(got.contacts_size(), 0);
    EXPECT_TRUE(got.notes().empty());
    EXPECT_TRUE(got.blacklist_reason().empty());
    // What a rep needs to claim it: the etag, and what they choose by.
    EXPECT_EQ(got.etag(), "v7");
    EXPECT_EQ(got.type(), v1::CUSTOMER_TYPE_OUTLET_KA);
    EXPECT_EQ(got.region(), "EAST");
    EXPECT_TRUE(got.has_pool_entry_time());
  }
  EXPECT_EQ(VisibilityOf(c, AllReader()), CustomerVisibility::kFull);
}

TEST(FieldLimits, CountsCharactersNotBytes) {
  EXPECT_EQ(CharCount(""), 0u);
  EXPECT_EQ(CharCount("abc"), 3u);
  EXPECT_EQ(CharCount("上海"), 2u);                 // 6 bytes
  EXPECT_EQ(CharCount("\xF0\x9F\x8F\xAA"), 1u);     // U+1F3EA, 4 bytes
  EXPECT_EQ(CharCount("é上\xF0\x9F\x8F\xAA"), 3u);  // 2 + 3 + 4 bytes
}

TEST(FieldLimits, ChineseNameAtTheLimitPassesOneMoreIsRefusedWithTheField) {
  std::vector<FieldViolation> v;
  std::string at = Repeat("华", kMaxCustomerNameChars);  // 600 bytes, 200 characters
  EXPECT_FALSE(CheckLength(at, kMaxCustomerNameChars, "customer.name", &v));
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(CheckLength(at + "联", kMaxCustomerNameChars, "customer.name", &v));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "customer.name");
  EXPECT_EQ(v[0].description, "at most 200 characters");
  absl::Status st = CheckLength(std::string(1 << 20, 'x'), kMaxCustomerNameChars, "name");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(st).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(st)[0].field, "name");
}

TEST(FieldLimits, CustomerFieldsAreCheckedAgainstTheirColumns) {
  v1::Customer c;
  c.set_name(Repeat("名", 200));
  c.set_city(Repeat("城", 64));
  c.set_region(Repeat("区", 33));
  c.set_address(Repeat("路", 256));
  c.set_notes(Repeat("注", 2000));
  c.set_phone(std::string(41, '1'));
  c.set_source_channel(Repeat("渠", 32));
  std::vector<FieldViolation> v;
  CheckCustomerLengths(c, "customer.", {}, &v);
  std::vector<std::string> fields;
  for (const auto& f : v) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"customer.phone", "customer.region", "customer.address"}));
  // Only the paths asked for (UpdateCustomer's update_mask).
  v.clear();
  CheckCustomerLengths(c, "customer.", {"address", "name"}, &v);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "customer.address");
}

TEST(FieldLimits, ContactFieldsAreCheckedAgainstTheirColumns) {
  v1::Contact c;
  c.set_name(Repeat("王", 101));
  c.set_title(Repeat("经", 100));
  c.set_email(std::string(201, 'a'));
  c.set_im_id(Repeat("微", 100));
  c.set_notes(Repeat("注", 1001));
  std::vector<FieldViolation> v;
  EXPECT_TRUE(CheckContactLengths(c, "contact.", {}, &v));
  std::vector<std::string> fields;
  for (const auto& f : v) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"contact.name", "contact.email", "contact.notes"}));
}

TEST(FieldLimits, ClipNeverCutsACharacter) {
  EXPECT_EQ(ClipChars("上海华联", 2), "上海");
  EXPECT_EQ(ClipChars("上海", 2), "上海");
  EXPECT_EQ(ClipChars("上海", 5), "上海");
  EXPECT_EQ(ClipChars("a\xF0\x9F\x8F\xAA"
                      "b",
                      2),
            "a\xF0\x9F\x8F\xAA");
  EXPECT_EQ(ClipChars("", 0), "");
  EXPECT_EQ(ClipChars("上", 0), "");
  std::string reason = "family member of #9223372036854775807: " + Repeat("因", kMaxReasonChars);
  std::string clipped = ClipChars(reason, kMaxReasonChars);
  EXPECT_EQ(CharCount(clipped), kMaxReasonChars);
  EXPECT_EQ(clipped.back(), Repeat("因", 1).back());  // ends on a whole character
}

}  // namespace
}  // namespace sales::customers
