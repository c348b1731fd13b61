// finance-svc receivables at a million invoices, through gRPC:
//
//   finance_receivables_driver [--invoices=1000000] [--customers=20000] [--calls=2000] [--threads=16]
//
// One run, one throwaway MariaDB (tests/testing/mariadb.h), finance-svc
// in-process on loopback (dev mode, a fixed clock at 2026-06-15):
//   1. baseline: 1 000 invoices of 20 customers (50 each, the same density
//      as the big table) with lines, payment applications for the paid ones
//      and the maintained customer summary rows;
//      GetCustomerExposure (one call at a time: p50/p99; then --threads
//      callers: calls/s), BatchGetCustomerExposures of 100 ids, the ageing
//      report by customer and by rep as of today (maintained balances) and as
//      of a past date (balances rebuilt from applications), and payments
//      recorded with OLDEST_DUE_FIRST (applications/s);
//   2. the tables are filled to --invoices with multi-row INSERTs straight
//      into MariaDB (2 000 rows a statement) and ANALYZEd; the same
//      measurements run again — the ratio to the baseline is the point.
// The indexes that carry it are in finance-svc/migrations/V002:
// customer_accounts' primary key (exposure), ix_invoices_customer_open
// (overdue part of exposure, oldest-first candidates), ix_invoices_due and
// ix_applications_invoice (ageing).
//
// Measured 2026-11-23 on the shared 2-core dev box (other builds running),
// --invoices=1000000 --customers=20000 --calls=2000 --threads=16:
//   GetCustomerExposure     p50 0.40 -> 0.65 ms, p99 1.8 -> 11.4 ms, 2539 -> 2688 calls/s
//   BatchGetExposures x100  p50 1.06 -> 7.0 ms, 808 -> 302 calls/s
//   RecordPayment+apply     p50 4.8 -> 6.7 ms, 182 payments/s, 516 applications/s at 1M
//   ageing today            2.8 ms -> 6.6 s by customer, 2.1 ms -> 4.1 s by rep
//   ageing as of 2025-12-31 4.5 ms -> 5.2 s by customer, 5.1 ms -> 5.0 s by rep
//
// The last line of stdout is the one bench/run_all.sh collects (issue 16),
// every figure at full size:
//   bench finance: ageing_today_ms=… ageing_past_ms=… exposure_p99_ms=… payments_per_s=… ...
// ageing_today_ms / ageing_past_ms: the ageing report by customer as of today
// and as of 2025-12-31 (…_by_rep_ms: the same by rep); exposure_p99_ms:
// GetCustomerExposure's p99 with --threads callers in flight
// (exposure_p99_alone_ms: one call at a time); payments_per_s: RecordPayment
// with OLDEST_DUE_FIRST by --threads callers (applications_per_s: the
// invoice applications those payments made, a second); errors: every failed
// call of the run.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_support.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/domain/receivable_rules.h"
#include "platform/clock.h"
#include "platform/config.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/mysql.h"
#include "platform/service_app.h"
#include "platform/status.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "tests/testing/mariadb.h"

namespace sales::finance {
namespace {

struct Args {
  int64_t invoices = 1'000'000;
  int64_t customers = 20'000;
  int calls = 2000;
  int threads = 16;
};

absl::Time Now() { return absl::FromCivil(absl::CivilSecond(2026, 6, 15, 10, 0, 0), CompanyTimeZone()); }
absl::CivilDay Today() { return absl::CivilDay(2026, 6, 15); }
constexpr int64_t kPerCustomer = 50;

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

struct Totals {
  int64_t invoiced = 0, applied = 0, open = 0;
  int docs = 0;
};

// Invoices [from, to) of customers 1 + i / kPerCustomer: dates spread over
// 500 days so every ageing bucket fills; one in five paid, one in five half
// paid (with the application rows), the rest open.
absl::Status BulkLoad(db::Pool& pool, int64_t from, int64_t to) {
  constexpr int64_t kRows = 2000;
  std::map<int64_t, Totals> totals;
  std::string stamp = FormatDbTime(Now() - absl::Hours(24 * 30));
  for (int64_t start = from; start < to; start += kRows) {
    int64_t end = std::min(to, start + kRows);
    std::string inv =
        "INSERT INTO invoices (id, number, number_year, number_sequence, customer_id, rep_id, "
        "org_unit_id, state, currency, net_total_minor, tax_total_minor, gross_total_minor, paid_minor, "
        "balance_minor, invoice_date, payment_terms_days, due_on, version, created_at, updated_at, "
        "issued_at) VALUES ";
    std::string lines =
        "INSERT INTO invoice_lines (invoice_id, billable_line_id, order_id, shipment_id, product_id, "
        "sku, product_line_id, commissionable, description, unit, quantity, unit_price_minor, "
        "net_minor, tax_rate_bp, tax_minor, gross_minor) VALUES ";
    std::string apps =
        "INSERT INTO payment_applications (payment_id, customer_id, rep_id, org_unit_id, invoice_id, "
        "currency, amount_minor, applied_on, due_on, days_past_due, state, created_at) VALUES ";
    db::Params inv_p, lines_p, apps_p;
    for (int64_t i = start; i < end; ++i) {
      int64_t id = i + 1;
      int64_t customer = 1 + i / kPerCustomer;
      int64_t rep = 1 + customer % 200;
      int64_t unit = 1 + rep % 20;
      absl::CivilDay date = absl::CivilDay(2025, 1, 1) + (i * 37) % 500;
      absl::CivilDay due = date + 30;
      int64_t net = 10000 + (i * 7919) % 90000;
      int64_t tax = TaxHalfUp(net, kDefaultVatBp);
      int64_t gross = net + tax;
      int64_t paid = i % 5 == 0 ? gross : i % 5 == 1 ? gross / 2 : 0;
      std::string state = paid == gross ? "PAID" : paid > 0 ? "PARTIALLY_PAID" : "ISSUED";
      absl::StrAppend(&inv, i == start ? "" : ",",
                      "(?, ?, 2025, ?, ?, ?, ?, ?, 'CNY', ?, ?, ?, ?, ?, ?, 30, ?, 1, ?, ?, ?)");
      inv_p.insert(inv_p.end(), {id, absl::StrFormat("INV-2025-%07d", id), id, customer, rep, unit, state, net, tax,
                                 gross, paid, gross - paid, Day(date), Day(due), stamp, stamp, stamp});
      absl::StrAppend(&lines, i == start ? "" : ",", "(?, ?, ?, ?, ?, ?, ?, ?, 'goods', 'CASE', 1, ?, ?, 1300, ?, ?)");
      lines_p.insert(lines_p.end(), {id, id, id, id, 1 + i % 300, absl::StrCat("SKU-", 1 + i % 300), 1 + i % 12,
                                     int64_t{i % 7 == 0 ? 0 : 1}, net, net, tax, gross});
      if (paid > 0) {
        absl::CivilDay on = due - 3 + (i % 40);
        if (on > Today()) on = Today();
        absl::StrAppend(&apps, apps_p.empty() ? "" : ",", "(0, ?, ?, ?, ?, 'CNY', ?, ?, ?, ?, 'ACTIVE', ?)");
        apps_p.insert(apps_p.end(),
                      {customer, rep, unit, id, paid, Day(on), Day(due), static_cast<int64_t>(on - due), stamp});
      }
      Totals& t = totals[customer];
      t.invoiced += gross;
      t.applied += paid;
      t.open += gross - paid;
      t.docs += gross > paid ? 1 : 0;
    }
    absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
      SALES_RETURN_IF_ERROR(tx.Exec(inv, inv_p).status());
      SALES_RETURN_IF_ERROR(tx.Exec(lines, lines_p).status());
      if (!apps_p.empty()) SALES_RETURN_IF_ERROR(tx.Exec(apps, apps_p).status());
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
  }
  // The maintained summary, as the postings would have left it.
  std::vector<std::pair<int64_t, Totals>> rows(totals.begin(), totals.end());
  for (size_t s = 0; s < rows.size(); s += 2000) {
    std::string sql =
        "INSERT INTO customer_accounts (customer_id, rep_id, org_unit_id, invoiced_minor, applied_minor, "
        "open_receivable_minor, payments_received_minor, open_document_count, updated_at) VALUES ";
    db::Params params;
    for (size_t k = s; k < std::min(rows.size(), s + 2000); ++k) {
      const auto& [c, t] = rows[k];
      int64_t rep = 1 + c % 200;
      absl::StrAppend(&sql, k == s ? "" : ",", "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
      params.insert(params.end(), {c, rep, 1 + rep % 20, t.invoiced, t.applied, t.open, t.applied, t.docs, stamp});
    }
    SALES_RETURN_IF_ERROR(pool.Transact([&](db::Transaction& tx) { return tx.Exec(sql, params).status(); }));
  }
  return absl::OkStatus();
}

using bench::LongCallContext;
using bench::PrintVersus;
using bench::Stats;

struct Timed {
  double ms = 0;
  int64_t total = 0;
  int rows = 0;
  bool ok = false;
};

Timed Ageing(v1::FinanceService::Stub& stub, absl::CivilDay as_of, v1::AgeingGroupBy by) {
  v1::GetAgeingReportRequest req;
  *req.mutable_as_of() = FromCivilDay(as_of);
  req.set_group_by(by);
  req.set_page_size(100);
  v1::GetAgeingReportResponse resp;
  auto t0 = std::chrono::steady_clock::now();
  grpc::Status st = stub.GetAgeingReport(LongCallContext().get(), req, &resp);
  Timed t;
  t.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  t.ok = st.ok();
  if (!st.ok()) std::fprintf(stderr, "ageing: %s\n", st.error_message().c_str());
  t.total = resp.totals().total().minor_units();
  t.rows = resp.rows_size();
  return t;
}

// bench::Measure, timing each call by its number as well, so that the p99 of
// the calls made while --threads callers were in flight can be read next to
// Measure's p99 of calls one at a time: the exposure p99 that issue 16
// compares is the one at 16 threads.
template <typename Call>
Stats MeasureUnderLoad(int calls, int threads, Call call, double* loaded_p99_ms) {
  // Measure numbers its calls 0..3*calls-1, the first `calls` one at a time.
  std::vector<double> ms(static_cast<size_t>(calls) * 3, 0.0);
  Stats s = bench::Measure(calls, threads, [&](int i) {
    auto t0 = std::chrono::steady_clock::now();
    bool ok = call(i);
    if (static_cast<size_t>(i) < ms.size()) {
      ms[static_cast<size_t>(i)] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    return ok;
  });
  *loaded_p99_ms = bench::Percentile(std::vector<double>(ms.begin() + calls, ms.end()), 99);
  return s;
}

struct Round {
  Stats exposure, batch, pay;
  double exposure_loaded_p99_ms = 0;
  Timed age_now_customer, age_now_rep, age_past_customer, age_past_rep;
  double apps_per_sec = 0;
};

Round Measure(v1::FinanceService::Stub& stub, const Args& a, int64_t customers, std::atomic<int64_t>* payment_seq) {
  Round r;
  r.exposure = MeasureUnderLoad(
      a.calls, a.threads,
      [&](int i) {
        v1::GetCustomerExposureRequest req;
        req.set_customer_id(1 + (static_cast<int64_t>(i) * 7919) % customers);
        v1::GetCustomerExposureResponse resp;
        return stub.GetCustomerExposure(LongCallContext().get(), req, &resp).ok() &&
               resp.exposure().customer_id() == req.customer_id();
      },
      &r.exposure_loaded_p99_ms);
  r.batch = bench::Measure(a.calls / 10, a.threads, [&](int i) {
    v1::BatchGetCustomerExposuresRequest req;
    for (int k = 0; k < 100; ++k) req.add_customer_ids(1 + (static_cast<int64_t>(i) * 100 + k) * 104729 % customers);
    v1::BatchGetCustomerExposuresResponse resp;
    return stub.BatchGetCustomerExposures(LongCallContext().get(), req, &resp).ok() && resp.exposures_size() > 0;
  });
  r.age_now_customer = Ageing(stub, Today(), v1::AGEING_GROUP_BY_CUSTOMER);
  r.age_now_rep = Ageing(stub, Today(), v1::AGEING_GROUP_BY_REP);
  r.age_past_customer = Ageing(stub, absl::CivilDay(2025, 12, 31), v1::AGEING_GROUP_BY_CUSTOMER);
  r.age_past_rep = Ageing(stub, absl::CivilDay(2025, 12, 31), v1::AGEING_GROUP_BY_REP);
  std::atomic<int64_t> applications{0};
  auto t0 = std::chrono::steady_clock::now();
  r.pay = bench::Measure(a.calls / 4, a.threads, [&](int i) {
    v1::RecordPaymentRequest req;
    int64_t seq = (*payment_seq)++;
    req.set_request_id(absl::StrCat("bench-pay-", seq));
    auto* p = req.mutable_payment();
    p->set_customer_id(1 + (static_cast<int64_t>(i) * 7919) % customers);
    *p->mutable_amount() = MakeMoney(150000);
    p->set_method(v1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(absl::StrCat("BENCH-", seq));
    *p->mutable_received_on() = FromCivilDay(Today());
    req.set_apply_mode(v1::APPLY_MODE_OLDEST_DUE_FIRST);
    v1::RecordPaymentResponse resp;
    bool ok = stub.RecordPayment(LongCallContext().get(), req, &resp).ok();
    applications += resp.applications_size();
    return ok;
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.apps_per_sec = static_cast<double>(applications.load()) / secs;
  return r;
}

void PrintTimed(const char* what, const Timed& base, const Timed& big) {
  std::printf("%-26s %9.1f ms (%d rows of 100, total %lld)  |  %9.1f ms (%d rows, total %lld)  | x%.1f%s\n", what,
              base.ms, base.rows, static_cast<long long>(base.total), big.ms, big.rows,
              static_cast<long long>(big.total), big.ms / base.ms, base.ok && big.ok ? "" : "  ERRORS");
  std::fflush(stdout);
}

int Run(const Args& a) {
  auto maria = testing::TestMariaDb::Start();
  if (!maria.ok()) {
    std::fprintf(stderr, "MariaDB: %s\n", std::string(maria.status().message()).c_str());
    return 1;
  }
  auto opts = (*maria)->CreateDatabase("finance_bench");
  if (!opts.ok()) {
    std::fprintf(stderr, "database: %s\n", std::string(opts.status().message()).c_str());
    return 1;
  }
  FakeClock clock(Now());
  Config config = Config::FromMap({{"listen", "127.0.0.1:0"},
                                   {"mysql_host", opts->host},
                                   {"mysql_port", absl::StrCat(opts->port)},
                                   {"mysql_user", opts->user},
                                   {"mysql_password", opts->password},
                                   {"mysql_database", opts->database},
                                   {"mysql_pool_size", absl::StrCat(a.threads + 8)},
                                   {"max_threads", absl::StrCat(a.threads * 2 + 16)},
                                   {"drain_deadline", "2s"},
                                   // The driver calls as an unsigned local client
                                   // (the services refuse to start so unless told).
                                   {"allow_unsigned_principals", "true"}});
  ServiceApp app(MakeServiceDefinition(), config, &clock);
  if (auto st = app.Start(); !st.ok()) {
    std::fprintf(stderr, "service: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto stub = v1::FinanceService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", app.port()), grpc::InsecureChannelCredentials(), args));

  const int64_t base_invoices = 1000;
  const int64_t base_customers = base_invoices / kPerCustomer;
  if (auto st = BulkLoad(*app.pool(), 0, base_invoices); !st.ok()) {
    std::fprintf(stderr, "load: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  (void)app.pool()->Transact([](db::Transaction& tx) {
    return tx.Query("ANALYZE TABLE invoices, payment_applications, customer_accounts").status();
  });
  std::atomic<int64_t> seq{0};
  std::printf("baseline: %lld invoices of %lld customers\n", static_cast<long long>(base_invoices),
              static_cast<long long>(base_customers));
  std::fflush(stdout);
  Round base = Measure(*stub, a, base_customers, &seq);

  int64_t big_customers = std::max<int64_t>(a.customers, a.invoices / kPerCustomer);
  int64_t big_invoices = std::min(a.invoices, big_customers * kPerCustomer);
  auto t0 = std::chrono::steady_clock::now();
  // Customers 1..20 already hold the baseline's (and the payments') rows.
  if (auto st = BulkLoad(*app.pool(), base_invoices, big_invoices); !st.ok()) {
    std::fprintf(stderr, "load: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  (void)app.pool()->Transact([](db::Transaction& tx) {
    return tx.Query("ANALYZE TABLE invoices, invoice_lines, payment_applications, customer_accounts").status();
  });
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("loaded to %lld invoices of %lld customers in %.0f s\n", static_cast<long long>(big_invoices),
              static_cast<long long>(big_customers), load_s);
  std::fflush(stdout);
  Round big = Measure(*stub, a, big_customers, &seq);

  std::printf("\n%-26s %-52s|  %-52s|\n", "", "baseline (1 000 invoices)", "big");
  PrintVersus("GetCustomerExposure", base.exposure, big.exposure);
  std::printf("%-26s %-44s|  %s\n", "  with callers at once",
              absl::StrFormat("p99 %7.2f ms, %d callers", base.exposure_loaded_p99_ms, a.threads).c_str(),
              absl::StrFormat("p99 %7.2f ms, %d callers", big.exposure_loaded_p99_ms, a.threads).c_str());
  PrintVersus("BatchGetExposures x100", base.batch, big.batch);
  PrintVersus("RecordPayment+apply", base.pay, big.pay);
  std::printf("%-26s %8.0f applications/s  |  %8.0f applications/s\n", "  applications", base.apps_per_sec,
              big.apps_per_sec);
  PrintTimed("ageing today by customer", base.age_now_customer, big.age_now_customer);
  PrintTimed("ageing today by rep", base.age_now_rep, big.age_now_rep);
  PrintTimed("ageing 2025-12-31 by cust.", base.age_past_customer, big.age_past_customer);
  PrintTimed("ageing 2025-12-31 by rep", base.age_past_rep, big.age_past_rep);
  int errors = 0;
  for (const Round* r : {&base, &big}) {
    errors += r->exposure.errors + r->batch.errors + r->pay.errors;
    for (const Timed* t : {&r->age_now_customer, &r->age_now_rep, &r->age_past_customer, &r->age_past_rep}) {
      errors += t->ok ? 0 : 1;
    }
  }
  std::printf(
      "bench finance: invoices=%lld customers=%lld threads=%d ageing_today_ms=%.1f ageing_today_by_rep_ms=%.1f "
      "ageing_past_ms=%.1f ageing_past_by_rep_ms=%.1f exposure_p99_ms=%.2f exposure_p99_alone_ms=%.2f "
      "payments_per_s=%.0f applications_per_s=%.0f errors=%d\n",
      static_cast<long long>(big_invoices), static_cast<long long>(big_customers), a.threads, big.age_now_customer.ms,
      big.age_now_rep.ms, big.age_past_customer.ms, big.age_past_rep.ms, big.exposure_loaded_p99_ms,
      big.exposure.p99_ms, big.pay.per_sec, big.apps_per_sec, errors);
  std::fflush(stdout);
  app.Shutdown();
  return 0;
}

}  // namespace
}  // namespace sales::finance

int main(int argc, char** argv) {
  sales::finance::Args a;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg(argv[i]);
    auto value = [&](absl::string_view name, int64_t* out) {
      std::string prefix = absl::StrCat("--", name, "=");
      if (arg.substr(0, prefix.size()) != prefix) return false;
      return absl::SimpleAtoi(arg.substr(prefix.size()), out);
    };
    int64_t v = 0;
    if (value("invoices", &v)) {
      a.invoices = v;
    } else if (value("customers", &v)) {
      a.customers = v;
    } else if (value("calls", &v)) {
      a.calls = static_cast<int>(v);
    } else if (value("threads", &v)) {
      a.threads = static_cast<int>(v);
    } else {
      std::fprintf(stderr, "usage: %s [--invoices=N] [--customers=N] [--calls=N] [--threads=N]\n", argv[0]);
      return 2;
    }
  }
  return sales::finance::Run(a);
}
