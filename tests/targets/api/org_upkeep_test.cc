// targets-svc over gRPC against MariaDB: the organization after it is set
// up (issue 17) — units renamed, requalified and staffed with a stored
// manager, the tree read as it stands and as it stood, a unit's placements,
// reps and product lines edited under update_mask, lines retired. Every
// method: the happy path with Chinese text, a caller kept out, bad input
// with its precise status, and an unknown id.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/targets/api/targets_fixture.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::targets::testing_fixtures::Date;
using ::sales::targets::testing_fixtures::Fields;
using ::sales::targets::testing_fixtures::Reason;
using ::sales::targets::testing_fixtures::TargetsApiTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace v1 = ::sales::targets::v1;

constexpr char kSecret[] = "org-upkeep-test-secret";
constexpr int64_t kNoSuchId = 987654321;

// The organization every test starts from:
//   CO 公司 ─┬─ EAST 华东区 (rep E0) ─┬─ EAST-HZ 杭州办事处 (rep H1)
//            │                        └─ EAST-SH 上海办事处 (reps E1, E2) ── EAST-SH-T1 上海一组
//            └─ NORTH 华北区 (rep N1)
struct Org {
  v1::OrgUnit co, east, north, sh, hz, t1;
  int64_t east_lead = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0;
};

class OrgUpkeepApi : public TargetsApiTest {
 protected:
  OrgUpkeepApi() : TargetsApiTest("targets_org_upkeep", kSecret) {}

  Org BuildOrg() {
    Org o;
    o.co = Unit("CO", "公司", v1::ORG_UNIT_KIND_COMPANY, 0);
    o.east = Unit("EAST", "华东区", v1::ORG_UNIT_KIND_BRANCH, o.co.id());
    o.north = Unit("NORTH", "华北区", v1::ORG_UNIT_KIND_BRANCH, o.co.id());
    o.sh = Unit("EAST-SH", "上海办事处", v1::ORG_UNIT_KIND_OFFICE, o.east.id());
    o.hz = Unit("EAST-HZ", "杭州办事处", v1::ORG_UNIT_KIND_OFFICE, o.east.id());
    o.t1 = Unit("EAST-SH-T1", "上海一组", v1::ORG_UNIT_KIND_TEAM, o.sh.id());
    o.east_lead = Rep("E0", "陈静", o.east.id());
    o.r1 = Rep("E1", "张伟", o.sh.id());
    o.r2 = Rep("E2", "李娜", o.sh.id());
    o.r3 = Rep("N1", "王芳", o.north.id());
    o.r4 = Rep("H1", "赵磊", o.hz.id());
    return o;
  }
  v1::OrgUnit GetUnit(int64_t id) {
    v1::GetOrgUnitRequest req;
    req.set_id(id);
    v1::GetOrgUnitResponse resp;
    grpc::Status st = stub_->GetOrgUnit(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.org_unit();
  }
  v1::Rep GetRep(int64_t id) {
    v1::GetRepRequest req;
    req.set_id(id);
    v1::GetRepResponse resp;
    grpc::Status st = stub_->GetRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep();
  }
  std::vector<common::v1::AuditEntry> Audit(v1::AuditSubjectType type, int64_t id) {
    v1::ListAuditEntriesRequest req;
    req.set_subject_type(type);
    req.set_subject_id(id);
    req.set_page_size(100);
    v1::ListAuditEntriesResponse resp;
    grpc::Status st = stub_->ListAuditEntries(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return {resp.entries().begin(), resp.entries().end()};
  }
  // The tree's unit ids in the order returned.
  std::vector<int64_t> TreeIds(const v1::GetOrgTreeResponse& tree) {
    std::vector<int64_t> out;
    for (const auto& n : tree.nodes()) out.push_back(n.org_unit().id());
    return out;
  }
  grpc::Status Tree(const Principal& who, const v1::GetOrgTreeRequest& req, v1::GetOrgTreeResponse* resp) {
    return stub_->GetOrgTree(As(who).get(), req, resp);
  }
  grpc::Status MoveUnit(int64_t id, int64_t parent, const common::v1::Date& from, const std::string& reason) {
    v1::MoveOrgUnitRequest req;
    req.set_request_id(Rid());
    req.set_id(id);
    req.set_new_parent_id(parent);
    *req.mutable_effective_date() = from;
    req.set_reason(reason);
    v1::MoveOrgUnitResponse resp;
    return stub_->MoveOrgUnit(As(admin_).get(), req, &resp);
  }
  grpc::Status CloseUnit(int64_t id) {
    v1::CloseOrgUnitRequest req;
    req.set_request_id(Rid());
    req.set_id(id);
    req.set_reason("小组撤销，人员并入办事处");
    v1::CloseOrgUnitResponse resp;
    return stub_->CloseOrgUnit(As(admin_).get(), req, &resp);
  }
  grpc::Status Offboard(int64_t rep) {
    v1::OffboardRepRequest req;
    req.set_request_id(Rid());
    req.set_id(rep);
    *req.mutable_left_date() = Date(2027, 1, 15);
    req.set_reason("个人原因离职");
    v1::OffboardRepResponse resp;
    return stub_->OffboardRep(As(admin_).get(), req, &resp);
  }
};

// ------------------------------------------------------------ UpdateOrgUnit

TEST_F(OrgUpkeepApi, UpdateOrgUnitRenamesRequalifiesAndStoresTheManager) {
  Org o = BuildOrg();
  EXPECT_EQ(o.sh.manager_rep_id(), 0) << "a new unit is not staffed";

  // No mask: every field sent applies; the manager comes from the branch above.
  v1::UpdateOrgUnitRequest up;
  up.set_request_id(Rid());
  up.set_id(o.sh.id());
  up.set_etag(o.sh.etag());
  up.set_name("华东区 上海浦东办事处");
  up.set_market_quality_bp(12500);
  up.set_manager_rep_id(o.east_lead);
  v1::UpdateOrgUnitResponse upr;
  grpc::Status st = stub_->UpdateOrgUnit(As(admin_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.org_unit().name(), "华东区 上海浦东办事处");
  EXPECT_EQ(upr.org_unit().market_quality_bp(), 12500);
  EXPECT_EQ(upr.org_unit().manager_rep_id(), o.east_lead);
  EXPECT_EQ(upr.org_unit().code(), "EAST-SH") << "a blank code keeps the stored one";
  EXPECT_NE(upr.org_unit().etag(), o.sh.etag());

  // The manager is stored: GetOrgUnit and ListOrgUnits show it too.
  EXPECT_EQ(GetUnit(o.sh.id()).manager_rep_id(), o.east_lead);
  v1::ListOrgUnitsRequest list;
  list.set_parent_id(o.east.id());
  v1::ListOrgUnitsResponse listr;
  ASSERT_TRUE(stub_->ListOrgUnits(As(admin_).get(), list, &listr).ok());
  bool listed = false;
  for (const auto& u : listr.org_units()) {
    if (u.id() == o.sh.id()) listed = u.manager_rep_id() == o.east_lead;
  }
  EXPECT_TRUE(listed);

  // A mask naming the name changes the name only, whatever else is sent.
  v1::UpdateOrgUnitRequest masked;
  masked.set_request_id(Rid());
  masked.set_id(o.sh.id());
  masked.set_etag(upr.org_unit().etag());
  masked.set_name("上海办事处");
  masked.set_manager_rep_id(o.r1);
  masked.set_market_quality_bp(9000);
  masked.mutable_update_mask()->add_paths("name");
  ASSERT_TRUE(stub_->UpdateOrgUnit(As(admin_).get(), masked, &upr).ok());
  EXPECT_EQ(upr.org_unit().name(), "上海办事处");
  EXPECT_EQ(upr.org_unit().manager_rep_id(), o.east_lead);
  EXPECT_EQ(upr.org_unit().market_quality_bp(), 12500);

  // A mask naming manager_rep_id with 0 removes the manager.
  v1::UpdateOrgUnitRequest unstaff;
  unstaff.set_request_id(Rid());
  unstaff.set_id(o.sh.id());
  unstaff.set_etag(upr.org_unit().etag());
  unstaff.mutable_update_mask()->add_paths("manager_rep_id");
  ASSERT_TRUE(stub_->UpdateOrgUnit(As(admin_).get(), unstaff, &upr).ok());
  EXPECT_EQ(upr.org_unit().manager_rep_id(), 0);

  // A rep of the unit itself may manage it (the director may edit too);
  // without a mask, clear_manager removes the manager again.
  Principal director{"boss", "SALES_DIRECTOR", 0, o.co.id()};
  v1::UpdateOrgUnitRequest own;
  own.set_request_id(Rid());
  own.set_id(o.sh.id());
  own.set_manager_rep_id(o.r1);
  ASSERT_TRUE(stub_->UpdateOrgUnit(As(director).get(), own, &upr).ok());
  EXPECT_EQ(upr.org_unit().manager_rep_id(), o.r1);
  v1::UpdateOrgUnitRequest clear;
  clear.set_request_id(Rid());
  clear.set_id(o.sh.id());
  clear.set_clear_manager(true);
  ASSERT_TRUE(stub_->UpdateOrgUnit(As(admin_).get(), clear, &upr).ok());
  EXPECT_EQ(upr.org_unit().manager_rep_id(), 0);

  // One audit entry per changed field: who, from, to.
  auto trail = Audit(v1::AUDIT_SUBJECT_TYPE_ORG_UNIT, o.sh.id());
  ASSERT_EQ(trail.size(), 7u);
  EXPECT_EQ(trail[0].action(), "NAME_CHANGED");
  EXPECT_EQ(trail[0].from_value(), "上海办事处");
  EXPECT_EQ(trail[0].to_value(), "华东区 上海浦东办事处");
  EXPECT_EQ(trail[0].actor().user_id(), "admin");
  EXPECT_EQ(trail[1].action(), "MARKET_QUALITY_CHANGED");
  EXPECT_EQ(trail[2].action(), "MANAGER_CHANGED");
  EXPECT_EQ(trail[2].from_value(), "");
  EXPECT_EQ(trail[2].to_value(), absl::StrCat(o.east_lead));
  EXPECT_EQ(trail[5].actor().user_id(), "boss");
}

TEST_F(OrgUpkeepApi, UpdateOrgUnitRefusesAndChangesNothing) {
  Org o = BuildOrg();
  auto attempt = [&](v1::UpdateOrgUnitRequest req, const Principal& who) {
    req.set_request_id(Rid());
    if (req.id() == 0) req.set_id(o.sh.id());
    v1::UpdateOrgUnitResponse resp;
    return stub_->UpdateOrgUnit(As(who).get(), req, &resp);
  };
  v1::UpdateOrgUnitRequest rename;
  rename.set_name("新名字");

  // Master data: a manager may not edit units, not even their own.
  Principal east_mgr{"mgr-east", "SALES_MANAGER", 0, o.east.id()};
  EXPECT_EQ(attempt(rename, east_mgr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Unknown unit; missing id.
  v1::UpdateOrgUnitRequest unknown = rename;
  unknown.set_id(kNoSuchId);
  EXPECT_EQ(attempt(unknown, admin_).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::UpdateOrgUnitRequest no_id = rename;
  no_id.set_id(-1);
  grpc::Status st = attempt(no_id, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("id"));

  // Bad input, each on its field.
  v1::UpdateOrgUnitRequest bad_path = rename;
  bad_path.mutable_update_mask()->add_paths("parent_id");
  EXPECT_THAT(Fields(attempt(bad_path, admin_)), ElementsAre("update_mask.paths[0]"));
  v1::UpdateOrgUnitRequest blank_name;
  blank_name.mutable_update_mask()->add_paths("name");
  EXPECT_THAT(Fields(attempt(blank_name, admin_)), ElementsAre("name"));
  v1::UpdateOrgUnitRequest too_good = rename;
  too_good.set_market_quality_bp(100001);
  EXPECT_THAT(Fields(attempt(too_good, admin_)), ElementsAre("market_quality_bp"));
  v1::UpdateOrgUnitRequest lower_code;
  lower_code.set_code("east-sh2");
  EXPECT_THAT(Fields(attempt(lower_code, admin_)), ElementsAre("code"));
  v1::UpdateOrgUnitRequest clear_masked;
  clear_masked.set_clear_manager(true);
  clear_masked.mutable_update_mask()->add_paths("manager_rep_id");
  EXPECT_THAT(Fields(attempt(clear_masked, admin_)), ElementsAre("clear_manager"));
  v1::UpdateOrgUnitRequest ghost;
  ghost.set_manager_rep_id(kNoSuchId);
  st = attempt(ghost, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("manager_rep_id"));

  // The manager comes from the unit or above: not from another branch,
  // not from below, not while on leave.
  v1::UpdateOrgUnitRequest outsider;
  outsider.set_manager_rep_id(o.r3);
  st = attempt(outsider, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "MANAGER_NOT_IN_LINE");
  v1::UpdateOrgUnitRequest from_below;
  from_below.set_id(o.east.id());
  from_below.set_manager_rep_id(o.r1);
  EXPECT_EQ(Reason(attempt(from_below, admin_)), "MANAGER_NOT_IN_LINE");
  v1::PlaceRepOnLeaveRequest leave;
  leave.set_request_id(Rid());
  leave.set_id(o.r2);
  leave.set_reason("产假");
  v1::PlaceRepOnLeaveResponse leaver;
  ASSERT_TRUE(stub_->PlaceRepOnLeave(As(admin_).get(), leave, &leaver).ok());
  v1::UpdateOrgUnitRequest away;
  away.set_manager_rep_id(o.r2);
  st = attempt(away, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "MANAGER_NOT_IN_SERVICE");

  // A stale etag, a code another unit has, a closed unit.
  v1::UpdateOrgUnitRequest stale = rename;
  stale.set_etag("v999");
  EXPECT_EQ(attempt(stale, admin_).error_code(), grpc::StatusCode::ABORTED);
  v1::UpdateOrgUnitRequest taken;
  taken.set_code("EAST");
  EXPECT_EQ(attempt(taken, admin_).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  ASSERT_TRUE(CloseUnit(o.t1.id()).ok());
  v1::UpdateOrgUnitRequest closed = rename;
  closed.set_id(o.t1.id());
  st = attempt(closed, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "UNIT_CLOSED");

  // Nothing of it stuck.
  v1::OrgUnit after = GetUnit(o.sh.id());
  EXPECT_EQ(after.name(), "上海办事处");
  EXPECT_EQ(after.code(), "EAST-SH");
  EXPECT_EQ(after.manager_rep_id(), 0);
  EXPECT_EQ(after.etag(), o.sh.etag());
  EXPECT_THAT(Audit(v1::AUDIT_SUBJECT_TYPE_ORG_UNIT, o.sh.id()), IsEmpty());
}

// ------------------------------------------------------------ GetOrgTree

TEST_F(OrgUpkeepApi, GetOrgTreeWalksTheCallersSubtreeAsItStandsAndAsItStood) {
  Org o = BuildOrg();
  v1::GetOrgTreeRequest all;
  v1::GetOrgTreeResponse tree;
  grpc::Status st = Tree(admin_, all, &tree);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // Depth-first, children by code: EAST-HZ before EAST-SH.
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.co.id(), o.east.id(), o.hz.id(), o.sh.id(), o.t1.id(), o.north.id()));
  ASSERT_EQ(tree.nodes_size(), 6);
  EXPECT_EQ(tree.nodes(0).depth(), 0);
  EXPECT_EQ(tree.nodes(4).depth(), 3);
  EXPECT_THAT(tree.nodes(4).org_unit().ancestor_ids(), ElementsAre(o.co.id(), o.east.id(), o.sh.id()));
  EXPECT_EQ(tree.nodes(3).org_unit().name(), "上海办事处");
  EXPECT_THAT(tree.nodes(3).rep_ids(), ElementsAre(o.r1, o.r2));
  EXPECT_THAT(tree.nodes(1).rep_ids(), ElementsAre(o.east_lead));

  v1::GetOrgTreeRequest shallow;
  shallow.set_max_depth(1);
  ASSERT_TRUE(Tree(admin_, shallow, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.co.id(), o.east.id(), o.north.id()));

  // A manager gets their own subtree, rooted at their unit; not another's.
  Principal east_mgr{"mgr-east", "SALES_MANAGER", 0, o.east.id()};
  ASSERT_TRUE(Tree(east_mgr, all, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.east.id(), o.hz.id(), o.sh.id(), o.t1.id()));
  EXPECT_EQ(tree.nodes(0).depth(), 0);
  v1::GetOrgTreeRequest north;
  north.set_root_id(o.north.id());
  EXPECT_EQ(Tree(east_mgr, north, &tree).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A rep sees the unit they belong to; the front desk of the head office
  // (no unit of its own) sees the company.
  Principal rep3{"rep3", "SALES_REP", o.r3, o.north.id()};
  ASSERT_TRUE(Tree(rep3, all, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.north.id()));
  EXPECT_THAT(tree.nodes(0).rep_ids(), ElementsAre(o.r3));
  Principal desk{"desk", "RECEPTIONIST", 0, 0};
  ASSERT_TRUE(Tree(desk, all, &tree).ok());
  EXPECT_EQ(tree.nodes_size(), 6);

  // Bad input and an unknown root.
  v1::GetOrgTreeRequest negative;
  negative.set_max_depth(-1);
  st = Tree(admin_, negative, &tree);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("max_depth"));
  v1::GetOrgTreeRequest unknown;
  unknown.set_root_id(kNoSuchId);
  EXPECT_EQ(Tree(admin_, unknown, &tree).error_code(), grpc::StatusCode::NOT_FOUND);

  // Leavers drop out of rep_ids; a closed unit only shows when asked for.
  ASSERT_TRUE(Offboard(o.r2).ok());
  ASSERT_TRUE(CloseUnit(o.t1.id()).ok());
  ASSERT_TRUE(Tree(admin_, all, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.co.id(), o.east.id(), o.hz.id(), o.sh.id(), o.north.id()));
  EXPECT_THAT(tree.nodes(3).rep_ids(), ElementsAre(o.r1));
  v1::GetOrgTreeRequest with_closed;
  with_closed.set_include_closed(true);
  ASSERT_TRUE(Tree(admin_, with_closed, &tree).ok());
  EXPECT_EQ(tree.nodes_size(), 6);

  // Hangzhou goes to the north from February; today's tree shows it there,
  // the tree as of January 20 still under the east.
  ASSERT_TRUE(MoveUnit(o.hz.id(), o.north.id(), Date(2027, 2, 1), "杭州划归华北区管理").ok());
  ASSERT_TRUE(Tree(admin_, all, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.co.id(), o.east.id(), o.sh.id(), o.north.id(), o.hz.id()));
  v1::GetOrgTreeRequest january = all;
  *january.mutable_as_of() = Date(2027, 1, 20);
  ASSERT_TRUE(Tree(admin_, january, &tree).ok());
  EXPECT_THAT(TreeIds(tree), ElementsAre(o.co.id(), o.east.id(), o.hz.id(), o.sh.id(), o.north.id()));
  EXPECT_THAT(tree.nodes(2).rep_ids(), ElementsAre(o.r4));
  EXPECT_THAT(tree.nodes(2).org_unit().ancestor_ids(), ElementsAre(o.co.id(), o.east.id()));
  // Before the org was set up, a unit was not there yet.
  v1::GetOrgTreeRequest too_early;
  too_early.set_root_id(o.east.id());
  *too_early.mutable_as_of() = Date(2027, 1, 10);
  EXPECT_EQ(Tree(admin_, too_early, &tree).error_code(), grpc::StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------ ListOrgUnitPlacements

TEST_F(OrgUpkeepApi, ListOrgUnitPlacementsShowsEachParentWithItsDates) {
  Org o = BuildOrg();
  ASSERT_TRUE(MoveUnit(o.hz.id(), o.north.id(), Date(2027, 2, 1), "杭州划归华北区管理").ok());

  v1::ListOrgUnitPlacementsRequest req;
  req.set_org_unit_id(o.hz.id());
  req.set_page_size(1);
  v1::ListOrgUnitPlacementsResponse page;
  grpc::Status st = stub_->ListOrgUnitPlacements(As(admin_).get(), req, &page);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(page.placements_size(), 1);
  const auto& first = page.placements(0);
  EXPECT_EQ(first.org_unit_id(), o.hz.id());
  EXPECT_EQ(first.parent_id(), o.east.id());
  EXPECT_EQ(FormatDbDate(first.valid_from()), "2027-01-15");
  EXPECT_EQ(FormatDbDate(first.valid_to()), "2027-01-31") << "the last day under the east";
  EXPECT_EQ(first.reason(), "created");
  ASSERT_FALSE(page.next_page_token().empty());

  req.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub_->ListOrgUnitPlacements(As(admin_).get(), req, &page).ok());
  ASSERT_EQ(page.placements_size(), 1);
  const auto& second = page.placements(0);
  EXPECT_EQ(second.parent_id(), o.north.id());
  EXPECT_EQ(FormatDbDate(second.valid_from()), "2027-02-01");
  EXPECT_FALSE(second.has_valid_to()) << "the current placement is open";
  EXPECT_EQ(second.reason(), "杭州划归华北区管理");
  EXPECT_EQ(second.actor().user_id(), "admin");
  EXPECT_EQ(second.actor().role(), "ADMIN");
  EXPECT_TRUE(page.next_page_token().empty());

  // Scoped like the tree: the north's manager now holds Hangzhou; a
  // Shanghai rep does not.
  v1::ListOrgUnitPlacementsRequest whole;
  whole.set_org_unit_id(o.hz.id());
  Principal north_mgr{"mgr-north", "SALES_MANAGER", 0, o.north.id()};
  ASSERT_TRUE(stub_->ListOrgUnitPlacements(As(north_mgr).get(), whole, &page).ok());
  EXPECT_EQ(page.placements_size(), 2);
  Principal rep1{"rep1", "SALES_REP", o.r1, o.sh.id()};
  EXPECT_EQ(stub_->ListOrgUnitPlacements(As(rep1).get(), whole, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Bad input and an unknown unit.
  v1::ListOrgUnitPlacementsRequest no_unit;
  st = stub_->ListOrgUnitPlacements(As(admin_).get(), no_unit, &page);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("org_unit_id"));
  v1::ListOrgUnitPlacementsRequest huge = whole;
  huge.set_page_size(501);
  EXPECT_EQ(stub_->ListOrgUnitPlacements(As(admin_).get(), huge, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListOrgUnitPlacementsRequest unknown;
  unknown.set_org_unit_id(kNoSuchId);
  EXPECT_EQ(stub_->ListOrgUnitPlacements(As(admin_).get(), unknown, &page).error_code(), grpc::StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------ UpdateRep

TEST_F(OrgUpkeepApi, UpdateRepEditsWhatTheMaskNamesWithinTheManagersSubtree) {
  Org o = BuildOrg();
  Principal east_mgr{"mgr-east", "SALES_MANAGER", 0, o.east.id()};
  v1::Rep before = GetRep(o.r1);

  v1::UpdateRepRequest up;
  up.set_request_id(Rid());
  up.set_id(o.r1);
  up.set_etag(before.etag());
  up.set_name("张伟强");
  up.set_phone("13800138000");
  up.set_email("zhangwei@example.cn");
  v1::UpdateRepResponse upr;
  grpc::Status st = stub_->UpdateRep(As(east_mgr).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.rep().name(), "张伟强");
  EXPECT_EQ(upr.rep().phone(), "13800138000");
  EXPECT_EQ(upr.rep().employee_code(), "E1") << "a blank code keeps the stored one";
  EXPECT_NE(upr.rep().etag(), before.etag());

  // A mask naming the e-mail clears it when sent blank; the name sent
  // along is not named and stays.
  v1::UpdateRepRequest clear;
  clear.set_request_id(Rid());
  clear.set_id(o.r1);
  clear.set_etag(upr.rep().etag());
  clear.set_name("别的名字");
  clear.mutable_update_mask()->add_paths("email");
  ASSERT_TRUE(stub_->UpdateRep(As(east_mgr).get(), clear, &upr).ok());
  EXPECT_EQ(upr.rep().email(), "");
  EXPECT_EQ(upr.rep().name(), "张伟强");

  // A corrected hire date moves the start of the rep's history with it.
  v1::UpdateRepRequest hired;
  hired.set_request_id(Rid());
  hired.set_id(o.r1);
  *hired.mutable_hire_date() = Date(2019, 6, 1);
  hired.mutable_update_mask()->add_paths("hire_date");
  ASSERT_TRUE(stub_->UpdateRep(As(admin_).get(), hired, &upr).ok());
  EXPECT_EQ(FormatDbDate(upr.rep().hire_date()), "2019-06-01");
  EXPECT_EQ(FormatDbDate(upr.rep().status_since()), "2019-06-01") << "active since hiring";
  v1::ListRepHistoryRequest hist;
  hist.set_rep_id(o.r1);
  v1::ListRepHistoryResponse histr;
  ASSERT_TRUE(stub_->ListRepHistory(As(admin_).get(), hist, &histr).ok());
  ASSERT_EQ(histr.entries_size(), 1);
  EXPECT_EQ(FormatDbDate(histr.entries(0).valid_from()), "2019-06-01");
  // ... but not past the rep's first move.
  v1::MoveRepRequest mv;
  mv.set_request_id(Rid());
  mv.set_id(o.r1);
  mv.set_to_org_unit_id(o.hz.id());
  *mv.mutable_effective_date() = Date(2027, 2, 1);
  mv.set_reason("支援杭州办事处");
  v1::MoveRepResponse mvr;
  ASSERT_TRUE(stub_->MoveRep(As(admin_).get(), mv, &mvr).ok());
  hired.set_request_id(Rid());
  *hired.mutable_hire_date() = Date(2027, 3, 1);
  st = stub_->UpdateRep(As(admin_).get(), hired, &upr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "HIRE_DATE_AFTER_HISTORY");

  auto attempt = [&](v1::UpdateRepRequest req, const Principal& who) {
    req.set_request_id(Rid());
    if (req.id() == 0) req.set_id(o.r2);
    v1::UpdateRepResponse resp;
    return stub_->UpdateRep(As(who).get(), req, &resp);
  };
  v1::UpdateRepRequest rename;
  rename.set_name("李娜娜");
  // Scope: the north's manager does not hold Shanghai.
  Principal north_mgr{"mgr-north", "SALES_MANAGER", 0, o.north.id()};
  EXPECT_EQ(attempt(rename, north_mgr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Bad input, unknown rep, stale etag, a taken employee code.
  v1::UpdateRepRequest blank;
  blank.mutable_update_mask()->add_paths("name");
  EXPECT_THAT(Fields(attempt(blank, admin_)), ElementsAre("name"));
  v1::UpdateRepRequest bad_path = rename;
  bad_path.mutable_update_mask()->add_paths("user_id");
  EXPECT_THAT(Fields(attempt(bad_path, admin_)), ElementsAre("update_mask.paths[0]"));
  v1::UpdateRepRequest unknown = rename;
  unknown.set_id(kNoSuchId);
  EXPECT_EQ(attempt(unknown, admin_).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::UpdateRepRequest stale = rename;
  stale.set_etag("v999");
  EXPECT_EQ(attempt(stale, admin_).error_code(), grpc::StatusCode::ABORTED);
  v1::UpdateRepRequest taken;
  taken.set_employee_code("E1");
  EXPECT_EQ(attempt(taken, admin_).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(GetRep(o.r2).name(), "李娜");
  // A rep who has left is history.
  ASSERT_TRUE(Offboard(o.r2).ok());
  st = attempt(rename, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "REP_STATUS");

  auto trail = Audit(v1::AUDIT_SUBJECT_TYPE_REP, o.r1);
  ASSERT_GE(trail.size(), 4u);
  EXPECT_EQ(trail[0].action(), "NAME_CHANGED");
  EXPECT_EQ(trail[0].from_value(), "张伟");
  EXPECT_EQ(trail[0].to_value(), "张伟强");
  EXPECT_EQ(trail[0].actor().user_id(), "mgr-east");
}

// ------------------------------------------------------------ product lines

TEST_F(OrgUpkeepApi, UpdateAndRetireProductLines) {
  Org o = BuildOrg();
  v1::ProductLine milk = Line("MILK", "纯牛奶", v1::PORTFOLIO_ROLE_TRAFFIC);
  v1::ProductLine yogurt = Line("YOGURT", "酸奶", v1::PORTFOLIO_ROLE_VOLUME);
  std::string long_text;
  while (long_text.size() < 1200) long_text += "利乐砖包装，常温保存，适合商超与社区奶站。";

  v1::UpdateProductLineRequest up;
  up.set_request_id(Rid());
  up.set_id(milk.id());
  up.set_etag(milk.etag());
  up.set_name("纯牛奶（利乐砖）");
  up.set_portfolio_role(v1::PORTFOLIO_ROLE_PROFIT);
  up.set_commissionable(true);
  up.set_description(long_text.substr(0, 3 * 160));  // 160 characters of 3 bytes
  v1::UpdateProductLineResponse upr;
  grpc::Status st = stub_->UpdateProductLine(As(admin_).get(), up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(upr.product_line().name(), "纯牛奶（利乐砖）");
  EXPECT_EQ(upr.product_line().portfolio_role(), v1::PORTFOLIO_ROLE_PROFIT);
  EXPECT_TRUE(upr.product_line().commissionable());
  EXPECT_EQ(upr.product_line().description(), long_text.substr(0, 3 * 160));
  EXPECT_EQ(upr.product_line().code(), "MILK");

  // A mask naming the description: cleared; commissionable (sent false)
  // and the name are not named and stay.
  v1::UpdateProductLineRequest masked;
  masked.set_request_id(Rid());
  masked.set_id(milk.id());
  masked.set_etag(upr.product_line().etag());
  masked.set_name("别名");
  masked.mutable_update_mask()->add_paths("description");
  ASSERT_TRUE(stub_->UpdateProductLine(As(admin_).get(), masked, &upr).ok());
  EXPECT_EQ(upr.product_line().description(), "");
  EXPECT_TRUE(upr.product_line().commissionable());
  EXPECT_EQ(upr.product_line().name(), "纯牛奶（利乐砖）");

  auto attempt = [&](v1::UpdateProductLineRequest req, const Principal& who) {
    req.set_request_id(Rid());
    if (req.id() == 0) req.set_id(milk.id());
    v1::UpdateProductLineResponse resp;
    return stub_->UpdateProductLine(As(who).get(), req, &resp);
  };
  v1::UpdateProductLineRequest rename;
  rename.set_name("鲜牛奶");
  rename.set_commissionable(true);
  Principal east_mgr{"mgr-east", "SALES_MANAGER", 0, o.east.id()};
  EXPECT_EQ(attempt(rename, east_mgr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::UpdateProductLineRequest no_role;
  no_role.mutable_update_mask()->add_paths("portfolio_role");
  EXPECT_THAT(Fields(attempt(no_role, admin_)), ElementsAre("portfolio_role"));
  v1::UpdateProductLineRequest unknown = rename;
  unknown.set_id(kNoSuchId);
  EXPECT_EQ(attempt(unknown, admin_).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::UpdateProductLineRequest stale = rename;
  stale.set_etag("v999");
  EXPECT_EQ(attempt(stale, admin_).error_code(), grpc::StatusCode::ABORTED);
  v1::UpdateProductLineRequest taken = rename;
  taken.set_code("YOGURT");
  EXPECT_EQ(attempt(taken, admin_).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // Retiring: not while a plan still being negotiated carries the line.
  Principal director{"boss", "SALES_DIRECTOR", 0, o.co.id()};
  v1::CreatePlanRequest cp;
  cp.set_request_id(Rid());
  cp.mutable_plan()->set_title("2027 销售额计划");
  cp.mutable_plan()->set_fiscal_year(2027);
  cp.mutable_plan()->set_metric(v1::METRIC_SALES_AMOUNT);
  cp.mutable_plan()->set_org_unit_id(o.co.id());
  *cp.mutable_plan()->mutable_total_target()->mutable_amount() = MakeMoney(60000'00);
  v1::CreatePlanResponse cpr;
  st = stub_->CreatePlan(As(director).get(), cp, &cpr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::DecomposePlanRequest dp;
  dp.set_request_id(Rid());
  dp.set_plan_id(cpr.plan().id());
  auto* by_line = dp.add_levels();
  by_line->set_dimension(v1::DIMENSION_PRODUCT_LINE);
  by_line->set_method(v1::DECOMPOSITION_METHOD_EQUAL_SPLIT);
  v1::DecomposePlanResponse dpr;
  st = stub_->DecomposePlan(As(director).get(), dp, &dpr);
  ASSERT_TRUE(st.ok()) << st.error_message();

  auto retire = [&](int64_t id, const std::string& reason, const Principal& who) {
    v1::RetireProductLineRequest req;
    req.set_request_id(Rid());
    req.set_id(id);
    req.set_reason(reason);
    v1::RetireProductLineResponse resp;
    grpc::Status s = stub_->RetireProductLine(As(who).get(), req, &resp);
    if (s.ok()) {
      EXPECT_EQ(resp.product_line().state(), v1::PRODUCT_LINE_STATE_RETIRED);
    }
    return s;
  };
  const std::string why = "停产：工厂转产低温酸奶";
  st = retire(yogurt.id(), why, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "LINE_IN_UNSIGNED_PLAN");
  EXPECT_EQ(retire(yogurt.id(), why, east_mgr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  st = retire(yogurt.id(), "  ", admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(st), ElementsAre("reason"));
  EXPECT_EQ(retire(kNoSuchId, why, admin_).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::CancelPlanRequest cancel;
  cancel.set_request_id(Rid());
  cancel.set_id(cpr.plan().id());
  cancel.set_reason("按新产品结构重新编制");
  v1::CancelPlanResponse cancelr;
  ASSERT_TRUE(stub_->CancelPlan(As(director).get(), cancel, &cancelr).ok());
  st = retire(yogurt.id(), why, admin_);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // Retired is terminal: no second retirement, no edits, not listed by default.
  st = retire(yogurt.id(), why, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "LINE_RETIRED");
  v1::UpdateProductLineRequest late = rename;
  late.set_id(yogurt.id());
  st = attempt(late, admin_);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(st), "LINE_RETIRED");
  v1::ListProductLinesRequest lines;
  v1::ListProductLinesResponse linesr;
  ASSERT_TRUE(stub_->ListProductLines(As(admin_).get(), lines, &linesr).ok());
  ASSERT_EQ(linesr.product_lines_size(), 1);
  EXPECT_EQ(linesr.product_lines(0).id(), milk.id());

  auto trail = Audit(v1::AUDIT_SUBJECT_TYPE_PRODUCT_LINE, yogurt.id());
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].action(), "RETIRED");
  EXPECT_EQ(trail[0].from_value(), "ACTIVE");
  EXPECT_EQ(trail[0].to_value(), "RETIRED");
  EXPECT_EQ(trail[0].reason(), why);
  auto milk_trail = Audit(v1::AUDIT_SUBJECT_TYPE_PRODUCT_LINE, milk.id());
  ASSERT_EQ(milk_trail.size(), 5u);  // name, role, commissionable, description; then description cleared
  EXPECT_EQ(milk_trail[1].action(), "PORTFOLIO_ROLE_CHANGED");
  EXPECT_EQ(milk_trail[1].from_value(), "TRAFFIC");
  EXPECT_EQ(milk_trail[1].to_value(), "PROFIT");
}

}  // namespace
}  // namespace sales
