#include "targets-svc/store/decomposition_source.h"

#include <algorithm>

#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::targets {

const char* MetricColumn(v1::Metric metric) {
  switch (metric) {
    case v1::METRIC_COLLECTED_AMOUNT:
      return "collected_amount";
    case v1::METRIC_QUANTITY:
      return "quantity";
    case v1::METRIC_NEW_CUSTOMERS:
      return "new_customers";
    case v1::METRIC_GROSS_PROFIT:
      return "gross_profit";
    default:
      return "sales_amount";
  }
}

absl::StatusOr<std::unique_ptr<LoadedSource>> LoadedSource::Load(db::Transaction& tx, v1::Metric metric,
                                                                 int32_t fiscal_year, int32_t max_years) {
  auto src = std::make_unique<LoadedSource>();
  SALES_ASSIGN_OR_RETURN(auto units, tx.Query("SELECT id, COALESCE(parent_id, 0) AS parent_id, kind, market_quality_bp "
                                              "FROM org_units WHERE state = 'ACTIVE' ORDER BY id"));
  for (const auto& r : units) {
    src->AddUnit(r.Int("id"), r.Int("parent_id"), EnumParse<v1::OrgUnitKind>(r.Str("kind")),
                 static_cast<int32_t>(r.Int("market_quality_bp")));
  }
  SALES_ASSIGN_OR_RETURN(auto reps, tx.Query("SELECT id, org_unit_id, status FROM reps WHERE status <> ? ORDER BY id",
                                             {EnumShort(v1::REP_STATUS_LEFT)}));
  for (const auto& r : reps) {
    src->AddRep(r.Int("id"), r.Int("org_unit_id"), EnumParse<v1::RepStatus>(r.Str("status")));
  }
  SALES_ASSIGN_OR_RETURN(auto lines,
                         tx.Query("SELECT id, portfolio_role FROM product_lines WHERE state = 'ACTIVE' ORDER BY id"));
  for (const auto& r : lines) {
    src->AddProductLine(r.Int("id"), EnumParse<v1::PortfolioRole>(r.Str("portfolio_role")));
  }
  // The column name comes from our own switch above, never from input.
  std::string sql = std::string("SELECT fiscal_year, fiscal_month, rep_id, org_unit_id, product_line_id, SUM(") +
                    MetricColumn(metric) +
                    ") AS amount FROM actual_cells WHERE fiscal_year >= ? AND fiscal_year < ? "
                    "GROUP BY fiscal_year, fiscal_month, rep_id, org_unit_id, product_line_id";
  SALES_ASSIGN_OR_RETURN(
      auto hist, tx.Query(sql, {static_cast<int64_t>(fiscal_year - max_years), static_cast<int64_t>(fiscal_year)}));
  src->history_.reserve(hist.size());
  for (const auto& r : hist) {
    src->AddHistory({static_cast<int32_t>(r.Int("fiscal_year")), static_cast<int32_t>(r.Int("fiscal_month")),
                     r.Int("rep_id"), r.Int("org_unit_id"), r.Int("product_line_id"), r.Int("amount")});
  }
  return src;
}

void LoadedSource::AddUnit(int64_t id, int64_t parent, v1::OrgUnitKind kind, int32_t quality_bp) {
  Unit& u = units_[id];
  u.parent = parent;
  u.kind = kind;
  u.quality_bp = quality_bp;
  if (parent != 0) units_[parent].children.push_back(id);
}

void LoadedSource::AddRep(int64_t id, int64_t unit, v1::RepStatus status) { units_[unit].reps.push_back({id, status}); }

void LoadedSource::AddProductLine(int64_t id, v1::PortfolioRole role) { lines_[id] = role; }

void LoadedSource::AddHistory(const HistoryRow& row) { history_.push_back(row); }

std::vector<int64_t> LoadedSource::ChildUnits(int64_t unit_id) const {
  auto it = units_.find(unit_id);
  if (it == units_.end()) return {};
  std::vector<int64_t> out = it->second.children;
  std::sort(out.begin(), out.end());
  return out;
}

v1::OrgUnitKind LoadedSource::UnitKind(int64_t unit_id) const {
  auto it = units_.find(unit_id);
  return it == units_.end() ? v1::ORG_UNIT_KIND_UNSPECIFIED : it->second.kind;
}

int32_t LoadedSource::MarketQualityBp(int64_t unit_id) const {
  auto it = units_.find(unit_id);
  return it == units_.end() ? 10000 : it->second.quality_bp;
}

int64_t LoadedSource::ParentOf(int64_t unit) const {
  auto it = units_.find(unit);
  return it == units_.end() ? 0 : it->second.parent;
}

std::vector<RepInfo> LoadedSource::RepsIn(int64_t unit_id) const {
  std::vector<RepInfo> out;
  std::vector<int64_t> stack = {unit_id};
  while (!stack.empty()) {
    int64_t u = stack.back();
    stack.pop_back();
    auto it = units_.find(u);
    if (it == units_.end()) continue;
    out.insert(out.end(), it->second.reps.begin(), it->second.reps.end());
    stack.insert(stack.end(), it->second.children.begin(), it->second.children.end());
  }
  std::sort(out.begin(), out.end(), [](const RepInfo& a, const RepInfo& b) { return a.rep_id < b.rep_id; });
  return out;
}

std::vector<int64_t> LoadedSource::ProductLines(v1::PortfolioRole role) const {
  std::vector<int64_t> out;
  for (const auto& [id, r] : lines_) {
    if (role == v1::PORTFOLIO_ROLE_UNSPECIFIED || r == role) out.push_back(id);
  }
  return out;
}

v1::PortfolioRole LoadedSource::RoleOf(int64_t line) const {
  auto it = lines_.find(line);
  return it == lines_.end() ? v1::PORTFOLIO_ROLE_UNSPECIFIED : it->second;
}

const LoadedSource::Sums& LoadedSource::SumsFor(const Shape& shape, int32_t fiscal_year) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(shape, fiscal_year);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Sums sums;
  for (const auto& h : history_) {
    if (h.year < fiscal_year - shape.years || h.year >= fiscal_year) continue;
    int64_t period = shape.period_kind == common::v1::PERIOD_KIND_MONTH     ? h.month
                     : shape.period_kind == common::v1::PERIOD_KIND_QUARTER ? (h.month - 1) / 3 + 1
                                                                            : 0;
    int64_t rep = shape.rep ? h.rep_id : 0;
    int64_t role = shape.role ? RoleOf(h.product_line_id) : 0;
    int64_t line = shape.line ? h.product_line_id : 0;
    if (!shape.unit) {
      sums[{period, 0, rep, role, line}] += h.amount;
      continue;
    }
    // A row counts for its unit and every unit above it.
    for (int64_t u = h.org_unit_id; u != 0; u = ParentOf(u)) sums[{period, u, rep, role, line}] += h.amount;
  }
  return cache_.emplace(key, std::move(sums)).first->second;
}

int64_t LoadedSource::History(const CellCoordinates& at, int32_t fiscal_year, int32_t years) const {
  Shape shape{static_cast<int>(at.period_kind),
              at.org_unit_id != 0,
              at.rep_id != 0,
              at.portfolio_role != v1::PORTFOLIO_ROLE_UNSPECIFIED,
              at.product_line_id != 0,
              years};
  const Sums& sums = SumsFor(shape, fiscal_year);
  int64_t period = at.period_kind == common::v1::PERIOD_KIND_MONTH     ? at.period_start.month()
                   : at.period_kind == common::v1::PERIOD_KIND_QUARTER ? (at.period_start.month() - 1) / 3 + 1
                                                                       : 0;
  auto it = sums.find({period, at.org_unit_id, at.rep_id, static_cast<int64_t>(at.portfolio_role), at.product_line_id});
  return it == sums.end() ? 0 : it->second;
}

}  // namespace sales::targets
