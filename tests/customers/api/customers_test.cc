// customers-svc core over gRPC against MariaDB: registration races, credit
// profiles and holds (also from finance's feed), credited-rep resolution and
// collisions, scoping of contacts, the lapse sweep, pool claims, transfers
// and hand-overs. Callers are signed principals (principal_hmac_secret).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/field_limits.h"
#include "google/protobuf/util/message_differencer.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/customers/v1/events.pb.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
using ::testing::HasSubstr;
namespace v1 = ::sales::customers::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "customers-core-secret";

// Company (1) → East office (2) with reps 11, 12, 13; North office (3) with
// rep 21. Manager of East; finance; director.
constexpr int64_t kCompany = 1, kEast = 2, kNorth = 3;
constexpr int64_t kRepA = 11, kRepB = 12, kRepC = 13, kRepNorth = 21;

Principal Rep(int64_t id, int64_t unit) { return {absl::StrCat("rep", id), "SALES_REP", id, unit}; }
const Principal kManagerEast{"mgr-east", "SALES_MANAGER", 0, kEast};
const Principal kFinance{"fin", "FINANCE", 0, 0};
const Principal kDirector{"dir", "SALES_DIRECTOR", 0, kCompany};
const Principal kService{"orders-svc", "SERVICE", 0, 0};

common::v1::Date D(int y, int m, int d) {
  common::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// 10:00 in Shanghai.
absl::Time LocalTen(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 10, 0, 0), CompanyTimeZone());
}

class CustomersCore : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("cust_core");
    app_ = StartService(customers::MakeServiceDefinition(), db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::CustomersService::NewStub(Loopback(app_->port()));
    Unit(kCompany, 0, "HQ");
    Unit(kEast, kCompany, "EAST");
    Unit(kNorth, kCompany, "NORTH");
    RepIn(kRepA, kEast, "张三");
    RepIn(kRepB, kEast, "李四");
    RepIn(kRepC, kEast, "王五");
    RepIn(kRepNorth, kNorth, "赵六");
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  void ApplyOrg(const google::protobuf::Message& m, const std::string& type) {
    common::v1::Event e;
    e.set_event_type(type);
    e.mutable_payload()->PackFrom(m);
    ASSERT_TRUE(
        app_->pool()->Transact([&](db::Transaction& tx) { return OrgReplica::Apply(tx, e, clock_.Now()); }).ok());
  }
  void Unit(int64_t id, int64_t parent, const std::string& code) {
    tv1::OrgUnitCreatedEvent e;
    e.mutable_org_unit()->set_id(id);
    e.mutable_org_unit()->set_parent_id(parent);
    e.mutable_org_unit()->set_code(code);
    e.mutable_org_unit()->set_name(code);
    e.mutable_org_unit()->set_kind(parent == 0 ? tv1::ORG_UNIT_KIND_COMPANY : tv1::ORG_UNIT_KIND_OFFICE);
    ApplyOrg(e, "OrgUnitCreatedEvent");
  }
  void RepIn(int64_t id, int64_t unit, const std::string& name) {
    tv1::RepCreatedEvent e;
    e.mutable_rep()->set_id(id);
    e.mutable_rep()->set_org_unit_id(unit);
    e.mutable_rep()->set_name(name);
    e.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    ApplyOrg(e, "RepCreatedEvent");
  }

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret); }
  std::string Rid() { return absl::StrCat("rid-", ++rid_); }

  v1::Customer NewCustomer(const std::string& name, const std::string& phone) {
    v1::Customer c;
    c.set_name(name);
    c.set_type(v1::CUSTOMER_TYPE_OUTLET_B);
    c.set_phone(phone);
    c.set_region("EAST");
    c.set_city("上海");
    c.set_address("上海市南京路1号");
    c.set_source_channel("WALK_IN");
    return c;
  }

  grpc::Status Register(const Principal& who, const v1::Customer& c, v1::Customer* out, int64_t owner = 0) {
    v1::RegisterCustomerRequest req;
    req.set_request_id(Rid());
    *req.mutable_customer() = c;
    req.set_owner_rep_id(owner);
    v1::RegisterCustomerResponse resp;
    grpc::Status st = stub_->RegisterCustomer(As(who).get(), req, &resp);
    if (out != nullptr) *out = resp.customer();
    return st;
  }
  int64_t MustRegister(const Principal& who, const std::string& name, const std::string& phone) {
    v1::Customer got;
    grpc::Status st = Register(who, NewCustomer(name, phone), &got);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return got.id();
  }
  v1::Customer Get(const Principal& who, int64_t id) {
    v1::GetCustomerRequest req;
    req.set_id(id);
    v1::GetCustomerResponse resp;
    grpc::Status st = stub_->GetCustomer(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.customer();
  }
  v1::CreditProfile Profile(const Principal& who, int64_t id, grpc::Status* status = nullptr) {
    v1::GetCreditProfileRequest req;
    req.set_customer_id(id);
    v1::GetCreditProfileResponse resp;
    grpc::Status st = stub_->GetCreditProfile(As(who).get(), req, &resp);
    if (status != nullptr) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    return resp.profile();
  }
  v1::ResolveCreditedRepResponse Resolve(int64_t customer, common::v1::Date day, int64_t taking) {
    v1::ResolveCreditedRepRequest req;
    req.set_customer_id(customer);
    *req.mutable_order_date() = day;
    req.set_taking_rep_id(taking);
    v1::ResolveCreditedRepResponse resp;
    grpc::Status st = stub_->ResolveCreditedRep(As(kService).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }
  absl::Status Feed(const google::protobuf::Message& m, const std::string& type, const std::string& event_id,
                    bool orders) {
    common::v1::Event e;
    e.set_event_type(type);
    e.set_event_id(event_id);
    e.set_request_id(event_id);
    e.mutable_payload()->PackFrom(m);
    return app_->pool()->Transact([&](db::Transaction& tx) {
      return orders ? customers::ApplyOrdersEvent(tx, *app_->outbox(), e, clock_.Now())
                    : customers::ApplyFinanceEvent(tx, *app_->outbox(), e, clock_.Now());
    });
  }
  int CountEvents(const std::string& type) {
    auto n = app_->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) FROM outbox WHERE type = ?", {type}));
      return rows[0].Int(0);
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? static_cast<int>(*n) : -1;
  }

  FakeClock clock_{LocalTen(2026, 3, 2)};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::CustomersService::Stub> stub_;
  int rid_ = 0;
};

// Two reps register the same shop at the same moment, typed differently:
// exactly one owns it, the other is told who holds it (masked).
TEST_F(CustomersCore, ConcurrentRegistrationHasExactlyOneOwner) {
  for (int round = 0; round < 6; ++round) {
    std::string digits = absl::StrCat("1380013", 1000 + round);
    v1::Customer a = NewCustomer(absl::StrCat("上海华联超市", round, "号店有限公司"), digits);
    v1::Customer b =
        NewCustomer(absl::StrCat("上海华联超市", round, "号店"),
                    absl::StrCat("+86 ", digits.substr(0, 3), "-", digits.substr(3, 4), "-", digits.substr(7)));
    grpc::Status sa, sb;
    v1::Customer ga, gb;
    std::atomic<bool> go{false};
    std::thread ta([&] {
      while (!go) {
      }
      sa = Register(Rep(kRepA, kEast), a, &ga);
    });
    std::thread tb([&] {
      while (!go) {
      }
      sb = Register(Rep(kRepB, kEast), b, &gb);
    });
    go = true;
    ta.join();
    tb.join();
    ASSERT_NE(sa.ok(), sb.ok()) << "round " << round << ": " << sa.error_message() << " / " << sb.error_message();
    const grpc::Status& lost = sa.ok() ? sb : sa;
    int64_t winner = sa.ok() ? kRepA : kRepB;
    EXPECT_EQ(lost.error_code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_THAT(lost.error_message(), HasSubstr(absl::StrCat("rep ", winner)));
    // The loser learns the holder, never the holder's full phone number.
    EXPECT_THAT(lost.error_message(), ::testing::Not(HasSubstr(digits)));
    EXPECT_EQ((sa.ok() ? ga : gb).owner_rep_id(), winner);
    // The holder, masked, in the status details.
    auto payload = FromGrpcStatus(lost).GetPayload("type.googleapis.com/sales.customers.v1.DuplicateMatch");
    ASSERT_TRUE(payload.has_value());
    v1::DuplicateMatch match;
    ASSERT_TRUE(match.ParseFromString(std::string(*payload)));
    EXPECT_EQ(match.owner_rep_id(), winner);
    EXPECT_EQ(match.masked_phone(), absl::StrCat(digits.substr(0, 3), "****", digits.substr(7)));
    EXPECT_EQ(match.city(), "上海");
    EXPECT_EQ(match.protection_state(), v1::PROTECTION_STATE_PROTECTED);
  }
}

TEST_F(CustomersCore, BadRegistrationsChangeNothing) {
  v1::Customer c = NewCustomer("杭州好邻居便利店", "12345");
  c.set_tax_id("91-31-XYZ");
  c.set_region("MARS");
  grpc::Status st = Register(Rep(kRepA, kEast), c, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A rep may not register for someone else.
  st = Register(Rep(kRepA, kEast), NewCustomer("杭州好邻居便利店", "13900001111"), nullptr, kRepB);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::CheckDuplicateRequest req;
  req.set_phone("13900001111");
  v1::CheckDuplicateResponse resp;
  ASSERT_TRUE(stub_->CheckDuplicate(As(Rep(kRepA, kEast)).get(), req, &resp).ok());
  EXPECT_FALSE(resp.exists());
}

TEST_F(CustomersCore, CheckDuplicateFindsEveryKeyMasked) {
  v1::Customer c = NewCustomer("苏州德润食品经销有限公司", "0512-6523 4567");
  c.set_tax_id("91320500MA1X2Y3Z4K");
  v1::Customer got;
  ASSERT_TRUE(Register(Rep(kRepA, kEast), c, &got).ok());
  v1::CheckDuplicateRequest req;
  req.set_name("苏州 德润食品经销");
  req.set_phone("+86 (0512) 65234567");
  req.set_tax_id("91320500ma1x2y3z4k");
  v1::CheckDuplicateResponse resp;
  ASSERT_TRUE(stub_->CheckDuplicate(As(Rep(kRepB, kEast)).get(), req, &resp).ok());
  ASSERT_TRUE(resp.exists());
  ASSERT_EQ(resp.matches_size(), 1);
  EXPECT_EQ(resp.matches(0).matched_keys_size(), 3);
  EXPECT_EQ(resp.matches(0).owner_rep_id(), kRepA);
  EXPECT_EQ(resp.matches(0).owner_rep_name(), "张三");
  EXPECT_EQ(resp.matches(0).masked_phone(), "051*****4567");
  EXPECT_NE(resp.matches(0).masked_name(), c.name());
  EXPECT_EQ(resp.normalized().phone(), "051265234567");
}

TEST_F(CustomersCore, CreditProfileTermsAndHolds) {
  int64_t id = MustRegister(Rep(kRepA, kEast), "宁波惠民超市", "13700000001");
  v1::CreditProfile p = Profile(kFinance, id);
  EXPECT_EQ(p.credit_limit().minor_units(), 0);
  EXPECT_FALSE(p.hold().on_hold());

  v1::UpdateCreditProfileRequest up;
  up.set_request_id(Rid());
  up.set_customer_id(id);
  *up.mutable_credit_limit() = MakeMoney(5'000'000'00);
  up.set_payment_terms_days(30);
  up.set_rating(v1::CREDIT_RATING_AA);
  up.set_reason("annual review");
  up.set_etag(p.etag());
  v1::UpdateCreditProfileResponse ur;
  // A rep cannot set terms; a stale etag is refused; then finance sets them.
  EXPECT_EQ(stub_->UpdateCreditProfile(As(Rep(kRepA, kEast)).get(), up, &ur).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  up.set_request_id(Rid());
  up.set_etag("v99");
  EXPECT_EQ(stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur).error_code(), grpc::StatusCode::ABORTED);
  up.set_request_id(Rid());
  up.set_etag(p.etag());
  up.set_payment_terms_days(400);
  EXPECT_EQ(stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  up.set_request_id(Rid());
  up.set_payment_terms_days(30);
  ASSERT_TRUE(stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur).ok());
  EXPECT_EQ(ur.profile().payment_terms_days(), 30);
  EXPECT_EQ(ur.profile().credit_limit().minor_units(), 5'000'000'00);

  // The owner reads it; another rep may not; orders-svc (a service) may.
  grpc::Status st;
  EXPECT_EQ(Profile(Rep(kRepA, kEast), id).payment_terms_days(), 30);
  Profile(Rep(kRepB, kEast), id, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Profile(kService, id).rating(), v1::CREDIT_RATING_AA);

  // The manager holds; a second hold is refused; a rep cannot release.
  v1::SetCreditHoldRequest hold;
  hold.set_request_id(Rid());
  hold.set_customer_id(id);
  hold.set_reason("客户经营异常");
  v1::SetCreditHoldResponse hr;
  ASSERT_TRUE(stub_->SetCreditHold(As(kManagerEast).get(), hold, &hr).ok());
  EXPECT_TRUE(hr.profile().hold().on_hold());
  EXPECT_EQ(hr.profile().hold().source(), v1::CREDIT_HOLD_SOURCE_MANAGER);
  EXPECT_EQ(hr.profile().hold().set_by().user_id(), "mgr-east");
  hold.set_request_id(Rid());
  EXPECT_EQ(stub_->SetCreditHold(As(kFinance).get(), hold, &hr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Get(Rep(kRepA, kEast), id).credit_hold());
  v1::ReleaseCreditHoldRequest rel;
  rel.set_request_id(Rid());
  rel.set_customer_id(id);
  rel.set_reason("情况已核实");
  v1::ReleaseCreditHoldResponse rr;
  EXPECT_EQ(stub_->ReleaseCreditHold(As(Rep(kRepA, kEast)).get(), rel, &rr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ReleaseCreditHold(As(kManagerEast).get(), rel, &rr).ok());
  EXPECT_FALSE(rr.profile().hold().on_hold());
  EXPECT_EQ(CountEvents("CreditHoldSetEvent"), 1);
  EXPECT_EQ(CountEvents("CreditHoldReleasedEvent"), 1);
  EXPECT_EQ(CountEvents("CreditProfileChangedEvent"), 1);
}

TEST_F(CustomersCore, HoldsFromFinanceEventsWithAudit) {
  int64_t id = MustRegister(Rep(kRepA, kEast), "天津金桥批发部", "13700000002");
  finance::v1::CustomerHoldSetEvent set;
  set.set_credit_hold_id(501);
  set.set_customer_id(id);
  set.set_rep_id(kRepA);
  set.set_source(finance::v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  set.set_reason("second dunning notice for INV-2026-000123");
  set.add_collection_case_ids(77);
  ASSERT_TRUE(Feed(set, "CustomerHoldSetEvent", "fin-1", false).ok());
  // Redelivered: nothing more.
  ASSERT_TRUE(Feed(set, "CustomerHoldSetEvent", "fin-1", false).ok());
  v1::CreditProfile p = Profile(kFinance, id);
  ASSERT_TRUE(p.hold().on_hold());
  EXPECT_EQ(p.hold().source(), v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  EXPECT_EQ(p.hold().collection_case_id(), 77);
  EXPECT_EQ(CountEvents("CreditHoldSetEvent"), 1);

  // A manager may not lift a collections hold.
  v1::ReleaseCreditHoldRequest rel;
  rel.set_request_id(Rid());
  rel.set_customer_id(id);
  rel.set_reason("客户承诺付款");
  v1::ReleaseCreditHoldResponse rr;
  EXPECT_EQ(stub_->ReleaseCreditHold(As(kManagerEast).get(), rel, &rr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListCreditHoldsRequest lr;
  v1::ListCreditHoldsResponse lresp;
  ASSERT_TRUE(stub_->ListCreditHolds(As(kFinance).get(), lr, &lresp).ok());
  ASSERT_EQ(lresp.profiles_size(), 1);
  EXPECT_EQ(lresp.profiles(0).customer_id(), id);

  finance::v1::CustomerHoldReleasedEvent released;
  released.set_credit_hold_id(501);
  released.set_customer_id(id);
  released.set_reason("PAID_IN_FULL");
  ASSERT_TRUE(Feed(released, "CustomerHoldReleasedEvent", "fin-2", false).ok());
  ASSERT_TRUE(Feed(released, "CustomerHoldReleasedEvent", "fin-2", false).ok());
  EXPECT_FALSE(Profile(kFinance, id).hold().on_hold());
  EXPECT_EQ(CountEvents("CreditHoldReleasedEvent"), 1);

  v1::ListCustomerAuditRequest ar;
  ar.set_customer_id(id);
  ar.add_actions("CREDIT_HOLD_SET");
  ar.add_actions("CREDIT_HOLD_RELEASED");
  v1::ListCustomerAuditResponse aresp;
  ASSERT_TRUE(stub_->ListCustomerAudit(As(kFinance).get(), ar, &aresp).ok());
  ASSERT_EQ(aresp.entries_size(), 2);
  EXPECT_EQ(aresp.entries(0).actor().user_id(), "finance-svc");
  EXPECT_THAT(aresp.entries(0).reason(), HasSubstr("COLLECTIONS"));
  EXPECT_EQ(aresp.entries(1).reason(), "PAID_IN_FULL");
}

// Registered on Mar 2 by rep A: protected through Mar 9. An order taken by
// rep B on Mar 9 is A's (collision); on Mar 10 it is B's.
TEST_F(CustomersCore, CreditedRepDuringAndAfterProtection) {
  int64_t id = MustRegister(Rep(kRepA, kEast), "北京物美便利店", "13700000003");
  auto during = Resolve(id, D(2026, 3, 9), kRepB);
  EXPECT_EQ(during.credited_rep_id(), kRepA);
  EXPECT_EQ(during.basis(), v1::CREDIT_BASIS_PROTECTING_OWNER);
  EXPECT_TRUE(during.collision());
  EXPECT_EQ(during.credited_org_unit_id(), kEast);
  EXPECT_EQ(during.protected_until().day(), 9);
  auto own = Resolve(id, D(2026, 3, 5), kRepA);
  EXPECT_FALSE(own.collision());
  // After protection, even before the sweep ran.
  auto after = Resolve(id, D(2026, 3, 10), kRepB);
  EXPECT_EQ(after.credited_rep_id(), kRepB);
  EXPECT_EQ(after.basis(), v1::CREDIT_BASIS_TAKING_REP);
  EXPECT_FALSE(after.collision());

  // orders-svc confirms B's order credited to A: a collision for the
  // manager, and the prospect becomes A's account.
  orders::v1::OrderConfirmedEvent oc;
  oc.mutable_order()->set_order_id(9001);
  oc.mutable_order()->set_order_number("SO-9001");
  oc.mutable_order()->set_customer_id(id);
  oc.mutable_order()->set_credited_rep_id(kRepA);
  oc.mutable_order()->set_taking_rep_id(kRepB);
  *oc.mutable_order()->mutable_order_date() = D(2026, 3, 5);
  *oc.mutable_total_amount() = MakeMoney(12'000'00);
  oc.set_ownership_collision(true);
  ASSERT_TRUE(Feed(oc, "OrderConfirmedEvent", "ord-1", true).ok());
  ASSERT_TRUE(Feed(oc, "OrderConfirmedEvent", "ord-1", true).ok());
  v1::Customer c = Get(kDirector, id);
  EXPECT_EQ(c.status(), v1::CUSTOMER_STATUS_ACTIVE);
  EXPECT_EQ(c.protection_state(), v1::PROTECTION_STATE_ACCOUNT);
  EXPECT_EQ(c.first_purchase_date().day(), 5);
  EXPECT_EQ(CountEvents("CustomerConvertedEvent"), 1);

  v1::ListCollisionsRequest lc;
  v1::ListCollisionsResponse lcr;
  ASSERT_TRUE(stub_->ListCollisions(As(kManagerEast).get(), lc, &lcr).ok());
  ASSERT_EQ(lcr.collisions_size(), 1);
  EXPECT_EQ(lcr.collisions(0).owner_rep_id(), kRepA);
  EXPECT_EQ(lcr.collisions(0).taking_rep_id(), kRepB);
  // The north manager's scope does not hold it.
  Principal north_mgr{"mgr-north", "SALES_MANAGER", 0, kNorth};
  v1::ListCollisionsResponse none;
  ASSERT_TRUE(stub_->ListCollisions(As(north_mgr).get(), lc, &none).ok());
  EXPECT_EQ(none.collisions_size(), 0);

  v1::ReviewCollisionRequest rv;
  rv.set_request_id(Rid());
  rv.set_collision_id(lcr.collisions(0).id());
  rv.set_decision(v1::COLLISION_STATUS_OVERRULED);
  rv.set_note("李四独立开发，张三未实际跟进");
  rv.set_etag(lcr.collisions(0).etag());
  v1::ReviewCollisionResponse rvr;
  EXPECT_EQ(stub_->ReviewCollision(As(north_mgr).get(), rv, &rvr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  rv.set_request_id(Rid());
  ASSERT_TRUE(stub_->ReviewCollision(As(kManagerEast).get(), rv, &rvr).ok());
  EXPECT_EQ(rvr.collision().credited_rep_id(), kRepB);
  // Reviewed once: a stale etag is ABORTED, a fresh one FAILED_PRECONDITION.
  rv.set_request_id(Rid());
  EXPECT_EQ(stub_->ReviewCollision(As(kManagerEast).get(), rv, &rvr).error_code(), grpc::StatusCode::ABORTED);
  rv.set_request_id(Rid());
  rv.set_etag(rvr.collision().etag());
  EXPECT_EQ(stub_->ReviewCollision(As(kManagerEast).get(), rv, &rvr).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // The ruling now decides the credit of that order.
  v1::ResolveCreditedRepRequest again;
  again.set_customer_id(id);
  *again.mutable_order_date() = D(2026, 3, 5);
  again.set_taking_rep_id(kRepB);
  again.set_order_id(9001);
  v1::ResolveCreditedRepResponse ruled;
  ASSERT_TRUE(stub_->ResolveCreditedRep(As(kService).get(), again, &ruled).ok());
  EXPECT_EQ(ruled.credited_rep_id(), kRepB);
  EXPECT_EQ(ruled.basis(), v1::CREDIT_BASIS_MANAGER_RULING);
}

// A rep never sees another rep's contacts; the owner and the manager do.
TEST_F(CustomersCore, ScopingOfCustomersAndContacts) {
  v1::Customer c = NewCustomer("杭州康乐食品经销有限公司", "0571-8765 4321");
  c.set_tax_id("91330100MA2B3C4D5E");
  auto* ct = c.add_contacts();
  ct->set_name("王建国");
  ct->set_title("采购经理");
  ct->set_phone("139 1111 2222");
  ct->set_email("wang@kangle.example");
  v1::Customer mine;
  ASSERT_TRUE(Register(Rep(kRepA, kEast), c, &mine).ok());
  int64_t id = mine.id();
  ASSERT_EQ(mine.contacts_size(), 1);

  v1::Customer other = Get(Rep(kRepB, kEast), id);
  EXPECT_TRUE(other.masked());
  EXPECT_EQ(other.name(), c.name());
  EXPECT_EQ(other.city(), "上海");
  EXPECT_EQ(other.contacts_size(), 0);
  EXPECT_TRUE(other.tax_id().empty());
  // Name and city only (domain.md §1): not even a masked phone.
  EXPECT_TRUE(other.phone().empty());
  EXPECT_EQ(other.owner_rep_id(), 0);
  v1::ListContactsRequest lr;
  lr.set_customer_id(id);
  v1::ListContactsResponse lresp;
  EXPECT_EQ(stub_->ListContacts(As(Rep(kRepB, kEast)).get(), lr, &lresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(lresp.contacts_size(), 0);
  ASSERT_TRUE(stub_->ListContacts(As(kManagerEast).get(), lr, &lresp).ok());
  EXPECT_EQ(lresp.contacts(0).email(), "wang@kangle.example");
  Principal north_mgr{"mgr-north", "SALES_MANAGER", 0, kNorth};
  EXPECT_TRUE(Get(north_mgr, id).masked());
  EXPECT_FALSE(Get(kManagerEast, id).masked());
  EXPECT_FALSE(Get(Rep(kRepA, kEast), id).masked());

  // Lists: a rep sees their own (and the pool), never another rep's.
  MustRegister(Rep(kRepB, kEast), "杭州安泰便利店", "13600000001");
  v1::ListCustomersRequest all;
  v1::ListCustomersResponse a, b, m, n;
  ASSERT_TRUE(stub_->ListCustomers(As(Rep(kRepA, kEast)).get(), all, &a).ok());
  ASSERT_TRUE(stub_->ListCustomers(As(Rep(kRepB, kEast)).get(), all, &b).ok());
  ASSERT_TRUE(stub_->ListCustomers(As(kManagerEast).get(), all, &m).ok());
  ASSERT_TRUE(stub_->ListCustomers(As(north_mgr).get(), all, &n).ok());
  ASSERT_EQ(a.customers_size(), 1);
  EXPECT_EQ(a.customers(0).id(), id);
  ASSERT_EQ(b.customers_size(), 1);
  EXPECT_NE(b.customers(0).id(), id);
  EXPECT_EQ(m.customers_size(), 2);
  EXPECT_EQ(n.customers_size(), 0);

  // Another rep may not change it; a stale etag is refused; nothing changed.
  v1::UpdateCustomerRequest up;
  up.set_request_id(Rid());
  up.mutable_customer()->set_id(id);
  up.mutable_customer()->set_address("杭州市西湖区文三路1号");
  up.mutable_update_mask()->add_paths("address");
  up.set_etag(mine.etag());
  v1::UpdateCustomerResponse ur;
  EXPECT_EQ(stub_->UpdateCustomer(As(Rep(kRepB, kEast)).get(), up, &ur).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  up.set_request_id(Rid());
  up.set_etag("v0");
  EXPECT_EQ(stub_->UpdateCustomer(As(Rep(kRepA, kEast)).get(), up, &ur).error_code(), grpc::StatusCode::ABORTED);
  up.set_request_id(Rid());
  up.set_etag(Get(Rep(kRepA, kEast), id).etag());
  up.mutable_update_mask()->add_paths("owner_rep_id");
  EXPECT_EQ(stub_->UpdateCustomer(As(Rep(kRepA, kEast)).get(), up, &ur).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  up.set_request_id(Rid());
  up.mutable_update_mask()->clear_paths();
  up.mutable_update_mask()->add_paths("address");
  ASSERT_TRUE(stub_->UpdateCustomer(As(Rep(kRepA, kEast)).get(), up, &ur).ok());
  EXPECT_EQ(ur.customer().address(), "杭州市西湖区文三路1号");

  // The grade is the manager's.
  v1::SetDemandGradeRequest g;
  g.set_request_id(Rid());
  g.set_customer_id(id);
  g.set_demand_grade(v1::DEMAND_GRADE_A);
  g.set_reason("年采购额超过500万, 急需");
  v1::SetDemandGradeResponse gr;
  EXPECT_EQ(stub_->SetDemandGrade(As(Rep(kRepA, kEast)).get(), g, &gr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  g.set_request_id(Rid());
  ASSERT_TRUE(stub_->SetDemandGrade(As(kManagerEast).get(), g, &gr).ok());
  EXPECT_EQ(gr.customer().demand_grade(), v1::DEMAND_GRADE_A);
}

// Registered Mar 2 (protected through Mar 9), followed up Mar 5 (through Mar
// 12). Sweeping Mar 13 twice lapses it once.
TEST_F(CustomersCore, FollowUpsAndTheLapseSweepRunTwice) {
  int64_t kept = MustRegister(Rep(kRepA, kEast), "上海永辉超市一号店", "13500000001");
  int64_t lapsing = MustRegister(Rep(kRepA, kEast), "上海永辉超市二号店", "13500000002");
  int64_t other = MustRegister(Rep(kRepB, kEast), "上海永辉超市三号店", "13500000003");
  clock_.Set(LocalTen(2026, 3, 5));
  auto follow = [&](const Principal& who, int64_t id, common::v1::Date day) {
    v1::RecordFollowUpRequest req;
    req.set_request_id(Rid());
    auto* f = req.mutable_follow_up();
    f->set_customer_id(id);
    *f->mutable_date() = day;
    f->set_channel(v1::FOLLOW_UP_CHANNEL_VISIT);
    f->set_content("介绍新品, 客户有意向试销");
    f->set_intent_level(v1::INTENT_LEVEL_MEDIUM);
    f->set_next_step("送样品");
    *f->mutable_next_step_date() = D(2026, 3, 8);
    v1::RecordFollowUpResponse resp;
    grpc::Status st = stub_->RecordFollowUp(As(who).get(), req, &resp);
    return std::make_pair(st, resp);
  };
  auto [st, fu] = follow(Rep(kRepA, kEast), kept, D(2026, 3, 5));
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(fu.follow_up().extended_protection());
  EXPECT_EQ(fu.customer().protected_until().day(), 12);
  // A date in the future, or someone else's customer: refused, nothing kept.
  EXPECT_EQ(follow(Rep(kRepA, kEast), kept, D(2026, 3, 6)).first.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(follow(Rep(kRepA, kEast), other, D(2026, 3, 5)).first.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListFollowUpsRequest lf;
  lf.set_customer_id(kept);
  v1::ListFollowUpsResponse lfr;
  ASSERT_TRUE(stub_->ListFollowUps(As(Rep(kRepA, kEast)).get(), lf, &lfr).ok());
  EXPECT_EQ(lfr.follow_ups_size(), 1);
  ASSERT_TRUE(stub_->ListFollowUps(As(Rep(kRepB, kEast)).get(), lf, &lfr).ok());
  EXPECT_EQ(lfr.follow_ups_size(), 0);

  // Lapsing soon: as of Mar 9, "lapsing" (through Mar 9) is in its last day.
  v1::ListCustomersRequest soon;
  soon.set_lapsing_within_days(1);
  *soon.mutable_as_of() = D(2026, 3, 9);
  v1::ListCustomersResponse soon_resp;
  ASSERT_TRUE(stub_->ListCustomers(As(Rep(kRepA, kEast)).get(), soon, &soon_resp).ok());
  ASSERT_EQ(soon_resp.customers_size(), 1);
  EXPECT_EQ(soon_resp.customers(0).id(), lapsing);

  clock_.Set(LocalTen(2026, 3, 13));
  v1::RunLapseSweepRequest sweep;
  sweep.set_request_id("sweep-2026-03-13");
  *sweep.mutable_as_of() = D(2026, 3, 13);
  v1::RunLapseSweepResponse first, again, repeat;
  // Reps may not sweep; a future date is refused.
  EXPECT_EQ(stub_->RunLapseSweep(As(Rep(kRepA, kEast)).get(), sweep, &first).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RunLapseSweepRequest future = sweep;
  future.set_request_id("sweep-future");
  *future.mutable_as_of() = D(2026, 3, 14);
  EXPECT_EQ(stub_->RunLapseSweep(As(kService).get(), future, &first).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(stub_->RunLapseSweep(As(kService).get(), sweep, &first).ok());
  // Mar 13: "kept" (through Mar 12) lapses too; the others since Mar 10.
  EXPECT_EQ(first.lapsed_count(), 3);
  // The same request again answers the same; a new run for the date finds
  // nothing left.
  ASSERT_TRUE(stub_->RunLapseSweep(As(kService).get(), sweep, &repeat).ok());
  EXPECT_EQ(repeat.lapsed_count(), 3);
  sweep.set_request_id("sweep-2026-03-13-again");
  ASSERT_TRUE(stub_->RunLapseSweep(As(kService).get(), sweep, &again).ok());
  EXPECT_EQ(again.lapsed_count(), 0);
  EXPECT_EQ(CountEvents("LapseSweepCompletedEvent"), 2);

  v1::Customer pooled = Get(kDirector, lapsing);
  EXPECT_EQ(pooled.owner_rep_id(), 0);
  EXPECT_EQ(pooled.protection_state(), v1::PROTECTION_STATE_IN_POOL);
  v1::ListOwnershipHistoryRequest hr;
  hr.set_customer_id(lapsing);
  v1::ListOwnershipHistoryResponse hist;
  ASSERT_TRUE(stub_->ListOwnershipHistory(As(kDirector).get(), hr, &hist).ok());
  ASSERT_EQ(hist.records_size(), 2);
  EXPECT_EQ(hist.records(1).kind(), v1::OWNERSHIP_CHANGE_KIND_LAPSED);
  EXPECT_EQ(hist.records(1).from_rep_id(), kRepA);
  EXPECT_THAT(hist.records(1).reason(), HasSubstr("2026-03-09"));
  EXPECT_TRUE(hist.records(0).has_end_time());

  // The order B takes on Mar 13 is B's now; on Mar 9 it was still A's.
  EXPECT_EQ(Resolve(lapsing, D(2026, 3, 13), kRepB).credited_rep_id(), kRepB);
  EXPECT_EQ(Resolve(lapsing, D(2026, 3, 9), kRepB).credited_rep_id(), kRepA);

  v1::ListPoolCustomersRequest pr;
  v1::ListPoolCustomersResponse pool;
  ASSERT_TRUE(stub_->ListPoolCustomers(As(Rep(kRepC, kEast)).get(), pr, &pool).ok());
  EXPECT_EQ(pool.customers_size(), 3);
  for (const auto& pc : pool.customers()) EXPECT_TRUE(pc.masked());
}

// Three reps claim the same pool customer at once: one wins, the others are
// told the race was lost; a protected customer cannot be claimed.
TEST_F(CustomersCore, PoolClaimRaceHasOneWinner) {
  int64_t id = MustRegister(Rep(kRepA, kEast), "天津鑫源副食品批发部", "13400000001");
  int64_t protected_id = MustRegister(Rep(kRepA, kEast), "天津鑫源副食品二部", "13400000002");
  v1::ReleaseCustomerRequest rel;
  rel.set_request_id(Rid());
  rel.set_customer_id(id);
  v1::ReleaseCustomerResponse rr;
  EXPECT_EQ(stub_->ReleaseCustomer(As(Rep(kRepA, kEast)).get(), rel, &rr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // no reason
  rel.set_request_id(Rid());
  rel.set_reason("客户已转行, 无跟进价值");
  ASSERT_TRUE(stub_->ReleaseCustomer(As(Rep(kRepA, kEast)).get(), rel, &rr).ok());
  std::string etag = rr.customer().etag();

  v1::ClaimCustomerRequest claim;
  claim.set_customer_id(protected_id);
  claim.set_request_id(Rid());
  claim.set_etag(Get(kDirector, protected_id).etag());
  v1::ClaimCustomerResponse cr;
  grpc::Status denied = stub_->ClaimCustomer(As(Rep(kRepB, kEast)).get(), claim, &cr);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(denied.error_message(), HasSubstr("protected"));

  const int64_t reps[] = {kRepA, kRepB, kRepC};
  grpc::Status results[3];
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      v1::ClaimCustomerRequest req;
      req.set_request_id(absl::StrCat("claim-", i));
      req.set_customer_id(id);
      req.set_etag(etag);
      req.set_reason("客户来电咨询");
      v1::ClaimCustomerResponse resp;
      while (!go) {
      }
      results[i] = stub_->ClaimCustomer(As(Rep(reps[i], kEast)).get(), req, &resp);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int won = 0, aborted = 0;
  int64_t winner = 0;
  for (int i = 0; i < 3; ++i) {
    if (results[i].ok()) {
      ++won;
      winner = reps[i];
    }
    if (results[i].error_code() == grpc::StatusCode::ABORTED) ++aborted;
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(aborted, 2);
  v1::Customer c = Get(kDirector, id);
  EXPECT_EQ(c.owner_rep_id(), winner);
  EXPECT_EQ(c.protection_state(), v1::PROTECTION_STATE_PROTECTED);
  v1::ListCustomerAuditRequest ar;
  ar.set_customer_id(id);
  ar.add_actions("CLAIMED");
  v1::ListCustomerAuditResponse aresp;
  ASSERT_TRUE(stub_->ListCustomerAudit(As(kDirector).get(), ar, &aresp).ok());
  ASSERT_EQ(aresp.entries_size(), 1);
  EXPECT_EQ(aresp.entries(0).from_value(), "pool");
}

// Rep A leaves: the manager moves all of A's customers to B and C at once;
// a transfer needs a reason and a manager of both reps.
TEST_F(CustomersCore, TransferAndHandOverOfALeavingRep) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(
        MustRegister(Rep(kRepA, kEast), absl::StrCat("廊坊同心超市", i, "号店"), absl::StrCat("1330000000", i)));
  v1::TransferCustomerRequest tr;
  tr.set_request_id(Rid());
  tr.set_customer_id(ids[0]);
  tr.set_to_rep_id(kRepB);
  v1::TransferCustomerResponse trr;
  grpc::Status st = stub_->TransferCustomer(As(kManagerEast).get(), tr, &trr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no reason
  tr.set_request_id(Rid());
  tr.set_reason("客户要求更换业务员");
  EXPECT_EQ(stub_->TransferCustomer(As(Rep(kRepA, kEast)).get(), tr, &trr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  tr.set_request_id(Rid());
  tr.set_to_rep_id(kRepNorth);  // outside the East manager's scope
  EXPECT_EQ(stub_->TransferCustomer(As(kManagerEast).get(), tr, &trr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  tr.set_request_id(Rid());
  tr.set_to_rep_id(999);
  EXPECT_EQ(stub_->TransferCustomer(As(kManagerEast).get(), tr, &trr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  tr.set_request_id(Rid());
  tr.set_to_rep_id(kRepB);
  ASSERT_TRUE(stub_->TransferCustomer(As(kManagerEast).get(), tr, &trr).ok());
  EXPECT_EQ(trr.customer().owner_rep_id(), kRepB);
  EXPECT_EQ(trr.record().kind(), v1::OWNERSHIP_CHANGE_KIND_TRANSFERRED);

  tv1::RepStatusChangedEvent left;
  left.set_rep_id(kRepA);
  left.set_to_status(tv1::REP_STATUS_LEFT);
  ApplyOrg(left, "RepStatusChangedEvent");

  v1::HandOverCustomersRequest ho;
  ho.set_request_id(Rid());
  ho.set_from_rep_id(kRepA);
  ho.add_to_rep_ids(kRepB);
  ho.add_to_rep_ids(kRepC);
  ho.set_reason("张三离职交接");
  v1::HandOverCustomersResponse hor;
  ASSERT_TRUE(stub_->HandOverCustomers(As(kManagerEast).get(), ho, &hor).ok());
  ASSERT_EQ(hor.customer_ids_size(), 4);
  EXPECT_EQ(hor.handover().customer_count(), 4);
  int to_b = 0, to_c = 0;
  for (int64_t id : hor.customer_ids()) {
    int64_t owner = Get(kDirector, id).owner_rep_id();
    to_b += owner == kRepB;
    to_c += owner == kRepC;
  }
  EXPECT_EQ(to_b, 2);
  EXPECT_EQ(to_c, 2);
  v1::ListCustomersRequest lr;
  lr.set_owner_rep_id(kRepA);
  v1::ListCustomersResponse lresp;
  ASSERT_TRUE(stub_->ListCustomers(As(kDirector).get(), lr, &lresp).ok());
  EXPECT_EQ(lresp.customers_size(), 0);
  v1::ListHandoversRequest lh;
  v1::ListHandoversResponse lhr;
  ASSERT_TRUE(stub_->ListHandovers(As(kManagerEast).get(), lh, &lhr).ok());
  ASSERT_EQ(lhr.handovers_size(), 1);
  EXPECT_EQ(lhr.handovers(0).from_rep_id(), kRepA);
  // Receiving reps must be active.
  ho.set_request_id(Rid());
  ho.set_from_rep_id(kRepB);
  ho.clear_to_rep_ids();
  ho.add_to_rep_ids(kRepA);
  EXPECT_EQ(stub_->HandOverCustomers(As(kManagerEast).get(), ho, &hor).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(CountEvents("CustomerOwnerChangedEvent"), 5);
}

TEST_F(CustomersCore, FamilyMembersFollowTheirPrimary) {
  int64_t primary = MustRegister(Rep(kRepA, kEast), "张伟", "13200000001");
  int64_t member = MustRegister(Rep(kRepB, kEast), "李娜", "13200000002");
  v1::LinkFamilyMemberRequest lr;
  lr.set_request_id(Rid());
  lr.mutable_link()->set_primary_customer_id(primary);
  lr.mutable_link()->set_member_customer_id(member);
  lr.mutable_link()->set_relation(v1::FAMILY_RELATION_SPOUSE);
  lr.mutable_link()->set_reason("同一户口本, 夫妻");
  v1::LinkFamilyMemberResponse lresp;
  EXPECT_EQ(stub_->LinkFamilyMember(As(Rep(kRepA, kEast)).get(), lr, &lresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  lr.set_request_id(Rid());
  ASSERT_TRUE(stub_->LinkFamilyMember(As(kManagerEast).get(), lr, &lresp).ok());
  EXPECT_EQ(lresp.member().owner_rep_id(), kRepA);
  EXPECT_EQ(lresp.member().primary_customer_id(), primary);
  // Credit follows the primary.
  auto r = Resolve(member, D(2026, 3, 3), kRepB);
  EXPECT_EQ(r.credited_rep_id(), kRepA);
  EXPECT_EQ(r.basis(), v1::CREDIT_BASIS_FAMILY_PRIMARY_OWNER);
  EXPECT_EQ(r.deciding_customer_id(), primary);
  // A hold on the primary holds the member.
  v1::SetCreditHoldRequest hold;
  hold.set_request_id(Rid());
  hold.set_customer_id(primary);
  hold.set_reason("逾期未付");
  v1::SetCreditHoldResponse hr;
  ASSERT_TRUE(stub_->SetCreditHold(As(kFinance).get(), hold, &hr).ok());
  v1::CreditProfile mp = Profile(kFinance, member);
  EXPECT_TRUE(mp.hold().on_hold());
  EXPECT_EQ(mp.primary_customer_id(), primary);
  // Transferring the primary moves the member too.
  v1::TransferCustomerRequest tr;
  tr.set_request_id(Rid());
  tr.set_customer_id(primary);
  tr.set_to_rep_id(kRepC);
  tr.set_reason("区域调整");
  v1::TransferCustomerResponse trr;
  ASSERT_TRUE(stub_->TransferCustomer(As(kManagerEast).get(), tr, &trr).ok());
  EXPECT_EQ(Get(kDirector, member).owner_rep_id(), kRepC);
  lr.set_request_id(Rid());
  EXPECT_EQ(stub_->LinkFamilyMember(As(kManagerEast).get(), lr, &lresp).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

// Protection counts in company days (UTC+8) from the injected clock: a
// registration at 23:59 local and one two minutes later (00:01, still the
// same UTC day) belong to different days; a follow-up on day 7 keeps the
// prospect, one on day 8 comes too late.
TEST_F(CustomersCore, ProtectionEdgesInCompanyDays) {
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 3, 2, 23, 59, 0), CompanyTimeZone()));
  int64_t late = MustRegister(Rep(kRepA, kEast), "保定和顺超市", "13100000001");
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 3, 3, 0, 1, 0), CompanyTimeZone()));
  int64_t early = MustRegister(Rep(kRepA, kEast), "保定瑞丰超市", "13100000002");
  EXPECT_EQ(Get(kDirector, late).protected_until().day(), 9);
  EXPECT_EQ(Get(kDirector, early).protected_until().day(), 10);
  int64_t day7 = MustRegister(Rep(kRepB, kEast), "保定百家超市", "13100000003");    // Mar 3
  int64_t day8 = MustRegister(Rep(kRepB, kEast), "保定福万家超市", "13100000004");  // Mar 3

  auto follow = [&](int64_t id, common::v1::Date day) {
    v1::RecordFollowUpRequest req;
    req.set_request_id(Rid());
    auto* f = req.mutable_follow_up();
    f->set_customer_id(id);
    *f->mutable_date() = day;
    f->set_channel(v1::FOLLOW_UP_CHANNEL_PHONE);
    f->set_content("电话回访");
    f->set_intent_level(v1::INTENT_LEVEL_LOW);
    v1::RecordFollowUpResponse resp;
    grpc::Status st = stub_->RecordFollowUp(As(Rep(kRepB, kEast)).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  };
  clock_.Set(LocalTen(2026, 3, 11));
  // Day 7 after Mar 3 is Mar 10: the last protected day, still in time.
  auto in_time = follow(day7, D(2026, 3, 10));
  EXPECT_TRUE(in_time.follow_up().extended_protection());
  EXPECT_EQ(in_time.customer().protected_until().day(), 17);
  // Day 8 (Mar 11): protection had ended the evening before.
  auto too_late = follow(day8, D(2026, 3, 11));
  EXPECT_FALSE(too_late.follow_up().extended_protection());
  EXPECT_EQ(too_late.customer().protection_state(), v1::PROTECTION_STATE_IN_POOL);

  // Sweeping Mar 10 moves only the 23:59 registration (through Mar 9).
  v1::RunLapseSweepRequest sweep;
  sweep.set_request_id("sweep-03-10");
  *sweep.mutable_as_of() = D(2026, 3, 10);
  v1::RunLapseSweepResponse r10;
  ASSERT_TRUE(stub_->RunLapseSweep(As(kService).get(), sweep, &r10).ok());
  ASSERT_EQ(r10.lapsed_count(), 1);
  EXPECT_EQ(r10.lapsed_customer_ids(0), late);
  sweep.set_request_id("sweep-03-11");
  *sweep.mutable_as_of() = D(2026, 3, 11);
  v1::RunLapseSweepResponse r11;
  ASSERT_TRUE(stub_->RunLapseSweep(As(kService).get(), sweep, &r11).ok());
  std::vector<int64_t> ids(r11.lapsed_customer_ids().begin(), r11.lapsed_customer_ids().end());
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre(early, day8));
}

// A producer's feed as the platform's consumers read it: events appended by
// the test are streamed from the consumer's cursor on.
template <typename Service, typename Request, typename Response>
class FakeFeed final : public Service::Service {
 public:
  FakeFeed() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(this);
    server_ = b.BuildAndStart();
  }
  ~FakeFeed() override { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1)); }
  int port() const { return port_; }
  void Add(const google::protobuf::Message& m, const std::string& type) {
    std::lock_guard<std::mutex> lock(mu_);
    common::v1::Event e;
    e.set_position(static_cast<int64_t>(events_.size()) + 1);
    e.set_event_id(absl::StrCat(type, "-", e.position()));
    e.set_request_id(e.event_id());
    e.set_event_type(type);
    e.set_aggregate_type("Test");
    e.mutable_payload()->PackFrom(m);
    events_.push_back(e);
  }
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const Request* req,
                            grpc::ServerWriter<Response>* writer) override {
    int64_t cursor = req->after_position();
    while (!ctx->IsCancelled()) {
      Response batch;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& e : events_) {
          if (e.position() > cursor) *batch.add_events() = e;
        }
      }
      if (batch.events_size() > 0) {
        cursor = batch.events(batch.events_size() - 1).position();
        if (!writer->Write(batch)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return grpc::Status::OK;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::vector<common::v1::Event> events_;
};

using FakeFinance =
    FakeFeed<finance::v1::FinanceService, finance::v1::StreamEventsRequest, finance::v1::StreamEventsResponse>;
using FakeOrders =
    FakeFeed<orders::v1::OrdersService, orders::v1::StreamEventsRequest, orders::v1::StreamEventsResponse>;

// The running service follows finance's and orders' feeds: a collections
// hold arrives and is lifted; a first purchase converts the prospect and a
// non-owner's order is recorded as a collision.
TEST_F(CustomersCore, FollowsFinanceAndOrdersFeeds) {
  FakeFinance finance_feed;
  FakeOrders orders_feed;
  app_->Shutdown();
  app_ = StartService(customers::MakeServiceDefinition(), db_, &clock_,
                      {{"principal_hmac_secret", kSecret},
                       {"finance_address", absl::StrCat("127.0.0.1:", finance_feed.port())},
                       {"orders_address", absl::StrCat("127.0.0.1:", orders_feed.port())}});
  ASSERT_NE(app_, nullptr);
  stub_ = v1::CustomersService::NewStub(Loopback(app_->port()));
  int64_t id = MustRegister(Rep(kRepA, kEast), "廊坊德润食品经销有限公司", "13000000001");

  finance::v1::CustomerHoldSetEvent set;
  set.set_credit_hold_id(9001);
  set.set_customer_id(id);
  set.set_source(finance::v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  set.set_reason("第二次催款通知: 停止供货");
  set.add_collection_case_ids(42);
  finance_feed.Add(set, "CustomerHoldSetEvent");
  auto wait_for = [&](auto pred) {
    for (int i = 0; i < 200 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return pred();
  };
  ASSERT_TRUE(wait_for([&] { return Profile(kFinance, id).hold().on_hold(); }));
  EXPECT_EQ(Profile(kFinance, id).hold().collection_case_id(), 42);

  orders::v1::OrderConfirmedEvent oc;
  oc.mutable_order()->set_order_id(777);
  oc.mutable_order()->set_order_number("SO-777");
  oc.mutable_order()->set_customer_id(id);
  oc.mutable_order()->set_credited_rep_id(kRepA);
  oc.mutable_order()->set_taking_rep_id(kRepC);
  *oc.mutable_order()->mutable_order_date() = D(2026, 3, 2);
  *oc.mutable_total_amount() = MakeMoney(8'800'00);
  orders_feed.Add(oc, "OrderConfirmedEvent");
  ASSERT_TRUE(wait_for([&] { return Get(kDirector, id).status() == v1::CUSTOMER_STATUS_ACTIVE; }));
  v1::ListCollisionsRequest lc;
  v1::ListCollisionsResponse lcr;
  ASSERT_TRUE(stub_->ListCollisions(As(kManagerEast).get(), lc, &lcr).ok());
  ASSERT_EQ(lcr.collisions_size(), 1);
  EXPECT_EQ(lcr.collisions(0).taking_rep_id(), kRepC);

  finance::v1::CustomerHoldReleasedEvent rel;
  rel.set_credit_hold_id(9001);
  rel.set_customer_id(id);
  rel.set_reason("PAID_IN_FULL");
  finance_feed.Add(rel, "CustomerHoldReleasedEvent");
  ASSERT_TRUE(wait_for([&] { return !Profile(kFinance, id).hold().on_hold(); }));
  app_->Shutdown();
  app_.reset();
}

// domain.md §1: a customer owned by someone else shows name and city only.
// rep2 reading rep1's customer — an account with a grade, purchases, a
// credit hold, contacts, notes — through GetCustomer and BatchGetCustomers
// gets its id, name and city and nothing else; rep1, rep1's manager and the
// admin see all of it.
TEST_F(CustomersCore, AnotherRepsCustomerShowsNameAndCityOnly) {
  const Principal rep1 = Rep(kRepA, kEast), rep2 = Rep(kRepB, kEast);
  const Principal admin{"admin", "ADMIN", 0, 0};
  const Principal north_mgr{"mgr-north", "SALES_MANAGER", 0, kNorth};
  v1::Customer c = NewCustomer("乌鲁木齐市天山区丝路明珠商贸有限责任公司", "0991-2345 6789");
  c.set_city("乌鲁木齐");
  c.set_tax_id("91650102MA7ABCDE1X");
  c.set_notes("只在周三上午收货, 找仓库老马");
  auto* ct = c.add_contacts();
  ct->set_name("马建新");
  ct->set_phone("138 9999 0001");
  v1::Customer registered;
  ASSERT_TRUE(Register(rep1, c, &registered).ok());
  const int64_t id = registered.id();
  const int64_t rep2_own = MustRegister(rep2, "喀什古城干果批发部", "13899990002");

  // Everything that leaked before: a grade, purchases (ACTIVE), a hold.
  v1::SetDemandGradeRequest g;
  g.set_request_id(Rid());
  g.set_customer_id(id);
  g.set_demand_grade(v1::DEMAND_GRADE_A);
  g.set_reason("年采购额过千万");
  v1::SetDemandGradeResponse gr;
  ASSERT_TRUE(stub_->SetDemandGrade(As(kManagerEast).get(), g, &gr).ok());
  orders::v1::OrderConfirmedEvent oc;
  oc.mutable_order()->set_order_id(INT64_MAX);
  oc.mutable_order()->set_order_number("SO-新疆-0001");
  oc.mutable_order()->set_customer_id(id);
  oc.mutable_order()->set_credited_rep_id(kRepA);
  oc.mutable_order()->set_taking_rep_id(kRepA);
  *oc.mutable_order()->mutable_order_date() = D(2026, 3, 2);
  *oc.mutable_total_amount() = MakeMoney(9'999'999'99);
  ASSERT_TRUE(Feed(oc, "OrderConfirmedEvent", "ev-masking-1", true).ok());
  v1::SetCreditHoldRequest hold;
  hold.set_request_id(Rid());
  hold.set_customer_id(id);
  hold.set_reason("逾期九十天");
  v1::SetCreditHoldResponse hr;
  ASSERT_TRUE(stub_->SetCreditHold(As(kFinance).get(), hold, &hr).ok());

  const v1::Customer full = Get(admin, id);
  ASSERT_FALSE(full.masked());
  ASSERT_EQ(full.owner_rep_id(), kRepA);
  ASSERT_EQ(full.status(), v1::CUSTOMER_STATUS_ACTIVE);
  ASSERT_EQ(full.demand_grade(), v1::DEMAND_GRADE_A);
  ASSERT_TRUE(full.has_first_purchase_date());
  ASSERT_TRUE(full.has_last_purchase_date());
  ASSERT_TRUE(full.credit_hold());
  ASSERT_EQ(full.contacts_size(), 1);
  ASSERT_EQ(full.notes(), c.notes());

  v1::Customer only;
  only.set_id(id);
  only.set_name("乌鲁木齐市天山区丝路明珠商贸有限责任公司");
  only.set_city("乌鲁木齐");
  only.set_masked(true);
  using google::protobuf::util::MessageDifferencer;
  auto batch = [&](const Principal& who) {
    v1::BatchGetCustomersRequest req;
    req.add_ids(rep2_own);
    req.add_ids(id);
    v1::BatchGetCustomersResponse resp;
    grpc::Status st = stub_->BatchGetCustomers(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.customers_size(), 2);
    return resp;
  };

  for (const Principal& outsider : {rep2, north_mgr}) {
    SCOPED_TRACE(outsider.user_id);
    v1::Customer got = Get(outsider, id);
    EXPECT_TRUE(MessageDifferencer::Equals(got, only)) << got.DebugString();
    v1::BatchGetCustomersResponse b = batch(outsider);
    ASSERT_EQ(b.customers_size(), 2);
    EXPECT_TRUE(MessageDifferencer::Equals(b.customers(1), only)) << b.customers(1).DebugString();
  }
  // rep2's own customer in the same batch is rep2's in full.
  v1::BatchGetCustomersResponse mixed = batch(rep2);
  ASSERT_EQ(mixed.customers_size(), 2);
  EXPECT_FALSE(mixed.customers(0).masked());
  EXPECT_EQ(mixed.customers(0).owner_rep_id(), kRepB);
  EXPECT_EQ(mixed.customers(0).phone(), "13899990002");

  // Owner, owner's manager, admin (and finance): everything, the same.
  for (const Principal& insider : {rep1, kManagerEast, admin, kFinance}) {
    SCOPED_TRACE(insider.user_id);
    v1::Customer got = Get(insider, id);
    EXPECT_TRUE(MessageDifferencer::Equals(got, full)) << got.DebugString();
    v1::BatchGetCustomersResponse b = batch(insider);
    ASSERT_EQ(b.customers_size(), 2);
    v1::Customer want = full;
    want.clear_contacts();  // BatchGetCustomers carries no contacts for anyone
    EXPECT_TRUE(MessageDifferencer::Equals(b.customers(1), want)) << b.customers(1).DebugString();
  }

  // Nor do its contacts, ownership history or audit reach rep2.
  v1::ListContactsRequest lc;
  lc.set_customer_id(id);
  v1::ListContactsResponse lcr;
  EXPECT_EQ(stub_->ListContacts(As(rep2).get(), lc, &lcr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListContacts(As(rep1).get(), lc, &lcr).ok());
  EXPECT_EQ(lcr.contacts_size(), 1);
  v1::GetCreditProfileRequest gc;
  gc.set_customer_id(id);
  v1::GetCreditProfileResponse gcr;
  EXPECT_EQ(stub_->GetCreditProfile(As(rep2).get(), gc, &gcr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(gcr.has_profile());
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// The field a single-violation INVALID_ARGUMENT names.
std::string FieldOf(const grpc::Status& st) {
  auto fv = FieldViolationsOf(FromGrpcStatus(st));
  std::string out;
  for (const auto& f : fv) out += (out.empty() ? "" : ",") + f.field;
  return out;
}

// Every text is limited to its column, counted in characters as VARCHAR in
// utf8mb4 counts them, by every method taking it, before any SQL: the
// duplicate check refuses the 1 MiB name registration refuses; a Chinese
// name of exactly 200 characters (600 bytes) registers and is found, one
// more is refused everywhere with the field named.
TEST_F(CustomersCore, TextLengthsAreTheirColumnsInCharacters) {
  const Principal rep = Rep(kRepA, kEast);
  const std::string mib(1 << 20, 'x');
  v1::CheckDuplicateRequest dup;
  dup.set_name(mib);
  v1::CheckDuplicateResponse dr;
  grpc::Status st = stub_->CheckDuplicate(As(rep).get(), dup, &dr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "name");
  st = Register(rep, NewCustomer(mib, "13500000001"), nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "customer.name");
  dup.Clear();
  dup.set_phone(std::string(customers::kMaxPhoneChars + 1, '1'));
  dup.add_contact_phones(Repeat("１", customers::kMaxPhoneChars + 1));  // full-width digits
  st = stub_->CheckDuplicate(As(rep).get(), dup, &dr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "phone,contact_phones[0]");

  // Exactly at the limits: 200 characters of name, 64 of city, 2000 of notes.
  const std::string name200 = "新疆" + Repeat("丝路明珠", 49) + "商贸";  // 2 + 196 + 2
  ASSERT_EQ(customers::CharCount(name200), 200u);
  v1::Customer c = NewCustomer(name200, "13500000002");
  c.set_city(Repeat("城", customers::kMaxCityChars));
  c.set_notes(Repeat("备", customers::kMaxCustomerNotesChars));
  c.set_address(Repeat("路", customers::kMaxAddressChars));
  v1::Customer got;
  st = Register(rep, c, &got);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Get(rep, got.id()).name(), name200);
  EXPECT_EQ(Get(rep, got.id()).city(), c.city());
  dup.Clear();
  dup.set_name(name200);
  ASSERT_TRUE(stub_->CheckDuplicate(As(Rep(kRepB, kEast)).get(), dup, &dr).ok());
  ASSERT_TRUE(dr.exists());
  EXPECT_EQ(dr.matches(0).customer_id(), got.id());

  // One more character: refused by registration, update and the check alike.
  const std::string name201 = name200 + "行";
  c = NewCustomer(name201, "13500000003");
  st = Register(rep, c, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "customer.name");
  c = NewCustomer("新疆丝路明珠二号店", "13500000003");
  c.set_city(Repeat("城", customers::kMaxCityChars + 1));
  st = Register(rep, c, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "customer.city");
  dup.set_name(name201);
  st = stub_->CheckDuplicate(As(rep).get(), dup, &dr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "name");
  v1::UpdateCustomerRequest up;
  up.set_request_id(Rid());
  up.mutable_customer()->set_id(got.id());
  up.mutable_customer()->set_name(name201);
  up.mutable_customer()->set_notes(Repeat("备", customers::kMaxCustomerNotesChars + 1));
  up.mutable_update_mask()->add_paths("name");
  up.mutable_update_mask()->add_paths("notes");
  up.set_etag(Get(rep, got.id()).etag());
  v1::UpdateCustomerResponse ur;
  st = stub_->UpdateCustomer(As(rep).get(), up, &ur);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "customer.name,customer.notes");
  EXPECT_EQ(Get(rep, got.id()).name(), name200);
  // A filter longer than its column cannot match anything: refused too.
  v1::ListCustomersRequest lq;
  lq.set_city(Repeat("城", customers::kMaxCityChars + 1));
  v1::ListCustomersResponse lr;
  st = stub_->ListCustomers(As(rep).get(), lq, &lr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "city");

  // Contacts: 100 characters of name fit contacts.name, 101 do not.
  v1::AddContactRequest ac;
  ac.set_request_id(Rid());
  ac.set_customer_id(got.id());
  ac.mutable_contact()->set_name(Repeat("欧阳", 50));
  ac.mutable_contact()->set_phone("13500000004");
  v1::AddContactResponse acr;
  st = stub_->AddContact(As(rep).get(), ac, &acr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(acr.contact().name(), Repeat("欧阳", 50));
  ac.set_request_id(Rid());
  ac.mutable_contact()->set_name(Repeat("欧阳", 50) + "娜");
  ac.mutable_contact()->set_phone("13500000005");
  st = stub_->AddContact(As(rep).get(), ac, &acr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "contact.name");

  // A reason of 500 Chinese characters (1,500 bytes) fits its columns; the
  // ownership record's composed text ("family member of #…: " + reason)
  // is clipped to whole characters instead of failing the change.
  int64_t member = MustRegister(Rep(kRepB, kEast), "欧阳娜", "13500000006");
  v1::LinkFamilyMemberRequest link;
  link.set_request_id(Rid());
  link.mutable_link()->set_primary_customer_id(got.id());
  link.mutable_link()->set_member_customer_id(member);
  link.mutable_link()->set_relation(v1::FAMILY_RELATION_CHILD);
  link.mutable_link()->set_reason(Repeat("亲", customers::kMaxReasonChars + 1));
  v1::LinkFamilyMemberResponse lresp;
  st = stub_->LinkFamilyMember(As(kManagerEast).get(), link, &lresp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "link.reason");
  link.set_request_id(Rid());
  link.mutable_link()->set_reason(Repeat("亲", customers::kMaxReasonChars));
  st = stub_->LinkFamilyMember(As(kManagerEast).get(), link, &lresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(lresp.member().owner_rep_id(), kRepA);
  v1::ListOwnershipHistoryRequest oh;
  oh.set_customer_id(member);
  v1::ListOwnershipHistoryResponse ohr;
  ASSERT_TRUE(stub_->ListOwnershipHistory(As(kManagerEast).get(), oh, &ohr).ok());
  ASSERT_GE(ohr.records_size(), 2);
  bool clipped = false;
  for (const auto& r : ohr.records()) {
    EXPECT_LE(customers::CharCount(r.reason()), customers::kMaxReasonChars);
    clipped = clipped || customers::CharCount(r.reason()) == customers::kMaxReasonChars;
  }
  EXPECT_TRUE(clipped);
}

// Issue 15 (update_mask on every update): a mask changes the credit terms it
// names and keeps the rest as stored, even terms the request sets otherwise
// or leaves blank; a path the method does not change is refused by position
// and writes nothing; no mask sets every term, as before masks.
TEST_F(CustomersCore, CreditProfileUpdateChangesOnlyTheMaskedTerms) {
  int64_t id = MustRegister(Rep(kRepA, kEast), "苏州万家福超市", "13700000077");
  v1::CreditProfile p = Profile(kFinance, id);

  // No mask: limit, terms and rating as sent.
  v1::UpdateCreditProfileRequest up;
  up.set_request_id(Rid());
  up.set_customer_id(id);
  *up.mutable_credit_limit() = MakeMoney(500'000'00);
  up.set_payment_terms_days(30);
  up.set_rating(v1::CREDIT_RATING_AA);
  up.set_reason("年度授信评审");
  up.set_etag(p.etag());
  v1::UpdateCreditProfileResponse ur;
  grpc::Status st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ur.profile().credit_limit().minor_units(), 500'000'00);
  EXPECT_EQ(ur.profile().payment_terms_days(), 30);
  EXPECT_EQ(ur.profile().rating(), v1::CREDIT_RATING_AA);

  // Only the terms: the higher limit sent alongside stays unapplied.
  up.set_request_id(Rid());
  *up.mutable_credit_limit() = MakeMoney(1'000'000'00);
  up.set_payment_terms_days(60);
  up.clear_rating();
  up.mutable_update_mask()->add_paths("payment_terms_days");
  up.set_reason("客户申请延长账期");
  up.set_etag(ur.profile().etag());
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ur.profile().payment_terms_days(), 60);
  EXPECT_EQ(ur.profile().credit_limit().minor_units(), 500'000'00);
  EXPECT_EQ(ur.profile().rating(), v1::CREDIT_RATING_AA);

  // Only the rating: the limit left blank is not checked, nor changed.
  up.set_request_id(Rid());
  up.clear_credit_limit();
  up.set_payment_terms_days(400);
  up.set_rating(v1::CREDIT_RATING_B);
  up.mutable_update_mask()->set_paths(0, "rating");
  up.set_reason("逾期增多，下调评级");
  up.set_etag(ur.profile().etag());
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ur.profile().rating(), v1::CREDIT_RATING_B);
  EXPECT_EQ(ur.profile().credit_limit().minor_units(), 500'000'00);
  EXPECT_EQ(ur.profile().payment_terms_days(), 60);

  // The hold is not a term UpdateCreditProfile changes; a named rating must
  // say what it becomes.
  up.set_request_id(Rid());
  up.mutable_update_mask()->set_paths(0, "hold");
  up.set_etag(ur.profile().etag());
  v1::UpdateCreditProfileResponse refused;
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "update_mask.paths[0]");
  up.set_request_id(Rid());
  up.mutable_update_mask()->set_paths(0, "rating");
  up.clear_rating();
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(st), "rating");
  v1::CreditProfile now = Profile(kFinance, id);
  EXPECT_EQ(now.etag(), ur.profile().etag());
  EXPECT_EQ(now.rating(), v1::CREDIT_RATING_B);

  // No mask again: a blank rating keeps the current one, as before masks.
  up.set_request_id(Rid());
  up.clear_update_mask();
  *up.mutable_credit_limit() = MakeMoney(300'000'00);
  up.set_payment_terms_days(15);
  up.set_reason("评级下调后收紧授信");
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &ur);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(ur.profile().credit_limit().minor_units(), 300'000'00);
  EXPECT_EQ(ur.profile().payment_terms_days(), 15);
  EXPECT_EQ(ur.profile().rating(), v1::CREDIT_RATING_B);
}

// Issue 15: a page of ListCreditHolds reads its profiles and their holds in
// two statements whatever its size. Every listed profile equals
// GetCreditProfile's, in oldest-hold order, whatever the page size, and each
// caller still sees only their scope.
TEST_F(CustomersCore, ListCreditHoldsPagesEqualTheirProfiles) {
  const int64_t c1 = MustRegister(Rep(kRepA, kEast), "上海华联超市", "13700000101");
  const int64_t c2 = MustRegister(Rep(kRepB, kEast), "杭州联华便利店", "13700000102");
  const int64_t c3 = MustRegister(Rep(kRepNorth, kNorth), "北京京客隆商贸", "13700000103");
  const int64_t c4 = MustRegister(Rep(kRepA, kEast), "南京苏果超市", "13700000104");
  const int64_t c5 = MustRegister(Rep(kRepC, kEast), "苏州美廉美便利店", "13700000105");
  auto hold = [&](const Principal& who, int64_t id, const std::string& reason) {
    v1::SetCreditHoldRequest req;
    req.set_request_id(Rid());
    req.set_customer_id(id);
    req.set_reason(reason);
    v1::SetCreditHoldResponse resp;
    grpc::Status st = stub_->SetCreditHold(As(who).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  };
  auto collections = [&](int64_t id, int64_t finance_hold, const std::string& reason) {
    finance::v1::CustomerHoldSetEvent e;
    e.set_credit_hold_id(finance_hold);
    e.set_customer_id(id);
    e.set_source(finance::v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
    e.set_reason(reason);
    e.add_collection_case_ids(finance_hold + 1000);
    ASSERT_TRUE(Feed(e, "CustomerHoldSetEvent", absl::StrCat("fin-", finance_hold), false).ok());
  };

  // c3 (North): investigated, then on hold from collections.
  v1::RecordCreditInvestigationRequest inv;
  inv.set_request_id(Rid());
  inv.set_customer_id(c3);
  *inv.mutable_investigation()->mutable_date() = D(2026, 2, 27);
  inv.mutable_investigation()->set_method(v1::CREDIT_INVESTIGATION_METHOD_INTERNAL);
  inv.mutable_investigation()->set_rating(v1::CREDIT_RATING_B);
  inv.mutable_investigation()->set_investigator("钱审计");
  inv.mutable_investigation()->set_findings("门店客流下降，近三个月回款偏慢");
  inv.set_etag(Profile(kFinance, c3).etag());
  v1::RecordCreditInvestigationResponse invr;
  grpc::Status st = stub_->RecordCreditInvestigation(As(kFinance).get(), inv, &invr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  clock_.Advance(absl::Minutes(1));
  collections(c3, 601, "第二次催款通知：发票INV-2026-000456逾期");
  clock_.Advance(absl::Minutes(1));
  hold(kManagerEast, c2, "客户经营异常，暂停赊销");
  // c4 is held and released: not listed.
  hold(kManagerEast, c4, "待核实收货地址");
  v1::ReleaseCreditHoldRequest rel;
  rel.set_request_id(Rid());
  rel.set_customer_id(c4);
  rel.set_reason("地址已核实");
  v1::ReleaseCreditHoldResponse relr;
  ASSERT_TRUE(stub_->ReleaseCreditHold(As(kManagerEast).get(), rel, &relr).ok());
  // c1: terms set, held by finance, then also by collections (the older
  // finance hold explains the state).
  v1::UpdateCreditProfileRequest up;
  up.set_request_id(Rid());
  up.set_customer_id(c1);
  *up.mutable_credit_limit() = MakeMoney(800'000'00);
  up.set_payment_terms_days(45);
  up.set_rating(v1::CREDIT_RATING_A);
  up.set_reason("年度授信评审");
  up.set_etag(Profile(kFinance, c1).etag());
  v1::UpdateCreditProfileResponse upr;
  st = stub_->UpdateCreditProfile(As(kFinance).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  clock_.Advance(absl::Minutes(1));
  hold(kFinance, c1, "财务冻结：账期内未回款");
  clock_.Advance(absl::Minutes(1));
  hold(kManagerEast, c5, "门店转让中，暂停发货");
  clock_.Advance(absl::Minutes(1));
  collections(c1, 602, "催收立案");

  // Every page as `who` sees it, `size` profiles at a time.
  auto list_all = [&](const Principal& who, int size, int* pages) {
    std::vector<v1::CreditProfile> out;
    v1::ListCreditHoldsRequest req;
    req.set_page_size(size);
    *pages = 0;
    do {
      v1::ListCreditHoldsResponse resp;
      grpc::Status s = stub_->ListCreditHolds(As(who).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      ++*pages;
      EXPECT_LE(resp.profiles_size(), size);
      out.insert(out.end(), resp.profiles().begin(), resp.profiles().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty() && *pages < 20);
    return out;
  };
  auto ids_of = [](const std::vector<v1::CreditProfile>& ps) {
    std::vector<int64_t> ids;
    for (const auto& p : ps) ids.push_back(p.customer_id());
    return ids;
  };
  auto expect_as_got = [&](const std::vector<v1::CreditProfile>& ps) {
    for (const auto& p : ps) {
      v1::CreditProfile got = Profile(kFinance, p.customer_id());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(p, got)) << "listed:\n"
                                                                              << p.DebugString() << "got:\n"
                                                                              << got.DebugString();
    }
  };

  int pages = 0;
  const std::vector<int64_t> oldest_first{c3, c2, c1, c5};
  auto whole = list_all(kFinance, 100, &pages);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(ids_of(whole), oldest_first);
  expect_as_got(whole);
  for (int size : {1, 3}) {
    auto paged = list_all(kFinance, size, &pages);
    EXPECT_EQ(pages, size == 1 ? 4 : 2) << "page size " << size;
    ASSERT_EQ(paged.size(), whole.size()) << "page size " << size;
    for (size_t i = 0; i < paged.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(paged[i], whole[i]))
          << "page size " << size << " row " << i;
    }
  }
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].hold().reason(), "第二次催款通知：发票INV-2026-000456逾期");
  EXPECT_EQ(whole[0].hold().collection_case_id(), 1601);
  EXPECT_EQ(whole[0].last_investigation_date().day(), 27);
  EXPECT_EQ(whole[0].rating(), v1::CREDIT_RATING_B);
  EXPECT_EQ(whole[1].hold().reason(), "客户经营异常，暂停赊销");
  EXPECT_EQ(whole[1].hold().set_by().user_id(), "mgr-east");
  EXPECT_EQ(whole[2].hold().source(), v1::CREDIT_HOLD_SOURCE_FINANCE);
  EXPECT_EQ(whole[2].hold().reason(), "财务冻结：账期内未回款");
  EXPECT_EQ(whole[2].credit_limit().minor_units(), 800'000'00);
  EXPECT_EQ(whole[2].payment_terms_days(), 45);
  EXPECT_EQ(whole[3].hold().reason(), "门店转让中，暂停发货");

  // Scope: East's manager sees East's customers, a rep their own.
  auto east = list_all(kManagerEast, 2, &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(ids_of(east), (std::vector<int64_t>{c2, c1, c5}));
  expect_as_got(east);
  auto own = list_all(Rep(kRepA, kEast), 1, &pages);
  EXPECT_EQ(ids_of(own), (std::vector<int64_t>{c1}));
  expect_as_got(own);
  EXPECT_TRUE(list_all(Rep(kRepB, kEast), 5, &pages).size() == 1u);
}

// Issue 15: a page of ListRotations reads its members and owed turns in two
// statements whatever its size. Every listed rotation equals GetRotation's
// (members in turn order, banked turns on the right rotation), by office id
// whatever the page size, and scoping is unchanged.
TEST_F(CustomersCore, ListRotationsPagesEqualTheirRotations) {
  constexpr int64_t kSouth = 4, kWest = 5;
  Unit(kSouth, kCompany, "SOUTH");
  Unit(kWest, kCompany, "WEST");
  RepIn(41, kSouth, "孙七");
  RepIn(42, kSouth, "周八");
  RepIn(51, kWest, "吴九");
  auto create = [&](int64_t office, std::vector<int64_t> reps) {
    v1::CreateRotationRequest req;
    req.set_request_id(Rid());
    req.mutable_rotation()->set_office_id(office);
    int pos = 0;
    for (int64_t r : reps) {
      auto* m = req.mutable_rotation()->add_members();
      m->set_rep_id(r);
      m->set_position(++pos * 10);
    }
    v1::CreateRotationResponse resp;
    grpc::Status st = stub_->CreateRotation(As(kDirector).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  };
  create(kWest, {51});
  create(kEast, {kRepA, kRepB, kRepC});
  create(kSouth, {41, 42});
  create(kNorth, {kRepNorth});
  // A rep away on company business banks the turn: an owed turn in East
  // (rep B) and one in South (rep 42).
  auto away = [&](int64_t rep, int64_t office) {
    v1::RecordRepAbsenceRequest req;
    req.set_request_id(Rid());
    auto* a = req.mutable_absence();
    a->set_rep_id(rep);
    a->set_office_id(office);
    a->set_kind(v1::ABSENCE_KIND_COMPANY);
    *a->mutable_start_time() = ToTimestamp(clock_.Now() - absl::Hours(1));
    a->set_reason("拜访经销商");
    v1::RecordRepAbsenceResponse resp;
    grpc::Status st = stub_->RecordRepAbsence(As(kDirector).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  };
  int leads = 0;
  auto lead = [&](int64_t office) {
    const Principal reception{absl::StrCat("recep-", office), "RECEPTIONIST", 0, office};
    v1::RegisterLeadRequest req;
    req.set_request_id(Rid());
    req.set_office_id(office);
    req.set_channel(v1::LEAD_CHANNEL_WALK_IN);
    ++leads;
    auto* c = req.mutable_customer();
    c->set_name(absl::StrCat("来访客户", leads));
    c->set_type(v1::CUSTOMER_TYPE_END_CUSTOMER);
    c->set_phone(absl::StrCat("1380013", 1000 + leads));
    c->set_region("EAST");
    c->set_city("上海");
    v1::RegisterLeadResponse resp;
    grpc::Status st = stub_->RegisterLead(As(reception).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.lead();
  };
  away(kRepB, kEast);
  away(42, kSouth);
  EXPECT_EQ(lead(kEast).assigned_rep_id(), kRepA);
  EXPECT_EQ(lead(kEast).assigned_rep_id(), kRepC);  // B banks the turn
  EXPECT_EQ(lead(kSouth).assigned_rep_id(), 41);
  EXPECT_EQ(lead(kSouth).assigned_rep_id(), 41);  // 42 banks the turn

  auto get = [&](int64_t office) {
    v1::GetRotationRequest req;
    req.set_office_id(office);
    v1::GetRotationResponse resp;
    grpc::Status st = stub_->GetRotation(As(kDirector).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rotation();
  };
  // Every page as `who` sees it, `size` rotations at a time.
  auto list_all = [&](const Principal& who, int size, int* pages) {
    std::vector<v1::Rotation> out;
    v1::ListRotationsRequest req;
    req.set_page_size(size);
    *pages = 0;
    do {
      v1::ListRotationsResponse resp;
      grpc::Status s = stub_->ListRotations(As(who).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      ++*pages;
      EXPECT_LE(resp.rotations_size(), size);
      out.insert(out.end(), resp.rotations().begin(), resp.rotations().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty() && *pages < 20);
    return out;
  };
  auto offices_of = [](const std::vector<v1::Rotation>& rs) {
    std::vector<int64_t> ids;
    for (const auto& r : rs) ids.push_back(r.office_id());
    return ids;
  };
  auto expect_as_got = [&](const std::vector<v1::Rotation>& rs) {
    for (const auto& r : rs) {
      v1::Rotation got = get(r.office_id());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(r, got)) << "listed:\n"
                                                                              << r.DebugString() << "got:\n"
                                                                              << got.DebugString();
    }
  };

  int pages = 0;
  auto whole = list_all(kDirector, 50, &pages);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(offices_of(whole), (std::vector<int64_t>{kEast, kNorth, kSouth, kWest}));
  expect_as_got(whole);
  for (int size : {1, 3}) {
    auto paged = list_all(kDirector, size, &pages);
    EXPECT_EQ(pages, size == 1 ? 4 : 2) << "page size " << size;
    ASSERT_EQ(paged.size(), whole.size()) << "page size " << size;
    for (size_t i = 0; i < paged.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(paged[i], whole[i]))
          << "page size " << size << " row " << i;
    }
  }
  ASSERT_EQ(whole.size(), 4u);
  const v1::Rotation& east = whole[0];
  ASSERT_EQ(east.members_size(), 3);
  EXPECT_EQ(east.members(0).rep_id(), kRepA);
  EXPECT_EQ(east.members(1).rep_id(), kRepB);
  EXPECT_EQ(east.members(1).banked_turns(), 1);
  EXPECT_EQ(east.members(2).rep_id(), kRepC);
  EXPECT_EQ(east.members(2).position(), 30);
  const v1::Rotation& south = whole[2];
  ASSERT_EQ(south.members_size(), 2);
  EXPECT_EQ(south.members(0).banked_turns(), 0);
  EXPECT_EQ(south.members(1).rep_id(), 42);
  EXPECT_EQ(south.members(1).banked_turns(), 1);
  EXPECT_EQ(whole[1].members_size(), 1);
  EXPECT_EQ(whole[3].members(0).rep_id(), 51);

  // Scope: East's manager lists East's rotation, a rep the ones they take
  // turns in.
  auto east_only = list_all(kManagerEast, 1, &pages);
  EXPECT_EQ(offices_of(east_only), (std::vector<int64_t>{kEast}));
  expect_as_got(east_only);
  auto mine = list_all(Rep(42, kSouth), 1, &pages);
  EXPECT_EQ(offices_of(mine), (std::vector<int64_t>{kSouth}));
  expect_as_got(mine);
}

}  // namespace
}  // namespace sales
