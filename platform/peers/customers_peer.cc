#include "platform/peers/customers_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace cv1 = ::sales::customers::v1;

absl::StatusOr<cv1::Customer> CustomersPeer::FetchCustomer(const CallContext* call, int64_t customer_id) {
  return AskAlone<cv1::Customer>(call, deadline(), [&](PeerBatch& b, auto* out) { GetCustomer(b, customer_id, out); });
}

absl::StatusOr<std::optional<cv1::CreditProfile>> CustomersPeer::FetchCreditProfile(const CallContext* call,
                                                                                    int64_t customer_id) {
  return AskAlone<std::optional<cv1::CreditProfile>>(
      call, deadline(), [&](PeerBatch& b, auto* out) { GetCreditProfile(b, customer_id, out); });
}

void GrpcCustomersPeer::GetCustomer(PeerBatch& batch, int64_t customer_id, absl::StatusOr<cv1::Customer>* out) {
  cv1::GetCustomerRequest req;
  req.set_id(customer_id);
  Ask<cv1::GetCustomerRequest, cv1::GetCustomerResponse>(
      batch, "GetCustomer", std::move(req), out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetCustomer(ctx, rq, rs, std::move(done)); },
      [](const cv1::GetCustomerResponse& r) { return r.customer(); },
      [customer_id]() -> absl::StatusOr<cv1::Customer> { return NotFound("customer", customer_id); });
}

void GrpcCustomersPeer::ResolveCreditedRep(PeerBatch& batch, const cv1::ResolveCreditedRepRequest& request,
                                           absl::StatusOr<cv1::ResolveCreditedRepResponse>* out) {
  Ask<cv1::ResolveCreditedRepRequest, cv1::ResolveCreditedRepResponse>(
      batch, "ResolveCreditedRep", request, out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->ResolveCreditedRep(ctx, rq, rs, std::move(done));
      },
      [](const cv1::ResolveCreditedRepResponse& r) { return r; });
}

void GrpcCustomersPeer::GetCreditProfile(PeerBatch& batch, int64_t customer_id,
                                         absl::StatusOr<std::optional<cv1::CreditProfile>>* out) {
  cv1::GetCreditProfileRequest req;
  req.set_customer_id(customer_id);
  Ask<cv1::GetCreditProfileRequest, cv1::GetCreditProfileResponse>(
      batch, "GetCreditProfile", std::move(req), out,
      [](Stub* s, auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->GetCreditProfile(ctx, rq, rs, std::move(done));
      },
      [](const cv1::GetCreditProfileResponse& r) { return std::optional<cv1::CreditProfile>(r.profile()); },
      []() -> absl::StatusOr<std::optional<cv1::CreditProfile>> { return std::nullopt; });
}

}  // namespace sales::peers
