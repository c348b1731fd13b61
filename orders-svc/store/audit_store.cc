#include "orders-svc/store/audit_store.h"

#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::orders {

common::v1::Actor ActorOf(const Principal& p) {
  common::v1::Actor a;
  a.set_user_id(p.user_id);
  a.set_role(p.role);
  a.set_rep_id(p.rep_id);
  a.set_org_unit_id(p.org_unit_id);
  return a;
}

absl::Status AuditStore::Append(db::Transaction& tx, const AuditRecord& rec, const Principal& actor,
                                absl::string_view request_id, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO audit_entries (subject_type, subject_id, at, actor_user, actor_role, actor_rep, "
      "actor_unit, action, from_value, to_value, reason, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
      {EnumShort(rec.subject_type), rec.subject_id, FormatDbTime(now), actor.user_id, actor.role, actor.rep_id,
       actor.org_unit_id, rec.action, rec.from_value.substr(0, 500), rec.to_value.substr(0, 500),
       rec.reason.substr(0, 1000), std::string(request_id)});
  return st.status();
}

absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditStore::List(db::Transaction& tx, v1::SubjectType type,
                                                                     int64_t subject_id, int64_t after_id, int limit) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id, at, actor_user, actor_role, actor_rep, actor_unit, action, from_value, "
                                  "to_value, reason, request_id FROM audit_entries "
                                  "WHERE subject_type = ? AND subject_id = ? AND id > ? ORDER BY id LIMIT ?",
                                  {EnumShort(type), subject_id, after_id, static_cast<int64_t>(limit)}));
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

}  // namespace sales::orders
