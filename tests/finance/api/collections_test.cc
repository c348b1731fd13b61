// The collections ladder over gRPC against MariaDB: overdue invoices are
// walked up the ladder by the daily sweep to the supply stop (a hold event on
// finance's feed, on_hold in the exposure read orders-svc uses), the sweep run
// twice changes nothing, letters are checked against the overdue date, and a
// full payment closes the case and - once nothing else is overdue - releases
// the hold.
//
// Invoices are seeded with SQL against the receivables schema (V002): issuing
// one over gRPC needs shipped lines from the orders feed and payment terms
// from customers-svc. Payments go through RecordPayment, whose application
// calls OnInvoiceSettled in its transaction.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
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
                    "VALUES (?, 2025, ?, ?, ?, ?, 'ISSUED', 'CNY', ?, 0, ?, ?, ?, 30, ?, ?, ?, ?)",
                    {number, ++seq_, customer, kRep, kUnit, gross, gross, gross, absl::FormatCivilTime(invoice_date),
                     absl::FormatCivilTime(due), now, now, now})
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
    // One commissionable line (product line 7) carrying the whole amount.
    EXPECT_TRUE(
        Sql("INSERT INTO invoice_lines (invoice_id, billable_line_id, order_id, shipment_id, product_id, sku, "
            "product_line_id, commissionable, description, unit, quantity, unit_price_minor, net_minor, "
            "tax_rate_bp, tax_minor, gross_minor) VALUES (?, 0, 0, 0, 1, 'SKU-1', 7, 1, 'goods', 'EA', 1, ?, ?, "
            "0, 0, ?)",
            {*rows, gross, gross, gross})
            .ok());
    return *rows;
  }

  // Pays the invoice in full over gRPC: a bank transfer recorded and applied
  // to it (the receivables core calls OnInvoiceSettled in that transaction).
  void PayInFull(int64_t invoice_id, int64_t fen) { Pay(invoice_id, fen); }
  void Pay(int64_t invoice_id, int64_t fen) {
    v1::RecordPaymentRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_payment();
    p->set_customer_id(kCustomer);
    *p->mutable_amount() = MakeMoney(fen);
    p->set_method(v1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(absl::StrCat("BANK-", invoice_id, "-", rid_));
    *p->mutable_received_on() = FromCivilDay(BusinessDay(clock_.Now()));
    req.set_apply_mode(v1::APPLY_MODE_EXPLICIT);
    auto* alloc = req.add_allocations();
    alloc->set_invoice_id(invoice_id);
    *alloc->mutable_amount() = MakeMoney(fen);
    v1::RecordPaymentResponse resp;
    grpc::Status st = stub_->RecordPayment(CtxAs(finance_, kSecret).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.applications_size(), 1);
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
  friend class Commissions;
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

  // Overdue cases by stage (domain.md §8): A at the supply stop, B at the
  // first notice; reps see only their own.
  {
    v1::GetOverdueCasesReportRequest rreq;
    v1::GetOverdueCasesReportResponse report;
    ASSERT_TRUE(stub_->GetOverdueCasesReport(CtxAs(finance_, kSecret).get(), rreq, &report).ok());
    EXPECT_EQ(report.total_case_count(), 2);
    EXPECT_EQ(report.total_overdue().minor_units(), 1'130'000 + 226'000);
    ASSERT_EQ(report.rows_size(), 2);
    EXPECT_EQ(report.rows(0).stage(), v1::COLLECTION_STAGE_FIRST_NOTICE);
    EXPECT_EQ(report.rows(0).overdue_amount().minor_units(), 226'000);
    EXPECT_EQ(report.rows(1).stage(), v1::COLLECTION_STAGE_SUPPLY_STOPPED);
    EXPECT_EQ(report.rows(1).rep_id(), kRep);
    EXPECT_EQ(report.rows(1).oldest_due_on().day(), 10);
    ASSERT_TRUE(stub_->GetOverdueCasesReport(CtxAs(other_rep_, kSecret).get(), rreq, &report).ok());
    EXPECT_EQ(report.total_case_count(), 0);
    // Cases per rep and stage.
    v1::ListCollectionCasesRequest lreq;
    lreq.set_rep_id(kRep);
    lreq.add_stages(v1::COLLECTION_STAGE_SUPPLY_STOPPED);
    v1::ListCollectionCasesResponse lresp;
    ASSERT_TRUE(stub_->ListCollectionCases(CtxAs(rep_, kSecret).get(), lreq, &lresp).ok());
    ASSERT_EQ(lresp.collection_cases_size(), 1);
    EXPECT_EQ(lresp.collection_cases(0).invoice_id(), a);
    // All open cases, one per page, oldest due first.
    v1::ListCollectionCasesRequest pages;
    pages.set_page_size(1);
    ASSERT_TRUE(stub_->ListCollectionCases(CtxAs(finance_, kSecret).get(), pages, &lresp).ok());
    ASSERT_EQ(lresp.collection_cases_size(), 1);
    EXPECT_EQ(lresp.collection_cases(0).invoice_id(), a);
    ASSERT_FALSE(lresp.next_page_token().empty());
    pages.set_page_token(lresp.next_page_token());
    ASSERT_TRUE(stub_->ListCollectionCases(CtxAs(finance_, kSecret).get(), pages, &lresp).ok());
    ASSERT_EQ(lresp.collection_cases_size(), 1);
    EXPECT_EQ(lresp.collection_cases(0).invoice_id(), b);
    EXPECT_TRUE(lresp.next_page_token().empty());
  }

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
  PayInFull(a, 1'130'000);
  ca = CaseOf(a);
  EXPECT_EQ(ca.stage(), v1::COLLECTION_STAGE_CLOSED);
  EXPECT_EQ(ca.close_reason(), v1::CASE_CLOSE_REASON_PAID);
  EXPECT_TRUE(Exposure(kCustomer).on_hold());
  EXPECT_TRUE(FeedOf<v1::CustomerHoldReleasedEvent>().empty());

  // B is paid: nothing else is overdue, the hold is released.
  PayInFull(b, 226'000);
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
  // Every step is in the audit trail with who took it and why.
  auto audit = app_->pool()->Transact<std::vector<std::string>>(
      [&](db::Transaction& tx) -> absl::StatusOr<std::vector<std::string>> {
        SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT action, actor_user FROM finance_audit WHERE record_type = "
                                                   "'CollectionCase' AND record_id = ? ORDER BY id",
                                                   {c.id()}));
        std::vector<std::string> out;
        for (const auto& r : rows) out.push_back(absl::StrCat(r.Str(0), "/", r.Str(1)));
        return out;
      });
  ASSERT_TRUE(audit.ok());
  // The case's own trail tells the sweep's steps from those taken by hand.
  v1::GetCollectionCaseRequest creq;
  creq.set_id(c.id());
  v1::GetCollectionCaseResponse full;
  ASSERT_TRUE(stub_->GetCollectionCase(CtxAs(finance_, kSecret).get(), creq, &full).ok());
  ASSERT_GE(full.collection_case().steps_size(), 2);
  EXPECT_TRUE(full.collection_case().steps(0).by_sweep());   // opened by the sweep
  EXPECT_FALSE(full.collection_case().steps(1).by_sweep());  // first notice by hand
  EXPECT_THAT(*audit, ::testing::ElementsAre("OPENED/ar-1", "FIRST_NOTICE/rep-11", "REPAYMENT_PLAN_RECORDED/rep-11",
                                             "SECOND_NOTICE/ar-1", "SUPPLY_STOPPED/ar-1",
                                             "LEGAL_PREPARATION_STARTED/ar-1", "CLOSED/ar-1"));
  EXPECT_FALSE(Exposure(kCustomer).on_hold());
  // The sweep does not reopen a case finance closed by hand.
  Today(2025, 3, 13);
  auto r = Sweep(Rid(), 2025, 3, 13);
  EXPECT_EQ(r.opened_count() + r.advanced_count() + r.holds_set_count(), 0);
}

// A part payment leaves the case open with the smaller amount on record; the
// next sweep notes it as a step.
TEST_F(CollectionsLadder, PartPaymentKeepsTheCaseWithTheSmallerAmount) {
  Today(2025, 3, 1);
  int64_t a = SeedInvoice(kCustomer, "INV-2025-000030", 500'000, absl::CivilDay(2025, 3, 10));
  Today(2025, 3, 12);
  Sweep(Rid(), 2025, 3, 12);
  Pay(a, 200'000);
  EXPECT_EQ(CaseOf(a).stage(), v1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  Today(2025, 3, 13);
  Sweep(Rid(), 2025, 3, 13);
  v1::CollectionCase c = CaseOf(a);
  EXPECT_EQ(c.overdue_amount().minor_units(), 300'000);
  EXPECT_EQ(c.opening_amount().minor_units(), 500'000);
  bool noted = false;
  for (const auto& step : c.steps()) noted |= step.kind() == v1::COLLECTION_STEP_KIND_PARTIAL_SETTLEMENT;
  EXPECT_TRUE(noted);
  // The rest paid: closed at once by the settlement hook.
  Pay(a, 300'000);
  EXPECT_EQ(CaseOf(a).stage(), v1::COLLECTION_STAGE_CLOSED);
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

// ListCreditHolds reads a batch of holds with their cases in two statements,
// and the batch's customers' units in at most two more (issue 15: not a load
// per hold): every listed hold must still be exactly what GetCreditHold
// answers, newest first, each once across pages; for finance, and for reps
// whose scope leaves holds of the other rep out of the batches.
TEST_F(CollectionsLadder, AListedPageOfHoldsHoldsEachAsGetCreditHoldReadsIt) {
  Today(2025, 3, 1);
  const std::vector<int64_t> customers = {kCustomer, kOtherCustomer, 503, 504, 505};
  std::vector<int64_t> invoices;
  for (size_t i = 0; i < customers.size(); ++i) {
    invoices.push_back(SeedInvoice(customers[i], absl::StrCat("INV-2025-00030", i),
                                   static_cast<int64_t>(i + 1) * 100'000, absl::CivilDay(2025, 3, 10)));
  }
  int64_t second = SeedInvoice(kCustomer, "INV-2025-000310", 50'000, absl::CivilDay(2025, 3, 9));
  // 504 is the other rep's, and its summary row has no unit (the latest
  // invoice's is used).
  ASSERT_TRUE(
      Sql("UPDATE customer_accounts SET rep_id = ?, org_unit_id = 0 WHERE customer_id = 504", {kOtherRep}).ok());
  Today(2025, 3, 12);
  Sweep(Rid(), 2025, 3, 12);  // a case per overdue invoice

  const std::vector<std::string> reasons = {"超期未付，暂停发货", "客户要求延期付款，先行冻结",
                                            "经理电话确认：暂停供货", "对账有争议，暂停发货", "法务介入前的临时冻结"};
  std::vector<v1::CreditHold> holds;
  for (size_t i = 0; i < customers.size(); ++i) {
    v1::SetCreditHoldRequest req;
    req.set_request_id(Rid());
    req.set_customer_id(customers[i]);
    req.set_reason(reasons[i]);
    v1::SetCreditHoldResponse resp;
    grpc::Status st = stub_->SetCreditHold(CtxAs(finance_, kSecret).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    holds.push_back(resp.credit_hold());
  }
  EXPECT_EQ(holds[3].rep_id(), kOtherRep);
  // The cases behind the first customer's hold, linked as the ladder links them.
  int64_t case_a = CaseOf(invoices[0]).id(), case_b = CaseOf(second).id();
  ASSERT_NE(case_a, 0);
  ASSERT_NE(case_b, 0);
  ASSERT_TRUE(Sql("INSERT INTO credit_hold_cases (hold_id, case_id) VALUES (?, ?), (?, ?)",
                  {holds[0].id(), std::max(case_a, case_b), holds[0].id(), std::min(case_a, case_b)})
                  .ok());
  // The second customer's hold is released.
  v1::ReleaseCreditHoldRequest rel;
  rel.set_request_id(Rid());
  rel.set_id(holds[1].id());
  rel.set_etag(holds[1].etag());
  rel.set_reason("客户已付清，解除冻结");
  v1::ReleaseCreditHoldResponse rresp;
  ASSERT_TRUE(stub_->ReleaseCreditHold(CtxAs(finance_, kSecret).get(), rel, &rresp).ok());

  auto list = [&](const Principal& who, int page_size) {
    std::vector<int64_t> listed;
    v1::ListCreditHoldsRequest req;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListCreditHoldsResponse resp;
      grpc::Status st = stub_->ListCreditHolds(CtxAs(who, kSecret).get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      EXPECT_LE(resp.credit_holds_size(), page_size);
      for (const auto& h : resp.credit_holds()) {
        listed.push_back(h.id());
        v1::GetCreditHoldRequest get;
        get.set_id(h.id());
        v1::GetCreditHoldResponse one;
        grpc::Status gst = stub_->GetCreditHold(CtxAs(who, kSecret).get(), get, &one);
        EXPECT_TRUE(gst.ok()) << gst.error_message();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(h, one.credit_hold()))
            << "listed: " << h.DebugString() << "\ngot: " << one.credit_hold().DebugString();
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  std::vector<int64_t> newest_first;
  for (auto it = holds.rbegin(); it != holds.rend(); ++it) newest_first.push_back(it->id());
  EXPECT_EQ(list(finance_, 2), newest_first);
  EXPECT_EQ(list(rep_, 1), (std::vector<int64_t>{holds[4].id(), holds[2].id(), holds[1].id(), holds[0].id()}));
  EXPECT_EQ(list(other_rep_, 2), (std::vector<int64_t>{holds[3].id()}));

  v1::GetCreditHoldRequest get;
  get.set_id(holds[0].id());
  v1::GetCreditHoldResponse first;
  ASSERT_TRUE(stub_->GetCreditHold(CtxAs(finance_, kSecret).get(), get, &first).ok());
  EXPECT_THAT(first.credit_hold().collection_case_ids(),
              ::testing::ElementsAre(std::min(case_a, case_b), std::max(case_a, case_b)));
  EXPECT_EQ(first.credit_hold().reason(), reasons[0]);
}

// A stand-in for targets-svc answering the attainment of reps and units.
class FakeTargets final : public targets::v1::TargetsService::Service {
 public:
  grpc::Status GetProgress(grpc::ServerContext*, const targets::v1::GetProgressRequest* req,
                           targets::v1::GetProgressResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    auto it = req->node().rep_id() != 0 ? attainment_.find(req->node().rep_id())
                                        : unit_attainment_.find(req->node().org_unit_id());
    if (it == attainment_.end() || it == unit_attainment_.end()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no signed plan");
    }
    resp->mutable_progress()->set_attainment_bp(it->second);
    *resp->mutable_progress()->mutable_target()->mutable_amount() = MakeMoney(10'000'000);
    *resp->mutable_progress()->mutable_actual()->mutable_amount() = MakeMoney(it->second * 1'000);
    return grpc::Status::OK;
  }
  grpc::Status GetOrgUnit(grpc::ServerContext*, const targets::v1::GetOrgUnitRequest* req,
                          targets::v1::GetOrgUnitResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = managers_.find(req->id());
    if (it == managers_.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown unit");
    resp->mutable_org_unit()->set_id(req->id());
    resp->mutable_org_unit()->set_manager_rep_id(it->second);
    return grpc::Status::OK;
  }
  void SetUnit(int64_t unit, int64_t manager, int32_t bp) {
    std::lock_guard<std::mutex> lock(mu_);
    managers_[unit] = manager;
    unit_attainment_[unit] = bp;
  }
  void Set(int64_t rep, int32_t bp) {
    std::lock_guard<std::mutex> lock(mu_);
    attainment_[rep] = bp;
  }

 private:
  std::mutex mu_;
  std::map<int64_t, int32_t> attainment_;
  std::map<int64_t, int32_t> unit_attainment_;
  std::map<int64_t, int64_t> managers_;
  int calls_ = 0;
};

class Commissions : public CollectionsLadder {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &targets_port_);
    builder.RegisterService(&targets_);
    targets_server_ = builder.BuildAndStart();
    ASSERT_NE(targets_server_, nullptr);
    db_ = FreshDatabase("fin_commissions");
    app_ = StartService(
        finance::MakeServiceDefinition(), db_, &clock_,
        {{"principal_hmac_secret", kSecret}, {"targets_address", absl::StrCat("127.0.0.1:", targets_port_)}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::FinanceService::NewStub(Loopback(app_->port()));
    finance_.user_id = "ar-1";
    finance_.role = kRoleFinance;
    director_.user_id = "director";
    director_.role = kRoleDirector;
    rep_.user_id = "rep-11";
    rep_.role = kRoleRep;
    rep_.rep_id = kRep;
    other_rep_.user_id = "rep-12";
    other_rep_.role = kRoleRep;
    other_rep_.rep_id = kOtherRep;
  }
  void TearDown() override {
    CollectionsLadder::TearDown();
    if (targets_server_) targets_server_->Shutdown();
  }

  // A collection of `fen` on commissionable lines, applied on `applied` to
  // an invoice due on `due`, as the receivables core records it.
  void SeedCollection(int64_t app_id, absl::CivilDay due, absl::CivilDay applied, int64_t fen) {
    std::string now = FormatDbTime(clock_.Now());
    ASSERT_TRUE(Sql("INSERT INTO payment_applications (id, payment_id, customer_id, rep_id, org_unit_id, invoice_id, "
                    "currency, amount_minor, applied_on, due_on, days_past_due, state, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'CNY', ?, ?, ?, ?, 'ACTIVE', ?)",
                    {app_id, app_id, kCustomer, kRep, kUnit, 900 + app_id, fen, absl::FormatCivilTime(applied),
                     absl::FormatCivilTime(due), static_cast<int64_t>(applied - due), now})
                    .ok());
    ASSERT_TRUE(Sql("INSERT INTO payment_application_lines (application_id, product_line_id, amount_minor, "
                    "commissionable_minor) VALUES (?, 7, ?, ?)",
                    {app_id, fen, fen})
                    .ok());
  }

  // The 2025 scheme as finance drafts it.
  v1::CommissionPlan DraftPlan(int32_t manager_rate_bp = 0) {
    v1::CreateCommissionPlanRequest create;
    create.set_request_id(Rid());
    v1::CommissionPlan* p = create.mutable_commission_plan();
    p->set_name("2025 sales reps");
    *p->mutable_effective_from() = D(2025, 1, 1);
    p->set_attainment_metric(v1::ATTAINMENT_METRIC_COLLECTED_AMOUNT);
    auto* t0 = p->add_tiers();
    t0->set_min_attainment_bp(0);
    t0->set_rate_bp(200);
    auto* t1 = p->add_tiers();
    t1->set_min_attainment_bp(10000);
    t1->set_rate_bp(400);
    p->set_payable_now_bp(9000);
    p->set_holdback_bp(1000);
    p->set_full_credit_months(3);
    p->set_late_credit_months(6);
    p->set_late_credit_bp(5000);
    p->set_deduct_uncollected(true);
    p->set_attainment_floor_bp(10000);
    p->set_base_floor_bp(5000);
    *p->mutable_base_pay() = MakeMoney(300'000);
    p->set_manager_rate_bp(manager_rate_bp);
    p->set_reason("commission scheme 2025");
    v1::CreateCommissionPlanResponse created;
    grpc::Status st = stub_->CreateCommissionPlan(CtxAs(finance_, kSecret).get(), create, &created);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return created.commission_plan();
  }

  v1::CommissionPlan ActivePlan(int32_t manager_rate_bp = 0) {
    v1::CommissionPlan draft = DraftPlan(manager_rate_bp);
    v1::ActivateCommissionPlanRequest act;
    act.set_request_id(Rid());
    act.set_id(draft.id());
    act.set_etag(draft.etag());
    act.set_reason("signed by the general manager");
    v1::ActivateCommissionPlanResponse activated;
    // Finance drafts; only the director puts a plan in force.
    EXPECT_EQ(stub_->ActivateCommissionPlan(CtxAs(finance_, kSecret).get(), act, &activated).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    act.set_request_id(Rid());
    grpc::Status st = stub_->ActivateCommissionPlan(CtxAs(director_, kSecret).get(), act, &activated);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return activated.commission_plan();
  }

  FakeTargets targets_;
  int targets_port_ = 0;
  std::unique_ptr<grpc::Server> targets_server_;
  Principal director_;
};

// UpdateCommissionPlan's update_mask: a request carrying only the named
// field changes it alone (the blank others are not validated, nor taken),
// the plan as merged must still be valid, name and unknown paths are
// refused, and no mask replaces the whole draft, as before masks.
TEST_F(Commissions, UpdatePlanChangesOnlyTheMaskedFields) {
  const v1::CommissionPlan draft = DraftPlan();
  auto update = [&](const v1::CommissionPlan& plan, const std::string& etag, const std::vector<std::string>& paths,
                    v1::CommissionPlan* out) {
    v1::UpdateCommissionPlanRequest req;
    req.set_request_id(Rid());
    *req.mutable_commission_plan() = plan;
    req.set_etag(etag);
    for (const auto& p : paths) req.mutable_update_mask()->add_paths(p);
    v1::UpdateCommissionPlanResponse resp;
    grpc::Status st = stub_->UpdateCommissionPlan(CtxAs(finance_, kSecret).get(), req, &resp);
    if (out) *out = resp.commission_plan();
    return st;
  };
  auto stored = [&]() {
    v1::GetCommissionPlanRequest req;
    req.set_id(draft.id());
    v1::GetCommissionPlanResponse resp;
    EXPECT_TRUE(stub_->GetCommissionPlan(CtxAs(finance_, kSecret).get(), req, &resp).ok());
    return resp.commission_plan();
  };

  // Only reason is named; the holdback the request also sets stays.
  v1::CommissionPlan sparse;
  sparse.set_id(draft.id());
  sparse.set_reason("按总经理批示修订提成说明");
  sparse.set_holdback_bp(2000);
  v1::CommissionPlan reasoned;
  grpc::Status st = update(sparse, draft.etag(), {"reason"}, &reasoned);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(reasoned.reason(), "按总经理批示修订提成说明");
  EXPECT_EQ(reasoned.holdback_bp(), 1000);
  EXPECT_EQ(reasoned.name(), "2025 sales reps");
  EXPECT_EQ(reasoned.tiers_size(), 2);
  EXPECT_EQ(reasoned.base_pay().minor_units(), 300'000);
  EXPECT_EQ(reasoned.state(), v1::COMMISSION_PLAN_STATE_DRAFT);
  EXPECT_NE(reasoned.etag(), draft.etag());

  // The merged plan is what is validated: 90 % now + 20 % held back.
  st = update(sparse, reasoned.etag(), {"holdback_bp"}, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "commission_plan.holdback_bp")));

  // An unknown path, and name (a new name is a new plan), change nothing.
  for (const char* path : {"commission_rate", "name"}) {
    v1::CommissionPlan renamed = reasoned;
    renamed.set_name("二〇二五年销售代表方案");
    st = update(renamed, reasoned.etag(), {path}, nullptr);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
                ::testing::Contains(::testing::Field(&FieldViolation::field, "update_mask.paths[0]")))
        << path;
  }
  EXPECT_EQ(stored().etag(), reasoned.etag());
  EXPECT_EQ(stored().name(), "2025 sales reps");

  // No mask: the request is the whole draft, as before masks; its name
  // must still be the plan's own.
  v1::CommissionPlan whole = reasoned;
  whole.mutable_tiers(1)->set_rate_bp(500);
  whole.set_reason("达标档提成调至百分之五");
  whole.set_name("二〇二五年销售代表方案");
  st = update(whole, reasoned.etag(), {}, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "commission_plan.name")));
  whole.set_name(reasoned.name());
  v1::CommissionPlan replaced;
  st = update(whole, reasoned.etag(), {}, &replaced);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(replaced.tiers(1).rate_bp(), 500);
  EXPECT_EQ(replaced.reason(), "达标档提成调至百分之五");
  EXPECT_EQ(replaced.holdback_bp(), 1000);
  EXPECT_EQ(stored().etag(), replaced.etag());
}

// March 2025 for rep 11 at 105 % (tier 4 %):
//   10,000.00 collected 03-10, due 02-28: 1,000,000 × 4 % = 40,000
//    4,000.00 collected 03-05, due 2024-11-15 (3 months end 02-15): late,
//             400,000 × 50 % × 4 % = 8,000
// total 48,000; payable now 43,200; held back 4,800; base pay 300,000.
TEST_F(Commissions, MonthlyStatementFromCollectionsApprovedOnTheFeed) {
  Today(2025, 4, 2);
  v1::CommissionPlan plan = ActivePlan();
  EXPECT_EQ(plan.state(), v1::COMMISSION_PLAN_STATE_ACTIVE);
  SeedCollection(1, absl::CivilDay(2025, 2, 28), absl::CivilDay(2025, 3, 10), 1'000'000);
  SeedCollection(2, absl::CivilDay(2024, 11, 15), absl::CivilDay(2025, 3, 5), 400'000);
  SeedCollection(3, absl::CivilDay(2025, 3, 31), absl::CivilDay(2025, 4, 1), 999'999);  // April: not in March
  targets_.Set(kRep, 10500);

  v1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 3, 1);
  v1::CalculateCommissionsResponse calculated;
  grpc::Status st = stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(calculated.created_count(), 1);

  v1::GetCommissionStatementRequest get;
  get.set_rep_id(kRep);
  *get.mutable_month() = D(2025, 3, 1);
  v1::GetCommissionStatementResponse got;
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(rep_, kSecret).get(), get, &got).ok());
  const v1::CommissionStatement& s = got.statement();
  EXPECT_EQ(s.attainment_bp(), 10500);
  EXPECT_EQ(s.tier_rate_bp(), 400);
  EXPECT_EQ(s.collected().minor_units(), 1'400'000);
  EXPECT_EQ(s.credited_base().minor_units(), 1'200'000);
  EXPECT_EQ(s.commission().minor_units(), 48'000);
  EXPECT_EQ(s.total_commission().minor_units(), 48'000);
  EXPECT_EQ(s.payable_now().minor_units(), 43'200);
  EXPECT_EQ(s.held_back().minor_units(), 4'800);
  EXPECT_EQ(s.base_pay().minor_units(), 300'000);
  ASSERT_GE(s.lines_size(), 2);
  EXPECT_EQ(s.lines(0).payment_application_id(), 1);
  EXPECT_EQ(s.lines(0).amount().minor_units(), 40'000);
  EXPECT_EQ(s.lines(1).kind(), v1::COMMISSION_LINE_KIND_LATE_COLLECTION);
  EXPECT_EQ(s.lines(1).amount().minor_units(), 8'000);
  // Another rep does not see it.
  EXPECT_EQ(stub_->GetCommissionStatement(CtxAs(other_rep_, kSecret).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Approval publishes the statement for payroll and freezes it.
  v1::ApproveCommissionStatementRequest approve;
  approve.set_request_id(Rid());
  approve.set_id(s.id());
  approve.set_etag(s.etag());
  v1::ApproveCommissionStatementResponse approved;
  ASSERT_TRUE(stub_->ApproveCommissionStatement(CtxAs(finance_, kSecret).get(), approve, &approved).ok());
  EXPECT_EQ(approved.statement().state(), v1::COMMISSION_STATEMENT_STATE_APPROVED);
  auto events = FeedOf<v1::CommissionStatementApprovedEvent>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].statement().rep_id(), kRep);
  EXPECT_EQ(events[0].statement().total_commission().minor_units(), 48'000);
  EXPECT_EQ(events[0].statement().lines_size(), s.lines_size());

  // Collections by rep per week and per month (domain.md §8). 2025-03-03
  // and 03-10 are Mondays: 4,000.00 (110 days late) falls in the first
  // week, 10,000.00 (10 days late) in the second.
  {
    v1::GetCollectionsReportRequest rreq;
    rreq.set_period_kind(common::v1::PERIOD_KIND_WEEK);
    *rreq.mutable_range()->mutable_start() = D(2025, 3, 1);
    *rreq.mutable_range()->mutable_end() = D(2025, 3, 31);
    v1::GetCollectionsReportResponse weekly;
    ASSERT_TRUE(stub_->GetCollectionsReport(CtxAs(finance_, kSecret).get(), rreq, &weekly).ok());
    ASSERT_EQ(weekly.rows_size(), 2);
    EXPECT_EQ(weekly.rows(0).period().start().day(), 3);
    EXPECT_EQ(weekly.rows(0).collected_very_late().minor_units(), 400'000);
    EXPECT_EQ(weekly.rows(1).period().start().day(), 10);
    EXPECT_EQ(weekly.rows(1).collected_late().minor_units(), 1'000'000);
    EXPECT_EQ(weekly.total_collected().minor_units(), 1'400'000);
    rreq.set_period_kind(common::v1::PERIOD_KIND_MONTH);
    v1::GetCollectionsReportResponse monthly;
    ASSERT_TRUE(stub_->GetCollectionsReport(CtxAs(rep_, kSecret).get(), rreq, &monthly).ok());
    ASSERT_EQ(monthly.rows_size(), 1);
    EXPECT_EQ(monthly.rows(0).rep_id(), kRep);
    EXPECT_EQ(monthly.rows(0).collected().minor_units(), 1'400'000);
    EXPECT_EQ(monthly.rows(0).application_count(), 2);

    v1::GetCommissionReportRequest creq;
    *creq.mutable_months()->mutable_start() = D(2025, 1, 1);
    *creq.mutable_months()->mutable_end() = D(2025, 12, 1);
    v1::GetCommissionReportResponse creport;
    ASSERT_TRUE(stub_->GetCommissionReport(CtxAs(finance_, kSecret).get(), creq, &creport).ok());
    ASSERT_EQ(creport.rows_size(), 1);
    EXPECT_EQ(creport.rows(0).total_commission().minor_units(), 48'000);
    EXPECT_EQ(creport.rows(0).held_back().minor_units(), 4'800);
  }

  calc.set_request_id(Rid());
  ASSERT_TRUE(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).ok());
  EXPECT_EQ(calculated.skipped_count(), 1);
  EXPECT_EQ(calculated.created_count() + calculated.recomputed_count(), 0);

  // The month not yet over cannot be computed.
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 4, 1);
  EXPECT_EQ(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Year end: the 10 % held back (4,800) is released into December's
  // statement, once.
  v1::ReleaseCommissionHoldbackRequest release;
  release.set_request_id(Rid());
  release.set_year(2025);
  *release.mutable_release_month() = D(2025, 12, 1);
  v1::ReleaseCommissionHoldbackResponse released;
  ASSERT_TRUE(stub_->ReleaseCommissionHoldback(CtxAs(finance_, kSecret).get(), release, &released).ok());
  EXPECT_EQ(released.released_count(), 1);
  release.set_request_id(Rid());
  EXPECT_EQ(stub_->ReleaseCommissionHoldback(CtxAs(finance_, kSecret).get(), release, &released).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  Today(2026, 1, 2);
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 12, 1);
  ASSERT_TRUE(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).ok());
  *get.mutable_month() = D(2025, 12, 1);
  v1::GetCommissionStatementResponse december;
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &december).ok());
  EXPECT_EQ(december.statement().holdback_released().minor_units(), 4'800);
  bool release_line = false;
  for (const auto& l : december.statement().lines()) {
    release_line |= l.kind() == v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE && l.amount().minor_units() == 4'800;
  }
  EXPECT_TRUE(release_line);
}

// A return and a long-unpaid invoice in March 2025 (rep at 105 %, tier 4 %):
//   collected 100,000.00 on time: 10,000,000 × 4 % = 400,000
//   a return credits 2,500.00 of that invoice, already collected:
//     -(250,000 × 4 %) = -10,000
//   invoice due 2024-08-31 still owes 3,000.00 on 03-31 (six months ended
//   02-28): 300,000 held out of the month's 390,000 → total 90,000,
//   payable 81,000, held back 9,000.
// In April the 3,000.00 is paid (so late it counts 0 %) and the 300,000 held
// comes back.
TEST_F(Commissions, ReturnsReverseAndUncollectedAmountsAreHeldUntilPaid) {
  Today(2025, 4, 2);
  ActivePlan();
  targets_.Set(kRep, 10500);
  SeedCollection(1, absl::CivilDay(2025, 3, 31), absl::CivilDay(2025, 3, 10), 10'000'000);
  std::string now = FormatDbTime(clock_.Now());
  ASSERT_TRUE(
      Sql("INSERT INTO credit_memos (id, number, customer_id, rep_id, org_unit_id, invoice_id, source, currency, "
          "net_total_minor, tax_total_minor, total_minor, unapplied_minor, state, memo_date, reason, created_at, "
          "updated_at) VALUES (1, 'CM-2025-000001', ?, ?, ?, 901, 'RETURN', 'CNY', 250000, 0, 250000, 0, 'ISSUED', "
          "'2025-03-20', 'return', ?, ?)",
          {kCustomer, kRep, kUnit, now, now})
          .ok());
  ASSERT_TRUE(
      Sql("INSERT INTO memo_lines (memo_kind, memo_id, product_line_id, commissionable, description, net_minor, "
          "tax_rate_bp, tax_minor, gross_minor) VALUES ('CM', 1, 7, 1, 'returned goods', 250000, 0, 0, 250000)")
          .ok());
  int64_t old = SeedInvoice(kCustomer, "INV-2024-000777", 300'000, absl::CivilDay(2024, 8, 31));

  v1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 3, 1);
  v1::CalculateCommissionsResponse calculated;
  grpc::Status st = stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(calculated.deductions_started_count(), 1);
  v1::GetCommissionStatementRequest get;
  get.set_rep_id(kRep);
  *get.mutable_month() = D(2025, 3, 1);
  v1::GetCommissionStatementResponse march;
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &march).ok());
  EXPECT_EQ(march.statement().commission().minor_units(), 400'000);
  EXPECT_EQ(march.statement().reversals().minor_units(), -10'000);
  EXPECT_EQ(march.statement().deductions().minor_units(), -300'000);
  EXPECT_EQ(march.statement().total_commission().minor_units(), 90'000);
  EXPECT_EQ(march.statement().payable_now().minor_units(), 81'000);
  EXPECT_EQ(march.statement().held_back().minor_units(), 9'000);
  bool return_line = false;
  for (const auto& l : march.statement().lines()) {
    if (l.kind() == v1::COMMISSION_LINE_KIND_RETURN_REVERSAL) {
      return_line = true;
      EXPECT_EQ(l.credit_memo_id(), 1);
    }
  }
  EXPECT_TRUE(return_line);
  // Recalculating the draft gives the same figures (its own deduction is
  // undone first, not taken twice).
  calc.set_request_id(Rid());
  ASSERT_TRUE(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).ok());
  EXPECT_EQ(calculated.recomputed_count(), 1);
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &march).ok());
  EXPECT_EQ(march.statement().deductions().minor_units(), -300'000);
  v1::ListCommissionDeductionsRequest dreq;
  dreq.set_rep_id(kRep);
  v1::ListCommissionDeductionsResponse deductions;
  ASSERT_TRUE(stub_->ListCommissionDeductions(CtxAs(finance_, kSecret).get(), dreq, &deductions).ok());
  ASSERT_EQ(deductions.deductions_size(), 1);
  EXPECT_EQ(deductions.deductions(0).invoice_id(), old);
  EXPECT_EQ(deductions.deductions(0).deducted().minor_units(), 300'000);
  EXPECT_EQ(deductions.deductions(0).state(), v1::COMMISSION_DEDUCTION_STATE_OUTSTANDING);
  v1::ApproveCommissionStatementRequest approve;
  approve.set_request_id(Rid());
  approve.set_id(march.statement().id());
  approve.set_etag(march.statement().etag());
  v1::ApproveCommissionStatementResponse approved;
  ASSERT_TRUE(stub_->ApproveCommissionStatement(CtxAs(finance_, kSecret).get(), approve, &approved).ok());

  // April: the old invoice is paid; the deduction comes back.
  Today(2025, 4, 10);
  PayInFull(old, 300'000);
  Today(2025, 5, 2);
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 4, 1);
  ASSERT_TRUE(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).ok());
  EXPECT_EQ(calculated.deductions_returned_count(), 1);
  *get.mutable_month() = D(2025, 4, 1);
  v1::GetCommissionStatementResponse april;
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &april).ok());
  EXPECT_EQ(april.statement().commission().minor_units(), 0);  // collected too late to count
  EXPECT_EQ(april.statement().deductions().minor_units(), 300'000);
  EXPECT_EQ(april.statement().total_commission().minor_units(), 300'000);
  ASSERT_TRUE(stub_->ListCommissionDeductions(CtxAs(finance_, kSecret).get(), dreq, &deductions).ok());
  ASSERT_EQ(deductions.deductions_size(), 1);
  EXPECT_EQ(deductions.deductions(0).state(), v1::COMMISSION_DEDUCTION_STATE_RETURNED);
  EXPECT_EQ(deductions.deductions(0).returned().minor_units(), 300'000);
}

// The unit's manager (rep 20) is paid on the unit's total when the unit
// reaches target: the unit (rep 11) collected 10,000.00 on time, the unit is
// at 101 %: 1,000,000 × 0.5 % = 5,000. Below target nothing.
TEST_F(Commissions, ManagerPaidOnTheUnitTotalWhenTheUnitHitsTarget) {
  Today(2025, 4, 2);
  ActivePlan(/*manager_rate_bp=*/50);
  constexpr int64_t kManager = 20;
  targets_.Set(kRep, 9000);
  targets_.Set(kManager, 10000);
  targets_.SetUnit(kUnit, kManager, 10100);
  SeedCollection(1, absl::CivilDay(2025, 3, 31), absl::CivilDay(2025, 3, 10), 1'000'000);
  v1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 3, 1);
  v1::CalculateCommissionsResponse calculated;
  grpc::Status st = stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(calculated.created_count(), 2);
  v1::GetCommissionStatementRequest get;
  get.set_rep_id(kManager);
  *get.mutable_month() = D(2025, 3, 1);
  v1::GetCommissionStatementResponse manager;
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &manager).ok());
  EXPECT_EQ(manager.statement().manager_commission().minor_units(), 5'000);
  EXPECT_EQ(manager.statement().total_commission().minor_units(), 5'000);

  targets_.SetUnit(kUnit, kManager, 9900);
  calc.set_request_id(Rid());
  ASSERT_TRUE(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &calculated).ok());
  ASSERT_TRUE(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &manager).ok());
  EXPECT_EQ(manager.statement().manager_commission().minor_units(), 0);
}

// Explicit attainment is a dry run: 50 % (tier 2 %):
//   1,000,000 × 2 % = 20,000; 400,000 × 50 % × 2 % = 4,000 → 24,000;
//   base pay 300,000 × 50 % = 150,000. Nothing is stored.
TEST_F(Commissions, DryRunWithExplicitAttainmentStoresNothing) {
  Today(2025, 4, 2);
  ActivePlan();
  SeedCollection(1, absl::CivilDay(2025, 2, 28), absl::CivilDay(2025, 3, 10), 1'000'000);
  SeedCollection(2, absl::CivilDay(2024, 11, 15), absl::CivilDay(2025, 3, 5), 400'000);
  v1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 3, 1);
  auto* a = calc.add_attainments();
  a->set_rep_id(kRep);
  a->set_attainment_bp(5000);
  v1::CalculateCommissionsResponse resp;
  // Explicit attainment without dry_run is refused.
  EXPECT_EQ(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  calc.set_request_id(Rid());
  calc.set_dry_run(true);
  grpc::Status st = stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resp.dry_run_statements_size(), 1);
  EXPECT_EQ(resp.dry_run_statements(0).total_commission().minor_units(), 24'000);
  EXPECT_EQ(resp.dry_run_statements(0).base_pay().minor_units(), 150'000);
  v1::GetCommissionStatementRequest get;
  get.set_rep_id(kRep);
  *get.mutable_month() = D(2025, 3, 1);
  v1::GetCommissionStatementResponse got;
  EXPECT_EQ(stub_->GetCommissionStatement(CtxAs(finance_, kSecret).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Without an answer from targets-svc a recorded run refuses to guess.
TEST_F(CollectionsLadder, CommissionsNeedTargetsForAttainment) {
  Today(2025, 4, 2);
  Principal director;
  director.user_id = "director";
  director.role = kRoleDirector;
  v1::CreateCommissionPlanRequest create;
  create.set_request_id(Rid());
  v1::CommissionPlan* p = create.mutable_commission_plan();
  p->set_name("plan");
  *p->mutable_effective_from() = D(2025, 1, 1);
  p->set_attainment_metric(v1::ATTAINMENT_METRIC_SALES_AMOUNT);
  p->add_tiers()->set_rate_bp(300);
  p->set_payable_now_bp(9000);
  p->set_holdback_bp(1000);
  p->set_full_credit_months(3);
  p->set_late_credit_months(6);
  p->set_late_credit_bp(5000);
  p->set_attainment_floor_bp(10000);
  p->set_base_floor_bp(5000);
  *p->mutable_base_pay() = MakeMoney(0);
  p->set_reason("test");
  v1::CreateCommissionPlanResponse created;
  ASSERT_TRUE(stub_->CreateCommissionPlan(CtxAs(finance_, kSecret).get(), create, &created).ok());
  v1::ActivateCommissionPlanRequest act;
  act.set_request_id(Rid());
  act.set_id(created.commission_plan().id());
  act.set_etag(created.commission_plan().etag());
  act.set_reason("go");
  v1::ActivateCommissionPlanResponse activated;
  ASSERT_TRUE(stub_->ActivateCommissionPlan(CtxAs(director, kSecret).get(), act, &activated).ok());
  SeedInvoice(kCustomer, "INV-2025-000099", 100'000, absl::CivilDay(2025, 2, 1));  // rep 11 has activity
  v1::CalculateCommissionsRequest calc;
  calc.set_request_id(Rid());
  *calc.mutable_month() = D(2025, 3, 1);
  v1::CalculateCommissionsResponse resp;
  EXPECT_EQ(stub_->CalculateCommissions(CtxAs(finance_, kSecret).get(), calc, &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace sales
