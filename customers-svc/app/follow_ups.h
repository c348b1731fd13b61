// Follow-ups (客户跟踪表, seed 001 客户追踪制度): a rep records each contact
// with their own or a pool customer. A follow-up within the window extends
// the prospect's protection (never more than the window apart: one after
// protection ended does not revive it, the sweep moves the customer); one
// on a pool customer claims it for the rep.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/customers/v1/follow_up.pb.h"

namespace sales::customers {

class FollowUps {
 public:
  FollowUps(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // `follow_up` is the request's, checked by api/ (dated, not in the
  // future) and recorded by a rep. The customer is row-locked; the
  // follow-up, the new protection base and FollowUpRecordedEvent are
  // written together.
  absl::StatusOr<v1::RecordFollowUpResponse> Record(db::Transaction& tx, const CallContext& call,
                                                    v1::FollowUp follow_up);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
