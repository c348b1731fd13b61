// The gRPC surface of orders-svc: one class, its handlers split across
// files by resource — catalog_api.cc (products, prices, policy), quote_api.cc,
// order_api.cc (orders, approvals, audit), stock_api.cc, shipping_api.cc,
// documents_api.cc, returns_api.cc, reports_api.cc. A handler parses,
// authorizes, calls its use case (app/) or store, and converts.
#pragma once

#include <memory>

#include "platform/peers/customers_peer.h"
#include "platform/peers/finance_peer.h"
#include "platform/peers/targets_peer.h"
#include "platform/service_app.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"

namespace sales::orders {

// The generated service with the methods that run as callbacks (feeds on
// the feed pool, the order desk's peer-waiting methods on the worker pool).
using OrdersServiceBase = v1::OrdersService::WithCallbackMethod_StreamEvents<
    v1::OrdersService::WithCallbackMethod_CreateOrder<v1::OrdersService::WithCallbackMethod_ConfirmOrder<
        v1::OrdersService::WithCallbackMethod_CheckOrderCredit<v1::OrdersService::Service>>>>;

class OrdersApi final : public OrdersServiceBase {
 public:
  explicit OrdersApi(ServiceRuntime& rt)
      : rt_(rt),
        customers_(std::make_unique<peers::GrpcCustomersPeer>(rt)),
        finance_(std::make_unique<peers::GrpcFinancePeer>(rt)),
        targets_(std::make_unique<peers::GrpcTargetsPeer>(rt)) {}

#define SALES_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Products and prices.
  SALES_RPC(CreateProduct);
  SALES_RPC(GetProduct);
  SALES_RPC(UpdateProduct);
  SALES_RPC(ListProducts);
  SALES_RPC(DiscontinueProduct);
  SALES_RPC(ReactivateProduct);
  SALES_RPC(CreatePriceList);
  SALES_RPC(GetPriceList);
  SALES_RPC(UpdatePriceList);
  SALES_RPC(ListPriceLists);
  SALES_RPC(RetirePriceList);
  SALES_RPC(ResolvePrice);
  SALES_RPC(GetOrderPolicy);
  SALES_RPC(UpdateOrderPolicy);
  // Approvals and audit.
  SALES_RPC(ListPendingApprovals);
  SALES_RPC(ListAuditEntries);
  // Quotes.
  SALES_RPC(CreateQuote);
  SALES_RPC(GetQuote);
  SALES_RPC(ListQuotes);
  SALES_RPC(UpdateQuote);
  SALES_RPC(SubmitQuote);
  SALES_RPC(ApproveQuote);
  SALES_RPC(RejectQuote);
  SALES_RPC(CancelQuote);
  SALES_RPC(ConvertQuoteToOrder);
  SALES_RPC(ExpireQuotes);
  // Sales orders.
  SALES_RPC(GetOrder);
  SALES_RPC(ListOrders);
  SALES_RPC(UpdateOrder);
  SALES_RPC(SubmitOrder);
  SALES_RPC(ApproveOrder);
  SALES_RPC(RejectOrder);
  SALES_RPC(ReleaseCreditHold);
  SALES_RPC(CancelOrder);
  SALES_RPC(CloseOrder);
  SALES_RPC(MarkLateOrders);
  SALES_RPC(GetCustomerExposure);
  // Stock.
  SALES_RPC(CreateWarehouse);
  SALES_RPC(GetWarehouse);
  SALES_RPC(ListWarehouses);
  SALES_RPC(UpdateWarehouse);
  SALES_RPC(ListStockLevels);
  SALES_RPC(RecordStockReceipt);
  SALES_RPC(AdjustStock);
  SALES_RPC(TransferStock);
  SALES_RPC(ListStockMovements);
  SALES_RPC(ListReservations);
  // Shipping (需货申请单 → 提货证明单 → 销售出库单 → 客户确认单).
  SALES_RPC(RequestShipment);
  SALES_RPC(GetShipmentRequisition);
  SALES_RPC(ListShipmentRequisitions);
  SALES_RPC(ApproveShipmentRequisition);
  SALES_RPC(RejectShipmentRequisition);
  SALES_RPC(CancelShipmentRequisition);
  SALES_RPC(PostShipment);
  SALES_RPC(GetShipment);
  SALES_RPC(ListShipments);
  SALES_RPC(RecordDelivery);
  // Controlled documents.
  SALES_RPC(ListDocuments);
  SALES_RPC(PrintDocument);
  SALES_RPC(RequestReprint);
  SALES_RPC(ApproveReprint);
  SALES_RPC(RejectReprint);
  // Returns (退货).
  SALES_RPC(CreateReturn);
  SALES_RPC(GetReturn);
  SALES_RPC(ListReturns);
  SALES_RPC(VerifyReturn);
  SALES_RPC(ApproveReturn);
  SALES_RPC(RejectReturn);
  SALES_RPC(CancelReturn);
  SALES_RPC(ReceiveReturn);
  // Reports (§8).
  SALES_RPC(GetSalesByRepReport);
  SALES_RPC(GetSalesByRegionReport);
  SALES_RPC(GetSalesByProductLineReport);
  SALES_RPC(GetDistributorPurchasesReport);
  SALES_RPC(GetLateShipmentsReport);
  SALES_RPC(GetOpenOrdersReport);
#undef SALES_RPC
  // The order desk's methods that wait on peers (customers-svc, finance-svc)
  // run on the worker pool, asking them in parallel where there are
  // several, so no request thread waits with them.
#define SALES_PEER_RPC(Name)                                                                     \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx, const v1::Name##Request* req, \
                                 v1::Name##Response* resp) override;                             \
  grpc::Status Name##Now(grpc::ServerContextBase* ctx, const v1::Name##Request* req, v1::Name##Response* resp)
  SALES_PEER_RPC(CreateOrder);
  SALES_PEER_RPC(ConfirmOrder);
  SALES_PEER_RPC(CheckOrderCredit);
#undef SALES_PEER_RPC

  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;

 private:
  // Clock, database, outbox, verifier, worker and feed pools.
  ServiceRuntime& rt_;
  // The peers orders asks (typed clients; fakes in application tests).
  std::unique_ptr<peers::CustomersPeer> customers_;
  std::unique_ptr<peers::FinancePeer> finance_;
  std::unique_ptr<peers::TargetsPeer> targets_;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::orders
