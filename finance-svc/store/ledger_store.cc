#include "finance-svc/store/ledger_store.h"

#include "absl/strings/str_format.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"
#include "sales/finance/v1/receivable.pb.h"

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
  int64_t next = rows[0].Int("last_sequence") + 1;
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE document_counters SET last_sequence = ? WHERE kind = ? AND year = ?",
                                {next, kind, static_cast<int64_t>(year)})
                            .status());
  return next;
}

absl::StatusOr<std::vector<NumberingStore::YearUsage>> NumberingStore::InvoiceNumberUsage(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT number_year, COUNT(*) AS numbered, "
                                             "COUNT(DISTINCT number_sequence) AS distinct_sequences, "
                                             "MIN(number_sequence) AS lowest, MAX(number_sequence) AS highest "
                                             "FROM invoices "
                                             "WHERE number IS NOT NULL GROUP BY number_year ORDER BY number_year"));
  std::vector<YearUsage> out;
  for (const auto& r : rows) {
    out.push_back(
        {r.Int("number_year"), r.Int("numbered"), r.Int("distinct_sequences"), r.Int("lowest"), r.Int("highest")});
  }
  return out;
}

absl::StatusOr<std::map<int64_t, int64_t>> NumberingStore::InvoiceCounters(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT year, last_sequence FROM document_counters WHERE kind = 'INV'"));
  std::map<int64_t, int64_t> out;
  for (const auto& r : rows) out[r.Int("year")] = r.Int("last_sequence");
  return out;
}

absl::Status LedgerStore::Post(db::Transaction& tx, int64_t customer_id, absl::CivilDay date, LedgerKind kind,
                               int64_t document_id, const std::string& reference, int64_t debit, int64_t credit,
                               const std::string& description, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO ledger_entries (customer_id, entry_date, kind, document_id, reference, debit_minor, "
          "credit_minor, description, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {customer_id, DbDay(date), EnumShort(static_cast<v1::DocumentKind>(kind)), document_id,
           reference.substr(0, 64), debit, credit, description.substr(0, 200), FormatDbTime(now)})
      .status();
}

absl::StatusOr<LedgerStore::Page> LedgerStore::Entries(db::Transaction& tx, int64_t customer_id,
                                                       const common::v1::DateRange& dates) {
  std::string start = "0001-01-01", end = "9999-12-31";
  if (dates.has_start()) start = FormatDbDate(dates.start());
  if (dates.has_end()) end = FormatDbDate(dates.end());
  Page page;
  SALES_ASSIGN_OR_RETURN(auto open_rows, tx.Query("SELECT COALESCE(SUM(debit_minor - credit_minor), 0) AS opening FROM "
                                                  "ledger_entries WHERE customer_id = ? AND entry_date < ?",
                                                  {customer_id, start}));
  page.opening = open_rows[0].Int("opening");
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, entry_date, kind, document_id, reference, debit_minor, "
                                             "credit_minor, description, posted_at FROM ledger_entries WHERE "
                                             "customer_id = ? AND entry_date BETWEEN ? AND ? ORDER BY entry_date, id",
                                             {customer_id, start, end}));
  for (const auto& r : rows) {
    LedgerEntryRow e;
    e.id = r.Int("id");
    e.entry_date = ParseDbDate(r.Str("entry_date"));
    e.kind = EnumParse<v1::DocumentKind>(r.Str("kind"));
    e.document_id = r.Int("document_id");
    e.reference = r.Str("reference");
    e.debit = r.Int("debit_minor");
    e.credit = r.Int("credit_minor");
    e.description = r.Str("description");
    e.posted_at = ParseDbTime(r.Str("posted_at"));
    page.entries.push_back(std::move(e));
  }
  return page;
}

absl::Status AuditStore::Record(db::Transaction& tx, const CallContext& call, const std::string& record_type,
                                int64_t record_id, const std::string& action, const std::string& from_state,
                                const std::string& to_state, const std::string& reason, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO finance_audit (record_type, record_id, action, from_state, to_state, reason, "
          "actor_user, actor_role, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {record_type, record_id, action, from_state, to_state, reason.substr(0, 500),
           call.principal.user_id.substr(0, 64), call.principal.role.substr(0, 32), call.request_id.substr(0, 64),
           FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<common::v1::AuditEntry>> AuditStore::Trail(db::Transaction& tx,
                                                                      const std::string& record_type, int64_t record_id,
                                                                      bool with_applications, int64_t after_id,
                                                                      int limit) {
  std::string sql =
      "SELECT id, at, actor_user, actor_role, action, from_state, to_state, reason, request_id "
      "FROM finance_audit WHERE id > ? AND ((record_type = ? AND record_id = ?)";
  db::Params p = {after_id, record_type, record_id};
  if (with_applications) {
    sql +=
        " OR (record_type = 'PaymentApplication' AND record_id IN (SELECT id FROM payment_applications "
        "WHERE payment_id = ?))";
    p.push_back(record_id);
  }
  sql += ") ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<common::v1::AuditEntry> out;
  for (const auto& r : rows) {
    common::v1::AuditEntry e;
    e.set_id(r.Int("id"));
    *e.mutable_at() = ToTimestamp(ParseDbTime(r.Str("at")));
    e.mutable_actor()->set_user_id(r.Str("actor_user"));
    e.mutable_actor()->set_role(r.Str("actor_role"));
    e.set_action(r.Str("action"));
    e.set_from_value(r.Str("from_state"));
    e.set_to_value(r.Str("to_state"));
    e.set_reason(r.Str("reason"));
    e.set_request_id(r.Str("request_id"));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sales::finance
