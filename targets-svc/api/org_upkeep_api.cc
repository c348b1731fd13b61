// Keeping the organization up to date: editing units, reps and product
// lines, retiring lines, reading the tree and a unit's placements; the
// workflow is app/org_upkeep.
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/org_upkeep.h"
#include "targets-svc/app/plan_support.h"

namespace sales::targets {

grpc::Status TargetsApi::UpdateOrgUnit(grpc::ServerContext* ctx, const v1::UpdateOrgUnitRequest* req,
                                       v1::UpdateOrgUnitResponse* resp) {
  OrgUnitEdit edit;
  return ServeMutation<v1::UpdateOrgUnitRequest, v1::UpdateOrgUnitResponse>(
      ctx, TargetsMethod("UpdateOrgUnit"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(edit, OrgUnitEditOf(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).UpdateOrgUnit(tx, call, *req, edit);
      });
}

grpc::Status TargetsApi::GetOrgTree(grpc::ServerContext* ctx, const v1::GetOrgTreeRequest* req,
                                    v1::GetOrgTreeResponse* resp) {
  return ServeRead<v1::GetOrgTreeResponse>(
      ctx, TargetsMethod("GetOrgTree"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->root_id() < 0) v.push_back({"root_id", "must be >= 0"});
        if (req->max_depth() < 0) v.push_back({"max_depth", "must be >= 0 (0 for all levels)"});
        if (req->has_as_of()) {
          for (auto& f : FieldViolationsOf(ValidateDate(req->as_of(), "as_of"))) v.push_back(f);
        }
        return v.empty() ? absl::OkStatus() : InvalidFields(std::move(v));
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).OrgTree(tx, call, *req);
      });
}

grpc::Status TargetsApi::ListOrgUnitPlacements(grpc::ServerContext* ctx, const v1::ListOrgUnitPlacementsRequest* req,
                                               v1::ListOrgUnitPlacementsResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListOrgUnitPlacementsResponse>(
      ctx, TargetsMethod("ListOrgUnitPlacements"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->org_unit_id() <= 0) return InvalidField("org_unit_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).Placements(tx, call, *req, size, after);
      });
}

grpc::Status TargetsApi::UpdateRep(grpc::ServerContext* ctx, const v1::UpdateRepRequest* req,
                                   v1::UpdateRepResponse* resp) {
  RepEdit edit;
  return ServeMutation<v1::UpdateRepRequest, v1::UpdateRepResponse>(
      ctx, TargetsMethod("UpdateRep"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(edit, RepEditOf(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).UpdateRep(tx, call, *req, edit);
      });
}

grpc::Status TargetsApi::UpdateProductLine(grpc::ServerContext* ctx, const v1::UpdateProductLineRequest* req,
                                           v1::UpdateProductLineResponse* resp) {
  ProductLineEdit edit;
  return ServeMutation<v1::UpdateProductLineRequest, v1::UpdateProductLineResponse>(
      ctx, TargetsMethod("UpdateProductLine"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(edit, ProductLineEditOf(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).UpdateProductLine(tx, call, *req, edit);
      });
}

grpc::Status TargetsApi::RetireProductLine(grpc::ServerContext* ctx, const v1::RetireProductLineRequest* req,
                                           v1::RetireProductLineResponse* resp) {
  return ServeMutation<v1::RetireProductLineRequest, v1::RetireProductLineResponse>(
      ctx, TargetsMethod("RetireProductLine"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->id() <= 0) v.push_back({"id", "required, > 0"});
        if (req->reason().find_first_not_of(" \t\r\n") == std::string::npos) {
          v.push_back({"reason", "required, not blank"});
        }
        return v.empty() ? absl::OkStatus() : InvalidFields(std::move(v));
      },
      [&](db::Transaction& tx, CallContext& call) {
        return OrgUpkeep(*rt_.clock, *rt_.outbox).RetireProductLine(tx, call, *req);
      });
}

}  // namespace sales::targets
