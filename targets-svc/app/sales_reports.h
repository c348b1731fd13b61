// The department's weekly and monthly target-vs-actual reports (by rep, by
// region) and the ranking board (销售排行榜): rows of the progress read
// model, ranked by attainment, for what the caller may see.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/targets/v1/progress_messages.pb.h"

namespace sales::targets {

class SalesReports {
 public:
  explicit SalesReports(const Clock& clock) : clock_(clock) {}

  // `request` is well formed (api/: a WEEK or MONTH period). A rep gets their
  // own row; a manager their unit's reps (org_unit_id 0 = their own unit);
  // the whole company only for those who read everywhere. Reps no signed
  // plan covers are left out.
  absl::StatusOr<v1::GetSalesByRepReportResponse> ByRep(db::Transaction& tx, const CallContext& call,
                                                        const v1::GetSalesByRepReportRequest& request) const;
  // `request` is well formed (api/: a WEEK or MONTH period, a BRANCH, OFFICE
  // or TEAM grouping). One row per unit of that kind in the scope.
  absl::StatusOr<v1::GetSalesByRegionReportResponse> ByRegion(db::Transaction& tx, const CallContext& call,
                                                              const v1::GetSalesByRegionReportRequest& request) const;
  // `request` is well formed (api/). The reps of a unit's subtree or its
  // child units by attainment; a rep may see the board of their own unit.
  absl::StatusOr<v1::GetRankingResponse> Ranking(db::Transaction& tx, const CallContext& call,
                                                 const v1::GetRankingRequest& request) const;

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
