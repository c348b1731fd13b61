#include "finance-svc/store/ledger_store.h"

#include "absl/strings/str_format.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::finance {

std::string DbDay(absl::CivilDay d) { return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day()); }
absl::CivilDay ParseDay(const std::string& s) { return ToCivilDay(ParseDbDate(s)); }

absl::StatusOr<int64_t> NumberingStore::Next(db::Transaction& tx, const std::string& kind, int year) {
  // Lock the year's row straight away (an exclusive lock from the start: an
  // INSERT IGNORE first would take a shared lock that two issues then both
  // try to upgrade, which deadlocks). Only the first number of a year
  // creates the row.
  const db::Params key = {kind, static_cast<int64_t>(year)};
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT last_sequence FROM document_counters "
                                             "WHERE kind = ? AND year = ? FOR UPDATE",
                                             key));
  if (rows.empty()) {
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT IGNORE INTO document_counters (kind, year, last_sequence) VALUES (?, ?, 0)", key).status());
    SALES_ASSIGN_OR_RETURN(rows, tx.Query("SELECT last_sequence FROM document_counters "
                                          "WHERE kind = ? AND year = ? FOR UPDATE",
                                          key));
  }
  if (rows.empty()) return absl::InternalError("document counter row vanished");
  int64_t next = rows[0].Int(0) + 1;
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE document_counters SET last_sequence = ? WHERE kind = ? AND year = ?",
                                {next, kind, static_cast<int64_t>(year)})
                            .status());
  return next;
}

absl::Status LedgerStore::Post(db::Transaction& tx, int64_t customer_id, absl::CivilDay date, LedgerKind kind,
                               int64_t document_id, const std::string& reference, int64_t debit, int64_t credit,
                               const std::string& description, absl::Time now) {
  return tx
      .Exec("INSERT INTO ledger_entries (customer_id, entry_date, kind, document_id, reference, debit_minor, "
            "credit_minor, description, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {customer_id, DbDay(date), static_cast<int64_t>(kind), document_id, reference.substr(0, 64), debit,
             credit, description.substr(0, 200), FormatDbTime(now)})
      .status();
}

absl::Status AuditStore::Record(db::Transaction& tx, const CallContext& call, const std::string& record_type,
                                int64_t record_id, const std::string& action, const std::string& from_state,
                                const std::string& to_state, const std::string& reason, absl::Time now) {
  return tx
      .Exec("INSERT INTO finance_audit (record_type, record_id, action, from_state, to_state, reason, "
            "actor_user, actor_role, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {record_type, record_id, action, from_state, to_state, reason.substr(0, 500),
             call.principal.user_id.substr(0, 64), call.principal.role.substr(0, 32), call.request_id.substr(0, 64),
             FormatDbTime(now)})
      .status();
}

}  // namespace sales::finance
