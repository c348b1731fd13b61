#include "targets-svc/store/org_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/targets/v1/rep.pb.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/store/actor_column.h"

namespace sales::targets {
namespace {

constexpr char kColumns[] =
    "id, code, name, kind, parent_id, market_quality_bp, version, created_at, updated_at, state, closed_date, "
    "manager_rep_id";

v1::OrgUnit FromRow(const db::Row& r) {
  v1::OrgUnit u;
  u.set_id(r.Int("id"));
  u.set_code(r.Str("code"));
  u.set_name(r.Str("name"));
  u.set_kind(EnumParse<v1::OrgUnitKind>(r.Str("kind")));
  u.set_parent_id(r.Int("parent_id"));
  u.set_market_quality_bp(static_cast<int32_t>(r.Int("market_quality_bp")));
  u.set_etag(MakeEtag(r.Int("version")));
  *u.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *u.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  u.set_state(EnumParse<v1::OrgUnitState>(r.Str("state")));
  if (!r.IsNull("closed_date")) *u.mutable_closed_date() = ParseDbDate(r.Str("closed_date"));
  u.set_manager_rep_id(r.Int("manager_rep_id"));  // NULL (not staffed) reads 0
  return u;
}

// Stored placements end on the first day of the next one (valid_to is the
// next valid_from); the API's valid_to is the last day inside the interval.
// An interval replaced on the day it began thus ends the day before it: it
// never held a whole business day.
common::v1::Date LastDayBefore(const std::string& db_date) {
  return FromCivilDay(ToCivilDay(ParseDbDate(db_date)) - 1);
}

}  // namespace

absl::StatusOr<v1::OrgUnit> OrgStore::Insert(db::Transaction& tx, const v1::OrgUnit& unit, absl::Time now) {
  db::Param parent = unit.parent_id() == 0 ? db::Param(nullptr) : db::Param(unit.parent_id());
  auto st = tx.Exec(
      "INSERT INTO org_units (code, name, kind, parent_id, market_quality_bp, version, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
      {unit.code(), unit.name(), EnumShort(unit.kind()), parent, static_cast<int64_t>(unit.market_quality_bp()),
       FormatDbTime(now), FormatDbTime(now)});
  if (!st.ok()) {
    if (st.status().code() == absl::StatusCode::kAlreadyExists) {
      bool root = unit.parent_id() == 0;
      return WithErrorInfo(absl::AlreadyExistsError(root ? "the company already exists; there is only one root"
                                                         : absl::StrCat("org unit code '", unit.code(), "' is taken")),
                           root ? "COMPANY_EXISTS" : "CODE_TAKEN", kTargetsDomain, {{"code", unit.code()}});
    }
    return st.status();
  }
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::OrgUnit> OrgStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM org_units WHERE id = ?", for_update ? " FOR UPDATE" : "");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, {id}));
  if (rows.empty()) return NotFound("org unit", id);
  return FromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::OrgUnit>> OrgStore::List(db::Transaction& tx, int64_t parent_id, int64_t after_id,
                                                        int limit) {
  std::vector<db::Row> rows;
  if (parent_id != 0) {
    SALES_ASSIGN_OR_RETURN(rows,
                           tx.Query(absl::StrCat("SELECT ", kColumns,
                                                 " FROM org_units WHERE parent_id = ? AND id > ? ORDER BY id LIMIT ?"),
                                    {parent_id, after_id, static_cast<int64_t>(limit)}));
  } else {
    SALES_ASSIGN_OR_RETURN(
        rows, tx.Query(absl::StrCat("SELECT ", kColumns, " FROM org_units WHERE id > ? ORDER BY id LIMIT ?"),
                       {after_id, static_cast<int64_t>(limit)}));
  }
  std::vector<v1::OrgUnit> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<std::vector<int64_t>> OrgStore::Ancestors(db::Transaction& tx, int64_t id) {
  std::vector<int64_t> out;
  int64_t at = id;
  for (int guard = 0; guard < 64; ++guard) {
    SALES_ASSIGN_OR_RETURN(auto rows,
                           tx.Query("SELECT COALESCE(parent_id, 0) AS parent_id FROM org_units WHERE id = ?", {at}));
    if (rows.empty() || rows[0].Int("parent_id") == 0) break;
    at = rows[0].Int("parent_id");
    out.push_back(at);
  }
  return out;
}

absl::Status OrgStore::SetParent(db::Transaction& tx, int64_t id, int64_t parent, absl::Time now) {
  return tx
      .Exec("UPDATE org_units SET parent_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {parent, FormatDbTime(now), id})
      .status();
}

absl::Status OrgStore::Close(db::Transaction& tx, int64_t id, const common::v1::Date& date, absl::Time now) {
  return tx
      .Exec("UPDATE org_units SET state = ?, closed_date = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {EnumShort(v1::ORG_UNIT_STATE_CLOSED), FormatDbDate(date), FormatDbTime(now), id})
      .status();
}

absl::StatusOr<std::pair<int64_t, int64_t>> OrgStore::ActiveChildrenAndReps(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto units,
                         tx.Query("SELECT COUNT(*) AS active_units FROM org_units WHERE parent_id = ? AND state = ?",
                                  {id, EnumShort(v1::ORG_UNIT_STATE_ACTIVE)}));
  SALES_ASSIGN_OR_RETURN(auto reps,
                         tx.Query("SELECT COUNT(*) AS active_reps FROM reps WHERE org_unit_id = ? AND status <> ?",
                                  {id, EnumShort(v1::REP_STATUS_LEFT)}));
  return std::make_pair(units[0].Int("active_units"), reps[0].Int("active_reps"));
}

absl::Status OrgStore::RecordPlacement(db::Transaction& tx, int64_t id, int64_t parent, const common::v1::Date& from,
                                       const std::string& reason, const std::string& actor, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE org_unit_history SET valid_to = ? WHERE org_unit_id = ? AND valid_to IS NULL",
                                {FormatDbDate(from), id})
                            .status());
  return tx
      .Exec(
          "INSERT INTO org_unit_history (org_unit_id, parent_id, valid_from, reason, actor, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          {id, parent == 0 ? db::Param(nullptr) : db::Param(parent), FormatDbDate(from), reason, actor,
           FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<int64_t>> OrgStore::AllIds(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units ORDER BY id"));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::vector<v1::OrgUnit>> OrgStore::All(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, " FROM org_units ORDER BY id")));
  std::vector<v1::OrgUnit> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::Status OrgStore::Update(db::Transaction& tx, const v1::OrgUnit& unit, absl::Time now) {
  db::Param manager = unit.manager_rep_id() == 0 ? db::Param(nullptr) : db::Param(unit.manager_rep_id());
  auto st = tx.Exec(
      "UPDATE org_units SET code = ?, name = ?, market_quality_bp = ?, manager_rep_id = ?, version = version + 1, "
      "updated_at = ? WHERE id = ?",
      {unit.code(), unit.name(), static_cast<int64_t>(unit.market_quality_bp()), manager, FormatDbTime(now),
       unit.id()});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("org unit code '", unit.code(), "' is taken")),
                         "CODE_TAKEN", kTargetsDomain, {{"code", unit.code()}});
  }
  return st.status();
}

absl::StatusOr<std::vector<int64_t>> OrgStore::ManagedBy(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id FROM org_units WHERE manager_rep_id = ? ORDER BY id", {rep_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::map<int64_t, std::optional<int64_t>>> OrgStore::ParentsOn(db::Transaction& tx,
                                                                              const common::v1::Date& date) {
  std::map<int64_t, std::optional<int64_t>> out;
  SALES_ASSIGN_OR_RETURN(auto placed, tx.Query("SELECT DISTINCT org_unit_id FROM org_unit_history"));
  for (const auto& r : placed) out[r.Int("org_unit_id")] = std::nullopt;
  // Intervals covering the date; of two (a move back-dated over another),
  // the later recorded wins, as it did when it was made.
  SALES_ASSIGN_OR_RETURN(auto covering, tx.Query("SELECT id, org_unit_id, COALESCE(parent_id, 0) AS parent_id "
                                                 "FROM org_unit_history WHERE valid_from <= ? "
                                                 "AND (valid_to IS NULL OR valid_to > ?) ORDER BY id",
                                                 {FormatDbDate(date), FormatDbDate(date)}));
  for (const auto& r : covering) out[r.Int("org_unit_id")] = r.Int("parent_id");
  return out;
}

absl::StatusOr<std::vector<v1::OrgUnitPlacement>> OrgStore::Placements(db::Transaction& tx, int64_t id,
                                                                       int64_t after_id, int limit,
                                                                       std::vector<int64_t>* ids) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, COALESCE(parent_id, 0) AS parent_id, valid_from, valid_to, "
                                             "reason, actor, created_at FROM org_unit_history "
                                             "WHERE org_unit_id = ? AND id > ? ORDER BY id LIMIT ?",
                                             {id, after_id, static_cast<int64_t>(limit)}));
  std::vector<v1::OrgUnitPlacement> out;
  for (const auto& r : rows) {
    v1::OrgUnitPlacement p;
    p.set_org_unit_id(id);
    p.set_parent_id(r.Int("parent_id"));
    *p.mutable_valid_from() = ParseDbDate(r.Str("valid_from"));
    if (!r.IsNull("valid_to")) *p.mutable_valid_to() = LastDayBefore(r.Str("valid_to"));
    p.set_reason(r.Str("reason"));
    *p.mutable_actor() = DecodeActor(r.Str("actor"));
    *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
    ids->push_back(r.Int("id"));
    out.push_back(std::move(p));
  }
  return out;
}

absl::Status OrgAuditStore::Append(db::Transaction& tx, absl::string_view subject_type, int64_t subject_id,
                                   const Principal& actor, absl::string_view action, absl::string_view from,
                                   absl::string_view to, absl::string_view reason, absl::string_view request_id,
                                   absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO org_audit (subject_type, subject_id, at, actor, action, from_value, to_value, reason, "
          "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {std::string(subject_type), subject_id, FormatDbTime(now),
           actor.authenticated() ? actor.Encode() : std::string("user=system;role=ADMIN;rep=0;unit=0"),
           std::string(action), std::string(from), std::string(to), std::string(reason), std::string(request_id)})
      .status();
}

}  // namespace sales::targets
