// What the targets-svc gRPC tests share: the service started in-process on
// a fresh database with signed principals (as behind the gateway), on
// 2027-01-15; a caller's context; request ids; and the ADMIN calls that
// create units, reps and product lines. Each test file builds its own
// organization and its own calls on top of these.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/clock.h"
#include "platform/principal.h"
#include "platform/status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "targets-svc/api/targets_api.h"
#include "tests/testing/service_fixture.h"

namespace sales::targets::testing_fixtures {

// The fields an INVALID_ARGUMENT names, in its order.
inline std::vector<std::string> Fields(const grpc::Status& st) {
  std::vector<std::string> out;
  for (const auto& v : FieldViolationsOf(FromGrpcStatus(st))) out.push_back(v.field);
  return out;
}

// The ErrorInfo reason of a refusal (e.g. PLAN_STATE).
inline std::string Reason(const grpc::Status& st) { return ErrorReason(FromGrpcStatus(st)); }

inline common::v1::Date Date(int y, int m, int d) {
  common::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// An amount in fen, the unit the tests' figures are written in.
inline int64_t Fen(const v1::MetricValue& v) { return v.amount().minor_units(); }

class TargetsApiTest : public ::testing::Test {
 protected:
  // `database` prefixes the fresh schema's name; `secret` is the key the
  // service checks principals with and the test signs them with.
  TargetsApiTest(std::string database, std::string secret)
      : database_(std::move(database)), secret_(std::move(secret)) {}

  void SetUp() override {
    db_ = ::sales::testing::FreshDatabase(database_);
    app_ = ::sales::testing::StartService(MakeServiceDefinition(), db_, &clock_, {{"principal_hmac_secret", secret_}});
    ASSERT_NE(app_, nullptr);
    stub_ = v1::TargetsService::NewStub(::sales::testing::Loopback(app_->port()));
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const Principal& p) { return ::sales::testing::CtxAs(p, secret_); }
  std::string Rid() { return absl::StrCat("rid-", ++rid_); }

  v1::OrgUnit Unit(const std::string& code, const std::string& name, v1::OrgUnitKind kind, int64_t parent) {
    v1::CreateOrgUnitRequest req;
    req.set_request_id(Rid());
    req.mutable_org_unit()->set_code(code);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_parent_id(parent);
    v1::CreateOrgUnitResponse resp;
    grpc::Status st = stub_->CreateOrgUnit(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.org_unit();
  }
  // An ACTIVE rep hired on 2020-01-01, before any plan or history of the
  // tests.
  int64_t Rep(const std::string& code, const std::string& name, int64_t unit) {
    v1::CreateRepRequest req;
    req.set_request_id(Rid());
    req.mutable_rep()->set_employee_code(code);
    req.mutable_rep()->set_name(name);
    req.mutable_rep()->set_org_unit_id(unit);
    req.mutable_rep()->set_status(v1::REP_STATUS_ACTIVE);
    *req.mutable_rep()->mutable_hire_date() = Date(2020, 1, 1);
    v1::CreateRepResponse resp;
    grpc::Status st = stub_->CreateRep(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.rep().id();
  }
  v1::ProductLine Line(const std::string& code, const std::string& name, v1::PortfolioRole role) {
    v1::CreateProductLineRequest req;
    req.set_request_id(Rid());
    req.mutable_product_line()->set_code(code);
    req.mutable_product_line()->set_name(name);
    req.mutable_product_line()->set_portfolio_role(role);
    v1::CreateProductLineResponse resp;
    grpc::Status st = stub_->CreateProductLine(As(admin_).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.product_line();
  }

  // 2027-01-15 10:00 in Shanghai: units created now are placed from Jan 15.
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2027, 1, 15, 2, 0, 0), absl::UTCTimeZone())};
  db::PoolOptions db_;
  std::unique_ptr<ServiceApp> app_;
  std::unique_ptr<v1::TargetsService::Stub> stub_;
  Principal admin_{"admin", "ADMIN", 0, 0};

 private:
  std::string database_;
  std::string secret_;
  int rid_ = 0;
};

}  // namespace sales::targets::testing_fixtures
