// Plans, decomposition and reading assignments.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/api/plan_support.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/api/viewer.h"
#include "targets-svc/domain/decomposition.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/decomposition_source.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {

grpc::Status TargetsApi::CreatePlan(grpc::ServerContext* ctx, const v1::CreatePlanRequest* req,
                                    v1::CreatePlanResponse* resp) {
  v1::Plan plan = req->plan();
  return ServeMutation<v1::CreatePlanRequest, v1::CreatePlanResponse>(
      ctx, TargetsMethod("CreatePlan"), rt_, *req, resp,
      [&](CallContext&) { return req->has_plan() ? absl::OkStatus() : InvalidField("plan", "required"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreatePlanResponse> {
        SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
        SALES_RETURN_IF_ERROR(ValidateNewPlan(plan, settings.default_currency_code()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        auto unit = OrgStore::Get(tx, plan.org_unit_id(), /*for_update=*/true);  // serialises creates per unit
        if (absl::IsNotFound(unit.status())) return InvalidField("plan.org_unit_id", "no such org unit");
        SALES_RETURN_IF_ERROR(unit.status());
        if (unit->state() == v1::ORG_UNIT_STATE_CLOSED) {
          return WithErrorInfo(absl::FailedPreconditionError("the unit is closed"), "UNIT_CLOSED", "targets.sales");
        }
        if (!CanManage(viewer, plan.org_unit_id())) return OutOfScope(absl::StrCat("org unit ", plan.org_unit_id()));
        int64_t total = 0;
        if (plan.has_total_target()) {
          SALES_ASSIGN_OR_RETURN(total, FromMetricValue(plan.metric(), plan.currency_code(), plan.total_target(),
                                                        "plan.total_target"));
        } else if (!req->total_from_baseline()) {
          return InvalidField("plan.total_target", "required unless total_from_baseline");
        }
        int64_t expense = 0;
        if (plan.has_expense_budget()) {
          SALES_RETURN_IF_ERROR(ValidateMoney(plan.expense_budget(), "plan.expense_budget", Sign::kNonNegative));
          if (plan.expense_budget().currency_code() != plan.currency_code()) {
            return InvalidField("plan.expense_budget.currency_code", "must be the plan's currency");
          }
          expense = plan.expense_budget().minor_units();
        }
        SALES_RETURN_IF_ERROR(CheckNoLivePlan(tx, plan));
        if (req->total_from_baseline()) {
          SALES_ASSIGN_OR_RETURN(total, BaselineTotal(tx, plan, settings));
        }
        SALES_ASSIGN_OR_RETURN(int64_t id,
                               PlanStore::Create(tx, plan, total, expense, call.principal, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, id, 1, 0, call.principal, "PLAN_CREATED", "", "DRAFT",
                                               plan.title(), call.request_id, rt_.clock->Now()));
        v1::CreatePlanResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, PlanStore::Get(tx, id, 0, false));
        *out.mutable_plan() = rec.plan;
        return out;
      });
}

grpc::Status TargetsApi::GetPlan(grpc::ServerContext* ctx, const v1::GetPlanRequest* req,
                                 v1::GetPlanResponse* resp) {
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
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::DecomposePlanResponse> {
        SALES_ASSIGN_OR_RETURN(PlanRecord plan, LockPlan(tx, req->plan_id(), req->etag()));
        SALES_RETURN_IF_ERROR(CheckPlanAction(plan.plan.state(), plan.plan.mode(), PlanAction::kDecompose));
        int32_t version = plan.plan.version();
        SALES_ASSIGN_OR_RETURN(AssignmentRecord from, CellOfPlan(tx, plan, req->assignment_id(), "assignment_id"));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, from.a.org_unit_id())) {
          return OutOfScope(absl::StrCat("cell ", from.a.key().empty() ? "(root)" : from.a.key()));
        }
        SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
        DecomposeRequest dr;
        dr.from = CellFromRecord(from);
        dr.fiscal_year = plan.plan.fiscal_year();
        dr.levels.assign(req->levels().begin(), req->levels().end());
        dr.expense_split = req->expense_split() == v1::EXPENSE_SPLIT_UNSPECIFIED ? v1::EXPENSE_SPLIT_PROPORTIONAL
                                                                                  : req->expense_split();
        const auto& policy = req->has_inactive_rep_policy() ? req->inactive_rep_policy()
                                                            : settings.inactive_rep_policy();
        dr.policy = {policy.probation_share_bp(), policy.on_leave_share_bp()};
        dr.default_history_years = std::max(1, settings.baseline_weights().year_weights_bp_size());
        SALES_RETURN_IF_ERROR(ValidateLevels(dr.levels, dr.from.at));
        SALES_ASSIGN_OR_RETURN(auto source, LoadedSource::Load(tx, plan.plan.metric(), dr.fiscal_year, 5));
        SALES_ASSIGN_OR_RETURN(DecomposeResult result, Decompose(dr, *source));

        v1::DecomposePlanResponse out;
        SALES_ASSIGN_OR_RETURN(auto existing, AssignmentStore::Children(tx, plan.plan.id(), version, from.cell_no, false));
        if (!existing.empty() && !req->replace_existing()) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                   "the cell is already decomposed into ", existing.size(),
                                   " parts; set replace_existing to redo it")),
                               "ALREADY_DECOMPOSED", "targets.sales");
        }
        out.set_created_count(static_cast<int32_t>(result.cells.size() - 1));
        out.set_max_depth(result.max_depth);
        for (size_t i = 1; i < result.cells.size(); ++i) {
          const Cell& c = result.cells[i];
          if (c.equal_split_fallback && out.fallbacks_size() < 200 && result.cells[c.parent].key != "~") {
            auto* f = out.add_fallbacks();
            f->set_parent_assignment_id(c.parent == 0 ? from.a.id() : 0);
            f->set_dimension(c.dimension);
            f->set_note(absl::StrCat(c.key, ": no history for any sibling, split equally"));
          }
          if (c.reduced_by_policy && c.at.rep_id != 0 && out.reduced_rep_ids_size() < 10000) {
            out.add_reduced_rep_ids(c.at.rep_id);
          }
        }
        if (!req->validate_only()) {
          if (!existing.empty()) {
            SALES_ASSIGN_OR_RETURN(int64_t removed,
                                   AssignmentStore::DeleteBelow(tx, plan.plan.id(), version, from.a.key()));
            out.set_removed_count(static_cast<int32_t>(removed));
          }
          SALES_RETURN_IF_ERROR(AssignmentStore::InsertCells(tx, plan.plan.id(), version, result.cells, from.cell_no,
                                                             plan.next_cell_no, v1::ASSIGNMENT_STATE_DRAFT,
                                                             rt_.clock->Now()));
          plan.next_cell_no += static_cast<int32_t>(result.cells.size() - 1);
          if (req->assignment_id() == 0) {
            plan.plan.clear_decomposition();
            for (const auto& l : req->levels()) *plan.plan.add_decomposition() = l;
          }
          SALES_RETURN_IF_ERROR(PlanStore::Save(tx, plan, rt_.clock->Now()));
          SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, plan.plan.id(), version, from.a.id(), call.principal,
                                                 "DECOMPOSED", from.a.key(),
                                                 absl::StrCat(out.created_count(), " cells"), "", call.request_id,
                                                 rt_.clock->Now()));
          SALES_ASSIGN_OR_RETURN(auto first, AssignmentStore::Children(tx, plan.plan.id(), version, from.cell_no, false));
          for (auto& a : first) *out.add_first_level() = std::move(a.a);
        }
        SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, plan.plan.id(), 0, false));
        *out.mutable_plan() = after.plan;
        return out;
      });
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
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), 100, 1000));
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
        SALES_ASSIGN_OR_RETURN(auto recs, AssignmentStore::List(tx, *req, plan.plan.version(), ScopeOf(viewer), after,
                                                                size + 1));
        std::vector<v1::Assignment> items;
        for (auto& r : recs) items.push_back(std::move(r.a));
        v1::ListAssignmentsResponse out;
        FillPage(std::move(items), size, &out, [](auto* r) { return r->add_assignments(); });
        return out;
      });
}

}  // namespace sales::targets
