// Statements of account (对帐单) for reconciliation with customers at the
// end of June and December [001 第13条], built from the customer ledger.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/store/document_scope.h"
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
                                                              absl::CivilDay start, absl::CivilDay end, bool regenerate,
                                                              absl::Time now);
  // Customers to reconcile: any ledger movement up to `end` (so a zero
  // balance with activity is confirmed too); unit 0 = all.
  static absl::StatusOr<std::vector<int64_t>> CustomersWithActivity(db::Transaction& tx, absl::CivilDay end,
                                                                    int64_t org_unit_id);
  static absl::StatusOr<v1::Statement> Get(db::Transaction& tx, int64_t id, bool with_entries);
  // Locks; returns (state, version, rep_id).
  static absl::StatusOr<std::tuple<int, int64_t, int64_t>> Lock(db::Transaction& tx, int64_t id);
  // Filters of ListStatementsRequest within `scope` (the statement's rep, or
  // the unit on the customer's summary row); up to limit+1 after `after_id`,
  // without entries, in one statement.
  static absl::StatusOr<std::vector<v1::Statement>> List(db::Transaction& tx, const v1::ListStatementsRequest& req,
                                                         const DocumentScope& scope, int64_t after_id, int limit);
  // Whether the statement falls in `scope` (its rep, or the unit on the
  // customer's summary row); false for an unknown id.
  static absl::StatusOr<bool> Visible(db::Transaction& tx, int64_t id, const DocumentScope& scope);

  // The writes of the reconciliation steps; each moves the statement to
  // `state` (checked by the caller on the locked row) and bumps the version.
  // Sent to the customer on `sent_on`.
  static absl::Status SaveSent(db::Transaction& tx, int64_t id, int state, const common::v1::Date& sent_on,
                               absl::Time now);
  // The customer's written answer: who signed, the balance they state (none
  // when they agreed without one) and their comment.
  static absl::Status SaveConfirmation(db::Transaction& tx, int64_t id, int state, const common::v1::Date& confirmed_on,
                                       const std::string& confirmed_by, std::optional<int64_t> stated_balance_minor,
                                       const std::string& comment, absl::Time now);
  // Finance's resolution of a dispute.
  static absl::Status SaveResolution(db::Transaction& tx, int64_t id, int state, const std::string& resolution,
                                     absl::Time now);
};

}  // namespace sales::finance
