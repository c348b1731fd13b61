// Duty rotation (轮值制度) and reception: rotations and absences
// (app/duty_rotation.h), leads and market-survey reports (补客户,
// app/lead_rotation.h), reception calls and counts.
#include <set>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/duty_rotation.h"
#include "customers-svc/app/engagement_reports.h"
#include "customers-svc/app/lead_rotation.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/rotation.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
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

bool SeesLead(const Viewer& v, const v1::Lead& l) {
  return v.SeesUnit(l.office_id()) || (v.principal.rep_id != 0 && v.principal.rep_id == l.assigned_rep_id());
}

absl::StatusOr<int> ListPage(int32_t requested) { return PageSize(requested, kPageOfRecords); }

absl::StatusOr<int64_t> BeforeId(const std::string& token) {
  if (token.empty()) return int64_t{0};
  return DecodePageToken(token);
}

// The page (size into `page`, the last office into `after`) and the unit.
absl::Status ValidateListRotations(const v1::ListRotationsRequest& request, int& page, int64_t& after) {
  SALES_ASSIGN_OR_RETURN(page, PageSize(request.page_size(), kPageOfDocuments));
  if (!request.page_token().empty()) {
    SALES_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token()));
  }
  if (request.org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
  return absl::OkStatus();
}

// The absence's rep, office, kind, a start before its end (when given)
// and a reason of at most 500 bytes.
absl::Status ValidateRecordRepAbsence(const v1::RecordRepAbsenceRequest& request) {
  if (!request.has_absence()) return InvalidField("absence", "required");
  const auto& a = request.absence();
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
}

// The lead's office, channel, party and inquiry, and what reception
// entered of the visitor, phone and name normalised into `entered` and the
// source channel defaulted to the lead's.
absl::Status ValidateRegisterLead(const v1::RegisterLeadRequest& request, v1::Customer& entered) {
  std::vector<FieldViolation> v;
  if (request.office_id() <= 0) v.push_back({"office_id", "required, > 0"});
  if (request.channel() != v1::LEAD_CHANNEL_WALK_IN && request.channel() != v1::LEAD_CHANNEL_HOTLINE) {
    v.push_back({"channel", "WALK_IN or HOTLINE"});
  }
  if (request.party_size() < 0 || request.party_size() > 1000) v.push_back({"party_size", "must be 0..1000"});
  if (request.inquiry().size() > 2000) v.push_back({"inquiry", "at most 2000 bytes"});
  if (request.referral_id() < 0) v.push_back({"referral_id", "must be >= 0"});
  if (!request.has_customer()) {
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
      entered.set_source_channel(request.channel() == v1::LEAD_CHANNEL_HOTLINE ? "HOTLINE" : "WALK_IN");
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateReassignLead(const v1::ReassignLeadRequest& request) {
  std::vector<FieldViolation> v;
  if (request.lead_id() <= 0) v.push_back({"lead_id", "required, > 0"});
  if (request.to_rep_id() <= 0) v.push_back({"to_rep_id", "required, > 0"});
  if (request.reason().empty() || request.reason().size() > kMaxReason) {
    v.push_back({"reason", "required, at most 1000 bytes"});
  }
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateReportMarketSurvey(const v1::ReportMarketSurveyRequest& request) {
  std::vector<FieldViolation> v;
  if (request.lead_id() <= 0) v.push_back({"lead_id", "required, > 0"});
  if (request.reason().empty() || request.reason().size() > kMaxReason) {
    v.push_back({"reason", "required, at most 1000 bytes"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateApproveMarketSurveyReport(const v1::ApproveMarketSurveyReportRequest& request) {
  std::vector<FieldViolation> v;
  if (request.report_id() <= 0) v.push_back({"report_id", "required, > 0"});
  if (request.note().size() > kMaxReason) v.push_back({"note", "at most 1000 bytes"});
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateRejectMarketSurveyReport(const v1::RejectMarketSurveyReportRequest& request) {
  std::vector<FieldViolation> v;
  if (request.report_id() <= 0) v.push_back({"report_id", "required, > 0"});
  if (request.reason().empty() || request.reason().size() > kMaxReason) {
    v.push_back({"reason", "required, at most 1000 bytes"});
  }
  if (request.etag().empty()) v.push_back({"etag", "required: send the etag last read"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The call's office and kind, a call time not after `now`, its lead and
// note.
absl::Status ValidateLogReceptionCall(const v1::LogReceptionCallRequest& request, absl::Time now) {
  if (!request.has_call()) return InvalidField("call", "required");
  const auto& c = request.call();
  std::vector<FieldViolation> v;
  if (c.office_id() <= 0) v.push_back({"call.office_id", "required, > 0"});
  if (c.kind() == v1::CALL_KIND_UNSPECIFIED || !v1::CallKind_IsValid(c.kind())) {
    v.push_back({"call.kind", "NEW_CUSTOMER, EXISTING_CUSTOMER or OTHER"});
  }
  if (!c.has_call_time()) {
    v.push_back({"call.call_time", "required"});
  } else if (FromTimestamp(c.call_time()) > now) {
    v.push_back({"call.call_time", "must not be in the future"});
  }
  if (c.lead_id() < 0) v.push_back({"call.lead_id", "must be >= 0"});
  if (c.note().size() > 1000) v.push_back({"call.note", "at most 1000 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

// ---- Rotations -------------------------------------------------------------------

grpc::Status CustomersApi::CreateRotation(grpc::ServerContext* ctx, const v1::CreateRotationRequest* req,
                                          v1::CreateRotationResponse* resp) {
  return ServeMutation<v1::CreateRotationRequest, v1::CreateRotationResponse>(
      ctx, CustomersMethod("CreateRotation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_rotation()) return InvalidField("rotation", "required");
        if (req->rotation().office_id() <= 0) return InvalidField("rotation.office_id", "required, > 0");
        return CheckMembers(req->rotation().members(), "rotation.members");
      },
      [&](db::Transaction& tx, CallContext& call) {
        return DutyRotation(*rt_.clock, *rt_.outbox).Create(tx, call, *req);
      });
}

grpc::Status CustomersApi::GetRotation(grpc::ServerContext* ctx, const v1::GetRotationRequest* req,
                                       v1::GetRotationResponse* resp) {
  return ServeRead<v1::GetRotationResponse>(
      ctx, CustomersMethod("GetRotation"), rt_, resp,
      [&](CallContext&) {
        return req->office_id() > 0 ? absl::OkStatus() : InvalidField("office_id", "required, > 0");
      },
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

grpc::Status CustomersApi::ListRotations(grpc::ServerContext* ctx, const v1::ListRotationsRequest* req,
                                         v1::ListRotationsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListRotationsResponse>(
      ctx, CustomersMethod("ListRotations"), rt_, resp,
      [&](CallContext&) { return ValidateListRotations(*req, page, after); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRotationsResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        bool all = v.ReadsAll();
        std::vector<int64_t> offices = v.units;
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

grpc::Status CustomersApi::UpdateRotationMembers(grpc::ServerContext* ctx, const v1::UpdateRotationMembersRequest* req,
                                                 v1::UpdateRotationMembersResponse* resp) {
  return ServeMutation<v1::UpdateRotationMembersRequest, v1::UpdateRotationMembersResponse>(
      ctx, CustomersMethod("UpdateRotationMembers"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->office_id() <= 0) return InvalidField("office_id", "required, > 0");
        // The members are all this method changes, replaced as a whole: the
        // mask is empty or names them, and either way they are replaced.
        SALES_RETURN_IF_ERROR(UpdatePaths(req->update_mask(), {"members"}).status());
        SALES_RETURN_IF_ERROR(CheckMembers(req->members(), "members"));
        SALES_RETURN_IF_ERROR(RequireReason(req->reason()));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return DutyRotation(*rt_.clock, *rt_.outbox).UpdateMembers(tx, call, *req);
      });
}

// ---- Absences --------------------------------------------------------------------

grpc::Status CustomersApi::RecordRepAbsence(grpc::ServerContext* ctx, const v1::RecordRepAbsenceRequest* req,
                                            v1::RecordRepAbsenceResponse* resp) {
  return ServeMutation<v1::RecordRepAbsenceRequest, v1::RecordRepAbsenceResponse>(
      ctx, CustomersMethod("RecordRepAbsence"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRecordRepAbsence(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return DutyRotation(*rt_.clock, *rt_.outbox).RecordAbsence(tx, call, *req);
      });
}

grpc::Status CustomersApi::EndRepAbsence(grpc::ServerContext* ctx, const v1::EndRepAbsenceRequest* req,
                                         v1::EndRepAbsenceResponse* resp) {
  return ServeMutation<v1::EndRepAbsenceRequest, v1::EndRepAbsenceResponse>(
      ctx, CustomersMethod("EndRepAbsence"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->absence_id() <= 0) return InvalidField("absence_id", "required, > 0");
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return DutyRotation(*rt_.clock, *rt_.outbox).EndAbsence(tx, call, *req);
      });
}

grpc::Status CustomersApi::CancelRepAbsence(grpc::ServerContext* ctx, const v1::CancelRepAbsenceRequest* req,
                                            v1::CancelRepAbsenceResponse* resp) {
  return ServeMutation<v1::CancelRepAbsenceRequest, v1::CancelRepAbsenceResponse>(
      ctx, CustomersMethod("CancelRepAbsence"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->absence_id() <= 0) return InvalidField("absence_id", "required, > 0");
        SALES_RETURN_IF_ERROR(RequireReason(req->reason()));
        return RequireEtag(req->etag());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return DutyRotation(*rt_.clock, *rt_.outbox).CancelAbsence(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListRepAbsences(grpc::ServerContext* ctx, const v1::ListRepAbsencesRequest* req,
                                           v1::ListRepAbsencesResponse* resp) {
  AbsenceStore::Filter f;
  return ServeRead<v1::ListRepAbsencesResponse>(
      ctx, CustomersMethod("ListRepAbsences"), rt_, resp,
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

// ---- Leads -----------------------------------------------------------------------

grpc::Status CustomersApi::RegisterLead(grpc::ServerContext* ctx, const v1::RegisterLeadRequest* req,
                                        v1::RegisterLeadResponse* resp) {
  v1::Customer entered = req->customer();
  return ServeMutation<v1::RegisterLeadRequest, v1::RegisterLeadResponse>(
      ctx, CustomersMethod("RegisterLead"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRegisterLead(*req, entered); },
      [&](db::Transaction& tx, CallContext& call) {
        return LeadRotation(*rt_.clock, *rt_.outbox).RegisterLead(tx, call, *req, entered);
      });
}

grpc::Status CustomersApi::GetLead(grpc::ServerContext* ctx, const v1::GetLeadRequest* req, v1::GetLeadResponse* resp) {
  return ServeRead<v1::GetLeadResponse>(
      ctx, CustomersMethod("GetLead"), rt_, resp,
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

grpc::Status CustomersApi::ListLeads(grpc::ServerContext* ctx, const v1::ListLeadsRequest* req,
                                     v1::ListLeadsResponse* resp) {
  LeadStore::Filter f;
  return ServeRead<v1::ListLeadsResponse>(
      ctx, CustomersMethod("ListLeads"), rt_, resp,
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

grpc::Status CustomersApi::PreviewNextTurn(grpc::ServerContext* ctx, const v1::PreviewNextTurnRequest* req,
                                           v1::PreviewNextTurnResponse* resp) {
  return ServeRead<v1::PreviewNextTurnResponse>(
      ctx, CustomersMethod("PreviewNextTurn"), rt_, resp,
      [&](CallContext&) {
        return req->office_id() > 0 ? absl::OkStatus() : InvalidField("office_id", "required, > 0");
      },
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
          if (absl::IsFailedPrecondition(next.status())) {
            return WithErrorInfo(next.status(), "NO_REP_AVAILABLE", kCustomersDomain);
          }
          return next.status();
        }
        v1::PreviewNextTurnResponse out;
        out.set_rep_id(next->rep_id);
        out.set_outcome(next->outcome);
        for (const Skip& s : next->skipped) *out.add_skipped() = ToSkippedTurn(s);
        return out;
      });
}

grpc::Status CustomersApi::ReassignLead(grpc::ServerContext* ctx, const v1::ReassignLeadRequest* req,
                                        v1::ReassignLeadResponse* resp) {
  return ServeMutation<v1::ReassignLeadRequest, v1::ReassignLeadResponse>(
      ctx, CustomersMethod("ReassignLead"), rt_, *req, resp, [&](CallContext&) { return ValidateReassignLead(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return LeadRotation(*rt_.clock, *rt_.outbox).ReassignLead(tx, call, *req);
      });
}

// ---- Market-survey reports (补客户) -------------------------------------------------

grpc::Status CustomersApi::ReportMarketSurvey(grpc::ServerContext* ctx, const v1::ReportMarketSurveyRequest* req,
                                              v1::ReportMarketSurveyResponse* resp) {
  return ServeMutation<v1::ReportMarketSurveyRequest, v1::ReportMarketSurveyResponse>(
      ctx, CustomersMethod("ReportMarketSurvey"), rt_, *req, resp,
      [&](CallContext&) { return ValidateReportMarketSurvey(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return LeadRotation(*rt_.clock, *rt_.outbox).ReportMarketSurvey(tx, call, *req);
      });
}

grpc::Status CustomersApi::ApproveMarketSurveyReport(grpc::ServerContext* ctx,
                                                     const v1::ApproveMarketSurveyReportRequest* req,
                                                     v1::ApproveMarketSurveyReportResponse* resp) {
  return ServeMutation<v1::ApproveMarketSurveyReportRequest, v1::ApproveMarketSurveyReportResponse>(
      ctx, CustomersMethod("ApproveMarketSurveyReport"), rt_, *req, resp,
      [&](CallContext&) { return ValidateApproveMarketSurveyReport(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return LeadRotation(*rt_.clock, *rt_.outbox).ApproveMarketSurvey(tx, call, *req);
      });
}

grpc::Status CustomersApi::RejectMarketSurveyReport(grpc::ServerContext* ctx,
                                                    const v1::RejectMarketSurveyReportRequest* req,
                                                    v1::RejectMarketSurveyReportResponse* resp) {
  return ServeMutation<v1::RejectMarketSurveyReportRequest, v1::RejectMarketSurveyReportResponse>(
      ctx, CustomersMethod("RejectMarketSurveyReport"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRejectMarketSurveyReport(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return LeadRotation(*rt_.clock, *rt_.outbox).RejectMarketSurvey(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListMarketSurveyReports(grpc::ServerContext* ctx,
                                                   const v1::ListMarketSurveyReportsRequest* req,
                                                   v1::ListMarketSurveyReportsResponse* resp) {
  SurveyStore::Filter f;
  return ServeRead<v1::ListMarketSurveyReportsResponse>(
      ctx, CustomersMethod("ListMarketSurveyReports"), rt_, resp,
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

// ---- Reception calls and counts ----------------------------------------------------

grpc::Status CustomersApi::LogReceptionCall(grpc::ServerContext* ctx, const v1::LogReceptionCallRequest* req,
                                            v1::LogReceptionCallResponse* resp) {
  return ServeMutation<v1::LogReceptionCallRequest, v1::LogReceptionCallResponse>(
      ctx, CustomersMethod("LogReceptionCall"), rt_, *req, resp,
      [&](CallContext&) { return ValidateLogReceptionCall(*req, rt_.clock->Now()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::LogReceptionCallResponse> {
        const auto& c = req->call();
        SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
        if (!v.all && !((v.IsReceptionist() || v.IsManager()) && v.ActsOnUnit(c.office_id()))) {
          return Denied(v, "log reception calls (the office's receptionist)");
        }
        SALES_RETURN_IF_ERROR(CheckOffice(tx, c.office_id(), "call.office_id"));
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

grpc::Status CustomersApi::ListReceptionCalls(grpc::ServerContext* ctx, const v1::ListReceptionCallsRequest* req,
                                              v1::ListReceptionCallsResponse* resp) {
  CallStore::Filter f;
  return ServeRead<v1::ListReceptionCallsResponse>(
      ctx, CustomersMethod("ListReceptionCalls"), rt_, resp,
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
        f.all = v.ReadsAll();
        f.offices = v.units;
        SALES_ASSIGN_OR_RETURN(auto rows, CallStore::List(tx, f));
        v1::ListReceptionCallsResponse out;
        FillPage(std::move(rows), f.limit - 1, &out, [](auto* r) { return r->add_calls(); });
        return out;
      });
}

grpc::Status CustomersApi::GetReceptionReport(grpc::ServerContext* ctx, const v1::GetReceptionReportRequest* req,
                                              v1::GetReceptionReportResponse* resp) {
  absl::CivilDay from, to;
  return ServeRead<v1::GetReceptionReportResponse>(
      ctx, CustomersMethod("GetReceptionReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_dates()) return InvalidField("dates", "required");
        SALES_ASSIGN_OR_RETURN(DayRange days, ReadDayRange(req->dates(), "dates"));
        from = days.from;
        to = days.to;
        if (to - from >= 366) return InvalidField("dates", "at most 366 days");
        if (req->office_id() < 0) return InvalidField("office_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return EngagementReports(*rt_.clock).Reception(tx, call, *req, from, to);
      });
}

}  // namespace sales::customers
