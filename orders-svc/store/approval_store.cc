#include "orders-svc/store/approval_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "orders-svc/store/audit_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kColumns[] =
    "SELECT id, subject_type, subject_id, level, triggers, line_ids, fee_ids, status, requester_user, "
    "requester_rep, decided_user, decided_role, decided_rep, decided_unit, decided_at, reason, requested_at "
    "FROM approval_steps ";

std::vector<int64_t> Ids(const std::string& csv) {
  std::vector<int64_t> out;
  for (absl::string_view p : absl::StrSplit(csv, ',', absl::SkipEmpty())) {
    int64_t v = 0;
    if (absl::SimpleAtoi(p, &v)) out.push_back(v);
  }
  return out;
}

StoredStep FromRow(const db::Row& r) {
  StoredStep s;
  s.step.set_id(r.Int("id"));
  s.subject_type = EnumParse<v1::SubjectType>(r.Str("subject_type"));
  s.subject_id = r.Int("subject_id");
  s.step.set_level(EnumParse<v1::ApprovalLevel>(r.Str("level")));
  for (absl::string_view t : absl::StrSplit(r.Str("triggers"), ',', absl::SkipEmpty())) {
    s.step.add_triggers(EnumParse<v1::ApprovalTrigger>(t));
  }
  for (int64_t id : Ids(r.Str("line_ids"))) s.step.add_line_ids(id);
  for (int64_t id : Ids(r.Str("fee_ids"))) s.step.add_special_fee_ids(id);
  s.step.set_status(EnumParse<v1::ApprovalStepStatus>(r.Str("status")));
  s.requester_user = r.Str("requester_user");
  s.requester_rep = r.Int("requester_rep");
  if (!r.IsNull("decided_at")) {
    auto* a = s.step.mutable_decided_by();
    a->set_user_id(r.Str("decided_user"));
    a->set_role(r.Str("decided_role"));
    a->set_rep_id(r.Int("decided_rep"));
    a->set_org_unit_id(r.Int("decided_unit"));
    *s.step.mutable_decide_time() = ToTimestamp(ParseDbTime(r.Str("decided_at")));
  }
  s.step.set_reason(r.Str("reason"));
  *s.step.mutable_request_time() = ToTimestamp(ParseDbTime(r.Str("requested_at")));
  return s;
}

}  // namespace

absl::Status ApprovalStore::Insert(db::Transaction& tx, v1::SubjectType type, int64_t subject_id,
                                   const v1::ApprovalStep& step, const Principal& requester, absl::Time now) {
  std::vector<std::string> triggers;
  for (int t : step.triggers()) triggers.push_back(EnumShort(static_cast<v1::ApprovalTrigger>(t)));
  return tx
      .Exec(
          "INSERT INTO approval_steps (subject_type, subject_id, level, triggers, line_ids, fee_ids, status, "
          "requester_user, requester_rep, requested_at) VALUES (?,?,?,?,?,?,'PENDING',?,?,?)",
          {EnumShort(type), subject_id, EnumShort(step.level()), absl::StrJoin(triggers, ","),
           absl::StrJoin(step.line_ids(), ","), absl::StrJoin(step.special_fee_ids(), ","), requester.user_id,
           requester.rep_id, FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<StoredStep>> ApprovalStore::ForSubject(db::Transaction& tx, v1::SubjectType type,
                                                                  int64_t subject_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(std::string(kColumns) + "WHERE subject_type = ? AND subject_id = ? ORDER BY id",
                                  {EnumShort(type), subject_id}));
  std::vector<StoredStep> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::StatusOr<std::vector<StoredStep>> ApprovalStore::ForSubjects(db::Transaction& tx, v1::SubjectType type,
                                                                   const std::vector<int64_t>& subject_ids) {
  std::vector<StoredStep> out;
  if (subject_ids.empty()) return out;
  db::Params params = {EnumShort(type)};
  std::string in = db::AppendInList(subject_ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat(kColumns, "WHERE subject_type = ? AND subject_id IN (", in,
                                                          ") ORDER BY subject_id, id"),
                                             params));
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::Status ApprovalStore::Decide(db::Transaction& tx, int64_t step_id, v1::ApprovalStepStatus status,
                                   const Principal& by, absl::string_view reason, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(
      int64_t n, tx.Exec("UPDATE approval_steps SET status = ?, decided_user = ?, decided_role = ?, decided_rep = ?, "
                         "decided_unit = ?, decided_at = ?, reason = ? WHERE id = ? AND status = 'PENDING'",
                         {EnumShort(status), by.user_id, by.role, by.rep_id, by.org_unit_id, FormatDbTime(now),
                          std::string(reason).substr(0, 1000), step_id}));
  if (n != 1) return absl::AbortedError("approval step was decided concurrently");
  return absl::OkStatus();
}

absl::Status ApprovalStore::WithdrawPending(db::Transaction& tx, v1::SubjectType type, int64_t subject_id,
                                            absl::Time now) {
  return tx
      .Exec(
          "UPDATE approval_steps SET status = 'WITHDRAWN', decided_at = ? "
          "WHERE subject_type = ? AND subject_id = ? AND status = 'PENDING'",
          {FormatDbTime(now), EnumShort(type), subject_id})
      .status();
}

absl::StatusOr<std::vector<StoredStep>> ApprovalStore::Pending(db::Transaction& tx, v1::SubjectType type,
                                                               int64_t after_id, int limit) {
  std::string sql = std::string(kColumns) + "WHERE status = 'PENDING' AND id > ? ";
  db::Params params{after_id};
  if (type != v1::SUBJECT_TYPE_UNSPECIFIED) {
    sql += "AND subject_type = ? ";
    params.push_back(EnumShort(type));
  }
  sql += "ORDER BY id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<StoredStep> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

}  // namespace sales::orders
