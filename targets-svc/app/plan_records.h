// A plan's records beyond its negotiation: editing a draft (its title, mode,
// totals, deadline and note), the audit trail of a plan and of what belongs
// to it, the monthly or weekly sales plan (月/周销售计划表) built from the
// signed cells, and the steps the lists of a plan's requests share.
//
// Works on the stores directly; a port with a fake, as
// orders-svc/app/order_book.h, comes with its application tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/targets/v1/org_messages.pb.h"
#include "sales/targets/v1/plan_messages.pb.h"
#include "sales/targets/v1/progress_messages.pb.h"
#include "targets-svc/domain/access.h"

namespace sales::targets {

// The fields of UpdatePlanRequest an update applies: the mask's (checked;
// INVALID_ARGUMENT on update_mask.paths[i]) or, with an empty mask, every
// field the request sets, as UpdatePlan did before it had a mask.
absl::StatusOr<std::vector<std::string>> UpdatePlanPaths(const v1::UpdatePlanRequest& request);

// The shape of the fields `paths` names: a named required field (title,
// mode, total_target) may not be blank; lengths, dates and amounts in range.
// What depends on the plan (its metric and currency) is checked against it.
absl::Status ValidateUpdatePlan(const v1::UpdatePlanRequest& request, const std::vector<std::string>& paths);

// Who may withdraw a request (an amendment, a target reduction): the one who
// made it, or an admin. PERMISSION_DENIED (NOT_REQUESTER) for anyone else.
absl::Status CheckMayWithdraw(const Viewer& viewer, const common::v1::Actor& requested_by, const std::string& what);

// Whether the caller may read a plan (CanReadPlan), asked once per plan: a
// list of requests checks many rows of few plans.
class PlanReadability {
 public:
  explicit PlanReadability(const Viewer& viewer) : viewer_(viewer) {}
  absl::StatusOr<bool> CanRead(db::Transaction& tx, int64_t plan_id);
  // NOT_FOUND for an unknown plan, PERMISSION_DENIED for one out of scope.
  absl::Status Require(db::Transaction& tx, int64_t plan_id);

 private:
  const Viewer& viewer_;
  std::map<int64_t, bool> known_;
};

// Up to page_size + 1 items (the extra one tells FillPage another page
// exists) of those `fetch(before_id, limit)` lists newest first, keeping
// the ones whose plan the caller may read.
template <typename Item, typename Fetch>
absl::StatusOr<std::vector<Item>> ReadablePage(db::Transaction& tx, PlanReadability& plans, int64_t before_id,
                                               int page_size, Fetch fetch) {
  constexpr int kBatch = 200;
  std::vector<Item> out;
  while (static_cast<int>(out.size()) <= page_size) {
    SALES_ASSIGN_OR_RETURN(std::vector<Item> batch, fetch(before_id, kBatch));
    for (auto& item : batch) {
      SALES_ASSIGN_OR_RETURN(bool readable, plans.CanRead(tx, item.plan_id()));
      if (readable) out.push_back(std::move(item));
      if (static_cast<int>(out.size()) > page_size) break;
    }
    if (static_cast<int>(batch.size()) < kBatch) break;
    before_id = batch.back().id();
  }
  return out;
}

class PlanRecords {
 public:
  explicit PlanRecords(const Clock& clock) : clock_(clock) {}

  // `request` is well formed and `paths` are its fields to apply (api/:
  // UpdatePlanPaths, ValidateUpdatePlan). The manager of the plan's unit
  // (the director or an admin for the company's) edits a DRAFT plan; a new
  // total or expense budget re-splits the cells below the root in their
  // proportions. Each changed field is one audit entry; a request that
  // changes nothing leaves the plan (and its etag) as it was.
  absl::StatusOr<v1::UpdatePlanResponse> Update(db::Transaction& tx, const CallContext& call,
                                                const v1::UpdatePlanRequest& request,
                                                const std::vector<std::string>& paths) const;

  // `request` is well formed (api/: a subject, the page checked). The trail
  // of a plan (every version; entries about cells the caller may not see
  // left out), a cell, an amendment or a reduction request (plan_audit), or
  // of an org unit, rep or product line (org_audit), oldest first, scoped
  // like the record itself. NOT_FOUND when the record is unknown;
  // UNIMPLEMENTED (AUDIT_NOT_KEPT) for kinds this service keeps no trail of.
  absl::StatusOr<v1::ListAuditEntriesResponse> AuditTrail(db::Transaction& tx, const CallContext& call,
                                                          const v1::ListAuditEntriesRequest& request, int64_t after_id,
                                                          int page_size) const;

  // `request` is well formed (api/: a WEEK or MONTH period, the page
  // checked; `offset` rows of the report are skipped). Each rep's target
  // and expense budget per product line for the period, from the leaf cells
  // of the most specific SIGNED plan covering the scope (prorated by days as
  // GetProgress does), with the number of named-customer targets under it.
  // A rep gets their own rows; a manager their unit's reps (org_unit_id 0 =
  // their own unit); the whole company only for those who read everywhere.
  // FAILED_PRECONDITION (NO_SIGNED_PLAN) when no signed plan covers it.
  absl::StatusOr<v1::GetSalesPlanReportResponse> SalesPlan(db::Transaction& tx, const CallContext& call,
                                                           const v1::GetSalesPlanReportRequest& request, int64_t offset,
                                                           int page_size) const;

 private:
  const Clock& clock_;
};

}  // namespace sales::targets
