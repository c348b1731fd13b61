// The collections port in memory, for application tests of the ladder
// without a database: the test fills the public maps (invoices, and cases,
// holds or accounts when it starts from a later state), the ladder reads and
// writes through the CollectionsBook interface, and the test asserts on the
// maps and on the steps, audit rows and events written. Each operation
// answers as CollectionsStore's statement does (which rows it sees, which
// columns it writes, the version guards), so a ladder that leans on a column
// the store never writes, or on a lock it never re-read, goes wrong here too.
// The customers' overdue amounts are not kept: they are derived from the
// invoices, the cases and the debit memos, as the store's SUM is. There is no
// rollback: a ladder that fails half way leaves its earlier writes in place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/app/collections_book.h"
#include "finance-svc/domain/errors.h"
#include "platform/status.h"
#include "sales/finance/v1/collections.pb.h"
#include "sales/finance/v1/invoice.pb.h"
#include "sales/finance/v1/memo.pb.h"

namespace sales::testing {

class FakeCollectionsBook final : public finance::CollectionsBook {
 public:
  // The first ids handed out. The ranges differ so that a hold id written
  // where a case id belongs (or an invoice id) does not match by accident.
  static constexpr int64_t kFirstCaseId = 301;
  static constexpr int64_t kFirstHoldId = 81;

  // One message appended to the feed, kept serialized (read it back with
  // EventsOf<E>()).
  struct Event {
    std::string aggregate_type;
    int64_t aggregate_id = 0;
    std::string type;  // full proto name, e.g. "sales.finance.v1.CustomerHoldSetEvent"
    std::string payload;
    std::string request_id;
  };
  // One collection_steps row.
  struct StepRow {
    int64_t case_id = 0;
    int64_t sequence = 0;  // 1, 2, ... per case
    finance::StepRecord step;
    std::string actor_user;
    std::string request_id;
    absl::Time recorded_at;
  };
  // One finance_audit row.
  struct AuditRow {
    std::string record_type;
    int64_t record_id = 0;
    std::string action, from, to, reason;
    std::string actor_user;  // "sweep" when the actor has no user, as the store writes it
    std::string actor_role;
    std::string request_id;
    absl::Time at;
  };
  // The on-hold part of a customer_accounts row (the credit-check summary).
  struct Account {
    bool on_hold = false;
    std::string hold_reason;
    int64_t version = 0;
  };
  // An issued debit memo: it counts towards the customer's overdue amount.
  struct DebitMemo {
    int64_t customer_id = 0;
    absl::CivilDay due_on;
    int64_t balance_minor = 0;
    int state = finance::v1::MEMO_STATE_ISSUED;
  };

  // ---- What the test sets up (and reads back) ----
  // Invoices by id; `state` is an InvoiceState. Only ISSUED and
  // PARTIALLY_PAID ones with a balance carry a receivable.
  std::map<int64_t, finance::LadderInvoice> invoices;
  std::map<int64_t, finance::CaseRecord> cases;  // by case id
  // By hold id. A hold is in force while ACTIVE (the store's
  // active_customer_id); `case_ids` are its credit_hold_cases rows, ascending.
  std::map<int64_t, finance::HoldRecord> holds;
  std::map<int64_t, Account> accounts;  // by customer id
  std::vector<DebitMemo> debit_memos;
  bool sweep_lock_row = true;  // V022's single row; false answers as a database without it

  // ---- What the ladder wrote ----
  std::vector<StepRow> steps;
  std::vector<AuditRow> audits;
  std::vector<Event> events;
  int sweep_turns = 0;

  template <typename E>
  std::vector<E> EventsOf() const {
    std::vector<E> out;
    for (const auto& e : events) {
      if (e.type != E().GetTypeName()) continue;
      out.emplace_back();
      out.back().ParseFromString(e.payload);
    }
    return out;
  }
  std::vector<std::string> EventTypes() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type.substr(e.type.rfind('.') + 1));
    return out;
  }
  // The steps of one case, in sequence.
  std::vector<finance::StepRecord> StepsOf(int64_t case_id) const {
    std::vector<finance::StepRecord> out;
    for (const auto& s : steps) {
      if (s.case_id == case_id) out.push_back(s.step);
    }
    return out;
  }
  std::vector<AuditRow> AuditsOf(const std::string& action) const {
    std::vector<AuditRow> out;
    for (const auto& a : audits) {
      if (a.action == action) out.push_back(a);
    }
    return out;
  }
  // The case of an invoice, nullptr when it has none.
  const finance::CaseRecord* CaseFor(int64_t invoice_id) const {
    for (const auto& [id, c] : cases) {
      if (c.invoice_id == invoice_id) return &c;
    }
    return nullptr;
  }
  bool OnHold(int64_t customer_id) const {
    auto it = accounts.find(customer_id);
    return it != accounts.end() && it->second.on_hold;
  }
  // What the store's CustomerOverdueMinor sums: the open balances of the
  // customer's receivable invoices due before `today`, except those whose
  // case finance closed by hand, plus the issued debit memos due before it.
  int64_t OverdueMinor(int64_t customer_id, absl::CivilDay today) const {
    int64_t sum = 0;
    for (const auto& [id, inv] : invoices) {
      if (inv.customer_id != customer_id || !Receivable(inv) || inv.due_on >= today) continue;
      const finance::CaseRecord* c = CaseFor(id);
      if (c != nullptr && c->stage == finance::v1::COLLECTION_STAGE_CLOSED &&
          c->close_reason == finance::v1::CASE_CLOSE_REASON_MANUAL) {
        continue;
      }
      sum += inv.balance_minor;
    }
    for (const auto& m : debit_memos) {
      if (m.customer_id == customer_id && m.state == finance::v1::MEMO_STATE_ISSUED && m.balance_minor > 0 &&
          m.due_on < today) {
        sum += m.balance_minor;
      }
    }
    return sum;
  }

  // ---- CollectionsBook: the daily sweep ----
  absl::Status TakeSweepTurn() override {
    if (!sweep_lock_row) return absl::FailedPreconditionError("collections_sweep_lock has no row");
    ++sweep_turns;
    return absl::OkStatus();
  }
  // Cases whose stage column is not CLOSED and whose invoice's balance is 0
  // (the store joins on the stage, not on closed_on), by id.
  absl::StatusOr<std::vector<int64_t>> SettledOpenCases(int64_t customer_id) override {
    std::vector<int64_t> out;
    for (const auto& [id, c] : cases) {
      if (c.stage == finance::v1::COLLECTION_STAGE_CLOSED) continue;
      if (customer_id != 0 && c.customer_id != customer_id) continue;
      auto inv = invoices.find(c.invoice_id);
      if (inv == invoices.end() || inv->second.balance_minor != 0) continue;
      out.push_back(id);
    }
    return out;
  }
  // ISSUED or PARTIALLY_PAID with a balance, due before `as_of`; oldest due
  // date first, then by id.
  absl::StatusOr<std::vector<finance::LadderInvoice>> OverdueInvoices(absl::CivilDay as_of,
                                                                      int64_t customer_id) override {
    std::vector<finance::LadderInvoice> out;
    for (const auto& [id, inv] : invoices) {
      if (!Receivable(inv) || inv.due_on >= as_of) continue;
      if (customer_id != 0 && inv.customer_id != customer_id) continue;
      out.push_back(inv);
    }
    std::stable_sort(out.begin(), out.end(), [](const finance::LadderInvoice& a, const finance::LadderInvoice& b) {
      return std::make_pair(a.due_on, a.id) < std::make_pair(b.due_on, b.id);
    });
    return out;
  }
  // Customers with an ACTIVE hold whose source is COLLECTIONS (a manual
  // hold's customer is not listed).
  absl::StatusOr<std::vector<int64_t>> CustomersOnCollectionsHold(int64_t customer_id) override {
    std::vector<int64_t> out;
    for (const auto& [id, h] : holds) {
      if (h.state != finance::v1::CREDIT_HOLD_STATE_ACTIVE || h.source != finance::v1::CREDIT_HOLD_SOURCE_COLLECTIONS) {
        continue;
      }
      if (customer_id != 0 && h.customer_id != customer_id) continue;
      if (std::find(out.begin(), out.end(), h.customer_id) == out.end()) out.push_back(h.customer_id);
    }
    return out;
  }

  // ---- Cases ----
  absl::StatusOr<finance::CaseRecord> GetCase(int64_t case_id, bool /*for_update*/) override {
    auto it = cases.find(case_id);
    if (it == cases.end()) return NotFound("collection case", case_id);
    return it->second;
  }
  absl::StatusOr<std::optional<finance::CaseRecord>> CaseOfInvoice(int64_t invoice_id, bool /*for_update*/) override {
    const finance::CaseRecord* c = CaseFor(invoice_id);
    if (c == nullptr) return std::optional<finance::CaseRecord>();
    return std::optional<finance::CaseRecord>(*c);
  }
  // The columns InsertCase writes; everything else keeps the table's
  // default (no dates recorded, no flags, no hold), version 1.
  absl::StatusOr<int64_t> InsertCase(const finance::CaseRecord& c, absl::Time now) override {
    if (CaseFor(c.invoice_id) != nullptr) {  // uk_collection_cases_invoice
      return absl::AlreadyExistsError(absl::StrCat("invoice ", c.invoice_id, " already has a collection case"));
    }
    finance::CaseRecord row;
    row.id = NextId(cases, kFirstCaseId);
    row.invoice_id = c.invoice_id;
    row.invoice_number = c.invoice_number;
    row.customer_id = c.customer_id;
    row.rep_id = c.rep_id;
    row.org_unit_id = c.org_unit_id;
    row.currency = c.currency;
    row.facts.due_on = c.facts.due_on;
    row.opening_minor = c.opening_minor;
    row.overdue_minor = c.overdue_minor;
    row.stage = c.stage;
    row.days_past_due = c.days_past_due;
    row.last_swept_on = c.last_swept_on;
    row.version = 1;
    row.created_at = now;
    row.updated_at = now;
    cases[row.id] = row;
    return row.id;
  }
  // Every mutable column, guarded by the version the caller read; the
  // invoice, customer, rep, unit, currency, due date and opening amount are
  // not written.
  absl::Status UpdateCase(finance::CaseRecord& c, absl::Time now) override {
    auto it = cases.find(c.id);
    if (it == cases.end() || it->second.version != c.version) {
      return absl::AbortedError(absl::StrCat("collection case ", c.id, " changed underneath"));
    }
    const finance::CaseRecord& old = it->second;
    finance::CaseRecord row = c;
    row.invoice_id = old.invoice_id;
    row.invoice_number = old.invoice_number;
    row.customer_id = old.customer_id;
    row.rep_id = old.rep_id;
    row.org_unit_id = old.org_unit_id;
    row.currency = old.currency;
    row.facts.due_on = old.facts.due_on;
    row.opening_minor = old.opening_minor;
    row.created_at = old.created_at;
    row.version = old.version + 1;
    row.updated_at = now;
    it->second = row;
    ++c.version;
    c.updated_at = now;
    return absl::OkStatus();
  }
  absl::Status AppendStep(int64_t case_id, const finance::StepRecord& step, const finance::Actor& actor,
                          absl::Time now) override {
    if (cases.find(case_id) == cases.end()) return NotFound("collection case", case_id);  // the foreign key
    int64_t seq = 0;
    for (const auto& s : steps) {
      if (s.case_id == case_id) seq = std::max(seq, s.sequence);
    }
    StepRow row{case_id, seq + 1, step, actor.user_id.substr(0, 64), actor.request_id.substr(0, 64), now};
    row.step.detail = step.detail.substr(0, 500);  // as the store cuts it (bytes)
    steps.push_back(std::move(row));
    return absl::OkStatus();
  }
  absl::StatusOr<finance::LadderInvoice> Invoice(int64_t invoice_id) override {
    auto it = invoices.find(invoice_id);
    if (it == invoices.end()) return NotFound("invoice", invoice_id);
    return it->second;
  }

  // ---- Holds ----
  absl::StatusOr<std::optional<finance::HoldRecord>> ActiveHold(int64_t customer_id, bool /*for_update*/) override {
    finance::HoldRecord* h = Active(customer_id);
    if (h == nullptr) return std::optional<finance::HoldRecord>();
    return std::optional<finance::HoldRecord>(*h);
  }
  // ACTIVE, version 1; a second active hold of the customer is refused as
  // uk_credit_holds_active refuses it.
  absl::StatusOr<int64_t> InsertHold(const finance::HoldRecord& h, absl::Time now) override {
    if (Active(h.customer_id) != nullptr) {
      return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("customer ", h.customer_id, " is already on hold")),
                           "HOLD_ACTIVE", finance::kFinanceDomain);
    }
    finance::HoldRecord row;
    row.id = NextId(holds, kFirstHoldId);
    row.customer_id = h.customer_id;
    row.rep_id = h.rep_id;
    row.source = h.source;
    row.state = finance::v1::CREDIT_HOLD_STATE_ACTIVE;
    row.reason = h.reason.substr(0, 500);
    row.currency = h.currency;
    row.overdue_minor = h.overdue_minor;
    row.set_on = h.set_on;
    row.version = 1;
    row.created_at = now;
    row.updated_at = now;
    holds[row.id] = row;
    return row.id;
  }
  // INSERT IGNORE: linking a case twice keeps one row.
  absl::Status LinkHoldCase(int64_t hold_id, int64_t case_id) override {
    auto it = holds.find(hold_id);
    // The database would drop a row with a missing hold silently (IGNORE);
    // here it is an error, as it can only be a bug of the caller.
    if (it == holds.end()) return NotFound("credit hold", hold_id);
    std::vector<int64_t>& ids = it->second.case_ids;
    if (std::find(ids.begin(), ids.end(), case_id) == ids.end()) {
      ids.push_back(case_id);
      std::sort(ids.begin(), ids.end());
    }
    return absl::OkStatus();
  }
  absl::Status ReleaseHold(finance::HoldRecord& h, absl::CivilDay on, const std::string& reason,
                           absl::Time now) override {
    auto it = holds.find(h.id);
    if (it == holds.end() || it->second.version != h.version) {
      return absl::AbortedError(absl::StrCat("credit hold ", h.id, " changed underneath"));
    }
    finance::HoldRecord& row = it->second;
    row.state = finance::v1::CREDIT_HOLD_STATE_RELEASED;
    row.released_on = on;
    row.release_reason = reason.substr(0, 500);
    ++row.version;
    row.updated_at = now;
    h.state = finance::v1::CREDIT_HOLD_STATE_RELEASED;
    h.released_on = on;
    h.release_reason = reason;
    ++h.version;
    h.updated_at = now;
    return absl::OkStatus();
  }
  // Creates the summary row when missing, as the store's upsert does; the
  // reason is kept only while on hold.
  absl::Status SetCustomerOnHold(int64_t customer_id, bool on_hold, const std::string& reason,
                                 absl::Time /*now*/) override {
    Account& a = accounts[customer_id];
    a.on_hold = on_hold;
    a.hold_reason = on_hold ? reason.substr(0, 500) : std::string();
    ++a.version;
    return absl::OkStatus();
  }
  absl::StatusOr<bool> CustomerHasOverdue(int64_t customer_id, absl::CivilDay today) override {
    return OverdueMinor(customer_id, today) > 0;
  }
  absl::StatusOr<int64_t> CustomerOverdueMinor(int64_t customer_id, absl::CivilDay today) override {
    return OverdueMinor(customer_id, today);
  }

  // ---- The audit trail and the feed ----
  absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                     const std::string& from, const std::string& to, const std::string& reason,
                     const finance::Actor& actor, absl::Time now) override {
    audits.push_back({record_type, record_id, action.substr(0, 32), from.substr(0, 32), to.substr(0, 32),
                      reason.substr(0, 500), actor.user_id.empty() ? std::string("sweep") : actor.user_id.substr(0, 64),
                      actor.role.substr(0, 32), actor.request_id.substr(0, 64), now});
    return absl::OkStatus();
  }
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id, absl::Time /*now*/) override {
    events.push_back(
        {aggregate_type, aggregate_id, std::string(event.GetTypeName()), event.SerializeAsString(), request_id});
    return absl::OkStatus();
  }

 private:
  static bool Receivable(const finance::LadderInvoice& inv) {
    return (inv.state == finance::v1::INVOICE_STATE_ISSUED || inv.state == finance::v1::INVOICE_STATE_PARTIALLY_PAID) &&
           inv.balance_minor > 0;
  }
  finance::HoldRecord* Active(int64_t customer_id) {
    for (auto& [id, h] : holds) {
      if (h.customer_id == customer_id && h.state == finance::v1::CREDIT_HOLD_STATE_ACTIVE) return &h;
    }
    return nullptr;
  }
  template <typename V>
  static int64_t NextId(const std::map<int64_t, V>& m, int64_t first) {
    return m.empty() ? first : std::max(first, m.rbegin()->first + 1);
  }
};

}  // namespace sales::testing
