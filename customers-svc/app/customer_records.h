// A customer's master data and what hangs on it (domain.md §4): updates
// under etags, the demand grade (the manager's call from the market
// intelligence), the blacklist and lifting it, contacts, and family links
// (直系亲属视为同一客户: a member follows its primary's owner).
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/contact.pb.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

class CustomerRecords {
 public:
  CustomerRecords(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, update masks, lengths
  // and reasons). The customer is row-locked and its etag checked first;
  // PERMISSION_DENIED unless the caller may change it.

  // The owner or their manager changes the masked fields; the new keys must
  // not collide with another customer's.
  absl::StatusOr<v1::UpdateCustomerResponse> Update(db::Transaction& tx, const CallContext& call,
                                                    const v1::UpdateCustomerRequest& request);
  absl::StatusOr<v1::SetDemandGradeResponse> SetDemandGrade(db::Transaction& tx, const CallContext& call,
                                                            const v1::SetDemandGradeRequest& request);
  absl::StatusOr<v1::BlacklistCustomerResponse> Blacklist(db::Transaction& tx, const CallContext& call,
                                                          const v1::BlacklistCustomerRequest& request);
  absl::StatusOr<v1::UnblacklistCustomerResponse> Unblacklist(db::Transaction& tx, const CallContext& call,
                                                              const v1::UnblacklistCustomerRequest& request);

  // `contact` is the request's contact checked and normalised by api/.
  absl::StatusOr<v1::AddContactResponse> AddContact(db::Transaction& tx, const CallContext& call,
                                                    const v1::AddContactRequest& request, const v1::Contact& contact);
  absl::StatusOr<v1::UpdateContactResponse> UpdateContact(db::Transaction& tx, const CallContext& call,
                                                          const v1::UpdateContactRequest& request);
  absl::StatusOr<v1::RemoveContactResponse> RemoveContact(db::Transaction& tx, const CallContext& call,
                                                          const v1::RemoveContactRequest& request);

  // Links a member to a primary: both locked in id order; the member moves
  // to the primary's owner.
  absl::StatusOr<v1::LinkFamilyMemberResponse> LinkFamilyMember(db::Transaction& tx, const CallContext& call,
                                                                const v1::LinkFamilyMemberRequest& request);
  // A manager removes a link: the member goes back to the owner it had
  // before (while still with the company), else to the pool.
  absl::StatusOr<v1::UnlinkFamilyMemberResponse> UnlinkFamilyMember(db::Transaction& tx, const CallContext& call,
                                                                    const v1::UnlinkFamilyMemberRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
