// The ErrorInfo domain of every error finance-svc answers with its own
// reason (ErrorInfo.reason names the case, e.g. NO_CREDIT_PROFILE);
// platform errors keep "sales", a peer's keep the peer's.
#pragma once

namespace sales::finance {

inline constexpr char kFinanceDomain[] = "finance.sales";

}  // namespace sales::finance
