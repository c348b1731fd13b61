// The monthly commission run (提成 [003 销售方案]) and what follows it: the
// calculation of every rep's draft statement from the month's collections,
// credits and long-unpaid invoices at the tier of the rep's attainment
// (targets-svc), its approval (CommissionStatementApprovedEvent), and the
// year-end release of the 10 % held back. The questions to targets-svc are
// asked before the writing transaction (Prepare), so no row lock waits on
// a peer; the transaction then reads the facts and writes (Calculate).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "finance-svc/app/commission_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/peers/targets_peer.h"
#include "sales/finance/v1/commission_messages.pb.h"

namespace sales::finance {

// Commissions are paid in the company currency.
inline constexpr char kCommissionCurrency[] = "CNY";

// FAILED_PRECONDITION with ErrorInfo `reason` in finance's domain.
absl::Status CommissionPrecondition(const std::string& what, const char* reason);

// The caller as the audit trail names them ("anonymous" without a user).
Actor CommissionActor(const CallContext& call);

// What one rep's calculation needs from outside the database.
struct RepRun {
  int64_t rep_id = 0;
  int64_t unit_id = 0;
  PlanRecord plan;
  int32_t attainment_bp = 0;
  int64_t target_minor = 0;
  int64_t actual_minor = 0;
  std::optional<ManagerFact> manager;
  std::vector<int64_t> managed_units;  // units the rep manages (targets-svc), each with its subtree
};

// What the look before the writing transaction settled: the month, the
// day deductions are judged on, and every rep to compute with their plan,
// attainment and managed units.
struct PreparedRun {
  absl::CivilDay month;  // first day
  absl::CivilDay as_of;
  std::vector<RepRun> runs;
};

class CommissionRun {
 public:
  // `targets_configured` is false when finance has no address for
  // targets-svc: the units' managers are then not looked up (attainment is
  // still asked, and a recorded run fails UNAVAILABLE without it).
  CommissionRun(const Clock& clock, peers::TargetsPeer& targets, bool targets_configured)
      : clock_(clock), targets_(targets), targets_configured_(targets_configured) {}

  // The look before the transaction, for a well-formed request
  // (ValidateCalculateCommissions in api/): the reps (asked for, or every
  // rep with activity) and their plans read through `read`, the managers of
  // their units and everyone's attainment asked of targets-svc in batches.
  // Reps no plan covers are left out. FAILED_PRECONDITION MONTH_NOT_ENDED,
  // NO_PLAN_IN_FORCE; a peer's failure as the peer client maps it.
  absl::StatusOr<PreparedRun> Prepare(const CommissionReads& read, const CallContext& call,
                                      const v1::CalculateCommissionsRequest& request);

  // The writing transaction: each rep's DRAFT statement computed and saved
  // (a draft recomputed in place after undoing its own deduction moves; an
  // approved or paid month skipped), the deductions moved. A dry run
  // returns the saved statements and no ids: its caller rolls it back.
  // Each manager's unit collections are summed into `prepared` in place (as
  // the handler did before app/): a transaction retried with the same
  // `prepared` counts them again. OUT_OF_RANGE when a figure would not fit
  // an amount.
  absl::StatusOr<v1::CalculateCommissionsResponse> Calculate(CommissionBook& book, PreparedRun& prepared, bool dry_run);

  // Finance approves a DRAFT statement: frozen from then on and published
  // for payroll. FAILED_PRECONDITION STATEMENT_NOT_DRAFT; ABORTED on a stale etag.
  absl::StatusOr<v1::ApproveCommissionStatementResponse> Approve(CommissionBook& book, const CallContext& call,
                                                                 const v1::ApproveCommissionStatementRequest& request);

  // Year end: what each rep's approved and paid statements of the year held
  // back is released once, carried by the release month's statement (the
  // DRAFT's line now, or the month's calculation later). For a request
  // with a valid year and a first-of-month release_month; INVALID_ARGUMENT
  // before December, FAILED_PRECONDITION HOLDBACK_RELEASED or
  // STATEMENT_NOT_DRAFT (the release month is already approved).
  absl::StatusOr<v1::ReleaseCommissionHoldbackResponse> ReleaseHoldback(
      CommissionBook& book, const CallContext& call, const v1::ReleaseCommissionHoldbackRequest& request);

 private:
  // Step 2 of Prepare: each unit's manager from targets-svc, added to the
  // run (when the whole company is computed) and given the unit.
  absl::Status AddManagers(const CommissionReads& read, const CallContext& call,
                           const v1::CalculateCommissionsRequest& request, PreparedRun& prepared);
  // Step 3 of Prepare: every rep's and managed unit's attainment.
  absl::Status AskAttainment(const CallContext& call, const v1::CalculateCommissionsRequest& request,
                             PreparedRun& prepared);

  const Clock& clock_;
  peers::TargetsPeer& targets_;
  bool targets_configured_;
};

}  // namespace sales::finance
