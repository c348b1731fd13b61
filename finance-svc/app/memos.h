// Credit memos (price adjustments and others, applied to open invoices
// and debit memos) and debit memos raised by finance.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

class Memos {
 public:
  Memos(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed and the caller's role checked (api/).
  absl::StatusOr<v1::CreateCreditMemoResponse> CreateCreditMemo(db::Transaction& tx, const CallContext& call,
                                                                const v1::CreateCreditMemoRequest& request);
  absl::StatusOr<v1::ApplyCreditMemoResponse> ApplyCreditMemo(db::Transaction& tx, const CallContext& call,
                                                              const v1::ApplyCreditMemoRequest& request);
  absl::StatusOr<v1::CreateDebitMemoResponse> CreateDebitMemo(db::Transaction& tx, const CallContext& call,
                                                              const v1::CreateDebitMemoRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::finance
