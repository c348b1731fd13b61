// targets-svc over gRPC against MariaDB: progress broken down by unit, rep,
// line and month (the same figures GetProgress shows), progress reviews
// (述职) that keep the figures they judged, the expense ledger (listed,
// reversed once with a reason, summed against budget and sales) and the
// actuals behind progress, each for the callers who may see them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

using ::sales::targets::testing_fixtures::Date;
using ::sales::targets::testing_fixtures::Fen;
using ::sales::targets::testing_fixtures::Fields;
using ::sales::targets::testing_fixtures::TargetsApiTest;
using ::sales::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
namespace v1 = ::sales::targets::v1;

constexpr char kSecret[] = "progress-records-test-secret";

common::v1::Period Period(common::v1::PeriodKind kind, int y, int m) {
  common::v1::Period p;
  p.set_kind(kind);
  *p.mutable_start() = Date(y, m, 1);
  return p;
}

// A company of two branches: 华东 with the 上海 office (张伟, 李娜) and 华北
// (王强), two product lines, and a signed 2027 sales plan of 120 000 yuan
// with a 12 000 yuan expense budget split equally down to reps and months:
// 张伟 and 李娜 2 500 yuan a month each (budget 250), 王强 5 000 (budget
// 500). Today is 2027-01-15.
class ProgressRecords : public TargetsApiTest {
 protected:
  ProgressRecords() : TargetsApiTest("targets_progress_records", kSecret) {}
  void SetUp() override {
    TargetsApiTest::SetUp();
    if (HasFatalFailure()) return;  // the service did not start
    co_ = Unit("CO", "乳业公司", v1::ORG_UNIT_KIND_COMPANY, 0).id();
    east_ = Unit("EAST", "华东分公司", v1::ORG_UNIT_KIND_BRANCH, co_).id();
    sh_ = Unit("EAST-SH", "上海办事处", v1::ORG_UNIT_KIND_OFFICE, east_).id();
    north_ = Unit("NORTH", "华北分公司", v1::ORG_UNIT_KIND_BRANCH, co_).id();
    milk_ = Line("MILK", "纯牛奶", v1::PORTFOLIO_ROLE_TRAFFIC).id();
    yogurt_ = Line("YOGURT", "酸奶", v1::PORTFOLIO_ROLE_PROFIT).id();
    r1_ = Rep("E1", "张伟", sh_);
    r2_ = Rep("E2", "李娜", sh_);
    r3_ = Rep("N1", "王强", north_);
    rep1_ = {"zhangwei", "SALES_REP", r1_, sh_};
    rep2_ = {"lina", "SALES_REP", r2_, sh_};
    sh_mgr_ = {"mgr-sh", "SALES_MANAGER", 0, sh_};
    north_mgr_ = {"mgr-north", "SALES_MANAGER", 0, north_};
    director_ = {"boss", "SALES_DIRECTOR", 0, co_};
  }

  // The signed company plan described above (directive: no feedback round).
  void SignCompanyPlan() {
    v1::CreatePlanRequest cp;
    cp.set_request_id(Rid());
    cp.mutable_plan()->set_title("2027 销售额指标");
    cp.mutable_plan()->set_fiscal_year(2027);
    cp.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
    cp.mutable_plan()->set_mode(v1::PLAN_MODE_DIRECTIVE);
    cp.mutable_plan()->set_org_unit_id(co_);
    *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(120000'00);
    *cp.mutable_plan()->mutable_expense_budget() = MakeMoney(12000'00);
    v1::CreatePlanResponse cpr;
    grpc::Status st = stub_->CreatePlan(As(director_).get(), cp, &cpr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    plan_ = cpr.plan().id();
    v1::DecomposePlanRequest dp;
    dp.set_request_id(Rid());
    dp.set_plan_id(plan_);
    auto* units = dp.add_levels();
    units->set_dimension(v1::DIMENSION_ORG_UNIT);
    units->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    units->set_down_to_kind(v1::ORG_UNIT_KIND_OFFICE);
    auto* reps = dp.add_levels();
    reps->set_dimension(v1::DIMENSION_REP);
    reps->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    auto* months = dp.add_levels();
    months->set_dimension(v1::DIMENSION_MONTH);
    months->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    v1::DecomposePlanResponse dpr;
    st = stub_->DecomposePlan(As(director_).get(), dp, &dpr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    v1::IssuePlanRequest ip;
    ip.set_request_id(Rid());
    ip.set_id(plan_);
    v1::IssuePlanResponse ipr;
    st = stub_->IssuePlan(As(director_).get(), ip, &ipr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    v1::SignPlanRequest sp;
    sp.set_request_id(Rid());
    sp.set_id(plan_);
    v1::SignPlanResponse spr;
    st = stub_->SignPlan(As(director_).get(), sp, &spr);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(spr.plan().state(), v1::PLAN_STATE_SIGNED);
  }

  // An order shipped for a rep, fed in as targets-svc's orders consumer would.
  void Ship(int64_t order_id, int64_t rep, int64_t line, common::v1::Date day, int64_t fen) {
    orders::v1::OrderShippedEvent shipped;
    shipped.mutable_order()->set_order_id(order_id);
    shipped.mutable_order()->set_credited_rep_id(rep);
    shipped.mutable_order()->set_customer_id(500 + order_id);
    shipped.mutable_order()->set_currency_code("CNY");
    shipped.set_shipment_id(9000 + order_id);
    *shipped.mutable_ship_date() = day;
    auto* l = shipped.add_lines();
    l->set_order_line_id(1);
    l->set_product_line_id(line);
    l->set_quantity(10);
    *l->mutable_net_amount() = MakeMoney(fen);
    *l->mutable_cost_amount() = MakeMoney(fen / 2);
    common::v1::Event e;
    e.set_event_id(absl::StrCat("orders-", order_id));
    e.set_position(order_id);
    e.set_event_type("OrderShippedEvent");
    e.mutable_payload()->PackFrom(shipped);
    EventConsumer consumer("targets<-orders", app_->pool(), nullptr,
                           [this](db::Transaction& tx, const common::v1::Event& ev) {
                             return targets::ApplyActualsEvent(tx, ev, clock_.Now());
                           });
    ASSERT_THAT(consumer.Apply(e).status(), IsOk());
  }
  // January so far: 张伟 1 500 yuan of milk, 李娜 500 of yogurt, 王强 2 500
  // of milk.
  void ShipJanuary() {
    Ship(1, r1_, milk_, Date(2027, 1, 10), 1500'00);
    Ship(2, r2_, yogurt_, Date(2027, 1, 12), 500'00);
    Ship(3, r3_, milk_, Date(2027, 1, 5), 2500'00);
  }

  v1::ListProgressRequest Breakdown(v1::TargetNode node, v1::ProgressGroupBy by) {
    v1::ListProgressRequest req;
    *req.mutable_node() = node;
    *req.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
    *req.mutable_as_of() = Date(2027, 1, 15);
    req.set_metric(v1::METRIC_SALES_AMOUNT);
    req.set_group_by(by);
    return req;
  }
  static v1::TargetNode UnitNode(int64_t unit) {
    v1::TargetNode n;
    n.set_org_unit_id(unit);
    return n;
  }
  static v1::TargetNode RepNode(int64_t rep) {
    v1::TargetNode n;
    n.set_rep_id(rep);
    return n;
  }

  v1::CreateProgressReviewRequest Review(int64_t rep, common::v1::Date day) {
    v1::CreateProgressReviewRequest req;
    req.set_request_id(Rid());
    v1::ProgressReview& r = *req.mutable_review();
    r.set_rep_id(rep);
    *r.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
    *r.mutable_review_date() = day;
    r.set_rep_summary("本月拜访了十二家门店，两家KA卖场的牛奶陈列还没谈下来。");
    r.set_manager_comments("回款节奏偏慢，下半月重点跟进华联超市的账期。");
    r.add_action_items("每周二前提交KA门店陈列照片");
    r.add_action_items("月底前收回华联超市的欠款");
    *r.mutable_next_review_date() = Date(2027, 2, 15);
    return req;
  }

  v1::ExpenseEntry Expense(int64_t rep, common::v1::Date day, int64_t fen, v1::ExpenseCategory category,
                           const std::string& what, const Principal& who) {
    v1::RecordExpenseRequest req;
    req.set_request_id(Rid());
    req.mutable_expense()->set_rep_id(rep);
    *req.mutable_expense()->mutable_expense_date() = day;
    *req.mutable_expense()->mutable_amount() = MakeMoney(fen);
    req.mutable_expense()->set_category(category);
    req.mutable_expense()->set_description(what);
    v1::RecordExpenseResponse resp;
    grpc::Status st = stub_->RecordExpense(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (st.ok()) {
      // The answer carries the rep's month after the booking, as
      // GetExpenseSummary gives it.
      EXPECT_EQ(resp.summary().node().rep_id(), rep);
      EXPECT_GE(resp.summary().used().minor_units(), fen);
      v1::GetExpenseSummaryRequest g;
      *g.mutable_node() = resp.summary().node();
      *g.mutable_period() = resp.summary().period();
      v1::GetExpenseSummaryResponse gr;
      grpc::Status gs = stub_->GetExpenseSummary(As(admin_).get(), g, &gr);
      EXPECT_TRUE(gs.ok()) << gs.error_message();
      EXPECT_EQ(gr.summary().used().minor_units(), resp.summary().used().minor_units());
    }
    return resp.expense();
  }
  std::vector<v1::ExpenseEntry> Expenses(const Principal& who, v1::ListExpensesRequest req = {}) {
    v1::ListExpensesResponse resp;
    grpc::Status st = stub_->ListExpenses(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.expenses().begin(), resp.expenses().end()};
  }
  grpc::Status Reverse(const v1::ExpenseEntry& e, const std::string& etag, const std::string& reason,
                       const Principal& who, v1::ReverseExpenseResponse* out) {
    v1::ReverseExpenseRequest req;
    req.set_request_id(Rid());
    req.set_id(e.id());
    req.set_etag(etag);
    req.set_reason(reason);
    return stub_->ReverseExpense(As(who).get(), req, out);
  }
  grpc::Status Summary(const v1::TargetNode& node, const Principal& who, v1::ExpenseSummary* out) {
    v1::GetExpenseSummaryRequest req;
    *req.mutable_node() = node;
    *req.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
    v1::GetExpenseSummaryResponse resp;
    grpc::Status st = stub_->GetExpenseSummary(As(who).get(), req, &resp);
    *out = resp.summary();
    return st;
  }

  int64_t co_ = 0, east_ = 0, sh_ = 0, north_ = 0, milk_ = 0, yogurt_ = 0, r1_ = 0, r2_ = 0, r3_ = 0, plan_ = 0;
  Principal finance_{"kuaiji", "FINANCE", 0, 0};
  Principal rep1_, rep2_, sh_mgr_, north_mgr_, director_;
};

TEST_F(ProgressRecords, ProgressBrokenDownAddsUpToWhatGetProgressShows) {
  SignCompanyPlan();
  ShipJanuary();

  // ---- the company by branch: the total is GetProgress's figure for the node
  v1::ListProgressResponse out;
  grpc::Status st = stub_->ListProgress(As(director_).get(), Breakdown({}, v1::PROGRESS_GROUP_BY_CHILD_UNIT), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::GetProgressRequest gp;
  *gp.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
  *gp.mutable_as_of() = Date(2027, 1, 15);
  gp.set_metric(v1::METRIC_SALES_AMOUNT);
  v1::GetProgressResponse gpr;
  st = stub_->GetProgress(As(director_).get(), gp, &gpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Fen(out.total().target()), Fen(gpr.progress().target()));
  EXPECT_EQ(Fen(out.total().actual()), Fen(gpr.progress().actual()));
  EXPECT_EQ(out.total().attainment_bp(), gpr.progress().attainment_bp());
  EXPECT_EQ(out.total().status(), gpr.progress().status());
  EXPECT_EQ(out.total().plan_id(), plan_);
  EXPECT_EQ(Fen(out.total().target()), 10000'00);
  EXPECT_EQ(Fen(out.total().actual()), 4500'00);
  ASSERT_EQ(out.rows_size(), 2);
  EXPECT_EQ(out.rows(0).node().org_unit_id(), east_);
  EXPECT_EQ(out.rows(0).label(), "华东分公司");
  EXPECT_EQ(Fen(out.rows(0).target()), 5000'00);
  EXPECT_EQ(Fen(out.rows(0).actual()), 2000'00);
  EXPECT_EQ(out.rows(1).label(), "华北分公司");
  EXPECT_EQ(Fen(out.rows(0).target()) + Fen(out.rows(1).target()), Fen(out.total().target()));
  EXPECT_EQ(Fen(out.rows(0).actual()) + Fen(out.rows(1).actual()), Fen(out.total().actual()));
  EXPECT_TRUE(out.next_page_token().empty());

  // ---- the office by rep, for its manager: 15 of 31 days gone
  st = stub_->ListProgress(As(sh_mgr_).get(), Breakdown(UnitNode(sh_), v1::PROGRESS_GROUP_BY_REP), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.total().label(), "上海办事处");
  ASSERT_EQ(out.rows_size(), 2);
  EXPECT_EQ(out.rows(0).label(), "张伟");
  EXPECT_EQ(out.rows(0).attainment_bp(), 6000);
  EXPECT_EQ(out.rows(0).status(), v1::PROGRESS_STATUS_AHEAD);
  EXPECT_EQ(out.rows(1).label(), "李娜");
  EXPECT_EQ(out.rows(1).status(), v1::PROGRESS_STATUS_BEHIND);
  // Only the reps behind; and one row a page.
  auto behind = Breakdown(UnitNode(sh_), v1::PROGRESS_GROUP_BY_REP);
  behind.set_status(v1::PROGRESS_STATUS_BEHIND);
  ASSERT_TRUE(stub_->ListProgress(As(sh_mgr_).get(), behind, &out).ok());
  ASSERT_EQ(out.rows_size(), 1);
  EXPECT_EQ(out.rows(0).node().rep_id(), r2_);
  auto paged = Breakdown(UnitNode(sh_), v1::PROGRESS_GROUP_BY_REP);
  paged.set_page_size(1);
  ASSERT_TRUE(stub_->ListProgress(As(sh_mgr_).get(), paged, &out).ok());
  ASSERT_EQ(out.rows_size(), 1);
  EXPECT_EQ(out.rows(0).node().rep_id(), r1_);
  ASSERT_FALSE(out.next_page_token().empty());
  paged.set_page_token(out.next_page_token());
  ASSERT_TRUE(stub_->ListProgress(As(sh_mgr_).get(), paged, &out).ok());
  ASSERT_EQ(out.rows_size(), 1);
  EXPECT_EQ(out.rows(0).node().rep_id(), r2_);
  EXPECT_TRUE(out.next_page_token().empty());

  // ---- by product line: the lines carry no target of their own here, the actuals split
  ASSERT_TRUE(stub_->ListProgress(As(director_).get(), Breakdown({}, v1::PROGRESS_GROUP_BY_PRODUCT_LINE), &out).ok());
  ASSERT_EQ(out.rows_size(), 2);
  EXPECT_EQ(out.rows(0).label(), "纯牛奶");
  EXPECT_EQ(Fen(out.rows(0).actual()), 4000'00);
  EXPECT_EQ(Fen(out.rows(1).actual()), 500'00);

  // ---- a rep's own quarter by month
  auto quarter = Breakdown(RepNode(r1_), v1::PROGRESS_GROUP_BY_MONTH);
  *quarter.mutable_period() = Period(common::v1::PERIOD_KIND_QUARTER, 2027, 1);
  st = stub_->ListProgress(As(rep1_).get(), quarter, &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Fen(out.total().target()), 7500'00);
  ASSERT_EQ(out.rows_size(), 3);
  EXPECT_EQ(out.rows(0).label(), "2027-01");
  EXPECT_EQ(Fen(out.rows(0).actual()), 1500'00);
  EXPECT_EQ(Fen(out.rows(1).target()), 2500'00);
  EXPECT_EQ(out.rows(1).period().start().month(), 2);

  // ---- scope: a rep sees no unit, a manager no other branch
  EXPECT_EQ(
      stub_->ListProgress(As(rep1_).get(), Breakdown(UnitNode(sh_), v1::PROGRESS_GROUP_BY_REP), &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      stub_->ListProgress(As(sh_mgr_).get(), Breakdown(UnitNode(north_), v1::PROGRESS_GROUP_BY_REP), &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      stub_->ListProgress(As(rep1_).get(), Breakdown(RepNode(r2_), v1::PROGRESS_GROUP_BY_MONTH), &out).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // ---- bad input, unknown node, no signed plan
  st = stub_->ListProgress(As(director_).get(), Breakdown({}, v1::PROGRESS_GROUP_BY_UNSPECIFIED), &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("group_by"));
  st = stub_->ListProgress(As(director_).get(), Breakdown(RepNode(r1_), v1::PROGRESS_GROUP_BY_CHILD_UNIT), &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("group_by"));
  auto no_date = Breakdown({}, v1::PROGRESS_GROUP_BY_CHILD_UNIT);
  no_date.clear_as_of();
  EXPECT_THAT(Fields(stub_->ListProgress(As(director_).get(), no_date, &out)), ElementsAre("as_of"));
  EXPECT_EQ(stub_->ListProgress(As(director_).get(), Breakdown(UnitNode(99999), v1::PROGRESS_GROUP_BY_REP), &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto later = Breakdown({}, v1::PROGRESS_GROUP_BY_CHILD_UNIT);
  *later.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2030, 1);
  st = stub_->ListProgress(As(director_).get(), later, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "NO_SIGNED_PLAN");
}

TEST_F(ProgressRecords, ReviewsKeepTheFiguresTheyJudged) {
  SignCompanyPlan();
  ShipJanuary();

  // ---- the office manager reviews 张伟's January
  v1::CreateProgressReviewResponse created;
  auto req = Review(r1_, Date(2027, 1, 15));
  grpc::Status st = stub_->CreateProgressReview(As(sh_mgr_).get(), req, &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const v1::ProgressReview& r = created.review();
  EXPECT_GT(r.id(), 0);
  EXPECT_EQ(r.org_unit_id(), sh_);
  EXPECT_EQ(r.rep_summary(), req.review().rep_summary());
  EXPECT_THAT(r.action_items(), ElementsAre("每周二前提交KA门店陈列照片", "月底前收回华联超市的欠款"));
  EXPECT_EQ(r.reviewer().user_id(), "mgr-sh");
  EXPECT_EQ(Fen(r.progress_snapshot().target()), 2500'00);
  EXPECT_EQ(Fen(r.progress_snapshot().actual()), 1500'00);
  EXPECT_EQ(r.progress_snapshot().days_elapsed(), 15);
  EXPECT_EQ(r.progress_snapshot().status(), v1::PROGRESS_STATUS_AHEAD);
  // The same request again answers the first review, not a second one.
  v1::CreateProgressReviewResponse again;
  ASSERT_TRUE(stub_->CreateProgressReview(As(sh_mgr_).get(), req, &again).ok());
  EXPECT_EQ(again.review().id(), r.id());
  // An earlier review by the director, for 王强.
  ASSERT_TRUE(stub_->CreateProgressReview(As(director_).get(), Review(r3_, Date(2027, 1, 10)), &again).ok());

  // ---- later sales move progress, not the review
  Ship(4, r1_, milk_, Date(2027, 1, 14), 1000'00);
  v1::ListProgressReviewsRequest list;
  v1::ListProgressReviewsResponse listed;
  st = stub_->ListProgressReviews(As(rep1_).get(), list, &listed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(listed.reviews_size(), 1) << "a rep sees their own reviews";
  EXPECT_EQ(Fen(listed.reviews(0).progress_snapshot().actual()), 1500'00) << "the snapshot is kept by value";
  EXPECT_THAT(listed.reviews(0).action_items(), ElementsAre("每周二前提交KA门店陈列照片", "月底前收回华联超市的欠款"));
  EXPECT_EQ(listed.reviews(0).manager_comments(), req.review().manager_comments());
  v1::GetProgressRequest gp;
  gp.mutable_node()->set_rep_id(r1_);
  *gp.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
  *gp.mutable_as_of() = Date(2027, 1, 15);
  v1::GetProgressResponse gpr;
  ASSERT_TRUE(stub_->GetProgress(As(rep1_).get(), gp, &gpr).ok());
  EXPECT_EQ(Fen(gpr.progress().actual()), 2500'00);

  // ---- newest first; filters; scope
  ASSERT_TRUE(stub_->ListProgressReviews(As(director_).get(), list, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 2);
  EXPECT_EQ(listed.reviews(0).rep_id(), r1_);
  EXPECT_EQ(listed.reviews(1).rep_id(), r3_);
  list.set_page_size(1);
  ASSERT_TRUE(stub_->ListProgressReviews(As(director_).get(), list, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 1);
  list.set_page_token(listed.next_page_token());
  ASSERT_TRUE(stub_->ListProgressReviews(As(director_).get(), list, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 1);
  EXPECT_EQ(listed.reviews(0).rep_id(), r3_);
  EXPECT_TRUE(listed.next_page_token().empty());
  v1::ListProgressReviewsRequest ranged;
  *ranged.mutable_date_range()->mutable_start() = Date(2027, 1, 11);
  ASSERT_TRUE(stub_->ListProgressReviews(As(director_).get(), ranged, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 1);
  EXPECT_EQ(listed.reviews(0).rep_id(), r1_);
  ASSERT_TRUE(stub_->ListProgressReviews(As(sh_mgr_).get(), {}, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 1) << "a manager sees the reviews of their subtree";
  ASSERT_TRUE(stub_->ListProgressReviews(As(rep2_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.reviews_size(), 0);
  v1::ListProgressReviewsRequest others;
  others.set_rep_id(r1_);
  EXPECT_EQ(stub_->ListProgressReviews(As(rep2_).get(), others, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListProgressReviewsRequest north;
  north.set_org_unit_id(north_);
  EXPECT_EQ(stub_->ListProgressReviews(As(sh_mgr_).get(), north, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListProgressReviewsRequest backwards;
  *backwards.mutable_date_range()->mutable_start() = Date(2027, 1, 20);
  *backwards.mutable_date_range()->mutable_end() = Date(2027, 1, 1);
  EXPECT_THAT(Fields(stub_->ListProgressReviews(As(director_).get(), backwards, &listed)),
              ElementsAre("date_range.end"));
  v1::ListProgressReviewsRequest nowhere;
  nowhere.set_org_unit_id(99999);
  EXPECT_EQ(stub_->ListProgressReviews(As(director_).get(), nowhere, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // ---- who may review: the rep's manager or above, never the rep
  v1::CreateProgressReviewResponse refused;
  EXPECT_EQ(stub_->CreateProgressReview(As(rep1_).get(), Review(r1_, Date(2027, 1, 15)), &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->CreateProgressReview(As(north_mgr_).get(), Review(r1_, Date(2027, 1, 15)), &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // ---- bad input, unknown rep, a rep who left
  auto blank = Review(r1_, Date(2027, 1, 15));
  blank.mutable_review()->clear_rep_summary();
  st = stub_->CreateProgressReview(As(sh_mgr_).get(), blank, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("review.rep_summary"));
  auto yearly = Review(r1_, Date(2027, 1, 15));
  *yearly.mutable_review()->mutable_period() = Period(common::v1::PERIOD_KIND_YEAR, 2027, 1);
  EXPECT_THAT(Fields(stub_->CreateProgressReview(As(sh_mgr_).get(), yearly, &refused)),
              ElementsAre("review.period.kind"));
  EXPECT_THAT(Fields(stub_->CreateProgressReview(As(sh_mgr_).get(), Review(r1_, Date(2027, 1, 20)), &refused)),
              ElementsAre("review.review_date"));
  EXPECT_EQ(stub_->CreateProgressReview(As(director_).get(), Review(99999, Date(2027, 1, 15)), &refused).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::OffboardRepRequest off;
  off.set_request_id(Rid());
  off.set_id(r2_);
  off.set_reason("个人原因离职");
  v1::OffboardRepResponse offr;
  st = stub_->OffboardRep(As(sh_mgr_).get(), off, &offr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  st = stub_->CreateProgressReview(As(sh_mgr_).get(), Review(r2_, Date(2027, 1, 15)), &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "REP_LEFT");
  ASSERT_TRUE(stub_->ListProgressReviews(As(director_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.reviews_size(), 2) << "refused reviews recorded nothing";
}

TEST_F(ProgressRecords, ExpensesListedReversedOnceAndSummedAgainstBudgetAndSales) {
  SignCompanyPlan();
  ShipJanuary();
  v1::ExpenseEntry travel =
      Expense(r1_, Date(2027, 1, 8), 800'00, v1::EXPENSE_CATEGORY_TRAVEL, "去苏州拜访经销商的差旅费", rep1_);
  v1::ExpenseEntry dinner =
      Expense(r2_, Date(2027, 1, 9), 300'00, v1::EXPENSE_CATEGORY_ENTERTAINMENT, "招待华联超市采购经理", sh_mgr_);
  v1::ExpenseEntry samples =
      Expense(r3_, Date(2027, 1, 3), 200'00, v1::EXPENSE_CATEGORY_SAMPLES, "社区奶站试饮样品", admin_);

  // ---- lists: by expense date, in scope, filtered, paged
  auto mine = Expenses(rep1_);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].description(), "去苏州拜访经销商的差旅费");
  auto office = Expenses(sh_mgr_);
  ASSERT_EQ(office.size(), 2u);
  EXPECT_EQ(office[0].id(), travel.id());
  auto all = Expenses(director_);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id(), samples.id()) << "earliest expense date first";
  v1::ListExpensesRequest only;
  only.set_category(v1::EXPENSE_CATEGORY_ENTERTAINMENT);
  ASSERT_EQ(Expenses(finance_, only).size(), 1u);
  v1::ListExpensesRequest page;
  page.set_page_size(2);
  v1::ListExpensesResponse paged;
  ASSERT_TRUE(stub_->ListExpenses(As(director_).get(), page, &paged).ok());
  ASSERT_EQ(paged.expenses_size(), 2);
  page.set_page_token(paged.next_page_token());
  ASSERT_TRUE(stub_->ListExpenses(As(director_).get(), page, &paged).ok());
  ASSERT_EQ(paged.expenses_size(), 1);
  EXPECT_EQ(paged.expenses(0).id(), dinner.id());
  v1::ListExpensesRequest others;
  others.set_rep_id(r2_);
  EXPECT_EQ(stub_->ListExpenses(As(rep1_).get(), others, &paged).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListExpensesRequest backwards;
  *backwards.mutable_date_range()->mutable_start() = Date(2027, 1, 31);
  *backwards.mutable_date_range()->mutable_end() = Date(2027, 1, 1);
  EXPECT_THAT(Fields(stub_->ListExpenses(As(director_).get(), backwards, &paged)), ElementsAre("date_range.end"));
  v1::ListExpensesRequest nowhere;
  nowhere.set_org_unit_id(99999);
  EXPECT_EQ(stub_->ListExpenses(As(director_).get(), nowhere, &paged).error_code(), grpc::StatusCode::NOT_FOUND);

  // ---- 张伟's January: budget 250 yuan, 800 spent on 1 500 of sales
  v1::ExpenseSummary s;
  grpc::Status st = Summary(RepNode(r1_), rep1_, &s);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(s.budget().minor_units(), 250'00);
  EXPECT_EQ(s.used().minor_units(), 800'00);
  EXPECT_EQ(s.remaining().minor_units(), -550'00) << "overspent";
  EXPECT_EQ(s.used_bp(), 32000);
  EXPECT_EQ(s.sales_amount().minor_units(), 1500'00);
  EXPECT_EQ(s.expense_to_sales_bp(), 5333);
  ASSERT_EQ(s.by_category_size(), 1);
  EXPECT_EQ(s.by_category(0).category(), v1::EXPENSE_CATEGORY_TRAVEL);
  ASSERT_TRUE(Summary(UnitNode(sh_), sh_mgr_, &s).ok());
  EXPECT_EQ(s.budget().minor_units(), 500'00);
  EXPECT_EQ(s.used().minor_units(), 1100'00);
  EXPECT_EQ(s.sales_amount().minor_units(), 2000'00);
  EXPECT_EQ(Summary(RepNode(r2_), rep1_, &s).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Summary(UnitNode(99999), director_, &s).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetExpenseSummaryRequest no_period;
  v1::GetExpenseSummaryResponse no_periodr;
  EXPECT_THAT(Fields(stub_->GetExpenseSummary(As(director_).get(), no_period, &no_periodr)), ElementsAre("period"));

  // ---- reversal: by the manager or finance, on the current etag, once, with a reason
  v1::ReverseExpenseResponse rev;
  EXPECT_EQ(Reverse(travel, travel.etag(), "重复报销", rep1_, &rev).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reverse(travel, travel.etag(), "重复报销", north_mgr_, &rev).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reverse(travel, "v999", "重复报销", sh_mgr_, &rev).error_code(), grpc::StatusCode::ABORTED);
  st = Reverse(travel, travel.etag(), "", sh_mgr_, &rev);
  EXPECT_THAT(Fields(st), ElementsAre("reason"));
  v1::ExpenseEntry unknown = travel;
  unknown.set_id(99999);
  EXPECT_EQ(Reverse(unknown, travel.etag(), "重复报销", sh_mgr_, &rev).error_code(), grpc::StatusCode::NOT_FOUND);
  std::string reason = "与12月的差旅单重复报销，财务核对后冲销";
  st = Reverse(travel, travel.etag(), reason, sh_mgr_, &rev);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rev.expense().state(), v1::EXPENSE_STATE_REVERSED);
  EXPECT_EQ(rev.expense().reversal_reason(), reason);
  EXPECT_EQ(rev.expense().amount().minor_units(), 800'00) << "a reversal keeps the record";
  EXPECT_NE(rev.expense().etag(), travel.etag());
  st = Reverse(travel, rev.expense().etag(), reason, sh_mgr_, &rev);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "EXPENSE_REVERSED");
  ASSERT_TRUE(Reverse(samples, samples.etag(), "样品费改由市场部承担", finance_, &rev).ok());

  // ---- the budget used drops back; the reversed entries stay listable
  ASSERT_TRUE(Summary(RepNode(r1_), rep1_, &s).ok());
  EXPECT_EQ(s.used().minor_units(), 0);
  EXPECT_EQ(s.remaining().minor_units(), 250'00);
  EXPECT_EQ(s.by_category_size(), 0);
  v1::GetProgressRequest gp;
  gp.mutable_node()->set_rep_id(r1_);
  *gp.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
  *gp.mutable_as_of() = Date(2027, 1, 15);
  v1::GetProgressResponse gpr;
  ASSERT_TRUE(stub_->GetProgress(As(rep1_).get(), gp, &gpr).ok());
  EXPECT_EQ(gpr.progress().expense_used().minor_units(), 0);
  EXPECT_EQ(Expenses(director_).size(), 1u);
  v1::ListExpensesRequest with_reversed;
  with_reversed.set_include_reversed(true);
  auto everything = Expenses(director_, with_reversed);
  ASSERT_EQ(everything.size(), 3u);
  EXPECT_EQ(everything[1].state(), v1::EXPENSE_STATE_REVERSED);
  EXPECT_EQ(everything[1].reversal_reason(), reason);
}

TEST_F(ProgressRecords, ActualCellsAndEntriesTraceProgressToItsSources) {
  v1::ImportActualsRequest imp;
  imp.set_request_id(Rid());
  for (int m = 1; m <= 3; ++m) {
    auto* row = imp.add_rows();
    row->set_row_key(absl::StrCat("2026-0", m, "/张伟/纯牛奶"));
    row->set_rep_id(r1_);
    row->set_org_unit_id(sh_);
    row->set_product_line_id(milk_);
    row->set_fiscal_year(2026);
    row->set_fiscal_month(m);
    *row->mutable_sales_amount() = MakeMoney(3000'00);
  }
  v1::ImportActualsResponse impr;
  grpc::Status st = stub_->ImportActuals(As(admin_).get(), imp, &impr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ShipJanuary();

  // ---- monthly cells: year, month, unit, rep, line; paged without overlap
  v1::ListActualCellsRequest cells;
  *cells.mutable_from_period() = Period(common::v1::PERIOD_KIND_MONTH, 2026, 1);
  *cells.mutable_to_period() = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1);
  v1::ListActualCellsResponse cellsr;
  st = stub_->ListActualCells(As(director_).get(), cells, &cellsr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(cellsr.cells_size(), 6);  // three imported months, three January sales
  EXPECT_EQ(cellsr.cells(0).fiscal_year(), 2026);
  EXPECT_EQ(cellsr.cells(0).sales_amount().minor_units(), 3000'00);
  EXPECT_EQ(cellsr.cells(3).fiscal_year(), 2027);
  EXPECT_EQ(cellsr.cells(3).org_unit_id(), sh_);
  EXPECT_EQ(cellsr.cells(5).org_unit_id(), north_);
  cells.set_page_size(4);
  ASSERT_TRUE(stub_->ListActualCells(As(director_).get(), cells, &cellsr).ok());
  ASSERT_EQ(cellsr.cells_size(), 4);
  cells.set_page_token(cellsr.next_page_token());
  ASSERT_TRUE(stub_->ListActualCells(As(director_).get(), cells, &cellsr).ok());
  ASSERT_EQ(cellsr.cells_size(), 2);
  EXPECT_EQ(cellsr.cells(0).rep_id(), r2_);
  EXPECT_TRUE(cellsr.next_page_token().empty());
  cells.clear_page_token();
  cells.set_page_size(0);
  ASSERT_TRUE(stub_->ListActualCells(As(rep1_).get(), cells, &cellsr).ok());
  EXPECT_EQ(cellsr.cells_size(), 4) << "a rep sees their own cells";
  cells.set_org_unit_id(north_);
  EXPECT_EQ(stub_->ListActualCells(As(sh_mgr_).get(), cells, &cellsr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cells.set_org_unit_id(99999);
  EXPECT_EQ(stub_->ListActualCells(As(director_).get(), cells, &cellsr).error_code(), grpc::StatusCode::NOT_FOUND);
  cells.set_org_unit_id(0);
  *cells.mutable_to_period() = Period(common::v1::PERIOD_KIND_MONTH, 2025, 12);
  EXPECT_THAT(Fields(stub_->ListActualCells(As(director_).get(), cells, &cellsr)), ElementsAre("to_period"));
  cells.mutable_from_period()->set_kind(common::v1::PERIOD_KIND_YEAR);
  EXPECT_THAT(Fields(stub_->ListActualCells(As(director_).get(), cells, &cellsr)), Contains("from_period.kind"));

  // ---- entries: an order traced to its shipment, history to its row key
  v1::ListActualEntriesRequest entries;
  entries.set_order_id(1);
  v1::ListActualEntriesResponse entriesr;
  st = stub_->ListActualEntries(As(director_).get(), entries, &entriesr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(entriesr.entries_size(), 1);
  const v1::ActualEntry& e = entriesr.entries(0);
  EXPECT_EQ(e.kind(), v1::ACTUAL_ENTRY_KIND_SHIPPED);
  EXPECT_EQ(e.rep_id(), r1_);
  EXPECT_EQ(e.org_unit_id(), sh_);
  EXPECT_EQ(e.shipment_id(), 9001);
  EXPECT_EQ(e.customer_id(), 501);
  EXPECT_EQ(e.shipped_amount().minor_units(), 1500'00);
  EXPECT_EQ(e.source_service(), "orders");
  EXPECT_EQ(e.source_ref(), "orders-1/1");
  v1::ListActualEntriesRequest by_event;
  by_event.set_source_ref("orders-1");
  ASSERT_TRUE(stub_->ListActualEntries(As(director_).get(), by_event, &entriesr).ok());
  ASSERT_EQ(entriesr.entries_size(), 1) << "an event id finds its lines";
  v1::ListActualEntriesRequest history;
  history.set_kind(v1::ACTUAL_ENTRY_KIND_IMPORTED);
  ASSERT_TRUE(stub_->ListActualEntries(As(director_).get(), history, &entriesr).ok());
  ASSERT_EQ(entriesr.entries_size(), 3);
  EXPECT_EQ(entriesr.entries(0).source_ref(), "2026-01/张伟/纯牛奶");
  EXPECT_EQ(entriesr.entries(0).source_service(), "import");
  EXPECT_EQ(entriesr.entries(0).business_date().month(), 1);
  v1::ListActualEntriesRequest january;
  *january.mutable_date_range()->mutable_start() = Date(2027, 1, 1);
  january.set_page_size(2);
  ASSERT_TRUE(stub_->ListActualEntries(As(director_).get(), january, &entriesr).ok());
  ASSERT_EQ(entriesr.entries_size(), 2);
  january.set_page_token(entriesr.next_page_token());
  ASSERT_TRUE(stub_->ListActualEntries(As(director_).get(), january, &entriesr).ok());
  ASSERT_EQ(entriesr.entries_size(), 1);
  EXPECT_TRUE(entriesr.next_page_token().empty());
  ASSERT_TRUE(stub_->ListActualEntries(As(rep2_).get(), {}, &entriesr).ok());
  ASSERT_EQ(entriesr.entries_size(), 1) << "a rep sees their own entries";
  EXPECT_EQ(entriesr.entries(0).rep_id(), r2_);
  v1::ListActualEntriesRequest others;
  others.set_rep_id(r1_);
  EXPECT_EQ(stub_->ListActualEntries(As(rep2_).get(), others, &entriesr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListActualEntriesRequest backwards;
  *backwards.mutable_date_range()->mutable_start() = Date(2027, 2, 1);
  *backwards.mutable_date_range()->mutable_end() = Date(2027, 1, 1);
  EXPECT_THAT(Fields(stub_->ListActualEntries(As(director_).get(), backwards, &entriesr)),
              ElementsAre("date_range.end"));
  v1::ListActualEntriesRequest nowhere;
  nowhere.set_org_unit_id(99999);
  EXPECT_EQ(stub_->ListActualEntries(As(director_).get(), nowhere, &entriesr).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // ---- imported history counts by month, from the cells: a whole month
  // has it, part of a month none (the entries do not count it twice)
  v1::GetExpenseSummaryRequest sum;
  sum.mutable_node()->set_rep_id(r1_);
  *sum.mutable_period() = Period(common::v1::PERIOD_KIND_MONTH, 2026, 1);
  v1::GetExpenseSummaryResponse sumr;
  st = stub_->GetExpenseSummary(As(rep1_).get(), sum, &sumr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(sumr.summary().sales_amount().minor_units(), 3000'00);
  EXPECT_EQ(sumr.summary().budget().minor_units(), 0) << "no signed 2026 plan: no budget";
  *sum.mutable_as_of() = Date(2026, 1, 15);
  ASSERT_TRUE(stub_->GetExpenseSummary(As(rep1_).get(), sum, &sumr).ok());
  EXPECT_EQ(sumr.summary().sales_amount().minor_units(), 0);
}

}  // namespace
}  // namespace sales
