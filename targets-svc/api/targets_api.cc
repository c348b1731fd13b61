#include "targets-svc/api/targets_api.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/feed_handler.h"
#include "platform/idempotency.h"
#include "platform/status.h"
#include "targets-svc/domain/org.h"
#include "targets-svc/store/org_store.h"

std::vector<sales::MigrationFile> TargetsMigrations();

namespace sales::targets {
namespace {
constexpr char kService[] = "sales.targets.v1.TargetsService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }
}  // namespace

grpc::Status TargetsApi::CreateOrgUnit(grpc::ServerContext* ctx, const v1::CreateOrgUnitRequest* req,
                                       v1::CreateOrgUnitResponse* resp) {
  return Serve(ctx, M("CreateOrgUnit"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(ValidateRequestId(req->request_id()));
    if (!req->has_org_unit()) return InvalidField("org_unit", "required");
    v1::OrgUnit unit = req->org_unit();
    SALES_RETURN_IF_ERROR(ValidateNewOrgUnit(unit));
    SALES_ASSIGN_OR_RETURN(
        *resp, RunIdempotent<v1::CreateOrgUnitResponse>(
                   *rt_.pool, call.method, req->request_id(), *req,
                   [&](db::Transaction& tx) -> absl::StatusOr<v1::CreateOrgUnitResponse> {
                     if (unit.parent_id() != 0) {
                       auto parent = OrgStore::Get(tx, unit.parent_id(), /*for_update=*/true);
                       if (absl::IsNotFound(parent.status())) {
                         return InvalidField("org_unit.parent_id", "no such org unit");
                       }
                       if (!parent.ok()) return parent.status();
                       SALES_RETURN_IF_ERROR(CheckParentFits(unit.kind(), parent->kind()));
                     }
                     v1::CreateOrgUnitResponse out;
                     SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(),
                                            OrgStore::Insert(tx, unit, rt_.clock->Now()));
                     v1::OrgUnitCreatedEvent event;
                     *event.mutable_org_unit() = out.org_unit();
                     SALES_RETURN_IF_ERROR(rt_.outbox->Append(
                         tx, "OrgUnit", absl::StrCat(out.org_unit().id()), event, call.request_id));
                     return out;
                   }));
    return absl::OkStatus();
  });
}

grpc::Status TargetsApi::GetOrgUnit(grpc::ServerContext* ctx, const v1::GetOrgUnitRequest* req,
                                    v1::GetOrgUnitResponse* resp) {
  return Serve(ctx, M("GetOrgUnit"), *rt_.verifier, [&](CallContext&) -> absl::Status {
    if (req->id() <= 0) return InvalidField("id", "required, > 0");
    SALES_ASSIGN_OR_RETURN(*resp->mutable_org_unit(),
                           rt_.pool->Transact<v1::OrgUnit>(
                               [&](db::Transaction& tx) { return OrgStore::Get(tx, req->id()); }));
    return absl::OkStatus();
  });
}

grpc::Status TargetsApi::ListOrgUnits(grpc::ServerContext* ctx, const v1::ListOrgUnitsRequest* req,
                                      v1::ListOrgUnitsResponse* resp) {
  return Serve(ctx, M("ListOrgUnits"), *rt_.verifier, [&](CallContext&) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
    SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
    if (req->parent_id() < 0) return InvalidField("parent_id", "must be >= 0");
    SALES_ASSIGN_OR_RETURN(auto units, rt_.pool->Transact<std::vector<v1::OrgUnit>>(
                                           [&](db::Transaction& tx) {
                                             return OrgStore::List(tx, req->parent_id(), after,
                                                                   size + 1);
                                           }));
    bool more = static_cast<int>(units.size()) > size;
    if (more) units.pop_back();
    for (auto& u : units) *resp->add_org_units() = std::move(u);
    if (more) resp->set_next_page_token(EncodePageToken(resp->org_units().rbegin()->id()));
    return absl::OkStatus();
  });
}

grpc::Status TargetsApi::StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                                      grpc::ServerWriter<v1::StreamEventsResponse>* writer) {
  return ServeEventFeed(ctx, M("StreamEvents"), *rt_.verifier, *rt_.outbox, *req, writer);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def;
  def.name = "targets";
  def.default_port = 50061;
  def.migrations = TargetsMigrations();
  def.build = [](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    std::vector<BuiltService> out;
    out.push_back({std::make_unique<TargetsApi>(rt), kService});
    return out;
  };
  return def;
}

}  // namespace sales::targets
