#include "platform/peers/targets_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace tv1 = ::sales::targets::v1;

absl::StatusOr<std::optional<tv1::ProductLine>> TargetsPeer::FetchProductLine(const CallContext* call, int64_t id) {
  return AskAlone<std::optional<tv1::ProductLine>>(call, deadline(),
                                                   [&](PeerBatch& b, auto* out) { GetProductLine(b, id, out); });
}

void GrpcTargetsPeer::GetProductLine(PeerBatch& batch, int64_t id,
                                     absl::StatusOr<std::optional<tv1::ProductLine>>* out) {
  tv1::GetProductLineRequest req;
  req.set_id(id);
  Ask<tv1::GetProductLineRequest, tv1::GetProductLineResponse>(
      batch, "GetProductLine", std::move(req), out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->GetProductLine(ctx, rq, rs, std::move(done));
      },
      [](const tv1::GetProductLineResponse& r) { return std::optional<tv1::ProductLine>(r.product_line()); },
      []() -> absl::StatusOr<std::optional<tv1::ProductLine>> { return std::nullopt; });
}

void GrpcTargetsPeer::GetProgress(PeerBatch& batch, const tv1::GetProgressRequest& request,
                                  absl::StatusOr<tv1::Progress>* out) {
  Ask<tv1::GetProgressRequest, tv1::GetProgressResponse>(
      batch, "GetProgress", request, out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetProgress(ctx, rq, rs, std::move(done)); },
      [](const tv1::GetProgressResponse& r) { return r.progress(); });
}

void GrpcTargetsPeer::GetOrgUnit(PeerBatch& batch, int64_t id, absl::StatusOr<std::optional<tv1::OrgUnit>>* out) {
  tv1::GetOrgUnitRequest req;
  req.set_id(id);
  Ask<tv1::GetOrgUnitRequest, tv1::GetOrgUnitResponse>(
      batch, "GetOrgUnit", std::move(req), out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetOrgUnit(ctx, rq, rs, std::move(done)); },
      [](const tv1::GetOrgUnitResponse& r) { return std::optional<tv1::OrgUnit>(r.org_unit()); },
      []() -> absl::StatusOr<std::optional<tv1::OrgUnit>> { return std::nullopt; });
}

}  // namespace sales::peers
