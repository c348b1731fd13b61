#include "targets-svc/store/progress_sweep_store.h"

#include <algorithm>
#include <set>

#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::targets {
namespace {

std::string Day(absl::CivilDay d) { return FormatDbDate(FromCivilDay(d)); }

// Last day of an assignment's period (kinds as in common.v1.PeriodKind).
absl::CivilDay PeriodEnd(common::v1::PeriodKind kind, absl::CivilDay start) {
  switch (kind) {
    case common::v1::PERIOD_KIND_WEEK:
      return start + 6;
    case common::v1::PERIOD_KIND_MONTH:
      return absl::CivilDay(absl::CivilMonth(start) + 1) - 1;
    case common::v1::PERIOD_KIND_QUARTER:
      return absl::CivilDay(absl::CivilMonth(start) + 3) - 1;
    default:
      return absl::CivilDay(start.year() + 1, start.month(), start.day()) - 1;
  }
}

}  // namespace

absl::StatusOr<std::vector<SweepNode>> ProgressSweepStore::Nodes(db::Transaction& tx, int64_t plan_id,
                                                                 int32_t plan_version, int64_t plan_unit,
                                                                 absl::CivilDay from, absl::CivilDay to) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT DISTINCT period_kind, period_start, org_unit_id, rep_id FROM assignments "
                                  "WHERE plan_id = ? AND plan_version = ? AND period_start <= ?",
                                  {plan_id, static_cast<int64_t>(plan_version), Day(to)}));
  std::set<int64_t> reps, units;
  units.insert(plan_unit);
  for (const auto& r : rows) {
    absl::CivilDay start = ToCivilDay(ParseDbDate(r.Str("period_start")));
    if (PeriodEnd(EnumParse<common::v1::PeriodKind>(r.Str("period_kind")), start) < from) continue;
    if (r.Int("org_unit_id") != 0) units.insert(r.Int("org_unit_id"));
    if (r.Int("rep_id") != 0) reps.insert(r.Int("rep_id"));
  }
  std::vector<SweepNode> out;
  for (int64_t rep : reps) out.push_back({rep, 0});
  for (int64_t unit : units) out.push_back({0, unit});
  return out;
}

absl::StatusOr<std::optional<LastStatus>> ProgressSweepStore::GetStatus(db::Transaction& tx, int64_t plan_id,
                                                                        const SweepNode& node,
                                                                        absl::CivilDay month_start) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT status, as_of FROM progress_status_last WHERE plan_id = ? AND "
                                             "rep_id = ? AND org_unit_id = ? AND month_start = ? FOR UPDATE",
                                             {plan_id, node.rep_id, node.org_unit_id, Day(month_start)}));
  if (rows.empty()) return std::optional<LastStatus>();
  LastStatus s;
  s.status = EnumParse<v1::ProgressStatus>(rows[0].Str("status"));
  s.as_of = ToCivilDay(ParseDbDate(rows[0].Str("as_of")));
  return std::optional<LastStatus>(s);
}

absl::Status ProgressSweepStore::SaveStatus(db::Transaction& tx, int64_t plan_id, int32_t plan_version,
                                            v1::Metric metric, const SweepNode& node, absl::CivilDay month_start,
                                            v1::ProgressStatus status, absl::CivilDay as_of, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO progress_status_last (plan_id, rep_id, org_unit_id, month_start, metric, plan_version, "
          "status, as_of, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "metric = VALUES(metric), plan_version = VALUES(plan_version), status = VALUES(status), "
          "as_of = VALUES(as_of), updated_at = VALUES(updated_at)",
          {plan_id, node.rep_id, node.org_unit_id, Day(month_start), EnumShort(metric),
           static_cast<int64_t>(plan_version), EnumShort(status), Day(as_of), FormatDbTime(now)})
      .status();
}

absl::StatusOr<std::optional<PublishedAttainment>> ProgressSweepStore::GetAttainment(db::Transaction& tx,
                                                                                     int64_t plan_id,
                                                                                     const SweepNode& node,
                                                                                     absl::CivilDay month_start) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT plan_version, target, actual, ytd_target, ytd_actual, revision FROM "
                          "monthly_attainment_published WHERE plan_id = ? AND rep_id = ? AND org_unit_id = ? AND "
                          "month_start = ? FOR UPDATE",
                          {plan_id, node.rep_id, node.org_unit_id, Day(month_start)}));
  if (rows.empty()) return std::optional<PublishedAttainment>();
  const auto& r = rows[0];
  PublishedAttainment a;
  a.plan_version = static_cast<int32_t>(r.Int("plan_version"));
  a.target = r.Int("target");
  a.actual = r.Int("actual");
  a.ytd_target = r.Int("ytd_target");
  a.ytd_actual = r.Int("ytd_actual");
  a.revision = static_cast<int32_t>(r.Int("revision"));
  return std::optional<PublishedAttainment>(a);
}

absl::Status ProgressSweepStore::SaveAttainment(db::Transaction& tx, int64_t plan_id, v1::Metric metric,
                                                const SweepNode& node, absl::CivilDay month_start,
                                                const PublishedAttainment& a, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO monthly_attainment_published (plan_id, rep_id, org_unit_id, month_start, metric, "
          "plan_version, target, actual, ytd_target, ytd_actual, revision, published_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE plan_version = VALUES(plan_version), "
          "target = VALUES(target), actual = VALUES(actual), ytd_target = VALUES(ytd_target), "
          "ytd_actual = VALUES(ytd_actual), revision = VALUES(revision), published_at = VALUES(published_at)",
          {plan_id, node.rep_id, node.org_unit_id, Day(month_start), EnumShort(metric),
           static_cast<int64_t>(a.plan_version), a.target, a.actual, a.ytd_target, a.ytd_actual,
           static_cast<int64_t>(a.revision), FormatDbTime(now)})
      .status();
}

absl::StatusOr<int64_t> ProgressSweepStore::RepUnitOn(db::Transaction& tx, int64_t rep_id, absl::CivilDay day) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT org_unit_id FROM rep_history WHERE rep_id = ? AND valid_from <= ? "
                                             "ORDER BY valid_from DESC, id DESC LIMIT 1",
                                             {rep_id, Day(day)}));
  if (!rows.empty()) return rows[0].Int("org_unit_id");
  SALES_ASSIGN_OR_RETURN(auto reps, tx.Query("SELECT org_unit_id FROM reps WHERE id = ?", {rep_id}));
  return reps.empty() ? int64_t{0} : reps[0].Int("org_unit_id");
}

absl::StatusOr<bool> ProgressSweepStore::MarkSwept(db::Transaction& tx, absl::CivilDay as_of,
                                                   const std::string& request_id, absl::Time now) {
  // One statement, not a locking read and then an INSERT: reading a date
  // nobody has swept yet locks nothing, so two first sweeps of one date both
  // inserted and the second failed on the key (ALREADY_EXISTS to a caller
  // whose sweep had done its work). The insert waits on the other's row and
  // then counts the run.
  SALES_ASSIGN_OR_RETURN(
      int64_t affected,
      tx.Exec("INSERT INTO progress_sweeps (as_of, first_request, run_count, first_swept_at, last_swept_at) "
              "VALUES (?, ?, 1, ?, ?) ON DUPLICATE KEY UPDATE run_count = run_count + 1, "
              "last_swept_at = VALUES(last_swept_at)",
              {Day(as_of), request_id, FormatDbTime(now), FormatDbTime(now)}));
  // 1: the row was inserted (the date's first sweep); 2: it was there.
  return affected != 1;
}

}  // namespace sales::targets
