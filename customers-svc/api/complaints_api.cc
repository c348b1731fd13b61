// Customer complaints (客户投诉): record, assign, escalate, resolve with the
// answer given to the customer, close, reopen (app/complaints.h); reads in
// scope. This file checks the requests' shape.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/complaints.h"
#include "customers-svc/store/complaint_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr size_t kMaxText = 4000;

absl::Status RequireEtag(const std::string& etag) {
  return etag.empty() ? InvalidField("etag", "required: send the etag last read") : absl::OkStatus();
}

// A required text of at most `max` bytes.
absl::Status RequireBytes(const std::string& text, const std::string& field, size_t max = 1000) {
  if (text.empty()) return InvalidField(field, "required");
  if (text.size() > max) return InvalidField(field, absl::StrCat("at most ", max, " bytes"));
  return absl::OkStatus();
}

// The complaint's shape: a customer, received on or before `today`, a
// category and severity, a subject and description within their sizes.
absl::Status ValidateRecordComplaint(const v1::RecordComplaintRequest& request, absl::CivilDay today) {
  if (!request.has_complaint()) return InvalidField("complaint", "required");
  const auto& c = request.complaint();
  std::vector<FieldViolation> v;
  if (c.customer_id() <= 0) v.push_back({"complaint.customer_id", "required, > 0"});
  if (!c.has_received_date()) {
    v.push_back({"complaint.received_date", "required"});
  } else if (auto st = ValidateDate(c.received_date(), "complaint.received_date"); !st.ok()) {
    for (auto& f : FieldViolationsOf(st)) v.push_back(f);
  } else if (ToCivilDay(c.received_date()) > today) {
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
}

absl::Status ValidateAssignComplaint(const v1::AssignComplaintRequest& request) {
  std::vector<FieldViolation> v;
  if (request.complaint_id() <= 0) v.push_back({"complaint_id", "required, > 0"});
  if (request.handler_rep_id() <= 0) v.push_back({"handler_rep_id", "required, > 0"});
  if (request.reason().size() > 1000) v.push_back({"reason", "at most 1000 bytes"});
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The resolution and the answer given to the customer, answered on or
// before `today`.
absl::Status ValidateResolveComplaint(const v1::ResolveComplaintRequest& request, absl::CivilDay today) {
  std::vector<FieldViolation> v;
  if (request.complaint_id() <= 0) v.push_back({"complaint_id", "required, > 0"});
  if (request.resolution().empty() || request.resolution().size() > kMaxText) {
    v.push_back({"resolution", "required, at most 4000 bytes"});
  }
  if (request.customer_answer().empty() || request.customer_answer().size() > kMaxText) {
    v.push_back({"customer_answer", "required, at most 4000 bytes"});
  }
  if (!request.has_answer_date()) {
    v.push_back({"answer_date", "required"});
  } else if (auto st = ValidateDate(request.answer_date(), "answer_date"); !st.ok()) {
    for (auto& f : FieldViolationsOf(st)) v.push_back(f);
  } else if (ToCivilDay(request.answer_date()) > today) {
    v.push_back({"answer_date", "must not be in the future"});
  }
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::RecordComplaint(grpc::ServerContext* ctx, const v1::RecordComplaintRequest* req,
                                           v1::RecordComplaintResponse* resp) {
  return ServeMutation<v1::RecordComplaintRequest, v1::RecordComplaintResponse>(
      ctx, CustomersMethod("RecordComplaint"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRecordComplaint(*req, BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Record(tx, call, *req);
      });
}

grpc::Status CustomersApi::GetComplaint(grpc::ServerContext* ctx, const v1::GetComplaintRequest* req,
                                        v1::GetComplaintResponse* resp) {
  return ServeRead<v1::GetComplaintResponse>(
      ctx, CustomersMethod("GetComplaint"), rt_, resp,
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

grpc::Status CustomersApi::ListComplaints(grpc::ServerContext* ctx, const v1::ListComplaintsRequest* req,
                                          v1::ListComplaintsResponse* resp) {
  ComplaintStore::Filter f;
  return ServeRead<v1::ListComplaintsResponse>(
      ctx, CustomersMethod("ListComplaints"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfRecords));
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
        if (v.IsManager()) f.units = v.units;
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

grpc::Status CustomersApi::AssignComplaint(grpc::ServerContext* ctx, const v1::AssignComplaintRequest* req,
                                           v1::AssignComplaintResponse* resp) {
  return ServeMutation<v1::AssignComplaintRequest, v1::AssignComplaintResponse>(
      ctx, CustomersMethod("AssignComplaint"), rt_, *req, resp,
      [&](CallContext&) { return ValidateAssignComplaint(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Assign(tx, call, *req);
      });
}

grpc::Status CustomersApi::EscalateComplaint(grpc::ServerContext* ctx, const v1::EscalateComplaintRequest* req,
                                             v1::EscalateComplaintResponse* resp) {
  return ServeMutation<v1::EscalateComplaintRequest, v1::EscalateComplaintResponse>(
      ctx, CustomersMethod("EscalateComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireBytes(req->reason(), "reason"));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Escalate(tx, call, *req);
      });
}

grpc::Status CustomersApi::ResolveComplaint(grpc::ServerContext* ctx, const v1::ResolveComplaintRequest* req,
                                            v1::ResolveComplaintResponse* resp) {
  return ServeMutation<v1::ResolveComplaintRequest, v1::ResolveComplaintResponse>(
      ctx, CustomersMethod("ResolveComplaint"), rt_, *req, resp,
      [&](CallContext&) { return ValidateResolveComplaint(*req, BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Resolve(tx, call, *req);
      });
}

grpc::Status CustomersApi::CloseComplaint(grpc::ServerContext* ctx, const v1::CloseComplaintRequest* req,
                                          v1::CloseComplaintResponse* resp) {
  return ServeMutation<v1::CloseComplaintRequest, v1::CloseComplaintResponse>(
      ctx, CustomersMethod("CloseComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        if (req->note().size() > 1000) return InvalidField("note", "at most 1000 bytes");
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Close(tx, call, *req);
      });
}

grpc::Status CustomersApi::ReopenComplaint(grpc::ServerContext* ctx, const v1::ReopenComplaintRequest* req,
                                           v1::ReopenComplaintResponse* resp) {
  return ServeMutation<v1::ReopenComplaintRequest, v1::ReopenComplaintResponse>(
      ctx, CustomersMethod("ReopenComplaint"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->complaint_id() <= 0) return InvalidField("complaint_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireBytes(req->reason(), "reason"));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return Complaints(*rt_.clock, *rt_.outbox).Reopen(tx, call, *req);
      });
}

}  // namespace sales::customers
