// Duty rotation (轮值制度) and reception: rotations, absences, leads,
// market-survey reports (补客户) and reception calls.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "customers-svc/api/engagement_api.h"
#include "customers-svc/api/engagement_support.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/rotation.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/rotation_store.h"
#include "customers-svc/store/settings_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {

using engagement::ActorOf;
using engagement::DayRange;
using engagement::Denied;
using engagement::kDomain;
using engagement::LoadViewer;
using engagement::Method;
using engagement::ReadDayRange;
using engagement::Viewer;

namespace {

constexpr size_t kMaxReason = 1000;
constexpr int kMaxMembers = 200;

absl::Status RequireEtag(const std::string& etag) {
  return etag.empty() ? InvalidField("etag", "required: send the etag last read") : absl::OkStatus();
}

absl::Status RequireReason(const std::string& reason, const std::string& field = "reason") {
  if (reason.empty()) return InvalidField(field, "required");
  if (reason.size() > kMaxReason) return InvalidField(field, absl::StrCat("at most ", kMaxReason, " bytes"));
  return absl::OkStatus();
}

// Members in turn order (by position); violations named after `prefix`.
absl::Status CheckMembers(const google::protobuf::RepeatedPtrField<v1::RotationMember>& members,
                          const std::string& prefix) {
  std::vector<FieldViolation> v;
  if (members.empty()) v.push_back({prefix, "at least one member"});
  if (members.size() > kMaxMembers) v.push_back({prefix, absl::StrCat("at most ", kMaxMembers, " members")});
  std::set<int64_t> reps;
  std::set<int32_t> positions;
  for (int i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const std::string at = absl::StrCat(prefix, "[", i, "].");
    if (m.rep_id() <= 0) {
      v.push_back({at + "rep_id", "required, > 0"});
    } else if (!reps.insert(m.rep_id()).second) {
      v.push_back({at + "rep_id", absl::StrCat("rep ", m.rep_id(), " appears twice")});
    }
    if (m.position() <= 0) {
      v.push_back({at + "position", "required, > 0"});
    } else if (!positions.insert(m.position()).second) {
      v.push_back({at + "position", absl::StrCat("position ", m.position(), " appears twice")});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

std::vector<v1::RotationMember> ByPosition(const google::protobuf::RepeatedPtrField<v1::RotationMember>& members) {
  std::vector<v1::RotationMember> out(members.begin(), members.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position() < b.position(); });
  return out;
}

std::string MembersText(const RotationRecord& r) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < r.state.members.size(); ++i) {
    parts.push_back(absl::StrCat(r.positions[i], ":", r.state.members[i].rep_id, r.state.members[i].active ? "" : "(inactive)"));
  }
  return absl::StrJoin(parts, ",");
}

std::vector<int64_t> MemberReps(const RotationState& s) {
  std::vector<int64_t> out;
  for (const auto& m : s.members) out.push_back(m.rep_id);
  return out;
}

absl::Status NoRotation(int64_t office_id) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("office ", office_id, " has no duty rotation")),
                       "NO_ROTATION", kDomain, {{"office_id", absl::StrCat(office_id)}});
}

absl::StatusOr<RotationRecord> LockRotation(db::Transaction& tx, int64_t office_id) {
  SALES_ASSIGN_OR_RETURN(auto r, RotationStore::ByOffice(tx, office_id, /*for_update=*/true));
  if (!r.has_value()) return NoRotation(office_id);
  return *r;
}

absl::Status AppendRotationEvent(ServiceRuntime& rt, db::Transaction& tx, const RotationRecord& r,
                                 const std::string& change, const std::string& reason, const Principal& who,
                                 const std::string& request_id) {
  v1::RotationChangedEvent e;
  *e.mutable_rotation() = ToProto(r);
  e.set_change(change);
  e.set_reason(reason);
  *e.mutable_actor() = ActorOf(who);
  return rt.outbox->Append(tx, "Rotation", absl::StrCat(r.office_id), e, request_id);
}

// A rep may read a rotation they take turns in.
bool IsMember(const RotationRecord& r, int64_t rep_id) {
  if (rep_id == 0) return false;
  for (const auto& m : r.state.members) {
    if (m.rep_id == rep_id) return true;
  }
  return false;
}

bool SeesLead(const Viewer& v, const v1::Lead& l) {
  return v.SeesUnit(l.office_id()) || (v.principal.rep_id != 0 && v.principal.rep_id == l.assigned_rep_id());
}

// What reception may see of an existing customer it was routed to.
v1::Customer MaskedForReception(const v1::Customer& c) {
  v1::Customer out;
  out.set_id(c.id());
  out.set_name(c.name());
  out.set_city(c.city());
  out.set_type(c.type());
  out.set_status(c.status());
  out.set_owner_rep_id(c.owner_rep_id());
  out.set_masked(true);
  return out;
}

bool ConsumedTurn(v1::LeadOutcome o) {
  return o == v1::LEAD_OUTCOME_ASSIGNED_BY_ROTATION || o == v1::LEAD_OUTCOME_ASSIGNED_BY_MAKE_UP_TURN ||
         o == v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN || o == v1::LEAD_OUTCOME_POOL_CUSTOMER_ASSIGNED;
}

// Whether the lead's customer has bought (an account now).
absl::StatusOr<bool> HasBought(db::Transaction& tx, int64_t customer_id) {
  if (customer_id == 0) return false;
  SALES_ASSIGN_OR_RETURN(auto status, CustomerStore::StatusOf(tx, customer_id));
  if (!status.has_value()) return false;
  return *status == v1::CUSTOMER_STATUS_ACTIVE || *status == v1::CUSTOMER_STATUS_DORMANT;
}

absl::StatusOr<int> ListPage(int32_t requested) { return PageSize(requested, 100, 500); }

absl::StatusOr<int64_t> BeforeId(const std::string& token) {
  if (token.empty()) return int64_t{0};
  return DecodePageToken(token);
}

}  // namespace

// ---- Lead customer hooks (defaults) -----------------------------------------
// They register, claim and move customers through the core side's store
// (customer rows, ownership records, audit) and publish the same events its
// own handlers do, inside the lead's transaction.

absl::StatusOr<std::optional<EngagementApi::LeadCustomerMatch>> EngagementApi::FindLeadCustomer(
    db::Transaction& tx, const CallContext&, const v1::Customer& entered) {
  SALES_ASSIGN_OR_RETURN(auto matches, CustomerStore::FindDuplicates(tx, {entered.normalized_phone()}, entered.tax_id(),
                                                                    entered.normalized_name()));
  if (matches.empty()) return std::optional<LeadCustomerMatch>();
  const v1::Customer& c = matches.front().record.customer;
  if (c.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "the visitor matches blacklisted customer #", c.id(), ": no rep is assigned")),
                         "CUSTOMER_BLACKLISTED", kDomain, {{"customer_id", absl::StrCat(c.id())}});
  }
  LeadCustomerMatch m;
  m.customer = c;
  m.owned = c.owner_rep_id() != 0;
  return std::optional<LeadCustomerMatch>(std::move(m));
}

absl::StatusOr<v1::Customer> EngagementApi::RegisterLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                                 const v1::Customer& entered, int64_t rep_id,
                                                                 int64_t lead_id, int64_t) {
  const absl::Time now = rt_.clock->Now();
  const Who who = Who::Of(call.principal);
  v1::Customer c = entered;
  c.set_owner_rep_id(rep_id);
  c.set_status(v1::CUSTOMER_STATUS_PROSPECT);
  c.set_lead_id(lead_id);
  // Protection starts today for the rep whose turn it was (首问负责制).
  auto inserted = CustomerStore::Insert(tx, c, now, BusinessDay(now), who);
  if (absl::IsAlreadyExists(inserted.status())) {
    return WithErrorInfo(absl::AbortedError("the same customer was registered at the same moment; retry the lead"),
                         "CUSTOMER_RACE", kDomain);
  }
  SALES_RETURN_IF_ERROR(inserted.status());
  const int64_t id = inserted->customer.id();
  SALES_RETURN_IF_ERROR(CreditStore::Lock(tx, id, now).status());
  const std::string reason = absl::StrCat("reception lead ", lead_id, " by rotation");
  SALES_RETURN_IF_ERROR(
      CustomerStore::OpenFirstRecord(tx, id, rep_id, v1::OWNERSHIP_CHANGE_KIND_ROTATION_ASSIGNED, reason, who, now)
          .status());
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, id, who, "REGISTERED", "", absl::StrCat("owner rep ", rep_id), reason,
                                           call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, id));
  v1::CustomerRegisteredEvent event;
  *event.mutable_customer() = rec.customer;
  SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(id), event, call.request_id));
  return rec.customer;
}

namespace {

// Moves a customer to `to_rep_id` with an ownership record, audit entry and
// CustomerOwnerChangedEvent, as the core side's transfers do.
absl::StatusOr<v1::Customer> MoveCustomer(ServiceRuntime& rt, db::Transaction& tx, const CallContext& call,
                                          const CustomerRecord& rec, int64_t to_rep_id,
                                          v1::OwnershipChangeKind kind, const std::string& reason) {
  const absl::Time now = rt.clock->Now();
  const Who who = Who::Of(call.principal);
  CustomerStore::OwnerChange ch;
  ch.customer_id = rec.customer.id();
  ch.from_rep_id = rec.customer.owner_rep_id();
  ch.to_rep_id = to_rep_id;
  ch.kind = kind;
  ch.reason = reason;
  ch.who = who;
  if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(v1::OwnershipRecord record, CustomerStore::ChangeOwner(tx, ch, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), who, v1::OwnershipChangeKind_Name(kind),
                                           absl::StrCat(ch.from_rep_id), absl::StrCat(to_rep_id), reason,
                                           call.request_id, now));
  SALES_ASSIGN_OR_RETURN(int64_t from_unit, engagement::RepUnit(tx, ch.from_rep_id));
  SALES_ASSIGN_OR_RETURN(int64_t to_unit, engagement::RepUnit(tx, to_rep_id));
  v1::CustomerOwnerChangedEvent e;
  e.set_customer_id(rec.customer.id());
  e.set_from_rep_id(ch.from_rep_id);
  e.set_to_rep_id(to_rep_id);
  e.set_from_org_unit_id(from_unit);
  e.set_to_org_unit_id(to_unit);
  e.set_kind(kind);
  e.set_reason(reason);
  *e.mutable_effective_time() = ToTimestamp(now);
  e.set_status(rec.customer.status());
  e.set_ownership_record_id(record.id());
  *e.mutable_actor() = ActorOf(call.principal);
  SALES_RETURN_IF_ERROR(rt.outbox->Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  return after.customer;
}

}  // namespace

absl::StatusOr<v1::Customer> EngagementApi::ClaimLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                              const v1::Customer& pool_customer, int64_t rep_id,
                                                              int64_t lead_id) {
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, pool_customer.id()));
  if (rec.customer.owner_rep_id() != 0) {
    return WithErrorInfo(absl::AbortedError("the pool customer was claimed meanwhile; retry the lead"),
                         "CUSTOMER_CLAIMED", kDomain);
  }
  return MoveCustomer(rt_, tx, call, rec, rep_id, v1::OWNERSHIP_CHANGE_KIND_ROTATION_ASSIGNED,
                      absl::StrCat("pool customer came in as reception lead ", lead_id));
}

absl::StatusOr<v1::Customer> EngagementApi::ReassignLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                                 int64_t customer_id, int64_t from_rep_id,
                                                                 int64_t to_rep_id, const std::string& reason,
                                                                 int64_t lead_id) {
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, customer_id));
  const v1::CustomerStatus s = rec.customer.status();
  if (s == v1::CUSTOMER_STATUS_ACTIVE || s == v1::CUSTOMER_STATUS_DORMANT) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "customer ", customer_id, " has bought meanwhile: accounts move only by transfer")),
                         "CUSTOMER_HAS_BOUGHT", kDomain);
  }
  if (s == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return WithErrorInfo(absl::FailedPreconditionError("the customer is blacklisted"), "CUSTOMER_BLACKLISTED", kDomain);
  }
  if (rec.customer.owner_rep_id() != from_rep_id) {
    // Someone else holds it now (claimed or transferred): the ruling on the
    // lead does not override that.
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "customer ", customer_id, " is no longer held by rep ", from_rep_id)),
                         "CUSTOMER_OWNER_CHANGED", kDomain);
  }
  return MoveCustomer(rt_, tx, call, rec, to_rep_id, v1::OWNERSHIP_CHANGE_KIND_REASSIGNED,
                      absl::StrCat("lead ", lead_id, " ruling: ", reason));
}

// ---- Rotations ---------------------------------------------------------------

grpc::Status EngagementApi::CreateRotation(grpc::ServerContext* ctx, const v1::CreateRotationRequest* req,
                                           v1::CreateRotationResponse* resp) {
  return ServeMutation<v1::CreateRotationRequest, v1::CreateRotationResponse>(
      ctx, Method("CreateRotation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_rotation()) return InvalidField("rotation", "required");
        if (req->rotation().office_id() <= 0) return InvalidField("rotation.office_id", "required, > 0");
        return CheckMembers(req->rotation().members(), "rotation.members");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateRotationResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        const int64_t office = req->rotation().office_id();
        if (!v.all && !((v.IsManager() || v.IsReceptionist()) && v.ActsOnUnit(office))) {
          return Denied(v, "create the rotation of this office (its manager or receptionist)");
        }
        SALES_RETURN_IF_ERROR(engagement::CheckOffice(tx, office, "rotation.office_id"));
        auto members = ByPosition(req->rotation().members());
        std::vector<int64_t> reps;
        std::vector<int32_t> positions;
        for (size_t i = 0; i < members.size(); ++i) {
          SALES_RETURN_IF_ERROR(engagement::CheckRepInOffice(tx, members[i].rep_id(), office,
                                                             absl::StrCat("rotation.members[", i, "].rep_id")));
          reps.push_back(members[i].rep_id());
          positions.push_back(members[i].position());
        }
        SALES_ASSIGN_OR_RETURN(RotationState state, NewRotation(reps));
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(RotationRecord r, RotationStore::Insert(tx, office, state, positions, now));
        SALES_RETURN_IF_ERROR(RotationStore::RecordChange(tx, r.id, ActorOf(call.principal), MembersText(r),
                                                          "created", now));
        SALES_RETURN_IF_ERROR(AppendRotationEvent(rt_, tx, r, "CREATED", "", call.principal, call.request_id));
        v1::CreateRotationResponse out;
        *out.mutable_rotation() = ToProto(r);
        return out;
      });
}

grpc::Status EngagementApi::GetRotation(grpc::ServerContext* ctx, const v1::GetRotationRequest* req,
                                        v1::GetRotationResponse* resp) {
  return ServeRead<v1::GetRotationResponse>(
      ctx, Method("GetRotation"), rt_, resp,
      [&](CallContext&) { return req->office_id() > 0 ? absl::OkStatus() : InvalidField("office_id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetRotationResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto r, RotationStore::ByOffice(tx, req->office_id(), false));
        if (!r.has_value()) return NotFound("rotation of office", req->office_id());
        if (!v.SeesUnit(r->office_id) && !IsMember(*r, v.principal.rep_id)) {
          return Denied(v, "read the rotation of another office");
        }
        v1::GetRotationResponse out;
        *out.mutable_rotation() = ToProto(*r);
        return out;
      });
}

grpc::Status EngagementApi::ListRotations(grpc::ServerContext* ctx, const v1::ListRotationsRequest* req,
                                          v1::ListRotationsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListRotationsResponse>(
      ctx, Method("ListRotations"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        }
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRotationsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        bool all = v.read_all;
        std::vector<int64_t> offices = v.UnitList();
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(auto sub, OrgReplica::Subtree(tx, req->org_unit_id()));
          std::vector<int64_t> filtered;
          for (int64_t u : sub) {
            if (v.SeesUnit(u)) filtered.push_back(u);
          }
          all = false;
          offices = filtered;
        }
        std::vector<RotationRecord> rows;
        if (v.IsRep() && !all && offices.empty()) {
          // A rep lists the rotations they take turns in.
          SALES_ASSIGN_OR_RETURN(auto mine, RotationStore::OfficesOfMember(tx, v.principal.rep_id));
          offices.insert(offices.end(), mine.begin(), mine.end());
        }
        SALES_ASSIGN_OR_RETURN(rows, RotationStore::List(tx, all, offices, after, page + 1));
        v1::ListRotationsResponse out;
        bool more = static_cast<int>(rows.size()) > page;
        if (more) rows.pop_back();
        for (const auto& r : rows) *out.add_rotations() = ToProto(r);
        if (more) out.set_next_page_token(EncodePageToken(rows.back().office_id));
        return out;
      });
}

grpc::Status EngagementApi::UpdateRotationMembers(grpc::ServerContext* ctx,
                                                  const v1::UpdateRotationMembersRequest* req,
                                                  v1::UpdateRotationMembersResponse* resp) {
  return ServeMutation<v1::UpdateRotationMembersRequest, v1::UpdateRotationMembersResponse>(
      ctx, Method("UpdateRotationMembers"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->office_id() <= 0) return InvalidField("office_id", "required, > 0");
        SALES_RETURN_IF_ERROR(CheckMembers(req->members(), "members"));
        SALES_RETURN_IF_ERROR(RequireReason(req->reason()));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateRotationMembersResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (!v.all && !(v.IsManager() && v.ActsOnUnit(req->office_id()))) {
          return Denied(v, "change the rotation members (the office's manager)");
        }
        SALES_ASSIGN_OR_RETURN(auto found, RotationStore::ByOffice(tx, req->office_id(), true));
        if (!found.has_value()) return NotFound("rotation of office", req->office_id());
        RotationRecord r = *found;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), r.version, "rotation", r.office_id));
        auto members = ByPosition(req->members());
        std::vector<RotationSlot> slots;
        std::vector<int32_t> positions;
        for (size_t i = 0; i < members.size(); ++i) {
          if (members[i].active()) {
            SALES_RETURN_IF_ERROR(engagement::CheckRepInOffice(tx, members[i].rep_id(), r.office_id,
                                                               absl::StrCat("members[", i, "].rep_id")));
          } else {
            SALES_RETURN_IF_ERROR(engagement::KnownRep(tx, members[i].rep_id()).status());
          }
          slots.push_back({members[i].rep_id(), members[i].active()});
          positions.push_back(members[i].position());
        }
        SALES_ASSIGN_OR_RETURN(r.state, ReplaceMembers(r.state, slots));
        r.positions = positions;
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(r, RotationStore::Save(tx, r, now));
        SALES_RETURN_IF_ERROR(
            RotationStore::RecordChange(tx, r.id, ActorOf(call.principal), MembersText(r), req->reason(), now));
        SALES_RETURN_IF_ERROR(
            AppendRotationEvent(rt_, tx, r, "MEMBERS_UPDATED", req->reason(), call.principal, call.request_id));
        v1::UpdateRotationMembersResponse out;
        *out.mutable_rotation() = ToProto(r);
        return out;
      });
}

// ---- Absences ----------------------------------------------------------------

namespace {

// The rep, reception of the office, the office's manager, director/admin.
bool MayRecordAbsence(const Viewer& v, int64_t rep_id, int64_t office_id) {
  if (v.all) return true;
  if (v.IsRep()) return v.principal.rep_id == rep_id;
  return (v.IsManager() || v.IsReceptionist()) && v.ActsOnUnit(office_id);
}

absl::Status AppendAbsenceEvent(ServiceRuntime& rt, db::Transaction& tx, const v1::RepAbsence& a,
                                const std::string& change, const std::string& reason, const std::string& rid) {
  v1::RepAbsenceChangedEvent e;
  *e.mutable_absence() = a;
  e.set_change(change);
  e.set_reason(reason);
  return rt.outbox->Append(tx, "RepAbsence", absl::StrCat(a.id()), e, rid);
}

}  // namespace

grpc::Status EngagementApi::RecordRepAbsence(grpc::ServerContext* ctx, const v1::RecordRepAbsenceRequest* req,
                                             v1::RecordRepAbsenceResponse* resp) {
  return ServeMutation<v1::RecordRepAbsenceRequest, v1::RecordRepAbsenceResponse>(
      ctx, Method("RecordRepAbsence"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_absence()) return InvalidField("absence", "required");
        const auto& a = req->absence();
        std::vector<FieldViolation> v;
        if (a.rep_id() <= 0) v.push_back({"absence.rep_id", "required, > 0"});
        if (a.office_id() <= 0) v.push_back({"absence.office_id", "required, > 0"});
        if (a.kind() != v1::ABSENCE_KIND_PERSONAL && a.kind() != v1::ABSENCE_KIND_COMPANY) {
          v.push_back({"absence.kind", "PERSONAL or COMPANY"});
        }
        if (!a.has_start_time()) v.push_back({"absence.start_time", "required"});
        if (a.has_start_time() && a.has_end_time() && FromTimestamp(a.end_time()) <= FromTimestamp(a.start_time())) {
          v.push_back({"absence.end_time", "must be after start_time"});
        }
        if (a.reason().empty() || a.reason().size() > 500) v.push_back({"absence.reason", "required, at most 500 bytes"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordRepAbsenceResponse> {
        const auto& a = req->absence();
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) {
          return Denied(v, "record this absence (the rep, the office's receptionist or manager)");
        }
        SALES_RETURN_IF_ERROR(engagement::CheckOffice(tx, a.office_id(), "absence.office_id"));
        SALES_RETURN_IF_ERROR(engagement::KnownRep(tx, a.rep_id()).status());
        std::optional<absl::Time> end;
        if (a.has_end_time()) end = FromTimestamp(a.end_time());
        SALES_ASSIGN_OR_RETURN(auto clash,
                               AbsenceStore::Overlapping(tx, a.rep_id(), FromTimestamp(a.start_time()), end, 0));
        if (clash.has_value()) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                   "rep ", a.rep_id(), " already has absence ", clash->id(), " in that time")),
                               "ABSENCE_OVERLAPS", kDomain, {{"absence_id", absl::StrCat(clash->id())}});
        }
        SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Insert(tx, a, ActorOf(call.principal), rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(AppendAbsenceEvent(rt_, tx, rec.absence, "RECORDED", "", call.request_id));
        v1::RecordRepAbsenceResponse out;
        *out.mutable_absence() = rec.absence;
        return out;
      });
}

grpc::Status EngagementApi::EndRepAbsence(grpc::ServerContext* ctx, const v1::EndRepAbsenceRequest* req,
                                          v1::EndRepAbsenceResponse* resp) {
  return ServeMutation<v1::EndRepAbsenceRequest, v1::EndRepAbsenceResponse>(
      ctx, Method("EndRepAbsence"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->absence_id() <= 0) return InvalidField("absence_id", "required, > 0");
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::EndRepAbsenceResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Get(tx, req->absence_id(), true));
        const v1::RepAbsence& a = rec.absence;
        if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) return Denied(v, "end this absence");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.version, "absence", a.id()));
        const absl::Time now = rt_.clock->Now();
        if (a.cancelled()) {
          return WithErrorInfo(absl::FailedPreconditionError("the absence was cancelled"), "ABSENCE_CANCELLED", kDomain);
        }
        if (a.has_end_time() && FromTimestamp(a.end_time()) <= now) {
          return WithErrorInfo(absl::FailedPreconditionError("the absence has already ended"), "ABSENCE_ENDED",
                               kDomain);
        }
        const absl::Time end = req->has_end_time() ? FromTimestamp(req->end_time()) : now;
        if (end <= FromTimestamp(a.start_time())) return InvalidField("end_time", "must be after the absence's start");
        if (end > now) return InvalidField("end_time", "must not be in the future");
        SALES_RETURN_IF_ERROR(AbsenceStore::SetEnd(tx, a.id(), end));
        SALES_ASSIGN_OR_RETURN(rec, AbsenceStore::Get(tx, a.id(), false));
        SALES_RETURN_IF_ERROR(AppendAbsenceEvent(rt_, tx, rec.absence, "ENDED", "", call.request_id));
        v1::EndRepAbsenceResponse out;
        *out.mutable_absence() = rec.absence;
        return out;
      });
}

grpc::Status EngagementApi::CancelRepAbsence(grpc::ServerContext* ctx, const v1::CancelRepAbsenceRequest* req,
                                             v1::CancelRepAbsenceResponse* resp) {
  return ServeMutation<v1::CancelRepAbsenceRequest, v1::CancelRepAbsenceResponse>(
      ctx, Method("CancelRepAbsence"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->absence_id() <= 0) return InvalidField("absence_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireReason(req->reason()));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelRepAbsenceResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, AbsenceStore::Get(tx, req->absence_id(), true));
        const v1::RepAbsence& a = rec.absence;
        if (!MayRecordAbsence(v, a.rep_id(), a.office_id())) return Denied(v, "cancel this absence");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.version, "absence", a.id()));
        if (a.cancelled()) {
          return WithErrorInfo(absl::FailedPreconditionError("the absence is already cancelled"), "ABSENCE_CANCELLED",
                               kDomain);
        }
        SALES_RETURN_IF_ERROR(AbsenceStore::Cancel(tx, a.id(), req->reason()));
        SALES_ASSIGN_OR_RETURN(rec, AbsenceStore::Get(tx, a.id(), false));
        SALES_RETURN_IF_ERROR(AppendAbsenceEvent(rt_, tx, rec.absence, "CANCELLED", req->reason(), call.request_id));
        v1::CancelRepAbsenceResponse out;
        *out.mutable_absence() = rec.absence;
        return out;
      });
}

grpc::Status EngagementApi::ListRepAbsences(grpc::ServerContext* ctx, const v1::ListRepAbsencesRequest* req,
                                            v1::ListRepAbsencesResponse* resp) {
  AbsenceStore::Filter f;
  return ServeRead<v1::ListRepAbsencesResponse>(
      ctx, Method("ListRepAbsences"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, ListPage(req->page_size()));
        f.limit = page + 1;
        SALES_ASSIGN_OR_RETURN(f.before_id, BeforeId(req->page_token()));
        f.office_id = req->office_id();
        f.rep_id = req->rep_id();
        if (req->has_active_at()) f.active_at = FromTimestamp(req->active_at());
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRepAbsencesResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        v.ScopeReads(&f);
        SALES_ASSIGN_OR_RETURN(auto rows, AbsenceStore::List(tx, f));
        v1::ListRepAbsencesResponse out;
        FillPage(std::move(rows), f.limit - 1, &out, [](auto* r) { return r->add_absences(); });
        return out;
      });
}

// ---- Leads -------------------------------------------------------------------

grpc::Status EngagementApi::RegisterLead(grpc::ServerContext* ctx, const v1::RegisterLeadRequest* req,
                                         v1::RegisterLeadResponse* resp) {
  v1::Customer entered = req->customer();
  return ServeMutation<v1::RegisterLeadRequest, v1::RegisterLeadResponse>(
      ctx, Method("RegisterLead"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->office_id() <= 0) v.push_back({"office_id", "required, > 0"});
        if (req->channel() != v1::LEAD_CHANNEL_WALK_IN && req->channel() != v1::LEAD_CHANNEL_HOTLINE) {
          v.push_back({"channel", "WALK_IN or HOTLINE"});
        }
        if (req->party_size() < 0 || req->party_size() > 1000) v.push_back({"party_size", "must be 0..1000"});
        if (req->inquiry().size() > 2000) v.push_back({"inquiry", "at most 2000 bytes"});
        if (req->referral_id() < 0) v.push_back({"referral_id", "must be >= 0"});
        if (!req->has_customer()) {
          v.push_back({"customer", "required"});
        } else {
          if (entered.name().empty() || entered.name().size() > 200) {
            v.push_back({"customer.name", "required, at most 200 bytes"});
          }
          if (entered.type() == v1::CUSTOMER_TYPE_UNSPECIFIED || !v1::CustomerType_IsValid(entered.type())) {
            v.push_back({"customer.type", "required"});
          }
          if (entered.region().empty() || entered.region().size() > 32) {
            v.push_back({"customer.region", "required, at most 32 bytes"});
          }
          if (entered.city().empty() || entered.city().size() > 64) {
            v.push_back({"customer.city", "required, at most 64 bytes"});
          }
          if (entered.phone().empty()) {
            v.push_back({"customer.phone", "required"});
          } else {
            auto phone = NormalizePhone(entered.phone());
            if (!phone.ok()) {
              for (auto& fv : FieldViolationsOf(phone.status())) v.push_back({"customer.phone", fv.description});
            } else {
              entered.set_normalized_phone(*phone);
            }
          }
          if (!entered.name().empty()) entered.set_normalized_name(NormalizeName(entered.name()));
          if (entered.source_channel().empty()) {
            entered.set_source_channel(req->channel() == v1::LEAD_CHANNEL_HOTLINE ? "HOTLINE" : "WALK_IN");
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RegisterLeadResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        const int64_t office = req->office_id();
        if (!(v.principal.role == kRoleAdmin || !v.principal.authenticated()) &&
            !(v.IsReceptionist() && v.ActsOnUnit(office))) {
          return Denied(v, "register reception leads (the office's receptionist)");
        }
        SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
        std::vector<FieldViolation> bad;
        bool region_ok = false;
        for (const auto& r : settings.regions()) region_ok = region_ok || r.code() == entered.region();
        if (!region_ok) bad.push_back({"customer.region", absl::StrCat("unknown region ", entered.region())});
        bool channel_ok = false;
        for (const auto& c : settings.source_channels()) channel_ok = channel_ok || c == entered.source_channel();
        if (!channel_ok) {
          bad.push_back({"customer.source_channel", absl::StrCat("unknown source channel ", entered.source_channel())});
        }
        if (!bad.empty()) return InvalidFields(std::move(bad));
        const int32_t party = req->party_size() == 0 ? 1 : req->party_size();
        if (party > settings.max_rotation_party_size()) {
          return WithErrorInfo(
              absl::FailedPreconditionError(absl::StrCat(
                  "a party of ", party, " is larger than ", settings.max_rotation_party_size(),
                  ": the manager places it (来客超过4人由销售经理酌情安排)")),
              "PARTY_TOO_LARGE", kDomain, {{"max_rotation_party_size", absl::StrCat(settings.max_rotation_party_size())}});
        }
        SALES_RETURN_IF_ERROR(engagement::CheckOffice(tx, office, "office_id"));
        // The row lock that serialises assignments of this office.
        SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, office));
        SALES_ASSIGN_OR_RETURN(auto match, FindLeadCustomer(tx, call, entered));

        const absl::Time now = rt_.clock->Now();
        LeadRecord lead;
        lead.lead.set_office_id(office);
        lead.lead.set_channel(req->channel());
        lead.lead.set_party_size(party);
        lead.lead.set_inquiry(req->inquiry());
        lead.contact_name = entered.name();
        lead.contact_phone = entered.normalized_phone();
        lead.customer_type = entered.type();
        lead.region = entered.region();
        lead.city = entered.city();
        bool rotation_changed = false;
        if (match.has_value() && match->owned) {
          // 客户说与某位业务员有过联系: its rep receives it, no turn is used.
          lead.lead.set_customer_id(match->customer.id());
          lead.lead.set_assigned_rep_id(match->customer.owner_rep_id());
          lead.lead.set_outcome(v1::LEAD_OUTCOME_ROUTED_TO_OWNER);
        } else {
          SALES_ASSIGN_OR_RETURN(Absences away, AbsenceStore::AwayAt(tx, MemberReps(rot.state), now));
          auto assigned = Assign(rot.state, away);
          if (!assigned.ok()) {
            if (absl::IsFailedPrecondition(assigned.status())) {
              return WithErrorInfo(assigned.status(), "NO_REP_AVAILABLE", kDomain);
            }
            return assigned.status();
          }
          lead.lead.set_assigned_rep_id(assigned->rep_id);
          lead.turn_outcome = assigned->outcome;
          lead.lead.set_outcome(match.has_value() ? v1::LEAD_OUTCOME_POOL_CUSTOMER_ASSIGNED : assigned->outcome);
          if (match.has_value()) lead.lead.set_customer_id(match->customer.id());
          for (const Skip& s : assigned->skipped) *lead.lead.add_skipped() = ToSkippedTurn(s);
          rot.state = assigned->state;
          rotation_changed = true;
        }
        SALES_ASSIGN_OR_RETURN(lead.assigned_unit_id, engagement::RepUnit(tx, lead.lead.assigned_rep_id()));
        if (rotation_changed) {
          SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
        }
        SALES_ASSIGN_OR_RETURN(LeadRecord saved, LeadStore::Insert(tx, lead, ActorOf(call.principal), now));

        v1::RegisterLeadResponse out;
        if (match.has_value() && match->owned) {
          *out.mutable_customer() = MaskedForReception(match->customer);
        } else if (match.has_value()) {
          SALES_ASSIGN_OR_RETURN(v1::Customer c, ClaimLeadCustomer(tx, call, match->customer,
                                                                   saved.lead.assigned_rep_id(), saved.lead.id()));
          *out.mutable_customer() = MaskedForReception(c);
        } else {
          SALES_ASSIGN_OR_RETURN(v1::Customer c, RegisterLeadCustomer(tx, call, entered, saved.lead.assigned_rep_id(),
                                                                      saved.lead.id(), req->referral_id()));
          if (c.id() != 0) {
            SALES_RETURN_IF_ERROR(LeadStore::SetCustomer(tx, saved.lead.id(), c.id()));
            saved.lead.set_customer_id(c.id());
          }
          *out.mutable_customer() = c;
        }
        v1::LeadAssignedEvent e;
        *e.mutable_lead() = saved.lead;
        e.set_org_unit_id(saved.assigned_unit_id);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Lead", absl::StrCat(saved.lead.id()), e, call.request_id));
        *out.mutable_lead() = saved.lead;
        return out;
      });
}

grpc::Status EngagementApi::GetLead(grpc::ServerContext* ctx, const v1::GetLeadRequest* req,
                                    v1::GetLeadResponse* resp) {
  return ServeRead<v1::GetLeadResponse>(
      ctx, Method("GetLead"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetLeadResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, LeadStore::Get(tx, req->id(), false));
        if (!SeesLead(v, rec.lead)) return Denied(v, "read this lead");
        v1::GetLeadResponse out;
        *out.mutable_lead() = rec.lead;
        return out;
      });
}

grpc::Status EngagementApi::ListLeads(grpc::ServerContext* ctx, const v1::ListLeadsRequest* req,
                                      v1::ListLeadsResponse* resp) {
  LeadStore::Filter f;
  return ServeRead<v1::ListLeadsResponse>(
      ctx, Method("ListLeads"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, ListPage(req->page_size()));
        f.limit = page + 1;
        SALES_ASSIGN_OR_RETURN(f.before_id, BeforeId(req->page_token()));
        f.office_id = req->office_id();
        f.rep_id = req->rep_id();
        f.channel = req->channel();
        if (req->has_dates()) {
          SALES_ASSIGN_OR_RETURN(DayRange days, ReadDayRange(req->dates(), "dates"));
          f.from = days.from;
          f.to = days.to;
        }
        for (int o : req->outcomes()) f.outcomes.push_back(o);
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListLeadsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        v.ScopeReads(&f);
        SALES_ASSIGN_OR_RETURN(auto rows, LeadStore::List(tx, f));
        v1::ListLeadsResponse out;
        FillPage(std::move(rows), f.limit - 1, &out, [](auto* r) { return r->add_leads(); });
        return out;
      });
}

grpc::Status EngagementApi::PreviewNextTurn(grpc::ServerContext* ctx, const v1::PreviewNextTurnRequest* req,
                                            v1::PreviewNextTurnResponse* resp) {
  return ServeRead<v1::PreviewNextTurnResponse>(
      ctx, Method("PreviewNextTurn"), rt_, resp,
      [&](CallContext&) { return req->office_id() > 0 ? absl::OkStatus() : InvalidField("office_id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::PreviewNextTurnResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto r, RotationStore::ByOffice(tx, req->office_id(), false));
        if (!r.has_value()) return NotFound("rotation of office", req->office_id());
        if (!v.SeesUnit(r->office_id) && !IsMember(*r, v.principal.rep_id)) {
          return Denied(v, "preview the rotation of another office");
        }
        SALES_ASSIGN_OR_RETURN(Absences away, AbsenceStore::AwayAt(tx, MemberReps(r->state), rt_.clock->Now()));
        auto next = PreviewNext(r->state, away);
        if (!next.ok()) {
          if (absl::IsFailedPrecondition(next.status())) return WithErrorInfo(next.status(), "NO_REP_AVAILABLE", kDomain);
          return next.status();
        }
        v1::PreviewNextTurnResponse out;
        out.set_rep_id(next->rep_id);
        out.set_outcome(next->outcome);
        for (const Skip& s : next->skipped) *out.add_skipped() = ToSkippedTurn(s);
        return out;
      });
}

grpc::Status EngagementApi::ReassignLead(grpc::ServerContext* ctx, const v1::ReassignLeadRequest* req,
                                         v1::ReassignLeadResponse* resp) {
  return ServeMutation<v1::ReassignLeadRequest, v1::ReassignLeadResponse>(
      ctx, Method("ReassignLead"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->lead_id() <= 0) v.push_back({"lead_id", "required, > 0"});
        if (req->to_rep_id() <= 0) v.push_back({"to_rep_id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > kMaxReason) v.push_back({"reason", "required, at most 1000 bytes"});
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReassignLeadResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto lead, LeadStore::Get(tx, req->lead_id(), true));
        const int64_t office = lead.lead.office_id();
        if (!v.all && !(v.IsManager() && v.ActsOnUnit(office))) {
          return Denied(v, "rule on a lead's assignment (the office's manager)");
        }
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), lead.version, "lead", lead.lead.id()));
        if (lead.lead.outcome() == v1::LEAD_OUTCOME_MARKET_SURVEY) {
          return WithErrorInfo(absl::FailedPreconditionError("the lead was approved as a market survey"),
                               "LEAD_MARKET_SURVEY", kDomain);
        }
        const int64_t from = lead.lead.assigned_rep_id();
        if (from == req->to_rep_id()) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the lead is already with rep ", from)),
                               "SAME_REP", kDomain);
        }
        SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, office));
        bool in_rotation = false;
        for (const auto& m : rot.state.members) in_rotation = in_rotation || (m.rep_id == req->to_rep_id() && m.active);
        if (!in_rotation) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                   "rep ", req->to_rep_id(), " is not an active member of the office's rotation")),
                               "REP_NOT_IN_ROTATION", kDomain);
        }
        SALES_RETURN_IF_ERROR(engagement::CheckRepInOffice(tx, req->to_rep_id(), office, "to_rep_id"));
        v1::Customer customer;
        if (lead.lead.customer_id() != 0) {
          SALES_ASSIGN_OR_RETURN(customer, ReassignLeadCustomer(tx, call, lead.lead.customer_id(), from,
                                                                req->to_rep_id(), req->reason(), lead.lead.id()));
        } else {
          customer.set_name(lead.contact_name);
          customer.set_city(lead.city);
          customer.set_owner_rep_id(req->to_rep_id());
        }
        const absl::Time now = rt_.clock->Now();
        if (req->restore_turn() && ConsumedTurn(lead.turn_outcome)) {
          bool from_active = false;
          for (const auto& m : rot.state.members) from_active = from_active || (m.rep_id == from && m.active);
          if (from_active) {
            SALES_ASSIGN_OR_RETURN(rot.state, GrantMakeUpTurn(rot.state, from));
            SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
            SALES_RETURN_IF_ERROR(AppendRotationEvent(rt_, tx, rot, "TURN_RESTORED",
                                                      absl::StrCat("lead ", lead.lead.id(), ": ", req->reason()),
                                                      call.principal, call.request_id));
          }
        }
        SALES_ASSIGN_OR_RETURN(int64_t unit, engagement::RepUnit(tx, req->to_rep_id()));
        SALES_RETURN_IF_ERROR(LeadStore::Reassign(tx, lead.lead.id(), req->to_rep_id(), unit,
                                                  v1::LEAD_OUTCOME_REASSIGNED, req->reason(),
                                                  customer.id() != 0 ? customer.id() : lead.lead.customer_id()));
        SALES_ASSIGN_OR_RETURN(lead, LeadStore::Get(tx, lead.lead.id(), false));
        v1::LeadAssignedEvent e;
        *e.mutable_lead() = lead.lead;
        e.set_org_unit_id(unit);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Lead", absl::StrCat(lead.lead.id()), e, call.request_id));
        v1::ReassignLeadResponse out;
        *out.mutable_lead() = lead.lead;
        *out.mutable_customer() = customer;
        return out;
      });
}

// ---- Market-survey reports (补客户) ------------------------------------------------

grpc::Status EngagementApi::ReportMarketSurvey(grpc::ServerContext* ctx, const v1::ReportMarketSurveyRequest* req,
                                               v1::ReportMarketSurveyResponse* resp) {
  return ServeMutation<v1::ReportMarketSurveyRequest, v1::ReportMarketSurveyResponse>(
      ctx, Method("ReportMarketSurvey"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->lead_id() <= 0) v.push_back({"lead_id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > kMaxReason) v.push_back({"reason", "required, at most 1000 bytes"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReportMarketSurveyResponse> {
        SALES_ASSIGN_OR_RETURN(auto lead, LeadStore::Get(tx, req->lead_id(), true));
        if (call.principal.rep_id == 0 || lead.lead.assigned_rep_id() != call.principal.rep_id) {
          return WithErrorInfo(absl::FailedPreconditionError("the lead was not assigned to the calling rep"),
                               "LEAD_NOT_YOURS", kDomain);
        }
        if (!ConsumedTurn(lead.turn_outcome) || lead.lead.outcome() == v1::LEAD_OUTCOME_REASSIGNED) {
          return WithErrorInfo(absl::FailedPreconditionError(
                                   "only a lead received by a rotation turn (and still held) can be reported"),
                               "LEAD_NOT_A_TURN", kDomain);
        }
        SALES_ASSIGN_OR_RETURN(bool bought, HasBought(tx, lead.lead.customer_id()));
        if (bought) {
          return WithErrorInfo(absl::FailedPreconditionError("the lead's customer has bought: not a market survey"),
                               "CUSTOMER_HAS_BOUGHT", kDomain);
        }
        auto rec = SurveyStore::Insert(tx, lead.lead.id(), call.principal.rep_id, lead.lead.office_id(),
                                       req->reason(), rt_.clock->Now());
        if (absl::IsAlreadyExists(rec.status())) {
          return WithErrorInfo(absl::FailedPreconditionError("the lead already has a market-survey report"),
                               "SURVEY_ALREADY_REPORTED", kDomain);
        }
        SALES_RETURN_IF_ERROR(rec.status());
        v1::MarketSurveyReportedEvent e;
        *e.mutable_report() = rec->report;
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "MarketSurveyReport", absl::StrCat(rec->report.id()), e, call.request_id));
        v1::ReportMarketSurveyResponse out;
        *out.mutable_report() = rec->report;
        return out;
      });
}

namespace {

absl::StatusOr<SurveyRecord> PendingReport(db::Transaction& tx, const Viewer& v, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(auto rec, SurveyStore::Get(tx, id, true));
  if (!v.all && !(v.IsManager() && v.ActsOnUnit(rec.office_id))) {
    return Denied(v, "decide market-survey reports (the office's manager or the director)");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rec.version, "market survey report", id));
  if (rec.report.status() != v1::MARKET_SURVEY_REPORT_STATUS_PENDING) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "the report is already ", v1::MarketSurveyReportStatus_Name(rec.report.status()))),
                         "SURVEY_DECIDED", kDomain);
  }
  return rec;
}

}  // namespace

grpc::Status EngagementApi::ApproveMarketSurveyReport(grpc::ServerContext* ctx,
                                                      const v1::ApproveMarketSurveyReportRequest* req,
                                                      v1::ApproveMarketSurveyReportResponse* resp) {
  return ServeMutation<v1::ApproveMarketSurveyReportRequest, v1::ApproveMarketSurveyReportResponse>(
      ctx, Method("ApproveMarketSurveyReport"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->report_id() <= 0) v.push_back({"report_id", "required, > 0"});
        if (req->note().size() > kMaxReason) v.push_back({"note", "at most 1000 bytes"});
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveMarketSurveyReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, PendingReport(tx, v, req->report_id(), req->etag()));
        SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, rec.office_id));
        // One make-up turn per approved report; the report can be decided
        // only once, so the turn is granted only once.
        SALES_ASSIGN_OR_RETURN(rot.state, GrantMakeUpTurn(rot.state, rec.report.rep_id()));
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
        SALES_RETURN_IF_ERROR(SurveyStore::Decide(tx, rec.report.id(), v1::MARKET_SURVEY_REPORT_STATUS_APPROVED,
                                                  req->note(), ActorOf(call.principal), now));
        SALES_RETURN_IF_ERROR(LeadStore::SetOutcome(tx, rec.report.lead_id(), v1::LEAD_OUTCOME_MARKET_SURVEY));
        SALES_ASSIGN_OR_RETURN(rec, SurveyStore::Get(tx, rec.report.id(), false));
        v1::MarketSurveyReportDecidedEvent e;
        *e.mutable_report() = rec.report;
        e.set_make_up_turn_granted(true);
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "MarketSurveyReport", absl::StrCat(rec.report.id()), e, call.request_id));
        SALES_RETURN_IF_ERROR(AppendRotationEvent(rt_, tx, rot, "MAKE_UP_TURN_GRANTED",
                                                  absl::StrCat("market-survey report ", rec.report.id()),
                                                  call.principal, call.request_id));
        v1::ApproveMarketSurveyReportResponse out;
        *out.mutable_report() = rec.report;
        *out.mutable_rotation() = ToProto(rot);
        return out;
      });
}

grpc::Status EngagementApi::RejectMarketSurveyReport(grpc::ServerContext* ctx,
                                                     const v1::RejectMarketSurveyReportRequest* req,
                                                     v1::RejectMarketSurveyReportResponse* resp) {
  return ServeMutation<v1::RejectMarketSurveyReportRequest, v1::RejectMarketSurveyReportResponse>(
      ctx, Method("RejectMarketSurveyReport"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->report_id() <= 0) v.push_back({"report_id", "required, > 0"});
        if (req->reason().empty() || req->reason().size() > kMaxReason) v.push_back({"reason", "required, at most 1000 bytes"});
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectMarketSurveyReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, PendingReport(tx, v, req->report_id(), req->etag()));
        SALES_RETURN_IF_ERROR(SurveyStore::Decide(tx, rec.report.id(), v1::MARKET_SURVEY_REPORT_STATUS_REJECTED,
                                                  req->reason(), ActorOf(call.principal), rt_.clock->Now()));
        SALES_ASSIGN_OR_RETURN(rec, SurveyStore::Get(tx, rec.report.id(), false));
        v1::MarketSurveyReportDecidedEvent e;
        *e.mutable_report() = rec.report;
        e.set_make_up_turn_granted(false);
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "MarketSurveyReport", absl::StrCat(rec.report.id()), e, call.request_id));
        v1::RejectMarketSurveyReportResponse out;
        *out.mutable_report() = rec.report;
        return out;
      });
}

grpc::Status EngagementApi::ListMarketSurveyReports(grpc::ServerContext* ctx,
                                                    const v1::ListMarketSurveyReportsRequest* req,
                                                    v1::ListMarketSurveyReportsResponse* resp) {
  SurveyStore::Filter f;
  return ServeRead<v1::ListMarketSurveyReportsResponse>(
      ctx, Method("ListMarketSurveyReports"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, ListPage(req->page_size()));
        f.limit = page + 1;
        SALES_ASSIGN_OR_RETURN(f.before_id, BeforeId(req->page_token()));
        for (int s : req->statuses()) f.statuses.push_back(s);
        f.rep_id = req->rep_id();
        f.office_id = req->office_id();
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListMarketSurveyReportsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        v.ScopeReads(&f);
        SALES_ASSIGN_OR_RETURN(auto rows, SurveyStore::List(tx, f));
        v1::ListMarketSurveyReportsResponse out;
        const int page = f.limit - 1;
        bool more = static_cast<int>(rows.size()) > page;
        if (more) rows.pop_back();
        for (auto& r : rows) *out.add_reports() = r.report;
        if (more) out.set_next_page_token(EncodePageToken(rows.back().report.id()));
        return out;
      });
}

// ---- Reception calls and counts ------------------------------------------------

grpc::Status EngagementApi::LogReceptionCall(grpc::ServerContext* ctx, const v1::LogReceptionCallRequest* req,
                                             v1::LogReceptionCallResponse* resp) {
  return ServeMutation<v1::LogReceptionCallRequest, v1::LogReceptionCallResponse>(
      ctx, Method("LogReceptionCall"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_call()) return InvalidField("call", "required");
        const auto& c = req->call();
        std::vector<FieldViolation> v;
        if (c.office_id() <= 0) v.push_back({"call.office_id", "required, > 0"});
        if (c.kind() == v1::CALL_KIND_UNSPECIFIED || !v1::CallKind_IsValid(c.kind())) {
          v.push_back({"call.kind", "NEW_CUSTOMER, EXISTING_CUSTOMER or OTHER"});
        }
        if (!c.has_call_time()) {
          v.push_back({"call.call_time", "required"});
        } else if (FromTimestamp(c.call_time()) > rt_.clock->Now()) {
          v.push_back({"call.call_time", "must not be in the future"});
        }
        if (c.lead_id() < 0) v.push_back({"call.lead_id", "must be >= 0"});
        if (c.note().size() > 1000) v.push_back({"call.note", "at most 1000 bytes"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::LogReceptionCallResponse> {
        const auto& c = req->call();
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (!v.all && !((v.IsReceptionist() || v.IsManager()) && v.ActsOnUnit(c.office_id()))) {
          return Denied(v, "log reception calls (the office's receptionist)");
        }
        SALES_RETURN_IF_ERROR(engagement::CheckOffice(tx, c.office_id(), "call.office_id"));
        if (c.lead_id() != 0) {
          SALES_ASSIGN_OR_RETURN(auto lead, LeadStore::Get(tx, c.lead_id(), false));
          if (lead.lead.office_id() != c.office_id()) {
            return InvalidField("call.lead_id", absl::StrCat("lead ", c.lead_id(), " belongs to another office"));
          }
        }
        SALES_ASSIGN_OR_RETURN(auto saved, CallStore::Insert(tx, c, ActorOf(call.principal)));
        v1::ReceptionCallLoggedEvent e;
        *e.mutable_call() = saved;
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "ReceptionCall", absl::StrCat(saved.id()), e, call.request_id));
        v1::LogReceptionCallResponse out;
        *out.mutable_call() = saved;
        return out;
      });
}

grpc::Status EngagementApi::ListReceptionCalls(grpc::ServerContext* ctx, const v1::ListReceptionCallsRequest* req,
                                               v1::ListReceptionCallsResponse* resp) {
  CallStore::Filter f;
  return ServeRead<v1::ListReceptionCallsResponse>(
      ctx, Method("ListReceptionCalls"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, ListPage(req->page_size()));
        f.limit = page + 1;
        SALES_ASSIGN_OR_RETURN(f.before_id, BeforeId(req->page_token()));
        f.office_id = req->office_id();
        if (req->has_dates()) {
          SALES_ASSIGN_OR_RETURN(DayRange days, ReadDayRange(req->dates(), "dates"));
          f.from = days.from;
          f.to = days.to;
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListReceptionCallsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        f.all = v.read_all;
        f.offices = v.UnitList();
        SALES_ASSIGN_OR_RETURN(auto rows, CallStore::List(tx, f));
        v1::ListReceptionCallsResponse out;
        FillPage(std::move(rows), f.limit - 1, &out, [](auto* r) { return r->add_calls(); });
        return out;
      });
}

grpc::Status EngagementApi::GetReceptionReport(grpc::ServerContext* ctx, const v1::GetReceptionReportRequest* req,
                                               v1::GetReceptionReportResponse* resp) {
  absl::CivilDay from, to;
  return ServeRead<v1::GetReceptionReportResponse>(
      ctx, Method("GetReceptionReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_dates()) return InvalidField("dates", "required");
        SALES_ASSIGN_OR_RETURN(DayRange days, ReadDayRange(req->dates(), "dates"));
        from = days.from;
        to = days.to;
        if (to - from >= 366) return InvalidField("dates", "at most 366 days");
        if (req->office_id() < 0) return InvalidField("office_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetReceptionReportResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (v.IsRep()) return Denied(v, "read reception counts");
        std::vector<int64_t> offices;
        if (req->office_id() != 0) {
          if (!v.SeesUnit(req->office_id())) return Denied(v, "read another office's reception counts");
          SALES_RETURN_IF_ERROR(engagement::CheckOffice(tx, req->office_id(), "office_id"));
          offices.push_back(req->office_id());
        } else {
          SALES_ASSIGN_OR_RETURN(offices, engagement::OfficesInScope(tx, v));
        }
        SALES_ASSIGN_OR_RETURN(auto counts, ReceptionReportStore::Counts(tx, offices, from, to));
        v1::GetReceptionReportResponse out;
        for (int64_t office : offices) {
          v1::ReceptionDay total;
          total.set_office_id(office);
          for (absl::CivilDay d = from; d <= to; ++d) {
            v1::ReceptionDay* day = out.add_days();
            day->set_office_id(office);
            *day->mutable_date() = FromCivilDay(d);
            auto it = counts.find({office, d});
            if (it != counts.end()) {
              const ReceptionCounts& c = it->second;
              day->set_walk_in_leads(c.walk_in);
              day->set_hotline_leads(c.hotline);
              day->set_calls(c.calls);
              day->set_new_customer_calls(c.new_customer_calls);
              day->set_routed_to_owner(c.routed);
              day->set_market_surveys(c.surveys);
            }
            total.set_walk_in_leads(total.walk_in_leads() + day->walk_in_leads());
            total.set_hotline_leads(total.hotline_leads() + day->hotline_leads());
            total.set_calls(total.calls() + day->calls());
            total.set_new_customer_calls(total.new_customer_calls() + day->new_customer_calls());
            total.set_routed_to_owner(total.routed_to_owner() + day->routed_to_owner());
            total.set_market_surveys(total.market_surveys() + day->market_surveys());
          }
          *out.add_office_totals() = total;
        }
        return out;
      });
}

}  // namespace sales::customers
