#include "customers-svc/store/complaint_store.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/store/rotation_store.h"
#include "platform/convert.h"
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
  c.set_id(r.Int(0));
  c.set_customer_id(r.Int(1));
  *c.mutable_received_date() = ParseDbDate(r.Str(2));
  c.set_category(static_cast<v1::ComplaintCategory>(r.Int(3)));
  c.set_severity(static_cast<v1::ComplaintSeverity>(r.Int(4)));
  c.set_subject(r.Str(5));
  c.set_description(r.Str(6));
  c.set_order_id(r.Int(7));
  c.set_status(static_cast<v1::ComplaintStatus>(r.Int(8)));
  c.set_handler_rep_id(r.Int(9));
  c.set_owner_rep_id(r.Int(10));
  c.set_org_unit_id(r.Int(11));
  c.set_resolution(r.Str(12));
  c.set_customer_answer(r.Str(13));
  if (!r.IsNull(14)) *c.mutable_answer_date() = ParseDbDate(r.Str(14));
  c.set_escalated(r.Int(15) != 0);
  c.set_escalation_reason(r.Str(16));
  auto* by = c.mutable_recorded_by();
  by->set_user_id(r.Str(17));
  by->set_role(r.Str(18));
  by->set_rep_id(r.Int(19));
  by->set_org_unit_id(r.Int(20));
  *c.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str(21)));
  *c.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str(22)));
  if (!r.IsNull(23)) *c.mutable_close_time() = ToTimestamp(ParseDbTime(r.Str(23)));
  out.version = r.Int(24);
  c.set_etag(MakeEtag(out.version));
  return out;
}

void AppendIn(std::string& sql, db::Params& params, const char* column, const std::vector<int64_t>& ids) {
  absl::StrAppend(&sql, " AND ", column, " IN (", db::AppendInList(ids, params), ")");
}

}  // namespace

absl::StatusOr<ComplaintRecord> ComplaintStore::Insert(db::Transaction& tx, const v1::Complaint& c,
                                                       const common::v1::Actor& who, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO complaints (customer_id, received_date, category, severity, subject, description, "
              "order_id, status, handler_rep_id, owner_rep_id, org_unit_id, resolution, customer_answer, escalated, "
              "escalation_reason, actor_user, actor_role, actor_rep, actor_unit, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?, ?)",
              {c.customer_id(), FormatDbDate(c.received_date()), static_cast<int64_t>(c.category()),
               static_cast<int64_t>(c.severity()), c.subject(), c.description(), c.order_id(),
               static_cast<int64_t>(c.status()), c.handler_rep_id(), c.owner_rep_id(), c.org_unit_id(),
               static_cast<int64_t>(c.escalated() ? 1 : 0), c.escalation_reason(), who.user_id(), who.role(),
               who.rep_id(), who.org_unit_id(), FormatDbTime(now), FormatDbTime(now)})
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
  return tx.Exec("UPDATE complaints SET status = ?, handler_rep_id = ?, resolution = ?, customer_answer = ?, "
                 "answer_date = ?, escalated = ?, escalation_reason = ?, closed_at = ?, updated_at = ?, "
                 "version = version + 1 WHERE id = ?",
                 {static_cast<int64_t>(c.status()), c.handler_rep_id(), c.resolution(), c.customer_answer(),
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
  return tx.Exec("INSERT INTO complaint_history (complaint_id, at, action, from_status, to_status, actor_user, "
                 "actor_role, actor_rep, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {complaint_id, FormatDbTime(now), action, static_cast<int64_t>(from), static_cast<int64_t>(to),
                  who.user_id(), who.role(), who.rep_id(), reason.substr(0, 2000), request_id})
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
  if (!f.statuses.empty()) AppendIn(sql, params, "status", f.statuses);
  if (f.open_only) absl::StrAppend(&sql, " AND status <> ", static_cast<int>(v1::COMPLAINT_STATUS_CLOSED));
  if (!f.severities.empty()) AppendIn(sql, params, "severity", f.severities);
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
  std::string sql = absl::StrCat("SELECT customer_id, COUNT(*) FROM complaints WHERE status <> ",
                                 static_cast<int>(v1::COMPLAINT_STATUS_CLOSED), " AND customer_id IN (",
                                 db::AppendInList(customer_ids, params), ") GROUP BY customer_id");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  for (const auto& r : rows) out[r.Int(0)] = static_cast<int32_t>(r.Int(1));
  return out;
}

}  // namespace sales::customers
