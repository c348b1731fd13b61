// Duty rotation of an office (domain.md §4 "Duty rotation"; seed 001 轮值制度
// and 补客户): new walk-in and hotline leads go to the reps in turn. Pure: the
// rotation is a value, absences at the instant of assignment come in as an
// argument, nothing reads a clock or a store.
//
// The rules, as implemented:
//   - Regular turns follow the members' fixed order; `cursor` is the index of
//     the member whose regular turn comes next.
//   - A rep away on PERSONAL business when the cursor reaches them loses that
//     turn (因私外出，失去本班轮值机会): the cursor moves past them and nothing
//     is kept.
//   - A rep away on COMPANY business when the cursor reaches them keeps it
//     (因公外出，累计到下次轮值): the cursor moves past them and a BANKED owed
//     turn is queued. Passing them again on the next round banks another.
//   - An approved market-survey report (市场调查) gives a MAKE_UP owed turn
//     (补客户), queued like a banked one.
//   - Owed turns are served before the regular turn, first-in first-out in
//     the order they were earned (banked when skipped, make-up when granted),
//     whatever their kind. The first queued turn whose rep is active and
//     present takes the lead; serving it does not move the cursor. Owed turns
//     of reps still away (either kind of absence) or inactive stay queued in
//     place: a turn already earned is never lost to a later absence.
//   - Inactive members (left the rotation) are skipped silently, neither
//     losing nor banking turns (rotation.proto RotationMember.active).
//   - When no owed turn can be served and no active member is present,
//     FAILED_PRECONDITION and nothing changes: the receptionist must hand the
//     lead to the manager (如有异议，由销售经理裁定).
//
// Enums: the absence kind and the assignment outcome are the proto enums of
// rotation.proto (AbsenceKind, LeadOutcome), so the API layer copies them
// straight into Lead / SkippedTurn. The owed-turn kind and the skip reason
// are plain C++ enums (the proto only has counts and a `banked` flag; see
// BankedTurns / MakeUpTurns and ToSkippedTurn).
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sales/customers/v1/rotation.pb.h"

namespace sales::customers {

struct RotationSlot {
  int64_t rep_id = 0;  // > 0, unique in the rotation
  bool active = true;  // false: left the rotation, skipped without effect
  friend bool operator==(const RotationSlot&, const RotationSlot&) = default;
};

enum class OwedTurnKind {
  kBanked,  // skipped while out on company business (因公外出)
  kMakeUp,  // approved market-survey report (补客户)
};

// The name an owed turn's kind is stored under (rotation_owed_turns.kind):
// "BANKED" or "MAKE_UP".
std::string_view ToName(OwedTurnKind kind);
// The kind stored under `name`; a name it does not know reads as kBanked.
OwedTurnKind OwedTurnKindFromName(std::string_view name);

struct OwedTurn {
  int64_t rep_id = 0;
  OwedTurnKind kind = OwedTurnKind::kBanked;
  friend bool operator==(const OwedTurn&, const OwedTurn&) = default;
};

struct RotationState {
  std::vector<RotationSlot> members;  // turn order, at least one
  size_t cursor = 0;                  // index into members of the next regular turn
  std::vector<OwedTurn> owed;         // FIFO, front is served first
  friend bool operator==(const RotationState&, const RotationState&) = default;
};

// Rep → why they are away at the instant of assignment. Reps not in the map
// are present. ABSENCE_KIND_UNSPECIFIED is refused (an absence always has a
// kind); entries for reps outside the rotation are ignored.
using Absences = std::map<int64_t, sales::customers::v1::AbsenceKind>;

enum class SkipReason {
  kTurnLost,       // regular turn, personal business: gone
  kTurnBanked,     // regular turn, company business: queued as owed
  kOwedTurnWaits,  // an owed turn of a rep still away: stays queued
};

struct Skip {
  int64_t rep_id = 0;
  sales::customers::v1::AbsenceKind absence = sales::customers::v1::ABSENCE_KIND_UNSPECIFIED;
  SkipReason reason = SkipReason::kTurnLost;
  friend bool operator==(const Skip&, const Skip&) = default;
};

struct Assignment {
  int64_t rep_id = 0;
  // ASSIGNED_BY_ROTATION, ASSIGNED_BY_BANKED_TURN or ASSIGNED_BY_MAKE_UP_TURN.
  sales::customers::v1::LeadOutcome outcome = sales::customers::v1::LEAD_OUTCOME_UNSPECIFIED;
  RotationState state;        // the rotation after this lead
  std::vector<Skip> skipped;  // owed-queue skips first, then regular ones, in scan order
};

// A fresh rotation: every rep active, cursor on the first, nothing owed.
// INVALID_ARGUMENT ("members") when empty, a rep id <= 0 or repeated.
absl::StatusOr<RotationState> NewRotation(const std::vector<int64_t>& rep_ids);

// Checks the invariants: members non-empty with unique positive ids, cursor
// inside members, every owed turn of a member. INVALID_ARGUMENT with one
// field violation per problem ("members", "cursor", "owed").
absl::Status ValidateRotation(const RotationState& state);

// Assigns one new lead. INVALID_ARGUMENT for a broken state or an
// ABSENCE_KIND_UNSPECIFIED entry ("absences"); FAILED_PRECONDITION when
// nobody can take it (every active member away, or none active).
absl::StatusOr<Assignment> Assign(const RotationState& state, const Absences& absences);

// Who Assign would pick, with the same outcome and skips; `state` in the
// result is the input unchanged (a preview banks and consumes nothing).
absl::StatusOr<Assignment> PreviewNext(const RotationState& state, const Absences& absences);

// Queues a make-up turn for `rep_id` after the manager approved a
// market-survey report. INVALID_ARGUMENT ("rep_id") when not a member;
// FAILED_PRECONDITION when the member is inactive (nobody to make it up to).
absl::StatusOr<RotationState> GrantMakeUpTurn(const RotationState& state, int64_t rep_id);

// Activates or deactivates a member; owed turns stay queued. The cursor is
// untouched: a deactivated member at the cursor is simply skipped.
// INVALID_ARGUMENT ("rep_id") when not a member.
absl::StatusOr<RotationState> SetMemberActive(const RotationState& state, int64_t rep_id, bool active);

// Removes a member for good: their owed turns are dropped and the cursor keeps
// pointing at the same next member (or wraps to the first when the removed
// one was last). INVALID_ARGUMENT ("rep_id") when not a member or the last one.
absl::StatusOr<RotationState> RemoveMember(const RotationState& state, int64_t rep_id);

// Replaces the member list (UpdateRotationMembers: add, remove, reorder,
// (de)activate). Owed turns of kept members stay queued in order; those of
// removed members are dropped. The next regular turn stays with the member
// it pointed at; when that member was removed, it goes to the first member
// after them in the old order who is kept (wrapping), else to the first.
// INVALID_ARGUMENT as ValidateRotation for the new list.
absl::StatusOr<RotationState> ReplaceMembers(const RotationState& state, const std::vector<RotationSlot>& members);

// Queued owed turns of a rep, by kind (RotationMember.banked_turns /
// make_up_turns).
int BankedTurns(const RotationState& state, int64_t rep_id);
int MakeUpTurns(const RotationState& state, int64_t rep_id);

// The proto form of a skip: banked = the turn was kept (banked now, or an
// owed turn left queued), false = lost.
sales::customers::v1::SkippedTurn ToSkippedTurn(const Skip& skip);

}  // namespace sales::customers
