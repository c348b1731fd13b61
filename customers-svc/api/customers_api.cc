#include "customers-svc/api/customers_api.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/app/customer_registration.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

std::vector<sales::MigrationFile> CustomersMigrations();

namespace sales::customers {
namespace {

// Checks and normalises a registration; every bad field is reported at once.
absl::Status PrepareCustomer(v1::Customer& c) {
  std::vector<FieldViolation> v;
  // Lengths first (field_limits.h): a text too long for its column is not
  // normalised or looked at any further.
  CheckCustomerLengths(c, "customer.", {}, &v);
  auto too_long = [&v](absl::string_view field) {
    return std::any_of(v.begin(), v.end(), [&](const FieldViolation& f) { return f.field == field; });
  };
  if (c.name().empty()) v.push_back({"customer.name", "required"});
  if (c.type() == v1::CUSTOMER_TYPE_UNSPECIFIED || !v1::CustomerType_IsValid(c.type())) {
    v.push_back({"customer.type", "required"});
  }
  if (c.region().empty()) v.push_back({"customer.region", "required"});
  if (c.city().empty()) v.push_back({"customer.city", "required"});
  if (c.phone().empty()) {
    v.push_back({"customer.phone", "required"});
  } else if (!too_long("customer.phone")) {
    auto phone = NormalizePhone(c.phone());
    if (!phone.ok()) {
      for (auto& fv : FieldViolationsOf(phone.status())) v.push_back({"customer.phone", fv.description});
    } else {
      c.set_normalized_phone(*phone);
    }
  }
  if (!c.tax_id().empty()) {
    auto tax = NormalizeTaxId(c.tax_id());
    if (!tax.ok()) {
      for (auto& fv : FieldViolationsOf(tax.status())) v.push_back({"customer.tax_id", fv.description});
    } else {
      c.set_tax_id(*tax);
      c.set_normalized_tax_id(*tax);
    }
  }
  if (!too_long("customer.name")) {
    c.set_normalized_name(NormalizeName(c.name()));
    if (!c.name().empty() && c.normalized_name().empty()) {
      v.push_back({"customer.name", "has no letters or digits"});
    }
  }
  for (int i = 0; i < c.contacts_size(); ++i) {
    std::string field = absl::StrCat("customer.contacts[", i, "]");
    SALES_RETURN_IF_ERROR(ValidateContact(*c.mutable_contacts(i), field));
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The registration's shape and who it is for: the customer checked and
// normalised into `c` with its owner (the calling rep unless named), PROSPECT
// and no referrer; a rep registers for themself, and only reps,
// receptionists, managers (and above) and services register.
absl::Status ValidateRegisterCustomer(const v1::RegisterCustomerRequest& req, const Principal& p, v1::Customer& c) {
  if (!req.has_customer()) return InvalidField("customer", "required");
  SALES_RETURN_IF_ERROR(PrepareCustomer(c));
  int64_t owner = req.owner_rep_id() != 0 ? req.owner_rep_id() : p.rep_id;
  if (owner < 0) return InvalidField("owner_rep_id", "must be > 0");
  if (owner == 0) return InvalidField("owner_rep_id", "required when the caller is not a rep");
  if (p.authenticated() && p.role == kRoleRep && owner != p.rep_id) {
    return Denied("a rep registers customers for themself only");
  }
  if (p.authenticated() && p.role != kRoleRep && p.role != kRoleManager && p.role != kRoleDirector &&
      p.role != kRoleAdmin && p.role != kRoleReceptionist && p.role != kRoleService) {
    return Denied("only reps, receptionists and managers register customers");
  }
  if (req.referral_id() < 0) return InvalidField("referral_id", "must be >= 0");
  c.set_owner_rep_id(owner);
  c.set_status(v1::CUSTOMER_STATUS_PROSPECT);
  c.set_referrer_customer_id(0);
  return absl::OkStatus();
}

// At least one key, each within the limits registration holds it to
// (field_limits.h: what RegisterCustomer would refuse is refused here too,
// before any normalising or SQL), normalised into `keys` and `phones`.
absl::Status ValidateCheckDuplicate(const v1::CheckDuplicateRequest& req, v1::NormalizedKeys& keys,
                                    std::vector<std::string>& phones) {
  std::vector<FieldViolation> v;
  if (req.name().empty() && req.phone().empty() && req.tax_id().empty() && req.contact_phones().empty()) {
    return InvalidField("name", "at least one of name, phone, tax_id, contact_phones is required");
  }
  bool name_too_long = CheckLength(req.name(), kMaxCustomerNameChars, "name", &v);
  bool phone_too_long = CheckLength(req.phone(), kMaxPhoneChars, "phone", &v);
  std::vector<bool> contact_too_long;
  for (int i = 0; i < req.contact_phones_size(); ++i) {
    contact_too_long.push_back(
        CheckLength(req.contact_phones(i), kMaxPhoneChars, absl::StrCat("contact_phones[", i, "]"), &v));
  }
  if (!req.phone().empty() && !phone_too_long) {
    auto p = NormalizePhone(req.phone());
    if (!p.ok()) {
      v.push_back({"phone", std::string(p.status().message())});
    } else {
      keys.set_phone(*p);
      phones.push_back(*p);
    }
  }
  for (int i = 0; i < req.contact_phones_size(); ++i) {
    if (contact_too_long[i]) continue;
    auto p = NormalizePhone(req.contact_phones(i));
    if (!p.ok()) {
      v.push_back({absl::StrCat("contact_phones[", i, "]"), std::string(p.status().message())});
    } else {
      phones.push_back(*p);
    }
  }
  if (!req.tax_id().empty()) {
    auto t = NormalizeTaxId(req.tax_id());
    if (!t.ok()) {
      v.push_back({"tax_id", std::string(t.status().message())});
    } else {
      keys.set_tax_id(*t);
    }
  }
  if (!req.name().empty() && !name_too_long) {
    keys.set_name(NormalizeName(req.name()));
    if (keys.name().empty()) v.push_back({"name", "has no letters or digits"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status CheckIds(const google::protobuf::RepeatedField<int64_t>& ids, const char* field) {
  if (ids.empty()) return InvalidField(field, "at least one id required");
  if (ids.size() > 500) return InvalidField(field, "at most 500 ids");
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i] <= 0) return InvalidField(absl::StrCat(field, "[", i, "]"), "must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::RegisterCustomer(grpc::ServerContext* ctx, const v1::RegisterCustomerRequest* req,
                                            v1::RegisterCustomerResponse* resp) {
  v1::Customer c = req->customer();
  return ServeMutation<v1::RegisterCustomerRequest, v1::RegisterCustomerResponse>(
      ctx, CustomersMethod("RegisterCustomer"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateRegisterCustomer(*req, call.principal, c); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRegistration(*rt_.clock, *rt_.outbox, TargetsConfigured()).Register(tx, call, *req, c);
      });
}

grpc::Status CustomersApi::GetCustomer(grpc::ServerContext* ctx, const v1::GetCustomerRequest* req,
                                       v1::GetCustomerResponse* resp) {
  return ServeRead<v1::GetCustomerResponse>(
      ctx, CustomersMethod("GetCustomer"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->id()));
        if (viewer.Sees(rec)) {
          SALES_ASSIGN_OR_RETURN(auto contacts, ContactStore::List(tx, rec.customer.id(), 0, 200));
          for (auto& ct : contacts) *rec.customer.add_contacts() = ct;
        }
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        v1::GetCustomerResponse out;
        *out.mutable_customer() = Present(rec, viewer, window, BusinessDay(rt_.clock->Now()));
        return out;
      });
}

grpc::Status CustomersApi::BatchGetCustomers(grpc::ServerContext* ctx, const v1::BatchGetCustomersRequest* req,
                                             v1::BatchGetCustomersResponse* resp) {
  return ServeRead<v1::BatchGetCustomersResponse>(
      ctx, CustomersMethod("BatchGetCustomers"), rt_, resp, [&](CallContext&) { return CheckIds(req->ids(), "ids"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::BatchGetCustomersResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        std::vector<int64_t> ids(req->ids().begin(), req->ids().end());
        SALES_ASSIGN_OR_RETURN(auto recs, CustomerStore::GetMany(tx, ids));
        std::map<int64_t, CustomerRecord*> by_id;
        for (auto& r : recs) by_id[r.customer.id()] = &r;
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        absl::CivilDay today = BusinessDay(rt_.clock->Now());
        v1::BatchGetCustomersResponse out;
        for (int64_t id : ids) {
          auto it = by_id.find(id);
          if (it == by_id.end()) {
            out.add_missing_ids(id);
            continue;
          }
          *out.add_customers() = Present(*it->second, viewer, window, today);
        }
        return out;
      });
}

grpc::Status CustomersApi::CheckDuplicate(grpc::ServerContext* ctx, const v1::CheckDuplicateRequest* req,
                                          v1::CheckDuplicateResponse* resp) {
  v1::NormalizedKeys keys;
  std::vector<std::string> phones;
  return ServeRead<v1::CheckDuplicateResponse>(
      ctx, CustomersMethod("CheckDuplicate"), rt_, resp,
      [&](CallContext&) { return ValidateCheckDuplicate(*req, keys, phones); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerRegistration(*rt_.clock, *rt_.outbox, TargetsConfigured())
            .CheckDuplicate(tx, call, keys, phones);
      });
}

grpc::Status CustomersApi::ListCustomerAudit(grpc::ServerContext* ctx, const v1::ListCustomerAuditRequest* req,
                                             v1::ListCustomerAuditResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListCustomerAuditResponse>(
      ctx, CustomersMethod("ListCustomerAudit"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        }
        for (int i = 0; i < req->actions_size(); ++i) {
          if (req->actions(i).empty() || CharCount(req->actions(i)) > kMaxAuditActionChars) {
            return InvalidField(absl::StrCat("actions[", i, "]"),
                                absl::StrCat("1..", kMaxAuditActionChars, " characters"));
          }
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCustomerAuditResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        // Owner, manager in scope, director, finance (domain.md §1: the
        // audit is the evidence in disputes).
        if (!viewer.Sees(rec)) return Denied("the audit is read by the owner, their manager, finance and the director");
        std::vector<std::string> actions(req->actions().begin(), req->actions().end());
        SALES_ASSIGN_OR_RETURN(auto entries, AuditStore::List(tx, rec.customer.id(), actions, after, page + 1));
        v1::ListCustomerAuditResponse out;
        FillPage(std::move(entries), page, &out, [](auto* r) { return r->add_entries(); });
        return out;
      });
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* CustomersApi::StreamEvents(grpc::CallbackServerContext* ctx,
                                                                               const v1::StreamEventsRequest* req) {
  return rt_.feeds->Open<v1::StreamEventsRequest, v1::StreamEventsResponse>(ctx, CustomersMethod("StreamEvents"), *req);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def = DefineService<CustomersApi>("customers", 50062, CustomersMigrations(), kCustomersService);
  def.shared_migrations.push_back(OrgReplicaMigrations());
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    SALES_RETURN_IF_ERROR(KeepOrgReplica(rt));
    const Clock* clock = rt.clock;
    Outbox* outbox = rt.outbox;
    SALES_RETURN_IF_ERROR((
        rt.FollowFeed<finance::v1::FinanceService, finance::v1::StreamEventsRequest, finance::v1::StreamEventsResponse>(
            "customers", "finance", [clock, outbox](db::Transaction& tx, const common::v1::Event& e) {
              return ApplyFinanceEvent(tx, *outbox, e, clock->Now());
            })));
    SALES_RETURN_IF_ERROR(
        (rt.FollowFeed<orders::v1::OrdersService, orders::v1::StreamEventsRequest, orders::v1::StreamEventsResponse>(
            "customers", "orders", [clock, outbox](db::Transaction& tx, const common::v1::Event& e) {
              return ApplyOrdersEvent(tx, *outbox, e, clock->Now());
            })));
    return services;
  };
  return def;
}

}  // namespace sales::customers
