// SQL for sales orders, their lines, special fees and document numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orders-svc/store/stock_store.h"
#include "platform/mysql.h"
#include "sales/orders/v1/events.pb.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/order_messages.pb.h"

namespace sales::orders {

class OrderStore {
 public:
  // Reads the order with lines (reserved_quantity from open reservations),
  // special fees, approval steps and the last credit check. NOT_FOUND.
  static absl::StatusOr<OrderRecord> Load(db::Transaction& tx, int64_t order_id, bool for_update);

  // The orders of `ids` in that order (unknown ids left out), with lines,
  // fees and approvals: four statements for any number of orders.
  static absl::StatusOr<std::vector<OrderRecord>> LoadMany(db::Transaction& tx, const std::vector<int64_t>& ids,
                                                           bool for_update = false);
  // Inserts a priced order with its lines and fees and numbers it (gapless
  // per year of order_date); returns the id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::SalesOrder& o,
                                        const std::string& created_by_user, int64_t taking_org_unit_id, absl::Time now);
  // The same without the number: the order carries a provisional one until
  // AssignNumber, which the caller makes the last write of its transaction.
  // The year's number row is locked from AssignNumber to commit, so every
  // order entry of the year queues on it; taken last, the queue moves at the
  // speed of a commit instead of the whole entry.
  static absl::StatusOr<int64_t> InsertUnnumbered(db::Transaction& tx, const v1::SalesOrder& o,
                                                  const std::string& created_by_user, int64_t taking_org_unit_id,
                                                  absl::Time now);
  // Gives the order the next number of its order_date's year (SO-YYYY-NNNNNN)
  // and returns it.
  static absl::StatusOr<std::string> AssignNumber(db::Transaction& tx, int64_t order_id, int year);
  // Replaces the editable content of a DRAFT order (header fields, lines,
  // fees) and bumps the version.
  static absl::Status ReplaceContent(db::Transaction& tx, const v1::SalesOrder& o, absl::Time now);

  // Moves the order to `status` with `reason`, bumping the version. The
  // caller has checked the transition (domain/order_state.h).
  static absl::Status SetStatus(db::Transaction& tx, int64_t order_id, v1::OrderStatus status, absl::string_view reason,
                                absl::Time now);

  // Stores the confirmation facts (credited rep, customer snapshot, dates,
  // credit check, line costs) together with the new status.
  static absl::Status SaveConfirmation(db::Transaction& tx, const v1::SalesOrder& o, const std::string& release_reason,
                                       absl::Time now);
  // Serializes credit decisions of one customer (V003): takes the customer's
  // credit lock row exclusively, creating it the first time.
  static absl::Status LockCustomerCredit(db::Transaction& tx, int64_t customer_id);
  // Marks every special fee of the order approved (nothing left to approve).
  static absl::Status ApproveSpecialFees(db::Transaction& tx, int64_t order_id);

  // Stores a credit check (CREDIT_HOLD or CheckOrderCredit keeps none).
  static absl::Status SaveCreditCheck(db::Transaction& tx, int64_t order_id, const v1::CreditCheck& check);

  // Confirmed value not yet shipped for the customer: Σ over CONFIRMED and
  // PARTIALLY_SHIPPED orders of the unshipped part of each positive line
  // ((quantity − shipped) × unit price), excluding `exclude_order_id`.
  struct OpenValue {
    int64_t amount = 0;
    int32_t orders = 0;
    int64_t held_amount = 0;  // CREDIT_HOLD orders, not part of exposure
  };
  static absl::StatusOr<OpenValue> ConfirmedUnshipped(db::Transaction& tx, int64_t customer_id,
                                                      int64_t exclude_order_id);

  struct ListFilter {
    int64_t customer_id = 0;
    int64_t rep_id = 0;              // credited or taking
    std::vector<int64_t> org_units;  // taking or credited unit in these (empty = any)
    bool restrict_units = false;
    int64_t only_rep_scope = 0;         // a rep's own scope (0 = none)
    std::vector<std::string> statuses;  // short names
    std::string from_date, to_date;     // "" = open
    std::string kind;                   // "" = any
    bool late_only = false;
    int64_t before_id = 0;  // newest first paging
  };
  static absl::StatusOr<std::vector<int64_t>> ListIds(db::Transaction& tx, const ListFilter& f, int limit);

  // Increments the series' counter for `year` under the row lock.
  static absl::StatusOr<int64_t> NextNumber(db::Transaction& tx, absl::string_view series, int year);

  // Flags orders confirmed and not shipped with ship_due_date < as_of.
  static absl::StatusOr<std::vector<int64_t>> LateCandidates(db::Transaction& tx, const std::string& as_of);
  static absl::Status MarkLate(db::Transaction& tx, int64_t order_id, absl::Time now);
};

// The event header of an order as confirmed (shared by every order event).
v1::OrderEventHeader EventHeaderOf(const v1::SalesOrder& o);
// Event lines of the order, signed as on the order.
std::vector<v1::EventLine> EventLinesOf(const v1::SalesOrder& o);

}  // namespace sales::orders
