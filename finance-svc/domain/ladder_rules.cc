#include "finance-svc/domain/ladder_rules.h"

#include "absl/strings/str_cat.h"

namespace sales::finance {

int DaysPastDue(absl::CivilDay due_on, absl::CivilDay as_of) { return static_cast<int>(as_of - due_on); }
absl::CivilDay FirstOverdueDay(absl::CivilDay due_on) { return due_on + 1; }
absl::CivilDay ConfirmationDeadline(absl::CivilDay due_on) { return due_on + kConfirmationDays; }
absl::CivilDay FirstNoticeDeadline(absl::CivilDay due_on) { return due_on + kFirstNoticeDays; }
absl::CivilDay SecondNoticeDay(absl::CivilDay first_notice_on) { return first_notice_on + kSecondNoticeAfterFirstDays; }

std::vector<LadderAction> DueLadderActions(const LadderFacts& facts, absl::CivilDay as_of) {
  std::vector<LadderAction> out;
  if (facts.closed_on.has_value() || DaysPastDue(facts.due_on, as_of) <= 0) return out;
  LadderFacts f = facts;  // walk a copy so one sweep can climb several rungs
  auto take = [&](LadderActionKind kind, absl::CivilDay deadline) {
    LadderAction a{kind, as_of, deadline};
    ApplyLadderAction(f, a);
    out.push_back(a);
  };
  // Step 1: the customer's signature cannot be produced by the system, so a
  // missing confirmation is only flagged; the ladder still moves on.
  if (!f.confirmed_on && !f.missed_confirmation && as_of > ConfirmationDeadline(f.due_on)) {
    take(LadderActionKind::kConfirmationMissed, ConfirmationDeadline(f.due_on));
  }
  // Step 2: the first notice goes out on day 14 at the latest. A sweep that
  // first sees the case later (catch-up) still sends it and flags the delay.
  if (!f.first_notice_on && as_of >= FirstNoticeDeadline(f.due_on)) {
    bool late = as_of > FirstNoticeDeadline(f.due_on);
    take(LadderActionKind::kFirstNotice, FirstNoticeDeadline(f.due_on));
    if (late && !f.missed_first_notice) take(LadderActionKind::kFirstNoticeMissed, FirstNoticeDeadline(f.due_on));
  }
  // Step 3: second notice and supply stop on the tenth day after the first.
  if (f.first_notice_on && !f.second_notice_on && as_of >= SecondNoticeDay(*f.first_notice_on)) {
    absl::CivilDay day = SecondNoticeDay(*f.first_notice_on);
    take(LadderActionKind::kSecondNotice, day);
    if (as_of > day && !f.missed_second_notice) take(LadderActionKind::kSecondNoticeMissed, day);
  }
  // Step 4: legal preparation after the second notice.
  if (f.second_notice_on && !f.legal_started_on && as_of >= *f.second_notice_on + kLegalAfterSecondDays) {
    take(LadderActionKind::kStartLegal, *f.second_notice_on + kLegalAfterSecondDays);
  }
  return out;
}

void ApplyLadderAction(LadderFacts& f, const LadderAction& a) {
  switch (a.kind) {
    case LadderActionKind::kConfirmationMissed:
      f.missed_confirmation = true;
      break;
    case LadderActionKind::kFirstNotice:
      f.first_notice_on = a.effective_on;
      break;
    case LadderActionKind::kFirstNoticeMissed:
      f.missed_first_notice = true;
      break;
    case LadderActionKind::kSecondNotice:
      f.second_notice_on = a.effective_on;
      break;
    case LadderActionKind::kSecondNoticeMissed:
      f.missed_second_notice = true;
      break;
    case LadderActionKind::kStartLegal:
      f.legal_started_on = a.effective_on;
      break;
  }
}

v1::CollectionStage StageOf(const LadderFacts& f) {
  if (f.closed_on) return v1::COLLECTION_STAGE_CLOSED;
  if (f.legal_ready_on) return v1::COLLECTION_STAGE_LEGAL_READY;
  if (f.legal_started_on) return v1::COLLECTION_STAGE_LEGAL_PREPARATION;
  if (f.second_notice_on) return v1::COLLECTION_STAGE_SUPPLY_STOPPED;
  if (f.first_notice_on) return v1::COLLECTION_STAGE_FIRST_NOTICE;
  if (f.confirmed_on) return v1::COLLECTION_STAGE_CONFIRMED;
  return v1::COLLECTION_STAGE_AWAITING_CONFIRMATION;
}

NextAction NextActionOf(const LadderFacts& f) {
  switch (StageOf(f)) {
    case v1::COLLECTION_STAGE_AWAITING_CONFIRMATION:
      // Past day 7 without a letter the next deadline that still binds is
      // the first notice; the confirmation stays wanted but is flagged.
      if (f.missed_confirmation) return {"FIRST_NOTICE", FirstNoticeDeadline(f.due_on)};
      return {"CONFIRMATION", ConfirmationDeadline(f.due_on)};
    case v1::COLLECTION_STAGE_CONFIRMED:
      return {"FIRST_NOTICE", FirstNoticeDeadline(f.due_on)};
    case v1::COLLECTION_STAGE_FIRST_NOTICE:
      return {"SECOND_NOTICE", SecondNoticeDay(*f.first_notice_on)};
    case v1::COLLECTION_STAGE_SUPPLY_STOPPED:
      return {"LEGAL_PREPARATION", *f.second_notice_on + kLegalAfterSecondDays};
    case v1::COLLECTION_STAGE_LEGAL_PREPARATION:
      return {"LEGAL_FILE", std::nullopt};
    default:
      return {"", std::nullopt};
  }
}

std::string CheckLadderDocumentDate(absl::CivilDay due_on, absl::CivilDay date, absl::CivilDay today) {
  if (date < FirstOverdueDay(due_on)) {
    return absl::StrCat("before the invoice became overdue (first overdue day ",
                        absl::FormatCivilTime(FirstOverdueDay(due_on)), ")");
  }
  if (date > today) return "in the future";
  return "";
}

}  // namespace sales::finance
