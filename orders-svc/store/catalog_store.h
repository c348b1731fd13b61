// SQL for price lists (目录价格) and the order policy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orders-svc/domain/pricing.h"
#include "platform/mysql.h"
#include "sales/orders/v1/pricing.pb.h"

namespace sales::orders {

class PriceListStore {
 public:
  // Inserts the list and its entries; ALREADY_EXISTS (PRICE_LIST_CODE_TAKEN).
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::PriceList& pl, absl::Time now);
  static absl::Status Replace(db::Transaction& tx, const v1::PriceList& pl, absl::Time now);
  static absl::Status Retire(db::Transaction& tx, int64_t id, const std::string& reason, absl::Time now);
  static absl::StatusOr<v1::PriceList> Get(db::Transaction& tx, int64_t id, bool with_entries = true,
                                           bool for_update = false);
  // Lists by id after `after_id`; with_entries reads the entries of the whole
  // page in one more statement.
  static absl::StatusOr<std::vector<v1::PriceList>> List(db::Transaction& tx, int64_t product_id,
                                                         const std::string& effective_on, const std::string& status,
                                                         bool with_entries, int64_t after_id, int limit);
  // Periods of ACTIVE lists holding each of `product_ids` in `currency`, by
  // product, in one statement (a product no list holds is absent).
  static absl::StatusOr<std::map<int64_t, std::vector<PricePeriod>>> PeriodsOf(db::Transaction& tx,
                                                                               const std::vector<int64_t>& product_ids,
                                                                               const std::string& currency);
  // Periods of ACTIVE lists holding `product_id` in `currency`, excluding list
  // `exclude_list_id`.
  static absl::StatusOr<std::vector<PricePeriod>> Periods(db::Transaction& tx, int64_t product_id,
                                                          const std::string& currency, int64_t exclude_list_id);
};

class PolicyStore {
 public:
  // The stored policy, or the default (etag "v0") before the first update.
  static absl::StatusOr<v1::OrderPolicy> Get(db::Transaction& tx, bool for_update = false);
  static absl::StatusOr<v1::OrderPolicy> Put(db::Transaction& tx, const v1::OrderPolicy& p, absl::Time now);
};

}  // namespace sales::orders
