// SQL for customers, their ownership history and their audit trail.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/customers/v1/contact.pb.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/ownership.pb.h"

namespace sales::customers {

// A customer row with what the API needs to present it (protection and the
// owner's unit are derived at read time, as the window is a setting).
struct CustomerRecord {
  v1::Customer customer;
  std::optional<absl::CivilDay> protection_base;  // day protection counts from
  int64_t owner_org_unit_id = 0;                  // from the org copy; 0 unknown/pool
  int64_t previous_owner_rep_id = 0;
  int32_t status_before_blacklist = 0;
};

// Filters of ListCustomers / ListPoolCustomers, already validated; the
// scope (reps and units the caller may see in full) is applied by the caller
// through `visible_*` unless `all_visible`.
struct CustomerFilter {
  int64_t after_id = 0;
  int limit = 100;
  int64_t owner_rep_id = 0;
  std::vector<int64_t> owner_units;  // owner's unit in these (org_unit_id filter)
  std::vector<int64_t> types;
  std::vector<int64_t> grades;
  std::vector<int64_t> statuses;
  std::string region;
  std::string city;
  std::string source_channel;
  std::string query;                          // name substring
  std::optional<absl::CivilDay> base_before;  // protection_base_date < this (lapsing soon)
  std::optional<absl::CivilDay> base_from;    // protection_base_date >= this (still protected)
  bool pool_only = false;
  bool hold_only = false;
  std::optional<absl::Time> pool_entered_after;
  int64_t previous_owner_rep_id = 0;
  // Scope: unless all_visible, only own (rep), subtree (manager) or pool.
  bool all_visible = true;
  std::vector<int64_t> visible_reps;
  std::vector<int64_t> visible_units;
  bool include_pool = true;
  bool newest_pool_first = false;  // ListPoolCustomers: most recently lapsed first
};

struct Who {
  std::string user_id;
  std::string role;
  int64_t rep_id = 0;
  int64_t org_unit_id = 0;
  common::v1::Actor ToActor() const;
  static Who Of(const Principal& p);
  static Who System(const std::string& name);
};

class CustomerStore {
 public:
  // Inserts a normalised customer with protection counting from `base`;
  // ALREADY_EXISTS when a unique key collides.
  static absl::StatusOr<CustomerRecord> Insert(db::Transaction& tx, const v1::Customer& c, absl::Time now,
                                               absl::CivilDay base, const Who& who);
  static absl::StatusOr<CustomerRecord> Get(db::Transaction& tx, int64_t id);
  // The row locked for update (every mutation of a customer starts here, so
  // concurrent claims and transfers of one customer queue on its row lock).
  static absl::StatusOr<CustomerRecord> Lock(db::Transaction& tx, int64_t id);
  static absl::StatusOr<std::vector<CustomerRecord>> GetMany(db::Transaction& tx, const std::vector<int64_t>& ids);
  // The customer's status alone; nullopt when there is no such customer.
  static absl::StatusOr<std::optional<v1::CustomerStatus>> StatusOf(db::Transaction& tx, int64_t id);
  // The customer's owner alone (0: the pool); nullopt when there is no such customer.
  static absl::StatusOr<std::optional<int64_t>> OwnerOf(db::Transaction& tx, int64_t id);
  // Existing customers colliding on any given key (empty keys are skipped),
  // with the keys each matched; contact phones count as phones.
  struct Match {
    CustomerRecord record;
    std::vector<v1::DuplicateKey> keys;
  };
  static absl::StatusOr<std::vector<Match>> FindDuplicates(db::Transaction& tx, const std::vector<std::string>& phones,
                                                           const std::string& tax_id, const std::string& name,
                                                           int64_t exclude_id = 0);
  static absl::StatusOr<std::vector<CustomerRecord>> List(db::Transaction& tx, const CustomerFilter& f);

  // Writes master data (name, type, phones, tax id, region, city, address,
  // source, notes, grade), bumping the version.
  static absl::Status UpdateMasterData(db::Transaction& tx, const v1::Customer& c, absl::Time now);
  static absl::Status SetStatus(db::Transaction& tx, int64_t id, v1::CustomerStatus status,
                                const std::string& blacklist_reason, int32_t status_before_blacklist, absl::Time now);
  // Moves ownership: closes the open ownership record, opens a new one,
  // stores the owner (NULL for the pool) and the protection base. Returns
  // the new record.
  struct OwnerChange {
    int64_t customer_id = 0;
    int64_t from_rep_id = 0;
    int64_t to_rep_id = 0;
    v1::OwnershipChangeKind kind = v1::OWNERSHIP_CHANGE_KIND_UNSPECIFIED;
    std::string reason;
    Who who;
    int64_t handover_id = 0;
    std::optional<absl::CivilDay> last_follow_up_date;  // for lapses
    std::optional<absl::CivilDay> new_base;             // protection counts from here
  };
  static absl::StatusOr<v1::OwnershipRecord> ChangeOwner(db::Transaction& tx, const OwnerChange& ch, absl::Time now);
  // The first ownership record of a new customer.
  static absl::StatusOr<v1::OwnershipRecord> OpenFirstRecord(db::Transaction& tx, int64_t customer_id, int64_t rep_id,
                                                             v1::OwnershipChangeKind kind, const std::string& reason,
                                                             const Who& who, absl::Time now);
  static absl::Status SetProtectionBase(db::Transaction& tx, int64_t id, absl::CivilDay base,
                                        std::optional<absl::CivilDay> last_follow_up, absl::Time now);
  static absl::Status SetPurchase(db::Transaction& tx, int64_t id, v1::CustomerStatus status, absl::CivilDay first,
                                  absl::CivilDay last, absl::Time now);
  static absl::Status SetPrimary(db::Transaction& tx, int64_t id, int64_t primary_id, absl::Time now);
  static absl::Status SetReferrer(db::Transaction& tx, int64_t id, int64_t referrer_id);

  static absl::StatusOr<std::vector<v1::OwnershipRecord>> History(db::Transaction& tx, int64_t customer_id,
                                                                  int64_t after_id, int limit);
  static absl::StatusOr<std::vector<int64_t>> FamilyMembers(db::Transaction& tx, int64_t primary_id);
  // Stores a family link (the member's owner before it, 0 for the pool, is
  // kept to give the member back on unlinking); returns the link's id.
  static absl::StatusOr<int64_t> InsertFamilyLink(db::Transaction& tx, int64_t primary_id, int64_t member_id,
                                                  v1::FamilyRelation relation, const std::string& reason,
                                                  const Who& who, int64_t member_owner_before, absl::Time now);
  struct FamilyLinkRecord {
    v1::FamilyLink link;
    int64_t member_owner_before = 0;  // 0: the member was in the pool
  };
  // The family link, locked for update; NOT_FOUND ("family link").
  static absl::StatusOr<FamilyLinkRecord> LockFamilyLink(db::Transaction& tx, int64_t link_id);
  // Removes the family link (the member's primary is cleared by SetPrimary).
  static absl::Status DeleteFamilyLink(db::Transaction& tx, int64_t link_id);
  // Links the customer is the primary or the member of, by id.
  static absl::StatusOr<std::vector<v1::FamilyLink>> FamilyLinksOf(db::Transaction& tx, int64_t customer_id);

  // Prospects whose protection ended before `base_before` (protected
  // through base + window < as_of), locked, at most `limit`, by id.
  static absl::StatusOr<std::vector<CustomerRecord>> LapsedProspects(db::Transaction& tx, absl::CivilDay base_before,
                                                                     int64_t after_id, int limit);
  static absl::StatusOr<int64_t> CountOwnedProspects(db::Transaction& tx);
  // Accounts whose last purchase is before `before`.
  static absl::StatusOr<std::vector<int64_t>> DormantCandidates(db::Transaction& tx, absl::CivilDay before);
  // Every customer owned by `rep_id`, locked, by id.
  static absl::StatusOr<std::vector<CustomerRecord>> OwnedBy(db::Transaction& tx, int64_t rep_id,
                                                             const std::vector<int64_t>& statuses);
  // Takes the lapse sweep's lock row (V003) until the transaction ends, so
  // runs of the sweep queue behind each other; false when the row is missing.
  static absl::StatusOr<bool> LockLapseSweep(db::Transaction& tx);
};

// The audit trail (domain.md §1: who, when, from which state to which, why).
class AuditStore {
 public:
  static absl::Status Append(db::Transaction& tx, int64_t customer_id, const Who& who, const std::string& action,
                             const std::string& from, const std::string& to, const std::string& reason,
                             const std::string& request_id, absl::Time now);
  static absl::StatusOr<std::vector<common::v1::AuditEntry>> List(db::Transaction& tx, int64_t customer_id,
                                                                  const std::vector<std::string>& actions,
                                                                  int64_t after_id, int limit);
};

}  // namespace sales::customers
