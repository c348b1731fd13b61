// The commission port in memory, for application tests without a database:
// the test fills the public tables (plans, statements, the receivables rows
// commissions are computed from), the use case reads and writes through the
// CommissionBook interface, and the test asserts on the tables and on what
// was audited and published. Reads and writes follow CommissionStore's
// statements (the row version checks, the draft upsert that keeps the state,
// the deduction moves, the unique holdback release per rep and year), so a
// use case that skips a check shows up here as a wrong row rather than a
// silently accepted write. There is no rollback: a use case that fails half
// way leaves its earlier writes in place; RolledBack() stands in for the
// transaction a dry run throws away.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "finance-svc/app/commission_book.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/finance/v1/invoice.pb.h"

namespace sales::testing {

class FakeCommissionBook final : public finance::CommissionBook {
 public:
  // A payment application (V002 payment_applications) with its lines'
  // commissionable parts, by product line.
  struct Application {
    int64_t id = 0;
    int64_t rep_id = 0;
    int64_t org_unit_id = 0;
    int64_t invoice_id = 0;
    int64_t customer_id = 0;
    absl::CivilDay due_on;
    absl::CivilDay applied_on;
    std::map<int64_t, int64_t> commissionable;  // product line → fen
    bool reversed = false;
    std::optional<absl::CivilDay> reversed_on;
  };
  // An invoice as the deduction and activity reads see it.
  struct Invoice {
    int64_t id = 0;
    int64_t rep_id = 0;
    int64_t org_unit_id = 0;
    int64_t customer_id = 0;
    finance::v1::InvoiceState state = finance::v1::INVOICE_STATE_ISSUED;
    absl::CivilDay due_on;
    int64_t gross_minor = 0;
    int64_t balance_minor = 0;
    int64_t commissionable_minor = 0;  // gross of its commissionable lines
  };
  // A credit memo line that takes commission back, already cut to what had
  // been collected (the store's arithmetic is not repeated here).
  struct Credit {
    int64_t rep_id = 0;
    absl::CivilDay memo_date;
    finance::CreditFact fact;
  };
  // A commission_statements row: the columns beside the stored body.
  struct StatementRow {
    int64_t id = 0;
    int64_t rep_id = 0;
    int64_t org_unit_id = 0;
    absl::CivilDay month;
    int64_t plan_id = 0;
    finance::v1::CommissionStatementState state = finance::v1::COMMISSION_STATEMENT_STATE_DRAFT;
    int64_t held_back_minor = 0;
    std::optional<absl::CivilDay> paid_on;
    finance::v1::CommissionStatement body;  // without id and etag
    int64_t version = 1;
    absl::Time computed_at;
    absl::Time updated_at;
  };
  struct Move {
    int64_t deducted_minor = 0;
    int64_t returned_minor = 0;
  };
  struct HoldbackRelease {
    int year = 0;
    int64_t rep_id = 0;
    absl::CivilDay release_month;
    int64_t amount_minor = 0;
  };
  // One finance_audit row, cut to its columns' widths as the store cuts it.
  struct AuditRow {
    std::string record_type;
    int64_t record_id = 0;
    std::string action;
    std::string from;
    std::string to;
    std::string reason;
    std::string actor_user;
    std::string actor_role;
    std::string request_id;
    absl::Time at;
  };
  // One message appended to the feed, kept serialized (read it back with EventsOf<E>()).
  struct Event {
    std::string aggregate_type;
    int64_t aggregate_id = 0;
    std::string type;  // full proto name
    std::string payload;
    std::string request_id;
  };

  // ---- What the test sets up (and reads back) ----
  std::map<int64_t, finance::PlanRecord> plans;            // by id, as GetPlan returns them
  std::map<int64_t, StatementRow> statements;              // by id
  std::map<int64_t, finance::DeductionRecord> deductions;  // by id
  std::map<std::pair<int64_t, int64_t>, Move> moves;       // by {statement, deduction}
  std::vector<HoldbackRelease> releases;
  std::vector<Application> applications;
  std::vector<Invoice> invoices;
  std::vector<Credit> credits;
  std::map<int64_t, int64_t> rep_units;                  // the reps' copy of the org: rep → unit
  std::map<int64_t, std::vector<int64_t>> org_chains;    // unit → itself and above, nearest first
  std::map<int64_t, std::vector<int64_t>> org_subtrees;  // unit → itself and below

  // ---- What the use case wrote ----
  std::vector<AuditRow> audits;
  std::vector<Event> events;
  int writes = 0;  // every write operation called, failed ones included

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
  std::vector<AuditRow> AuditsOf(const std::string& action) const {
    std::vector<AuditRow> out;
    for (const auto& a : audits) {
      if (a.action == action) out.push_back(a);
    }
    return out;
  }
  // The rep's statement of the month as GetCommissionStatement reads it.
  std::optional<finance::StatementRecord> Statement(int64_t rep_id, absl::CivilDay month) const {
    for (const auto& [id, row] : statements) {
      if (row.rep_id == rep_id && row.month == month) return Read(row);
    }
    return std::nullopt;
  }
  const finance::DeductionRecord* DeductionFor(int64_t rep_id, int64_t invoice_id) const {
    for (const auto& [id, d] : deductions) {
      if (d.rep_id == rep_id && d.invoice_id == invoice_id) return &d;
    }
    return nullptr;
  }

  // Runs `fn` and puts every table back as it was before: what a rolled
  // back transaction leaves behind.
  template <typename Fn>
  auto RolledBack(Fn fn) {
    FakeCommissionBook before = *this;
    auto result = fn();
    *this = before;
    return result;
  }

  // ---- CommissionBook ----
  absl::StatusOr<std::vector<int64_t>> OrgChain(int64_t unit_id) override { return Find(org_chains, unit_id); }
  absl::StatusOr<std::vector<int64_t>> OrgSubtree(int64_t unit_id) override { return Find(org_subtrees, unit_id); }

  absl::StatusOr<finance::PlanRecord> GetPlan(int64_t id, bool) override {
    auto it = plans.find(id);
    if (it == plans.end()) return NotFound("commission plan", id);
    finance::PlanRecord out = it->second;
    out.plan.set_id(id);
    out.plan.set_etag(MakeEtag(out.row_version));
    return out;
  }
  absl::Status UpdatePlan(finance::PlanRecord& rec, absl::Time now) override {
    ++writes;
    auto it = plans.find(rec.plan.id());
    if (it == plans.end() || it->second.row_version != rec.row_version) {
      return absl::AbortedError(absl::StrCat("commission plan ", rec.plan.id(), " changed underneath"));
    }
    // Name, version number and creation are columns the statement leaves alone.
    finance::PlanRecord& row = it->second;
    finance::v1::CommissionPlan next = rec.plan;
    next.set_name(row.plan.name());
    next.set_version(row.plan.version());
    *next.mutable_create_time() = row.plan.create_time();
    *next.mutable_update_time() = ToTimestamp(now);
    row.plan = next;
    ++row.row_version;
    ++rec.row_version;
    rec.plan.set_etag(MakeEtag(rec.row_version));
    *rec.plan.mutable_update_time() = ToTimestamp(now);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<finance::PlanRecord>> ListPlans(const finance::v1::ListCommissionPlansRequest& filter,
                                                             int64_t after_id, int limit) override {
    std::vector<finance::PlanRecord> out;
    for (const auto& [id, rec] : plans) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (id <= after_id) continue;
      const auto& p = rec.plan;
      if (filter.state() != finance::v1::COMMISSION_PLAN_STATE_UNSPECIFIED && p.state() != filter.state()) continue;
      if (!filter.name().empty() && p.name() != filter.name()) continue;
      if (filter.has_in_force_on() && !InForce(p, ToCivilDay(filter.in_force_on()))) continue;
      SALES_ASSIGN_OR_RETURN(auto read, GetPlan(id, false));
      out.push_back(std::move(read));
    }
    return out;
  }
  absl::StatusOr<std::vector<finance::PlanRecord>> PlansInForce(absl::CivilDay day) override {
    std::vector<finance::PlanRecord> out;
    for (const auto& [id, rec] : plans) {
      if (!InForce(rec.plan, day)) continue;
      SALES_ASSIGN_OR_RETURN(auto read, GetPlan(id, false));
      out.push_back(std::move(read));
    }
    return out;
  }
  absl::StatusOr<bool> ApprovedMonthsIn(absl::CivilDay from, std::optional<absl::CivilDay> to,
                                        int64_t plan_id) override {
    for (const auto& [id, row] : statements) {
      if (!Approved(row) || row.month < absl::CivilDay(absl::CivilMonth(from))) continue;
      if (to && row.month > *to) continue;
      if (plan_id != 0 && row.plan_id != plan_id) continue;
      return true;
    }
    return false;
  }

  absl::StatusOr<finance::StatementRecord> GetStatement(int64_t id, bool) override {
    auto it = statements.find(id);
    if (it == statements.end()) return NotFound("commission statement", id);
    return Read(it->second);
  }
  absl::StatusOr<std::optional<finance::StatementRecord>> StatementOf(int64_t rep_id, absl::CivilDay month,
                                                                      bool) override {
    return Statement(rep_id, month);
  }
  // As the INSERT … ON DUPLICATE KEY UPDATE of (rep, month): a new DRAFT,
  // or the same row with the new body and figures — its state untouched.
  absl::StatusOr<int64_t> SaveDraft(const finance::v1::CommissionStatement& s, absl::Time now) override {
    ++writes;
    const absl::CivilDay month = ToCivilDay(s.month());
    StatementRow* row = nullptr;
    for (auto& [id, r] : statements) {
      if (r.rep_id == s.rep_id() && r.month == month) row = &r;
    }
    if (row == nullptr) {
      const int64_t id = statements.empty() ? 1 : statements.rbegin()->first + 1;
      row = &statements[id];
      row->id = id;
      row->rep_id = s.rep_id();
      row->month = month;
      row->state = finance::v1::COMMISSION_STATEMENT_STATE_DRAFT;
      row->version = 0;
    }
    row->org_unit_id = s.org_unit_id();
    row->plan_id = s.commission_plan_id();
    row->held_back_minor = s.held_back().minor_units();
    row->body = Body(s);
    ++row->version;
    row->computed_at = now;
    row->updated_at = now;
    return row->id;
  }
  absl::Status UpdateStatement(finance::StatementRecord& rec, absl::Time now) override {
    ++writes;
    const finance::v1::CommissionStatement& s = rec.statement;
    auto it = statements.find(s.id());
    if (it == statements.end() || it->second.version != rec.row_version) {
      return absl::AbortedError(absl::StrCat("commission statement ", s.id(), " changed underneath"));
    }
    StatementRow& row = it->second;
    row.state = s.state();
    row.paid_on = s.has_paid_on() ? std::optional<absl::CivilDay>(ToCivilDay(s.paid_on())) : std::nullopt;
    row.held_back_minor = s.held_back().minor_units();
    row.body = Body(s);
    ++row.version;
    row.updated_at = now;
    ++rec.row_version;
    rec.statement.set_etag(MakeEtag(rec.row_version));
    *rec.statement.mutable_update_time() = ToTimestamp(now);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<finance::CollectionFact>> Collections(int64_t rep_id, absl::CivilDay from,
                                                                   absl::CivilDay to,
                                                                   const std::vector<int64_t>& lines) override {
    std::vector<finance::CollectionFact> out;
    for (const Application* a : ById()) {
      if (a->rep_id != rep_id) continue;
      const bool collected = Within(a->applied_on, from, to);
      const bool reversed = a->reversed && a->reversed_on && Within(*a->reversed_on, from, to);
      if (!collected && !reversed) continue;
      for (const auto& [line, fen] : a->commissionable) {
        if (fen <= 0 || !LineAllowed(lines, line)) continue;
        finance::CollectionFact f = FactOf(*a, line, fen);
        if (collected) out.push_back(f);
        if (reversed) {
          f.reversed = true;
          out.push_back(f);
        }
      }
    }
    return out;
  }
  absl::StatusOr<std::vector<finance::CreditFact>> Credits(int64_t rep_id, absl::CivilDay from, absl::CivilDay to,
                                                           const std::vector<int64_t>& lines) override {
    std::vector<finance::CreditFact> out;
    for (const auto& c : credits) {
      if (c.rep_id == rep_id && Within(c.memo_date, from, to) && LineAllowed(lines, c.fact.product_line_id)) {
        out.push_back(c.fact);
      }
    }
    return out;
  }
  absl::StatusOr<std::vector<finance::DeductionFact>> Deductions(int64_t rep_id, absl::CivilDay as_of,
                                                                 int late_months) override {
    std::map<int64_t, finance::DeductionFact> by_invoice;
    for (const Invoice& i : InvoicesById()) {
      if (i.rep_id != rep_id || !Open(i) || !(i.due_on < as_of)) continue;
      if (as_of <= finance::AddMonths(i.due_on, late_months)) continue;
      if (i.gross_minor <= 0 || i.commissionable_minor <= 0) continue;
      // The commissionable share of the unpaid balance, rounded down.
      int64_t outstanding =
          static_cast<int64_t>(absl::int128(i.balance_minor) * i.commissionable_minor / i.gross_minor);
      by_invoice[i.id] =
          finance::DeductionFact{.invoice_id = i.id, .customer_id = i.customer_id, .outstanding_minor = outstanding};
    }
    for (const auto& [id, d] : deductions) {
      if (d.rep_id != rep_id || d.state != finance::v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING) continue;
      finance::DeductionFact& f = by_invoice[d.invoice_id];  // absent: collected since → outstanding 0
      f.deduction_id = d.id;
      f.invoice_id = d.invoice_id;
      f.customer_id = d.customer_id;
      f.held_minor = d.deducted_minor - d.returned_minor;
    }
    std::vector<finance::DeductionFact> out;
    for (auto& [id, f] : by_invoice) out.push_back(f);
    return out;
  }
  absl::StatusOr<std::vector<finance::CollectionFact>> UnitCollections(const std::vector<int64_t>& units,
                                                                       absl::CivilDay from, absl::CivilDay to,
                                                                       const std::vector<int64_t>& lines) override {
    std::vector<finance::CollectionFact> out;
    for (const Application* a : ById()) {
      if (std::find(units.begin(), units.end(), a->org_unit_id) == units.end()) continue;
      if (a->reversed || !Within(a->applied_on, from, to)) continue;
      for (const auto& [line, fen] : a->commissionable) {
        if (fen > 0 && LineAllowed(lines, line)) out.push_back(FactOf(*a, line, fen));
      }
    }
    return out;
  }
  absl::StatusOr<std::vector<int64_t>> ActiveReps(absl::CivilDay from, absl::CivilDay to) override {
    std::set<int64_t> reps;
    for (const auto& a : applications) {
      if (Within(a.applied_on, from, to) || (a.reversed && a.reversed_on && Within(*a.reversed_on, from, to))) {
        reps.insert(a.rep_id);
      }
    }
    for (const auto& c : credits) {
      if (Within(c.memo_date, from, to)) reps.insert(c.rep_id);
    }
    for (const auto& [id, d] : deductions) {
      if (d.state == finance::v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING) reps.insert(d.rep_id);
    }
    for (const auto& i : invoices) {
      if (Open(i) && i.due_on < to) reps.insert(i.rep_id);
    }
    for (const auto& r : releases) {
      if (r.release_month == from) reps.insert(r.rep_id);
    }
    reps.erase(0);
    return std::vector<int64_t>(reps.begin(), reps.end());
  }
  // The copy's unit, else the unit of the rep's latest invoice, else of the
  // latest application.
  absl::StatusOr<int64_t> RepUnit(int64_t rep_id) override {
    if (auto it = rep_units.find(rep_id); it != rep_units.end() && it->second != 0) return it->second;
    const std::vector<Invoice> invoices_by_id = InvoicesById();
    for (auto it = invoices_by_id.rbegin(); it != invoices_by_id.rend(); ++it) {
      if (it->rep_id == rep_id) return it->org_unit_id;
    }
    auto apps = ById();
    for (auto it = apps.rbegin(); it != apps.rend(); ++it) {
      if ((*it)->rep_id == rep_id) return (*it)->org_unit_id;
    }
    return int64_t{0};
  }

  absl::Status UndoDeductionMoves(int64_t statement_id, absl::Time) override {
    ++writes;
    for (auto it = moves.begin(); it != moves.end();) {
      if (it->first.first != statement_id) {
        ++it;
        continue;
      }
      if (auto d = deductions.find(it->first.second); d != deductions.end()) {
        d->second.deducted_minor -= it->second.deducted_minor;
        d->second.returned_minor -= it->second.returned_minor;
        d->second.state = finance::v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING;
        d->second.returned_month.reset();
      }
      it = moves.erase(it);
    }
    return absl::OkStatus();
  }
  absl::Status ApplyDeductionChanges(int64_t statement_id, int64_t rep_id, absl::CivilDay month,
                                     const std::vector<finance::DeductionChange>& changes, absl::Time) override {
    ++writes;
    for (const auto& c : changes) {
      int64_t id = c.deduction_id;
      if (id == 0) {
        // INSERT … ON DUPLICATE KEY (rep, invoice): the existing row is kept, OUTSTANDING again.
        const finance::DeductionRecord* known = DeductionFor(rep_id, c.invoice_id);
        if (known != nullptr) {
          id = known->id;
          deductions[id].state = finance::v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING;
        } else {
          id = deductions.empty() ? 1 : deductions.rbegin()->first + 1;
          finance::DeductionRecord& d = deductions[id];
          d.id = id;
          d.rep_id = rep_id;
          d.invoice_id = c.invoice_id;
          d.customer_id = c.customer_id;
          d.amount_minor = c.outstanding_minor;
          d.state = finance::v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING;
          d.started_month = month;
        }
      }
      auto it = deductions.find(id);
      if (it == deductions.end()) return NotFound("commission deduction", id);
      finance::DeductionRecord& d = it->second;
      d.deducted_minor += c.deducted_minor;
      d.returned_minor += c.returned_minor;
      if (c.outstanding_minor == 0 && d.deducted_minor == d.returned_minor) {
        d.state = finance::v1::COMMISSION_DEDUCTION_STATE_RETURNED;
        d.returned_month = month;
      }
      Move& m = moves[{statement_id, id}];
      m.deducted_minor += c.deducted_minor;
      m.returned_minor += c.returned_minor;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> HeldBackInYear(int64_t rep_id, int year) override {
    int64_t sum = 0;
    for (const auto& [id, row] : statements) {
      if (row.rep_id == rep_id && row.month.year() == year && Approved(row)) sum += row.held_back_minor;
    }
    return sum;
  }
  absl::StatusOr<bool> HoldbackReleased(int64_t rep_id, int year) override {
    return std::any_of(releases.begin(), releases.end(),
                       [&](const HoldbackRelease& r) { return r.rep_id == rep_id && r.year == year; });
  }
  absl::Status InsertHoldbackRelease(int year, int64_t rep_id, absl::CivilDay month, int64_t amount,
                                     absl::Time) override {
    ++writes;
    SALES_ASSIGN_OR_RETURN(bool released, HoldbackReleased(rep_id, year));
    if (released) {
      return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("Duplicate entry '", year, "-", rep_id, "'")),
                           "DUPLICATE_KEY", "db.sales");
    }
    releases.push_back({year, rep_id, month, amount});
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> HoldbackReleaseFor(int64_t rep_id, absl::CivilDay month) override {
    int64_t sum = 0;
    for (const auto& r : releases) {
      if (r.rep_id == rep_id && r.release_month == month) sum += r.amount_minor;
    }
    return sum;
  }
  absl::StatusOr<std::vector<int64_t>> RepsWithStatements(int year) override {
    std::set<int64_t> reps;
    for (const auto& [id, row] : statements) {
      if (row.month.year() == year && Approved(row)) reps.insert(row.rep_id);
    }
    return std::vector<int64_t>(reps.begin(), reps.end());
  }

  absl::Status Audit(const std::string& record_type, int64_t record_id, const std::string& action,
                     const std::string& from, const std::string& to, const std::string& reason,
                     const finance::Actor& actor, absl::Time now) override {
    ++writes;
    audits.push_back({record_type, record_id, action.substr(0, 32), from.substr(0, 32), to.substr(0, 32),
                      reason.substr(0, 500), actor.user_id.empty() ? std::string("sweep") : actor.user_id.substr(0, 64),
                      actor.role.substr(0, 32), actor.request_id.substr(0, 64), now});
    return absl::OkStatus();
  }
  absl::Status Publish(const std::string& aggregate_type, int64_t aggregate_id, const google::protobuf::Message& event,
                       const std::string& request_id, absl::Time) override {
    ++writes;
    events.push_back({aggregate_type, aggregate_id, std::string(event.GetDescriptor()->full_name()),
                      event.SerializeAsString(), request_id});
    return absl::OkStatus();
  }

 private:
  static std::vector<int64_t> Find(const std::map<int64_t, std::vector<int64_t>>& m, int64_t key) {
    auto it = m.find(key);
    return it == m.end() ? std::vector<int64_t>{} : it->second;
  }
  static bool Within(absl::CivilDay d, absl::CivilDay from, absl::CivilDay to) { return d >= from && d <= to; }
  static bool LineAllowed(const std::vector<int64_t>& lines, int64_t line) {
    return lines.empty() || std::find(lines.begin(), lines.end(), line) != lines.end();
  }
  static bool InForce(const finance::v1::CommissionPlan& p, absl::CivilDay day) {
    return p.state() == finance::v1::COMMISSION_PLAN_STATE_ACTIVE && ToCivilDay(p.effective_from()) <= day &&
           (!p.has_effective_to() || ToCivilDay(p.effective_to()) >= day);
  }
  static bool Approved(const StatementRow& row) {
    return row.state == finance::v1::COMMISSION_STATEMENT_STATE_APPROVED ||
           row.state == finance::v1::COMMISSION_STATEMENT_STATE_PAID;
  }
  static bool Open(const Invoice& i) {
    return (i.state == finance::v1::INVOICE_STATE_ISSUED || i.state == finance::v1::INVOICE_STATE_PARTIALLY_PAID) &&
           i.balance_minor > 0;
  }
  static finance::v1::CommissionStatement Body(const finance::v1::CommissionStatement& s) {
    finance::v1::CommissionStatement body = s;
    body.clear_id();
    body.clear_etag();
    return body;
  }
  static finance::CollectionFact FactOf(const Application& a, int64_t line, int64_t fen) {
    return finance::CollectionFact{.application_id = a.id,
                                   .invoice_id = a.invoice_id,
                                   .customer_id = a.customer_id,
                                   .product_line_id = line,
                                   .due_on = a.due_on,
                                   .collected_on = a.applied_on,
                                   .amount_minor = fen};
  }
  // As StatementFromRow: the body, then the columns over it.
  static finance::StatementRecord Read(const StatementRow& row) {
    finance::StatementRecord rec;
    finance::v1::CommissionStatement& s = rec.statement;
    s = row.body;
    s.set_id(row.id);
    s.set_rep_id(row.rep_id);
    s.set_org_unit_id(row.org_unit_id);
    *s.mutable_month() = FromCivilDay(row.month);
    s.set_commission_plan_id(row.plan_id);
    s.set_state(row.state);
    if (row.paid_on) *s.mutable_paid_on() = FromCivilDay(*row.paid_on);
    rec.row_version = row.version;
    s.set_etag(MakeEtag(row.version));
    *s.mutable_compute_time() = ToTimestamp(row.computed_at);
    *s.mutable_update_time() = ToTimestamp(row.updated_at);
    return rec;
  }
  std::vector<const Application*> ById() const {
    std::vector<const Application*> out;
    for (const auto& a : applications) out.push_back(&a);
    std::sort(out.begin(), out.end(), [](const Application* x, const Application* y) { return x->id < y->id; });
    return out;
  }
  std::vector<Invoice> InvoicesById() const {
    std::vector<Invoice> out = invoices;
    std::sort(out.begin(), out.end(), [](const Invoice& x, const Invoice& y) { return x.id < y.id; });
    return out;
  }
};

}  // namespace sales::testing
