// The sales expense ledger (费用, seed 000 第五步, 001 第五条): expenses
// charged against the budget issued with the target, listed for the caller,
// reversed with a reason (a record, never a delete), and summed against the
// budget and against sales.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/targets/v1/progress.pb.h"
#include "sales/targets/v1/progress_messages.pb.h"

namespace sales::targets {

class ExpenseLedger {
 public:
  explicit ExpenseLedger(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/). Expenses by expense date, then id, of
  // the caller's scope (ListScopeOf) narrowed by the filters; POSTED only
  // unless include_reversed.
  absl::StatusOr<v1::ListExpensesResponse> List(db::Transaction& tx, const CallContext& call,
                                                const v1::ListExpensesRequest& request) const;

  // `request` is well formed (api/). Books the expense to the rep's own
  // unit in the default currency: the rep themself, their manager (subtree)
  // or FINANCE. Answers the stored expense and the rep's budget use for the
  // expense's month after it (the contract's summary).
  absl::StatusOr<v1::RecordExpenseResponse> Record(db::Transaction& tx, const CallContext& call,
                                                   const v1::RecordExpenseRequest& request) const;

  // `request` is well formed (api/: the expense, its etag, a reason).
  // POSTED → REVERSED, once: the expense stays on the ledger with the
  // reason, who reversed it and when, and stops counting against the
  // budget. A manager for expenses booked to their subtree, FINANCE, the
  // director and ADMIN; FAILED_PRECONDITION (EXPENSE_REVERSED) when it is
  // no longer POSTED; ABORTED on a stale etag.
  absl::StatusOr<v1::ReverseExpenseResponse> Reverse(db::Transaction& tx, const CallContext& call,
                                                     const v1::ReverseExpenseRequest& request) const;

  // `request` is well formed (api/). The summary of a node the caller may
  // see (as GetProgress); NOT_FOUND for an unknown unit, rep or line.
  absl::StatusOr<v1::GetExpenseSummaryResponse> Summary(db::Transaction& tx, const CallContext& call,
                                                        const v1::GetExpenseSummaryRequest& request) const;

  // Budget, posted expenses (in total and by category), remaining, and the
  // expense-to-sales ratio of a node for a period, expenses and sales up to
  // `as_of` (the period's end when unset). No scope check: the caller's.
  absl::StatusOr<v1::ExpenseSummary> SummaryOf(db::Transaction& tx, const v1::TargetNode& node,
                                               const common::v1::Period& period, const common::v1::Date* as_of) const;

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
