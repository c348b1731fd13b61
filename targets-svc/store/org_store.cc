#include "targets-svc/store/org_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::targets {
namespace {

constexpr char kColumns[] =
    "id, code, name, kind, parent_id, market_quality_bp, version, created_at, updated_at";

v1::OrgUnit FromRow(const db::Row& r) {
  v1::OrgUnit u;
  u.set_id(r.Int(0));
  u.set_code(r.Str(1));
  u.set_name(r.Str(2));
  u.set_kind(static_cast<v1::OrgUnitKind>(r.Int(3)));
  u.set_parent_id(r.Int(4));
  u.set_market_quality_bp(static_cast<int32_t>(r.Int(5)));
  u.set_etag(MakeEtag(r.Int(6)));
  *u.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str(7)));
  *u.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str(8)));
  return u;
}

}  // namespace

absl::StatusOr<v1::OrgUnit> OrgStore::Insert(db::Transaction& tx, const v1::OrgUnit& unit,
                                             absl::Time now) {
  db::Param parent = unit.parent_id() == 0 ? db::Param(nullptr) : db::Param(unit.parent_id());
  auto st = tx.Exec(
      "INSERT INTO org_units (code, name, kind, parent_id, market_quality_bp, version, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
      {unit.code(), unit.name(), static_cast<int64_t>(unit.kind()), parent,
       static_cast<int64_t>(unit.market_quality_bp()), FormatDbTime(now), FormatDbTime(now)});
  if (!st.ok()) {
    if (st.status().code() == absl::StatusCode::kAlreadyExists) {
      bool root = unit.parent_id() == 0;
      return WithErrorInfo(
          absl::AlreadyExistsError(root ? "the company already exists; there is only one root"
                                        : absl::StrCat("org unit code '", unit.code(), "' is taken")),
          root ? "COMPANY_EXISTS" : "CODE_TAKEN", "targets.sales", {{"code", unit.code()}});
    }
    return st.status();
  }
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::OrgUnit> OrgStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM org_units WHERE id = ?",
                                 for_update ? " FOR UPDATE" : "");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, {id}));
  if (rows.empty()) return NotFound("org unit", id);
  return FromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::OrgUnit>> OrgStore::List(db::Transaction& tx, int64_t parent_id,
                                                        int64_t after_id, int limit) {
  std::vector<db::Row> rows;
  if (parent_id != 0) {
    SALES_ASSIGN_OR_RETURN(
        rows, tx.Query(absl::StrCat("SELECT ", kColumns,
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

}  // namespace sales::targets
