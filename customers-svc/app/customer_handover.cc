#include "customers-svc/app/customer_handover.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/org_copy_store.h"
#include "customers-svc/store/ownership_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::customers {

absl::StatusOr<v1::ClaimCustomerResponse> CustomerHandover::Claim(db::Transaction& tx, const CallContext& call,
                                                                  const v1::ClaimCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
  }
  if (rec.customer.primary_customer_id() != 0) {
    return Precondition("a family member follows its primary customer; claim the primary", "FAMILY_MEMBER");
  }
  if (rec.customer.owner_rep_id() != 0) {
    v1::ProtectionState state = StateOf(rec, window, today);
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "customer ", rec.customer.id(), " is not in the pool: ",
                             state == v1::PROTECTION_STATE_ACCOUNT ? "an account of rep " : "protected for rep ",
                             rec.customer.owner_rep_id())),
                         "NOT_IN_POOL", kCustomersDomain,
                         {{"owner_rep_id", absl::StrCat(rec.customer.owner_rep_id())}});
  }
  SALES_RETURN_IF_ERROR(CheckOwner(tx, targets_configured_, viewer.rep_id, "caller"));
  CustomerStore::OwnerChange ch;
  ch.to_rep_id = viewer.rep_id;
  ch.kind = v1::OWNERSHIP_CHANGE_KIND_CLAIMED;
  ch.reason = request.reason().empty() ? "claimed from the pool" : request.reason();
  ch.who = viewer.who;
  if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
  v1::ClaimCustomerResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_record(), MoveOwner(tx, outbox_, rec, ch, call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  *out.mutable_customer() = Present(after, viewer, window, today);
  return out;
}

absl::StatusOr<v1::ReleaseCustomerResponse> CustomerHandover::Release(db::Transaction& tx, const CallContext& call,
                                                                      const v1::ReleaseCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!viewer.IsOwner(rec) && !viewer.Manages(rec))
    return Denied("only the owner or their manager releases a customer");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  if (rec.customer.status() != v1::CUSTOMER_STATUS_PROSPECT || rec.customer.owner_rep_id() == 0) {
    return Precondition("only an owned prospect is released; accounts move by transfer", "NOT_A_PROTECTED_PROSPECT");
  }
  if (rec.customer.primary_customer_id() != 0) {
    return Precondition("a family member follows its primary customer", "FAMILY_MEMBER");
  }
  CustomerStore::OwnerChange ch;
  ch.to_rep_id = 0;
  ch.kind = v1::OWNERSHIP_CHANGE_KIND_RELEASED;
  ch.reason = request.reason();
  ch.who = viewer.who;
  ch.last_follow_up_date = rec.protection_base;
  SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox_, rec, ch, call.request_id, now).status());
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  v1::ReleaseCustomerResponse out;
  *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
  return out;
}

absl::StatusOr<v1::TransferCustomerResponse> CustomerHandover::Transfer(db::Transaction& tx, const CallContext& call,
                                                                        const v1::TransferCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  SALES_RETURN_IF_ERROR(CheckOwner(tx, targets_configured_, request.to_rep_id(), "to_rep_id"));
  SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(tx, request.to_rep_id()));
  if (!viewer.all && !(viewer.manager && viewer.Manages(rec) && viewer.ManagesUnit(to_unit))) {
    return Denied("a transfer is made by a manager of both reps");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
  }
  if (rec.customer.primary_customer_id() != 0) {
    return Precondition("a family member follows its primary customer; transfer the primary", "FAMILY_MEMBER");
  }
  if (rec.customer.owner_rep_id() == request.to_rep_id()) {
    return Precondition(absl::StrCat("rep ", request.to_rep_id(), " already owns customer ", rec.customer.id()),
                        "SAME_OWNER");
  }
  CustomerStore::OwnerChange ch;
  ch.to_rep_id = request.to_rep_id();
  ch.kind = v1::OWNERSHIP_CHANGE_KIND_TRANSFERRED;
  ch.reason = request.reason();
  ch.who = viewer.who;
  // A transferred prospect gets a fresh protection window with its
  // new owner.
  if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
  v1::TransferCustomerResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_record(), MoveOwner(tx, outbox_, rec, ch, call.request_id, now));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  *out.mutable_customer() = Present(after, viewer, window, today);
  return out;
}

absl::StatusOr<v1::HandOverCustomersResponse> CustomerHandover::HandOver(db::Transaction& tx, const CallContext& call,
                                                                         const v1::HandOverCustomersRequest& request,
                                                                         const std::vector<int64_t>& statuses) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  // The giving rep may have left already: that is the usual reason.
  SALES_ASSIGN_OR_RETURN(auto from, OrgReplica::Rep(tx, request.from_rep_id()));
  SALES_ASSIGN_OR_RETURN(bool any_reps, OrgCopyStore::AnyRep(tx));
  if (!from.has_value() && any_reps) return NotFound("rep", request.from_rep_id());
  int64_t from_unit = from.has_value() ? from->org_unit_id : 0;
  std::vector<int64_t> to_units;
  for (int64_t to : request.to_rep_ids()) {
    if (to == request.from_rep_id()) {
      return Precondition(absl::StrCat("rep ", to, " cannot receive their own customers"), "SAME_REP");
    }
    SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, to));
    if (!rep.has_value() && any_reps) return NotFound("rep", to);
    if (rep.has_value() && rep->left()) {
      return Precondition(absl::StrCat("receiving rep ", to, " has left"), "REP_NOT_ACTIVE");
    }
    to_units.push_back(rep.has_value() ? rep->org_unit_id : 0);
  }
  if (!viewer.all) {
    bool ok = viewer.ManagesUnit(from_unit);
    for (int64_t u : to_units) ok = ok && viewer.ManagesUnit(u);
    if (!ok) return Denied("a hand-over is made by a manager of the giving and the receiving reps");
  }
  v1::Handover h;
  h.set_from_rep_id(request.from_rep_id());
  for (int64_t to : request.to_rep_ids()) h.add_to_rep_ids(to);
  h.set_reason(request.reason());
  SALES_ASSIGN_OR_RETURN(int64_t handover_id, HandoverStore::Insert(tx, h, viewer.who, now));
  SALES_ASSIGN_OR_RETURN(auto owned, CustomerStore::OwnedBy(tx, request.from_rep_id(), statuses));
  v1::HandOverCustomersResponse out;
  int next = 0;
  for (const auto& rec : owned) {
    // Family members move with their primary (MoveOwner) when the
    // primary is handed over; handed over alone, they would split.
    if (rec.customer.primary_customer_id() != 0) continue;
    CustomerStore::OwnerChange ch;
    ch.to_rep_id = request.to_rep_ids(next % request.to_rep_ids_size());
    ++next;
    ch.kind = v1::OWNERSHIP_CHANGE_KIND_HANDED_OVER;
    ch.reason = request.reason();
    ch.who = viewer.who;
    ch.handover_id = handover_id;
    if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
    SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox_, rec, ch, call.request_id, now).status());
    out.add_customer_ids(rec.customer.id());
  }
  SALES_RETURN_IF_ERROR(HandoverStore::SetCount(tx, handover_id, out.customer_ids_size()));
  SALES_ASSIGN_OR_RETURN(*out.mutable_handover(), HandoverStore::Get(tx, handover_id));
  return out;
}

absl::StatusOr<v1::RegisterReferralResponse> CustomerHandover::RegisterReferral(db::Transaction& tx,
                                                                                const CallContext& call,
                                                                                v1::Referral r) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto referrer, CustomerStore::Get(tx, r.referrer_customer_id()));
  if (!viewer.IsOwner(referrer) && !viewer.Manages(referrer) && !viewer.receptionist) {
    return Denied("a referral is registered by the referrer's rep, reception or a manager");
  }
  SALES_ASSIGN_OR_RETURN(auto existing, CustomerStore::FindDuplicates(tx, {r.referred_phone()}, "", ""));
  if (!existing.empty()) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("the referred phone already belongs to customer #",
                                                               existing[0].record.customer.id(),
                                                               ": it counts as a new customer, not a referral")),
                         "CUSTOMER_EXISTS", kCustomersDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto pending, ReferralStore::PendingForPhone(tx, r.referred_phone()));
  if (pending.has_value()) {
    return WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat("referral #", pending->id(), " is already pending for this phone")),
        "REFERRAL_PENDING", kCustomersDomain);
  }
  r.set_referrer_rep_id(referrer.customer.owner_rep_id());
  v1::RegisterReferralResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_referral(), ReferralStore::Insert(tx, r, viewer.who, now));
  SALES_RETURN_IF_ERROR(
      AuditStore::Append(tx, referrer.customer.id(), viewer.who, "REFERRAL_REGISTERED", "",
                         absl::StrCat("referral #", out.referral().id(), " ", MaskPhone(r.referred_phone())),
                         r.referred_name(), call.request_id, now));
  return out;
}

absl::StatusOr<v1::CancelReferralResponse> CustomerHandover::CancelReferral(db::Transaction& tx,
                                                                            const CallContext& call,
                                                                            const v1::CancelReferralRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto r, ReferralStore::Get(tx, request.referral_id(), true));
  SALES_ASSIGN_OR_RETURN(auto referrer, CustomerStore::Get(tx, r.referrer_customer_id()));
  bool own = viewer.rep && r.referrer_rep_id() == viewer.rep_id;
  if (!own && !viewer.Manages(referrer) && r.registered_by().user_id() != viewer.who.user_id) {
    return Denied("a referral is cancelled by its rep, who registered it, or a manager");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), r.etag(), "referral", r.id()));
  if (r.status() != v1::REFERRAL_STATUS_PENDING) {
    return Precondition(absl::StrCat("referral ", r.id(), " is ", v1::ReferralStatus_Name(r.status())),
                        "REFERRAL_NOT_PENDING");
  }
  SALES_RETURN_IF_ERROR(ReferralStore::Cancel(tx, r.id()));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, referrer.customer.id(), viewer.who, "REFERRAL_CANCELLED", "PENDING",
                                           "CANCELLED", request.reason(), call.request_id, now));
  v1::CancelReferralResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_referral(), ReferralStore::Get(tx, r.id(), false));
  return out;
}

}  // namespace sales::customers
