// Asking the level above for a lower parent total and deciding it; the
// workflow is app/target_reductions.
#include "platform/handlers.h"
#include "platform/status.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/target_reductions.h"

namespace sales::targets {

grpc::Status TargetsApi::RequestTargetReduction(grpc::ServerContext* ctx, const v1::RequestTargetReductionRequest* req,
                                                v1::RequestTargetReductionResponse* resp) {
  return ServeMutation<v1::RequestTargetReductionRequest, v1::RequestTargetReductionResponse>(
      ctx, TargetsMethod("RequestTargetReduction"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->plan_id() <= 0) return InvalidField("plan_id", "required, > 0");
        if (req->child_changes().empty()) return InvalidField("child_changes", "at least one change is required");
        if (req->reason().empty()) return InvalidField("reason", "required");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return TargetReductions(*rt_.clock, *rt_.outbox).Request(tx, call, *req);
      });
}

grpc::Status TargetsApi::ApproveTargetReduction(grpc::ServerContext* ctx, const v1::ApproveTargetReductionRequest* req,
                                                v1::ApproveTargetReductionResponse* resp) {
  return ServeMutation<v1::ApproveTargetReductionRequest, v1::ApproveTargetReductionResponse>(
      ctx, TargetsMethod("ApproveTargetReduction"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->escalate() && !req->sibling_changes().empty()) {
          return InvalidField("sibling_changes", "not with escalate: the level above decides how to absorb it");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return TargetReductions(*rt_.clock, *rt_.outbox).Approve(tx, call, *req);
      });
}

grpc::Status TargetsApi::RejectTargetReduction(grpc::ServerContext* ctx, const v1::RejectTargetReductionRequest* req,
                                               v1::RejectTargetReductionResponse* resp) {
  return ServeMutation<v1::RejectTargetReductionRequest, v1::RejectTargetReductionResponse>(
      ctx, TargetsMethod("RejectTargetReduction"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return req->reason().empty() ? InvalidField("reason", "required") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return TargetReductions(*rt_.clock, *rt_.outbox).Reject(tx, call, *req);
      });
}

}  // namespace sales::targets
