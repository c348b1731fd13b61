// Commissions (提成 [003]) over gRPC: plans as effective-dated configuration,
// the monthly calculation from collections, credits, deductions and the
// rep's attainment (targets-svc), statements with every line, approval
// (CommissionStatementApprovedEvent), payment and the year-end holdback.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/collections_support.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/commission_plans.h"
#include "finance-svc/app/commission_run.h"
#include "finance-svc/domain/commission_rules.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/commission_store.h"
#include "finance-svc/store/sql_commission_book.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

absl::Status FirstOfMonth(const common::v1::Date& d, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  return d.day() == 1 ? absl::OkStatus() : InvalidField(field, "must be the first day of a month");
}

// Fields of a plan a client may set; the rest is the server's.
absl::Status ValidatePlanInput(const v1::CommissionPlan& p) {
  SALES_RETURN_IF_ERROR(ValidateCommissionPlan(p));
  SALES_RETURN_IF_ERROR(FirstOfMonth(p.effective_from(), "commission_plan.effective_from"));
  if (p.has_effective_to()) {
    SALES_RETURN_IF_ERROR(ValidateDate(p.effective_to(), "commission_plan.effective_to"));
    if (ToCivilDay(p.effective_to()) < ToCivilDay(p.effective_from())) {
      return InvalidField("commission_plan.effective_to", "before effective_from");
    }
  }
  if (p.base_pay().currency_code() != kCommissionCurrency) {
    return InvalidField("commission_plan.base_pay.currency_code", "commissions are paid in CNY");
  }
  return absl::OkStatus();
}

// What UpdateCommissionPlan may change: everything a client sets but the
// name, since a new name is a new plan.
absl::StatusOr<std::vector<std::string>> PlanUpdatePaths(const google::protobuf::FieldMask& mask) {
  return UpdatePaths(mask, {"effective_from",
                            "effective_to",
                            "org_unit_id",
                            "rep_grade",
                            "commissionable_product_line_ids",
                            "attainment_metric",
                            "tiers",
                            "payable_now_bp",
                            "holdback_bp",
                            "full_credit_months",
                            "late_credit_months",
                            "late_credit_bp",
                            "deduct_uncollected",
                            "attainment_floor_bp",
                            "base_floor_bp",
                            "base_pay",
                            "manager_rate_bp",
                            "manager_threshold_bp",
                            "manager_excess_rate_bp",
                            "reason"});
}

// The shape of a run's request: the month, an as_of not before it, explicit
// attainment only for a dry run.
absl::Status ValidateCalculateCommissions(const v1::CalculateCommissionsRequest& req) {
  SALES_RETURN_IF_ERROR(FirstOfMonth(req.month(), "month"));
  if (req.has_as_of()) {
    SALES_RETURN_IF_ERROR(ValidateDate(req.as_of(), "as_of"));
    if (ToCivilDay(req.as_of()) < ToCivilDay(req.month())) return InvalidField("as_of", "before the month");
  }
  if (!req.attainments().empty() && !req.dry_run()) {
    return InvalidField("attainments", "explicit attainment is only accepted for a dry run");
  }
  for (const auto& a : req.attainments()) {
    if (a.rep_id() <= 0 || a.attainment_bp() < 0) return InvalidField("attainments", "rep_id > 0, attainment_bp >= 0");
  }
  for (int64_t id : req.rep_ids()) {
    if (id <= 0) return InvalidField("rep_ids", "must be > 0");
  }
  return absl::OkStatus();
}

// Rep and unit lists a caller may see statements of.
absl::StatusOr<ReportScope> StatementScope(db::Transaction& tx, const Principal& p, int64_t org_unit_id,
                                           int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, p));
  return ReportScopeOf(tx, scope, org_unit_id, rep_id);
}

bool StatementVisible(const ReportScope& rs, const v1::CommissionStatement& s) {
  if (rs.none) return false;
  if (rs.rep_id != 0 && s.rep_id() != rs.rep_id) return false;
  if (!rs.unit_ids.empty() && std::find(rs.unit_ids.begin(), rs.unit_ids.end(), s.org_unit_id()) == rs.unit_ids.end()) {
    return false;
  }
  return true;
}

}  // namespace

grpc::Status FinanceApi::CreateCommissionPlan(grpc::ServerContext* ctx, const v1::CreateCommissionPlanRequest* req,
                                              v1::CreateCommissionPlanResponse* resp) {
  return ServeMutation<v1::CreateCommissionPlanRequest, v1::CreateCommissionPlanResponse>(
      ctx, FinanceMethod("CreateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleDirector})) return Denied("finance or the director");
        if (!req->has_commission_plan()) return InvalidField("commission_plan", "required");
        return ValidatePlanInput(req->commission_plan());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int64_t id, CommissionStore::InsertPlan(tx, req->commission_plan(), now));
        LadderContext lc = LadderContextOf(rt_, call);
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", id, "PLAN_CREATED", "", "DRAFT",
                                                      req->commission_plan().reason(), lc.actor, now));
        v1::CreateCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, id, false));
        *out.mutable_commission_plan() = rec.plan;
        return out;
      });
}

grpc::Status FinanceApi::UpdateCommissionPlan(grpc::ServerContext* ctx, const v1::UpdateCommissionPlanRequest* req,
                                              v1::UpdateCommissionPlanResponse* resp) {
  return ServeMutation<v1::UpdateCommissionPlanRequest, v1::UpdateCommissionPlanResponse>(
      ctx, FinanceMethod("UpdateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleFinance, kRoleDirector})) return Denied("finance or the director");
        if (!req->has_commission_plan()) return InvalidField("commission_plan", "required");
        if (req->commission_plan().id() <= 0) return InvalidField("commission_plan.id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        SALES_RETURN_IF_ERROR(PlanUpdatePaths(req->update_mask()).status());
        // A masked request carries only the fields it names, so it is
        // checked once merged onto the stored plan.
        if (!req->update_mask().paths().empty()) return absl::OkStatus();
        return ValidatePlanInput(req->commission_plan());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto paths, PlanUpdatePaths(req->update_mask()));
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->commission_plan().id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission plan", rec.plan.id()));
        if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_DRAFT) {
          return CommissionPrecondition("only a DRAFT plan can change", "PLAN_NOT_DRAFT");
        }
        // Without a mask the request is the whole plan, name included.
        if (req->update_mask().paths().empty() && req->commission_plan().name() != rec.plan.name()) {
          return InvalidField("commission_plan.name", "a new name is a new plan (CreateCommissionPlan)");
        }
        v1::CommissionPlan next = rec.plan;
        ApplyUpdatePaths(paths, req->commission_plan(), &next);
        SALES_RETURN_IF_ERROR(ValidatePlanInput(next));
        rec.plan = next;
        SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", rec.plan.id(), "PLAN_UPDATED", "DRAFT",
                                                      "DRAFT", next.reason(), LadderContextOf(rt_, call).actor, now));
        v1::UpdateCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord saved, CommissionStore::GetPlan(tx, rec.plan.id(), false));
        *out.mutable_commission_plan() = saved.plan;
        return out;
      });
}

grpc::Status FinanceApi::ActivateCommissionPlan(grpc::ServerContext* ctx, const v1::ActivateCommissionPlanRequest* req,
                                                v1::ActivateCommissionPlanResponse* resp) {
  return ServeMutation<v1::ActivateCommissionPlanRequest, v1::ActivateCommissionPlanResponse>(
      ctx, FinanceMethod("ActivateCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleDirector})) return Denied("only the director puts a plan in force");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlCommissionBook book(tx, rt_.outbox);
        return CommissionPlans(*rt_.clock).Activate(book, call, *req);
      });
}

grpc::Status FinanceApi::RetireCommissionPlan(grpc::ServerContext* ctx, const v1::RetireCommissionPlanRequest* req,
                                              v1::RetireCommissionPlanResponse* resp) {
  return ServeMutation<v1::RetireCommissionPlanRequest, v1::RetireCommissionPlanResponse>(
      ctx, FinanceMethod("RetireCommissionPlan"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!HasRole(call.principal, {kRoleDirector})) return Denied("only the director retires a plan");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->effective_to(), "effective_to"));
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RetireCommissionPlanResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission plan", rec.plan.id()));
        if (rec.plan.state() != v1::COMMISSION_PLAN_STATE_ACTIVE) {
          return CommissionPrecondition("only an ACTIVE plan can be retired", "PLAN_NOT_ACTIVE");
        }
        absl::CivilDay to = ToCivilDay(req->effective_to());
        if (to < ToCivilDay(rec.plan.effective_from()) - 1)
          return InvalidField("effective_to", "before effective_from");
        // Months after the new end must not already be approved on this plan.
        SALES_ASSIGN_OR_RETURN(bool approved,
                               CommissionStore::ApprovedMonthsIn(tx, to + 1, std::nullopt, rec.plan.id()));
        if (approved) {
          return CommissionPrecondition("months after effective_to are already approved on this plan",
                                        "MONTHS_APPROVED");
        }
        rec.plan.set_state(v1::COMMISSION_PLAN_STATE_RETIRED);
        *rec.plan.mutable_effective_to() = req->effective_to();
        SALES_RETURN_IF_ERROR(CommissionStore::UpdatePlan(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionPlan", rec.plan.id(), "PLAN_RETIRED", "ACTIVE",
                                                      "RETIRED", req->reason(), LadderContextOf(rt_, call).actor, now));
        v1::RetireCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord saved, CommissionStore::GetPlan(tx, rec.plan.id(), false));
        *out.mutable_commission_plan() = saved.plan;
        return out;
      });
}

grpc::Status FinanceApi::GetCommissionPlan(grpc::ServerContext* ctx, const v1::GetCommissionPlanRequest* req,
                                           v1::GetCommissionPlanResponse* resp) {
  return ServeRead<v1::GetCommissionPlanResponse>(
      ctx, FinanceMethod("GetCommissionPlan"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetCommissionPlanResponse> {
        // Plans are the published scheme: every sales and finance role reads them.
        v1::GetCommissionPlanResponse out;
        SALES_ASSIGN_OR_RETURN(PlanRecord rec, CommissionStore::GetPlan(tx, req->id(), false));
        *out.mutable_commission_plan() = rec.plan;
        return out;
      });
}

grpc::Status FinanceApi::ListCommissionPlans(grpc::ServerContext* ctx, const v1::ListCommissionPlansRequest* req,
                                             v1::ListCommissionPlansResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionPlansResponse>(
      ctx, FinanceMethod("ListCommissionPlans"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->has_in_force_on()) SALES_RETURN_IF_ERROR(ValidateDate(req->in_force_on(), "in_force_on"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListCommissionPlansResponse> {
        SALES_ASSIGN_OR_RETURN(auto recs, CommissionStore::ListPlans(tx, *req, after, size + 1));
        std::vector<v1::CommissionPlan> plans;
        for (auto& r : recs) plans.push_back(std::move(r.plan));
        v1::ListCommissionPlansResponse out;
        FillPage(std::move(plans), size, &out, [](auto* r) { return r->add_commission_plans(); });
        return out;
      });
}

grpc::Status FinanceApi::CalculateCommissions(grpc::ServerContext* ctx, const v1::CalculateCommissionsRequest* req,
                                              v1::CalculateCommissionsResponse* resp) {
  CommissionRun run(*rt_.clock, *targets_, rt_.HasPeer("targets"));
  PreparedRun prepared;
  // Everything that needs targets-svc is asked before the writing
  // transaction opens, so no row lock waits on a network call.
  auto prepare = [&](CallContext& call) -> absl::Status {
    if (!IsFinanceStaff(call.principal)) return Denied("only finance calculates commissions");
    SALES_RETURN_IF_ERROR(ValidateCalculateCommissions(*req));
    SALES_ASSIGN_OR_RETURN(prepared, run.Prepare(SqlCommissionReads(*rt_.pool), call, *req));
    return absl::OkStatus();
  };
  auto calculate = [&](db::Transaction& tx, CallContext&) {
    SqlCommissionBook book(tx, rt_.outbox);
    return run.Calculate(book, prepared, req->dry_run());
  };
  if (!req->dry_run()) {
    return ServeMutation<v1::CalculateCommissionsRequest, v1::CalculateCommissionsResponse>(
        ctx, FinanceMethod("CalculateCommissions"), rt_, *req, resp, prepare, calculate);
  }
  // A dry run computes in a transaction that is rolled back: nothing is stored.
  return Serve(ctx, FinanceMethod("CalculateCommissions"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(prepare(call));
    return DryRun<v1::CalculateCommissionsResponse>(
        rt_, [&](db::Transaction& tx) { return calculate(tx, call); }, resp);
  });
}

grpc::Status FinanceApi::GetCommissionStatement(grpc::ServerContext* ctx, const v1::GetCommissionStatementRequest* req,
                                                v1::GetCommissionStatementResponse* resp) {
  return ServeRead<v1::GetCommissionStatementResponse>(
      ctx, FinanceMethod("GetCommissionStatement"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() < 0) return InvalidField("id", "must be >= 0");
        if (req->id() == 0) {
          if (req->rep_id() <= 0) return InvalidField("rep_id", "required when id is 0");
          return FirstOfMonth(req->month(), "month");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCommissionStatementResponse> {
        StatementRecord rec;
        if (req->id() != 0) {
          SALES_ASSIGN_OR_RETURN(rec, CommissionStore::GetStatement(tx, req->id(), false));
        } else {
          SALES_ASSIGN_OR_RETURN(auto found,
                                 CommissionStore::StatementOf(tx, req->rep_id(), ToCivilDay(req->month()), false));
          if (!found) {
            return WithErrorInfo(absl::NotFoundError(absl::StrCat("no statement for rep ", req->rep_id(), " and ",
                                                                  FormatDbDate(req->month()))),
                                 "NOT_COMPUTED", kFinanceDomain);
          }
          rec = std::move(*found);
        }
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, 0, 0));
        if (!StatementVisible(rs, rec.statement)) return NotFound("commission statement", rec.statement.id());
        v1::GetCommissionStatementResponse out;
        *out.mutable_statement() = rec.statement;
        return out;
      });
}

grpc::Status FinanceApi::ListCommissionStatements(grpc::ServerContext* ctx,
                                                  const v1::ListCommissionStatementsRequest* req,
                                                  v1::ListCommissionStatementsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionStatementsResponse>(
      ctx, FinanceMethod("ListCommissionStatements"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCommissionStatementsResponse> {
        v1::ListCommissionStatementsResponse out;
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, req->org_unit_id(), req->rep_id()));
        if (rs.none) return out;
        SALES_ASSIGN_OR_RETURN(auto recs,
                               CommissionStore::ListStatements(tx, *req, rs.rep_id, rs.unit_ids, after, size + 1));
        std::vector<v1::CommissionStatement> list;
        for (auto& r : recs) {
          r.statement.clear_lines();  // lists come without lines
          list.push_back(std::move(r.statement));
        }
        bool more = static_cast<int>(list.size()) > size;
        if (more) list.pop_back();
        for (auto& s : list) *out.add_statements() = std::move(s);
        if (more) out.set_next_page_token(EncodePageToken(out.statements().rbegin()->id()));
        return out;
      });
}

grpc::Status FinanceApi::ApproveCommissionStatement(grpc::ServerContext* ctx,
                                                    const v1::ApproveCommissionStatementRequest* req,
                                                    v1::ApproveCommissionStatementResponse* resp) {
  return ServeMutation<v1::ApproveCommissionStatementRequest, v1::ApproveCommissionStatementResponse>(
      ctx, FinanceMethod("ApproveCommissionStatement"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance approves statements");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return req->etag().empty() ? InvalidField("etag", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlCommissionBook book(tx, rt_.outbox);
        return CommissionRun(*rt_.clock, *targets_, rt_.HasPeer("targets")).Approve(book, call, *req);
      });
}

grpc::Status FinanceApi::MarkCommissionStatementPaid(grpc::ServerContext* ctx,
                                                     const v1::MarkCommissionStatementPaidRequest* req,
                                                     v1::MarkCommissionStatementPaidResponse* resp) {
  return ServeMutation<v1::MarkCommissionStatementPaidRequest, v1::MarkCommissionStatementPaidResponse>(
      ctx, FinanceMethod("MarkCommissionStatementPaid"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance records commission payments");
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->etag().empty()) return InvalidField("etag", "required");
        return ValidateDate(req->paid_on(), "paid_on");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MarkCommissionStatementPaidResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(StatementRecord rec, CommissionStore::GetStatement(tx, req->id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.row_version, "commission statement", req->id()));
        if (rec.statement.state() != v1::COMMISSION_STATEMENT_STATE_APPROVED) {
          return CommissionPrecondition("only an APPROVED statement can be paid", "STATEMENT_NOT_APPROVED");
        }
        if (ToCivilDay(req->paid_on()) < ToCivilDay(rec.statement.month())) {
          return InvalidField("paid_on", "before the statement's month");
        }
        if (ToCivilDay(req->paid_on()) > BusinessDay(now)) return InvalidField("paid_on", "in the future");
        rec.statement.set_state(v1::COMMISSION_STATEMENT_STATE_PAID);
        *rec.statement.mutable_paid_on() = req->paid_on();
        SALES_RETURN_IF_ERROR(CommissionStore::UpdateStatement(tx, rec, now));
        SALES_RETURN_IF_ERROR(CollectionsStore::Audit(tx, "CommissionStatement", rec.statement.id(), "PAID", "APPROVED",
                                                      "PAID", FormatDbDate(req->paid_on()),
                                                      LadderContextOf(rt_, call).actor, now));
        v1::MarkCommissionStatementPaidResponse out;
        *out.mutable_statement() = rec.statement;
        return out;
      });
}

grpc::Status FinanceApi::ReleaseCommissionHoldback(grpc::ServerContext* ctx,
                                                   const v1::ReleaseCommissionHoldbackRequest* req,
                                                   v1::ReleaseCommissionHoldbackResponse* resp) {
  return ServeMutation<v1::ReleaseCommissionHoldbackRequest, v1::ReleaseCommissionHoldbackResponse>(
      ctx, FinanceMethod("ReleaseCommissionHoldback"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("only finance releases the holdback");
        if (req->year() < 2000 || req->year() > 2100) return InvalidField("year", "a fiscal year");
        return FirstOfMonth(req->release_month(), "release_month");
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlCommissionBook book(tx, rt_.outbox);
        return CommissionRun(*rt_.clock, *targets_, rt_.HasPeer("targets")).ReleaseHoldback(book, call, *req);
      });
}

grpc::Status FinanceApi::ListCommissionDeductions(grpc::ServerContext* ctx,
                                                  const v1::ListCommissionDeductionsRequest* req,
                                                  v1::ListCommissionDeductionsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCommissionDeductionsResponse>(
      ctx, FinanceMethod("ListCommissionDeductions"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCommissionDeductionsResponse> {
        v1::ListCommissionDeductionsResponse out;
        SALES_ASSIGN_OR_RETURN(ReportScope rs, StatementScope(tx, call.principal, 0, req->rep_id()));
        if (rs.none) return out;
        std::vector<int64_t> reps;
        bool scoped = !rs.unit_ids.empty();
        if (scoped) {
          // A manager: the reps of their units, from the org copy.
          SALES_ASSIGN_OR_RETURN(reps, CommissionStore::RepsOfUnits(tx, rs.unit_ids));
        }
        SALES_ASSIGN_OR_RETURN(
            auto list, CommissionStore::ListDeductions(tx, rs.rep_id, req->state(), reps, scoped, after, size + 1));
        std::vector<v1::CommissionDeduction> protos;
        for (const auto& d : list) protos.push_back(DeductionToProto(d, kCommissionCurrency));
        FillPage(std::move(protos), size, &out, [](auto* r) { return r->add_deductions(); });
        return out;
      });
}

}  // namespace sales::finance
