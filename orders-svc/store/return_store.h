// SQL of return requests (退货详单) and their lines.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/return.pb.h"

namespace sales::orders {

struct ReturnRecord {
  v1::ReturnRequest request;
  int64_t version = 0;
  int64_t credited_org_unit_id = 0;
  Principal requester;
  std::map<int64_t, bool> verified;  // return line id → verified yet
};

class ReturnStore {
 public:
  static absl::StatusOr<ReturnRecord> Load(db::Transaction& tx, int64_t id, bool for_update);
  // Inserts a REQUESTED return (RR-YYYY-NNNNNN) with its lines; returns the id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::ReturnRequest& r, int64_t credited_org_unit_id,
                                        const std::string& currency, int year, const Principal& requester,
                                        absl::Time now);
  // Quantity of each order line on the order's open returns (REQUESTED:
  // requested; VERIFIED, APPROVED: verified), excluding `exclude_id`.
  static absl::StatusOr<std::map<int64_t, int64_t>> PendingByLine(db::Transaction& tx, int64_t order_id,
                                                                  int64_t exclude_id);
  static absl::Status SaveVerification(db::Transaction& tx, int64_t id,
                                       const std::map<int64_t, v1::ReturnLineVerification>& v, const std::string& notes,
                                       const Principal& by, v1::ReturnStatus status, absl::Time now);
  static absl::Status SetStatus(db::Transaction& tx, int64_t id, v1::ReturnStatus status, absl::string_view reason,
                                int64_t return_shipment_id, absl::Time now);
  struct Filter {
    int64_t order_id = 0, customer_id = 0, rep_id = 0;
    std::string status;
    std::string from_time, to_time;  // created_at bounds, DB time text
    int64_t before_id = 0;
    // Scope: 0/empty = all; a rep only their own; a manager the units.
    int64_t only_rep = 0;
    std::vector<int64_t> units;
    bool restrict_units = false;
  };
  // Newest first before the cursor, with the lines and latest approval step
  // of the whole page in two more statements.
  static absl::StatusOr<std::vector<ReturnRecord>> List(db::Transaction& tx, const Filter& f, int limit);
};

}  // namespace sales::orders

namespace sales::orders {

// Where returned goods may go (reads the warehouses of the stock schema).
struct WarehouseInfo {
  int64_t id = 0;
  std::string kind;  // REGULAR | QUARANTINE
  bool active = false;
};
class ReturnDestinationStore {
 public:
  static absl::StatusOr<std::optional<WarehouseInfo>> Warehouse(db::Transaction& tx, int64_t id);
  // The first active quarantine warehouse by priority then id.
  static absl::StatusOr<std::optional<WarehouseInfo>> FirstQuarantine(db::Transaction& tx);
  // The warehouse the goods of an order line left from: the given outbound
  // shipment's, else the line's most recent outbound shipment's.
  static absl::StatusOr<int64_t> ShippedFrom(db::Transaction& tx, int64_t order_line_id, int64_t shipment_id);
};

}  // namespace sales::orders
