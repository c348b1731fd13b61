// The lapse sweep (RunLapseSweep; domain.md §4, seed 001 客户追踪制度),
// called by a CronJob once per business day: every owned prospect whose
// protection ended before the day (no follow-up or purchase within the
// window, domain/protection.h) goes back to the shared pool (公海) with its
// ownership record, audit entry and CustomerOwnerChangedEvent; family
// members follow their primary. A LapseSweepCompletedEvent sums the run up.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "customers-svc/app/customer_book.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "sales/customers/v1/ownership_messages.pb.h"

namespace sales::customers {

class LapseSweep {
 public:
  // Lapses are committed in batches of this many prospects.
  static constexpr int kBatch = 500;

  // The moves commit through `books`, `batch` prospects per transaction
  // (kBatch unless positive).
  LapseSweep(CustomerBooks& books, const Clock& clock, int batch = kBatch)
      : books_(books), clock_(clock), batch_(batch > 0 ? batch : kBatch) {}

  // `request` is well formed (api/: request id, an as_of not after today)
  // and the caller may run sweeps (MayRunSweep). `turn` is the book of the
  // transaction that keeps the request's answer: the sweep's lock row is
  // taken there first and held while the batches commit beside it, so one
  // run goes at a time. Batches already committed stay when a later one
  // fails or the call is cancelled; running it again for the same as_of
  // finds nothing new.
  absl::StatusOr<v1::RunLapseSweepResponse> Run(CustomerBook& turn, const CallContext& call,
                                                const v1::RunLapseSweepRequest& request);

 private:
  // The ids moved to the pool; `examined` is how many owned prospects there
  // were before the first batch.
  absl::StatusOr<std::vector<int64_t>> SweepLapsed(absl::CivilDay as_of, const CallContext& call, int* examined);

  CustomerBooks& books_;
  const Clock& clock_;
  const int batch_;
};

}  // namespace sales::customers
