// Who holds a customer (domain.md §4, seed 001 客户登记制度, 首问负责制,
// 交接): a rep claims a pool customer (公海), the owner or their manager
// releases a prospect to the pool, a manager transfers a customer between
// reps or hands a leaving rep's customers over to others, and a referral
// (老客户介绍) is registered ahead of the referred person's first visit or
// cancelled. Family members move with their primary.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/customers/v1/ownership.pb.h"

namespace sales::customers {

class CustomerHandover {
 public:
  // `targets_configured`: the org copy is fed by targets-svc, so receiving
  // reps are checked against it (CheckOwner).
  CustomerHandover(const Clock& clock, Outbox& outbox, bool targets_configured)
      : clock_(clock), outbox_(outbox), targets_configured_(targets_configured) {}

  // Each `request` is well formed (api/ checked ids, etags, reasons and
  // that a claim comes from a rep). Customers are row-locked first.

  // The calling rep takes a pool customer; a prospect is protected from
  // today. FAILED_PRECONDITION unless it is in the pool and not blacklisted
  // or a family member.
  absl::StatusOr<v1::ClaimCustomerResponse> Claim(db::Transaction& tx, const CallContext& call,
                                                  const v1::ClaimCustomerRequest& request);
  // The owner or their manager gives a protected prospect back to the pool.
  absl::StatusOr<v1::ReleaseCustomerResponse> Release(db::Transaction& tx, const CallContext& call,
                                                      const v1::ReleaseCustomerRequest& request);
  // A manager of both reps moves a customer; a prospect starts a fresh
  // window with its new owner.
  absl::StatusOr<v1::TransferCustomerResponse> Transfer(db::Transaction& tx, const CallContext& call,
                                                        const v1::TransferCustomerRequest& request);
  // A manager of the giving and the receiving reps hands the giving rep's
  // customers (of `statuses`, all when empty) to the receivers in turn,
  // under one hand-over record.
  absl::StatusOr<v1::HandOverCustomersResponse> HandOver(db::Transaction& tx, const CallContext& call,
                                                         const v1::HandOverCustomersRequest& request,
                                                         const std::vector<int64_t>& statuses);
  // `referral` is the request's with its phone normalised. ALREADY_EXISTS
  // when the phone is a customer already or has a pending referral.
  absl::StatusOr<v1::RegisterReferralResponse> RegisterReferral(db::Transaction& tx, const CallContext& call,
                                                                v1::Referral referral);
  absl::StatusOr<v1::CancelReferralResponse> CancelReferral(db::Transaction& tx, const CallContext& call,
                                                            const v1::CancelReferralRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
  const bool targets_configured_;
};

}  // namespace sales::customers
