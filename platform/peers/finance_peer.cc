#include "platform/peers/finance_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace fv1 = ::sales::finance::v1;

void GrpcFinancePeer::GetCustomerExposure(PeerBatch& batch, int64_t customer_id,
                                          absl::StatusOr<fv1::CustomerExposure>* out) {
  fv1::GetCustomerExposureRequest req;
  req.set_customer_id(customer_id);
  Ask<fv1::GetCustomerExposureRequest, fv1::GetCustomerExposureResponse>(
      batch, "GetCustomerExposure", std::move(req), out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->GetCustomerExposure(ctx, rq, rs, std::move(done));
      },
      [](const fv1::GetCustomerExposureResponse& r) { return r.exposure(); });
}

}  // namespace sales::peers
