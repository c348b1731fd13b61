// What the orders-core handlers share: method names, role checks, the
// caller's data scope, pricing a document line, and the calls to
// customers-svc and finance-svc made before a confirming transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "orders-svc/api/method_name.h"
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

// The role the caller acts in. Without principal_hmac_secret (local
// development only) an anonymous caller acts as ADMIN, as in every service;
// with a secret the platform refuses anonymous calls before they get here.
std::string RoleOf(const Principal& p);

bool HasRole(const Principal& p, std::initializer_list<const char*> roles);
// PERMISSION_DENIED unless the caller acts in one of `roles`.
absl::Status RequireRole(const Principal& p, std::initializer_list<const char*> roles, absl::string_view what);

// What the caller may see: everything, a rep's own documents, or a
// manager's org subtree.
struct Scope {
  bool all = false;
  int64_t rep_id = 0;           // a rep: own documents only
  std::vector<int64_t> units;   // a manager: these units
  bool Sees(int64_t rep_a, int64_t rep_b, int64_t unit_a, int64_t unit_b) const;
};
absl::StatusOr<Scope> ScopeOf(db::Transaction& tx, const Principal& p);

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

// ---- What peers answer (the typed clients are platform/peers/) ----
// FAILED_PRECONDITION (CUSTOMER_BLACKLISTED) for a blacklisted customer.
absl::Status RefuseBlacklisted(const customers::v1::Customer& c);

}  // namespace sales::orders
