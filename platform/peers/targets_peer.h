// targets-svc as its peers ask it (orders: a product line when a product
// moves to it; finance: attainment and managers for commissions). An
// interface, faked by FakeTargetsPeer.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "platform/peers/peer_batch.h"
#include "platform/peers/peer_status.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::peers {

class TargetsPeer {
 public:
  virtual ~TargetsPeer() = default;
  // nullopt: no such product line.
  virtual void GetProductLine(PeerBatch& batch, int64_t id,
                              absl::StatusOr<std::optional<targets::v1::ProductLine>>* out) = 0;
  // A node's attainment for a period (targets' own NOT_FOUND passes through).
  virtual void GetProgress(PeerBatch& batch, const targets::v1::GetProgressRequest& request,
                           absl::StatusOr<targets::v1::Progress>* out) = 0;
  // nullopt: no such org unit.
  virtual void GetOrgUnit(PeerBatch& batch, int64_t id, absl::StatusOr<std::optional<targets::v1::OrgUnit>>* out) = 0;
  virtual absl::Duration deadline() const = 0;

  // One question alone, waited for.
  absl::StatusOr<std::optional<targets::v1::ProductLine>> FetchProductLine(const CallContext* call, int64_t id);
};

class GrpcTargetsPeer final : public TargetsPeer, private GrpcPeer<targets::v1::TargetsService> {
 public:
  explicit GrpcTargetsPeer(const ServiceRuntime& rt) : GrpcPeer(rt, "targets") {}
  void GetProductLine(PeerBatch& batch, int64_t id,
                      absl::StatusOr<std::optional<targets::v1::ProductLine>>* out) override;
  void GetProgress(PeerBatch& batch, const targets::v1::GetProgressRequest& request,
                   absl::StatusOr<targets::v1::Progress>* out) override;
  void GetOrgUnit(PeerBatch& batch, int64_t id, absl::StatusOr<std::optional<targets::v1::OrgUnit>>* out) override;
  absl::Duration deadline() const override { return link_.deadline(); }
};

}  // namespace sales::peers
