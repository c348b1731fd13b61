// Receivables reports built on the ledger and the ageing of open documents:
// balances per rep, the ageing report (账龄分析), a page of a customer's ledger
// (往来账) with its running balance, and finance's check that the maintained
// summaries and the invoice numbering agree with the documents.
//
// Works on the stores directly; a port with a fake, as app/collections_book.h,
// comes with its application tests.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/finance/v1/finance_service.pb.h"

namespace sales::finance {

// The report date: "now" when it is today or later, so the maintained
// balances answer without replaying history.
struct AsOf {
  absl::CivilDay day;
  bool now = false;
};

// `date` when the request has one, else the business day of `now`.
AsOf ReportDate(const common::v1::Date& date, bool has, absl::Time now);

// A group's six buckets as ageing amounts.
Ageing AgeingOf(const AgeingGroup& g);

class ReceivableReports {
 public:
  // `filter` is already narrowed to what the caller may see (api/); pages
  // are `size` rows after the key or position `after` (the page token).

  // The balances of `customer_ids` (the caller may see them), in that
  // order: totals from the documents as of the date, overdue and open
  // documents from their ageing, the oldest overdue due date; rep, unit and
  // hold from `accounts` (none shown for a customer without a row). A fixed
  // handful of statements for any number of customers.
  static absl::StatusOr<std::vector<v1::CustomerBalance>> Balances(db::Transaction& tx,
                                                                   const std::vector<int64_t>& customer_ids,
                                                                   const AsOf& as_of,
                                                                   const std::map<int64_t, AccountRow>& accounts);
  // Open receivable and overdue per rep, with their customers and how many
  // are on hold; the total covers every rep, not only the page.
  static absl::StatusOr<v1::ListRepBalancesResponse> RepBalances(db::Transaction& tx, const AsOf& as_of,
                                                                 const AgeingFilter& filter, int64_t after, int size);
  // `request` is well formed (api/): grouped by customer, rep or unit, the
  // groups reaching min_bucket; totals over every such group.
  static absl::StatusOr<v1::GetAgeingReportResponse> AgeingReport(db::Transaction& tx,
                                                                  const v1::GetAgeingReportRequest& request,
                                                                  const AsOf& as_of, const AgeingFilter& filter,
                                                                  int64_t after, int size);
  // The customer's entries within `dates`, with the opening balance and a
  // running balance over everything before; the caller may see the account.
  static absl::StatusOr<v1::ListLedgerEntriesResponse> LedgerPage(db::Transaction& tx, int64_t customer_id,
                                                                  const common::v1::DateRange& dates, int64_t after,
                                                                  int size);
  // Documents against the maintained summary, both identities per customer
  // (customer_id 0 = every customer), and every numbering year for gaps or
  // doubles. Finance's own check; api/ allows only finance.
  static absl::StatusOr<v1::VerifyLedgerResponse> VerifyLedger(db::Transaction& tx, int64_t customer_id);
};

}  // namespace sales::finance
