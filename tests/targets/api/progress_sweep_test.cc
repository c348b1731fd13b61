// targets-svc's daily progress sweep over gRPC against MariaDB: statuses are
// stored and published on change, a date swept twice changes nothing, a
// closed month's attainment is published once and restated only when late
// actuals move it; only the service identity or an admin may run it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "platform/consumer.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/targets/api/targets_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::targets::testing_fixtures::TargetsApiTest;
using ::sales::testing::IsOk;
using ::testing::UnorderedElementsAre;
namespace v1 = ::sales::targets::v1;

constexpr char kSecret[] = "sweep-test-secret";

class Sweep : public TargetsApiTest {
 protected:
  Sweep() : TargetsApiTest("targets_sweep", kSecret) {}
  static common::v1::Date Date(int y, int m, int d) {
    common::v1::Date out;
    out.set_year(y);
    out.set_month(m);
    out.set_day(d);
    return out;
  }
  void SetNow(int y, int m, int d) {
    clock_.Set(absl::FromCivil(absl::CivilSecond(y, m, d, 2, 0, 0), absl::UTCTimeZone()));
  }

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
  int64_t Rep(const std::string& code, int64_t unit) {
    v1::CreateRepRequest req;
    req.set_request_id(Rid());
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_name(code);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->set_status(v1::REP_STATUS_ACTIVE);
    *req.mutable_rep()->mutable_hire_date() = Date(2020, 1, 1);
    v1::CreateRepResponse resp;
    grpc::Status st = stub_->CreateRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep().id();
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
  // An order shipped for a rep, fed in as targets-svc's orders consumer would.
  void Ship(int64_t order_id, int64_t rep, common::v1::Date day, int64_t fen) {
    orders::v1::OrderShippedEvent shipped;
    shipped.mutable_order()->set_order_id(order_id);
    shipped.mutable_order()->set_credited_rep_id(rep);
    shipped.mutable_order()->set_currency_code("CNY");
    *shipped.mutable_ship_date() = day;
    auto* line = shipped.add_lines();
    line->set_order_line_id(order_id);
    line->set_product_line_id(line_);
    line->set_quantity(1);
    *line->mutable_net_amount() = MakeMoney(fen);
    *line->mutable_cost_amount() = MakeMoney(fen / 2);
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
  grpc::Status Run(const Principal& who, const std::string& rid, common::v1::Date as_of,
                   v1::RunDailyProgressSweepResponse* out) {
    v1::RunDailyProgressSweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = as_of;
    return stub_->RunDailyProgressSweep(As(who).get(), req, out);
  }
  // Outbox rows of one event type, payloads parsed.
  template <typename Event>
  std::vector<Event> Published(const std::string& type) {
    std::vector<Event> out;
    absl::Status st = app_->pool()->Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT payload FROM outbox WHERE type = ? ORDER BY id", {type}));
      for (const auto& r : rows) {
        Event e;
        if (!e.ParseFromString(r.Str(0))) return absl::InternalError("bad payload");
        out.push_back(e);
      }
      return absl::OkStatus();
    });
    EXPECT_THAT(st, IsOk());
    return out;
  }
  static int64_t Fen(const v1::MetricValue& v) { return v.amount().minor_units(); }

  int64_t line_ = 0;
  Principal service_{"cron-sweep", "SERVICE", 0, 0};
};

TEST_F(Sweep, StatusesOnChangeOnceADayAndClosedMonthsOnce) {
  // ---- an office (under a branch) with two reps, history, and a signed 2027 plan:
  // 120 000 yuan split 3:1 by history, months equally → r1 7 500, r2 2 500
  // yuan a month.
  int64_t co = Unit("CO", v1::ORG_UNIT_KIND_COMPANY, 0);
  int64_t east = Unit("EAST", v1::ORG_UNIT_KIND_BRANCH, co);
  int64_t sh = Unit("SH", v1::ORG_UNIT_KIND_OFFICE, east);
  ASSERT_NE(sh, 0);
  v1::CreateProductLineRequest pl;
  pl.set_request_id(Rid());
  pl.mutable_product_line()->set_code("MILK");
  pl.mutable_product_line()->set_name("纯牛奶");
  pl.mutable_product_line()->set_portfolio_role(v1::PORTFOLIO_ROLE_TRAFFIC);
  v1::CreateProductLineResponse plr;
  ASSERT_TRUE(stub_->CreateProductLine(As(admin_).get(), pl, &plr).ok());
  line_ = plr.product_line().id();
  int64_t r1 = Rep("E1", sh), r2 = Rep("E2", sh);
  Principal rep1{"rep1", "SALES_REP", r1, sh}, rep2{"rep2", "SALES_REP", r2, sh},
      director{"boss", "SALES_DIRECTOR", 0, co};
  v1::ImportActualsRequest imp;
  imp.set_request_id(Rid());
  for (int m = 1; m <= 12; ++m) {
    *imp.add_rows() = Row(r1, sh, 2026, m, 3000'00);
    *imp.add_rows() = Row(r2, sh, 2026, m, 1000'00);
  }
  v1::ImportActualsResponse impr;
  grpc::Status st = stub_->ImportActuals(As(admin_).get(), imp, &impr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  v1::CreatePlanRequest cp;
  cp.set_request_id(Rid());
  cp.mutable_plan()->set_title("2027 上海办销售额");
  cp.mutable_plan()->set_fiscal_year(2027);
  cp.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
  cp.mutable_plan()->set_org_unit_id(sh);
  *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(120000'00);
  v1::CreatePlanResponse cpr;
  st = stub_->CreatePlan(As(director).get(), cp, &cpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  int64_t plan = cpr.plan().id();
  v1::DecomposePlanRequest dp;
  dp.set_request_id(Rid());
  dp.set_plan_id(plan);
  auto* l1 = dp.add_levels();
  l1->set_dimension(v1::DIMENSION_REP);
  l1->set_method(v1::DECOMPOSITION_METHOD_HISTORY_SHARE);
  auto* l2 = dp.add_levels();
  l2->set_dimension(v1::DIMENSION_MONTH);
  l2->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  v1::DecomposePlanResponse dpr;
  st = stub_->DecomposePlan(As(director).get(), dp, &dpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::IssuePlanRequest ip;
  ip.set_request_id(Rid());
  ip.set_id(plan);
  v1::IssuePlanResponse ipr;
  st = stub_->IssuePlan(As(director).get(), ip, &ipr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::ListAssignmentsRequest la;
  la.set_plan_id(plan);
  la.set_page_size(1000);
  v1::ListAssignmentsResponse lar;
  ASSERT_TRUE(stub_->ListAssignments(As(director).get(), la, &lar).ok());
  for (const auto& c : lar.assignments()) {
    if (c.dimension() != v1::DIMENSION_REP) continue;
    v1::AcceptAssignmentRequest acc;
    acc.set_request_id(Rid());
    acc.set_id(c.id());
    acc.set_etag(c.etag());
    v1::AcceptAssignmentResponse accr;
    st = stub_->AcceptAssignment(As(c.rep_id() == r1 ? rep1 : rep2).get(), acc, &accr);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::SignPlanRequest sp;
  sp.set_request_id(Rid());
  sp.set_id(plan);
  v1::SignPlanResponse spr;
  st = stub_->SignPlan(As(director).get(), sp, &spr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(spr.plan().state(), v1::PLAN_STATE_SIGNED);

  // r1 has sold half the month's target by the 15th (15/31 of the month
  // gone: on track); r2 nothing (behind); the office 3 750 of 10 000 (behind).
  Ship(1, r1, Date(2027, 1, 10), 3750'00);

  // ---- who may run it, and not for a future date
  v1::RunDailyProgressSweepResponse out;
  EXPECT_EQ(Run(rep1, Rid(), Date(2027, 1, 15), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Run(director, Rid(), Date(2027, 1, 15), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Run(service_, Rid(), Date(2027, 1, 16), &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::RunDailyProgressSweepRequest no_date;
  no_date.set_request_id(Rid());
  EXPECT_EQ(stub_->RunDailyProgressSweep(As(service_).get(), no_date, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Published<v1::ProgressStatusChangedEvent>("ProgressStatusChangedEvent").empty())
      << "a refused sweep changes nothing";

  // ---- day D: every node evaluated, first statuses published
  st = Run(service_, "sweep-2027-01-15", Date(2027, 1, 15), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.evaluated_count(), 3);  // r1, r2, the office
  EXPECT_EQ(out.status_changed_count(), 3);
  EXPECT_THAT(out.status_changed_rep_ids(), UnorderedElementsAre(r1, r2));
  EXPECT_THAT(out.status_changed_org_unit_ids(), UnorderedElementsAre(sh));
  EXPECT_EQ(out.attainment_published_count(), 0) << "no month of 2027 has closed";
  EXPECT_EQ(out.scheduled_changes_applied_count(), 0);
  EXPECT_FALSE(out.already_swept());
  auto changes = Published<v1::ProgressStatusChangedEvent>("ProgressStatusChangedEvent");
  ASSERT_EQ(changes.size(), 3u);
  std::map<int64_t, v1::ProgressStatusChangedEvent> by_rep;
  for (const auto& c : changes) by_rep[c.progress().node().rep_id()] = c;
  EXPECT_EQ(by_rep[r1].from_status(), v1::PROGRESS_STATUS_UNSPECIFIED);
  EXPECT_EQ(by_rep[r1].to_status(), v1::PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(Fen(by_rep[r1].progress().target()), 7500'00);
  EXPECT_EQ(Fen(by_rep[r1].progress().actual()), 3750'00);
  EXPECT_EQ(by_rep[r1].progress().plan_id(), plan);
  EXPECT_EQ(by_rep[r2].to_status(), v1::PROGRESS_STATUS_BEHIND);
  EXPECT_EQ(by_rep[0].progress().node().org_unit_id(), sh);
  EXPECT_EQ(by_rep[0].to_status(), v1::PROGRESS_STATUS_BEHIND);

  // The same request again is a replay of the first answer.
  v1::RunDailyProgressSweepResponse replay;
  ASSERT_TRUE(Run(service_, "sweep-2027-01-15", Date(2027, 1, 15), &replay).ok());
  EXPECT_EQ(replay.status_changed_count(), 3);
  // The same date under another request id: nothing new.
  st = Run(admin_, Rid(), Date(2027, 1, 15), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(out.already_swept());
  EXPECT_EQ(out.evaluated_count(), 3);
  EXPECT_EQ(out.status_changed_count(), 0);
  EXPECT_EQ(Published<v1::ProgressStatusChangedEvent>("ProgressStatusChangedEvent").size(), 3u);
  // An earlier date swept late does not roll the statuses back.
  st = Run(service_, Rid(), Date(2027, 1, 5), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.status_changed_count(), 0);

  // Actuals that arrive after the sweep show in a re-run of the same date:
  // r2 now meets the month's target, the office is ahead too.
  Ship(2, r2, Date(2027, 1, 12), 2500'00);
  // A replay of the first request still answers as it did and publishes
  // nothing, although the figures have moved since.
  ASSERT_TRUE(Run(service_, "sweep-2027-01-15", Date(2027, 1, 15), &replay).ok());
  EXPECT_EQ(replay.status_changed_count(), 3);
  EXPECT_EQ(Published<v1::ProgressStatusChangedEvent>("ProgressStatusChangedEvent").size(), 3u);
  st = Run(service_, Rid(), Date(2027, 1, 15), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(out.already_swept());
  EXPECT_THAT(out.status_changed_rep_ids(), UnorderedElementsAre(r2));
  EXPECT_THAT(out.status_changed_org_unit_ids(), UnorderedElementsAre(sh));
  changes = Published<v1::ProgressStatusChangedEvent>("ProgressStatusChangedEvent");
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[3].from_status(), v1::PROGRESS_STATUS_BEHIND);
  EXPECT_EQ(changes[3].to_status(), v1::PROGRESS_STATUS_AHEAD);
  EXPECT_TRUE(Published<v1::MonthlyAttainmentEvent>("MonthlyAttainmentEvent").empty());

  // ---- a new month: January closes, its attainment published once per node
  SetNow(2027, 2, 1);
  st = Run(service_, Rid(), Date(2027, 2, 1), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.attainment_published_count(), 3);  // r1, r2 and the office total
  EXPECT_THAT(out.attainment_rep_ids(), UnorderedElementsAre(r1, r2));
  auto closings = Published<v1::MonthlyAttainmentEvent>("MonthlyAttainmentEvent");
  ASSERT_EQ(closings.size(), 3u);
  std::map<int64_t, v1::MonthlyAttainmentEvent> att;
  for (const auto& a : closings) att[a.rep_id()] = a;
  EXPECT_EQ(att[r1].org_unit_id(), sh);
  EXPECT_EQ(att[r1].period().kind(), common::v1::PERIOD_KIND_MONTH);
  EXPECT_EQ(att[r1].period().start().month(), 1);
  EXPECT_EQ(att[r1].plan_id(), plan);
  EXPECT_EQ(Fen(att[r1].target()), 7500'00);
  EXPECT_EQ(Fen(att[r1].actual()), 3750'00);
  EXPECT_EQ(att[r1].attainment_bp(), 5000);
  EXPECT_EQ(Fen(att[r1].ytd_actual()), 3750'00);
  EXPECT_EQ(att[r1].ytd_attainment_bp(), 5000);
  EXPECT_EQ(att[r1].revision(), 1);
  EXPECT_EQ(att[r2].attainment_bp(), 10000);
  EXPECT_EQ(att[0].org_unit_id(), sh);
  EXPECT_EQ(Fen(att[0].target()), 10000'00);
  EXPECT_EQ(Fen(att[0].actual()), 6250'00);
  EXPECT_EQ(att[0].attainment_bp(), 6250);

  // The same day again, and the next day: January is not published again.
  st = Run(service_, Rid(), Date(2027, 2, 1), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(out.already_swept());
  EXPECT_EQ(out.attainment_published_count(), 0);
  SetNow(2027, 2, 2);
  st = Run(service_, Rid(), Date(2027, 2, 2), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.attainment_published_count(), 0);
  EXPECT_EQ(Published<v1::MonthlyAttainmentEvent>("MonthlyAttainmentEvent").size(), 3u);

  // ---- a late January shipment restates r1 and the office, revision 2
  Ship(3, r1, Date(2027, 1, 31), 750'00);
  SetNow(2027, 2, 3);
  st = Run(service_, Rid(), Date(2027, 2, 3), &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(out.attainment_published_count(), 2);
  EXPECT_THAT(out.attainment_rep_ids(), UnorderedElementsAre(r1));
  closings = Published<v1::MonthlyAttainmentEvent>("MonthlyAttainmentEvent");
  ASSERT_EQ(closings.size(), 5u);
  for (size_t i = 3; i < closings.size(); ++i) {
    EXPECT_EQ(closings[i].revision(), 2);
    if (closings[i].rep_id() == r1) {
      EXPECT_EQ(Fen(closings[i].actual()), 4500'00);
      EXPECT_EQ(closings[i].attainment_bp(), 6000);
    }
  }
}

}  // namespace
}  // namespace sales
