// customers-svc's engagement side over gRPC against MariaDB: the duty
// rotation under concurrent reception leads, absences (personal loses the
// turn, company business banks it), the make-up turn after an approved
// market survey (once), visits due and overdue as of a date with the
// manager's compliance report, complaints escalated and scoped by role, and
// the settings. Callers are signed principals (principal_hmac_secret).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/store/complaint_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace v1 = ::sales::customers::v1;
namespace tv1 = ::sales::targets::v1;

constexpr char kSecret[] = "engagement-test-secret";
constexpr int64_t kCompany = 1, kBranch = 2, kOffice = 10, kTeam = 11, kOtherOffice = 20;
constexpr int64_t A = 101, B = 102, C = 103, D = 104, E = 105;

common::v1::Date Day(int y, int m, int d) { return FromCivilDay(absl::CivilDay(y, m, d)); }

class Engagement : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("cust_engagement");
    app_ = StartService(customers::MakeServiceDefinition(), db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::CustomersService::NewStub(Loopback(app_->port()));
    // The org copy as targets' feed would leave it: company → branch →
    // office 10 (team 11 with reps A..D) and office 20 (rep E).
    Unit(kCompany, tv1::ORG_UNIT_KIND_COMPANY, 0);
    Unit(kBranch, tv1::ORG_UNIT_KIND_BRANCH, kCompany);
    Unit(kOffice, tv1::ORG_UNIT_KIND_OFFICE, kBranch);
    Unit(kTeam, tv1::ORG_UNIT_KIND_TEAM, kOffice);
    Unit(kOtherOffice, tv1::ORG_UNIT_KIND_OFFICE, kBranch);
    for (int64_t r : {A, B, C, D}) Rep(r, kTeam);
    Rep(E, kOtherOffice);
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  void ApplyOrg(const google::protobuf::Message& payload, const std::string& type) {
    common::v1::Event e;
    e.set_event_id(absl::StrCat("org-", ++org_events_));
    e.set_event_type(type);
    e.mutable_payload()->PackFrom(payload);
    ASSERT_TRUE(
        app_->pool()->Transact([&](db::Transaction& tx) { return OrgReplica::Apply(tx, e, clock_.Now()); }).ok());
  }
  void Unit(int64_t id, tv1::OrgUnitKind kind, int64_t parent) {
    tv1::OrgUnitCreatedEvent e;
    e.mutable_org_unit()->set_id(id);
    e.mutable_org_unit()->set_code(absl::StrCat("U", id));
    e.mutable_org_unit()->set_kind(kind);
    e.mutable_org_unit()->set_parent_id(parent);
    ApplyOrg(e, "OrgUnitCreatedEvent");
  }
  void Rep(int64_t id, int64_t unit) {
    tv1::RepCreatedEvent e;
    e.mutable_rep()->set_id(id);
    e.mutable_rep()->set_name(absl::StrCat("rep", id));
    e.mutable_rep()->set_org_unit_id(unit);
    e.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
    ApplyOrg(e, "RepCreatedEvent");
  }

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret); }
  std::string Rid() { return absl::StrCat("rid-", ++rid_); }
  static Principal RepP(int64_t rep, int64_t unit = kTeam) { return {absl::StrCat("u", rep), "SALES_REP", rep, unit}; }

  void CreateRotation(std::vector<int64_t> reps, int64_t office = kOffice) {
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
    grpc::Status st = stub_->CreateRotation(As(manager_).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  v1::RegisterLeadRequest LeadReq(int n) {
    v1::RegisterLeadRequest req;
    req.set_request_id(Rid());
    req.set_office_id(kOffice);
    req.set_channel(n % 2 == 0 ? v1::LEAD_CHANNEL_WALK_IN : v1::LEAD_CHANNEL_HOTLINE);
    auto* c = req.mutable_customer();
    c->set_name(absl::StrCat("来访客户", n));
    c->set_type(v1::CUSTOMER_TYPE_END_CUSTOMER);
    c->set_phone(absl::StrCat("1380013", 1000 + n));
    c->set_region("EAST");
    c->set_city("上海");
    return req;
  }
  v1::Lead Lead(int n) {
    v1::RegisterLeadResponse resp;
    grpc::Status st = stub_->RegisterLead(As(receptionist_).get(), LeadReq(n), &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.lead();
  }
  v1::Rotation Rotation() {
    v1::GetRotationRequest req;
    req.set_office_id(kOffice);
    v1::GetRotationResponse resp;
    grpc::Status st = stub_->GetRotation(As(manager_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rotation();
  }
  v1::RepAbsence Absence(int64_t rep, v1::AbsenceKind kind) {
    v1::RecordRepAbsenceRequest req;
    req.set_request_id(Rid());
    auto* a = req.mutable_absence();
    a->set_rep_id(rep);
    a->set_office_id(kOffice);
    a->set_kind(kind);
    *a->mutable_start_time() = ToTimestamp(clock_.Now() - absl::Hours(1));
    a->set_reason(kind == v1::ABSENCE_KIND_PERSONAL ? "看病" : "拜访经销商");
    v1::RecordRepAbsenceResponse resp;
    grpc::Status st = stub_->RecordRepAbsence(As(receptionist_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.absence();
  }
  int64_t Customer(int64_t rep, v1::CustomerType type, const std::string& name, const std::string& phone) {
    v1::RegisterCustomerRequest req;
    req.set_request_id(Rid());
    auto* c = req.mutable_customer();
    c->set_name(name);
    c->set_type(type);
    c->set_phone(phone);
    c->set_region("EAST");
    c->set_city("上海");
    v1::RegisterCustomerResponse resp;
    grpc::Status st = stub_->RegisterCustomer(As(RepP(rep, rep == E ? kOtherOffice : kTeam)).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.customer().id();
  }
  // Follow-ups are the core side's; until its RecordFollowUp is served the
  // test writes the visit rows the way it stores them.
  void Visit(int64_t customer, int64_t rep, absl::CivilDay day, const std::string& note = "") {
    ASSERT_TRUE(app_->pool()
                    ->Transact([&](db::Transaction& tx) {
                      return tx
                          .Exec(
                              "INSERT INTO follow_ups (customer_id, rep_id, org_unit_id, date, channel, content, "
                              "intent_level, market_note, created_at) "
                              "VALUES (?, ?, ?, ?, 'VISIT', 'visit', 'MEDIUM', ?, ?)",
                              {customer, rep, kTeam, FormatDbDate(FromCivilDay(day)), note, FormatDbTime(clock_.Now())})
                          .status();
                    })
                    .ok());
  }

  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 3, 2, 2, 0, 0), absl::UTCTimeZone())};  // 10:00 in Shanghai
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::CustomersService::Stub> stub_;
  int rid_ = 0;
  int org_events_ = 0;
  Principal receptionist_{"recep", "RECEPTIONIST", 0, kOffice};
  Principal manager_{"mgr", "SALES_MANAGER", 0, kOffice};
  Principal other_manager_{"mgr2", "SALES_MANAGER", 0, kOtherOffice};
  Principal director_{"dir", "SALES_DIRECTOR", 0, kCompany};
};

TEST_F(Engagement, ConcurrentLeadsTakeTurnsNoneTwice) {
  CreateRotation({A, B, C, D});
  constexpr int kLeads = 12;  // three rounds of four
  std::vector<v1::RegisterLeadRequest> reqs;
  for (int i = 0; i < kLeads; ++i) reqs.push_back(LeadReq(i));
  std::vector<v1::RegisterLeadResponse> resps(kLeads);
  std::vector<grpc::Status> statuses(kLeads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kLeads; ++i) {
    threads.emplace_back([&, i] { statuses[i] = stub_->RegisterLead(As(receptionist_).get(), reqs[i], &resps[i]); });
  }
  for (auto& t : threads) t.join();
  std::map<int64_t, int> turns;
  std::vector<std::pair<int64_t, int64_t>> by_lead;  // lead id → rep
  for (int i = 0; i < kLeads; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(resps[i].lead().outcome(), v1::LEAD_OUTCOME_ASSIGNED_BY_ROTATION);
    // The customer is registered for the rep whose turn it was.
    EXPECT_NE(resps[i].customer().id(), 0);
    EXPECT_EQ(resps[i].customer().owner_rep_id(), resps[i].lead().assigned_rep_id());
    EXPECT_EQ(resps[i].lead().customer_id(), resps[i].customer().id());
    ++turns[resps[i].lead().assigned_rep_id()];
    by_lead.push_back({resps[i].lead().id(), resps[i].lead().assigned_rep_id()});
  }
  // Each member got its turn exactly three times...
  EXPECT_EQ(turns, (std::map<int64_t, int>{{A, 3}, {B, 3}, {C, 3}, {D, 3}}));
  // ...and in commit order (lead ids) the turns follow the rotation.
  std::sort(by_lead.begin(), by_lead.end());
  const int64_t order[] = {A, B, C, D};
  for (int i = 0; i < kLeads; ++i) EXPECT_EQ(by_lead[i].second, order[i % 4]) << "lead " << i;
  EXPECT_EQ(Rotation().next_rep_id(), A);

  // A retry of the same request returns the first answer and uses no turn.
  v1::RegisterLeadResponse again;
  ASSERT_TRUE(stub_->RegisterLead(As(receptionist_).get(), reqs[0], &again).ok());
  EXPECT_EQ(again.lead().id(), resps[0].lead().id());
  EXPECT_EQ(Rotation().next_rep_id(), A);

  // Only reception registers leads; bad input is refused with every field named.
  v1::RegisterLeadResponse r;
  EXPECT_EQ(stub_->RegisterLead(As(RepP(A)).get(), LeadReq(99), &r).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto bad = LeadReq(98);
  bad.mutable_customer()->set_phone("12");
  bad.mutable_customer()->clear_city();
  bad.set_channel(v1::LEAD_CHANNEL_UNSPECIFIED);
  grpc::Status st = stub_->RegisterLead(As(receptionist_).get(), bad, &r);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& f : FieldViolationsOf(FromGrpcStatus(st))) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"channel", "customer.phone", "customer.city"}));
  auto big = LeadReq(97);
  big.set_party_size(6);
  EXPECT_EQ(stub_->RegisterLead(As(receptionist_).get(), big, &r).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Rotation().next_rep_id(), A);  // nothing consumed by refusals

  v1::ListLeadsRequest list;
  list.set_page_size(5);
  v1::ListLeadsResponse page;
  ASSERT_TRUE(stub_->ListLeads(As(manager_).get(), list, &page).ok());
  EXPECT_EQ(page.leads_size(), 5);
  EXPECT_FALSE(page.next_page_token().empty());
  list.set_rep_id(B);
  list.set_page_size(100);
  ASSERT_TRUE(stub_->ListLeads(As(RepP(B)).get(), list, &page).ok());
  EXPECT_EQ(page.leads_size(), 3);
}

TEST_F(Engagement, KnownCustomersGoToTheirOwnerAndRulingsMoveTheCustomer) {
  CreateRotation({A, B});
  int64_t existing = Customer(C, v1::CUSTOMER_TYPE_OUTLET_B, "老客户便利店", "13900000021");
  // The visitor has dealt with C before: routed to C, no turn used.
  auto known = LeadReq(1);
  known.mutable_customer()->set_phone("139-0000-0021");
  v1::RegisterLeadResponse routed;
  ASSERT_TRUE(stub_->RegisterLead(As(receptionist_).get(), known, &routed).ok());
  EXPECT_EQ(routed.lead().outcome(), v1::LEAD_OUTCOME_ROUTED_TO_OWNER);
  EXPECT_EQ(routed.lead().assigned_rep_id(), C);
  EXPECT_EQ(routed.lead().customer_id(), existing);
  EXPECT_TRUE(routed.customer().masked());  // reception sees name and city only
  EXPECT_TRUE(routed.customer().phone().empty());
  EXPECT_EQ(Rotation().next_rep_id(), A);

  v1::Lead lead = Lead(2);
  ASSERT_EQ(lead.assigned_rep_id(), A);
  v1::GetCustomerRequest get;
  get.set_id(lead.customer_id());
  v1::GetCustomerResponse customer;
  ASSERT_TRUE(stub_->GetCustomer(As(RepP(A)).get(), get, &customer).ok());
  EXPECT_EQ(customer.customer().owner_rep_id(), A);
  EXPECT_EQ(customer.customer().lead_id(), lead.id());

  // The manager rules the lead to B and gives A the turn back.
  v1::ReassignLeadRequest ruling;
  ruling.set_request_id(Rid());
  ruling.set_lead_id(lead.id());
  ruling.set_to_rep_id(B);
  ruling.set_reason("客户指定由B接待");
  ruling.set_restore_turn(true);
  ruling.set_etag(lead.etag());
  v1::ReassignLeadResponse ruled;
  EXPECT_EQ(stub_->ReassignLead(As(receptionist_).get(), ruling, &ruled).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ruling.set_request_id(Rid());
  ruling.set_to_rep_id(E);  // not in this rotation
  EXPECT_EQ(stub_->ReassignLead(As(manager_).get(), ruling, &ruled).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ruling.set_request_id(Rid());
  ruling.set_to_rep_id(B);
  ASSERT_TRUE(stub_->ReassignLead(As(manager_).get(), ruling, &ruled).ok());
  EXPECT_EQ(ruled.lead().outcome(), v1::LEAD_OUTCOME_REASSIGNED);
  EXPECT_EQ(ruled.lead().assigned_rep_id(), B);
  EXPECT_EQ(ruled.customer().owner_rep_id(), B);
  ASSERT_TRUE(stub_->GetCustomer(As(RepP(B)).get(), get, &customer).ok());
  EXPECT_EQ(customer.customer().owner_rep_id(), B);
  EXPECT_EQ(Rotation().members(0).make_up_turns(), 1);
  // A reassigned lead is no rotation turn of B's to report as a survey.
  v1::ReportMarketSurveyRequest report;
  report.set_request_id(Rid());
  report.set_lead_id(lead.id());
  report.set_reason("只是问价");
  v1::ReportMarketSurveyResponse filed;
  EXPECT_EQ(stub_->ReportMarketSurvey(As(RepP(B)).get(), report, &filed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(Engagement, PersonalBusinessLosesTheTurnCompanyBusinessKeepsIt) {
  CreateRotation({A, B, C});
  v1::RepAbsence personal = Absence(B, v1::ABSENCE_KIND_PERSONAL);
  v1::RepAbsence company = Absence(C, v1::ABSENCE_KIND_COMPANY);
  // An overlapping second absence of C is refused.
  {
    v1::RecordRepAbsenceRequest req;
    req.set_request_id(Rid());
    *req.mutable_absence() = company;
    req.mutable_absence()->clear_id();
    v1::RecordRepAbsenceResponse resp;
    EXPECT_EQ(stub_->RecordRepAbsence(As(receptionist_).get(), req, &resp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }

  // Lead 1: A (cursor). Lead 2: B is away on personal business → loses the
  // turn; C away on company business → banks it; the round comes back to A.
  EXPECT_EQ(Lead(1).assigned_rep_id(), A);
  v1::Lead l2 = Lead(2);
  EXPECT_EQ(l2.assigned_rep_id(), A);
  ASSERT_EQ(l2.skipped_size(), 2);
  EXPECT_EQ(l2.skipped(0).rep_id(), B);
  EXPECT_FALSE(l2.skipped(0).banked());
  EXPECT_EQ(l2.skipped(1).rep_id(), C);
  EXPECT_TRUE(l2.skipped(1).banked());
  v1::Rotation rot = Rotation();
  EXPECT_EQ(rot.members(1).banked_turns(), 0);  // B: lost
  EXPECT_EQ(rot.members(2).banked_turns(), 1);  // C: kept for later

  // Both come back an hour later.
  clock_.Advance(absl::Hours(1));
  for (const auto& a : {personal, company}) {
    v1::EndRepAbsenceRequest req;
    req.set_request_id(Rid());
    req.set_absence_id(a.id());
    req.set_etag(a.etag());
    v1::EndRepAbsenceResponse resp;
    grpc::Status st = stub_->EndRepAbsence(As(RepP(a.rep_id())).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_TRUE(resp.absence().has_end_time());
    // Ending it again is refused.
    req.set_request_id(Rid());
    req.set_etag(resp.absence().etag());
    EXPECT_EQ(stub_->EndRepAbsence(As(RepP(a.rep_id())).get(), req, &resp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  // The preview shows C's banked turn first, without using it.
  v1::PreviewNextTurnRequest preview;
  preview.set_office_id(kOffice);
  v1::PreviewNextTurnResponse next;
  ASSERT_TRUE(stub_->PreviewNextTurn(As(receptionist_).get(), preview, &next).ok());
  EXPECT_EQ(next.rep_id(), C);
  EXPECT_EQ(next.outcome(), v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN);

  v1::Lead l3 = Lead(3);
  EXPECT_EQ(l3.assigned_rep_id(), C);
  EXPECT_EQ(l3.outcome(), v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN);
  // Then the regular order resumes at B (after A), then C, then A.
  EXPECT_EQ(Lead(4).assigned_rep_id(), B);
  EXPECT_EQ(Lead(5).assigned_rep_id(), C);
  EXPECT_EQ(Lead(6).assigned_rep_id(), A);

  v1::ListRepAbsencesRequest list;
  list.set_rep_id(C);
  v1::ListRepAbsencesResponse absences;
  ASSERT_TRUE(stub_->ListRepAbsences(As(manager_).get(), list, &absences).ok());
  EXPECT_EQ(absences.absences_size(), 1);
  // Another office's manager sees none of them.
  ASSERT_TRUE(stub_->ListRepAbsences(As(other_manager_).get(), list, &absences).ok());
  EXPECT_EQ(absences.absences_size(), 0);
}

TEST_F(Engagement, ApprovedMarketSurveyGivesOneMakeUpTurn) {
  CreateRotation({A, B});
  v1::Lead first = Lead(1);
  ASSERT_EQ(first.assigned_rep_id(), A);

  v1::ReportMarketSurveyRequest report;
  report.set_request_id(Rid());
  report.set_lead_id(first.id());
  report.set_reason("客户与业务员一起向前台证明只是做市场调查");
  v1::ReportMarketSurveyResponse filed;
  // Only the rep who received the lead may report it.
  EXPECT_EQ(stub_->ReportMarketSurvey(As(RepP(B)).get(), report, &filed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  report.set_request_id(Rid());
  ASSERT_TRUE(stub_->ReportMarketSurvey(As(RepP(A)).get(), report, &filed).ok());
  EXPECT_EQ(filed.report().status(), v1::MARKET_SURVEY_REPORT_STATUS_PENDING);
  report.set_request_id(Rid());
  EXPECT_EQ(stub_->ReportMarketSurvey(As(RepP(A)).get(), report, &filed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // one report per lead

  v1::ApproveMarketSurveyReportRequest approve;
  approve.set_request_id(Rid());
  approve.set_report_id(filed.report().id());
  approve.set_etag(filed.report().etag());
  v1::ApproveMarketSurveyReportResponse approved;
  EXPECT_EQ(stub_->ApproveMarketSurveyReport(As(receptionist_).get(), approve, &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ApproveMarketSurveyReport(As(other_manager_).get(), approve, &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ApproveMarketSurveyReport(As(manager_).get(), approve, &approved).ok());
  EXPECT_EQ(approved.report().status(), v1::MARKET_SURVEY_REPORT_STATUS_APPROVED);
  EXPECT_EQ(approved.rotation().members(0).make_up_turns(), 1);
  // Approving again is refused: the turn is granted once.
  approve.set_request_id(Rid());
  approve.set_etag(approved.report().etag());
  EXPECT_EQ(stub_->ApproveMarketSurveyReport(As(manager_).get(), approve, &approved).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // B's regular turn was next, but the make-up turn is served first: A, then B, then A.
  v1::Lead makeup = Lead(2);
  EXPECT_EQ(makeup.assigned_rep_id(), A);
  EXPECT_EQ(makeup.outcome(), v1::LEAD_OUTCOME_ASSIGNED_BY_MAKE_UP_TURN);
  EXPECT_EQ(Lead(3).assigned_rep_id(), B);
  EXPECT_EQ(Lead(4).assigned_rep_id(), A);
  EXPECT_EQ(Rotation().members(0).make_up_turns(), 0);

  v1::GetLeadRequest get;
  get.set_id(first.id());
  v1::GetLeadResponse lead;
  ASSERT_TRUE(stub_->GetLead(As(RepP(A)).get(), get, &lead).ok());
  EXPECT_EQ(lead.lead().outcome(), v1::LEAD_OUTCOME_MARKET_SURVEY);
  EXPECT_EQ(stub_->GetLead(As(RepP(B)).get(), get, &lead).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Reception logs calls; the day's counts add up.
  v1::LogReceptionCallRequest call;
  call.set_request_id(Rid());
  call.mutable_call()->set_office_id(kOffice);
  call.mutable_call()->set_kind(v1::CALL_KIND_NEW_CUSTOMER);
  *call.mutable_call()->mutable_call_time() = ToTimestamp(clock_.Now() - absl::Minutes(5));
  v1::LogReceptionCallResponse logged;
  ASSERT_TRUE(stub_->LogReceptionCall(As(receptionist_).get(), call, &logged).ok());
  call.set_request_id(Rid());
  *call.mutable_call()->mutable_call_time() = ToTimestamp(clock_.Now() + absl::Hours(1));
  EXPECT_EQ(stub_->LogReceptionCall(As(receptionist_).get(), call, &logged).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetReceptionReportRequest rr;
  *rr.mutable_dates()->mutable_start() = Day(2026, 3, 1);
  *rr.mutable_dates()->mutable_end() = Day(2026, 3, 2);
  rr.set_office_id(kOffice);
  v1::GetReceptionReportResponse counts;
  ASSERT_TRUE(stub_->GetReceptionReport(As(receptionist_).get(), rr, &counts).ok());
  ASSERT_EQ(counts.days_size(), 2);
  EXPECT_EQ(counts.days(0).walk_in_leads() + counts.days(0).hotline_leads(), 0);
  EXPECT_EQ(counts.days(1).walk_in_leads(), 2);  // leads 2 and 4 (even numbers walk in)
  EXPECT_EQ(counts.days(1).hotline_leads(), 2);
  EXPECT_EQ(counts.days(1).calls(), 1);
  EXPECT_EQ(counts.days(1).market_surveys(), 1);
  ASSERT_EQ(counts.office_totals_size(), 1);
  EXPECT_EQ(counts.office_totals(0).calls(), 1);
}

TEST_F(Engagement, VisitsDueAndOverdueAsOfADate) {
  // Registered on Mar 2 (the clock) by A: a KA outlet (weekly), a class-B
  // outlet (monthly), a wholesaler (every 60 days), an end customer (none).
  int64_t ka = Customer(A, v1::CUSTOMER_TYPE_OUTLET_KA, "华联超市", "13900000001");
  int64_t b = Customer(A, v1::CUSTOMER_TYPE_OUTLET_B, "街角便利店", "13900000002");
  Customer(A, v1::CUSTOMER_TYPE_WHOLESALER, "城北批发部", "13900000003");
  Customer(A, v1::CUSTOMER_TYPE_END_CUSTOMER, "张先生", "13900000004");
  ASSERT_NE(ka, 0);
  Visit(ka, A, absl::CivilDay(2026, 3, 2));
  Visit(ka, A, absl::CivilDay(2026, 3, 9), "对手降价5%");

  auto due = [&](absl::CivilDay as_of, bool overdue_only = false) {
    v1::ListVisitsDueRequest req;
    *req.mutable_as_of() = FromCivilDay(as_of);
    req.set_overdue_only(overdue_only);
    v1::ListVisitsDueResponse resp;
    grpc::Status st = stub_->ListVisitsDue(As(RepP(A)).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  };
  // As of Mar 12: KA last visited Mar 9 → due Mar 16, within the 7-day look-ahead.
  auto r1 = due(absl::CivilDay(2026, 3, 12));
  ASSERT_EQ(r1.visits_size(), 1);
  EXPECT_EQ(r1.visits(0).customer_id(), ka);
  EXPECT_EQ(r1.visits(0).status(), v1::VISIT_DUE_STATUS_DUE);
  EXPECT_EQ(ToCivilDay(r1.visits(0).due_date()), absl::CivilDay(2026, 3, 16));
  // As of Mar 28: KA 12 days overdue; B never visited, due Apr 1 (Mar 2 + 30).
  auto r2 = due(absl::CivilDay(2026, 3, 28));
  EXPECT_EQ(r2.overdue_count(), 1);
  EXPECT_EQ(r2.due_count(), 1);
  ASSERT_EQ(r2.visits_size(), 2);
  EXPECT_EQ(r2.visits(0).customer_id(), ka);  // most overdue first
  EXPECT_EQ(r2.visits(0).days_overdue(), 12);
  EXPECT_EQ(r2.visits(1).customer_id(), b);
  EXPECT_EQ(r2.visits(1).status(), v1::VISIT_DUE_STATUS_NEVER_VISITED);
  EXPECT_EQ(due(absl::CivilDay(2026, 3, 28), true).visits_size(), 1);
  // As of Mar 5 the visit of Mar 9 has not happened yet: due Mar 9 counts from Mar 2.
  auto r0 = due(absl::CivilDay(2026, 3, 5));
  ASSERT_EQ(r0.visits_size(), 1);
  EXPECT_EQ(ToCivilDay(r0.visits(0).due_date()), absl::CivilDay(2026, 3, 9));

  // Scope: B may not read A's list; A's manager may, by unit.
  v1::ListVisitsDueRequest other;
  *other.mutable_as_of() = Day(2026, 3, 28);
  other.set_rep_id(A);
  v1::ListVisitsDueResponse resp;
  EXPECT_EQ(stub_->ListVisitsDue(As(RepP(B)).get(), other, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  other.set_rep_id(0);
  other.set_org_unit_id(kOffice);
  ASSERT_TRUE(stub_->ListVisitsDue(As(manager_).get(), other, &resp).ok());
  EXPECT_EQ(resp.overdue_count() + resp.due_count(), 2);
  EXPECT_EQ(stub_->ListVisitsDue(As(other_manager_).get(), other, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // March compliance, read in April: KA needs floor(30/7) = 4 visits from
  // Mar 2, made 2; B needs 1, made 0; the wholesaler needs none this month.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 4, 2, 2, 0, 0), absl::UTCTimeZone()));
  v1::GetVisitComplianceReportRequest creq;
  creq.mutable_period()->set_kind(common::v1::PERIOD_KIND_MONTH);
  *creq.mutable_period()->mutable_start() = Day(2026, 3, 1);
  creq.set_org_unit_id(kOffice);
  v1::GetVisitComplianceReportResponse compliance;
  EXPECT_EQ(stub_->GetVisitComplianceReport(As(RepP(A)).get(), creq, &compliance).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->GetVisitComplianceReport(As(manager_).get(), creq, &compliance).ok());
  EXPECT_EQ(compliance.total().visits_required(), 5);
  EXPECT_EQ(compliance.total().visits_made(), 2);
  EXPECT_EQ(compliance.total().compliance_bp(), 4000);
  EXPECT_EQ(compliance.total().customers_in_plan(), 3);
  EXPECT_EQ(compliance.total().overdue_customers(), 1);  // KA (due Mar 16); B is due Apr 1
  ASSERT_EQ(compliance.rows_size(), 4);                  // A..D, lowest compliance first
  EXPECT_EQ(compliance.rows(0).rep_id(), A);

  v1::GetRepActivityReportRequest areq;
  *areq.mutable_period() = creq.period();
  v1::GetRepActivityReportResponse activity;
  ASSERT_TRUE(stub_->GetRepActivityReport(As(RepP(A)).get(), areq, &activity).ok());
  ASSERT_EQ(activity.rows_size(), 1);
  EXPECT_EQ(activity.rows(0).visits(), 2);
  EXPECT_EQ(activity.rows(0).customers_followed_up(), 1);
  EXPECT_EQ(activity.rows(0).new_customers(), 4);
  EXPECT_EQ(activity.rows(0).visit_compliance_bp(), 4000);

  v1::GetMarketNotesReportRequest nreq;
  *nreq.mutable_period() = creq.period();
  v1::GetMarketNotesReportResponse notes;
  ASSERT_TRUE(stub_->GetMarketNotesReport(As(manager_).get(), nreq, &notes).ok());
  ASSERT_EQ(notes.rows_size(), 1);
  EXPECT_EQ(notes.rows(0).note(), "对手降价5%");

  v1::GetCustomerBaseReportRequest breq;
  *breq.mutable_period() = creq.period();
  breq.set_grouping(v1::CUSTOMER_GROUPING_BY_TYPE);
  v1::GetCustomerBaseReportResponse base;
  ASSERT_TRUE(stub_->GetCustomerBaseReport(As(director_).get(), breq, &base).ok());
  EXPECT_EQ(base.rows_size(), 4);
  EXPECT_EQ(base.total().prospects(), 4);
  EXPECT_EQ(base.total().registered_in_period(), 4);
}

TEST_F(Engagement, ComplaintsEscalateAndStayInScope) {
  int64_t mine = Customer(A, v1::CUSTOMER_TYPE_OUTLET_A, "华联超市", "13900000011");
  int64_t theirs = Customer(E, v1::CUSTOMER_TYPE_OUTLET_A, "天津超市", "13900000012");
  auto record = [&](const Principal& who, int64_t customer, v1::ComplaintSeverity sev, v1::Complaint* out) {
    v1::RecordComplaintRequest req;
    req.set_request_id(Rid());
    auto* c = req.mutable_complaint();
    c->set_customer_id(customer);
    *c->mutable_received_date() = Day(2026, 3, 2);
    c->set_category(v1::COMPLAINT_CATEGORY_DELIVERY);
    c->set_severity(sev);
    c->set_subject("送货晚了三天");
    c->set_description("客户说送货晚了三天, 影响周末促销");
    v1::RecordComplaintResponse resp;
    grpc::Status st = stub_->RecordComplaint(As(who).get(), req, &resp);
    if (out != nullptr) *out = resp.complaint();
    return st.error_code();
  };
  v1::Complaint minor, serious;
  ASSERT_EQ(record(RepP(A), mine, v1::COMPLAINT_SEVERITY_MINOR, &minor), grpc::StatusCode::OK);
  EXPECT_EQ(minor.status(), v1::COMPLAINT_STATUS_OPEN);
  EXPECT_EQ(minor.owner_rep_id(), A);
  EXPECT_EQ(minor.org_unit_id(), kTeam);
  ASSERT_EQ(record(RepP(A), mine, v1::COMPLAINT_SEVERITY_SERIOUS, &serious), grpc::StatusCode::OK);
  EXPECT_EQ(serious.status(), v1::COMPLAINT_STATUS_ESCALATED);
  EXPECT_TRUE(serious.escalated());
  EXPECT_EQ(record(RepP(A), theirs, v1::COMPLAINT_SEVERITY_MINOR, nullptr), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(record(RepP(A), 999999, v1::COMPLAINT_SEVERITY_MINOR, nullptr), grpc::StatusCode::NOT_FOUND);

  // Bad input: every field named, nothing recorded.
  v1::RecordComplaintRequest bad;
  bad.set_request_id(Rid());
  bad.mutable_complaint()->set_customer_id(mine);
  *bad.mutable_complaint()->mutable_received_date() = Day(2026, 3, 3);  // tomorrow in Shanghai
  bad.mutable_complaint()->set_severity(v1::COMPLAINT_SEVERITY_MINOR);
  bad.mutable_complaint()->set_category(v1::COMPLAINT_CATEGORY_OTHER);
  bad.mutable_complaint()->set_description("x");
  v1::RecordComplaintResponse bad_resp;
  grpc::Status st = stub_->RecordComplaint(As(RepP(A)).get(), bad, &bad_resp);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& f : FieldViolationsOf(FromGrpcStatus(st))) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"complaint.received_date", "complaint.subject"}));

  auto list = [&](const Principal& who, bool open_only = false) {
    v1::ListComplaintsRequest req;
    req.set_open_only(open_only);
    req.set_customer_id(mine);
    v1::ListComplaintsResponse resp;
    EXPECT_TRUE(stub_->ListComplaints(As(who).get(), req, &resp).ok());
    return resp.complaints_size();
  };
  EXPECT_EQ(list(RepP(A)), 2);   // the owner
  EXPECT_EQ(list(manager_), 2);  // the owner's manager
  EXPECT_EQ(list(director_), 2);
  EXPECT_EQ(list(RepP(B)), 0);         // another rep
  EXPECT_EQ(list(other_manager_), 0);  // another office's manager
  v1::GetComplaintRequest get;
  get.set_id(minor.id());
  v1::GetComplaintResponse got;
  EXPECT_EQ(stub_->GetComplaint(As(RepP(B)).get(), get, &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The manager assigns B to the minor one; only the director assigns the escalated one.
  v1::AssignComplaintRequest assign;
  assign.set_request_id(Rid());
  assign.set_complaint_id(minor.id());
  assign.set_handler_rep_id(B);
  assign.set_etag(minor.etag());
  v1::AssignComplaintResponse assigned;
  EXPECT_EQ(stub_->AssignComplaint(As(RepP(A)).get(), assign, &assigned).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  assign.set_request_id(Rid());
  ASSERT_TRUE(stub_->AssignComplaint(As(manager_).get(), assign, &assigned).ok());
  EXPECT_EQ(assigned.complaint().status(), v1::COMPLAINT_STATUS_IN_PROGRESS);
  EXPECT_EQ(assigned.complaint().handler_rep_id(), B);
  // The handler now sees it.
  ASSERT_TRUE(stub_->GetComplaint(As(RepP(B)).get(), get, &got).ok());
  // A stale etag is refused.
  assign.set_request_id(Rid());
  EXPECT_EQ(stub_->AssignComplaint(As(manager_).get(), assign, &assigned).error_code(), grpc::StatusCode::ABORTED);
  v1::AssignComplaintRequest assign_serious;
  assign_serious.set_request_id(Rid());
  assign_serious.set_complaint_id(serious.id());
  assign_serious.set_handler_rep_id(C);
  assign_serious.set_etag(serious.etag());
  EXPECT_EQ(stub_->AssignComplaint(As(manager_).get(), assign_serious, &assigned).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The handler resolves with the answer given to the customer, then it is closed and reopened.
  v1::ResolveComplaintRequest resolve;
  resolve.set_request_id(Rid());
  resolve.set_complaint_id(minor.id());
  resolve.set_resolution("补发货物并致歉");
  resolve.set_customer_answer("已电话告知客户补发安排");
  *resolve.mutable_answer_date() = Day(2026, 3, 2);
  resolve.set_etag(got.complaint().etag());
  v1::ResolveComplaintResponse resolved;
  ASSERT_TRUE(stub_->ResolveComplaint(As(RepP(B)).get(), resolve, &resolved).ok());
  EXPECT_EQ(resolved.complaint().status(), v1::COMPLAINT_STATUS_RESOLVED);
  EXPECT_EQ(resolved.complaint().customer_answer(), "已电话告知客户补发安排");
  resolve.set_request_id(Rid());
  resolve.set_etag(resolved.complaint().etag());
  EXPECT_EQ(stub_->ResolveComplaint(As(RepP(B)).get(), resolve, &resolved).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::CloseComplaintRequest close;
  close.set_request_id(Rid());
  close.set_complaint_id(minor.id());
  close.set_etag(resolved.complaint().etag());
  v1::CloseComplaintResponse closed;
  ASSERT_TRUE(stub_->CloseComplaint(As(RepP(A)).get(), close, &closed).ok());
  EXPECT_EQ(closed.complaint().status(), v1::COMPLAINT_STATUS_CLOSED);
  EXPECT_TRUE(closed.complaint().has_close_time());
  EXPECT_EQ(list(RepP(A), /*open_only=*/true), 1);  // only the serious one is still open
  // The count the core side shows on the customer.
  auto counts = app_->pool()->Transact<std::map<int64_t, int32_t>>([&](db::Transaction& tx) {
    return customers::ComplaintStore::OpenCountFor(tx, {mine, theirs});
  });
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, (std::map<int64_t, int32_t>{{mine, 1}}));
  v1::ReopenComplaintRequest reopen;
  reopen.set_request_id(Rid());
  reopen.set_complaint_id(minor.id());
  reopen.set_reason("客户不满意");
  reopen.set_etag(closed.complaint().etag());
  v1::ReopenComplaintResponse reopened;
  ASSERT_TRUE(stub_->ReopenComplaint(As(manager_).get(), reopen, &reopened).ok());
  EXPECT_EQ(reopened.complaint().status(), v1::COMPLAINT_STATUS_IN_PROGRESS);

  // The escalated one: the rep cannot resolve it, the director can.
  v1::ResolveComplaintRequest top;
  top.set_request_id(Rid());
  top.set_complaint_id(serious.id());
  top.set_resolution("总监上门道歉并赔偿");
  top.set_customer_answer("书面函告客户");
  *top.mutable_answer_date() = Day(2026, 3, 2);
  top.set_etag(serious.etag());
  EXPECT_EQ(stub_->ResolveComplaint(As(RepP(A)).get(), top, &resolved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  top.set_request_id(Rid());
  ASSERT_TRUE(stub_->ResolveComplaint(As(director_).get(), top, &resolved).ok());
  EXPECT_EQ(resolved.complaint().status(), v1::COMPLAINT_STATUS_RESOLVED);
}

TEST_F(Engagement, SettingsDefaultsAndChanges) {
  v1::GetSettingsResponse got;
  ASSERT_TRUE(stub_->GetSettings(As(RepP(A)).get(), v1::GetSettingsRequest(), &got).ok());
  EXPECT_EQ(got.settings().protection_days(), 7);
  EXPECT_EQ(got.settings().visit_rules_size(), 7);
  EXPECT_EQ(got.settings().max_rotation_party_size(), 4);

  v1::UpdateSettingsRequest req;
  req.set_request_id(Rid());
  req.mutable_settings()->set_protection_days(10);
  req.mutable_settings()->set_visit_look_ahead_days(0);
  req.mutable_update_mask()->add_paths("protection_days");
  req.mutable_update_mask()->add_paths("visit_look_ahead_days");
  req.set_etag(got.settings().etag());
  req.set_reason("旺季延长保护期");
  v1::UpdateSettingsResponse updated;
  EXPECT_EQ(stub_->UpdateSettings(As(manager_).get(), req, &updated).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  req.set_request_id(Rid());
  ASSERT_TRUE(stub_->UpdateSettings(As(director_).get(), req, &updated).ok());
  EXPECT_EQ(updated.settings().protection_days(), 10);
  EXPECT_EQ(updated.settings().visit_look_ahead_days(), 0);  // 0 is kept, not reset to the default
  EXPECT_EQ(updated.settings().dormancy_days(), 180);        // untouched

  // Out of range values and unknown paths: every violation named, nothing changed.
  v1::UpdateSettingsRequest bad;
  bad.set_request_id(Rid());
  bad.mutable_settings()->set_protection_days(0);
  auto* rule = bad.mutable_settings()->add_visit_rules();
  rule->set_customer_type(v1::CUSTOMER_TYPE_OUTLET_KA);
  rule->set_visits_required(0);
  rule->set_period_days(7);
  bad.mutable_update_mask()->add_paths("protection_days");
  bad.mutable_update_mask()->add_paths("visit_rules");
  bad.set_etag(updated.settings().etag());
  bad.set_reason("x");
  grpc::Status st = stub_->UpdateSettings(As(director_).get(), bad, &updated);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& f : FieldViolationsOf(FromGrpcStatus(st))) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"settings.protection_days", "settings.visit_rules[0].visits_required"}));
  ASSERT_TRUE(stub_->GetSettings(As(RepP(A)).get(), v1::GetSettingsRequest(), &got).ok());
  EXPECT_EQ(got.settings().protection_days(), 10);
  // A stale etag is refused.
  req.set_request_id(Rid());
  EXPECT_EQ(stub_->UpdateSettings(As(director_).get(), req, &updated).error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(Engagement, RotationMembersChangeWithEtagAndReason) {
  CreateRotation({A, B, C});
  v1::CreateRotationRequest dup;
  dup.set_request_id(Rid());
  dup.mutable_rotation()->set_office_id(kOffice);
  auto* m = dup.mutable_rotation()->add_members();
  m->set_rep_id(D);
  m->set_position(1);
  v1::CreateRotationResponse created;
  EXPECT_EQ(stub_->CreateRotation(As(manager_).get(), dup, &created).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // A rep of another office cannot join; an unknown rep is NOT_FOUND.
  dup.mutable_rotation()->set_office_id(kOtherOffice);
  dup.set_request_id(Rid());
  m->set_rep_id(A);
  EXPECT_EQ(stub_->CreateRotation(As(director_).get(), dup, &created).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  dup.set_request_id(Rid());
  m->set_rep_id(999);
  EXPECT_EQ(stub_->CreateRotation(As(director_).get(), dup, &created).error_code(), grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(Lead(1).assigned_rep_id(), A);
  v1::Rotation rot = Rotation();
  EXPECT_EQ(rot.next_rep_id(), B);
  v1::UpdateRotationMembersRequest up;
  up.set_request_id(Rid());
  up.set_office_id(kOffice);
  up.set_reason("D 入职, B 调岗");
  up.set_etag(rot.etag());
  for (auto [rep, pos] : std::vector<std::pair<int64_t, int>>{{C, 1}, {A, 2}, {D, 3}}) {
    auto* mm = up.add_members();
    mm->set_rep_id(rep);
    mm->set_position(pos);
    mm->set_active(true);
  }
  v1::UpdateRotationMembersResponse changed;
  EXPECT_EQ(stub_->UpdateRotationMembers(As(receptionist_).get(), up, &changed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  up.set_request_id(Rid());
  ASSERT_TRUE(stub_->UpdateRotationMembers(As(manager_).get(), up, &changed).ok());
  // B (next) left the rotation: the turn passes to the next kept member, C.
  EXPECT_EQ(changed.rotation().next_rep_id(), C);
  EXPECT_EQ(Lead(2).assigned_rep_id(), C);
  EXPECT_EQ(Lead(3).assigned_rep_id(), A);
  EXPECT_EQ(Lead(4).assigned_rep_id(), D);
  up.set_request_id(Rid());
  EXPECT_EQ(stub_->UpdateRotationMembers(As(manager_).get(), up, &changed).error_code(), grpc::StatusCode::ABORTED);
}

// Issue 15 (update_mask on every update): the members are all
// UpdateRotationMembers changes, so its mask names them or is empty — either
// way the list is replaced; any other path is refused by position and
// changes nothing.
TEST_F(Engagement, RotationMembersMaskNamesOnlyTheMembers) {
  CreateRotation({A, B, C});
  v1::Rotation rot = Rotation();
  v1::UpdateRotationMembersRequest up;
  up.set_request_id(Rid());
  up.set_office_id(kOffice);
  up.set_reason("B 调往其他办事处");
  up.set_etag(rot.etag());
  for (auto [rep, pos] : std::vector<std::pair<int64_t, int>>{{A, 1}, {C, 2}}) {
    auto* mm = up.add_members();
    mm->set_rep_id(rep);
    mm->set_position(pos);
    mm->set_active(true);
  }
  up.mutable_update_mask()->add_paths("office_id");
  v1::UpdateRotationMembersResponse changed;
  grpc::Status st = stub_->UpdateRotationMembers(As(manager_).get(), up, &changed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const auto& f : FieldViolationsOf(FromGrpcStatus(st))) fields.push_back(f.field);
  EXPECT_EQ(fields, std::vector<std::string>{"update_mask.paths[0]"});
  EXPECT_EQ(Rotation().etag(), rot.etag());
  EXPECT_EQ(Rotation().members_size(), 3);

  // Naming the members replaces them.
  up.set_request_id(Rid());
  up.mutable_update_mask()->set_paths(0, "members");
  st = stub_->UpdateRotationMembers(As(manager_).get(), up, &changed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(changed.rotation().members_size(), 2);

  // No mask replaces them too, as before masks.
  up.set_request_id(Rid());
  up.clear_update_mask();
  up.set_reason("B 调回本办事处");
  up.set_etag(changed.rotation().etag());
  auto* back = up.add_members();
  back->set_rep_id(B);
  back->set_position(3);
  back->set_active(true);
  st = stub_->UpdateRotationMembers(As(manager_).get(), up, &changed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(changed.rotation().members_size(), 3);
}

}  // namespace
}  // namespace sales
