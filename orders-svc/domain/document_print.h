// Pure rules of controlled documents (提货证明单不允许重新打印 [002]): the
// first print is the original; every later print consumes one approved
// reprint request of that same document and is a numbered duplicate. The
// reprint request's own life is here too. No I/O.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "sales/orders/v1/shipment.pb.h"

namespace sales::orders {

// The reprint request offered with a print, as stored.
struct OfferedReprint {
  int64_t id = 0;
  int64_t document_id = 0;
  v1::ReprintRequestStatus status = v1::REPRINT_REQUEST_STATUS_UNSPECIFIED;
};

struct PrintDecision {
  int32_t copy_number = 0;  // 1 for the original
  bool duplicate = false;   // stamped 副本/DUPLICATE
  bool consumes_reprint = false;
};

// Decides a print of document `document_id` printed `print_count` times so
// far. `reprint` is null when none is offered. FAILED_PRECONDITION
// ALREADY_PRINTED when printed before and no approved unused reprint of this
// document is offered; REPRINT_NOT_FOR_DOCUMENT / REPRINT_NOT_APPROVED name
// the offered request's problem.
absl::StatusOr<PrintDecision> DecidePrint(int64_t document_id, int32_t print_count, const OfferedReprint* reprint);

// A reprint may be asked only for a printed document with none pending.
absl::Status CheckReprintRequest(int32_t print_count, bool one_pending);

enum class ReprintAction { kApprove, kReject };
// Only PENDING_APPROVAL requests are decided (REPRINT_NOT_PENDING).
absl::Status CheckReprintAction(v1::ReprintRequestStatus from, ReprintAction action);

// The document's printed text: the fields a warehouse keeper or customer
// signs, with the duplicate stamp on reprints.
struct DocumentContent {
  v1::DocumentType type = v1::DOCUMENT_TYPE_UNSPECIFIED;
  std::string document_number;
  std::string order_number;
  std::string customer_name;
  std::string date;  // YYYY-MM-DD
  std::string warehouse;
  struct Line {
    std::string sku;
    int64_t quantity = 0;
  };
  std::vector<Line> lines;
};
std::string RenderDocument(const DocumentContent& c, const PrintDecision& d);

// Title printed on a document, in the business's words.
std::string DocumentTitle(v1::DocumentType t);

}  // namespace sales::orders
