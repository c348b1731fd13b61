#include "customers-svc/store/complaint_store.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kColumns[] =
    "id, customer_id, received_date, category, severity, subject, description, order_id, status, handler_rep_id, "
    "owner_rep_id, org_unit_id, resolution, customer_answer, answer_date, escalated, escalation_reason, actor_user, "
    "actor_role, actor_rep, actor_unit, created_at, updated_at, closed_at, version";

ComplaintRecord Of(const db::Row& r) {
  ComplaintRecord out;
  v1::Complaint& c = out.complaint;
  c.set_id(r.Int("id"));
  c.set_customer_id(r.Int("customer_id"));
  *c.mutable_received_date() = ParseDbDate(r.Str("received_date"));
  c.set_category(EnumParse<v1::ComplaintCategory>(r.Str("category")));
  c.set_severity(EnumParse<v1::ComplaintSeverity>(r.Str("severity")));
  c.set_subject(r.Str("subject"));
  c.set_description(r.Str("description"));
  c.set_order_id(r.Int("order_id"));
  c.set_status(EnumParse<v1::ComplaintStatus>(r.Str("status")));
  c.set_handler_rep_id(r.Int("handler_rep_id"));
  c.set_owner_rep_id(r.Int("owner_rep_id"));
  c.set_org_unit_id(r.Int("org_unit_id"));
  c.set_resolution(r.Str("resolution"));
  c.set_customer_answer(r.Str("customer_answer"));
  if (!r.IsNull("answer_date")) *c.mutable_answer_date() = ParseDbDate(r.Str("answer_date"));
  c.set_escalated(r.Int("escalated") != 0);
  c.set_escalation_reason(r.Str("escalation_reason"));
  auto* by = c.mutable_recorded_by();
  by->set_user_id(r.Str("actor_user"));
  by->set_role(r.Str("actor_role"));
  by->set_rep_id(r.Int("actor_rep"));
  by->set_org_unit_id(r.Int("actor_unit"));
  *c.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *c.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  if (!r.IsNull("closed_at")) *c.mutable_close_time() = ToTimestamp(ParseDbTime(r.Str("closed_at")));
  out.version = r.Int("version");
  c.set_etag(MakeEtag(out.version));
  return out;
}

template <typename Values>
void AppendIn(std::string& sql, db::Params& params, const char* column, const Values& values) {
  absl::StrAppend(&sql, " AND ", column, " IN (", db::AppendInList(values, params), ")");
}

}  // namespace

absl::StatusOr<ComplaintRecord> ComplaintStore::Insert(db::Transaction& tx, const v1::Complaint& c,
                                                       const common::v1::Actor& who, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO complaints (customer_id, received_date, category, severity, subject, description, "
              "order_id, status, handler_rep_id, owner_rep_id, org_unit_id, resolution, customer_answer, escalated, "
              "escalation_reason, actor_user, actor_role, actor_rep, actor_unit, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?, ?)",
              {c.customer_id(), FormatDbDate(c.received_date()), EnumShort(c.category()), EnumShort(c.severity()),
               c.subject(), c.description(), c.order_id(), EnumShort(c.status()), c.handler_rep_id(), c.owner_rep_id(),
               c.org_unit_id(), static_cast<int64_t>(c.escalated() ? 1 : 0), c.escalation_reason(), who.user_id(),
               who.role(), who.rep_id(), who.org_unit_id(), FormatDbTime(now), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<ComplaintRecord> ComplaintStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("complaint", id);
  return Of(rows[0]);
}

absl::Status ComplaintStore::Save(db::Transaction& tx, const v1::Complaint& c, absl::Time now) {
  return tx
      .Exec(
          "UPDATE complaints SET status = ?, handler_rep_id = ?, resolution = ?, customer_answer = ?, "
          "answer_date = ?, escalated = ?, escalation_reason = ?, closed_at = ?, updated_at = ?, "
          "version = version + 1 WHERE id = ?",
          {EnumShort(c.status()), c.handler_rep_id(), c.resolution(), c.customer_answer(),
           c.has_answer_date() ? db::Param(FormatDbDate(c.answer_date())) : db::Param(nullptr),
           static_cast<int64_t>(c.escalated() ? 1 : 0), c.escalation_reason(),
           c.has_close_time() ? db::Param(FormatDbTime(FromTimestamp(c.close_time()))) : db::Param(nullptr),
           FormatDbTime(now), c.id()})
      .status();
}

absl::Status ComplaintStore::AppendHistory(db::Transaction& tx, int64_t complaint_id, const std::string& action,
                                           v1::ComplaintStatus from, v1::ComplaintStatus to,
                                           const common::v1::Actor& who, const std::string& reason,
                                           const std::string& request_id, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO complaint_history (complaint_id, at, action, from_status, to_status, actor_user, "
          "actor_role, actor_rep, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {complaint_id, FormatDbTime(now), action, EnumShort(from), EnumShort(to), who.user_id(), who.role(),
           who.rep_id(), reason.substr(0, 2000), request_id})
      .status();
}

absl::StatusOr<std::vector<v1::Complaint>> ComplaintStore::List(db::Transaction& tx, const Filter& f) {
  std::vector<v1::Complaint> out;
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM complaints WHERE 1 = 1");
  db::Params params;
  if (!f.all) {
    if (f.units.empty() && f.scope_rep_id == 0) return out;
    std::string scope = "(0 = 1";
    if (!f.units.empty()) {
      absl::StrAppend(&scope, " OR org_unit_id IN (", db::AppendInList(f.units, params), ")");
    }
    if (f.scope_rep_id != 0) {
      absl::StrAppend(&scope, " OR owner_rep_id = ? OR handler_rep_id = ?");
      params.push_back(f.scope_rep_id);
      params.push_back(f.scope_rep_id);
    }
    absl::StrAppend(&sql, " AND ", scope, ")");
  }
  if (f.customer_id != 0) {
    absl::StrAppend(&sql, " AND customer_id = ?");
    params.push_back(f.customer_id);
  }
  if (!f.statuses.empty()) AppendIn(sql, params, "status", EnumShortNames<v1::ComplaintStatus>(f.statuses));
  if (f.open_only) absl::StrAppend(&sql, " AND status <> 'CLOSED'");
  if (!f.severities.empty()) AppendIn(sql, params, "severity", EnumShortNames<v1::ComplaintSeverity>(f.severities));
  if (f.handler_rep_id != 0) {
    absl::StrAppend(&sql, " AND handler_rep_id = ?");
    params.push_back(f.handler_rep_id);
  }
  if (!f.org_units.empty()) AppendIn(sql, params, "org_unit_id", f.org_units);
  if (f.from.has_value()) {
    absl::StrAppend(&sql, " AND received_date >= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.from)));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&sql, " AND received_date <= ?");
    params.push_back(FormatDbDate(FromCivilDay(*f.to)));
  }
  if (f.escalated_only) absl::StrAppend(&sql, " AND escalated = 1");
  if (f.before_id > 0) {
    absl::StrAppend(&sql, " AND id < ?");
    params.push_back(f.before_id);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
  params.push_back(static_cast<int64_t>(f.limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out.push_back(Of(r).complaint);
  return out;
}

absl::StatusOr<std::map<int64_t, int32_t>> ComplaintStore::OpenCountFor(db::Transaction& tx,
                                                                        const std::vector<int64_t>& customer_ids) {
  std::map<int64_t, int32_t> out;
  if (customer_ids.empty()) return out;
  db::Params params;
  std::string sql = absl::StrCat(
      "SELECT customer_id, COUNT(*) AS open_count FROM complaints WHERE status <> 'CLOSED' AND customer_id IN (",
      db::AppendInList(customer_ids, params), ") GROUP BY customer_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out[r.Int("customer_id")] = static_cast<int32_t>(r.Int("open_count"));
  return out;
}

}  // namespace sales::customers
