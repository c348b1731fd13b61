#include "customers-svc/domain/rotation.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

using v1::AbsenceKind;

// Index of rep_id in members, or members.size() when absent.
size_t IndexOf(const RotationState& state, int64_t rep_id) {
  for (size_t i = 0; i < state.members.size(); ++i) {
    if (state.members[i].rep_id == rep_id) return i;
  }
  return state.members.size();
}

AbsenceKind AbsenceOf(const Absences& absences, int64_t rep_id) {
  auto it = absences.find(rep_id);
  return it == absences.end() ? v1::ABSENCE_KIND_UNSPECIFIED : it->second;
}

absl::Status ValidateAbsences(const Absences& absences) {
  for (const auto& [rep_id, kind] : absences) {
    if (kind != v1::ABSENCE_KIND_PERSONAL && kind != v1::ABSENCE_KIND_COMPANY) {
      return InvalidField("absences", absl::StrCat("rep ", rep_id, ": an absence must be PERSONAL or COMPANY"));
    }
  }
  return absl::OkStatus();
}

// The single decision procedure behind Assign and PreviewNext, so the preview
// can never disagree with the real assignment.
absl::StatusOr<Assignment> Decide(const RotationState& state, const Absences& absences) {
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  SALES_RETURN_IF_ERROR(ValidateAbsences(absences));

  Assignment out;
  out.state = state;

  // Owed turns first: they were earned before any regular turn now due.
  for (size_t q = 0; q < state.owed.size(); ++q) {
    const OwedTurn& owed = state.owed[q];
    const RotationSlot& slot = state.members[IndexOf(state, owed.rep_id)];
    if (!slot.active) continue;
    AbsenceKind away = AbsenceOf(absences, owed.rep_id);
    if (away != v1::ABSENCE_KIND_UNSPECIFIED) {
      out.skipped.push_back({owed.rep_id, away, SkipReason::kOwedTurnWaits});
      continue;
    }
    out.rep_id = owed.rep_id;
    out.outcome = owed.kind == OwedTurnKind::kBanked ? v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN
                                                     : v1::LEAD_OUTCOME_ASSIGNED_BY_MAKE_UP_TURN;
    out.state.owed.erase(out.state.owed.begin() + static_cast<std::ptrdiff_t>(q));
    return out;
  }

  // Regular turn: at most one full round from the cursor, so each member is
  // looked at (and banks or loses) at most once per lead.
  const size_t n = state.members.size();
  std::vector<OwedTurn> banked_now;
  for (size_t step = 0; step < n; ++step) {
    size_t i = (state.cursor + step) % n;
    const RotationSlot& slot = state.members[i];
    if (!slot.active) continue;
    AbsenceKind away = AbsenceOf(absences, slot.rep_id);
    if (away == v1::ABSENCE_KIND_PERSONAL) {
      out.skipped.push_back({slot.rep_id, away, SkipReason::kTurnLost});
      continue;
    }
    if (away == v1::ABSENCE_KIND_COMPANY) {
      out.skipped.push_back({slot.rep_id, away, SkipReason::kTurnBanked});
      banked_now.push_back({slot.rep_id, OwedTurnKind::kBanked});
      continue;
    }
    out.rep_id = slot.rep_id;
    out.outcome = v1::LEAD_OUTCOME_ASSIGNED_BY_ROTATION;
    out.state.cursor = (i + 1) % n;
    // Banked in scan order, behind turns owed earlier.
    out.state.owed.insert(out.state.owed.end(), banked_now.begin(), banked_now.end());
    return out;
  }

  // Nothing banked or lost: a lead nobody took consumed no turn.
  return absl::FailedPreconditionError(
      "no rep can take the lead: every active member of the rotation is away (or none is "
      "active); the manager must assign it");
}

}  // namespace

absl::StatusOr<RotationState> NewRotation(const std::vector<int64_t>& rep_ids) {
  RotationState state;
  for (int64_t rep : rep_ids) state.members.push_back({rep, true});
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  return state;
}

absl::Status ValidateRotation(const RotationState& state) {
  std::vector<FieldViolation> violations;
  std::set<int64_t> seen;
  if (state.members.empty()) {
    violations.push_back({"members", "a rotation needs at least one member"});
  }
  for (const RotationSlot& slot : state.members) {
    if (slot.rep_id <= 0) {
      violations.push_back({"members", absl::StrCat("rep id ", slot.rep_id, " is not positive")});
    } else if (!seen.insert(slot.rep_id).second) {
      violations.push_back({"members", absl::StrCat("rep ", slot.rep_id, " appears twice")});
    }
  }
  if (!state.members.empty() && state.cursor >= state.members.size()) {
    violations.push_back(
        {"cursor", absl::StrCat("cursor ", state.cursor, " is past the ", state.members.size(), " members")});
  }
  for (const OwedTurn& owed : state.owed) {
    if (seen.count(owed.rep_id) == 0) {
      violations.push_back({"owed", absl::StrCat("owed turn of rep ", owed.rep_id, " who is not a member")});
    }
  }
  if (!violations.empty()) return InvalidFields(std::move(violations));
  return absl::OkStatus();
}

absl::StatusOr<Assignment> Assign(const RotationState& state, const Absences& absences) {
  return Decide(state, absences);
}

absl::StatusOr<Assignment> PreviewNext(const RotationState& state, const Absences& absences) {
  SALES_ASSIGN_OR_RETURN(Assignment preview, Decide(state, absences));
  preview.state = state;
  return preview;
}

absl::StatusOr<RotationState> GrantMakeUpTurn(const RotationState& state, int64_t rep_id) {
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  size_t i = IndexOf(state, rep_id);
  if (i == state.members.size()) {
    return InvalidField("rep_id", absl::StrCat("rep ", rep_id, " is not in this rotation"));
  }
  if (!state.members[i].active) {
    return absl::FailedPreconditionError(
        absl::StrCat("rep ", rep_id, " has left the rotation; a make-up turn cannot be granted"));
  }
  RotationState next = state;
  next.owed.push_back({rep_id, OwedTurnKind::kMakeUp});
  return next;
}

absl::StatusOr<RotationState> SetMemberActive(const RotationState& state, int64_t rep_id, bool active) {
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  size_t i = IndexOf(state, rep_id);
  if (i == state.members.size()) {
    return InvalidField("rep_id", absl::StrCat("rep ", rep_id, " is not in this rotation"));
  }
  RotationState next = state;
  next.members[i].active = active;
  return next;
}

absl::StatusOr<RotationState> RemoveMember(const RotationState& state, int64_t rep_id) {
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  size_t i = IndexOf(state, rep_id);
  if (i == state.members.size()) {
    return InvalidField("rep_id", absl::StrCat("rep ", rep_id, " is not in this rotation"));
  }
  if (state.members.size() == 1) {
    return InvalidField("rep_id", "the last member cannot be removed; a rotation needs one");
  }
  RotationState next = state;
  next.members.erase(next.members.begin() + static_cast<std::ptrdiff_t>(i));
  // Members after i shift down by one; keep the cursor on the same member.
  if (i < state.cursor) --next.cursor;
  if (next.cursor >= next.members.size()) next.cursor = 0;
  next.owed.erase(
      std::remove_if(next.owed.begin(), next.owed.end(), [rep_id](const OwedTurn& o) { return o.rep_id == rep_id; }),
      next.owed.end());
  return next;
}

absl::StatusOr<RotationState> ReplaceMembers(const RotationState& state, const std::vector<RotationSlot>& members) {
  SALES_RETURN_IF_ERROR(ValidateRotation(state));
  RotationState next;
  next.members = members;
  std::set<int64_t> kept;
  for (const RotationSlot& m : members) kept.insert(m.rep_id);
  for (const OwedTurn& o : state.owed) {
    if (kept.count(o.rep_id) > 0) next.owed.push_back(o);
  }
  const size_t n = state.members.size();
  for (size_t step = 0; step < n; ++step) {
    const int64_t rep = state.members[(state.cursor + step) % n].rep_id;
    if (kept.count(rep) == 0) continue;
    next.cursor = IndexOf(next, rep);
    break;
  }
  SALES_RETURN_IF_ERROR(ValidateRotation(next));
  return next;
}

std::string_view ToName(OwedTurnKind kind) { return kind == OwedTurnKind::kMakeUp ? "MAKE_UP" : "BANKED"; }

OwedTurnKind OwedTurnKindFromName(std::string_view name) {
  return name == "MAKE_UP" ? OwedTurnKind::kMakeUp : OwedTurnKind::kBanked;
}

int BankedTurns(const RotationState& state, int64_t rep_id) {
  return static_cast<int>(std::count(state.owed.begin(), state.owed.end(), OwedTurn{rep_id, OwedTurnKind::kBanked}));
}

int MakeUpTurns(const RotationState& state, int64_t rep_id) {
  return static_cast<int>(std::count(state.owed.begin(), state.owed.end(), OwedTurn{rep_id, OwedTurnKind::kMakeUp}));
}

v1::SkippedTurn ToSkippedTurn(const Skip& skip) {
  v1::SkippedTurn out;
  out.set_rep_id(skip.rep_id);
  out.set_absence_kind(skip.absence);
  out.set_banked(skip.reason != SkipReason::kTurnLost);
  return out;
}

}  // namespace sales::customers
