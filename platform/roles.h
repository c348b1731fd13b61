// The roles of domain.md §1, as the gateway puts them in a principal. One
// list, so that a policy file, a token and every service spell them alike.
#pragma once

namespace sales {

inline constexpr char kRoleAdmin[] = "ADMIN";
inline constexpr char kRoleDirector[] = "SALES_DIRECTOR";
inline constexpr char kRoleManager[] = "SALES_MANAGER";
inline constexpr char kRoleRep[] = "SALES_REP";
inline constexpr char kRoleClerk[] = "SALES_CLERK";
inline constexpr char kRoleReceptionist[] = "RECEPTIONIST";
inline constexpr char kRoleWarehouse[] = "WAREHOUSE";
inline constexpr char kRoleFinance[] = "FINANCE";
// Another service of the suite calling on its own behalf (feeds, credit
// checks); only holders of the shared principal secret can claim it.
inline constexpr char kRoleService[] = "SERVICE";

}  // namespace sales
