// The gRPC surface of customers-svc: one class, its handlers split across
// files by resource — customers_api.cc (customers, duplicates, the audit),
// customers_records_api.cc (master data, contacts, family links),
// customers_follow_up_api.cc, customers_credit_api.cc,
// customers_ownership_api.cc (credit for orders, collisions),
// customers_pool_api.cc (protection, the pool, hand-overs, referrals,
// sweeps), rotation_api.cc (duty rotation, leads, reception), visits_api.cc
// (visit plans, settings), complaints_api.cc and reports_api.cc. A handler
// parses, authorizes, calls its use case (app/) or store, and converts.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/outbox.h"
#include "platform/service_app.h"
#include "sales/common/v1/event.pb.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class CustomersApi final : public v1::CustomersService::WithCallbackMethod_StreamEvents<v1::CustomersService::Service> {
 public:
  explicit CustomersApi(ServiceRuntime& runtime) : rt_(runtime) {}

#define SALES_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Customers and duplicates.
  SALES_RPC(RegisterCustomer);
  SALES_RPC(GetCustomer);
  SALES_RPC(BatchGetCustomers);
  SALES_RPC(CheckDuplicate);
  SALES_RPC(ListCustomerAudit);
  SALES_RPC(ListCustomers);
  SALES_RPC(UpdateCustomer);
  SALES_RPC(SetDemandGrade);
  SALES_RPC(BlacklistCustomer);
  SALES_RPC(UnblacklistCustomer);
  // Contacts and family links.
  SALES_RPC(AddContact);
  SALES_RPC(UpdateContact);
  SALES_RPC(RemoveContact);
  SALES_RPC(ListContacts);
  SALES_RPC(LinkFamilyMember);
  SALES_RPC(UnlinkFamilyMember);
  SALES_RPC(ListFamilyLinks);
  // Follow-ups.
  SALES_RPC(RecordFollowUp);
  SALES_RPC(GetFollowUp);
  SALES_RPC(ListFollowUps);
  // Credit profile and holds.
  SALES_RPC(GetCreditProfile);
  SALES_RPC(BatchGetCreditProfiles);
  SALES_RPC(UpdateCreditProfile);
  SALES_RPC(RecordCreditInvestigation);
  SALES_RPC(ListCreditInvestigations);
  SALES_RPC(SetCreditHold);
  SALES_RPC(ReleaseCreditHold);
  SALES_RPC(ListCreditHolds);
  // Credit for orders and collisions.
  SALES_RPC(ResolveCreditedRep);
  SALES_RPC(ListCollisions);
  SALES_RPC(ReviewCollision);
  // Ownership, protection, the pool, transfers, referrals, sweeps.
  SALES_RPC(ListOwnershipHistory);
  SALES_RPC(RunLapseSweep);
  SALES_RPC(ListPoolCustomers);
  SALES_RPC(ClaimCustomer);
  SALES_RPC(ReleaseCustomer);
  SALES_RPC(TransferCustomer);
  SALES_RPC(HandOverCustomers);
  SALES_RPC(ListHandovers);
  SALES_RPC(RegisterReferral);
  SALES_RPC(CancelReferral);
  SALES_RPC(ListReferrals);
  SALES_RPC(RunDormancySweep);
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

  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;

 private:
  // Whether targets-svc is configured: the org copy is fed and reps are
  // checked against it (CheckOwner).
  bool TargetsConfigured() const { return rt_.HasPeer("targets"); }

  // Clock, database, outbox, verifier and feed pools.
  ServiceRuntime& rt_;
};

// Feed consumers (exposed for tests): finance's hold events and orders'
// purchase events, applied exactly once by the platform's consumer.
absl::Status ApplyFinanceEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);
absl::Status ApplyOrdersEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::customers
