// gRPC handlers of customers-svc's core: customers, duplicates, ownership
// and protection, follow-ups, credit. The engagement half (visit plans,
// rotation, complaints, reports, settings) lives in EngagementApi, which
// this class extends so that one gRPC service serves both.
#pragma once

#include "customers-svc/api/engagement_api.h"
#include "absl/time/civil_time.h"
#include "platform/call.h"
#include "platform/service_app.h"
#include "sales/common/v1/event.pb.h"
#include "sales/customers/v1/customers_service.grpc.pb.h"

namespace sales::customers {

class CustomersApi final : public EngagementApi {
 public:
  explicit CustomersApi(ServiceRuntime& runtime) : EngagementApi(runtime) {}

#define CUSTOMERS_CORE_RPC(Name) \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) override
  // Customers and duplicates.
  CUSTOMERS_CORE_RPC(RegisterCustomer);
  CUSTOMERS_CORE_RPC(GetCustomer);
  CUSTOMERS_CORE_RPC(BatchGetCustomers);
  CUSTOMERS_CORE_RPC(CheckDuplicate);
  CUSTOMERS_CORE_RPC(ListCustomerAudit);
  CUSTOMERS_CORE_RPC(ListCustomers);
  CUSTOMERS_CORE_RPC(UpdateCustomer);
  CUSTOMERS_CORE_RPC(SetDemandGrade);
  CUSTOMERS_CORE_RPC(BlacklistCustomer);
  CUSTOMERS_CORE_RPC(UnblacklistCustomer);
  // Contacts and family links.
  CUSTOMERS_CORE_RPC(AddContact);
  CUSTOMERS_CORE_RPC(UpdateContact);
  CUSTOMERS_CORE_RPC(RemoveContact);
  CUSTOMERS_CORE_RPC(ListContacts);
  CUSTOMERS_CORE_RPC(LinkFamilyMember);
  CUSTOMERS_CORE_RPC(UnlinkFamilyMember);
  CUSTOMERS_CORE_RPC(ListFamilyLinks);
  // Follow-ups.
  CUSTOMERS_CORE_RPC(RecordFollowUp);
  CUSTOMERS_CORE_RPC(GetFollowUp);
  CUSTOMERS_CORE_RPC(ListFollowUps);
  // Credit profile and holds.
  CUSTOMERS_CORE_RPC(GetCreditProfile);
  CUSTOMERS_CORE_RPC(BatchGetCreditProfiles);
  CUSTOMERS_CORE_RPC(UpdateCreditProfile);
  CUSTOMERS_CORE_RPC(RecordCreditInvestigation);
  CUSTOMERS_CORE_RPC(ListCreditInvestigations);
  CUSTOMERS_CORE_RPC(SetCreditHold);
  CUSTOMERS_CORE_RPC(ReleaseCreditHold);
  CUSTOMERS_CORE_RPC(ListCreditHolds);
  // Credit for orders and collisions.
  CUSTOMERS_CORE_RPC(ResolveCreditedRep);
  CUSTOMERS_CORE_RPC(ListCollisions);
  CUSTOMERS_CORE_RPC(ReviewCollision);
  // Ownership, protection, the pool, transfers, referrals, sweeps.
  CUSTOMERS_CORE_RPC(ListOwnershipHistory);
  CUSTOMERS_CORE_RPC(RunLapseSweep);
  CUSTOMERS_CORE_RPC(ListPoolCustomers);
  CUSTOMERS_CORE_RPC(ClaimCustomer);
  CUSTOMERS_CORE_RPC(ReleaseCustomer);
  CUSTOMERS_CORE_RPC(TransferCustomer);
  CUSTOMERS_CORE_RPC(HandOverCustomers);
  CUSTOMERS_CORE_RPC(ListHandovers);
  CUSTOMERS_CORE_RPC(RegisterReferral);
  CUSTOMERS_CORE_RPC(CancelReferral);
  CUSTOMERS_CORE_RPC(ListReferrals);
  CUSTOMERS_CORE_RPC(RunDormancySweep);
#undef CUSTOMERS_CORE_RPC

  // Served by the feed pool, not a request thread (platform/feed_stream.h).
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(grpc::CallbackServerContext* ctx,
                                                                   const v1::StreamEventsRequest* req) override;

 private:
  // The owner must be a rep the organization copy knows and who is active
  // (INVALID_ARGUMENT for an unknown rep, FAILED_PRECONDITION otherwise).
  absl::Status CheckOwner(db::Transaction& tx, int64_t rep_id, const std::string& field);
  // The lapse sweep in committed batches (so a million prospects never sit
  // in one transaction); returns the ids it moved.
  absl::StatusOr<std::vector<int64_t>> SweepLapsed(absl::CivilDay as_of, const CallContext& call, int* examined);
};

// Feed consumers (exposed for tests): finance's hold events and orders'
// purchase events, applied exactly once by the platform's consumer.
absl::Status ApplyFinanceEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);
absl::Status ApplyOrdersEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now);

ServiceDefinition MakeServiceDefinition();

}  // namespace sales::customers
