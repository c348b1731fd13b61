// Who may see which receivables (domain.md §1): finance, the director,
// admins and other services see everything financial; a manager their org
// unit's subtree; a rep their own documents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/mysql.h"

namespace sales::finance {

struct FinanceScope {
  bool all = false;
  int64_t rep_id = 0;           // a rep: only this rep's documents
  std::vector<int64_t> units;   // a manager: these units' documents
  bool Allows(int64_t rep_id, int64_t org_unit_id) const;
  // " AND (<rep_col> = ? ...)" restricting a query to the scope ("" for all);
  // appends its parameters.
  std::string Sql(const char* rep_col, const char* unit_col, db::Params* params) const;
};

absl::StatusOr<FinanceScope> LoadScope(db::Transaction& tx, const Principal& p);

// Development mode (no principal) acts as admin.
bool IsFinanceStaff(const Principal& p);  // FINANCE or ADMIN
bool SeesAllFinancials(const Principal& p);  // + director and services
bool HasRole(const Principal& p, std::initializer_list<const char*> roles);

absl::Status Denied(const std::string& what);

}  // namespace sales::finance
