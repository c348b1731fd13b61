// Complaint lifecycle (domain.md §4 "Complaints"; seed 001 第五章): every
// state × action, allowed or refused, with and without escalation and a
// handler — the full table, so no transition is left untested.
#include "customers-svc/domain/complaints.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::customers {
namespace {

using ::sales::testing::StatusIs;

constexpr auto OPEN = v1::COMPLAINT_STATUS_OPEN;
constexpr auto WIP = v1::COMPLAINT_STATUS_IN_PROGRESS;
constexpr auto ESC = v1::COMPLAINT_STATUS_ESCALATED;
constexpr auto RES = v1::COMPLAINT_STATUS_RESOLVED;
constexpr auto CLO = v1::COMPLAINT_STATUS_CLOSED;
constexpr auto NO = v1::COMPLAINT_STATUS_UNSPECIFIED;  // refused

using Act = ComplaintAction;

struct Row {
  v1::ComplaintStatus from;
  bool escalated;
  bool handler;
  Act action;
  v1::ComplaintStatus want;  // NO = FAILED_PRECONDITION
};

TEST(ComplaintLifecycle, EveryStateAndAction) {
  const std::vector<Row> rows = {
      // OPEN (never escalated, no handler yet).
      {OPEN, false, false, Act::kAssign, WIP},
      {OPEN, false, false, Act::kEscalate, ESC},
      {OPEN, false, false, Act::kResolve, RES},
      {OPEN, false, false, Act::kClose, NO},
      {OPEN, false, false, Act::kReopen, NO},
      // IN_PROGRESS with a handler.
      {WIP, false, true, Act::kAssign, WIP},  // another handler
      {WIP, false, true, Act::kEscalate, ESC},
      {WIP, false, true, Act::kResolve, RES},
      {WIP, false, true, Act::kClose, NO},
      {WIP, false, true, Act::kReopen, NO},
      // IN_PROGRESS after a reopen of a once-escalated complaint cannot
      // happen (reopen returns it to ESCALATED), but the flag alone refuses
      // a second escalation.
      {WIP, true, true, Act::kEscalate, NO},
      // ESCALATED (with or without a handler).
      {ESC, true, false, Act::kAssign, ESC},  // the director names a handler; it stays the director's
      {ESC, true, true, Act::kAssign, ESC},
      {ESC, true, false, Act::kEscalate, NO},
      {ESC, true, false, Act::kResolve, RES},
      {ESC, true, false, Act::kClose, NO},
      {ESC, true, false, Act::kReopen, NO},
      // RESOLVED.
      {RES, false, true, Act::kAssign, NO},
      {RES, false, true, Act::kEscalate, NO},
      {RES, false, true, Act::kResolve, NO},
      {RES, false, true, Act::kClose, CLO},
      {RES, false, true, Act::kReopen, WIP},
      {RES, false, false, Act::kReopen, OPEN},  // resolved by the manager without a handler
      {RES, true, true, Act::kReopen, ESC},
      // CLOSED.
      {CLO, false, true, Act::kAssign, NO},
      {CLO, false, true, Act::kEscalate, NO},
      {CLO, false, true, Act::kResolve, NO},
      {CLO, false, true, Act::kClose, NO},
      {CLO, false, true, Act::kReopen, WIP},
      {CLO, false, false, Act::kReopen, OPEN},
      {CLO, true, false, Act::kReopen, ESC},
      // Not a state at all.
      {NO, false, false, Act::kAssign, NO},
      {NO, false, false, Act::kReopen, NO},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(v1::ComplaintStatus_Name(r.from)) + " " + std::string(ComplaintActionName(r.action)) +
                 (r.escalated ? " escalated" : "") + (r.handler ? " handled" : ""));
    auto next = NextComplaintStatus({r.from, r.escalated, r.handler}, r.action);
    if (r.want == NO) {
      EXPECT_THAT(next.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
      EXPECT_EQ(ErrorReason(next.status()), "COMPLAINT_STATE");
    } else {
      ASSERT_TRUE(next.ok()) << next.status();
      EXPECT_EQ(*next, r.want);
    }
  }
}

TEST(ComplaintLifecycle, SeriousOnesStartWithTheDirector) {
  EXPECT_EQ(InitialComplaintStatus(v1::COMPLAINT_SEVERITY_MINOR), OPEN);
  EXPECT_EQ(InitialComplaintStatus(v1::COMPLAINT_SEVERITY_MAJOR), OPEN);
  EXPECT_EQ(InitialComplaintStatus(v1::COMPLAINT_SEVERITY_SERIOUS), ESC);
  EXPECT_FALSE(EscalatesOnRecord(v1::COMPLAINT_SEVERITY_MAJOR));
  EXPECT_TRUE(EscalatesOnRecord(v1::COMPLAINT_SEVERITY_SERIOUS));
}

TEST(ComplaintLifecycle, OpenMeansNotClosed) {
  EXPECT_TRUE(IsOpenComplaint(OPEN));
  EXPECT_TRUE(IsOpenComplaint(WIP));
  EXPECT_TRUE(IsOpenComplaint(ESC));
  EXPECT_TRUE(IsOpenComplaint(RES));
  EXPECT_FALSE(IsOpenComplaint(CLO));
  EXPECT_FALSE(IsOpenComplaint(NO));
}

}  // namespace
}  // namespace sales::customers
