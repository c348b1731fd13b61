// The request shape rules (platform/request_shape.h) on the real contract:
// lengths in code points from (sales.common.v1.limits) or the defaults,
// entry counts, UTF-8, enum numbers the enum defines, and the field paths
// each violation names; and the gateway's parse of raw bytes.
#include "platform/request_shape.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/request_check.h"
#include "platform/status.h"
#include "sales/customers/v1/customer_messages.pb.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/orders/v1/order_messages.pb.h"

namespace sales {
namespace {

namespace cv1 = ::sales::customers::v1;
namespace ov1 = ::sales::orders::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

// The violated fields of `st`, in order.
std::vector<std::string> Fields(const absl::Status& st) {
  std::vector<std::string> out;
  for (const auto& v : FieldViolationsOf(st)) out.push_back(v.field);
  return out;
}

std::string Description(const absl::Status& st, absl::string_view field) {
  for (const auto& v : FieldViolationsOf(st)) {
    if (v.field == field) return v.description;
  }
  return "";
}

TEST(Utf8CodePoints, CountsCharactersNotBytes) {
  EXPECT_EQ(Utf8CodePoints(""), 0);
  EXPECT_EQ(Utf8CodePoints("EAST-01"), 7);
  EXPECT_EQ(Utf8CodePoints("华东区"), 3);                       // 9 bytes
  EXPECT_EQ(Utf8CodePoints("上海市浦东新区张江路 88 号"), 15);  // mixed, crosses the 8-byte fast path
  EXPECT_EQ(Utf8CodePoints("\xF0\x9F\x98\x80"), 1);             // U+1F600, four bytes
  EXPECT_EQ(Utf8CodePoints("\xC2\xA5"), 1);                     // ¥
}

TEST(Utf8CodePoints, RefusesWhatIsNotUtf8) {
  EXPECT_EQ(Utf8CodePoints("\xFF"), -1);                  // never a UTF-8 byte
  EXPECT_EQ(Utf8CodePoints("abc\x80"), -1);               // a continuation first
  EXPECT_EQ(Utf8CodePoints("\xE5\x8D"), -1);              // 华 cut short
  EXPECT_EQ(Utf8CodePoints("12345678\xE5\x8D"), -1);      // ... after the fast path
  EXPECT_EQ(Utf8CodePoints("\xC0\x80"), -1);              // overlong NUL
  EXPECT_EQ(Utf8CodePoints("\xE0\x80\xAF"), -1);          // overlong '/'
  EXPECT_EQ(Utf8CodePoints("\xED\xA0\x80"), -1);          // a UTF-16 surrogate
  EXPECT_EQ(Utf8CodePoints("\xF4\x90\x80\x80"), -1);      // above U+10FFFF
  EXPECT_EQ(Utf8CodePoints("\xE5\x8D\x8E\xE4\xB8"), -1);  // a good character, then a cut one
}

TEST(RequestShape, ChineseNameAtItsColumnLimitIsAcceptedOneMoreIsRefused) {
  // CheckDuplicateRequest.name is compared with customers.normalized_name
  // VARCHAR(200): 200 characters (600 bytes) fit, 201 do not.
  cv1::CheckDuplicateRequest req;
  req.set_name(Repeat("华", 200));
  EXPECT_TRUE(CheckRequestShape(req).ok()) << CheckRequestShape(req);
  req.set_name(Repeat("华", 201));
  absl::Status st = CheckRequestShape(req);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(st), ElementsAre("name"));
  EXPECT_EQ(Description(st, "name"), "at most 200 characters (201 sent)");
}

TEST(RequestShape, RequestIdIsAtMost64) {
  cv1::RegisterCustomerRequest req;
  req.set_request_id(std::string(64, 'r'));
  EXPECT_TRUE(CheckRequestShape(req).ok());
  req.set_request_id(std::string(65, 'r'));
  EXPECT_THAT(Fields(CheckRequestShape(req)), ElementsAre("request_id"));
}

TEST(RequestShape, UnannotatedStringsGetTheDefault255) {
  // Customer.etag carries no option: the documented default applies.
  cv1::UpdateCustomerRequest req;
  req.mutable_customer()->set_etag(Repeat("版", kDefaultMaxLength));
  EXPECT_TRUE(CheckRequestShape(req).ok());
  req.mutable_customer()->set_etag(Repeat("版", kDefaultMaxLength + 1));
  absl::Status st = CheckRequestShape(req);
  EXPECT_THAT(Fields(st), ElementsAre("customer.etag"));
  EXPECT_EQ(Description(st, "customer.etag"), "at most 255 characters (256 sent)");
}

TEST(RequestShape, InvalidUtf8IsNamed) {
  cv1::RegisterCustomerRequest req;
  req.set_request_id("r-1");
  req.mutable_customer()->set_name("上海\xE5\x8D");  // a character cut in half
  absl::Status st = CheckRequestShape(req);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(st), ElementsAre("customer.name"));
  EXPECT_EQ(Description(st, "customer.name"), "not valid UTF-8");
}

TEST(RequestShape, UnknownEnumNumberIsRefusedWithItsPath) {
  cv1::RegisterCustomerRequest req;
  req.mutable_customer()->set_name("上海华联超市");
  req.mutable_customer()->set_type(static_cast<cv1::CustomerType>(999));
  absl::Status st = CheckRequestShape(req);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(st), ElementsAre("customer.type"));
  EXPECT_EQ(Description(st, "customer.type"), "999 is not a value of sales.customers.v1.CustomerType");

  cv1::ListCustomersRequest list;
  list.add_statuses(cv1::CUSTOMER_STATUS_PROSPECT);
  list.add_statuses(static_cast<cv1::CustomerStatus>(999));
  list.add_statuses(static_cast<cv1::CustomerStatus>(-1));
  EXPECT_THAT(Fields(CheckRequestShape(list)), ElementsAre("statuses[1]", "statuses[2]"));
}

TEST(RequestShape, NestedRepeatedFieldsAreNamedByIndex) {
  ov1::CreateOrderRequest req;
  req.set_request_id("order-1");
  for (int i = 0; i < 5; ++i) req.mutable_order()->add_lines()->set_sku(absl::StrCat("SKU-", i));
  auto* line = req.mutable_order()->mutable_lines(3);
  line->set_sku(std::string(65, 'S'));                                // order_lines.sku VARCHAR(64)
  line->set_required_approval(static_cast<ov1::ApprovalLevel>(999));  // no such level
  req.mutable_order()->set_notes(Repeat("备注", 1000));               // exactly 2000: fits
  absl::Status st = CheckRequestShape(req);
  EXPECT_THAT(Fields(st), ElementsAre("order.lines[3].sku", "order.lines[3].required_approval"));
  EXPECT_EQ(Description(st, "order.lines[3].sku"), "at most 64 characters (65 sent)");
}

TEST(RequestShape, RepeatedFieldsAreCounted) {
  // SalesOrder.lines carries max_items 200 (kMaxDocumentLines).
  ov1::CreateOrderRequest req;
  for (int i = 0; i < 200; ++i) req.mutable_order()->add_lines()->set_quantity(1);
  EXPECT_TRUE(CheckRequestShape(req).ok());
  req.mutable_order()->add_lines()->set_quantity(1);
  absl::Status st = CheckRequestShape(req);
  EXPECT_THAT(Fields(st), ElementsAre("order.lines"));
  EXPECT_EQ(Description(st, "order.lines"), "at most 200 entries (201 sent)");

  // Unannotated: the default 1000; each entry also has its length.
  cv1::CheckDuplicateRequest dup;
  for (int i = 0; i < kDefaultMaxItems; ++i) dup.add_contact_phones("13800138000");
  EXPECT_TRUE(CheckRequestShape(dup).ok());
  *dup.mutable_contact_phones(7) = std::string(41, '1');
  EXPECT_THAT(Fields(CheckRequestShape(dup)), ElementsAre("contact_phones[7]"));
  dup.add_contact_phones("13800138000");
  EXPECT_THAT(Fields(CheckRequestShape(dup)), ElementsAre("contact_phones"));
}

TEST(RequestShape, EveryProblemIsReportedButBoundedly) {
  cv1::ListCustomersRequest list;
  for (int i = 0; i < kDefaultMaxItems; ++i) list.add_statuses(static_cast<cv1::CustomerStatus>(999));
  absl::Status st = CheckRequestShape(list);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(FieldViolationsOf(st).size(), 41u);
  EXPECT_GE(FieldViolationsOf(st).size(), 10u);

  cv1::CheckDuplicateRequest dup;
  dup.set_name(Repeat("华", 201));
  dup.set_phone(std::string(41, '1'));
  dup.set_tax_id("\xFF");
  EXPECT_THAT(Fields(CheckRequestShape(dup)), ElementsAre("name", "phone", "tax_id"));
}

TEST(RequestShape, MapsAndOneofsAreWalked) {
  // google.protobuf.Struct: map<string, Value>, Value a oneof.
  google::protobuf::Struct s;
  (*s.mutable_fields())["城市"].set_string_value(Repeat("上", 256));
  (*s.mutable_fields())["ok"].set_string_value("fine");
  (*s.mutable_fields())["list"].mutable_list_value()->add_values()->set_null_value(
      static_cast<google::protobuf::NullValue>(7));
  absl::Status st = CheckRequestShape(s);
  EXPECT_THAT(Fields(st), ::testing::UnorderedElementsAre("fields[\"城市\"].string_value",
                                                          "fields[\"list\"].list_value.values[0].null_value"));
}

TEST(ParseRequest, TruncatedBytesNameTheFieldTheyEndIn) {
  cv1::RegisterCustomerRequest req;
  req.set_request_id("r-1");
  req.mutable_customer()->set_name("上海华联超市有限公司");
  std::string bytes = req.SerializeAsString();
  bytes.resize(bytes.size() - 4);
  cv1::RegisterCustomerRequest out;
  absl::Status st = ParseRequest(out.GetDescriptor(), bytes, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(),
              HasSubstr("the request message could not be parsed as sales.customers.v1.RegisterCustomerRequest"));
  EXPECT_THAT(Fields(st), ElementsAre("customer.name"));
}

TEST(ParseRequest, InvalidUtf8OnTheWireIsNamed) {
  // Written by hand: RegisterCustomerRequest{customer{name: "上\xE5\x8D"}}.
  std::string name = "上\xE5\x8D";
  std::string customer = absl::StrCat("\x12", std::string(1, static_cast<char>(name.size())), name);
  std::string bytes = absl::StrCat("\x12", std::string(1, static_cast<char>(customer.size())), customer);
  cv1::RegisterCustomerRequest out;
  absl::Status st = ParseRequest(out.GetDescriptor(), bytes, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(st), ElementsAre("customer.name"));
  EXPECT_EQ(Description(st, "customer.name"), "not valid UTF-8");
}

TEST(ParseRequest, GarbageIsInvalidArgumentNeverAnythingElse) {
  cv1::RegisterCustomerRequest out;
  for (absl::string_view bytes :
       {absl::string_view("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"), absl::string_view("\x0A"),
        absl::string_view("\x12\x05\x0A"), absl::string_view("\x08\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01")}) {
    absl::Status st = ParseRequest(out.GetDescriptor(), bytes, &out);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << absl::CEscape(bytes);
  }
  EXPECT_TRUE(ParseRequest(out.GetDescriptor(), "", &out).ok());
}

TEST(GatewayRequestCheck, ParsesAndChecksByMethod) {
  cv1::CheckDuplicateRequest dup;
  dup.set_name(std::string(1 << 20, 'n'));
  const char* kPath = "/sales.customers.v1.CustomersService/CheckDuplicate";
  absl::Status st = gateway::CheckRequestBytes(kPath, dup.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(st), ElementsAre("name"));
  dup.set_name("上海华联超市");
  EXPECT_TRUE(gateway::CheckRequestBytes(kPath, dup.SerializeAsString()).ok());
  EXPECT_EQ(gateway::CheckRequestBytes(kPath,
                                       "\x0A\x10"
                                       "abc")
                .code(),
            absl::StatusCode::kInvalidArgument);
  // A method the gateway does not route is not its to judge.
  EXPECT_TRUE(gateway::CheckRequestBytes("/no.Such/Method", "\xFF").ok());
}

}  // namespace
}  // namespace sales
