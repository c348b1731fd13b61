#include "customers-svc/api/customers_api.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/store/customer_store.h"
#include "platform/org/org_replica.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"
#include "platform/feed_handler.h"
#include "platform/handlers.h"
#include "platform/status.h"

std::vector<sales::MigrationFile> CustomersMigrations();

namespace sales::customers {
namespace {

constexpr char kService[] = "sales.customers.v1.CustomersService";
constexpr char kDomain[] = "customers.sales";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

// Checks and normalises a registration; every bad field is reported at once.
absl::Status PrepareCustomer(v1::Customer& c) {
  std::vector<FieldViolation> v;
  if (c.name().empty() || c.name().size() > 200) v.push_back({"customer.name", "required, at most 200 bytes"});
  if (c.type() == v1::CUSTOMER_TYPE_UNSPECIFIED || !v1::CustomerType_IsValid(c.type())) {
    v.push_back({"customer.type", "required"});
  }
  if (c.region().empty() || c.region().size() > 32) v.push_back({"customer.region", "required, at most 32 bytes"});
  if (c.city().empty() || c.city().size() > 64) v.push_back({"customer.city", "required, at most 64 bytes"});
  if (c.address().size() > 255) v.push_back({"customer.address", "at most 255 bytes"});
  if (c.source_channel().size() > 32) v.push_back({"customer.source_channel", "at most 32 bytes"});
  auto phone = NormalizePhone(c.phone());
  if (c.phone().empty()) {
    v.push_back({"customer.phone", "required"});
  } else if (!phone.ok()) {
    for (auto& fv : FieldViolationsOf(phone.status())) v.push_back(fv);
  } else {
    c.set_normalized_phone(*phone);
  }
  if (!c.tax_id().empty()) {
    auto tax = NormalizeTaxId(c.tax_id());
    if (!tax.ok()) {
      for (auto& fv : FieldViolationsOf(tax.status())) v.push_back(fv);
    } else {
      c.set_tax_id(*tax);
    }
  }
  c.set_normalized_name(NormalizeName(c.name()));
  if (!c.name().empty() && c.normalized_name().empty()) {
    v.push_back({"customer.name", "has no letters or digits"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status AlreadyRegistered(const v1::Customer& holder) {
  return WithErrorInfo(
      absl::AlreadyExistsError(absl::StrCat("customer already registered as #", holder.id(),
                                            " (", holder.city(), "), held by rep ",
                                            holder.owner_rep_id())),
      "CUSTOMER_EXISTS", kDomain,
      {{"customer_id", absl::StrCat(holder.id())},
       {"owner_rep_id", absl::StrCat(holder.owner_rep_id())},
       {"city", holder.city()},
       {"phone", MaskPhone(holder.normalized_phone())}});
}

}  // namespace

absl::Status CustomersApi::CheckOwner(db::Transaction& tx, int64_t rep_id) {
  // Only when the organization copy is being fed can a rep be checked.
  if (!rt_.HasPeer("targets")) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  if (!rep.has_value()) return InvalidField("owner_rep_id", "unknown rep");
  if (rep->left()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " has left the company")),
                         "REP_LEFT", kDomain);
  }
  return absl::OkStatus();
}

grpc::Status CustomersApi::RegisterCustomer(grpc::ServerContext* ctx,
                                            const v1::RegisterCustomerRequest* req,
                                            v1::RegisterCustomerResponse* resp) {
  v1::Customer c = req->customer();
  return ServeMutation<v1::RegisterCustomerRequest, v1::RegisterCustomerResponse>(
      ctx, M("RegisterCustomer"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!req->has_customer()) return InvalidField("customer", "required");
        SALES_RETURN_IF_ERROR(PrepareCustomer(c));
        int64_t owner = req->owner_rep_id() != 0 ? req->owner_rep_id() : call.principal.rep_id;
        if (owner < 0) return InvalidField("owner_rep_id", "must be > 0");
        if (owner == 0) return InvalidField("owner_rep_id", "required when the caller is not a rep");
        c.set_owner_rep_id(owner);
        c.set_status(v1::CUSTOMER_STATUS_PROSPECT);
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RegisterCustomerResponse> {
        SALES_RETURN_IF_ERROR(CheckOwner(tx, c.owner_rep_id()));
        SALES_ASSIGN_OR_RETURN(auto dup, CustomerStore::FindDuplicate(tx, c));
        if (dup.has_value()) return AlreadyRegistered(*dup);
        auto inserted = CustomerStore::Insert(tx, c, rt_.clock->Now());
        if (absl::IsAlreadyExists(inserted.status())) {
          // Lost a same-moment race: the unique key decided; say who won.
          SALES_ASSIGN_OR_RETURN(auto winner, CustomerStore::FindDuplicate(tx, c));
          if (winner.has_value()) return AlreadyRegistered(*winner);
        }
        if (!inserted.ok()) return inserted.status();
        v1::RegisterCustomerResponse out;
        *out.mutable_customer() = *inserted;
        v1::CustomerRegisteredEvent event;
        *event.mutable_customer() = *inserted;
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "Customer", absl::StrCat(inserted->id()), event, call.request_id));
        return out;
      });
}

grpc::Status CustomersApi::GetCustomer(grpc::ServerContext* ctx, const v1::GetCustomerRequest* req,
                                       v1::GetCustomerResponse* resp) {
  return ServeRead<v1::GetCustomerResponse>(
      ctx, M("GetCustomer"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetCustomerResponse> {
        v1::GetCustomerResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_customer(), CustomerStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status CustomersApi::StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                                        grpc::ServerWriter<v1::StreamEventsResponse>* writer) {
  return ServeEventFeed(ctx, M("StreamEvents"), *rt_.verifier, *rt_.outbox, *req, writer);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def = DefineService<CustomersApi>("customers", 50062, CustomersMigrations(), kService);
  def.shared_migrations.push_back(OrgReplicaMigrations());
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    SALES_RETURN_IF_ERROR(KeepOrgReplica(rt));
    return services;
  };
  return def;
}

}  // namespace sales::customers
