// finance-svc receivables core over gRPC against MariaDB: shipments arrive
// on a fake orders-svc feed, payment terms come from a fake customers-svc;
// invoices are requested, reviewed, issued and paid; money is conserved
// under concurrent applications and invoice numbers stay gap-free under
// concurrent issues with one failing after its number was taken.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "platform/clock.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/events.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::CtxAs;
using ::sales::testing::FreshDatabase;
using ::sales::testing::Loopback;
using ::sales::testing::SharedMariaDb;
using ::sales::testing::StartService;
namespace v1 = ::sales::finance::v1;
namespace ov1 = ::sales::orders::v1;
namespace cv1 = ::sales::customers::v1;

constexpr char kSecret[] = "finance-core-secret";

// orders-svc as finance sees it: a StreamEvents feed the test appends to.
class FakeOrdersFeed final : public ov1::OrdersService::Service {
 public:
  common::v1::Event Push(const std::string& type, const google::protobuf::Message& payload, std::string event_id = "") {
    std::lock_guard<std::mutex> lock(mu_);
    common::v1::Event e;
    e.set_position(static_cast<int64_t>(events_.size()) + 1);
    e.set_event_id(event_id.empty() ? absl::StrCat("orders-evt-", e.position()) : event_id);
    e.set_aggregate_type("SalesOrder");
    e.set_event_type(type);
    e.mutable_payload()->PackFrom(payload);
    *e.mutable_occurred_at() = ToTimestamp(absl::Now());
    events_.push_back(e);
    return e;
  }
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const ov1::StreamEventsRequest* req,
                            grpc::ServerWriter<ov1::StreamEventsResponse>* writer) override {
    int64_t cursor = req->after_position();
    while (!ctx->IsCancelled()) {
      ov1::StreamEventsResponse resp;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& e : events_) {
          if (e.position() > cursor) *resp.add_events() = e;
        }
      }
      if (resp.events_size() > 0) {
        cursor = resp.events(resp.events_size() - 1).position();
        if (!writer->Write(resp)) return grpc::Status::OK;
      } else {
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
    return grpc::Status::OK;
  }

 private:
  std::mutex mu_;
  std::vector<common::v1::Event> events_;
};

// customers-svc's credit profile: payment terms per customer, or down.
class FakeCustomers final : public cv1::CustomersService::Service {
 public:
  std::atomic<bool> down{false};
  std::atomic<int> calls{0};
  grpc::Status GetCreditProfile(grpc::ServerContext*, const cv1::GetCreditProfileRequest* req,
                                cv1::GetCreditProfileResponse* resp) override {
    ++calls;
    if (down) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "customers-svc is down");
    resp->mutable_profile()->set_customer_id(req->customer_id());
    resp->mutable_profile()->set_payment_terms_days(30);
    return grpc::Status::OK;
  }
};

struct FakeServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  void Start(grpc::Service* service) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service);
    server = b.BuildAndStart();
  }
  void Stop() {
    if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server.reset();
  }
};

Principal Finance() { return {"fin-1", "FINANCE", 0, 0}; }
Principal Clerk() { return {"clerk-1", "SALES_CLERK", 0, 0}; }
Principal Director() { return {"dir-1", "SALES_DIRECTOR", 0, 0}; }
Principal OrdersService() { return {"orders", "SERVICE", 0, 0}; }

common::v1::Money Cny(int64_t fen) { return MakeMoney(fen, "CNY"); }

class FinanceCore : public ::testing::Test {
 protected:
  void SetUp() override {
    orders_srv_.Start(&orders_);
    customers_srv_.Start(&customers_);
    db_ = FreshDatabase("finance_core");
    app_ = StartService(finance::MakeServiceDefinition(), db_, &clock_,
                        {{"principal_hmac_secret", kSecret},
                         {"max_threads", "96"},
                         {"orders_address", absl::StrCat("127.0.0.1:", orders_srv_.port)},
                         {"customers_address", absl::StrCat("127.0.0.1:", customers_srv_.port)}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::FinanceService::NewStub(Loopback(app_->port()));
    auto pool = db::Pool::Create(db_);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
    orders_srv_.Stop();
    customers_srv_.Stop();
  }

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return CtxAs(p, kSecret); }
  std::string Rid() { return absl::StrCat("rid-", rid_.fetch_add(1)); }

  // Ships `lines` (quantity, unit price in fen, product line) to a customer.
  int64_t Ship(int64_t customer, int64_t rep, std::vector<std::tuple<int64_t, int64_t, int64_t>> lines,
               absl::CivilDay on = absl::CivilDay(2026, 3, 2)) {
    ov1::OrderShippedEvent ev;
    int64_t order = ++next_order_;
    ev.mutable_order()->set_order_id(order);
    ev.mutable_order()->set_order_number(absl::StrCat("SO-", order));
    ev.mutable_order()->set_customer_id(customer);
    ev.mutable_order()->set_credited_rep_id(rep);
    ev.mutable_order()->set_credited_org_unit_id(rep * 10);
    ev.mutable_order()->set_currency_code("CNY");
    ev.set_shipment_id(order * 100);
    ev.set_shipment_number(absl::StrCat("OUT-", order));
    *ev.mutable_ship_date() = FromCivilDay(on);
    int n = 0;
    for (auto [qty, price, product_line] : lines) {
      auto* l = ev.add_lines();
      l->set_order_line_id(order * 1000 + (++n));
      l->set_product_id(500 + n);
      l->set_sku(absl::StrCat("SKU-", n));
      l->set_product_line_id(product_line);
      l->set_commissionable(product_line != 3);
      l->set_unit("CASE");
      l->set_quantity(qty);
      *l->mutable_unit_price() = Cny(price);
      *l->mutable_net_amount() = Cny(qty * price);
    }
    orders_.Push("OrderShippedEvent", ev);
    return order;
  }

  // Waits until the feed consumer made `n` billable lines of the customer.
  std::vector<v1::BillableLine> WaitBillable(int64_t customer, int n) {
    std::vector<v1::BillableLine> out;
    for (int i = 0; i < 300; ++i) {
      v1::ListBillableLinesRequest req;
      req.set_customer_id(customer);
      req.add_states(v1::BILLABLE_LINE_STATE_UNBILLED);
      req.add_states(v1::BILLABLE_LINE_STATE_PARTIALLY_BILLED);
      req.add_states(v1::BILLABLE_LINE_STATE_BILLED);
      v1::ListBillableLinesResponse resp;
      grpc::Status st = stub_->ListBillableLines(As(Clerk()).get(), req, &resp);
      if (st.ok() && resp.billable_lines_size() >= n) {
        out.assign(resp.billable_lines().begin(), resp.billable_lines().end());
        return out;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "billable lines of customer " << customer << " never arrived";
    return out;
  }

  grpc::Status Request(int64_t customer, const std::vector<std::pair<int64_t, int64_t>>& lines, v1::Invoice* out) {
    v1::RequestInvoiceRequest req;
    req.set_request_id(Rid());
    req.set_customer_id(customer);
    for (auto [id, qty] : lines) {
      auto* l = req.add_lines();
      l->set_billable_line_id(id);
      l->set_quantity(qty);
    }
    v1::RequestInvoiceResponse resp;
    grpc::Status st = stub_->RequestInvoice(As(Clerk()).get(), req, &resp);
    if (out) *out = resp.invoice();
    return st;
  }

  v1::Invoice Review(const v1::Invoice& inv) {
    v1::ReviewInvoiceRequest req;
    req.set_request_id(Rid());
    req.set_id(inv.id());
    req.set_etag(inv.etag());
    v1::ReviewInvoiceResponse resp;
    grpc::Status st = stub_->ReviewInvoice(As(Director()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.invoice();
  }

  grpc::Status Issue(const v1::Invoice& inv, v1::Invoice* out, absl::CivilDay date = absl::CivilDay(2026, 3, 5)) {
    v1::IssueInvoiceRequest req;
    req.set_request_id(Rid());
    req.set_id(inv.id());
    req.set_etag(inv.etag());
    *req.mutable_invoice_date() = FromCivilDay(date);
    v1::IssueInvoiceResponse resp;
    grpc::Status st = stub_->IssueInvoice(As(Finance()).get(), req, &resp);
    if (out) *out = resp.invoice();
    return st;
  }

  // Ships, requests, reviews and issues one invoice of one line.
  v1::Invoice IssuedInvoice(int64_t customer, int64_t rep, int64_t qty, int64_t price,
                            absl::CivilDay date = absl::CivilDay(2026, 3, 5)) {
    Ship(customer, rep, {{qty, price, 1}});
    auto lines = WaitBillable(customer, ++lines_of_[customer]);
    v1::Invoice inv;
    grpc::Status st = Request(customer, {{lines.back().id(), 0}}, &inv);
    EXPECT_TRUE(st.ok()) << st.error_message();
    inv = Review(inv);
    v1::Invoice issued;
    st = Issue(inv, &issued, date);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return issued;
  }

  grpc::Status Pay(int64_t customer, int64_t fen, v1::ApplyMode mode, v1::RecordPaymentResponse* out,
                   const std::string& currency = "CNY", int32_t rate = 0) {
    v1::RecordPaymentRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_payment();
    p->set_customer_id(customer);
    *p->mutable_amount() = MakeMoney(fen, currency);
    p->set_exchange_rate_bp(rate);
    p->set_method(v1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(absl::StrCat("BANK-", Rid()));
    *p->mutable_received_on() = FromCivilDay(absl::CivilDay(2026, 3, 20));
    req.set_apply_mode(mode);
    v1::RecordPaymentResponse resp;
    grpc::Status st = stub_->RecordPayment(As(Finance()).get(), req, &resp);
    if (out) *out = resp;
    return st;
  }

  v1::CustomerExposure Exposure(int64_t customer) {
    v1::GetCustomerExposureRequest req;
    req.set_customer_id(customer);
    v1::GetCustomerExposureResponse resp;
    grpc::Status st = stub_->GetCustomerExposure(As(OrdersService()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.exposure();
  }

  v1::VerifyLedgerResponse Verify() {
    v1::VerifyLedgerRequest req;
    v1::VerifyLedgerResponse resp;
    grpc::Status st = stub_->VerifyLedger(As(Finance()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  int64_t Sql(const std::string& sql) {
    auto v = pool_->Transact<int64_t>([&](db::Transaction& tx) -> absl::StatusOr<int64_t> {
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql));
      if (rows.empty() || rows[0].IsNull(0)) return int64_t{0};
      return rows[0].Int(0);
    });
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : -1;
  }

  // Both identities from the tables themselves, per customer.
  void ExpectConserved(int64_t customer) {
    std::string c = absl::StrCat(customer);
    const std::string issued = "('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED')";
    int64_t invoiced =
        Sql("SELECT SUM(gross_total_minor) FROM invoices WHERE state IN " + issued + " AND customer_id = " + c);
    int64_t credited =
        Sql("SELECT SUM(total_minor) FROM credit_memos WHERE state IN ('ISSUED', 'SETTLED') AND customer_id = " + c);
    int64_t applied =
        Sql("SELECT SUM(amount_minor) FROM payment_applications WHERE state = 'ACTIVE' AND customer_id = " + c);
    int64_t credit_applied = Sql("SELECT SUM(amount_minor) FROM credit_applications WHERE customer_id = " + c);
    int64_t debited =
        Sql("SELECT SUM(total_minor) FROM debit_memos WHERE state IN ('ISSUED', 'SETTLED') AND customer_id = " + c);
    int64_t balances = Sql("SELECT SUM(balance_minor) FROM invoices WHERE customer_id = " + c) +
                       Sql("SELECT SUM(balance_minor) FROM debit_memos WHERE customer_id = " + c);
    int64_t received =
        Sql("SELECT SUM(settlement_minor) FROM payments WHERE state <> 'DISHONORED' AND customer_id = " + c);
    int64_t on_account = Sql("SELECT SUM(unapplied_minor) FROM payments WHERE customer_id = " + c);
    int64_t refunded = Sql("SELECT SUM(amount_minor) FROM refunds WHERE customer_id = " + c);
    int64_t payment_applied = Sql("SELECT SUM(applied_minor) FROM payments WHERE customer_id = " + c);
    int64_t unapplied_credit = credited - credit_applied;
    // invoices - credit memos + debit memos - applied payments = open receivable
    EXPECT_EQ(invoiced - credited + debited - applied, balances - unapplied_credit);
    // payments received = applied + on account + refunded
    EXPECT_EQ(received, applied + on_account + refunded);
    EXPECT_EQ(applied, payment_applied);
    // The summary row agrees with the documents.
    EXPECT_EQ(Sql("SELECT open_receivable_minor FROM customer_accounts WHERE customer_id = " + c), balances);
    EXPECT_EQ(Sql("SELECT on_account_minor FROM customer_accounts WHERE customer_id = " + c), on_account);
    EXPECT_EQ(Sql("SELECT applied_minor FROM customer_accounts WHERE customer_id = " + c), applied);
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM invoices WHERE balance_minor < 0 OR paid_minor + credited_minor > "
                  "gross_total_minor"),
              0);
  }

  FakeOrdersFeed orders_;
  FakeCustomers customers_;
  FakeServer orders_srv_, customers_srv_;
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 3, 25, 10, 0, 0), absl::UTCTimeZone())};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::FinanceService::Stub> stub_;
  std::unique_ptr<db::Pool> pool_;
  std::atomic<int> rid_{1};
  int64_t next_order_ = 0;
  std::map<int64_t, int> lines_of_;
};

TEST_F(FinanceCore, UnknownCustomerHasZeroExposure) {
  v1::CustomerExposure e = Exposure(987654);
  EXPECT_EQ(e.customer_id(), 987654);
  EXPECT_EQ(e.exposure().minor_units(), 0);
  EXPECT_EQ(e.open_receivable().minor_units(), 0);
  EXPECT_EQ(e.shipped_unbilled().minor_units(), 0);
  EXPECT_FALSE(e.on_hold());
  v1::BatchGetCustomerExposuresRequest req;
  for (int64_t id = 1; id <= 1001; ++id) req.add_customer_ids(id);
  v1::BatchGetCustomerExposuresResponse resp;
  EXPECT_EQ(stub_->BatchGetCustomerExposures(As(OrdersService()).get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  Principal rep{"rep-7", "SALES_REP", 7, 70};
  v1::GetCustomerExposureRequest one;
  one.set_customer_id(1);
  v1::GetCustomerExposureResponse out;
  EXPECT_EQ(stub_->GetCustomerExposure(As(rep).get(), one, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(FinanceCore, ShipmentToInvoiceToPartialPayments) {
  const int64_t customer = 101, rep = 7;
  Ship(customer, rep, {{10, 1234, 1}, {3, 999, 2}});
  auto lines = WaitBillable(customer, 2);
  ASSERT_EQ(lines.size(), 2u);
  // Shipped but unbilled: net + 13 % VAT per line, half up.
  EXPECT_EQ(Exposure(customer).shipped_unbilled().minor_units(), 12340 + 1604 + 2997 + 390);

  // A replayed delivery of the same orders event changes nothing.
  ov1::OrderShippedEvent dup;
  dup.mutable_order()->set_customer_id(customer);
  dup.add_lines()->set_quantity(99);
  orders_.Push("OrderShippedEvent", dup, "orders-evt-1");
  Ship(customer + 1, rep, {{1, 100, 1}});  // a later event proves the duplicate was passed
  WaitBillable(customer + 1, 1);
  EXPECT_EQ(WaitBillable(customer, 2).size(), 2u);

  v1::Invoice inv;
  ASSERT_TRUE(Request(customer, {{lines[0].id(), 0}, {lines[1].id(), 0}}, &inv).ok());
  EXPECT_EQ(inv.state(), v1::INVOICE_STATE_REQUESTED);
  // The same lines cannot be invoiced twice.
  grpc::Status again = Request(customer, {{lines[0].id(), 1}}, nullptr);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();

  inv = Review(inv);
  EXPECT_EQ(inv.state(), v1::INVOICE_STATE_REVIEWED);
  v1::Invoice issued;
  grpc::Status st = Issue(inv, &issued);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(issued.number(), "INV-2026-000001");
  EXPECT_EQ(issued.number_sequence(), 1);
  ASSERT_EQ(issued.lines_size(), 2);
  EXPECT_EQ(issued.lines(0).tax_amount().minor_units(), 1604);  // 1604.2 rounds down
  EXPECT_EQ(issued.lines(1).tax_amount().minor_units(), 390);   // 389.61 rounds up
  const int64_t gross = 12340 + 1604 + 2997 + 390;
  EXPECT_EQ(issued.gross_total().minor_units(), gross);
  EXPECT_EQ(issued.payment_terms_days(), 30);
  EXPECT_EQ(ToCivilDay(issued.due_on()), absl::CivilDay(2026, 4, 4));
  EXPECT_EQ(Exposure(customer).shipped_unbilled().minor_units(), 0);
  EXPECT_EQ(Exposure(customer).open_receivable().minor_units(), gross);

  // Customer signs for the invoice.
  v1::RecordInvoiceReceiptRequest rr;
  rr.set_request_id(Rid());
  rr.set_id(issued.id());
  rr.set_etag(issued.etag());
  *rr.mutable_signed_on() = FromCivilDay(absl::CivilDay(2026, 3, 6));
  rr.set_signed_by("Wang Li");
  v1::RecordInvoiceReceiptResponse rresp;
  ASSERT_TRUE(stub_->RecordInvoiceReceipt(As(Clerk()).get(), rr, &rresp).ok());
  EXPECT_EQ(rresp.invoice().receipt_signed_by(), "Wang Li");

  // First partial payment.
  v1::RecordPaymentResponse p1;
  ASSERT_TRUE(Pay(customer, 10000, v1::APPLY_MODE_OLDEST_DUE_FIRST, &p1).ok());
  ASSERT_EQ(p1.applications_size(), 1);
  EXPECT_EQ(p1.applications(0).amount().minor_units(), 10000);
  EXPECT_EQ(p1.applications(0).days_past_due(),
            ToCivilDay(FromCivilDay(absl::CivilDay(2026, 3, 20))) - absl::CivilDay(2026, 4, 4));
  int64_t split = 0;
  for (const auto& pl : p1.applications(0).product_line_amounts()) split += pl.amount().minor_units();
  EXPECT_EQ(split, 10000);
  EXPECT_EQ(p1.payment().state(), v1::PAYMENT_STATE_SETTLED);
  EXPECT_EQ(Exposure(customer).open_receivable().minor_units(), gross - 10000);

  // Second payment pays the rest; the remainder stays on account.
  v1::RecordPaymentResponse p2;
  ASSERT_TRUE(Pay(customer, 8000, v1::APPLY_MODE_OLDEST_DUE_FIRST, &p2).ok());
  ASSERT_EQ(p2.applications_size(), 1);
  EXPECT_EQ(p2.applications(0).amount().minor_units(), gross - 10000);
  EXPECT_EQ(p2.payment().unapplied().minor_units(), 8000 - (gross - 10000));
  v1::GetInvoiceRequest gi;
  gi.set_id(issued.id());
  v1::GetInvoiceResponse gresp;
  ASSERT_TRUE(stub_->GetInvoice(As(Finance()).get(), gi, &gresp).ok());
  EXPECT_EQ(gresp.invoice().state(), v1::INVOICE_STATE_PAID);
  EXPECT_EQ(gresp.invoice().balance().minor_units(), 0);
  v1::CustomerExposure e = Exposure(customer);
  EXPECT_EQ(e.open_receivable().minor_units(), 0);
  EXPECT_EQ(e.unapplied_credit().minor_units(), 8000 - (gross - 10000));
  EXPECT_EQ(e.exposure().minor_units(), -(8000 - (gross - 10000)));

  // Balance with both identities, and the ledger verifies.
  v1::GetCustomerBalanceRequest br;
  br.set_customer_id(customer);
  v1::GetCustomerBalanceResponse bresp;
  ASSERT_TRUE(stub_->GetCustomerBalance(As(Finance()).get(), br, &bresp).ok());
  const auto& b = bresp.balance();
  EXPECT_EQ(b.invoiced().minor_units() - b.credited().minor_units() + b.debited().minor_units() -
                b.applied_payments().minor_units(),
            b.open_receivable().minor_units());
  EXPECT_EQ(b.payments_received().minor_units(),
            b.applied_payments().minor_units() + b.on_account().minor_units() + b.refunded().minor_units());
  EXPECT_EQ(b.payments_received().minor_units(), 18000);
  auto verify = Verify();
  EXPECT_EQ(verify.discrepancies_size(), 0);
  EXPECT_EQ(verify.numbering_anomalies_size(), 0);
  ExpectConserved(customer);

  // The invoice's audit trail: who moved it, from which state to which.
  v1::ListAuditEntriesRequest ar;
  ar.set_subject_type(v1::AUDIT_SUBJECT_TYPE_INVOICE);
  ar.set_subject_id(issued.id());
  v1::ListAuditEntriesResponse aresp;
  ASSERT_TRUE(stub_->ListAuditEntries(As(Finance()).get(), ar, &aresp).ok());
  std::vector<std::string> actions;
  for (const auto& e : aresp.entries()) actions.push_back(e.action());
  EXPECT_EQ(actions, (std::vector<std::string>{"REQUEST", "REVIEW", "ISSUE", "RECEIPT"}));
  ASSERT_GE(aresp.entries_size(), 3);
  EXPECT_EQ(aresp.entries(1).actor().role(), "SALES_DIRECTOR");
  EXPECT_EQ(aresp.entries(2).to_value(), "ISSUED");

  // Events on finance's own feed: issued, recorded, applied (targets counts
  // collections from PaymentAppliedEvent's product lines).
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM outbox WHERE type = 'InvoiceIssuedEvent'"), 1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM outbox WHERE type = 'PaymentAppliedEvent'"), 2);
}

TEST_F(FinanceCore, BadInputIsRefusedPreciselyAndPostsNothing) {
  const int64_t customer = 202, rep = 8;
  Ship(customer, rep, {{5, 1000, 1}});
  auto lines = WaitBillable(customer, 1);
  // More than shipped.
  grpc::Status st = Request(customer, {{lines[0].id(), 6}}, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "lines[0].quantity")));
  // Another customer's line.
  st = Request(customer + 1, {{lines[0].id(), 1}}, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM invoices"), 0);

  v1::Invoice inv;
  ASSERT_TRUE(Request(customer, {{lines[0].id(), 0}}, &inv).ok());
  inv = Review(inv);
  // Stale etag.
  v1::Invoice stale = inv;
  stale.set_etag("v1");
  st = Issue(stale, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  v1::Invoice issued;
  ASSERT_TRUE(Issue(inv, &issued).ok());
  const int64_t gross = issued.gross_total().minor_units();

  // A foreign-currency payment without a rate.
  st = Pay(customer, 100, v1::APPLY_MODE_NONE, nullptr, "USD", 0);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "payment.exchange_rate_bp")));
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM payments"), 0);
  // With a rate it settles in CNY, half up: 100.00 USD x 7.1234 = 712.34 CNY.
  v1::RecordPaymentResponse usd;
  ASSERT_TRUE(Pay(customer, 10000, v1::APPLY_MODE_NONE, &usd, "USD", 71234).ok());
  EXPECT_EQ(usd.payment().settlement_amount().minor_units(), 71234);

  v1::RecordPaymentResponse pay;
  ASSERT_TRUE(Pay(customer, gross + 500, v1::APPLY_MODE_NONE, &pay).ok());
  auto apply = [&](int64_t amount, const std::string& etag) {
    v1::ApplyPaymentRequest req;
    req.set_request_id(Rid());
    req.set_payment_id(pay.payment().id());
    req.set_etag(etag);
    req.set_mode(v1::APPLY_MODE_EXPLICIT);
    auto* a = req.add_allocations();
    a->set_invoice_id(issued.id());
    *a->mutable_amount() = Cny(amount);
    v1::ApplyPaymentResponse resp;
    return stub_->ApplyPayment(As(Finance()).get(), req, &resp);
  };
  // More than the payment's remainder.
  st = apply(gross + 501, pay.payment().etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "allocations")));
  // More than the invoice's balance.
  st = apply(gross + 1, pay.payment().etag());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "allocations[0].amount")));
  // Stale etag.
  EXPECT_EQ(apply(100, "v99").error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM payment_applications"), 0);
  EXPECT_EQ(Sql(absl::StrCat("SELECT balance_minor FROM invoices WHERE id = ", issued.id())), gross);
  // A clerk cannot post payments.
  v1::ApplyPaymentRequest by_clerk;
  by_clerk.set_request_id(Rid());
  by_clerk.set_payment_id(pay.payment().id());
  by_clerk.set_mode(v1::APPLY_MODE_OLDEST_DUE_FIRST);
  v1::ApplyPaymentResponse r;
  EXPECT_EQ(stub_->ApplyPayment(As(Clerk()).get(), by_clerk, &r).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(apply(gross, pay.payment().etag()).ok());
  ExpectConserved(customer);
}

// UpdateInvoice's update_mask: the note alone leaves the lines and what
// they reserve as they were, the lines alone keep the note, an unknown path
// changes nothing, and no mask replaces both, as before masks.
TEST_F(FinanceCore, UpdateInvoiceChangesOnlyTheMaskedFields) {
  const int64_t customer = 909, rep = 16;
  Ship(customer, rep, {{5, 1000, 1}, {3, 2000, 1}});
  auto shipped = WaitBillable(customer, 2);
  ASSERT_EQ(shipped.size(), 2u);
  const int64_t first = shipped[0].id(), second = shipped[1].id();
  auto billed = [&](int64_t line_id) {
    for (const auto& b : WaitBillable(customer, 2)) {
      if (b.id() == line_id) return b.billed_quantity();
    }
    return int64_t{-1};
  };
  v1::RequestInvoiceRequest request;
  request.set_request_id(Rid());
  request.set_customer_id(customer);
  request.add_lines()->set_billable_line_id(first);
  request.mutable_lines(0)->set_quantity(2);
  request.set_note("请按合同开具增值税专用发票");
  v1::RequestInvoiceResponse requested;
  grpc::Status st = stub_->RequestInvoice(As(Clerk()).get(), request, &requested);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const v1::Invoice inv = requested.invoice();
  ASSERT_EQ(inv.lines_size(), 1);

  auto update = [&](const v1::Invoice& current, const std::vector<std::pair<int64_t, int64_t>>& lines,
                    const std::string& note, const std::vector<std::string>& paths, v1::Invoice* out) {
    v1::UpdateInvoiceRequest req;
    req.set_request_id(Rid());
    req.set_id(current.id());
    req.set_etag(current.etag());
    for (auto [id, qty] : lines) {
      auto* l = req.add_lines();
      l->set_billable_line_id(id);
      l->set_quantity(qty);
    }
    req.set_note(note);
    for (const auto& p : paths) req.mutable_update_mask()->add_paths(p);
    v1::UpdateInvoiceResponse resp;
    grpc::Status status = stub_->UpdateInvoice(As(Clerk()).get(), req, &resp);
    if (out) *out = resp.invoice();
    return status;
  };

  // The note alone: the other lines the request carries are not taken.
  v1::Invoice noted;
  st = update(inv, {{second, 3}}, "客户要求月底前开票", {"note"}, &noted);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(noted.note(), "客户要求月底前开票");
  EXPECT_NE(noted.etag(), inv.etag());
  ASSERT_EQ(noted.lines_size(), 1);
  EXPECT_EQ(noted.lines(0).id(), inv.lines(0).id());
  EXPECT_EQ(noted.lines(0).billable_line_id(), first);
  EXPECT_EQ(noted.lines(0).quantity(), 2);
  EXPECT_EQ(noted.gross_total().minor_units(), inv.gross_total().minor_units());
  EXPECT_EQ(billed(first), 2);
  EXPECT_EQ(billed(second), 0);

  // The lines alone: the stored note stays.
  v1::Invoice relined;
  st = update(noted, {{second, 3}}, "这条备注不应写入", {"lines"}, &relined);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(relined.note(), "客户要求月底前开票");
  ASSERT_EQ(relined.lines_size(), 1);
  EXPECT_EQ(relined.lines(0).billable_line_id(), second);
  EXPECT_EQ(relined.lines(0).quantity(), 3);
  EXPECT_EQ(billed(first), 0);
  EXPECT_EQ(billed(second), 3);

  // An unknown path is refused before anything is written.
  st = update(relined, {{first, 1}}, "未知字段", {"customer_id"}, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldViolationsOf(FromGrpcStatus(st)),
              ::testing::Contains(::testing::Field(&FieldViolation::field, "update_mask.paths[0]")));
  v1::GetInvoiceRequest get;
  get.set_id(inv.id());
  v1::GetInvoiceResponse got;
  ASSERT_TRUE(stub_->GetInvoice(As(Finance()).get(), get, &got).ok());
  EXPECT_EQ(got.invoice().etag(), relined.etag());
  EXPECT_EQ(got.invoice().note(), "客户要求月底前开票");
  EXPECT_EQ(billed(first), 0);
  EXPECT_EQ(billed(second), 3);

  // No mask: lines and note both replaced, a blank note clearing it.
  v1::Invoice replaced;
  st = update(relined, {{first, 1}}, "", {}, &replaced);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(replaced.note(), "");
  ASSERT_EQ(replaced.lines_size(), 1);
  EXPECT_EQ(replaced.lines(0).billable_line_id(), first);
  EXPECT_EQ(replaced.lines(0).quantity(), 1);
  EXPECT_EQ(billed(first), 1);
  EXPECT_EQ(billed(second), 0);
}

TEST_F(FinanceCore, ConcurrentApplicationsNeverOverApply) {
  const int64_t customer = 303, rep = 9;
  std::vector<v1::Invoice> invoices;
  int64_t total = 0;
  for (int i = 0; i < 4; ++i) {
    invoices.push_back(IssuedInvoice(customer, rep, 10 + i, 1111, absl::CivilDay(2026, 3, 1 + i)));
    total += invoices.back().gross_total().minor_units();
  }
  // 16 payments recorded on account, then applied at once from 16 threads:
  // together they exceed the receivable, so they compete for the same
  // invoices; each explicit one also aims at the first invoice directly.
  std::vector<v1::Payment> payments;
  for (int i = 0; i < 16; ++i) {
    v1::RecordPaymentResponse p;
    ASSERT_TRUE(Pay(customer, total / 10, v1::APPLY_MODE_NONE, &p).ok());
    payments.push_back(p.payment());
  }
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      v1::ApplyPaymentRequest req;
      req.set_request_id(absl::StrCat("apply-", i));
      req.set_payment_id(payments[i].id());
      if (i % 2 == 0) {
        req.set_mode(v1::APPLY_MODE_OLDEST_DUE_FIRST);
      } else {
        req.set_mode(v1::APPLY_MODE_EXPLICIT);
        auto* a = req.add_allocations();
        a->set_invoice_id(invoices[0].id());
        *a->mutable_amount() = Cny(invoices[0].gross_total().minor_units() / 3);
      }
      v1::ApplyPaymentResponse resp;
      grpc::Status st = stub_->ApplyPayment(As(Finance()).get(), req, &resp);
      if (st.ok()) {
        ++ok;
      } else {
        // Only "nothing left to pay" refusals are acceptable.
        EXPECT_TRUE(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                    st.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
            << st.error_message();
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok + refused, 16);
  EXPECT_GE(ok.load(), 8);  // oldest-first ones always succeed; explicit ones only while invoice 1 is open
  // Nothing over-applied: what is open is exactly what was not applied.
  int64_t applied =
      Sql(absl::StrCat("SELECT SUM(amount_minor) FROM payment_applications WHERE customer_id = ", customer));
  EXPECT_LE(applied, total);
  EXPECT_EQ(Sql(absl::StrCat("SELECT SUM(balance_minor) FROM invoices WHERE customer_id = ", customer)),
            total - applied);
  ExpectConserved(customer);
  // What stayed on account then pays the rest, oldest first: 16 x total/10
  // is more than the receivable, so everything ends paid.
  for (const auto& p : payments) {
    v1::ApplyPaymentRequest req;
    req.set_request_id(Rid());
    req.set_payment_id(p.id());
    req.set_mode(v1::APPLY_MODE_OLDEST_DUE_FIRST);
    v1::ApplyPaymentResponse resp;
    (void)stub_->ApplyPayment(As(Finance()).get(), req, &resp);
  }
  EXPECT_EQ(Sql(absl::StrCat("SELECT SUM(balance_minor) FROM invoices WHERE customer_id = ", customer)), 0);
  EXPECT_EQ(Sql(absl::StrCat("SELECT SUM(amount_minor) FROM payment_applications WHERE customer_id = ", customer)),
            total);
  ExpectConserved(customer);
  EXPECT_EQ(Verify().discrepancies_size(), 0);
}

TEST_F(FinanceCore, InvoiceNumbersStayGapFreeUnderConcurrentIssuesWithOneFailure) {
  const int64_t customer = 404, rep = 11;
  std::vector<v1::Invoice> reviewed;
  for (int i = 0; i < 32; ++i) {
    Ship(customer, rep, {{1 + i, 100, 1}});
  }
  auto lines = WaitBillable(customer, 32);
  ASSERT_EQ(lines.size(), 32u);
  for (const auto& l : lines) {
    v1::Invoice inv;
    ASSERT_TRUE(Request(customer, {{l.id(), 0}}, &inv).ok());
    reviewed.push_back(Review(inv));
  }
  // Invoice #17 fails inside its issuing transaction after it took a
  // number: a trigger refuses the UPDATE that writes the number.
  const int64_t doomed = reviewed[16].id();
  ASSERT_TRUE(SharedMariaDb()
                  .RootExec(absl::StrCat("CREATE TRIGGER `", db_.database, "`.fail_one BEFORE UPDATE ON `",
                                         db_.database, "`.invoices FOR EACH ROW BEGIN IF NEW.id = ", doomed,
                                         " AND NEW.number IS NOT NULL THEN SIGNAL SQLSTATE '45000' SET "
                                         "MESSAGE_TEXT = 'forced failure'; END IF; END"))
                  .ok());
  std::vector<grpc::Status> results(32);
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] { results[i] = Issue(reviewed[i], nullptr); });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 16) {
      EXPECT_FALSE(results[i].ok());
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error_message();
      ok += results[i].ok() ? 1 : 0;
    }
  }
  EXPECT_EQ(ok, 31);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL"), 31);
  EXPECT_EQ(Sql("SELECT COUNT(DISTINCT number_sequence) FROM invoices WHERE number IS NOT NULL"), 31);
  EXPECT_EQ(Sql("SELECT MIN(number_sequence) FROM invoices WHERE number IS NOT NULL"), 1);
  EXPECT_EQ(Sql("SELECT MAX(number_sequence) FROM invoices WHERE number IS NOT NULL"), 31);
  EXPECT_EQ(Sql("SELECT last_sequence FROM document_counters WHERE kind = 'INV' AND year = 2026"), 31);
  EXPECT_EQ(Sql(absl::StrCat("SELECT state = 'REVIEWED' FROM invoices WHERE id = ", doomed)), 1);
  EXPECT_EQ(Verify().numbering_anomalies_size(), 0);
  ASSERT_TRUE(SharedMariaDb().RootExec(absl::StrCat("DROP TRIGGER `", db_.database, "`.fail_one")).ok());
  // Retried, the doomed invoice takes the next number, not its old one.
  v1::Invoice last;
  ASSERT_TRUE(Issue(reviewed[16], &last).ok());
  EXPECT_EQ(last.number_sequence(), 32);
  ExpectConserved(customer);
}

TEST_F(FinanceCore, IssueIsUnavailableWhenCustomersCannotAnswer) {
  const int64_t customer = 505;
  Ship(customer, 12, {{2, 500, 1}});
  auto lines = WaitBillable(customer, 1);
  v1::Invoice inv;
  ASSERT_TRUE(Request(customer, {{lines[0].id(), 0}}, &inv).ok());
  inv = Review(inv);
  customers_.down = true;
  grpc::Status st = Issue(inv, nullptr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL"), 0);
  EXPECT_EQ(Sql("SELECT COALESCE(MAX(last_sequence), 0) FROM document_counters"), 0);
  customers_.down = false;
  v1::Invoice issued;
  ASSERT_TRUE(Issue(inv, &issued).ok());
  EXPECT_EQ(issued.number(), "INV-2026-000001");
}

TEST_F(FinanceCore, ReturnsCancellationsAndAgeingBalance) {
  const int64_t customer = 606, rep = 13;
  // One invoice dated long ago (overdue), one recent.
  v1::Invoice old_inv = IssuedInvoice(customer, rep, 10, 1000, absl::CivilDay(2025, 10, 1));  // due 2025-10-31
  v1::Invoice new_inv = IssuedInvoice(customer, rep, 4, 2500, absl::CivilDay(2026, 3, 10));   // due 2026-04-09
  // A return of 2 units of the recent invoice's line produces a PENDING memo.
  ov1::OrderReturnedEvent ret;
  ret.mutable_order()->set_order_id(next_order_);
  ret.mutable_order()->set_customer_id(customer);
  ret.mutable_order()->set_credited_rep_id(rep);
  ret.mutable_order()->set_currency_code("CNY");
  ret.set_return_request_id(77);
  ret.set_shipment_number("RET-1");
  ret.add_original_shipment_ids(next_order_ * 100);
  auto* rl = ret.add_lines();
  rl->set_order_line_id(next_order_ * 1000 + 1);
  rl->set_quantity(-2);
  *rl->mutable_unit_price() = Cny(2500);
  orders_.Push("OrderReturnedEvent", ret);
  v1::CreditMemo memo;
  for (int i = 0; i < 300 && memo.id() == 0; ++i) {
    v1::ListCreditMemosRequest lr;
    lr.set_customer_id(customer);
    v1::ListCreditMemosResponse lresp;
    if (stub_->ListCreditMemos(As(Finance()).get(), lr, &lresp).ok() && lresp.credit_memos_size() > 0) {
      memo = lresp.credit_memos(0);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_NE(memo.id(), 0);
  EXPECT_EQ(memo.state(), v1::MEMO_STATE_PENDING);
  EXPECT_EQ(memo.invoice_id(), new_inv.id());
  EXPECT_EQ(memo.total().minor_units(), 5000 + 650);
  v1::IssueCreditMemoRequest ir;
  ir.set_request_id(Rid());
  ir.set_id(memo.id());
  ir.set_etag(memo.etag());
  v1::IssueCreditMemoResponse iresp;
  ASSERT_TRUE(stub_->IssueCreditMemo(As(Finance()).get(), ir, &iresp).ok());
  EXPECT_EQ(iresp.credit_memo().number(), "CM-2026-000001");
  ASSERT_EQ(iresp.applications_size(), 1);
  EXPECT_EQ(iresp.applications(0).amount().minor_units(), 5650);

  // Ageing on 2026-03-25: the old invoice is 145 days past due, the new one
  // current; totals equal the open balance.
  v1::GetAgeingReportRequest ar;
  *ar.mutable_as_of() = FromCivilDay(absl::CivilDay(2026, 3, 25));
  v1::GetAgeingReportResponse aresp;
  ASSERT_TRUE(stub_->GetAgeingReport(As(Finance()).get(), ar, &aresp).ok());
  int64_t open = old_inv.gross_total().minor_units() + new_inv.gross_total().minor_units() - 5650;
  EXPECT_EQ(aresp.totals().total().minor_units(), open);
  EXPECT_EQ(aresp.totals().days_91_180().minor_units(), old_inv.gross_total().minor_units());
  EXPECT_EQ(aresp.totals().current().minor_units(), new_inv.gross_total().minor_units() - 5650);
  EXPECT_EQ(Exposure(customer).overdue().minor_units(), old_inv.gross_total().minor_units());
  // As of a past date, before the new invoice and the memo existed.
  *ar.mutable_as_of() = FromCivilDay(absl::CivilDay(2025, 11, 30));
  ar.set_group_by(v1::AGEING_GROUP_BY_REP);
  ASSERT_TRUE(stub_->GetAgeingReport(As(Finance()).get(), ar, &aresp).ok());
  EXPECT_EQ(aresp.totals().total().minor_units(), old_inv.gross_total().minor_units());
  EXPECT_EQ(aresp.totals().days_1_30().minor_units(), old_inv.gross_total().minor_units());
  ASSERT_EQ(aresp.rows_size(), 1);
  EXPECT_EQ(aresp.rows(0).rep_id(), rep);

  // Cancelling the old invoice credits its whole balance; its line is
  // billable again; the number stays used.
  v1::CancelInvoiceRequest cr;
  cr.set_request_id(Rid());
  cr.set_id(old_inv.id());
  cr.set_etag(old_inv.etag());
  cr.set_reason("wrong customer billed");
  v1::CancelInvoiceResponse cresp;
  grpc::Status st = stub_->CancelInvoice(As(Finance()).get(), cr, &cresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(cresp.invoice().state(), v1::INVOICE_STATE_CANCELLED);
  EXPECT_EQ(cresp.invoice().balance().minor_units(), 0);
  EXPECT_EQ(cresp.credit_memo().total().minor_units(), old_inv.gross_total().minor_units());
  EXPECT_EQ(Exposure(customer).overdue().minor_units(), 0);
  EXPECT_EQ(Exposure(customer).shipped_unbilled().minor_units(), 10000 + 1300);
  EXPECT_EQ(Sql(absl::StrCat("SELECT COUNT(*) FROM invoices WHERE id = ", old_inv.id())), 1);
  ExpectConserved(customer);
  EXPECT_EQ(Verify().discrepancies_size(), 0);
}

TEST_F(FinanceCore, StatementIsGeneratedSentAndConfirmed) {
  const int64_t customer = 707, rep = 14;
  v1::Invoice inv = IssuedInvoice(customer, rep, 3, 10000, absl::CivilDay(2026, 2, 10));
  ASSERT_TRUE(Pay(customer, 20000, v1::APPLY_MODE_OLDEST_DUE_FIRST, nullptr).ok());
  v1::GenerateStatementsRequest gr;
  gr.set_request_id(Rid());
  *gr.mutable_period()->mutable_start() = FromCivilDay(absl::CivilDay(2026, 1, 1));
  *gr.mutable_period()->mutable_end() = FromCivilDay(absl::CivilDay(2026, 3, 24));
  v1::GenerateStatementsResponse gresp;
  ASSERT_TRUE(stub_->GenerateStatements(As(Finance()).get(), gr, &gresp).ok());
  EXPECT_EQ(gresp.created_count(), 1);
  ASSERT_EQ(gresp.statement_ids_size(), 1);
  // Safe to repeat: the second run skips the existing statement.
  gr.set_request_id(Rid());
  ASSERT_TRUE(stub_->GenerateStatements(As(Finance()).get(), gr, &gresp).ok());
  EXPECT_EQ(gresp.skipped_count(), 1);
  // A period ending in the future is refused.
  v1::GenerateStatementsRequest future = gr;
  future.set_request_id(Rid());
  *future.mutable_period()->mutable_end() = FromCivilDay(absl::CivilDay(2026, 6, 30));
  EXPECT_EQ(stub_->GenerateStatements(As(Finance()).get(), future, &gresp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetStatementRequest get;
  get.set_id(gresp.statement_ids(0));
  v1::GetStatementResponse s;
  ASSERT_TRUE(stub_->GetStatement(As(Finance()).get(), get, &s).ok());
  const int64_t gross = inv.gross_total().minor_units();  // 30000 + 3900
  EXPECT_EQ(s.statement().opening_balance().minor_units(), 0);
  EXPECT_EQ(s.statement().total_debits().minor_units(), gross);
  EXPECT_EQ(s.statement().total_credits().minor_units(), 20000);
  EXPECT_EQ(s.statement().closing_balance().minor_units(), gross - 20000);
  EXPECT_EQ(s.statement().closing_ageing().total().minor_units(), gross - 20000);
  ASSERT_EQ(s.statement().entries_size(), 2);
  EXPECT_EQ(s.statement().entries(1).running_balance().minor_units(), gross - 20000);

  v1::MarkStatementSentRequest sent;
  sent.set_request_id(Rid());
  sent.set_id(get.id());
  sent.set_etag(s.statement().etag());
  *sent.mutable_sent_on() = FromCivilDay(absl::CivilDay(2026, 3, 25));
  v1::MarkStatementSentResponse sresp;
  ASSERT_TRUE(stub_->MarkStatementSent(As(Principal{"rep-14", "SALES_REP", rep, 140}).get(), sent, &sresp).ok());
  v1::RecordStatementConfirmationRequest conf;
  conf.set_request_id(Rid());
  conf.set_id(get.id());
  conf.set_etag(sresp.statement().etag());
  *conf.mutable_confirmed_on() = FromCivilDay(absl::CivilDay(2026, 3, 25));
  conf.set_confirmed_by("Zhao Min, chief accountant");
  conf.set_agreed(false);
  v1::RecordStatementConfirmationResponse cresp;
  grpc::Status st = stub_->RecordStatementConfirmation(As(Finance()).get(), conf, &cresp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // a dispute needs the customer's figure
  conf.set_request_id(Rid());
  conf.set_agreed(true);
  ASSERT_TRUE(stub_->RecordStatementConfirmation(As(Finance()).get(), conf, &cresp).ok());
  EXPECT_EQ(cresp.statement().state(), v1::STATEMENT_STATE_CONFIRMED);
  EXPECT_EQ(cresp.statement().confirmed_by(), "Zhao Min, chief accountant");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM outbox WHERE type = 'StatementConfirmedEvent'"), 1);
}

TEST_F(FinanceCore, DebitMemosAndCreditOnAccountAdjustBalances) {
  const int64_t customer = 808, rep = 15;
  v1::Invoice inv = IssuedInvoice(customer, rep, 2, 5000, absl::CivilDay(2026, 3, 1));  // 11300, due 03-31
  v1::CreateDebitMemoRequest dr;
  dr.set_request_id(Rid());
  auto* dm = dr.mutable_debit_memo();
  dm->set_customer_id(customer);
  dm->set_source(v1::DEBIT_MEMO_SOURCE_BANK_CHARGE);
  dm->set_reason("returned cheque fee");
  auto* dl = dm->add_lines();
  dl->set_description("bank charge");
  *dl->mutable_net_amount() = Cny(1000);
  v1::CreateDebitMemoResponse dresp;
  ASSERT_TRUE(stub_->CreateDebitMemo(As(Finance()).get(), dr, &dresp).ok());
  EXPECT_EQ(dresp.debit_memo().total().minor_units(), 1130);
  v1::IssueDebitMemoRequest di;
  di.set_request_id(Rid());
  di.set_id(dresp.debit_memo().id());
  di.set_etag(dresp.debit_memo().etag());
  *di.mutable_memo_date() = FromCivilDay(absl::CivilDay(2026, 3, 10));
  v1::IssueDebitMemoResponse diresp;
  grpc::Status st = stub_->IssueDebitMemo(As(Finance()).get(), di, &diresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(diresp.debit_memo().number(), "DM-2026-000001");
  EXPECT_EQ(ToCivilDay(diresp.debit_memo().due_on()), absl::CivilDay(2026, 4, 9));
  EXPECT_EQ(Exposure(customer).open_receivable().minor_units(), 11300 + 1130);

  // A payment oldest-first pays the invoice (due 03-31) then part of the memo.
  v1::RecordPaymentResponse pay;
  ASSERT_TRUE(Pay(customer, 11800, v1::APPLY_MODE_OLDEST_DUE_FIRST, &pay).ok());
  ASSERT_EQ(pay.applications_size(), 2);
  EXPECT_EQ(pay.applications(0).invoice_id(), inv.id());
  EXPECT_EQ(pay.applications(1).debit_memo_id(), dresp.debit_memo().id());
  EXPECT_EQ(pay.applications(1).amount().minor_units(), 500);

  // A goodwill credit on account, issued, then applied to what is left.
  v1::CreateCreditMemoRequest cr;
  cr.set_request_id(Rid());
  auto* cm = cr.mutable_credit_memo();
  cm->set_customer_id(customer);
  cm->set_source(v1::CREDIT_MEMO_SOURCE_OTHER);
  cm->set_reason("goodwill for late delivery");
  auto* cl = cm->add_lines();
  cl->set_description("goodwill");
  *cl->mutable_net_amount() = Cny(1000);
  v1::CreateCreditMemoResponse cresp;
  ASSERT_TRUE(stub_->CreateCreditMemo(As(Finance()).get(), cr, &cresp).ok());
  v1::IssueCreditMemoRequest ci;
  ci.set_request_id(Rid());
  ci.set_id(cresp.credit_memo().id());
  ci.set_etag(cresp.credit_memo().etag());
  v1::IssueCreditMemoResponse ciresp;
  ASSERT_TRUE(stub_->IssueCreditMemo(As(Finance()).get(), ci, &ciresp).ok());
  EXPECT_EQ(ciresp.credit_memo().unapplied().minor_units(), 1130);
  EXPECT_EQ(Exposure(customer).unapplied_credit().minor_units(), 1130);
  ExpectConserved(customer);
  v1::ApplyCreditMemoRequest ac;
  ac.set_request_id(Rid());
  ac.set_id(ciresp.credit_memo().id());
  ac.set_etag(ciresp.credit_memo().etag());
  ac.set_mode(v1::APPLY_MODE_OLDEST_DUE_FIRST);
  v1::ApplyCreditMemoResponse acresp;
  st = stub_->ApplyCreditMemo(As(Finance()).get(), ac, &acresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(acresp.applications_size(), 1);
  EXPECT_EQ(acresp.applications(0).amount().minor_units(), 630);
  EXPECT_EQ(acresp.credit_memo().unapplied().minor_units(), 500);
  v1::CustomerExposure e = Exposure(customer);
  EXPECT_EQ(e.open_receivable().minor_units(), 0);
  EXPECT_EQ(e.unapplied_credit().minor_units(), 500);
  ExpectConserved(customer);
  EXPECT_EQ(Verify().discrepancies_size(), 0);

  // The month's invoicing by rep: one invoice, the goodwill credit, and a
  // second shipment not yet invoiced at the month's end.
  Ship(customer, rep, {{3, 1000, 2}}, absl::CivilDay(2026, 3, 20));
  WaitBillable(customer, 2);
  v1::GetInvoicingReportRequest rr;
  rr.set_period_kind(common::v1::PERIOD_KIND_MONTH);
  *rr.mutable_range()->mutable_start() = FromCivilDay(absl::CivilDay(2026, 2, 1));
  *rr.mutable_range()->mutable_end() = FromCivilDay(absl::CivilDay(2026, 3, 31));
  rr.set_group_by(v1::REPORT_GROUP_BY_REP);
  rr.set_rep_id(rep);
  v1::GetInvoicingReportResponse rresp;
  st = stub_->GetInvoicingReport(As(Finance()).get(), rr, &rresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(rresp.rows_size(), 1);
  const auto& row = rresp.rows(0);
  EXPECT_EQ(ToCivilDay(row.period().start()), absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(row.rep_id(), rep);
  EXPECT_EQ(row.invoice_count(), 1);
  EXPECT_EQ(row.net_invoiced().minor_units(), 10000);
  EXPECT_EQ(row.tax_invoiced().minor_units(), 1300);
  EXPECT_EQ(row.credited().minor_units(), 1130);
  EXPECT_EQ(row.shipped_unbilled().minor_units(), 3000 + 390);
}

TEST_F(FinanceCore, RepsSeeOnlyTheirOwnReceivables) {
  v1::Invoice mine = IssuedInvoice(901, 21, 1, 1000);
  v1::Invoice theirs = IssuedInvoice(902, 22, 1, 2000);
  Principal rep{"rep-21", "SALES_REP", 21, 210};
  v1::GetInvoiceRequest gi;
  gi.set_id(theirs.id());
  v1::GetInvoiceResponse gresp;
  EXPECT_EQ(stub_->GetInvoice(As(rep).get(), gi, &gresp).error_code(), grpc::StatusCode::NOT_FOUND);
  gi.set_id(mine.id());
  EXPECT_TRUE(stub_->GetInvoice(As(rep).get(), gi, &gresp).ok());
  v1::ListInvoicesRequest li;
  v1::ListInvoicesResponse lresp;
  ASSERT_TRUE(stub_->ListInvoices(As(rep).get(), li, &lresp).ok());
  ASSERT_EQ(lresp.invoices_size(), 1);
  EXPECT_EQ(lresp.invoices(0).id(), mine.id());
  v1::GetAgeingReportRequest ar;
  *ar.mutable_as_of() = FromCivilDay(absl::CivilDay(2026, 3, 25));
  v1::GetAgeingReportResponse aresp;
  ASSERT_TRUE(stub_->GetAgeingReport(As(rep).get(), ar, &aresp).ok());
  EXPECT_EQ(aresp.totals().total().minor_units(), mine.gross_total().minor_units());
  // Reps do not post payments or issue invoices.
  EXPECT_EQ(Pay(901, 100, v1::APPLY_MODE_NONE, nullptr).error_code(), grpc::StatusCode::OK);
  v1::RecordPaymentRequest pr;
  pr.set_request_id(Rid());
  v1::RecordPaymentResponse presp;
  EXPECT_EQ(stub_->RecordPayment(As(rep).get(), pr, &presp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// ListCustomerBalances reads a page in a fixed number of statements (issue
// 15: not seven or more per customer): every listed balance must still be
// exactly what GetCustomerBalance answers for that customer and date, in
// customer order, each once across pages; today and on a past date, for
// finance and for a rep who sees only their own customers.
TEST_F(FinanceCore, AListedPageOfBalancesHoldsEachAsGetCustomerBalanceReadsIt) {
  const Principal rep31{"rep-31", "SALES_REP", 31, 310};
  IssuedInvoice(1105, 33, 2, 4000, absl::CivilDay(2025, 11, 15));  // due 2025-12-15
  IssuedInvoice(1101, 31, 1, 5000, absl::CivilDay(2025, 12, 1));   // due 2025-12-31
  IssuedInvoice(1102, 31, 3, 2000, absl::CivilDay(2026, 1, 5));    // due 2026-02-04
  IssuedInvoice(1104, 32, 1, 3000, absl::CivilDay(2026, 2, 1));
  IssuedInvoice(1101, 31, 2, 1500, absl::CivilDay(2026, 3, 10));                // current
  IssuedInvoice(1103, 32, 1, 8000, absl::CivilDay(2026, 3, 20));                // current
  ASSERT_TRUE(Pay(1102, 5000, v1::APPLY_MODE_OLDEST_DUE_FIRST, nullptr).ok());  // part of 6780
  ASSERT_TRUE(Pay(1104, 5000, v1::APPLY_MODE_OLDEST_DUE_FIRST, nullptr).ok());  // 3390 paid, 1610 on account
  const common::v1::Date past = FromCivilDay(absl::CivilDay(2026, 1, 31));

  auto get = [&](const Principal& who, int64_t customer, const common::v1::Date* as_of) {
    v1::GetCustomerBalanceRequest req;
    req.set_customer_id(customer);
    if (as_of) *req.mutable_as_of() = *as_of;
    v1::GetCustomerBalanceResponse resp;
    grpc::Status st = stub_->GetCustomerBalance(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.balance();
  };
  // Every page of two; each row against GetCustomerBalance.
  auto list = [&](const Principal& who, const common::v1::Date* as_of) {
    std::map<int64_t, v1::CustomerBalance> listed_by_id;
    std::vector<int64_t> listed;
    v1::ListCustomerBalancesRequest req;
    req.set_page_size(2);
    if (as_of) *req.mutable_as_of() = *as_of;
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListCustomerBalancesResponse resp;
      grpc::Status st = stub_->ListCustomerBalances(As(who).get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      EXPECT_LE(resp.balances_size(), 2);
      int64_t page_total = 0;
      for (const auto& b : resp.balances()) {
        listed.push_back(b.customer_id());
        listed_by_id[b.customer_id()] = b;
        page_total += b.open_receivable().minor_units();
        v1::CustomerBalance one = get(who, b.customer_id(), as_of);
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(b, one))
            << "listed: " << b.DebugString() << "\ngot: " << one.DebugString();
      }
      EXPECT_EQ(resp.total_open_receivable().minor_units(), page_total);
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return std::make_pair(listed, listed_by_id);
  };

  auto [today_ids, today] = list(Finance(), nullptr);
  EXPECT_EQ(today_ids, (std::vector<int64_t>{1101, 1102, 1103, 1104, 1105}));
  // The rows cover what the batch reads: overdue with its oldest due date,
  // current only, part paid, money on account.
  EXPECT_EQ(ToCivilDay(today[1101].oldest_overdue_due_on()), absl::CivilDay(2025, 12, 31));
  EXPECT_EQ(today[1101].open_document_count(), 2);
  EXPECT_EQ(today[1102].overdue().minor_units(), 6780 - 5000);
  EXPECT_EQ(ToCivilDay(today[1102].oldest_overdue_due_on()), absl::CivilDay(2026, 2, 4));
  EXPECT_FALSE(today[1103].has_oldest_overdue_due_on());
  EXPECT_EQ(today[1103].overdue().minor_units(), 0);
  EXPECT_EQ(today[1104].on_account().minor_units(), 1610);
  EXPECT_EQ(ToCivilDay(today[1105].oldest_overdue_due_on()), absl::CivilDay(2025, 12, 15));

  auto [past_ids, then] = list(Finance(), &past);
  EXPECT_EQ(past_ids, (std::vector<int64_t>{1101, 1102, 1103, 1104, 1105}));
  EXPECT_EQ(then[1101].open_document_count(), 1);  // the March invoice did not exist yet
  EXPECT_EQ(then[1102].overdue().minor_units(), 0);
  EXPECT_FALSE(then[1102].has_oldest_overdue_due_on());
  EXPECT_EQ(then[1103].invoiced().minor_units(), 0);
  EXPECT_EQ(then[1104].on_account().minor_units(), 0);  // paid on 2026-03-20

  EXPECT_EQ(list(rep31, nullptr).first, (std::vector<int64_t>{1101, 1102}));
  EXPECT_EQ(list(rep31, &past).first, (std::vector<int64_t>{1101, 1102}));
}

// ListStatements reads a page in one statement (issue 15: not a load per
// statement): every listed statement must still be exactly what
// GetStatement answers (without the entries, which only Get carries), in id
// order, each once across pages; drafts, a confirmation and a dispute in
// Chinese, for finance and for a rep.
TEST_F(FinanceCore, AListedPageOfStatementsHoldsEachAsGetStatementReadsIt) {
  const Principal rep41{"rep-41", "SALES_REP", 41, 410};
  IssuedInvoice(1201, 41, 2, 5000, absl::CivilDay(2026, 1, 10));
  IssuedInvoice(1202, 41, 1, 7000, absl::CivilDay(2026, 2, 10));
  IssuedInvoice(1203, 42, 3, 1000, absl::CivilDay(2026, 2, 20));
  IssuedInvoice(1204, 41, 1, 2000, absl::CivilDay(2026, 3, 1));
  ASSERT_TRUE(Pay(1202, 3000, v1::APPLY_MODE_OLDEST_DUE_FIRST, nullptr).ok());
  v1::GenerateStatementsRequest gr;
  gr.set_request_id(Rid());
  *gr.mutable_period()->mutable_start() = FromCivilDay(absl::CivilDay(2026, 1, 1));
  *gr.mutable_period()->mutable_end() = FromCivilDay(absl::CivilDay(2026, 3, 24));
  v1::GenerateStatementsResponse gresp;
  ASSERT_TRUE(stub_->GenerateStatements(As(Finance()).get(), gr, &gresp).ok());
  ASSERT_EQ(gresp.statement_ids_size(), 4);
  std::vector<int64_t> ids(gresp.statement_ids().begin(), gresp.statement_ids().end());  // by customer

  auto get = [&](const Principal& who, int64_t id) {
    v1::GetStatementRequest req;
    req.set_id(id);
    v1::GetStatementResponse resp;
    grpc::Status st = stub_->GetStatement(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.statement();
  };
  // Sent, then the customer's written answer: agreed, or disputed with their figure.
  auto answer = [&](int64_t id, bool agreed, const std::string& by, const std::string& comment) {
    v1::MarkStatementSentRequest sent;
    sent.set_request_id(Rid());
    sent.set_id(id);
    sent.set_etag(get(Finance(), id).etag());
    *sent.mutable_sent_on() = FromCivilDay(absl::CivilDay(2026, 3, 25));
    v1::MarkStatementSentResponse sresp;
    ASSERT_TRUE(stub_->MarkStatementSent(As(Finance()).get(), sent, &sresp).ok());
    v1::RecordStatementConfirmationRequest conf;
    conf.set_request_id(Rid());
    conf.set_id(id);
    conf.set_etag(sresp.statement().etag());
    *conf.mutable_confirmed_on() = FromCivilDay(absl::CivilDay(2026, 3, 25));
    conf.set_confirmed_by(by);
    conf.set_agreed(agreed);
    if (!agreed) *conf.mutable_customer_stated_balance() = Cny(5000);
    conf.set_customer_comment(comment);
    v1::RecordStatementConfirmationResponse cresp;
    grpc::Status st = stub_->RecordStatementConfirmation(As(Finance()).get(), conf, &cresp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  };
  answer(ids[0], true, "赵敏（财务主管）", "余额无误，已盖章确认。");
  answer(ids[1], false, "钱伟（出纳）", "我方记录三月已付三千元，余额应为五千元。");

  auto list = [&](const Principal& who, int page_size) {
    std::vector<int64_t> listed;
    v1::ListStatementsRequest req;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListStatementsResponse resp;
      grpc::Status st = stub_->ListStatements(As(who).get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      EXPECT_LE(resp.statements_size(), page_size);
      for (const auto& s : resp.statements()) {
        listed.push_back(s.id());
        v1::Statement one = get(who, s.id());
        EXPECT_GT(one.entries_size(), 0);
        one.clear_entries();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(s, one))
            << "listed: " << s.DebugString() << "\ngot: " << one.DebugString();
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  EXPECT_EQ(list(Finance(), 3), ids);
  EXPECT_EQ(list(rep41, 1), (std::vector<int64_t>{ids[0], ids[1], ids[3]}));
  EXPECT_EQ(get(Finance(), ids[0]).confirmed_by(), "赵敏（财务主管）");
  EXPECT_EQ(get(Finance(), ids[1]).customer_stated_balance().minor_units(), 5000);
}

// ListInvoices reads a page in two statements (issue 15: not one more per
// invoice for its lines): every listed invoice must still be exactly what
// GetInvoice answers, with its note and lines as requested in Chinese, in id
// order, each once across pages; requested, reviewed, issued, signed and
// part-paid invoices, for finance, by state, and for a rep who sees only
// their own.
TEST_F(FinanceCore, AListedPageOfInvoicesHoldsEachAsGetInvoiceReadsIt) {
  const Principal rep51{"rep-51", "SALES_REP", 51, 510};
  struct Requested {
    std::string note;
    std::vector<std::string> descriptions;
  };
  std::map<int64_t, Requested> requested;
  std::vector<int64_t> ids;  // in the order requested, which is id order
  // Ships an order to the customer and requests its invoice, each line
  // described in Chinese and naming the customer.
  auto request = [&](int64_t customer, int64_t rep, std::vector<std::tuple<int64_t, int64_t, int64_t>> lines,
                     const std::string& note) {
    Ship(customer, rep, lines);
    auto shipped = WaitBillable(customer, static_cast<int>(lines.size()));
    v1::RequestInvoiceRequest req;
    req.set_request_id(Rid());
    req.set_customer_id(customer);
    req.set_note(note);
    Requested r{note, {}};
    for (size_t i = 0; i < shipped.size(); ++i) {
      auto* l = req.add_lines();
      l->set_billable_line_id(shipped[i].id());
      r.descriptions.push_back(absl::StrCat("铁观音礼盒第", i + 1, "行（客户", customer, "）"));
      l->set_description(r.descriptions.back());
    }
    v1::RequestInvoiceResponse resp;
    grpc::Status st = stub_->RequestInvoice(As(Clerk()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    ids.push_back(resp.invoice().id());
    requested[resp.invoice().id()] = r;
    return resp.invoice();
  };
  v1::Invoice signed_for = request(1301, 51, {{2, 3000, 1}, {1, 5000, 2}, {4, 800, 1}}, "请按合同开具增值税专用发票");
  v1::Invoice part_paid = request(1302, 52, {{3, 1200, 2}, {1, 9900, 1}}, "客户要求月底前开票");
  request(1303, 51, {{5, 600, 1}, {2, 2500, 3}}, "待销售主管审核");
  v1::Invoice reviewed = request(1304, 52, {{1, 4000, 1}, {1, 4500, 2}}, "已核对发货单");
  v1::Invoice issued = request(1305, 51, {{6, 700, 2}, {2, 1800, 1}, {1, 300, 3}}, "");
  ASSERT_EQ(ids.size(), 5u);

  Review(reviewed);
  v1::Invoice out;
  ASSERT_TRUE(Issue(Review(signed_for), &out).ok());
  v1::RecordInvoiceReceiptRequest rr;
  rr.set_request_id(Rid());
  rr.set_id(out.id());
  rr.set_etag(out.etag());
  *rr.mutable_signed_on() = FromCivilDay(absl::CivilDay(2026, 3, 6));
  rr.set_signed_by("李娜（仓库主管）");
  v1::RecordInvoiceReceiptResponse rresp;
  ASSERT_TRUE(stub_->RecordInvoiceReceipt(As(Clerk()).get(), rr, &rresp).ok());
  ASSERT_TRUE(Issue(Review(part_paid), nullptr).ok());
  ASSERT_TRUE(Pay(1302, 5000, v1::APPLY_MODE_OLDEST_DUE_FIRST, nullptr).ok());
  ASSERT_TRUE(Issue(Review(issued), nullptr).ok());

  auto get = [&](const Principal& who, int64_t id) {
    v1::GetInvoiceRequest req;
    req.set_id(id);
    v1::GetInvoiceResponse resp;
    grpc::Status st = stub_->GetInvoice(As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.invoice();
  };
  auto list = [&](const Principal& who, v1::ListInvoicesRequest req, int page_size) {
    std::vector<int64_t> listed;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListInvoicesResponse resp;
      grpc::Status st = stub_->ListInvoices(As(who).get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      EXPECT_LE(resp.invoices_size(), page_size);
      for (const auto& inv : resp.invoices()) {
        listed.push_back(inv.id());
        v1::Invoice one = get(who, inv.id());
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(inv, one))
            << "listed: " << inv.DebugString() << "\ngot: " << one.DebugString();
        // Its own lines, in the order requested, not another invoice's.
        const Requested& r = requested[inv.id()];
        EXPECT_EQ(inv.note(), r.note);
        EXPECT_EQ(inv.lines_size(), static_cast<int>(r.descriptions.size()));
        for (int i = 0; i < inv.lines_size() && i < static_cast<int>(r.descriptions.size()); ++i) {
          EXPECT_EQ(inv.lines(i).description(), r.descriptions[i]);
        }
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  EXPECT_EQ(list(Finance(), {}, 2), ids);
  EXPECT_EQ(list(rep51, {}, 1), (std::vector<int64_t>{ids[0], ids[2], ids[4]}));
  v1::ListInvoicesRequest open;
  open.add_states(v1::INVOICE_STATE_ISSUED);
  open.add_states(v1::INVOICE_STATE_PARTIALLY_PAID);
  EXPECT_EQ(list(Finance(), open, 2), (std::vector<int64_t>{ids[0], ids[1], ids[4]}));
  EXPECT_EQ(get(Finance(), ids[0]).receipt_signed_by(), "李娜（仓库主管）");
  EXPECT_EQ(get(Finance(), ids[1]).state(), v1::INVOICE_STATE_PARTIALLY_PAID);
}

// ListPaymentApplications reads a page in two statements (issue 15: not one
// more per application for its product-line split): every listed
// application must still be exactly as RecordPayment made it, or as
// ReversePaymentApplication left it with its Chinese reason, split over both
// product lines, in id order, each once across pages; to invoices and a
// debit memo, with and without reversed ones, by payment, and for a rep.
TEST_F(FinanceCore, AListedPageOfPaymentApplicationsHoldsEachAsApplied) {
  const Principal rep61{"rep-61", "SALES_REP", 61, 610};
  // Two product lines: 2 x 30.00 on line 1 and 50.00 on line 2, 124.30 with VAT.
  auto invoice = [&](int64_t customer, int64_t rep, absl::CivilDay date) {
    Ship(customer, rep, {{2, 3000, 1}, {1, 5000, 2}});
    auto lines = WaitBillable(customer, lines_of_[customer] += 2);
    v1::Invoice inv;
    if (lines.size() < 2) return inv;
    grpc::Status st = Request(customer, {{lines[lines.size() - 2].id(), 0}, {lines.back().id(), 0}}, &inv);
    EXPECT_TRUE(st.ok()) << st.error_message();
    v1::Invoice out;
    st = Issue(Review(inv), &out, date);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  };
  v1::Invoice a = invoice(1401, 61, absl::CivilDay(2026, 3, 1));  // due 03-31
  v1::Invoice b = invoice(1401, 61, absl::CivilDay(2026, 3, 5));  // due 04-04
  v1::Invoice c = invoice(1402, 62, absl::CivilDay(2026, 3, 5));
  ASSERT_EQ(a.gross_total().minor_units(), 12430);
  v1::CreateDebitMemoRequest dr;
  dr.set_request_id(Rid());
  auto* dm = dr.mutable_debit_memo();
  dm->set_customer_id(1401);
  dm->set_source(v1::DEBIT_MEMO_SOURCE_FEE);
  dm->set_reason("逾期付款违约金");
  for (int64_t pl : {1, 2}) {
    auto* l = dm->add_lines();
    l->set_product_id(900 + pl);
    l->set_product_line_id(pl);
    l->set_description(pl == 1 ? "违约金（龙井）" : "违约金（红茶）");
    *l->mutable_net_amount() = Cny(1000 * pl);
  }
  v1::CreateDebitMemoResponse dresp;
  ASSERT_TRUE(stub_->CreateDebitMemo(As(Finance()).get(), dr, &dresp).ok());
  v1::IssueDebitMemoRequest di;
  di.set_request_id(Rid());
  di.set_id(dresp.debit_memo().id());
  di.set_etag(dresp.debit_memo().etag());
  *di.mutable_memo_date() = FromCivilDay(absl::CivilDay(2026, 3, 10));  // due 04-09, after both invoices
  v1::IssueDebitMemoResponse diresp;
  grpc::Status st = stub_->IssueDebitMemo(As(Finance()).get(), di, &diresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(diresp.debit_memo().total().minor_units(), 3390);

  // Oldest due first: A and part of B; the rest of B and the memo; C in part.
  std::map<int64_t, v1::PaymentApplication> made;
  v1::RecordPaymentResponse p1, p2, p3;
  ASSERT_TRUE(Pay(1401, 20000, v1::APPLY_MODE_OLDEST_DUE_FIRST, &p1).ok());
  ASSERT_TRUE(Pay(1401, 10000, v1::APPLY_MODE_OLDEST_DUE_FIRST, &p2).ok());
  ASSERT_TRUE(Pay(1402, 5000, v1::APPLY_MODE_OLDEST_DUE_FIRST, &p3).ok());
  ASSERT_EQ(p1.applications_size(), 2);
  ASSERT_EQ(p2.applications_size(), 2);
  ASSERT_EQ(p3.applications_size(), 1);
  EXPECT_EQ(p1.applications(1).invoice_id(), b.id());
  EXPECT_EQ(p2.applications(1).debit_memo_id(), dresp.debit_memo().id());
  EXPECT_EQ(p3.applications(0).invoice_id(), c.id());
  for (const auto* p : {&p1, &p2, &p3}) {
    for (const auto& app : p->applications()) made[app.id()] = app;
  }
  v1::ReversePaymentApplicationRequest rv;
  rv.set_request_id(Rid());
  rv.set_application_id(p1.applications(1).id());
  rv.set_reason("银行退回，冲销本次核销");
  v1::ReversePaymentApplicationResponse rvresp;
  st = stub_->ReversePaymentApplication(As(Finance()).get(), rv, &rvresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(rvresp.application().reversal_reason(), "银行退回，冲销本次核销");
  made[rvresp.application().id()] = rvresp.application();
  std::vector<int64_t> all, active, of_rep61;
  for (const auto& [id, app] : made) {
    all.push_back(id);
    if (app.state() == v1::APPLICATION_STATE_ACTIVE) active.push_back(id);
    if (app.rep_id() == 61) of_rep61.push_back(id);
  }
  ASSERT_EQ(all.size(), 5u);
  ASSERT_EQ(active.size(), 4u);
  ASSERT_EQ(of_rep61.size(), 4u);

  auto list = [&](const Principal& who, v1::ListPaymentApplicationsRequest req, int page_size) {
    std::vector<int64_t> listed;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListPaymentApplicationsResponse resp;
      grpc::Status status = stub_->ListPaymentApplications(As(who).get(), req, &resp);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(resp.applications_size(), page_size);
      for (const auto& app : resp.applications()) {
        listed.push_back(app.id());
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(app, made[app.id()]))
            << "listed: " << app.DebugString() << "\nmade: " << made[app.id()].DebugString();
        // Its own split, over both product lines, adding up to its amount.
        EXPECT_EQ(app.product_line_amounts_size(), 2);
        int64_t split = 0;
        for (const auto& pl : app.product_line_amounts()) split += pl.amount().minor_units();
        EXPECT_EQ(split, app.amount().minor_units());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  v1::ListPaymentApplicationsRequest with_reversed;
  with_reversed.set_include_reversed(true);
  EXPECT_EQ(list(Finance(), with_reversed, 2), all);
  EXPECT_EQ(list(Finance(), {}, 2), active);
  EXPECT_EQ(list(rep61, with_reversed, 1), of_rep61);
  v1::ListPaymentApplicationsRequest of_p2;
  of_p2.set_payment_id(p2.payment().id());
  EXPECT_EQ(list(Finance(), of_p2, 1), (std::vector<int64_t>{p2.applications(0).id(), p2.applications(1).id()}));
}

// ListCreditMemos reads a page in two statements (issue 15: not one more per
// memo for its lines): every listed memo must still be exactly what
// GetCreditMemo answers and what its last change returned, with its Chinese
// reason and lines as created, in id order, each once across pages; pending,
// issued and voided memos, by state, and for a rep who sees only their own
// customers'.
TEST_F(FinanceCore, AListedPageOfCreditMemosHoldsEachAsGetCreditMemoReadsIt) {
  const Principal rep71{"rep-71", "SALES_REP", 71, 710};
  IssuedInvoice(1501, 71, 1, 10000);  // the customers' accounts, and with them their reps
  IssuedInvoice(1502, 72, 1, 10000);
  std::map<int64_t, v1::CreditMemo> last;  // as the last change returned it
  std::map<int64_t, std::vector<std::string>> descriptions;
  std::vector<int64_t> ids;
  auto create = [&](int64_t customer, v1::CreditMemoSource source, const std::string& reason,
                    const std::vector<std::pair<std::string, int64_t>>& lines) {
    v1::CreateCreditMemoRequest req;
    req.set_request_id(Rid());
    auto* m = req.mutable_credit_memo();
    m->set_customer_id(customer);
    m->set_source(source);
    m->set_reason(reason);
    std::vector<std::string> wanted;
    int64_t n = 0;
    for (const auto& [description, net] : lines) {
      auto* l = m->add_lines();
      l->set_product_id(800 + (++n));
      l->set_product_line_id(n);
      l->set_quantity(n);
      l->set_description(description);
      *l->mutable_net_amount() = Cny(net);
      wanted.push_back(description);
    }
    v1::CreateCreditMemoResponse resp;
    grpc::Status st = stub_->CreateCreditMemo(As(Finance()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    const int64_t id = resp.credit_memo().id();
    ids.push_back(id);
    last[id] = resp.credit_memo();
    descriptions[id] = std::move(wanted);
    return resp.credit_memo();
  };
  v1::CreditMemo rebate =
      create(1501, v1::CREDIT_MEMO_SOURCE_OTHER, "春节促销返利", {{"返利：西湖龙井", 1000}, {"返利：祁门红茶", 2000}});
  create(1502, v1::CREDIT_MEMO_SOURCE_PRICE_ADJUSTMENT, "价格调整：合同价低于开票价",
         {{"调价：普洱茶饼", 1500}, {"调价：白毫银针", 2500}, {"调价：茉莉花茶", 500}});
  v1::CreditMemo mistaken = create(1501, v1::CREDIT_MEMO_SOURCE_OTHER, "重复录入", {{"重复：冻顶乌龙", 800}});
  v1::CreditMemo quarterly = create(1502, v1::CREDIT_MEMO_SOURCE_PRICE_ADJUSTMENT, "季度返点",
                                    {{"返点：安吉白茶", 1200}, {"返点：洞庭碧螺春", 1300}});
  ASSERT_EQ(ids.size(), 4u);
  for (const v1::CreditMemo* m : {&rebate, &quarterly}) {
    v1::IssueCreditMemoRequest ir;
    ir.set_request_id(Rid());
    ir.set_id(m->id());
    ir.set_etag(m->etag());
    v1::IssueCreditMemoResponse iresp;
    grpc::Status st = stub_->IssueCreditMemo(As(Finance()).get(), ir, &iresp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    last[m->id()] = iresp.credit_memo();
  }
  v1::VoidCreditMemoRequest vr;
  vr.set_request_id(Rid());
  vr.set_id(mistaken.id());
  vr.set_etag(mistaken.etag());
  vr.set_reason("录入错误，已作废");
  v1::VoidCreditMemoResponse vresp;
  grpc::Status st = stub_->VoidCreditMemo(As(Finance()).get(), vr, &vresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  last[mistaken.id()] = vresp.credit_memo();
  EXPECT_EQ(vresp.credit_memo().void_reason(), "录入错误，已作废");

  auto get = [&](const Principal& who, int64_t id) {
    v1::GetCreditMemoRequest req;
    req.set_id(id);
    v1::GetCreditMemoResponse resp;
    grpc::Status status = stub_->GetCreditMemo(As(who).get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.credit_memo();
  };
  auto list = [&](const Principal& who, v1::ListCreditMemosRequest req, int page_size) {
    std::vector<int64_t> listed;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListCreditMemosResponse resp;
      grpc::Status status = stub_->ListCreditMemos(As(who).get(), req, &resp);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(resp.credit_memos_size(), page_size);
      for (const auto& m : resp.credit_memos()) {
        listed.push_back(m.id());
        v1::CreditMemo one = get(who, m.id());
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m, one))
            << "listed: " << m.DebugString() << "\ngot: " << one.DebugString();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m, last[m.id()]))
            << "listed: " << m.DebugString() << "\nlast returned: " << last[m.id()].DebugString();
        const auto& want = descriptions[m.id()];
        EXPECT_EQ(m.lines_size(), static_cast<int>(want.size()));
        for (int i = 0; i < m.lines_size() && i < static_cast<int>(want.size()); ++i) {
          EXPECT_EQ(m.lines(i).description(), want[i]);
        }
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  EXPECT_EQ(list(Finance(), {}, 3), ids);
  EXPECT_EQ(list(rep71, {}, 1), (std::vector<int64_t>{ids[0], ids[2]}));
  v1::ListCreditMemosRequest issued;
  issued.add_states(v1::MEMO_STATE_ISSUED);
  EXPECT_EQ(list(Finance(), issued, 1), (std::vector<int64_t>{ids[0], ids[3]}));
  EXPECT_EQ(get(Finance(), ids[1]).reason(), "价格调整：合同价低于开票价");
}

// ListDebitMemos reads a page in two statements (issue 15: not one more per
// memo for its lines): every listed memo must still be exactly what
// GetDebitMemo answers and what its last change returned, with its Chinese
// reason and lines as created, in id order, each once across pages; pending,
// issued and voided memos, by state, and for a rep who sees only their own
// customers'.
TEST_F(FinanceCore, AListedPageOfDebitMemosHoldsEachAsGetDebitMemoReadsIt) {
  const Principal rep81{"rep-81", "SALES_REP", 81, 810};
  IssuedInvoice(1601, 81, 1, 10000);  // the customers' accounts, and with them their reps
  IssuedInvoice(1602, 82, 1, 10000);
  std::map<int64_t, v1::DebitMemo> last;  // as the last change returned it
  std::map<int64_t, std::vector<std::string>> descriptions;
  std::vector<int64_t> ids;
  auto create = [&](int64_t customer, v1::DebitMemoSource source, const std::string& reason,
                    const std::vector<std::pair<std::string, int64_t>>& lines) {
    v1::CreateDebitMemoRequest req;
    req.set_request_id(Rid());
    auto* m = req.mutable_debit_memo();
    m->set_customer_id(customer);
    m->set_source(source);
    m->set_reason(reason);
    std::vector<std::string> wanted;
    int64_t n = 0;
    for (const auto& [description, net] : lines) {
      auto* l = m->add_lines();
      l->set_product_id(700 + (++n));
      l->set_product_line_id(n);
      l->set_quantity(n);
      l->set_description(description);
      *l->mutable_net_amount() = Cny(net);
      wanted.push_back(description);
    }
    v1::CreateDebitMemoResponse resp;
    grpc::Status st = stub_->CreateDebitMemo(As(Finance()).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    const int64_t id = resp.debit_memo().id();
    ids.push_back(id);
    last[id] = resp.debit_memo();
    descriptions[id] = std::move(wanted);
    return resp.debit_memo();
  };
  v1::DebitMemo late_fee = create(1601, v1::DEBIT_MEMO_SOURCE_FEE, "逾期付款违约金",
                                  {{"违约金：三月货款", 1000}, {"违约金：四月货款", 1500}});
  create(1602, v1::DEBIT_MEMO_SOURCE_PRICE_ADJUSTMENT, "补收差价：合同价高于开票价",
         {{"补差：普洱茶饼", 2000}, {"补差：白毫银针", 700}, {"补差：茉莉花茶", 300}});
  v1::DebitMemo mistaken = create(1601, v1::DEBIT_MEMO_SOURCE_OTHER, "重复开具", {{"重复：运费", 500}});
  v1::DebitMemo bank = create(1602, v1::DEBIT_MEMO_SOURCE_BANK_CHARGE, "退票手续费",
                              {{"手续费：工商银行", 100}, {"手续费：建设银行", 200}});
  ASSERT_EQ(ids.size(), 4u);
  for (const v1::DebitMemo* m : {&late_fee, &bank}) {
    v1::IssueDebitMemoRequest ir;
    ir.set_request_id(Rid());
    ir.set_id(m->id());
    ir.set_etag(m->etag());
    *ir.mutable_memo_date() = FromCivilDay(absl::CivilDay(2026, 3, 10));
    v1::IssueDebitMemoResponse iresp;
    grpc::Status st = stub_->IssueDebitMemo(As(Finance()).get(), ir, &iresp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    last[m->id()] = iresp.debit_memo();
  }
  v1::VoidDebitMemoRequest vr;
  vr.set_request_id(Rid());
  vr.set_id(mistaken.id());
  vr.set_etag(mistaken.etag());
  vr.set_reason("与上月运费重复，作废");
  v1::VoidDebitMemoResponse vresp;
  grpc::Status st = stub_->VoidDebitMemo(As(Finance()).get(), vr, &vresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  last[mistaken.id()] = vresp.debit_memo();
  EXPECT_EQ(vresp.debit_memo().void_reason(), "与上月运费重复，作废");

  auto get = [&](const Principal& who, int64_t id) {
    v1::GetDebitMemoRequest req;
    req.set_id(id);
    v1::GetDebitMemoResponse resp;
    grpc::Status status = stub_->GetDebitMemo(As(who).get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.debit_memo();
  };
  auto list = [&](const Principal& who, v1::ListDebitMemosRequest req, int page_size) {
    std::vector<int64_t> listed;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListDebitMemosResponse resp;
      grpc::Status status = stub_->ListDebitMemos(As(who).get(), req, &resp);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(resp.debit_memos_size(), page_size);
      for (const auto& m : resp.debit_memos()) {
        listed.push_back(m.id());
        v1::DebitMemo one = get(who, m.id());
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m, one))
            << "listed: " << m.DebugString() << "\ngot: " << one.DebugString();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m, last[m.id()]))
            << "listed: " << m.DebugString() << "\nlast returned: " << last[m.id()].DebugString();
        const auto& want = descriptions[m.id()];
        EXPECT_EQ(m.lines_size(), static_cast<int>(want.size()));
        for (int i = 0; i < m.lines_size() && i < static_cast<int>(want.size()); ++i) {
          EXPECT_EQ(m.lines(i).description(), want[i]);
        }
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return listed;
  };
  EXPECT_EQ(list(Finance(), {}, 3), ids);
  EXPECT_EQ(list(rep81, {}, 1), (std::vector<int64_t>{ids[0], ids[2]}));
  v1::ListDebitMemosRequest issued;
  issued.add_states(v1::MEMO_STATE_ISSUED);
  EXPECT_EQ(list(Finance(), issued, 1), (std::vector<int64_t>{ids[0], ids[3]}));
  EXPECT_EQ(get(Finance(), ids[1]).reason(), "补收差价：合同价高于开票价");
}

}  // namespace
}  // namespace sales
