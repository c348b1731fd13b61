#include "customers-svc/app/follow_ups.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/follow_up_store.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {

absl::StatusOr<v1::RecordFollowUpResponse> FollowUps::Record(db::Transaction& tx, const CallContext& call,
                                                             v1::FollowUp f) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  absl::CivilDay day = ToCivilDay(f.date());
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, f.customer_id()));
  if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", rec.customer.id(), " is blacklisted")),
                         "CUSTOMER_BLACKLISTED", kCustomersDomain);
  }
  if (day < BusinessDay(FromTimestamp(rec.customer.register_time()))) {
    return InvalidField("follow_up.date", "before the customer was registered");
  }
  if (f.contact_id() != 0) {
    auto contact = ContactStore::Get(tx, f.contact_id(), false);
    if (!contact.ok() || contact->customer_id() != rec.customer.id()) {
      return InvalidField("follow_up.contact_id", "not a contact of this customer");
    }
  }
  bool in_pool = rec.customer.owner_rep_id() == 0;
  if (!in_pool && rec.customer.owner_rep_id() != viewer.rep_id) {
    return Denied(absl::StrCat("customer ", rec.customer.id(), " belongs to another rep"));
  }
  if (in_pool) {
    if (rec.customer.primary_customer_id() != 0) {
      return WithErrorInfo(absl::FailedPreconditionError("a family member follows its primary customer"),
                           "FAMILY_MEMBER", kCustomersDomain);
    }
    // A follow-up on a pool customer claims it for the rep.
    CustomerStore::OwnerChange ch;
    ch.to_rep_id = viewer.rep_id;
    ch.kind = v1::OWNERSHIP_CHANGE_KIND_CLAIMED;
    ch.reason = "claimed by a follow-up";
    ch.who = viewer.who;
    if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
    SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox_, rec, ch, call.request_id, now).status());
    SALES_ASSIGN_OR_RETURN(rec, CustomerStore::Get(tx, rec.customer.id()));
  }
  f.set_rep_id(viewer.rep_id);
  std::optional<absl::CivilDay> last = day;
  if (rec.customer.has_last_follow_up_date()) last = std::max(day, ToCivilDay(rec.customer.last_follow_up_date()));
  absl::CivilDay base = rec.protection_base.value_or(day);
  bool prospect = rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT && rec.customer.primary_customer_id() == 0;
  // Never more than the window apart: a follow-up after protection
  // ended does not revive it (the sweep moves the customer).
  bool within = prospect && !LapsedOn(base, window, day);
  if (within && day > base) base = day;
  f.set_extended_protection(within);
  if (prospect) *f.mutable_protected_until() = FromCivilDay(ProtectedUntil(base, window));
  SALES_RETURN_IF_ERROR(CustomerStore::SetProtectionBase(tx, rec.customer.id(), base, last, now));
  SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, viewer.rep_id));
  v1::RecordFollowUpResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_follow_up(), FollowUpStore::Insert(tx, f, unit, now));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  *out.mutable_customer() = Present(after, viewer, window, today);
  v1::FollowUpRecordedEvent e;
  *e.mutable_follow_up() = out.follow_up();
  e.set_owner_rep_id(after.customer.owner_rep_id());
  e.set_org_unit_id(unit);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
  return out;
}

}  // namespace sales::customers
