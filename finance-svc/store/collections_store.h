// SQL of the collections ladder: cases, their steps, repayment plans and
// credit holds, plus the reads of the receivables tables (V002) the ladder
// needs. Rows only; the rules live in domain/ladder_rules.h and the
// workflow in app/collections_ladder.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/ladder_rules.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/collections.pb.h"
#include "sales/finance/v1/collections_messages.pb.h"

namespace sales::finance {

// The columns of one collection_cases row.
struct CaseRecord {
  int64_t id = 0;
  int64_t invoice_id = 0;
  std::string invoice_number;
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  std::string currency = "CNY";
  int64_t opening_minor = 0;
  int64_t overdue_minor = 0;
  v1::CollectionStage stage = v1::COLLECTION_STAGE_UNSPECIFIED;
  int days_past_due = 0;
  std::optional<absl::CivilDay> last_swept_on;
  LadderFacts facts;  // due_on, recorded dates, missed flags, closed_on
  int64_t confirmed_minor = 0;
  std::string confirmed_by, confirmation_reference;
  std::optional<absl::CivilDay> plan_received_on;
  std::string plan_signed_by, plan_reference;
  int64_t first_notice_minor = 0, second_notice_minor = 0;
  std::string first_notice_method, first_notice_reference, second_notice_method, second_notice_reference;
  std::string legal_file_reference;
  int64_t credit_hold_id = 0;
  v1::CaseCloseReason close_reason = v1::CASE_CLOSE_REASON_UNSPECIFIED;
  std::string close_note;
  int64_t version = 0;
  absl::Time created_at, updated_at;
};

struct StepRecord {
  v1::CollectionStepKind kind = v1::COLLECTION_STEP_KIND_UNSPECIFIED;
  absl::CivilDay effective_on;
  std::optional<absl::CivilDay> deadline_on;
  bool by_sweep = false;
  v1::CollectionStage from_stage = v1::COLLECTION_STAGE_UNSPECIFIED;
  v1::CollectionStage to_stage = v1::COLLECTION_STAGE_UNSPECIFIED;
  std::string detail;
};

struct HoldRecord {
  int64_t id = 0;
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  v1::CreditHoldSource source = v1::CREDIT_HOLD_SOURCE_UNSPECIFIED;
  v1::CreditHoldState state = v1::CREDIT_HOLD_STATE_UNSPECIFIED;
  std::string reason;
  std::string currency = "CNY";
  int64_t overdue_minor = 0;
  absl::CivilDay set_on;
  std::optional<absl::CivilDay> released_on;
  std::string release_reason;
  int64_t version = 0;
  absl::Time created_at, updated_at;
  std::vector<int64_t> case_ids;
};

// An issued invoice as the ladder sees it (from V002's invoices).
struct LadderInvoice {
  int64_t id = 0;
  std::string number;
  int64_t customer_id = 0;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  std::string currency;
  int state = 0;  // InvoiceState
  absl::CivilDay due_on;
  int64_t gross_minor = 0;
  int64_t credited_minor = 0;
  int64_t balance_minor = 0;
};

// Who did something, for the step trail and the audit table.
struct Actor {
  std::string user_id;  // "" for the sweep
  std::string role;
  std::string request_id;
};

struct CaseFilter {
  int64_t rep_id = 0;
  std::vector<int64_t> org_unit_ids;  // empty = any
  int64_t customer_id = 0;
  int64_t invoice_id = 0;
  std::vector<int> stages;  // empty = every open stage
  std::optional<absl::CivilDay> action_due_by;
  bool deadline_missed_only = false;
};

class CollectionsStore {
 public:
  static absl::StatusOr<CaseRecord> GetCase(db::Transaction& tx, int64_t id, bool for_update);
  static absl::StatusOr<std::optional<CaseRecord>> CaseOfInvoice(db::Transaction& tx, int64_t invoice_id,
                                                                 bool for_update);
  static absl::StatusOr<int64_t> InsertCase(db::Transaction& tx, const CaseRecord& c, absl::Time now);
  // Writes every mutable column and bumps the version.
  static absl::Status UpdateCase(db::Transaction& tx, CaseRecord& c, absl::Time now);
  static absl::Status AppendStep(db::Transaction& tx, int64_t case_id, const StepRecord& step, const Actor& actor,
                                 absl::Time now);
  static absl::StatusOr<std::vector<v1::CollectionStep>> Steps(db::Transaction& tx, int64_t case_id);
  static absl::Status ReplacePlan(db::Transaction& tx, int64_t case_id, const v1::RepaymentPlan& plan);
  static absl::StatusOr<std::vector<v1::RepaymentInstallment>> PlanInstallments(db::Transaction& tx, int64_t case_id,
                                                                                const std::string& currency);
  // Cases matching the filter, oldest due date first (then by id);
  // `after_id` (the last case of the previous page) continues a page.
  static absl::StatusOr<std::vector<CaseRecord>> ListCases(db::Transaction& tx, const CaseFilter& f, int64_t after_id,
                                                           int limit);
  // Open cases whose invoice no longer has an open balance.
  static absl::StatusOr<std::vector<int64_t>> SettledOpenCases(db::Transaction& tx, int64_t customer_id);
  // The collections sweep's turn (V022): one run at a time.
  static absl::Status TakeSweepTurn(db::Transaction& tx);
  // Customers under an active collections hold (0 = every customer).
  static absl::StatusOr<std::vector<int64_t>> CustomersOnCollectionsHold(db::Transaction& tx, int64_t customer_id);

  // Holds.
  static absl::StatusOr<HoldRecord> GetHold(db::Transaction& tx, int64_t id, bool for_update);
  static absl::StatusOr<std::optional<HoldRecord>> ActiveHold(db::Transaction& tx, int64_t customer_id,
                                                              bool for_update);
  static absl::StatusOr<int64_t> InsertHold(db::Transaction& tx, const HoldRecord& h, absl::Time now);
  static absl::Status LinkHoldCase(db::Transaction& tx, int64_t hold_id, int64_t case_id);
  static absl::Status ReleaseHold(db::Transaction& tx, HoldRecord& h, absl::CivilDay on, const std::string& reason,
                                  absl::Time now);
  // Holds matching the request's filters, newest first below `after_id` (0 =
  // from the newest), at most `limit`, with their cases: two statements.
  static absl::StatusOr<std::vector<HoldRecord>> ListHolds(db::Transaction& tx, const v1::ListCreditHoldsRequest& req,
                                                           int64_t after_id, int limit);

  // Receivables (V002) reads and the hold flag on the credit-check summary.
  static absl::StatusOr<std::vector<LadderInvoice>> OverdueInvoices(db::Transaction& tx, absl::CivilDay as_of,
                                                                    int64_t customer_id);
  static absl::StatusOr<LadderInvoice> Invoice(db::Transaction& tx, int64_t invoice_id);
  // Whether anything of the customer is overdue on `today`, not counting
  // invoices whose case finance closed by hand (court settlement etc.).
  static absl::StatusOr<bool> CustomerHasOverdue(db::Transaction& tx, int64_t customer_id, absl::CivilDay today);
  static absl::StatusOr<int64_t> CustomerOverdueMinor(db::Transaction& tx, int64_t customer_id, absl::CivilDay today);
  // The rep of the customer's latest posting (0 when the customer has none).
  static absl::StatusOr<int64_t> CustomerRep(db::Transaction& tx, int64_t customer_id);
  // The org unit of the customer's owning rep as finance last saw it: the
  // summary row's, else the latest invoice's (0 when the customer has none).
  static absl::StatusOr<int64_t> CustomerUnit(db::Transaction& tx, int64_t customer_id);
  // The same for many customers at once (a page of holds), in at most two
  // statements; every customer asked has an entry.
  static absl::StatusOr<std::map<int64_t, int64_t>> CustomerUnits(db::Transaction& tx,
                                                                  const std::vector<int64_t>& customer_ids);
  static absl::Status SetCustomerOnHold(db::Transaction& tx, int64_t customer_id, bool on_hold,
                                        const std::string& reason, absl::Time now);

  static absl::Status Audit(db::Transaction& tx, const std::string& record_type, int64_t record_id,
                            const std::string& action, const std::string& from, const std::string& to,
                            const std::string& reason, const Actor& actor, absl::Time now);
};

// The case as the API returns it; steps and plan instalments are read when
// `with_details`.
absl::StatusOr<v1::CollectionCase> CaseToProto(db::Transaction& tx, const CaseRecord& c, bool with_details);
v1::CreditHold HoldToProto(const HoldRecord& h);

// Appends a finance event to the outbox in `tx`. With an Outbox the feed's
// sequencer is woken at commit; without one (the settlement hook, which is
// called with a bare transaction) the row is written the same way and the
// sequencer's poll picks it up within its poll interval.
absl::Status AppendFinanceEvent(db::Transaction& tx, Outbox* outbox, const std::string& aggregate_type,
                                int64_t aggregate_id, const google::protobuf::Message& payload,
                                const std::string& request_id, absl::Time now);

// The day in the column labelled `label`; nullopt when NULL or not a date.
std::optional<absl::CivilDay> ParseDay(const db::Row& r, absl::string_view label);
std::string DayText(absl::CivilDay d);
db::Param DayParam(const std::optional<absl::CivilDay>& d);

}  // namespace sales::finance
