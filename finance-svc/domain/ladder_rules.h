// The collections ladder (超期帐款管理制度 [000]) as pure day arithmetic: from
// what has been recorded on a case and the date of a sweep, which steps are
// due. No I/O; the sweep and the tests drive it with explicit dates.
//
// Day counting: the due date itself is not overdue; due_on + 1 is day 1
// overdue. So "within 7 days overdue" ends on due_on + 7 and "within two
// weeks" on due_on + 14. The second notice is due on the tenth day after
// the first notice (first_notice_on + 10); legal preparation starts the day
// after the second notice, so the supply stop is visible for a day first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "sales/finance/v1/collections.pb.h"

namespace sales::finance {

inline constexpr int kConfirmationDays = 7;             // 超期一周内 确认函
inline constexpr int kFirstNoticeDays = 14;             // 超期两周内 第一封催款通知书
inline constexpr int kSecondNoticeAfterFirstDays = 10;  // 第一封下发后第十天
inline constexpr int kLegalAfterSecondDays = 1;         // 第二封下发后 法律程序资料

// What is recorded on a case, as the ladder sees it.
struct LadderFacts {
  absl::CivilDay due_on;
  std::optional<absl::CivilDay> confirmed_on;
  std::optional<absl::CivilDay> first_notice_on;
  std::optional<absl::CivilDay> second_notice_on;
  std::optional<absl::CivilDay> legal_started_on;
  std::optional<absl::CivilDay> legal_ready_on;
  std::optional<absl::CivilDay> closed_on;
  bool missed_confirmation = false;
  bool missed_first_notice = false;
  bool missed_second_notice = false;
};

enum class LadderActionKind {
  kConfirmationMissed,  // flag: no 确认函 by day 7
  kFirstNotice,         // the sweep issues the first notice (with 10-day warning)
  kFirstNoticeMissed,   // flag: the first notice went out after day 14
  kSecondNotice,        // second notice + supply stop (credit hold)
  kSecondNoticeMissed,  // flag: the second notice went out after its day
  kStartLegal,          // legal preparation starts
};

struct LadderAction {
  LadderActionKind kind;
  absl::CivilDay effective_on;  // the sweep's date
  absl::CivilDay deadline_on;   // the ladder's deadline for the step
};

// Days past due on `as_of` (<= 0 while not yet overdue).
int DaysPastDue(absl::CivilDay due_on, absl::CivilDay as_of);
// The first overdue day (due_on + 1): no ladder document may predate it.
absl::CivilDay FirstOverdueDay(absl::CivilDay due_on);
absl::CivilDay ConfirmationDeadline(absl::CivilDay due_on);
absl::CivilDay FirstNoticeDeadline(absl::CivilDay due_on);
absl::CivilDay SecondNoticeDay(absl::CivilDay first_notice_on);

// The steps a sweep on `as_of` must take, in order. Applying them to the
// facts (ApplyLadderAction) and asking again for the same date gives none:
// that is what makes the sweep safe to run twice. A closed case or a date
// not after the due date gives none.
std::vector<LadderAction> DueLadderActions(const LadderFacts& facts, absl::CivilDay as_of);

// The facts after the sweep took `action`.
void ApplyLadderAction(LadderFacts& facts, const LadderAction& action);

// The stage the facts put the case in.
v1::CollectionStage StageOf(const LadderFacts& facts);

// The next action the responsible rep or finance must take, with its
// deadline ("" and nullopt when none is left).
struct NextAction {
  std::string action;
  std::optional<absl::CivilDay> due_on;
};
NextAction NextActionOf(const LadderFacts& facts);

// Whether a user-recorded document date is acceptable: not before the first
// overdue day and not after `today`. Returns the violation text, "" if fine.
std::string CheckLadderDocumentDate(absl::CivilDay due_on, absl::CivilDay date, absl::CivilDay today);

}  // namespace sales::finance
