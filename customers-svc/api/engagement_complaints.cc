// Customer complaints (客户投诉): record, assign, escalate, resolve with the
// answer given to the customer, close, reopen. The lifecycle rules live in
// domain/complaints.h; this file checks input and who may act.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/engagement_api.h"
#include "customers-svc/api/engagement_support.h"
#include "customers-svc/domain/complaints.h"
#include "customers-svc/store/complaint_store.h"
#include "customers-svc/store/customer_store.h"
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

constexpr size_t kMaxText = 4000;

bool IsOwnerOrHandler(const Viewer& v, const v1::Complaint& c) {
  const int64_t me = v.principal.rep_id;
  return me != 0 && (me == c.owner_rep_id() || me == c.handler_rep_id());
}

bool ManagesComplaint(const Viewer& v, const v1::Complaint& c) {
  return v.all || (v.IsManager() && v.units.count(c.org_unit_id()) > 0);
}

bool SeesComplaint(const Viewer& v, const v1::Complaint& c) {
  if (v.all || v.principal.role == kRoleService) return true;
  return IsOwnerOrHandler(v, c) || ManagesComplaint(v, c);
}

absl::Status RequireEtag(const std::string& etag) {
  return etag.empty() ? InvalidField("etag", "required: send the etag last read") : absl::OkStatus();
}

absl::Status RequireText(const std::string& text, const std::string& field, size_t max = 1000) {
  if (text.empty()) return InvalidField(field, "required");
  if (text.size() > max) return InvalidField(field, absl::StrCat("at most ", max, " bytes"));
  return absl::OkStatus();
}

absl::Status AppendComplaintEvent(ServiceRuntime& rt, db::Transaction& tx, const v1::Complaint& c,
                                  const google::protobuf::Message& e, const std::string& rid) {
  return rt.outbox->Append(tx, "Complaint", absl::StrCat(c.id()), e, rid);
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

grpc::Status EngagementApi::RecordComplaint(grpc::ServerContext* ctx, const v1::RecordComplaintRequest* req,
                                            v1::RecordComplaintResponse* resp) {
  return ServeMutation<v1::RecordComplaintRequest, v1::RecordComplaintResponse>(
      ctx, Method("RecordComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_complaint()) return InvalidField("complaint", "required");
        const auto& c = req->complaint();
        std::vector<FieldViolation> v;
        if (c.customer_id() <= 0) v.push_back({"complaint.customer_id", "required, > 0"});
        if (!c.has_received_date()) {
          v.push_back({"complaint.received_date", "required"});
        } else if (auto st = ValidateDate(c.received_date(), "complaint.received_date"); !st.ok()) {
          for (auto& f : FieldViolationsOf(st)) v.push_back(f);
        } else if (ToCivilDay(c.received_date()) > BusinessDay(rt_.clock->Now())) {
          v.push_back({"complaint.received_date", "must not be in the future"});
        }
        if (c.category() == v1::COMPLAINT_CATEGORY_UNSPECIFIED || !v1::ComplaintCategory_IsValid(c.category())) {
          v.push_back({"complaint.category", "required"});
        }
        if (c.severity() == v1::COMPLAINT_SEVERITY_UNSPECIFIED || !v1::ComplaintSeverity_IsValid(c.severity())) {
          v.push_back({"complaint.severity", "MINOR, MAJOR or SERIOUS"});
        }
        if (c.subject().empty() || c.subject().size() > 200) v.push_back({"complaint.subject", "required, 1..200 bytes"});
        if (c.description().empty() || c.description().size() > kMaxText) {
          v.push_back({"complaint.description", "required, at most 4000 bytes"});
        }
        if (c.order_id() < 0) v.push_back({"complaint.order_id", "must be >= 0"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        const auto& in = req->complaint();
        SALES_ASSIGN_OR_RETURN(auto owner_of, CustomerStore::OwnerOf(tx, in.customer_id()));
        if (!owner_of.has_value()) return NotFound("customer", in.customer_id());
        const int64_t owner = *owner_of;
        SALES_ASSIGN_OR_RETURN(int64_t unit, engagement::RepUnit(tx, owner));
        const std::string& role = v.principal.role;
        const bool service_staff = role == kRoleClerk || role == kRoleReceptionist || role == kRoleService;
        const bool owner_rep = v.principal.rep_id != 0 && v.principal.rep_id == owner;
        const bool manager = v.IsManager() && unit != 0 && v.units.count(unit) > 0;
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
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, ComplaintStore::Insert(tx, c, ActorOf(call.principal), now));
        SALES_RETURN_IF_ERROR(ComplaintStore::AppendHistory(tx, rec.complaint.id(), "record",
                                                            v1::COMPLAINT_STATUS_UNSPECIFIED, rec.complaint.status(),
                                                            ActorOf(call.principal), "", call.request_id, now));
        v1::ComplaintRecordedEvent recorded;
        *recorded.mutable_complaint() = rec.complaint;
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, recorded, call.request_id));
        if (rec.complaint.escalated()) {
          v1::ComplaintEscalatedEvent escalated;
          *escalated.mutable_complaint() = rec.complaint;
          SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, escalated, call.request_id));
        }
        v1::RecordComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::GetComplaint(grpc::ServerContext* ctx, const v1::GetComplaintRequest* req,
                                         v1::GetComplaintResponse* resp) {
  return ServeRead<v1::GetComplaintResponse>(
      ctx, Method("GetComplaint"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, ComplaintStore::Get(tx, req->id(), false));
        if (!SeesComplaint(v, rec.complaint)) return Denied(v, "read this complaint");
        v1::GetComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::ListComplaints(grpc::ServerContext* ctx, const v1::ListComplaintsRequest* req,
                                           v1::ListComplaintsResponse* resp) {
  ComplaintStore::Filter f;
  return ServeRead<v1::ListComplaintsResponse>(
      ctx, Method("ListComplaints"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), 100, 500));
        f.limit = page + 1;
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(req->page_token()));
        }
        f.customer_id = req->customer_id();
        for (int s : req->statuses()) f.statuses.push_back(s);
        f.open_only = req->open_only();
        for (int s : req->severities()) f.severities.push_back(s);
        f.handler_rep_id = req->handler_rep_id();
        f.escalated_only = req->escalated_only();
        if (req->has_received_dates()) {
          SALES_ASSIGN_OR_RETURN(DayRange days, ReadDayRange(req->received_dates(), "received_dates"));
          f.from = days.from;
          f.to = days.to;
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListComplaintsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        f.all = v.all || v.principal.role == kRoleService;
        if (v.IsManager()) f.units = v.UnitList();
        f.scope_rep_id = v.principal.rep_id;
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.org_units, OrgReplica::Subtree(tx, req->org_unit_id()));
          if (f.org_units.empty()) f.org_units.push_back(req->org_unit_id());
        }
        SALES_ASSIGN_OR_RETURN(auto rows, ComplaintStore::List(tx, f));
        v1::ListComplaintsResponse out;
        FillPage(std::move(rows), f.limit - 1, &out, [](auto* r) { return r->add_complaints(); });
        return out;
      });
}

grpc::Status EngagementApi::AssignComplaint(grpc::ServerContext* ctx, const v1::AssignComplaintRequest* req,
                                            v1::AssignComplaintResponse* resp) {
  return ServeMutation<v1::AssignComplaintRequest, v1::AssignComplaintResponse>(
      ctx, Method("AssignComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->complaint_id() <= 0) v.push_back({"complaint_id", "required, > 0"});
        if (req->handler_rep_id() <= 0) v.push_back({"handler_rep_id", "required, > 0"});
        if (req->reason().size() > 1000) v.push_back({"reason", "at most 1000 bytes"});
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::AssignComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, req->complaint_id(), req->etag(), ComplaintAction::kAssign));
        const v1::Complaint& c = ch.rec.complaint;
        if (c.escalated() ? !v.all : !ManagesComplaint(v, c)) {
          return Denied(v, c.escalated() ? "assign an escalated complaint (the director)"
                                         : "assign complaints (the owner's manager or the director)");
        }
        auto handler = engagement::KnownRep(tx, req->handler_rep_id());
        if (absl::IsNotFound(handler.status())) return InvalidField("handler_rep_id", "unknown rep");
        SALES_RETURN_IF_ERROR(handler.status());
        if (handler->has_value() && (*handler)->left()) {
          return WithErrorInfo(absl::FailedPreconditionError("the handler has left the company"), "REP_LEFT", kDomain);
        }
        v1::Complaint next = c;
        next.set_handler_rep_id(req->handler_rep_id());
        SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kAssign, call, req->reason(),
                                                rt_.clock->Now()));
        v1::ComplaintAssignedEvent e;
        *e.mutable_complaint() = rec.complaint;
        e.set_previous_handler_rep_id(c.handler_rep_id());
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, e, call.request_id));
        v1::AssignComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::EscalateComplaint(grpc::ServerContext* ctx, const v1::EscalateComplaintRequest* req,
                                              v1::EscalateComplaintResponse* resp) {
  return ServeMutation<v1::EscalateComplaintRequest, v1::EscalateComplaintResponse>(
      ctx, Method("EscalateComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireText(req->reason(), "reason"));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::EscalateComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, req->complaint_id(), req->etag(), ComplaintAction::kEscalate));
        v1::Complaint next = ch.rec.complaint;
        next.set_escalated(true);
        next.set_escalation_reason(req->reason());
        SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kEscalate, call, req->reason(),
                                                rt_.clock->Now()));
        v1::ComplaintEscalatedEvent e;
        *e.mutable_complaint() = rec.complaint;
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, e, call.request_id));
        v1::EscalateComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::ResolveComplaint(grpc::ServerContext* ctx, const v1::ResolveComplaintRequest* req,
                                             v1::ResolveComplaintResponse* resp) {
  return ServeMutation<v1::ResolveComplaintRequest, v1::ResolveComplaintResponse>(
      ctx, Method("ResolveComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->complaint_id() <= 0) v.push_back({"complaint_id", "required, > 0"});
        if (req->resolution().empty() || req->resolution().size() > kMaxText) {
          v.push_back({"resolution", "required, at most 4000 bytes"});
        }
        if (req->customer_answer().empty() || req->customer_answer().size() > kMaxText) {
          v.push_back({"customer_answer", "required, at most 4000 bytes"});
        }
        if (!req->has_answer_date()) {
          v.push_back({"answer_date", "required"});
        } else if (auto st = ValidateDate(req->answer_date(), "answer_date"); !st.ok()) {
          for (auto& f : FieldViolationsOf(st)) v.push_back(f);
        } else if (ToCivilDay(req->answer_date()) > BusinessDay(rt_.clock->Now())) {
          v.push_back({"answer_date", "must not be in the future"});
        }
        if (req->etag().empty()) v.push_back({"etag", "required: send the etag last read"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ResolveComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, req->complaint_id(), req->etag(), ComplaintAction::kResolve));
        const v1::Complaint& c = ch.rec.complaint;
        const bool handler = v.principal.rep_id != 0 && v.principal.rep_id == c.handler_rep_id();
        // Escalated complaints are the director's (or the handler the
        // director named); the others the handler's or the manager's.
        if (!v.all && !handler && (c.escalated() || !ManagesComplaint(v, c))) {
          return Denied(v, c.escalated() ? "resolve an escalated complaint (the director or its handler)"
                                         : "resolve this complaint (its handler or the owner's manager)");
        }
        if (ToCivilDay(req->answer_date()) < ToCivilDay(c.received_date())) {
          return InvalidField("answer_date", "must not be before the complaint was received");
        }
        v1::Complaint next = c;
        next.set_resolution(req->resolution());
        next.set_customer_answer(req->customer_answer());
        *next.mutable_answer_date() = req->answer_date();
        SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kResolve, call, req->resolution(),
                                                rt_.clock->Now()));
        v1::ComplaintResolvedEvent e;
        *e.mutable_complaint() = rec.complaint;
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, e, call.request_id));
        v1::ResolveComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::CloseComplaint(grpc::ServerContext* ctx, const v1::CloseComplaintRequest* req,
                                           v1::CloseComplaintResponse* resp) {
  return ServeMutation<v1::CloseComplaintRequest, v1::CloseComplaintResponse>(
      ctx, Method("CloseComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        if (req->note().size() > 1000) return InvalidField("note", "at most 1000 bytes");
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CloseComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, req->complaint_id(), req->etag(), ComplaintAction::kClose));
        const absl::Time now = rt_.clock->Now();
        v1::Complaint next = ch.rec.complaint;
        *next.mutable_close_time() = ToTimestamp(now);
        SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kClose, call, req->note(), now));
        v1::ComplaintClosedEvent e;
        *e.mutable_complaint() = rec.complaint;
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, e, call.request_id));
        v1::CloseComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

grpc::Status EngagementApi::ReopenComplaint(grpc::ServerContext* ctx, const v1::ReopenComplaintRequest* req,
                                            v1::ReopenComplaintResponse* resp) {
  return ServeMutation<v1::ReopenComplaintRequest, v1::ReopenComplaintResponse>(
      ctx, Method("ReopenComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireText(req->reason(), "reason"));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReopenComplaintResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(Change ch, Begin(tx, v, req->complaint_id(), req->etag(), ComplaintAction::kReopen));
        v1::Complaint next = ch.rec.complaint;
        next.clear_close_time();
        SALES_ASSIGN_OR_RETURN(auto rec, Finish(tx, next, ch, ComplaintAction::kReopen, call, req->reason(),
                                                rt_.clock->Now()));
        v1::ComplaintReopenedEvent e;
        *e.mutable_complaint() = rec.complaint;
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(AppendComplaintEvent(rt_, tx, rec.complaint, e, call.request_id));
        v1::ReopenComplaintResponse out;
        *out.mutable_complaint() = rec.complaint;
        return out;
      });
}

}  // namespace sales::customers
