#include "customers-svc/app/credit_file.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/field_mask.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

// Who keeps a customer's credit (investigations, holds): finance, the
// director/admin, or a manager over the customer.
bool KeepsCredit(const Viewer& v, const CustomerRecord& rec) {
  return v.all || v.finance || (v.manager && v.Manages(rec));
}

std::string LimitText(const v1::CreditProfile& p) {
  return absl::StrCat(p.credit_limit().minor_units(), " ", p.credit_limit().currency_code(), ", ",
                      p.payment_terms_days(), " days, ", v1::CreditRating_Name(p.rating()));
}

}  // namespace

// The customer whose profile applies: family members use their primary's.
int64_t CreditHolder(const CustomerRecord& rec) {
  return rec.customer.primary_customer_id() != 0 ? rec.customer.primary_customer_id() : rec.customer.id();
}

absl::StatusOr<v1::CreditProfile> ProfileFor(db::Transaction& tx, const CustomerRecord& rec) {
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto p, CreditStore::Get(tx, holder));
  p.set_customer_id(rec.customer.id());
  if (holder != rec.customer.id()) p.set_primary_customer_id(holder);
  return p;
}

// Who may read a profile: the owner, their manager, finance, the director,
// services (orders-svc at confirmation, finance-svc at invoicing).
absl::Status MayReadCredit(const Viewer& v, const CustomerRecord& rec) {
  if (v.ReadsAll() || v.IsOwner(rec) || (v.manager && v.Manages(rec))) return absl::OkStatus();
  return Denied("credit profiles are read by the owner, their manager, finance and the director");
}

absl::StatusOr<std::vector<std::string>> CreditTermsPaths(const google::protobuf::FieldMask& mask) {
  return UpdatePaths(mask, {"credit_limit", "payment_terms_days", "rating"});
}

// Sets a hold on the profile holder (locked) and writes audit and, when the
// customer was not on hold before, the hold event.
absl::StatusOr<v1::CreditProfile> PlaceHold(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                            const HoldRow& hold, const Who& who, const std::string& request_id,
                                            absl::Time now) {
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
  HoldRow h = hold;
  h.customer_id = holder;
  SALES_RETURN_IF_ERROR(CreditStore::InsertHold(tx, h, who, now).status());
  SALES_RETURN_IF_ERROR(CreditStore::Touch(tx, holder, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(
      tx, holder, who, "CREDIT_HOLD_SET", before.hold().on_hold() ? "on hold" : "not on hold", "on hold",
      absl::StrCat(v1::CreditHoldSource_Name(h.source), ": ", h.reason), request_id, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
  if (!before.hold().on_hold()) {
    v1::CreditHoldSetEvent e;
    e.set_customer_id(holder);
    SALES_ASSIGN_OR_RETURN(auto members, CustomerStore::FamilyMembers(tx, holder));
    for (int64_t m : members) e.add_linked_customer_ids(m);
    *e.mutable_hold() = after.hold();
    SALES_ASSIGN_OR_RETURN(auto owner_rec, CustomerStore::Get(tx, holder));
    e.set_owner_rep_id(owner_rec.customer.owner_rep_id());
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(holder), e, request_id));
  }
  return after;
}

// Releases the given active holds of the holder; the released event goes
// out only when no hold remains (orders re-check waiting orders then).
absl::StatusOr<v1::CreditProfile> LiftHolds(db::Transaction& tx, Outbox& outbox, int64_t holder,
                                            const std::vector<HoldRow>& holds, const Who& who,
                                            const std::string& reason, const std::string& request_id, absl::Time now) {
  for (const auto& h : holds) {
    SALES_RETURN_IF_ERROR(CreditStore::ReleaseHold(tx, h.id, who, reason, now));
    SALES_RETURN_IF_ERROR(
        AuditStore::Append(tx, holder, who, "CREDIT_HOLD_RELEASED",
                           absl::StrCat("on hold (", v1::CreditHoldSource_Name(h.source), ": ", h.reason, ")"),
                           "released", reason, request_id, now));
  }
  SALES_RETURN_IF_ERROR(CreditStore::Touch(tx, holder, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
  if (!after.hold().on_hold() && !holds.empty()) {
    v1::CreditHoldReleasedEvent e;
    e.set_customer_id(holder);
    SALES_ASSIGN_OR_RETURN(auto members, CustomerStore::FamilyMembers(tx, holder));
    for (int64_t m : members) e.add_linked_customer_ids(m);
    e.set_reason(reason);
    e.set_source(holds.back().source);
    *e.mutable_released_by() = who.ToActor();
    *e.mutable_release_time() = ToTimestamp(now);
    SALES_ASSIGN_OR_RETURN(auto owner_rec, CustomerStore::Get(tx, holder));
    e.set_owner_rep_id(owner_rec.customer.owner_rep_id());
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(holder), e, request_id));
  }
  return after;
}

absl::StatusOr<v1::UpdateCreditProfileResponse> CreditFile::UpdateProfile(
    db::Transaction& tx, const CallContext& call, const v1::UpdateCreditProfileRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  if (!viewer.all && !viewer.finance) return Denied("credit terms are set by finance or the director");
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (rec.customer.primary_customer_id() != 0) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("customer ", rec.customer.id(), " is a family member of ",
                                          rec.customer.primary_customer_id(), ": change the primary's profile")),
                         "FAMILY_MEMBER", kCustomersDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, rec.customer.id(), now));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), before.etag(), "credit profile", rec.customer.id()));
  SALES_ASSIGN_OR_RETURN(auto paths, CreditTermsPaths(request.update_mask()));
  const int64_t limit =
      Touches(paths, "credit_limit") ? request.credit_limit().minor_units() : before.credit_limit().minor_units();
  const int32_t terms =
      Touches(paths, "payment_terms_days") ? request.payment_terms_days() : before.payment_terms_days();
  // UNSPECIFIED keeps the rating (api/ refuses it when the mask names rating).
  v1::CreditRating rating = Touches(paths, "rating") && request.rating() != v1::CREDIT_RATING_UNSPECIFIED
                                ? request.rating()
                                : before.rating();
  SALES_RETURN_IF_ERROR(CreditStore::Update(tx, rec.customer.id(), limit, "CNY", terms, rating, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, rec.customer.id()));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CREDIT_PROFILE_UPDATED",
                                           LimitText(before), LimitText(after), request.reason(), call.request_id,
                                           now));
  v1::CreditProfileChangedEvent e;
  *e.mutable_profile() = after;
  *e.mutable_previous_credit_limit() = before.credit_limit();
  e.set_previous_payment_terms_days(before.payment_terms_days());
  *e.mutable_actor() = viewer.who.ToActor();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
  v1::UpdateCreditProfileResponse out;
  *out.mutable_profile() = after;
  return out;
}

absl::StatusOr<v1::RecordCreditInvestigationResponse> CreditFile::RecordInvestigation(
    db::Transaction& tx, const CallContext& call, const v1::RecordCreditInvestigationRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!KeepsCredit(viewer, rec)) {
    return Denied("credit investigations are recorded by finance, managers and the director");
  }
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), before.etag(), "credit profile", holder));
  v1::CreditInvestigation inv = request.investigation();
  inv.set_customer_id(holder);
  SALES_ASSIGN_OR_RETURN(auto stored, CreditStore::InsertInvestigation(tx, inv, viewer.who, now));
  std::optional<int64_t> limit;
  if (request.apply_recommended_limit()) limit = inv.recommended_limit().minor_units();
  SALES_RETURN_IF_ERROR(CreditStore::SetInvestigation(tx, holder, inv.date(), inv.method(), inv.rating(), limit, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
  SALES_RETURN_IF_ERROR(AuditStore::Append(
      tx, holder, viewer.who, "CREDIT_INVESTIGATION_RECORDED", LimitText(before), LimitText(after),
      absl::StrCat(v1::CreditInvestigationMethod_Name(inv.method()), " ", inv.investigator()), call.request_id, now));
  v1::CreditProfileChangedEvent e;
  *e.mutable_profile() = after;
  *e.mutable_previous_credit_limit() = before.credit_limit();
  e.set_previous_payment_terms_days(before.payment_terms_days());
  *e.mutable_actor() = viewer.who.ToActor();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(holder), e, call.request_id));
  v1::RecordCreditInvestigationResponse out;
  *out.mutable_investigation() = stored;
  *out.mutable_profile() = after;
  return out;
}

absl::StatusOr<v1::SetCreditHoldResponse> CreditFile::SetHold(db::Transaction& tx, const CallContext& call,
                                                              const v1::SetCreditHoldRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!KeepsCredit(viewer, rec)) {
    return Denied("credit holds are set by finance, the customer's manager or the director");
  }
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), before.etag(), "credit profile", holder));
  if (before.hold().on_hold()) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("customer ", holder, " is already on hold: ", before.hold().reason())),
                         "ALREADY_ON_HOLD", kCustomersDomain);
  }
  HoldRow h;
  h.source = viewer.finance ? v1::CREDIT_HOLD_SOURCE_FINANCE : v1::CREDIT_HOLD_SOURCE_MANAGER;
  h.reason = request.reason();
  SALES_ASSIGN_OR_RETURN(auto after, PlaceHold(tx, outbox_, rec, h, viewer.who, call.request_id, now));
  after.set_customer_id(rec.customer.id());
  if (holder != rec.customer.id()) after.set_primary_customer_id(holder);
  v1::SetCreditHoldResponse out;
  *out.mutable_profile() = after;
  return out;
}

absl::StatusOr<v1::ReleaseCreditHoldResponse> CreditFile::ReleaseHold(db::Transaction& tx, const CallContext& call,
                                                                      const v1::ReleaseCreditHoldRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!KeepsCredit(viewer, rec)) {
    return Denied("credit holds are released by finance, the customer's manager or the director");
  }
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), before.etag(), "credit profile", holder));
  SALES_ASSIGN_OR_RETURN(auto holds, CreditStore::ActiveHolds(tx, holder));
  if (holds.empty()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", holder, " is not on hold")),
                         "NOT_ON_HOLD", kCustomersDomain);
  }
  if (!viewer.all && !viewer.finance) {
    // Managers lift only what managers set: a collections or finance
    // hold is finance's to release.
    for (const auto& h : holds) {
      if (h.source != v1::CREDIT_HOLD_SOURCE_MANAGER) {
        return Denied(
            absl::StrCat("a ", v1::CreditHoldSource_Name(h.source), " hold is released by finance, not by a manager"));
      }
    }
  }
  SALES_ASSIGN_OR_RETURN(auto after,
                         LiftHolds(tx, outbox_, holder, holds, viewer.who, request.reason(), call.request_id, now));
  after.set_customer_id(rec.customer.id());
  if (holder != rec.customer.id()) after.set_primary_customer_id(holder);
  v1::ReleaseCreditHoldResponse out;
  *out.mutable_profile() = after;
  return out;
}

}  // namespace sales::customers
