// Reads behind the department's periodic reports (domain.md §8): per-rep
// activity counts, the customer base, the target customer list and market
// notes. Customers, follow-ups, ownership records, leads and collisions are
// read here, in the same database, never written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/reports.pb.h"

namespace sales::customers {

// Whose rows a report counts: every rep's (`all`), or only those of `reps`
// (nothing when empty).
struct ReportReps {
  bool all = false;
  std::vector<int64_t> reps;
};

// Follow-ups one rep made in a period.
struct FollowUpCounts {
  int64_t rep_id = 0;
  int64_t visits = 0;     // channel VISIT
  int64_t phone = 0;      // channel PHONE
  int64_t other = 0;      // channels MESSAGE and EMAIL
  int64_t customers = 0;  // distinct customers followed up
};

// Customers one rep gained in a period.
struct OwnershipGains {
  int64_t rep_id = 0;
  int64_t new_customers = 0;  // first records from nobody (registration, rotation lead)
  int64_t claims = 0;         // from the pool
};

// One rep's count of something.
struct RepCount {
  int64_t rep_id = 0;
  int64_t count = 0;
};

struct TargetCustomerFilter {
  ReportReps scope;               // owners
  absl::CivilDay as_of;           // registered by then; last follow-up on or before
  std::vector<int64_t> grades;    // demand grades (empty: nothing)
  std::vector<int64_t> statuses;  // customer statuses (empty: nothing)
  int limit = 100;
  int64_t offset = 0;
};

struct TargetCustomer {
  // Everything but protected_until, which needs the protection window.
  v1::TargetCustomerRow row;
  std::optional<absl::CivilDay> protection_base;
};

struct MarketNoteFilter {
  ReportReps scope;  // the follow-ups' reps
  absl::CivilDay from, to;
  std::string region;  // "" = any
  int limit = 100;
  int64_t offset = 0;
};

class ReportStore {
 public:
  // Per rep, the follow-ups dated in [from, to] by channel and the customers they reached.
  static absl::StatusOr<std::vector<FollowUpCounts>> FollowUpsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                    absl::CivilDay from, absl::CivilDay to);
  // Per receiving rep, new customers and claims taking effect in business days [from, to].
  static absl::StatusOr<std::vector<OwnershipGains>> GainsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                absl::CivilDay from, absl::CivilDay to);
  // Per losing rep, prospects lapsed into the pool in business days [from, to].
  static absl::StatusOr<std::vector<RepCount>> LapsesByRep(db::Transaction& tx, const ReportReps& scope,
                                                           absl::CivilDay from, absl::CivilDay to);
  // Per current owner, customers whose first purchase is dated in [from, to].
  static absl::StatusOr<std::vector<RepCount>> ConversionsByRep(db::Transaction& tx, const ReportReps& scope,
                                                                absl::CivilDay from, absl::CivilDay to);
  // Per assigned rep, leads of business days [from, to].
  static absl::StatusOr<std::vector<RepCount>> LeadsByRep(db::Transaction& tx, const ReportReps& scope,
                                                          absl::CivilDay from, absl::CivilDay to);
  // Per taking rep, collisions of orders dated in [from, to].
  static absl::StatusOr<std::vector<RepCount>> CollisionsByTaker(db::Transaction& tx, const ReportReps& scope,
                                                                 absl::CivilDay from, absl::CivilDay to);
  // Customers registered by the end of [from, to] grouped as asked (by key): status counts as of now,
  // registrations, first purchases and turns dormant within the period.
  static absl::StatusOr<std::vector<v1::CustomerBaseRow>> CustomerBase(db::Transaction& tx, const ReportReps& scope,
                                                                       v1::CustomerGrouping grouping,
                                                                       absl::CivilDay from, absl::CivilDay to);
  // A page of the target customer list: grade, then intent, then the next step's date.
  static absl::StatusOr<std::vector<TargetCustomer>> TargetCustomers(db::Transaction& tx,
                                                                     const TargetCustomerFilter& f);
  // A page of the follow-ups with a market note, newest first.
  static absl::StatusOr<std::vector<v1::MarketNoteRow>> MarketNotes(db::Transaction& tx, const MarketNoteFilter& f);
};

}  // namespace sales::customers
