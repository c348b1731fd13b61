// Customer master data: listing in scope, updates with etags, demand grade,
// blacklist, contacts and family links (直系亲属视为同一客户). The changes are
// app/customer_records.h.
#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/customer_records.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// The contacts of a pool customer, for someone who has not claimed it: the
// names with every way of reaching the person masked.
v1::Contact MaskContact(v1::Contact c) {
  c.set_phone(MaskPhone(c.normalized_phone()));
  c.set_normalized_phone(MaskPhone(c.normalized_phone()));
  c.clear_email();
  c.clear_im_id();
  c.clear_notes();
  return c;
}

// One page of contacts (`page` of them, plus one more when another page
// follows), masked unless the caller sees the customer in full.
v1::ListContactsResponse ContactsPage(std::vector<v1::Contact> items, int page, bool sees) {
  bool more = static_cast<int>(items.size()) > page;
  if (more) {
    // The extra row only says another page exists; drop the highest id.
    auto last =
        std::max_element(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
    items.erase(last);
  }
  v1::ListContactsResponse out;
  int64_t last_id = 0;
  for (auto& c : items) {
    last_id = std::max(last_id, c.id());
    *out.add_contacts() = sees ? c : MaskContact(c);
  }
  if (more) out.set_next_page_token(EncodePageToken(last_id));
  return out;
}

// The filters, each bad one reported at once, into `f` (scope aside).
absl::Status ValidateListCustomers(const v1::ListCustomersRequest& request, CustomerFilter& f) {
  std::vector<FieldViolation> v;
  auto page = PageSize(request.page_size(), kPageOfRecords);
  if (!page.ok()) {
    v.push_back({"page_size", "must be 0..500"});
  } else {
    f.limit = *page;
  }
  if (!request.page_token().empty()) {
    auto after = DecodePageToken(request.page_token());
    if (!after.ok()) {
      v.push_back({"page_token", "not a token from this list"});
    } else {
      f.after_id = *after;
    }
  }
  for (int t : request.types()) {
    if (t == 0 || !v1::CustomerType_IsValid(t)) v.push_back({"types", "unknown customer type"});
    f.types.push_back(t);
  }
  for (int g : request.demand_grades()) {
    if (!v1::DemandGrade_IsValid(g)) v.push_back({"demand_grades", "unknown grade"});
    f.grades.push_back(g);
  }
  for (int s : request.statuses()) {
    if (s == 0 || !v1::CustomerStatus_IsValid(s)) v.push_back({"statuses", "unknown status"});
    f.statuses.push_back(s);
  }
  if (request.owner_rep_id() < 0) v.push_back({"owner_rep_id", "must be >= 0"});
  if (request.org_unit_id() < 0) v.push_back({"org_unit_id", "must be >= 0"});
  if (request.lapsing_within_days() < 0 || request.lapsing_within_days() > kMaxLapsingWithinDays) {
    v.push_back({"lapsing_within_days", "must be 0..90"});
  }
  if (request.has_as_of()) {
    auto d = ValidateDate(request.as_of(), "as_of");
    if (!d.ok()) v.push_back({"as_of", std::string(d.message())});
  }
  // Filters are compared with their columns: the same limits.
  CheckLength(request.query(), kMaxNameQueryChars, "query", &v);
  CheckLength(request.region(), kMaxRegionChars, "region", &v);
  CheckLength(request.city(), kMaxCityChars, "city", &v);
  CheckLength(request.source_channel(), kMaxSourceChannelChars, "source_channel", &v);
  if (!v.empty()) return InvalidFields(std::move(v));
  f.owner_rep_id = request.owner_rep_id();
  f.region = request.region();
  f.city = request.city();
  f.source_channel = request.source_channel();
  f.query = request.query();
  f.pool_only = request.in_pool_only();
  f.hold_only = request.on_credit_hold_only();
  return absl::OkStatus();
}

// Ids, an update mask of changeable fields, and the same limits as
// registration (field_limits.h) for the fields being changed, before the
// row is even read.
absl::Status ValidateUpdateCustomer(const v1::UpdateCustomerRequest& request) {
  static const std::set<std::string> kAllowed = {"name", "type",    "phone",          "tax_id", "region",
                                                 "city", "address", "source_channel", "notes"};
  std::vector<FieldViolation> v;
  if (!request.has_customer() || request.customer().id() <= 0) v.push_back({"customer.id", "required, > 0"});
  if (request.update_mask().paths().empty()) v.push_back({"update_mask", "at least one field"});
  for (const auto& p : request.update_mask().paths()) {
    if (!kAllowed.count(p)) v.push_back({"update_mask", absl::StrCat("field \"", p, "\" cannot be changed here")});
  }
  std::vector<std::string> paths(request.update_mask().paths().begin(), request.update_mask().paths().end());
  CheckCustomerLengths(request.customer(), "customer.", paths, &v);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The lengths of the fields being changed, before the contact is read
// (ValidateContact checks the merged contact again).
absl::Status ValidateUpdateContact(const v1::UpdateContactRequest& request) {
  static const std::set<std::string> kAllowed = {"name", "title", "phone", "email", "im_id", "primary", "notes"};
  std::vector<FieldViolation> v;
  if (!request.has_contact() || request.contact().id() <= 0) v.push_back({"contact.id", "required, > 0"});
  if (request.update_mask().paths().empty()) v.push_back({"update_mask", "at least one field"});
  for (const auto& p : request.update_mask().paths()) {
    if (!kAllowed.count(p)) v.push_back({"update_mask", absl::StrCat("field \"", p, "\" cannot be changed")});
  }
  std::vector<std::string> paths(request.update_mask().paths().begin(), request.update_mask().paths().end());
  CheckContactLengths(request.contact(), "contact.", paths, &v);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateLinkFamilyMember(const v1::LinkFamilyMemberRequest& request) {
  const auto& l = request.link();
  std::vector<FieldViolation> v;
  if (l.primary_customer_id() <= 0) v.push_back({"link.primary_customer_id", "required, > 0"});
  if (l.member_customer_id() <= 0) v.push_back({"link.member_customer_id", "required, > 0"});
  if (l.primary_customer_id() == l.member_customer_id() && l.primary_customer_id() > 0) {
    v.push_back({"link.member_customer_id", "must differ from the primary"});
  }
  if (l.relation() == v1::FAMILY_RELATION_UNSPECIFIED || !v1::FamilyRelation_IsValid(l.relation())) {
    v.push_back({"link.relation", "spouse, parent or child"});
  }
  for (auto& fv : FieldViolationsOf(RequireText(l.reason(), "link.reason", kMaxReasonChars))) v.push_back(fv);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::ListCustomers(grpc::ServerContext* ctx, const v1::ListCustomersRequest* req,
                                         v1::ListCustomersResponse* resp) {
  CustomerFilter f;
  return ServeRead<v1::ListCustomersResponse>(
      ctx, CustomersMethod("ListCustomers"), rt_, resp, [&](CallContext&) { return ValidateListCustomers(*req, f); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCustomersResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        absl::CivilDay today = BusinessDay(rt_.clock->Now());
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.owner_units, OrgReplica::Subtree(tx, req->org_unit_id()));
          if (f.owner_units.empty()) f.owner_units.push_back(req->org_unit_id());
        }
        if (req->lapsing_within_days() > 0) {
          // Still protected (protected_until >= as_of) but protected_until <
          // as_of + k: base in [as_of - W, as_of + k - W).
          absl::CivilDay as_of = req->has_as_of() ? ToCivilDay(req->as_of()) : today;
          f.base_before = as_of + req->lapsing_within_days() - window;
          f.base_from = as_of - window;
        }
        // A rep lists their own and the pool; a manager their subtree and
        // the pool; finance, the director and services everything.
        f.all_visible = viewer.ReadsAll();
        if (!f.all_visible) {
          if (viewer.rep) f.visible_reps.push_back(viewer.rep_id);
          f.visible_units = viewer.ManagedUnits();
          f.include_pool = true;
        }
        SALES_ASSIGN_OR_RETURN(auto recs, CustomerStore::List(tx, f));
        std::vector<v1::Customer> items;
        for (const auto& r : recs) items.push_back(Present(r, viewer, window, today));
        v1::ListCustomersResponse out;
        FillPage(std::move(items), f.limit, &out, [](auto* r) { return r->add_customers(); });
        return out;
      });
}

grpc::Status CustomersApi::UpdateCustomer(grpc::ServerContext* ctx, const v1::UpdateCustomerRequest* req,
                                          v1::UpdateCustomerResponse* resp) {
  return ServeMutation<v1::UpdateCustomerRequest, v1::UpdateCustomerResponse>(
      ctx, CustomersMethod("UpdateCustomer"), rt_, *req, resp,
      [&](CallContext&) { return ValidateUpdateCustomer(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).Update(tx, call, *req);
      });
}

grpc::Status CustomersApi::SetDemandGrade(grpc::ServerContext* ctx, const v1::SetDemandGradeRequest* req,
                                          v1::SetDemandGradeResponse* resp) {
  return ServeMutation<v1::SetDemandGradeRequest, v1::SetDemandGradeResponse>(
      ctx, CustomersMethod("SetDemandGrade"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (req->demand_grade() == v1::DEMAND_GRADE_UNSPECIFIED || !v1::DemandGrade_IsValid(req->demand_grade())) {
          v.push_back({"demand_grade", "A, B or C required"});
        }
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxLongReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).SetDemandGrade(tx, call, *req);
      });
}

grpc::Status CustomersApi::BlacklistCustomer(grpc::ServerContext* ctx, const v1::BlacklistCustomerRequest* req,
                                             v1::BlacklistCustomerResponse* resp) {
  return ServeMutation<v1::BlacklistCustomerRequest, v1::BlacklistCustomerResponse>(
      ctx, CustomersMethod("BlacklistCustomer"), rt_, *req, resp,
      [&](CallContext&) { return ValidateIdAndReason(req->customer_id(), "customer_id", req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).Blacklist(tx, call, *req);
      });
}

grpc::Status CustomersApi::UnblacklistCustomer(grpc::ServerContext* ctx, const v1::UnblacklistCustomerRequest* req,
                                               v1::UnblacklistCustomerResponse* resp) {
  return ServeMutation<v1::UnblacklistCustomerRequest, v1::UnblacklistCustomerResponse>(
      ctx, CustomersMethod("UnblacklistCustomer"), rt_, *req, resp,
      [&](CallContext&) { return ValidateIdAndReason(req->customer_id(), "customer_id", req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).Unblacklist(tx, call, *req);
      });
}

grpc::Status CustomersApi::AddContact(grpc::ServerContext* ctx, const v1::AddContactRequest* req,
                                      v1::AddContactResponse* resp) {
  v1::Contact c = req->contact();
  return ServeMutation<v1::AddContactRequest, v1::AddContactResponse>(
      ctx, CustomersMethod("AddContact"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        if (!req->has_contact()) return InvalidField("contact", "required");
        return ValidateContact(c, "contact");
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).AddContact(tx, call, *req, c);
      });
}

grpc::Status CustomersApi::UpdateContact(grpc::ServerContext* ctx, const v1::UpdateContactRequest* req,
                                         v1::UpdateContactResponse* resp) {
  return ServeMutation<v1::UpdateContactRequest, v1::UpdateContactResponse>(
      ctx, CustomersMethod("UpdateContact"), rt_, *req, resp, [&](CallContext&) { return ValidateUpdateContact(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).UpdateContact(tx, call, *req);
      });
}

grpc::Status CustomersApi::RemoveContact(grpc::ServerContext* ctx, const v1::RemoveContactRequest* req,
                                         v1::RemoveContactResponse* resp) {
  return ServeMutation<v1::RemoveContactRequest, v1::RemoveContactResponse>(
      ctx, CustomersMethod("RemoveContact"), rt_, *req, resp,
      [&](CallContext&) {
        return req->contact_id() > 0 ? absl::OkStatus() : InvalidField("contact_id", "required, > 0");
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).RemoveContact(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListContacts(grpc::ServerContext* ctx, const v1::ListContactsRequest* req,
                                        v1::ListContactsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListContactsResponse>(
      ctx, CustomersMethod("ListContacts"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListContactsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        CustomerVisibility visibility = viewer.VisibilityOf(rec);
        // Someone else's customer shows its name and city only
        // (domain/masking.h): its contacts, even masked, are more than that.
        if (visibility == CustomerVisibility::kNameAndCity) {
          return Denied("contacts are read by the owner, their manager and above");
        }
        SALES_ASSIGN_OR_RETURN(auto items, ContactStore::List(tx, rec.customer.id(), after, page));
        return ContactsPage(std::move(items), page, visibility == CustomerVisibility::kFull);
      });
}

grpc::Status CustomersApi::LinkFamilyMember(grpc::ServerContext* ctx, const v1::LinkFamilyMemberRequest* req,
                                            v1::LinkFamilyMemberResponse* resp) {
  return ServeMutation<v1::LinkFamilyMemberRequest, v1::LinkFamilyMemberResponse>(
      ctx, CustomersMethod("LinkFamilyMember"), rt_, *req, resp,
      [&](CallContext&) { return ValidateLinkFamilyMember(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).LinkFamilyMember(tx, call, *req);
      });
}

grpc::Status CustomersApi::UnlinkFamilyMember(grpc::ServerContext* ctx, const v1::UnlinkFamilyMemberRequest* req,
                                              v1::UnlinkFamilyMemberResponse* resp) {
  return ServeMutation<v1::UnlinkFamilyMemberRequest, v1::UnlinkFamilyMemberResponse>(
      ctx, CustomersMethod("UnlinkFamilyMember"), rt_, *req, resp,
      [&](CallContext&) { return ValidateIdAndReason(req->link_id(), "link_id", req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRecords(*rt_.clock, *rt_.outbox).UnlinkFamilyMember(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListFamilyLinks(grpc::ServerContext* ctx, const v1::ListFamilyLinksRequest* req,
                                           v1::ListFamilyLinksResponse* resp) {
  return ServeRead<v1::ListFamilyLinksResponse>(
      ctx, CustomersMethod("ListFamilyLinks"), rt_, resp,
      [&](CallContext&) {
        return req->customer_id() > 0 ? absl::OkStatus() : InvalidField("customer_id", "required, > 0");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListFamilyLinksResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        if (!viewer.Sees(rec)) return Denied("family links are read by the owner, their manager and above");
        SALES_ASSIGN_OR_RETURN(auto links, CustomerStore::FamilyLinksOf(tx, rec.customer.id()));
        v1::ListFamilyLinksResponse out;
        for (auto& l : links) *out.add_links() = std::move(l);
        return out;
      });
}

}  // namespace sales::customers
