#include "targets-svc/app/sales_reports.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/status.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

void RankRows(std::vector<v1::TargetVsActualRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.attainment_bp() > b.attainment_bp(); });
  for (size_t i = 0; i < rows.size(); ++i) rows[i].set_rank(static_cast<int32_t>(i + 1));
}

}  // namespace

absl::StatusOr<v1::GetSalesByRepReportResponse> SalesReports::ByRep(
    db::Transaction& tx, const CallContext& call, const v1::GetSalesByRepReportRequest& request) const {
  const ProgressReading reading(clock_);
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  v1::TargetNode scope;
  int64_t unit = request.org_unit_id();
  if (unit == 0 && viewer.principal.role == kRoleManager) unit = viewer.principal.org_unit_id;
  scope.set_org_unit_id(unit);
  std::vector<v1::Rep> reps;
  if (viewer.principal.role == kRoleRep) {
    SALES_ASSIGN_OR_RETURN(auto me, RepStore::Get(tx, viewer.principal.rep_id));
    reps.push_back(me);
  } else {
    if (unit != 0) SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, scope));
    if (unit == 0 && !viewer.read_everywhere) return OutOfScope("the whole company");
    std::vector<int64_t> units;
    if (unit != 0) {
      SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, unit));
    }
    v1::ListRepsRequest f;
    SALES_ASSIGN_OR_RETURN(reps, RepStore::List(tx, units, f, 0, 100000));
  }
  std::vector<v1::TargetVsActualRow> rows;
  for (const auto& r : reps) {
    v1::TargetNode n;
    n.set_rep_id(r.id());
    n.set_product_line_id(request.product_line_id());
    auto row = reading.ReportRow(tx, n, r.name(), request.period(), request.metric(), 0);
    if (absl::IsFailedPrecondition(row.status())) continue;  // no signed plan covers this rep
    SALES_RETURN_IF_ERROR(row.status());
    rows.push_back(*row);
  }
  RankRows(rows);
  v1::GetSalesByRepReportResponse out;
  for (auto& r : rows) *out.add_rows() = std::move(r);
  if (viewer.principal.role != kRoleRep) {
    scope.set_product_line_id(request.product_line_id());
    auto total = reading.ReportRow(tx, scope, unit == 0 ? "company" : "total", request.period(), request.metric(), 0);
    if (total.ok()) *out.mutable_total() = *total;
  }
  return out;
}

absl::StatusOr<v1::GetSalesByRegionReportResponse> SalesReports::ByRegion(
    db::Transaction& tx, const CallContext& call, const v1::GetSalesByRegionReportRequest& request) const {
  const ProgressReading reading(clock_);
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  int64_t unit = request.org_unit_id();
  if (unit == 0 && viewer.principal.role == kRoleManager) unit = viewer.principal.org_unit_id;
  v1::TargetNode scope;
  scope.set_org_unit_id(unit);
  if (unit != 0) {
    SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, scope));
  } else if (!viewer.read_everywhere) {
    return OutOfScope("the whole company");
  }
  std::vector<int64_t> units;
  if (unit != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, unit));
  } else {
    SALES_ASSIGN_OR_RETURN(units, OrgStore::AllIds(tx));
  }
  std::vector<v1::TargetVsActualRow> rows;
  for (int64_t u : units) {
    SALES_ASSIGN_OR_RETURN(auto ou, OrgStore::Get(tx, u));
    if (ou.kind() != request.group_kind()) continue;
    v1::TargetNode n;
    n.set_org_unit_id(u);
    n.set_product_line_id(request.product_line_id());
    auto row = reading.ReportRow(tx, n, ou.name(), request.period(), request.metric(), 0);
    if (absl::IsFailedPrecondition(row.status())) continue;
    SALES_RETURN_IF_ERROR(row.status());
    rows.push_back(*row);
  }
  RankRows(rows);
  v1::GetSalesByRegionReportResponse out;
  for (auto& r : rows) *out.add_rows() = std::move(r);
  scope.set_product_line_id(request.product_line_id());
  auto total = reading.ReportRow(tx, scope, unit == 0 ? "company" : "total", request.period(), request.metric(), 0);
  if (total.ok()) *out.mutable_total() = *total;
  return out;
}

absl::StatusOr<v1::GetRankingResponse> SalesReports::Ranking(db::Transaction& tx, const CallContext& call,
                                                             const v1::GetRankingRequest& request) const {
  const ProgressReading reading(clock_);
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  v1::TargetNode unit_node;
  unit_node.set_org_unit_id(request.org_unit_id());
  // A rep may see the ranking board of their own unit (销售排行榜).
  bool own_unit = viewer.principal.role == kRoleRep && viewer.principal.org_unit_id == request.org_unit_id();
  if (!own_unit) SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, unit_node));
  std::vector<std::pair<v1::TargetNode, std::string>> nodes;
  if (request.rank_reps()) {
    v1::ListRepsRequest f;
    f.set_org_unit_id(request.org_unit_id());
    f.set_include_subtree(true);
    SALES_ASSIGN_OR_RETURN(auto units, SubtreeOf(tx, request.org_unit_id()));
    SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, f, 0, 10000));
    for (const auto& r : reps) {
      v1::TargetNode n;
      n.set_rep_id(r.id());
      nodes.emplace_back(n, r.name());
    }
  } else {
    SALES_ASSIGN_OR_RETURN(auto children, OrgStore::List(tx, request.org_unit_id(), 0, 1000));
    for (const auto& u : children) {
      v1::TargetNode n;
      n.set_org_unit_id(u.id());
      nodes.emplace_back(n, u.name());
    }
  }
  std::vector<v1::RankingEntry> entries;
  for (const auto& [node, label] : nodes) {
    auto p = reading.ProgressOf(tx, node, request.period(), request.as_of(), request.window(), request.metric(),
                                request.plan_id());
    if (!p.ok()) {
      if (p.status().code() == absl::StatusCode::kFailedPrecondition) continue;
      return p.status();
    }
    v1::RankingEntry e;
    e.set_rep_id(node.rep_id());
    e.set_org_unit_id(node.org_unit_id());
    e.set_label(label);
    *e.mutable_progress() = *p;
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.progress().attainment_bp() > b.progress().attainment_bp();
  });
  v1::GetRankingResponse out;
  int limit = request.limit() == 0 ? 1000 : request.limit();
  for (size_t i = 0; i < entries.size() && static_cast<int>(i) < limit; ++i) {
    entries[i].set_rank(static_cast<int32_t>(i + 1));
    *out.add_entries() = std::move(entries[i]);
  }
  return out;
}

}  // namespace sales::targets
