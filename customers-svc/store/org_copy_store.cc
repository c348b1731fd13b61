#include "customers-svc/store/org_copy_store.h"

#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::customers {

absl::StatusOr<bool> OrgCopyStore::AnyRep(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT 1 FROM reps_replica LIMIT 1"));
  return !rows.empty();
}

absl::StatusOr<bool> OrgCopyStore::AnyUnit(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT EXISTS (SELECT 1 FROM org_units_replica) AS any_unit"));
  return !rows.empty() && rows[0].Int("any_unit") != 0;
}

absl::StatusOr<std::optional<int64_t>> OrgCopyStore::UnitKind(db::Transaction& tx, int64_t unit_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT kind FROM org_units_replica WHERE id = ?", {unit_id}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].Int("kind"));
}

absl::StatusOr<std::vector<int64_t>> OrgCopyStore::UnitsOfKind(db::Transaction& tx, int64_t kind) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM org_units_replica WHERE kind = ? ORDER BY id", {kind}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::optional<std::string>> OrgCopyStore::RepName(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT name FROM reps_replica WHERE id = ?", {rep_id}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows[0].Str("name"));
}

absl::StatusOr<std::vector<int64_t>> OrgCopyStore::RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units) {
  std::vector<int64_t> out;
  if (units.empty()) return out;
  std::string marks;
  db::Params p;
  for (int64_t u : units) {
    absl::StrAppend(&marks, marks.empty() ? "?" : ", ?");
    p.push_back(u);
  }
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT id FROM reps_replica WHERE org_unit_id IN (", marks, ")"), p));
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

}  // namespace sales::customers
