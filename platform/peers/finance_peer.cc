#include "platform/peers/finance_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace fv1 = ::sales::finance::v1;

absl::StatusOr<fv1::FinanceService::Stub*> GrpcFinancePeer::Stub() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stub_ == nullptr) {
    SALES_ASSIGN_OR_RETURN(auto channel, link_.Channel());
    stub_ = fv1::FinanceService::NewStub(channel);
  }
  return stub_.get();
}

void GrpcFinancePeer::GetCustomerExposure(PeerBatch& batch, int64_t customer_id,
                                          absl::StatusOr<fv1::CustomerExposure>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  fv1::GetCustomerExposureRequest req;
  req.set_customer_id(customer_id);
  batch.Call<fv1::GetCustomerExposureRequest, fv1::GetCustomerExposureResponse>(
      link_.Context(batch.call()), std::move(req),
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->GetCustomerExposure(ctx, rq, rs, std::move(done));
      },
      [this, out](const grpc::Status& st, const fv1::GetCustomerExposureResponse& resp) {
        if (!st.ok()) {
          *out = link_.Failure("GetCustomerExposure", st);
        } else {
          *out = resp.exposure();
        }
      });
}

}  // namespace sales::peers
