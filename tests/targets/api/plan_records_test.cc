// targets-svc over gRPC against MariaDB (issue 17): a plan's records —
// editing a draft, listing and withdrawing reduction and amendment
// requests, market outlooks, audit trails and the monthly/weekly sales plan
// — and the plan counts that every cell now counts in, in ListPlans too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/targets/api/targets_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::targets::testing_fixtures::Date;
using ::sales::targets::testing_fixtures::Fen;
using ::sales::targets::testing_fixtures::Fields;
using ::sales::targets::testing_fixtures::Reason;
using ::sales::targets::testing_fixtures::TargetsApiTest;
using ::sales::testing::CtxAs;
using ::testing::ElementsAre;
namespace v1 = ::sales::targets::v1;

constexpr char kSecret[] = "plan-records-test-secret";

std::vector<std::string> Actions(const std::vector<common::v1::AuditEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.action());
  return out;
}

class PlanRecordsTest : public TargetsApiTest {
 protected:
  PlanRecordsTest() : TargetsApiTest("targets_records", kSecret) {}
  void SetUp() override {
    TargetsApiTest::SetUp();
    if (HasFatalFailure()) return;  // the service did not start
    Org();
  }

  // CO → EAST → EAST-SH (张伟 r1, 李娜 r2); CO → NORTH (王芳 r3); two lines.
  void Org() {
    co_ = Unit("CO", "CO", v1::ORG_UNIT_KIND_COMPANY, 0).id();
    east_ = Unit("EAST", "EAST", v1::ORG_UNIT_KIND_BRANCH, co_).id();
    sh_ = Unit("EAST-SH", "EAST-SH", v1::ORG_UNIT_KIND_OFFICE, east_).id();
    north_ = Unit("NORTH", "NORTH", v1::ORG_UNIT_KIND_BRANCH, co_).id();
    milk_ = Line("MILK", "纯牛奶", v1::PORTFOLIO_ROLE_TRAFFIC).id();
    yogurt_ = Line("YOGURT", "酸奶", v1::PORTFOLIO_ROLE_VOLUME).id();
    r1_ = Rep("E1", "张伟", sh_);
    r2_ = Rep("E2", "李娜", sh_);
    r3_ = Rep("N1", "王芳", north_);
    rep1_ = {"rep1", "SALES_REP", r1_, sh_};
    rep2_ = {"rep2", "SALES_REP", r2_, sh_};
    sh_mgr_ = {"mgr-sh", "SALES_MANAGER", 0, sh_};
    east_mgr_ = {"mgr-east", "SALES_MANAGER", 0, east_};
    north_mgr_ = {"mgr-north", "SALES_MANAGER", 0, north_};
  }
  static common::v1::Period Period(common::v1::PeriodKind kind, int y, int m, int d) {
    common::v1::Period p;
    p.set_kind(kind);
    *p.mutable_start() = Date(y, m, d);
    return p;
  }

  // The company's 2027 sales plan, a draft.
  int64_t NewPlan(v1::PlanMode mode, int64_t total_fen, int64_t expense_fen) {
    v1::CreatePlanRequest req;
    req.set_request_id(Rid());
    req.mutable_plan()->set_title("2027 销售额计划");
    req.mutable_plan()->set_fiscal_year(2027);
    req.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
    req.mutable_plan()->set_mode(mode);
    req.mutable_plan()->set_org_unit_id(co_);
    *req.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(total_fen);
    *req.mutable_plan()->mutable_expense_budget() = MakeMoney(expense_fen);
    v1::CreatePlanResponse resp;
    grpc::Status st = stub_->CreatePlan(As(director_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.plan().id();
  }
  static v1::DecompositionLevel Level(v1::Dimension dim) {
    v1::DecompositionLevel l;
    l.set_dimension(dim);
    l.set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
    if (dim == v1::DIMENSION_ORG_UNIT) l.set_down_to_kind(v1::ORG_UNIT_KIND_OFFICE);
    return l;
  }
  // Named-customer (outlet) targets: customers 501 and 502, equally.
  static v1::DecompositionLevel Outlets() {
    v1::DecompositionLevel l;
    l.set_dimension(v1::DIMENSION_CUSTOMER);
    l.set_method(v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS);
    for (int64_t customer : {501, 502}) {
      auto* r = l.add_ratios();
      r->set_key(customer);
      r->set_weight(1);
    }
    return l;
  }
  void Decompose(int64_t plan, const std::vector<v1::DecompositionLevel>& levels) {
    v1::DecomposePlanRequest req;
    req.set_request_id(Rid());
    req.set_plan_id(plan);
    for (const auto& l : levels) *req.add_levels() = l;
    v1::DecomposePlanResponse resp;
    grpc::Status st = stub_->DecomposePlan(As(director_).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  // Units down to offices, then reps: root, EAST, NORTH, EAST-SH, r1, r2, r3.
  void UnitsAndReps(int64_t plan) { Decompose(plan, {Level(v1::DIMENSION_ORG_UNIT), Level(v1::DIMENSION_REP)}); }
  // ... then lines, months and two outlets each: 229 cells, 6 negotiable.
  void DownToOutlets(int64_t plan) {
    Decompose(plan, {Level(v1::DIMENSION_ORG_UNIT), Level(v1::DIMENSION_REP), Level(v1::DIMENSION_PRODUCT_LINE),
                     Level(v1::DIMENSION_MONTH), Outlets()});
  }
  grpc::Status Issue(int64_t plan) {
    v1::IssuePlanRequest req;
    req.set_request_id(Rid());
    req.set_id(plan);
    v1::IssuePlanResponse resp;
    return stub_->IssuePlan(As(director_).get(), req, &resp);
  }
  grpc::Status Sign(int64_t plan) {
    v1::SignPlanRequest req;
    req.set_request_id(Rid());
    req.set_id(plan);
    v1::SignPlanResponse resp;
    return stub_->SignPlan(As(director_).get(), req, &resp);
  }
  v1::Plan GetPlan(int64_t plan) {
    v1::GetPlanRequest req;
    req.set_id(plan);
    v1::GetPlanResponse resp;
    grpc::Status st = stub_->GetPlan(As(director_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.plan();
  }
  std::vector<v1::Assignment> Cells(int64_t plan) {
    v1::ListAssignmentsRequest req;
    req.set_plan_id(plan);
    req.set_page_size(1000);
    v1::ListAssignmentsResponse resp;
    grpc::Status st = stub_->ListAssignments(As(director_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.assignments().begin(), resp.assignments().end()};
  }
  static v1::Assignment CellFor(const std::vector<v1::Assignment>& cells, v1::Dimension dim, int64_t id) {
    for (const auto& c : cells) {
      if (c.dimension() == dim && (dim == v1::DIMENSION_REP ? c.rep_id() : c.org_unit_id()) == id) return c;
    }
    ADD_FAILURE() << "no cell for " << id;
    return {};
  }
  grpc::Status Trail(v1::AuditSubjectType type, int64_t id, const Principal& who,
                     std::vector<common::v1::AuditEntry>* out, int page_size = 0, std::string* next = nullptr,
                     const std::string& token = "") {
    v1::ListAuditEntriesRequest req;
    req.set_subject_type(type);
    req.set_subject_id(id);
    req.set_page_size(page_size);
    req.set_page_token(token);
    v1::ListAuditEntriesResponse resp;
    grpc::Status st = stub_->ListAuditEntries(As(who).get(), req, &resp);
    out->assign(resp.entries().begin(), resp.entries().end());
    if (next != nullptr) *next = resp.next_page_token();
    return st;
  }

  int64_t co_ = 0, east_ = 0, sh_ = 0, north_ = 0, milk_ = 0, yogurt_ = 0, r1_ = 0, r2_ = 0, r3_ = 0;
  Principal director_{"boss", "SALES_DIRECTOR", 0, 0};
  Principal rep1_, rep2_, sh_mgr_, east_mgr_, north_mgr_;
};

// ------------------------------------------------------------ UpdatePlan

TEST_F(PlanRecordsTest, UpdatePlanChangesTheMaskedFieldsAndResplitsTheTotal) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 60000'00, 6000'00);
  Decompose(plan, {Level(v1::DIMENSION_ORG_UNIT), Level(v1::DIMENSION_REP), Level(v1::DIMENSION_MONTH)});
  v1::Plan before = GetPlan(plan);

  // Title, note and total by mask; the mode sent alongside stays as stored.
  std::string note;
  for (int i = 0; i < 300; ++i) note += "稳";  // 900 bytes: longer than an audit value
  v1::UpdatePlanRequest up;
  up.set_request_id(Rid());
  up.set_id(plan);
  up.set_etag(before.etag());
  up.set_title("2027 年度销售额目标（修订）");
  up.set_mode(v1::PLAN_MODE_DIRECTIVE);
  up.set_note(note);
  *up.mutable_total_target()->mutable_amount() = MakeMoney(72000'00);
  for (const char* p : {"title", "note", "total_target"}) up.mutable_update_mask()->add_paths(p);
  v1::UpdatePlanResponse upr;
  grpc::Status st = stub_->UpdatePlan(As(director_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.plan().title(), "2027 年度销售额目标（修订）");
  EXPECT_EQ(upr.plan().note(), note);
  EXPECT_EQ(upr.plan().mode(), v1::PLAN_MODE_NEGOTIATED);
  EXPECT_EQ(Fen(upr.plan().total_target()), 72000'00);
  EXPECT_EQ(upr.plan().expense_budget().minor_units(), 6000'00);
  EXPECT_EQ(upr.plan().state(), v1::PLAN_STATE_DRAFT);
  EXPECT_NE(upr.plan().etag(), before.etag());

  // The cells follow in their proportions and every level still adds up.
  auto cells = Cells(plan);
  std::map<int64_t, int64_t> sum_by_parent, target_by_id;
  for (const auto& c : cells) {
    target_by_id[c.id()] = Fen(c.target());
    if (c.parent_assignment_id() != 0) sum_by_parent[c.parent_assignment_id()] += Fen(c.target());
  }
  for (const auto& [parent, sum] : sum_by_parent) EXPECT_EQ(sum, target_by_id[parent]) << "cell " << parent;
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_ORG_UNIT, east_).target()), 36000'00);
  EXPECT_EQ(Fen(CellFor(cells, v1::DIMENSION_REP, r3_).target()), 36000'00);

  // Each changed field is one audit entry, who and from what to what.
  std::vector<common::v1::AuditEntry> trail;
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, plan, director_, &trail).ok());
  std::map<std::string, common::v1::AuditEntry> by_action;
  for (const auto& e : trail) by_action[e.action()] = e;
  ASSERT_TRUE(by_action.count("TITLE_CHANGED"));
  EXPECT_EQ(by_action["TITLE_CHANGED"].from_value(), "2027 销售额计划");
  EXPECT_EQ(by_action["TITLE_CHANGED"].to_value(), "2027 年度销售额目标（修订）");
  EXPECT_EQ(by_action["TITLE_CHANGED"].actor().user_id(), "boss");
  EXPECT_EQ(by_action["TOTAL_TARGET_CHANGED"].from_value(), "6000000");
  EXPECT_EQ(by_action["TOTAL_TARGET_CHANGED"].to_value(), "7200000");
  ASSERT_TRUE(by_action.count("NOTE_CHANGED"));
  EXPECT_LE(by_action["NOTE_CHANGED"].to_value().size(), 255u) << "cut to the column, between characters";
  EXPECT_FALSE(by_action.count("MODE_CHANGED"));

  // No mask: what the request sets applies, the blank fields stay.
  v1::UpdatePlanRequest deadline;
  deadline.set_request_id(Rid());
  deadline.set_id(plan);
  *deadline.mutable_response_deadline() = Date(2027, 1, 31);
  ASSERT_TRUE(stub_->UpdatePlan(As(director_).get(), deadline, &upr).ok());
  EXPECT_EQ(upr.plan().response_deadline().day(), 31);
  EXPECT_EQ(upr.plan().title(), "2027 年度销售额目标（修订）");
  EXPECT_EQ(upr.plan().note(), note);

  // A named blank optional field is cleared: no deadline, no budget below.
  v1::UpdatePlanRequest clear;
  clear.set_request_id(Rid());
  clear.set_id(plan);
  clear.mutable_update_mask()->add_paths("response_deadline");
  clear.mutable_update_mask()->add_paths("expense_budget");
  ASSERT_TRUE(stub_->UpdatePlan(As(director_).get(), clear, &upr).ok());
  EXPECT_FALSE(upr.plan().has_response_deadline());
  EXPECT_EQ(upr.plan().expense_budget().minor_units(), 0);
  for (const auto& c : Cells(plan)) EXPECT_EQ(c.expense_budget().minor_units(), 0) << c.key();
}

TEST_F(PlanRecordsTest, UpdatePlanRefusesBadInputOtherCallersAndPlansPastDraft) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 60000'00, 6000'00);
  UnitsAndReps(plan);
  auto update = [&](const Principal& who, const std::function<void(v1::UpdatePlanRequest&)>& fill) {
    v1::UpdatePlanRequest req;
    req.set_request_id(Rid());
    req.set_id(plan);
    fill(req);
    v1::UpdatePlanResponse resp;
    return stub_->UpdatePlan(As(who).get(), req, &resp);
  };
  // A named required field may not be blank; a field UpdatePlan does not
  // change is refused by its position in the mask.
  grpc::Status st = update(director_, [](auto& r) { r.mutable_update_mask()->add_paths("title"); });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("title"));
  st = update(director_, [](auto& r) {
    r.set_title("新标题");
    r.mutable_update_mask()->add_paths("title");
    r.mutable_update_mask()->add_paths("fiscal_year");
  });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("update_mask.paths[1]"));
  // The total in another currency than the plan's.
  st = update(director_, [](auto& r) { *r.mutable_total_target()->mutable_amount() = MakeMoney(1'00, "USD"); });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("total_target.amount.currency_code"));
  // Only the plan's owner (the director for the company's plan) edits it.
  st = update(north_mgr_, [](auto& r) { r.set_title("北区改的标题"); });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  st = update(director_, [](auto& r) {
    r.set_id(999999);
    r.set_title("不存在");
  });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  st = update(director_, [](auto& r) {
    r.set_etag("v999");
    r.set_title("过期");
  });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(GetPlan(plan).title(), "2027 销售额计划") << "nothing changed";

  // Once issued the plan is no longer a draft; once signed only an
  // amendment changes it.
  ASSERT_TRUE(Issue(plan).ok());
  st = update(director_, [](auto& r) { r.set_title("下达后改"); });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "PLAN_STATE");
}

// ------------------------------------------------------- counts and pages

// Issue 17: assignment_count counted only negotiable cells (6 of 229 here)
// and ListPlans left every count at 0.
TEST_F(PlanRecordsTest, CountsCoverEveryCellInGetPlanAndListPlans) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 72000'00, 12000'00);
  DownToOutlets(plan);
  auto cells = Cells(plan);
  ASSERT_EQ(cells.size(), 229u);
  EXPECT_EQ(GetPlan(plan).assignment_count(), 229);

  ASSERT_TRUE(Issue(plan).ok());
  v1::Plan got = GetPlan(plan);
  EXPECT_EQ(got.assignment_count(), 229);
  EXPECT_EQ(got.pending_count(), 6);  // EAST, NORTH, EAST-SH and the three reps
  v1::ListPlansRequest lp;
  v1::ListPlansResponse lpr;
  ASSERT_TRUE(stub_->ListPlans(As(director_).get(), lp, &lpr).ok());
  ASSERT_EQ(lpr.plans_size(), 1);
  EXPECT_EQ(lpr.plans(0).assignment_count(), got.assignment_count());
  EXPECT_EQ(lpr.plans(0).pending_count(), got.pending_count());
  EXPECT_EQ(lpr.plans(0).accepted_count(), got.accepted_count());
  EXPECT_EQ(lpr.plans(0).counter_proposed_count(), got.counter_proposed_count());
}

// Issue 17: ListAssignments refused the page of 5,000 its contract allows,
// and an unset page size gave 100 cells instead of 500. (The handler in
// api/plan_api.cc must page with kPageOfPlanCells.)
TEST_F(PlanRecordsTest, ListAssignmentsTakesPagesOfUpTo5000Cells) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 72000'00, 12000'00);
  DownToOutlets(plan);
  v1::ListAssignmentsRequest req;
  req.set_plan_id(plan);
  req.set_page_size(5000);
  v1::ListAssignmentsResponse resp;
  grpc::Status st = stub_->ListAssignments(As(director_).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.assignments_size(), 229);
  req.set_page_size(0);
  ASSERT_TRUE(stub_->ListAssignments(As(director_).get(), req, &resp).ok());
  EXPECT_EQ(resp.assignments_size(), 229) << "0 means 500";
  EXPECT_EQ(resp.next_page_token(), "");
  req.set_page_size(5001);
  st = stub_->ListAssignments(As(director_).get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("page_size"));
}

// assignment_count now counts the root too, so issuing must look for the
// negotiable cells themselves (app/plan_negotiation.cc reads
// PlanRecord::negotiable_count).
TEST_F(PlanRecordsTest, AnUndecomposedPlanIsNotIssued) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 60000'00, 0);
  EXPECT_EQ(GetPlan(plan).assignment_count(), 1) << "the root";
  grpc::Status st = Issue(plan);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "NOT_DECOMPOSED");
}

// ------------------------------------------------------------- reductions

TEST_F(PlanRecordsTest, TheRequesterWithdrawsAPendingReductionAndTheListsShowIt) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 60000'00, 0);
  UnitsAndReps(plan);
  ASSERT_TRUE(Issue(plan).ok());
  auto cells = Cells(plan);
  int64_t r4 = Rep("N2", "赵磊", north_);  // joined after the plan: no cell in it
  Principal rep4{"rep4", "SALES_REP", r4, north_};

  auto request = [&](const Principal& who, int64_t parent, int64_t child, int64_t fen, const std::string& why) {
    v1::RequestTargetReductionRequest rr;
    rr.set_request_id(Rid());
    rr.set_plan_id(plan);
    rr.set_parent_assignment_id(parent);
    rr.set_reason(why);
    auto* c = rr.add_child_changes();
    c->set_assignment_id(child);
    *c->mutable_new_target()->mutable_amount() = MakeMoney(fen);
    v1::RequestTargetReductionResponse resp;
    grpc::Status st = stub_->RequestTargetReduction(As(who).get(), rr, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.target_reduction();
  };
  v1::TargetReduction office = request(sh_mgr_, CellFor(cells, v1::DIMENSION_ORG_UNIT, sh_).id(),
                                       CellFor(cells, v1::DIMENSION_REP, r2_).id(), 14000'00, "李娜的最大客户关店");
  v1::TargetReduction branch = request(north_mgr_, CellFor(cells, v1::DIMENSION_ORG_UNIT, north_).id(),
                                       CellFor(cells, v1::DIMENSION_REP, r3_).id(), 29000'00, "北区经销商流失");
  ASSERT_EQ(office.approver_org_unit_id(), east_);

  auto list = [&](const Principal& who, const std::function<void(v1::ListTargetReductionsRequest&)>& fill,
                  v1::ListTargetReductionsResponse* resp) {
    v1::ListTargetReductionsRequest req;
    fill(req);
    return stub_->ListTargetReductions(As(who).get(), req, resp);
  };
  v1::ListTargetReductionsResponse lr;
  ASSERT_TRUE(list(
                  east_mgr_, [&](auto& r) { r.set_approver_org_unit_id(east_); }, &lr)
                  .ok());
  ASSERT_EQ(lr.target_reductions_size(), 1);
  EXPECT_EQ(lr.target_reductions(0).id(), office.id());
  EXPECT_EQ(lr.target_reductions(0).reason(), "李娜的最大客户关店");
  // Newest first, a page at a time.
  ASSERT_TRUE(list(
                  director_, [&](auto& r) { r.set_page_size(1); }, &lr)
                  .ok());
  ASSERT_EQ(lr.target_reductions_size(), 1);
  EXPECT_EQ(lr.target_reductions(0).id(), branch.id());
  std::string token = lr.next_page_token();
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(list(
                  director_,
                  [&](auto& r) {
                    r.set_page_size(1);
                    r.set_page_token(token);
                  },
                  &lr)
                  .ok());
  ASSERT_EQ(lr.target_reductions_size(), 1);
  EXPECT_EQ(lr.target_reductions(0).id(), office.id());
  EXPECT_EQ(lr.next_page_token(), "");
  // Scoped like the plan: a rep without a cell in it sees none, and may not
  // name it; an unknown plan is NOT_FOUND.
  ASSERT_TRUE(list(
                  rep4, [](auto&) {}, &lr)
                  .ok());
  EXPECT_EQ(lr.target_reductions_size(), 0);
  EXPECT_EQ(list(
                rep4, [&](auto& r) { r.set_plan_id(plan); }, &lr)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(
                director_, [](auto& r) { r.set_plan_id(999999); }, &lr)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  auto withdraw = [&](const Principal& who, int64_t id, const std::string& etag, const std::string& why,
                      v1::WithdrawTargetReductionResponse* resp) {
    v1::WithdrawTargetReductionRequest req;
    req.set_request_id(Rid());
    req.set_id(id);
    req.set_etag(etag);
    req.set_reason(why);
    return stub_->WithdrawTargetReduction(As(who).get(), req, resp);
  };
  v1::WithdrawTargetReductionResponse wr;
  // The approver decides; only the requester withdraws.
  grpc::Status st = withdraw(east_mgr_, office.id(), office.etag(), "", &wr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(st), "NOT_REQUESTER");
  EXPECT_EQ(withdraw(sh_mgr_, 999999, "", "", &wr).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(withdraw(sh_mgr_, office.id(), "v999", "", &wr).error_code(), grpc::StatusCode::ABORTED);
  st = withdraw(sh_mgr_, office.id(), office.etag(), "客户已恢复营业，撤回申请", &wr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(wr.target_reduction().state(), v1::TARGET_REDUCTION_STATE_WITHDRAWN);
  EXPECT_EQ(wr.target_reduction().decided_by().user_id(), "mgr-sh");
  EXPECT_EQ(wr.target_reduction().decision_reason(), "客户已恢复营业，撤回申请");
  EXPECT_TRUE(wr.target_reduction().has_decide_time());
  st = withdraw(sh_mgr_, office.id(), "", "", &wr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "REDUCTION_STATE");
  ASSERT_TRUE(list(
                  director_, [](auto& r) { r.set_state(v1::TARGET_REDUCTION_STATE_PENDING); }, &lr)
                  .ok());
  ASSERT_EQ(lr.target_reductions_size(), 1);
  EXPECT_EQ(lr.target_reductions(0).id(), branch.id());

  // The request's own trail: asked, then withdrawn, by whom and why.
  std::vector<common::v1::AuditEntry> trail;
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_TARGET_REDUCTION, office.id(), east_mgr_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("REDUCTION_REQUESTED", "REDUCTION_WITHDRAWN"));
  EXPECT_EQ(trail[1].actor().user_id(), "mgr-sh");
  EXPECT_EQ(trail[1].reason(), "客户已恢复营业，撤回申请");
  EXPECT_EQ(Trail(v1::AUDIT_SUBJECT_TYPE_TARGET_REDUCTION, 999999, director_, &trail).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------- amendments

TEST_F(PlanRecordsTest, TheRequesterWithdrawsAPendingAmendmentAndTheSignedPlanStays) {
  int64_t plan = NewPlan(v1::PLAN_MODE_DIRECTIVE, 60000'00, 0);
  UnitsAndReps(plan);
  ASSERT_TRUE(Issue(plan).ok());
  ASSERT_TRUE(Sign(plan).ok());
  auto cells = Cells(plan);
  Principal rep4{"rep4", "SALES_REP", Rep("N2", "赵磊", north_), north_};

  auto request = [&](const std::string& why) {
    v1::RequestPlanAmendmentRequest am;
    am.set_request_id(Rid());
    am.mutable_amendment()->set_plan_id(plan);
    am.mutable_amendment()->set_reason(why);
    for (auto [rep, fen] : {std::pair{r1_, 16000'00}, {r2_, 14000'00}}) {
      auto* c = am.mutable_amendment()->add_changes();
      c->set_assignment_id(CellFor(cells, v1::DIMENSION_REP, rep).id());
      *c->mutable_new_target()->mutable_amount() = MakeMoney(fen);
    }
    v1::RequestPlanAmendmentResponse resp;
    grpc::Status st = stub_->RequestPlanAmendment(As(sh_mgr_).get(), am, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.amendment();
  };
  v1::PlanAmendment first = request("张伟接手李娜的两个网点");
  ASSERT_EQ(first.approver_org_unit_id(), east_);

  auto list = [&](const Principal& who, const std::function<void(v1::ListPlanAmendmentsRequest&)>& fill,
                  v1::ListPlanAmendmentsResponse* resp) {
    v1::ListPlanAmendmentsRequest req;
    fill(req);
    return stub_->ListPlanAmendments(As(who).get(), req, resp);
  };
  v1::ListPlanAmendmentsResponse lr;
  ASSERT_TRUE(list(
                  east_mgr_, [&](auto& r) { r.set_approver_org_unit_id(east_); }, &lr)
                  .ok());
  ASSERT_EQ(lr.amendments_size(), 1);
  EXPECT_EQ(lr.amendments(0).reason(), "张伟接手李娜的两个网点");
  ASSERT_TRUE(list(
                  east_mgr_, [&](auto& r) { r.set_state(v1::AMENDMENT_STATE_WITHDRAWN); }, &lr)
                  .ok());
  EXPECT_EQ(lr.amendments_size(), 0);
  EXPECT_EQ(list(
                rep4, [&](auto& r) { r.set_plan_id(plan); }, &lr)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(
                director_, [](auto& r) { r.set_state(static_cast<v1::AmendmentState>(42)); }, &lr)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  auto withdraw = [&](const Principal& who, int64_t id, const std::string& why,
                      v1::WithdrawPlanAmendmentResponse* resp) {
    v1::WithdrawPlanAmendmentRequest req;
    req.set_request_id(Rid());
    req.set_id(id);
    req.set_reason(why);
    return stub_->WithdrawPlanAmendment(As(who).get(), req, resp);
  };
  v1::WithdrawPlanAmendmentResponse wr;
  EXPECT_EQ(withdraw(east_mgr_, first.id(), "", &wr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(withdraw(sh_mgr_, 999999, "", &wr).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status st = withdraw(sh_mgr_, first.id(), "两人协商后维持原指标", &wr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(wr.amendment().state(), v1::AMENDMENT_STATE_WITHDRAWN);
  EXPECT_EQ(wr.amendment().decided_by().user_id(), "mgr-sh");
  EXPECT_EQ(wr.amendment().decision_reason(), "两人协商后维持原指标");
  st = withdraw(sh_mgr_, first.id(), "", &wr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "AMENDMENT_STATE");
  v1::Plan signed_plan = GetPlan(plan);
  EXPECT_EQ(signed_plan.version(), 1);
  EXPECT_EQ(signed_plan.state(), v1::PLAN_STATE_SIGNED);

  // Nothing pends any more: a new request may follow, and its rejection is
  // in its trail as the withdrawal is in the first one's.
  v1::PlanAmendment second = request("重新申请：网点调整");
  v1::RejectPlanAmendmentRequest rj;
  rj.set_request_id(Rid());
  rj.set_id(second.id());
  rj.set_reason("年中再议");
  v1::RejectPlanAmendmentResponse rjr;
  ASSERT_TRUE(stub_->RejectPlanAmendment(As(east_mgr_).get(), rj, &rjr).ok());
  std::vector<common::v1::AuditEntry> trail;
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN_AMENDMENT, first.id(), sh_mgr_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("AMENDMENT_REQUESTED", "AMENDMENT_WITHDRAWN"));
  EXPECT_EQ(trail[1].reason(), "两人协商后维持原指标");
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN_AMENDMENT, second.id(), director_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("AMENDMENT_REQUESTED", "AMENDMENT_REJECTED"));
  EXPECT_EQ(trail[1].actor().user_id(), "mgr-east");
}

// ------------------------------------------------------- market outlooks

TEST_F(PlanRecordsTest, MarketOutlooksListByYearThenLine) {
  auto set = [&](int year, int64_t line, int32_t industry_bp) {
    v1::SetMarketOutlookRequest req;
    req.set_request_id(Rid());
    req.mutable_outlook()->set_fiscal_year(year);
    req.mutable_outlook()->set_product_line_id(line);
    req.mutable_outlook()->set_industry_growth_bp(industry_bp);
    req.mutable_outlook()->set_benchmark_competitor("伊利");
    req.mutable_outlook()->set_competitor_growth_bp(1200);
    req.mutable_outlook()->set_source_note("行业协会年报");
    v1::SetMarketOutlookResponse resp;
    grpc::Status st = stub_->SetMarketOutlook(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
  };
  set(2027, milk_, 900);
  set(2027, 0, 800);
  set(2026, 0, -300);

  auto list = [&](const Principal& who, int32_t year, int32_t size, const std::string& token,
                  v1::ListMarketOutlooksResponse* resp) {
    v1::ListMarketOutlooksRequest req;
    req.set_fiscal_year(year);
    req.set_page_size(size);
    req.set_page_token(token);
    return stub_->ListMarketOutlooks(As(who).get(), req, resp);
  };
  v1::ListMarketOutlooksResponse resp;
  // Every role reads the published figures.
  ASSERT_TRUE(list(rep1_, 0, 0, "", &resp).ok());
  ASSERT_EQ(resp.outlooks_size(), 3);
  EXPECT_EQ(resp.outlooks(0).fiscal_year(), 2026);
  EXPECT_EQ(resp.outlooks(0).industry_growth_bp(), -300);
  EXPECT_EQ(resp.outlooks(1).product_line_id(), 0);
  EXPECT_EQ(resp.outlooks(2).product_line_id(), milk_);
  EXPECT_EQ(resp.outlooks(2).benchmark_competitor(), "伊利");
  ASSERT_TRUE(list(director_, 2027, 0, "", &resp).ok());
  EXPECT_EQ(resp.outlooks_size(), 2);
  ASSERT_TRUE(list(director_, 2030, 0, "", &resp).ok());
  EXPECT_EQ(resp.outlooks_size(), 0);
  // A page at a time, in the same order.
  std::vector<std::pair<int32_t, int64_t>> seen;
  std::string token;
  do {
    ASSERT_TRUE(list(director_, 0, 1, token, &resp).ok());
    for (const auto& o : resp.outlooks()) seen.emplace_back(o.fiscal_year(), o.product_line_id());
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_THAT(seen, ElementsAre(std::pair<int32_t, int64_t>{2026, 0}, std::pair<int32_t, int64_t>{2027, 0},
                                std::pair<int32_t, int64_t>{2027, milk_}));

  grpc::Status st = list(director_, 0, 501, "", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("page_size"));
  st = list(director_, 1999, 0, "", &resp);
  EXPECT_THAT(Fields(st), ElementsAre("fiscal_year"));
  // Without a valid identity nobody reads them.
  v1::ListMarketOutlooksRequest req;
  EXPECT_EQ(stub_->ListMarketOutlooks(CtxAs(director_, "not-the-secret").get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// ----------------------------------------------------------- audit trails

TEST_F(PlanRecordsTest, ThePlanAndCellTrailsAreReadableWithinScope) {
  int64_t plan = NewPlan(v1::PLAN_MODE_NEGOTIATED, 60000'00, 0);
  UnitsAndReps(plan);
  ASSERT_TRUE(Issue(plan).ok());
  auto cells = Cells(plan);
  v1::Assignment c1 = CellFor(cells, v1::DIMENSION_REP, r1_), c2 = CellFor(cells, v1::DIMENSION_REP, r2_);
  v1::AcceptAssignmentRequest ac;
  ac.set_request_id(Rid());
  ac.set_id(c1.id());
  ac.set_comment("没问题");
  v1::AcceptAssignmentResponse acr;
  ASSERT_TRUE(stub_->AcceptAssignment(As(rep1_).get(), ac, &acr).ok());
  v1::CounterProposeAssignmentRequest cp;
  cp.set_request_id(Rid());
  cp.set_id(c2.id());
  *cp.mutable_proposed_target()->mutable_amount() = MakeMoney(12000'00);
  cp.set_reason("片区最大的客户今年搬走了");
  v1::CounterProposeAssignmentResponse cpr;
  ASSERT_TRUE(stub_->CounterProposeAssignment(As(rep2_).get(), cp, &cpr).ok());

  std::vector<common::v1::AuditEntry> trail;
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, plan, director_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("PLAN_CREATED", "DECOMPOSED", "PLAN_ISSUED", "ACCEPTED", "COUNTER_PROPOSED"));
  EXPECT_EQ(trail[0].actor().user_id(), "boss");
  EXPECT_EQ(trail[0].to_value(), "DRAFT");
  EXPECT_EQ(trail[4].reason(), "片区最大的客户今年搬走了");
  // A page at a time, oldest first.
  std::vector<std::string> paged;
  std::string token;
  do {
    std::vector<common::v1::AuditEntry> page;
    ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, plan, director_, &page, 2, &token, token).ok());
    EXPECT_LE(page.size(), 2u);
    for (const auto& e : page) paged.push_back(e.action());
  } while (!token.empty());
  EXPECT_EQ(paged, Actions(trail));

  // A rep reads the plan's own steps and their own cell's, not a colleague's.
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, plan, rep1_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("PLAN_CREATED", "PLAN_ISSUED", "ACCEPTED"));
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT, c2.id(), rep2_, &trail).ok());
  EXPECT_THAT(Actions(trail), ElementsAre("COUNTER_PROPOSED"));
  EXPECT_EQ(trail[0].actor().user_id(), "rep2");
  ASSERT_TRUE(Trail(v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT, c2.id(), sh_mgr_, &trail).ok());
  EXPECT_EQ(Trail(v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT, c2.id(), rep1_, &trail).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, 999999, director_, &trail).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Trail(v1::AUDIT_SUBJECT_TYPE_ASSIGNMENT, 999999, director_, &trail).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::Status st = Trail(v1::AUDIT_SUBJECT_TYPE_UNSPECIFIED, plan, director_, &trail);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("subject_type"));
  st = Trail(v1::AUDIT_SUBJECT_TYPE_PLAN, 0, director_, &trail);
  EXPECT_THAT(Fields(st), ElementsAre("subject_id"));
}

// ------------------------------------------------------ sales plan report

TEST_F(PlanRecordsTest, TheSalesPlanShowsEachRepsLinesWithBudgetAndOutlets) {
  int64_t plan = NewPlan(v1::PLAN_MODE_DIRECTIVE, 72000'00, 12000'00);
  DownToOutlets(plan);
  ASSERT_TRUE(Issue(plan).ok());
  ASSERT_TRUE(Sign(plan).ok());

  auto report = [&](const Principal& who, const common::v1::Period& period,
                    const std::function<void(v1::GetSalesPlanReportRequest&)>& fill,
                    v1::GetSalesPlanReportResponse* resp) {
    v1::GetSalesPlanReportRequest req;
    *req.mutable_period() = period;
    fill(req);
    return stub_->GetSalesPlanReport(As(who).get(), req, resp);
  };
  const common::v1::Period january = Period(common::v1::PERIOD_KIND_MONTH, 2027, 1, 1);
  v1::GetSalesPlanReportResponse resp;
  grpc::Status st = report(
      director_, january, [](auto&) {}, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // 72 000 yuan: 36 000 a branch, 18 000 for each EAST rep and 36 000 for
  // NORTH's only one, halved by line and twelfthed by month; the budget of
  // 12 000 follows the targets.
  ASSERT_EQ(resp.rows_size(), 6);
  const v1::SalesPlanRow& first = resp.rows(0);
  EXPECT_EQ(first.rep_id(), r1_);
  EXPECT_EQ(first.rep_label(), "张伟");
  EXPECT_EQ(first.org_unit_id(), sh_);
  EXPECT_EQ(first.product_line_id(), milk_);
  EXPECT_EQ(first.product_line_label(), "纯牛奶");
  EXPECT_EQ(Fen(first.target()), 750'00);
  EXPECT_EQ(first.expense_budget().minor_units(), 125'00);
  EXPECT_EQ(first.outlet_target_count(), 2);
  EXPECT_EQ(resp.rows(1).product_line_id(), yogurt_);
  EXPECT_EQ(resp.rows(4).rep_id(), r3_);
  EXPECT_EQ(resp.rows(4).org_unit_id(), north_);
  EXPECT_EQ(Fen(resp.rows(4).target()), 1500'00);
  EXPECT_EQ(resp.rows(4).expense_budget().minor_units(), 250'00);
  int64_t month_total = 0;
  for (const auto& r : resp.rows()) month_total += Fen(r.target());
  EXPECT_EQ(month_total, 6000'00);

  // A week takes its days of the month: 7/31 of each outlet's 375 yuan.
  ASSERT_TRUE(report(
                  director_, Period(common::v1::PERIOD_KIND_WEEK, 2027, 1, 4), [](auto&) {}, &resp)
                  .ok());
  ASSERT_EQ(resp.rows_size(), 6);
  EXPECT_EQ(Fen(resp.rows(0).target()), 2 * 8468);

  // Pages of rows, by rep then line.
  ASSERT_TRUE(report(
                  director_, january, [](auto& r) { r.set_page_size(4); }, &resp)
                  .ok());
  ASSERT_EQ(resp.rows_size(), 4);
  std::string token = resp.next_page_token();
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(report(
                  director_, january,
                  [&](auto& r) {
                    r.set_page_size(4);
                    r.set_page_token(token);
                  },
                  &resp)
                  .ok());
  ASSERT_EQ(resp.rows_size(), 2);
  EXPECT_EQ(resp.rows(0).rep_id(), r3_);
  EXPECT_EQ(resp.next_page_token(), "");

  // Scoped: a rep their own lines, a manager their unit's reps, and no
  // manager another branch.
  ASSERT_TRUE(report(
                  rep1_, january, [](auto&) {}, &resp)
                  .ok());
  ASSERT_EQ(resp.rows_size(), 2);
  for (const auto& r : resp.rows()) EXPECT_EQ(r.rep_id(), r1_);
  ASSERT_TRUE(report(
                  sh_mgr_, january, [](auto&) {}, &resp)
                  .ok());
  EXPECT_EQ(resp.rows_size(), 4);
  EXPECT_EQ(report(
                sh_mgr_, january, [&](auto& r) { r.set_org_unit_id(north_); }, &resp)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(report(
                director_, january, [](auto& r) { r.set_org_unit_id(999999); }, &resp)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  st = report(
      director_, Period(common::v1::PERIOD_KIND_YEAR, 2027, 1, 1), [](auto&) {}, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("period.kind"));
  st = report(
      director_, Period(common::v1::PERIOD_KIND_MONTH, 2028, 1, 1), [](auto&) {}, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "NO_SIGNED_PLAN");
}

}  // namespace
}  // namespace sales
