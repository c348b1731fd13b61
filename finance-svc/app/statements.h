// Customer statements (对帐单) for reconciliation at the end of June and
// December [001 第13条]: generating them for a period from the customer
// ledger, and recording the customer's written confirmation or dispute.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

namespace statement_state {
// A statement's state as StatementStore::Lock returns it: the StatementState
// number (the table stores its name).
inline constexpr int kDraft = v1::STATEMENT_STATE_DRAFT, kSent = v1::STATEMENT_STATE_SENT,
                     kConfirmed = v1::STATEMENT_STATE_CONFIRMED, kDisputed = v1::STATEMENT_STATE_DISPUTED,
                     kResolved = v1::STATEMENT_STATE_RESOLVED;
}  // namespace statement_state

// FAILED_PRECONDITION STATEMENT_STATE unless `state` is `expected`, whose
// name the message gives.
absl::Status CheckStatementState(int state, int expected, const char* name);

class Statements {
 public:
  Statements(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // `request` is well formed and the caller is finance (api/). The customers
  // asked for, or every customer with ledger activity up to the period's end
  // (the last half-year when no period is given), in one transaction: a
  // cancelled run rolls back and commits nothing.
  absl::StatusOr<v1::GenerateStatementsResponse> Generate(db::Transaction& tx, const CallContext& call,
                                                          const v1::GenerateStatementsRequest& request);
  // `request` is well formed; api/ locked the statement and checked that the
  // caller is its rep or finance. `state` and `version` are the locked row's.
  absl::StatusOr<v1::RecordStatementConfirmationResponse> RecordConfirmation(
      db::Transaction& tx, const CallContext& call, const v1::RecordStatementConfirmationRequest& request, int state,
      int64_t version);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::finance
