#include "customers-svc/store/follow_up_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kColumns[] =
    "id, customer_id, rep_id, date, channel, content, intent_level, next_step, next_step_date, market_note, "
    "contact_id, extended_protection, protected_until, created_at";

v1::FollowUp FromRow(const db::Row& r) {
  v1::FollowUp f;
  f.set_id(r.Int("id"));
  f.set_customer_id(r.Int("customer_id"));
  f.set_rep_id(r.Int("rep_id"));
  *f.mutable_date() = ParseDbDate(r.Str("date"));
  f.set_channel(EnumParse<v1::FollowUpChannel>(r.Str("channel")));
  f.set_content(r.Str("content"));
  f.set_intent_level(EnumParse<v1::IntentLevel>(r.Str("intent_level")));
  f.set_next_step(r.Str("next_step"));
  if (!r.IsNull("next_step_date")) *f.mutable_next_step_date() = ParseDbDate(r.Str("next_step_date"));
  f.set_market_note(r.Str("market_note"));
  f.set_contact_id(r.Int("contact_id"));
  f.set_extended_protection(r.Int("extended_protection") != 0);
  if (!r.IsNull("protected_until")) *f.mutable_protected_until() = ParseDbDate(r.Str("protected_until"));
  *f.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return f;
}

}  // namespace

absl::StatusOr<v1::FollowUp> FollowUpStore::Insert(db::Transaction& tx, const v1::FollowUp& f, int64_t org_unit_id,
                                                   absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO follow_ups (customer_id, rep_id, org_unit_id, date, channel, content, intent_level, "
              "next_step, next_step_date, market_note, contact_id, extended_protection, protected_until, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {f.customer_id(), f.rep_id(), org_unit_id, FormatDbDate(f.date()), EnumShort(f.channel()), f.content(),
               EnumShort(f.intent_level()), f.next_step(),
               f.has_next_step_date() ? db::Param(FormatDbDate(f.next_step_date())) : db::Param(nullptr),
               f.market_note(), f.contact_id(), static_cast<int64_t>(f.extended_protection() ? 1 : 0),
               f.has_protected_until() ? db::Param(FormatDbDate(f.protected_until())) : db::Param(nullptr),
               FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::FollowUp> FollowUpStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, " FROM follow_ups WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("follow-up", id);
  return FromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::FollowUp>> FollowUpStore::List(db::Transaction& tx, const Filter& f) {
  // Newest first by id: follow-ups are recorded when they happen (a date in
  // the future is refused), so id order is record order.
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM follow_ups WHERE id < ?");
  db::Params p{f.before_id == 0 ? INT64_MAX : f.before_id};
  if (f.customer_id != 0) {
    absl::StrAppend(&sql, " AND customer_id = ?");
    p.push_back(f.customer_id);
  }
  if (f.rep_id != 0) {
    absl::StrAppend(&sql, " AND rep_id = ?");
    p.push_back(f.rep_id);
  }
  if (f.from.has_value()) {
    absl::StrAppend(&sql, " AND date >= ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.from)));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&sql, " AND date <= ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.to)));
  }
  if (!f.channels.empty()) {
    absl::StrAppend(&sql, " AND channel IN (", db::AppendInList(EnumShortNames<v1::FollowUpChannel>(f.channels), p),
                    ")");
  }
  if (!f.units.empty()) {
    absl::StrAppend(&sql, " AND org_unit_id IN (", db::AppendInList(f.units, p), ")");
  }
  if (!f.all_visible) {
    std::vector<std::string> ors;
    if (!f.visible_units.empty()) {
      ors.push_back(absl::StrCat("org_unit_id IN (", db::AppendInList(f.visible_units, p), ")"));
    }
    if (f.visible_rep != 0) {
      ors.push_back("rep_id = ?");
      p.push_back(f.visible_rep);
    }
    if (ors.empty()) ors.push_back("1 = 0");
    absl::StrAppend(&sql, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  p.push_back(static_cast<int64_t>(f.limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::FollowUp> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

}  // namespace sales::customers
