// A customer's credit file (domain.md §4 Credit): finance sets terms and
// limits; finance, managers and the director record investigations and set
// holds; finance's collections ladder sets and releases holds through its
// event feed. Family members use their primary's profile.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "google/protobuf/field_mask.pb.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/credit.pb.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

// The customer whose profile applies: family members use their primary's.
int64_t CreditHolder(const CustomerRecord& rec);
// The profile that applies to the customer, as that customer's.
absl::StatusOr<v1::CreditProfile> ProfileFor(db::Transaction& tx, const CustomerRecord& rec);
// Who may read a profile: the owner, their manager, finance, the director,
// services (orders-svc at confirmation, finance-svc at invoicing).
absl::Status MayReadCredit(const Viewer& v, const CustomerRecord& rec);
// The terms UpdateCreditProfile changes, from its update_mask: credit_limit,
// payment_terms_days and rating (all three when the mask is empty).
absl::StatusOr<std::vector<std::string>> CreditTermsPaths(const google::protobuf::FieldMask& mask);

// Sets a hold on the profile holder (locked) and writes audit and, when the
// customer was not on hold before, the hold event.
absl::StatusOr<v1::CreditProfile> PlaceHold(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                            const HoldRow& hold, const Who& who, const std::string& request_id,
                                            absl::Time now);
// Releases the given active holds of the holder; the released event goes
// out only when no hold remains (orders re-check waiting orders then).
absl::StatusOr<v1::CreditProfile> LiftHolds(db::Transaction& tx, Outbox& outbox, int64_t holder,
                                            const std::vector<HoldRow>& holds, const Who& who,
                                            const std::string& reason, const std::string& request_id, absl::Time now);

class CreditFile {
 public:
  CreditFile(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, amounts, dates and
  // reasons). The customer and the holder's profile are row-locked and the
  // profile's etag checked; PERMISSION_DENIED unless the caller keeps the
  // customer's credit.

  // Finance (or the director) sets limit, terms and rating of a primary —
  // those update_mask names; the others stay as stored.
  absl::StatusOr<v1::UpdateCreditProfileResponse> UpdateProfile(db::Transaction& tx, const CallContext& call,
                                                                const v1::UpdateCreditProfileRequest& request);
  // Records an investigation on the holder's profile, applying the
  // recommended limit when asked.
  absl::StatusOr<v1::RecordCreditInvestigationResponse> RecordInvestigation(
      db::Transaction& tx, const CallContext& call, const v1::RecordCreditInvestigationRequest& request);
  // A finance or manager hold; FAILED_PRECONDITION when already on hold.
  absl::StatusOr<v1::SetCreditHoldResponse> SetHold(db::Transaction& tx, const CallContext& call,
                                                    const v1::SetCreditHoldRequest& request);
  // Releases every active hold; a manager only lifts holds managers set.
  absl::StatusOr<v1::ReleaseCreditHoldResponse> ReleaseHold(db::Transaction& tx, const CallContext& call,
                                                            const v1::ReleaseCreditHoldRequest& request);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
