// The collections workflow shared by the sweep, the hand-recorded steps and
// the settlement hook: every change of a case records its step, moves the
// stage, and writes its events in the caller's transaction.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/collections_store.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/collections_messages.pb.h"

namespace sales::finance {

struct LadderContext {
  Outbox* outbox = nullptr;  // null: rows written directly (settlement hook)
  Actor actor;
  absl::Time now;
  absl::CivilDay today;  // business day of `now`
  bool by_sweep = false;  // steps are the daily sweep's (the actor ran it)
};

// The daily sweep for `as_of` (customer_id 0 = all): closes cases of paid
// invoices, opens cases for newly overdue invoices, walks every case along
// the ladder, sets holds at the supply stop and releases holds of customers
// with nothing overdue left. A case already swept for as_of or a later date
// is left as it is, so a repeat changes nothing.
absl::StatusOr<v1::RunCollectionsSweepResponse> RunCollectionsSweep(db::Transaction& tx, const LadderContext& ctx,
                                                                    absl::CivilDay as_of, int64_t customer_id);

// Records `step` on the case, sets the stage from the facts and publishes
// CollectionStageChangedEvent when the stage changed. Does not write the
// case row (callers do, once, after all changes).
absl::Status RecordStep(db::Transaction& tx, const LadderContext& ctx, CaseRecord& c, StepRecord step);

// Second notice: the customer's supply stops. Links the case to the
// customer's active hold or sets a new one (CustomerHoldSetEvent, the
// credit-check summary's on_hold). Returns the hold id and whether it is
// new.
absl::StatusOr<std::pair<int64_t, bool>> StopSupply(db::Transaction& tx, const LadderContext& ctx, CaseRecord& c,
                                                    absl::CivilDay on);

// Closes the case (writes the row). reason PAID/CREDITED/MANUAL.
absl::Status CloseCase(db::Transaction& tx, const LadderContext& ctx, CaseRecord& c, absl::CivilDay on,
                       v1::CaseCloseReason reason, const std::string& note);

// Releases the customer's collections hold when nothing of theirs is
// overdue on ctx.today any more. Returns the released hold's id, 0 when
// none was released. Manual holds stay (finance releases them by hand).
absl::StatusOr<int64_t> ReleaseHoldIfClear(db::Transaction& tx, const LadderContext& ctx, int64_t customer_id,
                                           const std::string& reason);

// Releases a hold (any source) and publishes CustomerHoldReleasedEvent.
// 12345 fen as "123.45" for step details.
std::string FormatFen(int64_t minor);

absl::Status ReleaseHoldNow(db::Transaction& tx, const LadderContext& ctx, HoldRecord& h, absl::CivilDay on,
                            const std::string& reason);

}  // namespace sales::finance
