// gRPC handlers of targets-svc: validate the request's shape, call the use
// case (app/) — or, for the simple ones, authorize and call the store — and
// map errors.
#pragma once

#include "platform/service_app.h"
#include "sales/targets/v1/targets_service.grpc.pb.h"

namespace sales::targets {

class TargetsApi final : public v1::TargetsService::WithCallbackMethod_StreamEvents<v1::TargetsService::Service> {
 public:
  explicit TargetsApi(ServiceRuntime& runtime) : rt_(runtime) {}

  grpc::Status CreateOrgUnit(grpc::ServerContext* ctx, const v1::CreateOrgUnitRequest* req,
                             v1::CreateOrgUnitResponse* resp) override;
  grpc::Status GetOrgUnit(grpc::ServerContext* ctx, const v1::GetOrgUnitRequest* req,
                          v1::GetOrgUnitResponse* resp) override;
  grpc::Status ListOrgUnits(grpc::ServerContext* ctx, const v1::ListOrgUnitsRequest* req,
                            v1::ListOrgUnitsResponse* resp) override;
  grpc::Status CreateRep(grpc::ServerContext* ctx, const v1::CreateRepRequest* req,
                         v1::CreateRepResponse* resp) override;
  grpc::Status GetRep(grpc::ServerContext* ctx, const v1::GetRepRequest* req, v1::GetRepResponse* resp) override;
  grpc::Status ListReps(grpc::ServerContext* ctx, const v1::ListRepsRequest* req, v1::ListRepsResponse* resp) override;
  grpc::Status CreateProductLine(grpc::ServerContext* ctx, const v1::CreateProductLineRequest* req,
                                 v1::CreateProductLineResponse* resp) override;
  grpc::Status GetProductLine(grpc::ServerContext* ctx, const v1::GetProductLineRequest* req,
                              v1::GetProductLineResponse* resp) override;
  grpc::Status ListProductLines(grpc::ServerContext* ctx, const v1::ListProductLinesRequest* req,
                                v1::ListProductLinesResponse* resp) override;

#define SALES_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  SALES_RPC(CreatePlan);
  SALES_RPC(GetPlan);
  SALES_RPC(ListPlans);
  SALES_RPC(ListPlanVersions);
  SALES_RPC(DecomposePlan);
  SALES_RPC(GetAssignment);
  SALES_RPC(ListAssignments);
  SALES_RPC(IssuePlan);
  SALES_RPC(AcceptAssignment);
  SALES_RPC(CounterProposeAssignment);
  SALES_RPC(DeclineCounterProposal);
  SALES_RPC(ReviseAssignments);
  SALES_RPC(SignPlan);
  SALES_RPC(CancelPlan);
  SALES_RPC(RequestPlanAmendment);
  SALES_RPC(GetPlanAmendment);
  SALES_RPC(ApprovePlanAmendment);
  SALES_RPC(RejectPlanAmendment);
  SALES_RPC(GetProgress);
  SALES_RPC(GetRanking);
  SALES_RPC(RunDailyProgressSweep);
  SALES_RPC(ImportActuals);
  SALES_RPC(ComputeBaseline);
  SALES_RPC(RecordExpense);
  SALES_RPC(GetTargetSettings);
  SALES_RPC(UpdateTargetSettings);
  SALES_RPC(SetMarketOutlook);
  SALES_RPC(MoveOrgUnit);
  SALES_RPC(CloseOrgUnit);
  SALES_RPC(MoveRep);
  SALES_RPC(ActivateRep);
  SALES_RPC(PlaceRepOnLeave);
  SALES_RPC(OffboardRep);
  SALES_RPC(ListRepHistory);
  SALES_RPC(RequestTargetReduction);
  SALES_RPC(ApproveTargetReduction);
  SALES_RPC(RejectTargetReduction);
  SALES_RPC(GetSalesByRepReport);
  SALES_RPC(GetSalesByRegionReport);
  // Org and roster upkeep (api/org_upkeep_api.cc).
  SALES_RPC(UpdateOrgUnit);
  SALES_RPC(GetOrgTree);
  SALES_RPC(ListOrgUnitPlacements);
  SALES_RPC(UpdateRep);
  SALES_RPC(UpdateProductLine);
  SALES_RPC(RetireProductLine);
  // The plan's records: edits, requests, outlooks, audit trail and the plan
  // report (api/plan_records_api.cc).
  SALES_RPC(UpdatePlan);
  SALES_RPC(ListTargetReductions);
  SALES_RPC(WithdrawTargetReduction);
  SALES_RPC(ListPlanAmendments);
  SALES_RPC(WithdrawPlanAmendment);
  SALES_RPC(ListMarketOutlooks);
  SALES_RPC(ListAuditEntries);
  SALES_RPC(GetSalesPlanReport);
  // Progress breakdowns, reviews (述职), expenses and the actuals behind
  // progress (api/progress_records_api.cc).
  SALES_RPC(ListProgress);
  SALES_RPC(CreateProgressReview);
  SALES_RPC(ListProgressReviews);
  SALES_RPC(ListExpenses);
  SALES_RPC(ReverseExpense);
  SALES_RPC(GetExpenseSummary);
  SALES_RPC(ListActualCells);
  SALES_RPC(ListActualEntries);
#undef SALES_RPC
  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;

 private:
  ServiceRuntime& rt_;
};

// The service as the platform's ServiceApp runs it. With orders_address /
// finance_address configured it follows those feeds for actuals.
ServiceDefinition MakeServiceDefinition();

// Applies one orders or finance event to the actuals, exactly once.
absl::Status ApplyActualsEvent(db::Transaction& tx, const common::v1::Event& event, absl::Time now);

}  // namespace sales::targets
