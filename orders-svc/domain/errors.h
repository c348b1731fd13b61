// The ErrorInfo domain of every error orders-svc answers with its own
// reason (ErrorInfo.reason names the case, e.g. CUSTOMER_BLACKLISTED);
// platform errors keep "sales", a peer's keep the peer's.
#pragma once

namespace sales::orders {

inline constexpr char kOrdersDomain[] = "orders.sales";

}  // namespace sales::orders
