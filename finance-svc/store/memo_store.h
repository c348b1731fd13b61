// Credit memos (returns, cancellations, adjustments) and debit memos.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
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

class MemoStore {
 public:
  // Inserts a PENDING credit memo; taxes per line half up. Returns its id.
  static absl::StatusOr<int64_t> InsertCreditMemo(db::Transaction& tx, const NewCreditMemo& m, absl::Time now);
  static absl::StatusOr<v1::CreditMemo> GetCreditMemo(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<v1::CreditMemo>> ListCreditMemos(db::Transaction& tx,
                                                                    const v1::ListCreditMemosRequest& req,
                                                                    const std::string& scope_sql,
                                                                    const db::Params& scope_params,
                                                                    int64_t after_id, int limit);
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
};

}  // namespace sales::finance
