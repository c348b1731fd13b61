#include "platform/peers/customers_peer.h"

#include "platform/status.h"

namespace sales::peers {

namespace cv1 = ::sales::customers::v1;

absl::StatusOr<cv1::Customer> CustomersPeer::FetchCustomer(const CallContext* call, int64_t customer_id) {
  absl::StatusOr<cv1::Customer> out;
  PeerBatch batch(call, deadline());
  GetCustomer(batch, customer_id, &out);
  batch.Wait();
  return out;
}

absl::StatusOr<std::optional<cv1::CreditProfile>> CustomersPeer::FetchCreditProfile(const CallContext* call,
                                                                                   int64_t customer_id) {
  absl::StatusOr<std::optional<cv1::CreditProfile>> out;
  PeerBatch batch(call, deadline());
  GetCreditProfile(batch, customer_id, &out);
  batch.Wait();
  return out;
}

absl::StatusOr<cv1::CustomersService::Stub*> GrpcCustomersPeer::Stub() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stub_ == nullptr) {
    SALES_ASSIGN_OR_RETURN(auto channel, link_.Channel());
    stub_ = cv1::CustomersService::NewStub(channel);
  }
  return stub_.get();
}

void GrpcCustomersPeer::GetCustomer(PeerBatch& batch, int64_t customer_id, absl::StatusOr<cv1::Customer>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  cv1::GetCustomerRequest req;
  req.set_id(customer_id);
  batch.Call<cv1::GetCustomerRequest, cv1::GetCustomerResponse>(
      link_.Context(batch.call()), std::move(req),
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) { s->async()->GetCustomer(ctx, rq, rs, std::move(done)); },
      [this, out, customer_id](const grpc::Status& st, const cv1::GetCustomerResponse& resp) {
        if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
          *out = NotFound("customer", customer_id);
        } else if (!st.ok()) {
          *out = link_.Failure("GetCustomer", st);
        } else {
          *out = resp.customer();
        }
      });
}

void GrpcCustomersPeer::ResolveCreditedRep(PeerBatch& batch, const cv1::ResolveCreditedRepRequest& request,
                                           absl::StatusOr<cv1::ResolveCreditedRepResponse>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  batch.Call<cv1::ResolveCreditedRepRequest, cv1::ResolveCreditedRepResponse>(
      link_.Context(batch.call()), request,
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->ResolveCreditedRep(ctx, rq, rs, std::move(done));
      },
      [this, out](const grpc::Status& st, const cv1::ResolveCreditedRepResponse& resp) {
        if (!st.ok()) {
          *out = link_.Failure("ResolveCreditedRep", st);
        } else {
          *out = resp;
        }
      });
}

void GrpcCustomersPeer::GetCreditProfile(PeerBatch& batch, int64_t customer_id,
                                         absl::StatusOr<std::optional<cv1::CreditProfile>>* out) {
  auto stub = Stub();
  if (!stub.ok()) {
    *out = stub.status();
    return;
  }
  cv1::GetCreditProfileRequest req;
  req.set_customer_id(customer_id);
  batch.Call<cv1::GetCreditProfileRequest, cv1::GetCreditProfileResponse>(
      link_.Context(batch.call()), std::move(req),
      [s = *stub](auto* ctx, auto* rq, auto* rs, auto done) {
        s->async()->GetCreditProfile(ctx, rq, rs, std::move(done));
      },
      [this, out](const grpc::Status& st, const cv1::GetCreditProfileResponse& resp) {
        if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
          *out = std::optional<cv1::CreditProfile>();
        } else if (!st.ok()) {
          *out = link_.Failure("GetCreditProfile", st);
        } else {
          *out = std::optional<cv1::CreditProfile>(resp.profile());
        }
      });
}

}  // namespace sales::peers
