// SQL for the duty rotation and reception: rotations (members, owed turns),
// rep absences, leads, market-survey reports and reception calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "customers-svc/domain/rotation.h"
#include "platform/mysql.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/customers/v1/rotation.pb.h"

namespace sales::customers {

// A rotation as stored: the pure state plus the members' positions and
// bookkeeping.
struct RotationRecord {
  int64_t id = 0;
  int64_t office_id = 0;
  RotationState state;
  std::vector<int32_t> positions;  // parallel to state.members
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

// The proto view: members with banked/make-up counts, next_rep_id (ignoring
// absences), etag, times.
v1::Rotation ToProto(const RotationRecord& r);

class RotationStore {
 public:
  // The office's rotation; `for_update` locks its row so that assignments
  // of one office run one at a time.
  static absl::StatusOr<std::optional<RotationRecord>> ByOffice(db::Transaction& tx, int64_t office_id,
                                                                bool for_update);
  // ALREADY_EXISTS when the office has one.
  static absl::StatusOr<RotationRecord> Insert(db::Transaction& tx, int64_t office_id, const RotationState& state,
                                               const std::vector<int32_t>& positions, absl::Time now);
  // Writes the state back (members, cursor, owed turns), bumping the
  // version; `r` must have been read with for_update.
  static absl::StatusOr<RotationRecord> Save(db::Transaction& tx, const RotationRecord& r, absl::Time now);
  static absl::Status RecordChange(db::Transaction& tx, int64_t rotation_id, const common::v1::Actor& who,
                                   const std::string& members, const std::string& reason, absl::Time now);
  // Rotations of these offices (all when `all`), by office id after `after_office`.
  static absl::StatusOr<std::vector<RotationRecord>> List(db::Transaction& tx, bool all,
                                                          const std::vector<int64_t>& offices, int64_t after_office,
                                                          int limit);
  // Offices of the rotations the rep takes turns in, in no particular order.
  static absl::StatusOr<std::vector<int64_t>> OfficesOfMember(db::Transaction& tx, int64_t rep_id);
};

struct AbsenceRecord {
  v1::RepAbsence absence;
  int64_t version = 0;
};

class AbsenceStore {
 public:
  static absl::StatusOr<AbsenceRecord> Insert(db::Transaction& tx, const v1::RepAbsence& a,
                                              const common::v1::Actor& who, absl::Time now);
  static absl::StatusOr<AbsenceRecord> Get(db::Transaction& tx, int64_t id, bool for_update);
  // A non-cancelled absence of the rep overlapping [start, end) (end unset:
  // open-ended), other than `exclude_id`; the rep's absences are locked.
  static absl::StatusOr<std::optional<v1::RepAbsence>> Overlapping(db::Transaction& tx, int64_t rep_id,
                                                                   absl::Time start, std::optional<absl::Time> end,
                                                                   int64_t exclude_id);
  static absl::Status SetEnd(db::Transaction& tx, int64_t id, absl::Time end);
  static absl::Status Cancel(db::Transaction& tx, int64_t id, const std::string& reason);
  // Reps of `rep_ids` away at `at`, and why.
  static absl::StatusOr<Absences> AwayAt(db::Transaction& tx, const std::vector<int64_t>& rep_ids, absl::Time at);
  struct Filter {
    bool all = true;
    std::vector<int64_t> offices;  // scope when !all
    int64_t scope_rep_id = 0;      // a rep sees their own too
    int64_t office_id = 0;
    int64_t rep_id = 0;
    std::optional<absl::Time> active_at;
    int64_t before_id = 0;  // newest first: id < before_id when > 0
    int limit = 100;
  };
  static absl::StatusOr<std::vector<v1::RepAbsence>> List(db::Transaction& tx, const Filter& f);
};

// A lead with the contact data entered at reception.
struct LeadRecord {
  v1::Lead lead;
  int64_t assigned_unit_id = 0;
  v1::LeadOutcome turn_outcome = v1::LEAD_OUTCOME_UNSPECIFIED;  // the turn it consumed, if any
  std::string contact_name;
  std::string contact_phone;  // normalised
  int32_t customer_type = 0;
  std::string region;
  std::string city;
  int64_t version = 0;
};

class LeadStore {
 public:
  static absl::StatusOr<LeadRecord> Insert(db::Transaction& tx, const LeadRecord& r, const common::v1::Actor& who,
                                           absl::Time now);
  static absl::StatusOr<LeadRecord> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status SetCustomer(db::Transaction& tx, int64_t id, int64_t customer_id);
  static absl::Status Reassign(db::Transaction& tx, int64_t id, int64_t rep_id, int64_t unit_id,
                               v1::LeadOutcome outcome, const std::string& reason, int64_t customer_id);
  static absl::Status SetOutcome(db::Transaction& tx, int64_t id, v1::LeadOutcome outcome);
  struct Filter {
    bool all = true;
    std::vector<int64_t> offices;
    int64_t scope_rep_id = 0;
    int64_t office_id = 0;
    int64_t rep_id = 0;
    std::optional<absl::CivilDay> from, to;
    std::vector<int64_t> outcomes;
    int32_t channel = 0;
    int64_t before_id = 0;
    int limit = 100;
  };
  static absl::StatusOr<std::vector<v1::Lead>> List(db::Transaction& tx, const Filter& f);
};

struct SurveyRecord {
  v1::MarketSurveyReport report;
  int64_t office_id = 0;
  int64_t version = 0;
};

class SurveyStore {
 public:
  // ALREADY_EXISTS when the lead already has a report.
  static absl::StatusOr<SurveyRecord> Insert(db::Transaction& tx, int64_t lead_id, int64_t rep_id, int64_t office_id,
                                             const std::string& reason, absl::Time now);
  static absl::StatusOr<SurveyRecord> Get(db::Transaction& tx, int64_t id, bool for_update);
  static absl::Status Decide(db::Transaction& tx, int64_t id, v1::MarketSurveyReportStatus status,
                             const std::string& note, const common::v1::Actor& who, absl::Time now);
  struct Filter {
    bool all = true;
    std::vector<int64_t> offices;
    int64_t scope_rep_id = 0;
    std::vector<int64_t> statuses;
    int64_t rep_id = 0;
    int64_t office_id = 0;
    int64_t before_id = 0;
    int limit = 100;
  };
  static absl::StatusOr<std::vector<SurveyRecord>> List(db::Transaction& tx, const Filter& f);
};

class CallStore {
 public:
  static absl::StatusOr<v1::ReceptionCall> Insert(db::Transaction& tx, const v1::ReceptionCall& c,
                                                  const common::v1::Actor& who);
  struct Filter {
    bool all = true;
    std::vector<int64_t> offices;
    int64_t office_id = 0;
    std::optional<absl::CivilDay> from, to;
    int64_t before_id = 0;
    int limit = 100;
  };
  static absl::StatusOr<std::vector<v1::ReceptionCall>> List(db::Transaction& tx, const Filter& f);
};

// Reception counts per office and business day (GetReceptionReport).
struct ReceptionCounts {
  int32_t walk_in = 0, hotline = 0, routed = 0, surveys = 0, calls = 0, new_customer_calls = 0;
};
class ReceptionReportStore {
 public:
  // (office, day) → counts for the offices over [from, to].
  static absl::StatusOr<std::map<std::pair<int64_t, absl::CivilDay>, ReceptionCounts>> Counts(
      db::Transaction& tx, const std::vector<int64_t>& offices, absl::CivilDay from, absl::CivilDay to);
  // Offices that have a rotation, leads or calls (when the org copy is empty).
  static absl::StatusOr<std::vector<int64_t>> KnownOffices(db::Transaction& tx);
};

// "(" + n placeholders + ")" for IN lists; n >= 1.
std::string InList(size_t n);

}  // namespace sales::customers
