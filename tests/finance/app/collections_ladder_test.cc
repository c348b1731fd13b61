// CollectionsLadder (逾期账款催收, 超期帐款管理制度 [000]) without a database: the
// overdue invoices of 上海浦东新区华强贸易有限公司 (customer 1001) and
// 杭州恒达五金有限公司 (customer 1002), swept day by day against the in-memory
// collections book, paid, credited or closed by hand in between.
//
// The days follow domain/ladder_rules: invoice 501 (1234.50) falls due on
// Friday 2026-02-20, so 02-21 is day 1 overdue (the case opens), the
// confirmation deadline is due + 7 = 02-27 and is flagged missed on 02-28,
// the first notice goes out on due + 14 = 03-06, the second notice with the
// supply stop on 03-06 + 10 = 03-16 and legal preparation starts the day
// after, 03-17. Invoice 502 (800.00, same customer) falls due on 2026-03-02:
// opened 03-03, flagged 03-10, first notice 03-16, second notice 03-26,
// legal 03-27. Amounts are in fen; every sweep runs at noon of its own day.
#include "finance-svc/app/collections_ladder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/convert.h"
#include "sales/finance/v1/collections.pb.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/finance/v1/invoice.pb.h"
#include "tests/finance/app/fake_collections_book.h"
#include "tests/testing/status_matchers.h"

namespace sales::finance {
namespace {

using ::sales::testing::FakeCollectionsBook;
using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Day = absl::CivilDay;
using Kind = v1::CollectionStepKind;

constexpr int64_t kCustomer = 1001;       // 上海浦东新区华强贸易有限公司
constexpr int64_t kOtherCustomer = 1002;  // 杭州恒达五金有限公司
constexpr int64_t kRep = 7;
constexpr int64_t kUnit = 100;  // 上海销售部
constexpr int64_t kInvoiceA = 501;
constexpr int64_t kInvoiceB = 502;
constexpr int64_t kInvoiceC = 503;     // kOtherCustomer's
constexpr int64_t kAmountA = 123'450;  // 1234.50
constexpr int64_t kAmountB = 80'000;   // 800.00
constexpr int64_t kAmountC = 50'000;   // 500.00
constexpr Day kDueA(2026, 2, 20);
constexpr Day kDueB(2026, 3, 2);
// The fake's first ids: the first case opened and the first hold set.
constexpr int64_t kFirstCase = FakeCollectionsBook::kFirstCaseId;
constexpr int64_t kFirstHold = FakeCollectionsBook::kFirstHoldId;

constexpr Kind kOpened = v1::COLLECTION_STEP_KIND_OPENED;
constexpr Kind kMissed = v1::COLLECTION_STEP_KIND_DEADLINE_MISSED;
constexpr Kind kFirstNotice = v1::COLLECTION_STEP_KIND_FIRST_NOTICE;
constexpr Kind kSecondNotice = v1::COLLECTION_STEP_KIND_SECOND_NOTICE;
constexpr Kind kSupplyStopped = v1::COLLECTION_STEP_KIND_SUPPLY_STOPPED;
constexpr Kind kLegal = v1::COLLECTION_STEP_KIND_LEGAL_PREPARATION_STARTED;
constexpr Kind kPartial = v1::COLLECTION_STEP_KIND_PARTIAL_SETTLEMENT;
constexpr Kind kClosed = v1::COLLECTION_STEP_KIND_CLOSED;
constexpr Kind kReopened = v1::COLLECTION_STEP_KIND_REOPENED;

std::string Text(Day d) { return absl::FormatCivilTime(d); }
absl::Time NoonOf(Day d) { return StartOfBusinessDay(d) + absl::Hours(12); }

// The scheduler's run for `d` (no user: the sweep).
LadderContext SweepContext(Day d) {
  return LadderContext{.outbox = nullptr,
                       .actor = Actor{.user_id = "", .role = "service", .request_id = "sweep-" + Text(d)},
                       .now = NoonOf(d),
                       .today = d};
}
// The settlement hook's: no outbox, no actor (settlement_hooks.cc).
LadderContext HookContext(Day d) {
  return LadderContext{.outbox = nullptr, .actor = Actor{}, .now = NoonOf(d), .today = d};
}
// Finance closing a case by hand.
LadderContext FinanceContext(Day d) {
  return LadderContext{.outbox = nullptr,
                       .actor = Actor{.user_id = "李娜", .role = "finance", .request_id = "close-1"},
                       .now = NoonOf(d),
                       .today = d};
}

struct ExpectedStep {
  Kind kind;
  Day effective_on;
  std::optional<Day> deadline_on;
  v1::CollectionStage from, to;
  std::string detail;
};

void ExpectSteps(const std::vector<StepRecord>& got, const std::vector<ExpectedStep>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("step ", i + 1));
    EXPECT_EQ(got[i].kind, want[i].kind);
    EXPECT_EQ(got[i].effective_on, want[i].effective_on);
    EXPECT_EQ(got[i].deadline_on, want[i].deadline_on);
    EXPECT_EQ(got[i].from_stage, want[i].from);
    EXPECT_EQ(got[i].to_stage, want[i].to);
    EXPECT_EQ(got[i].detail, want[i].detail);
  }
}

class CollectionsLadderTest : public ::testing::Test {
 protected:
  // An issued invoice with nothing paid yet, numbered INV-2026-000<id>.
  void AddInvoice(int64_t id, int64_t customer, Day due, int64_t amount) {
    LadderInvoice& inv = book.invoices[id];
    inv.id = id;
    inv.number = absl::StrCat("INV-2026-000", id);
    inv.customer_id = customer;
    inv.rep_id = kRep;
    inv.org_unit_id = kUnit;
    inv.currency = "CNY";
    inv.state = v1::INVOICE_STATE_ISSUED;
    inv.due_on = due;
    inv.gross_minor = amount;
    inv.balance_minor = amount;
  }
  // What the receivables side leaves on the invoice after a payment (or
  // its reversal): the open balance and the state that goes with it.
  void SetBalance(int64_t id, int64_t balance) {
    LadderInvoice& inv = book.invoices.at(id);
    inv.balance_minor = balance;
    inv.state = balance == 0                                     ? v1::INVOICE_STATE_PAID
                : balance < inv.gross_minor - inv.credited_minor ? v1::INVOICE_STATE_PARTIALLY_PAID
                                                                 : v1::INVOICE_STATE_ISSUED;
  }
  // A credit memo applied to the invoice.
  void Credit(int64_t id, int64_t amount) {
    LadderInvoice& inv = book.invoices.at(id);
    inv.credited_minor += amount;
    SetBalance(id, inv.balance_minor - amount);
  }

  v1::RunCollectionsSweepResponse SweepOn(Day d, int64_t customer = 0) {
    CollectionsLadder ladder(book, SweepContext(d));
    absl::StatusOr<v1::RunCollectionsSweepResponse> r = ladder.Sweep(d, customer);
    EXPECT_THAT(r, IsOk()) << Text(d);
    return r.ok() ? *r : v1::RunCollectionsSweepResponse();
  }
  // One sweep a day, `from` to `to` included; the answers by day.
  std::map<Day, v1::RunCollectionsSweepResponse> SweepDaily(Day from, Day to) {
    std::map<Day, v1::RunCollectionsSweepResponse> out;
    for (Day d = from; d <= to; ++d) out[d] = SweepOn(d);
    return out;
  }
  // The settlement hook after a payment or credit changed the invoice on `d`.
  absl::Status SettledOn(int64_t invoice, Day d) {
    CollectionsLadder ladder(book, HookContext(d));
    return ladder.InvoiceSettled(invoice);
  }

  // A copy of the invoice's case as stored (a failure when there is none).
  CaseRecord CaseOf(int64_t invoice) {
    const CaseRecord* c = book.CaseFor(invoice);
    if (c == nullptr) {
      ADD_FAILURE() << "invoice " << invoice << " has no collection case";
      return CaseRecord();
    }
    return *c;
  }
  // The kinds of the steps written since the book held `before` steps.
  std::vector<Kind> KindsSince(size_t before) const {
    std::vector<Kind> out;
    for (size_t i = before; i < book.steps.size(); ++i) out.push_back(book.steps[i].step.kind);
    return out;
  }
  // Same, with the day each took effect.
  std::vector<std::pair<Kind, Day>> DatedKindsOf(int64_t case_id) const {
    std::vector<std::pair<Kind, Day>> out;
    for (const StepRecord& s : book.StepsOf(case_id)) out.emplace_back(s.kind, s.effective_on);
    return out;
  }

  // Sweeping `d` a second time writes nothing: no step, audit row, event,
  // hold or case write, and the answer counts nothing.
  void ExpectRepeatChangesNothing(Day d) {
    const size_t steps = book.steps.size(), audits = book.audits.size(), events = book.events.size(),
                 holds = book.holds.size();
    std::map<int64_t, int64_t> versions;
    for (const auto& [id, c] : book.cases) versions[id] = c.version;
    v1::RunCollectionsSweepResponse again = SweepOn(d);
    EXPECT_EQ(book.steps.size(), steps);
    EXPECT_EQ(book.audits.size(), audits);
    EXPECT_EQ(book.events.size(), events);
    EXPECT_EQ(book.holds.size(), holds);
    for (const auto& [id, c] : book.cases) EXPECT_EQ(c.version, versions[id]) << "case " << id;
    EXPECT_EQ(again.opened_count(), 0);
    EXPECT_EQ(again.advanced_count(), 0);
    EXPECT_EQ(again.closed_count(), 0);
    EXPECT_EQ(again.deadline_missed_count(), 0);
    EXPECT_EQ(again.holds_set_count(), 0);
    EXPECT_EQ(again.holds_released_count(), 0);
  }

  FakeCollectionsBook book;
};

// ---- Opening ----

TEST_F(CollectionsLadderTest, NewlyOverdueInvoiceOpensACaseOnItsFirstOverdueDay) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);

  // The due date itself is not overdue (due_on < as_of).
  v1::RunCollectionsSweepResponse due_day = SweepOn(kDueA);
  EXPECT_EQ(due_day.examined_count(), 0);
  EXPECT_TRUE(book.cases.empty());
  EXPECT_TRUE(book.events.empty());

  v1::RunCollectionsSweepResponse day1 = SweepOn(Day(2026, 2, 21));
  EXPECT_THAT(day1.opened_case_ids(), ElementsAre(kFirstCase));
  EXPECT_EQ(day1.opened_count(), 1);
  EXPECT_EQ(day1.examined_count(), 1);
  EXPECT_THAT(day1.advanced_case_ids(), IsEmpty());  // opened, not advanced
  EXPECT_EQ(ToCivilDay(day1.as_of()), Day(2026, 2, 21));

  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.id, kFirstCase);
  EXPECT_EQ(c.invoice_number, "INV-2026-000501");
  EXPECT_EQ(c.customer_id, kCustomer);
  EXPECT_EQ(c.rep_id, kRep);
  EXPECT_EQ(c.org_unit_id, kUnit);
  EXPECT_EQ(c.facts.due_on, kDueA);
  EXPECT_EQ(c.opening_minor, kAmountA);
  EXPECT_EQ(c.overdue_minor, kAmountA);
  EXPECT_EQ(c.stage, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  EXPECT_EQ(c.days_past_due, 1);
  EXPECT_EQ(c.last_swept_on, Day(2026, 2, 21));
  EXPECT_FALSE(c.facts.missed_confirmation);

  // OPENED, with the confirmation deadline due + 7.
  ASSERT_EQ(book.steps.size(), 1u);
  EXPECT_EQ(book.steps[0].case_id, kFirstCase);
  EXPECT_EQ(book.steps[0].sequence, 1);
  EXPECT_TRUE(book.steps[0].step.by_sweep);
  EXPECT_EQ(book.steps[0].request_id, "sweep-2026-02-21");
  ExpectSteps(book.StepsOf(kFirstCase),
              {{kOpened, Day(2026, 2, 21), Day(2026, 2, 27), v1::COLLECTION_STAGE_UNSPECIFIED,
                v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "overdue 1234.50 CNY since 2026-02-21"}});

  ASSERT_EQ(book.audits.size(), 1u);
  const FakeCollectionsBook::AuditRow& a = book.audits[0];
  EXPECT_EQ(a.record_type, "CollectionCase");
  EXPECT_EQ(a.record_id, kFirstCase);
  EXPECT_EQ(a.action, "OPENED");
  EXPECT_EQ(a.from, "UNSPECIFIED");
  EXPECT_EQ(a.to, "AWAITING_CONFIRMATION");
  EXPECT_EQ(a.reason, "overdue 1234.50 CNY since 2026-02-21");
  EXPECT_EQ(a.actor_user, "sweep");

  ASSERT_EQ(book.events.size(), 1u);
  EXPECT_EQ(book.events[0].aggregate_type, "CollectionCase");
  EXPECT_EQ(book.events[0].aggregate_id, kFirstCase);
  EXPECT_EQ(book.events[0].request_id, "sweep-2026-02-21");
  auto changed = book.EventsOf<v1::CollectionStageChangedEvent>();
  ASSERT_EQ(changed.size(), 1u);
  const v1::CollectionStageChangedEvent& ev = changed[0];
  EXPECT_EQ(ev.collection_case_id(), kFirstCase);
  EXPECT_EQ(ev.invoice_id(), kInvoiceA);
  EXPECT_EQ(ev.customer_id(), kCustomer);
  EXPECT_EQ(ev.rep_id(), kRep);
  EXPECT_EQ(ev.org_unit_id(), kUnit);
  EXPECT_EQ(ev.from_stage(), v1::COLLECTION_STAGE_UNSPECIFIED);
  EXPECT_EQ(ev.to_stage(), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  EXPECT_EQ(ToCivilDay(ev.effective_on()), Day(2026, 2, 21));
  EXPECT_EQ(ev.overdue_amount().minor_units(), kAmountA);
  EXPECT_EQ(ev.overdue_amount().currency_code(), "CNY");
  EXPECT_EQ(ev.days_past_due(), 1);
}

// ---- The stages, one sweep a day ----

TEST_F(CollectionsLadderTest, DailySweepWalksTheCaseUpTheLadderOnTheRulesDays) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  // The steps each day's sweep takes; every other day takes none.
  const std::map<Day, std::vector<Kind>> rungs = {
      {Day(2026, 2, 21), {kOpened}},                        // day 1
      {Day(2026, 2, 28), {kMissed}},                        // day 8: after ConfirmationDeadline (02-27)
      {Day(2026, 3, 6), {kFirstNotice}},                    // day 14: FirstNoticeDeadline
      {Day(2026, 3, 16), {kSecondNotice, kSupplyStopped}},  // SecondNoticeDay(03-06)
      {Day(2026, 3, 17), {kLegal}},                         // second notice + kLegalAfterSecondDays
  };
  const std::map<Day, v1::CollectionStage> stage_from = {
      {Day(2026, 2, 21), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION},
      {Day(2026, 3, 6), v1::COLLECTION_STAGE_FIRST_NOTICE},
      {Day(2026, 3, 16), v1::COLLECTION_STAGE_SUPPLY_STOPPED},
      {Day(2026, 3, 17), v1::COLLECTION_STAGE_LEGAL_PREPARATION},
  };
  std::map<Day, v1::RunCollectionsSweepResponse> answers;
  v1::CollectionStage stage = v1::COLLECTION_STAGE_UNSPECIFIED;
  for (Day d = kDueA; d <= Day(2026, 3, 20); ++d) {
    SCOPED_TRACE(Text(d));
    const size_t before = book.steps.size();
    answers[d] = SweepOn(d);
    auto rung = rungs.find(d);
    EXPECT_EQ(KindsSince(before), rung == rungs.end() ? std::vector<Kind>{} : rung->second);
    if (auto s = stage_from.find(d); s != stage_from.end()) stage = s->second;
    if (d == kDueA) {
      EXPECT_TRUE(book.cases.empty());
    } else {
      CaseRecord c = CaseOf(kInvoiceA);
      EXPECT_EQ(c.stage, stage);
      EXPECT_EQ(c.last_swept_on, d);
      EXPECT_EQ(c.days_past_due, static_cast<int>(d - kDueA));
    }
    ExpectRepeatChangesNothing(d);
  }

  ExpectSteps(
      book.StepsOf(kFirstCase),
      {{kOpened, Day(2026, 2, 21), Day(2026, 2, 27), v1::COLLECTION_STAGE_UNSPECIFIED,
        v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "overdue 1234.50 CNY since 2026-02-21"},
       {kMissed, Day(2026, 2, 28), Day(2026, 2, 27), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        "no signed confirmation of the overdue amount by day 7 (2026-02-27)"},
       {kFirstNotice, Day(2026, 3, 6), Day(2026, 3, 6), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        v1::COLLECTION_STAGE_FIRST_NOTICE,
        "first notice for 1234.50: written repayment plan requested; supply stops unless settled by 2026-03-16"},
       {kSecondNotice, Day(2026, 3, 16), Day(2026, 3, 16), v1::COLLECTION_STAGE_FIRST_NOTICE,
        v1::COLLECTION_STAGE_SUPPLY_STOPPED, "second notice for 1234.50"},
       {kSupplyStopped, Day(2026, 3, 16), std::nullopt, v1::COLLECTION_STAGE_SUPPLY_STOPPED,
        v1::COLLECTION_STAGE_SUPPLY_STOPPED, absl::StrCat("supply stopped: credit hold ", kFirstHold, " set")},
       {kLegal, Day(2026, 3, 17), Day(2026, 3, 17), v1::COLLECTION_STAGE_SUPPLY_STOPPED,
        v1::COLLECTION_STAGE_LEGAL_PREPARATION, "documents for legal action to be prepared"}});
  for (size_t i = 0; i < book.steps.size(); ++i) {
    EXPECT_EQ(book.steps[i].sequence, static_cast<int64_t>(i) + 1);
    EXPECT_TRUE(book.steps[i].step.by_sweep);
  }

  // What the sweep answered on the days something happened.
  EXPECT_EQ(answers[Day(2026, 2, 28)].deadline_missed_count(), 1);
  EXPECT_EQ(answers[Day(2026, 2, 28)].advanced_count(), 0);  // flagged, same stage
  EXPECT_THAT(answers[Day(2026, 3, 6)].advanced_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(answers[Day(2026, 3, 16)].advanced_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(answers[Day(2026, 3, 16)].hold_ids_set(), ElementsAre(kFirstHold));
  EXPECT_EQ(answers[Day(2026, 3, 16)].holds_set_count(), 1);
  EXPECT_THAT(answers[Day(2026, 3, 17)].advanced_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(answers[Day(2026, 3, 17)].hold_ids_set(), IsEmpty());

  // The case as the last sweep (03-20, day 28) left it.
  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.facts.first_notice_on, Day(2026, 3, 6));
  EXPECT_EQ(c.facts.second_notice_on, Day(2026, 3, 16));
  EXPECT_EQ(c.facts.legal_started_on, Day(2026, 3, 17));
  EXPECT_TRUE(c.facts.missed_confirmation);
  EXPECT_FALSE(c.facts.missed_first_notice);
  EXPECT_FALSE(c.facts.missed_second_notice);
  EXPECT_EQ(c.first_notice_minor, kAmountA);
  EXPECT_EQ(c.first_notice_method, "SWEEP");
  EXPECT_EQ(c.second_notice_minor, kAmountA);
  EXPECT_EQ(c.second_notice_method, "SWEEP");
  EXPECT_EQ(c.credit_hold_id, kFirstHold);
  EXPECT_EQ(c.days_past_due, 28);

  // The supply stop: one collections hold, the customer on hold.
  ASSERT_EQ(book.holds.size(), 1u);
  const HoldRecord& h = book.holds.at(kFirstHold);
  EXPECT_EQ(h.customer_id, kCustomer);
  EXPECT_EQ(h.rep_id, kRep);
  EXPECT_EQ(h.source, v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  EXPECT_EQ(h.state, v1::CREDIT_HOLD_STATE_ACTIVE);
  EXPECT_EQ(h.reason, "second dunning notice for INV-2026-000501");
  EXPECT_EQ(h.overdue_minor, kAmountA);
  EXPECT_EQ(h.set_on, Day(2026, 3, 16));
  EXPECT_THAT(h.case_ids, ElementsAre(kFirstCase));
  EXPECT_TRUE(book.OnHold(kCustomer));
  EXPECT_EQ(book.accounts[kCustomer].hold_reason, "second dunning notice for INV-2026-000501");
  auto hold_set = book.AuditsOf("HOLD_SET");
  ASSERT_EQ(hold_set.size(), 1u);
  EXPECT_EQ(hold_set[0].record_type, "CreditHold");
  EXPECT_EQ(hold_set[0].record_id, kFirstHold);
  EXPECT_EQ(hold_set[0].to, "ACTIVE");

  // The feed: a stage change for each new stage, the hold between the
  // second notice's change and legal preparation's.
  EXPECT_THAT(book.EventTypes(),
              ElementsAre("CollectionStageChangedEvent", "CollectionStageChangedEvent", "CollectionStageChangedEvent",
                          "CustomerHoldSetEvent", "CollectionStageChangedEvent"));
  auto changed = book.EventsOf<v1::CollectionStageChangedEvent>();
  ASSERT_EQ(changed.size(), 4u);
  const struct {
    v1::CollectionStage from, to;
    Day on;
    int days_past_due;
  } want[] = {
      {v1::COLLECTION_STAGE_UNSPECIFIED, v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, Day(2026, 2, 21), 1},
      {v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, v1::COLLECTION_STAGE_FIRST_NOTICE, Day(2026, 3, 6), 14},
      {v1::COLLECTION_STAGE_FIRST_NOTICE, v1::COLLECTION_STAGE_SUPPLY_STOPPED, Day(2026, 3, 16), 24},
      {v1::COLLECTION_STAGE_SUPPLY_STOPPED, v1::COLLECTION_STAGE_LEGAL_PREPARATION, Day(2026, 3, 17), 25},
  };
  for (size_t i = 0; i < changed.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("stage change ", i + 1));
    EXPECT_EQ(changed[i].from_stage(), want[i].from);
    EXPECT_EQ(changed[i].to_stage(), want[i].to);
    EXPECT_EQ(ToCivilDay(changed[i].effective_on()), want[i].on);
    EXPECT_EQ(changed[i].days_past_due(), want[i].days_past_due);
    EXPECT_EQ(changed[i].overdue_amount().minor_units(), kAmountA);
  }
  auto set = book.EventsOf<v1::CustomerHoldSetEvent>();
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].credit_hold_id(), kFirstHold);
  EXPECT_EQ(set[0].customer_id(), kCustomer);
  EXPECT_EQ(set[0].rep_id(), kRep);
  EXPECT_EQ(set[0].source(), v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  EXPECT_EQ(set[0].reason(), "second dunning notice for INV-2026-000501");
  EXPECT_EQ(ToCivilDay(set[0].set_on()), Day(2026, 3, 16));
  EXPECT_EQ(set[0].overdue_amount().minor_units(), kAmountA);
  EXPECT_THAT(set[0].collection_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(set[0].invoice_ids(), ElementsAre(kInvoiceA));
}

TEST_F(CollectionsLadderTest, CatchUpSweepClimbsSeveralRungsAndFlagsTheLateFirstNotice) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  // First seen on day 28: the confirmation (day 7) and the first notice
  // (day 14, 03-06) are both overdue; the notice goes out now, flagged late.
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 20));
  EXPECT_THAT(r.opened_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(r.advanced_case_ids(), IsEmpty());  // opened cases are not listed as advanced too
  EXPECT_EQ(r.deadline_missed_count(), 2);
  ExpectSteps(
      book.StepsOf(kFirstCase),
      {{kOpened, Day(2026, 3, 20), Day(2026, 2, 27), v1::COLLECTION_STAGE_UNSPECIFIED,
        v1::COLLECTION_STAGE_AWAITING_CONFIRMATION, "overdue 1234.50 CNY since 2026-02-21"},
       {kMissed, Day(2026, 3, 20), Day(2026, 2, 27), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        "no signed confirmation of the overdue amount by day 7 (2026-02-27)"},
       {kFirstNotice, Day(2026, 3, 20), Day(2026, 3, 6), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION,
        v1::COLLECTION_STAGE_FIRST_NOTICE,
        "first notice for 1234.50: written repayment plan requested; supply stops unless settled by 2026-03-30"},
       {kMissed, Day(2026, 3, 20), Day(2026, 3, 6), v1::COLLECTION_STAGE_FIRST_NOTICE,
        v1::COLLECTION_STAGE_FIRST_NOTICE, "first notice later than day 14 (2026-03-06)"}});
  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.facts.first_notice_on, Day(2026, 3, 20));
  EXPECT_TRUE(c.facts.missed_first_notice);
  EXPECT_EQ(book.EventsOf<v1::CollectionStageChangedEvent>().size(), 2u);

  // The second notice counts from the notice actually sent: 03-20 + 10.
  const size_t before = book.steps.size();
  SweepDaily(Day(2026, 3, 21), Day(2026, 3, 29));
  EXPECT_EQ(book.steps.size(), before);
  EXPECT_TRUE(book.holds.empty());
  SweepOn(Day(2026, 3, 30));
  EXPECT_EQ(KindsSince(before), (std::vector<Kind>{kSecondNotice, kSupplyStopped}));
  ASSERT_EQ(book.holds.size(), 1u);
  EXPECT_EQ(book.holds.begin()->second.set_on, Day(2026, 3, 30));
  EXPECT_FALSE(CaseOf(kInvoiceA).facts.missed_second_notice);
}

// ---- The supply stop ----

TEST_F(CollectionsLadderTest, SecondOverdueInvoiceOfTheCustomerJoinsTheHoldInForce) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  AddInvoice(kInvoiceB, kCustomer, kDueB, kAmountB);
  auto answers = SweepDaily(Day(2026, 2, 21), Day(2026, 3, 27));
  const int64_t case_b = CaseOf(kInvoiceB).id;
  EXPECT_EQ(case_b, kFirstCase + 1);  // opened on 03-03, after A's on 02-21

  // 03-16: A's second notice sets the hold while B gets its first notice;
  // the hold's amount is all the customer has overdue that day (A + B).
  EXPECT_THAT(answers[Day(2026, 3, 16)].hold_ids_set(), ElementsAre(kFirstHold));
  EXPECT_THAT(answers[Day(2026, 3, 16)].advanced_case_ids(), ElementsAre(kFirstCase, case_b));
  ASSERT_EQ(book.holds.size(), 1u);
  const HoldRecord& h = book.holds.at(kFirstHold);
  EXPECT_EQ(h.overdue_minor, kAmountA + kAmountB);  // 2034.50
  auto set = book.EventsOf<v1::CustomerHoldSetEvent>();
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].overdue_amount().minor_units(), 203'450);

  // 03-26: B's second notice joins that hold; no second hold, event or audit.
  EXPECT_THAT(answers[Day(2026, 3, 26)].hold_ids_set(), IsEmpty());
  EXPECT_EQ(answers[Day(2026, 3, 26)].holds_set_count(), 0);
  EXPECT_THAT(answers[Day(2026, 3, 26)].advanced_case_ids(), ElementsAre(case_b));
  EXPECT_THAT(h.case_ids, ElementsAre(kFirstCase, case_b));
  EXPECT_EQ(h.state, v1::CREDIT_HOLD_STATE_ACTIVE);
  EXPECT_EQ(book.AuditsOf("HOLD_SET").size(), 1u);
  EXPECT_EQ(CaseOf(kInvoiceB).credit_hold_id, kFirstHold);
  EXPECT_TRUE(book.OnHold(kCustomer));

  EXPECT_THAT(DatedKindsOf(case_b),
              ElementsAre(std::pair(kOpened, Day(2026, 3, 3)), std::pair(kMissed, Day(2026, 3, 10)),
                          std::pair(kFirstNotice, Day(2026, 3, 16)), std::pair(kSecondNotice, Day(2026, 3, 26)),
                          std::pair(kSupplyStopped, Day(2026, 3, 26)), std::pair(kLegal, Day(2026, 3, 27))));
  std::vector<StepRecord> b = book.StepsOf(case_b);
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b[2].detail,
            "first notice for 800.00: written repayment plan requested; supply stops unless settled by 2026-03-26");
  EXPECT_EQ(b[4].detail, absl::StrCat("supply already stopped: joins credit hold ", kFirstHold));
  EXPECT_EQ(CaseOf(kInvoiceB).stage, v1::COLLECTION_STAGE_LEGAL_PREPARATION);
}

// ---- Payments and credits ----

TEST_F(CollectionsLadderTest, PartPaymentRecordsPartialSettlementAndLowersTheOverdueAmount) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 8));  // first notice on 03-06
  const size_t events = book.events.size();

  SetBalance(kInvoiceA, 100'005);  // 234.45 paid on 03-09
  const size_t before = book.steps.size();
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 9)), IsOk());
  std::vector<StepRecord> all = book.StepsOf(kFirstCase);
  ExpectSteps(std::vector<StepRecord>(all.begin() + static_cast<std::ptrdiff_t>(before), all.end()),
              {{kPartial, Day(2026, 3, 9), std::nullopt, v1::COLLECTION_STAGE_FIRST_NOTICE,
                v1::COLLECTION_STAGE_FIRST_NOTICE, "overdue 1234.50 -> 1000.05"}});
  EXPECT_FALSE(all.back().by_sweep);
  EXPECT_EQ(book.events.size(), events);  // same stage: no stage change
  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.overdue_minor, 100'005);
  EXPECT_EQ(c.stage, v1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_FALSE(c.facts.closed_on.has_value());

  // The hook again for the same balance, and the next sweeps, record no
  // second part payment.
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 9)), IsOk());
  SweepDaily(Day(2026, 3, 9), Day(2026, 3, 15));
  EXPECT_EQ(book.steps.size(), before + 1);

  // The second notice and the hold state what is still overdue.
  SweepOn(Day(2026, 3, 16));
  c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.second_notice_minor, 100'005);
  EXPECT_EQ(c.first_notice_minor, kAmountA);  // as stated in the first notice
  std::vector<StepRecord> steps = book.StepsOf(kFirstCase);
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[steps.size() - 2].detail, "second notice for 1000.05");
  ASSERT_EQ(book.holds.size(), 1u);
  EXPECT_EQ(book.holds.at(kFirstHold).overdue_minor, 100'005);
  auto changed = book.EventsOf<v1::CollectionStageChangedEvent>();
  ASSERT_FALSE(changed.empty());
  EXPECT_EQ(changed.back().to_stage(), v1::COLLECTION_STAGE_SUPPLY_STOPPED);
  EXPECT_EQ(changed.back().overdue_amount().minor_units(), 100'005);
}

TEST_F(CollectionsLadderTest, PartPaymentTheHookDidNotSeeIsRecordedByTheSweep) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 6));
  SetBalance(kInvoiceA, 100'005);
  size_t before = book.steps.size();
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 7));
  ASSERT_EQ(KindsSince(before), std::vector<Kind>{kPartial});
  EXPECT_EQ(book.steps.back().step.detail, "overdue 1234.50 -> 1000.05");
  EXPECT_EQ(book.steps.back().step.effective_on, Day(2026, 3, 7));
  EXPECT_TRUE(book.steps.back().step.by_sweep);
  EXPECT_EQ(r.advanced_count(), 0);

  SetBalance(kInvoiceA, 40'000);
  before = book.steps.size();
  SweepOn(Day(2026, 3, 8));
  ASSERT_EQ(KindsSince(before), std::vector<Kind>{kPartial});
  EXPECT_EQ(book.steps.back().step.detail, "overdue 1000.05 -> 400.00");
  EXPECT_EQ(CaseOf(kInvoiceA).overdue_minor, 40'000);
}

TEST_F(CollectionsLadderTest, FullPaymentClosesTheCasePaidAndReleasesTheHold) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 17));  // hold since 03-16, legal preparation since 03-17
  ASSERT_TRUE(book.OnHold(kCustomer));
  const size_t events = book.events.size();

  SetBalance(kInvoiceA, 0);
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 18)), IsOk());

  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.stage, v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(c.close_reason, v1::CASE_CLOSE_REASON_PAID);
  EXPECT_EQ(c.facts.closed_on, Day(2026, 3, 18));
  EXPECT_EQ(c.overdue_minor, 0);
  std::vector<StepRecord> steps = book.StepsOf(kFirstCase);
  ExpectSteps({steps.back()}, {{kClosed, Day(2026, 3, 18), std::nullopt, v1::COLLECTION_STAGE_LEGAL_PREPARATION,
                                v1::COLLECTION_STAGE_CLOSED, "paid in full"}});
  EXPECT_FALSE(steps.back().by_sweep);

  const HoldRecord& h = book.holds.at(kFirstHold);
  EXPECT_EQ(h.state, v1::CREDIT_HOLD_STATE_RELEASED);
  EXPECT_EQ(h.released_on, Day(2026, 3, 18));
  EXPECT_EQ(h.release_reason, "PAID_IN_FULL");
  EXPECT_FALSE(book.OnHold(kCustomer));
  EXPECT_EQ(book.accounts[kCustomer].hold_reason, "");
  auto released_audits = book.AuditsOf("HOLD_RELEASED");
  ASSERT_EQ(released_audits.size(), 1u);
  EXPECT_EQ(released_audits[0].record_id, kFirstHold);
  EXPECT_EQ(released_audits[0].from, "ACTIVE");
  EXPECT_EQ(released_audits[0].to, "RELEASED");
  EXPECT_EQ(released_audits[0].reason, "PAID_IN_FULL");

  // The feed: the case's closing, then the release.
  ASSERT_EQ(book.events.size(), events + 2);
  EXPECT_EQ(book.events[events].type, "sales.finance.v1.CollectionStageChangedEvent");
  EXPECT_EQ(book.events[events + 1].type, "sales.finance.v1.CustomerHoldReleasedEvent");
  EXPECT_EQ(book.events[events + 1].aggregate_type, "CreditHold");
  EXPECT_EQ(book.events[events + 1].aggregate_id, kFirstHold);
  auto closing = book.EventsOf<v1::CollectionStageChangedEvent>().back();
  EXPECT_EQ(closing.from_stage(), v1::COLLECTION_STAGE_LEGAL_PREPARATION);
  EXPECT_EQ(closing.to_stage(), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(closing.overdue_amount().minor_units(), 0);
  EXPECT_EQ(closing.days_past_due(), 26);
  auto released = book.EventsOf<v1::CustomerHoldReleasedEvent>();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].credit_hold_id(), kFirstHold);
  EXPECT_EQ(released[0].customer_id(), kCustomer);
  EXPECT_EQ(released[0].rep_id(), kRep);
  EXPECT_EQ(ToCivilDay(released[0].released_on()), Day(2026, 3, 18));
  EXPECT_EQ(released[0].reason(), "PAID_IN_FULL");

  // The hook a second time and the next sweep find nothing more to do.
  const size_t step_count = book.steps.size();
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 18)), IsOk());
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 19));
  EXPECT_EQ(book.steps.size(), step_count);
  EXPECT_EQ(book.events.size(), events + 2);
  EXPECT_EQ(r.examined_count(), 0);
  EXPECT_THAT(r.hold_ids_released(), IsEmpty());
}

TEST_F(CollectionsLadderTest, FullPaymentKeepsTheHoldWhileAnotherInvoiceIsOverdue) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  AddInvoice(kInvoiceB, kCustomer, kDueB, kAmountB);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 16));  // A's supply stop on 03-16
  ASSERT_EQ(book.holds.size(), 1u);

  SetBalance(kInvoiceA, 0);
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 17)), IsOk());
  EXPECT_EQ(CaseOf(kInvoiceA).close_reason, v1::CASE_CLOSE_REASON_PAID);
  // B (800.00, due 03-02) is still overdue: neither the hook nor the sweep
  // releases.
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 17));
  EXPECT_THAT(r.hold_ids_released(), IsEmpty());
  EXPECT_EQ(book.holds.at(kFirstHold).state, v1::CREDIT_HOLD_STATE_ACTIVE);
  EXPECT_TRUE(book.OnHold(kCustomer));
  EXPECT_TRUE(book.EventsOf<v1::CustomerHoldReleasedEvent>().empty());

  SetBalance(kInvoiceB, 0);
  ASSERT_THAT(SettledOn(kInvoiceB, Day(2026, 3, 18)), IsOk());
  EXPECT_EQ(CaseOf(kInvoiceB).close_reason, v1::CASE_CLOSE_REASON_PAID);
  EXPECT_EQ(book.holds.at(kFirstHold).state, v1::CREDIT_HOLD_STATE_RELEASED);
  EXPECT_EQ(book.holds.at(kFirstHold).released_on, Day(2026, 3, 18));
  EXPECT_FALSE(book.OnHold(kCustomer));
  auto released = book.EventsOf<v1::CustomerHoldReleasedEvent>();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].reason(), "PAID_IN_FULL");
}

TEST_F(CollectionsLadderTest, CreditClearingTheBalanceClosesTheCaseCredited) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 8));
  Credit(kInvoiceA, kAmountA);  // a credit memo (贷项通知单) for the whole invoice
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 9)), IsOk());
  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_EQ(c.stage, v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(c.close_reason, v1::CASE_CLOSE_REASON_CREDITED);
  EXPECT_EQ(c.facts.closed_on, Day(2026, 3, 9));
  ExpectSteps({book.StepsOf(kFirstCase).back()},
              {{kClosed, Day(2026, 3, 9), std::nullopt, v1::COLLECTION_STAGE_FIRST_NOTICE, v1::COLLECTION_STAGE_CLOSED,
                "balance cleared by credit"}});
}

TEST_F(CollectionsLadderTest, SweepClosesCasesSettledWithoutTheHookAndReleasesTheirHolds) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  AddInvoice(kInvoiceC, kOtherCustomer, kDueA, kAmountC);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 17));  // both customers on hold since 03-16
  const int64_t case_c = CaseOf(kInvoiceC).id;
  const int64_t hold_c = CaseOf(kInvoiceC).credit_hold_id;
  ASSERT_EQ(book.holds.size(), 2u);
  ASSERT_EQ(CaseOf(kInvoiceA).credit_hold_id, kFirstHold);

  // A credited and C paid with no hook call (e.g. applied by a batch).
  Credit(kInvoiceA, kAmountA);
  SetBalance(kInvoiceC, 0);
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 18));
  EXPECT_THAT(r.closed_case_ids(), ElementsAre(kFirstCase, case_c));
  EXPECT_EQ(r.closed_count(), 2);
  EXPECT_THAT(r.hold_ids_released(), ElementsAre(kFirstHold, hold_c));
  EXPECT_EQ(r.holds_released_count(), 2);

  EXPECT_EQ(CaseOf(kInvoiceA).close_reason, v1::CASE_CLOSE_REASON_CREDITED);
  EXPECT_EQ(CaseOf(kInvoiceC).close_reason, v1::CASE_CLOSE_REASON_PAID);
  std::vector<StepRecord> a = book.StepsOf(kFirstCase);
  ExpectSteps({a.back()}, {{kClosed, Day(2026, 3, 18), std::nullopt, v1::COLLECTION_STAGE_LEGAL_PREPARATION,
                            v1::COLLECTION_STAGE_CLOSED, "balance cleared by credit"}});
  EXPECT_TRUE(a.back().by_sweep);
  EXPECT_EQ(book.StepsOf(case_c).back().detail, "paid in full");
  for (int64_t id : {kFirstHold, hold_c}) {
    EXPECT_EQ(book.holds.at(id).state, v1::CREDIT_HOLD_STATE_RELEASED) << id;
    EXPECT_EQ(book.holds.at(id).release_reason, "NOTHING_OVERDUE") << id;
    EXPECT_EQ(book.holds.at(id).released_on, Day(2026, 3, 18)) << id;
  }
  EXPECT_FALSE(book.OnHold(kCustomer));
  EXPECT_FALSE(book.OnHold(kOtherCustomer));
  auto released = book.EventsOf<v1::CustomerHoldReleasedEvent>();
  ASSERT_EQ(released.size(), 2u);
  EXPECT_EQ(released[0].reason(), "NOTHING_OVERDUE");
  EXPECT_EQ(ToCivilDay(released[0].released_on()), Day(2026, 3, 18));
}

// ---- Closed cases ----

TEST_F(CollectionsLadderTest, CaseClosedByHandIsNotReopenedByTheSweep) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 16));  // supply stopped on 03-16
  const std::string note = "法院调解结案：按调解书分三期收款";

  CaseRecord c = CaseOf(kInvoiceA);
  CollectionsLadder finance(book, FinanceContext(Day(2026, 3, 17)));
  ASSERT_THAT(finance.CloseCase(c, Day(2026, 3, 17), v1::CASE_CLOSE_REASON_MANUAL, note), IsOk());
  // As CloseCollectionCase does next: the invoice still owes 1234.50, but a
  // case finance closed by hand no longer counts as overdue.
  absl::StatusOr<int64_t> released = finance.ReleaseHoldIfClear(kCustomer, "NOTHING_OVERDUE");
  ASSERT_THAT(released, IsOk());
  EXPECT_EQ(*released, kFirstHold);
  EXPECT_EQ(book.holds.at(kFirstHold).state, v1::CREDIT_HOLD_STATE_RELEASED);
  EXPECT_FALSE(book.OnHold(kCustomer));

  const StepRecord closed = book.StepsOf(kFirstCase).back();
  EXPECT_EQ(closed.kind, kClosed);
  EXPECT_EQ(closed.detail, "closed by hand: 法院调解结案：按调解书分三期收款");
  EXPECT_FALSE(closed.by_sweep);
  EXPECT_EQ(book.steps.back().actor_user, "李娜");
  auto closing_audits = book.AuditsOf("CLOSED");
  ASSERT_EQ(closing_audits.size(), 1u);
  EXPECT_EQ(closing_audits[0].actor_user, "李娜");
  EXPECT_EQ(closing_audits[0].actor_role, "finance");
  const CaseRecord after_close = CaseOf(kInvoiceA);
  EXPECT_EQ(after_close.close_reason, v1::CASE_CLOSE_REASON_MANUAL);
  EXPECT_EQ(after_close.close_note, note);

  // Two weeks of sweeps see the invoice (still 1234.50 open) and leave the
  // case as finance closed it: no REOPENED step, no event, no new hold.
  const size_t steps = book.steps.size(), events = book.events.size();
  auto answers = SweepDaily(Day(2026, 3, 17), Day(2026, 3, 31));
  for (const auto& [day, r] : answers) {
    EXPECT_EQ(r.examined_count(), 1) << Text(day);
    EXPECT_THAT(r.advanced_case_ids(), IsEmpty()) << Text(day);
  }
  EXPECT_EQ(book.steps.size(), steps);
  EXPECT_EQ(book.events.size(), events);
  EXPECT_EQ(book.holds.size(), 1u);
  EXPECT_FALSE(book.OnHold(kCustomer));
  const CaseRecord now = CaseOf(kInvoiceA);
  EXPECT_EQ(now.stage, v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(now.close_reason, v1::CASE_CLOSE_REASON_MANUAL);
  EXPECT_EQ(now.version, after_close.version);
}

TEST_F(CollectionsLadderTest, CaseClosedByPaymentReopensWhenTheBalanceIsBack) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepDaily(Day(2026, 2, 21), Day(2026, 3, 8));  // first notice on 03-06
  SetBalance(kInvoiceA, 0);
  ASSERT_THAT(SettledOn(kInvoiceA, Day(2026, 3, 9)), IsOk());
  ASSERT_EQ(CaseOf(kInvoiceA).close_reason, v1::CASE_CLOSE_REASON_PAID);
  size_t before = book.steps.size();
  SweepDaily(Day(2026, 3, 9), Day(2026, 3, 10));
  EXPECT_EQ(book.steps.size(), before);

  // The payment bounced (退票): the whole balance is open again.
  SetBalance(kInvoiceA, kAmountA);
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 11));
  EXPECT_THAT(r.advanced_case_ids(), ElementsAre(kFirstCase));
  EXPECT_THAT(r.opened_case_ids(), IsEmpty());
  std::vector<StepRecord> all = book.StepsOf(kFirstCase);
  ExpectSteps({all.back()}, {{kReopened, Day(2026, 3, 11), std::nullopt, v1::COLLECTION_STAGE_CLOSED,
                              v1::COLLECTION_STAGE_FIRST_NOTICE, "balance 1234.50 open again"}});
  EXPECT_TRUE(all.back().by_sweep);
  CaseRecord c = CaseOf(kInvoiceA);
  EXPECT_FALSE(c.facts.closed_on.has_value());
  EXPECT_EQ(c.close_reason, v1::CASE_CLOSE_REASON_UNSPECIFIED);
  EXPECT_EQ(c.stage, v1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_EQ(c.overdue_minor, kAmountA);
  auto reopening = book.EventsOf<v1::CollectionStageChangedEvent>().back();
  EXPECT_EQ(reopening.from_stage(), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(reopening.to_stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_EQ(reopening.days_past_due(), 19);

  // The ladder resumes on its own dates: the second notice 10 days after the
  // first one of 03-06.
  before = book.steps.size();
  SweepDaily(Day(2026, 3, 12), Day(2026, 3, 15));
  EXPECT_EQ(book.steps.size(), before);
  SweepOn(Day(2026, 3, 16));
  EXPECT_EQ(KindsSince(before), (std::vector<Kind>{kSecondNotice, kSupplyStopped}));
  EXPECT_TRUE(book.OnHold(kCustomer));
}

// ---- Holds the ladder did not set ----

TEST_F(CollectionsLadderTest, ManualHoldIsNeverReleasedByTheLadder) {
  constexpr int64_t kManualHold = 40;
  const std::string reason = "资信复核中，暂停供货（财务部 张伟）";
  HoldRecord& manual = book.holds[kManualHold];
  manual.id = kManualHold;
  manual.customer_id = kOtherCustomer;
  manual.rep_id = kRep;
  manual.source = v1::CREDIT_HOLD_SOURCE_MANUAL;
  manual.state = v1::CREDIT_HOLD_STATE_ACTIVE;
  manual.reason = reason;
  manual.set_on = Day(2026, 2, 2);
  manual.version = 3;
  book.accounts[kOtherCustomer] = {.on_hold = true, .hold_reason = reason};
  AddInvoice(kInvoiceC, kOtherCustomer, kDueA, kAmountC);

  // From the due date (nothing overdue yet) to the supply stop of 03-16,
  // which joins the manual hold instead of setting a second one.
  auto answers = SweepDaily(kDueA, Day(2026, 3, 16));
  EXPECT_THAT(answers[kDueA].hold_ids_released(), IsEmpty());
  EXPECT_THAT(answers[Day(2026, 3, 16)].hold_ids_set(), IsEmpty());
  ASSERT_EQ(book.holds.size(), 1u);
  EXPECT_THAT(book.holds.at(kManualHold).case_ids, ElementsAre(kFirstCase));
  EXPECT_EQ(CaseOf(kInvoiceC).credit_hold_id, kManualHold);
  EXPECT_EQ(book.StepsOf(kFirstCase).back().detail,
            absl::StrCat("supply already stopped: joins credit hold ", kManualHold));
  EXPECT_TRUE(book.EventsOf<v1::CustomerHoldSetEvent>().empty());

  // Paid in full: the case closes, the manual hold stays for finance.
  SetBalance(kInvoiceC, 0);
  ASSERT_THAT(SettledOn(kInvoiceC, Day(2026, 3, 18)), IsOk());
  EXPECT_EQ(CaseOf(kInvoiceC).close_reason, v1::CASE_CLOSE_REASON_PAID);
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 3, 19));
  EXPECT_THAT(r.hold_ids_released(), IsEmpty());
  const HoldRecord& h = book.holds.at(kManualHold);
  EXPECT_EQ(h.state, v1::CREDIT_HOLD_STATE_ACTIVE);
  EXPECT_EQ(h.version, 3);
  EXPECT_TRUE(book.OnHold(kOtherCustomer));
  EXPECT_EQ(book.accounts[kOtherCustomer].hold_reason, reason);
  EXPECT_TRUE(book.EventsOf<v1::CustomerHoldReleasedEvent>().empty());
  EXPECT_TRUE(book.AuditsOf("HOLD_RELEASED").empty());
}

// ---- Scope and turn ----

TEST_F(CollectionsLadderTest, SweepForOneCustomerLeavesTheOthersAlone) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  AddInvoice(kInvoiceC, kOtherCustomer, kDueA, kAmountC);
  v1::RunCollectionsSweepResponse r = SweepOn(Day(2026, 2, 21), kOtherCustomer);
  EXPECT_EQ(r.examined_count(), 1);
  EXPECT_EQ(book.CaseFor(kInvoiceA), nullptr);
  EXPECT_THAT(r.opened_case_ids(), ElementsAre(CaseOf(kInvoiceC).id));

  // The run for everyone then opens A and leaves C's case as swept.
  r = SweepOn(Day(2026, 2, 21));
  EXPECT_THAT(r.opened_case_ids(), ElementsAre(CaseOf(kInvoiceA).id));
  EXPECT_EQ(book.StepsOf(CaseOf(kInvoiceC).id).size(), 1u);
}

TEST_F(CollectionsLadderTest, SweepTakesItsTurnAndWithoutTheTurnRowChangesNothing) {
  AddInvoice(kInvoiceA, kCustomer, kDueA, kAmountA);
  SweepOn(Day(2026, 2, 21));
  SweepOn(Day(2026, 2, 21));
  EXPECT_EQ(book.sweep_turns, 2);

  book.sweep_lock_row = false;
  AddInvoice(kInvoiceB, kCustomer, kDueB, kAmountB);
  CollectionsLadder ladder(book, SweepContext(Day(2026, 3, 3)));
  EXPECT_THAT(ladder.Sweep(Day(2026, 3, 3), 0), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(book.CaseFor(kInvoiceB), nullptr);
  EXPECT_EQ(book.steps.size(), 1u);
}

}  // namespace
}  // namespace sales::finance
