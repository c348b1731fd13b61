#include "targets-svc/api/targets_api.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "sales/finance/v1/finance_service.grpc.pb.h"
#include "sales/orders/v1/orders_service.grpc.pb.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/actuals.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/org.h"
#include "targets-svc/domain/roster.h"
#include "targets-svc/store/actuals_store.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/roster_store.h"

std::vector<sales::MigrationFile> TargetsMigrations();

namespace sales::targets {
namespace {

constexpr char kService[] = "sales.targets.v1.TargetsService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

absl::Status PositiveId(int64_t id, const char* field = "id") {
  return id > 0 ? absl::OkStatus() : InvalidField(field, "required, > 0");
}

// A referenced unit that does not exist is a bad argument, not a missing
// resource of this call.
absl::StatusOr<v1::OrgUnit> ReferencedUnit(db::Transaction& tx, int64_t id, const char* field) {
  auto unit = OrgStore::Get(tx, id, /*for_update=*/true);
  if (absl::IsNotFound(unit.status())) return InvalidField(field, "no such org unit");
  return unit;
}

// Master data (org, reps, product lines) is the admin's and the director's
// (domain.md §1 ADMIN).
absl::Status RequireMasterData(db::Transaction& tx, const CallContext& call, const char* what) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  return viewer.act_everywhere ? absl::OkStatus() : RoleNotAllowed(viewer, what);
}

// Contact details of a rep outside the caller's scope are not theirs to see.
absl::Status MaskReps(db::Transaction& tx, const CallContext& call, std::vector<v1::Rep*> reps) {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  for (v1::Rep* r : reps) {
    if (!CanSee(viewer, r->org_unit_id(), r->id())) {
      r->clear_phone();
      r->clear_email();
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOpen(const v1::OrgUnit& unit) {
  if (unit.state() != v1::ORG_UNIT_STATE_CLOSED) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("org unit ", unit.id(), " is closed")), "UNIT_CLOSED",
                       kTargetsDomain);
}

}  // namespace

// ------------------------------------------------------------ org units

grpc::Status TargetsApi::CreateOrgUnit(grpc::ServerContext* ctx, const v1::CreateOrgUnitRequest* req,
                                       v1::CreateOrgUnitResponse* resp) {
  v1::OrgUnit unit = req->org_unit();
  return ServeMutation<v1::CreateOrgUnitRequest, v1::CreateOrgUnitResponse>(
      ctx, M("CreateOrgUnit"), rt_, *req, resp,
      [&](CallContext&) {
        return req->has_org_unit() ? ValidateNewOrgUnit(unit) : InvalidField("org_unit", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateOrgUnitResponse> {
        SALES_RETURN_IF_ERROR(RequireMasterData(tx, call, "create org units"));
        if (unit.parent_id() != 0) {
          SALES_ASSIGN_OR_RETURN(auto parent, ReferencedUnit(tx, unit.parent_id(), "org_unit.parent_id"));
          SALES_RETURN_IF_ERROR(CheckOpen(parent));
          SALES_RETURN_IF_ERROR(CheckParentFits(unit.kind(), parent.kind()));
        }
        v1::CreateOrgUnitResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(), OrgStore::Insert(tx, unit, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(OrgStore::RecordPlacement(
            tx, out.org_unit().id(), unit.parent_id(), FromCivilDay(BusinessDay(rt_.clock->Now())), "created",
            call.principal.authenticated() ? call.principal.Encode() : "", rt_.clock->Now()));
        v1::OrgUnitCreatedEvent event;
        *event.mutable_org_unit() = out.org_unit();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "OrgUnit", absl::StrCat(out.org_unit().id()), event, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::GetOrgUnit(grpc::ServerContext* ctx, const v1::GetOrgUnitRequest* req,
                                    v1::GetOrgUnitResponse* resp) {
  return ServeRead<v1::GetOrgUnitResponse>(
      ctx, M("GetOrgUnit"), rt_, resp, [&](CallContext&) { return PositiveId(req->id()); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetOrgUnitResponse> {
        v1::GetOrgUnitResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(), OrgStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status TargetsApi::ListOrgUnits(grpc::ServerContext* ctx, const v1::ListOrgUnitsRequest* req,
                                      v1::ListOrgUnitsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListOrgUnitsResponse>(
      ctx, M("ListOrgUnits"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return req->parent_id() < 0 ? InvalidField("parent_id", "must be >= 0") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListOrgUnitsResponse> {
        SALES_ASSIGN_OR_RETURN(auto units, OrgStore::List(tx, req->parent_id(), after, size + 1));
        v1::ListOrgUnitsResponse out;
        FillPage(std::move(units), size, &out, [](auto* r) { return r->add_org_units(); });
        return out;
      });
}

// ------------------------------------------------------------ reps

grpc::Status TargetsApi::CreateRep(grpc::ServerContext* ctx, const v1::CreateRepRequest* req,
                                   v1::CreateRepResponse* resp) {
  v1::Rep rep = req->rep();
  return ServeMutation<v1::CreateRepRequest, v1::CreateRepResponse>(
      ctx, M("CreateRep"), rt_, *req, resp,
      [&](CallContext&) { return req->has_rep() ? ValidateNewRep(rep) : InvalidField("rep", "required"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateRepResponse> {
        SALES_RETURN_IF_ERROR(RequireMasterData(tx, call, "create reps"));
        SALES_ASSIGN_OR_RETURN(auto unit, ReferencedUnit(tx, rep.org_unit_id(), "rep.org_unit_id"));
        SALES_RETURN_IF_ERROR(CheckOpen(unit));
        SALES_RETURN_IF_ERROR(CheckRepUnit(unit));
        v1::CreateRepResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_rep(), RepStore::Insert(tx, rep, rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(
            RepHistoryStore::Record(tx, out.rep().id(), rep.org_unit_id(), rep.status(), rep.hire_date(), "hired",
                                    call.principal.authenticated() ? call.principal.Encode() : "", rt_.clock->Now()));
        v1::RepCreatedEvent event;
        *event.mutable_rep() = out.rep();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Rep", absl::StrCat(out.rep().id()), event, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::GetRep(grpc::ServerContext* ctx, const v1::GetRepRequest* req, v1::GetRepResponse* resp) {
  return ServeRead<v1::GetRepResponse>(
      ctx, M("GetRep"), rt_, resp, [&](CallContext&) { return PositiveId(req->id()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetRepResponse> {
        v1::GetRepResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_rep(), RepStore::Get(tx, req->id()));
        SALES_RETURN_IF_ERROR(MaskReps(tx, call, {out.mutable_rep()}));
        return out;
      });
}

grpc::Status TargetsApi::ListReps(grpc::ServerContext* ctx, const v1::ListRepsRequest* req,
                                  v1::ListRepsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListRepsResponse>(
      ctx, M("ListReps"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        if (!v1::RepStatus_IsValid(req->status())) return InvalidField("status", "unknown status");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRepsResponse> {
        std::vector<int64_t> units;
        if (req->org_unit_id() != 0) {
          SALES_RETURN_IF_ERROR(ReferencedUnit(tx, req->org_unit_id(), "org_unit_id").status());
          if (req->include_subtree()) {
            SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, req->org_unit_id()));
          } else {
            units = {req->org_unit_id()};
          }
        }
        SALES_ASSIGN_OR_RETURN(auto reps, RepStore::List(tx, units, *req, after, size + 1));
        v1::ListRepsResponse out;
        FillPage(std::move(reps), size, &out, [](auto* r) { return r->add_reps(); });
        std::vector<v1::Rep*> shown;
        for (auto& r : *out.mutable_reps()) shown.push_back(&r);
        SALES_RETURN_IF_ERROR(MaskReps(tx, call, shown));
        return out;
      });
}

// ------------------------------------------------------------ product lines

grpc::Status TargetsApi::CreateProductLine(grpc::ServerContext* ctx, const v1::CreateProductLineRequest* req,
                                           v1::CreateProductLineResponse* resp) {
  v1::ProductLine line = req->product_line();
  return ServeMutation<v1::CreateProductLineRequest, v1::CreateProductLineResponse>(
      ctx, M("CreateProductLine"), rt_, *req, resp,
      [&](CallContext&) {
        return req->has_product_line() ? ValidateNewProductLine(line) : InvalidField("product_line", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateProductLineResponse> {
        SALES_RETURN_IF_ERROR(RequireMasterData(tx, call, "create product lines"));
        v1::CreateProductLineResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product_line(), ProductLineStore::Insert(tx, line, rt_.clock->Now()));
        v1::ProductLineCreatedEvent event;
        *event.mutable_product_line() = out.product_line();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "ProductLine", absl::StrCat(out.product_line().id()), event, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::GetProductLine(grpc::ServerContext* ctx, const v1::GetProductLineRequest* req,
                                        v1::GetProductLineResponse* resp) {
  return ServeRead<v1::GetProductLineResponse>(
      ctx, M("GetProductLine"), rt_, resp, [&](CallContext&) { return PositiveId(req->id()); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetProductLineResponse> {
        v1::GetProductLineResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product_line(), ProductLineStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status TargetsApi::ListProductLines(grpc::ServerContext* ctx, const v1::ListProductLinesRequest* req,
                                          v1::ListProductLinesResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListProductLinesResponse>(
      ctx, M("ListProductLines"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        if (!v1::PortfolioRole_IsValid(req->portfolio_role())) {
          return InvalidField("portfolio_role", "unknown role");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListProductLinesResponse> {
        SALES_ASSIGN_OR_RETURN(
            auto lines, ProductLineStore::List(tx, req->portfolio_role(), req->include_retired(), after, size + 1));
        v1::ListProductLinesResponse out;
        FillPage(std::move(lines), size, &out, [](auto* r) { return r->add_product_lines(); });
        return out;
      });
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* TargetsApi::StreamEvents(grpc::CallbackServerContext* ctx,
                                                                             const v1::StreamEventsRequest* req) {
  return rt_.feeds->Open<v1::StreamEventsRequest, v1::StreamEventsResponse>(ctx, M("StreamEvents"), *req);
}

absl::Status ApplyActualsEvent(db::Transaction& tx, const common::v1::Event& event, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto deltas, ActualsFromEvent(event));
  for (const auto& d : deltas) SALES_RETURN_IF_ERROR(ActualsStore::Apply(tx, d, now).status());
  return absl::OkStatus();
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def = DefineService<TargetsApi>("targets", 50061, TargetsMigrations(), kService);
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    const Clock* clock = rt.clock;
    auto actuals = [clock](db::Transaction& tx, const common::v1::Event& e) {
      return ApplyActualsEvent(tx, e, clock->Now());
    };
    SALES_RETURN_IF_ERROR(
        (rt.FollowFeed<orders::v1::OrdersService, orders::v1::StreamEventsRequest, orders::v1::StreamEventsResponse>(
            "targets", "orders", actuals)));
    SALES_RETURN_IF_ERROR((
        rt.FollowFeed<finance::v1::FinanceService, finance::v1::StreamEventsRequest, finance::v1::StreamEventsResponse>(
            "targets", "finance", actuals)));
    return services;
  };
  return def;
}

}  // namespace sales::targets
