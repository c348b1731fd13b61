// Issue, answer, revise, sign, cancel and amend plans.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_amendments.h"
#include "targets-svc/app/plan_negotiation.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {
namespace {

absl::Status RequireReason(const std::string& reason, const char* field = "reason") {
  if (reason.empty()) return InvalidField(field, "required");
  if (reason.size() > 2000) return InvalidField(field, "at most 2000 bytes");
  return absl::OkStatus();
}

absl::Status ValidateRequestPlanAmendment(const v1::RequestPlanAmendmentRequest& req) {
  const auto& a = req.amendment();
  if (a.plan_id() <= 0) return InvalidField("amendment.plan_id", "required, > 0");
  if (a.changes().empty()) return InvalidField("amendment.changes", "at least one change is required");
  if (a.has_effective_date()) SALES_RETURN_IF_ERROR(ValidateDate(a.effective_date(), "amendment.effective_date"));
  return RequireReason(a.reason(), "amendment.reason");
}

}  // namespace

grpc::Status TargetsApi::IssuePlan(grpc::ServerContext* ctx, const v1::IssuePlanRequest* req,
                                   v1::IssuePlanResponse* resp) {
  return ServeMutation<v1::IssuePlanRequest, v1::IssuePlanResponse>(
      ctx, TargetsMethod("IssuePlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->has_response_deadline()) return ValidateDate(req->response_deadline(), "response_deadline");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).Issue(tx, call, *req);
      });
}

grpc::Status TargetsApi::AcceptAssignment(grpc::ServerContext* ctx, const v1::AcceptAssignmentRequest* req,
                                          v1::AcceptAssignmentResponse* resp) {
  return ServeMutation<v1::AcceptAssignmentRequest, v1::AcceptAssignmentResponse>(
      ctx, TargetsMethod("AcceptAssignment"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).Accept(tx, call, *req);
      });
}

grpc::Status TargetsApi::CounterProposeAssignment(grpc::ServerContext* ctx,
                                                  const v1::CounterProposeAssignmentRequest* req,
                                                  v1::CounterProposeAssignmentResponse* resp) {
  return ServeMutation<v1::CounterProposeAssignmentRequest, v1::CounterProposeAssignmentResponse>(
      ctx, TargetsMethod("CounterProposeAssignment"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (!req->has_proposed_target()) return InvalidField("proposed_target", "required");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).CounterPropose(tx, call, *req);
      });
}

grpc::Status TargetsApi::DeclineCounterProposal(grpc::ServerContext* ctx, const v1::DeclineCounterProposalRequest* req,
                                                v1::DeclineCounterProposalResponse* resp) {
  return ServeMutation<v1::DeclineCounterProposalRequest, v1::DeclineCounterProposalResponse>(
      ctx, TargetsMethod("DeclineCounterProposal"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).DeclineCounterProposal(tx, call, *req);
      });
}

grpc::Status TargetsApi::ReviseAssignments(grpc::ServerContext* ctx, const v1::ReviseAssignmentsRequest* req,
                                           v1::ReviseAssignmentsResponse* resp) {
  return ServeMutation<v1::ReviseAssignmentsRequest, v1::ReviseAssignmentsResponse>(
      ctx, TargetsMethod("ReviseAssignments"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->plan_id() <= 0) return InvalidField("plan_id", "required, > 0");
        if (req->changes().empty()) return InvalidField("changes", "at least one change is required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).Revise(tx, call, *req);
      });
}

grpc::Status TargetsApi::SignPlan(grpc::ServerContext* ctx, const v1::SignPlanRequest* req,
                                  v1::SignPlanResponse* resp) {
  return ServeMutation<v1::SignPlanRequest, v1::SignPlanResponse>(
      ctx, TargetsMethod("SignPlan"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).Sign(tx, call, *req);
      });
}

grpc::Status TargetsApi::CancelPlan(grpc::ServerContext* ctx, const v1::CancelPlanRequest* req,
                                    v1::CancelPlanResponse* resp) {
  return ServeMutation<v1::CancelPlanRequest, v1::CancelPlanResponse>(
      ctx, TargetsMethod("CancelPlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanNegotiation(*rt_.clock, *rt_.outbox).Cancel(tx, call, *req);
      });
}

// ------------------------------------------------------------ amendments

grpc::Status TargetsApi::RequestPlanAmendment(grpc::ServerContext* ctx, const v1::RequestPlanAmendmentRequest* req,
                                              v1::RequestPlanAmendmentResponse* resp) {
  return ServeMutation<v1::RequestPlanAmendmentRequest, v1::RequestPlanAmendmentResponse>(
      ctx, TargetsMethod("RequestPlanAmendment"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRequestPlanAmendment(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanAmendments(*rt_.clock, *rt_.outbox).Request(tx, call, *req);
      });
}

grpc::Status TargetsApi::GetPlanAmendment(grpc::ServerContext* ctx, const v1::GetPlanAmendmentRequest* req,
                                          v1::GetPlanAmendmentResponse* resp) {
  return ServeRead<v1::GetPlanAmendmentResponse>(
      ctx, TargetsMethod("GetPlanAmendment"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetPlanAmendmentResponse> {
        v1::GetPlanAmendmentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_amendment(), AmendmentStore::Get(tx, req->id(), false));
        SALES_ASSIGN_OR_RETURN(auto plan, PlanStore::Get(tx, out.amendment().plan_id(), 0, false));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(bool readable, CanReadPlan(tx, viewer, plan.plan));
        if (!readable) return OutOfScope(absl::StrCat("amendment ", req->id()));
        return out;
      });
}

grpc::Status TargetsApi::ApprovePlanAmendment(grpc::ServerContext* ctx, const v1::ApprovePlanAmendmentRequest* req,
                                              v1::ApprovePlanAmendmentResponse* resp) {
  return ServeMutation<v1::ApprovePlanAmendmentRequest, v1::ApprovePlanAmendmentResponse>(
      ctx, TargetsMethod("ApprovePlanAmendment"), rt_, *req, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanAmendments(*rt_.clock, *rt_.outbox).Approve(tx, call, *req);
      });
}

grpc::Status TargetsApi::RejectPlanAmendment(grpc::ServerContext* ctx, const v1::RejectPlanAmendmentRequest* req,
                                             v1::RejectPlanAmendmentResponse* resp) {
  return ServeMutation<v1::RejectPlanAmendmentRequest, v1::RejectPlanAmendmentResponse>(
      ctx, TargetsMethod("RejectPlanAmendment"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) {
        return PlanAmendments(*rt_.clock, *rt_.outbox).Reject(tx, call, *req);
      });
}

}  // namespace sales::targets
