#include "targets-svc/app/plan_records.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/app/covering_plan.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/revision.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/plan_store.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

// One changed field of a plan: its audit entry.
struct FieldChange {
  const char* action;
  std::string from, to;
};

std::string DateText(const v1::Plan& p) { return p.has_response_deadline() ? FormatDbDate(p.response_deadline()) : ""; }

// The changes `paths` make to the plan's header fields (the figures are
// compared by the caller); applies them to `plan`.
std::vector<FieldChange> ApplyHeaderFields(const v1::UpdatePlanRequest& req, const std::vector<std::string>& paths,
                                           v1::Plan& plan) {
  std::vector<FieldChange> changes;
  if (Touches(paths, "title") && req.title() != plan.title()) {
    changes.push_back({"TITLE_CHANGED", plan.title(), req.title()});
    plan.set_title(req.title());
  }
  if (Touches(paths, "mode") && req.mode() != plan.mode()) {
    changes.push_back({"MODE_CHANGED", EnumShort(plan.mode()), EnumShort(req.mode())});
    plan.set_mode(req.mode());
  }
  if (Touches(paths, "response_deadline")) {
    v1::Plan next;
    if (req.has_response_deadline()) *next.mutable_response_deadline() = req.response_deadline();
    if (DateText(next) != DateText(plan)) {
      changes.push_back({"RESPONSE_DEADLINE_CHANGED", DateText(plan), DateText(next)});
      plan.clear_response_deadline();
      if (req.has_response_deadline()) *plan.mutable_response_deadline() = req.response_deadline();
    }
  }
  if (Touches(paths, "note") && req.note() != plan.note()) {
    changes.push_back({"NOTE_CHANGED", plan.note(), req.note()});
    plan.set_note(req.note());
  }
  return changes;
}

// The plan's total and expense budget after the update, in its metric and
// currency; a named but blank expense budget is cleared to 0.
absl::Status NewFigures(const v1::UpdatePlanRequest& req, const std::vector<std::string>& paths, const v1::Plan& plan,
                        int64_t* total, int64_t* expense) {
  if (Touches(paths, "total_target")) {
    SALES_ASSIGN_OR_RETURN(*total,
                           FromMetricValue(plan.metric(), plan.currency_code(), req.total_target(), "total_target"));
  }
  if (Touches(paths, "expense_budget")) {
    *expense = 0;
    if (req.has_expense_budget()) {
      if (req.expense_budget().currency_code() != plan.currency_code()) {
        return InvalidField("expense_budget.currency_code",
                            absl::StrCat("must be the plan's currency ", plan.currency_code()));
      }
      *expense = req.expense_budget().minor_units();
    }
  }
  return absl::OkStatus();
}

// ----------------------------------------------------------- audit trails

// Settings and imports change no record with a history of its own (the
// settings row is overwritten; an import's rows are its record): there is no
// trail to list, which is a precondition of the request, not a missing method.
absl::Status NotKept(v1::AuditSubjectType type) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("targets-svc keeps no audit trail of ",
                                                                  v1::AuditSubjectType_Name(type), " records")),
                       "AUDIT_NOT_KEPT", kTargetsDomain, {{"subject_type", EnumShort(type)}});
}

// An expense's trail (recorded, and reversed), for a caller who can see it.
absl::StatusOr<std::vector<common::v1::AuditEntry>> ExpenseTrail(db::Transaction& tx, const Viewer& viewer,
                                                                 int64_t expense_id, int64_t after_id) {
  SALES_ASSIGN_OR_RETURN(auto expense, ExpenseStore::Get(tx, expense_id));
  if (!CanSee(viewer, expense.org_unit_id(), expense.rep_id())) {
    return OutOfScope(absl::StrCat("expense ", expense_id));
  }
  if (after_id > 0) return std::vector<common::v1::AuditEntry>{};  // two entries at most: one page
  return ExpenseStore::AuditTrail(tx, expense_id);
}

// A plan-side trail: the record must exist and be readable as its Get
// method reads it; a plan's own trail hides entries of cells out of scope.
absl::StatusOr<std::vector<common::v1::AuditEntry>> PlanSideTrail(db::Transaction& tx, const Viewer& viewer,
                                                                  const v1::ListAuditEntriesRequest& req,
                                                                  int64_t after_id, int limit) {
  const int64_t id = req.subject_id();
  PlanReadability plans(viewer);
  AuditTrailStore::PlanSubject subject;
  CellScope scope;  // everything: the record's own scope is checked below
  switch (req.subject_type()) {
    case v1::AUDIT_SUBJECT_TYPE_PLAN:
      SALES_RETURN_IF_ERROR(plans.Require(tx, id));
      subject.plan_id = id;
      scope = ScopeOf(viewer);
      break;
    case v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT: {
      SALES_ASSIGN_OR_RETURN(auto cell, AssignmentStore::Get(tx, id, false));
      if (!CanSee(viewer, cell.a.org_unit_id(), cell.a.rep_id())) return OutOfScope(absl::StrCat("assignment ", id));
      subject.assignment_id = id;
      break;
    }
    case v1::AUDIT_SUBJECT_TYPE_PLAN_AMENDMENT: {
      SALES_ASSIGN_OR_RETURN(auto amendment, AmendmentStore::Get(tx, id, false));
      SALES_RETURN_IF_ERROR(plans.Require(tx, amendment.plan_id()));
      subject.amendment_id = id;
      break;
    }
    default: {
      SALES_ASSIGN_OR_RETURN(auto reduction, ReductionStore::Get(tx, id, false));
      SALES_RETURN_IF_ERROR(plans.Require(tx, reduction.plan_id()));
      subject.reduction_id = id;
      break;
    }
  }
  return AuditTrailStore::OfPlan(tx, subject, scope, after_id, limit);
}

// The organization's master data: readable as GetOrgUnit and
// GetProductLine read them (by everyone); a rep's trail (contact data
// among it) only within the caller's scope.
absl::StatusOr<std::vector<common::v1::AuditEntry>> OrgTrail(db::Transaction& tx, const Viewer& viewer,
                                                             const v1::ListAuditEntriesRequest& req, int64_t after_id,
                                                             int limit) {
  const int64_t id = req.subject_id();
  switch (req.subject_type()) {
    case v1::AUDIT_SUBJECT_TYPE_ORG_UNIT:
      SALES_RETURN_IF_ERROR(OrgStore::Get(tx, id).status());
      break;
    case v1::AUDIT_SUBJECT_TYPE_REP:
      SALES_RETURN_IF_ERROR(RepStore::Get(tx, id).status());
      if (!CanSee(viewer, 0, id)) return OutOfScope(absl::StrCat("rep ", id, "'s audit trail"));
      break;
    default:
      SALES_RETURN_IF_ERROR(ProductLineStore::Get(tx, id).status());
      break;
  }
  return AuditTrailStore::OfOrg(tx, EnumShort(req.subject_type()), id, after_id, limit);
}

// ------------------------------------------------------- sales plan report

// Who the report is for: one rep, a unit's subtree, or the company.
struct ReportScope {
  int64_t rep_id = 0;       // a rep's own rows only
  int64_t unit = 0;         // the unit the plan must cover (0: the company)
  std::set<int64_t> units;  // the subtree whose reps are reported (empty: all)
};

absl::StatusOr<ReportScope> ScopeOfReport(db::Transaction& tx, const Viewer& viewer,
                                          const v1::GetSalesPlanReportRequest& req) {
  ReportScope s;
  if (viewer.principal.role == kRoleRep) {
    if (viewer.principal.rep_id == 0) return OutOfScope("the sales plan");
    SALES_ASSIGN_OR_RETURN(auto me, RepStore::Get(tx, viewer.principal.rep_id));
    s.rep_id = me.id();
    s.unit = me.org_unit_id();
    return s;
  }
  s.unit = req.org_unit_id();
  if (s.unit == 0 && viewer.principal.role == kRoleManager) s.unit = viewer.principal.org_unit_id;
  if (s.unit == 0) {
    if (!viewer.read_everywhere) return OutOfScope("the whole company");
    return s;
  }
  v1::TargetNode node;
  node.set_org_unit_id(s.unit);
  SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, node));
  SALES_ASSIGN_OR_RETURN(auto subtree, SubtreeOf(tx, s.unit));
  if (subtree.empty()) return NotFound("org unit", s.unit);
  s.units.insert(subtree.begin(), subtree.end());
  return s;
}

// The unit a leaf counts for, as GetProgress counts it: the cell's own,
// unless the decomposition skipped the org levels (the cell's unit is above
// the rep's), then the rep's.
class LeafUnits {
 public:
  absl::StatusOr<int64_t> Of(db::Transaction& tx, const AssignmentStore::RepLeaf& leaf) {
    if (leaf.rep_org_unit_id == 0 || leaf.rep_org_unit_id == leaf.cell_org_unit_id) return leaf.cell_org_unit_id;
    auto it = below_.find(leaf.cell_org_unit_id);
    if (it == below_.end()) {
      SALES_ASSIGN_OR_RETURN(auto sub, SubtreeOf(tx, leaf.cell_org_unit_id));
      it = below_.emplace(leaf.cell_org_unit_id, std::set<int64_t>(sub.begin(), sub.end())).first;
    }
    return it->second.count(leaf.rep_org_unit_id) ? leaf.rep_org_unit_id : leaf.cell_org_unit_id;
  }

 private:
  std::map<int64_t, std::set<int64_t>> below_;
};

// The part of a leaf's figure that falls into [span.start, span.end], by
// days, rounded half up (as GetProgress prorates); nullopt when the leaf
// lies outside.
struct Prorated {
  int64_t target = 0, expense = 0;
};
std::optional<Prorated> ProrateInto(const AssignmentStore::RepLeaf& leaf, const PeriodSpan& span) {
  auto own = SpanOf(leaf.period, "leaf");
  if (!own.ok()) return std::nullopt;
  absl::CivilDay a = std::max(own->start, span.start), b = std::min(own->end, span.end);
  if (b < a) return std::nullopt;
  int64_t overlap = (b - a) + 1, days = (own->end - own->start) + 1;
  auto part = [&](int64_t v) {
    if (overlap == days) return v;
    absl::int128 num = absl::int128(v) * overlap * 2 + days;
    return static_cast<int64_t>(num / (absl::int128(days) * 2));
  };
  return Prorated{part(leaf.target), part(leaf.expense)};
}

struct PlanRowSum {
  v1::SalesPlanRow row;
  int64_t target = 0, expense = 0;
  std::set<int64_t> customers;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> UpdatePlanPaths(const v1::UpdatePlanRequest& r) {
  if (!r.update_mask().paths().empty()) {
    return UpdatePaths(r.update_mask(),
                       {"title", "mode", "total_target", "expense_budget", "response_deadline", "note"});
  }
  std::vector<std::string> set;
  if (!r.title().empty()) set.push_back("title");
  if (r.mode() != v1::PLAN_MODE_UNSPECIFIED) set.push_back("mode");
  if (r.has_total_target()) set.push_back("total_target");
  if (r.has_expense_budget()) set.push_back("expense_budget");
  if (r.has_response_deadline()) set.push_back("response_deadline");
  if (!r.note().empty()) set.push_back("note");
  return set;
}

absl::Status ValidateUpdatePlan(const v1::UpdatePlanRequest& r, const std::vector<std::string>& paths) {
  std::vector<FieldViolation> v;
  if (r.id() <= 0) v.push_back({"id", "required, > 0"});
  if (Touches(paths, "title") && (r.title().empty() || r.title().size() > 200)) {
    v.push_back({"title", "required, at most 200 bytes"});
  }
  if (Touches(paths, "mode") && (r.mode() == v1::PLAN_MODE_UNSPECIFIED || !v1::PlanMode_IsValid(r.mode()))) {
    v.push_back({"mode", "NEGOTIATED or DIRECTIVE"});
  }
  if (Touches(paths, "total_target") && !r.has_total_target()) v.push_back({"total_target", "required"});
  if (Touches(paths, "expense_budget") && r.has_expense_budget()) {
    for (auto& f : FieldViolationsOf(ValidateMoney(r.expense_budget(), "expense_budget", Sign::kNonNegative))) {
      v.push_back(f);
    }
  }
  if (Touches(paths, "response_deadline") && r.has_response_deadline()) {
    for (auto& f : FieldViolationsOf(ValidateDate(r.response_deadline(), "response_deadline"))) v.push_back(f);
  }
  if (Touches(paths, "note") && r.note().size() > 2000) v.push_back({"note", "at most 2000 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status CheckMayWithdraw(const Viewer& viewer, const common::v1::Actor& requested_by, const std::string& what) {
  const Principal& p = viewer.principal;
  if (!p.authenticated() || p.role == kRoleAdmin) return absl::OkStatus();
  if (!requested_by.user_id().empty() && requested_by.user_id() == p.user_id) return absl::OkStatus();
  return WithErrorInfo(
      absl::PermissionDeniedError(absl::StrCat("only whoever requested ", what, " (or an admin) may withdraw it")),
      "NOT_REQUESTER", kTargetsDomain);
}

absl::StatusOr<bool> PlanReadability::CanRead(db::Transaction& tx, int64_t plan_id) {
  if (viewer_.read_everywhere) return true;
  auto it = known_.find(plan_id);
  if (it != known_.end()) return it->second;
  bool readable = false;
  auto plan = PlanStore::Get(tx, plan_id, 0, false);
  if (plan.ok()) {
    SALES_ASSIGN_OR_RETURN(readable, CanReadPlan(tx, viewer_, plan->plan));
  } else if (!absl::IsNotFound(plan.status())) {
    return plan.status();
  }
  known_[plan_id] = readable;
  return readable;
}

absl::Status PlanReadability::Require(db::Transaction& tx, int64_t plan_id) {
  SALES_RETURN_IF_ERROR(PlanStore::Get(tx, plan_id, 0, false).status());
  SALES_ASSIGN_OR_RETURN(bool readable, CanRead(tx, plan_id));
  return readable ? absl::OkStatus() : OutOfScope(absl::StrCat("plan ", plan_id));
}

absl::StatusOr<v1::UpdatePlanResponse> PlanRecords::Update(db::Transaction& tx, const CallContext& call,
                                                           const v1::UpdatePlanRequest& request,
                                                           const std::vector<std::string>& paths) const {
  SALES_ASSIGN_OR_RETURN(PlanRecord rec, LockPlan(tx, request.id(), ""));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  if (!CanManage(viewer, rec.plan.org_unit_id())) return OutOfScope(absl::StrCat("plan ", rec.plan.id()));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.row_version, "plan", rec.plan.id()));
  // A signed plan is a pledge (军令状): it changes only by an amendment.
  SALES_RETURN_IF_ERROR(CheckPlanAction(rec.plan.state(), rec.plan.mode(), PlanAction::kUpdate));
  int64_t total = rec.total, expense = rec.expense;
  SALES_RETURN_IF_ERROR(NewFigures(request, paths, rec.plan, &total, &expense));
  std::vector<FieldChange> changes = ApplyHeaderFields(request, paths, rec.plan);
  const absl::Time now = clock_.Now();
  if (total != rec.total || expense != rec.expense) {
    if (total != rec.total) changes.push_back({"TOTAL_TARGET_CHANGED", absl::StrCat(rec.total), absl::StrCat(total)});
    if (expense != rec.expense) {
      changes.push_back({"EXPENSE_BUDGET_CHANGED", absl::StrCat(rec.expense), absl::StrCat(expense)});
    }
    // The root takes the new figures; the cells below follow in their
    // current proportions, so every level still adds up.
    SALES_ASSIGN_OR_RETURN(auto root, AssignmentStore::GetByCell(tx, rec.plan.id(), rec.plan.version(), 0, true));
    SALES_RETURN_IF_ERROR(ApplyTargetChanges(tx, rec.plan.id(), rec.plan.version(), {{root.a.id(), total, expense}},
                                             /*reissue=*/false, now)
                              .status());
    rec.total = total;
    rec.expense = expense;
  }
  if (!changes.empty()) {
    SALES_RETURN_IF_ERROR(PlanStore::Save(tx, rec, now));
    for (const auto& c : changes) {
      SALES_RETURN_IF_ERROR(PlanStore::Audit(tx, rec.plan.id(), rec.plan.version(), 0, call.principal, c.action, c.from,
                                             c.to, "", call.request_id, now));
    }
  }
  v1::UpdatePlanResponse out;
  SALES_ASSIGN_OR_RETURN(auto after, PlanStore::Get(tx, rec.plan.id(), 0, false));
  *out.mutable_plan() = std::move(after.plan);
  return out;
}

absl::StatusOr<v1::ListAuditEntriesResponse> PlanRecords::AuditTrail(db::Transaction& tx, const CallContext& call,
                                                                     const v1::ListAuditEntriesRequest& request,
                                                                     int64_t after_id, int page_size) const {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  std::vector<common::v1::AuditEntry> entries;
  switch (request.subject_type()) {
    case v1::AUDIT_SUBJECT_TYPE_PLAN:
    case v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT:
    case v1::AUDIT_SUBJECT_TYPE_PLAN_AMENDMENT:
    case v1::AUDIT_SUBJECT_TYPE_TARGET_REDUCTION: {
      SALES_ASSIGN_OR_RETURN(entries, PlanSideTrail(tx, viewer, request, after_id, page_size + 1));
      break;
    }
    case v1::AUDIT_SUBJECT_TYPE_ORG_UNIT:
    case v1::AUDIT_SUBJECT_TYPE_REP:
    case v1::AUDIT_SUBJECT_TYPE_PRODUCT_LINE: {
      SALES_ASSIGN_OR_RETURN(entries, OrgTrail(tx, viewer, request, after_id, page_size + 1));
      break;
    }
    case v1::AUDIT_SUBJECT_TYPE_EXPENSE: {
      SALES_ASSIGN_OR_RETURN(entries, ExpenseTrail(tx, viewer, request.subject_id(), after_id));
      break;
    }
    default:
      return NotKept(request.subject_type());
  }
  v1::ListAuditEntriesResponse out;
  FillPage(std::move(entries), page_size, &out, [](auto* r) { return r->add_entries(); });
  return out;
}

absl::StatusOr<v1::GetSalesPlanReportResponse> PlanRecords::SalesPlan(db::Transaction& tx, const CallContext& call,
                                                                      const v1::GetSalesPlanReportRequest& request,
                                                                      int64_t offset, int page_size) const {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(request.period(), "period"));
  const v1::Metric metric = request.metric() == v1::METRIC_UNSPECIFIED ? v1::METRIC_SALES_AMOUNT : request.metric();
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(ReportScope scope, ScopeOfReport(tx, viewer, request));
  SALES_ASSIGN_OR_RETURN(PlanRecord plan,
                         SignedPlanCovering(tx, static_cast<int32_t>(span.start.year()), metric, scope.unit, "scope"));
  SALES_ASSIGN_OR_RETURN(auto leaves,
                         AssignmentStore::RepLeaves(tx, plan.plan.id(), plan.plan.version(), scope.rep_id));
  const std::string& currency = plan.plan.currency_code();
  LeafUnits units;
  std::map<std::pair<int64_t, int64_t>, PlanRowSum> rows;  // by rep, then line
  for (const auto& leaf : leaves) {
    std::optional<Prorated> part = ProrateInto(leaf, span);
    if (!part.has_value()) continue;
    SALES_ASSIGN_OR_RETURN(int64_t unit, units.Of(tx, leaf));
    if (!scope.units.empty() && !scope.units.count(unit)) continue;
    PlanRowSum& sum = rows[{leaf.rep_id, leaf.product_line_id}];
    if (sum.row.rep_id() == 0) {
      sum.row.set_rep_id(leaf.rep_id);
      sum.row.set_org_unit_id(unit);
      sum.row.set_rep_label(leaf.rep_name);
      sum.row.set_product_line_id(leaf.product_line_id);
      sum.row.set_product_line_label(leaf.product_line_name);
    }
    sum.target += part->target;
    sum.expense += part->expense;
    if (leaf.customer_id != 0) sum.customers.insert(leaf.customer_id);
  }
  v1::GetSalesPlanReportResponse out;
  int64_t index = 0;
  for (auto& [key, sum] : rows) {
    if (index++ < offset) continue;
    if (out.rows_size() == page_size) {
      out.set_next_page_token(EncodePageToken(offset + page_size));
      break;
    }
    *sum.row.mutable_target() = ToMetricValue(metric, currency, sum.target);
    *sum.row.mutable_expense_budget() = MakeMoney(sum.expense, currency);
    sum.row.set_outlet_target_count(static_cast<int32_t>(sum.customers.size()));
    *out.add_rows() = std::move(sum.row);
  }
  return out;
}

}  // namespace sales::targets
