// Who the caller is for customers-svc, what they may see and do, and how a
// customer is presented to them (protection derived, contact details masked
// out of scope). Shared by every core handler file.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "customers-svc/domain/masking.h"
#include "customers-svc/store/customer_store.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "platform/roles.h"
#include "sales/customers/v1/ownership.pb.h"
#include "platform/service_app.h"
#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {

inline constexpr char kDomain[] = "customers.sales";

struct CustomerViewer {
  Principal principal;
  Who who;
  bool everything = false;  // admin, director, development mode
  bool finance = false;
  bool service = false;
  bool manager = false;
  bool rep = false;
  bool receptionist = false;
  int64_t rep_id = 0;
  std::vector<int64_t> units;  // a manager's subtree

  bool ReadsAll() const { return everything || finance || service; }
  bool InUnits(int64_t unit) const;
  // Who this caller is to the masking rule (domain/masking.h).
  MaskingViewer Masking() const;
  // Full (unmasked) view: own customer, a manager's subtree, or all-readers
  // (VisibilityOf == kFull).
  bool Sees(const CustomerRecord& c) const;
  CustomerVisibility VisibilityOf(const CustomerRecord& c) const;
  // Acts as the customer's manager: admin/director, or a manager whose
  // subtree holds the owner (pool customers: any manager).
  bool Manages(const CustomerRecord& c) const;
  bool IsOwner(const CustomerRecord& c) const { return rep && rep_id != 0 && c.customer.owner_rep_id() == rep_id; }
};

absl::StatusOr<CustomerViewer> LoadViewer(db::Transaction& tx, const Principal& principal);

absl::Status Denied(const std::string& what);

// Protection window and dormancy from the company settings (settings.proto,
// read through the engagement side's LoadCustomerSettings; defaults 7 and
// 180).
absl::StatusOr<int> ProtectionDays(db::Transaction& tx);
absl::StatusOr<int> DormancyDays(db::Transaction& tx);
// INVALID_ARGUMENT unless `region` (and `channel`, when not empty) are
// configured in the settings.
absl::Status CheckRegionAndChannel(db::Transaction& tx, const std::string& region, const std::string& channel,
                                   const std::string& prefix);

// Presentation: protection state and date, then MaskForViewer: a customer
// owned by someone else comes out as id, name and city only.
v1::Customer Present(const CustomerRecord& rec, const CustomerViewer& v, int window, absl::CivilDay today);

// Puts the CustomerStatusChanged event of a status change on the outbox, in
// the transaction that made the change (blacklisting, lifting it, the
// dormancy sweep): one place decides what the event carries.
absl::Status AppendStatusChanged(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                 v1::CustomerStatus from, v1::CustomerStatus to, const common::v1::Date& effective,
                                 const std::string& reason, const Who& who, const std::string& request_id);
v1::ProtectionState StateOf(const CustomerRecord& rec, int window, absl::CivilDay today);
// "上海华**公司": first characters and the tail kept, the middle starred.
std::string MaskName(const std::string& name);
v1::DuplicateMatch MatchOf(db::Transaction& tx, const CustomerStore::Match& m, const CustomerViewer& v, int window,
                           absl::CivilDay today);
// ALREADY_EXISTS naming the holder (masked) and how to reach the holding rep.
absl::Status AlreadyRegistered(db::Transaction& tx, const CustomerStore::Match& m, const CustomerViewer& v,
                               int window, absl::CivilDay today);

// The org unit of a rep from the org copy; 0 when unknown.
absl::StatusOr<int64_t> UnitOfRep(db::Transaction& tx, int64_t rep_id);

// Moves a customer to `ch.to_rep_id` (0: the pool) with its ownership
// record, audit entry and CustomerOwnerChangedEvent; family members follow
// their primary with records of their own. Returns the primary's record.
absl::StatusOr<v1::OwnershipRecord> MoveOwner(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now);
// The reps of these units, from the org copy (a manager's scope of reps).
absl::StatusOr<std::vector<int64_t>> RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units);
// A required free-text reason: non-blank, at most `max` characters (the
// size of its column, field_limits.h).
absl::Status RequireText(const std::string& text, const std::string& field, size_t max = 1000);

// Validates a Date field that must not be after `today`.
absl::Status NotInFuture(const common::v1::Date& d, absl::string_view field, absl::CivilDay today);

}  // namespace sales::customers
