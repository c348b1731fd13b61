// The commission run (提成 [003 销售方案]) without a database or a server:
// the commission book, targets-svc and the clock are fakes, so each test
// states the month's facts (collections, unpaid invoices, attainment, the
// org) and checks the statements the run wrote, what it refused, and what
// it asked targets-svc and when. Amounts are in fen. "Now" is Wednesday
// 2025-12-03 10:00 in Shanghai: November 2025 has ended, December has not.
//
// The plan of the examples (华东销售代表提成方案, company-wide, in force
// from 2025-01-01): tiers 0 % → 2 %, 80 % → 3 %, 100 % → 4 %, 120 % → 5 % of
// credited collections; 90 % paid with the month and 10 % held to year end
// (the remainder after rounding the 90 % half up); a collection counts in
// full within 3 months after due, 50 % within 6, nothing after; an invoice
// still unpaid more than 6 months after due is deducted from the month's
// commission until collected, then given back; base pay 3,000.00 in full at
// 100 % attainment, in proportion below but not under 50 %; a unit's manager
// gets 0.5 % of the unit's credited collections and 1 % of its excess over
// target when the unit reaches 100 %. Every line rounds half up once.
#include "finance-svc/app/commission_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/app/commission_plans.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"
#include "tests/finance/app/fake_commission_book.h"
#include "tests/testing/fake_peers.h"
#include "tests/testing/status_matchers.h"

namespace sales::finance {
namespace {

using ::sales::testing::FakeCommissionBook;
using ::sales::testing::FakeTargetsPeer;
using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Day = absl::CivilDay;

// 10:00 in Shanghai is 02:00 UTC.
absl::Time ShanghaiTime(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::FixedTimeZone(8 * 60 * 60));
}
const absl::Time kNow = ShanghaiTime(2025, 12, 3, 10, 0);
const absl::Time kNextYear = ShanghaiTime(2026, 1, 5, 10, 0);  // December 2025 has ended
constexpr Day kNovember(2025, 11, 1);
constexpr Day kDecember(2025, 12, 1);

// The org: 总部 (1) → 华东大区 (10) → 上海销售部 (100).
constexpr int64_t kHeadOffice = 1;
constexpr int64_t kEastRegion = 10;
constexpr int64_t kShanghai = 100;
// Reps of 上海销售部: 陈杰 and 王芳; 周敏 manages it.
constexpr int64_t kChenJie = 7;
constexpr int64_t kWangFang = 8;
constexpr int64_t kZhouMin = 3;
constexpr int64_t kPlanId = 1;
constexpr char kPlanName[] = "华东销售代表提成方案";
constexpr int64_t kProductLine = 11;

Principal Finance() { return {.user_id = "李娜", .role = kRoleFinance}; }
Principal Director() { return {.user_id = "王建国", .role = kRoleDirector}; }

CallContext Call(const Principal& p, const std::string& request_id) {
  return {.method = "/sales.finance.v1.FinanceService/CalculateCommissions", .request_id = request_id, .principal = p};
}

v1::CommissionPlan PlanBody(const std::string& name, Day from) {
  v1::CommissionPlan p;
  p.set_name(name);
  *p.mutable_effective_from() = FromCivilDay(from);
  p.set_attainment_metric(v1::ATTAINMENT_METRIC_COLLECTED_AMOUNT);
  for (auto [min, rate] : std::vector<std::pair<int32_t, int32_t>>{{0, 200}, {8000, 300}, {10000, 400}, {12000, 500}}) {
    auto* t = p.add_tiers();
    t->set_min_attainment_bp(min);
    t->set_rate_bp(rate);
  }
  p.set_payable_now_bp(9000);
  p.set_holdback_bp(1000);
  p.set_full_credit_months(3);
  p.set_late_credit_months(6);
  p.set_late_credit_bp(5000);
  p.set_deduct_uncollected(true);
  p.set_attainment_floor_bp(10000);
  p.set_base_floor_bp(5000);
  *p.mutable_base_pay() = MakeMoney(300'000, "CNY");
  p.set_manager_rate_bp(50);
  p.set_manager_threshold_bp(10000);
  p.set_manager_excess_rate_bp(100);
  p.set_reason("2025 年销售提成方案");
  return p;
}

PlanRecord Plan(int64_t id, int32_t version, v1::CommissionPlanState state, Day from) {
  PlanRecord rec;
  rec.plan = PlanBody(kPlanName, from);
  rec.plan.set_id(id);
  rec.plan.set_version(version);
  rec.plan.set_state(state);
  rec.row_version = 2;
  return rec;
}

targets::v1::Progress Progress(int32_t attainment_bp, int64_t target, int64_t actual) {
  targets::v1::Progress p;
  p.set_attainment_bp(attainment_bp);
  *p.mutable_target()->mutable_amount() = MakeMoney(target, "CNY");
  *p.mutable_actual()->mutable_amount() = MakeMoney(actual, "CNY");
  return p;
}

// targets-svc as the run sees it: the fake's answers, with every question
// recorded and whether a transaction of the run was open when it was asked.
class WatchedTargets final : public peers::TargetsPeer {
 public:
  WatchedTargets(FakeTargetsPeer& svc, const bool& in_transaction) : svc_(svc), in_transaction_(in_transaction) {}
  void GetProductLine(peers::PeerBatch& b, int64_t id,
                      absl::StatusOr<std::optional<targets::v1::ProductLine>>* out) override {
    Asked();
    svc_.GetProductLine(b, id, out);
  }
  void GetProgress(peers::PeerBatch& b, const targets::v1::GetProgressRequest& request,
                   absl::StatusOr<targets::v1::Progress>* out) override {
    Asked();
    progress_asked.push_back(request);
    svc_.GetProgress(b, request, out);
  }
  void GetOrgUnit(peers::PeerBatch& b, int64_t id, absl::StatusOr<std::optional<targets::v1::OrgUnit>>* out) override {
    Asked();
    org_units_asked.push_back(id);
    svc_.GetOrgUnit(b, id, out);
  }
  absl::Duration deadline() const override { return svc_.deadline(); }

  std::vector<targets::v1::GetProgressRequest> progress_asked;
  std::vector<int64_t> org_units_asked;
  int asked_in_transaction = 0;

 private:
  void Asked() {
    if (in_transaction_) ++asked_in_transaction;
  }
  FakeTargetsPeer& svc_;
  const bool& in_transaction_;
};

class CommissionRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.plans[kPlanId] = Plan(kPlanId, 1, v1::COMMISSION_PLAN_STATE_ACTIVE, Day(2025, 1, 1));
    book.org_chains = {{kHeadOffice, {kHeadOffice}},
                       {kEastRegion, {kEastRegion, kHeadOffice}},
                       {kShanghai, {kShanghai, kEastRegion, kHeadOffice}}};
    book.org_subtrees = {{kShanghai, {kShanghai}}, {kEastRegion, {kEastRegion, kShanghai}}};
    book.rep_units = {{kChenJie, kShanghai}, {kWangFang, kShanghai}, {kZhouMin, kShanghai}};
  }

  // A collection of `fen` on product line 11 by `rep` of 上海销售部.
  void Collect(int64_t application_id, int64_t rep, int64_t invoice_id, Day due, Day applied, int64_t fen) {
    FakeCommissionBook::Application a;
    a.id = application_id;
    a.rep_id = rep;
    a.org_unit_id = kShanghai;
    a.invoice_id = invoice_id;
    a.customer_id = 9000 + invoice_id % 100;
    a.due_on = due;
    a.applied_on = applied;
    a.commissionable[kProductLine] = fen;
    book.applications.push_back(a);
  }
  void Attainment(int64_t rep, int32_t bp, int64_t target, int64_t actual) {
    targets_svc.progress[absl::StrCat("0/", rep)] = Progress(bp, target, actual);
  }
  // November for 陈杰 at 105 % and 王芳 at 75 %, one on-time collection each.
  void OnTimeNovember() {
    Collect(1001, kChenJie, 501, Day(2025, 11, 15), Day(2025, 11, 10), 1'234'567);
    Collect(1002, kWangFang, 502, Day(2025, 10, 31), Day(2025, 11, 5), 500'000);
    Attainment(kChenJie, 10500, 2'000'000, 2'100'000);
    Attainment(kWangFang, 7500, 2'000'000, 1'500'000);
  }
  // 上海销售部 with 周敏 as its manager (targets-svc), at `unit_bp` of target.
  void ManagedUnit(int32_t unit_bp) {
    targets::v1::OrgUnit unit;
    unit.set_id(kShanghai);
    unit.set_name("上海销售部");
    unit.set_manager_rep_id(kZhouMin);
    targets_svc.org_units[kShanghai] = unit;
    targets_svc.progress[absl::StrCat(kShanghai, "/0")] = Progress(unit_bp, 5'000'000, 5'050'000);
    Attainment(kZhouMin, 10000, 0, 0);
  }

  v1::CalculateCommissionsRequest Month(Day month, std::vector<int64_t> reps = {}) {
    v1::CalculateCommissionsRequest req;
    req.set_request_id("req-calc-1");
    *req.mutable_month() = FromCivilDay(month);
    for (int64_t r : reps) req.add_rep_ids(r);
    return req;
  }

  // Each read of the look in a transaction of its own, as SqlCommissionReads.
  CommissionReads Reads() {
    return [this](const std::function<absl::Status(CommissionBook&)>& fn) {
      in_transaction = true;
      absl::Status st = fn(book);
      in_transaction = false;
      return st;
    };
  }

  // What the handler does: the look before the transaction (peers asked
  // there), then the writing transaction — rolled back for a dry run.
  absl::StatusOr<v1::CalculateCommissionsResponse> Calculate(const v1::CalculateCommissionsRequest& req,
                                                             CommissionRun* with = nullptr) {
    CommissionRun& r = with != nullptr ? *with : run;
    CallContext call = Call(Finance(), req.request_id());
    SALES_ASSIGN_OR_RETURN(PreparedRun prepared, r.Prepare(Reads(), call, req));
    writes_before_transaction = book.writes;
    asked_before_transaction = static_cast<int>(targets.progress_asked.size() + targets.org_units_asked.size());
    in_transaction = true;
    absl::StatusOr<v1::CalculateCommissionsResponse> out =
        req.dry_run() ? book.RolledBack([&] { return r.Calculate(book, prepared, true); })
                      : r.Calculate(book, prepared, false);
    in_transaction = false;
    asked_in_transaction_phase =
        static_cast<int>(targets.progress_asked.size() + targets.org_units_asked.size()) - asked_before_transaction;
    return out;
  }

  absl::StatusOr<v1::ApproveCommissionStatementResponse> Approve(int64_t rep, Day month,
                                                                 const std::string& comment = "核对无误，同意发放") {
    auto s = book.Statement(rep, month);
    if (!s) return absl::NotFoundError("no statement to approve");
    v1::ApproveCommissionStatementRequest req;
    req.set_request_id(absl::StrCat("req-approve-", s->statement.id()));
    req.set_id(s->statement.id());
    req.set_etag(s->statement.etag());
    req.set_comment(comment);
    return run.Approve(book, Call(Finance(), req.request_id()), req);
  }

  absl::StatusOr<v1::ReleaseCommissionHoldbackResponse> Release(int year, Day month, std::vector<int64_t> reps = {}) {
    v1::ReleaseCommissionHoldbackRequest req;
    req.set_request_id("req-release-1");
    req.set_year(year);
    *req.mutable_release_month() = FromCivilDay(month);
    for (int64_t r : reps) req.add_rep_ids(r);
    return run.ReleaseHoldback(book, Call(Finance(), req.request_id()), req);
  }

  v1::CommissionStatement Stored(int64_t rep, Day month) {
    auto s = book.Statement(rep, month);
    return s ? s->statement : v1::CommissionStatement();
  }

  FakeClock clock{kNow};
  FakeCommissionBook book;
  FakeTargetsPeer targets_svc;
  bool in_transaction = false;
  WatchedTargets targets{targets_svc, in_transaction};
  CommissionRun run{clock, targets, /*targets_configured=*/true};
  int writes_before_transaction = -1;
  int asked_before_transaction = -1;
  int asked_in_transaction_phase = -1;
};

// ---- The month's run ----

// 陈杰 at 105 % (tier 4 %): 12,345.67 collected 11-10, due 11-15:
//   1,234,567 × 100 % × 4 % = 49,382.68 → 49,383;
//   payable now 49,383 × 90 % = 44,444.7 → 44,445; held back 49,383 − 44,445 = 4,938;
//   base pay in full (105 % ≥ 100 %): 300,000.
// 王芳 at 75 % (tier 2 %): 5,000.00 collected 11-05, due 10-31 (5 days late, in full):
//   500,000 × 2 % = 10,000; payable 9,000; held back 1,000;
//   base pay at 75 % (above the 50 % floor): 225,000.
// A collection of December 1st belongs to December.
TEST_F(CommissionRunTest, MonthRunPaysTheTierRateOnCollectionsAndHoldsBackTenPercent) {
  OnTimeNovember();
  Collect(1003, kChenJie, 503, Day(2025, 11, 30), Day(2025, 12, 1), 999'999);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember)));
  EXPECT_EQ(resp.created_count(), 2);
  EXPECT_EQ(resp.recomputed_count(), 0);
  EXPECT_EQ(resp.skipped_count(), 0);
  EXPECT_EQ(resp.deductions_started_count(), 0);
  EXPECT_THAT(resp.statement_ids(), ElementsAre(1, 2));
  EXPECT_EQ(resp.dry_run_statements_size(), 0);

  v1::CommissionStatement chen = Stored(kChenJie, kNovember);
  EXPECT_EQ(chen.id(), 1);
  EXPECT_EQ(chen.state(), v1::COMMISSION_STATEMENT_STATE_DRAFT);
  EXPECT_EQ(chen.org_unit_id(), kShanghai);
  EXPECT_EQ(chen.commission_plan_id(), kPlanId);
  EXPECT_EQ(chen.commission_plan_version(), 1);
  EXPECT_EQ(chen.attainment_bp(), 10500);
  EXPECT_EQ(chen.target().minor_units(), 2'000'000);
  EXPECT_EQ(chen.actual().minor_units(), 2'100'000);
  EXPECT_EQ(chen.tier_rate_bp(), 400);
  EXPECT_EQ(chen.collected().minor_units(), 1'234'567);
  EXPECT_EQ(chen.credited_base().minor_units(), 1'234'567);
  EXPECT_EQ(chen.commission().minor_units(), 49'383);
  EXPECT_EQ(chen.total_commission().minor_units(), 49'383);
  EXPECT_EQ(chen.payable_now().minor_units(), 44'445);
  EXPECT_EQ(chen.held_back().minor_units(), 4'938);
  EXPECT_EQ(chen.base_pay().minor_units(), 300'000);
  EXPECT_EQ(chen.total_commission().currency_code(), "CNY");
  EXPECT_EQ(chen.compute_time().seconds(), absl::ToUnixSeconds(kNow));
  ASSERT_EQ(chen.lines_size(), 3);
  EXPECT_EQ(chen.lines(0).kind(), v1::COMMISSION_LINE_KIND_COLLECTION);
  EXPECT_EQ(chen.lines(0).payment_application_id(), 1001);
  EXPECT_EQ(chen.lines(0).invoice_id(), 501);
  EXPECT_EQ(chen.lines(0).product_line_id(), kProductLine);
  EXPECT_EQ(chen.lines(0).days_past_due(), 0);
  EXPECT_EQ(chen.lines(0).amount().minor_units(), 49'383);
  EXPECT_EQ(chen.lines(1).kind(), v1::COMMISSION_LINE_KIND_HOLDBACK);
  EXPECT_EQ(chen.lines(1).rate_bp(), 1000);
  EXPECT_EQ(chen.lines(1).amount().minor_units(), -4'938);
  EXPECT_EQ(chen.lines(2).kind(), v1::COMMISSION_LINE_KIND_BASE_PAY);
  EXPECT_EQ(chen.lines(2).amount().minor_units(), 300'000);

  v1::CommissionStatement wang = Stored(kWangFang, kNovember);
  EXPECT_EQ(wang.id(), 2);
  EXPECT_EQ(wang.tier_rate_bp(), 200);
  EXPECT_EQ(wang.commission().minor_units(), 10'000);
  EXPECT_EQ(wang.payable_now().minor_units(), 9'000);
  EXPECT_EQ(wang.held_back().minor_units(), 1'000);
  EXPECT_EQ(wang.base_pay().minor_units(), 225'000);
  EXPECT_EQ(book.statements.at(2).held_back_minor, 1'000);

  // Calculation neither audits nor publishes: approval does.
  EXPECT_TRUE(book.audits.empty());
  EXPECT_TRUE(book.events.empty());
}

// targets-svc is asked for the month's attainment by the plan's metric, and
// for the manager of each unit whose plan pays managers — all in the look
// before the writing transaction, none while a transaction is open.
TEST_F(CommissionRunTest, TargetsIsAskedBeforeTheTransactionAndNeverInsideOne) {
  OnTimeNovember();
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember)));
  EXPECT_EQ(resp.created_count(), 2);
  EXPECT_THAT(targets.org_units_asked, ElementsAre(kShanghai));
  ASSERT_EQ(targets.progress_asked.size(), 2u);
  const auto& q = targets.progress_asked[0];
  EXPECT_EQ(q.node().rep_id(), kChenJie);
  EXPECT_EQ(q.node().org_unit_id(), 0);
  EXPECT_EQ(q.period().kind(), common::v1::PERIOD_KIND_MONTH);
  EXPECT_EQ(ToCivilDay(q.period().start()), kNovember);
  EXPECT_EQ(ToCivilDay(q.as_of()), Day(2025, 11, 30));
  EXPECT_EQ(q.metric(), targets::v1::METRIC_COLLECTED_AMOUNT);
  EXPECT_EQ(targets.progress_asked[1].node().rep_id(), kWangFang);
  EXPECT_EQ(targets.asked_in_transaction, 0);
  EXPECT_EQ(asked_in_transaction_phase, 0);
  EXPECT_EQ(writes_before_transaction, 0);
}

// The plan of the nearest unit above the rep wins over the company plan:
// 华东大区's plan pays a flat 6 % and nothing to managers, so no manager is
// looked up. 陈杰: 1,234,567 × 6 % = 74,074.02 → 74,074.
TEST_F(CommissionRunTest, TheRegionPlanWinsOverTheCompanyPlan) {
  OnTimeNovember();
  PlanRecord region = Plan(2, 1, v1::COMMISSION_PLAN_STATE_ACTIVE, Day(2025, 1, 1));
  region.plan.set_name("华东大区提成方案");
  region.plan.set_org_unit_id(kEastRegion);
  region.plan.clear_tiers();
  region.plan.add_tiers()->set_rate_bp(600);
  region.plan.set_manager_rate_bp(0);
  region.plan.set_manager_excess_rate_bp(0);
  book.plans[2] = region;

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember)));
  EXPECT_EQ(resp.created_count(), 2);
  v1::CommissionStatement chen = Stored(kChenJie, kNovember);
  EXPECT_EQ(chen.commission_plan_id(), 2);
  EXPECT_EQ(chen.tier_rate_bp(), 600);
  EXPECT_EQ(chen.commission().minor_units(), 74'074);
  EXPECT_TRUE(targets.org_units_asked.empty());
}

// ---- Late collections and unpaid invoices ----

// 陈杰 at 105 % (tier 4 %) in November:
//   10,000.00 due 10-31, collected 11-10 (10 days late, within 3 months):
//     1,000,000 × 100 % × 4 % = 40,000
//   4,000.00 due 07-15, collected 11-20 (128 days: 3 months ended 10-15,
//     6 months end 2026-01-15): counts 50 %: 400,000 × 50 % × 4 % = 8,000
//   2,000.00 due 04-30, collected 11-25 (6 months ended 10-30): counts 0 % → 0
//   collected 1,600,000; credited 1,000,000 + 200,000 + 0 = 1,200,000; commission 48,000.
//   Invoice 506 (due 04-30) still owes 300.00 of 500.00 on 11-30, more than
//   6 months after due; 400.00 of it is commissionable, so the commissionable
//   share unpaid is 30,000 × 40,000 / 50,000 = 24,000, held out of the 48,000:
//   total 24,000; payable 21,600; held back 2,400.
// In December the 300.00 is paid (224 days after due: counts nothing) and the
// 24,000 held comes back: total 24,000; payable 21,600; held back 2,400.
TEST_F(CommissionRunTest, LateCollectionsCountHalfThenNothingAndUnpaidInvoicesAreHeldUntilCollected) {
  Attainment(kChenJie, 10500, 2'000'000, 2'100'000);
  Collect(1001, kChenJie, 501, Day(2025, 10, 31), Day(2025, 11, 10), 1'000'000);
  Collect(1004, kChenJie, 504, Day(2025, 7, 15), Day(2025, 11, 20), 400'000);
  Collect(1005, kChenJie, 505, Day(2025, 4, 30), Day(2025, 11, 25), 200'000);
  book.invoices.push_back({.id = 506,
                           .rep_id = kChenJie,
                           .org_unit_id = kShanghai,
                           .customer_id = 9006,
                           .state = v1::INVOICE_STATE_PARTIALLY_PAID,
                           .due_on = Day(2025, 4, 30),
                           .gross_minor = 50'000,
                           .balance_minor = 30'000,
                           .commissionable_minor = 40'000});

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember)));
  EXPECT_EQ(resp.created_count(), 1);
  EXPECT_EQ(resp.deductions_started_count(), 1);
  v1::CommissionStatement s = Stored(kChenJie, kNovember);
  EXPECT_EQ(s.collected().minor_units(), 1'600'000);
  EXPECT_EQ(s.credited_base().minor_units(), 1'200'000);
  EXPECT_EQ(s.commission().minor_units(), 48'000);
  EXPECT_EQ(s.deductions().minor_units(), -24'000);
  EXPECT_EQ(s.total_commission().minor_units(), 24'000);
  EXPECT_EQ(s.payable_now().minor_units(), 21'600);
  EXPECT_EQ(s.held_back().minor_units(), 2'400);
  ASSERT_EQ(s.lines_size(), 6);
  EXPECT_EQ(s.lines(0).kind(), v1::COMMISSION_LINE_KIND_COLLECTION);
  EXPECT_EQ(s.lines(0).days_past_due(), 10);
  EXPECT_EQ(s.lines(1).kind(), v1::COMMISSION_LINE_KIND_LATE_COLLECTION);
  EXPECT_EQ(s.lines(1).credit_bp(), 5000);
  EXPECT_EQ(s.lines(1).days_past_due(), 128);
  EXPECT_EQ(s.lines(1).amount().minor_units(), 8'000);
  EXPECT_EQ(s.lines(2).kind(), v1::COMMISSION_LINE_KIND_VERY_LATE_COLLECTION);
  EXPECT_EQ(s.lines(2).credit_bp(), 0);
  EXPECT_EQ(s.lines(2).amount().minor_units(), 0);
  EXPECT_EQ(s.lines(3).kind(), v1::COMMISSION_LINE_KIND_UNCOLLECTED_DEDUCTION);
  EXPECT_EQ(s.lines(3).invoice_id(), 506);
  EXPECT_EQ(s.lines(3).amount().minor_units(), -24'000);
  const DeductionRecord* held = book.DeductionFor(kChenJie, 506);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->amount_minor, 24'000);
  EXPECT_EQ(held->deducted_minor, 24'000);
  EXPECT_EQ(held->state, v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING);
  EXPECT_EQ(held->started_month, kNovember);

  // Recalculating the draft undoes its own deduction first: held once, not twice.
  SALES_ASSERT_OK_AND_ASSIGN(auto again, Calculate(Month(kNovember)));
  EXPECT_EQ(again.recomputed_count(), 1);
  EXPECT_EQ(again.created_count(), 0);
  EXPECT_EQ(again.deductions_started_count(), 0);
  EXPECT_THAT(again.statement_ids(), ElementsAre(1));
  EXPECT_EQ(Stored(kChenJie, kNovember).total_commission().minor_units(), 24'000);
  EXPECT_EQ(Stored(kChenJie, kNovember).etag(), "v2");
  EXPECT_EQ(book.DeductionFor(kChenJie, 506)->deducted_minor, 24'000);
  EXPECT_EQ(book.moves.size(), 1u);

  // December: the rest of invoice 506 is paid, so late it counts nothing;
  // the deduction comes back.
  Collect(1006, kChenJie, 506, Day(2025, 4, 30), Day(2025, 12, 10), 24'000);
  book.invoices[0].balance_minor = 0;
  book.invoices[0].state = v1::INVOICE_STATE_PAID;
  clock.Set(kNextYear);
  SALES_ASSERT_OK_AND_ASSIGN(auto december, Calculate(Month(kDecember)));
  EXPECT_EQ(december.created_count(), 1);
  EXPECT_EQ(december.deductions_returned_count(), 1);
  v1::CommissionStatement d = Stored(kChenJie, kDecember);
  EXPECT_EQ(d.collected().minor_units(), 24'000);
  EXPECT_EQ(d.commission().minor_units(), 0);
  EXPECT_EQ(d.deductions().minor_units(), 24'000);
  EXPECT_EQ(d.total_commission().minor_units(), 24'000);
  EXPECT_EQ(d.payable_now().minor_units(), 21'600);
  EXPECT_EQ(d.held_back().minor_units(), 2'400);
  bool returned_line = false;
  for (const auto& l : d.lines()) {
    returned_line |= l.kind() == v1::COMMISSION_LINE_KIND_DEDUCTION_RETURNED && l.amount().minor_units() == 24'000;
  }
  EXPECT_TRUE(returned_line);
  held = book.DeductionFor(kChenJie, 506);
  EXPECT_EQ(held->returned_minor, 24'000);
  EXPECT_EQ(held->state, v1::COMMISSION_DEDUCTION_STATE_RETURNED);
  ASSERT_TRUE(held->returned_month.has_value());
  EXPECT_EQ(*held->returned_month, kDecember);
}

// ---- Reruns ----

// A draft month recomputes in place (same statement, new etag); an approved
// month is frozen even when a collection of it is posted late.
TEST_F(CommissionRunTest, RerunRecomputesDraftsAndSkipsApprovedMonths) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  SALES_ASSERT_OK_AND_ASSIGN(auto again, Calculate(Month(kNovember)));
  EXPECT_EQ(again.created_count(), 0);
  EXPECT_EQ(again.recomputed_count(), 2);
  EXPECT_THAT(again.statement_ids(), ElementsAre(1, 2));
  EXPECT_EQ(book.statements.size(), 2u);
  EXPECT_EQ(Stored(kChenJie, kNovember).etag(), "v2");
  EXPECT_EQ(Stored(kChenJie, kNovember).total_commission().minor_units(), 49'383);

  ASSERT_THAT(Approve(kChenJie, kNovember), IsOk());
  // 1,000.00 of 陈杰's November posted after approval: 100,000 × 4 % = 4,000
  // would be owed, but the approved statement does not change.
  Collect(1007, kChenJie, 507, Day(2025, 11, 30), Day(2025, 11, 28), 100'000);
  SALES_ASSERT_OK_AND_ASSIGN(auto third, Calculate(Month(kNovember)));
  EXPECT_EQ(third.skipped_count(), 1);
  EXPECT_EQ(third.recomputed_count(), 1);
  EXPECT_THAT(third.statement_ids(), ElementsAre(2));
  v1::CommissionStatement chen = Stored(kChenJie, kNovember);
  EXPECT_EQ(chen.state(), v1::COMMISSION_STATEMENT_STATE_APPROVED);
  EXPECT_EQ(chen.total_commission().minor_units(), 49'383);
  EXPECT_EQ(chen.etag(), "v3");  // two calculations and the approval, nothing since
}

// ---- Dry run ----

// A what-if at 80 % (tier 3 %) given explicitly, over the late-collection facts:
//   1,000,000 × 3 % = 30,000; 400,000 × 50 % × 3 % = 6,000; 200,000 × 0 % = 0 → 36,000;
//   24,000 held for invoice 506 → total 12,000; payable 10,800; held back 1,200;
//   base pay at 80 %: 240,000. Nothing is kept and targets-svc is not asked.
TEST_F(CommissionRunTest, DryRunReturnsTheStatementsAndKeepsNothing) {
  Collect(1001, kChenJie, 501, Day(2025, 10, 31), Day(2025, 11, 10), 1'000'000);
  Collect(1004, kChenJie, 504, Day(2025, 7, 15), Day(2025, 11, 20), 400'000);
  Collect(1005, kChenJie, 505, Day(2025, 4, 30), Day(2025, 11, 25), 200'000);
  book.invoices.push_back({.id = 506,
                           .rep_id = kChenJie,
                           .org_unit_id = kShanghai,
                           .customer_id = 9006,
                           .state = v1::INVOICE_STATE_PARTIALLY_PAID,
                           .due_on = Day(2025, 4, 30),
                           .gross_minor = 50'000,
                           .balance_minor = 30'000,
                           .commissionable_minor = 40'000});
  v1::CalculateCommissionsRequest req = Month(kNovember, {kChenJie});
  req.set_dry_run(true);
  auto* given = req.add_attainments();
  given->set_rep_id(kChenJie);
  given->set_attainment_bp(8000);

  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(req));
  EXPECT_EQ(resp.created_count(), 1);
  EXPECT_EQ(resp.deductions_started_count(), 1);
  EXPECT_EQ(resp.statement_ids_size(), 0);
  ASSERT_EQ(resp.dry_run_statements_size(), 1);
  const v1::CommissionStatement& s = resp.dry_run_statements(0);
  EXPECT_EQ(s.rep_id(), kChenJie);
  EXPECT_EQ(s.state(), v1::COMMISSION_STATEMENT_STATE_DRAFT);
  EXPECT_EQ(s.attainment_bp(), 8000);
  EXPECT_EQ(s.target().minor_units(), 0);  // not asked
  EXPECT_EQ(s.tier_rate_bp(), 300);
  EXPECT_EQ(s.commission().minor_units(), 36'000);
  EXPECT_EQ(s.deductions().minor_units(), -24'000);
  EXPECT_EQ(s.total_commission().minor_units(), 12'000);
  EXPECT_EQ(s.payable_now().minor_units(), 10'800);
  EXPECT_EQ(s.held_back().minor_units(), 1'200);
  EXPECT_EQ(s.base_pay().minor_units(), 240'000);
  EXPECT_EQ(s.lines_size(), 6);  // three collections, the deduction, the holdback, base pay
  EXPECT_EQ(targets_svc.calls, 0);
  EXPECT_EQ(writes_before_transaction, 0);
  EXPECT_TRUE(book.statements.empty());
  EXPECT_TRUE(book.deductions.empty());
  EXPECT_TRUE(book.moves.empty());
}

// ---- Holdback ----

// The 10 % held back in November (陈杰 4,938; 王芳 1,000), once approved, is
// released at year end into December's statements — once.
TEST_F(CommissionRunTest, YearEndReleasePaysWhatWasHeldBackIntoDecember) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  ASSERT_THAT(Approve(kChenJie, kNovember), IsOk());
  ASSERT_THAT(Approve(kWangFang, kNovember), IsOk());

  SALES_ASSERT_OK_AND_ASSIGN(auto released, Release(2025, kDecember));
  EXPECT_EQ(released.released_count(), 2);
  EXPECT_EQ(released.statement_ids_size(), 0);  // December is not computed yet
  ASSERT_EQ(book.releases.size(), 2u);
  EXPECT_EQ(book.releases[0].rep_id, kChenJie);
  EXPECT_EQ(book.releases[0].amount_minor, 4'938);
  EXPECT_EQ(book.releases[0].release_month, kDecember);
  EXPECT_EQ(book.releases[1].amount_minor, 1'000);
  auto audited = book.AuditsOf("HOLDBACK_RELEASED");
  ASSERT_EQ(audited.size(), 2u);
  EXPECT_EQ(audited[0].record_id, 0);
  EXPECT_EQ(audited[0].reason, "2025 holdback 49.38 for rep 7");
  EXPECT_EQ(audited[0].actor_user, "李娜");
  EXPECT_EQ(audited[0].request_id, "req-release-1");
  EXPECT_EQ(audited[1].reason, "2025 holdback 10.00 for rep 8");

  // Once a year.
  const int writes = book.writes;
  auto twice = Release(2025, kDecember);
  EXPECT_THAT(twice, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(twice.status()), "HOLDBACK_RELEASED");
  EXPECT_THAT(twice.status().message(), HasSubstr("rep 7"));
  EXPECT_EQ(book.writes, writes);

  // December's run carries it (the reps are active through the release alone).
  clock.Set(kNextYear);
  SALES_ASSERT_OK_AND_ASSIGN(auto december, Calculate(Month(kDecember)));
  EXPECT_EQ(december.created_count(), 2);
  v1::CommissionStatement chen = Stored(kChenJie, kDecember);
  EXPECT_EQ(chen.holdback_released().minor_units(), 4'938);
  EXPECT_EQ(chen.total_commission().minor_units(), 0);
  EXPECT_EQ(chen.held_back().minor_units(), 0);
  ASSERT_EQ(chen.lines_size(), 2);
  EXPECT_EQ(chen.lines(0).kind(), v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE);
  EXPECT_EQ(chen.lines(0).amount().minor_units(), 4'938);
  EXPECT_EQ(Stored(kWangFang, kDecember).holdback_released().minor_units(), 1'000);
}

// Released after December's draft exists: the draft takes the line at once,
// and recalculating December keeps it once.
TEST_F(CommissionRunTest, ReleaseIntoAnExistingDraftAddsTheLineOnce) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  ASSERT_THAT(Approve(kChenJie, kNovember), IsOk());
  clock.Set(kNextYear);
  ASSERT_THAT(Calculate(Month(kDecember, {kChenJie})), IsOk());
  const int64_t december_id = Stored(kChenJie, kDecember).id();
  ASSERT_EQ(Stored(kChenJie, kDecember).lines_size(), 1);  // base pay only

  SALES_ASSERT_OK_AND_ASSIGN(auto released, Release(2025, kDecember, {kChenJie}));
  EXPECT_EQ(released.released_count(), 1);
  EXPECT_THAT(released.statement_ids(), ElementsAre(december_id));
  v1::CommissionStatement s = Stored(kChenJie, kDecember);
  EXPECT_EQ(s.holdback_released().minor_units(), 4'938);
  ASSERT_EQ(s.lines_size(), 2);
  EXPECT_EQ(s.lines(1).sequence(), 2);
  EXPECT_EQ(s.lines(1).kind(), v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE);
  EXPECT_EQ(s.lines(1).amount().minor_units(), 4'938);
  EXPECT_EQ(s.lines(1).description(), "release of the 2025 holdback");
  EXPECT_EQ(book.AuditsOf("HOLDBACK_RELEASED").at(0).record_id, december_id);

  ASSERT_THAT(Calculate(Month(kDecember, {kChenJie})), IsOk());
  EXPECT_EQ(Stored(kChenJie, kDecember).holdback_released().minor_units(), 4'938);
}

TEST_F(CommissionRunTest, ReleaseRefusesAnApprovedReleaseMonthAndMonthsBeforeDecember) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  ASSERT_THAT(Approve(kChenJie, kNovember), IsOk());
  clock.Set(kNextYear);
  ASSERT_THAT(Calculate(Month(kDecember, {kChenJie})), IsOk());
  ASSERT_THAT(Approve(kChenJie, kDecember), IsOk());
  const int writes = book.writes;

  auto approved = Release(2025, kDecember, {kChenJie});
  EXPECT_THAT(approved, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(approved.status()), "STATEMENT_NOT_DRAFT");
  EXPECT_THAT(approved.status().message(), HasSubstr("2025-12-01"));

  auto november = Release(2025, kNovember, {kChenJie});
  EXPECT_THAT(november, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(book.writes, writes);
  EXPECT_TRUE(book.releases.empty());
}

// ---- Approval ----

TEST_F(CommissionRunTest, ApprovalFreezesTheStatementPublishesItAndAuditsOnce) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  SALES_ASSERT_OK_AND_ASSIGN(auto approved, Approve(kChenJie, kNovember, "十一月提成核对无误，同意发放"));
  EXPECT_EQ(approved.statement().state(), v1::COMMISSION_STATEMENT_STATE_APPROVED);
  EXPECT_EQ(approved.statement().etag(), "v2");
  EXPECT_EQ(book.statements.at(1).state, v1::COMMISSION_STATEMENT_STATE_APPROVED);
  auto events = book.EventsOf<v1::CommissionStatementApprovedEvent>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(book.events[0].aggregate_type, "CommissionStatement");
  EXPECT_EQ(book.events[0].aggregate_id, 1);
  EXPECT_EQ(book.events[0].request_id, "req-approve-1");
  EXPECT_EQ(events[0].statement().rep_id(), kChenJie);
  EXPECT_EQ(events[0].statement().total_commission().minor_units(), 49'383);
  EXPECT_EQ(events[0].statement().lines_size(), 3);
  auto audited = book.AuditsOf("APPROVED");
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].record_type, "CommissionStatement");
  EXPECT_EQ(audited[0].from, "DRAFT");
  EXPECT_EQ(audited[0].to, "APPROVED");
  EXPECT_EQ(audited[0].reason, "十一月提成核对无误，同意发放");
  EXPECT_EQ(audited[0].actor_user, "李娜");
  EXPECT_EQ(audited[0].actor_role, kRoleFinance);

  auto again = Approve(kChenJie, kNovember);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(again.status()), "STATEMENT_NOT_DRAFT");
  EXPECT_EQ(book.events.size(), 1u);

  v1::ApproveCommissionStatementRequest stale;
  stale.set_request_id("req-approve-stale");
  stale.set_id(Stored(kWangFang, kNovember).id());
  stale.set_etag("v9");
  auto refused = run.Approve(book, Call(Finance(), "req-approve-stale"), stale);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ErrorReason(refused.status()), "STALE_ETAG");
  EXPECT_EQ(Stored(kWangFang, kNovember).state(), v1::COMMISSION_STATEMENT_STATE_DRAFT);
}

// ---- Managers ----

// 周敏 manages 上海销售部, at 101 % of its 50,000.00 target (50,500.00):
//   0.5 % of the unit's credited collections: (1,234,567 + 500,000) × 0.5 % = 8,672.835 → 8,673
//   1 % of the excess over target: 50,000 × 1 % = 500
//   manager commission 9,173; payable 9,173 × 90 % = 8,255.7 → 8,256; held back 917;
//   base pay in full (100 %): 300,000.
// Below target (99 %) the manager gets nothing on the unit.
TEST_F(CommissionRunTest, TheManagerTargetsNamesIsPaidOnTheUnitWhenItReachesTarget) {
  OnTimeNovember();
  ManagedUnit(10100);
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember)));
  EXPECT_EQ(resp.created_count(), 3);
  EXPECT_THAT(resp.statement_ids(), ElementsAre(1, 2, 3));
  v1::CommissionStatement zhou = Stored(kZhouMin, kNovember);
  EXPECT_EQ(zhou.id(), 3);
  EXPECT_EQ(zhou.commission().minor_units(), 0);
  EXPECT_EQ(zhou.manager_commission().minor_units(), 9'173);
  EXPECT_EQ(zhou.total_commission().minor_units(), 9'173);
  EXPECT_EQ(zhou.payable_now().minor_units(), 8'256);
  EXPECT_EQ(zhou.held_back().minor_units(), 917);
  EXPECT_EQ(zhou.base_pay().minor_units(), 300'000);
  ASSERT_GE(zhou.lines_size(), 2);
  EXPECT_EQ(zhou.lines(0).kind(), v1::COMMISSION_LINE_KIND_MANAGER_UNIT);
  EXPECT_EQ(zhou.lines(0).base_amount().minor_units(), 1'734'567);
  EXPECT_EQ(zhou.lines(0).amount().minor_units(), 8'673);
  EXPECT_EQ(zhou.lines(1).kind(), v1::COMMISSION_LINE_KIND_MANAGER_EXCESS);
  EXPECT_EQ(zhou.lines(1).amount().minor_units(), 500);
  // The unit's attainment was asked by the unit node, with the manager's metric.
  bool unit_asked = false;
  for (const auto& q : targets.progress_asked) {
    unit_asked |= q.node().org_unit_id() == kShanghai && q.node().rep_id() == 0 &&
                  q.metric() == targets::v1::METRIC_COLLECTED_AMOUNT;
  }
  EXPECT_TRUE(unit_asked);

  ManagedUnit(9900);
  SALES_ASSERT_OK_AND_ASSIGN(auto below, Calculate(Month(kNovember)));
  EXPECT_EQ(below.recomputed_count(), 3);
  EXPECT_EQ(Stored(kZhouMin, kNovember).manager_commission().minor_units(), 0);
  EXPECT_EQ(Stored(kZhouMin, kNovember).total_commission().minor_units(), 0);
}

// Only the reps asked for: the manager is not added, even with include_managers.
TEST_F(CommissionRunTest, ARunForSomeRepsDoesNotAddTheirManager) {
  OnTimeNovember();
  ManagedUnit(10100);
  v1::CalculateCommissionsRequest req = Month(kNovember, {kChenJie});
  req.set_include_managers(true);
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(req));
  EXPECT_EQ(resp.created_count(), 1);
  EXPECT_THAT(targets.org_units_asked, ElementsAre(kShanghai));
  EXPECT_FALSE(book.Statement(kZhouMin, kNovember).has_value());
}

// Without an address for targets-svc no manager is looked up; attainment
// still is.
TEST_F(CommissionRunTest, WithoutTargetsConfiguredNoManagerIsLookedUp) {
  OnTimeNovember();
  ManagedUnit(10100);
  CommissionRun unconfigured(clock, targets, /*targets_configured=*/false);
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Calculate(Month(kNovember), &unconfigured));
  EXPECT_EQ(resp.created_count(), 2);
  EXPECT_TRUE(targets.org_units_asked.empty());
  EXPECT_EQ(targets.progress_asked.size(), 2u);
}

// ---- Refusals ----

// targets-svc down: a recorded run refuses to guess and writes nothing; a
// dry run with the attainment given needs no answer from it.
TEST_F(CommissionRunTest, TargetsDownIsUnavailableAndNothingIsWritten) {
  OnTimeNovember();
  targets_svc.down =
      WithErrorInfo(absl::UnavailableError("targets-svc did not answer"), "DEPENDENCY_UNAVAILABLE", "finance.sales");
  auto resp = Calculate(Month(kNovember));
  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(resp.status()), "DEPENDENCY_UNAVAILABLE");
  EXPECT_EQ(book.writes, 0);
  EXPECT_TRUE(book.statements.empty());

  v1::CalculateCommissionsRequest what_if = Month(kNovember, {kChenJie});
  what_if.set_dry_run(true);
  auto* given = what_if.add_attainments();
  given->set_rep_id(kChenJie);
  given->set_attainment_bp(10500);
  SALES_ASSERT_OK_AND_ASSIGN(auto dry, Calculate(what_if));
  ASSERT_EQ(dry.dry_run_statements_size(), 1);
  EXPECT_EQ(dry.dry_run_statements(0).total_commission().minor_units(), 49'383);
}

// The month ends at midnight in Shanghai, not UTC.
TEST_F(CommissionRunTest, AMonthIsComputedOnlyOnceItHasEnded) {
  OnTimeNovember();
  clock.Set(ShanghaiTime(2025, 11, 30, 23, 59));
  auto early = Calculate(Month(kNovember));
  EXPECT_THAT(early, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(early.status()), "MONTH_NOT_ENDED");
  EXPECT_EQ(targets_svc.calls, 0);
  clock.Set(ShanghaiTime(2025, 12, 1, 0, 0));
  EXPECT_THAT(Calculate(Month(kNovember)), IsOk());
}

TEST_F(CommissionRunTest, NoPlanInForceIsRefusedBeforeAskingTargets) {
  OnTimeNovember();
  *book.plans[kPlanId].plan.mutable_effective_to() = FromCivilDay(Day(2025, 10, 31));
  auto resp = Calculate(Month(kNovember));
  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(resp.status()), "NO_PLAN_IN_FORCE");
  EXPECT_EQ(targets_svc.calls, 0);
  EXPECT_TRUE(book.statements.empty());
}

// Amounts near the int64 edge are refused (OUT_OF_RANGE), never wrapped:
// two collections of 5 × 10^18 fen sum past 9.22 × 10^18.
TEST_F(CommissionRunTest, CollectionsPastInt64AreRefusedNotWrapped) {
  Attainment(kChenJie, 10500, 0, 0);
  Collect(1001, kChenJie, 501, Day(2025, 11, 30), Day(2025, 11, 10), 5'000'000'000'000'000'000);
  Collect(1002, kChenJie, 502, Day(2025, 11, 30), Day(2025, 11, 11), 5'000'000'000'000'000'000);
  auto resp = Calculate(Month(kNovember, {kChenJie}));
  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_TRUE(book.statements.empty());
  EXPECT_EQ(book.writes, 0);
}

// The same for the unit total a manager is paid on: 王芳's two collections
// of 5 × 10^18 fen credited to 上海销售部.
TEST_F(CommissionRunTest, AUnitTotalPastInt64IsRefusedNotWrapped) {
  ManagedUnit(10100);
  Collect(1001, kWangFang, 501, Day(2025, 11, 30), Day(2025, 11, 10), 5'000'000'000'000'000'000);
  Collect(1002, kWangFang, 502, Day(2025, 11, 30), Day(2025, 11, 11), 5'000'000'000'000'000'000);
  v1::CalculateCommissionsRequest req = Month(kNovember, {kZhouMin});
  req.set_include_managers(true);
  auto resp = Calculate(req);
  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(resp.status().message(), HasSubstr("unit's credited collections"));
  EXPECT_TRUE(book.statements.empty());
}

// ---- Plans ----

class CommissionPlansTest : public CommissionRunTest {
 protected:
  absl::StatusOr<v1::ActivateCommissionPlanResponse> Activate(int64_t id, const std::string& etag = "") {
    v1::ActivateCommissionPlanRequest req;
    req.set_request_id("req-activate-1");
    req.set_id(id);
    req.set_etag(etag.empty() ? MakeEtag(book.plans.at(id).row_version) : etag);
    req.set_reason("总经理已签批 2026 年方案");
    return CommissionPlans(clock).Activate(book, Call(Director(), req.request_id()), req);
  }
};

// Version 2 from 2026-01-01 ends version 1 on 2025-12-31 (still ACTIVE for 2025).
TEST_F(CommissionPlansTest, ANewVersionEndsTheEarlierOneTheDayBefore) {
  book.plans[2] = Plan(2, 2, v1::COMMISSION_PLAN_STATE_DRAFT, Day(2026, 1, 1));
  SALES_ASSERT_OK_AND_ASSIGN(auto resp, Activate(2));
  EXPECT_EQ(resp.commission_plan().state(), v1::COMMISSION_PLAN_STATE_ACTIVE);
  EXPECT_EQ(resp.commission_plan().etag(), "v3");
  EXPECT_THAT(resp.superseded_plan_ids(), ElementsAre(1));
  const v1::CommissionPlan& old = book.plans.at(1).plan;
  EXPECT_EQ(old.state(), v1::COMMISSION_PLAN_STATE_ACTIVE);
  EXPECT_EQ(ToCivilDay(old.effective_to()), Day(2025, 12, 31));
  auto superseded = book.AuditsOf("PLAN_SUPERSEDED");
  ASSERT_EQ(superseded.size(), 1u);
  EXPECT_EQ(superseded[0].record_id, 1);
  EXPECT_EQ(superseded[0].from, "ACTIVE");
  EXPECT_EQ(superseded[0].to, "COMMISSION_PLAN_STATE_ACTIVE");
  EXPECT_EQ(superseded[0].reason, "superseded by plan 2");
  auto activated = book.AuditsOf("PLAN_ACTIVATED");
  ASSERT_EQ(activated.size(), 1u);
  EXPECT_EQ(activated[0].reason, "总经理已签批 2026 年方案");
  EXPECT_EQ(activated[0].actor_user, "王建国");
}

// A version from the same day replaces the earlier one wholly: RETIRED.
TEST_F(CommissionPlansTest, AVersionFromTheSameDayRetiresTheEarlierOne) {
  book.plans[2] = Plan(2, 2, v1::COMMISSION_PLAN_STATE_DRAFT, Day(2025, 1, 1));
  ASSERT_THAT(Activate(2), IsOk());
  EXPECT_EQ(book.plans.at(1).plan.state(), v1::COMMISSION_PLAN_STATE_RETIRED);
  EXPECT_EQ(ToCivilDay(book.plans.at(1).plan.effective_to()), Day(2025, 1, 1));
  EXPECT_EQ(book.AuditsOf("PLAN_SUPERSEDED").at(0).to, "COMMISSION_PLAN_STATE_RETIRED");
}

TEST_F(CommissionPlansTest, ApprovedMonthsAndPlansInForceAreNotReplaced) {
  OnTimeNovember();
  ASSERT_THAT(Calculate(Month(kNovember)), IsOk());
  ASSERT_THAT(Approve(kChenJie, kNovember), IsOk());
  book.plans[2] = Plan(2, 2, v1::COMMISSION_PLAN_STATE_DRAFT, Day(2025, 6, 1));
  const int writes = book.writes;

  auto covered = Activate(2);
  EXPECT_THAT(covered, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(covered.status()), "MONTHS_APPROVED");
  auto active = Activate(1);
  EXPECT_THAT(active, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ErrorReason(active.status()), "PLAN_NOT_DRAFT");
  auto stale = Activate(2, "v1");
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(book.writes, writes);
  EXPECT_EQ(book.plans.at(2).plan.state(), v1::COMMISSION_PLAN_STATE_DRAFT);
  EXPECT_FALSE(book.plans.at(1).plan.has_effective_to());
}

}  // namespace
}  // namespace sales::finance
