#include "customers-svc/store/report_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
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

// Runs a query grouped by rep whose columns are labelled rep_id and count.
absl::StatusOr<std::vector<RepCount>> CountByRep(db::Transaction& tx, const std::string& sql,
                                                 const db::Params& params) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<RepCount> out;
  for (const auto& r : rows) out.push_back({r.Int("rep_id"), r.Int("count")});
  return out;
}

}  // namespace

absl::StatusOr<std::vector<FollowUpCounts>> ReportStore::FollowUpsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                        absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT rep_id, SUM(channel = 'VISIT') AS visits, SUM(channel = 'PHONE') AS phone_calls, "
      "SUM(channel IN ('MESSAGE', 'EMAIL')) AS other_contacts, COUNT(DISTINCT customer_id) AS customers_followed "
      "FROM follow_ups WHERE date BETWEEN ? AND ?";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY rep_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<FollowUpCounts> out;
  for (const auto& r : rows) {
    FollowUpCounts c;
    c.rep_id = r.Int("rep_id");
    c.visits = r.Int("visits");
    c.phone = r.Int("phone_calls");
    c.other = r.Int("other_contacts");
    c.customers = r.Int("customers_followed");
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::vector<OwnershipGains>> ReportStore::GainsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                    absl::CivilDay from, absl::CivilDay to) {
  // New customers: first ownership records (registration or a rotation
  // lead); claims.
  std::string sql =
      "SELECT to_rep_id, SUM(kind IN ('REGISTERED', 'ROTATION_ASSIGNED') AND from_rep_id = 0) AS new_customers, "
      "SUM(kind = 'CLAIMED') AS claims "
      "FROM ownership_records "
      "WHERE effective_time >= ? AND effective_time < ? AND to_rep_id <> 0";
  db::Params p{DayStart(from), DayStart(to + 1)};
  ScopeClause(scope, "to_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY to_rep_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<OwnershipGains> out;
  for (const auto& r : rows) {
    OwnershipGains g;
    g.rep_id = r.Int("to_rep_id");
    g.new_customers = r.Int("new_customers");
    g.claims = r.Int("claims");
    out.push_back(g);
  }
  return out;
}

absl::StatusOr<std::vector<RepCount>> ReportStore::LapsesByRep(db::Transaction& tx, const ReportReps& scope,
                                                               absl::CivilDay from, absl::CivilDay to) {
  // Counted against the rep who lost the customer.
  std::string sql =
      "SELECT from_rep_id AS rep_id, COUNT(*) AS count FROM ownership_records WHERE kind = 'LAPSED' "
      "AND effective_time >= ? AND effective_time < ? AND from_rep_id <> 0";
  db::Params p{DayStart(from), DayStart(to + 1)};
  ScopeClause(scope, "from_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY from_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::ConversionsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                    absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT owner_rep_id AS rep_id, COUNT(*) AS count FROM customers WHERE first_purchase_date BETWEEN ? AND ? "
      "AND owner_rep_id IS NOT NULL";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "owner_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY owner_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::LeadsByRep(db::Transaction& tx, const ReportReps& scope,
                                                              absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT assigned_rep_id AS rep_id, COUNT(*) AS count FROM leads WHERE business_date BETWEEN ? AND ? "
      "AND assigned_rep_id <> 0";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "assigned_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY assigned_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<RepCount>> ReportStore::CollisionsByTaker(db::Transaction& tx, const ReportReps& scope,
                                                                     absl::CivilDay from, absl::CivilDay to) {
  std::string sql =
      "SELECT taking_rep_id AS rep_id, COUNT(*) AS count FROM collisions WHERE order_date BETWEEN ? AND ?";
  db::Params p{Day(from), Day(to)};
  ScopeClause(scope, "taking_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY taking_rep_id");
  return CountByRep(tx, sql, p);
}

absl::StatusOr<std::vector<v1::CustomerBaseRow>> ReportStore::CustomerBase(db::Transaction& tx, const ReportReps& scope,
                                                                           v1::CustomerGrouping grouping,
                                                                           absl::CivilDay from, absl::CivilDay to) {
  const char* key = "COALESCE(c.owner_rep_id, 0)";
  // Types and grades are stored by name; their rows keep the proto's order
  // (FIELD gives each name its number, UNSPECIFIED 0).
  const char* order = "1";
  switch (grouping) {
    case v1::CUSTOMER_GROUPING_BY_REGION:
      key = "c.region";
      break;
    case v1::CUSTOMER_GROUPING_BY_TYPE:
      key = "c.type";
      order =
          "FIELD(group_key, 'END_CUSTOMER', 'DISTRIBUTOR', 'WHOLESALER', 'OUTLET_KA', 'OUTLET_A', 'OUTLET_B', "
          "'OUTLET_C', 'COMMUNITY_STATION')";
      break;
    case v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE:
      key = "c.demand_grade";
      order = "FIELD(group_key, 'A', 'B', 'C')";
      break;
    case v1::CUSTOMER_GROUPING_BY_SOURCE_CHANNEL:
      key = "c.source_channel";
      break;
    default:
      break;
  }
  // Status counts are as of now (the customer table keeps the current
  // status only); registrations, conversions and dormancy are counted
  // within the period from their dates and the audit trail.
  std::string sql = absl::StrCat(
      "SELECT ", key, " AS group_key, ",
      "SUM(c.status = 'PROSPECT') AS prospects, SUM(c.status = 'ACTIVE') AS active, "
      "SUM(c.status = 'DORMANT') AS dormant, SUM(c.status = 'BLACKLISTED') AS blacklisted, "
      "SUM(c.registered_at >= ? AND c.registered_at < ?) AS registered_in_period, "
      "SUM(c.first_purchase_date IS NOT NULL AND c.first_purchase_date BETWEEN ? AND ?) AS converted_in_period, "
      "SUM(EXISTS (SELECT 1 FROM customer_audit a WHERE a.customer_id = c.id AND a.action = 'STATUS_CHANGED' "
      "AND a.to_value = 'CUSTOMER_STATUS_DORMANT' AND a.at >= ? AND a.at < ?)) AS went_dormant_in_period "
      "FROM customers c WHERE c.registered_at < ?");
  db::Params p{DayStart(from), DayStart(to + 1), Day(from),       Day(to),
               DayStart(from), DayStart(to + 1), DayStart(to + 1)};
  ScopeClause(scope, "c.owner_rep_id", sql, p);
  absl::StrAppend(&sql, " GROUP BY 1 ORDER BY ", order);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::CustomerBaseRow> out;
  for (const auto& r : rows) {
    v1::CustomerBaseRow& row = out.emplace_back();
    std::string group = r.Str("group_key");
    if (grouping == v1::CUSTOMER_GROUPING_BY_TYPE) {
      group = v1::CustomerType_Name(EnumParse<v1::CustomerType>(group));
    } else if (grouping == v1::CUSTOMER_GROUPING_BY_DEMAND_GRADE) {
      group = v1::DemandGrade_Name(EnumParse<v1::DemandGrade>(group));
    }
    row.set_group_key(group);
    row.set_prospects(static_cast<int32_t>(r.Int("prospects")));
    row.set_active(static_cast<int32_t>(r.Int("active")));
    row.set_dormant(static_cast<int32_t>(r.Int("dormant")));
    row.set_blacklisted(static_cast<int32_t>(r.Int("blacklisted")));
    row.set_registered_in_period(static_cast<int32_t>(r.Int("registered_in_period")));
    row.set_converted_in_period(static_cast<int32_t>(r.Int("converted_in_period")));
    row.set_went_dormant_in_period(static_cast<int32_t>(r.Int("went_dormant_in_period")));
  }
  return out;
}

absl::StatusOr<std::vector<TargetCustomer>> ReportStore::TargetCustomers(db::Transaction& tx,
                                                                         const TargetCustomerFilter& f) {
  const db::InListSql grades_in = db::InList(EnumShortNames<v1::DemandGrade>(f.grades));
  const db::InListSql statuses_in = db::InList(EnumShortNames<v1::CustomerStatus>(f.statuses));
  std::string sql = absl::StrCat(
      "SELECT c.id, c.name, c.type, c.demand_grade, c.status, COALESCE(c.owner_rep_id, 0) AS owner_rep_id, c.city, "
      "c.protection_base_date, f.intent_level, f.date, f.next_step, f.next_step_date "
      "FROM customers c LEFT JOIN follow_ups f ON f.id = (SELECT f2.id FROM follow_ups f2 "
      "WHERE f2.customer_id = c.id AND f2.date <= ? ORDER BY f2.date DESC, f2.id DESC LIMIT 1) "
      "WHERE c.registered_at < ? AND c.demand_grade IN (",
      grades_in.marks, ") AND c.status IN (", statuses_in.marks, ")");
  db::Params p{Day(f.as_of), DayStart(f.as_of + 1)};
  grades_in.AppendTo(p);
  statuses_in.AppendTo(p);
  ScopeClause(f.scope, "c.owner_rep_id", sql, p);
  // Grade and intent by their proto numbers: FIELD gives each name its
  // number, and 0 to UNSPECIFIED and to a customer never followed up (NULL).
  absl::StrAppend(&sql,
                  " ORDER BY FIELD(c.demand_grade, 'A', 'B', 'C'), "
                  "FIELD(f.intent_level, 'LOW', 'MEDIUM', 'HIGH') DESC, f.next_step_date IS NULL, "
                  "f.next_step_date, c.id LIMIT ? OFFSET ?");
  p.push_back(static_cast<int64_t>(f.limit));
  p.push_back(f.offset);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<TargetCustomer> out;
  for (const auto& r : rows) {
    TargetCustomer& t = out.emplace_back();
    v1::TargetCustomerRow& row = t.row;
    row.set_customer_id(r.Int("id"));
    row.set_customer_name(r.Str("name"));
    row.set_customer_type(EnumParse<v1::CustomerType>(r.Str("type")));
    row.set_demand_grade(EnumParse<v1::DemandGrade>(r.Str("demand_grade")));
    row.set_status(EnumParse<v1::CustomerStatus>(r.Str("status")));
    row.set_owner_rep_id(r.Int("owner_rep_id"));
    row.set_city(r.Str("city"));
    if (!r.IsNull("protection_base_date")) t.protection_base = ToCivilDay(ParseDbDate(r.Str("protection_base_date")));
    if (!r.IsNull("intent_level")) row.set_intent_level(EnumParse<v1::IntentLevel>(r.Str("intent_level")));
    if (!r.IsNull("date")) *row.mutable_last_follow_up_date() = ParseDbDate(r.Str("date"));
    row.set_next_step(r.Str("next_step"));
    if (!r.IsNull("next_step_date")) *row.mutable_next_step_date() = ParseDbDate(r.Str("next_step_date"));
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
    row.set_follow_up_id(r.Int("id"));
    *row.mutable_date() = ParseDbDate(r.Str("date"));
    row.set_rep_id(r.Int("rep_id"));
    row.set_customer_id(r.Int("customer_id"));
    row.set_customer_name(r.Str("name"));
    row.set_region(r.Str("region"));
    row.set_note(r.Str("market_note"));
  }
  return out;
}

}  // namespace sales::customers
