// Plans, decomposition and reading assignments.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_decomposition.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {

grpc::Status TargetsApi::CreatePlan(grpc::ServerContext* ctx, const v1::CreatePlanRequest* req,
                                    v1::CreatePlanResponse* resp) {
  return ServeMutation<v1::CreatePlanRequest, v1::CreatePlanResponse>(
      ctx, TargetsMethod("CreatePlan"), rt_, *req, resp,
      [&](CallContext&) { return req->has_plan() ? absl::OkStatus() : InvalidField("plan", "required"); },
      [&](db::Transaction& tx, CallContext& call) { return PlanDecomposition(*rt_.clock).Create(tx, call, *req); });
}

grpc::Status TargetsApi::GetPlan(grpc::ServerContext* ctx, const v1::GetPlanRequest* req, v1::GetPlanResponse* resp) {
  return ServeRead<v1::GetPlanResponse>(
      ctx, TargetsMethod("GetPlan"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return req->version() < 0 ? InvalidField("version", "must be >= 0") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetPlanResponse> {
        v1::GetPlanResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, PlanStore::Get(tx, req->id(), req->version(), false));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(bool readable, CanReadPlan(tx, viewer, rec.plan));
        if (!readable) return OutOfScope(absl::StrCat("plan ", req->id()));
        *out.mutable_plan() = rec.plan;
        return out;
      });
}

grpc::Status TargetsApi::ListPlans(grpc::ServerContext* ctx, const v1::ListPlansRequest* req,
                                   v1::ListPlansResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListPlansResponse>(
      ctx, TargetsMethod("ListPlans"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPlansResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        // Scoped in memory: plans are few (a year × metric × unit each).
        SALES_ASSIGN_OR_RETURN(auto recs, PlanStore::List(tx, *req, after, 100000));
        std::vector<v1::Plan> plans;
        for (auto& r : recs) {
          SALES_ASSIGN_OR_RETURN(bool readable, CanReadPlan(tx, viewer, r.plan));
          if (readable) plans.push_back(std::move(r.plan));
          if (static_cast<int>(plans.size()) > size) break;
        }
        v1::ListPlansResponse out;
        FillPage(std::move(plans), size, &out, [](auto* r) { return r->add_plans(); });
        return out;
      });
}

grpc::Status TargetsApi::ListPlanVersions(grpc::ServerContext* ctx, const v1::ListPlanVersionsRequest* req,
                                          v1::ListPlanVersionsResponse* resp) {
  return ServeRead<v1::ListPlanVersionsResponse>(
      ctx, TargetsMethod("ListPlanVersions"), rt_, resp,
      [&](CallContext&) { return req->plan_id() > 0 ? absl::OkStatus() : InvalidField("plan_id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPlanVersionsResponse> {
        SALES_ASSIGN_OR_RETURN(auto recs, PlanStore::Versions(tx, req->plan_id()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(bool readable, CanReadPlan(tx, viewer, recs.back().plan));
        if (!readable) return OutOfScope(absl::StrCat("plan ", req->plan_id()));
        v1::ListPlanVersionsResponse out;
        for (auto& r : recs) *out.add_versions() = std::move(r.plan);
        return out;
      });
}

grpc::Status TargetsApi::DecomposePlan(grpc::ServerContext* ctx, const v1::DecomposePlanRequest* req,
                                       v1::DecomposePlanResponse* resp) {
  return ServeMutation<v1::DecomposePlanRequest, v1::DecomposePlanResponse>(
      ctx, TargetsMethod("DecomposePlan"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->plan_id() <= 0) return InvalidField("plan_id", "required, > 0");
        if (req->assignment_id() < 0) return InvalidField("assignment_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) { return PlanDecomposition(*rt_.clock).Decompose(tx, call, *req); });
}

grpc::Status TargetsApi::GetAssignment(grpc::ServerContext* ctx, const v1::GetAssignmentRequest* req,
                                       v1::GetAssignmentResponse* resp) {
  return ServeRead<v1::GetAssignmentResponse>(
      ctx, TargetsMethod("GetAssignment"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetAssignmentResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, AssignmentStore::Get(tx, req->id(), false));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanSee(viewer, rec.a.org_unit_id(), rec.a.rep_id())) {
          return OutOfScope(absl::StrCat("assignment ", rec.a.id()));
        }
        v1::GetAssignmentResponse out;
        *out.mutable_assignment() = std::move(rec.a);
        return out;
      });
}

grpc::Status TargetsApi::ListAssignments(grpc::ServerContext* ctx, const v1::ListAssignmentsRequest* req,
                                         v1::ListAssignmentsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListAssignmentsResponse>(
      ctx, TargetsMethod("ListAssignments"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfPlanCells));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->plan_id() <= 0) return InvalidField("plan_id", "required, > 0");
        return req->plan_version() < 0 ? InvalidField("plan_version", "must be >= 0") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListAssignmentsResponse> {
        SALES_ASSIGN_OR_RETURN(auto plan, PlanStore::Get(tx, req->plan_id(), req->plan_version(), false));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (req->rep_id() != 0 && !CanSee(viewer, 0, req->rep_id())) {
          return OutOfScope(absl::StrCat("rep ", req->rep_id(), "'s assignments"));
        }
        SALES_ASSIGN_OR_RETURN(auto recs,
                               AssignmentStore::List(tx, *req, plan.plan.version(), ScopeOf(viewer), after, size + 1));
        std::vector<v1::Assignment> items;
        for (auto& r : recs) items.push_back(std::move(r.a));
        v1::ListAssignmentsResponse out;
        FillPage(std::move(items), size, &out, [](auto* r) { return r->add_assignments(); });
        return out;
      });
}

}  // namespace sales::targets
