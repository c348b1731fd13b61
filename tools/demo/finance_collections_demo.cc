// The demo company's collections ladder and commissions (see demo.h). Every
// call carries a fixed request_id, so loading again changes nothing.
#include "tools/demo/finance_collections_demo.h"

#include <chrono>
#include <ctime>
#include <string>

#include "absl/strings/str_cat.h"
#include "platform/money.h"

namespace demo {
namespace {

// Today in the company time zone (UTC+8), as the services see it.
sales::common::v1::Date Today() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return Day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

bool Soft(const grpc::Status& st, const std::string& what, DemoWorld& w) {
  if (st.ok()) return true;
  w.summary.push_back(absl::StrCat(what, " skipped: ", st.error_message()));
  return false;
}

}  // namespace

void LoadFinanceCollectionsDemo(DemoWorld& w) {
  const auto today = Today();
  const std::string day_key = absl::StrCat(today.year(), "-", today.month(), "-", today.day());

  // 1. The commission scheme [003]: 2 % below 80 % of target, 3 % to 100 %,
  // 4 % from target, 5 % from 120 %; 90/10 split; late collections at 50 %
  // from 3 to 6 months after due, nothing (and deducted) after.
  fv1::CreateCommissionPlanRequest create;
  create.set_request_id(absl::StrCat("demo-commission-plan-", w.this_year));
  auto* p = create.mutable_commission_plan();
  p->set_name(absl::StrCat(w.this_year, " sales reps"));
  *p->mutable_effective_from() = Day(w.this_year, 1, 1);
  p->set_attainment_metric(fv1::ATTAINMENT_METRIC_SALES_AMOUNT);
  for (auto [min_bp, rate_bp] : {std::pair{0, 200}, {8000, 300}, {10000, 400}, {12000, 500}}) {
    auto* t = p->add_tiers();
    t->set_min_attainment_bp(min_bp);
    t->set_rate_bp(rate_bp);
  }
  p->set_payable_now_bp(9000);
  p->set_holdback_bp(1000);
  p->set_full_credit_months(3);
  p->set_late_credit_months(6);
  p->set_late_credit_bp(5000);
  p->set_deduct_uncollected(true);
  p->set_attainment_floor_bp(10000);
  p->set_base_floor_bp(5000);
  *p->mutable_base_pay() = sales::MakeMoney(3'000'00);
  p->set_manager_rate_bp(50);
  p->set_manager_threshold_bp(10000);
  p->set_manager_excess_rate_bp(100);
  p->set_reason("销售方案: commission by attainment tiers");
  fv1::CreateCommissionPlanResponse created;
  Must(w.finance->CreateCommissionPlan(CtxAs("finance-demo", "FINANCE").get(), create, &created),
       "CreateCommissionPlan");
  if (created.commission_plan().state() == fv1::COMMISSION_PLAN_STATE_DRAFT) {
    fv1::ActivateCommissionPlanRequest act;
    act.set_request_id(absl::StrCat("demo-commission-plan-activate-", w.this_year));
    act.set_id(created.commission_plan().id());
    act.set_etag(created.commission_plan().etag());
    act.set_reason("approved by the sales director");
    fv1::ActivateCommissionPlanResponse activated;
    Must(w.finance->ActivateCommissionPlan(CtxAs("director-demo", "SALES_DIRECTOR").get(), act, &activated),
         "ActivateCommissionPlan");
  }
  w.summary.push_back(absl::StrCat("commission plan \"", p->name(), "\" in force"));

  // 2. Today's collections sweep opens and walks the overdue cases.
  fv1::RunCollectionsSweepRequest sweep;
  sweep.set_request_id(absl::StrCat("demo-sweep-", day_key));
  *sweep.mutable_as_of() = today;
  fv1::RunCollectionsSweepResponse swept;
  Must(w.finance->RunCollectionsSweep(CtxAs("finance-demo", "FINANCE").get(), sweep, &swept), "RunCollectionsSweep");

  // 3. One overdue customer walked up to the first notice: the customer's
  // signed confirmation letter, then (unless the sweep already sent it) the
  // first dunning notice with the repayment-plan request and the 10-day
  // warning.
  fv1::ListCollectionCasesRequest list;
  list.add_stages(fv1::COLLECTION_STAGE_AWAITING_CONFIRMATION);
  list.add_stages(fv1::COLLECTION_STAGE_CONFIRMED);
  list.add_stages(fv1::COLLECTION_STAGE_FIRST_NOTICE);
  fv1::ListCollectionCasesResponse cases;
  Must(w.finance->ListCollectionCases(CtxAs("finance-demo", "FINANCE").get(), list, &cases), "ListCollectionCases");
  std::string walked = "no overdue invoice to walk";
  if (!cases.collection_cases().empty()) {
    fv1::CollectionCase c = cases.collection_cases(0);
    if (!c.has_confirmation()) {
      fv1::RecordOverdueConfirmationRequest conf;
      conf.set_request_id(absl::StrCat("demo-confirmation-", c.id()));
      conf.set_case_id(c.id());
      conf.set_etag(c.etag());
      *conf.mutable_confirmation()->mutable_signed_on() = today;
      *conf.mutable_confirmation()->mutable_confirmed_amount() = c.overdue_amount();
      conf.mutable_confirmation()->set_signed_by("财务经理 (customer's finance manager)");
      conf.mutable_confirmation()->set_document_reference(absl::StrCat("QRH-", c.invoice_number()));
      fv1::RecordOverdueConfirmationResponse confirmed;
      if (Soft(w.finance->RecordOverdueConfirmation(CtxAs("finance-demo", "FINANCE").get(), conf, &confirmed),
               "overdue confirmation", w)) {
        c = confirmed.collection_case();
      }
    }
    bool at_first_notice = c.stage() == fv1::COLLECTION_STAGE_FIRST_NOTICE;
    if (!at_first_notice) {
      fv1::RecordDunningNoticeRequest notice;
      notice.set_request_id(absl::StrCat("demo-first-notice-", c.id()));
      notice.set_case_id(c.id());
      notice.set_etag(c.etag());
      notice.mutable_notice()->set_kind(fv1::DUNNING_NOTICE_KIND_FIRST);
      *notice.mutable_notice()->mutable_sent_on() = today;
      notice.mutable_notice()->set_delivery_method("COURIER");
      fv1::RecordDunningNoticeResponse noticed;
      at_first_notice = Soft(w.finance->RecordDunningNotice(CtxAs("finance-demo", "FINANCE").get(), notice, &noticed),
                             "first notice", w);
    }
    if (at_first_notice) {
      walked = absl::StrCat("customer ", c.customer_id(), " (", c.invoice_number(), ", ", c.days_past_due(),
                            " days overdue) confirmed and at the first notice");
    }
  }
  w.summary.push_back(absl::StrCat("collections sweep: ", swept.opened_count(), " cases opened, ",
                                   swept.advanced_count(), " advanced, ", swept.holds_set_count(), " holds; ", walked));

  // 4. Last month's commission statements (attainment from targets-svc).
  int y = today.year(), m = today.month() - 1;
  if (m == 0) {
    m = 12;
    --y;
  }
  fv1::CalculateCommissionsRequest calc;
  calc.set_request_id(absl::StrCat("demo-commissions-", y, "-", m));
  *calc.mutable_month() = Day(y, m, 1);
  fv1::CalculateCommissionsResponse calculated;
  if (Soft(w.finance->CalculateCommissions(CtxAs("finance-demo", "FINANCE").get(), calc, &calculated),
           "commission statements", w)) {
    w.summary.push_back(absl::StrCat(calculated.created_count() + calculated.recomputed_count(),
                                     " commission statements for ", y, "-", m));
  }
}

}  // namespace demo
