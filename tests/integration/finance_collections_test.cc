// The collections ladder over gRPC against MariaDB: overdue invoices are
// walked up the ladder by the daily sweep to the supply stop (a hold event on
// finance's feed, on_hold in the exposure read orders-svc uses), the sweep run
// twice changes nothing, letters are checked against the overdue date, and a
// full payment closes the case and - once nothing else is overdue - releases
// the hold.
//
// Invoices are seeded with SQL against the receivables schema (V002) and
// settled the way the receivables core settles them: the invoice row is
// updated and OnInvoiceSettled runs in the same transaction.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/store/settlement_hooks.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "tests/testing/service_fixture.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::StartService;
namespace v1 = ::sales::finance::v1;

constexpr char kSecret[] = "collections-test-secret";
constexpr int64_t kCustomer = 501;
constexpr int64_t kOtherCustomer = 502;
constexpr int64_t kRep = 11;
constexpr int64_t kOtherRep = 12;
constexpr int64_t kUnit = 3;

common::v1::Date D(int y, int m, int d) { return FromCivilDay(absl::CivilDay(y, m, d)); }

class CollectionsLadder : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = FreshDatabase("fin_collections");
    app_ = StartService(finance::MakeServiceDefinition(), db_, &clock_, {{"principal_hmac_secret", kSecret}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::FinanceService::NewStub(Loopback(app_->port()));
    finance_.user_id = "ar-1";
    finance_.role = kRoleFinance;
    rep_.user_id = "rep-11";
    rep_.role = kRoleRep;
    rep_.rep_id = kRep;
    rep_.org_unit_id = kUnit;
    other_rep_.user_id = "rep-12";
    other_rep_.role = kRoleRep;
    other_rep_.rep_id = kOtherRep;
    other_rep_.org_unit_id = kUnit;
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  void Today(int y, int m, int d) { clock_.Set(StartOfBusinessDay(absl::CivilDay(y, m, d)) + absl::Hours(10)); }
  std::string Rid() { return absl::StrCat("rid-", ++rid_); }

  absl::Status Sql(const std::string& sql, const db::Params& params = {}) {
    return app_->pool()->Transact([&](db::Transaction& tx) { return tx.Exec(sql, params).status(); });
  }

  // An issued invoice as the receivables core leaves it, with the customer
  // summary it keeps.
  int64_t SeedInvoice(int64_t customer, const std::string& number, int64_t gross, absl::CivilDay due) {
    absl::CivilDay invoice_date = due - 30;
    std::string now = FormatDbTime(clock_.Now());
    EXPECT_TRUE(Sql("INSERT INTO invoices (number, number_year, number_sequence, customer_id, rep_id, org_unit_id, "
                    "state, currency, net_total_minor, tax_total_minor, gross_total_minor, balance_minor, "
                    "invoice_date, payment_terms_days, due_on, created_at, updated_at, issued_at) "
                    "VALUES (?, 2025, ?, ?, ?, ?, 5, 'CNY', ?, 0, ?, ?, ?, 30, ?, ?, ?, ?)",
                    {number, ++seq_, customer, kRep, kUnit, gross, gross, gross,
                     absl::FormatCivilTime(invoice_date), absl::FormatCivilTime(due), now, now, now})
                    .ok());
    EXPECT_TRUE(Sql("INSERT INTO customer_accounts (customer_id, rep_id, org_unit_id, invoiced_minor, "
                    "open_receivable_minor, open_document_count, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?) "
                    "ON DUPLICATE KEY UPDATE invoiced_minor = invoiced_minor + VALUES(invoiced_minor), "
                    "open_receivable_minor = open_receivable_minor + VALUES(open_receivable_minor), "
                    "open_document_count = open_document_count + 1",
                    {customer, kRep, kUnit, gross, gross, now})
                    .ok());
    auto rows = app_->pool()->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT id FROM invoices WHERE number = ?", {number}));
      return r.at(0).Int(0);
    });
    EXPECT_TRUE(rows.ok());
    return *rows;
  }

  // Pays the invoice in full the way the receivables core posts an
  // application, with the settlement hook in the same transaction.
  void PayInFull(int64_t invoice_id) {
    absl::Time now = clock_.Now();
    absl::Status st = app_->pool()->Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE customer_accounts a JOIN invoices i ON i.customer_id = a.customer_id "
                                    "SET a.open_receivable_minor = a.open_receivable_minor - i.balance_minor, "
                                    "a.applied_minor = a.applied_minor + i.balance_minor WHERE i.id = ?",
                                    {invoice_id})
                                .status());
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE invoices SET paid_minor = gross_total_minor, balance_minor = 0, "
                                    "state = 7, version = version + 1 WHERE id = ?",
                                    {invoice_id})
                                .status());
      return finance::OnInvoiceSettled(tx, invoice_id, now);
    });
    ASSERT_TRUE(st.ok()) << st;
  }

  v1::RunCollectionsSweepResponse Sweep(const std::string& rid, int y, int m, int d) {
    v1::RunCollectionsSweepRequest req;
    req.set_request_id(rid);
    *req.mutable_as_of() = D(y, m, d);
    v1::RunCollectionsSweepResponse resp;
    grpc::Status st = stub_->RunCollectionsSweep(CtxAs(finance_, kSecret).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  v1::CollectionCase CaseOf(int64_t invoice_id) {
    v1::ListCollectionCasesRequest req;
    req.set_invoice_id(invoice_id);
    req.add_stages(v1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
    for (int s = v1::COLLECTION_STAGE_CONFIRMED; s <= v1::COLLECTION_STAGE_CLOSED; ++s) {
      req.add_stages(static_cast<v1::CollectionStage>(s));
    }
    v1::ListCollectionCasesResponse list;
    grpc::Status st = stub_->ListCollectionCases(CtxAs(finance_, kSecret).get(), req, &list);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (list.collection_cases_size() != 1) {
      ADD_FAILURE() << "no single case for invoice " << invoice_id;
      return {};
    }
    v1::GetCollectionCaseRequest get;
    get.set_id(list.collection_cases(0).id());
    v1::GetCollectionCaseResponse out;
    st = stub_->GetCollectionCase(CtxAs(finance_, kSecret).get(), get, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.collection_case();
  }

  v1::CustomerExposure Exposure(int64_t customer) {
    Principal service;
    service.user_id = "orders";
    service.role = kRoleService;
    v1::GetCustomerExposureRequest req;
    req.set_customer_id(customer);
    v1::GetCustomerExposureResponse resp;
    grpc::Status st = stub_->GetCustomerExposure(CtxAs(service, kSecret).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.exposure();
  }

  // Every event on finance's feed so far.
  std::vector<common::v1::Event> Feed() {
    EXPECT_TRUE(app_->outbox()->SequenceOnce().ok());
    auto events = app_->outbox()->Read(0, 10000);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<common::v1::Event>{};
  }
  template <typename Event>
  std::vector<Event> FeedOf() {
    std::vector<Event> out;
    for (const auto& e : Feed()) {
      Event ev;
      if (e.payload().UnpackTo(&ev)) out.push_back(ev);
    }
    return out;
  }

  FakeClock clock_{StartOfBusinessDay(absl::CivilDay(2025, 3, 1))};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::FinanceService::Stub> stub_;
  Principal finance_, rep_, other_rep_;
  int rid_ = 0;
  int64_t seq_ = 0;
};

TEST_F(CollectionsLadder, SweepWalksToSupplyStopAndFullPaymentReleasesTheHold) {
  Today(2025, 3, 1);
  // A: due 03-10, B: due 03-20, both of the same customer; C belongs to
  // another customer and is never late.
  int64_t a = SeedInvoice(kCustomer, "INV-2025-000001", 1'130'000, absl::CivilDay(2025, 3, 10));
  int64_t b = SeedInvoice(kCustomer, "INV-2025-000002", 226'000, absl::CivilDay(2025, 3, 20));
  SeedInvoice(kOtherCustomer, "INV-2025-000003", 50'000, absl::CivilDay(2025, 6, 30));

  // Day 1 overdue of A: its case opens awaiting the confirmation letter.
  Today(2025, 3, 11);
  auto r1 = Sweep(Rid(), 2025, 3, 11);
  EXPECT_EQ(r1.opened_count(), 1);
  v1::CollectionCase ca = CaseOf(a);
  EXPECT_EQ(ca.stage(), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  EXPECT_EQ(ca.overdue_amount().minor_units(), 1'130'000);
  EXPECT_EQ(ca.days_past_due(), 1);
  EXPECT_EQ(ca.next_action(), "CONFIRMATION");
  EXPECT_EQ(ca.next_action_due_on().day(), 17);

  // The rep records the customer's confirmation letter: one dated before the
  // invoice became overdue is refused and changes nothing.
  {
    v1::RecordOverdueConfirmationRequest req;
    req.set_request_id(Rid());
    req.set_case_id(ca.id());
    req.set_etag(ca.etag());
    *req.mutable_confirmation()->mutable_signed_on() = D(2025, 3, 10);
    *req.mutable_confirmation()->mutable_confirmed_amount() = MakeMoney(1'130'000);
    req.mutable_confirmation()->set_signed_by("Wang, CFO");
    v1::RecordOverdueConfirmationResponse resp;
    grpc::Status st = stub_->RecordOverdueConfirmation(CtxAs(rep_, kSecret).get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    // Another rep does not even see the case.
    req.set_request_id(Rid());
    *req.mutable_confirmation()->mutable_signed_on() = D(2025, 3, 11);
    st = stub_->RecordOverdueConfirmation(CtxAs(other_rep_, kSecret).get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
    req.set_request_id(Rid());
    st = stub_->RecordOverdueConfirmation(CtxAs(rep_, kSecret).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.collection_case().stage(), v1::COLLECTION_STAGE_CONFIRMED);
    // A stale etag is refused.
    req.set_request_id(Rid());
    st = stub_->RecordOverdueConfirmation(CtxAs(rep_, kSecret).get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED) << st.error_message();
  }

  // Day 14 of A: first notice (and B opens: due 03-20, overdue from 03-21).
  Today(2025, 3, 24);
  auto r2 = Sweep(Rid(), 2025, 3, 24);
  EXPECT_EQ(r2.opened_count(), 1);
  EXPECT_EQ(CaseOf(a).stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_EQ(CaseOf(a).next_action_due_on().day(), 3);  // 04-03
  EXPECT_FALSE(Exposure(kCustomer).on_hold());

  // Tenth day after the first notice: second notice, supply stops.
  Today(2025, 4, 3);
  auto r3 = Sweep("sweep-0403", 2025, 4, 3);
  EXPECT_EQ(r3.holds_set_count(), 1);
  ca = CaseOf(a);
  EXPECT_EQ(ca.stage(), v1::COLLECTION_STAGE_SUPPLY_STOPPED);
  ASSERT_NE(ca.credit_hold_id(), 0);
  EXPECT_EQ(ca.notices_size(), 2);
  v1::CollectionCase cb = CaseOf(b);
  EXPECT_EQ(cb.stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);  // B's day 14
  EXPECT_TRUE(Exposure(kCustomer).on_hold());
  EXPECT_FALSE(Exposure(kOtherCustomer).on_hold());
  auto holds = FeedOf<v1::CustomerHoldSetEvent>();
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].customer_id(), kCustomer);
  EXPECT_EQ(holds[0].credit_hold_id(), ca.credit_hold_id());
  EXPECT_EQ(holds[0].source(), v1::CREDIT_HOLD_SOURCE_COLLECTIONS);
  EXPECT_EQ(holds[0].overdue_amount().minor_units(), 1'130'000 + 226'000);
  EXPECT_THAT(holds[0].invoice_ids(), ::testing::ElementsAre(a));

  // The same day swept again (another request): nothing changes, no event.
  size_t events_before = Feed().size();
  std::string etag_before = CaseOf(a).etag();
  auto again = Sweep(Rid(), 2025, 4, 3);
  EXPECT_EQ(again.opened_count() + again.advanced_count() + again.closed_count() + again.holds_set_count() +
                again.holds_released_count() + again.deadline_missed_count(),
            0);
  EXPECT_EQ(Feed().size(), events_before);
  EXPECT_EQ(CaseOf(a).etag(), etag_before);
  // The same request id again answers the first answer.
  auto repeat = Sweep("sweep-0403", 2025, 4, 3);
  EXPECT_EQ(repeat.SerializeAsString(), r3.SerializeAsString());

  // A is paid in full: its case closes, but B is still overdue - the hold stays.
  Today(2025, 4, 4);
  PayInFull(a);
  ca = CaseOf(a);
  EXPECT_EQ(ca.stage(), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(ca.close_reason(), v1::CASE_CLOSE_REASON_PAID);
  EXPECT_TRUE(Exposure(kCustomer).on_hold());
  EXPECT_TRUE(FeedOf<v1::CustomerHoldReleasedEvent>().empty());

  // B is paid: nothing else is overdue, the hold is released.
  PayInFull(b);
  EXPECT_EQ(CaseOf(b).stage(), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_FALSE(Exposure(kCustomer).on_hold());
  auto released = FeedOf<v1::CustomerHoldReleasedEvent>();
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].credit_hold_id(), ca.credit_hold_id());
  EXPECT_EQ(released[0].customer_id(), kCustomer);
  v1::GetCreditHoldRequest hreq;
  hreq.set_id(ca.credit_hold_id());
  v1::GetCreditHoldResponse hresp;
  ASSERT_TRUE(stub_->GetCreditHold(CtxAs(finance_, kSecret).get(), hreq, &hresp).ok());
  EXPECT_EQ(hresp.credit_hold().state(), v1::CREDIT_HOLD_STATE_RELEASED);
  EXPECT_THAT(hresp.credit_hold().collection_case_ids(), ::testing::ElementsAre(ca.id()));

  // The next day's sweep has nothing left to do for this customer.
  Today(2025, 4, 5);
  auto after = Sweep(Rid(), 2025, 4, 5);
  EXPECT_EQ(after.opened_count() + after.advanced_count() + after.holds_set_count(), 0);
}

TEST_F(CollectionsLadder, NoticesByHandAndTheirDates) {
  Today(2025, 3, 1);
  int64_t a = SeedInvoice(kCustomer, "INV-2025-000010", 500'000, absl::CivilDay(2025, 3, 10));
  Today(2025, 3, 12);
  Sweep(Rid(), 2025, 3, 12);
  v1::CollectionCase c = CaseOf(a);

  v1::RecordDunningNoticeRequest second;
  second.set_request_id(Rid());
  second.set_case_id(c.id());
  second.set_etag(c.etag());
  second.mutable_notice()->set_kind(v1::DUNNING_NOTICE_KIND_SECOND);
  *second.mutable_notice()->mutable_sent_on() = D(2025, 3, 12);
  v1::RecordDunningNoticeResponse resp;
  // The second notice needs the first.
  EXPECT_EQ(stub_->RecordDunningNotice(CtxAs(finance_, kSecret).get(), second, &resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  v1::RecordDunningNoticeRequest first = second;
  first.set_request_id(Rid());
  first.mutable_notice()->set_kind(v1::DUNNING_NOTICE_KIND_FIRST);
  *first.mutable_notice()->mutable_sent_on() = D(2025, 3, 13);  // tomorrow
  EXPECT_EQ(stub_->RecordDunningNotice(CtxAs(finance_, kSecret).get(), first, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  first.set_request_id(Rid());
  *first.mutable_notice()->mutable_sent_on() = D(2025, 3, 12);
  ASSERT_TRUE(stub_->RecordDunningNotice(CtxAs(rep_, kSecret).get(), first, &resp).ok());
  EXPECT_EQ(resp.collection_case().stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);
  EXPECT_EQ(resp.collection_case().next_action_due_on().day(), 22);

  // A repayment plan above the overdue amount is refused.
  v1::RecordRepaymentPlanRequest plan;
  plan.set_request_id(Rid());
  plan.set_case_id(c.id());
  plan.set_etag(resp.collection_case().etag());
  *plan.mutable_plan()->mutable_received_on() = D(2025, 3, 12);
  plan.mutable_plan()->set_signed_by("Wang");
  auto* i1 = plan.mutable_plan()->add_installments();
  *i1->mutable_due_on() = D(2025, 3, 31);
  *i1->mutable_amount() = MakeMoney(300'000);
  auto* i2 = plan.mutable_plan()->add_installments();
  *i2->mutable_due_on() = D(2025, 4, 30);
  *i2->mutable_amount() = MakeMoney(300'000);
  v1::RecordRepaymentPlanResponse presp;
  EXPECT_EQ(stub_->RecordRepaymentPlan(CtxAs(rep_, kSecret).get(), plan, &presp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  plan.set_request_id(Rid());
  *i2->mutable_amount() = MakeMoney(200'000);
  ASSERT_TRUE(stub_->RecordRepaymentPlan(CtxAs(rep_, kSecret).get(), plan, &presp).ok());
  EXPECT_EQ(presp.collection_case().repayment_plan().installments_size(), 2);
  EXPECT_EQ(presp.collection_case().stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);  // a plan does not stop the ladder

  // The second notice by hand stops supply at once.
  second.set_request_id(Rid());
  second.set_etag(presp.collection_case().etag());
  ASSERT_TRUE(stub_->RecordDunningNotice(CtxAs(finance_, kSecret).get(), second, &resp).ok());
  EXPECT_EQ(resp.collection_case().stage(), v1::COLLECTION_STAGE_SUPPLY_STOPPED);
  EXPECT_NE(resp.credit_hold_id(), 0);
  EXPECT_TRUE(Exposure(kCustomer).on_hold());

  // Legal preparation is finance's: the rep may not start it.
  v1::StartLegalPreparationRequest legal;
  legal.set_request_id(Rid());
  legal.set_case_id(c.id());
  legal.set_etag(resp.collection_case().etag());
  *legal.mutable_started_on() = D(2025, 3, 12);
  v1::StartLegalPreparationResponse lresp;
  EXPECT_EQ(stub_->StartLegalPreparation(CtxAs(rep_, kSecret).get(), legal, &lresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  legal.set_request_id(Rid());
  ASSERT_TRUE(stub_->StartLegalPreparation(CtxAs(finance_, kSecret).get(), legal, &lresp).ok());
  EXPECT_EQ(lresp.collection_case().stage(), v1::COLLECTION_STAGE_LEGAL_PREPARATION);

  // Closed by hand (court settlement): nothing else overdue, hold released.
  v1::CloseCollectionCaseRequest close;
  close.set_request_id(Rid());
  close.set_case_id(c.id());
  close.set_etag(lresp.collection_case().etag());
  *close.mutable_closed_on() = D(2025, 3, 12);
  close.set_reason("settled in court, judgment 2025-17");
  v1::CloseCollectionCaseResponse cresp;
  ASSERT_TRUE(stub_->CloseCollectionCase(CtxAs(finance_, kSecret).get(), close, &cresp).ok());
  EXPECT_EQ(cresp.collection_case().close_reason(), v1::CASE_CLOSE_REASON_MANUAL);
  EXPECT_EQ(cresp.released_credit_hold_id(), resp.credit_hold_id());
  EXPECT_FALSE(Exposure(kCustomer).on_hold());
  // The sweep does not reopen a case finance closed by hand.
  Today(2025, 3, 13);
  auto r = Sweep(Rid(), 2025, 3, 13);
  EXPECT_EQ(r.opened_count() + r.advanced_count() + r.holds_set_count(), 0);
}

TEST_F(CollectionsLadder, SweepRefusesTheFutureAndOtherRoles) {
  Today(2025, 3, 1);
  v1::RunCollectionsSweepRequest req;
  req.set_request_id(Rid());
  *req.mutable_as_of() = D(2025, 3, 2);
  v1::RunCollectionsSweepResponse resp;
  EXPECT_EQ(stub_->RunCollectionsSweep(CtxAs(finance_, kSecret).get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  req.set_request_id(Rid());
  *req.mutable_as_of() = D(2025, 3, 1);
  EXPECT_EQ(stub_->RunCollectionsSweep(CtxAs(rep_, kSecret).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(CollectionsLadder, DryRunRecordsNothing) {
  Today(2025, 3, 1);
  int64_t a = SeedInvoice(kCustomer, "INV-2025-000020", 100'000, absl::CivilDay(2025, 3, 10));
  Today(2025, 4, 1);
  v1::RunCollectionsSweepRequest req;
  req.set_request_id(Rid());
  *req.mutable_as_of() = D(2025, 4, 1);
  req.set_dry_run(true);
  v1::RunCollectionsSweepResponse resp;
  ASSERT_TRUE(stub_->RunCollectionsSweep(CtxAs(finance_, kSecret).get(), req, &resp).ok());
  EXPECT_EQ(resp.opened_count(), 1);
  EXPECT_TRUE(Feed().empty());
  v1::ListCollectionCasesRequest list;
  list.set_invoice_id(a);
  v1::ListCollectionCasesResponse lresp;
  ASSERT_TRUE(stub_->ListCollectionCases(CtxAs(finance_, kSecret).get(), list, &lresp).ok());
  EXPECT_EQ(lresp.collection_cases_size(), 0);
}

}  // namespace
}  // namespace sales
