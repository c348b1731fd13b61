// A company in miniature, built through a fleet's gateway with role tokens
// as its users would build it: an office, two reps, a product with a price
// and stock, customers with credit. Then the steps the replica and chaos
// tests repeat: an order entered and confirmed, shipped, a supply stop set
// by finance and lifted. Every call has its own request id and is retried
// with it while the answer is not definite (a replica killed, a feed not yet
// caught up), as a careful client does.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "platform/convert.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "tests/testing/fleet.h"

namespace sales::testing {

class FleetCompany {
 public:
  explicit FleetCompany(Fleet& fleet, std::string run = "c")
      : fleet_(fleet),
        run_(std::move(run)),
        channel_(fleet.GatewayChannel()),
        targets_(targets::v1::TargetsService::NewStub(channel_)),
        customers_(customers::v1::CustomersService::NewStub(channel_)),
        orders_(orders::v1::OrdersService::NewStub(channel_)),
        finance_(finance::v1::FinanceService::NewStub(channel_)) {}

  int64_t office() const { return office_; }
  int64_t rep() const { return rep1_; }
  int64_t product() const { return product_; }
  int64_t warehouse() const { return warehouse_; }
  const std::vector<int64_t>& customer_ids() const { return customers_ids_; }
  const std::string& rep_token() const { return rep_token_; }
  const std::string& finance_token() const { return finance_token_; }
  const std::string& admin_token() const { return admin_; }
  // Calls retried because the answer was not definite.
  int retries() const { return retries_.load(); }
  // The first error of a step that never succeeded.
  std::string error() {
    std::lock_guard<std::mutex> lock(error_mu_);
    return error_;
  }

  // Builds the company with `customers` customers (each with a 1,000,000
  // yuan credit limit) and `stock` boxes in stock. False (see error()) on a
  // step that never succeeded.
  bool Seed(int customers, int64_t stock) {
    admin_ = fleet_.Token("admin", kRoleAdmin);
    auto unit = [&](const std::string& code, const std::string& name, targets::v1::OrgUnitKind kind,
                    int64_t parent) -> int64_t {
      targets::v1::CreateOrgUnitRequest req;
      req.set_request_id(Rid());
      req.mutable_org_unit()->set_code(code);
      req.mutable_org_unit()->set_name(name);
      req.mutable_org_unit()->set_kind(kind);
      req.mutable_org_unit()->set_parent_id(parent);
      targets::v1::CreateOrgUnitResponse resp;
      if (!Retry("CreateOrgUnit", admin_, [&](grpc::ClientContext* c) { return targets_->CreateOrgUnit(c, req, &resp); }))
        return 0;
      return resp.org_unit().id();
    };
    int64_t co = unit("CO", "总公司", targets::v1::ORG_UNIT_KIND_COMPANY, 0);
    int64_t east = co ? unit("EAST", "华东大区", targets::v1::ORG_UNIT_KIND_BRANCH, co) : 0;
    office_ = east ? unit("EAST-SH", "上海办事处", targets::v1::ORG_UNIT_KIND_OFFICE, east) : 0;
    if (office_ == 0) return false;
    targets::v1::CreateProductLineRequest pl;
    pl.set_request_id(Rid());
    pl.mutable_product_line()->set_code("PURE-MILK");
    pl.mutable_product_line()->set_name("纯牛奶");
    pl.mutable_product_line()->set_portfolio_role(targets::v1::PORTFOLIO_ROLE_TRAFFIC);
    pl.mutable_product_line()->set_commissionable(true);
    targets::v1::CreateProductLineResponse plr;
    if (!Retry("CreateProductLine", admin_,
               [&](grpc::ClientContext* c) { return targets_->CreateProductLine(c, pl, &plr); }))
      return false;
    auto rep = [&](const std::string& code, const std::string& name) -> int64_t {
      targets::v1::CreateRepRequest req;
      req.set_request_id(Rid());
      req.mutable_rep()->set_employee_code(code);
      req.mutable_rep()->set_user_id(absl::AsciiStrToLower(code));
      req.mutable_rep()->set_name(name);
      req.mutable_rep()->set_org_unit_id(office_);
      req.mutable_rep()->set_status(targets::v1::REP_STATUS_ACTIVE);
      *req.mutable_rep()->mutable_hire_date() = FromCivilDay(absl::CivilDay(2020, 1, 1));
      targets::v1::CreateRepResponse resp;
      if (!Retry("CreateRep", admin_, [&](grpc::ClientContext* c) { return targets_->CreateRep(c, req, &resp); }))
        return 0;
      return resp.rep().id();
    };
    rep1_ = rep("REP1", "张三");
    if (rep1_ == 0 || rep("REP2", "李四") == 0) return false;
    rep_token_ = fleet_.Token("张三", kRoleRep, rep1_, office_);
    manager_token_ = fleet_.Token("office-head", kRoleManager, 0, office_);
    clerk_token_ = fleet_.Token("clerk", kRoleClerk, 0, office_);
    finance_token_ = fleet_.Token("ar-clerk", kRoleFinance);
    keeper_token_ = fleet_.Token("keeper", kRoleWarehouse);

    orders::v1::CreateProductRequest prod;
    prod.set_request_id(Rid());
    prod.mutable_product()->set_sku("PM-250-24");
    prod.mutable_product()->set_name("纯牛奶 250ml×24");
    prod.mutable_product()->set_product_line_id(plr.product_line().id());
    prod.mutable_product()->set_unit("箱");
    *prod.mutable_product()->mutable_unit_cost() = Yuan(60'00);
    *prod.mutable_product()->mutable_floor_price() = Yuan(70'00);
    prod.mutable_product()->set_commissionable(true);
    orders::v1::CreateProductResponse prodr;
    // orders-svc learns product lines from the targets feed: retried until it has.
    if (!Retry("CreateProduct", admin_, [&](grpc::ClientContext* c) { return orders_->CreateProduct(c, prod, &prodr); }))
      return false;
    product_ = prodr.product().id();
    orders::v1::CreatePriceListRequest prl;
    prl.set_request_id(Rid());
    prl.mutable_price_list()->set_code("PL-2020");
    prl.mutable_price_list()->set_name("目录价格");
    prl.mutable_price_list()->set_currency_code("CNY");
    *prl.mutable_price_list()->mutable_effective_from() = FromCivilDay(absl::CivilDay(2020, 1, 1));
    auto* entry = prl.mutable_price_list()->add_entries();
    entry->set_product_id(product_);
    *entry->mutable_list_price() = Yuan(100'00);
    orders::v1::CreatePriceListResponse prlr;
    if (!Retry("CreatePriceList", admin_,
               [&](grpc::ClientContext* c) { return orders_->CreatePriceList(c, prl, &prlr); }))
      return false;
    orders::v1::CreateWarehouseRequest wh;
    wh.set_request_id(Rid());
    wh.mutable_warehouse()->set_code("WH-SH");
    wh.mutable_warehouse()->set_name("上海仓");
    wh.mutable_warehouse()->set_kind(orders::v1::WAREHOUSE_KIND_REGULAR);
    wh.mutable_warehouse()->set_active(true);
    orders::v1::CreateWarehouseResponse whr;
    if (!Retry("CreateWarehouse", admin_, [&](grpc::ClientContext* c) { return orders_->CreateWarehouse(c, wh, &whr); }))
      return false;
    warehouse_ = whr.warehouse().id();
    orders::v1::RecordStockReceiptRequest rcpt;
    rcpt.set_request_id(Rid());
    rcpt.set_warehouse_id(warehouse_);
    rcpt.set_reference("PO-0001");
    rcpt.set_reason("期初库存");
    auto* rl = rcpt.add_lines();
    rl->set_product_id(product_);
    rl->set_quantity(stock);
    orders::v1::RecordStockReceiptResponse rcptr;
    if (!Retry("RecordStockReceipt", keeper_token_,
               [&](grpc::ClientContext* c) { return orders_->RecordStockReceipt(c, rcpt, &rcptr); }))
      return false;

    for (int i = 0; i < customers; ++i) {
      customers::v1::RegisterCustomerRequest reg;
      reg.set_request_id(Rid());
      auto* c = reg.mutable_customer();
      c->set_name(absl::StrCat("上海佳惠便利店第", i + 1, "分店有限公司"));
      c->set_type(customers::v1::CUSTOMER_TYPE_OUTLET_B);
      c->set_phone(absl::StrCat("+86 138-00", 10 + i, "-", 1000 + i));
      c->set_region("EAST");
      c->set_city("上海");
      c->set_address(absl::StrCat("上海市徐汇区漕溪北路 ", 88 + i, " 号"));
      c->set_source_channel("WALK_IN");
      // The rep registers their own customer (customers-svc learns the rep
      // from the targets feed: retried until it has).
      customers::v1::RegisterCustomerResponse regr;
      if (!Retry("RegisterCustomer", rep_token_,
                 [&](grpc::ClientContext* ctx) { return customers_->RegisterCustomer(ctx, reg, &regr); }))
        return false;
      const int64_t id = regr.customer().id();
      customers::v1::GetCreditProfileRequest gp;
      gp.set_customer_id(id);
      customers::v1::GetCreditProfileResponse gpr;
      if (!Retry("GetCreditProfile", finance_token_,
                 [&](grpc::ClientContext* ctx) { return customers_->GetCreditProfile(ctx, gp, &gpr); }))
        return false;
      customers::v1::UpdateCreditProfileRequest up;
      up.set_request_id(Rid());
      up.set_customer_id(id);
      *up.mutable_credit_limit() = Yuan(1000000'00);
      up.set_payment_terms_days(30);
      up.set_reason("老客户，信用良好");
      up.set_etag(gpr.profile().etag());
      customers::v1::UpdateCreditProfileResponse upr;
      if (!Retry("UpdateCreditProfile", finance_token_,
                 [&](grpc::ClientContext* ctx) { return customers_->UpdateCreditProfile(ctx, up, &upr); }))
        return false;
      customers_ids_.push_back(id);
    }
    return true;
  }

  // A one-line order of `quantity` boxes for `customer`, left in DRAFT.
  bool EnterOrder(int64_t customer, int64_t quantity, orders::v1::SalesOrder* out) {
    orders::v1::CreateOrderRequest co;
    co.set_request_id(Rid());
    co.mutable_order()->set_customer_id(customer);
    *co.mutable_order()->mutable_order_date() = FromCivilDay(absl::ToCivilDay(absl::Now(), CompanyTimeZone()));
    auto* ol = co.mutable_order()->add_lines();
    ol->set_product_id(product_);
    ol->set_quantity(quantity);
    orders::v1::CreateOrderResponse cor;
    if (!Retry("CreateOrder", rep_token_, [&](grpc::ClientContext* c) { return orders_->CreateOrder(c, co, &cor); },
               nullptr, absl::Seconds(60), co.request_id()))
      return false;
    *out = cor.order();
    return true;
  }

  // Confirms (credit check, stock reserved) an entered order.
  bool Confirm(const orders::v1::SalesOrder& order, orders::v1::SalesOrder* out,
               grpc::StatusCode* first_failure = nullptr) {
    orders::v1::ConfirmOrderRequest req;
    req.set_request_id(Rid());
    req.set_order_id(order.id());
    req.set_etag(order.etag());
    orders::v1::ConfirmOrderResponse resp;
    if (!Retry("ConfirmOrder", rep_token_, [&](grpc::ClientContext* c) { return orders_->ConfirmOrder(c, req, &resp); },
               first_failure, absl::Seconds(60), req.request_id()))
      return false;
    *out = resp.order();
    return true;
  }

  // Requests, approves and posts a shipment of the whole first line; the
  // posted shipment's id and the request id it was posted under.
  bool Ship(const orders::v1::SalesOrder& order, int64_t* shipment_id = nullptr, std::string* post_request_id = nullptr) {
    orders::v1::RequestShipmentRequest rq;
    rq.set_request_id(Rid());
    rq.mutable_shipment_requisition()->set_order_id(order.id());
    rq.mutable_shipment_requisition()->set_carrier("德邦物流");
    auto* l = rq.mutable_shipment_requisition()->add_lines();
    l->set_order_line_id(order.lines(0).id());
    l->set_quantity(order.lines(0).quantity());
    orders::v1::RequestShipmentResponse rqr;
    if (!Retry("RequestShipment", clerk_token_,
               [&](grpc::ClientContext* c) { return orders_->RequestShipment(c, rq, &rqr); }))
      return false;
    orders::v1::ApproveShipmentRequisitionRequest ap;
    ap.set_request_id(Rid());
    ap.set_shipment_requisition_id(rqr.shipment_requisition().id());
    ap.set_etag(rqr.shipment_requisition().etag());
    orders::v1::ApproveShipmentRequisitionResponse apr;
    if (!Retry("ApproveShipmentRequisition", manager_token_,
               [&](grpc::ClientContext* c) { return orders_->ApproveShipmentRequisition(c, ap, &apr); }))
      return false;
    orders::v1::PostShipmentRequest post;
    post.set_request_id(Rid());
    post.set_shipment_requisition_id(apr.shipment_requisition().id());
    post.set_etag(apr.shipment_requisition().etag());
    post.set_warehouse_id(warehouse_);
    auto* pl = post.add_lines();
    pl->set_shipment_requisition_line_id(apr.shipment_requisition().lines(0).id());
    pl->set_quantity(order.lines(0).quantity());
    orders::v1::PostShipmentResponse postr;
    if (post_request_id != nullptr) *post_request_id = post.request_id();
    if (!Retry("PostShipment", keeper_token_,
               [&](grpc::ClientContext* c) { return orders_->PostShipment(c, post, &postr); }, nullptr,
               absl::Seconds(60), post.request_id())) {
      return false;
    }
    if (shipment_id != nullptr) *shipment_id = postr.shipment().id();
    return true;
  }

  // Finance stops supply to `customer` (a manual hold); its id and etag.
  bool SetHold(int64_t customer, const std::string& reason, finance::v1::CreditHold* out,
               std::string* request_id = nullptr) {
    finance::v1::SetCreditHoldRequest req;
    req.set_request_id(Rid());
    if (request_id != nullptr) *request_id = req.request_id();
    req.set_customer_id(customer);
    req.set_reason(reason);
    finance::v1::SetCreditHoldResponse resp;
    // finance-svc learns the customer's rep from the orders feed.
    if (!Retry("SetCreditHold", finance_token_,
               [&](grpc::ClientContext* c) { return finance_->SetCreditHold(c, req, &resp); }, nullptr,
               absl::Seconds(60), req.request_id()))
      return false;
    *out = resp.credit_hold();
    return true;
  }

  bool ReleaseHold(const finance::v1::CreditHold& hold, const std::string& reason) {
    finance::v1::ReleaseCreditHoldRequest req;
    req.set_request_id(Rid());
    req.set_id(hold.id());
    req.set_etag(hold.etag());
    req.set_reason(reason);
    finance::v1::ReleaseCreditHoldResponse resp;
    return Retry("ReleaseCreditHold", finance_token_,
                 [&](grpc::ClientContext* c) { return finance_->ReleaseCreditHold(c, req, &resp); }, nullptr,
                 absl::Seconds(60), req.request_id());
  }

  // customers-svc's view of a customer's credit (its hold comes from the
  // finance feed).
  bool CreditProfile(int64_t customer, customers::v1::CreditProfile* out) {
    customers::v1::GetCreditProfileRequest gp;
    gp.set_customer_id(customer);
    customers::v1::GetCreditProfileResponse gpr;
    if (!Retry("GetCreditProfile", finance_token_,
               [&](grpc::ClientContext* ctx) { return customers_->GetCreditProfile(ctx, gp, &gpr); }))
      return false;
    *out = gpr.profile();
    return true;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, absl::Duration deadline = absl::Seconds(10)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  std::string Rid() { return absl::StrCat(run_, "-", ++rid_); }

  // Calls `call` until it answers OK, retrying (same request) while the
  // answer is not definite or the feeds have not yet carried what it needs,
  // for up to `patience`. `first_failure` gets the first non-OK code seen.
  template <typename Fn>
  bool Retry(const std::string& what, const std::string& token, Fn call, grpc::StatusCode* first_failure = nullptr,
             absl::Duration patience = absl::Seconds(60), const std::string& request_id = "") {
    absl::Time until = absl::Now() + patience;
    for (;;) {
      auto ctx = Ctx(token);
      // The body's request id also names the call in every log line.
      if (!request_id.empty()) ctx->AddMetadata(kRequestIdHeader, request_id);
      grpc::Status st = call(ctx.get());
      if (st.ok()) return true;
      if (first_failure != nullptr && *first_failure == grpc::StatusCode::OK) *first_failure = st.error_code();
      bool retryable = st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                       st.error_code() == grpc::StatusCode::ABORTED ||
                       st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                       st.error_code() == grpc::StatusCode::UNKNOWN ||
                       // A peer's replica has not yet applied the feed event
                       // this call depends on.
                       st.error_code() == grpc::StatusCode::NOT_FOUND ||
                       st.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                       st.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
      if (!retryable || absl::Now() > until) {
        std::lock_guard<std::mutex> lock(error_mu_);
        if (error_.empty()) {
          error_ = absl::StrCat(what, ": ", static_cast<int>(st.error_code()), " ", st.error_message());
        }
        return false;
      }
      ++retries_;
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  static common::v1::Money Yuan(int64_t fen) {
    common::v1::Money m;
    m.set_currency_code("CNY");
    m.set_minor_units(fen);
    return m;
  }

 private:
  Fleet& fleet_;
  std::string run_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<targets::v1::TargetsService::Stub> targets_;
  std::unique_ptr<customers::v1::CustomersService::Stub> customers_;
  std::unique_ptr<orders::v1::OrdersService::Stub> orders_;
  std::unique_ptr<finance::v1::FinanceService::Stub> finance_;
  std::string admin_, rep_token_, manager_token_, clerk_token_, finance_token_, keeper_token_;
  int64_t office_ = 0, rep1_ = 0, product_ = 0, warehouse_ = 0;
  std::vector<int64_t> customers_ids_;
  std::atomic<int64_t> rid_{0};
  std::atomic<int> retries_{0};
  std::mutex error_mu_;
  std::string error_;
};

}  // namespace sales::testing
