// The negotiation state machine, every allowed and refused transition, and
// the revision rule.
#include "targets-svc/domain/negotiation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "platform/status.h"
#include "targets-svc/domain/roster.h"
#include "tests/testing/status_matchers.h"

namespace sales::targets {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;

using PS = v1::PlanState;
using AS = v1::AssignmentState;

TEST(PlanStateMachine, EveryStateActionAndMode) {
  const std::vector<PS> states = {v1::PLAN_STATE_DRAFT, v1::PLAN_STATE_ISSUED, v1::PLAN_STATE_SIGNED,
                                  v1::PLAN_STATE_SUPERSEDED, v1::PLAN_STATE_CANCELLED};
  const std::vector<PlanAction> actions = {PlanAction::kUpdate,  PlanAction::kDecompose, PlanAction::kIssue,
                                           PlanAction::kRespond, PlanAction::kRevise,    PlanAction::kRequestReduction,
                                           PlanAction::kSign,    PlanAction::kCancel,    PlanAction::kAmend};
  // The allowed (state, action, directive?) triples; everything else refused.
  std::set<std::tuple<PS, PlanAction, bool>> allowed;
  for (bool directive : {false, true}) {
    for (auto a : {PlanAction::kUpdate, PlanAction::kDecompose, PlanAction::kIssue, PlanAction::kCancel}) {
      allowed.insert({v1::PLAN_STATE_DRAFT, a, directive});
    }
    for (auto a : {PlanAction::kRevise, PlanAction::kSign, PlanAction::kCancel}) {
      allowed.insert({v1::PLAN_STATE_ISSUED, a, directive});
    }
    allowed.insert({v1::PLAN_STATE_SIGNED, PlanAction::kAmend, directive});
  }
  // Feedback only in negotiated mode.
  allowed.insert({v1::PLAN_STATE_ISSUED, PlanAction::kRespond, false});
  allowed.insert({v1::PLAN_STATE_ISSUED, PlanAction::kRequestReduction, false});

  for (PS s : states) {
    for (PlanAction a : actions) {
      for (bool directive : {false, true}) {
        auto mode = directive ? v1::PLAN_MODE_DIRECTIVE : v1::PLAN_MODE_NEGOTIATED;
        absl::Status st = CheckPlanAction(s, mode, a);
        if (allowed.count({s, a, directive})) {
          EXPECT_THAT(st, IsOk()) << v1::PlanState_Name(s) << " action " << static_cast<int>(a);
        } else {
          EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition))
              << v1::PlanState_Name(s) << " action " << static_cast<int>(a) << " directive " << directive;
        }
      }
    }
  }
}

TEST(PlanStateMachine, SignedPlanIsImmutable) {
  for (auto a : {PlanAction::kUpdate, PlanAction::kDecompose, PlanAction::kRevise, PlanAction::kCancel}) {
    absl::Status st = CheckPlanAction(v1::PLAN_STATE_SIGNED, v1::PLAN_MODE_NEGOTIATED, a);
    EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(ErrorReason(st), "PLAN_STATE");
  }
}

TEST(AssignmentStateMachine, EveryTransition) {
  const std::vector<AS> states = {v1::ASSIGNMENT_STATE_DRAFT, v1::ASSIGNMENT_STATE_ISSUED,
                                  v1::ASSIGNMENT_STATE_ACCEPTED, v1::ASSIGNMENT_STATE_COUNTER_PROPOSED,
                                  v1::ASSIGNMENT_STATE_SIGNED};
  const std::map<std::pair<AS, AssignmentAction>, AS> allowed = {
      {{v1::ASSIGNMENT_STATE_DRAFT, AssignmentAction::kIssue}, v1::ASSIGNMENT_STATE_ISSUED},
      {{v1::ASSIGNMENT_STATE_ISSUED, AssignmentAction::kAccept}, v1::ASSIGNMENT_STATE_ACCEPTED},
      {{v1::ASSIGNMENT_STATE_ISSUED, AssignmentAction::kCounter}, v1::ASSIGNMENT_STATE_COUNTER_PROPOSED},
      {{v1::ASSIGNMENT_STATE_COUNTER_PROPOSED, AssignmentAction::kDeclineCounter}, v1::ASSIGNMENT_STATE_ISSUED},
      {{v1::ASSIGNMENT_STATE_ISSUED, AssignmentAction::kRevise}, v1::ASSIGNMENT_STATE_ISSUED},
      {{v1::ASSIGNMENT_STATE_ACCEPTED, AssignmentAction::kRevise}, v1::ASSIGNMENT_STATE_ISSUED},
      {{v1::ASSIGNMENT_STATE_COUNTER_PROPOSED, AssignmentAction::kRevise}, v1::ASSIGNMENT_STATE_ISSUED},
      {{v1::ASSIGNMENT_STATE_ISSUED, AssignmentAction::kSign}, v1::ASSIGNMENT_STATE_SIGNED},
      {{v1::ASSIGNMENT_STATE_ACCEPTED, AssignmentAction::kSign}, v1::ASSIGNMENT_STATE_SIGNED},
  };
  for (AS s : states) {
    for (auto a : {AssignmentAction::kIssue, AssignmentAction::kAccept, AssignmentAction::kCounter,
                   AssignmentAction::kDeclineCounter, AssignmentAction::kRevise, AssignmentAction::kSign}) {
      auto next = NextAssignmentState(s, a);
      auto it = allowed.find({s, a});
      if (it != allowed.end()) {
        ASSERT_THAT(next.status(), IsOk()) << v1::AssignmentState_Name(s);
        EXPECT_EQ(*next, it->second);
      } else {
        EXPECT_THAT(next.status(), StatusIs(absl::StatusCode::kFailedPrecondition))
            << v1::AssignmentState_Name(s) << " action " << static_cast<int>(a);
      }
    }
  }
}

TEST(SignOff, NegotiatedNeedsEveryAcceptanceDirectiveDoesNot) {
  EXPECT_THAT(CheckCanSign(v1::PLAN_MODE_NEGOTIATED, 0, 0), IsOk());
  EXPECT_EQ(ErrorReason(CheckCanSign(v1::PLAN_MODE_NEGOTIATED, 1, 0)), "NOT_ALL_ACCEPTED");
  EXPECT_EQ(ErrorReason(CheckCanSign(v1::PLAN_MODE_NEGOTIATED, 0, 1)), "NOT_ALL_ACCEPTED");
  EXPECT_THAT(CheckCanSign(v1::PLAN_MODE_DIRECTIVE, 5, 0), IsOk());
}

struct RevisionCase {
  int64_t parent;
  std::vector<int64_t> after;
  absl::StatusCode code;
};

class RevisionRule : public ::testing::TestWithParam<RevisionCase> {};

TEST_P(RevisionRule, ParentMustHold) {
  EXPECT_THAT(CheckRevisionHoldsParent(GetParam().parent, GetParam().after), StatusIs(GetParam().code));
}

INSTANTIATE_TEST_SUITE_P(Cases, RevisionRule,
                         ::testing::Values(
                             // Lower one rep by 100, raise a sibling by 100: the parent holds.
                             RevisionCase{1000, {400, 600}, absl::StatusCode::kOk},
                             // Lower one rep without raising anyone: the parent would change.
                             RevisionCase{1000, {400, 500}, absl::StatusCode::kFailedPrecondition},
                             // Raising beyond the parent is refused too.
                             RevisionCase{1000, {500, 501}, absl::StatusCode::kFailedPrecondition},
                             RevisionCase{0, {0, 0}, absl::StatusCode::kOk},
                             RevisionCase{10, {11, -1}, absl::StatusCode::kInvalidArgument}));

TEST(RevisionRule, SaysHowMuchIsMissing) {
  absl::Status st = CheckRevisionHoldsParent(1000, {400, 500});
  EXPECT_EQ(ErrorReason(st), "REVISION_CHANGES_PARENT");
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("raise other parts by 100"));
}

TEST(Rescale, KeepsProportionsAndConserves) {
  // 300:200:100 rescaled to 1000 → 500, 333.3, 166.7 → 500, 333, 167.
  EXPECT_THAT(*RescaleChildren(1000, {300, 200, 100}), ElementsAre(500, 333, 167));
  // All zero before: equal shares.
  EXPECT_THAT(*RescaleChildren(10, {0, 0, 0}), ElementsAre(4, 3, 3));
  EXPECT_TRUE(RescaleChildren(5, {})->empty());
}

TEST(CounterProposal, NeedsReasonAndADifferentFigure) {
  EXPECT_THAT(ValidateCounterProposal(1000, 800, "new competitor in the district"), IsOk());
  auto st = ValidateCounterProposal(1000, 1000, "");
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(st).size(), 2u);
  EXPECT_THAT(ValidateCounterProposal(1000, -1, "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace sales::targets

namespace sales::targets {
namespace {

TEST(RepStatusMachine, EveryTransition) {
  using S = v1::RepStatus;
  const std::map<std::pair<S, RepStatusAction>, S> allowed = {
      {{v1::REP_STATUS_PROBATION, RepStatusAction::kActivate}, v1::REP_STATUS_ACTIVE},
      {{v1::REP_STATUS_ON_LEAVE, RepStatusAction::kActivate}, v1::REP_STATUS_ACTIVE},
      {{v1::REP_STATUS_PROBATION, RepStatusAction::kPlaceOnLeave}, v1::REP_STATUS_ON_LEAVE},
      {{v1::REP_STATUS_ACTIVE, RepStatusAction::kPlaceOnLeave}, v1::REP_STATUS_ON_LEAVE},
      {{v1::REP_STATUS_PROBATION, RepStatusAction::kOffboard}, v1::REP_STATUS_LEFT},
      {{v1::REP_STATUS_ACTIVE, RepStatusAction::kOffboard}, v1::REP_STATUS_LEFT},
      {{v1::REP_STATUS_ON_LEAVE, RepStatusAction::kOffboard}, v1::REP_STATUS_LEFT},
  };
  for (S s : {v1::REP_STATUS_PROBATION, v1::REP_STATUS_ACTIVE, v1::REP_STATUS_ON_LEAVE, v1::REP_STATUS_LEFT}) {
    for (auto a : {RepStatusAction::kActivate, RepStatusAction::kPlaceOnLeave, RepStatusAction::kOffboard}) {
      auto next = NextRepStatus(s, a);
      auto it = allowed.find({s, a});
      if (it != allowed.end()) {
        ASSERT_THAT(next.status(), IsOk());
        EXPECT_EQ(*next, it->second);
      } else {
        EXPECT_THAT(next.status(), StatusIs(absl::StatusCode::kFailedPrecondition))
            << v1::RepStatus_Name(s) << " " << static_cast<int>(a);
      }
    }
  }
}

TEST(OrgTree, MovesThatWouldMakeACycleAreRefused) {
  // Tree 1 → 2 → 3 → 4. Moving 2 under 4 (whose ancestors are 3, 2, 1) cycles.
  EXPECT_EQ(ErrorReason(CheckNoCycle(2, 4, {3, 2, 1})), "ORG_CYCLE");
  EXPECT_EQ(ErrorReason(CheckNoCycle(2, 2, {1})), "ORG_CYCLE");
  EXPECT_THAT(CheckNoCycle(4, 2, {1}), IsOk());
}

}  // namespace
}  // namespace sales::targets
