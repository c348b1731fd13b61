// demo-loader: builds the demo company through the public gRPC API, the
// same way any client would. Every call carries a fixed request_id, so
// running it again against the same data changes nothing.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "platform/channel.h"
#include "platform/config.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/principal.h"
#include "tools/demo/demo.h"

namespace {

using namespace demo;  // NOLINT: the loader is the demo namespace's own client

struct Loader : DemoWorld {
  int64_t Unit(const std::string& code, const std::string& name, tv1::OrgUnitKind kind, const std::string& parent,
               int quality_bp = 10000) {
    tv1::CreateOrgUnitRequest req;
    req.set_request_id(absl::StrCat("demo-unit-", code));
    auto* u = req.mutable_org_unit();
    u->set_code(code);
    u->set_name(name);
    u->set_kind(kind);
    u->set_parent_id(parent.empty() ? 0 : units.at(parent));
    u->set_market_quality_bp(quality_bp);
    tv1::CreateOrgUnitResponse resp;
    Must(targets->CreateOrgUnit(Ctx().get(), req, &resp), "CreateOrgUnit " + code);
    return units[code] = resp.org_unit().id();
  }

  void Org() {
    Unit("CO", "示范乳业销售有限公司", tv1::ORG_UNIT_KIND_COMPANY, "");
    Unit("EAST", "华东区", tv1::ORG_UNIT_KIND_BRANCH, "CO", 11500);
    Unit("NORTH", "华北区", tv1::ORG_UNIT_KIND_BRANCH, "CO", 9800);
    Unit("EAST-SH", "上海办事处", tv1::ORG_UNIT_KIND_OFFICE, "EAST", 12000);
    Unit("EAST-HZ", "杭州办事处", tv1::ORG_UNIT_KIND_OFFICE, "EAST", 10500);
    Unit("NORTH-BJ", "北京办事处", tv1::ORG_UNIT_KIND_OFFICE, "NORTH", 11000);
    Unit("NORTH-TJ", "天津办事处", tv1::ORG_UNIT_KIND_OFFICE, "NORTH", 8500);
    Unit("EAST-SH-T1", "上海一组", tv1::ORG_UNIT_KIND_TEAM, "EAST-SH");
    Unit("EAST-SH-T2", "上海二组", tv1::ORG_UNIT_KIND_TEAM, "EAST-SH");
    Unit("EAST-HZ-T1", "杭州一组", tv1::ORG_UNIT_KIND_TEAM, "EAST-HZ");
    Unit("NORTH-BJ-T1", "北京一组", tv1::ORG_UNIT_KIND_TEAM, "NORTH-BJ");
    Unit("NORTH-BJ-T2", "北京二组", tv1::ORG_UNIT_KIND_TEAM, "NORTH-BJ");
    Unit("NORTH-TJ-T1", "天津一组", tv1::ORG_UNIT_KIND_TEAM, "NORTH-TJ");
  }

  void ProductLines() {
    struct L {
      const char* code;
      const char* name;
      tv1::PortfolioRole role;
      bool commissionable;
    };
    const L all[] = {
        {"PURE-MILK", "纯牛奶", tv1::PORTFOLIO_ROLE_TRAFFIC, true},
        {"YOGURT", "常温酸奶", tv1::PORTFOLIO_ROLE_TRAFFIC, true},
        {"FAMILY", "家庭装", tv1::PORTFOLIO_ROLE_VOLUME, true},
        {"MILK-DRINK", "乳饮料", tv1::PORTFOLIO_ROLE_VOLUME, true},
        {"ORGANIC", "有机奶", tv1::PORTFOLIO_ROLE_PROFIT, true},
        {"KIDS", "儿童成长奶", tv1::PORTFOLIO_ROLE_PROFIT, true},
        {"GIFT-BOX", "高端礼盒", tv1::PORTFOLIO_ROLE_IMAGE, true},
        {"CHEESE", "奶酪", tv1::PORTFOLIO_ROLE_IMAGE, false},
    };
    for (const auto& l : all) {
      tv1::CreateProductLineRequest req;
      req.set_request_id(absl::StrCat("demo-line-", l.code));
      auto* pl = req.mutable_product_line();
      pl->set_code(l.code);
      pl->set_name(l.name);
      pl->set_portfolio_role(l.role);
      pl->set_commissionable(l.commissionable);
      tv1::CreateProductLineResponse resp;
      Must(targets->CreateProductLine(Ctx().get(), req, &resp), absl::StrCat("CreateProductLine ", l.code));
      lines[l.code] = resp.product_line().id();
    }
  }

  void Reps() {
    struct R {
      const char* code;
      const char* name;
      const char* team;
      int hired_year;
      bool probation;
    };
    const R all[] = {
        {"E1001", "张伟", "EAST-SH-T1", 2019, false},  {"E1002", "王芳", "EAST-SH-T1", 2020, false},
        {"E1003", "李娜", "EAST-SH-T2", 2021, false},  {"E1004", "刘洋", "EAST-SH-T2", 2026, true},
        {"E1005", "陈静", "EAST-HZ-T1", 2018, false},  {"E1006", "杨磊", "EAST-HZ-T1", 2022, false},
        {"N2001", "赵敏", "NORTH-BJ-T1", 2017, false}, {"N2002", "黄强", "NORTH-BJ-T1", 2023, false},
        {"N2003", "周杰", "NORTH-BJ-T2", 2020, false}, {"N2004", "吴婷", "NORTH-BJ-T2", 2026, true},
        {"N2005", "徐斌", "NORTH-TJ-T1", 2019, false}, {"N2006", "孙丽", "NORTH-TJ-T1", 2021, false},
    };
    int i = 0;
    for (const auto& r : all) {
      tv1::CreateRepRequest req;
      req.set_request_id(absl::StrCat("demo-rep-", r.code));
      auto* rep = req.mutable_rep();
      rep->set_employee_code(r.code);
      rep->set_user_id(absl::StrCat("rep", ++i));
      rep->set_name(r.name);
      rep->set_org_unit_id(units.at(r.team));
      *rep->mutable_hire_date() = Day(r.hired_year, 1 + (i % 12), 1 + (i * 3) % 27);
      rep->set_status(r.probation ? tv1::REP_STATUS_PROBATION : tv1::REP_STATUS_ACTIVE);
      rep->set_phone(absl::StrFormat("1370000%04d", i));
      rep->set_email(absl::StrCat("rep", i, "@demo-dairy.example"));
      tv1::CreateRepResponse resp;
      Must(targets->CreateRep(Ctx().get(), req, &resp), absl::StrCat("CreateRep ", r.code));
      rep_ids.push_back(resp.rep().id());
      rep_units[resp.rep().id()] = units.at(r.team);
      rep_region[resp.rep().id()] = r.code[0] == 'E' ? "EAST" : "NORTH";
    }
  }

  // Three years of monthly history per rep and product line, with growth,
  // a Spring Festival peak and the summer dip of a dairy business.
  void History(int32_t this_year) {
    static const int kSeason[12] = {150, 130, 90, 90, 95, 85, 80, 85, 100, 105, 110, 140};
    tv1::ImportActualsRequest req;
    req.set_request_id(absl::StrCat("demo-history-", this_year));
    int n = 0;
    for (size_t r = 0; r < rep_ids.size(); ++r) {
      for (const auto& [code, line] : lines) {
        for (int y = this_year - 3; y < this_year; ++y) {
          for (int m = 1; m <= 12; ++m) {
            // Base 20 000–60 000 yuan a month, +8% a year, seasonal.
            int64_t base = 20000 + static_cast<int64_t>((r * 7919 + line * 104729) % 40000);
            int64_t grown = base * (100 + 8 * (y - (this_year - 3))) / 100;
            int64_t fen = grown * kSeason[m - 1] / 100 * 100 / static_cast<int64_t>(lines.size());
            auto* row = req.add_rows();
            row->set_row_key(absl::StrCat("demo-", rep_ids[r], "-", line, "-", y, "-", m));
            row->set_rep_id(rep_ids[r]);
            row->set_org_unit_id(rep_units[rep_ids[r]]);
            row->set_product_line_id(line);
            row->set_fiscal_year(y);
            row->set_fiscal_month(m);
            *row->mutable_sales_amount() = sales::MakeMoney(fen);
            *row->mutable_collected_amount() = sales::MakeMoney(fen * 93 / 100);
            *row->mutable_gross_profit() = sales::MakeMoney(fen * 28 / 100);
            row->set_quantity(fen / 6000);
            row->set_new_customers(m % 4 == 0 ? 1 : 0);
            ++n;
          }
        }
      }
    }
    tv1::ImportActualsResponse resp;
    Must(targets->ImportActuals(Ctx().get(), req, &resp), "ImportActuals");
    history_rows = n;
    tv1::SetMarketOutlookRequest o;
    o.set_request_id(absl::StrCat("demo-outlook-", this_year));
    o.mutable_outlook()->set_fiscal_year(this_year);
    o.mutable_outlook()->set_industry_growth_bp(800);
    o.mutable_outlook()->set_benchmark_competitor("标杆乳业");
    o.mutable_outlook()->set_competitor_growth_bp(1200);
    o.mutable_outlook()->set_source_note("行业协会年报与标杆企业年报");
    tv1::SetMarketOutlookResponse oresp;
    Must(targets->SetMarketOutlook(Ctx().get(), o, &oresp), "SetMarketOutlook");
  }

  int64_t Plan(const std::string& key, int32_t year, tv1::Metric metric, const std::string& title, int64_t budget) {
    tv1::CreatePlanRequest req;
    req.set_request_id(absl::StrCat("demo-plan-", key));
    req.mutable_plan()->set_title(title);
    req.mutable_plan()->set_fiscal_year(year);
    req.mutable_plan()->set_metric(metric);
    req.mutable_plan()->set_org_unit_id(units.at("CO"));
    *req.mutable_plan()->mutable_expense_budget() = sales::MakeMoney(budget);
    req.set_total_from_baseline(true);
    tv1::CreatePlanResponse resp;
    Must(targets->CreatePlan(Ctx().get(), req, &resp), "CreatePlan " + key);
    tv1::DecomposePlanRequest d;
    d.set_request_id(absl::StrCat("demo-decompose-", key));
    d.set_plan_id(resp.plan().id());
    auto* l1 = d.add_levels();
    l1->set_dimension(tv1::DIMENSION_ORG_UNIT);
    l1->set_method(tv1::DECOMPOSITION_METHOD_MARKET_QUALITY);
    l1->set_down_to_kind(tv1::ORG_UNIT_KIND_TEAM);
    auto* l2 = d.add_levels();
    l2->set_dimension(tv1::DIMENSION_REP);
    l2->set_method(tv1::DECOMPOSITION_METHOD_HISTORY_SHARE);
    auto* l3 = d.add_levels();
    l3->set_dimension(tv1::DIMENSION_MONTH);
    l3->set_method(tv1::DECOMPOSITION_METHOD_HISTORY_SHARE);
    tv1::DecomposePlanResponse dresp;
    Must(targets->DecomposePlan(Ctx().get(), d, &dresp), "DecomposePlan " + key);
    return resp.plan().id();
  }

  // A cell is answered by its assignee: the rep for a rep's cell, the
  // unit's manager for a unit's cell.
  static std::unique_ptr<grpc::ClientContext> AssigneeCtx(const tv1::Assignment& a) {
    if (a.dimension() == tv1::DIMENSION_REP) {
      return CtxAs(absl::StrCat("demo-rep-", a.rep_id()), "SALES_REP", a.rep_id());
    }
    return CtxAs(absl::StrCat("demo-manager-", a.org_unit_id()), "SALES_MANAGER", 0, a.org_unit_id());
  }

  std::vector<tv1::Assignment> Negotiable(int64_t plan) {
    tv1::ListAssignmentsRequest req;
    req.set_plan_id(plan);
    req.set_negotiable_only(true);
    req.set_page_size(1000);
    tv1::ListAssignmentsResponse resp;
    Must(targets->ListAssignments(Ctx().get(), req, &resp), "ListAssignments");
    return {resp.assignments().begin(), resp.assignments().end()};
  }

  // A signed sales plan for this year, a collected-amount plan still being
  // negotiated (one rep objects), and next year's plan in draft.
  void Plans(int32_t this_year) {
    int64_t sales = Plan(absl::StrCat("sales-", this_year), this_year, tv1::METRIC_SALES_AMOUNT,
                         absl::StrCat(this_year, " 年度销售额计划"), 1'800'000'00);
    tv1::IssuePlanRequest issue;
    issue.set_request_id(absl::StrCat("demo-issue-sales-", this_year));
    issue.set_id(sales);
    tv1::IssuePlanResponse iresp;
    Must(targets->IssuePlan(Ctx().get(), issue, &iresp), "IssuePlan");
    for (const auto& a : Negotiable(sales)) {
      tv1::AcceptAssignmentRequest acc;
      acc.set_request_id(absl::StrCat("demo-accept-", a.id()));
      acc.set_id(a.id());
      tv1::AcceptAssignmentResponse aresp;
      Must(targets->AcceptAssignment(AssigneeCtx(a).get(), acc, &aresp), "AcceptAssignment");
    }
    tv1::SignPlanRequest sign;
    sign.set_request_id(absl::StrCat("demo-sign-sales-", this_year));
    sign.set_id(sales);
    sign.set_comment("军令状");
    tv1::SignPlanResponse sresp;
    Must(targets->SignPlan(Ctx().get(), sign, &sresp), "SignPlan");
    plans.push_back(sales);

    int64_t collected = Plan(absl::StrCat("collected-", this_year), this_year, tv1::METRIC_COLLECTED_AMOUNT,
                             absl::StrCat(this_year, " 年度回款额计划"), 0);
    issue.set_request_id(absl::StrCat("demo-issue-collected-", this_year));
    issue.set_id(collected);
    Must(targets->IssuePlan(Ctx().get(), issue, &iresp), "IssuePlan");
    auto cells = Negotiable(collected);
    for (size_t i = 0; i < cells.size(); ++i) {
      const auto& a = cells[i];
      if (a.dimension() == tv1::DIMENSION_REP && a.rep_id() == rep_ids[3]) {
        tv1::CounterProposeAssignmentRequest cp;
        cp.set_request_id(absl::StrCat("demo-counter-", a.id()));
        cp.set_id(a.id());
        *cp.mutable_proposed_target()->mutable_amount() =
            sales::MakeMoney(a.target().amount().minor_units() * 85 / 100);
        cp.set_reason("试用期，客户基础还薄，请求下调15%");
        tv1::CounterProposeAssignmentResponse cresp;
        Must(targets->CounterProposeAssignment(AssigneeCtx(a).get(), cp, &cresp), "CounterPropose");
      } else if (i % 3 != 0) {
        tv1::AcceptAssignmentRequest acc;
        acc.set_request_id(absl::StrCat("demo-accept-", a.id()));
        acc.set_id(a.id());
        tv1::AcceptAssignmentResponse aresp;
        Must(targets->AcceptAssignment(AssigneeCtx(a).get(), acc, &aresp), "AcceptAssignment");
      }
    }
    plans.push_back(collected);
    plans.push_back(Plan(absl::StrCat("sales-", this_year + 1), this_year + 1, tv1::METRIC_SALES_AMOUNT,
                         absl::StrCat(this_year + 1, " 年度销售额计划（草案）"), 2'000'000'00));
  }
};

}  // namespace

int main(int argc, char** argv) {
  auto config = sales::Config::FromArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  auto secret = config->GetSecret("principal_hmac_secret", "");
  if (!secret.ok()) {
    std::fprintf(stderr, "%s\n", std::string(secret.status().message()).c_str());
    return 2;
  }
  demo::DemoSecret() = *secret;
  if (!secret->empty()) {
    // The loader signs as the gateway does: every call's proof binds its
    // method, so the signing happens in an interceptor on every channel.
    auto keys = sales::PrincipalVerifier::FromConfig(*config);
    if (!keys.ok()) {
      std::fprintf(stderr, "%s\n", std::string(keys.status().message()).c_str());
      return 2;
    }
    grpc::experimental::RegisterGlobalClientInterceptorFactory(
        sales::MakePrincipalSigningInterceptor(std::make_shared<sales::PrincipalVerifier>(std::move(*keys))).release());
  }
  auto channel = [&](const std::string& svc, const std::string& def) {
    return sales::CreateBalancedChannel(config->GetString(svc + "_address", def), sales::ChannelSettings{});
  };
  Loader l;
  l.targets = tv1::TargetsService::NewStub(channel("targets", "127.0.0.1:50061"));
  l.customers = cv1::CustomersService::NewStub(channel("customers", "127.0.0.1:50062"));
  l.orders = ov1::OrdersService::NewStub(channel("orders", "127.0.0.1:50063"));
  l.finance = fv1::FinanceService::NewStub(channel("finance", "127.0.0.1:50064"));
  absl::Time start = absl::Now();
  l.Org();
  l.ProductLines();
  l.Reps();
  l.this_year = static_cast<int32_t>(absl::ToCivilYear(absl::Now(), sales::CompanyTimeZone()).year());
  l.History(l.this_year);
  l.Plans(l.this_year);
  LoadCustomersDemo(l);
  LoadOrdersDemo(l);
  LoadFinanceDemo(l);
  std::printf(
      "demo company: %zu org units, %zu product lines, %zu reps, %d months of rep x line history, "
      "%zu plans\n",
      l.units.size(), l.lines.size(), l.rep_ids.size(), l.history_rows, l.plans.size());
  for (const auto& line : l.summary) std::printf("  %s\n", line.c_str());
  std::printf("loaded in %.1fs\n", absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}
