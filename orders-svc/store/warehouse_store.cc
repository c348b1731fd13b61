#include "orders-svc/store/warehouse_store.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::orders {
namespace {
constexpr char kColumns[] =
    "SELECT id, code, name, kind, address, allocation_priority, active, version, created_at, updated_at "
    "FROM warehouses ";

v1::Warehouse FromRow(const db::Row& r) {
  v1::Warehouse w;
  w.set_id(r.Int("id"));
  w.set_code(r.Str("code"));
  w.set_name(r.Str("name"));
  w.set_kind(EnumParse<v1::WarehouseKind>(r.Str("kind")));
  w.set_address(r.Str("address"));
  w.set_allocation_priority(static_cast<int32_t>(r.Int("allocation_priority")));
  w.set_active(r.Int("active") != 0);
  w.set_etag(MakeEtag(r.Int("version")));
  *w.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *w.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return w;
}
}  // namespace

absl::StatusOr<v1::Warehouse> WarehouseStore::Insert(db::Transaction& tx, const v1::Warehouse& w, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO warehouses (code, name, kind, address, allocation_priority, active, version, "
      "created_at, updated_at) VALUES (?,?,?,?,?,?,1,?,?)",
      {w.code(), w.name(), EnumShort(w.kind()), w.address(), static_cast<int64_t>(w.allocation_priority()),
       static_cast<int64_t>(w.active() ? 1 : 0), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("warehouse code '", w.code(), "' exists")),
                         "WAREHOUSE_CODE_TAKEN", kOrdersDomain, {{"code", w.code()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::Warehouse> WarehouseStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kColumns) + "WHERE id = ?" + (for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("warehouse", id);
  return FromRow(rows[0]);
}

absl::StatusOr<v1::Warehouse> WarehouseStore::Update(db::Transaction& tx, const v1::Warehouse& w, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE warehouses SET name = ?, kind = ?, address = ?, allocation_priority = ?, "
              "active = ?, version = version + 1, updated_at = ? WHERE id = ?",
              {w.name(), EnumShort(w.kind()), w.address(), static_cast<int64_t>(w.allocation_priority()),
               static_cast<int64_t>(w.active() ? 1 : 0), FormatDbTime(now), w.id()})
          .status());
  return Get(tx, w.id());
}

absl::StatusOr<std::vector<v1::Warehouse>> WarehouseStore::List(db::Transaction& tx, v1::WarehouseKind kind,
                                                                bool include_inactive, int64_t after_id, int limit) {
  std::string sql = std::string(kColumns) + "WHERE id > ?";
  db::Params p{after_id};
  if (kind != v1::WAREHOUSE_KIND_UNSPECIFIED) {
    sql += " AND kind = ?";
    p.push_back(EnumShort(kind));
  }
  if (!include_inactive) sql += " AND active = 1";
  sql += " ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Warehouse> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<int64_t> WarehouseStore::Reserved(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COALESCE(SUM(reserved), 0) AS reserved FROM stock_levels "
                                             "WHERE warehouse_id = ?",
                                             {id}));
  return rows[0].Int("reserved");
}

}  // namespace sales::orders
