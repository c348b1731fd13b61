#include "customers-svc/store/rotation_store.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "customers-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {
namespace {

db::Params ActorParams(const common::v1::Actor& a) { return {a.user_id(), a.role(), a.rep_id(), a.org_unit_id()}; }

// The actor_user, actor_role, actor_rep and actor_unit columns.
common::v1::Actor ActorOf(const db::Row& r) {
  common::v1::Actor a;
  a.set_user_id(r.Str("actor_user"));
  a.set_role(r.Str("actor_role"));
  a.set_rep_id(r.Int("actor_rep"));
  a.set_org_unit_id(r.Int("actor_unit"));
  return a;
}

void Append(db::Params& to, const db::Params& more) { to.insert(to.end(), more.begin(), more.end()); }

template <typename Values>
void AppendIn(std::string& sql, db::Params& params, const char* column, const Values& values) {
  absl::StrAppend(&sql, " AND ", column, " IN (", db::AppendInList(values, params), ")");
}

// "rep:kind:banked;..." — the skipped turns of a lead.
std::string EncodeSkipped(const google::protobuf::RepeatedPtrField<v1::SkippedTurn>& skipped) {
  std::vector<std::string> parts;
  for (const auto& s : skipped) {
    parts.push_back(absl::StrCat(s.rep_id(), ":", static_cast<int>(s.absence_kind()), ":", s.banked() ? 1 : 0));
  }
  return absl::StrJoin(parts, ";");
}

void DecodeSkipped(const std::string& text, v1::Lead& lead) {
  for (absl::string_view part : absl::StrSplit(text, ';', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(part, ':');
    if (f.size() != 3) continue;
    int64_t rep = 0;
    int kind = 0, banked = 0;
    if (!absl::SimpleAtoi(f[0], &rep) || !absl::SimpleAtoi(f[1], &kind) || !absl::SimpleAtoi(f[2], &banked)) continue;
    auto* s = lead.add_skipped();
    s->set_rep_id(rep);
    s->set_absence_kind(static_cast<v1::AbsenceKind>(kind));
    s->set_banked(banked != 0);
  }
}

constexpr char kAbsenceColumns[] =
    "id, rep_id, office_id, kind, start_time, end_time, reason, actor_user, actor_role, actor_rep, actor_unit, "
    "cancelled, version";

AbsenceRecord AbsenceOf(const db::Row& r) {
  AbsenceRecord out;
  v1::RepAbsence& a = out.absence;
  a.set_id(r.Int("id"));
  a.set_rep_id(r.Int("rep_id"));
  a.set_office_id(r.Int("office_id"));
  a.set_kind(EnumParse<v1::AbsenceKind>(r.Str("kind")));
  *a.mutable_start_time() = ToTimestamp(ParseDbTime(r.Str("start_time")));
  if (!r.IsNull("end_time")) *a.mutable_end_time() = ToTimestamp(ParseDbTime(r.Str("end_time")));
  a.set_reason(r.Str("reason"));
  *a.mutable_recorded_by() = ActorOf(r);
  a.set_cancelled(r.Int("cancelled") != 0);
  out.version = r.Int("version");
  a.set_etag(MakeEtag(out.version));
  return out;
}

constexpr char kLeadColumns[] =
    "id, office_id, channel, customer_id, assigned_rep_id, assigned_unit_id, outcome, turn_outcome, skipped, "
    "party_size, inquiry, contact_name, contact_phone, customer_type, region, city, receive_time, actor_user, "
    "actor_role, actor_rep, actor_unit, version";

LeadRecord LeadOf(const db::Row& r) {
  LeadRecord out;
  v1::Lead& l = out.lead;
  l.set_id(r.Int("id"));
  l.set_office_id(r.Int("office_id"));
  l.set_channel(EnumParse<v1::LeadChannel>(r.Str("channel")));
  l.set_customer_id(r.Int("customer_id"));
  l.set_assigned_rep_id(r.Int("assigned_rep_id"));
  out.assigned_unit_id = r.Int("assigned_unit_id");
  l.set_outcome(EnumParse<v1::LeadOutcome>(r.Str("outcome")));
  out.turn_outcome = EnumParse<v1::LeadOutcome>(r.Str("turn_outcome"));
  DecodeSkipped(r.Str("skipped"), l);
  l.set_party_size(static_cast<int32_t>(r.Int("party_size")));
  l.set_inquiry(r.Str("inquiry"));
  out.contact_name = r.Str("contact_name");
  out.contact_phone = r.Str("contact_phone");
  out.customer_type = EnumParse<v1::CustomerType>(r.Str("customer_type"));
  out.region = r.Str("region");
  out.city = r.Str("city");
  *l.mutable_receive_time() = ToTimestamp(ParseDbTime(r.Str("receive_time")));
  *l.mutable_registered_by() = ActorOf(r);
  out.version = r.Int("version");
  l.set_etag(MakeEtag(out.version));
  return out;
}

constexpr char kSurveyColumns[] =
    "id, lead_id, rep_id, office_id, reason, status, decision_note, decider_user, decider_role, decider_rep, "
    "decider_unit, created_at, decided_at, version";

SurveyRecord SurveyOf(const db::Row& r) {
  SurveyRecord out;
  v1::MarketSurveyReport& m = out.report;
  m.set_id(r.Int("id"));
  m.set_lead_id(r.Int("lead_id"));
  m.set_rep_id(r.Int("rep_id"));
  out.office_id = r.Int("office_id");
  m.set_reason(r.Str("reason"));
  m.set_status(EnumParse<v1::MarketSurveyReportStatus>(r.Str("status")));
  m.set_decision_note(r.Str("decision_note"));
  if (!r.Str("decider_user").empty() || !r.Str("decider_role").empty()) {
    common::v1::Actor* by = m.mutable_decided_by();
    by->set_user_id(r.Str("decider_user"));
    by->set_role(r.Str("decider_role"));
    by->set_rep_id(r.Int("decider_rep"));
    by->set_org_unit_id(r.Int("decider_unit"));
  }
  *m.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  if (!r.IsNull("decided_at")) *m.mutable_decide_time() = ToTimestamp(ParseDbTime(r.Str("decided_at")));
  out.version = r.Int("version");
  m.set_etag(MakeEtag(out.version));
  return out;
}

constexpr char kCallColumns[] =
    "id, office_id, kind, call_time, lead_id, note, actor_user, actor_role, actor_rep, actor_unit";

v1::ReceptionCall CallOf(const db::Row& r) {
  v1::ReceptionCall c;
  c.set_id(r.Int("id"));
  c.set_office_id(r.Int("office_id"));
  c.set_kind(EnumParse<v1::CallKind>(r.Str("kind")));
  *c.mutable_call_time() = ToTimestamp(ParseDbTime(r.Str("call_time")));
  c.set_lead_id(r.Int("lead_id"));
  c.set_note(r.Str("note"));
  *c.mutable_recorded_by() = ActorOf(r);
  return c;
}

}  // namespace

std::string InList(size_t n) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&out, i == 0 ? "?" : ", ?");
  return out + ")";
}

namespace {

// Narrows a list for a caller who does not read everything to the rows of
// their offices or their own (`rep_column`); false when that is nothing.
bool AppendReadScope(std::string& sql, db::Params& params, const std::vector<int64_t>& offices, int64_t scope_rep_id,
                     const char* rep_column) {
  if (offices.empty() && scope_rep_id == 0) return false;
  std::string scope = "(0 = 1";
  if (!offices.empty()) {
    absl::StrAppend(&scope, " OR office_id IN (", db::AppendInList(offices, params), ")");
  }
  if (scope_rep_id != 0) {
    absl::StrAppend(&scope, " OR ", rep_column, " = ?");
    params.push_back(scope_rep_id);
  }
  absl::StrAppend(&sql, " AND ", scope, ")");
  return true;
}

}  // namespace

// ---- rotations -------------------------------------------------------------

v1::Rotation ToProto(const RotationRecord& r) {
  v1::Rotation out;
  out.set_id(r.id);
  out.set_office_id(r.office_id);
  for (size_t i = 0; i < r.state.members.size(); ++i) {
    const RotationSlot& slot = r.state.members[i];
    auto* m = out.add_members();
    m->set_rep_id(slot.rep_id);
    m->set_position(i < r.positions.size() ? r.positions[i] : static_cast<int32_t>(i + 1));
    m->set_banked_turns(BankedTurns(r.state, slot.rep_id));
    m->set_make_up_turns(MakeUpTurns(r.state, slot.rep_id));
    m->set_active(slot.active);
  }
  auto next = PreviewNext(r.state, {});
  if (next.ok()) out.set_next_rep_id(next->rep_id);
  out.set_etag(MakeEtag(r.version));
  *out.mutable_create_time() = ToTimestamp(r.created_at);
  *out.mutable_update_time() = ToTimestamp(r.updated_at);
  return out;
}

namespace {

// Fills the members and owed turns of the rotations, in two statements
// however many rotations there are.
absl::Status LoadMembers(db::Transaction& tx, std::vector<RotationRecord>& rotations) {
  if (rotations.empty()) return absl::OkStatus();
  std::map<int64_t, RotationRecord*> by_id;
  std::vector<int64_t> ids;
  for (RotationRecord& r : rotations) {
    by_id[r.id] = &r;
    ids.push_back(r.id);
  }
  db::Params params;
  const std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto members, tx.Query(absl::StrCat("SELECT rotation_id, position, rep_id, active "
                                                             "FROM rotation_members WHERE rotation_id IN (",
                                                             in, ") ORDER BY rotation_id, position"),
                                                params));
  for (const auto& m : members) {
    auto it = by_id.find(m.Int("rotation_id"));
    if (it == by_id.end()) continue;
    RotationRecord& r = *it->second;
    r.positions.push_back(static_cast<int32_t>(m.Int("position")));
    r.state.members.push_back({m.Int("rep_id"), m.Int("active") != 0});
  }
  SALES_ASSIGN_OR_RETURN(auto owed, tx.Query(absl::StrCat("SELECT rotation_id, rep_id, kind FROM rotation_owed_turns "
                                                          "WHERE rotation_id IN (",
                                                          in, ") ORDER BY rotation_id, seq"),
                                             params));
  for (const auto& o : owed) {
    auto it = by_id.find(o.Int("rotation_id"));
    if (it == by_id.end()) continue;
    it->second->state.owed.push_back({o.Int("rep_id"), OwedTurnKindFromName(o.Str("kind"))});
  }
  return absl::OkStatus();
}

RotationRecord RotationOf(const db::Row& r) {
  RotationRecord out;
  out.id = r.Int("id");
  out.office_id = r.Int("office_id");
  out.state.cursor = static_cast<size_t>(r.Int("cursor_pos"));
  out.version = r.Int("version");
  out.created_at = ParseDbTime(r.Str("created_at"));
  out.updated_at = ParseDbTime(r.Str("updated_at"));
  return out;
}

absl::Status WriteMembers(db::Transaction& tx, const RotationRecord& r) {
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM rotation_members WHERE rotation_id = ?", {r.id}).status());
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM rotation_owed_turns WHERE rotation_id = ?", {r.id}).status());
  for (size_t i = 0; i < r.state.members.size(); ++i) {
    const int64_t pos = i < r.positions.size() ? r.positions[i] : static_cast<int64_t>(i + 1);
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO rotation_members (rotation_id, position, rep_id, active) "
                "VALUES (?, ?, ?, ?)",
                {r.id, pos, r.state.members[i].rep_id, static_cast<int64_t>(r.state.members[i].active ? 1 : 0)})
            .status());
  }
  for (size_t i = 0; i < r.state.owed.size(); ++i) {
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO rotation_owed_turns (rotation_id, seq, rep_id, kind) VALUES (?, ?, ?, ?)",
                {r.id, static_cast<int64_t>(i + 1), r.state.owed[i].rep_id, std::string(ToName(r.state.owed[i].kind))})
            .status());
  }
  return absl::OkStatus();
}

constexpr char kRotationColumns[] = "id, office_id, cursor_pos, version, created_at, updated_at";

}  // namespace

absl::StatusOr<std::optional<RotationRecord>> RotationStore::ByOffice(db::Transaction& tx, int64_t office_id,
                                                                      bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kRotationColumns, " FROM rotations WHERE office_id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {office_id}));
  if (rows.empty()) return std::optional<RotationRecord>();
  std::vector<RotationRecord> found{RotationOf(rows[0])};
  SALES_RETURN_IF_ERROR(LoadMembers(tx, found));
  return std::optional<RotationRecord>(std::move(found[0]));
}

absl::StatusOr<RotationRecord> RotationStore::Insert(db::Transaction& tx, int64_t office_id, const RotationState& state,
                                                     const std::vector<int32_t>& positions, absl::Time now) {
  auto inserted = tx.Exec(
      "INSERT INTO rotations (office_id, cursor_pos, version, created_at, updated_at) "
      "VALUES (?, ?, 1, ?, ?)",
      {office_id, static_cast<int64_t>(state.cursor), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(inserted.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("office ", office_id, " already has a rotation")),
                         "ROTATION_EXISTS", kCustomersDomain, {{"office_id", absl::StrCat(office_id)}});
  }
  SALES_RETURN_IF_ERROR(inserted.status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  RotationRecord r;
  r.id = id;
  r.office_id = office_id;
  r.state = state;
  r.positions = positions;
  r.version = 1;
  r.created_at = r.updated_at = now;
  SALES_RETURN_IF_ERROR(WriteMembers(tx, r));
  return r;
}

absl::StatusOr<RotationRecord> RotationStore::Save(db::Transaction& tx, const RotationRecord& r, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE rotations SET cursor_pos = ?, version = version + 1, updated_at = ? "
                                "WHERE id = ?",
                                {static_cast<int64_t>(r.state.cursor), FormatDbTime(now), r.id})
                            .status());
  SALES_RETURN_IF_ERROR(WriteMembers(tx, r));
  RotationRecord out = r;
  out.version = r.version + 1;
  out.updated_at = now;
  return out;
}

absl::Status RotationStore::RecordChange(db::Transaction& tx, int64_t rotation_id, const common::v1::Actor& who,
                                         const std::string& members, const std::string& reason, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO rotation_changes (rotation_id, at, actor_user, actor_role, actor_rep, members, reason) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          {rotation_id, FormatDbTime(now), who.user_id(), who.role(), who.rep_id(), members.substr(0, 2000),
           reason.substr(0, 1000)})
      .status();
}

absl::StatusOr<std::vector<RotationRecord>> RotationStore::List(db::Transaction& tx, bool all,
                                                                const std::vector<int64_t>& offices,
                                                                int64_t after_office, int limit) {
  std::vector<RotationRecord> out;
  if (!all && offices.empty()) return out;
  std::string sql = absl::StrCat("SELECT ", kRotationColumns, " FROM rotations WHERE office_id > ?");
  db::Params params{after_office};
  if (!all) AppendIn(sql, params, "office_id", offices);
  absl::StrAppend(&sql, " ORDER BY office_id LIMIT ?");
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& row : rows) out.push_back(RotationOf(row));
  SALES_RETURN_IF_ERROR(LoadMembers(tx, out));
  return out;
}

absl::StatusOr<std::vector<int64_t>> RotationStore::OfficesOfMember(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT r.office_id FROM rotations r JOIN rotation_members m "
                                             "ON m.rotation_id = r.id WHERE m.rep_id = ?",
                                             {rep_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("office_id"));
  return out;
}

// ---- absences ----------------------------------------------------------------

absl::StatusOr<AbsenceRecord> AbsenceStore::Insert(db::Transaction& tx, const v1::RepAbsence& a,
                                                   const common::v1::Actor& who, absl::Time now) {
  db::Params p{a.rep_id(),
               a.office_id(),
               EnumShort(a.kind()),
               FormatDbTime(FromTimestamp(a.start_time())),
               a.has_end_time() ? db::Param(FormatDbTime(FromTimestamp(a.end_time()))) : db::Param(nullptr),
               a.reason()};
  Append(p, ActorParams(who));
  p.push_back(FormatDbTime(now));
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO rep_absences (rep_id, office_id, kind, start_time, end_time, reason, "
                                "actor_user, actor_role, actor_rep, actor_unit, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                p)
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<AbsenceRecord> AbsenceStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kAbsenceColumns, " FROM rep_absences WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("absence", id);
  return AbsenceOf(rows[0]);
}

absl::StatusOr<std::optional<v1::RepAbsence>> AbsenceStore::Overlapping(db::Transaction& tx, int64_t rep_id,
                                                                        absl::Time start, std::optional<absl::Time> end,
                                                                        int64_t exclude_id) {
  // Locks the rep's absences so two overlapping recordings cannot both pass.
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kAbsenceColumns, " FROM rep_absences WHERE rep_id = ? FOR UPDATE"), {rep_id}));
  for (const auto& row : rows) {
    AbsenceRecord r = AbsenceOf(row);
    if (r.absence.cancelled() || r.absence.id() == exclude_id) continue;
    absl::Time s = FromTimestamp(r.absence.start_time());
    std::optional<absl::Time> e;
    if (r.absence.has_end_time()) e = FromTimestamp(r.absence.end_time());
    const bool starts_before_other_ends = !e.has_value() || start < *e;
    const bool other_starts_before_end = !end.has_value() || s < *end;
    if (starts_before_other_ends && other_starts_before_end) return std::optional<v1::RepAbsence>(r.absence);
  }
  return std::optional<v1::RepAbsence>();
}

absl::Status AbsenceStore::SetEnd(db::Transaction& tx, int64_t id, absl::Time end) {
  return tx.Exec("UPDATE rep_absences SET end_time = ?, version = version + 1 WHERE id = ?", {FormatDbTime(end), id})
      .status();
}

absl::Status AbsenceStore::Cancel(db::Transaction& tx, int64_t id, const std::string& reason) {
  return tx
      .Exec("UPDATE rep_absences SET cancelled = 1, cancel_reason = ?, version = version + 1 WHERE id = ?",
            {reason, id})
      .status();
}

absl::StatusOr<Absences> AbsenceStore::AwayAt(db::Transaction& tx, const std::vector<int64_t>& rep_ids, absl::Time at) {
  Absences out;
  if (rep_ids.empty()) return out;
  std::string sql =
      "SELECT rep_id, kind FROM rep_absences WHERE cancelled = 0 AND start_time <= ? "
      "AND (end_time IS NULL OR end_time > ?)";
  db::Params params{FormatDbTime(at), FormatDbTime(at)};
  AppendIn(sql, params, "rep_id", rep_ids);
  absl::StrAppend(&sql, " ORDER BY id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out[r.Int("rep_id")] = EnumParse<v1::AbsenceKind>(r.Str("kind"));
  return out;
}

absl::StatusOr<std::vector<v1::RepAbsence>> AbsenceStore::List(db::Transaction& tx, const Filter& f) {
  std::vector<v1::RepAbsence> out;
  std::string sql = absl::StrCat("SELECT ", kAbsenceColumns, " FROM rep_absences WHERE 1 = 1");
  db::Params params;
  if (!f.all && !AppendReadScope(sql, params, f.offices, f.scope_rep_id, "rep_id")) return out;
  if (f.office_id != 0) {
    absl::StrAppend(&sql, " AND office_id = ?");
    params.push_back(f.office_id);
  }
  if (f.rep_id != 0) {
    absl::StrAppend(&sql, " AND rep_id = ?");
    params.push_back(f.rep_id);
  }
  if (f.active_at.has_value()) {
    absl::StrAppend(&sql, " AND cancelled = 0 AND start_time <= ? AND (end_time IS NULL OR end_time > ?)");
    params.push_back(FormatDbTime(*f.active_at));
    params.push_back(FormatDbTime(*f.active_at));
  }
  if (f.before_id > 0) {
    absl::StrAppend(&sql, " AND id < ?");
    params.push_back(f.before_id);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  params.push_back(static_cast<int64_t>(f.limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out.push_back(AbsenceOf(r).absence);
  return out;
}

// ---- leads -------------------------------------------------------------------

absl::StatusOr<LeadRecord> LeadStore::Insert(db::Transaction& tx, const LeadRecord& r, const common::v1::Actor& who,
                                             absl::Time now) {
  const v1::Lead& l = r.lead;
  db::Params p{l.office_id(),
               EnumShort(l.channel()),
               l.customer_id(),
               l.assigned_rep_id(),
               r.assigned_unit_id,
               EnumShort(l.outcome()),
               EnumShort(r.turn_outcome),
               EncodeSkipped(l.skipped()),
               static_cast<int64_t>(l.party_size()),
               l.inquiry(),
               r.contact_name,
               r.contact_phone,
               EnumShort(static_cast<v1::CustomerType>(r.customer_type)),
               r.region,
               r.city,
               FormatDbTime(now),
               FormatDbDate(FromCivilDay(BusinessDay(now)))};
  Append(p, ActorParams(who));
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO leads (office_id, channel, customer_id, assigned_rep_id, assigned_unit_id, outcome, "
              "turn_outcome, skipped, party_size, inquiry, contact_name, contact_phone, customer_type, region, city, "
              "receive_time, business_date, actor_user, actor_role, actor_rep, actor_unit) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              p)
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<LeadRecord> LeadStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kLeadColumns, " FROM leads WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("lead", id);
  return LeadOf(rows[0]);
}

absl::Status LeadStore::SetCustomer(db::Transaction& tx, int64_t id, int64_t customer_id) {
  return tx.Exec("UPDATE leads SET customer_id = ? WHERE id = ?", {customer_id, id}).status();
}

absl::Status LeadStore::Reassign(db::Transaction& tx, int64_t id, int64_t rep_id, int64_t unit_id,
                                 v1::LeadOutcome outcome, const std::string& reason, int64_t customer_id) {
  return tx
      .Exec(
          "UPDATE leads SET assigned_rep_id = ?, assigned_unit_id = ?, outcome = ?, reassign_reason = ?, "
          "customer_id = ?, version = version + 1 WHERE id = ?",
          {rep_id, unit_id, EnumShort(outcome), reason, customer_id, id})
      .status();
}

absl::Status LeadStore::SetOutcome(db::Transaction& tx, int64_t id, v1::LeadOutcome outcome) {
  return tx.Exec("UPDATE leads SET outcome = ?, version = version + 1 WHERE id = ?", {EnumShort(outcome), id}).status();
}

absl::StatusOr<std::vector<v1::Lead>> LeadStore::List(db::Transaction& tx, const Filter& f) {
  std::vector<v1::Lead> out;
  std::string sql = absl::StrCat("SELECT ", kLeadColumns, " FROM leads WHERE 1 = 1");
  db::Params params;
  if (!f.all && !AppendReadScope(sql, params, f.offices, f.scope_rep_id, "assigned_rep_id")) return out;
  if (f.office_id != 0) {
    absl::StrAppend(&sql, " AND office_id = ?");
    params.push_back(f.office_id);
  }
  if (f.rep_id != 0) {
    absl::StrAppend(&sql, " AND assigned_rep_id = ?");
    params.push_back(f.rep_id);
  }
  if (f.from.has_value()) {
    absl::StrAppend(&sql, " AND business_date >= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.from)));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&sql, " AND business_date <= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.to)));
  }
  if (!f.outcomes.empty()) AppendIn(sql, params, "outcome", EnumShortNames<v1::LeadOutcome>(f.outcomes));
  if (f.channel != 0) {
    absl::StrAppend(&sql, " AND channel = ?");
    params.push_back(EnumShort(static_cast<v1::LeadChannel>(f.channel)));
  }
  if (f.before_id > 0) {
    absl::StrAppend(&sql, " AND id < ?");
    params.push_back(f.before_id);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  params.push_back(static_cast<int64_t>(f.limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out.push_back(LeadOf(r).lead);
  return out;
}

// ---- market-survey reports ---------------------------------------------------

absl::StatusOr<SurveyRecord> SurveyStore::Insert(db::Transaction& tx, int64_t lead_id, int64_t rep_id,
                                                 int64_t office_id, const std::string& reason, absl::Time now) {
  auto inserted = tx.Exec(
      "INSERT INTO market_survey_reports (lead_id, rep_id, office_id, reason, status, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {lead_id, rep_id, office_id, reason, EnumShort(v1::MARKET_SURVEY_REPORT_STATUS_PENDING), FormatDbTime(now)});
  SALES_RETURN_IF_ERROR(inserted.status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<SurveyRecord> SurveyStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kSurveyColumns, " FROM market_survey_reports WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("market survey report", id);
  return SurveyOf(rows[0]);
}

absl::Status SurveyStore::Decide(db::Transaction& tx, int64_t id, v1::MarketSurveyReportStatus status,
                                 const std::string& note, const common::v1::Actor& who, absl::Time now) {
  db::Params p{EnumShort(status), note};
  Append(p, ActorParams(who));
  p.push_back(FormatDbTime(now));
  p.push_back(id);
  return tx
      .Exec(
          "UPDATE market_survey_reports SET status = ?, decision_note = ?, decider_user = ?, "
          "decider_role = ?, decider_rep = ?, decider_unit = ?, decided_at = ?, version = version + 1 "
          "WHERE id = ?",
          p)
      .status();
}

absl::StatusOr<std::vector<SurveyRecord>> SurveyStore::List(db::Transaction& tx, const Filter& f) {
  std::vector<SurveyRecord> out;
  std::string sql = absl::StrCat("SELECT ", kSurveyColumns, " FROM market_survey_reports WHERE 1 = 1");
  db::Params params;
  if (!f.all && !AppendReadScope(sql, params, f.offices, f.scope_rep_id, "rep_id")) return out;
  if (!f.statuses.empty()) AppendIn(sql, params, "status", EnumShortNames<v1::MarketSurveyReportStatus>(f.statuses));
  if (f.rep_id != 0) {
    absl::StrAppend(&sql, " AND rep_id = ?");
    params.push_back(f.rep_id);
  }
  if (f.office_id != 0) {
    absl::StrAppend(&sql, " AND office_id = ?");
    params.push_back(f.office_id);
  }
  if (f.before_id > 0) {
    absl::StrAppend(&sql, " AND id < ?");
    params.push_back(f.before_id);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  params.push_back(static_cast<int64_t>(f.limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out.push_back(SurveyOf(r));
  return out;
}

// ---- reception calls -----------------------------------------------------------

absl::StatusOr<v1::ReceptionCall> CallStore::Insert(db::Transaction& tx, const v1::ReceptionCall& c,
                                                    const common::v1::Actor& who) {
  const absl::Time at = FromTimestamp(c.call_time());
  db::Params p{c.office_id(),    EnumShort(c.kind()),
               FormatDbTime(at), FormatDbDate(FromCivilDay(BusinessDay(at))),
               c.lead_id(),      c.note()};
  Append(p, ActorParams(who));
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO reception_calls (office_id, kind, call_time, business_date, lead_id, "
                                "note, actor_user, actor_role, actor_rep, actor_unit) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                p)
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kCallColumns, " FROM reception_calls WHERE id = ?"), {id}));
  if (rows.empty()) return absl::InternalError("reception call vanished after insert");
  return CallOf(rows[0]);
}

absl::StatusOr<std::vector<v1::ReceptionCall>> CallStore::List(db::Transaction& tx, const Filter& f) {
  std::vector<v1::ReceptionCall> out;
  std::string sql = absl::StrCat("SELECT ", kCallColumns, " FROM reception_calls WHERE 1 = 1");
  db::Params params;
  if (!f.all) {
    if (f.offices.empty()) return out;
    AppendIn(sql, params, "office_id", f.offices);
  }
  if (f.office_id != 0) {
    absl::StrAppend(&sql, " AND office_id = ?");
    params.push_back(f.office_id);
  }
  if (f.from.has_value()) {
    absl::StrAppend(&sql, " AND business_date >= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.from)));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&sql, " AND business_date <= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.to)));
  }
  if (f.before_id > 0) {
    absl::StrAppend(&sql, " AND id < ?");
    params.push_back(f.before_id);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  params.push_back(static_cast<int64_t>(f.limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out.push_back(CallOf(r));
  return out;
}

// ---- reception report ----------------------------------------------------------

absl::StatusOr<std::map<std::pair<int64_t, absl::CivilDay>, ReceptionCounts>> ReceptionReportStore::Counts(
    db::Transaction& tx, const std::vector<int64_t>& offices, absl::CivilDay from, absl::CivilDay to) {
  std::map<std::pair<int64_t, absl::CivilDay>, ReceptionCounts> out;
  if (offices.empty()) return out;
  const std::string a = FormatDbDate(FromCivilDay(from)), b = FormatDbDate(FromCivilDay(to));
  {
    std::string sql =
        "SELECT office_id, business_date, "
        "SUM(channel = 'WALK_IN') AS walk_in, SUM(channel = 'HOTLINE') AS hotline, "
        "SUM(outcome = 'ROUTED_TO_OWNER') AS routed, SUM(outcome = 'MARKET_SURVEY') AS surveys "
        "FROM leads WHERE business_date BETWEEN ? AND ?";
    db::Params params{a, b};
    AppendIn(sql, params, "office_id", offices);
    absl::StrAppend(&sql, " GROUP BY office_id, business_date");
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    for (const auto& r : rows) {
      ReceptionCounts& c = out[{r.Int("office_id"), ToCivilDay(ParseDbDate(r.Str("business_date")))}];
      c.walk_in = static_cast<int32_t>(r.Int("walk_in"));
      c.hotline = static_cast<int32_t>(r.Int("hotline"));
      c.routed = static_cast<int32_t>(r.Int("routed"));
      c.surveys = static_cast<int32_t>(r.Int("surveys"));
    }
  }
  {
    std::string sql =
        "SELECT office_id, business_date, COUNT(*) AS calls, SUM(kind = 'NEW_CUSTOMER') AS new_customer_calls "
        "FROM reception_calls "
        "WHERE business_date BETWEEN ? AND ?";
    db::Params params{a, b};
    AppendIn(sql, params, "office_id", offices);
    absl::StrAppend(&sql, " GROUP BY office_id, business_date");
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    for (const auto& r : rows) {
      ReceptionCounts& c = out[{r.Int("office_id"), ToCivilDay(ParseDbDate(r.Str("business_date")))}];
      c.calls = static_cast<int32_t>(r.Int("calls"));
      c.new_customer_calls = static_cast<int32_t>(r.Int("new_customer_calls"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReceptionReportStore::KnownOffices(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT office_id FROM rotations UNION SELECT office_id FROM leads "
                                             "UNION SELECT office_id FROM reception_calls ORDER BY 1"));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("office_id"));
  return out;
}

}  // namespace sales::customers
