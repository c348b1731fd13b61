// A company in miniature, built through a fleet's gateway with role tokens
// as its users would build it: an office, two reps, a product with a price
// and stock, customers with credit. Then the steps the replica and chaos
// tests repeat: an order entered (or quoted and converted) and confirmed,
// shipped, delivered, invoiced, paid, partly returned; a supply stop set by
// finance and lifted; the daily sweeps. Every call has its own request id
// and is retried with it while the answer is not definite (a replica killed,
// a feed not yet caught up), as a careful client does.
//
// Every acknowledged mutation (a request with a request_id that answered OK)
// is journaled with its first answer; Replay() sends each again, same token
// and request id, and checks that the answer is the first one.
#pragma once

#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <concepts>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

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

namespace fleet_company_internal {
// A mutating request: it carries a client-chosen request id.
template <typename M>
concept HasRequestId = requires(const M& m) {
  { m.request_id() } -> std::convertible_to<std::string>;
};
}  // namespace fleet_company_internal

// One acknowledged mutation and the means to send it again.
struct JournalEntry {
  std::string what;        // the method, e.g. "ConfirmOrder"
  std::string token;       // the bearer token it was sent with
  std::string request_id;  // its request id (also the x-request-id header)
  std::string response;    // the first OK answer, serialized
  // Sends the same request again (same token, same request id); on OK the
  // new answer, serialized.
  std::function<grpc::Status(std::string* response_bytes)> replay;
  // Whether two serialized answers are the same message (parsed as the
  // concrete response type, compared with MessageDifferencer); on a
  // difference, what differs.
  std::function<bool(const std::string& first, const std::string& again, std::string* difference)> same;
};

class FleetCompany {
 public:
  using TargetsStub = targets::v1::TargetsService::Stub;
  using CustomersStub = customers::v1::CustomersService::Stub;
  using OrdersStub = orders::v1::OrdersService::Stub;
  using FinanceStub = finance::v1::FinanceService::Stub;

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
  const std::string& manager_token() const { return manager_token_; }
  const std::string& clerk_token() const { return clerk_token_; }
  const std::string& keeper_token() const { return keeper_token_; }
  // Calls retried because the answer was not definite.
  int retries() const { return retries_.load(); }
  // RESOURCE_EXHAUSTED answers seen (a full queue or pool: overload, which
  // must not happen while nothing is failing).
  int64_t exhausted() const { return exhausted_.load(); }
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
      if (!Call("CreateOrgUnit", admin_, targets_.get(), &TargetsStub::CreateOrgUnit, req, &resp)) return 0;
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
    if (!Call("CreateProductLine", admin_, targets_.get(), &TargetsStub::CreateProductLine, pl, &plr)) return false;
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
      if (!Call("CreateRep", admin_, targets_.get(), &TargetsStub::CreateRep, req, &resp)) return 0;
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
    if (!Call("CreateProduct", admin_, orders_.get(), &OrdersStub::CreateProduct, prod, &prodr)) return false;
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
    if (!Call("CreatePriceList", admin_, orders_.get(), &OrdersStub::CreatePriceList, prl, &prlr)) return false;
    orders::v1::CreateWarehouseRequest wh;
    wh.set_request_id(Rid());
    wh.mutable_warehouse()->set_code("WH-SH");
    wh.mutable_warehouse()->set_name("上海仓");
    wh.mutable_warehouse()->set_kind(orders::v1::WAREHOUSE_KIND_REGULAR);
    wh.mutable_warehouse()->set_active(true);
    orders::v1::CreateWarehouseResponse whr;
    if (!Call("CreateWarehouse", admin_, orders_.get(), &OrdersStub::CreateWarehouse, wh, &whr)) return false;
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
    if (!Call("RecordStockReceipt", keeper_token_, orders_.get(), &OrdersStub::RecordStockReceipt, rcpt, &rcptr))
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
      if (!Call("RegisterCustomer", rep_token_, customers_.get(), &CustomersStub::RegisterCustomer, reg, &regr))
        return false;
      const int64_t id = regr.customer().id();
      customers::v1::GetCreditProfileRequest gp;
      gp.set_customer_id(id);
      customers::v1::GetCreditProfileResponse gpr;
      if (!Call("GetCreditProfile", finance_token_, customers_.get(), &CustomersStub::GetCreditProfile, gp, &gpr))
        return false;
      customers::v1::UpdateCreditProfileRequest up;
      up.set_request_id(Rid());
      up.set_customer_id(id);
      *up.mutable_credit_limit() = Yuan(1000000'00);
      up.set_payment_terms_days(30);
      up.set_reason("老客户，信用良好");
      up.set_etag(gpr.profile().etag());
      customers::v1::UpdateCreditProfileResponse upr;
      if (!Call("UpdateCreditProfile", finance_token_, customers_.get(), &CustomersStub::UpdateCreditProfile, up, &upr))
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
    *co.mutable_order()->mutable_order_date() = Today();
    auto* ol = co.mutable_order()->add_lines();
    ol->set_product_id(product_);
    ol->set_quantity(quantity);
    orders::v1::CreateOrderResponse cor;
    if (!Call("CreateOrder", rep_token_, orders_.get(), &OrdersStub::CreateOrder, co, &cor, absl::Seconds(60)))
      return false;
    *out = cor.order();
    return true;
  }

  // A quote of `quantity` boxes at list price for `customer`, raised and
  // submitted by the rep (no discount: it needs no approval and goes
  // straight to APPROVED; should the policy still ask, the office manager
  // approves), then converted by the rep into an order, which is left in
  // DRAFT for Confirm. `quote`, when given, gets the quote as converted.
  // Sync dependency: orders-svc asks customers-svc about the customer
  // (UNAVAILABLE while it cannot, retried).
  bool Quote(int64_t customer, int64_t quantity, orders::v1::SalesOrder* out, orders::v1::Quote* quote = nullptr) {
    orders::v1::CreateQuoteRequest cq;
    cq.set_request_id(Rid());
    cq.mutable_quote()->set_customer_id(customer);
    *cq.mutable_quote()->mutable_quote_date() = Today();
    cq.mutable_quote()->set_notes("报价有效期内下单，货到付款30天");
    auto* ql = cq.mutable_quote()->add_lines();
    ql->set_product_id(product_);
    ql->set_quantity(quantity);
    orders::v1::CreateQuoteResponse cqr;
    if (!Call("CreateQuote", rep_token_, orders_.get(), &OrdersStub::CreateQuote, cq, &cqr)) return false;
    orders::v1::SubmitQuoteRequest sq;
    sq.set_request_id(Rid());
    sq.set_quote_id(cqr.quote().id());
    sq.set_etag(cqr.quote().etag());
    orders::v1::SubmitQuoteResponse sqr;
    if (!Call("SubmitQuote", rep_token_, orders_.get(), &OrdersStub::SubmitQuote, sq, &sqr)) return false;
    orders::v1::Quote q = sqr.quote();
    if (q.status() == orders::v1::QUOTE_STATUS_PENDING_APPROVAL) {
      orders::v1::ApproveQuoteRequest aq;
      aq.set_request_id(Rid());
      aq.set_quote_id(q.id());
      aq.set_etag(q.etag());
      aq.set_reason("价格符合政策，同意报价");
      orders::v1::ApproveQuoteResponse aqr;
      if (!Call("ApproveQuote", manager_token_, orders_.get(), &OrdersStub::ApproveQuote, aq, &aqr)) return false;
      q = aqr.quote();
    }
    if (q.status() != orders::v1::QUOTE_STATUS_APPROVED) {
      Fail(absl::StrCat("Quote: quote ", q.id(), " is in state ", orders::v1::QuoteStatus_Name(q.status()),
                        ", not APPROVED"));
      return false;
    }
    orders::v1::ConvertQuoteToOrderRequest cv;
    cv.set_request_id(Rid());
    cv.set_quote_id(q.id());
    cv.set_etag(q.etag());
    *cv.mutable_order_date() = Today();
    cv.set_customer_reference(absl::StrCat("采购单-", cv.request_id()));
    orders::v1::ConvertQuoteToOrderResponse cvr;
    if (!Call("ConvertQuoteToOrder", rep_token_, orders_.get(), &OrdersStub::ConvertQuoteToOrder, cv, &cvr))
      return false;
    if (quote != nullptr) *quote = cvr.quote();
    *out = cvr.order();
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
    if (!Call("ConfirmOrder", rep_token_, orders_.get(), &OrdersStub::ConfirmOrder, req, &resp, absl::Seconds(60),
              first_failure))
      return false;
    *out = resp.order();
    return true;
  }

  // Requests, approves and posts a shipment of the whole first line; the
  // posted shipment's id and the request id it was posted under.
  bool Ship(const orders::v1::SalesOrder& order, int64_t* shipment_id = nullptr,
            std::string* post_request_id = nullptr) {
    orders::v1::Shipment posted;
    if (!Ship(order, &posted, post_request_id)) return false;
    if (shipment_id != nullptr) *shipment_id = posted.id();
    return true;
  }

  // The same, giving the posted outbound note (for Deliver, Invoice and
  // Return): the clerk requests, the office manager approves, the warehouse
  // posts.
  bool Ship(const orders::v1::SalesOrder& order, orders::v1::Shipment* posted, std::string* post_request_id = nullptr) {
    orders::v1::RequestShipmentRequest rq;
    rq.set_request_id(Rid());
    rq.mutable_shipment_requisition()->set_order_id(order.id());
    rq.mutable_shipment_requisition()->set_carrier("德邦物流");
    auto* l = rq.mutable_shipment_requisition()->add_lines();
    l->set_order_line_id(order.lines(0).id());
    l->set_quantity(order.lines(0).quantity());
    orders::v1::RequestShipmentResponse rqr;
    if (!Call("RequestShipment", clerk_token_, orders_.get(), &OrdersStub::RequestShipment, rq, &rqr,
              absl::Seconds(60)))
      return false;
    orders::v1::ApproveShipmentRequisitionRequest ap;
    ap.set_request_id(Rid());
    ap.set_shipment_requisition_id(rqr.shipment_requisition().id());
    ap.set_etag(rqr.shipment_requisition().etag());
    orders::v1::ApproveShipmentRequisitionResponse apr;
    if (!Call("ApproveShipmentRequisition", manager_token_, orders_.get(), &OrdersStub::ApproveShipmentRequisition, ap,
              &apr, absl::Seconds(60)))
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
    if (!Call("PostShipment", keeper_token_, orders_.get(), &OrdersStub::PostShipment, post, &postr, absl::Seconds(60)))
      return false;
    if (posted != nullptr) *posted = postr.shipment();
    return true;
  }

  // The customer's signed receipt of a posted outbound note, recorded by the
  // clerk (shipment → DELIVERED; the order → DELIVERED once fully shipped
  // and every note is signed). No feed dependency (orders-svc alone).
  bool Deliver(const orders::v1::Shipment& shipment, orders::v1::Shipment* out = nullptr,
               orders::v1::OrderStatus* order_status = nullptr) {
    orders::v1::RecordDeliveryRequest req;
    req.set_request_id(Rid());
    req.set_shipment_id(shipment.id());
    req.set_etag(shipment.etag());
    *req.mutable_delivery()->mutable_delivery_date() = Today();
    req.mutable_delivery()->set_signed_by("周店长");
    req.mutable_delivery()->set_document_reference(absl::StrCat("签收单-", shipment.shipment_number()));
    req.mutable_delivery()->set_remarks("货物完好，数量无误");
    orders::v1::RecordDeliveryResponse resp;
    if (!Call("RecordDelivery", clerk_token_, orders_.get(), &OrdersStub::RecordDelivery, req, &resp)) return false;
    if (out != nullptr) *out = resp.shipment();
    if (order_status != nullptr) *order_status = resp.order_status();
    return true;
  }

  // Invoices every unbilled line of a posted outbound note: the clerk finds
  // its billable lines and requests the invoice, the office manager reviews
  // it, finance issues it (gap-free number, 13 % VAT, due in the customer's
  // 30 days). Feed dependency: finance-svc makes billable lines from the
  // orders feed's OrderShippedEvent, so the lookup is retried (as NOT_FOUND)
  // until the shipment's lines are there.
  bool Invoice(const orders::v1::Shipment& shipment, finance::v1::Invoice* out) {
    finance::v1::ListBillableLinesRequest lb;
    lb.set_customer_id(shipment.customer_id());
    lb.set_shipment_id(shipment.id());
    finance::v1::ListBillableLinesResponse lbr;
    if (!Retry(
            "ListBillableLines", clerk_token_,
            [&](grpc::ClientContext* c) {
              grpc::Status st = finance_->ListBillableLines(c, lb, &lbr);
              if (st.ok() && lbr.billable_lines_size() == 0) {
                return grpc::Status(grpc::StatusCode::NOT_FOUND,
                                    absl::StrCat("shipment ", shipment.id(), " is not billable yet (orders feed)"));
              }
              return st;
            },
            nullptr, absl::Seconds(120)))
      return false;
    finance::v1::RequestInvoiceRequest ri;
    ri.set_request_id(Rid());
    ri.set_customer_id(shipment.customer_id());
    for (const auto& b : lbr.billable_lines()) ri.add_lines()->set_billable_line_id(b.id());  // quantity 0: all
    ri.set_note(absl::StrCat("出库单 ", shipment.shipment_number(), " 申请开具增值税发票"));
    finance::v1::RequestInvoiceResponse rir;
    if (!Call("RequestInvoice", clerk_token_, finance_.get(), &FinanceStub::RequestInvoice, ri, &rir)) return false;
    finance::v1::ReviewInvoiceRequest rv;
    rv.set_request_id(Rid());
    rv.set_id(rir.invoice().id());
    rv.set_etag(rir.invoice().etag());
    rv.set_comment("已核对出库单，同意开票");
    finance::v1::ReviewInvoiceResponse rvr;
    if (!Call("ReviewInvoice", manager_token_, finance_.get(), &FinanceStub::ReviewInvoice, rv, &rvr)) return false;
    finance::v1::IssueInvoiceRequest ii;
    ii.set_request_id(Rid());
    ii.set_id(rvr.invoice().id());
    ii.set_etag(rvr.invoice().etag());
    finance::v1::IssueInvoiceResponse iir;
    // ABORTED on a numbering conflict: retried with the same request id.
    if (!Call("IssueInvoice", finance_token_, finance_.get(), &FinanceStub::IssueInvoice, ii, &iir)) return false;
    *out = iir.invoice();
    return true;
  }

  // Finance records a bank transfer of the invoice's open balance (its gross
  // total when just issued) under `bank_reference` and applies it to that
  // invoice (EXPLICIT allocation). No feed dependency beyond the invoice
  // itself (finance-svc); PaymentAppliedEvent then feeds targets
  // (collected) and commissions. A reused bank reference is ALREADY_EXISTS
  // (not retried: the step fails).
  bool Pay(int64_t customer, const finance::v1::Invoice& invoice, const std::string& bank_reference,
           finance::v1::Payment* out, std::vector<finance::v1::PaymentApplication>* applications = nullptr) {
    finance::v1::RecordPaymentRequest req;
    req.set_request_id(Rid());
    common::v1::Money amount = invoice.balance().minor_units() > 0 ? invoice.balance() : invoice.gross_total();
    auto* p = req.mutable_payment();
    p->set_customer_id(customer);
    *p->mutable_amount() = amount;
    p->set_method(finance::v1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(bank_reference);
    *p->mutable_received_on() = Today();
    p->set_payer_name("上海佳惠便利店有限公司");
    p->set_note(absl::StrCat("银行回单 ", bank_reference, "，核销发票 ", invoice.number()));
    req.set_apply_mode(finance::v1::APPLY_MODE_EXPLICIT);
    auto* a = req.add_allocations();
    a->set_invoice_id(invoice.id());
    *a->mutable_amount() = amount;
    finance::v1::RecordPaymentResponse resp;
    if (!Call("RecordPayment", finance_token_, finance_.get(), &FinanceStub::RecordPayment, req, &resp)) return false;
    *out = resp.payment();
    if (applications != nullptr) applications->assign(resp.applications().begin(), resp.applications().end());
    return true;
  }

  // A second payment under a bank reference already used: a definite
  // refusal (ALREADY_EXISTS) that must change nothing. Sent with a new
  // request id (it is a new request, not a retry); transient answers are
  // retried. Returns the definite code (OK would be a defect).
  grpc::StatusCode PayTwice(int64_t customer, const finance::v1::Invoice& invoice, const std::string& bank_reference) {
    finance::v1::RecordPaymentRequest req;
    req.set_request_id(Rid());
    auto* p = req.mutable_payment();
    p->set_customer_id(customer);
    *p->mutable_amount() = invoice.gross_total();
    p->set_method(finance::v1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference(bank_reference);
    *p->mutable_received_on() = Today();
    p->set_payer_name("上海佳惠便利店有限公司");
    p->set_note("重复录入的银行回单");
    req.set_apply_mode(finance::v1::APPLY_MODE_OLDEST_DUE_FIRST);
    absl::Time until = absl::Now() + absl::Seconds(120);
    for (;;) {
      auto ctx = Ctx(finance_token_);
      ctx->AddMetadata(kRequestIdHeader, req.request_id());
      finance::v1::RecordPaymentResponse resp;
      grpc::Status st = finance_->RecordPayment(ctx.get(), req, &resp);
      bool transient =
          st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
          st.error_code() == grpc::StatusCode::ABORTED || st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
          st.error_code() == grpc::StatusCode::UNKNOWN;
      if (!transient || absl::Now() > until) return st.error_code();
      ++retries_;
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  // The customer sends back `quantity` intact boxes of the order's first
  // line from outbound note `shipment_id`: the rep raises the return, the
  // clerk verifies it, the office manager approves it, the warehouse
  // receives it into the warehouse it shipped from (a return receipt: a
  // negative shipment, stock back, OrderReturnedEvent). `out` is the return
  // as received (return_shipment_id names the receipt). orders-svc alone.
  //
  // With `credit_memo`, also waits for finance's PENDING credit memo of the
  // return and issues it (finance). Only when the returned boxes had been
  // invoiced (an issued invoice): finance makes the memo from the orders
  // feed's OrderReturnedEvent (retried, as NOT_FOUND, until it is there);
  // un-invoiced boxes just stop being billable and make no memo.
  bool Return(const orders::v1::SalesOrder& order, int64_t shipment_id, int64_t quantity,
              orders::v1::ReturnRequest* out, finance::v1::CreditMemo* credit_memo = nullptr) {
    orders::v1::CreateReturnRequest cr;
    cr.set_request_id(Rid());
    auto* rr = cr.mutable_return_request();
    rr->set_order_id(order.id());
    rr->set_reason("客户库存积压，原箱退货");
    auto* rl = rr->add_lines();
    rl->set_order_line_id(order.lines(0).id());
    rl->set_shipment_id(shipment_id);
    rl->set_requested_quantity(quantity);
    rl->set_claimed_condition(orders::v1::ITEM_CONDITION_INTACT);
    orders::v1::CreateReturnResponse crr;
    if (!Call("CreateReturn", rep_token_, orders_.get(), &OrdersStub::CreateReturn, cr, &crr)) return false;
    orders::v1::VerifyReturnRequest vr;
    vr.set_request_id(Rid());
    vr.set_return_request_id(crr.return_request().id());
    vr.set_etag(crr.return_request().etag());
    vr.set_notes("品名、规格、数量、真伪已核对，外包装完好");
    for (const auto& l : crr.return_request().lines()) {
      auto* v = vr.add_lines();
      v->set_return_line_id(l.id());
      v->set_verified_quantity(l.requested_quantity());
      v->set_verified_condition(orders::v1::ITEM_CONDITION_INTACT);
    }
    orders::v1::VerifyReturnResponse vrr;
    if (!Call("VerifyReturn", clerk_token_, orders_.get(), &OrdersStub::VerifyReturn, vr, &vrr)) return false;
    orders::v1::ApproveReturnRequest ar;
    ar.set_request_id(Rid());
    ar.set_return_request_id(vrr.return_request().id());
    ar.set_etag(vrr.return_request().etag());
    ar.set_reason("核实无误，同意退货");
    orders::v1::ApproveReturnResponse arr;
    if (!Call("ApproveReturn", manager_token_, orders_.get(), &OrdersStub::ApproveReturn, ar, &arr)) return false;
    orders::v1::ReceiveReturnRequest rc;
    rc.set_request_id(Rid());
    rc.set_return_request_id(arr.return_request().id());
    rc.set_etag(arr.return_request().etag());
    rc.set_warehouse_id(warehouse_);
    *rc.mutable_return_date() = Today();
    orders::v1::ReceiveReturnResponse rcr;
    if (!Call("ReceiveReturn", keeper_token_, orders_.get(), &OrdersStub::ReceiveReturn, rc, &rcr)) return false;
    *out = rcr.return_request();
    if (credit_memo == nullptr) return true;
    return CreditReturn(*out, credit_memo);
  }

  // Finance issues the PENDING credit memo finance-svc made for a received
  // return (source RETURN; applied to its invoice's open balance, the rest
  // stays as customer credit). Feed dependency: the memo comes from the
  // orders feed's OrderReturnedEvent; looked up (retried as NOT_FOUND) until
  // it is there.
  bool CreditReturn(const orders::v1::ReturnRequest& received, finance::v1::CreditMemo* out) {
    finance::v1::ListCreditMemosRequest lm;
    lm.set_customer_id(received.customer_id());
    lm.add_states(finance::v1::MEMO_STATE_PENDING);
    lm.set_source(finance::v1::CREDIT_MEMO_SOURCE_RETURN);
    lm.set_page_size(500);
    finance::v1::CreditMemo pending;
    if (!Retry(
            "ListCreditMemos", finance_token_,
            [&](grpc::ClientContext* c) {
              finance::v1::ListCreditMemosResponse r;
              grpc::Status st = finance_->ListCreditMemos(c, lm, &r);
              if (!st.ok()) return st;
              for (const auto& m : r.credit_memos()) {
                if (m.return_id() == received.id()) {
                  pending = m;
                  return grpc::Status::OK;
                }
              }
              return grpc::Status(grpc::StatusCode::NOT_FOUND,
                                  absl::StrCat("no credit memo yet for return ", received.id(), " (orders feed)"));
            },
            nullptr, absl::Seconds(120)))
      return false;
    finance::v1::IssueCreditMemoRequest im;
    im.set_request_id(Rid());
    im.set_id(pending.id());
    im.set_etag(pending.etag());
    finance::v1::IssueCreditMemoResponse imr;
    if (!Call("IssueCreditMemo", finance_token_, finance_.get(), &FinanceStub::IssueCreditMemo, im, &imr)) return false;
    *out = imr.credit_memo();
    return true;
  }

  // The three daily sweeps once each for today, through the gateway with the
  // admin token (they are internal methods: SERVICE or ADMIN only): targets'
  // progress sweep, finance's collections sweep, customers' lapse sweep.
  // Each is safe to run twice for a date; a sweep already running elsewhere
  // answers a retryable code.
  struct SweepResults {
    targets::v1::RunDailyProgressSweepResponse progress;
    finance::v1::RunCollectionsSweepResponse collections;
    customers::v1::RunLapseSweepResponse lapse;
  };
  bool RunSweeps(SweepResults* out = nullptr) {
    SweepResults r;
    targets::v1::RunDailyProgressSweepRequest ps;
    ps.set_request_id(Rid());
    *ps.mutable_as_of() = Today();
    if (!Call("RunDailyProgressSweep", admin_, targets_.get(), &TargetsStub::RunDailyProgressSweep, ps, &r.progress))
      return false;
    finance::v1::RunCollectionsSweepRequest cs;
    cs.set_request_id(Rid());
    *cs.mutable_as_of() = Today();
    if (!Call("RunCollectionsSweep", admin_, finance_.get(), &FinanceStub::RunCollectionsSweep, cs, &r.collections))
      return false;
    customers::v1::RunLapseSweepRequest ls;
    ls.set_request_id(Rid());
    *ls.mutable_as_of() = Today();
    if (!Call("RunLapseSweep", admin_, customers_.get(), &CustomersStub::RunLapseSweep, ls, &r.lapse)) return false;
    if (out != nullptr) *out = std::move(r);
    return true;
  }

  // finance-svc's own check: both conservation identities per customer and
  // gap-free invoice numbering (FINANCE token). A read: not journaled.
  bool VerifyLedger(finance::v1::VerifyLedgerResponse* out, int64_t customer = 0) {
    finance::v1::VerifyLedgerRequest req;
    req.set_customer_id(customer);
    return Call("VerifyLedger", finance_token_, finance_.get(), &FinanceStub::VerifyLedger, req, out);
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
    if (!Call("SetCreditHold", finance_token_, finance_.get(), &FinanceStub::SetCreditHold, req, &resp,
              absl::Seconds(60)))
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
    return Call("ReleaseCreditHold", finance_token_, finance_.get(), &FinanceStub::ReleaseCreditHold, req, &resp,
                absl::Seconds(60));
  }

  // customers-svc's view of a customer's credit (its hold comes from the
  // finance feed).
  bool CreditProfile(int64_t customer, customers::v1::CreditProfile* out) {
    customers::v1::GetCreditProfileRequest gp;
    gp.set_customer_id(customer);
    customers::v1::GetCreditProfileResponse gpr;
    if (!Call("GetCreditProfile", finance_token_, customers_.get(), &CustomersStub::GetCreditProfile, gp, &gpr,
              absl::Seconds(60)))
      return false;
    *out = gpr.profile();
    return true;
  }

  // ---- the journal

  // One call through Retry (same request; its request id, when it has one,
  // also as the x-request-id header). A mutation (a request with a
  // request_id) that answered OK is journaled with its first answer.
  template <typename Stub, typename Req, typename Resp>
  bool Call(const std::string& what, const std::string& token, Stub* stub,
            grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req, Resp* resp,
            absl::Duration patience = absl::Seconds(120), grpc::StatusCode* first_failure = nullptr) {
    std::string request_id;
    if constexpr (fleet_company_internal::HasRequestId<Req>) request_id = req.request_id();
    if (!Retry(
            what, token, [&](grpc::ClientContext* c) { return (stub->*method)(c, req, resp); }, first_failure, patience,
            request_id))
      return false;
    if (request_id.empty()) return true;
    JournalEntry e;
    e.what = what;
    e.token = token;
    e.request_id = request_id;
    e.response = resp->SerializeAsString();
    e.replay = [this, stub, method, token, request_id, again = req](std::string* response_bytes) -> grpc::Status {
      auto ctx = Ctx(token, absl::Seconds(30));
      ctx->AddMetadata(kRequestIdHeader, request_id);
      Resp answer;
      grpc::Status st = (stub->*method)(ctx.get(), again, &answer);
      if (st.ok()) *response_bytes = answer.SerializeAsString();
      return st;
    };
    e.same = [](const std::string& first, const std::string& again, std::string* difference) {
      Resp a, b;
      if (!a.ParseFromString(first) || !b.ParseFromString(again)) {
        *difference = "an answer does not parse as " + std::string(Resp::descriptor()->full_name());
        return false;
      }
      google::protobuf::util::MessageDifferencer d;
      d.ReportDifferencesToString(difference);
      return d.Compare(a, b);
    };
    std::lock_guard<std::mutex> lock(journal_mu_);
    journal_.push_back(std::move(e));
    return true;
  }

  // Every acknowledged mutation so far, in the order acknowledged.
  std::vector<JournalEntry> journal() {
    std::lock_guard<std::mutex> lock(journal_mu_);
    return journal_;
  }

  // Sends every journaled request again (same token, same request id) and
  // checks that each answer is the first one (MessageDifferencer on the
  // parsed responses). An answer that is not definite (UNAVAILABLE,
  // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNKNOWN) is asked again for up to
  // `patience`; any other error, or a different answer, is a mismatch.
  // False with `mismatch` describing the first one.
  bool Replay(std::string* mismatch, absl::Duration patience = absl::Seconds(60)) {
    for (const JournalEntry& e : journal()) {
      std::string again, difference;
      grpc::Status st;
      absl::Time until = absl::Now() + patience;
      for (;;) {
        st = e.replay(&again);
        bool transient = st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                         st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                         st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                         st.error_code() == grpc::StatusCode::UNKNOWN;
        if (!transient || absl::Now() > until) break;
        absl::SleepFor(absl::Milliseconds(100));
      }
      if (!st.ok()) {
        if (mismatch != nullptr) {
          *mismatch =
              absl::StrCat(e.what, " request ", e.request_id, " sent again answered ",
                           static_cast<int>(st.error_code()), " ", st.error_message(), " instead of its first answer");
        }
        return false;
      }
      if (!e.same(e.response, again, &difference)) {
        if (mismatch != nullptr) {
          *mismatch = absl::StrCat(e.what, " request ", e.request_id,
                                   " sent again answered differently from the first time: ", difference);
        }
        return false;
      }
    }
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
      if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted_;
      bool retryable =
          st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
          st.error_code() == grpc::StatusCode::ABORTED || st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
          st.error_code() == grpc::StatusCode::UNKNOWN ||
          // A peer's replica has not yet applied the feed event
          // this call depends on.
          st.error_code() == grpc::StatusCode::NOT_FOUND || st.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
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

  // Today in the company's time zone (the services' business date).
  static common::v1::Date Today() { return FromCivilDay(absl::ToCivilDay(absl::Now(), CompanyTimeZone())); }

 private:
  // Records the first error of a step that went wrong without a call failing.
  void Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (error_.empty()) error_ = message;
  }

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
  std::atomic<int64_t> exhausted_{0};
  std::mutex error_mu_;
  std::string error_;
  std::mutex journal_mu_;
  std::vector<JournalEntry> journal_;
};

}  // namespace sales::testing
