// LapseSweep without a database or a server: the customer book, its
// transactions and the clock are fakes, so each test states the prospects
// (owner, the day their protection counts from, family links) and checks
// what the sweep moved to the pool, recorded, audited and published. The
// rule (domain/protection.h, seed 001 客户追踪制度): a prospect followed up
// or registered on day L with window W is protected through L + W and
// lapses from L + W + 1; a purchase makes it an account, which never
// lapses. The sweep runs early on Monday 2026-03-09 (Shanghai) for that day.
#include "customers-svc/app/lapse_sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "customers-svc/app/viewer.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"
#include "tests/customers/app/fake_customer_book.h"
#include "tests/testing/status_matchers.h"

namespace sales::customers {
namespace {

using ::sales::testing::FakeCustomerBook;
using ::sales::testing::FakeCustomerBooks;
using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::CivilDay kToday(2026, 3, 9);

// 浦东销售组 (100) with rep 7 (陈杰), 静安销售组 (101) with rep 8.
constexpr int64_t kPudongUnit = 100;
constexpr int64_t kJinganUnit = 101;
constexpr int64_t kChenJie = 7;
constexpr int64_t kWangFang = 8;

constexpr char kRequestId[] = "lapse-2026-03-09";
// The CronJob's service identity, named in Chinese as the ops team named it.
constexpr char kSweeperUser[] = "客户回收任务";

Principal Sweeper() { return {.user_id = kSweeperUser, .role = kRoleService}; }

CallContext Call() {
  return {
      .method = "/sales.customers.v1.CustomersService/RunLapseSweep", .request_id = kRequestId, .principal = Sweeper()};
}

v1::RunLapseSweepRequest Request(absl::CivilDay as_of) {
  v1::RunLapseSweepRequest r;
  r.set_request_id(kRequestId);
  *r.mutable_as_of() = FromCivilDay(as_of);
  return r;
}

// An owned prospect whose protection counts from `base`.
CustomerRecord Prospect(int64_t id, const std::string& name, int64_t rep, absl::CivilDay base) {
  CustomerRecord rec;
  rec.customer.set_id(id);
  rec.customer.set_name(name);
  rec.customer.set_city("上海");
  rec.customer.set_type(v1::CUSTOMER_TYPE_OUTLET_KA);
  rec.customer.set_status(v1::CUSTOMER_STATUS_PROSPECT);
  rec.customer.set_owner_rep_id(rep);
  rec.protection_base = base;
  return rec;
}

class LapseSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.state.reps[kChenJie] = {.id = kChenJie, .org_unit_id = kPudongUnit, .status = 2};
    book.state.reps[kWangFang] = {.id = kWangFang, .org_unit_id = kJinganUnit, .status = 2};
    book.state.settings.set_protection_days(7);
  }

  void Add(const CustomerRecord& rec) { book.state.customers[rec.customer.id()] = rec; }

  absl::StatusOr<v1::RunLapseSweepResponse> Run(absl::CivilDay as_of, int batch = LapseSweep::kBatch) {
    LapseSweep sweep(books, clock, batch);
    return sweep.Run(book, Call(), Request(as_of));
  }

  std::vector<int64_t> OwnerEventCustomers() const {
    std::vector<int64_t> out;
    for (const auto& e : book.EventsOf<v1::CustomerOwnerChangedEvent>()) out.push_back(e.customer_id());
    return out;
  }

  FakeClock clock{StartOfBusinessDay(kToday) + absl::Hours(2)};
  FakeCustomerBook book;
  FakeCustomerBooks books{book};
};

TEST_F(LapseSweepTest, LapsedProspectGoesToThePoolWithRecordAuditAndEvents) {
  // Last followed up Sunday Mar 1: protected through Sunday Mar 8.
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));
  const std::string reason = "no follow-up within 7 days: protected through 2026-03-08, swept for 2026-03-09";

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday));

  EXPECT_EQ(out.lapsed_count(), 1);
  EXPECT_EQ(out.examined_count(), 1);
  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(101));
  const v1::Customer& c = book.Customer(101);
  EXPECT_EQ(c.owner_rep_id(), 0);
  EXPECT_EQ(c.status(), v1::CUSTOMER_STATUS_PROSPECT);
  EXPECT_EQ(FromTimestamp(c.pool_entry_time()), clock.Now());
  EXPECT_EQ(book.state.customers.at(101).previous_owner_rep_id, kChenJie);
  // A lapse sets no new base: protection starts again only when claimed.
  EXPECT_FALSE(book.state.customers.at(101).protection_base.has_value());

  auto records = book.RecordsOf(101);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind(), v1::OWNERSHIP_CHANGE_KIND_LAPSED);
  EXPECT_EQ(records[0].from_rep_id(), kChenJie);
  EXPECT_EQ(records[0].to_rep_id(), 0);
  EXPECT_EQ(records[0].reason(), reason);
  EXPECT_EQ(ToCivilDay(records[0].last_follow_up_date()), absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(records[0].actor().user_id(), kSweeperUser);
  EXPECT_EQ(records[0].actor().role(), kRoleService);

  auto audits = book.AuditsOf(101);
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].action, "LAPSED");
  EXPECT_EQ(audits[0].from, "rep 7");
  EXPECT_EQ(audits[0].to, "pool");
  EXPECT_EQ(audits[0].reason, reason);
  EXPECT_EQ(audits[0].who.user_id, kSweeperUser);
  EXPECT_EQ(audits[0].request_id, kRequestId);
  EXPECT_EQ(audits[0].at, clock.Now());

  auto moved = book.EventsOf<v1::CustomerOwnerChangedEvent>();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].customer_id(), 101);
  EXPECT_EQ(moved[0].from_rep_id(), kChenJie);
  EXPECT_EQ(moved[0].to_rep_id(), 0);
  EXPECT_EQ(moved[0].from_org_unit_id(), kPudongUnit);
  EXPECT_EQ(moved[0].to_org_unit_id(), 0);
  EXPECT_EQ(moved[0].kind(), v1::OWNERSHIP_CHANGE_KIND_LAPSED);
  EXPECT_EQ(moved[0].reason(), reason);
  EXPECT_EQ(moved[0].status(), v1::CUSTOMER_STATUS_PROSPECT);
  EXPECT_EQ(moved[0].ownership_record_id(), records[0].id());
  EXPECT_EQ(FromTimestamp(moved[0].effective_time()), clock.Now());
  EXPECT_EQ(moved[0].actor().user_id(), kSweeperUser);

  auto done = book.EventsOf<v1::LapseSweepCompletedEvent>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(ToCivilDay(done[0].as_of()), kToday);
  EXPECT_EQ(done[0].lapsed_count(), 1);
  EXPECT_THAT(done[0].lapsed_customer_ids(), ElementsAre(101));
  // Owner events go out on the customer, the summary on the sweep's day.
  ASSERT_EQ(book.state.events.size(), 2u);
  EXPECT_EQ(book.state.events[0].aggregate_type, "Customer");
  EXPECT_EQ(book.state.events[0].aggregate_id, "101");
  EXPECT_EQ(book.state.events[1].aggregate_type, "LapseSweep");
  EXPECT_EQ(book.state.events[1].aggregate_id, "2026-03-09");
  for (const auto& e : book.state.events) EXPECT_EQ(e.request_id, kRequestId);
}

TEST_F(LapseSweepTest, ProtectedThroughTheLastDayOfTheWindow) {
  // Followed up Mar 2: protected through Mar 9 itself, still the rep's today.
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 2)));
  Add(Prospect(102, "杭州西湖茶行", kChenJie, absl::CivilDay(2026, 3, 1)));

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday));

  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(102));
  EXPECT_EQ(out.examined_count(), 2);
  EXPECT_EQ(book.Customer(101).owner_rep_id(), kChenJie);
  EXPECT_THAT(book.RecordsOf(101), IsEmpty());
  EXPECT_THAT(book.AuditsOf(101), IsEmpty());
  EXPECT_THAT(OwnerEventCustomers(), ElementsAre(102));
}

TEST_F(LapseSweepTest, RecentFollowUpOrAPurchaseKeepsTheCustomer) {
  // A follow-up on Mar 6 moved the base: protected through Mar 13.
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 6)));
  // Bought (an account) or dormant or blacklisted: not a prospect, never
  // lapses however old the base.
  CustomerRecord bought = Prospect(102, "苏州园林建材", kChenJie, absl::CivilDay(2025, 12, 1));
  bought.customer.set_status(v1::CUSTOMER_STATUS_ACTIVE);
  Add(bought);
  CustomerRecord dormant = Prospect(103, "南京鼓楼五金", kWangFang, absl::CivilDay(2025, 6, 1));
  dormant.customer.set_status(v1::CUSTOMER_STATUS_DORMANT);
  Add(dormant);
  CustomerRecord blacklisted = Prospect(104, "无锡太湖贸易", kWangFang, absl::CivilDay(2026, 1, 5));
  blacklisted.customer.set_status(v1::CUSTOMER_STATUS_BLACKLISTED);
  Add(blacklisted);
  // Already in the pool.
  Add(Prospect(105, "宁波港口物流", 0, absl::CivilDay(2026, 1, 5)));

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday));

  EXPECT_EQ(out.lapsed_count(), 0);
  EXPECT_EQ(out.examined_count(), 1);  // owned prospects: 101 only
  EXPECT_EQ(book.Customer(101).owner_rep_id(), kChenJie);
  EXPECT_EQ(book.Customer(102).owner_rep_id(), kChenJie);
  EXPECT_EQ(book.Customer(103).owner_rep_id(), kWangFang);
  EXPECT_EQ(book.Customer(104).owner_rep_id(), kWangFang);
  EXPECT_THAT(book.state.ownership, IsEmpty());
  EXPECT_THAT(book.state.audits, IsEmpty());
  EXPECT_THAT(OwnerEventCustomers(), IsEmpty());
  auto done = book.EventsOf<v1::LapseSweepCompletedEvent>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].lapsed_count(), 0);
}

TEST_F(LapseSweepTest, FamilyMembersFollowTheirPrimaryAndNeverLapseAlone) {
  // 直系亲属视为同一客户: 202 and 203 are linked to 201, which lapses; 302
  // is linked to 301, which is protected: 302's own old base does not count.
  Add(Prospect(201, "张伟", kChenJie, absl::CivilDay(2026, 2, 20)));
  CustomerRecord spouse = Prospect(202, "李娜", kChenJie, absl::CivilDay(2026, 2, 20));
  spouse.customer.set_primary_customer_id(201);
  Add(spouse);
  CustomerRecord child = Prospect(203, "张小伟", kChenJie, absl::CivilDay(2026, 2, 20));
  child.customer.set_primary_customer_id(201);
  Add(child);
  Add(Prospect(301, "王芳", kWangFang, absl::CivilDay(2026, 3, 8)));
  CustomerRecord parent = Prospect(302, "王建国", kWangFang, absl::CivilDay(2026, 1, 2));
  parent.customer.set_primary_customer_id(301);
  Add(parent);

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday));

  // Only the primary counts as lapsed; its members move with it.
  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(201));
  EXPECT_EQ(out.examined_count(), 5);
  EXPECT_EQ(book.Customer(202).owner_rep_id(), 0);
  EXPECT_EQ(book.Customer(203).owner_rep_id(), 0);
  EXPECT_EQ(book.Customer(302).owner_rep_id(), kWangFang);
  EXPECT_THAT(OwnerEventCustomers(), ElementsAre(201, 202, 203));
  auto member = book.RecordsOf(202);
  ASSERT_EQ(member.size(), 1u);
  EXPECT_EQ(member[0].kind(), v1::OWNERSHIP_CHANGE_KIND_LAPSED);
  EXPECT_EQ(member[0].reason(),
            "follows primary customer #201: no follow-up within 7 days: protected through 2026-02-27, "
            "swept for 2026-03-09");
  auto member_audit = book.AuditsOf(203);
  ASSERT_EQ(member_audit.size(), 1u);
  EXPECT_EQ(member_audit[0].from, "rep 7");
  EXPECT_EQ(member_audit[0].to, "pool");
  // The summary names the lapsed prospects, not the members that followed.
  auto done = book.EventsOf<v1::LapseSweepCompletedEvent>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_THAT(done[0].lapsed_customer_ids(), ElementsAre(201));
}

TEST_F(LapseSweepTest, SecondRunForTheSameDayMovesNothing) {
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));
  Add(Prospect(102, "杭州西湖茶行", kWangFang, absl::CivilDay(2026, 2, 27)));
  Add(Prospect(103, "苏州园林建材", kWangFang, absl::CivilDay(2026, 3, 5)));
  SALES_ASSERT_OK_AND_ASSIGN(auto first, Run(kToday));
  ASSERT_THAT(first.lapsed_customer_ids(), ElementsAre(101, 102));
  const size_t records = book.state.ownership.size();
  const size_t audits = book.state.audits.size();

  clock.Advance(absl::Minutes(30));
  SALES_ASSERT_OK_AND_ASSIGN(auto second, Run(kToday));

  EXPECT_EQ(second.lapsed_count(), 0);
  EXPECT_THAT(second.lapsed_customer_ids(), IsEmpty());
  EXPECT_EQ(second.examined_count(), 1);  // 103, still protected
  EXPECT_EQ(book.state.ownership.size(), records);
  EXPECT_EQ(book.state.audits.size(), audits);
  EXPECT_THAT(OwnerEventCustomers(), ElementsAre(101, 102));
  EXPECT_EQ(book.Customer(103).owner_rep_id(), kWangFang);
}

TEST_F(LapseSweepTest, TakesTheSweepsTurnBeforeMovingAnyone) {
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));

  ASSERT_THAT(Run(kToday), IsOk());

  EXPECT_EQ(book.lapse_locks, 1);
  ASSERT_FALSE(book.calls.empty());
  EXPECT_EQ(book.calls.front(), "LockLapseSweep");
}

TEST_F(LapseSweepTest, WithoutItsLockRowTheSweepRefusesAndMovesNothing) {
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));
  book.state.lapse_lock_row = false;

  EXPECT_THAT(Run(kToday), StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_EQ(books.transactions, 0);
  EXPECT_EQ(book.Customer(101).owner_rep_id(), kChenJie);
  EXPECT_THAT(book.state.events, IsEmpty());
}

TEST_F(LapseSweepTest, ChineseNamesAndTheSweepersNameSurviveTheMove) {
  const std::string name = "上海浦东新区张江高科技园区华联超市连锁有限公司（第一分店）";
  Add(Prospect(101, name, kChenJie, absl::CivilDay(2026, 3, 1)));

  ASSERT_THAT(Run(kToday), IsOk());

  EXPECT_EQ(book.Customer(101).name(), name);
  EXPECT_EQ(book.Customer(101).city(), "上海");
  ASSERT_EQ(book.AuditsOf(101).size(), 1u);
  EXPECT_EQ(book.AuditsOf(101)[0].who.user_id, kSweeperUser);
  auto moved = book.EventsOf<v1::CustomerOwnerChangedEvent>();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].actor().user_id(), kSweeperUser);
}

TEST_F(LapseSweepTest, CommitsInBatchesAndKeepsCommittedBatchesWhenALaterOneFails) {
  for (int64_t id = 1; id <= 5; ++id) {
    Add(Prospect(id, "客户" + std::to_string(id), kChenJie, absl::CivilDay(2026, 2, 1)));
  }
  book.fail_change_owner_for = 5;

  EXPECT_THAT(Run(kToday, /*batch=*/2), StatusIs(absl::StatusCode::kInternal));

  // Settings, the count, then batches {1, 2}, {3, 4} and {5}, which failed.
  EXPECT_EQ(books.transactions, 5);
  EXPECT_EQ(books.rolled_back, 1);
  for (int64_t id = 1; id <= 4; ++id) EXPECT_EQ(book.Customer(id).owner_rep_id(), 0) << id;
  EXPECT_EQ(book.Customer(5).owner_rep_id(), kChenJie);
  EXPECT_THAT(OwnerEventCustomers(), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(book.EventsOf<v1::LapseSweepCompletedEvent>(), IsEmpty());

  // The next run finishes the rest.
  book.fail_change_owner_for.reset();
  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday, /*batch=*/2));
  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(5));
  EXPECT_EQ(book.Customer(5).owner_rep_id(), 0);
}

TEST_F(LapseSweepTest, EachBatchReadsAfterTheLastIdOfThePreviousOne) {
  for (int64_t id : {11, 12, 13, 14}) Add(Prospect(id, "批次客户", kChenJie, absl::CivilDay(2026, 2, 1)));

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday, /*batch=*/2));

  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(11, 12, 13, 14));
  std::vector<std::string> reads;
  for (const auto& c : book.calls) {
    if (c.rfind("LapsedProspects", 0) == 0) reads.push_back(c);
  }
  // A full batch asks for more; the empty third read ends the sweep.
  EXPECT_THAT(reads, ElementsAre("LapsedProspects(after=0)", "LapsedProspects(after=12)", "LapsedProspects(after=14)"));
}

TEST_F(LapseSweepTest, WindowComesFromTheSettingsAndFallsBackToSevenDays) {
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));
  // 14 days: protected through Mar 15.
  book.state.settings.set_protection_days(14);
  SALES_ASSERT_OK_AND_ASSIGN(auto kept, Run(kToday));
  EXPECT_EQ(kept.lapsed_count(), 0);
  SALES_ASSERT_OK_AND_ASSIGN(auto on_last_day, Run(absl::CivilDay(2026, 3, 15)));
  EXPECT_EQ(on_last_day.lapsed_count(), 0);
  SALES_ASSERT_OK_AND_ASSIGN(auto lapsed, Run(absl::CivilDay(2026, 3, 16)));
  EXPECT_THAT(lapsed.lapsed_customer_ids(), ElementsAre(101));
  EXPECT_EQ(book.RecordsOf(101).at(0).reason(),
            "no follow-up within 14 days: protected through 2026-03-15, swept for 2026-03-16");

  // A stored window outside 1..90 is not trusted: the default 7 applies.
  Add(Prospect(102, "杭州西湖茶行", kChenJie, absl::CivilDay(2026, 3, 1)));
  book.state.settings.set_protection_days(91);
  SALES_ASSERT_OK_AND_ASSIGN(auto defaulted, Run(kToday));
  EXPECT_THAT(defaulted.lapsed_customer_ids(), ElementsAre(102));
  EXPECT_EQ(book.RecordsOf(102).at(0).reason(),
            "no follow-up within 7 days: protected through 2026-03-08, swept for 2026-03-09");
}

TEST_F(LapseSweepTest, WindowCountsCalendarDaysAcrossALeapDay) {
  // Followed up 2028-02-22: seven days later is Feb 29, the last protected day.
  Add(Prospect(101, "上海华联超市有限公司", kChenJie, absl::CivilDay(2028, 2, 22)));
  SALES_ASSERT_OK_AND_ASSIGN(auto leap_day, Run(absl::CivilDay(2028, 2, 29)));
  EXPECT_EQ(leap_day.lapsed_count(), 0);
  SALES_ASSERT_OK_AND_ASSIGN(auto next_day, Run(absl::CivilDay(2028, 3, 1)));
  EXPECT_THAT(next_day.lapsed_customer_ids(), ElementsAre(101));
  EXPECT_EQ(book.RecordsOf(101).at(0).reason(),
            "no follow-up within 7 days: protected through 2028-02-29, swept for 2028-03-01");
}

TEST_F(LapseSweepTest, IdsBeyondTwoToTheFiftyThirdSurviveWhole) {
  // Ids a double (a JSON number) could not hold: they must come out exact.
  constexpr int64_t kBig = (int64_t{1} << 53) + 1;
  constexpr int64_t kMax = INT64_MAX;
  Add(Prospect(kBig, "上海华联超市有限公司", kChenJie, absl::CivilDay(2026, 3, 1)));
  Add(Prospect(kMax, "杭州西湖茶行", kChenJie, absl::CivilDay(2026, 3, 1)));

  SALES_ASSERT_OK_AND_ASSIGN(auto out, Run(kToday, /*batch=*/1));

  EXPECT_THAT(out.lapsed_customer_ids(), ElementsAre(kBig, kMax));
  EXPECT_THAT(OwnerEventCustomers(), ElementsAre(kBig, kMax));
  ASSERT_EQ(book.state.events.size(), 3u);
  EXPECT_EQ(book.state.events[0].aggregate_id, "9007199254740993");
  EXPECT_EQ(book.state.events[1].aggregate_id, "9223372036854775807");
  auto done = book.EventsOf<v1::LapseSweepCompletedEvent>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_THAT(done[0].lapsed_customer_ids(), ElementsAre(kBig, kMax));
}

TEST(MayRunSweepTest, OnlyServicesAdminAndDevelopmentModeRunSweeps) {
  Viewer service;
  service.principal = Sweeper();
  service.service = true;
  EXPECT_THAT(MayRunSweep(service), IsOk());
  Viewer admin;
  admin.principal = {.user_id = "admin", .role = kRoleAdmin};
  admin.all = true;
  EXPECT_THAT(MayRunSweep(admin), IsOk());
  Viewer anonymous;  // development mode: no principal at all
  anonymous.all = true;
  EXPECT_THAT(MayRunSweep(anonymous), IsOk());

  // The director sees everything but does not run sweeps; nor do reps.
  Viewer director;
  director.principal = {.user_id = "zhou.min", .role = kRoleDirector};
  director.all = true;
  EXPECT_THAT(MayRunSweep(director), StatusIs(absl::StatusCode::kPermissionDenied));
  Viewer rep;
  rep.principal = {.user_id = "chen.jie", .role = kRoleRep, .rep_id = kChenJie};
  rep.rep = true;
  rep.rep_id = kChenJie;
  EXPECT_THAT(MayRunSweep(rep), StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace sales::customers
