// Customer master data: listing in scope, updates with etags, demand grade,
// blacklist, contacts and family links (直系亲属视为同一客户).
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

constexpr char kService[] = "sales.customers.v1.CustomersService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

absl::Status Precondition(const std::string& what, const char* reason) {
  return WithErrorInfo(absl::FailedPreconditionError(what), reason, kDomain);
}

absl::Status NotBlacklisted(const CustomerRecord& rec) {
  if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
  }
  return absl::OkStatus();
}

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

absl::Status PhoneFree(db::Transaction& tx, const std::string& phone, int64_t customer_id, const CustomerViewer& v,
                       int window, absl::CivilDay today) {
  if (phone.empty()) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(auto dups, CustomerStore::FindDuplicates(tx, {phone}, "", "", customer_id));
  if (!dups.empty()) return AlreadyRegistered(tx, dups.front(), v, window, today);
  return absl::OkStatus();
}

v1::CustomerUpdatedEvent Updated(const CustomerRecord& rec, const std::vector<std::string>& fields, const Who& who,
                                 int window, absl::CivilDay today) {
  v1::CustomerUpdatedEvent e;
  *e.mutable_customer() = Present(rec, CustomerViewer{.everything = true}, window, today);
  for (const auto& f : fields) e.add_changed_fields(f);
  *e.mutable_actor() = who.ToActor();
  return e;
}

}  // namespace

grpc::Status CustomersApi::ListCustomers(grpc::ServerContext* ctx, const v1::ListCustomersRequest* req,
                                         v1::ListCustomersResponse* resp) {
  CustomerFilter f;
  return ServeRead<v1::ListCustomersResponse>(
      ctx, M("ListCustomers"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        auto page = PageSize(req->page_size(), 100, 500);
        if (!page.ok()) {
          v.push_back({"page_size", "must be 0..500"});
        } else {
          f.limit = *page;
        }
        if (!req->page_token().empty()) {
          auto after = DecodePageToken(req->page_token());
          if (!after.ok()) {
            v.push_back({"page_token", "not a token from this list"});
          } else {
            f.after_id = *after;
          }
        }
        for (int t : req->types()) {
          if (t == 0 || !v1::CustomerType_IsValid(t)) v.push_back({"types", "unknown customer type"});
          f.types.push_back(t);
        }
        for (int g : req->demand_grades()) {
          if (!v1::DemandGrade_IsValid(g)) v.push_back({"demand_grades", "unknown grade"});
          f.grades.push_back(g);
        }
        for (int s : req->statuses()) {
          if (s == 0 || !v1::CustomerStatus_IsValid(s)) v.push_back({"statuses", "unknown status"});
          f.statuses.push_back(s);
        }
        if (req->owner_rep_id() < 0) v.push_back({"owner_rep_id", "must be >= 0"});
        if (req->org_unit_id() < 0) v.push_back({"org_unit_id", "must be >= 0"});
        if (req->lapsing_within_days() < 0 || req->lapsing_within_days() > kMaxLapsingWithinDays) {
          v.push_back({"lapsing_within_days", "must be 0..90"});
        }
        if (req->has_as_of()) {
          auto d = ValidateDate(req->as_of(), "as_of");
          if (!d.ok()) v.push_back({"as_of", std::string(d.message())});
        }
        // Filters are compared with their columns: the same limits.
        CheckLength(req->query(), kMaxNameQueryChars, "query", &v);
        CheckLength(req->region(), kMaxRegionChars, "region", &v);
        CheckLength(req->city(), kMaxCityChars, "city", &v);
        CheckLength(req->source_channel(), kMaxSourceChannelChars, "source_channel", &v);
        if (!v.empty()) return InvalidFields(std::move(v));
        f.owner_rep_id = req->owner_rep_id();
        f.region = req->region();
        f.city = req->city();
        f.source_channel = req->source_channel();
        f.query = req->query();
        f.pool_only = req->in_pool_only();
        f.hold_only = req->on_credit_hold_only();
        return absl::OkStatus();
      },
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
          f.visible_units = viewer.units;
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
  static const std::set<std::string> kAllowed = {"name",   "type",    "phone",          "tax_id", "region",
                                                 "city",   "address", "source_channel", "notes"};
  return ServeMutation<v1::UpdateCustomerRequest, v1::UpdateCustomerResponse>(
      ctx, M("UpdateCustomer"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (!req->has_customer() || req->customer().id() <= 0) v.push_back({"customer.id", "required, > 0"});
        if (req->update_mask().paths().empty()) v.push_back({"update_mask", "at least one field"});
        for (const auto& p : req->update_mask().paths()) {
          if (!kAllowed.count(p)) v.push_back({"update_mask", absl::StrCat("field \"", p, "\" cannot be changed here")});
        }
        // The same limits as registration (field_limits.h), for the fields
        // being changed, before the row is even read.
        std::vector<std::string> paths(req->update_mask().paths().begin(), req->update_mask().paths().end());
        CheckCustomerLengths(req->customer(), "customer.", paths, &v);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer().id()));
        if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("only the owner or their manager changes a customer");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        SALES_RETURN_IF_ERROR(NotBlacklisted(rec));
        v1::Customer next = rec.customer;
        const v1::Customer& in = req->customer();
        std::vector<std::string> changed;
        std::vector<FieldViolation> v;
        std::string before_text, after_text;
        for (const auto& p : req->update_mask().paths()) {
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
                                                 absl::StrJoin(changed, ","), "master data changed", call.request_id,
                                                 now));
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(rec.customer.id()),
                                                 Updated(after, changed, viewer.who, window, today), call.request_id));
        v1::UpdateCustomerResponse out;
        *out.mutable_customer() = Present(after, viewer, window, today);
        return out;
      });
}

grpc::Status CustomersApi::SetDemandGrade(grpc::ServerContext* ctx, const v1::SetDemandGradeRequest* req,
                                          v1::SetDemandGradeResponse* resp) {
  return ServeMutation<v1::SetDemandGradeRequest, v1::SetDemandGradeResponse>(
      ctx, M("SetDemandGrade"), rt_, *req, resp,
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
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SetDemandGradeResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        // 等级的认定由经理根据市场调查情报综合认定: the manager grades.
        if (!viewer.Manages(rec)) return Denied("the demand grade is set by the owner's manager or above");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        v1::Customer next = rec.customer;
        next.set_demand_grade(req->demand_grade());
        SALES_RETURN_IF_ERROR(CustomerStore::UpdateMasterData(tx, next, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "DEMAND_GRADE_SET",
                                                 v1::DemandGrade_Name(rec.customer.demand_grade()),
                                                 v1::DemandGrade_Name(req->demand_grade()), req->reason(),
                                                 call.request_id, now));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(rec.customer.id()),
                                                 Updated(after, {"demand_grade"}, viewer.who, window, today),
                                                 call.request_id));
        v1::SetDemandGradeResponse out;
        *out.mutable_customer() = Present(after, viewer, window, today);
        return out;
      });
}

grpc::Status CustomersApi::BlacklistCustomer(grpc::ServerContext* ctx, const v1::BlacklistCustomerRequest* req,
                                             v1::BlacklistCustomerResponse* resp) {
  return ServeMutation<v1::BlacklistCustomerRequest, v1::BlacklistCustomerResponse>(
      ctx, M("BlacklistCustomer"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::BlacklistCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!viewer.Manages(rec) && !viewer.finance) return Denied("blacklisting is for managers, the director and finance");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        SALES_RETURN_IF_ERROR(NotBlacklisted(rec));
        SALES_RETURN_IF_ERROR(CustomerStore::SetStatus(tx, rec.customer.id(), v1::CUSTOMER_STATUS_BLACKLISTED,
                                                       req->reason(), rec.customer.status(), now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "BLACKLISTED",
                                                 v1::CustomerStatus_Name(rec.customer.status()),
                                                 "CUSTOMER_STATUS_BLACKLISTED", req->reason(), call.request_id, now));
        SALES_RETURN_IF_ERROR(AppendStatusChanged(tx, *rt_.outbox, rec, rec.customer.status(), v1::CUSTOMER_STATUS_BLACKLISTED, FromCivilDay(BusinessDay(now)),
                                                  req->reason(), viewer.who, call.request_id));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        v1::BlacklistCustomerResponse out;
        *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
        return out;
      });
}

grpc::Status CustomersApi::UnblacklistCustomer(grpc::ServerContext* ctx, const v1::UnblacklistCustomerRequest* req,
                                               v1::UnblacklistCustomerResponse* resp) {
  return ServeMutation<v1::UnblacklistCustomerRequest, v1::UnblacklistCustomerResponse>(
      ctx, M("UnblacklistCustomer"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UnblacklistCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!viewer.Manages(rec)) return Denied("lifting a blacklisting is for managers and the director");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
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
                                                 req->reason(), call.request_id, now));
        SALES_RETURN_IF_ERROR(AppendStatusChanged(tx, *rt_.outbox, rec, v1::CUSTOMER_STATUS_BLACKLISTED, back, FromCivilDay(BusinessDay(now)),
                                                  req->reason(), viewer.who, call.request_id));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        v1::UnblacklistCustomerResponse out;
        *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
        return out;
      });
}

grpc::Status CustomersApi::AddContact(grpc::ServerContext* ctx, const v1::AddContactRequest* req,
                                      v1::AddContactResponse* resp) {
  v1::Contact c = req->contact();
  return ServeMutation<v1::AddContactRequest, v1::AddContactResponse>(
      ctx, M("AddContact"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        if (!req->has_contact()) return InvalidField("contact", "required");
        return ValidateContact(c, "contact");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::AddContactResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_RETURN_IF_ERROR(PhoneFree(tx, c.normalized_phone(), rec.customer.id(), viewer, window, BusinessDay(now)));
        v1::AddContactResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_contact(), ContactStore::Insert(tx, rec.customer.id(), c, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CONTACT_ADDED", "",
                                                 absl::StrCat(c.name(), " ", MaskPhone(c.normalized_phone())), "",
                                                 call.request_id, now));
        return out;
      });
}

grpc::Status CustomersApi::UpdateContact(grpc::ServerContext* ctx, const v1::UpdateContactRequest* req,
                                         v1::UpdateContactResponse* resp) {
  static const std::set<std::string> kAllowed = {"name", "title", "phone", "email", "im_id", "primary", "notes"};
  return ServeMutation<v1::UpdateContactRequest, v1::UpdateContactResponse>(
      ctx, M("UpdateContact"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (!req->has_contact() || req->contact().id() <= 0) v.push_back({"contact.id", "required, > 0"});
        if (req->update_mask().paths().empty()) v.push_back({"update_mask", "at least one field"});
        for (const auto& p : req->update_mask().paths()) {
          if (!kAllowed.count(p)) v.push_back({"update_mask", absl::StrCat("field \"", p, "\" cannot be changed")});
        }
        // The lengths of the fields being changed, before the contact is
        // read (ValidateContact checks the merged contact again).
        std::vector<std::string> paths(req->update_mask().paths().begin(), req->update_mask().paths().end());
        CheckContactLengths(req->contact(), "contact.", paths, &v);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateContactResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto current, ContactStore::Get(tx, req->contact().id(), true));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, current.customer_id()));
        if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "contact", current.id()));
        v1::Contact next = current;
        const v1::Contact& in = req->contact();
        for (const auto& p : req->update_mask().paths()) {
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
      });
}

grpc::Status CustomersApi::RemoveContact(grpc::ServerContext* ctx, const v1::RemoveContactRequest* req,
                                         v1::RemoveContactResponse* resp) {
  return ServeMutation<v1::RemoveContactRequest, v1::RemoveContactResponse>(
      ctx, M("RemoveContact"), rt_, *req, resp,
      [&](CallContext&) { return req->contact_id() > 0 ? absl::OkStatus() : InvalidField("contact_id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RemoveContactResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto current, ContactStore::Get(tx, req->contact_id(), true));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, current.customer_id()));
        if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("contacts are kept by the owner or their manager");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), current.etag(), "contact", current.id()));
        SALES_RETURN_IF_ERROR(ContactStore::Remove(tx, current.id()));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CONTACT_REMOVED", current.name(), "",
                                                 "", call.request_id, now));
        v1::RemoveContactResponse out;
        out.set_contact_id(current.id());
        return out;
      });
}

grpc::Status CustomersApi::ListContacts(grpc::ServerContext* ctx, const v1::ListContactsRequest* req,
                                        v1::ListContactsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListContactsResponse>(
      ctx, M("ListContacts"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
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
        bool more = static_cast<int>(items.size()) > page;
        if (more) {
          // The extra row only says another page exists; drop the highest id.
          auto last = std::max_element(items.begin(), items.end(),
                                       [](const auto& a, const auto& b) { return a.id() < b.id(); });
          items.erase(last);
        }
        bool sees = visibility == CustomerVisibility::kFull;
        v1::ListContactsResponse out;
        int64_t last_id = 0;
        for (auto& c : items) {
          last_id = std::max(last_id, c.id());
          *out.add_contacts() = sees ? c : MaskContact(c);
        }
        if (more) out.set_next_page_token(EncodePageToken(last_id));
        return out;
      });
}

grpc::Status CustomersApi::LinkFamilyMember(grpc::ServerContext* ctx, const v1::LinkFamilyMemberRequest* req,
                                            v1::LinkFamilyMemberResponse* resp) {
  return ServeMutation<v1::LinkFamilyMemberRequest, v1::LinkFamilyMemberResponse>(
      ctx, M("LinkFamilyMember"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        const auto& l = req->link();
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
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::LinkFamilyMemberResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        const auto& l = req->link();
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
          return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("customer ", member.customer.id(),
                                                                     " is already linked to #",
                                                                     member.customer.primary_customer_id())),
                               "ALREADY_LINKED", kDomain);
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
        bool member_account = member.customer.status() == v1::CUSTOMER_STATUS_ACTIVE ||
                              member.customer.status() == v1::CUSTOMER_STATUS_DORMANT;
        if (member_account && member.customer.owner_rep_id() != 0 &&
            member.customer.owner_rep_id() != primary.customer.owner_rep_id()) {
          return Precondition("the member is an account of another rep: transfer it first", "MEMBER_IS_OTHERS_ACCOUNT");
        }
        SALES_ASSIGN_OR_RETURN(int64_t link_id,
                               CustomerStore::InsertFamilyLink(tx, primary.customer.id(), member.customer.id(),
                                                               l.relation(), l.reason(), viewer.who,
                                                               member.customer.owner_rep_id(), now));
        SALES_RETURN_IF_ERROR(CustomerStore::SetPrimary(tx, member.customer.id(), primary.customer.id(), now));
        if (member.customer.owner_rep_id() != primary.customer.owner_rep_id()) {
          SALES_ASSIGN_OR_RETURN(auto fresh, CustomerStore::Get(tx, member.customer.id()));
          CustomerStore::OwnerChange ch;
          ch.to_rep_id = primary.customer.owner_rep_id();
          ch.kind = v1::OWNERSHIP_CHANGE_KIND_FAMILY_LINKED;
          ch.reason = absl::StrCat("family member of #", primary.customer.id(), ": ", l.reason());
          ch.who = viewer.who;
          ch.new_base = primary.protection_base;
          SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, fresh, ch, call.request_id, now).status());
        }
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, member.customer.id(), viewer.who, "FAMILY_LINKED", "",
                                                 absl::StrCat("member of #", primary.customer.id(), " (",
                                                              v1::FamilyRelation_Name(l.relation()), ")"),
                                                 l.reason(), call.request_id, now));
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
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(member.customer.id()), e, call.request_id));
        return out;
      });
}

grpc::Status CustomersApi::UnlinkFamilyMember(grpc::ServerContext* ctx, const v1::UnlinkFamilyMemberRequest* req,
                                              v1::UnlinkFamilyMemberResponse* resp) {
  return ServeMutation<v1::UnlinkFamilyMemberRequest, v1::UnlinkFamilyMemberResponse>(
      ctx, M("UnlinkFamilyMember"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->link_id() <= 0) v.push_back({"link_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UnlinkFamilyMemberResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(auto stored, CustomerStore::LockFamilyLink(tx, req->link_id()));
        int64_t primary_id = stored.link.primary_customer_id(), member_id = stored.link.member_customer_id();
        int64_t owner_before = stored.member_owner_before;
        SALES_ASSIGN_OR_RETURN(auto member, CustomerStore::Lock(tx, member_id));
        if (!(viewer.everything || (viewer.manager && viewer.Manages(member)))) {
          return Denied("family links are removed by a manager");
        }
        const v1::FamilyLink& link = stored.link;
        SALES_RETURN_IF_ERROR(CustomerStore::DeleteFamilyLink(tx, req->link_id()));
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
          ch.reason = absl::StrCat("family link to #", primary_id, " removed: ", req->reason());
          ch.who = viewer.who;
          if (back != 0 && fresh.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
          SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, fresh, ch, call.request_id, now).status());
        } else if (fresh.customer.status() == v1::CUSTOMER_STATUS_PROSPECT && back != 0) {
          SALES_RETURN_IF_ERROR(CustomerStore::SetProtectionBase(
              tx, member_id, today,
              fresh.customer.has_last_follow_up_date()
                  ? std::optional<absl::CivilDay>(ToCivilDay(fresh.customer.last_follow_up_date()))
                  : std::nullopt,
              now));
        }
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, member_id, viewer.who, "FAMILY_UNLINKED",
                                                 absl::StrCat("member of #", primary_id), "", req->reason(),
                                                 call.request_id, now));
        v1::FamilyMemberUnlinkedEvent e;
        *e.mutable_link() = link;
        e.set_reason(req->reason());
        e.set_member_owner_rep_id(back);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(member_id), e, call.request_id));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, member_id));
        v1::UnlinkFamilyMemberResponse out;
        *out.mutable_member() = Present(after, viewer, window, today);
        return out;
      });
}

grpc::Status CustomersApi::ListFamilyLinks(grpc::ServerContext* ctx, const v1::ListFamilyLinksRequest* req,
                                           v1::ListFamilyLinksResponse* resp) {
  return ServeRead<v1::ListFamilyLinksResponse>(
      ctx, M("ListFamilyLinks"), rt_, resp,
      [&](CallContext&) { return req->customer_id() > 0 ? absl::OkStatus() : InvalidField("customer_id", "required, > 0"); },
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
