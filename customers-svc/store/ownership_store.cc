#include "customers-svc/store/ownership_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/domain/protection.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kCollisionColumns[] =
    "id, customer_id, order_id, order_date, order_amount, currency, owner_rep_id, taking_rep_id, credited_rep_id, "
    "org_unit_id, status, review_note, reviewer_user, reviewer_role, reviewer_rep, created_at, reviewed_at, version";

v1::Collision CollisionFromRow(const db::Row& r) {
  v1::Collision c;
  c.set_id(r.Int("id"));
  c.set_customer_id(r.Int("customer_id"));
  c.set_order_id(r.Int("order_id"));
  *c.mutable_order_date() = ParseDbDate(r.Str("order_date"));
  *c.mutable_order_amount() = MakeMoney(r.Int("order_amount"), r.Str("currency"));
  c.set_owner_rep_id(r.Int("owner_rep_id"));
  c.set_taking_rep_id(r.Int("taking_rep_id"));
  c.set_credited_rep_id(r.Int("credited_rep_id"));
  c.set_org_unit_id(r.Int("org_unit_id"));
  c.set_status(EnumParse<v1::CollisionStatus>(r.Str("status")));
  c.set_review_note(r.Str("review_note"));
  if (!r.IsNull("reviewed_at")) {
    c.mutable_reviewed_by()->set_user_id(r.Str("reviewer_user"));
    c.mutable_reviewed_by()->set_role(r.Str("reviewer_role"));
    c.mutable_reviewed_by()->set_rep_id(r.Int("reviewer_rep"));
    *c.mutable_review_time() = ToTimestamp(ParseDbTime(r.Str("reviewed_at")));
  }
  *c.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  c.set_etag(MakeEtag(r.Int("version")));
  return c;
}

constexpr char kHandoverColumns[] =
    "id, from_rep_id, to_rep_ids, reason, customer_count, actor_user, actor_role, actor_rep, created_at";

v1::Handover HandoverFromRow(const db::Row& r) {
  v1::Handover h;
  h.set_id(r.Int("id"));
  h.set_from_rep_id(r.Int("from_rep_id"));
  for (absl::string_view part : absl::StrSplit(r.Str("to_rep_ids"), ',', absl::SkipEmpty())) {
    int64_t id = 0;
    if (absl::SimpleAtoi(part, &id)) h.add_to_rep_ids(id);
  }
  h.set_reason(r.Str("reason"));
  h.set_customer_count(static_cast<int32_t>(r.Int("customer_count")));
  h.mutable_actor()->set_user_id(r.Str("actor_user"));
  h.mutable_actor()->set_role(r.Str("actor_role"));
  h.mutable_actor()->set_rep_id(r.Int("actor_rep"));
  *h.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return h;
}

constexpr char kReferralColumns[] =
    "id, referrer_customer_id, referrer_rep_id, referred_name, referred_phone, expected_visit_date, "
    "referred_customer_id, status, register_time, first_visit_time, actor_user, actor_role, actor_rep, version";

v1::Referral ReferralFromRow(const db::Row& r) {
  v1::Referral x;
  x.set_id(r.Int("id"));
  x.set_referrer_customer_id(r.Int("referrer_customer_id"));
  x.set_referrer_rep_id(r.Int("referrer_rep_id"));
  x.set_referred_name(r.Str("referred_name"));
  x.set_referred_phone(r.Str("referred_phone"));
  if (!r.IsNull("expected_visit_date")) *x.mutable_expected_visit_date() = ParseDbDate(r.Str("expected_visit_date"));
  x.set_referred_customer_id(r.Int("referred_customer_id"));
  x.set_status(EnumParse<v1::ReferralStatus>(r.Str("status")));
  *x.mutable_register_time() = ToTimestamp(ParseDbTime(r.Str("register_time")));
  if (!r.IsNull("first_visit_time")) {
    *x.mutable_first_visit_time() = ToTimestamp(ParseDbTime(r.Str("first_visit_time")));
  }
  x.mutable_registered_by()->set_user_id(r.Str("actor_user"));
  x.mutable_registered_by()->set_role(r.Str("actor_role"));
  x.mutable_registered_by()->set_rep_id(r.Int("actor_rep"));
  x.set_etag(MakeEtag(r.Int("version")));
  return x;
}

}  // namespace

absl::StatusOr<std::optional<v1::Collision>> CollisionStore::Insert(db::Transaction& tx, const v1::Collision& c,
                                                                    absl::Time now) {
  SALES_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("INSERT IGNORE INTO collisions (customer_id, order_id, order_date, order_amount, currency, owner_rep_id, "
              "taking_rep_id, credited_rep_id, org_unit_id, status, created_at, version) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
              {c.customer_id(), c.order_id(), FormatDbDate(c.order_date()), c.order_amount().minor_units(),
               c.order_amount().currency_code().empty() ? std::string("CNY") : c.order_amount().currency_code(),
               c.owner_rep_id(), c.taking_rep_id(), c.credited_rep_id(), c.org_unit_id(),
               EnumShort(v1::COLLISION_STATUS_OPEN), FormatDbTime(now)}));
  if (n == 0) return std::optional<v1::Collision>();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_ASSIGN_OR_RETURN(auto got, Get(tx, id, false));
  return std::optional<v1::Collision>(got);
}

absl::StatusOr<v1::Collision> CollisionStore::Get(db::Transaction& tx, int64_t id, bool lock) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kCollisionColumns, " FROM collisions WHERE id = ?",
                                                          lock ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("collision", id);
  return CollisionFromRow(rows[0]);
}

absl::StatusOr<std::optional<v1::CollisionStatus>> CollisionStore::StatusOfOrder(db::Transaction& tx,
                                                                                 int64_t order_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT status FROM collisions WHERE order_id = ?", {order_id}));
  if (rows.empty()) return std::optional<v1::CollisionStatus>();
  return std::optional<v1::CollisionStatus>(EnumParse<v1::CollisionStatus>(rows[0].Str("status")));
}

absl::Status CollisionStore::Review(db::Transaction& tx, int64_t id, v1::CollisionStatus status, int64_t credited_rep,
                                    const std::string& note, const Who& who, absl::Time now) {
  return tx
      .Exec(
          "UPDATE collisions SET status = ?, credited_rep_id = ?, review_note = ?, reviewer_user = ?, "
          "reviewer_role = ?, reviewer_rep = ?, reviewed_at = ?, version = version + 1 WHERE id = ?",
          {EnumShort(status), credited_rep, note, who.user_id, who.role, who.rep_id, FormatDbTime(now), id})
      .status();
}

absl::StatusOr<std::vector<v1::Collision>> CollisionStore::List(db::Transaction& tx, const Filter& f) {
  std::string sql = absl::StrCat("SELECT ", kCollisionColumns, " FROM collisions WHERE id < ?");
  db::Params p{f.before_id == 0 ? INT64_MAX : f.before_id};
  if (!f.units.empty()) {
    absl::StrAppend(&sql, " AND org_unit_id IN (", db::AppendInList(f.units, p), ")");
  }
  if (!f.statuses.empty()) {
    absl::StrAppend(&sql, " AND status IN (", db::AppendInList(EnumShortNames<v1::CollisionStatus>(f.statuses), p),
                    ")");
  }
  if (f.rep_id != 0) {
    absl::StrAppend(&sql, " AND (owner_rep_id = ? OR taking_rep_id = ?)");
    p.push_back(f.rep_id);
    p.push_back(f.rep_id);
  }
  if (f.from.has_value()) {
    absl::StrAppend(&sql, " AND order_date >= ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.from)));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&sql, " AND order_date <= ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.to)));
  }
  if (!f.all_visible) {
    std::vector<std::string> ors;
    if (!f.visible_units.empty()) {
      ors.push_back(absl::StrCat("org_unit_id IN (", db::AppendInList(f.visible_units, p), ")"));
    }
    if (f.visible_rep != 0) {
      ors.push_back("owner_rep_id = ? OR taking_rep_id = ?");
      p.push_back(f.visible_rep);
      p.push_back(f.visible_rep);
    }
    if (ors.empty()) ors.push_back("1 = 0");
    absl::StrAppend(&sql, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  p.push_back(static_cast<int64_t>(f.limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Collision> out;
  for (const auto& r : rows) out.push_back(CollisionFromRow(r));
  return out;
}

absl::StatusOr<bool> OrdersSeenStore::MarkSeen(db::Transaction& tx, int64_t order_id, int64_t customer_id,
                                               const common::v1::Date& order_date) {
  SALES_ASSIGN_OR_RETURN(int64_t inserted, tx.Exec("INSERT IGNORE INTO customer_orders_seen (order_id, customer_id, "
                                                   "order_date) VALUES (?, ?, ?)",
                                                   {order_id, customer_id, FormatDbDate(order_date)}));
  return inserted != 0;
}

absl::StatusOr<int64_t> HandoverStore::Insert(db::Transaction& tx, const v1::Handover& h, const Who& who,
                                              absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO handovers (from_rep_id, to_rep_ids, reason, customer_count, actor_user, actor_role, "
              "actor_rep, created_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
              {h.from_rep_id(), absl::StrJoin(h.to_rep_ids(), ","), h.reason(), who.user_id, who.role, who.rep_id,
               FormatDbTime(now)})
          .status());
  return tx.LastInsertId();
}

absl::Status HandoverStore::SetCount(db::Transaction& tx, int64_t id, int32_t count) {
  return tx.Exec("UPDATE handovers SET customer_count = ? WHERE id = ?", {static_cast<int64_t>(count), id}).status();
}

absl::StatusOr<v1::Handover> HandoverStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kHandoverColumns, " FROM handovers WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("handover", id);
  return HandoverFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::Handover>> HandoverStore::List(db::Transaction& tx, int64_t from_rep_id,
                                                              const std::vector<int64_t>& visible_reps, bool all,
                                                              int64_t before_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kHandoverColumns, " FROM handovers WHERE id < ?");
  db::Params p{before_id == 0 ? INT64_MAX : before_id};
  if (from_rep_id != 0) {
    absl::StrAppend(&sql, " AND from_rep_id = ?");
    p.push_back(from_rep_id);
  }
  if (!all) {
    if (visible_reps.empty()) return std::vector<v1::Handover>();
    absl::StrAppend(&sql, " AND from_rep_id IN (", db::AppendInList(visible_reps, p), ")");
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Handover> out;
  for (const auto& r : rows) out.push_back(HandoverFromRow(r));
  return out;
}

absl::StatusOr<v1::Referral> ReferralStore::Insert(db::Transaction& tx, const v1::Referral& r, const Who& who,
                                                   absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO referrals (referrer_customer_id, referrer_rep_id, referred_name, referred_phone, "
              "expected_visit_date, status, register_time, actor_user, actor_role, actor_rep, version) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
              {r.referrer_customer_id(), r.referrer_rep_id(), r.referred_name(), r.referred_phone(),
               r.has_expected_visit_date() ? db::Param(FormatDbDate(r.expected_visit_date())) : db::Param(nullptr),
               EnumShort(v1::REFERRAL_STATUS_PENDING), FormatDbTime(now), who.user_id, who.role, who.rep_id})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<v1::Referral> ReferralStore::Get(db::Transaction& tx, int64_t id, bool lock) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kReferralColumns, " FROM referrals WHERE id = ?",
                                                          lock ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("referral", id);
  return ReferralFromRow(rows[0]);
}

absl::StatusOr<std::optional<v1::Referral>> ReferralStore::PendingForPhone(db::Transaction& tx,
                                                                           const std::string& phone) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kReferralColumns,
                                                          " FROM referrals WHERE referred_phone = ? AND status = ? "
                                                          "ORDER BY id LIMIT 1"),
                                             {phone, EnumShort(v1::REFERRAL_STATUS_PENDING)}));
  if (rows.empty()) return std::optional<v1::Referral>();
  return std::optional<v1::Referral>(ReferralFromRow(rows[0]));
}

absl::Status ReferralStore::Resolve(db::Transaction& tx, int64_t id, v1::ReferralStatus status, int64_t customer_id,
                                    absl::Time visit_time) {
  return tx
      .Exec(
          "UPDATE referrals SET status = ?, referred_customer_id = ?, first_visit_time = ?, "
          "version = version + 1 WHERE id = ?",
          {EnumShort(status), customer_id, FormatDbTime(visit_time), id})
      .status();
}

absl::Status ReferralStore::Cancel(db::Transaction& tx, int64_t id) {
  return tx
      .Exec("UPDATE referrals SET status = ?, version = version + 1 WHERE id = ?",
            {EnumShort(v1::REFERRAL_STATUS_CANCELLED), id})
      .status();
}

absl::StatusOr<std::vector<v1::Referral>> ReferralStore::List(db::Transaction& tx, int64_t referrer_customer_id,
                                                              int64_t referrer_rep_id,
                                                              const std::vector<int64_t>& statuses,
                                                              const std::vector<int64_t>& visible_reps, bool all,
                                                              int64_t before_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kReferralColumns, " FROM referrals WHERE id < ?");
  db::Params p{before_id == 0 ? INT64_MAX : before_id};
  if (referrer_customer_id != 0) {
    absl::StrAppend(&sql, " AND referrer_customer_id = ?");
    p.push_back(referrer_customer_id);
  }
  if (referrer_rep_id != 0) {
    absl::StrAppend(&sql, " AND referrer_rep_id = ?");
    p.push_back(referrer_rep_id);
  }
  if (!statuses.empty()) {
    absl::StrAppend(&sql, " AND status IN (", db::AppendInList(EnumShortNames<v1::ReferralStatus>(statuses), p), ")");
  }
  if (!all) {
    if (visible_reps.empty()) return std::vector<v1::Referral>();
    absl::StrAppend(&sql, " AND referrer_rep_id IN (", db::AppendInList(visible_reps, p), ")");
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Referral> out;
  for (const auto& r : rows) out.push_back(ReferralFromRow(r));
  return out;
}

absl::Status ApplyReferralOnRegistration(db::Transaction& tx, int64_t referral_id, int64_t customer_id,
                                         const std::string& normalized_phone, absl::Time now) {
  auto got = ReferralStore::Get(tx, referral_id, true);
  if (absl::IsNotFound(got.status())) return InvalidField("referral_id", "unknown referral");
  if (!got.ok()) return got.status();
  if (got->status() != v1::REFERRAL_STATUS_PENDING) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("referral ", referral_id, " is not pending")),
                         "REFERRAL_NOT_PENDING", kCustomersDomain);
  }
  if (got->referred_phone() != normalized_phone) {
    return InvalidField("referral_id", "the referral names another phone number");
  }
  // The registration is the first visit: the referral counts only when it
  // was registered strictly before it (先行登记).
  bool counts = ReferralCounts(FromTimestamp(got->register_time()), now, false);
  SALES_RETURN_IF_ERROR(ReferralStore::Resolve(
      tx, referral_id, counts ? v1::REFERRAL_STATUS_COUNTED : v1::REFERRAL_STATUS_NOT_COUNTED, customer_id, now));
  if (counts) SALES_RETURN_IF_ERROR(CustomerStore::SetReferrer(tx, customer_id, got->referrer_customer_id()));
  return absl::OkStatus();
}

}  // namespace sales::customers
