// Duty rotation of customers-svc (domain.md §4 "Duty rotation"; seed 001
// 轮值制度, 补客户): sequences of leads, absences, make-up grants and member
// changes, each step's expected rep worked out by hand in the comment next to
// it. Reps are A=101, B=102, C=103, D=104, members in that order.
#include "customers-svc/domain/rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::customers {

// Readable failures for the skip lists.
void PrintTo(const Skip& s, std::ostream* os) {
  *os << "{rep " << s.rep_id << ", absence " << s.absence << ", reason " << static_cast<int>(s.reason) << "}";
}

namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr int64_t A = 101, B = 102, C = 103, D = 104;
constexpr auto P = v1::ABSENCE_KIND_PERSONAL;
constexpr auto Co = v1::ABSENCE_KIND_COMPANY;
constexpr auto kRot = v1::LEAD_OUTCOME_ASSIGNED_BY_ROTATION;
constexpr auto kBank = v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN;
constexpr auto kMake = v1::LEAD_OUTCOME_ASSIGNED_BY_MAKE_UP_TURN;

Skip Lost(int64_t rep) { return {rep, P, SkipReason::kTurnLost}; }
Skip Banked(int64_t rep) { return {rep, Co, SkipReason::kTurnBanked}; }
Skip Waits(int64_t rep, v1::AbsenceKind k) { return {rep, k, SkipReason::kOwedTurnWaits}; }

enum class Op { kLead, kGrant, kDeactivate, kActivate, kRemove };

struct Step {
  Op op = Op::kLead;
  Absences absences;               // kLead
  int64_t rep = 0;                 // kLead: expected assignee; others: the rep acted on
  v1::LeadOutcome outcome = kRot;  // kLead
  std::vector<Skip> skipped;       // kLead
};

Step Lead(int64_t want, v1::LeadOutcome outcome = kRot, Absences absences = {}, std::vector<Skip> skipped = {}) {
  return {Op::kLead, std::move(absences), want, outcome, std::move(skipped)};
}
Step Do(Op op, int64_t rep) { return {op, {}, rep, kRot, {}}; }

struct SequenceCase {
  std::string name;
  std::vector<int64_t> members;
  std::vector<Step> steps;
  size_t want_cursor = 0;
  std::vector<OwedTurn> want_owed;
};

// Runs the steps, checking each lead; PreviewNext must predict every lead.
RotationState RunSequence(const SequenceCase& c) {
  auto made = NewRotation(c.members);
  EXPECT_THAT(made, IsOk());
  RotationState state = *made;
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& s = c.steps[i];
    SCOPED_TRACE("step " + std::to_string(i));
    absl::StatusOr<RotationState> next = state;
    switch (s.op) {
      case Op::kLead: {
        auto preview = PreviewNext(state, s.absences);
        auto got = Assign(state, s.absences);
        EXPECT_THAT(got, IsOk());
        if (!got.ok()) return state;
        EXPECT_EQ(got->rep_id, s.rep);
        EXPECT_EQ(got->outcome, s.outcome);
        EXPECT_THAT(got->skipped, ElementsAreArray(s.skipped));
        EXPECT_THAT(preview, IsOk());
        if (preview.ok()) {
          EXPECT_EQ(preview->rep_id, got->rep_id);
          EXPECT_EQ(preview->outcome, got->outcome);
          EXPECT_EQ(preview->skipped, got->skipped);
          EXPECT_EQ(preview->state, state);  // a preview changes nothing
        }
        next = got->state;
        break;
      }
      case Op::kGrant:
        next = GrantMakeUpTurn(state, s.rep);
        break;
      case Op::kDeactivate:
        next = SetMemberActive(state, s.rep, false);
        break;
      case Op::kActivate:
        next = SetMemberActive(state, s.rep, true);
        break;
      case Op::kRemove:
        next = RemoveMember(state, s.rep);
        break;
    }
    EXPECT_THAT(next, IsOk());
    if (!next.ok()) return state;
    state = *next;
  }
  return state;
}

class RotationSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(RotationSequenceTest, AssignsInTurn) {
  const SequenceCase& c = GetParam();
  RotationState end = RunSequence(c);
  EXPECT_EQ(end.cursor, c.want_cursor);
  EXPECT_EQ(end.owed, c.want_owed);
}

std::vector<SequenceCase> Sequences() {
  return {
      // Six leads over three reps: A B C A B C, the cursor back on A (6 % 3 = 0).
      {"PlainRoundRobin", {A, B, C}, {Lead(A), Lead(B), Lead(C), Lead(A), Lead(B), Lead(C)}, 0, {}},
      // One rep only: every lead is theirs, cursor (0 + 1) % 1 = 0.
      {"SingleMember", {A}, {Lead(A), Lead(A), Lead(A)}, 0, {}},
      // A out privately on lead 1: A's turn lost, B takes it (cursor → C).
      // Lead 2 goes to C, not back to A; A's turn only comes again on lead 3.
      {"PersonalAbsenceLosesTurn", {A, B, C}, {Lead(B, kRot, {{A, P}}, {Lost(A)}), Lead(C), Lead(A), Lead(B)}, 2, {}},
      // A still out privately on lead 4 (cursor back on A): lost again,
      // B takes it. Nothing is ever owed for a personal absence.
      {"PersonalAbsenceTwiceNothingOwed",
       {A, B, C},
       {Lead(B, kRot, {{A, P}}, {Lost(A)}), Lead(C), Lead(B, kRot, {{A, P}}, {Lost(A)}), Lead(C), Lead(A)},
       1,
       {}},
      // A out on company business on lead 1: banked, B takes it (cursor → C).
      // Lead 2, A still out: the owed turn waits, C takes the regular turn
      // (cursor wraps to A). Lead 3, A back: served first from the bank,
      // cursor stays on A. Lead 4: A's regular turn (cursor → B). Lead 5: B.
      {"CompanyAbsenceKeepsTurn",
       {A, B, C},
       {Lead(B, kRot, {{A, Co}}, {Banked(A)}), Lead(C, kRot, {{A, Co}}, {Waits(A, Co)}), Lead(A, kBank), Lead(A),
        Lead(B)},
       2,
       {}},
      // A out on company business for two rounds: lead 1 banks one (B takes
      // it), lead 2 C, lead 3 wraps to A again → second bank, B takes it
      // (the first owed turn waits first). Back: lead 4 and 5 are A's two
      // banked turns, then the regular order resumes at C.
      {"CompanyAbsenceTwoRoundsBanksTwo",
       {A, B, C},
       {Lead(B, kRot, {{A, Co}}, {Banked(A)}), Lead(C, kRot, {{A, Co}}, {Waits(A, Co)}),
        Lead(B, kRot, {{A, Co}}, {Waits(A, Co), Banked(A)}), Lead(A, kBank), Lead(A, kBank), Lead(C)},
       0,
       {}},
      // A and B both out on company business on lead 1: both banked in order
      // A, B; C takes it (cursor → D). Lead 2: A still out (waits), B back →
      // B's banked turn (queue order is earning order, but only present reps
      // are served). Lead 3: A back → A's banked turn. Lead 4: regular D.
      // Lead 5: wrap to A.
      {"TwoOwedTurnsOrder",
       {A, B, C, D},
       {Lead(C, kRot, {{A, Co}, {B, Co}}, {Banked(A), Banked(B)}), Lead(B, kBank, {{A, Co}}, {Waits(A, Co)}),
        Lead(A, kBank), Lead(D), Lead(A)},
       1,
       {}},
      // Both back at once: first earned, first served (A then B), then D.
      {"TwoOwedTurnsBothBackFifo",
       {A, B, C, D},
       {Lead(C, kRot, {{A, Co}, {B, Co}}, {Banked(A), Banked(B)}), Lead(A, kBank), Lead(B, kBank), Lead(D)},
       0,
       {}},
      // Lead 1 → A (cursor → B). Manager approves A's market-survey report:
      // make-up turn. Lead 2 → A (make-up), cursor untouched on B. Lead 3 → B.
      {"MakeUpTurnAfterApproval", {A, B, C}, {Lead(A), Do(Op::kGrant, A), Lead(A, kMake), Lead(B), Lead(C)}, 0, {}},
      // Lead 1 → A. Lead 2: B out on company business → banked, C takes it
      // (cursor → A). Make-up for A granted after B's bank: queue [B bank,
      // A make-up]. Lead 3 → B (earned first), lead 4 → A (make-up), lead 5
      // → A's regular turn (cursor → B).
      {"BankedBeforeMakeUpFifo",
       {A, B, C},
       {Lead(A), Lead(C, kRot, {{B, Co}}, {Banked(B)}), Do(Op::kGrant, A), Lead(B, kBank), Lead(A, kMake), Lead(A)},
       1,
       {}},
      // Make-up for C while C is out privately: the make-up waits (an earned
      // turn is not lost to a later absence), the regular turn goes to A; C's
      // regular turn is not reached. Lead 2, C back → C (make-up).
      {"MakeUpWaitsForAbsentRep",
       {A, B, C},
       {Do(Op::kGrant, C), Lead(A, kRot, {{C, P}}, {Waits(C, P)}), Lead(C, kMake), Lead(B), Lead(C)},
       0,
       {}},
      // Wrap-around with losses: lead 1 A, lead 2 B (cursor → C). Lead 3: C
      // and A out privately: C lost, wrap to A lost, B takes it, cursor
      // (1 + 1) % 3 = 2 → C. Lead 4 → C.
      {"CursorWrapsPastAbsentees",
       {A, B, C},
       {Lead(A), Lead(B), Lead(B, kRot, {{C, P}, {A, P}}, {Lost(C), Lost(A)}), Lead(C)},
       0,
       {}},
      // Wrap-around with a bank: cursor on C after two leads; C out on
      // company business → banked, wrap to A, cursor → B; C owed.
      {"CursorWrapsPastBankedRep",
       {A, B, C},
       {Lead(A), Lead(B), Lead(A, kRot, {{C, Co}}, {Banked(C)})},
       1,
       {{C, OwedTurnKind::kBanked}}},
      // Lead 1 → A (cursor on B). B leaves the rotation (inactive): skipped
      // silently, nothing lost or owed. Lead 2 → C (cursor → A), lead 3 → A,
      // lead 4 → C (cursor (2 + 1) % 3 = 0). B comes back: lead 5 → A,
      // lead 6 → B (cursor → 2).
      {"MemberDeactivatedMidRotation",
       {A, B, C},
       {Lead(A), Do(Op::kDeactivate, B), Lead(C), Lead(A), Lead(C), Do(Op::kActivate, B), Lead(A), Lead(B)},
       2,
       {}},
      // A, B, C, D; leads A, B (cursor 2 = C). Remove B (index 1 < 2): cursor
      // 1, still C. Leads C, D, A, C... members now A C D: C, D, A, C.
      {"MemberRemovedBeforeCursor",
       {A, B, C, D},
       {Lead(A), Lead(B), Do(Op::kRemove, B), Lead(C), Lead(D), Lead(A), Lead(C)},
       2,
       {}},
      // Lead A (cursor 1 = B). Remove B, the one at the cursor: cursor 1 now
      // names C, the next in order. Leads C, A.
      {"MemberRemovedAtCursor", {A, B, C}, {Lead(A), Do(Op::kRemove, B), Lead(C), Lead(A)}, 1, {}},
      // Leads A, B (cursor 2 = C). Remove C, the last: cursor 2 >= 2 wraps to
      // 0 → A. Leads A, B.
      {"LastMemberRemovedWrapsCursor", {A, B, C}, {Lead(A), Lead(B), Do(Op::kRemove, C), Lead(A), Lead(B)}, 0, {}},
      // Lead 1 → A. Lead 2: B out on company business → banked, C (cursor →
      // 0). Remove B (index 1, after the cursor: cursor stays 0): their owed
      // turn is dropped, so lead 3 goes to A by rotation (cursor → 1).
      {"RemovedMemberOwedTurnDropped",
       {A, B, C},
       {Lead(A), Lead(C, kRot, {{B, Co}}, {Banked(B)}), Do(Op::kRemove, B), Lead(A)},
       1,
       {}},
      // B banked, then deactivated: the owed turn stays queued but is not
      // served (lead 3 → A by rotation); reactivated, lead 4 → B (banked).
      {"InactiveMemberOwedTurnKept",
       {A, B, C},
       {Lead(A), Lead(C, kRot, {{B, Co}}, {Banked(B)}), Do(Op::kDeactivate, B), Lead(A), Do(Op::kActivate, B),
        Lead(B, kBank), Lead(B)},
       2,
       {}},
      // Absences of reps outside the rotation are ignored.
      {"AbsenceOfNonMemberIgnored", {A, B}, {Lead(A, kRot, {{999, P}}), Lead(B)}, 0, {}},
  };
}

INSTANTIATE_TEST_SUITE_P(Sequences, RotationSequenceTest, ::testing::ValuesIn(Sequences()),
                         [](const auto& info) { return info.param.name; });

// Nobody can take the lead: FAILED_PRECONDITION, and the state given back is
// untouched — no turn was lost or banked for a lead nobody took.
struct NobodyCase {
  std::string name;
  std::vector<int64_t> members;
  std::vector<int64_t> inactive;
  std::vector<int64_t> make_up_for;
  Absences absences;
};

class RotationNobodyTest : public ::testing::TestWithParam<NobodyCase> {};

TEST_P(RotationNobodyTest, FailsWithoutChange) {
  const NobodyCase& c = GetParam();
  SALES_ASSERT_OK_AND_ASSIGN(RotationState state, NewRotation(c.members));
  for (int64_t rep : c.make_up_for) {
    SALES_ASSERT_OK_AND_ASSIGN(state, GrantMakeUpTurn(state, rep));
  }
  for (int64_t rep : c.inactive) {
    SALES_ASSERT_OK_AND_ASSIGN(state, SetMemberActive(state, rep, false));
  }
  EXPECT_THAT(Assign(state, c.absences), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(PreviewNext(state, c.absences), StatusIs(absl::StatusCode::kFailedPrecondition));
}

INSTANTIATE_TEST_SUITE_P(Nobody, RotationNobodyTest,
                         ::testing::ValuesIn(std::vector<NobodyCase>{
                             {"EveryoneAwayMixed", {A, B, C}, {}, {}, {{A, P}, {B, Co}, {C, P}}},
                             {"EveryoneOnCompanyBusiness", {A, B}, {}, {}, {{A, Co}, {B, Co}}},
                             {"OnlyMemberAway", {A}, {}, {}, {{A, P}}},
                             {"ActiveOnesAwayRestInactive", {A, B, C}, {B, C}, {}, {{A, Co}}},
                             {"AllInactive", {A, B}, {A, B}, {}, {}},
                             // An owed turn does not help while its rep is away too.
                             {"OwedRepAwayToo", {A, B}, {}, {A}, {{A, P}, {B, Co}}},
                             // Nor while its rep is inactive.
                             {"OwedRepInactive", {A, B}, {A}, {A}, {{B, P}}},
                         }),
                         [](const auto& info) { return info.param.name; });

TEST(RotationTest, FailedAssignmentBanksNothing) {
  // All away on company business: had the scan banked A and B before failing,
  // the next lead would be A's banked turn. It is A by plain rotation instead.
  SALES_ASSERT_OK_AND_ASSIGN(RotationState state, NewRotation({A, B}));
  EXPECT_THAT(Assign(state, {{A, Co}, {B, Co}}), StatusIs(absl::StatusCode::kFailedPrecondition));
  SALES_ASSERT_OK_AND_ASSIGN(Assignment got, Assign(state, {}));
  EXPECT_EQ(got.rep_id, A);
  EXPECT_EQ(got.outcome, kRot);
  EXPECT_THAT(got.state.owed, IsEmpty());
}

TEST(RotationTest, Deterministic) {
  // The same sequence run twice from the same state ends in equal states and
  // equal assignments at every step.
  const std::vector<Absences> leads = {{}, {{A, Co}}, {{A, Co}, {C, P}}, {}, {{B, P}}, {}, {{D, Co}},
                                       {}, {},        {{A, P}, {B, P}}};
  auto run = [&] {
    std::vector<int64_t> reps;
    RotationState state = *NewRotation({A, B, C, D});
    for (size_t i = 0; i < leads.size(); ++i) {
      if (i == 5) state = *GrantMakeUpTurn(state, C);
      auto got = Assign(state, leads[i]);
      EXPECT_THAT(got, IsOk());
      reps.push_back(got->rep_id);
      state = got->state;
    }
    return std::make_pair(reps, state);
  };
  auto first = run();
  auto second = run();
  EXPECT_EQ(first.first, second.first);
  EXPECT_EQ(first.second, second.second);
  // By hand: 1 A (cursor → B); 2 cursor on B, A's absence not reached: B
  // (→ C); 3 C personal lost, D (→ A); 4 A (→ B); 5 B personal lost, C
  // (→ D); grant C; 6 C make-up; 7 D company banked, wrap to A (→ B); 8 D's
  // banked turn; 9 B (→ C); 10 A, B away but not reached: C (→ D).
  EXPECT_THAT(first.first, ElementsAre(A, B, D, A, C, C, A, D, B, C));
  EXPECT_EQ(first.second.cursor, 3u);
  EXPECT_THAT(first.second.owed, IsEmpty());
}

TEST(RotationTest, OwedTurnCounts) {
  // B banked twice (two rounds out on company business), A one make-up.
  // Lead 1 A (→B); lead 2 B banked, C (→A); lead 3 B waits, A (→B);
  // lead 4 B waits, B banked again, C (→A).
  SALES_ASSERT_OK_AND_ASSIGN(RotationState state, NewRotation({A, B, C}));
  const Absences b_out = {{B, Co}};
  for (const Absences& away : {Absences{}, b_out, b_out, b_out}) {
    SALES_ASSERT_OK_AND_ASSIGN(Assignment got, Assign(state, away));
    state = got.state;
  }
  SALES_ASSERT_OK_AND_ASSIGN(state, GrantMakeUpTurn(state, A));
  EXPECT_EQ(BankedTurns(state, B), 2);
  EXPECT_EQ(MakeUpTurns(state, B), 0);
  EXPECT_EQ(BankedTurns(state, A), 0);
  EXPECT_EQ(MakeUpTurns(state, A), 1);
  EXPECT_EQ(BankedTurns(state, C), 0);
  EXPECT_EQ(state.cursor, 0u);
}

TEST(RotationTest, ToSkippedTurn) {
  v1::SkippedTurn lost = ToSkippedTurn(Lost(A));
  EXPECT_EQ(lost.rep_id(), A);
  EXPECT_EQ(lost.absence_kind(), P);
  EXPECT_FALSE(lost.banked());
  EXPECT_TRUE(ToSkippedTurn(Banked(B)).banked());
  EXPECT_TRUE(ToSkippedTurn(Waits(C, P)).banked());  // kept, not lost
}

struct BadStateCase {
  std::string name;
  RotationState state;
  std::string field;
};

class RotationBadStateTest : public ::testing::TestWithParam<BadStateCase> {};

TEST_P(RotationBadStateTest, Refused) {
  const BadStateCase& c = GetParam();
  absl::Status status = ValidateRotation(c.state);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::Contains(c.field));
  EXPECT_THAT(Assign(c.state, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PreviewNext(c.state, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GrantMakeUpTurn(c.state, A), StatusIs(absl::StatusCode::kInvalidArgument));
}

INSTANTIATE_TEST_SUITE_P(BadStates, RotationBadStateTest,
                         ::testing::ValuesIn(std::vector<BadStateCase>{
                             {"NoMembers", {{}, 0, {}}, "members"},
                             {"ZeroRepId", {{{0, true}}, 0, {}}, "members"},
                             {"DuplicateRep", {{{A, true}, {A, true}}, 0, {}}, "members"},
                             {"CursorPastEnd", {{{A, true}, {B, true}}, 2, {}}, "cursor"},
                             {"OwedNonMember", {{{A, true}}, 0, {{B, OwedTurnKind::kBanked}}}, "owed"},
                         }),
                         [](const auto& info) { return info.param.name; });

TEST(RotationTest, BadInputs) {
  EXPECT_THAT(NewRotation({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NewRotation({A, B, A}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NewRotation({A, -1}), StatusIs(absl::StatusCode::kInvalidArgument));
  SALES_ASSERT_OK_AND_ASSIGN(RotationState state, NewRotation({A, B}));
  EXPECT_EQ(state.cursor, 0u);
  EXPECT_THAT(state.owed, IsEmpty());
  // An absence without a kind.
  EXPECT_THAT(Assign(state, {{A, v1::ABSENCE_KIND_UNSPECIFIED}}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GrantMakeUpTurn(state, C), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SetMemberActive(state, C, false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RemoveMember(state, C), StatusIs(absl::StatusCode::kInvalidArgument));
  SALES_ASSERT_OK_AND_ASSIGN(RotationState inactive_b, SetMemberActive(state, B, false));
  EXPECT_THAT(GrantMakeUpTurn(inactive_b, B), StatusIs(absl::StatusCode::kFailedPrecondition));
  SALES_ASSERT_OK_AND_ASSIGN(RotationState only_a, RemoveMember(state, B));
  EXPECT_THAT(RemoveMember(only_a, A), StatusIs(absl::StatusCode::kInvalidArgument));
}

// UpdateRotationMembers: the member list is replaced; the next regular turn
// stays with its member (or passes to the next kept one), owed turns of
// kept members stay in order, those of removed members go.
TEST(RotationTest, ReplaceMembersKeepsTurnsOfKeptMembers) {
  SALES_ASSERT_OK_AND_ASSIGN(RotationState s, NewRotation({A, B, C, D}));
  s.cursor = 2;  // C is next
  s.owed = {{B, OwedTurnKind::kBanked}, {D, OwedTurnKind::kMakeUp}, {B, OwedTurnKind::kMakeUp}};

  // Reorder D, C, A, B: C is still next (now index 1); all owed turns stay.
  SALES_ASSERT_OK_AND_ASSIGN(RotationState r1, ReplaceMembers(s, {{D, true}, {C, true}, {A, true}, {B, true}}));
  EXPECT_EQ(r1.cursor, 1u);
  EXPECT_EQ(r1.owed, s.owed);

  // Remove C (who was next) and D: the turn passes to the first kept member
  // after C in the old order, wrapping: D is gone, so A. D's make-up turn is
  // dropped; B's two stay in order. A new member E joins at the end.
  constexpr int64_t E = 105;
  SALES_ASSERT_OK_AND_ASSIGN(RotationState r2, ReplaceMembers(s, {{B, true}, {A, true}, {E, true}}));
  EXPECT_EQ(r2.members[r2.cursor].rep_id, A);
  EXPECT_THAT(r2.owed, ElementsAre(OwedTurn{B, OwedTurnKind::kBanked}, OwedTurn{B, OwedTurnKind::kMakeUp}));

  // Deactivating keeps the member (and their owed turns) in place; the next
  // lead skips them and serves the owed queue first: B's banked turn.
  SALES_ASSERT_OK_AND_ASSIGN(RotationState r3, ReplaceMembers(s, {{A, true}, {B, true}, {C, false}, {D, true}}));
  EXPECT_EQ(r3.cursor, 2u);
  SALES_ASSERT_OK_AND_ASSIGN(Assignment next, Assign(r3, {}));
  EXPECT_EQ(next.rep_id, B);
  EXPECT_EQ(next.outcome, kBank);

  // Whole new list: nobody kept, cursor at the first; invalid lists refused.
  SALES_ASSERT_OK_AND_ASSIGN(RotationState r4, ReplaceMembers(s, {{E, true}}));
  EXPECT_EQ(r4.cursor, 0u);
  EXPECT_THAT(r4.owed, IsEmpty());
  EXPECT_THAT(ReplaceMembers(s, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReplaceMembers(s, {{A, true}, {A, false}}), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Concurrency is the store's row lock; the rule itself must hand out each
// member's turn once per round whatever the absences: N leads over N
// present members give each exactly one.
TEST(RotationTest, OneRoundGivesEachPresentMemberOneTurn) {
  SALES_ASSERT_OK_AND_ASSIGN(RotationState s, NewRotation({A, B, C, D}));
  s.cursor = 3;
  std::vector<int64_t> got;
  for (int i = 0; i < 4; ++i) {
    SALES_ASSERT_OK_AND_ASSIGN(Assignment a, Assign(s, {}));
    got.push_back(a.rep_id);
    s = a.state;
  }
  EXPECT_THAT(got, ElementsAre(D, A, B, C));
}

}  // namespace
}  // namespace sales::customers
