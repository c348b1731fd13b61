#include "orders-svc/domain/document_print.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/shipment_rules.h"
#include "platform/status.h"

namespace sales::orders {

absl::StatusOr<PrintDecision> DecidePrint(int64_t document_id, int32_t print_count, const OfferedReprint* reprint) {
  PrintDecision d;
  d.copy_number = print_count + 1;
  if (print_count == 0) {
    // The original; an offered reprint request is not needed and not used.
    return d;
  }
  if (reprint == nullptr) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("document ", document_id, " was printed ", print_count,
                                                   " time(s); a reprint needs an approved reprint request")),
        "ALREADY_PRINTED", kOrdersDomain);
  }
  if (reprint->document_id != document_id) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("reprint request ", reprint->id,
                                                                    " belongs to document ", reprint->document_id)),
                         "REPRINT_NOT_FOR_DOCUMENT", kOrdersDomain);
  }
  if (reprint->status != v1::REPRINT_REQUEST_STATUS_APPROVED) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("reprint request ", reprint->id, " is ",
                                                                    v1::ReprintRequestStatus_Name(reprint->status))),
                         "REPRINT_NOT_APPROVED", kOrdersDomain);
  }
  d.duplicate = true;
  d.consumes_reprint = true;
  return d;
}

absl::Status CheckReprintRequest(int32_t print_count, bool one_pending) {
  if (print_count == 0) {
    return WithErrorInfo(absl::FailedPreconditionError("the document was never printed; print the original"),
                         "NEVER_PRINTED", kOrdersDomain);
  }
  if (one_pending) {
    return WithErrorInfo(absl::FailedPreconditionError("a reprint request of this document is already pending"),
                         "REPRINT_PENDING", kOrdersDomain);
  }
  return absl::OkStatus();
}

absl::Status CheckReprintAction(v1::ReprintRequestStatus from, ReprintAction) {
  if (from == v1::REPRINT_REQUEST_STATUS_PENDING_APPROVAL) return absl::OkStatus();
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("reprint request is ", v1::ReprintRequestStatus_Name(from))),
      "REPRINT_NOT_PENDING", kOrdersDomain);
}

std::string DocumentTitle(v1::DocumentType t) {
  switch (t) {
    case v1::DOCUMENT_TYPE_PICKUP_CERTIFICATE:
      return "提货证明单 PICK-UP CERTIFICATE";
    case v1::DOCUMENT_TYPE_OUTBOUND_NOTE:
      return "销售出库单 OUTBOUND NOTE";
    case v1::DOCUMENT_TYPE_RETURN_RECEIPT:
      return "红字出库单 RETURN RECEIPT";
    default:
      return "DOCUMENT";
  }
}

std::string RenderDocument(const DocumentContent& c, const PrintDecision& d) {
  std::string out = absl::StrCat(DocumentTitle(c.type), "\n");
  if (d.duplicate) absl::StrAppend(&out, "*** 副本 DUPLICATE — copy ", d.copy_number, " ***\n");
  absl::StrAppend(&out, "No: ", c.document_number, "\nOrder: ", c.order_number, "\nCustomer: ", c.customer_name,
                  "\nDate: ", c.date, "\nWarehouse: ", c.warehouse, "\n");
  for (const auto& l : c.lines) absl::StrAppend(&out, l.sku, "\t", l.quantity, "\n");
  absl::StrAppend(&out, "Signature: ____________\n");
  return out;
}

}  // namespace sales::orders
