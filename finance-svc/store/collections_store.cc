#include "finance-svc/store/collections_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "finance-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/invoice.pb.h"
#include "sales/finance/v1/memo.pb.h"

namespace sales::finance {
namespace {

constexpr char kCaseColumns[] =
    "id, invoice_id, invoice_number, customer_id, rep_id, org_unit_id, currency, due_on, opening_minor, "
    "overdue_minor, stage, days_past_due, last_swept_on, confirmed_on, confirmed_minor, confirmed_by, "
    "confirmation_reference, plan_received_on, plan_signed_by, plan_reference, first_notice_on, "
    "first_notice_minor, first_notice_method, first_notice_reference, second_notice_on, second_notice_minor, "
    "second_notice_method, second_notice_reference, legal_started_on, legal_ready_on, legal_file_reference, "
    "missed_confirmation, missed_first_notice, missed_second_notice, credit_hold_id, closed_on, close_reason, "
    "close_note, version, created_at, updated_at";

CaseRecord CaseFromRow(const db::Row& r) {
  CaseRecord c;
  c.id = r.Int("id");
  c.invoice_id = r.Int("invoice_id");
  c.invoice_number = r.Str("invoice_number");
  c.customer_id = r.Int("customer_id");
  c.rep_id = r.Int("rep_id");
  c.org_unit_id = r.Int("org_unit_id");
  c.currency = r.Str("currency");
  c.facts.due_on = *ParseDay(r, "due_on");
  c.opening_minor = r.Int("opening_minor");
  c.overdue_minor = r.Int("overdue_minor");
  c.stage = EnumParse<v1::CollectionStage>(r.Str("stage"));
  c.days_past_due = static_cast<int>(r.Int("days_past_due"));
  c.last_swept_on = ParseDay(r, "last_swept_on");
  c.facts.confirmed_on = ParseDay(r, "confirmed_on");
  c.confirmed_minor = r.Int("confirmed_minor");
  c.confirmed_by = r.Str("confirmed_by");
  c.confirmation_reference = r.Str("confirmation_reference");
  c.plan_received_on = ParseDay(r, "plan_received_on");
  c.plan_signed_by = r.Str("plan_signed_by");
  c.plan_reference = r.Str("plan_reference");
  c.facts.first_notice_on = ParseDay(r, "first_notice_on");
  c.first_notice_minor = r.Int("first_notice_minor");
  c.first_notice_method = r.Str("first_notice_method");
  c.first_notice_reference = r.Str("first_notice_reference");
  c.facts.second_notice_on = ParseDay(r, "second_notice_on");
  c.second_notice_minor = r.Int("second_notice_minor");
  c.second_notice_method = r.Str("second_notice_method");
  c.second_notice_reference = r.Str("second_notice_reference");
  c.facts.legal_started_on = ParseDay(r, "legal_started_on");
  c.facts.legal_ready_on = ParseDay(r, "legal_ready_on");
  c.legal_file_reference = r.Str("legal_file_reference");
  c.facts.missed_confirmation = r.Int("missed_confirmation") != 0;
  c.facts.missed_first_notice = r.Int("missed_first_notice") != 0;
  c.facts.missed_second_notice = r.Int("missed_second_notice") != 0;
  c.credit_hold_id = r.Int("credit_hold_id");
  c.facts.closed_on = ParseDay(r, "closed_on");
  c.close_reason = EnumParse<v1::CaseCloseReason>(r.Str("close_reason"));
  c.close_note = r.Str("close_note");
  c.version = r.Int("version");
  c.created_at = ParseDbTime(r.Str("created_at"));
  c.updated_at = ParseDbTime(r.Str("updated_at"));
  return c;
}

constexpr char kHoldColumns[] =
    "id, customer_id, rep_id, source, state, reason, currency, overdue_minor, set_on, released_on, "
    "release_reason, version, created_at, updated_at";

HoldRecord HoldFromRow(const db::Row& r) {
  HoldRecord h;
  h.id = r.Int("id");
  h.customer_id = r.Int("customer_id");
  h.rep_id = r.Int("rep_id");
  h.source = EnumParse<v1::CreditHoldSource>(r.Str("source"));
  h.state = EnumParse<v1::CreditHoldState>(r.Str("state"));
  h.reason = r.Str("reason");
  h.currency = r.Str("currency");
  h.overdue_minor = r.Int("overdue_minor");
  h.set_on = *ParseDay(r, "set_on");
  h.released_on = ParseDay(r, "released_on");
  h.release_reason = r.Str("release_reason");
  h.version = r.Int("version");
  h.created_at = ParseDbTime(r.Str("created_at"));
  h.updated_at = ParseDbTime(r.Str("updated_at"));
  return h;
}

absl::Status LoadHoldCases(db::Transaction& tx, HoldRecord& h) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT case_id FROM credit_hold_cases WHERE hold_id = ? ORDER BY case_id", {h.id}));
  h.case_ids.clear();
  for (const auto& r : rows) h.case_ids.push_back(r.Int("case_id"));
  return absl::OkStatus();
}

// The cases of every hold of a page in one statement, each hold's ascending
// as LoadHoldCases reads them.
absl::Status LoadCasesOfHolds(db::Transaction& tx, std::vector<HoldRecord>& holds) {
  if (holds.empty()) return absl::OkStatus();
  std::map<int64_t, HoldRecord*> by_id;
  std::vector<int64_t> ids;
  for (auto& h : holds) {
    h.case_ids.clear();
    by_id[h.id] = &h;
    ids.push_back(h.id);
  }
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT hold_id, case_id FROM credit_hold_cases WHERE "
                                                          "hold_id IN (",
                                                          in, ") ORDER BY hold_id, case_id"),
                                             params));
  for (const auto& r : rows) {
    auto it = by_id.find(r.Int("hold_id"));
    if (it != by_id.end()) it->second->case_ids.push_back(r.Int("case_id"));
  }
  return absl::OkStatus();
}

constexpr char kInvoiceColumns[] =
    "id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, currency, state, due_on, "
    "gross_total_minor, credited_minor, balance_minor";

LadderInvoice InvoiceFromRow(const db::Row& r) {
  LadderInvoice i;
  i.id = r.Int("id");
  i.number = r.Str("number");
  i.customer_id = r.Int("customer_id");
  i.rep_id = r.Int("rep_id");
  i.org_unit_id = r.Int("org_unit_id");
  i.currency = r.Str("currency");
  i.state = EnumParse<v1::InvoiceState>(r.Str("state"));
  i.due_on = ParseDay(r, "due_on").value_or(absl::CivilDay());
  i.gross_minor = r.Int("gross_total_minor");
  i.credited_minor = r.Int("credited_minor");
  i.balance_minor = r.Int("balance_minor");
  return i;
}

}  // namespace

std::optional<absl::CivilDay> ParseDay(const db::Row& r, absl::string_view label) {
  if (r.IsNull(label)) return std::nullopt;
  absl::CivilDay d;
  if (!absl::ParseCivilTime(r.Str(label).substr(0, 10), &d)) return std::nullopt;
  return d;
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

db::Param DayParam(const std::optional<absl::CivilDay>& d) {
  if (!d) return nullptr;
  return DayText(*d);
}

absl::StatusOr<CaseRecord> CollectionsStore::GetCase(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kCaseColumns, " FROM collection_cases WHERE id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {id}));
  if (rows.empty()) return NotFound("collection case", id);
  return CaseFromRow(rows[0]);
}

absl::StatusOr<std::optional<CaseRecord>> CollectionsStore::CaseOfInvoice(db::Transaction& tx, int64_t invoice_id,
                                                                          bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kCaseColumns, " FROM collection_cases WHERE invoice_id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {invoice_id}));
  if (rows.empty()) return std::optional<CaseRecord>();
  return std::optional<CaseRecord>(CaseFromRow(rows[0]));
}

absl::StatusOr<int64_t> CollectionsStore::InsertCase(db::Transaction& tx, const CaseRecord& c, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO collection_cases (invoice_id, invoice_number, customer_id, rep_id, org_unit_id, "
              "currency, due_on, opening_minor, overdue_minor, stage, days_past_due, last_swept_on, version, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {c.invoice_id, c.invoice_number, c.customer_id, c.rep_id, c.org_unit_id, c.currency,
               DayText(c.facts.due_on), c.opening_minor, c.overdue_minor, EnumShort(c.stage),
               static_cast<int64_t>(c.days_past_due), DayParam(c.last_swept_on), FormatDbTime(now), FormatDbTime(now)})
          .status());
  return tx.LastInsertId();
}

absl::Status CollectionsStore::UpdateCase(db::Transaction& tx, CaseRecord& c, absl::Time now) {
  const LadderFacts& f = c.facts;
  SALES_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("UPDATE collection_cases SET overdue_minor = ?, stage = ?, days_past_due = ?, last_swept_on = ?, "
              "confirmed_on = ?, confirmed_minor = ?, confirmed_by = ?, confirmation_reference = ?, "
              "plan_received_on = ?, plan_signed_by = ?, plan_reference = ?, first_notice_on = ?, "
              "first_notice_minor = ?, first_notice_method = ?, first_notice_reference = ?, second_notice_on = ?, "
              "second_notice_minor = ?, second_notice_method = ?, second_notice_reference = ?, "
              "legal_started_on = ?, legal_ready_on = ?, legal_file_reference = ?, missed_confirmation = ?, "
              "missed_first_notice = ?, missed_second_notice = ?, credit_hold_id = ?, closed_on = ?, "
              "close_reason = ?, close_note = ?, version = version + 1, updated_at = ? "
              "WHERE id = ? AND version = ?",
              {c.overdue_minor,
               EnumShort(c.stage),
               static_cast<int64_t>(c.days_past_due),
               DayParam(c.last_swept_on),
               DayParam(f.confirmed_on),
               c.confirmed_minor,
               c.confirmed_by,
               c.confirmation_reference,
               DayParam(c.plan_received_on),
               c.plan_signed_by,
               c.plan_reference,
               DayParam(f.first_notice_on),
               c.first_notice_minor,
               c.first_notice_method,
               c.first_notice_reference,
               DayParam(f.second_notice_on),
               c.second_notice_minor,
               c.second_notice_method,
               c.second_notice_reference,
               DayParam(f.legal_started_on),
               DayParam(f.legal_ready_on),
               c.legal_file_reference,
               int64_t{f.missed_confirmation},
               int64_t{f.missed_first_notice},
               int64_t{f.missed_second_notice},
               c.credit_hold_id,
               DayParam(f.closed_on),
               EnumShort(c.close_reason),
               c.close_note,
               FormatDbTime(now),
               c.id,
               c.version}));
  // Callers hold the row lock, so a lost update means a bug, not a race.
  if (n != 1) return absl::AbortedError(absl::StrCat("collection case ", c.id, " changed underneath"));
  ++c.version;
  c.updated_at = now;
  return absl::OkStatus();
}

absl::Status CollectionsStore::AppendStep(db::Transaction& tx, int64_t case_id, const StepRecord& s, const Actor& actor,
                                          absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COALESCE(MAX(sequence), 0) AS last_sequence FROM collection_steps "
                                             "WHERE case_id = ?",
                                             {case_id}));
  int64_t seq = rows[0].Int("last_sequence") + 1;
  return tx
      .Exec(
          "INSERT INTO collection_steps (case_id, sequence, kind, effective_on, deadline_on, by_sweep, "
          "from_stage, to_stage, detail, actor_user, request_id, recorded_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {case_id, seq, EnumShort(s.kind), DayText(s.effective_on), DayParam(s.deadline_on), int64_t{s.by_sweep},
           EnumShort(s.from_stage), EnumShort(s.to_stage), s.detail.substr(0, 500), actor.user_id.substr(0, 64),
           actor.request_id.substr(0, 64), FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<v1::CollectionStep>> CollectionsStore::Steps(db::Transaction& tx, int64_t case_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT sequence, kind, effective_on, deadline_on, by_sweep, from_stage, "
                                             "to_stage, detail, recorded_at FROM collection_steps WHERE case_id = ? "
                                             "ORDER BY sequence",
                                             {case_id}));
  std::vector<v1::CollectionStep> out;
  for (const auto& r : rows) {
    v1::CollectionStep s;
    s.set_sequence(static_cast<int32_t>(r.Int("sequence")));
    s.set_kind(EnumParse<v1::CollectionStepKind>(r.Str("kind")));
    *s.mutable_effective_on() = FromCivilDay(*ParseDay(r, "effective_on"));
    if (auto d = ParseDay(r, "deadline_on")) *s.mutable_deadline_on() = FromCivilDay(*d);
    s.set_by_sweep(r.Int("by_sweep") != 0);
    s.set_from_stage(EnumParse<v1::CollectionStage>(r.Str("from_stage")));
    s.set_to_stage(EnumParse<v1::CollectionStage>(r.Str("to_stage")));
    s.set_detail(r.Str("detail"));
    *s.mutable_record_time() = ToTimestamp(ParseDbTime(r.Str("recorded_at")));
    out.push_back(std::move(s));
  }
  return out;
}

absl::Status CollectionsStore::ReplacePlan(db::Transaction& tx, int64_t case_id, const v1::RepaymentPlan& plan) {
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM collection_plan_installments WHERE case_id = ?", {case_id}).status());
  int64_t seq = 0;
  for (const auto& i : plan.installments()) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO collection_plan_installments (case_id, sequence, due_on, "
                                  "amount_minor) VALUES (?, ?, ?, ?)",
                                  {case_id, ++seq, FormatDbDate(i.due_on()), i.amount().minor_units()})
                              .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::RepaymentInstallment>> CollectionsStore::PlanInstallments(db::Transaction& tx,
                                                                                         int64_t case_id,
                                                                                         const std::string& currency) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT due_on, amount_minor FROM collection_plan_installments "
                                             "WHERE case_id = ? ORDER BY sequence",
                                             {case_id}));
  std::vector<v1::RepaymentInstallment> out;
  for (const auto& r : rows) {
    v1::RepaymentInstallment i;
    *i.mutable_due_on() = FromCivilDay(*ParseDay(r, "due_on"));
    *i.mutable_amount() = MakeMoney(r.Int("amount_minor"), currency);
    out.push_back(std::move(i));
  }
  return out;
}

absl::StatusOr<std::vector<CaseRecord>> CollectionsStore::ListCases(db::Transaction& tx, const CaseFilter& f,
                                                                    int64_t after_id, int limit) {
  // Oldest due date first; the page token names the last case, and the
  // next page continues after its (due_on, id).
  std::string sql = absl::StrCat("SELECT ", kCaseColumns, " FROM collection_cases WHERE 1 = 1");
  db::Params params;
  if (after_id != 0) {
    SALES_ASSIGN_OR_RETURN(auto last, tx.Query("SELECT due_on FROM collection_cases WHERE id = ?", {after_id}));
    if (last.empty()) return InvalidField("page_token", "names no case");
    sql += " AND (due_on > ? OR (due_on = ? AND id > ?))";
    params.push_back(last[0].Str("due_on"));
    params.push_back(last[0].Str("due_on"));
    params.push_back(after_id);
  }
  if (f.rep_id != 0) {
    sql += " AND rep_id = ?";
    params.push_back(f.rep_id);
  }
  if (!f.org_unit_ids.empty()) {
    sql += absl::StrCat(" AND org_unit_id IN (", db::AppendInList(f.org_unit_ids, params), ")");
  }
  if (f.customer_id != 0) {
    sql += " AND customer_id = ?";
    params.push_back(f.customer_id);
  }
  if (f.invoice_id != 0) {
    sql += " AND invoice_id = ?";
    params.push_back(f.invoice_id);
  }
  if (f.stages.empty()) {
    sql += " AND stage <> 'CLOSED'";
  } else {
    std::vector<std::string> stages;
    for (int s : f.stages) stages.push_back(EnumShort(static_cast<v1::CollectionStage>(s)));
    sql += absl::StrCat(" AND stage IN (", db::AppendInList(stages, params), ")");
  }
  if (f.deadline_missed_only) {
    sql += " AND (missed_confirmation = 1 OR missed_first_notice = 1 OR missed_second_notice = 1)";
  }
  sql += " ORDER BY due_on, id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<CaseRecord> out;
  for (const auto& r : rows) {
    CaseRecord c = CaseFromRow(r);
    if (f.action_due_by) {
      NextAction next = NextActionOf(c.facts);
      if (!next.due_on || *next.due_on > *f.action_due_by) continue;
    }
    out.push_back(std::move(c));
    if (static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}

absl::Status CollectionsStore::TakeSweepTurn(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto turn, tx.Query("SELECT id FROM collections_sweep_lock WHERE id = 1 FOR UPDATE"));
  if (turn.empty()) return absl::FailedPreconditionError("collections_sweep_lock has no row");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> CollectionsStore::CustomersOnCollectionsHold(db::Transaction& tx,
                                                                                  int64_t customer_id) {
  std::string sql = "SELECT DISTINCT customer_id FROM credit_holds WHERE active_customer_id IS NOT NULL AND source = ?";
  db::Params params{EnumShort(v1::CREDIT_HOLD_SOURCE_COLLECTIONS)};
  if (customer_id != 0) {
    sql += " AND customer_id = ?";
    params.push_back(customer_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("customer_id"));
  return out;
}

absl::StatusOr<std::vector<int64_t>> CollectionsStore::SettledOpenCases(db::Transaction& tx, int64_t customer_id) {
  std::string sql =
      "SELECT c.id FROM collection_cases c JOIN invoices i ON i.id = c.invoice_id WHERE c.stage <> 'CLOSED' "
      "AND i.balance_minor = 0";
  db::Params params;
  if (customer_id != 0) {
    sql += " AND c.customer_id = ?";
    params.push_back(customer_id);
  }
  sql += " ORDER BY c.id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<HoldRecord> CollectionsStore::GetHold(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kHoldColumns, " FROM credit_holds WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("credit hold", id);
  HoldRecord h = HoldFromRow(rows[0]);
  SALES_RETURN_IF_ERROR(LoadHoldCases(tx, h));
  return h;
}

absl::StatusOr<std::optional<HoldRecord>> CollectionsStore::ActiveHold(db::Transaction& tx, int64_t customer_id,
                                                                       bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kHoldColumns, " FROM credit_holds WHERE active_customer_id = ?",
                                       for_update ? " FOR UPDATE" : ""),
                          {customer_id}));
  if (rows.empty()) return std::optional<HoldRecord>();
  HoldRecord h = HoldFromRow(rows[0]);
  SALES_RETURN_IF_ERROR(LoadHoldCases(tx, h));
  return std::optional<HoldRecord>(std::move(h));
}

absl::StatusOr<int64_t> CollectionsStore::InsertHold(db::Transaction& tx, const HoldRecord& h, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO credit_holds (customer_id, active_customer_id, rep_id, source, state, reason, "
      "currency, overdue_minor, set_on, version, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
      {h.customer_id, h.customer_id, h.rep_id, EnumShort(h.source), EnumShort(v1::CREDIT_HOLD_STATE_ACTIVE),
       h.reason.substr(0, 500), h.currency, h.overdue_minor, DayText(h.set_on), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("customer ", h.customer_id, " is already on hold")),
                         "HOLD_ACTIVE", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(st.status());
  return tx.LastInsertId();
}

absl::Status CollectionsStore::LinkHoldCase(db::Transaction& tx, int64_t hold_id, int64_t case_id) {
  return tx.Exec("INSERT IGNORE INTO credit_hold_cases (hold_id, case_id) VALUES (?, ?)", {hold_id, case_id}).status();
}

absl::Status CollectionsStore::ReleaseHold(db::Transaction& tx, HoldRecord& h, absl::CivilDay on,
                                           const std::string& reason, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(
      int64_t n, tx.Exec("UPDATE credit_holds SET state = ?, active_customer_id = NULL, released_on = ?, "
                         "release_reason = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                         {EnumShort(v1::CREDIT_HOLD_STATE_RELEASED), DayText(on), reason.substr(0, 500),
                          FormatDbTime(now), h.id, h.version}));
  if (n != 1) return absl::AbortedError(absl::StrCat("credit hold ", h.id, " changed underneath"));
  h.state = v1::CREDIT_HOLD_STATE_RELEASED;
  h.released_on = on;
  h.release_reason = reason;
  ++h.version;
  h.updated_at = now;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HoldRecord>> CollectionsStore::ListHolds(db::Transaction& tx,
                                                                    const v1::ListCreditHoldsRequest& req,
                                                                    int64_t after_id, int limit) {
  // Newest first: the page token carries the last id, the next page is
  // below it.
  std::string sql = absl::StrCat("SELECT ", kHoldColumns, " FROM credit_holds WHERE id < ?");
  db::Params params{after_id == 0 ? int64_t{INT64_MAX} : after_id};
  if (req.customer_id() != 0) {
    sql += " AND customer_id = ?";
    params.push_back(req.customer_id());
  }
  if (req.rep_id() != 0) {
    sql += " AND rep_id = ?";
    params.push_back(req.rep_id());
  }
  if (req.state() != v1::CREDIT_HOLD_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.push_back(EnumShort(req.state()));
  }
  if (req.source() != v1::CREDIT_HOLD_SOURCE_UNSPECIFIED) {
    sql += " AND source = ?";
    params.push_back(EnumShort(req.source()));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<HoldRecord> out;
  for (const auto& r : rows) out.push_back(HoldFromRow(r));
  SALES_RETURN_IF_ERROR(LoadCasesOfHolds(tx, out));
  return out;
}

absl::StatusOr<std::vector<LadderInvoice>> CollectionsStore::OverdueInvoices(db::Transaction& tx, absl::CivilDay as_of,
                                                                             int64_t customer_id) {
  std::string sql = absl::StrCat("SELECT ", kInvoiceColumns,
                                 " FROM invoices WHERE state IN (?, ?) AND balance_minor > 0 AND due_on < ?");
  db::Params params{EnumShort(v1::INVOICE_STATE_ISSUED), EnumShort(v1::INVOICE_STATE_PARTIALLY_PAID), DayText(as_of)};
  if (customer_id != 0) {
    sql += " AND customer_id = ?";
    params.push_back(customer_id);
  }
  sql += " ORDER BY due_on, id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<LadderInvoice> out;
  for (const auto& r : rows) out.push_back(InvoiceFromRow(r));
  return out;
}

absl::StatusOr<LadderInvoice> CollectionsStore::Invoice(db::Transaction& tx, int64_t invoice_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kInvoiceColumns, " FROM invoices WHERE id = ?"), {invoice_id}));
  if (rows.empty()) return NotFound("invoice", invoice_id);
  return InvoiceFromRow(rows[0]);
}

absl::StatusOr<bool> CollectionsStore::CustomerHasOverdue(db::Transaction& tx, int64_t customer_id,
                                                          absl::CivilDay today) {
  SALES_ASSIGN_OR_RETURN(int64_t overdue, CustomerOverdueMinor(tx, customer_id, today));
  return overdue > 0;
}

absl::StatusOr<int64_t> CollectionsStore::CustomerOverdueMinor(db::Transaction& tx, int64_t customer_id,
                                                               absl::CivilDay today) {
  SALES_ASSIGN_OR_RETURN(auto inv, tx.Query("SELECT COALESCE(SUM(i.balance_minor), 0) AS overdue_minor FROM invoices i "
                                            "LEFT JOIN collection_cases c ON c.invoice_id = i.id "
                                            "WHERE i.customer_id = ? AND i.state IN (?, ?) AND i.balance_minor > 0 "
                                            "AND i.due_on < ? AND NOT (COALESCE(c.stage, 'UNSPECIFIED') = 'CLOSED' "
                                            "AND COALESCE(c.close_reason, 'UNSPECIFIED') = 'MANUAL')",
                                            {customer_id, EnumShort(v1::INVOICE_STATE_ISSUED),
                                             EnumShort(v1::INVOICE_STATE_PARTIALLY_PAID), DayText(today)}));
  SALES_ASSIGN_OR_RETURN(auto dm, tx.Query("SELECT COALESCE(SUM(balance_minor), 0) AS overdue_minor FROM debit_memos "
                                           "WHERE customer_id = ? AND state = ? AND balance_minor > 0 "
                                           "AND due_on < ?",
                                           {customer_id, EnumShort(v1::MEMO_STATE_ISSUED), DayText(today)}));
  return inv[0].Int("overdue_minor") + dm[0].Int("overdue_minor");
}

absl::StatusOr<int64_t> CollectionsStore::CustomerRep(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT rep_id FROM customer_accounts WHERE customer_id = ?", {customer_id}));
  if (!rows.empty() && rows[0].Int("rep_id") != 0) return rows[0].Int("rep_id");
  SALES_ASSIGN_OR_RETURN(auto inv, tx.Query("SELECT rep_id FROM invoices WHERE customer_id = ? "
                                            "ORDER BY id DESC LIMIT 1",
                                            {customer_id}));
  return inv.empty() ? int64_t{0} : inv[0].Int("rep_id");
}

absl::StatusOr<int64_t> CollectionsStore::CustomerUnit(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto units, CustomerUnits(tx, {customer_id}));
  return units[customer_id];
}

absl::StatusOr<std::map<int64_t, int64_t>> CollectionsStore::CustomerUnits(db::Transaction& tx,
                                                                           const std::vector<int64_t>& customer_ids) {
  std::map<int64_t, int64_t> out;
  if (customer_ids.empty()) return out;
  for (int64_t id : customer_ids) out[id] = 0;
  db::Params params;
  std::string in = db::AppendInList(customer_ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT customer_id, org_unit_id FROM customer_accounts "
                                                          "WHERE customer_id IN (",
                                                          in, ")"),
                                             params));
  for (const auto& r : rows) out[r.Int("customer_id")] = r.Int("org_unit_id");
  // No summary row, or one without a unit: the latest invoice's unit.
  std::vector<int64_t> unknown;
  for (const auto& [id, unit] : out) {
    if (unit == 0) unknown.push_back(id);
  }
  if (unknown.empty()) return out;
  db::Params latest_params;
  std::string latest_in = db::AppendInList(unknown, latest_params);
  SALES_ASSIGN_OR_RETURN(auto inv, tx.Query(absl::StrCat("SELECT i.customer_id, i.org_unit_id FROM invoices i JOIN "
                                                         "(SELECT MAX(id) AS latest_id FROM invoices WHERE "
                                                         "customer_id IN (",
                                                         latest_in, ") GROUP BY customer_id) l ON i.id = l.latest_id"),
                                            latest_params));
  for (const auto& r : inv) out[r.Int("customer_id")] = r.Int("org_unit_id");
  return out;
}

absl::Status CollectionsStore::SetCustomerOnHold(db::Transaction& tx, int64_t customer_id, bool on_hold,
                                                 const std::string& reason, absl::Time now) {
  // The summary row normally exists (created by the first posting); a hold
  // set by hand on a customer with no posting yet creates it with zero
  // balances so the credit check still sees the hold.
  return tx
      .Exec(
          "INSERT INTO customer_accounts (customer_id, on_hold, hold_reason, updated_at) VALUES (?, ?, ?, ?) "
          "ON DUPLICATE KEY UPDATE on_hold = VALUES(on_hold), hold_reason = VALUES(hold_reason), "
          "version = version + 1, updated_at = VALUES(updated_at)",
          {customer_id, int64_t{on_hold}, on_hold ? reason.substr(0, 500) : std::string(), FormatDbTime(now)})
      .status();
}

absl::Status CollectionsStore::Audit(db::Transaction& tx, const std::string& record_type, int64_t record_id,
                                     const std::string& action, const std::string& from, const std::string& to,
                                     const std::string& reason, const Actor& actor, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO finance_audit (record_type, record_id, action, from_state, to_state, reason, actor_user, "
          "actor_role, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {record_type, record_id, action.substr(0, 32), from.substr(0, 32), to.substr(0, 32), reason.substr(0, 500),
           actor.user_id.empty() ? std::string("sweep") : actor.user_id.substr(0, 64), actor.role.substr(0, 32),
           actor.request_id.substr(0, 64), FormatDbTime(now)})
      .status();
}

absl::StatusOr<v1::CollectionCase> CaseToProto(db::Transaction& tx, const CaseRecord& c, bool with_details) {
  v1::CollectionCase p;
  p.set_id(c.id);
  p.set_invoice_id(c.invoice_id);
  p.set_invoice_number(c.invoice_number);
  p.set_customer_id(c.customer_id);
  p.set_rep_id(c.rep_id);
  p.set_org_unit_id(c.org_unit_id);
  *p.mutable_due_on() = FromCivilDay(c.facts.due_on);
  *p.mutable_overdue_amount() = MakeMoney(c.overdue_minor, c.currency);
  *p.mutable_opening_amount() = MakeMoney(c.opening_minor, c.currency);
  p.set_stage(c.stage);
  p.set_days_past_due(c.days_past_due);
  if (c.last_swept_on) *p.mutable_last_swept_on() = FromCivilDay(*c.last_swept_on);
  NextAction next = NextActionOf(c.facts);
  p.set_next_action(next.action);
  if (next.due_on) *p.mutable_next_action_due_on() = FromCivilDay(*next.due_on);
  if (c.facts.confirmed_on) {
    auto* conf = p.mutable_confirmation();
    *conf->mutable_signed_on() = FromCivilDay(*c.facts.confirmed_on);
    *conf->mutable_confirmed_amount() = MakeMoney(c.confirmed_minor, c.currency);
    conf->set_signed_by(c.confirmed_by);
    conf->set_document_reference(c.confirmation_reference);
  }
  if (c.plan_received_on) {
    auto* plan = p.mutable_repayment_plan();
    *plan->mutable_received_on() = FromCivilDay(*c.plan_received_on);
    plan->set_signed_by(c.plan_signed_by);
    plan->set_document_reference(c.plan_reference);
    if (with_details) {
      SALES_ASSIGN_OR_RETURN(auto installments, CollectionsStore::PlanInstallments(tx, c.id, c.currency));
      for (auto& i : installments) *plan->add_installments() = std::move(i);
    }
  }
  if (c.facts.first_notice_on) {
    auto* n = p.add_notices();
    n->set_kind(v1::DUNNING_NOTICE_KIND_FIRST);
    *n->mutable_sent_on() = FromCivilDay(*c.facts.first_notice_on);
    *n->mutable_stated_amount() = MakeMoney(c.first_notice_minor, c.currency);
    *n->mutable_settle_by() = FromCivilDay(SecondNoticeDay(*c.facts.first_notice_on));
    n->set_delivery_method(c.first_notice_method);
    n->set_document_reference(c.first_notice_reference);
  }
  if (c.facts.second_notice_on) {
    auto* n = p.add_notices();
    n->set_kind(v1::DUNNING_NOTICE_KIND_SECOND);
    *n->mutable_sent_on() = FromCivilDay(*c.facts.second_notice_on);
    *n->mutable_stated_amount() = MakeMoney(c.second_notice_minor, c.currency);
    n->set_delivery_method(c.second_notice_method);
    n->set_document_reference(c.second_notice_reference);
  }
  if (with_details) {
    SALES_ASSIGN_OR_RETURN(auto steps, CollectionsStore::Steps(tx, c.id));
    for (auto& s : steps) *p.add_steps() = std::move(s);
  }
  p.set_credit_hold_id(c.credit_hold_id);
  p.set_legal_file_reference(c.legal_file_reference);
  if (c.facts.closed_on) *p.mutable_closed_on() = FromCivilDay(*c.facts.closed_on);
  p.set_close_reason(c.close_reason);
  p.set_close_note(c.close_note);
  p.set_etag(MakeEtag(c.version));
  *p.mutable_create_time() = ToTimestamp(c.created_at);
  *p.mutable_update_time() = ToTimestamp(c.updated_at);
  return p;
}

v1::CreditHold HoldToProto(const HoldRecord& h) {
  v1::CreditHold p;
  p.set_id(h.id);
  p.set_customer_id(h.customer_id);
  p.set_rep_id(h.rep_id);
  p.set_source(h.source);
  p.set_state(h.state);
  p.set_reason(h.reason);
  for (int64_t id : h.case_ids) p.add_collection_case_ids(id);
  *p.mutable_overdue_amount() = MakeMoney(h.overdue_minor, h.currency);
  *p.mutable_set_on() = FromCivilDay(h.set_on);
  if (h.released_on) *p.mutable_released_on() = FromCivilDay(*h.released_on);
  p.set_release_reason(h.release_reason);
  p.set_etag(MakeEtag(h.version));
  *p.mutable_create_time() = ToTimestamp(h.created_at);
  *p.mutable_update_time() = ToTimestamp(h.updated_at);
  return p;
}

absl::Status AppendFinanceEvent(db::Transaction& tx, Outbox* outbox, const std::string& aggregate_type,
                                int64_t aggregate_id, const google::protobuf::Message& payload,
                                const std::string& request_id, absl::Time now) {
  if (outbox != nullptr) {
    return outbox->Append(tx, aggregate_type, absl::StrCat(aggregate_id), payload, request_id);
  }
  // Same row as Outbox::Append writes (platform/outbox.cc).
  return tx
      .Exec(
          "INSERT INTO outbox (aggregatetype, aggregateid, type, payload_type, payload, request_id, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          {aggregate_type, absl::StrCat(aggregate_id), std::string(payload.GetDescriptor()->name()),
           std::string(payload.GetDescriptor()->full_name()), db::Bytes{payload.SerializeAsString()}, request_id,
           FormatDbTime(now)})
      .status();
}

}  // namespace sales::finance
