// Visit-plan compliance over a period (拜访制度考核), shared by the
// compliance report and the rep activity report.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "customers-svc/api/engagement_support.h"
#include "customers-svc/domain/visits.h"
#include "platform/mysql.h"
#include "sales/customers/v1/reports.pb.h"

namespace sales::customers::engagement {

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

}  // namespace sales::customers::engagement
