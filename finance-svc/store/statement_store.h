// Statements of account (对帐单) for reconciliation with customers at the
// end of June and December [001 第13条], built from the customer ledger.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/finance/v1/receivable.pb.h"
#include "sales/finance/v1/receivable_messages.pb.h"

namespace sales::finance {

class StatementStore {
 public:
  enum class Outcome { kCreated, kRegenerated, kSkipped };
  // Creates the customer's statement for the period, or recomputes a DRAFT
  // one when `regenerate` is set; statements already sent are kept.
  static absl::StatusOr<std::pair<Outcome, int64_t>> Generate(db::Transaction& tx, int64_t customer_id,
                                                              absl::CivilDay start, absl::CivilDay end,
                                                              bool regenerate, absl::Time now);
  // Customers to reconcile: any ledger movement up to `end` (so a zero
  // balance with activity is confirmed too); unit 0 = all.
  static absl::StatusOr<std::vector<int64_t>> CustomersWithActivity(db::Transaction& tx, absl::CivilDay end,
                                                                   int64_t org_unit_id);
  static absl::StatusOr<v1::Statement> Get(db::Transaction& tx, int64_t id, bool with_entries);
  // Locks; returns (state, version, rep_id).
  static absl::StatusOr<std::tuple<int, int64_t, int64_t>> Lock(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<v1::Statement>> List(db::Transaction& tx, const v1::ListStatementsRequest& req,
                                                        const std::string& scope_sql, const db::Params& scope_params,
                                                        int64_t after_id, int limit);
};

}  // namespace sales::finance
