// Plumbing shared by the collections, commission and report handlers.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/collections_ladder.h"
#include "finance-svc/store/collections_store.h"
#include "platform/call.h"
#include "platform/service_app.h"

namespace sales::finance {

// The workflow context of a call: the caller as actor, the injected clock.
LadderContext LadderContextOf(const ServiceRuntime& rt, const CallContext& call);

// Restricts a case filter to the caller's scope and, when org_unit_id is
// set, to that unit's subtree. False when nothing can match.
absl::StatusOr<bool> NarrowToScope(db::Transaction& tx, const FinanceScope& scope, int64_t org_unit_id, CaseFilter* f);
// The same for reports: the rep and unit lists a query may cover.
struct ReportScope {
  int64_t rep_id = 0;             // 0 = any
  std::vector<int64_t> unit_ids;  // empty = any
  bool none = false;              // nothing in scope
};
absl::StatusOr<ReportScope> ReportScopeOf(db::Transaction& tx, const FinanceScope& scope, int64_t org_unit_id,
                                          int64_t rep_id);

// Runs `fn` in a transaction that is always rolled back and returns what it
// computed: dry runs record nothing and publish nothing.
template <typename Response>
absl::Status DryRun(ServiceRuntime& rt, const std::function<absl::StatusOr<Response>(db::Transaction&)>& fn,
                    Response* out) {
  absl::Status inner = absl::OkStatus();
  absl::Status st = rt.pool->Transact([&](db::Transaction& tx) -> absl::Status {
    auto r = fn(tx);
    if (!r.ok()) {
      inner = r.status();
      return inner;
    }
    *out = std::move(*r);
    return absl::CancelledError("dry run: rolled back");
  });
  if (!inner.ok()) return inner;
  if (absl::IsCancelled(st)) return absl::OkStatus();
  return st;
}

}  // namespace sales::finance
