// Credit memos (returns, cancellations, adjustments) and debit memos.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/document_scope.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "sales/finance/v1/memo.pb.h"
#include "sales/finance/v1/memo_messages.pb.h"

namespace sales::finance {

struct NewMemoLine {
  int64_t invoice_line_id = 0;
  int64_t billable_line_id = 0;
  int64_t product_id = 0;
  int64_t product_line_id = 0;
  bool commissionable = false;
  int64_t quantity = 0;
  std::string description;
  int64_t net_minor = 0;
  int32_t tax_rate_bp = 0;
  int64_t tax_minor = -1;  // -1: net x rate half up; else fixed (a cancellation credits exact balances)
};

struct NewCreditMemo {
  int64_t customer_id = 0, rep_id = 0, org_unit_id = 0, invoice_id = 0;
  int source = 0;  // CreditMemoSource
  int64_t return_id = 0, order_id = 0;
  std::string source_event_id;  // "" for manual memos
  std::string currency = "CNY";
  std::string reason;
  std::vector<NewMemoLine> lines;
};

struct NewDebitMemo {
  int64_t customer_id = 0, rep_id = 0, org_unit_id = 0, invoice_id = 0;
  int source = 0;  // DebitMemoSource
  std::string currency = "CNY";
  std::string reason;
  std::vector<NewMemoLine> lines;
};

// An issued debit memo as payments and credits see it.
struct DebitRow {
  int64_t id = 0, customer_id = 0, rep_id = 0, org_unit_id = 0;
  std::string number;
  int state = 0;
  int64_t total = 0, paid = 0, balance = 0;
  std::optional<absl::CivilDay> due_on;
  int64_t version = 0;
};

class MemoStore {
 public:
  // Inserts a PENDING credit memo; taxes per line half up. Returns its id.
  static absl::StatusOr<int64_t> InsertCreditMemo(db::Transaction& tx, const NewCreditMemo& m, absl::Time now);
  static absl::StatusOr<v1::CreditMemo> GetCreditMemo(db::Transaction& tx, int64_t id);
  // Filters of ListCreditMemosRequest within `scope`; up to limit+1 after `after_id`.
  static absl::StatusOr<std::vector<v1::CreditMemo>> ListCreditMemos(db::Transaction& tx,
                                                                     const v1::ListCreditMemosRequest& req,
                                                                     const DocumentScope& scope, int64_t after_id,
                                                                     int limit);
  // Issues a PENDING memo: number CM-YYYY-NNNNNN, applies it to its invoice
  // up to the invoice's balance (the rest stays as customer credit), posts
  // the summary and ledger, publishes CreditMemoIssuedEvent. Returns the
  // applications made.
  static absl::StatusOr<std::vector<v1::CreditApplication>> Issue(db::Transaction& tx, Outbox& outbox,
                                                                  const CallContext& call, int64_t id,
                                                                  absl::CivilDay memo_date, absl::Time now);
  // Voids a PENDING memo.
  static absl::Status Void(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& reason,
                           absl::Time now);
  // Locks a memo row; returns (state, version).
  static absl::StatusOr<std::pair<int, int64_t>> LockCreditMemo(db::Transaction& tx, int64_t id);
  // Applies an ISSUED credit memo's unapplied part (the memo row locked by
  // the caller) to one invoice or debit memo, locked by the caller.
  static absl::StatusOr<v1::CreditApplication> ApplyCredit(db::Transaction& tx, int64_t memo_id, int64_t customer_id,
                                                           int64_t invoice_id, int64_t debit_memo_id, int64_t amount,
                                                           absl::CivilDay on, absl::Time now);
  static absl::StatusOr<int64_t> CreditUnapplied(db::Transaction& tx, int64_t memo_id);

  static absl::StatusOr<int64_t> InsertDebitMemo(db::Transaction& tx, const NewDebitMemo& m, absl::Time now);
  static absl::StatusOr<v1::DebitMemo> GetDebitMemo(db::Transaction& tx, int64_t id);
  // Filters of ListDebitMemosRequest within `scope`; up to limit+1 after `after_id`.
  static absl::StatusOr<std::vector<v1::DebitMemo>> ListDebitMemos(db::Transaction& tx,
                                                                   const v1::ListDebitMemosRequest& req,
                                                                   const DocumentScope& scope, int64_t after_id,
                                                                   int limit);
  static absl::StatusOr<std::vector<DebitRow>> LockDebitMemos(db::Transaction& tx, std::vector<int64_t> ids);
  // Issues a PENDING debit memo (locked by the caller): number
  // DM-YYYY-NNNNNN, due date from the payment terms, receivable posted.
  static absl::Status IssueDebitMemo(db::Transaction& tx, Outbox& outbox, const CallContext& call, int64_t id,
                                     absl::CivilDay memo_date, int32_t terms, absl::Time now);
  static absl::Status VoidDebitMemo(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& reason,
                                    absl::Time now);
  // Reduces (or, negative, reopens) an issued debit memo's balance.
  static absl::Status SettleDebitMemo(db::Transaction& tx, DebitRow& d, int64_t paid_delta, absl::Time now);
  static absl::StatusOr<std::vector<LineWeight>> DebitWeights(db::Transaction& tx, int64_t id);
};

}  // namespace sales::finance
