// Customer complaints (domain.md §4 "Complaints"; seed 001 第五章 客户意见处理):
// the lifecycle as a pure state machine. Serious complaints (情节重大) go to
// the director at once; the others are handled by the service team or the
// rep's manager, answered to the customer, then closed.
//
//   record      → OPEN, or ESCALATED when SERIOUS
//   assign      OPEN → IN_PROGRESS; IN_PROGRESS → IN_PROGRESS (new
//               handler); ESCALATED → ESCALATED (the director names a
//               handler, it stays with the director)
//   escalate    OPEN / IN_PROGRESS → ESCALATED, once (refused when it was
//               ever escalated: it is already the director's)
//   resolve     OPEN / IN_PROGRESS / ESCALATED → RESOLVED
//   close       RESOLVED → CLOSED
//   reopen      RESOLVED / CLOSED → ESCALATED when it had been escalated,
//               else IN_PROGRESS when it has a handler, else OPEN
// Everything else is FAILED_PRECONDITION and changes nothing.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sales/customers/v1/complaint.pb.h"

namespace sales::customers {

enum class ComplaintAction { kAssign, kEscalate, kResolve, kClose, kReopen };

absl::string_view ComplaintActionName(ComplaintAction a);

// The state a new complaint starts in.
v1::ComplaintStatus InitialComplaintStatus(v1::ComplaintSeverity severity);

// Whether a new complaint is escalated automatically.
bool EscalatesOnRecord(v1::ComplaintSeverity severity);

// The complaint's facts the transitions depend on.
struct ComplaintFacts {
  v1::ComplaintStatus status = v1::COMPLAINT_STATUS_UNSPECIFIED;
  bool escalated = false;
  bool has_handler = false;
};

// The state after `action`, or FAILED_PRECONDITION (reason
// COMPLAINT_STATE) saying why it is refused.
absl::StatusOr<v1::ComplaintStatus> NextComplaintStatus(const ComplaintFacts& facts, ComplaintAction action);

// Not yet closed (ListComplaints open_only; Customer.open_complaint_count).
bool IsOpenComplaint(v1::ComplaintStatus s);

}  // namespace sales::customers
