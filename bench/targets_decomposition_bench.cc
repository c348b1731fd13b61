// Decomposition arithmetic at full size: one year × 12 months × 4 portfolio
// roles × 10 product lines × 2 000 reps = 960 000 leaf cells, every level but
// the months split by history share, from an in-memory LoadedSource (no
// database; targets_persist_driver measures the persisted path).
//
// The world (identical in targets_persist_driver.cc):
//   company 1 → 4 branches → 8 offices → 20 teams; 2 000 reps dealt round
//   robin over the teams, every 97th on probation (20 reps, 50 % share);
//   40 product lines, 10 per role; monthly history for every rep × line over
//   the 3 fiscal years before the plan's (2 000 × 40 × 36 = 2 880 000 rows),
//   generated deterministically, always > 0 (so no equal-split fall-back).
//
// Benchmarks:
//   BM_Decompose960k           the whole split, history sums already cached in
//                              the source (the engine's arithmetic alone)
//   BM_Decompose960kColdSource the same on a freshly built source each time, so
//                              the per-shape history sums are built inside the
//                              timed region, as in the service (one LoadedSource
//                              per decomposition)
//   BM_Decompose12Months       the year split into 12 equal months, for scale
//
// Conservation (every parent's target and expense == the sum of its
// children's) is checked once, outside the timed loops; a failure aborts.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_world.h"
#include "targets-svc/domain/decomposition.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets {
namespace {

constexpr int kReps = 2000;
using namespace ::sales::targets::bench;

DecomposeRequest YearRequest(bool full) {
  DecomposeRequest req;
  req.from.at.period_kind = common::v1::PERIOD_KIND_YEAR;
  req.from.at.period_start = absl::CivilDay(kFiscalYear, 1, 1);
  req.from.at.org_unit_id = kCompany;
  req.from.target = kYearTarget;
  req.from.expense = kYearExpense;
  req.from.share_bp = 10000;
  req.fiscal_year = kFiscalYear;
  req.default_history_years = kHistoryYears;
  req.levels.push_back(Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT));
  if (full) {
    req.levels.push_back(Level(v1::DIMENSION_PORTFOLIO_ROLE, v1::DECOMPOSITION_METHOD_HISTORY_SHARE));
    req.levels.push_back(Level(v1::DIMENSION_PRODUCT_LINE, v1::DECOMPOSITION_METHOD_HISTORY_SHARE));
    req.levels.push_back(Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_HISTORY_SHARE));
  }
  return req;
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "targets_decomposition_bench: %s\n", what);
  std::abort();
}

// Every parent equals the sum of its children, for targets and expenses;
// the leaves are the expected 960 000 rep cells.
void CheckConserved(const DecomposeResult& r, size_t want_leaves) {
  std::vector<int64_t> target_sum(r.cells.size(), 0), expense_sum(r.cells.size(), 0);
  std::vector<char> has_children(r.cells.size(), 0);
  size_t leaves = 0;
  for (const Cell& c : r.cells) {
    if (c.dimension == v1::DIMENSION_REP) ++leaves;
    if (c.parent < 0) continue;
    target_sum[c.parent] += c.target;
    expense_sum[c.parent] += c.expense;
    has_children[c.parent] = 1;
  }
  for (size_t i = 0; i < r.cells.size(); ++i) {
    if (!has_children[i]) continue;
    if (target_sum[i] != r.cells[i].target || expense_sum[i] != r.cells[i].expense) {
      std::fprintf(stderr, "cell %s: target %lld, children %lld; expense %lld, children %lld\n", r.cells[i].key.c_str(),
                   static_cast<long long>(r.cells[i].target), static_cast<long long>(target_sum[i]),
                   static_cast<long long>(r.cells[i].expense), static_cast<long long>(expense_sum[i]));
      Die("conservation violated");
    }
    if (r.cells[i].equal_split_fallback) Die("unexpected equal-split fall-back");
  }
  if (leaves != want_leaves) Die("unexpected number of leaf cells");
}

// Built once; the first full decomposition (also the conservation check)
// fills the source's history caches.
const LoadedSource& World() {
  static const LoadedSource* world = [] {
    LoadedSource* src = BuildWorld(kReps).release();
    auto r = Decompose(YearRequest(true), *src);
    if (!r.ok()) Die(std::string(r.status().ToString()).c_str());
    CheckConserved(*r, size_t{12} * 4 * kLinesPerRole * kReps);
    return src;
  }();
  return *world;
}

void BM_Decompose960k(benchmark::State& state) {
  const LoadedSource& src = World();
  const DecomposeRequest req = YearRequest(true);
  size_t cells = 0;
  for (auto _ : state) {
    auto r = Decompose(req, src);
    if (!r.ok()) Die("decomposition failed");
    cells = r->cells.size() - 1;
    benchmark::DoNotOptimize(r->cells.data());
  }
  state.counters["cells"] = static_cast<double>(cells);
  state.counters["cells_per_s"] = benchmark::Counter(
      static_cast<double>(cells) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decompose960k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Decompose960kColdSource(benchmark::State& state) {
  World();  // conservation checked once
  const DecomposeRequest req = YearRequest(true);
  size_t cells = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<LoadedSource> src = BuildWorld(kReps);
    state.ResumeTiming();
    auto r = Decompose(req, *src);
    if (!r.ok()) Die("decomposition failed");
    cells = r->cells.size() - 1;
    benchmark::DoNotOptimize(r->cells.data());
    state.PauseTiming();
    r = absl::StatusOr<DecomposeResult>();  // frees the cells outside the timing
    src.reset();
    state.ResumeTiming();
  }
  state.counters["cells"] = static_cast<double>(cells);
  state.counters["cells_per_s"] = benchmark::Counter(
      static_cast<double>(cells) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decompose960kColdSource)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Decompose12Months(benchmark::State& state) {
  const LoadedSource& src = World();
  const DecomposeRequest req = YearRequest(false);
  size_t cells = 0;
  for (auto _ : state) {
    auto r = Decompose(req, src);
    if (!r.ok()) Die("decomposition failed");
    cells = r->cells.size() - 1;
    benchmark::DoNotOptimize(r->cells.data());
  }
  state.counters["cells"] = static_cast<double>(cells);
  state.counters["cells_per_s"] = benchmark::Counter(
      static_cast<double>(cells) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decompose12Months)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sales::targets
