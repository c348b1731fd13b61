// Who may see which receivables (domain.md §1): finance, the director,
// admins and other services see everything financial; a manager their org
// unit's subtree; a rep their own documents.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "finance-svc/store/document_scope.h"
#include "platform/call.h"
#include "platform/mysql.h"

namespace sales::finance {

// all / rep_id (a rep: only this rep's documents) / units (a manager: these
// units' documents); list reads pass it to the stores as it is.
struct FinanceScope : DocumentScope {
  bool Allows(int64_t rep_id, int64_t org_unit_id) const;
};

absl::StatusOr<FinanceScope> LoadScope(db::Transaction& tx, const Principal& p);

// Development mode (no principal) acts as admin.
bool IsFinanceStaff(const Principal& p);     // FINANCE or ADMIN
bool SeesAllFinancials(const Principal& p);  // + director and services
bool HasRole(const Principal& p, std::initializer_list<const char*> roles);

absl::Status Denied(const std::string& what);

}  // namespace sales::finance
