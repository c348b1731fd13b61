#include "customers-svc/store/visit_store.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::customers {

absl::StatusOr<std::vector<PlanCustomer>> VisitStore::PlanCustomers(db::Transaction& tx,
                                                                    const std::vector<int64_t>& reps,
                                                                    absl::CivilDay as_of) {
  std::vector<PlanCustomer> out;
  if (reps.empty()) return out;
  auto in = db::InList(reps);
  // since: the open ownership record of the current owner (registration,
  // rotation, claim, transfer); the registration time when none exists.
  std::string sql = absl::StrCat(
      "SELECT c.id, c.name, c.type, c.owner_rep_id, c.city, c.registered_at, "
      "(SELECT MAX(o.effective_time) FROM ownership_records o WHERE o.customer_id = c.id AND o.end_time IS NULL "
      "AND o.to_rep_id = c.owner_rep_id) AS owned_since, "
      "(SELECT MAX(f.date) FROM follow_ups f WHERE f.customer_id = c.id AND f.channel = 'VISIT' AND f.date <= ?) "
      "AS last_visit_date "
      "FROM customers c WHERE c.status IN ('PROSPECT', 'ACTIVE', 'DORMANT') AND c.owner_rep_id IN (",
      in.marks, ") ORDER BY c.id");
  db::Params params{FormatDbDate(FromCivilDay(as_of))};
  in.AppendTo(params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) {
    PlanCustomer c;
    c.id = r.Int("id");
    c.name = r.Str("name");
    c.type = EnumParse<v1::CustomerType>(r.Str("type"));
    c.owner_rep_id = r.Int("owner_rep_id");
    c.city = r.Str("city");
    c.since_day = BusinessDay(ParseDbTime(r.IsNull("owned_since") ? r.Str("registered_at") : r.Str("owned_since")));
    if (!r.IsNull("last_visit_date")) c.last_visit = ToCivilDay(ParseDbDate(r.Str("last_visit_date")));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::map<int64_t, std::vector<absl::CivilDay>>> VisitStore::VisitsBetween(
    db::Transaction& tx, const std::vector<int64_t>& reps, absl::CivilDay from, absl::CivilDay to) {
  std::map<int64_t, std::vector<absl::CivilDay>> out;
  if (reps.empty()) return out;
  auto in = db::InList(reps);
  std::string sql = absl::StrCat(
      "SELECT f.customer_id, f.date FROM follow_ups f JOIN customers c ON c.id = f.customer_id "
      "WHERE f.channel = 'VISIT' AND f.rep_id = c.owner_rep_id AND f.date BETWEEN ? AND ? AND c.owner_rep_id IN (",
      in.marks, ") ORDER BY f.customer_id, f.date");
  db::Params params{FormatDbDate(FromCivilDay(from)), FormatDbDate(FromCivilDay(to))};
  in.AppendTo(params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out[r.Int("customer_id")].push_back(ToCivilDay(ParseDbDate(r.Str("date"))));
  return out;
}

absl::StatusOr<std::map<int64_t, int64_t>> VisitStore::RepsOfUnits(db::Transaction& tx, bool all,
                                                                   const std::vector<int64_t>& units) {
  std::map<int64_t, int64_t> out;
  std::string sql = "SELECT id, org_unit_id FROM reps_replica";
  db::Params params;
  if (!all || !units.empty()) {
    if (units.empty()) return out;
    absl::StrAppend(&sql, " WHERE org_unit_id IN (", db::AppendInList(units, params), ")");
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out[r.Int("id")] = r.Int("org_unit_id");
  return out;
}

}  // namespace sales::customers
