#include "platform/org/org_replica.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "sales/targets/v1/org.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

std::vector<sales::MigrationFile> OrgReplicaMigrationFiles();

namespace sales {
namespace {

namespace tv1 = ::sales::targets::v1;

absl::Status UpsertUnit(db::Transaction& tx, const tv1::OrgUnit& u, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO org_units_replica (id, parent_id, kind, code, closed, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
          "ON DUPLICATE KEY UPDATE parent_id = VALUES(parent_id), kind = VALUES(kind), code = VALUES(code), "
          "closed = VALUES(closed), updated_at = VALUES(updated_at)",
          {u.id(), u.parent_id(), static_cast<int64_t>(u.kind()), u.code(),
           static_cast<int64_t>(u.state() == tv1::ORG_UNIT_STATE_CLOSED ? 1 : 0), FormatDbTime(now)})
      .status();
}

absl::Status UpsertRep(db::Transaction& tx, const tv1::Rep& r, absl::Time now) {
  return tx
      .Exec(
          "INSERT INTO reps_replica (id, user_id, name, org_unit_id, status, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
          "ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), name = VALUES(name), "
          "org_unit_id = VALUES(org_unit_id), status = VALUES(status), updated_at = VALUES(updated_at)",
          {r.id(), r.user_id(), r.name(), r.org_unit_id(), static_cast<int64_t>(r.status()), FormatDbTime(now)})
      .status();
}

template <typename Msg>
absl::StatusOr<Msg> Unpack(const common::v1::Event& e) {
  Msg m;
  if (!e.payload().UnpackTo(&m)) {
    return absl::InvalidArgumentError(absl::StrCat("event ", e.event_id(), " is not a ", Msg::descriptor()->name()));
  }
  return m;
}

}  // namespace

bool RepInfo::left() const { return status == tv1::REP_STATUS_LEFT; }

absl::Status OrgReplica::Apply(db::Transaction& tx, const common::v1::Event& e, absl::Time now) {
  const std::string& type = e.event_type();
  if (type == "OrgUnitCreatedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::OrgUnitCreatedEvent>(e));
    return UpsertUnit(tx, m.org_unit(), now);
  }
  if (type == "OrgUnitMovedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::OrgUnitMovedEvent>(e));
    return UpsertUnit(tx, m.org_unit(), now);
  }
  if (type == "OrgUnitClosedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::OrgUnitClosedEvent>(e));
    return tx
        .Exec("UPDATE org_units_replica SET closed = 1, updated_at = ? WHERE id = ?",
              {FormatDbTime(now), m.org_unit_id()})
        .status();
  }
  if (type == "RepCreatedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::RepCreatedEvent>(e));
    return UpsertRep(tx, m.rep(), now);
  }
  if (type == "RepMovedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::RepMovedEvent>(e));
    return tx
        .Exec("UPDATE reps_replica SET org_unit_id = ?, updated_at = ? WHERE id = ?",
              {m.to_org_unit_id(), FormatDbTime(now), m.rep_id()})
        .status();
  }
  if (type == "RepStatusChangedEvent") {
    SALES_ASSIGN_OR_RETURN(auto m, Unpack<tv1::RepStatusChangedEvent>(e));
    return tx
        .Exec("UPDATE reps_replica SET status = ?, updated_at = ? WHERE id = ?",
              {static_cast<int64_t>(m.to_status()), FormatDbTime(now), m.rep_id()})
        .status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RepInfo>> OrgReplica::Rep(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id, org_unit_id, status FROM reps_replica WHERE id = ?", {rep_id}));
  if (rows.empty()) return std::optional<RepInfo>();
  return std::optional<RepInfo>(
      RepInfo{rows[0].Int("id"), rows[0].Int("org_unit_id"), static_cast<int32_t>(rows[0].Int("status"))});
}

absl::StatusOr<std::vector<int64_t>> OrgReplica::Subtree(db::Transaction& tx, int64_t unit_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("WITH RECURSIVE sub (id) AS (SELECT id FROM org_units_replica WHERE id = ? UNION ALL "
                          "SELECT o.id FROM org_units_replica o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub",
                          {unit_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int(0));
  return out;
}

absl::StatusOr<std::vector<int64_t>> OrgReplica::Chain(db::Transaction& tx, int64_t unit_id) {
  std::vector<int64_t> out;
  int64_t at = unit_id;
  // The tree is shallow; the bound stops a corrupted cycle from looping.
  for (int depth = 0; at != 0 && depth < 64; ++depth) {
    SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT parent_id FROM org_units_replica WHERE id = ?", {at}));
    if (rows.empty()) break;
    out.push_back(at);
    at = rows[0].Int(0);
  }
  return out;
}

absl::StatusOr<bool> OrgReplica::IsWithin(db::Transaction& tx, int64_t unit_id, int64_t ancestor_id) {
  SALES_ASSIGN_OR_RETURN(auto chain, Chain(tx, unit_id));
  for (int64_t u : chain) {
    if (u == ancestor_id) return true;
  }
  return false;
}

MigrationSet OrgReplicaMigrations() { return MigrationSet{"org_replica", OrgReplicaMigrationFiles()}; }

absl::Status KeepOrgReplica(ServiceRuntime& rt) {
  const Clock* clock = rt.clock;
  return rt
      .FollowFeed<targets::v1::TargetsService, targets::v1::StreamEventsRequest, targets::v1::StreamEventsResponse>(
          rt.service_name, "targets",
          [clock](db::Transaction& tx, const common::v1::Event& e) { return OrgReplica::Apply(tx, e, clock->Now()); });
}

}  // namespace sales
