// What the customers use cases (and the handlers' reads) share: the
// settings in force, how a customer is presented to a caller (protection
// derived, contact details masked out of scope), who holds a duplicate,
// moving a customer between owners and the pool, reps and offices from the
// org copy, and fiscal periods.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "customers-svc/app/customer_book.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/store/customer_store.h"
#include "platform/mysql.h"
#include "platform/org/org_replica.h"
#include "platform/outbox.h"
#include "sales/common/v1/date.pb.h"
#include "sales/customers/v1/customer.pb.h"
#include "sales/customers/v1/ownership.pb.h"

namespace sales::customers {

// FAILED_PRECONDITION with the ErrorInfo reason.
absl::Status Precondition(const std::string& what, const char* reason);

// ---- Settings (settings.proto, LoadCustomerSettings) ----
// The protection window in force (domain ProtectionWindow; default 7).
absl::StatusOr<int> ProtectionDays(db::Transaction& tx);
// Days without a purchase before an account is dormant (default 180).
absl::StatusOr<int> DormancyDays(db::Transaction& tx);
// INVALID_ARGUMENT unless `region` (and `channel`, when not empty) are
// configured in the settings.
absl::Status CheckRegionAndChannel(db::Transaction& tx, const std::string& region, const std::string& channel,
                                   const std::string& prefix);

// ---- Presentation ----
v1::ProtectionState StateOf(const CustomerRecord& rec, int window, absl::CivilDay today);
// Protection state and date, then masking: a customer owned by someone else
// comes out as id, name and city only.
v1::Customer Present(const CustomerRecord& rec, const Viewer& v, int window, absl::CivilDay today);
// "上海华**公司": first characters and the tail kept, the middle starred.
std::string MaskName(const std::string& name);
v1::DuplicateMatch MatchOf(db::Transaction& tx, const CustomerStore::Match& m, const Viewer& v, int window,
                           absl::CivilDay today);
// ALREADY_EXISTS naming the holder (masked) and how to reach the holding rep.
absl::Status AlreadyRegistered(db::Transaction& tx, const CustomerStore::Match& m, const Viewer& v, int window,
                               absl::CivilDay today);

// ---- Status and ownership ----
// Puts the CustomerStatusChanged event of a status change on the outbox, in
// the transaction that made the change (blacklisting, lifting it, the
// dormancy sweep): one place decides what the event carries.
absl::Status AppendStatusChanged(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                 v1::CustomerStatus from, v1::CustomerStatus to, const common::v1::Date& effective,
                                 const std::string& reason, const Who& who, const std::string& request_id);
// Moves a customer to `ch.to_rep_id` (0: the pool) with its ownership
// record, audit entry and CustomerOwnerChangedEvent; family members follow
// their primary with records of their own. Returns the primary's record.
absl::StatusOr<v1::OwnershipRecord> MoveOwner(CustomerBook& book, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now);
// The same in the caller's transaction (SqlCustomerBook over it).
absl::StatusOr<v1::OwnershipRecord> MoveOwner(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now);

// ---- The org copy ----
// The org unit of a rep; 0 for no rep (the pool) or one the copy does not know.
absl::StatusOr<int64_t> UnitOfRep(CustomerBook& book, int64_t rep_id);
absl::StatusOr<int64_t> UnitOfRep(db::Transaction& tx, int64_t rep_id);
// An owner must be a rep the org copy knows and who has not left
// (INVALID_ARGUMENT on `field` for an unknown rep, FAILED_PRECONDITION
// REP_LEFT otherwise). Reps are checked once the copy is fed: targets
// configured (`targets_configured`), or reps already copied.
absl::Status CheckOwner(db::Transaction& tx, bool targets_configured, int64_t rep_id, const std::string& field);
// The reps of these units (a manager's scope of reps).
absl::StatusOr<std::vector<int64_t>> RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units);
// Whether the org copy holds anything: when it is empty (a service run
// without targets) reps and offices cannot be checked and are taken as
// given.
absl::StatusOr<bool> OrgKnown(db::Transaction& tx);
// A rep from the org copy; NOT_FOUND when unknown to a populated copy;
// nullopt when the copy is empty.
absl::StatusOr<std::optional<RepInfo>> KnownRep(db::Transaction& tx, int64_t rep_id);
// NOT_FOUND when the office is unknown to a populated copy;
// INVALID_ARGUMENT (`field`) when the unit is not an OFFICE.
absl::Status CheckOffice(db::Transaction& tx, int64_t office_id, absl::string_view field);
// Active (not left, not on leave) and within the office's subtree.
absl::Status CheckRepInOffice(db::Transaction& tx, int64_t rep_id, int64_t office_id, absl::string_view field);
// Offices (kind OFFICE) visible to the viewer; from rotations, leads and
// calls when the org copy is empty.
absl::StatusOr<std::vector<int64_t>> OfficesInScope(db::Transaction& tx, const Viewer& v);

// ---- Periods ----
// A fiscal period's first and last day (week: 7 days from start; month,
// quarter, year: calendar, start on the first day). INVALID_ARGUMENT on
// `field`.
struct Span {
  absl::CivilDay start, end;
};
absl::StatusOr<Span> SpanOf(const common::v1::Period& p, const std::string& field);
common::v1::DateRange RangeOf(const Span& s);

}  // namespace sales::customers
