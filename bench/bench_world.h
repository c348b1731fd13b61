// The benchmark world shared by the Google Benchmark and the persist
// driver: company → 4 branches → 8 offices → 20 teams, reps dealt round
// robin over the teams (every 97th on probation), 40 product lines (10 per
// role) and 3 years of deterministic monthly history for every rep × line.
#pragma once

#include <cstdint>
#include <memory>

#include "targets-svc/domain/decomposition.h"
#include "targets-svc/store/decomposition_source.h"

namespace sales::targets::bench {

constexpr int32_t kFiscalYear = 2025;
constexpr int32_t kHistoryYears = 3;
constexpr int64_t kCompany = 1;
constexpr int kTeams = 20;
constexpr int kLinesPerRole = 10;
constexpr int64_t kYearTarget = 1'200'000'000'000;  // fen (12 bn yuan)
constexpr int64_t kYearExpense = 36'000'000'000;    // fen (3 % of the target)

inline uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Team ids 1000..1019 under offices 100..107 under branches 10..13.
inline int64_t TeamOfRep(int64_t rep) { return 1000 + (rep - 1) % kTeams; }

inline v1::RepStatus StatusOfRep(int64_t rep) {
  return rep % 97 == 0 ? v1::REP_STATUS_PROBATION : v1::REP_STATUS_ACTIVE;
}

inline v1::PortfolioRole RoleOfLine(int64_t line) {
  return static_cast<v1::PortfolioRole>(1 + (line - 1) / kLinesPerRole);
}

// Monthly sales of a rep on a line, in fen: a rep size, a line weight, a
// seasonal curve, yearly growth and ±10 % noise.
inline int64_t HistoryAmount(int64_t rep, int64_t line, int32_t year, int32_t month) {
  static constexpr int kSeason[12] = {70, 60, 95, 100, 105, 110, 100, 95, 105, 110, 120, 130};
  int64_t rep_size = 200'000 + static_cast<int64_t>(Mix(static_cast<uint64_t>(rep)) % 1'800'000);
  int64_t line_weight = 50 + static_cast<int64_t>(Mix(0x1000 + static_cast<uint64_t>(line)) % 150);
  int64_t growth = 100 + 8 * (year - (kFiscalYear - kHistoryYears));
  uint64_t h = Mix((static_cast<uint64_t>(rep) << 32) ^ (static_cast<uint64_t>(line) << 16) ^
                   (static_cast<uint64_t>(year) << 4) ^ static_cast<uint64_t>(month));
  int64_t noise = 90 + static_cast<int64_t>(h % 21);
  return 1 + rep_size * line_weight / 100 * kSeason[month - 1] / 100 * growth / 100 * noise / 100;
}

inline std::unique_ptr<LoadedSource> BuildWorld(int reps) {
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

inline v1::DecompositionLevel Level(v1::Dimension d, v1::DecompositionMethod m) {
  v1::DecompositionLevel l;
  l.set_dimension(d);
  l.set_method(m);
  return l;
}

}  // namespace sales::targets::bench
