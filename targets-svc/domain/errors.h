// The ErrorInfo domain of every error targets-svc answers with its own
// reason (ErrorInfo.reason names the case, e.g. UNIT_CLOSED); platform
// errors keep "sales", a peer's keep the peer's.
#pragma once

namespace sales::targets {

inline constexpr char kTargetsDomain[] = "targets.sales";

}  // namespace sales::targets
