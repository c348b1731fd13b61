#include "customers-svc/store/credit_store.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kHoldColumns[] =
    "id, customer_id, source, reason, set_by_user, set_by_role, set_by_rep, set_at, collection_case_id, "
    "finance_hold_id, active";

HoldRow HoldFromRow(const db::Row& r) {
  HoldRow h;
  h.id = r.Int("id");
  h.customer_id = r.Int("customer_id");
  h.source = EnumParse<v1::CreditHoldSource>(r.Str("source"));
  h.reason = r.Str("reason");
  h.set_by.set_user_id(r.Str("set_by_user"));
  h.set_by.set_role(r.Str("set_by_role"));
  h.set_by.set_rep_id(r.Int("set_by_rep"));
  h.set_at = ParseDbTime(r.Str("set_at"));
  h.collection_case_id = r.Int("collection_case_id");
  h.finance_hold_id = r.IsNull("finance_hold_id") ? 0 : r.Int("finance_hold_id");
  h.active = r.Int("active") != 0;
  return h;
}

// The active holds of the customers in "customer_id IN (`in`)", by customer
// and oldest first.
absl::StatusOr<std::vector<HoldRow>> ActiveHoldsOf(db::Transaction& tx, const std::string& in,
                                                   const db::Params& params) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kHoldColumns, " FROM credit_holds WHERE customer_id IN (", in,
                                               ") AND active = 1 ORDER BY customer_id, id"),
                                  params));
  std::vector<HoldRow> out;
  for (const auto& r : rows) out.push_back(HoldFromRow(r));
  return out;
}

constexpr char kInvColumns[] =
    "id, customer_id, date, method, rating, investigator, findings, recommended_limit, currency, actor_user, "
    "actor_role, actor_rep, created_at";

v1::CreditInvestigation InvFromRow(const db::Row& r) {
  v1::CreditInvestigation i;
  i.set_id(r.Int("id"));
  i.set_customer_id(r.Int("customer_id"));
  *i.mutable_date() = ParseDbDate(r.Str("date"));
  i.set_method(EnumParse<v1::CreditInvestigationMethod>(r.Str("method")));
  i.set_rating(EnumParse<v1::CreditRating>(r.Str("rating")));
  i.set_investigator(r.Str("investigator"));
  i.set_findings(r.Str("findings"));
  if (!r.IsNull("recommended_limit")) {
    *i.mutable_recommended_limit() = MakeMoney(r.Int("recommended_limit"), r.Str("currency"));
  }
  i.mutable_recorded_by()->set_user_id(r.Str("actor_user"));
  i.mutable_recorded_by()->set_role(r.Str("actor_role"));
  i.mutable_recorded_by()->set_rep_id(r.Int("actor_rep"));
  *i.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return i;
}

}  // namespace

absl::StatusOr<v1::CreditProfile> CreditStore::Get(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto profiles, GetMany(tx, {customer_id}));
  return std::move(profiles.at(0));
}

absl::StatusOr<std::vector<v1::CreditProfile>> CreditStore::GetMany(db::Transaction& tx,
                                                                    const std::vector<int64_t>& customer_ids) {
  std::vector<v1::CreditProfile> out;
  if (customer_ids.empty()) return out;
  // Two statements for the whole page: the profiles, then the active holds.
  db::Params params;
  const std::string in = db::AppendInList(customer_ids, params);
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT customer_id, credit_limit, currency, payment_terms_days, rating, "
                                       "last_investigation_date, last_investigation_method, version, updated_at "
                                       "FROM credit_profiles WHERE customer_id IN (",
                                       in, ")"),
                          params));
  std::map<int64_t, v1::CreditProfile> stored;
  for (const auto& r : rows) {
    v1::CreditProfile& p = stored[r.Int("customer_id")];
    *p.mutable_credit_limit() = MakeMoney(r.Int("credit_limit"), r.Str("currency"));
    p.set_payment_terms_days(static_cast<int32_t>(r.Int("payment_terms_days")));
    p.set_rating(EnumParse<v1::CreditRating>(r.Str("rating")));
    if (!r.IsNull("last_investigation_date")) {
      *p.mutable_last_investigation_date() = ParseDbDate(r.Str("last_investigation_date"));
    }
    p.set_last_investigation_method(EnumParse<v1::CreditInvestigationMethod>(r.Str("last_investigation_method")));
    p.set_etag(MakeEtag(r.Int("version")));
    *p.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  }
  SALES_ASSIGN_OR_RETURN(auto holds, ActiveHoldsOf(tx, in, params));
  // The oldest active hold explains the state; releasing it leaves the
  // customer on hold while another one is still active. Holds come by
  // customer, oldest first, so the first one seen of a customer wins.
  std::map<int64_t, const HoldRow*> oldest;
  for (const HoldRow& h : holds) oldest.try_emplace(h.customer_id, &h);
  out.reserve(customer_ids.size());
  for (int64_t customer_id : customer_ids) {
    v1::CreditProfile& p = out.emplace_back();
    if (auto it = stored.find(customer_id); it != stored.end()) {
      p = it->second;
    } else {
      // Never given a profile: cash only, version 0.
      *p.mutable_credit_limit() = MakeMoney(0);
      p.set_etag(MakeEtag(0));
    }
    p.set_customer_id(customer_id);
    if (auto it = oldest.find(customer_id); it != oldest.end()) {
      const HoldRow& h = *it->second;
      auto* hold = p.mutable_hold();
      hold->set_on_hold(true);
      hold->set_reason(h.reason);
      hold->set_source(h.source);
      *hold->mutable_set_by() = h.set_by;
      *hold->mutable_set_time() = ToTimestamp(h.set_at);
      hold->set_collection_case_id(h.collection_case_id);
    }
  }
  return out;
}

absl::StatusOr<v1::CreditProfile> CreditStore::Lock(db::Transaction& tx, int64_t customer_id, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT IGNORE INTO credit_profiles (customer_id, version, updated_at) "
                                "VALUES (?, 0, ?)",
                                {customer_id, FormatDbTime(now)})
                            .status());
  SALES_RETURN_IF_ERROR(
      tx.Query("SELECT version FROM credit_profiles WHERE customer_id = ? FOR UPDATE", {customer_id}).status());
  return Get(tx, customer_id);
}

absl::Status CreditStore::Update(db::Transaction& tx, int64_t customer_id, int64_t limit_minor,
                                 const std::string& currency, int32_t terms_days, v1::CreditRating rating,
                                 absl::Time now) {
  return tx
      .Exec(
          "UPDATE credit_profiles SET credit_limit = ?, currency = ?, payment_terms_days = ?, rating = ?, "
          "version = version + 1, updated_at = ? WHERE customer_id = ?",
          {limit_minor, currency, static_cast<int64_t>(terms_days), EnumShort(rating), FormatDbTime(now), customer_id})
      .status();
}

absl::Status CreditStore::SetInvestigation(db::Transaction& tx, int64_t customer_id, const common::v1::Date& date,
                                           v1::CreditInvestigationMethod method, v1::CreditRating rating,
                                           std::optional<int64_t> new_limit, absl::Time now) {
  // An older investigation recorded late does not overwrite a newer one.
  return tx
      .Exec(
          "UPDATE credit_profiles SET "
          "rating = IF(last_investigation_date IS NULL OR last_investigation_date <= ?, ?, rating), "
          "last_investigation_method = IF(last_investigation_date IS NULL OR last_investigation_date <= ?, ?, "
          "last_investigation_method), "
          "last_investigation_date = GREATEST(COALESCE(last_investigation_date, ?), ?), "
          "credit_limit = COALESCE(?, credit_limit), version = version + 1, updated_at = ? "
          "WHERE customer_id = ?",
          {FormatDbDate(date), EnumShort(rating), FormatDbDate(date), EnumShort(method), FormatDbDate(date),
           FormatDbDate(date), new_limit.has_value() ? db::Param(*new_limit) : db::Param(nullptr), FormatDbTime(now),
           customer_id})
      .status();
}

absl::Status CreditStore::Touch(db::Transaction& tx, int64_t customer_id, absl::Time now) {
  return tx
      .Exec("UPDATE credit_profiles SET version = version + 1, updated_at = ? WHERE customer_id = ?",
            {FormatDbTime(now), customer_id})
      .status();
}

absl::StatusOr<std::vector<HoldRow>> CreditStore::ActiveHolds(db::Transaction& tx, int64_t customer_id) {
  db::Params params;
  const std::string in = db::AppendInList(std::vector<int64_t>{customer_id}, params);
  return ActiveHoldsOf(tx, in, params);
}

absl::StatusOr<std::optional<HoldRow>> CreditStore::FindFinanceHold(db::Transaction& tx, int64_t finance_hold_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kHoldColumns, " FROM credit_holds WHERE finance_hold_id = ?"),
                                  {finance_hold_id}));
  if (rows.empty()) return std::optional<HoldRow>();
  return std::optional<HoldRow>(HoldFromRow(rows[0]));
}

absl::StatusOr<int64_t> CreditStore::InsertHold(db::Transaction& tx, const HoldRow& h, const Who& who, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO credit_holds (customer_id, source, reason, set_by_user, set_by_role, set_by_rep, set_at, "
              "collection_case_id, finance_hold_id, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
              {h.customer_id, EnumShort(h.source), h.reason, who.user_id, who.role, who.rep_id, FormatDbTime(now),
               h.collection_case_id, h.finance_hold_id == 0 ? db::Param(nullptr) : db::Param(h.finance_hold_id)})
          .status());
  return tx.LastInsertId();
}

absl::Status CreditStore::ReleaseHold(db::Transaction& tx, int64_t hold_id, const Who& who, const std::string& reason,
                                      absl::Time now) {
  return tx
      .Exec(
          "UPDATE credit_holds SET active = 0, released_at = ?, released_by_user = ?, release_reason = ? "
          "WHERE id = ?",
          {FormatDbTime(now), who.user_id, reason, hold_id})
      .status();
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> CreditStore::ListHeld(db::Transaction& tx,
                                                                               const HoldFilter& f) {
  std::string sql =
      "SELECT MIN(h.id) AS first_hold, h.customer_id FROM credit_holds h JOIN customers c ON c.id = h.customer_id "
      "LEFT JOIN reps_replica r ON r.id = c.owner_rep_id WHERE h.active = 1";
  db::Params p;
  if (!f.sources.empty()) {
    absl::StrAppend(&sql, " AND h.source IN (", db::AppendInList(EnumShortNames<v1::CreditHoldSource>(f.sources), p),
                    ")");
  }
  if (f.owner_rep_id != 0) {
    absl::StrAppend(&sql, " AND c.owner_rep_id = ?");
    p.push_back(f.owner_rep_id);
  }
  if (!f.units.empty()) {
    absl::StrAppend(&sql, " AND r.org_unit_id IN (", db::AppendInList(f.units, p), ")");
  }
  if (!f.all_visible) {
    std::vector<std::string> ors;
    if (!f.visible_reps.empty()) {
      ors.push_back(absl::StrCat("c.owner_rep_id IN (", db::AppendInList(f.visible_reps, p), ")"));
    }
    if (!f.visible_units.empty()) {
      ors.push_back(absl::StrCat("r.org_unit_id IN (", db::AppendInList(f.visible_units, p), ")"));
    }
    if (ors.empty()) ors.push_back("1 = 0");
    absl::StrAppend(&sql, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  absl::StrAppend(&sql, " GROUP BY h.customer_id HAVING first_hold > ? ORDER BY first_hold LIMIT ?");
  p.push_back(f.after_hold_id);
  p.push_back(static_cast<int64_t>(f.limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& r : rows) out.emplace_back(r.Int("first_hold"), r.Int("customer_id"));
  return out;
}

absl::StatusOr<v1::CreditInvestigation> CreditStore::InsertInvestigation(db::Transaction& tx,
                                                                         const v1::CreditInvestigation& inv,
                                                                         const Who& who, absl::Time now) {
  db::Param limit = inv.has_recommended_limit() ? db::Param(inv.recommended_limit().minor_units()) : db::Param(nullptr);
  std::string currency = inv.has_recommended_limit() ? inv.recommended_limit().currency_code() : "CNY";
  SALES_RETURN_IF_ERROR(
      tx.Exec(
            "INSERT INTO credit_investigations (customer_id, date, method, rating, investigator, findings, "
            "recommended_limit, currency, actor_user, actor_role, actor_rep, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {inv.customer_id(), FormatDbDate(inv.date()), EnumShort(inv.method()), EnumShort(inv.rating()),
             inv.investigator(), inv.findings(), limit, currency, who.user_id, who.role, who.rep_id, FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kInvColumns, " FROM credit_investigations WHERE id = ?"), {id}));
  return InvFromRow(rows.at(0));
}

absl::StatusOr<std::vector<v1::CreditInvestigation>> CreditStore::ListInvestigations(db::Transaction& tx,
                                                                                     int64_t customer_id,
                                                                                     int64_t before_id, int limit) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kInvColumns,
                                       " FROM credit_investigations WHERE customer_id = ? "
                                       "AND id < ? ORDER BY id DESC LIMIT ?"),
                          {customer_id, before_id == 0 ? INT64_MAX : before_id, static_cast<int64_t>(limit + 1)}));
  std::vector<v1::CreditInvestigation> out;
  for (const auto& r : rows) out.push_back(InvFromRow(r));
  return out;
}

}  // namespace sales::customers
