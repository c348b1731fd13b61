#include "customers-svc/app/customer_records.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

absl::Status NotBlacklisted(const CustomerRecord& rec) {
  if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
  }
  return absl::OkStatus();
}

absl::Status PhoneFree(db::Transaction& tx, const std::string& phone, int64_t customer_id, const Viewer& v, int window,
                       absl::CivilDay today) {
  if (phone.empty()) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(auto dups, CustomerStore::FindDuplicates(tx, {phone}, "", "", customer_id));
  if (!dups.empty()) return AlreadyRegistered(tx, dups.front(), v, window, today);
  return absl::OkStatus();
}

v1::CustomerUpdatedEvent Updated(const CustomerRecord& rec, const std::vector<std::string>& fields, const Who& who,
                                 int window, absl::CivilDay today) {
  v1::CustomerUpdatedEvent e;
  *e.mutable_customer() = Present(rec, Viewer::Everything(), window, today);
  for (const auto& f : fields) e.add_changed_fields(f);
  *e.mutable_actor() = who.ToActor();
  return e;
}

}  // namespace

absl::StatusOr<v1::UpdateCustomerResponse> CustomerRecords::Update(db::Transaction& tx, const CallContext& call,
                                                                   const v1::UpdateCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer().id()));
  if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("only the owner or their manager changes a customer");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  SALES_RETURN_IF_ERROR(NotBlacklisted(rec));
  v1::Customer next = rec.customer;
  const v1::Customer& in = request.customer();
  std::vector<std::string> changed;
  std::vector<FieldViolation> v;
  std::string before_text, after_text;
  for (const auto& p : request.update_mask().paths()) {
    if (p == "name") {
      std::string n = NormalizeName(in.name());
      if (in.name().empty() || n.empty()) {
        v.push_back({"customer.name", "required, with letters or digits"});
        continue;
      }
      next.set_name(in.name());
      next.set_normalized_name(n);
    } else if (p == "type") {
      if (in.type() == v1::CUSTOMER_TYPE_UNSPECIFIED || !v1::CustomerType_IsValid(in.type())) {
        v.push_back({"customer.type", "required"});
        continue;
      }
      next.set_type(in.type());
    } else if (p == "phone") {
      auto ph = NormalizePhone(in.phone());
      if (!ph.ok()) {
        v.push_back({"customer.phone", std::string(ph.status().message())});
        continue;
      }
      next.set_phone(in.phone());
      next.set_normalized_phone(*ph);
    } else if (p == "tax_id") {
      if (in.tax_id().empty()) {
        next.clear_tax_id();
      } else {
        auto t = NormalizeTaxId(in.tax_id());
        if (!t.ok()) {
          v.push_back({"customer.tax_id", std::string(t.status().message())});
          continue;
        }
        next.set_tax_id(*t);
      }
    } else if (p == "region") {
      next.set_region(in.region());
    } else if (p == "city") {
      if (in.city().empty()) {
        v.push_back({"customer.city", "required"});
        continue;
      }
      next.set_city(in.city());
    } else if (p == "address") {
      next.set_address(in.address());
    } else if (p == "source_channel") {
      next.set_source_channel(in.source_channel());
    } else if (p == "notes") {
      next.set_notes(in.notes());
    }
    changed.push_back(p);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  SALES_RETURN_IF_ERROR(CheckRegionAndChannel(tx, next.region(), next.source_channel(), "customer."));
  SALES_ASSIGN_OR_RETURN(auto dups, CustomerStore::FindDuplicates(tx, {next.normalized_phone()}, next.tax_id(),
                                                                  next.normalized_name(), rec.customer.id()));
  if (!dups.empty()) return AlreadyRegistered(tx, dups.front(), viewer, window, today);
  SALES_RETURN_IF_ERROR(CustomerStore::UpdateMasterData(tx, next, now));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "UPDATED", "",
                                           absl::StrJoin(changed, ","), "master data changed", call.request_id, now));
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(rec.customer.id()),
                                       Updated(after, changed, viewer.who, window, today), call.request_id));
  v1::UpdateCustomerResponse out;
  *out.mutable_customer() = Present(after, viewer, window, today);
  return out;
}

absl::StatusOr<v1::SetDemandGradeResponse> CustomerRecords::SetDemandGrade(db::Transaction& tx, const CallContext& call,
                                                                           const v1::SetDemandGradeRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  // 等级的认定由经理根据市场调查情报综合认定: the manager grades.
  if (!viewer.Manages(rec)) return Denied("the demand grade is set by the owner's manager or above");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  v1::Customer next = rec.customer;
  next.set_demand_grade(request.demand_grade());
  SALES_RETURN_IF_ERROR(CustomerStore::UpdateMasterData(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(
      tx, rec.customer.id(), viewer.who, "DEMAND_GRADE_SET", v1::DemandGrade_Name(rec.customer.demand_grade()),
      v1::DemandGrade_Name(request.demand_grade()), request.reason(), call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(rec.customer.id()),
                                       Updated(after, {"demand_grade"}, viewer.who, window, today), call.request_id));
  v1::SetDemandGradeResponse out;
  *out.mutable_customer() = Present(after, viewer, window, today);
  return out;
}

absl::StatusOr<v1::BlacklistCustomerResponse> CustomerRecords::Blacklist(db::Transaction& tx, const CallContext& call,
                                                                         const v1::BlacklistCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!viewer.Manages(rec) && !viewer.finance) return Denied("blacklisting is for managers, the director and finance");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  SALES_RETURN_IF_ERROR(NotBlacklisted(rec));
  SALES_RETURN_IF_ERROR(CustomerStore::SetStatus(tx, rec.customer.id(), v1::CUSTOMER_STATUS_BLACKLISTED,
                                                 request.reason(), rec.customer.status(), now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "BLACKLISTED",
                                           v1::CustomerStatus_Name(rec.customer.status()),
                                           "CUSTOMER_STATUS_BLACKLISTED", request.reason(), call.request_id, now));
  SALES_RETURN_IF_ERROR(AppendStatusChanged(tx, outbox_, rec, rec.customer.status(), v1::CUSTOMER_STATUS_BLACKLISTED,
                                            FromCivilDay(BusinessDay(now)), request.reason(), viewer.who,
                                            call.request_id));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  v1::BlacklistCustomerResponse out;
  *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
  return out;
}

absl::StatusOr<v1::UnblacklistCustomerResponse> CustomerRecords::Unblacklist(
    db::Transaction& tx, const CallContext& call, const v1::UnblacklistCustomerRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!viewer.Manages(rec)) return Denied("lifting a blacklisting is for managers and the director");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), rec.customer.etag(), "customer", rec.customer.id()));
  if (rec.customer.status() != v1::CUSTOMER_STATUS_BLACKLISTED) {
    return Precondition(absl::StrCat("customer ", rec.customer.id(), " is not blacklisted"), "NOT_BLACKLISTED");
  }
  auto back = static_cast<v1::CustomerStatus>(rec.status_before_blacklist);
  if (back == v1::CUSTOMER_STATUS_UNSPECIFIED || back == v1::CUSTOMER_STATUS_BLACKLISTED) {
    back = rec.customer.has_first_purchase_date() ? v1::CUSTOMER_STATUS_ACTIVE : v1::CUSTOMER_STATUS_PROSPECT;
  }
  SALES_RETURN_IF_ERROR(CustomerStore::SetStatus(tx, rec.customer.id(), back, "", 0, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "UNBLACKLISTED",
                                           "CUSTOMER_STATUS_BLACKLISTED", v1::CustomerStatus_Name(back),
                                           request.reason(), call.request_id, now));
  SALES_RETURN_IF_ERROR(AppendStatusChanged(tx, outbox_, rec, v1::CUSTOMER_STATUS_BLACKLISTED, back,
                                            FromCivilDay(BusinessDay(now)), request.reason(), viewer.who,
                                            call.request_id));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  v1::UnblacklistCustomerResponse out;
  *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
  return out;
}

absl::StatusOr<v1::AddContactResponse> CustomerRecords::AddContact(db::Transaction& tx, const CallContext& call,
                                                                   const v1::AddContactRequest& request,
                                                                   const v1::Contact& c) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, request.customer_id()));
  if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_RETURN_IF_ERROR(PhoneFree(tx, c.normalized_phone(), rec.customer.id(), viewer, window, BusinessDay(now)));
  v1::AddContactResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_contact(), ContactStore::Insert(tx, rec.customer.id(), c, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CONTACT_ADDED", "",
                                           absl::StrCat(c.name(), " ", MaskPhone(c.normalized_phone())), "",
                                           call.request_id, now));
  return out;
}

absl::StatusOr<v1::UpdateContactResponse> CustomerRecords::UpdateContact(db::Transaction& tx, const CallContext& call,
                                                                         const v1::UpdateContactRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto current, ContactStore::Get(tx, request.contact().id(), true));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, current.customer_id()));
  if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), "contact", current.id()));
  v1::Contact next = current;
  const v1::Contact& in = request.contact();
  for (const auto& p : request.update_mask().paths()) {
    if (p == "name") next.set_name(in.name());
    if (p == "title") next.set_title(in.title());
    if (p == "phone") next.set_phone(in.phone());
    if (p == "email") next.set_email(in.email());
    if (p == "im_id") next.set_im_id(in.im_id());
    if (p == "primary") next.set_primary(in.primary());
    if (p == "notes") next.set_notes(in.notes());
  }
  SALES_RETURN_IF_ERROR(ValidateContact(next, "contact"));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_RETURN_IF_ERROR(PhoneFree(tx, next.normalized_phone(), rec.customer.id(), viewer, window, BusinessDay(now)));
  SALES_RETURN_IF_ERROR(ContactStore::Update(tx, next, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CONTACT_UPDATED", current.name(),
                                           next.name(), "", call.request_id, now));
  v1::UpdateContactResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_contact(), ContactStore::Get(tx, current.id(), false));
  return out;
}

absl::StatusOr<v1::RemoveContactResponse> CustomerRecords::RemoveContact(db::Transaction& tx, const CallContext& call,
                                                                         const v1::RemoveContactRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto current, ContactStore::Get(tx, request.contact_id(), true));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, current.customer_id()));
  if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag(), "contact", current.id()));
  SALES_RETURN_IF_ERROR(ContactStore::Remove(tx, current.id()));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CONTACT_REMOVED", current.name(), "", "",
                                           call.request_id, now));
  v1::RemoveContactResponse out;
  out.set_contact_id(current.id());
  return out;
}

absl::StatusOr<v1::LinkFamilyMemberResponse> CustomerRecords::LinkFamilyMember(
    db::Transaction& tx, const CallContext& call, const v1::LinkFamilyMemberRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  const auto& l = request.link();
  // Lock in id order so two links over the same pair cannot deadlock.
  int64_t lo = std::min(l.primary_customer_id(), l.member_customer_id());
  int64_t hi = std::max(l.primary_customer_id(), l.member_customer_id());
  SALES_ASSIGN_OR_RETURN(auto first, CustomerStore::Lock(tx, lo));
  SALES_ASSIGN_OR_RETURN(auto second, CustomerStore::Lock(tx, hi));
  const CustomerRecord& primary = first.customer.id() == l.primary_customer_id() ? first : second;
  const CustomerRecord& member = first.customer.id() == l.member_customer_id() ? first : second;
  bool owner_of_both = viewer.IsOwner(primary) && viewer.IsOwner(member);
  if (!owner_of_both && !(viewer.Manages(primary) && viewer.Manages(member))) {
    return Denied("family links are made by a manager, or by the rep owning both customers");
  }
  if (member.customer.primary_customer_id() != 0) {
    return WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat("customer ", member.customer.id(), " is already linked to #",
                                              member.customer.primary_customer_id())),
        "ALREADY_LINKED", kCustomersDomain);
  }
  SALES_RETURN_IF_ERROR(NotBlacklisted(primary));
  SALES_RETURN_IF_ERROR(NotBlacklisted(member));
  if (primary.customer.primary_customer_id() != 0) {
    return Precondition("the primary is itself a family member; link to its primary", "PRIMARY_IS_MEMBER");
  }
  SALES_ASSIGN_OR_RETURN(auto members_of_member, CustomerStore::FamilyMembers(tx, member.customer.id()));
  if (!members_of_member.empty()) {
    return Precondition("the member is the primary of other family members", "MEMBER_IS_PRIMARY");
  }
  bool member_account =
      member.customer.status() == v1::CUSTOMER_STATUS_ACTIVE || member.customer.status() == v1::CUSTOMER_STATUS_DORMANT;
  if (member_account && member.customer.owner_rep_id() != 0 &&
      member.customer.owner_rep_id() != primary.customer.owner_rep_id()) {
    return Precondition("the member is an account of another rep: transfer it first", "MEMBER_IS_OTHERS_ACCOUNT");
  }
  SALES_ASSIGN_OR_RETURN(int64_t link_id,
                         CustomerStore::InsertFamilyLink(tx, primary.customer.id(), member.customer.id(), l.relation(),
                                                         l.reason(), viewer.who, member.customer.owner_rep_id(), now));
  SALES_RETURN_IF_ERROR(CustomerStore::SetPrimary(tx, member.customer.id(), primary.customer.id(), now));
  if (member.customer.owner_rep_id() != primary.customer.owner_rep_id()) {
    SALES_ASSIGN_OR_RETURN(auto fresh, CustomerStore::Get(tx, member.customer.id()));
    CustomerStore::OwnerChange ch;
    ch.to_rep_id = primary.customer.owner_rep_id();
    ch.kind = v1::OWNERSHIP_CHANGE_KIND_FAMILY_LINKED;
    ch.reason = absl::StrCat("family member of #", primary.customer.id(), ": ", l.reason());
    ch.who = viewer.who;
    ch.new_base = primary.protection_base;
    SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox_, fresh, ch, call.request_id, now).status());
  }
  SALES_RETURN_IF_ERROR(AuditStore::Append(
      tx, member.customer.id(), viewer.who, "FAMILY_LINKED", "",
      absl::StrCat("member of #", primary.customer.id(), " (", v1::FamilyRelation_Name(l.relation()), ")"), l.reason(),
      call.request_id, now));
  v1::LinkFamilyMemberResponse out;
  auto* link = out.mutable_link();
  *link = l;
  link->set_id(link_id);
  *link->mutable_linked_by() = viewer.who.ToActor();
  *link->mutable_create_time() = ToTimestamp(now);
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, member.customer.id()));
  *out.mutable_member() = Present(after, viewer, window, today);
  v1::FamilyMemberLinkedEvent e;
  *e.mutable_link() = *link;
  e.set_owner_rep_id(primary.customer.owner_rep_id());
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(member.customer.id()), e, call.request_id));
  return out;
}

absl::StatusOr<v1::UnlinkFamilyMemberResponse> CustomerRecords::UnlinkFamilyMember(
    db::Transaction& tx, const CallContext& call, const v1::UnlinkFamilyMemberRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
  absl::Time now = clock_.Now();
  absl::CivilDay today = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(auto stored, CustomerStore::LockFamilyLink(tx, request.link_id()));
  int64_t primary_id = stored.link.primary_customer_id(), member_id = stored.link.member_customer_id();
  int64_t owner_before = stored.member_owner_before;
  SALES_ASSIGN_OR_RETURN(auto member, CustomerStore::Lock(tx, member_id));
  if (!(viewer.all || (viewer.manager && viewer.Manages(member)))) {
    return Denied("family links are removed by a manager");
  }
  const v1::FamilyLink& link = stored.link;
  SALES_RETURN_IF_ERROR(CustomerStore::DeleteFamilyLink(tx, request.link_id()));
  SALES_RETURN_IF_ERROR(CustomerStore::SetPrimary(tx, member_id, 0, now));
  // Back to its own owner (when still active), else the pool.
  int64_t back = owner_before;
  if (back != 0) {
    SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, back));
    if (rep.has_value() && rep->left()) back = 0;
  }
  SALES_ASSIGN_OR_RETURN(auto fresh, CustomerStore::Get(tx, member_id));
  if (fresh.customer.owner_rep_id() != back) {
    CustomerStore::OwnerChange ch;
    ch.to_rep_id = back;
    ch.kind = back == 0 ? v1::OWNERSHIP_CHANGE_KIND_RELEASED : v1::OWNERSHIP_CHANGE_KIND_REASSIGNED;
    ch.reason = absl::StrCat("family link to #", primary_id, " removed: ", request.reason());
    ch.who = viewer.who;
    if (back != 0 && fresh.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
    SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox_, fresh, ch, call.request_id, now).status());
  } else if (fresh.customer.status() == v1::CUSTOMER_STATUS_PROSPECT && back != 0) {
    SALES_RETURN_IF_ERROR(CustomerStore::SetProtectionBase(
        tx, member_id, today,
        fresh.customer.has_last_follow_up_date()
            ? std::optional<absl::CivilDay>(ToCivilDay(fresh.customer.last_follow_up_date()))
            : std::nullopt,
        now));
  }
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, member_id, viewer.who, "FAMILY_UNLINKED",
                                           absl::StrCat("member of #", primary_id), "", request.reason(),
                                           call.request_id, now));
  v1::FamilyMemberUnlinkedEvent e;
  *e.mutable_link() = link;
  e.set_reason(request.reason());
  e.set_member_owner_rep_id(back);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(member_id), e, call.request_id));
  SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, member_id));
  v1::UnlinkFamilyMemberResponse out;
  *out.mutable_member() = Present(after, viewer, window, today);
  return out;
}

}  // namespace sales::customers
