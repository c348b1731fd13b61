#include "targets-svc/store/plan_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/store/actor_column.h"

namespace sales::targets {
namespace {

constexpr char kPlanColumns[] =
    "v.plan_id, v.version, v.title, v.fiscal_year, v.metric, v.currency, v.mode, v.org_unit_id, "
    "v.total_target, v.expense_budget, v.state, v.response_deadline, v.decomposition, v.owner, v.signed_by, "
    "v.issued_at, v.signed_at, v.amendment_id, v.note, v.next_cell_no, v.created_at, v.updated_at, "
    "p.row_version, p.current_version";

PlanRecord PlanFromRow(const db::Row& r) {
  PlanRecord rec;
  v1::Plan& p = rec.plan;
  p.set_id(r.Int("plan_id"));
  p.set_version(static_cast<int32_t>(r.Int("version")));
  p.set_title(r.Str("title"));
  p.set_fiscal_year(static_cast<int32_t>(r.Int("fiscal_year")));
  p.set_metric(EnumParse<v1::Metric>(r.Str("metric")));
  p.set_currency_code(r.Str("currency"));
  p.set_mode(EnumParse<v1::PlanMode>(r.Str("mode")));
  p.set_org_unit_id(r.Int("org_unit_id"));
  rec.total = r.Int("total_target");
  rec.expense = r.Int("expense_budget");
  *p.mutable_total_target() = ToMetricValue(p.metric(), p.currency_code(), rec.total);
  *p.mutable_expense_budget() = MakeMoney(rec.expense, p.currency_code());
  p.set_state(EnumParse<v1::PlanState>(r.Str("state")));
  if (!r.IsNull("response_deadline")) *p.mutable_response_deadline() = ParseDbDate(r.Str("response_deadline"));
  v1::DecomposePlanRequest levels;  // stored as the request's levels field
  if (!r.IsNull("decomposition") && levels.ParseFromString(r.Str("decomposition"))) {
    for (const auto& l : levels.levels()) *p.add_decomposition() = l;
  }
  if (!r.Str("owner").empty()) *p.mutable_owner() = DecodeActor(r.Str("owner"));
  if (!r.Str("signed_by").empty()) *p.mutable_signed_by() = DecodeActor(r.Str("signed_by"));
  if (!r.IsNull("issued_at")) *p.mutable_issue_time() = ToTimestamp(ParseDbTime(r.Str("issued_at")));
  if (!r.IsNull("signed_at")) *p.mutable_sign_time() = ToTimestamp(ParseDbTime(r.Str("signed_at")));
  p.set_amendment_id(r.Int("amendment_id"));
  p.set_note(r.Str("note"));
  rec.next_cell_no = static_cast<int32_t>(r.Int("next_cell_no"));
  *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *p.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  rec.row_version = r.Int("row_version");
  rec.current_version = static_cast<int32_t>(r.Int("current_version"));
  p.set_etag(MakeEtag(rec.row_version));
  return rec;
}

constexpr char kAssignmentColumns[] =
    "a.id, a.plan_id, a.plan_version, a.cell_no, a.parent_cell_no, a.cell_key, a.depth, a.dimension, a.method, "
    "a.period_kind, a.period_start, a.org_unit_id, a.rep_id, a.portfolio_role, a.product_line_id, a.customer_id, "
    "a.target, a.expense, a.share_bp, a.history, a.negotiable, a.assignee_rep_id, a.state, a.counter_target, "
    "a.counter_expense, a.counter_reason, a.counter_by, a.counter_at, a.revision_count, a.reduced_by_policy, "
    "a.equal_split_fallback, a.version, a.updated_at, COALESCE(par.id, 0) AS parent_assignment_id, v.metric, "
    "v.currency";

constexpr char kAssignmentFrom[] =
    " FROM assignments a JOIN plan_versions v ON v.plan_id = a.plan_id AND v.version = a.plan_version "
    "LEFT JOIN assignments par ON par.plan_id = a.plan_id AND par.plan_version = a.plan_version "
    "AND par.cell_no = a.parent_cell_no";

AssignmentRecord AssignmentFromRow(const db::Row& r) {
  AssignmentRecord rec;
  v1::Assignment& a = rec.a;
  auto metric = EnumParse<v1::Metric>(r.Str("metric"));
  const std::string& currency = r.Str("currency");
  a.set_id(r.Int("id"));
  a.set_plan_id(r.Int("plan_id"));
  a.set_plan_version(static_cast<int32_t>(r.Int("plan_version")));
  rec.cell_no = static_cast<int32_t>(r.Int("cell_no"));
  rec.parent_cell_no = static_cast<int32_t>(r.Int("parent_cell_no"));
  a.set_key(r.Str("cell_key"));
  a.set_depth(static_cast<int32_t>(r.Int("depth")));
  a.set_dimension(EnumParse<v1::Dimension>(r.Str("dimension")));
  a.set_method(EnumParse<v1::DecompositionMethod>(r.Str("method")));
  a.mutable_period()->set_kind(EnumParse<common::v1::PeriodKind>(r.Str("period_kind")));
  *a.mutable_period()->mutable_start() = ParseDbDate(r.Str("period_start"));
  a.set_org_unit_id(r.Int("org_unit_id"));
  a.set_rep_id(r.Int("rep_id"));
  a.set_portfolio_role(EnumParse<v1::PortfolioRole>(r.Str("portfolio_role")));
  a.set_product_line_id(r.Int("product_line_id"));
  a.set_customer_id(r.Int("customer_id"));
  rec.target = r.Int("target");
  rec.expense = r.Int("expense");
  *a.mutable_target() = ToMetricValue(metric, currency, rec.target);
  *a.mutable_expense_budget() = MakeMoney(rec.expense, currency);
  a.set_share_bp(static_cast<int32_t>(r.Int("share_bp")));
  *a.mutable_baseline() = ToMetricValue(metric, currency, r.Int("history"));
  a.set_negotiable(r.Int("negotiable") != 0);
  a.set_assignee_rep_id(r.Int("assignee_rep_id"));
  a.set_state(EnumParse<v1::AssignmentState>(r.Str("state")));
  if (!r.IsNull("counter_target")) {
    auto* cp = a.mutable_counter_proposal();
    *cp->mutable_proposed_target() = ToMetricValue(metric, currency, r.Int("counter_target"));
    if (!r.IsNull("counter_expense")) {
      *cp->mutable_proposed_expense_budget() = MakeMoney(r.Int("counter_expense"), currency);
    }
    cp->set_reason(r.Str("counter_reason"));
    *cp->mutable_proposed_by() = DecodeActor(r.Str("counter_by"));
    if (!r.IsNull("counter_at")) *cp->mutable_propose_time() = ToTimestamp(ParseDbTime(r.Str("counter_at")));
  }
  a.set_revision_count(static_cast<int32_t>(r.Int("revision_count")));
  a.set_reduced_by_policy(r.Int("reduced_by_policy") != 0);
  a.set_equal_split_fallback(r.Int("equal_split_fallback") != 0);
  rec.version = r.Int("version");
  a.set_etag(MakeEtag(rec.version));
  *a.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  a.set_parent_assignment_id(r.Int("parent_assignment_id"));
  return rec;
}

db::Param DateOrNull(const v1::Plan& p) {
  return p.has_response_deadline() ? db::Param(FormatDbDate(p.response_deadline())) : db::Param(nullptr);
}

std::string LevelsBlob(const v1::Plan& p) {
  v1::DecomposePlanRequest holder;
  for (const auto& l : p.decomposition()) *holder.add_levels() = l;
  return holder.SerializeAsString();
}

db::Param TimeOrNull(const google::protobuf::Timestamp& ts, bool has) {
  return has ? db::Param(FormatDbTime(FromTimestamp(ts))) : db::Param(nullptr);
}

std::string EncodeActor(const common::v1::Actor& a) {
  if (a.user_id().empty()) return "";
  return Principal{a.user_id(), a.role(), a.rep_id(), a.org_unit_id()}.Encode();
}

// At most `max` bytes of `s`, never ending inside a UTF-8 character: a
// Chinese title cut mid-character would be refused by the column.
std::string ClipUtf8(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

void FillCounts(const AssignmentStore::Counts& c, PlanRecord& rec) {
  rec.plan.set_assignment_count(c.cells);
  rec.plan.set_pending_count(c.pending);
  rec.plan.set_accepted_count(c.accepted);
  rec.plan.set_counter_proposed_count(c.counter);
  rec.negotiable_count = c.negotiable;
}

// Adds one GROUP BY row (negotiable, state, cells) to the counts.
void AddCountRow(const db::Row& r, AssignmentStore::Counts& c) {
  int32_t n = static_cast<int32_t>(r.Int("cells"));
  c.cells += n;
  if (r.Int("negotiable") == 0) return;
  c.negotiable += n;
  switch (EnumParse<v1::AssignmentState>(r.Str("state"))) {
    case v1::ASSIGNMENT_STATE_ISSUED:
      c.pending += n;
      break;
    case v1::ASSIGNMENT_STATE_ACCEPTED:
      c.accepted += n;
      break;
    case v1::ASSIGNMENT_STATE_COUNTER_PROPOSED:
      c.counter += n;
      break;
    default:
      break;
  }
}

constexpr char kAmendmentColumns[] =
    "id, plan_id, base_version, new_version, changes, reason, approver_org_unit_id, state, requested_by, decided_by, "
    "decision_reason, effective_date, version, created_at, decided_at";

v1::PlanAmendment AmendmentFromRow(const db::Row& r) {
  v1::PlanAmendment a;
  a.ParseFromString(r.Str("changes"));
  a.set_id(r.Int("id"));
  a.set_plan_id(r.Int("plan_id"));
  a.set_base_version(static_cast<int32_t>(r.Int("base_version")));
  a.set_new_version(static_cast<int32_t>(r.Int("new_version")));
  a.set_reason(r.Str("reason"));
  a.set_approver_org_unit_id(r.Int("approver_org_unit_id"));
  a.set_state(EnumParse<v1::AmendmentState>(r.Str("state")));
  if (!r.Str("requested_by").empty()) *a.mutable_requested_by() = DecodeActor(r.Str("requested_by"));
  if (!r.Str("decided_by").empty()) *a.mutable_decided_by() = DecodeActor(r.Str("decided_by"));
  a.set_decision_reason(r.Str("decision_reason"));
  if (!r.IsNull("effective_date")) *a.mutable_effective_date() = ParseDbDate(r.Str("effective_date"));
  a.set_etag(MakeEtag(r.Int("version")));
  *a.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  if (!r.IsNull("decided_at")) *a.mutable_decide_time() = ToTimestamp(ParseDbTime(r.Str("decided_at")));
  return a;
}

constexpr char kReductionColumns[] =
    "id, plan_id, plan_version, parent_assignment_id, body, reason, approver_org_unit_id, state, requested_by, "
    "decided_by, decision_reason, escalated_to_id, version, created_at, decided_at";

v1::TargetReduction ReductionFromRow(const db::Row& r) {
  v1::TargetReduction t;
  t.ParseFromString(r.Str("body"));
  t.set_id(r.Int("id"));
  t.set_plan_id(r.Int("plan_id"));
  t.set_plan_version(static_cast<int32_t>(r.Int("plan_version")));
  t.set_parent_assignment_id(r.Int("parent_assignment_id"));
  t.set_reason(r.Str("reason"));
  t.set_approver_org_unit_id(r.Int("approver_org_unit_id"));
  t.set_state(EnumParse<v1::TargetReductionState>(r.Str("state")));
  if (!r.Str("requested_by").empty()) *t.mutable_requested_by() = DecodeActor(r.Str("requested_by"));
  if (!r.Str("decided_by").empty()) *t.mutable_decided_by() = DecodeActor(r.Str("decided_by"));
  t.set_decision_reason(r.Str("decision_reason"));
  t.set_escalated_to_id(r.Int("escalated_to_id"));
  t.set_etag(MakeEtag(r.Int("version")));
  *t.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  if (!r.IsNull("decided_at")) *t.mutable_decide_time() = ToTimestamp(ParseDbTime(r.Str("decided_at")));
  return t;
}

// The newest-first keyset and the plan, state and approver filters shared by
// the lists of amendments and reductions.
template <typename Filter>
std::string RequestFilters(const Filter& f, int64_t before_id, const std::string& state, db::Params& params) {
  std::string where = " WHERE (? = 0 OR id < ?)";
  params.insert(params.end(), {before_id, before_id});
  if (f.plan_id() != 0) {
    where += " AND plan_id = ?";
    params.push_back(f.plan_id());
  }
  if (!state.empty()) {
    where += " AND state = ?";
    params.push_back(state);
  }
  if (f.approver_org_unit_id() != 0) {
    where += " AND approver_org_unit_id = ?";
    params.push_back(f.approver_org_unit_id());
  }
  return where;
}

common::v1::AuditEntry AuditEntryFromRow(const db::Row& r) {
  common::v1::AuditEntry e;
  e.set_id(r.Int("id"));
  *e.mutable_at() = ToTimestamp(ParseDbTime(r.Str("at")));
  *e.mutable_actor() = DecodeActor(r.Str("actor"));
  e.set_action(r.Str("action"));
  e.set_from_value(r.Str("from_value"));
  e.set_to_value(r.Str("to_value"));
  e.set_reason(r.Str("reason"));
  e.set_request_id(r.Str("request_id"));
  return e;
}

}  // namespace

absl::StatusOr<int64_t> PlanStore::Create(db::Transaction& tx, const v1::Plan& plan, int64_t total, int64_t expense,
                                          const Principal& owner, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO plans (current_version, row_version, created_at, updated_at) "
                                "VALUES (1, 1, ?, ?)",
                                {FormatDbTime(now), FormatDbTime(now)})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_RETURN_IF_ERROR(
      tx.Exec(
            "INSERT INTO plan_versions (plan_id, version, title, fiscal_year, metric, currency, mode, org_unit_id, "
            "total_target, expense_budget, state, response_deadline, decomposition, owner, note, next_cell_no, "
            "created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 1, ?, ?)",
            {id, plan.title(), static_cast<int64_t>(plan.fiscal_year()), EnumShort(plan.metric()), plan.currency_code(),
             EnumShort(plan.mode()), plan.org_unit_id(), total, expense, EnumShort(v1::PLAN_STATE_DRAFT),
             DateOrNull(plan), owner.authenticated() ? owner.Encode() : std::string(), plan.note(), FormatDbTime(now),
             FormatDbTime(now)})
          .status());
  // The root cell: the whole year of the plan's unit.
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO assignments (plan_id, plan_version, cell_no, parent_cell_no, cell_key, depth, dimension, "
              "method, period_kind, period_start, org_unit_id, rep_id, portfolio_role, product_line_id, customer_id, "
              "target, expense, share_bp, history, negotiable, assignee_rep_id, state, updated_at) "
              "VALUES (?, 1, 0, -1, '', 0, 'UNSPECIFIED', 'UNSPECIFIED', ?, ?, ?, 0, 'UNSPECIFIED', 0, 0, ?, ?, "
              "10000, 0, 0, 0, ?, ?)",
              {id, EnumShort(common::v1::PERIOD_KIND_YEAR), absl::StrCat(plan.fiscal_year(), "-01-01"),
               plan.org_unit_id(), total, expense, EnumShort(v1::ASSIGNMENT_STATE_DRAFT), FormatDbTime(now)})
          .status());
  return id;
}

absl::StatusOr<PlanRecord> PlanStore::Get(db::Transaction& tx, int64_t id, int32_t version, bool for_update) {
  if (for_update) {
    SALES_ASSIGN_OR_RETURN(auto head, tx.Query("SELECT id FROM plans WHERE id = ? FOR UPDATE", {id}));
    if (head.empty()) return NotFound("plan", id);
  }
  std::string sql =
      absl::StrCat("SELECT ", kPlanColumns, " FROM plans p JOIN plan_versions v ON v.plan_id = p.id AND v.version = ",
                   version == 0 ? "p.current_version" : "?", " WHERE p.id = ?");
  db::Params params;
  if (version != 0) params.push_back(static_cast<int64_t>(version));
  params.push_back(id);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  if (rows.empty()) {
    if (version != 0) {
      return WithErrorInfo(absl::NotFoundError(absl::StrCat("plan ", id, " has no version ", version)), "NOT_FOUND",
                           kTargetsDomain);
    }
    return NotFound("plan", id);
  }
  PlanRecord rec = PlanFromRow(rows[0]);
  SALES_ASSIGN_OR_RETURN(auto counts, AssignmentStore::Count(tx, id, rec.plan.version()));
  FillCounts(counts, rec);
  return rec;
}

absl::StatusOr<std::vector<PlanRecord>> PlanStore::List(db::Transaction& tx, const v1::ListPlansRequest& f,
                                                        int64_t after_id, int limit) {
  SALES_ASSIGN_OR_RETURN(std::vector<PlanRecord> out, ListHeads(tx, f, after_id, limit));
  std::vector<int64_t> ids;
  for (const auto& rec : out) ids.push_back(rec.plan.id());
  // The same counts GetPlan shows, for the whole page in one query.
  SALES_ASSIGN_OR_RETURN(auto counts, AssignmentStore::CountCurrent(tx, ids));
  for (auto& rec : out) {
    auto it = counts.find(rec.plan.id());
    FillCounts(it == counts.end() ? AssignmentStore::Counts{} : it->second, rec);
  }
  return out;
}

absl::StatusOr<std::vector<PlanRecord>> PlanStore::ListHeads(db::Transaction& tx, const v1::ListPlansRequest& f,
                                                             int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kPlanColumns,
                                 " FROM plans p JOIN plan_versions v ON v.plan_id = p.id AND "
                                 "v.version = p.current_version WHERE p.id > ?");
  db::Params params = {after_id};
  if (f.fiscal_year() != 0) {
    absl::StrAppend(&sql, " AND v.fiscal_year = ?");
    params.push_back(static_cast<int64_t>(f.fiscal_year()));
  }
  if (f.metric() != v1::METRIC_UNSPECIFIED) {
    absl::StrAppend(&sql, " AND v.metric = ?");
    params.push_back(EnumShort(f.metric()));
  }
  if (f.state() != v1::PLAN_STATE_UNSPECIFIED) {
    absl::StrAppend(&sql, " AND v.state = ?");
    params.push_back(EnumShort(f.state()));
  }
  if (f.org_unit_id() != 0) {
    absl::StrAppend(&sql, " AND v.org_unit_id = ?");
    params.push_back(f.org_unit_id());
  }
  absl::StrAppend(&sql, " ORDER BY p.id LIMIT ?");
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<PlanRecord> out;
  for (const auto& r : rows) out.push_back(PlanFromRow(r));
  return out;
}

absl::StatusOr<std::vector<PlanRecord>> PlanStore::Versions(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kPlanColumns,
                                                          " FROM plans p JOIN plan_versions v ON v.plan_id = p.id "
                                                          "WHERE p.id = ? ORDER BY v.version"),
                                             {id}));
  if (rows.empty()) return NotFound("plan", id);
  std::vector<PlanRecord> out;
  for (const auto& r : rows) out.push_back(PlanFromRow(r));
  return out;
}

absl::Status PlanStore::Save(db::Transaction& tx, const PlanRecord& rec, absl::Time now) {
  const v1::Plan& p = rec.plan;
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE plan_versions SET title = ?, mode = ?, total_target = ?, expense_budget = ?, state = ?, "
              "response_deadline = ?, decomposition = ?, signed_by = ?, issued_at = ?, signed_at = ?, "
              "amendment_id = ?, note = ?, next_cell_no = ?, updated_at = ? WHERE plan_id = ? AND version = ?",
              {p.title(), EnumShort(p.mode()), rec.total, rec.expense, EnumShort(p.state()), DateOrNull(p),
               db::Bytes{LevelsBlob(p)}, EncodeActor(p.signed_by()), TimeOrNull(p.issue_time(), p.has_issue_time()),
               TimeOrNull(p.sign_time(), p.has_sign_time()), p.amendment_id(), p.note(),
               static_cast<int64_t>(rec.next_cell_no), FormatDbTime(now), p.id(), static_cast<int64_t>(p.version())})
          .status());
  return tx
      .Exec("UPDATE plans SET row_version = row_version + 1, updated_at = ? WHERE id = ?", {FormatDbTime(now), p.id()})
      .status();
}

absl::Status PlanStore::CopyVersion(db::Transaction& tx, int64_t id, int32_t from, int32_t to, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO plan_versions (plan_id, version, title, fiscal_year, metric, currency, mode, org_unit_id, "
              "total_target, expense_budget, state, response_deadline, decomposition, owner, signed_by, issued_at, "
              "signed_at, amendment_id, note, next_cell_no, created_at, updated_at) "
              "SELECT plan_id, ?, title, fiscal_year, metric, currency, mode, org_unit_id, total_target, "
              "expense_budget, state, response_deadline, decomposition, owner, signed_by, issued_at, signed_at, "
              "amendment_id, note, next_cell_no, ?, ? FROM plan_versions WHERE plan_id = ? AND version = ?",
              {static_cast<int64_t>(to), FormatDbTime(now), FormatDbTime(now), id, static_cast<int64_t>(from)})
          .status());
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO assignments (plan_id, plan_version, cell_no, parent_cell_no, cell_key, depth, dimension, "
              "method, period_kind, period_start, org_unit_id, rep_id, portfolio_role, product_line_id, customer_id, "
              "target, expense, share_bp, history, negotiable, assignee_rep_id, state, counter_target, "
              "counter_expense, counter_reason, counter_by, counter_at, revision_count, reduced_by_policy, "
              "equal_split_fallback, version, updated_at) "
              "SELECT plan_id, ?, cell_no, parent_cell_no, cell_key, depth, dimension, method, period_kind, "
              "period_start, org_unit_id, rep_id, portfolio_role, product_line_id, customer_id, target, expense, "
              "share_bp, history, negotiable, assignee_rep_id, state, counter_target, counter_expense, "
              "counter_reason, counter_by, counter_at, revision_count, reduced_by_policy, equal_split_fallback, 1, ? "
              "FROM assignments WHERE plan_id = ? AND plan_version = ?",
              {static_cast<int64_t>(to), FormatDbTime(now), id, static_cast<int64_t>(from)})
          .status());
  return tx
      .Exec("UPDATE plans SET current_version = ?, row_version = row_version + 1, updated_at = ? WHERE id = ?",
            {static_cast<int64_t>(to), FormatDbTime(now), id})
      .status();
}

absl::Status PlanStore::Audit(db::Transaction& tx, int64_t plan_id, int32_t version, int64_t assignment_id,
                              const Principal& actor, absl::string_view action, absl::string_view from,
                              absl::string_view to, absl::string_view reason, absl::string_view request_id,
                              absl::Time now) {
  Request about;
  about.assignment_id = assignment_id;
  return AuditRequest(tx, plan_id, version, about, actor, action, from, to, reason, request_id, now);
}

absl::Status PlanStore::AuditRequest(db::Transaction& tx, int64_t plan_id, int32_t version, const Request& about,
                                     const Principal& actor, absl::string_view action, absl::string_view from,
                                     absl::string_view to, absl::string_view reason, absl::string_view request_id,
                                     absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO plan_audit (plan_id, plan_version, assignment_id, amendment_id, reduction_id, at, actor, "
          "action, from_value, to_value, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {plan_id, static_cast<int64_t>(version), about.assignment_id, about.amendment_id, about.reduction_id,
           FormatDbTime(now),
           actor.authenticated() ? actor.Encode() : std::string("user=system;role=ADMIN;rep=0;unit=0"),
           std::string(action), ClipUtf8(from, 255), ClipUtf8(to, 255), ClipUtf8(reason, 2000),
           std::string(request_id)})
      .status();
}

// ------------------------------------------------------------ assignments

absl::Status AssignmentStore::InsertCells(db::Transaction& tx, int64_t plan_id, int32_t version,
                                          const std::vector<Cell>& cells, int32_t from_cell_no, int32_t first_cell_no,
                                          v1::AssignmentState state, absl::Time now, int rows_per_statement) {
  constexpr int kCols = 25;
  const std::string now_text = FormatDbTime(now);
  const std::string state_name = EnumShort(state);
  auto cell_no_of = [&](int32_t index) { return index == 0 ? from_cell_no : first_cell_no + index - 1; };
  size_t i = 1;
  while (i < cells.size()) {
    size_t n = std::min<size_t>(rows_per_statement, cells.size() - i);
    // One statement text per batch size; the driver caches each prepared once.
    std::string sql =
        "INSERT INTO assignments (plan_id, plan_version, cell_no, parent_cell_no, cell_key, depth, dimension, "
        "method, period_kind, period_start, org_unit_id, rep_id, portfolio_role, product_line_id, customer_id, "
        "target, expense, share_bp, history, negotiable, assignee_rep_id, state, reduced_by_policy, "
        "equal_split_fallback, updated_at) VALUES ";
    std::string group = "(" + absl::StrJoin(std::vector<std::string>(kCols, "?"), ",") + ")";
    sql += absl::StrJoin(std::vector<std::string>(n, group), ",");
    db::Params params;
    params.reserve(n * kCols);
    for (size_t k = 0; k < n; ++k, ++i) {
      const Cell& c = cells[i];
      // Reps answer for their own cell; units' managers for the unit's.
      bool negotiable = c.dimension == v1::DIMENSION_REP || c.dimension == v1::DIMENSION_ORG_UNIT;
      params.insert(params.end(), {plan_id,
                                   static_cast<int64_t>(version),
                                   static_cast<int64_t>(cell_no_of(static_cast<int32_t>(i))),
                                   static_cast<int64_t>(cell_no_of(c.parent)),
                                   c.key,
                                   static_cast<int64_t>(c.depth),
                                   EnumShort(c.dimension),
                                   EnumShort(c.method),
                                   EnumShort(c.at.period_kind),
                                   absl::StrFormat("%04d-%02d-%02d", c.at.period_start.year(),
                                                   c.at.period_start.month(), c.at.period_start.day()),
                                   c.at.org_unit_id,
                                   c.at.rep_id,
                                   EnumShort(c.at.portfolio_role),
                                   c.at.product_line_id,
                                   c.at.customer_id,
                                   c.target,
                                   c.expense,
                                   static_cast<int64_t>(c.share_bp),
                                   c.history,
                                   static_cast<int64_t>(negotiable ? 1 : 0),
                                   c.dimension == v1::DIMENSION_REP ? c.at.rep_id : int64_t{0},
                                   state_name,
                                   static_cast<int64_t>(c.reduced_by_policy),
                                   static_cast<int64_t>(c.equal_split_fallback),
                                   now_text});
    }
    SALES_RETURN_IF_ERROR(tx.Exec(sql, params).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<AssignmentRecord> AssignmentStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  if (for_update) {
    SALES_ASSIGN_OR_RETURN(auto lock, tx.Query("SELECT id FROM assignments WHERE id = ? FOR UPDATE", {id}));
    if (lock.empty()) return NotFound("assignment", id);
  }
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kAssignmentColumns, kAssignmentFrom, " WHERE a.id = ?"), {id}));
  if (rows.empty()) return NotFound("assignment", id);
  return AssignmentFromRow(rows[0]);
}

absl::StatusOr<AssignmentRecord> AssignmentStore::GetByCell(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                            int32_t cell_no, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto ids, tx.Query(absl::StrCat("SELECT id FROM assignments WHERE plan_id = ? AND "
                                                         "plan_version = ? AND cell_no = ?",
                                                         for_update ? " FOR UPDATE" : ""),
                                            {plan_id, static_cast<int64_t>(version), static_cast<int64_t>(cell_no)}));
  if (ids.empty()) return absl::NotFoundError(absl::StrCat("plan ", plan_id, " has no cell ", cell_no));
  return Get(tx, ids[0].Int("id"), false);
}

absl::StatusOr<std::vector<AssignmentRecord>> AssignmentStore::Children(db::Transaction& tx, int64_t plan_id,
                                                                        int32_t version, int32_t cell_no,
                                                                        bool for_update) {
  if (for_update) {
    SALES_RETURN_IF_ERROR(tx.Query("SELECT id FROM assignments WHERE plan_id = ? AND plan_version = ? AND "
                                   "parent_cell_no = ? FOR UPDATE",
                                   {plan_id, static_cast<int64_t>(version), static_cast<int64_t>(cell_no)})
                              .status());
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kAssignmentColumns, kAssignmentFrom,
                                                          " WHERE a.plan_id = ? AND a.plan_version = ? AND "
                                                          "a.parent_cell_no = ? ORDER BY a.cell_key"),
                                             {plan_id, static_cast<int64_t>(version), static_cast<int64_t>(cell_no)}));
  std::vector<AssignmentRecord> out;
  for (const auto& r : rows) out.push_back(AssignmentFromRow(r));
  return out;
}

absl::StatusOr<std::vector<AssignmentRecord>> AssignmentStore::List(db::Transaction& tx,
                                                                    const v1::ListAssignmentsRequest& f,
                                                                    int32_t version, const CellScope& scope,
                                                                    int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kAssignmentColumns, kAssignmentFrom,
                                 " WHERE a.plan_id = ? AND a.plan_version = ? AND a.id > ?");
  db::Params params = {f.plan_id(), static_cast<int64_t>(version), after_id};
  auto add = [&](const char* clause, db::Param p) {
    absl::StrAppend(&sql, clause);
    params.push_back(std::move(p));
  };
  if (f.parent_assignment_id() != 0) add(" AND par.id = ?", f.parent_assignment_id());
  if (f.max_depth() != 0) add(" AND a.depth <= ?", static_cast<int64_t>(f.max_depth()));
  if (f.rep_id() != 0) add(" AND a.rep_id = ?", f.rep_id());
  if (f.org_unit_id() != 0) add(" AND a.org_unit_id = ?", f.org_unit_id());
  if (f.product_line_id() != 0) add(" AND a.product_line_id = ?", f.product_line_id());
  if (f.portfolio_role() != 0) add(" AND a.portfolio_role = ?", EnumShort(f.portfolio_role()));
  if (f.customer_id() != 0) add(" AND a.customer_id = ?", f.customer_id());
  if (f.state() != 0) add(" AND a.state = ?", EnumShort(f.state()));
  if (f.assignee_rep_id() != 0) add(" AND a.assignee_rep_id = ?", f.assignee_rep_id());
  if (f.negotiable_only()) absl::StrAppend(&sql, " AND a.negotiable = 1");
  if (!scope.all) {
    // A manager sees cells of units in the subtree and of reps in it; a rep
    // only their own cells.
    std::vector<std::string> ors;
    if (!scope.units.empty()) {
      ors.push_back(absl::StrCat("a.org_unit_id IN (", db::AppendInList(scope.units, params), ")"));
    }
    if (!scope.reps.empty()) {
      ors.push_back(absl::StrCat("a.rep_id IN (", db::AppendInList(scope.reps, params), ")"));
    }
    if (ors.empty()) ors.push_back("FALSE");
    absl::StrAppend(&sql, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  add(" ORDER BY a.id LIMIT ?", static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<AssignmentRecord> out;
  for (const auto& r : rows) out.push_back(AssignmentFromRow(r));
  return out;
}

absl::StatusOr<int64_t> AssignmentStore::DeleteBelow(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                     const std::string& cell_key) {
  if (cell_key.empty()) {
    return tx.Exec("DELETE FROM assignments WHERE plan_id = ? AND plan_version = ? AND cell_no <> 0",
                   {plan_id, static_cast<int64_t>(version)});
  }
  // Keys are paths; '%' and '_' never occur in them (segments are letters and digits).
  return tx.Exec("DELETE FROM assignments WHERE plan_id = ? AND plan_version = ? AND cell_key LIKE ?",
                 {plan_id, static_cast<int64_t>(version), cell_key + "/%"});
}

absl::Status AssignmentStore::Update(db::Transaction& tx, const AssignmentRecord& rec, absl::Time now) {
  const v1::Assignment& a = rec.a;
  bool has_counter = a.has_counter_proposal();
  return tx
      .Exec(
          "UPDATE assignments SET target = ?, expense = ?, share_bp = ?, state = ?, counter_target = ?, "
          "counter_expense = ?, counter_reason = ?, counter_by = ?, counter_at = ?, revision_count = ?, "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {rec.target, rec.expense, static_cast<int64_t>(a.share_bp()), EnumShort(a.state()),
           has_counter ? db::Param(a.counter_proposal().proposed_target().has_amount()
                                       ? a.counter_proposal().proposed_target().amount().minor_units()
                                       : a.counter_proposal().proposed_target().count())
                       : db::Param(nullptr),
           has_counter && a.counter_proposal().has_proposed_expense_budget()
               ? db::Param(a.counter_proposal().proposed_expense_budget().minor_units())
               : db::Param(nullptr),
           has_counter ? a.counter_proposal().reason() : std::string(),
           has_counter ? EncodeActor(a.counter_proposal().proposed_by()) : std::string(),
           has_counter ? db::Param(FormatDbTime(now)) : db::Param(nullptr), static_cast<int64_t>(a.revision_count()),
           FormatDbTime(now), a.id()})
      .status();
}

absl::StatusOr<int64_t> AssignmentStore::SetStates(db::Transaction& tx, int64_t plan_id, int32_t version,
                                                   v1::AssignmentState from, v1::AssignmentState to, absl::Time now) {
  return tx.Exec(
      "UPDATE assignments SET state = ?, version = version + 1, updated_at = ? "
      "WHERE plan_id = ? AND plan_version = ? AND state = ?",
      {EnumShort(to), FormatDbTime(now), plan_id, static_cast<int64_t>(version), EnumShort(from)});
}

absl::StatusOr<AssignmentStore::Counts> AssignmentStore::Count(db::Transaction& tx, int64_t plan_id, int32_t version) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT negotiable, state, COUNT(*) AS cells FROM assignments "
                                             "WHERE plan_id = ? AND plan_version = ? GROUP BY negotiable, state",
                                             {plan_id, static_cast<int64_t>(version)}));
  Counts c;
  for (const auto& r : rows) AddCountRow(r, c);
  return c;
}

absl::StatusOr<std::map<int64_t, AssignmentStore::Counts>> AssignmentStore::CountCurrent(
    db::Transaction& tx, const std::vector<int64_t>& plan_ids) {
  std::map<int64_t, Counts> out;
  // In slices, so a long list of plans never makes one huge statement.
  constexpr size_t kSlice = 256;
  for (size_t first = 0; first < plan_ids.size(); first += kSlice) {
    std::vector<int64_t> slice(
        plan_ids.begin() + static_cast<std::ptrdiff_t>(first),
        plan_ids.begin() + static_cast<std::ptrdiff_t>(std::min(plan_ids.size(), first + kSlice)));
    db::Params params;
    std::string in = db::AppendInList(slice, params);
    SALES_ASSIGN_OR_RETURN(
        auto rows, tx.Query(absl::StrCat("SELECT a.plan_id, a.negotiable, a.state, COUNT(*) AS cells FROM plans p "
                                         "JOIN assignments a ON a.plan_id = p.id AND a.plan_version = "
                                         "p.current_version WHERE p.id IN (",
                                         in, ") GROUP BY a.plan_id, a.negotiable, a.state"),
                            params));
    for (const auto& r : rows) AddCountRow(r, out[r.Int("plan_id")]);
  }
  return out;
}

absl::StatusOr<std::vector<AssignmentStore::RepLeaf>> AssignmentStore::RepLeaves(db::Transaction& tx, int64_t plan_id,
                                                                                 int32_t version, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT a.rep_id, COALESCE(r.name, '') AS rep_name, a.org_unit_id AS cell_org_unit_id, "
               "COALESCE(r.org_unit_id, 0) AS rep_org_unit_id, a.product_line_id, "
               "COALESCE(l.name, '') AS product_line_name, a.customer_id, a.period_kind, a.period_start, a.target, "
               "a.expense FROM assignments a LEFT JOIN reps r ON r.id = a.rep_id "
               "LEFT JOIN product_lines l ON l.id = a.product_line_id "
               "WHERE a.plan_id = ? AND a.plan_version = ? AND a.rep_id <> 0 AND (? = 0 OR a.rep_id = ?) "
               "AND NOT EXISTS (SELECT 1 FROM assignments c WHERE c.plan_id = a.plan_id AND "
               "c.plan_version = a.plan_version AND c.parent_cell_no = a.cell_no) "
               "ORDER BY a.rep_id, a.product_line_id, a.period_start, a.customer_id",
               {plan_id, static_cast<int64_t>(version), rep_id, rep_id}));
  std::vector<RepLeaf> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    RepLeaf c;
    c.rep_id = r.Int("rep_id");
    c.rep_name = r.Str("rep_name");
    c.cell_org_unit_id = r.Int("cell_org_unit_id");
    c.rep_org_unit_id = r.Int("rep_org_unit_id");
    c.product_line_id = r.Int("product_line_id");
    c.product_line_name = r.Str("product_line_name");
    c.customer_id = r.Int("customer_id");
    c.period.set_kind(EnumParse<common::v1::PeriodKind>(r.Str("period_kind")));
    *c.period.mutable_start() = ParseDbDate(r.Str("period_start"));
    c.target = r.Int("target");
    c.expense = r.Int("expense");
    out.push_back(std::move(c));
  }
  return out;
}

// ------------------------------------------------------------ amendments

absl::StatusOr<v1::PlanAmendment> AmendmentStore::Insert(db::Transaction& tx, const v1::PlanAmendment& a,
                                                         const Principal& requester, absl::Time now) {
  v1::PlanAmendment changes;
  *changes.mutable_changes() = a.changes();
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO plan_amendments (plan_id, base_version, changes, reason, approver_org_unit_id, state, "
              "requested_by, effective_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {a.plan_id(), static_cast<int64_t>(a.base_version()), db::Bytes{changes.SerializeAsString()}, a.reason(),
               a.approver_org_unit_id(), EnumShort(v1::AMENDMENT_STATE_PENDING_APPROVAL),
               requester.authenticated() ? requester.Encode() : std::string(),
               a.has_effective_date() ? db::Param(FormatDbDate(a.effective_date())) : db::Param(nullptr),
               FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<v1::PlanAmendment> AmendmentStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kAmendmentColumns, " FROM plan_amendments WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("plan amendment", id);
  return AmendmentFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::PlanAmendment>> AmendmentStore::List(db::Transaction& tx,
                                                                    const v1::ListPlanAmendmentsRequest& f,
                                                                    int64_t before_id, int limit) {
  db::Params params;
  std::string where =
      RequestFilters(f, before_id, f.state() == v1::AMENDMENT_STATE_UNSPECIFIED ? "" : EnumShort(f.state()), params);
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kAmendmentColumns, " FROM plan_amendments", where,
                                                          " ORDER BY id DESC LIMIT ?"),
                                             params));
  std::vector<v1::PlanAmendment> out;
  for (const auto& r : rows) out.push_back(AmendmentFromRow(r));
  return out;
}

absl::Status AmendmentStore::Decide(db::Transaction& tx, const v1::PlanAmendment& a, const Principal& decider,
                                    absl::Time now) {
  v1::PlanAmendment changes;
  *changes.mutable_changes() = a.changes();
  *changes.mutable_deltas() = a.deltas();
  return tx
      .Exec(
          "UPDATE plan_amendments SET state = ?, new_version = ?, changes = ?, decided_by = ?, "
          "decision_reason = ?, effective_date = ?, version = version + 1, decided_at = ? WHERE id = ?",
          {EnumShort(a.state()), static_cast<int64_t>(a.new_version()), db::Bytes{changes.SerializeAsString()},
           decider.authenticated() ? decider.Encode() : std::string(), a.decision_reason(),
           a.has_effective_date() ? db::Param(FormatDbDate(a.effective_date())) : db::Param(nullptr), FormatDbTime(now),
           a.id()})
      .status();
}

absl::StatusOr<bool> AmendmentStore::AnyPending(db::Transaction& tx, int64_t plan_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT COUNT(*) AS pending FROM plan_amendments WHERE plan_id = ? AND state = ?",
                                  {plan_id, EnumShort(v1::AMENDMENT_STATE_PENDING_APPROVAL)}));
  return rows[0].Int("pending") > 0;
}

// ------------------------------------------------------------ reductions

absl::StatusOr<v1::TargetReduction> ReductionStore::Insert(db::Transaction& tx, const v1::TargetReduction& r,
                                                           int64_t current, int64_t requested,
                                                           const Principal& requester, absl::Time now) {
  v1::TargetReduction body;
  *body.mutable_child_changes() = r.child_changes();
  *body.mutable_current_target() = r.current_target();
  *body.mutable_requested_target() = r.requested_target();
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO target_reductions (plan_id, plan_version, parent_assignment_id, body, current_target, "
              "requested_target, reason, approver_org_unit_id, state, requested_by, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {r.plan_id(), static_cast<int64_t>(r.plan_version()), r.parent_assignment_id(),
               db::Bytes{body.SerializeAsString()}, current, requested, r.reason(), r.approver_org_unit_id(),
               EnumShort(v1::TARGET_REDUCTION_STATE_PENDING),
               requester.authenticated() ? requester.Encode() : std::string(), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<v1::TargetReduction> ReductionStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kReductionColumns, " FROM target_reductions WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("target reduction", id);
  return ReductionFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::TargetReduction>> ReductionStore::List(db::Transaction& tx,
                                                                      const v1::ListTargetReductionsRequest& f,
                                                                      int64_t before_id, int limit) {
  db::Params params;
  std::string where = RequestFilters(
      f, before_id, f.state() == v1::TARGET_REDUCTION_STATE_UNSPECIFIED ? "" : EnumShort(f.state()), params);
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kReductionColumns, " FROM target_reductions",
                                                          where, " ORDER BY id DESC LIMIT ?"),
                                             params));
  std::vector<v1::TargetReduction> out;
  for (const auto& r : rows) out.push_back(ReductionFromRow(r));
  return out;
}

absl::Status ReductionStore::Decide(db::Transaction& tx, const v1::TargetReduction& r, const Principal& decider,
                                    absl::Time now) {
  v1::TargetReduction body;
  *body.mutable_child_changes() = r.child_changes();
  *body.mutable_current_target() = r.current_target();
  *body.mutable_requested_target() = r.requested_target();
  *body.mutable_sibling_deltas() = r.sibling_deltas();
  return tx
      .Exec(
          "UPDATE target_reductions SET state = ?, body = ?, decided_by = ?, decision_reason = ?, "
          "escalated_to_id = ?, version = version + 1, decided_at = ? WHERE id = ?",
          {EnumShort(r.state()), db::Bytes{body.SerializeAsString()},
           decider.authenticated() ? decider.Encode() : std::string(), r.decision_reason(), r.escalated_to_id(),
           FormatDbTime(now), r.id()})
      .status();
}

absl::StatusOr<int64_t> ReductionStore::EscalatedFrom(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM target_reductions WHERE escalated_to_id = ?", {id}));
  return rows.empty() ? 0 : rows[0].Int("id");
}

absl::StatusOr<int64_t> ReductionStore::CountPending(db::Transaction& tx, int64_t plan_id,
                                                     int64_t parent_assignment_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT COUNT(*) AS pending FROM target_reductions WHERE plan_id = ? AND state = ? "
               "AND (? = 0 OR parent_assignment_id = ?)",
               {plan_id, EnumShort(v1::TARGET_REDUCTION_STATE_PENDING), parent_assignment_id, parent_assignment_id}));
  return rows[0].Int("pending");
}

absl::StatusOr<std::optional<int64_t>> PlanStore::LivePlanCovering(db::Transaction& tx, const v1::Plan& plan) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT p.id FROM plans p JOIN plan_versions v ON v.plan_id = p.id AND "
                          "v.version = p.current_version WHERE v.org_unit_id = ? AND v.fiscal_year = ? AND "
                          "v.metric = ? AND v.state <> ? LIMIT 1",
                          {plan.org_unit_id(), static_cast<int64_t>(plan.fiscal_year()), EnumShort(plan.metric()),
                           EnumShort(v1::PLAN_STATE_CANCELLED)}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].Int("id"));
}

absl::StatusOr<bool> PlanStore::RepHasCell(db::Transaction& tx, int64_t rep_id, int64_t plan_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT 1 FROM assignments WHERE rep_id = ? AND plan_id = ? LIMIT 1", {rep_id, plan_id}));
  return !rows.empty();
}

absl::Status PlanStore::BeginTrial(db::Transaction& tx) { return tx.Exec("SAVEPOINT amendment_trial").status(); }
absl::Status PlanStore::RollBackTrial(db::Transaction& tx) {
  return tx.Exec("ROLLBACK TO SAVEPOINT amendment_trial").status();
}

// ------------------------------------------------------------ audit trails

absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditTrailStore::OfPlan(db::Transaction& tx,
                                                                            const PlanSubject& subject,
                                                                            const CellScope& scope, int64_t after_id,
                                                                            int limit) {
  std::string sql =
      "SELECT au.id, au.at, au.actor, au.action, au.from_value, au.to_value, au.reason, au.request_id "
      "FROM plan_audit au LEFT JOIN assignments a ON a.id = au.assignment_id WHERE ";
  db::Params params;
  if (subject.assignment_id != 0) {
    sql += "au.assignment_id = ?";
    params.push_back(subject.assignment_id);
  } else if (subject.amendment_id != 0) {
    sql += "au.amendment_id = ?";
    params.push_back(subject.amendment_id);
  } else if (subject.reduction_id != 0) {
    sql += "au.reduction_id = ?";
    params.push_back(subject.reduction_id);
  } else {
    sql += "au.plan_id = ?";
    params.push_back(subject.plan_id);
  }
  sql += " AND au.id > ?";
  params.push_back(after_id);
  if (!scope.all) {
    // Entries about a cell follow the cell's scope (a rep sees their own
    // cells' answers, not a colleague's counter-proposal).
    std::vector<std::string> ors = {"au.assignment_id = 0"};
    if (!scope.units.empty()) {
      ors.push_back(absl::StrCat("a.org_unit_id IN (", db::AppendInList(scope.units, params), ")"));
    }
    if (!scope.reps.empty()) ors.push_back(absl::StrCat("a.rep_id IN (", db::AppendInList(scope.reps, params), ")"));
    absl::StrAppend(&sql, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  sql += " ORDER BY au.id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<common::v1::AuditEntry> out;
  for (const auto& r : rows) out.push_back(AuditEntryFromRow(r));
  return out;
}

absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditTrailStore::OfOrg(db::Transaction& tx,
                                                                           const std::string& subject_type,
                                                                           int64_t subject_id, int64_t after_id,
                                                                           int limit) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT id, at, actor, action, from_value, to_value, reason, request_id FROM org_audit "
                          "WHERE subject_type = ? AND subject_id = ? AND id > ? ORDER BY id LIMIT ?",
                          {subject_type, subject_id, after_id, static_cast<int64_t>(limit)}));
  std::vector<common::v1::AuditEntry> out;
  for (const auto& r : rows) out.push_back(AuditEntryFromRow(r));
  return out;
}

}  // namespace sales::targets
