// finance-svc as its peers ask it (orders: a customer's open exposure when
// confirming). An interface, faked by FakeFinancePeer.
#pragma once

#include "absl/status/statusor.h"
#include "platform/peers/peer_batch.h"
#include "platform/peers/peer_status.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"

namespace sales::peers {

class FinancePeer {
 public:
  virtual ~FinancePeer() = default;
  // What the customer owes and has on order (a customer finance has not
  // seen yet owes nothing: finance answers zeros, not NOT_FOUND).
  virtual void GetCustomerExposure(PeerBatch& batch, int64_t customer_id,
                                   absl::StatusOr<finance::v1::CustomerExposure>* out) = 0;
  virtual absl::Duration deadline() const = 0;
};

class GrpcFinancePeer final : public FinancePeer, private GrpcPeer<finance::v1::FinanceService> {
 public:
  explicit GrpcFinancePeer(const ServiceRuntime& rt) : GrpcPeer(rt, "finance") {}
  void GetCustomerExposure(PeerBatch& batch, int64_t customer_id,
                           absl::StatusOr<finance::v1::CustomerExposure>* out) override;
  absl::Duration deadline() const override { return link_.deadline(); }
};

}  // namespace sales::peers
