// SQL for credit profiles, credit holds and credit investigations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "customers-svc/store/customer_store.h"
#include "platform/mysql.h"
#include "sales/customers/v1/credit.pb.h"

namespace sales::customers {

struct HoldRow {
  int64_t id = 0;
  int64_t customer_id = 0;
  v1::CreditHoldSource source = v1::CREDIT_HOLD_SOURCE_UNSPECIFIED;
  std::string reason;
  common::v1::Actor set_by;
  absl::Time set_at;
  int64_t collection_case_id = 0;
  int64_t finance_hold_id = 0;
  bool active = false;
};

class CreditStore {
 public:
  // The profile stored under `customer_id` (the primary's id for family
  // members: the caller resolves that), with its hold state; a customer
  // never given a profile reads as cash-only, version 0.
  static absl::StatusOr<v1::CreditProfile> Get(db::Transaction& tx, int64_t customer_id);
  // The profiles of these customers as Get reads each, in the order given,
  // in two statements however many customers there are.
  static absl::StatusOr<std::vector<v1::CreditProfile>> GetMany(db::Transaction& tx,
                                                                const std::vector<int64_t>& customer_ids);
  // Locks the profile row, creating it (cash only) when missing, so that
  // holds and updates of one customer queue behind each other.
  static absl::StatusOr<v1::CreditProfile> Lock(db::Transaction& tx, int64_t customer_id, absl::Time now);
  static absl::Status Update(db::Transaction& tx, int64_t customer_id, int64_t limit_minor, const std::string& currency,
                             int32_t terms_days, v1::CreditRating rating, absl::Time now);
  static absl::Status SetInvestigation(db::Transaction& tx, int64_t customer_id, const common::v1::Date& date,
                                       v1::CreditInvestigationMethod method, v1::CreditRating rating,
                                       std::optional<int64_t> new_limit, absl::Time now);
  static absl::Status Touch(db::Transaction& tx, int64_t customer_id, absl::Time now);

  static absl::StatusOr<std::vector<HoldRow>> ActiveHolds(db::Transaction& tx, int64_t customer_id);
  static absl::StatusOr<std::optional<HoldRow>> FindFinanceHold(db::Transaction& tx, int64_t finance_hold_id);
  static absl::StatusOr<int64_t> InsertHold(db::Transaction& tx, const HoldRow& h, const Who& who, absl::Time now);
  static absl::Status ReleaseHold(db::Transaction& tx, int64_t hold_id, const Who& who, const std::string& reason,
                                  absl::Time now);
  // Customers with an active hold, oldest hold first (keyset over the
  // oldest hold id), optionally by source and owner scope.
  struct HoldFilter {
    std::vector<int64_t> sources;
    int64_t owner_rep_id = 0;
    std::vector<int64_t> units;
    bool all_visible = true;
    std::vector<int64_t> visible_reps;
    std::vector<int64_t> visible_units;
    int64_t after_hold_id = 0;
    int limit = 100;
  };
  // (oldest active hold id, customer id) pairs.
  static absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ListHeld(db::Transaction& tx, const HoldFilter& f);

  static absl::StatusOr<v1::CreditInvestigation> InsertInvestigation(db::Transaction& tx,
                                                                     const v1::CreditInvestigation& inv, const Who& who,
                                                                     absl::Time now);
  static absl::StatusOr<std::vector<v1::CreditInvestigation>> ListInvestigations(db::Transaction& tx,
                                                                                 int64_t customer_id, int64_t before_id,
                                                                                 int limit);
};

}  // namespace sales::customers
