#include "finance-svc/app/collections_ladder.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/ladder_rules.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

constexpr char kCaseAggregate[] = "CollectionCase";
constexpr char kHoldAggregate[] = "CreditHold";

bool IsCredited(const LadderInvoice& inv) { return inv.credited_minor > 0; }

}  // namespace

absl::Status CollectionsLadder::RecordStep(CaseRecord& c, StepRecord step) {
  v1::CollectionStage from = c.stage;
  v1::CollectionStage to = StageOf(c.facts);
  step.from_stage = from;
  step.to_stage = to;
  SALES_RETURN_IF_ERROR(book_.AppendStep(c.id, step, ctx_.actor, ctx_.now));
  // The audit trail (ListAuditEntries, subject COLLECTION_CASE) carries
  // every step with who took it and from which stage to which.
  SALES_RETURN_IF_ERROR(book_.Audit(
      "CollectionCase", c.id, v1::CollectionStepKind_Name(step.kind).substr(sizeof("COLLECTION_STEP_KIND_") - 1),
      v1::CollectionStage_Name(from).substr(sizeof("COLLECTION_STAGE_") - 1),
      v1::CollectionStage_Name(to).substr(sizeof("COLLECTION_STAGE_") - 1), step.detail, ctx_.actor, ctx_.now));
  c.stage = to;
  if (from == to) return absl::OkStatus();
  v1::CollectionStageChangedEvent ev;
  ev.set_collection_case_id(c.id);
  ev.set_invoice_id(c.invoice_id);
  ev.set_customer_id(c.customer_id);
  ev.set_rep_id(c.rep_id);
  ev.set_org_unit_id(c.org_unit_id);
  ev.set_from_stage(from);
  ev.set_to_stage(to);
  *ev.mutable_effective_on() = FromCivilDay(step.effective_on);
  *ev.mutable_overdue_amount() = MakeMoney(c.overdue_minor, c.currency);
  ev.set_days_past_due(DaysPastDue(c.facts.due_on, step.effective_on));
  return book_.Publish(kCaseAggregate, c.id, ev, ctx_.actor.request_id, ctx_.now);
}

absl::StatusOr<std::pair<int64_t, bool>> CollectionsLadder::StopSupply(CaseRecord& c, absl::CivilDay on) {
  SALES_ASSIGN_OR_RETURN(auto active, book_.ActiveHold(c.customer_id, /*for_update=*/true));
  int64_t hold_id = 0;
  bool created = false;
  if (active.has_value()) {
    // One supply stop per customer: a further case joins the hold in force.
    hold_id = active->id;
  } else {
    HoldRecord h;
    h.customer_id = c.customer_id;
    h.rep_id = c.rep_id;
    h.source = v1::CREDIT_HOLD_SOURCE_COLLECTIONS;
    h.reason = absl::StrCat("second dunning notice for ",
                            c.invoice_number.empty() ? absl::StrCat("invoice ", c.invoice_id) : c.invoice_number);
    h.currency = c.currency;
    SALES_ASSIGN_OR_RETURN(h.overdue_minor, book_.CustomerOverdueMinor(c.customer_id, on));
    h.set_on = on;
    SALES_ASSIGN_OR_RETURN(hold_id, book_.InsertHold(h, ctx_.now));
    SALES_RETURN_IF_ERROR(book_.SetCustomerOnHold(c.customer_id, true, h.reason, ctx_.now));
    SALES_RETURN_IF_ERROR(book_.Audit("CreditHold", hold_id, "HOLD_SET", "", "ACTIVE", h.reason, ctx_.actor, ctx_.now));
    v1::CustomerHoldSetEvent ev;
    ev.set_credit_hold_id(hold_id);
    ev.set_customer_id(c.customer_id);
    ev.set_rep_id(c.rep_id);
    ev.set_source(v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
    ev.set_reason(h.reason);
    *ev.mutable_set_on() = FromCivilDay(on);
    *ev.mutable_overdue_amount() = MakeMoney(h.overdue_minor, c.currency);
    ev.add_collection_case_ids(c.id);
    ev.add_invoice_ids(c.invoice_id);
    SALES_RETURN_IF_ERROR(book_.Publish(kHoldAggregate, hold_id, ev, ctx_.actor.request_id, ctx_.now));
    created = true;
  }
  SALES_RETURN_IF_ERROR(book_.LinkHoldCase(hold_id, c.id));
  c.credit_hold_id = hold_id;
  StepRecord step{.kind = v1::COLLECTION_STEP_KIND_SUPPLY_STOPPED,
                  .effective_on = on,
                  .by_sweep = ctx_.by_sweep,
                  .detail = created ? absl::StrCat("supply stopped: credit hold ", hold_id, " set")
                                    : absl::StrCat("supply already stopped: joins credit hold ", hold_id)};
  SALES_RETURN_IF_ERROR(RecordStep(c, step));
  return std::make_pair(hold_id, created);
}

absl::Status CollectionsLadder::CloseCase(CaseRecord& c, absl::CivilDay on, v1::CaseCloseReason reason,
                                          const std::string& note) {
  c.facts.closed_on = on;
  c.close_reason = reason;
  c.close_note = note;
  std::string detail = reason == v1::CASE_CLOSE_REASON_PAID       ? "paid in full"
                       : reason == v1::CASE_CLOSE_REASON_CREDITED ? "balance cleared by credit"
                                                                  : absl::StrCat("closed by hand: ", note);
  SALES_RETURN_IF_ERROR(RecordStep(
      c,
      StepRecord{
          .kind = v1::COLLECTION_STEP_KIND_CLOSED, .effective_on = on, .by_sweep = ctx_.by_sweep, .detail = detail}));
  return book_.UpdateCase(c, ctx_.now);
}

absl::Status CollectionsLadder::ReleaseHoldNow(HoldRecord& h, absl::CivilDay on, const std::string& reason) {
  SALES_RETURN_IF_ERROR(book_.ReleaseHold(h, on, reason, ctx_.now));
  SALES_RETURN_IF_ERROR(book_.SetCustomerOnHold(h.customer_id, false, "", ctx_.now));
  SALES_RETURN_IF_ERROR(
      book_.Audit("CreditHold", h.id, "HOLD_RELEASED", "ACTIVE", "RELEASED", reason, ctx_.actor, ctx_.now));
  v1::CustomerHoldReleasedEvent ev;
  ev.set_credit_hold_id(h.id);
  ev.set_customer_id(h.customer_id);
  ev.set_rep_id(h.rep_id);
  *ev.mutable_released_on() = FromCivilDay(on);
  ev.set_reason(reason);
  return book_.Publish(kHoldAggregate, h.id, ev, ctx_.actor.request_id, ctx_.now);
}

absl::StatusOr<int64_t> CollectionsLadder::ReleaseHoldIfClear(int64_t customer_id, const std::string& reason) {
  return ReleaseHoldIfClearOn(customer_id, ctx_.today, reason);
}

absl::StatusOr<int64_t> CollectionsLadder::ReleaseHoldIfClearOn(int64_t customer_id, absl::CivilDay today,
                                                                const std::string& reason) {
  SALES_ASSIGN_OR_RETURN(auto active, book_.ActiveHold(customer_id, /*for_update=*/true));
  if (!active.has_value() || active->source != v1::CREDIT_HOLD_SOURCE_COLLECTIONS) return int64_t{0};
  SALES_ASSIGN_OR_RETURN(bool overdue, book_.CustomerHasOverdue(customer_id, today));
  if (overdue) return int64_t{0};
  SALES_RETURN_IF_ERROR(ReleaseHoldNow(*active, today, reason));
  return active->id;
}

absl::StatusOr<v1::RunCollectionsSweepResponse> CollectionsLadder::Sweep(absl::CivilDay as_of, int64_t customer_id) {
  ctx_.by_sweep = true;
  v1::RunCollectionsSweepResponse out;
  *out.mutable_as_of() = FromCivilDay(as_of);
  std::set<int64_t> customers_touched;
  std::set<int64_t> advanced;

  // One run at a time (V022): a second run waits here for the first to
  // commit, then finds the day's work done, as a run after it would.
  SALES_RETURN_IF_ERROR(book_.TakeSweepTurn());

  // 1. Cases whose invoice was settled without the hook closing them (e.g.
  // credited, cancelled) close first, so a release below sees them closed.
  SALES_ASSIGN_OR_RETURN(auto settled, book_.SettledOpenCases(customer_id));
  for (int64_t id : settled) {
    SALES_ASSIGN_OR_RETURN(CaseRecord c, book_.GetCase(id, /*for_update=*/true));
    // Listed before its lock was ours: closed meanwhile (by hand, say) it
    // stays as it was closed, with no second CLOSED step.
    if (c.facts.closed_on.has_value()) continue;
    SALES_ASSIGN_OR_RETURN(LadderInvoice inv, book_.Invoice(c.invoice_id));
    out.set_examined_count(out.examined_count() + 1);
    c.overdue_minor = 0;
    SALES_RETURN_IF_ERROR(
        CloseCase(c, as_of, IsCredited(inv) ? v1::CASE_CLOSE_REASON_CREDITED : v1::CASE_CLOSE_REASON_PAID, ""));
    out.add_closed_case_ids(c.id);
    customers_touched.insert(c.customer_id);
  }

  // 2. Every overdue invoice: open, reopen or walk its case.
  SALES_ASSIGN_OR_RETURN(auto invoices, book_.OverdueInvoices(as_of, customer_id));
  for (const LadderInvoice& inv : invoices) {
    out.set_examined_count(out.examined_count() + 1);
    SALES_ASSIGN_OR_RETURN(auto existing, book_.CaseOfInvoice(inv.id, /*for_update=*/true));
    CaseRecord c;
    if (!existing.has_value()) {
      c.invoice_id = inv.id;
      c.invoice_number = inv.number;
      c.customer_id = inv.customer_id;
      c.rep_id = inv.rep_id;
      c.org_unit_id = inv.org_unit_id;
      c.currency = inv.currency;
      c.facts.due_on = inv.due_on;
      c.opening_minor = inv.balance_minor;
      c.overdue_minor = inv.balance_minor;
      c.stage = v1::COLLECTION_STAGE_UNSPECIFIED;
      c.days_past_due = DaysPastDue(inv.due_on, as_of);
      SALES_ASSIGN_OR_RETURN(c.id, book_.InsertCase(c, ctx_.now));
      SALES_ASSIGN_OR_RETURN(c, book_.GetCase(c.id, /*for_update=*/true));
      SALES_RETURN_IF_ERROR(
          RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_OPENED,
                                   .effective_on = as_of,
                                   .deadline_on = ConfirmationDeadline(inv.due_on),
                                   .by_sweep = true,
                                   .detail = absl::StrCat("overdue ", FormatFen(inv.balance_minor), " ", inv.currency,
                                                          " since ", DayText(FirstOverdueDay(inv.due_on)))}));
      out.add_opened_case_ids(c.id);
    } else {
      c = *existing;
      if (c.last_swept_on.has_value() && *c.last_swept_on >= as_of) continue;  // already swept: no change
      if (c.facts.closed_on.has_value()) {
        // Finance's own closing (court settlement, write-off) stands; a
        // case closed by payment reopens when the payment was reversed.
        if (c.close_reason == v1::CASE_CLOSE_REASON_MANUAL) continue;
        c.facts.closed_on.reset();
        c.close_reason = v1::CASE_CLOSE_REASON_UNSPECIFIED;
        c.overdue_minor = inv.balance_minor;
        SALES_RETURN_IF_ERROR(
            RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_REOPENED,
                                     .effective_on = as_of,
                                     .by_sweep = true,
                                     .detail = absl::StrCat("balance ", FormatFen(inv.balance_minor), " open again")}));
        advanced.insert(c.id);
      }
    }
    if (inv.balance_minor < c.overdue_minor) {
      std::string detail = absl::StrCat("overdue ", FormatFen(c.overdue_minor), " -> ", FormatFen(inv.balance_minor));
      c.overdue_minor = inv.balance_minor;
      SALES_RETURN_IF_ERROR(RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_PARTIAL_SETTLEMENT,
                                                     .effective_on = as_of,
                                                     .by_sweep = true,
                                                     .detail = detail}));
    }
    c.overdue_minor = inv.balance_minor;
    for (const LadderAction& a : DueLadderActions(c.facts, as_of)) {
      v1::CollectionStage before = c.stage;
      ApplyLadderAction(c.facts, a);
      StepRecord step{.effective_on = a.effective_on, .deadline_on = a.deadline_on, .by_sweep = true};
      switch (a.kind) {
        case LadderActionKind::kConfirmationMissed:
          step.kind = v1::COLLECTION_STEP_KIND_DEADLINE_MISSED;
          step.detail = absl::StrCat("no signed confirmation of the overdue amount by day ", kConfirmationDays, " (",
                                     DayText(a.deadline_on), ")");
          break;
        case LadderActionKind::kFirstNotice:
          c.first_notice_minor = c.overdue_minor;
          c.first_notice_method = "SWEEP";
          step.kind = v1::COLLECTION_STEP_KIND_FIRST_NOTICE;
          step.detail = absl::StrCat("first notice for ", FormatFen(c.overdue_minor),
                                     ": written repayment plan requested; supply stops unless settled by ",
                                     DayText(SecondNoticeDay(a.effective_on)));
          break;
        case LadderActionKind::kFirstNoticeMissed:
          step.kind = v1::COLLECTION_STEP_KIND_DEADLINE_MISSED;
          step.detail =
              absl::StrCat("first notice later than day ", kFirstNoticeDays, " (", DayText(a.deadline_on), ")");
          break;
        case LadderActionKind::kSecondNotice:
          c.second_notice_minor = c.overdue_minor;
          c.second_notice_method = "SWEEP";
          step.kind = v1::COLLECTION_STEP_KIND_SECOND_NOTICE;
          step.detail = absl::StrCat("second notice for ", FormatFen(c.overdue_minor));
          break;
        case LadderActionKind::kSecondNoticeMissed:
          step.kind = v1::COLLECTION_STEP_KIND_DEADLINE_MISSED;
          step.detail = absl::StrCat("second notice later than ", kSecondNoticeAfterFirstDays,
                                     " days after the first (", DayText(a.deadline_on), ")");
          break;
        case LadderActionKind::kStartLegal:
          step.kind = v1::COLLECTION_STEP_KIND_LEGAL_PREPARATION_STARTED;
          step.detail = "documents for legal action to be prepared";
          break;
      }
      SALES_RETURN_IF_ERROR(RecordStep(c, step));
      if (step.kind == v1::COLLECTION_STEP_KIND_DEADLINE_MISSED)
        out.set_deadline_missed_count(out.deadline_missed_count() + 1);
      if (a.kind == LadderActionKind::kSecondNotice) {
        SALES_ASSIGN_OR_RETURN(auto hold, StopSupply(c, a.effective_on));
        if (hold.second) out.add_hold_ids_set(hold.first);
      }
      if (c.stage != before) advanced.insert(c.id);
    }
    c.days_past_due = DaysPastDue(c.facts.due_on, as_of);
    c.last_swept_on = as_of;
    SALES_RETURN_IF_ERROR(book_.UpdateCase(c, ctx_.now));
    customers_touched.insert(c.customer_id);
  }

  // 3. Holds of customers with nothing overdue any more (paid, credited or
  // closed by hand since the hold was set).
  SALES_ASSIGN_OR_RETURN(auto held, book_.CustomersOnCollectionsHold(customer_id));
  for (int64_t customer : held) {
    // As of the sweep's day, not the day it runs.
    SALES_ASSIGN_OR_RETURN(int64_t released, ReleaseHoldIfClearOn(customer, as_of, "NOTHING_OVERDUE"));
    if (released != 0) out.add_hold_ids_released(released);
  }

  for (int64_t id : out.opened_case_ids()) advanced.erase(id);
  for (int64_t id : advanced) out.add_advanced_case_ids(id);
  out.set_opened_count(out.opened_case_ids_size());
  out.set_advanced_count(out.advanced_case_ids_size());
  out.set_closed_count(out.closed_case_ids_size());
  out.set_holds_set_count(out.hold_ids_set_size());
  out.set_holds_released_count(out.hold_ids_released_size());
  return out;
}

absl::Status CollectionsLadder::InvoiceSettled(int64_t invoice_id) {
  SALES_ASSIGN_OR_RETURN(auto existing, book_.CaseOfInvoice(invoice_id, /*for_update=*/true));
  if (!existing.has_value() || existing->facts.closed_on.has_value()) return absl::OkStatus();
  CaseRecord c = *existing;
  SALES_ASSIGN_OR_RETURN(LadderInvoice inv, book_.Invoice(invoice_id));
  if (inv.balance_minor > 0) {
    // Part paid: the case goes on, with the smaller amount on record.
    if (inv.balance_minor < c.overdue_minor) {
      std::string detail = absl::StrCat("overdue ", FormatFen(c.overdue_minor), " -> ", FormatFen(inv.balance_minor));
      c.overdue_minor = inv.balance_minor;
      SALES_RETURN_IF_ERROR(RecordStep(
          c, StepRecord{
                 .kind = v1::COLLECTION_STEP_KIND_PARTIAL_SETTLEMENT, .effective_on = ctx_.today, .detail = detail}));
      SALES_RETURN_IF_ERROR(book_.UpdateCase(c, ctx_.now));
    }
    return absl::OkStatus();
  }
  c.overdue_minor = 0;
  SALES_RETURN_IF_ERROR(
      CloseCase(c, ctx_.today, IsCredited(inv) ? v1::CASE_CLOSE_REASON_CREDITED : v1::CASE_CLOSE_REASON_PAID, ""));
  return ReleaseHoldIfClear(c.customer_id, "PAID_IN_FULL").status();
}

}  // namespace sales::finance
