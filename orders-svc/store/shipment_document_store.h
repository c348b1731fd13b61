// SQL of controlled documents (pick-up certificates, outbound notes, return
// receipts), their prints and reprint requests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orders-svc/domain/document_print.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/shipment.pb.h"

namespace sales::orders {

struct ReprintRecord {
  v1::ReprintRequest request;
  int64_t version = 0;
  Principal requester;
};

class ShipmentDocumentStore {
 public:
  // Creates an unprinted document numbered after its subject.
  static absl::StatusOr<v1::ShippingDocument> Create(db::Transaction& tx, v1::DocumentType type,
                                                     const std::string& number, int64_t order_id,
                                                     int64_t requisition_id, int64_t shipment_id, absl::Time now);
  static absl::StatusOr<v1::ShippingDocument> Load(db::Transaction& tx, int64_t id, bool for_update);
  // Records one print (document_prints row, print_count + 1, times) and
  // marks the consumed reprint request USED.
  static absl::Status RecordPrint(db::Transaction& tx, int64_t document_id, const PrintDecision& d,
                                  int64_t reprint_request_id, const Principal& by, absl::string_view request_id,
                                  absl::Time now);
  struct Filter {
    int64_t order_id = 0, requisition_id = 0, shipment_id = 0;
    std::string type;
    int64_t after_id = 0;
  };
  static absl::StatusOr<std::vector<v1::ShippingDocument>> List(db::Transaction& tx, const Filter& f, int limit);

  static absl::StatusOr<int64_t> InsertReprint(db::Transaction& tx, int64_t document_id, const std::string& reason,
                                               const Principal& requester, absl::Time now);
  static absl::StatusOr<ReprintRecord> LoadReprint(db::Transaction& tx, int64_t id, bool for_update);
  static absl::StatusOr<bool> HasPendingReprint(db::Transaction& tx, int64_t document_id);
  static absl::Status SetReprintStatus(db::Transaction& tx, int64_t id, v1::ReprintRequestStatus status,
                                       absl::Time now);
};

}  // namespace sales::orders
