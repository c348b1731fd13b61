// What the orders handlers share beyond app/: method names, list scopes,
// the taking rep, approvers and approval steps, pricing a document line,
// special fees, the working calendar and the audit rows of fulfilment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "orders-svc/api/method_name.h"
#include "orders-svc/app/access.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/stock_store.h"
#include "sales/orders/v1/approval.pb.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/store/approval_store.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/service_app.h"
#include "platform/status.h"
#include "sales/customers/v1/credit.pb.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/ownership_messages.pb.h"
#include "sales/finance/v1/receivable.pb.h"
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

// One line priced for `day`: list price from the list in force, net price,
// amounts, floor and cost, and the approval the discount needs.
struct PricedLine {
  int64_t product_id = 0;
  std::string sku;
  int64_t product_line_id = 0;
  std::string unit;
  bool commissionable = false;
  int64_t quantity = 0;
  int32_t discount_bp = 0;
  int64_t list_price = 0;
  int64_t price_list_id = 0;
  std::string price_list_code;
  int64_t unit_price = 0;
  int64_t net_amount = 0;   // unit_price × quantity, checked
  int64_t unit_cost = 0;
  int64_t cost_amount = 0;  // unit_cost × quantity, checked
  int64_t floor_price = 0;
  LineApproval approval;
};
// `field` names the line in errors ("order.lines[2]"). INVALID_ARGUMENT for
// an unknown product; FAILED_PRECONDITION for a DISCONTINUED one (unless
// `allow_discontinued`) or NO_PRICE_IN_FORCE; INVALID_ARGUMENT naming
// `<field>.quantity` when the line's amount or cost would leave the 10^15
// amount bound (never a wrapped total).
absl::StatusOr<PricedLine> PriceLine(db::Transaction& tx, const std::string& field, int64_t product_id,
                                     int64_t quantity, int32_t discount_bp, absl::CivilDay day,
                                     const std::string& currency, const std::string& requester_role,
                                     const DiscountLimits& limits, bool allow_discontinued);

// The business day of `d`, or today (company time zone) when unset.
absl::CivilDay DayOr(const common::v1::Date& d, absl::Time now);

// A line's discount is refused outright beyond the director's limit (no
// approval can grant it); `line` names the line's field.
absl::Status WithinDirectorLimit(int32_t discount_bp, const DiscountLimits& limits, const std::string& line);

// A quote's or order's special fees as entered: each needs a description and
// a positive amount (violations named `<doc>.special_fees[i]...`).
void AppendFeeViolations(const google::protobuf::RepeatedPtrField<v1::SpecialFee>& fees, const std::string& doc,
                         std::vector<FieldViolation>* violations);
// The fees' total when pricing a quote or order: every fee in the document's
// currency, and each one waits for approval again. The sum is checked
// (INVALID_ARGUMENT on `<doc>.special_fees` beyond the amount bound).
absl::StatusOr<int64_t> TotalSpecialFees(google::protobuf::RepeatedPtrField<v1::SpecialFee>* fees,
                                         const std::string& currency, const std::string& doc);


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
