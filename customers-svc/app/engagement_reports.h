// The department's periodic reports (domain.md §8, seed 001 第16条) from the
// data that exists: rep activity, the customer base, the target customer
// list, market notes and reception counts. Each covers what the caller may
// see: everything for the all-readers, a manager's subtree, a rep's own.
//
// Works on the stores directly; a port with a fake, as app/customer_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "customers-svc/app/customers_support.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "sales/customers/v1/customers_service.pb.h"

namespace sales::customers {

class EngagementReports {
 public:
  explicit EngagementReports(const Clock& clock) : clock_(clock) {}

  // Each `request` is well formed (api/ checked periods, ids and pages);
  // `span` is the request's period. PERMISSION_DENIED for a unit or rep the
  // caller does not see.

  // Follow-ups, new customers, claims, lapses, conversions, leads,
  // collisions and visit compliance per rep over the period.
  absl::StatusOr<v1::GetRepActivityReportResponse> RepActivity(db::Transaction& tx, const CallContext& call,
                                                               const v1::GetRepActivityReportRequest& request,
                                                               const Span& span);
  absl::StatusOr<v1::GetCustomerBaseReportResponse> CustomerBase(db::Transaction& tx, const CallContext& call,
                                                                 const v1::GetCustomerBaseReportRequest& request,
                                                                 const Span& span);
  // Grade A and B prospects and accounts (unless the request names others)
  // as of the day, `page` of them from `offset`.
  absl::StatusOr<v1::GetTargetCustomerListResponse> TargetCustomers(db::Transaction& tx, const CallContext& call,
                                                                    const v1::GetTargetCustomerListRequest& request,
                                                                    int page, int64_t offset);
  absl::StatusOr<v1::GetMarketNotesReportResponse> MarketNotes(db::Transaction& tx, const CallContext& call,
                                                               const v1::GetMarketNotesReportRequest& request,
                                                               const Span& span, int page, int64_t offset);
  // Leads, calls, routed leads and market surveys per office and day over
  // [from, to], with each office's totals; not for reps.
  absl::StatusOr<v1::GetReceptionReportResponse> Reception(db::Transaction& tx, const CallContext& call,
                                                           const v1::GetReceptionReportRequest& request,
                                                           absl::CivilDay from, absl::CivilDay to);

 private:
  const Clock& clock_;
};

}  // namespace sales::customers
