// gRPC handlers of customers-svc's engagement side: visit plans, duty
// rotation and reception, complaints, reports and settings. CustomersApi
// (customers, ownership, follow-ups, credit) derives from this class so that
// one gRPC service serves both halves.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/service_app.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class EngagementApi : public v1::CustomersService::WithCallbackMethod_StreamEvents<v1::CustomersService::Service> {
 public:
  explicit EngagementApi(ServiceRuntime& runtime) : rt_(runtime) {}
  ~EngagementApi() override = default;

#define SALES_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Visit plans.
  SALES_RPC(ListVisitsDue);
  SALES_RPC(GetVisitComplianceReport);
  // Duty rotation and reception.
  SALES_RPC(CreateRotation);
  SALES_RPC(GetRotation);
  SALES_RPC(ListRotations);
  SALES_RPC(UpdateRotationMembers);
  SALES_RPC(RecordRepAbsence);
  SALES_RPC(EndRepAbsence);
  SALES_RPC(CancelRepAbsence);
  SALES_RPC(ListRepAbsences);
  SALES_RPC(RegisterLead);
  SALES_RPC(GetLead);
  SALES_RPC(ListLeads);
  SALES_RPC(PreviewNextTurn);
  SALES_RPC(ReassignLead);
  SALES_RPC(ReportMarketSurvey);
  SALES_RPC(ApproveMarketSurveyReport);
  SALES_RPC(RejectMarketSurveyReport);
  SALES_RPC(ListMarketSurveyReports);
  SALES_RPC(LogReceptionCall);
  SALES_RPC(ListReceptionCalls);
  SALES_RPC(GetReceptionReport);
  // Complaints.
  SALES_RPC(RecordComplaint);
  SALES_RPC(GetComplaint);
  SALES_RPC(ListComplaints);
  SALES_RPC(AssignComplaint);
  SALES_RPC(EscalateComplaint);
  SALES_RPC(ResolveComplaint);
  SALES_RPC(CloseComplaint);
  SALES_RPC(ReopenComplaint);
  // Reports.
  SALES_RPC(GetRepActivityReport);
  SALES_RPC(GetCustomerBaseReport);
  SALES_RPC(GetTargetCustomerList);
  SALES_RPC(GetMarketNotesReport);
  // Settings.
  SALES_RPC(GetSettings);
  SALES_RPC(UpdateSettings);
#undef SALES_RPC

 protected:
  // ---- The customer side of a reception lead ------------------------------
  // Customers and their ownership belong to the core side (CustomersApi),
  // which overrides these hooks so that a lead registers, claims or moves a
  // real customer inside RegisterLead's / ReassignLead's transaction (with
  // its ownership record, audit and events). The defaults here touch no
  // customer row: the lead keeps the contact data entered at reception and
  // the assigned rep registers the customer (customer_id stays 0).

  // An existing customer matching what reception entered (normalised
  // phone). `owned`: it has an owner (protected prospect or account) and the
  // lead is routed to that owner without using a turn; otherwise it is in
  // the pool and is given by rotation.
  struct LeadCustomerMatch {
    v1::Customer customer;
    bool owned = false;
  };
  virtual absl::StatusOr<std::optional<LeadCustomerMatch>> FindLeadCustomer(db::Transaction& tx,
                                                                           const CallContext& call,
                                                                           const v1::Customer& entered);
  // A new customer owned by `rep_id`, registered from lead `lead_id`.
  // Default: nothing stored, returns `entered` with id 0.
  virtual absl::StatusOr<v1::Customer> RegisterLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                            const v1::Customer& entered, int64_t rep_id,
                                                            int64_t lead_id, int64_t referral_id);
  // A pool customer claimed for `rep_id` by rotation. Default: unchanged.
  virtual absl::StatusOr<v1::Customer> ClaimLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                         const v1::Customer& pool_customer, int64_t rep_id,
                                                         int64_t lead_id);
  // The manager's ruling moves the lead's customer to `to_rep_id`;
  // FAILED_PRECONDITION when the customer has bought meanwhile. Default:
  // checks the purchase, moves nothing.
  virtual absl::StatusOr<v1::Customer> ReassignLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                            int64_t customer_id, int64_t from_rep_id,
                                                            int64_t to_rep_id, const std::string& reason,
                                                            int64_t lead_id);

  ServiceRuntime& rt_;
};

}  // namespace sales::customers
