// gRPC handlers of orders-svc fulfilment: shipment requisitions, outbound
// notes, deliveries, controlled documents (提货证明单, 出库单) and their
// reprints, returns (退货) and the §8 reports. OrdersApi (products, prices,
// quotes, orders, stock) derives from this class, so one gRPC service object
// serves the whole OrdersService.
#pragma once

#include "platform/service_app.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"

namespace sales::orders {

class FulfilmentApi : public v1::OrdersService::Service {
 public:
  explicit FulfilmentApi(ServiceRuntime& rt) : rt_(rt) {}

 protected:
  // Shared with OrdersApi: clock, database, outbox, verifier, peers.
  ServiceRuntime& rt_;
};

}  // namespace sales::orders
