// Visit plans (拜访制度): the visits each rep owes their customers by the
// company's visit rules, what is due or overdue as of a day, and the
// compliance over a period (拜访制度考核) that the manager's report and the
// rep activity report share.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/domain/visits.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/customers/v1/reports.pb.h"

namespace sales::customers {

struct Compliance {
  std::map<int64_t, v1::VisitComplianceRow> by_rep;
  std::map<int, v1::VisitComplianceByType> by_type;
  v1::VisitComplianceRow total;
};

// For the reps (rep id → unit) and their current customers: visits required
// by the rules over [span.start, min(span.end, today)] from the day each
// customer became the rep's, visits made by the owner (each customer counts
// at most its requirement), customers overdue at that end day.
absl::StatusOr<Compliance> ComputeCompliance(db::Transaction& tx, const std::map<int64_t, int64_t>& reps,
                                             const Span& span, absl::CivilDay today, const VisitRules& rules);

class VisitPlanning {
 public:
  explicit VisitPlanning(const Clock& clock) : clock_(clock) {}

  // The visits due (or overdue) as of the request's day for one rep (the
  // caller unless named) or a unit's reps, most overdue first; `page` of
  // them from `offset`. `request` is well formed (api/).
  absl::StatusOr<v1::ListVisitsDueResponse> VisitsDue(db::Transaction& tx, const CallContext& call,
                                                      const v1::ListVisitsDueRequest& request, int page,
                                                      int64_t offset);
  // The compliance of a unit's reps over `span` (the request's period),
  // least compliant first; for the unit's manager and the all-readers.
  absl::StatusOr<v1::GetVisitComplianceReportResponse> ComplianceReport(
      db::Transaction& tx, const CallContext& call, const v1::GetVisitComplianceReportRequest& request,
      const Span& span);

 private:
  const Clock& clock_;
};

}  // namespace sales::customers
