// Decomposition: parts always sum exactly to their parent, at every level,
// whatever the tree, weights and policy.
#include "targets-svc/domain/decomposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::targets {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// An in-memory world: units, reps, lines and history keyed by coordinates.
class FakeSource : public DecompositionSource {
 public:
  std::map<int64_t, std::vector<int64_t>> children;
  std::map<int64_t, v1::OrgUnitKind> kinds;
  std::map<int64_t, int32_t> quality;
  std::map<int64_t, std::vector<RepInfo>> reps;  // by unit (subtree resolved in RepsIn)
  std::map<int, std::vector<int64_t>> lines;     // by role
  std::map<std::string, int64_t> history;        // by HistoryKey

  static std::string HistoryKey(const CellCoordinates& at) {
    return absl::StrCat(at.period_kind, ":", at.period_start.month(), ":", at.org_unit_id, ":", at.rep_id, ":",
                        at.portfolio_role, ":", at.product_line_id);
  }

  std::vector<int64_t> ChildUnits(int64_t unit) const override {
    auto it = children.find(unit);
    return it == children.end() ? std::vector<int64_t>{} : it->second;
  }
  v1::OrgUnitKind UnitKind(int64_t unit) const override { return kinds.at(unit); }
  int32_t MarketQualityBp(int64_t unit) const override {
    auto it = quality.find(unit);
    return it == quality.end() ? 10000 : it->second;
  }
  std::vector<RepInfo> RepsIn(int64_t unit) const override {
    std::vector<RepInfo> out;
    if (auto it = reps.find(unit); it != reps.end()) out = it->second;
    for (int64_t c : ChildUnits(unit)) {
      auto sub = RepsIn(c);
      out.insert(out.end(), sub.begin(), sub.end());
    }
    std::sort(out.begin(), out.end(), [](const RepInfo& a, const RepInfo& b) { return a.rep_id < b.rep_id; });
    return out;
  }
  std::vector<int64_t> ProductLines(v1::PortfolioRole role) const override {
    if (role != v1::PORTFOLIO_ROLE_UNSPECIFIED) {
      auto it = lines.find(role);
      return it == lines.end() ? std::vector<int64_t>{} : it->second;
    }
    std::vector<int64_t> all;
    for (const auto& [r, ls] : lines) all.insert(all.end(), ls.begin(), ls.end());
    std::sort(all.begin(), all.end());
    return all;
  }
  int64_t History(const CellCoordinates& at, int32_t, int32_t) const override {
    auto it = history.find(HistoryKey(at));
    return it == history.end() ? 0 : it->second;
  }
};

Cell Root(int64_t target, int64_t unit = 1, int64_t expense = 0) {
  Cell c;
  c.at.period_kind = common::v1::PERIOD_KIND_YEAR;
  c.at.period_start = absl::CivilDay(2027, 1, 1);
  c.at.org_unit_id = unit;
  c.target = target;
  c.expense = expense;
  return c;
}

v1::DecompositionLevel Level(v1::Dimension d, v1::DecompositionMethod m,
                             std::vector<std::pair<int64_t, int64_t>> ratios = {},
                             v1::OrgUnitKind down_to = v1::ORG_UNIT_KIND_UNSPECIFIED) {
  v1::DecompositionLevel l;
  l.set_dimension(d);
  l.set_method(m);
  for (auto [k, w] : ratios) {
    auto* r = l.add_ratios();
    r->set_key(k);
    r->set_weight(w);
  }
  l.set_down_to_kind(down_to);
  return l;
}

std::vector<int64_t> ChildTargets(const DecomposeResult& r, int32_t parent) {
  std::vector<int64_t> out;
  for (const auto& c : r.cells) {
    if (c.parent == parent) out.push_back(c.target);
  }
  return out;
}

// Every cell with children equals the sum of its children, targets and
// expenses alike.
void ExpectConserved(const DecomposeResult& r, bool expenses = true) {
  std::map<int32_t, std::pair<int64_t, int64_t>> sums;
  std::map<int32_t, bool> has_children;
  for (const auto& c : r.cells) {
    if (c.parent < 0) continue;
    sums[c.parent].first += c.target;
    sums[c.parent].second += c.expense;
    has_children[c.parent] = true;
  }
  for (const auto& [parent, s] : sums) {
    EXPECT_EQ(s.first, r.cells[parent].target) << "target of " << r.cells[parent].key;
    if (expenses) {
      EXPECT_EQ(s.second, r.cells[parent].expense) << "expense of " << r.cells[parent].key;
    }
  }
}

FakeSource SmallCompany() {
  FakeSource s;
  s.kinds = {{1, v1::ORG_UNIT_KIND_COMPANY}, {2, v1::ORG_UNIT_KIND_BRANCH}, {3, v1::ORG_UNIT_KIND_BRANCH},
             {4, v1::ORG_UNIT_KIND_OFFICE},  {5, v1::ORG_UNIT_KIND_OFFICE}, {6, v1::ORG_UNIT_KIND_TEAM}};
  s.children = {{1, {2, 3}}, {2, {4, 5}}, {4, {6}}};
  s.reps = {{6, {{101, v1::REP_STATUS_ACTIVE}, {102, v1::REP_STATUS_ACTIVE}}},
            {5, {{103, v1::REP_STATUS_ACTIVE}}},
            {3, {{104, v1::REP_STATUS_PROBATION}, {105, v1::REP_STATUS_ON_LEAVE}}}};
  return s;
}

// ---------------------------------------------------------------- tables

struct SplitCase {
  const char* name;
  int64_t total;
  std::vector<v1::DecompositionLevel> levels;
  std::vector<int64_t> first_level;
};

class SplitTable : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitTable, FirstLevelAndConservation) {
  FakeSource src = SmallCompany();
  // History for months: month m sold m × 100 last years.
  for (int m = 1; m <= 12; ++m) {
    CellCoordinates at = Root(0).at;
    at.period_kind = common::v1::PERIOD_KIND_MONTH;
    at.period_start = absl::CivilDay(2027, m, 1);
    src.history[FakeSource::HistoryKey(at)] = m * 100;
  }
  DecomposeRequest req;
  req.from = Root(GetParam().total);
  req.fiscal_year = 2027;
  req.levels = GetParam().levels;
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAreArray(GetParam().first_level)) << GetParam().name;
  ExpectConserved(*r);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SplitTable,
    ::testing::Values(
        // 12 months of 100 000.01 yuan: 120 000 012 fen / 12 = 10 000 001 each.
        SplitCase{"twelve equal months",
                  120000012,
                  {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                  std::vector<int64_t>(12, 10000001)},
        // 100 fen over 12 equal months: 8 each = 96, the 4 spare fen go to
        // the lowest keys (M01..M04) since all remainders tie.
        SplitCase{"awkward remainder over months",
                  100,
                  {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                  {9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8}},
        // History m × 100 over Σ 7800: month m gets 7800 × m/78 = 100 m exactly.
        SplitCase{"history share",
                  7800,
                  {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_HISTORY_SHARE)},
                  {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200}},
        // Quarters 1:1:1:1 of 10 → 3,3,2,2 (ties to the lower key).
        SplitCase{
            "equal quarters", 10, {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)}, {3, 3, 2, 2}},
        // Explicit 1:2:3:4 of 1000 → 100, 200, 300, 400.
        SplitCase{
            "explicit quarter ratios",
            1000,
            {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{1, 1}, {2, 2}, {3, 3}, {4, 4}})},
            {100, 200, 300, 400}},
        // Quarter then month: first level 4 quarters, months inside conserve.
        SplitCase{"quarter then month",
                  1000001,
                  {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT),
                   Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                  {250001, 250000, 250000, 250000}}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (auto& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(Decomposition, OneFenOverThreeRepsGoesToTheLowestKey) {
  FakeSource src;
  src.kinds = {{1, v1::ORG_UNIT_KIND_TEAM}};
  src.reps = {{1, {{7, v1::REP_STATUS_ACTIVE}, {8, v1::REP_STATUS_ACTIVE}, {9, v1::REP_STATUS_ACTIVE}}}};
  DecomposeRequest req;
  req.from = Root(1);
  req.levels = {Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAre(1, 0, 0));
  EXPECT_EQ(r->cells[1].key, "R7");
}

TEST(Decomposition, ProbationAndLeavePolicyReduceShares) {
  FakeSource src = SmallCompany();
  // Branch 3 has a probation rep (104) and one on leave (105); unit 5 an active one (103).
  src.children[1] = {3, 5};
  DecomposeRequest req;
  req.from = Root(300);
  req.levels = {Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)};
  req.policy = {5000, 0};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  // Weights 10000 (103), 5000 (104), 0 (105): 300 → 200, 100, 0.
  ASSERT_EQ(r->cells.size(), 4u);
  EXPECT_EQ(r->cells[1].at.rep_id, 103);
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAre(200, 100, 0));
  EXPECT_FALSE(r->cells[1].reduced_by_policy);
  EXPECT_TRUE(r->cells[2].reduced_by_policy);
  EXPECT_TRUE(r->cells[3].reduced_by_policy);

  // Nobody active and a zero policy: nobody can carry it.
  src.children[1] = {3};
  req.policy = {0, 0};
  EXPECT_THAT(Decompose(req, src).status(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Decomposition, ZeroHistoryFallsBackToEqualSplitAndSaysSo) {
  FakeSource src = SmallCompany();
  DecomposeRequest req;
  req.from = Root(10);
  req.levels = {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_HISTORY_SHARE)};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAre(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0));
  for (size_t i = 1; i < r->cells.size(); ++i) EXPECT_TRUE(r->cells[i].equal_split_fallback);
}

TEST(Decomposition, MarketQualityWeighsHistory) {
  FakeSource src = SmallCompany();
  src.quality = {{2, 12000}, {3, 8000}};
  for (int64_t unit : {2, 3}) {
    CellCoordinates at = Root(0).at;
    at.org_unit_id = unit;
    src.history[FakeSource::HistoryKey(at)] = 1000;
  }
  DecomposeRequest req;
  req.from = Root(1000);
  req.levels = {Level(v1::DIMENSION_ORG_UNIT, v1::DECOMPOSITION_METHOD_MARKET_QUALITY, {}, v1::ORG_UNIT_KIND_BRANCH)};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  // 1000 × 12000 : 1000 × 8000 = 3 : 2 → 600, 400.
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAre(600, 400));
  EXPECT_EQ(r->cells[1].share_bp, 6000);
}

TEST(Decomposition, OrgDescendsTreeLevelsDownToTheKindAsked) {
  FakeSource src = SmallCompany();
  DecomposeRequest req;
  req.from = Root(900);
  req.levels = {Level(v1::DIMENSION_ORG_UNIT, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT, {}, v1::ORG_UNIT_KIND_TEAM),
                Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)};
  req.policy = {10000, 10000};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  ExpectConserved(*r);
  std::map<std::string, int64_t> by_key;
  for (const auto& c : r->cells) by_key[c.key] = c.target;
  // Company 900 → branches 450/450; branch 2 → offices 225/225; office 4 →
  // team 6 (225) → reps 113/112; office 5 has no teams: its rep gets 225;
  // branch 3 has no offices: its reps 104, 105 split 450.
  EXPECT_EQ(by_key["U2"], 450);
  EXPECT_EQ(by_key["U2/U4/U6"], 225);
  EXPECT_EQ(by_key["U2/U4/U6/R101"], 113);
  EXPECT_EQ(by_key["U2/U4/U6/R102"], 112);
  EXPECT_EQ(by_key["U2/U5/R103"], 225);
  EXPECT_EQ(by_key["U3/R104"], 225);
  EXPECT_EQ(r->max_depth, 4);
}

TEST(Decomposition, ExpenseFollowsTargetOrStaysAtTheParent) {
  FakeSource src = SmallCompany();
  DecomposeRequest req;
  req.from = Root(1000, 1, 101);
  req.levels = {
      Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{1, 1}, {2, 1}, {3, 1}, {4, 2}})};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  // Targets 200, 200, 200, 400; expense 101 in the same proportion:
  // 20.2, 20.2, 20.2, 40.4 → 20, 20, 20, 40 and the spare fen to the
  // largest remainder (.4, the fourth).
  std::vector<int64_t> expenses;
  for (size_t i = 1; i < r->cells.size(); ++i) expenses.push_back(r->cells[i].expense);
  EXPECT_THAT(expenses, ElementsAre(20, 20, 20, 41));
  ExpectConserved(*r);

  req.expense_split = v1::EXPENSE_SPLIT_KEEP_AT_PARENT;
  r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  for (size_t i = 1; i < r->cells.size(); ++i) EXPECT_EQ(r->cells[i].expense, 0);
}

TEST(Decomposition, CustomerTargetsOnlyForNamedCustomers) {
  FakeSource src = SmallCompany();
  DecomposeRequest req;
  req.from = Root(100);
  req.levels = {Level(v1::DIMENSION_CUSTOMER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{55, 1}, {66, 3}})};
  auto r = Decompose(req, src);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_THAT(ChildTargets(*r, 0), ElementsAre(25, 75));
  EXPECT_EQ(r->cells[2].key, "C66");
}

// ---------------------------------------------------------------- bad input

struct BadCase {
  const char* name;
  std::vector<v1::DecompositionLevel> levels;
  absl::StatusCode code;
  const char* field;  // first violated field, "" when none expected
};

class BadLevels : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadLevels, AreRefusedPrecisely) {
  FakeSource src = SmallCompany();
  DecomposeRequest req;
  req.from = Root(100);
  req.levels = GetParam().levels;
  auto r = Decompose(req, src);
  EXPECT_THAT(r.status(), StatusIs(GetParam().code)) << GetParam().name;
  if (*GetParam().field) {
    auto v = FieldViolationsOf(r.status());
    ASSERT_FALSE(v.empty()) << GetParam().name;
    EXPECT_EQ(v[0].field, GetParam().field) << GetParam().name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadLevels,
    ::testing::Values(
        BadCase{"no levels", {}, absl::StatusCode::kInvalidArgument, "levels"},
        BadCase{"repeated dimension",
                {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT),
                 Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                absl::StatusCode::kInvalidArgument,
                "levels[1].dimension"},
        BadCase{"quarter after month",
                {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT),
                 Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                absl::StatusCode::kInvalidArgument,
                "levels[1].dimension"},
        BadCase{"ratios sum to zero",
                {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{1, 0}, {2, 0}})},
                absl::StatusCode::kInvalidArgument,
                "levels[0].ratios"},
        BadCase{"negative ratio",
                {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{1, -1}, {2, 3}})},
                absl::StatusCode::kInvalidArgument,
                "levels[0].ratios[0].weight"},
        BadCase{"ratio for an unknown key",
                {Level(v1::DIMENSION_QUARTER, v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS, {{1, 1}, {9, 1}})},
                absl::StatusCode::kInvalidArgument,
                "levels[0].ratios[1].key"},
        BadCase{"org level without a kind",
                {Level(v1::DIMENSION_ORG_UNIT, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                absl::StatusCode::kInvalidArgument,
                "levels[0].down_to_kind"},
        BadCase{"reps before units",
                {Level(v1::DIMENSION_REP, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT),
                 Level(v1::DIMENSION_ORG_UNIT, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT, {}, v1::ORG_UNIT_KIND_TEAM)},
                absl::StatusCode::kInvalidArgument,
                "levels[1].dimension"},
        BadCase{"customers by history",
                {Level(v1::DIMENSION_CUSTOMER, v1::DECOMPOSITION_METHOD_HISTORY_SHARE)},
                absl::StatusCode::kInvalidArgument,
                "levels[0].method"},
        BadCase{"unset method",
                {Level(v1::DIMENSION_MONTH, v1::DECOMPOSITION_METHOD_UNSPECIFIED)},
                absl::StatusCode::kInvalidArgument,
                "levels[0].method"},
        BadCase{"product lines with none defined",
                {Level(v1::DIMENSION_PRODUCT_LINE, v1::DECOMPOSITION_METHOD_EQUAL_SPLIT)},
                absl::StatusCode::kFailedPrecondition,
                ""}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (auto& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

// ---------------------------------------------------------------- property

TEST(DecompositionProperty, RandomTreesAndWeightsAlwaysConserve) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 200; ++round) {
    FakeSource src;
    // A random org tree of up to 4 levels under unit 1.
    int64_t next_unit = 2, next_rep = 1000;
    src.kinds[1] = v1::ORG_UNIT_KIND_COMPANY;
    std::vector<std::pair<int64_t, int>> frontier = {{1, 0}};
    while (!frontier.empty()) {
      auto [unit, depth] = frontier.back();
      frontier.pop_back();
      int kids = depth < 3 ? static_cast<int>(rng() % 4) : 0;
      for (int k = 0; k < kids; ++k) {
        int64_t child = next_unit++;
        src.children[unit].push_back(child);
        src.kinds[child] = static_cast<v1::OrgUnitKind>(depth + 2);
        src.quality[child] = 5000 + static_cast<int32_t>(rng() % 10000);
        frontier.push_back({child, depth + 1});
      }
      // Every unit has an active rep, so every path can carry a target.
      int reps = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < reps; ++k) {
        src.reps[unit].push_back(
            {next_rep++, k == 0 ? v1::REP_STATUS_ACTIVE : static_cast<v1::RepStatus>(1 + rng() % 3)});
      }
    }
    src.lines = {{v1::PORTFOLIO_ROLE_TRAFFIC, {11, 12}},
                 {v1::PORTFOLIO_ROLE_VOLUME, {13}},
                 {v1::PORTFOLIO_ROLE_PROFIT, {14, 15, 16}},
                 {v1::PORTFOLIO_ROLE_IMAGE, {17}}};
    auto method = [&] { return static_cast<v1::DecompositionMethod>(1 + rng() % 4); };
    auto pick = [&](v1::DecompositionMethod m) {
      return m == v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS ? v1::DECOMPOSITION_METHOD_EQUAL_SPLIT : m;
    };
    DecomposeRequest req;
    req.from = Root(static_cast<int64_t>(rng() % 100'000'000'000), 1, static_cast<int64_t>(rng() % 10'000'000));
    req.fiscal_year = 2027;
    req.policy = {static_cast<int32_t>(rng() % 10001), 10000};
    req.levels = {Level(v1::DIMENSION_QUARTER, pick(method())),
                  Level(v1::DIMENSION_ORG_UNIT, pick(method()), {}, v1::ORG_UNIT_KIND_TEAM),
                  Level(v1::DIMENSION_PORTFOLIO_ROLE, pick(method())),
                  Level(v1::DIMENSION_PRODUCT_LINE, pick(method())), Level(v1::DIMENSION_REP, pick(method()))};
    // Random history on some cells.
    for (int h = 0; h < 30; ++h) {
      CellCoordinates at = req.from.at;
      at.org_unit_id = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(next_unit - 1));
      src.history[FakeSource::HistoryKey(at)] = static_cast<int64_t>(rng() % 1'000'000);
    }
    auto r = Decompose(req, src);
    ASSERT_THAT(r.status(), IsOk()) << "round " << round;
    ExpectConserved(*r);
    for (const auto& c : r->cells) ASSERT_GE(c.target, 0);
  }
}

}  // namespace
}  // namespace sales::targets
