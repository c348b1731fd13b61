#include "platform/peers/targets_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace tv1 = ::sales::targets::v1;

absl::StatusOr<std::optional<tv1::ProductLine>> TargetsPeer::FetchProductLine(const CallContext* call, int64_t id) {
  absl::StatusOr<std::optional<tv1::ProductLine>> out;
  PeerBatch batch(call, deadline());
  GetProductLine(batch, id, &out);
  batch.Wait();
  return out;
}

absl::StatusOr<tv1::TargetsService::Stub*> GrpcTargetsPeer::Stub() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stub_ == nullptr) {
    SALES_ASSIGN_OR_RETURN(auto channel, link_.Channel());
    stub_ = tv1::TargetsService::NewStub(channel);
  }
  return stub_.get();
}

void GrpcTargetsPeer::GetProductLine(PeerBatch& batch, int64_t id,
                                     absl::StatusOr<std::optional<tv1::ProductLine>>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  tv1::GetProductLineRequest req;
  req.set_id(id);
  batch.Call<tv1::GetProductLineRequest, tv1::GetProductLineResponse>(
      link_.Context(batch.call()), std::move(req),
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetProductLine(ctx, rq, rs, std::move(done)); },
      [this, out](const grpc::Status& st, const tv1::GetProductLineResponse& resp) {
        if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
          *out = std::optional<tv1::ProductLine>();
        } else if (!st.ok()) {
          *out = link_.Failure("GetProductLine", st);
        } else {
          *out = std::optional<tv1::ProductLine>(resp.product_line());
        }
      });
}

void GrpcTargetsPeer::GetProgress(PeerBatch& batch, const tv1::GetProgressRequest& request,
                                  absl::StatusOr<tv1::Progress>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  batch.Call<tv1::GetProgressRequest, tv1::GetProgressResponse>(
      link_.Context(batch.call()), request,
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetProgress(ctx, rq, rs, std::move(done)); },
      [this, out](const grpc::Status& st, const tv1::GetProgressResponse& resp) {
        if (!st.ok()) {
          *out = link_.Failure("GetProgress", st);
        } else {
          *out = resp.progress();
        }
      });
}

void GrpcTargetsPeer::GetOrgUnit(PeerBatch& batch, int64_t id, absl::StatusOr<std::optional<tv1::OrgUnit>>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  tv1::GetOrgUnitRequest req;
  req.set_id(id);
  batch.Call<tv1::GetOrgUnitRequest, tv1::GetOrgUnitResponse>(
      link_.Context(batch.call()), std::move(req),
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetOrgUnit(ctx, rq, rs, std::move(done)); },
      [this, out](const grpc::Status& st, const tv1::GetOrgUnitResponse& resp) {
        if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
          *out = std::optional<tv1::OrgUnit>();
        } else if (!st.ok()) {
          *out = link_.Failure("GetOrgUnit", st);
        } else {
          *out = std::optional<tv1::OrgUnit>(resp.org_unit());
        }
      });
}

}  // namespace sales::peers
