// SQL for collisions (撞单), hand-overs (交接), referrals (老客户介绍) and the
// purchases seen from the orders feed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "customers-svc/store/customer_store.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"
#include "sales/customers/v1/ownership.pb.h"

namespace sales::customers {

class CollisionStore {
 public:
  // Inserts once per order; nullopt when the order already has one.
  static absl::StatusOr<std::optional<v1::Collision>> Insert(db::Transaction& tx, const v1::Collision& c,
                                                             absl::Time now);
  static absl::StatusOr<v1::Collision> Get(db::Transaction& tx, int64_t id, bool lock);
  // The status of the order's collision; nullopt when the order has none.
  static absl::StatusOr<std::optional<v1::CollisionStatus>> StatusOfOrder(db::Transaction& tx, int64_t order_id);
  static absl::Status Review(db::Transaction& tx, int64_t id, v1::CollisionStatus status, int64_t credited_rep,
                             const std::string& note, const Who& who, absl::Time now);
  struct Filter {
    int64_t before_id = 0;
    int limit = 100;
    std::vector<int64_t> units;  // empty: all
    std::vector<int64_t> statuses;
    int64_t rep_id = 0;
    std::optional<absl::CivilDay> from, to;
    bool all_visible = true;
    std::vector<int64_t> visible_units;
    int64_t visible_rep = 0;
  };
  static absl::StatusOr<std::vector<v1::Collision>> List(db::Transaction& tx, const Filter& f);
};

class HandoverStore {
 public:
  static absl::StatusOr<int64_t> Insert(db::Transaction& tx, const v1::Handover& h, const Who& who, absl::Time now);
  static absl::Status SetCount(db::Transaction& tx, int64_t id, int32_t count);
  static absl::StatusOr<v1::Handover> Get(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<v1::Handover>> List(db::Transaction& tx, int64_t from_rep_id,
                                                        const std::vector<int64_t>& visible_reps, bool all,
                                                        int64_t before_id, int limit);
};

class ReferralStore {
 public:
  static absl::StatusOr<v1::Referral> Insert(db::Transaction& tx, const v1::Referral& r, const Who& who,
                                             absl::Time now);
  static absl::StatusOr<v1::Referral> Get(db::Transaction& tx, int64_t id, bool lock);
  static absl::StatusOr<std::optional<v1::Referral>> PendingForPhone(db::Transaction& tx, const std::string& phone);
  static absl::Status Resolve(db::Transaction& tx, int64_t id, v1::ReferralStatus status, int64_t customer_id,
                              absl::Time visit_time);
  static absl::Status Cancel(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<v1::Referral>> List(db::Transaction& tx, int64_t referrer_customer_id,
                                                        int64_t referrer_rep_id, const std::vector<int64_t>& statuses,
                                                        const std::vector<int64_t>& visible_reps, bool all,
                                                        int64_t before_id, int limit);
};

// Orders of the orders feed already applied to their customer's purchase
// dates and status (customer_orders_seen): one confirmation counts once.
class OrdersSeenStore {
 public:
  // Whether the order is seen here for the first time (recorded now).
  static absl::StatusOr<bool> MarkSeen(db::Transaction& tx, int64_t order_id, int64_t customer_id,
                                       const common::v1::Date& order_date);
};

// Fulfils a pending referral with a registration made now: it counts only
// when it was registered before this first visit; the customer then records
// its referrer. A referral of another phone or not pending is refused.
absl::Status ApplyReferralOnRegistration(db::Transaction& tx, int64_t referral_id, int64_t customer_id,
                                         const std::string& normalized_phone, absl::Time now);

}  // namespace sales::customers
