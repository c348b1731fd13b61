#include "customers-svc/app/lapse_sweep.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/domain/protection.h"
#include "platform/cancellation.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {

absl::StatusOr<v1::RunLapseSweepResponse> LapseSweep::Run(CustomerBook& turn, const CallContext& call,
                                                          const v1::RunLapseSweepRequest& request) {
  SALES_ASSIGN_OR_RETURN(bool locked, turn.LockLapseSweep());
  if (!locked) return absl::FailedPreconditionError("sweep_locks has no 'lapse' row");
  int examined = 0;
  SALES_ASSIGN_OR_RETURN(auto lapsed, SweepLapsed(ToCivilDay(request.as_of()), call, &examined));
  v1::RunLapseSweepResponse out;
  out.set_lapsed_count(static_cast<int32_t>(lapsed.size()));
  out.set_examined_count(examined);
  for (int64_t id : lapsed) out.add_lapsed_customer_ids(id);
  v1::LapseSweepCompletedEvent e;
  *e.mutable_as_of() = request.as_of();
  e.set_lapsed_count(out.lapsed_count());
  // The per-customer owner events carry the ids; the summary keeps the
  // first ones only, to stay small.
  for (size_t i = 0; i < lapsed.size() && i < 10000; ++i) e.add_lapsed_customer_ids(lapsed[i]);
  SALES_RETURN_IF_ERROR(turn.Publish("LapseSweep", FormatDbDate(request.as_of()), e, call.request_id));
  return out;
}

absl::StatusOr<std::vector<int64_t>> LapseSweep::SweepLapsed(absl::CivilDay as_of, const CallContext& call,
                                                             int* examined) {
  int window = 0;
  SALES_RETURN_IF_ERROR(books_.InTransaction([&](CustomerBook& book) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(auto settings, book.Settings());
    window = ProtectionWindow(settings.protection_days());
    return absl::OkStatus();
  }));
  int64_t owned = 0;
  SALES_RETURN_IF_ERROR(books_.InTransaction([&](CustomerBook& book) -> absl::Status {
    SALES_ASSIGN_OR_RETURN(owned, book.CountOwnedProspects());
    return absl::OkStatus();
  }));
  *examined = static_cast<int>(owned);
  // Protected through base + window; lapsed on as_of when base + window <
  // as_of, i.e. base < as_of - window.
  absl::CivilDay base_before = as_of - window;
  Who sweeper = Who::Of(call.principal);
  std::vector<int64_t> lapsed;
  int64_t after = 0;
  while (true) {
    // Batches already committed stay; a cancelled sweep does no more.
    SALES_RETURN_IF_ERROR(StopIfCancelled(call));
    std::vector<int64_t> batch;
    SALES_RETURN_IF_ERROR(books_.InTransaction([&](CustomerBook& book) -> absl::Status {
      batch.clear();
      SALES_ASSIGN_OR_RETURN(auto recs, book.LapsedProspects(base_before, after, batch_));
      absl::Time now = clock_.Now();
      for (const auto& rec : recs) {
        CustomerStore::OwnerChange ch;
        ch.to_rep_id = 0;
        ch.kind = v1::OWNERSHIP_CHANGE_KIND_LAPSED;
        absl::CivilDay until = ProtectedUntil(*rec.protection_base, window);
        ch.reason = absl::StrCat("no follow-up within ", window, " days: protected through ",
                                 absl::FormatCivilTime(until), ", swept for ", absl::FormatCivilTime(as_of));
        ch.who = sweeper;
        ch.last_follow_up_date = *rec.protection_base;
        SALES_RETURN_IF_ERROR(MoveOwner(book, rec, ch, call.request_id, now).status());
        batch.push_back(rec.customer.id());
      }
      return absl::OkStatus();
    }));
    for (int64_t id : batch) lapsed.push_back(id);
    if (static_cast<int>(batch.size()) < batch_) break;
    after = batch.back();
  }
  return lapsed;
}

}  // namespace sales::customers
