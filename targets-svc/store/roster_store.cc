#include "targets-svc/store/roster_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/call.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/targets/v1/plan.pb.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {
namespace {

constexpr char kRepColumns[] =
    "id, employee_code, user_id, name, org_unit_id, hire_date, status, status_since, phone, email, "
    "version, created_at, updated_at";

v1::Rep RepFromRow(const db::Row& r) {
  v1::Rep rep;
  rep.set_id(r.Int("id"));
  rep.set_employee_code(r.Str("employee_code"));
  rep.set_user_id(r.Str("user_id"));
  rep.set_name(r.Str("name"));
  rep.set_org_unit_id(r.Int("org_unit_id"));
  *rep.mutable_hire_date() = ParseDbDate(r.Str("hire_date"));
  rep.set_status(EnumParse<v1::RepStatus>(r.Str("status")));
  *rep.mutable_status_since() = ParseDbDate(r.Str("status_since"));
  rep.set_phone(r.Str("phone"));
  rep.set_email(r.Str("email"));
  rep.set_etag(MakeEtag(r.Int("version")));
  *rep.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *rep.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rep;
}

constexpr char kLineColumns[] =
    "id, code, name, portfolio_role, commissionable, description, state, version, created_at, "
    "updated_at";

v1::ProductLine LineFromRow(const db::Row& r) {
  v1::ProductLine l;
  l.set_id(r.Int("id"));
  l.set_code(r.Str("code"));
  l.set_name(r.Str("name"));
  l.set_portfolio_role(EnumParse<v1::PortfolioRole>(r.Str("portfolio_role")));
  l.set_commissionable(r.Int("commissionable") != 0);
  l.set_description(r.Str("description"));
  l.set_state(EnumParse<v1::ProductLineState>(r.Str("state")));
  l.set_etag(MakeEtag(r.Int("version")));
  *l.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *l.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return l;
}

}  // namespace

absl::StatusOr<v1::Rep> RepStore::Insert(db::Transaction& tx, const v1::Rep& rep, absl::Time now) {
  db::Param user = rep.user_id().empty() ? db::Param(nullptr) : db::Param(rep.user_id());
  auto st = tx.Exec(
      "INSERT INTO reps (employee_code, user_id, name, org_unit_id, hire_date, status, status_since, "
      "phone, email, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
      {rep.employee_code(), user, rep.name(), rep.org_unit_id(), FormatDbDate(rep.hire_date()), EnumShort(rep.status()),
       FormatDbDate(rep.status_since()), rep.phone(), rep.email(), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("employee code '", rep.employee_code(), "' or user '",
                                                               rep.user_id(), "' already belongs to a rep")),
                         "REP_EXISTS", kTargetsDomain, {{"employee_code", rep.employee_code()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::Rep> RepStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kRepColumns, " FROM reps WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("rep", id);
  return RepFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::Rep>> RepStore::List(db::Transaction& tx, const std::vector<int64_t>& units,
                                                    const v1::ListRepsRequest& filter, int64_t after_id, int limit) {
  // The statement text varies only in how many unit placeholders it has.
  std::string sql = absl::StrCat("SELECT ", kRepColumns, " FROM reps WHERE id > ?");
  db::Params params = {after_id};
  if (!units.empty()) {
    absl::StrAppend(&sql, " AND org_unit_id IN (", db::AppendInList(units, params), ")");
  }
  if (filter.status() != v1::REP_STATUS_UNSPECIFIED) {
    absl::StrAppend(&sql, " AND status = ?");
    params.push_back(EnumShort(filter.status()));
  } else if (!filter.include_left()) {
    absl::StrAppend(&sql, " AND status <> ?");
    params.push_back(EnumShort(v1::REP_STATUS_LEFT));
  }
  if (!filter.user_id().empty()) {
    absl::StrAppend(&sql, " AND user_id = ?");
    params.push_back(filter.user_id());
  }
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::Rep> out;
  for (const auto& r : rows) out.push_back(RepFromRow(r));
  return out;
}

absl::Status RepHistoryStore::Record(db::Transaction& tx, int64_t rep_id, int64_t unit, v1::RepStatus status,
                                     const common::v1::Date& from, const std::string& reason, const std::string& actor,
                                     absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE rep_history SET valid_to = ? WHERE rep_id = ? AND valid_to IS NULL", {FormatDbDate(from), rep_id})
          .status());
  return tx
      .Exec(
          "INSERT INTO rep_history (rep_id, org_unit_id, status, valid_from, reason, actor, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          {rep_id, unit, EnumShort(status), FormatDbDate(from), reason, actor, FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<v1::RepHistoryEntry>> RepHistoryStore::List(db::Transaction& tx, int64_t rep_id,
                                                                       int64_t after_id, int limit,
                                                                       std::vector<int64_t>* ids) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id, org_unit_id, status, valid_from, valid_to, reason, actor, "
                                  "created_at FROM rep_history WHERE rep_id = ? AND id > ? ORDER BY id LIMIT ?",
                                  {rep_id, after_id, static_cast<int64_t>(limit)}));
  std::vector<v1::RepHistoryEntry> out;
  for (const auto& r : rows) {
    v1::RepHistoryEntry e;
    e.set_rep_id(rep_id);
    e.set_org_unit_id(r.Int("org_unit_id"));
    e.set_status(EnumParse<v1::RepStatus>(r.Str("status")));
    *e.mutable_valid_from() = ParseDbDate(r.Str("valid_from"));
    if (!r.IsNull("valid_to")) *e.mutable_valid_to() = ParseDbDate(r.Str("valid_to"));
    e.set_reason(r.Str("reason"));
    Principal p;
    if (Principal::Decode(r.Str("actor"), &p)) {
      e.mutable_actor()->set_user_id(p.user_id);
      e.mutable_actor()->set_role(p.role);
      e.mutable_actor()->set_rep_id(p.rep_id);
      e.mutable_actor()->set_org_unit_id(p.org_unit_id);
    }
    *e.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
    ids->push_back(r.Int("id"));
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status RepHistoryStore::SetRep(db::Transaction& tx, int64_t rep_id, int64_t unit, v1::RepStatus status,
                                     const common::v1::Date& since, absl::Time now) {
  return tx
      .Exec(
          "UPDATE reps SET org_unit_id = ?, status = ?, status_since = ?, version = version + 1, "
          "updated_at = ? WHERE id = ?",
          {unit, EnumShort(status), FormatDbDate(since), FormatDbTime(now), rep_id})
      .status();
}

absl::StatusOr<v1::ProductLine> ProductLineStore::Insert(db::Transaction& tx, const v1::ProductLine& l,
                                                         absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO product_lines (code, name, portfolio_role, commissionable, description, state, "
      "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
      {l.code(), l.name(), EnumShort(l.portfolio_role()), static_cast<int64_t>(l.commissionable() ? 1 : 0),
       l.description(), EnumShort(l.state()), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("product line code '", l.code(), "' is taken")),
                         "CODE_TAKEN", kTargetsDomain, {{"code", l.code()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::ProductLine> ProductLineStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kLineColumns, " FROM product_lines WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("product line", id);
  return LineFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::ProductLine>> ProductLineStore::List(db::Transaction& tx, v1::PortfolioRole role,
                                                                    bool include_retired, int64_t after_id, int limit) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kLineColumns,
                                       " FROM product_lines WHERE id > ? AND (? = 'UNSPECIFIED' OR portfolio_role = ?) "
                                       "AND (? = 1 OR state = ?) ORDER BY id LIMIT ?"),
                          {after_id, EnumShort(role), EnumShort(role), static_cast<int64_t>(include_retired ? 1 : 0),
                           EnumShort(v1::PRODUCT_LINE_STATE_ACTIVE), static_cast<int64_t>(limit)}));
  std::vector<v1::ProductLine> out;
  for (const auto& r : rows) out.push_back(LineFromRow(r));
  return out;
}

absl::StatusOr<std::vector<int64_t>> SubtreeOf(db::Transaction& tx, int64_t unit_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("WITH RECURSIVE sub (id) AS (SELECT id FROM org_units WHERE id = ? "
                                             "UNION ALL SELECT o.id FROM org_units o JOIN sub ON o.parent_id = sub.id) "
                                             "SELECT id FROM sub",
                                             {unit_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::Status RepStore::Lock(db::Transaction& tx, int64_t id) {
  return tx.Query("SELECT id FROM reps WHERE id = ? FOR UPDATE", {id}).status();
}

absl::StatusOr<std::set<int64_t>> RepStore::AllIds(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM reps"));
  std::set<int64_t> out;
  for (const auto& r : rows) out.insert(r.Int("id"));
  return out;
}

absl::StatusOr<std::set<int64_t>> ProductLineStore::AllIds(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM product_lines"));
  std::set<int64_t> out;
  for (const auto& r : rows) out.insert(r.Int("id"));
  return out;
}

absl::Status RepStore::Update(db::Transaction& tx, const v1::Rep& rep, absl::Time now) {
  auto st = tx.Exec(
      "UPDATE reps SET name = ?, phone = ?, email = ?, employee_code = ?, hire_date = ?, status_since = ?, "
      "version = version + 1, updated_at = ? WHERE id = ?",
      {rep.name(), rep.phone(), rep.email(), rep.employee_code(), FormatDbDate(rep.hire_date()),
       FormatDbDate(rep.status_since()), FormatDbTime(now), rep.id()});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat("employee code '", rep.employee_code(), "' belongs to another rep")),
        "REP_EXISTS", kTargetsDomain, {{"employee_code", rep.employee_code()}});
  }
  return st.status();
}

absl::StatusOr<std::map<int64_t, std::vector<int64_t>>> RepStore::MembersByUnit(
    db::Transaction& tx, const std::optional<common::v1::Date>& date) {
  std::map<int64_t, std::vector<int64_t>> out;
  if (!date) {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, org_unit_id FROM reps WHERE status <> ? ORDER BY id",
                                               {EnumShort(v1::REP_STATUS_LEFT)}));
    for (const auto& r : rows) out[r.Int("org_unit_id")].push_back(r.Int("id"));
    return out;
  }
  // The interval covering the date per rep; of two, the later recorded.
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, rep_id, org_unit_id, status FROM rep_history "
                                             "WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "
                                             "ORDER BY id",
                                             {FormatDbDate(*date), FormatDbDate(*date)}));
  std::map<int64_t, std::pair<int64_t, v1::RepStatus>> then;  // rep → (unit, status)
  for (const auto& r : rows) {
    then[r.Int("rep_id")] = {r.Int("org_unit_id"), EnumParse<v1::RepStatus>(r.Str("status"))};
  }
  for (const auto& [rep, at] : then) {
    if (at.second != v1::REP_STATUS_LEFT) out[at.first].push_back(rep);
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<int64_t, common::v1::Date>>> RepHistoryStore::Openings(db::Transaction& tx,
                                                                                            int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT id, valid_from FROM rep_history WHERE rep_id = ? ORDER BY id FOR UPDATE", {rep_id}));
  std::vector<std::pair<int64_t, common::v1::Date>> out;
  for (const auto& r : rows) out.emplace_back(r.Int("id"), ParseDbDate(r.Str("valid_from")));
  return out;
}

absl::Status RepHistoryStore::SetValidFrom(db::Transaction& tx, int64_t history_id, const common::v1::Date& from) {
  return tx.Exec("UPDATE rep_history SET valid_from = ? WHERE id = ?", {FormatDbDate(from), history_id}).status();
}

absl::Status ProductLineStore::Lock(db::Transaction& tx, int64_t id) {
  return tx.Query("SELECT id FROM product_lines WHERE id = ? FOR UPDATE", {id}).status();
}

absl::Status ProductLineStore::Update(db::Transaction& tx, const v1::ProductLine& l, absl::Time now) {
  auto st = tx.Exec(
      "UPDATE product_lines SET code = ?, name = ?, portfolio_role = ?, commissionable = ?, description = ?, "
      "version = version + 1, updated_at = ? WHERE id = ?",
      {l.code(), l.name(), EnumShort(l.portfolio_role()), static_cast<int64_t>(l.commissionable() ? 1 : 0),
       l.description(), FormatDbTime(now), l.id()});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("product line code '", l.code(), "' is taken")),
                         "CODE_TAKEN", kTargetsDomain, {{"code", l.code()}});
  }
  return st.status();
}

absl::Status ProductLineStore::Retire(db::Transaction& tx, int64_t id, absl::Time now) {
  return tx
      .Exec("UPDATE product_lines SET state = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {EnumShort(v1::PRODUCT_LINE_STATE_RETIRED), FormatDbTime(now), id})
      .status();
}

absl::StatusOr<int64_t> ProductLineStore::UnsignedPlansWith(db::Transaction& tx, int64_t line_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT COUNT(*) AS unsigned_plans FROM plans p "
                          "JOIN plan_versions v ON v.plan_id = p.id AND v.version = p.current_version "
                          "WHERE v.state IN (?, ?) AND EXISTS (SELECT 1 FROM assignments a WHERE a.plan_id = p.id "
                          "AND a.plan_version = p.current_version AND a.product_line_id = ?)",
                          {EnumShort(v1::PLAN_STATE_DRAFT), EnumShort(v1::PLAN_STATE_ISSUED), line_id}));
  return rows[0].Int("unsigned_plans");
}

}  // namespace sales::targets
