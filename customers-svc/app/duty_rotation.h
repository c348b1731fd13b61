// The duty rotation (轮值制度) of each office: its members in turn order,
// changed by the office's manager, and the reps' absences (a rep away is
// skipped and keeps the turn, domain/rotation.h). Reception leads take the
// turns (app/lead_rotation.h).
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "customers-svc/domain/rotation.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "platform/principal.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

// The office's rotation row-locked (the lock that serialises the office's
// assignments); FAILED_PRECONDITION (NO_ROTATION) when it has none.
absl::StatusOr<RotationRecord> LockRotation(db::Transaction& tx, int64_t office_id);
// RotationChangedEvent of a change of `r` by `who`.
absl::Status AppendRotationEvent(Outbox& outbox, db::Transaction& tx, const RotationRecord& r,
                                 const std::string& change, const std::string& reason, const Principal& who,
                                 const std::string& request_id);
// A rep may read a rotation they take turns in.
bool IsMember(const RotationRecord& r, int64_t rep_id);
// The members' reps in turn order.
std::vector<int64_t> MemberReps(const RotationState& s);

class DutyRotation {
 public:
  DutyRotation(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, members, reasons and
  // etags).

  // The office's manager or receptionist sets up its rotation; every member
  // an active rep of the office.
  absl::StatusOr<v1::CreateRotationResponse> Create(db::Transaction& tx, const CallContext& call,
                                                    const v1::CreateRotationRequest& request);
  // The office's manager replaces the members; the turns owed stay with
  // the reps who keep their place.
  absl::StatusOr<v1::UpdateRotationMembersResponse> UpdateMembers(db::Transaction& tx, const CallContext& call,
                                                                  const v1::UpdateRotationMembersRequest& request);
  // The rep, the office's receptionist or manager (or the director) record,
  // end and cancel a rep's absence; absences of one rep never overlap.
  absl::StatusOr<v1::RecordRepAbsenceResponse> RecordAbsence(db::Transaction& tx, const CallContext& call,
                                                             const v1::RecordRepAbsenceRequest& request);
  absl::StatusOr<v1::EndRepAbsenceResponse> EndAbsence(db::Transaction& tx, const CallContext& call,
                                                       const v1::EndRepAbsenceRequest& request);
  absl::StatusOr<v1::CancelRepAbsenceResponse> CancelAbsence(db::Transaction& tx, const CallContext& call,
                                                             const v1::CancelRepAbsenceRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
