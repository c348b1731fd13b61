#include "customers-svc/app/customer_registration.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/ownership_store.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {

absl::StatusOr<v1::RegisterCustomerResponse> CustomerRegistration::Register(db::Transaction& tx,
                                                                            const CallContext& call,
                                                                            const v1::RegisterCustomerRequest& request,
                                                                            const v1::Customer& c) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_RETURN_IF_ERROR(CheckRegionAndChannel(tx, c.region(), c.source_channel(), "customer."));
  SALES_RETURN_IF_ERROR(CheckOwner(tx, targets_configured_, c.owner_rep_id(), "owner_rep_id"));
  if (viewer.manager) {
    SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, c.owner_rep_id()));
    if (!viewer.ManagesUnit(unit)) return Denied("a manager registers customers for reps of their own unit");
  }
  std::vector<std::string> phones = {c.normalized_phone()};
  for (const auto& ct : c.contacts()) phones.push_back(ct.normalized_phone());
  SALES_ASSIGN_OR_RETURN(auto dups, CustomerStore::FindDuplicates(tx, phones, c.tax_id(), c.normalized_name()));
  if (!dups.empty()) return AlreadyRegistered(tx, dups.front(), viewer, window, today);
  auto inserted = CustomerStore::Insert(tx, c, now, today, viewer.who);
  if (absl::IsAlreadyExists(inserted.status())) {
    // Lost a same-moment race: the unique key decided; say who won.
    SALES_ASSIGN_OR_RETURN(auto winners, CustomerStore::FindDuplicates(tx, phones, c.tax_id(), c.normalized_name()));
    if (!winners.empty()) return AlreadyRegistered(tx, winners.front(), viewer, window, today);
    // The key's own message would echo the contested phone or tax id.
    return WithErrorInfo(absl::AlreadyExistsError("customer already registered by a concurrent registration"),
                         "CUSTOMER_EXISTS", kCustomersDomain);
  }
  if (!inserted.ok()) return inserted.status();
  int64_t id = inserted->customer.id();
  for (const auto& ct : c.contacts()) {
    SALES_RETURN_IF_ERROR(ContactStore::Insert(tx, id, ct, now).status());
  }
  SALES_RETURN_IF_ERROR(CreditStore::Lock(tx, id, now).status());
  std::string reason =
      request.referral_id() != 0 ? absl::StrCat("registered (referral ", request.referral_id(), ")") : "registered";
  SALES_RETURN_IF_ERROR(CustomerStore::OpenFirstRecord(tx, id, c.owner_rep_id(), v1::OWNERSHIP_CHANGE_KIND_REGISTERED,
                                                       reason, viewer.who, now)
                            .status());
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, id, viewer.who, "REGISTERED", "",
                                           absl::StrCat("owner rep ", c.owner_rep_id()), reason, call.request_id, now));
  if (request.referral_id() != 0) {
    SALES_RETURN_IF_ERROR(ApplyReferralOnRegistration(tx, request.referral_id(), id, c.normalized_phone(), now));
  }
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, id));
  SALES_ASSIGN_OR_RETURN(auto contacts, ContactStore::List(tx, id, 0, 200));
  for (auto& ct : contacts) *rec.customer.add_contacts() = ct;
  v1::RegisterCustomerResponse out;
  *out.mutable_customer() = Present(rec, viewer, window, today);
  v1::CustomerRegisteredEvent event;
  *event.mutable_customer() = Present(rec, Viewer::Everything(), window, today);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(id), event, call.request_id));
  return out;
}

absl::StatusOr<v1::CheckDuplicateResponse> CustomerRegistration::CheckDuplicate(
    db::Transaction& tx, const CallContext& call, const v1::NormalizedKeys& keys,
    const std::vector<std::string>& phones) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto matches, CustomerStore::FindDuplicates(tx, phones, keys.tax_id(), keys.name()));
  // Strongest first: tax id, then phone, then name.
  auto strength = [](const CustomerStore::Match& m) {
    int s = 0;
    for (auto k : m.keys) {
      s = std::max(s, k == v1::DUPLICATE_KEY_TAX_ID ? 3 : k == v1::DUPLICATE_KEY_PHONE ? 2 : 1);
    }
    return s;
  };
  std::stable_sort(matches.begin(), matches.end(),
                   [&](const auto& a, const auto& b) { return strength(a) > strength(b); });
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  absl::CivilDay today = BusinessDay(clock_.Now());
  v1::CheckDuplicateResponse out;
  out.set_exists(!matches.empty());
  for (const auto& m : matches) *out.add_matches() = MatchOf(tx, m, viewer, window, today);
  *out.mutable_normalized() = keys;
  return out;
}

}  // namespace sales::customers
