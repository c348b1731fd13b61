#include "finance-svc/app/statements.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/statement_store.h"
#include "platform/cancellation.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {

using statement_state::kConfirmed;
using statement_state::kDisputed;
using statement_state::kSent;

absl::Status CheckStatementState(int state, int expected, const char* name) {
  if (state == expected) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the statement is not ", name)), "STATEMENT_STATE",
                       kFinanceDomain);
}

absl::StatusOr<v1::GenerateStatementsResponse> Statements::Generate(db::Transaction& tx, const CallContext& call,
                                                                    const v1::GenerateStatementsRequest& request) {
  absl::Time now = clock_.Now();
  Period period = DefaultStatementPeriod(BusinessDay(now));
  if (request.has_period()) period = {ToCivilDay(request.period().start()), ToCivilDay(request.period().end())};
  std::vector<int64_t> customers(request.customer_ids().begin(), request.customer_ids().end());
  if (customers.empty()) {
    SALES_ASSIGN_OR_RETURN(customers, StatementStore::CustomersWithActivity(tx, period.end, request.org_unit_id()));
  }
  v1::GenerateStatementsResponse out;
  for (int64_t c : customers) {
    // One transaction: a cancelled run rolls back and commits nothing.
    SALES_RETURN_IF_ERROR(StopIfCancelled(call));
    SALES_ASSIGN_OR_RETURN(auto r,
                           StatementStore::Generate(tx, c, period.start, period.end, request.regenerate_drafts(), now));
    switch (r.first) {
      case StatementStore::Outcome::kCreated:
        out.set_created_count(out.created_count() + 1);
        break;
      case StatementStore::Outcome::kRegenerated:
        out.set_regenerated_count(out.regenerated_count() + 1);
        break;
      case StatementStore::Outcome::kSkipped:
        out.set_skipped_count(out.skipped_count() + 1);
        break;
    }
    out.add_statement_ids(r.second);
    if (r.first != StatementStore::Outcome::kSkipped) {
      SALES_RETURN_IF_ERROR(AuditStore::Record(tx, call, "Statement", r.second, "GENERATE", "", "DRAFT", "", now));
    }
  }
  return out;
}

absl::StatusOr<v1::RecordStatementConfirmationResponse> Statements::RecordConfirmation(
    db::Transaction& tx, const CallContext& call, const v1::RecordStatementConfirmationRequest& request, int state,
    int64_t version) {
  absl::Time now = clock_.Now();
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), version, "statement", request.id()));
  SALES_RETURN_IF_ERROR(CheckStatementState(state, kSent, "SENT"));
  SALES_ASSIGN_OR_RETURN(auto cur, StatementStore::Get(tx, request.id(), false));
  if (ToCivilDay(request.confirmed_on()) < ToCivilDay(cur.sent_on())) {
    return InvalidField("confirmed_on", "must not be before the statement was sent");
  }
  int next = request.agreed() ? kConfirmed : kDisputed;
  std::optional<int64_t> stated;
  if (request.has_customer_stated_balance()) stated = request.customer_stated_balance().minor_units();
  SALES_RETURN_IF_ERROR(StatementStore::SaveConfirmation(
      tx, request.id(), next, request.confirmed_on(), request.confirmed_by(), stated, request.customer_comment(), now));
  SALES_RETURN_IF_ERROR(
      AuditStore::Record(tx, call, "Statement", request.id(), request.agreed() ? "CONFIRM" : "DISPUTE", "SENT",
                         request.agreed() ? "CONFIRMED" : "DISPUTED", request.customer_comment(), now));
  v1::RecordStatementConfirmationResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_statement(), StatementStore::Get(tx, request.id(), true));
  v1::StatementConfirmedEvent ev;
  ev.set_statement_id(request.id());
  ev.set_customer_id(out.statement().customer_id());
  ev.set_rep_id(out.statement().rep_id());
  *ev.mutable_period() = out.statement().period();
  ev.set_state(out.statement().state());
  *ev.mutable_closing_balance() = out.statement().closing_balance();
  *ev.mutable_confirmed_on() = request.confirmed_on();
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Statement", absl::StrCat(request.id()), ev, call.request_id));
  return out;
}

}  // namespace sales::finance
