// Customer complaints (客户投诉; domain.md §4, seed 001 第五章 客户意见处理):
// record, assign, escalate, resolve with the answer given to the customer,
// close, reopen. The lifecycle is domain/complaints.h; here, who may act
// and what each step writes (the complaint, its history, an event).
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "customers-svc/app/viewer.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/complaint.pb.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

// The complaint's owner or handler, its manager, the director and services.
bool SeesComplaint(const Viewer& v, const v1::Complaint& c);

class Complaints {
 public:
  Complaints(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, texts, dates and
  // etags). A complaint is row-locked and its etag checked before a step;
  // FAILED_PRECONDITION (COMPLAINT_STATE) when its state refuses the step.

  // The owner, their manager or service staff record a complaint of a
  // customer; a SERIOUS one is escalated to the director at once.
  absl::StatusOr<v1::RecordComplaintResponse> Record(db::Transaction& tx, const CallContext& call,
                                                     const v1::RecordComplaintRequest& request);
  // The owner's manager (the director once escalated) names the handler.
  absl::StatusOr<v1::AssignComplaintResponse> Assign(db::Transaction& tx, const CallContext& call,
                                                     const v1::AssignComplaintRequest& request);
  absl::StatusOr<v1::EscalateComplaintResponse> Escalate(db::Transaction& tx, const CallContext& call,
                                                         const v1::EscalateComplaintRequest& request);
  // The handler, the owner's manager or (escalated) the director answers.
  absl::StatusOr<v1::ResolveComplaintResponse> Resolve(db::Transaction& tx, const CallContext& call,
                                                       const v1::ResolveComplaintRequest& request);
  absl::StatusOr<v1::CloseComplaintResponse> Close(db::Transaction& tx, const CallContext& call,
                                                   const v1::CloseComplaintRequest& request);
  absl::StatusOr<v1::ReopenComplaintResponse> Reopen(db::Transaction& tx, const CallContext& call,
                                                     const v1::ReopenComplaintRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
