// The sales org as a service's replica of it holds it (platform/org): tests
// of customers, orders and finance seed units and reps by applying the
// targets events the replica would have received from targets-svc's feed.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "platform/mysql.h"
#include "platform/org/org_replica.h"
#include "sales/common/v1/event.pb.h"
#include "sales/targets/v1/events.pb.h"

namespace sales::testing {

inline void ApplyOrgEvent(db::Pool& pool, absl::Time now, const google::protobuf::Message& m, const std::string& type) {
  common::v1::Event e;
  e.set_event_type(type);
  e.mutable_payload()->PackFrom(m);
  ASSERT_TRUE(pool.Transact([&](db::Transaction& tx) { return OrgReplica::Apply(tx, e, now); }).ok()) << type;
}

// A company (no parent) or an office under `parent`, named by its code.
inline void SeedOrgUnit(db::Pool& pool, absl::Time now, int64_t id, int64_t parent, const std::string& code) {
  targets::v1::OrgUnitCreatedEvent e;
  e.mutable_org_unit()->set_id(id);
  e.mutable_org_unit()->set_parent_id(parent);
  e.mutable_org_unit()->set_code(code);
  e.mutable_org_unit()->set_name(code);
  e.mutable_org_unit()->set_kind(parent == 0 ? targets::v1::ORG_UNIT_KIND_COMPANY : targets::v1::ORG_UNIT_KIND_OFFICE);
  ApplyOrgEvent(pool, now, e, "OrgUnitCreatedEvent");
}

// An active rep of `unit`.
inline void SeedRep(db::Pool& pool, absl::Time now, int64_t id, int64_t unit, const std::string& name) {
  targets::v1::RepCreatedEvent e;
  e.mutable_rep()->set_id(id);
  e.mutable_rep()->set_org_unit_id(unit);
  e.mutable_rep()->set_name(name);
  e.mutable_rep()->set_status(targets::v1::REP_STATUS_ACTIVE);
  ApplyOrgEvent(pool, now, e, "RepCreatedEvent");
}

}  // namespace sales::testing
