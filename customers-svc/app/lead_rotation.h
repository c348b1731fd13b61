// Reception leads by duty rotation (轮值制度, 首问负责制): reception registers
// a walk-in or hotline lead and the rep whose turn it is receives it (a rep
// away is skipped and keeps the turn); a visitor who is already someone's
// customer goes to that rep without using a turn, one in the pool is given
// by rotation. The manager may rule a lead over to another rep. A rep who
// found the lead was only market research (补客户) reports it, and the
// manager's approval gives the turn back as a make-up turn.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "customers-svc/store/customer_store.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

class LeadRotation {
 public:
  LeadRotation(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed (api/ checked ids, channels, sizes,
  // reasons and etags). The office's rotation row is locked before a turn
  // is used or given back, so one office's assignments run one at a time.

  // `entered` is the request's customer with its phone and name
  // normalised and its source channel filled in. The office's receptionist
  // registers the lead; a new visitor becomes the assigned rep's protected
  // prospect (CustomerRegisteredEvent), a pool customer is claimed for them.
  absl::StatusOr<v1::RegisterLeadResponse> RegisterLead(db::Transaction& tx, const CallContext& call,
                                                        const v1::RegisterLeadRequest& request,
                                                        const v1::Customer& entered);
  // The office's manager rules the lead over to an active member of the
  // rotation; its customer moves with it unless it has bought meanwhile,
  // and the turn may be given back to the rep who lost it.
  absl::StatusOr<v1::ReassignLeadResponse> ReassignLead(db::Transaction& tx, const CallContext& call,
                                                        const v1::ReassignLeadRequest& request);
  // The rep who received a lead by a turn reports it as market research.
  absl::StatusOr<v1::ReportMarketSurveyResponse> ReportMarketSurvey(db::Transaction& tx, const CallContext& call,
                                                                    const v1::ReportMarketSurveyRequest& request);
  // The office's manager (or the director) decides a pending report; an
  // approval grants the rep one make-up turn.
  absl::StatusOr<v1::ApproveMarketSurveyReportResponse> ApproveMarketSurvey(
      db::Transaction& tx, const CallContext& call, const v1::ApproveMarketSurveyReportRequest& request);
  absl::StatusOr<v1::RejectMarketSurveyReportResponse> RejectMarketSurvey(
      db::Transaction& tx, const CallContext& call, const v1::RejectMarketSurveyReportRequest& request);

 private:
  // ---- The customer side of a lead, in the lead's transaction ----
  // An existing customer matching what reception entered (normalised
  // phone, tax id, name). `owned`: it has an owner and the lead goes to
  // that owner without using a turn; otherwise it is in the pool and is
  // given by rotation. FAILED_PRECONDITION for a blacklisted match.
  struct LeadCustomerMatch {
    v1::Customer customer;
    bool owned = false;
  };
  absl::StatusOr<std::optional<LeadCustomerMatch>> FindLeadCustomer(db::Transaction& tx, const v1::Customer& entered);
  // A new prospect owned by `rep_id`, registered from lead `lead_id`.
  absl::StatusOr<v1::Customer> RegisterLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                    const v1::Customer& entered, int64_t rep_id, int64_t lead_id);
  // A pool customer claimed for `rep_id` by rotation; ABORTED when it was
  // claimed meanwhile.
  absl::StatusOr<v1::Customer> ClaimLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                 const v1::Customer& pool_customer, int64_t rep_id, int64_t lead_id);
  // The manager's ruling moves the lead's customer to `to_rep_id`;
  // FAILED_PRECONDITION when it has bought, is blacklisted or moved on.
  absl::StatusOr<v1::Customer> ReassignLeadCustomer(db::Transaction& tx, const CallContext& call, int64_t customer_id,
                                                    int64_t from_rep_id, int64_t to_rep_id, const std::string& reason,
                                                    int64_t lead_id);
  // Moves a customer to `to_rep_id` with an ownership record, audit entry
  // and CustomerOwnerChangedEvent.
  absl::StatusOr<v1::Customer> MoveCustomer(db::Transaction& tx, const CallContext& call, const CustomerRecord& rec,
                                            int64_t to_rep_id, v1::OwnershipChangeKind kind, const std::string& reason);

  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::customers
