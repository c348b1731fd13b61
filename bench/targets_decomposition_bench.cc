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

#include "targets-svc/domain/decomposition.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets {
namespace {

constexpr int32_t kFiscalYear = 2025;
constexpr int32_t kHistoryYears = 3;
constexpr int64_t kCompany = 1;
constexpr int kReps = 2000;
constexpr int kTeams = 20;
constexpr int kLinesPerRole = 10;
constexpr int64_t kYearTarget = 1'200'000'000'000;  // fen (12 bn yuan)
constexpr int64_t kYearExpense = 36'000'000'000;    // fen (3 % of the target)

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Team ids 1000..1019 under offices 100..107 under branches 10..13.
int64_t TeamOfRep(int64_t rep) { return 1000 + (rep - 1) % kTeams; }

v1::RepStatus StatusOfRep(int64_t rep) {
  return rep % 97 == 0 ? v1::REP_STATUS_PROBATION : v1::REP_STATUS_ACTIVE;
}

v1::PortfolioRole RoleOfLine(int64_t line) { return static_cast<v1::PortfolioRole>(1 + (line - 1) / kLinesPerRole); }

// Monthly sales of a rep on a line, in fen: a rep size, a line weight, a
// seasonal curve, yearly growth and ±10 % noise.
int64_t HistoryAmount(int64_t rep, int64_t line, int32_t year, int32_t month) {
  static constexpr int kSeason[12] = {70, 60, 95, 100, 105, 110, 100, 95, 105, 110, 120, 130};
  int64_t rep_size = 200'000 + static_cast<int64_t>(Mix(static_cast<uint64_t>(rep)) % 1'800'000);
  int64_t line_weight = 50 + static_cast<int64_t>(Mix(0x1000 + static_cast<uint64_t>(line)) % 150);
  int64_t growth = 100 + 8 * (year - (kFiscalYear - kHistoryYears));
  uint64_t h = Mix((static_cast<uint64_t>(rep) << 32) ^ (static_cast<uint64_t>(line) << 16) ^
                   (static_cast<uint64_t>(year) << 4) ^ static_cast<uint64_t>(month));
  int64_t noise = 90 + static_cast<int64_t>(h % 21);
  return 1 + rep_size * line_weight / 100 * kSeason[month - 1] / 100 * growth / 100 * noise / 100;
}

std::unique_ptr<LoadedSource> BuildWorld(int reps) {
  auto src = std::make_unique<LoadedSource>();
  src->AddUnit(kCompany, 0, v1::ORG_UNIT_KIND_COMPANY, 10000);
  for (int b = 0; b < 4; ++b) src->AddUnit(10 + b, kCompany, v1::ORG_UNIT_KIND_BRANCH, 9000 + 500 * b);
  for (int o = 0; o < 8; ++o) src->AddUnit(100 + o, 10 + o / 2, v1::ORG_UNIT_KIND_OFFICE, 10000);
  // Offices take 3, 2, 3, 2, ... teams: 20 in all.
  int team = 0;
  for (int o = 0; o < 8; ++o) {
    for (int k = 0; k < (o % 2 == 0 ? 3 : 2); ++k, ++team) {
      src->AddUnit(1000 + team, 100 + o, v1::ORG_UNIT_KIND_TEAM, 10000);
    }
  }
  for (int64_t r = 1; r <= reps; ++r) src->AddRep(r, TeamOfRep(r), StatusOfRep(r));
  for (int64_t l = 1; l <= 4 * kLinesPerRole; ++l) src->AddProductLine(l, RoleOfLine(l));
  for (int32_t y = kFiscalYear - kHistoryYears; y < kFiscalYear; ++y) {
    for (int32_t m = 1; m <= 12; ++m) {
      for (int64_t r = 1; r <= reps; ++r) {
        for (int64_t l = 1; l <= 4 * kLinesPerRole; ++l) {
          src->AddHistory({y, m, r, TeamOfRep(r), l, HistoryAmount(r, l, y, m)});
        }
      }
    }
  }
  return src;
}

v1::DecompositionLevel Level(v1::Dimension d, v1::DecompositionMethod m) {
  v1::DecompositionLevel l;
  l.set_dimension(d);
  l.set_method(m);
  return l;
}

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
      std::fprintf(stderr, "cell %s: target %lld, children %lld; expense %lld, children %lld\n",
                   r.cells[i].key.c_str(), static_cast<long long>(r.cells[i].target),
                   static_cast<long long>(target_sum[i]), static_cast<long long>(r.cells[i].expense),
                   static_cast<long long>(expense_sum[i]));
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
  state.counters["cells_per_s"] =
      benchmark::Counter(static_cast<double>(cells) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
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
  state.counters["cells_per_s"] =
      benchmark::Counter(static_cast<double>(cells) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
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
  state.counters["cells_per_s"] =
      benchmark::Counter(static_cast<double>(cells) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decompose12Months)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sales::targets
