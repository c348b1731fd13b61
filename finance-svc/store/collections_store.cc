#include "finance-svc/store/collections_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "finance-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

// Invoice states of V002 (InvoiceState) that carry a receivable.
constexpr int kInvoiceIssued = 5;
constexpr int kInvoicePartiallyPaid = 6;
constexpr int kDebitMemoIssued = 2;  // MemoState ISSUED

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
  c.id = r.Int(0);
  c.invoice_id = r.Int(1);
  c.invoice_number = r.Str(2);
  c.customer_id = r.Int(3);
  c.rep_id = r.Int(4);
  c.org_unit_id = r.Int(5);
  c.currency = r.Str(6);
  c.facts.due_on = *ParseDay(r, 7);
  c.opening_minor = r.Int(8);
  c.overdue_minor = r.Int(9);
  c.stage = static_cast<v1::CollectionStage>(r.Int(10));
  c.days_past_due = static_cast<int>(r.Int(11));
  c.last_swept_on = ParseDay(r, 12);
  c.facts.confirmed_on = ParseDay(r, 13);
  c.confirmed_minor = r.Int(14);
  c.confirmed_by = r.Str(15);
  c.confirmation_reference = r.Str(16);
  c.plan_received_on = ParseDay(r, 17);
  c.plan_signed_by = r.Str(18);
  c.plan_reference = r.Str(19);
  c.facts.first_notice_on = ParseDay(r, 20);
  c.first_notice_minor = r.Int(21);
  c.first_notice_method = r.Str(22);
  c.first_notice_reference = r.Str(23);
  c.facts.second_notice_on = ParseDay(r, 24);
  c.second_notice_minor = r.Int(25);
  c.second_notice_method = r.Str(26);
  c.second_notice_reference = r.Str(27);
  c.facts.legal_started_on = ParseDay(r, 28);
  c.facts.legal_ready_on = ParseDay(r, 29);
  c.legal_file_reference = r.Str(30);
  c.facts.missed_confirmation = r.Int(31) != 0;
  c.facts.missed_first_notice = r.Int(32) != 0;
  c.facts.missed_second_notice = r.Int(33) != 0;
  c.credit_hold_id = r.Int(34);
  c.facts.closed_on = ParseDay(r, 35);
  c.close_reason = static_cast<v1::CaseCloseReason>(r.Int(36));
  c.close_note = r.Str(37);
  c.version = r.Int(38);
  c.created_at = ParseDbTime(r.Str(39));
  c.updated_at = ParseDbTime(r.Str(40));
  return c;
}

constexpr char kHoldColumns[] =
    "id, customer_id, rep_id, source, state, reason, currency, overdue_minor, set_on, released_on, "
    "release_reason, version, created_at, updated_at";

HoldRecord HoldFromRow(const db::Row& r) {
  HoldRecord h;
  h.id = r.Int(0);
  h.customer_id = r.Int(1);
  h.rep_id = r.Int(2);
  h.source = static_cast<v1::CreditHoldSource>(r.Int(3));
  h.state = static_cast<v1::CreditHoldState>(r.Int(4));
  h.reason = r.Str(5);
  h.currency = r.Str(6);
  h.overdue_minor = r.Int(7);
  h.set_on = *ParseDay(r, 8);
  h.released_on = ParseDay(r, 9);
  h.release_reason = r.Str(10);
  h.version = r.Int(11);
  h.created_at = ParseDbTime(r.Str(12));
  h.updated_at = ParseDbTime(r.Str(13));
  return h;
}

absl::Status LoadHoldCases(db::Transaction& tx, HoldRecord& h) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT case_id FROM credit_hold_cases WHERE hold_id = ? ORDER BY case_id", {h.id}));
  h.case_ids.clear();
  for (const auto& r : rows) h.case_ids.push_back(r.Int(0));
  return absl::OkStatus();
}

constexpr char kInvoiceColumns[] =
    "id, COALESCE(number, ''), customer_id, rep_id, org_unit_id, currency, state, due_on, gross_total_minor, "
    "credited_minor, balance_minor";

LadderInvoice InvoiceFromRow(const db::Row& r) {
  LadderInvoice i;
  i.id = r.Int(0);
  i.number = r.Str(1);
  i.customer_id = r.Int(2);
  i.rep_id = r.Int(3);
  i.org_unit_id = r.Int(4);
  i.currency = r.Str(5);
  i.state = static_cast<int>(r.Int(6));
  i.due_on = ParseDay(r, 7).value_or(absl::CivilDay());
  i.gross_minor = r.Int(8);
  i.credited_minor = r.Int(9);
  i.balance_minor = r.Int(10);
  return i;
}

}  // namespace

std::optional<absl::CivilDay> ParseDay(const db::Row& r, size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  absl::CivilDay d;
  if (!absl::ParseCivilTime(r.Str(i).substr(0, 10), &d)) return std::nullopt;
  return d;
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

db::Param DayParam(const std::optional<absl::CivilDay>& d) {
  if (!d) return nullptr;
  return DayText(*d);
}

absl::StatusOr<CaseRecord> CollectionsStore::GetCase(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kCaseColumns,
                                                          " FROM collection_cases WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("collection case", id);
  return CaseFromRow(rows[0]);
}

absl::StatusOr<std::optional<CaseRecord>> CollectionsStore::CaseOfInvoice(db::Transaction& tx, int64_t invoice_id,
                                                                         bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kCaseColumns,
                                                          " FROM collection_cases WHERE invoice_id = ?",
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
               DayText(c.facts.due_on), c.opening_minor, c.overdue_minor, static_cast<int64_t>(c.stage),
               static_cast<int64_t>(c.days_past_due), DayParam(c.last_swept_on), FormatDbTime(now),
               FormatDbTime(now)})
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
              {c.overdue_minor, static_cast<int64_t>(c.stage), static_cast<int64_t>(c.days_past_due),
               DayParam(c.last_swept_on), DayParam(f.confirmed_on), c.confirmed_minor, c.confirmed_by,
               c.confirmation_reference, DayParam(c.plan_received_on), c.plan_signed_by, c.plan_reference,
               DayParam(f.first_notice_on), c.first_notice_minor, c.first_notice_method, c.first_notice_reference,
               DayParam(f.second_notice_on), c.second_notice_minor, c.second_notice_method,
               c.second_notice_reference, DayParam(f.legal_started_on), DayParam(f.legal_ready_on),
               c.legal_file_reference, int64_t{f.missed_confirmation}, int64_t{f.missed_first_notice},
               int64_t{f.missed_second_notice}, c.credit_hold_id, DayParam(f.closed_on),
               static_cast<int64_t>(c.close_reason), c.close_note, FormatDbTime(now), c.id, c.version}));
  // Callers hold the row lock, so a lost update means a bug, not a race.
  if (n != 1) return absl::AbortedError(absl::StrCat("collection case ", c.id, " changed underneath"));
  ++c.version;
  c.updated_at = now;
  return absl::OkStatus();
}

absl::Status CollectionsStore::AppendStep(db::Transaction& tx, int64_t case_id, const StepRecord& s,
                                          const Actor& actor, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COALESCE(MAX(sequence), 0) FROM collection_steps "
                                             "WHERE case_id = ?",
                                             {case_id}));
  int64_t seq = rows[0].Int(0) + 1;
  return tx
      .Exec("INSERT INTO collection_steps (case_id, sequence, kind, effective_on, deadline_on, by_sweep, "
            "from_stage, to_stage, detail, actor_user, request_id, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {case_id, seq, static_cast<int64_t>(s.kind), DayText(s.effective_on), DayParam(s.deadline_on),
             int64_t{s.by_sweep}, static_cast<int64_t>(s.from_stage), static_cast<int64_t>(s.to_stage),
             s.detail.substr(0, 500), actor.user_id.substr(0, 64), actor.request_id.substr(0, 64),
             FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::vector<v1::CollectionStep>> CollectionsStore::Steps(db::Transaction& tx, int64_t case_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT sequence, kind, effective_on, deadline_on, by_sweep, from_stage, "
                                  "to_stage, detail, recorded_at FROM collection_steps WHERE case_id = ? "
                                  "ORDER BY sequence",
                                  {case_id}));
  std::vector<v1::CollectionStep> out;
  for (const auto& r : rows) {
    v1::CollectionStep s;
    s.set_sequence(static_cast<int32_t>(r.Int(0)));
    s.set_kind(static_cast<v1::CollectionStepKind>(r.Int(1)));
    *s.mutable_effective_on() = FromCivilDay(*ParseDay(r, 2));
    if (auto d = ParseDay(r, 3)) *s.mutable_deadline_on() = FromCivilDay(*d);
    s.set_by_sweep(r.Int(4) != 0);
    s.set_from_stage(static_cast<v1::CollectionStage>(r.Int(5)));
    s.set_to_stage(static_cast<v1::CollectionStage>(r.Int(6)));
    s.set_detail(r.Str(7));
    *s.mutable_record_time() = ToTimestamp(ParseDbTime(r.Str(8)));
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

absl::StatusOr<std::vector<v1::RepaymentInstallment>> CollectionsStore::PlanInstallments(
    db::Transaction& tx, int64_t case_id, const std::string& currency) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT due_on, amount_minor FROM collection_plan_installments "
                                             "WHERE case_id = ? ORDER BY sequence",
                                             {case_id}));
  std::vector<v1::RepaymentInstallment> out;
  for (const auto& r : rows) {
    v1::RepaymentInstallment i;
    *i.mutable_due_on() = FromCivilDay(*ParseDay(r, 0));
    *i.mutable_amount() = MakeMoney(r.Int(1), currency);
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
    params.push_back(last[0].Str(0));
    params.push_back(last[0].Str(0));
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
    sql += absl::StrCat(" AND stage <> ", static_cast<int>(v1::COLLECTION_STAGE_CLOSED));
  } else {
    sql += absl::StrCat(" AND stage IN (", db::AppendInList(f.stages, params), ")");
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
  db::Params params{static_cast<int64_t>(v1::CREDIT_HOLD_SOURCE_COLLECTIONS)};
  if (customer_id != 0) {
    sql += " AND customer_id = ?";
    params.push_back(customer_id);
  }
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int(0));
  return out;
}

absl::StatusOr<std::vector<int64_t>> CollectionsStore::SettledOpenCases(db::Transaction& tx, int64_t customer_id) {
  std::string sql = absl::StrCat(
      "SELECT c.id FROM collection_cases c JOIN invoices i ON i.id = c.invoice_id WHERE c.stage <> ",
      static_cast<int>(v1::COLLECTION_STAGE_CLOSED), " AND i.balance_minor = 0");
  db::Params params;
  if (customer_id != 0) {
    sql += " AND c.customer_id = ?";
    params.push_back(customer_id);
  }
  sql += " ORDER BY c.id";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int(0));
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
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kHoldColumns,
                                               " FROM credit_holds WHERE active_customer_id = ?",
                                               for_update ? " FOR UPDATE" : ""),
                                  {customer_id}));
  if (rows.empty()) return std::optional<HoldRecord>();
  HoldRecord h = HoldFromRow(rows[0]);
  SALES_RETURN_IF_ERROR(LoadHoldCases(tx, h));
  return std::optional<HoldRecord>(std::move(h));
}

absl::StatusOr<int64_t> CollectionsStore::InsertHold(db::Transaction& tx, const HoldRecord& h, absl::Time now) {
  auto st = tx.Exec("INSERT INTO credit_holds (customer_id, active_customer_id, rep_id, source, state, reason, "
                    "currency, overdue_minor, set_on, version, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    {h.customer_id, h.customer_id, h.rep_id, static_cast<int64_t>(h.source),
                     static_cast<int64_t>(v1::CREDIT_HOLD_STATE_ACTIVE), h.reason.substr(0, 500), h.currency,
                     h.overdue_minor, DayText(h.set_on), FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("customer ", h.customer_id, " is already on hold")),
                         "HOLD_ACTIVE", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(st.status());
  return tx.LastInsertId();
}

absl::Status CollectionsStore::LinkHoldCase(db::Transaction& tx, int64_t hold_id, int64_t case_id) {
  return tx.Exec("INSERT IGNORE INTO credit_hold_cases (hold_id, case_id) VALUES (?, ?)", {hold_id, case_id})
      .status();
}

absl::Status CollectionsStore::ReleaseHold(db::Transaction& tx, HoldRecord& h, absl::CivilDay on,
                                           const std::string& reason, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(
      int64_t n, tx.Exec("UPDATE credit_holds SET state = ?, active_customer_id = NULL, released_on = ?, "
                         "release_reason = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                         {static_cast<int64_t>(v1::CREDIT_HOLD_STATE_RELEASED), DayText(on), reason.substr(0, 500),
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
    params.push_back(static_cast<int64_t>(req.state()));
  }
  if (req.source() != v1::CREDIT_HOLD_SOURCE_UNSPECIFIED) {
    sql += " AND source = ?";
    params.push_back(static_cast<int64_t>(req.source()));
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<HoldRecord> out;
  for (const auto& r : rows) {
    HoldRecord h = HoldFromRow(r);
    SALES_RETURN_IF_ERROR(LoadHoldCases(tx, h));
    out.push_back(std::move(h));
  }
  return out;
}

absl::StatusOr<std::vector<LadderInvoice>> CollectionsStore::OverdueInvoices(db::Transaction& tx,
                                                                             absl::CivilDay as_of,
                                                                             int64_t customer_id) {
  std::string sql = absl::StrCat("SELECT ", kInvoiceColumns,
                                 " FROM invoices WHERE state IN (?, ?) AND balance_minor > 0 AND due_on < ?");
  db::Params params{int64_t{kInvoiceIssued}, int64_t{kInvoicePartiallyPaid}, DayText(as_of)};
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
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kInvoiceColumns, " FROM invoices WHERE id = ?"), {invoice_id}));
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
  SALES_ASSIGN_OR_RETURN(
      auto inv, tx.Query(absl::StrCat("SELECT COALESCE(SUM(i.balance_minor), 0) FROM invoices i "
                                      "LEFT JOIN collection_cases c ON c.invoice_id = i.id "
                                      "WHERE i.customer_id = ? AND i.state IN (?, ?) AND i.balance_minor > 0 "
                                      "AND i.due_on < ? AND NOT (COALESCE(c.stage, 0) = ",
                                      static_cast<int>(v1::COLLECTION_STAGE_CLOSED),
                                      " AND COALESCE(c.close_reason, 0) = ",
                                      static_cast<int>(v1::CASE_CLOSE_REASON_MANUAL), ")"),
                         {customer_id, int64_t{kInvoiceIssued}, int64_t{kInvoicePartiallyPaid}, DayText(today)}));
  SALES_ASSIGN_OR_RETURN(auto dm, tx.Query("SELECT COALESCE(SUM(balance_minor), 0) FROM debit_memos "
                                           "WHERE customer_id = ? AND state = ? AND balance_minor > 0 "
                                           "AND due_on < ?",
                                           {customer_id, int64_t{kDebitMemoIssued}, DayText(today)}));
  return inv[0].Int(0) + dm[0].Int(0);
}

absl::StatusOr<int64_t> CollectionsStore::CustomerRep(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT rep_id FROM customer_accounts WHERE customer_id = ?", {customer_id}));
  if (!rows.empty() && rows[0].Int(0) != 0) return rows[0].Int(0);
  SALES_ASSIGN_OR_RETURN(auto inv, tx.Query("SELECT rep_id FROM invoices WHERE customer_id = ? "
                                            "ORDER BY id DESC LIMIT 1",
                                            {customer_id}));
  return inv.empty() ? int64_t{0} : inv[0].Int(0);
}

absl::StatusOr<int64_t> CollectionsStore::CustomerUnit(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT org_unit_id FROM customer_accounts WHERE customer_id = ?", {customer_id}));
  if (!rows.empty() && rows[0].Int(0) != 0) return rows[0].Int(0);
  SALES_ASSIGN_OR_RETURN(auto inv, tx.Query("SELECT org_unit_id FROM invoices WHERE customer_id = ? "
                                            "ORDER BY id DESC LIMIT 1",
                                            {customer_id}));
  return inv.empty() ? int64_t{0} : inv[0].Int(0);
}

absl::Status CollectionsStore::SetCustomerOnHold(db::Transaction& tx, int64_t customer_id, bool on_hold,
                                                 const std::string& reason, absl::Time now) {
  // The summary row normally exists (created by the first posting); a hold
  // set by hand on a customer with no posting yet creates it with zero
  // balances so the credit check still sees the hold.
  return tx
      .Exec("INSERT INTO customer_accounts (customer_id, on_hold, hold_reason, updated_at) VALUES (?, ?, ?, ?) "
            "ON DUPLICATE KEY UPDATE on_hold = VALUES(on_hold), hold_reason = VALUES(hold_reason), "
            "version = version + 1, updated_at = VALUES(updated_at)",
            {customer_id, int64_t{on_hold}, on_hold ? reason.substr(0, 500) : std::string(), FormatDbTime(now)})
      .status();
}

absl::Status CollectionsStore::Audit(db::Transaction& tx, const std::string& record_type, int64_t record_id,
                                     const std::string& action, const std::string& from, const std::string& to,
                                     const std::string& reason, const Actor& actor, absl::Time now) {
  return tx
      .Exec("INSERT INTO finance_audit (record_type, record_id, action, from_state, to_state, reason, actor_user, "
            "actor_role, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {record_type, record_id, action.substr(0, 32), from.substr(0, 32), to.substr(0, 32),
             reason.substr(0, 500), actor.user_id.empty() ? std::string("sweep") : actor.user_id.substr(0, 64),
             actor.role.substr(0, 32), actor.request_id.substr(0, 64), FormatDbTime(now)})
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
      .Exec("INSERT INTO outbox (aggregatetype, aggregateid, type, payload_type, payload, request_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            {aggregate_type, absl::StrCat(aggregate_id), std::string(payload.GetDescriptor()->name()),
             std::string(payload.GetDescriptor()->full_name()), db::Bytes{payload.SerializeAsString()},
             request_id, FormatDbTime(now)})
      .status();
}

}  // namespace sales::finance
