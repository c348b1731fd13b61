#include "targets-svc/domain/decomposition.h"

#include <map>
#include <set>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"

namespace sales::targets {
namespace {

// One prospective child of a cell at a level.
struct Candidate {
  CellCoordinates at;
  int64_t ratio_key = 0;  // the id explicit ratios refer to
  std::string segment;    // appended to the parent's key
  v1::RepStatus rep_status = v1::REP_STATUS_ACTIVE;
};

int32_t ShareBp(int64_t part, int64_t whole) {
  if (whole == 0) return 0;
  absl::int128 num = absl::int128(part) * 10000 * 2 + whole;
  return static_cast<int32_t>(num / (absl::int128(whole) * 2));
}

int KindDepth(v1::OrgUnitKind kind) {
  switch (kind) {
    case v1::ORG_UNIT_KIND_COMPANY:
      return 0;
    case v1::ORG_UNIT_KIND_BRANCH:
      return 1;
    case v1::ORG_UNIT_KIND_OFFICE:
      return 2;
    case v1::ORG_UNIT_KIND_TEAM:
      return 3;
    default:
      return 4;
  }
}

std::string LevelField(size_t i, const char* leaf) { return absl::StrCat("levels[", i, "].", leaf); }

class Engine {
 public:
  Engine(const DecomposeRequest& req, const DecompositionSource& src) : req_(req), src_(src) {}

  absl::StatusOr<DecomposeResult> Run() {
    DecomposeResult result;
    result.cells.push_back(req_.from);
    result.cells[0].parent = -1;
    result.max_depth = req_.from.depth;
    std::vector<int32_t> frontier = {0};
    for (size_t li = 0; li < req_.levels.size(); ++li) {
      const auto& level = req_.levels[li];
      matched_ratio_keys_.clear();
      std::vector<int32_t> next;
      if (level.dimension() == v1::DIMENSION_ORG_UNIT) {
        SALES_ASSIGN_OR_RETURN(next, DescendUnits(li, frontier, result));
      } else {
        for (int32_t idx : frontier) {
          std::vector<Candidate> candidates = ChildrenOf(level, result.cells[idx]);
          if (candidates.empty()) {
            return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                     "cell ", result.cells[idx].key.empty() ? "(root)" : result.cells[idx].key,
                                     " has nothing to split into along ", v1::Dimension_Name(level.dimension()),
                                     level.dimension() == v1::DIMENSION_REP ? " (no reps in that unit)" : "")),
                                 "LEVEL_HAS_NO_CHILDREN", kTargetsDomain);
          }
          SALES_RETURN_IF_ERROR(Split(li, idx, candidates, result, &next));
        }
      }
      SALES_RETURN_IF_ERROR(CheckRatioKeysKnown(li));
      frontier = std::move(next);
    }
    for (const auto& c : result.cells) result.max_depth = std::max(result.max_depth, c.depth);
    return result;
  }

 private:
  // Org levels descend one tree level per step until down_to_kind; a unit
  // with no child units stays where it is and takes the next level there.
  absl::StatusOr<std::vector<int32_t>> DescendUnits(size_t li, const std::vector<int32_t>& frontier,
                                                    DecomposeResult& result) {
    const auto& level = req_.levels[li];
    std::vector<int32_t> done;
    std::vector<int32_t> current = frontier;
    while (!current.empty()) {
      std::vector<int32_t> deeper;
      for (int32_t idx : current) {
        int64_t unit = result.cells[idx].at.org_unit_id;
        if (KindDepth(src_.UnitKind(unit)) >= KindDepth(level.down_to_kind())) {
          done.push_back(idx);
          continue;
        }
        std::vector<Candidate> candidates;
        for (int64_t child : src_.ChildUnits(unit)) {
          Candidate c;
          c.at = result.cells[idx].at;
          c.at.org_unit_id = child;
          c.ratio_key = child;
          c.segment = absl::StrCat("U", child);
          candidates.push_back(std::move(c));
        }
        if (candidates.empty()) {
          done.push_back(idx);
          continue;
        }
        SALES_RETURN_IF_ERROR(Split(li, idx, candidates, result, &deeper));
      }
      current = std::move(deeper);
    }
    return done;
  }

  std::vector<Candidate> ChildrenOf(const v1::DecompositionLevel& level, const Cell& parent) const {
    std::vector<Candidate> out;
    auto add = [&](CellCoordinates at, int64_t key, std::string segment) {
      Candidate c;
      c.at = at;
      c.ratio_key = key;
      c.segment = std::move(segment);
      out.push_back(std::move(c));
    };
    const CellCoordinates& p = parent.at;
    switch (level.dimension()) {
      case v1::DIMENSION_QUARTER:
        for (int q = 0; q < 4; ++q) {
          CellCoordinates at = p;
          at.period_kind = common::v1::PERIOD_KIND_QUARTER;
          at.period_start = absl::CivilDay(p.period_start.year(), 1 + 3 * q, 1);
          add(at, q + 1, absl::StrCat("Q", q + 1));
        }
        break;
      case v1::DIMENSION_MONTH: {
        int first = p.period_start.month();
        int count = p.period_kind == common::v1::PERIOD_KIND_QUARTER ? 3 : 12;
        for (int m = first; m < first + count; ++m) {
          CellCoordinates at = p;
          at.period_kind = common::v1::PERIOD_KIND_MONTH;
          at.period_start = absl::CivilDay(p.period_start.year(), m, 1);
          add(at, m, absl::StrFormat("M%02d", m));
        }
        break;
      }
      case v1::DIMENSION_PORTFOLIO_ROLE:
        for (auto role : {v1::PORTFOLIO_ROLE_TRAFFIC, v1::PORTFOLIO_ROLE_VOLUME, v1::PORTFOLIO_ROLE_PROFIT,
                          v1::PORTFOLIO_ROLE_IMAGE}) {
          CellCoordinates at = p;
          at.portfolio_role = role;
          add(at, role, absl::StrCat("P", static_cast<int>(role)));
        }
        break;
      case v1::DIMENSION_PRODUCT_LINE:
        for (int64_t line : src_.ProductLines(p.portfolio_role)) {
          CellCoordinates at = p;
          at.product_line_id = line;
          add(at, line, absl::StrCat("L", line));
        }
        break;
      case v1::DIMENSION_REP:
        for (const RepInfo& rep : src_.RepsIn(p.org_unit_id)) {
          CellCoordinates at = p;
          at.rep_id = rep.rep_id;
          add(at, rep.rep_id, absl::StrCat("R", rep.rep_id));
          out.back().rep_status = rep.status;
        }
        break;
      case v1::DIMENSION_CUSTOMER:
        // Outlet targets exist only for customers the manager names.
        for (const auto& r : level.ratios()) {
          CellCoordinates at = p;
          at.customer_id = r.key();
          add(at, r.key(), absl::StrCat("C", r.key()));
        }
        break;
      default:
        break;
    }
    return out;
  }

  int32_t PolicyBp(const Candidate& c) const {
    switch (c.rep_status) {
      case v1::REP_STATUS_PROBATION:
        return req_.policy.probation_share_bp;
      case v1::REP_STATUS_ON_LEAVE:
        return req_.policy.on_leave_share_bp;
      default:
        return 10000;
    }
  }

  absl::Status Split(size_t li, int32_t parent_idx, const std::vector<Candidate>& candidates, DecomposeResult& result,
                     std::vector<int32_t>* created) {
    const auto& level = req_.levels[li];
    const Cell parent = result.cells[parent_idx];  // copy: the vector grows below
    int32_t years = level.history_years() > 0 ? level.history_years() : req_.default_history_years;
    std::map<int64_t, int64_t> ratios;
    for (const auto& r : level.ratios()) ratios[r.key()] = r.weight();

    size_t n = candidates.size();
    std::vector<absl::int128> base(n, 0);
    std::vector<int64_t> history(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Candidate& c = candidates[i];
      switch (level.method()) {
        case v1::DECOMPOSITION_METHOD_EQUAL_SPLIT:
          base[i] = 1;
          break;
        case v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS:
          if (auto it = ratios.find(c.ratio_key); it != ratios.end()) {
            base[i] = it->second;
            matched_ratio_keys_.insert(c.ratio_key);
          }
          break;
        case v1::DECOMPOSITION_METHOD_HISTORY_SHARE:
          history[i] = std::max<int64_t>(0, src_.History(c.at, req_.fiscal_year, years));
          base[i] = history[i];
          break;
        case v1::DECOMPOSITION_METHOD_MARKET_QUALITY:
          history[i] = std::max<int64_t>(0, src_.History(c.at, req_.fiscal_year, years));
          base[i] = absl::int128(history[i]) * (c.at.org_unit_id != 0 ? src_.MarketQualityBp(c.at.org_unit_id) : 10000);
          break;
        default:
          break;
      }
    }
    bool all_zero = true;
    for (const auto& b : base) all_zero = all_zero && b == 0;
    bool fallback = false;
    if (all_zero) {
      if (level.method() == v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS) {
        return InvalidField(LevelField(li, "ratios"), absl::StrCat("no positive ratio for any child of ",
                                                                   parent.key.empty() ? "the root" : parent.key));
      }
      // No history for any child: equal shares, and the response says so.
      fallback = true;
      std::fill(base.begin(), base.end(), 1);
    }
    std::vector<absl::int128> weights(n);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      weights[i] = base[i] * PolicyBp(candidates[i]);
      any = any || weights[i] > 0;
    }
    if (!any) {
      return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                               "every child of ", parent.key.empty() ? "the root" : parent.key,
                               " has a zero share under the inactive-rep policy; nobody can carry the target")),
                           "NO_ACTIVE_ASSIGNEE", kTargetsDomain);
    }
    SALES_ASSIGN_OR_RETURN(std::vector<int64_t> targets, AllocateLargestRemainder(parent.target, weights));
    std::vector<int64_t> expenses(n, 0);
    if (req_.expense_split != v1::EXPENSE_SPLIT_KEEP_AT_PARENT && parent.expense != 0) {
      SALES_ASSIGN_OR_RETURN(expenses, AllocateLargestRemainder(parent.expense, targets));
    }
    for (size_t i = 0; i < n; ++i) {
      Cell c;
      c.parent = parent_idx;
      c.depth = parent.depth + 1;
      c.dimension = level.dimension();
      c.method = level.method();
      c.at = candidates[i].at;
      c.key = parent.key.empty() ? candidates[i].segment : absl::StrCat(parent.key, "/", candidates[i].segment);
      c.target = targets[i];
      c.expense = expenses[i];
      c.weight = weights[i] > absl::int128(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(weights[i]);
      c.history = history[i];
      c.share_bp = ShareBp(targets[i], parent.target);
      c.reduced_by_policy = PolicyBp(candidates[i]) < 10000;
      c.equal_split_fallback = fallback;
      created->push_back(static_cast<int32_t>(result.cells.size()));
      result.cells.push_back(std::move(c));
    }
    return absl::OkStatus();
  }

  absl::Status CheckRatioKeysKnown(size_t li) const {
    const auto& level = req_.levels[li];
    if (level.method() != v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS) return absl::OkStatus();
    for (int i = 0; i < level.ratios_size(); ++i) {
      if (!matched_ratio_keys_.count(level.ratios(i).key())) {
        return InvalidField(absl::StrCat("levels[", li, "].ratios[", i, "].key"),
                            absl::StrCat(level.ratios(i).key(), " is not a child at this level"));
      }
    }
    return absl::OkStatus();
  }

  const DecomposeRequest& req_;
  const DecompositionSource& src_;
  std::set<int64_t> matched_ratio_keys_;
};

}  // namespace

absl::Status ValidateLevels(const std::vector<v1::DecompositionLevel>& levels, const CellCoordinates& from) {
  std::vector<FieldViolation> v;
  if (levels.empty()) return InvalidField("levels", "at least one level is required");
  std::set<int> seen;
  bool month_seen = false, rep_seen = false, line_seen = false;
  for (size_t i = 0; i < levels.size(); ++i) {
    const auto& l = levels[i];
    auto dim = l.dimension();
    if (dim == v1::DIMENSION_UNSPECIFIED || !v1::Dimension_IsValid(dim)) {
      v.push_back({LevelField(i, "dimension"), "required"});
      continue;
    }
    if (!seen.insert(dim).second) {
      v.push_back({LevelField(i, "dimension"), absl::StrCat(v1::Dimension_Name(dim), " appears twice")});
    }
    if (l.method() == v1::DECOMPOSITION_METHOD_UNSPECIFIED || !v1::DecompositionMethod_IsValid(l.method())) {
      v.push_back({LevelField(i, "method"), "required"});
    }
    if (l.history_years() < 0 || l.history_years() > 5) {
      v.push_back({LevelField(i, "history_years"), "must be 0..5"});
    }
    switch (dim) {
      case v1::DIMENSION_QUARTER:
        if (month_seen || from.period_kind != common::v1::PERIOD_KIND_YEAR) {
          v.push_back({LevelField(i, "dimension"), "quarters split a year, before any month level"});
        }
        break;
      case v1::DIMENSION_MONTH:
        month_seen = true;
        if (from.period_kind == common::v1::PERIOD_KIND_MONTH) {
          v.push_back({LevelField(i, "dimension"), "the cell is already a month"});
        }
        break;
      case v1::DIMENSION_ORG_UNIT:
        if (rep_seen) v.push_back({LevelField(i, "dimension"), "org units must come before reps"});
        if (from.org_unit_id == 0)
          v.push_back({LevelField(i, "dimension"), "the cell has no org unit to descend from"});
        if (l.down_to_kind() != v1::ORG_UNIT_KIND_BRANCH && l.down_to_kind() != v1::ORG_UNIT_KIND_OFFICE &&
            l.down_to_kind() != v1::ORG_UNIT_KIND_TEAM) {
          v.push_back({LevelField(i, "down_to_kind"), "BRANCH, OFFICE or TEAM"});
        }
        break;
      case v1::DIMENSION_REP:
        rep_seen = true;
        if (from.org_unit_id == 0)
          v.push_back({LevelField(i, "dimension"), "the cell has no org unit to find reps in"});
        if (from.rep_id != 0) v.push_back({LevelField(i, "dimension"), "the cell is already a rep's"});
        break;
      case v1::DIMENSION_PORTFOLIO_ROLE:
        if (line_seen) v.push_back({LevelField(i, "dimension"), "roles must come before product lines"});
        break;
      case v1::DIMENSION_PRODUCT_LINE:
        line_seen = true;
        break;
      case v1::DIMENSION_CUSTOMER:
        if (l.method() != v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS) {
          v.push_back({LevelField(i, "method"), "outlet targets need EXPLICIT_RATIOS naming the customers"});
        }
        if (i + 1 != levels.size()) v.push_back({LevelField(i, "dimension"), "customers must be the last level"});
        break;
      default:
        break;
    }
    if (l.method() == v1::DECOMPOSITION_METHOD_EXPLICIT_RATIOS) {
      if (l.ratios().empty()) v.push_back({LevelField(i, "ratios"), "required for EXPLICIT_RATIOS"});
      absl::int128 sum = 0;
      std::set<int64_t> keys;
      for (int k = 0; k < l.ratios_size(); ++k) {
        if (l.ratios(k).weight() < 0) {
          v.push_back({absl::StrCat("levels[", i, "].ratios[", k, "].weight"), "must be >= 0"});
        }
        if (!keys.insert(l.ratios(k).key()).second) {
          v.push_back({absl::StrCat("levels[", i, "].ratios[", k, "].key"), "repeated"});
        }
        sum += l.ratios(k).weight();
      }
      if (!l.ratios().empty() && sum <= 0) v.push_back({LevelField(i, "ratios"), "weights sum to zero"});
    } else if (!l.ratios().empty()) {
      v.push_back({LevelField(i, "ratios"), "only for EXPLICIT_RATIOS"});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::StatusOr<DecomposeResult> Decompose(const DecomposeRequest& request, const DecompositionSource& source) {
  SALES_RETURN_IF_ERROR(ValidateLevels(request.levels, request.from.at));
  std::vector<FieldViolation> v;
  if (request.policy.probation_share_bp < 0 || request.policy.probation_share_bp > 10000) {
    v.push_back({"inactive_rep_policy.probation_share_bp", "must be 0..10000"});
  }
  if (request.policy.on_leave_share_bp < 0 || request.policy.on_leave_share_bp > 10000) {
    v.push_back({"inactive_rep_policy.on_leave_share_bp", "must be 0..10000"});
  }
  if (request.from.target < 0) v.push_back({"target", "must be >= 0"});
  if (!v.empty()) return InvalidFields(std::move(v));
  Engine engine(request, source);
  return engine.Run();
}

}  // namespace sales::targets
