// SQL for quotes (报价单/投标书), their lines and special fees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/orders/v1/quote.pb.h"

namespace sales::orders {

struct QuoteRecord {
  v1::Quote quote;
  int64_t version = 0;
  std::string created_by_user;
};

class QuoteStore {
 public:
  static absl::StatusOr<QuoteRecord> Load(db::Transaction& tx, int64_t quote_id, bool for_update);
  // The quotes of `ids` in that order (unknown ids left out), with lines,
  // fees and approvals: four statements for any number of quotes.
  static absl::StatusOr<std::vector<QuoteRecord>> LoadMany(db::Transaction& tx, const std::vector<int64_t>& ids,
                                                           bool for_update = false);
  // Inserts a priced quote (number QT-YYYY-NNNNNN); returns the id.
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::Quote& q, const std::string& created_by_user,
                                        absl::Time now);
  static absl::Status ReplaceContent(db::Transaction& tx, const v1::Quote& q, absl::Time now);
  static absl::Status SetStatus(db::Transaction& tx, int64_t quote_id, v1::QuoteStatus status, absl::string_view reason,
                                int64_t order_id, absl::Time now);
  static absl::Status ApproveFees(db::Transaction& tx, int64_t quote_id);
  struct ListFilter {
    int64_t customer_id = 0;
    int64_t rep_id = 0;
    bool restrict_units = false;
    std::vector<int64_t> org_units;
    int64_t only_rep_scope = 0;
    std::string status;
    std::string from_date, to_date;
    int64_t before_id = 0;
  };
  static absl::StatusOr<std::vector<int64_t>> ListIds(db::Transaction& tx, const ListFilter& f, int limit);
  // Open quotes with valid_until < as_of, locked.
  static absl::StatusOr<std::vector<int64_t>> ExpiredCandidates(db::Transaction& tx, const std::string& as_of);
};

}  // namespace sales::orders
