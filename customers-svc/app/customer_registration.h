// Registering a customer (客户登记制度, 首问负责制; domain.md §4
// Duplicates): the first rep to register a prospect holds it; a customer
// already registered under any of its keys (phone, a contact's phone, tax
// id, normalised name) is refused, naming the holder so the caller can talk
// to them. The duplicate check answers the same question before
// registering.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

class CustomerRegistration {
 public:
  // `targets_configured`: the org copy is fed by targets-svc, so owners are
  // checked against it (CheckOwner).
  CustomerRegistration(const Clock& clock, Outbox& outbox, bool targets_configured)
      : clock_(clock), outbox_(outbox), targets_configured_(targets_configured) {}

  // `customer` is the request's customer checked and normalised by api/,
  // with its owner, PROSPECT status and no referrer set. Registers it with
  // its contacts, credit profile, first ownership record and audit entry,
  // fulfils the referral named by the request, and publishes
  // CustomerRegisteredEvent. ALREADY_EXISTS (CUSTOMER_EXISTS) naming the
  // holder of a duplicate.
  absl::StatusOr<v1::RegisterCustomerResponse> Register(db::Transaction& tx, const CallContext& call,
                                                        const v1::RegisterCustomerRequest& request,
                                                        const v1::Customer& customer);

  // The customers holding any of the normalised keys, strongest match first
  // (tax id, then phone, then name), masked for the caller.
  absl::StatusOr<v1::CheckDuplicateResponse> CheckDuplicate(db::Transaction& tx, const CallContext& call,
                                                            const v1::NormalizedKeys& keys,
                                                            const std::vector<std::string>& phones);

 private:
  const Clock& clock_;
  Outbox& outbox_;
  const bool targets_configured_;
};

}  // namespace sales::customers
