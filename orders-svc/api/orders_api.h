// gRPC handlers of orders-svc: validate, authorize, call the store, map
// errors. Products, prices, policy, quotes, sales orders, approvals, audit
// and stock live here; shipments, deliveries, documents, returns and reports
// in the FulfilmentApi base, so one service object serves OrdersService.
#pragma once

#include "orders-svc/api/fulfilment_api.h"
#include "platform/service_app.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"

namespace sales::orders {

class OrdersApi final : public FulfilmentApi {
 public:
  explicit OrdersApi(ServiceRuntime& runtime) : FulfilmentApi(runtime) {}

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
#undef SALES_RPC
  // The order desk's methods that wait on peers (customers-svc, finance-svc)
  // run on the worker pool, asking them in parallel where there are
  // several, so no request thread waits with them.
#define SALES_PEER_RPC(Name)                                                                            \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx, const v1::Name##Request* req,         \
                                 v1::Name##Response* resp) override;                                     \
  grpc::Status Name##Now(grpc::ServerContextBase* ctx, const v1::Name##Request* req, v1::Name##Response* resp)
  SALES_PEER_RPC(CreateOrder);
  SALES_PEER_RPC(ConfirmOrder);
  SALES_PEER_RPC(CheckOrderCredit);
#undef SALES_PEER_RPC

  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;
};

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::orders
