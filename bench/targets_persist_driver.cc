// The persisted path of a full-size decomposition: decomposes one year ×
// 12 months × 4 roles × 10 lines × N reps (N = 2 000 → 960 000 leaf cells)
// from an in-memory LoadedSource, then writes the cells into a throwaway
// MariaDB with AssignmentStore::InsertCells twice — multi-row statements of
// 400 rows, and (after deleting them again) one row per statement — and
// prints the times and their ratio.
//
//   targets_persist_driver [--reps=N]
//
// The world is the one of targets_decomposition_bench.cc (kept identical):
// company → 4 branches → 8 offices → 20 teams, reps dealt round robin over
// the teams with every 97th on probation, 40 product lines (10 per role),
// 3 years of monthly history for every rep × line.
//
// Each persist pass is ONE transaction (Pool::Transact), as PlanService's
// decompose writes a decomposition: the ratio compares statement batching
// alone, not commit frequency. The probation-reduced flags travel in the
// same INSERTs as the rest of each cell.
// The compute time is a cold decomposition: the source's history sums are
// built inside it, as in the service (one LoadedSource per decomposition).
//
// The last line of stdout is the one bench/run_all.sh collects (issue 16):
//   bench targets_persist: cells=… bulk_s=… row_at_a_time_s=… persist_ratio=… compute_s=…
// persist_ratio is row_at_a_time_s / bulk_s, the two persist passes' wall
// seconds; cells the rows each pass wrote (at the default 2 000 reps the
// 960 000 rep leaves and the 540 month, role and line cells above them);
// compute_s the cold Decompose. A failed step exits without the line.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "bench/bench_world.h"
#include "platform/call.h"
#include "platform/migrate.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "targets-svc/domain/decomposition.h"
#include "targets-svc/store/decomposition_source.h"
#include "targets-svc/store/plan_store.h"
#include "tests/testing/mariadb.h"

std::vector<sales::MigrationFile> TargetsMigrations();

namespace sales::targets {
namespace {

constexpr int kBulkRows = 400;
using namespace ::sales::targets::bench;

DecomposeRequest YearRequest() {
  DecomposeRequest req;
  req.from.at.period_kind = common::v1::PERIOD_KIND_YEAR;
  req.from.at.period_start = absl::CivilDay(kFiscalYear, 1, 1);
  req.from.at.org_unit_id = kCompany;
  req.from.target = kYearTarget;
  req.from.expense = kYearExpense;
  req.from.share_bp = 10000;
  req.fiscal_year = kFiscalYear;
  req.default_history_years = kHistoryYears;
  req.levels = {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT),
                Level(v1::DIMENSION_PORTFOLIO_ROLE, v1::DECOMPOSITION_METHOD_HISTORY_SHARE),
                Level(v1::DIMENSION_PRODUCT_LINE, v1::DECOMPOSITION_METHOD_HISTORY_SHARE),
                Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_HISTORY_SHARE)};
  return req;
}

// ---- helpers ----

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "targets_persist_driver: %s\n", what.c_str());
  std::exit(1);
}

void Check(const absl::Status& st, const char* step) {
  if (!st.ok()) Die(std::string(step) + ": " + st.ToString());
}

// CPU seconds this process (the client side: building statements, binding
// parameters, the connector) has used so far.
double ClientCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Every parent equals the sum of its children (targets and expenses).
void CheckConserved(const DecomposeResult& r) {
  std::vector<int64_t> target_sum(r.cells.size(), 0), expense_sum(r.cells.size(), 0);
  std::vector<char> has_children(r.cells.size(), 0);
  for (const Cell& c : r.cells) {
    if (c.parent < 0) continue;
    target_sum[c.parent] += c.target;
    expense_sum[c.parent] += c.expense;
    has_children[c.parent] = 1;
  }
  for (size_t i = 0; i < r.cells.size(); ++i) {
    if (has_children[i] && (target_sum[i] != r.cells[i].target || expense_sum[i] != r.cells[i].expense)) {
      Die("conservation violated at " + r.cells[i].key);
    }
  }
}

struct Stored {
  int64_t cells = 0;
  int64_t leaf_target = 0;
  int64_t flagged = 0;
};

// What the database holds for the plan below the root.
Stored ReadBack(db::Pool& pool, int64_t plan_id) {
  Stored s;
  Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(
        auto rows, tx.Query("SELECT COUNT(*), COALESCE(SUM(CASE WHEN dimension = 'REP' THEN target ELSE 0 END), "
                            "0), COALESCE(SUM(reduced_by_policy), 0) FROM assignments "
                            "WHERE plan_id = ? AND plan_version = 1 AND cell_no <> 0",
                            {plan_id}));
    s.cells = rows[0].Int(0);
    s.leaf_target = rows[0].Int(1);
    s.flagged = rows[0].Int(2);
    return absl::OkStatus();
  }),
        "read back");
  return s;
}

void Verify(const Stored& s, const DecomposeResult& r, int64_t want_flagged, const char* pass) {
  if (s.cells != static_cast<int64_t>(r.cells.size()) - 1 || s.leaf_target != kYearTarget ||
      s.flagged != want_flagged) {
    Die(std::string(pass) + ": the stored cells do not match the decomposition (" + std::to_string(s.cells) +
        " cells, leaf total " + std::to_string(s.leaf_target) + ", " + std::to_string(s.flagged) + " flagged)");
  }
}

int Run(int reps) {
  std::printf("targets_persist_driver: %d reps, %d teams, %d product lines, %d history years\n", reps, kTeams,
              4 * kLinesPerRole, kHistoryYears);
  std::fflush(stdout);
  auto t = std::chrono::steady_clock::now();
  std::unique_ptr<LoadedSource> world = BuildWorld(reps);
  const double build_s = Seconds(t);

  const DecomposeRequest req = YearRequest();
  t = std::chrono::steady_clock::now();
  auto decomposed = Decompose(req, *world);
  const double compute_s = Seconds(t);
  Check(decomposed.status(), "decompose");
  const DecomposeResult& result = *decomposed;
  CheckConserved(result);
  const int64_t cells = static_cast<int64_t>(result.cells.size()) - 1;  // below the root
  int64_t leaves = 0, flagged = 0;
  for (const Cell& c : result.cells) {
    leaves += c.dimension == v1::DIMENSION_REP;
    flagged += c.reduced_by_policy;
    if (c.equal_split_fallback) Die("unexpected equal-split fall-back at " + c.key);
  }

  auto server = sales::testing::TestMariaDb::Start();
  Check(server.status(), "start MariaDB");
  auto options = (*server)->CreateDatabase("bench_targets");
  Check(options.status(), "create database");
  options->max_connections = 2;
  // One transaction of ~1M rows: a statement (the DELETE) may well run
  // longer than the service's 30 s read timeout on a small machine.
  options->read_timeout = absl::Hours(2);
  auto pool_or = db::Pool::Create(*options);
  Check(pool_or.status(), "connect");
  db::Pool& pool = **pool_or;
  Check(Migrate(pool, {PlatformMigrations(), MigrationSet{"targets", TargetsMigrations()}}), "migrate");

  std::string version, buffer_pool;
  Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT VERSION(), @@innodb_buffer_pool_size"));
    version = rows[0].Str(0);
    buffer_pool = std::to_string(rows[0].Int(1) >> 20) + " MiB";
    return absl::OkStatus();
  }),
        "version");

  v1::Plan plan;
  plan.set_title("2025 年度销售额目标 (benchmark)");
  plan.set_fiscal_year(kFiscalYear);
  plan.set_metric(v1::METRIC_SALES_AMOUNT);
  plan.set_currency_code("CNY");
  plan.set_mode(v1::PLAN_MODE_DIRECTIVE);
  plan.set_org_unit_id(kCompany);
  int64_t plan_id = 0;
  Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(plan_id, PlanStore::Create(tx, plan, kYearTarget, kYearExpense, Principal{}, absl::Now()));
    return absl::OkStatus();
  }),
        "create plan");

  // Persists cells[1..] under the root (cell 0) in one transaction.
  int attempts = 0;
  double client_cpu = 0;
  auto persist = [&](int rows_per_statement) {
    attempts = 0;
    const double cpu0 = ClientCpuSeconds();
    auto start = std::chrono::steady_clock::now();
    Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
      ++attempts;
      return AssignmentStore::InsertCells(tx, plan_id, 1, result.cells, 0, 1, v1::ASSIGNMENT_STATE_DRAFT, absl::Now(),
                                          rows_per_statement);
    }),
          "insert cells");
    const double wall = Seconds(start);
    client_cpu = ClientCpuSeconds() - cpu0;
    return wall;
  };

  const double bulk_s = persist(kBulkRows);
  const int bulk_attempts = attempts;
  const double bulk_cpu = client_cpu;
  Verify(ReadBack(pool, plan_id), result, flagged, "bulk");

  t = std::chrono::steady_clock::now();
  int64_t removed = 0;
  Check(pool.Transact([&](db::Transaction& tx) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(removed, AssignmentStore::DeleteBelow(tx, plan_id, 1, ""));
    return absl::OkStatus();
  }),
        "delete cells");
  const double delete_s = Seconds(t);
  if (removed != cells) Die("delete removed " + std::to_string(removed) + " rows");

  const double single_s = persist(1);
  const int single_attempts = attempts;
  const double single_cpu = client_cpu;
  Verify(ReadBack(pool, plan_id), result, flagged, "row-at-a-time");

  std::printf("MariaDB %s (innodb_buffer_pool_size %s, binlog off), one transaction per pass\n", version.c_str(),
              buffer_pool.c_str());
  std::printf("cells below the root: %lld (%lld rep leaves); %lld of them probation-reduced\n",
              static_cast<long long>(cells), static_cast<long long>(leaves), static_cast<long long>(flagged));
  std::printf("world build (%lld history rows): %.2f s (not counted)\n",
              static_cast<long long>(reps) * 4 * kLinesPerRole * 12 * kHistoryYears, build_s);
  std::printf("\n%-36s %10s %12s %18s\n", "step", "seconds", "rows/second", "client CPU seconds");
  std::printf("%-36s %10.3f %12.0f %18s\n", "compute (Decompose, cold source)", compute_s, cells / compute_s, "-");
  std::printf("%-36s %10.3f %12.0f %18.3f\n", "persist bulk (400 rows/statement)", bulk_s, cells / bulk_s, bulk_cpu);
  std::printf("%-36s %10.3f %12.0f %18.3f\n", "persist row-at-a-time (1 row/stmt)", single_s, cells / single_s,
              single_cpu);
  std::printf("%-36s %10.3f %12.0f %18s\n", "delete between passes (not counted)", delete_s, cells / delete_s, "-");
  std::printf("\nratio row-at-a-time / bulk: %.2f\n", single_s / bulk_s);
  if (bulk_attempts != 1 || single_attempts != 1) {
    std::printf("note: transaction attempts bulk %d, row-at-a-time %d (retries are inside the times)\n", bulk_attempts,
                single_attempts);
  }
  std::printf("bench targets_persist: cells=%lld bulk_s=%.3f row_at_a_time_s=%.3f persist_ratio=%.2f compute_s=%.3f\n",
              static_cast<long long>(cells), bulk_s, single_s, single_s / bulk_s, compute_s);
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace sales::targets

int main(int argc, char** argv) {
  int reps = 2000;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strncmp(arg, "--reps=", 7) == 0 && absl::SimpleAtoi(arg + 7, &reps) && reps > 0) continue;
    std::fprintf(stderr, "usage: %s [--reps=N]   (N > 0, default 2000)\n", argv[0]);
    return 2;
  }
  return sales::targets::Run(reps);
}
