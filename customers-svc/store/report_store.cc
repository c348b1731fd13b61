#include "customers-svc/store/report_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// "AND <column> IN (...)" for a scope that is not everything.
void ScopeClause(const ReportReps& s, const char* column, std::string& sql, db::Params& params) {
  if (s.all) return;
  if (s.reps.empty()) {
    absl::StrAppend(&sql, " AND 0 = 1");
    return;
  }
  absl::StrAppend(&sql, " AND ", column, " IN (", db::AppendInList(s.reps, params), ")");
}

std::string Day(absl::CivilDay d) { return FormatDbDate(FromCivilDay(d)); }
std::string DayStart(absl::CivilDay d) { return FormatDbTime(StartOfBusinessDay(d)); }

// Runs a "rep_id, count" query grouped by rep.
absl::StatusOr<std::vector<RepCount>> CountByRep(db::Transaction& tx, const std::string& sql,
                                                 const db::Params& params) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<RepCount> out;
  for (const auto& r : rows) out.push_back({r.Int(0), r.Int(1)});
  return out;
}

}  // namespace

absl::StatusOr<std::vector<FollowUpCounts>> ReportStore::FollowUpsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                        absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT rep_id, SUM(channel = 1), SUM(channel = 2), SUM(channel IN (3, 4)), COUNT(DISTINCT customer_id) "
      "FROM follow_ups WHERE date BETWEEN ? AND ?";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY rep_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<FollowUpCounts> out;
  for (const auto& r : rows) {
    FollowUpCounts c;
    c.rep_id = r.Int(0);
    c.visits = r.Int(1);
    c.phone = r.Int(2);
    c.other = r.Int(3);
    c.customers = r.Int(4);
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<OwnershipGains>> ReportStore::GainsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                    absl::CivilDay from, absl::CivilDay to) {
  // New customers: first ownership records (registration or a rotation
  // lead); claims.
  std::string sql =
      "SELECT to_rep_id, SUM(kind IN (1, 2) AND from_rep_id = 0), SUM(kind = 4) FROM ownership_records "
      "WHERE effective_time >= ? AND effective_time < ? AND to_rep_id <> 0";
  db::Params p{DayStart(from), DayStart(to + 1)};
  ScopeClause(scope, "to_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY to_rep_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<OwnershipGains> out;
  for (const auto& r : rows) {
    OwnershipGains g;
    g.rep_id = r.Int(0);
    g.new_customers = r.Int(1);
    g.claims = r.Int(2);
    out.push_back(g);
  }
  return out;
}

absl::StatusOr<std::vector<RepCount>> ReportStore::LapsesByRep(db::Transaction& tx, const ReportReps& scope,
                                                               absl::CivilDay from, absl::CivilDay to) {
  // Counted against the rep who lost the customer.
  std::string sql =
      "SELECT from_rep_id, COUNT(*) FROM ownership_records WHERE kind = 3 AND effective_time >= ? "
      "AND effective_time < ? AND from_rep_id <> 0";
  db::Params p{DayStart(from), DayStart(to + 1)};
  ScopeClause(scope, "from_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY from_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::ConversionsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                    absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT owner_rep_id, COUNT(*) FROM customers WHERE first_purchase_date BETWEEN ? AND ? "
      "AND owner_rep_id IS NOT NULL";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "owner_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY owner_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::LeadsByRep(db::Transaction& tx, const ReportReps& scope,
                                                              absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT assigned_rep_id, COUNT(*) FROM leads WHERE business_date BETWEEN ? AND ? AND assigned_rep_id <> 0";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "assigned_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY assigned_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::CollisionsByTaker(db::Transaction& tx, const ReportReps& scope,
                                                                     absl::CivilDay from, absl::CivilDay to) {
  std::string sql = "SELECT taking_rep_id, COUNT(*) FROM collisions WHERE order_date BETWEEN ? AND ?";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "taking_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY taking_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<v1::CustomerBaseRow>> ReportStore::CustomerBase(db::Transaction& tx,
                                                                           const ReportReps& scope,
                                                                           v1::CustomerGrouping grouping,
                                                                           absl::CivilDay from, absl::CivilDay to) {
  const char* key = "COALESCE(c.owner_rep_id, 0)";
  switch (grouping) {
    case v1::CUSTOMER_GROUPING_BY_REGION: key = "c.region"; break;
    case v1::CUSTOMER_GROUPING_BY_TYPE: key = "c.type"; break;
    case v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE: key = "c.demand_grade"; break;
    case v1::CUSTOMER_GROUPING_BY_SOURCE_CHANNEL: key = "c.source_channel"; break;
    default: break;
  }
  // Status counts are as of now (the customer table keeps the current
  // status only); registrations, conversions and dormancy are counted
  // within the period from their dates and the audit trail.
  std::string sql = absl::StrCat(
      "SELECT ", key, ", SUM(c.status = 1), SUM(c.status = 2), SUM(c.status = 3), SUM(c.status = 4), "
      "SUM(c.registered_at >= ? AND c.registered_at < ?), "
      "SUM(c.first_purchase_date IS NOT NULL AND c.first_purchase_date BETWEEN ? AND ?), "
      "SUM(EXISTS (SELECT 1 FROM customer_audit a WHERE a.customer_id = c.id AND a.action = 'STATUS_CHANGED' "
      "AND a.to_value = 'CUSTOMER_STATUS_DORMANT' AND a.at >= ? AND a.at < ?)) "
      "FROM customers c WHERE c.registered_at < ?");
  db::Params p{DayStart(from), DayStart(to + 1), Day(from), Day(to), DayStart(from), DayStart(to + 1),
               DayStart(to + 1)};
  ScopeClause(scope, "c.owner_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY 1 ORDER BY 1");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::CustomerBaseRow> out;
  for (const auto& r : rows) {
    v1::CustomerBaseRow& row = out.emplace_back();
    std::string group = r.Str(0);
    if (grouping == v1::CUSTOMER_GROUPING_BY_TYPE) {
      group = v1::CustomerType_Name(static_cast<v1::CustomerType>(r.Int(0)));
    } else if (grouping == v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE) {
      group = v1::DemandGrade_Name(static_cast<v1::DemandGrade>(r.Int(0)));
    }
    row.set_group_key(group);
    row.set_prospects(static_cast<int32_t>(r.Int(1)));
    row.set_active(static_cast<int32_t>(r.Int(2)));
    row.set_dormant(static_cast<int32_t>(r.Int(3)));
    row.set_blacklisted(static_cast<int32_t>(r.Int(4)));
    row.set_registered_in_period(static_cast<int32_t>(r.Int(5)));
    row.set_converted_in_period(static_cast<int32_t>(r.Int(6)));
    row.set_went_dormant_in_period(static_cast<int32_t>(r.Int(7)));
  }
  return out;
}

absl::StatusOr<std::vector<TargetCustomer>> ReportStore::TargetCustomers(db::Transaction& tx,
                                                                         const TargetCustomerFilter& f) {
  const db::InListSql grades_in = db::InList(f.grades);
  const db::InListSql statuses_in = db::InList(f.statuses);
  std::string sql = absl::StrCat(
      "SELECT c.id, c.name, c.type, c.demand_grade, c.status, COALESCE(c.owner_rep_id, 0), c.city, "
      "c.protection_base_date, f.intent_level, f.date, f.next_step, f.next_step_date "
      "FROM customers c LEFT JOIN follow_ups f ON f.id = (SELECT f2.id FROM follow_ups f2 "
      "WHERE f2.customer_id = c.id AND f2.date <= ? ORDER BY f2.date DESC, f2.id DESC LIMIT 1) "
      "WHERE c.registered_at < ? AND c.demand_grade IN (", grades_in.marks, ") AND c.status IN (",
      statuses_in.marks, ")");
  db::Params p{Day(f.as_of), DayStart(f.as_of + 1)};
  grades_in.AppendTo(p);
  statuses_in.AppendTo(p);
  ScopeClause(f.scope, "c.owner_rep_id", sql, p);
  absl::StrAppend(&sql,
                  " ORDER BY c.demand_grade, COALESCE(f.intent_level, 0) DESC, f.next_step_date IS NULL, "
                  "f.next_step_date, c.id LIMIT ? OFFSET ?");
  p.push_back(static_cast<int64_t>(f.limit));
  p.push_back(f.offset);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<TargetCustomer> out;
  for (const auto& r : rows) {
    TargetCustomer& t = out.emplace_back();
    v1::TargetCustomerRow& row = t.row;
    row.set_customer_id(r.Int(0));
    row.set_customer_name(r.Str(1));
    row.set_customer_type(static_cast<v1::CustomerType>(r.Int(2)));
    row.set_demand_grade(static_cast<v1::DemandGrade>(r.Int(3)));
    row.set_status(static_cast<v1::CustomerStatus>(r.Int(4)));
    row.set_owner_rep_id(r.Int(5));
    row.set_city(r.Str(6));
    if (!r.IsNull(7)) t.protection_base = ToCivilDay(ParseDbDate(r.Str(7)));
    if (!r.IsNull(8)) row.set_intent_level(static_cast<v1::IntentLevel>(r.Int(8)));
    if (!r.IsNull(9)) *row.mutable_last_follow_up_date() = ParseDbDate(r.Str(9));
    row.set_next_step(r.Str(10));
    if (!r.IsNull(11)) *row.mutable_next_step_date() = ParseDbDate(r.Str(11));
  }
  return out;
}

absl::StatusOr<std::vector<v1::MarketNoteRow>> ReportStore::MarketNotes(db::Transaction& tx,
                                                                        const MarketNoteFilter& f) {
  std::string sql =
      "SELECT f.id, f.date, f.rep_id, f.customer_id, c.name, c.region, f.market_note FROM follow_ups f "
      "JOIN customers c ON c.id = f.customer_id WHERE f.market_note <> '' AND f.date BETWEEN ? AND ?";
  db::Params p{Day(f.from), Day(f.to)};
  if (!f.region.empty()) {
    absl::StrAppend(&sql, " AND c.region = ?");
    p.push_back(f.region);
  }
  ScopeClause(f.scope, "f.rep_id", sql, p);
  absl::StrAppend(&sql, " ORDER BY f.date DESC, f.id DESC LIMIT ? OFFSET ?");
  p.push_back(static_cast<int64_t>(f.limit));
  p.push_back(f.offset);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::MarketNoteRow> out;
  for (const auto& r : rows) {
    v1::MarketNoteRow& row = out.emplace_back();
    row.set_follow_up_id(r.Int(0));
    *row.mutable_date() = ParseDbDate(r.Str(1));
    row.set_rep_id(r.Int(2));
    row.set_customer_id(r.Int(3));
    row.set_customer_name(r.Str(4));
    row.set_region(r.Str(5));
    row.set_note(r.Str(6));
  }
  return out;
}

}  // namespace sales::customers
