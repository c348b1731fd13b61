// Shared plumbing of the engagement handlers: method names, who the caller
// is and what they may see, reps and offices from the org copy, periods.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "platform/org/org_replica.h"
#include "platform/service_app.h"
#include "sales/common/v1/audit.pb.h"
#include "sales/common/v1/date.pb.h"

namespace sales::customers::engagement {

inline constexpr char kDomain[] = "customers.sales";

std::string Method(absl::string_view name);

// The caller and their data scope (domain.md §1): a rep sees their own, a
// manager or receptionist their unit's subtree, director and admin all.
struct Viewer {
  Principal principal;
  bool all = false;           // director, admin, dev-mode anonymous
  bool read_all = false;      // also finance and service identities (reads)
  std::set<int64_t> units;    // subtree of the caller's unit (manager, receptionist)
  bool IsRep() const;
  bool IsManager() const;
  bool IsReceptionist() const;
  bool IsDirectorOrAdmin() const;
  bool SeesUnit(int64_t unit) const { return read_all || units.count(unit) > 0; }
  bool ActsOnUnit(int64_t unit) const { return all || units.count(unit) > 0; }
  std::vector<int64_t> UnitList() const { return {units.begin(), units.end()}; }
  // Narrows a store's list filter (`all`, `offices`, `scope_rep_id`) to
  // what this caller reads: everything, their offices, or their own rows.
  template <typename Filter>
  void ScopeReads(Filter* f) const {
    f->all = read_all;
    f->offices = UnitList();
    f->scope_rep_id = principal.rep_id;
  }
};

absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& p);

// PERMISSION_DENIED saying who may do it.
absl::Status Denied(const Viewer& v, absl::string_view what);

common::v1::Actor ActorOf(const Principal& p);

// The business days of a request's date range: both ends valid dates
// (`<field>.start`, `<field>.end`) and the end not before the start.
struct DayRange {
  absl::CivilDay from, to;
};
absl::StatusOr<DayRange> ReadDayRange(const common::v1::DateRange& range, const std::string& field);

// Whether the org copy holds anything: when it is empty (a service run
// without targets) reps and offices cannot be checked and are taken as
// given.
absl::StatusOr<bool> OrgKnown(db::Transaction& tx);

// A rep from the org copy; NOT_FOUND (field `field`) when unknown to a
// populated copy; nullopt when the copy is empty.
absl::StatusOr<std::optional<RepInfo>> KnownRep(db::Transaction& tx, int64_t rep_id);

// The rep's org unit, 0 when unknown.
absl::StatusOr<int64_t> RepUnit(db::Transaction& tx, int64_t rep_id);

// NOT_FOUND when the office is unknown to a populated copy;
// INVALID_ARGUMENT (`field`) when the unit is not an OFFICE.
absl::Status CheckOffice(db::Transaction& tx, int64_t office_id, absl::string_view field);

// Active (not left, not on leave) and within the office's subtree.
absl::Status CheckRepInOffice(db::Transaction& tx, int64_t rep_id, int64_t office_id, absl::string_view field);

// Offices (kind OFFICE) visible to the viewer; from rotations, leads and
// calls when the org copy is empty.
absl::StatusOr<std::vector<int64_t>> OfficesInScope(db::Transaction& tx, const Viewer& v);

// A fiscal period's first and last day (week: 7 days from start; month,
// quarter, year: calendar, start on the first day). INVALID_ARGUMENT on
// `field`.
struct Span {
  absl::CivilDay start, end;
};
absl::StatusOr<Span> SpanOf(const common::v1::Period& p, const std::string& field);

common::v1::DateRange RangeOf(const Span& s);

}  // namespace sales::customers::engagement
