// Fulfilment rules, table-driven: requisition and posting limits, the
// requisition and return state machines, order state as goods leave and are
// signed for, the working-day late rule, and print/reprint of controlled
// documents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <tuple>

#include "orders-svc/domain/document_print.h"
#include "orders-svc/domain/return_rules.h"
#include "orders-svc/domain/shipment_rules.h"
#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::orders {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;

struct RequestCase {
  const char* name;
  RequestableLine line;
  int64_t quantity;
  absl::StatusCode code;
  const char* reason;
};

TEST(ShipmentLimits, RequestTakesOnlyReservedNotYetRequested) {
  const RequestCase cases[] = {
      {"all reserved", {10, 0, 10, 0}, 10, absl::StatusCode::kOk, ""},
      {"part", {10, 0, 10, 0}, 4, absl::StatusCode::kOk, ""},
      {"one above reserved", {10, 0, 10, 0}, 11, absl::StatusCode::kFailedPrecondition, "EXCEEDS_RESERVED"},
      {"other requisition holds some", {10, 0, 10, 6}, 4, absl::StatusCode::kOk, ""},
      {"other requisition holds some, one more",
       {10, 0, 10, 6},
       5,
       absl::StatusCode::kFailedPrecondition,
       "EXCEEDS_RESERVED"},
      {"reserved elsewhere only", {10, 0, 0, 0}, 1, absl::StatusCode::kFailedPrecondition, "EXCEEDS_RESERVED"},
      {"after partial shipment", {10, 4, 6, 0}, 6, absl::StatusCode::kOk, ""},
      {"after partial shipment, one more", {10, 4, 6, 0}, 7, absl::StatusCode::kFailedPrecondition, "EXCEEDS_RESERVED"},
      {"zero", {10, 0, 10, 0}, 0, absl::StatusCode::kInvalidArgument, ""},
      {"negative", {10, 0, 10, 0}, -1, absl::StatusCode::kInvalidArgument, ""},
  };
  for (const auto& c : cases) {
    absl::Status st = CheckRequestQuantity(c.line, c.quantity, "lines[0].quantity");
    EXPECT_EQ(st.code(), c.code) << c.name << ": " << st;
    EXPECT_EQ(ErrorReason(st), c.reason) << c.name;
  }
  EXPECT_EQ(RequestableQuantity({10, 0, 10, 12}), 0) << "never negative";
}

struct PostCase {
  const char* name;
  PostableLine line;
  int64_t quantity;
  const char* reason;  // "" = OK, "INVALID" = INVALID_ARGUMENT
};

TEST(ShipmentLimits, PostNeverMoreThanRequestedOrderedOrReserved) {
  const PostCase cases[] = {
      {"whole requisition", {5, 0, 10, 0, 10}, 5, ""},
      {"partial", {5, 0, 10, 0, 10}, 3, ""},
      {"rest after partial", {5, 3, 10, 3, 7}, 2, ""},
      {"beyond requisition", {5, 3, 10, 3, 7}, 3, "EXCEEDS_REQUESTED"},
      {"beyond order (other requisition shipped)", {5, 0, 10, 8, 2}, 3, "EXCEEDS_ORDERED"},
      {"beyond reservation", {5, 0, 10, 0, 2}, 3, "EXCEEDS_RESERVED"},
      {"reservation exactly", {5, 0, 10, 0, 3}, 3, ""},
      {"zero", {5, 0, 10, 0, 10}, 0, "INVALID"},
  };
  for (const auto& c : cases) {
    absl::Status st = CheckPostQuantity(c.line, c.quantity, "lines[0].quantity");
    if (std::string(c.reason).empty()) {
      EXPECT_THAT(st, IsOk()) << c.name;
    } else if (std::string(c.reason) == "INVALID") {
      EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument)) << c.name;
    } else {
      EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition)) << c.name;
      EXPECT_EQ(ErrorReason(st), c.reason) << c.name;
    }
  }
}

TEST(RequisitionStateMachine, EveryStateAndAction) {
  using S = v1::ShipmentRequisitionStatus;
  const S states[] = {
      v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL, v1::SHIPMENT_REQUISITION_STATUS_APPROVED,
      v1::SHIPMENT_REQUISITION_STATUS_REJECTED,         v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED,
      v1::SHIPMENT_REQUISITION_STATUS_SHIPPED,          v1::SHIPMENT_REQUISITION_STATUS_CANCELLED};
  const RequisitionAction actions[] = {RequisitionAction::kApprove, RequisitionAction::kReject,
                                       RequisitionAction::kCancel, RequisitionAction::kPost};
  std::set<std::pair<S, RequisitionAction>> allowed = {
      {v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL, RequisitionAction::kApprove},
      {v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL, RequisitionAction::kReject},
      {v1::SHIPMENT_REQUISITION_STATUS_PENDING_APPROVAL, RequisitionAction::kCancel},
      {v1::SHIPMENT_REQUISITION_STATUS_APPROVED, RequisitionAction::kCancel},
      {v1::SHIPMENT_REQUISITION_STATUS_APPROVED, RequisitionAction::kPost},
      {v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED, RequisitionAction::kCancel},
      {v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED, RequisitionAction::kPost},
  };
  for (S s : states) {
    for (RequisitionAction a : actions) {
      absl::Status st = CheckRequisitionAction(s, a);
      if (allowed.count({s, a})) {
        EXPECT_THAT(st, IsOk()) << v1::ShipmentRequisitionStatus_Name(s) << " " << static_cast<int>(a);
      } else {
        EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition))
            << v1::ShipmentRequisitionStatus_Name(s) << " " << static_cast<int>(a);
      }
    }
  }
  EXPECT_EQ(RequisitionStatusAfterPost(10, 4), v1::SHIPMENT_REQUISITION_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(RequisitionStatusAfterPost(10, 10), v1::SHIPMENT_REQUISITION_STATUS_SHIPPED);
  EXPECT_EQ(RequisitionStatusAfterPost(10, 0), v1::SHIPMENT_REQUISITION_STATUS_APPROVED);
}

TEST(OrderProgress, ShippedAndDeliveredStates) {
  struct Case {
    const char* name;
    std::vector<LineProgress> lines;
    bool all_delivered;
    v1::OrderStatus after_ship;
    v1::OrderStatus after_delivery;
  };
  const Case cases[] = {
      {"one line half shipped",
       {{10, 5, 0}},
       true,
       v1::ORDER_STATUS_PARTIALLY_SHIPPED,
       v1::ORDER_STATUS_PARTIALLY_SHIPPED},
      {"all shipped, not all signed",
       {{10, 10, 5}, {3, 3, 0}},
       false,
       v1::ORDER_STATUS_SHIPPED,
       v1::ORDER_STATUS_SHIPPED},
      {"all shipped and signed", {{10, 10, 10}, {3, 3, 3}}, true, v1::ORDER_STATUS_SHIPPED, v1::ORDER_STATUS_DELIVERED},
      {"second line untouched",
       {{10, 10, 10}, {3, 0, 0}},
       true,
       v1::ORDER_STATUS_PARTIALLY_SHIPPED,
       v1::ORDER_STATUS_PARTIALLY_SHIPPED},
      {"negative correction line ignored",
       {{10, 10, 10}, {-2, 0, 0}},
       true,
       v1::ORDER_STATUS_SHIPPED,
       v1::ORDER_STATUS_DELIVERED},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(OrderStatusAfterShipment(c.lines), c.after_ship) << c.name;
    EXPECT_EQ(OrderStatusAfterDelivery(c.lines, c.all_delivered), c.after_delivery) << c.name;
  }
  EXPECT_TRUE(OrderAcceptsShipment(v1::ORDER_STATUS_CONFIRMED));
  EXPECT_TRUE(OrderAcceptsShipment(v1::ORDER_STATUS_PARTIALLY_SHIPPED));
  for (auto s :
       {v1::ORDER_STATUS_DRAFT, v1::ORDER_STATUS_PENDING_APPROVAL, v1::ORDER_STATUS_CREDIT_HOLD,
        v1::ORDER_STATUS_SHIPPED, v1::ORDER_STATUS_DELIVERED, v1::ORDER_STATUS_CLOSED, v1::ORDER_STATUS_CANCELLED}) {
    EXPECT_FALSE(OrderAcceptsShipment(s)) << v1::OrderStatus_Name(s);
  }
}

TEST(WorkingDays, ShipDueDateSkipsWeekendsHolidaysAndHonoursMakeUpDays) {
  WorkingCalendar cal;
  // 2026-10-01..07 National Day holiday; Sat 2026-10-10 is a make-up day (调休).
  for (int d = 1; d <= 7; ++d) cal.holidays.insert(absl::CivilDay(2026, 10, d));
  cal.extra_working_days.insert(absl::CivilDay(2026, 10, 10));
  struct Case {
    absl::CivilDay confirmed;
    int within;
    absl::CivilDay due;
  };
  const Case cases[] = {
      {absl::CivilDay(2026, 11, 23), 1, absl::CivilDay(2026, 11, 24)},  // Mon → Tue
      {absl::CivilDay(2026, 11, 27), 1, absl::CivilDay(2026, 11, 30)},  // Fri → Mon
      {absl::CivilDay(2026, 11, 28), 1, absl::CivilDay(2026, 12, 1)},   // Sat → counts from Mon → Tue
      {absl::CivilDay(2026, 11, 29), 1, absl::CivilDay(2026, 12, 1)},   // Sun → Tue
      {absl::CivilDay(2026, 11, 23), 0, absl::CivilDay(2026, 11, 23)},  // same day
      {absl::CivilDay(2026, 11, 26), 3, absl::CivilDay(2026, 12, 1)},   // Thu + 3 → Tue
      {absl::CivilDay(2026, 9, 30), 1, absl::CivilDay(2026, 10, 8)},    // over the holiday
      {absl::CivilDay(2026, 10, 9), 1, absl::CivilDay(2026, 10, 10)},   // Fri → make-up Saturday
      {absl::CivilDay(2026, 12, 31), 1, absl::CivilDay(2027, 1, 1)},    // over the year end
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ShipDueDate(cal, c.confirmed, c.within), c.due) << c.confirmed << " +" << c.within;
  }
}

TEST(WorkingDays, LatenessCountsWorkingDaysOnly) {
  WorkingCalendar cal;
  absl::CivilDay due(2026, 11, 27);  // Friday
  EXPECT_EQ(WorkingDaysLate(cal, due, due), 0);
  EXPECT_EQ(WorkingDaysLate(cal, due, absl::CivilDay(2026, 11, 28)), 0);  // Saturday
  EXPECT_EQ(WorkingDaysLate(cal, due, absl::CivilDay(2026, 11, 29)), 0);  // Sunday
  EXPECT_EQ(WorkingDaysLate(cal, due, absl::CivilDay(2026, 11, 30)), 1);  // Monday
  EXPECT_EQ(WorkingDaysLate(cal, due, absl::CivilDay(2026, 12, 4)), 5);
  EXPECT_EQ(WorkingDaysLate(cal, due, absl::CivilDay(2026, 11, 20)), 0);  // before due

  absl::CivilDay on_time(2026, 11, 27), late_ship(2026, 11, 30);
  EXPECT_FALSE(IsLate(due, nullptr, due));
  EXPECT_TRUE(IsLate(due, nullptr, absl::CivilDay(2026, 11, 28)));
  EXPECT_FALSE(IsLate(due, &on_time, absl::CivilDay(2026, 12, 10)));
  EXPECT_TRUE(IsLate(due, &late_ship, absl::CivilDay(2026, 12, 10)));
}

TEST(Delivery, SignerAndDateChecked) {
  absl::CivilDay ship(2026, 11, 24);
  v1::DeliveryReceipt ok;
  ok.set_signed_by("王经理");
  ok.mutable_delivery_date()->set_year(2026);
  ok.mutable_delivery_date()->set_month(11);
  ok.mutable_delivery_date()->set_day(24);
  EXPECT_THAT(CheckDelivery(ok, ship), IsOk());
  v1::DeliveryReceipt early = ok;
  early.mutable_delivery_date()->set_day(23);
  EXPECT_THAT(CheckDelivery(early, ship), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(CheckDelivery(early, ship)).at(0).field, "delivery.delivery_date");
  v1::DeliveryReceipt unsigned_receipt = ok;
  unsigned_receipt.clear_signed_by();
  EXPECT_EQ(FieldViolationsOf(CheckDelivery(unsigned_receipt, ship)).at(0).field, "delivery.signed_by");
}

TEST(ReturnLimits, NeverMoreThanShippedLessReturnedAndPending) {
  struct Case {
    const char* name;
    ReturnableLine line;
    int64_t quantity;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {"all shipped", {6, 0, 0}, 6, absl::StatusCode::kOk},
      {"one more than shipped", {6, 0, 0}, 7, absl::StatusCode::kFailedPrecondition},
      {"nothing shipped", {0, 0, 0}, 1, absl::StatusCode::kFailedPrecondition},
      {"after a return", {6, 2, 0}, 4, absl::StatusCode::kOk},
      {"after a return, one more", {6, 2, 0}, 5, absl::StatusCode::kFailedPrecondition},
      {"pending return counts", {6, 2, 3}, 1, absl::StatusCode::kOk},
      {"pending return counts, one more", {6, 2, 3}, 2, absl::StatusCode::kFailedPrecondition},
      {"zero", {6, 0, 0}, 0, absl::StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    absl::Status st = CheckReturnQuantity(c.line, c.quantity, "return_request.lines[0].requested_quantity");
    EXPECT_EQ(st.code(), c.code) << c.name << ": " << st;
    if (c.code == absl::StatusCode::kFailedPrecondition) {
      EXPECT_EQ(ErrorReason(st), "EXCEEDS_SHIPPED") << c.name;
    }
  }
}

TEST(ReturnStateMachine, EveryStateAndAction) {
  using S = v1::ReturnStatus;
  const S states[] = {v1::RETURN_STATUS_REQUESTED, v1::RETURN_STATUS_VERIFIED, v1::RETURN_STATUS_APPROVED,
                      v1::RETURN_STATUS_REJECTED,  v1::RETURN_STATUS_RECEIVED, v1::RETURN_STATUS_CANCELLED};
  const ReturnAction actions[] = {ReturnAction::kVerify, ReturnAction::kApprove, ReturnAction::kReject,
                                  ReturnAction::kCancel, ReturnAction::kReceive};
  std::set<std::pair<S, ReturnAction>> allowed = {
      {v1::RETURN_STATUS_REQUESTED, ReturnAction::kVerify}, {v1::RETURN_STATUS_REQUESTED, ReturnAction::kReject},
      {v1::RETURN_STATUS_REQUESTED, ReturnAction::kCancel}, {v1::RETURN_STATUS_VERIFIED, ReturnAction::kApprove},
      {v1::RETURN_STATUS_VERIFIED, ReturnAction::kReject},  {v1::RETURN_STATUS_VERIFIED, ReturnAction::kCancel},
      {v1::RETURN_STATUS_APPROVED, ReturnAction::kReceive}, {v1::RETURN_STATUS_APPROVED, ReturnAction::kCancel},
  };
  for (S s : states) {
    for (ReturnAction a : actions) {
      absl::Status st = CheckReturnAction(s, a);
      if (allowed.count({s, a})) {
        EXPECT_THAT(st, IsOk()) << v1::ReturnStatus_Name(s) << " " << static_cast<int>(a);
      } else {
        EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition))
            << v1::ReturnStatus_Name(s) << " " << static_cast<int>(a);
        EXPECT_EQ(ErrorReason(st), "RETURN_WRONG_STATE");
      }
    }
  }
  EXPECT_EQ(ReturnStatusAfter(ReturnAction::kVerify, false), v1::RETURN_STATUS_VERIFIED);
  EXPECT_EQ(ReturnStatusAfter(ReturnAction::kVerify, true), v1::RETURN_STATUS_REJECTED);
  EXPECT_EQ(ReturnStatusAfter(ReturnAction::kReceive), v1::RETURN_STATUS_RECEIVED);
}

TEST(ReturnConditions, WhereGoodsGo) {
  EXPECT_FALSE(GoesToQuarantine(v1::ITEM_CONDITION_INTACT));
  EXPECT_TRUE(GoesToQuarantine(v1::ITEM_CONDITION_DAMAGED));
  EXPECT_TRUE(GoesToQuarantine(v1::ITEM_CONDITION_DEFECTIVE));
  EXPECT_FALSE(Acceptable(v1::ITEM_CONDITION_NOT_GENUINE));
  EXPECT_FALSE(Acceptable(v1::ITEM_CONDITION_UNSPECIFIED));
  EXPECT_THAT(CheckVerification(5, 5, v1::ITEM_CONDITION_INTACT, "lines[0]"), IsOk());
  EXPECT_THAT(CheckVerification(5, 0, v1::ITEM_CONDITION_NOT_GENUINE, "lines[0]"), IsOk());
  EXPECT_THAT(CheckVerification(5, 6, v1::ITEM_CONDITION_INTACT, "lines[0]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckVerification(5, 2, v1::ITEM_CONDITION_UNSPECIFIED, "lines[0]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DocumentPrinting, OriginalOnceThenOnlyApprovedDuplicates) {
  struct Case {
    const char* name;
    int32_t print_count;
    std::optional<OfferedReprint> reprint;
    const char* reason;  // "" = allowed
    int32_t copy;
    bool duplicate;
  };
  const Case cases[] = {
      {"first print", 0, std::nullopt, "", 1, false},
      {"first print ignores an offered reprint", 0, OfferedReprint{9, 7, v1::REPRINT_REQUEST_STATUS_APPROVED}, "", 1,
       false},
      {"second print without approval", 1, std::nullopt, "ALREADY_PRINTED", 0, false},
      {"second print with approval", 1, OfferedReprint{9, 7, v1::REPRINT_REQUEST_STATUS_APPROVED}, "", 2, true},
      {"third print", 2, OfferedReprint{10, 7, v1::REPRINT_REQUEST_STATUS_APPROVED}, "", 3, true},
      {"pending reprint", 1, OfferedReprint{9, 7, v1::REPRINT_REQUEST_STATUS_PENDING_APPROVAL}, "REPRINT_NOT_APPROVED",
       0, false},
      {"used reprint", 2, OfferedReprint{9, 7, v1::REPRINT_REQUEST_STATUS_USED}, "REPRINT_NOT_APPROVED", 0, false},
      {"rejected reprint", 1, OfferedReprint{9, 7, v1::REPRINT_REQUEST_STATUS_REJECTED}, "REPRINT_NOT_APPROVED", 0,
       false},
      {"another document's reprint", 1, OfferedReprint{9, 8, v1::REPRINT_REQUEST_STATUS_APPROVED},
       "REPRINT_NOT_FOR_DOCUMENT", 0, false},
  };
  for (const auto& c : cases) {
    auto d = DecidePrint(7, c.print_count, c.reprint ? &*c.reprint : nullptr);
    if (std::string(c.reason).empty()) {
      ASSERT_TRUE(d.ok()) << c.name << ": " << d.status();
      EXPECT_EQ(d->copy_number, c.copy) << c.name;
      EXPECT_EQ(d->duplicate, c.duplicate) << c.name;
      EXPECT_EQ(d->consumes_reprint, c.duplicate) << c.name;
    } else {
      EXPECT_THAT(d, StatusIs(absl::StatusCode::kFailedPrecondition)) << c.name;
      EXPECT_EQ(ErrorReason(d.status()), c.reason) << c.name;
    }
  }
}

TEST(DocumentPrinting, ReprintRequestsAndRendering) {
  EXPECT_EQ(ErrorReason(CheckReprintRequest(0, false)), "NEVER_PRINTED");
  EXPECT_EQ(ErrorReason(CheckReprintRequest(1, true)), "REPRINT_PENDING");
  EXPECT_THAT(CheckReprintRequest(1, false), IsOk());
  EXPECT_THAT(CheckReprintAction(v1::REPRINT_REQUEST_STATUS_PENDING_APPROVAL, ReprintAction::kApprove), IsOk());
  for (auto s :
       {v1::REPRINT_REQUEST_STATUS_APPROVED, v1::REPRINT_REQUEST_STATUS_REJECTED, v1::REPRINT_REQUEST_STATUS_USED}) {
    EXPECT_EQ(ErrorReason(CheckReprintAction(s, ReprintAction::kReject)), "REPRINT_NOT_PENDING");
  }
  DocumentContent c;
  c.type = v1::DOCUMENT_TYPE_PICKUP_CERTIFICATE;
  c.document_number = "PU-2026-000001";
  c.lines.push_back({"SKU-1", 4});
  std::string original = RenderDocument(c, {1, false, false});
  std::string copy = RenderDocument(c, {2, true, true});
  EXPECT_THAT(original, ::testing::HasSubstr("提货证明单"));
  EXPECT_THAT(original, ::testing::Not(::testing::HasSubstr("DUPLICATE")));
  EXPECT_THAT(copy, ::testing::HasSubstr("副本 DUPLICATE — copy 2"));
  EXPECT_THAT(copy, ::testing::HasSubstr("SKU-1\t4"));
}

}  // namespace
}  // namespace sales::orders
