// What the orders handlers share beyond app/: method names, list scopes,
// the taking rep, approvers and approval steps, the working calendar and
// the audit rows of fulfilment. Pricing a document line and special fees
// are app/document_entry.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "orders-svc/api/method_name.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/document_entry.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/service_app.h"
#include "platform/status.h"
#include "sales/customers/v1/credit.pb.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/ownership_messages.pb.h"
#include "sales/finance/v1/receivable.pb.h"
#include "sales/orders/v1/approval.pb.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/pricing.pb.h"

namespace sales::orders {

// Roles and the one data scope are app/access.h; these read them in a
// handler's own transaction.
absl::StatusOr<Scope> ScopeOf(db::Transaction& tx, const Principal& p);
absl::StatusOr<OrderRecord> LoadVisibleOrder(db::Transaction& tx, const Principal& p, int64_t order_id,
                                             bool for_update);
absl::StatusOr<OrderWithReservations> LoadOrderInScope(db::Transaction& tx, const Principal& p, int64_t order_id,
                                                       bool for_update);

// The org units a list of quotes or orders may cover: the caller's scope,
// narrowed to the subtree of `org_unit_id` when the request names one (a
// manager asking outside their subtree gets an empty list, not an error).
// `restrict` false: any unit.
struct ListUnits {
  bool restrict = false;
  std::vector<int64_t> units;
};
absl::StatusOr<ListUnits> ListUnitsFor(db::Transaction& tx, const Scope& scope, int64_t org_unit_id);

// The org unit of the rep who takes a document: the on-behalf rep's unit
// from the org replica, or the caller's own.
struct TakingRep {
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
};
absl::StatusOr<TakingRep> ResolveTakingRep(db::Transaction& tx, const Principal& p, int64_t on_behalf_of_rep_id);

// Whether `approver` may decide a step of `level` for a document requested
// from `requester_unit` by `requester_user`: not one's own; a manager whose
// unit is in the requester's chain (OrgReplica::Chain) for MANAGER steps;
// the director (or ADMIN) for DIRECTOR steps and, as the top of every
// chain, for MANAGER steps too.
absl::Status CheckApprover(db::Transaction& tx, const Principal& approver, v1::ApprovalLevel level,
                           int64_t requester_unit, const std::string& requester_user);

// The pending step the caller decides: the step at their own level; the
// director (or ADMIN) also takes a pending manager step when no director
// step waits. FAILED_PRECONDITION (NO_STEP_FOR_CALLER) when none.
absl::StatusOr<StoredStep> StepForCaller(const std::vector<StoredStep>& steps, const Principal& p);
bool AnyPending(const std::vector<StoredStep>& steps);

// ---- Fulfilment (shipments, documents, returns) ----

// A fulfilment approval (requisition, return, reprint) is decided by a
// manager whose unit is in the chain above `requester_unit`, or by the
// director or an admin; never by the requester.
absl::Status CheckDecider(db::Transaction& tx, const Principal& decider, const std::string& requester_user,
                          int64_t requester_unit);

// Opens the routed approval steps of a quote or order, all pending.
absl::Status OpenApprovalSteps(db::Transaction& tx, v1::SubjectType type, int64_t id,
                               const std::vector<RoutedStep>& steps, const Principal& requester, absl::Time now);
// Inserts the MANAGER step of a fulfilment subject.
absl::Status OpenManagerStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalTrigger trigger,
                             const Principal& requester, absl::Time now);
// Decides the pending step of the subject, if one waits.
absl::Status DecidePendingStep(db::Transaction& tx, v1::SubjectType type, int64_t id, v1::ApprovalStepStatus status,
                               const Principal& by, absl::string_view reason, absl::Time now);

absl::Status Audit(db::Transaction& tx, v1::SubjectType type, int64_t id, const std::string& action,
                   const std::string& from, const std::string& to, const std::string& reason, const CallContext& call,
                   absl::Time now);

// The order policy's working calendar and shipping deadline.
struct ShippingPolicy {
  WorkingCalendar calendar;
  int ship_within_working_days = 1;
};
absl::StatusOr<ShippingPolicy> LoadShippingPolicy(db::Transaction& tx);

absl::Status RequireReason(const std::string& reason, const std::string& field = "reason");

}  // namespace sales::orders
