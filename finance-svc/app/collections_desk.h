// The hand-recorded steps of the collections ladder (超期帐款管理制度 [000])
// and manual credit holds: the customer's confirmation letter, the dunning
// notices, a repayment plan, legal preparation, closing a case, setting and
// releasing a hold. Each goes through CollectionsLadder for its step,
// supply stop or release.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "finance-svc/app/collections_ladder.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

class CollectionsDesk {
 public:
  CollectionsDesk(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, etags, dates and texts).
  // A case is row-locked and its etag checked; NOT_FOUND outside the
  // caller's scope, PERMISSION_DENIED when the role may not record the step.
  absl::StatusOr<v1::RecordOverdueConfirmationResponse> RecordOverdueConfirmation(
      db::Transaction& tx, const CallContext& call, const v1::RecordOverdueConfirmationRequest& request);
  absl::StatusOr<v1::RecordDunningNoticeResponse> RecordDunningNotice(db::Transaction& tx, const CallContext& call,
                                                                      const v1::RecordDunningNoticeRequest& request);
  absl::StatusOr<v1::RecordRepaymentPlanResponse> RecordRepaymentPlan(db::Transaction& tx, const CallContext& call,
                                                                      const v1::RecordRepaymentPlanRequest& request);
  absl::StatusOr<v1::StartLegalPreparationResponse> StartLegalPreparation(
      db::Transaction& tx, const CallContext& call, const v1::StartLegalPreparationRequest& request);
  absl::StatusOr<v1::RecordLegalFileReadyResponse> RecordLegalFileReady(db::Transaction& tx, const CallContext& call,
                                                                        const v1::RecordLegalFileReadyRequest& request);
  absl::StatusOr<v1::CloseCollectionCaseResponse> CloseCollectionCase(db::Transaction& tx, const CallContext& call,
                                                                      const v1::CloseCollectionCaseRequest& request);
  absl::StatusOr<v1::SetCreditHoldResponse> SetCreditHold(db::Transaction& tx, const CallContext& call,
                                                          const v1::SetCreditHoldRequest& request);
  absl::StatusOr<v1::ReleaseCreditHoldResponse> ReleaseCreditHold(db::Transaction& tx, const CallContext& call,
                                                                  const v1::ReleaseCreditHoldRequest& request);

 private:
  // The workflow context of a call: the caller as actor, the injected clock.
  LadderContext LadderContextOf(const CallContext& call) const;

  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::finance
