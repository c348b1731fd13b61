#include "customers-svc/app/duty_rotation.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

// Members in turn order (by position).
std::vector<v1::RotationMember> ByPosition(const google::protobuf::RepeatedPtrField<v1::RotationMember>& members) {
  std::vector<v1::RotationMember> out(members.begin(), members.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position() < b.position(); });
  return out;
}

std::string MembersText(const RotationRecord& r) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < r.state.members.size(); ++i) {
    parts.push_back(
        absl::StrCat(r.positions[i], ":", r.state.members[i].rep_id, r.state.members[i].active ? "" : "(inactive)"));
  }
  return absl::StrJoin(parts, ",");
}

absl::Status NoRotation(int64_t office_id) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("office ", office_id, " has no duty rotation")),
                       "NO_ROTATION", kCustomersDomain, {{"office_id", absl::StrCat(office_id)}});
}

// The rep, reception of the office, the office's manager, director/admin.
bool MayRecordAbsence(const Viewer& v, int64_t rep_id, int64_t office_id) {
  if (v.all) return true;
  if (v.IsRep()) return v.principal.rep_id == rep_id;
  return (v.IsManager() || v.IsReceptionist()) && v.ActsOnUnit(office_id);
}

absl::Status AppendAbsenceEvent(Outbox& outbox, db::Transaction& tx, const v1::RepAbsence& a, const std::string& change,
                                const std::string& reason, const std::string& rid) {
  v1::RepAbsenceChangedEvent e;
  *e.mutable_absence() = a;
  e.set_change(change);
  e.set_reason(reason);
  return outbox.Append(tx, "RepAbsence", absl::StrCat(a.id()), e, rid);
}

}  // namespace

absl::StatusOr<RotationRecord> LockRotation(db::Transaction& tx, int64_t office_id) {
  SALES_ASSIGN_OR_RETURN(auto r, RotationStore::ByOffice(tx, office_id, /*for_update=*/true));
  if (!r.has_value()) return NoRotation(office_id);
  return *r;
}

absl::Status AppendRotationEvent(Outbox& outbox, db::Transaction& tx, const RotationRecord& r,
                                 const std::string& change, const std::string& reason, const Principal& who,
                                 const std::string& request_id) {
  v1::RotationChangedEvent e;
  *e.mutable_rotation() = ToProto(r);
  e.set_change(change);
  e.set_reason(reason);
  *e.mutable_actor() = ActorOf(who);
  return outbox.Append(tx, "Rotation", absl::StrCat(r.office_id), e, request_id);
}

bool IsMember(const RotationRecord& r, int64_t rep_id) {
  if (rep_id == 0) return false;
  for (const auto& m : r.state.members) {
    if (m.rep_id == rep_id) return true;
  }
  return false;
}

std::vector<int64_t> MemberReps(const RotationState& s) {
  std::vector<int64_t> out;
  for (const auto& m : s.members) out.push_back(m.rep_id);
  return out;
}

absl::StatusOr<v1::CreateRotationResponse> DutyRotation::Create(db::Transaction& tx, const CallContext& call,
                                                                const v1::CreateRotationRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  const int64_t office = request.rotation().office_id();
  if (!v.all && !((v.IsManager() || v.IsReceptionist()) && v.ActsOnUnit(office))) {
    return Denied(v, "create the rotation of this office (its manager or receptionist)");
  }
  SALES_RETURN_IF_ERROR(CheckOffice(tx, office, "rotation.office_id"));
  auto members = ByPosition(request.rotation().members());
  std::vector<int64_t> reps;
  std::vector<int32_t> positions;
  for (size_t i = 0; i < members.size(); ++i) {
    SALES_RETURN_IF_ERROR(
        CheckRepInOffice(tx, members[i].rep_id(), office, absl::StrCat("rotation.members[", i, "].rep_id")));
    reps.push_back(members[i].rep_id());
    positions.push_back(members[i].position());
  }
  SALES_ASSIGN_OR_RETURN(RotationState state, NewRotation(reps));
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(RotationRecord r, RotationStore::Insert(tx, office, state, positions, now));
  SALES_RETURN_IF_ERROR(RotationStore::RecordChange(tx, r.id, ActorOf(call.principal), MembersText(r), "created", now));
  SALES_RETURN_IF_ERROR(AppendRotationEvent(outbox_, tx, r, "CREATED", "", call.principal, call.request_id));
  v1::CreateRotationResponse out;
  *out.mutable_rotation() = ToProto(r);
  return out;
}

absl::StatusOr<v1::UpdateRotationMembersResponse> DutyRotation::UpdateMembers(
    db::Transaction& tx, const CallContext& call, const v1::UpdateRotationMembersRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  if (!v.all && !(v.IsManager() && v.ActsOnUnit(request.office_id()))) {
    return Denied(v, "change the rotation members (the office's manager)");
  }
  SALES_ASSIGN_OR_RETURN(auto found, RotationStore::ByOffice(tx, request.office_id(), true));
  if (!found.has_value()) return NotFound("rotation of office", request.office_id());
  RotationRecord r = *found;
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), r.version, "rotation", r.office_id));
  auto members = ByPosition(request.members());
  std::vector<RotationSlot> slots;
  std::vector<int32_t> positions;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].active()) {
      SALES_RETURN_IF_ERROR(
          CheckRepInOffice(tx, members[i].rep_id(), r.office_id, absl::StrCat("members[", i, "].rep_id")));
    } else {
      SALES_RETURN_IF_ERROR(KnownRep(tx, members[i].rep_id()).status());
    }
    slots.push_back({members[i].rep_id(), members[i].active()});
    positions.push_back(members[i].position());
  }
  SALES_ASSIGN_OR_RETURN(r.state, ReplaceMembers(r.state, slots));
  r.positions = positions;
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(r, RotationStore::Save(tx, r, now));
  SALES_RETURN_IF_ERROR(
      RotationStore::RecordChange(tx, r.id, ActorOf(call.principal), MembersText(r), request.reason(), now));
  SALES_RETURN_IF_ERROR(
      AppendRotationEvent(outbox_, tx, r, "MEMBERS_UPDATED", request.reason(), call.principal, call.request_id));
  v1::UpdateRotationMembersResponse out;
  *out.mutable_rotation() = ToProto(r);
  return out;
}

absl::StatusOr<v1::RecordRepAbsenceResponse> DutyRotation::RecordAbsence(db::Transaction& tx, const CallContext& call,
                                                                         const v1::RecordRepAbsenceRequest& request) {
  const auto& a = request.absence();
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) {
    return Denied(v, "record this absence (the rep, the office's receptionist or manager)");
  }
  SALES_RETURN_IF_ERROR(CheckOffice(tx, a.office_id(), "absence.office_id"));
  SALES_RETURN_IF_ERROR(KnownRep(tx, a.rep_id()).status());
  std::optional<absl::Time> end;
  if (a.has_end_time()) end = FromTimestamp(a.end_time());
  SALES_ASSIGN_OR_RETURN(auto clash, AbsenceStore::Overlapping(tx, a.rep_id(), FromTimestamp(a.start_time()), end, 0));
  if (clash.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("rep ", a.rep_id(), " already has absence ", clash->id(), " in that time")),
                         "ABSENCE_OVERLAPS", kCustomersDomain, {{"absence_id", absl::StrCat(clash->id())}});
  }
  SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Insert(tx, a, ActorOf(call.principal), clock_.Now()));
  SALES_RETURN_IF_ERROR(AppendAbsenceEvent(outbox_, tx, rec.absence, "RECORDED", "", call.request_id));
  v1::RecordRepAbsenceResponse out;
  *out.mutable_absence() = rec.absence;
  return out;
}

absl::StatusOr<v1::EndRepAbsenceResponse> DutyRotation::EndAbsence(db::Transaction& tx, const CallContext& call,
                                                                   const v1::EndRepAbsenceRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Get(tx, request.absence_id(), true));
  const v1::RepAbsence& a = rec.absence;
  if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) return Denied(v, "end this absence");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.version, "absence", a.id()));
  const absl::Time now = clock_.Now();
  if (a.cancelled()) {
    return WithErrorInfo(absl::FailedPreconditionError("the absence was cancelled"), "ABSENCE_CANCELLED",
                         kCustomersDomain);
  }
  if (a.has_end_time() && FromTimestamp(a.end_time()) <= now) {
    return WithErrorInfo(absl::FailedPreconditionError("the absence has already ended"), "ABSENCE_ENDED",
                         kCustomersDomain);
  }
  const absl::Time end = request.has_end_time() ? FromTimestamp(request.end_time()) : now;
  if (end <= FromTimestamp(a.start_time())) return InvalidField("end_time", "must be after the absence's start");
  if (end > now) return InvalidField("end_time", "must not be in the future");
  SALES_RETURN_IF_ERROR(AbsenceStore::SetEnd(tx, a.id(), end));
  SALES_ASSIGN_OR_RETURN(rec, AbsenceStore::Get(tx, a.id(), false));
  SALES_RETURN_IF_ERROR(AppendAbsenceEvent(outbox_, tx, rec.absence, "ENDED", "", call.request_id));
  v1::EndRepAbsenceResponse out;
  *out.mutable_absence() = rec.absence;
  return out;
}

absl::StatusOr<v1::CancelRepAbsenceResponse> DutyRotation::CancelAbsence(db::Transaction& tx, const CallContext& call,
                                                                         const v1::CancelRepAbsenceRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Get(tx, request.absence_id(), true));
  const v1::RepAbsence& a = rec.absence;
  if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) return Denied(v, "cancel this absence");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.version, "absence", a.id()));
  if (a.cancelled()) {
    return WithErrorInfo(absl::FailedPreconditionError("the absence is already cancelled"), "ABSENCE_CANCELLED",
                         kCustomersDomain);
  }
  SALES_RETURN_IF_ERROR(AbsenceStore::Cancel(tx, a.id(), request.reason()));
  SALES_ASSIGN_OR_RETURN(rec, AbsenceStore::Get(tx, a.id(), false));
  SALES_RETURN_IF_ERROR(AppendAbsenceEvent(outbox_, tx, rec.absence, "CANCELLED", request.reason(), call.request_id));
  v1::CancelRepAbsenceResponse out;
  *out.mutable_absence() = rec.absence;
  return out;
}

}  // namespace sales::customers
