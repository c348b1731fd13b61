// targets-svc over gRPC against MariaDB: the life of a plan from history and
// baseline to decomposition, negotiation, signature and amendment, with the
// old version still readable; actuals counted once; callers kept in scope.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "platform/consumer.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/targets/api/targets_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::targets::testing_fixtures::Fields;
using ::sales::targets::testing_fixtures::TargetsApiTest;
using ::sales::testing::CtxAs;
using ::sales::testing::IsOk;
using ::testing::Contains;
namespace v1 = ::sales::targets::v1;

constexpr char kSecret[] = "plan-test-secret";

class PlanLife : public TargetsApiTest {
 protected:
  PlanLife() : TargetsApiTest("targets_plan", kSecret) {}

  int64_t Unit(const std::string& code, v1::OrgUnitKind kind, int64_t parent) {
    v1::CreateOrgUnitRequest req;
    req.set_request_id(Rid());
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(code);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    v1::CreateOrgUnitResponse resp;
    grpc::Status st = stub_->CreateOrgUnit(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.org_unit().id();
  }
  int64_t Rep(const std::string& code, int64_t unit, v1::RepStatus status) {
    v1::CreateRepRequest req;
    req.set_request_id(Rid());
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_name(code);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->set_status(status);
    *req.mutable_rep()->mutable_hire_date() = Date(2020, 1, 1);
    v1::CreateRepResponse resp;
    grpc::Status st = stub_->CreateRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep().id();
  }
  static common::v1::Date Date(int y, int m, int d) {
    common::v1::Date out;
    out.set_year(y);
    out.set_month(m);
    out.set_day(d);
    return out;
  }
  v1::HistoricalActualRow Row(int64_t rep, int64_t unit, int year, int month, int64_t fen) {
    v1::HistoricalActualRow r;
    r.set_row_key(absl::StrCat("h-", rep, "-", year, "-", month));
    r.set_rep_id(rep);
    r.set_org_unit_id(unit);
    r.set_product_line_id(line_);
    r.set_fiscal_year(year);
    r.set_fiscal_month(month);
    *r.mutable_sales_amount() = MakeMoney(fen);
    return r;
  }
  std::vector<v1::Assignment> Cells(int64_t plan, const Principal& who, int32_t version = 0) {
    v1::ListAssignmentsRequest req;
    req.set_plan_id(plan);
    req.set_plan_version(version);
    req.set_page_size(1000);
    v1::ListAssignmentsResponse resp;
    grpc::Status st = stub_->ListAssignments(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.assignments().begin(), resp.assignments().end()};
  }
  static int64_t Fen(const v1::MetricValue& v) { return v.amount().minor_units(); }
  v1::Assignment CellFor(const std::vector<v1::Assignment>& cells, v1::Dimension dim, int64_t id) {
    for (const auto& c : cells) {
      if (c.dimension() == dim && (dim == v1::DIMENSION_REP ? c.rep_id() : c.org_unit_id()) == id) return c;
    }
    ADD_FAILURE() << "no cell for " << id;
    return {};
  }
  grpc::Status Accept(const v1::Assignment& a, const Principal& who) {
    v1::AcceptAssignmentRequest req;
    req.set_request_id(Rid());
    req.set_id(a.id());
    req.set_etag(a.etag());
    v1::AcceptAssignmentResponse resp;
    return stub_->AcceptAssignment(As(who).get(), req, &resp);
  }

  int64_t line_ = 0;
};

TEST_F(PlanLife, FromHistoryToSignedToAmendedWithTheOldVersionReadable) {
  // ---- organization and history
  int64_t co = Unit("CO", v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = Unit("EAST", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t sh = Unit("EAST-SH", v1::ORG_UNIT_KIND_OFFICE, east);
  int64_t north = Unit("NORTH", v1::ORG_UNIT_KIND_BRANCH, co);
  v1::CreateProductLineRequest pl;
  pl.set_request_id(Rid());
  pl.mutable_product_line()->set_code("MILK");
  pl.mutable_product_line()->set_name("纯牛奶");
  pl.mutable_product_line()->set_portfolio_role(v1::PORTFOLIO_ROLE_TRAFFIC);
  v1::CreateProductLineResponse plr;
  ASSERT_TRUE(stub_->CreateProductLine(As(admin_).get(), pl, &plr).ok());
  line_ = plr.product_line().id();
  int64_t r1 = Rep("E1", sh, v1::REP_STATUS_ACTIVE);
  int64_t r2 = Rep("E2", sh, v1::REP_STATUS_ACTIVE);
  int64_t r3 = Rep("N1", north, v1::REP_STATUS_PROBATION);
  Principal rep1{"rep1", "SALES_REP", r1, sh}, rep2{"rep2", "SALES_REP", r2, sh}, rep3{"rep3", "SALES_REP", r3, north};
  Principal sh_mgr{"mgr-sh", "SALES_MANAGER", 0, sh}, east_mgr{"mgr-east", "SALES_MANAGER", 0, east},
      north_mgr{"mgr-north", "SALES_MANAGER", 0, north}, director{"boss", "SALES_DIRECTOR", 0, co};

  v1::ImportActualsRequest imp;
  imp.set_request_id("import-1");
  for (int y : {2024, 2025, 2026}) {
    for (int m = 1; m <= 12; ++m) {
      *imp.add_rows() = Row(r1, sh, y, m, 3000'00);  // r1 sells 3000 yuan a month
      *imp.add_rows() = Row(r2, sh, y, m, 1000'00);
      *imp.add_rows() = Row(r3, north, y, m, 1000'00);
    }
  }
  v1::ImportActualsResponse impr;
  grpc::Status st = stub_->ImportActuals(As(admin_).get(), imp, &impr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(impr.inserted_count(), 108);
  // The same rows again under another request id are duplicates, not doubles.
  imp.set_request_id("import-2");
  ASSERT_TRUE(stub_->ImportActuals(As(admin_).get(), imp, &impr).ok());
  EXPECT_EQ(impr.duplicate_count(), 108);
  EXPECT_EQ(impr.inserted_count(), 0);
  // A rep may not import history.
  imp.set_request_id("import-3");
  EXPECT_EQ(stub_->ImportActuals(As(rep1).get(), imp, &impr).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // ---- baseline: 3 flat years of 5000 yuan/month = 60 000 yuan a year,
  // no growth anywhere → 60 000.00 yuan proposed for 2027.
  v1::ComputeBaselineRequest base;
  base.mutable_node()->set_org_unit_id(co);
  base.set_fiscal_year(2027);
  base.set_metric(v1::METRIC_SALES_AMOUNT);
  base.set_child_dimension(v1::DIMENSION_ORG_UNIT);
  v1::ComputeBaselineResponse baser;
  st = stub_->ComputeBaseline(As(director).get(), base, &baser);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Fen(baser.baseline().proposed()), 60000'00);
  EXPECT_EQ(baser.baseline().history_size(), 3);
  ASSERT_EQ(baser.children_size(), 2);
  EXPECT_EQ(Fen(baser.children(0).proposed()), 48000'00);  // EAST: r1 + r2

  // ---- plan from the baseline
  v1::CreatePlanRequest cp;
  cp.set_request_id(Rid());
  cp.mutable_plan()->set_title("2027 销售额计划");
  cp.mutable_plan()->set_fiscal_year(2027);
  cp.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
  cp.mutable_plan()->set_org_unit_id(co);
  *cp.mutable_plan()->mutable_expense_budget() = MakeMoney(6000'00);
  cp.set_total_from_baseline(true);
  v1::CreatePlanResponse cpr;
  st = stub_->CreatePlan(As(director).get(), cp, &cpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  int64_t plan = cpr.plan().id();
  EXPECT_EQ(Fen(cpr.plan().total_target()), 60000'00);
  EXPECT_EQ(cpr.plan().state(), v1::PLAN_STATE_DRAFT);
  // One live plan per unit, year and metric.
  cp.set_request_id(Rid());
  EXPECT_EQ(stub_->CreatePlan(As(director).get(), cp, &cpr).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // A manager cannot plan for the whole company.
  cp.set_request_id(Rid());
  EXPECT_EQ(stub_->CreatePlan(As(sh_mgr).get(), cp, &cpr).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // ---- decomposition: units by history down to offices, reps by history, months equally
  v1::DecomposePlanRequest dp;
  dp.set_request_id(Rid());
  dp.set_plan_id(plan);
  auto* l1 = dp.add_levels();
  l1->set_dimension(v1::DIMENSION_ORG_UNIT);
  l1->set_method(v1::DECOMPOSITION_METHOD_HISTORY_SHARE);
  l1->set_down_to_kind(v1::ORG_UNIT_KIND_OFFICE);
  auto* l2 = dp.add_levels();
  l2->set_dimension(v1::DIMENSION_REP);
  l2->set_method(v1::DECOMPOSITION_METHOD_HISTORY_SHARE);
  auto* l3 = dp.add_levels();
  l3->set_dimension(v1::DIMENSION_MONTH);
  l3->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  v1::DecomposePlanResponse dpr;
  // Levels repeating a dimension are refused before anything is written.
  v1::DecomposePlanRequest twice = dp;
  twice.set_request_id(Rid());
  *twice.add_levels() = *l3;
  EXPECT_EQ(stub_->DecomposePlan(As(director).get(), twice, &dpr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  st = stub_->DecomposePlan(As(director).get(), dp, &dpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // CO → EAST, NORTH; EAST → EAST-SH; SH → r1, r2; NORTH → r3; 3 reps × 12 months.
  EXPECT_EQ(dpr.created_count(), 2 + 1 + 3 + 36);
  EXPECT_THAT(dpr.reduced_rep_ids(), Contains(r3));  // probation at half weight

  auto cells = Cells(plan, director);
  std::map<int64_t, int64_t> sum_by_parent, target_by_id;
  for (const auto& c : cells) {
    target_by_id[c.id()] = Fen(c.target());
    if (c.parent_assignment_id() != 0) sum_by_parent[c.parent_assignment_id()] += Fen(c.target());
  }
  for (const auto& [parent, sum] : sum_by_parent) EXPECT_EQ(sum, target_by_id[parent]) << "cell " << parent;
  // History 48 000 : 12 000 between branches; NORTH's only rep is on
  // probation but alone, so carries NORTH fully.
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_ORG_UNIT, east).target()), 48000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r1).target()), 36000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r2).target()), 12000'00);

  // ---- scope: a rep sees only their own cells
  auto mine = Cells(plan, rep1);
  for (const auto& c : mine) EXPECT_EQ(c.rep_id(), r1);
  EXPECT_EQ(mine.size(), 13u);  // the rep cell and its 12 months
  v1::GetAssignmentRequest peek;
  peek.set_id(CellFor(cells, v1::DIMENSION_REP, r2).id());
  v1::GetAssignmentResponse peekr;
  st = stub_->GetAssignment(As(rep1).get(), peek, &peekr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // ---- issue, answer, revise
  v1::IssuePlanRequest ip;
  ip.set_request_id(Rid());
  ip.set_id(plan);
  ip.set_etag("v999");
  v1::IssuePlanResponse ipr;
  EXPECT_EQ(stub_->IssuePlan(As(director).get(), ip, &ipr).error_code(), grpc::StatusCode::ABORTED);
  ip.clear_etag();
  ASSERT_TRUE(stub_->IssuePlan(As(director).get(), ip, &ipr).ok());
  EXPECT_EQ(ipr.plan().state(), v1::PLAN_STATE_ISSUED);
  EXPECT_EQ(ipr.plan().pending_count(), 6);  // 3 unit cells + 3 rep cells
  cells = Cells(plan, director);

  EXPECT_EQ(Accept(CellFor(cells, v1::DIMENSION_REP, r2), rep1).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_REP, r1), rep1).ok());
  v1::CounterProposeAssignmentRequest counter;
  counter.set_request_id(Rid());
  counter.set_id(CellFor(cells, v1::DIMENSION_REP, r2).id());
  *counter.mutable_proposed_target()->mutable_amount() = MakeMoney(10000'00);
  counter.set_reason("a key account closed in the district");
  v1::CounterProposeAssignmentResponse counterr;
  st = stub_->CounterProposeAssignment(As(rep2).get(), counter, &counterr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(counterr.assignment().state(), v1::ASSIGNMENT_STATE_COUNTER_PROPOSED);

  v1::SignPlanRequest sp;
  sp.set_request_id(Rid());
  sp.set_id(plan);
  v1::SignPlanResponse spr;
  st = stub_->SignPlan(As(director).get(), sp, &spr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "NOT_ALL_ACCEPTED");

  // Lowering r2 alone would change the office's total: refused.
  v1::ReviseAssignmentsRequest rv;
  rv.set_request_id(Rid());
  rv.set_plan_id(plan);
  rv.set_parent_assignment_id(CellFor(cells, v1::DIMENSION_ORG_UNIT, sh).id());
  rv.set_reason("accept part of E2's objection");
  auto* ch = rv.add_changes();
  ch->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, r2).id());
  *ch->mutable_new_target()->mutable_amount() = MakeMoney(11000'00);
  v1::ReviseAssignmentsResponse rvr;
  st = stub_->ReviseAssignments(As(sh_mgr).get(), rv, &rvr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REVISION_CHANGES_PARENT");
  // Raising r1 by the same 1000 yuan keeps the office whole.
  auto* ch2 = rv.add_changes();
  ch2->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, r1).id());
  *ch2->mutable_new_target()->mutable_amount() = MakeMoney(37000'00);
  rv.set_request_id(Rid());
  EXPECT_EQ(stub_->ReviseAssignments(As(rep1).get(), rv, &rvr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  rv.set_request_id(Rid());
  st = stub_->ReviseAssignments(As(sh_mgr).get(), rv, &rvr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rvr.deltas_size(), 2 + 24);  // two reps and their months re-split
  cells = Cells(plan, director);
  EXPECT_EQ(CellFor(cells, v1::DIMENSION_REP, r1).state(), v1::ASSIGNMENT_STATE_ISSUED) << "changed: answer again";
  int64_t months_r1 = 0;
  for (const auto& c : cells) {
    if (c.rep_id() == r1 && c.dimension() == v1::DIMENSION_MONTH) months_r1 += Fen(c.target());
  }
  EXPECT_EQ(months_r1, 37000'00);

  // ---- everyone accepts; the plan signs and freezes
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_REP, r1), rep1).ok());
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_REP, r2), rep2).ok());
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_REP, r3), rep3).ok());
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_ORG_UNIT, east), east_mgr).ok());
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_ORG_UNIT, sh), sh_mgr).ok());
  EXPECT_EQ(Accept(CellFor(cells, v1::DIMENSION_ORG_UNIT, north), sh_mgr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_ORG_UNIT, north), north_mgr).ok());
  sp.set_request_id(Rid());
  st = stub_->SignPlan(As(director).get(), sp, &spr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(spr.plan().state(), v1::PLAN_STATE_SIGNED);
  rv.set_request_id(Rid());
  EXPECT_EQ(stub_->ReviseAssignments(As(sh_mgr).get(), rv, &rvr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // ---- a change set that skips a level cannot break conservation: the
  // branches move and the reps' figures still add up to the office's OLD
  // figure, but the office itself (not named) would follow its branch.
  v1::RequestPlanAmendmentRequest skip;
  skip.set_request_id(Rid());
  skip.mutable_amendment()->set_plan_id(plan);
  skip.mutable_amendment()->set_reason("shift between branches");
  auto add = [&](int64_t id, int64_t fen) {
    auto* c = skip.mutable_amendment()->add_changes();
    c->set_assignment_id(id);
    *c->mutable_new_target()->mutable_amount() = MakeMoney(fen);
  };
  add(CellFor(cells, v1::DIMENSION_ORG_UNIT, east).id(), 49000'00);
  add(CellFor(cells, v1::DIMENSION_ORG_UNIT, north).id(), 11000'00);
  add(CellFor(cells, v1::DIMENSION_REP, r1).id(), 36000'00);
  add(CellFor(cells, v1::DIMENSION_REP, r2).id(), 12000'00);
  v1::RequestPlanAmendmentResponse skipr;
  st = stub_->RequestPlanAmendment(As(director).get(), skip, &skipr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REVISION_CHANGES_PARENT");

  // ---- amendment: the office asks, the branch above approves
  v1::RequestPlanAmendmentRequest am;
  am.set_request_id(Rid());
  am.mutable_amendment()->set_plan_id(plan);
  am.mutable_amendment()->set_reason("E1 takes over two outlets from E2");
  auto* c1 = am.mutable_amendment()->add_changes();
  c1->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, r1).id());
  *c1->mutable_new_target()->mutable_amount() = MakeMoney(39000'00);
  auto* c2 = am.mutable_amendment()->add_changes();
  c2->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, r2).id());
  *c2->mutable_new_target()->mutable_amount() = MakeMoney(9000'00);
  v1::RequestPlanAmendmentResponse amr;
  st = stub_->RequestPlanAmendment(As(sh_mgr).get(), am, &amr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(amr.amendment().approver_org_unit_id(), east);
  v1::ApprovePlanAmendmentRequest ap;
  ap.set_request_id(Rid());
  ap.set_id(amr.amendment().id());
  ap.set_reason("agreed at the branch meeting");
  v1::ApprovePlanAmendmentResponse apr;
  EXPECT_EQ(stub_->ApprovePlanAmendment(As(sh_mgr).get(), ap, &apr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ap.set_request_id(Rid());
  st = stub_->ApprovePlanAmendment(As(east_mgr).get(), ap, &apr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(apr.plan().version(), 2);
  EXPECT_EQ(apr.plan().state(), v1::PLAN_STATE_SIGNED);
  EXPECT_EQ(Fen(apr.plan().total_target()), 60000'00);

  auto v2 = Cells(plan, director, 2);
  auto v1cells = Cells(plan, director, 1);
  EXPECT_EQ(Fen(CellFor(v2, v1::DIMENSION_REP, r1).target()), 39000'00);
  EXPECT_EQ(Fen(CellFor(v1cells, v1::DIMENSION_REP, r1).target()), 37000'00) << "the signed version stays as it was";
  v1::GetPlanRequest gp;
  gp.set_id(plan);
  gp.set_version(1);
  v1::GetPlanResponse gpr;
  ASSERT_TRUE(stub_->GetPlan(As(director).get(), gp, &gpr).ok());
  EXPECT_EQ(gpr.plan().state(), v1::PLAN_STATE_SUPERSEDED);

  // ---- actuals from the orders feed count once; progress is scoped
  orders::v1::OrderShippedEvent shipped;
  shipped.mutable_order()->set_order_id(1);
  shipped.mutable_order()->set_credited_rep_id(r1);
  shipped.mutable_order()->set_currency_code("CNY");
  *shipped.mutable_ship_date() = Date(2027, 1, 10);
  auto* line = shipped.add_lines();
  line->set_order_line_id(1);
  line->set_product_line_id(line_);
  line->set_quantity(10);
  *line->mutable_net_amount() = MakeMoney(1234'00);
  *line->mutable_cost_amount() = MakeMoney(800'00);
  common::v1::Event e;
  e.set_event_id("orders-77");
  e.set_position(77);
  e.set_event_type("OrderShippedEvent");
  e.mutable_payload()->PackFrom(shipped);
  EventConsumer consumer("targets<-orders", app_->pool(), nullptr,
                         [this](db::Transaction& tx, const common::v1::Event& ev) {
                           return targets::ApplyActualsEvent(tx, ev, clock_.Now());
                         });
  ASSERT_THAT(consumer.Apply(e).status(), IsOk());
  auto again = consumer.Apply(e);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_FALSE(*again);

  v1::GetProgressRequest gpq;
  gpq.mutable_node()->set_rep_id(r1);
  gpq.mutable_period()->set_kind(common::v1::PERIOD_KIND_MONTH);
  *gpq.mutable_period()->mutable_start() = Date(2027, 1, 1);
  *gpq.mutable_as_of() = Date(2027, 1, 15);
  v1::GetProgressResponse gpqr;
  st = stub_->GetProgress(As(rep1).get(), gpq, &gpqr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Fen(gpqr.progress().actual()), 1234'00) << "counted once";
  EXPECT_EQ(gpqr.progress().plan_version(), 2);
  // The months were split 308 334 + 11 × 308 333 fen after the revision;
  // re-split to 3 900 000 in those proportions January gets 325 000.64 →
  // 325 000 plus one of the 11 spare fen (largest remainder).
  EXPECT_EQ(Fen(gpqr.progress().target()), 325001);
  EXPECT_EQ(gpqr.progress().days_elapsed(), 15);
  gpq.mutable_node()->set_rep_id(r2);
  EXPECT_EQ(stub_->GetProgress(As(rep1).get(), gpq, &gpqr).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // ---- the monthly sales-by-rep report (§8), ranked, with last year beside it
  v1::GetSalesByRepReportRequest rep_report;
  *rep_report.mutable_period() = gpq.period();
  rep_report.set_metric(v1::METRIC_SALES_AMOUNT);
  v1::GetSalesByRepReportResponse rep_reportr;
  st = stub_->GetSalesByRepReport(As(director).get(), rep_report, &rep_reportr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rep_reportr.rows_size(), 3);
  EXPECT_EQ(rep_reportr.rows(0).rep_id(), r1) << "the only rep with sales ranks first";
  EXPECT_EQ(rep_reportr.rows(0).rank(), 1);
  EXPECT_EQ(Fen(rep_reportr.rows(0).actual()), 1234'00);
  EXPECT_EQ(Fen(rep_reportr.rows(0).same_period_last_year_actual()), 3000'00);
  EXPECT_EQ(Fen(rep_reportr.total().actual()), 1234'00);
  // A rep's copy holds only their own line.
  ASSERT_TRUE(stub_->GetSalesByRepReport(As(rep2).get(), rep_report, &rep_reportr).ok());
  ASSERT_EQ(rep_reportr.rows_size(), 1);
  EXPECT_EQ(rep_reportr.rows(0).rep_id(), r2);
  rep_report.mutable_period()->set_kind(common::v1::PERIOD_KIND_YEAR);
  EXPECT_EQ(stub_->GetSalesByRepReport(As(director).get(), rep_report, &rep_reportr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetSalesByRegionReportRequest region;
  *region.mutable_period() = gpq.period();
  region.set_group_kind(v1::ORG_UNIT_KIND_BRANCH);
  v1::GetSalesByRegionReportResponse regionr;
  st = stub_->GetSalesByRegionReport(As(director).get(), region, &regionr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(regionr.rows_size(), 2);
  EXPECT_EQ(regionr.rows(0).org_unit_id(), east);
  EXPECT_EQ(Fen(regionr.rows(0).actual()), 1234'00);
}

TEST_F(PlanLife, MovesKeepHistoryAndRefuseCyclesAndOrphans) {
  int64_t co = Unit("CO", v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = Unit("EAST", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t north = Unit("NORTH", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t sh = Unit("EAST-SH", v1::ORG_UNIT_KIND_OFFICE, east);
  int64_t rep = Rep("E1", sh, v1::REP_STATUS_PROBATION);

  // A branch cannot move under an office (levels), nor a unit into its own subtree.
  v1::MoveOrgUnitRequest mv;
  mv.set_request_id(Rid());
  mv.set_id(east);
  mv.set_new_parent_id(sh);
  mv.set_reason("reorganisation");
  v1::MoveOrgUnitResponse mvr;
  grpc::Status st = stub_->MoveOrgUnit(As(admin_).get(), mv, &mvr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "ORG_CYCLE");
  // The office moves to the other branch.
  mv.set_request_id(Rid());
  mv.set_id(sh);
  mv.set_new_parent_id(north);
  ASSERT_TRUE(stub_->MoveOrgUnit(As(admin_).get(), mv, &mvr).ok());
  EXPECT_EQ(mvr.org_unit().parent_id(), north);

  // Closing a unit that still has a rep would orphan the rep.
  v1::CloseOrgUnitRequest close;
  close.set_request_id(Rid());
  close.set_id(sh);
  close.set_reason("office merged");
  v1::CloseOrgUnitResponse closer;
  st = stub_->CloseOrgUnit(As(admin_).get(), close, &closer);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "UNIT_NOT_EMPTY");

  // The rep moves to EAST, passes probation, goes on leave; every step is history.
  v1::MoveRepRequest mr;
  mr.set_request_id(Rid());
  mr.set_id(rep);
  mr.set_to_org_unit_id(east);
  *mr.mutable_effective_date() = Date(2027, 2, 1);
  mr.set_reason("office merged into the branch");
  v1::MoveRepResponse mrr;
  ASSERT_TRUE(stub_->MoveRep(As(admin_).get(), mr, &mrr).ok());
  EXPECT_EQ(mrr.rep().org_unit_id(), east);
  v1::ActivateRepRequest act;
  act.set_request_id(Rid());
  act.set_id(rep);
  act.set_reason("passed probation");
  v1::ActivateRepResponse actr;
  ASSERT_TRUE(stub_->ActivateRep(As(admin_).get(), act, &actr).ok());
  act.set_request_id(Rid());
  EXPECT_EQ(stub_->ActivateRep(As(admin_).get(), act, &actr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::ListRepHistoryRequest hist;
  hist.set_rep_id(rep);
  v1::ListRepHistoryResponse histr;
  ASSERT_TRUE(stub_->ListRepHistory(As(admin_).get(), hist, &histr).ok());
  ASSERT_EQ(histr.entries_size(), 3);
  EXPECT_EQ(histr.entries(0).org_unit_id(), sh);
  EXPECT_EQ(histr.entries(0).valid_to().month(), 2) << "the first placement ends at the move";
  EXPECT_EQ(histr.entries(1).org_unit_id(), east);
  EXPECT_EQ(histr.entries(2).status(), v1::REP_STATUS_ACTIVE);

  close.set_request_id(Rid());
  st = stub_->CloseOrgUnit(As(admin_).get(), close, &closer);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(closer.org_unit().state(), v1::ORG_UNIT_STATE_CLOSED);
  // Nobody joins a closed unit.
  v1::CreateRepRequest late;
  late.set_request_id(Rid());
  late.mutable_rep()->set_employee_code("E9");
  late.mutable_rep()->set_name("late");
  late.mutable_rep()->set_org_unit_id(sh);
  *late.mutable_rep()->mutable_hire_date() = Date(2027, 3, 1);
  v1::CreateRepResponse later;
  EXPECT_EQ(stub_->CreateRep(As(admin_).get(), late, &later).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PlanLife, AReductionTheOfficeCannotAbsorbIsEscalatedAndTheDirectorRebalances) {
  int64_t co = Unit("CO", v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = Unit("EAST", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t north = Unit("NORTH", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t sh = Unit("EAST-SH", v1::ORG_UNIT_KIND_OFFICE, east);
  int64_t r1 = Rep("E1", sh, v1::REP_STATUS_ACTIVE);
  int64_t r2 = Rep("E2", sh, v1::REP_STATUS_ACTIVE);
  int64_t r3 = Rep("N1", north, v1::REP_STATUS_ACTIVE);
  Principal sh_mgr{"mgr-sh", "SALES_MANAGER", 0, sh}, east_mgr{"mgr-east", "SALES_MANAGER", 0, east},
      director{"boss", "SALES_DIRECTOR", 0, co};
  v1::CreatePlanRequest cp;
  cp.set_request_id(Rid());
  cp.mutable_plan()->set_title("2027");
  cp.mutable_plan()->set_fiscal_year(2027);
  cp.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
  cp.mutable_plan()->set_org_unit_id(co);
  *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(60000'00);
  v1::CreatePlanResponse cpr;
  ASSERT_TRUE(stub_->CreatePlan(As(director).get(), cp, &cpr).ok());
  int64_t plan = cpr.plan().id();
  v1::DecomposePlanRequest dp;
  dp.set_request_id(Rid());
  dp.set_plan_id(plan);
  auto* l1 = dp.add_levels();
  l1->set_dimension(v1::DIMENSION_ORG_UNIT);
  l1->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  l1->set_down_to_kind(v1::ORG_UNIT_KIND_OFFICE);
  auto* l2 = dp.add_levels();
  l2->set_dimension(v1::DIMENSION_REP);
  l2->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  v1::DecomposePlanResponse dpr;
  ASSERT_TRUE(stub_->DecomposePlan(As(director).get(), dp, &dpr).ok());
  v1::IssuePlanRequest ip;
  ip.set_request_id(Rid());
  ip.set_id(plan);
  v1::IssuePlanResponse ipr;
  ASSERT_TRUE(stub_->IssuePlan(As(director).get(), ip, &ipr).ok());
  auto cells = Cells(plan, director);

  // N1 has already accepted; a re-split of NORTH later must ask again.
  ASSERT_TRUE(Accept(CellFor(cells, v1::DIMENSION_REP, r3), Principal{"rep3", "SALES_REP", r3, north}).ok());

  // The office lowers E2 by 1000 yuan without raising E1: it must ask above.
  v1::RequestTargetReductionRequest rr;
  rr.set_request_id(Rid());
  rr.set_plan_id(plan);
  rr.set_parent_assignment_id(CellFor(cells, v1::DIMENSION_ORG_UNIT, sh).id());
  rr.set_reason("E2's biggest outlet closed");
  auto* c = rr.add_child_changes();
  c->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, r2).id());
  *c->mutable_new_target()->mutable_amount() = MakeMoney(14000'00);
  v1::RequestTargetReductionResponse rrr;
  grpc::Status st = stub_->RequestTargetReduction(As(sh_mgr).get(), rr, &rrr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rrr.target_reduction().approver_org_unit_id(), east);
  EXPECT_EQ(Fen(rrr.target_reduction().requested_target()), 29000'00);

  // Signing waits while it is open.
  v1::SignPlanRequest sp;
  sp.set_request_id(Rid());
  sp.set_id(plan);
  sp.set_comment("directive");
  v1::SignPlanResponse spr;
  EXPECT_EQ(stub_->SignPlan(As(director).get(), sp, &spr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // The branch has nobody to shift it to and escalates to the director.
  v1::ApproveTargetReductionRequest esc;
  esc.set_request_id(Rid());
  esc.set_id(rrr.target_reduction().id());
  esc.set_escalate(true);
  esc.set_reason("the branch cannot absorb it");
  v1::ApproveTargetReductionResponse escr;
  EXPECT_EQ(stub_->ApproveTargetReduction(As(sh_mgr).get(), esc, &escr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  esc.set_request_id(Rid());
  st = stub_->ApproveTargetReduction(As(east_mgr).get(), esc, &escr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(escr.target_reduction().state(), v1::TARGET_REDUCTION_STATE_ESCALATED);
  EXPECT_EQ(escr.escalated().approver_org_unit_id(), 0) << "the company level: the director";

  // The director moves the 1000 yuan to NORTH so the company total holds.
  v1::ApproveTargetReductionRequest ok;
  ok.set_request_id(Rid());
  ok.set_id(escr.escalated().id());
  ok.set_reason("NORTH has room");
  auto* sib = ok.add_sibling_changes();
  sib->set_assignment_id(CellFor(cells, v1::DIMENSION_ORG_UNIT, north).id());
  *sib->mutable_new_target()->mutable_amount() = MakeMoney(31000'00);
  v1::ApproveTargetReductionResponse okr;
  EXPECT_EQ(stub_->ApproveTargetReduction(As(east_mgr).get(), ok, &okr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ok.set_request_id(Rid());
  st = stub_->ApproveTargetReduction(As(director).get(), ok, &okr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  cells = Cells(plan, director);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_ORG_UNIT, east).target()), 29000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_ORG_UNIT, sh).target()), 29000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r2).target()), 14000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r1).target()), 15000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_ORG_UNIT, north).target()), 31000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r3).target()), 31000'00);
  EXPECT_EQ(CellFor(cells, v1::DIMENSION_REP, r3).state(), v1::ASSIGNMENT_STATE_ISSUED)
      << "a figure re-split from above needs a new answer";
  v1::GetPlanRequest gp;
  gp.set_id(plan);
  v1::GetPlanResponse gpr;
  ASSERT_TRUE(stub_->GetPlan(As(director).get(), gp, &gpr).ok());
  EXPECT_EQ(Fen(gpr.plan().total_target()), 60000'00);
}

// Issue 15 (update_mask on every update): a mask changes the settings it
// names and keeps the rest as stored, even fields the request sets
// otherwise or leaves blank; a path the method does not change is refused
// by position and writes nothing; no mask replaces the settings, as before.
TEST_F(PlanLife, SettingsUpdateChangesOnlyTheMaskedFields) {
  v1::GetTargetSettingsResponse before;
  ASSERT_TRUE(stub_->GetTargetSettings(As(admin_).get(), v1::GetTargetSettingsRequest(), &before).ok());
  const v1::TargetSettings& s0 = before.settings();
  ASSERT_NE(s0.inactive_rep_policy().probation_share_bp(), 2000);

  // Only the thresholds: the probation share sent alongside, and the blank
  // currency and weights left out, stay as stored.
  v1::UpdateTargetSettingsRequest up;
  up.set_request_id(Rid());
  up.mutable_settings()->set_etag(s0.etag());
  up.mutable_settings()->mutable_status_thresholds()->set_ahead_min_pace_bp(12000);
  up.mutable_settings()->mutable_status_thresholds()->set_on_track_min_pace_bp(9000);
  up.mutable_settings()->mutable_status_thresholds()->set_at_risk_min_pace_bp(7000);
  up.mutable_settings()->mutable_inactive_rep_policy()->set_probation_share_bp(2000);
  up.mutable_update_mask()->add_paths("status_thresholds");
  up.set_reason("华东市场放缓，放宽进度预警阈值");
  v1::UpdateTargetSettingsResponse upr;
  grpc::Status st = stub_->UpdateTargetSettings(As(admin_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.settings().status_thresholds().ahead_min_pace_bp(), 12000);
  EXPECT_EQ(upr.settings().status_thresholds().on_track_min_pace_bp(), 9000);
  EXPECT_EQ(upr.settings().status_thresholds().at_risk_min_pace_bp(), 7000);
  EXPECT_EQ(upr.settings().inactive_rep_policy().probation_share_bp(), s0.inactive_rep_policy().probation_share_bp());
  EXPECT_EQ(upr.settings().default_currency_code(), s0.default_currency_code());
  EXPECT_EQ(upr.settings().time_zone(), s0.time_zone());
  EXPECT_THAT(upr.settings().baseline_weights().year_weights_bp(),
              ::testing::ElementsAreArray(s0.baseline_weights().year_weights_bp()));
  EXPECT_EQ(upr.settings().sales_recognition(), s0.sales_recognition());
  EXPECT_NE(upr.settings().etag(), s0.etag());

  // The etag is not a field UpdateTargetSettings changes.
  up.set_request_id(Rid());
  up.mutable_settings()->set_etag(upr.settings().etag());
  up.mutable_update_mask()->set_paths(0, "etag");
  v1::UpdateTargetSettingsResponse refused;
  st = stub_->UpdateTargetSettings(As(admin_).get(), up, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("update_mask.paths[0]"));
  v1::GetTargetSettingsResponse got;
  ASSERT_TRUE(stub_->GetTargetSettings(As(admin_).get(), v1::GetTargetSettingsRequest(), &got).ok());
  EXPECT_EQ(got.settings().etag(), upr.settings().etag());
  EXPECT_EQ(got.settings().inactive_rep_policy().probation_share_bp(), s0.inactive_rep_policy().probation_share_bp());

  // No mask: the settings as sent, every field checked, as before masks —
  // a blank currency is refused, a complete copy is stored.
  up.set_request_id(Rid());
  *up.mutable_settings() = got.settings();
  up.mutable_settings()->set_default_currency_code("");
  up.clear_update_mask();
  st = stub_->UpdateTargetSettings(As(admin_).get(), up, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ::testing::ElementsAre("settings.default_currency_code"));
  up.set_request_id(Rid());
  up.mutable_settings()->set_default_currency_code(s0.default_currency_code());
  up.mutable_settings()->mutable_inactive_rep_policy()->set_probation_share_bp(2000);
  up.set_reason("试用期员工按两成分配");
  st = stub_->UpdateTargetSettings(As(admin_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.settings().inactive_rep_policy().probation_share_bp(), 2000);
  EXPECT_EQ(upr.settings().status_thresholds().ahead_min_pace_bp(), 12000);
  EXPECT_EQ(upr.settings().default_currency_code(), s0.default_currency_code());
}

TEST_F(PlanLife, ForgedOrMissingIdentityIsRefused) {
  v1::ListOrgUnitsRequest req;
  v1::ListOrgUnitsResponse resp;
  // No identity at all.
  EXPECT_EQ(stub_->ListOrgUnits(testing::Ctx().get(), req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A principal signed with the wrong secret.
  EXPECT_EQ(stub_->ListOrgUnits(CtxAs(admin_, "not-the-secret").get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->ListOrgUnits(As(admin_).get(), req, &resp).ok());
}

}  // namespace
}  // namespace sales
