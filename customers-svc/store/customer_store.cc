#include "customers-svc/store/customer_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "customers-svc/domain/field_limits.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// The hold summary follows the family link: a member is on hold while its
// primary is.
constexpr char kColumns[] =
    "c.id, c.name, c.normalized_name, c.type, c.status, c.phone, c.normalized_phone, c.tax_id, "
    "c.region, c.city, c.address, c.source_channel, c.owner_rep_id, c.version, c.registered_at, "
    "c.updated_at, c.demand_grade, c.notes, c.primary_customer_id, c.protection_base_date, "
    "c.last_follow_up_date, c.first_purchase_date, c.last_purchase_date, c.referrer_customer_id, "
    "c.pool_entry_time, c.previous_owner_rep_id, c.blacklist_reason, c.status_before_blacklist, "
    "c.lead_id, c.registered_by_user, c.registered_by_role, c.registered_by_rep, "
    "COALESCE(r.org_unit_id, 0) AS owner_org_unit_id, "
    "EXISTS (SELECT 1 FROM credit_holds h WHERE h.customer_id = COALESCE(c.primary_customer_id, c.id) "
    "AND h.active = 1) AS credit_hold, "
    "(SELECT COUNT(*) FROM complaints x WHERE x.customer_id = c.id AND x.status <> 'CLOSED') "
    "AS open_complaint_count";
constexpr char kFrom[] = " FROM customers c LEFT JOIN reps_replica r ON r.id = c.owner_rep_id ";

int64_t IntOr0(const db::Row& r, absl::string_view label) { return r.IsNull(label) ? 0 : r.Int(label); }

CustomerRecord FromRow(const db::Row& r) {
  CustomerRecord rec;
  v1::Customer& c = rec.customer;
  c.set_id(r.Int("id"));
  c.set_name(r.Str("name"));
  c.set_normalized_name(r.Str("normalized_name"));
  c.set_type(EnumParse<v1::CustomerType>(r.Str("type")));
  c.set_status(EnumParse<v1::CustomerStatus>(r.Str("status")));
  c.set_phone(r.Str("phone"));
  c.set_normalized_phone(r.Str("normalized_phone"));
  if (!r.IsNull("tax_id")) {
    c.set_tax_id(r.Str("tax_id"));
    c.set_normalized_tax_id(r.Str("tax_id"));
  }
  c.set_region(r.Str("region"));
  c.set_city(r.Str("city"));
  c.set_address(r.Str("address"));
  c.set_source_channel(r.Str("source_channel"));
  c.set_owner_rep_id(IntOr0(r, "owner_rep_id"));
  c.set_etag(MakeEtag(r.Int("version")));
  *c.mutable_register_time() = ToTimestamp(ParseDbTime(r.Str("registered_at")));
  *c.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  c.set_demand_grade(EnumParse<v1::DemandGrade>(r.Str("demand_grade")));
  c.set_notes(r.Str("notes"));
  c.set_primary_customer_id(IntOr0(r, "primary_customer_id"));
  if (!r.IsNull("protection_base_date")) {
    rec.protection_base = ToCivilDay(ParseDbDate(r.Str("protection_base_date")));
  }
  if (!r.IsNull("last_follow_up_date")) *c.mutable_last_follow_up_date() = ParseDbDate(r.Str("last_follow_up_date"));
  if (!r.IsNull("first_purchase_date")) *c.mutable_first_purchase_date() = ParseDbDate(r.Str("first_purchase_date"));
  if (!r.IsNull("last_purchase_date")) *c.mutable_last_purchase_date() = ParseDbDate(r.Str("last_purchase_date"));
  c.set_referrer_customer_id(IntOr0(r, "referrer_customer_id"));
  if (!r.IsNull("pool_entry_time")) {
    *c.mutable_pool_entry_time() = ToTimestamp(ParseDbTime(r.Str("pool_entry_time")));
  }
  rec.previous_owner_rep_id = IntOr0(r, "previous_owner_rep_id");
  c.set_blacklist_reason(r.Str("blacklist_reason"));
  if (!r.IsNull("status_before_blacklist")) {
    rec.status_before_blacklist = EnumParse<v1::CustomerStatus>(r.Str("status_before_blacklist"));
  }
  c.set_lead_id(IntOr0(r, "lead_id"));
  auto* by = c.mutable_registered_by();
  by->set_user_id(r.Str("registered_by_user"));
  by->set_role(r.Str("registered_by_role"));
  by->set_rep_id(r.Int("registered_by_rep"));
  rec.owner_org_unit_id = r.Int("owner_org_unit_id");
  c.set_owner_org_unit_id(c.owner_rep_id() == 0 ? 0 : rec.owner_org_unit_id);
  c.set_credit_hold(r.Int("credit_hold") != 0);
  c.set_open_complaint_count(static_cast<int32_t>(r.Int("open_complaint_count")));
  return rec;
}

db::Param OptDay(const std::optional<absl::CivilDay>& d) {
  if (!d.has_value()) return db::Param(nullptr);
  return db::Param(FormatDbDate(FromCivilDay(*d)));
}

db::Param Owner(int64_t rep) { return rep == 0 ? db::Param(nullptr) : db::Param(rep); }

v1::OwnershipRecord RecordFromRow(const db::Row& r) {
  v1::OwnershipRecord o;
  o.set_id(r.Int("id"));
  o.set_customer_id(r.Int("customer_id"));
  o.set_from_rep_id(r.Int("from_rep_id"));
  o.set_to_rep_id(r.Int("to_rep_id"));
  o.set_kind(EnumParse<v1::OwnershipChangeKind>(r.Str("kind")));
  *o.mutable_effective_time() = ToTimestamp(ParseDbTime(r.Str("effective_time")));
  if (!r.IsNull("end_time")) *o.mutable_end_time() = ToTimestamp(ParseDbTime(r.Str("end_time")));
  o.set_reason(r.Str("reason"));
  o.mutable_actor()->set_user_id(r.Str("actor_user"));
  o.mutable_actor()->set_role(r.Str("actor_role"));
  o.mutable_actor()->set_rep_id(r.Int("actor_rep"));
  o.set_handover_id(r.Int("handover_id"));
  if (!r.IsNull("last_follow_up_date")) *o.mutable_last_follow_up_date() = ParseDbDate(r.Str("last_follow_up_date"));
  return o;
}

constexpr char kRecordColumns[] =
    "id, customer_id, from_rep_id, to_rep_id, kind, effective_time, end_time, reason, actor_user, "
    "actor_role, actor_rep, handover_id, last_follow_up_date";

absl::StatusOr<v1::OwnershipRecord> GetRecord(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kRecordColumns, " FROM ownership_records WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("ownership record", id);
  return RecordFromRow(rows[0]);
}

}  // namespace

common::v1::Actor Who::ToActor() const {
  common::v1::Actor a;
  a.set_user_id(user_id);
  a.set_role(role);
  a.set_rep_id(rep_id);
  a.set_org_unit_id(org_unit_id);
  return a;
}

Who Who::Of(const Principal& p) {
  Who w;
  w.user_id = p.authenticated() ? p.user_id : "anonymous";
  w.role = p.authenticated() ? p.role : "ADMIN";
  w.rep_id = p.rep_id;
  w.org_unit_id = p.org_unit_id;
  return w;
}

Who Who::System(const std::string& name) {
  Who w;
  w.user_id = name;
  w.role = "SERVICE";
  return w;
}

absl::StatusOr<CustomerRecord> CustomerStore::Insert(db::Transaction& tx, const v1::Customer& c, absl::Time now,
                                                     absl::CivilDay base, const Who& who) {
  db::Param tax = c.tax_id().empty() ? db::Param(nullptr) : db::Param(c.tax_id());
  db::Param referrer = c.referrer_customer_id() == 0 ? db::Param(nullptr) : db::Param(c.referrer_customer_id());
  db::Param lead = c.lead_id() == 0 ? db::Param(nullptr) : db::Param(c.lead_id());
  auto inserted = tx.Exec(
      "INSERT INTO customers (name, normalized_name, type, status, phone, normalized_phone, "
      "tax_id, region, city, address, source_channel, owner_rep_id, version, registered_at, "
      "updated_at, demand_grade, notes, protection_base_date, referrer_customer_id, lead_id, "
      "registered_by_user, registered_by_role, registered_by_rep) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 'UNSPECIFIED', ?, ?, ?, ?, ?, ?, ?)",
      {c.name(),
       c.normalized_name(),
       EnumShort(c.type()),
       EnumShort(c.status()),
       c.phone(),
       c.normalized_phone(),
       tax,
       c.region(),
       c.city(),
       c.address(),
       c.source_channel(),
       Owner(c.owner_rep_id()),
       FormatDbTime(now),
       FormatDbTime(now),
       c.notes(),
       OptDay(base),
       referrer,
       lead,
       who.user_id,
       who.role,
       who.rep_id});
  if (!inserted.ok()) {
    // The unique keys on the normalised phone, name and tax id decide a race.
    if (absl::StrContains(inserted.status().message(), "Duplicate")) {
      return absl::AlreadyExistsError(std::string(inserted.status().message()));
    }
    return inserted.status();
  }
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<CustomerRecord> CustomerStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, kFrom, "WHERE c.id = ?"), {id}));
  if (rows.empty()) return NotFound("customer", id);
  return FromRow(rows[0]);
}

absl::StatusOr<CustomerRecord> CustomerStore::Lock(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM customers WHERE id = ? FOR UPDATE", {id}));
  if (rows.empty()) return NotFound("customer", id);
  return Get(tx, id);
}

absl::StatusOr<std::vector<CustomerRecord>> CustomerStore::GetMany(db::Transaction& tx,
                                                                   const std::vector<int64_t>& ids) {
  std::vector<CustomerRecord> out;
  if (ids.empty()) return out;
  auto in = db::InList(ids);
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, kFrom, "WHERE c.id IN (", in.marks, ")"), in.params));
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<std::optional<v1::CustomerStatus>> CustomerStore::StatusOf(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT status FROM customers WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<v1::CustomerStatus>();
  return std::optional<v1::CustomerStatus>(EnumParse<v1::CustomerStatus>(rows[0].Str("status")));
}

absl::StatusOr<std::optional<int64_t>> CustomerStore::OwnerOf(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT owner_rep_id FROM customers WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].Int("owner_rep_id"));
}

absl::StatusOr<std::vector<CustomerStore::Match>> CustomerStore::FindDuplicates(db::Transaction& tx,
                                                                                const std::vector<std::string>& phones,
                                                                                const std::string& tax_id,
                                                                                const std::string& name,
                                                                                int64_t exclude_id) {
  // One indexed probe per key (phone, contact phone, tax id, name) rather
  // than one OR over three columns, which the optimiser may scan.
  std::map<int64_t, std::vector<v1::DuplicateKey>> keys;
  std::vector<int64_t> order;
  auto add = [&](int64_t id, v1::DuplicateKey k) {
    if (id == exclude_id) return;
    auto& v = keys[id];
    if (v.empty()) order.push_back(id);
    if (std::find(v.begin(), v.end(), k) == v.end()) v.push_back(k);
  };
  if (!tax_id.empty()) {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM customers WHERE tax_id = ?", {tax_id}));
    for (const auto& r : rows) add(r.Int("id"), v1::DUPLICATE_KEY_TAX_ID);
  }
  for (const auto& phone : phones) {
    if (phone.empty()) continue;
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM customers WHERE normalized_phone = ? UNION "
                                               "SELECT customer_id FROM contacts WHERE normalized_phone = ?",
                                               {phone, phone}));
    // A UNION's columns carry the first SELECT's labels.
    for (const auto& r : rows) add(r.Int("id"), v1::DUPLICATE_KEY_PHONE);
  }
  if (!name.empty()) {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM customers WHERE normalized_name = ?", {name}));
    for (const auto& r : rows) add(r.Int("id"), v1::DUPLICATE_KEY_NAME);
  }
  std::vector<Match> out;
  if (order.empty()) return out;
  SALES_ASSIGN_OR_RETURN(auto recs, GetMany(tx, order));
  for (int64_t id : order) {
    for (auto& rec : recs) {
      if (rec.customer.id() == id) out.push_back({rec, keys[id]});
    }
  }
  return out;
}

absl::StatusOr<std::vector<CustomerRecord>> CustomerStore::List(db::Transaction& tx, const CustomerFilter& f) {
  std::string where = "WHERE 1 = 1";
  // The repeated request fields behind the list filters, capped.
  SALES_RETURN_IF_ERROR(db::CheckListFilterSize("types", f.types.size()));
  SALES_RETURN_IF_ERROR(db::CheckListFilterSize("demand_grades", f.grades.size()));
  SALES_RETURN_IF_ERROR(db::CheckListFilterSize("statuses", f.statuses.size()));
  db::Params p;
  auto in = [&](const char* col, const auto& vals) {
    if (vals.empty()) return;
    absl::StrAppend(&where, " AND ", col, " IN (", db::AppendInList(vals, p), ")");
  };
  if (f.newest_pool_first) {
    if (f.after_id > 0) {
      // Keyset over (pool_entry_time DESC, id DESC) would need the time in
      // the token; ids of one lapse batch share a time, so pages go by id.
      absl::StrAppend(&where, " AND c.id < ?");
      p.push_back(f.after_id);
    }
  } else if (f.after_id > 0) {
    absl::StrAppend(&where, " AND c.id > ?");
    p.push_back(f.after_id);
  }
  if (f.owner_rep_id != 0) {
    absl::StrAppend(&where, " AND c.owner_rep_id = ?");
    p.push_back(f.owner_rep_id);
  }
  if (!f.owner_units.empty()) in("r.org_unit_id", f.owner_units);
  in("c.type", EnumShortNames<v1::CustomerType>(f.types));
  in("c.demand_grade", EnumShortNames<v1::DemandGrade>(f.grades));
  in("c.status", EnumShortNames<v1::CustomerStatus>(f.statuses));
  if (!f.region.empty()) {
    absl::StrAppend(&where, " AND c.region = ?");
    p.push_back(f.region);
  }
  if (!f.city.empty()) {
    absl::StrAppend(&where, " AND c.city = ?");
    p.push_back(f.city);
  }
  if (!f.source_channel.empty()) {
    absl::StrAppend(&where, " AND c.source_channel = ?");
    p.push_back(f.source_channel);
  }
  if (!f.query.empty()) {
    absl::StrAppend(&where, " AND c.name LIKE ?");
    std::string q;
    for (char ch : f.query) {
      if (ch == '%' || ch == '_' || ch == '\\') q.push_back('\\');
      q.push_back(ch);
    }
    p.push_back(absl::StrCat("%", q, "%"));
  }
  if (f.base_before.has_value()) {
    absl::StrAppend(&where,
                    " AND c.status = 'PROSPECT' AND c.owner_rep_id IS NOT NULL "
                    "AND c.primary_customer_id IS NULL AND c.protection_base_date < ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.base_before)));
  }
  if (f.base_from.has_value()) {
    absl::StrAppend(&where, " AND c.protection_base_date >= ?");
    p.push_back(FormatDbDate(FromCivilDay(*f.base_from)));
  }
  if (f.pool_only) absl::StrAppend(&where, " AND c.owner_rep_id IS NULL");
  if (f.hold_only) {
    absl::StrAppend(&where,
                    " AND EXISTS (SELECT 1 FROM credit_holds h WHERE h.customer_id = "
                    "COALESCE(c.primary_customer_id, c.id) AND h.active = 1)");
  }
  if (f.pool_entered_after.has_value()) {
    absl::StrAppend(&where, " AND c.pool_entry_time >= ?");
    p.push_back(FormatDbTime(*f.pool_entered_after));
  }
  if (f.previous_owner_rep_id != 0) {
    absl::StrAppend(&where, " AND c.previous_owner_rep_id = ?");
    p.push_back(f.previous_owner_rep_id);
  }
  if (!f.all_visible) {
    std::vector<std::string> ors;
    if (f.include_pool) ors.push_back("c.owner_rep_id IS NULL");
    if (!f.visible_reps.empty()) {
      ors.push_back(absl::StrCat("c.owner_rep_id IN (", db::AppendInList(f.visible_reps, p), ")"));
    }
    if (!f.visible_units.empty()) {
      ors.push_back(absl::StrCat("r.org_unit_id IN (", db::AppendInList(f.visible_units, p), ")"));
    }
    if (ors.empty()) ors.push_back("1 = 0");
    absl::StrAppend(&where, " AND (", absl::StrJoin(ors, " OR "), ")");
  }
  p.push_back(static_cast<int64_t>(f.limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, kFrom, where, " ORDER BY c.id ",
                                                          f.newest_pool_first ? "DESC" : "ASC", " LIMIT ?"),
                                             p));
  std::vector<CustomerRecord> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::Status CustomerStore::UpdateMasterData(db::Transaction& tx, const v1::Customer& c, absl::Time now) {
  db::Param tax = c.tax_id().empty() ? db::Param(nullptr) : db::Param(c.tax_id());
  auto st = tx.Exec(
      "UPDATE customers SET name = ?, normalized_name = ?, type = ?, phone = ?, normalized_phone = ?, "
      "tax_id = ?, region = ?, city = ?, address = ?, source_channel = ?, notes = ?, demand_grade = ?, "
      "version = version + 1, updated_at = ? WHERE id = ?",
      {c.name(), c.normalized_name(), EnumShort(c.type()), c.phone(), c.normalized_phone(), tax, c.region(), c.city(),
       c.address(), c.source_channel(), c.notes(), EnumShort(c.demand_grade()), FormatDbTime(now), c.id()});
  if (!st.ok() && absl::StrContains(st.status().message(), "Duplicate")) {
    // A concurrent change took the key between the duplicate check and
    // this write; the key's own message would echo the contested value.
    return absl::AlreadyExistsError("another customer already has this phone, name or tax id");
  }
  return st.status();
}

absl::Status CustomerStore::SetStatus(db::Transaction& tx, int64_t id, v1::CustomerStatus status,
                                      const std::string& blacklist_reason, int32_t status_before_blacklist,
                                      absl::Time now) {
  db::Param before = status_before_blacklist == 0
                         ? db::Param(nullptr)
                         : db::Param(EnumShort(static_cast<v1::CustomerStatus>(status_before_blacklist)));
  return tx
      .Exec(
          "UPDATE customers SET status = ?, blacklist_reason = ?, status_before_blacklist = ?, "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {EnumShort(status), blacklist_reason, before, FormatDbTime(now), id})
      .status();
}

absl::StatusOr<v1::OwnershipRecord> CustomerStore::OpenFirstRecord(db::Transaction& tx, int64_t customer_id,
                                                                   int64_t rep_id, v1::OwnershipChangeKind kind,
                                                                   const std::string& reason, const Who& who,
                                                                   absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO ownership_records (customer_id, from_rep_id, to_rep_id, kind, effective_time, "
              "reason, actor_user, actor_role, actor_rep) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)",
              {customer_id, rep_id, EnumShort(kind), FormatDbTime(now), reason, who.user_id, who.role, who.rep_id})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return GetRecord(tx, id);
}

absl::StatusOr<v1::OwnershipRecord> CustomerStore::ChangeOwner(db::Transaction& tx, const OwnerChange& ch,
                                                               absl::Time now) {
  std::string t = FormatDbTime(now);
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE ownership_records SET end_time = ? WHERE customer_id = ? AND end_time IS NULL",
                                {t, ch.customer_id})
                            .status());
  SALES_RETURN_IF_ERROR(
      tx.Exec(
            "INSERT INTO ownership_records (customer_id, from_rep_id, to_rep_id, kind, effective_time, "
            "reason, actor_user, actor_role, actor_rep, handover_id, last_follow_up_date) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            // The reason may be composed ("family member of #12: " + the
            // caller's reason of up to the column's size): clipped whole
            // characters, the full text is in the audit trail's reason.
            {ch.customer_id, ch.from_rep_id, ch.to_rep_id, EnumShort(ch.kind), t, ClipChars(ch.reason, kMaxReasonChars),
             ch.who.user_id, ch.who.role, ch.who.rep_id, ch.handover_id, OptDay(ch.last_follow_up_date)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  bool to_pool = ch.to_rep_id == 0;
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE customers SET owner_rep_id = ?, previous_owner_rep_id = ?, pool_entry_time = ?, "
              "protection_base_date = ?, version = version + 1, updated_at = ? WHERE id = ?",
              {Owner(ch.to_rep_id), Owner(ch.from_rep_id), to_pool ? db::Param(t) : db::Param(nullptr),
               OptDay(ch.new_base), t, ch.customer_id})
          .status());
  return GetRecord(tx, id);
}

absl::Status CustomerStore::SetProtectionBase(db::Transaction& tx, int64_t id, absl::CivilDay base,
                                              std::optional<absl::CivilDay> last_follow_up, absl::Time now) {
  return tx
      .Exec(
          "UPDATE customers SET protection_base_date = ?, last_follow_up_date = ?, "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {OptDay(base), OptDay(last_follow_up), FormatDbTime(now), id})
      .status();
}

absl::Status CustomerStore::SetPurchase(db::Transaction& tx, int64_t id, v1::CustomerStatus status,
                                        absl::CivilDay first, absl::CivilDay last, absl::Time now) {
  return tx
      .Exec(
          "UPDATE customers SET status = ?, first_purchase_date = ?, last_purchase_date = ?, "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {EnumShort(status), OptDay(first), OptDay(last), FormatDbTime(now), id})
      .status();
}

absl::Status CustomerStore::SetPrimary(db::Transaction& tx, int64_t id, int64_t primary_id, absl::Time now) {
  return tx
      .Exec("UPDATE customers SET primary_customer_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {primary_id == 0 ? db::Param(nullptr) : db::Param(primary_id), FormatDbTime(now), id})
      .status();
}

absl::Status CustomerStore::SetReferrer(db::Transaction& tx, int64_t id, int64_t referrer_id) {
  return tx.Exec("UPDATE customers SET referrer_customer_id = ? WHERE id = ?", {referrer_id, id}).status();
}

absl::StatusOr<std::vector<v1::OwnershipRecord>> CustomerStore::History(db::Transaction& tx, int64_t customer_id,
                                                                        int64_t after_id, int limit) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kRecordColumns,
                                                          " FROM ownership_records WHERE customer_id = ? "
                                                          "AND id > ? ORDER BY id LIMIT ?"),
                                             {customer_id, after_id, static_cast<int64_t>(limit)}));
  std::vector<v1::OwnershipRecord> out;
  for (const auto& r : rows) out.push_back(RecordFromRow(r));
  return out;
}

absl::StatusOr<std::vector<int64_t>> CustomerStore::FamilyMembers(db::Transaction& tx, int64_t primary_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT member_customer_id FROM family_links WHERE "
                                             "primary_customer_id = ? ORDER BY member_customer_id",
                                             {primary_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("member_customer_id"));
  return out;
}

absl::StatusOr<int64_t> CustomerStore::InsertFamilyLink(db::Transaction& tx, int64_t primary_id, int64_t member_id,
                                                        v1::FamilyRelation relation, const std::string& reason,
                                                        const Who& who, int64_t member_owner_before, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO family_links (primary_customer_id, member_customer_id, relation, reason, actor_user, "
              "actor_role, actor_rep, created_at, member_owner_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {primary_id, member_id, EnumShort(relation), reason, who.user_id, who.role, who.rep_id, FormatDbTime(now),
               Owner(member_owner_before)})
          .status());
  return tx.LastInsertId();
}

absl::StatusOr<CustomerStore::FamilyLinkRecord> CustomerStore::LockFamilyLink(db::Transaction& tx, int64_t link_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT primary_customer_id, member_customer_id, relation, reason, "
                                             "member_owner_before, actor_user, actor_role, actor_rep, created_at "
                                             "FROM family_links WHERE id = ? FOR UPDATE",
                                             {link_id}));
  if (rows.empty()) return NotFound("family link", link_id);
  const db::Row& r = rows[0];
  FamilyLinkRecord out;
  v1::FamilyLink& link = out.link;
  link.set_id(link_id);
  link.set_primary_customer_id(r.Int("primary_customer_id"));
  link.set_member_customer_id(r.Int("member_customer_id"));
  link.set_relation(EnumParse<v1::FamilyRelation>(r.Str("relation")));
  link.set_reason(r.Str("reason"));
  link.mutable_linked_by()->set_user_id(r.Str("actor_user"));
  link.mutable_linked_by()->set_role(r.Str("actor_role"));
  link.mutable_linked_by()->set_rep_id(r.Int("actor_rep"));
  *link.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  out.member_owner_before = IntOr0(r, "member_owner_before");
  return out;
}

absl::Status CustomerStore::DeleteFamilyLink(db::Transaction& tx, int64_t link_id) {
  return tx.Exec("DELETE FROM family_links WHERE id = ?", {link_id}).status();
}

absl::StatusOr<std::vector<v1::FamilyLink>> CustomerStore::FamilyLinksOf(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, primary_customer_id, member_customer_id, relation, reason, "
                                             "actor_user, actor_role, actor_rep, created_at FROM family_links "
                                             "WHERE primary_customer_id = ? OR member_customer_id = ? ORDER BY id",
                                             {customer_id, customer_id}));
  std::vector<v1::FamilyLink> out;
  for (const auto& r : rows) {
    v1::FamilyLink& l = out.emplace_back();
    l.set_id(r.Int("id"));
    l.set_primary_customer_id(r.Int("primary_customer_id"));
    l.set_member_customer_id(r.Int("member_customer_id"));
    l.set_relation(EnumParse<v1::FamilyRelation>(r.Str("relation")));
    l.set_reason(r.Str("reason"));
    l.mutable_linked_by()->set_user_id(r.Str("actor_user"));
    l.mutable_linked_by()->set_role(r.Str("actor_role"));
    l.mutable_linked_by()->set_rep_id(r.Int("actor_rep"));
    *l.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  }
  return out;
}

absl::StatusOr<std::vector<CustomerRecord>> CustomerStore::LapsedProspects(db::Transaction& tx,
                                                                           absl::CivilDay base_before, int64_t after_id,
                                                                           int limit) {
  // Family members follow their primary and never lapse on their own.
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kColumns, kFrom,
                            "WHERE c.status = 'PROSPECT' AND c.protection_base_date < ? AND c.owner_rep_id IS NOT NULL "
                            "AND c.primary_customer_id IS NULL AND c.id > ? ORDER BY c.id LIMIT ? FOR UPDATE"),
               {FormatDbDate(FromCivilDay(base_before)), after_id, static_cast<int64_t>(limit)}));
  std::vector<CustomerRecord> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<int64_t> CustomerStore::CountOwnedProspects(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS owned_prospects FROM customers "
                                             "WHERE status = 'PROSPECT' AND owner_rep_id IS NOT NULL"));
  return rows.empty() ? 0 : rows[0].Int("owned_prospects");
}

absl::StatusOr<std::vector<int64_t>> CustomerStore::DormantCandidates(db::Transaction& tx, absl::CivilDay before) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id FROM customers WHERE status = 'ACTIVE' "
                                             "AND last_purchase_date < ? ORDER BY id FOR UPDATE",
                                             {FormatDbDate(FromCivilDay(before))}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::vector<CustomerRecord>> CustomerStore::OwnedBy(db::Transaction& tx, int64_t rep_id,
                                                                   const std::vector<int64_t>& statuses) {
  std::string sql = absl::StrCat("SELECT ", kColumns, kFrom, "WHERE c.owner_rep_id = ?");
  db::Params p{rep_id};
  if (!statuses.empty()) {
    absl::StrAppend(&sql, " AND c.status IN (", db::AppendInList(EnumShortNames<v1::CustomerStatus>(statuses), p), ")");
  }
  absl::StrAppend(&sql, " ORDER BY c.id FOR UPDATE");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<CustomerRecord> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<bool> CustomerStore::LockLapseSweep(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT sweep FROM sweep_locks WHERE sweep = 'lapse' FOR UPDATE"));
  return !rows.empty();
}

absl::Status AuditStore::Append(db::Transaction& tx, int64_t customer_id, const Who& who, const std::string& action,
                                const std::string& from, const std::string& to, const std::string& reason,
                                const std::string& request_id, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO customer_audit (customer_id, at, actor_user, actor_role, actor_rep, actor_unit, "
          "action, from_value, to_value, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {customer_id, FormatDbTime(now), who.user_id, who.role, who.rep_id, who.org_unit_id, action,
           // Composed values may exceed their columns; never cut a
           // character in half (invalid utf8mb4 fails the insert).
           ClipChars(from, kMaxAuditValueChars), ClipChars(to, kMaxAuditValueChars),
           ClipChars(reason, kMaxLongReasonChars), request_id})
      .status();
}

absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditStore::List(db::Transaction& tx, int64_t customer_id,
                                                                     const std::vector<std::string>& actions,
                                                                     int64_t after_id, int limit) {
  std::string sql =
      "SELECT id, at, actor_user, actor_role, actor_rep, actor_unit, action, from_value, to_value, reason, "
      "request_id FROM customer_audit WHERE customer_id = ? AND id > ?";
  db::Params p{customer_id, after_id};
  if (!actions.empty()) {
    absl::StrAppend(&sql, " AND action IN (", db::AppendInList(actions, p), ")");
  }
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<common::v1::AuditEntry> out;
  for (const auto& r : rows) {
    common::v1::AuditEntry e;
    e.set_id(r.Int("id"));
    *e.mutable_at() = ToTimestamp(ParseDbTime(r.Str("at")));
    e.mutable_actor()->set_user_id(r.Str("actor_user"));
    e.mutable_actor()->set_role(r.Str("actor_role"));
    e.mutable_actor()->set_rep_id(r.Int("actor_rep"));
    e.mutable_actor()->set_org_unit_id(r.Int("actor_unit"));
    e.set_action(r.Str("action"));
    e.set_from_value(r.Str("from_value"));
    e.set_to_value(r.Str("to_value"));
    e.set_reason(r.Str("reason"));
    e.set_request_id(r.Str("request_id"));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sales::customers
