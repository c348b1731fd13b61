// The ErrorInfo domain of every error customers-svc answers with its own
// reason (ErrorInfo.reason names the case, e.g. CUSTOMER_PROTECTED);
// platform errors keep "sales", a peer's keep the peer's.
#pragma once

namespace sales::customers {

inline constexpr char kCustomersDomain[] = "customers.sales";

}  // namespace sales::customers
