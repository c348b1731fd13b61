#include "customers-svc/app/complaints.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/domain/complaints.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/store/complaint_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/convert.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

bool IsOwnerOrHandler(const Viewer& v, const v1::Complaint& c) {
  const int64_t me = v.principal.rep_id;
  return me != 0 && (me == c.owner_rep_id() || me == c.handler_rep_id());
}

bool ManagesComplaint(const Viewer& v, const v1::Complaint& c) {
  return v.all || (v.IsManager() && v.HasUnit(c.org_unit_id()));
}

absl::Status AppendComplaintEvent(Outbox& outbox, db::Transaction& tx, const v1::Complaint& c,
                                  const google::protobuf::Message& e, const std::string& rid) {
  return outbox.Append(tx, "Complaint", absl::StrCat(c.id()), e, rid);
}

// Loads a complaint for a change, checks the etag and that the caller may
// see it, and applies the state machine.
struct Change {
  ComplaintRecord rec;
  v1::ComplaintStatus from;
  v1::ComplaintStatus to;
};
absl::StatusOr<Change> Begin(db::Transaction& tx, const Viewer& v, int64_t id, const std::string& etag,
                             ComplaintAction action) {
  SALES_ASSIGN_OR_RETURN(auto rec, ComplaintStore::Get(tx, id, true));
  if (!SeesComplaint(v, rec.complaint)) return Denied(v, "act on this complaint");
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rec.version, "complaint", id));
  ComplaintFacts facts{rec.complaint.status(), rec.complaint.escalated(), rec.complaint.handler_rep_id() != 0};
  SALES_ASSIGN_OR_RETURN(v1::ComplaintStatus to, NextComplaintStatus(facts, action));
  return Change{rec, rec.complaint.status(), to};
}

absl::StatusOr<ComplaintRecord> Finish(db::Transaction& tx, v1::Complaint c, const Change& ch, ComplaintAction action,
                                       const CallContext& call, const std::string& reason, absl::Time now) {
  c.set_status(ch.to);
  SALES_RETURN_IF_ERROR(ComplaintStore::Save(tx, c, now));
  SALES_RETURN_IF_ERROR(ComplaintStore::AppendHistory(tx, c.id(), std::string(ComplaintActionName(action)), ch.from,
                                                      ch.to, ActorOf(call.principal), reason, call.request_id, now));
  return ComplaintStore::Get(tx, c.id(), false);
}

}  // namespace

bool SeesComplaint(const Viewer& v, const v1::Complaint& c) {
  if (v.all || v.principal.role == kRoleService) return true;
  return IsOwnerOrHandler(v, c) || ManagesComplaint(v, c);
}

absl::StatusOr<v1::RecordComplaintResponse> Complaints::Record(db::Transaction& tx, const CallContext& call,
                                                               const v1::RecordComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  const auto& in = request.complaint();
  SALES_ASSIGN_OR_RETURN(auto owner_of, CustomerStore::OwnerOf(tx, in.customer_id()));
  if (!owner_of.has_value()) return NotFound("customer", in.customer_id());
  const int64_t owner = *owner_of;
  SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, owner));
  const std::string& role = v.principal.role;
  const bool service_staff = role == kRoleClerk || role == kRoleReceptionist || role == kRoleService;
  const bool owner_rep = v.principal.rep_id != 0 && v.principal.rep_id == owner;
  const bool manager = v.IsManager() && unit != 0 && v.HasUnit(unit);
  if (!v.all && !service_staff && !owner_rep && !manager) {
    return Denied(v, "record a complaint of this customer (its owner, their manager or service staff)");
  }
  v1::Complaint c;
  c.set_customer_id(in.customer_id());
  *c.mutable_received_date() = in.received_date();
  c.set_category(in.category());
  c.set_severity(in.severity());
  c.set_subject(in.subject());
  c.set_description(in.description());
  c.set_order_id(in.order_id());
  c.set_owner_rep_id(owner);
  c.set_org_unit_id(unit);
  c.set_status(InitialComplaintStatus(in.severity()));
  if (EscalatesOnRecord(in.severity())) {
    // 情节重大者，应即提呈总经理: serious ones go to the director at once.
    c.set_escalated(true);
    c.set_escalation_reason("severity SERIOUS");
  }
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, ComplaintStore::Insert(tx, c, ActorOf(call.principal), now));
  SALES_RETURN_IF_ERROR(ComplaintStore::AppendHistory(tx, rec.complaint.id(), "record",
                                                      v1::COMPLAINT_STATUS_UNSPECIFIED, rec.complaint.status(),
                                                      ActorOf(call.principal), "", call.request_id, now));
  v1::ComplaintRecordedEvent recorded;
  *recorded.mutable_complaint() = rec.complaint;
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, recorded, call.request_id));
  if (rec.complaint.escalated()) {
    v1::ComplaintEscalatedEvent escalated;
    *escalated.mutable_complaint() = rec.complaint;
    SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, escalated, call.request_id));
  }
  v1::RecordComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

absl::StatusOr<v1::AssignComplaintResponse> Complaints::Assign(db::Transaction& tx, const CallContext& call,
                                                               const v1::AssignComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, request.complaint_id(), request.etag(), ComplaintAction::kAssign));
  const v1::Complaint& c = ch.rec.complaint;
  if (c.escalated() ? !v.all : !ManagesComplaint(v, c)) {
    return Denied(v, c.escalated() ? "assign an escalated complaint (the director)"
                                   : "assign complaints (the owner's manager or the director)");
  }
  auto handler = KnownRep(tx, request.handler_rep_id());
  if (absl::IsNotFound(handler.status())) return InvalidField("handler_rep_id", "unknown rep");
  SALES_RETURN_IF_ERROR(handler.status());
  if (handler->has_value() && (*handler)->left()) {
    return WithErrorInfo(absl::FailedPreconditionError("the handler has left the company"), "REP_LEFT",
                         kCustomersDomain);
  }
  v1::Complaint next = c;
  next.set_handler_rep_id(request.handler_rep_id());
  SALES_ASSIGN_OR_RETURN(auto rec,
                         Finish(tx, next, ch, ComplaintAction::kAssign, call, request.reason(), clock_.Now()));
  v1::ComplaintAssignedEvent e;
  *e.mutable_complaint() = rec.complaint;
  e.set_previous_handler_rep_id(c.handler_rep_id());
  e.set_reason(request.reason());
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, e, call.request_id));
  v1::AssignComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

absl::StatusOr<v1::EscalateComplaintResponse> Complaints::Escalate(db::Transaction& tx, const CallContext& call,
                                                                   const v1::EscalateComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, request.complaint_id(), request.etag(), ComplaintAction::kEscalate));
  v1::Complaint next = ch.rec.complaint;
  next.set_escalated(true);
  next.set_escalation_reason(request.reason());
  SALES_ASSIGN_OR_RETURN(auto rec,
                         Finish(tx, next, ch, ComplaintAction::kEscalate, call, request.reason(), clock_.Now()));
  v1::ComplaintEscalatedEvent e;
  *e.mutable_complaint() = rec.complaint;
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, e, call.request_id));
  v1::EscalateComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

absl::StatusOr<v1::ResolveComplaintResponse> Complaints::Resolve(db::Transaction& tx, const CallContext& call,
                                                                 const v1::ResolveComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, request.complaint_id(), request.etag(), ComplaintAction::kResolve));
  const v1::Complaint& c = ch.rec.complaint;
  const bool handler = v.principal.rep_id != 0 && v.principal.rep_id == c.handler_rep_id();
  // Escalated complaints are the director's (or the handler the
  // director named); the others the handler's or the manager's.
  if (!v.all && !handler && (c.escalated() || !ManagesComplaint(v, c))) {
    return Denied(v, c.escalated() ? "resolve an escalated complaint (the director or its handler)"
                                   : "resolve this complaint (its handler or the owner's manager)");
  }
  if (ToCivilDay(request.answer_date()) < ToCivilDay(c.received_date())) {
    return InvalidField("answer_date", "must not be before the complaint was received");
  }
  v1::Complaint next = c;
  next.set_resolution(request.resolution());
  next.set_customer_answer(request.customer_answer());
  *next.mutable_answer_date() = request.answer_date();
  SALES_ASSIGN_OR_RETURN(auto rec,
                         Finish(tx, next, ch, ComplaintAction::kResolve, call, request.resolution(), clock_.Now()));
  v1::ComplaintResolvedEvent e;
  *e.mutable_complaint() = rec.complaint;
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, e, call.request_id));
  v1::ResolveComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

absl::StatusOr<v1::CloseComplaintResponse> Complaints::Close(db::Transaction& tx, const CallContext& call,
                                                             const v1::CloseComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, request.complaint_id(), request.etag(), ComplaintAction::kClose));
  const absl::Time now = clock_.Now();
  v1::Complaint next = ch.rec.complaint;
  *next.mutable_close_time() = ToTimestamp(now);
  SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kClose, call, request.note(), now));
  v1::ComplaintClosedEvent e;
  *e.mutable_complaint() = rec.complaint;
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, e, call.request_id));
  v1::CloseComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

absl::StatusOr<v1::ReopenComplaintResponse> Complaints::Reopen(db::Transaction& tx, const CallContext& call,
                                                               const v1::ReopenComplaintRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, request.complaint_id(), request.etag(), ComplaintAction::kReopen));
  v1::Complaint next = ch.rec.complaint;
  next.clear_close_time();
  SALES_ASSIGN_OR_RETURN(auto rec,
                         Finish(tx, next, ch, ComplaintAction::kReopen, call, request.reason(), clock_.Now()));
  v1::ComplaintReopenedEvent e;
  *e.mutable_complaint() = rec.complaint;
  e.set_reason(request.reason());
  SALES_RETURN_IF_ERROR(AppendComplaintEvent(outbox_, tx, rec.complaint, e, call.request_id));
  v1::ReopenComplaintResponse out;
  *out.mutable_complaint() = rec.complaint;
  return out;
}

}  // namespace sales::customers
