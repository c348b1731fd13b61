// Resolves a caller into what they may see, once per call.
#pragma once

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/store/plan_store.h"

namespace sales::targets {

// Without an identity (development mode: no principal secret configured) the
// caller acts as admin; with one, the role decides.
absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& principal);
CellScope ScopeOf(const Viewer& v);

}  // namespace sales::targets
