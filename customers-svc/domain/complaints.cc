#include "customers-svc/domain/complaints.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/domain/errors.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

absl::Status Refused(const ComplaintFacts& f, ComplaintAction a, absl::string_view why) {
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("cannot ", ComplaintActionName(a), " a complaint that is ",
                                                 v1::ComplaintStatus_Name(f.status), ": ", why)),
      "COMPLAINT_STATE", kCustomersDomain, {{"status", v1::ComplaintStatus_Name(f.status)}});
}

}  // namespace

absl::string_view ComplaintActionName(ComplaintAction a) {
  switch (a) {
    case ComplaintAction::kAssign:
      return "assign";
    case ComplaintAction::kEscalate:
      return "escalate";
    case ComplaintAction::kResolve:
      return "resolve";
    case ComplaintAction::kClose:
      return "close";
    case ComplaintAction::kReopen:
      return "reopen";
  }
  return "?";
}

bool EscalatesOnRecord(v1::ComplaintSeverity severity) { return severity == v1::COMPLAINT_SEVERITY_SERIOUS; }

v1::ComplaintStatus InitialComplaintStatus(v1::ComplaintSeverity severity) {
  return EscalatesOnRecord(severity) ? v1::COMPLAINT_STATUS_ESCALATED : v1::COMPLAINT_STATUS_OPEN;
}

bool IsOpenComplaint(v1::ComplaintStatus s) {
  return s == v1::COMPLAINT_STATUS_OPEN || s == v1::COMPLAINT_STATUS_IN_PROGRESS ||
         s == v1::COMPLAINT_STATUS_ESCALATED || s == v1::COMPLAINT_STATUS_RESOLVED;
}

absl::StatusOr<v1::ComplaintStatus> NextComplaintStatus(const ComplaintFacts& f, ComplaintAction a) {
  using S = v1::ComplaintStatus;
  const S s = f.status;
  const bool active =
      s == v1::COMPLAINT_STATUS_OPEN || s == v1::COMPLAINT_STATUS_IN_PROGRESS || s == v1::COMPLAINT_STATUS_ESCALATED;
  const bool finished = s == v1::COMPLAINT_STATUS_RESOLVED || s == v1::COMPLAINT_STATUS_CLOSED;
  if (!active && !finished) return Refused(f, a, "unknown state");
  switch (a) {
    case ComplaintAction::kAssign:
      if (!active) return Refused(f, a, "it is already resolved; reopen it first");
      return s == v1::COMPLAINT_STATUS_ESCALATED ? S(v1::COMPLAINT_STATUS_ESCALATED)
                                                 : S(v1::COMPLAINT_STATUS_IN_PROGRESS);
    case ComplaintAction::kEscalate:
      if (!active) return Refused(f, a, "it is already resolved; reopen it first");
      if (f.escalated || s == v1::COMPLAINT_STATUS_ESCALATED) {
        return Refused(f, a, "it is already with the director");
      }
      return S(v1::COMPLAINT_STATUS_ESCALATED);
    case ComplaintAction::kResolve:
      if (!active) return Refused(f, a, "it is already resolved");
      return S(v1::COMPLAINT_STATUS_RESOLVED);
    case ComplaintAction::kClose:
      if (s != v1::COMPLAINT_STATUS_RESOLVED) {
        return Refused(
            f, a,
            s == v1::COMPLAINT_STATUS_CLOSED ? "it is already closed" : "only a resolved complaint can be closed");
      }
      return S(v1::COMPLAINT_STATUS_CLOSED);
    case ComplaintAction::kReopen:
      if (!finished) return Refused(f, a, "only a resolved or closed complaint can be reopened");
      if (f.escalated) return S(v1::COMPLAINT_STATUS_ESCALATED);
      return f.has_handler ? S(v1::COMPLAINT_STATUS_IN_PROGRESS) : S(v1::COMPLAINT_STATUS_OPEN);
  }
  return Refused(f, a, "unknown action");
}

}  // namespace sales::customers
