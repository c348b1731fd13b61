#include "finance-svc/store/statement_store.h"

#include "absl/strings/str_cat.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/document_scope.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

// Of `statements s`, prefixed because the list joins customer_accounts
// (which has customer_id, rep_id, currency, version, ...); labels stay bare.
constexpr char kColumns[] =
    "s.id, s.customer_id, s.rep_id, s.period_start, s.period_end, s.currency, s.opening_minor, s.debits_minor, "
    "s.credits_minor, s.closing_minor, s.last_entry_id, s.ageing_current_minor, s.ageing_1_30_minor, "
    "s.ageing_31_60_minor, s.ageing_61_90_minor, s.ageing_91_180_minor, s.ageing_over_180_minor, s.state, s.sent_on, "
    "s.confirmed_on, s.confirmed_by, s.stated_balance_minor, s.customer_comment, s.resolution, s.version, "
    "s.created_at, s.updated_at";

// A statement without its entries from a row of kColumns.
v1::Statement StatementFromRow(const db::Row& r) {
  v1::Statement s;
  s.set_id(r.Int("id"));
  s.set_customer_id(r.Int("customer_id"));
  s.set_rep_id(r.Int("rep_id"));
  *s.mutable_period()->mutable_start() = ParseDbDate(r.Str("period_start"));
  *s.mutable_period()->mutable_end() = ParseDbDate(r.Str("period_end"));
  const std::string cur = r.Str("currency");
  *s.mutable_opening_balance() = MakeMoney(r.Int("opening_minor"), cur);
  *s.mutable_total_debits() = MakeMoney(r.Int("debits_minor"), cur);
  *s.mutable_total_credits() = MakeMoney(r.Int("credits_minor"), cur);
  *s.mutable_closing_balance() = MakeMoney(r.Int("closing_minor"), cur);
  auto* a = s.mutable_closing_ageing();
  *a->mutable_current() = MakeMoney(r.Int("ageing_current_minor"), cur);
  *a->mutable_days_1_30() = MakeMoney(r.Int("ageing_1_30_minor"), cur);
  *a->mutable_days_31_60() = MakeMoney(r.Int("ageing_31_60_minor"), cur);
  *a->mutable_days_61_90() = MakeMoney(r.Int("ageing_61_90_minor"), cur);
  *a->mutable_days_91_180() = MakeMoney(r.Int("ageing_91_180_minor"), cur);
  *a->mutable_days_over_180() = MakeMoney(r.Int("ageing_over_180_minor"), cur);
  *a->mutable_total() =
      MakeMoney(r.Int("ageing_current_minor") + r.Int("ageing_1_30_minor") + r.Int("ageing_31_60_minor") +
                    r.Int("ageing_61_90_minor") + r.Int("ageing_91_180_minor") + r.Int("ageing_over_180_minor"),
                cur);
  s.set_state(EnumParse<v1::StatementState>(r.Str("state")));
  if (!r.IsNull("sent_on")) *s.mutable_sent_on() = ParseDbDate(r.Str("sent_on"));
  if (!r.IsNull("confirmed_on")) *s.mutable_confirmed_on() = ParseDbDate(r.Str("confirmed_on"));
  s.set_confirmed_by(r.Str("confirmed_by"));
  if (!r.IsNull("stated_balance_minor")) {
    *s.mutable_customer_stated_balance() = MakeMoney(r.Int("stated_balance_minor"), cur);
  }
  s.set_customer_comment(r.Str("customer_comment"));
  s.set_resolution(r.Str("resolution"));
  s.set_etag(MakeEtag(r.Int("version")));
  *s.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *s.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return s;
}

}  // namespace

absl::StatusOr<std::pair<StatementStore::Outcome, int64_t>> StatementStore::Generate(db::Transaction& tx,
                                                                                     int64_t customer_id,
                                                                                     absl::CivilDay start,
                                                                                     absl::CivilDay end,
                                                                                     bool regenerate, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto existing, tx.Query("SELECT id, state FROM statements WHERE customer_id = ? AND "
                                                 "period_start = ? AND period_end = ? FOR UPDATE",
                                                 {customer_id, DbDay(start), DbDay(end)}));
  if (!existing.empty() &&
      (!regenerate || EnumParse<v1::StatementState>(existing[0].Str("state")) != v1::STATEMENT_STATE_DRAFT)) {
    return std::make_pair(Outcome::kSkipped, existing[0].Int("id"));
  }
  SALES_ASSIGN_OR_RETURN(
      auto sums,
      tx.Query("SELECT COALESCE(SUM(IF(entry_date < ?, debit_minor - credit_minor, 0)), 0) AS opening, "
               "COALESCE(SUM(IF(entry_date >= ?, debit_minor, 0)), 0) AS debits, "
               "COALESCE(SUM(IF(entry_date >= ?, credit_minor, 0)), 0) AS credits, "
               "COALESCE(MAX(id), 0) AS last_entry_id FROM ledger_entries WHERE customer_id = ? AND entry_date <= ?",
               {DbDay(start), DbDay(start), DbDay(start), customer_id, DbDay(end)}));
  int64_t opening = sums[0].Int("opening"), debits = sums[0].Int("debits"), credits = sums[0].Int("credits"),
          last = sums[0].Int("last_entry_id");
  AgeingFilter f;
  f.customer_id = customer_id;
  SALES_ASSIGN_OR_RETURN(auto groups, ReceivableStore::Ageing(tx, end, false, AgeingKey::kCustomer, f));
  int64_t b[6] = {0, 0, 0, 0, 0, 0};
  for (const auto& g : groups) {
    for (int i = 0; i < 6; ++i) b[i] += g.buckets[i];
  }
  SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, customer_id));
  int64_t rep = acct ? acct->rep_id : 0;
  int64_t closing = opening + debits - credits;
  if (!existing.empty()) {
    int64_t id = existing[0].Int("id");
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE statements SET rep_id = ?, opening_minor = ?, debits_minor = ?, "
                                  "credits_minor = ?, closing_minor = ?, last_entry_id = ?, ageing_current_minor = ?, "
                                  "ageing_1_30_minor = ?, ageing_31_60_minor = ?, ageing_61_90_minor = ?, "
                                  "ageing_91_180_minor = ?, ageing_over_180_minor = ?, version = version + 1, "
                                  "updated_at = ? WHERE id = ?",
                                  {rep, opening, debits, credits, closing, last, b[0], b[1], b[2], b[3], b[4], b[5],
                                   FormatDbTime(now), id})
                              .status());
    return std::make_pair(Outcome::kRegenerated, id);
  }
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO statements (customer_id, rep_id, period_start, period_end, currency, "
                                "opening_minor, debits_minor, credits_minor, closing_minor, last_entry_id, "
                                "ageing_current_minor, ageing_1_30_minor, ageing_31_60_minor, ageing_61_90_minor, "
                                "ageing_91_180_minor, ageing_over_180_minor, state, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, 'CNY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'DRAFT', ?, ?)",
                                {customer_id, rep, DbDay(start), DbDay(end), opening, debits, credits, closing, last,
                                 b[0], b[1], b[2], b[3], b[4], b[5], FormatDbTime(now), FormatDbTime(now)})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return std::make_pair(Outcome::kCreated, id);
}

absl::StatusOr<std::vector<int64_t>> StatementStore::CustomersWithActivity(db::Transaction& tx, absl::CivilDay end,
                                                                           int64_t org_unit_id) {
  std::string sql = "SELECT DISTINCT l.customer_id FROM ledger_entries l";
  db::Params p;
  if (org_unit_id) sql += " JOIN customer_accounts a ON a.customer_id = l.customer_id AND a.org_unit_id = ?";
  if (org_unit_id) p.push_back(org_unit_id);
  sql += " WHERE l.entry_date <= ? ORDER BY l.customer_id";
  p.push_back(DbDay(end));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("customer_id"));
  return out;
}

absl::StatusOr<v1::Statement> StatementStore::Get(db::Transaction& tx, int64_t id, bool with_entries) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kColumns, " FROM statements s WHERE s.id = ?"), {id}));
  if (rows.empty()) return NotFound("statement", id);
  const auto& r = rows[0];
  v1::Statement s = StatementFromRow(r);
  if (with_entries) {
    const std::string cur = r.Str("currency");
    int64_t last = r.Int("last_entry_id");
    // The entries as they stood when generated: in the period, up to the
    // last entry then posted (later back-dated postings are not on it).
    SALES_ASSIGN_OR_RETURN(auto es, tx.Query("SELECT id, entry_date, kind, document_id, reference, debit_minor, "
                                             "credit_minor, description, posted_at FROM ledger_entries WHERE "
                                             "customer_id = ? AND entry_date BETWEEN ? AND ? AND id <= ? "
                                             "ORDER BY entry_date, id",
                                             {s.customer_id(), r.Str("period_start"), r.Str("period_end"), last}));
    int64_t running = r.Int("opening_minor");
    for (const auto& e : es) {
      running += e.Int("debit_minor") - e.Int("credit_minor");
      auto* le = s.add_entries();
      le->set_id(e.Int("id"));
      le->set_customer_id(s.customer_id());
      *le->mutable_entry_date() = ParseDbDate(e.Str("entry_date"));
      le->set_kind(EnumParse<v1::DocumentKind>(e.Str("kind")));
      le->set_document_id(e.Int("document_id"));
      le->set_reference(e.Str("reference"));
      *le->mutable_debit() = MakeMoney(e.Int("debit_minor"), cur);
      *le->mutable_credit() = MakeMoney(e.Int("credit_minor"), cur);
      *le->mutable_running_balance() = MakeMoney(running, cur);
      le->set_description(e.Str("description"));
      *le->mutable_post_time() = ToTimestamp(ParseDbTime(e.Str("posted_at")));
    }
  }
  return s;
}

absl::StatusOr<std::tuple<int, int64_t, int64_t>> StatementStore::Lock(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT state, version, rep_id FROM statements WHERE id = ? FOR UPDATE", {id}));
  if (rows.empty()) return NotFound("statement", id);
  return std::make_tuple(static_cast<int>(EnumParse<v1::StatementState>(rows[0].Str("state"))), rows[0].Int("version"),
                         rows[0].Int("rep_id"));
}

absl::StatusOr<std::vector<v1::Statement>> StatementStore::List(db::Transaction& tx,
                                                                const v1::ListStatementsRequest& req,
                                                                const DocumentScope& scope, int64_t after_id,
                                                                int limit) {
  // The whole page in one statement: the columns Get reads, not an id each.
  std::string sql = absl::StrCat("SELECT ", kColumns,
                                 " FROM statements s LEFT JOIN customer_accounts a ON a.customer_id = s.customer_id "
                                 "WHERE s.id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND s.customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.rep_id()) {
    sql += " AND s.rep_id = ?";
    p.push_back(req.rep_id());
  }
  sql += DateRangeSql(req.period_end(), "s.period_end", &p);
  if (req.states_size()) {
    std::string in = db::AppendInList(EnumShortNames<v1::StatementState>(req.states()), p);
    absl::StrAppend(&sql, " AND s.state IN (", in, ")");
  }
  sql += ScopeSql(scope, "s.rep_id", "a.org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY s.id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::Statement> out;
  for (const auto& r : rows) out.push_back(StatementFromRow(r));
  return out;
}

absl::StatusOr<bool> StatementStore::Visible(db::Transaction& tx, int64_t id, const DocumentScope& scope) {
  db::Params p = {id};
  std::string sql =
      "SELECT 1 FROM statements s LEFT JOIN customer_accounts a ON a.customer_id = s.customer_id "
      "WHERE s.id = ?" +
      ScopeSql(scope, "s.rep_id", "a.org_unit_id", &p);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return !rows.empty();
}

absl::Status StatementStore::SaveSent(db::Transaction& tx, int64_t id, int state, const common::v1::Date& sent_on,
                                      absl::Time now) {
  return tx
      .Exec("UPDATE statements SET state = ?, sent_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {EnumShort(static_cast<v1::StatementState>(state)), FormatDbDate(sent_on), FormatDbTime(now), id})
      .status();
}

absl::Status StatementStore::SaveConfirmation(db::Transaction& tx, int64_t id, int state,
                                              const common::v1::Date& confirmed_on, const std::string& confirmed_by,
                                              std::optional<int64_t> stated_balance_minor, const std::string& comment,
                                              absl::Time now) {
  db::Param stated = stated_balance_minor ? db::Param(*stated_balance_minor) : db::Param(nullptr);
  return tx
      .Exec(
          "UPDATE statements SET state = ?, confirmed_on = ?, confirmed_by = ?, stated_balance_minor = ?, "
          "customer_comment = ?, version = version + 1, updated_at = ? WHERE id = ?",
          {EnumShort(static_cast<v1::StatementState>(state)), FormatDbDate(confirmed_on), confirmed_by, stated, comment,
           FormatDbTime(now), id})
      .status();
}

absl::Status StatementStore::SaveResolution(db::Transaction& tx, int64_t id, int state, const std::string& resolution,
                                            absl::Time now) {
  return tx
      .Exec("UPDATE statements SET state = ?, resolution = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {EnumShort(static_cast<v1::StatementState>(state)), resolution, FormatDbTime(now), id})
      .status();
}

}  // namespace sales::finance
