// gRPC handlers of orders-svc fulfilment: shipment requisitions, outbound
// notes, deliveries, controlled documents (提货证明单, 出库单) and their
// reprints, returns (退货) and the §8 reports. OrdersApi (products, prices,
// quotes, orders, stock) derives from this class, so one gRPC service object
// serves the whole OrdersService.
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

class FulfilmentApi : public OrdersServiceBase {
 public:
  explicit FulfilmentApi(ServiceRuntime& rt)
      : rt_(rt),
        customers_(std::make_unique<peers::GrpcCustomersPeer>(rt)),
        finance_(std::make_unique<peers::GrpcFinancePeer>(rt)),
        targets_(std::make_unique<peers::GrpcTargetsPeer>(rt)) {}

#define SALES_FULFILMENT_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Shipping (需货申请单 → 提货证明单 → 销售出库单 → 客户确认单).
  SALES_FULFILMENT_RPC(RequestShipment);
  SALES_FULFILMENT_RPC(GetShipmentRequisition);
  SALES_FULFILMENT_RPC(ListShipmentRequisitions);
  SALES_FULFILMENT_RPC(ApproveShipmentRequisition);
  SALES_FULFILMENT_RPC(RejectShipmentRequisition);
  SALES_FULFILMENT_RPC(CancelShipmentRequisition);
  SALES_FULFILMENT_RPC(PostShipment);
  SALES_FULFILMENT_RPC(GetShipment);
  SALES_FULFILMENT_RPC(ListShipments);
  SALES_FULFILMENT_RPC(RecordDelivery);
  // Controlled documents.
  SALES_FULFILMENT_RPC(ListDocuments);
  SALES_FULFILMENT_RPC(PrintDocument);
  SALES_FULFILMENT_RPC(RequestReprint);
  SALES_FULFILMENT_RPC(ApproveReprint);
  SALES_FULFILMENT_RPC(RejectReprint);
  // Returns (退货).
  SALES_FULFILMENT_RPC(CreateReturn);
  SALES_FULFILMENT_RPC(GetReturn);
  SALES_FULFILMENT_RPC(ListReturns);
  SALES_FULFILMENT_RPC(VerifyReturn);
  SALES_FULFILMENT_RPC(ApproveReturn);
  SALES_FULFILMENT_RPC(RejectReturn);
  SALES_FULFILMENT_RPC(CancelReturn);
  SALES_FULFILMENT_RPC(ReceiveReturn);
  // Reports (§8).
  SALES_FULFILMENT_RPC(GetSalesByRepReport);
  SALES_FULFILMENT_RPC(GetSalesByRegionReport);
  SALES_FULFILMENT_RPC(GetSalesByProductLineReport);
  SALES_FULFILMENT_RPC(GetDistributorPurchasesReport);
  SALES_FULFILMENT_RPC(GetLateShipmentsReport);
  SALES_FULFILMENT_RPC(GetOpenOrdersReport);
#undef SALES_FULFILMENT_RPC

 protected:
  // Shared with OrdersApi: clock, database, outbox, verifier.
  ServiceRuntime& rt_;
  // The peers orders asks (typed clients; fakes in application tests).
  std::unique_ptr<peers::CustomersPeer> customers_;
  std::unique_ptr<peers::FinancePeer> finance_;
  std::unique_ptr<peers::TargetsPeer> targets_;
};

}  // namespace sales::orders
