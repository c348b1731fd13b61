// customers-svc as its peers ask it (orders: the customer, who is credited
// with an order, the credit profile; finance: payment terms). An interface,
// so application code is tested with FakeCustomersPeer
// (tests/testing/fake_peers.h); GrpcCustomersPeer is the real one.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "platform/peers/peer_batch.h"
#include "platform/peers/peer_status.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::peers {

class CustomersPeer {
 public:
  virtual ~CustomersPeer() = default;
  // Each starts one call in `batch`; *out is written before batch.Wait()
  // returns. Failures as peer_status.h maps them.
  // NOT_FOUND (resource "customer") when there is no such customer.
  virtual void GetCustomer(PeerBatch& batch, int64_t customer_id, absl::StatusOr<customers::v1::Customer>* out) = 0;
  virtual void ResolveCreditedRep(PeerBatch& batch, const customers::v1::ResolveCreditedRepRequest& request,
                                  absl::StatusOr<customers::v1::ResolveCreditedRepResponse>* out) = 0;
  // nullopt: the customer has no credit profile.
  virtual void GetCreditProfile(PeerBatch& batch, int64_t customer_id,
                                absl::StatusOr<std::optional<customers::v1::CreditProfile>>* out) = 0;
  // How long one question alone may take (config "peer_deadline").
  virtual absl::Duration deadline() const = 0;

  // One question alone, waited for.
  absl::StatusOr<customers::v1::Customer> FetchCustomer(const CallContext* call, int64_t customer_id);
  absl::StatusOr<std::optional<customers::v1::CreditProfile>> FetchCreditProfile(const CallContext* call,
                                                                                 int64_t customer_id);
};

class GrpcCustomersPeer final : public CustomersPeer, private GrpcPeer<customers::v1::CustomersService> {
 public:
  explicit GrpcCustomersPeer(const ServiceRuntime& rt) : GrpcPeer(rt, "customers") {}
  void GetCustomer(PeerBatch& batch, int64_t customer_id, absl::StatusOr<customers::v1::Customer>* out) override;
  void ResolveCreditedRep(PeerBatch& batch, const customers::v1::ResolveCreditedRepRequest& request,
                          absl::StatusOr<customers::v1::ResolveCreditedRepResponse>* out) override;
  void GetCreditProfile(PeerBatch& batch, int64_t customer_id,
                        absl::StatusOr<std::optional<customers::v1::CreditProfile>>* out) override;
  absl::Duration deadline() const override { return link_.deadline(); }
};

}  // namespace sales::peers
