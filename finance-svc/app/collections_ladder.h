// The collections ladder (逾期账款催收, domain.md §7): the daily sweep, and
// the steps the hand-recorded actions and the settlement hook share. Every
// change of a case records its step, moves the stage by the rules of
// domain/ladder_rules, and publishes its events — all through the
// CollectionsBook of the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/app/collections_book.h"
#include "finance-svc/domain/amount_text.h"
#include "platform/outbox.h"
#include "sales/finance/v1/collections_messages.pb.h"

namespace sales::finance {

struct LadderContext {
  Outbox* outbox = nullptr;  // null: rows written directly (settlement hook)
  Actor actor;
  absl::Time now;
  absl::CivilDay today;   // business day of `now`
  bool by_sweep = false;  // steps are the daily sweep's (the actor ran it)
};

class CollectionsLadder {
 public:
  CollectionsLadder(CollectionsBook& book, LadderContext ctx) : book_(book), ctx_(std::move(ctx)) {}

  // The daily sweep for `as_of` (customer_id 0 = all): closes cases of paid
  // invoices, opens cases for newly overdue invoices, walks every case along
  // the ladder, sets holds at the supply stop and releases holds of
  // customers with nothing overdue left. A case already swept for as_of or
  // a later date is left as it is, so a repeat changes nothing. Every step
  // this ladder records from then on is the sweep's.
  absl::StatusOr<v1::RunCollectionsSweepResponse> Sweep(absl::CivilDay as_of, int64_t customer_id);

  // An application or credit changed the invoice's balance: a part payment
  // lowers the case's overdue amount, a settled invoice closes its case
  // (PAID, or CREDITED when credit cleared it) and may release the hold.
  absl::Status InvoiceSettled(int64_t invoice_id);

  // Records `step` on the case, sets the stage from the facts and publishes
  // CollectionStageChangedEvent when the stage changed. Does not write the
  // case row (callers do, once, after all changes).
  absl::Status RecordStep(CaseRecord& c, StepRecord step);
  // Second notice: the customer's supply stops. Links the case to the
  // customer's active hold or sets a new one (CustomerHoldSetEvent, the
  // credit-check summary's on_hold). Returns the hold id and whether it is new.
  absl::StatusOr<std::pair<int64_t, bool>> StopSupply(CaseRecord& c, absl::CivilDay on);
  // Closes the case (writes the row). reason PAID/CREDITED/MANUAL.
  absl::Status CloseCase(CaseRecord& c, absl::CivilDay on, v1::CaseCloseReason reason, const std::string& note);
  // Releases the customer's collections hold when nothing of theirs is
  // overdue today any more. Returns the released hold's id, 0 when none was
  // released. Manual holds stay (finance releases them by hand).
  absl::StatusOr<int64_t> ReleaseHoldIfClear(int64_t customer_id, const std::string& reason);
  // Releases a hold (any source) and publishes CustomerHoldReleasedEvent.
  absl::Status ReleaseHoldNow(HoldRecord& h, absl::CivilDay on, const std::string& reason);

 private:
  absl::StatusOr<int64_t> ReleaseHoldIfClearOn(int64_t customer_id, absl::CivilDay today, const std::string& reason);

  CollectionsBook& book_;
  LadderContext ctx_;
};

}  // namespace sales::finance
