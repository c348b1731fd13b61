// Reads behind the §8 reports: booked order lines, shipment and return lines
// by business date, late and open orders. Read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/mysql.h"

namespace sales::orders {

// One booked, shipped or returned line with who and what it belongs to.
struct ReportLine {
  int kind = 0;  // 0 booked, 1 shipped, 2 returned
  absl::CivilDay day;
  int64_t order_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  int64_t customer_id = 0;
  std::string customer_name;
  std::string customer_type;  // CustomerType short name
  int64_t product_line_id = 0;
  int64_t amount = 0;    // positive
  int64_t cost = 0;      // positive
  int64_t quantity = 0;  // positive
  std::string currency;
};

// One order with its fulfilment figures, for the late and open reports.
struct OrderProgressRow {
  int64_t order_id = 0;
  std::string order_number;
  int64_t customer_id = 0;
  std::string customer_name;
  int64_t rep_id = 0;  // credited, or taking while unconfirmed
  int64_t org_unit_id = 0;
  std::string status;
  std::string order_date, requested_delivery_date, confirm_date, ship_due_date, first_ship_date;  // "" = none
  bool late = false;
  int64_t total = 0;
  int64_t unshipped = 0;    // Σ (quantity − shipped) × unit price over positive lines
  int64_t undelivered = 0;  // Σ (shipped − delivered) × unit price
  std::string currency;
};

class ReportStore {
 public:
  static absl::StatusOr<std::vector<ReportLine>> Lines(db::Transaction& tx, absl::CivilDay from, absl::CivilDay to);
  static absl::StatusOr<std::vector<OrderProgressRow>> Orders(db::Transaction& tx,
                                                              const std::vector<std::string>& statuses,
                                                              int64_t customer_id);
  // The direct children of an org unit from the org replica (0 = the roots'
  // children of the company: units whose parent is the root).
  static absl::StatusOr<std::vector<int64_t>> ChildUnits(db::Transaction& tx, int64_t parent_id);
  static absl::StatusOr<int64_t> RootUnit(db::Transaction& tx);
};

}  // namespace sales::orders
